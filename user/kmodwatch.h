/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Watch on the KVM vendor module (kvm_amd / kvm_intel) whose BTF the BTF
 * tracepoint programs were relocated against when they loaded: the exit
 * reason is read at offsets of its struct vcpu_svm / vcpu_vmx. Unloading
 * it does not touch the programs (they attach to kvm.ko's tracepoints),
 * and loading the same build again keeps the offsets right; a different
 * build (a patched module, another kernel's) may move them.
 */
#ifndef EXITTOP_KMODWATCH_H
#define EXITTOP_KMODWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct kmod_watch {
	char module[16];	/* "" : nothing watched */
	bool present;
	ino_t ino;		/* of /sys/module/MODULE: a new one per load */
	uint64_t btf_hash;	/* of /sys/kernel/btf/MODULE at the first load seen */
	uint64_t btf_len;
};

enum kmod_event {
	KMOD_NONE,		/* no change since the last check */
	KMOD_UNLOADED,		/* the module went away */
	KMOD_RELOADED,		/* loaded again, the same BTF as before */
	KMOD_REPLACED,		/* loaded again with different BTF: offsets stale */
};

/* Watch whichever vendor module is loaded now (none: nothing is watched). */
void kmod_watch_init(struct kmod_watch *w);
/* One stat() per call; the BTF is read only after a new load. */
enum kmod_event kmod_watch_check(struct kmod_watch *w);

#endif

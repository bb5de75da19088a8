/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which pair of kvm_exit/kvm_entry programs to load: the BTF tracepoints
 * (raw arguments, no record is built: cheaper per exit) or the classic
 * tracepoints (the record KVM builds, works without vendor module BTF).
 */
#ifndef EXITTOP_TPMODE_H
#define EXITTOP_TPMODE_H

#include <stdbool.h>
#include <stddef.h>

enum tp_mode {
	TP_MODE_AUTO,		/* BTF where the kernel allows it, else classic */
	TP_MODE_BTF,
	TP_MODE_CLASSIC,
};

/* "auto", "btf", "classic" -> mode; -1 if none of these */
int tp_mode_parse(const char *s, enum tp_mode *m);
const char *tp_mode_name(enum tp_mode m);

/*
 * Can the BTF pair run here? Needs kvm_exit's 5.16+ raw arguments
 * (struct kvm_vcpu *, u32 isa) and, for the loaded vendor module, BTF of
 * its vCPU struct with the field the exit reason is read from. If not,
 * returns false and says why in why[].
 *
 * *loads: whether the pair can read the exit reason with plain loads
 * (kvm_exit_btf_ld), from the same BTF: needs the bpf_rdonly_cast() kfunc
 * (Linux 6.2+) and the vmlinux structs the loads go through. If not,
 * kvm_exit_btf reads it with bpf_probe_read_kernel().
 */
bool tp_btf_usable(char *why, size_t len, bool *loads);

/* A tracepoint's raw arguments as a BTF program expects them. */
struct tp_proto {
	const char *event;	/* "kvm_pio" */
	unsigned int nargs;	/* its TP_PROTO's arguments */
	bool vcpu_first;	/* the first is a struct kvm_vcpu * */
};

/*
 * Bit i set: the kernel's (or kvm module's) BTF has list[i]'s tracepoint
 * with that argument list (at most 32 entries), so a tp_btf program built
 * for it loads and reads the right arguments.
 */
unsigned int tp_btf_protos(const struct tp_proto *list, size_t n);

#endif

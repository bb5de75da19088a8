/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --drill's collector: loads and attaches bpf/detail.bpf.c beside the
 * exit programs (sharing their `threads` records) and turns its
 * details map into detail rows, per poll, as collect.c does for reasons.
 */
#ifndef EXITTOP_DRILL_COLLECT_H
#define EXITTOP_DRILL_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drill.h"
#include "model.h"

struct detail;

/*
 * Load and attach for the reasons in ds. threads_fd: exits.bpf.c's thread
 * records (threads); btf_entry: the exit programs are the BTF pair (so is the
 * entry program here); max_keys: entries of the details map (0: default);
 * evdir: tracefs's kvm events directory. On failure a negative errno and
 * a one-line message in err; nothing stays loaded.
 */
int detail_open(struct detail **dp, const struct drill_set *ds, int threads_fd,
		bool btf_entry, uint32_t max_keys, const char *evdir,
		char *err, size_t errlen);

/*
 * Read the details map. The collector calls it after it found which VMs
 * ended and before it reads the exit counters: a detail is counted after
 * its exit (kvm_exit comes first), so every detail read has its reason
 * row in the same snapshot (the exits of the moments between the two
 * reads have their details in the next one).
 */
void detail_read(struct detail *d);

/*
 * Fold that read into s: deltas, totals; the keys of VMs s shows ended
 * leave the map (their rows stay while s lists the VM). s->detail points
 * into d until the next poll.
 */
int detail_poll(struct detail *d, struct snapshot *s);

/* Totals from zero; rows of VMs no longer listed go. */
void detail_reset(struct detail *d);

void detail_close(struct detail *d);

/*
 * --attrib with --drill: the maps bpf/attrib.bpf.c shares (the thread's
 * detail in flight, the split per detail key), and detail_set_attrib(d,
 * true) before it is loaded, so that the polls read the split per key
 * too (it only allocates; false undoes it when the load failed).
 */
int detail_pend_fd(const struct detail *d);
int detail_attrib_fd(const struct detail *d);
int detail_set_attrib(struct detail *d, bool on);	/* 0, or -ENOMEM */

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency attribution (--attrib): loads and attaches bpf/attrib.bpf.c
 * beside a loaded bpf/exits.bpf.c, sharing its maps, and reads the split
 * of each stats slot. Nothing of it is loaded until attribmaps_open().
 */
#ifndef EXITTOP_ATTRIBMAPS_H
#define EXITTOP_ATTRIBMAPS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct attribmaps;

/*
 * Load and attach, after exits.bpf.c's programs were attached (ours must
 * run after them on kvm_exit and kvm_entry). stats_fd, threads_fd:
 * exits.bpf.c's maps; max_keys: the entries of its stats array. On
 * failure returns -errno and one line for the user in err; nothing stays
 * loaded.
 */
/*
 * pend_fd and dattr_fd: --drill's maps (detail_pend_fd(), detail_attrib_fd()),
 * so that each exit's split is charged to its detail key too; -1 without.
 */
int attribmaps_open(struct attribmaps **a, int stats_fd, int threads_fd,
		    int pend_fd, int dattr_fd,
		    size_t max_keys, int ncpus, char *err, size_t errlen);

/* The split in stats slot `slot` now, zero unless it belongs to generation gen. */
void attribmaps_read(const struct attribmaps *a, uint32_t slot, uint32_t gen,
		     struct attr_agg *out);

/*
 * Exits not attributed (no task storage, slot gone), summed over CPUs
 * (read from the kernel only after a drop, see dropsum.h).
 */
uint64_t attribmaps_drops(struct attribmaps *a);

void attribmaps_close(struct attribmaps *a);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's table of VMs (VMM processes) seen in the maps: name,
 * start time and a pidfd each, and which of them ended since the last poll.
 */
#ifndef EXITTOP_VMTABLE_H
#define EXITTOP_VMTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"

struct vm_state {
	struct vm_info info;
	uint64_t start;		/* vminfo_starttime() when first seen */
	int pidfd;		/* pidfd of the VMM while alive; -1: use start */
	bool dead_now;		/* found gone at the start of this poll */
	bool reap_pending;	/* gone when first seen: reap its keys next poll */
};

struct vm_table {
	struct vm_state *vm;	/* in the order first seen */
	size_t n, cap;
	struct pollfd *pfds;	/* the pidfds polled for VM ends */
	size_t pfds_cap;
};

/* Index of pid's VM, made (named, its pidfd opened) if new; -1: no memory. */
ssize_t vmtable_get(struct vm_table *t, uint32_t pid);

/*
 * v has keys again: if it had ended and was reaped, its pid was reused
 * by a new process, which v now describes.
 */
void vmtable_seen_again(struct vm_state *v);

/*
 * Before a read of the maps: set dead_now on the VMs that ended (their
 * exits are all in the maps, so that read is their last), and on those
 * that were already gone when first seen.
 */
void vmtable_find_ended(struct vm_table *t);

/* After that read: the VMs with dead_now become not alive, pidfds closed. */
void vmtable_retire_ended(struct vm_table *t);

/*
 * Drop the VMs that ended and were reaped, keep the others in order.
 * newidx[i] (t->n entries) gets the new index + 1 of VM i, 0 if dropped.
 */
void vmtable_forget_ended(struct vm_table *t, size_t *newidx);

void vmtable_free(struct vm_table *t);

#endif

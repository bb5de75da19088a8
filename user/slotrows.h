/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The row state of each stats slot's key at the last read. A key keeps its
 * slot while it lives, so a refresh finds the row of an already-seen key by
 * its slot, without hashing the key (rowtable.c). The cache points into the
 * row table's storage: it is dropped whenever that storage moves (the table
 * grew, or the collector rebuilt it), and each hit is checked against the
 * key, since a slot freed by user space may be claimed by another key.
 */
#ifndef EXITTOP_SLOTROWS_H
#define EXITTOP_SLOTROWS_H

#include <stddef.h>
#include <stdint.h>

#include "rowtable.h"

struct slot_rows {
	struct row_state **row;		/* per stats slot; NULL: not cached */
	size_t n;			/* stats slots */
	uint64_t of;			/* id of the row table row[] points into */
};

/* Room for n slots, none cached; 0 or -ENOMEM. */
int slotrows_init(struct slot_rows *s, size_t n);

/* Forget every cached row: the row table is about to be rebuilt. */
void slotrows_forget(struct slot_rows *s);

/*
 * The row state of key k, read from stats slot slot (< n): the cached one,
 * else the row table's (made there if new). NULL: out of memory.
 */
struct row_state *slotrows_get(struct slot_rows *s, struct row_table *t,
			       uint32_t slot, const struct exits_key *k);

void slotrows_free(struct slot_rows *s);

#endif

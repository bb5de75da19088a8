/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's row states: one per (pid, vcpu, reason, isa) key ever
 * read, with its cumulative and last-interval figures. An open addressing
 * hash table (linear probing, capacity a power of two, at most half full).
 */
#ifndef EXITTOP_ROWTABLE_H
#define EXITTOP_ROWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct row_state {
	bool used;
	bool delta_set;		/* delta or attr_delta nonzero: zero them at the next poll */
	bool snap_delta;	/* the snapshot's copy of the row has a nonzero delta */
	struct exits_key key;	/* with used and last.count: in a probe's first cache line */
	struct agg last;	/* kernel value at the previous read */
	struct agg total;
	struct agg delta;
	struct attr_agg attr_last, attr_total, attr_delta;	/* --attrib */
	size_t vm;		/* the collector's VM index + 1; 0: not set yet */
};

struct row_table {
	struct row_state *slot;
	size_t cap, n;
	uint64_t version;	/* moves when a row is made (rows may move) */
};

/* Every used row state r of t, in table order. */
#define rowtable_for_each(t, r) \
	for ((r) = (t)->slot; (r) < (t)->slot + (t)->cap; (r)++) \
		if (!(r)->used) {} else

/* An empty table with room to start; 0 or -ENOMEM (t unchanged). */
int rowtable_init(struct row_table *t);

/*
 * The row state of key k; if there is none, a zeroed one made for k when
 * create is set, else NULL. NULL also when the table cannot grow.
 */
struct row_state *rowtable_get(struct row_table *t, const struct exits_key *k, bool create);

void rowtable_free(struct row_table *t);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's row states: one per (pid, vcpu, reason, isa) key ever
 * read, with its cumulative and last-interval figures.
 *
 * The states live in fixed-size chunks, in the order they were made, and
 * never move while the table lives: a cache of row pointers (slotrows.c,
 * snaprows.c) stays valid when the table grows. The keys are found through
 * an open addressing index of row numbers (linear probing, capacity a power
 * of two, at most half full): growing it moves 4 bytes a row, not a row
 * state, and the half-empty part costs 8 bytes a row, not two row states.
 */
#ifndef EXITTOP_ROWTABLE_H
#define EXITTOP_ROWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* --attrib: a row's latency split, as last/total/delta are its figures */
struct row_attr {
	struct attr_agg last, total, delta;
};

struct row_state {
	bool delta_set;		/* delta or attr's delta nonzero: zero them at the next poll */
	bool snap_delta;	/* the snapshot's copy of the row has a nonzero delta */
	struct exits_key key;
	struct agg last;	/* kernel value at the previous read */
	struct agg total;
	struct agg delta;
	/*
	 * Made at the row's first read with --attrib (NULL: all zero), so
	 * that the rows of a run without it do not carry 192 bytes each;
	 * rowtable_free frees it.
	 */
	struct row_attr *attr;
	size_t vm;		/* the collector's VM index + 1; 0: not set yet */
};

#define ROWTABLE_CHUNK_SHIFT	9	/* 512 row states a chunk */

struct row_table {
	struct row_state **chunk;	/* row i: chunk[i >> SHIFT][i & (CHUNK - 1)]; as many as rows need */
	size_t chunk_cap;
	uint32_t *index;	/* row number + 1 by key hash; 0: empty place */
	size_t cap, n;		/* index places (a power of two), rows */
	uint64_t version;	/* moves when a row is made */
	uint64_t id;		/* unique to this table: rows of another one are not ours */
};

/* Row i (< t->n) of t. */
static inline struct row_state *rowtable_at(const struct row_table *t, size_t i)
{
	return &t->chunk[i >> ROWTABLE_CHUNK_SHIFT][i & ((1u << ROWTABLE_CHUNK_SHIFT) - 1)];
}

/* Every row state r of t, in the order they were made. */
#define rowtable_for_each(t, r) \
	for (size_t rowtable_i_ = 0; \
	     rowtable_i_ < (t)->n && ((r) = rowtable_at((t), rowtable_i_)); \
	     rowtable_i_++)

/* An empty table with room to start and a new id; 0 or -ENOMEM (t unchanged). */
int rowtable_init(struct row_table *t);

/*
 * The row state of key k; if there is none, a zeroed one made for k when
 * create is set, else NULL. NULL also when the table cannot grow (or
 * would pass UINT32_MAX rows).
 */
struct row_state *rowtable_get(struct row_table *t, const struct exits_key *k, bool create);

void rowtable_free(struct row_table *t);

#endif

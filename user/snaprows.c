// SPDX-License-Identifier: GPL-2.0
/* The collector's snapshot rows (snaprows.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "snaprows.h"

/*
 * A row's place in stat_row_cmp's order (pid, vcpu, reason, isa) as two
 * numbers, and its state: sorting these moves 24 bytes a row, where
 * sorting the snapshot's rows themselves moved ~700.
 */
struct row_ref {
	uint64_t hi;	/* pid << 32 | vcpu */
	uint64_t lo;	/* reason << 8 | isa */
	struct row_state *r;
};

static int row_ref_cmp(const void *a, const void *b)
{
	const struct row_ref *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

static int sort_rows(struct snap_rows *b, struct row_table *rt)
{
	struct row_state *r;
	size_t n = 0;

	if (array_reserve(&b->rows, &b->rows_cap, rt->n, sizeof(*b->rows), 64) ||
	    array_reserve(&b->order, &b->order_cap, rt->n, sizeof(*b->order), 64))
		return -ENOMEM;
	rowtable_for_each(rt, r) {
		struct row_ref *o = &b->order[n++];

		o->hi = (uint64_t)r->key.pid << 32 | r->key.vcpu;
		o->lo = (uint64_t)r->key.reason << 8 | (uint8_t)r->key.isa;
		o->r = r;
	}
	qsort(b->order, n, sizeof(*b->order), row_ref_cmp);
	b->n = n;
	b->of_id = rt->id;
	b->of_version = rt->version;
	return 0;
}

int snap_rows_fill(struct snap_rows *b, struct row_table *rt, size_t *n)
{
	size_t i;
	bool same;

	/*
	 * No row made or moved since the last fill: the order stands, and
	 * only rows that changed since are copied again (an idle row's copy,
	 * delta zero, is still right).
	 */
	same = b->rows && b->of_id == rt->id && b->of_version == rt->version &&
	       b->n == rt->n;
	if (!same && sort_rows(b, rt))
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		struct row_state *r = b->order[i].r;
		struct stat_row *row = &b->rows[i];

		if (same && !r->delta_set && !r->snap_delta)
			continue;
		r->snap_delta = r->delta_set;
		row->pid = r->key.pid;
		row->vcpu = r->key.vcpu;
		row->reason = r->key.reason;
		row->isa = (uint8_t)r->key.isa;
		row->total = r->total;
		row->delta = r->delta;
		if (r->attr) {
			row->attr_total = r->attr->total;
			row->attr_delta = r->attr->delta;
		} else {
			memset(&row->attr_total, 0, sizeof(row->attr_total));
			memset(&row->attr_delta, 0, sizeof(row->attr_delta));
		}
	}
	*n = b->n;
	return 0;
}

void snap_rows_invalidate(struct snap_rows *b)
{
	b->of_id = 0;
}

void snap_rows_free(struct snap_rows *b)
{
	free(b->rows);
	free(b->order);
	memset(b, 0, sizeof(*b));
}

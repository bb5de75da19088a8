/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rows of the collector's snapshots: copies of the row states in
 * stat_row_cmp order, kept from one snapshot to the next so that an idle
 * refresh neither sorts nor copies what did not move.
 */
#ifndef EXITTOP_SNAPROWS_H
#define EXITTOP_SNAPROWS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "rowtable.h"

struct row_ref;

struct snap_rows {
	struct stat_row *rows;
	size_t rows_cap;
	struct row_ref *order;	/* the rows' sort keys and states, sorted */
	size_t order_cap, n;
	/* order and rows still hold rt's rows if its id and version are these */
	uint64_t of_id;
	uint64_t of_version;
};

/* rows[0..*n) from rt's row states, in stat_row_cmp order. 0 or -ENOMEM. */
int snap_rows_fill(struct snap_rows *b, struct row_table *rt, size_t *n);

/* rt's rows went, or their totals changed: the next fill copies all. */
void snap_rows_invalidate(struct snap_rows *b);

void snap_rows_free(struct snap_rows *b);

#endif

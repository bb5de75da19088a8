/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency attribution figures (struct attr_agg, model.h): arithmetic and
 * the columns the text table and the terminal show. Pure functions.
 */
#ifndef EXITTOP_ATTRIB_STATS_H
#define EXITTOP_ATTRIB_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* d = cur - last; a += b; did a counter go back (the slot was taken over)? */
void attr_diff(struct attr_agg *d, const struct attr_agg *cur, const struct attr_agg *last);
void attr_add(struct attr_agg *a, const struct attr_agg *b);
bool attr_went_back(const struct attr_agg *cur, const struct attr_agg *last);

/* out = the split of one value of bpf/attrib.bpf.c's maps */
void attr_from_val(struct attr_agg *out, const struct attrib_val *v);

/* "blocked": the guest halted, polling or asleep (bpf/attrib.h). */
static inline uint64_t attr_blocked_ns(const struct attr_agg *a)
{
	return a->part_ns[ATTRIB_POLL] + a->part_ns[ATTRIB_SLEEP];
}

/*
 * The attribution columns after a table line: the mean time per exit in
 * KVM, in the VMM, waiting for a CPU and blocked ("-" when no exit was
 * attributed). ATTR_COLS_WIDTH characters, with their leading spaces.
 */
#define ATTR_COLS_WIDTH 32
void attr_fmt_header(char *buf, size_t len);
void attr_fmt_cols(char *buf, size_t len, const struct attr_agg *a);

/* Append the columns (or their titles) of r to a table line; r NULL: nothing. */
struct view_row;
void attr_line_end(char *line, size_t len, const struct view_row *r, bool header);

#endif

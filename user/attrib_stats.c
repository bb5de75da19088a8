// SPDX-License-Identifier: GPL-2.0
/* Latency attribution figures: arithmetic and table columns. */
#include <stdio.h>
#include <string.h>

#include "attrib_stats.h"
#include "output.h"
#include "view.h"

void attr_diff(struct attr_agg *d, const struct attr_agg *cur, const struct attr_agg *last)
{
	int i;

	d->count = cur->count - last->count;
	d->sum_ns = cur->sum_ns - last->sum_ns;
	for (i = 0; i < ATTRIB_PARTS; i++)
		d->part_ns[i] = cur->part_ns[i] - last->part_ns[i];
	d->approx = cur->approx - last->approx;
}

void attr_add(struct attr_agg *a, const struct attr_agg *b)
{
	int i;

	a->count += b->count;
	a->sum_ns += b->sum_ns;
	for (i = 0; i < ATTRIB_PARTS; i++)
		a->part_ns[i] += b->part_ns[i];
	a->approx += b->approx;
}

void attr_from_val(struct attr_agg *out, const struct attrib_val *v)
{
	int i;

	out->count = v->count;
	out->sum_ns = v->total_ns;
	for (i = 0; i < ATTRIB_PARTS; i++)
		out->part_ns[i] = v->part_ns[i];
	out->approx = v->approx;
}

bool attr_went_back(const struct attr_agg *cur, const struct attr_agg *last)
{
	return cur->count < last->count || cur->sum_ns < last->sum_ns;
}

void attr_fmt_header(char *buf, size_t len)
{
	snprintf(buf, len, " %7s %7s %7s %7s", "KVM", "VMM", "WAIT", "BLOCKED");
}

void attr_fmt_cols(char *buf, size_t len, const struct attr_agg *a)
{
	uint64_t part[4] = {
		a->part_ns[ATTRIB_KVM], a->part_ns[ATTRIB_VMM], a->part_ns[ATTRIB_WAIT],
		attr_blocked_ns(a),
	};
	char f[4][16];
	int i;

	for (i = 0; i < 4; i++)
		fmt_ns(a->count ? (double)part[i] / (double)a->count : 0, a->count > 0,
		       f[i], sizeof(f[i]));
	snprintf(buf, len, " %7s %7s %7s %7s", f[0], f[1], f[2], f[3]);
}

void attr_line_end(char *line, size_t len, const struct view_row *r, bool header)
{
	size_t n = strlen(line);
	char cols[64];

	if (!r)
		return;
	if (header)
		attr_fmt_header(cols, sizeof(cols));
	else
		attr_fmt_cols(cols, sizeof(cols), &r->attr);
	snprintf(line + n, n < len ? len - n : 0, "%s", cols);
}

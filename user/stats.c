// SPDX-License-Identifier: GPL-2.0
/* Statistics over aggregates and log2 latency histograms. Pure functions. */
#include <string.h>

#include "stats.h"

/* agg_from_val copies exits_val's counters into struct agg field by field */
_Static_assert(sizeof(unsigned long long) == sizeof(uint64_t), "exits_val field size");

/* Upper bound of slot i: [2^i, 2^(i+1)) -> 2^(i+1) - 1; the last is open. */
static uint64_t slot_upper(int i)
{
	if (i >= EXITS_HIST_SLOTS - 1)
		return UINT64_MAX;
	return (UINT64_C(1) << (i + 1)) - 1;
}

void agg_add(struct agg *a, const struct agg *b)
{
	int i;

	a->count += b->count;
	a->lat_count += b->lat_count;
	a->lat_sum_ns += b->lat_sum_ns;
	if (b->lat_max_ns > a->lat_max_ns)
		a->lat_max_ns = b->lat_max_ns;
	for (i = 0; i < EXITS_HIST_SLOTS; i++)
		a->hist[i] += b->hist[i];
}

void agg_from_val(struct agg *a, const volatile struct exits_val *v)
{
	int i;

	a->count = v->count;
	a->lat_count = v->lat_count;
	a->lat_sum_ns = v->lat_sum_ns;
	a->lat_max_ns = v->lat_max_ns;
	for (i = 0; i < EXITS_HIST_SLOTS; i++)
		a->hist[i] = v->hist[i];
}

void agg_diff(struct agg *d, const struct agg *cur, const struct agg *last)
{
	uint64_t ub;
	int s, top = -1;

	d->count = cur->count - last->count;
	d->lat_count = cur->lat_count - last->lat_count;
	d->lat_sum_ns = cur->lat_sum_ns - last->lat_sum_ns;
	for (s = 0; s < EXITS_HIST_SLOTS; s++) {
		d->hist[s] = cur->hist[s] - last->hist[s];
		if (d->hist[s])
			top = s;
	}
	if (!d->lat_count || top < 0)
		d->lat_max_ns = 0;
	else if (cur->lat_max_ns > last->lat_max_ns)
		d->lat_max_ns = cur->lat_max_ns;	/* a new maximum: exact */
	else {
		/* bounded by the top slot of this interval and by the old max */
		ub = slot_upper(top);
		d->lat_max_ns = ub < cur->lat_max_ns ? ub : cur->lat_max_ns;
	}
}

bool agg_went_back(const struct agg *cur, const struct agg *last)
{
	return cur->count < last->count || cur->lat_count < last->lat_count;
}

double agg_avg_ns(const struct agg *a)
{
	if (!a->lat_count)
		return 0;
	return (double)a->lat_sum_ns / (double)a->lat_count;
}

uint64_t hist_percentile_ns(const uint64_t *hist, uint64_t max_ns, double p)
{
	uint64_t total = 0, cum = 0, v;
	double target;
	int i, last = -1;

	for (i = 0; i < EXITS_HIST_SLOTS; i++) {
		total += hist[i];
		if (hist[i])
			last = i;
	}
	if (!total)
		return 0;
	if (!(p > 0))
		p = 0;
	if (p > 100)
		p = 100;
	target = (double)total * p / 100.0;
	v = slot_upper(last);
	for (i = 0; i <= last; i++) {
		cum += hist[i];
		if (hist[i] && (double)cum >= target) {
			v = slot_upper(i);
			break;
		}
	}
	if (max_ns && v > max_ns)
		v = max_ns;
	/* the open last slot without a known max: its lower bound */
	if (v == UINT64_MAX)
		v = UINT64_C(1) << (EXITS_HIST_SLOTS - 1);
	return v;
}

double rate_per_s(uint64_t count, double interval_s)
{
	if (!(interval_s > 0))
		return 0;
	return (double)count / interval_s;
}

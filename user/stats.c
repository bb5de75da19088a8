// SPDX-License-Identifier: GPL-2.0
/* Statistics over aggregates and log2 latency histograms. Pure functions. */
#include "stats.h"

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

double agg_avg_ns(const struct agg *a)
{
	if (!a->lat_count)
		return 0;
	return (double)a->lat_sum_ns / (double)a->lat_count;
}

/* Upper bound of slot i: [2^i, 2^(i+1)) -> 2^(i+1) - 1; the last is open. */
static uint64_t slot_upper(int i)
{
	if (i >= EXITS_HIST_SLOTS - 1)
		return UINT64_MAX;
	return (UINT64_C(1) << (i + 1)) - 1;
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

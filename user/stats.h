/* SPDX-License-Identifier: GPL-2.0 */
/* Statistics over aggregates and log2 latency histograms. Pure functions. */
#ifndef EXITTOP_STATS_H
#define EXITTOP_STATS_H

#include "model.h"

/* a += b (counts, sums, histogram; max of maxima). */
void agg_add(struct agg *a, const struct agg *b);

/*
 * a = the counters of one stats map value (bpf/exits.h) that its vCPU's
 * thread may be updating meanwhile: each field is read with one aligned
 * 8-byte load, so no field is torn; fields may be one exit apart, which
 * the next read makes up.
 */
void agg_from_val(struct agg *a, const volatile struct exits_val *v);

/*
 * d = cur - last for two reads of one key's counters. The maximum of the
 * interval is not exact: see docs/bpf-design.md.
 */
void agg_diff(struct agg *d, const struct agg *cur, const struct agg *last);

/* Did a counter go back (the key was deleted and made again)? */
bool agg_went_back(const struct agg *cur, const struct agg *last);

/* Mean exit-to-entry latency in ns, 0 when nothing was measured. */
double agg_avg_ns(const struct agg *a);

/*
 * The p-th percentile (0 < p <= 100) of a log2 histogram, in ns:
 * the upper bound of the slot where the cumulative count reaches p%,
 * clamped to max_ns when known (nonzero). 0 for an empty histogram.
 */
uint64_t hist_percentile_ns(const uint64_t *hist, uint64_t max_ns, double p);

/* Events per second over interval_s; 0 for a non-positive interval. */
double rate_per_s(uint64_t count, double interval_s);
#endif

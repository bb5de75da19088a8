// SPDX-License-Identifier: GPL-2.0
/* cmocka tests of user/stats.c: log2 histogram percentiles, averages, rates, per-CPU sums, deltas. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

#define NS(i) ((UINT64_C(1) << ((i) + 1)) - 1)	/* upper bound of slot i */

static void test_empty(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };
	struct agg a = { 0 };

	assert_int_equal(hist_percentile_ns(h, 0, 50), 0);
	assert_int_equal(hist_percentile_ns(h, 0, 99), 0);
	assert_int_equal(hist_percentile_ns(h, 1000, 100), 0);
	assert_true(agg_avg_ns(&a) == 0.0);
}

static void test_single_slot(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };

	h[10] = 7;	/* [1024, 2047] ns */
	assert_int_equal(hist_percentile_ns(h, 0, 1), NS(10));
	assert_int_equal(hist_percentile_ns(h, 0, 50), NS(10));
	assert_int_equal(hist_percentile_ns(h, 0, 99), NS(10));
	assert_int_equal(hist_percentile_ns(h, 0, 100), NS(10));
	/* slot 0 holds 0 and 1 ns */
	memset(h, 0, sizeof(h));
	h[0] = 1;
	assert_int_equal(hist_percentile_ns(h, 0, 50), 1);
}

static void test_two_slots(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };

	h[8] = 90;	/* [256, 511] */
	h[12] = 10;	/* [4096, 8191] */
	assert_int_equal(hist_percentile_ns(h, 0, 50), NS(8));
	assert_int_equal(hist_percentile_ns(h, 0, 90), NS(8));
	assert_int_equal(hist_percentile_ns(h, 0, 90.5), NS(12));
	assert_int_equal(hist_percentile_ns(h, 0, 99), NS(12));
	assert_int_equal(hist_percentile_ns(h, 0, 100), NS(12));
	/* monotonic in p */
	for (double p = 1; p < 100; p += 1)
		assert_true(hist_percentile_ns(h, 0, p) <= hist_percentile_ns(h, 0, p + 1));
}

static void test_clamp_by_max(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };

	h[12] = 5;	/* [4096, 8191], the real max was 5000 */
	assert_int_equal(hist_percentile_ns(h, 5000, 50), 5000);
	assert_int_equal(hist_percentile_ns(h, 5000, 99), 5000);
	/* a max above the slot bound changes nothing */
	assert_int_equal(hist_percentile_ns(h, 1000000, 99), NS(12));
	/* p50 <= p99 <= max */
	h[3] = 100;
	assert_true(hist_percentile_ns(h, 5000, 50) <= hist_percentile_ns(h, 5000, 99));
	assert_true(hist_percentile_ns(h, 5000, 99) <= 5000);
}

static void test_open_last_slot(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };
	uint64_t lo = UINT64_C(1) << (EXITS_HIST_SLOTS - 1);

	h[EXITS_HIST_SLOTS - 1] = 3;
	/* the last slot is open: with a known max, the max */
	assert_int_equal(hist_percentile_ns(h, 10 * lo, 50), 10 * lo);
	/* without one, its lower bound (never UINT64_MAX) */
	assert_int_equal(hist_percentile_ns(h, 0, 99), lo);
	h[0] = 1000;
	assert_int_equal(hist_percentile_ns(h, 0, 50), 1);
	assert_int_equal(hist_percentile_ns(h, 7 * lo, 100), 7 * lo);
}

static void test_p_bounds(void **state)
{
	uint64_t h[EXITS_HIST_SLOTS] = { 0 };

	h[2] = 1;
	h[5] = 1;
	assert_int_equal(hist_percentile_ns(h, 0, 0), NS(2));	/* p<=0: lowest slot */
	assert_int_equal(hist_percentile_ns(h, 0, 150), NS(5));	/* p>100 treated as 100 */
	assert_int_equal(hist_percentile_ns(h, 0, 50), NS(2));
	assert_int_equal(hist_percentile_ns(h, 0, 50.1), NS(5));
}

static void test_agg_add_avg(void **state)
{
	struct agg a = { 0 }, b = { 0 };

	a.count = 3; a.lat_count = 2; a.lat_sum_ns = 300; a.lat_max_ns = 200; a.hist[7] = 2;
	b.count = 5; b.lat_count = 4; b.lat_sum_ns = 100; b.lat_max_ns = 50; b.hist[4] = 4;
	agg_add(&a, &b);
	assert_int_equal(a.count, 8);
	assert_int_equal(a.lat_count, 6);
	assert_int_equal(a.lat_sum_ns, 400);
	assert_int_equal(a.lat_max_ns, 200);
	assert_int_equal(a.hist[7], 2);
	assert_int_equal(a.hist[4], 4);
	assert_true(agg_avg_ns(&a) > 66.66 && agg_avg_ns(&a) < 66.67);
	b.lat_max_ns = 1000;
	agg_add(&a, &b);
	assert_int_equal(a.lat_max_ns, 1000);
	/* counted exits without latency: average stays over measured ones */
	memset(&a, 0, sizeof(a));
	a.count = 10;
	assert_true(agg_avg_ns(&a) == 0.0);
}

/* One map value's counters, gen and anything after hist[] left out. */
static void test_agg_from_val(void **state)
{
	struct exits_val v;
	struct agg a;

	memset(&v, 0, sizeof(v));
	v.count = 4; v.lat_count = 3; v.lat_sum_ns = 900;
	v.lat_max_ns = 500; v.hist[8] = 2; v.hist[EXITS_HIST_SLOTS - 1] = 1; v.gen = 7;
	memset(&a, 0xee, sizeof(a));	/* whatever a held before */
	agg_from_val(&a, &v);
	assert_int_equal(a.count, 4);
	assert_int_equal(a.lat_count, 3);
	assert_int_equal(a.lat_sum_ns, 900);
	assert_int_equal(a.lat_max_ns, 500);
	assert_int_equal(a.hist[8], 2);
	assert_int_equal(a.hist[EXITS_HIST_SLOTS - 1], 1);
	assert_int_equal(a.hist[0] + a.hist[7] + a.hist[9], 0);
}

static void test_agg_diff(void **state)
{
	struct agg last = { 0 }, cur = { 0 }, d;

	last.count = 10; last.lat_count = 10; last.lat_sum_ns = 5000;
	last.lat_max_ns = 3000; last.hist[9] = 9; last.hist[11] = 1;	/* 3000 ns in [2048, 4095] */
	cur = last;
	cur.count = 15; cur.lat_count = 14; cur.lat_sum_ns = 5400; cur.hist[6] = 4;
	agg_diff(&d, &cur, &last);
	assert_int_equal(d.count, 5);
	assert_int_equal(d.lat_count, 4);
	assert_int_equal(d.lat_sum_ns, 400);
	assert_int_equal(d.hist[6], 4);
	assert_int_equal(d.hist[9] + d.hist[11], 0);
	/* no new maximum: bounded by the interval's top slot, [64, 127] */
	assert_int_equal(d.lat_max_ns, 127);
	/* a new maximum is exact */
	cur.lat_max_ns = 7000;
	cur.hist[12] = 1;
	cur.lat_count++;
	agg_diff(&d, &cur, &last);
	assert_int_equal(d.lat_max_ns, 7000);
	/* the bound never exceeds the maximum so far */
	cur = last;
	cur.lat_count++;
	cur.hist[11]++;
	agg_diff(&d, &cur, &last);
	assert_int_equal(d.lat_max_ns, 3000);
	/* exits without a measured latency: no maximum */
	cur = last;
	cur.count += 3;
	agg_diff(&d, &cur, &last);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.lat_max_ns, 0);
	assert_false(agg_went_back(&cur, &last));
	/* counters below the last read: the key was made again */
	cur.count = 2;
	assert_true(agg_went_back(&cur, &last));
	cur = last;
	cur.lat_count = 1;
	assert_true(agg_went_back(&cur, &last));
}

static void test_rate(void **state)
{
	assert_true(rate_per_s(100, 2.0) == 50.0);
	assert_true(rate_per_s(0, 1.0) == 0.0);
	assert_true(rate_per_s(100, 0) == 0.0);
	assert_true(rate_per_s(100, -1) == 0.0);
	assert_true(rate_per_s(3, 0.5) == 6.0);
	assert_true(rate_per_s(UINT64_C(1) << 40, 1.0) == (double)(UINT64_C(1) << 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_slot),
		cmocka_unit_test(test_two_slots),
		cmocka_unit_test(test_clamp_by_max),
		cmocka_unit_test(test_open_last_slot),
		cmocka_unit_test(test_p_bounds),
		cmocka_unit_test(test_agg_add_avg),
		cmocka_unit_test(test_agg_from_val),
		cmocka_unit_test(test_agg_diff),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the exporter's detail series (user/export_detail.c): the
 * first --drill-top details of a (VM, reason) keep their own series, the
 * rest are summed in "other"; vCPUs are summed; every exported counter
 * only grows and the series of a reason add up to the exits fed in; the
 * series of expired VMs go. Expected figures are the sums of the deltas
 * the test feeds, computed here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "export_detail.h"
#include "export_prom.h"

#define SVM EXITS_ISA_SVM
#define IOIO 0x7b
#define MSR 0x7c

struct feed {
	struct detail_row rows[64];
	struct detail_snap ds;
	struct vm_info vms[4];
	struct snapshot view;
};

static void feed_init(struct feed *f)
{
	memset(f, 0, sizeof(*f));
	f->ds.rows = f->rows;
	f->view.vms = f->vms;
}

static void vm(struct feed *f, uint32_t pid, const char *name)
{
	f->vms[f->view.nvms].pid = pid;
	snprintf(f->vms[f->view.nvms].name, sizeof(f->vms[0].name), "%s", name);
	f->vms[f->view.nvms++].alive = true;
}

static struct detail_key pio(uint32_t pid, uint32_t vcpu, uint64_t port)
{
	struct detail_key k = { .pid = pid, .vcpu = vcpu, .reason = IOIO, .isa = SVM,
				.kind = DETAIL_PIO, .attr = 1, .id = port };
	return k;
}

/* a delta of n exits, each measured at 1000 ns (histogram slot 9) */
static void add(struct feed *f, struct detail_key k, uint64_t n)
{
	struct detail_row *r = &f->rows[f->ds.nrows++];

	memset(r, 0, sizeof(*r));
	r->key = k;
	r->delta.count = n;
	r->delta.lat_count = n;
	r->delta.lat_sum_ns = n * 1000;
	r->delta.hist[9] = n;
}

static void poll(struct export_detail *xd, struct feed *f)
{
	assert_int_equal(export_detail_update(xd, &f->ds, &f->view), 0);
	f->ds.nrows = 0;
}

static uint64_t own_count(struct export_detail *xd, struct detail_key k, bool want_own)
{
	bool own = !want_own;
	const struct agg *a = export_detail_get(xd, &k, &own);

	assert_non_null(a);
	assert_int_equal(own, want_own);
	return a->count;
}

static uint64_t other_count(struct export_detail *xd, uint32_t pid, uint32_t reason)
{
	struct agg a;

	export_detail_other(xd, pid, SVM, reason, &a);
	return a.count;
}

static void test_top_and_other(void **state)
{
	struct export_detail *xd = export_detail_new(2);
	struct feed f;
	size_t own;

	(void)state;
	feed_init(&f);
	vm(&f, 100, "vm-a");
	add(&f, pio(100, 0, 0x70), 10);
	add(&f, pio(100, 0, 0x80), 20);
	add(&f, pio(100, 1, 0x80), 5);		/* same port on vCPU 1: one series */
	add(&f, pio(100, 1, 0xe9), 40);
	poll(xd, &f);
	assert_int_equal(export_detail_count(xd, &own), 3);
	assert_int_equal(own, 2);
	assert_int_equal(own_count(xd, pio(100, 0, 0xe9), true), 40);
	assert_int_equal(own_count(xd, pio(100, 0, 0x80), true), 25);
	assert_int_equal(own_count(xd, pio(100, 0, 0x70), false), 10);
	assert_int_equal(other_count(xd, 100, IOIO), 10);

	/* 0x70 overtakes both: it stays in other, which only grows */
	add(&f, pio(100, 0, 0x70), 100);
	add(&f, pio(100, 0, 0x3f8), 5);	/* a new port, no slot left */
	add(&f, pio(100, 0, 0xe9), 1);
	poll(xd, &f);
	assert_int_equal(own_count(xd, pio(100, 0, 0xe9), true), 41);
	assert_int_equal(own_count(xd, pio(100, 0, 0x80), true), 25);
	assert_int_equal(other_count(xd, 100, IOIO), 115);
	assert_int_equal(export_detail_count(xd, &own), 4);
	assert_int_equal(own, 2);
	export_detail_free(xd);
}

/* slots left free by the first read go to the largest of a later one */
static void test_free_slots_largest_first(void **state)
{
	struct export_detail *xd = export_detail_new(3);
	struct detail_key m1 = pio(7, 0, 0), m2, m3, m4;
	struct feed f;

	(void)state;
	m1.reason = MSR;
	m1.kind = DETAIL_MSR;
	m1.attr = 0;
	m1.id = 0x10;
	m2 = m1, m2.id = 0x1b;
	m3 = m1, m3.id = 0x1a0;
	m4 = m1, m4.id = 0xc0000080;
	feed_init(&f);
	vm(&f, 7, "vm-b");
	add(&f, m1, 1);
	add(&f, pio(7, 0, 0x70), 3);	/* another reason: its own slots */
	poll(xd, &f);
	add(&f, m2, 5);
	add(&f, m3, 9);
	add(&f, m4, 7);
	poll(xd, &f);
	assert_int_equal(own_count(xd, m1, true), 1);
	assert_int_equal(own_count(xd, m3, true), 9);
	assert_int_equal(own_count(xd, m4, true), 7);
	assert_int_equal(own_count(xd, m2, false), 5);
	assert_int_equal(other_count(xd, 7, MSR), 5);
	assert_int_equal(own_count(xd, pio(7, 0, 0x70), true), 3);
	assert_int_equal(other_count(xd, 7, IOIO), 0);
	export_detail_free(xd);
}

/* every exported counter only grows; own + other = every exit fed in */
static void test_monotonic_and_sums(void **state)
{
	struct export_detail *xd = export_detail_new(3);
	uint64_t last[8] = { 0 }, last_other = 0, fed = 0, seed = 12345;
	struct feed f;
	int p, i;

	(void)state;
	feed_init(&f);
	vm(&f, 55, "vm-c");
	for (p = 0; p < 200; p++) {
		uint64_t sum;

		for (i = 0; i < 8; i++) {
			uint64_t n;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			n = (seed >> 33) % (p < 100 ? i + 1 : 9 - i) * (seed >> 60 & 1);
			if (n) {
				add(&f, pio(55, (uint32_t)(seed >> 40) % 3, 0x100 + i), n);
				fed += n;
			}
		}
		poll(xd, &f);
		sum = other_count(xd, 55, IOIO);
		assert_true(sum >= last_other);
		last_other = sum;
		for (i = 0; i < 8; i++) {
			struct detail_key k = pio(55, 0, 0x100 + i);
			bool own;
			const struct agg *a = export_detail_get(xd, &k, &own);

			if (!a || !own)
				continue;
			assert_true(a->count >= last[i]);
			last[i] = a->count;
			sum += a->count;
		}
		assert_int_equal(sum, fed);
	}
	export_detail_free(xd);
}

static void test_expired_vm_goes(void **state)
{
	struct export_detail *xd = export_detail_new(10);
	struct feed f;
	size_t own;

	(void)state;
	feed_init(&f);
	vm(&f, 1, "a");
	vm(&f, 2, "b");
	add(&f, pio(1, 0, 0x70), 1);
	add(&f, pio(2, 0, 0x70), 2);
	poll(xd, &f);
	assert_int_equal(export_detail_count(xd, &own), 2);
	f.view.nvms = 1;	/* VM 2's series expired */
	poll(xd, &f);
	assert_int_equal(export_detail_count(xd, &own), 1);
	assert_int_equal(own_count(xd, pio(1, 0, 0x70), true), 1);
	export_detail_free(xd);
}

/* a new process with the pid of an ended VM: its details start from 0 */
static void test_pid_reused(void **state)
{
	struct export_detail *xd = export_detail_new(1);
	struct feed f;
	size_t own;

	(void)state;
	feed_init(&f);
	vm(&f, 9, "old");
	add(&f, pio(9, 0, 0x70), 5);
	add(&f, pio(9, 0, 0x80), 1);
	poll(xd, &f);
	f.vms[0].alive = false;		/* ended: its series stay */
	poll(xd, &f);
	assert_int_equal(own_count(xd, pio(9, 0, 0x70), true), 5);
	f.vms[0].alive = true;		/* the pid again, another process */
	add(&f, pio(9, 0, 0x80), 2);
	poll(xd, &f);
	assert_int_equal(export_detail_count(xd, &own), 1);
	assert_int_equal(own_count(xd, pio(9, 0, 0x80), true), 2);
	assert_int_equal(other_count(xd, 9, IOIO), 0);
	export_detail_free(xd);
}

static void test_render(void **state)
{
	struct export_detail *xd = export_detail_new(1);
	struct prom_meta m = { .extra = export_detail_render };
	struct prom_buf b;
	struct feed f;

	(void)state;
	feed_init(&f);
	vm(&f, 100, "vm-a");
	add(&f, pio(100, 0, 0x70), 3);
	add(&f, pio(100, 0, 0xe9), 4);
	f.ds.dropped_delta = 2;
	poll(xd, &f);
	m.extra_ctx = xd;
	pbuf_init(&b);
	assert_int_equal(prom_render(&b, &f.view, &m, PROM_TEXT), 0);
	assert_non_null(strstr(b.data, "# TYPE exittop_detail_exits_total counter\n"));
	assert_non_null(strstr(b.data,
		"exittop_detail_exits_total{pid=\"100\",vm=\"vm-a\",isa=\"svm\",reason=\"IOIO\","
		"code=\"123\",kind=\"pio\",detail=\"port 0xe9 out 1B\"} 4\n"));
	assert_non_null(strstr(b.data,
		"exittop_detail_exits_total{pid=\"100\",vm=\"vm-a\",isa=\"svm\",reason=\"IOIO\","
		"code=\"123\",kind=\"other\",detail=\"other\"} 3\n"));
	assert_null(strstr(b.data, "port 0x70"));
	assert_non_null(strstr(b.data,
		"exittop_detail_latency_seconds_bucket{pid=\"100\",vm=\"vm-a\",isa=\"svm\",reason=\"IOIO\","
		"code=\"123\",kind=\"other\",detail=\"other\",le=\"0.000001024\"} 3\n"));
	assert_non_null(strstr(b.data,
		"exittop_detail_latency_seconds_sum{pid=\"100\",vm=\"vm-a\",isa=\"svm\",reason=\"IOIO\","
		"code=\"123\",kind=\"pio\",detail=\"port 0xe9 out 1B\"} 0.000004\n"));
	assert_non_null(strstr(b.data, "exittop_detail_series 2\n"));
	assert_non_null(strstr(b.data, "exittop_detail_dropped_exits_total 2\n"));
	pbuf_free(&b);

	/* OpenMetrics: the family without _total; no histograms on request */
	m.no_histograms = true;
	pbuf_init(&b);
	assert_int_equal(prom_render(&b, &f.view, &m, PROM_OPENMETRICS), 0);
	assert_non_null(strstr(b.data, "# TYPE exittop_detail_exits counter\n"));
	assert_null(strstr(b.data, "exittop_detail_latency_seconds"));
	pbuf_free(&b);
	export_detail_free(xd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_and_other),
		cmocka_unit_test(test_free_slots_largest_first),
		cmocka_unit_test(test_monotonic_and_sums),
		cmocka_unit_test(test_expired_vm_goes),
		cmocka_unit_test(test_pid_reused),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

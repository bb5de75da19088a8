// SPDX-License-Identifier: GPL-2.0
/* view.c grouping, filters and sorting; the screen's filter text (ui_set_filter). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "args.h"
#include "ui.h"
#include "view.h"
#include "fake_snapshot.h"

#define SVM_CPUID 0x72
#define SVM_HLT 0x78
#define SVM_IOIO 0x7b
#define VMX_CPUID 10

/*
 * Two VMs on SVM:
 *   pid 100 "alpha": vcpu 0 CPUID 600 @1000ns, vcpu 1 CPUID 200 @1000ns, vcpu 0 HLT 10 @100000ns
 *   pid 200 "beta":  vcpu 0 IOIO 190 @2000ns, vcpu 0 code 0x4242 (unknown) 0 exits this interval
 */
static void build(struct fake *f)
{
	fake_init(f, EXITS_ISA_SVM, 2.0);
	fake_vm(f, 100, "alpha", true);
	fake_vm(f, 200, "beta", false);
	fake_row(f, 100, 0, SVM_CPUID, 600, 1000, 3);
	fake_row(f, 100, 1, SVM_CPUID, 200, 1000, 3);
	fake_row(f, 100, 0, SVM_HLT, 10, 100000, 1);
	fake_row(f, 200, 0, SVM_IOIO, 190, 2000, 2);
	fake_row(f, 200, 0, 0x4242, 0, 0, 1)->total.count = 5;
}

static const struct view_row *find_reason(const struct view *v, uint32_t code)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].reason == code)
			return &v->rows[i];
	return NULL;
}

static void test_by_reason(void **state)
{
	struct fake f;
	struct view v = { 0 };
	const struct view_row *r;

	build(&f);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 4);
	assert_int_equal(v.nvms, 2);
	assert_int_equal(v.nvcpus, 3);
	/* sorted by interval count, biggest first; the 0-count row last */
	assert_int_equal(v.rows[0].reason, SVM_CPUID);
	assert_int_equal(v.rows[1].reason, SVM_IOIO);
	assert_int_equal(v.rows[2].reason, SVM_HLT);
	assert_int_equal(v.rows[3].reason, 0x4242);

	r = find_reason(&v, SVM_CPUID);
	assert_int_equal(r->count, 800);
	assert_int_equal(r->nkeys, 2);
	assert_int_equal(r->total.count, 0);	/* totals: cumulative views only */
	assert_true(r->rate == 400.0);
	assert_true(r->pct == 80.0);	/* 800 of 1000 */
	assert_true(r->avg_ns == 1000.0);
	assert_int_equal(r->max_ns, 1000);
	assert_int_equal(r->p50_ns, 1000);	/* slot upper bound clamped to max */
	/* time: cpuid 800000, hlt 1000000, ioio 380000 of 2180000 ns */
	assert_true(r->time_pct > 36.69 && r->time_pct < 36.71);
	r = find_reason(&v, SVM_HLT);
	assert_true(r->time_pct > 45.87 && r->time_pct < 45.88);

	assert_int_equal(v.sum.count, 1000);
	assert_true(v.sum.rate == 500.0);
	assert_int_equal(v.sum.total.count, 0);

	/* cumulative figures */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, true, NULL, SORT_COUNT, false), 0);
	r = find_reason(&v, SVM_CPUID);
	assert_int_equal(r->count, 2400);
	assert_int_equal(r->total.count, 2400);
	assert_int_equal(v.sum.total.count, 2400 + 10 + 380 + 5);
	assert_true(r->rate == 400.0);	/* rates are always over the last interval */
	assert_int_equal(v.rows[1].reason, SVM_IOIO);	/* 380 */
	assert_int_equal(v.rows[2].reason, SVM_HLT);	/* 10 */
	assert_int_equal(v.rows[3].reason, 0x4242);	/* 5, none in the interval */
	view_free(&v);
}

static void test_by_vm_and_vcpu(void **state)
{
	struct fake f;
	struct view v = { 0 };

	build(&f);
	assert_int_equal(view_build(&v, &f.s, VIEW_VM, false, NULL, SORT_KEY, false), 0);
	assert_int_equal(v.nrows, 2);
	assert_int_equal(v.rows[0].pid, 100);
	assert_string_equal(v.rows[0].name, "alpha");
	assert_int_equal(v.rows[0].count, 810);
	assert_int_equal(v.rows[0].nkeys, 3);
	assert_int_equal(v.rows[1].pid, 200);
	assert_string_equal(v.rows[1].name, "beta");
	assert_true(v.rows[0].alive);
	assert_false(v.rows[1].alive);	/* beta has exited */
	assert_int_equal(v.rows[1].count, 190);

	assert_int_equal(view_build(&v, &f.s, VIEW_VCPU, false, NULL, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 3);
	assert_int_equal(v.rows[0].pid, 100);
	assert_int_equal(v.rows[0].vcpu, 0);
	assert_int_equal(v.rows[0].count, 610);
	assert_int_equal(v.rows[1].pid, 100);
	assert_int_equal(v.rows[1].vcpu, 1);
	assert_int_equal(v.rows[2].pid, 200);
	view_free(&v);
}

static void test_filters(void **state)
{
	struct fake f;
	struct view v = { 0 };
	uint32_t pid200 = 200, none = 999;
	struct view_filter flt = { 0 };

	build(&f);
	flt.pids = &pid200;
	flt.npids = 1;
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 2);
	assert_int_equal(v.nvms, 1);
	assert_int_equal(v.rows[0].reason, SVM_IOIO);
	assert_true(v.rows[0].pct == 100.0);

	flt.pids = &none;
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 0);
	assert_int_equal(v.sum.count, 0);

	memset(&flt, 0, sizeof(flt));
	flt.has_vcpu = true;
	flt.vcpu = 1;
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(v.rows[0].count, 200);

	/* reason by name in any case, by decimal code, by hex code, by prefixed name */
	memset(&flt, 0, sizeof(flt));
	for (const char *const *s = (const char *const[]){ "cpuid", "CPUID", "114", "0x72",
							    "SVM_EXIT_CPUID", NULL }; *s; s++) {
		flt.reason = *s;
		assert_int_equal(view_build(&v, &f.s, VIEW_VCPU, false, &flt, SORT_COUNT, false), 0);
		assert_int_equal(v.nrows, 2);
		assert_int_equal(v.sum.count, 800);
	}
	/* an unknown code by number; a name that is not an SVM reason; garbage */
	flt.reason = "0x4242";
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 1);
	flt.reason = "EPT_VIOLATION";	/* VMX only */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 0);
	flt.reason = "no such thing";
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &flt, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 0);
	view_free(&v);

	/* the same name means a different code under VMX */
	assert_true(reason_matches("cpuid", EXITS_ISA_VMX, VMX_CPUID));
	assert_false(reason_matches("cpuid", EXITS_ISA_VMX, SVM_CPUID));
	assert_true(reason_matches(NULL, EXITS_ISA_VMX, 1));
	assert_true(reason_matches("", EXITS_ISA_SVM, 1));
}

static void test_sorting(void **state)
{
	struct fake f;
	struct view v = { 0 };

	build(&f);
	/* key: reason names A..Z (unknown hex labels sort as text) */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_KEY, false), 0);
	assert_int_equal(v.rows[0].reason, 0x4242);	/* "0x4242" */
	assert_int_equal(v.rows[1].reason, SVM_CPUID);
	assert_int_equal(v.rows[2].reason, SVM_HLT);
	assert_int_equal(v.rows[3].reason, SVM_IOIO);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_KEY, true), 0);
	assert_int_equal(v.rows[0].reason, SVM_IOIO);
	assert_int_equal(v.rows[3].reason, 0x4242);

	/* avg: HLT 100us, IOIO 2us, CPUID 1us, unknown (nothing measured) */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_AVG, false), 0);
	assert_int_equal(v.rows[0].reason, SVM_HLT);
	assert_int_equal(v.rows[1].reason, SVM_IOIO);
	assert_int_equal(v.rows[2].reason, SVM_CPUID);
	assert_int_equal(v.rows[3].reason, 0x4242);
	/* reversed: smallest first */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_AVG, true), 0);
	assert_int_equal(v.rows[0].reason, 0x4242);
	assert_int_equal(v.rows[3].reason, SVM_HLT);

	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_TIME, false), 0);
	assert_int_equal(v.rows[0].reason, SVM_HLT);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_MAX, false), 0);
	assert_int_equal(v.rows[0].reason, SVM_HLT);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_P99, false), 0);
	assert_int_equal(v.rows[0].reason, SVM_HLT);
	assert_int_equal(view_build(&v, &f.s, VIEW_VM, false, NULL, SORT_COUNT, true), 0);
	assert_int_equal(v.rows[0].pid, 200);
	view_free(&v);
}

static void test_select_and_hist(void **state)
{
	struct fake f;
	const struct stat_row **rows;
	struct view_filter flt = { .reason = "cpuid" };
	struct agg h;
	size_t n;

	build(&f);
	/* rows in (pid, vcpu, isa, reason) order whatever the snapshot order */
	assert_int_equal(view_select(&f.s, NULL, &rows, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(rows[0]->reason, SVM_CPUID);
	assert_int_equal(rows[1]->reason, SVM_HLT);
	assert_int_equal(rows[2]->vcpu, 1);
	assert_int_equal(rows[3]->reason, SVM_IOIO);
	assert_int_equal(rows[4]->reason, 0x4242);
	free(rows);

	view_hist(&f.s, &flt, false, &h);
	assert_int_equal(h.count, 800);
	assert_int_equal(h.hist[9], 800);	/* 1000 ns in [512, 1024) */
	view_hist(&f.s, &flt, true, &h);
	assert_int_equal(h.hist[9], 2400);
}

static void test_empty(void **state)
{
	struct fake f;
	struct view v = { 0 };

	fake_init(&f, 0, 1.0);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, NULL, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 0);
	assert_int_equal(v.nvms, 0);
	assert_true(v.sum.pct == 0);
	view_free(&v);
}

/*
 * --active hides the groups without exits in the interval (0x4242 of
 * build()), and nothing else changes: the sums, shares, VM and vCPU counts
 * still take every row, in the interval and in the cumulative view.
 */
static void test_active(void **state)
{
	struct view_filter act = { .active = true };
	struct view_filter act_4242 = { .active = true, .reason = "0x4242" };
	const struct view_row *r;
	struct fake f;
	struct view v = { 0 };

	build(&f);
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, false, &act, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 3);
	assert_null(find_reason(&v, 0x4242));
	assert_int_equal(v.nvms, 2);
	assert_int_equal(v.nvcpus, 3);
	assert_int_equal(v.sum.count, 1000);
	assert_int_equal(v.sum.nkeys, 5);
	r = find_reason(&v, SVM_CPUID);
	assert_true(r->pct == 80.0);
	assert_true(r->time_pct > 36.69 && r->time_pct < 36.71);
	assert_int_equal(v.rows[0].reason, SVM_CPUID);	/* still sorted */
	assert_int_equal(v.rows[2].reason, SVM_HLT);

	/* cumulative: 0x4242's 5 exits still in the total, its row still hidden */
	assert_int_equal(view_build(&v, &f.s, VIEW_REASON, true, &act, SORT_COUNT, false), 0);
	assert_int_equal(v.nrows, 3);
	assert_int_equal(v.sum.total.count, 2400 + 10 + 380 + 5);

	/* by vCPU: beta's vCPU 0 has IOIO exits, so it stays */
	assert_int_equal(view_build(&v, &f.s, VIEW_VCPU, false, &act, SORT_KEY, false), 0);
	assert_int_equal(v.nrows, 3);
	/* a filter leaving only idle rows: no row, the counts of what it selects */
	assert_int_equal(view_build(&v, &f.s, VIEW_VM, false, &act_4242, SORT_KEY, false), 0);
	assert_int_equal(v.nrows, 0);
	assert_int_equal(v.nvms, 1);
	assert_int_equal(v.sum.nkeys, 1);
	act_4242.active = false;
	assert_int_equal(view_build(&v, &f.s, VIEW_VM, false, &act_4242, SORT_KEY, false), 0);
	assert_int_equal(v.nrows, 1);
	view_free(&v);

	assert_true(view_shown(NULL, &f.rows[4].delta));
	assert_false(view_shown(&act, &f.rows[4].delta));	/* 0x4242: idle */
	assert_true(view_shown(&act, &f.rows[0].delta));
}

/*
 * More reasons than the group index starts with (64 places, kept half
 * full): it grows while the groups are made, and every group still gets
 * all of its rows. 3 vCPUs x 200 reasons; reason k has k + 1 exits a vCPU.
 */
static void test_many_reasons(void **state)
{
	enum { VCPUS = 3, REASONS = 200 };
	struct stat_row *rows = calloc(VCPUS * REASONS, sizeof(*rows));
	struct snapshot s = { 0 };
	struct view v = { 0 };
	size_t i, seen = 0;

	assert_non_null(rows);
	for (i = 0; i < VCPUS * REASONS; i++) {
		rows[i].pid = 100;
		rows[i].vcpu = i / REASONS;
		rows[i].reason = 0x1000 + i % REASONS;
		rows[i].isa = EXITS_ISA_SVM;
		rows[i].delta.count = i % REASONS + 1;
	}
	s.rows = rows;
	s.nrows = VCPUS * REASONS;
	s.isa = EXITS_ISA_SVM;
	s.interval_s = 1.0;
	assert_int_equal(view_build(&v, &s, VIEW_REASON, false, NULL, SORT_KEY, false), 0);
	assert_int_equal(v.nrows, REASONS);
	for (i = 0; i < v.nrows; i++) {
		uint32_t k = v.rows[i].reason - 0x1000;

		assert_true(k < REASONS);
		assert_int_equal(v.rows[i].nkeys, VCPUS);
		assert_int_equal(v.rows[i].count, VCPUS * (k + 1));
		seen++;
	}
	assert_int_equal(seen, REASONS);
	assert_int_equal(v.sum.count, VCPUS * REASONS * (REASONS + 1) / 2);
	/* again, with the grown index, and with a filter leaving one vCPU */
	{
		struct view_filter f = { .has_vcpu = true, .vcpu = 2 };

		assert_int_equal(view_build(&v, &s, VIEW_REASON, false, &f, SORT_KEY, false), 0);
		assert_int_equal(v.nrows, REASONS);
		for (i = 0; i < v.nrows; i++) {
			assert_int_equal(v.rows[i].nkeys, 1);
			assert_int_equal(v.rows[i].count, v.rows[i].reason - 0x1000 + 1);
		}
	}
	view_free(&v);
	free(rows);
}

static void test_names_parse(void **state)
{
	enum view_mode m;
	enum sort_key k;

	assert_int_equal(view_mode_parse("VM", &m), 0);
	assert_int_equal(m, VIEW_VM);
	assert_int_not_equal(view_mode_parse("hist", &m), 0);
	for (int i = 0; i < SORT_KEYS; i++) {
		assert_int_equal(sort_key_parse(sort_key_name(i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_string_equal(isa_name(EXITS_ISA_VMX), "vmx");
	assert_string_equal(isa_name(EXITS_ISA_SVM), "svm");
	assert_string_equal(isa_name(0), "unknown");
}






static void test_ui_filter(void **state)
{
	struct ui_state st;
	struct args a;
	struct fake f;
	struct view_filter flt;
	uint32_t buf[1];

	build(&f);
	args_defaults(&a);
	a.pids[0] = 100;
	a.pids[1] = 200;
	a.npids = 2;
	ui_state_init(&st, &a);

	ui_filter(&st, &flt, buf);
	assert_int_equal(flt.npids, 2);
	assert_null(flt.reason);

	assert_int_equal(ui_set_filter(&st, "200", &f.s), 0);	/* a VM's pid */
	ui_filter(&st, &flt, buf);
	assert_int_equal(flt.npids, 1);
	assert_int_equal(flt.pids[0], 200);

	assert_int_equal(ui_set_filter(&st, "114", &f.s), 0);	/* not a pid: a reason code */
	ui_filter(&st, &flt, buf);
	assert_int_equal(flt.npids, 2);
	assert_string_equal(flt.reason, "114");

	assert_int_equal(ui_set_filter(&st, "hlt", &f.s), 0);
	ui_filter(&st, &flt, buf);
	assert_string_equal(flt.reason, "hlt");

	assert_int_equal(ui_set_filter(&st, "pid:100", &f.s), 0);
	ui_filter(&st, &flt, buf);
	assert_int_equal(flt.pids[0], 100);
	assert_null(flt.reason);

	assert_int_equal(ui_set_filter(&st, "vcpu:1", &f.s), 0);
	ui_filter(&st, &flt, buf);
	assert_true(flt.has_vcpu);
	assert_int_equal(flt.vcpu, 1);

	assert_int_equal(ui_set_filter(&st, "r:IOIO", &f.s), 0);
	ui_filter(&st, &flt, buf);
	assert_string_equal(flt.reason, "IOIO");
	assert_false(flt.has_vcpu);

	/* bad filters leave the previous one in place */
	assert_int_not_equal(ui_set_filter(&st, "pid:x", &f.s), 0);
	assert_int_not_equal(ui_set_filter(&st, "frobnicate", &f.s), 0);
	assert_int_not_equal(ui_set_filter(&st, "color:red", &f.s), 0);
	assert_int_not_equal(st.message[0], '\0');
	assert_string_equal(st.filter_text, "r:IOIO");

	assert_int_equal(ui_set_filter(&st, "", &f.s), 0);
	ui_filter(&st, &flt, buf);
	assert_null(flt.reason);
	assert_int_equal(flt.npids, 2);
	assert_string_equal(st.filter_text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_reason),
		cmocka_unit_test(test_by_vm_and_vcpu),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_sorting),
		cmocka_unit_test(test_select_and_hist),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many_reasons),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_names_parse),
		cmocka_unit_test(test_ui_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

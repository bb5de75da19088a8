// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of --drill's pure parts (user/drill.c): the names --drill
 * takes, the text of detail keys, MSR names, finding a row's details; and
 * the detail rows in the JSON, CSV and text outputs (user/drill_out.c)
 * on a constructed snapshot. Expected codes are typed from the Intel SDM
 * and AMD APM, not taken from drill.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drill.h"
#include "output.h"
#include "fake_snapshot.h"

#define VMX EXITS_ISA_VMX
#define SVM EXITS_ISA_SVM

static void parse_ok(const char *list, struct drill_set *ds)
{
	char err[512] = "";

	assert_int_equal(drill_parse(list, ds, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void parse_bad(const char *list, const char *msg_part)
{
	struct drill_set ds;
	char err[512] = "";

	assert_int_equal(drill_parse(list, &ds, err, sizeof(err)), -EINVAL);
	if (!strstr(err, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", list, err, msg_part);
}

static void test_parse_groups(void **state)
{
	struct drill_set ds;

	(void)state;
	parse_ok("io", &ds);
	assert_int_equal(ds.n, 2);
	assert_true(drill_has(&ds, SVM, 0x7b));		/* IOIO */
	assert_true(drill_has(&ds, VMX, 30));		/* IO_INSTRUCTION */
	assert_false(drill_has(&ds, SVM, 0x7c));
	assert_int_equal(ds.kinds, 1U << DETAIL_PIO);

	parse_ok("MSR", &ds);				/* the group, any case */
	assert_int_equal(ds.n, 3);
	assert_true(drill_has(&ds, SVM, 0x7c));
	assert_true(drill_has(&ds, VMX, 31));		/* RDMSR */
	assert_true(drill_has(&ds, VMX, 32));		/* WRMSR */

	parse_ok("npf", &ds);
	assert_int_equal(ds.n, 3);
	assert_true(drill_has(&ds, SVM, 0x400));
	assert_true(drill_has(&ds, VMX, 48));		/* EPT_VIOLATION */
	assert_true(drill_has(&ds, VMX, 49));		/* EPT_MISCONFIG */
	assert_int_equal(ds.kinds, (1U << DETAIL_GPA) | (1U << DETAIL_MMIO));

	parse_ok("io,msr,npf,cpuid,hypercall", &ds);
	assert_int_equal(ds.n, 12);
	assert_true(drill_has(&ds, SVM, 0x72) && drill_has(&ds, VMX, 10));	/* CPUID */
	assert_true(drill_has(&ds, SVM, 0x81) && drill_has(&ds, VMX, 18));	/* VMMCALL, VMCALL */
	assert_false(drill_has(&ds, SVM, 0x78));	/* HLT */
	assert_false(drill_has(NULL, SVM, 0x72));
}

static void test_parse_reasons(void **state)
{
	struct drill_set ds;

	(void)state;
	parse_ok("rdmsr", &ds);				/* one VMX reason only */
	assert_int_equal(ds.n, 1);
	assert_true(drill_has(&ds, VMX, 31));
	assert_false(drill_has(&ds, VMX, 32));

	parse_ok("Ioio,EPT_VIOLATION,vmcall,0x7c", &ds);
	assert_int_equal(ds.n, 4);
	assert_true(drill_has(&ds, SVM, 0x7b));
	assert_true(drill_has(&ds, VMX, 48));
	assert_false(drill_has(&ds, VMX, 49));
	assert_true(drill_has(&ds, VMX, 18));
	assert_true(drill_has(&ds, SVM, 0x7c));		/* by code: SVM's MSR */

	parse_ok("io,IOIO,io", &ds);			/* repeats count once */
	assert_int_equal(ds.n, 2);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("hlt", "'hlt' has no detail level");
	parse_bad("io,INTR", "'INTR' has no detail level");
	parse_bad("bogus", "unknown exit reason 'bogus'");
	parse_bad("io,,msr", "empty item");
	parse_bad("io,", "empty item");
	parse_bad("", "empty list");
	parse_bad(NULL, "empty list");
}

static void test_msr_names(void **state)
{
	(void)state;
	assert_string_equal(msr_name(0x10), "TSC");
	assert_string_equal(msr_name(0x1b), "APIC_BASE");
	assert_string_equal(msr_name(0x1a0), "MISC_ENABLE");
	assert_string_equal(msr_name(0x6e0), "TSC_DEADLINE");
	assert_string_equal(msr_name(0x830), "X2APIC_ICR");
	assert_string_equal(msr_name(0x4b564d01), "KVM_SYSTEM_TIME_NEW");
	assert_string_equal(msr_name(0xc0000080), "EFER");
	assert_string_equal(msr_name(0xc0000102), "KERNEL_GS_BASE");
	assert_null(msr_name(0));
	assert_null(msr_name(0x1234));
	assert_null(msr_name(0xffffffff));
}

static const char *label(unsigned int kind, unsigned int attr, unsigned long long id)
{
	static char buf[96];
	struct detail_key k = { .kind = kind, .attr = attr, .id = id };

	return detail_label(&k, buf, sizeof(buf));
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(label(DETAIL_PIO, 1, 0x70), "port 0x70 out 1B");
	assert_string_equal(label(DETAIL_PIO, DETAIL_PIO_IN | 4, 0xcfc), "port 0xcfc in 4B");
	assert_string_equal(label(DETAIL_MSR, 0, 0x1a0), "msr 0x1a0 rd MISC_ENABLE");
	assert_string_equal(label(DETAIL_MSR, DETAIL_MSR_WRITE, 0x1b), "msr 0x1b wr APIC_BASE");
	assert_string_equal(label(DETAIL_MSR, DETAIL_MSR_WRITE, 0x1234), "msr 0x1234 wr");
	assert_string_equal(label(DETAIL_GPA, 0, 0xfee00000), "gpa 0xfee00000");
	assert_string_equal(label(DETAIL_MMIO, DETAIL_MMIO_WRITE | 4 << 4, 0xfebf0000),
			    "mmio 0xfebf0000 wr 4B");
	assert_string_equal(label(DETAIL_MMIO, DETAIL_MMIO_READ | 2 << 4, 0x1000), "mmio 0x1000 rd 2B");
	assert_string_equal(label(DETAIL_MMIO, DETAIL_MMIO_FAST, 0x2000), "mmio 0x2000 fast");
	assert_string_equal(label(DETAIL_CPUID, DETAIL_CPUID_SUB, 7 | 1ULL << 32), "cpuid 0x7.0x1");
	assert_string_equal(label(DETAIL_CPUID, 0, 0x80000001), "cpuid 0x80000001");
	assert_string_equal(label(DETAIL_HCALL, 0, 12), "hypercall 12");
	assert_string_equal(detail_kind_name(DETAIL_PIO), "pio");
	assert_string_equal(detail_kind_name(DETAIL_HCALL), "hypercall");
	assert_string_equal(detail_kind_name(99), "?");
}

/* A snapshot: VM 100, vCPU 0: 5 IOIO exits (port 0x70 x3, 0x80 x2) and 2 HLT. */
static struct detail_row drows[3];
static struct drill_set dset;
static struct detail_snap dsnap;

static void build(struct fake *f)
{
	struct drill_set *ds = &dset;
	char err[256];

	fake_init(f, SVM, 1.0);
	fake_vm(f, 100, "vm", true);
	fake_row(f, 100, 0, 0x7b, 5, 1000, 1);
	fake_row(f, 100, 0, 0x78, 2, 4000, 1);
	assert_int_equal(drill_parse("io", ds, err, sizeof(err)), 0);
	memset(drows, 0, sizeof(drows));
	for (int i = 0; i < 2; i++) {
		struct detail_row *d = &drows[i];
		uint64_t n = i ? 2 : 3;

		d->key = (struct detail_key){ .pid = 100, .vcpu = 0, .reason = 0x7b, .isa = SVM,
					      .kind = DETAIL_PIO, .attr = 1, .id = i ? 0x80 : 0x70 };
		d->delta.count = n;
		d->delta.lat_count = n;
		d->delta.lat_sum_ns = n * 1000;
		d->delta.lat_max_ns = 1000;
		d->delta.hist[9] = n;		/* [512, 1024) ns */
		d->total = d->delta;
	}
	dsnap = (struct detail_snap){ .drill = ds, .rows = drows, .nrows = 2 };
	f->s.detail = &dsnap;
}

static void test_rows_of(void **state)
{
	struct fake f;
	size_t first, n;

	(void)state;
	build(&f);
	detail_rows_of(&dsnap, 100, 0, SVM, 0x7b, &first, &n);
	assert_int_equal(first, 0);
	assert_int_equal(n, 2);
	detail_rows_of(&dsnap, 100, 0, SVM, 0x78, &first, &n);
	assert_int_equal(n, 0);
	detail_rows_of(&dsnap, 100, 1, SVM, 0x7b, &first, &n);
	assert_int_equal(n, 0);
	detail_rows_of(NULL, 100, 0, SVM, 0x7b, &first, &n);
	assert_int_equal(n, 0);
}

typedef int (*writer)(FILE *f, struct out_ctx *c, const struct snapshot *s);
static int w_json(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_json(f, c, s); }
static int w_csv(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_csv(f, c, s); }
static int w_text(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_text(f, c, s); }

static char *capture_f(writer w, const struct snapshot *s, const struct view_filter *flt)
{
	struct out_ctx c = { .host = "h", .kernel = "k", .wall_s = 1.0, .seq = 1, .filter = flt };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(w(m, &c, s), 0);
	fclose(m);
	return buf;
}

static char *capture(writer w, const struct snapshot *s)
{
	return capture_f(w, s, NULL);
}

static void has(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("output lacks '%s':\n%s", part, text);
}

static void test_outputs(void **state)
{
	struct fake f;
	char *out;

	(void)state;
	build(&f);
	out = capture(w_json, &f.s);
	has(out, "\"detail_dropped\":0,\"detail_dropped_total\":0,");
	/* IOIO: 5 of 7 exits, 5000 of 13000 ns; port 0x70: 3 of its 5 exits, 3000 of its 5000 ns */
	has(out, "\"pct\":71.43,");
	has(out, "\"total_time_pct\":38.46,\"detail\":[{\"kind\":\"pio\",\"label\":\"port 0x70 out 1B\","
		 "\"port\":112,\"size\":1,\"dir\":\"out\",\"count\":3,\"total_count\":3,\"rate\":3.000,"
		 "\"pct\":60.00,\"lat_count\":3,\"lat_sum_ns\":3000,\"avg_ns\":1000.0,\"p50_ns\":1000,"
		 "\"p99_ns\":1000,\"max_ns\":1000,\"time_pct\":60.00,");
	has(out, "{\"kind\":\"pio\",\"label\":\"port 0x80 out 1B\",\"port\":128,");
	/* HLT (the first row) is not drilled: no "detail" key in its row */
	has(out, "\"reason_name\":\"HLT\"");
	assert_true(strstr(out, "\"detail\"") > strstr(out, "\"reason_name\":\"IOIO\""));
	free(out);

	out = capture(w_csv, &f.s);
	has(out, "total_max_ns,detail_kind,detail\n");
	has(out, ",IOIO,5,5,5.000,5,5000,1000.0,1000,1000,1000,38.46,5,5000,1000.0,1000,,\n");
	has(out, ",IOIO,3,3,3.000,3,3000,1000.0,1000,1000,1000,60.00,3,3000,1000.0,1000,pio,port 0x70 out 1B\n");
	has(out, ",IOIO,2,2,2.000,2,2000,1000.0,1000,1000,1000,40.00,2,2000,1000.0,1000,pio,port 0x80 out 1B\n");
	free(out);

	out = capture(w_text, &f.s);
	has(out, "\nIOIO                              5      5.0  71.4   1.0us   1.0us   1.0us   1.0us   38.5\n"
		 "  port 0x70 out 1B                3      3.0  60.0   1.0us   1.0us   1.0us   1.0us   60.0\n"
		 "  port 0x80 out 1B                2      2.0  40.0   1.0us   1.0us   1.0us   1.0us   40.0\n\n");
	free(out);

	/* without --drill: no trace of it */
	f.s.detail = NULL;
	out = capture(w_csv, &f.s);
	has(out, "total_max_ns\n");
	assert_null(strstr(out, "detail"));
	free(out);
	out = capture(w_json, &f.s);
	assert_null(strstr(out, "detail"));
	free(out);
}

/*
 * --active with --drill: port 0x80 idle in the interval (its 2 exits were
 * earlier) is left out of the JSON detail list, the CSV and the text
 * lines; port 0x70 stays, and so do the reason rows' figures.
 */
static void test_outputs_active(void **state)
{
	struct view_filter act = { .active = true };
	struct fake f;
	char *out;

	(void)state;
	build(&f);
	memset(&drows[1].delta, 0, sizeof(drows[1].delta));
	f.rows[0].delta.count = 3;	/* IOIO: port 0x70's 3 exits this interval */
	out = capture_f(w_json, &f.s, &act);
	has(out, "\"label\":\"port 0x70 out 1B\"");
	assert_null(strstr(out, "port 0x80"));
	free(out);
	out = capture_f(w_csv, &f.s, &act);
	has(out, ",pio,port 0x70 out 1B\n");
	assert_null(strstr(out, "port 0x80"));
	free(out);
	out = capture_f(w_text, &f.s, &act);
	has(out, "  port 0x70 out 1B ");
	assert_null(strstr(out, "port 0x80"));
	free(out);
	/* without it the idle port is there, with 0 exits in the interval */
	out = capture(w_csv, &f.s);
	has(out, ",IOIO,0,2,");
	has(out, "port 0x80 out 1B\n");
	free(out);

	/*
	 * Details come an interval after their exits when the exits fell
	 * between the two reads of a refresh: IOIO idle in this interval, its
	 * port 0x70 detail not. The row is shown, with that detail.
	 */
	memset(&f.rows[0].delta, 0, sizeof(f.rows[0].delta));
	out = capture_f(w_json, &f.s, &act);
	has(out, "\"reason_name\":\"IOIO\",\"count\":0,");
	has(out, "\"label\":\"port 0x70 out 1B\"");
	assert_null(strstr(out, "port 0x80"));
	free(out);
	out = capture_f(w_csv, &f.s, &act);
	has(out, ",IOIO,0,");
	has(out, ",pio,port 0x70 out 1B\n");
	free(out);
	out = capture_f(w_text, &f.s, &act);
	has(out, "\nIOIO ");
	has(out, "  port 0x70 out 1B ");
	free(out);
	/* and a row idle with all its details idle is not */
	memset(&drows[0].delta, 0, sizeof(drows[0].delta));
	out = capture_f(w_json, &f.s, &act);
	assert_null(strstr(out, "IOIO"));
	free(out);
	out = capture_f(w_text, &f.s, &act);
	assert_null(strstr(out, "IOIO"));
	free(out);
}

/*
 * --attrib with --drill: each detail row's split in its JSON entry, its
 * CSV line (where the reason row's columns are) and its text line.
 * Port 0x70: 3 exits, 400 us of VMM time each, 1 us of KVM time, 2 us blocked.
 */
static void test_outputs_attrib(void **state)
{
	struct fake f;
	char *out;

	(void)state;
	build(&f);
	f.s.attrib = true;
	drows[0].attr_delta = (struct attr_agg){ .count = 3, .sum_ns = 1209000,
		.part_ns = { 3000, 1200000, 0, 0, 6000 } };
	drows[0].attr_total = drows[0].attr_delta;
	drows[0].attr_total.count = 6;
	drows[0].attr_total.sum_ns = 2418000;
	drows[0].attr_total.part_ns[ATTRIB_VMM] = 2400000;
	drows[0].attr_total.part_ns[ATTRIB_KVM] = 6000;
	drows[0].attr_total.part_ns[ATTRIB_SLEEP] = 12000;

	out = capture(w_json, &f.s);
	has(out, "\"label\":\"port 0x70 out 1B\",");
	has(out, "\"total_time_pct\":60.00,\"attr_count\":3,\"attr_sum_ns\":1209000,\"attr_kvm_ns\":3000,"
		 "\"attr_vmm_ns\":1200000,\"attr_wait_ns\":0,\"attr_blocked_ns\":6000,\"attr_poll_ns\":0,"
		 "\"attr_approx\":0,\"total_attr_count\":6,\"total_attr_sum_ns\":2418000,"
		 "\"total_attr_kvm_ns\":6000,\"total_attr_vmm_ns\":2400000,\"total_attr_wait_ns\":0,"
		 "\"total_attr_blocked_ns\":12000,\"total_attr_poll_ns\":0,\"total_attr_approx\":0}");
	/* port 0x80 has no split yet: zeros, not missing keys */
	has(out, "\"total_time_pct\":40.00,\"attr_count\":0,\"attr_sum_ns\":0,");
	free(out);

	out = capture(w_csv, &f.s);
	has(out, ",total_attr_poll_ns,detail_kind,detail\n");
	has(out, ",3,3000,1000.0,1000,3,1209000,3000,1200000,0,6000,0,6,2418000,6000,2400000,0,12000,0,"
		 "pio,port 0x70 out 1B\n");
	has(out, ",2,2000,1000.0,1000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,pio,port 0x80 out 1B\n");
	free(out);

	out = capture(w_text, &f.s);
	/* means per exit: KVM 1us, VMM 400us, WAIT 0, BLOCKED 2us; 0x80: none */
	has(out, "  port 0x70 out 1B                3      3.0  60.0   1.0us   1.0us   1.0us   1.0us   60.0"
		 "   1.0us 400.0us     0ns   2.0us\n");
	has(out, "  port 0x80 out 1B                2      2.0  40.0   1.0us   1.0us   1.0us   1.0us   40.0"
		 "       -       -       -       -\n");
	free(out);
}

/*
 * drill_lines: details of two vCPUs merged per port, most exits first
 * (not in key order), with each line's own figures; cumulative: by totals.
 */
static void test_lines(void **state)
{
	static const struct { uint32_t vcpu; uint64_t port, n, tn; } in[] = {
		{ 0, 0x70, 1, 10 }, { 0, 0x80, 2, 2 }, { 0, 0x90, 1, 1 },
		{ 1, 0x70, 1, 10 }, { 1, 0x80, 3, 3 },
	};
	struct detail_row rows[5];
	struct detail_snap ds;
	struct drill_set set;
	struct snapshot s = { .interval_s = 1.0 };
	struct view_row vr = { .isa = SVM, .reason = 0x7b };
	struct drill_line *l;
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(drill_parse("io", &set, err, sizeof(err)), 0);
	memset(rows, 0, sizeof(rows));
	for (int i = 0; i < 5; i++) {
		rows[i].key = (struct detail_key){ .pid = 7, .vcpu = in[i].vcpu, .reason = 0x7b,
						   .isa = SVM, .kind = DETAIL_PIO, .attr = 1,
						   .id = in[i].port };
		rows[i].delta.count = in[i].n;
		rows[i].total.count = in[i].tn;
		rows[i].attr_delta.count = in[i].n;
		rows[i].attr_delta.part_ns[ATTRIB_VMM] = 100 * in[i].n;
		rows[i].attr_total.count = in[i].tn;
		vr.delta.count += in[i].n;
		vr.total.count += in[i].tn;
	}
	qsort(rows, 5, sizeof(rows[0]), detail_key_cmp);	/* key first: the cmp reads it */
	ds = (struct detail_snap){ .drill = &set, .rows = rows, .nrows = 5 };
	s.detail = &ds;

	assert_int_equal(drill_lines(&s, NULL, &vr, false, &l, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].label, "port 0x80 out 1B");
	assert_int_equal(l[0].row.count, 5);
	/* the split merged as the counts: vCPU 0's and 1's */
	assert_int_equal(l[0].row.attr.count, 5);
	assert_int_equal(l[0].row.attr.part_ns[ATTRIB_VMM], 500);
	assert_string_equal(l[1].label, "port 0x70 out 1B");
	assert_int_equal(l[1].row.count, 2);
	assert_string_equal(l[2].label, "port 0x90 out 1B");
	assert_int_equal(l[2].row.count, 1);
	assert_true(l[0].row.pct > 62.4 && l[0].row.pct < 62.6);	/* 5 of 8 */
	free(l);

	assert_int_equal(drill_lines(&s, NULL, &vr, true, &l, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].label, "port 0x70 out 1B");
	assert_int_equal(l[0].row.count, 20);
	assert_int_equal(l[0].row.attr.count, 20);	/* cumulative: the totals */
	assert_true(l[0].row.rate > 1.99 && l[0].row.rate < 2.01);	/* over the interval */
	assert_int_equal(l[1].row.count, 5);
	free(l);

	/*
	 * --active, port 0x90 idle in the interval and port 0x70 idle on one
	 * vCPU only: 0x90 goes, 0x70 stays with both vCPUs' totals.
	 */
	{
		struct view_filter act = { .active = true };

		for (int i = 0; i < 5; i++)
			if (rows[i].key.id == 0x90 || (rows[i].key.id == 0x70 && rows[i].key.vcpu == 0))
				memset(&rows[i].delta, 0, sizeof(rows[i].delta));
		assert_int_equal(drill_lines(&s, &act, &vr, true, &l, &n), 0);
		assert_int_equal(n, 2);
		assert_string_equal(l[0].label, "port 0x70 out 1B");
		assert_int_equal(l[0].row.count, 20);
		assert_string_equal(l[1].label, "port 0x80 out 1B");
		free(l);
	}

	vr.reason = 0x78;	/* HLT: not drilled */
	assert_int_equal(drill_lines(&s, NULL, &vr, false, &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_groups),
		cmocka_unit_test(test_parse_reasons),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_msr_names),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_rows_of),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_outputs_active),
		cmocka_unit_test(test_outputs_attrib),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

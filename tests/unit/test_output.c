// SPDX-License-Identifier: GPL-2.0
/*
 * Batch outputs on a small constructed snapshot, checked as exact
 * strings: JSON (escaping of untrusted names included), CSV, text, and
 * the formatting helpers the terminal UI shares.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "output.h"
#include "attrib_stats.h"
#include "fake_snapshot.h"

/*
 * SVM. VM 100's name has a quote, a backslash, a newline, a control
 * character, an invalid byte and a valid two-byte character. Row one:
 * 3 CPUID exits at 1 us (6 in total), row two: 1 exit of an unknown
 * code at 3 us. Interval 2 s.
 */
static void build(struct fake *f)
{
	fake_init(f, EXITS_ISA_SVM, 2.0);
	fake_vm(f, 100, "we\"ird\\name\n\x01\xff\xc3\xa9", true);
	fake_vm(f, 200, "b,eta", false);
	fake_row(f, 100, 0, 0x72, 3, 1000, 2);
	fake_row(f, 200, 1, 0x4242, 1, 3000, 1);
	f->s.dropped_delta = 1;
	f->s.dropped_total = 4;
}

static const struct out_ctx base_ctx = {
	.host = "h\"ost", .kernel = "6.1.0-test", .wall_s = 1700000000.25, .seq = 3,
};

/* Run a writer into memory; returns the malloc'ed text. */
typedef int (*writer)(FILE *f, struct out_ctx *c, const struct snapshot *s);

/* noinline: else gcc 12 takes strstr() of the result for a pointer into buf */
__attribute__((noinline))
static char *capture(writer w, struct out_ctx *c, const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(w(m, c, s), 0);
	fclose(m);
	return buf;
}

static int w_json(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_json(f, c, s); }
static int w_csv(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_csv(f, c, s); }
static int w_text(FILE *f, struct out_ctx *c, const struct snapshot *s) { return output_text(f, c, s); }

static const char json_expected[] =
	"{\"seq\":3,\"time\":1700000000.250,\"host\":\"h\\\"ost\",\"kernel\":\"6.1.0-test\",\"isa\":\"svm\""
	",\"interval_s\":2.000,\"dropped\":1,\"dropped_total\":4,\"vms\":[{\"pid\":100,\"name\":\"we\\\""
	"ird\\\\name\\n\\u0001\\ufffd\xc3\xa9\",\"alive\":true},{\"pid\":200,\"name\":\"b,eta\",\"alive\":false}"
	"],\"rows\":[{\"pid\":100,\"vcpu\":0,\"reason\":114,\"reason_name\":\"CPUID\",\"count\":3,\"tota"
	"l_count\":6,\"rate\":1.500,\"pct\":75.00,\"lat_count\":3,\"lat_sum_ns\":3000,\"avg_ns\":100"
	"0.0,\"p50_ns\":1000,\"p99_ns\":1000,\"max_ns\":1000,\"time_pct\":50.00,\"total_lat_count\""
	":6,\"total_lat_sum_ns\":6000,\"total_avg_ns\":1000.0,\"total_p50_ns\":1000,\"total_p99_"
	"ns\":1000,\"total_max_ns\":1000,\"total_time_pct\":66.67},{\"pid\":200,\"vcpu\":1,\"reason"
	"\":16962,\"reason_name\":\"0x4242\",\"count\":1,\"total_count\":1,\"rate\":0.500,\"pct\":25.0"
	"0,\"lat_count\":1,\"lat_sum_ns\":3000,\"avg_ns\":3000.0,\"p50_ns\":3000,\"p99_ns\":3000,\"m"
	"ax_ns\":3000,\"time_pct\":50.00,\"total_lat_count\":1,\"total_lat_sum_ns\":3000,\"total_"
	"avg_ns\":3000.0,\"total_p50_ns\":3000,\"total_p99_ns\":3000,\"total_max_ns\":3000,\"tota"
	"l_time_pct\":33.33}],\"totals\":{\"vms\":2,\"vcpus\":2,\"rows\":2,\"count\":4,\"total_count\""
	":7,\"rate\":2.000,\"lat_count\":4,\"lat_sum_ns\":6000,\"avg_ns\":1500.0,\"p50_ns\":1023,\"p"
	"99_ns\":3000,\"max_ns\":3000,\"time_pct\":100.00,\"total_lat_count\":7,\"total_lat_sum_n"
	"s\":9000,\"total_avg_ns\":1285.7,\"total_p50_ns\":1023,\"total_p99_ns\":3000,\"total_max"
	"_ns\":3000,\"total_time_pct\":100.00}}"
	"\n";

static void test_json_exact(void **state)
{
	struct fake f;
	struct out_ctx c = base_ctx;
	char *out;

	build(&f);
	out = capture(w_json, &c, &f.s);
	assert_string_equal(out, json_expected);
	/* one line per interval */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
}

static void test_json_filter_and_hist(void **state)
{
	struct fake f;
	uint32_t pid = 200;
	struct view_filter flt = { .pids = &pid, .npids = 1 };
	struct out_ctx c = base_ctx;
	char *out;

	build(&f);
	c.filter = &flt;
	out = capture(w_json, &c, &f.s);
	/* only VM 200 and its row */
	assert_null(strstr(out, "\"pid\":100"));
	assert_non_null(strstr(out, "\"vms\":[{\"pid\":200,\"name\":\"b,eta\",\"alive\":false}]"));
	assert_non_null(strstr(out, "\"totals\":{\"vms\":1,\"vcpus\":1,\"rows\":1,\"count\":1,"));
	free(out);

	c.filter = NULL;
	c.hist = "cpuid";
	out = capture(w_json, &c, &f.s);
	/* 1000 ns lands in slot 9: [512, 1024) */
	assert_non_null(strstr(out, "\"hist\":[0,0,0,0,0,0,0,0,0,3,0,"));
	assert_non_null(strstr(out, "\"total_hist\":[0,0,0,0,0,0,0,0,0,6,0,"));
	/* only the matching reason carries a histogram */
	assert_null(strstr(strstr(out, "\"reason\":16962"), "hist"));
	free(out);
}

/*
 * --active: a row idle in the interval (VM 200's, made idle here) is left
 * out of the JSON rows and the CSV lines, and still counted in the totals
 * (its total_count 1, totals.rows 2); the text table drops its reason.
 */
static void test_active(void **state)
{
	struct view_filter flt = { .active = true };
	struct out_ctx c = base_ctx;
	struct fake f;
	char *out;

	build(&f);
	memset(&f.rows[1].delta, 0, sizeof(f.rows[1].delta));
	c.filter = &flt;
	out = capture(w_json, &c, &f.s);
	assert_null(strstr(out, "\"reason\":16962"));
	assert_non_null(strstr(out, "\"reason\":114"));
	assert_non_null(strstr(out, "\"totals\":{\"vms\":2,\"vcpus\":2,\"rows\":2,\"count\":3,"
			       "\"total_count\":7,"));
	free(out);
	out = capture(w_csv, &c, &f.s);
	assert_null(strstr(out, "0x4242"));
	assert_non_null(strstr(out, ",CPUID,3,6,"));
	free(out);
	out = capture(w_text, &c, &f.s);
	assert_null(strstr(out, "0x4242"));
	assert_non_null(strstr(out, "CPUID"));
	assert_non_null(strstr(out, "vms 2  vcpus 2  exits 3"));
	free(out);
	/* without the flag the idle row is there, with count 0 */
	flt.active = false;
	out = capture(w_csv, &c, &f.s);
	assert_non_null(strstr(out, ",0x4242,0,1,"));
	free(out);
}

static void test_json_empty(void **state)
{
	struct fake f;
	struct out_ctx c = base_ctx;
	char *out;

	fake_init(&f, 0, 1.0);
	out = capture(w_json, &c, &f.s);
	assert_non_null(strstr(out, "\"isa\":\"unknown\""));
	assert_non_null(strstr(out, "\"vms\":[],\"rows\":[],\"totals\":{\"vms\":0,\"vcpus\":0,\"rows\":0,\"count\":0,"));
	/* no NaN from 0/0 */
	assert_null(strstr(out, "nan"));
	assert_null(strstr(out, "inf"));
	free(out);
}

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	json_string(m, s);
	fclose(m);
	return buf;
}

static void test_json_string(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "q\"b\\s/", "\"q\\\"b\\\\s/\"" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xff\xfe", "\"\\ufffd\\ufffd\"" },
		{ "\xc3", "\"\\ufffd\"" },			/* truncated sequence */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "</script>", "\"</script>\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *o = json_of(cases[i].in);

		assert_string_equal(o, cases[i].out);
		free(o);
	}
	{
		char *o = json_of(NULL);

		assert_string_equal(o, "\"\"");
		free(o);
	}
}

static void test_csv(void **state)
{
	static const char header[] =
		"time,seq,interval_s,pid,name,vcpu,isa,reason,reason_name,"
		"count,total_count,rate,lat_count,lat_sum_ns,avg_ns,p50_ns,p99_ns,max_ns,time_pct,"
		"total_lat_count,total_lat_sum_ns,total_avg_ns,total_max_ns\n";
	static const char rows[] =
		"1700000000.250,3,2.000,100,\"we\"\"ird\\name\n??\xc3\xa9\",0,svm,114,CPUID,"
		"3,6,1.500,3,3000,1000.0,1000,1000,1000,50.00,6,6000,1000.0,1000\n"
		"1700000000.250,3,2.000,200,\"b,eta\",1,svm,16962,0x4242,"
		"1,1,0.500,1,3000,3000.0,3000,3000,3000,50.00,1,3000,3000.0,3000\n";
	struct fake f;
	struct out_ctx c = base_ctx;
	char *out, want[sizeof(header) + sizeof(rows)];

	build(&f);
	out = capture(w_csv, &c, &f.s);
	snprintf(want, sizeof(want), "%s%s", header, rows);
	assert_string_equal(out, want);
	assert_true(c.header_done);
	free(out);
	/* header once: the second interval has rows only */
	out = capture(w_csv, &c, &f.s);
	assert_string_equal(out, rows);
	free(out);
}

/*
 * --attrib: row one's 3 exits of the interval split 1000 + 400000 + 0 +
 * (500 poll + 1500 asleep) ns; totals twice that. The keys appear only
 * when the snapshot carries attribution.
 */
static void attr_build(struct fake *f)
{
	struct stat_row *r = &f->rows[0];

	build(f);
	f->s.attrib = true;
	f->s.attrib_dropped_total = 5;
	r->attr_delta.count = 3;
	r->attr_delta.sum_ns = 403000;
	r->attr_delta.part_ns[ATTRIB_KVM] = 1000;
	r->attr_delta.part_ns[ATTRIB_VMM] = 400000;
	r->attr_delta.part_ns[ATTRIB_POLL] = 500;
	r->attr_delta.part_ns[ATTRIB_SLEEP] = 1500;
	r->attr_total = r->attr_delta;
	attr_add(&r->attr_total, &r->attr_delta);
}

static void test_attrib(void **state)
{
	static const char jrow[] =
		"\"attr_count\":3,\"attr_sum_ns\":403000,\"attr_kvm_ns\":1000,\"attr_vmm_ns\":400000,"
		"\"attr_wait_ns\":0,\"attr_blocked_ns\":2000,\"attr_poll_ns\":500,\"attr_approx\":0,"
		"\"total_attr_count\":6,\"total_attr_sum_ns\":806000,\"total_attr_kvm_ns\":2000,"
		"\"total_attr_vmm_ns\":800000,\"total_attr_wait_ns\":0,\"total_attr_blocked_ns\":4000,"
		"\"total_attr_poll_ns\":1000,\"total_attr_approx\":0";
	static const char crow[] = "3,403000,1000,400000,0,2000,500,6,806000,2000,800000,0,4000,1000\n";
	struct out_ctx c = base_ctx;
	struct fake f;
	char *out, *tot, line[OUT_LINE_MAX];

	build(&f);
	out = capture(w_json, &c, &f.s);
	assert_null(strstr(out, "attr_"));
	free(out);

	attr_build(&f);
	out = capture(w_json, &c, &f.s);
	assert_non_null(strstr(out, "\"attr_dropped_total\":5,"));
	tot = strstr(out, "\"totals\"");
	assert_non_null(tot);
	assert_true(strstr(out, jrow) < tot);	/* row one, and the totals (row two has none) */
	assert_non_null(strstr(tot, jrow));
	free(out);
	out = capture(w_csv, &c, &f.s);
	assert_non_null(strstr(out, ",total_max_ns,attr_count,attr_sum_ns,attr_kvm_ns,attr_vmm_ns,"
			       "attr_wait_ns,attr_blocked_ns,attr_poll_ns,total_attr_count,"));
	assert_non_null(strstr(out, crow));
	free(out);
	attr_fmt_cols(line, sizeof(line), &f.rows[0].attr_delta);
	assert_string_equal(line, "   333ns 133.3us     0ns   667ns");
	assert_int_equal(strlen(line), ATTR_COLS_WIDTH);
	attr_fmt_header(line, sizeof(line));
	assert_string_equal(line, "     KVM     VMM    WAIT BLOCKED");
	memset(&f.rows[1].attr_delta, 0, sizeof(f.rows[1].attr_delta));
	attr_fmt_cols(line, sizeof(line), &f.rows[1].attr_delta);
	assert_string_equal(line, "       -       -       -       -");
	out = capture(w_text, &c, &f.s);
	assert_non_null(strstr(out, "TIME%     KVM     VMM    WAIT BLOCKED\n"));
	assert_non_null(strstr(out, "   333ns 133.3us     0ns   667ns\n"));
	free(out);
}

static void test_attr_arith(void **state)
{
	struct attr_agg a = { .count = 5, .sum_ns = 50, .part_ns = { 10, 20, 5, 5, 10 }, .approx = 1 };
	struct attr_agg b = { .count = 2, .sum_ns = 20, .part_ns = { 4, 8, 2, 2, 4 } }, d;

	attr_diff(&d, &a, &b);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.sum_ns, 30);
	assert_int_equal(d.part_ns[ATTRIB_VMM], 12);
	assert_int_equal(d.part_ns[ATTRIB_SLEEP], 6);
	assert_int_equal(d.approx, 1);
	attr_add(&d, &b);
	assert_memory_equal(&d, &a, sizeof(a));
	assert_int_equal(attr_blocked_ns(&a), 15);
	assert_false(attr_went_back(&a, &b));
	assert_true(attr_went_back(&b, &a));
}

static char *csv_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	csv_field(m, s);
	fclose(m);
	return buf;
}

static void test_csv_field(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" },
		{ "qemu", "qemu" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "line\nbreak", "\"line\nbreak\"" },
		{ "tab\there", "tab?here" },
		{ "=cmd()", "'=cmd()" },
		{ "-x,y", "\"'-x,y\"" },
		{ "\xff", "?" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *o = csv_of(cases[i].in);

		assert_string_equal(o, cases[i].out);
		free(o);
	}
}

static void test_text(void **state)
{
	static const char want[] =
		"exittop 2023-11-14T22:13:20Z  host h\"ost  kernel 6.1.0-test  isa svm\n"
		"vms 2  vcpus 2  exits 4  rate 2.0/s  interval 2.00s  dropped 1 (total 4)\n"
		"REASON                        COUNT   RATE/s     %     AVG     P50     P99     MAX  TIME%\n"
		"CPUID                             3      1.5  75.0   1.0us   1.0us   1.0us   1.0us   50.0\n"
		"0x4242                            1      0.5  25.0   3.0us   3.0us   3.0us   3.0us   50.0\n"
		"\n";
	struct fake f;
	struct out_ctx c = base_ctx;
	char *out;

	build(&f);
	c.mode = VIEW_REASON;
	c.sort = SORT_COUNT;
	out = capture(w_text, &c, &f.s);
	assert_string_equal(out, want);
	free(out);

	/* VM view: names reach the terminal without control bytes */
	c.mode = VIEW_VM;
	out = capture(w_text, &c, &f.s);
	assert_non_null(strstr(out, "\n    PID NAME                  COUNT"));
	assert_non_null(strstr(out, "\n    100 we\"ird\\name????"));
	assert_null(strchr(out, '\x01'));
	assert_non_null(strstr(out, "\n    200 b,eta  "));
	free(out);

	/* histogram of one reason */
	c.mode = VIEW_REASON;
	c.hist = "CPUID";
	out = capture(w_text, &c, &f.s);
	assert_non_null(strstr(out, "LATENCY HISTOGRAM CPUID (last interval, 3 measured exits)\n"
				  "  512ns - 1.0us   |########################################|          3 100.0%\n"));
	free(out);
}

static void test_formatting(void **state)
{
	char b[32];

	assert_string_equal(fmt_ns(0, false, b, sizeof(b)), "-");
	assert_string_equal(fmt_ns(0, true, b, sizeof(b)), "0ns");
	assert_string_equal(fmt_ns(850, true, b, sizeof(b)), "850ns");
	assert_string_equal(fmt_ns(12345, true, b, sizeof(b)), "12.3us");
	assert_string_equal(fmt_ns(4560000, true, b, sizeof(b)), "4.6ms");
	assert_string_equal(fmt_ns(1.2e9, true, b, sizeof(b)), "1.20s");
	assert_string_equal(fmt_count(1234567, 9, true, b, sizeof(b)), "1234567");
	assert_string_equal(fmt_count(1234567890, 9, true, b, sizeof(b)), "1.23G");
	assert_string_equal(fmt_count(12.25, 10, false, b, sizeof(b)), "12.2");
	assert_string_equal(fmt_count(123456789.5, 10, false, b, sizeof(b)), "123456790");
	assert_string_equal(fmt_count(-1, 5, true, b, sizeof(b)), "0");
	assert_string_equal(fmt_count(123456, 5, true, b, sizeof(b)), "123K");

	{
		char l[OUT_LINE_MAX];

		fmt_hist_line(l, sizeof(l), 0, 0, 0, 0, 4);
		assert_string_equal(l, "    0ns - 2ns     |    |          0   0.0%");
		/* a nonzero bucket always shows, however small */
		fmt_hist_line(l, sizeof(l), 10, 1, 1000, 1000, 4);
		assert_string_equal(l, "  1.0us - 2.0us   |#   |          1   0.1%");
		fmt_hist_line(l, sizeof(l), EXITS_HIST_SLOTS - 1, 2, 2, 2, 2);
		assert_string_equal(l, "  2.15s - ...     |##|          2 100.0%");
	}
}

static void test_table_lines(void **state)
{
	char line[OUT_LINE_MAX];
	struct view_row r = { .pid = 4194304, .vcpu = 255, .name = "a-very-long-guest-name",
			      .count = 123456789, .lat_count = 1, .rate = 1234567.0,
			      .pct = 100, .avg_ns = 999.9e6, .p50_ns = 1, .p99_ns = 1500,
			      .max_ns = 2000000000, .time_pct = 100 };
	int start, width;

	fmt_table_header(line, sizeof(line), VIEW_REASON, OUT_KEY_WIDTH, SORT_AVG, false, true);
	assert_non_null(strstr(line, " AVG* "));
	fmt_column_span(VIEW_REASON, SORT_AVG, OUT_KEY_WIDTH, &start, &width);
	assert_int_equal(width, 7);
	assert_memory_equal(line + start, "   AVG*", 7);
	fmt_table_header(line, sizeof(line), VIEW_REASON, OUT_KEY_WIDTH, SORT_AVG, true, true);
	assert_non_null(strstr(line, " AVG^ "));
	fmt_table_header(line, sizeof(line), VIEW_VCPU, OUT_KEY_WIDTH, SORT_KEY, false, true);
	assert_memory_equal(line, "    PID VCPU NAME*", 18);
	fmt_table_header(line, sizeof(line), VIEW_REASON, OUT_KEY_WIDTH, SORT_AVG, false, false);
	assert_null(strchr(line, '*'));

	/* the narrowest layout fills exactly 80 columns, even with extreme figures */
	fmt_table_header(line, sizeof(line), VIEW_VCPU, OUT_KEY_MIN, SORT_TIME, false, true);
	assert_int_equal(strlen(line), 80);
	assert_string_equal(line + 74, "TIME%*");
	fmt_table_row(line, sizeof(line), VIEW_VCPU, OUT_KEY_MIN, &r);
	assert_string_equal(line,
		"4194304  255 a-ve     123M  1234567 100.0 999.9ms     1ns   1.5us   2.00s  100.0");
	fmt_table_row(line, sizeof(line), VIEW_VM, OUT_KEY_MIN, &r);
	assert_memory_equal(line, "4194304 a-very-lo ", 18);
	assert_int_equal(strlen(line), 80);
	/* nothing measured: dashes, not zeros */
	r.lat_count = 0;
	fmt_table_row(line, sizeof(line), VIEW_VM, OUT_KEY_MIN, &r);
	assert_non_null(strstr(line, "      -       -       -       -"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_filter_and_hist),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_table_lines),
		cmocka_unit_test(test_attrib),
		cmocka_unit_test(test_attr_arith),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

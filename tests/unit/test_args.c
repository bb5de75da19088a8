// SPDX-License-Identifier: GPL-2.0
/* args_parse: every option, and bad input reported as usage (exit 2) without exiting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "args.h"

struct captured {
	char *out, *err;
	size_t outlen, errlen;
};

/* Parse a NULL-terminated argument list (argv[0] added); capture stdout/stderr text. */
static int parse(struct args *a, struct captured *c, ...)
{
	char *argv[32] = { "exittop" };
	int argc = 1, ret;
	FILE *out, *err;
	va_list ap;

	va_start(ap, c);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	memset(c, 0, sizeof(*c));
	out = open_memstream(&c->out, &c->outlen);
	err = open_memstream(&c->err, &c->errlen);
	assert_non_null(out);
	assert_non_null(err);
	ret = args_parse(a, argc, argv, out, err);
	fclose(out);
	fclose(err);
	return ret;
}

static void captured_free(struct captured *c)
{
	free(c->out);
	free(c->err);
}

static void test_defaults(void **state)
{
	struct args a;
	struct captured c;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_false(a.batch);
	assert_true(a.delay_s == 1.0);
	assert_int_equal(a.iterations, 0);
	assert_int_equal(a.format, OUT_AUTO);
	assert_int_equal(a.npids, 0);
	assert_false(a.has_vcpu);
	assert_string_equal(a.reason, "");
	assert_string_equal(a.hist, "");
	assert_int_equal(a.view, VIEW_REASON);
	assert_int_equal(a.sort, SORT_COUNT);
	assert_false(a.verbose);
	assert_int_equal(c.errlen, 0);
	captured_free(&c);
}

static void test_all_options(void **state)
{
	struct args a;
	struct captured c;

	assert_int_equal(parse(&a, &c, "-b", "-d", "2.5", "-n", "7", "--json",
			       "-p", "100", "--pid=200,300", "--vcpu", "3",
			       "--reason", "cpuid", "--view", "vcpu", "--hist", "HLT",
			       "-s", "p99", "-v", NULL), ARGS_OK);
	assert_true(a.batch);
	assert_true(a.delay_s == 2.5);
	assert_int_equal(a.iterations, 7);
	assert_int_equal(a.format, OUT_JSON);
	assert_int_equal(a.npids, 3);
	assert_int_equal(a.pids[0], 100);
	assert_int_equal(a.pids[1], 200);
	assert_int_equal(a.pids[2], 300);
	assert_true(a.has_vcpu);
	assert_int_equal(a.vcpu, 3);
	assert_string_equal(a.reason, "cpuid");
	assert_string_equal(a.hist, "HLT");
	assert_int_equal(a.view, VIEW_VCPU);
	assert_int_equal(a.sort, SORT_P99);
	assert_true(a.sort_set);
	assert_true(a.verbose);
	captured_free(&c);

	assert_int_equal(parse(&a, &c, "--csv", "--view=vm", "-s", "TIME", "--reason=0x72", NULL), ARGS_OK);
	assert_int_equal(a.format, OUT_CSV);
	assert_int_equal(a.view, VIEW_VM);
	assert_int_equal(a.sort, SORT_TIME);
	assert_string_equal(a.reason, "0x72");
	captured_free(&c);

	/* names of either ISA, with or without their prefixes */
	assert_int_equal(parse(&a, &c, "--reason", "EPT_VIOLATION", "--hist", "npf", NULL), ARGS_OK);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--reason", "EXIT_REASON_CPUID", NULL), ARGS_OK);
	captured_free(&c);

	/* --json twice is not a conflict; aliases of sort keys */
	assert_int_equal(parse(&a, &c, "--json", "--json", "-s", "rate", NULL), ARGS_OK);
	assert_int_equal(a.sort, SORT_COUNT);
	captured_free(&c);
}

static void test_exporter(void **state)
{
	struct args a;
	struct captured c;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_string_equal(a.listen, "");
	assert_true(a.expire_s < 0);
	captured_free(&c);

	assert_int_equal(parse(&a, &c, "--listen", "[::1]:9567", "--interval", "0.5",
			       "--expire=0", "--no-histograms", "--bpf-stats", "-p", "42",
			       "--web-config", "w.yml", NULL), ARGS_OK);
	assert_string_equal(a.listen, "[::1]:9567");
	assert_string_equal(a.web_config, "w.yml");
	assert_true(a.export_interval_s == 0.5);
	assert_true(a.expire_s == 0);
	assert_true(a.no_histograms);
	assert_true(a.bpf_stats);
	assert_int_equal(a.npids, 1);
	captured_free(&c);

	/* -d stands for --interval when exporting */
	assert_int_equal(parse(&a, &c, "--listen=9567", "-d", "2", NULL), ARGS_OK);
	assert_true(a.delay_set);
	assert_true(a.delay_s == 2);
	captured_free(&c);
}

static void test_help_usage_version(void **state)
{
	struct args a;
	struct captured c;

	assert_int_equal(parse(&a, &c, "--help", NULL), ARGS_EXIT_OK);
	/* every option is documented */
	for (const char *const *o = (const char *const[]){ "--batch", "--delay", "--iterations",
		"--json", "--csv", "--pid", "--vcpu", "--reason", "--view", "--hist",
		"--sort", "--verbose", "--version", "--listen", "--interval", "--expire",
		"--no-histograms", "--bpf-stats", "--web-config", "--drill-top", NULL }; *o; o++)
		assert_non_null(strstr(c.out, *o));
	assert_int_equal(c.errlen, 0);
	captured_free(&c);

	assert_int_equal(parse(&a, &c, "-?", NULL), ARGS_EXIT_OK);
	assert_non_null(strstr(c.out, "Usage:"));
	captured_free(&c);

	assert_int_equal(parse(&a, &c, "--usage", NULL), ARGS_EXIT_OK);
	assert_non_null(strstr(c.out, "Usage: exittop"));
	captured_free(&c);

	assert_int_equal(parse(&a, &c, "-V", NULL), ARGS_EXIT_OK);
	assert_non_null(strstr(c.out, "exittop "));
	captured_free(&c);
}

/* Each bad command line: ARGS_EXIT_USAGE, a usage on err, nothing on out. */
static void expect_usage(const char *why, ...)
{
	char *argv[16] = { "exittop" };
	struct captured c = { 0 };
	struct args a;
	FILE *out, *err;
	int argc = 1, ret;
	va_list ap;

	va_start(ap, why);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);

	out = open_memstream(&c.out, &c.outlen);
	err = open_memstream(&c.err, &c.errlen);
	ret = args_parse(&a, argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (ret != ARGS_EXIT_USAGE)
		fail_msg("%s: expected usage error, got %d", why, ret);
	if (!strstr(c.err, "Usage: exittop"))
		fail_msg("%s: no usage on stderr: '%s'", why, c.err);
	assert_int_equal(c.outlen, 0);
	captured_free(&c);
}

static void test_bad_input(void **state)
{
	expect_usage("delay not a number", "-d", "abc", NULL);
	expect_usage("delay zero", "-d", "0", NULL);
	expect_usage("delay negative", "-d", "-1", NULL);
	expect_usage("delay trailing junk", "-d", "1s", NULL);
	expect_usage("delay nan", "-d", "nan", NULL);
	expect_usage("delay huge", "-d", "1e9", NULL);
	expect_usage("delay missing", "-d", NULL);
	expect_usage("count zero", "-n", "0", NULL);
	expect_usage("count negative", "-n", "-3", NULL);
	expect_usage("count junk", "-n", "5x", NULL);
	expect_usage("count overflow", "-n", "99999999999999999999999", NULL);
	expect_usage("pid zero", "-p", "0", NULL);
	expect_usage("pid word", "-p", "qemu", NULL);
	expect_usage("pid empty item", "-p", "1,,2", NULL);
	expect_usage("pid trailing comma", "-p", ",", NULL);
	expect_usage("pid too big", "-p", "4294967296", NULL);
	expect_usage("vcpu negative", "--vcpu", "-1", NULL);
	expect_usage("vcpu word", "--vcpu", "one", NULL);
	expect_usage("view unknown", "--view", "process", NULL);
	expect_usage("sort unknown", "-s", "color", NULL);
	expect_usage("reason empty", "--reason", "", NULL);
	expect_usage("reason too long", "--reason",
		     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
	expect_usage("reason unknown", "--reason", "cpuidd", NULL);
	expect_usage("hist unknown", "--hist", "NOPE", NULL);
	expect_usage("tracepoints unknown", "--tracepoints", "raw", NULL);
	expect_usage("tracepoints empty", "--tracepoints", "", NULL);
	expect_usage("tracepoints case", "--tracepoints", "BTF", NULL);
	expect_usage("keys below 64", "--keys", "63", NULL);
	expect_usage("keys above 1M", "--keys", "1048577", NULL);
	expect_usage("keys not a number", "--keys", "1k", NULL);
	expect_usage("keys negative", "--keys", "-1", NULL);
	expect_usage("json and csv", "--json", "--csv", NULL);
	expect_usage("csv and json", "--csv", "--json", NULL);
	expect_usage("unknown long option", "--bogus", NULL);
	expect_usage("unknown short option", "-Z", NULL);
	expect_usage("positional argument", "cpuid", NULL);
	/* exporter options without --listen, and display options with it */
	expect_usage("interval without listen", "--interval", "1", NULL);
	expect_usage("expire with check", "--check", "--expire", "10", NULL);
	expect_usage("no-histograms without listen", "--no-histograms", NULL);
	expect_usage("bpf-stats without listen", "--bpf-stats", NULL);
	expect_usage("listen empty", "--listen", "", NULL);
	expect_usage("listen bad port", "--listen", "127.0.0.1:99999", NULL);
	expect_usage("listen bare ipv6", "--listen", "::1:9567", NULL);
	expect_usage("listen no port", "--listen", "host:", NULL);
	expect_usage("web-config without listen", "--web-config", "/etc/w.yml", NULL);
	expect_usage("web-config empty", "--listen", "9567", "--web-config", "", NULL);
	expect_usage("listen and json", "--listen", "9567", "--json", NULL);
	expect_usage("listen and batch", "--listen", "9567", "-b", NULL);
	expect_usage("listen and count", "--listen", "9567", "-n", "3", NULL);
	expect_usage("listen and reason", "--listen", "9567", "--reason", "hlt", NULL);
	expect_usage("listen, -d and --interval", "--listen", "9567", "-d", "1", "--interval", "2", NULL);
	expect_usage("interval too small", "--listen", "9567", "--interval", "0.01", NULL);
	expect_usage("expire negative", "--listen", "9567", "--expire", "-1", NULL);
	expect_usage("drill a reason without detail", "--drill", "io,hlt", NULL);
	expect_usage("drill unknown", "--drill", "ports", NULL);
	expect_usage("drill empty item", "--drill", "io,", NULL);
	expect_usage("drill empty", "--drill", "", NULL);
	expect_usage("drill-top without drill", "--listen", "9567", "--drill-top", "3", NULL);
	expect_usage("drill-top without listen", "-b", "--drill", "io", "--drill-top", "3", NULL);
	expect_usage("drill-top 0", "--listen", "9567", "--drill", "io", "--drill-top", "0", NULL);
	expect_usage("drill-top above 1000", "--listen", "9567", "--drill", "io", "--drill-top", "1001", NULL);
	expect_usage("drill and check", "--check", "--drill", "msr", NULL);
	expect_usage("drill-keys without drill", "--drill-keys", "100", NULL);
	expect_usage("drill-keys below 64", "--drill", "io", "--drill-keys", "63", NULL);
	expect_usage("drill-keys above 1M", "--drill", "io", "--drill-keys", "1048577", NULL);
}

static void test_drill(void **state)
{
	struct captured c;
	struct args a;

	(void)state;
	assert_int_equal(parse(&a, &c, "-b", NULL), ARGS_OK);
	assert_int_equal(a.drill.n, 0);
	assert_int_equal(a.drill_keys, 0);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--json", "--drill", "IO,npf", "--drill-keys=64", NULL), ARGS_OK);
	assert_int_equal(a.drill.n, 5);		/* IOIO, IO_INSTRUCTION, NPF, EPT_VIOLATION, EPT_MISCONFIG */
	assert_true(drill_has(&a.drill, EXITS_ISA_SVM, 0x400));
	assert_int_equal(a.drill_keys, 64);
	captured_free(&c);
	/* the exporter takes --drill, and --drill-top with it */
	assert_int_equal(parse(&a, &c, "--listen", "9567", "--drill", "io,msr", NULL), ARGS_OK);
	assert_int_equal(a.drill_top, 0);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--listen", "9567", "--drill", "io", "--drill-top", "2", NULL),
			 ARGS_OK);
	assert_int_equal(a.drill_top, 2);
	captured_free(&c);
	/* a reason with no detail level: says which ones have one */
	assert_int_equal(parse(&a, &c, "--drill=cpuid,INTR", NULL), ARGS_EXIT_USAGE);
	assert_non_null(strstr(c.err, "'INTR' has no detail level"));
	assert_non_null(strstr(c.err, "IOIO"));
	captured_free(&c);
}

static void test_tracepoints(void **state)
{
	static const struct {
		const char *arg;
		enum tp_mode mode;
	} ok[] = {
		{ "auto", TP_MODE_AUTO }, { "btf", TP_MODE_BTF }, { "classic", TP_MODE_CLASSIC },
	};
	struct captured c;
	struct args a;
	size_t i;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_int_equal(a.tp_mode, TP_MODE_AUTO);	/* the default */
	captured_free(&c);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(&a, &c, "--tracepoints", ok[i].arg, NULL), ARGS_OK);
		assert_int_equal(a.tp_mode, ok[i].mode);
		assert_string_equal(tp_mode_name(a.tp_mode), ok[i].arg);
		captured_free(&c);
		assert_int_equal(parse(&a, &c, "--tracepoints=classic", "-b", NULL), ARGS_OK);
		assert_int_equal(a.tp_mode, TP_MODE_CLASSIC);
		captured_free(&c);
	}
	assert_string_equal(tp_mode_name((enum tp_mode)42), "?");
}

/* --attrib: batch and screen only; --check and --listen refuse it */
static void test_attrib(void **state)
{
	struct captured c;
	struct args a;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_false(a.attrib);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--attrib", "--json", "-n", "2", NULL), ARGS_OK);
	assert_true(a.attrib);
	assert_int_equal(c.errlen, 0);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--attrib", "--check", NULL), ARGS_EXIT_USAGE);
	assert_non_null(strstr(c.err, "--attrib"));
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--attrib", "--listen", "9100", NULL), ARGS_EXIT_USAGE);
	assert_non_null(strstr(c.err, "--attrib"));
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--help", NULL), ARGS_EXIT_OK);
	assert_non_null(strstr(c.out, "--attrib"));
	captured_free(&c);
}

/* -i, --active: only rows with exits in the interval; not for --check or --listen */
static void test_active(void **state)
{
	struct captured c;
	struct args a;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_false(a.active);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "-i", "--csv", NULL), ARGS_OK);
	assert_true(a.active);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--active", "-b", "--view", "vcpu", NULL), ARGS_OK);
	assert_true(a.active);
	assert_int_equal(c.errlen, 0);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--active", "--check", NULL), ARGS_EXIT_USAGE);
	assert_non_null(strstr(c.err, "--active"));
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "-i", "--listen", "9100", NULL), ARGS_EXIT_USAGE);
	assert_non_null(strstr(c.err, "--active"));
	captured_free(&c);
}

/* --expire also outside the exporter: how long an ended VM's rows stay */
static void test_expire_batch(void **state)
{
	struct captured c;
	struct args a;

	assert_int_equal(parse(&a, &c, "-b", "--expire", "10", NULL), ARGS_OK);
	assert_true(a.expire_s == 10);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--json", "--expire=0", NULL), ARGS_OK);
	assert_true(a.expire_s == 0);
	captured_free(&c);
}

static void test_keys(void **state)
{
	struct captured c;
	struct args a;

	assert_int_equal(parse(&a, &c, NULL), ARGS_OK);
	assert_int_equal(a.keys, 0);	/* the collector's default */
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--keys", "64", NULL), ARGS_OK);
	assert_int_equal(a.keys, 64);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--keys=1048576", NULL), ARGS_OK);
	assert_int_equal(a.keys, 1048576);
	captured_free(&c);
	assert_int_equal(parse(&a, &c, "--keys", "0x10000", NULL), ARGS_OK);
	assert_int_equal(a.keys, 65536);
	captured_free(&c);
}

static void test_too_many_pids(void **state)
{
	char list[ARGS_MAX_PIDS * 8];
	struct captured c = { 0 };
	char *argv[] = { "exittop", "-p", list, NULL };
	struct args a;
	size_t off = 0;
	FILE *out, *err;

	for (int i = 1; i <= ARGS_MAX_PIDS + 1; i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%d", i > 1 ? "," : "", i);
	out = open_memstream(&c.out, &c.outlen);
	err = open_memstream(&c.err, &c.errlen);
	/* 65 pids do not fit in the 256-byte list buffer or in the table: either way usage */
	assert_int_equal(args_parse(&a, 3, argv, out, err), ARGS_EXIT_USAGE);
	fclose(out);
	fclose(err);
	captured_free(&c);

	/* exactly the maximum, one -p each, is fine */
	{
		char *av[2 * ARGS_MAX_PIDS + 2];
		char bufs[ARGS_MAX_PIDS][12];
		int n = 1;

		av[0] = "exittop";
		for (int i = 0; i < ARGS_MAX_PIDS; i++) {
			snprintf(bufs[i], sizeof(bufs[i]), "%d", 1000 + i);
			av[n++] = "-p";
			av[n++] = bufs[i];
		}
		av[n] = NULL;
		out = open_memstream(&c.out, &c.outlen);
		err = open_memstream(&c.err, &c.errlen);
		assert_int_equal(args_parse(&a, n, av, out, err), ARGS_OK);
		fclose(out);
		fclose(err);
		assert_int_equal(a.npids, ARGS_MAX_PIDS);
		assert_int_equal(a.pids[ARGS_MAX_PIDS - 1], 1000 + ARGS_MAX_PIDS - 1);
		captured_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_exporter),
		cmocka_unit_test(test_help_usage_version),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_too_many_pids),
		cmocka_unit_test(test_tracepoints),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_expire_batch),
		cmocka_unit_test(test_attrib),
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_drill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

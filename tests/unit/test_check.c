// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of user/kvmdebugfs.c (strict parsing of KVM's debugfs files)
 * and user/check.c (the comparison rules, the TSC log line, the outputs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "args.h"
#include "check.h"
#include "kvmdebugfs.h"

#define EXIT_STATS_SVM \
	"isa svm\n" \
	"reason name count cycles\n" \
	"96 interrupt 15 167620232\n" \
	"114 cpuid 3000 493226864\n" \
	"120 hlt 5 232870846\n" \
	"123 io 200 23888332\n" \
	"124 msr 300 23173046\n" \
	"1024 npf 5 344691646\n" \
	"4294967295 - 1 10\n" \
	"other - 0 0\n" \
	"total - 3526 1285470976\n"

static int parse_str(const char *s, struct kvmdfs_stats *st)
{
	return kvmdfs_parse_exit_stats(s, strlen(s), st);
}

static void test_parse_ok(void **state)
{
	static struct kvmdfs_stats st;
	const struct kvmdfs_reason *r;

	assert_int_equal(parse_str(EXIT_STATS_SVM, &st), 0);
	assert_int_equal(st.isa, EXITS_ISA_SVM);
	assert_int_equal(st.n, 7);
	r = kvmdfs_find(&st, 114);
	assert_non_null(r);
	assert_string_equal(r->name, "cpuid");
	assert_int_equal(r->count, 3000);
	assert_int_equal(r->cycles, 493226864);
	r = kvmdfs_find(&st, 0xffffffffu);
	assert_non_null(r);
	assert_string_equal(r->name, "-");
	assert_null(kvmdfs_find(&st, 0x7e));
	assert_int_equal(st.total_count, 3526);
	assert_int_equal(st.total_cycles, 1285470976ULL);
	assert_int_equal(st.other_count, 0);
	/* VMX, upper-case names, nothing seen yet */
	assert_int_equal(parse_str("isa vmx\nreason name count cycles\nother - 0 0\ntotal - 0 0\n", &st), 0);
	assert_int_equal(st.isa, EXITS_ISA_VMX);
	assert_int_equal(st.n, 0);
	assert_int_equal(parse_str("isa vmx\nreason name count cycles\n10 CPUID 18446744073709551615 0\n"
				   "other - 0 0\ntotal - 1 0\n", &st), 0);
	assert_true(st.r[0].count == UINT64_MAX);
}

static void test_parse_strict(void **state)
{
	static struct kvmdfs_stats st;
	char longline[200];
	static const char *const bad[] = {
		"",
		"isa svm\n",
		"isa arm\nreason name count cycles\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\nother - 0 0\ntotal - 0 0",	/* no final newline */
		"isa svm\nreason name count cycles\nother - 0 0\n",		/* no total */
		"isa svm\nreason name count cycles\ntotal - 0 0\n",		/* no other */
		"isa svm\nreason name count cycles\nother - 0 0\ntotal - 0 0\nx\n",	/* after total */
		"isa svm\nreason name count cycles\n114 cpuid -1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid +1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 18446744073709551616 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 01 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114  cpuid 1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 1 0 \nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 1\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 1 0 5\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n120 hlt 1 0\n114 cpuid 1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cpuid 1 0\n114 cpuid 1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n512 x 1 0\nother - 0 0\ntotal - 0 0\n",	/* no slot */
		"isa vmx\nreason name count cycles\n78 X 1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\n114 cp/uid 1 0\nother - 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\nother x 0 0\ntotal - 0 0\n",
		"isa svm\nreason name count cycles\nother - 0 0\n114 cpuid 1 0\ntotal - 0 0\n",
		"isa svm\r\nreason name count cycles\nother - 0 0\ntotal - 0 0\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_str(bad[i], &st);

		if (r != -EINVAL)
			fail_msg("case %zu accepted (%d): %s", i, r, bad[i]);
	}
	/* a line longer than KVMDFS_LINE_MAX */
	snprintf(longline, sizeof(longline), "isa svm\nreason name count cycles\n114 %s 1 0\nother - 0 0\ntotal - 0 0\n",
		 "cpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuidcpuid");
	assert_int_equal(parse_str(longline, &st), -EINVAL);
	/* embedded NUL */
	assert_int_equal(kvmdfs_parse_exit_stats("isa svm\n\0eason name count cycles\nother - 0 0\ntotal - 0 0\n",
						 52, &st), -EINVAL);
}

static void test_small_parsers(void **state)
{
	uint64_t v;
	uint32_t p, f;

	assert_int_equal(kvmdfs_parse_u64("123\n", 4, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(kvmdfs_parse_u64("0\n", 2, &v), 0);
	assert_int_equal(kvmdfs_parse_u64("123", 3, &v), -EINVAL);
	assert_int_equal(kvmdfs_parse_u64("-1\n", 3, &v), -EINVAL);
	assert_int_equal(kvmdfs_parse_u64("1 2\n", 4, &v), -EINVAL);
	assert_int_equal(kvmdfs_parse_u64("\n", 1, &v), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("1234-11", &p, &f), 0);
	assert_int_equal(p, 1234);
	assert_int_equal(f, 11);
	assert_int_equal(kvmdfs_parse_vmdir("1234", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("1234-", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("-12", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("12-3-4", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("0-3", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vmdir("99999999999-3", &p, &f), -EINVAL);
	assert_int_equal(kvmdfs_parse_vcpudir("vcpu0", &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(kvmdfs_parse_vcpudir("vcpu17", &p), 0);
	assert_int_equal(p, 17);
	assert_int_equal(kvmdfs_parse_vcpudir("vcpu", &p), -EINVAL);
	assert_int_equal(kvmdfs_parse_vcpudir("vcpux", &p), -EINVAL);
	assert_true(kvmdfs_has_slot(EXITS_ISA_VMX, 77));
	assert_false(kvmdfs_has_slot(EXITS_ISA_VMX, 78));
	assert_true(kvmdfs_has_slot(EXITS_ISA_SVM, 0xa5));
	assert_false(kvmdfs_has_slot(EXITS_ISA_SVM, 0xa6));
	assert_true(kvmdfs_has_slot(EXITS_ISA_SVM, 0x403));
	assert_false(kvmdfs_has_slot(EXITS_ISA_SVM, 0x404));
	assert_true(kvmdfs_has_slot(EXITS_ISA_SVM, 0xffffffffu));
	assert_false(kvmdfs_has_slot(EXITS_ISA_SVM, 0xf0000000u));
}

static void test_add_sub(void **state)
{
	static struct kvmdfs_stats a, b, base;
	const struct kvmdfs_reason *r;

	memset(&a, 0, sizeof(a));
	assert_int_equal(parse_str("isa svm\nreason name count cycles\n114 cpuid 10 100\n"
				   "other - 1 1\ntotal - 11 101\n", &b), 0);
	assert_int_equal(kvmdfs_stats_add(&a, &b), 0);
	assert_int_equal(parse_str("isa svm\nreason name count cycles\n96 interrupt 2 20\n114 cpuid 5 50\n"
				   "other - 0 0\ntotal - 7 70\n", &b), 0);
	assert_int_equal(kvmdfs_stats_add(&a, &b), 0);
	assert_int_equal(a.n, 2);
	r = kvmdfs_find(&a, 114);
	assert_int_equal(r->count, 15);
	assert_int_equal(r->cycles, 150);
	assert_int_equal(kvmdfs_find(&a, 96)->count, 2);
	assert_int_equal(a.total_count, 18);
	assert_int_equal(a.other_count, 1);
	assert_int_equal(parse_str("isa vmx\nreason name count cycles\nother - 0 0\ntotal - 0 0\n", &b), 0);
	assert_int_equal(kvmdfs_stats_add(&a, &b), -EXDEV);
	assert_int_equal(parse_str("isa svm\nreason name count cycles\n114 cpuid 20 10\n"
				   "other - 0 0\ntotal - 20 10\n", &base), 0);
	kvmdfs_stats_sub(&a, &base);
	assert_int_equal(kvmdfs_find(&a, 114)->count, 0);	/* clamped */
	assert_int_equal(kvmdfs_find(&a, 114)->cycles, 140);
	assert_int_equal(a.total_count, 0);
}

/* ---- check_compare ---- */

static struct kvmdfs_vm K1, K2, KB;
static struct check_vm V;

static void kvm_patched(struct kvmdfs_vm *k, const char *text, uint64_t exits, unsigned vcpus)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(parse_str(text, &k->st), 0);
	k->have_exits = true;
	k->exits = exits;
	k->have_patch = true;
	k->nvcpus = k->npatch = vcpus;
	k->ndirs = 1;
}

static struct stat_row row(uint32_t pid, uint32_t vcpu, uint32_t reason, uint8_t isa,
			   uint64_t count, uint64_t lat_count, uint64_t lat_sum)
{
	struct stat_row r;

	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.vcpu = vcpu;
	r.reason = reason;
	r.isa = isa;
	r.total.count = count;
	r.total.lat_count = lat_count;
	r.total.lat_sum_ns = lat_sum;
	return r;
}

static const struct check_reason *vr(uint32_t reason)
{
	size_t i;

	for (i = 0; i < V.n; i++)
		if (!V.r[i].other && V.r[i].reason == reason)
			return &V.r[i];
	return NULL;
}

#define SVM_FILE(cpuid, cyc, total, tcyc) \
	"isa svm\nreason name count cycles\n114 cpuid " #cpuid " " #cyc "\nother - 0 0\ntotal - " \
	#total " " #tcyc "\n"

static void test_compare_exact(void **state)
{
	struct stat_row rows[] = {
		row(7, 0, 0x72, EXITS_ISA_SVM, 60, 60, 30000),
		row(7, 1, 0x72, EXITS_ISA_SVM, 40, 40, 20000),
		row(8, 0, 0x72, EXITS_ISA_SVM, 999, 999, 1),	/* another VM */
	};

	kvm_patched(&K1, SVM_FILE(100, 100000, 100, 100000), 100, 2);
	K2 = K1;
	memset(&V, 0, sizeof(V));
	V.pid = 7;
	check_compare(&V, rows, 3, &K1, &K2, NULL, 2000000);	/* 2 GHz: 1 cycle = 0.5 ns */
	assert_true(V.patched);
	assert_true(V.stable);
	assert_false(V.flagged);
	assert_false(V.fails);
	assert_int_equal(V.bpf_total, 100);
	assert_int_equal(V.n, 1);
	assert_int_equal(vr(0x72)->bpf_count, 100);
	assert_int_equal(vr(0x72)->kern_count, 100);
	assert_int_equal(vr(0x72)->diff, 0);
	assert_true(vr(0x72)->kern_ns > 49999.9 && vr(0x72)->kern_ns < 50000.1);
	assert_true(V.patch_ns > 49999.9 && V.patch_ns < 50000.1);
	assert_int_equal(V.exits_diff, 0);
	assert_int_equal(V.patch_diff, 0);
}

static void test_compare_diff(void **state)
{
	struct stat_row rows[] = {
		row(7, 0, 0x72, EXITS_ISA_SVM, 99, 99, 1),
		row(7, 0, 0x7b, EXITS_ISA_SVM, 3, 3, 1),	/* the kernel saw no io */
		row(7, 0, 0x500, EXITS_ISA_SVM, 2, 2, 1),	/* no slot: "other" */
	};

	kvm_patched(&K1, SVM_FILE(100, 1000, 102, 1000), 104, 1);
	K2 = K1;
	memset(&V, 0, sizeof(V));
	V.pid = 7;
	check_compare(&V, rows, 3, &K1, &K2, NULL, 1000);
	assert_true(V.flagged);
	assert_true(V.fails);
	assert_int_equal(vr(0x72)->diff, -1);
	assert_true(vr(0x72)->flagged);
	assert_int_equal(vr(0x7b)->diff, 3);
	assert_int_equal(vr(0x7b)->kern_count, 0);
	assert_true(V.r[V.n - 1].other);
	assert_int_equal(V.r[V.n - 1].bpf_count, 2);
	assert_int_equal(V.r[V.n - 1].diff, 2);	/* kernel's other is 0 */
	assert_int_equal(V.bpf_total, 104);
	assert_int_equal(V.exits_diff, 0);
	assert_int_equal(V.patch_diff, 2);
	/* partial: flagged, never failed */
	V.partial = true;
	check_compare(&V, rows, 3, &K1, &K2, NULL, 1000);
	assert_true(V.flagged);
	assert_false(V.fails);
}

static void test_compare_moving_and_partial(void **state)
{
	struct stat_row rows[] = { row(7, 0, 0x72, EXITS_ISA_SVM, 105, 105, 1) };

	/* between the reads the count went 100 -> 110: 105 is inside */
	kvm_patched(&K1, SVM_FILE(100, 1000, 100, 1000), 100, 1);
	kvm_patched(&K2, SVM_FILE(110, 1100, 110, 1100), 110, 1);
	memset(&V, 0, sizeof(V));
	V.pid = 7;
	check_compare(&V, rows, 1, &K1, &K2, NULL, 1000);
	assert_false(V.stable);
	assert_false(V.flagged);
	rows[0].total.count = 99;	/* `exits` may lead by a vCPU in flight (SVM 6.1) */
	check_compare(&V, rows, 1, &K1, &K2, NULL, 1000);
	assert_int_equal(V.exits_diff, 0);
	assert_true(V.patch_flagged);	/* the patch's counter never leads */
	rows[0].total.count = 112;	/* beyond the second read + 1 vCPU in flight */
	check_compare(&V, rows, 1, &K1, &K2, NULL, 1000);
	assert_true(V.flagged);
	assert_int_equal(vr(0x72)->diff, 1);
	/* partial: deltas against the figures at attach */
	kvm_patched(&KB, SVM_FILE(90, 900, 90, 900), 90, 1);
	rows[0].total.count = 10;
	K2 = K1;
	V.partial = true;
	check_compare(&V, rows, 1, &K1, &K2, &KB, 1000);
	assert_false(V.flagged);
	assert_int_equal(vr(0x72)->kern_count, 10);
	assert_int_equal(V.exits, 10);
}

static void test_compare_vmx_and_stock(void **state)
{
	struct stat_row rows[] = {
		row(7, 0, 10, EXITS_ISA_VMX, 5, 5, 1),
		row(7, 0, 0x80000021u, EXITS_ISA_VMX, 1, 0, 0),	/* failed entry: basic 33 */
	};

	kvm_patched(&K1, "isa vmx\nreason name count cycles\n10 CPUID 5 50\n33 INVALID_STATE 1 0\n"
		     "other - 0 0\ntotal - 6 50\n", 6, 1);
	K2 = K1;
	memset(&V, 0, sizeof(V));
	V.pid = 7;
	check_compare(&V, rows, 2, &K1, &K2, NULL, 0);
	assert_false(V.flagged);
	assert_int_equal(vr(33)->bpf_count, 1);
	assert_true(vr(10)->kern_ns < 0);	/* no TSC frequency */
	/* stock: only the exits statistic */
	memset(&K1, 0, sizeof(K1));
	K1.have_exits = true;
	K1.exits = 7;
	K1.nvcpus = 1;
	K2 = K1;
	check_compare(&V, rows, 2, &K1, &K2, NULL, 0);
	assert_false(V.patched);
	assert_false(vr(10)->have_kernel);
	assert_int_equal(V.exits_diff, -1);
	assert_true(V.flagged);
	assert_true(V.fails);
	/* no kernel figures: never failed */
	check_compare(&V, rows, 2, NULL, NULL, NULL, 0);
	assert_true(V.no_kernel);
	assert_false(V.fails);
}

static void test_tsc_log(void **state)
{
	static const char log[] =
		"<6>[    0.000000] tsc: Fast TSC calibration using PIT\n"
		"<6>[    0.000000] tsc: Detected 2893.100 MHz processor\n"
		"<6>[    1.200000] tsc: Refined TSC clocksource calibration: 2893.202 MHz\n";
	bool refined;
	double mhz;

	mhz = check_parse_tsc_log(log, sizeof(log) - 1, &refined);
	assert_true(refined);
	assert_true(mhz > 2893.201 && mhz < 2893.203);
	mhz = check_parse_tsc_log(log, 110, &refined);	/* only the first two lines */
	assert_false(refined);
	assert_true(mhz > 2893.09 && mhz < 2893.11);
	assert_true(check_parse_tsc_log("tsc: Detected x MHz processor\n", 30, &refined) == 0);
}

static void test_outputs(void **state)
{
	struct stat_row rows[] = { row(7, 0, 0x72, EXITS_ISA_SVM, 100, 100, 50000) };
	struct check_report rp = {
		.host = "h", .kernel = "k", .seq = 1, .tsc_khz = 2000000,
		.tsc_source = "KVM_GET_TSC_KHZ", .vms = &V, .nvms = 1,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	kvm_patched(&K1, SVM_FILE(100, 100000, 100, 100000), 100, 1);
	K2 = K1;
	memset(&V, 0, sizeof(V));
	V.pid = 7;
	strcpy(V.name, "vm\"1");
	check_compare(&V, rows, 1, &K1, &K2, NULL, 2000000);
	f = open_memstream(&buf, &len);
	assert_int_equal(check_output_json(f, &rp), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"result\":\"ok\""));
	assert_non_null(strstr(buf, "\"name\":\"vm\\\"1\""));
	assert_non_null(strstr(buf, "\"kernel_count\":100,"));
	assert_non_null(strstr(buf, "\"time_diff_pct\":0.000"));
	assert_int_equal(buf[len - 1], '\n');
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(check_output_text(f, &rp), 0);
	fclose(f);
	assert_non_null(strstr(buf, "tsc 2000000 kHz from KVM_GET_TSC_KHZ"));
	assert_non_null(strstr(buf, "summary 7: bpf total 100, kvm exits stat 100 (diff +0)"));
	assert_non_null(strstr(buf, ": ok\n"));
	free(buf);
	strcpy(V.name, "a\033[2Jb");	/* no terminal escapes in text */
	f = open_memstream(&buf, &len);
	assert_int_equal(check_output_text(f, &rp), 0);
	fclose(f);
	assert_non_null(strstr(buf, "VM 7 a?[2Jb "));
	free(buf);
}

/* ---- files: a fake debugfs tree ---- */

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_read_vm(void **state)
{
	char root[] = "/tmp/test_check.XXXXXX", p[512], err[256];
	static struct kvmdfs_vm vm;
	uint32_t pids[4];
	char *big;
	size_t len;

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/42-11", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/42-11/exits", root);
	put(p, "103\n");
	snprintf(p, sizeof(p), "%s/42-11/vcpu0", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/42-11/vcpu1", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/7-3", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/junk", root);
	assert_int_equal(mkdir(p, 0755), 0);

	assert_int_equal(kvmdfs_list_pids(root, pids, 4), 2);
	assert_int_equal(pids[0], 7);
	assert_int_equal(pids[1], 42);
	/* stock: no exit_stats */
	assert_int_equal(kvmdfs_read_vm(root, 42, &vm, err, sizeof(err)), 0);
	assert_true(vm.have_exits);
	assert_int_equal(vm.exits, 103);
	assert_false(vm.have_patch);
	assert_int_equal(vm.nvcpus, 2);
	/* patched */
	snprintf(p, sizeof(p), "%s/42-11/vcpu0/exit_stats", root);
	put(p, SVM_FILE(60, 600, 60, 600));
	snprintf(p, sizeof(p), "%s/42-11/vcpu1/exit_stats", root);
	put(p, SVM_FILE(43, 430, 43, 430));
	assert_int_equal(kvmdfs_read_vm(root, 42, &vm, err, sizeof(err)), 0);
	assert_true(vm.have_patch);
	assert_int_equal(kvmdfs_find(&vm.st, 114)->count, 103);
	assert_int_equal(vm.st.total_cycles, 1030);
	/* malformed: an error that names the file */
	put(p, "isa svm\nreason name count cycles\n");
	assert_int_equal(kvmdfs_read_vm(root, 42, &vm, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "vcpu1/exit_stats"));
	/* too big for the buffer */
	big = malloc(KVMDFS_FILE_MAX + 10);
	memset(big, '1', KVMDFS_FILE_MAX + 9);
	big[KVMDFS_FILE_MAX + 9] = '\0';
	put(p, big);
	assert_int_equal(kvmdfs_read_file(p, big, KVMDFS_FILE_MAX, &len), -EFBIG);
	assert_int_equal(kvmdfs_read_vm(root, 42, &vm, err, sizeof(err)), -EFBIG);
	free(big);
	/* the exits statistic must be one number */
	snprintf(p, sizeof(p), "%s/7-3/exits", root);
	put(p, "1 2\n");
	assert_int_equal(kvmdfs_read_vm(root, 7, &vm, err, sizeof(err)), -EINVAL);
	assert_int_equal(kvmdfs_read_vm(root, 9, &vm, err, sizeof(err)), -ENOENT);
	assert_int_equal(kvmdfs_list_pids("/nonexistent/kvm", pids, 4), -ENOENT);

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
}

static int parse_args(struct args *a, const char *const *av, int ac)
{
	char *argv[16];
	FILE *out = fopen("/dev/null", "w"), *err = fopen("/dev/null", "w");
	int i, r;

	for (i = 0; i < ac; i++)
		argv[i] = (char *)av[i];
	argv[ac] = NULL;
	r = args_parse(a, ac, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void test_args(void **state)
{
	static const char *const ok1[] = { "exittop", "--check", "-d", "2", "-n", "1", "--json", "-p", "12" };
	static const char *const bad1[] = { "exittop", "--check", "--csv" };
	static const char *const bad2[] = { "exittop", "--check", "--listen", "9100" };
	static const char *const bad3[] = { "exittop", "--check", "--view", "vm" };
	static const char *const bad4[] = { "exittop", "--check", "--reason", "cpuid" };
	static const char *const bad5[] = { "exittop", "--check", "--no-histograms" };
	struct args a;

	assert_int_equal(parse_args(&a, ok1, 9), ARGS_OK);
	assert_true(a.check);
	assert_int_equal(a.iterations, 1);
	assert_int_equal(a.format, OUT_JSON);
	assert_int_equal(parse_args(&a, bad1, 3), ARGS_EXIT_USAGE);
	assert_int_equal(parse_args(&a, bad2, 4), ARGS_EXIT_USAGE);
	assert_int_equal(parse_args(&a, bad3, 4), ARGS_EXIT_USAGE);
	assert_int_equal(parse_args(&a, bad4, 4), ARGS_EXIT_USAGE);
	assert_int_equal(parse_args(&a, bad5, 3), ARGS_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_small_parsers),
		cmocka_unit_test(test_add_sub),
		cmocka_unit_test(test_compare_exact),
		cmocka_unit_test(test_compare_diff),
		cmocka_unit_test(test_compare_moving_and_partial),
		cmocka_unit_test(test_compare_vmx_and_stock),
		cmocka_unit_test(test_tsc_log),
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_read_vm),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

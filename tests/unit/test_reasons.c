// SPDX-License-Identifier: GPL-2.0
/* Unit tests of lib/reasons.c (cmocka). */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "exits.h"
#include "reasons.h"

#define VMX EXITS_ISA_VMX
#define SVM EXITS_ISA_SVM
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct known {
	uint32_t code;
	const char *name;
};

/* The test's own expectations, typed from the manuals, not from reasons.c. */
static const struct known vmx_known[] = {
	{ 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 2, "TRIPLE_FAULT" },
	{ 7, "INTERRUPT_WINDOW" }, { 8, "NMI_WINDOW" }, { 9, "TASK_SWITCH" },
	{ 10, "CPUID" }, { 12, "HLT" }, { 18, "VMCALL" }, { 28, "CR_ACCESS" },
	{ 29, "DR_ACCESS" }, { 30, "IO_INSTRUCTION" }, { 31, "RDMSR" },
	{ 32, "WRMSR" }, { 33, "INVALID_GUEST_STATE" }, { 34, "MSR_LOAD_FAIL" },
	{ 40, "PAUSE" }, { 41, "MCE_DURING_VMENTRY" }, { 44, "APIC_ACCESS" },
	{ 48, "EPT_VIOLATION" }, { 49, "EPT_MISCONFIG" }, { 52, "PREEMPTION_TIMER" },
	{ 54, "WBINVD" }, { 55, "XSETBV" }, { 56, "APIC_WRITE" }, { 62, "PML_FULL" },
	{ 65, "PCONFIG" }, { 69, "LOADIWKEY" }, { 70, "ENCLV" }, { 74, "BUS_LOCK" },
	{ 75, "INSTRUCTION_TIMEOUT" }, { 76, "SEAMCALL" }, { 77, "TDCALL" },
	{ 85, "WRMSRNS_IMM" },
};

static const struct known svm_known[] = {
	{ 0x00, "CR0_READ" }, { 0x13, "CR3_WRITE" }, { 0x27, "DR7_READ" },
	{ 0x4e, "EXCP_PF" }, { 0x60, "INTR" }, { 0x61, "NMI" }, { 0x64, "VINTR" },
	{ 0x6e, "RDTSC" }, { 0x72, "CPUID" }, { 0x77, "PAUSE" }, { 0x78, "HLT" },
	{ 0x7b, "IOIO" }, { 0x7c, "MSR" }, { 0x7d, "TASK_SWITCH" },
	{ 0x7e, "FERR_FREEZE" }, { 0x7f, "SHUTDOWN" }, { 0x80, "VMRUN" },
	{ 0x81, "VMMCALL" }, { 0x8f, "EFER_WRITE_TRAP" }, { 0x99, "CR9_WRITE_TRAP" },
	{ 0xa6, "IDLE_HLT" }, { 0x400, "NPF" }, { 0x401, "AVIC_INCOMPLETE_IPI" },
	{ 0x402, "AVIC_NOACCEL" }, { 0x403, "VMGEXIT" }, { 0x407, "PML_FULL" },
	{ 0xffffffffu, "INVALID" }, { 0xfffffffeu, "BUSY" },
	{ 0xfffffffdu, "IDLE_REQUIRED" },
};

static const uint32_t vmx_undefined[] = { 35, 38, 42, 71, 82, 83, 86, 100, 0xffff };
static const uint32_t svm_undefined[] = {
	0xa7, 0xff, 0x100, 0x3ff, 0x404, 0x405, 0x406, 0x408, 0x1000,
	0x7fffffff, 0x80000001, 0xf0000000, 0xfffffffb,
};

static size_t count(uint8_t isa)
{
	size_t i = 0;
	uint32_t c;

	while (reason_at(isa, i, &c))
		i++;
	return i;
}

static void test_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(vmx_known); i++) {
		const char *n = reason_name(VMX, vmx_known[i].code);

		assert_non_null(n);
		assert_string_equal(n, vmx_known[i].name);
		assert_true(reason_defined(VMX, vmx_known[i].code));
		assert_non_null(reason_desc(VMX, vmx_known[i].code));
	}
	for (size_t i = 0; i < N(svm_known); i++) {
		const char *n = reason_name(SVM, svm_known[i].code);

		assert_non_null(n);
		assert_string_equal(n, svm_known[i].name);
		assert_true(reason_defined(SVM, svm_known[i].code));
		assert_non_null(reason_desc(SVM, svm_known[i].code));
	}
}

static void test_undefined(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(vmx_undefined); i++) {
		assert_null(reason_name(VMX, vmx_undefined[i]));
		assert_null(reason_desc(VMX, vmx_undefined[i]));
		assert_false(reason_defined(VMX, vmx_undefined[i]));
	}
	for (size_t i = 0; i < N(svm_undefined); i++) {
		assert_null(reason_name(SVM, svm_undefined[i]));
		assert_null(reason_desc(SVM, svm_undefined[i]));
		assert_false(reason_defined(SVM, svm_undefined[i]));
	}
}

/* Every code in 0..0x1000 plus the SVM negatives: named iff iterated. */
static void test_dense_consistency(void **state)
{
	(void)state;
	for (uint8_t isa = VMX; isa <= SVM; isa++) {
		size_t n = count(isa), seen = 0;

		for (uint32_t c = 0; c <= 0x1000; c++) {
			bool d = reason_defined(isa, c);

			assert_int_equal(d, reason_name(isa, c) != NULL);
			assert_int_equal(d, reason_desc(isa, c) != NULL);
			if (d && (isa == SVM || c <= 0xffff))
				seen++;
		}
		if (isa == SVM)
			for (uint32_t c = 0xfffffff0u; c != 0; c++)
				seen += reason_defined(isa, c);
		assert_int_equal(seen, n);
	}
	/* VMX: 0..85 minus 35, 38, 42, 71, 82, 83. */
	assert_int_equal(count(VMX), 80);
	/* SVM: 0x00-0xa6 (167), 0x400-0x403, 0x407, -1..-4. */
	assert_int_equal(count(SVM), 167 + 4 + 1 + 4);
	for (uint32_t c = 0; c <= 0xa6; c++)
		assert_true(reason_defined(SVM, c));
	for (uint32_t c = 0; c <= 85; c++)
		assert_int_equal(reason_defined(VMX, c),
				 !(c == 35 || c == 38 || c == 42 || c == 71 || c == 82 || c == 83));
}

static void test_iteration_sorted(void **state)
{
	(void)state;
	for (uint8_t isa = VMX; isa <= SVM; isa++) {
		uint32_t prev = 0, c;

		for (size_t i = 0; reason_at(isa, i, &c); i++) {
			if (i > 0)
				assert_true(c > prev);
			assert_true(reason_defined(isa, c));
			prev = c;
		}
	}
	assert_false(reason_at(VMX, count(VMX), NULL));
	assert_false(reason_at(VMX, (size_t)-1, NULL));
}

static void test_no_duplicate_names(void **state)
{
	(void)state;
	for (uint8_t isa = VMX; isa <= SVM; isa++) {
		size_t n = count(isa);

		for (size_t i = 0; i < n; i++) {
			uint32_t a, b;

			assert_true(reason_at(isa, i, &a));
			for (size_t j = i + 1; j < n; j++) {
				assert_true(reason_at(isa, j, &b));
				if (strcasecmp(reason_name(isa, a), reason_name(isa, b)) == 0)
					fail_msg("isa %u: %s used by 0x%x and 0x%x", isa,
						 reason_name(isa, a), a, b);
			}
			/* Names are plain identifiers: no spaces, no '|'. */
			assert_null(strpbrk(reason_name(isa, a), " |\t"));
		}
	}
}

static void test_parse_roundtrip(void **state)
{
	(void)state;
	for (uint8_t isa = VMX; isa <= SVM; isa++) {
		uint32_t c, p;
		char buf[64], lower[64];

		for (size_t i = 0; reason_at(isa, i, &c); i++) {
			const char *n = reason_name(isa, c);

			assert_int_equal(reason_parse(isa, n, &p), 0);
			assert_int_equal(p, c);
			assert_string_equal(reason_name(isa, p), n);
			/* case-insensitive */
			size_t k;
			for (k = 0; n[k] && k < sizeof(lower) - 1; k++)
				lower[k] = (char)tolower((unsigned char)n[k]);
			lower[k] = 0;
			assert_int_equal(reason_parse(isa, lower, &p), 0);
			assert_int_equal(p, c);
			/* with a prefix */
			snprintf(buf, sizeof(buf), "%s%s",
				 isa == VMX ? "EXIT_REASON_" : "SVM_EXIT_", n);
			assert_int_equal(reason_parse(isa, buf, &p), 0);
			assert_int_equal(p, c);
			/* format -> parse */
			reason_format(isa, c, buf, sizeof(buf));
			assert_int_equal(reason_parse(isa, buf, &p), 0);
			assert_int_equal(p, c);
		}
	}
}

static void test_parse_aliases(void **state)
{
	uint32_t c;

	(void)state;
	assert_int_equal(reason_parse(VMX, "EXIT_REASON_MSR_READ", &c), 0);
	assert_int_equal(c, 31);
	assert_int_equal(reason_parse(VMX, "msr_write", &c), 0);
	assert_int_equal(c, 32);
	assert_int_equal(reason_parse(VMX, "EXIT_REASON_NOTIFY", &c), 0);
	assert_int_equal(c, 75);
	assert_int_equal(reason_parse(VMX, "io_instruction", &c), 0);
	assert_int_equal(c, 30);
	assert_int_equal(reason_parse(SVM, "SVM_EXIT_READ_CR0", &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(reason_parse(SVM, "VMEXIT_IOIO", &c), 0);
	assert_int_equal(c, 0x7b);
	assert_int_equal(reason_parse(SVM, "SVM_EXIT_AVIC_UNACCELERATED_ACCESS", &c), 0);
	assert_int_equal(c, 0x402);
	assert_int_equal(reason_parse(SVM, "svm_exit_err", &c), 0);
	assert_int_equal(c, 0xffffffffu);
	assert_int_equal(reason_parse(SVM, "EXCP14", &c), 0);
	assert_int_equal(c, 0x4e);
	assert_int_equal(reason_parse(SVM, "npf", &c), 0);
	assert_int_equal(c, 0x400);
	/* Names of the other ISA are not accepted. */
	assert_int_equal(reason_parse(SVM, "EPT_VIOLATION", &c), -EINVAL);
	assert_int_equal(reason_parse(VMX, "IOIO", &c), -EINVAL);
	assert_int_equal(reason_parse(VMX, "NPF", &c), -EINVAL);
}

static void test_parse_numbers(void **state)
{
	uint32_t c = 12345;

	(void)state;
	assert_int_equal(reason_parse(VMX, "10", &c), 0);
	assert_int_equal(c, 10);
	assert_int_equal(reason_parse(VMX, "010", &c), 0);	/* decimal, not octal */
	assert_int_equal(c, 10);
	assert_int_equal(reason_parse(SVM, "0x7b", &c), 0);
	assert_int_equal(c, 0x7b);
	assert_int_equal(reason_parse(SVM, "0X7B", &c), 0);
	assert_int_equal(c, 0x7b);
	assert_int_equal(reason_parse(SVM, "0xffffffff", &c), 0);
	assert_int_equal(c, 0xffffffffu);
	assert_int_equal(reason_parse(SVM, "4294967295", &c), 0);
	assert_int_equal(c, 0xffffffffu);
	assert_int_equal(reason_parse(SVM, "-1", &c), 0);
	assert_int_equal(c, 0xffffffffu);
	assert_int_equal(reason_parse(SVM, "-4", &c), 0);
	assert_int_equal(c, 0xfffffffcu);
	/* undefined codes parse as numbers */
	assert_int_equal(reason_parse(VMX, "35", &c), 0);
	assert_int_equal(c, 35);
	assert_int_equal(reason_parse(VMX, "0x80000021", &c), 0);
	assert_int_equal(c, 0x80000021u);
	assert_int_equal(reason_parse(VMX, "INVALID_GUEST_STATE|FAILED_ENTRY", &c), 0);
	assert_int_equal(c, 0x80000021u);
	assert_int_equal(reason_parse(VMX, "33|failed_entry", &c), 0);
	assert_int_equal(c, 0x80000021u);

	c = 777;
	static const char *const bad[] = {
		"", " ", "x", "0x", "-", "--1", "-0x1", "1x", "12a", "0x1g", " 10",
		"10 ", "4294967296", "0x100000000", "99999999999999999999",
		"-2147483649", "CPUIDX", "EXIT_REASON_", "EXIT_REASON", "|FAILED_ENTRY",
		"CPUID|", "CPUID|FAILED", "1.5", "+1",
	};
	for (size_t i = 0; i < N(bad); i++) {
		assert_int_equal(reason_parse(VMX, bad[i], &c), -EINVAL);
		assert_int_equal(reason_parse(SVM, bad[i], &c), -EINVAL);
	}
	assert_int_equal(c, 777);	/* untouched on failure */
	/* FAILED_ENTRY is VMX only */
	assert_int_equal(reason_parse(SVM, "CPUID|FAILED_ENTRY", &c), -EINVAL);
	assert_int_equal(reason_parse(VMX, NULL, &c), -EINVAL);
	assert_int_equal(reason_parse(VMX, "CPUID", NULL), -EINVAL);
	assert_int_equal(reason_parse(0, "10", &c), -EINVAL);
	assert_int_equal(reason_parse(3, "CPUID", &c), -EINVAL);
	assert_int_equal(c, 777);
}

static void test_format(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(reason_format(VMX, 10, buf, sizeof(buf)), "CPUID");
	assert_string_equal(reason_format(VMX, 35, buf, sizeof(buf)), "0x23");
	assert_string_equal(reason_format(VMX, 0x80000021u, buf, sizeof(buf)),
			    "INVALID_GUEST_STATE|FAILED_ENTRY");
	assert_string_equal(reason_format(VMX, 0x80000023u, buf, sizeof(buf)), "0x80000023");
	/* modifier bits other than 31 do not change the name */
	assert_string_equal(reason_format(VMX, 0x0800000au, buf, sizeof(buf)), "CPUID");
	assert_string_equal(reason_format(SVM, 0x7b, buf, sizeof(buf)), "IOIO");
	assert_string_equal(reason_format(SVM, 0x99, buf, sizeof(buf)), "CR9_WRITE_TRAP");
	assert_string_equal(reason_format(SVM, 0x1234, buf, sizeof(buf)), "0x1234");
	assert_string_equal(reason_format(SVM, 0xffffffffu, buf, sizeof(buf)), "INVALID");
	assert_string_equal(reason_format(SVM, 0x8000000au, buf, sizeof(buf)), "0x8000000a");
	assert_string_equal(reason_format(0, 10, buf, sizeof(buf)), "0xa");
	assert_string_equal(reason_format(3, 0x72, buf, sizeof(buf)), "0x72");
	/* truncation always terminates */
	assert_string_equal(reason_format(VMX, 48, buf, 4), "EPT");
	assert_string_equal(reason_format(SVM, 0x1234, buf, 3), "0x");
	buf[0] = 'Z';
	assert_ptr_equal(reason_format(VMX, 48, buf, 0), buf);
	assert_int_equal(buf[0], 'Z');
	assert_null(reason_format(VMX, 48, NULL, 10));
}

static void test_bounds(void **state)
{
	uint32_t c = 5;

	(void)state;
	for (uint8_t isa = 0; isa < 255; isa++) {
		if (isa == VMX || isa == SVM)
			continue;
		assert_null(reason_name(isa, 10));
		assert_null(reason_desc(isa, 0x72));
		assert_false(reason_defined(isa, 0));
		assert_false(reason_at(isa, 0, &c));
	}
	assert_int_equal(c, 5);
	/* VMX: basic reason from the low 16 bits */
	assert_string_equal(reason_name(VMX, 0x8000000a), "CPUID");
	assert_string_equal(reason_name(VMX, 0xffff000c), "HLT");
	assert_string_equal(reason_name(VMX, 0x00010000), "EXCEPTION_NMI");
	assert_true(reason_defined(VMX, 0x80000000u));
	assert_null(reason_name(VMX, 0xffffffffu));	/* basic 0xffff */
	assert_null(reason_name(VMX, 0x7fff0023u));
	assert_null(reason_name(SVM, 0x10072));	/* SVM: no masking */
	assert_null(reason_name(SVM, 0x80000072u));
	assert_null(reason_name(SVM, UINT32_MAX - 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_dense_consistency),
		cmocka_unit_test(test_iteration_sorted),
		cmocka_unit_test(test_no_duplicate_names),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_aliases),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests_name("reasons", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * reasons.c: VM-exit reason tables (data, looked up by binary search).
 *
 * VMX: Intel 64 and IA-32 Architectures Software Developer's Manual,
 *      Order No. 325462, vol. 3C appendix C "VMX Basic Exit Reasons",
 *      Table C-1, as of the 2024-2025 revisions (084US and later). Codes 0..81
 *      follow Table C-1; 84/85 (the immediate forms of RDMSR and WRMSRNS)
 *      were published first in the ISA Extensions reference (319433) and are
 *      the newest codes known to us. Not defined: 35, 38, 42, 71, 82, 83, > 85.
 * SVM: AMD64 Architecture Programmer's Manual vol. 2 (pub. 24593), rev. 3.43
 *      (June 2025) / 3.44 (March 2026), appendix C "SVM Intercept Exit Codes",
 *      Table C-1, plus VMEXIT_PML_FULL (407h) from section 15.25.15. The
 *      negative exit codes (-1 .. -4) are 64-bit in the VMCB; KVM's kvm_exit
 *      tracepoint carries 32 bits, so they appear here as 0xFFFFFFFF ..
 *      0xFFFFFFFC.
 * The tables themselves are data: lib/reasons-vmx.tsv, lib/reasons-svm.tsv.
 * Every number was cross-checked against Linux arch/x86/include/uapi/asm/
 * vmx.h and svm.h (which name a subset) and other public hypervisor sources.
 * Descriptions are our own short paraphrases, not quotations.
 *
 * Short names: the manual's name in upper snake case without prefix
 * (VMEXIT_ for AMD). Where Linux's EXIT_REASON_x / SVM_EXIT_x name differs,
 * it is kept as an alias that reason_parse() accepts as well.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exits.h"
#include "reasons.h"

struct reason_entry {
	uint32_t code;
	const char *name;	/* short name, unique within the ISA */
	const char *alias;	/* Linux name if different, else NULL */
	const char *desc;
};

#define VMX_BASIC_MASK		0xffffu
#define VMX_FAILED_ENTRY	0x80000000u
#define FAILED_ENTRY_SUFFIX	"|FAILED_ENTRY"

/*
 * vmx_table[] and svm_table[], ascending by code: generated at build time
 * from lib/reasons-vmx.tsv and lib/reasons-svm.tsv (lib/gen-reasons.awk).
 */
#include "reasons_tables.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct reason_entry *table_of(uint8_t isa, size_t *n)
{
	switch (isa) {
	case EXITS_ISA_VMX:
		*n = ARRAY_LEN(vmx_table);
		return vmx_table;
	case EXITS_ISA_SVM:
		*n = ARRAY_LEN(svm_table);
		return svm_table;
	default:
		*n = 0;
		return NULL;
	}
}

static uint32_t basic_code(uint8_t isa, uint32_t code)
{
	return isa == EXITS_ISA_VMX ? (code & VMX_BASIC_MASK) : code;
}

static const struct reason_entry *lookup(uint8_t isa, uint32_t code)
{
	size_t n, lo = 0, hi;
	const struct reason_entry *t = table_of(isa, &n);

	if (!t)
		return NULL;
	code = basic_code(isa, code);
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].code == code)
			return &t[mid];
		if (t[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *reason_name(uint8_t isa, uint32_t code)
{
	const struct reason_entry *e = lookup(isa, code);

	return e ? e->name : NULL;
}

const char *reason_desc(uint8_t isa, uint32_t code)
{
	const struct reason_entry *e = lookup(isa, code);

	return e ? e->desc : NULL;
}

bool reason_defined(uint8_t isa, uint32_t code)
{
	return lookup(isa, code) != NULL;
}

bool reason_at(uint8_t isa, size_t i, uint32_t *code)
{
	size_t n;
	const struct reason_entry *t = table_of(isa, &n);

	if (!t || i >= n)
		return false;
	if (code)
		*code = t[i].code;
	return true;
}

const char *reason_format(uint8_t isa, uint32_t code, char *buf, size_t len)
{
	const char *name = reason_name(isa, code);

	if (!buf || len == 0)
		return buf;
	if (!name)
		snprintf(buf, len, "0x%x", code);
	else if (isa == EXITS_ISA_VMX && (code & VMX_FAILED_ENTRY))
		snprintf(buf, len, "%s" FAILED_ENTRY_SUFFIX, name);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

/* Decimal ("10", "-1") or hex ("0x7b"); the whole of s[0..n) must be used. */
static int parse_number(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	bool neg = false, hex = false;
	size_t i = 0, digits = 0;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		if (neg)
			return -EINVAL;
		hex = true;
		i += 2;
	}
	for (; i < n; i++, digits++) {
		unsigned char c = (unsigned char)s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && isxdigit(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			return -EINVAL;
		v = v * (hex ? 16 : 10) + d;
		if (v > (neg ? 0x80000000ull : 0xffffffffull))
			return -EINVAL;
	}
	if (digits == 0)
		return -EINVAL;
	*out = neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v;
	return 0;
}

static bool name_eq(const char *a, const char *s, size_t n)
{
	return a && strlen(a) == n && strncasecmp(a, s, n) == 0;
}

static int parse_name(uint8_t isa, const char *s, size_t n, uint32_t *out)
{
	static const char *const prefixes[] = {
		"", "VMX_EXIT_REASON_", "EXIT_REASON_", "VMX_EXIT_",
		"SVM_EXIT_", "VMEXIT_", "EXIT_",
	};
	size_t tn;
	const struct reason_entry *t = table_of(isa, &tn);

	for (size_t p = 0; p < ARRAY_LEN(prefixes); p++) {
		size_t pl = strlen(prefixes[p]);
		const char *rest = s + pl;

		if (pl >= n || strncasecmp(s, prefixes[p], pl) != 0)
			continue;
		for (size_t i = 0; i < tn; i++) {
			if (name_eq(t[i].name, rest, n - pl) ||
			    name_eq(t[i].alias, rest, n - pl)) {
				*out = t[i].code;
				return 0;
			}
		}
	}
	return -EINVAL;
}

int reason_parse(uint8_t isa, const char *s, uint32_t *code)
{
	size_t n, tn;
	uint32_t v;
	bool failed = false;

	if (!s || !code || !table_of(isa, &tn))
		return -EINVAL;
	n = strlen(s);
	if (isa == EXITS_ISA_VMX) {
		size_t sl = strlen(FAILED_ENTRY_SUFFIX);

		if (n > sl && strcasecmp(s + n - sl, FAILED_ENTRY_SUFFIX) == 0) {
			failed = true;
			n -= sl;
		}
	}
	if (n == 0)
		return -EINVAL;
	if (parse_number(s, n, &v) != 0 && parse_name(isa, s, n, &v) != 0)
		return -EINVAL;
	if (failed)
		v |= VMX_FAILED_ENTRY;
	*code = v;
	return 0;
}

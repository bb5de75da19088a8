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

/* Intel SDM vol. 3C Table C-1, ascending. */
static const struct reason_entry vmx_table[] = {
	{  0, "EXCEPTION_NMI",       NULL, "Exception (selected by the exception bitmap) or NMI" },
	{  1, "EXTERNAL_INTERRUPT",  NULL, "External interrupt" },
	{  2, "TRIPLE_FAULT",        NULL, "Triple fault" },
	{  3, "INIT_SIGNAL",         NULL, "INIT signal" },
	{  4, "SIPI",                "SIPI_SIGNAL", "Start-up IPI (SIPI) in wait-for-SIPI state" },
	{  5, "IO_SMI",              NULL, "I/O system-management interrupt (SMI)" },
	{  6, "OTHER_SMI",           NULL, "Other SMI" },
	{  7, "INTERRUPT_WINDOW",    "PENDING_INTERRUPT", "Interrupt window" },
	{  8, "NMI_WINDOW",          NULL, "NMI window" },
	{  9, "TASK_SWITCH",         NULL, "Task switch" },
	{ 10, "CPUID",               NULL, "CPUID instruction" },
	{ 11, "GETSEC",              NULL, "GETSEC instruction" },
	{ 12, "HLT",                 NULL, "HLT instruction" },
	{ 13, "INVD",                NULL, "INVD instruction" },
	{ 14, "INVLPG",              NULL, "INVLPG instruction" },
	{ 15, "RDPMC",               NULL, "RDPMC instruction" },
	{ 16, "RDTSC",               NULL, "RDTSC instruction" },
	{ 17, "RSM",                 NULL, "RSM instruction in SMM" },
	{ 18, "VMCALL",              NULL, "VMCALL instruction" },
	{ 19, "VMCLEAR",             NULL, "VMCLEAR instruction" },
	{ 20, "VMLAUNCH",            NULL, "VMLAUNCH instruction" },
	{ 21, "VMPTRLD",             NULL, "VMPTRLD instruction" },
	{ 22, "VMPTRST",             NULL, "VMPTRST instruction" },
	{ 23, "VMREAD",              NULL, "VMREAD instruction" },
	{ 24, "VMRESUME",            NULL, "VMRESUME instruction" },
	{ 25, "VMWRITE",             NULL, "VMWRITE instruction" },
	{ 26, "VMXOFF",              "VMOFF", "VMXOFF instruction" },
	{ 27, "VMXON",               "VMON", "VMXON instruction" },
	{ 28, "CR_ACCESS",           NULL, "Control-register access (MOV CR, CLTS, LMSW)" },
	{ 29, "DR_ACCESS",           NULL, "MOV to/from a debug register" },
	{ 30, "IO_INSTRUCTION",      NULL, "I/O instruction (IN, OUT, INS, OUTS)" },
	{ 31, "RDMSR",               "MSR_READ", "RDMSR instruction" },
	{ 32, "WRMSR",               "MSR_WRITE", "WRMSR instruction" },
	{ 33, "INVALID_GUEST_STATE", "INVALID_STATE", "VM-entry failure: invalid guest state" },
	{ 34, "MSR_LOAD_FAIL",       NULL, "VM-entry failure: MSR loading" },
	{ 36, "MWAIT",               "MWAIT_INSTRUCTION", "MWAIT instruction" },
	{ 37, "MONITOR_TRAP_FLAG",   NULL, "Monitor trap flag" },
	{ 39, "MONITOR",             "MONITOR_INSTRUCTION", "MONITOR instruction" },
	{ 40, "PAUSE",               "PAUSE_INSTRUCTION", "PAUSE instruction" },
	{ 41, "MCE_DURING_VMENTRY",  NULL, "VM-entry failure: machine-check event" },
	{ 43, "TPR_BELOW_THRESHOLD", NULL, "TPR below threshold" },
	{ 44, "APIC_ACCESS",         NULL, "APIC-access page access" },
	{ 45, "VIRTUALIZED_EOI",     "EOI_INDUCED", "Virtualized EOI" },
	{ 46, "GDTR_IDTR",           NULL, "Access to GDTR or IDTR (LGDT, LIDT, SGDT, SIDT)" },
	{ 47, "LDTR_TR",             NULL, "Access to LDTR or TR (LLDT, LTR, SLDT, STR)" },
	{ 48, "EPT_VIOLATION",       NULL, "EPT violation" },
	{ 49, "EPT_MISCONFIG",       NULL, "EPT misconfiguration" },
	{ 50, "INVEPT",              NULL, "INVEPT instruction" },
	{ 51, "RDTSCP",              NULL, "RDTSCP instruction" },
	{ 52, "PREEMPTION_TIMER",    NULL, "VMX-preemption timer expired" },
	{ 53, "INVVPID",             NULL, "INVVPID instruction" },
	{ 54, "WBINVD",              NULL, "WBINVD or WBNOINVD instruction" },
	{ 55, "XSETBV",              NULL, "XSETBV instruction" },
	{ 56, "APIC_WRITE",          NULL, "APIC write (virtual-APIC page)" },
	{ 57, "RDRAND",              NULL, "RDRAND instruction" },
	{ 58, "INVPCID",             NULL, "INVPCID instruction" },
	{ 59, "VMFUNC",              NULL, "VMFUNC instruction (failed VM function)" },
	{ 60, "ENCLS",               NULL, "ENCLS instruction" },
	{ 61, "RDSEED",              NULL, "RDSEED instruction" },
	{ 62, "PML_FULL",            NULL, "Page-modification log full" },
	{ 63, "XSAVES",              NULL, "XSAVES instruction" },
	{ 64, "XRSTORS",             NULL, "XRSTORS instruction" },
	{ 65, "PCONFIG",             NULL, "PCONFIG instruction" },
	{ 66, "SPP_EVENT",           NULL, "SPP-related event" },
	{ 67, "UMWAIT",              NULL, "UMWAIT instruction" },
	{ 68, "TPAUSE",              NULL, "TPAUSE instruction" },
	{ 69, "LOADIWKEY",           NULL, "LOADIWKEY instruction" },
	{ 70, "ENCLV",               NULL, "ENCLV instruction" },
	{ 72, "ENQCMD_PASID_FAIL",   NULL, "ENQCMD PASID translation failure" },
	{ 73, "ENQCMDS_PASID_FAIL",  NULL, "ENQCMDS PASID translation failure" },
	{ 74, "BUS_LOCK",            NULL, "Bus lock (bus-lock detection)" },
	{ 75, "INSTRUCTION_TIMEOUT", "NOTIFY", "Instruction timeout (notify window)" },
	{ 76, "SEAMCALL",            NULL, "SEAMCALL instruction" },
	{ 77, "TDCALL",              NULL, "TDCALL instruction" },
	{ 78, "RDMSRLIST",           NULL, "RDMSRLIST instruction" },
	{ 79, "WRMSRLIST",           NULL, "WRMSRLIST instruction" },
	{ 80, "URDMSR",              NULL, "URDMSR instruction" },
	{ 81, "UWRMSR",              NULL, "UWRMSR instruction" },
	{ 84, "RDMSR_IMM",           "MSR_READ_IMM", "RDMSR with immediate MSR index" },
	{ 85, "WRMSRNS_IMM",         "MSR_WRITE_IMM", "WRMSRNS with immediate MSR index" },
};

/* Rows for the SVM register ranges, generated from the register number. */
#define CR_READ(n)  { 0x00 + (n), "CR" #n "_READ",  "READ_CR" #n,  "Read of CR" #n }
#define CR_WRITE(n) { 0x10 + (n), "CR" #n "_WRITE", "WRITE_CR" #n, "Write of CR" #n }
#define DR_READ(n)  { 0x20 + (n), "DR" #n "_READ",  "READ_DR" #n,  "Read of DR" #n }
#define DR_WRITE(n) { 0x30 + (n), "DR" #n "_WRITE", "WRITE_DR" #n, "Write of DR" #n }
#define EXCP(n, mn, d) { 0x40 + (n), "EXCP_" mn, "EXCP" #n, "Exception vector " #n ": " d }
#define CR_TRAP(n)  { 0x90 + (n), "CR" #n "_WRITE_TRAP", NULL, "Write of CR" #n " (trap, after the instruction)" }
#define X16(m) m(0), m(1), m(2), m(3), m(4), m(5), m(6), m(7), m(8), m(9), \
	m(10), m(11), m(12), m(13), m(14), m(15)

/* AMD APM vol. 2 Table C-1, ascending (negative codes, as u32, last). */
static const struct reason_entry svm_table[] = {
	X16(CR_READ),
	X16(CR_WRITE),
	X16(DR_READ),
	X16(DR_WRITE),
	EXCP(0,  "DE", "divide error"),
	EXCP(1,  "DB", "debug"),
	EXCP(2,  "NMI", "NMI vector"),
	EXCP(3,  "BP", "breakpoint"),
	EXCP(4,  "OF", "overflow"),
	EXCP(5,  "BR", "bound range"),
	EXCP(6,  "UD", "invalid opcode"),
	EXCP(7,  "NM", "device not available"),
	EXCP(8,  "DF", "double fault"),
	EXCP(9,  "9", "reserved (coprocessor segment overrun)"),
	EXCP(10, "TS", "invalid TSS"),
	EXCP(11, "NP", "segment not present"),
	EXCP(12, "SS", "stack fault"),
	EXCP(13, "GP", "general protection"),
	EXCP(14, "PF", "page fault"),
	EXCP(15, "15", "reserved"),
	EXCP(16, "MF", "x87 floating-point"),
	EXCP(17, "AC", "alignment check"),
	EXCP(18, "MC", "machine check"),
	EXCP(19, "XF", "SIMD floating-point"),
	EXCP(20, "20", "reserved"),
	EXCP(21, "CP", "control protection"),
	EXCP(22, "22", "reserved"),
	EXCP(23, "23", "reserved"),
	EXCP(24, "24", "reserved"),
	EXCP(25, "25", "reserved"),
	EXCP(26, "26", "reserved"),
	EXCP(27, "27", "reserved"),
	EXCP(28, "HV", "hypervisor injection"),
	EXCP(29, "VC", "VMM communication"),
	EXCP(30, "SX", "security"),
	EXCP(31, "31", "reserved"),
	{ 0x60, "INTR",           NULL, "Physical interrupt (INTR)" },
	{ 0x61, "NMI",            NULL, "Physical NMI" },
	{ 0x62, "SMI",            NULL, "Physical SMI" },
	{ 0x63, "INIT",           NULL, "Physical INIT" },
	{ 0x64, "VINTR",          NULL, "Virtual interrupt (virtual INTR ready)" },
	{ 0x65, "CR0_SEL_WRITE",  NULL, "Write of CR0 changing bits other than TS or MP" },
	{ 0x66, "IDTR_READ",      NULL, "Read of IDTR" },
	{ 0x67, "GDTR_READ",      NULL, "Read of GDTR" },
	{ 0x68, "LDTR_READ",      NULL, "Read of LDTR" },
	{ 0x69, "TR_READ",        NULL, "Read of TR" },
	{ 0x6a, "IDTR_WRITE",     NULL, "Write of IDTR" },
	{ 0x6b, "GDTR_WRITE",     NULL, "Write of GDTR" },
	{ 0x6c, "LDTR_WRITE",     NULL, "Write of LDTR" },
	{ 0x6d, "TR_WRITE",       NULL, "Write of TR" },
	{ 0x6e, "RDTSC",          NULL, "RDTSC instruction" },
	{ 0x6f, "RDPMC",          NULL, "RDPMC instruction" },
	{ 0x70, "PUSHF",          NULL, "PUSHF instruction" },
	{ 0x71, "POPF",           NULL, "POPF instruction" },
	{ 0x72, "CPUID",          NULL, "CPUID instruction" },
	{ 0x73, "RSM",            NULL, "RSM instruction" },
	{ 0x74, "IRET",           NULL, "IRET instruction" },
	{ 0x75, "SWINT",          NULL, "Software interrupt (INTn)" },
	{ 0x76, "INVD",           NULL, "INVD instruction" },
	{ 0x77, "PAUSE",          NULL, "PAUSE instruction" },
	{ 0x78, "HLT",            NULL, "HLT instruction" },
	{ 0x79, "INVLPG",         NULL, "INVLPG instruction" },
	{ 0x7a, "INVLPGA",        NULL, "INVLPGA instruction" },
	{ 0x7b, "IOIO",           NULL, "IN/OUT/INS/OUTS access to an intercepted port" },
	{ 0x7c, "MSR",            NULL, "RDMSR or WRMSR access to an intercepted MSR" },
	{ 0x7d, "TASK_SWITCH",    NULL, "Task switch" },
	{ 0x7e, "FERR_FREEZE",    NULL, "FP error freeze (legacy FERR handling)" },
	{ 0x7f, "SHUTDOWN",       NULL, "Shutdown" },
	{ 0x80, "VMRUN",          NULL, "VMRUN instruction" },
	{ 0x81, "VMMCALL",        NULL, "VMMCALL instruction" },
	{ 0x82, "VMLOAD",         NULL, "VMLOAD instruction" },
	{ 0x83, "VMSAVE",         NULL, "VMSAVE instruction" },
	{ 0x84, "STGI",           NULL, "STGI instruction" },
	{ 0x85, "CLGI",           NULL, "CLGI instruction" },
	{ 0x86, "SKINIT",         NULL, "SKINIT instruction" },
	{ 0x87, "RDTSCP",         NULL, "RDTSCP instruction" },
	{ 0x88, "ICEBP",          NULL, "ICEBP instruction" },
	{ 0x89, "WBINVD",         NULL, "WBINVD or WBNOINVD instruction" },
	{ 0x8a, "MONITOR",        NULL, "MONITOR or MONITORX instruction" },
	{ 0x8b, "MWAIT",          NULL, "MWAIT or MWAITX instruction" },
	{ 0x8c, "MWAIT_CONDITIONAL", "MWAIT_COND", "MWAIT/MWAITX with a monitor armed" },
	{ 0x8d, "XSETBV",         NULL, "XSETBV instruction" },
	{ 0x8e, "RDPRU",          NULL, "RDPRU instruction" },
	{ 0x8f, "EFER_WRITE_TRAP", NULL, "Write of EFER (trap, after the instruction)" },
	X16(CR_TRAP),
	{ 0xa0, "INVLPGB",        NULL, "INVLPGB instruction" },
	{ 0xa1, "INVLPGB_ILLEGAL", NULL, "INVLPGB with illegal operands" },
	{ 0xa2, "INVPCID",        NULL, "INVPCID instruction" },
	{ 0xa3, "MCOMMIT",        NULL, "MCOMMIT instruction" },
	{ 0xa4, "TLBSYNC",        NULL, "TLBSYNC instruction" },
	{ 0xa5, "BUSLOCK",        "BUS_LOCK", "Bus lock (threshold counter reached)" },
	{ 0xa6, "IDLE_HLT",       NULL, "HLT with no pending virtual interrupt (idle HLT)" },
	{ 0x400, "NPF",           NULL, "Nested page fault" },
	{ 0x401, "AVIC_INCOMPLETE_IPI", NULL, "AVIC: IPI delivery not completed" },
	{ 0x402, "AVIC_NOACCEL",  "AVIC_UNACCELERATED_ACCESS", "AVIC: access to an unaccelerated vAPIC register" },
	{ 0x403, "VMGEXIT",       NULL, "VMGEXIT instruction (SEV-ES)" },
	{ 0x407, "PML_FULL",      NULL, "Page-modification log full" },
	{ 0xfffffffcu, "INVALID_PMC",   NULL, "Invalid PMC state (-4)" },
	{ 0xfffffffdu, "IDLE_REQUIRED", NULL, "Sibling thread not idle (-3)" },
	{ 0xfffffffeu, "BUSY",    NULL, "BUSY bit set in the VMSA (-2)" },
	{ 0xffffffffu, "INVALID", "ERR", "Invalid guest state in the VMCB (-1)" },
};

#undef CR_READ
#undef CR_WRITE
#undef DR_READ
#undef DR_WRITE
#undef EXCP
#undef CR_TRAP
#undef X16

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

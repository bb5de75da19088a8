// SPDX-License-Identifier: GPL-2.0
/*
 * --drill: the reasons that have a detail level, the names it accepts,
 * and the text of a detail key. The MSR names are the architectural ones
 * (Intel SDM vol. 4, AMD APM vol. 2) and KVM's paravirtual MSRs
 * (Documentation/virt/kvm/x86/msr.rst), short and without IA32_/MSR_.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "drill.h"
#include "exits.h"
#include "reasons.h"

#define K(kind)	(1U << (kind))

/* Every (ISA, reason) with a detail level, and the details it takes. */
static const struct detail_reason drillable[] = {
	{ EXITS_ISA_SVM, 0x7b, K(DETAIL_PIO) },				/* IOIO */
	{ EXITS_ISA_SVM, 0x7c, K(DETAIL_MSR) },				/* MSR */
	{ EXITS_ISA_SVM, 0x400, K(DETAIL_GPA) | K(DETAIL_MMIO) },	/* NPF */
	{ EXITS_ISA_SVM, 0x72, K(DETAIL_CPUID) },			/* CPUID */
	{ EXITS_ISA_SVM, 0x81, K(DETAIL_HCALL) },			/* VMMCALL */
	{ EXITS_ISA_VMX, 0x1e, K(DETAIL_PIO) },				/* IO_INSTRUCTION */
	{ EXITS_ISA_VMX, 0x1f, K(DETAIL_MSR) },				/* RDMSR */
	{ EXITS_ISA_VMX, 0x20, K(DETAIL_MSR) },				/* WRMSR */
	{ EXITS_ISA_VMX, 0x30, K(DETAIL_GPA) | K(DETAIL_MMIO) },	/* EPT_VIOLATION */
	{ EXITS_ISA_VMX, 0x31, K(DETAIL_GPA) | K(DETAIL_MMIO) },	/* EPT_MISCONFIG */
	{ EXITS_ISA_VMX, 0xa, K(DETAIL_CPUID) },			/* CPUID */
	{ EXITS_ISA_VMX, 0x12, K(DETAIL_HCALL) },			/* VMCALL */
};
#define NDRILLABLE (sizeof(drillable) / sizeof(drillable[0]))

/* The group names: every drillable reason whose kinds meet the mask. */
static const struct {
	const char *name;
	uint32_t kinds;
} groups[] = {
	{ "io", K(DETAIL_PIO) },
	{ "pio", K(DETAIL_PIO) },
	{ "msr", K(DETAIL_MSR) },
	{ "npf", K(DETAIL_GPA) | K(DETAIL_MMIO) },
	{ "mmio", K(DETAIL_GPA) | K(DETAIL_MMIO) },
	{ "ept", K(DETAIL_GPA) | K(DETAIL_MMIO) },
	{ "cpuid", K(DETAIL_CPUID) },
	{ "hypercall", K(DETAIL_HCALL) },
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static const char valid_names[] =
	"io, msr, npf (or mmio), cpuid, hypercall, or a reason of these: IOIO, "
	"IO_INSTRUCTION, MSR, RDMSR, WRMSR, NPF, EPT_VIOLATION, EPT_MISCONFIG, "
	"CPUID, VMMCALL, VMCALL";

static int add(struct drill_set *ds, const struct detail_reason *r)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->r[i].isa == r->isa && ds->r[i].reason == r->reason)
			return 0;	/* named twice: once is enough */
	if (ds->n == DETAIL_MAX_REASONS)
		return -E2BIG;	/* cannot happen: NDRILLABLE is smaller */
	ds->r[ds->n++] = *r;
	ds->kinds |= r->kinds;
	return 0;
}

/* One item of the list: a group, or a reason of either ISA. */
static int add_item(struct drill_set *ds, const char *item, char *err, size_t errlen)
{
	bool found = false, named = false;
	uint32_t code;

	for (size_t g = 0; g < NGROUPS; g++) {
		if (strcasecmp(item, groups[g].name))
			continue;
		for (size_t i = 0; i < NDRILLABLE; i++)
			if ((drillable[i].kinds & groups[g].kinds) && add(ds, &drillable[i]))
				return -E2BIG;
		return 0;
	}
	for (uint8_t isa = EXITS_ISA_VMX; isa <= EXITS_ISA_SVM; isa++) {
		if (reason_parse(isa, item, &code))
			continue;
		named = true;
		for (size_t i = 0; i < NDRILLABLE; i++) {
			if (drillable[i].isa != isa || drillable[i].reason != code)
				continue;
			if (add(ds, &drillable[i]))
				return -E2BIG;
			found = true;
		}
	}
	if (found)
		return 0;
	if (named)
		snprintf(err, errlen, "--drill: exit reason '%s' has no detail level (%s)",
			 item, valid_names);
	else
		snprintf(err, errlen, "--drill: unknown exit reason '%s' (%s)", item, valid_names);
	return -EINVAL;
}

int drill_parse(const char *list, struct drill_set *ds, char *err, size_t errlen)
{
	char buf[256], *rest = buf, *tok;

	memset(ds, 0, sizeof(*ds));
	if (!list || !*list) {
		snprintf(err, errlen, "--drill: empty list (%s)", valid_names);
		return -EINVAL;
	}
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "--drill: list too long: '%.32s...'", list);
		return -EINVAL;
	}
	strcpy(buf, list);
	while ((tok = strsep(&rest, ","))) {
		if (!*tok) {
			snprintf(err, errlen, "--drill: empty item in '%s'", list);
			return -EINVAL;
		}
		if (add_item(ds, tok, err, errlen))
			return -EINVAL;
	}
	return 0;
}

bool drill_has(const struct drill_set *ds, uint8_t isa, uint32_t reason)
{
	for (size_t i = 0; ds && i < ds->n; i++)
		if (ds->r[i].isa == isa && ds->r[i].reason == reason)
			return true;
	return false;
}

const char *detail_kind_name(unsigned int kind)
{
	static const char *const names[DETAIL_KINDS] = {
		[DETAIL_PIO] = "pio", [DETAIL_MSR] = "msr", [DETAIL_GPA] = "gpa",
		[DETAIL_MMIO] = "mmio", [DETAIL_CPUID] = "cpuid", [DETAIL_HCALL] = "hypercall",
	};

	return kind < DETAIL_KINDS && names[kind] ? names[kind] : "?";
}

static const struct {
	uint32_t msr;
	const char *name;
} msrs[] = {	/* ascending */
	{ 0x10, "TSC" },
	{ 0x11, "KVM_WALL_CLOCK" },
	{ 0x12, "KVM_SYSTEM_TIME" },
	{ 0x1b, "APIC_BASE" },
	{ 0x3a, "FEATURE_CONTROL" },
	{ 0x3b, "TSC_ADJUST" },
	{ 0x48, "SPEC_CTRL" },
	{ 0x49, "PRED_CMD" },
	{ 0x79, "BIOS_UPDT_TRIG" },
	{ 0x8b, "BIOS_SIGN_ID" },
	{ 0xe7, "MPERF" },
	{ 0xe8, "APERF" },
	{ 0xfe, "MTRRCAP" },
	{ 0x10a, "ARCH_CAPABILITIES" },
	{ 0x10b, "FLUSH_CMD" },
	{ 0x174, "SYSENTER_CS" },
	{ 0x175, "SYSENTER_ESP" },
	{ 0x176, "SYSENTER_EIP" },
	{ 0x179, "MCG_CAP" },
	{ 0x17a, "MCG_STATUS" },
	{ 0x17b, "MCG_CTL" },
	{ 0x1a0, "MISC_ENABLE" },
	{ 0x1d9, "DEBUGCTL" },
	{ 0x277, "PAT" },
	{ 0x2ff, "MTRR_DEF_TYPE" },
	{ 0x6e0, "TSC_DEADLINE" },
	{ 0x802, "X2APIC_APICID" },
	{ 0x808, "X2APIC_TPR" },
	{ 0x80b, "X2APIC_EOI" },
	{ 0x80d, "X2APIC_LDR" },
	{ 0x80f, "X2APIC_SIVR" },
	{ 0x830, "X2APIC_ICR" },
	{ 0x832, "X2APIC_LVTT" },
	{ 0x838, "X2APIC_TMICT" },
	{ 0x839, "X2APIC_TMCCT" },
	{ 0x83e, "X2APIC_TDCR" },
	{ 0xda0, "XSS" },
	{ 0x4b564d00, "KVM_WALL_CLOCK_NEW" },
	{ 0x4b564d01, "KVM_SYSTEM_TIME_NEW" },
	{ 0x4b564d02, "KVM_ASYNC_PF_EN" },
	{ 0x4b564d03, "KVM_STEAL_TIME" },
	{ 0x4b564d04, "KVM_PV_EOI_EN" },
	{ 0x4b564d05, "KVM_POLL_CONTROL" },
	{ 0x4b564d06, "KVM_ASYNC_PF_INT" },
	{ 0x4b564d07, "KVM_ASYNC_PF_ACK" },
	{ 0xc0000080, "EFER" },
	{ 0xc0000081, "STAR" },
	{ 0xc0000082, "LSTAR" },
	{ 0xc0000083, "CSTAR" },
	{ 0xc0000084, "FMASK" },
	{ 0xc0000100, "FS_BASE" },
	{ 0xc0000101, "GS_BASE" },
	{ 0xc0000102, "KERNEL_GS_BASE" },
	{ 0xc0000103, "TSC_AUX" },
	{ 0xc0010015, "HWCR" },
	{ 0xc0010114, "VM_CR" },
	{ 0xc0010117, "VM_HSAVE_PA" },
	{ 0xc0011029, "DE_CFG" },
};

const char *msr_name(uint32_t msr)
{
	size_t lo = 0, hi = sizeof(msrs) / sizeof(msrs[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (msrs[mid].msr == msr)
			return msrs[mid].name;
		if (msrs[mid].msr < msr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *detail_label(const struct detail_key *k, char *buf, size_t len)
{
	const char *nm;

	switch (k->kind) {
	case DETAIL_PIO:
		snprintf(buf, len, "port 0x%llx %s %uB", k->id,
			 k->attr & DETAIL_PIO_IN ? "in" : "out", k->attr & 0xff);
		break;
	case DETAIL_MSR:
		nm = msr_name((uint32_t)k->id);
		/* the name last: a narrow column cuts it, not the access */
		snprintf(buf, len, "msr 0x%llx %s%s%s", k->id,
			 k->attr & DETAIL_MSR_WRITE ? "wr" : "rd", nm ? " " : "", nm ? nm : "");
		break;
	case DETAIL_GPA:
		snprintf(buf, len, "gpa 0x%llx", k->id);
		break;
	case DETAIL_MMIO:
		if ((k->attr & 0xf) == DETAIL_MMIO_FAST)
			snprintf(buf, len, "mmio 0x%llx fast", k->id);
		else
			snprintf(buf, len, "mmio 0x%llx %s %uB", k->id,
				 (k->attr & 0xf) == DETAIL_MMIO_WRITE ? "wr" : "rd", (k->attr >> 4) & 0xff);
		break;
	case DETAIL_CPUID:
		if (k->attr & DETAIL_CPUID_SUB)
			snprintf(buf, len, "cpuid 0x%x.0x%x", (uint32_t)k->id, (uint32_t)(k->id >> 32));
		else
			snprintf(buf, len, "cpuid 0x%x", (uint32_t)k->id);
		break;
	case DETAIL_HCALL:
		snprintf(buf, len, "hypercall %llu", k->id);
		break;
	default:
		snprintf(buf, len, "? %u 0x%llx", k->kind, k->id);
		break;
	}
	return buf;
}

#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

int detail_key_cmp(const void *pa, const void *pb)
{
	const struct detail_key *a = pa, *b = pb;

	CMP(a->pid, b->pid);
	CMP(a->vcpu, b->vcpu);
	CMP(a->isa, b->isa);
	CMP(a->reason, b->reason);
	CMP(a->kind, b->kind);
	CMP(a->id, b->id);
	CMP(a->attr, b->attr);
	return 0;
}

void detail_rows_of(const struct detail_snap *ds, uint32_t pid, uint32_t vcpu,
		    uint8_t isa, uint32_t reason, size_t *first, size_t *n)
{
	struct detail_key k = { .pid = pid, .vcpu = vcpu, .isa = isa, .reason = reason };
	size_t lo = 0, hi = ds ? ds->nrows : 0, end;

	/* lower bound of (pid, vcpu, isa, reason, kind 0, id 0, attr 0) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (detail_key_cmp(&ds->rows[mid].key, &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; ds && end < ds->nrows; end++) {
		const struct detail_key *r = &ds->rows[end].key;

		if (r->pid != pid || r->vcpu != vcpu || r->isa != isa || r->reason != reason)
			break;
	}
	*first = lo;
	*n = end - lo;
}

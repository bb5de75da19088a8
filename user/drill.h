/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --drill: which exit reasons get detail rows, and how a detail key reads
 * (port, MSR and its name, guest page, CPUID leaf, hypercall). Pure
 * functions: no BPF, no I/O.
 */
#ifndef EXITTOP_DRILL_H
#define EXITTOP_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detail.h"
#include "model.h"

struct drill_set {
	size_t n;
	struct detail_reason r[DETAIL_MAX_REASONS];	/* bpf/detail.h */
	uint32_t kinds;		/* union of r[].kinds: the tracepoints to attach */
};

/*
 * Parse --drill's comma-separated list into ds: each item a group (io,
 * msr, npf, mmio, cpuid, hypercall: the reasons of both ISAs that have
 * such a detail) or a reason name or code of VMX or SVM that has one
 * (IOIO, IO_INSTRUCTION, MSR, RDMSR, WRMSR, NPF, EPT_VIOLATION,
 * EPT_MISCONFIG, CPUID, VMMCALL, VMCALL), in any case. On error returns
 * -EINVAL with a message in err (ds unusable).
 */
int drill_parse(const char *list, struct drill_set *ds, char *err, size_t errlen);

/* Is (isa, reason) drilled? */
bool drill_has(const struct drill_set *ds, uint8_t isa, uint32_t reason);

/* "pio", "msr", "gpa", "mmio", "cpuid", "hypercall"; "?" otherwise */
const char *detail_kind_name(unsigned int kind);

/* Common MSRs by index (e.g. 0x1b "APIC_BASE", 0xc0000080 "EFER"); NULL if not known. */
const char *msr_name(uint32_t msr);

/*
 * One line for a detail key, e.g. "port 0x70 out 1B", "msr 0x1b wr APIC_BASE",
 * "gpa 0xfee00000", "mmio 0xfee00000 wr 4B", "cpuid 0x7.0", "cpuid 0x1",
 * "hypercall 12". Returns buf.
 */
const char *detail_label(const struct detail_key *k, char *buf, size_t len);

/* Order of detail keys: pid, vcpu, isa, reason, kind, id, attr (qsort/bsearch). */
int detail_key_cmp(const void *a, const void *b);

/*
 * The detail rows of one snapshot row (pid, vcpu, isa, reason): *first
 * and the count *n (0 if none). ds may be NULL.
 */
void detail_rows_of(const struct detail_snap *ds, uint32_t pid, uint32_t vcpu,
		    uint8_t isa, uint32_t reason, size_t *first, size_t *n);

#endif

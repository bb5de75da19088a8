/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/detail.bpf.c (exittop --drill) and user space.
 * Plain C types only, as exits.h.
 */
#ifndef DETAIL_H
#define DETAIL_H

#define DETAIL_MAX_REASONS	16	/* (isa, reason) pairs one run can drill */
#define DETAIL_DEF_KEYS		8192	/* default max_entries of the details map */

/* what a detail key's id is; the KVM tracepoint it comes from */
enum detail_kind {
	DETAIL_NONE = 0,
	DETAIL_PIO = 1,		/* kvm_pio: id port; attr size | DETAIL_PIO_IN */
	DETAIL_MSR = 2,		/* kvm_msr: id MSR index; attr DETAIL_MSR_WRITE */
	DETAIL_GPA = 3,		/* kvm_page_fault: id guest-physical page address */
	DETAIL_MMIO = 4,	/* kvm_mmio / kvm_fast_mmio: id page; attr access | len << 4 */
	DETAIL_CPUID = 5,	/* kvm_cpuid: id leaf | subleaf << 32; attr DETAIL_CPUID_SUB */
	DETAIL_HCALL = 6,	/* kvm_hypercall: id the hypercall number */
	DETAIL_KINDS = 7,
};

#define DETAIL_PIO_IN		0x100	/* attr of DETAIL_PIO: IN (else OUT) */
#define DETAIL_MSR_WRITE	1	/* attr of DETAIL_MSR: WRMSR (else RDMSR) */
#define DETAIL_MMIO_READ	1	/* attr & 0xf of DETAIL_MMIO */
#define DETAIL_MMIO_WRITE	2
#define DETAIL_MMIO_FAST	3	/* kvm_fast_mmio (VMX EPT misconfig, eventfd) */
#define DETAIL_CPUID_SUB	1	/* attr of DETAIL_CPUID: the leaf has subleaves */
#define DETAIL_PAGE_MASK	(~0xfffULL)

/*
 * details map key: one detail row. pid and vcpu keep the one-writer rule
 * of exits.bpf.c (a key is written only by its vCPU's thread).
 */
struct detail_key {
	unsigned int pid;	/* VMM tgid */
	unsigned int vcpu;
	unsigned int reason;	/* raw exit reason of the exit in flight */
	unsigned char isa;
	unsigned char kind;	/* enum detail_kind */
	unsigned short attr;	/* per kind, above */
	unsigned long long id;	/* per kind, above */
};

/* one drilled reason: exits of (isa, reason) take details of these kinds */
struct detail_reason {
	unsigned int isa;
	unsigned int reason;
	unsigned int kinds;	/* bit (1 << enum detail_kind) */
};

/*
 * detail.bpf.c's task storage `pend`, per vCPU thread: the exit whose
 * detail was counted. Shared with attrib.bpf.c (--attrib with --drill),
 * whose kvm_entry program runs after detail.bpf.c's (attached later) and
 * charges the exit's split to `key` with the latency in lat_ns: the very
 * figure the detail row got, so the two add up exactly.
 */
struct detail_pend {
	unsigned long long exit_ts;	/* inflight.ts of that exit */
	struct detail_key key;
	unsigned int pending;	/* enum detail_pend_state */
	unsigned int pad;
	unsigned long long lat_ns;	/* DETAIL_PEND_DONE: the latency added */
};

enum detail_pend_state {
	DETAIL_PEND_NONE = 0,	/* nothing to add (or the key was gone) */
	DETAIL_PEND_LAT = 1,	/* counted, its latency still to be added */
	DETAIL_PEND_DONE = 2,	/* latency added to the key: lat_ns */
};

/* indices of the per-CPU drop counters of detail.bpf.c */
enum detail_drop {
	DETAIL_DROP_EXIT = 0,	/* exit's detail not counted: details map full, no storage */
	DETAIL_DROP_LAT = 1,	/* its latency not measured: key gone meanwhile */
	DETAIL_DROP_MAX = 2,
};

#endif

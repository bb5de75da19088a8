/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical memory layout and the parameter block shared by the host
 * (C) and the guest code (guest.S). Only #defines: included from assembly.
 *
 * Everything below RAM end is backed by one memslot; the guest page tables
 * identity-map the first 1 GiB with 2 MiB pages, so MMIO_GPA is mapped by
 * the guest but has no memslot behind it: every access exits as MMIO.
 */
#ifndef EXITGEN_LAYOUT_H
#define EXITGEN_LAYOUT_H

#define PML4_GPA	0x1000
#define PDPT_GPA	0x2000
#define PD_GPA		0x3000		/* 512 x 2 MiB = 1 GiB */
#define GDT_GPA		0x4000		/* null, CS, DS, then a TSS per vCPU */
#define GDT_MAX		0x2000
#define IDT_GPA		0x6000		/* 256 x 16 bytes: every vector */
#define CODE_GPA	0x10000
#define CODE_MAX	0x10000

/*
 * Per-vCPU block (PERCPU_SIZE aligned): the parameter/result page with the
 * vCPU's 64-bit TSS in it, the exception stack (IST1: #DF, NMI, #MC), then
 * the normal stack (grows down from the end of the block).
 */
#define PERCPU_GPA	0x100000
#define PERCPU_SIZE	0x4000
#define PERCPU_TSS	0x800		/* 104 bytes */
#define PERCPU_IST1	0x2000		/* top of the exception stack */
#define MAX_VCPUS	256

/* vCPU 0's query list (u32 per subleaf) and results (32 bytes per subleaf). */
#define QUERY_GPA	0x600000
#define MAX_QUERIES	(1 << 20)

#define MMIO_GPA	0x20000000	/* 512 MiB: above any RAM we map */
#define MMIO_PAGES_MAX	(1 << 16)	/* --mmio-pages: up to 768 MiB, mapped */

#define GDT_CS		0x08
#define GDT_DS		0x10
#define GDT_TSS0	0x18		/* vCPU i: GDT_TSS0 + 16 * i */

/* --fault (self-test of the diagnostics): what the guest does at the end. */
#define FAULT_NONE	0
#define FAULT_UD	1		/* UD2: #UD reported */
#define FAULT_PF	2		/* read of unmapped GVA FAULT_GVA: #PF */
#define FAULT_STACK	3		/* RSP = FAULT_GVA + 4 KiB, UD2: #DF on IST1 */
#define FAULT_SPIN	4		/* endless loop: the --stall watchdog */
/*
 * 1 GiB: not mapped by the guest's page tables (#PF), unlike anything below
 * it without memslot, which is MMIO to KVM (an exception frame pushed there
 * is an emulation failure on SVM, not a fault).
 */
#define FAULT_GVA	0x40000000

#define WAKE_VECTOR	0x20		/* the "timer" vector injected after HLT */

/* Ports: nothing in KVM handles them in-kernel (no in-kernel irqchip/PIT). */
#define PORT_PIO	0x7000		/* workload OUTs */
#define PORT_DONE	0x7001		/* workload (and queries) finished */
#define PORT_SYNC	0x7002		/* vCPU 0: wait for the others, then query */
/*
 * Any exception or interrupt other than WAKE_VECTOR: the guest's handler
 * OUTs here with %rax = vector, %rbx = error code (0 if none), %rcx = RIP,
 * %rsi = CR2, %r8 = RFLAGS, %r9 = RSP, %r10 = CS of the interrupted code,
 * and exitgen fails with all of it instead of the guest triple-faulting.
 */
#define PORT_EXC	0x7003
#define PORT_CTL_FIRST	PORT_DONE	/* control ports: not for --pio-ports */
#define PORT_CTL_LAST	PORT_EXC

/*
 * IA32_MISC_ENABLE: not passed through by KVM on VMX nor SVM (both
 * intercept RDMSR and WRMSR of it), emulated in kvm_{get,set}_msr_common,
 * and writing back the value just read has no side effect.
 */
#define MSR_INDEX	0x1a0

/* Query leaves served by the patched KVM (see kernel-patch/). */
#define LEAF_TOTAL	0x4fffffff
#define LEAF_TIME	0x4ffffffe
#define LEAF_COUNT	0x4ffffffd
#define LEAF_RTIME	0x4ffffffc

/* Parameter block (at the start of each per-vCPU block), u64 fields. */
#define P_CPUID_N	0x00
#define P_CPUID_LEAF	0x08
#define P_CPUID_SUB	0x10
#define P_PIO_N		0x18
#define P_MMIO_N	0x20
#define P_MSR_N		0x28
#define P_HLT_N		0x30
#define P_QUERY_ON	0x38		/* vCPU 0 only */
#define P_QUERY_N	0x40
#define P_QUERY_LIST	0x48		/* GPA of u32[] subleaves */
#define P_QUERY_OUT	0x50		/* GPA of {count[4], time[4]} u32 x 8 each */
#define P_FAULT		0x58		/* --fault: FAULT_* after the workload */
#define P_PIO_IN_N	0x60		/* --pio-in: INs, after the OUTs */
#define P_PIO_NENT	0x68		/* entries in T_PIO (at least 1) */
#define P_MSR_NENT	0x70		/* entries in T_MSR (at least 1) */
#define P_LEAF_NENT	0x78		/* entries in T_LEAF (at least 1) */
#define P_MMIO_PAGES	0xb0		/* --mmio-pages (at least 1) */
#define P_MIX_N		0xb8		/* --mix: rounds of CPUID + RDMSR */
/* Counters the guest increments as it goes (memory only, no exits). */
#define C_CPUID		0x80
#define C_IO		0x88
#define C_MMIO		0x90
#define C_MSR		0x98
#define C_HLT		0xa0
#define C_QCPUID	0xa8
/*
 * Round-robin tables of the spread workloads (--pio-ports, --msrs,
 * --cpuid-leaves), TBL_MAX entries of TBL_ENT bytes each, u64 fields: two
 * set by the host, two counters the guest bumps before each exit, so the
 * host can check per entry what was really performed.
 *   T_PIO:  port, size (1, 2 or 4), OUTs, INs
 *   T_MSR:  index, write too (0/1), RDMSRs, WRMSRs
 *   T_LEAF: leaf (EAX), subleaf (ECX), CPUIDs, unused
 */
#define TBL_ENT		32
#define TBL_MAX		16
#define E_A		0x00
#define E_B		0x08
#define E_C1		0x10
#define E_C2		0x18
#define T_PIO		0x200
#define T_MSR		0x400
#define T_LEAF		0x600
/* Query results: eax, ebx, ecx, edx as u32. */
#define R_TOTAL_FIRST	0x100
#define R_TIME_FIRST	0x110
#define R_TOTAL_LAST	0x120

#endif

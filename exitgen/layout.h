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
#define GDT_GPA		0x4000
#define IDT_GPA		0x5000		/* 256 x 16 bytes */
#define CODE_GPA	0x10000
#define CODE_MAX	0x10000

/* Per-vCPU block: parameter/result page, then the stack (grows down). */
#define PERCPU_GPA	0x100000
#define PERCPU_SIZE	0x4000
#define MAX_VCPUS	256

/* vCPU 0's query list (u32 per subleaf) and results (32 bytes per subleaf). */
#define QUERY_GPA	0x600000
#define MAX_QUERIES	(1 << 20)

#define MMIO_GPA	0x20000000	/* 512 MiB: above any RAM we map */

#define GDT_CS		0x08
#define GDT_DS		0x10

#define WAKE_VECTOR	0x20		/* the "timer" vector injected after HLT */

/* Ports: nothing in KVM handles them in-kernel (no in-kernel irqchip/PIT). */
#define PORT_PIO	0x7000		/* workload OUTs */
#define PORT_DONE	0x7001		/* workload (and queries) finished */
#define PORT_SYNC	0x7002		/* vCPU 0: wait for the others, then query */

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
/* Counters the guest increments as it goes (memory only, no exits). */
#define C_CPUID		0x80
#define C_IO		0x88
#define C_MMIO		0x90
#define C_MSR		0x98
#define C_HLT		0xa0
#define C_QCPUID	0xa8
/* Query results: eax, ebx, ecx, edx as u32. */
#define R_TOTAL_FIRST	0x100
#define R_TIME_FIRST	0x110
#define R_TOTAL_LAST	0x120

#endif

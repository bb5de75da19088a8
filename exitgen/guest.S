/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest: 64-bit code copied to CODE_GPA and run by every vCPU with
 * %rdi = its parameter block (layout.h), %rsp = its stack, IF = 0.
 *
 * It performs exactly the requested counts and nothing else that exits:
 * no CPUID, port I/O, MSR or HLT besides the ones below. It bumps a counter
 * in the parameter block *before* each deliberate exit, so the host can
 * check what was really performed. Only jumps relative to this blob and
 * addresses from layout.h are used: the code is position independent.
 *
 * The blob lives in .rodata of the host binary; the host never executes it.
 */
#include "layout.h"

	.section .rodata.exitgen_guest, "a"
	.code64
	.globl exitgen_guest_start, exitgen_guest_end, exitgen_guest_wake
	.globl exitgen_guest_vectors

/* Query CPUID: %eax/%ecx set by the caller, results stored at off(%r11). */
.macro QUERY_CPUID off
	incq	C_QCPUID(%rdi)
	cpuid
	movl	%eax, \off+0(%r11)
	movl	%ebx, \off+4(%r11)
	movl	%ecx, \off+8(%r11)
	movl	%edx, \off+12(%r11)
.endm

/*
 * A counted loop: what lies between REPEAT and END_REPEAT runs n times, n
 * the parameter at off(%rdi) (0: not at all). %r8 counts down; the body
 * must leave it alone and use no local labels 1 or 2.
 */
.macro REPEAT off
	movq	\off(%rdi), %r8
	testq	%r8, %r8
	jz	2f
1:
.endm
.macro END_REPEAT
	decq	%r8
	jnz	1b
2:
.endm

exitgen_guest_start:
	/* CPUID: leaf and subleaf reloaded each time (CPUID clobbers them). */
	REPEAT	P_CPUID_N
	incq	C_CPUID(%rdi)
	movl	P_CPUID_LEAF(%rdi), %eax
	movl	P_CPUID_SUB(%rdi), %ecx
	cpuid
	END_REPEAT
	/* Port I/O: one-byte OUT to a port no in-kernel device claims. */
	movl	$PORT_PIO, %edx
	REPEAT	P_PIO_N
	incq	C_IO(%rdi)
	outb	%al, %dx
	END_REPEAT
	/* MMIO: 4-byte write to a mapped GPA without memslot. */
	movl	$MMIO_GPA, %esi
	REPEAT	P_MMIO_N
	incq	C_MMIO(%rdi)
	movl	%r8d, (%rsi)
	END_REPEAT
	/* MSR: RDMSR then WRMSR of the same value; two exits per round. */
	movl	$MSR_INDEX, %ecx
	REPEAT	P_MSR_N
	incq	C_MSR(%rdi)
	rdmsr
	incq	C_MSR(%rdi)
	wrmsr
	END_REPEAT
	/*
	 * HLT with interrupts enabled only across the HLT (STI shadow), so the
	 * only interrupt that can arrive is the one the host injects after the
	 * HLT exit; the handler just returns (there is no LAPIC to EOI).
	 */
	REPEAT	P_HLT_N
	incq	C_HLT(%rdi)
	sti
	hlt
	cli
	END_REPEAT
	/* Queries (vCPU 0 only): first wait, through the host, for the others. */
	cmpq	$0, P_QUERY_ON(%rdi)
	je	9f
	incq	C_IO(%rdi)
	movl	$PORT_SYNC, %edx
	outb	%al, %dx

	movq	%rdi, %r11
	movl	$LEAF_TOTAL, %eax
	xorl	%ecx, %ecx
	QUERY_CPUID R_TOTAL_FIRST
	movl	$LEAF_TIME, %eax
	xorl	%ecx, %ecx
	QUERY_CPUID R_TIME_FIRST

	movq	P_QUERY_LIST(%rdi), %rsi
	movq	P_QUERY_OUT(%rdi), %r11
	REPEAT	P_QUERY_N
	movl	$LEAF_COUNT, %eax
	movl	(%rsi), %ecx
	QUERY_CPUID 0
	movl	$LEAF_RTIME, %eax
	movl	(%rsi), %ecx
	QUERY_CPUID 16
	addq	$4, %rsi
	addq	$32, %r11
	END_REPEAT
	movq	%rdi, %r11
	movl	$LEAF_TOTAL, %eax
	xorl	%ecx, %ecx
	QUERY_CPUID R_TOTAL_LAST
9:
	/* --fault: exitgen's self-test of its diagnostics. */
	movq	P_FAULT(%rdi), %rax
	cmpq	$FAULT_UD, %rax
	jne	1f
	ud2
1:	cmpq	$FAULT_PF, %rax
	jne	1f
	movl	$FAULT_GVA, %esi
	movq	(%rsi), %rax
1:	cmpq	$FAULT_STACK, %rax
	jne	1f
	movl	$FAULT_GVA + 0x1000, %esp	/* pushes go to unmapped FAULT_GVA */
	ud2
1:	cmpq	$FAULT_SPIN, %rax
	jne	1f
2:	jmp	2b
1:
	/* Done: the host stops this vCPU at this exit and never re-enters. */
	incq	C_IO(%rdi)
	movl	$PORT_DONE, %edx
	outb	%al, %dx
3:	jmp	3b

exitgen_guest_wake:
	iretq

/*
 * Every other vector: a 16-byte stub per vector (IDT entry i points to
 * exitgen_guest_vectors + 16 * i) pushes a zero error code where the CPU
 * pushes none, then the vector, and reports all of it to the host through
 * PORT_EXC (layout.h says which register holds what). The host never
 * re-enters after that OUT; the HLT loop is only a backstop.
 */
	.p2align 4, 0xcc
exitgen_guest_vectors:
	.set	vec, 0
	.rept	256
	.p2align 4, 0xcc
	/* The CPU pushes an error code for 8, 10-14, 17, 21, 29, 30 only. */
	.if ((vec == 8) | (vec == 10) | (vec == 11) | (vec == 12) | (vec == 13) | (vec == 14) | (vec == 17) | (vec == 21) | (vec == 29) | (vec == 30)) == 0
	pushq	$0
	.endif
	pushq	$vec
	jmp	exc_common
	.set	vec, vec + 1
	.endr

exc_common:
	movq	0(%rsp), %rax		/* vector */
	movq	8(%rsp), %rbx		/* error code */
	movq	16(%rsp), %rcx		/* RIP */
	movq	24(%rsp), %r10		/* CS */
	movq	32(%rsp), %r8		/* RFLAGS */
	movq	40(%rsp), %r9		/* RSP */
	movq	%cr2, %rsi
	movl	$PORT_EXC, %edx
	outb	%al, %dx
4:	cli
	hlt
	jmp	4b
exitgen_guest_end:

	.section .note.GNU-stack, "", @progbits

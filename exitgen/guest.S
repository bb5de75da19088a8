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

/*
 * Round-robin over a table (layout.h): %r10 = current entry, %r9 = entries
 * left before wrapping to the first. Bodies using them must leave %r9/%r10
 * alone and use no local labels 1-3.
 */
.macro FIRST_ENTRY table, nent
	leaq	\table(%rdi), %r10
	movq	\nent(%rdi), %r9
.endm
.macro NEXT_ENTRY table, nent
	addq	$TBL_ENT, %r10
	decq	%r9
	jnz	3f
	leaq	\table(%rdi), %r10
	movq	\nent(%rdi), %r9
3:
.endm

/* One counted CPUID of the leaf table entry at \ent. */
.macro CPUID_OF ent
	incq	C_CPUID(%rdi)
	incq	E_C1(\ent)
	movl	E_A(\ent), %eax
	movl	E_B(\ent), %ecx
	cpuid
.endm

/* One counted RDMSR of the MSR table entry at \ent. */
.macro RDMSR_OF ent
	movl	E_A(\ent), %ecx
	incq	C_MSR(%rdi)
	incq	E_C1(\ent)
	rdmsr
.endm

exitgen_guest_start:
	/* CPUID: leaf and subleaf reloaded each time (CPUID clobbers them). */
	FIRST_ENTRY T_LEAF, P_LEAF_NENT
	REPEAT	P_CPUID_N
	CPUID_OF %r10
	NEXT_ENTRY T_LEAF, P_LEAF_NENT
	END_REPEAT
	/* Port I/O: OUTs, then INs, of the entry's size to its port. */
	FIRST_ENTRY T_PIO, P_PIO_NENT
	REPEAT	P_PIO_N
	incq	C_IO(%rdi)
	incq	E_C1(%r10)
	movl	E_A(%r10), %edx
	movl	E_B(%r10), %ecx
	cmpl	$1, %ecx
	jne	4f
	outb	%al, %dx
	jmp	6f
4:	cmpl	$2, %ecx
	jne	5f
	outw	%ax, %dx
	jmp	6f
5:	outl	%eax, %dx
6:
	NEXT_ENTRY T_PIO, P_PIO_NENT
	END_REPEAT
	FIRST_ENTRY T_PIO, P_PIO_NENT
	REPEAT	P_PIO_IN_N
	incq	C_IO(%rdi)
	incq	E_C2(%r10)
	movl	E_A(%r10), %edx
	movl	E_B(%r10), %ecx
	cmpl	$1, %ecx
	jne	4f
	inb	%dx, %al
	jmp	6f
4:	cmpl	$2, %ecx
	jne	5f
	inw	%dx, %ax
	jmp	6f
5:	inl	%dx, %eax
6:
	NEXT_ENTRY T_PIO, P_PIO_NENT
	END_REPEAT
	/*
	 * MMIO: 4-byte writes to the start of page i of P_MMIO_PAGES pages
	 * from MMIO_GPA (mapped by the guest, no memslot), i round-robin.
	 */
	movl	$MMIO_GPA, %esi
	xorl	%r9d, %r9d
	REPEAT	P_MMIO_N
	incq	C_MMIO(%rdi)
	movl	%r8d, (%rsi)
	addq	$4096, %rsi
	incq	%r9
	cmpq	P_MMIO_PAGES(%rdi), %r9
	jne	4f
	xorl	%r9d, %r9d
	movl	$MMIO_GPA, %esi
4:
	END_REPEAT
	/* MSR: RDMSR, then WRMSR of the value read if the entry says so. */
	FIRST_ENTRY T_MSR, P_MSR_NENT
	REPEAT	P_MSR_N
	RDMSR_OF %r10
	cmpq	$0, E_B(%r10)
	je	4f
	incq	C_MSR(%rdi)
	incq	E_C2(%r10)
	wrmsr
4:
	NEXT_ENTRY T_MSR, P_MSR_NENT
	END_REPEAT
	/*
	 * Mix: a CPUID of the first leaf entry, then an RDMSR of the first MSR
	 * entry, each round: two exits handled in KVM whose reasons alternate,
	 * so no exit has the reason of the exit before it.
	 */
	leaq	T_LEAF(%rdi), %r10
	leaq	T_MSR(%rdi), %r9
	REPEAT	P_MIX_N
	CPUID_OF %r10
	RDMSR_OF %r9
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

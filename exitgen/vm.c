// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU creation. The guest starts directly in 64-bit long mode:
 * identity-mapped paging, a flat GDT (needed because IRETQ reloads CS and
 * SS from it), an IDT with the single wake-up vector, and no in-kernel
 * irqchip, so HLT and port I/O come back to us instead of being handled
 * (or timed) by KVM's LAPIC/PIC/PIT emulation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "util.h"
#include "vm.h"

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define SZ_2M		(2ULL << 20)

_Static_assert(GDT_TSS0 + 16 * MAX_VCPUS <= GDT_MAX, "GDT too small");
_Static_assert(GDT_GPA + GDT_MAX <= IDT_GPA, "GDT overlaps the IDT");
_Static_assert(IDT_GPA + 256 * 16 <= CODE_GPA, "IDT overlaps the code");
_Static_assert(PERCPU_TSS >= R_TOTAL_LAST + 16 && PERCPU_TSS + 104 <= 0x1000,
	       "TSS overlaps the parameter block");
_Static_assert(R_TOTAL_LAST + 16 <= T_PIO && T_PIO + TBL_ENT * TBL_MAX <= T_MSR &&
	       T_MSR + TBL_ENT * TBL_MAX <= T_LEAF &&
	       T_LEAF + TBL_ENT * TBL_MAX <= PERCPU_TSS,
	       "round-robin tables overlap");
_Static_assert(MMIO_GPA + MMIO_PAGES_MAX * 4096ULL <= FAULT_GVA,
	       "MMIO pages beyond the guest's 1 GiB mapping");
_Static_assert(PERCPU_GPA % PERCPU_SIZE == 0, "per-vCPU blocks unaligned");

static size_t query_list_bytes(const struct eg_args *a)
{
	return ((a->nquery * sizeof(uint32_t)) + 4095) & ~4095UL;
}

static void setup_page_tables(struct eg_vm *vm)
{
	uint64_t *pml4 = gpa_ptr(vm, PML4_GPA);
	uint64_t *pdpt = gpa_ptr(vm, PDPT_GPA);
	uint64_t *pd = gpa_ptr(vm, PD_GPA);

	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = PD_GPA | PTE_P | PTE_RW;
	/* 1 GiB of 2 MiB pages: covers RAM and MMIO_GPA (which has no memslot). */
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i * SZ_2M) | PTE_P | PTE_RW | PTE_PS;
}

/* 64-bit interrupt gate to handler h: P=1, DPL 0, type 0xe, IST ist. */
static void set_gate(uint64_t *idt, unsigned int v, uint64_t h, unsigned int ist)
{
	idt[v * 2] = (h & 0xffff) | ((uint64_t)GDT_CS << 16) |
		     ((uint64_t)ist << 32) | (0x8eULL << 40) |
		     ((h >> 16 & 0xffff) << 48);
	idt[v * 2 + 1] = h >> 32;
}

static uint64_t tss_gpa(unsigned int i)
{
	return percpu_gpa(i) + PERCPU_TSS;
}

static void setup_gdt_idt(struct eg_vm *vm, unsigned int nvcpus)
{
	uint64_t *gdt = gpa_ptr(vm, GDT_GPA);
	uint64_t *idt = gpa_ptr(vm, IDT_GPA);

	/*
	 * Accessed bits preset: loading a selector (IRETQ does, for CS and
	 * SS) then never writes to the GDT. Both match the cached segments
	 * setup_vcpu_state() loads.
	 */
	gdt[0] = 0;
	gdt[GDT_CS / 8] = 0x00af9b000000ffffULL;	/* code, L=1, DPL 0 */
	gdt[GDT_DS / 8] = 0x00cf93000000ffffULL;	/* data, writable */
	/* One 64-bit TSS per vCPU (busy: TR is loaded with it), 16 bytes. */
	for (unsigned int i = 0; i < nvcpus; i++) {
		uint64_t b = tss_gpa(i), *d = &gdt[(GDT_TSS0 + 16 * i) / 8];
		uint8_t *tss = gpa_ptr(vm, b);
		uint64_t ist1 = percpu_gpa(i) + PERCPU_IST1;
		uint16_t iomap = 104;

		d[0] = 103 | (b & 0xffffff) << 16 | 0x8bULL << 40 |
		       (b >> 24 & 0xff) << 56;
		d[1] = b >> 32;
		/* IST1 (offset 0x24): the exception stack; no I/O bitmap. */
		memcpy(tss + 0x24, &ist1, sizeof(ist1));
		memcpy(tss + 0x66, &iomap, sizeof(iomap));
	}

	/*
	 * Every vector has a handler: WAKE_VECTOR the bare IRETQ, all others
	 * a stub that reports vector, error code, RIP and CR2 to exitgen
	 * (PORT_EXC). #DF, NMI and #MC run on the IST1 stack, so even a
	 * broken RSP ends in a report rather than a triple fault.
	 */
	for (unsigned int v = 0; v < 256; v++)
		set_gate(idt, v, CODE_GPA + exitgen_guest_vector_offset(v),
			 v == 2 || v == 8 || v == 18 ? 1 : 0);
	set_gate(idt, WAKE_VECTOR, CODE_GPA + exitgen_guest_wake_offset(), 0);
}

static int setup_memory(struct eg_vm *vm, const struct eg_args *a)
{
	struct kvm_userspace_memory_region r = { 0 };
	size_t need = QUERY_GPA + query_list_bytes(a) + a->nquery * 32;

	vm->mem_size = (need + SZ_2M - 1) & ~(SZ_2M - 1);
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		eg_err("mmap guest memory (%zu bytes): %s", vm->mem_size,
		       strerror(errno));
		return -1;
	}
	/*
	 * Keep the host kernel away from the guest's memory while it runs:
	 * no transparent huge pages (so khugepaged never collapses it), and
	 * locked + populated up front (so reclaim never ages or swaps it).
	 * Either would invalidate live nested page-table entries under the
	 * running guest, a path that in the testbed runs on QEMU TCG's
	 * emulated SVM/NPT. Hardening, not a proven fix: see "Guest memory"
	 * in docs/exitgen.md.
	 */
	if (!a->mem_plain) {
		if (madvise(vm->mem, vm->mem_size, MADV_NOHUGEPAGE))
			eg_err("warning: madvise MADV_NOHUGEPAGE on guest memory: %s",
			       strerror(errno));
		if (mlock(vm->mem, vm->mem_size)) {
			eg_err("warning: mlock guest memory (%zu bytes): %s; "
			       "populating it unlocked", vm->mem_size, strerror(errno));
			for (size_t off = 0; off < vm->mem_size; off += 4096)
				vm->mem[off] = 0;
		}
	}
	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = vm->mem_size;
	r.userspace_addr = (uintptr_t)vm->mem;
	if (eg_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r, NULL) < 0)
		return -1;

	if (exitgen_guest_size() > CODE_MAX) {
		eg_err("guest code is %zu bytes, more than %d", exitgen_guest_size(),
		       CODE_MAX);
		return -1;
	}
	setup_page_tables(vm);
	setup_gdt_idt(vm, a->vcpus);
	memcpy(gpa_ptr(vm, CODE_GPA), exitgen_guest_start,
	       exitgen_guest_size());
	if (a->query_on)
		memcpy(gpa_ptr(vm, QUERY_GPA), a->query,
		       a->nquery * sizeof(uint32_t));
	return 0;
}

/* KVM_GET_SUPPORTED_CPUID, growing the buffer until it fits. */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			abort();
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			eg_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, NULL, NULL);
			return NULL;
		}
	}
	eg_err("ioctl KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}

static int setup_vcpu_state(struct eg_vcpu *v, unsigned int nvcpus,
			    const char *who)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = GDT_CS,
		.type = 11, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1,
		.g = 1,
	};
	struct kvm_segment ds = cs;
	/* 64-bit TSS, busy (as LTR leaves it), in this vCPU's block. */
	struct kvm_segment tr = {
		.base = percpu_gpa(v->index) + PERCPU_TSS, .limit = 103,
		.selector = GDT_TSS0 + 16 * v->index, .type = 11, .present = 1,
	};
	/* No LDT: null selector, marked unusable. */
	struct kvm_segment ldt = { .type = 2, .unusable = 1 };

	ds.selector = GDT_DS;
	ds.type = 3;
	ds.l = 0;
	ds.db = 1;

	if (eg_ioctl(v->fd, KVM_GET_SREGS, &s, who) < 0)
		return -1;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.gdt.base = GDT_GPA;
	s.tr = tr;
	s.ldt = ldt;
	s.gdt.limit = GDT_TSS0 + 16 * nvcpus - 1;
	s.idt.base = IDT_GPA;
	s.idt.limit = 256 * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s.cr3 = PML4_GPA;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	if (eg_ioctl(v->fd, KVM_SET_SREGS, &s, who) < 0)
		return -1;

	memset(&r, 0, sizeof(r));
	r.rip = CODE_GPA;
	r.rflags = 0x2;			/* IF=0: only our injected IRQ wakes HLT */
	r.rsp = percpu_gpa(v->index) + PERCPU_SIZE;
	r.rdi = percpu_gpa(v->index);
	return eg_ioctl(v->fd, KVM_SET_REGS, &r, who) < 0 ? -1 : 0;
}

static void fill_params(struct eg_vcpu *v, const struct eg_args *a)
{
	volatile uint64_t *p = v->param;

	p[P_CPUID_N / 8] = a->cpuid;
	p[P_CPUID_LEAF / 8] = a->cpuid_leaf;
	p[P_CPUID_SUB / 8] = a->cpuid_subleaf;
	p[P_PIO_N / 8] = a->pio;
	p[P_MMIO_N / 8] = a->mmio;
	p[P_MSR_N / 8] = a->msr;
	p[P_HLT_N / 8] = a->hlt;
	p[P_FAULT / 8] = a->fault;
	p[P_PIO_IN_N / 8] = a->pio_in;
	p[P_MMIO_PAGES / 8] = a->mmio_pages;
	p[P_MIX_N / 8] = a->mix;
	p[P_PIO_NENT / 8] = a->nports;
	for (unsigned int i = 0; i < a->nports; i++) {
		p[(T_PIO + i * TBL_ENT + E_A) / 8] = a->ports[i].port;
		p[(T_PIO + i * TBL_ENT + E_B) / 8] = a->ports[i].size;
	}
	p[P_MSR_NENT / 8] = a->nmsrs;
	for (unsigned int i = 0; i < a->nmsrs; i++) {
		p[(T_MSR + i * TBL_ENT + E_A) / 8] = a->msrs[i].index;
		p[(T_MSR + i * TBL_ENT + E_B) / 8] = a->msrs[i].write;
	}
	p[P_LEAF_NENT / 8] = a->nleaves;
	for (unsigned int i = 0; i < a->nleaves; i++) {
		p[(T_LEAF + i * TBL_ENT + E_A) / 8] = a->leaves[i].leaf;
		p[(T_LEAF + i * TBL_ENT + E_B) / 8] = a->leaves[i].subleaf;
	}
	if (v->index == 0 && a->query_on) {
		p[P_QUERY_ON / 8] = 1;
		p[P_QUERY_N / 8] = a->nquery;
		p[P_QUERY_LIST / 8] = QUERY_GPA;
		p[P_QUERY_OUT / 8] = QUERY_GPA + query_list_bytes(a);
	}
}

static int create_vcpu(struct eg_vm *vm, struct eg_vcpu *v,
		       const struct kvm_cpuid2 *cpuid, int have_stats)
{
	char who[32];

	snprintf(who, sizeof(who), "vcpu %u", v->index);
	v->fd = v->stats_fd = -1;
	v->fd = eg_ioctl(vm->fd, KVM_CREATE_VCPU, v->index, who);
	if (v->fd < 0)
		return -1;
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		eg_err("mmap kvm_run (%s): %s", who, strerror(errno));
		return -1;
	}
	if (eg_ioctl(v->fd, KVM_SET_CPUID2, cpuid, who) < 0)
		return -1;
	if (setup_vcpu_state(v, vm->nvcpus, who))
		return -1;
	v->param = gpa_ptr(vm, percpu_gpa(v->index));
	if (have_stats) {
		v->stats_fd = eg_ioctl(v->fd, KVM_GET_STATS_FD, NULL, who);
		if (v->stats_fd < 0)
			return -1;
	}
	return 0;
}

int vm_create(struct eg_vm *vm, const struct eg_args *a)
{
	struct kvm_cpuid2 *cpuid;
	int r, have_stats, max_vcpus;

	memset(vm, 0, sizeof(*vm));
	vm->fd = vm->kvm = vm->stats_fd = -1;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		eg_err("open /dev/kvm: %s (errno %d)", strerror(errno), errno);
		return -1;
	}
	r = eg_ioctl(vm->kvm, KVM_GET_API_VERSION, 0, NULL);
	if (r != KVM_API_VERSION) {
		if (r >= 0)
			eg_err("KVM API version %d, expected %d", r, KVM_API_VERSION);
		return -1;
	}
	max_vcpus = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && a->vcpus > (unsigned int)max_vcpus) {
		eg_err("--vcpus %u: KVM allows at most %d", a->vcpus, max_vcpus);
		return -1;
	}
	have_stats = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0;
	if (!have_stats)
		eg_err("warning: KVM has no KVM_CAP_BINARY_STATS_FD: no kvm_stats");
	r = eg_ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0, NULL);
	if (r < 0)
		return -1;
	vm->run_size = r;

	vm->fd = eg_ioctl(vm->kvm, KVM_CREATE_VM, 0, NULL);
	if (vm->fd < 0)
		return -1;
	/* Only VMX without unrestricted guest needs it; harmless elsewhere. */
	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    eg_ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL, NULL) < 0)
		return -1;
	if (setup_memory(vm, a))
		return -1;
	if (have_stats) {
		vm->stats_fd = eg_ioctl(vm->fd, KVM_GET_STATS_FD, NULL, "vm");
		if (vm->stats_fd < 0)
			return -1;
	}

	cpuid = supported_cpuid(vm->kvm);
	if (!cpuid)
		return -1;
	vm->nvcpus = a->vcpus;
	vm->vcpus = calloc(a->vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		abort();
	for (unsigned int i = 0; i < a->vcpus; i++) {
		struct eg_vcpu *v = &vm->vcpus[i];

		v->index = i;
		if (create_vcpu(vm, v, cpuid, have_stats)) {
			free(cpuid);
			return -1;
		}
		fill_params(v, a);
		v->mmio_seen = calloc(a->mmio_pages, sizeof(*v->mmio_seen));
		if (!v->mmio_seen)
			abort();
	}
	free(cpuid);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* The VM: memory, guest page tables/GDT/IDT, vCPUs in long mode. */
#ifndef EXITGEN_VM_H
#define EXITGEN_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "layout.h"

/* What exitgen itself saw come back from KVM_RUN, per vCPU. */
struct eg_user_exits {
	uint64_t io, mmio, hlt, irq_window, intr, injected;
};

struct eg_vcpu {
	unsigned int index;
	int fd;
	int stats_fd;			/* -1: KVM without binary stats */
	struct kvm_run *run;
	volatile uint64_t *param;	/* host view of the parameter block */
	pid_t tid;
	pthread_t thread;
	struct eg_user_exits ue;
	uint64_t pio_seen[TBL_MAX][2];	/* per T_PIO entry: OUTs, INs seen */
	uint64_t *mmio_seen;		/* per --mmio-pages page */
	uint64_t delays, delay_ns;	/* --user-delay-us: how many, how long */
	int failed;
	/* The watchdog's view (run.c): EG_IN_GUEST, EG_WAITING or EG_EXITED. */
	volatile int state;
	int stopped;			/* left KVM_RUN because the watchdog said so */
	int finished;			/* reached its PORT_DONE exit */
	uint64_t progress;		/* guest counters + exits seen, last sample */
	uint64_t progress_ns;		/* when progress last changed */
	uint64_t stall_exits;		/* KVM "exits" when progress stopped, or -1 */
};

enum { EG_IN_GUEST, EG_WAITING, EG_EXITED };

struct eg_vm {
	int kvm, fd;
	int stats_fd;			/* VM-level stats, -1 if none */
	uint8_t *mem;
	size_t mem_size;
	size_t run_size;
	unsigned int nvcpus;
	struct eg_vcpu *vcpus;
};

/* Host pointer for a guest physical address inside RAM. */
static inline void *gpa_ptr(struct eg_vm *vm, uint64_t gpa)
{
	return vm->mem + gpa;
}

static inline uint64_t percpu_gpa(unsigned int i)
{
	return PERCPU_GPA + (uint64_t)i * PERCPU_SIZE;
}

/* Sets everything up, ready for KVM_RUN. 0 or -1 (message printed). */
int vm_create(struct eg_vm *vm, const struct eg_args *a);

#endif

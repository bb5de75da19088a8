/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/attrib.bpf.c (latency attribution) and user space.
 * Plain C types only, like exits.h.
 */
#ifndef ATTRIB_H
#define ATTRIB_H

/*
 * Where the time between an exit and the vCPU's next entry went. The
 * parts are disjoint and add up to the exit's latency (see
 * docs/bpf-design.md, Latency attribution):
 *   KVM    on a CPU in the kernel (KVM's own handling): the remainder
 *   VMM    from KVM_RUN's return to user space to the next KVM_RUN,
 *          whatever the thread did meanwhile (the VMM's own business)
 *   WAIT   runnable in the kernel but not on a CPU (preempted, or woken
 *          and not yet running)
 *   POLL   halt polling: in kvm_vcpu_halt, on a CPU, the guest halted
 *   SLEEP  asleep in the kernel (a halted vCPU blocked, or any other wait)
 * "blocked" (user space, docs) is POLL + SLEEP: the guest had nothing to do.
 */
enum attrib_part {
	ATTRIB_KVM = 0,
	ATTRIB_VMM = 1,
	ATTRIB_WAIT = 2,
	ATTRIB_POLL = 3,
	ATTRIB_SLEEP = 4,
	ATTRIB_PARTS = 5,
};

#define ATTRIB_REC_PARTS	8	/* the per-thread array: a power of two */

/*
 * attrib_stats value: slot i holds the split of the exits counted in
 * exits.bpf.c's stats[i], while its generation matches (gen: the stats
 * slot's generation the split belongs to; the programs start a slot over
 * when it moved on). One writer per slot (the vCPU's thread), as stats.
 */
struct attrib_val {
	unsigned long long count;	/* exits attributed */
	unsigned long long total_ns;	/* their latency: the sum of part_ns */
	unsigned long long part_ns[ATTRIB_PARTS];
	unsigned long long approx;	/* of count: latency from our own clock */
	unsigned long long gen;
};

/* indices of the per-CPU drop counters */
enum attrib_drop {
	ATTRIB_DROP_REC = 0,	/* exit not attributed: no task storage */
	ATTRIB_DROP_SLOT = 1,	/* exit not attributed: its stats slot gone */
	ATTRIB_DROP_DETAIL = 2,	/* exit's split not charged to its detail key: map full */
	ATTRIB_DROP_MAX = 3,
};

#endif

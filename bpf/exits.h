/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/exits.bpf.c and user space. */
#ifndef EXITS_H
#define EXITS_H

#define EXITS_HIST_SLOTS	32	/* log2(ns) buckets: up to ~2 s, last open */
#define EXITS_ISA_VMX		1	/* values of kvm_exit's isa field */
#define EXITS_ISA_SVM		2
#define EXITS_REASON_UNKNOWN	0xfffffffeU	/* reason unreadable (no vendor BTF) */

/*
 * Maps of bpf/exits.bpf.c (see docs/bpf-design.md). Plain C types only, so
 * that this header needs neither vmlinux.h nor <linux/types.h>.
 */
#define EXITS_MAX_PIDS		64	/* entries of the pid filter */
#define EXITS_DEF_KEYS		4096	/* default max_entries of the stats map */

/* stats map key: one row of exittop */
struct exits_key {
	unsigned int pid;	/* VMM tgid */
	unsigned int vcpu;	/* kvm_exit's vcpu_id */
	unsigned int reason;	/* raw exit_reason */
	unsigned int isa;	/* EXITS_ISA_VMX / EXITS_ISA_SVM */
};

/*
 * stats map value (one array slot per key, one copy for all CPUs); the
 * fields up to hist[] are struct agg of user/model.h. gen is the slot's
 * generation: user space bumps it when it frees the slot, so a vCPU
 * thread that still caches the slot sees the change and looks its key up
 * again.
 */
struct exits_val {
	unsigned long long count;	/* exits, counted at kvm_exit */
	unsigned long long lat_count;	/* exits whose next kvm_entry was seen */
	unsigned long long lat_sum_ns;
	unsigned long long lat_max_ns;
	unsigned long long hist[EXITS_HIST_SLOTS];
	unsigned long long gen;
};

/* slots map value: where a key's counters are in the stats array */
struct exits_slot {
	unsigned int slot;	/* index into stats */
	unsigned int gen;	/* stats[slot].gen when the key claimed it */
};

/*
 * The exit in flight of one vCPU thread, waiting for its next kvm_entry,
 * in the thread's record (struct exits_thread). detail.bpf.c (--drill)
 * reads the same map, shared by fd, to pair a KVM detail
 * tracepoint (kvm_pio, kvm_msr, ...) with the exit it belongs to, and
 * attrib.bpf.c (--attrib) to charge the latency split to the same key with
 * the same timestamps.
 */
struct exits_inflight {
	unsigned long long ts;	/* bpf_ktime_get_ns() at kvm_exit, 0: none */
	struct exits_key key;	/* of the exit in flight, or of the last one */
	struct exits_slot slot;	/* key's counters, written with key */
	unsigned int tgid;	/* the thread's tgid, set when the record is made */
	unsigned int pad;
};

/*
 * One record per vCPU thread that took a kvm_exit (the value of the
 * `threads` array, bpf/threads.bpf.h): found by hashing the thread's
 * id, EXITS_THREAD_PROBES places at most, and freed when
 * the thread exits. EXITS_THREADS records: room for half as many vCPU
 * threads at a time (the rest lose latency, counted as EXITS_DROP_LAT).
 */
#define EXITS_THREADS		8192	/* a power of two */
#define EXITS_THREAD_PROBES	8

/*
 * A key a thread had before the last one, and its slot: a vCPU alternates
 * between a few reasons (I/O, MMIO, HLT, interrupts), and finding the slot
 * here costs a few compares where `slots` costs a hash lookup.
 */
struct exits_kslot {
	struct exits_key key;
	struct exits_slot slot;
};

#define EXITS_KCACHE		3	/* keys kept per thread besides fl.key */

struct exits_thread {
	unsigned long long tid;		/* owner's thread id (task->pid), 0: free */
	unsigned long long start;	/* owner's start_time: tells a reused id apart */
	unsigned int untraced;		/* 1: not a -p thread, nothing to count */
	unsigned int kc_next;		/* the kc[] entry a new key replaces */
	struct exits_inflight fl;	/* fl.key/fl.slot: the last key */
	struct exits_kslot kc[EXITS_KCACHE];
};

/* indices of the per-CPU drop counters */
enum exits_drop {
	EXITS_DROP_EXIT = 0,	/* exit not counted: stats map full */
	EXITS_DROP_LAT = 1,	/* latency not measured: no thread record, key gone */
	EXITS_DROP_MAX = 2,
};

#endif

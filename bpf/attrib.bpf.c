// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Latency attribution (exittop --attrib): splits each exit-to-entry
 * interval that bpf/exits.bpf.c measures into time in KVM, in the VMM,
 * waiting for a CPU, halt polling and asleep (bpf/attrib.h). A separate
 * object, loaded and attached only when asked for, so exits.bpf.c's
 * per-exit cost is the same whether attribution is on or off.
 *
 * It shares two of exits.bpf.c's maps (user space hands over their fds):
 * the vCPU thread's `inflight` storage, for the exit's key, stats slot and
 * exit timestamp, and `stats`, for the latency exits.bpf.c measured. Our
 * programs on kvm_exit and kvm_entry are attached after exits.bpf.c's (a
 * tracepoint calls its probes in the order they were attached), so they
 * see what exits.bpf.c just wrote. The split then adds up to exactly the
 * latency exittop reports for the same exit: the same timestamps.
 *
 * Per vCPU thread a small state machine (struct attrib_rec, task
 * storage), moved by: KVM_RUN's return to user space (kvm_userspace_exit)
 * and the next KVM_RUN (fentry kvm_arch_vcpu_ioctl_run), kvm_vcpu_halt
 * (fentry/fexit), sched_switch (prev_state: preempted or asleep),
 * sched_wakeup (asleep -> waiting for a CPU). Each change charges the time
 * since the last change to the state left. KVM's part is what is left at
 * kvm_entry: latency minus the other parts. The clock is
 * bpf_ktime_get_ns(), the one exits.bpf.c reads: consistent across CPUs,
 * so a thread that migrates is measured right.
 *
 * Only the vCPU thread's own programs write its record, except
 * sched_wakeup (the waker's CPU), and that only while the thread is
 * asleep and cannot touch it; the wake-up path's locks order the writes.
 * No locks, no atomics, bounded work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "exits.h"
#include "attrib.h"

/* ---- exits.bpf.c's maps, shared: user space reuses their fds ---- */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EXITS_DEF_KEYS);	/* the real size comes with the fd */
	__type(key, __u32);
	__type(value, struct exits_val);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* ---- our own ---- */

/* the split per stats slot, same index; sized like stats by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EXITS_DEF_KEYS);
	__type(key, __u32);
	__type(value, struct attrib_val);
} attrib_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ATTRIB_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} attrib_drops SEC(".maps");

/*
 * The per-exit record of one vCPU thread: the split of its exit in
 * flight so far. Complete at kvm_entry, where it is added to the exit's
 * key; a detail object could charge it to a detail key there too (see
 * docs/bpf-design.md).
 */
struct attrib_rec {
	__u64 t_exit;		/* exits.bpf.c's kvm_exit timestamp, 0: none in flight */
	__u64 t_last;		/* the last state change */
	__u64 part[ATTRIB_REC_PARTS];	/* ns per part so far (KVM's: at entry) */
	__u64 lat_sum0;		/* stats[slot]'s lat_sum_ns and lat_count at the exit */
	__u64 lat_count0;
	struct exits_slot slot;	/* the exit's stats slot */
	__u32 state;		/* enum attrib_part the thread is in */
	__u32 in_halt;		/* inside kvm_vcpu_halt */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct attrib_rec);
} attrib_rec SEC(".maps");

static __always_inline void count_drop(__u32 idx)
{
	__u64 *d = bpf_map_lookup_elem(&attrib_drops, &idx);

	if (d)
		(*d)++;		/* per-CPU slot: no atomic needed */
}

/* The record of task t if an exit of it is in flight, else NULL. */
static __always_inline struct attrib_rec *rec_of(struct task_struct *t)
{
	struct attrib_rec *r;

	if (!t)
		return NULL;
	r = bpf_task_storage_get(&attrib_rec, t, 0, 0);
	return r && r->t_exit ? r : NULL;
}

static __always_inline struct attrib_rec *rec_current(void)
{
	return rec_of(bpf_get_current_task_btf());
}

/* Charge the time since the last change to the state left, enter state s. */
static __always_inline void move(struct attrib_rec *r, __u32 s)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 from = r->state & (ATTRIB_REC_PARTS - 1);

	if (now > r->t_last)
		r->part[from] += now - r->t_last;
	r->t_last = now;
	r->state = s;
}

/* stats[slot] if it still belongs to the slot's key (generation) */
static __always_inline struct exits_val *stats_val(const struct exits_slot *s)
{
	__u32 idx = s->slot;
	struct exits_val *v = bpf_map_lookup_elem(&stats, &idx);

	return v && (__u32)v->gen == s->gen ? v : NULL;
}

/*
 * After exits.bpf.c counted the exit: take its key's slot and timestamp.
 * fl->ts is set only when exits.bpf.c counted this exit (it clears it at
 * every entry), so an exit it could not count is not attributed either.
 */
SEC("tp_btf/kvm_exit")
int BPF_PROG(attrib_exit)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exits_val *v;
	struct attrib_rec *r;
	struct inflight *fl;
	int i;

	fl = bpf_task_storage_get(&inflight, task, 0, 0);
	if (!fl || !fl->ts)
		return 0;	/* untraced thread (-p), or the exit was not counted */
	v = stats_val(&fl->slot);
	if (!v) {
		count_drop(ATTRIB_DROP_SLOT);
		return 0;
	}
	r = bpf_task_storage_get(&attrib_rec, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!r) {
		count_drop(ATTRIB_DROP_REC);
		return 0;
	}
	r->t_exit = fl->ts;
	r->t_last = fl->ts;
	for (i = 0; i < ATTRIB_REC_PARTS; i++)
		r->part[i] = 0;
	r->lat_sum0 = v->lat_sum_ns;
	r->lat_count0 = v->lat_count;
	r->slot = fl->slot;
	r->state = ATTRIB_KVM;
	r->in_halt = 0;
	return 0;
}

/* KVM_RUN returned to user space: the VMM's time starts. */
SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(attrib_user)
{
	struct attrib_rec *r = rec_current();

	if (r)
		move(r, ATTRIB_VMM);
	return 0;
}

/* The next KVM_RUN: back in KVM. */
SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(attrib_run)
{
	struct attrib_rec *r = rec_current();

	if (r && r->state == ATTRIB_VMM)
		move(r, ATTRIB_KVM);
	return 0;
}

/* The guest halted (in-kernel HLT): polling first, maybe asleep after. */
SEC("fentry/kvm_vcpu_halt")
int BPF_PROG(attrib_halt)
{
	struct attrib_rec *r = rec_current();

	if (r) {
		move(r, ATTRIB_POLL);
		r->in_halt = 1;
	}
	return 0;
}

SEC("fexit/kvm_vcpu_halt")
int BPF_PROG(attrib_halt_end)
{
	struct attrib_rec *r = rec_current();

	if (r) {
		move(r, ATTRIB_KVM);
		r->in_halt = 0;
	}
	return 0;
}

/*
 * Off the CPU in the kernel: preempted (still runnable) or asleep. In the
 * VMM's time the state stays VMM: how the VMM spends its time is its own.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(attrib_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct attrib_rec *r;

	r = rec_of(prev);
	if (r && r->state != ATTRIB_VMM)
		move(r, preempt || prev_state == 0 ? ATTRIB_WAIT : ATTRIB_SLEEP);
	r = rec_of(next);
	if (r && (r->state == ATTRIB_WAIT || r->state == ATTRIB_SLEEP))
		move(r, r->in_halt ? ATTRIB_POLL : ATTRIB_KVM);
	return 0;
}

/* Woken: runnable, waiting for a CPU until sched_switch runs it. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(attrib_wakeup, struct task_struct *p)
{
	struct attrib_rec *r = rec_of(p);

	if (r && r->state == ATTRIB_SLEEP)
		move(r, ATTRIB_WAIT);
	return 0;
}

/*
 * The exit's latency as exits.bpf.c measured it: below its FOLD_MAX_NS it
 * left it in the thread's storage (pending), else it added it to
 * stats[slot] (one writer, so the sum moved by exactly that latency).
 * Anything else (a slot freed meanwhile): our own clock, counted approx.
 */
static __always_inline __u64 exit_latency(struct attrib_rec *r, struct inflight *fl,
					  __u64 now, bool *approx)
{
	struct exits_val *v;

	*approx = false;
	if (fl && fl->pending && !fl->ts)
		return fl->lat_ns;
	v = stats_val(&r->slot);
	if (v && v->lat_count == r->lat_count0 + 1)
		return v->lat_sum_ns - r->lat_sum0;
	*approx = true;
	return now > r->t_exit ? now - r->t_exit : 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(attrib_entry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct attrib_rec *r = rec_of(task);
	struct attrib_val *a;
	__u64 lat, other;
	bool approx;
	__u32 idx;
	int i;

	if (!r)
		return 0;
	move(r, ATTRIB_KVM);
	lat = exit_latency(r, bpf_task_storage_get(&inflight, task, 0, 0),
			   r->t_last, &approx);
	r->t_exit = 0;
	other = r->part[ATTRIB_VMM] + r->part[ATTRIB_WAIT] +
		r->part[ATTRIB_POLL] + r->part[ATTRIB_SLEEP];
	if (other > lat) {
		/* cannot happen with exits.bpf.c's timestamps: keep the sum exact */
		approx = true;
		lat = other;
	}
	idx = r->slot.slot;
	a = bpf_map_lookup_elem(&attrib_stats, &idx);
	if (!a) {
		count_drop(ATTRIB_DROP_SLOT);
		return 0;
	}
	if ((__u32)a->gen != r->slot.gen) {
		/* the slot's key changed since: start it over */
		a->count = 0;
		a->total_ns = 0;
		for (i = 0; i < ATTRIB_PARTS; i++)
			a->part_ns[i] = 0;
		a->approx = 0;
		a->gen = r->slot.gen;
	}
	a->count++;
	a->total_ns += lat;
	a->part_ns[ATTRIB_KVM] += lat - other;
	for (i = 1; i < ATTRIB_PARTS; i++)
		a->part_ns[i] += r->part[i];
	a->approx += approx;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

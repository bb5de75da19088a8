// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Latency attribution (exittop --attrib): splits each exit-to-entry
 * interval that bpf/exits.bpf.c measures into time in KVM, in the VMM,
 * waiting for a CPU, halt polling and asleep (bpf/attrib.h). A separate
 * object, loaded and attached only when asked for, so exits.bpf.c's
 * per-exit cost is the same whether attribution is on or off.
 *
 * It shares two of exits.bpf.c's maps (user space hands over their fds):
 * the vCPU thread's record in `threads`, for the exit's key, stats slot and
 * exit timestamp, and `stats`, for the latency exits.bpf.c measured. Our
 * programs on kvm_exit and kvm_entry are attached after exits.bpf.c's (a
 * tracepoint calls its probes in the order they were attached), so they
 * see what exits.bpf.c just wrote. The split then adds up to exactly the
 * latency exittop reports for the same exit: the same timestamps.
 *
 * kvm_exit leaves what the split starts from in a per-CPU stash; most
 * exits reach their entry with no event in between (all KVM time), and
 * then that is all. The thread's first event moves it into a small state
 * machine in its task storage (struct attrib_rec), moved by: KVM_RUN's
 * return to user space (kvm_userspace_exit) and the next KVM_RUN (fentry
 * kvm_arch_vcpu_ioctl_run), kvm_vcpu_halt (fentry/fexit), sched_switch
 * (prev_state: preempted or asleep), sched_wakeup (asleep -> waiting for
 * a CPU). Each change charges the time
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
#include "detail.h"
#include "threads.bpf.h"

/* ---- exits.bpf.c's maps, shared: user space reuses their fds ---- */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EXITS_DEF_KEYS);	/* the real size comes with the fd */
	__type(key, __u32);
	__type(value, struct exits_val);
} stats SEC(".maps");

/*
 * --drill's maps (bpf/detail.bpf.c), shared the same way when both
 * options are on (have_detail): the thread's detail of the exit in
 * flight, and the split per detail key. Without --drill they are our
 * own, unused (the code reading them is dead and left out at load).
 */
const volatile __u32 have_detail = 0;

#include "pend.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* detail.bpf.c's size comes with the fd */
	__type(key, struct detail_key);
	__type(value, struct attrib_val);
} detail_attrib SEC(".maps");

/* ---- our own ---- */

/* the split per stats slot, same index; sized like stats by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EXITS_DEF_KEYS);
	__type(key, __u32);
	__type(value, struct attrib_val);
} attrib_stats SEC(".maps");

/* the drop counters and their flag for user space (drops.bpf.h) */
#define DROPS_MAP	attrib_drops
#define DROPS_N		ATTRIB_DROP_MAX
#include "drops.bpf.h"

/* What the split of one exit starts from, taken at its kvm_exit. */
struct attrib_exit {
	__u64 t_exit;		/* exits.bpf.c's kvm_exit timestamp, 0: none */
	__u64 lat_sum0;		/* stats[slot]'s lat_sum_ns and lat_count at the exit */
	__u64 lat_count0;
	struct exits_slot slot;	/* the exit's stats slot */
};

/*
 * Most exits (CPUID, MSR, ...) are handled without any event between
 * exit and entry: the thread stays on its CPU in KVM. So kvm_exit leaves
 * its snapshot in a per-CPU stash, tagged with the task, and only the
 * thread's first event in between (returning to user space, halting,
 * being switched out: all on this CPU, before any other thread runs here)
 * moves it into the thread's task storage. kvm_entry finds an exit
 * without events still in the stash: all KVM, and two task-storage
 * lookups fewer per exit.
 */
struct attrib_stash {
	__u64 task;		/* the task_struct's address, 0: empty */
	struct attrib_exit x;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct attrib_stash);
} attrib_cpu SEC(".maps");

/*
 * The per-exit record of one vCPU thread once an event happened: the
 * split of its exit in flight so far. Complete at kvm_entry, where it is
 * added to the exit's key, and with --drill to its detail key (add_detail).
 */
struct attrib_rec {
	struct attrib_exit x;	/* x.t_exit 0: no exit in flight */
	__u64 t_last;		/* the last state change */
	__u64 part[ATTRIB_REC_PARTS];	/* ns per part so far (KVM's: at entry) */
	__u32 state;		/* enum attrib_part the thread is in */
	__u32 in_halt;		/* inside kvm_vcpu_halt */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct attrib_rec);
} attrib_rec SEC(".maps");

static __always_inline struct attrib_stash *stash(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&attrib_cpu, &zero);
}

/* The record of task t if an exit of it is in flight (past the stash), else NULL. */
static __always_inline struct attrib_rec *rec_of(struct task_struct *t)
{
	struct attrib_rec *r;

	if (!t)
		return NULL;
	r = bpf_task_storage_get(&attrib_rec, t, 0, 0);
	return r && r->x.t_exit ? r : NULL;
}

/*
 * The record of t, the task running on this CPU: its exit moves from the
 * stash into its task storage if it is still there (t's first event since
 * the exit), else what rec_of() finds.
 */
static __always_inline struct attrib_rec *rec_running(struct task_struct *t)
{
	struct attrib_stash *st = stash();
	struct attrib_rec *r;
	int i;

	if (!st || !t || st->task != (__u64)t)
		return rec_of(t);
	st->task = 0;
	r = bpf_task_storage_get(&attrib_rec, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!r) {
		count_drop(ATTRIB_DROP_REC);
		return NULL;
	}
	r->x = st->x;
	r->t_last = st->x.t_exit;
	for (i = 0; i < ATTRIB_REC_PARTS; i++)
		r->part[i] = 0;
	r->state = ATTRIB_KVM;
	r->in_halt = 0;
	return r;
}

static __always_inline struct attrib_rec *rec_current(void)
{
	return rec_running(bpf_get_current_task_btf());
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
	struct attrib_stash *st = stash();
	struct exits_val *v;
	struct exits_inflight *fl;

	if (!st)
		return 0;
	st->task = 0;
	fl = thread_inflight(task);
	if (!fl || !fl->ts)
		return 0;	/* untraced thread (-p), or the exit was not counted */
	v = stats_val(&fl->slot);
	if (!v) {
		count_drop(ATTRIB_DROP_SLOT);
		return 0;
	}
	st->x.t_exit = fl->ts;
	st->x.lat_sum0 = v->lat_sum_ns;
	st->x.lat_count0 = v->lat_count;
	st->x.slot = fl->slot;
	st->task = (__u64)task;
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
 * prev is the task running here (the switch has not happened yet).
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(attrib_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct attrib_rec *r;

	r = rec_running(prev);
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
 * The exit's latency as exits.bpf.c measured it: its entry program, which
 * ran just before ours, added it to stats[slot] (one writer, so the sum
 * moved by exactly that latency). Anything else (a slot freed meanwhile):
 * our own clock, counted approx.
 */
static __always_inline __u64 exit_latency(const struct attrib_exit *x, bool *approx)
{
	struct exits_val *v = stats_val(&x->slot);
	__u64 now;

	*approx = false;
	if (v && v->lat_count == x->lat_count0 + 1)
		return v->lat_sum_ns - x->lat_sum0;
	*approx = true;
	now = bpf_ktime_get_ns();
	return now > x->t_exit ? now - x->t_exit : 0;
}

/*
 * Add one exit's split to a: lat in all, other[] of it not KVM's. gen:
 * the generation the value belongs to; another one starts it over.
 */
static __always_inline void add_to(struct attrib_val *a, __u64 gen, __u64 lat,
				   const __u64 *other, bool approx)
{
	__u64 sum = 0;
	int i;

	if (a->gen != gen) {
		/* the slot's key changed since: start it over */
		a->count = 0;
		a->total_ns = 0;
		for (i = 0; i < ATTRIB_PARTS; i++)
			a->part_ns[i] = 0;
		a->approx = 0;
		a->gen = gen;
	}
	if (other) {
		for (i = 1; i < ATTRIB_PARTS; i++) {
			a->part_ns[i] += other[i];
			sum += other[i];
		}
	}
	if (sum > lat) {
		/* cannot happen with exits.bpf.c's timestamps: keep the sum exact */
		approx = true;
		lat = sum;
	}
	a->count++;
	a->total_ns += lat;
	a->part_ns[ATTRIB_KVM] += lat - sum;
	a->approx += approx;
}

/* Add one exit's split to its slot. */
static __always_inline void add_split(const struct exits_slot *s, __u64 lat,
				      const __u64 *other, bool approx)
{
	struct attrib_val *a;
	__u32 idx = s->slot;

	a = bpf_map_lookup_elem(&attrib_stats, &idx);
	if (!a) {
		count_drop(ATTRIB_DROP_SLOT);
		return;
	}
	add_to(a, (__u32)s->gen, lat, other, approx);
}

/*
 * --drill too: the same split to the exit's detail key, if it has one.
 * detail.bpf.c's kvm_entry program ran just before (attached before
 * ours) and left the latency it added to the key in pend: the detail
 * row's own figure, a few ns off exits.bpf.c's, so attr_sum_ns equals the
 * row's lat_sum_ns. A key is written only by its vCPU's thread, and
 * user space deletes it only once its VM is gone: gen stays 0.
 */
static __always_inline void add_detail(struct task_struct *task, __u64 t_exit,
				       const __u64 *other)
{
	struct detail_pend *dp;
	struct attrib_val *a;

	if (!have_detail)
		return;
	dp = bpf_task_storage_get(&pend, task, 0, 0);
	if (!dp || dp->exit_ts != t_exit || dp->pending != DETAIL_PEND_DONE)
		return;		/* no detail for this exit (or not measured) */
	dp->pending = DETAIL_PEND_NONE;
	a = bpf_map_lookup_elem(&detail_attrib, &dp->key);
	if (!a) {
		struct attrib_val zero = {};

		/* the key's first split: one writer, as for details */
		bpf_map_update_elem(&detail_attrib, &dp->key, &zero, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&detail_attrib, &dp->key);
		if (!a) {
			count_drop(ATTRIB_DROP_DETAIL);
			return;
		}
	}
	add_to(a, 0, dp->lat_ns, other, false);
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(attrib_entry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct attrib_stash *st = stash();
	struct attrib_rec *r;
	__u64 lat;
	bool approx;

	if (st && st->task == (__u64)task) {
		/* no event since the exit: it was all KVM's time */
		st->task = 0;
		lat = exit_latency(&st->x, &approx);
		add_split(&st->x.slot, lat, NULL, approx);
		add_detail(task, st->x.t_exit, NULL);
		return 0;
	}
	r = rec_of(task);
	if (!r)
		return 0;
	move(r, ATTRIB_KVM);
	lat = exit_latency(&r->x, &approx);
	add_split(&r->x.slot, lat, r->part, approx);
	add_detail(task, r->x.t_exit, r->part);
	r->x.t_exit = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

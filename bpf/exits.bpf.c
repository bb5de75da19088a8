// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exittop's kernel side: per (VM, vCPU, exit reason) exit counts and
 * exit-to-next-entry latency histograms, aggregated in per-CPU maps.
 * Nothing is sent to user space per event; user space reads the maps
 * once per refresh. See docs/bpf-design.md.
 *
 * Two pairs of programs, one loaded (user/tpmode.c picks, --tracepoints):
 *
 * BTF tracepoints (tp_btf, the default): the raw arguments, so no trace
 * record is built per event (a classic record costs KVM a get_exit_info
 * call, a guest RIP read and a perf buffer for each exit and each entry).
 * Since Linux 5.16 the raw arguments of kvm_exit are (vcpu, isa) only; the
 * exit reason is read from the vendor structs (vcpu_svm->vmcb->control.
 * exit_code, vcpu_vmx->exit_reason.full) through kvm-amd.ko's or
 * kvm-intel.ko's module BTF, where KVM's own get_exit_info reads it.
 *
 * Classic tracepoints (SEC("tp/kvm/...")), the fallback for kernels before
 * 5.16 or without module BTF: the record KVM built, with exit_reason, isa
 * and vcpu_id in it. Its layout changes between releases (6.18 adds
 * `requests` to kvm_exit), so the record is declared here with CO-RE (___x
 * flavours, preserve_access_index) and each field is relocated against the
 * running kernel's (or kvm module's) BTF. Without such BTF, user space
 * passes the offsets it parsed from tracefs' format files (off_* below).
 *
 * RETURN-1 RULE: a classic tracepoint program's return value decides in
 * perf_trace_run_bpf_submit() whether the record still goes to the perf
 * ring buffers: 0 drops it for every other perf consumer of the event
 * (perf stat/record, kvm_stat via perf), 1 keeps it. Every path of the
 * classic programs returns 1 (a BTF tracepoint's return value is ignored).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exits.h"
#include "lat.bpf.h"
#include "threads.bpf.h"

#define TP_KEEP_RECORD	1	/* see the RETURN-1 RULE above */

/*
 * `make bench` builds this object again with EXITS_BENCH_STAGE=1..4 to
 * measure what each part of the programs costs per exit: the programs
 * stop after 1: nothing (the bare tracepoint + program call), 2: the
 * thread-record lookups, 3: the exit reason reads, 4: the stats map
 * lookup and count, with the key remembered in the thread's record for
 * the next exit (kvm_entry stops as in 3); a normal build runs everything
 * (the clock reads and the latency come last). No effect on normal builds.
 */
#ifdef EXITS_BENCH_STAGE
#define BENCH_STOP(n, ...) do { if (EXITS_BENCH_STAGE == (n)) return __VA_ARGS__; } while (0)
#else
#define BENCH_STOP(n, ...) do { } while (0)
#endif

/*
 * It also builds it with EXITS_BENCH_PROBE_READS, where kvm_exit_btf_ld
 * reads the exit reason with bpf_probe_read_kernel() as kvm_exit_btf does:
 * what the plain loads save, measured on the same kernel (6.2+).
 */
#ifdef EXITS_BENCH_PROBE_READS
#define REASON_LOADS false
#else
#define REASON_LOADS true
#endif

/*
 * And with EXITS_BENCH_FLOOR: the BTF programs read the exit reason and the
 * clock at kvm_exit and the clock at kvm_entry, and keep nothing (no thread
 * record, no map; one global store): the least a tracer of per-reason
 * latency pays per exit on this kernel, whatever it keeps.
 */
#ifdef EXITS_BENCH_FLOOR
__u64 bench_sink = 0;
#define BENCH_FLOOR(v, ...) do { bench_sink = (v) + bpf_ktime_get_ns(); return __VA_ARGS__; } while (0)
#else
#define BENCH_FLOOR(v, ...) do { } while (0)
#endif

#ifdef EXITS_TEST_TRACEFS_OFFSETS
/* test build: pretend the kernel's BTF lacks the record (tracefs fallback) */
#define trace_event_raw_kvm_exit___x trace_event_raw_kvm_exit_absent___x
#endif

/* kvm:kvm_exit record (trace_event_raw_kvm_exit), only the fields we read */
struct trace_event_raw_kvm_exit___x {
	unsigned int exit_reason;
	unsigned int isa;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

/* Set by user space before load. */
const volatile bool filter_pids = false;	/* trace only pids in `pids` */
/* tracefs offsets of kvm_exit's fields, for kernels whose BTF lacks the record */
const volatile int off_reason = -1;
const volatile int off_isa = -1;
const volatile int off_vcpu = -1;

/*
 * The counters live in an array, one slot per key; `slots` maps a key to
 * its slot. One copy, not one per CPU: a key (VMM, vCPU, reason) is only
 * written by its vCPU's thread, and KVM_RUN holds the vCPU's mutex, so
 * there is never a second writer at the same time and plain stores need
 * no atomics; memory does not grow with the CPU count. User space reads it
 * through mmap (BPF_F_MMAPABLE), with no syscall per key. A vCPU thread caches its last key's slot in its
 * storage (struct exits_inflight), so an exit whose key repeats (the common case
 * at high exit rates) costs an array lookup instead of hashing the key.
 * A key's first exit takes a slot from free_slots (filled by user space,
 * which also returns the slots of ended VMs there, zeroed and with their
 * generation bumped). All three are sized alike by user space.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EXITS_DEF_KEYS);	/* user space may resize */
	__type(key, __u32);
	__type(value, struct exits_val);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXITS_DEF_KEYS);
	__type(key, struct exits_key);
	__type(value, struct exits_slot);
} slots SEC(".maps");

/*
 * Keys made in `slots` so far: user space reads the key list again only
 * when this moved (or it freed slots itself), not on every refresh. An
 * atomic add, but once per new key, never per exit.
 */
__u64 keys_made = 0;

/* a stack: a freed slot is the next one given out (warm, and tested) */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, EXITS_DEF_KEYS);
	__type(value, __u32);
} free_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXITS_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

/* the drop counters and their flag for user space (drops.bpf.h) */
#define DROPS_MAP	drops
#define DROPS_N		EXITS_DROP_MAX
#include "drops.bpf.h"

static __always_inline bool traced(__u32 tgid)
{
	if (!filter_pids)
		return true;
	return bpf_map_lookup_elem(&pids, &tgid) != NULL;
}

static __always_inline unsigned int rd_u32(void *ctx, int off)
{
	unsigned int v = 0;

	if (off >= 0)
		bpf_probe_read_kernel(&v, sizeof(v), (char *)ctx + off);
	return v;
}

/*
 * A free record for the current thread, or its stale one (a dead thread's
 * with the same id), taken over with a compare-and-swap: once per thread,
 * on its first exit. NULL if every probe place is taken.
 */
static __always_inline struct exits_thread *thread_claim(struct task_struct *task)
{
	__u64 t = (__u32)task->pid;
	__u32 h = thread_hash(t), i;

#pragma unroll
	for (i = 0; i < EXITS_THREAD_PROBES; i++) {
		__u32 idx = (h + i) & (EXITS_THREADS - 1);
		struct exits_thread *r = bpf_map_lookup_elem(&threads, &idx);

		if (!r)
			continue;
		if (r->tid == t ||
		    (!r->tid && __sync_val_compare_and_swap(&r->tid, 0, t) == 0))
			return r;
	}
	return NULL;
}

/*
 * The vCPU thread's record, made on its first exit. It also keeps the
 * thread's tgid, so the steady state needs no pid helper call (a thread
 * never changes its tgid). Returns false if the thread is not traced
 * (-p). *rp is NULL if no record could be had (table full): the exit is
 * still counted, only its latency is lost.
 */
static __always_inline bool thread_storage(struct exits_thread **rp, __u32 *tgidp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exits_thread *r = thread_find(task);
	__u32 tgid;

	if (r) {
		*rp = r;
		*tgidp = r->fl.tgid;
		return !r->untraced;
	}
	tgid = bpf_get_current_pid_tgid() >> 32;
	r = thread_claim(task);
	if (r) {
		struct exits_inflight zero = {};
		struct exits_kslot none = {};
		int i;

		r->start = task->start_time;
		r->untraced = !traced(tgid);
		r->kc_next = 0;
		r->fl = zero;
		r->fl.tgid = tgid;
		/* a zero key matches no exit: no vCPU thread has tgid 0 */
		for (i = 0; i < EXITS_KCACHE; i++)
			r->kc[i] = none;
		*rp = r;
		*tgidp = tgid;
		return !r->untraced;
	}
	if (!traced(tgid))
		return false;
	count_drop(EXITS_DROP_LAT);
	*rp = NULL;
	*tgidp = tgid;
	return true;
}

static __always_inline bool same_key(const struct exits_key *a, const struct exits_key *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/* The counters in slot s, unless the slot was freed since (gen). */
static __always_inline struct exits_val *slot_val(const struct exits_slot *s)
{
	__u32 idx = s->slot;
	struct exits_val *v = bpf_map_lookup_elem(&stats, &idx);

	return v && (__u32)v->gen == s->gen ? v : NULL;
}

/*
 * The counters of key, through `slots`; on the key's first exit (or the
 * first after user space freed it) a slot is claimed from free_slots. The
 * stack's lock is only taken here, once per new key, never per exit.
 */
static __always_inline struct exits_val *key_val(const struct exits_key *key,
						 struct exits_slot *out)
{
	struct exits_slot *s, ns = {};
	struct exits_val *v;

	s = bpf_map_lookup_elem(&slots, key);
	if (!s) {
		if (bpf_map_pop_elem(&free_slots, &ns.slot))
			return NULL;			/* every slot taken */
		v = bpf_map_lookup_elem(&stats, &ns.slot);
		if (!v)
			return NULL;			/* not a slot number (cannot happen) */
		ns.gen = (__u32)v->gen;
		if (!bpf_map_update_elem(&slots, key, &ns, BPF_NOEXIST)) {
			__sync_fetch_and_add(&keys_made, 1);
			*out = ns;
			return v;
		}
		/* another CPU claimed a slot for key first (or slots is full) */
		bpf_map_push_elem(&free_slots, &ns.slot, 0);
		s = bpf_map_lookup_elem(&slots, key);
		if (!s)
			return NULL;
	}
	*out = *s;
	return slot_val(out);
}

/*
 * The counters of key for thread r: the slot of the thread's last key (the
 * common case at high exit rates), else of one of the keys it had before
 * (kc[]), else through `slots`. The last key then moves into kc[]: into the
 * entry key came from, or over the oldest one when key came from `slots`.
 */
static __always_inline struct exits_val *thread_key_val(struct exits_thread *r,
						       const struct exits_key *key,
						       struct exits_slot *ks)
{
	struct exits_kslot last;
	struct exits_val *v;
	__u32 i, n;

	if (same_key(&r->fl.key, key)) {
		*ks = r->fl.slot;
		v = slot_val(ks);
		return v ? v : key_val(key, ks);	/* slot freed since: again */
	}
	last.key = r->fl.key;
	last.slot = r->fl.slot;
#pragma unroll
	for (i = 0; i < EXITS_KCACHE; i++) {
		if (same_key(&r->kc[i].key, key)) {
			*ks = r->kc[i].slot;
			v = slot_val(ks);
			r->kc[i] = last;
			return v ? v : key_val(key, ks);
		}
	}
	n = r->kc_next;
	if (n >= EXITS_KCACHE)
		n = 0;
	r->kc[n] = last;
	r->kc_next = n + 1 < EXITS_KCACHE ? n + 1 : 0;
	return key_val(key, ks);
}

/*
 * Both program pairs below share these two halves. count_exit() counts the
 * exit under its key and remembers (key, slot, time) in the vCPU thread's
 * record r (NULL: none could be had); finish_entry() adds the remembered
 * exit's latency to its slot on the next entry.
 */
static __always_inline void count_exit(const struct exits_key *key, struct exits_thread *r)
{
	struct exits_slot ks = {};
	struct exits_val *v;

	v = r ? thread_key_val(r, key, &ks) : key_val(key, &ks);
	if (!v) {
		count_drop(EXITS_DROP_EXIT);	/* no slot left */
		return;
	}
	v->count++;		/* one writer per key (the vCPU's thread): plain increment */
	if (!r)
		return;
	r->fl.key = *key;
	r->fl.slot = ks;
	BENCH_STOP(4);
	r->fl.ts = bpf_ktime_get_ns();
}

static __always_inline void finish_entry(void)
{
	struct exits_val *v;
	struct exits_inflight *fl;
	__u64 now, ns;

	/* an untraced thread's record (-p) has no exit in flight for us */
	fl = thread_inflight(bpf_get_current_task_btf());
	BENCH_STOP(2);
	BENCH_STOP(3);
	BENCH_STOP(4);
	if (!fl || !fl->ts)
		return;		/* first entry of KVM_RUN, or untraced */
	now = bpf_ktime_get_ns();
	ns = now > fl->ts ? now - fl->ts : 0;
	fl->ts = 0;
	/* the array lookup is inlined: cheaper than carrying ns to the next exit */
	v = slot_val(&fl->slot);
	if (!v) {
		count_drop(EXITS_DROP_LAT);	/* slot freed meanwhile */
		return;
	}
	add_lat(v, ns);
}

/* ---- classic tracepoints: the record KVM built (see the top comment) ---- */

SEC("tp/kvm/kvm_exit")
int kvm_exit(void *ctx)
{
	struct trace_event_raw_kvm_exit___x *e = ctx;
	struct exits_key key = {};
	struct exits_thread *r;

	BENCH_STOP(1, TP_KEEP_RECORD);
	if (!thread_storage(&r, &key.pid))
		return TP_KEEP_RECORD;	/* not traced (-p) */
	BENCH_STOP(2, TP_KEEP_RECORD);
	if (bpf_core_field_exists(e->exit_reason))
		key.reason = e->exit_reason;
	else
		key.reason = rd_u32(ctx, off_reason);
	if (bpf_core_field_exists(e->isa))
		key.isa = e->isa;
	else
		key.isa = rd_u32(ctx, off_isa);
	if (bpf_core_field_exists(e->vcpu_id))
		key.vcpu = e->vcpu_id;
	else
		key.vcpu = rd_u32(ctx, off_vcpu);
	BENCH_STOP(3, TP_KEEP_RECORD);
	count_exit(&key, r);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_entry")
int kvm_entry(void *ctx)
{
	BENCH_STOP(1, TP_KEEP_RECORD);
	finish_entry();
	return TP_KEEP_RECORD;
}

/*
 * ---- BTF tracepoints: the raw arguments, no record built ----
 *
 * kvm_exit(struct kvm_vcpu *vcpu, u32 isa) since 5.16: the exit reason is
 * read where KVM's own get_exit_info reads it for the classic record, in
 * the vendor's vCPU struct (kvm-amd.ko / kvm-intel.ko module BTF). The
 * struct of a vendor module that is not loaded does not exist: its branch
 * is then a constant false for the verifier (bpf_core_type_exists), so the
 * object loads on either vendor. User space picks this pair only when the
 * kernel has the 5.16+ argument list and the vendor's BTF (user/tpmode.c).
 */
struct vmcb_control_area___x {
	__u32 exit_code;
} __attribute__((preserve_access_index));

struct vmcb___x {
	struct vmcb_control_area___x control;
} __attribute__((preserve_access_index));

struct vcpu_svm___x {
	struct kvm_vcpu vcpu;
	struct vmcb___x *vmcb;		/* the VMCB the vCPU runs on now */
} __attribute__((preserve_access_index));

union vmx_exit_reason___x {
	__u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___x {
	struct kvm_vcpu vcpu;
	union vmx_exit_reason___x exit_reason;
} __attribute__((preserve_access_index));

static __always_inline __u32 vendor_exit_reason(struct kvm_vcpu *vcpu, __u32 isa)
{
	if (isa == EXITS_ISA_SVM) {
		if (bpf_core_type_exists(struct vcpu_svm___x)) {
			struct vcpu_svm___x *svm = (void *)((char *)vcpu -
				bpf_core_field_offset(struct vcpu_svm___x, vcpu));

			return BPF_CORE_READ(svm, vmcb, control.exit_code);
		}
	} else if (isa == EXITS_ISA_VMX) {
		if (bpf_core_type_exists(struct vcpu_vmx___x)) {
			struct vcpu_vmx___x *vmx = (void *)((char *)vcpu -
				bpf_core_field_offset(struct vcpu_vmx___x, vcpu));

			return BPF_CORE_READ(vmx, exit_reason.full);
		}
	}
	return EXITS_REASON_UNKNOWN;
}

/*
 * Linux 6.2+: the same reads as plain loads. bpf_rdonly_cast() retypes an
 * address for loads that cannot fault (a bad address reads as 0), and the
 * verifier turns the call into a register move; each read then costs a
 * load where bpf_probe_read_kernel() costs a helper call. It only casts to
 * vmlinux types, and the vendor structs live in module BTF, so the
 * addresses are computed with the module's field offsets (CO-RE, as above)
 * and read through the vmlinux structs that have the wanted member at
 * offset 0: list_head (a pointer), in_addr (a u32). Weak: on older kernels
 * the kfunc is absent and user space loads kvm_exit_btf instead
 * (tp_btf_usable(), user/tpmode.c), so this program is not loaded.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym __weak;

#define AT(base, off, type) \
	((struct type *)bpf_rdonly_cast((char *)(base) + (off), bpf_core_type_id_kernel(struct type)))

static __always_inline __u32 vendor_exit_reason_ld(struct kvm_vcpu *vcpu, __u32 isa)
{
	if (isa == EXITS_ISA_SVM) {
		if (bpf_core_type_exists(struct vcpu_svm___x)) {
			long vmcb = bpf_core_field_offset(struct vcpu_svm___x, vmcb) -
				    bpf_core_field_offset(struct vcpu_svm___x, vcpu);
			long code = bpf_core_field_offset(struct vmcb___x, control.exit_code);

			return AT(AT(vcpu, vmcb, list_head)->next, code, in_addr)->s_addr;
		}
	} else if (isa == EXITS_ISA_VMX) {
		if (bpf_core_type_exists(struct vcpu_vmx___x)) {
			long reason = bpf_core_field_offset(struct vcpu_vmx___x, exit_reason.full) -
				      bpf_core_field_offset(struct vcpu_vmx___x, vcpu);

			return AT(vcpu, reason, in_addr)->s_addr;
		}
	}
	return EXITS_REASON_UNKNOWN;
}

static __always_inline __u32 exit_reason(struct kvm_vcpu *vcpu, __u32 isa, bool loads)
{
	return loads ? vendor_exit_reason_ld(vcpu, isa) : vendor_exit_reason(vcpu, isa);
}

/* both kvm_exit programs below, with the reads of one or the other kind */
static __always_inline void exit_btf(struct kvm_vcpu *vcpu, __u32 isa, bool loads)
{
	struct exits_key key = {};
	struct exits_thread *r;

	BENCH_FLOOR(exit_reason(vcpu, isa, loads));
	BENCH_STOP(1);
	if (!thread_storage(&r, &key.pid))
		return;
	BENCH_STOP(2);
	key.isa = isa;
	key.reason = exit_reason(vcpu, isa, loads);
	key.vcpu = vcpu->vcpu_id;	/* BTF pointer: a plain load, no helper */
	BENCH_STOP(3);
	count_exit(&key, r);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf, struct kvm_vcpu *vcpu, __u32 isa)
{
	if (vcpu)	/* 6.10+ types raw tracepoint arguments maybe-NULL */
		exit_btf(vcpu, isa, false);
	return 0;	/* ignored for BTF tracepoints */
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf_ld, struct kvm_vcpu *vcpu, __u32 isa)
{
	if (vcpu)
		exit_btf(vcpu, isa, REASON_LOADS);
	return 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(kvm_entry_btf)
{
	BENCH_FLOOR(0, 0);
	BENCH_STOP(1, 0);
	finish_entry();
	return 0;
}

/*
 * A thread's record is freed when it exits (sched_process_exit runs for
 * every exiting thread, in its own context): only the owner writes it.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit, struct task_struct *p)
{
	struct exits_thread *r = thread_find(p);

	if (r)
		r->tid = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

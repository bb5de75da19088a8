// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exittop's kernel side: per (VM, vCPU, exit reason) exit counts and
 * exit-to-next-entry latency histograms, aggregated in per-CPU maps.
 * Nothing is sent to user space per event; user space reads the maps
 * once per refresh. See docs/bpf-design.md.
 *
 * Why classic tracepoints (SEC("tp/kvm/...")) and not tp_btf/raw_tp:
 * since Linux 5.16 the raw arguments of kvm_exit are (vcpu, isa) only; the
 * exit reason lives in the vendor structs (vcpu_vmx->exit_reason.full,
 * vcpu_svm->vmcb->control.exit_code) of kvm-intel.ko / kvm-amd.ko, whose
 * layout changes between releases and which would need one program per
 * vendor plus module BTF. The classic tracepoint hands us the record KVM
 * already built (kvm_x86_ops.get_exit_info) with exit_reason, isa and
 * vcpu_id in it, identical in meaning on VMX and SVM and on 6.1 .. 6.18.
 * Its record layout does change (6.18 adds `requests` to kvm_exit and
 * intr_info/error_code to kvm_entry), so the records are declared
 * here with CO-RE (___x flavours, preserve_access_index) and each field is
 * relocated against the running kernel's (or kvm module's) BTF. Without
 * such BTF, user space passes the offsets it parsed from tracefs' format
 * files (off_* below).
 *
 * RETURN-1 RULE: a classic tracepoint program's return value decides in
 * perf_trace_run_bpf_submit() whether the record still goes to the perf
 * ring buffers: 0 drops it for every other perf consumer of the event
 * (perf stat/record, kvm_stat via perf), 1 keeps it. Every path below
 * returns 1.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "exits.h"

#define TP_KEEP_RECORD	1	/* see the RETURN-1 RULE above */

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EXITS_DEF_KEYS);	/* user space may resize */
	__type(key, struct exits_key);
	__type(value, struct exits_val);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXITS_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXITS_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* the exit in flight of one vCPU thread, waiting for its next kvm_entry */
struct inflight {
	__u64 ts;		/* bpf_ktime_get_ns() at kvm_exit, 0: none */
	struct exits_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

static const struct exits_val zero_val;

static __always_inline void count_drop(__u32 idx)
{
	__u64 *d = bpf_map_lookup_elem(&drops, &idx);

	if (d)
		(*d)++;		/* per-CPU slot: no atomic needed */
}

static __always_inline bool traced(__u32 tgid)
{
	if (!filter_pids)
		return true;
	return bpf_map_lookup_elem(&pids, &tgid) != NULL;
}

/* floor(log2(v)), 0 for v <= 1; branch-free, bounded */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r, s;

	r = (v > 0xFFFFFFFFULL) << 5; v >>= r;
	s = (v > 0xFFFF) << 4; v >>= s; r |= s;
	s = (v > 0xFF) << 3; v >>= s; r |= s;
	s = (v > 0xF) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r;
}

static __always_inline unsigned int rd_u32(void *ctx, int off)
{
	unsigned int v = 0;

	if (off >= 0)
		bpf_probe_read_kernel(&v, sizeof(v), (char *)ctx + off);
	return v;
}

SEC("tp/kvm/kvm_exit")
int kvm_exit(void *ctx)
{
	struct trace_event_raw_kvm_exit___x *e = ctx;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exits_key key = {};
	struct exits_val *v;
	struct inflight *fl;

	if (!traced(tgid))
		return TP_KEEP_RECORD;

	key.pid = tgid;
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

	v = bpf_map_lookup_elem(&stats, &key);
	if (!v) {
		/* first exit of this key (or after user space deleted it) */
		bpf_map_update_elem(&stats, &key, &zero_val, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&stats, &key);
		if (!v) {
			count_drop(EXITS_DROP_EXIT);	/* map full */
			return TP_KEEP_RECORD;
		}
	}
	v->count++;		/* per-CPU value: plain increment */

	fl = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!fl) {
		count_drop(EXITS_DROP_LAT);
		return TP_KEEP_RECORD;
	}
	fl->key = key;
	fl->ts = bpf_ktime_get_ns();
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_entry")
int kvm_entry(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exits_key key;
	struct exits_val *v;
	struct inflight *fl;
	__u64 now, ns;
	__u32 slot;

	if (!traced(tgid))
		return TP_KEEP_RECORD;
	fl = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	if (!fl || !fl->ts)
		return TP_KEEP_RECORD;	/* first entry of KVM_RUN, or untraced */
	now = bpf_ktime_get_ns();
	ns = now > fl->ts ? now - fl->ts : 0;
	key = fl->key;
	fl->ts = 0;

	v = bpf_map_lookup_elem(&stats, &key);
	if (!v) {
		count_drop(EXITS_DROP_LAT);	/* key deleted meanwhile */
		return TP_KEEP_RECORD;
	}
	slot = log2_u64(ns);
	if (slot >= EXITS_HIST_SLOTS)
		slot = EXITS_HIST_SLOTS - 1;
	/* keep an explicit bound the 6.1 verifier can see */
	barrier_var(slot);
	slot &= EXITS_HIST_SLOTS - 1;
	v->hist[slot]++;
	v->lat_count++;
	v->lat_sum_ns += ns;
	if (ns > v->lat_max_ns)
		v->lat_max_ns = ns;
	return TP_KEEP_RECORD;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

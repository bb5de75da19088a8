// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exittop --drill: one level below the exit reason. Which port, MSR,
 * guest-physical page, CPUID leaf or hypercall an exit was for, with the
 * exit's count and exit-to-entry latency per (VM, vCPU, reason, detail).
 * See docs/bpf-design.md ("Drill-down").
 *
 * A separate object from exits.bpf.c, loaded and attached only with
 * --drill: without it not one instruction of this file runs, and the
 * kvm_exit/kvm_entry programs of exits.bpf.c are the same either way.
 *
 * KVM fires its detail tracepoints (kvm_pio, kvm_msr, kvm_page_fault,
 * kvm_mmio, kvm_fast_mmio, kvm_cpuid, kvm_hypercall) on the vCPU's thread
 * between kvm_exit and the next kvm_entry (an IN that user space served:
 * when KVM_RUN comes back, still before that entry). The programs here
 * read exits.bpf.c's thread records `threads` (the same map, shared by fd):
 * its ts and key are the exit in flight. The first detail event of an exit
 * counts it under (exit's key, detail); later ones of the same exit (an
 * MMIO read's second kvm_mmio when user space completes it) are ignored,
 * so a detail row counts exits, like a reason row. On that thread's next
 * kvm_entry the exit's latency, from the very timestamp exits.bpf.c took,
 * is added to the detail's counters (struct exits_val, the same figures).
 *
 * Two sets of programs, as in exits.bpf.c; user space loads the kind the
 * exit programs use. BTF tracepoints (tp_btf): the raw arguments, no
 * record built (the same argument lists on 6.1, 6.12 and 6.18; user
 * space checks each against the kernel's BTF and takes the classic
 * program of an event whose list differs). Classic tracepoints: the
 * records, with the same field names on those kernels (relocated with
 * CO-RE, as the kvm_exit record in exits.bpf.c). RETURN-1 RULE as in
 * exits.bpf.c: every classic program returns 1 (TP_KEEP_RECORD) on every
 * path, so perf and other consumers keep their records.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exits.h"
#include "detail.h"
#include "attrib.h"
#include "lat.bpf.h"
#include "threads.bpf.h"

#define TP_KEEP_RECORD	1

/* Set by user space before load: the drilled reasons (detail.h). */
const volatile __u32 ndrill = 0;
const volatile struct detail_reason drill[DETAIL_MAX_REASONS] = {};

/*
 * The detail counters: fixed size (user space sets max_entries, --drill-keys),
 * preallocated. A full map never takes a key from another one: the exit
 * is counted in drops[DETAIL_DROP_EXIT] and its reason row still has it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DETAIL_DEF_KEYS);
	__type(key, struct detail_key);
	__type(value, struct exits_val);
} details SEC(".maps");

/*
 * --attrib's split per detail key (struct attrib_val, bpf/attrib.h): not
 * written here, only by attrib.bpf.c's kvm_entry program, which user
 * space points at this map. Here so that it lives and is read and
 * cleaned with `details`; sized like it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DETAIL_DEF_KEYS);
	__type(key, struct detail_key);
	__type(value, struct attrib_val);
} detail_attrib SEC(".maps");

#include "pend.bpf.h"

/* the drop counters and their flag for user space (drops.bpf.h) */
#define DROPS_MAP	detail_drops
#define DROPS_N		DETAIL_DROP_MAX
#include "drops.bpf.h"

/* Does an exit of (isa, reason) take a detail of this kind? Bounded, unrolled. */
static __always_inline bool drilled(__u32 isa, __u32 reason, __u32 kind)
{
#pragma unroll
	for (int i = 0; i < DETAIL_MAX_REASONS; i++) {
		if (i >= ndrill)
			break;
		if (drill[i].isa == isa && drill[i].reason == reason &&
		    (drill[i].kinds & (1U << kind)))
			return true;
	}
	return false;
}

/*
 * A detail event on the current thread: count the exit in flight under
 * (its key, kind, attr, id), unless this exit already has its detail.
 */
static __always_inline void detail_event(__u32 kind, __u32 attr, __u64 id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct exits_inflight *fl;
	struct detail_pend *dp;
	struct exits_val *v;
	struct detail_key k = {};

	fl = thread_inflight(task);
	if (!fl || !fl->ts)
		return;		/* untraced thread (-p), or no exit in flight */
	if (!drilled(fl->key.isa, fl->key.reason, kind))
		return;
	dp = bpf_task_storage_get(&pend, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!dp) {
		count_drop(DETAIL_DROP_EXIT);
		return;
	}
	if (dp->exit_ts == fl->ts)
		return;		/* this exit's detail is counted already */
	dp->exit_ts = fl->ts;
	dp->pending = DETAIL_PEND_NONE;
	k.pid = fl->key.pid;
	k.vcpu = fl->key.vcpu;
	k.reason = fl->key.reason;
	k.isa = fl->key.isa;
	k.kind = kind;
	k.attr = attr;
	k.id = id;
	v = bpf_map_lookup_elem(&details, &k);
	if (!v) {
		struct exits_val zero = {};

		/* the key's first exit; another CPU cannot make it: one writer */
		bpf_map_update_elem(&details, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&details, &k);
		if (!v) {
			count_drop(DETAIL_DROP_EXIT);	/* map full */
			return;
		}
	}
	v->count++;		/* one writer per key (pid, vcpu): plain increment */
	dp->key = k;
	dp->pending = DETAIL_PEND_LAT;
}

/* The next entry of the thread: the exit's latency goes to its detail. */
static __always_inline void detail_entry(void)
{
	struct detail_pend *dp;
	struct exits_val *v;
	__u64 now, lat;

	dp = bpf_task_storage_get(&pend, bpf_get_current_task_btf(), 0, 0);
	if (!dp || dp->pending != DETAIL_PEND_LAT)
		return;
	dp->pending = DETAIL_PEND_NONE;
	now = bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&details, &dp->key);
	if (!v) {
		count_drop(DETAIL_DROP_LAT);	/* freed meanwhile (VM gone) */
		return;
	}
	lat = now > dp->exit_ts ? now - dp->exit_ts : 0;
	add_lat(v, lat);
	/* for attrib.bpf.c's entry program, which runs next (--attrib) */
	dp->lat_ns = lat;
	dp->pending = DETAIL_PEND_DONE;
}

/*
 * Leaves whose ECX selects a subleaf (SDM vol. 2A CPUID, APM vol. 3
 * appendix E, and the exittop kernel patch's per-reason leaves): only
 * these are told apart by subleaf, so that the garbage ECX of other
 * leaves does not make keys.
 */
static __always_inline bool cpuid_has_subleaf(__u32 leaf)
{
	switch (leaf) {
	case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1f: case 0x20:
	case 0x23: case 0x24:
	case 0x8000001d: case 0x80000020: case 0x80000026:
	case 0x4ffffffd: case 0x4ffffffc:
		return true;
	}
	return false;
}

/* ---- the records (only the fields read; CO-RE relocated) ---- */

struct trace_event_raw_kvm_pio___x {
	unsigned int rw;
	unsigned int port;
	unsigned int size;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_msr___x {
	unsigned int write;
	unsigned int ecx;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_page_fault___x {
	__u64 fault_address;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_mmio___x {
	__u32 type;
	__u32 len;
	__u64 gpa;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_fast_mmio___x {
	__u64 gpa;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_cpuid___x {
	unsigned int function;
	unsigned int index;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_hypercall___x {
	unsigned long nr;
} __attribute__((preserve_access_index));

#define KVM_PIO_IN	0	/* kvm_pio's rw (KVM_PIO_OUT is 1) */
#define TRACE_MMIO_READ_UNSATISFIED	0	/* kvm_mmio's type */
#define TRACE_MMIO_READ			1
#define TRACE_MMIO_WRITE		2

static __always_inline __u32 pio_attr(unsigned int rw, unsigned int size)
{
	return (size & 0xff) | (rw == KVM_PIO_IN ? DETAIL_PIO_IN : 0);
}

SEC("tp/kvm/kvm_pio")
int detail_pio(void *ctx)
{
	struct trace_event_raw_kvm_pio___x *e = ctx;

	detail_event(DETAIL_PIO, pio_attr(e->rw, e->size), e->port);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_msr")
int detail_msr(void *ctx)
{
	struct trace_event_raw_kvm_msr___x *e = ctx;

	detail_event(DETAIL_MSR, e->write ? DETAIL_MSR_WRITE : 0, e->ecx);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_page_fault")
int detail_page_fault(void *ctx)
{
	struct trace_event_raw_kvm_page_fault___x *e = ctx;

	detail_event(DETAIL_GPA, 0, e->fault_address & DETAIL_PAGE_MASK);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_mmio")
int detail_mmio(void *ctx)
{
	struct trace_event_raw_kvm_mmio___x *e = ctx;
	__u32 acc = e->type == TRACE_MMIO_WRITE ? DETAIL_MMIO_WRITE : DETAIL_MMIO_READ;

	detail_event(DETAIL_MMIO, acc | (e->len & 0xff) << 4, e->gpa & DETAIL_PAGE_MASK);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_fast_mmio")
int detail_fast_mmio(void *ctx)
{
	struct trace_event_raw_kvm_fast_mmio___x *e = ctx;

	detail_event(DETAIL_MMIO, DETAIL_MMIO_FAST, e->gpa & DETAIL_PAGE_MASK);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_cpuid")
int detail_cpuid(void *ctx)
{
	struct trace_event_raw_kvm_cpuid___x *e = ctx;
	__u32 leaf = e->function, sub = 0;

	if (bpf_core_field_exists(e->index) && cpuid_has_subleaf(leaf))
		sub = e->index;
	detail_event(DETAIL_CPUID, cpuid_has_subleaf(leaf) ? DETAIL_CPUID_SUB : 0,
		     leaf | (__u64)sub << 32);
	return TP_KEEP_RECORD;
}

SEC("tp/kvm/kvm_hypercall")
int detail_hypercall(void *ctx)
{
	struct trace_event_raw_kvm_hypercall___x *e = ctx;

	detail_event(DETAIL_HCALL, 0, e->nr);
	return TP_KEEP_RECORD;
}

/* ---- BTF tracepoints: the raw arguments (TP_PROTO), no record built ---- */

SEC("tp_btf/kvm_pio")
int BPF_PROG(detail_pio_btf, unsigned int rw, unsigned int port, unsigned int size)
{
	detail_event(DETAIL_PIO, pio_attr(rw, size), port);
	return 0;
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(detail_msr_btf, unsigned int write, __u32 ecx)
{
	detail_event(DETAIL_MSR, write ? DETAIL_MSR_WRITE : 0, ecx);
	return 0;
}

SEC("tp_btf/kvm_page_fault")
int BPF_PROG(detail_page_fault_btf, struct kvm_vcpu *vcpu, __u64 fault_address)
{
	detail_event(DETAIL_GPA, 0, fault_address & DETAIL_PAGE_MASK);
	return 0;
}

SEC("tp_btf/kvm_mmio")
int BPF_PROG(detail_mmio_btf, int type, int len, __u64 gpa)
{
	__u32 acc = type == TRACE_MMIO_WRITE ? DETAIL_MMIO_WRITE : DETAIL_MMIO_READ;

	detail_event(DETAIL_MMIO, acc | (len & 0xff) << 4, gpa & DETAIL_PAGE_MASK);
	return 0;
}

SEC("tp_btf/kvm_fast_mmio")
int BPF_PROG(detail_fast_mmio_btf, __u64 gpa)
{
	detail_event(DETAIL_MMIO, DETAIL_MMIO_FAST, gpa & DETAIL_PAGE_MASK);
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(detail_cpuid_btf, unsigned int function, unsigned int index)
{
	bool sub = cpuid_has_subleaf(function);

	detail_event(DETAIL_CPUID, sub ? DETAIL_CPUID_SUB : 0,
		     function | (__u64)(sub ? index : 0) << 32);
	return 0;
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(detail_hypercall_btf, unsigned long nr)
{
	detail_event(DETAIL_HCALL, 0, nr);
	return 0;
}

/* the entry: the pair exits.bpf.c runs (BTF or classic), user space picks */
SEC("tp/kvm/kvm_entry")
int detail_entry_tp(void *ctx)
{
	detail_entry();
	return TP_KEEP_RECORD;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(detail_entry_btf)
{
	detail_entry();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

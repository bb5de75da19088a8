/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record of each vCPU thread (struct exits_thread, exits.h): the exit
 * in flight, its key and stats slot. exits.bpf.c writes it; detail.bpf.c
 * and attrib.bpf.c read the same map, which user space gives them with
 * bpf_map__reuse_fd() before they load. One declaration and one lookup for
 * the three objects, so that they cannot disagree.
 *
 * Why not task storage: bpf_task_storage_get() is a helper call with a
 * per-CPU recursion guard and a walk of the task's storage cache, about
 * 120 guest instructions per call on 6.1 (measured, docs/benchmarks.md),
 * twice per exit. This is an array lookup the verifier inlines, at the
 * place the thread id hashes to, plus two compares.
 *
 * Only the owning thread writes its record (it claims a free one with a
 * compare-and-swap on its first exit, once per thread, and frees it in
 * sched_process_exit), so there is one writer at a time, as with task
 * storage. A thread id can be reused by a later thread: start (the
 * owner's start_time) tells the two apart.
 * Include after vmlinux.h, bpf_helpers.h and exits.h.
 */
#ifndef THREADS_BPF_H
#define THREADS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXITS_THREADS);
	__type(key, __u32);
	__type(value, struct exits_thread);
} threads SEC(".maps");

/* where a thread's search starts: Fibonacci hashing of its id */
static __always_inline __u32 thread_hash(__u64 tid)
{
	return (__u32)((tid * 0x9E3779B97F4A7C15ULL) >> 32);
}

/*
 * The record of task, or NULL. Freed records are not tombstoned, so a
 * miss looks at every probe place (at most EXITS_THREAD_PROBES lookups;
 * only a thread's first exit and entry miss).
 */
static __always_inline struct exits_thread *thread_find(struct task_struct *task)
{
	__u64 t = (__u32)task->pid, start = task->start_time;
	__u32 h = thread_hash(t), i;

#pragma unroll
	for (i = 0; i < EXITS_THREAD_PROBES; i++) {
		__u32 idx = (h + i) & (EXITS_THREADS - 1);
		struct exits_thread *r = bpf_map_lookup_elem(&threads, &idx);

		if (r && r->tid == t && r->start == start)
			return r;
	}
	return NULL;
}

/* The exit in flight of task (NULL: none made, untraced thread). */
static __always_inline struct exits_inflight *thread_inflight(struct task_struct *task)
{
	struct exits_thread *r = thread_find(task);

	return r && !r->untraced ? &r->fl : NULL;
}

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The drop counters of one program object (exits.bpf.c, detail.bpf.c,
 * attrib.bpf.c): a per-CPU array, DROPS_N counters (the object's enum of
 * drop kinds), and drops_dirty in the object's .bss, "a drop happened
 * since user space last cleared this", which user space reads through the
 * skeleton's mapping of .bss (user/dropsum.c).
 *
 * Why the flag: reading a per-CPU array copies one value per possible CPU
 * (hundreds on some hosts: ~90 instructions each) on every refresh, while
 * drops are rare; user space reads the counters only when the flag says
 * they moved.
 *
 * The includer defines DROPS_MAP (the map's name: each object's own, so
 * that bpftool tells them apart) and DROPS_N first.
 */
#ifndef DROPS_BPF_H
#define DROPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROPS_N);
	__type(key, __u32);
	__type(value, __u64);
} DROPS_MAP SEC(".maps");

__u32 drops_dirty = 0;

/*
 * The drop path only; a normal exit never comes here. The counter is this
 * CPU's own, so the atomic is uncontended: it is there for its ordering.
 * Its result is used, so the backend emits a fetch atomic (BPF_FETCH),
 * which is fully ordered (a locked xadd on x86, ldaddal or a barrier on
 * arm64): the count is visible before drops_dirty is read. User space
 * clears the flag, then a full barrier, then reads the counters; so
 * either it sees this count, or this program sees the flag cleared and
 * sets it again (the store-buffering pattern with a barrier on both
 * sides: at least one of the two loads sees the other side's store). The
 * flag is only written when it reads 0: with a full map every exit drops,
 * and a store each time would bounce its cache line between CPUs.
 */
static __always_inline void count_drop(__u32 idx)
{
	__u64 *d = bpf_map_lookup_elem(&DROPS_MAP, &idx);
	__u64 old;

	if (!d)
		return;
	old = __sync_fetch_and_add(d, 1);
	/* keep the result live: without a use, a non-fetch add is emitted */
	asm volatile("" : : "r"(old));
	/* READ_ONCE, WRITE_ONCE: user space clears it meanwhile */
	if (!*(volatile __u32 *)&drops_dirty)
		*(volatile __u32 *)&drops_dirty = 1;
}

#endif

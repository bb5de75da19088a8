/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency accounting shared by bpf/exits.bpf.c and bpf/detail.bpf.c: both
 * keep struct exits_val counters (exits.h), so a detail row has exactly the
 * figures of a reason row. Include after vmlinux.h and bpf_helpers.h.
 */
#ifndef LAT_BPF_H
#define LAT_BPF_H

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

static __always_inline void add_lat(struct exits_val *v, __u64 ns)
{
	__u32 slot = log2_u64(ns);

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
}

#endif

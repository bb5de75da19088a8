/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one refresh of exittop knows: aggregated exit statistics per
 * (VM, vCPU, exit reason), cumulative and for the last interval.
 * The collector (collect.c) fills it from the BPF maps; views, outputs
 * and the terminal UI only read it.
 */
#ifndef EXITTOP_MODEL_H
#define EXITTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exits.h"	/* EXITS_HIST_SLOTS, EXITS_ISA_VMX, EXITS_ISA_SVM */
#include "attrib.h"	/* ATTRIB_PARTS */
#include "detail.h"	/* struct detail_key (--drill) */

/*
 * Latency histogram: slot i counts exit-to-entry latencies in
 * [2^i, 2^(i+1)) ns; slot 0 also holds 0 ns. The last slot is open ended.
 */
struct agg {
	uint64_t count;		/* exits (counted where kvm_exit fires) */
	uint64_t lat_count;	/* exits whose next entry was seen */
	uint64_t lat_sum_ns;
	uint64_t lat_max_ns;
	uint64_t hist[EXITS_HIST_SLOTS];
};

/*
 * Latency attribution (--attrib, user/attrib.c): where the latency of
 * `count` exits went, part_ns[] indexed by enum attrib_part (bpf/attrib.h).
 * The parts add up to sum_ns exactly.
 */
struct attr_agg {
	uint64_t count;		/* exits attributed */
	uint64_t sum_ns;	/* their exit-to-entry latency */
	uint64_t part_ns[ATTRIB_PARTS];
	uint64_t approx;	/* of count: latency from attrib's own clock */
};

struct stat_row {
	uint32_t pid;		/* VMM process (tgid) */
	uint32_t vcpu;		/* vcpu_id of the tracepoint */
	uint32_t reason;	/* raw exit reason (VMX) or exit code (SVM) */
	uint8_t isa;		/* EXITS_ISA_VMX or EXITS_ISA_SVM */
	struct agg total;	/* since start or the last reset */
	struct agg delta;	/* over the last interval */
	struct attr_agg attr_total;	/* --attrib: zero without it */
	struct attr_agg attr_delta;
};

/*
 * The order of rows in a snapshot: by pid, vcpu, reason, isa (memcmp-like
 * result). Takes two const struct stat_row *, so it also serves qsort and
 * bsearch.
 */
int stat_row_cmp(const void *a, const void *b);

struct vm_info {
	uint32_t pid;
	char name[64];		/* QEMU -name guest=..., else the process name */
	bool alive;		/* false once the process has exited */
};

/* --drill: one detail (port, MSR, page, leaf, hypercall) of one row's exits */
struct detail_row {
	struct detail_key key;	/* pid, vcpu, isa, reason: the stat_row it is under */
	struct agg total;
	struct agg delta;
	struct attr_agg attr_total;	/* --attrib: zero without it */
	struct attr_agg attr_delta;
};

struct drill_set;	/* drill.h */

struct detail_snap {
	const struct drill_set *drill;	/* the drilled reasons */
	struct detail_row *rows;	/* in detail_key_cmp order (drill.h) */
	size_t nrows;
	uint64_t dropped_total;	/* exits whose detail was not recorded (map full) */
	uint64_t dropped_delta;
};

struct snapshot {
	uint64_t mono_ns;	/* CLOCK_MONOTONIC at the read */
	double interval_s;	/* seconds covered by the deltas */
	struct stat_row *rows;	/* in stat_row_cmp order */
	size_t nrows;
	struct vm_info *vms;
	size_t nvms;
	uint64_t dropped_total;	/* exits not recorded: a map was full */
	uint64_t dropped_delta;
	uint8_t isa;		/* ISA of the rows seen, 0 if none yet */
	const char *notice;	/* one line for the user from this read, or NULL */
	bool attrib;		/* rows carry attr_total/attr_delta (--attrib) */
	uint64_t attrib_dropped_total;	/* exits not attributed (attrib's own drops) */
	const struct detail_snap *detail;	/* --drill, else NULL */
};

#endif

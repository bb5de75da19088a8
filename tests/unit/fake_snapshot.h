/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only builder of small snapshots with exactly known figures, so
 * the view and output tests need neither BPF nor a collector.
 * Header-only: the Makefile compiles one tests/unit/test_X.c per binary.
 */
#ifndef FAKE_SNAPSHOT_H
#define FAKE_SNAPSHOT_H

#include <string.h>

#include "model.h"

#define FAKE_MAX_ROWS 16
#define FAKE_MAX_VMS 4

struct fake {
	struct snapshot s;
	struct stat_row rows[FAKE_MAX_ROWS];
	struct vm_info vms[FAKE_MAX_VMS];
};

static inline void fake_init(struct fake *f, uint8_t isa, double interval_s)
{
	memset(f, 0, sizeof(*f));
	f->s.rows = f->rows;
	f->s.vms = f->vms;
	f->s.isa = isa;
	f->s.interval_s = interval_s;
	f->s.mono_ns = 1000000000ull;
}

static inline struct vm_info *fake_vm(struct fake *f, uint32_t pid, const char *name, bool alive)
{
	struct vm_info *v = &f->vms[f->s.nvms++];

	v->pid = pid;
	strncpy(v->name, name, sizeof(v->name) - 1);
	v->alive = alive;
	return v;
}

/*
 * One row; every exit of the interval measured with latency lat_ns (so
 * the histogram has one nonzero slot), totals = tmul times the interval.
 */
static inline struct stat_row *fake_row(struct fake *f, uint32_t pid, uint32_t vcpu,
					uint32_t reason, uint64_t count, uint64_t lat_ns,
					uint64_t tmul)
{
	struct stat_row *r = &f->rows[f->s.nrows++];
	int slot = 0;

	while (slot < EXITS_HIST_SLOTS - 1 && (2ull << slot) <= lat_ns)
		slot++;
	r->pid = pid;
	r->vcpu = vcpu;
	r->reason = reason;
	r->isa = f->s.isa;
	r->delta.count = count;
	r->delta.lat_count = count;
	r->delta.lat_sum_ns = count * lat_ns;
	r->delta.lat_max_ns = count ? lat_ns : 0;
	r->delta.hist[slot] = count;
	r->total = r->delta;
	r->total.count *= tmul;
	r->total.lat_count *= tmul;
	r->total.lat_sum_ns *= tmul;
	r->total.hist[slot] *= tmul;
	return r;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's series: cumulative totals per (pid, vcpu, reason, isa)
 * built from each poll's deltas, so that the collector may be reset (to
 * free ended VMs) without counters going back; ended VMs keep their series
 * for a grace period, then expire. See export.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "export.h"
#include "stats.h"

struct evm {
	struct vm_info info;
	uint64_t ended_ns;	/* 0 while alive */
	bool expired;		/* tombstone: series dropped, source may still list it */
	bool seen;		/* listed by the current snapshot */
};

struct export_state {
	struct stat_row *rows;	/* sorted by pid, vcpu, reason, isa */
	size_t nrows, rcap;
	struct evm *vms;
	size_t nvms, vcap;
	struct vm_info *view;	/* for export_state_view */
	size_t view_cap;
	uint64_t dropped;
	uint64_t expired;
	size_t live_rows;
	uint8_t isa;
	uint64_t mono_ns;
	double interval_s;
};

struct export_state *export_state_new(void)
{
	return calloc(1, sizeof(struct export_state));
}

void export_state_free(struct export_state *st)
{
	if (!st)
		return;
	free(st->rows);
	free(st->vms);
	free(st->view);
	free(st);
}

uint64_t export_state_expired(const struct export_state *st)
{
	return st->expired;
}

size_t export_state_live_rows(const struct export_state *st)
{
	return st->live_rows;
}

static struct evm *evm_find(struct export_state *st, uint32_t pid)
{
	size_t i;

	for (i = 0; i < st->nvms; i++)
		if (st->vms[i].info.pid == pid)
			return &st->vms[i];
	return NULL;
}

static struct evm *evm_add(struct export_state *st, const struct vm_info *vi)
{
	struct evm *e;

	if (array_reserve(&st->vms, &st->vcap, st->nvms + 1, sizeof(*st->vms), 16))
		return NULL;
	e = &st->vms[st->nvms++];
	memset(e, 0, sizeof(*e));
	e->info = *vi;
	return e;
}

static void drop_rows_of(struct export_state *st, uint32_t pid)
{
	size_t i, k = 0;

	for (i = 0; i < st->nrows; i++)
		if (st->rows[i].pid != pid)
			st->rows[k++] = st->rows[i];
	st->nrows = k;
}

static struct stat_row *row_find(struct export_state *st, size_t n, const struct stat_row *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = stat_row_cmp(&st->rows[mid], key);

		if (!c)
			return &st->rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int export_state_update(struct export_state *st, const struct snapshot *s, uint64_t now_ns,
			uint64_t grace_ns)
{
	size_t i, n0, k;
	int ended = 0;

	/* 1. VMs */
	for (i = 0; i < st->nvms; i++)
		st->vms[i].seen = false;
	for (i = 0; i < s->nvms; i++) {
		const struct vm_info *vi = &s->vms[i];
		struct evm *e = evm_find(st, vi->pid);

		if (!vi->alive)
			ended++;
		if (e && vi->alive && (e->ended_ns || e->expired)) {
			/* a new process with the pid of an ended VM */
			drop_rows_of(st, vi->pid);
			e->info = *vi;
			e->ended_ns = 0;
			e->expired = false;
		} else if (!e) {
			e = evm_add(st, vi);
			if (!e)
				return -ENOMEM;
			e->ended_ns = vi->alive ? 0 : now_ns;
		} else if (!e->expired) {
			if (vi->alive)
				e->info = *vi;	/* the name may have become known */
			else if (!e->ended_ns) {
				e->info.alive = false;
				e->ended_ns = now_ns;
			}
		}
		e->seen = true;
	}

	/* 2. rows: deltas into the totals; new rows appended, then sorted */
	n0 = st->nrows;
	for (i = 0; i < s->nrows; i++) {
		const struct stat_row *r = &s->rows[i];
		struct stat_row *t;
		struct evm *e = evm_find(st, r->pid);

		if (e && e->expired)
			continue;	/* the source still lists an expired VM */
		t = row_find(st, n0, r);
		if (t) {
			agg_add(&t->total, &r->delta);
			t->delta = r->delta;
			continue;
		}
		if (array_reserve(&st->rows, &st->rcap, st->nrows + 1, sizeof(*st->rows), 256))
			return -ENOMEM;
		t = &st->rows[st->nrows++];
		*t = *r;
		t->total = r->delta;
		if (!e) {
			/* a row without its VM in s: keep it under its pid */
			struct vm_info vi = { .pid = r->pid, .alive = true };

			snprintf(vi.name, sizeof(vi.name), "pid %u", r->pid);
			if (!evm_add(st, &vi))
				return -ENOMEM;
			st->vms[st->nvms - 1].seen = true;
		}
	}
	if (st->nrows != n0)
		qsort(st->rows, st->nrows, sizeof(*st->rows), stat_row_cmp);

	/* 3. expiry; tombstones go when the source stops listing the pid */
	for (i = 0, k = 0; i < st->nvms; i++) {
		struct evm *e = &st->vms[i];

		if (!e->expired && e->ended_ns && now_ns - e->ended_ns >= grace_ns) {
			drop_rows_of(st, e->info.pid);
			e->expired = true;
			st->expired++;
		}
		if (e->expired && !e->seen)
			continue;
		st->vms[k++] = *e;
	}
	st->nvms = k;

	st->live_rows = 0;
	for (i = 0; i < st->nrows; i++) {
		struct evm *e = evm_find(st, st->rows[i].pid);

		if (e && !e->ended_ns)
			st->live_rows++;
	}
	st->dropped += s->dropped_delta;
	if (s->isa)
		st->isa = s->isa;
	st->mono_ns = s->mono_ns;
	st->interval_s = s->interval_s;
	return ended;
}

int export_state_view(struct export_state *st, struct snapshot *out)
{
	size_t i, n = 0;

	if (array_reserve(&st->view, &st->view_cap, st->nvms, sizeof(*st->view), 16))
		return -ENOMEM;
	for (i = 0; i < st->nvms; i++)
		if (!st->vms[i].expired)
			st->view[n++] = st->vms[i].info;
	memset(out, 0, sizeof(*out));
	out->mono_ns = st->mono_ns;
	out->interval_s = st->interval_s;
	out->rows = st->rows;
	out->nrows = st->nrows;
	out->vms = st->view;
	out->nvms = n;
	out->dropped_total = st->dropped;
	out->isa = st->isa;
	return 0;
}

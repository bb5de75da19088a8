// SPDX-License-Identifier: GPL-2.0
/* Grouping, filtering and sorting of snapshot rows for display. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stats.h"
#include "attrib_stats.h"
#include "array.h"
#include "view.h"
#include "drill.h"

static const char *const mode_names[VIEW_MODES] = {
	[VIEW_REASON] = "reason",
	[VIEW_VM] = "vm",
	[VIEW_VCPU] = "vcpu",
};

static const char *const sort_names[SORT_KEYS] = {
	[SORT_KEY] = "key",
	[SORT_COUNT] = "count",
	[SORT_AVG] = "avg",
	[SORT_P50] = "p50",
	[SORT_P99] = "p99",
	[SORT_MAX] = "max",
	[SORT_TIME] = "time",
};

const char *view_mode_name(enum view_mode m)
{
	return m < VIEW_MODES ? mode_names[m] : "?";
}

int view_mode_parse(const char *s, enum view_mode *m)
{
	for (int i = 0; i < VIEW_MODES; i++) {
		if (!strcasecmp(s, mode_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sort_key_name(enum sort_key k)
{
	return k < SORT_KEYS ? sort_names[k] : "?";
}

int sort_key_parse(const char *s, enum sort_key *k)
{
	/* Aliases: the column titles people see on screen. */
	static const struct { const char *name; enum sort_key key; } alias[] = {
		{ "reason", SORT_KEY }, { "name", SORT_KEY }, { "pid", SORT_KEY },
		{ "vm", SORT_KEY }, { "vcpu", SORT_KEY },
		{ "rate", SORT_COUNT }, { "pct", SORT_COUNT }, { "%", SORT_COUNT },
		{ "exits", SORT_COUNT }, { "time%", SORT_TIME },
	};

	for (int i = 0; i < SORT_KEYS; i++) {
		if (!strcasecmp(s, sort_names[i])) {
			*k = i;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (!strcasecmp(s, alias[i].name)) {
			*k = alias[i].key;
			return 0;
		}
	}
	return -EINVAL;
}

const char *isa_name(uint8_t isa)
{
	switch (isa) {
	case EXITS_ISA_VMX: return "vmx";
	case EXITS_ISA_SVM: return "svm";
	default: return "unknown";
	}
}

const char *reason_label(uint8_t isa, uint32_t code, char *buf, size_t len)
{
	return reason_format(isa, code, buf, len);
}

bool reason_matches(const char *filter, uint8_t isa, uint32_t code)
{
	uint32_t want;

	if (!filter || !*filter)
		return true;
	if (reason_parse(isa, filter, &want))
		return false;
	/* A VMX name means the basic reason, whatever modifier bits the exit had. */
	if (isa == EXITS_ISA_VMX && (want & ~0xffffu) == 0)
		return want == (code & 0xffff);
	return want == code;
}

bool view_filter_row(const struct view_filter *f, const struct stat_row *r)
{
	if (!f)
		return true;
	if (f->npids) {
		size_t i;

		for (i = 0; i < f->npids; i++)
			if (f->pids[i] == r->pid)
				break;
		if (i == f->npids)
			return false;
	}
	if (f->has_vcpu && f->vcpu != r->vcpu)
		return false;
	return reason_matches(f->reason, r->isa, r->reason);
}

static bool agg_active(const struct agg *d)
{
	return d->count || d->lat_count;
}

bool view_shown(const struct view_filter *f, const struct agg *delta)
{
	return !f || !f->active || agg_active(delta);
}

bool view_row_shown(const struct view_filter *f, const struct snapshot *s,
		    const struct stat_row *r)
{
	size_t first, n, i;

	if (view_shown(f, &r->delta))
		return true;
	detail_rows_of(s->detail, r->pid, r->vcpu, r->isa, r->reason, &first, &n);
	for (i = first; i < first + n; i++)
		if (agg_active(&s->detail->rows[i].delta))
			return true;
	return false;
}

/* Drop the groups none of whose rows is shown (--active), keeping the order. */
static void drop_idle_groups(struct view *v)
{
	size_t i, k = 0;

	for (i = 0; i < v->nrows; i++)
		if (v->rows[i].shown)
			v->rows[k++] = v->rows[i];
	v->nrows = k;
}

const struct vm_info *snapshot_vm(const struct snapshot *s, uint32_t pid)
{
	for (size_t i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid)
			return &s->vms[i];
	return NULL;
}

const char *snapshot_vm_name(const struct snapshot *s, uint32_t pid, size_t *hint)
{
	const struct vm_info *vm;

	if (hint && *hint < s->nvms && s->vms[*hint].pid == pid)
		return s->vms[*hint].name;
	vm = snapshot_vm(s, pid);
	if (!vm)
		return NULL;
	if (hint)
		*hint = (size_t)(vm - s->vms);
	return vm->name;
}

/* Group identity of a snapshot row under a mode, comparable with memcmp-like order. */
static void group_key(enum view_mode m, const struct stat_row *r, uint64_t k[2])
{
	switch (m) {
	case VIEW_REASON:
		k[0] = r->isa;
		k[1] = r->reason;
		break;
	case VIEW_VM:
		k[0] = r->pid;
		k[1] = 0;
		break;
	default:
		k[0] = r->pid;
		k[1] = r->vcpu;
		break;
	}
}

static int cmp_group(const void *pa, const void *pb, void *ctx)
{
	const struct stat_row *a = *(const struct stat_row *const *)pa;
	const struct stat_row *b = *(const struct stat_row *const *)pb;
	enum view_mode mode = *(const enum view_mode *)ctx;
	uint64_t ka[2], kb[2];

	group_key(mode, a, ka);
	group_key(mode, b, kb);
	if (ka[0] != kb[0])
		return ka[0] < kb[0] ? -1 : 1;
	if (ka[1] != kb[1])
		return ka[1] < kb[1] ? -1 : 1;
	return 0;
}

static void derive(struct view_row *r, bool cumulative, double interval_s)
{
	const struct agg *a = cumulative ? &r->total : &r->delta;

	r->count = a->count;
	r->lat_count = a->lat_count;
	r->rate = rate_per_s(r->delta.count, interval_s);
	r->avg_ns = agg_avg_ns(a);
	r->p50_ns = hist_percentile_ns(a->hist, a->lat_max_ns, 50);
	r->p99_ns = hist_percentile_ns(a->hist, a->lat_max_ns, 99);
	r->max_ns = a->lat_max_ns;
	r->attr = cumulative ? r->attr_total : r->attr_delta;
}

struct sort_ctx {
	enum view_mode mode;
	enum sort_key key;
	bool reverse;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_dbl(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* Ascending by group key; the tie breaker of every other column. */
static int cmp_rowkey(enum view_mode mode, const struct view_row *a, const struct view_row *b)
{
	char ba[48], bb[48];
	int c;

	switch (mode) {
	case VIEW_REASON:
		c = strcasecmp(reason_label(a->isa, a->reason, ba, sizeof(ba)),
			       reason_label(b->isa, b->reason, bb, sizeof(bb)));
		if (c)
			return c;
		if ((c = cmp_u64(a->isa, b->isa)))
			return c;
		return cmp_u64(a->reason, b->reason);
	case VIEW_VM:
		return cmp_u64(a->pid, b->pid);
	default:
		if ((c = cmp_u64(a->pid, b->pid)))
			return c;
		return cmp_u64(a->vcpu, b->vcpu);
	}
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct sort_ctx *sc = ctx;
	const struct view_row *a = pa, *b = pb;
	int c = 0;

	switch (sc->key) {
	case SORT_KEY:   c = -cmp_rowkey(sc->mode, a, b); break;	/* so that "descending" is A..Z */
	case SORT_COUNT: c = cmp_u64(a->count, b->count); break;
	case SORT_AVG:   c = cmp_dbl(a->avg_ns, b->avg_ns); break;
	case SORT_P50:   c = cmp_u64(a->p50_ns, b->p50_ns); break;
	case SORT_P99:   c = cmp_u64(a->p99_ns, b->p99_ns); break;
	case SORT_MAX:   c = cmp_u64(a->max_ns, b->max_ns); break;
	case SORT_TIME:  c = cmp_dbl(a->time_pct, b->time_pct); break;
	default: break;
	}
	if (sc->reverse)
		c = -c;
	if (c)
		return -c;	/* biggest first */
	return cmp_rowkey(sc->mode, a, b);
}

static int cmp_pid_vcpu(const void *pa, const void *pb)
{
	const struct stat_row *a = *(const struct stat_row *const *)pa;
	const struct stat_row *b = *(const struct stat_row *const *)pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	return 0;
}

/*
 * A new group (view row) for r's key under mode, zeroed; NULL: out of
 * memory. The rows grow with the groups, not with the snapshot's rows: a
 * reason view of 65,536 keys has a few dozen groups.
 */
static struct view_row *new_group(struct view *v, enum view_mode mode, const struct stat_row *r,
				  const struct vm_info *vm)
{
	struct view_row *g;

	if (array_reserve(&v->rows, &v->cap, v->nrows + 1, sizeof(*v->rows), 64))
		return NULL;
	g = &v->rows[v->nrows++];
	memset(g, 0, sizeof(*g));
	g->pid = mode == VIEW_REASON ? 0 : r->pid;
	g->vcpu = mode == VIEW_VCPU ? r->vcpu : 0;
	g->reason = mode == VIEW_REASON ? r->reason : 0;
	g->isa = r->isa;
	g->name = mode != VIEW_REASON && vm ? vm->name : "";
	g->alive = mode == VIEW_REASON || !vm || vm->alive;
	return g;
}

/* Where the (isa, reason) group's search starts in an index of mask + 1 places. */
static size_t reason_place(uint8_t isa, uint32_t reason, size_t mask)
{
	uint64_t k = (uint64_t)isa << 32 | reason;

	return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

/* Put group row gi of v in the index, at the first empty place of its search. */
static void reason_index_put(struct view *v, size_t gi)
{
	struct reason_index *x = &v->gidx;
	size_t mask = x->cap - 1, j = reason_place(v->rows[gi].isa, v->rows[gi].reason, mask);

	while (x->slot[j] >= 0)
		j = (j + 1) & mask;
	x->slot[j] = (int32_t)gi;
}

/*
 * An index of cap places (a power of two, at least the current one) holding
 * the groups made so far. Sized by the groups, not the rows: a big host has
 * tens of thousands of rows but only the few dozen reasons its guests take,
 * and view_build clears the whole index on every refresh.
 */
static int reason_index_size(struct view *v, size_t cap)
{
	struct reason_index *x = &v->gidx;
	size_t i;

	if (cap > x->cap) {
		int32_t *p = realloc(x->slot, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		x->slot = p;
		x->cap = cap;
	}
	memset(x->slot, 0xff, x->cap * sizeof(*x->slot));
	for (i = 0; i < v->nrows; i++)
		reason_index_put(v, i);
	return 0;
}

/*
 * The VIEW_REASON group of r: found by (isa, reason), made on first sight
 * (the index kept at most half full). NULL: out of memory.
 */
static struct view_row *reason_group(struct view *v, const struct stat_row *r)
{
	struct reason_index *x = &v->gidx;
	size_t mask = x->cap - 1, j = reason_place(r->isa, r->reason, mask);

	while (x->slot[j] >= 0) {
		struct view_row *g = &v->rows[x->slot[j]];

		if (g->isa == r->isa && g->reason == r->reason)
			return g;
		j = (j + 1) & mask;
	}
	if (2 * (v->nrows + 1) > x->cap) {
		if (reason_index_size(v, 2 * x->cap))
			return NULL;
		return reason_group(v, r);	/* once: the index has room now */
	}
	x->slot[j] = (int32_t)v->nrows;
	return new_group(v, VIEW_REASON, r, NULL);
}

int view_build(struct view *v, const struct snapshot *s, enum view_mode mode,
	       bool cumulative, const struct view_filter *f,
	       enum sort_key key, bool reverse)
{
	const struct stat_row **sel;
	size_t n = 0, i;

	/* the selection: kept in v between builds, so a refresh allocates nothing */
	if (array_reserve(&v->sel, &v->sel_cap, s->nrows, sizeof(*v->sel), 64))
		return -ENOMEM;
	sel = v->sel;
	for (i = 0; i < s->nrows; i++)
		if (view_filter_row(f, &s->rows[i]))
			sel[n++] = &s->rows[i];

	v->mode = mode;
	v->cumulative = cumulative;
	v->interval_s = s->interval_s;
	memset(&v->sum, 0, sizeof(v->sum));
	v->sum.name = "";

	/*
	 * Distinct VMs and vCPUs, for the header, and the VM and vCPU groups
	 * below: both need sel in (pid, vcpu) order. The collector's
	 * snapshots are in stat_row_cmp order, so sel is already; only
	 * others (tests) are sorted here.
	 */
	for (i = 1; i < n; i++) {
		if (cmp_pid_vcpu(&sel[i - 1], &sel[i]) > 0) {
			qsort(sel, n, sizeof(*sel), cmp_pid_vcpu);
			break;
		}
	}
	v->attrib = s->attrib;
	v->nvms = v->nvcpus = 0;
	for (i = 0; i < n; i++) {
		if (!i || sel[i]->pid != sel[i - 1]->pid)
			v->nvms++;
		if (!i || cmp_pid_vcpu(&sel[i], &sel[i - 1]))
			v->nvcpus++;
	}

	/*
	 * Groups: a VM's or vCPU's rows are next to each other in sel already;
	 * the rows of one reason are spread over all vCPUs and are found
	 * through a small hash of the (isa, reason) groups instead of sorting
	 * sel (the groups are sorted for display below, and ties broken by
	 * their key, so the order they were made in does not show).
	 */
	v->nrows = 0;
	if (mode == VIEW_REASON && reason_index_size(v, v->gidx.cap ? v->gidx.cap : 64))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct stat_row *r = sel[i];
		struct view_row *g;

		if (mode == VIEW_REASON)
			g = reason_group(v, r);
		else if (!i || cmp_group(&sel[i], &sel[i - 1], &mode))
			g = new_group(v, mode, r, snapshot_vm(s, r->pid));
		else
			g = &v->rows[v->nrows - 1];
		if (!g)
			return -ENOMEM;
		g->nkeys++;
		if (f && f->active && !g->shown)
			g->shown = view_row_shown(f, s, r);
		/* totals only for a cumulative view: most rows of a big host are idle */
		if (cumulative)
			agg_add(&g->total, &r->total);
		if (agg_active(&r->delta))	/* else all zero: idle */
			agg_add(&g->delta, &r->delta);
		if (s->attrib) {
			if (cumulative)
				attr_add(&g->attr_total, &r->attr_total);
			attr_add(&g->attr_delta, &r->attr_delta);
		}
	}
	/* the sum of the groups is the sum of the rows (adds, and max of maxima) */
	for (i = 0; i < v->nrows; i++) {
		agg_add(&v->sum.total, &v->rows[i].total);
		agg_add(&v->sum.delta, &v->rows[i].delta);
		attr_add(&v->sum.attr_total, &v->rows[i].attr_total);
		attr_add(&v->sum.attr_delta, &v->rows[i].attr_delta);
	}

	derive(&v->sum, cumulative, s->interval_s);
	v->sum.nkeys = n;
	v->sum.pct = v->sum.count ? 100.0 : 0;
	v->sum.time_pct = 0;
	{
		const struct agg *sa = cumulative ? &v->sum.total : &v->sum.delta;

		if (sa->lat_sum_ns)
			v->sum.time_pct = 100.0;
		for (i = 0; i < v->nrows; i++) {
			struct view_row *g = &v->rows[i];
			const struct agg *a = cumulative ? &g->total : &g->delta;

			derive(g, cumulative, s->interval_s);
			g->pct = sa->count ? 100.0 * a->count / sa->count : 0;
			g->time_pct = sa->lat_sum_ns ? 100.0 * a->lat_sum_ns / sa->lat_sum_ns : 0;
		}
	}

	/* after the sum and the shares: hiding idle groups changes neither */
	if (f && f->active)
		drop_idle_groups(v);
	{
		struct sort_ctx sc = { .mode = mode, .key = key, .reverse = reverse };

		if (v->nrows > 1)	/* rows is NULL while nothing was ever seen */
			qsort_r(v->rows, v->nrows, sizeof(*v->rows), cmp_rows, &sc);
	}
	return 0;
}

static int cmp_full(const void *pa, const void *pb)
{
	const struct stat_row *a = *(const struct stat_row *const *)pa;
	const struct stat_row *b = *(const struct stat_row *const *)pb;
	int c = cmp_pid_vcpu(pa, pb);

	if (c)
		return c;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return 0;
}

int view_select(const struct snapshot *s, const struct view_filter *f,
		const struct stat_row ***out, size_t *n)
{
	const struct stat_row **sel = calloc(s->nrows ? s->nrows : 1, sizeof(*sel));
	size_t k = 0;

	if (!sel)
		return -ENOMEM;
	for (size_t i = 0; i < s->nrows; i++)
		if (view_filter_row(f, &s->rows[i]))
			sel[k++] = &s->rows[i];
	qsort(sel, k, sizeof(*sel), cmp_full);
	*out = sel;
	*n = k;
	return 0;
}

void view_free(struct view *v)
{
	free(v->rows);
	free(v->sel);
	free(v->gidx.slot);
	memset(v, 0, sizeof(*v));
}

void view_hist(const struct snapshot *s, const struct view_filter *f,
	       bool cumulative, struct agg *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->nrows; i++) {
		const struct stat_row *r = &s->rows[i];

		if (view_filter_row(f, r))
			agg_add(out, cumulative ? &r->total : &r->delta);
	}
}

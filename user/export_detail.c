// SPDX-License-Identifier: GPL-2.0
/*
 * --drill's detail series in the exporter (see export_detail.h).
 *
 * Why slots are kept for the VM's life rather than recomputed as a rolling
 * top N: a detail moving from "other" to its own series would take its
 * past exits out of "other" (a counter going back: Prometheus reads a
 * reset and rate() a spike of the whole value), and a detail leaving the
 * top N would take its exits out of every series (sums over details no
 * longer equal the reason). With slots given once, each exit is counted in
 * exactly one series, always the same one for a detail, and every series
 * only grows. A detail gets a slot the first read it is seen if one is
 * free, so a detail with its own series has all its exits in it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "drill.h"
#include "export_detail.h"
#include "reasons.h"
#include "stats.h"
#include "view.h"

struct xdet {
	struct detail_key key;	/* vcpu 0: summed over vCPUs */
	bool own;		/* has its own series (a slot) */
	bool ended;		/* its VM was listed as ended */
	struct agg total;
};

struct export_detail {
	unsigned int top;
	struct xdet *d;		/* by detail_key_cmp: groups (pid, isa, reason) contiguous */
	size_t n, cap;
	size_t *rank;		/* scratch for update */
	size_t rank_cap;
	uint64_t dropped;	/* details not recorded (details map full), since start */
};

struct export_detail *export_detail_new(unsigned int top)
{
	struct export_detail *xd = calloc(1, sizeof(*xd));

	if (xd)
		xd->top = top ? top : EXPORT_DETAIL_DEF_TOP;
	return xd;
}

void export_detail_free(struct export_detail *xd)
{
	if (!xd)
		return;
	free(xd->d);
	free(xd->rank);
	free(xd);
}

static int cmp_xdet(const void *a, const void *b)
{
	return detail_key_cmp(&((const struct xdet *)a)->key, &((const struct xdet *)b)->key);
}

static bool same_group(const struct detail_key *a, const struct detail_key *b)
{
	return a->pid == b->pid && a->isa == b->isa && a->reason == b->reason;
}

static struct xdet *find(struct export_detail *xd, size_t nsorted, const struct detail_key *k)
{
	struct xdet key = { .key = *k };

	return bsearch(&key, xd->d, nsorted, sizeof(*xd->d), cmp_xdet);
}

/* After the sort: new details of one key from several vCPUs made one. */
static void merge_same(struct export_detail *xd)
{
	size_t i, k = 0;

	for (i = 1; i < xd->n; i++) {
		if (!detail_key_cmp(&xd->d[k].key, &xd->d[i].key))
			agg_add(&xd->d[k].total, &xd->d[i].total);	/* both new: no slot yet */
		else
			xd->d[++k] = xd->d[i];
	}
	if (xd->n)
		xd->n = k + 1;
}

static const struct xdet *rank_base;

/* largest cumulative count first; ties in key order, so the choice is reproducible */
static int cmp_rank(const void *a, const void *b)
{
	const struct xdet *x = &rank_base[*(const size_t *)a], *y = &rank_base[*(const size_t *)b];

	if (x->total.count != y->total.count)
		return x->total.count > y->total.count ? -1 : 1;
	return detail_key_cmp(&x->key, &y->key);
}

/* Free slots of the group [g0, g1) to its largest details without one. */
static int give_slots(struct export_detail *xd, size_t g0, size_t g1)
{
	size_t i, own = 0, nr = 0;

	for (i = g0; i < g1; i++)
		own += xd->d[i].own;
	if (own >= xd->top)
		return 0;
	if (array_reserve(&xd->rank, &xd->rank_cap, g1 - g0, sizeof(*xd->rank), 64))
		return -ENOMEM;
	for (i = g0; i < g1; i++)
		if (!xd->d[i].own && xd->d[i].total.count)
			xd->rank[nr++] = i;
	rank_base = xd->d;
	qsort(xd->rank, nr, sizeof(*xd->rank), cmp_rank);
	for (i = 0; i < nr && own < xd->top; i++, own++)
		xd->d[xd->rank[i]].own = true;
	return 0;
}

/*
 * Keep the details of VMs view lists; a VM listed running again after it
 * ended is a new process with the same pid (export_state started its
 * series from 0): its details start from 0 too, with slots of their own.
 */
static void drop_gone(struct export_detail *xd, const struct snapshot *view)
{
	size_t i, k;

	for (i = 0, k = 0; i < xd->n; i++) {
		const struct vm_info *vm = snapshot_vm(view, xd->d[i].key.pid);

		if (!vm || (xd->d[i].ended && vm->alive))
			continue;
		xd->d[i].ended = !vm->alive;
		xd->d[k++] = xd->d[i];
	}
	xd->n = k;
}

int export_detail_update(struct export_detail *xd, const struct detail_snap *ds,
			 const struct snapshot *view)
{
	size_t i, n0, g0;

	drop_gone(xd, view);
	n0 = xd->n;
	for (i = 0; ds && i < ds->nrows; i++) {
		const struct detail_row *r = &ds->rows[i];
		struct detail_key key = r->key;
		struct xdet *t;

		key.vcpu = 0;
		t = find(xd, n0, &key);
		if (!t) {
			if (array_reserve(&xd->d, &xd->cap, xd->n + 1, sizeof(*xd->d), 64))
				return -ENOMEM;
			t = &xd->d[xd->n++];
			memset(t, 0, sizeof(*t));
			t->key = key;
		}
		agg_add(&t->total, &r->delta);
	}
	if (ds)
		xd->dropped += ds->dropped_delta;
	if (xd->n != n0) {
		qsort(xd->d, xd->n, sizeof(*xd->d), cmp_xdet);
		merge_same(xd);
	}

	/* the series of expired VMs go with their reason series */
	drop_gone(xd, view);
	for (g0 = 0, i = 1; i <= xd->n; i++) {
		if (i < xd->n && same_group(&xd->d[g0].key, &xd->d[i].key))
			continue;
		if (give_slots(xd, g0, i))
			return -ENOMEM;
		g0 = i;
	}
	return 0;
}

static size_t detail_groups(const struct export_detail *xd)
{
	size_t i, g = 0;

	for (i = 0; i < xd->n; i++)
		g += !i || !same_group(&xd->d[i - 1].key, &xd->d[i].key);
	return g;
}

size_t export_detail_count(const struct export_detail *xd, size_t *own)
{
	size_t i;

	*own = 0;
	for (i = 0; i < xd->n; i++)
		*own += xd->d[i].own;
	return xd->n;
}

const struct agg *export_detail_get(const struct export_detail *xd,
				    const struct detail_key *k, bool *own)
{
	struct xdet key = { .key = *k };
	const struct xdet *t;

	key.key.vcpu = 0;
	t = bsearch(&key, xd->d, xd->n, sizeof(*xd->d), cmp_xdet);
	if (!t)
		return NULL;
	*own = t->own;
	return &t->total;
}

void export_detail_other(const struct export_detail *xd, uint32_t pid, uint8_t isa,
			 uint32_t reason, struct agg *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < xd->n; i++) {
		const struct detail_key *k = &xd->d[i].key;

		if (k->pid == pid && k->isa == isa && k->reason == reason && !xd->d[i].own)
			agg_add(out, &xd->d[i].total);
	}
}

/* pid="..",vm="..",isa="..",reason="..",code="..",kind="..",detail=".." (no braces) */
static void labels(struct prom_buf *b, const struct snapshot *s, const struct detail_key *k,
		   bool own, size_t *hint)
{
	char buf[96];

	pbuf_printf(b, "pid=\"%u\",vm=\"", k->pid);
	prom_escape_label(b, snapshot_vm_name(s, k->pid, hint));
	pbuf_printf(b, "\",isa=\"%s\",reason=\"", prom_isa(k->isa));
	prom_escape_label(b, reason_format(k->isa, k->reason, buf, sizeof(buf)));
	pbuf_printf(b, "\",code=\"%u\",kind=\"%s\",detail=\"", k->reason,
		    own ? detail_kind_name(k->kind) : "other");
	prom_escape_label(b, own ? detail_label(k, buf, sizeof(buf)) : "other");
	pbuf_puts(b, "\"");
}

enum part { P_COUNT, P_HIST };

static void sample(struct prom_buf *b, const struct snapshot *s, enum part p,
		   const struct detail_key *k, bool own, const struct agg *a, size_t *hint)
{
	struct prom_buf lb;

	pbuf_init(&lb);
	labels(&lb, s, k, own, hint);
	if (lb.oom) {
		b->oom = true;
		return;
	}
	if (p == P_COUNT)
		pbuf_printf(b, "exittop_detail_exits_total{%s} %llu\n", lb.data,
			    (unsigned long long)a->count);
	else
		prom_histogram(b, "exittop_detail_latency_seconds", lb.data, a);
	pbuf_free(&lb);
}

/* Each group's own details in key order, then its "other" (always, 0 too). */
static void samples(struct prom_buf *b, const struct snapshot *s, const struct export_detail *xd,
		    enum part p)
{
	size_t i, g0, hint = 0;
	struct agg other;

	for (g0 = 0; g0 < xd->n; ) {
		memset(&other, 0, sizeof(other));
		for (i = g0; i < xd->n && same_group(&xd->d[g0].key, &xd->d[i].key); i++) {
			if (xd->d[i].own)
				sample(b, s, p, &xd->d[i].key, true, &xd->d[i].total, &hint);
			else
				agg_add(&other, &xd->d[i].total);
		}
		sample(b, s, p, &xd->d[g0].key, false, &other, &hint);
		g0 = i;
	}
}

void export_detail_render(struct prom_buf *b, const struct snapshot *s,
			  const struct prom_meta *m, enum prom_format f, void *ctx)
{
	const struct export_detail *xd = ctx;
	size_t own;

	prom_family(b, f, "exittop_detail_exits_total", PROM_COUNTER, NULL,
		    "Exits of drilled reasons (--drill) per VM process, exit reason and detail "
		    "(port, MSR, guest page, CPUID leaf, hypercall), all vCPUs; per VM and reason "
		    "the first --drill-top details seen have their own series, the rest are summed "
		    "in detail=\"other\"");
	samples(b, s, xd, P_COUNT);
	if (!m->no_histograms) {
		prom_family(b, f, "exittop_detail_latency_seconds", PROM_HISTOGRAM, "seconds",
			    "Time from a KVM exit to the next entry of the same vCPU, per detail "
			    "as exittop_detail_exits_total (log2 buckets of nanoseconds)");
		samples(b, s, xd, P_HIST);
	}
	export_detail_count(xd, &own);
	prom_family(b, f, "exittop_detail_series", PROM_GAUGE, NULL,
		    "Detail series exported (own series and one \"other\" per VM and reason)");
	pbuf_printf(b, "exittop_detail_series %zu\n", own + detail_groups(xd));
	prom_family(b, f, "exittop_detail_dropped_exits_total", PROM_COUNTER, NULL,
		    "Exits of drilled reasons whose detail was not recorded: the kernel's details "
		    "map was full (--drill-keys); they are in exittop_exits_total only");
	pbuf_printf(b, "exittop_detail_dropped_exits_total %llu\n",
		    (unsigned long long)xd->dropped);
}

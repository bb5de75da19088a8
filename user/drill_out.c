// SPDX-License-Identifier: GPL-2.0
/*
 * --drill in the batch outputs: the detail rows under a reason row, in
 * the text table (merged over the VMs and vCPUs shown), in a JSON row's
 * "detail" array and as CSV rows after their reason row. The figures are
 * those of a reason row; a detail's pct and time_pct are its shares of
 * its reason row's exits and latency. Keys: docs/json-schema.md.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib_stats.h"
#include "drill.h"
#include "json.h"
#include "output.h"
#include "stats.h"

#define DRILL_TEXT_ROWS	20	/* per reason in the text table; the rest summed up in one line */

static double fin(double v)
{
	return isfinite(v) ? v : 0;
}

/*
 * A detail's share of its reason row, capped at 100: the details map is
 * read just before the exit counters, so an interval's details may include
 * a few exits that the row counted in the interval before.
 */
static double share(uint64_t part, uint64_t whole)
{
	double v = whole ? 100.0 * (double)part / (double)whole : 0.0;

	return v > 100.0 ? 100.0 : v;
}

/* ---- JSON ---- */

/* The fields that say what a detail is, per kind. */
static void json_detail_key(struct json *j, const struct detail_key *k)
{
	char lb[96];
	const char *nm;

	json_str(j, "kind", detail_kind_name(k->kind));
	json_str(j, "label", detail_label(k, lb, sizeof(lb)));
	switch (k->kind) {
	case DETAIL_PIO:
		json_u64(j, "port", k->id);
		json_u64(j, "size", k->attr & 0xff);
		json_str(j, "dir", k->attr & DETAIL_PIO_IN ? "in" : "out");
		break;
	case DETAIL_MSR:
		json_u64(j, "msr", k->id);
		nm = msr_name((uint32_t)k->id);
		if (nm)
			json_str(j, "msr_name", nm);
		else
			json_null(j, "msr_name");
		json_str(j, "access", k->attr & DETAIL_MSR_WRITE ? "write" : "read");
		break;
	case DETAIL_GPA:
		json_u64(j, "gpa", k->id);
		break;
	case DETAIL_MMIO:
		json_u64(j, "gpa", k->id);
		json_str(j, "access", (k->attr & 0xf) == DETAIL_MMIO_FAST ? "fast" :
			 (k->attr & 0xf) == DETAIL_MMIO_WRITE ? "write" : "read");
		json_u64(j, "len", (k->attr >> 4) & 0xff);
		break;
	case DETAIL_CPUID:
		json_u64(j, "leaf", (uint32_t)k->id);
		if (k->attr & DETAIL_CPUID_SUB)
			json_u64(j, "subleaf", k->id >> 32);
		else
			json_null(j, "subleaf");
		break;
	case DETAIL_HCALL:
		json_u64(j, "nr", k->id);
		break;
	}
}

void drill_json(struct json *j, const struct out_ctx *c, const struct snapshot *s,
		const struct stat_row *r)
{
	bool hist = c->hist && *c->hist && reason_matches(c->hist, r->isa, r->reason);
	size_t first, n;

	if (!drill_has(s->detail->drill, r->isa, r->reason))
		return;		/* not drilled: no key at all */
	detail_rows_of(s->detail, r->pid, r->vcpu, r->isa, r->reason, &first, &n);
	json_arr(j, "detail", JSON_COMPACT);
	for (size_t i = first; i < first + n; i++) {
		const struct detail_row *d = &s->detail->rows[i];

		if (!view_shown(c->filter, &d->delta))
			continue;	/* --active: idle in this interval */
		json_obj(j, NULL, JSON_COMPACT);
		json_detail_key(j, &d->key);
		json_u64(j, "count", d->delta.count);
		json_u64(j, "total_count", d->total.count);
		json_fixed(j, "rate", fin(rate_per_s(d->delta.count, s->interval_s)), 3);
		json_fixed(j, "pct", share(d->delta.count, r->delta.count), 2);
		output_json_lat(j, 0, &d->delta, r->delta.lat_sum_ns);
		output_json_lat(j, 1, &d->total, r->total.lat_sum_ns);
		if (s->attrib) {
			output_json_attr(j, 0, &d->attr_delta);
			output_json_attr(j, 1, &d->attr_total);
		}
		if (hist) {
			output_json_hist(j, "hist", &d->delta);
			output_json_hist(j, "total_hist", &d->total);
		}
		json_end(j);
	}
	json_end(j);
}

/* ---- CSV ---- */

void drill_csv(FILE *f, const struct out_ctx *c, const struct snapshot *s,
	       const struct stat_row *r)
{
	size_t first, n;
	char lb[96];

	if (!drill_has(s->detail->drill, r->isa, r->reason))
		return;
	detail_rows_of(s->detail, r->pid, r->vcpu, r->isa, r->reason, &first, &n);
	for (size_t i = first; i < first + n; i++) {
		const struct detail_row *d = &s->detail->rows[i];

		if (!view_shown(c->filter, &d->delta))
			continue;	/* --active: idle in this interval */
		csv_row_key(f, c, s, r);
		csv_figures(f, &d->delta, &d->total, s->interval_s, r->delta.lat_sum_ns);
		csv_attr_cols(f, s, &d->attr_delta, &d->attr_total);
		fprintf(f, ",%s,", detail_kind_name(d->key.kind));
		csv_field(f, detail_label(&d->key, lb, sizeof(lb)));
		fputc('\n', f);
	}
}

/* ---- text and screen ---- */

struct merged {
	struct detail_key key;	/* pid and vcpu 0 */
	struct agg d, t;	/* delta, total */
	struct attr_agg ad, at;	/* --attrib: the same */
	uint64_t shown;		/* d.count, or t.count when cumulative: the order */
};

static int cmp_key(const void *a, const void *b)
{
	return detail_key_cmp(&((const struct merged *)a)->key, &((const struct merged *)b)->key);
}

/* most exits first, then by key */
static int cmp_count(const void *pa, const void *pb)
{
	const struct merged *a = pa, *b = pb;

	if (a->shown != b->shown)
		return a->shown > b->shown ? -1 : 1;
	return detail_key_cmp(&a->key, &b->key);
}

int drill_lines(const struct snapshot *s, const struct view_filter *f,
		const struct view_row *vr, bool cumulative,
		struct drill_line **out, size_t *nout)
{
	const struct detail_snap *ds = s->detail;
	const struct agg *ra = cumulative ? &vr->total : &vr->delta;
	struct drill_line *l;
	struct merged *m;
	size_t i, n = 0, k;

	*out = NULL;
	*nout = 0;
	if (!ds || !drill_has(ds->drill, vr->isa, vr->reason))
		return 0;
	m = calloc(ds->nrows ? ds->nrows : 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < ds->nrows; i++) {
		const struct detail_row *d = &ds->rows[i];
		struct stat_row sr = { .pid = d->key.pid, .vcpu = d->key.vcpu,
				       .reason = d->key.reason, .isa = d->key.isa };

		if (d->key.isa != vr->isa || d->key.reason != vr->reason ||
		    !view_filter_row(f, &sr))
			continue;
		m[n].key = d->key;
		m[n].key.pid = 0;
		m[n].key.vcpu = 0;
		m[n].d = d->delta;
		m[n].t = d->total;
		m[n].ad = d->attr_delta;
		m[n].at = d->attr_total;
		n++;
	}
	qsort(m, n, sizeof(*m), cmp_key);
	for (i = 0, k = 0; i < n; i++) {
		if (k && !detail_key_cmp(&m[k - 1].key, &m[i].key)) {
			agg_add(&m[k - 1].d, &m[i].d);
			agg_add(&m[k - 1].t, &m[i].t);
			attr_add(&m[k - 1].ad, &m[i].ad);
			attr_add(&m[k - 1].at, &m[i].at);
		} else {
			m[k++] = m[i];
		}
	}
	/* --active: merged first, so a shown line keeps every vCPU's totals */
	for (i = 0, n = k, k = 0; i < n; i++)
		if (view_shown(f, &m[i].d))
			m[k++] = m[i];
	for (i = 0; i < k; i++)
		m[i].shown = cumulative ? m[i].t.count : m[i].d.count;
	qsort(m, k, sizeof(*m), cmp_count);
	l = calloc(k ? k : 1, sizeof(*l));
	if (!l) {
		free(m);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		const struct agg *a = cumulative ? &m[i].t : &m[i].d;
		struct view_row *r = &l[i].row;

		l[i].key = m[i].key;
		detail_label(&m[i].key, l[i].label, sizeof(l[i].label));
		r->isa = vr->isa;
		r->reason = vr->reason;
		r->delta = m[i].d;
		r->total = m[i].t;
		r->attr_delta = m[i].ad;
		r->attr_total = m[i].at;
		r->attr = cumulative ? m[i].at : m[i].ad;
		r->count = a->count;
		r->lat_count = a->lat_count;
		r->rate = rate_per_s(m[i].d.count, s->interval_s);	/* as a reason row's */
		r->pct = share(a->count, ra->count);
		r->avg_ns = agg_avg_ns(a);
		r->p50_ns = hist_percentile_ns(a->hist, a->lat_max_ns, 50);
		r->p99_ns = hist_percentile_ns(a->hist, a->lat_max_ns, 99);
		r->max_ns = a->lat_max_ns;
		r->time_pct = share(a->lat_sum_ns, ra->lat_sum_ns);
	}
	free(m);
	*out = l;
	*nout = k;
	return 0;
}

int drill_text(FILE *f, const struct out_ctx *c, const struct snapshot *s,
	       const struct view_row *vr)
{
	char line[OUT_LINE_MAX], key[112];
	struct drill_line *l;
	uint64_t rest = 0;
	size_t n, i;
	int err;

	err = drill_lines(s, c->filter, vr, false, &l, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (i >= DRILL_TEXT_ROWS) {
			rest += l[i].row.count;
			continue;
		}
		snprintf(key, sizeof(key), "  %s", l[i].label);
		fmt_table_line(line, sizeof(line), OUT_KEY_WIDTH, key, &l[i].row);
		attr_line_end(line, sizeof(line), s->attrib ? &l[i].row : NULL, false);
		fprintf(f, "%s\n", line);
	}
	if (n > DRILL_TEXT_ROWS)
		fprintf(f, "  (%zu more details, %llu exits)\n", n - DRILL_TEXT_ROWS,
			(unsigned long long)rest);
	free(l);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* --csv: a header once, then one row per (pid, vcpu, reason) per interval. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "stats.h"
#include "attrib_stats.h"
#include "text.h"

static const char header[] =
	"time,seq,interval_s,pid,name,vcpu,isa,reason,reason_name,"
	"count,total_count,rate,lat_count,lat_sum_ns,avg_ns,p50_ns,p99_ns,max_ns,time_pct,"
	"total_lat_count,total_lat_sum_ns,total_avg_ns,total_max_ns";
/* --attrib: appended (the state is fixed for a batch run) */
static const char header_attr[] =
	",attr_count,attr_sum_ns,attr_kvm_ns,attr_vmm_ns,attr_wait_ns,attr_blocked_ns,attr_poll_ns,"
	"total_attr_count,total_attr_sum_ns,total_attr_kvm_ns,total_attr_vmm_ns,"
	"total_attr_wait_ns,total_attr_blocked_ns,total_attr_poll_ns";

static void csv_attr(FILE *f, const struct attr_agg *a)
{
	fprintf(f, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu", (unsigned long long)a->count,
		(unsigned long long)a->sum_ns, (unsigned long long)a->part_ns[ATTRIB_KVM],
		(unsigned long long)a->part_ns[ATTRIB_VMM],
		(unsigned long long)a->part_ns[ATTRIB_WAIT],
		(unsigned long long)attr_blocked_ns(a),
		(unsigned long long)a->part_ns[ATTRIB_POLL]);
}

/* --drill: two more columns, empty on reason rows (docs/json-schema.md) */
static const char drill_header[] = ",detail_kind,detail";

/* The attribution columns of a detail line (delta, total), if --attrib. */
void csv_attr_cols(FILE *f, const struct snapshot *s, const struct attr_agg *d,
		   const struct attr_agg *t)
{
	if (s->attrib) {
		csv_attr(f, d);
		csv_attr(f, t);
	}
}

void csv_field(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	bool quote = strpbrk((const char *)s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		fputc('\'', f);
	while (*s) {
		int n = utf8_len(s);

		if (*s == '"') {
			fputs("\"\"", f);
		} else if (*s == '\n' || *s == '\r') {
			fputc(*s, f);	/* legal inside quotes */
		} else if (*s < 0x20 || *s == 0x7f || !n) {
			fputc('?', f);
			n = 1;
		} else {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	if (quote)
		fputc('"', f);
}

static double fin(double v)
{
	return isfinite(v) ? v : 0;
}

void csv_row_key(FILE *f, const struct out_ctx *c, const struct snapshot *s,
		 const struct stat_row *r)
{
	const struct vm_info *vm = snapshot_vm(s, r->pid);
	char rb[48];

	fprintf(f, "%.3f,%llu,%.3f,%u,", fin(c->wall_s), (unsigned long long)c->seq,
		fin(s->interval_s), r->pid);
	csv_field(f, vm ? vm->name : "");
	fprintf(f, ",%u,%s,%u,", r->vcpu, isa_name(r->isa), r->reason);
	csv_field(f, reason_label(r->isa, r->reason, rb, sizeof(rb)));
	fputc(',', f);
}

void csv_figures(FILE *f, const struct agg *d, const struct agg *t, double interval_s,
		 uint64_t lat_all)
{
	fprintf(f, "%llu,%llu,%.3f,%llu,%llu,%.1f,%llu,%llu,%llu,%.2f,%llu,%llu,%.1f,%llu",
		(unsigned long long)d->count, (unsigned long long)t->count,
		fin(rate_per_s(d->count, interval_s)),
		(unsigned long long)d->lat_count, (unsigned long long)d->lat_sum_ns,
		fin(agg_avg_ns(d)),
		(unsigned long long)hist_percentile_ns(d->hist, d->lat_max_ns, 50),
		(unsigned long long)hist_percentile_ns(d->hist, d->lat_max_ns, 99),
		(unsigned long long)d->lat_max_ns,
		lat_all ? fin(100.0 * d->lat_sum_ns / lat_all) : 0.0,
		(unsigned long long)t->lat_count, (unsigned long long)t->lat_sum_ns,
		fin(agg_avg_ns(t)), (unsigned long long)t->lat_max_ns);
}

int output_csv(FILE *f, struct out_ctx *c, const struct snapshot *s)
{
	const struct stat_row **rows;
	uint64_t lat_all = 0;
	size_t n, i;
	int err;

	err = view_select(s, c->filter, &rows, &n);
	if (err)
		return err;
	if (!c->header_done)
		fprintf(f, "%s%s%s\n", header, s->attrib ? header_attr : "",
			s->detail ? drill_header : "");
	for (i = 0; i < n; i++)
		lat_all += rows[i]->delta.lat_sum_ns;
	for (i = 0; i < n; i++) {
		const struct stat_row *r = rows[i];

		if (!view_row_shown(c->filter, s, r))
			continue;	/* --active: idle in this interval */
		csv_row_key(f, c, s, r);
		csv_figures(f, &r->delta, &r->total, s->interval_s, lat_all);
		if (s->attrib) {
			csv_attr(f, &r->attr_delta);
			csv_attr(f, &r->attr_total);
		}
		fputs(s->detail ? ",,\n" : "\n", f);
		if (s->detail)
			drill_csv(f, c, s, r);
	}
	free(rows);
	if (ferror(f))
		return -EIO;
	c->header_done = true;
	return 0;
}

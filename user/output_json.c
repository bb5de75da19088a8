// SPDX-License-Identifier: GPL-2.0
/* --json: one object per interval on one line. Schema: docs/json-schema.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "stats.h"

int utf8_len(const unsigned char *s)
{
	int n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	fputc('"', f);
	while (*s) {
		int n;

		switch (*s) {
		case '"': fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		default: break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			/* A process can put any byte in its cmdline; keep the output valid JSON. */
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity. */
static double fin(double v)
{
	return isfinite(v) ? v : 0;
}

static void json_lat(FILE *f, const char *prefix, const struct agg *a, uint64_t lat_all)
{
	fprintf(f, ",\"%slat_count\":%llu,\"%slat_sum_ns\":%llu,\"%savg_ns\":%.1f"
		",\"%sp50_ns\":%llu,\"%sp99_ns\":%llu,\"%smax_ns\":%llu,\"%stime_pct\":%.2f",
		prefix, (unsigned long long)a->lat_count,
		prefix, (unsigned long long)a->lat_sum_ns,
		prefix, fin(agg_avg_ns(a)),
		prefix, (unsigned long long)hist_percentile_ns(a->hist, a->lat_max_ns, 50),
		prefix, (unsigned long long)hist_percentile_ns(a->hist, a->lat_max_ns, 99),
		prefix, (unsigned long long)a->lat_max_ns,
		prefix, lat_all ? fin(100.0 * a->lat_sum_ns / lat_all) : 0.0);
}

static void json_hist(FILE *f, const char *key, const struct agg *a)
{
	fprintf(f, ",\"%s\":[", key);
	for (int i = 0; i < EXITS_HIST_SLOTS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)a->hist[i]);
	fputc(']', f);
}

static bool pid_selected(const struct view_filter *flt, uint32_t pid)
{
	if (!flt || !flt->npids)
		return true;
	for (size_t i = 0; i < flt->npids; i++)
		if (flt->pids[i] == pid)
			return true;
	return false;
}

int output_json(FILE *f, const struct out_ctx *c, const struct snapshot *s)
{
	const struct stat_row **rows;
	struct agg sum_d = { 0 }, sum_t = { 0 };
	size_t n, i, nvcpus = 0, nvms = 0;
	bool first;
	int err;

	err = view_select(s, c->filter, &rows, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		agg_add(&sum_d, &rows[i]->delta);
		agg_add(&sum_t, &rows[i]->total);
		/* rows are ordered by (pid, vcpu): count the changes */
		if (!i || rows[i]->pid != rows[i - 1]->pid)
			nvms++;
		if (!i || rows[i]->pid != rows[i - 1]->pid || rows[i]->vcpu != rows[i - 1]->vcpu)
			nvcpus++;
	}

	fprintf(f, "{\"seq\":%llu,\"time\":%.3f,\"host\":", (unsigned long long)c->seq, fin(c->wall_s));
	json_string(f, c->host);
	fputs(",\"kernel\":", f);
	json_string(f, c->kernel);
	fprintf(f, ",\"isa\":\"%s\",\"interval_s\":%.3f,\"dropped\":%llu,\"dropped_total\":%llu",
		isa_name(s->isa), fin(s->interval_s), (unsigned long long)s->dropped_delta,
		(unsigned long long)s->dropped_total);

	fputs(",\"vms\":[", f);
	first = true;
	for (i = 0; i < s->nvms; i++) {
		const struct vm_info *vm = &s->vms[i];

		if (!pid_selected(c->filter, vm->pid))
			continue;
		fprintf(f, "%s{\"pid\":%u,\"name\":", first ? "" : ",", vm->pid);
		json_string(f, vm->name);
		fprintf(f, ",\"alive\":%s}", vm->alive ? "true" : "false");
		first = false;
	}
	fputs("],\"rows\":[", f);
	for (i = 0; i < n; i++) {
		const struct stat_row *r = rows[i];
		char rb[48];

		fprintf(f, "%s{\"pid\":%u,\"vcpu\":%u,\"reason\":%u,\"reason_name\":",
			i ? "," : "", r->pid, r->vcpu, r->reason);
		json_string(f, reason_label(r->isa, r->reason, rb, sizeof(rb)));
		fprintf(f, ",\"count\":%llu,\"total_count\":%llu,\"rate\":%.3f,\"pct\":%.2f",
			(unsigned long long)r->delta.count, (unsigned long long)r->total.count,
			fin(rate_per_s(r->delta.count, s->interval_s)),
			sum_d.count ? 100.0 * r->delta.count / sum_d.count : 0.0);
		json_lat(f, "", &r->delta, sum_d.lat_sum_ns);
		json_lat(f, "total_", &r->total, sum_t.lat_sum_ns);
		if (c->hist && *c->hist && reason_matches(c->hist, r->isa, r->reason)) {
			json_hist(f, "hist", &r->delta);
			json_hist(f, "total_hist", &r->total);
		}
		fputc('}', f);
	}
	fprintf(f, "],\"totals\":{\"vms\":%zu,\"vcpus\":%zu,\"rows\":%zu"
		",\"count\":%llu,\"total_count\":%llu,\"rate\":%.3f",
		nvms, nvcpus, n, (unsigned long long)sum_d.count,
		(unsigned long long)sum_t.count, fin(rate_per_s(sum_d.count, s->interval_s)));
	json_lat(f, "", &sum_d, sum_d.lat_sum_ns);
	json_lat(f, "total_", &sum_t, sum_t.lat_sum_ns);
	fputs("}}\n", f);
	free(rows);
	return ferror(f) ? -EIO : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The plain text table of batch mode, and the line formatting the
 * terminal UI reuses, so that both show the same columns the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "stats.h"

#define KEY_WIDTH 26

struct column {
	const char *title;
	int width;
	int sort;		/* enum sort_key, or -1: not a sort column */
};

/* After the key column; each is preceded by one space. */
static const struct column columns[] = {
	{ "COUNT", 9, SORT_COUNT },
	{ "RATE/s", 10, -1 },
	{ "%", 6, -1 },
	{ "AVG", 8, SORT_AVG },
	{ "P50", 8, SORT_P50 },
	{ "P99", 8, SORT_P99 },
	{ "MAX", 8, SORT_MAX },
	{ "TIME%", 6, SORT_TIME },
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

const char *fmt_ns(double ns, bool measured, char *buf, size_t len)
{
	if (!measured || !isfinite(ns) || ns < 0)
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

const char *fmt_count(double v, int width, bool integer, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	int n;

	if (!isfinite(v) || v < 0)
		v = 0;
	n = integer ? snprintf(buf, len, "%.0f", v) : snprintf(buf, len, "%.1f", v);
	if (n <= width)
		return buf;
	if (!integer) {
		n = snprintf(buf, len, "%.0f", v);
		if (n <= width)
			return buf;
	}
	for (int u = 0; units[u]; u++) {
		v /= 1000;
		if (v >= 999.5 && units[u + 1])
			continue;	/* 1234.6M reads worse than 1.23G */
		/* As many decimals as fit, up to three significant digits. */
		for (int prec = v < 10 ? 2 : v < 100 ? 1 : 0; prec >= 0; prec--) {
			n = snprintf(buf, len, "%.*f%c", prec, v, units[u]);
			if (n <= width)
				return buf;
		}
	}
	return buf;
}

/* Names come from guest command lines: never send their bytes raw to a terminal. */
static void printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < len; i++) {
		unsigned char ch = src[i];

		dst[i] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
	}
	if (len)
		dst[i] = '\0';
}

static const char *key_title(enum view_mode m)
{
	switch (m) {
	case VIEW_VM: return "     PID NAME";
	case VIEW_VCPU: return "     PID VCPU NAME";
	default: return "REASON";
	}
}

void fmt_column_span(enum view_mode m, enum sort_key k, int *start, int *width)
{
	int pos = KEY_WIDTH;

	*start = 0;
	*width = KEY_WIDTH;
	if (k == SORT_KEY)
		return;
	for (size_t i = 0; i < NCOLUMNS; i++) {
		pos += 1;
		if (columns[i].sort == (int)k) {
			*start = pos;
			*width = columns[i].width;
			return;
		}
		pos += columns[i].width;
	}
}

void fmt_table_header(char *buf, size_t len, enum view_mode m,
		      enum sort_key sort, bool reverse, bool mark)
{
	const char *mk = reverse ? "^" : "*";
	char t[32];
	size_t off;

	if (mark && sort == SORT_KEY)
		snprintf(t, sizeof(t), "%s%s", key_title(m), mk);
	else
		snprintf(t, sizeof(t), "%s", key_title(m));
	off = snprintf(buf, len, "%-*s", KEY_WIDTH, t);
	for (size_t i = 0; i < NCOLUMNS && off < len; i++) {
		if (mark && columns[i].sort == (int)sort)
			snprintf(t, sizeof(t), "%s%s", columns[i].title, mk);
		else
			snprintf(t, sizeof(t), "%s", columns[i].title);
		off += snprintf(buf + off, len - off, " %*s", columns[i].width, t);
	}
}

void fmt_table_row(char *buf, size_t len, enum view_mode m, const struct view_row *r)
{
	char key[64], name[64], b[8][24];
	bool lat = r->lat_count > 0;	/* else show "-" rather than 0ns */

	switch (m) {
	case VIEW_VM:
		printable(name, sizeof(name), r->name);
		snprintf(key, sizeof(key), "%8u %-.17s", r->pid, name);
		break;
	case VIEW_VCPU:
		printable(name, sizeof(name), r->name);
		snprintf(key, sizeof(key), "%8u %4u %-.12s", r->pid, r->vcpu, name);
		break;
	default: {
		char rb[48];

		printable(key, sizeof(key), reason_label(r->isa, r->reason, rb, sizeof(rb)));
		break;
	}
	}
	snprintf(buf, len, "%-*.*s %*s %*s %*.1f %*s %*s %*s %*s %*.1f",
		 KEY_WIDTH, KEY_WIDTH, key,
		 columns[0].width, fmt_count(r->count, columns[0].width, true, b[0], sizeof(b[0])),
		 columns[1].width, fmt_count(r->rate, columns[1].width, false, b[1], sizeof(b[1])),
		 columns[2].width, r->pct,
		 columns[3].width, fmt_ns(r->avg_ns, lat, b[3], sizeof(b[3])),
		 columns[4].width, fmt_ns(r->p50_ns, lat, b[4], sizeof(b[4])),
		 columns[5].width, fmt_ns(r->p99_ns, lat, b[5], sizeof(b[5])),
		 columns[6].width, fmt_ns(r->max_ns, lat, b[6], sizeof(b[6])),
		 columns[7].width, r->time_pct);
}

static void slot_bound(int slot, char *buf, size_t len)
{
	fmt_ns(ldexp(1.0, slot), true, buf, len);
}

void fmt_hist_line(char *buf, size_t len, int slot, uint64_t n, uint64_t total,
		   uint64_t peak, int barwidth)
{
	char lo[16], hi[16], bar[256];
	int fill = 0;

	if (barwidth > (int)sizeof(bar) - 1)
		barwidth = sizeof(bar) - 1;
	if (barwidth < 0)
		barwidth = 0;
	if (peak)
		fill = (int)((double)n * barwidth / peak + 0.5);
	if (n && !fill && barwidth)
		fill = 1;	/* a nonzero bucket is never invisible */
	memset(bar, '#', fill);
	memset(bar + fill, ' ', barwidth - fill);
	bar[barwidth] = '\0';

	if (slot == 0)
		snprintf(lo, sizeof(lo), "0ns");
	else
		slot_bound(slot, lo, sizeof(lo));
	if (slot == EXITS_HIST_SLOTS - 1)
		snprintf(hi, sizeof(hi), "...");
	else
		slot_bound(slot + 1, hi, sizeof(hi));
	snprintf(buf, len, "%7s - %-7s |%s| %10llu %5.1f%%", lo, hi, bar,
		 (unsigned long long)n, total ? 100.0 * n / total : 0.0);
}

static void text_hist(FILE *f, const struct out_ctx *c, const struct snapshot *s)
{
	struct view_filter hf = { .reason = c->hist };
	struct agg h;
	uint64_t peak = 0, total = 0;
	int lo = -1, hi = -1;
	char line[OUT_LINE_MAX];

	if (c->filter) {
		hf = *c->filter;
		hf.reason = c->hist;
	}
	view_hist(s, &hf, false, &h);
	for (int i = 0; i < EXITS_HIST_SLOTS; i++) {
		if (!h.hist[i])
			continue;
		if (lo < 0)
			lo = i;
		hi = i;
		total += h.hist[i];
		if (h.hist[i] > peak)
			peak = h.hist[i];
	}
	fprintf(f, "LATENCY HISTOGRAM %s (last interval, %llu measured exits)\n",
		c->hist, (unsigned long long)total);
	for (int i = lo; lo >= 0 && i <= hi; i++) {
		fmt_hist_line(line, sizeof(line), i, h.hist[i], total, peak, 40);
		fprintf(f, "%s\n", line);
	}
}

int output_text(FILE *f, const struct out_ctx *c, const struct snapshot *s)
{
	struct view v = { 0 };
	char line[OUT_LINE_MAX], tbuf[32] = "", host[64], kern[64];
	time_t t = (time_t)c->wall_s;
	struct tm tm;
	int err;

	err = view_build(&v, s, c->mode, false, c->filter, c->sort, c->reverse);
	if (err)
		return err;
	if (gmtime_r(&t, &tm))
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printable(host, sizeof(host), c->host);
	printable(kern, sizeof(kern), c->kernel);
	fprintf(f, "exittop %s  host %s  kernel %s  isa %s\n",
		tbuf, host, kern, isa_name(s->isa));
	fprintf(f, "vms %zu  vcpus %zu  exits %llu  rate %.1f/s  interval %.2fs",
		v.nvms, v.nvcpus, (unsigned long long)v.sum.count, v.sum.rate, s->interval_s);
	if (s->dropped_delta || s->dropped_total)
		fprintf(f, "  dropped %llu (total %llu)", (unsigned long long)s->dropped_delta,
			(unsigned long long)s->dropped_total);
	fputc('\n', f);
	fmt_table_header(line, sizeof(line), c->mode, c->sort, c->reverse, false);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < v.nrows; i++) {
		fmt_table_row(line, sizeof(line), c->mode, &v.rows[i]);
		fprintf(f, "%s\n", line);
	}
	if (c->hist && *c->hist)
		text_hist(f, c, s);
	fputc('\n', f);
	view_free(&v);
	return ferror(f) ? -EIO : 0;
}

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
#include "attrib_stats.h"
#include "text.h"


struct column {
	const char *title;
	int width;
	int sort;		/* enum sort_key, or -1: not a sort column */
};

/*
 * After the key column; each is preceded by one space. Narrow enough that
 * all of them fit an 80-column terminal beside a 17-column key (see
 * OUT_FIXED_WIDTH); each wide enough for its title and the sort marker.
 */
static const struct column columns[] = {
	{ "COUNT", 8, SORT_COUNT },
	{ "RATE/s", 8, -1 },
	{ "%", 5, -1 },
	{ "AVG", 7, SORT_AVG },
	{ "P50", 7, SORT_P50 },
	{ "P99", 7, SORT_P99 },
	{ "MAX", 7, SORT_MAX },
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

#define PID_WIDTH 7	/* pid_max is at most 4194304 */
#define VCPU_WIDTH 4

/* Width of the name after the pid (and vCPU) in the key column. */
static int name_width(enum view_mode m, int keyw)
{
	int w = keyw - PID_WIDTH - 1 - (m == VIEW_VCPU ? VCPU_WIDTH + 1 : 0);

	return w > 0 ? w : 0;
}

static void key_title(char *buf, size_t len, enum view_mode m)
{
	switch (m) {
	case VIEW_VM:
		snprintf(buf, len, "%*s NAME", PID_WIDTH, "PID");
		break;
	case VIEW_VCPU:
		snprintf(buf, len, "%*s %*s NAME", PID_WIDTH, "PID", VCPU_WIDTH, "VCPU");
		break;
	default:
		snprintf(buf, len, "REASON");
		break;
	}
}

void fmt_column_span(enum view_mode m, enum sort_key k, int keyw, int *start, int *width)
{
	int pos = keyw;

	*start = 0;
	*width = keyw;
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

void fmt_table_header(char *buf, size_t len, enum view_mode m, int keyw,
		      enum sort_key sort, bool reverse, bool mark)
{
	const char *mk = reverse ? "^" : "*";
	char t[64], title[48];
	size_t off;

	key_title(title, sizeof(title), m);
	snprintf(t, sizeof(t), "%s%s", title, mark && sort == SORT_KEY ? mk : "");
	off = snprintf(buf, len, "%-*.*s", keyw, keyw, t);
	for (size_t i = 0; i < NCOLUMNS && off < len; i++) {
		if (mark && columns[i].sort == (int)sort)
			snprintf(t, sizeof(t), "%s%s", columns[i].title, mk);
		else
			snprintf(t, sizeof(t), "%s", columns[i].title);
		off += snprintf(buf + off, len - off, " %*s", columns[i].width, t);
	}
}

void fmt_table_row(char *buf, size_t len, enum view_mode m, int keyw, const struct view_row *r)
{
	char key[OUT_LINE_MAX], name[64];
	int nw = name_width(m, keyw);

	switch (m) {
	case VIEW_VM:
		text_printable(name, sizeof(name), r->name);
		snprintf(key, sizeof(key), "%*u %-.*s", PID_WIDTH, r->pid, nw, name);
		break;
	case VIEW_VCPU:
		text_printable(name, sizeof(name), r->name);
		snprintf(key, sizeof(key), "%*u %*u %-.*s", PID_WIDTH, r->pid,
			 VCPU_WIDTH, r->vcpu, nw, name);
		break;
	default: {
		char rb[48];

		text_printable(key, sizeof(key), reason_label(r->isa, r->reason, rb, sizeof(rb)));
		break;
	}
	}
	fmt_table_line(buf, len, keyw, key, r);
}

void fmt_table_line(char *buf, size_t len, int keyw, const char *key, const struct view_row *r)
{
	bool lat = r->lat_count > 0;	/* else show "-" rather than 0ns */
	char b[8][24];

	snprintf(buf, len, "%-*.*s %*s %*s %*.1f %*s %*s %*s %*s %*.1f",
		 keyw, keyw, key,
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
	struct view own = { 0 }, *vp = c->view ? c->view : &own;
	char line[OUT_LINE_MAX], tbuf[32] = "", host[64], kern[64];
	time_t t = (time_t)c->wall_s;
	struct tm tm;
	int err;

	err = view_build(vp, s, c->mode, false, c->filter, c->sort, c->reverse);
	if (err) {
		view_free(&own);
		return err;
	}
	if (gmtime_r(&t, &tm))
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	text_printable(host, sizeof(host), c->host);
	text_printable(kern, sizeof(kern), c->kernel);
	fprintf(f, "exittop %s  host %s  kernel %s  isa %s\n",
		tbuf, host, kern, isa_name(s->isa));
	fprintf(f, "vms %zu  vcpus %zu  exits %llu  rate %.1f/s  interval %.2fs",
		vp->nvms, vp->nvcpus, (unsigned long long)vp->sum.count, vp->sum.rate, s->interval_s);
	if (s->dropped_delta || s->dropped_total)
		fprintf(f, "  dropped %llu (total %llu)", (unsigned long long)s->dropped_delta,
			(unsigned long long)s->dropped_total);
	if (s->detail && (s->detail->dropped_delta || s->detail->dropped_total))
		fprintf(f, "  detail dropped %llu (total %llu)",
			(unsigned long long)s->detail->dropped_delta,
			(unsigned long long)s->detail->dropped_total);
	fputc('\n', f);
	fmt_table_header(line, sizeof(line), c->mode, OUT_KEY_WIDTH, c->sort, c->reverse, false);
	attr_line_end(line, sizeof(line), vp->attrib ? &vp->sum : NULL, true);
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < vp->nrows; i++) {
		fmt_table_row(line, sizeof(line), c->mode, OUT_KEY_WIDTH, &vp->rows[i]);
		attr_line_end(line, sizeof(line), vp->attrib ? &vp->rows[i] : NULL, false);
		fprintf(f, "%s\n", line);
		if (s->detail && c->mode == VIEW_REASON) {
			err = drill_text(f, c, s, &vp->rows[i]);
			if (err)
				break;
		}
	}
	if (c->hist && *c->hist)
		text_hist(f, c, s);
	fputc('\n', f);
	view_free(&own);
	if (err)
		return err;
	return ferror(f) ? -EIO : 0;
}

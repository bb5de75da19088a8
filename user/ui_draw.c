// SPDX-License-Identifier: GPL-2.0
/*
 * Drawing of the interactive screen, htop-like: a header of host-wide
 * figures, a table (or a histogram), a function key bar at the bottom.
 * The table lines are the same strings batch text output prints.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "stats.h"
#include "attrib_stats.h"
#include "text.h"
#include "ui.h"

#define HEADER_LINES 4		/* lines above the table header */

static attr_t attr_pair(int pair, attr_t fallback)
{
	return has_colors() ? COLOR_PAIR(pair) : fallback;
}

int ui_table_page(void)
{
	int n = LINES - HEADER_LINES - 2;	/* table header and key bar */

	return n > 1 ? n : 1;
}

/*
 * Header text is clipped at the right edge, never wrapped onto the next
 * line. The last column stays empty: writing there moves the cursor on.
 */
static void put(const char *text, attr_t a)
{
	int room = COLS - 1 - getcurx(stdscr);

	if (room <= 0)
		return;
	attron(a);
	addnstr(text, room);
	attroff(a);
}

static void label_value(const char *label, const char *value, attr_t vattr)
{
	put(label, A_NORMAL);
	put(value, vattr | A_BOLD);
	put("  ", A_NORMAL);
}

static void draw_header(const struct ui_state *st, const struct ui_host *h,
			const struct snapshot *s, const struct view *v, bool have)
{
	attr_t val = attr_pair(3, A_NORMAL);
	char buf[128], host[64], kern[64];
	time_t now = time(NULL);
	struct tm tm;

	text_printable(host, sizeof(host), h->host);
	text_printable(kern, sizeof(kern), h->kernel);
	move(0, 0);
	put("exittop", A_BOLD);
	put("  ", A_NORMAL);
	label_value("host: ", host, val);
	label_value("kernel: ", kern, val);
	label_value("isa: ", have ? isa_name(s->isa) : "-", val);
	/* The clock only where it does not cover anything. */
	if (getcurx(stdscr) <= COLS - 10 && localtime_r(&now, &tm)) {
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		mvaddstr(0, COLS - 9, buf);
	}

	move(1, 0);
	snprintf(buf, sizeof(buf), "%zu", have ? v->nvms : 0);
	label_value("VMs: ", buf, val);
	snprintf(buf, sizeof(buf), "%zu", have ? v->nvcpus : 0);
	label_value("vCPUs: ", buf, val);
	snprintf(buf, sizeof(buf), "%.0f/s", have ? v->sum.rate : 0.0);
	label_value("exits: ", buf, val);
	snprintf(buf, sizeof(buf), "%.2fs", have ? s->interval_s : 0.0);
	label_value("interval: ", buf, val);
	snprintf(buf, sizeof(buf), "%gs", st->delay_s);
	label_value("refresh: ", buf, val);
	if (have && (s->dropped_delta || s->dropped_total)) {
		snprintf(buf, sizeof(buf), "%llu (total %llu)",
			 (unsigned long long)s->dropped_delta, (unsigned long long)s->dropped_total);
		label_value("dropped: ", buf, attr_pair(4, A_BOLD));
	}
	if (st->paused)
		put("PAUSED", attr_pair(4, A_REVERSE) | A_BOLD);

	move(2, 0);
	label_value("view: ", st->screen == UI_HIST ? "histogram" :
		    st->screen == UI_DETAIL ? "detail" : view_mode_name(st->mode), val);
	snprintf(buf, sizeof(buf), "%s%s", sort_key_name(st->sort), st->reverse ? " (reversed)" : "");
	label_value("sort: ", buf, val);
	label_value("figures: ", st->cumulative ? "since start" : "last interval", val);
	if (st->active)
		label_value("rows: ", "active", val);
	if (st->filter_text[0] || st->arg_reason[0] || st->arg_npids || st->arg_has_vcpu) {
		char f[UI_TEXT_LEN + 16];

		text_printable(f, sizeof(f), st->filter_text[0] ? st->filter_text : "(command line)");
		label_value("filter: ", f, val);
	}
	if (st->message[0]) {
		move(3, 0);
		attron(A_BOLD);
		addnstr(st->message, COLS);
		attroff(A_BOLD);
	}
}

static void draw_keybar(const struct ui_state *st)
{
	static const char *const keys[][2] = {
		{ "h", "Help" }, { "v", "View" }, { "<>", "Sort" }, { "/", "Filter" },
		{ "p", "Pause" }, { "r", "Reset" }, { "+-", "Delay" }, { "c", "Cumul" },
		{ "Enter", "Hist" }, { "q", "Quit" },
	};

	move(LINES - 1, 0);
	clrtoeol();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		/* with --drill, Enter opens a drilled reason's details */
		const char *what = i == 8 && st->drill ? "Detail" : keys[i][1];

		if (st->screen == UI_DETAIL && i == 8)
			what = "Back";
		if (getcurx(stdscr) + (int)strlen(keys[i][0]) + (int)strlen(what) + 1 >= COLS)
			break;
		attron(A_BOLD);
		addstr(keys[i][0]);
		attroff(A_BOLD);
		attron(attr_pair(1, A_REVERSE));
		addstr(what);
		attroff(attr_pair(1, A_REVERSE));
		addstr(" ");
	}
}

/* The key column takes what the figures leave, within limits. */
static int key_width(bool attrib)
{
	int w = COLS - OUT_FIXED_WIDTH - (attrib ? ATTR_COLS_WIDTH : 0);

	return w < OUT_KEY_MIN ? OUT_KEY_MIN : w > OUT_KEY_MAX ? OUT_KEY_MAX : w;
}

static void draw_table(struct ui_state *st, const struct view *v, bool have)
{
	char line[OUT_LINE_MAX];
	bool attrib = st->attrib && v->attrib;
	int y = HEADER_LINES, page = ui_table_page(), start, width, keyw = key_width(attrib);

	fmt_table_header(line, sizeof(line), st->mode, keyw, st->sort, st->reverse, true);
	attr_line_end(line, sizeof(line), attrib ? &v->sum : NULL, true);
	attron(attr_pair(1, A_REVERSE));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, line, COLS);
	attroff(attr_pair(1, A_REVERSE));
	/* The sort column stands out, as in htop. */
	fmt_column_span(st->mode, st->sort, keyw, &start, &width);
	if (start < COLS) {
		mvchgat(y, start, width, A_BOLD | A_REVERSE, 0, NULL);
	}
	y++;

	if (!have) {
		mvaddnstr(y, 0, "collecting...", COLS);
		return;
	}
	if (!v->nrows) {
		mvaddnstr(y, 0, "no KVM exits seen (yet): is a guest running?", COLS);
		return;
	}
	if (st->selected >= (int)v->nrows)
		st->selected = v->nrows - 1;
	if (st->scroll > st->selected)
		st->scroll = st->selected;
	if (st->selected >= st->scroll + page)
		st->scroll = st->selected - page + 1;
	if (st->scroll < 0)
		st->scroll = 0;
	for (int i = st->scroll; i < (int)v->nrows && y < LINES - 1; i++, y++) {
		attr_t a = v->rows[i].alive ? A_NORMAL : A_DIM;	/* exited VMs fade */

		fmt_table_row(line, sizeof(line), st->mode, keyw, &v->rows[i]);
		attr_line_end(line, sizeof(line), attrib ? &v->rows[i] : NULL, false);
		if (i == st->selected) {
			a |= attr_pair(2, A_REVERSE);
			attron(a);
			mvhline(y, 0, ' ', COLS);
		}
		attron(a);
		mvaddnstr(y, 0, line, COLS);
		attroff(a);
	}
}

static void draw_hist(struct ui_state *st, const struct snapshot *s, bool have)
{
	struct view_filter f;
	uint32_t pidbuf[1];
	struct agg h;
	char line[OUT_LINE_MAX], a[16], p50[16], p99[16], mx[16], name[UI_TEXT_LEN];
	uint64_t total = 0, peak = 0;
	int lo = -1, hi = -1, y = HEADER_LINES, bar;

	text_printable(name, sizeof(name), st->hist_reason);
	if (!have) {
		mvaddnstr(y, 0, "collecting...", COLS);
		return;
	}
	ui_filter(st, &f, pidbuf);
	f.reason = st->hist_reason;
	view_hist(s, &f, st->cumulative, &h);
	for (int i = 0; i < EXITS_HIST_SLOTS; i++) {
		total += h.hist[i];
		if (h.hist[i] > peak)
			peak = h.hist[i];
		if (h.hist[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	snprintf(line, sizeof(line),
		 "LATENCY %s: %llu exits  avg %s  p50 %s  p99 %s  max %s  (%s)",
		 name, (unsigned long long)h.count,
		 fmt_ns(agg_avg_ns(&h), h.lat_count, a, sizeof(a)),
		 fmt_ns(hist_percentile_ns(h.hist, h.lat_max_ns, 50), h.lat_count, p50, sizeof(p50)),
		 fmt_ns(hist_percentile_ns(h.hist, h.lat_max_ns, 99), h.lat_count, p99, sizeof(p99)),
		 fmt_ns(h.lat_max_ns, h.lat_count, mx, sizeof(mx)),
		 st->cumulative ? "since start" : "last interval");
	attron(attr_pair(1, A_REVERSE));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, line, COLS);
	attroff(attr_pair(1, A_REVERSE));
	y++;
	if (lo < 0) {
		mvaddnstr(y, 0, "no measured exits of this reason in this period", COLS);
		return;
	}
	/* "%7s - %-7s |" + "| %10llu %5.1f%%" take 38 columns around the bar. */
	bar = COLS - 40;
	if (bar < 10)
		bar = 10;
	for (int i = lo; i <= hi && y < LINES - 1; i++, y++) {
		int x0 = 19;	/* where the bar starts: after "%7s - %-7s |" */

		fmt_hist_line(line, sizeof(line), i, h.hist[i], total, peak, bar);
		mvaddnstr(y, 0, line, COLS);
		/* Colour the '#'s; the text stays readable in a capture without colour. */
		if (has_colors() && h.hist[i]) {
			int n = 0;

			while (x0 + n < COLS && line[x0 + n] == '#')
				n++;
			mvchgat(y, x0, n, A_NORMAL, 5, NULL);
		}
	}
}

/* --drill: the reason row of detail_reason, then its details, most exits first. */
static void draw_detail(struct ui_state *st, const struct snapshot *s, const struct view *v,
			bool have)
{
	char line[OUT_LINE_MAX], key[OUT_LINE_MAX], name[UI_TEXT_LEN];
	const struct view_row *vr = NULL;
	struct drill_line *l = NULL;
	struct view_filter f;
	uint32_t pidbuf[1];
	bool attrib = st->attrib && v->attrib;	/* the details have the split too */
	int y = HEADER_LINES, keyw = key_width(attrib);
	size_t n = 0, i;

	text_printable(name, sizeof(name), st->detail_reason);
	fmt_table_header(line, sizeof(line), VIEW_REASON, keyw, st->sort, st->reverse, false);
	attr_line_end(line, sizeof(line), attrib ? &v->sum : NULL, true);
	attron(attr_pair(1, A_REVERSE));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, line, COLS);
	attroff(attr_pair(1, A_REVERSE));
	y++;
	for (i = 0; have && i < v->nrows; i++)
		if (reason_matches(st->detail_reason, v->rows[i].isa, v->rows[i].reason))
			vr = &v->rows[i];
	if (!vr) {
		snprintf(line, sizeof(line), "no %s exits seen (yet)", name);
		mvaddnstr(y, 0, line, COLS);
		return;
	}
	fmt_table_row(line, sizeof(line), VIEW_REASON, keyw, vr);
	attr_line_end(line, sizeof(line), attrib ? vr : NULL, false);
	attron(A_BOLD);
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_BOLD);
	ui_filter(st, &f, pidbuf);
	if (drill_lines(s, &f, vr, st->cumulative, &l, &n)) {
		mvaddnstr(y, 0, "out of memory", COLS);
		return;
	}
	for (i = 0; i < n && y < LINES - 2; i++, y++) {
		snprintf(key, sizeof(key), "  %s", l[i].label);
		fmt_table_line(line, sizeof(line), keyw, key, &l[i].row);
		attr_line_end(line, sizeof(line), attrib ? &l[i].row : NULL, false);
		mvaddnstr(y, 0, line, COLS);
	}
	if (i < n) {
		snprintf(line, sizeof(line), "  (%zu more details)", n - i);
		mvaddnstr(y, 0, line, COLS);
	} else if (!n) {
		mvaddnstr(y, 0, "  no details in this period", COLS);
	}
	free(l);
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"exittop: which KVM exits guests take, how often, and what each costs",
		"",
		"COUNT   exits in the interval (or since start with 'c')   RATE/s  exits per second",
		"%       share of the exits shown                         TIME%   share of exit-to-entry time",
		"AVG P50 P99 MAX   latency from an exit to the next entry of that vCPU",
		"",
		"  h ? F1      this help (any key closes it)",
		"  v           cycle view: by reason, by VM, by vCPU, latency histogram",
		"  Enter H     histogram of the selected reason (Enter again: back);",
		"              with --drill, Enter on a drilled reason: its details (port, MSR, ...)",
		"  < >  , .    sort by the previous / next column (s, F6: next)",
		"  N C A P M T sort by key, count, avg, p99, max, time%; again to reverse",
		"  I           invert the sort order",
		"  / f         filter: pid:N, vcpu:N, reason name or code, a VM's pid; empty clears",
		"  Esc         clear the filter / leave the histogram or the details",
		"  c           figures of the last interval <-> since start (or reset)",
		"  i           only rows with exits in the last interval <-> all rows",
		"  a           latency attribution: mean KVM, VMM, WAIT (for a CPU), BLOCKED (halted)",
		"              time per exit; loads its programs on first use",
		"  p Space     pause / resume",
		"  r           reset the cumulative counters",
		"  + -         refresh faster / slower",
		"  Up Down PgUp PgDn Home End   move the selection",
		"  q F10       quit",
	};

	erase();
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && (int)i < LINES - 1; i++)
		mvaddnstr(i, 0, lines[i], COLS);
	mvaddnstr(LINES - 1, 0, "press any key", COLS);
}

void ui_draw(struct ui_state *st, const struct ui_host *h, const struct snapshot *s,
	     const struct view *v, bool have)
{
	if (st->help) {
		draw_help();
		refresh();
		return;
	}
	erase();
	draw_header(st, h, s, v, have);
	if (st->screen == UI_HIST)
		draw_hist(st, s, have);
	else if (st->screen == UI_DETAIL)
		draw_detail(st, s, v, have);
	else
		draw_table(st, v, have);
	draw_keybar(st);
	refresh();
}

int ui_prompt(const char *label, const char *init, char *buf, size_t len)
{
	size_t n = 0;
	int ch;

	snprintf(buf, len, "%s", init ? init : "");
	n = strlen(buf);
	curs_set(1);
	timeout(-1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		attron(A_BOLD);
		addstr(label);
		attroff(A_BOLD);
		addnstr(buf, COLS - getcurx(stdscr) - 1);
		refresh();
		ch = getch();
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			curs_set(0);
			return 0;
		}
		if (ch == 27 || ch == ERR) {	/* Esc, or a signal */
			curs_set(0);
			return -1;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
			buf[--n] = '\0';
		} else if (ch == ('u' & 0x1f)) {
			n = 0;
			buf[0] = '\0';
		} else if (ch >= 0x20 && ch < 0x7f && n + 1 < len) {
			buf[n++] = ch;
			buf[n] = '\0';
		}
	}
}

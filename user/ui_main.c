// SPDX-License-Identifier: GPL-2.0
/*
 * The interactive loop: poll the collector every delay, redraw, and
 * between polls wait for keys with a timeout so that a key, a resize or
 * a signal is acted on at once.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ui.h"

static double now_s(void)
{
	return clock_mono_ns() / 1e9;
}

static int map_key(int ch)
{
	switch (ch) {
	case KEY_UP: return UI_KEY_UP;
	case KEY_DOWN: return UI_KEY_DOWN;
	case KEY_PPAGE: return UI_KEY_PPAGE;
	case KEY_NPAGE: return UI_KEY_NPAGE;
	case KEY_HOME: return UI_KEY_HOME;
	case KEY_END: return UI_KEY_END;
	case KEY_ENTER: case '\n': case '\r': return UI_KEY_ENTER;
	case 27: return UI_KEY_ESC;
	case KEY_F(1): return UI_KEY_F1;
	case KEY_F(5): return UI_KEY_F5;
	case KEY_F(6): return UI_KEY_F6;
	case KEY_F(10): return UI_KEY_F10;
	case KEY_RESIZE: return UI_KEY_RESIZE;
	default: return ch;
	}
}

/* Reason name of the selected row, for Enter / the histogram view. */
static void selected_reason(const struct ui_state *st, const struct view *v,
			    char *buf, size_t len)
{
	buf[0] = '\0';
	if (st->mode != VIEW_REASON || !v->nrows)
		return;
	{
		int i = st->selected < (int)v->nrows ? st->selected : 0;
		const struct view_row *r = &v->rows[i];

		/* The numeric code is unambiguous, unlike a hex label for unknown codes. */
		if (reason_name(r->isa, r->reason))
			snprintf(buf, len, "%s", reason_name(r->isa, r->reason));
		else
			snprintf(buf, len, "%u", r->reason);
	}
}

int ui_run(struct collector *c, const struct args *a, const struct ui_host *h,
	   volatile sig_atomic_t *stop)
{
	struct ui_state st;
	struct snapshot snap = { 0 };
	struct view v = { 0 };
	struct view_filter f;
	uint32_t pidbuf[1];
	char selr[UI_TEXT_LEN];
	bool have = false;
	uint64_t polls = 0;
	double next;
	int status = 0, err;

	ui_state_init(&st, a);
	if (ui_term_init()) {
		fprintf(stderr, "exittop: cannot use the terminal (TERM=%s); try -b\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	/* A first look soon after start, then every delay. */
	next = now_s() + (st.delay_s < 0.5 ? st.delay_s : 0.5);
	ui_draw(&st, h, &snap, &v, have);

	while (!*stop) {
		double t = now_s();
		int ms, ch, act;

		if (!st.paused && t >= next) {
			err = collector_poll(c, &snap);
			if (err) {
				ui_term_restore();
				if (snap.notice)
					fprintf(stderr, "exittop: %s\n", snap.notice);
				else
					fprintf(stderr, "exittop: reading the BPF maps: %s\n", strerror(-err));
				status = 1;
				break;
			}
			have = true;
			polls++;
			if (snap.notice)
				snprintf(st.message, sizeof(st.message), "%s", snap.notice);
			next = t + st.delay_s;
			if (next < now_s())
				next = now_s() + st.delay_s;
		}
		if (have) {
			ui_filter(&st, &f, pidbuf);
			if (view_build(&v, &snap, st.mode, st.cumulative, &f, st.sort, st.reverse)) {
				ui_term_restore();
				fprintf(stderr, "exittop: out of memory\n");
				status = 1;
				break;
			}
		}
		ui_draw(&st, h, &snap, &v, have);
		if (a->iterations && polls >= a->iterations)
			break;	/* -n: like top, end after that many updates */

		/* Wait for a key until the next poll; paused, wake now and then for signals. */
		ms = st.paused ? 1000 : (int)((next - now_s()) * 1000 + 1);
		if (ms < 0)
			ms = 0;
		timeout(ms);
		ch = getch();
		if (ch == ERR)
			continue;	/* timeout or a signal: the loop checks both */

		selected_reason(&st, &v, selr, sizeof(selr));
		act = ui_key(&st, map_key(ch), have ? (int)v.nrows : 0, ui_table_page(), selr);
		if (act & UI_ACT_QUIT)
			break;
		if (act & UI_ACT_RESIZE)
			clearok(curscr, TRUE);
		if (act & UI_ACT_RESET)
			collector_reset(c);
		if ((act & UI_ACT_ATTRIB) && !collector_attrib_on(c)) {
			/* loaded on first use: from the next refresh on; the
			 * status line shows why it could not be */
			if (collector_attrib_enable(c, st.message, sizeof(st.message)))
				st.attrib = false;
		}
		if (act & UI_ACT_RETIME)
			next = now_s() + st.delay_s;
		if (act & UI_ACT_FILTER) {
			char text[UI_TEXT_LEN];

			if (!ui_prompt("filter (pid:N, vcpu:N, reason): ", st.filter_text,
				       text, sizeof(text)))
				ui_set_filter(&st, text, have ? &snap : NULL);
		}
	}
	ui_term_restore();
	view_free(&v);
	return status;
}

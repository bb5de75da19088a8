// SPDX-License-Identifier: GPL-2.0
/*
 * Key bindings and filter text of the interactive screen. No curses
 * here: the loop maps curses keys to UI_KEY_*, so this is plain state
 * logic that unit tests can drive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "ui.h"

static const double delays[] = { 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 30, 60 };
#define NDELAYS (sizeof(delays) / sizeof(delays[0]))

void ui_state_init(struct ui_state *st, const struct args *a)
{
	memset(st, 0, sizeof(*st));
	st->screen = a->hist[0] ? UI_HIST : UI_TABLE;
	st->mode = a->view;
	st->sort = a->sort;
	st->delay_s = a->delay_s;
	st->attrib = a->attrib;
	st->active = a->active;
	st->arg_pids = a->pids;
	st->arg_npids = a->npids;
	st->arg_has_vcpu = a->has_vcpu;
	st->arg_vcpu = a->vcpu;
	snprintf(st->arg_reason, sizeof(st->arg_reason), "%s", a->reason);
	snprintf(st->hist_reason, sizeof(st->hist_reason), "%s", a->hist);
	st->drill = a->drill.n ? &a->drill : NULL;
}

/* Does --drill give the selected reason (a name or a code, either ISA) details? */
static bool drilled(const struct ui_state *st, const char *sel_reason)
{
	uint32_t code;

	if (!st->drill || !sel_reason || !*sel_reason || st->mode != VIEW_REASON)
		return false;
	for (uint8_t isa = EXITS_ISA_VMX; isa <= EXITS_ISA_SVM; isa++)
		if (!reason_parse(isa, sel_reason, &code) && drill_has(st->drill, isa, code))
			return true;
	return false;
}

double ui_delay_step(double cur, int dir)
{
	size_t i;

	if (dir > 0) {
		for (i = 0; i < NDELAYS; i++)
			if (delays[i] > cur + 1e-9)
				return delays[i];
		return delays[NDELAYS - 1];
	}
	for (i = NDELAYS; i-- > 0;)
		if (delays[i] < cur - 1e-9)
			return delays[i];
	return delays[0];
}

static void clamp_selection(struct ui_state *st, int nrows)
{
	if (st->selected >= nrows)
		st->selected = nrows - 1;
	if (st->selected < 0)
		st->selected = 0;
}

static void set_sort(struct ui_state *st, enum sort_key k)
{
	if (st->sort == k)
		st->reverse = !st->reverse;	/* same key twice: flip, as htop does */
	else
		st->reverse = false;
	st->sort = k;
	snprintf(st->message, sizeof(st->message), "sort: %s%s", sort_key_name(k),
		 st->reverse ? " (reversed)" : "");
}

static void open_hist(struct ui_state *st, const char *sel_reason)
{
	if (sel_reason && *sel_reason && st->mode == VIEW_REASON)
		snprintf(st->hist_reason, sizeof(st->hist_reason), "%s", sel_reason);
	if (!st->hist_reason[0] && sel_reason && *sel_reason)
		snprintf(st->hist_reason, sizeof(st->hist_reason), "%s", sel_reason);
	if (!st->hist_reason[0]) {
		snprintf(st->message, sizeof(st->message), "no exit reason to show yet");
		return;
	}
	st->screen = UI_HIST;
}

int ui_key(struct ui_state *st, int key, int nrows, int page, const char *sel_reason)
{
	st->message[0] = '\0';
	if (page < 1)
		page = 1;
	if (st->help) {
		/* Any key leaves the help screen; q still quits. */
		st->help = false;
		if (key == 'q' || key == UI_KEY_F10)
			return UI_ACT_QUIT;
		return UI_ACT_REDRAW;
	}

	switch (key) {
	case 'q':
	case UI_KEY_F10:
		return UI_ACT_QUIT;
	case 'h':
	case '?':
	case UI_KEY_F1:
		st->help = true;
		return UI_ACT_REDRAW;
	case 'v':
		/* reason -> vm -> vcpu -> histogram -> reason */
		if (st->screen == UI_HIST || st->screen == UI_DETAIL) {
			st->screen = UI_TABLE;
			st->mode = VIEW_REASON;
		} else if (st->mode == VIEW_VCPU) {
			open_hist(st, sel_reason);
			if (st->screen != UI_HIST)
				st->mode = VIEW_REASON;
		} else {
			st->mode++;
		}
		st->selected = st->scroll = 0;
		return UI_ACT_REDRAW;
	case 'H':
	case UI_KEY_ENTER:
		if (st->screen == UI_HIST || st->screen == UI_DETAIL) {
			st->screen = UI_TABLE;
			return UI_ACT_REDRAW;
		}
		if (key == UI_KEY_ENTER && drilled(st, sel_reason)) {
			snprintf(st->detail_reason, sizeof(st->detail_reason), "%s", sel_reason);
			st->screen = UI_DETAIL;
			return UI_ACT_REDRAW;
		}
		open_hist(st, sel_reason);
		return UI_ACT_REDRAW;
	case UI_KEY_ESC:
		if (st->screen == UI_HIST || st->screen == UI_DETAIL)
			st->screen = UI_TABLE;
		else if (st->filter_text[0])
			ui_set_filter(st, "", NULL);
		return UI_ACT_REDRAW;
	case '<':
	case ',':
		set_sort(st, st->sort == 0 ? SORT_KEYS - 1 : st->sort - 1);
		st->reverse = false;
		return UI_ACT_REDRAW;
	case '>':
	case '.':
	case 's':
	case UI_KEY_F6:
		set_sort(st, (st->sort + 1) % SORT_KEYS);
		st->reverse = false;
		return UI_ACT_REDRAW;
	case 'I':
		st->reverse = !st->reverse;
		return UI_ACT_REDRAW;
	case 'N': set_sort(st, SORT_KEY); return UI_ACT_REDRAW;
	case 'C': set_sort(st, SORT_COUNT); return UI_ACT_REDRAW;
	case 'A': set_sort(st, SORT_AVG); return UI_ACT_REDRAW;
	case 'P': set_sort(st, SORT_P99); return UI_ACT_REDRAW;
	case 'M': set_sort(st, SORT_MAX); return UI_ACT_REDRAW;
	case 'T': set_sort(st, SORT_TIME); return UI_ACT_REDRAW;
	case 'c':
		st->cumulative = !st->cumulative;
		snprintf(st->message, sizeof(st->message), "%s",
			 st->cumulative ? "figures since start (or reset)" : "figures of the last interval");
		return UI_ACT_REDRAW;
	case 'i':
		st->active = !st->active;
		st->selected = st->scroll = 0;
		snprintf(st->message, sizeof(st->message), "%s", st->active ?
			 "only rows with exits in the last interval (totals count all)" : "all rows");
		return UI_ACT_REDRAW;
	case 'a':
		st->attrib = !st->attrib;
		snprintf(st->message, sizeof(st->message), "%s", st->attrib ?
			 "latency attribution: mean KVM, VMM, WAIT, BLOCKED time per exit" :
			 "latency attribution columns hidden (its programs stay attached)");
		return UI_ACT_REDRAW | (st->attrib ? UI_ACT_ATTRIB : 0);
	case '/':
	case 'f':
		return UI_ACT_FILTER;
	case 'p':
	case ' ':
		st->paused = !st->paused;
		return UI_ACT_REDRAW | UI_ACT_RETIME;
	case 'r':
		snprintf(st->message, sizeof(st->message), "counters reset");
		return UI_ACT_RESET | UI_ACT_REDRAW;
	case '+':
	case '=':
		st->delay_s = ui_delay_step(st->delay_s, -1);	/* faster: shorter delay */
		snprintf(st->message, sizeof(st->message), "refresh every %gs", st->delay_s);
		return UI_ACT_REDRAW | UI_ACT_RETIME;
	case '-':
	case '_':
		st->delay_s = ui_delay_step(st->delay_s, 1);
		snprintf(st->message, sizeof(st->message), "refresh every %gs", st->delay_s);
		return UI_ACT_REDRAW | UI_ACT_RETIME;
	case UI_KEY_F5:
	case 'l' & 0x1f:	/* ^L */
		return UI_ACT_REDRAW | UI_ACT_RESIZE;
	case UI_KEY_RESIZE:
		return UI_ACT_REDRAW | UI_ACT_RESIZE;
	case UI_KEY_UP:
	case 'k':
		st->selected--;
		break;
	case UI_KEY_DOWN:
	case 'j':
		st->selected++;
		break;
	case UI_KEY_PPAGE:
		st->selected -= page;
		break;
	case UI_KEY_NPAGE:
		st->selected += page;
		break;
	case UI_KEY_HOME:
		st->selected = 0;
		break;
	case UI_KEY_END:
		st->selected = nrows - 1;
		break;
	default:
		return UI_ACT_NONE;
	}
	clamp_selection(st, nrows);
	if (st->selected < st->scroll)
		st->scroll = st->selected;
	if (st->selected >= st->scroll + page)
		st->scroll = st->selected - page + 1;
	return UI_ACT_REDRAW;
}

static bool reason_known(const char *text, const struct snapshot *s)
{
	uint32_t code;

	/* Without an ISA yet, accept anything that either ISA knows. */
	if (s && s->isa)
		return !reason_parse(s->isa, text, &code);
	return !reason_parse(EXITS_ISA_VMX, text, &code) || !reason_parse(EXITS_ISA_SVM, text, &code);
}

int ui_set_filter(struct ui_state *st, const char *text, const struct snapshot *s)
{
	const char *colon = strchr(text, ':');
	uint64_t v;	/* parse_u64 bounds it to UINT32_MAX */

	while (*text == ' ')
		text++;
	if (!*text) {
		st->filter_text[0] = '\0';
		st->f_pid = 0;
		st->f_has_vcpu = false;
		st->f_reason[0] = '\0';
		st->selected = st->scroll = 0;
		snprintf(st->message, sizeof(st->message), "filter cleared");
		return 0;
	}
	if (strlen(text) >= UI_TEXT_LEN) {
		snprintf(st->message, sizeof(st->message), "filter too long");
		return -EINVAL;
	}

	if (colon) {
		size_t klen = colon - text;
		const char *val = colon + 1;

		if ((klen == 3 && !strncasecmp(text, "pid", 3)) || (klen == 1 && (*text == 'p' || *text == 'P'))) {
			if (parse_u64(val, UINT32_MAX, &v) || !v)
				goto bad;
			st->f_pid = v;
			st->f_has_vcpu = false;
			st->f_reason[0] = '\0';
		} else if (klen == 4 && !strncasecmp(text, "vcpu", 4)) {
			if (parse_u64(val, UINT32_MAX, &v))
				goto bad;
			st->f_pid = 0;
			st->f_has_vcpu = true;
			st->f_vcpu = v;
			st->f_reason[0] = '\0';
		} else if ((klen == 6 && !strncasecmp(text, "reason", 6)) || (klen == 1 && (*text == 'r' || *text == 'R'))) {
			if (!*val || !reason_known(val, s))
				goto bad;
			st->f_pid = 0;
			st->f_has_vcpu = false;
			snprintf(st->f_reason, sizeof(st->f_reason), "%s", val);
		} else {
			goto bad;
		}
	} else if (!parse_u64(text, UINT32_MAX, &v) && s && snapshot_vm(s, v)) {
		st->f_pid = v;
		st->f_has_vcpu = false;
		st->f_reason[0] = '\0';
	} else if (reason_known(text, s)) {
		st->f_pid = 0;
		st->f_has_vcpu = false;
		snprintf(st->f_reason, sizeof(st->f_reason), "%s", text);
	} else {
		goto bad;
	}
	snprintf(st->filter_text, sizeof(st->filter_text), "%s", text);
	st->selected = st->scroll = 0;
	return 0;
bad:
	snprintf(st->message, sizeof(st->message),
		 "bad filter '%.40s' (pid:N, vcpu:N, reason name or code)", text);
	return -EINVAL;
}

void ui_filter(const struct ui_state *st, struct view_filter *f, uint32_t *pidbuf)
{
	memset(f, 0, sizeof(*f));
	if (st->f_pid) {
		pidbuf[0] = st->f_pid;
		f->pids = pidbuf;
		f->npids = 1;
	} else {
		f->pids = st->arg_pids;
		f->npids = st->arg_npids;
	}
	if (st->f_has_vcpu) {
		f->has_vcpu = true;
		f->vcpu = st->f_vcpu;
	} else {
		f->has_vcpu = st->arg_has_vcpu;
		f->vcpu = st->arg_vcpu;
	}
	if (st->f_reason[0])
		f->reason = st->f_reason;
	else if (st->arg_reason[0])
		f->reason = st->arg_reason;
	f->active = st->active;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive screen: state (ui_keys.c, no curses, unit-testable),
 * drawing (ui_draw.c), terminal setup/restore (ui_term.c) and the loop
 * (ui_main.c).
 */
#ifndef EXITTOP_UI_H
#define EXITTOP_UI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "args.h"
#include "collect.h"
#include "view.h"

#define UI_TEXT_LEN 64

enum ui_screen {
	UI_TABLE,		/* the view in state.mode */
	UI_HIST,		/* latency histogram of state.hist_reason */
	UI_DETAIL,		/* --drill: the details of state.detail_reason */
};

struct ui_state {
	enum ui_screen screen;
	enum view_mode mode;
	enum sort_key sort;
	bool reverse;
	bool paused;
	bool cumulative;	/* figures since start instead of the last interval */
	bool active;		/* only rows with exits in the last interval ('i', -i) */
	bool attrib;		/* latency attribution columns shown ('a', --attrib) */
	bool help;
	double delay_s;
	int selected;		/* row index in the table */
	int scroll;		/* first row shown */

	/* Filters from the command line, and the interactive one on top. */
	const uint32_t *arg_pids;
	size_t arg_npids;
	bool arg_has_vcpu;
	uint32_t arg_vcpu;
	char arg_reason[UI_TEXT_LEN];

	char filter_text[UI_TEXT_LEN];	/* as typed, "" for none */
	uint32_t f_pid;			/* 0: none */
	bool f_has_vcpu;
	uint32_t f_vcpu;
	char f_reason[UI_TEXT_LEN];

	char hist_reason[UI_TEXT_LEN];	/* "" until one is chosen */
	const struct drill_set *drill;	/* --drill, or NULL */
	char detail_reason[UI_TEXT_LEN];	/* UI_DETAIL's reason */
	char message[96];		/* one-shot status line text */
};

/* What the loop does after a key. Bits. */
enum {
	UI_ACT_NONE = 0,
	UI_ACT_REDRAW = 1 << 0,		/* state changed: rebuild the view, draw */
	UI_ACT_QUIT = 1 << 1,
	UI_ACT_RESET = 1 << 2,		/* collector_reset() */
	UI_ACT_FILTER = 1 << 3,		/* prompt for a filter, then ui_set_filter() */
	UI_ACT_RETIME = 1 << 4,		/* delay or pause changed: reschedule */
	UI_ACT_RESIZE = 1 << 5,
	UI_ACT_ATTRIB = 1 << 6,		/* attribution columns on: load its programs */
};

/* Keys that are not characters (curses KEY_* are mapped to these by ui_main.c). */
enum {
	UI_KEY_UP = 0x1000, UI_KEY_DOWN, UI_KEY_PPAGE, UI_KEY_NPAGE,
	UI_KEY_HOME, UI_KEY_END, UI_KEY_ENTER, UI_KEY_ESC,
	UI_KEY_F1, UI_KEY_F5, UI_KEY_F6, UI_KEY_F10, UI_KEY_RESIZE,
};

void ui_state_init(struct ui_state *st, const struct args *a);

/*
 * Apply one key. nrows is the number of rows of the current table (for
 * moving the selection), page the number visible, sel_reason the reason
 * name of the selected row in the reason view ("" if none): what Enter
 * and the histogram view open (Enter: its details instead, with --drill
 * and a drilled reason; Enter or Esc again: back).
 */
int ui_key(struct ui_state *st, int key, int nrows, int page, const char *sel_reason);

/*
 * Interpret filter text: "" clears; "pid:N" or a number that is the pid
 * of a VM in s -> that VM; "vcpu:N"; "reason:X" or any other word or
 * number -> that exit reason. Returns 0, or -EINVAL with st->message set.
 */
int ui_set_filter(struct ui_state *st, const char *text, const struct snapshot *s);

/* The effective filter (command line and interactive). pidbuf backs f->pids. */
void ui_filter(const struct ui_state *st, struct view_filter *f, uint32_t *pidbuf);

/* Delay steps for +/- */
double ui_delay_step(double cur, int dir);

/* Terminal (ui_term.c). */
int ui_term_init(void);
void ui_term_restore(void);		/* idempotent; registered with atexit */
bool ui_term_active(void);

/* Drawing (ui_draw.c). */
struct ui_host {
	const char *host;
	const char *kernel;
};
void ui_draw(struct ui_state *st, const struct ui_host *h, const struct snapshot *s,
	     const struct view *v, bool have_data);
int ui_table_page(void);		/* table rows that fit on the screen */
/* Prompt on the bottom line; returns 0 with the text, -1 if cancelled. */
int ui_prompt(const char *label, const char *init, char *buf, size_t len);

/* The loop (ui_main.c). stop is set by SIGINT/SIGTERM. Returns the exit status. */
int ui_run(struct collector *c, const struct args *a, const struct ui_host *h,
	   volatile sig_atomic_t *stop);

#endif

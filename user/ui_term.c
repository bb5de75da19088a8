// SPDX-License-Identifier: GPL-2.0
/*
 * Terminal setup and, above all, restore: whatever way exittop ends
 * (q, SIGINT/SIGTERM/SIGHUP, a fatal error, exit() from anywhere, even
 * a crash) the user gets their shell back in a sane state.
 */
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

static volatile sig_atomic_t active;
static bool atexit_done;

bool ui_term_active(void)
{
	return active;
}

void ui_term_restore(void)
{
	if (!active)
		return;
	active = 0;
	/* endwin() leaves the alternate screen and restores the tty modes. */
	curs_set(1);
	endwin();
	fflush(stdout);
}

/*
 * Crashes: put the terminal back, then die the way we would have.
 * endwin() is not async-signal-safe, but after SIGSEGV the alternative
 * is a terminal in raw mode on the alternate screen; htop makes the
 * same trade.
 */
static void fatal_signal(int sig)
{
	ui_term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int ui_term_init(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	/* The terminal's character set, but numbers always with a '.' */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	if (!atexit_done) {
		atexit(ui_term_restore);
		atexit_done = true;
	}
	/* newterm, unlike initscr, returns an error instead of exiting. */
	if (!newterm(NULL, stdout, stdin))
		return -1;
	active = 1;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Escape alone should not wait a second for a sequence that never comes. */
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_BLACK, COLOR_CYAN);	/* table header, key labels */
		init_pair(2, COLOR_BLACK, COLOR_GREEN);	/* selected row, bars */
		init_pair(3, COLOR_CYAN, -1);		/* header values */
		init_pair(4, COLOR_RED, -1);		/* dropped, paused */
		init_pair(5, COLOR_GREEN, -1);		/* histogram bars */
	}
	return 0;
}

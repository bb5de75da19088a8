// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "stopsig.h"

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

volatile sig_atomic_t *stopsig_install(struct stopsig_saved *saved)
{
	struct stopsig_saved dummy;
	struct sigaction sa;

	if (!saved)
		saved = &dummy;
	stop_flag = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &saved->old_pipe);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, &saved->old_int);
	sigaction(SIGTERM, &sa, &saved->old_term);
	sigaction(SIGHUP, &sa, &saved->old_hup);
	return &stop_flag;
}

void stopsig_restore(const struct stopsig_saved *saved)
{
	if (!stop_flag) {
		sigaction(SIGINT, &saved->old_int, NULL);
		sigaction(SIGTERM, &saved->old_term, NULL);
		sigaction(SIGHUP, &saved->old_hup, NULL);
	}
	sigaction(SIGPIPE, &saved->old_pipe, NULL);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIGINT, SIGTERM and SIGHUP turn into a stop flag that the loops test;
 * SIGPIPE is ignored, so a closed pipe or socket shows up as EPIPE.
 */
#ifndef EXITTOP_STOPSIG_H
#define EXITTOP_STOPSIG_H

#include <signal.h>

struct stopsig_saved {
	struct sigaction old_int, old_term, old_hup, old_pipe;
};

/*
 * Install the handlers (no SA_RESTART: a signal cuts a sleep, a poll or
 * a key wait short), clear the flag and return it. saved, if not NULL,
 * receives the handlers replaced.
 */
volatile sig_atomic_t *stopsig_install(struct stopsig_saved *saved);
/*
 * Put the saved handlers back, unless a stop signal arrived: a second one
 * may be on its way (timeout(1) and process-group kills deliver SIGTERM
 * twice) and must not find the default action, which would end the
 * process with 143 instead of a clean exit.
 */
void stopsig_restore(const struct stopsig_saved *saved);

#endif

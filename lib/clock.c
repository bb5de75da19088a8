// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>

#include "clock.h"

double clock_realtime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * nanosleep() returns EINTR on a signal (the handlers are installed
 * without SA_RESTART): the loop goes back to sleep for what is left
 * unless the signal was a stop request.
 */
void clock_sleep_or_stop(double s, volatile sig_atomic_t *stop)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (!*stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

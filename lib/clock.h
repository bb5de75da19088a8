/* SPDX-License-Identifier: GPL-2.0 */
/* Clocks in the units the programs use, and a sleep that a stop request cuts short. */
#ifndef EXITTOP_CLOCK_H
#define EXITTOP_CLOCK_H

#include <signal.h>
#include <stdint.h>

/* CLOCK_REALTIME in seconds (timestamps printed for people). */
double clock_realtime_s(void);
/* CLOCK_MONOTONIC in nanoseconds (intervals and deadlines). */
uint64_t clock_mono_ns(void);
/* Sleep s seconds, or less if *stop becomes nonzero (a signal handler sets it). */
void clock_sleep_or_stop(double s, volatile sig_atomic_t *stop);

#endif

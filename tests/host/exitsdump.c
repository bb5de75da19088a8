// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: loads and attaches exittop's BPF programs through
 * user/collect.c (no front end), waits, polls and prints one line per row:
 *   row PID VCPU ISA REASON COUNT LAT_COUNT LAT_SUM P50 P99 MAX NAME
 * then `vm PID ALIVE NAME` lines and `dropped N`.
 * Usage: exitsdump [-d SECONDS] [-n POLLS] [-p PID]... [-r POLL] [-v]
 * -r POLL: collector_reset() right after poll number POLL (from 0);
 * SIGUSR1: collector_reset() right after the next poll (a test picks the
 * moment, e.g. once a VM was reaped and while another runs).
 * Exit status 0 when loaded and attached, 1 with the collector's error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "stats.h"

static volatile sig_atomic_t reset_asked;

static void on_usr1(int sig)
{
	reset_asked = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct collect_opts o = { 0 };
	uint32_t pids[64];
	struct collector *c;
	struct snapshot s;
	double secs = 0;
	int polls = 1, opt, i, reset_at = -1;
	char err[256];
	size_t r;

	while ((opt = getopt(argc, argv, "d:n:p:r:v")) != -1) {
		switch (opt) {
		case 'd': secs = atof(optarg); break;
		case 'n': polls = atoi(optarg); break;
		case 'p':
			if (o.npids < 64)
				pids[o.npids++] = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r': reset_at = atoi(optarg); break;
		case 'v': o.verbose = true; break;
		default:
			fprintf(stderr, "usage: exitsdump [-d SECONDS] [-n POLLS] [-p PID]... [-v]\n");
			return 2;
		}
	}
	o.pids = o.npids ? pids : NULL;
	if (collector_open(&c, &o, err, sizeof(err))) {
		fprintf(stderr, "exitsdump: %s\n", err);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	printf("attached\n");
	fflush(stdout);
	for (i = 0; i < polls; i++) {
		if (secs > 0)
			usleep((useconds_t)(secs * 1e6));
		memset(&s, 0, sizeof(s));
		if (collector_poll(c, &s)) {
			fprintf(stderr, "exitsdump: poll failed\n");
			collector_close(c);
			return 1;
		}
		printf("poll %d interval %.3f rows %zu\n", i, s.interval_s, s.nrows);
		for (r = 0; r < s.nrows; r++) {
			const struct stat_row *w = &s.rows[r];

			printf("row %u %u %u 0x%x %llu %llu %llu %llu %llu %llu delta %llu\n",
			       w->pid, w->vcpu, w->isa, w->reason,
			       (unsigned long long)w->total.count,
			       (unsigned long long)w->total.lat_count,
			       (unsigned long long)w->total.lat_sum_ns,
			       (unsigned long long)hist_percentile_ns(w->total.hist, w->total.lat_max_ns, 50),
			       (unsigned long long)hist_percentile_ns(w->total.hist, w->total.lat_max_ns, 99),
			       (unsigned long long)w->total.lat_max_ns,
			       (unsigned long long)w->delta.count);
		}
		for (r = 0; r < s.nvms; r++)
			printf("vm %u %d %s\n", s.vms[r].pid, s.vms[r].alive, s.vms[r].name);
		printf("dropped %llu\n", (unsigned long long)s.dropped_total);
		if (i == reset_at || reset_asked) {
			reset_asked = 0;
			collector_reset(c);
			printf("reset\n");
		}
		fflush(stdout);
	}
	collector_close(c);
	return 0;
}

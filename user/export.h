/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exporter mode: poll the collector every interval, keep cumulative series
 * per (pid, vcpu, reason), serve them on GET /metrics (Prometheus text
 * 0.0.4 or OpenMetrics, negotiated by Accept). See docs/exporter.md.
 */
#ifndef EXITTOP_EXPORT_H
#define EXITTOP_EXPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "collect.h"
#include "model.h"

#define EXPORT_DEFAULT_INTERVAL_S	1.0
#define EXPORT_DEFAULT_GRACE_S		300.0

/* A zero-initialised struct means all defaults. */
struct export_opts {
	const char *listen;	/* ADDR:PORT, [IPV6]:PORT, PORT; NULL: 127.0.0.1:9567 */
	double interval_s;	/* collector poll period; <= 0: 1 s */
	double grace_s;		/* series of an ended VM stay this long; 0: 300 s; < 0: 0 */
	int max_conns;		/* concurrent HTTP connections; 0: 32 */
	int timeout_ms;		/* HTTP request/write/idle timeout; 0: 10000 */
	bool no_histograms;	/* counters only (much smaller scrapes) */
	bool bpf_stats;		/* enable kernel BPF run-time stats while running (CAP_SYS_ADMIN) */
	double duration_s;	/* stop after this long; 0: until SIGINT/SIGTERM */
	volatile sig_atomic_t *stop;	/* caller's stop flag; NULL: export_run handles SIGINT/SIGTERM */
	FILE *log;		/* startup line and errors; NULL: stderr */
	const char *version;	/* exittop_build_info{version}; NULL: omitted */
	const char *web_config;	/* --web-config FILE (TLS, basic auth); NULL: plain HTTP */
	bool drill;		/* export the source's detail rows (--drill; export_detail.h) */
	unsigned int drill_top;	/* details with their own series per VM and reason; 0: 10 */
};

/*
 * Run the exporter until stopped: polls c every interval and serves the
 * latest figures. Returns 0 after a stop, or a negative errno when the
 * HTTP server cannot start (message on o->log). Does not close c.
 * export_open + export_serve + export_close in one call.
 */
int export_run(struct collector *c, const struct export_opts *o);

/*
 * The same in steps, so that a bad listen address or web configuration is
 * reported before anything is loaded into the kernel: export_open reads
 * o->web_config and binds (message on o->log, negative errno on failure);
 * o must stay valid until export_close.
 */
struct exporter;

int export_open(struct exporter **x, const struct export_opts *o);
int export_serve(struct exporter *x, struct collector *c);
void export_close(struct exporter *x);

/* ---- seams for tests ---- */

/* What export_run polls; export_run wraps collector_poll/collector_reset. */
struct export_source {
	int (*poll)(void *ctx, struct snapshot *s);
	void (*reset)(void *ctx);	/* forget ended VMs (may be NULL) */
	void *ctx;
};

int export_run_source(const struct export_source *src, const struct export_opts *o);
int export_serve_source(struct exporter *x, const struct export_source *src);

/*
 * Cumulative series built from the per-poll deltas of snapshots, so that
 * the source may be reset (to free ended VMs) without counters going back.
 * Ended VMs keep their series grace_ns after the poll that found them gone.
 */
struct export_state;

struct export_state *export_state_new(void);
void export_state_free(struct export_state *st);

/*
 * Fold one snapshot in (rows' delta aggregates, vms, dropped_delta).
 * Returns how many VMs of s have ended (then the source should be reset
 * after this call), or -ENOMEM.
 */
int export_state_update(struct export_state *st, const struct snapshot *s, uint64_t now_ns,
			uint64_t grace_ns);

/* The series as a snapshot (rows' 'total' = cumulative); valid until the next update. */
int export_state_view(struct export_state *st, struct snapshot *out);

uint64_t export_state_expired(const struct export_state *st);	/* VMs expired so far */
size_t export_state_live_rows(const struct export_state *st);	/* rows of running VMs */

#endif

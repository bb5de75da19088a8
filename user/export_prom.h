/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition (0.0.4) and OpenMetrics 1.0 rendering of a
 * snapshot. Pure: everything comes from the snapshot and struct prom_meta,
 * the result goes into a growable buffer.
 *
 * Series (see docs/exporter.md):
 *   exittop_exits_total{pid,vm,vcpu,isa,reason,code}           counter   (row total.count)
 *   exittop_exit_latency_seconds{pid,vm,vcpu,isa,reason,code}  histogram (row total.hist)
 *   exittop_detail_* (--drill, export_detail.c through prom_meta.extra)
 *   exittop_vm_up{pid,vm}, exittop_dropped_exits_total, exittop_map_keys, ... health
 */
#ifndef EXITTOP_EXPORT_PROM_H
#define EXITTOP_EXPORT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum prom_format {
	PROM_TEXT,		/* text/plain; version=0.0.4 */
	PROM_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 (ends with # EOF) */
};

#define PROM_CTYPE_TEXT	"text/plain; version=0.0.4; charset=utf-8"
#define PROM_CTYPE_OM	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * Content negotiation: OpenMetrics when an Accept header value prefers
 * application/openmetrics-text (q > 0 and at least the q of text/plain and
 * wildcards, as Prometheus sends it), else the text format.
 */
enum prom_format prom_negotiate(const char *accept, size_t len);

struct prom_buf {
	char *data;
	size_t len, cap;
	bool oom;		/* an append failed: the content is incomplete */
};

void pbuf_init(struct prom_buf *b);
void pbuf_free(struct prom_buf *b);
void pbuf_puts(struct prom_buf *b, const char *s);
void pbuf_printf(struct prom_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exporter health; 0 / NULL fields are left out unless noted. */
struct prom_prog {
	const char *name;	/* BPF program name */
	uint64_t run_time_ns;	/* fdinfo run_time_ns (kernel.bpf_stats_enabled=1) */
	uint64_t run_cnt;
};

struct prom_meta;
struct snapshot;

/*
 * Renders more families into b (the snapshot and meta being rendered);
 * called once per rendering, after the reason families.
 */
typedef void prom_extra_fn(struct prom_buf *b, const struct snapshot *s,
			   const struct prom_meta *m, enum prom_format f, void *ctx);

struct prom_meta {
	const char *version;		/* exittop_build_info{version}; NULL: omitted */
	uint64_t polls;			/* exittop_polls_total (always) */
	uint64_t poll_errors;		/* exittop_poll_errors_total (always) */
	double poll_seconds;		/* duration of the last poll (always) */
	double last_poll_unix;		/* exittop_last_poll_timestamp_seconds; 0: omitted */
	uint64_t dropped_total;		/* exittop_dropped_exits_total (always) */
	size_t map_keys;		/* exittop_map_keys: keys in the kernel map (always) */
	size_t map_capacity;		/* exittop_map_capacity; 0: unknown, omitted */
	uint64_t expired_vms;		/* exittop_expired_vms_total (always) */
	const struct prom_prog *progs;	/* exittop_bpf_prog_run_* when nprogs > 0 */
	size_t nprogs;
	bool no_histograms;		/* leave the latency histograms out */
	bool have_http;			/* the HTTP figures below are set */
	uint64_t http_requests;		/* exittop_http_requests_total (as of this rendering) */
	uint64_t http_timeouts;		/* exittop_http_timeouts_total */
	uint64_t http_evicted;		/* exittop_http_evicted_connections_total */
	uint64_t http_busy;		/* exittop_http_busy_responses_total (503) */
	uint64_t http_unauthorized;	/* exittop_http_unauthorized_responses_total (401) */
	uint64_t http_connections;	/* exittop_http_connections (open now) */
	prom_extra_fn *extra;		/* more families (--drill's details); NULL: none */
	void *extra_ctx;
};

enum prom_ftype { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_INFO };

/*
 * Declare a family (HELP, TYPE, OpenMetrics UNIT). name is the sample name
 * for counters (with _total) and info (with _info); the OpenMetrics family
 * name drops that suffix.
 */
void prom_family(struct prom_buf *b, enum prom_format f, const char *name, enum prom_ftype t,
		 const char *unit, const char *help);

/*
 * The samples of histogram `name` for labels (no braces): 31 cumulative
 * _bucket{le} lines and +Inf from a->hist, _sum from a->lat_sum_ns, _count.
 */
void prom_histogram(struct prom_buf *b, const char *name, const char *labels,
		    const struct agg *a);

/* ns as exact decimal seconds: "0", "0.000000002", "1.5", "12" */
void prom_ns_seconds(char *buf, size_t len, uint64_t ns);

/* "vmx", "svm", "unknown" */
const char *prom_isa(uint8_t isa);

/*
 * Append label value s escaped for the exposition formats: backslash,
 * double quote and line feed as \\, \" and \n; other control characters
 * and bytes that are not valid UTF-8 become U+FFFD, so that a hostile
 * process name cannot make the scrape unparsable.
 */
void prom_escape_label(struct prom_buf *b, const char *s);

/*
 * Upper bound of log2 slot i ([2^i, 2^(i+1)) ns) in seconds, as exact
 * decimal text ("0.000000002", "2.147483648"); "+Inf" for the last slot.
 */
void prom_le(char *buf, size_t len, int slot);

/*
 * Render s (rows' cumulative 'total' aggregates; VM names and liveness
 * from s->vms) in format f. Rows are expected sorted by pid, vcpu, reason
 * (as the collector delivers them). Returns 0, or -ENOMEM (b->oom).
 */
int prom_render(struct prom_buf *b, const struct snapshot *s, const struct prom_meta *m,
		enum prom_format f);

#endif

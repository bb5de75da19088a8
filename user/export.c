// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter loop: one thread, one wait (httpd_step) that also wakes up
 * for the collector's interval. Each poll folds the snapshot's deltas into
 * export_state (export_state.c); renderings are made on the first scrape
 * after a poll, per format, and shared by reference with every connection
 * sending them (the HTTP layer compresses each one at most once), so
 * concurrent scrapes of one interval cost one rendering.
 *
 * Memory stays bounded under VM churn: when a poll finds VMs ended, the
 * collector is reset (it forgets ended VMs and their rows; the kernel map
 * keys are already gone), and export_state drops their series once the
 * grace period has passed.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "export.h"
#include "export_bpf.h"
#include "export_detail.h"
#include "export_prom.h"
#include "httpd.h"
#include "stopsig.h"

struct exporter {
	const struct export_source *src;
	const struct export_opts *o;
	struct export_state *st;
	struct export_detail *xd;	/* --drill, else NULL */
	struct hbuf *cache[2];		/* renderings per format, until the next poll */
	struct prom_meta meta;
	struct prom_prog progs[EXPORT_MAX_PROGS];
	struct bpf_self bpf;
	bool bpf_stats_fd;		/* we hold a BPF_ENABLE_STATS fd */
	FILE *log;
	int last_err;
	struct webcfg web;
	struct httpd *h;
};

static void drop_cache(struct exporter *x)
{
	int f;

	for (f = 0; f < 2; f++) {
		hbuf_put(x->cache[f]);
		x->cache[f] = NULL;
	}
}

static void do_poll(struct exporter *x)
{
	struct snapshot s;
	uint64_t t0 = clock_mono_ns(), t1, grace;
	int r;

	memset(&s, 0, sizeof(s));
	r = x->src->poll(x->src->ctx, &s);
	t1 = clock_mono_ns();
	x->meta.polls++;
	x->meta.poll_seconds = (double)(t1 - t0) / 1e9;
	x->meta.last_poll_unix = clock_realtime_s();
	if (r < 0) {
		x->meta.poll_errors++;
		if (r != x->last_err && s.notice)
			fprintf(x->log, "exittop: %s\n", s.notice);
		else if (r != x->last_err)
			fprintf(x->log, "exittop: reading the BPF maps failed: %s\n", strerror(-r));
		x->last_err = r;
		return;
	}
	if (s.notice)
		fprintf(x->log, "exittop: %s\n", s.notice);
	x->last_err = 0;
	grace = x->o->grace_s < 0 ? 0 :
		(uint64_t)((x->o->grace_s > 0 ? x->o->grace_s : EXPORT_DEFAULT_GRACE_S) * 1e9);
	r = export_state_update(x->st, &s, t1, grace);
	if (r < 0) {
		x->meta.poll_errors++;
		fprintf(x->log, "exittop: out of memory\n");
		return;
	}
	if (x->xd) {
		struct snapshot v;

		/* export_state's view: the VMs whose series are still exported */
		if (export_state_view(x->st, &v) || export_detail_update(x->xd, s.detail, &v)) {
			x->meta.poll_errors++;
			fprintf(x->log, "exittop: out of memory\n");
		}
	}
	if (r > 0 && x->src->reset)
		x->src->reset(x->src->ctx);	/* the collector forgets ended VMs */
	drop_cache(x);
}

static struct hbuf *render(struct exporter *x, enum prom_format f)
{
	struct prom_buf b;
	struct snapshot v;

	if (export_state_view(x->st, &v))
		return NULL;
	x->meta.dropped_total = v.dropped_total;
	x->meta.map_keys = export_state_live_rows(x->st);
	x->meta.expired_vms = export_state_expired(x->st);
	x->meta.map_capacity = x->bpf.map_capacity;
	x->meta.nprogs = 0;
	if (x->bpf.nprogs && (x->bpf_stats_fd || bpf_stats_on())) {
		x->meta.nprogs = bpf_self_progs(&x->bpf, x->progs);
		x->meta.progs = x->progs;
	}
	if (x->h) {
		struct httpd_stats hs;

		httpd_get_stats(x->h, &hs);
		x->meta.have_http = true;
		x->meta.http_requests = hs.requests;
		x->meta.http_timeouts = hs.timeouts;
		x->meta.http_evicted = hs.evicted;
		x->meta.http_busy = hs.busy;
		x->meta.http_unauthorized = hs.unauthorized;
		x->meta.http_connections = hs.conns;
	}
	pbuf_init(&b);
	if (prom_render(&b, &v, &x->meta, f)) {
		pbuf_free(&b);
		return NULL;
	}
	if (!b.data)
		return hbuf_new("", 0);
	return hbuf_adopt(b.data, b.len);	/* the rendering itself, not a copy */
}

static void handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct exporter *x = ctx;
	enum prom_format f = prom_negotiate(req->accept, strlen(req->accept));

	if (strcmp(req->path, "/metrics")) {
		resp->status = 404;
		return;
	}
	if (!x->cache[f])
		x->cache[f] = render(x, f);
	if (!x->cache[f]) {
		resp->status = 500;
		return;
	}
	resp->status = 200;
	resp->content_type = f == PROM_OPENMETRICS ? PROM_CTYPE_OM : PROM_CTYPE_TEXT;
	resp->body = hbuf_get(x->cache[f]);
}

int export_open(struct exporter **xp, const struct export_opts *o)
{
	static const struct export_opts defaults;
	struct exporter *x;
	struct httpd_opts ho;
	char err[512], addr[80];
	size_t i;
	int ret;

	*xp = NULL;
	if (!o)
		o = &defaults;
	/*
	 * The exporter runs for weeks and renders multi-megabyte bodies: they
	 * are always mapped and unmapped, instead of staying in the heap once
	 * glibc's dynamic mmap threshold has risen past their size.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->o = o;
	x->log = o->log ? o->log : stderr;
	x->meta.version = o->version;
	x->meta.no_histograms = o->no_histograms;
	x->st = export_state_new();
	if (o->drill) {
		x->xd = export_detail_new(o->drill_top);
		x->meta.extra = export_detail_render;
		x->meta.extra_ctx = x->xd;
	}
	if (!x->st || (o->drill && !x->xd)) {
		export_detail_free(x->xd);
		export_state_free(x->st);
		free(x);
		return -ENOMEM;
	}
	if (o->web_config) {
		ret = webcfg_load(o->web_config, &x->web, err, sizeof(err));
		if (ret) {
			fprintf(x->log, "exittop: --web-config %s\n", err);
			export_close(x);
			return ret;
		}
	}
	memset(&ho, 0, sizeof(ho));
	ho.listen = o->listen;
	ho.max_conns = o->max_conns;
	ho.timeout_ms = o->timeout_ms;
	ho.web = o->web_config ? &x->web : NULL;
	ret = httpd_open(&x->h, &ho, handle, x, err, sizeof(err));
	if (ret) {
		fprintf(x->log, "exittop: %s\n", err);
		export_close(x);
		return ret;
	}
	for (i = 0; httpd_addr(x->h, i, addr, sizeof(addr)); i++)
		fprintf(x->log, "exittop: serving metrics on %s://%s/metrics%s\n",
			httpd_scheme(x->h), addr, x->web.nusers ? " (basic auth)" : "");
	fflush(x->log);
	*xp = x;
	return 0;
}

void export_close(struct exporter *x)
{
	if (!x)
		return;
	drop_cache(x);
	httpd_close(x->h);
	webcfg_free(&x->web);
	export_state_free(x->st);
	export_detail_free(x->xd);
	free(x);
}

int export_serve_source(struct exporter *x, const struct export_source *src)
{
	const struct export_opts *o = x->o;
	struct stopsig_saved saved;
	struct sigaction ign, old_pipe;
	volatile sig_atomic_t *stop;
	uint64_t interval, start, next;
	int ret, stats_fd = -1;

	x->src = src;
	if (o->bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(x->log, "exittop: cannot enable BPF run-time stats: %s\n",
				strerror(errno));
		x->bpf_stats_fd = stats_fd >= 0;
	}
	bpf_self_scan(&x->bpf);

	/* a client gone mid-response must be an error, not the end of us */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	/* no SA_RESTART: a signal cuts the wait in httpd_step short */
	stop = o->stop ? o->stop : stopsig_install(&saved);

	interval = (uint64_t)((o->interval_s > 0 ? o->interval_s : EXPORT_DEFAULT_INTERVAL_S) * 1e9);
	if (interval < 10000000)
		interval = 10000000;	/* 10 ms */
	start = clock_mono_ns();
	next = start;
	ret = 0;
	while (!*stop) {
		uint64_t now = clock_mono_ns();
		int wait_ms;

		if (o->duration_s > 0 && now - start >= (uint64_t)(o->duration_s * 1e9))
			break;
		if (now >= next) {
			do_poll(x);
			next += interval;
			if (next <= now)
				next = now + interval;	/* fell behind: no burst of polls */
			continue;
		}
		wait_ms = (int)((next - now + 999999) / 1000000);
		if (o->duration_s > 0) {
			uint64_t end = start + (uint64_t)(o->duration_s * 1e9);
			int left = (int)((end - now + 999999) / 1000000);

			if (left < wait_ms)
				wait_ms = left;
		}
		ret = httpd_step(x->h, wait_ms);
		if (ret == -EINTR)
			ret = 0;
		else if (ret < 0) {
			fprintf(x->log, "exittop: poll: %s\n", strerror(-ret));
			break;
		}
	}

	if (!o->stop)
		stopsig_restore(&saved);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (stats_fd >= 0)
		close(stats_fd);
	return ret;
}

int export_run_source(const struct export_source *src, const struct export_opts *o)
{
	struct exporter *x;
	int ret = export_open(&x, o);

	if (ret)
		return ret;
	ret = export_serve_source(x, src);
	export_close(x);
	return ret;
}

static int coll_poll(void *ctx, struct snapshot *s)
{
	return collector_poll(ctx, s);
}

static void coll_reset(void *ctx)
{
	collector_reset(ctx);
}

int export_serve(struct exporter *x, struct collector *c)
{
	struct export_source src = { coll_poll, coll_reset, c };

	return export_serve_source(x, &src);
}

int export_run(struct collector *c, const struct export_opts *o)
{
	struct export_source src = { coll_poll, coll_reset, c };

	return export_run_source(&src, o);
}

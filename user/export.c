// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter loop: one thread, one poll(2) loop (httpd_step) that also
 * wakes up for the collector's interval. Each poll folds the snapshot's
 * deltas into export_state; renderings are made on the first scrape after
 * a poll, per format, and shared by reference with every connection
 * sending them, so concurrent scrapes of one interval cost one rendering.
 *
 * Memory stays bounded under VM churn: when a poll finds VMs ended, the
 * collector is reset (it forgets ended VMs and their rows; the kernel map
 * keys are already gone), and export_state drops their series once the
 * grace period has passed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <zlib.h>

#include "export.h"
#include "export_prom.h"
#include "httpd.h"
#include "stats.h"

/* ---- export_state ---- */

struct evm {
	struct vm_info info;
	uint64_t ended_ns;	/* 0 while alive */
	bool expired;		/* tombstone: series dropped, source may still list it */
	bool seen;		/* listed by the current snapshot */
};

struct export_state {
	struct stat_row *rows;	/* sorted by pid, vcpu, reason, isa */
	size_t nrows, rcap;
	struct evm *vms;
	size_t nvms, vcap;
	struct vm_info *view;	/* for export_state_view */
	size_t view_cap;
	uint64_t dropped;
	uint64_t expired;
	size_t live_rows;
	uint8_t isa;
	uint64_t mono_ns;
	double interval_s;
};

struct export_state *export_state_new(void)
{
	return calloc(1, sizeof(struct export_state));
}

void export_state_free(struct export_state *st)
{
	if (!st)
		return;
	free(st->rows);
	free(st->vms);
	free(st->view);
	free(st);
}

uint64_t export_state_expired(const struct export_state *st)
{
	return st->expired;
}

size_t export_state_live_rows(const struct export_state *st)
{
	return st->live_rows;
}

static int row_key_cmp(const struct stat_row *x, const struct stat_row *y)
{
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	if (x->isa != y->isa)
		return x->isa < y->isa ? -1 : 1;
	return 0;
}

static int row_qcmp(const void *a, const void *b)
{
	return row_key_cmp(a, b);
}

static struct evm *evm_find(struct export_state *st, uint32_t pid)
{
	size_t i;

	for (i = 0; i < st->nvms; i++)
		if (st->vms[i].info.pid == pid)
			return &st->vms[i];
	return NULL;
}

static struct evm *evm_add(struct export_state *st, const struct vm_info *vi)
{
	struct evm *e;

	if (st->nvms == st->vcap) {
		size_t ncap = st->vcap ? st->vcap * 2 : 16;
		struct evm *n = realloc(st->vms, ncap * sizeof(*n));

		if (!n)
			return NULL;
		st->vms = n;
		st->vcap = ncap;
	}
	e = &st->vms[st->nvms++];
	memset(e, 0, sizeof(*e));
	e->info = *vi;
	return e;
}

static void drop_rows_of(struct export_state *st, uint32_t pid)
{
	size_t i, k = 0;

	for (i = 0; i < st->nrows; i++)
		if (st->rows[i].pid != pid)
			st->rows[k++] = st->rows[i];
	st->nrows = k;
}

static struct stat_row *row_find(struct export_state *st, size_t n, const struct stat_row *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = row_key_cmp(&st->rows[mid], key);

		if (!c)
			return &st->rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int export_state_update(struct export_state *st, const struct snapshot *s, uint64_t now_ns,
			uint64_t grace_ns)
{
	size_t i, n0, k;
	int ended = 0;

	/* 1. VMs */
	for (i = 0; i < st->nvms; i++)
		st->vms[i].seen = false;
	for (i = 0; i < s->nvms; i++) {
		const struct vm_info *vi = &s->vms[i];
		struct evm *e = evm_find(st, vi->pid);

		if (!vi->alive)
			ended++;
		if (e && vi->alive && (e->ended_ns || e->expired)) {
			/* a new process with the pid of an ended VM */
			drop_rows_of(st, vi->pid);
			e->info = *vi;
			e->ended_ns = 0;
			e->expired = false;
		} else if (!e) {
			e = evm_add(st, vi);
			if (!e)
				return -ENOMEM;
			e->ended_ns = vi->alive ? 0 : now_ns;
		} else if (!e->expired) {
			if (vi->alive)
				e->info = *vi;	/* the name may have become known */
			else if (!e->ended_ns) {
				e->info.alive = false;
				e->ended_ns = now_ns;
			}
		}
		e->seen = true;
	}

	/* 2. rows: deltas into the totals; new rows appended, then sorted */
	n0 = st->nrows;
	for (i = 0; i < s->nrows; i++) {
		const struct stat_row *r = &s->rows[i];
		struct stat_row *t;
		struct evm *e = evm_find(st, r->pid);

		if (e && e->expired)
			continue;	/* the source still lists an expired VM */
		t = row_find(st, n0, r);
		if (t) {
			agg_add(&t->total, &r->delta);
			t->delta = r->delta;
			continue;
		}
		if (st->nrows == st->rcap) {
			size_t ncap = st->rcap ? st->rcap * 2 : 256;
			struct stat_row *nr = realloc(st->rows, ncap * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			st->rows = nr;
			st->rcap = ncap;
		}
		t = &st->rows[st->nrows++];
		*t = *r;
		t->total = r->delta;
		if (!e) {
			/* a row without its VM in s: keep it under its pid */
			struct vm_info vi = { .pid = r->pid, .alive = true };

			snprintf(vi.name, sizeof(vi.name), "pid %u", r->pid);
			if (!evm_add(st, &vi))
				return -ENOMEM;
			st->vms[st->nvms - 1].seen = true;
		}
	}
	if (st->nrows != n0)
		qsort(st->rows, st->nrows, sizeof(*st->rows), row_qcmp);

	/* 3. expiry; tombstones go when the source stops listing the pid */
	for (i = 0, k = 0; i < st->nvms; i++) {
		struct evm *e = &st->vms[i];

		if (!e->expired && e->ended_ns && now_ns - e->ended_ns >= grace_ns) {
			drop_rows_of(st, e->info.pid);
			e->expired = true;
			st->expired++;
		}
		if (e->expired && !e->seen)
			continue;
		st->vms[k++] = *e;
	}
	st->nvms = k;

	st->live_rows = 0;
	for (i = 0; i < st->nrows; i++) {
		struct evm *e = evm_find(st, st->rows[i].pid);

		if (e && !e->ended_ns)
			st->live_rows++;
	}
	st->dropped += s->dropped_delta;
	if (s->isa)
		st->isa = s->isa;
	st->mono_ns = s->mono_ns;
	st->interval_s = s->interval_s;
	return ended;
}

int export_state_view(struct export_state *st, struct snapshot *out)
{
	size_t i, n = 0;

	if (st->view_cap < st->nvms) {
		struct vm_info *v = realloc(st->view, st->nvms * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->view = v;
		st->view_cap = st->nvms;
	}
	for (i = 0; i < st->nvms; i++)
		if (!st->vms[i].expired)
			st->view[n++] = st->vms[i].info;
	memset(out, 0, sizeof(*out));
	out->mono_ns = st->mono_ns;
	out->interval_s = st->interval_s;
	out->rows = st->rows;
	out->nrows = st->nrows;
	out->vms = st->view;
	out->nvms = n;
	out->dropped_total = st->dropped;
	out->isa = st->isa;
	return 0;
}

/* ---- BPF objects of this process, from /proc/self/fdinfo ---- */

#define EXPORT_MAX_PROGS	8

struct bpf_self {
	int prog_fd[EXPORT_MAX_PROGS];
	char prog_name[EXPORT_MAX_PROGS][32];
	size_t nprogs;
	size_t map_capacity;
};

/* Value of "key:\t<number>" in an fdinfo text; false if absent. */
static bool fdinfo_u64(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[kl] == ':') {
			*v = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
		p += kl;
	}
	return false;
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * Find our BPF programs (for run-time stats) and the slots map (key and
 * value sizes are those of bpf/exits.h; its max_entries, the same as the
 * stats array's, is the number of keys that fit).
 */
static void bpf_self_scan(struct bpf_self *b)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(b, 0, sizeof(*b));
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], link[64], info[1024];
		int fd = atoi(de->d_name);
		uint64_t v;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (!strcmp(link, "anon_inode:bpf-map")) {
			uint64_t ks, vs;

			if (read_small(path, info, sizeof(info)) > 0 &&
			    fdinfo_u64(info, "key_size", &ks) && ks == sizeof(struct exits_key) &&
			    fdinfo_u64(info, "value_size", &vs) && vs == sizeof(struct exits_slot) &&
			    fdinfo_u64(info, "max_entries", &v))
				b->map_capacity = (size_t)v;
		} else if (!strcmp(link, "anon_inode:bpf-prog") && b->nprogs < EXPORT_MAX_PROGS) {
			struct bpf_prog_info pi;
			__u32 len = sizeof(pi);

			memset(&pi, 0, sizeof(pi));
			if (bpf_obj_get_info_by_fd(fd, &pi, &len))
				continue;
			b->prog_fd[b->nprogs] = fd;
			/* the tracepoint's name for either pair: kvm_exit_btf -> kvm_exit */
			n = (ssize_t)strnlen(pi.name, sizeof(pi.name));
			if (n > 4 && !memcmp(pi.name + n - 4, "_btf", 4))
				n -= 4;
			snprintf(b->prog_name[b->nprogs], sizeof(b->prog_name[0]), "%.*s",
				 (int)n, pi.name);
			b->nprogs++;
		}
	}
	closedir(d);
}

static bool bpf_stats_on(void)
{
	char buf[16];

	return read_small("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) > 0 &&
	       buf[0] == '1';
}

/* ---- the loop ---- */

static volatile sig_atomic_t own_stop;

static void on_signal(int sig)
{
	(void)sig;
	own_stop = 1;
}

struct exporter {
	const struct export_source *src;
	const struct export_opts *o;
	struct export_state *st;
	struct hbuf *cache[2][2];	/* renderings per format, plain/gzip, until the next poll */
	struct prom_meta meta;
	struct prom_prog progs[EXPORT_MAX_PROGS];
	struct bpf_self bpf;
	bool bpf_stats_fd;		/* we hold a BPF_ENABLE_STATS fd */
	FILE *log;
	int last_err;
	struct httpd *h;
};

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void drop_cache(struct exporter *x)
{
	int f, z;

	for (f = 0; f < 2; f++)
		for (z = 0; z < 2; z++) {
			hbuf_put(x->cache[f][z]);
			x->cache[f][z] = NULL;
		}
}

/* gzip of in (level 1: the exposition is very repetitive, speed matters more) */
static struct hbuf *gzip_buf(const struct hbuf *in)
{
	z_stream z;
	struct hbuf *out;
	size_t cap;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)in->len) + 32;
	out = hbuf_new(NULL, cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	out->len = cap - z.avail_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		hbuf_put(out);
		return NULL;
	}
	return out;
}

static void do_poll(struct exporter *x)
{
	struct snapshot s;
	uint64_t t0 = mono_now(), t1, grace;
	struct timespec wall;
	int r;

	memset(&s, 0, sizeof(s));
	r = x->src->poll(x->src->ctx, &s);
	t1 = mono_now();
	x->meta.polls++;
	x->meta.poll_seconds = (double)(t1 - t0) / 1e9;
	clock_gettime(CLOCK_REALTIME, &wall);
	x->meta.last_poll_unix = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	if (r < 0) {
		x->meta.poll_errors++;
		if (r != x->last_err)
			fprintf(x->log, "exittop: reading the BPF maps failed: %s\n", strerror(-r));
		x->last_err = r;
		return;
	}
	x->last_err = 0;
	grace = x->o->grace_s < 0 ? 0 :
		(uint64_t)((x->o->grace_s > 0 ? x->o->grace_s : EXPORT_DEFAULT_GRACE_S) * 1e9);
	r = export_state_update(x->st, &s, t1, grace);
	if (r < 0) {
		x->meta.poll_errors++;
		fprintf(x->log, "exittop: out of memory\n");
		return;
	}
	if (r > 0 && x->src->reset)
		x->src->reset(x->src->ctx);	/* the collector forgets ended VMs */
	drop_cache(x);
}

static struct hbuf *render(struct exporter *x, enum prom_format f)
{
	struct prom_buf b;
	struct snapshot v;
	struct hbuf *h = NULL;
	size_t i;

	if (export_state_view(x->st, &v))
		return NULL;
	x->meta.dropped_total = v.dropped_total;
	x->meta.map_keys = export_state_live_rows(x->st);
	x->meta.expired_vms = export_state_expired(x->st);
	x->meta.map_capacity = x->bpf.map_capacity;
	x->meta.nprogs = 0;
	if (x->bpf.nprogs && (x->bpf_stats_fd || bpf_stats_on())) {
		for (i = 0; i < x->bpf.nprogs; i++) {
			struct bpf_prog_info pi;
			__u32 len = sizeof(pi);

			memset(&pi, 0, sizeof(pi));
			if (bpf_obj_get_info_by_fd(x->bpf.prog_fd[i], &pi, &len))
				continue;
			x->progs[x->meta.nprogs].name = x->bpf.prog_name[i];
			x->progs[x->meta.nprogs].run_time_ns = pi.run_time_ns;
			x->progs[x->meta.nprogs].run_cnt = pi.run_cnt;
			x->meta.nprogs++;
		}
		x->meta.progs = x->progs;
	}
	if (x->h) {
		struct httpd_stats hs;

		httpd_get_stats(x->h, &hs);
		x->meta.have_http = true;
		x->meta.http_requests = hs.requests;
		x->meta.http_timeouts = hs.timeouts;
		x->meta.http_evicted = hs.evicted + hs.closed_full;
		x->meta.http_connections = hs.conns;
	}
	pbuf_init(&b);
	if (!prom_render(&b, &v, &x->meta, f))
		h = hbuf_new(b.data, b.len);
	pbuf_free(&b);
	return h;
}

static void handle(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct exporter *x = ctx;
	enum prom_format f = req->openmetrics ? PROM_OPENMETRICS : PROM_TEXT;

	if (strcmp(req->path, "/metrics")) {
		resp->status = 404;
		return;
	}
	if (!x->cache[f][0])
		x->cache[f][0] = render(x, f);
	if (!x->cache[f][0]) {
		resp->status = 500;
		return;
	}
	/* compress only what is worth it (and fits zlib's 32-bit lengths) */
	if (req->gzip && !x->cache[f][1] && x->cache[f][0]->len > 1024 &&
	    x->cache[f][0]->len < (1UL << 31))
		x->cache[f][1] = gzip_buf(x->cache[f][0]);
	resp->status = 200;
	resp->content_type = f == PROM_OPENMETRICS ? PROM_CTYPE_OM : PROM_CTYPE_TEXT;
	resp->vary_encoding = true;
	if (req->gzip && x->cache[f][1]) {
		resp->gzip = true;
		resp->body = hbuf_get(x->cache[f][1]);
	} else {
		resp->body = hbuf_get(x->cache[f][0]);
	}
}

int export_run_source(const struct export_source *src, const struct export_opts *o)
{
	static const struct export_opts defaults;
	struct exporter x;
	struct httpd_opts ho;
	struct httpd *h = NULL;
	struct sigaction sa, old_int, old_term, old_pipe;
	volatile sig_atomic_t *stop;
	uint64_t interval, start, next;
	char err[256], addr[80];
	int ret, stats_fd = -1;
	size_t i;

	if (!o)
		o = &defaults;
	memset(&x, 0, sizeof(x));
	x.src = src;
	x.o = o;
	x.log = o->log ? o->log : stderr;
	x.meta.version = o->version;
	x.meta.no_histograms = o->no_histograms;
	x.st = export_state_new();
	if (!x.st)
		return -ENOMEM;

	memset(&ho, 0, sizeof(ho));
	ho.listen = o->listen;
	ho.max_conns = o->max_conns;
	ho.timeout_ms = o->timeout_ms;
	ret = httpd_open(&h, &ho, handle, &x, err, sizeof(err));
	if (ret) {
		fprintf(x.log, "exittop: %s\n", err);
		export_state_free(x.st);
		return ret;
	}
	x.h = h;
	if (o->bpf_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(x.log, "exittop: cannot enable BPF run-time stats: %s\n",
				strerror(errno));
		x.bpf_stats_fd = stats_fd >= 0;
	}
	bpf_self_scan(&x.bpf);
	for (i = 0; httpd_addr(h, i, addr, sizeof(addr)); i++)
		fprintf(x.log, "exittop: serving metrics on http://%s/metrics\n", addr);
	fflush(x.log);

	stop = o->stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	if (!stop) {
		own_stop = 0;
		stop = &own_stop;
		sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns EINTR */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}

	interval = (uint64_t)((o->interval_s > 0 ? o->interval_s : EXPORT_DEFAULT_INTERVAL_S) * 1e9);
	if (interval < 10000000)
		interval = 10000000;	/* 10 ms */
	start = mono_now();
	next = start;
	ret = 0;
	while (!*stop) {
		uint64_t now = mono_now();
		int wait_ms;

		if (o->duration_s > 0 && now - start >= (uint64_t)(o->duration_s * 1e9))
			break;
		if (now >= next) {
			do_poll(&x);
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
		ret = httpd_step(h, wait_ms);
		if (ret == -EINTR)
			ret = 0;
		else if (ret < 0) {
			fprintf(x.log, "exittop: poll: %s\n", strerror(-ret));
			break;
		}
	}

	/*
	 * Put the caller's handlers back, unless a signal stopped us: a
	 * second one may be on its way (timeout(1) and process-group kills
	 * deliver SIGTERM twice) and must not find the default action, which
	 * would kill us with 143 instead of a clean exit 0.
	 */
	if (stop == &own_stop && !own_stop) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (stats_fd >= 0)
		close(stats_fd);
	drop_cache(&x);
	httpd_close(h);
	export_state_free(x.st);
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

int export_run(struct collector *c, const struct export_opts *o)
{
	struct export_source src = { coll_poll, coll_reset, c };

	return export_run_source(&src, o);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text 0.0.4 / OpenMetrics 1.0 rendering of a snapshot.
 *
 * The two formats differ here in: counter families are declared without
 * the _total suffix in OpenMetrics (with it in 0.0.4), OpenMetrics has
 * UNIT lines and the info type, and ends with "# EOF".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_prom.h"
#include "httpd_body.h"
#include "reasons.h"

/* ---- content negotiation ---- */

enum prom_format prom_negotiate(const char *accept, size_t len)
{
	double om = 0, text = 0, q;
	const char *t;
	size_t tl;

	while (http_list_next(&accept, &len, &t, &tl, &q)) {
		if (http_token_is(t, tl, "application/openmetrics-text")) {
			if (q > om)
				om = q;
		} else if (http_token_is(t, tl, "text/plain") || http_token_is(t, tl, "text/*") ||
			   http_token_is(t, tl, "*/*")) {
			if (q > text)
				text = q;
		}
	}
	return om > 0 && om >= text ? PROM_OPENMETRICS : PROM_TEXT;
}

/* ---- buffer ---- */

void pbuf_init(struct prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pbuf_free(struct prom_buf *b)
{
	free(b->data);
	pbuf_init(b);
}

static bool pbuf_reserve(struct prom_buf *b, size_t more)
{
	size_t ncap;
	char *n;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more + 1) {
		if (ncap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		ncap *= 2;
	}
	n = realloc(b->data, ncap);
	if (!n) {
		b->oom = true;
		return false;
	}
	b->data = n;
	b->cap = ncap;
	return true;
}

static void pbuf_putn(struct prom_buf *b, const char *s, size_t n)
{
	if (!pbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void pbuf_puts(struct prom_buf *b, const char *s)
{
	pbuf_putn(b, s, strlen(s));
}

void pbuf_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!pbuf_reserve(b, 128))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!pbuf_reserve(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* ---- escaping and numbers ---- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;	/* overlong, out of range, surrogate */
	return len;
}

void prom_escape_label(struct prom_buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;

	while (i < n) {
		size_t l;

		switch (s[i]) {
		case '\\': pbuf_putn(b, "\\\\", 2); i++; continue;
		case '"': pbuf_putn(b, "\\\"", 2); i++; continue;
		case '\n': pbuf_putn(b, "\\n", 2); i++; continue;
		default: break;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			pbuf_puts(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		l = utf8_len(s + i, n - i);
		if (!l) {
			pbuf_puts(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		pbuf_putn(b, (const char *)s + i, l);
		i += l;
	}
}

/* HELP text: backslash and line feed escaped (both formats). */
static void escape_help(struct prom_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			pbuf_putn(b, "\\\\", 2);
		else if (*s == '\n')
			pbuf_putn(b, "\\n", 2);
		else
			pbuf_putn(b, s, 1);
	}
}

void prom_ns_seconds(char *buf, size_t len, uint64_t ns)
{
	unsigned long long sec = ns / 1000000000ULL, frac = ns % 1000000000ULL;
	int digits = 9;

	if (!frac) {
		snprintf(buf, len, "%llu", sec);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu", sec, digits, frac);
}

void prom_le(char *buf, size_t len, int slot)
{
	if (slot < 0 || slot >= EXITS_HIST_SLOTS - 1) {
		snprintf(buf, len, "+Inf");
		return;
	}
	prom_ns_seconds(buf, len, UINT64_C(1) << (slot + 1));
}

/* ---- families ---- */

/*
 * Declare a family. name is the sample name for counters (with _total) and
 * info (with _info); the OpenMetrics family name drops that suffix.
 */
void prom_family(struct prom_buf *b, enum prom_format f, const char *name, enum prom_ftype t,
		 const char *unit, const char *help)
{
	static const char *const tn[] = { "counter", "gauge", "histogram", "info" };
	char fam[128];
	size_t n = strlen(name);

	snprintf(fam, sizeof(fam), "%s", name);
	if (f == PROM_OPENMETRICS) {
		if (t == PROM_COUNTER && n > 6 && !strcmp(name + n - 6, "_total"))
			fam[n - 6] = '\0';
		if (t == PROM_INFO && n > 5 && !strcmp(name + n - 5, "_info"))
			fam[n - 5] = '\0';
	}
	if (f == PROM_OPENMETRICS) {
		pbuf_printf(b, "# TYPE %s %s\n", fam, tn[t]);
		if (unit)
			pbuf_printf(b, "# UNIT %s %s\n", fam, unit);
	}
	pbuf_printf(b, "# HELP %s ", fam);
	escape_help(b, help);
	pbuf_puts(b, "\n");
	if (f == PROM_TEXT)
		pbuf_printf(b, "# TYPE %s %s\n", fam, t == PROM_INFO ? "gauge" : tn[t]);
}

const char *prom_isa(uint8_t isa)
{
	return isa == EXITS_ISA_VMX ? "vmx" : isa == EXITS_ISA_SVM ? "svm" : "unknown";
}

static const char *vm_name(const struct snapshot *s, uint32_t pid, size_t *hint)
{
	size_t i;

	if (*hint < s->nvms && s->vms[*hint].pid == pid)
		return s->vms[*hint].name;
	for (i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid) {
			*hint = i;
			return s->vms[i].name;
		}
	return "";
}

void prom_histogram(struct prom_buf *b, const char *name, const char *labels,
		    const struct agg *a)
{
	char num[32];
	uint64_t cum = 0;
	int slot;

	for (slot = 0; slot < EXITS_HIST_SLOTS; slot++) {
		cum += a->hist[slot];
		if (slot == EXITS_HIST_SLOTS - 1)
			break;	/* the open slot only counts towards +Inf */
		prom_le(num, sizeof(num), slot);
		pbuf_printf(b, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels, num,
			    (unsigned long long)cum);
	}
	pbuf_printf(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
	prom_ns_seconds(num, sizeof(num), a->lat_sum_ns);
	pbuf_printf(b, "%s_sum{%s} %s\n", name, labels, num);
	pbuf_printf(b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

/* pid="..",vm="..",vcpu="..",isa="..",reason="..",code=".." (no braces) */
static void row_labels(struct prom_buf *b, const struct snapshot *s, const struct stat_row *r,
		       size_t *hint)
{
	char rb[64];

	pbuf_printf(b, "pid=\"%u\",vm=\"", r->pid);
	prom_escape_label(b, vm_name(s, r->pid, hint));
	pbuf_printf(b, "\",vcpu=\"%u\",isa=\"%s\",reason=\"", r->vcpu, prom_isa(r->isa));
	prom_escape_label(b, reason_format(r->isa, r->reason, rb, sizeof(rb)));
	pbuf_printf(b, "\",code=\"%u\"", r->reason);
}

static void counter_u64(struct prom_buf *b, enum prom_format f, const char *name,
			const char *help, const char *unit, uint64_t v)
{
	prom_family(b, f, name, PROM_COUNTER, unit, help);
	pbuf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge_u64(struct prom_buf *b, enum prom_format f, const char *name,
		      const char *help, uint64_t v)
{
	prom_family(b, f, name, PROM_GAUGE, NULL, help);
	pbuf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

int prom_render(struct prom_buf *b, const struct snapshot *s, const struct prom_meta *m,
		enum prom_format f)
{
	static const struct prom_meta none;
	char num[32];
	size_t i, hint = 0;

	if (!m)
		m = &none;
	if (m->version) {
		prom_family(b, f, "exittop_build_info", PROM_INFO, NULL, "exittop version");
		pbuf_puts(b, "exittop_build_info{version=\"");
		prom_escape_label(b, m->version);
		pbuf_puts(b, "\"} 1\n");
	}

	prom_family(b, f, "exittop_exits_total", PROM_COUNTER, NULL,
	       "KVM exits per VM process, vCPU and exit reason (counted at kvm_exit)");
	for (i = 0; i < s->nrows; i++) {
		pbuf_puts(b, "exittop_exits_total{");
		row_labels(b, s, &s->rows[i], &hint);
		pbuf_printf(b, "} %llu\n", (unsigned long long)s->rows[i].total.count);
	}

	if (!m->no_histograms) {
		prom_family(b, f, "exittop_exit_latency_seconds", PROM_HISTOGRAM, "seconds",
		       "Time from a KVM exit to the next entry of the same vCPU "
		       "(log2 buckets of nanoseconds)");
		for (i = 0; i < s->nrows; i++) {
			const struct stat_row *r = &s->rows[i];
			struct prom_buf lb;

			pbuf_init(&lb);
			row_labels(&lb, s, r, &hint);
			if (lb.oom) {
				b->oom = true;
				break;
			}
			prom_histogram(b, "exittop_exit_latency_seconds", lb.data, &r->total);
			pbuf_free(&lb);
		}
	}

	if (m->extra)
		m->extra(b, s, m, f, m->extra_ctx);

	prom_family(b, f, "exittop_vm_up", PROM_GAUGE, NULL,
	       "1 while the VM process runs, 0 once it ended (its series expire later)");
	for (i = 0; i < s->nvms; i++) {
		pbuf_printf(b, "exittop_vm_up{pid=\"%u\",vm=\"", s->vms[i].pid);
		prom_escape_label(b, s->vms[i].name);
		pbuf_printf(b, "\"} %d\n", s->vms[i].alive ? 1 : 0);
	}

	counter_u64(b, f, "exittop_dropped_exits_total",
		    "Exits not counted because the BPF stats map was full", NULL, m->dropped_total);
	gauge_u64(b, f, "exittop_map_keys",
		  "Keys (pid, vcpu, reason) in the BPF stats map", m->map_keys);
	if (m->map_capacity)
		gauge_u64(b, f, "exittop_map_capacity",
			  "Maximum number of keys the BPF maps hold", m->map_capacity);
	gauge_u64(b, f, "exittop_series", "Rows (pid, vcpu, reason) exported", s->nrows);
	counter_u64(b, f, "exittop_expired_vms_total",
		    "Ended VMs whose series were dropped after the grace period", NULL,
		    m->expired_vms);
	counter_u64(b, f, "exittop_polls_total", "Reads of the BPF maps", NULL, m->polls);
	counter_u64(b, f, "exittop_poll_errors_total", "Failed reads of the BPF maps", NULL,
		    m->poll_errors);
	prom_family(b, f, "exittop_poll_duration_seconds", PROM_GAUGE, "seconds",
	       "Duration of the last read of the BPF maps");
	pbuf_printf(b, "exittop_poll_duration_seconds %.9f\n", m->poll_seconds);
	if (m->last_poll_unix > 0) {
		prom_family(b, f, "exittop_last_poll_timestamp_seconds", PROM_GAUGE, "seconds",
		       "Wall clock time of the last read of the BPF maps");
		pbuf_printf(b, "exittop_last_poll_timestamp_seconds %.3f\n", m->last_poll_unix);
	}
	if (m->nprogs) {
		prom_family(b, f, "exittop_bpf_prog_run_seconds_total", PROM_COUNTER, "seconds",
		       "Run time of exittop's BPF programs (kernel.bpf_stats_enabled=1)");
		for (i = 0; i < m->nprogs; i++) {
			prom_ns_seconds(num, sizeof(num), m->progs[i].run_time_ns);
			pbuf_puts(b, "exittop_bpf_prog_run_seconds_total{prog=\"");
			prom_escape_label(b, m->progs[i].name ? m->progs[i].name : "");
			pbuf_printf(b, "\"} %s\n", num);
		}
		prom_family(b, f, "exittop_bpf_prog_runs_total", PROM_COUNTER, NULL,
		       "Runs of exittop's BPF programs (kernel.bpf_stats_enabled=1)");
		for (i = 0; i < m->nprogs; i++) {
			pbuf_puts(b, "exittop_bpf_prog_runs_total{prog=\"");
			prom_escape_label(b, m->progs[i].name ? m->progs[i].name : "");
			pbuf_printf(b, "\"} %llu\n", (unsigned long long)m->progs[i].run_cnt);
		}
	}
	if (m->have_http) {
		counter_u64(b, f, "exittop_http_requests_total",
			    "HTTP requests parsed (as of this rendering, one per read interval)", NULL,
			    m->http_requests);
		counter_u64(b, f, "exittop_http_timeouts_total",
			    "HTTP connections closed by a deadline (slow or idle clients)", NULL,
			    m->http_timeouts);
		counter_u64(b, f, "exittop_http_evicted_connections_total",
			    "Idle or stalled HTTP connections closed for a new one at the connection cap",
			    NULL, m->http_evicted);
		counter_u64(b, f, "exittop_http_busy_responses_total",
			    "HTTP requests answered 503: as many requests were being answered already",
			    NULL, m->http_busy);
		counter_u64(b, f, "exittop_http_unauthorized_responses_total",
			    "HTTP requests answered 401 (basic authentication failed)", NULL,
			    m->http_unauthorized);
		gauge_u64(b, f, "exittop_http_connections", "Open HTTP connections",
			  m->http_connections);
	}
	if (f == PROM_OPENMETRICS)
		pbuf_puts(b, "# EOF\n");
	return b->oom ? -ENOMEM : 0;
}

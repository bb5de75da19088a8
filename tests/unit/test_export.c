// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of user/export_prom.c (exposition rendering: exact lines,
 * cumulative buckets, escaping, both formats) and of export_state in
 * user/export.c (deltas into totals across source resets, expiry of
 * ended VMs, pid reuse).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "export.h"
#include "export_prom.h"

#define SEC UINT64_C(1000000000)

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

#define assert_line(text, line)							\
	do {									\
		if (!has_line((text), (line)))					\
			fail_msg("missing line: %s\n--- in:\n%s", (line), (text));	\
	} while (0)

static size_t count_prefix(const char *text, const char *prefix)
{
	size_t n = 0, pl = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, pl))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

static void render(const struct snapshot *s, const struct prom_meta *m, enum prom_format f,
		   struct prom_buf *b)
{
	pbuf_init(b);
	assert_int_equal(prom_render(b, s, m, f), 0);
	assert_non_null(b->data);
}

/* one VM, one row: CPUID on vCPU 0 with latencies in slots 9, 10, 10, 31 */
static void one_row(struct snapshot *s, struct stat_row *r, struct vm_info *v)
{
	memset(s, 0, sizeof(*s));
	memset(r, 0, sizeof(*r));
	memset(v, 0, sizeof(*v));
	v->pid = 42;
	v->alive = true;
	strcpy(v->name, "guest-a");
	r->pid = 42;
	r->vcpu = 0;
	r->reason = 0x72;
	r->isa = EXITS_ISA_SVM;
	r->total.count = 5;
	r->total.lat_count = 4;
	r->total.hist[9] = 1;
	r->total.hist[10] = 2;
	r->total.hist[31] = 1;
	r->total.lat_sum_ns = 3 * SEC + 5;
	s->rows = r;
	s->nrows = 1;
	s->vms = v;
	s->nvms = 1;
	s->isa = EXITS_ISA_SVM;
}

#define LBL "pid=\"42\",vm=\"guest-a\",vcpu=\"0\",isa=\"svm\",reason=\"CPUID\",code=\"114\""

static void test_le(void **state)
{
	char b[32];

	prom_le(b, sizeof(b), 0);
	assert_string_equal(b, "0.000000002");
	prom_le(b, sizeof(b), 9);
	assert_string_equal(b, "0.000001024");
	prom_le(b, sizeof(b), 29);
	assert_string_equal(b, "1.073741824");
	prom_le(b, sizeof(b), 30);
	assert_string_equal(b, "2.147483648");
	prom_le(b, sizeof(b), 31);
	assert_string_equal(b, "+Inf");
}

static void test_text_exact(void **state)
{
	struct snapshot s;
	struct stat_row r;
	struct vm_info v;
	struct prom_meta m = { .version = "9.9", .polls = 3, .dropped_total = 7, .map_keys = 1,
			       .map_capacity = 4096, .have_http = true, .http_requests = 11,
			       .http_timeouts = 2, .http_evicted = 1, .http_connections = 3,
			       .http_busy = 4, .http_unauthorized = 5 };
	struct prom_buf b;

	one_row(&s, &r, &v);
	render(&s, &m, PROM_TEXT, &b);
	assert_line(b.data, "# TYPE exittop_exits_total counter");
	assert_line(b.data, "exittop_exits_total{" LBL "} 5");
	assert_line(b.data, "# TYPE exittop_exit_latency_seconds histogram");
	assert_line(b.data, "# TYPE exittop_build_info gauge");
	assert_line(b.data, "exittop_build_info{version=\"9.9\"} 1");
	/* cumulative: slot 8 (le 512 ns) 0, slot 9 (le 1024 ns) 1, slot 10 3 ... */
	assert_line(b.data, "exittop_exit_latency_seconds_bucket{" LBL ",le=\"0.000000512\"} 0");
	assert_line(b.data, "exittop_exit_latency_seconds_bucket{" LBL ",le=\"0.000001024\"} 1");
	assert_line(b.data, "exittop_exit_latency_seconds_bucket{" LBL ",le=\"0.000002048\"} 3");
	assert_line(b.data, "exittop_exit_latency_seconds_bucket{" LBL ",le=\"2.147483648\"} 3");
	/* the open slot 31 only in +Inf */
	assert_line(b.data, "exittop_exit_latency_seconds_bucket{" LBL ",le=\"+Inf\"} 4");
	assert_line(b.data, "exittop_exit_latency_seconds_sum{" LBL "} 3.000000005");
	assert_line(b.data, "exittop_exit_latency_seconds_count{" LBL "} 4");
	assert_int_equal(count_prefix(b.data, "exittop_exit_latency_seconds_bucket{"),
			 EXITS_HIST_SLOTS);	/* 31 finite + +Inf */
	assert_line(b.data, "exittop_vm_up{pid=\"42\",vm=\"guest-a\"} 1");
	assert_line(b.data, "exittop_dropped_exits_total 7");
	assert_line(b.data, "exittop_map_keys 1");
	assert_line(b.data, "exittop_map_capacity 4096");
	assert_line(b.data, "exittop_polls_total 3");
	assert_line(b.data, "exittop_http_requests_total 11");
	assert_line(b.data, "exittop_http_timeouts_total 2");
	assert_line(b.data, "exittop_http_evicted_connections_total 1");
	assert_line(b.data, "exittop_http_connections 3");
	assert_line(b.data, "exittop_http_busy_responses_total 4");
	assert_line(b.data, "exittop_http_unauthorized_responses_total 5");
	assert_null(strstr(b.data, "# EOF"));
	assert_null(strstr(b.data, "# UNIT"));
	assert_null(strstr(b.data, "exittop_bpf_prog"));
	pbuf_free(&b);
}

static void test_openmetrics(void **state)
{
	struct snapshot s;
	struct stat_row r;
	struct vm_info v;
	struct prom_prog p[1] = { { "kvm_exit", 1500000000, 12 } };
	struct prom_meta m = { .version = "9.9", .progs = p, .nprogs = 1 };
	struct prom_buf b;
	size_t n;

	one_row(&s, &r, &v);
	render(&s, &m, PROM_OPENMETRICS, &b);
	assert_line(b.data, "# TYPE exittop_exits counter");
	assert_line(b.data, "exittop_exits_total{" LBL "} 5");
	assert_line(b.data, "# TYPE exittop_exit_latency_seconds histogram");
	assert_line(b.data, "# UNIT exittop_exit_latency_seconds seconds");
	assert_line(b.data, "# TYPE exittop_build info");
	assert_line(b.data, "exittop_build_info{version=\"9.9\"} 1");
	assert_line(b.data, "# TYPE exittop_bpf_prog_run_seconds counter");
	assert_line(b.data, "exittop_bpf_prog_run_seconds_total{prog=\"kvm_exit\"} 1.5");
	assert_line(b.data, "exittop_bpf_prog_runs_total{prog=\"kvm_exit\"} 12");
	assert_null(strstr(b.data, "exittop_http_"));
	n = strlen(b.data);
	assert_true(n > 6);
	assert_string_equal(b.data + n - 6, "# EOF\n");
	assert_int_equal(count_prefix(b.data, "# EOF"), 1);
	pbuf_free(&b);
}

static void test_no_histograms(void **state)
{
	struct snapshot s;
	struct stat_row r;
	struct vm_info v;
	struct prom_meta m = { .no_histograms = true };
	struct prom_buf b;

	one_row(&s, &r, &v);
	render(&s, &m, PROM_TEXT, &b);
	assert_null(strstr(b.data, "exittop_exit_latency_seconds"));
	assert_line(b.data, "exittop_exits_total{" LBL "} 5");
	pbuf_free(&b);
}

static void test_escaping(void **state)
{
	struct prom_buf b;

	pbuf_init(&b);
	prom_escape_label(&b, "a\"b\\c\nd");
	assert_string_equal(b.data, "a\\\"b\\\\c\\nd");
	pbuf_free(&b);

	/* invalid UTF-8 and control characters become U+FFFD; valid UTF-8 stays */
	pbuf_init(&b);
	prom_escape_label(&b, "x\xff" "y\r\t\x7f" "z\xc3\xa9\xe2\x82");
	assert_string_equal(b.data, "x\xef\xbf\xbd" "y\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "z\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	pbuf_free(&b);

	/* overlong encoding and surrogates are invalid */
	pbuf_init(&b);
	prom_escape_label(&b, "\xc0\xaf\xed\xa0\x80");
	assert_null(strchr(b.data, '\xc0'));
	assert_null(strstr(b.data, "\xed\xa0\x80"));
	pbuf_free(&b);
}

static void test_hostile_name_in_render(void **state)
{
	struct snapshot s;
	struct stat_row r;
	struct vm_info v;
	struct prom_buf b;
	const char *p;

	one_row(&s, &r, &v);
	strcpy(v.name, "x\"} 1\nfake_metric 666\n#");
	render(&s, NULL, PROM_TEXT, &b);
	assert_line(b.data, "exittop_vm_up{pid=\"42\",vm=\"x\\\"} 1\\nfake_metric 666\\n#\"} 1");
	/* no line may start with the injected name */
	for (p = b.data; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		assert_false(!strncmp(p, "fake_metric", 11));
	pbuf_free(&b);
}

static void test_unknown_reason_and_vm(void **state)
{
	struct snapshot s;
	struct stat_row r;
	struct vm_info v;
	struct prom_buf b;

	one_row(&s, &r, &v);
	r.reason = 0x12345;
	r.pid = 7;		/* no vm_info for it */
	render(&s, NULL, PROM_TEXT, &b);
	assert_line(b.data, "exittop_exits_total{pid=\"7\",vm=\"\",vcpu=\"0\",isa=\"svm\","
			    "reason=\"0x12345\",code=\"74565\"} 5");
	pbuf_free(&b);
}

static void test_empty_snapshot(void **state)
{
	struct snapshot s;
	struct prom_buf b;

	memset(&s, 0, sizeof(s));
	render(&s, NULL, PROM_OPENMETRICS, &b);
	assert_line(b.data, "# TYPE exittop_exits counter");
	assert_null(strstr(b.data, "exittop_exits_total{"));
	assert_line(b.data, "# EOF");
	pbuf_free(&b);
}

/* ---- export_state ---- */

static void mk(struct stat_row *r, uint32_t pid, uint32_t vcpu, uint32_t reason, uint64_t n)
{
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->vcpu = vcpu;
	r->reason = reason;
	r->isa = EXITS_ISA_VMX;
	r->delta.count = n;
	r->delta.lat_count = n;
	r->delta.hist[5] = n;
	r->delta.lat_sum_ns = 40 * n;
	r->total.count = 1000000;	/* must be ignored: totals come from deltas */
}

static const struct stat_row *find(const struct snapshot *v, uint32_t pid, uint32_t vcpu,
				   uint32_t reason)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (v->rows[i].pid == pid && v->rows[i].vcpu == vcpu && v->rows[i].reason == reason)
			return &v->rows[i];
	return NULL;
}

static void test_state_accumulate_and_expire(void **state)
{
	struct export_state *st = export_state_new();
	struct stat_row rows[3];
	struct vm_info vms[2] = { { .pid = 20, .name = "b", .alive = true },
				  { .pid = 10, .name = "a", .alive = true } };
	struct snapshot s = { .rows = rows, .vms = vms, .nvms = 2 }, v;
	const struct stat_row *r;

	assert_non_null(st);
	/* poll 1 */
	mk(&rows[0], 10, 0, 10, 3);
	mk(&rows[1], 20, 1, 30, 5);
	s.nrows = 2;
	s.dropped_delta = 2;
	assert_int_equal(export_state_update(st, &s, 1 * SEC, 10 * SEC), 0);
	/* poll 2: a new row sorts before the others */
	mk(&rows[0], 10, 0, 10, 4);
	mk(&rows[1], 20, 1, 30, 0);
	mk(&rows[2], 10, 0, 1, 9);
	s.nrows = 3;
	s.dropped_delta = 1;
	assert_int_equal(export_state_update(st, &s, 2 * SEC, 10 * SEC), 0);
	assert_int_equal(export_state_view(st, &v), 0);
	assert_int_equal(v.nrows, 3);
	assert_int_equal(v.rows[0].pid, 10);
	assert_int_equal(v.rows[0].reason, 1);
	assert_int_equal(v.rows[2].pid, 20);
	r = find(&v, 10, 0, 10);
	assert_non_null(r);
	assert_int_equal(r->total.count, 7);
	assert_int_equal(r->total.hist[5], 7);
	assert_int_equal(r->total.lat_sum_ns, 280);
	assert_int_equal(find(&v, 20, 1, 30)->total.count, 5);
	assert_int_equal(v.dropped_total, 3);
	assert_int_equal(v.nvms, 2);
	assert_int_equal(export_state_live_rows(st), 3);

	/* poll 3: VM 20 found ended, final delta; the caller resets the source */
	vms[0].alive = false;
	mk(&rows[0], 10, 0, 10, 1);
	mk(&rows[1], 20, 1, 30, 2);
	s.nrows = 2;
	s.dropped_delta = 0;
	assert_int_equal(export_state_update(st, &s, 3 * SEC, 10 * SEC), 1);
	export_state_view(st, &v);
	assert_int_equal(find(&v, 20, 1, 30)->total.count, 7);
	assert_int_equal(export_state_live_rows(st), 2);
	/* poll 4: after the reset the source no longer lists VM 20 */
	s.nvms = 1;
	s.vms = &vms[1];
	mk(&rows[0], 10, 0, 10, 1);
	s.nrows = 1;
	assert_int_equal(export_state_update(st, &s, 12 * SEC, 10 * SEC), 0);
	export_state_view(st, &v);
	assert_non_null(find(&v, 20, 1, 30));	/* still within the grace period */
	assert_int_equal(v.nvms, 2);
	assert_int_equal(find(&v, 10, 0, 1)->total.count, 9);	/* kept though not in s */
	assert_int_equal(find(&v, 10, 0, 10)->total.count, 9);
	/* poll 5: grace over */
	s.nrows = 0;
	assert_int_equal(export_state_update(st, &s, 13 * SEC, 10 * SEC), 0);
	export_state_view(st, &v);
	assert_null(find(&v, 20, 1, 30));
	assert_int_equal(v.nvms, 1);
	assert_int_equal(v.vms[0].pid, 10);
	assert_int_equal(export_state_expired(st), 1);
	export_state_free(st);
}

/* A source without reset keeps listing the ended VM: it must not come back. */
static void test_state_no_reset_and_pid_reuse(void **state)
{
	struct export_state *st = export_state_new();
	struct stat_row rows[1];
	struct vm_info vm = { .pid = 30, .name = "old", .alive = true };
	struct snapshot s = { .rows = rows, .nrows = 1, .vms = &vm, .nvms = 1 }, v;

	mk(&rows[0], 30, 0, 12, 4);
	export_state_update(st, &s, 1 * SEC, 0);
	vm.alive = false;
	mk(&rows[0], 30, 0, 12, 1);
	assert_int_equal(export_state_update(st, &s, 2 * SEC, 0), 1);	/* grace 0: expires now */
	export_state_view(st, &v);
	assert_int_equal(v.nrows, 0);
	assert_int_equal(v.nvms, 0);
	mk(&rows[0], 30, 0, 12, 0);
	export_state_update(st, &s, 3 * SEC, 0);
	export_state_view(st, &v);
	assert_int_equal(v.nrows, 0);
	/* a new process gets pid 30: fresh series from zero */
	vm.alive = true;
	strcpy(vm.name, "new");
	mk(&rows[0], 30, 0, 12, 2);
	assert_int_equal(export_state_update(st, &s, 4 * SEC, 0), 0);
	export_state_view(st, &v);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(v.rows[0].total.count, 2);
	assert_string_equal(v.vms[0].name, "new");
	assert_int_equal(export_state_expired(st), 1);
	export_state_free(st);
}

/* Many VMs come and go: memory stays bounded by the live ones. */
static void test_state_churn_bounded(void **state)
{
	struct export_state *st = export_state_new();
	struct stat_row rows[2];
	struct vm_info vms[2];
	struct snapshot s = { .rows = rows, .vms = vms }, v;
	uint32_t i;

	for (i = 0; i < 1000; i++) {
		/* VM i runs for this poll; VM i-1 is reported ended */
		vms[0] = (struct vm_info){ .pid = 1000 + i, .alive = true };
		mk(&rows[0], 1000 + i, 0, 1, 1);
		s.nvms = 1;
		s.nrows = 1;
		if (i) {
			vms[1] = (struct vm_info){ .pid = 1000 + i - 1, .alive = false };
			mk(&rows[1], 1000 + i - 1, 0, 1, 0);
			s.nvms = 2;
			s.nrows = 2;
		}
		export_state_update(st, &s, (uint64_t)i * SEC, 5 * SEC);
	}
	export_state_view(st, &v);
	assert_true(v.nrows <= 7);
	assert_true(v.nvms <= 7);
	assert_int_equal(export_state_expired(st), 999 - 5);
	export_state_free(st);
}

#define NEG(s) prom_negotiate((s), strlen(s))

/* Content negotiation from the Accept header value (as Prometheus 2.x sends it, and edge cases). */
static void test_negotiate(void **state)
{
	static const char prom[] =
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

	assert_int_equal(NEG(prom), PROM_OPENMETRICS);
	assert_int_equal(NEG("*/*"), PROM_TEXT);
	assert_int_equal(NEG(""), PROM_TEXT);
	assert_int_equal(NEG("Application/OpenMetrics-Text"), PROM_OPENMETRICS);
	assert_int_equal(NEG("application/openmetrics-text;q=0"), PROM_TEXT);
	assert_int_equal(NEG("application/openmetrics-text;q=0.4, text/plain"), PROM_TEXT);
	assert_int_equal(NEG("text/plain;q=0.5 , application/openmetrics-text"), PROM_OPENMETRICS);
	assert_int_equal(NEG("application/openmetrics-textual"), PROM_TEXT);
	/* two Accept header lines, joined by the HTTP layer */
	assert_int_equal(NEG("text/plain;q=0.2, application/openmetrics-text; version=1.0.0"),
			 PROM_OPENMETRICS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_text_exact),
		cmocka_unit_test(test_openmetrics),
		cmocka_unit_test(test_no_histograms),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_hostile_name_in_render),
		cmocka_unit_test(test_unknown_reason_and_vm),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test(test_state_accumulate_and_expire),
		cmocka_unit_test(test_state_no_reset_and_pid_reuse),
		cmocka_unit_test(test_state_churn_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

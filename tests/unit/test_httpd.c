// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of the exporter's HTTP server (user/httpd*.c) on 127.0.0.1
 * (single thread: the test drives httpd_step between client actions): routing, 404/405/400/505/431, HEAD, pipelining, errors
 * closing the connection, random bytes, the request-head deadline, 503
 * beyond the limit, stalled readers not counting, eviction at the cap.
 * HTTP parsing itself is libmicrohttpd's; its answers to malformed input
 * are checked here and from outside in tests/host/export-http.sh. The
 * helpers without a server: test_httpd_parts.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "httpd.h"

/* ---- the server ---- */

static struct hbuf *metrics_body;
static int handler_calls;

static void handler(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	handler_calls++;
	if (strcmp(req->path, "/metrics")) {
		resp->status = 404;
		return;
	}
	resp->status = 200;
	resp->content_type = strstr(req->accept, "openmetrics") ? "application/openmetrics-text" :
				"text/plain";
	resp->body = hbuf_get(metrics_body);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct httpd *server(int max_conns, int timeout_ms, struct sockaddr_in *sa)
{
	struct httpd_opts o = { .listen = "127.0.0.1:0", .max_conns = max_conns,
				.timeout_ms = timeout_ms };
	struct httpd *h;
	char err[128], addr[64], *colon;

	assert_int_equal(httpd_open(&h, &o, handler, NULL, err, sizeof(err)), 0);
	assert_true(httpd_addr(h, 0, addr, sizeof(addr)));
	colon = strrchr(addr, ':');
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return h;
}

static int client(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) && errno != EINPROGRESS)
		fail_msg("connect: %s", strerror(errno));
	return fd;
}

static void send_str(struct httpd *h, int fd, const char *s)
{
	size_t off = 0, n = strlen(s);
	uint64_t end = ms_now() + 2000;

	while (off < n && ms_now() < end) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);

		if (w > 0)
			off += (size_t)w;
		httpd_step(h, 1);
	}
	assert_int_equal(off, n);
}

/* Drive the server and read from fd until EOF, `want` bytes, or ms. Returns bytes read. */
static size_t recv_until(struct httpd *h, int fd, char *buf, size_t len, size_t want, int ms,
			 bool *eof)
{
	size_t got = 0;
	uint64_t end = ms_now() + (uint64_t)ms;

	*eof = false;
	while (ms_now() < end && got < want && got < len - 1) {
		ssize_t n;

		httpd_step(h, 5);
		n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			*eof = true;
			break;
		}
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static bool has(const char *buf, const char *what)
{
	return strstr(buf, what) != NULL;
}

static void test_server_routes(void **state)
{
	struct sockaddr_in sa;
	struct httpd *h;
	char buf[8192];
	bool eof;
	int fd;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(8, 2000, &sa);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics?x=1 HTTP/1.1\r\nHost: t\r\nAccept: text/plain;q=0.2\r\n"
		 "Accept: application/openmetrics-text\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 300, &eof);
	assert_true(has(buf, "HTTP/1.1 200 OK\r\n"));
	assert_true(has(buf, "Content-Length: 4\r\n"));
	assert_true(has(buf, "Content-Type: application/openmetrics-text\r\n"));	/* 2 lines joined */
	assert_false(has(buf, "Connection: close"));
	assert_true(has(buf, "\r\n\r\nm 1\n"));
	assert_false(eof);
	/* same connection: HEAD, then two pipelined requests in one write */
	send_str(h, fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 300, &eof);
	assert_true(has(buf, "Content-Length: 4\r\n"));
	assert_false(has(buf, "m 1"));
	assert_false(eof);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /metrics HTTP/1.1\r\nHost: t\r\n"
		 "Connection: close\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_int_equal(count(buf, "HTTP/1.1 200"), 2);
	assert_true(eof);
	close(fd);

	/* an error closes the connection, even with keep-alive asked */
	fd = client(&sa);
	send_str(h, fd, "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 404 Not Found\r\n"));
	assert_true(has(buf, "Connection: close\r\n"));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_true(has(buf, "Allow: GET, HEAD\r\n"));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 400 "));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\nX: a\001b\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 400 "));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/3.0\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 505 "));
	close(fd);

	httpd_close(h);
	hbuf_put(metrics_body);
}

static void test_server_oversized(void **state)
{
	struct sockaddr_in sa;
	struct httpd *h;
	char buf[4096], *req = malloc(12000);
	bool eof;
	int fd;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(8, 2000, &sa);
	strcpy(req, "GET /metrics HTTP/1.1\r\nHost: t\r\nX: ");
	memset(req + strlen(req), 'x', 9000);
	strcpy(req + 9030, "\r\n\r\n");
	fd = client(&sa);
	send_str(h, fd, req);
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 431 "));
	assert_true(eof);
	close(fd);
	/* a request line over the limit: 414 */
	strcpy(req, "GET /");
	memset(req + 5, 'x', 9000);
	strcpy(req + 9005, " HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = client(&sa);
	send_str(h, fd, req);
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_true(has(buf, "HTTP/1.1 414 "));
	assert_true(eof);
	close(fd);
	free(req);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* Random and mutated bytes on 300 connections; a valid request still gets 200. */
static void test_server_random(void **state)
{
	static const char good[] = "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n";
	struct sockaddr_in sa;
	struct httpd *h;
	char buf[4096], in[600];
	unsigned seed = 12345;
	bool eof;
	int i, fd;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(8, 500, &sa);
	for (i = 0; i < 300; i++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(in), k;

		if (i % 2) {
			for (k = 0; k < n; k++)
				in[k] = (char)rand_r(&seed);
		} else {
			n = sizeof(good) - 1;
			memcpy(in, good, n);
			for (k = 0; k < 4; k++)
				in[(size_t)rand_r(&seed) % n] = (char)rand_r(&seed);
		}
		fd = client(&sa);
		httpd_step(h, 1);
		(void)!send(fd, in, n, MSG_NOSIGNAL);
		recv_until(h, fd, buf, sizeof(buf), 1, 20, &eof);
		close(fd);
	}
	fd = client(&sa);
	send_str(h, fd, good);
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 500, &eof);
	assert_true(has(buf, "HTTP/1.1 200 OK\r\n"));
	close(fd);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* Partial requests are cut off at the head deadline; a scrape meanwhile gets through. */
static void test_server_slowloris(void **state)
{
	struct sockaddr_in sa;
	struct httpd_stats st;
	struct httpd *h;
	char buf[4096];
	int slow[8], fd, i;
	bool eof;
	uint64_t t0;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(4, 400, &sa);
	t0 = ms_now();
	for (i = 0; i < 8; i++) {
		slow[i] = client(&sa);
		send_str(h, slow[i], "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: ");
	}
	httpd_get_stats(h, &st);
	assert_int_equal(st.conns, 8);
	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 200, &eof);
	assert_true(has(buf, "HTTP/1.1 200 OK\r\n"));
	assert_true(has(buf, "m 1\n"));
	close(fd);
	/* the slow ones are closed by the deadline, even if they keep trickling */
	for (i = 0; i < 8; i++) {
		(void)!send(slow[i], "a", 1, MSG_NOSIGNAL);
		recv_until(h, slow[i], buf, sizeof(buf), SIZE_MAX, 2000, &eof);
		assert_true(eof);
	}
	assert_true(ms_now() - t0 < 1500);
	for (i = 0; i < 8; i++)
		close(slow[i]);
	httpd_get_stats(h, &st);
	assert_true(st.timeouts >= 8);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* Read what is there on fd, discarding it. */
static void drain(int fd)
{
	char junk[65536];

	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
}

/*
 * max_conns 1: while a client takes its large response, another request
 * gets 503 (Retry-After, closed); once that client stops reading, its
 * response no longer counts and a request gets 200.
 */
static void test_server_busy_and_stalled(void **state)
{
	struct sockaddr_in sa;
	struct httpd_stats st;
	struct httpd *h;
	char buf[4096];
	size_t big = 64u << 20;
	uint64_t end;
	int reader, fd, rcv = 65536;
	bool eof;

	metrics_body = hbuf_new(NULL, big);
	memset(metrics_body->data, 'a', big);
	h = server(1, 5000, &sa);
	reader = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	/* a fixed receive buffer: its window closes soon once it stops reading */
	setsockopt(reader, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (connect(reader, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		fail();
	send_str(h, reader, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	buf[0] = '\0';
	end = ms_now() + 2000;
	eof = false;
	while (ms_now() < end && !eof) {
		ssize_t n;

		drain(reader);
		httpd_step(h, 1);
		n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0)
			buf[n] = '\0';
		eof = n == 0 || (n > 0 && has(buf, "\r\n\r\n"));
	}
	assert_true(has(buf, "HTTP/1.1 503 "));
	assert_true(has(buf, "Retry-After: 1\r\n"));
	assert_true(has(buf, "Connection: close\r\n"));
	close(fd);
	/*
	 * The reader stops reading: within 200 ms its receive window is 0 and
	 * its response no longer counts (well before the 1 s without progress).
	 */
	end = ms_now() + 200;
	while (ms_now() < end)
		httpd_step(h, 5);
	fd = client(&sa);
	send_str(h, fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1500, &eof);
	httpd_get_stats(h, &st);
	assert_true(has(buf, "HTTP/1.1 200 OK\r\n"));
	close(fd);
	assert_int_equal(st.busy, 1);
	close(reader);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* A client that never reads a large response is cut off at the write deadline. */
static void test_server_stalled_reader(void **state)
{
	struct sockaddr_in sa;
	struct httpd_stats st;
	struct httpd *h;
	size_t big = 8u << 20;
	int stalled, rcv = 4096;
	uint64_t end;

	metrics_body = hbuf_new(NULL, big);
	memset(metrics_body->data, 'a', big);
	h = server(8, 300, &sa);
	stalled = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (connect(stalled, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		fail();
	send_str(h, stalled, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	end = ms_now() + 2000;
	do {
		httpd_step(h, 20);
		httpd_get_stats(h, &st);
	} while (st.conns > 0 && ms_now() < end);
	assert_int_equal(st.conns, 0);
	assert_true(st.timeouts >= 1);
	close(stalled);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/*
 * At the connection cap (4 x max_conns) a new connection waits in the
 * backlog (not closed) while every held one is fresh, then replaces one
 * idle for a second.
 */
static void test_server_cap(void **state)
{
	struct sockaddr_in sa;
	struct httpd_stats st;
	struct httpd *h;
	char buf[4096];
	int idle[4], fd, i;
	bool eof;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(1, 5000, &sa);
	for (i = 0; i < 4; i++) {
		idle[i] = client(&sa);
		httpd_step(h, 5);
	}
	httpd_get_stats(h, &st);
	assert_int_equal(st.conns, 4);
	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 300, &eof);
	assert_int_equal(buf[0], '\0');		/* waiting, not answered ... */
	assert_false(eof);			/* ... and not closed */
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 2000, &eof);
	httpd_get_stats(h, &st);
	assert_true(has(buf, "HTTP/1.1 200 OK\r\n"));
	assert_int_equal(st.evicted, 1);
	close(fd);
	for (i = 0; i < 4; i++)
		close(idle[i]);
	httpd_close(h);
	hbuf_put(metrics_body);
}

static void test_open_errors(void **state)
{
	struct httpd_opts o = { .listen = "nonsense" };
	struct httpd *h, *h2;
	char err[128], addr[64];

	assert_true(httpd_open(&h, &o, handler, NULL, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nonsense"));
	o.listen = "127.0.0.1:0";
	assert_int_equal(httpd_open(&h, &o, handler, NULL, err, sizeof(err)), 0);
	assert_true(httpd_addr(h, 0, addr, sizeof(addr)));
	o.listen = addr;
	assert_int_equal(httpd_open(&h2, &o, handler, NULL, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "in use"));
	httpd_close(h);
	o.listen = "[::1]:0";
	if (httpd_open(&h, &o, handler, NULL, err, sizeof(err)) == 0) {
		assert_true(httpd_addr(h, 0, addr, sizeof(addr)));
		assert_int_equal(strncmp(addr, "[::1]:", 6), 0);
		httpd_close(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_routes),
		cmocka_unit_test(test_server_oversized),
		cmocka_unit_test(test_server_random),
		cmocka_unit_test(test_server_slowloris),
		cmocka_unit_test(test_server_busy_and_stalled),
		cmocka_unit_test(test_server_stalled_reader),
		cmocka_unit_test(test_server_cap),
		cmocka_unit_test(test_open_errors),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of user/httpd.c: request parsing (valid, malformed,
 * oversized, random bytes), Accept negotiation, listen addresses, and the
 * server itself on 127.0.0.1 (single thread: the test drives httpd_step
 * between client actions): routing, 404/405, HEAD, pipelining, 431,
 * timeouts (408) and slowloris connections not blocking a scrape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
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

static int parse(const char *s, struct http_req *r)
{
	return http_parse_request(s, strlen(s), 8192, r);
}

static void test_parse_ok(void **state)
{
	struct http_req r;
	const char *s = "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\nNEXT";

	assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_GET);
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(r.minor, 1);
	assert_true(r.keep_alive);
	assert_false(r.has_body);
	assert_false(r.openmetrics);
	assert_int_equal(r.head_len, strlen(s) - 4);

	assert_int_equal(parse("HEAD / HTTP/1.0\n\n", &r), HTTP_PARSE_OK);	/* bare LF */
	assert_int_equal(r.method, HTTP_HEAD);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(parse("GET http://h:1/metrics?q HTTP/1.1\r\nHost: a\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(parse("GET http://h:1 HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_string_equal(r.path, "/");
	assert_int_equal(parse("DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.method, HTTP_OTHER);
	assert_string_equal(r.method_str, "DELETE");
	assert_int_equal(parse("POST /m HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", &r),
			 HTTP_PARSE_OK);
	assert_true(r.has_body);
	assert_int_equal(parse("GET /m HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.has_body);
	assert_int_equal(parse("GET /m HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.has_body);
	assert_int_equal(parse("GET /m HTTP/1.1\r\nHost: a\r\nX:\r\nY: \xc3\xa9\t\r\n\r\n", &r),
			 HTTP_PARSE_OK);
}

static void test_parse_incomplete(void **state)
{
	struct http_req r;

	assert_int_equal(parse("", &r), HTTP_PARSE_MORE);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n", &r), HTTP_PARSE_MORE);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n\r", &r), HTTP_PARSE_MORE);
	assert_int_equal(parse("GET", &r), HTTP_PARSE_MORE);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"GET /metrics HTTP/1.1\r\n\r\n",			/* no Host in 1.1 */
		"GET /metrics\r\n\r\n",					/* HTTP/0.9 */
		"GET  /metrics HTTP/1.1\r\nHost: a\r\n\r\n",		/* two spaces */
		"GET /metrics HTTP/1.1 \r\nHost: a\r\n\r\n",		/* trailing space */
		"GET /metrics HTTP/1.12\r\nHost: a\r\n\r\n",
		"GET /metrics HTTX/1.1\r\nHost: a\r\n\r\n",
		"G(T /metrics HTTP/1.1\r\nHost: a\r\n\r\n",		/* not a token */
		"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n",		/* not origin-form */
		"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",	/* obs-fold */
		"GET /m HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost : a\r\n\r\n",			/* space before colon */
		"GET /m HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",	/* control char */
		"GET /m HTTP/1.1\r\nHost: a\r\nX: a\rz\r\n\r\n",	/* bare CR */
		"GET /m HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
		"GET /m HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"GET /m\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
		"VERYLONGMETHODNAME /m HTTP/1.1\r\nHost: a\r\n\r\n",
		" GET /m HTTP/1.1\r\nHost: a\r\n\r\n",
	};
	struct http_req r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse(bad[i], &r);

		if (ret != HTTP_PARSE_BAD)
			fail_msg("case %zu: got %d for %s", i, ret, bad[i]);
	}
	/* a NUL byte inside a header */
	{
		static const char nul[] = "GET /m HTTP/1.1\r\nHost: a\0b\r\n\r\n";

		assert_int_equal(http_parse_request(nul, sizeof(nul) - 1, 8192, &r), HTTP_PARSE_BAD);
	}
	assert_int_equal(parse("GET /m HTTP/2.0\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_VERSION);
	assert_int_equal(parse("GET /m HTTP/0.9\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_VERSION);
}

static void test_parse_limits(void **state)
{
	struct http_req r;
	char *big = malloc(20000), path[400];
	size_t n;

	/* headers never end within max: too long, even without the blank line */
	n = (size_t)sprintf(big, "GET /m HTTP/1.1\r\nHost: a\r\nX: ");
	memset(big + n, 'a', 9000);
	big[n + 9000] = '\0';
	assert_int_equal(http_parse_request(big, strlen(big), 8192, &r), HTTP_PARSE_TOO_LONG);
	strcat(big, "\r\n\r\n");
	assert_int_equal(http_parse_request(big, strlen(big), 8192, &r), HTTP_PARSE_TOO_LONG);
	assert_int_equal(http_parse_request(big, strlen(big), 16384, &r), HTTP_PARSE_OK);
	/* a target longer than HTTP_PATH_MAX */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	sprintf(big, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", path);
	assert_int_equal(http_parse_request(big, strlen(big), 8192, &r), HTTP_PARSE_TOO_LONG);
	free(big);
}

/* Random and mutated input: no crash, no read past len (run under ASan/valgrind too). */
static void test_parse_random(void **state)
{
	static const char base[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: a/b;q=0.5\r\n\r\n";
	struct http_req r;
	unsigned seed = 12345;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 200), k;
		char *buf = malloc(len ? len : 1);

		if (i % 2) {
			for (k = 0; k < len; k++)
				buf[k] = (char)rand_r(&seed);
		} else {
			for (k = 0; k < len; k++)
				buf[k] = base[k % (sizeof(base) - 1)];
			if (len)
				buf[rand_r(&seed) % len] = (char)rand_r(&seed);
		}
		(void)http_parse_request(buf, len, 128, &r);
		free(buf);
	}
}

#define ACC(s) http_accept_openmetrics((s), strlen(s))

static void test_accept(void **state)
{
	static const char prom[] =
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
	struct http_req r;

	assert_true(http_accept_openmetrics(prom, strlen(prom)));
	assert_false(ACC("*/*"));
	assert_false(ACC(""));
	assert_true(ACC("Application/OpenMetrics-Text"));
	assert_false(ACC("application/openmetrics-text;q=0"));
	assert_false(ACC("application/openmetrics-text;q=0.4, text/plain"));
	assert_true(ACC("text/plain;q=0.5 , application/openmetrics-text"));
	assert_false(ACC("application/openmetrics-textual"));
	/* as a header, also split over two Accept lines */
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: text/plain;q=0.2\r\n"
			       "Accept: application/openmetrics-text; version=1.0.0\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.openmetrics);
}

#define GZ(s) http_accept_gzip((s), strlen(s))

static void test_accept_encoding(void **state)
{
	struct http_req r;

	assert_true(GZ("gzip"));
	assert_true(GZ("deflate, gzip;q=1.0, *;q=0.5"));
	assert_true(GZ("x-gzip"));
	assert_true(GZ("*"));
	assert_true(GZ(" GZIP ; q=0.3"));
	assert_false(GZ(""));
	assert_false(GZ("identity"));
	assert_false(GZ("gzip;q=0"));
	assert_false(GZ("gzip;q=0, *"));	/* explicit refusal wins */
	assert_false(GZ("*;q=0"));
	assert_false(GZ("gzipx"));
	assert_int_equal(parse("GET /m HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.gzip);
	assert_int_equal(parse("GET /m HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_false(r.gzip);
}

static void test_listen(void **state)
{
	char host[64], port[8];

	assert_int_equal(http_parse_listen("127.0.0.1:9567", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "9567");
	assert_int_equal(http_parse_listen("[::1]:80", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "80");
	assert_int_equal(http_parse_listen("9100", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(http_parse_listen(":9100", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "");
	assert_int_equal(http_parse_listen("localhost:0", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(http_parse_listen("::1:80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("[::1]80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("[]:80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:65536", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:8x", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("", host, sizeof(host), port, sizeof(port)), -1);
}

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
	resp->content_type = req->openmetrics ? "application/openmetrics-text" : "text/plain";
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
				.timeout_ms = timeout_ms, .max_head = 1024 };
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
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 300, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "Content-Length: 4\r\n"));
	assert_non_null(strstr(buf, "Connection: keep-alive\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nm 1\n"));
	assert_false(eof);
	/* same connection: HEAD, then two pipelined requests in one write */
	send_str(h, fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 300, &eof);
	assert_non_null(strstr(buf, "Content-Length: 4\r\n"));
	assert_null(strstr(buf, "m 1"));
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n"
		 "Connection: close\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_int_equal(count(buf, "HTTP/1.1 "), 2);
	assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 400 Bad Request\r\n"));
	assert_true(eof);
	close(fd);

	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/3.0\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 505 "));
	close(fd);

	httpd_close(h);
	hbuf_put(metrics_body);
}

static void test_server_oversized(void **state)
{
	struct sockaddr_in sa;
	struct httpd *h;
	char buf[4096], *req = malloc(4000);
	bool eof;
	int fd;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(8, 2000, &sa);	/* max_head 1024 */
	strcpy(req, "GET /metrics HTTP/1.1\r\nHost: t\r\nX: ");
	memset(req + strlen(req), 'x', 2000);
	req[3000] = '\0';
	fd = client(&sa);
	send_str(h, fd, req);
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 1000, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 431 "));
	assert_true(eof);
	close(fd);
	free(req);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* Slow clients: every slot taken by partial requests; a scrape still gets through,
 * and the partial requests are cut off at the deadline. */
static void test_server_slowloris(void **state)
{
	struct sockaddr_in sa;
	struct httpd_stats st;
	struct httpd *h;
	char buf[4096];
	int slow[4], fd, i;
	bool eof;
	uint64_t t0;

	metrics_body = hbuf_new("m 1\n", 4);
	h = server(4, 400, &sa);
	for (i = 0; i < 4; i++) {
		slow[i] = client(&sa);
		send_str(h, slow[i], "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: ");
	}
	httpd_get_stats(h, &st);
	assert_int_equal(st.conns, 4);
	fd = client(&sa);
	send_str(h, fd, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 200, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "m 1\n"));
	close(fd);
	httpd_get_stats(h, &st);
	assert_true(st.evicted >= 1);
	/* the remaining slow ones get 408 and are closed by the deadline */
	t0 = ms_now();
	for (i = 1; i < 4; i++) {
		recv_until(h, slow[i], buf, sizeof(buf), SIZE_MAX, 2000, &eof);
		assert_true(eof);
		assert_non_null(strstr(buf, "408"));
	}
	assert_true(ms_now() - t0 < 1500);
	for (i = 0; i < 4; i++)
		close(slow[i]);
	httpd_get_stats(h, &st);
	assert_true(st.timeouts >= 3);
	httpd_close(h);
	hbuf_put(metrics_body);
}

/* A client that never reads a large response does not stall others. */
static void test_server_stalled_reader(void **state)
{
	struct sockaddr_in sa;
	struct httpd *h;
	char buf[4096];
	size_t big = 8u << 20;
	int stalled, fd, rcv = 4096;
	bool eof;

	metrics_body = hbuf_new(NULL, big);
	memset(metrics_body->data, 'a', big);
	h = server(8, 300, &sa);
	stalled = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (connect(stalled, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		fail();
	send_str(h, stalled, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	fd = client(&sa);
	send_str(h, fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	recv_until(h, fd, buf, sizeof(buf), SIZE_MAX, 200, &eof);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK"));
	close(fd);
	/* the stalled one is dropped after the write timeout */
	{
		struct httpd_stats st;
		uint64_t end = ms_now() + 2000;

		do {
			httpd_step(h, 20);
			httpd_get_stats(h, &st);
		} while (st.conns > 0 && ms_now() < end);
		assert_int_equal(st.conns, 0);
		assert_true(st.timeouts >= 1);
	}
	close(stalled);
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
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_incomplete),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_accept_encoding),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_server_routes),
		cmocka_unit_test(test_server_oversized),
		cmocka_unit_test(test_server_slowloris),
		cmocka_unit_test(test_server_stalled_reader),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

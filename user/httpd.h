/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's HTTP server: libmicrohttpd (HTTP/1.1 parsing, keep-alive,
 * TLS through GnuTLS) driven from the caller's thread, with the admission
 * and deadline rules that keep scrapes working under hostile clients.
 *
 * Everything runs in the caller's thread: httpd_step() waits on the
 * listening sockets and libmicrohttpd's epoll descriptor, lets
 * libmicrohttpd parse and answer (the handler is called from there), and
 * accepts and cuts off connections itself (see httpd.c for the rules).
 *
 * Response bodies are reference-counted buffers (struct hbuf,
 * httpd_body.h), so that one rendering can be sent to many scrapers at
 * once and replaced meanwhile; compression is done here, once per body.
 */
#ifndef EXITTOP_HTTPD_H
#define EXITTOP_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpd_body.h"
#include "httpd_webcfg.h"

enum http_method { HTTP_OTHER = 0, HTTP_GET, HTTP_HEAD };

struct http_req {
	enum http_method method;
	const char *path;		/* without the query string */
	const char *accept;		/* Accept header value, "" if none */
};

struct http_resp {
	int status;			/* 200, 404, ...; 0: 500 */
	const char *content_type;	/* NULL: text/plain; charset=utf-8 */
	struct hbuf *body;		/* reference passed to the server; NULL: a status line */
};

/* Called for each GET/HEAD of any path that passed authentication; fills resp. */
typedef void (*httpd_handler)(void *ctx, const struct http_req *req, struct http_resp *resp);

struct httpd_opts {
	const char *listen;		/* see http_parse_listen; NULL: 127.0.0.1:9567 */
	int max_conns;			/* requests answered at once; 0: 32 */
	int timeout_ms;			/* request head, write stall and idle limit; 0: 10000 */
	const struct webcfg *web;	/* TLS and basic auth; NULL: plain HTTP, no auth */
};

#define HTTPD_DEFAULT_LISTEN	"127.0.0.1:9567"

struct httpd_stats {
	uint64_t accepted;		/* connections accepted */
	uint64_t requests;		/* requests that reached the handler or were refused */
	uint64_t busy;			/* requests answered 503 (too many at once) */
	uint64_t unauthorized;		/* requests answered 401 */
	uint64_t timeouts;		/* connections cut off by a deadline */
	uint64_t evicted;		/* idle or stalled connections closed for a new one */
	size_t conns;			/* open now */
};

/*
 * Parse a listen address: "HOST:PORT", "[IPV6]:PORT", "PORT" (127.0.0.1),
 * ":PORT" (every address). HOST may be a name (resolved, all addresses
 * bound). Fills host (empty for every address) and port. 0 or -1.
 */
int http_parse_listen(const char *s, char *host, size_t hostlen, char *port, size_t portlen);

struct httpd;

/* Bind and listen. On failure returns a negative errno with a message in err. */
int httpd_open(struct httpd **h, const struct httpd_opts *o, httpd_handler fn, void *ctx,
	       char *err, size_t errlen);

/*
 * Wait at most timeout_ms (< 0: until something happens) for socket events
 * and handle them, including deadlines. Returns 0, or -errno of poll
 * (-EINTR when a signal arrived).
 */
int httpd_step(struct httpd *h, int timeout_ms);

/* The i-th bound address as text ("127.0.0.1:9567", "[::1]:9567"); false past the end. */
bool httpd_addr(const struct httpd *h, size_t i, char *buf, size_t len);

/* "https" with TLS, else "http". */
const char *httpd_scheme(const struct httpd *h);

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st);

void httpd_close(struct httpd *h);

#endif

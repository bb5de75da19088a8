/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small single-threaded HTTP/1.1 server for the exporter (GET /metrics).
 *
 * Everything runs in the caller's thread: httpd_step() does one poll(2)
 * over the listening sockets and the connections, accepts, reads, parses,
 * calls the handler for complete requests and writes responses, all on
 * non-blocking sockets. A slow or malformed client only ever costs its own
 * connection slot: requests must be complete within a deadline, headers are
 * bounded, and when every slot is taken the connection that has been
 * waiting longest for a request is dropped in favour of the new one.
 *
 * Response bodies are reference-counted buffers (struct hbuf), so that one
 * rendering can be sent to many scrapers at once and replaced meanwhile.
 */
#ifndef EXITTOP_HTTPD_H
#define EXITTOP_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- reference-counted body ---- */

struct hbuf {
	size_t refs;
	size_t len;
	char data[];
};

/* A buffer holding a copy of len bytes of data (data may be NULL: zeroed). */
struct hbuf *hbuf_new(const void *data, size_t len);
struct hbuf *hbuf_get(struct hbuf *b);	/* one more reference; NULL-safe */
void hbuf_put(struct hbuf *b);		/* one reference less; NULL-safe */

/* ---- request parsing (pure, unit-tested) ---- */

#define HTTP_METHOD_MAX	16
#define HTTP_PATH_MAX	256

enum http_method { HTTP_OTHER = 0, HTTP_GET, HTTP_HEAD };

struct http_req {
	enum http_method method;
	char method_str[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];	/* target without the query string */
	int minor;			/* HTTP/1.<minor> */
	bool keep_alive;		/* the client wants the connection kept */
	bool has_body;			/* Content-Length > 0 or Transfer-Encoding */
	bool openmetrics;		/* Accept prefers application/openmetrics-text */
	bool gzip;			/* Accept-Encoding allows gzip (q > 0) */
	size_t head_len;		/* bytes of request line + headers + blank line */
};

/* Results of http_parse_request; for the negative ones, the HTTP status to send. */
enum {
	HTTP_PARSE_OK = 1,		/* complete, *r filled */
	HTTP_PARSE_MORE = 0,		/* incomplete: read more (within max) */
	HTTP_PARSE_BAD = -400,		/* malformed */
	HTTP_PARSE_TOO_LONG = -431,	/* request line + headers over max, or URI too long */
	HTTP_PARSE_VERSION = -505,	/* not HTTP/1.0 or HTTP/1.1 */
};

/*
 * Parse the head of one request in buf[0..len). max is the limit for the
 * request line + headers; more than that without the end of the headers is
 * HTTP_PARSE_TOO_LONG. Lines end in CRLF (a bare LF is accepted too).
 */
int http_parse_request(const char *buf, size_t len, size_t max, struct http_req *r);

/*
 * Content negotiation for the exposition format: true when an Accept header
 * value prefers OpenMetrics (application/openmetrics-text with q > 0 and at
 * least the q of text/plain and wildcards).
 */
bool http_accept_openmetrics(const char *accept, size_t len);

/* True when an Accept-Encoding header value allows gzip (gzip, x-gzip or *, q > 0). */
bool http_accept_gzip(const char *accept_encoding, size_t len);

/*
 * Parse a listen address: "HOST:PORT", "[IPV6]:PORT", "PORT" (127.0.0.1),
 * ":PORT" (every address). HOST may be a name (resolved, all addresses
 * bound). Fills host (empty for every address) and port. 0 or -1.
 */
int http_parse_listen(const char *s, char *host, size_t hostlen, char *port, size_t portlen);

/* ---- server ---- */

struct http_resp {
	int status;			/* 200, 404, ... */
	const char *content_type;	/* NULL: text/plain; charset=utf-8 */
	bool gzip;			/* body is gzip-compressed: Content-Encoding: gzip */
	bool vary_encoding;		/* add Vary: Accept-Encoding */
	struct hbuf *body;		/* reference passed to the server; NULL: empty */
};

/* Called for each complete GET/HEAD of any path; fills resp. */
typedef void (*httpd_handler)(void *ctx, const struct http_req *req, struct http_resp *resp);

struct httpd_opts {
	const char *listen;		/* see http_parse_listen; NULL: 127.0.0.1:9567 */
	int max_conns;			/* 0: 32 */
	int timeout_ms;			/* request head deadline, write stall, keep-alive idle; 0: 10000 */
	size_t max_head;		/* request line + headers; 0: 8192 */
};

#define HTTPD_DEFAULT_LISTEN	"127.0.0.1:9567"

struct httpd_stats {
	uint64_t accepted, requests, responses_2xx, responses_4xx, responses_5xx;
	uint64_t timeouts, evicted, closed_full;
	size_t conns;
};

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

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st);

void httpd_close(struct httpd *h);

#endif

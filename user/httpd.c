// SPDX-License-Identifier: GPL-2.0
/*
 * Single-threaded, poll()-multiplexed HTTP/1.1 server: just enough for
 * scrapers (GET/HEAD, keep-alive, pipelining), strict about its input.
 * See httpd.h for the model; the limits:
 *   - the request line and headers must arrive within timeout_ms of the
 *     connection becoming ready for a request (a slowloris cannot hold a
 *     slot longer), and fit into max_head bytes (else 431);
 *   - a response that makes no progress for timeout_ms is abandoned;
 *   - at most max_conns connections; a new one evicts the connection that
 *     has waited longest for a request, or is refused when all are busy
 *     writing responses;
 *   - requests with a body are answered and the connection closed (bodies
 *     are never read), as is every error response.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"

#define HTTPD_MAX_LISTEN	8
#define HTTPD_DRAIN_MS		1000	/* after an error response: read what the client still sends */
#define HTTPD_ACCEPT_BURST	64
#define HTTPD_WRITE_MAX_TIMEOUTS 6	/* a response may take at most 6 x timeout_ms in all */

/* ---- hbuf ---- */

struct hbuf *hbuf_new(const void *data, size_t len)
{
	struct hbuf *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	b->refs = 1;
	b->len = len;
	if (data)
		memcpy(b->data, data, len);
	else
		memset(b->data, 0, len);
	b->data[len] = '\0';
	return b;
}

struct hbuf *hbuf_get(struct hbuf *b)
{
	if (b)
		b->refs++;
	return b;
}

void hbuf_put(struct hbuf *b)
{
	if (b && --b->refs == 0)
		free(b);
}

/* ---- parsing ---- */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value characters: VCHAR, obs-text, SP, HTAB */
static bool is_vchar(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	return alen == blen && !strncasecmp(a, b, blen);
}

static const char *trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

/* q-value "0", "0.5", "1", "1.000"; -1 when malformed */
static double parse_q(const char *s, size_t len)
{
	double v = 0, scale = 1;
	size_t i = 0;

	if (!len || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = s[0] - '0';
	i = 1;
	if (i < len && s[i] == '.') {
		for (i++; i < len && i <= 4; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != len || v > 1)
		return -1;
	return v;
}

/* Update the best q of OpenMetrics and of plain text/wildcards over one Accept value. */
static void accept_scan(const char *s, size_t len, double *om_q, double *text_q)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, mlen, plen;
		const char *elem, *semi, *mt;
		double q = 1;

		while (e < len && s[e] != ',')
			e++;
		elem = s + i;
		plen = e - i;
		elem = trim(elem, &plen);
		i = e + 1;
		if (!plen)
			continue;
		semi = memchr(elem, ';', plen);
		mlen = semi ? (size_t)(semi - elem) : plen;
		mt = trim(elem, &mlen);
		/* parameters: look for q */
		while (semi) {
			const char *p = semi + 1, *next;
			size_t pl = plen - (size_t)(p - elem);

			next = memchr(p, ';', pl);
			if (next)
				pl = (size_t)(next - p);
			p = trim(p, &pl);
			if (pl >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
				double v = parse_q(p + 2, pl - 2);

				q = v < 0 ? 0 : v;
			}
			semi = next;
		}
		if (ieq(mt, mlen, "application/openmetrics-text")) {
			if (q > *om_q)
				*om_q = q;
		} else if (ieq(mt, mlen, "text/plain") || ieq(mt, mlen, "text/*") ||
			   ieq(mt, mlen, "*/*")) {
			if (q > *text_q)
				*text_q = q;
		}
	}
}

bool http_accept_openmetrics(const char *accept, size_t len)
{
	double om = 0, text = 0;

	accept_scan(accept, len, &om, &text);
	return om > 0 && om >= text;
}

/* Accept-Encoding: gzip, x-gzip or * with q > 0; an explicit gzip;q=0 wins over * */
bool http_accept_gzip(const char *s, size_t len)
{
	double gz = -1, star = -1;
	size_t i = 0;

	while (i < len) {
		size_t e = i, tl, k;
		const char *t;
		double q = 1;

		while (e < len && s[e] != ',')
			e++;
		tl = e - i;
		t = trim(s + i, &tl);
		i = e + 1;
		for (k = 0; k < tl && t[k] != ';'; k++)
			;
		if (k < tl) {
			const char *p = t + k + 1;
			size_t pl = tl - k - 1;

			p = trim(p, &pl);
			if (pl >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
				q = parse_q(p + 2, pl - 2);
				if (q < 0)
					q = 0;
			}
		}
		while (k && (t[k - 1] == ' ' || t[k - 1] == '\t'))
			k--;
		if (ieq(t, k, "gzip") || ieq(t, k, "x-gzip"))
			gz = q > gz ? q : gz;
		else if (ieq(t, k, "*"))
			star = q > star ? q : star;
	}
	return gz >= 0 ? gz > 0 : star > 0;
}

/* Connection header: comma-separated tokens */
static void connection_tokens(const char *s, size_t len, bool *close_tok, bool *keep_tok)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, tl;
		const char *t;

		while (e < len && s[e] != ',')
			e++;
		tl = e - i;
		t = trim(s + i, &tl);
		if (ieq(t, tl, "close"))
			*close_tok = true;
		else if (ieq(t, tl, "keep-alive"))
			*keep_tok = true;
		i = e + 1;
	}
}

/* Request target into path (query dropped). 0, HTTP_PARSE_BAD or HTTP_PARSE_TOO_LONG. */
static int parse_target(const char *t, size_t len, char *path)
{
	size_t plen;

	if (len > 7 && !strncasecmp(t, "http://", 7)) {
		const char *slash = memchr(t + 7, '/', len - 7);

		if (!slash) {
			strcpy(path, "/");
			return 0;
		}
		len -= (size_t)(slash - t);
		t = slash;
	} else if (len > 8 && !strncasecmp(t, "https://", 8)) {
		const char *slash = memchr(t + 8, '/', len - 8);

		if (!slash) {
			strcpy(path, "/");
			return 0;
		}
		len -= (size_t)(slash - t);
		t = slash;
	}
	if (!len || t[0] != '/')
		return HTTP_PARSE_BAD;
	for (plen = 0; plen < len && t[plen] != '?' && t[plen] != '#'; plen++)
		;
	if (plen >= HTTP_PATH_MAX)
		return HTTP_PARSE_TOO_LONG;
	memcpy(path, t, plen);
	path[plen] = '\0';
	return 0;
}

int http_parse_request(const char *buf, size_t len, size_t max, struct http_req *r)
{
	size_t start = 0, end = 0, i, line_end;
	bool found = false, close_tok = false, keep_tok = false, have_host = false;
	bool have_cl = false;
	unsigned long long cl = 0;
	double om_q = 0, text_q = 0;
	const char *p, *sp1, *sp2, *ver;
	int ret;

	memset(r, 0, sizeof(*r));
	/* RFC 9112 2.2: ignore at least one empty line before the request line */
	while (start < len && start < 4 && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	for (i = start; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n') {
			end = i + 2;
			found = true;
			break;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			end = i + 3;
			found = true;
			break;
		}
	}
	if (!found)
		return len >= max ? HTTP_PARSE_TOO_LONG : HTTP_PARSE_MORE;
	if (end > max)
		return HTTP_PARSE_TOO_LONG;
	r->head_len = end;

	/* request line: METHOD SP target SP HTTP/d.d */
	p = buf + start;
	line_end = (size_t)((const char *)memchr(p, '\n', end - start) - p);
	if (line_end && p[line_end - 1] == '\r')
		line_end--;
	for (i = 0; i < line_end; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return HTTP_PARSE_BAD;
	sp1 = memchr(p, ' ', line_end);
	if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= HTTP_METHOD_MAX)
		return HTTP_PARSE_BAD;
	for (i = 0; i < (size_t)(sp1 - p); i++)
		if (!is_tchar((unsigned char)p[i]))
			return HTTP_PARSE_BAD;
	memcpy(r->method_str, p, (size_t)(sp1 - p));
	r->method_str[sp1 - p] = '\0';
	sp2 = memchr(sp1 + 1, ' ', line_end - (size_t)(sp1 + 1 - p));
	if (!sp2 || sp2 == sp1 + 1)
		return HTTP_PARSE_BAD;
	ver = sp2 + 1;
	if ((size_t)(p + line_end - ver) != 8 || memcmp(ver, "HTTP/", 5) ||
	    ver[5] < '0' || ver[5] > '9' || ver[6] != '.' || ver[7] < '0' || ver[7] > '9')
		return HTTP_PARSE_BAD;
	if (ver[5] != '1')
		return HTTP_PARSE_VERSION;
	r->minor = ver[7] - '0';
	ret = parse_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), r->path);
	if (ret)
		return ret;
	if (!strcmp(r->method_str, "GET"))
		r->method = HTTP_GET;
	else if (!strcmp(r->method_str, "HEAD"))
		r->method = HTTP_HEAD;

	/* header fields */
	i = (size_t)(p - buf) + line_end;
	if (buf[i] == '\r')
		i++;
	i++;			/* the LF */
	while (i < end) {
		const char *h = buf + i, *colon, *v;
		size_t hl, nl, vl, k;

		hl = (size_t)((const char *)memchr(h, '\n', end - i) - h);
		i += hl + 1;
		if (hl && h[hl - 1] == '\r')
			hl--;
		if (!hl)
			break;	/* the blank line */
		if (h[0] == ' ' || h[0] == '\t')
			return HTTP_PARSE_BAD;	/* obs-fold */
		colon = memchr(h, ':', hl);
		if (!colon || colon == h)
			return HTTP_PARSE_BAD;
		nl = (size_t)(colon - h);
		for (k = 0; k < nl; k++)
			if (!is_tchar((unsigned char)h[k]))
				return HTTP_PARSE_BAD;	/* includes "Name :" */
		v = colon + 1;
		vl = hl - nl - 1;
		for (k = 0; k < vl; k++)
			if (!is_vchar((unsigned char)v[k]))
				return HTTP_PARSE_BAD;
		v = trim(v, &vl);
		if (ieq(h, nl, "Host")) {
			if (have_host)
				return HTTP_PARSE_BAD;
			have_host = true;
		} else if (ieq(h, nl, "Connection")) {
			connection_tokens(v, vl, &close_tok, &keep_tok);
		} else if (ieq(h, nl, "Accept")) {
			accept_scan(v, vl, &om_q, &text_q);
		} else if (ieq(h, nl, "Accept-Encoding")) {
			if (http_accept_gzip(v, vl))
				r->gzip = true;
		} else if (ieq(h, nl, "Content-Length")) {
			unsigned long long n = 0;

			if (!vl || vl > 18)
				return HTTP_PARSE_BAD;
			for (k = 0; k < vl; k++) {
				if (v[k] < '0' || v[k] > '9')
					return HTTP_PARSE_BAD;
				n = n * 10 + (unsigned)(v[k] - '0');
			}
			if (have_cl && n != cl)
				return HTTP_PARSE_BAD;
			have_cl = true;
			cl = n;
		} else if (ieq(h, nl, "Transfer-Encoding")) {
			r->has_body = true;
		}
	}
	if (r->minor >= 1 && !have_host)
		return HTTP_PARSE_BAD;		/* RFC 9112 3.2 */
	if (cl)
		r->has_body = true;
	r->keep_alive = r->minor >= 1 ? !close_tok : (keep_tok && !close_tok);
	r->openmetrics = om_q > 0 && om_q >= text_q;
	return HTTP_PARSE_OK;
}

int http_parse_listen(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *ps;
	size_t hl, pl, i;
	unsigned long v = 0;

	if (!s || !*s)
		return -1;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (!hl)
			return -1;
		if (hl >= hostlen)
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		ps = rb + 2;
	} else if (!strchr(s, ':')) {
		if (strlen("127.0.0.1") >= hostlen)
			return -1;
		strcpy(host, "127.0.0.1");
		ps = s;
	} else {
		colon = strrchr(s, ':');
		hl = (size_t)(colon - s);
		if (memchr(s, ':', hl))
			return -1;	/* bare IPv6: needs brackets */
		if (hl >= hostlen)
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		ps = colon + 1;
	}
	pl = strlen(ps);
	if (!pl || pl > 5 || pl >= portlen)
		return -1;
	for (i = 0; i < pl; i++) {
		if (ps[i] < '0' || ps[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(ps[i] - '0');
	}
	if (v > 65535)
		return -1;
	memcpy(port, ps, pl + 1);
	return 0;
}

/* ---- server ---- */

enum cstate { C_READ, C_WRITE, C_DRAIN };

struct conn {
	int fd;
	enum cstate st;
	char *in;		/* max_head bytes */
	size_t inlen;
	uint64_t since;		/* C_READ: when it became ready for a request; C_WRITE: response start */
	uint64_t deadline;
	bool close_after;
	char head[512];
	size_t headlen, headoff;
	struct hbuf *body;
	size_t bodylen, bodyoff;
};

struct httpd {
	int lfd[HTTPD_MAX_LISTEN];
	struct sockaddr_storage laddr[HTTPD_MAX_LISTEN];
	size_t nl;
	struct conn *conns;	/* max_conns slots, fd < 0: free */
	size_t max_conns, nconns;
	int timeout_ms;
	size_t max_head;
	httpd_handler fn;
	void *ctx;
	struct pollfd *pfds;
	struct httpd_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static void conn_free(struct httpd *h, struct conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	hbuf_put(c->body);
	c->body = NULL;
	free(c->in);
	c->in = NULL;
	c->inlen = 0;
	h->nconns--;
	h->st.conns = h->nconns;
}

static void conn_ready_for_request(struct httpd *h, struct conn *c, uint64_t now)
{
	c->st = C_READ;
	c->since = now;
	c->deadline = now + (uint64_t)h->timeout_ms;
}

/* Try to send what is pending. 1: all sent, 0: would block, -1: error. */
static int conn_flush(struct conn *c)
{
	while (c->headoff < c->headlen || c->bodyoff < c->bodylen) {
		struct iovec iov[2];
		struct msghdr m;
		int n = 0;
		ssize_t w;

		if (c->headoff < c->headlen) {
			iov[n].iov_base = c->head + c->headoff;
			iov[n++].iov_len = c->headlen - c->headoff;
		}
		if (c->bodyoff < c->bodylen) {
			iov[n].iov_base = c->body->data + c->bodyoff;
			iov[n++].iov_len = c->bodylen - c->bodyoff;
		}
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)n;
		w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (c->headoff < c->headlen) {
			size_t k = c->headlen - c->headoff;

			if ((size_t)w < k) {
				c->headoff += (size_t)w;
				continue;
			}
			c->headoff = c->headlen;
			w -= (ssize_t)k;
		}
		c->bodyoff += (size_t)w;
	}
	return 1;
}

static void count_status(struct httpd *h, int status)
{
	if (status < 300)
		h->st.responses_2xx++;
	else if (status < 500)
		h->st.responses_4xx++;
	else
		h->st.responses_5xx++;
}

/* Queue a response on c. body: reference taken over (may be NULL). */
static void conn_respond(struct httpd *h, struct conn *c, int status, const char *ctype,
			 struct hbuf *body, bool head_only, bool close_after, uint64_t now,
			 const char *extra)
{
	size_t blen = body ? body->len : 0;
	int n;

	count_status(h, status);
	if (!body && status != 200) {
		char msg[64];

		snprintf(msg, sizeof(msg), "%d %s\n", status, status_text(status));
		body = hbuf_new(msg, strlen(msg));
		blen = body ? body->len : 0;
	}
	n = snprintf(c->head, sizeof(c->head),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "Cache-Control: no-store\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "%s%s"
		     "Connection: %s\r\n\r\n",
		     status, status_text(status),
		     ctype ? ctype : "text/plain; charset=utf-8", blen,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "", extra ? extra : "",
		     close_after ? "close" : "keep-alive");
	if (n < 0 || (size_t)n >= sizeof(c->head))
		n = 0;	/* cannot happen: bounded content */
	c->headlen = (size_t)n;
	c->headoff = 0;
	hbuf_put(c->body);
	c->body = body;
	c->bodylen = head_only ? 0 : blen;
	c->bodyoff = 0;
	c->close_after = close_after;
	c->st = C_WRITE;
	c->since = now;
	c->deadline = now + (uint64_t)h->timeout_ms;
}

static void conn_error(struct httpd *h, struct conn *c, int status, uint64_t now)
{
	conn_respond(h, c, status, NULL, NULL, false, true, now, NULL);
}

/* After a response with close_after is sent: stop writing, read until EOF briefly. */
static void conn_drain(struct conn *c, uint64_t now)
{
	shutdown(c->fd, SHUT_WR);
	c->st = C_DRAIN;
	c->deadline = now + HTTPD_DRAIN_MS;
	c->inlen = 0;
}

/* Parse and answer complete requests in c->in (pipelining: one at a time). */
static void conn_process(struct httpd *h, struct conn *c, uint64_t now)
{
	struct http_req req;
	int ret;

	if (c->st != C_READ || !c->inlen)
		return;
	ret = http_parse_request(c->in, c->inlen, h->max_head, &req);
	if (ret == HTTP_PARSE_MORE)
		return;
	if (ret != HTTP_PARSE_OK) {
		conn_error(h, c, -ret, now);
		return;
	}
	h->st.requests++;
	/* consume the head; what follows is the next request (or a body we never read) */
	memmove(c->in, c->in + req.head_len, c->inlen - req.head_len);
	c->inlen -= req.head_len;
	if (req.method != HTTP_GET && req.method != HTTP_HEAD) {
		conn_error(h, c, 405, now);
		return;
	} else {
		struct http_resp resp;
		bool close_after = !req.keep_alive || req.has_body;
		const char *extra = NULL;

		memset(&resp, 0, sizeof(resp));

		h->fn(h->ctx, &req, &resp);
		if (!resp.status)
			resp.status = 500;
		if (resp.status != 200)
			close_after = close_after || resp.status >= 500;
		if (resp.gzip)
			extra = "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n";
		else if (resp.vary_encoding)
			extra = "Vary: Accept-Encoding\r\n";
		conn_respond(h, c, resp.status, resp.content_type, resp.body,
			     req.method == HTTP_HEAD, close_after, now, extra);
	}
}

/* Advance a connection after a write became possible or a response was queued. */
static void conn_write(struct httpd *h, struct conn *c, uint64_t now)
{
	size_t before = c->headoff + c->bodyoff;
	int r = conn_flush(c);

	if (r < 0) {
		conn_free(h, c);
		return;
	}
	if (r == 0) {
		/* a stalled reader is cut off timeout_ms after its last progress */
		if (c->headoff + c->bodyoff != before) {
			/* progress: another timeout_ms, within the total limit for
			 * a response (a reader trickling its window is cut off too) */
			uint64_t end = c->since + (uint64_t)h->timeout_ms * HTTPD_WRITE_MAX_TIMEOUTS;

			c->deadline = now + (uint64_t)h->timeout_ms;
			if (c->deadline > end)
				c->deadline = end;
		}
		return;
	}
	hbuf_put(c->body);
	c->body = NULL;
	c->bodylen = c->bodyoff = 0;
	c->headlen = c->headoff = 0;
	if (c->close_after) {
		conn_drain(c, now);
		return;
	}
	conn_ready_for_request(h, c, now);
	conn_process(h, c, now);	/* a pipelined request already here */
	if (c->fd >= 0 && c->st == C_WRITE)
		conn_write(h, c, now);
}

static void conn_read(struct httpd *h, struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;

		if (c->st == C_DRAIN) {
			char junk[4096];

			n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
				       errno != EINTR)) {
				conn_free(h, c);
				return;
			}
			if (n < 0 && errno != EINTR)
				return;
			continue;
		}
		if (c->st != C_READ)
			return;
		if (c->inlen >= h->max_head) {
			conn_error(h, c, 431, now);
			return;
		}
		n = recv(c->fd, c->in + c->inlen, h->max_head - c->inlen, MSG_DONTWAIT);
		if (n == 0) {
			conn_free(h, c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_free(h, c);
			return;
		}
		c->inlen += (size_t)n;
		conn_process(h, c, now);
		if (c->st != C_READ)
			return;
	}
}

static struct conn *slot_for_new(struct httpd *h, uint64_t now)
{
	struct conn *oldest = NULL;
	size_t i;

	for (i = 0; i < h->max_conns; i++)
		if (h->conns[i].fd < 0)
			return &h->conns[i];
	/* full: evict the connection waiting longest for a (complete) request */
	for (i = 0; i < h->max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->st == C_DRAIN) {
			oldest = c;
			break;
		}
		if (c->st == C_READ && (!oldest || c->since < oldest->since))
			oldest = c;
	}
	/* else a response that has been going on for longer than timeout_ms:
	 * a scrape over a working network takes far less */
	for (i = 0; !oldest && i < h->max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->st == C_WRITE && now - c->since > (uint64_t)h->timeout_ms)
			oldest = c;
	}
	if (!oldest)
		return NULL;
	conn_free(h, oldest);
	h->st.evicted++;
	return oldest;
}

static void do_accept(struct httpd *h, int lfd, uint64_t now)
{
	int k;

	for (k = 0; k < HTTPD_ACCEPT_BURST; k++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		int one = 1;

		if (fd < 0)
			return;	/* EAGAIN, or a transient error (ECONNABORTED, EMFILE...) */
		h->st.accepted++;
		c = slot_for_new(h, now);
		if (!c) {
			static const char busy[] =
				"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				"Connection: close\r\n\r\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			h->st.closed_full++;
			h->st.responses_5xx++;
			continue;
		}
		c->in = malloc(h->max_head);
		if (!c->in) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->inlen = 0;
		c->body = NULL;
		c->headlen = c->headoff = c->bodylen = c->bodyoff = 0;
		c->close_after = false;
		h->nconns++;
		h->st.conns = h->nconns;
		conn_ready_for_request(h, c, now);
	}
}

static void expire(struct httpd *h, uint64_t now)
{
	size_t i;

	for (i = 0; i < h->max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->fd < 0 || now < c->deadline)
			continue;
		h->st.timeouts++;
		if (c->st == C_READ && c->inlen) {
			/* a request that never completed: tell it, best effort */
			conn_error(h, c, 408, now);
			if (conn_flush(c) == 1) {
				conn_drain(c, now);
				c->deadline = now + 100;
				continue;
			}
		}
		conn_free(h, c);
	}
}

int httpd_step(struct httpd *h, int timeout_ms)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	size_t i, n = 0;
	int r;

	for (i = 0; i < h->nl; i++) {
		h->pfds[n].fd = h->lfd[i];
		h->pfds[n].events = POLLIN;
		h->pfds[n++].revents = 0;
	}
	for (i = 0; i < h->max_conns; i++) {
		struct conn *c = &h->conns[i];

		if (c->fd < 0)
			continue;
		h->pfds[n].fd = c->fd;
		h->pfds[n].events = c->st == C_WRITE ? POLLOUT : POLLIN;
		h->pfds[n++].revents = 0;
		if (c->deadline < next)
			next = c->deadline;
	}
	if (next != UINT64_MAX) {
		uint64_t wait = next > now ? next - now : 0;

		if (timeout_ms < 0 || wait < (uint64_t)timeout_ms)
			timeout_ms = (int)(wait > 1000000 ? 1000000 : wait);
	}
	r = poll(h->pfds, (nfds_t)n, timeout_ms);
	if (r < 0)
		return -errno;
	now = now_ms();
	/* connections first (the pfds refer to them by fd; accept may reuse slots) */
	for (i = h->nl; i < n; i++) {
		struct pollfd *p = &h->pfds[i];
		struct conn *c = NULL;
		size_t j;

		if (!p->revents)
			continue;
		for (j = 0; j < h->max_conns; j++)
			if (h->conns[j].fd == p->fd) {
				c = &h->conns[j];
				break;
			}
		if (!c)
			continue;
		if (c->st == C_WRITE) {
			if (p->revents & (POLLERR | POLLNVAL)) {
				conn_free(h, c);
				continue;
			}
			conn_write(h, c, now);
		} else {
			conn_read(h, c, now);
			if (c->fd >= 0 && c->st == C_WRITE)
				conn_write(h, c, now);
		}
	}
	for (i = 0; i < h->nl; i++)
		if (h->pfds[i].revents & POLLIN)
			do_accept(h, h->lfd[i], now);
	expire(h, now_ms());
	return 0;
}

static void fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

bool httpd_addr(const struct httpd *h, size_t i, char *buf, size_t len)
{
	if (i >= h->nl)
		return false;
	fmt_addr(&h->laddr[i], buf, len);
	return true;
}

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}

void httpd_close(struct httpd *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; h->conns && i < h->max_conns; i++)
		conn_free(h, &h->conns[i]);
	for (i = 0; i < h->nl; i++)
		close(h->lfd[i]);
	free(h->conns);
	free(h->pfds);
	free(h);
}

int httpd_open(struct httpd **hp, const struct httpd_opts *o, httpd_handler fn, void *ctx,
	       char *err, size_t errlen)
{
	const char *listen_s = o && o->listen ? o->listen : HTTPD_DEFAULT_LISTEN;
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[8];
	struct httpd *h;
	int ret, last_err = 0;
	size_t i;

	*hp = NULL;
	if (errlen)
		err[0] = '\0';
	if (http_parse_listen(listen_s, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "bad listen address '%s' (ADDR:PORT, [IPV6]:PORT or PORT)",
			 listen_s);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->fn = fn;
	h->ctx = ctx;
	h->max_conns = o && o->max_conns > 0 ? (size_t)o->max_conns : 32;
	h->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : 10000;
	h->max_head = o && o->max_head > 0 ? o->max_head : 8192;
	if (h->max_head < 256)
		h->max_head = 256;
	h->conns = calloc(h->max_conns, sizeof(*h->conns));
	for (i = 0; h->conns && i < h->max_conns; i++)
		h->conns[i].fd = -1;
	h->pfds = calloc(h->max_conns + HTTPD_MAX_LISTEN, sizeof(*h->pfds));
	if (!h->conns || !h->pfds) {
		httpd_close(h);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "listen address '%s': %s", listen_s, gai_strerror(ret));
		httpd_close(h);
		return -EINVAL;
	}
	for (ai = res; ai && h->nl < HTTPD_MAX_LISTEN; ai = ai->ai_next) {
		int fd, one = 1;
		socklen_t sl = sizeof(h->laddr[0]);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			last_err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128) ||
		    getsockname(fd, (struct sockaddr *)&h->laddr[h->nl], &sl)) {
			char a[80];

			last_err = errno;
			close(fd);
			/* an address family the host lacks is skipped if another one works */
			if (last_err == EADDRNOTAVAIL || last_err == EAFNOSUPPORT)
				continue;
			memcpy(&h->laddr[h->nl], ai->ai_addr, ai->ai_addrlen);
			fmt_addr(&h->laddr[h->nl], a, sizeof(a));
			snprintf(err, errlen, "cannot listen on %s: %s", a, strerror(last_err));
			freeaddrinfo(res);
			httpd_close(h);
			return -last_err;
		}
		h->lfd[h->nl++] = fd;
	}
	freeaddrinfo(res);
	if (!h->nl) {
		snprintf(err, errlen, "cannot listen on '%s': %s", listen_s,
			 strerror(last_err ? last_err : EADDRNOTAVAIL));
		httpd_close(h);
		return -(last_err ? last_err : EADDRNOTAVAIL);
	}
	*hp = h;
	return 0;
}

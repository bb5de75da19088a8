// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP server: libmicrohttpd does HTTP (parsing, keep-alive,
 * pipelining, TLS), driven from the caller's thread; this file answers
 * requests (503 beyond the limit or the bcrypt budget, 401 without valid
 * credentials, 405, the handler's response with gzip when accepted) and
 * runs the loop.
 * httpd_conn.c decides who is served and for how long.
 *
 * Every error response closes the connection; requests with a body are
 * answered and the connection closed (bodies are never read).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd_conn.h"

#define REALM			"exittop"

/* ---- answering ---- */

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void free_body(void *cls)
{
	hbuf_put(cls);
}

/* A response with body b (reference taken over; NULL: a status line). */
static struct MHD_Response *make_response(int status, struct hbuf *b, bool gzip)
{
	struct MHD_Response *r;

	if (!b) {
		char msg[64];

		snprintf(msg, sizeof(msg), "%d %s\n", status, status_text(status));
		b = hbuf_new(msg, strlen(msg));
		if (!b)
			return NULL;
	}
	r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, free_body, b);
	if (!r) {
		hbuf_put(b);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (status != 200)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	return r;
}

static enum MHD_Result queue(struct MHD_Connection *mc, struct hconn *c, int status,
			     struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;	/* out of memory: libmicrohttpd closes the connection */
	if (status == 401)
		ret = MHD_queue_basic_auth_fail_response(mc, REALM, r);
	else
		ret = MHD_queue_response(mc, (unsigned int)status, r);
	MHD_destroy_response(r);
	httpd_conn_sending(c);
	return ret;
}

static enum MHD_Result error(struct MHD_Connection *mc, struct hconn *c, int status,
			     const char *hdr, const char *val)
{
	struct MHD_Response *r = make_response(status, NULL, false);

	if (r && hdr)
		MHD_add_response_header(r, hdr, val);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	return queue(mc, c, status, r);
}

static enum webcfg_auth authorized(struct httpd *h, struct MHD_Connection *mc)
{
	char *pass = NULL, *user;
	enum webcfg_auth ok = WEBCFG_DENIED;

	if (!h->web || !h->web->nusers)
		return WEBCFG_OK;
	user = MHD_basic_auth_get_username_password(mc, &pass);
	if (user && pass)
		ok = webcfg_check(h->web, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result ctl_in_value(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	const unsigned char *v = (const unsigned char *)value;

	(void)kind;
	(void)key;
	for (; v && *v; v++)
		if ((*v < 0x20 && *v != '\t') || *v == 0x7f) {
			*(bool *)cls = true;
			return MHD_NO;
		}
	return MHD_YES;
}

struct joined {
	const char *name;
	char *buf;
	size_t len, cap;
};

static enum MHD_Result join_value(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct joined *j = cls;
	size_t n;

	(void)kind;
	if (!key || !value || strcasecmp(key, j->name))
		return MHD_YES;
	n = strlen(value);
	if (j->len + n + 3 > j->cap)
		return MHD_NO;	/* a list that long is not a scraper's: the rest is ignored */
	if (j->len) {
		memcpy(j->buf + j->len, ", ", 2);
		j->len += 2;
	}
	memcpy(j->buf + j->len, value, n + 1);
	j->len += n;
	return MHD_YES;
}

/* Every value of a list header, joined as one (RFC 9110 5.3). */
static const char *header_list(struct MHD_Connection *mc, const char *name, char *buf,
			       size_t cap)
{
	struct joined j = { name, buf, 0, cap };

	buf[0] = '\0';
	MHD_get_connection_values(mc, MHD_HEADER_KIND, join_value, &j);
	return buf;
}

/* Control characters in a header value (libmicrohttpd lets them through): 400. */
static bool bad_header_values(struct MHD_Connection *mc)
{
	bool bad = false;

	MHD_get_connection_values(mc, MHD_HEADER_KIND, ctl_in_value, &bad);
	return bad;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	static char seen_head, answered;	/* *req_cls: where a request is */
	struct httpd *h = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct hconn *c = ci ? ci->socket_context : NULL;
	struct http_req req;
	struct http_resp resp;
	struct hbuf *body;
	char list[1024];
	bool gz = false;
	int status;

	(void)version;
	(void)upload_data;
	if (!*req_cls) {
		/*
		 * Headers only. GET and HEAD are answered at the next call, once
		 * libmicrohttpd knows there is no body, so that the connection
		 * can be kept; anything else now, which makes libmicrohttpd
		 * close the connection without reading a body.
		 */
		*req_cls = &seen_head;
		h->st.requests++;
		if (!strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD))
			return MHD_YES;
		return error(mc, c, 405, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	}
	if (*req_cls == &answered) {
		*upload_data_size = 0;	/* a body after our answer: never read */
		return MHD_YES;
	}
	*req_cls = &answered;
	if (httpd_busy(h, httpd_now_ms()) >= h->max_conns) {
		h->st.busy++;
		return error(mc, c, 503, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	}
	switch (authorized(h, mc)) {
	case WEBCFG_OK:
		break;
	case WEBCFG_BUSY:
		h->st.busy++;
		return error(mc, c, 503, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	default:
		h->st.unauthorized++;
		return error(mc, c, 401, NULL, NULL);
	}
	if (bad_header_values(mc))
		return error(mc, c, 400, NULL, NULL);
	memset(&req, 0, sizeof(req));
	req.method = !strcmp(method, MHD_HTTP_METHOD_GET) ? HTTP_GET : HTTP_HEAD;
	req.path = url;
	req.accept = header_list(mc, MHD_HTTP_HEADER_ACCEPT, list, sizeof(list));
	memset(&resp, 0, sizeof(resp));
	h->fn(h->ctx, &req, &resp);
	status = resp.status ? resp.status : 500;
	body = resp.body;
	if (status != 200 || !body) {
		hbuf_put(body);
		return error(mc, c, status, NULL, NULL);
	}
	header_list(mc, MHD_HTTP_HEADER_ACCEPT_ENCODING, list, sizeof(list));
	if (http_accept_gzip(list, strlen(list)) && hbuf_gzip(body)) {
		struct hbuf *z = hbuf_get(body->gz);

		hbuf_put(body);
		body = z;
		gz = true;
	}
	{
		struct MHD_Response *r = make_response(200, body, gz);

		if (r) {
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						resp.content_type ? resp.content_type :
						"text/plain; charset=utf-8");
			MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
		}
		return queue(mc, c, 200, r);
	}
}

/* ---- the loop ---- */

int httpd_step(struct httpd *h, int timeout_ms)
{
	uint64_t now = httpd_now_ms(), next = UINT64_MAX;
	MHD_UNSIGNED_LONG_LONG mt;
	bool accepting;
	size_t i, n = 0;
	int r;

	httpd_deadlines(h, now, &next);
	accepting = h->st.conns < h->cap && httpd_live(h) < h->cap;
	if (accepting)
		for (i = 0; i < h->l.n; i++) {
			h->pfds[n].fd = h->l.fd[i];
			h->pfds[n].events = POLLIN;
			h->pfds[n++].revents = 0;
		}
	h->pfds[n].fd = h->epfd;
	h->pfds[n].events = POLLIN;
	h->pfds[n++].revents = 0;
	if (MHD_get_timeout(h->d, &mt) == MHD_YES && now + mt < next)
		next = now + mt;
	if (!accepting && now + AT_CAP_RECHECK_MS < next)
		next = now + AT_CAP_RECHECK_MS;	/* eviction candidates age */
	if (next != UINT64_MAX) {
		uint64_t wait = next > now ? next - now : 0;

		if (timeout_ms < 0 || wait < (uint64_t)timeout_ms)
			timeout_ms = (int)(wait > INT_MAX ? INT_MAX : wait);
	}
	r = poll(h->pfds, (nfds_t)n, timeout_ms);
	if (r < 0)
		return -errno;
	/* requests already received are answered before anything is evicted */
	MHD_run(h->d);
	now = httpd_now_ms();
	for (i = 0; i < h->l.n; i++)
		httpd_accept(h, h->l.fd[i], now);
	MHD_run(h->d);
	return 0;
}

bool httpd_addr(const struct httpd *h, size_t i, char *buf, size_t len)
{
	if (i >= h->l.n)
		return false;
	http_fmt_addr(&h->l.addr[i], buf, len);
	return true;
}

const char *httpd_scheme(const struct httpd *h)
{
	return h->web && h->web->cert_pem ? "https" : "http";
}

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}

void httpd_close(struct httpd *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);	/* closes every connection (notify frees them) */
	http_listen_close(&h->l);
	free(h);
}

int httpd_open(struct httpd **hp, const struct httpd_opts *o, httpd_handler fn, void *ctx,
	       char *err, size_t errlen)
{
	const char *spec = o && o->listen ? o->listen : HTTPD_DEFAULT_LISTEN;
	const union MHD_DaemonInfo *di;
	unsigned int flags = MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL;
	struct MHD_OptionItem opts[12];
	struct httpd *h;
	size_t k = 0;
	int ret;

	*hp = NULL;
	if (errlen)
		err[0] = '\0';
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->head.next = h->head.prev = &h->head;
	h->fn = fn;
	h->ctx = ctx;
	h->web = o ? (struct webcfg *)o->web : NULL;
	h->max_conns = o && o->max_conns > 0 ? (size_t)o->max_conns : 32;
	h->cap = h->max_conns * CONN_FACTOR;
	h->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : 10000;
	ret = http_listen_open(&h->l, spec, err, errlen);
	if (ret) {
		free(h);
		return ret;
	}

	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)h->cap, NULL };
	/* a backstop only: deadlines() is stricter */
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
		(intptr_t)((h->timeout_ms * WRITE_MAX_TIMEOUTS) / 1000 + 1), NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, POOL_BYTES, NULL };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
		(intptr_t)httpd_on_connection, h };
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)httpd_on_completed, h };
	/* HTTP/1.1 without Host, bad header lines: 400 */
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
	if (h->web && h->web->cert_pem) {
		flags |= MHD_USE_TLS;
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
			h->web->cert_pem };
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
			h->web->key_pem };
		/* TLS 1.2 and 1.3 only, as the Prometheus exporters' default */
		opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
			(void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" };
	}
	opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	di = h->d ? MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di) {
		snprintf(err, errlen, "cannot start the HTTP server%s",
			 flags & MHD_USE_TLS ? " (is the TLS certificate and key pair valid?)" : "");
		httpd_close(h);
		return -EINVAL;
	}
	h->epfd = di->epoll_fd;
	*hp = h;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Who the exporter's HTTP server serves, and for how long. libmicrohttpd
 * alone would close connections beyond its limit without a word and let a
 * client that never reads hold its connection for the whole idle timeout,
 * so we accept connections ourselves (MHD_USE_NO_LISTEN_SOCKET) and follow
 * each one (notify callbacks) as waiting for a request or sending a
 * response. The rules:
 *   - at most max_conns requests are answered at once; one more is
 *     answered 503 (httpd.c). A response the client does not take (zero
 *     receive window, or nothing acknowledged for STALL_MS) no longer
 *     counts, so clients that never read cannot lock scrapers out;
 *   - at most CONN_FACTOR x max_conns connections are held; at that cap a
 *     new one replaces a stalled response or a connection idle for
 *     IDLE_EVICT_MS with nothing unread, else it waits in the listen
 *     backlog (accepted later): no connection is closed unanswered after
 *     its request arrived;
 *   - a request head (and TLS handshake) must be complete within
 *     timeout_ms of the connection becoming ready for one, a response
 *     must make progress every timeout_ms and end within
 *     WRITE_MAX_TIMEOUTS x timeout_ms; else the connection is cut off,
 *     with a reset when the kernel still holds data for that client (so
 *     that it drops it at once), else with a FIN;
 *   - the kernel's send buffer per connection is fixed at SNDBUF bytes
 *     (no autotuning up to megabytes for a client that does not read).
 * Progress is the kernel's view (TCP_INFO: bytes acknowledged, the
 * client's window), the same for plain HTTP and TLS.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "clock.h"
#include "httpd_conn.h"

uint64_t httpd_now_ms(void)
{
	return clock_mono_ns() / 1000000;
}

void httpd_on_connection(void *cls, struct MHD_Connection *mc, void **sctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = cls;
	struct hconn *c = *sctx;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c)
			return;	/* not followed: libmicrohttpd's own timeout still applies */
		c->fd = ci ? ci->connect_fd : -1;
		c->st = HC_WAIT;
		c->since = httpd_now_ms();
		c->next = h->head.next;
		c->prev = &h->head;
		h->head.next->prev = c;
		h->head.next = c;
		h->st.conns++;
		*sctx = c;
		return;
	}
	if (!c)
		return;
	c->prev->next = c->next;
	c->next->prev = c->prev;
	h->st.conns--;
	free(c);
	*sctx = NULL;
}

void httpd_on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct hconn *c = ci ? ci->socket_context : NULL;

	(void)cls;
	(void)toe;
	if (c) {
		c->st = HC_WAIT;
		c->since = httpd_now_ms();
	}
	*req_cls = NULL;
}

/* Refresh c's progress from the kernel's view of the socket. */
static void look(struct hconn *c, uint64_t now)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return;
	if (ti.tcpi_bytes_acked != c->acked) {
		c->acked = ti.tcpi_bytes_acked;
		c->progress = now;
	}
	/* older kernels lack tcpi_snd_wnd (len is shorter): there, only STALL_MS counts */
	c->zero_window = len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd) &&
			 ti.tcpi_snd_wnd == 0;
}

static bool stalled(const struct hconn *c, uint64_t now)
{
	return c->st == HC_SEND && (c->zero_window || now - c->progress >= STALL_MS);
}

/* Responses being sent to clients that take them. */
size_t httpd_busy(struct httpd *h, uint64_t now)
{
	struct hconn *c;
	size_t n = 0;

	for (c = h->head.next; c != &h->head; c = c->next) {
		if (c->st != HC_SEND || c->killed)
			continue;
		look(c, now);
		if (!stalled(c, now))
			n++;
	}
	return n;
}

/*
 * Close c from outside libmicrohttpd: a reset (SO_LINGER 0, so that the
 * kernel drops the data it still holds for this client) once
 * libmicrohttpd closes the socket, which it does on the error that the
 * shutdown makes its next read or write see.
 */
static void cut(struct hconn *c, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->killed || c->fd < 0)
		return;
	c->killed = true;
	if (reset)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	shutdown(c->fd, SHUT_RDWR);
}

void httpd_deadlines(struct httpd *h, uint64_t now, uint64_t *next)
{
	uint64_t t = (uint64_t)h->timeout_ms;
	struct hconn *c;

	for (c = h->head.next; c != &h->head; c = c->next) {
		uint64_t due;

		if (c->killed)
			continue;
		if (c->st == HC_SEND) {
			look(c, now);
			due = c->progress + t;
			if (due > c->since + t * WRITE_MAX_TIMEOUTS)
				due = c->since + t * WRITE_MAX_TIMEOUTS;
		} else {
			due = c->since + t;
		}
		if (now >= due) {
			int queued = 0;

			/*
			 * A reset for a response cut short or one the client left
			 * unread in the kernel; an idle connection ends with a FIN.
			 */
			if (c->st == HC_WAIT)
				ioctl(c->fd, SIOCOUTQ, &queued);
			h->st.timeouts++;
			cut(c, c->st == HC_SEND || queued > 0);
			continue;
		}
		if (due < *next)
			*next = due;
	}
}

/* At the cap: close a stalled response or an idle connection for a new one. */
static bool evict_one(struct httpd *h, uint64_t now)
{
	struct hconn *c, *best = NULL;
	char b;

	for (c = h->head.next; c != &h->head; c = c->next) {
		if (c->killed)
			continue;
		if (c->st == HC_SEND) {
			look(c, now);
			if (stalled(c, now) && (!best || best->st != HC_SEND ||
						c->progress < best->progress))
				best = c;
		} else if (now - c->since >= IDLE_EVICT_MS && (!best || best->st == HC_WAIT) &&
			   recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
			   (errno == EAGAIN || errno == EWOULDBLOCK) &&
			   (!best || c->since < best->since)) {
			best = c;	/* nothing unread: no request is lost */
		}
	}
	if (!best)
		return false;
	h->st.evicted++;
	cut(best, best->st == HC_SEND);
	return true;
}

/* Live connections: cut ones are on their way out. */
size_t httpd_live(const struct httpd *h)
{
	const struct hconn *c;
	size_t n = 0;

	for (c = h->head.next; c != &h->head; c = c->next)
		n += !c->killed;
	return n;
}

void httpd_accept(struct httpd *h, int lfd, uint64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd, sz = SNDBUF;

		if (httpd_live(h) >= h->cap) {
			struct pollfd p = { .fd = lfd, .events = POLLIN };

			/* evict only for a connection that is waiting */
			if (poll(&p, 1, 0) != 1 || !evict_one(h, now))
				return;
		}
		/* libmicrohttpd's own limit counts cut connections until it closes them */
		if (h->st.conns >= h->cap)
			return;		/* the evicted one goes at the next run */
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;		/* EAGAIN, or a transient error (ECONNABORTED, EMFILE...) */
		h->st.accepted++;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		/* closes fd itself on failure */
		MHD_add_connection(h->d, fd, (struct sockaddr *)&ss, sl);
	}
}

void httpd_conn_sending(struct hconn *c)
{
	uint64_t now = httpd_now_ms();

	if (!c)
		return;
	c->st = HC_SEND;
	c->since = now;
	look(c, now);
	c->progress = now;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the exporter's HTTP server (httpd.c, httpd_conn.c): the server
 * and the connections it follows, and the admission and deadline rules
 * that httpd_conn.c applies (see its opening comment).
 */
#ifndef EXITTOP_HTTPD_CONN_H
#define EXITTOP_HTTPD_CONN_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "httpd.h"
#include "httpd_listen.h"

#define CONN_FACTOR		4
#define STALL_MS		1000
#define IDLE_EVICT_MS		1000
#define WRITE_MAX_TIMEOUTS	6
#define SNDBUF			(128 * 1024)
#define POOL_BYTES		(8 * 1024)	/* libmicrohttpd's memory per connection: */
						/* request line + headers over ~8 KiB: 431 */
#define AT_CAP_RECHECK_MS	100

enum hstate { HC_WAIT, HC_SEND };

struct hconn {
	struct hconn *prev, *next;
	int fd;
	enum hstate st;
	bool killed;
	uint64_t since;		/* HC_WAIT: ready for a request; HC_SEND: response start */
	uint64_t progress;	/* HC_SEND: when the client last acknowledged data */
	uint64_t acked;		/* tcpi_bytes_acked then */
	bool zero_window;	/* the client's receive window was 0 at the last look */
};

struct httpd {
	struct http_listeners l;
	struct MHD_Daemon *d;
	int epfd;
	struct hconn head;	/* list of connections */
	size_t max_conns, cap;
	int timeout_ms;
	struct webcfg *web;
	httpd_handler fn;
	void *ctx;
	struct httpd_stats st;
	struct pollfd pfds[HTTPD_MAX_LISTEN + 1];
};

uint64_t httpd_now_ms(void);

/* libmicrohttpd's notifications: a connection starts or ends; a request ends. */
void httpd_on_connection(void *cls, struct MHD_Connection *mc, void **sctx,
			 enum MHD_ConnectionNotificationCode code);
void httpd_on_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
			enum MHD_RequestTerminationCode toe);

/* c (may be NULL) starts sending a response. */
void httpd_conn_sending(struct hconn *c);

/* Responses being sent to clients that take them (the 503 rule). */
size_t httpd_busy(struct httpd *h, uint64_t now);

/* Cut off connections past their deadline; lower *next to the next deadline. */
void httpd_deadlines(struct httpd *h, uint64_t now, uint64_t *next);

/* Connections not cut off. */
size_t httpd_live(const struct httpd *h);

/* Accept what waits on lfd, within the cap (evicting for it if need be). */
void httpd_accept(struct httpd *h, int lfd, uint64_t now);

#endif

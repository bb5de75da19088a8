/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Listening sockets of the exporter's HTTP server (httpd.c accepts on
 * them itself and hands connections to libmicrohttpd): every address of
 * a listen specification, IPv6 sockets IPv6-only so that ":PORT" binds
 * both families side by side.
 */
#ifndef EXITTOP_HTTPD_LISTEN_H
#define EXITTOP_HTTPD_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTPD_MAX_LISTEN	8

struct http_listeners {
	int fd[HTTPD_MAX_LISTEN];
	struct sockaddr_storage addr[HTTPD_MAX_LISTEN];
	size_t n;
};

/* Bind and listen on spec (http_parse_listen syntax). 0, or -errno with err set. */
int http_listen_open(struct http_listeners *l, const char *spec, char *err, size_t errlen);

void http_listen_close(struct http_listeners *l);

/* "127.0.0.1:9567", "[::1]:9567" */
void http_fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif

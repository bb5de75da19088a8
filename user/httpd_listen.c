// SPDX-License-Identifier: GPL-2.0
/*
 * Listen addresses: parsing "HOST:PORT", "[IPV6]:PORT", "PORT", ":PORT",
 * and binding every address they resolve to.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "httpd.h"
#include "httpd_listen.h"

/* Connections that completed the handshake but are not accepted yet wait here
 * (httpd.c stops accepting at its connection cap rather than closing them). */
#define HTTPD_BACKLOG	1024

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
		if (!hl || hl >= hostlen)
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

void http_fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
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

void http_listen_close(struct http_listeners *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		close(l->fd[i]);
	l->n = 0;
}

int http_listen_open(struct http_listeners *l, const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[8];
	int ret, last_err = 0;

	memset(l, 0, sizeof(*l));
	if (http_parse_listen(spec, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "bad listen address '%s' (ADDR:PORT, [IPV6]:PORT or PORT)",
			 spec);
		return -EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "listen address '%s': %s", spec, gai_strerror(ret));
		return -EINVAL;
	}
	for (ai = res; ai && l->n < HTTPD_MAX_LISTEN; ai = ai->ai_next) {
		socklen_t sl = sizeof(l->addr[0]);
		int fd, one = 1;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			last_err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, HTTPD_BACKLOG) ||
		    getsockname(fd, (struct sockaddr *)&l->addr[l->n], &sl)) {
			char a[80];

			last_err = errno;
			close(fd);
			/* an address family the host lacks is skipped if another one works */
			if (last_err == EADDRNOTAVAIL || last_err == EAFNOSUPPORT)
				continue;
			memcpy(&l->addr[l->n], ai->ai_addr, ai->ai_addrlen);
			http_fmt_addr(&l->addr[l->n], a, sizeof(a));
			snprintf(err, errlen, "cannot listen on %s: %s", a, strerror(last_err));
			freeaddrinfo(res);
			http_listen_close(l);
			return -last_err;
		}
		l->fd[l->n++] = fd;
	}
	freeaddrinfo(res);
	if (!l->n) {
		snprintf(err, errlen, "cannot listen on '%s': %s", spec,
			 strerror(last_err ? last_err : EADDRNOTAVAIL));
		return -(last_err ? last_err : EADDRNOTAVAIL);
	}
	return 0;
}

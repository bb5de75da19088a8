/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Response bodies of the exporter's HTTP server: reference-counted
 * buffers, so that one rendering is shared by every connection sending it
 * (and stays valid while a newer one replaces it), each with at most one
 * gzip twin made on the first request that accepts it.
 */
#ifndef EXITTOP_HTTPD_BODY_H
#define EXITTOP_HTTPD_BODY_H

#include <stdbool.h>
#include <stddef.h>

struct hbuf {
	size_t refs;
	size_t len;
	struct hbuf *gz;	/* gzip of data, once made */
	bool gz_tried;		/* made, or not worth it / failed */
	char *data;		/* len bytes and a NUL, malloc'd, owned */
};

/* A buffer holding a copy of len bytes of data (data may be NULL: zeroed). */
struct hbuf *hbuf_new(const void *data, size_t len);
/*
 * A buffer taking over data (malloc'd, len bytes and a NUL), so that a
 * large rendering is not held twice while it is copied. On failure data
 * is freed and NULL returned.
 */
struct hbuf *hbuf_adopt(char *data, size_t len);
struct hbuf *hbuf_get(struct hbuf *b);	/* one more reference; NULL-safe */
void hbuf_put(struct hbuf *b);		/* one reference less; NULL-safe */

/*
 * The gzip twin of b (level 1: the exposition is very repetitive and
 * speed matters more), made on the first call and kept with b. NULL when
 * b is too small to be worth it (1 KiB), too large for zlib's 32-bit
 * lengths, or compression failed: then send b as it is.
 */
struct hbuf *hbuf_gzip(struct hbuf *b);

/*
 * Next element of a comma-separated header value list ("a;q=0.5, b"):
 * its token (without parameters, trimmed) and its q-value (1 when absent,
 * 0 when malformed). *s and *len advance past it. False at the end.
 */
bool http_list_next(const char **s, size_t *len, const char **tok, size_t *toklen, double *q);

/* True when tok[0..len) equals the string b, ignoring case. */
bool http_token_is(const char *tok, size_t len, const char *b);

/* True when an Accept-Encoding header value allows gzip (gzip, x-gzip or *, q > 0). */
bool http_accept_gzip(const char *accept_encoding, size_t len);

#endif

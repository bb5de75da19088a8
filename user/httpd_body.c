// SPDX-License-Identifier: GPL-2.0
/*
 * Response bodies and their content coding: reference-counted buffers,
 * their gzip twin, and the header value lists that choose them
 * (Accept-Encoding here; Accept is the Prometheus rendering's business,
 * export_prom.c, with the same list reader).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "httpd_body.h"

#define GZIP_MIN_LEN	1024

struct hbuf *hbuf_adopt(char *data, size_t len)
{
	struct hbuf *b = malloc(sizeof(*b));

	if (!b) {
		free(data);
		return NULL;
	}
	b->refs = 1;
	b->len = len;
	b->gz = NULL;
	b->gz_tried = false;
	b->data = data;
	return b;
}

struct hbuf *hbuf_new(const void *data, size_t len)
{
	char *d = data ? malloc(len + 1) : calloc(1, len + 1);

	if (!d)
		return NULL;
	if (data)
		memcpy(d, data, len);
	d[len] = '\0';
	return hbuf_adopt(d, len);
}

struct hbuf *hbuf_get(struct hbuf *b)
{
	if (b)
		b->refs++;
	return b;
}

void hbuf_put(struct hbuf *b)
{
	if (b && --b->refs == 0) {
		hbuf_put(b->gz);
		free(b->data);
		free(b);
	}
}

/*
 * Output space for the worst case is reserved but not touched (no zeroing),
 * and trimmed to what deflate wrote: the twin stays cached until the next
 * poll, and should cost its compressed size, not the body's.
 */
static struct hbuf *gzip_of(const struct hbuf *in)
{
	char *out, *fit;
	size_t cap, len;
	z_stream z;
	int r;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)in->len) + 32;
	out = malloc(cap + 1);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	len = cap - z.avail_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	fit = realloc(out, len + 1);
	return hbuf_adopt(fit ? fit : out, len);
}

struct hbuf *hbuf_gzip(struct hbuf *b)
{
	if (!b->gz_tried) {
		b->gz_tried = true;
		if (b->len > GZIP_MIN_LEN && b->len < (UINT64_C(1) << 31))
			b->gz = gzip_of(b);
	}
	return b->gz;
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

/* q-value "0", "0.5", "1", "1.000" (RFC 9110 12.4.2); -1 when malformed */
static double parse_q(const char *s, size_t len)
{
	double v, scale = 1;
	size_t i;

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

bool http_token_is(const char *tok, size_t len, const char *b)
{
	size_t blen = strlen(b);

	return len == blen && !strncasecmp(tok, b, blen);
}

bool http_list_next(const char **sp, size_t *lenp, const char **tok, size_t *toklen, double *q)
{
	for (;;) {
		const char *s = *sp, *elem, *semi;
		size_t len = *lenp, e = 0, plen;

		if (!len)
			return false;
		while (e < len && s[e] != ',')
			e++;
		elem = s;
		plen = e;
		*sp = s + (e < len ? e + 1 : e);
		*lenp = len - (e < len ? e + 1 : e);
		elem = trim(elem, &plen);
		if (!plen)
			continue;	/* empty list elements are allowed */
		semi = memchr(elem, ';', plen);
		*toklen = semi ? (size_t)(semi - elem) : plen;
		*tok = trim(elem, toklen);
		*q = 1;
		/* parameters: only q matters */
		while (semi) {
			const char *p = semi + 1, *next;
			size_t pl = plen - (size_t)(p - elem);

			next = memchr(p, ';', pl);
			if (next)
				pl = (size_t)(next - p);
			p = trim(p, &pl);
			if (pl >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
				double v = parse_q(p + 2, pl - 2);

				*q = v < 0 ? 0 : v;
			}
			semi = next;
		}
		return true;
	}
}

/* gzip, x-gzip or * with q > 0; an explicit gzip;q=0 wins over * */
bool http_accept_gzip(const char *s, size_t len)
{
	double gz = -1, star = -1, q;
	const char *t;
	size_t tl;

	while (http_list_next(&s, &len, &t, &tl, &q)) {
		if (http_token_is(t, tl, "gzip") || http_token_is(t, tl, "x-gzip"))
			gz = q > gz ? q : gz;
		else if (http_token_is(t, tl, "*"))
			star = q > star ? q : star;
	}
	return gz >= 0 ? gz > 0 : star > 0;
}

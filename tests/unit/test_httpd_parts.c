// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of the exporter's HTTP helpers (user/httpd*.c) that need no
 * server: header value lists (Accept-Encoding), gzip bodies, listen
 * addresses. The server itself: test_httpd.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "httpd.h"

#define GZ(s) http_accept_gzip((s), strlen(s))

static void test_accept_encoding(void **state)
{
	assert_true(GZ("gzip"));
	assert_true(GZ("deflate, gzip;q=1.0, *;q=0.5"));
	assert_true(GZ("x-gzip"));
	assert_true(GZ("*"));
	assert_true(GZ(" GZIP ; q=0.3"));
	assert_true(GZ(",, gzip"));
	assert_false(GZ(""));
	assert_false(GZ("identity"));
	assert_false(GZ("gzip;q=0"));
	assert_false(GZ("gzip;q=0, *"));	/* explicit refusal wins */
	assert_false(GZ("*;q=0"));
	assert_false(GZ("gzipx"));
	assert_false(GZ("gzip;q=2"));		/* malformed q: 0 */
}

static void test_list_next(void **state)
{
	const char *s = " a ;x=1; q=0.25,, b/c ,d;q=1.000", *t;
	size_t len = strlen(s), tl;
	double q;

	assert_true(http_list_next(&s, &len, &t, &tl, &q));
	assert_int_equal(tl, 1);
	assert_memory_equal(t, "a", 1);
	assert_true(q > 0.2499 && q < 0.2501);
	assert_true(http_list_next(&s, &len, &t, &tl, &q));
	assert_int_equal(tl, 3);
	assert_memory_equal(t, "b/c", 3);
	assert_true(q == 1);
	assert_true(http_list_next(&s, &len, &t, &tl, &q));
	assert_memory_equal(t, "d", 1);
	assert_true(q == 1);
	assert_false(http_list_next(&s, &len, &t, &tl, &q));
}

/* The gzip twin is made once, decompresses to the body, and is skipped when small. */
static void test_gzip_body(void **state)
{
	struct hbuf *b = hbuf_new(NULL, 100000), *small = hbuf_new("tiny", 4);
	unsigned char *out = malloc(100000);
	uLongf outlen = 100000;
	z_stream z;
	size_t i;

	for (i = 0; i < b->len; i++)
		b->data[i] = "exittop_exits_total 1\n"[i % 22];
	assert_non_null(hbuf_gzip(b));
	assert_ptr_equal(hbuf_gzip(b), b->gz);
	assert_true(b->gz->len < b->len / 20);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)b->gz->data;
	z.avail_in = (uInt)b->gz->len;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, b->len);
	assert_memory_equal(out, b->data, b->len);
	inflateEnd(&z);
	assert_null(hbuf_gzip(small));
	hbuf_put(small);
	hbuf_put(b);
	free(out);
}

static void test_listen(void **state)
{
	char host[64], port[8];

	assert_int_equal(http_parse_listen("127.0.0.1:9567", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "9567");
	assert_int_equal(http_parse_listen("[::1]:80", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "80");
	assert_int_equal(http_parse_listen("9100", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(http_parse_listen(":9100", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "");
	assert_int_equal(http_parse_listen("localhost:0", host, sizeof(host), port, sizeof(port)), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(http_parse_listen("::1:80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("[::1]80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("[]:80", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:65536", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("a:8x", host, sizeof(host), port, sizeof(port)), -1);
	assert_int_equal(http_parse_listen("", host, sizeof(host), port, sizeof(port)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_encoding),
		cmocka_unit_test(test_list_next),
		cmocka_unit_test(test_gzip_body),
		cmocka_unit_test(test_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

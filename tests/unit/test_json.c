// SPDX-License-Identifier: GPL-2.0
/*
 * lib/json.c's layouts: the block and inline styles of exitgen's report
 * (docs/exitgen.md) and the compact style of exittop's lines, nested as the
 * programs nest them; null for what has no value. The escaping of strings
 * is tested in test_output.c (json_string), the programs' exact objects in
 * test_output.c and test_check.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "json.h"

struct out {
	char *buf;
	size_t len;
	FILE *f;
	struct json j;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->f = open_memstream(&o->buf, &o->len);
	assert_non_null(o->f);
	json_init(&o->j, o->f);
}

static void out_check(struct out *o, const char *want)
{
	assert_int_equal(fclose(o->f), 0);
	assert_string_equal(o->buf, want);
	free(o->buf);
}

/* The shape of exitgen's report: a block with inline members and block arrays. */
static void test_block_and_inline(void **state)
{
	struct out o;
	struct json *j = &o.j;

	out_open(&o);
	json_obj(j, NULL, JSON_BLOCK);
	json_u64(j, "pid", 1234);
	json_obj(j, "config", JSON_INLINE);
	json_u64(j, "vcpus", 2);
	json_str(j, "hlt_wake", "irq");
	json_end(j);
	json_arr(j, "vcpus", JSON_BLOCK);
	json_obj(j, NULL, JSON_BLOCK);
	json_u64(j, "index", 0);
	json_arr(j, "hist", JSON_INLINE);
	json_u64(j, NULL, 1);
	json_obj(j, NULL, JSON_BLOCK);	/* inside an inline one: inline */
	json_bool(j, "x", true);
	json_end(j);
	json_end(j);
	json_end(j);
	json_end(j);
	json_obj(j, "empty", JSON_BLOCK);
	json_end(j);
	json_null(j, "vm_stats");
	json_double(j, "rate", 1761.75);
	json_double(j, "inf", INFINITY);
	json_end(j);
	out_check(&o,
		"{\n"
		"  \"pid\": 1234,\n"
		"  \"config\": {\"vcpus\": 2, \"hlt_wake\": \"irq\"},\n"
		"  \"vcpus\": [\n"
		"    {\n"
		"      \"index\": 0,\n"
		"      \"hist\": [1, {\"x\": true}]\n"
		"    }\n"
		"  ],\n"
		"  \"empty\": {},\n"
		"  \"vm_stats\": null,\n"
		"  \"rate\": 1761.75,\n"
		"  \"inf\": null\n"
		"}\n");
}

/* exittop's one line per object: no spaces, even in nested containers. */
static void test_compact(void **state)
{
	struct out o;
	struct json *j = &o.j;

	out_open(&o);
	json_obj(j, NULL, JSON_COMPACT);
	json_u64(j, "seq", 7);
	json_fixed(j, "time", 1.5, 3);
	json_fixed(j, "nan", NAN, 1);
	json_arr(j, "rows", JSON_BLOCK);	/* inside a compact one: compact */
	json_obj(j, NULL, JSON_INLINE);
	json_i64(j, "diff", -3);
	json_u64_or_null(j, "a", false, 1);
	json_u64_or_null(j, "b", true, UINT64_MAX);
	json_i64_or_null(j, "c", false, -1);
	json_fixed_or_null(j, "d", true, 2.0 / 3, 2);
	json_fixed_or_null(j, "e", false, 1, 2);
	json_end(j);
	json_arr(j, NULL, JSON_COMPACT);
	json_end(j);
	json_end(j);
	json_str(j, "k\"ey", "v\n");
	json_end(j);
	out_check(&o,
		"{\"seq\":7,\"time\":1.500,\"nan\":null,\"rows\":[{\"diff\":-3,\"a\":null,"
		"\"b\":18446744073709551615,\"c\":null,\"d\":0.67,\"e\":null},[]],"
		"\"k\\\"ey\":\"v\\n\"}\n");
}

/* Consecutive top-level values each end their own line (exittop's -n N). */
static void test_lines(void **state)
{
	struct out o;
	struct json *j = &o.j;

	out_open(&o);
	for (int i = 0; i < 2; i++) {
		json_obj(j, NULL, JSON_COMPACT);
		json_u64(j, "seq", i);
		json_end(j);
	}
	out_check(&o, "{\"seq\":0}\n{\"seq\":1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_and_inline),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

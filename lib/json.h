/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer of exittop (--json, --check --json) and exitgen.
 *
 * A streaming writer: open a container, write members, close it. Each
 * container has a style that fixes its layout:
 *   JSON_BLOCK    one member per line, indented two spaces a level,
 *                 `"key": value` (exitgen's report);
 *   JSON_INLINE   all on one line, `"key": value, "key": value`
 *                 (short arrays and objects inside a block);
 *   JSON_COMPACT  all on one line, no spaces: `"key":value,"key":value`
 *                 (exittop's one object per line).
 * A container is never looser than the one holding it: a block opened
 * inside an inline container is written inline. Closing the outermost
 * container ends the line.
 *
 * Strings are escaped strictly (json_string): the short escapes, other
 * control characters and DEL as \u00XX, and every byte that does not start
 * a valid UTF-8 sequence as \ufffd: names come from guests and /proc and
 * the output must stay valid JSON whatever they hold. JSON has no NaN or
 * infinity: a non-finite number is written as null.
 *
 * The outermost value is a container: from its opening to its json_end()
 * the writer holds the FILE's lock (flockfile) and writes without taking
 * it per call, so every container opened must be closed.
 */
#ifndef EXITTOP_JSON_H
#define EXITTOP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

enum json_style {
	JSON_BLOCK,	/* ordered loosest first: see json_open() */
	JSON_INLINE,
	JSON_COMPACT,
};

struct json {
	FILE *f;
	int depth;
	char close[JSON_MAX_DEPTH];	/* '}' or ']' */
	bool first[JSON_MAX_DEPTH];	/* no member written yet */
	unsigned char style[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);

/* key is NULL for an array element (and for the outermost value). */
void json_obj(struct json *j, const char *key, enum json_style style);
void json_arr(struct json *j, const char *key, enum json_style style);
void json_end(struct json *j);

void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* "%.6g" */
void json_double(struct json *j, const char *key, double v);
/* "%.<prec>f": the fixed decimals of rates, percentages, averages. */
void json_fixed(struct json *j, const char *key, double v, int prec);

/* The value, or null when !have (a figure that could not be read). */
void json_u64_or_null(struct json *j, const char *key, bool have, uint64_t v);
void json_i64_or_null(struct json *j, const char *key, bool have, int64_t v);
void json_fixed_or_null(struct json *j, const char *key, bool have, double v, int prec);

/* A JSON string literal with its quotes, escaped as above; NULL is "". */
void json_string(FILE *f, const char *s);

#endif

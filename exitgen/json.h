/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer. Containers are either "block" (one member
 * per line, indented) or "inline" (all on one line); inline ones nested in
 * block ones keep big arrays at one line per element.
 */
#ifndef EXITGEN_JSON_H
#define EXITGEN_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	char close[JSON_MAX_DEPTH];	/* '}' or ']' */
	char first[JSON_MAX_DEPTH];	/* no member written yet */
	char inl[JSON_MAX_DEPTH];	/* inline container */
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays. */
void json_obj(struct json *j, const char *key, int inl);
void json_arr(struct json *j, const char *key, int inl);
void json_end(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, int v);
void json_double(struct json *j, const char *key, double v);
void json_null(struct json *j, const char *key);

#endif

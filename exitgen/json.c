// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = 1;
	j->inl[0] = 0;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Separator, newline/indent and key before a value at the current level. */
static void member(struct json *j, const char *key)
{
	int d = j->depth;

	if (d > 0) {
		if (!j->first[d])
			fputc(',', j->f);
		if (j->inl[d]) {
			if (!j->first[d])
				fputc(' ', j->f);
		} else {
			fprintf(j->f, "\n%*s", 2 * d, "");
		}
	}
	j->first[d] = 0;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_container(struct json *j, const char *key, int inl,
			   char open, char close)
{
	member(j, key);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		abort();
	fputc(open, j->f);
	j->depth++;
	j->close[j->depth] = close;
	j->first[j->depth] = 1;
	j->inl[j->depth] = inl || j->inl[j->depth - 1];
}

void json_obj(struct json *j, const char *key, int inl)
{
	open_container(j, key, inl, '{', '}');
}

void json_arr(struct json *j, const char *key, int inl)
{
	open_container(j, key, inl, '[', ']');
}

void json_end(struct json *j)
{
	int d = j->depth;

	if (!j->inl[d] && !j->first[d])
		fprintf(j->f, "\n%*s", 2 * (d - 1), "");
	fputc(j->close[d], j->f);
	j->depth--;
	if (!j->depth)
		fputc('\n', j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	put_string(j->f, s);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_double(struct json *j, const char *key, double v)
{
	member(j, key);
	fprintf(j->f, "%.6g", v);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

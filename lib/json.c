// SPDX-License-Identifier: GPL-2.0
/* The JSON writer of json.h: layout by container style, strict escaping. */
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "text.h"

/* Bytes written as they are: printable ASCII but the quote and the backslash. */
static size_t plain_run(const unsigned char *s)
{
	size_t n = 0;

	while (s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"' && s[n] != '\\')
		n++;
	return n;
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	putc_unlocked('"', f);
	while (*s) {
		size_t run = plain_run(s);
		int n;

		if (run) {	/* the common case, in one write */
			fwrite_unlocked(s, 1, run, f);
			s += run;
			continue;
		}
		switch (*s) {
		case '"': fputs_unlocked("\\\"", f); s++; continue;
		case '\\': fputs_unlocked("\\\\", f); s++; continue;
		case '\b': fputs_unlocked("\\b", f); s++; continue;
		case '\f': fputs_unlocked("\\f", f); s++; continue;
		case '\n': fputs_unlocked("\\n", f); s++; continue;
		case '\r': fputs_unlocked("\\r", f); s++; continue;
		case '\t': fputs_unlocked("\\t", f); s++; continue;
		default: break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			/* A process can put any byte in its cmdline; keep the output valid JSON. */
			fputs_unlocked("\\ufffd", f);
			s++;
			continue;
		}
		fwrite_unlocked(s, 1, n, f);
		s += n;
	}
	putc_unlocked('"', f);
}

void json_string(FILE *f, const char *s)
{
	flockfile(f);
	put_string(f, s);
	funlockfile(f);
}

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->style[0] = JSON_BLOCK;
}

/* Separator, newline and indent, and key before a value at the current level. */
static void member(struct json *j, const char *key)
{
	int d = j->depth;

	if (d > 0) {
		if (!j->first[d])
			putc_unlocked(',', j->f);
		if (j->style[d] == JSON_BLOCK)
			fprintf(j->f, "\n%*s", 2 * d, "");
		else if (j->style[d] == JSON_INLINE && !j->first[d])
			putc_unlocked(' ', j->f);
	}
	j->first[d] = false;
	if (!key)
		return;
	put_string(j->f, key);
	fputs_unlocked(j->style[d] == JSON_COMPACT ? ":" : ": ", j->f);
}

static void json_open(struct json *j, const char *key, enum json_style style,
		      char open, char close)
{
	if (!j->depth)
		flockfile(j->f);	/* held until the outermost json_end() */
	member(j, key);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		abort();	/* a fixed schema nests far less: a bug, not input */
	putc_unlocked(open, j->f);
	j->depth++;
	j->close[j->depth] = close;
	j->first[j->depth] = true;
	/* never looser than the parent (the outermost level counts as a block) */
	j->style[j->depth] = style > j->style[j->depth - 1] ? style : j->style[j->depth - 1];
}

void json_obj(struct json *j, const char *key, enum json_style style)
{
	json_open(j, key, style, '{', '}');
}

void json_arr(struct json *j, const char *key, enum json_style style)
{
	json_open(j, key, style, '[', ']');
}

void json_end(struct json *j)
{
	int d = j->depth;

	if (j->style[d] == JSON_BLOCK && !j->first[d])
		fprintf(j->f, "\n%*s", 2 * (d - 1), "");
	putc_unlocked(j->close[d], j->f);
	j->depth--;
	if (!j->depth) {
		putc_unlocked('\n', j->f);
		funlockfile(j->f);
	}
}

/*
 * Integers are most of what exittop writes (a dozen per row, every
 * interval): converted here, they cost a fraction of an fprintf().
 */
static void put_u64(FILE *f, bool neg, uint64_t v)
{
	char buf[21], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	put_u64(j->f, false, v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	/* the magnitude in unsigned arithmetic: INT64_MIN has no positive twin */
	put_u64(j->f, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	member(j, key);
	put_string(j->f, s);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs_unlocked(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs_unlocked("null", j->f);
}

void json_double(struct json *j, const char *key, double v)
{
	if (!isfinite(v)) {
		json_null(j, key);
		return;
	}
	member(j, key);
	fprintf(j->f, "%.6g", v);
}

void json_fixed(struct json *j, const char *key, double v, int prec)
{
	if (!isfinite(v)) {
		json_null(j, key);
		return;
	}
	member(j, key);
	fprintf(j->f, "%.*f", prec, v);
}

void json_u64_or_null(struct json *j, const char *key, bool have, uint64_t v)
{
	if (have)
		json_u64(j, key, v);
	else
		json_null(j, key);
}

void json_i64_or_null(struct json *j, const char *key, bool have, int64_t v)
{
	if (have)
		json_i64(j, key, v);
	else
		json_null(j, key);
}

void json_fixed_or_null(struct json *j, const char *key, bool have, double v, int prec)
{
	if (have)
		json_fixed(j, key, v, prec);
	else
		json_null(j, key);
}

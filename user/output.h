/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batch outputs (text table, JSON lines, CSV) and the formatting helpers
 * the terminal UI shares with them. Every writer takes a FILE: exittop
 * writes one interval into a memory stream and copies it to stdout only
 * when complete, so an error never leaves half a record behind.
 */
#ifndef EXITTOP_OUTPUT_H
#define EXITTOP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "view.h"

struct out_ctx {
	const char *host;		/* uname nodename */
	const char *kernel;		/* uname release */
	double wall_s;			/* CLOCK_REALTIME of the snapshot, seconds */
	uint64_t seq;			/* interval number, from 1 */
	const struct view_filter *filter;	/* may be NULL */
	enum view_mode mode;		/* text: grouping */
	enum sort_key sort;		/* text: order */
	bool reverse;
	const char *hist;		/* reason whose histogram to add, or NULL */
	bool header_done;		/* csv: header written (set by output_csv) */
	struct view *view;		/* text: built again each interval, its arrays
					 * kept (NULL: a view of its own per call) */
};

int output_text(FILE *f, const struct out_ctx *c, const struct snapshot *s);
int output_json(FILE *f, const struct out_ctx *c, const struct snapshot *s);
int output_csv(FILE *f, struct out_ctx *c, const struct snapshot *s);

/*
 * CSV field, quoted (RFC 4180) when it holds a comma, quote, CR or LF.
 * Names are untrusted: control characters and invalid UTF-8 become '?',
 * and a leading = + - @ gets a ' so that spreadsheets do not run it.
 */
void csv_field(FILE *f, const char *s);

/* Latency in human units: "850ns", "12.3us", "4.56ms", "1.20s"; "-" if none. */
const char *fmt_ns(double ns, bool measured, char *buf, size_t len);

/* Counts and rates in at most 'width' chars: 1234567 -> "1234567" or "1.23M". */
const char *fmt_count(double v, int width, bool integer, char *buf, size_t len);

/*
 * Table lines shared by the text output and the terminal UI. keyw is the
 * width of the first (key) column: OUT_KEY_WIDTH in text output, what the
 * terminal leaves beside the OUT_FIXED_WIDTH of the figures on screen.
 * The header marks the sort column when mark is true.
 */
#define OUT_LINE_MAX 256
#define OUT_KEY_WIDTH 26	/* text output */
#define OUT_KEY_MIN 17		/* 80 columns */
#define OUT_KEY_MAX 32
#define OUT_FIXED_WIDTH 63	/* the columns after the key, with their spaces */
void fmt_table_header(char *buf, size_t len, enum view_mode m, int keyw,
		      enum sort_key sort, bool reverse, bool mark);
void fmt_table_row(char *buf, size_t len, enum view_mode m, int keyw, const struct view_row *r);
/* A row's figures after a key text of its own (--drill's detail rows). */
void fmt_table_line(char *buf, size_t len, int keyw, const char *key, const struct view_row *r);
/* Start column and width of a sort column in the header, for highlighting. */
void fmt_column_span(enum view_mode m, enum sort_key k, int keyw, int *start, int *width);

/* Text of one histogram bar line: "  1us -   2us |#####    | 1234  12.3%". */
void fmt_hist_line(char *buf, size_t len, int slot, uint64_t n, uint64_t total,
		   uint64_t peak, int barwidth);

/* One aggregate's latency keys (docs/json-schema.md): of the interval
 * (total 0) or since attach (1); time_pct is the share of lat_all. */
struct json;
void output_json_lat(struct json *j, int total, const struct agg *a, uint64_t lat_all);

/* --attrib: the attr_ keys of a split (total: the total_attr_ ones) */
void output_json_attr(struct json *j, int total, const struct attr_agg *a);
/* A log2 histogram as a JSON array of EXITS_HIST_SLOTS counts. */
void output_json_hist(struct json *j, const char *key, const struct agg *a);

/*
 * --drill (drill_out.c): the detail rows under one reason row. Text: the
 * view row's details merged over the VMs and vCPUs the filter passes,
 * most exits first. JSON: the "detail" array of a snapshot row. CSV: the
 * rows after a snapshot row (csv_figures writes the figure columns).
 */
int drill_text(FILE *f, const struct out_ctx *c, const struct snapshot *s,
	       const struct view_row *vr);
void drill_json(struct json *j, const struct out_ctx *c, const struct snapshot *s,
		const struct stat_row *r);
/* --attrib's columns on a detail line: its split, delta then total */
void csv_attr_cols(FILE *f, const struct snapshot *s, const struct attr_agg *d,
		   const struct attr_agg *t);
void drill_csv(FILE *f, const struct out_ctx *c, const struct snapshot *s,
	       const struct stat_row *r);
/*
 * The detail lines under view row vr (its reason), merged over the rows f
 * passes, most exits first: the text table's and the screen's. Figures of
 * the last interval, or since start (cumulative); pct and time_pct are
 * shares of vr. *out is malloc'ed (free it), NULL and 0 when vr's reason
 * is not drilled. 0 or -ENOMEM.
 */
struct drill_line {
	struct detail_key key;	/* pid and vcpu 0 */
	char label[64];
	struct view_row row;
};
int drill_lines(const struct snapshot *s, const struct view_filter *f,
		const struct view_row *vr, bool cumulative,
		struct drill_line **out, size_t *n);
void csv_row_key(FILE *f, const struct out_ctx *c, const struct snapshot *s,
		 const struct stat_row *r);	/* time .. reason_name, and a comma */
void csv_figures(FILE *f, const struct agg *d, const struct agg *t, double interval_s,
		 uint64_t lat_all);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A view groups the rows of a snapshot for display: per exit reason,
 * per VM or per vCPU, after the user's filters, sorted. The text output
 * and the terminal UI both render a view; JSON and CSV use the rows of
 * the snapshot directly (filtered the same way).
 */
#ifndef EXITTOP_VIEW_H
#define EXITTOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "reasons.h"

enum view_mode {
	VIEW_REASON,
	VIEW_VM,
	VIEW_VCPU,
	VIEW_MODES,
};

/* Columns a view can be sorted by; the order is the column order on screen. */
enum sort_key {
	SORT_KEY,	/* the group itself: reason name, pid, (pid, vcpu) */
	SORT_COUNT,	/* exits (rate and % sort the same way) */
	SORT_AVG,
	SORT_P50,
	SORT_P99,
	SORT_MAX,
	SORT_TIME,	/* share of exit-to-entry time */
	SORT_KEYS,
};

struct view_filter {
	const uint32_t *pids;	/* only these VMM pids; none: all */
	size_t npids;
	bool has_vcpu;
	uint32_t vcpu;
	const char *reason;	/* name (any case) or code (decimal, 0x hex); NULL: all */
	/*
	 * Show only rows with exits in the last interval (--active, key i),
	 * as top hides idle tasks. It decides what is shown, not what is
	 * counted: totals, shares and the VM and vCPU counts still take every
	 * row, so view_filter_row() does not look at it.
	 */
	bool active;
};

struct view_row {
	/* The group: which fields mean something depends on the mode. */
	uint32_t pid;		/* VIEW_VM, VIEW_VCPU */
	uint32_t vcpu;		/* VIEW_VCPU */
	uint32_t reason;	/* VIEW_REASON */
	uint8_t isa;		/* VIEW_REASON */
	const char *name;	/* VIEW_VM, VIEW_VCPU: guest name, "" if unknown */
	bool alive;		/* false: the VMM process has exited (VIEW_VM, VIEW_VCPU) */
	uint32_t nkeys;		/* snapshot rows merged into this one */
	bool shown;		/* --active: a row of it is (view_row_shown) */

	struct agg total;	/* only in a cumulative view: zero otherwise */
	struct agg delta;
	struct attr_agg attr_total;	/* --attrib (zero without), cumulative only */
	struct attr_agg attr_delta;

	/* Derived from delta, or from total when the view is cumulative. */
	uint64_t count;
	uint64_t lat_count;	/* exits with a measured latency: 0 shows "-" */
	double rate;		/* per second, always over the last interval */
	double pct;		/* share of the view's exits, 0..100 */
	double avg_ns;
	uint64_t p50_ns;
	uint64_t p99_ns;
	uint64_t max_ns;
	double time_pct;	/* share of the view's summed latency, 0..100 */
	struct attr_agg attr;	/* attr_delta, or attr_total when cumulative */
};

/* view_build's index of the (isa, reason) groups: view row index or -1; at most half full, grown with the groups (not the rows) */
struct reason_index {
	int32_t *slot;
	size_t cap;		/* a power of two */
};

struct view {
	enum view_mode mode;
	bool cumulative;	/* figures since start instead of last interval */
	struct view_row *rows;
	size_t nrows;
	size_t cap;
	struct view_row sum;	/* all rows merged (its key fields are 0) */
	size_t nvms;		/* distinct VMs in the (filtered) rows */
	size_t nvcpus;		/* distinct (pid, vcpu) in the (filtered) rows */
	bool attrib;		/* the snapshot has attribution figures */
	double interval_s;
	/* view_build's scratch, kept between builds: a refresh allocates nothing */
	struct reason_index gidx;
	const struct stat_row **sel;	/* the rows the filter lets through */
	size_t sel_cap;
};

/* The reason's name, or its code in hex when unknown. Returns buf. */
const char *reason_label(uint8_t isa, uint32_t code, char *buf, size_t len);

const char *isa_name(uint8_t isa);	/* "vmx", "svm" or "unknown" */

/*
 * Is a row (or a --drill detail) with these interval figures shown under
 * f's active flag: exits, or latencies, in the last interval?
 */
bool view_shown(const struct view_filter *f, const struct agg *delta);

/*
 * Is snapshot row r of s shown under f's active flag: it, or one of its
 * --drill details, has exits or latencies in the interval. Details are
 * read just before the exit counters (drill_collect.h), so the details of
 * exits between the two reads come one interval after their exits: the
 * row is shown then too, or they would never be.
 */
bool view_row_shown(const struct view_filter *f, const struct snapshot *s,
		    const struct stat_row *r);

/* Does the filter text name this reason? (Name in any case, or number; see reason_parse.) */
bool reason_matches(const char *filter, uint8_t isa, uint32_t code);

bool view_filter_row(const struct view_filter *f, const struct stat_row *r);

/*
 * Rebuild v from s: group by mode, keep what passes f (may be NULL),
 * derive the figures, sort by key (descending for figures, ascending
 * for the key column; reversed when reverse). Returns 0 or -ENOMEM
 * (v keeps its previous rows then).
 */
int view_build(struct view *v, const struct snapshot *s, enum view_mode mode,
	       bool cumulative, const struct view_filter *f,
	       enum sort_key key, bool reverse);

void view_free(struct view *v);

/*
 * The snapshot rows passing f, ordered by (pid, vcpu, isa, reason): what
 * JSON and CSV print. *out is malloc'ed (free it); returns 0 or -ENOMEM.
 */
int view_select(const struct snapshot *s, const struct view_filter *f,
		const struct stat_row ***out, size_t *n);

/* Merged histogram (of delta, or total when cumulative) of the rows matching f. */
void view_hist(const struct snapshot *s, const struct view_filter *f,
	       bool cumulative, struct agg *out);

const char *view_mode_name(enum view_mode m);	/* "reason", "vm", "vcpu" */
int view_mode_parse(const char *s, enum view_mode *m);
const char *sort_key_name(enum sort_key k);	/* as -s takes it */
int sort_key_parse(const char *s, enum sort_key *k);

/* VM of a snapshot by pid, NULL if unknown. */
const struct vm_info *snapshot_vm(const struct snapshot *s, uint32_t pid);

/*
 * Name of VM pid as s lists it, NULL if s does not list it. hint (may be
 * NULL) keeps the index of the VM last found: callers walking rows in pid
 * order find each VM without a search.
 */
const char *snapshot_vm_name(const struct snapshot *s, uint32_t pid, size_t *hint);

#endif

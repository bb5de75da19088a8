/* SPDX-License-Identifier: GPL-2.0 */
/* Loads and attaches the BPF programs and turns their maps into snapshots. */
#ifndef EXITTOP_COLLECT_H
#define EXITTOP_COLLECT_H

#include "model.h"
#include "tpmode.h"

struct collector;
struct drill_set;

#define COLLECT_DEF_KEYS	16384

struct collect_opts {
	const uint32_t *pids;	/* trace only these VMM pids; NULL: all */
	size_t npids;
	bool verbose;		/* libbpf debug output on stderr */
	enum tp_mode tp_mode;	/* which tracepoint programs (tpmode.h) */
	uint32_t max_keys;	/* counter slots in the kernel; 0: COLLECT_DEF_KEYS */
	/*
	 * expire: the rows of a VM that ended leave the snapshots expire_s
	 * after the read that found it ended (0: right after that read's
	 * snapshot); else they stay until collector_reset().
	 */
	bool expire;
	double expire_s;
	bool attrib;		/* latency attribution from the start (--attrib) */
	/* --drill: detail programs for these reasons (drill.h); NULL: none loaded */
	const struct drill_set *drill;
	uint32_t drill_keys;	/* entries of the details map; 0: DETAIL_DEF_KEYS */
};

/*
 * Load and attach. On failure returns a negative errno and writes a
 * one-line explanation for the user into err (not root, no KVM
 * tracepoints, no BTF, ...).
 */
int collector_open(struct collector **c, const struct collect_opts *o,
		   char *err, size_t errlen);

/* Read the maps into s (which the collector owns until the next poll). */
int collector_poll(struct collector *c, struct snapshot *s);

/* Forget the cumulative figures and the ended VMs: totals restart from zero. */
void collector_reset(struct collector *c);

void collector_close(struct collector *c);

/*
 * Latency attribution (user/attribmaps.c): load and attach its programs
 * now, if not yet; rows carry attr_* from the next poll on. 0 or -errno
 * with one line for the user in err; counting goes on either way.
 */
int collector_attrib_enable(struct collector *c, char *err, size_t errlen);
bool collector_attrib_on(const struct collector *c);

/* "btf" or "classic": the tracepoint programs that were loaded */
const char *collector_tracepoints(const struct collector *c);
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Command line of exittop: parsed once, read-only afterwards. */
#ifndef EXITTOP_ARGS_H
#define EXITTOP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drill.h"
#include "tpmode.h"
#include "view.h"

/* The Makefile passes the version from debian/changelog (the one source). */
#ifndef EXITTOP_VERSION
#define EXITTOP_VERSION	"unknown"
#endif
#define ARGS_MAX_PIDS	64
#define ARGS_REASON_LEN	48
#define ARGS_MIN_KEYS	64	/* --keys */
#define ARGS_MAX_KEYS	1048576
#define ARGS_MIN_DRILL_KEYS	64	/* --drill-keys */
#define ARGS_MAX_DRILL_TOP	1000	/* --drill-top */
#define ARGS_MAX_DRILL_KEYS	1048576

enum out_format {
	OUT_AUTO,	/* interactive on a terminal, text otherwise */
	OUT_TEXT,
	OUT_JSON,
	OUT_CSV,
};

struct args {
	bool batch;		/* -b, or stdout is not a terminal */
	bool verbose;
	enum tp_mode tp_mode;	/* --tracepoints */
	uint32_t keys;		/* --keys; 0: the default */
	double delay_s;		/* -d */
	uint64_t iterations;	/* -n; 0: until interrupted */
	enum out_format format;
	uint32_t pids[ARGS_MAX_PIDS];
	size_t npids;
	bool has_vcpu;
	uint32_t vcpu;
	char reason[ARGS_REASON_LEN];	/* --reason, "" if none */
	char hist[ARGS_REASON_LEN];	/* --hist, "" if none */
	enum view_mode view;
	enum sort_key sort;
	bool sort_set;		/* -s given: keep it across view changes */
	bool attrib;		/* --attrib: latency attribution columns */
	bool active;		/* -i, --active: only rows with exits in the interval */

	/* Exporter mode (export.h): --listen and what only it takes. */
	char listen[128];	/* ADDR:PORT; "" when not exporting */
	double export_interval_s;	/* --interval (or -d); 0: default */
	double expire_s;	/* --expire; < 0: not given */
	bool no_histograms;
	bool bpf_stats;
	const char *web_config;	/* --web-config FILE (in argv); NULL: plain HTTP */
	bool delay_set;		/* -d given */

	/* Check mode (check.h): BPF figures beside KVM's own, per VM. */
	bool check;		/* --check */
	bool view_set;		/* --view given */

	/* --drill: detail rows under these reasons (drill.h); n == 0: none */
	struct drill_set drill;
	uint32_t drill_keys;	/* --drill-keys; 0: the default */
	unsigned int drill_top;	/* --drill-top (exporter); 0: the default */
};

/* What the caller of args_parse does next. */
enum {
	ARGS_OK = 0,		/* run */
	ARGS_EXIT_OK = 1,	/* --help, --usage or --version was printed: exit 0 */
	ARGS_EXIT_USAGE = 2,	/* bad arguments, already reported on err: exit 2 */
};

/*
 * Parse argv into a (defaults first). Never exits the process, so that
 * tests can call it: help goes to out, diagnostics and usage to err.
 */
int args_parse(struct args *a, int argc, char **argv, FILE *out, FILE *err);

void args_defaults(struct args *a);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Command line parsing with argp, in the style of bcc's libbpf-tools.
 * argp exits by itself on --help and on errors (with status 64); exittop
 * promises status 2 for bad usage and tests want to see the result
 * without losing the process, so we parse with ARGP_NO_EXIT and provide
 * --help/--usage/--version ourselves.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "httpd.h"
#include "parse.h"


enum {
	OPT_JSON = 0x100,
	OPT_CSV,
	OPT_VCPU,
	OPT_REASON,
	OPT_VIEW,
	OPT_HIST,
	OPT_USAGE,
	OPT_LISTEN,
	OPT_INTERVAL,
	OPT_EXPIRE,
	OPT_NO_HIST,
	OPT_BPF_STATS,
	OPT_WEB_CONFIG,
	OPT_CHECK,
	OPT_TRACEPOINTS,
	OPT_KEYS,
	OPT_ATTRIB,
	OPT_DRILL,
	OPT_DRILL_KEYS,
	OPT_DRILL_TOP,
};

static const char doc[] =
"Show which KVM exits guests take, how often and what each costs.\n"
"\n"
"exittop traces the kvm_exit and kvm_entry tracepoints with BPF and shows,\n"
"per exit reason (or per VM, or per vCPU), the number of exits and the\n"
"latency from each exit to the next entry of the same vCPU. Needs root.\n"
"\n"
"Interactive on a terminal; batch (a text table per interval, or --json,\n"
"or --csv) with -b or when stdout is not a terminal.\n"
"\n"
"EXAMPLES:\n"
"    exittop                      # live, like top\n"
"    exittop -b -d 2 -n 5         # five text tables, two seconds apart\n"
"    exittop --json -n 10 -p 1234 # JSON lines for one QEMU process\n"
"    exittop --view vcpu --reason cpuid\n"
"    exittop --hist EPT_VIOLATION # latency histogram of one reason\n"
"    exittop --attrib -b -n 3     # where each reason's latency went\n"
"    exittop -b --drill io,msr,npf # which ports, MSRs, guest pages\n"
"\n"
"SORT KEYS (-s): key (the reason, VM or vCPU), count (also rate, pct), avg,\n"
"p50, p99, max, time (share of exit-to-entry time). Default: count.\n"
"\n"
"OPTIONS:"
"\v"
"INTERACTIVE KEYS: h/?/F1 help, v cycle view (reason, vm, vcpu, histogram),\n"
"Enter histogram of the selected reason (with --drill, of a drilled one: its\n"
"details), </> or F6 sort column, I invert,\n"
"/ or f filter (pid:N, vcpu:N, reason), i active rows only, p/space pause,\n"
"r reset, c cumulative,\n"
"a latency attribution columns (loads its programs on first use),\n"
"+/- refresh faster/slower, q quit.\n"
"\n"
"EXIT STATUS: 0 done, 1 error (e.g. cannot load BPF), 2 bad usage,\n"
"3 (--check) a count differs from KVM's own.\n"
"Output formats: docs/usage.md and docs/json-schema.md.";

static const struct argp_option options[] = {
	{ "batch", 'b', NULL, 0, "Batch mode: no screen handling, one report per interval", 0 },
	{ "delay", 'd', "SECONDS", 0, "Interval between updates (default 1; 0.1 to 3600)", 0 },
	{ "iterations", 'n', "COUNT", 0, "Stop after COUNT updates (default: until interrupted)", 0 },
	{ "json", OPT_JSON, NULL, 0, "Batch output as JSON lines, one object per interval (see docs/json-schema.md)", 0 },
	{ "csv", OPT_CSV, NULL, 0, "Batch output as CSV, header once, one row per (pid, vcpu, reason) per interval", 0 },
	{ "pid", 'p', "PID", 0, "Trace only this VMM process (repeat or comma-separate for several)", 0 },
	{ "vcpu", OPT_VCPU, "N", 0, "Show only vCPU N (the vcpu_id of the tracepoints)", 0 },
	{ "reason", OPT_REASON, "NAME|CODE", 0, "Show only this exit reason: a name (any case, e.g. cpuid, EPT_VIOLATION) or a code (10, 0x72)", 0 },
	{ "view", OPT_VIEW, "MODE", 0, "Group rows by reason (default), vm or vcpu", 0 },
	{ "active", 'i', NULL, 0, "Show only rows with exits in the last interval, as top hides idle tasks "
	  "(the screen: key i); totals and shares still count every row", 0 },
	{ "hist", OPT_HIST, "REASON", 0, "Latency histogram (log2 buckets) of one exit reason", 0 },
	{ "sort", 's', "SORTKEY", 0, "Sort column: key, count, avg, p50, p99, max, time", 0 },
	{ "verbose", 'v', NULL, 0, "Verbose debug output (libbpf) on stderr", 0 },
	{ "tracepoints", OPT_TRACEPOINTS, "MODE", 0, "Programs to attach: auto (default: btf where the kernel allows), btf (raw arguments, cheapest), classic (tracepoint records)", 0 },
	{ "keys", OPT_KEYS, "N", 0, "Counter slots in the kernel, one per (VM, vCPU, reason) seen (default 16384; "
	  "64 to 1048576, 296 bytes each); exits of keys beyond them are counted as dropped", 0 },
	{ "attrib", OPT_ATTRIB, NULL, 0, "Latency attribution: split each exit's latency into time in KVM, "
	  "in the VMM (user space), waiting for a CPU and blocked (halted); extra columns and JSON/CSV keys. "
	  "Loads more BPF programs (sched_switch, sched_wakeup, ...): off, exits cost the same as without", 0 },
	{ "drill", OPT_DRILL, "REASON[,...]", 0, "Detail rows under these reasons (batch text, --json, --csv; --listen: exittop_detail_* series; "
	  "interactive: Enter on the reason): "
	  "I/O by port, MSR by index, NPF/EPT/MMIO by guest page, CPUID by leaf, hypercalls by number. "
	  "Groups io, msr, npf (or mmio), cpuid, hypercall, or reason names (IOIO, RDMSR, EPT_VIOLATION, ...)", 0 },
	{ "drill-keys", OPT_DRILL_KEYS, "N", 0, "Detail slots in the kernel, one per (VM, vCPU, reason, detail) seen "
	  "(default 8192; 64 to 1048576); details beyond them are counted as dropped", 0 },
	{ NULL, 0, NULL, 0, "Exporter mode (Prometheus/OpenMetrics on GET /metrics, see exittop(8)):", 1 },
	{ "drill-top", OPT_DRILL_TOP, "N", 0, "With --drill: details with their own series per VM and reason "
	  "(default 10; 1 to 1000), the first seen, largest first; the rest summed in detail=\"other\"", 1 },
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0, "Serve metrics over HTTP instead of showing them (PORT alone: 127.0.0.1; :PORT: all addresses)", 1 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0, "How often the BPF maps are read (default 1; 0.1 to 3600)", 1 },
	{ "expire", OPT_EXPIRE, "SECONDS", 0, "How long the rows (exporter: series) of an ended VM stay after the "
	  "refresh that found it ended (default 300; 0: that refresh only); also without --listen", 1 },
	{ "no-histograms", OPT_NO_HIST, NULL, 0, "Export counters only, no latency histograms", 1 },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0, "Enable and export the kernel's BPF run-time statistics (CAP_SYS_ADMIN)", 1 },
	{ "web-config", OPT_WEB_CONFIG, "FILE", 0, "TLS and basic authentication, in the Prometheus exporters' web configuration format (see docs/exporter.md)", 1 },
	{ NULL, 0, NULL, 0, "Check mode (see docs/check.md):", 2 },
	{ "check", OPT_CHECK, NULL, 0, "Compare the BPF counts and latencies per VM and reason with KVM's own "
	  "debugfs figures (exits statistic; per-reason counts and cycles with the exittop kernel patch); "
	  "takes -d, -n, --json, -p; exit status 3 when a count differs", 2 },
	{ NULL, 0, NULL, 0, "Other:", -1 },
	{ "version", 'V', NULL, 0, "Print the version and exit", -1 },
	{ "help", '?', NULL, 0, "Give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ 0 },
};

struct parse_ctx {
	struct args *a;
	FILE *out;
	bool exit_ok;
};

static const struct argp argp_def;

void args_defaults(struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->delay_s = 1.0;
	a->format = OUT_AUTO;
	a->view = VIEW_REASON;
	a->sort = SORT_COUNT;
	a->expire_s = -1;
}

static int parse_seconds(struct argp_state *st, const char *arg, const char *opt,
			 double min, double max, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(d) || d < min || d > max) {
		argp_error(st, "invalid %s: '%s' (seconds, %g to %g)", opt, arg, min, max);
		return EINVAL;
	}
	*out = d;
	return 0;
}

/* Options that only make sense in one of the two modes. */
static int check_modes(struct argp_state *st, const struct args *a)
{
	bool exp_only = a->export_interval_s > 0 || a->no_histograms || a->bpf_stats ||
			a->web_config;

	if ((a->drill.n || a->drill_keys) && a->check) {
		argp_error(st, "--drill is for the batch outputs, the screen and --listen: "
			   "not with --check");
		return EINVAL;
	}
	if (a->drill_top && (!a->drill.n || !a->listen[0])) {
		argp_error(st, "--drill-top is for the exporter: it needs --listen and --drill");
		return EINVAL;
	}
	if (a->drill_keys && !a->drill.n) {
		argp_error(st, "--drill-keys needs --drill");
		return EINVAL;
	}
	if (a->check) {
		if (a->listen[0] || exp_only) {
			argp_error(st, "--check and --listen (or its options) exclude each other");
			return EINVAL;
		}
		if (a->format == OUT_CSV || a->has_vcpu || a->reason[0] || a->hist[0] ||
		    a->sort_set || a->view_set || a->expire_s >= 0 || a->attrib || a->active) {
			argp_error(st, "--check compares whole VMs: it takes none of "
				   "--csv, --vcpu, --reason, --hist, --view, -s, --expire, --attrib, --active "
				   "(only -d, -n, --json, -p, -b)");
			return EINVAL;
		}
		return 0;
	}
	if (!a->listen[0]) {
		if (exp_only) {
			argp_error(st, "--interval, --no-histograms, --bpf-stats and "
				   "--web-config need --listen");
			return EINVAL;
		}
		return 0;
	}
	if (a->batch || a->format != OUT_AUTO || a->iterations || a->has_vcpu ||
	    a->reason[0] || a->hist[0] || a->sort_set || a->attrib || a->active) {
		argp_error(st, "--listen exports everything it traces: it takes none of "
			   "-b, -n, --json, --csv, --vcpu, --reason, --hist, -s, --attrib, --active (only -p)");
		return EINVAL;
	}
	if (a->delay_set && a->export_interval_s > 0) {
		argp_error(st, "-d and --interval are the same thing: give one");
		return EINVAL;
	}
	return 0;
}

/* After a named choice was parsed (err from its parser): mark it given, or say what is valid. */
static int choice_done(struct argp_state *st, int err, bool *given, const char *what,
		       const char *arg, const char *valid)
{
	if (err) {
		argp_error(st, "invalid %s: '%s' (%s)", what, arg, valid);
		return EINVAL;
	}
	*given = true;
	return 0;
}

static int add_pids(struct argp_state *st, struct args *a, const char *arg)
{
	char buf[256], *rest = buf, *tok;

	if (strlen(arg) >= sizeof(buf)) {
		argp_error(st, "pid list too long: '%.32s...'", arg);
		return EINVAL;
	}
	strcpy(buf, arg);
	/* strsep, not strtok: "1,,2" has an empty item, which is an error. */
	while ((tok = strsep(&rest, ","))) {
		uint64_t v;

		if (parse_u64(tok, INT_MAX, &v) || v == 0) {
			argp_error(st, "invalid pid: '%s'", tok);
			return EINVAL;
		}
		if (a->npids == ARGS_MAX_PIDS) {
			argp_error(st, "too many pids (at most %d)", ARGS_MAX_PIDS);
			return EINVAL;
		}
		a->pids[a->npids++] = v;
	}
	return 0;
}

static int copy_reason(struct argp_state *st, char *dst, const char *arg, const char *opt)
{
	uint32_t code;

	if (!*arg) {
		argp_error(st, "%s: empty reason", opt);
		return EINVAL;
	}
	if (strlen(arg) >= ARGS_REASON_LEN) {
		argp_error(st, "%s: reason too long: '%.32s...'", opt, arg);
		return EINVAL;
	}
	/* The ISA is known only once exits are seen: a name of either will do. */
	if (reason_parse(EXITS_ISA_VMX, arg, &code) && reason_parse(EXITS_ISA_SVM, arg, &code)) {
		argp_error(st, "%s: unknown exit reason '%s' (a VMX or SVM name, or a code)", opt, arg);
		return EINVAL;
	}
	strcpy(dst, arg);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct parse_ctx *ctx = st->input;
	struct args *a = ctx->a;
	uint64_t v;

	switch (key) {
	case 'b':
		a->batch = true;
		break;
	case 'i':
		a->active = true;
		break;
	case 'd':
		if (parse_seconds(st, arg, "delay", 0.1, 3600, &a->delay_s))
			return EINVAL;
		a->delay_set = true;
		break;
	case OPT_LISTEN: {
		char host[128], port[8];

		/* the syntax here, before anything is loaded; binding in export_open */
		if (!*arg || strlen(arg) >= sizeof(a->listen) ||
		    http_parse_listen(arg, host, sizeof(host), port, sizeof(port))) {
			argp_error(st, "invalid --listen address: '%.64s' (ADDR:PORT, [IPV6]:PORT, "
				   ":PORT or PORT)", arg);
			return EINVAL;
		}
		strcpy(a->listen, arg);
		break;
	}
	case OPT_WEB_CONFIG:
		if (!*arg) {
			argp_error(st, "--web-config needs a file name");
			return EINVAL;
		}
		a->web_config = arg;
		break;
	case OPT_INTERVAL:
		return parse_seconds(st, arg, "interval", 0.1, 3600, &a->export_interval_s);
	case OPT_EXPIRE:
		return parse_seconds(st, arg, "expire", 0, 30 * 86400, &a->expire_s);
	case OPT_NO_HIST:
		a->no_histograms = true;
		break;
	case OPT_BPF_STATS:
		a->bpf_stats = true;
		break;
	case OPT_CHECK:
		a->check = true;
		break;
	case OPT_ATTRIB:
		a->attrib = true;
		break;
	case OPT_TRACEPOINTS:
		if (tp_mode_parse(arg, &a->tp_mode)) {
			argp_error(st, "invalid tracepoints mode: '%.32s' (auto, btf or classic)", arg);
			return EINVAL;
		}
		break;
	case OPT_KEYS:
		if (parse_u64(arg, ARGS_MAX_KEYS, &v) || v < ARGS_MIN_KEYS) {
			argp_error(st, "invalid --keys: '%.32s' (%u to %u)", arg, ARGS_MIN_KEYS, ARGS_MAX_KEYS);
			return EINVAL;
		}
		a->keys = (uint32_t)v;
		break;
	case OPT_DRILL: {
		char why[512];

		if (drill_parse(arg, &a->drill, why, sizeof(why))) {
			argp_error(st, "%s", why);
			return EINVAL;
		}
		break;
	}
	case OPT_DRILL_KEYS:
		if (parse_u64(arg, ARGS_MAX_DRILL_KEYS, &v) || v < ARGS_MIN_DRILL_KEYS) {
			argp_error(st, "invalid --drill-keys: '%.32s' (%u to %u)", arg,
				   ARGS_MIN_DRILL_KEYS, ARGS_MAX_DRILL_KEYS);
			return EINVAL;
		}
		a->drill_keys = (uint32_t)v;
		break;
	case OPT_DRILL_TOP:
		if (parse_u64(arg, ARGS_MAX_DRILL_TOP, &v) || v < 1) {
			argp_error(st, "invalid --drill-top: '%.32s' (1 to %u)", arg, ARGS_MAX_DRILL_TOP);
			return EINVAL;
		}
		a->drill_top = (unsigned int)v;
		break;
	case ARGP_KEY_END:
		return check_modes(st, a);
	case 'n':
		if (parse_u64(arg, UINT32_MAX, &v) || v == 0) {
			argp_error(st, "invalid count: '%s' (a positive number)", arg);
			return EINVAL;
		}
		a->iterations = v;
		break;
	case OPT_JSON:
	case OPT_CSV: {
		enum out_format f = key == OPT_JSON ? OUT_JSON : OUT_CSV;

		if (a->format != OUT_AUTO && a->format != f) {
			argp_error(st, "--json and --csv exclude each other");
			return EINVAL;
		}
		a->format = f;
		break;
	}
	case 'p':
		return add_pids(st, a, arg);
	case OPT_VCPU:
		if (parse_u64(arg, UINT32_MAX, &v)) {
			argp_error(st, "invalid vcpu: '%s'", arg);
			return EINVAL;
		}
		a->has_vcpu = true;
		a->vcpu = v;
		break;
	case OPT_REASON:
		return copy_reason(st, a->reason, arg, "--reason");
	case OPT_HIST:
		return copy_reason(st, a->hist, arg, "--hist");
	case OPT_VIEW:
		return choice_done(st, view_mode_parse(arg, &a->view), &a->view_set,
				   "view", arg, "reason, vm or vcpu");
	case 's':
		return choice_done(st, sort_key_parse(arg, &a->sort), &a->sort_set,
				   "sort key", arg, "key, count, avg, p50, p99, max, time");
	case 'v':
		a->verbose = true;
		break;
	case 'V':
		fprintf(ctx->out, "exittop %s\n", EXITTOP_VERSION);
		ctx->exit_ok = true;
		break;
	case '?':
		argp_state_help(st, ctx->out, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK);
		ctx->exit_ok = true;
		break;
	case OPT_USAGE:
		argp_state_help(st, ctx->out, ARGP_HELP_USAGE);
		ctx->exit_ok = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(st, "unexpected argument: '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp_def = {
	.options = options,
	.parser = parse_opt,
	.doc = doc,
};

int args_parse(struct args *a, int argc, char **argv, FILE *out, FILE *err)
{
	struct parse_ctx ctx = { .a = a, .out = out };
	FILE *saved_err = stderr;
	int ret;

	args_defaults(a);
	/*
	 * argp writes its diagnostics (and getopt's) to stderr; point stderr
	 * at err for the duration so tests can capture them.
	 */
	stderr = err;
	ret = argp_parse(&argp_def, argc, argv, ARGP_NO_EXIT | ARGP_NO_HELP, NULL, &ctx);
	stderr = saved_err;
	if (ret) {
		argp_help(&argp_def, err, ARGP_HELP_USAGE, "exittop");
		return ARGS_EXIT_USAGE;
	}
	return ctx.exit_ok ? ARGS_EXIT_OK : ARGS_OK;
}

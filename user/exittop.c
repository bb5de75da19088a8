// SPDX-License-Identifier: GPL-2.0
/*
 * exittop: a top for KVM exits. main() only wires the parts together:
 * arguments, the collector, and then the interactive screen, the batch
 * loop that prints one report per interval, or the exporter (--listen).
 *
 * Exit status: 0 done, 1 runtime error, 2 bad usage, 3 --check found a
 * count difference.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "stopsig.h"
#include "check.h"
#include "collect.h"
#include "export.h"
#include "output.h"
#include "ui.h"

static volatile sig_atomic_t *stop;

/*
 * One interval into memory first, then to stdout in one go: a failure
 * while formatting never leaves half a record for a parser to choke on.
 */
static int emit(const struct args *a, struct out_ctx *oc, const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int err;

	if (!m)
		return -errno;
	switch (a->format) {
	case OUT_JSON:
		err = output_json(m, oc, s);
		break;
	case OUT_CSV:
		err = output_csv(m, oc, s);
		break;
	default:
		err = output_text(m, oc, s);
		break;
	}
	if (fclose(m) && !err)
		err = -EIO;
	if (!err && (fwrite(buf, 1, len, stdout) != len || fflush(stdout)))
		err = errno == EPIPE ? -EPIPE : -EIO;
	free(buf);
	return err;
}

static int run_batch(struct collector *c, const struct args *a, const struct ui_host *h)
{
	struct view_filter f = {
		.pids = a->pids, .npids = a->npids,
		.has_vcpu = a->has_vcpu, .vcpu = a->vcpu,
		.reason = a->reason[0] ? a->reason : NULL,
		.active = a->active,
	};
	struct view tv = { 0 };	/* the text table's, kept: a refresh reuses its arrays */
	struct out_ctx oc = {
		.host = h->host, .kernel = h->kernel, .filter = &f,
		.mode = a->view, .sort = a->sort,
		.hist = a->hist[0] ? a->hist : NULL, .view = &tv,
	};
	struct snapshot s = { 0 };
	int err, ret = 0;

	for (uint64_t i = 1; !a->iterations || i <= a->iterations; i++) {
		clock_sleep_or_stop(a->delay_s, stop);
		/*
		 * Interrupted: report the partial interval (its interval_s
		 * says how long it was), then stop.
		 */
		err = collector_poll(c, &s);
		if (err) {
			if (s.notice)
				fprintf(stderr, "exittop: %s\n", s.notice);
			else
				fprintf(stderr, "exittop: reading the BPF maps: %s\n", strerror(-err));
			ret = 1;
			break;
		}
		if (s.notice)
			fprintf(stderr, "exittop: %s\n", s.notice);
		oc.seq = i;
		oc.wall_s = clock_realtime_s();
		err = emit(a, &oc, &s);
		if (err == -EPIPE)
			break;	/* the reader has gone: nothing left to do */
		if (err) {
			fprintf(stderr, "exittop: writing output: %s\n", strerror(-err));
			ret = 1;
			break;
		}
		if (*stop)
			break;
	}
	view_free(&tv);
	return ret;
}

int main(int argc, char **argv)
{
	struct collect_opts co = { 0 };
	struct export_opts eo = { 0 };
	struct exporter *x = NULL;
	struct collector *c = NULL;
	struct utsname un;
	struct ui_host h;
	struct args a;
	char err[256] = "";
	int ret;

	ret = args_parse(&a, argc, argv, stdout, stderr);
	if (ret == ARGS_EXIT_OK)
		return 0;
	if (ret)
		return 2;
	/* The screen needs a terminal to draw on and one to read keys from. */
	if (a.format == OUT_AUTO)
		a.format = (a.batch || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) ?
			   OUT_TEXT : OUT_AUTO;
	if (a.format != OUT_AUTO && !a.listen[0])
		a.batch = true;

	if (uname(&un)) {
		perror("exittop: uname");
		return 1;
	}
	h.host = un.nodename;
	h.kernel = un.release;

	/*
	 * Exporter: read --web-config and bind first, so that a bad file or
	 * address is reported before anything is loaded into the kernel.
	 */
	if (a.listen[0]) {
		eo.listen = a.listen;
		eo.interval_s = a.export_interval_s > 0 ? a.export_interval_s :
				a.delay_set ? a.delay_s : 0;
		/* export_opts: 0 means the default, < 0 means none */
		eo.grace_s = a.expire_s < 0 ? 0 : a.expire_s == 0 ? -1 : a.expire_s;
		eo.no_histograms = a.no_histograms;
		eo.bpf_stats = a.bpf_stats;
		eo.web_config = a.web_config;
		eo.drill = a.drill.n > 0;
		eo.drill_top = a.drill_top;
		eo.version = EXITTOP_VERSION;
		/* export_open reports its own errors on stderr */
		if (export_open(&x, &eo) < 0)
			return 1;
	}

	/*
	 * Not root: collector_open checks the capabilities before it loads
	 * anything and says what is missing, so we do not guess here.
	 */
	/*
	 * exittop runs for weeks: big buffers (snapshots, JSON lines) are
	 * always mapped and unmapped, instead of staying in the heap once
	 * glibc's dynamic mmap threshold has risen past them (the exporter
	 * sets the same in export_open for its bodies).
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	stop = stopsig_install(NULL);
	co.pids = a.pids;
	co.npids = a.npids;
	co.verbose = a.verbose;
	co.tp_mode = a.tp_mode;
	co.max_keys = a.keys;
	co.attrib = a.attrib;
	/* the rows of ended VMs leave after --expire, so churn never grows exittop */
	co.expire = !a.check;
	co.expire_s = a.expire_s >= 0 ? a.expire_s : EXPORT_DEFAULT_GRACE_S;
	co.drill = a.drill.n ? &a.drill : NULL;
	co.drill_keys = a.drill_keys;
	ret = collector_open(&c, &co, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "exittop: %s\n", err[0] ? err : strerror(-ret));
		export_close(x);
		return 1;
	}

	if (a.listen[0]) {
		eo.stop = stop;		/* read by export_serve only */
		ret = export_serve(x, c) < 0 ? 1 : 0;
		export_close(x);
	} else if (a.check) {
		struct check_opts ko = {
			.pids = a.pids, .npids = a.npids,
			.delay_s = a.delay_s, .iterations = a.iterations,
			.json = a.format == OUT_JSON,
			.host = h.host, .kernel = h.kernel, .stop = stop,
		};

		ret = check_run(c, &ko);
	} else if (a.batch) {
		ret = run_batch(c, &a, &h);
	} else {
		ret = ui_run(c, &a, &h, stop);
	}
	collector_close(c);
	return ret;
}

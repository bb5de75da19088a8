// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver of the exporter (user/export.c) without exittop's main():
 *
 *   export-driver [--fake] [--listen ADDR:PORT] [--interval S] [--grace S]
 *                 [--duration S] [--no-hist] [--bpf-stats] [-p PID]... [--rows N]
 *                 [--web-config FILE]
 *
 * Default: the real collector (collector_open + export_run), as
 * `exittop --listen` will do. --fake: a synthetic source (no BPF, any
 * user): VM 1001 "web-1" with 2 vCPUs, VM 1002 whose name needs escaping
 * (quote, backslash, newline, invalid UTF-8), VM 1003 ending after the 3rd
 * poll; counts grow by a known amount per poll (CPUID: 10 per poll and vCPU).
 * --rows N adds N rows (50 per VM, pids from 2000) for size and speed tests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "export.h"

struct fake {
	unsigned polls;
	struct stat_row *rows;
	struct vm_info *vms;
	size_t nvms;
	int reset_calls;
	size_t extra;		/* --rows N: N more rows, 50 per extra VM */
};

static void fake_row(struct stat_row *r, uint32_t pid, uint32_t vcpu, uint32_t reason,
		     uint64_t n, int slot)
{
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->vcpu = vcpu;
	r->reason = reason;
	r->isa = EXITS_ISA_SVM;
	r->delta.count = n;
	r->delta.lat_count = n;
	r->delta.hist[slot] = n;
	r->delta.lat_sum_ns = n * (UINT64_C(3) << slot) / 2;
	r->delta.lat_max_ns = (UINT64_C(2) << slot) - 1;
	r->total = r->delta;	/* the exporter uses only the deltas */
}

static int fake_poll(void *ctx, struct snapshot *s)
{
	struct fake *f = ctx;
	size_t n = 0;

	f->polls++;
	memset(s, 0, sizeof(*s));
	f->nvms = 0;
	f->vms[f->nvms++] = (struct vm_info){ .pid = 1001, .name = "web-1", .alive = true };
	f->vms[f->nvms++] = (struct vm_info){ .pid = 1002, .alive = true };
	snprintf(f->vms[1].name, sizeof(f->vms[1].name), "evil\"vm\\\nname\xff");
	fake_row(&f->rows[n++], 1001, 0, 0x72, 10, 10);		/* CPUID */
	fake_row(&f->rows[n++], 1001, 1, 0x72, 10, 11);
	fake_row(&f->rows[n++], 1001, 1, 0x7b, 3, 14);		/* IOIO */
	fake_row(&f->rows[n++], 1002, 0, 0x400, 5, 20);		/* NPF */
	fake_row(&f->rows[n++], 1002, 0, 0x12345, 1, 31);	/* undefined, open slot */
	if (f->polls <= 4 && (f->polls <= 3 || !f->reset_calls)) {
		/* 1003 runs for 3 polls; the 4th finds it gone (final read) */
		f->vms[f->nvms++] = (struct vm_info){ .pid = 1003, .name = "short",
						      .alive = f->polls <= 3 };
		fake_row(&f->rows[n++], 1003, 0, 0x78, f->polls <= 3 ? 7 : 1, 8);	/* HLT */
	}
	for (size_t i = 0; i < f->extra; i++) {
		uint32_t pid = 2000 + (uint32_t)(i / 50);

		if (i % 50 == 0) {
			f->vms[f->nvms] = (struct vm_info){ .pid = pid, .alive = true };
			snprintf(f->vms[f->nvms].name, sizeof(f->vms[0].name), "bulk-%u", pid);
			f->nvms++;
		}
		fake_row(&f->rows[n++], pid, (uint32_t)(i % 50) / 10, 0x60 + (uint32_t)(i % 10),
			 i % 7 + 1, 6 + (int)(i % 13));
	}
	s->rows = f->rows;
	s->nrows = n;
	s->vms = f->vms;
	s->nvms = f->nvms;
	s->dropped_delta = 1;
	s->dropped_total = f->polls;
	s->isa = EXITS_ISA_SVM;
	s->interval_s = 1;
	return 0;
}

static void fake_reset(void *ctx)
{
	((struct fake *)ctx)->reset_calls++;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fake", no_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "grace", required_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 'd' },
		{ "no-hist", no_argument, NULL, 'H' },
		{ "bpf-stats", no_argument, NULL, 'B' },
		{ "pid", required_argument, NULL, 'p' },
		{ "rows", required_argument, NULL, 'r' },
		{ "web-config", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_opts o;
	struct collect_opts co;
	uint32_t pids[64];
	size_t npids = 0;
	int fake = 0, c, ret;
	size_t extra = 0;

	memset(&o, 0, sizeof(o));
	o.version = "test";
	while ((c = getopt_long(argc, argv, "p:", lo, NULL)) != -1) {
		switch (c) {
		case 'f': fake = 1; break;
		case 'l': o.listen = optarg; break;
		case 'i': o.interval_s = atof(optarg); break;
		case 'g': o.grace_s = atof(optarg); break;
		case 'd': o.duration_s = atof(optarg); break;
		case 'H': o.no_histograms = true; break;
		case 'B': o.bpf_stats = true; break;
		case 'r': extra = strtoul(optarg, NULL, 10); break;
		case 'w': o.web_config = optarg; break;
		case 'p':
			if (npids < 64)
				pids[npids++] = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: export-driver [--fake] [--listen A:P] [--interval S] "
				"[--grace S] [--duration S] [--no-hist] [--bpf-stats] [-p PID] [--rows N] "
				"[--web-config FILE]\n");
			return 2;
		}
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (fake) {
		struct fake f;
		struct export_source src = { fake_poll, fake_reset, &f };

		memset(&f, 0, sizeof(f));
		f.extra = extra;
		f.rows = calloc(16 + extra, sizeof(*f.rows));
		f.vms = calloc(3 + extra / 50 + 1, sizeof(*f.vms));
		if (!f.rows || !f.vms)
			return 1;
		ret = export_run_source(&src, &o);
		free(f.rows);
		free(f.vms);
	} else {
		struct collector *col;
		char err[256];

		memset(&co, 0, sizeof(co));
		co.pids = npids ? pids : NULL;
		co.npids = npids;
		ret = collector_open(&col, &co, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "export-driver: %s\n", err);
			return 1;
		}
		ret = export_run(col, &o);
		collector_close(col);
	}
	return ret ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * exittop --check, the loop: every delay, read the kernel figures of each
 * VM, then the BPF maps, then the kernel figures again; compare
 * (check_compare.c) and print (check_output.c). Design: docs/check.md.
 *
 * A busy VM (the two kernel reads differ), or a quiet one that differs, is
 * read again a few times before a difference is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "collect.h"
#include "view.h"
#include "vminfo.h"

#define CHECK_TRIES		10	/* kernel-BPF-kernel reads until nothing moved */
#define CHECK_RETRY_NS		20000000L
#define CHECK_MAX_VMS		1024

/* Now, in the clock ticks of /proc/PID/stat's start time (since boot). */
static uint64_t boot_ticks(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &ts);
	if (hz <= 0)
		hz = 100;
	return (uint64_t)ts.tv_sec * (uint64_t)hz + (uint64_t)ts.tv_nsec / (1000000000ULL / (uint64_t)hz);
}

struct base {
	uint32_t pid;
	struct kvmdfs_vm k;
};

struct check_state {
	const struct check_opts *o;
	struct collector *c;
	uint64_t start_ticks;
	double khz;
	struct base *base;
	size_t nbase;
	uint32_t *pids;
	struct kvmdfs_vm *k1, *k2;
	int *r1, *r2;
	struct check_vm *vms;
	bool *done;
};

static bool wanted(const struct check_opts *o, uint32_t pid)
{
	size_t i;

	if (pid == (uint32_t)getpid())
		return false;	/* our scratch VM for KVM_GET_TSC_KHZ */
	if (!o->npids)
		return true;
	for (i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

static const struct kvmdfs_vm *base_of(const struct check_state *st, uint32_t pid)
{
	size_t i;

	for (i = 0; i < st->nbase; i++)
		if (st->base[i].pid == pid)
			return &st->base[i].k;
	return NULL;
}

/* The name BPF saw for pid, else the one /proc gives now. */
static void vm_name(const struct snapshot *s, uint32_t pid, char *buf, size_t len)
{
	const char *name = snapshot_vm_name(s, pid, NULL);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		vminfo_name(pid, buf, len);
}

/* One check of all VMs: returns how many, or -errno; *gone: BPF-only VMs already ended. */
static int check_once(struct check_state *st, size_t *nout, size_t *gone, char *err, size_t errlen)
{
	const struct check_opts *o = st->o;
	uint32_t all[CHECK_MAX_VMS];
	struct snapshot s;
	size_t n = 0, i, j, left;
	int np, tries, ret;
	static const struct kvmdfs_vm empty;

	for (tries = 0; tries < CHECK_TRIES; tries++) {
		np = kvmdfs_list_pids(KVMDFS_ROOT "/kvm", all, CHECK_MAX_VMS);
		if (np < 0) {
			snprintf(err, errlen, "reading " KVMDFS_ROOT "/kvm: %s", strerror(-np));
			return np;
		}
		if (tries == 0) {
			n = 0;
			for (i = 0; i < (size_t)np; i++)
				if (wanted(o, all[i]))
					st->pids[n++] = all[i];
			memset(st->done, 0, CHECK_MAX_VMS * sizeof(*st->done));
		}
		for (i = 0; i < n; i++)
			if (!st->done[i])
				st->r1[i] = kvmdfs_read_vm(KVMDFS_ROOT "/kvm", st->pids[i], &st->k1[i],
							   st->vms[i].note, sizeof(st->vms[i].note));
		ret = collector_poll(st->c, &s);
		if (ret) {
			if (s.notice)
				snprintf(err, errlen, "%s", s.notice);
			else
				snprintf(err, errlen, "reading the BPF maps: %s", strerror(-ret));
			return ret;
		}
		if (s.notice)
			fprintf(stderr, "exittop: %s\n", s.notice);
		/* VMs that BPF saw and debugfs did not list (first try only) */
		if (tries == 0) {
			*gone = 0;
			for (i = 0; i < s.nvms; i++) {
				uint32_t pid = s.vms[i].pid;

				for (j = 0; j < n && st->pids[j] != pid; j++)
					;
				if (j < n || !wanted(o, pid))
					continue;
				if (!s.vms[i].alive) {
					(*gone)++;
					continue;
				}
				if (n == CHECK_MAX_VMS)
					break;
				st->pids[n] = pid;
				st->done[n] = false;
				/* a kernel read after the BPF read would not bound it: not checked now */
				st->r1[n] = -ENOENT;
				snprintf(st->vms[n].note, sizeof(st->vms[n].note),
					 "not in " KVMDFS_ROOT "/kvm when the check began");
				n++;
			}
		}
		left = 0;
		for (i = 0; i < n; i++) {
			struct check_vm *v = &st->vms[i];
			char note[sizeof(v->note)] = "";
			uint64_t started;
			bool ok;

			if (st->done[i])
				continue;
			st->r2[i] = st->r1[i] ? st->r1[i] :
				    kvmdfs_read_vm(KVMDFS_ROOT "/kvm", st->pids[i], &st->k2[i],
						   note, sizeof(note));
			v->pid = st->pids[i];
			vm_name(&s, v->pid, v->name, sizeof(v->name));
			started = vminfo_starttime(v->pid);
			v->partial = started && started <= st->start_ticks;
			ok = !st->r1[i] && !st->r2[i];
			if (!ok && note[0])
				snprintf(v->note, sizeof(v->note), "%s", note);
			else if (!ok && !v->note[0])
				snprintf(v->note, sizeof(v->note), "no kernel figures: %s",
					 (st->r1[i] ? st->r1[i] : st->r2[i]) == -ENOENT ?
					 "no VM directory in " KVMDFS_ROOT "/kvm (the VM has ended?)" :
					 strerror(-(st->r1[i] ? st->r1[i] : st->r2[i])));
			else if (ok)
				v->note[0] = '\0';
			check_compare(v, s.rows, s.nrows, ok ? &st->k1[i] : NULL,
				      ok ? &st->k2[i] : NULL,
				      v->partial ? (base_of(st, v->pid) ? base_of(st, v->pid) : &empty) : NULL,
				      st->khz);
			/*
			 * Settled, or no figures. A stable reading that differs is
			 * read again too: a vCPU thread preempted between KVM's
			 * counter and the tracepoint (SVM 6.1 counts `exits` first,
			 * and our own wake-up is what preempts it) stays "in
			 * flight" across both reads; after 20 ms it has moved on.
			 */
			if (!ok || (v->stable && !v->flagged))
				st->done[i] = true;
			else
				left++;
		}
		if (!left)
			break;
		{
			struct timespec ts = { 0, CHECK_RETRY_NS };

			nanosleep(&ts, NULL);
		}
	}
	*nout = n;
	return 0;
}

int check_run(struct collector *c, const struct check_opts *o)
{
	struct check_state st = { .o = o, .c = c };
	char err[256] = "", src[160];
	uint32_t pids[CHECK_MAX_VMS];
	double khz = 0;
	int ret = 0, np, status = 0;
	size_t i;

	if (kvmdfs_ensure_mounted(err, sizeof(err))) {
		fprintf(stderr, "exittop: %s\n", err);
		return 1;
	}
	st.start_ticks = boot_ticks();
	st.pids = calloc(CHECK_MAX_VMS, sizeof(*st.pids));
	st.k1 = calloc(CHECK_MAX_VMS, sizeof(*st.k1));
	st.k2 = calloc(CHECK_MAX_VMS, sizeof(*st.k2));
	st.r1 = calloc(CHECK_MAX_VMS, sizeof(*st.r1));
	st.r2 = calloc(CHECK_MAX_VMS, sizeof(*st.r2));
	st.vms = calloc(CHECK_MAX_VMS, sizeof(*st.vms));
	st.done = calloc(CHECK_MAX_VMS, sizeof(*st.done));
	if (!st.pids || !st.k1 || !st.k2 || !st.r1 || !st.r2 || !st.vms || !st.done) {
		fprintf(stderr, "exittop: out of memory\n");
		status = 1;
		goto out;
	}
	/* Figures of the VMs already running: a partial VM is compared by deltas. */
	np = kvmdfs_list_pids(KVMDFS_ROOT "/kvm", pids, CHECK_MAX_VMS);
	if (np > 0) {
		st.base = calloc((size_t)np, sizeof(*st.base));
		if (!st.base) {
			fprintf(stderr, "exittop: out of memory\n");
			status = 1;
			goto out;
		}
		for (i = 0; i < (size_t)np; i++) {
			st.base[st.nbase].pid = pids[i];
			if (!kvmdfs_read_vm(KVMDFS_ROOT "/kvm", pids[i], &st.base[st.nbase].k, err,
					    sizeof(err)))
				st.nbase++;
		}
	}

	/* after the baseline: the scratch VM takes a while to create */
	check_tsc_khz(&khz, src, sizeof(src));
	st.khz = khz;

	for (uint64_t it = 1; !o->iterations || it <= o->iterations; it++) {
		struct check_report rp = {
			.host = o->host, .kernel = o->kernel, .seq = it,
			.tsc_khz = khz, .tsc_source = src,
		};
		char *buf = NULL;
		size_t len = 0, n = 0;
		FILE *m;

		clock_sleep_or_stop(o->delay_s, o->stop);
		ret = check_once(&st, &n, &rp.gone, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "exittop: %s\n", err);
			status = 1;
			goto out;
		}
		for (i = 0; i < n; i++)
			if (st.vms[i].fails)
				status = CHECK_EXIT_DIFF;
		rp.vms = st.vms;
		rp.nvms = n;
		rp.wall_s = clock_realtime_s();
		m = open_memstream(&buf, &len);
		if (!m) {
			status = 1;
			goto out;
		}
		ret = o->json ? check_output_json(m, &rp) : check_output_text(m, &rp);
		if (!o->json && (!o->iterations || it < o->iterations))
			fputc('\n', m);
		if (fclose(m) && !ret)
			ret = -EIO;
		if (!ret && (fwrite(buf, 1, len, stdout) != len || fflush(stdout)))
			ret = errno == EPIPE ? -EPIPE : -EIO;
		free(buf);
		if (ret == -EPIPE)
			break;
		if (ret) {
			fprintf(stderr, "exittop: writing output: %s\n", strerror(-ret));
			status = 1;
			goto out;
		}
		if (*o->stop)
			break;
	}
out:
	free(st.pids);
	free(st.k1);
	free(st.k2);
	free(st.r1);
	free(st.r2);
	free(st.vms);
	free(st.done);
	free(st.base);
	return status;
}

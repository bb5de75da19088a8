// SPDX-License-Identifier: GPL-2.0
/*
 * exittop --check: BPF figures beside KVM's own (debugfs), per VM and exit
 * reason; differences flagged. Design and the rules: docs/check.md.
 *
 * Consistency of one check: the kernel figures are read, then the BPF
 * maps, then the kernel figures again. KVM counts an exit right after the
 * kvm_exit tracepoint (the patch's hook, and `exits` later still), so the
 * BPF count lies between the two kernel reads: a count outside
 * [before, after] is a difference. When both reads are equal (nothing
 * moved) the comparison is exact; a busy VM, or a quiet one that differs,
 * is read again a few times before a difference is reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "collect.h"
#include "output.h"
#include "reasons.h"
#include "stats.h"
#include "text.h"
#include "vminfo.h"

#define CHECK_TRIES		10	/* kernel-BPF-kernel reads until nothing moved */
#define CHECK_RETRY_NS		20000000L
#define CHECK_MAX_VMS		1024

/* ---- comparison (pure) ---- */

static struct check_reason *reason_slot(struct check_vm *v, uint32_t reason, bool other)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->r[i].other == other && (other || v->r[i].reason == reason))
			return &v->r[i];
	if (v->n == CHECK_MAX_REASONS)
		return NULL;
	memset(&v->r[v->n], 0, sizeof(v->r[0]));
	v->r[v->n].reason = other ? 0 : reason;
	v->r[v->n].other = other;
	v->r[v->n].kern_ns = -1;
	return &v->r[v->n++];
}

/* bpf against [lo, hi]: 0 inside, else the distance with its sign. */
static int64_t outside(uint64_t bpf, uint64_t lo, uint64_t hi)
{
	if (hi < lo)
		hi = lo;
	if (bpf < lo)
		return -(int64_t)(lo - bpf);
	if (bpf > hi)
		return (int64_t)(bpf - hi);
	return 0;
}

static double cyc_ns(uint64_t cycles, double tsc_khz)
{
	return tsc_khz > 0 ? (double)cycles * 1e6 / tsc_khz : -1;
}

static int cmp_reason(const void *a, const void *b)
{
	const struct check_reason *x = a, *y = b;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

void check_compare(struct check_vm *v, const struct stat_row *rows, size_t nrows,
		   const struct kvmdfs_vm *k1in, const struct kvmdfs_vm *k2in,
		   const struct kvmdfs_vm *base, double tsc_khz)
{
	static struct kvmdfs_vm k1, k2;	/* big: not on the stack */
	bool have_k = k1in && k2in;
	size_t i;

	v->no_kernel = !have_k;
	v->patched = v->stable = v->have_exits = false;
	v->exits_flagged = v->patch_flagged = v->flagged = v->fails = false;
	v->bpf_total = v->bpf_lat_count = v->bpf_lat_sum_ns = 0;
	v->exits = v->exits_after = v->patch_total = v->patch_total_after = v->patch_cycles = 0;
	v->exits_diff = v->patch_diff = 0;
	v->patch_ns = -1;
	v->nvcpus = 0;
	v->isa = 0;
	v->n = 0;
	if (have_k) {
		k1 = *k1in;
		k2 = *k2in;
		if (base) {
			k1.exits = k1.exits > base->exits ? k1.exits - base->exits : 0;
			k2.exits = k2.exits > base->exits ? k2.exits - base->exits : 0;
			if (base->have_patch) {
				kvmdfs_stats_sub(&k1.st, &base->st);
				kvmdfs_stats_sub(&k2.st, &base->st);
			}
		}
		v->nvcpus = k1.nvcpus;
		v->isa = k1.st.isa;
		v->patched = k1.have_patch && k2.have_patch && k1.st.isa && k1.st.isa == k2.st.isa;
		v->have_exits = k1.have_exits && k2.have_exits;
		v->stable = k1.exits == k2.exits && k1.st.total_count == k2.st.total_count &&
			    k1.st.total_cycles == k2.st.total_cycles;
	}

	/* BPF: per reason, summed over vCPUs */
	for (i = 0; i < nrows; i++) {
		const struct stat_row *rw = &rows[i];
		struct check_reason *r;
		uint32_t reason = rw->reason;

		if (rw->pid != v->pid)
			continue;
		if (!v->isa)
			v->isa = rw->isa;
		if (rw->isa == EXITS_ISA_VMX)
			reason &= 0xffff;	/* the patch counts the basic reason */
		r = reason_slot(v, reason, v->patched && !kvmdfs_has_slot(v->isa, reason));
		if (!r)
			continue;
		r->bpf_count += rw->total.count;
		r->bpf_lat_count += rw->total.lat_count;
		r->bpf_lat_sum_ns += rw->total.lat_sum_ns;
		v->bpf_total += rw->total.count;
		v->bpf_lat_count += rw->total.lat_count;
		v->bpf_lat_sum_ns += rw->total.lat_sum_ns;
	}

	if (v->have_exits) {
		v->exits = k1.exits;
		v->exits_after = k2.exits;
		/*
		 * `exits` is counted in vcpu_enter_guest(): after the tracepoint
		 * on VMX and SVM 6.12, before it on SVM 6.1 (svm_handle_exit()):
		 * up to one exit per vCPU in flight either way while it moves.
		 */
		uint64_t lo = k1.exits, hi = k2.exits;

		if (!v->stable) {
			lo = lo > v->nvcpus ? lo - v->nvcpus : 0;
			hi += v->nvcpus;
		}
		v->exits_diff = outside(v->bpf_total, lo, hi);
		v->exits_flagged = v->exits_diff != 0;
	}
	if (v->patched) {
		const struct kvmdfs_reason *a, *b;
		struct check_reason *r;

		for (i = 0; i < k2.st.n; i++)	/* reasons only the kernel saw */
			if (k2.st.r[i].count || k2.st.r[i].cycles)
				reason_slot(v, k2.st.r[i].reason, false);
		if (k2.st.other_count)
			reason_slot(v, 0, true);
		for (i = 0; i < v->n; i++) {
			r = &v->r[i];
			r->have_kernel = true;
			if (r->other) {
				r->kern_count = k1.st.other_count;
				r->kern_count_after = k2.st.other_count;
				r->kern_cycles = k1.st.other_cycles;
			} else {
				a = kvmdfs_find(&k1.st, r->reason);
				b = kvmdfs_find(&k2.st, r->reason);
				r->kern_count = a ? a->count : 0;
				r->kern_count_after = b ? b->count : 0;
				r->kern_cycles = a ? a->cycles : 0;
			}
			r->kern_ns = cyc_ns(r->kern_cycles, tsc_khz);
			r->diff = outside(r->bpf_count, r->kern_count,
					  r->kern_count_after + (v->stable ? 0 : v->nvcpus));
			r->flagged = r->diff != 0;
			v->flagged |= r->flagged;
		}
		v->patch_total = k1.st.total_count;
		v->patch_total_after = k2.st.total_count;
		v->patch_cycles = k1.st.total_cycles;
		v->patch_ns = cyc_ns(k1.st.total_cycles, tsc_khz);
		v->patch_diff = outside(v->bpf_total, k1.st.total_count,
					k2.st.total_count + (v->stable ? 0 : v->nvcpus));
		v->patch_flagged = v->patch_diff != 0;
	}
	qsort(v->r, v->n, sizeof(v->r[0]), cmp_reason);
	v->flagged |= v->exits_flagged || v->patch_flagged;
	v->fails = v->flagged && !v->partial && !v->no_kernel;
}

/* ---- TSC frequency ---- */

double check_parse_tsc_log(const char *log, size_t len, bool *refined)
{
	static const char *const pats[2] = {
		"tsc: Refined TSC clocksource calibration: ",
		"tsc: Detected ",
	};
	double best[2] = { 0, 0 };
	size_t pos = 0;

	while (pos < len) {
		const char *l = log + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		char line[256];
		int k;

		pos += ll + 1;
		if (ll >= sizeof(line))
			continue;
		memcpy(line, l, ll);
		line[ll] = '\0';
		for (k = 0; k < 2; k++) {
			const char *p = strstr(line, pats[k]);
			char *end;
			double mhz;

			if (!p)
				continue;
			p += strlen(pats[k]);
			mhz = strtod(p, &end);
			if (end != p && !strncmp(end, " MHz", 4) && isfinite(mhz) && mhz > 1 &&
			    mhz < 1e6)
				best[k] = mhz;	/* the last one wins */
		}
	}
	*refined = best[0] > 0;
	return best[0] > 0 ? best[0] : best[1];
}

static int tsc_from_kvm(double *khz)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu, r;

	if (kvm < 0)
		return -errno;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	close(kvm);
	if (vm < 0)
		return -errno;
	/* a VM ioctl on 6.1 and 6.12 (KVM_CAP_VM_TSC_CONTROL): the default of new vCPUs */
	r = ioctl(vm, KVM_GET_TSC_KHZ, 0);
	if (r <= 0) {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		r = vcpu < 0 ? -1 : ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
		if (vcpu >= 0)
			close(vcpu);
	}
	close(vm);
	if (r <= 0)
		return -EIO;
	*khz = r;
	return 0;
}

int check_tsc_khz(double *khz, char *src, size_t srclen)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	bool refined;
	double mhz = 0;
	int r;

	*khz = 0;
	if (!tsc_from_kvm(khz)) {
		snprintf(src, srclen, "KVM_GET_TSC_KHZ (KVM's host TSC frequency)");
		return 0;
	}
	if (size > 0 && size <= (64 << 20)) {
		char *buf = malloc((size_t)size);

		if (buf) {
			r = klogctl(3, buf, size);	/* SYSLOG_ACTION_READ_ALL */
			if (r > 0)
				mhz = check_parse_tsc_log(buf, (size_t)r, &refined);
			free(buf);
		}
	}
	if (mhz > 0) {
		*khz = mhz * 1000;
		snprintf(src, srclen, "kernel log: %s", refined ?
			 "\"tsc: Refined TSC clocksource calibration\"" : "\"tsc: Detected ... MHz processor\"");
		return 0;
	}
	snprintf(src, srclen, "unknown (KVM_GET_TSC_KHZ failed, no tsc line in the kernel log)");
	return -ENOENT;
}

/* ---- output ---- */

static const char *isa_str(uint8_t isa)
{
	return isa == EXITS_ISA_VMX ? "vmx" : isa == EXITS_ISA_SVM ? "svm" : "-";
}

static const char *rname(const struct check_vm *v, const struct check_reason *r,
			 char *buf, size_t len)
{
	if (r->other)
		return "other";
	reason_format(v->isa, r->reason, buf, len);
	return buf;
}

static const char *vm_mode(const struct check_vm *v)
{
	return v->no_kernel ? "no-kernel" : v->partial ? "partial" : "exact";
}

static const char *vm_result(const struct check_vm *v)
{
	if (v->no_kernel)
		return "not checked";
	if (!v->flagged)
		return "ok";
	return v->partial ? "differs (partial: not failed)" : "DIFFERS";
}

static void fmt_pct(char *buf, size_t len, double bpf, double kern)
{
	if (kern > 0)
		snprintf(buf, len, "%+.2f", (bpf - kern) / kern * 100);
	else
		snprintf(buf, len, "-");
}

int check_output_text(FILE *f, const struct check_report *rp)
{
	char ts[32], a[24], b[24], c[24], d[24], e[24], p[24], nm[40], vn[64];
	time_t t = (time_t)rp->wall_s;
	struct tm tm;
	size_t i, j;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "exittop --check %s  host %s  kernel %s\n", ts, rp->host, rp->kernel);
	if (rp->tsc_khz > 0)
		fprintf(f, "tsc %.0f kHz from %s\n", rp->tsc_khz, rp->tsc_source);
	else
		fprintf(f, "tsc frequency %s: cycles not converted\n", rp->tsc_source);
	fprintf(f, "vms %zu", rp->nvms);
	if (rp->gone)
		fprintf(f, "  (and %zu traced VM%s that ended: no kernel figures left)", rp->gone,
			rp->gone == 1 ? "" : "s");
	fputc('\n', f);
	for (i = 0; i < rp->nvms; i++) {
		const struct check_vm *v = &rp->vms[i];
		char nm2[sizeof(v->note)];

		fprintf(f, "\nVM %u %s  isa %s  %s  kernel %s", v->pid,
			text_printable(vn, sizeof(vn), v->name), isa_str(v->isa),
			v->partial ? "partial (started before exittop: kernel figures are deltas since it attached)" :
			"exact (started after exittop attached)",
			v->no_kernel ? "-" : v->patched ? "exit_stats (patched)" : "exits statistic (stock)");
		if (!v->no_kernel)
			fprintf(f, "  vcpus %u%s", v->nvcpus, v->stable ? "" : "  moving");
		fputc('\n', f);
		if (v->note[0])
			fprintf(f, "  note: %s\n", text_printable(nm2, sizeof(nm2), v->note));
		fprintf(f, "  %-22s %10s %10s %7s %10s %9s %11s %9s\n", "REASON", "BPF", "KERNEL",
			"DIFF", "BPF-TIME", "BPF-AVG", "KERNEL-TIME", "TIME-DIFF%");
		for (j = 0; j < v->n; j++) {
			const struct check_reason *r = &v->r[j];

			if (r->have_kernel) {
				snprintf(a, sizeof(a), "%" PRIu64, r->kern_count);
				snprintf(b, sizeof(b), "%+" PRId64 "%s", r->diff, r->flagged ? "!" : "");
			} else {
				snprintf(a, sizeof(a), "-");
				snprintf(b, sizeof(b), "-");
			}
			fmt_ns((double)r->bpf_lat_sum_ns, r->bpf_lat_count > 0, c, sizeof(c));
			fmt_ns(r->bpf_lat_count ? (double)r->bpf_lat_sum_ns / r->bpf_lat_count : 0,
			       r->bpf_lat_count > 0, d, sizeof(d));
			fmt_ns(r->kern_ns, r->have_kernel && r->kern_ns >= 0 && r->kern_cycles, e, sizeof(e));
			if (r->have_kernel && r->kern_ns >= 0)
				fmt_pct(p, sizeof(p), (double)r->bpf_lat_sum_ns, r->kern_ns);
			else
				snprintf(p, sizeof(p), "-");
			fprintf(f, "  %-22s %10" PRIu64 " %10s %7s %10s %9s %11s %9s\n",
				rname(v, r, nm, sizeof(nm)), r->bpf_count, a, b, c, d, e, p);
		}
		fprintf(f, "  summary %u: bpf total %" PRIu64, v->pid, v->bpf_total);
		if (v->have_exits)
			fprintf(f, ", kvm exits stat %" PRIu64 " (diff %+" PRId64 "%s)", v->exits,
				v->exits_diff, v->exits_flagged ? "!" : "");
		if (v->patched) {
			fmt_ns((double)v->bpf_lat_sum_ns, true, c, sizeof(c));
			fmt_ns(v->patch_ns, v->patch_ns >= 0, e, sizeof(e));
			fmt_pct(p, sizeof(p), (double)v->bpf_lat_sum_ns, v->patch_ns);
			fprintf(f, ", exit_stats total %" PRIu64 " (diff %+" PRId64 "%s), time bpf %s kernel %s (%s%%)",
				v->patch_total, v->patch_diff, v->patch_flagged ? "!" : "", c, e, p);
		}
		fprintf(f, ": %s\n", vm_result(v));
	}
	return ferror(f) ? -EIO : 0;
}

static void json_u64_or_null(FILE *f, const char *key, bool have, uint64_t v)
{
	if (have)
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void json_i64_or_null(FILE *f, const char *key, bool have, int64_t v)
{
	if (have)
		fprintf(f, ",\"%s\":%" PRId64, key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

static void json_num_or_null(FILE *f, const char *key, bool have, double v)
{
	if (have && isfinite(v))
		fprintf(f, ",\"%s\":%.3f", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

int check_output_json(FILE *f, const struct check_report *rp)
{
	char ts[32], nm[40];
	time_t t = (time_t)rp->wall_s;
	bool diff = false, fail = false;
	struct tm tm;
	size_t i, j;

	for (i = 0; i < rp->nvms; i++) {
		diff |= rp->vms[i].flagged;
		fail |= rp->vms[i].fails;
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "{\"check\":%" PRIu64 ",\"time\":\"%s\",\"host\":", rp->seq, ts);
	json_string(f, rp->host);
	fputs(",\"kernel\":", f);
	json_string(f, rp->kernel);
	json_num_or_null(f, "tsc_khz", rp->tsc_khz > 0, rp->tsc_khz);
	fputs(",\"tsc_source\":", f);
	json_string(f, rp->tsc_source);
	fprintf(f, ",\"result\":\"%s\",\"gone\":%zu,\"vms\":[",
		fail ? "differs" : diff ? "differs-partial" : "ok", rp->gone);
	for (i = 0; i < rp->nvms; i++) {
		const struct check_vm *v = &rp->vms[i];

		fprintf(f, "%s{\"pid\":%u,\"name\":", i ? "," : "", v->pid);
		json_string(f, v->name);
		fprintf(f, ",\"isa\":\"%s\",\"mode\":\"%s\",\"kernel_source\":\"%s\",\"vcpus\":%u,"
			"\"stable\":%s,\"result\":\"%s\"",
			isa_str(v->isa), vm_mode(v),
			v->no_kernel ? "none" : v->patched ? "exit_stats" : "exits",
			v->nvcpus, v->stable ? "true" : "false",
			v->no_kernel ? "not-checked" : !v->flagged ? "ok" :
			v->partial ? "differs-partial" : "differs");
		fputs(",\"note\":", f);
		json_string(f, v->note);
		fprintf(f, ",\"bpf_total\":%" PRIu64 ",\"bpf_lat_count\":%" PRIu64
			",\"bpf_lat_sum_ns\":%" PRIu64, v->bpf_total, v->bpf_lat_count, v->bpf_lat_sum_ns);
		json_u64_or_null(f, "kvm_exits", v->have_exits, v->exits);
		json_u64_or_null(f, "kvm_exits_after", v->have_exits, v->exits_after);
		json_i64_or_null(f, "kvm_exits_diff", v->have_exits, v->exits_diff);
		json_u64_or_null(f, "patch_total", v->patched, v->patch_total);
		json_u64_or_null(f, "patch_total_after", v->patched, v->patch_total_after);
		json_i64_or_null(f, "patch_total_diff", v->patched, v->patch_diff);
		json_u64_or_null(f, "patch_cycles", v->patched, v->patch_cycles);
		json_num_or_null(f, "patch_ns", v->patched && v->patch_ns >= 0, v->patch_ns);
		fprintf(f, ",\"flagged\":%s,\"reasons\":[", v->flagged ? "true" : "false");
		for (j = 0; j < v->n; j++) {
			const struct check_reason *r = &v->r[j];

			fprintf(f, "%s{\"reason\":", j ? "," : "");
			if (r->other)
				fputs("null", f);
			else
				fprintf(f, "%u", r->reason);
			fputs(",\"reason_name\":", f);
			json_string(f, rname(v, r, nm, sizeof(nm)));
			fprintf(f, ",\"bpf_count\":%" PRIu64 ",\"bpf_lat_count\":%" PRIu64
				",\"bpf_lat_sum_ns\":%" PRIu64, r->bpf_count, r->bpf_lat_count,
				r->bpf_lat_sum_ns);
			json_num_or_null(f, "bpf_avg_ns", r->bpf_lat_count > 0,
					 r->bpf_lat_count ? (double)r->bpf_lat_sum_ns / r->bpf_lat_count : 0);
			json_u64_or_null(f, "kernel_count", r->have_kernel, r->kern_count);
			json_u64_or_null(f, "kernel_count_after", r->have_kernel, r->kern_count_after);
			json_i64_or_null(f, "diff", r->have_kernel, r->diff);
			json_u64_or_null(f, "kernel_cycles", r->have_kernel, r->kern_cycles);
			json_num_or_null(f, "kernel_ns", r->have_kernel && r->kern_ns >= 0, r->kern_ns);
			json_num_or_null(f, "time_diff_pct", r->have_kernel && r->kern_ns > 0,
					 r->kern_ns > 0 ? ((double)r->bpf_lat_sum_ns - r->kern_ns) / r->kern_ns * 100 : 0);
			fprintf(f, ",\"flagged\":%s}", r->flagged ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
	return ferror(f) ? -EIO : 0;
}

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

static const char *vm_name(const struct snapshot *s, uint32_t pid, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < s->nvms; i++)
		if (s->vms[i].pid == pid) {
			snprintf(buf, len, "%s", s->vms[i].name);
			return buf;
		}
	vminfo_name(pid, buf, len);
	return buf;
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
			snprintf(err, errlen, "reading the BPF maps: %s", strerror(-ret));
			return ret;
		}
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

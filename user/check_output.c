// SPDX-License-Identifier: GPL-2.0
/*
 * exittop --check, the report: a table per VM (text) or one JSON object
 * per check on one line (--json; schema in docs/check.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "check.h"
#include "json.h"
#include "output.h"
#include "reasons.h"
#include "text.h"

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

int check_output_json(FILE *f, const struct check_report *rp)
{
	char ts[32], nm[40];
	time_t t = (time_t)rp->wall_s;
	bool diff = false, fail = false;
	struct json js;
	struct tm tm;
	size_t i, j;

	for (i = 0; i < rp->nvms; i++) {
		diff |= rp->vms[i].flagged;
		fail |= rp->vms[i].fails;
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_init(&js, f);
	json_obj(&js, NULL, JSON_COMPACT);
	json_u64(&js, "check", rp->seq);
	json_str(&js, "time", ts);
	json_str(&js, "host", rp->host);
	json_str(&js, "kernel", rp->kernel);
	json_fixed_or_null(&js, "tsc_khz", rp->tsc_khz > 0, rp->tsc_khz, 3);
	json_str(&js, "tsc_source", rp->tsc_source);
	json_str(&js, "result", fail ? "differs" : diff ? "differs-partial" : "ok");
	json_u64(&js, "gone", rp->gone);
	json_arr(&js, "vms", JSON_COMPACT);
	for (i = 0; i < rp->nvms; i++) {
		const struct check_vm *v = &rp->vms[i];

		json_obj(&js, NULL, JSON_COMPACT);
		json_u64(&js, "pid", v->pid);
		json_str(&js, "name", v->name);
		json_str(&js, "isa", isa_str(v->isa));
		json_str(&js, "mode", vm_mode(v));
		json_str(&js, "kernel_source",
			 v->no_kernel ? "none" : v->patched ? "exit_stats" : "exits");
		json_u64(&js, "vcpus", v->nvcpus);
		json_bool(&js, "stable", v->stable);
		json_str(&js, "result", v->no_kernel ? "not-checked" : !v->flagged ? "ok" :
			 v->partial ? "differs-partial" : "differs");
		json_str(&js, "note", v->note);
		json_u64(&js, "bpf_total", v->bpf_total);
		json_u64(&js, "bpf_lat_count", v->bpf_lat_count);
		json_u64(&js, "bpf_lat_sum_ns", v->bpf_lat_sum_ns);
		json_u64_or_null(&js, "kvm_exits", v->have_exits, v->exits);
		json_u64_or_null(&js, "kvm_exits_after", v->have_exits, v->exits_after);
		json_i64_or_null(&js, "kvm_exits_diff", v->have_exits, v->exits_diff);
		json_u64_or_null(&js, "patch_total", v->patched, v->patch_total);
		json_u64_or_null(&js, "patch_total_after", v->patched, v->patch_total_after);
		json_i64_or_null(&js, "patch_total_diff", v->patched, v->patch_diff);
		json_u64_or_null(&js, "patch_cycles", v->patched, v->patch_cycles);
		json_fixed_or_null(&js, "patch_ns", v->patched && v->patch_ns >= 0, v->patch_ns, 3);
		json_bool(&js, "flagged", v->flagged);
		json_arr(&js, "reasons", JSON_COMPACT);
		for (j = 0; j < v->n; j++) {
			const struct check_reason *r = &v->r[j];

			json_obj(&js, NULL, JSON_COMPACT);
			json_u64_or_null(&js, "reason", !r->other, r->reason);
			json_str(&js, "reason_name", rname(v, r, nm, sizeof(nm)));
			json_u64(&js, "bpf_count", r->bpf_count);
			json_u64(&js, "bpf_lat_count", r->bpf_lat_count);
			json_u64(&js, "bpf_lat_sum_ns", r->bpf_lat_sum_ns);
			json_fixed_or_null(&js, "bpf_avg_ns", r->bpf_lat_count > 0,
					   r->bpf_lat_count ? (double)r->bpf_lat_sum_ns / r->bpf_lat_count : 0, 3);
			json_u64_or_null(&js, "kernel_count", r->have_kernel, r->kern_count);
			json_u64_or_null(&js, "kernel_count_after", r->have_kernel, r->kern_count_after);
			json_i64_or_null(&js, "diff", r->have_kernel, r->diff);
			json_u64_or_null(&js, "kernel_cycles", r->have_kernel, r->kern_cycles);
			json_fixed_or_null(&js, "kernel_ns", r->have_kernel && r->kern_ns >= 0, r->kern_ns, 3);
			json_fixed_or_null(&js, "time_diff_pct", r->have_kernel && r->kern_ns > 0,
					   r->kern_ns > 0 ? ((double)r->bpf_lat_sum_ns - r->kern_ns) / r->kern_ns * 100 : 0, 3);
			json_bool(&js, "flagged", r->flagged);
			json_end(&js);
		}
		json_end(&js);
		json_end(&js);
	}
	json_end(&js);
	json_end(&js);
	return ferror(f) ? -EIO : 0;
}

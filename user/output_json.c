// SPDX-License-Identifier: GPL-2.0
/* --json: one object per interval on one line. Schema: docs/json-schema.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib_stats.h"
#include "json.h"
#include "output.h"
#include "stats.h"

/* JSON has no NaN or infinity. */
static double fin(double v)
{
	return isfinite(v) ? v : 0;
}

/* The latency figures of one aggregate: of the interval (total 0) or since attach (1). */
void output_json_lat(struct json *j, int total, const struct agg *a, uint64_t lat_all)
{
	static const char *const k[2][7] = {
		{ "lat_count", "lat_sum_ns", "avg_ns", "p50_ns", "p99_ns", "max_ns", "time_pct" },
		{ "total_lat_count", "total_lat_sum_ns", "total_avg_ns", "total_p50_ns",
		  "total_p99_ns", "total_max_ns", "total_time_pct" },
	};

	json_u64(j, k[total][0], a->lat_count);
	json_u64(j, k[total][1], a->lat_sum_ns);
	json_fixed(j, k[total][2], fin(agg_avg_ns(a)), 1);
	json_u64(j, k[total][3], hist_percentile_ns(a->hist, a->lat_max_ns, 50));
	json_u64(j, k[total][4], hist_percentile_ns(a->hist, a->lat_max_ns, 99));
	json_u64(j, k[total][5], a->lat_max_ns);
	json_fixed(j, k[total][6], lat_all ? fin(100.0 * a->lat_sum_ns / lat_all) : 0.0, 2);
}

/*
 * --attrib: where the latency of the attributed exits went (interval or
 * total); blocked = polling + asleep, poll_ns its polling part.
 */
void output_json_attr(struct json *j, int total, const struct attr_agg *a)
{
	static const char *const k[2][8] = {
		{ "attr_count", "attr_sum_ns", "attr_kvm_ns", "attr_vmm_ns", "attr_wait_ns",
		  "attr_blocked_ns", "attr_poll_ns", "attr_approx" },
		{ "total_attr_count", "total_attr_sum_ns", "total_attr_kvm_ns", "total_attr_vmm_ns",
		  "total_attr_wait_ns", "total_attr_blocked_ns", "total_attr_poll_ns",
		  "total_attr_approx" },
	};

	json_u64(j, k[total][0], a->count);
	json_u64(j, k[total][1], a->sum_ns);
	json_u64(j, k[total][2], a->part_ns[ATTRIB_KVM]);
	json_u64(j, k[total][3], a->part_ns[ATTRIB_VMM]);
	json_u64(j, k[total][4], a->part_ns[ATTRIB_WAIT]);
	json_u64(j, k[total][5], attr_blocked_ns(a));
	json_u64(j, k[total][6], a->part_ns[ATTRIB_POLL]);
	json_u64(j, k[total][7], a->approx);
}

void output_json_hist(struct json *j, const char *key, const struct agg *a)
{
	json_arr(j, key, JSON_COMPACT);
	for (int i = 0; i < EXITS_HIST_SLOTS; i++)
		json_u64(j, NULL, a->hist[i]);
	json_end(j);
}

static bool pid_selected(const struct view_filter *flt, uint32_t pid)
{
	if (!flt || !flt->npids)
		return true;
	for (size_t i = 0; i < flt->npids; i++)
		if (flt->pids[i] == pid)
			return true;
	return false;
}

int output_json(FILE *f, const struct out_ctx *c, const struct snapshot *s)
{
	const struct stat_row **rows;
	struct agg sum_d = { 0 }, sum_t = { 0 };
	struct attr_agg asum_d = { 0 }, asum_t = { 0 };
	size_t n, i, nvcpus = 0, nvms = 0;
	struct json j;
	int err;

	err = view_select(s, c->filter, &rows, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		agg_add(&sum_d, &rows[i]->delta);
		agg_add(&sum_t, &rows[i]->total);
		attr_add(&asum_d, &rows[i]->attr_delta);
		attr_add(&asum_t, &rows[i]->attr_total);
		/* rows are ordered by (pid, vcpu): count the changes */
		if (!i || rows[i]->pid != rows[i - 1]->pid)
			nvms++;
		if (!i || rows[i]->pid != rows[i - 1]->pid || rows[i]->vcpu != rows[i - 1]->vcpu)
			nvcpus++;
	}

	json_init(&j, f);
	json_obj(&j, NULL, JSON_COMPACT);
	json_u64(&j, "seq", c->seq);
	json_fixed(&j, "time", fin(c->wall_s), 3);
	json_str(&j, "host", c->host);
	json_str(&j, "kernel", c->kernel);
	json_str(&j, "isa", isa_name(s->isa));
	json_fixed(&j, "interval_s", fin(s->interval_s), 3);
	json_u64(&j, "dropped", s->dropped_delta);
	json_u64(&j, "dropped_total", s->dropped_total);
	if (s->attrib)
		json_u64(&j, "attr_dropped_total", s->attrib_dropped_total);
	if (s->detail) {
		json_u64(&j, "detail_dropped", s->detail->dropped_delta);
		json_u64(&j, "detail_dropped_total", s->detail->dropped_total);
	}

	json_arr(&j, "vms", JSON_COMPACT);
	for (i = 0; i < s->nvms; i++) {
		const struct vm_info *vm = &s->vms[i];

		if (!pid_selected(c->filter, vm->pid))
			continue;
		json_obj(&j, NULL, JSON_COMPACT);
		json_u64(&j, "pid", vm->pid);
		json_str(&j, "name", vm->name);
		json_bool(&j, "alive", vm->alive);
		json_end(&j);
	}
	json_end(&j);
	json_arr(&j, "rows", JSON_COMPACT);
	for (i = 0; i < n; i++) {
		const struct stat_row *r = rows[i];
		char rb[48];

		if (!view_row_shown(c->filter, s, r))
			continue;	/* --active: idle in this interval (still in totals) */
		json_obj(&j, NULL, JSON_COMPACT);
		json_u64(&j, "pid", r->pid);
		json_u64(&j, "vcpu", r->vcpu);
		json_u64(&j, "reason", r->reason);
		json_str(&j, "reason_name", reason_label(r->isa, r->reason, rb, sizeof(rb)));
		json_u64(&j, "count", r->delta.count);
		json_u64(&j, "total_count", r->total.count);
		json_fixed(&j, "rate", fin(rate_per_s(r->delta.count, s->interval_s)), 3);
		json_fixed(&j, "pct", sum_d.count ? 100.0 * r->delta.count / sum_d.count : 0.0, 2);
		output_json_lat(&j, 0, &r->delta, sum_d.lat_sum_ns);
		output_json_lat(&j, 1, &r->total, sum_t.lat_sum_ns);
		if (s->attrib) {
			output_json_attr(&j, 0, &r->attr_delta);
			output_json_attr(&j, 1, &r->attr_total);
		}
		if (c->hist && *c->hist && reason_matches(c->hist, r->isa, r->reason)) {
			output_json_hist(&j, "hist", &r->delta);
			output_json_hist(&j, "total_hist", &r->total);
		}
		if (s->detail)
			drill_json(&j, c, s, r);
		json_end(&j);
	}
	json_end(&j);
	json_obj(&j, "totals", JSON_COMPACT);
	json_u64(&j, "vms", nvms);
	json_u64(&j, "vcpus", nvcpus);
	json_u64(&j, "rows", n);
	json_u64(&j, "count", sum_d.count);
	json_u64(&j, "total_count", sum_t.count);
	json_fixed(&j, "rate", fin(rate_per_s(sum_d.count, s->interval_s)), 3);
	output_json_lat(&j, 0, &sum_d, sum_d.lat_sum_ns);
	output_json_lat(&j, 1, &sum_t, sum_t.lat_sum_ns);
	if (s->attrib) {
		output_json_attr(&j, 0, &asum_d);
		output_json_attr(&j, 1, &asum_t);
	}
	json_end(&j);
	json_end(&j);
	free(rows);
	return ferror(f) ? -EIO : 0;
}

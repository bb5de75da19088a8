// SPDX-License-Identifier: GPL-2.0
/*
 * exittop --check, the comparison: one VM's BPF totals against the kernel
 * figures read before and after them (check_compare()). Pure: no I/O, so
 * the unit tests drive it with fixtures. The rules: docs/check.md.
 *
 * KVM counts an exit right after the kvm_exit tracepoint (the patch's
 * hook, and `exits` later still), so the BPF count lies between the two
 * kernel reads: a count outside [before, after] is a difference. When both
 * reads are equal (nothing moved) the comparison is exact.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvmdebugfs.h"

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

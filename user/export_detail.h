/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --drill in the exporter: cumulative detail series per (VM, reason,
 * detail), summed over vCPUs, with bounded cardinality. Per (pid, isa,
 * reason) at most `top` details get their own series, the largest first
 * among those seen in the same read; they keep it for the VM's life. The
 * exits of every other detail of that reason go to one detail="other"
 * series. So every counter only grows and the series of a (VM, reason)
 * always add up to the exits whose detail was recorded. See
 * docs/exporter.md "Detail series".
 */
#ifndef EXITTOP_EXPORT_DETAIL_H
#define EXITTOP_EXPORT_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "export_prom.h"
#include "model.h"

#define EXPORT_DETAIL_DEF_TOP	10	/* --drill-top default */

struct export_detail;

struct export_detail *export_detail_new(unsigned int top);
void export_detail_free(struct export_detail *xd);

/*
 * Fold the deltas of ds (one poll's detail rows; NULL: none this poll)
 * in, then forget the details of VMs that view (the exporter's series,
 * export_state_view) no longer lists, and give free slots to the largest
 * details without one. Returns 0 or -ENOMEM.
 */
int export_detail_update(struct export_detail *xd, const struct detail_snap *ds,
			 const struct snapshot *view);

/* prom_extra_fn: the detail families (ctx: the struct export_detail). */
void export_detail_render(struct prom_buf *b, const struct snapshot *s,
			  const struct prom_meta *m, enum prom_format f, void *ctx);

/* ---- for tests ---- */

/* Details held (own series or not) and those with their own series. */
size_t export_detail_count(const struct export_detail *xd, size_t *own);

/*
 * The exported value of one detail key (vcpu ignored): *own tells whether
 * it has its own series; returns its cumulative aggregate, or NULL if not
 * held. export_detail_other: the "other" aggregate of (pid, isa, reason).
 */
const struct agg *export_detail_get(const struct export_detail *xd,
				    const struct detail_key *k, bool *own);
void export_detail_other(const struct export_detail *xd, uint32_t pid, uint8_t isa,
			 uint32_t reason, struct agg *out);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The collector: loads and attaches bpf/exits.bpf.c and turns its maps
 * into snapshots.
 *
 * Per poll: which VMs ended (vmtable.c), one read of the maps
 * (exitsmaps.c), per-CPU values summed and deltas taken against the
 * previous poll (stats.c), cumulative totals kept per key (rowtable.c).
 * Keys of VMs whose process is gone are deleted after their final read
 * and their slots given back to the programs, so VM churn never fills
 * the maps; their rows stay (alive=false) for collect_opts.expire_s
 * (exittop --expire), then they go too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "array.h"
#include "attribmaps.h"
#include "attrib_stats.h"
#include "clock.h"
#include "collect.h"
#include "drill_collect.h"
#include "exitsmaps.h"
#include "hostcheck.h"
#include "kmodwatch.h"
#include "rowtable.h"
#include "slotrows.h"
#include "stats.h"
#include "tpformat.h"
#include "tpmode.h"
#include "snaprows.h"
#include "vmtable.h"
#include "exits.skel.h"

struct collector {
	struct exits *skel;
	struct exits_maps maps;
	struct attribmaps *attrib;	/* --attrib: loaded on first use, NULL: off */
	struct attr_agg *attr_cur;	/* the split of each key of a read (max_keys) */
	uint64_t attrib_drop_base;	/* attrib's drops at the last reset */
	bool tp_btf;		/* BTF tracepoint programs (else classic) */
	struct row_table rt;	/* every key read since the last reset */
	struct vm_table vms;	/* rt's row_state.vm indexes vms.vm */
	/* snapshot storage */
	struct snap_rows snap;
	struct slot_rows srows;	/* stats slot -> its key's row state in rt */
	struct vm_info *svms;
	size_t svms_cap;
	uint64_t drop_last, drop_total;
	uint64_t last_mono;
	uint8_t isa;
	struct kmod_watch kmod;	/* the vendor module the BTF programs read */
	struct detail *detail;	/* --drill's programs and rows, or NULL */
	bool expire;		/* forget VMs expire_ns after they ended */
	uint64_t expire_ns;
	char notice[160];
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf && level != LIBBPF_WARN)
		return 0;
	if (!verbose_libbpf)
		return 0;	/* warnings only with -v: errors get our one-liner */
	return vfprintf(stderr, fmt, ap);
}

/* ---- open / close ---- */

/*
 * The pair to try first: BTF unless classic was asked for or BTF cannot run
 * here; *cast: the BTF pair can read the exit reason with plain loads.
 */
static int choose_btf(enum tp_mode mode, bool *use_btf, bool *cast, char *err, size_t errlen)
{
	char why[160];

	*use_btf = mode == TP_MODE_BTF;
	*cast = false;
	if (mode != TP_MODE_CLASSIC && !tp_btf_usable(why, sizeof(why), cast)) {
		if (mode == TP_MODE_BTF) {
			snprintf(err, errlen, "--tracepoints btf: %s", why);
			return -ENOTSUP;
		}
		if (verbose_libbpf)
			fprintf(stderr, "exittop: classic tracepoints: %s\n", why);
	} else if (mode == TP_MODE_AUTO) {
		*use_btf = true;
	}
	return 0;
}

/*
 * Open and load the object with one pair of programs: the BTF pair or the
 * classic pair (fmt: tracefs format file of kvm_exit, for the classic
 * pair's fallback offsets). On failure nothing stays loaded.
 */
static int load_skel(struct collector *c, const struct collect_opts *o, int ncpus,
		     const char *fmt, bool btf, bool cast)
{
	int ret;

	c->skel = exits__open();
	if (!c->skel)
		return -errno;
	exits_maps_size(&c->maps, c->skel, ncpus,
			o && o->max_keys ? o->max_keys : COLLECT_DEF_KEYS);

	bpf_program__set_autoload(c->skel->progs.kvm_exit, !btf);
	bpf_program__set_autoload(c->skel->progs.kvm_entry, !btf);
	bpf_program__set_autoload(c->skel->progs.kvm_exit_btf, btf && !cast);
	bpf_program__set_autoload(c->skel->progs.kvm_exit_btf_ld, btf && cast);
	bpf_program__set_autoload(c->skel->progs.kvm_entry_btf, btf);

	c->skel->rodata->filter_pids = o && o->npids > 0;
	if (!btf) {
		c->skel->rodata->off_reason = tp_format_offset(fmt, "exit_reason");
		c->skel->rodata->off_isa = tp_format_offset(fmt, "isa");
		c->skel->rodata->off_vcpu = tp_format_offset(fmt, "vcpu_id");
	}
	ret = exits__load(c->skel);
	if (ret) {
		exits__destroy(c->skel);
		c->skel = NULL;
	}
	return ret;
}

/* Load the chosen pair; in auto mode the classic pair if the BTF pair fails. */
static int load_programs(struct collector *c, const struct collect_opts *o, int ncpus,
			 const char *evdir, char *err, size_t errlen)
{
	enum tp_mode mode = o ? o->tp_mode : TP_MODE_AUTO;
	char fmt[256];
	bool use_btf, cast;
	int ret;

	ret = choose_btf(mode, &use_btf, &cast, err, errlen);
	if (ret)
		return ret;
	snprintf(fmt, sizeof(fmt), "%s/kvm_exit/format", evdir);
	ret = load_skel(c, o, ncpus, fmt, use_btf, cast);
	if (ret && cast) {
		/* the kfunc is there but the verifier took the casts badly */
		if (verbose_libbpf)
			fprintf(stderr, "exittop: exit reason loads failed (%s), "
				"reading it with bpf_probe_read_kernel()\n", strerror(-ret));
		cast = false;
		ret = load_skel(c, o, ncpus, fmt, use_btf, cast);
	}
	if (ret && use_btf && mode == TP_MODE_AUTO) {
		/* BTF looked usable but the verifier or libbpf disagreed */
		if (verbose_libbpf)
			fprintf(stderr, "exittop: BTF tracepoints failed to load (%s), "
				"using classic tracepoints\n", strerror(-ret));
		use_btf = false;
		ret = load_skel(c, o, ncpus, fmt, use_btf, false);
	}
	if (ret) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(-ret),
			 verbose_libbpf ? "" : " (-v shows the verifier log)");
		return ret;
	}
	c->tp_btf = use_btf;
	if (use_btf)
		kmod_watch_init(&c->kmod);
	if (verbose_libbpf)
		fprintf(stderr, "exittop: %s tracepoints%s\n", use_btf ? "BTF" : "classic",
			cast ? ", exit reason by bpf_rdonly_cast() loads" : "");
	return 0;
}

/* Fill the maps the programs read before their first exit, then attach them. */
static int start_programs(struct collector *c, const struct collect_opts *o,
			  char *err, size_t errlen)
{
	int ret;

	ret = exits_maps_open(&c->maps, c->skel);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	ret = exits_maps_filter_pids(&c->maps, o ? o->pids : NULL, o ? o->npids : 0);
	if (ret) {
		snprintf(err, errlen, "setting the pid filter failed: %s", strerror(-ret));
		return ret;
	}
	ret = exits_maps_fill_free_slots(&c->maps);
	if (ret) {
		snprintf(err, errlen, "filling the free slot stack failed: %s", strerror(-ret));
		return ret;
	}
	ret = exits__attach(c->skel);
	if (ret) {
		snprintf(err, errlen, "attaching to kvm:kvm_exit/kvm:kvm_entry failed: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int collector_open(struct collector **cp, const struct collect_opts *o,
		   char *err, size_t errlen)
{
	struct collector *c;
	const char *evdir;
	int ncpus, ret;

	*cp = NULL;
	if (errlen)
		err[0] = '\0';
	verbose_libbpf = o && o->verbose;
	libbpf_set_print(libbpf_print);

	ret = host_check(o, &evdir, err, errlen);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		snprintf(err, errlen, "cannot count the possible CPUs");
		free(c);
		return -EINVAL;
	}
	ret = load_programs(c, o, ncpus, evdir, err, errlen);
	if (!ret)
		ret = start_programs(c, o, err, errlen);
	if (!ret && o && o->drill)	/* after the exit programs: it shares their storage */
		ret = detail_open(&c->detail, o->drill, bpf_map__fd(c->skel->maps.threads),
				  c->tp_btf, o->drill_keys, evdir, err, errlen);
	/* after --drill's: attrib's kvm_entry program reads what detail's left */
	if (!ret && o && o->attrib)
		ret = collector_attrib_enable(c, err, errlen);
	if (!ret && (rowtable_init(&c->rt) || slotrows_init(&c->srows, c->maps.max_keys))) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	}
	if (ret) {
		collector_close(c);
		return ret;
	}
	c->last_mono = clock_mono_ns();
	c->expire = o && o->expire;
	c->expire_ns = o ? (uint64_t)(o->expire_s * 1e9) : 0;
	*cp = c;
	return 0;
}

int collector_attrib_enable(struct collector *c, char *err, size_t errlen)
{
	int ret;

	if (c->attrib)
		return 0;
	if (!c->attr_cur)
		c->attr_cur = calloc(c->maps.max_keys, sizeof(*c->attr_cur));
	if (!c->attr_cur) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (c->detail && detail_set_attrib(c->detail, true)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = attribmaps_open(&c->attrib, c->maps.stats_fd,
			      bpf_map__fd(c->skel->maps.threads),
			      c->detail ? detail_pend_fd(c->detail) : -1,
			      c->detail ? detail_attrib_fd(c->detail) : -1,
			      c->maps.max_keys, c->maps.ncpus, err, errlen);
	if (ret && c->detail)
		detail_set_attrib(c->detail, false);
	return ret;
}

bool collector_attrib_on(const struct collector *c)
{
	return c->attrib != NULL;
}

const char *collector_tracepoints(const struct collector *c)
{
	return c->tp_btf ? "btf" : "classic";
}

void collector_close(struct collector *c)
{
	if (!c)
		return;
	detail_close(c->detail);	/* its programs first: they read the exit programs' map */
	attribmaps_close(c->attrib);
	free(c->attr_cur);
	exits__destroy(c->skel);
	exits_maps_close(&c->maps);
	rowtable_free(&c->rt);
	vmtable_free(&c->vms);
	snap_rows_free(&c->snap);
	slotrows_free(&c->srows);
	free(c->svms);
	free(c);
}

/* ---- poll ---- */

/* Tie r to its VM: found or added at its first read, checked for pid reuse after. */
static int row_vm(struct collector *c, struct row_state *r)
{
	ssize_t vi;

	if (r->vm) {
		vmtable_seen_again(&c->vms.vm[r->vm - 1]);
		return 0;
	}
	vi = vmtable_get(&c->vms, r->key.pid);
	if (vi < 0)
		return -ENOMEM;
	r->vm = (size_t)vi + 1;
	return 0;
}

/*
 * The split of each key just read, right after the counters (the sooner,
 * the fewer exits the two reads are apart in an interval).
 */
static void read_attr(struct collector *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		attribmaps_read(c->attrib, c->maps.kslots[i].slot, c->maps.kslots[i].gen,
				&c->attr_cur[i]);
}

/* The same for the latency split of key i (--attrib). 0 or -ENOMEM. */
static int update_attr(struct collector *c, struct row_state *r, size_t i)
{
	struct attr_agg cur = c->attr_cur[i];
	struct row_attr *a = r->attr;

	if (!a && !(a = r->attr = calloc(1, sizeof(*a))))
		return -ENOMEM;
	if (attr_went_back(&cur, &a->last))
		memset(&a->last, 0, sizeof(a->last));
	attr_diff(&a->delta, &cur, &a->last);
	attr_add(&a->total, &a->delta);
	a->last = cur;
	return 0;
}

/* Fold the n keys just read into their row states: deltas, totals. */
static int update_rows(struct collector *c, size_t n)
{
	struct row_state *r;
	struct agg cur;
	size_t i;

	for (i = 0; i < n; i++) {
		/* the slot is < max_keys: exits_maps_read checked it */
		r = slotrows_get(&c->srows, &c->rt, c->maps.kslots[i].slot,
				 &c->maps.keys[i]);
		if (!r || row_vm(c, r))
			return -ENOMEM;
		if (exits_maps_agg(&c->maps, i, &r->last, &cur)) {
			if (agg_went_back(&cur, &r->last))	/* key deleted and re-created */
				memset(&r->last, 0, sizeof(r->last));
			agg_diff(&r->delta, &cur, &r->last);
			agg_add(&r->total, &r->delta);
			r->last = cur;
			r->delta_set = true;
		}
		if (c->attrib) {
			if (update_attr(c, r, i))
				return -ENOMEM;
			r->delta_set = true;
		}
		if (r->key.isa)
			c->isa = (uint8_t)r->key.isa;
	}
	return 0;
}

/* The keys of the VMs found dead leave the kernel maps; their rows stay. */
static void reap_ended(struct collector *c, size_t n)
{
	struct row_state *r;
	bool any = false;
	size_t i;

	for (i = 0; i < c->vms.n && !any; i++)
		any = c->vms.vm[i].dead_now;
	for (i = 0; any && i < n; i++) {
		r = rowtable_get(&c->rt, &c->maps.keys[i], false);
		if (!r || !r->vm || !c->vms.vm[r->vm - 1].dead_now)
			continue;
		exits_maps_free_slot(&c->maps, i);
		memset(&r->last, 0, sizeof(r->last));
		if (r->attr)
			memset(&r->attr->last, 0, sizeof(r->attr->last));
	}
	vmtable_retire_ended(&c->vms, clock_mono_ns());
}

static void count_drops(struct collector *c, struct snapshot *s)
{
	uint64_t drops = exits_maps_drops(&c->maps);

	c->drop_total += drops - c->drop_last;
	s->dropped_delta = drops - c->drop_last;
	c->drop_last = drops;
}

/* The snapshot of the row states and VMs, rows in stat_row_cmp order. */
static int fill_snapshot(struct collector *c, struct snapshot *s, uint64_t now)
{
	size_t i, nr;

	if (snap_rows_fill(&c->snap, &c->rt, &nr) ||
	    array_reserve(&c->svms, &c->svms_cap, c->vms.n, sizeof(*c->svms), 16))
		return -ENOMEM;
	for (i = 0; i < c->vms.n; i++)
		c->svms[i] = c->vms.vm[i].info;

	s->mono_ns = now;
	s->interval_s = (double)(now - c->last_mono) / 1e9;
	c->last_mono = now;
	s->rows = c->snap.rows;
	s->nrows = nr;
	s->vms = c->svms;
	s->nvms = c->vms.n;
	s->dropped_total = c->drop_total;
	s->isa = c->isa;
	s->attrib = c->attrib != NULL;
	s->attrib_dropped_total = c->attrib ? attribmaps_drops(c->attrib) - c->attrib_drop_base : 0;
	s->notice = c->notice[0] ? c->notice : NULL;
	return 0;
}

/*
 * A reload of the vendor module between two reads: say so once. A
 * different build may have moved the fields the BTF programs read the
 * exit reason from, so exittop stops rather than show wrong reasons.
 */
static int check_vendor_module(struct collector *c, struct snapshot *s)
{
	const char *m = c->kmod.module;

	c->notice[0] = '\0';
	switch (kmod_watch_check(&c->kmod)) {
	case KMOD_NONE:
		return 0;
	case KMOD_UNLOADED:
		snprintf(c->notice, sizeof(c->notice), "%s was unloaded: no exits until it is loaded again", m);
		return 0;
	case KMOD_RELOADED:
		snprintf(c->notice, sizeof(c->notice), "%s was loaded again (the same build): counting goes on", m);
		return 0;
	case KMOD_REPLACED:
		break;
	}
	snprintf(c->notice, sizeof(c->notice),
		 "%s was replaced by a different build: the exit reasons would be read "
		 "at stale offsets; start exittop again", m);
	memset(s, 0, sizeof(*s));
	s->notice = c->notice;
	return -ESTALE;
}

/*
 * Forget the VMs that ended (and were reaped) at or before ended_by_ns,
 * with their rows; the other rows keep their totals, or restart from zero
 * (zero_totals: a reset). Out of memory: nothing is forgotten.
 */
static void forget_ended(struct collector *c, uint64_t ended_by_ns, bool zero_totals)
{
	struct row_table fresh;
	struct row_state *old, *r;
	size_t *newidx;		/* old VM index -> new index + 1, 0: forgotten */

	/* rows go or totals change: the next read and snapshot start over */
	snap_rows_invalidate(&c->snap);
	slotrows_forget(&c->srows);
	newidx = calloc(c->vms.n ? c->vms.n : 1, sizeof(*newidx));
	if (!newidx || rowtable_init(&fresh)) {
		free(newidx);
		if (zero_totals) {
			rowtable_for_each(&c->rt, old) {
				memset(&old->total, 0, sizeof(old->total));
				if (old->attr)
					memset(&old->attr->total, 0, sizeof(old->attr->total));
			}
		}
		return;
	}
	vmtable_forget_ended(&c->vms, newidx, ended_by_ns);
	rowtable_for_each(&c->rt, old) {
		if (!old->vm || !newidx[old->vm - 1])
			continue;
		r = rowtable_get(&fresh, &old->key, true);
		if (!r)
			break;
		r->last = old->last;	/* the kernel keeps counting from there */
		if (!zero_totals)
			r->total = old->total;
		/* the split moves over: r owns it, the old table no longer */
		r->attr = old->attr;
		old->attr = NULL;
		if (r->attr) {
			memset(&r->attr->delta, 0, sizeof(r->attr->delta));	/* as r's */
			if (zero_totals)
				memset(&r->attr->total, 0, sizeof(r->attr->total));
		}
		r->vm = newidx[old->vm - 1];
	}
	rowtable_free(&c->rt);
	c->rt = fresh;
	free(newidx);
}

int collector_poll(struct collector *c, struct snapshot *s)
{
	struct row_state *r;
	uint64_t now;
	long n;
	int ret;

	s->notice = NULL;
	s->detail = NULL;
	/* 0. VMs that ended more than expire_ns ago leave, rows and all */
	now = clock_mono_ns();
	if (c->expire && now > c->expire_ns && vmtable_any_ended(&c->vms, now - c->expire_ns))
		forget_ended(c, now - c->expire_ns, false);

	/* 1. liveness before the read: a VM found dead now had all its exits
	 *    in the map already, so the read below is its final one */
	vmtable_find_ended(&c->vms);
	rowtable_for_each(&c->rt, r) {
		if (!r->delta_set)
			continue;	/* idle key: its deltas are zero already */
		memset(&r->delta, 0, sizeof(r->delta));
		if (r->attr)
			memset(&r->attr->delta, 0, sizeof(r->attr->delta));
		r->delta_set = false;
	}

	/* 2. one read of the maps (--drill's first: see detail_read) */
	if (c->detail)
		detail_read(c->detail);
	n = exits_maps_read(&c->maps);
	if (n < 0)
		return (int)n;
	if (c->attrib)
		read_attr(c, (size_t)n);
	now = clock_mono_ns();
	ret = update_rows(c, (size_t)n);
	if (ret)
		return ret;

	/* 3. VMs found dead: their keys leave the kernel map, rows stay */
	reap_ended(c, (size_t)n);
	count_drops(c, s);

	/* 4. the snapshot */
	ret = check_vendor_module(c, s);
	if (ret)
		return ret;
	ret = fill_snapshot(c, s, now);
	/* --drill: its read of step 2, with the VMs' liveness of step 1 */
	if (!ret && c->detail)
		ret = detail_poll(c->detail, s);
	return ret;
}

void collector_reset(struct collector *c)
{
	c->drop_total = 0;
	if (c->attrib)
		c->attrib_drop_base = attribmaps_drops(c->attrib);
	forget_ended(c, UINT64_MAX, true);
	if (c->detail)
		detail_reset(c->detail);
}

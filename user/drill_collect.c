// SPDX-License-Identifier: GPL-2.0
/*
 * --drill's collector (see drill_collect.h, docs/bpf-design.md "Drill-down"):
 * bpf/detail.bpf.c is loaded only when asked for, its `inflight` map
 * pointed at the exit programs' (bpf_map__reuse_fd), only the tracepoints
 * of the drilled kinds attached (BTF or classic, as the exit programs). Per poll, one read of the details map
 * (batched), deltas and totals per key as the reason rows have them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "attrib_stats.h"
#include "drill_collect.h"
#include "dropsum.h"
#include "stats.h"
#include "tpmode.h"
#include "view.h"
#include "detail.skel.h"

struct dstate {
	struct detail_row row;	/* key, total, delta */
	struct agg last;	/* the map's counters at the previous read */
	struct attr_agg attr_last;	/* --attrib: detail_attrib's, the same */
};

struct detail {
	struct detail_bpf *skel;
	struct drill_set drill;
	int map_fd, ncpus;
	size_t max_keys;
	int use_batch;		/* -1 unknown, 0 no, 1 yes */
	struct detail_key *keys;	/* one read, max_keys each */
	struct exits_val *vals;
	struct attr_agg *avals;	/* --attrib: the split of keys[i], or NULL */
	int attr_fd;		/* detail_attrib (written by attrib.bpf.c) */
	struct dropsum drops;	/* DETAIL_DROP_EXIT, summed over CPUs */
	struct dstate *st;	/* by detail_key_cmp */
	size_t nst, st_cap;
	struct detail_row *rows;	/* the snapshot's copy */
	size_t rows_cap;
	long nread;		/* keys of the last detail_read(), or -errno */
	uint64_t drop_last, drop_total;
	struct detail_snap snap;
};

/*
 * The programs of the drilled kinds: the BTF one of an event when the exit
 * programs are the BTF pair and the kernel's BTF has the argument list it
 * was written for, else the classic one. kvm_fast_mmio is not on every
 * kernel.
 */
static const struct tp_proto protos[] = {
	{ "kvm_pio", 5, false },
	{ "kvm_msr", 4, false },
	{ "kvm_page_fault", 3, true },
	{ "kvm_mmio", 4, false },
	{ "kvm_fast_mmio", 1, false },
	{ "kvm_cpuid", 8, false },
	{ "kvm_hypercall", 5, false },
};

static void set_autoload(struct detail_bpf *sk, uint32_t kinds, bool btf, const char *evdir)
{
	struct bpf_program *classic[] = {
		sk->progs.detail_pio, sk->progs.detail_msr, sk->progs.detail_page_fault,
		sk->progs.detail_mmio, sk->progs.detail_fast_mmio, sk->progs.detail_cpuid,
		sk->progs.detail_hypercall,
	};
	struct bpf_program *raw[] = {
		sk->progs.detail_pio_btf, sk->progs.detail_msr_btf, sk->progs.detail_page_fault_btf,
		sk->progs.detail_mmio_btf, sk->progs.detail_fast_mmio_btf, sk->progs.detail_cpuid_btf,
		sk->progs.detail_hypercall_btf,
	};
	static const unsigned int kind[] = {
		DETAIL_PIO, DETAIL_MSR, DETAIL_GPA, DETAIL_MMIO, DETAIL_MMIO, DETAIL_CPUID, DETAIL_HCALL,
	};
	unsigned int usable = btf ? tp_btf_protos(protos, sizeof(protos) / sizeof(protos[0])) : 0;
	char path[512];

	for (size_t i = 0; i < sizeof(kind) / sizeof(kind[0]); i++) {
		bool on = kinds & (1U << kind[i]);

		snprintf(path, sizeof(path), "%s/%s", evdir, protos[i].event);
		if (access(path, F_OK))
			on = false;	/* no such tracepoint here */
		bpf_program__set_autoload(raw[i], on && (usable & (1U << i)));
		bpf_program__set_autoload(classic[i], on && !(usable & (1U << i)));
	}
	bpf_program__set_autoload(sk->progs.detail_entry_tp, !btf);
	bpf_program__set_autoload(sk->progs.detail_entry_btf, btf);
}

int detail_open(struct detail **dp, const struct drill_set *ds, int threads_fd,
		bool btf_entry, uint32_t max_keys, const char *evdir,
		char *err, size_t errlen)
{
	struct detail *d;
	int ret;

	*dp = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->drill = *ds;
	d->max_keys = max_keys ? max_keys : DETAIL_DEF_KEYS;
	d->use_batch = -1;
	d->ncpus = libbpf_num_possible_cpus();
	d->skel = detail_bpf__open();
	if (!d->skel || d->ncpus <= 0) {
		ret = d->skel ? -EINVAL : -errno;
		snprintf(err, errlen, "--drill: opening the detail programs failed: %s", strerror(-ret));
		goto fail;
	}
	d->skel->rodata->ndrill = (uint32_t)ds->n;
	memcpy((void *)d->skel->rodata->drill, ds->r, ds->n * sizeof(ds->r[0]));
	bpf_map__set_max_entries(d->skel->maps.details, (uint32_t)d->max_keys);
	bpf_map__set_max_entries(d->skel->maps.detail_attrib, (uint32_t)d->max_keys);
	ret = bpf_map__reuse_fd(d->skel->maps.threads, threads_fd);
	if (!ret) {
		set_autoload(d->skel, ds->kinds, btf_entry, evdir);
		ret = detail_bpf__load(d->skel);
	}
	if (ret) {
		snprintf(err, errlen, "--drill: loading the detail programs failed: %s (-v shows the verifier log)",
			 strerror(-ret));
		goto fail;
	}
	ret = detail_bpf__attach(d->skel);
	if (ret) {
		snprintf(err, errlen, "--drill: attaching to KVM's detail tracepoints failed: %s",
			 strerror(-ret));
		goto fail;
	}
	d->map_fd = bpf_map__fd(d->skel->maps.details);
	d->attr_fd = bpf_map__fd(d->skel->maps.detail_attrib);
	d->keys = calloc(d->max_keys, sizeof(*d->keys));
	d->vals = calloc(d->max_keys, sizeof(*d->vals));
	if (!d->keys || !d->vals ||
	    dropsum_init(&d->drops, bpf_map__fd(d->skel->maps.detail_drops),
			 &d->skel->bss->drops_dirty, DETAIL_DROP_EXIT, 1, d->ncpus)) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	d->snap.drill = &d->drill;
	*dp = d;
	return 0;
fail:
	detail_close(d);
	return ret;
}

void detail_close(struct detail *d)
{
	if (!d)
		return;
	detail_bpf__destroy(d->skel);
	free(d->keys);
	free(d->vals);
	free(d->avals);
	dropsum_free(&d->drops);
	free(d->st);
	free(d->rows);
	free(d);
}

/* Every key with its counters: batches, or one by one on kernels without. */
static long read_map(struct detail *d)
{
	struct detail_key cur, next;
	uint32_t in = 0, out = 0, cnt;
	void *inp = NULL;
	size_t n = 0;
	bool have = false;
	int err;

	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	while (d->use_batch != 0 && n < d->max_keys) {
		cnt = (uint32_t)(d->max_keys - n);
		err = bpf_map_lookup_batch(d->map_fd, inp, &out, d->keys + n, d->vals + n, &cnt, &opts);
		if (err && errno != ENOENT) {
			if (n == 0 && d->use_batch < 0 &&
			    (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
				d->use_batch = 0;
				break;
			}
			return -errno;
		}
		d->use_batch = 1;
		n += cnt;
		if (err)
			return (long)n;
		in = out;
		inp = &in;
	}
	if (d->use_batch)
		return (long)n;
	while (n < d->max_keys && !bpf_map_get_next_key(d->map_fd, have ? &cur : NULL, &next)) {
		cur = next;
		have = true;
		if (!bpf_map_lookup_elem(d->map_fd, &cur, &d->vals[n]))
			d->keys[n++] = cur;
	}
	return (long)n;
}

static struct dstate *find(struct detail *d, size_t nsorted, const struct detail_key *k)
{
	return bsearch(k, d->st, nsorted, sizeof(*d->st), detail_key_cmp);
}

static int cmp_state(const void *a, const void *b)
{
	return detail_key_cmp(&((const struct dstate *)a)->row.key,
			      &((const struct dstate *)b)->row.key);
}

static bool vm_ended(const struct snapshot *s, uint32_t pid)
{
	const struct vm_info *vm = snapshot_vm(s, pid);

	return vm && !vm->alive;
}

/* Keep only the states whose VM the snapshot still lists. */
static void drop_unlisted(struct detail *d, const struct snapshot *s)
{
	size_t i, k = 0;

	for (i = 0; i < d->nst; i++)
		if (snapshot_vm(s, d->st[i].row.key.pid))
			d->st[k++] = d->st[i];
	d->nst = k;
}

int detail_pend_fd(const struct detail *d)
{
	return bpf_map__fd(d->skel->maps.pend);
}

int detail_attrib_fd(const struct detail *d)
{
	return d->attr_fd;
}

int detail_set_attrib(struct detail *d, bool on)
{
	if (!on) {
		free(d->avals);
		d->avals = NULL;
	} else if (!d->avals) {
		d->avals = calloc(d->max_keys, sizeof(*d->avals));
	}
	return on && !d->avals ? -ENOMEM : 0;
}

/*
 * The split of each key read (one lookup per key: attrib.bpf.c makes its
 * entry at the key's first entry, so a key may have none yet). Read after
 * details: it is written after them, at the same kvm_entry, so it is at
 * most one exit ahead, and the next read makes it up.
 */
static void read_attrib(struct detail *d, long n)
{
	struct attrib_val v;
	long i;

	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(d->attr_fd, &d->keys[i], &v))
			memset(&v, 0, sizeof(v));
		attr_from_val(&d->avals[i], &v);
	}
}

void detail_read(struct detail *d)
{
	d->nread = read_map(d);
	if (d->avals && d->nread > 0)
		read_attrib(d, d->nread);
}

int detail_poll(struct detail *d, struct snapshot *s)
{
	size_t i, nsorted = d->nst;
	uint64_t drops;
	long n = d->nread;

	if (n < 0)
		return (int)n;
	for (i = 0; i < d->nst; i++) {
		memset(&d->st[i].row.delta, 0, sizeof(d->st[i].row.delta));
		memset(&d->st[i].row.attr_delta, 0, sizeof(d->st[i].row.attr_delta));
	}
	for (i = 0; i < (size_t)n; i++) {
		struct dstate *st = find(d, nsorted, &d->keys[i]);
		struct agg cur;

		if (!st) {
			if (array_reserve(&d->st, &d->st_cap, d->nst + 1, sizeof(*d->st), 64))
				return -ENOMEM;
			st = &d->st[d->nst++];
			memset(st, 0, sizeof(*st));
			st->row.key = d->keys[i];
		}
		agg_from_val(&cur, &d->vals[i]);
		if (agg_went_back(&cur, &st->last))	/* deleted and made again */
			memset(&st->last, 0, sizeof(st->last));
		agg_diff(&st->row.delta, &cur, &st->last);
		agg_add(&st->row.total, &st->row.delta);
		st->last = cur;
		if (d->avals) {
			const struct attr_agg *ac = &d->avals[i];

			if (attr_went_back(ac, &st->attr_last))
				memset(&st->attr_last, 0, sizeof(st->attr_last));
			attr_diff(&st->row.attr_delta, ac, &st->attr_last);
			attr_add(&st->row.attr_total, &st->row.attr_delta);
			st->attr_last = *ac;
		}
		/* the VM was found ended before this read: that was its last */
		if (vm_ended(s, d->keys[i].pid) && !bpf_map_delete_elem(d->map_fd, &d->keys[i])) {
			memset(&st->last, 0, sizeof(st->last));
			bpf_map_delete_elem(d->attr_fd, &d->keys[i]);
			memset(&st->attr_last, 0, sizeof(st->attr_last));
		}
	}
	drop_unlisted(d, s);
	qsort(d->st, d->nst, sizeof(*d->st), cmp_state);

	if (array_reserve(&d->rows, &d->rows_cap, d->nst, sizeof(*d->rows), 64))
		return -ENOMEM;
	for (i = 0; i < d->nst; i++)
		d->rows[i] = d->st[i].row;
	drops = dropsum_read(&d->drops);
	d->snap.dropped_delta = drops - d->drop_last;
	d->drop_total += drops - d->drop_last;
	d->drop_last = drops;
	d->snap.dropped_total = d->drop_total;
	d->snap.rows = d->rows;
	d->snap.nrows = d->nst;
	s->detail = &d->snap;
	return 0;
}

void detail_reset(struct detail *d)
{
	size_t i, k = 0;

	d->drop_total = 0;
	for (i = 0; i < d->nst; i++) {
		memset(&d->st[i].row.total, 0, sizeof(d->st[i].row.total));
		memset(&d->st[i].row.attr_total, 0, sizeof(d->st[i].row.attr_total));
		if (d->st[i].last.count)	/* still in the map: keep its last read */
			d->st[k++] = d->st[i];
	}
	d->nst = k;
}

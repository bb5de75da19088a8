// SPDX-License-Identifier: GPL-2.0
/*
 * User space's side of bpf/attrib.bpf.c: loaded on demand beside
 * exits.bpf.c, whose stats array and per-thread storage it shares by fd,
 * and the reads of its attrib_stats array (mapped, indexed like stats:
 * no syscall per key).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attribmaps.h"
#include "dropsum.h"
#include "attrib.skel.h"

struct attribmaps {
	struct attrib *skel;
	size_t max_keys;
	size_t val_sz;		/* stride of attrib_stats' values */
	void *vals;		/* attrib_stats, mapped */
	size_t len;
	struct dropsum drops;	/* every ATTRIB_DROP_*, summed over CPUs */
};

static int load(struct attribmaps *a, int stats_fd, int threads_fd, int pend_fd,
		int dattr_fd, char *err, size_t errlen)
{
	int ret;

	a->skel = attrib__open();
	if (!a->skel) {
		ret = -errno;
		snprintf(err, errlen, "--attrib: opening the BPF object failed: %s", strerror(-ret));
		return ret;
	}
	if (bpf_map__reuse_fd(a->skel->maps.stats, stats_fd) ||
	    bpf_map__reuse_fd(a->skel->maps.threads, threads_fd)) {
		ret = -errno;
		snprintf(err, errlen, "--attrib: sharing exittop's maps failed: %s", strerror(-ret));
		return ret;
	}
	/* --drill: its detail of the exit in flight, and the split per detail key */
	if (pend_fd >= 0 && dattr_fd >= 0) {
		if (bpf_map__reuse_fd(a->skel->maps.pend, pend_fd) ||
		    bpf_map__reuse_fd(a->skel->maps.detail_attrib, dattr_fd)) {
			ret = -errno;
			snprintf(err, errlen, "--attrib: sharing --drill's maps failed: %s",
				 strerror(-ret));
			return ret;
		}
		a->skel->rodata->have_detail = 1;
	}
	bpf_map__set_max_entries(a->skel->maps.attrib_stats, (uint32_t)a->max_keys);
	ret = attrib__load(a->skel);
	if (ret) {
		snprintf(err, errlen, "--attrib: loading the BPF programs failed: %s (it needs "
			 "kvm.ko's BTF and fentry: kvm_arch_vcpu_ioctl_run, kvm_vcpu_halt; "
			 "-v shows the verifier log)", strerror(-ret));
		return ret;
	}
	/* attached after exits.bpf.c's (and detail.bpf.c's) programs: ours run after theirs */
	ret = attrib__attach(a->skel);
	if (ret) {
		snprintf(err, errlen, "--attrib: attaching the BPF programs failed: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int attribmaps_open(struct attribmaps **ap, int stats_fd, int threads_fd,
		    int pend_fd, int dattr_fd,
		    size_t max_keys, int ncpus, char *err, size_t errlen)
{
	struct attribmaps *a;
	long pg = getpagesize();
	int ret;

	*ap = NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->max_keys = max_keys;
	a->val_sz = (sizeof(struct attrib_val) + 7) & ~(size_t)7;
	ret = load(a, stats_fd, threads_fd, pend_fd, dattr_fd, err, errlen);
	if (ret) {
		attribmaps_close(a);
		return ret;
	}
	a->len = (a->max_keys * a->val_sz + (size_t)pg - 1) & ~((size_t)pg - 1);
	a->vals = mmap(NULL, a->len, PROT_READ, MAP_SHARED,
		       bpf_map__fd(a->skel->maps.attrib_stats), 0);
	if (a->vals == MAP_FAILED) {
		ret = -errno;
		a->vals = NULL;
	} else {
		ret = dropsum_init(&a->drops, bpf_map__fd(a->skel->maps.attrib_drops),
				   &a->skel->bss->drops_dirty, 0, ATTRIB_DROP_MAX, ncpus);
	}
	if (ret) {
		snprintf(err, errlen, "--attrib: mapping its counters failed: %s", strerror(-ret));
		attribmaps_close(a);
		return ret;
	}
	*ap = a;
	return 0;
}

/*
 * Each field is one aligned 8-byte load (no tearing); the fields may be
 * one exit apart, as for exits.bpf.c's stats, and the next read makes it
 * up. gen is read first and again last: a slot started over meanwhile
 * reads as empty.
 */
void attribmaps_read(const struct attribmaps *a, uint32_t slot, uint32_t gen,
		     struct attr_agg *out)
{
	const volatile struct attrib_val *v;
	int i;

	memset(out, 0, sizeof(*out));
	if (!a || slot >= a->max_keys)
		return;
	v = (const volatile struct attrib_val *)((const char *)a->vals + (size_t)slot * a->val_sz);
	if ((uint32_t)v->gen != gen)
		return;
	out->count = v->count;
	out->sum_ns = v->total_ns;
	for (i = 0; i < ATTRIB_PARTS; i++)
		out->part_ns[i] = v->part_ns[i];
	out->approx = v->approx;
	if ((uint32_t)v->gen != gen)
		memset(out, 0, sizeof(*out));
}

uint64_t attribmaps_drops(struct attribmaps *a)
{
	return dropsum_read(&a->drops);
}

void attribmaps_close(struct attribmaps *a)
{
	if (!a)
		return;
	if (a->vals)
		munmap(a->vals, a->len);
	attrib__destroy(a->skel);
	dropsum_free(&a->drops);
	free(a);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * User space's side of bpf/exits.bpf.c's maps: sized to the machine, the
 * pid filter and the free slot stack filled before attach, then the reads
 * of each poll: one batched read of the key -> slot map, then each key's
 * counters straight from the stats array, which is mapped into our memory
 * (no syscall per key; cost ~ number of keys, never the exit rate). The
 * slots of ended VMs' keys are zeroed and pushed back on free_slots, so VM
 * churn never fills the maps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "exitsmaps.h"
#include "stats.h"
#include "exits.skel.h"

/*
 * keys: how many keys the maps hold. The stats array is one copy for all
 * CPUs (296 B a key), so its size does not depend on the CPU count.
 */
void exits_maps_size(struct exits_maps *m, struct exits *skel, int ncpus, size_t keys)
{
	m->ncpus = ncpus;
	m->use_batch = -1;
	m->val_sz = (sizeof(struct exits_val) + 7) & ~(size_t)7;
	m->max_keys = keys;
	bpf_map__set_max_entries(skel->maps.stats, (uint32_t)keys);
	bpf_map__set_max_entries(skel->maps.slots, (uint32_t)keys);
	bpf_map__set_max_entries(skel->maps.free_slots, (uint32_t)keys);
}

int exits_maps_open(struct exits_maps *m, struct exits *skel)
{
	m->stats_fd = bpf_map__fd(skel->maps.stats);
	m->slots_fd = bpf_map__fd(skel->maps.slots);
	m->free_fd = bpf_map__fd(skel->maps.free_slots);
	m->pids_fd = bpf_map__fd(skel->maps.pids);
	m->keys_made = (volatile uint64_t *)&skel->bss->keys_made;
	m->listed = false;
	m->keys = calloc(m->max_keys, sizeof(*m->keys));
	m->kslots = calloc(m->max_keys, sizeof(*m->kslots));
	if (!m->keys || !m->kslots ||
	    dropsum_init(&m->drops, bpf_map__fd(skel->maps.drops), &skel->bss->drops_dirty,
			 EXITS_DROP_EXIT, 1, m->ncpus))
		return -ENOMEM;
	/* the kernel maps the whole array, rounded up to pages */
	m->stats_len = m->max_keys * m->val_sz;
	m->stats_len = (m->stats_len + (size_t)getpagesize() - 1) & ~((size_t)getpagesize() - 1);
	m->stats = mmap(NULL, m->stats_len, PROT_READ | PROT_WRITE, MAP_SHARED, m->stats_fd, 0);
	if (m->stats == MAP_FAILED) {
		m->stats = NULL;
		return -errno;
	}
	return 0;
}

static volatile struct exits_val *stats_slot(const struct exits_maps *m, uint32_t slot)
{
	return (volatile struct exits_val *)((char *)m->stats + (size_t)slot * m->val_sz);
}

int exits_maps_filter_pids(struct exits_maps *m, const uint32_t *pids, size_t n)
{
	uint8_t one = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(m->pids_fd, &pids[i], &one, BPF_ANY))
			return -errno;
	return 0;
}

int exits_maps_fill_free_slots(struct exits_maps *m)
{
	size_t i;

	/* a stack: slot 0 on top */
	for (i = m->max_keys; i-- > 0;) {
		uint32_t slot = (uint32_t)i;

		if (bpf_map_update_elem(m->free_fd, NULL, &slot, 0))
			return -errno;
	}
	return 0;
}

/*
 * Keys with their slots in one or a few batches. Returns the number of
 * keys or -errno; sets *unsupported instead if the kernel has no batch
 * lookups (before 5.6), found on the first try.
 */
static long read_slots_batch(struct exits_maps *m, bool *unsupported)
{
	uint32_t in = 0, out = 0;
	void *inp = NULL;
	size_t n = 0;
	int err;

	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	for (;;) {
		uint32_t cnt = (uint32_t)(m->max_keys - n);

		if (!cnt)
			break;
		err = bpf_map_lookup_batch(m->slots_fd, inp, &out, m->keys + n,
					   m->kslots + n, &cnt, &opts);
		if (err && errno != ENOENT) {
			if (n == 0 && m->use_batch < 0 &&
			    (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
				*unsupported = true;
				return 0;
			}
			return -errno;
		}
		m->use_batch = 1;
		n += cnt;
		if (err)	/* ENOENT: done */
			break;
		in = out;
		inp = &in;
	}
	return (long)n;
}

/* Keys with their slots one by one (kernels before 5.6). */
static long read_slots_iterate(struct exits_maps *m)
{
	struct exits_key cur, next;
	bool have = false;
	size_t n = 0;

	while (n < m->max_keys &&
	       !bpf_map_get_next_key(m->slots_fd, have ? &cur : NULL, &next)) {
		cur = next;
		have = true;
		if (!bpf_map_lookup_elem(m->slots_fd, &cur, &m->kslots[n]))
			m->keys[n++] = cur;
	}
	return (long)n;
}

long exits_maps_read(struct exits_maps *m)
{
	bool unsupported = false;
	size_t i, n, k = 0;
	uint64_t made;
	long ret = 0;

	/* read before the list: a key made meanwhile is read next time */
	made = *m->keys_made;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (m->listed && made == m->made_seen)
		return (long)m->nkeys;
	if (m->use_batch != 0)
		ret = read_slots_batch(m, &unsupported);
	if (m->use_batch == 0 || unsupported) {
		m->use_batch = 0;	/* old kernel: iterate */
		ret = read_slots_iterate(m);
	}
	if (ret < 0)
		return ret;
	n = (size_t)ret;
	/*
	 * A key whose slot is out of range, or whose slot's generation moved
	 * on (freed by us, so not expected), is left out of this read.
	 */
	for (i = 0; i < n; i++) {
		uint32_t slot = m->kslots[i].slot;

		if (slot >= m->max_keys || (uint32_t)stats_slot(m, slot)->gen != m->kslots[i].gen)
			continue;
		m->keys[k] = m->keys[i];
		m->kslots[k] = m->kslots[i];
		k++;
	}
	m->nkeys = k;
	m->made_seen = made;
	m->listed = true;
	return (long)k;
}

bool exits_maps_agg(const struct exits_maps *m, size_t i, const struct agg *last,
		    struct agg *out)
{
	volatile struct exits_val *v = stats_slot(m, m->kslots[i].slot);

	if (v->count == last->count && v->lat_count == last->lat_count)
		return false;
	agg_from_val(out, v);
	return true;
}

/*
 * Forget the key, zero the counters with the generation bumped (a thread
 * that still caches the slot then looks its key up again), push the slot.
 * The key's VM has ended: nothing writes the slot meanwhile. If a step
 * fails the slot stays taken: fewer keys fit, nothing is miscounted.
 */
void exits_maps_free_slot(struct exits_maps *m, size_t i)
{
	uint32_t slot = m->kslots[i].slot;
	struct exits_val zero;

	m->listed = false;	/* the next read lists the keys again */
	if (slot >= m->max_keys || bpf_map_delete_elem(m->slots_fd, &m->keys[i]))
		return;
	memset(&zero, 0, sizeof(zero));
	zero.gen = (uint32_t)(m->kslots[i].gen + 1);
	if (bpf_map_update_elem(m->stats_fd, &slot, &zero, BPF_ANY))
		return;
	bpf_map_update_elem(m->free_fd, NULL, &slot, 0);
}

uint64_t exits_maps_drops(struct exits_maps *m)
{
	return dropsum_read(&m->drops);
}

void exits_maps_close(struct exits_maps *m)
{
	free(m->keys);
	free(m->kslots);
	dropsum_free(&m->drops);
	if (m->stats)
		munmap(m->stats, m->stats_len);
	memset(m, 0, sizeof(*m));
}

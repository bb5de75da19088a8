// SPDX-License-Identifier: GPL-2.0
/*
 * Drop counters summed over CPUs (see dropsum.h), read again only when
 * the programs flagged a drop.
 *
 * The ordering, with bpf/drops.bpf.h's count_drop():
 *   program:    counter += 1 (fetch atomic: full barrier); if !dirty: dirty = 1
 *   user space: dirty = 0; full barrier; read the counters
 * A drop whose count this read misses was counted after the read's
 * barrier; its program's load of dirty then comes after our clear (each
 * side's store is ordered before its load, so both loads cannot miss the
 * other's store), sees 0 and sets the flag again: the next read has it.
 * A drop that sets the flag although this read already had its count
 * only costs one read more. So a drop is never lost, and shows at the
 * latest in the read after the one it raced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dropsum.h"

int dropsum_init(struct dropsum *d, int fd, uint32_t *dirty,
		 uint32_t first, uint32_t n, int ncpus)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->dirty = dirty;
	d->first = first;
	d->n = n;
	d->ncpus = ncpus;
	d->percpu = calloc((size_t)ncpus, sizeof(*d->percpu));
	return d->percpu ? 0 : -ENOMEM;
}

uint64_t dropsum_read(struct dropsum *d)
{
	uint64_t sum = 0;
	uint32_t i;
	int cpu;

	/* the programs write the flag meanwhile: one untorn load or store each */
	if (d->have && !__atomic_load_n(d->dirty, __ATOMIC_RELAXED))
		return d->sum;
	__atomic_store_n(d->dirty, 0, __ATOMIC_RELAXED);
	__sync_synchronize();	/* the clear before the reads (see the top) */
	for (i = d->first; i < d->first + d->n; i++) {
		if (bpf_map_lookup_elem(d->fd, &i, d->percpu)) {
			/* try again next time, keep the last sum */
			__atomic_store_n(d->dirty, 1, __ATOMIC_RELAXED);
			return d->sum;
		}
		for (cpu = 0; cpu < d->ncpus; cpu++)
			sum += d->percpu[cpu];
	}
	d->sum = sum;
	d->have = true;
	return sum;
}

void dropsum_free(struct dropsum *d)
{
	free(d->percpu);
	memset(d, 0, sizeof(*d));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User space's side of bpf/exits.bpf.c's maps: their size, the pid
 * filter, the stack of free stats slots, and the reads of each poll.
 */
#ifndef EXITTOP_EXITSMAPS_H
#define EXITTOP_EXITSMAPS_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct exits;	/* the skeleton, exits.skel.h */

struct exits_maps {
	int stats_fd, slots_fd, free_fd, drops_fd, pids_fd;
	int ncpus;
	size_t max_keys;	/* entries of stats, slots and free_slots */
	size_t val_sz;		/* stride of the stats array's values */
	int use_batch;		/* -1 unknown, 0 no, 1 yes */
	/* what the last exits_maps_read() found, max_keys entries each */
	struct exits_key *keys;
	struct exits_slot *kslots;	/* each key's slot in the stats array */
	struct agg *vals;	/* each key's counters */
	void *stats;		/* the stats array, mapped (stats_len bytes) */
	size_t stats_len;
	uint64_t *drops;	/* per-CPU drop counters, ncpus */
};

/* Before the skeleton is loaded: size the maps (ncpus: for the drop counters). */
void exits_maps_size(struct exits_maps *m, struct exits *skel, int ncpus);

/* After it is loaded: the map fds, the read buffers, the stats array mapped. 0 or -errno. */
int exits_maps_open(struct exits_maps *m, struct exits *skel);

/* Trace only these pids (the programs' filter_pids must be set). 0 or -errno. */
int exits_maps_filter_pids(struct exits_maps *m, const uint32_t *pids, size_t n);

/* Every stats slot free, before the programs are attached. 0 or -errno. */
int exits_maps_fill_free_slots(struct exits_maps *m);

/*
 * Read every key with its slot, then each key's counters, into keys[i],
 * kslots[i] and exits_maps_agg(m, i). Returns the number of keys or -errno.
 */
long exits_maps_read(struct exits_maps *m);

/* The counters of key i of the last read. */
const struct agg *exits_maps_agg(const struct exits_maps *m, size_t i);

/* Give key i's slot back to the programs (its VM has ended). */
void exits_maps_free_slot(struct exits_maps *m, size_t i);

/* Exits not counted because the stats map was full, summed over CPUs. */
uint64_t exits_maps_drops(struct exits_maps *m);

/* Free the buffers (the maps go with the skeleton). */
void exits_maps_close(struct exits_maps *m);

#endif

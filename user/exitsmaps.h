/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User space's side of bpf/exits.bpf.c's maps: their size, the pid
 * filter, the stack of free stats slots, and the reads of each poll.
 */
#ifndef EXITTOP_EXITSMAPS_H
#define EXITTOP_EXITSMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropsum.h"
#include "model.h"

struct exits;	/* the skeleton, exits.skel.h */

struct exits_maps {
	int stats_fd, slots_fd, free_fd, pids_fd;
	int ncpus;
	size_t max_keys;	/* entries of stats, slots and free_slots */
	size_t val_sz;		/* stride of the stats array's values */
	int use_batch;		/* -1 unknown, 0 no, 1 yes */
	/* what the last exits_maps_read() found, max_keys entries each */
	struct exits_key *keys;
	struct exits_slot *kslots;	/* each key's slot in the stats array */
	size_t nkeys;		/* of keys[] and kslots[], valid if listed */
	bool listed;		/* keys[] is the list as of keys_made == made_seen */
	uint64_t made_seen;
	volatile uint64_t *keys_made;	/* the programs' count of keys made (.bss) */
	void *stats;		/* the stats array, mapped (stats_len bytes) */
	size_t stats_len;
	struct dropsum drops;	/* EXITS_DROP_EXIT, summed over CPUs */
};

/* Before the skeleton is loaded: size the maps (ncpus: for the drop counters). */
void exits_maps_size(struct exits_maps *m, struct exits *skel, int ncpus, size_t keys);

/* After it is loaded: the map fds, the read buffers, the stats array mapped. 0 or -errno. */
int exits_maps_open(struct exits_maps *m, struct exits *skel);

/* Trace only these pids (the programs' filter_pids must be set). 0 or -errno. */
int exits_maps_filter_pids(struct exits_maps *m, const uint32_t *pids, size_t n);

/* Every stats slot free, before the programs are attached. 0 or -errno. */
int exits_maps_fill_free_slots(struct exits_maps *m);

/*
 * Every key with its slot in keys[i] and kslots[i] (keys whose slot is not
 * theirs any more left out), read again from the kernel only when the
 * programs made keys or a slot was freed since the last read (a key keeps
 * its slot while it lives). Returns the number of keys or -errno.
 */
long exits_maps_read(struct exits_maps *m);

/*
 * The counters of key i of the last read, from the mapped array (live: the
 * programs keep counting): false if its count and lat_count are still those
 * of last (every exit and every latency moves one of them, so nothing
 * moved; an idle key costs two loads), else true with the counters in *out.
 */
bool exits_maps_agg(const struct exits_maps *m, size_t i, const struct agg *last,
		    struct agg *out);

/* Give key i's slot back to the programs (its VM has ended). */
void exits_maps_free_slot(struct exits_maps *m, size_t i);

/*
 * Exits not counted because the stats map was full, summed over CPUs (read
 * from the kernel only after a drop, see dropsum.h).
 */
uint64_t exits_maps_drops(struct exits_maps *m);

/* Free the buffers (the maps go with the skeleton). */
void exits_maps_close(struct exits_maps *m);

#endif

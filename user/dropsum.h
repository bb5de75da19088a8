/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sum over CPUs of some of a program object's drop counters
 * (bpf/drops.bpf.h), read from the kernel only when the object's
 * drops_dirty flag says a drop happened since the last read: a per-CPU
 * map's read costs one copy per possible CPU, and drops are rare. One
 * reader for exits.bpf.c's, detail.bpf.c's and attrib.bpf.c's counters.
 */
#ifndef EXITTOP_DROPSUM_H
#define EXITTOP_DROPSUM_H

#include <stdbool.h>
#include <stdint.h>

struct dropsum {
	int fd;			/* the per-CPU array of counters */
	uint32_t *dirty;	/* drops_dirty, in the object's mapped .bss */
	uint32_t first, n;	/* the counters summed: [first, first + n) */
	int ncpus;		/* possible CPUs: values per counter */
	uint64_t *percpu;	/* read buffer */
	uint64_t sum;		/* as of the last read */
	bool have;		/* sum was read once */
};

/*
 * fd: the counters' map; dirty: the object's drops_dirty
 * (&skel->bss->drops_dirty); counters first .. first + n - 1 are summed.
 * 0 or -ENOMEM.
 */
int dropsum_init(struct dropsum *d, int fd, uint32_t *dirty,
		 uint32_t first, uint32_t n, int ncpus);

/* The counters' sum over CPUs now (each drop is in it by the next call). */
uint64_t dropsum_read(struct dropsum *d);

void dropsum_free(struct dropsum *d);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* KVM binary statistics (KVM_GET_STATS_FD) of a VM or a vCPU. */
#ifndef EXITGEN_KVMSTATS_H
#define EXITGEN_KVMSTATS_H

#include <stdint.h>

struct eg_stat {
	char *name;
	uint32_t flags;		/* KVM_STATS_TYPE_* | UNIT | BASE */
	uint32_t size;		/* number of u64 values (1, or histogram buckets) */
	uint64_t *val;
};

struct eg_stats {
	unsigned int n;
	struct eg_stat *s;
};

/* Reads every statistic the fd offers; 0 or -1 (message printed). */
int kvmstats_read(int fd, struct eg_stats *st, const char *who);

/*
 * Accumulates src into dst (same layout: all vCPUs of a VM share it):
 * peak values by max, everything else summed (counters, instants and
 * histogram buckets). dst may be empty: it is then copied from src.
 */
int kvmstats_add(struct eg_stats *dst, const struct eg_stats *src);

void kvmstats_free(struct eg_stats *st);

/* The first value of statistic name: 0, or -1 (no such stat, read failed). */
int kvmstats_value(int fd, const char *name, uint64_t *val);

#endif

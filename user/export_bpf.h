/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's own BPF programs and maps, from /proc/self/fdinfo: the
 * programs' run-time statistics (kernel.bpf_stats_enabled) and the stats
 * map's capacity, for the exporter's health metrics.
 */
#ifndef EXITTOP_EXPORT_BPF_H
#define EXITTOP_EXPORT_BPF_H

#include <stdbool.h>
#include <stddef.h>

#include "export_prom.h"

#define EXPORT_MAX_PROGS	8

struct bpf_self {
	int prog_fd[EXPORT_MAX_PROGS];
	char prog_name[EXPORT_MAX_PROGS][32];
	size_t nprogs;
	size_t map_capacity;	/* max_entries of the slots map; 0: not found */
};

/* Find this process's BPF programs and the slots map (fds stay the caller's). */
void bpf_self_scan(struct bpf_self *b);

/* True when kernel.bpf_stats_enabled is 1. */
bool bpf_stats_on(void);

/*
 * Current run time and run count of each program found into progs
 * (EXPORT_MAX_PROGS entries); returns how many were read.
 */
size_t bpf_self_progs(const struct bpf_self *b, struct prom_prog *progs);

#endif

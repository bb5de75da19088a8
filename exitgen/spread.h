/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spreading the workloads over several ports, MSRs, guest pages and CPUID
 * leaves (--pio-ports, --msrs, --mmio-pages, --cpuid-leaves): parsing the
 * lists, the MSRs exitgen knows to be safe, and the expected count of each
 * entry, which the guest reaches round-robin.
 */
#ifndef EXITGEN_SPREAD_H
#define EXITGEN_SPREAD_H

#include <stdint.h>
#include <stdio.h>

#include "args.h"

/*
 * Each parser returns NULL, or a message saying what is wrong with the
 * list (a static buffer): the caller exits 2 with it.
 */
const char *spread_parse_ports(struct eg_args *a, const char *list);
const char *spread_parse_msrs(struct eg_args *a, const char *list);
const char *spread_parse_leaves(struct eg_args *a, const char *list);

/* Fills the tables the options left empty with today's single entries. */
void spread_defaults(struct eg_args *a);

/* Of n round-robin steps over nent entries, how many hit entry i. */
static inline uint64_t spread_share(uint64_t n, uint64_t nent, uint64_t i)
{
	return n / nent + (i < n % nent ? 1 : 0);
}

/* The MSRs --msrs accepts, one per line, for --help. */
void spread_msr_help(FILE *f);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Command line of exitgen. */
#ifndef EXITGEN_ARGS_H
#define EXITGEN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_STALL_DEFAULT 60			/* --stall, seconds */

struct eg_args {
	unsigned int vcpus;
	uint64_t cpuid, pio, mmio, msr, hlt;	/* per vCPU */
	uint32_t cpuid_leaf, cpuid_subleaf;
	uint64_t hlt_delay_us;
	bool hlt_no_wake;			/* --hlt-wake none */
	bool query_on;				/* any --query-* given */
	uint32_t *query;			/* subleaves, in query order */
	size_t nquery;
	bool compact;				/* --leaves-format compact */
	unsigned int timeout;			/* seconds, 0 = none */
	unsigned int stall;			/* seconds, 0 = off */
	unsigned int fault;			/* FAULT_* (layout.h) */
	bool mem_plain;				/* --guest-memory plain */
};

/* Parses argv; on bad arguments prints usage to stderr and exits 2. */
void args_parse(struct eg_args *a, int argc, char **argv);

#endif

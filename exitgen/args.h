/* SPDX-License-Identifier: GPL-2.0 */
/* Command line of exitgen. */
#ifndef EXITGEN_ARGS_H
#define EXITGEN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#define EG_STALL_DEFAULT 60			/* --stall, seconds */

/* One entry of the round-robin tables (layout.h T_PIO, T_MSR, T_LEAF). */
struct eg_port {
	uint16_t port;
	uint8_t size;				/* 1, 2 or 4 bytes */
};

struct eg_msr {
	uint32_t index;
	bool write;				/* WRMSR of the value read, too */
	const char *name;
};

struct eg_leaf {
	uint32_t leaf, subleaf;
};

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
	/* Spreading (spread.c); each table has 1..TBL_MAX entries. */
	uint64_t pio_in;			/* --pio-in: INs per vCPU */
	unsigned int pio_size;			/* --pio-size: default size */
	struct eg_port ports[TBL_MAX];
	unsigned int nports;
	struct eg_msr msrs[TBL_MAX];
	unsigned int nmsrs;
	struct eg_leaf leaves[TBL_MAX];
	unsigned int nleaves;
	bool leaves_given;			/* --cpuid-leaves */
	uint64_t mmio_pages;			/* --mmio-pages, >= 1 */
	uint64_t user_delay_us;			/* --user-delay-us */
	uint64_t mix;				/* --mix: CPUID + RDMSR rounds per vCPU */
};

/* Parses argv; on bad arguments prints usage to stderr and exits 2. */
void args_parse(struct eg_args *a, int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Running the vCPUs: one thread each, until every guest reports done. */
#ifndef EXITGEN_RUN_H
#define EXITGEN_RUN_H

#include <stdint.h>

#include "args.h"
#include "vm.h"

/*
 * Runs all vCPUs to completion; 0, or -1 if any failed (messages printed).
 * At deadline_ns (clock_mono_ns() clock, 0 = none) or when a vCPU stalls for
 * --stall seconds, stops them all and reports where each one was.
 */
int run_vcpus(struct eg_vm *vm, const struct eg_args *a, uint64_t deadline_ns,
	      uint64_t *elapsed_ns);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Checking what the guest did and writing the JSON report. */
#ifndef EXITGEN_REPORT_H
#define EXITGEN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "kvmstats.h"
#include "vm.h"

struct eg_result {
	uint64_t elapsed_ns;
	struct eg_stats *vcpu_stats;	/* per vCPU, NULL without stats fd */
	struct eg_stats vm_stats;
	int have_stats;
};

/* Guest counters and exits seen by exitgen equal the request? 0 or -1. */
int report_check(struct eg_vm *vm, const struct eg_args *a);

/* Writes the whole JSON object to f. */
void report_write(FILE *f, struct eg_vm *vm, const struct eg_args *a,
		  struct eg_result *res);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per port, MSR, guest page and CPUID leaf: checking what the guest did
 * against the round-robin spread asked for, and the JSON "expected_detail".
 */
#ifndef EXITGEN_DETAIL_H
#define EXITGEN_DETAIL_H

#include "args.h"
#include "json.h"
#include "vm.h"

/* Per entry and vCPU: guest counters == spread == exits seen. 0 or -1. */
int detail_check(struct eg_vm *vm, const struct eg_args *a);

/* "expected_detail": VM totals per entry, summing to "expected". */
void detail_write(struct json *j, struct eg_vm *vm, const struct eg_args *a);

#endif

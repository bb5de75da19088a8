/* SPDX-License-Identifier: GPL-2.0 */
/* The guest code blob assembled from guest.S. */
#ifndef EXITGEN_GUEST_H
#define EXITGEN_GUEST_H

#include <stddef.h>

extern const unsigned char exitgen_guest_start[];
extern const unsigned char exitgen_guest_wake[];
extern const unsigned char exitgen_guest_end[];

static inline size_t exitgen_guest_size(void)
{
	return exitgen_guest_end - exitgen_guest_start;
}

/* Offset of the wake-up interrupt handler inside the blob. */
static inline size_t exitgen_guest_wake_offset(void)
{
	return exitgen_guest_wake - exitgen_guest_start;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The guest code blob assembled from guest.S. */
#ifndef EXITGEN_GUEST_H
#define EXITGEN_GUEST_H

#include <stddef.h>

extern const unsigned char exitgen_guest_start[];
extern const unsigned char exitgen_guest_wake[];
extern const unsigned char exitgen_guest_vectors[];
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

/* Offset of the report-and-stop stub of vector v (16 bytes each). */
static inline size_t exitgen_guest_vector_offset(unsigned int v)
{
	return exitgen_guest_vectors - exitgen_guest_start + 16 * (size_t)v;
}

#endif

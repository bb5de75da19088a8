/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays: one capacity rule for every table the programs keep. */
#ifndef EXITTOP_ARRAY_H
#define EXITTOP_ARRAY_H

#include <stddef.h>

/*
 * Make *arr (of *cap elements of elsz bytes) hold at least need elements:
 * the capacity doubles (from min_cap at first) so n appends cost O(n).
 * The new elements are not initialized. Returns 0, or -ENOMEM with *arr
 * and *cap unchanged.
 */
int array_reserve(void *arr, size_t *cap, size_t need, size_t elsz, size_t min_cap);

#endif

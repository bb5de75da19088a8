/* SPDX-License-Identifier: GPL-2.0 */
/* Strict number parsing for options and typed-in values. */
#ifndef EXITTOP_PARSE_H
#define EXITTOP_PARSE_H

#include <stdint.h>

/*
 * The whole of s as an unsigned decimal (or 0x hex, or 0 octal) number
 * no greater than max. No sign, no leading space, no trailing bytes:
 * strtoull() alone would take "-1" as a huge number and "12abc" as 12.
 * Returns 0, or -EINVAL (v untouched).
 */
int parse_u64(const char *s, uint64_t max, uint64_t *v);

#endif

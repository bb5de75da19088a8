/* SPDX-License-Identifier: GPL-2.0 */
/* Untrusted text (guest names from /proc, notes) made safe to print. */
#ifndef EXITTOP_TEXT_H
#define EXITTOP_TEXT_H

#include <stddef.h>

/*
 * Copy src (NULL is "") into dst of len bytes, truncated and terminated,
 * with every byte outside printable ASCII replaced by '?': a guest-chosen
 * name never sends escape sequences to a terminal. Returns dst.
 */
char *text_printable(char *dst, size_t len, const char *src);

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (or NUL). */
int utf8_len(const unsigned char *s);

#endif

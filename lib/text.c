// SPDX-License-Identifier: GPL-2.0
#include "text.h"

char *text_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	if (!len)
		return dst;
	for (i = 0; src && src[i] && i + 1 < len; i++) {
		unsigned char ch = src[i];

		dst[i] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
	}
	dst[i] = '\0';
	return dst;
}

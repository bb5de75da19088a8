// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "array.h"

int array_reserve(void *arr, size_t *cap, size_t need, size_t elsz, size_t min_cap)
{
	void **p = arr;
	size_t ncap = *cap ? *cap : (min_cap ? min_cap : 1);
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (elsz && ncap > SIZE_MAX / elsz)
		return -ENOMEM;
	n = realloc(*p, ncap * elsz);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = ncap;
	return 0;
}

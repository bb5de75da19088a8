// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "util.h"

int eg_ioctl_named(int fd, unsigned long req, unsigned long arg,
		   const char *name, const char *who)
{
	int r = ioctl(fd, req, arg);

	if (r < 0) {
		int e = errno;

		eg_err("ioctl %s%s%s%s: %s (errno %d)", name,
		       who ? " (" : "", who ? who : "", who ? ")" : "",
		       strerror(e), e);
		errno = e;
	}
	return r;
}

uint64_t eg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

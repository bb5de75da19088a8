// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

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

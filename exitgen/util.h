/* SPDX-License-Identifier: GPL-2.0 */
/* Error reporting shared by all exitgen files. */
#ifndef EXITGEN_UTIL_H
#define EXITGEN_UTIL_H

#include <stdio.h>

/* Everything diagnostic goes to stderr; stdout only gets the final JSON. */
#define eg_err(fmt, ...) fprintf(stderr, "exitgen: " fmt "\n", ##__VA_ARGS__)

/*
 * ioctl() that names the request on failure, e.g.
 * "exitgen: ioctl KVM_RUN (vcpu 1): Invalid argument (errno 22)".
 * Returns what ioctl() returned; errno is preserved.
 */
#define eg_ioctl(fd, req, arg, who) eg_ioctl_named(fd, req, (unsigned long)(arg), #req, who)
int eg_ioctl_named(int fd, unsigned long req, unsigned long arg,
		   const char *name, const char *who);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXITTOP_HOSTCHECK_H
#define EXITTOP_HOSTCHECK_H

#include <stddef.h>

struct collect_opts;

/*
 * 0 if programs can be loaded here (*evdir: tracefs's kvm events
 * directory); else a negative errno with the reason in err.
 */
int host_check(const struct collect_opts *o, const char **evdir, char *err, size_t errlen);

#endif

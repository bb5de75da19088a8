/* SPDX-License-Identifier: GPL-2.0 */
/* VM (VMM process) names and liveness from /proc. */
#ifndef EXITTOP_VMINFO_H
#define EXITTOP_VMINFO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The guest name in a QEMU command line (NUL-separated argv as in
 * /proc/PID/cmdline, len bytes): `-name guest=NAME,...`, `-name NAME,...`
 * (",," is an escaped comma). Copies at most buflen-1 bytes into buf.
 * Returns 0 when found, -1 otherwise. Bounded: never reads past len.
 */
int vminfo_parse_cmdline(const char *cmdline, size_t len, char *buf, size_t buflen);

/*
 * Name of VMM process pid: the QEMU guest name, else /proc/PID/comm,
 * else "pid N". Returns 0, or -1 when the process is gone (buf still set).
 */
int vminfo_name(uint32_t pid, char *buf, size_t buflen);

/*
 * Start time of process pid (field 22 of /proc/PID/stat, clock ticks since
 * boot), which tells a live process from a later one reusing its pid.
 * 0 when the process is gone.
 */
uint64_t vminfo_starttime(uint32_t pid);

#endif

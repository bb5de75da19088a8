/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracefs side of the tracepoint choice (tpmode.h has the BTF side):
 * where the kvm events are, and where a field sits in a classic
 * tracepoint's record, read from its format file.
 */
#ifndef EXITTOP_TPFORMAT_H
#define EXITTOP_TPFORMAT_H

#include <stddef.h>

/*
 * The kvm events directory of tracefs (/sys/kernel/tracing/events/kvm or
 * its debugfs twin). When no tracefs is mounted, mounts it at
 * /sys/kernel/tracing (which only root may do; a failure is reported).
 * NULL if there is none, with the reason for the user in why[]: no
 * permission to read tracefs, tracefs not mounted, or KVM not loaded.
 */
const char *tp_kvm_events_dir(char *why, size_t len);

/* Offset of `field` in a tracefs format file, -1 if absent. */
int tp_format_offset(const char *path, const char *field);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exit in flight of each vCPU thread (struct exits_inflight, exits.h):
 * exits.bpf.c writes it; detail.bpf.c and attrib.bpf.c read the same map,
 * which user space gives them with bpf_map__reuse_fd() before they load.
 * One declaration for the three objects, so that they cannot disagree.
 */
#ifndef INFLIGHT_BPF_H
#define INFLIGHT_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct exits_inflight);
} inflight SEC(".maps");

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per vCPU thread, the exit whose detail was counted (struct detail_pend,
 * detail.h): detail.bpf.c writes it; attrib.bpf.c reads the same map (with
 * --drill, given by user space with bpf_map__reuse_fd() before load) to
 * charge the exit's split to its detail key. One declaration for both.
 */
#ifndef PEND_BPF_H
#define PEND_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct detail_pend);
} pend SEC(".maps");

#endif

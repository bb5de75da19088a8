/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/exits.bpf.c and user space. */
#ifndef EXITS_H
#define EXITS_H

#define EXITS_HIST_SLOTS	32	/* log2(ns) buckets: up to ~2 s, last open */
#define EXITS_ISA_VMX		1	/* values of kvm_exit's isa field */
#define EXITS_ISA_SVM		2

#endif

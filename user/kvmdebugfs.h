/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's debugfs, read strictly: /sys/kernel/debug/kvm/PID-FD/ holds the
 * per-VM statistics (one decimal file per statistic, `exits` among them,
 * summed over the VM's vCPUs) and vcpuN/ directories; with the exittop
 * kernel patch each vcpuN/ has `exit_stats` (format: docs/kernel-patch.md).
 * Files are read into fixed-size buffers; an overlong file or line, a
 * malformed number or an unexpected line is an error, never guessed at.
 */
#ifndef EXITTOP_KVMDEBUGFS_H
#define EXITTOP_KVMDEBUGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVMDFS_ROOT		"/sys/kernel/debug"
#define KVMDFS_FILE_MAX		16384	/* exit_stats: 176 lines of <= 80 bytes fit */
#define KVMDFS_LINE_MAX		96	/* longest line accepted, newline included */
#define KVMDFS_NAME_MAX		32	/* reason names: "VMGEXIT", "EPT_VIOLATION" */
#define KVMDFS_MAX_REASONS	256	/* SVM has 172 slots, VMX 79 */
#define KVMDFS_MAX_DIRS		256	/* VM directories of one process */

struct kvmdfs_reason {
	uint32_t reason;
	char name[KVMDFS_NAME_MAX];	/* "-" when Linux has none */
	uint64_t count;
	uint64_t cycles;
};

/* One exit_stats file, or the sum of several (kvmdfs_stats_add). */
struct kvmdfs_stats {
	uint8_t isa;		/* EXITS_ISA_VMX or EXITS_ISA_SVM */
	size_t n;		/* reasons in r[], ascending */
	struct kvmdfs_reason r[KVMDFS_MAX_REASONS];
	uint64_t other_count, other_cycles;
	uint64_t total_count, total_cycles;
};

/*
 * Parse the text of an exit_stats file (len bytes, need not be
 * NUL-terminated). 0 on success; -EINVAL on any deviation from the format
 * (unknown isa, header, field count, numbers with signs or overflow,
 * reasons out of order, a line longer than KVMDFS_LINE_MAX, no final
 * newline, a missing `other` or `total` line, text after `total`);
 * -E2BIG when more than KVMDFS_MAX_REASONS reasons are listed.
 */
int kvmdfs_parse_exit_stats(const char *buf, size_t len, struct kvmdfs_stats *s);

/* The one unsigned decimal number of a statistics file ("123\n"). */
int kvmdfs_parse_u64(const char *buf, size_t len, uint64_t *v);

/*
 * Read a whole file into buf (at most cap - 1 bytes, NUL added).
 * -EFBIG when it is longer, -errno when it cannot be read.
 */
int kvmdfs_read_file(const char *path, char *buf, size_t cap, size_t *len);

/* "PID-FD" (both decimal, no signs, no leading zeros beyond "0"). */
int kvmdfs_parse_vmdir(const char *name, uint32_t *pid, uint32_t *fd);

/* "vcpuN" -> N. */
int kvmdfs_parse_vcpudir(const char *name, uint32_t *n);

/*
 * Whether the patch gives this reason a slot of its own (VMX 0-77; SVM
 * 0x0-0xA5, 0x400-0x403, 0xFFFFFFFF); other reasons are counted in `other`.
 */
bool kvmdfs_has_slot(uint8_t isa, uint32_t reason);

/* a += b, reason by reason (a->isa is taken from b when a has none). -EXDEV on mixed isas. */
int kvmdfs_stats_add(struct kvmdfs_stats *a, const struct kvmdfs_stats *b);

/* a -= b, clamped at 0 (a VM directory that went away and came back). */
void kvmdfs_stats_sub(struct kvmdfs_stats *a, const struct kvmdfs_stats *b);

/* The entry of reason in s, NULL if not listed. */
const struct kvmdfs_reason *kvmdfs_find(const struct kvmdfs_stats *s, uint32_t reason);

/* Kernel figures of one VMM process: the sum over its VM directories and vCPUs. */
struct kvmdfs_vm {
	uint32_t pid;
	unsigned ndirs;		/* VM directories (a process may create several VMs) */
	unsigned nvcpus;	/* vcpuN directories */
	bool have_exits;	/* the `exits` statistic was read (every kernel has it) */
	uint64_t exits;
	bool have_patch;	/* every vCPU had an exit_stats file */
	unsigned npatch;	/* vCPUs with an exit_stats file */
	struct kvmdfs_stats st;
};

/*
 * Read the figures of process pid under root (normally KVMDFS_ROOT "/kvm").
 * -ENOENT when it has no VM directory; -EINVAL/-EFBIG/-E2BIG when a file is
 * malformed (err names it); a missing exit_stats file is no error (stock KVM).
 * A file that vanishes under us (the VM was destroyed) gives -ENOENT.
 */
int kvmdfs_read_vm(const char *root, uint32_t pid, struct kvmdfs_vm *vm,
		   char *err, size_t errlen);

/*
 * Pids with a VM directory under root, ascending, without duplicates, at
 * most max. Returns how many, or -errno (-ENOENT: no such directory).
 */
int kvmdfs_list_pids(const char *root, uint32_t *pids, size_t max);

/*
 * Make sure debugfs is mounted at KVMDFS_ROOT: mounts it if it is not.
 * 0 when /sys/kernel/debug/kvm is there afterwards; else -errno and a
 * sentence in err.
 */
int kvmdfs_ensure_mounted(char *err, size_t errlen);

#endif

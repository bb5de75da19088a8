/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exittop --check: the BPF figures of every traced VM beside KVM's own,
 * read from debugfs (kvmdebugfs.h): the per-VM `exits` statistic of every
 * kernel, and with the exittop kernel patch the per-reason counts and TSC
 * cycles of the vCPUs' exit_stats files. See docs/check.md.
 *
 * Exit status of a check run: 0 the counts agree, 1 runtime error,
 * 3 a count difference was flagged on a VM that started after exittop
 * attached (VMs started before are "partial": shown, never failed).
 */
#ifndef EXITTOP_CHECK_H
#define EXITTOP_CHECK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmdebugfs.h"
#include "model.h"

#define CHECK_EXIT_DIFF	3

struct check_reason {
	uint32_t reason;	/* VMX: the basic reason (bits 15:0) */
	bool other;		/* the patch's `other` line: reasons without a slot */
	uint64_t bpf_count, bpf_lat_count, bpf_lat_sum_ns;
	bool have_kernel;	/* the patch's count is known */
	uint64_t kern_count;	/* at the read before the BPF read */
	uint64_t kern_count_after;	/* at the read after it */
	uint64_t kern_cycles;
	double kern_ns;		/* cycles converted; < 0 without a TSC frequency */
	int64_t diff;		/* bpf - kernel, 0 when within [before, after] */
	bool flagged;
};

#define CHECK_MAX_REASONS (KVMDFS_MAX_REASONS + 64)

struct check_vm {
	uint32_t pid;
	char name[64];
	bool partial;		/* started before exittop attached: kernel figures are deltas */
	bool no_kernel;		/* no debugfs figures (VM gone, or unreadable: note says) */
	bool patched;		/* per-reason exit_stats figures */
	bool stable;		/* nothing moved between the two kernel reads */
	unsigned nvcpus;
	uint8_t isa;
	uint64_t bpf_total, bpf_lat_count, bpf_lat_sum_ns;
	bool have_exits;
	uint64_t exits, exits_after;	/* KVM's `exits` statistic */
	int64_t exits_diff;
	bool exits_flagged;
	uint64_t patch_total, patch_total_after, patch_cycles;
	double patch_ns;
	int64_t patch_diff;
	bool patch_flagged;
	size_t n;
	struct check_reason r[CHECK_MAX_REASONS];
	bool flagged;		/* any difference flagged */
	bool fails;		/* flagged and exact (not partial): exit status 3 */
	char note[160];
};

/*
 * Fill v from the BPF rows of v->pid (totals since attach) and the kernel
 * figures read before (k1) and after (k2) the BPF read; base (may be NULL)
 * is subtracted from both (a partial VM: its figures when exittop attached).
 * k1 or k2 NULL: no kernel figures. tsc_khz <= 0: no time conversion.
 * v->pid, name and partial are set by the caller; the rest is computed.
 */
void check_compare(struct check_vm *v, const struct stat_row *rows, size_t nrows,
		   const struct kvmdfs_vm *k1, const struct kvmdfs_vm *k2,
		   const struct kvmdfs_vm *base, double tsc_khz);

/* What a report says besides the VMs. */
struct check_report {
	const char *host, *kernel;
	double wall_s;
	uint64_t seq;
	double tsc_khz;		/* <= 0: unknown */
	const char *tsc_source;
	size_t gone;		/* traced VMs that have ended (no kernel figures left) */
	const struct check_vm *vms;
	size_t nvms;
};

int check_output_text(FILE *f, const struct check_report *r);
int check_output_json(FILE *f, const struct check_report *r);

/*
 * The kernel's TSC frequency in kHz, and where it came from (src):
 * KVM_GET_TSC_KHZ of a scratch VM (KVM's host TSC frequency), else the
 * kernel log's "tsc: Refined TSC clocksource calibration" or "tsc: Detected"
 * line. 0 on success, -ENOENT when none worked (src says why).
 */
int check_tsc_khz(double *khz, char *src, size_t srclen);

/* The "MHz" figure of a kernel log line (a "tsc: " message), 0 if none. */
double check_parse_tsc_log(const char *log, size_t len, bool *refined);

struct collector;

struct check_opts {
	const uint32_t *pids;	/* -p */
	size_t npids;
	double delay_s;
	uint64_t iterations;	/* 0: until stopped */
	bool json;
	const char *host, *kernel;
	volatile sig_atomic_t *stop;
};

/* The check loop; returns the exit status (0, 1 or CHECK_EXIT_DIFF). */
int check_run(struct collector *c, const struct check_opts *o);

#endif

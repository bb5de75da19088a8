// SPDX-License-Identifier: GPL-2.0
/*
 * The lists of --pio-ports, --msrs and --cpuid-leaves (see spread.h).
 * Items are comma-separated; numbers as parse_u64 (decimal or 0x hex).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "parse.h"
#include "spread.h"

/*
 * The MSRs --msrs accepts: each is intercepted for RDMSR (and WRMSR where
 * written) on SVM and VMX alike (in neither KVM's SVM direct_access_msrs
 * pass-through set nor VMX's vmx_possible_passthrough_msrs, checked in the
 * 6.1 and 6.12 sources), and answered by kvm_{get,set}_msr_common without
 * userspace. A write puts back the value just read; it is done only where
 * that has no effect at all.
 */
static const struct eg_msr known_msrs[] = {
	/* emulated bits only; the same value changes nothing */
	{ MSR_INDEX, true, "IA32_MISC_ENABLE" },
	/*
	 * read only: a write goes through kvm_set_apic_base()'s mode checks,
	 * with no in-kernel LAPIC behind them
	 */
	{ 0x1b, false, "IA32_APIC_BASE" },
	/* read only by architecture (a write is #GP) */
	{ 0xfe, false, "IA32_MTRRCAP" },
	/* set_efer() with unchanged LME/NX: no MMU reset */
	{ 0xc0000080, true, "EFER" },
	/* KVM keeps and returns what was written (0 at first) */
	{ 0xc0010015, true, "HWCR" },
};

#define NKNOWN (sizeof(known_msrs) / sizeof(known_msrs[0]))

static char msg[256];

void spread_msr_help(FILE *f)
{
	for (size_t i = 0; i < NKNOWN; i++)
		fprintf(f, "%23s0x%-10x %-17s %s\n", "", known_msrs[i].index,
			known_msrs[i].name,
			known_msrs[i].write ? "RDMSR + WRMSR" : "RDMSR only");
}

/* Splits "A[:B]" in place: returns A; *b is B, or NULL without a colon. */
static char *split_colon(char *item, char **b)
{
	char *colon = strchr(item, ':');

	*b = NULL;
	if (colon) {
		*colon = '\0';
		*b = colon + 1;
	}
	return item;
}

/* Runs one(item) for each item of list; stops at the first message. */
static const char *each_item(struct eg_args *a, const char *opt, const char *list,
			     const char *(*one)(struct eg_args *, char *, char *))
{
	char *copy, *save = NULL, *item;
	const char *err = NULL;

	if (!*list) {
		snprintf(msg, sizeof(msg), "%s: empty list", opt);
		return msg;
	}
	if (list[strlen(list) - 1] == ',' || *list == ',' || strstr(list, ",,")) {
		snprintf(msg, sizeof(msg), "%s: empty item in '%s'", opt, list);
		return msg;
	}
	copy = strdup(list);
	if (!copy)
		abort();
	for (item = strtok_r(copy, ",", &save); item && !err;
	     item = strtok_r(NULL, ",", &save)) {
		char *b;

		item = split_colon(item, &b);
		err = one(a, item, b);
	}
	free(copy);
	return err;
}

static const char *one_port(struct eg_args *a, char *item, char *b)
{
	uint64_t port, size = a->pio_size;

	if (parse_u64(item, 0xffff, &port)) {
		snprintf(msg, sizeof(msg), "--pio-ports: bad port '%s' (0..0xffff)", item);
		return msg;
	}
	if (port >= PORT_CTL_FIRST && port <= PORT_CTL_LAST) {
		snprintf(msg, sizeof(msg), "--pio-ports: port 0x%x..0x%x are exitgen's "
			 "own control ports", PORT_CTL_FIRST, PORT_CTL_LAST);
		return msg;
	}
	if (b && (parse_u64(b, 4, &size) || (size != 1 && size != 2 && size != 4))) {
		snprintf(msg, sizeof(msg), "--pio-ports: bad size '%s' for port %s "
			 "(1, 2 or 4)", b, item);
		return msg;
	}
	for (unsigned int i = 0; i < a->nports; i++) {
		if (a->ports[i].port == port) {
			snprintf(msg, sizeof(msg), "--pio-ports: port 0x%llx twice",
				 (unsigned long long)port);
			return msg;
		}
	}
	if (a->nports >= TBL_MAX) {
		snprintf(msg, sizeof(msg), "--pio-ports: more than %d ports", TBL_MAX);
		return msg;
	}
	a->ports[a->nports].port = port;
	a->ports[a->nports].size = size;
	a->nports++;
	return NULL;
}

const char *spread_parse_ports(struct eg_args *a, const char *list)
{
	return each_item(a, "--pio-ports", list, one_port);
}

static const char *one_msr(struct eg_args *a, char *item, char *b)
{
	const struct eg_msr *k = NULL;
	uint64_t index;

	if (parse_u64(item, UINT32_MAX, &index)) {
		snprintf(msg, sizeof(msg), "--msrs: bad MSR index '%s'", item);
		return msg;
	}
	for (size_t i = 0; i < NKNOWN; i++)
		if (known_msrs[i].index == index)
			k = &known_msrs[i];
	if (!k && index == 0x10) {
		snprintf(msg, sizeof(msg), "--msrs: 0x10 (IA32_TSC): KVM on VMX "
			 "lets RDMSR of it through without an exit");
		return msg;
	}
	if (!k) {
		snprintf(msg, sizeof(msg), "--msrs: 0x%llx is not one of the MSRs "
			 "exitgen knows to exit on SVM and VMX and be handled in "
			 "KVM (see --help)", (unsigned long long)index);
		return msg;
	}
	if (b && strcmp(b, "r")) {
		snprintf(msg, sizeof(msg), "--msrs: 0x%llx:%s: only ':r' (read, no "
			 "write) may follow an index", (unsigned long long)index, b);
		return msg;
	}
	for (unsigned int i = 0; i < a->nmsrs; i++) {
		if (a->msrs[i].index == index) {
			snprintf(msg, sizeof(msg), "--msrs: 0x%llx twice",
				 (unsigned long long)index);
			return msg;
		}
	}
	if (a->nmsrs >= TBL_MAX) {
		snprintf(msg, sizeof(msg), "--msrs: more than %d MSRs", TBL_MAX);
		return msg;
	}
	a->msrs[a->nmsrs] = *k;
	if (b)
		a->msrs[a->nmsrs].write = false;
	a->nmsrs++;
	return NULL;
}

const char *spread_parse_msrs(struct eg_args *a, const char *list)
{
	return each_item(a, "--msrs", list, one_msr);
}

static const char *one_leaf(struct eg_args *a, char *item, char *b)
{
	uint64_t leaf, sub = 0;

	if (parse_u64(item, UINT32_MAX, &leaf)) {
		snprintf(msg, sizeof(msg), "--cpuid-leaves: bad leaf '%s'", item);
		return msg;
	}
	if (b && parse_u64(b, UINT32_MAX, &sub)) {
		snprintf(msg, sizeof(msg), "--cpuid-leaves: bad subleaf '%s'", b);
		return msg;
	}
	for (unsigned int i = 0; i < a->nleaves; i++) {
		if (a->leaves[i].leaf == leaf && a->leaves[i].subleaf == sub) {
			snprintf(msg, sizeof(msg), "--cpuid-leaves: 0x%llx:0x%llx twice",
				 (unsigned long long)leaf, (unsigned long long)sub);
			return msg;
		}
	}
	if (a->nleaves >= TBL_MAX) {
		snprintf(msg, sizeof(msg), "--cpuid-leaves: more than %d leaves", TBL_MAX);
		return msg;
	}
	a->leaves[a->nleaves].leaf = leaf;
	a->leaves[a->nleaves].subleaf = sub;
	a->nleaves++;
	return NULL;
}

const char *spread_parse_leaves(struct eg_args *a, const char *list)
{
	return each_item(a, "--cpuid-leaves", list, one_leaf);
}

void spread_defaults(struct eg_args *a)
{
	if (!a->nports) {
		a->ports[0].port = PORT_PIO;
		a->ports[0].size = a->pio_size;
		a->nports = 1;
	}
	if (!a->nmsrs) {
		a->msrs[0] = known_msrs[0];
		a->nmsrs = 1;
	}
	if (!a->nleaves) {
		a->leaves[0].leaf = a->cpuid_leaf;
		a->leaves[0].subleaf = a->cpuid_subleaf;
		a->nleaves = 1;
	}
	if (!a->mmio_pages)
		a->mmio_pages = 1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * exitcpuid: run INSIDE a KVM guest; reads the per-VM exit statistics that
 * the exittop kernel patch serves through CPUID:
 *
 *   0x4FFFFFFF            EAX = total exits (low 32 bits), EBX = signature
 *                         0x74697845 ("Exit"), ECX = numbering (1 VMX, 2 SVM)
 *   0x4FFFFFFE            EBX:ECX = total time, exit to next entry, TSC cycles
 *   0x4FFFFFFD, ECX = r   EAX = exits with reason r
 *   0x4FFFFFFC, ECX = r   EBX:ECX = time (exit to next entry) of reason r
 *   (0x4FFFFFFD/C: EDX = 0xFFFFFFFF if r is not defined by the architecture;
 *    all four 0 if defined but not handled by KVM)
 *
 * The signature tells that the leaves are present and the numbering how to
 * read reason numbers, without trusting the CPU vendor string (which a VMM
 * may set to anything).
 *
 * Built static (see the Makefile) so it runs in any guest userland.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exits.h"
#include "json.h"
#include "reasons.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "exitcpuid reads x86 CPUID leaves"
#endif

#define LEAF_TOTAL_EXITS	0x4fffffffu
#define LEAF_TOTAL_CYCLES	0x4ffffffeu
#define LEAF_REASON_EXITS	0x4ffffffdu
#define LEAF_REASON_CYCLES	0x4ffffffcu
#define EDX_UNDEFINED		0xffffffffu
#define EXIT_STATS_SIGNATURE	0x74697845u	/* "Exit" */
#define EXIT_STATS_ISA_VMX	1u
#define EXIT_STATS_ISA_SVM	2u

struct regs {
	uint32_t a, b, c, d;
};

/* CPUID with an explicit subleaf in ECX (__get_cpuid ignores subleaves). */
static struct regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct regs r;

	__asm__ __volatile__("cpuid"
			     : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			     : "a"(leaf), "c"(subleaf));
	return r;
}

static void vendor_string(uint32_t leaf, char out[13], bool ebx_ecx_edx)
{
	struct regs r = cpuid(leaf, 0);
	uint32_t w[3];

	if (ebx_ecx_edx) {	/* leaf 0: EBX, EDX, ECX */
		w[0] = r.b; w[1] = r.d; w[2] = r.c;
	} else {		/* hypervisor leaf: EBX, ECX, EDX */
		w[0] = r.b; w[1] = r.c; w[2] = r.d;
	}
	memcpy(out, w, 12);
	out[12] = 0;
	for (int i = 0; i < 12; i++)
		if (out[i] && (out[i] < 0x20 || out[i] > 0x7e))
			out[i] = '?';
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--isa vmx|svm] [--all] [--json]\n"
		"Run inside a KVM guest: print the per-VM exit statistics that the exittop\n"
		"kernel patch serves through CPUID leaves 0x4FFFFFFC..0x4FFFFFFF.\n"
		"\n"
		"  --isa vmx|svm  exit reason numbering to use (default: the one the host\n"
		"                 reports in 0x4FFFFFFF ECX; without the leaves, from the\n"
		"                 CPU vendor: AuthenticAMD/HygonGenuine -> svm, else vmx)\n"
		"  --all          also list reasons with no exits and no cycles\n"
		"  --json         one JSON object on stdout\n"
		"  -h, --help     this text\n"
		"\n"
		"Times are TSC cycles from each exit to the next entry of its vCPU (VMM and\n"
		"HLT time included). Reasons for which the host reports EDX=0xFFFFFFFF (not\n"
		"defined) are skipped. Without the leaves (no signature in 0x4FFFFFFF EBX)\n"
		"that is reported, and all counts are shown as 0.\n"
		"Exit status: 0 ok (also when unsupported), 1 error, 2 usage error.\n",
		prog);
}

struct row {
	uint32_t code;
	uint32_t exits;
	uint64_t cycles;
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "isa",  required_argument, NULL, 'i' },
		{ "all",  no_argument,       NULL, 'a' },
		{ "json", no_argument,       NULL, 'j' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argc > 0 ? argv[0] : "exitcpuid";
	bool all = false, json = false;
	uint8_t isa = 0;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "ajh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (strcasecmp(optarg, "vmx") == 0 || strcasecmp(optarg, "intel") == 0)
				isa = EXITS_ISA_VMX;
			else if (strcasecmp(optarg, "svm") == 0 || strcasecmp(optarg, "amd") == 0)
				isa = EXITS_ISA_SVM;
			else {
				fprintf(stderr, "%s: bad --isa '%s' (vmx or svm)\n", prog, optarg);
				usage(stderr, prog);
				return 2;
			}
			break;
		case 'a':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout, prog);
			return 0;
		default:
			fprintf(stderr, "%s: unknown option or missing argument: '%s'\n",
				prog, argv[optind - 1]);
			usage(stderr, prog);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr, prog);
		return 2;
	}

	char vendor[13], hv[13] = "";
	struct regs l0 = cpuid(0, 0);
	bool in_vm = l0.a >= 1 && (cpuid(1, 0).c & (1u << 31));

	vendor_string(0, vendor, true);
	if (in_vm)
		vendor_string(0x40000000u, hv, false);
	struct regs tot = cpuid(LEAF_TOTAL_EXITS, 0);
	struct regs cyc = cpuid(LEAF_TOTAL_CYCLES, 0);
	uint64_t total_cycles = ((uint64_t)cyc.b << 32) | cyc.c;
	/* Without the leaves, 0x4FFFFFFF holds whatever KVM or the VMM returns. */
	bool unsupported = tot.b != EXIT_STATS_SIGNATURE ||
			   (tot.c != EXIT_STATS_ISA_VMX && tot.c != EXIT_STATS_ISA_SVM);
	uint8_t host_isa = unsupported ? 0 :
			   tot.c == EXIT_STATS_ISA_SVM ? EXITS_ISA_SVM : EXITS_ISA_VMX;
	const char *isa_from = "option";

	if (!isa && host_isa) {
		isa = host_isa;
		isa_from = "host";
	} else if (!isa) {
		if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0)
			isa = EXITS_ISA_SVM;
		else
			isa = EXITS_ISA_VMX;	/* GenuineIntel and anything else */
		isa_from = "vendor";
	} else if (host_isa && isa != host_isa) {
		fprintf(stderr, "%s: warning: the host numbers reasons as %s, --isa asks for %s\n",
			prog, host_isa == EXITS_ISA_SVM ? "svm" : "vmx",
			isa == EXITS_ISA_SVM ? "svm" : "vmx");
	}

	struct row *rows = NULL;
	size_t nrows = 0, nundef = 0, nreasons = 0;
	uint32_t code;

	while (reason_at(isa, nreasons, NULL))
		nreasons++;
	rows = calloc(nreasons ? nreasons : 1, sizeof(*rows));
	if (!rows) {
		perror("calloc");
		return 1;
	}
	for (size_t i = 0; reason_at(isa, i, &code); i++) {
		struct regs e = cpuid(LEAF_REASON_EXITS, code);
		struct regs t = cpuid(LEAF_REASON_CYCLES, code);
		uint64_t cycles = ((uint64_t)t.b << 32) | t.c;

		if (!unsupported && (e.d == EDX_UNDEFINED || t.d == EDX_UNDEFINED)) {
			nundef++;
			continue;
		}
		if (unsupported) {	/* garbage from another leaf: show zeros */
			e.a = 0;
			cycles = 0;
		}
		if (!all && e.a == 0 && cycles == 0)
			continue;
		rows[nrows].code = code;
		rows[nrows].exits = e.a;
		rows[nrows].cycles = cycles;
		nrows++;
	}

	const char *isa_s = isa == EXITS_ISA_SVM ? "svm" : "vmx";
	uint32_t total_exits = unsupported ? 0 : tot.a;

	if (unsupported)
		total_cycles = 0;
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL, JSON_COMPACT);
		json_str(&j, "isa", isa_s);
		json_str(&j, "isa_from", isa_from);
		json_str(&j, "vendor", vendor);
		json_str(&j, "hypervisor", hv);
		json_bool(&j, "supported", !unsupported);
		json_u64(&j, "total_exits", total_exits);
		json_u64(&j, "total_cycles", total_cycles);
		json_u64(&j, "undefined_skipped", nundef);
		json_arr(&j, "raw_total", JSON_COMPACT);
		json_u64(&j, NULL, tot.a);
		json_u64(&j, NULL, tot.b);
		json_u64(&j, NULL, tot.c);
		json_u64(&j, NULL, tot.d);
		json_end(&j);
		json_arr(&j, "reasons", JSON_COMPACT);
		for (size_t i = 0; i < nrows; i++) {
			char nb[48];

			json_obj(&j, NULL, JSON_COMPACT);
			json_u64(&j, "code", rows[i].code);
			json_str(&j, "name", reason_format(isa, rows[i].code, nb, sizeof(nb)));
			json_u64(&j, "exits", rows[i].exits);
			json_u64(&j, "cycles", rows[i].cycles);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
	} else {
		printf("cpu vendor %s, hypervisor %s, reasons %s (from the %s)\n", vendor,
		       in_vm ? (hv[0] ? hv : "(unnamed)") : "(none: not in a VM?)", isa_s,
		       isa_from);
		if (unsupported)
			printf("CPUID leaves 0x4FFFFFFC..F appear unsupported (0x4FFFFFFF: "
			       "eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x, no signature "
			       "0x%08x in ebx): host KVM lacks the exittop patch or has it off; "
			       "counts shown as 0\n",
			       tot.a, tot.b, tot.c, tot.d, EXIT_STATS_SIGNATURE);
		printf("total exits  (0x4FFFFFFF) %" PRIu32 "\n", total_exits);
		printf("total cycles (0x4FFFFFFE) %" PRIu64 " (exit to next entry)\n",
		       total_cycles);
		if (nundef)
			printf("(%zu reasons reported undefined by the host, skipped)\n", nundef);
		printf("%-10s %-24s %12s %20s\n", "code", "reason", "exits", "cycles");
		for (size_t i = 0; i < nrows; i++) {
			char cb[16], nb[48];

			snprintf(cb, sizeof(cb), isa == EXITS_ISA_SVM ? "0x%x" : "%u",
				 rows[i].code);
			printf("%-10s %-24s %12" PRIu32 " %20" PRIu64 "\n", cb,
			       reason_format(isa, rows[i].code, nb, sizeof(nb)),
			       rows[i].exits, rows[i].cycles);
		}
		if (!nrows && !all)
			printf("(no reason with exits; --all lists every reason)\n");
	}
	free(rows);
	return 0;
}

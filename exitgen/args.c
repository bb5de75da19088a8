// SPDX-License-Identifier: GPL-2.0
/* Command line parsing and --help. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "layout.h"
#include "parse.h"
#include "spread.h"

static const char usage_text[] =
"usage: exitgen [OPTIONS]\n"
"\n"
"A minimal VMM on /dev/kvm whose 64-bit guest causes an exactly known mix of\n"
"VM exits, then prints one JSON object on stdout (see docs/exitgen.md).\n"
"Every vCPU performs the FULL counts below: totals are vcpus x counts.\n"
"\n"
"  --vcpus N            vCPUs, one host thread each (1..%d, default 1)\n"
"  --cpuid N            CPUID instructions per vCPU (default 0)\n"
"  --cpuid-leaf L       their EAX (default 0)\n"
"  --cpuid-subleaf S    their ECX (default 0)\n"
"  --cpuid-leaves LIST  instead: the CPUIDs go round-robin over LIST, items\n"
"                       LEAF or LEAF:SUBLEAF (subleaf default 0), e.g.\n"
"                       0,0x7:0,0x80000001 (at most %d)\n"
"  --pio N              OUTs per vCPU to port 0x%x (exit to exitgen)\n"
"  --pio-in N           INs per vCPU, after the OUTs, same ports and sizes\n"
"  --pio-ports LIST     spread the OUTs (and INs) round-robin over LIST, items\n"
"                       PORT or PORT:SIZE, e.g. 0x70,0x80:2,0xe9 (at most %d;\n"
"                       no in-kernel device claims any port here)\n"
"  --pio-size S         1 (default), 2 or 4: size where an item gives none\n"
"  --mmio N             4-byte writes to GPA 0x%x (mapped by the guest, no\n"
"                       memslot: each exits to exitgen as KVM_EXIT_MMIO)\n"
"  --mmio-pages P       spread them round-robin over the first P pages from\n"
"                       there (4 KiB apart; 1..%d, default 1)\n"
"  --msr N              N rounds of RDMSR (+ WRMSR of the value read) of MSR\n"
"                       0x%x (IA32_MISC_ENABLE, intercepted on VMX and SVM,\n"
"                       handled in KVM): 2N MSR exits per vCPU\n"
"  --msrs LIST          spread the rounds round-robin over LIST (at most %d),\n"
"                       items INDEX or INDEX:r (read only); accepted, with\n"
"                       what a round does by default:\n"
"%s"
"  --hlt N              HLTs per vCPU; each exits to exitgen (no in-kernel\n"
"                       irqchip: KVM_EXIT_HLT), which injects vector 0x%x\n"
"                       with KVM_INTERRUPT to wake it: one HLT exit per HLT\n"
"  --hlt-delay-us U     wait U us before each wake-up, like a timer (default 0)\n"
"  --mix N              N rounds of one CPUID (the first --cpuid-leaves item)\n"
"                       and one RDMSR (the first --msrs item, read only),\n"
"                       after the MSR rounds: exits handled in KVM whose\n"
"                       reason changes on every exit\n"
"  --user-delay-us U    before re-entering after each workload exit that\n"
"                       reached exitgen (port I/O, MMIO, HLT), sleep at least\n"
"                       U us: the VMM's share of those exits' latency\n"
"  --hlt-wake W         'irq' (default): wake each HLT with the interrupt;\n"
"                       KVM then adds one immediate-exit INTR exit per wake-up\n"
"                       (its userspace-irqchip re-injection path). 'none':\n"
"                       just re-enter, the HLT is already complete: no\n"
"                       interrupt and no extra exit\n"
"  --query-leaves LIST  at the very end, after all vCPUs finished, vCPU 0 reads\n"
"                       CPUID 0x4fffffff, 0x4ffffffe, then for each subleaf S in\n"
"                       LIST 0x4ffffffd and 0x4ffffffc with ECX=S, then\n"
"                       0x4fffffff again. LIST: comma-separated numbers or\n"
"                       ranges A-B (decimal or 0x hex), e.g. 0-70,0x72,0x400\n"
"  --query-random N     append N pseudo-random subleaves (32-bit) to the list\n"
"  --seed S             seed for --query-random (default 1)\n"
"                       (at most %d subleaves in all)\n"
"  --leaves-format F    'full' (default: objects with eax..edx) or 'compact'\n"
"                       (per subleaf [subleaf, count eax..edx, time eax..edx])\n"
"  --timeout S          give up (exit 1, nothing on stdout) after S seconds:\n"
"                       stops every vCPU and says where each one was\n"
"  --stall S            fail the same way when a vCPU running guest code has\n"
"                       made no progress (no guest counter moved, no exit\n"
"                       reached exitgen) for S seconds, e.g. an exit loop\n"
"                       inside KVM (default %d, 0: off)\n"
"  --guest-memory M     'locked' (default): guest RAM without transparent huge\n"
"                       pages, mlocked and populated before the guest runs, so\n"
"                       the host has no reason to remap it under the guest;\n"
"                       'plain': an ordinary anonymous mapping (see\n"
"                       docs/exitgen.md, Guest memory)\n"
"  --fault F            self-test of the diagnostics: after the workload the\n"
"                       guest does 'ud' (UD2), 'pf' (reads an unmapped\n"
"                       address), 'stack' (UD2 with an unmapped stack: #DF)\n"
"                       or 'spin' (loops forever: --stall); exitgen must\n"
"                       then fail (exit 1) saying what happened\n"
"  --help               this text\n"
"\n"
"Exits deliberately caused per vCPU, counted in JSON 'expected' (totals):\n"
"  cpuid: N + mix (+ 3 + 2 x subleaves query CPUIDs on vCPU 0)\n"
"  io:    pio + pio-in + 1 (final OUT to port 0x%x) (+ 1 OUT to port 0x%x on\n"
"         vCPU 0 before the queries)\n"
"  mmio:  mmio; msr: msr x (1 + 1 if the MSR is written) + mix; hlt: hlt\n"
"  per port, MSR, page and leaf: JSON 'expected_detail'\n"
"cpuid, io, msr and hlt are exact; mmio may add page-fault exits (first touch\n"
"of guest pages, NPF/EPT violation); external interrupts are not predictable.\n"
"Exit status: 0 ok, 1 KVM/runtime error, 2 bad arguments.\n";

static void usage(FILE *f)
{
	char *msrs = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&msrs, &len);

	if (!m)
		abort();
	spread_msr_help(m);
	fclose(m);
	fprintf(f, usage_text, MAX_VCPUS, TBL_MAX, PORT_PIO, TBL_MAX, MMIO_GPA,
		MMIO_PAGES_MAX, MSR_INDEX, TBL_MAX, msrs, WAKE_VECTOR, MAX_QUERIES,
		EG_STALL_DEFAULT, PORT_DONE, PORT_SYNC);
	free(msrs);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "exitgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	usage(stderr);
	exit(2);
}

static uint64_t num_arg(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;

	if (parse_u64(s, max, &v)) {
		fprintf(stderr, "exitgen: %s: bad number '%s' (0..%llu)\n\n",
			opt, s, (unsigned long long)max);
		usage(stderr);
		exit(2);
	}
	return v;
}

/*
 * Which of words (NULL-terminated) arg is, as an index; anything else
 * exits 2 naming them all: "--opt: 'a', 'b' or 'c', not 'x'".
 */
static unsigned int word_arg(const char *opt, const char *arg, const char *const *words)
{
	char list[128] = "";
	size_t len = 0;
	unsigned int i;

	for (i = 0; words[i]; i++)
		if (!strcmp(arg, words[i]))
			return i;
	for (i = 0; words[i] && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s'%s'",
				!i ? "" : words[i + 1] ? ", " : " or ", words[i]);
	bad("%s: %s, not '%s'", opt, list, arg);
}

static void query_add(struct eg_args *a, uint32_t v)
{
	if (a->nquery >= MAX_QUERIES) {
		fprintf(stderr, "exitgen: more than %d query subleaves\n\n",
			MAX_QUERIES);
		usage(stderr);
		exit(2);
	}
	a->query[a->nquery++] = v;
}

/* LIST: item[,item...], item = N or A-B (A <= B), numbers as parse_u64. */
static void parse_list(struct eg_args *a, const char *list)
{
	char *copy = strdup(list), *save = NULL, *item;

	if (!copy)
		abort();
	if (!*list)
		bad("--query-leaves: empty list");
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		uint64_t lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_u64(item, UINT32_MAX, &lo))
			bad("--query-leaves: bad item '%s'", item);
		hi = lo;
		if (dash && (parse_u64(dash + 1, UINT32_MAX, &hi) || hi < lo))
			bad("--query-leaves: bad range end '%s'", dash + 1);
		if (hi - lo >= MAX_QUERIES)
			bad("--query-leaves: range too large at '%s'", item);
		for (uint64_t v = lo; v <= hi; v++)
			query_add(a, (uint32_t)v);
	}
	free(copy);
}

/* splitmix64: tiny, well distributed, same sequence everywhere for a seed. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

enum {
	O_VCPUS = 256, O_CPUID, O_LEAF, O_SUBLEAF, O_PIO, O_MMIO, O_MSR, O_HLT,
	O_HLT_DELAY, O_HLT_WAKE, O_QLEAVES, O_QRANDOM, O_SEED, O_LFORMAT, O_TIMEOUT, O_STALL, O_FAULT, O_GMEM, O_HELP,
	O_LEAVES, O_PIO_IN, O_PORTS, O_PIO_SIZE, O_MMIO_PAGES, O_MSRS, O_UDELAY, O_MIX,
};

void args_parse(struct eg_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vcpus", required_argument, NULL, O_VCPUS },
		{ "cpuid", required_argument, NULL, O_CPUID },
		{ "cpuid-leaf", required_argument, NULL, O_LEAF },
		{ "cpuid-subleaf", required_argument, NULL, O_SUBLEAF },
		{ "pio", required_argument, NULL, O_PIO },
		{ "mmio", required_argument, NULL, O_MMIO },
		{ "msr", required_argument, NULL, O_MSR },
		{ "hlt", required_argument, NULL, O_HLT },
		{ "hlt-delay-us", required_argument, NULL, O_HLT_DELAY },
		{ "hlt-wake", required_argument, NULL, O_HLT_WAKE },
		{ "query-leaves", required_argument, NULL, O_QLEAVES },
		{ "query-random", required_argument, NULL, O_QRANDOM },
		{ "seed", required_argument, NULL, O_SEED },
		{ "leaves-format", required_argument, NULL, O_LFORMAT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "stall", required_argument, NULL, O_STALL },
		{ "fault", required_argument, NULL, O_FAULT },
		{ "guest-memory", required_argument, NULL, O_GMEM },
		{ "help", no_argument, NULL, O_HELP },
		{ "cpuid-leaves", required_argument, NULL, O_LEAVES },
		{ "pio-in", required_argument, NULL, O_PIO_IN },
		{ "pio-ports", required_argument, NULL, O_PORTS },
		{ "pio-size", required_argument, NULL, O_PIO_SIZE },
		{ "mmio-pages", required_argument, NULL, O_MMIO_PAGES },
		{ "msrs", required_argument, NULL, O_MSRS },
		{ "user-delay-us", required_argument, NULL, O_UDELAY },
		{ "mix", required_argument, NULL, O_MIX },
		{ NULL, 0, NULL, 0 },
	};
	/* Counts are bounded so that totals (x vcpus) cannot overflow. */
	const uint64_t cmax = 1ULL << 40;
	const char *list = NULL, *ports = NULL, *msrs = NULL, *leaves = NULL;
	const char *err = NULL;
	bool leaf_given = false;
	uint64_t nrandom = 0, seed = 1;
	int c, li = 0;

	memset(a, 0, sizeof(*a));
	a->vcpus = 1;
	a->stall = EG_STALL_DEFAULT;
	a->pio_size = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, &li)) != -1) {
		char name[32];

		snprintf(name, sizeof(name), "--%s", opts[li].name);

		switch (c) {
		case O_VCPUS:
			a->vcpus = num_arg(name, optarg, MAX_VCPUS);
			if (!a->vcpus)
				bad("--vcpus must be at least 1");
			break;
		case O_CPUID: a->cpuid = num_arg(name, optarg, cmax); break;
		case O_LEAF:
			a->cpuid_leaf = num_arg(name, optarg, UINT32_MAX);
			leaf_given = true;
			break;
		case O_SUBLEAF:
			a->cpuid_subleaf = num_arg(name, optarg, UINT32_MAX);
			leaf_given = true;
			break;
		case O_LEAVES: leaves = optarg; break;
		case O_PIO_IN: a->pio_in = num_arg(name, optarg, cmax); break;
		case O_PORTS: ports = optarg; break;
		case O_PIO_SIZE:
			a->pio_size = 1u << word_arg(name, optarg, (const char *const[]){ "1", "2", "4", NULL });
			break;
		case O_MMIO_PAGES:
			a->mmio_pages = num_arg(name, optarg, MMIO_PAGES_MAX);
			if (!a->mmio_pages)
				bad("--mmio-pages must be at least 1");
			break;
		case O_MSRS: msrs = optarg; break;
		case O_UDELAY: a->user_delay_us = num_arg(name, optarg, 10000000); break;
		case O_MIX: a->mix = num_arg(name, optarg, cmax); break;
		case O_PIO: a->pio = num_arg(name, optarg, cmax); break;
		case O_MMIO: a->mmio = num_arg(name, optarg, cmax); break;
		case O_MSR: a->msr = num_arg(name, optarg, cmax); break;
		case O_HLT: a->hlt = num_arg(name, optarg, cmax); break;
		case O_HLT_DELAY: a->hlt_delay_us = num_arg(name, optarg, 10000000); break;
		case O_HLT_WAKE:
			a->hlt_no_wake = word_arg(name, optarg, (const char *const[]){ "irq", "none", NULL });
			break;
		case O_QLEAVES: list = optarg; a->query_on = true; break;
		case O_QRANDOM:
			nrandom = num_arg(name, optarg, MAX_QUERIES);
			a->query_on = true;
			break;
		case O_SEED: seed = num_arg(name, optarg, UINT64_MAX); break;
		case O_LFORMAT:
			a->compact = word_arg(name, optarg, (const char *const[]){ "full", "compact", NULL });
			break;
		case O_TIMEOUT: a->timeout = num_arg(name, optarg, 86400); break;
		case O_STALL: a->stall = num_arg(name, optarg, 86400); break;
		case O_GMEM:
			a->mem_plain = word_arg(name, optarg, (const char *const[]){ "locked", "plain", NULL });
			break;
		case O_FAULT:
			/* in the order of FAULT_UD..FAULT_SPIN (layout.h) */
			a->fault = FAULT_UD + word_arg(name, optarg,
						       (const char *const[]){ "ud", "pf", "stack", "spin", NULL });
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case ':':
			bad("option %s needs an argument", argv[optind - 1]);
		default:
			bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad("unexpected argument '%s'", argv[optind]);
	if (leaves && leaf_given)
		bad("--cpuid-leaves and --cpuid-leaf/--cpuid-subleaf exclude each other");
	/* Lists last: a --pio-size anywhere on the line applies to them. */
	if (ports)
		err = spread_parse_ports(a, ports);
	if (!err && msrs)
		err = spread_parse_msrs(a, msrs);
	if (!err && leaves)
		err = spread_parse_leaves(a, leaves);
	if (err)
		bad("%s", err);
	a->leaves_given = leaves != NULL;
	spread_defaults(a);

	if (a->query_on) {
		a->query = calloc(MAX_QUERIES, sizeof(*a->query));
		if (!a->query)
			abort();
		if (list)
			parse_list(a, list);
		for (uint64_t i = 0; i < nrandom; i++)
			query_add(a, (uint32_t)splitmix64(&seed));
	}
}

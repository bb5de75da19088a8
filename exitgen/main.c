// SPDX-License-Identifier: GPL-2.0
/*
 * exitgen: a VMM whose guest causes an exactly known mix of VM exits.
 * The files: args (command line), vm (VM/vCPU setup), guest.S (the guest),
 * run (vCPU threads), kvmstats (KVM_GET_STATS_FD), report + json (output).
 *
 * The report is built in memory and written in one go at the very end,
 * so a failure never leaves half a JSON object on stdout.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "clock.h"
#include "kvmstats.h"
#include "report.h"
#include "run.h"
#include "util.h"
#include "vm.h"

/* Backstop only: the watchdog in run.c normally stops the vCPUs itself. */
static void on_alarm(int sig)
{
	static const char msg[] = "exitgen: --timeout expired, giving up\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int read_all_stats(struct eg_vm *vm, struct eg_result *res)
{
	res->have_stats = vm->stats_fd >= 0;
	if (!res->have_stats)
		return 0;
	if (kvmstats_read(vm->stats_fd, &res->vm_stats, "vm"))
		return -1;
	res->vcpu_stats = calloc(vm->nvcpus, sizeof(*res->vcpu_stats));
	if (!res->vcpu_stats)
		abort();
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		char who[32];

		snprintf(who, sizeof(who), "vcpu %u", i);
		if (kvmstats_read(vm->vcpus[i].stats_fd, &res->vcpu_stats[i], who))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct eg_args a;
	struct eg_vm vm;
	struct eg_result res;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	uint64_t deadline = 0;

	args_parse(&a, argc, argv);
	if (a.timeout) {
		deadline = clock_mono_ns() + a.timeout * 1000000000ULL;
		signal(SIGALRM, on_alarm);
		alarm(a.timeout + 10);
	}
	memset(&res, 0, sizeof(res));
	if (vm_create(&vm, &a))
		return 1;
	if (run_vcpus(&vm, &a, deadline, &res.elapsed_ns))
		return 1;
	if (read_all_stats(&vm, &res))
		return 1;
	if (report_check(&vm, &a))
		return 1;

	out = open_memstream(&buf, &len);
	if (!out) {
		eg_err("open_memstream: out of memory");
		return 1;
	}
	report_write(out, &vm, &a, &res);
	if (fclose(out)) {
		eg_err("building the report failed");
		return 1;
	}
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
		eg_err("writing the report to stdout failed");
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What the host must give exittop before any BPF object is opened: the
 * capabilities to load programs, kernel BTF, tracefs's kvm events and a pid
 * list that fits the filter map. Each failure says what is missing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "collect.h"
#include "exits.h"
#include "hostcheck.h"
#include "tpformat.h"

static int has_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t eff;

	if (geteuid() == 0)
		return 1;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return 0;
	eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
#define CAPB(n) (UINT64_C(1) << (n))
	if (eff & CAPB(21))	/* CAP_SYS_ADMIN */
		return 1;
	return (eff & CAPB(39)) && (eff & CAPB(38));	/* CAP_BPF, CAP_PERFMON */
#undef CAPB
}

int host_check(const struct collect_opts *o, const char **evdir, char *err, size_t errlen)
{
	if (!has_caps()) {
		snprintf(err, errlen, "needs root (or CAP_BPF and CAP_PERFMON) to load the BPF programs");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "the kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			 "a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed");
		return -ENOTSUP;
	}
	*evdir = tp_kvm_events_dir(err, errlen);
	if (!*evdir)
		return -ENOENT;
	if (o && o->npids > EXITS_MAX_PIDS) {
		snprintf(err, errlen, "at most %d pids can be traced", EXITS_MAX_PIDS);
		return -E2BIG;
	}
	return 0;
}

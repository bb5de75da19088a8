// SPDX-License-Identifier: GPL-2.0
/*
 * exittop --check, the TSC frequency that turns the patch's cycle counts
 * into time: KVM_GET_TSC_KHZ of a scratch VM, else the kernel log's tsc
 * lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <unistd.h>

#include "check.h"

double check_parse_tsc_log(const char *log, size_t len, bool *refined)
{
	static const char *const pats[2] = {
		"tsc: Refined TSC clocksource calibration: ",
		"tsc: Detected ",
	};
	double best[2] = { 0, 0 };
	size_t pos = 0;

	while (pos < len) {
		const char *l = log + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		char line[256];
		int k;

		pos += ll + 1;
		if (ll >= sizeof(line))
			continue;
		memcpy(line, l, ll);
		line[ll] = '\0';
		for (k = 0; k < 2; k++) {
			const char *p = strstr(line, pats[k]);
			char *end;
			double mhz;

			if (!p)
				continue;
			p += strlen(pats[k]);
			mhz = strtod(p, &end);
			if (end != p && !strncmp(end, " MHz", 4) && isfinite(mhz) && mhz > 1 &&
			    mhz < 1e6)
				best[k] = mhz;	/* the last one wins */
		}
	}
	*refined = best[0] > 0;
	return best[0] > 0 ? best[0] : best[1];
}

static int tsc_from_kvm(double *khz)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu, r;

	if (kvm < 0)
		return -errno;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	close(kvm);
	if (vm < 0)
		return -errno;
	/* a VM ioctl on 6.1 and 6.12 (KVM_CAP_VM_TSC_CONTROL): the default of new vCPUs */
	r = ioctl(vm, KVM_GET_TSC_KHZ, 0);
	if (r <= 0) {
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		r = vcpu < 0 ? -1 : ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
		if (vcpu >= 0)
			close(vcpu);
	}
	close(vm);
	if (r <= 0)
		return -EIO;
	*khz = r;
	return 0;
}

int check_tsc_khz(double *khz, char *src, size_t srclen)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	bool refined;
	double mhz = 0;
	int r;

	*khz = 0;
	if (!tsc_from_kvm(khz)) {
		snprintf(src, srclen, "KVM_GET_TSC_KHZ (KVM's host TSC frequency)");
		return 0;
	}
	if (size > 0 && size <= (64 << 20)) {
		char *buf = malloc((size_t)size);

		if (buf) {
			r = klogctl(3, buf, size);	/* SYSLOG_ACTION_READ_ALL */
			if (r > 0)
				mhz = check_parse_tsc_log(buf, (size_t)r, &refined);
			free(buf);
		}
	}
	if (mhz > 0) {
		*khz = mhz * 1000;
		snprintf(src, srclen, "kernel log: %s", refined ?
			 "\"tsc: Refined TSC clocksource calibration\"" : "\"tsc: Detected ... MHz processor\"");
		return 0;
	}
	snprintf(src, srclen, "unknown (KVM_GET_TSC_KHZ failed, no tsc line in the kernel log)");
	return -ENOENT;
}

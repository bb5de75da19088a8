// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the kvm events in tracefs and the field offsets of a classic
 * tracepoint's record, from its format file. The classic programs fall
 * back on these offsets where CO-RE cannot name the record's fields
 * (see bpf/exits.bpf.c); tpmode.c decides from BTF whether they are needed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpformat.h"

/* Whether a tracefs is mounted anywhere (the kvm events may still be absent). */
static bool tracefs_mounted(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " - tracefs ") != NULL;
	fclose(f);
	return found;
}

static const char *find_kvm_events(int *err)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing/events/kvm",
		"/sys/kernel/debug/tracing/events/kvm",
	};
	struct stat st;
	size_t i;

	*err = ENOENT;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!stat(dirs[i], &st) && S_ISDIR(st.st_mode))
			return dirs[i];
		if (i == 0)
			*err = errno;	/* the tracefs path decides the message */
	}
	return NULL;
}

const char *tp_kvm_events_dir(char *why, size_t len)
{
	const char *dir;
	int err;

	dir = find_kvm_events(&err);
	if (dir)
		return dir;
	if (err == EACCES) {
		/* /sys/kernel/tracing is mode 0700 root: mounted, but not ours to read */
		snprintf(why, len, "no permission to read tracefs (/sys/kernel/tracing): "
			 "run as root or grant CAP_DAC_READ_SEARCH");
		return NULL;
	}
	if (!tracefs_mounted()) {
		/* nothing mounted it (no systemd): root may, as the kernel documents */
		if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
			dir = find_kvm_events(&err);
			if (dir)
				return dir;
		} else {
			snprintf(why, len, "tracefs is not mounted and mounting it failed: %s "
				 "(mount -t tracefs nodev /sys/kernel/tracing)", strerror(errno));
			return NULL;
		}
	}
	snprintf(why, len, "KVM is not loaded: no kvm tracepoints in tracefs "
		 "(modprobe kvm-intel or kvm-amd)");
	return NULL;
}

int tp_format_offset(const char *path, const char *field)
{
	char line[512], pat[80];
	FILE *f = fopen(path, "re");
	int off = -1;

	if (!f)
		return -1;
	snprintf(pat, sizeof(pat), " %s;", field);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, pat), *o;

		if (!p || !strstr(line, "field:"))
			continue;
		o = strstr(p, "offset:");
		if (o)
			off = atoi(o + 7);
		break;
	}
	fclose(f);
	return off;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the kvm events in tracefs and the field offsets of a classic
 * tracepoint's record, from its format file. The classic programs fall
 * back on these offsets where CO-RE cannot name the record's fields
 * (see bpf/exits.bpf.c); tpmode.c decides from BTF whether they are needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpformat.h"

const char *tp_kvm_events_dir(char *why, size_t len)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing/events/kvm",
		"/sys/kernel/debug/tracing/events/kvm",
	};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!stat(dirs[i], &st) && S_ISDIR(st.st_mode))
			return dirs[i];
	if (access("/sys/kernel/tracing/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK))
		snprintf(why, len, "tracefs is not mounted "
			 "(mount -t tracefs nodev /sys/kernel/tracing)");
	else
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

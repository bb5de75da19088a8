// SPDX-License-Identifier: GPL-2.0
/* VM (VMM process) names and liveness from /proc. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vminfo.h"

#define CMDLINE_MAX	65536	/* bytes of /proc/PID/cmdline we look at */

/* Copy a QEMU option value up to an unescaped ',' (",," means ','). */
static void copy_optval(const char *s, const char *end, char *buf, size_t buflen)
{
	size_t n = 0;

	while (s < end && *s) {
		if (*s == ',') {
			if (s + 1 < end && s[1] == ',')
				s++;	/* escaped comma */
			else
				break;
		}
		if (n + 1 < buflen)
			buf[n++] = *s;
		s++;
	}
	if (buflen)
		buf[n] = '\0';
}

/* In "-name" value v: guest=NAME anywhere, or a first element without '='. */
static int parse_name_opt(const char *v, const char *end, char *buf, size_t buflen)
{
	const char *p = v;
	int first = 1;

	while (p < end && *p) {
		const char *e = p;

		/* find the end of this element (an unescaped ',') */
		while (e < end && *e) {
			if (*e == ',') {
				if (e + 1 < end && e[1] == ',') {
					e += 2;
					continue;
				}
				break;
			}
			e++;
		}
		if (e - p > 6 && !strncmp(p, "guest=", 6)) {
			copy_optval(p + 6, end, buf, buflen);
			return buf[0] ? 0 : -1;
		}
		if (first && !memchr(p, '=', (size_t)(e - p)) && e > p) {
			copy_optval(p, end, buf, buflen);
			/* a later guest= wins, keep looking */
		}
		first = 0;
		if (e >= end || *e != ',')
			break;
		p = e + 1;
	}
	return buf[0] ? 0 : -1;
}

int vminfo_parse_cmdline(const char *cmdline, size_t len, char *buf, size_t buflen)
{
	const char *p = cmdline, *end = cmdline + len;

	if (!buflen)
		return -1;
	buf[0] = '\0';
	while (p < end) {
		const char *arg = p;
		size_t alen = strnlen(arg, (size_t)(end - arg));

		p = arg + alen + 1;	/* next argument */
		if ((alen == 5 && !strncmp(arg, "-name", 5)) ||
		    (alen == 6 && !strncmp(arg, "--name", 6))) {
			if (p >= end)
				return -1;
			return parse_name_opt(p, end, buf, buflen);
		}
		if (alen > 6 && !strncmp(arg, "-name=", 6))
			return parse_name_opt(arg + 6, arg + alen, buf, buflen);
		if (alen > 7 && !strncmp(arg, "--name=", 7))
			return parse_name_opt(arg + 7, arg + alen, buf, buflen);
	}
	return -1;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < size) {
		n = read(fd, buf + got, size - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

int vminfo_name(uint32_t pid, char *buf, size_t buflen)
{
	char path[64], comm[64];
	char *cmd;
	ssize_t n;

	if (!buflen)
		return -1;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	cmd = malloc(CMDLINE_MAX);
	if (cmd) {
		n = read_small(path, cmd, CMDLINE_MAX);
		if (n > 0 && !vminfo_parse_cmdline(cmd, (size_t)n, buf, buflen)) {
			free(cmd);
			return 0;
		}
		free(cmd);
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	n = read_small(path, comm, sizeof(comm) - 1);
	if (n > 0) {
		comm[n] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(buf, buflen, "%s", comm);
		return 0;
	}
	snprintf(buf, buflen, "pid %u", pid);
	return -1;
}

uint64_t vminfo_starttime(uint32_t pid)
{
	char path[64], st[1024];
	const char *p;
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	n = read_small(path, st, sizeof(st) - 1);
	if (n <= 0)
		return 0;
	st[n] = '\0';
	/* comm (field 2) may hold spaces and ')': skip to the last ')' */
	p = strrchr(st, ')');
	if (!p)
		return 0;
	p++;
	/* p is before field 3; starttime is field 22 */
	for (field = 3; field < 22 && *p; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	return strtoull(p, NULL, 10) + 1;	/* +1: never 0 for a live process */
}

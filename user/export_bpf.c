// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's view of its own BPF objects, found through
 * /proc/self/fdinfo: the programs (for their run-time statistics) and the
 * stats map's capacity. No reference to the collector is needed, so this
 * works the same with the real collector and a test source.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "exits.h"
#include "export_bpf.h"


/* Value of "key:\t<number>" in an fdinfo text; false if absent. */
static bool fdinfo_u64(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[kl] == ':') {
			*v = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
		p += kl;
	}
	return false;
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * Find our BPF programs (for run-time stats) and the slots map (key and
 * value sizes are those of bpf/exits.h; its max_entries, the same as the
 * stats array's, is the number of keys that fit).
 */
void bpf_self_scan(struct bpf_self *b)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	memset(b, 0, sizeof(*b));
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], link[64], info[1024];
		int fd = atoi(de->d_name);
		uint64_t v;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (!strcmp(link, "anon_inode:bpf-map")) {
			uint64_t ks, vs;

			if (read_small(path, info, sizeof(info)) > 0 &&
			    fdinfo_u64(info, "key_size", &ks) && ks == sizeof(struct exits_key) &&
			    fdinfo_u64(info, "value_size", &vs) && vs == sizeof(struct exits_slot) &&
			    fdinfo_u64(info, "max_entries", &v))
				b->map_capacity = (size_t)v;
		} else if (!strcmp(link, "anon_inode:bpf-prog") && b->nprogs < EXPORT_MAX_PROGS) {
			struct bpf_prog_info pi;
			__u32 len = sizeof(pi);
			char *btf;

			memset(&pi, 0, sizeof(pi));
			if (bpf_obj_get_info_by_fd(fd, &pi, &len))
				continue;
			b->prog_fd[b->nprogs] = fd;
			/* the tracepoint's name for every variant: kvm_exit_btf_ld -> kvm_exit */
			pi.name[sizeof(pi.name) - 1] = '\0';
			btf = strstr(pi.name, "_btf");
			n = btf ? btf - pi.name : (ssize_t)strlen(pi.name);
			snprintf(b->prog_name[b->nprogs], sizeof(b->prog_name[0]), "%.*s",
				 (int)n, pi.name);
			b->nprogs++;
		}
	}
	closedir(d);
}

bool bpf_stats_on(void)
{
	char buf[16];

	return read_small("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) > 0 &&
	       buf[0] == '1';
}

size_t bpf_self_progs(const struct bpf_self *b, struct prom_prog *progs)
{
	size_t i, n = 0;

	for (i = 0; i < b->nprogs; i++) {
		struct bpf_prog_info pi;
		__u32 len = sizeof(pi);

		memset(&pi, 0, sizeof(pi));
		if (bpf_obj_get_info_by_fd(b->prog_fd[i], &pi, &len))
			continue;
		progs[n].name = b->prog_name[i];
		progs[n].run_time_ns = pi.run_time_ns;
		progs[n].run_cnt = pi.run_cnt;
		n++;
	}
	return n;
}

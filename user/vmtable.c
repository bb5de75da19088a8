// SPDX-License-Identifier: GPL-2.0
/*
 * The collector's VM table: which VMM processes were seen in the maps and
 * which of them ended, learnt with one poll(2) over their pidfds per
 * refresh rather than a /proc read per VM.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "vminfo.h"
#include "vmtable.h"

/*
 * A pidfd of the VMM, so that each poll learns which VMs ended with one
 * poll(2) for all of them instead of reading /proc/PID/stat of each (the
 * per-refresh cost is then independent of the number of VMs). Opened after
 * the start time was read: if the start time still matches, the pidfd
 * refers to that process and not to a later one with its pid. -1 when
 * pidfd_open is missing (before 5.3) or the process is gone: the start
 * time is then compared on each poll, as before.
 */
static int vm_pidfd(uint32_t pid, uint64_t start)
{
#ifdef SYS_pidfd_open
	int fd;

	if (!start)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0)
		return -1;
	if (vminfo_starttime(pid) != start) {
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)pid;
	(void)start;
	return -1;
#endif
}

static void vm_close_pidfd(struct vm_state *v)
{
	if (v->pidfd >= 0)
		close(v->pidfd);
	v->pidfd = -1;
}

/*
 * Learn the process now behind v->info.pid. One already gone may have
 * exited after this poll's read, so its keys are deleted only after the
 * next read (reap_pending).
 */
static void vm_learn(struct vm_state *v)
{
	v->start = vminfo_starttime(v->info.pid);
	v->info.alive = v->start != 0;
	v->reap_pending = !v->info.alive;
	vm_close_pidfd(v);
	v->pidfd = vm_pidfd(v->info.pid, v->start);
	vminfo_name(v->info.pid, v->info.name, sizeof(v->info.name));
}

ssize_t vmtable_get(struct vm_table *t, uint32_t pid)
{
	struct vm_state *v;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->vm[i].info.pid == pid)
			return (ssize_t)i;
	if (array_reserve(&t->vm, &t->cap, t->n + 1, sizeof(*t->vm), 16) ||
	    array_reserve(&t->pfds, &t->pfds_cap, t->n + 1, sizeof(*t->pfds), 16))
		return -1;
	v = &t->vm[t->n];
	memset(v, 0, sizeof(*v));
	v->pidfd = -1;
	v->info.pid = pid;
	vm_learn(v);
	return (ssize_t)t->n++;
}

void vmtable_seen_again(struct vm_state *v)
{
	if (!v->info.alive && !v->dead_now && !v->reap_pending)
		vm_learn(v);
}

/* Mark what is known without asking the kernel; the pidfds to poll go to t->pfds. */
static size_t mark_known_ended(struct vm_table *t)
{
	size_t i, np = 0;

	for (i = 0; i < t->n; i++) {
		struct vm_state *v = &t->vm[i];

		v->dead_now = false;
		if (v->reap_pending) {
			v->dead_now = true;
			v->reap_pending = false;
			continue;
		}
		if (!v->info.alive)
			continue;
		if (v->pidfd >= 0) {
			t->pfds[np].fd = v->pidfd;
			t->pfds[np].events = POLLIN;
			t->pfds[np].revents = 0;
			np++;
			continue;
		}
		if (vminfo_starttime(v->info.pid) != v->start)	/* gone, or its pid was reused */
			v->dead_now = true;
	}
	return np;
}

void vmtable_find_ended(struct vm_table *t)
{
	size_t i, k, np = mark_known_ended(t);

	/* a pidfd turns readable when its whole process has exited */
	if (np && poll(t->pfds, np, 0) < 0)
		for (i = 0; i < np; i++)	/* EINTR/ENOMEM: ask each one */
			t->pfds[i].revents = POLLIN;
	for (i = 0, k = 0; k < np && i < t->n; i++) {
		struct vm_state *v = &t->vm[i];

		if (v->pidfd < 0 || v->pidfd != t->pfds[k].fd)
			continue;
		if (t->pfds[k].revents && vminfo_starttime(v->info.pid) != v->start)
			v->dead_now = true;
		k++;
	}
}

void vmtable_retire_ended(struct vm_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!t->vm[i].dead_now)
			continue;
		t->vm[i].info.alive = false;
		t->vm[i].dead_now = false;
		vm_close_pidfd(&t->vm[i]);
	}
}

void vmtable_forget_ended(struct vm_table *t, size_t *newidx)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		newidx[i] = 0;
		if (!t->vm[i].info.alive && !t->vm[i].reap_pending)
			continue;
		t->vm[n] = t->vm[i];
		newidx[i] = ++n;
	}
	t->n = n;
}

void vmtable_free(struct vm_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		vm_close_pidfd(&t->vm[i]);
	free(t->vm);
	free(t->pfds);
	memset(t, 0, sizeof(*t));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and attaches bpf/exits.bpf.c and turns its maps into snapshots.
 *
 * Per poll: one batched read of the key -> slot map, then one read of
 * each key's per-CPU counters in the stats array (cost ~ number of keys,
 * never the exit rate), per-CPU values summed, deltas against the previous
 * poll, cumulative totals kept here. Keys of VMs whose process is gone
 * are deleted after their final read and their slots zeroed and given
 * back to the programs (free_slots), so VM churn never fills the maps;
 * their rows stay (alive=false) until a reset.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collect.h"
#include "tpmode.h"
#include "stats.h"
#include "vminfo.h"
#include "exits.skel.h"

#define STATS_MEM_BUDGET	(64UL << 20)	/* bytes for the per-CPU stats array */
#define STATS_MIN_KEYS		1024
#define STATS_MAX_KEYS		16384

struct rstate {			/* one (pid, vcpu, reason, isa) */
	struct exits_key key;
	struct agg last;	/* kernel value (summed over CPUs) at the previous read */
	struct agg total;
	struct agg delta;
	size_t vm;		/* index into c->vms */
	int used;
};

struct vmstate {
	struct vm_info info;
	uint64_t start;		/* vminfo_starttime() when first seen */
	int pidfd;		/* pidfd of the VMM while alive; -1: use start */
	int dead_now;		/* found gone at the start of this poll */
	int reap_pending;	/* gone when first seen: reap its keys next poll */
};

struct collector {
	struct exits *skel;
	int stats_fd, slots_fd, free_fd, drops_fd;
	int ncpus;
	size_t max_keys;
	size_t val_sz;		/* per-CPU value stride */
	int use_batch;		/* -1 unknown, 0 no, 1 yes */
	bool tp_btf;		/* BTF tracepoint programs (else classic) */
	struct pollfd *pfds;	/* vcap entries: the pidfds polled for VM ends */
	/* read buffers, max_keys entries */
	struct exits_key *keys;
	struct exits_slot *kslots;	/* each key's slot in the stats array */
	void *vals;
	void *zero;		/* one zeroed per-CPU value set, for freeing slots */
	/* open addressing table of rstates, capacity a power of two */
	struct rstate *rs;
	size_t rcap, rn;
	struct vmstate *vms;
	size_t nvms, vcap;
	/* snapshot storage */
	struct stat_row *rows;
	size_t rows_cap;
	struct vm_info *svms;
	size_t svms_cap;
	uint64_t drop_last, drop_total;
	uint64_t last_mono;
	uint8_t isa;
};

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf && level != LIBBPF_WARN)
		return 0;
	if (!verbose_libbpf)
		return 0;	/* warnings only with -v: errors get our one-liner */
	return vfprintf(stderr, fmt, ap);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

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

static const char *kvm_events_dir(void)
{
	static const char *dirs[] = {
		"/sys/kernel/tracing/events/kvm",
		"/sys/kernel/debug/tracing/events/kvm",
	};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!stat(dirs[i], &st) && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

/* Offset of `field` in a tracefs format file, -1 if absent. */
static int format_offset(const char *path, const char *field)
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

/* ---- table of row states ---- */

static size_t key_hash(const struct exits_key *k)
{
	uint64_t h = k->pid * 0x9E3779B97F4A7C15ULL;

	h ^= (k->vcpu + 0x7f4a7c15ULL) * 0xBF58476D1CE4E5B9ULL;
	h ^= ((uint64_t)k->reason << 8 | k->isa) * 0x94D049BB133111EBULL;
	return (size_t)(h ^ (h >> 31));
}

static int key_eq(const struct exits_key *a, const struct exits_key *b)
{
	return a->pid == b->pid && a->vcpu == b->vcpu && a->reason == b->reason &&
	       a->isa == b->isa;
}

static int rs_grow(struct collector *c)
{
	size_t ncap = c->rcap ? c->rcap * 2 : 1024, i;
	struct rstate *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < c->rcap; i++) {
		size_t j;

		if (!c->rs[i].used)
			continue;
		j = key_hash(&c->rs[i].key) & (ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = c->rs[i];
	}
	free(c->rs);
	c->rs = n;
	c->rcap = ncap;
	return 0;
}

static struct rstate *rs_get(struct collector *c, const struct exits_key *k, int create)
{
	size_t j;

	if (create && (c->rn + 1) * 2 > c->rcap && rs_grow(c))
		return NULL;
	if (!c->rcap)
		return NULL;
	j = key_hash(k) & (c->rcap - 1);
	while (c->rs[j].used) {
		if (key_eq(&c->rs[j].key, k))
			return &c->rs[j];
		j = (j + 1) & (c->rcap - 1);
	}
	if (!create)
		return NULL;
	memset(&c->rs[j], 0, sizeof(c->rs[j]));
	c->rs[j].used = 1;
	c->rs[j].key = *k;
	c->rn++;
	return &c->rs[j];
}

static ssize_t vm_find(struct collector *c, uint32_t pid)
{
	size_t i;

	for (i = 0; i < c->nvms; i++)
		if (c->vms[i].info.pid == pid)
			return (ssize_t)i;
	return -1;
}

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

static void vm_close_pidfd(struct vmstate *v)
{
	if (v->pidfd >= 0)
		close(v->pidfd);
	v->pidfd = -1;
}

static ssize_t vm_add(struct collector *c, uint32_t pid)
{
	struct vmstate *v;

	if (c->nvms == c->vcap) {
		size_t ncap = c->vcap ? c->vcap * 2 : 16;
		struct vmstate *n = realloc(c->vms, ncap * sizeof(*n));
		struct pollfd *pf;

		if (!n)
			return -1;
		c->vms = n;
		pf = realloc(c->pfds, ncap * sizeof(*pf));
		if (!pf)
			return -1;
		c->pfds = pf;
		c->vcap = ncap;
	}
	v = &c->vms[c->nvms];
	memset(v, 0, sizeof(*v));
	v->info.pid = pid;
	v->start = vminfo_starttime(pid);
	v->info.alive = v->start != 0;
	v->pidfd = vm_pidfd(pid, v->start);
	/*
	 * Already gone: it may have exited after this poll's read, so its
	 * keys are deleted only after the next read.
	 */
	v->reap_pending = !v->info.alive;
	vminfo_name(pid, v->info.name, sizeof(v->info.name));
	return (ssize_t)c->nvms++;
}

/* ---- open / close ---- */

/*
 * Open and load the object with one pair of programs: the BTF pair or the
 * classic pair (fmt: tracefs format file of kvm_exit, for the classic
 * pair's fallback offsets). On failure nothing stays loaded.
 */
static int load_skel(struct collector *c, const struct collect_opts *o, const char *fmt,
		     bool btf)
{
	size_t keys;
	int ret;

	c->skel = exits__open();
	if (!c->skel)
		return -errno;
	/* size the preallocated per-CPU map to the machine */
	c->val_sz = (sizeof(struct exits_val) + 7) & ~(size_t)7;
	keys = STATS_MEM_BUDGET / (c->val_sz * (size_t)c->ncpus);
	if (keys < STATS_MIN_KEYS)
		keys = STATS_MIN_KEYS;
	if (keys > STATS_MAX_KEYS)
		keys = STATS_MAX_KEYS;
	c->max_keys = keys;
	bpf_map__set_max_entries(c->skel->maps.stats, (uint32_t)keys);
	bpf_map__set_max_entries(c->skel->maps.slots, (uint32_t)keys);
	bpf_map__set_max_entries(c->skel->maps.free_slots, (uint32_t)keys);

	bpf_program__set_autoload(c->skel->progs.kvm_exit, !btf);
	bpf_program__set_autoload(c->skel->progs.kvm_entry, !btf);
	bpf_program__set_autoload(c->skel->progs.kvm_exit_btf, btf);
	bpf_program__set_autoload(c->skel->progs.kvm_entry_btf, btf);

	c->skel->rodata->filter_pids = o && o->npids > 0;
	if (!btf) {
		c->skel->rodata->off_reason = format_offset(fmt, "exit_reason");
		c->skel->rodata->off_isa = format_offset(fmt, "isa");
		c->skel->rodata->off_vcpu = format_offset(fmt, "vcpu_id");
	}
	ret = exits__load(c->skel);
	if (ret) {
		exits__destroy(c->skel);
		c->skel = NULL;
	}
	return ret;
}

int collector_open(struct collector **cp, const struct collect_opts *o,
		   char *err, size_t errlen)
{
	struct collector *c;
	const char *evdir;
	char fmt[256], why[160];
	enum tp_mode mode;
	bool use_btf;
	size_t i;
	int ret;

	*cp = NULL;
	if (errlen)
		err[0] = '\0';
	verbose_libbpf = o && o->verbose;
	libbpf_set_print(libbpf_print);

	if (!has_caps()) {
		snprintf(err, errlen, "needs root (or CAP_BPF and CAP_PERFMON) to load the BPF programs");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "the kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			 "a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed");
		return -ENOTSUP;
	}
	evdir = kvm_events_dir();
	if (!evdir) {
		if (access("/sys/kernel/tracing/events", F_OK) &&
		    access("/sys/kernel/debug/tracing/events", F_OK))
			snprintf(err, errlen, "tracefs is not mounted "
				 "(mount -t tracefs nodev /sys/kernel/tracing)");
		else
			snprintf(err, errlen, "KVM is not loaded: no kvm tracepoints in tracefs "
				 "(modprobe kvm-intel or kvm-amd)");
		return -ENOENT;
	}
	if (o && o->npids > EXITS_MAX_PIDS) {
		snprintf(err, errlen, "at most %d pids can be traced", EXITS_MAX_PIDS);
		return -E2BIG;
	}

	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->use_batch = -1;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0) {
		snprintf(err, errlen, "cannot count the possible CPUs");
		free(c);
		return -EINVAL;
	}
	mode = o ? o->tp_mode : TP_MODE_AUTO;
	use_btf = mode == TP_MODE_BTF;
	if (mode != TP_MODE_CLASSIC && !tp_btf_usable(why, sizeof(why))) {
		if (mode == TP_MODE_BTF) {
			snprintf(err, errlen, "--tracepoints btf: %s", why);
			free(c);
			return -ENOTSUP;
		}
		if (verbose_libbpf)
			fprintf(stderr, "exittop: classic tracepoints: %s\n", why);
	} else if (mode == TP_MODE_AUTO) {
		use_btf = true;
	}
	snprintf(fmt, sizeof(fmt), "%s/kvm_exit/format", evdir);
	ret = load_skel(c, o, fmt, use_btf);
	if (ret && use_btf && mode == TP_MODE_AUTO) {
		/* BTF looked usable but the verifier or libbpf disagreed */
		if (verbose_libbpf)
			fprintf(stderr, "exittop: BTF tracepoints failed to load (%s), "
				"using classic tracepoints\n", strerror(-ret));
		use_btf = false;
		ret = load_skel(c, o, fmt, use_btf);
	}
	if (ret) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(-ret),
			 verbose_libbpf ? "" : " (-v shows the verifier log)");
		goto fail;
	}
	c->tp_btf = use_btf;
	if (verbose_libbpf)
		fprintf(stderr, "exittop: %s tracepoints\n", use_btf ? "BTF" : "classic");
	for (i = 0; o && i < o->npids; i++) {
		uint8_t one = 1;
		uint32_t pid = o->pids[i];

		if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.pids), &pid, &one, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "setting the pid filter failed: %s", strerror(errno));
			goto fail;
		}
	}
	/* every slot free (a stack: slot 0 on top), before the programs ask */
	for (i = c->max_keys; i-- > 0;) {
		uint32_t slot = (uint32_t)i;

		if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.free_slots), NULL, &slot, 0)) {
			ret = -errno;
			snprintf(err, errlen, "filling the free slot stack failed: %s",
				 strerror(errno));
			goto fail;
		}
	}
	ret = exits__attach(c->skel);
	if (ret) {
		snprintf(err, errlen, "attaching to kvm:kvm_exit/kvm:kvm_entry failed: %s",
			 strerror(-ret));
		goto fail;
	}
	c->stats_fd = bpf_map__fd(c->skel->maps.stats);
	c->slots_fd = bpf_map__fd(c->skel->maps.slots);
	c->free_fd = bpf_map__fd(c->skel->maps.free_slots);
	c->drops_fd = bpf_map__fd(c->skel->maps.drops);
	c->keys = calloc(c->max_keys, sizeof(*c->keys));
	c->kslots = calloc(c->max_keys, sizeof(*c->kslots));
	c->vals = calloc(c->max_keys, c->val_sz * (size_t)c->ncpus);
	c->zero = calloc((size_t)c->ncpus, c->val_sz);
	if (!c->keys || !c->kslots || !c->vals || !c->zero || rs_grow(c))
		goto nomem_c;
	c->last_mono = mono_ns();
	*cp = c;
	return 0;

nomem_c:
	collector_close(c);
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
fail:
	exits__destroy(c->skel);
	free(c);
	return ret;
}

const char *collector_tracepoints(const struct collector *c)
{
	return c->tp_btf ? "btf" : "classic";
}

void collector_close(struct collector *c)
{
	size_t i;

	if (!c)
		return;
	exits__destroy(c->skel);
	for (i = 0; i < c->nvms; i++)
		vm_close_pidfd(&c->vms[i]);
	free(c->pfds);
	free(c->keys);
	free(c->kslots);
	free(c->vals);
	free(c->zero);
	free(c->rs);
	free(c->vms);
	free(c->rows);
	free(c->svms);
	free(c);
}

/* ---- poll ---- */

/*
 * Read all keys with their slots (the slots hash), then each key's per-CPU
 * counters (its stats array slot) into row n of keys/kslots/vals. Returns
 * the number of keys or -errno.
 */
static long read_stats(struct collector *c)
{
	size_t n = 0, i, m;

	if (c->use_batch != 0) {
		uint32_t in = 0, out = 0;
		void *inp = NULL;
		int err;

		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
		for (;;) {
			uint32_t cnt = (uint32_t)(c->max_keys - n);

			if (!cnt)
				break;
			err = bpf_map_lookup_batch(c->slots_fd, inp, &out, c->keys + n,
						   c->kslots + n, &cnt, &opts);
			if (err && errno != ENOENT) {
				if (n == 0 && c->use_batch < 0 &&
				    (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
					c->use_batch = 0;	/* old kernel: iterate */
					goto iterate;
				}
				return -errno;
			}
			c->use_batch = 1;
			n += cnt;
			if (err)	/* ENOENT: done */
				break;
			in = out;
			inp = &in;
		}
		goto values;
	}
iterate:
	{
		struct exits_key cur, next;
		int have = 0;

		while (n < c->max_keys &&
		       !bpf_map_get_next_key(c->slots_fd, have ? &cur : NULL, &next)) {
			cur = next;
			have = 1;
			if (!bpf_map_lookup_elem(c->slots_fd, &cur, &c->kslots[n]))
				c->keys[n++] = cur;
		}
	}
values:
	/*
	 * A key whose slot cannot be read, or whose slot's generation moved
	 * on (freed by us, so not expected), is left out of this read.
	 */
	for (i = 0, m = 0; i < n; i++) {
		char *dst = (char *)c->vals + m * c->val_sz * (size_t)c->ncpus;
		const struct exits_val *v0 = (const void *)dst;

		c->keys[m] = c->keys[i];
		c->kslots[m] = c->kslots[i];
		if (bpf_map_lookup_elem(c->stats_fd, &c->kslots[m].slot, dst))
			continue;
		if ((uint32_t)v0->gen != c->kslots[m].gen)
			continue;
		m++;
	}
	return (long)m;
}

/*
 * Give key i's slot back to the programs: forget the key, zero the
 * counters on every CPU with the generation bumped (a thread that still
 * caches the slot then looks its key up again), push the slot. If a step
 * fails the slot stays taken: fewer keys fit, nothing is miscounted.
 */
static void free_slot(struct collector *c, size_t i)
{
	uint32_t slot = c->kslots[i].slot;
	int cpu;

	if (bpf_map_delete_elem(c->slots_fd, &c->keys[i]))
		return;
	memset(c->zero, 0, c->val_sz * (size_t)c->ncpus);
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		struct exits_val *z = (void *)((char *)c->zero + (size_t)cpu * c->val_sz);

		z->gen = (uint32_t)(c->kslots[i].gen + 1);
	}
	if (bpf_map_update_elem(c->stats_fd, &slot, c->zero, BPF_ANY))
		return;
	bpf_map_update_elem(c->free_fd, NULL, &slot, 0);
}

static void sum_cpus(const struct collector *c, size_t i, struct agg *a)
{
	const char *base = (const char *)c->vals + i * c->val_sz * (size_t)c->ncpus;
	int cpu, s;

	memset(a, 0, sizeof(*a));
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		const struct exits_val *v = (const void *)(base + (size_t)cpu * c->val_sz);

		a->count += v->count;
		a->lat_count += v->lat_count;
		a->lat_sum_ns += v->lat_sum_ns;
		if (v->lat_max_ns > a->lat_max_ns)
			a->lat_max_ns = v->lat_max_ns;
		for (s = 0; s < EXITS_HIST_SLOTS; s++)
			a->hist[s] += v->hist[s];
	}
}

/* d = cur - last. The interval max is not exact: see docs/bpf-design.md. */
static void agg_diff(struct agg *d, const struct agg *cur, const struct agg *last)
{
	int s, top = -1;

	d->count = cur->count - last->count;
	d->lat_count = cur->lat_count - last->lat_count;
	d->lat_sum_ns = cur->lat_sum_ns - last->lat_sum_ns;
	for (s = 0; s < EXITS_HIST_SLOTS; s++) {
		d->hist[s] = cur->hist[s] - last->hist[s];
		if (d->hist[s])
			top = s;
	}
	if (!d->lat_count || top < 0)
		d->lat_max_ns = 0;
	else if (cur->lat_max_ns > last->lat_max_ns)
		d->lat_max_ns = cur->lat_max_ns;	/* a new maximum: exact */
	else {
		/* bounded by the top slot of this interval and by the old max */
		uint64_t ub = top >= EXITS_HIST_SLOTS - 1 ? UINT64_MAX
							  : (UINT64_C(1) << (top + 1)) - 1;
		d->lat_max_ns = ub < cur->lat_max_ns ? ub : cur->lat_max_ns;
	}
}

static int agg_less(const struct agg *cur, const struct agg *last)
{
	return cur->count < last->count || cur->lat_count < last->lat_count;
}

static uint64_t read_drops(struct collector *c)
{
	uint32_t idx = EXITS_DROP_EXIT;
	uint64_t *v, sum = 0;
	int cpu;

	v = calloc((size_t)c->ncpus, sizeof(uint64_t));
	if (!v)
		return c->drop_last;
	if (!bpf_map_lookup_elem(c->drops_fd, &idx, v))
		for (cpu = 0; cpu < c->ncpus; cpu++)
			sum += v[cpu];
	free(v);
	return sum;
}

static int row_cmp(const void *a, const void *b)
{
	const struct stat_row *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	return 0;
}

int collector_poll(struct collector *c, struct snapshot *s)
{
	uint64_t now, drops, start;
	size_t i, k, np, nr = 0;
	long n;

	/* 1. liveness before the read: a VM found dead now had all its exits
	 *    in the map already, so the read below is its final one */
	np = 0;
	for (i = 0; i < c->nvms; i++) {
		struct vmstate *v = &c->vms[i];

		v->dead_now = 0;
		if (v->reap_pending) {
			v->dead_now = 1;
			v->reap_pending = 0;
			continue;
		}
		if (!v->info.alive)
			continue;
		if (v->pidfd >= 0) {
			c->pfds[np].fd = v->pidfd;
			c->pfds[np].events = POLLIN;
			c->pfds[np].revents = 0;
			np++;
			continue;
		}
		start = vminfo_starttime(v->info.pid);
		if (start != v->start)	/* gone, or its pid was reused */
			v->dead_now = 1;
	}
	/* a pidfd turns readable when its whole process has exited */
	if (np && poll(c->pfds, np, 0) < 0)
		for (i = 0; i < np; i++)	/* EINTR/ENOMEM: ask each one */
			c->pfds[i].revents = POLLIN;
	for (i = 0, k = 0; k < np && i < c->nvms; i++) {
		struct vmstate *v = &c->vms[i];

		if (v->pidfd < 0 || v->pidfd != c->pfds[k].fd)
			continue;
		if (c->pfds[k].revents && vminfo_starttime(v->info.pid) != v->start)
			v->dead_now = 1;
		k++;
	}
	for (i = 0; i < c->rcap; i++)
		if (c->rs[i].used)
			memset(&c->rs[i].delta, 0, sizeof(c->rs[i].delta));

	/* 2. one read of the map */
	n = read_stats(c);
	if (n < 0)
		return (int)n;
	now = mono_ns();

	for (i = 0; i < (size_t)n; i++) {
		struct agg cur;
		struct rstate *r;
		ssize_t vi;

		r = rs_get(c, &c->keys[i], 1);
		if (!r)
			return -ENOMEM;
		if (!r->vm) {
			vi = vm_find(c, r->key.pid);
			if (vi < 0)
				vi = vm_add(c, r->key.pid);
			if (vi < 0)
				return -ENOMEM;
			r->vm = (size_t)vi + 1;	/* 0: not set */
		} else {
			struct vmstate *v = &c->vms[r->vm - 1];

			if (!v->info.alive && !v->dead_now && !v->reap_pending) {
				/* keys again after its VM was reaped: the pid was reused */
				v->start = vminfo_starttime(v->info.pid);
				v->info.alive = v->start != 0;
				v->reap_pending = !v->info.alive;
				vm_close_pidfd(v);
				v->pidfd = vm_pidfd(v->info.pid, v->start);
				vminfo_name(v->info.pid, v->info.name, sizeof(v->info.name));
			}
		}
		sum_cpus(c, i, &cur);
		if (agg_less(&cur, &r->last))	/* key was deleted and re-created */
			memset(&r->last, 0, sizeof(r->last));
		agg_diff(&r->delta, &cur, &r->last);
		agg_add(&r->total, &r->delta);
		r->last = cur;
		if (r->key.isa)
			c->isa = (uint8_t)r->key.isa;
	}

	/* 3. VMs found dead: their keys leave the kernel map, rows stay */
	for (i = 0; i < (size_t)n; i++) {
		struct rstate *r = rs_get(c, &c->keys[i], 0);

		if (!r || !r->vm || !c->vms[r->vm - 1].dead_now)
			continue;
		free_slot(c, i);
		memset(&r->last, 0, sizeof(r->last));
	}
	for (i = 0; i < c->nvms; i++)
		if (c->vms[i].dead_now) {
			c->vms[i].info.alive = false;
			c->vms[i].dead_now = 0;
			vm_close_pidfd(&c->vms[i]);
		}

	drops = read_drops(c);
	c->drop_total += drops - c->drop_last;
	s->dropped_delta = drops - c->drop_last;
	c->drop_last = drops;

	/* 4. the snapshot */
	if (c->rows_cap < c->rn) {
		struct stat_row *nrw = realloc(c->rows, c->rn * sizeof(*nrw));

		if (!nrw)
			return -ENOMEM;
		c->rows = nrw;
		c->rows_cap = c->rn;
	}
	for (i = 0; i < c->rcap; i++) {
		struct rstate *r = &c->rs[i];
		struct stat_row *row;

		if (!r->used)
			continue;
		row = &c->rows[nr++];
		row->pid = r->key.pid;
		row->vcpu = r->key.vcpu;
		row->reason = r->key.reason;
		row->isa = (uint8_t)r->key.isa;
		row->total = r->total;
		row->delta = r->delta;
	}
	qsort(c->rows, nr, sizeof(*c->rows), row_cmp);
	if (c->svms_cap < c->nvms) {
		struct vm_info *nv = realloc(c->svms, c->nvms * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->svms = nv;
		c->svms_cap = c->nvms;
	}
	for (i = 0; i < c->nvms; i++)
		c->svms[i] = c->vms[i].info;

	s->mono_ns = now;
	s->interval_s = (double)(now - c->last_mono) / 1e9;
	c->last_mono = now;
	s->rows = c->rows;
	s->nrows = nr;
	s->vms = c->svms;
	s->nvms = c->nvms;
	s->dropped_total = c->drop_total;
	s->isa = c->isa;
	return 0;
}

void collector_reset(struct collector *c)
{
	struct rstate *old = c->rs;
	size_t oldcap = c->rcap, i, nv = 0;
	size_t *newidx;		/* old VM index -> new index + 1, 0: forgotten */

	c->drop_total = 0;
	newidx = calloc(c->nvms ? c->nvms : 1, sizeof(*newidx));
	c->rs = NULL;
	c->rcap = 0;
	c->rn = 0;
	if (!newidx || rs_grow(c)) {
		/* out of memory: keep everything, just zero the totals */
		free(newidx);
		free(c->rs);
		c->rs = old;
		c->rcap = oldcap;
		for (i = 0; i < oldcap; i++) {
			memset(&old[i].total, 0, sizeof(old[i].total));
			c->rn += old[i].used ? 1 : 0;
		}
		return;
	}
	/* forget the VMs that are gone (and reaped) and their rows; zero the rest */
	for (i = 0; i < c->nvms; i++) {
		if (!c->vms[i].info.alive && !c->vms[i].reap_pending)
			continue;
		c->vms[nv] = c->vms[i];
		newidx[i] = ++nv;
	}
	for (i = 0; i < oldcap; i++) {
		struct rstate *r;

		if (!old[i].used || !old[i].vm || !newidx[old[i].vm - 1])
			continue;
		r = rs_get(c, &old[i].key, 1);
		if (!r)
			break;
		r->last = old[i].last;	/* the kernel keeps counting from there */
		r->vm = newidx[old[i].vm - 1];
	}
	c->nvms = nv;
	free(old);
	free(newidx);
}

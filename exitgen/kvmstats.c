// SPDX-License-Identifier: GPL-2.0
/*
 * Reader of KVM's binary statistics fd: header, then descriptors (each
 * followed by name_size bytes of name), then the data block. See
 * Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD".
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmstats.h"
#include "util.h"

static int pread_all(int fd, void *buf, size_t len, off_t off, const char *who)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			eg_err("reading KVM stats fd (%s): %s", who,
			       r < 0 ? strerror(errno) : "short read");
			return -1;
		}
		done += r;
	}
	return 0;
}

int kvmstats_read(int fd, struct eg_stats *st, const char *who)
{
	struct kvm_stats_header h;
	size_t dsz;
	char *descs = NULL;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (pread_all(fd, &h, sizeof(h), 0, who))
		return -1;
	/* A stat descriptor is the fixed part plus the name buffer. */
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsz * h.num_desc + 1);
	st->s = calloc(h.num_desc ? h.num_desc : 1, sizeof(*st->s));
	if (!descs || !st->s)
		abort();
	if (pread_all(fd, descs, dsz * h.num_desc, h.desc_offset, who))
		goto out;
	for (unsigned int i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);
		struct eg_stat *s = &st->s[st->n];

		s->name = strndup(d->name, h.name_size);
		s->flags = d->flags;
		s->size = d->size;
		s->val = calloc(d->size ? d->size : 1, sizeof(uint64_t));
		if (!s->name || !s->val)
			abort();
		st->n++;
		if (pread_all(fd, s->val, d->size * sizeof(uint64_t),
			      h.data_offset + d->offset, who))
			goto out;
	}
	ret = 0;
out:
	free(descs);
	if (ret)
		kvmstats_free(st);
	return ret;
}

int kvmstats_add(struct eg_stats *dst, const struct eg_stats *src)
{
	if (!dst->n) {
		dst->s = calloc(src->n ? src->n : 1, sizeof(*dst->s));
		if (!dst->s)
			abort();
		for (unsigned int i = 0; i < src->n; i++) {
			struct eg_stat *d = &dst->s[i];

			d->name = strdup(src->s[i].name);
			d->flags = src->s[i].flags;
			d->size = src->s[i].size;
			d->val = calloc(d->size ? d->size : 1, sizeof(uint64_t));
			if (!d->name || !d->val)
				abort();
		}
		dst->n = src->n;
	}
	if (dst->n != src->n)
		return -1;
	for (unsigned int i = 0; i < src->n; i++) {
		struct eg_stat *d = &dst->s[i];
		const struct eg_stat *s = &src->s[i];
		int peak = (s->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_PEAK;

		if (strcmp(d->name, s->name) || d->size != s->size)
			return -1;
		for (uint32_t k = 0; k < s->size; k++) {
			if (peak)
				d->val[k] = d->val[k] > s->val[k] ? d->val[k] : s->val[k];
			else
				d->val[k] += s->val[k];
		}
	}
	return 0;
}

void kvmstats_free(struct eg_stats *st)
{
	for (unsigned int i = 0; i < st->n; i++) {
		free(st->s[i].name);
		free(st->s[i].val);
	}
	free(st->s);
	memset(st, 0, sizeof(*st));
}

int kvmstats_value(int fd, const char *name, uint64_t *val)
{
	struct eg_stats st = { 0 };
	int r = -1;

	if (fd < 0 || kvmstats_read(fd, &st, "watchdog"))
		return -1;
	for (unsigned int i = 0; i < st.n; i++) {
		if (!strcmp(st.s[i].name, name)) {
			*val = st.s[i].val[0];
			r = 0;
			break;
		}
	}
	kvmstats_free(&st);
	return r;
}

// SPDX-License-Identifier: GPL-2.0
/* The collector's hash table of row states, keyed by (pid, vcpu, reason, isa). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rowtable.h"

#define ROWTABLE_MIN_CAP 1024

static size_t key_hash(const struct exits_key *k)
{
	uint64_t h = k->pid * 0x9E3779B97F4A7C15ULL;

	h ^= (k->vcpu + 0x7f4a7c15ULL) * 0xBF58476D1CE4E5B9ULL;
	h ^= ((uint64_t)k->reason << 8 | k->isa) * 0x94D049BB133111EBULL;
	return (size_t)(h ^ (h >> 31));
}

static bool key_eq(const struct exits_key *a, const struct exits_key *b)
{
	return a->pid == b->pid && a->vcpu == b->vcpu && a->reason == b->reason &&
	       a->isa == b->isa;
}

/* Rehash into twice the capacity (ROWTABLE_MIN_CAP at first). */
static int rowtable_grow(struct row_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : ROWTABLE_MIN_CAP, i;
	struct row_state *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->slot[i].used)
			continue;
		j = key_hash(&t->slot[i].key) & (ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = n;
	t->cap = ncap;
	return 0;
}

int rowtable_init(struct row_table *t)
{
	struct row_table n = { 0 };
	int ret = rowtable_grow(&n);

	if (!ret)
		*t = n;
	return ret;
}

struct row_state *rowtable_get(struct row_table *t, const struct exits_key *k, bool create)
{
	size_t j;

	if (create && (t->n + 1) * 2 > t->cap && rowtable_grow(t))
		return NULL;
	if (!t->cap)
		return NULL;
	j = key_hash(k) & (t->cap - 1);
	while (t->slot[j].used) {
		if (key_eq(&t->slot[j].key, k))
			return &t->slot[j];
		j = (j + 1) & (t->cap - 1);
	}
	if (!create)
		return NULL;
	memset(&t->slot[j], 0, sizeof(t->slot[j]));
	t->slot[j].used = true;
	t->slot[j].key = *k;
	t->n++;
	t->version++;
	return &t->slot[j];
}

void rowtable_free(struct row_table *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = 0;
	t->n = 0;
}

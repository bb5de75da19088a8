// SPDX-License-Identifier: GPL-2.0
/* The collector's table of row states, keyed by (pid, vcpu, reason, isa). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "rowtable.h"

#define ROWTABLE_MIN_CAP	1024
#define ROWTABLE_CHUNK		(1u << ROWTABLE_CHUNK_SHIFT)

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

/* The first empty place for key k in an index of cap places. */
static size_t free_place(const uint32_t *index, size_t cap, const struct exits_key *k)
{
	size_t j = key_hash(k) & (cap - 1);

	while (index[j])
		j = (j + 1) & (cap - 1);
	return j;
}

/* An index of twice the places (ROWTABLE_MIN_CAP at first), rows unmoved. */
static int index_grow(struct row_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : ROWTABLE_MIN_CAP, i;
	uint32_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		n[free_place(n, ncap, &rowtable_at(t, i)->key)] = (uint32_t)(i + 1);
	free(t->index);
	t->index = n;
	t->cap = ncap;
	return 0;
}

/* Chunks holding rows 0..n-1. */
static size_t chunks(size_t n)
{
	return (n + ROWTABLE_CHUNK - 1) >> ROWTABLE_CHUNK_SHIFT;
}

/* Room for row t->n: a new chunk when the last one is full. */
static int chunk_room(struct row_table *t)
{
	size_t k = chunks(t->n);
	struct row_state *c;

	if (t->n & (ROWTABLE_CHUNK - 1))
		return 0;
	if (array_reserve(&t->chunk, &t->chunk_cap, k + 1, sizeof(*t->chunk), 16))
		return -ENOMEM;
	c = calloc(ROWTABLE_CHUNK, sizeof(*c));
	if (!c)
		return -ENOMEM;
	t->chunk[k] = c;
	return 0;
}

int rowtable_init(struct row_table *t)
{
	static uint64_t next_id;
	struct row_table n = { 0 };
	int ret = index_grow(&n);

	if (ret)
		return ret;
	n.id = ++next_id;
	*t = n;
	return 0;
}

struct row_state *rowtable_get(struct row_table *t, const struct exits_key *k, bool create)
{
	struct row_state *r;
	size_t j;

	if (!t->cap)
		return NULL;
	for (j = key_hash(k) & (t->cap - 1); t->index[j]; j = (j + 1) & (t->cap - 1)) {
		r = rowtable_at(t, t->index[j] - 1);
		if (key_eq(&r->key, k))
			return r;
	}
	if (!create || t->n >= UINT32_MAX - 1)
		return NULL;
	if ((t->n + 1) * 2 > t->cap) {
		if (index_grow(t))
			return NULL;
		j = free_place(t->index, t->cap, k);
	}
	if (chunk_room(t))
		return NULL;
	r = rowtable_at(t, t->n);	/* zeroed by calloc, never used */
	r->key = *k;
	t->index[j] = (uint32_t)(++t->n);
	t->version++;
	return r;
}

void rowtable_free(struct row_table *t)
{
	struct row_state *r;
	size_t i;

	rowtable_for_each(t, r)
		free(r->attr);
	for (i = 0; i < chunks(t->n); i++)
		free(t->chunk[i]);
	free(t->chunk);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

// SPDX-License-Identifier: GPL-2.0
/* The stats slot -> row state cache of the collector (see slotrows.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "slotrows.h"

int slotrows_init(struct slot_rows *s, size_t n)
{
	s->row = calloc(n ? n : 1, sizeof(*s->row));
	if (!s->row)
		return -ENOMEM;
	s->n = n;
	s->of = 0;
	return 0;
}

void slotrows_forget(struct slot_rows *s)
{
	s->of = 0;
}

/* Empty the cache unless it points into t. */
static void follow(struct slot_rows *s, const struct row_table *t)
{
	if (s->of == t->id)
		return;
	memset(s->row, 0, s->n * sizeof(*s->row));
	s->of = t->id;
}

struct row_state *slotrows_get(struct slot_rows *s, struct row_table *t,
			       uint32_t slot, const struct exits_key *k)
{
	struct row_state *r;

	follow(s, t);
	r = s->row[slot];
	if (r && !memcmp(&r->key, k, sizeof(*k)))
		return r;
	r = rowtable_get(t, k, true);
	if (r)
		s->row[slot] = r;	/* rows never move: good until t goes */
	return r;
}

void slotrows_free(struct slot_rows *s)
{
	free(s->row);
	s->row = NULL;
	s->n = 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of user/rowtable.c and user/slotrows.c: keys found again
 * after the index grew many times, rows that keep their address, the
 * order of iteration, and a slot cache that follows a replaced table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rowtable.h"
#include "slotrows.h"

#define NKEYS 70000	/* > 64 K: the index grows 7 times, rows span 137 chunks */

static struct exits_key key_of(uint32_t i)
{
	/* keys that share pid and vcpu, as a busy VM's rows do */
	struct exits_key k = { .pid = 1000 + i / 4096, .vcpu = (i / 64) % 64,
			       .reason = i % 64, .isa = EXITS_ISA_SVM };
	return k;
}

static void test_many_keys(void **state)
{
	static struct row_state *first[NKEYS];
	struct row_table t;
	struct row_state *r;
	uint64_t version;
	uint32_t i, n = 0;

	(void)state;
	assert_int_equal(rowtable_init(&t), 0);
	for (i = 0; i < NKEYS; i++) {
		struct exits_key k = key_of(i);

		assert_null(rowtable_get(&t, &k, false));
		version = t.version;
		first[i] = rowtable_get(&t, &k, true);
		assert_non_null(first[i]);
		assert_memory_equal(&first[i]->key, &k, sizeof(k));
		assert_int_equal(first[i]->total.count, 0);
		assert_int_equal(t.version, version + 1);
		first[i]->total.count = i + 1;
	}
	assert_int_equal(t.n, NKEYS);
	assert_true(t.cap >= 2 * (size_t)NKEYS);
	/* every key finds the row made for it, where it was made */
	for (i = 0; i < NKEYS; i++) {
		struct exits_key k = key_of(i);

		version = t.version;
		assert_ptr_equal(rowtable_get(&t, &k, false), first[i]);
		assert_ptr_equal(rowtable_get(&t, &k, true), first[i]);
		assert_int_equal(t.version, version);
		assert_int_equal(first[i]->total.count, i + 1);
	}
	/* iteration: each row once, in the order made */
	rowtable_for_each(&t, r) {
		assert_ptr_equal(r, first[n]);
		n++;
	}
	assert_int_equal(n, NKEYS);
	rowtable_free(&t);
	assert_int_equal(t.n, 0);
	assert_null(rowtable_get(&t, &first[0]->key, false));
}

static void test_isa_and_reason_tell_apart(void **state)
{
	struct exits_key a = { .pid = 7, .vcpu = 1, .reason = 0x72, .isa = EXITS_ISA_SVM };
	struct exits_key b = a, c = a;
	struct row_table t;

	(void)state;
	b.isa = EXITS_ISA_VMX;
	c.reason = 0x73;
	assert_int_equal(rowtable_init(&t), 0);
	assert_non_null(rowtable_get(&t, &a, true));
	assert_null(rowtable_get(&t, &b, false));
	assert_null(rowtable_get(&t, &c, false));
	assert_ptr_not_equal(rowtable_get(&t, &b, true), rowtable_get(&t, &a, false));
	assert_int_equal(t.n, 2);
	rowtable_free(&t);
}

static void test_slot_cache(void **state)
{
	struct exits_key a = key_of(1), b = key_of(2);
	struct row_table t, fresh;
	struct slot_rows s;
	struct row_state *r;

	(void)state;
	assert_int_equal(rowtable_init(&t), 0);
	assert_int_equal(slotrows_init(&s, 8), 0);
	r = slotrows_get(&s, &t, 3, &a);
	assert_non_null(r);
	assert_ptr_equal(slotrows_get(&s, &t, 3, &a), r);
	/* slot 3 freed and claimed by another key: not a's row */
	r = slotrows_get(&s, &t, 3, &b);
	assert_non_null(r);
	assert_ptr_equal(r, rowtable_get(&t, &b, false));
	assert_int_equal(t.n, 2);
	/* a table that replaced t (same keys, other rows): the cache follows */
	assert_int_equal(rowtable_init(&fresh), 0);
	assert_true(fresh.id != t.id);
	assert_non_null(rowtable_get(&fresh, &b, true));
	r = slotrows_get(&s, &fresh, 3, &b);
	assert_ptr_equal(r, rowtable_get(&fresh, &b, false));
	assert_int_equal(fresh.n, 1);
	rowtable_free(&t);
	rowtable_free(&fresh);
	slotrows_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_isa_and_reason_tell_apart),
		cmocka_unit_test(test_slot_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

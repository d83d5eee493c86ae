/*
 * idset_unit.c - unit tests of common/idset.c: ids are found once
 * added, an id added twice takes one slot, the oldest is forgotten
 * first when the set is full, a deleted id is gone, ids are walked
 * oldest first, and a long random
 * run agrees with a plain array kept alongside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idset.h"

/* idset_unit_id - a test id made from n (and a salt in every byte). */
static void
idset_unit_id(uint8_t *id, uint32_t n)
{
	size_t	i;

	for (i = 0; i < IDSET_ID_LEN; i++)
		id[i] = (uint8_t)(0x5a ^ i);
	memcpy(id + 4, &n, sizeof n);	/* not in the hashed first bytes */
	id[0] = (uint8_t)(n * 7);	/* ... except a little of it */
}

static void
idset_add_find(void **state)
{
	struct idset	*set = idset_new(8);
	uint8_t		 a[IDSET_ID_LEN], b[IDSET_ID_LEN];

	(void)state;
	idset_unit_id(a, 1);
	idset_unit_id(b, 2);
	assert_false(idset_has(set, a));
	idset_add(set, a);
	assert_true(idset_has(set, a));
	assert_false(idset_has(set, b));
	idset_add(set, a);
	assert_int_equal(idset_count(set), 1);
	idset_add(set, b);
	assert_int_equal(idset_count(set), 2);
	assert_true(idset_has(set, b));
	idset_free(set);
}

static void
idset_forgets_oldest(void **state)
{
	struct idset	*set = idset_new(3);
	uint8_t		 id[IDSET_ID_LEN];
	uint32_t	 n;

	(void)state;
	for (n = 1; n <= 5; n++) {
		idset_unit_id(id, n);
		idset_add(set, id);
	}
	assert_int_equal(idset_count(set), 3);
	for (n = 1; n <= 5; n++) {
		idset_unit_id(id, n);
		if (idset_has(set, id) != (n >= 3))
			fail_msg("id %u: has %d", n, idset_has(set, id));
	}
	idset_free(set);
}

static void
idset_delete(void **state)
{
	struct idset	*set = idset_new(4);
	uint8_t		 id[IDSET_ID_LEN];
	uint32_t	 n;

	(void)state;
	for (n = 1; n <= 4; n++) {
		idset_unit_id(id, n);
		idset_add(set, id);
	}
	idset_unit_id(id, 2);
	idset_del(set, id);
	assert_false(idset_has(set, id));
	assert_int_equal(idset_count(set), 3);
	idset_del(set, id);			/* twice: nothing happens */
	assert_int_equal(idset_count(set), 3);
	/* The freed slot is reused in ring order; the others stay. */
	idset_unit_id(id, 9);
	idset_add(set, id);
	for (n = 1; n <= 4; n++) {
		idset_unit_id(id, n);
		if (idset_has(set, id) != (n == 3 || n == 4))
			fail_msg("id %u: has %d", n, idset_has(set, id));
	}
	idset_unit_id(id, 9);
	assert_true(idset_has(set, id));
	idset_free(set);
}

/* idset_unit_collect - idset_foreach's callback: the ids' numbers. */
static void
idset_unit_collect(const uint8_t *id, void *arg)
{
	uint32_t	*out = arg, n;

	memcpy(&n, id + 4, sizeof n);
	out[++out[0]] = n;
}

static void
idset_oldest_first(void **state)
{
	struct idset	*set = idset_new(4);
	uint8_t		 id[IDSET_ID_LEN];
	uint32_t	 n, got[8];

	(void)state;
	for (n = 1; n <= 6; n++) {
		idset_unit_id(id, n);
		idset_add(set, id);
	}
	idset_unit_id(id, 4);
	idset_del(set, id);
	memset(got, 0, sizeof got);
	idset_foreach(set, idset_unit_collect, got);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 3);
	assert_int_equal(got[2], 5);
	assert_int_equal(got[3], 6);
	idset_free(set);
}

/* A long random run against a plain array of the same ring. */
static void
idset_random_model(void **state)
{
	enum { CAP = 37, IDS = 100, STEPS = 20000 };
	struct idset	*set = idset_new(CAP);
	uint32_t	 ring[CAP];	/* model: id numbers, 0 = empty */
	size_t		 head = 0, i = 0, k;
	uint8_t		 id[IDSET_ID_LEN];
	uint32_t	 n;
	int		 in, step;

	(void)state;
	memset(ring, 0, sizeof ring);
	srandom(42);
	for (step = 0; step < STEPS; step++) {
		n = (uint32_t)(random() % IDS) + 1;
		idset_unit_id(id, n);
		for (in = 0, k = 0; k < CAP; k++)
			if (ring[k] == n)
				in = 1, i = k;
		if (random() % 4 == 0) {
			idset_del(set, id);
			if (in)
				ring[i] = 0;
		} else {
			idset_add(set, id);
			if (!in) {
				ring[head] = n;
				head = (head + 1) % CAP;
			}
		}
		for (n = 1; n <= IDS; n++) {
			idset_unit_id(id, n);
			for (in = 0, k = 0; k < CAP; k++)
				in |= ring[k] == n;
			if (idset_has(set, id) != in)
				fail_msg("step %d, id %u: set says %d, model %d",
				    step, n, idset_has(set, id), in);
		}
	}
	idset_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idset_add_find),
		cmocka_unit_test(idset_forgets_oldest),
		cmocka_unit_test(idset_delete),
		cmocka_unit_test(idset_oldest_first),
		cmocka_unit_test(idset_random_model),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

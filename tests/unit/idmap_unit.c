/*
 * idmap_unit.c - unit tests of common/idmap.c: an id maps to what was
 * put, a second put replaces, a deleted id is gone and its run still
 * finds the ids after it (deletion shifts them back), ids alike in
 * their first half are kept apart, ids a sender chose to differ only
 * in a few high bits do not pile up in one run of slots, and a long
 * random run of puts, gets and deletes agrees with a plain array kept
 * alongside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idmap.h"

/*
 * idmap_unit_id - a test id made from n: the first eight bytes are the
 * salt's, the last eight n scrambled, so ids collide in the table as
 * random ones do and deletions have runs to mend.
 */
static void
idmap_unit_id(uint8_t *id, uint32_t n, uint8_t salt)
{
	uint64_t	w = (uint64_t)n * 0x2545f4914f6cdd1dULL;
	size_t		i;

	for (i = 0; i < IDMAP_ID_LEN / 2; i++)
		id[i] = (uint8_t)(salt ^ i);
	w ^= w >> 31;
	memcpy(id + IDMAP_ID_LEN / 2, &w, sizeof w);
}

static void
idmap_put_get_del(void **state)
{
	struct idmap	*map = idmap_new();
	uint8_t		 a[IDMAP_ID_LEN], b[IDMAP_ID_LEN];
	int		 x, y;

	(void)state;
	idmap_unit_id(a, 1, 0);
	idmap_unit_id(b, 2, 0);
	assert_null(idmap_get(map, a));
	idmap_put(map, a, &x);
	assert_ptr_equal(idmap_get(map, a), &x);
	assert_null(idmap_get(map, b));
	idmap_put(map, a, &y);
	assert_ptr_equal(idmap_get(map, a), &y);
	assert_int_equal(idmap_count(map), 1);
	idmap_put(map, b, &x);
	assert_int_equal(idmap_count(map), 2);
	assert_ptr_equal(idmap_del(map, a), &y);
	assert_null(idmap_get(map, a));
	assert_null(idmap_del(map, a));
	assert_ptr_equal(idmap_get(map, b), &x);
	assert_int_equal(idmap_count(map), 1);
	idmap_free(map);
}

/*
 * Thousands of ids that differ only in their last eight bytes, put and
 * then deleted in an order unlike the puts: every deletion must leave
 * the rest findable, whatever runs the probing made.
 */
static void
idmap_alike_ids(void **state)
{
	struct idmap	*map = idmap_new();
	static int	 val[5000];
	static char	 gone[5000];
	uint8_t		 id[IDMAP_ID_LEN];
	uint32_t	 n, k;

	(void)state;
	for (n = 0; n < 5000; n++) {
		idmap_unit_id(id, n, 0x33);
		idmap_put(map, id, &val[n]);
	}
	assert_int_equal(idmap_count(map), 5000);
	for (k = 0; k < 5000; k++) {
		n = (k * 2861) % 5000;		/* 2861 is prime to 5000 */
		idmap_unit_id(id, n, 0x33);
		if (idmap_del(map, id) != &val[n])
			fail_msg("id %u: not found for deletion", n);
		gone[n] = 1;
		if (k % 250 != 0)
			continue;
		for (n = 0; n < 5000; n++) {
			idmap_unit_id(id, n, 0x33);
			if ((idmap_get(map, id) == NULL) != gone[n])
				fail_msg("after %u deletions id %u is %s", k + 1,
				    n, gone[n] ? "still there" : "lost");
		}
	}
	assert_int_equal(idmap_count(map), 0);
	idmap_free(map);
}

/*
 * Ids equal but for the top 14 bits of their last eight bytes: with a
 * hash whose low bits depend only on the low input bits (a multiply
 * and a fold, as the first version had), all 16384 share one home slot
 * and sit, on average, 8192 slots past it.  A sound hash keeps the mean
 * near 1 at this load (16384 ids in 32768 or more slots).
 */
static void
idmap_chosen_ids(void **state)
{
	struct idmap	*map = idmap_new();
	static int	 one;
	uint8_t		 id[IDMAP_ID_LEN];
	uint64_t	 b;
	uint32_t	 n;
	double		 mean;

	(void)state;
	for (n = 0; n < 16384; n++) {
		memset(id, 0x42, sizeof id);
		memcpy(&b, id + 8, sizeof b);
		b ^= (uint64_t)n << 50;
		memcpy(id + 8, &b, sizeof b);
		idmap_put(map, id, &one);
	}
	assert_int_equal(idmap_count(map), 16384);
	mean = (double)idmap_displacement(map) / 16384.0;
	if (mean > 4.0)
		fail_msg("chosen ids sit %.1f slots past home on average", mean);
	idmap_free(map);
}

/* A random run against a plain array: which of 700 ids map to what. */
static void
idmap_random_model(void **state)
{
	struct idmap	*map = idmap_new();
	static int	 val[700];
	int		*model[700];
	uint8_t		 id[IDMAP_ID_LEN];
	uint32_t	 seed = 12345, r, n, i;
	size_t		 want = 0;

	(void)state;
	memset(model, 0, sizeof model);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		n = r % 700;
		idmap_unit_id(id, n, (uint8_t)(n % 3));
		switch ((r >> 12) % 3) {
		case 0:
			if (model[n] == NULL)
				want++;
			model[n] = &val[(n + i) % 700];
			idmap_put(map, id, model[n]);
			break;
		case 1:
			if (idmap_del(map, id) != model[n])
				fail_msg("step %u: del of id %u disagrees", i, n);
			if (model[n] != NULL)
				want--;
			model[n] = NULL;
			break;
		default:
			if (idmap_get(map, id) != model[n])
				fail_msg("step %u: get of id %u disagrees", i, n);
		}
		if (idmap_count(map) != want)
			fail_msg("step %u: %zu ids, the model has %zu", i,
			    idmap_count(map), want);
	}
	for (n = 0; n < 700; n++) {
		idmap_unit_id(id, n, (uint8_t)(n % 3));
		assert_ptr_equal(idmap_get(map, id), model[n]);
	}
	idmap_free(map);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idmap_put_get_del),
		cmocka_unit_test(idmap_alike_ids),
		cmocka_unit_test(idmap_chosen_ids),
		cmocka_unit_test(idmap_random_model),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

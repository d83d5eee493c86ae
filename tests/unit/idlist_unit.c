/*
 * idlist_unit.c - unit tests of common/idlist.c: items come back in the
 * order they were added, found by id; a deletion anywhere (first, last,
 * middle) keeps the order of the rest; a second item under a present
 * id is refused; sorting reorders; and a random
 * run agrees with a plain array kept alongside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idlist.h"

struct item {
	uint8_t	id[16];
	int	n;
};

static void
idlist_unit_item(struct item *it, int n)
{
	memset(it, 0, sizeof *it);
	memcpy(it->id, &n, sizeof n);
	it->id[15] = 0xa5;
	it->n = n;
}

/* idlist_unit_order - the list holds exactly want[0..n), in order. */
static void
idlist_unit_order(const struct idlist *l, const int *want, size_t n)
{
	size_t		 i;
	struct item	*it;

	assert_int_equal(idlist_count(l), n);
	for (i = 0; i < n; i++) {
		it = idlist_at(l, i);
		if (it == NULL || it->n != want[i])
			fail_msg("position %zu holds %d, wanted %d", i,
			    it != NULL ? it->n : -1, want[i]);
		assert_ptr_equal(idlist_get(l, it->id), it);
	}
	assert_null(idlist_at(l, n));
}

static void
idlist_add_del(void **state)
{
	struct idlist	*l = idlist_new();
	struct item	 it[6], gone;
	int		 want[6] = { 0, 1, 2, 3, 4, 5 };
	int		 i;

	(void)state;
	for (i = 0; i < 6; i++) {
		idlist_unit_item(&it[i], i);
		idlist_add(l, it[i].id, &it[i]);
	}
	idlist_unit_order(l, want, 6);
	assert_ptr_equal(idlist_del(l, it[0].id), &it[0]);	/* first */
	assert_ptr_equal(idlist_del(l, it[5].id), &it[5]);	/* last */
	assert_ptr_equal(idlist_del(l, it[2].id), &it[2]);	/* middle */
	want[0] = 1;
	want[1] = 3;
	want[2] = 4;
	idlist_unit_order(l, want, 3);
	idlist_unit_item(&gone, 2);
	assert_null(idlist_get(l, gone.id));
	assert_null(idlist_del(l, gone.id));
	/* A second item under a present id is refused: nothing added. */
	idlist_unit_item(&gone, 3);
	assert_int_equal(idlist_add(l, gone.id, &gone), -1);
	assert_ptr_equal(idlist_get(l, gone.id), &it[3]);
	idlist_unit_order(l, want, 3);
	idlist_free(l, NULL);
}

static int
idlist_unit_desc(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a;
	const struct item *y = *(struct item *const *)b;

	return (y->n - x->n);
}

static void
idlist_sort_desc(void **state)
{
	struct idlist	*l = idlist_new();
	struct item	 it[5];
	int		 want[5] = { 4, 3, 2, 1, 0 };
	int		 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		idlist_unit_item(&it[i], (i * 3) % 5);
		idlist_add(l, it[i].id, &it[i]);
	}
	idlist_sort(l, idlist_unit_desc);
	idlist_unit_order(l, want, 5);
	idlist_free(l, NULL);
}

/* A random run of adds and deletes against a plain array. */
static void
idlist_random_model(void **state)
{
	struct idlist	*l = idlist_new();
	static int	 model[2000];
	size_t		 n = 0, k;
	uint32_t	 seed = 7, r;
	struct item	 probe, *it;
	int		 next = 0, step;

	(void)state;
	for (step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		if (n == 0 || (n < 2000 && r % 3 != 0)) {
			it = malloc(sizeof *it);
			idlist_unit_item(it, next);
			idlist_add(l, it->id, it);
			model[n++] = next++;
		} else {
			k = (r >> 4) % n;
			idlist_unit_item(&probe, model[k]);
			it = idlist_del(l, probe.id);
			if (it == NULL || it->n != model[k])
				fail_msg("step %d: deleting %d", step, model[k]);
			free(it);
			memmove(&model[k], &model[k + 1], (n - k - 1) *
			    sizeof *model);
			n--;
		}
		if (step % 1000 == 0)
			idlist_unit_order(l, model, n);
	}
	idlist_unit_order(l, model, n);
	idlist_free(l, free);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idlist_add_del),
		cmocka_unit_test(idlist_sort_desc),
		cmocka_unit_test(idlist_random_model),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

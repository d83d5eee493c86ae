/*
 * quota_unit.c - unit tests of server/quota.c, the per-sender tally: a
 * message counts once however often it is charged, a refund takes back
 * exactly its charge, mail to oneself is not counted, POSIX counts
 * whole parts, the default is an eighth of the capacity, --status
 * names the biggest senders first, and a long random run agrees with
 * a plain array kept alongside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"

/* quota_unit_id - a test id made from n. */
static void
quota_unit_id(uint8_t *id, uint32_t n)
{
	memset(id, 0x33, MAIL_ID_LEN);
	memcpy(id, &n, sizeof n);
}

static void
quota_counts_once(void **state)
{
	struct quota	*q = quota_new("sysv", 1000, 0);
	uint8_t		 a[MAIL_ID_LEN], b[MAIL_ID_LEN];

	(void)state;
	quota_unit_id(a, 1);
	quota_unit_id(b, 2);
	assert_int_equal(quota_limit(q), 1000);
	quota_charge(q, a, "eve", "x1", 300);
	quota_charge(q, a, "eve", "x1", 300);	/* the same message again */
	assert_int_equal(quota_used(q, "eve"), 300);
	quota_charge(q, b, "eve", "x2", 200);
	assert_int_equal(quota_used(q, "eve"), 500);
	assert_int_equal(quota_used(q, "x1"), 0);
	quota_refund(q, a);
	quota_refund(q, a);			/* already taken back */
	assert_int_equal(quota_used(q, "eve"), 200);
	quota_refund(q, b);
	assert_int_equal(quota_used(q, "eve"), 0);
	quota_free(q);
}

static void
quota_not_oneself(void **state)
{
	struct quota	*q = quota_new("sysv", 1000, 0);
	uint8_t		 a[MAIL_ID_LEN];

	(void)state;
	quota_unit_id(a, 1);
	quota_charge(q, a, "eve", "eve", 300);
	assert_int_equal(quota_used(q, "eve"), 0);
	quota_refund(q, a);
	assert_int_equal(quota_used(q, "eve"), 0);
	quota_free(q);
}

static void
quota_posix_parts(void **state)
{
	struct quota	*q = quota_new("posix", 0, 819200);
	uint8_t		 a[MAIL_ID_LEN], b[MAIL_ID_LEN];

	(void)state;
	assert_int_equal(quota_limit(q), 102400);
	quota_unit_id(a, 1);
	quota_unit_id(b, 2);
	quota_charge(q, a, "eve", "x1", 1);	/* one part: a whole slot */
	assert_int_equal(quota_used(q, "eve"), PART_MAX);
	quota_charge(q, b, "eve", "x2", 61440);	/* 8 parts */
	assert_int_equal(quota_used(q, "eve"), 9 * PART_MAX);
	quota_free(q);
}

static void
quota_default_eighth(void **state)
{
	struct quota	*q = quota_new("sysv", 0, 128 * 16384);

	(void)state;
	assert_int_equal(quota_limit(q), 256 * 1024);
	quota_free(q);
	q = quota_new("sysv", 0, 0);		/* never 0: nothing at all */
	assert_int_equal(quota_limit(q), 1);
	quota_free(q);
}

static void
quota_status_order(void **state)
{
	struct quota	*q = quota_new("sysv", 5000, 40000);
	uint8_t		 id[MAIL_ID_LEN];
	char		*line;

	(void)state;
	quota_unit_id(id, 1);
	quota_charge(q, id, "amy", "x", 10);
	quota_unit_id(id, 2);
	quota_charge(q, id, "bob", "x", 300);
	quota_unit_id(id, 3);
	quota_charge(q, id, "bob", "y", 300);
	quota_unit_id(id, 4);
	quota_charge(q, id, "cy", "x", 20);
	line = quota_status(q, 2);
	assert_string_equal(line, "live: sender quota: 5000 bytes each at "
	    "others (store about 40000 bytes); 3 senders have mail waiting, "
	    "most: bob 600 bytes in 2, cy 20 bytes in 1\n");
	free(line);
	quota_free(q);
}

/* A random run: charges and refunds against an array of what each id
 * holds; the tallies agree at every step. */
static void
quota_random(void **state)
{
	static const char	*names[] = { "a", "b", "c", "d" };
	struct quota		*q = quota_new("sysv", 1, 0);
	uint8_t			 id[MAIL_ID_LEN];
	uint32_t		 len[512];
	int			 who[512];
	uint64_t		 want[4];
	unsigned		 seed = 11;
	int			 i, k, n;

	(void)state;
	memset(len, 0, sizeof len);
	for (i = 0; i < 20000; i++) {
		n = rand_r(&seed) % 512;
		quota_unit_id(id, (uint32_t)n);
		if (len[n] == 0) {
			len[n] = 1 + rand_r(&seed) % 70000;
			who[n] = rand_r(&seed) % 4;
			quota_charge(q, id, names[who[n]], "r", len[n]);
		} else {
			quota_refund(q, id);
			len[n] = 0;
		}
		if (i % 97 != 0)
			continue;
		memset(want, 0, sizeof want);
		for (k = 0; k < 512; k++)
			if (len[k] != 0)
				want[who[k]] += len[k];
		for (k = 0; k < 4; k++)
			assert_int_equal(quota_used(q, names[k]), want[k]);
	}
	quota_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quota_counts_once),
		cmocka_unit_test(quota_not_oneself),
		cmocka_unit_test(quota_posix_parts),
		cmocka_unit_test(quota_default_eighth),
		cmocka_unit_test(quota_status_order),
		cmocka_unit_test(quota_random),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

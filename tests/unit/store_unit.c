/*
 * store_unit.c - unit tests of the SysV mail store (common/store.c,
 * common/store_sysv.c) on real message queues keyed by ftok() on a
 * private key file: put and get byte-exact across queues, index rebuilt
 * on reopen, all-or-nothing puts when the store is full, a crashed
 * half-put cleaned away, an ftok collision with another run
 * directory (same keys, another id) leaving each other's mail alone,
 * and messages found by id, in arrival order, across removals
 * anywhere, with a second put of a stored id refused.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail.h"
#include "msgq.h"
#include "record.h"
#include "store.h"

struct store_unit {
	char			keyfile[64];
	struct store_config	cfg;
};

static int
store_unit_setup(void **state)
{
	struct store_unit	*u = calloc(1, sizeof *u);
	int			 fd;

	strcpy(u->keyfile, "/tmp/store_unit.XXXXXX");
	fd = mkstemp(u->keyfile);
	assert_true(fd >= 0);
	close(fd);
	u->cfg.keyfile = u->keyfile;
	u->cfg.max_shards = 16;
	mail_new_id(u->cfg.dirid);
	*state = u;
	return (0);
}

/* Remove whatever queue sits at any of our keys, then the key file. */
static int
store_unit_teardown(void **state)
{
	struct store_unit	*u = *state;
	int			 proj, id;

	for (proj = 3; proj < 256; proj++)
		if ((id = msgget(ftok(u->keyfile, proj), 0)) != -1)
			msgctl(id, IPC_RMID, NULL);
	unlink(u->keyfile);
	free(u);
	return (0);
}

static struct store *
store_unit_open(struct store_config *cfg)
{
	struct store	*st;
	char		*cause = NULL;

	if ((st = store_open(&store_sysv_ops, cfg, 1, &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	return (st);
}

static void
store_unit_mail(struct mail *m, const char *to, size_t len, int seed)
{
	size_t	i;

	memset(m, 0, sizeof *m);
	mail_new_id(m->id);
	strcpy(m->from, "alice");
	strcpy(m->to, to);
	m->date = 1700000000;
	m->len = (uint32_t)len;
	m->body = malloc(len + 1);
	for (i = 0; i < len; i++)
		m->body[i] = (uint8_t)(i * 31 + (size_t)seed);
}

static void
store_unit_check(struct store *st, const struct mail *want)
{
	struct mail	 got;
	char		*cause = NULL;

	if (store_get(st, want->id, &got, &cause) != 0)
		fail_msg("store_get: %s", cause);
	assert_int_equal(got.len, want->len);
	assert_memory_equal(got.body, want->body, want->len);
	assert_string_equal(got.to, want->to);
	mail_free(&got);
}

static void
test_put_get_reopen(void **state)
{
	struct store_unit	*u = *state;
	struct store		*st = store_unit_open(&u->cfg);
	struct store_object	 obj[16];
	struct mail		 small, big;
	char			*cause = NULL;

	store_unit_mail(&small, "bob", 11, 1);
	store_unit_mail(&big, "carol", 65536, 2);
	assert_int_equal(store_put(st, &small, &cause), 0);
	assert_int_equal(store_put(st, &big, &cause), 0);
	/* 64 KiB does not fit one 16 KiB queue: it spans several. */
	assert_true(store_objects(st, obj, 16) >= 5);
	store_unit_check(st, &big);
	store_close(st);

	st = store_unit_open(&u->cfg);
	assert_int_equal(store_count(st), 2);
	assert_memory_equal(store_entry(st, 0)->id, small.id, MAIL_ID_LEN);
	assert_int_equal(store_unread(st, "carol", NULL), 1);
	store_unit_check(st, &small);
	store_unit_check(st, &big);
	assert_int_equal(store_remove(st, big.id), 0);
	assert_int_equal(store_remove(st, big.id), -1);
	assert_int_equal(store_count(st), 1);
	store_close(st);
	mail_free(&small);
	mail_free(&big);
}

static void
test_full_is_all_or_nothing(void **state)
{
	struct store_unit	*u = *state;
	struct store		*st;
	struct store_object	 obj[16];
	struct mail		 a, b;
	char			*cause = NULL;
	unsigned long		 msgs = 0;
	size_t			 i, n;

	u->cfg.max_shards = 2;	/* 32 KiB in all */
	st = store_unit_open(&u->cfg);
	store_unit_mail(&a, "bob", 20000, 1);
	store_unit_mail(&b, "bob", 20000, 2);
	assert_int_equal(store_put(st, &a, &cause), 0);
	assert_int_equal(store_put(st, &b, &cause), STORE_FULL);
	assert_int_equal(store_count(st), 1);
	n = store_objects(st, obj, 16);
	for (i = 0; i < n; i++)
		msgs += obj[i].messages;
	assert_int_equal(msgs, mail_part_count(a.len));	/* b left nothing */
	store_unit_check(st, &a);
	store_close(st);
	mail_free(&a);
	mail_free(&b);
}

static void
test_half_put_removed(void **state)
{
	struct store_unit	*u = *state;
	struct store		*st = store_unit_open(&u->cfg);
	struct store_object	 obj[16];
	struct mail		 m;
	uint8_t			 buf[PART_MAX];
	char			*cause = NULL;
	long			 tag;
	size_t			 len;

	store_unit_mail(&m, "bob", 100, 3);
	assert_int_equal(store_put(st, &m, &cause), 0);
	store_close(st);
	/* A crash mid-put: only part 0 of another message reached the
	 * kernel, under our tag. */
	mail_free(&m);
	store_unit_mail(&m, "bob", 20000, 6);	/* 3 parts */
	len = mail_part_encode(&m, 0, buf);
	tag = (long)(record_sum(u->cfg.dirid, MAIL_ID_LEN, 2166136261u) &
	    0x7fffffffu);
	st = store_unit_open(&u->cfg);
	assert_true(store_objects(st, obj, 16) > 0);
	store_close(st);
	assert_int_equal(msgq_send(obj[0].id, (tag << 32) | 999999, buf,
	    len), 0);
	st = store_unit_open(&u->cfg);
	assert_int_equal(store_count(st), 1);
	assert_null(store_find(st, m.id));
	store_close(st);
	mail_free(&m);
}

static void
test_ftok_collision(void **state)
{
	struct store_unit	*u = *state;
	struct store_config	 other = u->cfg;
	struct store		*st, *ot;
	struct mail		 mine, theirs;
	char			*cause = NULL;

	/* Another run directory whose keys collide with ours. */
	mail_new_id(other.dirid);
	st = store_unit_open(&u->cfg);
	store_unit_mail(&mine, "bob", 100, 4);
	assert_int_equal(store_put(st, &mine, &cause), 0);
	store_close(st);

	ot = store_unit_open(&other);
	assert_int_equal(store_count(ot), 0);	/* not theirs */
	store_unit_mail(&theirs, "dave", 100, 5);
	assert_int_equal(store_put(ot, &theirs, &cause), 0);
	assert_int_equal(store_destroy(ot), 0);	/* removes only theirs */

	st = store_unit_open(&u->cfg);
	assert_int_equal(store_count(st), 1);
	store_unit_check(st, &mine);
	assert_null(store_find(st, theirs.id));
	store_close(st);
	mail_free(&mine);
	mail_free(&theirs);
}

/* Each mailbox's count and bytes follow puts and removes, and a reopen. */
static void
test_unread_tally(void **state)
{
	struct store_unit	*u = *state;
	struct store		*st = store_unit_open(&u->cfg);
	struct mail		 m[4];
	char			*cause = NULL;
	uint64_t		 bytes = 1;
	int			 i;

	assert_int_equal(store_unread(st, "bob", &bytes), 0);
	assert_int_equal(bytes, 0);
	store_unit_mail(&m[0], "bob", 10, 1);
	store_unit_mail(&m[1], "bob", 200, 2);
	store_unit_mail(&m[2], "carol", 3000, 3);
	store_unit_mail(&m[3], "bob", 5, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_put(st, &m[i], &cause), 0);
	assert_int_equal(store_unread(st, "bob", &bytes), 3);
	assert_int_equal(bytes, 215);
	assert_int_equal(store_unread(st, "carol", &bytes), 1);
	assert_int_equal(bytes, 3000);
	assert_int_equal(store_unread(st, "dave", &bytes), 0);

	assert_int_equal(store_remove(st, m[1].id), 0);
	assert_int_equal(store_remove(st, m[1].id), -1);
	assert_int_equal(store_unread(st, "bob", &bytes), 2);
	assert_int_equal(bytes, 15);
	store_close(st);

	/* Reopened: the tally is rebuilt from the mail in the kernel. */
	st = store_unit_open(&u->cfg);
	assert_int_equal(store_unread(st, "bob", &bytes), 2);
	assert_int_equal(bytes, 15);
	assert_int_equal(store_remove(st, m[2].id), 0);
	assert_int_equal(store_unread(st, "carol", &bytes), 0);
	assert_int_equal(bytes, 0);
	assert_int_equal(store_remove(st, m[0].id), 0);
	assert_int_equal(store_remove(st, m[3].id), 0);
	assert_int_equal(store_unread(st, "bob", NULL), 0);
	for (i = 0; i < 4; i++)
		free(m[i].body);
	assert_int_equal(store_destroy(st), 0);
}

static void
test_find_in_order(void **state)
{
	struct store_unit	*u = *state;
	struct store		*st = store_unit_open(&u->cfg);
	struct mail		 m[40], again;
	char			*cause = NULL;
	int			 i, k, gone[40] = { 0 };

	for (i = 0; i < 40; i++) {
		store_unit_mail(&m[i], i % 2 ? "bob" : "carol", 20 + i, i);
		assert_int_equal(store_put(st, &m[i], &cause), 0);
	}
	/* The oldest, the newest, and some in between. */
	for (i = 0; i < 40; i += (i < 10 ? 3 : 7)) {
		assert_int_equal(store_remove(st, m[i].id), 0);
		gone[i] = 1;
	}
	assert_int_equal(store_remove(st, m[39].id), 0);
	gone[39] = 1;
	/* A second put under a stored id changes nothing. */
	again = m[5];
	assert_int_equal(store_put(st, &again, &cause), -1);
	free(cause);
	cause = NULL;
	for (k = 0; k < 2; k++) {
		size_t	n = 0;

		for (i = 0; i < 40; i++) {
			if (gone[i]) {
				assert_null(store_find(st, m[i].id));
				continue;
			}
			assert_non_null(store_find(st, m[i].id));
			if (memcmp(store_entry(st, n)->id, m[i].id,
			    MAIL_ID_LEN) != 0)
				fail_msg("entry %zu is not message %d", n, i);
			n++;
		}
		assert_int_equal(store_count(st), n);
		store_unit_check(st, &m[5]);
		/* And again from the kernel alone. */
		store_close(st);
		st = store_unit_open(&u->cfg);
	}
	for (i = 0; i < 40; i++)
		free(m[i].body);
	assert_int_equal(store_destroy(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unread_tally,
		    store_unit_setup, store_unit_teardown),
		cmocka_unit_test_setup_teardown(test_put_get_reopen,
		    store_unit_setup, store_unit_teardown),
		cmocka_unit_test_setup_teardown(test_full_is_all_or_nothing,
		    store_unit_setup, store_unit_teardown),
		cmocka_unit_test_setup_teardown(test_half_put_removed,
		    store_unit_setup, store_unit_teardown),
		cmocka_unit_test_setup_teardown(test_ftok_collision,
		    store_unit_setup, store_unit_teardown),
		cmocka_unit_test_setup_teardown(test_find_in_order,
		    store_unit_setup, store_unit_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

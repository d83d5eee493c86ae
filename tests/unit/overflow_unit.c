/*
 * overflow_unit.c - unit tests of server/overflow.c on a real one-shard
 * SysV store (16 KiB: two messages of one part) and a real spool in a
 * private directory: what does not fit waits, room goes to the waiting
 * mailboxes in turn and to each mailbox's oldest first, a message taken
 * from the middle leaves the order of the rest, and the spool's bound
 * refuses what would pass --spool-max.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

struct overflow_unit {
	char			dir[64];
	char			keyfile[96];
	int			dirfd;
	struct server		srv;
};

static int
overflow_unit_setup(void **state)
{
	struct overflow_unit	*u = calloc(1, sizeof *u);
	struct store_config	 cfg;
	char			*cause = NULL;
	int			 fd;

	strcpy(u->dir, "/tmp/overflow_unit.XXXXXX");
	assert_non_null(mkdtemp(u->dir));
	u->dirfd = open(u->dir, O_RDONLY | O_DIRECTORY);
	assert_true(u->dirfd >= 0);
	snprintf(u->keyfile, sizeof u->keyfile, "%s/key", u->dir);
	fd = open(u->keyfile, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	memset(&cfg, 0, sizeof cfg);
	cfg.keyfile = u->keyfile;
	cfg.max_shards = 1;
	mail_new_id(cfg.dirid);
	if ((u->srv.store = store_open(&store_sysv_ops, &cfg, 1,
	    &cause)) == NULL)
		fail_msg("store_open: %s", cause);
	if ((u->srv.spool = spool_open(u->dirfd, "spool", &cause)) == NULL)
		fail_msg("spool_open: %s", cause);
	u->srv.overflow = overflow_new();
	u->srv.cfg.spool_max = UINT64_MAX;
	*state = u;
	return (0);
}

static int
overflow_unit_teardown(void **state)
{
	struct overflow_unit	*u = *state;
	char			 cmd[128];

	overflow_free(u->srv.overflow);
	spool_close(u->srv.spool);
	store_destroy(u->srv.store);
	close(u->dirfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", u->dir);
	assert_int_equal(system(cmd), 0);
	free(u);
	return (0);
}

/* overflow_unit_mail - an 8000-byte message (one part) to to. */
static void
overflow_unit_mail(struct mail *m, const char *to, int i)
{
	memset(m, 0, sizeof *m);
	mail_new_id(m->id);
	strcpy(m->from, "mallory");
	strcpy(m->to, to);
	m->date = 1700000000 + i;
	m->len = 8000;
	m->body = malloc(m->len + 1);
	memset(m->body, 'a' + i % 26, m->len);
}

/* overflow_unit_accept - as post_accept: keep it, log it to the spool. */
static int
overflow_unit_accept(struct server *srv, const struct mail *m)
{
	char	*cause = NULL;
	int	 rc = overflow_store(srv, m, &cause);

	assert_true(rc == 0 || rc == OVERFLOW_HELD);
	spool_put(srv->spool, m);
	return (rc);
}

/* overflow_unit_read - a reader's done: out of the store, room made. */
static void
overflow_unit_read(struct server *srv, const struct mail *m)
{
	assert_int_equal(store_remove(srv->store, m->id), 0);
	overflow_kick(srv->overflow);
	overflow_run(srv);
}

static int
overflow_unit_in_kernel(struct server *srv, const struct mail *m)
{
	return (store_find(srv->store, m->id) != NULL);
}

static void
test_turns(void **state)
{
	struct overflow_unit	*u = *state;
	struct server		*srv = &u->srv;
	struct mail		 a[5], b, c;
	uint64_t		 bytes;
	int			 i;

	for (i = 0; i < 5; i++)
		overflow_unit_mail(&a[i], "a", i);
	overflow_unit_mail(&b, "b", 10);
	overflow_unit_mail(&c, "c", 11);
	assert_int_equal(overflow_unit_accept(srv, &a[0]), 0);
	assert_int_equal(overflow_unit_accept(srv, &a[1]), 0);
	for (i = 2; i < 5; i++)
		assert_int_equal(overflow_unit_accept(srv, &a[i]),
		    OVERFLOW_HELD);
	assert_int_equal(overflow_unit_accept(srv, &b), OVERFLOW_HELD);
	assert_int_equal(overflow_unit_accept(srv, &c), OVERFLOW_HELD);
	overflow_run(srv);	/* no room: nothing moves */
	assert_int_equal(overflow_count(srv->overflow, &bytes), 5);
	assert_int_equal(bytes, 5 * 8000);
	assert_int_equal(overflow_unread(srv->overflow, "a", &bytes), 3);
	assert_non_null(overflow_find(srv->overflow, b.id));

	/* Room for one at a time: a, b, c in turn, a's oldest first. */
	overflow_unit_read(srv, &a[0]);
	assert_true(overflow_unit_in_kernel(srv, &a[2]));
	assert_false(overflow_unit_in_kernel(srv, &b));
	overflow_unit_read(srv, &a[1]);
	assert_true(overflow_unit_in_kernel(srv, &b));
	assert_false(overflow_unit_in_kernel(srv, &a[3]));
	overflow_unit_read(srv, &a[2]);
	assert_true(overflow_unit_in_kernel(srv, &c));
	assert_null(overflow_find(srv->overflow, c.id));
	overflow_unit_read(srv, &b);
	assert_true(overflow_unit_in_kernel(srv, &a[3]));
	assert_false(overflow_unit_in_kernel(srv, &a[4]));
	overflow_unit_read(srv, &c);
	assert_true(overflow_unit_in_kernel(srv, &a[4]));
	assert_int_equal(overflow_count(srv->overflow, &bytes), 0);
	assert_int_equal(bytes, 0);
	for (i = 0; i < 5; i++)
		mail_free(&a[i]);
	mail_free(&b);
	mail_free(&c);
}

static void
overflow_unit_collect(const struct store_entry *e, void *arg)
{
	struct mail	*want = arg;
	int		 i;

	for (i = 0; want[i].len != 0; i++) {
		if (memcmp(want[i].id, e->id, MAIL_ID_LEN) == 0) {
			want[i].len = 1;	/* seen */
			return;
		}
	}
	fail_msg("an entry that is not waiting");
}

static void
test_remove_keeps_order(void **state)
{
	struct overflow_unit	*u = *state;
	struct server		*srv = &u->srv;
	struct mail		 m[8];
	int			 i;

	for (i = 0; i < 7; i++)
		overflow_unit_mail(&m[i], "a", i);
	memset(&m[7], 0, sizeof m[7]);
	for (i = 0; i < 6; i++)
		overflow_unit_accept(srv, &m[i]);
	/* Reads in the middle and at the end of the waiting four. */
	assert_int_equal(overflow_remove(srv->overflow, m[3].id), 0);
	assert_int_equal(overflow_remove(srv->overflow, m[5].id), 0);
	assert_int_equal(overflow_remove(srv->overflow, m[5].id), -1);
	/* A new one waits after the rest. */
	assert_int_equal(overflow_unit_accept(srv, &m[6]), OVERFLOW_HELD);
	assert_int_equal(overflow_unread(srv->overflow, "a", NULL), 3);
	overflow_list(srv->overflow, "a", overflow_unit_collect, m);
	assert_int_equal(m[2].len, 1);
	assert_int_equal(m[4].len, 1);
	assert_int_equal(m[6].len, 1);
	m[2].len = m[4].len = m[6].len = 8000;
	/* They come in order. */
	overflow_unit_read(srv, &m[0]);
	assert_true(overflow_unit_in_kernel(srv, &m[2]));
	overflow_unit_read(srv, &m[1]);
	assert_true(overflow_unit_in_kernel(srv, &m[4]));
	assert_false(overflow_unit_in_kernel(srv, &m[6]));
	overflow_unit_read(srv, &m[2]);
	assert_true(overflow_unit_in_kernel(srv, &m[6]));
	assert_int_equal(overflow_count(srv->overflow, NULL), 0);
	for (i = 0; i < 7; i++)
		mail_free(&m[i]);
}

static void
test_spool_max(void **state)
{
	struct overflow_unit	*u = *state;
	struct server		*srv = &u->srv;
	struct mail		 m;
	char			*cause = NULL;

	srv->cfg.spool_max = 10000;
	assert_int_equal(overflow_admit(srv, 8000, &cause), 0);
	overflow_unit_mail(&m, "a", 0);
	overflow_unit_accept(srv, &m);
	assert_int_equal(overflow_admit(srv, 2000, &cause), -1);
	assert_non_null(strstr(cause, "at most 10000"));
	free(cause);
	cause = NULL;
	srv->cfg.spool_max = UINT64_MAX;
	srv->cfg.spool_minfree = UINT64_MAX / 2;
	assert_int_equal(overflow_admit(srv, 1, &cause), -1);
	assert_non_null(strstr(cause, "file system"));
	free(cause);
	mail_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_turns,
		    overflow_unit_setup, overflow_unit_teardown),
		cmocka_unit_test_setup_teardown(test_remove_keeps_order,
		    overflow_unit_setup, overflow_unit_teardown),
		cmocka_unit_test_setup_teardown(test_spool_max,
		    overflow_unit_setup, overflow_unit_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * table_unit.c - unit tests of the online-user table through
 * table_sysv_ops, on real SysV shared memory and semaphores keyed by a
 * private keyfile under /tmp.  Every test destroys what it made, and
 * the teardown checks that no kernel object is left at its keys.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "table.h"

/* The key scheme documented in table_sysv.c. */
#define TABLE_UNIT_PROJ_SEM	1
#define TABLE_UNIT_PROJ_SHM	2

struct table_unit {
	char		 keyfile[64];
	key_t		 semkey;
	key_t		 shmkey;
	void		*owner;		/* from create */
	void		*reader;	/* from attach */
};

static const struct table_ops	*ops = &table_sysv_ops;

/* table_unit_user - fill in a user. */
static struct table_user
table_unit_user(const char *name, const char *tty, int32_t pid)
{
	struct table_user	u;

	memset(&u, 0, sizeof u);
	strncpy(u.name, name, sizeof u.name - 1);
	strncpy(u.tty, tty, sizeof u.tty - 1);
	u.pid = pid;
	u.uid = (uint32_t)getuid();
	u.since = 1700000000 + pid;
	return (u);
}

/* table_unit_find - the user called name in a read, or NULL. */
static const struct table_user *
table_unit_find(const struct table_user *users, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(users[i].name, name) == 0)
			return (&users[i]);
	}
	return (NULL);
}

/* table_unit_same - field by field: padding is not part of a user. */
static void
table_unit_same(const struct table_user *got, const struct table_user *want)
{
	assert_non_null(got);
	assert_string_equal(got->name, want->name);
	assert_string_equal(got->tty, want->tty);
	assert_int_equal(got->pid, want->pid);
	assert_int_equal(got->uid, want->uid);
	assert_int_equal(got->since, want->since);
}

/* table_unit_read - read through handle t; returns the user count. */
static size_t
table_unit_read(void *t, struct table_user **users, struct table_info *info)
{
	char	*cause = NULL;
	size_t	 n = 999;

	if (ops->read(t, users, &n, info, &cause) != 0)
		fail_msg("read: %s", cause != NULL ? cause : "?");
	assert_null(cause);
	assert_non_null(*users);
	return (n);
}

/* table_unit_present - do kernel objects sit at our keys? */
static int
table_unit_present(const struct table_unit *u)
{
	return (shmget(u->shmkey, 0, 0) != -1 ||
	    semget(u->semkey, 0, 0) != -1);
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("table_unit", 0, 0);
	return (0);
}

static int
keyfile_setup(void **state)
{
	struct table_unit	*u;
	int			 fd, tries;

	if ((u = calloc(1, sizeof *u)) == NULL)
		return (-1);
	/* Take a keyfile whose keys nobody uses: never touch theirs. */
	for (tries = 0; tries < 32; tries++) {
		strcpy(u->keyfile, "/tmp/table_unit.XXXXXX");
		if ((fd = mkstemp(u->keyfile)) == -1)
			break;
		close(fd);
		u->semkey = ftok(u->keyfile, TABLE_UNIT_PROJ_SEM);
		u->shmkey = ftok(u->keyfile, TABLE_UNIT_PROJ_SHM);
		if (u->semkey != -1 && u->shmkey != -1 &&
		    !table_unit_present(u)) {
			*state = u;
			return (0);
		}
		unlink(u->keyfile);
	}
	free(u);
	return (-1);
}

static int
keyfile_teardown(void **state)
{
	struct table_unit	*u = *state;
	int			 id, rc = 0;

	if (u->reader != NULL)
		ops->detach(u->reader);
	if (u->owner != NULL)
		ops->destroy(u->owner);
	/* Anything still here is a leak: report it, but remove it. */
	if ((id = shmget(u->shmkey, 0, 0)) != -1) {
		fprintf(stderr, "table_unit: shm id %d left behind\n", id);
		shmctl(id, IPC_RMID, NULL);
		rc = -1;
	}
	if ((id = semget(u->semkey, 0, 0)) != -1) {
		fprintf(stderr, "table_unit: sem id %d left behind\n", id);
		semctl(id, 0, IPC_RMID);
		rc = -1;
	}
	if (unlink(u->keyfile) == -1)
		rc = -1;
	free(u);
	return (rc);
}

/* table_unit_create - a table of nslots, owned by this process. */
static void
table_unit_create(struct table_unit *u, unsigned nslots)
{
	char	*cause = NULL;

	u->owner = ops->create(u->keyfile, nslots, &cause);
	if (u->owner == NULL)
		fail_msg("create: %s", cause != NULL ? cause : "?");
	assert_null(cause);
}

/* table_unit_destroy - destroy the owner's table; nothing may remain. */
static void
table_unit_destroy(struct table_unit *u)
{
	ops->destroy(u->owner);
	u->owner = NULL;
	assert_int_equal(shmget(u->shmkey, 0, 0), -1);
	assert_int_equal(semget(u->semkey, 0, 0), -1);
}

static void
table_lifecycle(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 alice, bob, carol, dave, *users;
	struct table_info	 info;
	time_t			 t0, t1;

	alice = table_unit_user("alice", "/dev/pts/1", 101);
	bob = table_unit_user("bob", "/dev/pts/2", 102);
	carol = table_unit_user("carol", "/dev/pts/3", 103);
	dave = table_unit_user("dave", "/dev/pts/4", 104);

	t0 = time(NULL);
	table_unit_create(u, 3);
	t1 = time(NULL);

	assert_int_equal(table_unit_read(u->owner, &users, &info), 0);
	free(users);
	assert_int_equal(info.nslots, 3);
	assert_int_equal(info.used, 0);

	assert_int_equal(ops->add(u->owner, &alice), 0);
	assert_int_equal(ops->add(u->owner, &bob), 1);
	assert_int_equal(ops->add(u->owner, &carol), 2);
	assert_int_equal(ops->add(u->owner, &dave), -1);

	memset(&info, 0xff, sizeof info);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 3);
	assert_int_equal(info.nslots, 3);
	assert_int_equal(info.used, 3);
	assert_int_equal(info.server_pid, getpid());
	assert_int_equal(info.server_uid, geteuid());
	assert_in_range(info.started, t0, t1);
	table_unit_same(table_unit_find(users, 3, "alice"), &alice);
	table_unit_same(table_unit_find(users, 3, "bob"), &bob);
	table_unit_same(table_unit_find(users, 3, "carol"), &carol);
	assert_null(table_unit_find(users, 3, "dave"));
	free(users);

	ops->del(u->owner, 1);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 2);
	assert_int_equal(info.used, 2);
	assert_non_null(table_unit_find(users, 2, "alice"));
	assert_non_null(table_unit_find(users, 2, "carol"));
	assert_null(table_unit_find(users, 2, "bob"));
	free(users);

	/* Out-of-range deletes change nothing. */
	ops->del(u->owner, -1);
	ops->del(u->owner, 3);
	ops->del(u->owner, 1000);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 2);
	free(users);

	/* The freed slot is reused, and the table is full again. */
	assert_int_equal(ops->add(u->owner, &dave), 1);
	assert_int_equal(ops->add(u->owner, &bob), -1);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 3);
	table_unit_same(table_unit_find(users, 3, "dave"), &dave);
	free(users);

	table_unit_destroy(u);
}

static void
table_attach_reader(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 alice, bob, *users;
	struct table_info	 info;
	struct table_object	 obj[4];
	char			*cause = NULL;

	alice = table_unit_user("alice", "pts/1", 201);
	bob = table_unit_user("bob", "pts/2", 202);
	table_unit_create(u, 3);
	assert_int_equal(ops->add(u->owner, &alice), 0);

	u->reader = ops->attach(u->keyfile, &cause);
	if (u->reader == NULL)
		fail_msg("attach: %s", cause != NULL ? cause : "?");
	assert_null(cause);
	assert_int_equal(table_unit_read(u->reader, &users, &info), 1);
	table_unit_same(&users[0], &alice);
	assert_int_equal(info.nslots, 3);
	assert_int_equal(info.used, 1);
	assert_int_equal(info.server_pid, getpid());
	free(users);

	/* The reader sees the owner's later changes: it is one segment. */
	assert_int_equal(ops->add(u->owner, &bob), 1);
	assert_int_equal(table_unit_read(u->reader, &users, &info), 2);
	table_unit_same(table_unit_find(users, 2, "bob"), &bob);
	free(users);
	ops->del(u->owner, 0);
	assert_int_equal(table_unit_read(u->reader, &users, &info), 1);
	table_unit_same(&users[0], &bob);
	free(users);

	assert_int_equal(ops->objects(u->keyfile, obj, 4), 2);
	assert_int_equal(obj[0].key, (int)u->shmkey);
	assert_int_equal(obj[0].attached, 2);
	assert_int_equal(obj[0].mode, 0644);
	assert_true(obj[0].size > 0);
	assert_int_equal(obj[1].key, (int)u->semkey);
	assert_int_equal(obj[1].mode, 0644);
	assert_int_equal(obj[1].size, 1);
	assert_int_equal(obj[1].attached, 0);	/* at rest: nobody writes */
	assert_int_equal(ops->objects(u->keyfile, obj, 1), 1);

	/* Destroying a reader's handle only detaches it. */
	ops->destroy(u->reader);
	u->reader = NULL;
	assert_int_not_equal(shmget(u->shmkey, 0, 0), -1);
	assert_int_not_equal(semget(u->semkey, 0, 0), -1);
	assert_int_equal(ops->objects(u->keyfile, obj, 4), 2);
	assert_int_equal(obj[0].attached, 1);

	table_unit_destroy(u);
	assert_int_equal(ops->objects(u->keyfile, obj, 4), 0);
	assert_null(ops->attach(u->keyfile, &cause));
	assert_non_null(cause);
	free(cause);
}

static void
table_long_fields(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 x, *users;
	struct table_info	 info;
	char			 name[PROTO_NAME_MAX + 1], tty[PROTO_TTY_MAX];

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	memset(tty, 't', sizeof tty - 1);
	tty[sizeof tty - 1] = '\0';
	table_unit_create(u, 1);

	/* Fields without their NUL come back terminated anyway. */
	memset(&x, 0, sizeof x);
	memset(x.name, 'n', sizeof x.name);
	memset(x.tty, 't', sizeof x.tty);
	assert_int_equal(ops->add(u->owner, &x), 0);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 1);
	assert_string_equal(users[0].name, name);
	assert_string_equal(users[0].tty, tty);
	free(users);

	table_unit_destroy(u);
}

static void
table_purge_empty(void **state)
{
	struct table_unit	*u = *state;
	struct table_object	 obj[4];
	char			*cause = NULL;

	assert_int_equal(ops->objects(u->keyfile, obj, 4), 0);
	assert_int_equal(ops->purge(u->keyfile, &cause), 0);
	assert_null(cause);
	assert_int_equal(table_unit_present(u), 0);
	assert_int_equal(ops->purge("/nonexistent/table_unit.key", &cause),
	    0);
	assert_null(cause);
}

static void
table_purge_stale(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 alice;
	struct table_object	 obj[4];
	char			*cause = NULL;

	alice = table_unit_user("alice", "pts/9", 301);
	table_unit_create(u, 2);
	assert_int_equal(ops->add(u->owner, &alice), 0);

	/* While the table is attached, purge refuses. */
	assert_int_equal(ops->purge(u->keyfile, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_int_not_equal(shmget(u->shmkey, 0, 0), -1);

	/* A server that died: the objects stay, attached by nobody. */
	ops->detach(u->owner);
	u->owner = NULL;
	assert_int_equal(ops->objects(u->keyfile, obj, 4), 2);
	assert_int_equal(obj[0].attached, 0);

	assert_int_equal(ops->purge(u->keyfile, &cause), 0);
	assert_null(cause);
	assert_int_equal(shmget(u->shmkey, 0, 0), -1);
	assert_int_equal(semget(u->semkey, 0, 0), -1);
}

static void
table_create_over_stale(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 alice, *users;
	struct table_info	 info;

	alice = table_unit_user("alice", "pts/9", 401);
	table_unit_create(u, 2);
	assert_int_equal(ops->add(u->owner, &alice), 0);
	ops->detach(u->owner);
	u->owner = NULL;

	/* A new server clears the stale table and starts empty. */
	table_unit_create(u, 4);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 0);
	free(users);
	assert_int_equal(info.nslots, 4);
	table_unit_destroy(u);
}

/*
 * The high-water mark (readers copy only the slots below it) follows
 * the slots in use as users come and go, and a reader attached while
 * the table was emptier still sees every user added since.
 */
static void
table_hiwater(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 a, b, c, d, e, *users;
	char			*cause = NULL;
	void			*r;

	a = table_unit_user("a", "pts/1", 201);
	b = table_unit_user("b", "pts/2", 202);
	c = table_unit_user("c", "pts/3", 203);
	d = table_unit_user("d", "pts/4", 204);
	e = table_unit_user("e", "pts/5", 205);
	table_unit_create(u, 8);
	r = ops->attach(u->keyfile, &cause);
	assert_non_null(r);
	assert_int_equal(table_unit_read(r, &users, NULL), 0);
	free(users);

	assert_int_equal(ops->add(u->owner, &a), 0);
	assert_int_equal(ops->add(u->owner, &b), 1);
	assert_int_equal(ops->add(u->owner, &c), 2);
	assert_int_equal(ops->add(u->owner, &d), 3);
	assert_int_equal(table_unit_read(r, &users, NULL), 4);
	table_unit_same(table_unit_find(users, 4, "d"), &d);
	free(users);

	ops->del(u->owner, 3);		/* the top */
	ops->del(u->owner, 1);		/* a hole below it */
	assert_int_equal(table_unit_read(r, &users, NULL), 2);
	assert_non_null(table_unit_find(users, 2, "a"));
	assert_non_null(table_unit_find(users, 2, "c"));
	free(users);

	ops->del(u->owner, 2);		/* the mark falls past the hole */
	assert_int_equal(table_unit_read(r, &users, NULL), 1);
	free(users);
	assert_int_equal(ops->add(u->owner, &e), 1);
	assert_int_equal(ops->add(u->owner, &d), 2);
	assert_int_equal(table_unit_read(r, &users, NULL), 3);
	table_unit_same(table_unit_find(users, 3, "e"), &e);
	table_unit_same(table_unit_find(users, 3, "d"), &d);
	free(users);

	ops->del(u->owner, 0);
	ops->del(u->owner, 1);
	ops->del(u->owner, 2);
	assert_int_equal(table_unit_read(r, &users, NULL), 0);
	free(users);
	assert_int_equal(ops->add(u->owner, &b), 0);
	assert_int_equal(table_unit_read(r, &users, NULL), 1);
	table_unit_same(&users[0], &b);
	free(users);

	ops->detach(r);
	table_unit_destroy(u);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(table_lifecycle,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_attach_reader,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_long_fields,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_purge_empty,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_purge_stale,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_create_over_stale,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_hiwater,
		    keyfile_setup, keyfile_teardown),
	};

	return (cmocka_run_group_tests(tests, group_setup, NULL));
}

/*
 * table_unit.c - unit tests of the online-user table: the layout and
 * its lock-free reads (table.c) on plain memory, with a writer thread
 * racing the readers; and table_sysv_ops on real SysV shared memory
 * and semaphores keyed by a private keyfile under /tmp.  Every test
 * destroys what it made, and the teardown checks that no kernel object
 * is left at its keys.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <errno.h>
#include <pthread.h>
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

#include "io.h"

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

/*
 * Version 4's presence fields: a slot set anew (set) carries the
 * session's activity, flags and away text, terminated even when the
 * writer left the NUL out; the other slots are not touched.
 */
static void
table_presence(void **state)
{
	struct table_unit	*u = *state;
	struct table_user	 alice, bob, *users;
	struct table_info	 info;
	char			 away[PROTO_AWAY_MAX + 1];

	assert_int_equal(sizeof(struct table_user) % 8, 0);
	table_unit_create(u, 2);
	alice = table_unit_user("alice", "pts/1", 101);
	bob = table_unit_user("bob", "pts/2", 102);
	assert_int_equal(ops->add(u->owner, &alice), 0);
	assert_int_equal(ops->add(u->owner, &bob), 1);
	assert_int_equal(table_unit_read(u->owner, &users, &info), 2);
	assert_int_equal(table_unit_find(users, 2, "bob")->flags, 0);
	assert_string_equal(table_unit_find(users, 2, "bob")->away, "");
	free(users);

	bob.active = 1700000500;
	bob.flags = TABLE_AWAY | TABLE_DND;
	memset(bob.away, 'x', sizeof bob.away);	/* no NUL */
	ops->set(u->owner, 1, &bob);
	ops->set(u->owner, 7, &bob);		/* out of range: ignored */
	assert_int_equal(table_unit_read(u->owner, &users, &info), 2);
	memset(away, 'x', sizeof away - 1);
	away[sizeof away - 1] = '\0';
	assert_int_equal(table_unit_find(users, 2, "bob")->active, 1700000500);
	assert_int_equal(table_unit_find(users, 2, "bob")->flags,
	    TABLE_AWAY | TABLE_DND);
	assert_string_equal(table_unit_find(users, 2, "bob")->away, away);
	table_unit_same(table_unit_find(users, 2, "alice"), &alice);
	assert_int_equal(table_unit_find(users, 2, "alice")->flags, 0);
	free(users);
	table_unit_destroy(u);
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

/* table_unit_nopause - a reader's pause that only counts its calls. */
static int
table_unit_nopause(void *arg, int ms, char **cause)
{
	(void)cause;
	assert_true(ms > 0);
	(*(int *)arg)++;
	return (0);
}

/* table_unit_giveup - a pause that gives up with a cause of its own. */
static int
table_unit_giveup(void *arg, int ms, char **cause)
{
	(void)arg;
	(void)ms;
	*cause = strdup("the lock went away");
	return (-1);
}

/* table_unit_mem - a table of nslots in plain memory. */
static void *
table_unit_mem(uint32_t nslots)
{
	void	*mem;

	mem = malloc(table_size(nslots));
	assert_non_null(mem);
	table_init(mem, nslots);
	return (mem);
}

/*
 * A table of another layout version is refused by name, before any
 * slot is read; so is one shorter than its slot count.  The version is
 * the 16 bits after the 32-bit magic (doc/ipc.md).
 */
static void
table_version(void **state)
{
	void	*mem = table_unit_mem(2);
	char	*cause = NULL;

	(void)state;
	assert_int_equal(table_check(mem, table_size(2), &cause), 2);
	assert_null(cause);
	((uint16_t *)mem)[2] = 2;
	assert_int_equal(table_check(mem, table_size(2), &cause), -1);
	assert_non_null(strstr(cause, "layout version 2, this program reads "
	    "version 4"));
	free(cause);
	cause = NULL;
	/* 3: the layout before presence, without activity and away. */
	((uint16_t *)mem)[2] = 3;
	assert_int_equal(table_check(mem, table_size(2), &cause), -1);
	assert_non_null(strstr(cause, "layout version 3, this program reads "
	    "version 4"));
	free(cause);
	cause = NULL;
	((uint16_t *)mem)[2] = 4;
	assert_int_equal(table_check(mem, table_size(2) - 1, &cause), -1);
	assert_non_null(strstr(cause, "smaller than its 2 slots"));
	free(cause);
	cause = NULL;
	((uint32_t *)mem)[0] ^= 1;
	assert_int_equal(table_check(mem, table_size(2), &cause), -1);
	assert_string_equal(cause, "shared memory is not an online table");
	free(cause);
	free(mem);
}

/*
 * A slot left half-written (its writer stopped in the update) is tried
 * again, with pauses, for the time given; then the read fails, naming
 * the slot, and returns nothing.  Once the update ends, it reads whole.
 */
static void
table_read_stuck(void **state)
{
	struct table_user	 a, b, *users = NULL;
	void			*mem = table_unit_mem(4);
	char			*cause = NULL;
	long long		 t0;
	size_t			 n = 99;
	int			 pauses = 0;

	(void)state;
	a = table_unit_user("alice", "pts/1", 501);
	b = table_unit_user("bob", "pts/2", 502);
	table_write(mem, 0, &a);
	table_write(mem, 1, &b);
	table_write(mem, 2, &b);
	table_write_begin(mem, 1);	/* bob's logout, stopped midway */
	t0 = io_now_ms();
	assert_int_equal(table_read(mem, 4, &users, &n, NULL, 50,
	    table_unit_nopause, &pauses, &cause), -1);
	assert_true(io_now_ms() - t0 >= 50);
	assert_true(pauses > 0);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "slot 1 of the online table stayed "
	    "half-written for 50 ms"));
	assert_null(users);
	assert_int_equal(n, 0);
	free(cause);
	cause = NULL;

	/* A pause that gives up ends the read at once, with its cause. */
	assert_int_equal(table_read(mem, 4, &users, &n, NULL, 1000,
	    table_unit_giveup, NULL, &cause), -1);
	assert_string_equal(cause, "the lock went away");
	free(cause);
	cause = NULL;

	table_write_end(mem, 1, NULL);
	pauses = 0;
	assert_int_equal(table_read(mem, 4, &users, &n, NULL, 50,
	    table_unit_nopause, &pauses, &cause), 0);
	assert_int_equal(pauses, 0);
	assert_int_equal(n, 2);
	table_unit_same(&users[0], &a);
	table_unit_same(&users[1], &b);
	free(users);
	free(mem);
}

#define TABLE_UNIT_RACE_SLOTS	4
#define TABLE_UNIT_RACE_READS	20000

struct table_unit_race {
	void		*mem;
	int		 stop;
	long		 writes;
};

/*
 * table_unit_writer - rewrite every slot, without pause, with users
 * whose every field says the same number, and clear them in between.
 */
static void *
table_unit_writer(void *arg)
{
	struct table_unit_race	*r = arg;
	struct table_user	 u;
	char			 name[16];
	int32_t			 k = 0;
	int			 i;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < TABLE_UNIT_RACE_SLOTS; i++, k++) {
			snprintf(name, sizeof name, "u%d", k);
			memset(&u, 0, sizeof u);
			memset(u.name, 'a' + k % 26, sizeof u.name - 1);
			memcpy(u.name, name, strlen(name));
			snprintf(u.tty, sizeof u.tty, "t%d", k);
			u.pid = k;
			u.uid = (uint32_t)k;
			u.since = k;
			table_write(r->mem, i, k % 3 == 0 ? NULL : &u);
			__atomic_add_fetch(&r->writes, 1, __ATOMIC_RELAXED);
		}
	}
	return (NULL);
}

/*
 * Readers racing a writer that never rests: every user a read returns
 * is whole (all its fields from one update), and no read fails.
 */
static void
table_read_race(void **state)
{
	struct table_unit_race	 r = { table_unit_mem(TABLE_UNIT_RACE_SLOTS),
				    0, 0 };
	struct timespec		 ms1 = { 0, 1000000 };
	long long		 t0;
	long			 w0;
	struct table_user	*users;
	pthread_t		 th;
	char			*cause = NULL, want[16];
	size_t			 n, i, seen = 0;
	int			 pauses = 0, k, torn = 0;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, table_unit_writer, &r), 0);
	while ((w0 = __atomic_load_n(&r.writes, __ATOMIC_RELAXED)) < 1000)
		nanosleep(&ms1, NULL);
	/* Enough reads, and enough writes among them, within 5 s. */
	t0 = io_now_ms();
	for (k = 0; (k < TABLE_UNIT_RACE_READS ||
	    __atomic_load_n(&r.writes, __ATOMIC_RELAXED) - w0 < 20000) &&
	    io_now_ms() - t0 < 5000; k++) {
		if (table_read(r.mem, TABLE_UNIT_RACE_SLOTS, &users, &n, NULL,
		    1000, table_unit_nopause, &pauses, &cause) != 0)
			fail_msg("read %d: %s", k, cause);
		for (i = 0; i < n; i++) {
			snprintf(want, sizeof want, "t%d", users[i].pid);
			if (strcmp(users[i].tty, want) != 0 ||
			    users[i].uid != (uint32_t)users[i].pid ||
			    users[i].since != users[i].pid ||
			    users[i].name[PROTO_NAME_MAX - 1] !=
			    'a' + users[i].pid % 26)
				torn++;
		}
		seen += n;
		free(users);
	}
	w0 = __atomic_load_n(&r.writes, __ATOMIC_RELAXED) - w0;
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	print_message("# %zu users read whole, %d torn, %d pauses, %ld "
	    "writes meanwhile\n", seen, torn, pauses, w0);
	assert_int_equal(torn, 0);
	assert_true(w0 >= 20000);
	assert_true(seen > 0);
	free(r.mem);
}

/* table_unit_shm - the owner's segment, attached read-write. */
static void *
table_unit_shm(const struct table_unit *u)
{
	void	*mem;
	int	 id;

	assert_int_not_equal(id = shmget(u->shmkey, 0, 0), -1);
	assert_ptr_not_equal(mem = shmat(id, NULL, 0), (void *)-1);
	return (mem);
}

/* table_unit_mark - raise (1) or lower (-1) the lock as mailserv does. */
static void
table_unit_mark(const struct table_unit *u, int op)
{
	struct sembuf	sb = { 0, (short)op, IPC_NOWAIT };

	assert_int_equal(semop(semget(u->semkey, 0, 0), &sb, 1), 0);
}

struct table_unit_finish {
	struct table_unit	*u;
	void			*mem;
	struct table_user	 user;
	int			 zcnt;	/* waiting for zero, at the end */
	int			 lower;	/* lower the lock after */
};

/* table_unit_finisher - end the update of slot 0 after 200 ms. */
static void *
table_unit_finisher(void *arg)
{
	struct table_unit_finish	*f = arg;
	struct timespec			 ts = { 0, 200000000 };

	nanosleep(&ts, NULL);
	f->zcnt = semctl(semget(f->u->semkey, 0, 0), 0, GETZCNT);
	table_write_end(f->mem, 0, &f->user);
	if (f->lower)
		table_unit_mark(f->u, -1);
	return (NULL);
}

/*
 * SysV: a reader that meets a slot being written waits for the lock to
 * fall to zero (mailserv holds it up while it writes), then reads the
 * slot whole; while mailserv stays stopped in the update, the read
 * fails after a second, naming the slot.  The lock is mode 0644.
 */
static void
table_sysv_wait_zero(void **state)
{
	struct table_unit		*u = *state;
	struct table_unit_finish	 f;
	struct table_user		 alice, bob, *users;
	struct table_object		 obj[4];
	pthread_t			 th;
	char				*cause = NULL;
	long long			 t0, ms;
	size_t				 n;

	alice = table_unit_user("alice", "pts/1", 601);
	bob = table_unit_user("bob", "pts/2", 602);
	table_unit_create(u, 2);
	assert_int_equal(ops->add(u->owner, &alice), 0);
	u->reader = ops->attach(u->keyfile, &cause);
	assert_non_null(u->reader);
	assert_int_equal(ops->objects(u->keyfile, obj, 4), 2);
	assert_int_equal(obj[1].mode, 0644);
	f.u = u;
	f.mem = table_unit_shm(u);
	f.user = bob;
	f.lower = 1;

	/* mailserv stopped in an update of slot 0: the reader gives up. */
	table_unit_mark(u, 1);
	table_write_begin(f.mem, 0);
	t0 = io_now_ms();
	assert_int_equal(ops->read(u->reader, &users, &n, NULL, &cause), -1);
	ms = io_now_ms() - t0;
	assert_in_range(ms, 900, 3000);
	assert_non_null(strstr(cause, "slot 0 of the online table stayed "
	    "half-written for 1000 ms: is mailserv (pid"));
	free(cause);
	cause = NULL;

	/* mailserv finishes after 200 ms: the reader waited, then read. */
	assert_int_equal(pthread_create(&th, NULL, table_unit_finisher, &f),
	    0);
	t0 = io_now_ms();
	assert_int_equal(ops->read(u->reader, &users, &n, NULL, &cause), 0);
	ms = io_now_ms() - t0;
	pthread_join(th, NULL);
	assert_in_range(ms, 150, 900);
	assert_int_equal(f.zcnt, 1);	/* it slept in semtimedop */
	assert_int_equal(n, 1);
	table_unit_same(&users[0], &bob);
	free(users);
	assert_int_equal(ops->objects(u->keyfile, obj, 4), 2);
	assert_int_equal(obj[1].attached, 0);	/* the lock at rest */

	/*
	 * Someone of mailserv's uid holds the lock up and does not let go:
	 * a reader that meets a moving slot waits for zero only a slice at
	 * a time, so it reads once the slot is whole, not a second later.
	 */
	table_unit_mark(u, 1);
	table_write_begin(f.mem, 0);
	f.user = alice;
	f.lower = 0;
	assert_int_equal(pthread_create(&th, NULL, table_unit_finisher, &f),
	    0);
	t0 = io_now_ms();
	assert_int_equal(ops->read(u->reader, &users, &n, NULL, &cause), 0);
	ms = io_now_ms() - t0;
	pthread_join(th, NULL);
	assert_in_range(ms, 150, 600);
	assert_int_equal(n, 1);
	table_unit_same(&users[0], &alice);
	free(users);
	table_unit_mark(u, -1);

	shmdt(f.mem);
	table_unit_destroy(u);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(table_version),
		cmocka_unit_test(table_read_stuck),
		cmocka_unit_test(table_read_race),
		cmocka_unit_test_setup_teardown(table_sysv_wait_zero,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_lifecycle,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_attach_reader,
		    keyfile_setup, keyfile_teardown),
		cmocka_unit_test_setup_teardown(table_presence,
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

/*
 * spool_unit.c - unit tests of common/spool.c, the durable spool, on
 * real files in a private directory under /tmp: what is committed
 * survives a reopen and what is not does not, DONE removes, a torn
 * tail is cut off, compaction keeps exactly the live messages, the ids
 * of delivered messages are remembered across reopens and compaction
 * (cancelled ones are not), a commit in two halves puts what was
 * logged meanwhile after it, a spool directory others can read is
 * refused, and a log an older ipcmail wrote (records "IMS1", byte-wise
 * sums) is still read.
 */
#include <sys/types.h>
#include <sys/stat.h>

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

#include "mail.h"
#include "record.h"
#include "spool.h"

struct spool_unit {
	char	dir[64];
	int	dirfd;
};

static int
spool_unit_setup(void **state)
{
	struct spool_unit	*u = calloc(1, sizeof *u);

	strcpy(u->dir, "/tmp/spool_unit.XXXXXX");
	assert_non_null(mkdtemp(u->dir));
	u->dirfd = open(u->dir, O_RDONLY | O_DIRECTORY);
	assert_true(u->dirfd >= 0);
	*state = u;
	return (0);
}

static int
spool_unit_teardown(void **state)
{
	struct spool_unit	*u = *state;
	char			 cmd[128];

	close(u->dirfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", u->dir);
	assert_int_equal(system(cmd), 0);
	free(u);
	return (0);
}

/* spool_unit_mail - message number i, with a body that names it. */
static void
spool_unit_mail(struct mail *m, int i, size_t len)
{
	size_t	k;

	memset(m, 0, sizeof *m);
	mail_new_id(m->id);
	strcpy(m->from, "alice");
	strcpy(m->to, "bob");
	m->date = 1700000000 + i;
	m->len = (uint32_t)len;
	m->body = malloc(len + 1);
	for (k = 0; k < len; k++)
		m->body[k] = (uint8_t)('a' + (i + k) % 26);
}

static struct spool *
spool_unit_open(struct spool_unit *u)
{
	struct spool	*sp;
	char		*cause = NULL;

	sp = spool_open(u->dirfd, "spool", &cause);
	if (sp == NULL)
		fail_msg("spool_open: %s", cause);
	return (sp);
}

static void
spool_unit_same(struct spool *sp, size_t i, const struct mail *want)
{
	struct mail	 got;
	char		*cause = NULL;

	assert_int_equal(spool_get(sp, i, &got, &cause), 0);
	assert_memory_equal(got.id, want->id, MAIL_ID_LEN);
	assert_string_equal(got.from, want->from);
	assert_string_equal(got.to, want->to);
	assert_int_equal(got.date, want->date);
	assert_int_equal(got.len, want->len);
	assert_memory_equal(got.body, want->body, want->len);
	mail_free(&got);
}

static void
test_committed_survive_reopen(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 m[3];
	char			*cause = NULL;
	int			 i;

	for (i = 0; i < 3; i++) {
		spool_unit_mail(&m[i], i, i == 2 ? 65536 : 10 + i);
		spool_put(sp, &m[i]);
	}
	assert_true(spool_dirty(sp));
	assert_int_equal(spool_commit(sp, &cause), 0);
	assert_false(spool_dirty(sp));
	assert_int_equal(spool_syncs(sp), 1);	/* one fdatasync for all */
	spool_close(sp);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 3);
	for (i = 0; i < 3; i++) {
		assert_true(spool_has(sp, m[i].id));
		spool_unit_same(sp, (size_t)i, &m[i]);
		mail_free(&m[i]);
	}
	spool_close(sp);
}

static void
test_uncommitted_are_lost(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 m;
	char			*cause = NULL;

	spool_unit_mail(&m, 1, 100);
	spool_put(sp, &m);
	assert_int_equal(spool_count(sp), 1);
	/* Not committed: read from the buffer (the overflow serves it
	 * before its commit), and gone after a "crash". */
	spool_unit_same(sp, 0, &m);
	(void)cause;
	spool_close(sp);
	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 0);
	assert_false(spool_has(sp, m.id));
	spool_close(sp);
	mail_free(&m);
}

static void
test_done_removes(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 a, b;
	char			*cause = NULL;

	spool_unit_mail(&a, 1, 20);
	spool_unit_mail(&b, 2, 30);
	spool_put(sp, &a);
	spool_put(sp, &b);
	assert_int_equal(spool_commit(sp, &cause), 0);
	spool_done(sp, a.id);
	assert_int_equal(spool_count(sp), 1);
	assert_int_equal(spool_commit(sp, &cause), 0);
	spool_close(sp);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 1);
	assert_false(spool_has(sp, a.id));
	spool_unit_same(sp, 0, &b);
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
}

static void
test_torn_tail_is_cut(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 a, b;
	struct stat		 st;
	char			*cause = NULL, path[128];
	off_t			 good;
	int			 fd;

	spool_unit_mail(&a, 1, 40);
	spool_put(sp, &a);
	assert_int_equal(spool_commit(sp, &cause), 0);
	good = (off_t)spool_size(sp);
	spool_close(sp);

	/* A crash mid-append: the first half of a second record. */
	spool_unit_mail(&b, 2, 4000);
	snprintf(path, sizeof path, "%s/spool/spool.log", u->dir);
	sp = spool_unit_open(u);
	spool_put(sp, &b);
	assert_int_equal(spool_commit(sp, &cause), 0);
	spool_close(sp);
	assert_int_equal(truncate(path, good + 2000), 0);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 1);
	spool_unit_same(sp, 0, &a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, good);
	spool_close(sp);

	/* Garbage after a good record is cut too. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage!", 8), 8);
	close(fd);
	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 1);
	assert_int_equal(spool_size(sp), (uint64_t)good);
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
}

/*
 * spool_unit_old_record - append one record as ipcmail wrote them before
 * 2026-11-25: magic "IMS1", type, pad, length, record_sum of payload a
 * then b; wrong: a sum of the current kind instead.
 */
static void
spool_unit_old_record(int fd, uint16_t type, const void *a, size_t alen,
    const void *b, size_t blen, int wrong)
{
	struct {
		uint32_t	magic;
		uint16_t	type;
		uint16_t	pad;
		uint32_t	len;
		uint32_t	sum;
	} h;

	memset(&h, 0, sizeof h);
	h.magic = 0x31534d49u;
	h.type = type;
	h.len = (uint32_t)(alen + blen);
	h.sum = wrong ? record_fold(record_sum64(b, blen, record_sum64(a,
	    alen, RECORD_SUM64_SEED))) : record_sum(b, blen, record_sum(a,
	    alen, RECORD_SUM_SEED));
	assert_int_equal(write(fd, &h, sizeof h), sizeof h);
	assert_int_equal(write(fd, a, alen), (ssize_t)alen);
	if (blen > 0)
		assert_int_equal(write(fd, b, blen), (ssize_t)blen);
}

/* spool_unit_old_put - a PUT record of m, in the old format. */
static void
spool_unit_old_put(int fd, const struct mail *m, int wrong)
{
	struct {
		uint8_t		id[MAIL_ID_LEN];
		char		from[PROTO_NAME_MAX + 1];
		char		to[PROTO_NAME_MAX + 1];
		uint8_t		pad[6];
		int64_t		date;
		uint32_t	len;
		uint32_t	pad2;
	} r;

	memset(&r, 0, sizeof r);
	memcpy(r.id, m->id, sizeof r.id);
	strcpy(r.from, m->from);
	strcpy(r.to, m->to);
	r.date = m->date;
	r.len = m->len;
	spool_unit_old_record(fd, 1, &r, sizeof r, m->body, m->len, wrong);
}

static void
test_old_log_is_read(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 a, b, c, d;
	char			*cause = NULL, path[128];
	int			 fd;

	spool_close(sp);
	snprintf(path, sizeof path, "%s/spool/spool.log", u->dir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	spool_unit_mail(&a, 1, 30);
	spool_unit_mail(&b, 2, 300);
	spool_unit_mail(&c, 3, 3);
	spool_unit_old_put(fd, &a, 0);
	spool_unit_old_put(fd, &b, 0);
	spool_unit_old_record(fd, 2, b.id, MAIL_ID_LEN, NULL, 0, 0);
	/* A sum of the new kind in an old record: a corrupt tail. */
	spool_unit_old_put(fd, &c, 1);
	close(fd);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 1);
	spool_unit_same(sp, 0, &a);
	assert_true(spool_delivered(sp, b.id));
	assert_false(spool_has(sp, c.id));
	/* New records follow the old ones, and all survive compaction. */
	spool_unit_mail(&d, 4, 50);
	spool_put(sp, &d);
	assert_int_equal(spool_commit(sp, &cause), 0);
	assert_int_equal(spool_compact(sp, &cause), 0);
	spool_close(sp);
	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 2);
	spool_unit_same(sp, 0, &a);
	spool_unit_same(sp, 1, &d);
	assert_true(spool_delivered(sp, b.id));
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
	mail_free(&c);
	mail_free(&d);
}

/*
 * A subject and an outside sender (the meta block) survive the log, a
 * compaction and a reopen ("IMS3"); a record of the kind written before
 * them ("IMS2", whose metalen field was padding) is read without one,
 * and one of that kind claiming a meta block is a corrupt tail.
 */
static void
test_meta_survives(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail_meta	 mm;
	struct mail		 a, b, c, got;
	struct {
		uint32_t	magic;
		uint16_t	type;
		uint16_t	pad;
		uint32_t	len;
		uint32_t	sum;
	} h;
	struct {
		uint8_t		id[MAIL_ID_LEN];
		char		from[PROTO_NAME_MAX + 1];
		char		to[PROTO_NAME_MAX + 1];
		uint8_t		pad[6];
		int64_t		date;
		uint32_t	len;
		uint32_t	pad2;
	} r;
	struct mail		*old[2] = { &b, &c };
	char			*cause = NULL, path[128];
	int			 fd, i;

	spool_unit_mail(&a, 1, 40);
	assert_int_equal(mail_set_meta(&a, MAIL_META_RFC5322, "disk report",
	    "root@b.test"), 0);
	spool_put(sp, &a);
	assert_int_equal(spool_commit(sp, &cause), 0);
	assert_int_equal(spool_compact(sp, &cause), 0);
	spool_close(sp);
	snprintf(path, sizeof path, "%s/spool/spool.log", u->dir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	spool_unit_mail(&b, 2, 30);
	spool_unit_mail(&c, 3, 30);
	/* c's body opens with a valid (empty) meta block: only its
	 * record's kind says it may not have one. */
	memcpy(c.body, "\001\000\000\000", 4);
	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof r);
		memcpy(r.id, old[i]->id, sizeof r.id);
		strcpy(r.from, "alice");
		strcpy(r.to, "bob");
		r.len = old[i]->len;
		r.pad2 = i == 0 ? 0 : 4;	/* the second claims meta */
		memset(&h, 0, sizeof h);
		h.magic = 0x32534d49u;		/* "IMS2" */
		h.type = 1;
		h.len = (uint32_t)sizeof r + old[i]->len;
		h.sum = record_fold(record_sum64(old[i]->body, old[i]->len,
		    record_sum64(&r, sizeof r, RECORD_SUM64_SEED)));
		assert_int_equal(write(fd, &h, sizeof h), sizeof h);
		assert_int_equal(write(fd, &r, sizeof r), sizeof r);
		assert_int_equal(write(fd, old[i]->body, old[i]->len),
		    (ssize_t)old[i]->len);
	}
	close(fd);
	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 2);
	assert_int_equal(spool_get(sp, 0, &got, &cause), 0);
	assert_int_equal(got.metalen, a.metalen);
	assert_int_equal(got.len, a.len);
	assert_memory_equal(got.body, a.body, a.len);
	assert_int_equal(mail_meta(&got, &mm), 0);
	assert_string_equal(mm.subject, "disk report");
	assert_string_equal(mm.addr, "root@b.test");
	mail_free(&got);
	assert_int_equal(spool_get(sp, 1, &got, &cause), 0);
	assert_memory_equal(got.id, b.id, MAIL_ID_LEN);
	assert_int_equal(got.metalen, 0);
	mail_free(&got);
	assert_false(spool_has(sp, c.id));
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
	mail_free(&c);
}

static void
test_delivered_remembered(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 a, b, c;
	char			*cause = NULL;

	spool_unit_mail(&a, 1, 20);
	spool_unit_mail(&b, 2, 30);
	spool_unit_mail(&c, 3, 40);
	spool_put(sp, &a);
	spool_put(sp, &b);
	spool_put(sp, &c);
	assert_int_equal(spool_commit(sp, &cause), 0);
	spool_done(sp, a.id);
	spool_cancel(sp, b.id);
	assert_true(spool_delivered(sp, a.id));
	assert_false(spool_delivered(sp, b.id));
	assert_false(spool_delivered(sp, c.id));
	assert_int_equal(spool_count(sp), 1);
	assert_int_equal(spool_commit(sp, &cause), 0);
	spool_close(sp);

	/* Replayed: a delivered, b neither live nor delivered, c live. */
	sp = spool_unit_open(u);
	assert_true(spool_delivered(sp, a.id));
	assert_false(spool_delivered(sp, b.id));
	assert_false(spool_has(sp, b.id));
	assert_true(spool_has(sp, c.id));
	/* Compaction drops a's message but keeps its DONE record. */
	assert_int_equal(spool_compact(sp, &cause), 0);
	spool_close(sp);
	sp = spool_unit_open(u);
	assert_true(spool_delivered(sp, a.id));
	assert_false(spool_delivered(sp, b.id));
	assert_int_equal(spool_count(sp), 1);
	spool_unit_same(sp, 0, &c);
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
	mail_free(&c);
}

/*
 * A commit in two halves, as mailserv's commit thread makes it: what
 * is logged while one is in flight lands after it, at the offsets it
 * was given, and reads back once its own commit has ended.
 */
static void
test_commit_in_flight(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 a, b, c;
	char			*cause = NULL;

	spool_unit_mail(&a, 1, 100);
	spool_unit_mail(&b, 2, 5000);
	spool_unit_mail(&c, 3, 7);
	spool_put(sp, &a);
	assert_int_equal(spool_commit_begin(sp), 1);
	assert_int_equal(spool_commit_begin(sp), 0);	/* one at a time */
	spool_put(sp, &b);		/* logged while a is in flight */
	assert_true(spool_dirty(sp));
	spool_unit_same(sp, 0, &a);	/* read from the flight */
	spool_unit_same(sp, 1, &b);	/* and from the buffer after it */
	assert_in_range(spool_live_bytes(sp), 5100 + 2 * 64, 5100 + 2 * 128);
	assert_int_equal(spool_commit_write(sp), 0);
	assert_int_equal(spool_commit_end(sp, &cause), 0);
	spool_unit_same(sp, 0, &a);
	assert_int_equal(spool_commit_begin(sp), 1);
	spool_done(sp, a.id);
	spool_put(sp, &c);
	assert_int_equal(spool_commit_write(sp), 0);
	assert_int_equal(spool_commit_end(sp, &cause), 0);
	assert_int_equal(spool_commit(sp, &cause), 0);
	assert_int_equal(spool_syncs(sp), 3);
	spool_close(sp);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 2);
	spool_unit_same(sp, 0, &b);
	spool_unit_same(sp, 1, &c);
	assert_true(spool_delivered(sp, a.id));
	spool_close(sp);
	mail_free(&a);
	mail_free(&b);
	mail_free(&c);
}

static void
test_compact_keeps_live(void **state)
{
	struct spool_unit	*u = *state;
	struct spool		*sp = spool_unit_open(u);
	struct mail		 m[50];
	char			*cause = NULL;
	uint64_t		 before;
	int			 i;

	for (i = 0; i < 50; i++) {
		spool_unit_mail(&m[i], i, 1000);
		spool_put(sp, &m[i]);
	}
	assert_int_equal(spool_commit(sp, &cause), 0);
	for (i = 0; i < 50; i++)
		if (i != 17 && i != 33)
			spool_done(sp, m[i].id);
	assert_int_equal(spool_commit(sp, &cause), 0);
	before = spool_size(sp);
	assert_int_equal(spool_compact(sp, &cause), 0);
	assert_true(spool_size(sp) < before / 10);
	assert_int_equal(spool_count(sp), 2);
	spool_close(sp);

	sp = spool_unit_open(u);
	assert_int_equal(spool_count(sp), 2);
	spool_unit_same(sp, 0, &m[17]);
	spool_unit_same(sp, 1, &m[33]);
	spool_close(sp);
	for (i = 0; i < 50; i++)
		mail_free(&m[i]);
}

static void
test_open_directory_refused(void **state)
{
	struct spool_unit	*u = *state;
	char			*cause = NULL;

	assert_int_equal(mkdirat(u->dirfd, "spool", 0755), 0);
	assert_int_equal(fchmodat(u->dirfd, "spool", 0755, 0), 0);
	assert_null(spool_open(u->dirfd, "spool", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "0700"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_meta_survives,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_committed_survive_reopen,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_are_lost,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_done_removes,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_old_log_is_read,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_cut,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_delivered_remembered,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_commit_in_flight,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_compact_keeps_live,
		    spool_unit_setup, spool_unit_teardown),
		cmocka_unit_test_setup_teardown(test_open_directory_refused,
		    spool_unit_setup, spool_unit_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

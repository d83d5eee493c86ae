/*
 * room_unit.c - unit tests of a room's pure parts: room names
 * (common/name.c), a stored line and the snapshot of a room's state
 * (common/roomrec.c: round trip, an older IRS1 snapshot still read,
 * and every truncated or forged form refused), and the ring of a room's lines: aging out at the bound,
 * unread counts from read positions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"
#include "proto.h"
#include "roomrec.h"

static void
room_names(void **state)
{
	static const char	*good[] = {
		"#a", "#0", "#ops", "#lunch.time", "#a-b_c.d", "#9lives",
		"#abcdefghijklmnopqrstuvwxyz01234",	/* 31 after '#' */
	};
	static const char	*bad[] = {
		"", "#", "ops", "#Ops", "#-ops", "#.ops", "#_ops", "##ops",
		"#op s", "#ops/x", "# ops", "#ops\n", "#\xc3\xa9t\xc3\xa9",
		"#abcdefghijklmnopqrstuvwxyz012345",	/* 32 after '#' */
	};
	char			 field[PROTO_NAME_MAX + 1];
	size_t			 i;

	(void)state;
	assert_int_equal(strlen(good[6]), 32);
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!name_room_valid(good[i]))
			fail_msg("\"%s\" rejected", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (name_room_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
	/* A room is a mailbox; a user is one too; neither is the other. */
	memset(field, 0, sizeof field);
	strcpy(field, "#ops");
	assert_true(name_box_valid_field(field, sizeof field));
	assert_false(name_valid_field(field, sizeof field));
	strcpy(field, "alice");
	assert_true(name_box_valid_field(field, sizeof field));
	assert_false(name_room_valid_field(field, sizeof field));
	/* Unterminated in its field: refused. */
	memset(field, 'a', sizeof field);
	field[0] = '#';
	assert_false(name_room_valid_field(field, sizeof field));
	assert_false(name_box_valid_field(field, sizeof field));
}

static void
room_line(void **state)
{
	const uint8_t	*text;
	uint8_t		*p;
	size_t		 len, tlen;
	uint64_t	 seq;

	(void)state;
	p = roomrec_line_encode(42, (const uint8_t *)"hello", 5, &len);
	assert_int_equal(roomrec_kind(p, len), ROOMREC_LINE);
	assert_int_equal(roomrec_line_decode(p, len, &seq, &text, &tlen), 0);
	assert_int_equal(seq, 42);
	assert_int_equal(tlen, 5);
	assert_memory_equal(text, "hello", 5);
	/* The header alone, no text: refused. */
	assert_int_equal(roomrec_line_decode(p, len - 5, &seq, &text, &tlen),
	    -1);
	/* Another magic: not a line. */
	p[0] ^= 1;
	assert_int_equal(roomrec_kind(p, len), ROOMREC_BAD);
	free(p);
	p = roomrec_line_encode(0, (const uint8_t *)"x", 1, &len);
	assert_int_equal(roomrec_line_decode(p, len, &seq, &text, &tlen), -1);
	free(p);
}

/* room_snap_make - alice's #ops: 3 members, one invitation. */
static uint8_t *
room_snap_make(size_t *len, struct roomrec_member *mb,
    struct roomrec_invite *inv)
{
	struct roomrec_snap	sn;

	memset(&sn, 0, sizeof sn);
	memset(mb, 0, 3 * sizeof *mb);
	memset(inv, 0, sizeof *inv);
	strcpy(sn.owner, "alice");
	strcpy(sn.topic, "lunch at noon");
	strcpy(sn.topic_by, "bob");
	sn.topic_time = 1700000123;
	sn.flags = ROOMREC_PRIVATE;
	sn.created = 1700000000;
	sn.gen = 9;
	sn.next_seq = 31;
	strcpy(mb[0].name, "alice");
	mb[0].read = 30;
	strcpy(mb[1].name, "bob");
	mb[1].read = 0;
	strcpy(mb[2].name, "carol");
	mb[2].read = 12;
	strcpy(inv[0].name, "dave");
	sn.members = mb;
	sn.nmembers = 3;
	sn.invites = inv;
	sn.ninvites = 1;
	return (roomrec_snap_encode(&sn, len));
}

static void
room_snap_round_trip(void **state)
{
	struct roomrec_member	 mb[3];
	struct roomrec_invite	 inv[1];
	struct roomrec_snap	 sn;
	uint8_t			*p;
	size_t			 len;
	char			*cause = NULL;

	(void)state;
	p = room_snap_make(&len, mb, inv);
	assert_int_equal(roomrec_kind(p, len), ROOMREC_SNAP);
	assert_int_equal(roomrec_snap_decode(p, len, &sn, &cause), 0);
	assert_string_equal(sn.owner, "alice");
	assert_string_equal(sn.topic, "lunch at noon");
	assert_string_equal(sn.topic_by, "bob");
	assert_int_equal(sn.topic_time, 1700000123);
	assert_int_equal(sn.flags, ROOMREC_PRIVATE);
	assert_int_equal(sn.gen, 9);
	assert_int_equal(sn.next_seq, 31);
	assert_int_equal(sn.nmembers, 3);
	assert_string_equal(sn.members[2].name, "carol");
	assert_int_equal(sn.members[2].read, 12);
	assert_int_equal(sn.ninvites, 1);
	assert_string_equal(sn.invites[0].name, "dave");
	roomrec_snap_clear(&sn);
	free(p);
}

/*
 * The IRS1 form, as an older mailserv wrote it: the same 80-byte
 * header, no topic block (setter and time) after it.
 */
#define ROOM_SNAP_HDR	80
#define ROOM_SNAP_TOPIC	48

static void
room_snap_v1(void **state)
{
	struct roomrec_member	 mb[3];
	struct roomrec_invite	 inv[1];
	struct roomrec_snap	 sn;
	uint32_t		 magic = ROOMREC_SNAP1_MAGIC;
	uint8_t			*p, *q;
	size_t			 len;
	char			*cause = NULL;

	(void)state;
	p = room_snap_make(&len, mb, inv);
	q = malloc(len - ROOM_SNAP_TOPIC);
	memcpy(q, p, ROOM_SNAP_HDR);
	memcpy(q, &magic, sizeof magic);
	memcpy(q + ROOM_SNAP_HDR, p + ROOM_SNAP_HDR + ROOM_SNAP_TOPIC,
	    len - ROOM_SNAP_HDR - ROOM_SNAP_TOPIC);
	assert_int_equal(roomrec_kind(q, len - ROOM_SNAP_TOPIC),
	    ROOMREC_SNAP);
	assert_int_equal(roomrec_snap_decode(q, len - ROOM_SNAP_TOPIC, &sn,
	    &cause), 0);
	assert_string_equal(sn.owner, "alice");
	assert_string_equal(sn.topic, "lunch at noon");
	assert_string_equal(sn.topic_by, "");
	assert_int_equal(sn.topic_time, 0);
	assert_int_equal(sn.nmembers, 3);
	assert_string_equal(sn.members[2].name, "carol");
	assert_string_equal(sn.invites[0].name, "dave");
	roomrec_snap_clear(&sn);
	/* An IRS2 body under the IRS1 magic: the wrong size, refused. */
	memcpy(p, &magic, sizeof magic);
	assert_int_not_equal(roomrec_snap_decode(p, len, &sn, &cause), 0);
	free(cause);
	free(q);
	free(p);
}

/* room_refused - decoding p must fail with a cause. */
static void
room_refused(const uint8_t *p, size_t len, const char *what)
{
	struct roomrec_snap	sn;
	char			*cause = NULL;

	if (roomrec_snap_decode(p, len, &sn, &cause) == 0) {
		roomrec_snap_clear(&sn);
		fail_msg("a snapshot %s was accepted", what);
	}
	if (cause == NULL)
		fail_msg("a snapshot %s was refused without a cause", what);
	free(cause);
}

static void
room_snap_refused(void **state)
{
	struct roomrec_member	 mb[3];
	struct roomrec_invite	 inv[1];
	uint8_t			*p, *q;
	size_t			 len, i, off;

	(void)state;
	p = room_snap_make(&len, mb, inv);
	/* Every truncation, and one byte more. */
	for (i = 0; i < len; i++)
		room_refused(p, i, "cut short");
	q = calloc(1, len + 1);
	memcpy(q, p, len);
	room_refused(q, len + 1, "with a byte too many");
	/* The owner's name made invalid (it follows 40 bytes of header). */
	memcpy(q, p, len);
	q[40] = 'A';
	room_refused(q, len, "with an invalid owner");
	/* A member twice: carol's name over bob's. */
	off = len - sizeof inv - 2 * sizeof *mb;
	memcpy(q, p, len);
	memcpy(q + off, "carol", 6);
	room_refused(q, len, "with a member twice");
	/* A read position past the room's last line. */
	memcpy(q, p, len);
	memset(q + off + offsetof(struct roomrec_member, read), 0x7f, 8);
	room_refused(q, len, "with a read position past its lines");
	/* A NUL in the topic. */
	memcpy(q, p, len);
	q[len - sizeof inv - 3 * sizeof *mb - 3] = '\0';
	room_refused(q, len, "with a NUL in its topic");
	/* The topic's setter invalid, its time before 1970. */
	memcpy(q, p, len);
	q[ROOM_SNAP_HDR + 8] = 'B';
	room_refused(q, len, "with an invalid topic setter");
	memcpy(q, p, len);
	q[ROOM_SNAP_HDR + 7] = 0x80;
	room_refused(q, len, "with a topic time before 1970");
	/* An unknown flag. */
	memcpy(q, p, len);
	q[4] |= 0x80;
	room_refused(q, len, "with an unknown flag");
	/* An invitation without an end. */
	memcpy(q, p, len);
	memset(q + len - sizeof inv, 'x', sizeof inv);
	room_refused(q, len, "with an unterminated invitation");
	free(q);
	free(p);
}

static void
room_ring_ages_out(void **state)
{
	struct roomring		 r;
	struct roomring_line	 aged;
	uint8_t			 id[MAIL_ID_LEN];
	uint64_t		 seq;

	(void)state;
	roomring_init(&r, 5);
	assert_int_equal(roomring_last(&r), 0);
	assert_null(roomring_get(&r, 0));
	for (seq = 1; seq <= 5; seq++) {
		memset(id, (int)seq, sizeof id);
		assert_int_equal(roomring_push(&r, id, seq, &aged), 0);
	}
	assert_int_equal(r.n, 5);
	/* The sixth line pushes out the first: the bound holds. */
	memset(id, 6, sizeof id);
	assert_int_equal(roomring_push(&r, id, 6, &aged), 1);
	assert_int_equal(aged.seq, 1);
	assert_int_equal(aged.id[0], 1);
	assert_int_equal(r.n, 5);
	assert_int_equal(roomring_get(&r, 0)->seq, 2);
	assert_int_equal(roomring_get(&r, 4)->seq, 6);
	assert_null(roomring_get(&r, 5));
	for (seq = 7; seq <= 23; seq++)
		assert_int_equal(roomring_push(&r, id, seq, &aged), 1);
	assert_int_equal(aged.seq, 18);
	assert_int_equal(roomring_get(&r, 0)->seq, 19);
	assert_int_equal(roomring_last(&r), 23);
	roomring_clear(&r);
}

static void
room_ring_unread(void **state)
{
	struct roomring	 r;
	uint8_t		 id[MAIL_ID_LEN] = { 0 };
	uint64_t	 seq;

	(void)state;
	roomring_init(&r, 500);
	assert_int_equal(roomring_after(&r, 0), 0);
	/* Sequence numbers with gaps (lines refused between). */
	for (seq = 10; seq <= 400; seq += 3)
		roomring_push(&r, id, seq, NULL);
	assert_int_equal(r.n, 131);
	assert_int_equal(roomring_after(&r, 0), 131);	/* joined before */
	assert_int_equal(roomring_after(&r, 9), 131);
	assert_int_equal(roomring_after(&r, 10), 130);	/* read the first */
	assert_int_equal(roomring_after(&r, 11), 130);	/* in a gap */
	assert_int_equal(roomring_after(&r, 397), 1);
	assert_int_equal(roomring_after(&r, 400), 0);	/* read them all */
	assert_int_equal(roomring_after(&r, 9999), 0);
	roomring_clear(&r);
	/* Past the bound, what aged out is no longer unread: 30 at most. */
	roomring_init(&r, 30);
	for (seq = 1; seq <= 100; seq++)
		roomring_push(&r, id, seq, NULL);
	assert_int_equal(roomring_after(&r, 0), 30);
	assert_int_equal(roomring_after(&r, 80), 20);
	roomring_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(room_names),
		cmocka_unit_test(room_line),
		cmocka_unit_test(room_snap_round_trip),
		cmocka_unit_test(room_snap_v1),
		cmocka_unit_test(room_snap_refused),
		cmocka_unit_test(room_ring_ages_out),
		cmocka_unit_test(room_ring_unread),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

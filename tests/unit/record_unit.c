/*
 * record_unit.c - unit tests of common/record.c against proto.h: building
 * and checking records, the checksum, header validation, and the stream
 * parser's reassembly and resynchronisation past garbage.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "record.h"

static const uint8_t	token[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10
};

/* fill - a recognisable payload that contains no PROTO_MAGIC. */
static void
fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)('a' + (seed + i) % 26);
}

/* build - a REC_DATA record of len payload bytes. */
static size_t
build(struct record *rec, size_t len, uint8_t seed)
{
	uint8_t	payload[PROTO_PAYLOAD_MAX];

	fill(payload, len, seed);
	return (record_build(rec, REC_DATA, 1000 + seed, token, payload, len));
}

/* feed - append bytes to the parser as one read would. */
static void
feed(struct record_parser *rp, const void *data, size_t len)
{
	uint8_t	*space;
	size_t	 avail;

	space = record_parser_space(rp, &avail);
	assert_true(avail >= len);
	memcpy(space, data, len);
	record_parser_added(rp, len);
}

/* expect - the next record is rec. */
static void
expect(struct record_parser *rp, const struct record *want, int drained)
{
	struct record	got;

	memset(&got, 0, sizeof got);
	assert_int_equal(record_parser_next(rp, &got, drained), 1);
	assert_int_equal(record_check(&got), 0);
	assert_int_equal(record_size(&got), record_size(want));
	assert_memory_equal(&got, want, record_size(want));
}

static int
parser_setup(void **state)
{
	struct record_parser	*rp;

	if ((rp = malloc(sizeof *rp)) == NULL)
		return (-1);
	record_parser_init(rp);
	*state = rp;
	return (0);
}

static int
parser_teardown(void **state)
{
	free(*state);
	return (0);
}

static void
record_round_trip(void **state)
{
	struct proto_send	send, back;
	struct record		rec;
	size_t			size;

	(void)state;
	memset(&send, 0, sizeof send);
	strcpy(send.to, "bob");
	send.len = 1234;
	size = record_build(&rec, REC_SEND, 4242, token, &send, sizeof send);
	assert_int_equal(size, sizeof(struct proto_hdr) + sizeof send);
	assert_int_equal(record_size(&rec), size);
	assert_int_equal(record_check(&rec), 0);
	assert_int_equal(rec.hdr.magic, PROTO_MAGIC);
	assert_int_equal(rec.hdr.version, PROTO_VERSION);
	assert_int_equal(rec.hdr.type, REC_SEND);
	assert_int_equal(rec.hdr.len, sizeof send);
	assert_int_equal(rec.hdr.pid, 4242);
	assert_memory_equal(rec.hdr.token, token, sizeof token);
	memcpy(&back, rec.payload, sizeof back);
	assert_string_equal(back.to, "bob");
	assert_int_equal(back.len, 1234);
	assert_string_equal(record_type_name(rec.hdr.type), "send");
}

static void
record_no_payload(void **state)
{
	struct record	rec;
	uint8_t		zero[16];

	(void)state;
	memset(&rec, 0xff, sizeof rec);
	assert_int_equal(record_build(&rec, REC_BYE, 7, NULL, NULL, 0),
	    sizeof(struct proto_hdr));
	assert_int_equal(rec.hdr.len, 0);
	assert_int_equal(rec.hdr.pad, 0);
	memset(zero, 0, sizeof zero);
	assert_memory_equal(rec.hdr.token, zero, sizeof zero);
	assert_int_equal(record_check(&rec), 0);
}

static void
record_sum_flipped_payload(void **state)
{
	struct record	rec;
	size_t		i;

	(void)state;
	build(&rec, 300, 3);
	assert_int_equal(record_check(&rec), 0);
	for (i = 0; i < rec.hdr.len; i += 37) {
		rec.payload[i] ^= 0x01;
		assert_int_equal(record_check(&rec), -1);
		rec.payload[i] ^= 0x01;
		assert_int_equal(record_check(&rec), 0);
	}
}

static void
record_sum_flipped_header(void **state)
{
	struct record	rec;
	uint8_t		*h = (uint8_t *)&rec.hdr;
	size_t		 i;

	(void)state;
	memset(&rec, 0, sizeof rec);	/* a flipped len sums past 64 */
	build(&rec, 64, 5);
	/*
	 * Every header byte is covered: flips that leave the header
	 * plausible (pid, pad, token, sum) are caught by the sum alone.
	 */
	for (i = 0; i < sizeof rec.hdr; i++) {
		h[i] ^= 0x10;
		assert_int_equal(record_check(&rec), -1);
		h[i] ^= 0x10;
	}
	rec.hdr.pid ^= 1;
	assert_int_equal(record_check_header(&rec.hdr), 0);
	assert_int_equal(record_check(&rec), -1);
	rec.hdr.pid ^= 1;
	rec.hdr.token[15] ^= 0x80;
	assert_int_equal(record_check_header(&rec.hdr), 0);
	assert_int_equal(record_check(&rec), -1);
	rec.hdr.token[15] ^= 0x80;
	assert_int_equal(record_check(&rec), 0);
}

static void
record_header_checks(void **state)
{
	static const uint16_t	 known[] = {
		REC_HELLO, REC_SEND, REC_DATA, REC_LIST, REC_FETCH, REC_DONE,
		REC_WALL, REC_BYE, REC_WELCOME, REC_OK, REC_ERROR, REC_ENTRY,
		REC_END, REC_MAIL, REC_WALLMSG, REC_NOTICE, REC_LOGOUT,
		REC_ROOM, REC_ROOMINFO, REC_PRESENCE, REC_PRESINFO
	};
	static const uint16_t	 unknown[] = { 0, 11, 63, 75, 0x100, 0xffff };
	struct record		 rec;
	struct proto_hdr	 h;
	size_t			 i;

	(void)state;
	build(&rec, 10, 0);
	h = rec.hdr;
	assert_int_equal(record_check_header(&h), 0);

	h.magic = 0x494d4c31u;		/* right bytes, wrong order */
	assert_int_equal(record_check_header(&h), -1);
	h.magic = 0;
	assert_int_equal(record_check_header(&h), -1);
	h = rec.hdr;

	h.version = PROTO_VERSION + 1;
	assert_int_equal(record_check_header(&h), -1);
	h.version = 0;
	assert_int_equal(record_check_header(&h), -1);
	h = rec.hdr;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		h.type = known[i];
		assert_int_equal(record_check_header(&h), 0);
		assert_non_null(record_type_name(known[i]));
	}
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		h.type = unknown[i];
		assert_int_equal(record_check_header(&h), -1);
		assert_null(record_type_name(unknown[i]));
	}
	h = rec.hdr;

	h.len = PROTO_PAYLOAD_MAX;
	assert_int_equal(record_check_header(&h), 0);
	h.len = PROTO_PAYLOAD_MAX + 1;
	assert_int_equal(record_check_header(&h), -1);
	h.len = UINT32_MAX;
	assert_int_equal(record_check_header(&h), -1);

	/* record_check applies the same header rules. */
	rec.hdr.version = PROTO_VERSION + 1;
	assert_int_equal(record_check(&rec), -1);
}

static void
record_max_size(void **state)
{
	static const size_t	 sizes[] = {
		sizeof(struct proto_hello), sizeof(struct proto_welcome),
		sizeof(struct proto_error), sizeof(struct proto_send),
		sizeof(struct proto_id), sizeof(struct proto_done),
		sizeof(struct proto_entry), sizeof(struct proto_mail),
		sizeof(struct proto_wallmsg)
	};
	struct record		 rec;
	uint8_t			 payload[PROTO_PAYLOAD_MAX], *big;
	size_t			 i, size;

	(void)state;
	assert_true(PROTO_REC_MAX <= PIPE_BUF);
	assert_int_equal(sizeof(struct record), PROTO_REC_MAX);

	size = build(&rec, PROTO_PAYLOAD_MAX, 1);
	assert_int_equal(size, PROTO_REC_MAX);
	assert_int_equal(record_size(&rec), PROTO_REC_MAX);
	assert_int_equal(record_check(&rec), 0);

	/* An oversized payload is cut, never written past the record. */
	big = malloc(2 * PROTO_REC_MAX);
	assert_non_null(big);
	fill(big, 2 * PROTO_REC_MAX, 2);
	size = record_build(&rec, REC_WALL, 1, token, big, 2 * PROTO_REC_MAX);
	assert_true(size <= PROTO_REC_MAX);
	assert_int_equal(rec.hdr.len, PROTO_PAYLOAD_MAX);
	assert_memory_equal(rec.payload, big, PROTO_PAYLOAD_MAX);
	assert_int_equal(record_check(&rec), 0);
	free(big);

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_true(sizes[i] <= PROTO_PAYLOAD_MAX);
		memset(payload, 0, sizes[i]);
		size = record_build(&rec, REC_MAIL, 1, NULL, payload, sizes[i]);
		assert_int_equal(size, sizeof(struct proto_hdr) + sizes[i]);
		assert_true(size <= PROTO_REC_MAX);
	}
}

static void
parser_two_in_one(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 a, b, out;
	struct proto_hello	 hello;
	uint8_t			 buf[2 * PROTO_REC_MAX];
	size_t			 na, nb, avail;

	memset(&hello, 0, sizeof hello);
	strcpy(hello.name, "alice");
	na = record_build(&a, REC_HELLO, 11, NULL, &hello, sizeof hello);
	nb = build(&b, 500, 9);
	memcpy(buf, &a, na);
	memcpy(buf + na, &b, nb);

	record_parser_space(rp, &avail);
	assert_int_equal(avail, RECORD_PARSER_BUF);
	feed(rp, buf, na + nb);
	record_parser_space(rp, &avail);
	assert_int_equal(avail, RECORD_PARSER_BUF - na - nb);

	expect(rp, &a, 0);
	expect(rp, &b, 0);
	assert_int_equal(record_parser_next(rp, &out, 0), 0);
	assert_int_equal(record_parser_next(rp, &out, 1), 0);
	assert_int_equal(rp->len, 0);
	assert_int_equal(rp->dropped, 0);
}

static void
parser_many(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 rec[15];
	size_t			 i;

	/* Fifteen maximal records nearly fill the parser's buffer. */
	for (i = 0; i < 15; i++) {
		build(&rec[i], PROTO_PAYLOAD_MAX - i, (uint8_t)i);
		feed(rp, &rec[i], record_size(&rec[i]));
	}
	for (i = 0; i < 15; i++)
		expect(rp, &rec[i], 1);
	assert_int_equal(rp->len, 0);
	assert_int_equal(rp->dropped, 0);
}

static void
parser_split(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 rec, out;
	const uint8_t		*p = (const uint8_t *)&rec;
	size_t			 size, cut;

	size = build(&rec, 100, 4);
	/* Every cut, inside the header and inside the payload. */
	for (cut = 1; cut < size; cut++) {
		record_parser_init(rp);
		feed(rp, p, cut);
		assert_int_equal(record_parser_next(rp, &out, 0), 0);
		assert_int_equal(rp->len, cut);
		assert_int_equal(rp->dropped, 0);
		feed(rp, p + cut, size - cut);
		expect(rp, &rec, 0);
		assert_int_equal(record_parser_next(rp, &out, 0), 0);
		assert_int_equal(rp->len, 0);
		assert_int_equal(rp->dropped, 0);
	}

	/* A maximal record in two reads. */
	record_parser_init(rp);
	size = build(&rec, PROTO_PAYLOAD_MAX, 6);
	feed(rp, p, 2000);
	assert_int_equal(record_parser_next(rp, &out, 0), 0);
	feed(rp, p + 2000, size - 2000);
	expect(rp, &rec, 1);
}

static void
parser_garbage_first(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 rec, bad;
	uint8_t			 junk[37];
	size_t			 nbad;

	fill(junk, sizeof junk, 17);
	junk[0] = 0x49;		/* 'I', as the magic starts */
	build(&rec, 200, 1);
	feed(rp, junk, sizeof junk);
	feed(rp, &rec, record_size(&rec));
	expect(rp, &rec, 0);
	assert_int_equal(rp->dropped, sizeof junk);
	assert_int_equal(rp->len, 0);

	/* A whole record with a plausible header but a bad sum. */
	record_parser_init(rp);
	nbad = build(&bad, 120, 2);
	bad.payload[60] ^= 0x04;
	feed(rp, &bad, nbad);
	feed(rp, &rec, record_size(&rec));
	expect(rp, &rec, 0);
	assert_int_equal(rp->dropped, nbad);
	assert_int_equal(rp->len, 0);
}

static void
parser_truncated_then_honest(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 big, rec, out;

	/* The liar claims more bytes than the stream will ever hold. */
	build(&big, 2000, 3);
	build(&rec, 50, 8);
	feed(rp, &big, 100);
	feed(rp, &rec, record_size(&rec));
	/* Not drained: the liar might still be completed. */
	assert_int_equal(record_parser_next(rp, &out, 0), 0);
	assert_int_equal(rp->dropped, 0);
	assert_int_equal(rp->len, 100 + record_size(&rec));
	expect(rp, &rec, 1);
	assert_int_equal(rp->dropped, 100);
	assert_int_equal(rp->len, 0);
	assert_int_equal(record_parser_next(rp, &out, 1), 0);

	/* The honest record is long enough to complete the liar's claim. */
	record_parser_init(rp);
	build(&big, 200, 3);
	build(&rec, 1000, 8);
	feed(rp, &big, 100);
	feed(rp, &rec, record_size(&rec));
	expect(rp, &rec, 1);
	assert_int_equal(rp->dropped, 100);
	assert_int_equal(rp->len, 0);
}

static void
parser_short_tail(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 rec, out;

	build(&rec, 30, 2);
	feed(rp, &rec, record_size(&rec));
	feed(rp, &rec, 20);		/* half a header */
	expect(rp, &rec, 0);
	assert_int_equal(record_parser_next(rp, &out, 0), 0);
	assert_int_equal(rp->len, 20);
	assert_int_equal(rp->dropped, 0);
	assert_int_equal(record_parser_next(rp, &out, 1), 0);
	assert_int_equal(rp->len, 0);
	assert_int_equal(rp->dropped, 20);

	/* The parser is usable again afterwards. */
	feed(rp, &rec, record_size(&rec));
	expect(rp, &rec, 1);
	assert_int_equal(rp->dropped, 20);
}

/*
 * Records taken from the middle of the buffer, then more bytes read in
 * behind a partial one: the buffer is compacted under the tail and
 * nothing is lost or moved out of order.
 */
static void
parser_take_then_read(void **state)
{
	struct record_parser	*rp = *state;
	struct record		 rec[4];
	const uint8_t		*p = (const uint8_t *)&rec[3];
	size_t			 i, size, avail;

	for (i = 0; i < 4; i++)
		build(&rec[i], 300 + i, (uint8_t)(i + 40));
	for (i = 0; i < 3; i++)
		feed(rp, &rec[i], record_size(&rec[i]));
	size = record_size(&rec[3]);
	feed(rp, p, 50);
	expect(rp, &rec[0], 0);
	expect(rp, &rec[1], 0);
	/* The third and 50 bytes of the fourth remain; the space offered
	 * for the next read starts right after them. */
	record_parser_space(rp, &avail);
	assert_int_equal(avail, RECORD_PARSER_BUF - record_size(&rec[2]) - 50);
	feed(rp, p + 50, size - 50);
	expect(rp, &rec[2], 0);
	expect(rp, &rec[3], 1);
	assert_int_equal(rp->len, 0);
	assert_int_equal(rp->dropped, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(record_round_trip),
		cmocka_unit_test(record_no_payload),
		cmocka_unit_test(record_sum_flipped_payload),
		cmocka_unit_test(record_sum_flipped_header),
		cmocka_unit_test(record_header_checks),
		cmocka_unit_test(record_max_size),
		cmocka_unit_test_setup_teardown(parser_two_in_one,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_many,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_split,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_garbage_first,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_truncated_then_honest,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_short_tail,
		    parser_setup, parser_teardown),
		cmocka_unit_test_setup_teardown(parser_take_then_read,
		    parser_setup, parser_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

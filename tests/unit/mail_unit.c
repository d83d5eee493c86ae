/*
 * mail_unit.c - unit tests of common/mail.c: the stored part codec
 * (split, reassemble, and every rejection of mail_part_decode), first
 * lines for listings, message ids, and body assembly from REC_DATA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail.h"
#include "record.h"

#define BODY_LEN	(64 * 1024)

static const char	*fixed_id = "0f8fad5b-d9cb-469f-a165-70867728950e";

/* mail_unit_random - deterministic xorshift32 bytes. */
static void
mail_unit_random(uint8_t *p, size_t len, uint32_t seed)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* mail_unit_mail - a message from alice to bob with len random bytes. */
static void
mail_unit_mail(struct mail *m, uint32_t len)
{
	memset(m, 0, sizeof *m);
	assert_int_equal(mail_id_parse(fixed_id, m->id), 0);
	strcpy(m->from, "alice");
	strcpy(m->to, "bob");
	m->date = 1700000000;
	m->len = len;
	m->body = malloc(len + 1);
	assert_non_null(m->body);
	mail_unit_random(m->body, len, 0x9e3779b9u ^ len);
}

/*
 * mail_unit_resum - recompute a part's checksum after a test edited its
 * header, so that decode must reject the edit on its own merits.
 */
static void
mail_unit_resum(uint8_t *buf)
{
	struct part_hdr	h;

	memcpy(&h, buf, sizeof h);
	h.sum = 0;
	if (h.version == 1)
		h.sum = record_sum(buf + sizeof h, h.datalen,
		    record_sum(&h, sizeof h, 2166136261u));
	else
		h.sum = record_fold(record_sum64(buf + sizeof h, h.datalen,
		    record_sum64(&h, sizeof h, 0xcbf29ce484222325ULL)));
	memcpy(buf, &h, sizeof h);
}

static void
mail_part_counts(void **state)
{
	(void)state;
	assert_int_equal(PART_DATA_MAX, PART_MAX - sizeof(struct part_hdr));
	assert_int_equal(mail_part_count(0), 1);
	assert_int_equal(mail_part_count(1), 1);
	assert_int_equal(mail_part_count(PART_DATA_MAX - 1), 1);
	assert_int_equal(mail_part_count(PART_DATA_MAX), 1);
	assert_int_equal(mail_part_count(PART_DATA_MAX + 1), 2);
	assert_int_equal(mail_part_count(2 * PART_DATA_MAX), 2);
	assert_int_equal(mail_part_count(2 * PART_DATA_MAX + 1), 3);
	assert_int_equal(mail_part_count(65536),
	    (65536 + PART_DATA_MAX - 1) / PART_DATA_MAX);
	assert_int_equal(mail_part_count(65536), 9);
}

static void
mail_split_reassemble(void **state)
{
	struct mail	 m;
	struct part_hdr	 h;
	const uint8_t	*data;
	uint8_t		(*parts)[PART_MAX], *out;
	size_t		 size[16], total = 0;
	uint16_t	 n, k;

	(void)state;
	mail_unit_mail(&m, BODY_LEN);
	n = mail_part_count(m.len);
	assert_true(n >= 2 && n <= 16);
	parts = calloc(n, PART_MAX);
	out = calloc(1, BODY_LEN);
	assert_non_null(parts);
	assert_non_null(out);
	for (k = 0; k < n; k++) {
		size[k] = mail_part_encode(&m, k, parts[k]);
		assert_true(size[k] <= PART_MAX);
		assert_true(size[k] > sizeof h);
		total += size[k] - sizeof h;
	}
	assert_int_equal(total, BODY_LEN);

	/* Reassemble back to front: the headers alone place the data. */
	for (k = n; k-- > 0;) {
		assert_int_equal(mail_part_decode(parts[k], size[k], &h, &data),
		    0);
		assert_int_equal(h.part, k);
		assert_int_equal(h.nparts, n);
		assert_int_equal(h.len, BODY_LEN);
		assert_int_equal(h.datalen, size[k] - sizeof h);
		assert_int_equal(h.date, 1700000000);
		assert_memory_equal(h.id, m.id, MAIL_ID_LEN);
		assert_string_equal(h.from, "alice");
		assert_string_equal(h.to, "bob");
		assert_ptr_equal(data, parts[k] + sizeof h);
		assert_true(h.offset + h.datalen <= BODY_LEN);
		memcpy(out + h.offset, data, h.datalen);
	}
	assert_memory_equal(out, m.body, BODY_LEN);
	free(out);
	free(parts);
	mail_free(&m);
	assert_null(m.body);
}

static void
mail_split_edges(void **state)
{
	static const uint32_t	 lens[] = {
		0, 1, PART_DATA_MAX - 1, PART_DATA_MAX, PART_DATA_MAX + 1,
		3 * PART_DATA_MAX
	};
	struct mail		 m;
	struct part_hdr		 h;
	const uint8_t		*data;
	uint8_t			*buf;
	size_t			 i, size;
	uint16_t		 k;

	(void)state;
	buf = malloc(PART_MAX);
	assert_non_null(buf);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		mail_unit_mail(&m, lens[i]);
		for (k = 0; k < mail_part_count(lens[i]); k++) {
			size = mail_part_encode(&m, k, buf);
			assert_true(size <= PART_MAX);
			assert_int_equal(mail_part_decode(buf, size, &h, &data),
			    0);
			assert_int_equal(h.offset, (size_t)k * PART_DATA_MAX);
			assert_memory_equal(data, m.body + h.offset,
			    h.datalen);
		}
		assert_int_equal(h.offset + h.datalen, lens[i]);
		mail_free(&m);
	}
	free(buf);
}

static int
decode_setup(void **state)
{
	struct mail	m;
	uint8_t		*buf;

	/* Two full parts and a short one; the tests edit part 0 or 2. */
	mail_unit_mail(&m, 2 * PART_DATA_MAX + 500);
	if ((buf = calloc(3, PART_MAX)) == NULL)
		return (-1);
	mail_part_encode(&m, 0, buf);
	mail_part_encode(&m, 2, buf + PART_MAX);
	mail_free(&m);
	*state = buf;
	return (0);
}

static int
decode_teardown(void **state)
{
	free(*state);
	return (0);
}

#define FULL	(sizeof(struct part_hdr) + PART_DATA_MAX)
#define LAST	(sizeof(struct part_hdr) + 500)

/* mail_unit_edit - a copy of the part in src with its header in *h. */
static uint8_t *
mail_unit_edit(const uint8_t *src, struct part_hdr **h)
{
	static union {
		struct part_hdr	h;
		uint8_t		b[PART_MAX + 16];
	} copy;

	memcpy(copy.b, src, PART_MAX);
	*h = &copy.h;
	return (copy.b);
}

static void
mail_decode_resum_sane(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;
	uint32_t	 sum;

	/*
	 * The test's own resum must agree with the codec, or the
	 * rejections below would prove nothing.
	 */
	c = mail_unit_edit(buf, &e);
	sum = e->sum;
	mail_unit_resum(c);
	assert_int_equal(e->sum, sum);
	e->date = 42;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), 0);
	assert_int_equal(h.date, 42);
	c = mail_unit_edit(buf + PART_MAX, &e);
	assert_int_equal(mail_part_decode(c, LAST, &h, &data), 0);
	assert_int_equal(h.part, 2);
	assert_int_equal(h.datalen, 500);
}

/* A part stored by an older ipcmail (version 1, byte-wise sum) is read. */
static void
mail_decode_version1(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;

	c = mail_unit_edit(buf, &e);
	e->version = 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), 0);
	assert_int_equal(h.version, 1);
	/* ... and only with its own kind of sum. */
	e->version = PART_VERSION;
	mail_unit_resum(c);
	e->version = 1;
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

/*
 * A part stored before meta blocks (version 2: the field that is now
 * metalen was padding, always 0) is read, with no meta; one claiming a
 * meta block is refused.
 */
static void
mail_decode_version2(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;

	c = mail_unit_edit(buf, &e);
	e->version = 2;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), 0);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.metalen, 0);
	e->metalen = 9;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

/*
 * Version 3: a message with a subject and an outside sender keeps its
 * meta block through encode and decode; a broken one is refused.
 */
static void
mail_decode_meta(void **state)
{
	struct mail_meta	 mm;
	struct mail		 m;
	struct part_hdr		 h, *e;
	const uint8_t		*data;
	uint8_t			 buf[PART_MAX], *c;
	size_t			 size, len;

	(void)state;
	mail_unit_mail(&m, 100);
	assert_int_equal(mail_set_meta(&m, MAIL_META_RFC5322, "hi there",
	    "Carol <carol@example.org>"), 0);
	assert_int_equal(m.metalen, 4 + 8 + 25);
	assert_int_equal(m.len, 100 + m.metalen);
	size = mail_part_encode(&m, 0, buf);
	assert_int_equal(mail_part_decode(buf, size, &h, &data), 0);
	assert_int_equal(h.version, 3);
	assert_int_equal(h.metalen, m.metalen);
	assert_int_equal(mail_meta_decode(data, h.metalen, &mm), 0);
	assert_string_equal(mm.subject, "hi there");
	assert_string_equal(mm.addr, "Carol <carol@example.org>");
	assert_int_equal(mail_text(&m, &len) - m.body, m.metalen);
	assert_int_equal(len, 100);
	/* A newline in the subject: refused (it could start a header). */
	c = mail_unit_edit(buf, &e);
	c[sizeof h + 4 + 2] = '\n';
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, size, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->metalen = MAIL_META_MAX + 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, size, &h, &data), -1);
	/* Fields that are not clean are not set. */
	assert_int_equal(mail_set_meta(&m, 0, "a\rb", NULL), -1);
	assert_int_equal(mail_set_meta(&m, 0, NULL, "bob"), -1);
	mail_free(&m);
}

static void
mail_decode_bad_magic(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;

	c = mail_unit_edit(buf, &e);
	e->magic = PROTO_MAGIC;		/* a record, not a part */
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->version = PART_VERSION + 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

static void
mail_decode_bad_sum(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;
	size_t		 i;

	for (i = sizeof h; i < FULL; i += 997) {
		c = mail_unit_edit(buf, &e);
		c[i] ^= 0x20;
		assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	}
	c = mail_unit_edit(buf, &e);
	c[FULL - 1] ^= 0x01;
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	/* Header fields no other check looks at are covered by the sum. */
	c = mail_unit_edit(buf, &e);
	e->date++;
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->id[7] ^= 0x01;
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->from[4] = 'a';		/* "alica": still a valid name */
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

static void
mail_decode_bad_size(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;

	c = mail_unit_edit(buf + PART_MAX, &e);
	assert_int_equal(mail_part_decode(c, LAST - 1, &h, &data), -1);
	assert_int_equal(mail_part_decode(c, LAST + 1, &h, &data), -1);
	assert_int_equal(mail_part_decode(c, sizeof h, &h, &data), -1);
	assert_int_equal(mail_part_decode(c, sizeof h - 1, &h, &data), -1);
	assert_int_equal(mail_part_decode(c, 0, &h, &data), -1);

	/* datalen and size agree, but not with the body's layout. */
	e->datalen = 499;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, LAST - 1, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->datalen = PART_DATA_MAX - 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL - 1, &h, &data), -1);
	c = mail_unit_edit(buf + PART_MAX, &e);
	e->offset -= 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, LAST, &h, &data), -1);
	/* A full part at the wrong place would overlap its neighbour. */
	c = mail_unit_edit(buf, &e);
	e->offset = 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf + PART_MAX, &e);
	e->len += 1;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, LAST, &h, &data), -1);
}

static void
mail_decode_bad_part(void **state)
{
	uint8_t		*buf = *state, *c;
	struct part_hdr	*e, h;
	const uint8_t	*data;

	c = mail_unit_edit(buf + PART_MAX, &e);
	e->part = e->nparts;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, LAST, &h, &data), -1);
	c = mail_unit_edit(buf + PART_MAX, &e);
	e->part = 0xffff;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, LAST, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->nparts = 0;
	e->part = 0;
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	e->nparts = 4;			/* len needs 3 */
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

static void
mail_decode_part_past_end(void **state)
{
	struct mail	 m;
	struct part_hdr	 h, *e;
	const uint8_t	*data;
	uint8_t		*buf;

	(void)state;
	/*
	 * When the body is a whole number of parts, an empty part just
	 * past the last one is consistent with offset, datalen and len:
	 * only part < nparts refuses it.
	 */
	mail_unit_mail(&m, 2 * PART_DATA_MAX);
	buf = calloc(1, PART_MAX);
	assert_non_null(buf);
	assert_int_equal(mail_part_encode(&m, 1, buf), PART_MAX);
	assert_int_equal(mail_part_decode(buf, PART_MAX, &h, &data), 0);
	e = (struct part_hdr *)buf;
	e->part = 2;
	e->offset = 2 * PART_DATA_MAX;
	e->datalen = 0;
	mail_unit_resum(buf);
	assert_int_equal(mail_part_decode(buf, sizeof h, &h, &data), -1);
	free(buf);
	mail_free(&m);
}

static void
mail_decode_bad_names(void **state)
{
	static const char	*bad[] = { "", "Eve", "1x", "a/b", "a b" };
	uint8_t			*buf = *state, *c;
	struct part_hdr		*e, h;
	const uint8_t		*data;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = mail_unit_edit(buf, &e);
		memset(e->from, 0, sizeof e->from);
		strcpy(e->from, bad[i]);
		mail_unit_resum(c);
		assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
		c = mail_unit_edit(buf, &e);
		memset(e->to, 0, sizeof e->to);
		strcpy(e->to, bad[i]);
		mail_unit_resum(c);
		assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	}
	/* Names with no NUL inside their fields. */
	c = mail_unit_edit(buf, &e);
	memset(e->from, 'a', sizeof e->from);
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
	c = mail_unit_edit(buf, &e);
	memset(e->to, 'b', sizeof e->to);
	mail_unit_resum(c);
	assert_int_equal(mail_part_decode(c, FULL, &h, &data), -1);
}

/* mail_unit_first - mail_first_line of a string into size bytes. */
static const char *
mail_unit_first(const char *body, size_t size)
{
	static char	out[256];

	assert_true(size <= sizeof out);
	memset(out, 0x55, sizeof out);
	mail_first_line((const uint8_t *)body, strlen(body), out, size);
	assert_true(strlen(out) < size);
	return (out);
}

static void
mail_first_line_basic(void **state)
{
	char	out[16];

	(void)state;
	assert_string_equal(mail_unit_first("Hello\nworld\n", 72), "Hello");
	assert_string_equal(mail_unit_first("\n\r\n\n\nHello, world\nnext", 72),
	    "Hello, world");
	assert_string_equal(mail_unit_first("dos line\r\nnext", 72),
	    "dos line");
	assert_string_equal(mail_unit_first("no newline at all", 72),
	    "no newline at all");
	assert_string_equal(mail_unit_first("", 72), "");
	assert_string_equal(mail_unit_first("\n\n\r\n", 72), "");
	assert_string_equal(mail_unit_first("a\tb\x01" "c\x1b[1md\x7f" "e\n",
	    72), "a b c [1md e");
	assert_string_equal(mail_unit_first("abcdefghij", 5), "abcd");
	assert_string_equal(mail_unit_first("abcdefghij", 1), "");
	/* Bytes past len are not read. */
	mail_first_line((const uint8_t *)"abcdef", 3, out, sizeof out);
	assert_string_equal(out, "abc");
}

static void
mail_first_line_utf8(void **state)
{
	char		 body[1024];
	const char	*out, *hello = "\xec\x95\x88\xeb\x85\x95\xed\x95\x98"
			    "\xec\x84\xb8\xec\x9a\x94";	/* 안녕하세요 */
	size_t		 i, size, len;

	(void)state;
	body[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(body, hello);
	strcat(body, "\nsecond line");

	out = mail_unit_first(body, PROTO_FIRST_MAX);
	/* 71 bytes fit; the 24th syllable would be cut: 23 remain. */
	assert_int_equal(strlen(out), 69);
	assert_memory_equal(out, body, 69);

	/*
	 * At every size: a prefix of whole three-byte syllables, never
	 * half a sequence, at most one syllable short of what fits.
	 */
	for (size = 1; size <= 100; size++) {
		out = mail_unit_first(body, size);
		len = strlen(out);
		if (len % 3 != 0)
			fail_msg("size %zu: %zu bytes, half a syllable", size,
			    len);
		assert_memory_equal(out, body, len);
		assert_true(len + 3 >= size - 1);
	}

	/* Short UTF-8 lines are kept whole. */
	assert_string_equal(mail_unit_first("caf\xc3\xa9\n", 72),
	    "caf\xc3\xa9");
	assert_string_equal(mail_unit_first(hello, 72), hello);
	/* ASCII then a cut two-byte sequence. */
	assert_string_equal(mail_unit_first("ab\xc3\xa9", 4), "ab");
}

static void
mail_ids(void **state)
{
	uint8_t	id[MAIL_ID_LEN], back[MAIL_ID_LEN], other[MAIL_ID_LEN];
	char	s[MAIL_ID_STR];

	(void)state;
	assert_int_equal(mail_id_parse(fixed_id, id), 0);
	memset(s, 'x', sizeof s);
	mail_id_str(id, s);
	assert_string_equal(s, fixed_id);
	assert_int_equal(strlen(s), MAIL_ID_STR - 1);

	assert_int_equal(mail_id_parse("0F8FAD5B-D9CB-469F-A165-70867728950E",
	    back), 0);
	assert_memory_equal(id, back, MAIL_ID_LEN);

	mail_new_id(id);
	mail_new_id(other);
	assert_memory_not_equal(id, other, MAIL_ID_LEN);
	mail_id_str(id, s);
	assert_int_equal(strlen(s), 36);
	assert_int_equal(s[8], '-');
	assert_int_equal(s[23], '-');
	memset(back, 0, sizeof back);
	assert_int_equal(mail_id_parse(s, back), 0);
	assert_memory_equal(id, back, MAIL_ID_LEN);

	assert_int_not_equal(mail_id_parse("", back), 0);
	assert_int_not_equal(mail_id_parse("not-a-uuid", back), 0);
	assert_int_not_equal(mail_id_parse(
	    "0f8fad5b-d9cb-469f-a165-70867728950", back), 0);
	assert_int_not_equal(mail_id_parse(
	    "0f8fad5b-d9cb-469f-a165-70867728950g", back), 0);
	assert_int_not_equal(mail_id_parse(
	    "0f8fad5bd9cb-469f-a165-70867728950e0", back), 0);
}

static void
mail_assembly_steps(void **state)
{
	struct mail_assembly	 a;
	uint8_t			*body;

	(void)state;
	memset(&a, 0, sizeof a);
	assert_int_equal(mail_assembly_add(&a, "x", 1), -1);

	mail_assembly_start(&a, 10);
	assert_int_equal(mail_assembly_add(&a, "0123", 4), 0);
	assert_int_equal(mail_assembly_add(&a, "", 0), 0);
	assert_int_equal(mail_assembly_add(&a, "456789", 6), 1);
	assert_int_equal(a.have, 10);
	body = mail_assembly_take(&a);
	assert_non_null(body);
	assert_string_equal((char *)body, "0123456789");
	free(body);
	assert_null(a.buf);
	assert_int_equal(a.want, 0);
	assert_int_equal(a.have, 0);
	assert_null(mail_assembly_take(&a));
	assert_int_equal(mail_assembly_add(&a, "x", 1), -1);

	/* An empty body is complete at once. */
	mail_assembly_start(&a, 0);
	assert_int_equal(mail_assembly_add(&a, "", 0), 1);
	body = mail_assembly_take(&a);
	assert_non_null(body);
	assert_string_equal((char *)body, "");
	free(body);

	/* Starting again drops the unfinished body. */
	mail_assembly_start(&a, 100);
	assert_int_equal(mail_assembly_add(&a, "abc", 3), 0);
	mail_assembly_start(&a, 3);
	assert_int_equal(a.have, 0);
	assert_int_equal(mail_assembly_add(&a, "xyz", 3), 1);
	body = mail_assembly_take(&a);
	assert_string_equal((char *)body, "xyz");
	free(body);
}

static void
mail_assembly_overflow(void **state)
{
	struct mail_assembly	 a;
	uint8_t			*body;

	(void)state;
	memset(&a, 0, sizeof a);
	mail_assembly_start(&a, 5);
	assert_int_equal(mail_assembly_add(&a, "abc", 3), 0);
	assert_int_equal(mail_assembly_add(&a, "def", 3), -1);
	/* The refused chunk left nothing behind. */
	assert_int_equal(a.have, 3);
	assert_int_equal(mail_assembly_add(&a, "de", 2), 1);
	assert_int_equal(mail_assembly_add(&a, "f", 1), -1);
	assert_int_equal(mail_assembly_add(&a, "", 0), 1);
	body = mail_assembly_take(&a);
	assert_string_equal((char *)body, "abcde");
	free(body);

	mail_assembly_start(&a, 4);
	assert_int_equal(mail_assembly_add(&a, "12345", 5), -1);
	assert_int_equal(a.have, 0);
	assert_int_equal(mail_assembly_add(&a, "x", SIZE_MAX), -1);
	mail_assembly_clear(&a);
	assert_null(a.buf);
	assert_int_equal(mail_assembly_add(&a, "", 0), -1);
	mail_assembly_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(mail_part_counts),
		cmocka_unit_test(mail_split_reassemble),
		cmocka_unit_test(mail_split_edges),
		cmocka_unit_test_setup_teardown(mail_decode_resum_sane,
		    decode_setup, decode_teardown),
		cmocka_unit_test(mail_decode_meta),
		cmocka_unit_test_setup_teardown(mail_decode_version2,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_version1,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_bad_magic,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_bad_sum,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_bad_size,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_bad_part,
		    decode_setup, decode_teardown),
		cmocka_unit_test_setup_teardown(mail_decode_bad_names,
		    decode_setup, decode_teardown),
		cmocka_unit_test(mail_decode_part_past_end),
		cmocka_unit_test(mail_first_line_basic),
		cmocka_unit_test(mail_first_line_utf8),
		cmocka_unit_test(mail_ids),
		cmocka_unit_test(mail_assembly_steps),
		cmocka_unit_test(mail_assembly_overflow),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * rfc5322_unit.c - unit tests of common/rfc5322.c and of the meta block
 * in common/mail.c: reading a message (folding, CRLF, a leading From_
 * line, missing fields, every refusal), header injection through a
 * subject, the RFC 2047 encoder and decoder, addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail.h"
#include "rfc5322.h"

/* parse - normalize a copy of text and parse it: 0 or -1. */
static int
parse(const char *text, size_t n, struct rfc5322 *h, uint8_t **copy,
    size_t *len)
{
	char	*cause = NULL;
	int	 rc;

	*copy = malloc(n + 1);
	memcpy(*copy, text, n);
	*len = rfc5322_normalize(*copy, n);
	rc = rfc5322_parse(*copy, *len, h, &cause);
	free(cause);
	return (rc);
}

static void
rfc5322_folding_crlf_from(void **state)
{
	static const char	 msg[] =
	    "From alice@example.org Mon Jan  1 00:00:00 2026\r\n"
	    "from: Alice <alice@example.org>\r\n"
	    "SUBJECT: disk\r\n"
	    "  report\r\n"
	    "\tfor today\r\n"
	    "Message-ID: <1@x>\r\n"
	    "Subject: a second one\r\n"
	    "\r\n"
	    "body\r\nline 2\r\n";
	struct rfc5322		 h;
	uint8_t			*c;
	size_t			 len;

	(void)state;
	assert_int_equal(parse(msg, sizeof msg - 1, &h, &c, &len), 0);
	assert_string_equal(h.from, "Alice <alice@example.org>");
	assert_string_equal(h.subject, "disk  report\tfor today");
	assert_string_equal(h.message_id, "<1@x>");
	assert_null(h.date);
	assert_null(h.reply_to);
	assert_null(memchr(c, '\r', len));
	assert_memory_equal(c, "from: ", 6);	/* From_ line gone */
	assert_int_equal(len - h.body_off, 12);
	assert_memory_equal(c + h.body_off, "body\nline 2\n", 12);
	assert_int_equal(rfc5322_body_offset(c, len), h.body_off);
	rfc5322_free(&h);
	free(c);
}

static void
rfc5322_missing(void **state)
{
	struct rfc5322	 h;
	uint8_t		*c;
	size_t		 len;

	(void)state;
	/* Only headers, no blank line, no body: a message still. */
	assert_int_equal(parse("X-A: 1\nX-B: 2", 13, &h, &c, &len), 0);
	assert_null(h.from);
	assert_null(h.subject);
	assert_null(h.message_id);
	assert_int_equal(h.body_off, len);
	rfc5322_free(&h);
	free(c);
	assert_int_equal(parse("Subject:\n\nx\n", 12, &h, &c, &len), 0);
	assert_string_equal(h.subject, "");
	rfc5322_free(&h);
	free(c);
}

static void
rfc5322_refusals(void **state)
{
	struct rfc5322	 h;
	uint8_t		*c;
	size_t		 len, i;
	char		*big;

	(void)state;
	assert_int_equal(parse("", 0, &h, &c, &len), -1);
	free(c);
	assert_int_equal(parse("Subject: a\0b\n\nx\n", 16, &h, &c, &len), -1);
	free(c);
	assert_int_equal(parse("hello world\n\nx\n", 15, &h, &c, &len), -1);
	free(c);
	assert_int_equal(parse(" cont\nA: b\n\nx\n", 14, &h, &c, &len), -1);
	free(c);
	assert_int_equal(parse("A: b\nno colon here\n\nx\n", 22, &h, &c,
	    &len), -1);
	free(c);
	/* A header line of 999 bytes is refused, one of 200 is not. */
	big = malloc(RFC5322_HEAD_MAX * 2);
	memset(big, 'x', 2000);
	memcpy(big, "Subject: ", 9);
	big[200] = '\n';
	big[201] = '\n';
	big[202] = 'b';
	assert_int_equal(parse(big, 203, &h, &c, &len), 0);
	assert_int_equal(strlen(h.subject), 200 - 9);
	rfc5322_free(&h);
	free(c);
	big[200] = 'x';
	big[RFC5322_LINE_MAX + 1] = '\n';
	big[RFC5322_LINE_MAX + 2] = '\n';
	assert_int_equal(parse(big, RFC5322_LINE_MAX + 3, &h, &c, &len), -1);
	free(c);
	/* Headers that never end. */
	for (i = 0; i + 10 <= RFC5322_HEAD_MAX * 2; i += 10)
		memcpy(big + i, "X-A: 1234\n", 10);
	assert_int_equal(parse(big, i, &h, &c, &len), -1);
	free(c);
	free(big);
}

/* Control bytes in a subject never start a header of their own. */
static void
rfc5322_injection(void **state)
{
	struct rfc5322_out	 o;
	char			 s[MAIL_SUBJECT_MAX + 1], *msg, *line;
	char			 dec[MAIL_SUBJECT_MAX + 1];
	size_t			 n;
	int			 subjects = 0;

	(void)state;
	snprintf(s, sizeof s, "hi\nBcc: eve@evil.example\r\nX-B: 1");
	mail_clean_field(s, sizeof s);
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
	memset(&o, 0, sizeof o);
	o.from = "alice@a.test";
	o.to = "bob@b.test";
	o.subject = s;
	o.message_id = "1@a.test";
	o.body = (const uint8_t *)"text";
	o.bodylen = 4;
	n = rfc5322_build(&o, &msg);
	assert_int_equal(strlen(msg), n);
	for (line = msg; line != NULL && *line != '\n';
	    line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		assert_false(strncmp(line, "Bcc:", 4) == 0);
		assert_false(strncmp(line, "X-B:", 4) == 0);
		subjects += strncmp(line, "Subject:", 8) == 0;
	}
	assert_int_equal(subjects, 1);
	assert_non_null(strstr(msg, "\n\ntext\n"));
	free(msg);
	/* An encoded word may hide a newline: decoded, then cleaned. */
	rfc5322_decode("=?UTF-8?Q?a=0ABcc:_x?=", dec, sizeof dec);
	assert_string_equal(dec, "a\nBcc: x");
	mail_clean_field(dec, sizeof dec);
	assert_string_equal(dec, "a Bcc: x");
}

static void
rfc5322_encoder(void **state)
{
	static const char	*texts[] = {
		"\xc3\xa9t\xc3\xa9",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 and a long tail that "
		    "goes on \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5"
		    "\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa"
		    "\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6"
		    "\x9c\xac\xe8\xaa\x9e",
	};
	char			*e, *w, *save = NULL, out[512], one[128];
	size_t			 i;

	(void)state;
	e = rfc5322_encode("disk report", 9);
	assert_string_equal(e, "disk report");
	free(e);
	e = rfc5322_encode("a =?x?Q?y?= b", 9);	/* looks encoded: encode */
	assert_non_null(strstr(e, "=?UTF-8?B?"));
	rfc5322_decode(e, out, sizeof out);
	assert_string_equal(out, "a =?x?Q?y?= b");
	free(e);
	e = rfc5322_encode(texts[0], 9);
	assert_string_equal(e, "=?UTF-8?B?w6l0w6k=?=");
	free(e);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		e = rfc5322_encode(texts[i], 9);
		rfc5322_decode(e, out, sizeof out);
		assert_string_equal(out, texts[i]);
		/* Each word at most 75 characters and whole UTF-8. */
		for (w = strtok_r(e, "\n ", &save); w != NULL;
		    w = strtok_r(NULL, "\n ", &save)) {
			assert_true(strlen(w) <= 75);
			assert_memory_equal(w, "=?UTF-8?B?", 10);
			rfc5322_decode(w, one, sizeof one);
			assert_false((one[strlen(one) - 1] & 0xc0) == 0xc0);
		}
		free(e);
	}
	rfc5322_decode("=?ISO-8859-1?Q?caf=E9?= =?utf-8?b?w6k=?=  x", out,
	    sizeof out);
	assert_string_equal(out, "caf\xc3\xa9\xc3\xa9  x");
	rfc5322_decode("=?bogus not a word", out, sizeof out);
	assert_string_equal(out, "=?bogus not a word");
}

static void
rfc5322_addresses(void **state)
{
	char	a[64];

	(void)state;
	assert_int_equal(rfc5322_addr_spec("Alice <alice@a.test>", a,
	    sizeof a), 0);
	assert_string_equal(a, "alice@a.test");
	assert_int_equal(rfc5322_addr_spec(" bob@b.test (Bob)", a, sizeof a),
	    0);
	assert_string_equal(a, "bob@b.test");
	assert_int_equal(rfc5322_addr_spec("bob", a, sizeof a), -1);
	assert_int_equal(rfc5322_addr_spec("-oQ@x", a, sizeof a), -1);
	assert_int_equal(rfc5322_addr_spec("<@x>", a, sizeof a), -1);
	assert_int_equal(rfc5322_addr_spec("a@b@c", a, sizeof a), -1);
	assert_int_equal(rfc5322_domain_valid("b.test"), 0);
	assert_int_equal(rfc5322_domain_valid("b..test"), -1);
	assert_int_equal(rfc5322_domain_valid("-b"), -1);
	assert_int_equal(rfc5322_domain_valid("a b"), -1);
}

static void
rfc5322_meta(void **state)
{
	uint8_t			 b[MAIL_META_MAX];
	struct mail_meta	 mm;
	size_t			 n;

	(void)state;
	assert_int_equal(mail_meta_encode(b, 0, NULL, ""), 0);
	n = mail_meta_encode(b, MAIL_META_RFC5322, "hi", "a@b");
	assert_int_equal(n, 4 + 2 + 3);
	assert_int_equal(mail_meta_decode(b, n, &mm), 0);
	assert_string_equal(mm.subject, "hi");
	assert_string_equal(mm.addr, "a@b");
	assert_int_equal(mm.flags, MAIL_META_RFC5322);
	assert_int_equal(mail_meta_decode(b, n - 1, &mm), -1);
	/* An outside sender must hold '@': never a bare local name. */
	n = mail_meta_encode(b, 0, "hi", "root");
	assert_int_equal(mail_meta_decode(b, n, &mm), -1);
	/* No control byte in either field. */
	n = mail_meta_encode(b, 0, "a\nb", NULL);
	assert_int_equal(mail_meta_decode(b, n, &mm), -1);
	n = mail_meta_encode(b, 0, "ok", NULL);
	b[0] = 9;
	assert_int_equal(mail_meta_decode(b, n, &mm), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(rfc5322_folding_crlf_from),
		cmocka_unit_test(rfc5322_missing),
		cmocka_unit_test(rfc5322_refusals),
		cmocka_unit_test(rfc5322_injection),
		cmocka_unit_test(rfc5322_encoder),
		cmocka_unit_test(rfc5322_addresses),
		cmocka_unit_test(rfc5322_meta),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

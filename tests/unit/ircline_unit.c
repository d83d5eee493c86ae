/*
 * ircline_unit.c - unit tests of common/ircline.c: the reader (lines
 * split and merged across reads, CR LF or LF, a 100 KB line dropped
 * whole and said once), the parser (tags, prefix, trailing, 15
 * parameters, garbage refused), the formatter (never past 512 bytes,
 * no CR or LF inside), the pieces of a long text (none lost, each
 * within bounds, UTF-8 kept whole) and the cleaning of IRC text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ircline.h"

static struct ircline_reader	rd;
static struct ircline		l;
static char			line[IRCLINE_IN_MAX + 1];

/* feed - all of s into rd; the lines it gives, joined by '|'. */
static void
feed(const char *s, size_t n, char *got, size_t size)
{
	size_t	off = 0, len;
	int	k;

	got[0] = '\0';
	while (off < n || 1) {
		if (off < n)
			off += ircline_reader_feed(&rd, s + off, n - off);
		while ((k = ircline_reader_next(&rd, line, &len)) !=
		    IRCLINE_NONE) {
			if (strlen(got) + len + 8 >= size)
				continue;
			strcat(got, k == IRCLINE_LONG ? "<LONG>" : line);
			strcat(got, "|");
		}
		if (off >= n)
			break;
	}
}

static void
ircline_reader_splits(void **state)
{
	char	got[1024];

	(void)state;
	ircline_reader_init(&rd);
	feed("NICK a\r\nUSER b", 14, got, sizeof got);
	assert_string_equal(got, "NICK a|");
	feed(" 0 * :x\nPING 1\r\n\r\n", 19, got, sizeof got);
	assert_string_equal(got, "USER b 0 * :x|PING 1||");
}

static void
ircline_reader_long(void **state)
{
	char	*big = malloc(100 * 1024 + 16), got[1024];

	(void)state;
	ircline_reader_init(&rd);
	memset(big, 'x', 100 * 1024);
	memcpy(big + 100 * 1024, "\r\nPING z\r\n", 10);
	feed(big, 100 * 1024 + 10, got, sizeof got);
	assert_string_equal(got, "<LONG>|PING z|");
	/* The longest line accepted is IRCLINE_IN_MAX - 1 bytes. */
	memset(big, 'y', IRCLINE_IN_MAX - 1);
	big[IRCLINE_IN_MAX - 1] = '\n';
	feed(big, IRCLINE_IN_MAX, got, sizeof got);
	assert_int_equal(strlen(got), 0);	/* too big for got: skipped */
	assert_int_equal(rd.len, 0);
	assert_int_equal(rd.discard, 0);
	free(big);
}

static void
ircline_parses(void **state)
{
	static const char	*s = "@time=x;a=b :nick!u@h privmsg #ops :hello "
	    "there";

	(void)state;
	assert_int_equal(ircline_parse(&l, s, strlen(s)), 0);
	assert_string_equal(l.tags, "time=x;a=b");
	assert_string_equal(l.prefix, "nick!u@h");
	assert_string_equal(l.cmd, "PRIVMSG");
	assert_int_equal(l.nparams, 2);
	assert_string_equal(l.params[0], "#ops");
	assert_string_equal(l.params[1], "hello there");
	assert_int_equal(ircline_parse(&l, "JOIN  #a,#b", 11), 0);
	assert_int_equal(l.nparams, 1);
	assert_string_equal(l.params[0], "#a,#b");
	assert_int_equal(ircline_parse(&l, "CAP REQ :", 9), 0);
	assert_int_equal(l.nparams, 2);
	assert_string_equal(l.params[1], "");
	s = "X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";
	assert_int_equal(ircline_parse(&l, s, strlen(s)), 0);
	assert_int_equal(l.nparams, 15);
	assert_string_equal(l.params[14], "15 16");
}

static void
ircline_refuses(void **state)
{
	char	buf[IRCLINE_IN_MAX + 8];

	(void)state;
	assert_int_equal(ircline_parse(&l, "", 0), -1);
	assert_int_equal(ircline_parse(&l, "   ", 3), -1);
	assert_int_equal(ircline_parse(&l, ":prefix", 7), -1);
	assert_int_equal(ircline_parse(&l, "@tags", 5), -1);
	assert_int_equal(ircline_parse(&l, "NI\0CK", 5), -1);
	assert_int_equal(ircline_parse(&l, "NI!CK x", 7), -1);
	assert_int_equal(ircline_parse(&l, "\x01\x02\xff", 3), -1);
	memset(buf, 'a', 600);
	memcpy(buf, "PRIVMSG #a :", 12);
	assert_int_equal(ircline_parse(&l, buf, 600), -2);
	/* Tags may take 8191 bytes, the rest 510. */
	buf[0] = '@';
	memset(buf + 1, 't', 8000);
	memcpy(buf + 8001, " PING :x", 8);
	assert_int_equal(ircline_parse(&l, buf, 8009), 0);
	assert_string_equal(l.cmd, "PING");
}

static void
ircline_formats(void **state)
{
	char		 out[IRCLINE_TAGS_MAX + IRCLINE_MAX + 1], big[2000];
	const char	*p[2] = { "alice", "#ops" };
	size_t		 n;

	(void)state;
	n = ircline_format(out, sizeof out, "time=t", "ipcmail", "353", p, 2,
	    "a b\r\nc");
	assert_string_equal(out, "@time=t :ipcmail 353 alice #ops :a b  c\r\n");
	assert_int_equal(n, strlen(out));
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n = ircline_format(out, sizeof out, NULL, "x", "NOTICE", p, 1, big);
	assert_int_equal(n, IRCLINE_MAX);
	assert_memory_equal(out + n - 2, "\r\n", 2);
	assert_null(memchr(out, '\n', n - 1));
	assert_int_equal(ircline_format(out, 100, NULL, NULL, "X", NULL, 0,
	    NULL), 0);
}

static void
ircline_pieces(void **state)
{
	char	text[3000], got[3000];
	size_t	off = 0, used, n, glen = 0, count = 0, i;

	(void)state;
	/* 1000 "é" (2 bytes each) and a newline, then "end". */
	for (i = 0; i < 1000; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	memcpy(text + 2000, "\r\nend", 5);
	while (off < 2005) {
		n = ircline_piece(text + off, 2005 - off, 401, &used);
		assert_true(n <= 401);
		assert_true(used >= n && used > 0);
		/* No piece starts or ends inside a character. */
		assert_true(n == 0 || ((uint8_t)text[off] & 0xc0) != 0x80);
		assert_true(((uint8_t)text[off + n] & 0xc0) != 0x80 ||
		    off + n == 2005);
		memcpy(got + glen, text + off, n);
		glen += n;
		off += used;
		count++;
	}
	assert_int_equal(glen, 2003);		/* all but CR LF */
	assert_memory_equal(got, text, 2000);
	assert_memory_equal(got + 2000, "end", 3);
	assert_int_equal(count, 6);		/* 5 of 400 and "end" */
	n = ircline_piece("hello world again", 17, 13, &used);
	assert_int_equal(n, 12);		/* at the space */
	assert_memory_equal("hello world ", "hello world again", n);
}

static void
ircline_cleans(void **state)
{
	char	out[64];
	size_t	n;

	(void)state;
	n = ircline_clean(out, (const uint8_t *)"a\x01\x02""b\x1b[31m\xff\xc3"
	    "\xa9\xed\xa0\x80\tz\n", 18);
	out[n] = '\0';
	assert_string_equal(out, "ab[31m?\xc3\xa9???\tz\n");
	assert_true(ircline_nick_equal("Alice", "aLICE"));
	assert_false(ircline_nick_equal("alice", "alic"));
	strcpy(out, "#OPS");
	ircline_lower(out);
	assert_string_equal(out, "#ops");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(ircline_reader_splits),
		cmocka_unit_test(ircline_reader_long),
		cmocka_unit_test(ircline_parses),
		cmocka_unit_test(ircline_refuses),
		cmocka_unit_test(ircline_formats),
		cmocka_unit_test(ircline_pieces),
		cmocka_unit_test(ircline_cleans),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * display_unit.c - unit tests of common/display.c: hostile text (CSI,
 * OSC with BEL and ST, 8-bit and UTF-8 C1, overlong forms, surrogates,
 * cut-short and split sequences, NUL, DEL) comes out escaped, while
 * plain text, tab, newline, Korean and emoji come out as they went in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "display.h"

#define FFFD	"\xef\xbf\xbd"

/* display_unit_c - s as a C string literal would write it, for a
 * failure message that does not itself act on the terminal. */
static const char *
display_unit_c(const char *s, size_t n, char *buf, size_t size)
{
	size_t	i, o = 0;

	for (i = 0; i < n && o + 5 < size; i++) {
		if ((uint8_t)s[i] >= 0x20 && (uint8_t)s[i] < 0x7f)
			buf[o++] = s[i];
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x",
			    (uint8_t)s[i]);
	}
	buf[o] = '\0';
	return (buf);
}

/* display_unit_is - filtering in (len bytes) gives exactly want. */
static void
display_unit_is(const char *in, size_t len, const char *want)
{
	char	 b1[1024], b2[1024], b3[1024];
	size_t	 n;
	char	*got = display_text(in, len, &n);

	if (n != strlen(want) || memcmp(got, want, n) != 0)
		fail_msg("\"%s\" filtered to \"%s\", wanted \"%s\"",
		    display_unit_c(in, len, b1, sizeof b1),
		    display_unit_c(got, n, b2, sizeof b2),
		    display_unit_c(want, strlen(want), b3, sizeof b3));
	assert_int_equal(got[n], '\0');
	free(got);
}
#define IS(in, want)	display_unit_is((in), sizeof (in) - 1, (want))

/*
 * display_unit_safe - s is valid UTF-8 with no control character but
 * newline and tab: nothing in it a terminal obeys.
 */
static void
display_unit_safe(const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, k, want;
	uint32_t	 c;

	while (i < n) {
		want = p[i] < 0x80 ? 1 : p[i] >= 0xc2 && p[i] < 0xe0 ? 2 :
		    p[i] >= 0xe0 && p[i] < 0xf0 ? 3 :
		    p[i] >= 0xf0 && p[i] < 0xf5 ? 4 : 0;
		if (want == 0 || i + want > n)
			fail_msg("not UTF-8 at %zu (0x%02x)", i, p[i]);
		c = want == 1 ? p[i] : p[i] & (0x7f >> want);
		for (k = 1; k < want; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				fail_msg("not UTF-8 at %zu", i + k);
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if ((c < 0x20 && c != '\n' && c != '\t') ||
		    (c >= 0x7f && c <= 0x9f))
			fail_msg("control U+%04X at %zu", c, i);
		if ((want == 3 && c < 0x800) || (want == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			fail_msg("invalid U+%04X at %zu", c, i);
		i += want;
	}
}

static void
display_csi(void **state)
{
	(void)state;
	IS("\033[2J", "^[[2J");
	IS("a\033[31mred\033[0m", "a^[[31mred^[[0m");
	IS("\033[6n", "^[[6n");		/* would echo an answer as if typed */
}

static void
display_osc(void **state)
{
	(void)state;
	IS("\033]0;pwned\007", "^[]0;pwned^G");
	IS("\033]52;c;cHduZWQ=\033\\", "^[]52;c;cHduZWQ=^[\\");
	IS("\033]0;pwned\007\033[2J", "^[]0;pwned^G^[[2J");
}

static void
display_c1(void **state)
{
	(void)state;
	IS("\x9b" "2J", "\\x9b2J");		/* 8-bit CSI */
	IS("\xc2\x9b" "2J", "\\x9b2J");		/* U+009B in UTF-8 */
	IS("\x9d" "0;t\x9c", "\\x9d0;t\\x9c");	/* 8-bit OSC ... ST */
	IS("\xc2\x80", "\\x80");
	IS("\xc2\x9f", "\\x9f");
	IS("\xc2\xa0", "\xc2\xa0");		/* NBSP is text */
	IS("\x85", "\\x85");
}

static void
display_c0_del_nul(void **state)
{
	(void)state;
	IS("a\0b", "a^@b");
	IS("\x7f", "^?");
	IS("\a\b\r\f\v", "^G^H^M^L^K");
	IS("\x1f", "^_");
	IS("tab\there\nnext line\n", "tab\there\nnext line\n");
	IS("", "");
}

static void
display_invalid_utf8(void **state)
{
	(void)state;
	IS("\xc0\xaf", FFFD);			/* overlong '/' */
	IS("\xe0\x80\xaf", FFFD);		/* overlong '/', 3 bytes */
	IS("\xf0\x80\x80\xaf", FFFD);		/* overlong '/', 4 bytes */
	IS("\xc1\x9b", FFFD);			/* overlong CSI: not \x9b */
	IS("\xe0\x81\x9b", FFFD);
	IS("\xed\xa0\x80", FFFD);		/* U+D800 */
	IS("\xed\xbf\xbf", FFFD);		/* U+DFFF */
	IS("\xf4\x90\x80\x80", FFFD);		/* U+110000 */
	IS("\xf8\x88\x80\x80\x80", FFFD "\\x88\\x80\\x80\\x80");
	IS("\xff\xfe", FFFD FFFD);
	IS("x\xbfy", "x" FFFD "y");		/* stray continuation */
	IS("\xe2\x82", FFFD);			/* cut short at the end */
	IS("\xe2\x82" "A", FFFD "A");		/* cut short by a letter */
	IS("\xe2\x82\033[2J", FFFD "^[[2J");	/* ... by an ESC */
	IS("\xc3\xa9\xe2", "\xc3\xa9" FFFD);
}

static void
display_valid_utf8(void **state)
{
	static const char	 korean[] = "안녕하세요, 세계";
	static const char	 emoji[] = "\xf0\x9f\x98\x80 \xf0\x9f\x91\x8d\xf0"
	    "\x9f\x8f\xbd ok";
	static const char	 edges[] = "\xc2\xa0\xdf\xbf\xe0\xa0\x80\xef"
	    "\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";

	(void)state;
	IS(korean, korean);
	IS(emoji, emoji);
	IS(edges, edges);			/* U+A0, 7FF, 800, FFFF, 10000,
						   10FFFF */
	IS("caf\xc3\xa9", "caf\xc3\xa9");
}

struct display_unit_out {
	char	buf[256];
	size_t	len;
};

static void
display_unit_add(void *arg, const void *p, size_t n)
{
	struct display_unit_out	*o = arg;

	assert_true(o->len + n <= sizeof o->buf);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* display_split - a character cut between two calls comes out whole. */
static void
display_split(void **state)
{
	static const char	*texts[] = {
		"\xea\xb0\x80 Korean \xed\x9e\xa3",
		"emoji \xf0\x9f\x98\x80!",
		"C1 \xc2\x9b in UTF-8",
		"overlong \xe0\x80\xaf",
		"cut \xe2\x82",
		"\033]0;t\007",
	};
	struct display_unit_out	 o;
	struct display_state	 st;
	size_t			 i, cut, len;
	char			*whole, b1[1024], b2[1024];

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		len = strlen(texts[i]);
		whole = display_text(texts[i], len, NULL);
		for (cut = 0; cut <= len; cut++) {
			memset(&o, 0, sizeof o);
			display_init(&st);
			display_filter(&st, (const uint8_t *)texts[i], cut,
			    display_unit_add, &o);
			display_filter(&st, (const uint8_t *)texts[i] + cut,
			    len - cut, display_unit_add, &o);
			display_flush(&st, display_unit_add, &o);
			if (o.len != strlen(whole) ||
			    memcmp(o.buf, whole, o.len) != 0)
				fail_msg("text %zu cut at %zu: \"%s\", "
				    "wanted \"%s\"", i, cut,
				    display_unit_c(o.buf, o.len, b1, sizeof b1),
				    display_unit_c(whole, strlen(whole), b2,
				    sizeof b2));
		}
		free(whole);
	}
	/* Byte by byte, and the held half shows nothing until it ends. */
	memset(&o, 0, sizeof o);
	display_init(&st);
	display_filter(&st, (const uint8_t *)"\xf0\x9f", 2, display_unit_add,
	    &o);
	assert_int_equal(o.len, 0);
	display_filter(&st, (const uint8_t *)"\x98", 1, display_unit_add, &o);
	assert_int_equal(o.len, 0);
	display_filter(&st, (const uint8_t *)"\x80", 1, display_unit_add, &o);
	assert_int_equal(o.len, 4);
	assert_memory_equal(o.buf, "\xf0\x9f\x98\x80", 4);
	/* A cut-short sequence at the end shows once flushed. */
	display_filter(&st, (const uint8_t *)"\xe2", 1, display_unit_add, &o);
	assert_int_equal(o.len, 4);
	display_flush(&st, display_unit_add, &o);
	assert_int_equal(o.len, 7);
	display_flush(&st, display_unit_add, &o);
	assert_int_equal(o.len, 7);
}

#define BIG	(256 * 1024)

/* display_every_byte - no input of 2 bytes, nor random bytes, gets a
 * control or invalid UTF-8 out. */
static void
display_every_byte(void **state)
{
	char		 in[3], *out, *big;
	size_t		 n;
	uint32_t	 seed = 2463534242u;
	int		 a, b;

	(void)state;
	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			out = display_text(in, 2, &n);
			display_unit_safe(out, n);
			free(out);
		}
	}
	/* And random bytes, a lot of them, in one text. */
	big = malloc(BIG);
	assert_non_null(big);
	for (n = 0; n < BIG; n++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		big[n] = (char)seed;
	}
	out = display_text(big, BIG, &n);
	display_unit_safe(out, n);
	free(out);
	free(big);
}

static void
display_field_form(void **state)
{
	char	*s;

	(void)state;
	s = display_field("pts/\033]0;x\007");
	assert_string_equal(s, "pts/^[]0;x^G");
	free(s);
	s = display_field("");
	assert_string_equal(s, "");
	free(s);
	s = display_field("alice");
	assert_string_equal(s, "alice");
	free(s);
}

/* display_cut never cuts inside a UTF-8 character. */
static void
display_cut_boundary(void **state)
{
	(void)state;
	assert_int_equal(display_cut("abc", 3), 3);
	assert_int_equal(display_cut("abc", 2), 2);
	assert_int_equal(display_cut("a\xc3\xa9", 2), 1);	/* é whole */
	assert_int_equal(display_cut("a\xc3\xa9", 3), 3);
	assert_int_equal(display_cut("\xe2\x82\xac\xe2\x82\xac", 4), 3);
	assert_int_equal(display_cut("\xf0\x9f\x98\x80x", 3), 0);
	assert_int_equal(display_cut("", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(display_csi),
		cmocka_unit_test(display_osc),
		cmocka_unit_test(display_c1),
		cmocka_unit_test(display_c0_del_nul),
		cmocka_unit_test(display_invalid_utf8),
		cmocka_unit_test(display_valid_utf8),
		cmocka_unit_test(display_split),
		cmocka_unit_test(display_every_byte),
		cmocka_unit_test(display_field_form),
		cmocka_unit_test(display_cut_boundary),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

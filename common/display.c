/*
 * display.c - the one filter between another user's bytes and a
 * terminal (as write(1) passes every character through one check).
 * Text stays text; what a terminal would obey is shown, not sent.
 *
 * On its way out:
 *   - printable ASCII, newline and tab go as they are;
 *   - the other C0 controls, ESC and DEL are shown in caret form,
 *     as cat -v does: NUL ^@, BEL ^G, CR ^M, ESC ^[, DEL ^?;
 *   - C1 controls, U+0080..U+009F, whether written as UTF-8 (C2 80 ..
 *     C2 9F) or as a raw 8-bit byte (0x80..0x9f outside a valid UTF-8
 *     sequence), are shown as \x and two lowercase hex digits: CSI is
 *     \x9b either way;
 *   - invalid UTF-8 (an overlong form, a surrogate, a code point past
 *     U+10FFFF, a lead byte that cannot start one, a stray continuation
 *     byte 0xa0..0xbf, a sequence cut short) is shown as one U+FFFD per
 *     bad sequence;
 *   - valid UTF-8 above U+009F goes as it is (Korean, emoji, and also
 *     bidi controls and zero-width characters: they reorder or hide
 *     text but cannot make a terminal act).
 * A UTF-8 sequence split across two calls is held in a display_state
 * until the next call ends it, or display_flush gives it up.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "display.h"
#include "xmalloc.h"

static const uint8_t display_fffd[] = { 0xef, 0xbf, 0xbd };

/* display_init - a new text: no sequence held. */
void
display_init(struct display_state *st)
{
	memset(st, 0, sizeof *st);
}

/* display_caret - a C0 control or DEL as ^X. */
static void
display_caret(uint8_t b, display_out_fn *out, void *arg)
{
	char	s[2] = { '^', (char)(b ^ 0x40) };

	out(arg, s, sizeof s);
}

/* display_hex - a C1 control as \xHH. */
static void
display_hex(unsigned int c, display_out_fn *out, void *arg)
{
	char	s[5];

	snprintf(s, sizeof s, "\\x%02x", c & 0xff);
	out(arg, s, 4);
}

/* display_bad - the sequence held is not UTF-8: one U+FFFD for it. */
static void
display_bad(struct display_state *st, display_out_fn *out, void *arg)
{
	out(arg, display_fffd, sizeof display_fffd);
	st->have = st->want = 0;
}

/* display_seq - a whole sequence is held: decode it, show it. */
static void
display_seq(struct display_state *st, display_out_fn *out, void *arg)
{
	static const uint32_t	least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t		c;
	uint8_t			i;

	c = st->seq[0] & (0x7f >> st->want);
	for (i = 1; i < st->want; i++)
		c = c << 6 | (st->seq[i] & 0x3f);
	if (c < least[st->want] || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff)) {
		display_bad(st, out, arg);
		return;
	}
	if (c <= 0x9f)
		display_hex(c, out, arg);
	else
		out(arg, st->seq, st->want);
	st->have = st->want = 0;
}

/*
 * display_filter - pass len bytes of another user's text to out, in
 * the forms above.  Runs of harmless bytes go out in one call.
 */
void
display_filter(struct display_state *st, const uint8_t *in, size_t len,
    display_out_fn *out, void *arg)
{
	size_t	i, run = 0;	/* in[run..i) go as they are */
	uint8_t	b;

	for (i = 0; i < len; i++) {
		b = in[i];
		if (st->want != 0) {
			if ((b & 0xc0) == 0x80) {
				st->seq[st->have++] = b;
				if (st->have == st->want)
					display_seq(st, out, arg);
				run = i + 1;
				continue;
			}
			display_bad(st, out, arg);	/* cut short */
		}
		if ((b >= 0x20 && b < 0x7f) || b == '\n' || b == '\t')
			continue;
		if (i > run)
			out(arg, in + run, i - run);
		run = i + 1;
		if (b < 0x20 || b == 0x7f)
			display_caret(b, out, arg);
		else if (b < 0xa0)
			display_hex(b, out, arg);	/* 8-bit C1 */
		else if (b < 0xc0 || b >= 0xf8)
			out(arg, display_fffd, sizeof display_fffd);
		else {
			st->want = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
			st->seq[0] = b;
			st->have = 1;
		}
	}
	if (len > run)
		out(arg, in + run, len - run);
}

/* display_flush - the text ended: a sequence still held was cut short. */
void
display_flush(struct display_state *st, display_out_fn *out, void *arg)
{
	if (st->want != 0)
		display_bad(st, out, arg);
}

struct display_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

/* display_buf_add - display_text's output: append to a growing buffer. */
static void
display_buf_add(void *arg, const void *p, size_t n)
{
	struct display_buf	*b = arg;

	if (b->len + n + 1 > b->size) {
		while (b->len + n + 1 > b->size)
			b->size = b->size * 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * display_text - len bytes of another user's text, whole, filtered into
 * a new NUL-terminated buffer; its length goes to *outlen (if not NULL).
 */
char *
display_text(const void *in, size_t len, size_t *outlen)
{
	struct display_state	st;
	struct display_buf	b;

	b.size = len + 16;
	b.p = xmalloc(b.size);
	b.p[0] = '\0';
	b.len = 0;
	display_init(&st);
	display_filter(&st, in, len, display_buf_add, &b);
	display_flush(&st, display_buf_add, &b);
	if (outlen != NULL)
		*outlen = b.len;
	return (b.p);
}

/* display_field - a NUL-terminated field (a name, a tty), filtered. */
char *
display_field(const char *s)
{
	return (display_text(s, strlen(s), NULL));
}

/*
 * display_is_terminal - whether what is written to fd reaches a
 * terminal, which is when it must go through the filter.
 */
int
display_is_terminal(int fd)
{
	return (isatty(fd));
}

/*
 * display_cut - how many bytes of s to keep so that it has at most max
 * and is not cut inside a UTF-8 character: the cut backs off over
 * continuation bytes to the lead byte of the character it would split.
 */
size_t
display_cut(const char *s, size_t max)
{
	size_t	len = strlen(s);

	if (len <= max)
		return (len);
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return (len);
}

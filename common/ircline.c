/*
 * ircline.c - IRC lines, pure.  The reader cuts what a client writes
 * into lines and drops one too long to be IRC (a 100 KB line costs a
 * buffer, not memory); the parser splits one line into tags, prefix,
 * command and parameters; the formatter writes one line of at most 512
 * bytes besides its tags, with no CR, LF or NUL inside; ircline_piece
 * cuts a long text at its newlines and UTF-8 boundaries into pieces a
 * PRIVMSG can carry.  server/irc.c uses them; tests/unit/ircline_unit.c
 * and tests/fuzz/fuzz_irc.c test them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ircline.h"

/* ircline_reader_init - an empty reader. */
void
ircline_reader_init(struct ircline_reader *r)
{
	memset(r, 0, sizeof *r);
}

/*
 * ircline_reader_feed - take bytes from p; how many were taken (fewer
 * than n when the buffer is full of whole lines: take them out with
 * ircline_reader_next, then feed the rest).
 */
size_t
ircline_reader_feed(struct ircline_reader *r, const char *p, size_t n)
{
	const char	*lf;
	size_t		 room, take;

	if (r->discard) {
		if ((lf = memchr(p, '\n', n)) == NULL)
			return (n);
		r->discard = 0;
		return ((size_t)(lf - p) + 1);
	}
	room = IRCLINE_IN_MAX - r->len;
	take = n < room ? n : room;
	memcpy(r->buf + r->len, p, take);
	r->len += take;
	if (r->len == IRCLINE_IN_MAX && memchr(r->buf, '\n', r->len) == NULL) {
		/* One line fills the buffer: it is dropped to its end. */
		r->len = 0;
		r->discard = 1;
		r->toolong++;
	}
	return (take);
}

/*
 * ircline_reader_next - the next whole line into out (IRCLINE_IN_MAX + 1
 * bytes), without its CR LF: IRCLINE_LINE, IRCLINE_LONG once for each
 * over-long line dropped, or IRCLINE_NONE.
 */
int
ircline_reader_next(struct ircline_reader *r, char *out, size_t *outlen)
{
	char	*lf;
	size_t	 n;

	if (r->toolong > 0 && r->len == 0) {
		r->toolong--;
		return (IRCLINE_LONG);
	}
	if ((lf = memchr(r->buf, '\n', r->len)) == NULL) {
		if (r->toolong > 0) {
			r->toolong--;
			return (IRCLINE_LONG);
		}
		return (IRCLINE_NONE);
	}
	n = (size_t)(lf - r->buf);
	memcpy(out, r->buf, n);
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	*outlen = n;
	r->len -= (size_t)(lf - r->buf) + 1;
	memmove(r->buf, lf + 1, r->len);
	return (IRCLINE_LINE);
}

/* ircline_token - the word at *p, NUL-terminated; *p past its spaces. */
static char *
ircline_token(char **p)
{
	char	*t = *p, *sp;

	if ((sp = strchr(t, ' ')) == NULL) {
		*p = t + strlen(t);
		return (t);
	}
	*sp++ = '\0';
	while (*sp == ' ')
		sp++;
	*p = sp;
	return (t);
}

/*
 * ircline_parse - split one line (no CR LF) into l: 0, -1 if it is no
 * IRC line (empty, a NUL inside, no command), -2 if it is too long
 * (tags over 8191 bytes or the rest over 510).
 */
int
ircline_parse(struct ircline *l, const char *line, size_t len)
{
	char	*p, *c;

	memset(l, 0, offsetof(struct ircline, buf));
	if (len == 0 || len > IRCLINE_IN_MAX || memchr(line, '\0', len) != NULL)
		return (-1);
	memcpy(l->buf, line, len);
	l->buf[len] = '\0';
	p = l->buf;
	if (*p == '@') {
		l->tags = ircline_token(&p) + 1;
		if ((size_t)(p - l->buf) > IRCLINE_TAGS_MAX)
			return (-2);
	}
	while (*p == ' ')
		p++;
	if (strlen(p) > IRCLINE_MAX - 2)
		return (-2);
	if (*p == ':')
		l->prefix = ircline_token(&p) + 1;
	if (*p == '\0')
		return (-1);
	l->cmd = ircline_token(&p);
	for (c = l->cmd; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
		else if (!(*c >= 'A' && *c <= 'Z') && !(*c >= '0' &&
		    *c <= '9'))
			return (-1);
	}
	while (*p != '\0' && l->nparams < IRCLINE_PARAMS_MAX) {
		if (*p == ':' || l->nparams == IRCLINE_PARAMS_MAX - 1) {
			l->params[l->nparams++] = *p == ':' ? p + 1 : p;
			break;
		}
		l->params[l->nparams++] = ircline_token(&p);
	}
	return (0);
}

/* ircline_utf8_back - n cut back so it does not split a UTF-8 char. */
static size_t
ircline_utf8_back(const char *s, size_t n, size_t len)
{
	size_t	m = n;

	while (m > 0 && m < len && ((uint8_t)s[m] & 0xc0) == 0x80)
		m--;
	return (m > 0 ? m : n);
}

/* ircline_put - append s (at most n bytes) keeping one line. */
static void
ircline_put(char *out, size_t *len, size_t max, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && s[i] != '\0' && *len < max; i++)
		out[(*len)++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
}

/*
 * ircline_format - one line into out: "@tags :prefix CMD p... :trailing"
 * and CR LF, at most IRCLINE_MAX bytes after the tags; a trailing that
 * would pass them is cut at a character boundary (callers cut texts
 * with ircline_piece first, so only server texts are).  Its length, or
 * 0 if out is too small.
 */
size_t
ircline_format(char *out, size_t size, const char *tags, const char *prefix,
    const char *cmd, const char *const *params, size_t nparams,
    const char *trailing)
{
	size_t	len = 0, start, max, i, n;

	if (size < IRCLINE_TAGS_MAX + IRCLINE_MAX + 1)
		return (0);
	if (tags != NULL && *tags != '\0') {
		out[len++] = '@';
		ircline_put(out, &len, IRCLINE_TAGS_MAX - 1, tags,
		    strlen(tags));
		out[len++] = ' ';
	}
	start = len;
	max = start + IRCLINE_MAX - 2;
	if (prefix != NULL) {
		out[len++] = ':';
		ircline_put(out, &len, max, prefix, strlen(prefix));
		out[len++] = ' ';
	}
	ircline_put(out, &len, max, cmd, strlen(cmd));
	for (i = 0; i < nparams; i++) {
		if (len < max)
			out[len++] = ' ';
		ircline_put(out, &len, max, params[i], strlen(params[i]));
	}
	if (trailing != NULL && len + 2 < max) {
		out[len++] = ' ';
		out[len++] = ':';
		n = strlen(trailing);
		if (n > max - len)
			n = ircline_utf8_back(trailing, max - len, n);
		ircline_put(out, &len, max, trailing, n);
	}
	out[len++] = '\r';
	out[len++] = '\n';
	out[len] = '\0';
	return (len);
}

/*
 * ircline_piece - the first piece of text (len bytes) for one line: up
 * to its first newline, and at most max bytes, cut at a space near the
 * end if there is one, else at a UTF-8 boundary.  Its length; *used
 * says how much of text it stands for (a newline ends a piece and is
 * used up).  A piece may be empty (an empty line).
 */
size_t
ircline_piece(const char *text, size_t len, size_t max, size_t *used)
{
	const char	*nl = memchr(text, '\n', len);
	size_t		 n = nl != NULL ? (size_t)(nl - text) : len, cut, i;

	if (max == 0)
		max = 1;
	if (n <= max) {
		*used = n + (nl != NULL);
		if (n > 0 && text[n - 1] == '\r')
			n--;
		return (n);
	}
	cut = ircline_utf8_back(text, max, len);
	for (i = cut; i > cut - cut / 4; i--)
		if (text[i - 1] == ' ') {
			cut = i;
			break;
		}
	*used = cut;
	return (cut);
}

/* ircline_utf8_len - bytes of the valid UTF-8 character at p, 0 if none. */
static size_t
ircline_utf8_len(const uint8_t *p, size_t n)
{
	size_t		need, i;
	uint32_t	c;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, c = p[0] & 0x07;
	else
		return (0);
	if (n < need)
		return (0);
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((need == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (need == 4 && (c < 0x10000 || c > 0x10ffff)))
		return (0);
	return (need);
}

/*
 * ircline_clean - text from an IRC client made fit for ipcmail: every
 * byte of invalid UTF-8 becomes '?', control bytes (IRC's colours and
 * bold, CTCP's \1) are dropped, tabs and newlines kept (ircline_piece
 * cuts at newlines).  out holds len bytes; the length written.
 */
size_t
ircline_clean(char *out, const uint8_t *in, size_t len)
{
	size_t	i = 0, o = 0, n;

	while (i < len) {
		if ((n = ircline_utf8_len(in + i, len - i)) == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		if (n == 1 && ((in[i] < 0x20 && in[i] != '\t' && in[i] != '\n') ||
		    in[i] == 0x7f)) {
			i++;
			continue;
		}
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	return (o);
}

/* ircline_nick_equal - CASEMAPPING=ascii comparison. */
int
ircline_nick_equal(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char	x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char	y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return (0);
	}
	return (*a == *b);
}

/* ircline_lower - s in lower case, ASCII only. */
void
ircline_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

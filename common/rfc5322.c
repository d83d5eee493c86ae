/*
 * rfc5322.c - internet messages in and out.  rfc5322_parse reads the
 * header section of a message an MTA delivers (folded lines, any case,
 * the first of each field) and refuses what is not a message;
 * rfc5322_build writes one for sendmail(8), every header value on one
 * line, non-ASCII text as RFC 2047 encoded words.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rfc5322.h"
#include "xmalloc.h"

/*
 * rfc5322_normalize - in place: drop a leading mbox "From " line and
 * turn CRLF line ends into LF.  The new length.
 */
size_t
rfc5322_normalize(uint8_t *p, size_t n)
{
	size_t	i = 0, o = 0;

	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		while (i < n && p[i] != '\n')
			i++;
		if (i < n)
			i++;
	}
	for (; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		p[o++] = p[i];
	}
	return (o);
}

/* rfc5322_field_name - length of a field name ending in ':' at p, or 0. */
static size_t
rfc5322_field_name(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && p[i] != ':'; i++)
		if (p[i] <= 32 || p[i] >= 127)
			return (0);
	return (i < n && i > 0 ? i : 0);
}

/* rfc5322_keep - the first value of a field ipcmail reads. */
static void
rfc5322_keep(struct rfc5322 *m, const char *name, size_t namelen,
    const uint8_t *val, size_t vallen)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} want[] = {
		{ "from", offsetof(struct rfc5322, from) },
		{ "reply-to", offsetof(struct rfc5322, reply_to) },
		{ "subject", offsetof(struct rfc5322, subject) },
		{ "date", offsetof(struct rfc5322, date) },
		{ "message-id", offsetof(struct rfc5322, message_id) },
	};
	char	**slot, *v;
	size_t	  i, o, k;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (strlen(want[i].name) != namelen ||
		    strncasecmp(want[i].name, name, namelen) != 0)
			continue;
		slot = (char **)((char *)m + want[i].off);
		if (*slot != NULL)
			return;
		/* Unfold: a line break before whitespace goes. */
		v = xmalloc(vallen + 1);
		for (k = o = 0; k < vallen; k++)
			if (val[k] != '\n')
				v[o++] = (char)val[k];
		v[o] = '\0';
		while (o > 0 && (v[o - 1] == ' ' || v[o - 1] == '\t'))
			v[--o] = '\0';
		for (k = 0; v[k] == ' ' || v[k] == '\t'; k++)
			;
		memmove(v, v + k, o - k + 1);
		*slot = v;
		return;
	}
}

/*
 * rfc5322_parse - read the header section of the n bytes at p (LF line
 * ends: rfc5322_normalize first).  0, or -1 with cause when p is not a
 * message: a NUL byte, no header, a line that is no header field, a
 * line over RFC5322_LINE_MAX, a header section over RFC5322_HEAD_MAX.
 */
int
rfc5322_parse(const uint8_t *p, size_t n, struct rfc5322 *m, char **cause)
{
	const uint8_t	*nl, *fstart = NULL;
	size_t		 i = 0, len, fname = 0, lineno = 0;

	memset(m, 0, sizeof *m);
	if (n == 0) {
		*cause = xstrdup("empty message");
		return (-1);
	}
	if (memchr(p, '\0', n) != NULL) {
		*cause = xstrdup("the message holds a NUL byte");
		goto fail;
	}
	for (;;) {
		if (i >= RFC5322_HEAD_MAX) {
			xasprintf(cause, "the header section does not end "
			    "within %d bytes", RFC5322_HEAD_MAX);
			goto fail;
		}
		if (i == n || p[i] == '\n') {		/* end of headers */
			if (fstart != NULL)
				rfc5322_keep(m, (const char *)fstart, fname,
				    fstart + fname + 1, (size_t)(p + i -
				    (fstart + fname + 1)));
			m->body_off = i < n ? i + 1 : n;
			break;
		}
		lineno++;
		nl = memchr(p + i, '\n', n - i);
		len = (nl != NULL ? (size_t)(nl - p) : n) - i;
		if (len > RFC5322_LINE_MAX) {
			xasprintf(cause, "header line %zu is longer than %d "
			    "bytes", lineno, RFC5322_LINE_MAX);
			goto fail;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			if (fstart == NULL) {
				xasprintf(cause, "not an internet message "
				    "(line 1 is a continuation)");
				goto fail;
			}
		} else {
			if (fstart != NULL)
				rfc5322_keep(m, (const char *)fstart, fname,
				    fstart + fname + 1, (size_t)(p + i -
				    (fstart + fname + 1)));
			if ((fname = rfc5322_field_name(p + i, len)) == 0) {
				xasprintf(cause, "not an internet message "
				    "(line %zu is not a header field)",
				    lineno);
				goto fail;
			}
			fstart = p + i;
		}
		i += len + (nl != NULL);
		if (nl == NULL) {			/* no body at all */
			rfc5322_keep(m, (const char *)fstart, fname,
			    fstart + fname + 1, (size_t)(p + n - (fstart +
			    fname + 1)));
			m->body_off = n;
			fstart = NULL;
			break;
		}
	}
	return (0);
fail:
	rfc5322_free(m);
	return (-1);
}

void
rfc5322_free(struct rfc5322 *m)
{
	free(m->from);
	free(m->reply_to);
	free(m->subject);
	free(m->date);
	free(m->message_id);
	memset(m, 0, sizeof *m);
}

/*
 * rfc5322_body_offset - where the body of a stored message starts: past
 * the first empty line (n when there is none).
 */
size_t
rfc5322_body_offset(const uint8_t *p, size_t n)
{
	size_t	i;

	if (n > 0 && p[0] == '\n')
		return (1);
	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && p[i + 1] == '\n')
			return (i + 2);
	return (n);
}

/*
 * rfc5322_addr_spec - the address of a From: or Reply-To: value ("Name
 * <a@b>", "a@b (Name)", "a@b"): the first mailbox's.  0, or -1 when it
 * has none that looks like local@domain.
 */
int
rfc5322_addr_spec(const char *v, char *out, size_t size)
{
	const char	*s, *e, *lt;
	size_t		 n, i;

	if ((lt = strchr(v, '<')) != NULL && (e = strchr(lt, '>')) != NULL) {
		s = lt + 1;
	} else {
		for (s = v; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != ',' && *e != '('; e++)
			;
	}
	n = (size_t)(e - s);
	if (n == 0 || n >= size)
		return (-1);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 ||
		    strchr("<>()[],;:\\\"", s[i]) != NULL)
			return (-1);
	memcpy(out, s, n);
	out[n] = '\0';
	if ((s = strchr(out, '@')) == NULL || s == out || s[1] == '\0' ||
	    strchr(s + 1, '@') != NULL || out[0] == '-')
		return (-1);
	return (0);
}

/* rfc5322_date - t as an RFC 5322 date, in the C locale's words. */
void
rfc5322_date(time_t t, char *buf, size_t size)
{
	static const char	*day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char	*mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	long			 off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    labs(off) / 60, labs(off) % 60);
}

/* rfc5322_utf8_len - bytes of the UTF-8 sequence led by c (1 if bad). */
static size_t
rfc5322_utf8_len(unsigned char c)
{
	return (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1);
}

/*
 * rfc5322_encode - s as a header value: as it is when it is printable
 * ASCII, else as RFC 2047 "B" encoded words of UTF-8, each at most 75
 * characters, folded onto new lines; never a character split between
 * two words.  indent: what comes before on the first line.  Allocated.
 */
char *
rfc5322_encode(const char *s, size_t indent)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = strlen(s), i, k, take, cap, o = 0;
	unsigned		 v;
	char			*out;
	int			 ascii = 1;

	for (i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] >= 0x7f)
			ascii = 0;
	/* "=?" and "?=" at the start of a word must be encoded too. */
	if (ascii && strstr(s, "=?") == NULL)
		return (xstrdup(s));
	cap = n * 3 + 64;
	out = xmalloc(cap);
	(void)indent;
	for (i = 0; i < n; i += take) {
		/* 12 bytes make 16 characters of base64: "=?UTF-8?B?" and
		 * "?=" are 12 more, 28 in all, well under 75. */
		for (take = 0; i + take < n;) {
			k = rfc5322_utf8_len(u[i + take]);
			if (i + take + k > n)
				k = n - i - take;
			if (take + k > 36)
				break;
			take += k;
		}
		if (take == 0)
			take = 1;
		if (o > 0) {
			memcpy(out + o, "\n ", 2);
			o += 2;
		}
		memcpy(out + o, "=?UTF-8?B?", 10);
		o += 10;
		for (k = 0; k < take; k += 3) {
			v = (unsigned)u[i + k] << 16;
			if (k + 1 < take)
				v |= (unsigned)u[i + k + 1] << 8;
			if (k + 2 < take)
				v |= u[i + k + 2];
			out[o++] = b64[(v >> 18) & 63];
			out[o++] = b64[(v >> 12) & 63];
			out[o++] = k + 1 < take ? b64[(v >> 6) & 63] : '=';
			out[o++] = k + 2 < take ? b64[v & 63] : '=';
		}
		memcpy(out + o, "?=", 2);
		o += 2;
	}
	out[o] = '\0';
	return (out);
}

/* rfc5322_b64 - the value of a base64 character, or -1. */
static int
rfc5322_b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* rfc5322_hex - the value of a hex digit, or -1. */
static int
rfc5322_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	return (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
}

/*
 * rfc5322_word - decode one encoded word "=?cs?X?text?=" at s into out
 * (Latin-1 made UTF-8); its length in s, or 0 when s is none.
 */
static size_t
rfc5322_word(const char *s, char *out, size_t size, size_t *o)
{
	const char	*cs, *q1, *q2, *end, *t;
	unsigned	 acc = 0;
	int		 latin1, b, bits = 0, c, h, l;

	if (strncmp(s, "=?", 2) != 0)
		return (0);
	cs = s + 2;
	if ((q1 = strchr(cs, '?')) == NULL || q1[1] == '\0' || q1[2] != '?')
		return (0);
	b = toupper((unsigned char)q1[1]);
	if (b != 'B' && b != 'Q')
		return (0);
	q2 = q1 + 3;
	if ((end = strstr(q2, "?=")) == NULL)
		return (0);
	for (t = cs; t < end; t++)
		if (*t == ' ' || *t == '\t')
			return (0);
	latin1 = (q1 - cs == 10 && strncasecmp(cs, "iso-8859-1", 10) == 0) ||
	    (q1 - cs == 8 && strncasecmp(cs, "us-ascii", 8) == 0);
	for (t = q2; t < end; t++) {
		c = -1;
		if (b == 'B') {
			if ((h = rfc5322_b64((unsigned char)*t)) < 0)
				continue;
			acc = ((acc << 6) | (unsigned)h) & 0xffffff;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				c = (int)((acc >> bits) & 0xff);
			}
		} else if (*t == '_')
			c = ' ';
		else if (*t == '=' && t + 2 < end &&
		    (h = rfc5322_hex((unsigned char)t[1])) >= 0 &&
		    (l = rfc5322_hex((unsigned char)t[2])) >= 0) {
			c = h * 16 + l;
			t += 2;
		} else
			c = (unsigned char)*t;
		if (c < 0)
			continue;
		if (latin1 && c >= 0x80) {
			if (*o + 2 < size) {
				out[(*o)++] = (char)(0xc0 | (c >> 6));
				out[(*o)++] = (char)(0x80 | (c & 0x3f));
			}
		} else if (*o + 1 < size)
			out[(*o)++] = (char)c;
	}
	return ((size_t)(end + 2 - s));
}

/*
 * rfc5322_decode - a header value with its encoded words decoded (the
 * blanks between two of them dropped), into out of size bytes.  What
 * it holds may be any bytes: it is for mail_clean_field and, on a
 * terminal, the display filter.
 */
void
rfc5322_decode(const char *s, char *out, size_t size)
{
	size_t	o = 0, w, k;
	int	after_word = 0;

	while (*s != '\0') {
		if ((w = rfc5322_word(s, out, size, &o)) > 0) {
			s += w;
			after_word = 1;
			continue;
		}
		if (after_word && strchr(" \t\r\n", *s) != NULL) {
			for (k = 0; s[k] != '\0' && strchr(" \t\r\n", s[k]) !=
			    NULL; k++)
				;
			if (strncmp(s + k, "=?", 2) == 0 &&
			    rfc5322_word(s + k, out, 0, &(size_t){ 0 }) > 0) {
				s += k;
				continue;
			}
		}
		after_word = 0;
		if (o + 1 < size)
			out[o++] = *s;
		s++;
	}
	out[o] = '\0';
}

/* rfc5322_header - one "Name: value\n" line onto *p (clean value). */
static void
rfc5322_header(char **p, size_t *len, size_t *cap, const char *name,
    const char *value)
{
	size_t	need = strlen(name) + strlen(value) + 4;

	while (*len + need >= *cap)
		*p = xreallocarray(*p, *cap *= 2, 1);
	*len += (size_t)snprintf(*p + *len, *cap - *len, "%s: %s\n", name,
	    value);
}

/*
 * rfc5322_build - a complete message (LF line ends, as sendmail -oi
 * takes it) in *out, allocated; its length.  Control bytes in the
 * subject became spaces before (mail_clean_field): no value here can
 * end its line early.
 */
size_t
rfc5322_build(const struct rfc5322_out *o, char **out)
{
	size_t	 cap = 1024 + o->bodylen, len = 0;
	char	*p = xmalloc(cap), date[64], *subj, *mid;

	rfc5322_date(o->date, date, sizeof date);
	rfc5322_header(&p, &len, &cap, "From", o->from);
	rfc5322_header(&p, &len, &cap, "To", o->to);
	if (o->subject != NULL && o->subject[0] != '\0') {
		subj = rfc5322_encode(o->subject, 9);
		rfc5322_header(&p, &len, &cap, "Subject", subj);
		free(subj);
	}
	rfc5322_header(&p, &len, &cap, "Date", date);
	xasprintf(&mid, "<%s>", o->message_id);
	rfc5322_header(&p, &len, &cap, "Message-ID", mid);
	free(mid);
	if (o->in_reply_to != NULL && o->in_reply_to[0] != '\0') {
		rfc5322_header(&p, &len, &cap, "In-Reply-To", o->in_reply_to);
		rfc5322_header(&p, &len, &cap, "References", o->in_reply_to);
	}
	rfc5322_header(&p, &len, &cap, "MIME-Version", "1.0");
	rfc5322_header(&p, &len, &cap, "Content-Type",
	    "text/plain; charset=UTF-8");
	rfc5322_header(&p, &len, &cap, "Content-Transfer-Encoding", "8bit");
	while (len + o->bodylen + 3 >= cap)
		p = xreallocarray(p, cap *= 2, 1);
	p[len++] = '\n';
	memcpy(p + len, o->body, o->bodylen);
	len += o->bodylen;
	if (o->bodylen == 0 || o->body[o->bodylen - 1] != '\n')
		p[len++] = '\n';
	p[len] = '\0';
	*out = p;
	return (len);
}

/* rfc5322_domain_valid - 0 if s looks like a domain name (a.b, a-b). */
int
rfc5322_domain_valid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.')
		return (-1);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return (-1);
	return (strstr(s, "..") != NULL ? -1 : 0);
}

/*
 * rfc5322_mail_domain - the host's mail name: the first line of
 * /etc/mailname (Debian's), else the host name; "localhost" when
 * neither is a domain name.
 */
void
rfc5322_mail_domain(char *buf, size_t size)
{
	FILE	*f;
	char	 line[256];

	buf[0] = '\0';
	if ((f = fopen("/etc/mailname", "re")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, " \t\r\n")] = '\0';
			if (rfc5322_domain_valid(line) == 0 &&
			    strlen(line) < size)
				strcpy(buf, line);
		}
		fclose(f);
	}
	if (buf[0] == '\0' && gethostname(line, sizeof line) == 0) {
		line[sizeof line - 1] = '\0';
		if (rfc5322_domain_valid(line) == 0 && strlen(line) < size)
			strcpy(buf, line);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "localhost");
}

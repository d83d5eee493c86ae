/*
 * mail.c - message ids (random UUIDs), first lines for listings, the
 * meta block (subject, outside sender) at a body's head, and the codec
 * of stored parts.  mail_part_decode is the one parser of what comes
 * back out of the kernel store: it trusts nothing it reads.
 */
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "io.h"
#include "mail.h"
#include "name.h"
#include "record.h"
#include "rfc5322.h"
#include "xmalloc.h"

/*
 * mail_new_id - a fresh random id: a version 4 UUID, as libuuid makes,
 * from one getrandom(2).  (uuid_generate also seeds random(3) with
 * getpid, getppid, getuid and gettid on every call: five system calls
 * a message.)
 */
void
mail_new_id(uint8_t *id)
{
	if (io_random(id, MAIL_ID_LEN) != 0) {
		uuid_generate(id);	/* no kernel randomness: libuuid's */
		return;
	}
	id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);	/* version 4 */
	id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
}

/* mail_id_str - text form, 36 characters and a NUL. */
void
mail_id_str(const uint8_t *id, char *out)
{
	uuid_unparse_lower(id, out);
}

/* mail_id_parse - 0 if s is a uuid. */
int
mail_id_parse(const char *s, uint8_t *id)
{
	return (uuid_parse(s, id));
}

/*
 * mail_first_line - the first non-empty line of body, cut to fit out,
 * with control bytes replaced so a listing stays one line.
 */
void
mail_first_line(const uint8_t *body, size_t len, char *out, size_t size)
{
	size_t	i = 0, o = 0;

	while (i < len && (body[i] == '\n' || body[i] == '\r'))
		i++;
	for (; i < len && body[i] != '\n' && o + 1 < size; i++) {
		if (body[i] == '\r')
			continue;
		out[o++] = (body[i] < 0x20 || body[i] == 0x7f) ? ' ' :
		    (char)body[i];
	}
	/* Do not leave half a UTF-8 sequence at a cut. */
	if (i < len && body[i] != '\n' && o > 0) {
		size_t	k = o, want;
		uint8_t	lead;

		while (k > 0 && ((uint8_t)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0) {
			lead = (uint8_t)out[k - 1];
			want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 :
			    lead >= 0xc0 ? 2 : 1;
			if (o - (k - 1) < want)
				o = k - 1;
		}
	}
	/* Fill the rest: the field goes on the wire whole. */
	memset(out + o, 0, size - o);
}

void
mail_free(struct mail *m)
{
	free(m->body);
	m->body = NULL;
}

/*
 * mail_clean_field - make s (of at most size - 1 bytes kept) fit a meta
 * field: control bytes become spaces (a newline in a subject never
 * starts a header anywhere it is written), a cut never halves a UTF-8
 * sequence, and surrounding blanks go.
 */
void
mail_clean_field(char *s, size_t size)
{
	size_t	n, i, k;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	n = i;
	if (n > size - 1) {
		n = size - 1;
		k = n;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		n = k;		/* s[n] starts a sequence: cut before it */
		s[n] = '\0';
	}
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	for (i = 0; s[i] == ' '; i++)
		;
	memmove(s, s + i, n - i + 1);
}

/* mail_meta_field_ok - n bytes a meta field may hold. */
static int
mail_meta_field_ok(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return (0);
	return (1);
}

/*
 * mail_meta_encode - the meta block for flags, subject and addr (NULL
 * or "" for none) in out[MAIL_META_MAX]; its length, 0 when there is
 * nothing to say.  The fields must be clean (mail_clean_field).
 */
size_t
mail_meta_encode(uint8_t *out, unsigned flags, const char *subject,
    const char *addr)
{
	size_t	sl = subject != NULL ? strlen(subject) : 0;
	size_t	al = addr != NULL ? strlen(addr) : 0;

	if (flags == 0 && sl == 0 && al == 0)
		return (0);
	if (sl > MAIL_SUBJECT_MAX)
		sl = MAIL_SUBJECT_MAX;
	if (al > MAIL_ADDR_MAX)
		al = MAIL_ADDR_MAX;
	out[0] = MAIL_META_VERSION;
	out[1] = (uint8_t)flags;
	out[2] = (uint8_t)sl;
	out[3] = (uint8_t)al;
	if (sl > 0)		/* memcpy from NULL is undefined, even of 0 */
		memcpy(out + 4, subject, sl);
	if (al > 0)
		memcpy(out + 4 + sl, addr, al);
	return (4 + sl + al);
}

/* mail_meta_decode - check and read a meta block of n bytes: 0 or -1. */
int
mail_meta_decode(const uint8_t *p, size_t n, struct mail_meta *mm)
{
	memset(mm, 0, sizeof *mm);
	if (n == 0)
		return (0);
	if (n < 4 || p[0] != MAIL_META_VERSION ||
	    (p[1] & ~MAIL_META_RFC5322) != 0 || (size_t)4 + p[2] + p[3] != n)
		return (-1);
	if (!mail_meta_field_ok(p + 4, p[2]) ||
	    !mail_meta_field_ok(p + 4 + p[2], p[3]))
		return (-1);
	if (p[3] > 0 && memchr(p + 4 + p[2], '@', p[3]) == NULL)
		return (-1);
	mm->flags = p[1];
	memcpy(mm->subject, p + 4, p[2]);
	memcpy(mm->addr, p + 4 + p[2], p[3]);
	return (0);
}

/* mail_meta - m's meta block, read: 0, or -1 for a broken one. */
int
mail_meta(const struct mail *m, struct mail_meta *mm)
{
	if (m->metalen > m->len || m->metalen > MAIL_META_MAX) {
		memset(mm, 0, sizeof *mm);
		return (-1);
	}
	return (mail_meta_decode(m->body, m->metalen, mm));
}

/*
 * mail_set_meta - put a meta block before m's body (which has no meta
 * yet; len is its text).  0, or -1 when the fields are not clean.
 */
int
mail_set_meta(struct mail *m, unsigned flags, const char *subject,
    const char *addr)
{
	uint8_t			 meta[MAIL_META_MAX];
	struct mail_meta	 mm;
	size_t			 n;
	uint8_t			*b;

	n = mail_meta_encode(meta, flags, subject, addr);
	if (mail_meta_decode(meta, n, &mm) != 0)
		return (-1);
	if (n == 0)
		return (0);
	b = xmalloc(n + m->len + 1);
	memcpy(b, meta, n);
	memcpy(b + n, m->body, m->len);
	b[n + m->len] = '\0';
	free(m->body);
	m->body = b;
	m->len += (uint32_t)n;
	m->metalen = (uint32_t)n;
	return (0);
}

/* mail_text - m's text after its meta block, and its length. */
const uint8_t *
mail_text(const struct mail *m, size_t *len)
{
	uint32_t	skip = m->metalen <= m->len ? m->metalen : m->len;

	*len = m->len - skip;
	return (m->body + skip);
}

/*
 * mail_summary - what a listing shows of a body whose first n bytes
 * are at p (metalen of them its meta block): the first line of its
 * text (of an internet message's body, past its headers), its subject
 * and its outside sender address, each cut to its field.
 */
void
mail_summary(const uint8_t *p, size_t n, size_t metalen, char *first,
    size_t firstsize, char *subject, size_t subjectsize, char *addr,
    size_t addrsize)
{
	struct mail_meta	mm;
	size_t			skip = 0;

	if (metalen > n || mail_meta_decode(p, metalen, &mm) != 0) {
		memset(&mm, 0, sizeof mm);
		metalen = metalen > n ? n : metalen;
	}
	p += metalen;
	n -= metalen;
	if (mm.flags & MAIL_META_RFC5322)
		skip = rfc5322_body_offset(p, n);
	mail_first_line(p + skip, n - skip, first, firstsize);
	memset(subject, 0, subjectsize);
	memset(addr, 0, addrsize);
	strncpy(subject, mm.subject, subjectsize - 1);
	mail_clean_field(subject, subjectsize);
	strncpy(addr, mm.addr, addrsize - 1);
	mail_clean_field(addr, addrsize);
}

/* mail_part_count - parts a body of len bytes needs. */
uint16_t
mail_part_count(uint32_t len)
{
	if (len == 0)
		return (1);
	return ((uint16_t)((len + PART_DATA_MAX - 1) / PART_DATA_MAX));
}

/* mail_part_sum - a part's checksum, as its version takes it. */
static uint32_t
mail_part_sum(const struct part_hdr *h, const uint8_t *data)
{
	struct part_hdr	copy = *h;

	copy.sum = 0;
	if (h->version == 1)	/* stored by ipcmail before 2026-11-25 */
		return (record_sum(data, h->datalen,
		    record_sum(&copy, sizeof copy, RECORD_SUM_SEED)));
	return (record_fold(record_sum64(data, h->datalen,
	    record_sum64(&copy, sizeof copy, RECORD_SUM64_SEED))));
}

/* mail_part_encode - write part number idx of m into buf[PART_MAX]. */
size_t
mail_part_encode(const struct mail *m, uint16_t idx, uint8_t *buf)
{
	struct part_hdr	h;
	uint32_t	off = (uint32_t)idx * PART_DATA_MAX;

	memset(&h, 0, sizeof h);
	h.magic = PART_MAGIC;
	h.version = PART_VERSION;
	h.part = idx;
	h.nparts = mail_part_count(m->len);
	h.len = m->len;
	h.offset = off;
	h.datalen = m->len - off < PART_DATA_MAX ? m->len - off :
	    (uint32_t)PART_DATA_MAX;
	h.date = m->date;
	memcpy(h.id, m->id, sizeof h.id);
	memcpy(h.from, m->from, sizeof h.from);
	memcpy(h.to, m->to, sizeof h.to);
	h.metalen = m->metalen;
	h.sum = mail_part_sum(&h, m->body + off);
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, m->body + off, h.datalen);
	return (sizeof h + h.datalen);
}

/*
 * mail_part_decode - check a stored part of size bytes; on success fill
 * *h, point *data at its bytes and return 0.
 */
int
mail_part_decode(const uint8_t *buf, size_t size, struct part_hdr *h,
    const uint8_t **data)
{
	struct mail_meta	mm;

	if (size < sizeof *h)
		return (-1);
	memcpy(h, buf, sizeof *h);
	if (h->magic != PART_MAGIC || h->version < 1 ||
	    h->version > PART_VERSION)
		return (-1);
	if (h->metalen != 0 && (h->version < 3 || h->metalen > h->len ||
	    h->metalen > MAIL_META_MAX))
		return (-1);
	if (h->datalen != size - sizeof *h || h->nparts == 0 ||
	    h->part >= h->nparts || h->nparts != mail_part_count(h->len))
		return (-1);
	if (h->offset != (uint32_t)h->part * PART_DATA_MAX ||
	    h->offset + (uint64_t)h->datalen > h->len)
		return (-1);
	if (h->part + 1 < h->nparts && h->datalen != PART_DATA_MAX)
		return (-1);
	if (h->part + 1 == h->nparts && h->offset + h->datalen != h->len)
		return (-1);
	if (!name_valid_field(h->from, sizeof h->from) ||
	    !name_box_valid_field(h->to, sizeof h->to))
		return (-1);
	if (h->sum != mail_part_sum(h, buf + sizeof *h))
		return (-1);
	if (h->part == 0 && h->metalen > 0 && mail_meta_decode(buf +
	    sizeof *h, h->metalen, &mm) != 0)
		return (-1);
	*data = buf + sizeof *h;
	return (0);
}

/* mail_assembly_start - expect a body of len bytes. */
void
mail_assembly_start(struct mail_assembly *a, uint32_t len)
{
	free(a->buf);
	a->buf = xmalloc((size_t)len + 1);
	a->want = len;
	a->have = 0;
}

/*
 * mail_assembly_add - add a chunk: 1 when the body is complete, 0 when
 * more is expected, -1 when the chunk does not fit (a broken sender).
 */
int
mail_assembly_add(struct mail_assembly *a, const void *data, size_t n)
{
	if (a->buf == NULL || n > a->want - a->have)
		return (-1);
	memcpy(a->buf + a->have, data, n);
	a->have += (uint32_t)n;
	return (a->have == a->want);
}

/* mail_assembly_take - the finished body (NUL-terminated); caller frees. */
uint8_t *
mail_assembly_take(struct mail_assembly *a)
{
	uint8_t	*b = a->buf;

	if (b != NULL)
		b[a->want] = '\0';
	a->buf = NULL;
	a->want = a->have = 0;
	return (b);
}

void
mail_assembly_clear(struct mail_assembly *a)
{
	free(a->buf);
	a->buf = NULL;
	a->want = a->have = 0;
}

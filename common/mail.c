/*
 * mail.c - message ids (random UUIDs), first lines for listings, and
 * the codec of stored parts.  mail_part_decode is the one parser of
 * what comes back out of the kernel store: it trusts nothing it reads.
 */
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "io.h"
#include "mail.h"
#include "name.h"
#include "record.h"
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
	if (size < sizeof *h)
		return (-1);
	memcpy(h, buf, sizeof *h);
	if (h->magic != PART_MAGIC || (h->version != PART_VERSION &&
	    h->version != 1))
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

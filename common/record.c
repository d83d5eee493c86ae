/*
 * record.c - protocol records: build, checksum, validate, and parse a
 * stream of them.  Honest writers write each record with one write(2)
 * of at most PIPE_BUF bytes, which the kernel keeps whole; anything
 * else in the stream is garbage from a broken or hostile writer.  The
 * parser's rule follows: once the pipe is drained, a record that is
 * still incomplete at the head of the buffer cannot be an honest one,
 * so it is skipped up to the next place a header may start.  Taking a
 * record moves no bytes; the buffer is compacted once per read, so a
 * read of many records costs one memmove, not one each.
 */
#define _GNU_SOURCE
#include <string.h>

#include "record.h"

/* record_sum - FNV-1a, continued from h. */
uint32_t
record_sum(const void *data, size_t len, uint32_t h)
{
	const uint8_t	*p = data;

	while (len-- > 0) {
		h ^= *p++;
		h *= 16777619u;
	}
	return (h);
}


/*
 * record_sum64 - 64-bit FNV-1a taken eight bytes a step, continued from
 * h.  Every record is summed by its writer and its reader, and every
 * stored part and spool record once or twice, several sums a message: a
 * multiply a byte (record_sum, kept for names and for reading what an
 * older version stored) was a twentieth of mailserv's time.  It catches
 * garbage, not forgers (see proto.h).
 */
uint64_t
record_sum64(const void *data, size_t len, uint64_t h)
{
	const uint8_t	*p = data;
	uint64_t	 w;

	for (; len >= sizeof w; p += sizeof w, len -= sizeof w) {
		memcpy(&w, p, sizeof w);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; len > 0; len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return (h);
}

/* record_fold - a record_sum64 in the 32 bits a header has room for. */
uint32_t
record_fold(uint64_t h)
{
	return ((uint32_t)(h ^ (h >> 32)));
}

/* record_compute_sum - the header's (sum 0) and payload's. */
static uint32_t
record_compute_sum(const struct record *rec)
{
	struct proto_hdr	hdr = rec->hdr;

	hdr.sum = 0;
	return (record_fold(record_sum64(rec->payload, rec->hdr.len,
	    record_sum64(&hdr, sizeof hdr, RECORD_SUM64_SEED))));
}

/* record_build - fill rec; returns its size on the wire. */
size_t
record_build(struct record *rec, uint16_t type, uint32_t pid,
    const uint8_t *token, const void *payload, size_t len)
{
	if (len > PROTO_PAYLOAD_MAX)
		len = PROTO_PAYLOAD_MAX;
	memset(&rec->hdr, 0, sizeof rec->hdr);
	rec->hdr.magic = PROTO_MAGIC;
	rec->hdr.version = PROTO_VERSION;
	rec->hdr.type = type;
	rec->hdr.len = (uint32_t)len;
	rec->hdr.pid = pid;
	if (token != NULL)
		memcpy(rec->hdr.token, token, sizeof rec->hdr.token);
	if (len > 0)
		memcpy(rec->payload, payload, len);
	rec->hdr.sum = record_compute_sum(rec);
	return (sizeof rec->hdr + len);
}

/* record_size - bytes on the wire. */
size_t
record_size(const struct record *rec)
{
	return (sizeof rec->hdr + rec->hdr.len);
}

/* record_check_header - could this header start a record? 0 if so. */
int
record_check_header(const struct proto_hdr *hdr)
{
	if (hdr->magic != PROTO_MAGIC || hdr->version != PROTO_VERSION)
		return (-1);
	if (hdr->len > PROTO_PAYLOAD_MAX)
		return (-1);
	if (record_type_name(hdr->type) == NULL)
		return (-1);
	return (0);
}

/* record_check - is the whole record intact? 0 if so. */
int
record_check(const struct record *rec)
{
	if (record_check_header(&rec->hdr) != 0)
		return (-1);
	return (rec->hdr.sum == record_compute_sum(rec) ? 0 : -1);
}

/* record_type_name - printable type, NULL for unknown types. */
const char *
record_type_name(uint16_t type)
{
	switch (type) {
	case REC_HELLO:		return ("hello");
	case REC_SEND:		return ("send");
	case REC_DATA:		return ("data");
	case REC_LIST:		return ("list");
	case REC_FETCH:		return ("fetch");
	case REC_DONE:		return ("done");
	case REC_WALL:		return ("wall");
	case REC_BYE:		return ("bye");
	case REC_ROOM:		return ("room");
	case REC_PRESENCE:	return ("presence");
	case REC_WELCOME:	return ("welcome");
	case REC_OK:		return ("ok");
	case REC_ERROR:		return ("error");
	case REC_ENTRY:		return ("entry");
	case REC_END:		return ("end");
	case REC_MAIL:		return ("mail");
	case REC_WALLMSG:	return ("wallmsg");
	case REC_NOTICE:	return ("notice");
	case REC_LOGOUT:	return ("logout");
	case REC_ROOMINFO:	return ("roominfo");
	case REC_PRESINFO:	return ("presinfo");
	}
	return (NULL);
}

void
record_parser_init(struct record_parser *rp)
{
	rp->off = 0;
	rp->len = 0;
	rp->dropped = 0;
	rp->foreign = 0;
	rp->foreign_pid = 0;
}

/* record_parser_space - where the next read may go, and how much. */
uint8_t *
record_parser_space(struct record_parser *rp, size_t *avail)
{
	if (rp->off > 0) {
		memmove(rp->buf, rp->buf + rp->off, rp->len);
		rp->off = 0;
	}
	*avail = sizeof rp->buf - rp->len;
	return (rp->buf + rp->len);
}

void
record_parser_added(struct record_parser *rp, size_t n)
{
	rp->len += n;
}

static void
record_parser_consume(struct record_parser *rp, size_t n)
{
	rp->len -= n;
	rp->off = rp->len == 0 ? 0 : rp->off + n;
}

/*
 * record_parser_skip - the head is not a record: drop bytes up to the
 * next place the magic number appears (not one byte at a time, which
 * would make garbage cost quadratic time), keeping a tail that may be
 * the start of a magic split across reads.
 */
static void
record_parser_skip(struct record_parser *rp)
{
	static const uint32_t	 magic = PROTO_MAGIC;
	const uint8_t		*head = rp->buf + rp->off, *next;
	size_t			 drop;

	next = memmem(head + 1, rp->len - 1, &magic, sizeof magic);
	if (next != NULL)
		drop = (size_t)(next - head);
	else
		drop = rp->len > sizeof magic - 1 ?
		    rp->len - (sizeof magic - 1) : rp->len;
	rp->dropped += drop;
	record_parser_consume(rp, drop);
}

/*
 * record_parser_next - take the next valid record out of the buffer.
 * Returns 1 with *rec filled, or 0 when more bytes are needed.  Set
 * drained when the source has no more bytes right now: an incomplete
 * record left at the head is then garbage and is skipped.
 */
int
record_parser_next(struct record_parser *rp, struct record *rec,
    int drained)
{
	struct proto_hdr	hdr;
	size_t			size;

	while (rp->len > 0) {
		if (rp->len < sizeof hdr) {
			if (!drained || rp->len == 0)
				return (0);
			/* A short tail after draining: garbage. */
			rp->dropped += rp->len;
			rp->len = rp->off = 0;
			return (0);
		}
		memcpy(&hdr, rp->buf + rp->off, sizeof hdr);
		if (record_check_header(&hdr) != 0) {
			/* Ours but another version: a peer of another
			 * build, worth naming (it is skipped all the same). */
			if (hdr.magic == PROTO_MAGIC &&
			    hdr.version != PROTO_VERSION) {
				rp->foreign = hdr.version;
				rp->foreign_pid = hdr.pid;
			}
			record_parser_skip(rp);
			continue;
		}
		size = sizeof hdr + hdr.len;
		if (rp->len < size) {
			if (!drained)
				return (0);
			record_parser_skip(rp);
			continue;
		}
		memcpy(rec, rp->buf + rp->off, size);
		if (record_check(rec) != 0) {
			record_parser_skip(rp);
			continue;
		}
		record_parser_consume(rp, size);
		return (1);
	}
	return (0);
}

/*
 * roomrec.c - the stored forms of a room (roomrec.h): a line's header,
 * the snapshot of its metadata, and the bounded ring that indexes its
 * lines.  A snapshot comes back from the store or the spool, which
 * only mailserv writes, but is checked field by field all the same: a
 * torn or forged one is refused with a cause, never half-trusted.
 * Snapshots are written as IRS2; IRS1 (no topic setter nor time) is
 * still read, so a store or spool of an older mailserv loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "roomrec.h"
#include "xmalloc.h"

struct roomrec_snap_hdr {
	uint32_t	magic;
	uint32_t	flags;
	uint32_t	nmembers;
	uint32_t	ninvites;
	uint64_t	gen;
	uint64_t	next_seq;
	int64_t		created;
	char		owner[PROTO_NAME_MAX + 1];
	uint8_t		pad[3];
	uint32_t	topiclen;
};

/* IRS2: after the header, who set the topic and when. */
struct roomrec_snap_topic {
	int64_t		time;
	char		by[PROTO_NAME_MAX + 1];
	uint8_t		pad[7];
};

/* roomrec_kind - what a room mailbox's message body is. */
enum roomrec_kind
roomrec_kind(const uint8_t *p, size_t len)
{
	uint32_t	magic;

	if (len < sizeof magic)
		return (ROOMREC_BAD);
	memcpy(&magic, p, sizeof magic);
	if (magic == ROOMREC_LINE_MAGIC && len > sizeof(struct roomrec_line_hdr))
		return (ROOMREC_LINE);
	if (magic == ROOMREC_SNAP_MAGIC && len >=
	    sizeof(struct roomrec_snap_hdr) + sizeof(struct roomrec_snap_topic))
		return (ROOMREC_SNAP);
	if (magic == ROOMREC_SNAP1_MAGIC &&
	    len >= sizeof(struct roomrec_snap_hdr))
		return (ROOMREC_SNAP);
	return (ROOMREC_BAD);
}

/* roomrec_line_encode - a stored line's body: header, then the text. */
uint8_t *
roomrec_line_encode(uint64_t seq, const uint8_t *text, size_t len,
    size_t *outlen)
{
	struct roomrec_line_hdr	 h;
	uint8_t			*p = xmalloc(sizeof h + len);

	memset(&h, 0, sizeof h);
	h.magic = ROOMREC_LINE_MAGIC;
	h.seq = seq;
	memcpy(p, &h, sizeof h);
	memcpy(p + sizeof h, text, len);
	*outlen = sizeof h + len;
	return (p);
}

/* roomrec_line_decode - a stored line's seq and text; 0 or -1. */
int
roomrec_line_decode(const uint8_t *p, size_t len, uint64_t *seq,
    const uint8_t **text, size_t *textlen)
{
	struct roomrec_line_hdr	h;

	if (roomrec_kind(p, len) != ROOMREC_LINE)
		return (-1);
	memcpy(&h, p, sizeof h);
	if (h.seq == 0 || h.pad != 0)
		return (-1);
	*seq = h.seq;
	*text = p + sizeof h;
	*textlen = len - sizeof h;
	return (0);
}

/* roomrec_snap_encode - a snapshot's stored body. */
uint8_t *
roomrec_snap_encode(const struct roomrec_snap *sn, size_t *outlen)
{
	struct roomrec_snap_hdr	 h;
	struct roomrec_snap_topic tp;
	size_t			 tlen = strlen(sn->topic), len, off;
	uint8_t			*p;

	memset(&tp, 0, sizeof tp);
	tp.time = sn->topic_time;
	memcpy(tp.by, sn->topic_by, sizeof tp.by);
	tp.by[PROTO_NAME_MAX] = '\0';
	memset(&h, 0, sizeof h);
	h.magic = ROOMREC_SNAP_MAGIC;
	h.flags = sn->flags;
	h.nmembers = (uint32_t)sn->nmembers;
	h.ninvites = (uint32_t)sn->ninvites;
	h.gen = sn->gen;
	h.next_seq = sn->next_seq;
	h.created = sn->created;
	memcpy(h.owner, sn->owner, sizeof h.owner);
	h.topiclen = (uint32_t)tlen;
	len = sizeof h + sizeof tp + tlen + sn->nmembers *
	    sizeof *sn->members + sn->ninvites * sizeof *sn->invites;
	p = xcalloc(1, len);
	memcpy(p, &h, sizeof h);
	off = sizeof h;
	memcpy(p + off, &tp, sizeof tp);
	off += sizeof tp;
	memcpy(p + off, sn->topic, tlen);
	off += tlen;
	if (sn->nmembers > 0)
		memcpy(p + off, sn->members, sn->nmembers * sizeof *sn->members);
	off += sn->nmembers * sizeof *sn->members;
	if (sn->ninvites > 0)
		memcpy(p + off, sn->invites, sn->ninvites * sizeof *sn->invites);
	*outlen = len;
	return (p);
}

/* roomrec_fail - fill cause, return -1. */
static int
roomrec_fail(char **cause, const char *why)
{
	if (cause != NULL)
		*cause = xstrdup(why);
	return (-1);
}

/* roomrec_snap_decode - check and decode a snapshot; 0, or -1 with cause. */
int
roomrec_snap_decode(const uint8_t *p, size_t len, struct roomrec_snap *sn,
    char **cause)
{
	struct roomrec_snap_hdr	 h;
	struct roomrec_snap_topic tp;
	size_t			 i, j, want, off, tpl = 0;

	memset(sn, 0, sizeof *sn);
	memset(&tp, 0, sizeof tp);
	if (roomrec_kind(p, len) != ROOMREC_SNAP)
		return (roomrec_fail(cause, "not a room snapshot"));
	memcpy(&h, p, sizeof h);
	if (h.magic == ROOMREC_SNAP_MAGIC) {
		tpl = sizeof tp;
		memcpy(&tp, p + sizeof h, sizeof tp);
	}
	if (h.nmembers == 0 || h.nmembers > ROOMREC_MEMBERS_MAX ||
	    h.ninvites > ROOMREC_INVITES_MAX || h.topiclen >= PROTO_TEXT_MAX)
		return (roomrec_fail(cause, "room snapshot with impossible "
		    "counts"));
	want = sizeof h + tpl + h.topiclen + (size_t)h.nmembers *
	    sizeof(struct roomrec_member) + (size_t)h.ninvites *
	    sizeof(struct roomrec_invite);
	if (len != want)
		return (roomrec_fail(cause, "room snapshot of the wrong size "
		    "(truncated?)"));
	if ((h.flags & ~(ROOMREC_PRIVATE | ROOMREC_LOCKED)) != 0 ||
	    !name_valid_field(h.owner, sizeof h.owner) || h.next_seq == 0)
		return (roomrec_fail(cause, "room snapshot with a bad owner, "
		    "flags or sequence"));
	if (tp.time < 0 || (tp.by[0] != '\0' &&
	    !name_valid_field(tp.by, sizeof tp.by)))
		return (roomrec_fail(cause, "room snapshot with a bad topic "
		    "setter or time"));
	off = sizeof h + tpl;
	if (memchr(p + off, '\0', h.topiclen) != NULL)
		return (roomrec_fail(cause, "room snapshot with a NUL in its "
		    "topic"));
	memcpy(sn->owner, h.owner, sizeof sn->owner);
	memcpy(sn->topic, p + off, h.topiclen);
	sn->topic[h.topiclen] = '\0';
	memcpy(sn->topic_by, tp.by, sizeof sn->topic_by);
	sn->topic_by[PROTO_NAME_MAX] = '\0';
	sn->topic_time = tp.time;
	off += h.topiclen;
	sn->flags = h.flags;
	sn->created = h.created;
	sn->gen = h.gen;
	sn->next_seq = h.next_seq;
	sn->nmembers = h.nmembers;
	sn->members = xreallocarray(NULL, h.nmembers, sizeof *sn->members);
	memcpy(sn->members, p + off, h.nmembers * sizeof *sn->members);
	off += h.nmembers * sizeof *sn->members;
	sn->ninvites = h.ninvites;
	if (h.ninvites > 0) {
		sn->invites = xreallocarray(NULL, h.ninvites,
		    sizeof *sn->invites);
		memcpy(sn->invites, p + off, h.ninvites * sizeof *sn->invites);
	}
	for (i = 0; i < sn->nmembers; i++) {
		if (!name_valid_field(sn->members[i].name,
		    sizeof sn->members[i].name) ||
		    sn->members[i].read >= sn->next_seq) {
			roomrec_snap_clear(sn);
			return (roomrec_fail(cause, "room snapshot with a bad "
			    "member"));
		}
		memset(sn->members[i].pad, 0, sizeof sn->members[i].pad);
		/* Members are few per room at a time (a change rewrites
		 * the whole snapshot): a quadratic check is cheap. */
		for (j = 0; j < i; j++)
			if (strcmp(sn->members[i].name,
			    sn->members[j].name) == 0) {
				roomrec_snap_clear(sn);
				return (roomrec_fail(cause, "room snapshot "
				    "with a member twice"));
			}
	}
	for (i = 0; i < sn->ninvites; i++)
		if (!name_valid_field(sn->invites[i].name,
		    sizeof sn->invites[i].name)) {
			roomrec_snap_clear(sn);
			return (roomrec_fail(cause, "room snapshot with a bad "
			    "invitation"));
		}
	return (0);
}

void
roomrec_snap_clear(struct roomrec_snap *sn)
{
	free(sn->members);
	free(sn->invites);
	sn->members = NULL;
	sn->invites = NULL;
	sn->nmembers = sn->ninvites = 0;
}

/* roomring_init - an empty ring of at most cap lines. */
void
roomring_init(struct roomring *r, size_t cap)
{
	r->cap = cap > 0 ? cap : 1;
	r->v = xreallocarray(NULL, r->cap, sizeof *r->v);
	r->head = r->n = 0;
}

void
roomring_clear(struct roomring *r)
{
	free(r->v);
	r->v = NULL;
	r->cap = r->head = r->n = 0;
}

/*
 * roomring_push - add the newest line (seq above every other); when
 * the ring is full the oldest ages out into *out: 1, else 0.
 */
int
roomring_push(struct roomring *r, const uint8_t *id, uint64_t seq,
    struct roomring_line *out)
{
	struct roomring_line	*slot;
	int			 aged = 0;

	if (r->n == r->cap) {
		if (out != NULL)
			*out = r->v[r->head];
		r->head = (r->head + 1) % r->cap;
		r->n--;
		aged = 1;
	}
	slot = &r->v[(r->head + r->n) % r->cap];
	memcpy(slot->id, id, MAIL_ID_LEN);
	slot->seq = seq;
	r->n++;
	return (aged);
}

/* roomring_get - line i, 0 the oldest; NULL past the end. */
const struct roomring_line *
roomring_get(const struct roomring *r, size_t i)
{
	if (i >= r->n)
		return (NULL);
	return (&r->v[(r->head + i) % r->cap]);
}

/* roomring_after - how many lines have a seq above seq (unread). */
size_t
roomring_after(const struct roomring *r, uint64_t seq)
{
	size_t	lo = 0, hi = r->n, mid;

	/* The first line above seq, by bisection: the ring is in order. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (roomring_get(r, mid)->seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (r->n - lo);
}

/* roomring_last - the newest line's seq, 0 when empty. */
uint64_t
roomring_last(const struct roomring *r)
{
	return (r->n > 0 ? roomring_get(r, r->n - 1)->seq : 0);
}

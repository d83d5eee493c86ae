/*
 * quota.c - the per-sender limit (--sender-quota): how many unread bytes
 * each sender name has stored in other people's mailboxes, across all
 * of them, so that one user cannot fill the whole store with mail to
 * names nobody reads.  The tally is built from the store's index when
 * mailserv starts (so it is right again after a restart) and kept as
 * mail is accepted and read, by message id: a message is counted once
 * however often it is charged, and a refund takes back exactly what
 * its charge added, wherever the message was kept meanwhile; mailserv's own uid and root are tallied
 * but never refused.  A message counts what it takes of the store: its
 * bytes in SysV queues; whole 8 KiB parts in POSIX ones, whose every
 * slot costs its full size against RLIMIT_MSGQUEUE.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"
#include "name.h"
#include "record.h"
#include "server.h"
#include "xmalloc.h"

#define QUOTA_BUCKETS		256

/* One message counted: whose, and how much; on its sender's list. */
struct quota_mail {
	struct quota_sender	*sender;
	uint64_t		 cost;
	struct quota_mail	*prev;
	struct quota_mail	*next;
};

/* What one sender has waiting at others; only senders with some. */
struct quota_sender {
	char			 name[PROTO_NAME_MAX + 1];
	size_t			 count;
	uint64_t		 bytes;
	struct quota_mail	*mail;
	struct quota_sender	*next;
};

struct quota {
	uint64_t		 limit;
	uint32_t		 slot;		/* POSIX: a part's cost; 0: bytes */
	uint64_t		 capacity;	/* the store's, as estimated */
	struct quota_sender	*buckets[QUOTA_BUCKETS];
	struct idmap		*mail;		/* id: struct quota_mail */
};

/*
 * quota_new - a tally for backend's store with limit bytes per sender;
 * 0: an eighth of capacity, the store's bytes.
 */
struct quota *
quota_new(const char *backend, uint64_t limit, uint64_t capacity)
{
	struct quota	*q = xcalloc(1, sizeof *q);

	if (strcmp(backend, "posix") == 0)
		q->slot = PART_MAX;
	q->mail = idmap_new();

	q->capacity = capacity;
	q->limit = limit != 0 ? limit : capacity / 8;
	if (q->limit == 0)
		q->limit = 1;
	return (q);
}

/* quota_clear - forget every sender and message counted. */
static void
quota_clear(struct quota *q)
{
	struct quota_sender	*b;
	struct quota_mail	*m;
	size_t			 i;

	for (i = 0; i < QUOTA_BUCKETS; i++) {
		while ((b = q->buckets[i]) != NULL) {
			q->buckets[i] = b->next;
			while ((m = b->mail) != NULL) {
				b->mail = m->next;
				free(m);
			}
			free(b);
		}
	}
	idmap_free(q->mail);
	q->mail = idmap_new();
}

/* quota_free - forget the tally. */
void
quota_free(struct quota *q)
{
	if (q == NULL)
		return;
	quota_clear(q);
	idmap_free(q->mail);
	free(q);
}

/* quota_limit - the bytes one sender may have waiting at others. */
uint64_t
quota_limit(const struct quota *q)
{
	return (q->limit);
}

/* quota_cost - what a body of len bytes takes of the store. */
static uint64_t
quota_cost(const struct quota *q, uint32_t len)
{
	if (q->slot == 0)
		return (len);
	return ((uint64_t)mail_part_count(len) * q->slot);
}

/* quota_find - where the tally of name is, or would be linked. */
static struct quota_sender **
quota_find(struct quota *q, const char *name)
{
	struct quota_sender	**pp;
	uint32_t		  h;

	h = record_sum(name, strlen(name), RECORD_SUM_SEED);
	for (pp = &q->buckets[h % QUOTA_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			break;
	return (pp);
}

/*
 * quota_charge - message id, of len bytes from from to to, was stored:
 * count it, once.  Mail to oneself is not mail at others: the mailbox
 * quota bounds it.
 */
void
quota_charge(struct quota *q, const uint8_t *id, const char *from,
    const char *to, uint32_t len)
{
	struct quota_sender	**pp, *b;
	struct quota_mail	 *m;

	/* A room's lines and state are bounded by --room-history, not
	 * charged to their sender; nor is a user's presence record. */
	if (strcmp(from, to) == 0 || name_room_valid(to) ||
	    name_presence_box(to) ||
	    idmap_get(q->mail, id) != NULL)
		return;
	pp = quota_find(q, from);
	if ((b = *pp) == NULL) {
		b = *pp = xcalloc(1, sizeof *b);
		strncpy(b->name, from, sizeof b->name - 1);
	}
	m = xcalloc(1, sizeof *m);
	m->sender = b;
	m->cost = quota_cost(q, len);
	if ((m->next = b->mail) != NULL)
		m->next->prev = m;
	b->mail = m;
	b->count++;
	b->bytes += m->cost;
	idmap_put(q->mail, id, m);
}

/* quota_refund - message id left the store: take back its charge. */
void
quota_refund(struct quota *q, const uint8_t *id)
{
	struct quota_sender	**pp, *b;
	struct quota_mail	 *m;

	if ((m = idmap_del(q->mail, id)) == NULL)
		return;
	b = m->sender;
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		b->mail = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	b->bytes -= m->cost;
	if (--b->count == 0) {
		pp = quota_find(q, b->name);	/* it is b's link */
		*pp = b->next;
		free(b);
	}
	free(m);
}

/* quota_charge_entry - quota_charge for a stored entry (a callback). */
void
quota_charge_entry(const struct store_entry *e, void *q)
{
	quota_charge(q, e->id, e->from, e->to, e->len);
}

/*
 * quota_rebuild - the tally from the store's index and the mail that
 * waits in the spool for room (at start).
 */
void
quota_rebuild(struct quota *q, struct store *st, struct overflow *ov)
{
	size_t	i, n = store_count(st);

	quota_clear(q);
	for (i = 0; i < n; i++)
		quota_charge_entry(store_entry(st, i), q);
	overflow_each(ov, quota_charge_entry, q);
}

/* quota_used - the bytes from name waiting at others. */
uint64_t
quota_used(struct quota *q, const char *name)
{
	struct quota_sender	*b = *quota_find(q, name);

	return (b != NULL ? b->bytes : 0);
}

/*
 * quota_check - may session s store len more bytes for to?  0; or -1,
 * the refusal sent (exit 4 at mailcli).
 */
int
quota_check(struct server *srv, struct session *s, const char *to,
    uint32_t len)
{
	struct quota	*q = srv->quota;
	uint64_t	 used;

	if (session_privileged(s) || strcmp(s->name, to) == 0 ||
	    name_room_valid(to))
		return (0);
	used = quota_used(q, s->name);
	if (used + quota_cost(q, len) <= q->limit)
		return (0);
	log_info("%s has %llu bytes waiting at others (at most %llu): a "
	    "message of %u bytes to %s refused", s->name,
	    (unsigned long long)used, (unsigned long long)q->limit, len, to);
	session_error(srv, s, PROTO_E_FULL, "you have too much unread mail "
	    "waiting at others (%llu bytes)", (unsigned long long)used);
	return (-1);
}

/* quota_order - qsort: most bytes first. */
static int
quota_order(const void *a, const void *b)
{
	const struct quota_sender *x = *(const struct quota_sender * const *)a;
	const struct quota_sender *y = *(const struct quota_sender * const *)b;

	if (x->bytes != y->bytes)
		return (x->bytes > y->bytes ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * quota_status - one line for --status: the limit and the senders with
 * most unread bytes at others (at most top of them).  Allocated.
 */
char *
quota_status(struct quota *q, size_t top)
{
	struct quota_sender	**v = NULL, *b;
	char			 *line, *more;
	size_t			  i, n = 0;

	for (i = 0; i < QUOTA_BUCKETS; i++) {
		for (b = q->buckets[i]; b != NULL; b = b->next) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = b;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof *v, quota_order);
	xasprintf(&line, "live: sender quota: %llu bytes each at others "
	    "(store about %llu bytes); %zu senders have mail waiting%s",
	    (unsigned long long)q->limit, (unsigned long long)q->capacity,
	    n, n > 0 ? ", most:" : "");
	for (i = 0; i < n && i < top; i++) {
		xasprintf(&more, "%s%s %s %llu bytes in %zu", line,
		    i == 0 ? "" : ",", v[i]->name,
		    (unsigned long long)v[i]->bytes, v[i]->count);
		free(line);
		line = more;
	}
	xasprintf(&more, "%s\n", line);
	free(line);
	free(v);
	return (more);
}

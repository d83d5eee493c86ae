/*
 * overflow.c - mail the kernel store has no room for.  With the spool
 * on, such a message is accepted all the same: it is durable in the
 * spool like every other, and waits here (an index; the body stays in
 * the spool) until room frees in the kernel store.  Then the mailboxes
 * that wait get room in turn, round-robin, each its oldest message
 * first, so no sender's flood takes all the room and a mailbox's order
 * is kept.  While anything waits, new mail waits behind it, even when
 * it would fit.  What bounds the host's mail is then the spool's: at
 * most --spool-max bytes, leaving --spool-minfree bytes free on its
 * file system (as Postfix's queue_minfree); overflow_admit says so.
 */
#include <sys/types.h>
#include <sys/statvfs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "io.h"
#include "log.h"
#include "record.h"
#include "server.h"
#include "xmalloc.h"

#define OVERFLOW_BOXES	256	/* hash buckets of the waiting mailboxes */
#define OVERFLOW_TRIES	16	/* mailboxes refused in a row: stop */
#define OVERFLOW_BATCH	256	/* messages moved in one loop turn */
#define OVERFLOW_RETRY_MS 1000	/* a try without a sign of room */

struct overflow_msg {
	struct store_entry	 e;
	struct overflow_msg	*next;		/* in its mailbox, by age */
	struct overflow_box	*box;
};

/* A mailbox with mail waiting; it is in the ring while it has some. */
struct overflow_box {
	char			 name[PROTO_NAME_MAX + 1];
	struct overflow_msg	*head, *tail;
	size_t			 count;
	uint64_t		 bytes;
	struct overflow_box	*hnext;		/* same hash bucket */
	struct overflow_box	*rnext, *rprev;	/* the ring */
};

struct overflow {
	struct idmap		*byid;		/* overflow_msgs */
	struct overflow_box	*boxes[OVERFLOW_BOXES];
	struct overflow_box	*ring;		/* the next to get room */
	size_t			 nboxes;
	size_t			 count;
	uint64_t		 bytes;
	uint64_t		 moved;		/* into the kernel, since start */
	int			 kicked;	/* room may have freed */
	long long		 tried_ms;
};

struct overflow *
overflow_new(void)
{
	struct overflow	*ov = xcalloc(1, sizeof *ov);

	ov->byid = idmap_new();
	return (ov);
}

void
overflow_free(struct overflow *ov)
{
	struct overflow_box	*b;
	struct overflow_msg	*m;
	size_t			 i;

	if (ov == NULL)
		return;
	for (i = 0; i < OVERFLOW_BOXES; i++) {
		while ((b = ov->boxes[i]) != NULL) {
			ov->boxes[i] = b->hnext;
			while ((m = b->head) != NULL) {
				b->head = m->next;
				free(m);
			}
			free(b);
		}
	}
	idmap_free(ov->byid);
	free(ov);
}

/* overflow_box_find - where mailbox name is, or would be linked. */
static struct overflow_box **
overflow_box_find(struct overflow *ov, const char *name)
{
	struct overflow_box	**pp;
	uint32_t		  h;

	h = record_sum(name, strlen(name), RECORD_SUM_SEED);
	for (pp = &ov->boxes[h % OVERFLOW_BOXES]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (strcmp((*pp)->name, name) == 0)
			break;
	return (pp);
}

/* overflow_box_drop - an empty mailbox leaves the ring and the hash. */
static void
overflow_box_drop(struct overflow *ov, struct overflow_box *b)
{
	struct overflow_box	**pp = overflow_box_find(ov, b->name);

	if (b->rnext == b)
		ov->ring = NULL;
	else {
		b->rprev->rnext = b->rnext;
		b->rnext->rprev = b->rprev;
		if (ov->ring == b)
			ov->ring = b->rnext;
	}
	*pp = b->hnext;
	ov->nboxes--;
	free(b);
}

/*
 * overflow_add - m waits for room.  A mailbox new to the ring takes its
 * turn last, and may find room at once: the drain is kicked.
 */
static void
overflow_add(struct overflow *ov, const struct mail *m)
{
	struct overflow_box	**pp = overflow_box_find(ov, m->to), *b = *pp;
	struct overflow_msg	 *om;

	if (b == NULL) {
		b = *pp = xcalloc(1, sizeof *b);
		memcpy(b->name, m->to, sizeof b->name);
		b->name[PROTO_NAME_MAX] = '\0';
		if (ov->ring == NULL)
			ov->ring = b->rnext = b->rprev = b;
		else {
			b->rnext = ov->ring;
			b->rprev = ov->ring->rprev;
			b->rprev->rnext = b;
			ov->ring->rprev = b;
		}
		ov->nboxes++;
		ov->kicked = 1;
	}
	om = xcalloc(1, sizeof *om);
	store_entry_set(&om->e, m);
	om->box = b;
	if (b->tail != NULL)
		b->tail->next = om;
	else
		b->head = om;
	b->tail = om;
	b->count++;
	b->bytes += m->len;
	ov->count++;
	ov->bytes += m->len;
	idmap_put(ov->byid, om->e.id, om);
}

/*
 * overflow_admit - may the spool take len bytes more?  0, or -1 with
 * cause: past --spool-max, or too little room left on its disk.
 */
int
overflow_admit(struct server *srv, uint32_t len, char **cause)
{
	struct statvfs	sv;
	uint64_t	live, avail;

	if (srv->spool == NULL)
		return (0);
	live = spool_live_bytes(srv->spool);
	if (live + len > srv->cfg.spool_max) {
		xasprintf(cause, "the spool holds %llu bytes of mail, at most "
		    "%llu", (unsigned long long)live,
		    (unsigned long long)srv->cfg.spool_max);
		return (-1);
	}
	/* --spool-minfree 0: no reserve, the disk's ENOSPC is the bound
	 * (a commit that fails is answered so, post_commit_end). */
	if (srv->cfg.spool_minfree > 0 &&
	    fstatvfs(spool_dirfd(srv->spool), &sv) == 0) {
		avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		if (avail < (uint64_t)len + srv->cfg.spool_minfree) {
			xasprintf(cause, "the spool's file system has %llu "
			    "bytes free and keeps %llu", (unsigned long long)
			    avail, (unsigned long long)srv->cfg.spool_minfree);
			return (-1);
		}
	}
	return (0);
}

/*
 * overflow_store - keep an accepted message: in the kernel store if it
 * has room and nothing waits, else (with the spool) here.  0 (in the
 * kernel), OVERFLOW_HELD (here), STORE_FULL (no spool) or -1.
 */
int
overflow_store(struct server *srv, const struct mail *m, char **cause)
{
	int	rc;

	if (srv->spool == NULL)
		return (store_put(srv->store, m, cause));
	if (srv->overflow->count == 0 &&
	    (rc = store_put(srv->store, m, cause)) != STORE_FULL)
		return (rc);
	overflow_add(srv->overflow, m);
	return (OVERFLOW_HELD);
}

/*
 * overflow_adopt - at start, a spool message the kernel store lacks:
 * into the kernel if its mailbox has nothing waiting and there is
 * room, else it waits.  As overflow_store.
 */
int
overflow_adopt(struct server *srv, const struct mail *m)
{
	char	*cause = NULL;
	int	 rc;

	if (*overflow_box_find(srv->overflow, m->to) == NULL &&
	    (rc = store_put(srv->store, m, &cause)) != STORE_FULL) {
		if (rc != 0) {
			log_warnx("spool: cannot restore a message for %s: %s",
			    m->to, cause);
			free(cause);
		}
		return (rc);
	}
	overflow_add(srv->overflow, m);
	return (OVERFLOW_HELD);
}

const struct store_entry *
overflow_find(struct overflow *ov, const uint8_t *id)
{
	struct overflow_msg	*om = idmap_get(ov->byid, id);

	return (om != NULL ? &om->e : NULL);
}

/* overflow_remove - drop waiting message id (read, or taken back). */
int
overflow_remove(struct overflow *ov, const uint8_t *id)
{
	struct overflow_msg	*om = idmap_del(ov->byid, id), *prev = NULL;
	struct overflow_box	*b;

	if (om == NULL)
		return (-1);
	b = om->box;
	/* Mostly the oldest (the drain, a reader in order): one step. */
	if (b->head != om)
		for (prev = b->head; prev->next != om; prev = prev->next)
			;
	if (prev == NULL)
		b->head = om->next;
	else
		prev->next = om->next;
	if (b->tail == om)
		b->tail = prev;
	b->count--;
	b->bytes -= om->e.len;
	ov->count--;
	ov->bytes -= om->e.len;
	free(om);
	if (b->count == 0)
		overflow_box_drop(ov, b);
	return (0);
}

/* overflow_unread - messages (and *bytes) waiting here for to. */
size_t
overflow_unread(struct overflow *ov, const char *to, uint64_t *bytes)
{
	const struct overflow_box	*b = *overflow_box_find(ov, to);

	if (bytes != NULL)
		*bytes = b != NULL ? b->bytes : 0;
	return (b != NULL ? b->count : 0);
}

/* overflow_list - call fn on each message waiting for to, oldest first. */
void
overflow_list(struct overflow *ov, const char *to,
    void (*fn)(const struct store_entry *, void *), void *arg)
{
	const struct overflow_box	*b = *overflow_box_find(ov, to);
	const struct overflow_msg	*om;

	for (om = b != NULL ? b->head : NULL; om != NULL; om = om->next)
		fn(&om->e, arg);
}

/* overflow_each - fn for every waiting message, mailbox by mailbox. */
void
overflow_each(struct overflow *ov,
    void (*fn)(const struct store_entry *, void *), void *arg)
{
	const struct overflow_box	*b;
	const struct overflow_msg	*om;
	size_t				 i;

	for (i = 0; i < OVERFLOW_BOXES; i++)
		for (b = ov->boxes[i]; b != NULL; b = b->hnext)
			for (om = b->head; om != NULL; om = om->next)
				fn(&om->e, arg);
}

/* overflow_count - messages (and *bytes) waiting outside the kernel. */
size_t
overflow_count(struct overflow *ov, uint64_t *bytes)
{
	if (bytes != NULL)
		*bytes = ov->bytes;
	return (ov->count);
}

/* overflow_kick - room may have freed in the kernel store: try soon. */
void
overflow_kick(struct overflow *ov)
{
	ov->kicked = 1;
}

/*
 * overflow_move - put mailbox b's oldest message into the kernel store;
 * 0, STORE_FULL, or -1 (logged).
 */
static int
overflow_move(struct server *srv, struct overflow_box *b)
{
	struct mail	 m;
	char		*cause = NULL, idstr[MAIL_ID_STR];
	uint8_t		 id[MAIL_ID_LEN];
	int		 rc;

	memcpy(id, b->head->e.id, sizeof id);
	mail_id_str(id, idstr);
	if (spool_get_id(srv->spool, id, &m, &cause) != 0) {
		log_warnx("overflow: message %s for %s: %s", idstr, b->name,
		    cause);
		free(cause);
		return (-1);
	}
	rc = store_put(srv->store, &m, &cause);
	mail_free(&m);
	if (rc == 0)
		log_info("%s: %s moved from the spool into the kernel store",
		    b->name, idstr);
	else if (rc != STORE_FULL) {
		log_warnx("overflow: storing %s for %s: %s", idstr, b->name,
		    cause);
		free(cause);
	}
	return (rc);
}

/*
 * overflow_run - once a loop turn: if room may have freed (or a while
 * has passed), give it to the waiting mailboxes in turn, until
 * OVERFLOW_TRIES of them in a row find none or every one was tried.
 */
void
overflow_run(struct server *srv)
{
	struct overflow		*ov = srv->overflow;
	struct overflow_box	*b;
	size_t			 fails = 0, moved = 0;
	long long		 now;

	if (ov == NULL || ov->count == 0)
		return;
	now = io_now_ms();
	if (!ov->kicked && now - ov->tried_ms < OVERFLOW_RETRY_MS)
		return;
	ov->kicked = 0;
	ov->tried_ms = now;
	while ((b = ov->ring) != NULL && fails < OVERFLOW_TRIES &&
	    fails < ov->nboxes && moved < OVERFLOW_BATCH) {
		ov->ring = b->rnext;	/* the next mailbox's turn */
		if (overflow_move(srv, b) != 0) {
			fails++;
			continue;
		}
		fails = 0;
		moved++;
		ov->moved++;
		overflow_remove(ov, b->head->e.id);
	}
	if (moved == OVERFLOW_BATCH)
		ov->kicked = 1;		/* more next turn */
}

/* overflow_status - --status's line of what waits here. */
void
overflow_status(struct server *srv, char *buf, size_t size)
{
	struct overflow	*ov = srv->overflow;

	snprintf(buf, size, "live: overflow: %zu messages, %llu bytes wait in "
	    "the spool for room in the kernel store (%zu mailboxes; %llu "
	    "moved in since start)\n", ov->count,
	    (unsigned long long)ov->bytes, ov->nboxes,
	    (unsigned long long)ov->moved);
}

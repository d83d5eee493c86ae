/*
 * post.c - the path a message takes through mailserv, and the reader's
 * side of the mailbox.  post_accept is the one place a message is
 * accepted: checks, then the kernel store and the durable spool, and
 * only then the sender's "sent"; the live push to the recipient's open
 * sessions goes at once.  A message
 * leaves the store only when its reader says REC_DONE, which mailcli
 * sends after the message is fsync'd into the reader's mbox.
 *
 * The sender picks a message's id and keeps it when it sends again
 * after losing our answer (a timeout, a restart of mailserv): an id
 * already accepted is answered "sent" again and stored only once.
 *
 * With the durable spool, the sender's "sent" (and a reader's "done")
 * waits for the spool's group commit: commit.c writes everything
 * logged since the last one with one fdatasync, in its own thread, and
 * only then are they answered (post_commit_end).  Live pushes do not
 * wait.
 *
 * A message the kernel store has no room for waits in the spool
 * (overflow.c) and is served from there: a mailbox is what the kernel
 * holds for it, then what waits, in that order.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io.h"
#include "log.h"
#include "name.h"
#include "plural.h"
#include "server.h"
#include "xmalloc.h"

/* post_stored - message id, in the kernel store or waiting for room. */
const struct store_entry *
post_stored(struct server *srv, const uint8_t *id)
{
	const struct store_entry	*e = store_find(srv->store, id);

	if (e == NULL && srv->overflow != NULL)
		e = overflow_find(srv->overflow, id);
	return (e);
}

/* post_unstore - drop message id from wherever it is; 0 or -1. */
static int
post_unstore(struct server *srv, const uint8_t *id)
{
	if (store_remove(srv->store, id) == 0) {
		if (srv->overflow != NULL)
			overflow_kick(srv->overflow);
		return (0);
	}
	return (srv->overflow != NULL ? overflow_remove(srv->overflow, id) :
	    -1);
}

/*
 * post_forget - take message id out of wherever it is stored, and out
 * of its sender's tally (quota.c); 0, or -1 if it was not stored.
 */
static int
post_forget(struct server *srv, const uint8_t *id)
{
	quota_refund(srv->quota, id);
	return (post_unstore(srv, id));
}

/* post_pending - answer s once the spool has committed. */
static void
post_pending(struct server *srv, struct session *s, const uint8_t *id,
    int sent)
{
	if (srv->npending == srv->pendcap) {
		srv->pendcap = srv->pendcap == 0 ? 64 : srv->pendcap * 2;
		srv->pending = xreallocarray(srv->pending, srv->pendcap,
		    sizeof *srv->pending);
	}
	srv->pending[srv->npending].s = s;
	memcpy(srv->pending[srv->npending].id, id, MAIL_ID_LEN);
	srv->pending[srv->npending].sent = sent;
	srv->npending++;
	s->waiting++;		/* not freed before it is answered */
}

/*
 * post_commit_begin - a commit goes to the disk (commit.c): the
 * answers waiting for it wait for that one; later ones for the next.
 */
void
post_commit_begin(struct server *srv)
{
	struct pending	*v = srv->flight;
	size_t		 cap = srv->flightcap;

	srv->flight = srv->pending;
	srv->nflight = srv->npending;
	srv->flightcap = srv->pendcap;
	srv->pending = v;
	srv->npending = 0;
	srv->pendcap = cap;
}

/*
 * post_commit_end - the commit in flight is on disk, or failed: the
 * answers.  If the spool could not be written, the senders hear so
 * and their messages are taken back out of the store: nobody is told
 * "sent" for mail that is not durable.  The failed records and their
 * take-backs are written by the next commit, so the replayed log
 * comes out the same.
 */
void
post_commit_end(struct server *srv, int failed, const char *cause)
{
	struct pending	*p;
	size_t		 i;

	for (i = 0; i < srv->nflight; i++) {
		p = &srv->flight[i];
		p->s->waiting--;
		if (!failed || p->sent == POST_DONE) {
			session_queue(srv, p->s, REC_OK, NULL, 0);
			continue;
		}
		/* A copy's first may be durable since an earlier commit:
		 * it stays; the copy's sender hears of the failure and may
		 * send it again. */
		if (p->sent == POST_AGAIN) {
			session_error(srv, p->s, PROTO_E_FULL, "mail spool "
			    "cannot be written (%s): try again", cause);
			continue;
		}
		post_forget(srv, p->id);
		spool_cancel(srv->spool, p->id);
		room_forget(srv, p->id);
		idset_del(srv->seen, p->id);
		session_error(srv, p->s, PROTO_E_FULL, "mail spool cannot be "
		    "written (%s): message not sent", cause);
	}
	srv->nflight = 0;
}

/*
 * post_reconcile - at start, make the kernel store and the spool agree:
 * mail the spool has and the kernel lost (a reboot, an ipcrm) goes back
 * into the store; mail only the kernel has goes into the spool.  Ids
 * make this idempotent.  Then the log is compacted.
 */
int
post_reconcile(struct server *srv, char **cause)
{
	const struct store_entry	*e;
	struct mail			 m;
	size_t				 i, restored = 0, added = 0, n;
	size_t				 held = 0;
	char				*why = NULL;

	n = spool_count(srv->spool);
	for (i = 0; i < n; i++) {
		if (spool_get(srv->spool, i, &m, &why) != 0) {
			log_warnx("spool: %s", why);
			free(why);
			why = NULL;
			continue;
		}
		if (store_find(srv->store, m.id) == NULL) {
			switch (overflow_adopt(srv, &m)) {
			case 0:
				restored++;
				break;
			case OVERFLOW_HELD:
				held++;
				break;
			}
		}
		mail_free(&m);
	}
	n = store_count(srv->store);
	for (i = 0; i < n; i++) {
		e = store_entry(srv->store, i);
		if (spool_has(srv->spool, e->id))
			continue;
		if (store_get(srv->store, e->id, &m, &why) != 0) {
			log_warnx("store: %s", why);
			free(why);
			why = NULL;
			continue;
		}
		spool_put(srv->spool, &m);
		mail_free(&m);
		added++;
	}
	if (spool_compact(srv->spool, cause) != 0)
		return (-1);
	if (restored > 0 || added > 0)
		log_info("spool: %zu %s restored to the kernel store, "
		    "%zu added to the spool", restored,
		    plural(restored, "message", "messages"), added);
	if (held > 0)
		log_info("spool: %zu %s there for room in the kernel store",
		    held, held == 1 ? "message waits" : "messages wait");
	return (0);
}

/* post_check_size - is a body of len bytes for to acceptable? */
static int
post_check_size(struct server *srv, struct session *s, const char *to,
    uint32_t len)
{
	uint64_t	bytes, waiting = 0;

	if (len == 0) {
		session_error(srv, s, PROTO_E_USAGE, "empty message: nothing "
		    "sent");
		return (-1);
	}
	/* A room's lines are bounded by --room-history, not a quota. */
	if (name_room_valid(to))
		return (room_may_post(srv, s, to, len));
	if (len > srv->cfg.max_body) {
		session_error(srv, s, PROTO_E_TOOBIG, "message of %u bytes is "
		    "too large (at most %u)", len, srv->cfg.max_body);
		return (-1);
	}
	store_unread(srv->store, to, &bytes);
	if (srv->overflow != NULL)
		overflow_unread(srv->overflow, to, &waiting);
	bytes += waiting;
	if (bytes + len > srv->cfg.quota) {
		session_error(srv, s, PROTO_E_FULL, "mailbox of %s is full "
		    "(%llu of %llu bytes used)", to, (unsigned long long)bytes,
		    (unsigned long long)srv->cfg.quota);
		return (-1);
	}
	return (0);
}

/*
 * post_rate - may name send one more message now?  A token bucket per
 * sender name: --rate tokens a minute, as many at most in store.
 */
static int
post_rate(struct server *srv, const char *name, int take)
{
	struct sender	*b = NULL;
	long long	 now = io_now_ms();
	size_t		 i;

	if (srv->cfg.rate == 0)
		return (0);
	for (i = 0; i < srv->nsenders && b == NULL; i++)
		if (strcmp(srv->senders[i].name, name) == 0)
			b = &srv->senders[i];
	if (b == NULL) {
		srv->senders = xreallocarray(srv->senders, srv->nsenders + 1,
		    sizeof *srv->senders);
		b = &srv->senders[srv->nsenders++];
		memset(b, 0, sizeof *b);
		strncpy(b->name, name, sizeof b->name - 1);
		b->tokens = srv->cfg.rate;
		b->last_ms = now;
	}
	b->tokens += (double)(now - b->last_ms) * srv->cfg.rate / 60000.0;
	if (b->tokens > srv->cfg.rate)
		b->tokens = srv->cfg.rate;
	b->last_ms = now;
	if (b->tokens < 1.0)
		return (-1);
	if (take)
		b->tokens -= 1.0;
	return (0);
}

/*
 * post_again - is this a copy of a message already accepted, sent
 * again by a sender that lost our answer?  Then it is answered as the
 * first copy was (after the same group commit) and not stored: 1.  0
 * for a new id; -1 for an id that is someone else's (an error sent).
 */
static int
post_again(struct server *srv, struct session *s, const uint8_t *id,
    const char *to)
{
	const struct store_entry	*e;
	char				 idstr[MAIL_ID_STR];

	if ((e = post_stored(srv, id)) != NULL) {
		if (strcmp(e->from, s->name) != 0 || strcmp(e->to, to) != 0) {
			session_error(srv, s, PROTO_E_USAGE, "message id is "
			    "already in use: nothing sent");
			return (-1);
		}
	} else if (!idset_has(srv->seen, id) && (srv->spool == NULL ||
	    !spool_delivered(srv->spool, id)))
		return (0);
	srv->resent++;
	mail_id_str(id, idstr);
	log_info("%s -> %s: %s sent again, stored once", s->name, to, idstr);
	if (srv->spool != NULL && (spool_dirty(srv->spool) ||
	    srv->commit_busy))
		post_pending(srv, s, id, POST_AGAIN);
	else
		session_queue(srv, s, REC_OK, NULL, 0);
	return (1);
}

static const uint8_t	post_noid[MAIL_ID_LEN];

static void	post_accept(struct server *, struct session *, uint8_t *,
		    uint32_t, int);
static void	post_body(struct server *, struct session *, const uint8_t *,
		    uint32_t, int);

/* post_send - REC_SEND: a body for to, here and in REC_DATA. */
void
post_send(struct server *srv, struct session *s, const struct record *rec)
{
	struct proto_send	ps;
	const uint8_t		*part = rec->payload + sizeof ps;
	uint32_t		 partlen;

	if (rec->hdr.len < sizeof ps) {
		session_error(srv, s, PROTO_E_USAGE, "malformed send record");
		return;
	}
	memcpy(&ps, rec->payload, sizeof ps);
	partlen = rec->hdr.len - (uint32_t)sizeof ps;
	mail_assembly_clear(&s->body);
	/* The client sends the body without waiting: if the send is
	 * refused, its data records are expected, and dropped quietly. */
	s->skip = ps.len > partlen ? ps.len - partlen : 0;
	if (!name_box_valid_field(ps.to, sizeof ps.to) ||
	    name_presence_box(ps.to)) {
		session_error(srv, s, PROTO_E_NAME, "invalid recipient name");
		return;
	}
	if (memcmp(ps.id, post_noid, sizeof ps.id) == 0) {
		session_error(srv, s, PROTO_E_USAGE, "send without a message "
		    "id: nothing sent");
		return;
	}
	if (ps.metalen > MAIL_META_MAX || ps.metalen > ps.len) {
		session_error(srv, s, PROTO_E_USAGE, "malformed send record "
		    "(meta block of %u bytes)", ps.metalen);
		return;
	}
	if (post_again(srv, s, ps.id, ps.to) != 0)
		return;
	if (recipient_check(srv, s, ps.to) != 0)
		return;
	if (post_check_size(srv, s, ps.to, ps.len - ps.metalen) != 0 ||
	    quota_check(srv, s, ps.to, ps.len) != 0)
		return;
	if (post_rate(srv, s->name, 0) != 0) {
		log_info("%s is sending faster than %u %s a minute: "
		    "refused", s->name, srv->cfg.rate,
		    plural(srv->cfg.rate, "message", "messages"));
		session_error(srv, s, PROTO_E_RATE, "sending too fast (at most "
		    "%u %s a minute): try again later", srv->cfg.rate,
		    plural(srv->cfg.rate, "message", "messages"));
		return;
	}
	s->skip = 0;
	memcpy(s->to, ps.to, sizeof s->to);
	memcpy(s->send_id, ps.id, sizeof s->send_id);
	s->send_metalen = ps.metalen;
	mail_assembly_start(&s->body, ps.len);
	/* A body whole in this record: nothing came between the check
	 * above and its accept. */
	if (partlen > 0)
		post_body(srv, s, part, partlen, 0);
}

/*
 * post_presence_notice - the sender's notices about the reader: away
 * (with its text), or not to be disturbed (the mail waits).
 */
static void
post_presence_notice(struct server *srv, struct session *s, const char *to,
    int dnd)
{
	const char	*away = presence_away(srv, to);
	char		 text[PROTO_TEXT_MAX];
	int		 n;

	/* An IRC sender is told by a 301 (irc.c), as IRC clients expect. */
	if (away != NULL && s->irc == NULL) {
		n = snprintf(text, sizeof text, "%s is away: %s", to, away);
		session_queue(srv, s, REC_NOTICE, text, (size_t)n);
	}
	if (dnd) {
		n = snprintf(text, sizeof text, "%s does not want to be "
		    "disturbed: your message waits in %s's inbox", to, to);
		session_queue(srv, s, REC_NOTICE, text, (size_t)n);
	}
}

/*
 * post_accept - store a complete message, then tell everyone.  recheck:
 * the body came in several records, so another copy may have been
 * accepted since post_send looked.
 */
static void
post_accept(struct server *srv, struct session *s, uint8_t *body,
    uint32_t len, int recheck)
{
	struct mail		 m, line;
	struct mail_meta	 mm;
	struct session		*t;
	char			*cause = NULL, idstr[MAIL_ID_STR];
	int			 rc, dnd, held;

	memset(&m, 0, sizeof m);
	memcpy(m.id, s->send_id, sizeof m.id);
	memcpy(m.from, s->name, sizeof m.from);
	memcpy(m.to, s->to, sizeof m.to);
	m.date = time(NULL);
	m.len = len;
	m.metalen = s->send_metalen;
	m.body = body;
	if (mail_meta(&m, &mm) != 0) {
		session_error(srv, s, PROTO_E_USAGE, "malformed subject or "
		    "sender in the message: nothing sent");
		goto out;
	}
	/* Mail from another host is delivered by its reader's own uid
	 * (or root's, or ours): to oneself.  No one else's mail may
	 * claim an outside sender. */
	if ((mm.addr[0] != '\0' || mm.flags != 0) &&
	    strcmp(s->name, m.to) != 0) {
		session_error(srv, s, PROTO_E_DENIED, "only a delivery to "
		    "oneself may name an outside sender: nothing sent");
		goto out;
	}
	if (recheck && post_again(srv, s, m.id, m.to) != 0)
		goto out;
	if (post_check_size(srv, s, m.to, len - m.metalen) != 0 ||
	    quota_check(srv, s, m.to, len) != 0)
		goto out;
	if (post_rate(srv, s->name, 1) != 0) {
		session_error(srv, s, PROTO_E_RATE, "sending too fast (at most "
		    "%u %s a minute): try again later", srv->cfg.rate,
		    plural(srv->cfg.rate, "message", "messages"));
		goto out;
	}
	/* Ignored by its reader: not stored, and the sender, as
	 * everywhere, is not told (presence.c). */
	if (presence_ignores(srv, m.to, m.from)) {
		idset_add(srv->seen, m.id);
		log_info("%s -> %s: ignored by its reader, dropped", m.from,
		    m.to);
		session_queue(srv, s, REC_OK, NULL, 0);
		goto out;
	}
	/* A room's line: stored once, for every member (room.c). */
	if (name_room_valid(m.to)) {
		/* A room's line is its text: a subject has no place there. */
		line = m;
		line.body = m.body + m.metalen;
		line.len = m.len - m.metalen;
		line.metalen = 0;
		room_post(srv, s, &line);
		goto out;
	}
	if (overflow_admit(srv, len, &cause) != 0) {
		session_error(srv, s, PROTO_E_FULL, "mail store is full (%s): "
		    "message to %s not sent", cause, m.to);
		free(cause);
		goto out;
	}
	if ((rc = overflow_store(srv, &m, &cause)) != 0 &&
	    rc != OVERFLOW_HELD) {
		if (rc == STORE_FULL)
			session_error(srv, s, PROTO_E_FULL, "mail store is "
			    "full: message to %s not sent", m.to);
		else {
			log_warnx("storing mail for %s: %s", m.to, cause);
			session_error(srv, s, PROTO_E_FULL, "mail store: %s",
			    cause);
		}
		free(cause);
		goto out;
	}
	quota_charge(srv->quota, m.id, m.from, m.to, len);
	srv->accepted++;
	idset_add(srv->seen, m.id);
	mail_id_str(m.id, idstr);
	log_info("%s -> %s: %u %s stored%s (%s)", m.from, m.to, len,
	    plural(len, "byte", "bytes"),
	    rc == OVERFLOW_HELD ? " in the spool, waiting for room" : "", idstr);
	/* Before the "sent": what the sender should know of the reader. */
	dnd = presence_dnd(srv, m.to);
	post_presence_notice(srv, s, m.to, dnd);
	if (srv->spool != NULL) {
		spool_put(srv->spool, &m);
		post_pending(srv, s, m.id, POST_SENT);
	} else
		session_queue(srv, s, REC_OK, NULL, 0);
	for (t = session_online(srv, m.to), held = 0; t != NULL;
	    t = t->namenext) {
		if (t->dead || strcmp(t->name, m.to) != 0)
			continue;
		if (dnd)
			held = 1;	/* it waits in the inbox */
		else
			post_deliver(srv, t, &m, PROTO_MAIL_LIVE);
	}
	if (held)
		presence_held(srv, m.to);
out:
	free(body);
}

/* post_body - the next piece of the body under way (see post_accept). */
static void
post_body(struct server *srv, struct session *s, const uint8_t *p,
    uint32_t len, int recheck)
{
	uint32_t	want = s->body.want;
	int		rc;

	if ((rc = mail_assembly_add(&s->body, p, len)) == -1) {
		mail_assembly_clear(&s->body);
		session_error(srv, s, PROTO_E_USAGE, "message body longer "
		    "than announced: nothing sent");
		return;
	}
	if (rc == 1)
		post_accept(srv, s, mail_assembly_take(&s->body), want,
		    recheck);
}

/* post_data - REC_DATA: the next piece of a body. */
void
post_data(struct server *srv, struct session *s, const struct record *rec)
{
	if (s->body.buf == NULL && s->skip >= rec->hdr.len) {
		s->skip -= rec->hdr.len;
		return;
	}
	if (s->body.buf == NULL) {
		log_warnx_budget(&srv->hostile, "data from %s (pid %ld) "
		    "outside a send: dropped", s->name, (long)s->pid);
		return;
	}
	post_body(srv, s, rec->payload, rec->hdr.len, 1);
}

/* post_deliver - push one message (header, then body) to a session. */
void
post_deliver(struct server *srv, struct session *s, const struct mail *m,
    uint32_t flags)
{
	struct proto_mail	pm;
	size_t			off, n;

	memset(&pm, 0, sizeof pm);
	memcpy(pm.id, m->id, sizeof pm.id);
	memcpy(pm.from, m->from, sizeof pm.from);
	memcpy(pm.to, m->to, sizeof pm.to);
	pm.date = m->date;
	pm.len = m->len;
	pm.metalen = m->metalen;
	pm.flags = flags;
	session_queue(srv, s, REC_MAIL, &pm, sizeof pm);
	for (off = 0; off < m->len; off += n) {
		n = m->len - off < PROTO_PAYLOAD_MAX ? m->len - off :
		    PROTO_PAYLOAD_MAX;
		session_queue(srv, s, REC_DATA, m->body + off, n);
	}
	srv->delivered++;
}

struct post_lister {
	struct server	*srv;
	struct session	*s;
};

/* post_entry - one REC_ENTRY for the lister's session. */
static void
post_entry(const struct store_entry *e, void *arg)
{
	struct post_lister	*l = arg;
	struct proto_entry	 pe;

	memset(&pe, 0, sizeof pe);
	memcpy(pe.id, e->id, sizeof pe.id);
	memcpy(pe.from, e->from, sizeof pe.from);
	pe.date = e->date;
	pe.len = e->len;
	memcpy(pe.first, e->first, sizeof pe.first);
	memcpy(pe.subject, e->subject, sizeof pe.subject);
	memcpy(pe.addr, e->addr, sizeof pe.addr);
	session_queue(l->srv, l->s, REC_ENTRY, &pe, sizeof pe);
}

/*
 * post_list - REC_LIST: one REC_ENTRY per unread message, REC_END.
 * What waits in the spool is newer than what the kernel holds.
 */
void
post_list(struct server *srv, struct session *s)
{
	const struct store_entry	*e;
	struct post_lister		 l = { srv, s };
	size_t				 i, n = store_count(srv->store);

	for (i = 0; i < n; i++) {
		e = store_entry(srv->store, i);
		if (strcmp(e->to, s->name) == 0)
			post_entry(e, &l);
	}
	if (srv->overflow != NULL)
		overflow_list(srv->overflow, s->name, post_entry, &l);
	session_queue(srv, s, REC_END, NULL, 0);
}

/* post_mine - the stored message id, if it is addressed to s. */
static const struct store_entry *
post_mine(struct server *srv, struct session *s, const uint8_t *id)
{
	const struct store_entry	*e = post_stored(srv, id);

	if (e == NULL || strcmp(e->to, s->name) != 0)
		return (NULL);
	return (e);
}

/*
 * post_repair - the kernel lost a stored message while we ran (its
 * queue was removed: ipcrm, RemoveIPC): take it from the spool, put it
 * back in the store, and hand it out.  0, or -1 with cause.
 */
static int
post_repair(struct server *srv, const uint8_t *id, struct mail *m,
    char **cause)
{
	if (srv->spool == NULL)
		return (-1);
	free(*cause);
	*cause = NULL;
	if (spool_get_id(srv->spool, id, m, cause) != 0)
		return (-1);
	post_forget(srv, id);
	/* No room in the kernel: it waits in the spool, still listed. */
	switch (overflow_adopt(srv, m)) {
	case 0:
		log_info("a message for %s was gone from the kernel store: "
		    "restored from the spool", m->to);
		/* FALLTHROUGH */
	case OVERFLOW_HELD:
		quota_charge(srv->quota, m->id, m->from, m->to, m->len);
		break;
	}
	return (0);
}

/*
 * post_get - stored message id, wherever it is (the kernel store, the
 * spool while it waits for room there, the spool again when the kernel
 * lost it); 0, or -1 with cause.
 */
int
post_get(struct server *srv, const uint8_t *id, struct mail *m, char **cause)
{
	if (store_find(srv->store, id) == NULL) {
		if (srv->spool == NULL || srv->overflow == NULL ||
		    overflow_find(srv->overflow, id) == NULL) {
			*cause = xstrdup("no such message");
			return (-1);
		}
		return (spool_get_id(srv->spool, id, m, cause));
	}
	if (store_get(srv->store, id, m, cause) == 0)
		return (0);
	return (post_repair(srv, id, m, cause));
}

/*
 * post_keep - keep a message the server writes itself (a room's line
 * or state): the kernel store, or the spool while the kernel has no
 * room, and the spool's log.  0, or -1 with cause.
 */
int
post_keep(struct server *srv, const struct mail *m, char **cause)
{
	int	rc;

	if (overflow_admit(srv, m->len, cause) != 0)
		return (-1);
	if ((rc = overflow_store(srv, m, cause)) != 0 && rc != OVERFLOW_HELD) {
		if (rc == STORE_FULL) {
			free(*cause);
			*cause = xstrdup("no room in the kernel store");
		}
		return (-1);
	}
	if (srv->spool != NULL)
		spool_put(srv->spool, m);
	return (0);
}

/* post_drop - a message the server wrote is gone: store and spool. */
void
post_drop(struct server *srv, const uint8_t *id)
{
	post_unstore(srv, id);
	if (srv->spool != NULL)
		spool_done(srv->spool, id);
}

/*
 * post_ack - REC_OK to s for what message id made durable: after the
 * next group commit with the spool (sent: POST_SENT takes it back if
 * that fails, POST_AGAIN keeps it), at once without.
 */
void
post_ack(struct server *srv, struct session *s, const uint8_t *id, int sent)
{
	if (srv->spool != NULL)
		post_pending(srv, s, id, sent);
	else
		session_queue(srv, s, REC_OK, NULL, 0);
}

/* post_fetch - REC_FETCH: send a stored message; it stays stored. */
void
post_fetch(struct server *srv, struct session *s, const struct record *rec)
{
	struct proto_id	 pi;
	struct mail	 m;
	char		*cause = NULL;

	if (rec->hdr.len != sizeof pi) {
		session_error(srv, s, PROTO_E_USAGE, "malformed fetch record");
		return;
	}
	memcpy(&pi, rec->payload, sizeof pi);
	if (post_mine(srv, s, pi.id) == NULL) {
		session_error(srv, s, PROTO_E_NOMSG, "no such message");
		return;
	}
	if (store_find(srv->store, pi.id) == NULL) {
		/* Waiting for room in the kernel: from the spool. */
		if (spool_get_id(srv->spool, pi.id, &m, &cause) != 0) {
			log_warnx("reading mail for %s from the spool: %s",
			    s->name, cause);
			session_error(srv, s, PROTO_E_NOMSG, "cannot read "
			    "message: %s", cause);
			free(cause);
			return;
		}
	} else if (store_get(srv->store, pi.id, &m, &cause) != 0 &&
	    post_repair(srv, pi.id, &m, &cause) != 0) {
		log_warnx("reading mail for %s: %s", s->name, cause);
		session_error(srv, s, PROTO_E_NOMSG, "cannot read message: %s",
		    cause);
		free(cause);
		return;
	}
	post_deliver(srv, s, &m, 0);
	mail_free(&m);
}

/* post_done - REC_DONE: the reader saved (or deleted) a message. */
void
post_done(struct server *srv, struct session *s, const struct record *rec)
{
	struct proto_done	pd;
	char			idstr[MAIL_ID_STR];

	if (rec->hdr.len != sizeof pd) {
		session_error(srv, s, PROTO_E_USAGE, "malformed done record");
		return;
	}
	memcpy(&pd, rec->payload, sizeof pd);
	if (post_mine(srv, s, pd.id) == NULL ||
	    post_forget(srv, pd.id) != 0) {
		if (!(pd.flags & PROTO_DONE_QUIET))
			session_error(srv, s, PROTO_E_NOMSG,
			    "no such message");
		return;
	}
	mail_id_str(pd.id, idstr);
	log_info("%s %s %s", s->name, (pd.flags & PROTO_DONE_SAVED) ?
	    "saved" : "deleted", idstr);
	if (srv->spool != NULL)
		spool_done(srv->spool, pd.id);
	if (pd.flags & PROTO_DONE_QUIET)
		return;
	if (srv->spool != NULL)
		post_pending(srv, s, pd.id, POST_DONE);
	else
		session_queue(srv, s, REC_OK, NULL, 0);
}

/* post_wall - REC_WALL: live text to every online session; not stored. */
void
post_wall(struct server *srv, struct session *s, const struct record *rec)
{
	struct proto_wallmsg	 w;
	struct session		*t;
	size_t			 i, n, len = rec->hdr.len;

	if (len == 0 || len >= sizeof w.text ||
	    memchr(rec->payload, '\0', len) != NULL) {
		session_error(srv, s, len == 0 ? PROTO_E_USAGE : PROTO_E_TOOBIG,
		    "wall text must be 1 to %zu bytes", sizeof w.text - 1);
		return;
	}
	memset(&w, 0, sizeof w);
	memcpy(w.from, s->name, sizeof w.from);
	w.date = time(NULL);
	memcpy(w.text, rec->payload, len);
	for (i = n = 0; i < srv->nsessions; i++) {
		t = srv->sessions[i];
		/* Not to whom ignores the sender; nor, unless from the
		 * administrator, to whom does not want to be disturbed. */
		if (!t->login || t->dead || presence_ignores(srv, t->name,
		    s->name) || (presence_dnd(srv, t->name) && !room_admin(s)))
			continue;
		session_queue(srv, t, REC_WALLMSG, &w,
		    offsetof(struct proto_wallmsg, text) + len + 1);
		n++;
	}
	log_info("%s sent a wall message to %zu %s", s->name, n,
	    plural(n, "session", "sessions"));
	session_queue(srv, s, REC_OK, NULL, 0);
}

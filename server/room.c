/*
 * room.c - chat rooms, owned by struct rooms.  A room is held by the
 * mail store and the spool like mail: each line is one message
 * addressed to the room ("#ops"), stored once however many members it
 * has, its body opened by a sequence number; the room's metadata
 * (owner, topic, lock, private flag, members and their read positions,
 * invitations) is one snapshot message, written anew on every change
 * and the old one dropped (roomrec.c).  So a room outlives kill -9 of
 * every process (the kernel store) and a reboot (the spool).  What this
 * file keeps in memory is an index of those messages, rebuilt from the
 * store at start (room_load): nothing about a room lives only here.
 *
 * A line goes at once to every logged-in session of every member,
 * queued with the turn's other replies (one write per session a turn).
 * History keeps --room-history lines; past it the oldest ages out of
 * the store and the spool.  Read positions move on read, on join, and
 * when a line reaches a member's open session; a room whose positions
 * moved writes its snapshot once at the end of the turn (room_flush).
 * A change of membership or topic is told to one watcher (rooms_watch:
 * the IRC door) once it is made, so room.c knows nothing of IRC.
 */
#include <sys/types.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "name.h"
#include "plural.h"
#include "roominfo.h"
#include "roomrec.h"
#include "server.h"
#include "xmalloc.h"

#define ROOM_SEND_MAX	(2 * 1024 * 1024)	/* bytes of lines a request */
#define ROOM_IGNORED_LINE "[ignored line]"

struct room {
	char			 name[PROTO_NAME_MAX + 1];
	struct roomrec_snap	 meta;		/* what the snapshot holds */
	struct roomring		 lines;
	uint8_t			 snap_id[MAIL_ID_LEN];
	int			 has_snap;
	int			 dirty;		/* write the snapshot */
};

struct rooms {
	struct rooms_config	 cfg;
	struct room		**v;
	size_t			 n;
	uint64_t		 lines;		/* accepted since start */
	uint64_t		 aged;		/* aged out since start */
	uint64_t		 snaps;		/* snapshots written */
	room_watch_fn		*watch;		/* told of changes; or NULL */
};

struct rooms *
rooms_new(const struct rooms_config *cfg)
{
	struct rooms	*rs = xcalloc(1, sizeof *rs);

	rs->cfg = *cfg;
	/* A zeroed config (mailbench's in-process mailserv): defaults. */
	if (rs->cfg.history == 0)
		rs->cfg.history = ROOMS_HISTORY_DEFAULT;
	if (rs->cfg.max_rooms == 0)
		rs->cfg.max_rooms = ROOMS_MAX_DEFAULT;
	if (rs->cfg.max_joined == 0)
		rs->cfg.max_joined = ROOMS_JOINED_DEFAULT;
	if (rs->cfg.max_members == 0)
		rs->cfg.max_members = ROOMREC_MEMBERS_MAX;
	return (rs);
}

static void
room_free(struct room *r)
{
	roomrec_snap_clear(&r->meta);
	roomring_clear(&r->lines);
	free(r);
}

void
rooms_free(struct rooms *rs)
{
	size_t	i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		room_free(rs->v[i]);
	free(rs->v);
	free(rs);
}

/* rooms_watch - fn is told of every join, leave, removal and topic. */
void
rooms_watch(struct rooms *rs, room_watch_fn *fn)
{
	rs->watch = fn;
}

/* room_tell - a change made by s's request, to the watcher. */
static void
room_tell(struct server *srv, struct session *s, int event,
    const char *room, const char *who, const char *topic)
{
	struct room_change	ch;

	if (srv->rooms->watch == NULL)
		return;
	memset(&ch, 0, sizeof ch);
	ch.event = event;
	ch.room = room;
	ch.who = who;
	ch.by = s->name;
	ch.topic = topic;
	srv->rooms->watch(srv, s, &ch);
}

/* room_find - the room called name, or NULL. */
static struct room *
room_find(struct rooms *rs, const char *name)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i]->name, name) == 0)
			return (rs->v[i]);
	return (NULL);
}

static struct room *
room_add(struct rooms *rs, const char *name)
{
	struct room	*r = xcalloc(1, sizeof *r);

	strncpy(r->name, name, sizeof r->name - 1);
	roomring_init(&r->lines, rs->cfg.history);
	r->meta.next_seq = 1;
	rs->v = xreallocarray(rs->v, rs->n + 1, sizeof *rs->v);
	rs->v[rs->n++] = r;
	return (r);
}

/* room_member - name's member entry in r, or NULL. */
static struct roomrec_member *
room_member(struct room *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->meta.nmembers; i++)
		if (strcmp(r->meta.members[i].name, name) == 0)
			return (&r->meta.members[i]);
	return (NULL);
}

/* room_invited - the index of name's invitation to r, or -1. */
static ssize_t
room_invited(struct room *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->meta.ninvites; i++)
		if (strcmp(r->meta.invites[i].name, name) == 0)
			return ((ssize_t)i);
	return (-1);
}

/* room_online - logged-in sessions of name. */
static size_t
room_online(struct server *srv, const char *name)
{
	struct session	*t;
	size_t		 n = 0;

	for (t = session_online(srv, name); t != NULL; t = t->namenext)
		if (!t->dead && strcmp(t->name, name) == 0)
			n++;
	return (n);
}

/*
 * room_admin - the mailserv uid or root, under its own login name: may
 * do anything to any room.  Root acting as bob (mailcli -u bob) has
 * bob's rights: a room's identity is the name the server verified.
 */
int
room_admin(const struct session *s)
{
	struct passwd	*pw;

	if (s->uid != 0 && s->uid != geteuid())
		return (0);
	return ((pw = getpwuid(s->uid)) != NULL &&
	    strcmp(pw->pw_name, s->name) == 0);
}

/* room_joined - how many rooms name is a member of. */
static size_t
room_joined(struct rooms *rs, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (room_member(rs->v[i], name) != NULL)
			n++;
	return (n);
}

/*
 * room_each_of - the names of the rooms name is a member of, into an
 * allocated array of *n (the IRC door joins them for a connection).
 */
char
(*room_each_of(struct server *srv, const char *name, size_t *n))
    [PROTO_NAME_MAX + 1]
{
	struct rooms	*rs = srv->rooms;
	char		(*v)[PROTO_NAME_MAX + 1] = NULL;
	size_t		 i;

	*n = 0;
	for (i = 0; i < rs->n; i++) {
		if (room_member(rs->v[i], name) == NULL)
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		memcpy(v[(*n)++], rs->v[i]->name, sizeof *v);
	}
	return (v);
}

/* room_save - write r's snapshot anew and drop the old one. */
static int
room_save(struct server *srv, struct room *r)
{
	struct mail	 m;
	char		*cause = NULL;
	size_t		 len;

	r->dirty = 0;
	r->meta.gen++;
	if (r->meta.next_seq <= roomring_last(&r->lines))
		r->meta.next_seq = roomring_last(&r->lines) + 1;
	memset(&m, 0, sizeof m);
	mail_new_id(m.id);
	memcpy(m.from, r->meta.owner, sizeof m.from);
	memcpy(m.to, r->name, sizeof m.to);
	m.date = time(NULL);
	m.body = roomrec_snap_encode(&r->meta, &len);
	m.len = (uint32_t)len;
	if (post_keep(srv, &m, &cause) != 0) {
		log_warnx("room %s: cannot store its state: %s", r->name,
		    cause);
		free(cause);
		free(m.body);
		return (-1);
	}
	free(m.body);
	if (r->has_snap)
		post_drop(srv, r->snap_id);
	memcpy(r->snap_id, m.id, sizeof r->snap_id);
	r->has_snap = 1;
	srv->rooms->snaps++;
	return (0);
}

/* room_remove - the last member left: the room and its history go. */
static void
room_remove(struct server *srv, struct room *r)
{
	struct rooms	*rs = srv->rooms;
	size_t		 i;

	for (i = 0; i < r->lines.n; i++)
		post_drop(srv, roomring_get(&r->lines, i)->id);
	if (r->has_snap)
		post_drop(srv, r->snap_id);
	log_info("room %s removed with its %zu %s", r->name, r->lines.n,
	    plural(r->lines.n, "line", "lines"));
	for (i = 0; i < rs->n; i++)
		if (rs->v[i] == r) {
			rs->v[i] = rs->v[--rs->n];
			break;
		}
	room_free(r);
}

/*
 * room_forget - line id was taken back (its group commit failed, its
 * sender told "not sent"): out of its room's index too.
 */
void
room_forget(struct server *srv, const uint8_t *id)
{
	struct roomring	 keep;
	struct room	*r;
	size_t		 i, k, n;

	for (i = 0; i < srv->rooms->n; i++) {
		r = srv->rooms->v[i];
		for (k = 0; k < r->lines.n; k++)
			if (memcmp(roomring_get(&r->lines, k)->id, id,
			    MAIL_ID_LEN) == 0)
				break;
		if (k == r->lines.n)
			continue;
		roomring_init(&keep, r->lines.cap);
		for (n = 0; n < r->lines.n; n++)
			if (n != k)
				roomring_push(&keep, roomring_get(&r->lines,
				    n)->id, roomring_get(&r->lines, n)->seq,
				    NULL);
		roomring_clear(&r->lines);
		r->lines = keep;
		return;
	}
}

/* room_flush - the turn's moved read positions, one snapshot a room. */
void
room_flush(struct server *srv)
{
	size_t	i;

	for (i = 0; i < srv->rooms->n; i++)
		if (srv->rooms->v[i]->dirty)
			room_save(srv, srv->rooms->v[i]);
}

/* room_send_line - one stored line of r to s, REC_MAIL (PROTO_MAIL_ROOM). */
static int
room_send_line(struct server *srv, struct session *s, struct room *r,
    const struct roomring_line *l)
{
	struct mail	 m, out;
	const uint8_t	*text;
	size_t		 tlen;
	uint64_t	 seq;
	char		*cause = NULL;

	if (post_get(srv, l->id, &m, &cause) != 0) {
		log_warnx("room %s: a line cannot be read: %s", r->name, cause);
		free(cause);
		return (-1);
	}
	if (roomrec_line_decode(m.body, m.len, &seq, &text, &tlen) != 0) {
		log_warnx("room %s: a stored line is damaged: skipped",
		    r->name);
		mail_free(&m);
		return (-1);
	}
	out = m;
	out.body = (uint8_t *)text;
	out.len = (uint32_t)tlen;
	/* A line of someone s ignores: its place, for s alone. */
	if (presence_ignores(srv, s->name, m.from)) {
		out.body = (uint8_t *)ROOM_IGNORED_LINE;
		out.len = sizeof ROOM_IGNORED_LINE - 1;
	}
	post_deliver(srv, s, &out, PROTO_MAIL_ROOM);
	mail_free(&m);
	return (0);
}

/*
 * room_send_from - r's lines from the i-th oldest on, to s; but no more
 * than ROOM_SEND_MAX bytes of them, the newest, so that a long history
 * of long lines does not overrun what a session may have queued.
 */
static void
room_send_from(struct server *srv, struct session *s, struct room *r,
    size_t i)
{
	const struct store_entry	*e;
	size_t				 j = r->lines.n, bytes = 0;

	while (j > i) {
		e = post_stored(srv, roomring_get(&r->lines, j - 1)->id);
		bytes += e != NULL ? e->len + 2 * sizeof(struct proto_hdr) +
		    sizeof(struct proto_mail) : 0;
		if (bytes > ROOM_SEND_MAX)
			break;
		j--;
	}
	for (i = j; i < r->lines.n; i++)
		room_send_line(srv, s, r, roomring_get(&r->lines, i));
}

/* room_info - one REC_ROOMINFO. */
static void
room_info(struct server *srv, struct session *s, uint32_t kind,
    struct room *r, const char *name, uint32_t count, uint32_t flags)
{
	struct proto_roominfo	ri;
	size_t			i;

	memset(&ri, 0, sizeof ri);
	ri.kind = kind;
	ri.count = count;
	ri.flags = flags;
	memcpy(ri.room, r->name, sizeof ri.room);
	if (name != NULL)
		strncpy(ri.name, name, sizeof ri.name - 1);
	if (kind == ROOMINFO_ROOM) {
		ri.members = (uint32_t)r->meta.nmembers;
		for (i = 0; i < r->meta.nmembers; i++)
			if (room_online(srv, r->meta.members[i].name) > 0)
				ri.online++;
		memcpy(ri.topic, r->meta.topic, sizeof ri.topic);
		if (r->meta.flags & ROOMREC_PRIVATE)
			ri.flags |= ROOMINFO_PRIVATE;
		if (r->meta.flags & ROOMREC_LOCKED)
			ri.flags |= ROOMINFO_LOCKED;
	}
	session_queue(srv, s, REC_ROOMINFO, &ri, roominfo_len(&ri));
}

static void
room_members(struct server *srv, struct session *s, struct room *r)
{
	struct roomrec_member	*mb;
	size_t			 i;
	uint32_t		 flags;

	for (i = 0; i < r->meta.nmembers; i++) {
		mb = &r->meta.members[i];
		flags = room_online(srv, mb->name) > 0 ? ROOMINFO_ONLINE : 0;
		if (strcmp(mb->name, r->meta.owner) == 0)
			flags |= ROOMINFO_OWNER;
		room_info(srv, s, ROOMINFO_MEMBER, r, mb->name, 0, flags);
	}
}

/* room_seen - every line of r counts as read by member mb. */
static void
room_seen(struct room *r, struct roomrec_member *mb)
{
	uint64_t	last = roomring_last(&r->lines);

	if (last == 0 && r->meta.next_seq > 1)
		last = r->meta.next_seq - 1;
	if (mb->read != last) {
		mb->read = last;
		r->dirty = 1;
	}
}

/* room_ok - answer s once what changed is durable (with the spool). */
static void
room_ok(struct server *srv, struct session *s, struct room *r)
{
	if (r != NULL && r->dirty && room_save(srv, r) != 0) {
		session_error(srv, s, PROTO_E_FULL, "the state of %s cannot "
		    "be stored (see the log of mailserv)", r->name);
		return;
	}
	if (r != NULL && r->has_snap)
		post_ack(srv, s, r->snap_id, POST_AGAIN);
	else
		session_queue(srv, s, REC_OK, NULL, 0);
}

/* room_join - ROOM_OP_JOIN. */
static void
room_join(struct server *srv, struct session *s, const char *name)
{
	struct rooms		*rs = srv->rooms;
	struct room		*r = room_find(rs, name);
	struct roomrec_member	*mb;
	ssize_t			 inv;
	size_t			 from;

	if (r != NULL && (mb = room_member(r, s->name)) != NULL)
		goto show;
	if (r == NULL && rs->n >= rs->cfg.max_rooms) {
		session_error(srv, s, PROTO_E_FULL, "cannot create %s: there "
		    "are %zu rooms (at most %u, mailserv --max-rooms)", name,
		    rs->n, rs->cfg.max_rooms);
		return;
	}
	if (room_joined(rs, s->name) >= rs->cfg.max_joined) {
		session_error(srv, s, PROTO_E_FULL, "cannot join %s: %s is in "
		    "%zu rooms already (at most %u, mailserv --max-joined)",
		    name, s->name, room_joined(rs, s->name),
		    rs->cfg.max_joined);
		return;
	}
	if (r == NULL) {
		r = room_add(rs, name);
		memcpy(r->meta.owner, s->name, sizeof r->meta.owner);
		r->meta.created = time(NULL);
		log_info("room %s created by %s", name, s->name);
	} else {
		inv = room_invited(r, s->name);
		if ((r->meta.flags & ROOMREC_PRIVATE) && inv == -1 &&
		    !room_admin(s)) {
			session_error(srv, s, PROTO_E_ALLOWED, "cannot join "
			    "%s: it is private (its owner may invite you)",
			    name);
			return;
		}
		if (r->meta.nmembers >= rs->cfg.max_members) {
			session_error(srv, s, PROTO_E_FULL, "cannot join %s: "
			    "it has %zu members (at most %u, mailserv "
			    "--max-users)", name, r->meta.nmembers,
			    rs->cfg.max_members);
			return;
		}
		if (inv != -1)
			r->meta.invites[inv] =
			    r->meta.invites[--r->meta.ninvites];
	}
	r->meta.members = xreallocarray(r->meta.members, r->meta.nmembers + 1,
	    sizeof *r->meta.members);
	mb = &r->meta.members[r->meta.nmembers++];
	memset(mb, 0, sizeof *mb);
	memcpy(mb->name, s->name, sizeof mb->name);
	r->dirty = 1;
	if (room_save(srv, r) != 0) {
		r->meta.nmembers--;
		session_error(srv, s, PROTO_E_FULL, "cannot join %s: its state "
		    "cannot be stored (see the log of mailserv)", name);
		if (r->meta.nmembers == 0)
			room_remove(srv, r);
		return;
	}
	log_info("%s joined %s", s->name, name);
	room_tell(srv, s, ROOM_EV_JOIN, r->name, s->name, NULL);
	mb = room_member(r, s->name);
show:
	room_info(srv, s, ROOMINFO_ROOM, r, r->meta.owner, (uint32_t)r->lines.n,
	    0);
	room_members(srv, s, r);
	from = r->lines.n > rs->cfg.backlog ? r->lines.n - rs->cfg.backlog : 0;
	if (rs->cfg.backlog > 0)
		room_send_from(srv, s, r, from);
	room_seen(r, mb);
	session_queue(srv, s, REC_END, NULL, 0);
}

/* room_leave_member - take name out of r; the room goes with its last. */
static void
room_leave_member(struct server *srv, struct session *s, struct room *r,
    const char *name)
{
	struct roomrec_member	*mb = room_member(r, name);
	size_t			 i = (size_t)(mb - r->meta.members);

	memmove(mb, mb + 1, (r->meta.nmembers - i - 1) * sizeof *mb);
	r->meta.nmembers--;
	log_info("%s left %s", name, r->name);
	/* Told before the room may go with its last member. */
	room_tell(srv, s, strcmp(name, s->name) == 0 ? ROOM_EV_LEAVE :
	    ROOM_EV_REMOVE, r->name, name, NULL);
	if (r->meta.nmembers == 0) {
		room_remove(srv, r);
		session_queue(srv, s, REC_OK, NULL, 0);
		return;
	}
	/* The owner gone, the longest member owns the room. */
	if (strcmp(r->meta.owner, name) == 0) {
		memcpy(r->meta.owner, r->meta.members[0].name,
		    sizeof r->meta.owner);
		log_info("room %s now owned by %s", r->name, r->meta.owner);
	}
	r->dirty = 1;
	room_ok(srv, s, r);
}

/* room_hidden - r is private and s no member: 1, the refusal sent. */
static int
room_hidden(struct server *srv, struct session *s, struct room *r)
{
	if (!(r->meta.flags & ROOMREC_PRIVATE) || room_admin(s) ||
	    room_member(r, s->name) != NULL)
		return (0);
	session_error(srv, s, PROTO_E_ALLOWED, "%s is private: only its "
	    "members may see it", r->name);
	return (1);
}

/* room_need_member - s is a member of r (or an admin); else 1, error sent. */
static int
room_need_member(struct server *srv, struct session *s, struct room *r,
    const char *what)
{
	if (room_member(r, s->name) != NULL || room_admin(s))
		return (0);
	session_error(srv, s, PROTO_E_ALLOWED, "cannot %s %s: %s is not a "
	    "member", what, r->name, s->name);
	return (1);
}

/* room_need_owner - s owns r (or is an admin); else 1, error sent. */
static int
room_need_owner(struct server *srv, struct session *s, struct room *r,
    const char *what)
{
	if (strcmp(r->meta.owner, s->name) == 0 || room_admin(s))
		return (0);
	session_error(srv, s, PROTO_E_ALLOWED, "cannot %s %s: only its owner "
	    "(%s) may", what, r->name, r->meta.owner);
	return (1);
}

/* room_topic - ROOM_OP_TOPIC: show, or set. */
static void
room_topic(struct server *srv, struct session *s, struct room *r,
    const struct proto_room *pr)
{
	size_t	len = strlen(pr->text);

	if (room_hidden(srv, s, r))
		return;
	if (len == 0) {
		room_info(srv, s, ROOMINFO_ROOM, r, r->meta.owner,
		    (uint32_t)r->lines.n, 0);
		session_queue(srv, s, REC_END, NULL, 0);
		return;
	}
	if (room_need_member(srv, s, r, "set the topic of"))
		return;
	if ((r->meta.flags & ROOMREC_LOCKED) &&
	    strcmp(r->meta.owner, s->name) != 0 && !room_admin(s)) {
		session_error(srv, s, PROTO_E_ALLOWED, "cannot set the topic of "
		    "%s: its owner (%s) locked it", r->name, r->meta.owner);
		return;
	}
	memcpy(r->meta.topic, pr->text, len + 1);
	memcpy(r->meta.topic_by, s->name, sizeof r->meta.topic_by);
	r->meta.topic_time = time(NULL);
	r->dirty = 1;
	log_info("%s set the topic of %s", s->name, r->name);
	room_ok(srv, s, r);
	room_tell(srv, s, ROOM_EV_TOPIC, r->name, s->name, r->meta.topic);
}

/*
 * room_topic_set - who set the topic of room and when; 0, or -1 if no
 * such room or the topic's setter is not known (a topic kept by an
 * older mailserv, IRS1).
 */
int
room_topic_set(struct server *srv, const char *room, char *by, size_t size,
    int64_t *when)
{
	struct room	*r = room_find(srv->rooms, room);

	if (r == NULL || r->meta.topic[0] == '\0' ||
	    r->meta.topic_by[0] == '\0' || r->meta.topic_time == 0)
		return (-1);
	snprintf(by, size, "%s", r->meta.topic_by);
	*when = r->meta.topic_time;
	return (0);
}

/* room_lines - HISTORY (the last n) or READ (the unread, then read). */
static void
room_lines(struct server *srv, struct session *s, struct room *r,
    const struct proto_room *pr)
{
	struct roomrec_member	*mb = room_member(r, s->name);
	size_t			 n;

	if (pr->op == ROOM_OP_HISTORY) {
		if (room_hidden(srv, s, r))
			return;
		n = pr->n < r->lines.n ? pr->n : r->lines.n;
		room_send_from(srv, s, r, r->lines.n - n);
	} else {
		if (mb == NULL) {
			session_error(srv, s, PROTO_E_ALLOWED, "cannot read "
			    "%s: %s is not a member", r->name, s->name);
			return;
		}
		n = roomring_after(&r->lines, mb->read);
		room_send_from(srv, s, r, r->lines.n - n);
		room_seen(r, mb);
	}
	session_queue(srv, s, REC_END, NULL, 0);
}

/* room_unread - ROOM_OP_UNREAD: s's rooms with unread lines. */
static void
room_unread(struct server *srv, struct session *s)
{
	struct roomrec_member	*mb;
	size_t			 i, n;

	for (i = 0; i < srv->rooms->n; i++) {
		if ((mb = room_member(srv->rooms->v[i], s->name)) == NULL)
			continue;
		n = roomring_after(&srv->rooms->v[i]->lines, mb->read);
		if (n > 0)
			room_info(srv, s, ROOMINFO_UNREAD, srv->rooms->v[i],
			    NULL, (uint32_t)n, 0);
	}
	session_queue(srv, s, REC_END, NULL, 0);
}

/* room_list - ROOM_OP_LIST: the rooms s may see. */
static void
room_list(struct server *srv, struct session *s)
{
	struct room	*r;
	size_t		 i;

	for (i = 0; i < srv->rooms->n; i++) {
		r = srv->rooms->v[i];
		if ((r->meta.flags & ROOMREC_PRIVATE) && !room_admin(s) &&
		    room_member(r, s->name) == NULL)
			continue;
		room_info(srv, s, ROOMINFO_ROOM, r, r->meta.owner,
		    (uint32_t)r->lines.n, 0);
	}
	session_queue(srv, s, REC_END, NULL, 0);
}

/* room_user_op - INVITE or REMOVE of pr->user, by the owner. */
static void
room_user_op(struct server *srv, struct session *s, struct room *r,
    const struct proto_room *pr)
{
	if (!name_valid_field(pr->user, sizeof pr->user)) {
		session_error(srv, s, PROTO_E_NAME, "invalid user name: names "
		    "are [a-z_][a-z0-9_-]{0,31}");
		return;
	}
	if (room_hidden(srv, s, r) || room_need_owner(srv, s, r,
	    pr->op == ROOM_OP_INVITE ? "invite to" : "remove from"))
		return;
	if (pr->op == ROOM_OP_REMOVE) {
		if (room_member(r, pr->user) == NULL) {
			session_error(srv, s, PROTO_E_USAGE, "%s is not a "
			    "member of %s", pr->user, r->name);
			return;
		}
		log_info("%s removed %s from %s", s->name, pr->user, r->name);
		room_leave_member(srv, s, r, pr->user);
		return;
	}
	if (room_member(r, pr->user) == NULL &&
	    room_invited(r, pr->user) == -1) {
		if (r->meta.ninvites >= ROOMREC_INVITES_MAX) {
			session_error(srv, s, PROTO_E_FULL, "%s has too many "
			    "invitations", r->name);
			return;
		}
		r->meta.invites = xreallocarray(r->meta.invites,
		    r->meta.ninvites + 1, sizeof *r->meta.invites);
		memset(&r->meta.invites[r->meta.ninvites], 0,
		    sizeof *r->meta.invites);
		memcpy(r->meta.invites[r->meta.ninvites++].name, pr->user,
		    sizeof pr->user);
		r->dirty = 1;
		log_info("%s invited %s to %s", s->name, pr->user, r->name);
	}
	room_ok(srv, s, r);
}

/* room_flag - PRIVATE or LOCK on or off, by the owner. */
static void
room_flag(struct server *srv, struct session *s, struct room *r,
    const struct proto_room *pr)
{
	uint32_t	flag = pr->op == ROOM_OP_PRIVATE ? ROOMREC_PRIVATE :
	    ROOMREC_LOCKED;

	if (room_hidden(srv, s, r) || room_need_owner(srv, s, r,
	    pr->op == ROOM_OP_PRIVATE ? "change the privacy of" :
	    "lock or unlock the topic of"))
		return;
	if (pr->n > 1) {
		session_error(srv, s, PROTO_E_USAGE, "malformed room request");
		return;
	}
	if (((r->meta.flags & flag) != 0) != (pr->n != 0)) {
		r->meta.flags ^= flag;
		r->dirty = 1;
	}
	room_ok(srv, s, r);
}

/* room_request - REC_ROOM: one room command. */
void
room_request(struct server *srv, struct session *s, const struct record *rec)
{
	struct proto_room	 pr;
	struct room		*r;

	if (rec->hdr.len != sizeof pr) {
		log_warnx_budget(&srv->hostile, "malformed room record (%u "
		    "bytes) from %s (pid %ld): refused", rec->hdr.len, s->name,
		    (long)s->pid);
		session_error(srv, s, PROTO_E_USAGE, "malformed room request");
		return;
	}
	memcpy(&pr, rec->payload, sizeof pr);
	if (memchr(pr.text, '\0', sizeof pr.text) == NULL ||
	    memchr(pr.user, '\0', sizeof pr.user) == NULL) {
		log_warnx_budget(&srv->hostile, "room record from %s (pid %ld) "
		    "with unterminated fields: refused", s->name,
		    (long)s->pid);
		session_error(srv, s, PROTO_E_USAGE, "malformed room request");
		return;
	}
	if (pr.op == ROOM_OP_LIST) {
		room_list(srv, s);
		return;
	}
	if (pr.op == ROOM_OP_UNREAD) {
		room_unread(srv, s);
		return;
	}
	if (!name_room_valid_field(pr.room, sizeof pr.room)) {
		session_error(srv, s, PROTO_E_NAME, "invalid room name: rooms "
		    "are %s", NAME_ROOM_RULE);
		return;
	}
	if (pr.op == ROOM_OP_JOIN) {
		room_join(srv, s, pr.room);
		return;
	}
	if ((r = room_find(srv->rooms, pr.room)) == NULL) {
		session_error(srv, s, PROTO_E_NOROOM, "no such room %s",
		    pr.room);
		return;
	}
	switch (pr.op) {
	case ROOM_OP_LEAVE:
		if (room_member(r, s->name) == NULL) {
			if (!room_hidden(srv, s, r))
				session_error(srv, s, PROTO_E_ALLOWED, "cannot "
				    "leave %s: %s is not a member", r->name,
				    s->name);
			return;
		}
		room_leave_member(srv, s, r, s->name);
		break;
	case ROOM_OP_MEMBERS:
		if (room_hidden(srv, s, r))
			return;
		room_members(srv, s, r);
		session_queue(srv, s, REC_END, NULL, 0);
		break;
	case ROOM_OP_TOPIC:
		room_topic(srv, s, r, &pr);
		break;
	case ROOM_OP_HISTORY:
	case ROOM_OP_READ:
		room_lines(srv, s, r, &pr);
		break;
	case ROOM_OP_LOCK:
	case ROOM_OP_PRIVATE:
		room_flag(srv, s, r, &pr);
		break;
	case ROOM_OP_INVITE:
	case ROOM_OP_REMOVE:
		room_user_op(srv, s, r, &pr);
		break;
	default:
		log_warnx_budget(&srv->hostile, "room record with unknown "
		    "operation %u from %s: refused", pr.op, s->name);
		session_error(srv, s, PROTO_E_USAGE, "unknown room request");
	}
}

/*
 * room_may_post - may s send a line of len bytes to room to?  0, or -1
 * with the error sent.
 */
int
room_may_post(struct server *srv, struct session *s, const char *to,
    uint32_t len)
{
	struct room	*r = room_find(srv->rooms, to);

	if (r == NULL) {
		session_error(srv, s, PROTO_E_NOROOM, "no such room %s: "
		    "nothing sent", to);
		return (-1);
	}
	if (room_member(r, s->name) == NULL) {
		session_error(srv, s, PROTO_E_ALLOWED, "cannot send to %s: %s "
		    "is not a member", to, s->name);
		return (-1);
	}
	if (len > srv->cfg.max_body - sizeof(struct roomrec_line_hdr)) {
		session_error(srv, s, PROTO_E_TOOBIG, "line of %u bytes is too "
		    "large for %s (at most %zu)", len, to,
		    (size_t)srv->cfg.max_body -
		    sizeof(struct roomrec_line_hdr));
		return (-1);
	}
	return (0);
}

/*
 * room_post - a line from s, accepted: stored once (kernel store, then
 * the spool), the oldest aging out past --room-history, pushed to every
 * online session of every member; s hears "sent" once it is durable.
 * m's body is the text; m->id the sender's.
 */
void
room_post(struct server *srv, struct session *s, const struct mail *m)
{
	struct room		*r;
	struct roomring_line	 aged;
	struct roomrec_member	*mb;
	struct session		*t;
	struct mail		 st;
	char			*cause = NULL, idstr[MAIL_ID_STR];
	size_t			 i, len, n = 0;
	uint64_t		 seq;

	if (room_may_post(srv, s, m->to, m->len) != 0)
		return;
	r = room_find(srv->rooms, m->to);
	seq = r->meta.next_seq;
	if (seq <= roomring_last(&r->lines))
		seq = roomring_last(&r->lines) + 1;
	st = *m;
	st.body = roomrec_line_encode(seq, m->body, m->len, &len);
	st.len = (uint32_t)len;
	if (post_keep(srv, &st, &cause) != 0) {
		session_error(srv, s, PROTO_E_FULL, "mail store is full (%s): "
		    "line to %s not sent", cause, m->to);
		free(cause);
		free(st.body);
		return;
	}
	free(st.body);
	r->meta.next_seq = seq + 1;
	if (roomring_push(&r->lines, m->id, seq, &aged)) {
		post_drop(srv, aged.id);
		srv->rooms->aged++;
	}
	srv->rooms->lines++;
	srv->accepted++;
	idset_add(srv->seen, m->id);
	mail_id_str(m->id, idstr);
	post_ack(srv, s, m->id, POST_SENT);
	for (i = 0; i < r->meta.nmembers; i++) {
		mb = &r->meta.members[i];
		/* Ignored: never shown, nor unread.  Do not disturb: not
		 * shown, so unread (presence.c). */
		if (presence_ignores(srv, mb->name, s->name)) {
			if (mb->read < seq) {
				mb->read = seq;
				r->dirty = 1;
			}
			continue;
		}
		if (presence_dnd(srv, mb->name))
			continue;
		for (t = session_online(srv, mb->name); t != NULL;
		    t = t->namenext) {
			if (t->dead || strcmp(t->name, mb->name) != 0)
				continue;
			post_deliver(srv, t, m, PROTO_MAIL_LIVE |
			    PROTO_MAIL_ROOM);
			n++;
			/* Shown to the member: read. */
			if (mb->read < seq) {
				mb->read = seq;
				r->dirty = 1;
			}
		}
	}
	mb = room_member(r, s->name);
	if (mb->read < seq) {
		mb->read = seq;
		r->dirty = 1;
	}
	log_info("%s -> %s: line %llu, %u %s, to %zu %s (%s)", s->name,
	    m->to, (unsigned long long)seq, m->len, plural(m->len, "byte",
	    "bytes"), n, plural(n, "session", "sessions"), idstr);
}

#define ROOM_UNREAD	(-1)	/* a found message that could not be read */

/* One room message found at start. */
struct room_found {
	uint8_t		id[MAIL_ID_LEN];
	char		to[PROTO_NAME_MAX + 1];
	uint64_t	seq;
	int		kind;
	struct roomrec_snap sn;
};

struct room_scan {
	struct room_found	*v;
	size_t			 n, cap;
};

static void
room_scan_add(struct room_scan *sc, const struct store_entry *e)
{
	if (!name_room_valid_field(e->to, sizeof e->to))
		return;
	if (sc->n == sc->cap) {
		sc->cap = sc->cap == 0 ? 64 : sc->cap * 2;
		sc->v = xreallocarray(sc->v, sc->cap, sizeof *sc->v);
	}
	memset(&sc->v[sc->n], 0, sizeof sc->v[sc->n]);
	memcpy(sc->v[sc->n].id, e->id, MAIL_ID_LEN);
	memcpy(sc->v[sc->n].to, e->to, sizeof e->to);
	sc->n++;
}

static void
room_scan_held(const struct store_entry *e, void *arg)
{
	room_scan_add(arg, e);
}

/* room_rank - a room's messages sort: its snapshots, lines, the rest. */
static int
room_rank(int kind)
{
	return (kind == ROOMREC_SNAP ? 0 : kind == ROOMREC_LINE ? 1 : 2);
}

static int
room_found_cmp(const void *a, const void *b)
{
	const struct room_found	*x = a, *y = b;
	int			 c = strcmp(x->to, y->to);

	if (c != 0)
		return (c);
	if (room_rank(x->kind) != room_rank(y->kind))
		return (room_rank(x->kind) - room_rank(y->kind));
	if (x->kind == ROOMREC_SNAP)	/* the newest snapshot first */
		return (x->sn.gen > y->sn.gen ? -1 : x->sn.gen < y->sn.gen);
	if (x->kind == ROOMREC_LINE)
		return (x->seq < y->seq ? -1 : x->seq > y->seq);
	return (0);
}

/* room_classify - read one found message and say what it is. */
static void
room_classify(struct server *srv, struct room_found *f)
{
	struct mail	 m;
	const uint8_t	*text;
	size_t		 tlen;
	char		*cause = NULL;

	f->kind = ROOM_UNREAD;
	if (post_get(srv, f->id, &m, &cause) != 0) {
		log_warnx("room %s: a stored message cannot be read now (%s): "
		    "left where it is", f->to, cause);
		free(cause);
		return;
	}
	f->kind = ROOMREC_BAD;
	switch (roomrec_kind(m.body, m.len)) {
	case ROOMREC_LINE:
		if (roomrec_line_decode(m.body, m.len, &f->seq, &text,
		    &tlen) == 0)
			f->kind = ROOMREC_LINE;
		break;
	case ROOMREC_SNAP:
		if (roomrec_snap_decode(m.body, m.len, &f->sn, &cause) == 0)
			f->kind = ROOMREC_SNAP;
		else {
			log_warnx("room %s: %s: dropped", f->to, cause);
			free(cause);
		}
		break;
	default:
		break;
	}
	mail_free(&m);
}

/*
 * room_load - at start, the rooms from what the store holds (and what
 * waits in the spool for room in it): each room's newest snapshot and
 * its lines, in order.  Older snapshots, damaged messages, lines of a
 * room without a snapshot and lines past --room-history are dropped,
 * and logged.
 */
void
room_load(struct server *srv)
{
	struct rooms		*rs = srv->rooms;
	struct room_scan	 sc = { NULL, 0, 0 };
	struct room_found	*f;
	struct room		*r = NULL;
	struct roomring_line	 aged;
	size_t			 i, n, lines = 0, dropped = 0;

	n = store_count(srv->store);
	for (i = 0; i < n; i++)
		room_scan_add(&sc, store_entry(srv->store, i));
	if (srv->overflow != NULL)
		overflow_each(srv->overflow, room_scan_held, &sc);
	for (i = 0; i < sc.n; i++)
		room_classify(srv, &sc.v[i]);
	if (sc.n > 1)
		qsort(sc.v, sc.n, sizeof *sc.v, room_found_cmp);
	for (i = 0; i < sc.n; i++) {
		f = &sc.v[i];
		if (r != NULL && strcmp(r->name, f->to) != 0)
			r = NULL;
		if (f->kind == ROOMREC_SNAP && r == NULL &&
		    (i == 0 || strcmp(sc.v[i - 1].to, f->to) != 0)) {
			r = room_add(rs, f->to);
			r->meta = f->sn;
			memset(&f->sn, 0, sizeof f->sn);
			memcpy(r->snap_id, f->id, sizeof r->snap_id);
			r->has_snap = 1;
			continue;
		}
		if (f->kind == ROOMREC_LINE && r != NULL) {
			if (roomring_push(&r->lines, f->id, f->seq, &aged)) {
				post_drop(srv, aged.id);
				dropped++;
			} else
				lines++;
			continue;
		}
		if (f->kind == ROOM_UNREAD)
			continue;
		if (f->kind == ROOMREC_BAD || f->kind == ROOMREC_LINE)
			log_warnx("room %s: a %s message dropped", f->to,
			    f->kind == ROOMREC_LINE ? "line of a room without "
			    "state" : "damaged");
		roomrec_snap_clear(&f->sn);
		post_drop(srv, f->id);
		dropped++;
	}
	for (i = 0; i < rs->n; i++) {
		r = rs->v[i];
		if (r->meta.next_seq <= roomring_last(&r->lines))
			r->meta.next_seq = roomring_last(&r->lines) + 1;
	}
	free(sc.v);
	if (rs->n > 0 || dropped > 0)
		log_info("rooms: %zu %s with %zu %s restored from the store%s",
		    rs->n, plural(rs->n, "room", "rooms"), lines,
		    plural(lines, "line", "lines"),
		    dropped > 0 ? " (some dropped: see above, or aged out)" :
		    "");
}

/* room_status - --status's lines about rooms. */
void
room_status(struct server *srv, char *buf, size_t size)
{
	struct rooms	*rs = srv->rooms;
	size_t		 i, lines = 0, held = 0, j;
	const struct roomring_line *l;

	for (i = 0; i < rs->n; i++) {
		lines += rs->v[i]->lines.n;
		for (j = 0; srv->overflow != NULL && j < rs->v[i]->lines.n;
		    j++) {
			l = roomring_get(&rs->v[i]->lines, j);
			if (overflow_find(srv->overflow, l->id) != NULL)
				held++;
		}
	}
	snprintf(buf, size, "live: rooms: %zu %s (at most %u), %zu %s of "
	    "history held once each as messages to the room (%zu in the "
	    "kernel store, %zu waiting in the spool), one state snapshot "
	    "message a room; %llu %s since start, %llu aged out past "
	    "--room-history %u, %llu %s written\n", rs->n,
	    plural(rs->n, "room", "rooms"), rs->cfg.max_rooms, lines,
	    plural(lines, "line", "lines"), lines - held, held,
	    (unsigned long long)rs->lines,
	    plural(rs->lines, "line", "lines"), (unsigned long long)rs->aged,
	    rs->cfg.history, (unsigned long long)rs->snaps,
	    plural(rs->snaps, "snapshot", "snapshots"));
}

/*
 * irccmd.c - what an IRC connection's commands and the server's records
 * mean, once the connection is registered (irc.c owns the connection
 * itself).  A command becomes the record a mailcli would send (post.c,
 * room.c); the records the server queues for the session answer it
 * (struct irccmd's context) or are pushed live (mail, room lines,
 * walls), and become IRC lines here.  The door's inside: irc.h.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uuid/uuid.h>

#include "ircline.h"
#include "mail.h"
#include "name.h"
#include "roominfo.h"
#include "server.h"
#include "irc.h"
#include "xmalloc.h"

#define IRCCMD_OWN_IDS	16		/* own sends remembered (echo) */

/* What the records queued during a command answer. */
enum irccmd_ctx {
	IRCCMD_CTX_NONE = 0,
	IRCCMD_CTX_PROBE,	/* JOIN: is it a member? its unread lines */
	IRCCMD_CTX_JOIN,	/* JOIN: topic, names, backlog */
	IRCCMD_CTX_REJOIN,	/* JOIN of a member: backlog dropped */
	IRCCMD_CTX_PART,
	IRCCMD_CTX_SEND,
	IRCCMD_CTX_TOPIC,
	IRCCMD_CTX_TOPICSET,
	IRCCMD_CTX_NAMES,
	IRCCMD_CTX_WHO,
	IRCCMD_CTX_LIST,
	IRCCMD_CTX_MODE,
	IRCCMD_CTX_MODESET,
	IRCCMD_CTX_MAILLIST,	/* waiting mail, on connect */
	IRCCMD_CTX_FETCH,
};

struct irccmd_held {			/* a line held back during a JOIN */
	struct proto_mail	 m;
	char			*body;
};

/* One connection's commands: what it was told, what it is answering. */
struct irccmd {
	time_t			 last;		/* last PRIVMSG: idle */
	/* The command being answered. */
	int			 ctx;
	int			 failed;	/* it got REC_ERROR */
	char			 target[PROTO_NAME_MAX + 1];
	char			 text[PROTO_TEXT_MAX];
	uint32_t		 flags;		/* of its room */
	char			 names[400];	/* a 353 being filled */
	int			 named;		/* its 366 is out */
	struct irccmd_held	*held;
	size_t			 nheld;
	/* A REC_MAIL and its REC_DATA. */
	struct proto_mail	 mail;
	char			*body;
	size_t			 got;
	int			 inmail;
	uint8_t			 ids[IRCCMD_OWN_IDS][16];
	size_t			 nids;
	uint8_t			(*list)[16];	/* waiting mail on connect */
	size_t			 nlist;
	uint8_t			(*done)[16];	/* shown this turn */
	size_t			 ndone;
	struct irccmd_shown	*shown;		/* shown, PING sent */
	size_t			 nshown;
	uint64_t		 ping;		/* the last PING's number */
	char			(*joined)[PROTO_NAME_MAX + 1]; /* on IRC */
	size_t			 njoined;
};

/*
 * Mail shown to IRC is done with once the client answered the PING sent
 * after it: it was read off the socket.  A client gone before is shown
 * it again at its next connect (at least once, never lost).
 */
struct irccmd_shown {
	uint8_t		id[16];
	uint64_t	ping;
};

#define IRCCMD_PING	"ipcmail-shown-"

/* irccmd_new - a connection's command state, before registration. */
struct irccmd *
irccmd_new(void)
{
	struct irccmd	*c = xcalloc(1, sizeof *c);

	c->last = time(NULL);
	return (c);
}

/* irccmd_free - what the command state holds. */
void
irccmd_free(struct irccmd *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nheld; i++)
		free(c->held[i].body);
	free(c->held);
	free(c->body);
	free(c->list);
	free(c->done);
	free(c->shown);
	free(c->joined);
	free(c);
}

/* irccmd_time_tag - "time=2026-12-01T20:00:00.000Z" of t. */
static void
irccmd_time_tag(char *buf, size_t size, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "time=%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/*
 * irccmd_message - a text from another user (or a room's line) as PRIVMSG
 * or NOTICE lines, one per line of the text and each within 512 bytes:
 * a long text is several lines, never cut.  old: said before now (a
 * backlog, mail that waited): its time as a server-time tag, or, for a
 * client without it, in front of the text.
 */
static void
irccmd_message(struct server *srv, struct session *s, const char *cmd,
    const char *from, const char *to, const char *text, size_t len,
    int64_t date, int old)
{
	char		 prefix[2 * PROTO_NAME_MAX + 32], tag[64], stamp[16];
	char		 piece[IRCLINE_MAX + 1], *clean;
	const char	*p[1] = { to };
	size_t		 max, used, n, off = 0, clen;
	struct tm	 tm;
	time_t		 tt = (time_t)date;

	irc_prefix(prefix, sizeof prefix, from);
	irccmd_time_tag(tag, sizeof tag, date);
	stamp[0] = '\0';
	if (old && !(irc_caps(s) & IRC_CAP_TIME)) {
		localtime_r(&tt, &tm);
		strftime(stamp, sizeof stamp, "[%H:%M] ", &tm);
	}
	/* What may reach a client: valid UTF-8, no control bytes. */
	clean = xmalloc(len + 1);
	clen = ircline_clean(clean, (const uint8_t *)text, len);
	/* Room for ":prefix CMD to :" and CR LF. */
	max = IRCLINE_MAX - 2 - (strlen(prefix) + strlen(cmd) +
	    strlen(to) + 6) - strlen(stamp);
	while (off < clen) {
		n = ircline_piece(clean + off, clen - off, max, &used);
		if (n > 0) {
			snprintf(piece, sizeof piece, "%s%.*s", stamp, (int)n,
			    clean + off);
			irc_line(srv, s, (irc_caps(s) & IRC_CAP_TIME) ?
			    tag : NULL, prefix, cmd, p, 1, piece);
		}
		off += used;
	}
	if (clen == 0)
		irc_line(srv, s, NULL, prefix, cmd, p, 1, stamp[0] ? stamp :
		    " ");
	free(clean);
}

static void	irccmd_names_end(struct server *, struct session *);

/* irccmd_joined - the index of room in what the client was told it
 * joined, or -1. */
static ssize_t
irccmd_joined(struct irccmd *c, const char *room)
{
	size_t	i;

	for (i = 0; i < c->njoined; i++)
		if (strcmp(c->joined[i], room) == 0)
			return ((ssize_t)i);
	return (-1);
}

/* irccmd_joined_set - room is joined on IRC now (1) or no longer (0). */
static void
irccmd_joined_set(struct irccmd *c, const char *room, int on)
{
	ssize_t	i = irccmd_joined(c, room);

	if (on && i == -1) {
		c->joined = xreallocarray(c->joined, c->njoined + 1,
		    sizeof *c->joined);
		snprintf(c->joined[c->njoined++], sizeof *c->joined, "%s",
		    room);
	} else if (!on && i != -1)
		memcpy(c->joined[i], c->joined[--c->njoined],
		    sizeof *c->joined);
}

/* irccmd_own - was id one of s's own sends (its echo)? */
static int
irccmd_own(struct irccmd *c, const uint8_t *id)
{
	size_t	i;

	for (i = 0; i < c->nids && i < IRCCMD_OWN_IDS; i++)
		if (memcmp(c->ids[i], id, 16) == 0)
			return (1);
	return (0);
}

/*
 * irccmd_others - has name a logged-in session that is not IRC?  That one
 * (mailcli) saves mail to the mbox; else what IRC showed is done.
 */
static int
irccmd_others(struct server *srv, const char *name)
{
	struct session	*t;

	for (t = session_online(srv, name); t != NULL; t = t->namenext)
		if (!t->dead && t->irc == NULL && strcmp(t->name, name) == 0)
			return (1);
	return (0);
}

/* irccmd_mail - a whole REC_MAIL with its body, for s. */
static void
irccmd_mail(struct server *srv, struct session *s)
{
	struct irccmd		*c = irc_cmd(s);
	struct proto_mail	*m = &c->mail;
	struct irccmd_held		*h;
	char			 from[PROTO_NAME_MAX + 1];
	char			 to[PROTO_NAME_MAX + 1];

	memcpy(from, m->from, sizeof from);
	from[PROTO_NAME_MAX] = '\0';
	memcpy(to, m->to, sizeof to);
	to[PROTO_NAME_MAX] = '\0';
	if (m->flags & PROTO_MAIL_ROOM) {
		if (c->ctx == IRCCMD_CTX_REJOIN && !(m->flags & PROTO_MAIL_LIVE))
			return;		/* the backlog of a rejoin */
		if (c->ctx == IRCCMD_CTX_PROBE && !(m->flags & PROTO_MAIL_LIVE)) {
			c->held = xreallocarray(c->held, c->nheld + 1,
			    sizeof *c->held);
			h = &c->held[c->nheld++];
			h->m = *m;
			h->body = c->body;
			c->body = NULL;
			return;
		}
		/* A join's names come before its backlog. */
		if (c->ctx == IRCCMD_CTX_JOIN)
			irccmd_names_end(srv, s);
		/* A room joined meanwhile (from mailcli): IRC hears of it. */
		if ((m->flags & PROTO_MAIL_LIVE) && irccmd_joined(c, to) == -1 &&
		    irc_registered(s)) {
			const char	*jp[1] = { to };
			char		 me[2 * PROTO_NAME_MAX + 32];

			irc_prefix(me, sizeof me, s->name);
			irc_line(srv, s, NULL, me, "JOIN", jp, 1, NULL);
			irccmd_joined_set(c, to, 1);
		}
		if ((m->flags & PROTO_MAIL_LIVE) && irccmd_own(c, m->id) &&
		    !(irc_caps(s) & IRC_CAP_ECHO))
			return;
		irccmd_message(srv, s, "PRIVMSG", from, to, c->body != NULL ?
		    c->body : "", m->len, m->date,
		    !(m->flags & PROTO_MAIL_LIVE));
		return;
	}
	/* Mail's meta block (mail.h): its subject opens the lines. */
	if (m->metalen > 0 && m->metalen <= m->len && c->body != NULL) {
		struct mail_meta	 mm;
		char			*text;
		int			 n;

		if (mail_meta_decode((const uint8_t *)c->body, m->metalen,
		    &mm) != 0)
			memset(&mm, 0, sizeof mm);
		n = asprintf(&text, "%s%s%s%.*s", mm.subject[0] ?
		    "Subject: " : "", mm.subject, mm.subject[0] ? "\n" : "",
		    (int)(m->len - m->metalen), c->body + m->metalen);
		if (n >= 0) {
			irccmd_message(srv, s, "PRIVMSG", from, s->name, text,
			    (size_t)n, m->date, !(m->flags & PROTO_MAIL_LIVE));
			free(text);
		}
	} else
		irccmd_message(srv, s, "PRIVMSG", from, s->name, c->body != NULL ?
		    c->body : "", m->len, m->date,
		    !(m->flags & PROTO_MAIL_LIVE));
	/* Shown on IRC and no mailcli to save it: done with (doc/irc.md). */
	if (!irccmd_others(srv, s->name)) {
		c->done = xreallocarray(c->done, c->ndone + 1, sizeof *c->done);
		memcpy(c->done[c->ndone++], m->id, 16);
	}
}

/* irccmd_names_flush - the 353 filled so far. */
static void
irccmd_names_flush(struct server *srv, struct session *s)
{
	struct irccmd	*c = irc_cmd(s);
	char		 params[PROTO_NAME_MAX + 8];

	if (c->names[0] == '\0')
		return;
	snprintf(params, sizeof params, "%c %s", (c->flags &
	    ROOMINFO_PRIVATE) ? '@' : '=', c->target);
	irc_num(srv, s, "353", params, "%s", c->names);
	c->names[0] = '\0';
}

/* irccmd_names_end - the names of a room are all out: 353, 366. */
static void
irccmd_names_end(struct server *srv, struct session *s)
{
	if (irc_cmd(s)->named)
		return;
	irccmd_names_flush(srv, s);
	irc_num(srv, s, "366", irc_cmd(s)->target, "End of /NAMES list.");
	irc_cmd(s)->named = 1;
}

/* irccmd_names_add - one member into the 353 being filled. */
static void
irccmd_names_add(struct server *srv, struct session *s,
    const struct proto_roominfo *ri)
{
	struct irccmd	*c = irc_cmd(s);
	size_t		 len = strlen(c->names);

	if (len + PROTO_NAME_MAX + 2 >= sizeof c->names) {
		irccmd_names_flush(srv, s);
		len = 0;
	}
	snprintf(c->names + len, sizeof c->names - len, "%s%s%.*s",
	    len > 0 ? " " : "", (ri->flags & ROOMINFO_OWNER) ? "@" : "",
	    PROTO_NAME_MAX, ri->name);
}

/* irccmd_who_line - one 352 for name in chan ("*": none). */
static void
irccmd_who_line(struct server *srv, struct session *s, const char *chan,
    const char *name)
{
	char	params[3 * PROTO_NAME_MAX + 64];
	int	on = 0;
	struct session	*t;

	for (t = session_online(srv, name); t != NULL; t = t->namenext)
		if (!t->dead && strcmp(t->name, name) == 0)
			on = 1;
	snprintf(params, sizeof params, "%s %s %s %s %s %c", chan, name,
	    IRC_HOST, IRC_SERVER, name, !on ? 'G' : presence_away(srv, name) ?
	    'G' : 'H');
	irc_num(srv, s, "352", params, "0 %s", name);
}

/*
 * irccmd_topic_who - 333: who set the topic of room, and when.  Not
 * known for a topic an older mailserv kept (doc/irc.md): no 333.
 */
static void
irccmd_topic_who(struct server *srv, struct session *s, const char *room)
{
	char	by[PROTO_NAME_MAX + 1], params[2 * PROTO_NAME_MAX + 32];
	int64_t	when;

	if (room_topic_set(srv, room, by, sizeof by, &when) != 0)
		return;
	snprintf(params, sizeof params, "%s %s %lld", room, by,
	    (long long)when);
	irc_num(srv, s, "333", params, NULL);
}

/* irccmd_roominfo - a REC_ROOMINFO, read by the command it answers. */
static void
irccmd_roominfo(struct server *srv, struct session *s,
    const struct proto_roominfo *ri)
{
	struct irccmd	*c = irc_cmd(s);
	char		 prefix[2 * PROTO_NAME_MAX + 32], params[96];
	char		 room[PROTO_NAME_MAX + 1], topic[PROTO_TEXT_MAX];
	const char	*p[1] = { room };

	memcpy(room, ri->room, sizeof room);
	room[PROTO_NAME_MAX] = '\0';
	memcpy(topic, ri->topic, sizeof topic);
	topic[sizeof topic - 1] = '\0';
	ircline_clean(topic, (const uint8_t *)ri->topic, strlen(topic));
	switch (c->ctx) {
	case IRCCMD_CTX_JOIN:
	case IRCCMD_CTX_REJOIN:
		if (ri->kind == ROOMINFO_ROOM) {
			c->flags = ri->flags;
			irc_prefix(prefix, sizeof prefix, s->name);
			irc_line(srv, s, NULL, prefix, "JOIN", p, 1, NULL);
			if (topic[0] != '\0') {
				irc_num(srv, s, "332", room, "%s", topic);
				irccmd_topic_who(srv, s, room);
			}
		} else if (ri->kind == ROOMINFO_MEMBER)
			irccmd_names_add(srv, s, ri);
		break;
	case IRCCMD_CTX_NAMES:
		if (ri->kind == ROOMINFO_MEMBER)
			irccmd_names_add(srv, s, ri);
		break;
	case IRCCMD_CTX_WHO:
		if (ri->kind == ROOMINFO_MEMBER) {
			char	name[PROTO_NAME_MAX + 1];

			memcpy(name, ri->name, sizeof name);
			name[PROTO_NAME_MAX] = '\0';
			irccmd_who_line(srv, s, room, name);
		}
		break;
	case IRCCMD_CTX_LIST:
		if (ri->kind == ROOMINFO_ROOM) {
			snprintf(params, sizeof params, "%s %u", room,
			    ri->members);
			irc_num(srv, s, "322", params, "%s", topic);
		}
		break;
	case IRCCMD_CTX_TOPIC:
		if (ri->kind != ROOMINFO_ROOM)
			break;
		if (topic[0] == '\0')
			irc_num(srv, s, "331", room, "No topic is set");
		else {
			irc_num(srv, s, "332", room, "%s", topic);
			irccmd_topic_who(srv, s, room);
		}
		break;
	case IRCCMD_CTX_MODE:
		if (ri->kind == ROOMINFO_ROOM) {
			snprintf(params, sizeof params, "%s +%s%s", room,
			    (ri->flags & ROOMINFO_PRIVATE) ? "s" : "",
			    (ri->flags & ROOMINFO_LOCKED) ? "t" : "");
			irc_num(srv, s, "324", params, NULL);
		}
		break;
	}
}

/* irccmd_end - a REC_END: the list the command asked for is whole. */
static void
irccmd_end(struct server *srv, struct session *s)
{
	struct irccmd	*c = irc_cmd(s);

	switch (c->ctx) {
	case IRCCMD_CTX_JOIN:
	case IRCCMD_CTX_REJOIN:
	case IRCCMD_CTX_NAMES:
		irccmd_names_end(srv, s);
		break;
	case IRCCMD_CTX_WHO:
		irc_num(srv, s, "315", c->target, "End of /WHO list.");
		break;
	case IRCCMD_CTX_LIST:
		irc_num(srv, s, "323", NULL, "End of /LIST");
		break;
	}
}

/*
 * irccmd_error - a refusal, as the numeric IRC has for it (the rooms'
 * refusals: not a member, private, no such room or nick, too many
 * rooms), or a NOTICE with the server's words.
 */
static void
irccmd_error(struct server *srv, struct session *s,
    const struct proto_error *e)
{
	struct irccmd	*c = irc_cmd(s);
	char		 text[PROTO_TEXT_MAX];
	const char	*t = c->target;

	memcpy(text, e->text, sizeof text);
	text[sizeof text - 1] = '\0';
	c->failed = 1;
	switch (c->ctx) {
	case IRCCMD_CTX_PROBE:
		return;		/* not a member yet: a JOIN follows */
	case IRCCMD_CTX_MAILLIST:
	case IRCCMD_CTX_FETCH:
		break;
	case IRCCMD_CTX_JOIN:
		if (e->code == PROTO_E_ALLOWED)
			irc_num(srv, s, "473", t, "%s", text);
		else if (e->code == PROTO_E_FULL && strstr(text,
		    "rooms already") != NULL)
			irc_num(srv, s, "405", t, "%s", text);
		else if (e->code == PROTO_E_FULL && strstr(text,
		    "members") != NULL)
			irc_num(srv, s, "471", t, "%s", text);
		else if (e->code == PROTO_E_NAME)
			irc_num(srv, s, "479", t, "%s", text);
		else
			break;
		return;
	case IRCCMD_CTX_SEND:
		if (e->code == PROTO_E_NOROOM)
			irc_num(srv, s, "403", t, "%s", text);
		else if (e->code == PROTO_E_ALLOWED)
			irc_num(srv, s, "404", t, "%s", text);
		else if (e->code == PROTO_E_NAME)
			irc_num(srv, s, "401", t, "%s", text);
		else
			break;
		return;
	default:
		if (e->code == PROTO_E_NOROOM)
			irc_num(srv, s, "403", t, "%s", text);
		else if (e->code == PROTO_E_ALLOWED && strstr(text,
		    "not a member") != NULL)
			irc_num(srv, s, "442", t, "%s", text);
		else if (e->code == PROTO_E_ALLOWED)
			irc_num(srv, s, "482", t, "%s", text);
		else if (e->code == PROTO_E_NAME)
			irc_num(srv, s, "401", t, "%s", text);
		else
			break;
		return;
	}
	irc_notice(srv, s, text);
}

/*
 * irccmd_record - a record the server queued for an IRC session: what it
 * means as IRC lines.  Answers are read by the command they answer
 * (c->ctx); live pushes (mail, room lines, walls) stand alone.
 */
void
irccmd_record(struct server *srv, struct session *s, uint16_t type,
    const void *payload, size_t len)
{
	struct irccmd		*c = irc_cmd(s);
	struct proto_roominfo	 ri;
	struct proto_error	 e;
	struct proto_wallmsg	 w;
	struct proto_entry	 pe;
	char			 text[PROTO_TEXT_MAX + 16];
	size_t			 n;

	switch (type) {
	case REC_MAIL:
		if (len < sizeof c->mail)
			return;
		memcpy(&c->mail, payload, sizeof c->mail);
		free(c->body);
		c->body = NULL;
		c->got = 0;
		c->inmail = 0;
		if (c->mail.len == 0)
			irccmd_mail(srv, s);
		else {
			c->body = xmalloc(c->mail.len + 1);
			c->inmail = 1;
		}
		break;
	case REC_DATA:
		if (!c->inmail)
			return;
		n = len < c->mail.len - c->got ? len : c->mail.len - c->got;
		memcpy(c->body + c->got, payload, n);
		c->got += n;
		if (c->got == c->mail.len) {
			c->body[c->got] = '\0';
			c->inmail = 0;
			irccmd_mail(srv, s);
			free(c->body);
			c->body = NULL;
		}
		break;
	case REC_ROOMINFO:
		if (roominfo_get(payload, len, &ri) == 0)
			irccmd_roominfo(srv, s, &ri);
		break;
	case REC_END:
		irccmd_end(srv, s);
		break;
	case REC_ENTRY:
		if (c->ctx == IRCCMD_CTX_MAILLIST && len == sizeof pe) {
			memcpy(&pe, payload, sizeof pe);
			c->list = xreallocarray(c->list, c->nlist + 1,
			    sizeof *c->list);
			memcpy(c->list[c->nlist++], pe.id, 16);
		}
		break;
	case REC_OK:
		/* Answers come once durable, maybe turns later: what they
		 * confirm was said when no refusal came (irccmd_room_req). */
		break;
	case REC_ERROR:
	case REC_LOGOUT:
		memset(&e, 0, sizeof e);
		memcpy(&e, payload, len < sizeof e ? len : sizeof e);
		e.text[sizeof e.text - 1] = '\0';
		if (type == REC_LOGOUT) {
			irc_line(srv, s, NULL, NULL, "ERROR", NULL, 0, e.text);
		} else
			irccmd_error(srv, s, &e);
		break;
	case REC_WALLMSG:
		memset(&w, 0, sizeof w);
		memcpy(&w, payload, len < sizeof w ? len : sizeof w);
		w.from[PROTO_NAME_MAX] = '\0';
		w.text[sizeof w.text - 1] = '\0';
		snprintf(text, sizeof text, "[wall] %s", w.text);
		irccmd_message(srv, s, "NOTICE", w.from, s->name, text,
		    strlen(text), w.date, 0);
		break;
	case REC_NOTICE:
		n = len < PROTO_TEXT_MAX ? len : PROTO_TEXT_MAX;
		memcpy(text, payload, n);
		text[n] = '\0';
		n = ircline_clean(text, (const uint8_t *)text, strlen(text));
		text[n] = '\0';
		irc_notice(srv, s, text);
		break;
	}
}

/* irccmd_room_req - one room request from s, answered into c->ctx. */
static void
irccmd_room_req(struct server *srv, struct session *s, int ctx, uint32_t op,
    uint32_t n, const char *room, const char *text)
{
	struct irccmd		*c = irc_cmd(s);
	struct proto_room	 pr;
	struct record		 rec;
	char			 prefix[2 * PROTO_NAME_MAX + 32];
	const char		*p[1] = { room }, *mp[2] = { room, c->text };

	memset(&pr, 0, sizeof pr);
	pr.op = op;
	pr.n = n;
	strncpy(pr.room, room, sizeof pr.room - 1);
	if (text != NULL)
		strncpy(pr.text, text, sizeof pr.text - 1);
	memset(&rec.hdr, 0, sizeof rec.hdr);
	rec.hdr.type = REC_ROOM;
	rec.hdr.len = sizeof pr;
	memcpy(rec.payload, &pr, sizeof pr);
	c->ctx = ctx;
	c->failed = 0;
	c->names[0] = '\0';
	c->named = 0;
	snprintf(c->target, sizeof c->target, "%s", room);
	room_request(srv, s, &rec);
	if (s->dead)
		return;
	c->ctx = IRCCMD_CTX_NONE;
	if (c->failed)
		return;
	/* Not refused: it is done (its REC_OK may wait for the spool). */
	irc_prefix(prefix, sizeof prefix, s->name);
	if (ctx == IRCCMD_CTX_PART) {
		irc_line(srv, s, NULL, prefix, "PART", p, 1, NULL);
		irccmd_joined_set(c, room, 0);
	}
	else if (ctx == IRCCMD_CTX_TOPICSET)
		irc_line(srv, s, NULL, prefix, "TOPIC", p, 1, c->text);
	else if (ctx == IRCCMD_CTX_MODESET)
		irc_line(srv, s, NULL, prefix, "MODE", mp, 2, NULL);
}

/* irccmd_send_mail - text from s to a room or a user, as mailcli sends. */
static void
irccmd_send_mail(struct server *srv, struct session *s, const char *to,
    const char *text, size_t len)
{
	struct irccmd		*c = irc_cmd(s);
	struct proto_send	 ps;
	struct record		 rec;

	if (len > PROTO_PAYLOAD_MAX - sizeof ps)
		len = PROTO_PAYLOAD_MAX - sizeof ps;	/* a line is < 512 */
	memset(&ps, 0, sizeof ps);
	uuid_generate_random(ps.id);
	snprintf(ps.to, sizeof ps.to, "%s", to);
	ps.len = (uint32_t)len;
	memset(&rec.hdr, 0, sizeof rec.hdr);
	rec.hdr.type = REC_SEND;
	rec.hdr.len = (uint32_t)(sizeof ps + len);
	memcpy(rec.payload, &ps, sizeof ps);
	memcpy(rec.payload + sizeof ps, text, len);
	memcpy(c->ids[c->nids++ % IRCCMD_OWN_IDS], ps.id, 16);
	c->ctx = IRCCMD_CTX_SEND;
	c->failed = 0;
	snprintf(c->target, sizeof c->target, "%s", to);
	post_send(srv, s, &rec);
	if (!s->dead)
		c->ctx = IRCCMD_CTX_NONE;
}

/* irccmd_waiting - mail that waited for s, as PRIVMSG with its time. */
static void
irccmd_waiting(struct server *srv, struct session *s)
{
	struct irccmd	*c = irc_cmd(s);
	struct proto_id	 pi;
	struct record	 rec;
	size_t		 i;

	c->ctx = IRCCMD_CTX_MAILLIST;
	post_list(srv, s);
	c->ctx = IRCCMD_CTX_FETCH;
	for (i = 0; i < c->nlist && !s->dead; i++) {
		memcpy(pi.id, c->list[i], sizeof pi.id);
		memset(&rec.hdr, 0, sizeof rec.hdr);
		rec.hdr.type = REC_FETCH;
		rec.hdr.len = sizeof pi;
		memcpy(rec.payload, &pi, sizeof pi);
		post_fetch(srv, s, &rec);
	}
	if (s->dead)
		return;
	c->ctx = IRCCMD_CTX_NONE;
	free(c->list);
	c->list = NULL;
	c->nlist = 0;
}

static void	irccmd_join_one(struct server *, struct session *, const char *);

/*
 * irccmd_rooms - a membership persists: the rooms the user is in are
 * joined for the connection at once, each with what it missed.
 */
static void
irccmd_rooms(struct server *srv, struct session *s)
{
	char	(*v)[PROTO_NAME_MAX + 1];
	size_t	 i, n;

	v = room_each_of(srv, s->name, &n);
	for (i = 0; i < n && !s->dead; i++)
		irccmd_join_one(srv, s, v[i]);
	free(v);
}

/* irccmd_room_name - a channel parameter as a room name; 0 if valid. */
static int
irccmd_room_name(struct server *srv, struct session *s, const char *chan,
    char *room)
{
	if (strlen(chan) > PROTO_NAME_MAX) {
		irc_num(srv, s, "479", "*", "Illegal channel name");
		return (-1);
	}
	snprintf(room, PROTO_NAME_MAX + 1, "%s", chan);
	ircline_lower(room);
	if (!name_room_valid(room)) {
		irc_num(srv, s, chan[0] == '#' ? "479" : "403", room,
		    chan[0] == '#' ? "Illegal channel name: rooms are "
		    "#[a-z0-9][a-z0-9._-]*" : "No such channel");
		return (-1);
	}
	return (0);
}

/*
 * irccmd_join_one - JOIN of one room.  A member already (a client that
 * comes back) gets what it missed, its unread lines; a new member the
 * room's backlog, as ipcmail's join gives it.
 */
static void
irccmd_join_one(struct server *srv, struct session *s, const char *chan)
{
	struct irccmd	*c = irc_cmd(s);
	char		 room[PROTO_NAME_MAX + 1];
	size_t		 i;

	if (irccmd_room_name(srv, s, chan, room) != 0)
		return;
	/* Joined already on this connection (at connect): as IRC
	 * servers do, a JOIN of it says nothing. */
	if (irccmd_joined(c, room) != -1)
		return;
	irccmd_room_req(srv, s, IRCCMD_CTX_PROBE, ROOM_OP_READ, 0, room, NULL);
	if (s->dead)
		return;
	if (c->failed) {
		irccmd_room_req(srv, s, IRCCMD_CTX_JOIN, ROOM_OP_JOIN, 0, room, NULL);
	} else {
		irccmd_room_req(srv, s, IRCCMD_CTX_REJOIN, ROOM_OP_JOIN, 0, room,
		    NULL);
		for (i = 0; i < c->nheld && !s->dead; i++)
			irccmd_message(srv, s, "PRIVMSG", c->held[i].m.from,
			    room, c->held[i].body != NULL ? c->held[i].body :
			    "", c->held[i].m.len, c->held[i].m.date, 1);
	}
	if (s->dead)
		return;
	if (!c->failed)
		irccmd_joined_set(c, room, 1);
	for (i = 0; i < c->nheld; i++)
		free(c->held[i].body);
	free(c->held);
	c->held = NULL;
	c->nheld = 0;
}

/* irccmd_privmsg - PRIVMSG or NOTICE to a room or a user. */
static void
irccmd_privmsg(struct server *srv, struct session *s, struct ircline *l,
    int notice)
{
	struct irccmd	*c = irc_cmd(s);
	char		 to[PROTO_NAME_MAX + 1], body[IRCLINE_MAX + 64];
	const char	*text, *away, *p[1];
	char		 prefix[2 * PROTO_NAME_MAX + 32];
	size_t		 len;

	if (l->nparams < 1) {
		if (!notice)
			irc_num(srv, s, "411", NULL, "No recipient given "
			    "(PRIVMSG)");
		return;
	}
	if (l->nparams < 2 || l->params[1][0] == '\0') {
		if (!notice)
			irc_num(srv, s, "412", NULL, "No text to send");
		return;
	}
	text = l->params[1];
	/* CTCP: ACTION is a line; the rest (VERSION, DCC ...) is not
	 * relayed, and \1 never reaches a mailcli user. */
	if (text[0] == '\1') {
		if (strncmp(text + 1, "ACTION ", 7) == 0) {
			snprintf(body, sizeof body, "* %s %s", s->name,
			    text + 8);
			text = body;
		} else {
			if (!notice)
				irc_notice(srv, s, strncmp(text + 1, "DCC", 3)
				    == 0 ? "DCC is not supported by ipcmail: "
				    "nothing sent" : "CTCP requests are not "
				    "relayed by ipcmail: nothing sent");
			return;
		}
	}
	if (strlen(l->params[0]) > PROTO_NAME_MAX) {
		irc_num(srv, s, "401", "*", "No such nick/channel");
		return;
	}
	snprintf(to, sizeof to, "%s", l->params[0]);
	ircline_lower(to);
	if (!name_valid(to) && !name_room_valid(to)) {
		if (!notice)
			irc_num(srv, s, to[0] == '#' ? "403" : "401", to,
			    "No such nick/channel");
		return;
	}
	len = ircline_clean(body, (const uint8_t *)text, strlen(text));
	body[len] = '\0';
	if (len > 0 && body[len - 1] == '\1')
		body[--len] = '\0';
	if (len == 0) {
		if (!notice)
			irc_num(srv, s, "412", NULL, "No text to send");
		return;
	}
	c->last = time(NULL);
	presence_active(srv, s);	/* idle time, as for mailcli */
	irccmd_send_mail(srv, s, to, body, len);
	if (s->dead || c->failed)
		return;
	if (to[0] != '#') {
		if (!notice && (away = presence_away(srv, to)) != NULL)
			irc_num(srv, s, "301", to, "%s", away);
		if (irc_caps(s) & IRC_CAP_ECHO) {
			irc_prefix(prefix, sizeof prefix, s->name);
			p[0] = to;
			irc_line(srv, s, NULL, prefix, notice ? "NOTICE" :
			    "PRIVMSG", p, 1, body);
		}
	}
}

/* irccmd_whois - WHOIS nick: 311, 312, 301, 317, 318. */
static void
irccmd_whois(struct server *srv, struct session *s, const char *who)
{
	struct session	*t, *best = NULL;
	char		 name[PROTO_NAME_MAX + 1], params[128];
	const char	*away;
	time_t		 now = time(NULL), idle;

	snprintf(name, sizeof name, "%s", who);
	ircline_lower(name);
	for (t = session_online(srv, name); t != NULL; t = t->namenext)
		if (!t->dead && strcmp(t->name, name) == 0 && (best == NULL ||
		    (t->irc != NULL && best->irc == NULL)))
			best = t;
	if (best == NULL) {
		irc_num(srv, s, "401", name, "No such nick (not online; mail "
		    "to %s is kept)", name);
		irc_num(srv, s, "318", name, "End of /WHOIS list.");
		return;
	}
	snprintf(params, sizeof params, "%s %s %s *", name, name, IRC_HOST);
	irc_num(srv, s, "311", params, "%s (%s)", name, best->tty);
	snprintf(params, sizeof params, "%s %s", name, IRC_SERVER);
	irc_num(srv, s, "312", params, "ipcmail on this host");
	if ((away = presence_away(srv, name)) != NULL)
		irc_num(srv, s, "301", name, "%s", away);
	idle = best->irc != NULL ? now - irc_cmd(best)->last : 0;
	snprintf(params, sizeof params, "%s %ld %ld", name, (long)idle,
	    (long)best->since);
	irc_num(srv, s, "317", params, "seconds idle, signon time");
	irc_num(srv, s, "318", name, "End of /WHOIS list.");
}

/* irccmd_mode - MODE: a room's +s/+i (private) and +t (topic locked). */
static void
irccmd_mode(struct server *srv, struct session *s, struct ircline *l)
{
	struct irccmd	*c = irc_cmd(s);
	char		 room[PROTO_NAME_MAX + 1], params[96];
	const char	*m;
	int		 on;

	if (l->nparams < 1) {
		irc_num(srv, s, "461", "MODE", "Not enough parameters");
		return;
	}
	if (l->params[0][0] != '#') {
		if (ircline_nick_equal(l->params[0], s->name))
			irc_num(srv, s, "221", "+", NULL);
		else
			irc_num(srv, s, "502", NULL, "Can't change mode for "
			    "other users");
		return;
	}
	if (irccmd_room_name(srv, s, l->params[0], room) != 0)
		return;
	if (l->nparams < 2) {
		irccmd_room_req(srv, s, IRCCMD_CTX_MODE, ROOM_OP_TOPIC, 0, room, "");
		return;
	}
	m = l->params[1];
	if (strcmp(m, "b") == 0 || strcmp(m, "+b") == 0) {
		irc_num(srv, s, "368", room, "End of channel ban list");
		return;
	}
	if (strcmp(m, "e") == 0 || strcmp(m, "+e") == 0) {
		irc_num(srv, s, "349", room, "End of channel exception list");
		return;
	}
	if (strcmp(m, "I") == 0 || strcmp(m, "+I") == 0) {
		irc_num(srv, s, "347", room, "End of channel invite list");
		return;
	}
	if ((m[0] != '+' && m[0] != '-') || m[1] == '\0' || m[2] != '\0' ||
	    strchr("sit", m[1]) == NULL) {
		snprintf(params, sizeof params, "%c", m[m[0] == '+' ||
		    m[0] == '-' ? 1 : 0]);
		irc_num(srv, s, "472", params, "is unknown mode char to me "
		    "(ipcmail knows +s, +i: private; +t: topic locked)");
		return;
	}
	on = m[0] == '+';
	snprintf(c->text, sizeof c->text, "%s", m);
	irccmd_room_req(srv, s, IRCCMD_CTX_MODESET, m[1] == 't' ? ROOM_OP_LOCK :
	    ROOM_OP_PRIVATE, (uint32_t)on, room, NULL);
}

/*
 * irccmd_command - one parsed line from a registered s (irc.c answered
 * registration, CAP, PING and QUIT).
 */
void
irccmd_command(struct server *srv, struct session *s, struct ircline *l)
{
	struct irccmd	*c = irc_cmd(s);
	char		 room[PROTO_NAME_MAX + 1], list[IRCLINE_MAX];
	char		 out[IRCLINE_MAX], *w, *save = NULL;
	size_t		 len;

	if (strcmp(l->cmd, "JOIN") == 0) {
		if (!irc_need(srv, s, l, 1))
			return;
		if (strcmp(l->params[0], "0") == 0) {
			irc_notice(srv, s, "JOIN 0 is not supported: PART "
			    "each room (membership persists)");
			return;
		}
		snprintf(list, sizeof list, "%s", l->params[0]);
		for (w = strtok_r(list, ",", &save); w != NULL && !s->dead;
		    w = strtok_r(NULL, ",", &save))
			irccmd_join_one(srv, s, w);
	} else if (strcmp(l->cmd, "PART") == 0) {
		if (!irc_need(srv, s, l, 1))
			return;
		snprintf(list, sizeof list, "%s", l->params[0]);
		for (w = strtok_r(list, ",", &save); w != NULL && !s->dead;
		    w = strtok_r(NULL, ",", &save))
			if (irccmd_room_name(srv, s, w, room) == 0)
				irccmd_room_req(srv, s, IRCCMD_CTX_PART,
				    ROOM_OP_LEAVE, 0, room, NULL);
	} else if (strcmp(l->cmd, "PRIVMSG") == 0)
		irccmd_privmsg(srv, s, l, 0);
	else if (strcmp(l->cmd, "NOTICE") == 0)
		irccmd_privmsg(srv, s, l, 1);
	else if (strcmp(l->cmd, "TOPIC") == 0) {
		if (!irc_need(srv, s, l, 1) ||
		    irccmd_room_name(srv, s, l->params[0], room) != 0)
			return;
		if (l->nparams < 2)
			irccmd_room_req(srv, s, IRCCMD_CTX_TOPIC, ROOM_OP_TOPIC, 0,
			    room, "");
		else if (l->params[1][0] == '\0')
			irc_notice(srv, s, "ipcmail cannot clear a topic; set "
			    "another");
		else {
			len = ircline_clean(out, (const uint8_t *)l->params[1],
			    strlen(l->params[1]));
			out[len] = '\0';
			snprintf(c->text, sizeof c->text, "%s", out);
			irccmd_room_req(srv, s, IRCCMD_CTX_TOPICSET, ROOM_OP_TOPIC,
			    0, room, out);
		}
	} else if (strcmp(l->cmd, "NAMES") == 0) {
		if (l->nparams < 1)
			irc_num(srv, s, "366", "*", "End of /NAMES list.");
		else if (irccmd_room_name(srv, s, l->params[0], room) == 0)
			irccmd_room_req(srv, s, IRCCMD_CTX_NAMES, ROOM_OP_MEMBERS, 0,
			    room, NULL);
	} else if (strcmp(l->cmd, "LIST") == 0) {
		irc_num(srv, s, "321", "Channel", "Users  Name");
		irccmd_room_req(srv, s, IRCCMD_CTX_LIST, ROOM_OP_LIST, 0, "", NULL);
	} else if (strcmp(l->cmd, "WHO") == 0) {
		if (l->nparams < 1) {
			irc_num(srv, s, "315", "*", "End of /WHO list.");
		} else if (l->params[0][0] == '#') {
			if (irccmd_room_name(srv, s, l->params[0], room) == 0)
				irccmd_room_req(srv, s, IRCCMD_CTX_WHO,
				    ROOM_OP_MEMBERS, 0, room, NULL);
		} else {
			snprintf(room, sizeof room, "%s", l->params[0]);
			ircline_lower(room);
			if (name_valid(room) && session_online(srv, room) !=
			    NULL)
				irccmd_who_line(srv, s, "*", room);
			irc_num(srv, s, "315", room, "End of /WHO list.");
		}
	} else if (strcmp(l->cmd, "WHOIS") == 0) {
		if (irc_need(srv, s, l, 1))
			irccmd_whois(srv, s, l->params[l->nparams > 1 ? 1 : 0]);
	} else if (strcmp(l->cmd, "AWAY") == 0) {
		if (l->nparams < 1 || l->params[0][0] == '\0') {
			/* ipcmail's away, the user's (presence.c). */
			if (presence_set_away(srv, s->name, NULL) != 0)
				irc_notice(srv, s, "away: cannot keep it in "
				    "the store: try again");
			else
				irc_num(srv, s, "305", NULL, "You are no "
				    "longer marked as being away");
		} else {
			len = ircline_clean(list, (const uint8_t *)
			    l->params[0], strnlen(l->params[0], sizeof list -
			    1));
			list[len] = '\0';
			if (len == 0)
				snprintf(list, sizeof list, "away");
			if (presence_set_away(srv, s->name, list) != 0)
				irc_notice(srv, s, "away: cannot keep it in "
				    "the store: try again");
			else
				irc_num(srv, s, "306", NULL, "You have been "
				    "marked as being away");
		}
	} else if (strcmp(l->cmd, "MODE") == 0)
		irccmd_mode(srv, s, l);
	else if (strcmp(l->cmd, "ISON") == 0) {
		out[0] = '\0';
		for (len = 0; len < l->nparams; len++) {
			snprintf(list, sizeof list, "%s", l->params[len]);
			for (w = strtok_r(list, " ", &save); w != NULL;
			    w = strtok_r(NULL, " ", &save)) {
				ircline_lower(w);
				if (name_valid(w) && session_online(srv, w) &&
				    strlen(out) + strlen(w) + 2 < 400) {
					strcat(out, w);
					strcat(out, " ");
				}
			}
		}
		irc_num(srv, s, "303", NULL, "%s", out);
	} else if (strcmp(l->cmd, "USERHOST") == 0) {
		irc_num(srv, s, "302", NULL, "%s=+%s@%s", s->name, s->name,
		    IRC_HOST);
	} else
		irc_num(srv, s, "421", l->cmd, "Unknown command");
}

/*
 * irccmd_registered - s has logged in: the mail that waited for it,
 * then the rooms its user is in.
 */
void
irccmd_registered(struct server *srv, struct session *s)
{
	irc_cmd(s)->last = time(NULL);
	irccmd_waiting(srv, s);
	if (!s->dead)
		irccmd_rooms(srv, s);
}

/*
 * irccmd_flush - the turn's end: the mail shown this turn waits for
 * the client's PONG to the PING sent after it (irccmd_pong).
 */
void
irccmd_flush(struct server *srv, struct session *s)
{
	struct irccmd	*c = irc_cmd(s);
	char		 token[sizeof IRCCMD_PING + 24];
	size_t		 i;

	if (c->ndone == 0)
		return;
	c->ping++;
	c->shown = xreallocarray(c->shown, c->nshown + c->ndone,
	    sizeof *c->shown);
	for (i = 0; i < c->ndone; i++) {
		memcpy(c->shown[c->nshown].id, c->done[i], 16);
		c->shown[c->nshown++].ping = c->ping;
	}
	c->ndone = 0;
	snprintf(token, sizeof token, IRCCMD_PING "%llu",
	    (unsigned long long)c->ping);
	irc_line(srv, s, NULL, NULL, "PING", NULL, 0, token);
}

/*
 * irccmd_pong - the client's PONG: the mail shown before the PING it
 * answers was read off the socket, and is done with (doc/irc.md).  A
 * PONG to anything else (a client's own PING) changes nothing.
 */
void
irccmd_pong(struct server *srv, struct session *s, const char *token)
{
	struct irccmd		*c = irc_cmd(s);
	struct proto_done	 pd;
	struct record		 rec;
	unsigned long long	 n;
	char			*end;
	size_t			 i, keep = 0;

	if (strncmp(token, IRCCMD_PING, strlen(IRCCMD_PING)) != 0)
		return;
	errno = 0;
	n = strtoull(token + strlen(IRCCMD_PING), &end, 10);
	if (*end != '\0' || errno != 0 || n > c->ping)
		return;
	for (i = 0; i < c->nshown && !s->dead; i++) {
		if (c->shown[i].ping > n) {
			c->shown[keep++] = c->shown[i];
			continue;
		}
		memset(&pd, 0, sizeof pd);
		memcpy(pd.id, c->shown[i].id, sizeof pd.id);
		pd.flags = PROTO_DONE_QUIET;
		memset(&rec.hdr, 0, sizeof rec.hdr);
		rec.hdr.type = REC_DONE;
		rec.hdr.len = sizeof pd;
		memcpy(rec.payload, &pd, sizeof pd);
		post_done(srv, s, &rec);
	}
	c->nshown = keep;
}

/*
 * irccmd_room_change - room.c's word that a room changed (rooms_watch):
 * every IRC session that has the room joined hears it as an IRC server
 * says it, JOIN, PART, KICK or TOPIC from the one who did it.  A
 * session of the member itself joins or parts the room with it.  The
 * session whose command it was gets its own echo (irccmd_room_req).
 */
void
irccmd_room_change(struct server *srv, struct session *actor,
    const struct room_change *ch)
{
	struct session	*t;
	struct irccmd	*c;
	char		 prefix[2 * PROTO_NAME_MAX + 32], text[PROTO_TEXT_MAX];
	char		 why[PROTO_NAME_MAX + 32];
	const char	*p[2] = { ch->room, ch->who };
	size_t		 i, len;
	int		 self, on;

	text[0] = '\0';
	if (ch->event == ROOM_EV_TOPIC && ch->topic != NULL) {
		len = ircline_clean(text, (const uint8_t *)ch->topic,
		    strnlen(ch->topic, sizeof text - 1));
		text[len] = '\0';
	}
	for (i = 0; i < srv->nsessions; i++) {
		t = srv->sessions[i];
		if (t == actor || t->dead || t->irc == NULL ||
		    !irc_registered(t))
			continue;
		c = irc_cmd(t);
		self = strcmp(t->name, ch->who) == 0;
		on = irccmd_joined(c, ch->room) != -1;
		if (!on && !(self && ch->event == ROOM_EV_JOIN))
			continue;
		if (on && self && ch->event == ROOM_EV_JOIN)
			continue;	/* joined here already */
		irc_prefix(prefix, sizeof prefix, ch->event == ROOM_EV_REMOVE ?
		    ch->by : ch->who);
		switch (ch->event) {
		case ROOM_EV_JOIN:
			irc_line(srv, t, NULL, prefix, "JOIN", p, 1, NULL);
			if (self)
				irccmd_joined_set(c, ch->room, 1);
			break;
		case ROOM_EV_LEAVE:
			irc_line(srv, t, NULL, prefix, "PART", p, 1, NULL);
			if (self)
				irccmd_joined_set(c, ch->room, 0);
			break;
		case ROOM_EV_REMOVE:
			snprintf(why, sizeof why, "removed by %s", ch->by);
			irc_line(srv, t, NULL, prefix, "KICK", p, 2, why);
			if (self)
				irccmd_joined_set(c, ch->room, 0);
			break;
		case ROOM_EV_TOPIC:
			irc_line(srv, t, NULL, prefix, "TOPIC", p, 1, text);
			break;
		}
	}
}

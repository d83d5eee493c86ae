/*
 * irc.c - mailserv's IRC door: DIR/irc.sock (and, with --irc-port, the
 * loopback addresses), where irssi and other IRC clients are ipcmail
 * sessions.  Who a connection is comes from the kernel (SO_PEERCRED,
 * or the socket table for loopback TCP, ircpeer.c), never from what
 * the client says.  A connection is a struct session with an irc_conn:
 * its commands become the records a mailcli would send (post.c,
 * room.c), and the records the server queues for it become IRC lines
 * here (irc_record).  Lines are parsed and formatted by common/ircline.c.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "config.h"
#include "io.h"
#include "ircline.h"
#include "log.h"
#include "mail.h"
#include "name.h"
#include "plural.h"
#include "server.h"
#include "xmalloc.h"

#define IRC_SERVER	"ipcmail"
#define IRC_HOST	"localhost"
#define IRC_OUT_MAX	(4 * 1024 * 1024)	/* unread output (a join's backlog
					   is at most 2 MiB), then dropped */
#define IRC_READ_MAX	(64 * 1024)	/* read from one client a turn */
#define IRC_OWN_IDS	16		/* own sends remembered (echo) */
#define IRC_BURST	200		/* lines at once, then ... */
#define IRC_PER_SEC	50		/* ... this many a second */
#define IRC_FLOOD_MAX	2000		/* lines dropped, then closed */

#define IRC_CAP_TIME	0x1
#define IRC_CAP_TAGS	0x2
#define IRC_CAP_ECHO	0x4

/* What the records queued during a command answer. */
enum irc_ctx {
	IRC_CTX_NONE = 0,
	IRC_CTX_PROBE,		/* JOIN: is it a member? its unread lines */
	IRC_CTX_JOIN,		/* JOIN: topic, names, backlog */
	IRC_CTX_REJOIN,		/* JOIN of a member: backlog dropped */
	IRC_CTX_PART,
	IRC_CTX_SEND,
	IRC_CTX_TOPIC,
	IRC_CTX_TOPICSET,
	IRC_CTX_NAMES,
	IRC_CTX_WHO,
	IRC_CTX_LIST,
	IRC_CTX_MODE,
	IRC_CTX_MODESET,
	IRC_CTX_MAILLIST,	/* waiting mail, on connect */
	IRC_CTX_FETCH,
};

struct irc {
	int		fd[IRC_LISTEN_MAX];	/* unix, then tcp4, tcp6 */
	int		tcp[IRC_LISTEN_MAX];
	size_t		nfd;
	size_t		nconns;
	uint64_t	accepted;
};

struct irc_held {			/* a line held back during a JOIN */
	struct proto_mail	 m;
	char			*body;
};

struct irc_conn {
	struct ircline_reader	 rd;
	int			 registered;
	int			 capneg;	/* CAP LS/REQ before END */
	int			 caps;
	int			 gotnick, gotuser;
	int			 quitting;
	char			 own[PROTO_NAME_MAX + 1];  /* the uid's */
	char			*out;
	size_t			 outlen, outcap;
	int			 pollout;
	time_t			 last;		/* last PRIVMSG: idle */
	/* The command being answered. */
	int			 ctx;
	int			 failed;	/* it got REC_ERROR */
	char			 target[PROTO_NAME_MAX + 1];
	char			 text[PROTO_TEXT_MAX];
	uint32_t		 flags;		/* of its room */
	char			 names[400];	/* a 353 being filled */
	int			 named;		/* its 366 is out */
	struct irc_held		*held;
	size_t			 nheld;
	/* A REC_MAIL and its REC_DATA. */
	struct proto_mail	 mail;
	char			*body;
	size_t			 got;
	int			 inmail;
	uint8_t			 ids[IRC_OWN_IDS][16];
	size_t			 nids;
	uint8_t			(*list)[16];	/* waiting mail on connect */
	size_t			 nlist;
	uint8_t			(*done)[16];	/* shown: done at flush */
	size_t			 ndone;
	char			(*joined)[PROTO_NAME_MAX + 1]; /* on IRC */
	size_t			 njoined;
	double			 tokens;
	long long		 tok_ms;
	uint64_t		 flooded;
	int			 tcp;
};

/* irc_now_ms - a monotonic clock in milliseconds. */
static long long
irc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* irc_listen_unix - DIR/irc.sock, mode 0666: the kernel says who. */
static int
irc_listen_unix(struct server *srv, char **cause)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	/* Through the run directory's descriptor, as the control socket:
	 * the path cannot be swapped, and DIR's length does not matter. */
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path,
	    "/proc/self/fd/%d/%s", srv->dirfd, IRC_SOCKET) >=
	    sizeof sun.sun_path) {
		xasprintf(cause, "%s/%s: path too long", srv->cfg.dir,
		    IRC_SOCKET);
		return (-1);
	}
	if (unlinkat(srv->dirfd, IRC_SOCKET, 0) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", IRC_SOCKET, strerror(errno));
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    fchmodat(srv->dirfd, IRC_SOCKET, 0666, 0) == -1 ||
	    listen(fd, 64) == -1) {
		xasprintf(cause, "IRC socket %s/%s: %s", srv->cfg.dir,
		    IRC_SOCKET, strerror(errno));
		if (fd != -1)
			close(fd);
		unlinkat(srv->dirfd, IRC_SOCKET, 0);
		return (-1);
	}
	log_trace("unix", "listening on %s (SOCK_STREAM, IRC)", IRC_SOCKET);
	return (fd);
}

/* irc_listen_tcp - 127.0.0.1:port or [::1]:port; never another address. */
static int
irc_listen_tcp(int family, unsigned port, char **cause)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr		*sa;
	socklen_t		 len;
	int			 fd, on = 1;

	if (family == AF_INET) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa = (struct sockaddr *)&sin;
		len = sizeof sin;
	} else {
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sin6.sin6_addr = in6addr_loopback;
		sa = (struct sockaddr *)&sin6;
		len = sizeof sin6;
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, sa, len) == -1 || listen(fd, 64) == -1)
		goto fail;
	log_trace("tcp", "listening on %s:%u (IRC)", family == AF_INET ?
	    "127.0.0.1" : "[::1]", port);
	return (fd);
fail:
	xasprintf(cause, "IRC port %s:%u: %s", family == AF_INET ?
	    "127.0.0.1" : "[::1]", port, strerror(errno));
	if (fd != -1)
		close(fd);
	return (-1);
}

/* irc_new - the door's listeners; NULL with *cause if one fails. */
struct irc *
irc_new(struct server *srv, char **cause)
{
	struct irc	*irc = xcalloc(1, sizeof *irc);
	int		 fd;

	if (srv->cfg.irc) {
		if ((fd = irc_listen_unix(srv, cause)) == -1)
			goto fail;
		irc->tcp[irc->nfd] = 0;
		irc->fd[irc->nfd++] = fd;
	}
	if (srv->cfg.irc_port != 0) {
		if ((fd = irc_listen_tcp(AF_INET, srv->cfg.irc_port,
		    cause)) == -1)
			goto fail;
		irc->tcp[irc->nfd] = 1;
		irc->fd[irc->nfd++] = fd;
		/* A host without IPv6 still has 127.0.0.1. */
		if ((fd = irc_listen_tcp(AF_INET6, srv->cfg.irc_port,
		    cause)) == -1) {
			log_warnx("%s (IRC on 127.0.0.1 only)", *cause);
			free(*cause);
			*cause = NULL;
		} else {
			irc->tcp[irc->nfd] = 1;
			irc->fd[irc->nfd++] = fd;
		}
	}
	return (irc);
fail:
	srv->irc = irc;
	irc_free(srv);
	return (NULL);
}

/* irc_free - close the listeners (the connections are sessions). */
void
irc_free(struct server *srv)
{
	struct irc	*irc = srv->irc;
	size_t		 i;

	if (irc == NULL)
		return;
	for (i = 0; i < irc->nfd; i++) {
		close(irc->fd[i]);
		if (!irc->tcp[i])
			unlinkat(srv->dirfd, IRC_SOCKET, 0);
	}
	free(irc);
	srv->irc = NULL;
}

/* irc_fds - the listeners, for the server's poll; how many. */
int
irc_fds(struct server *srv, int *fds)
{
	size_t	i;

	if (srv->irc == NULL)
		return (0);
	for (i = 0; i < srv->irc->nfd; i++)
		fds[i] = srv->irc->fd[i];
	return ((int)srv->irc->nfd);
}

/* irc_conn_free - what an IRC session holds besides its session. */
void
irc_conn_free(struct irc_conn *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nheld; i++)
		free(c->held[i].body);
	free(c->held);
	free(c->body);
	free(c->out);
	free(c->list);
	free(c->done);
	free(c->joined);
	free(c);
}

/* irc_write - write what the socket takes now; -1 on a broken socket. */
static int
irc_write(struct session *s)
{
	struct irc_conn	*c = s->irc;
	ssize_t		 n;
	size_t		 done = 0;

	while (done < c->outlen) {
		n = send(s->fd, c->out + done, c->outlen - done,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return (-1);
		}
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->outlen - done);
	c->outlen -= done;
	return (0);
}

/* irc_send - queue one formatted line for s; written at turn's end. */
static void
irc_send(struct server *srv, struct session *s, const char *line, size_t len)
{
	struct irc_conn	*c = s->irc;

	if (s->dead || len == 0)
		return;
	if (c->outlen + len > IRC_OUT_MAX) {
		c->outlen = 0;
		session_close(srv, s, "not reading its IRC lines");
		return;
	}
	if (c->outlen + len > c->outcap) {
		c->outcap = c->outcap == 0 ? 8192 : c->outcap;
		while (c->outcap < c->outlen + len)
			c->outcap *= 2;
		c->out = xreallocarray(c->out, c->outcap, 1);
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	session_mark(srv, s);
}

/* irc_line - format and queue one line. */
static void
irc_line(struct server *srv, struct session *s, const char *tags,
    const char *prefix, const char *cmd, const char *const *params,
    size_t n, const char *trailing)
{
	char	buf[IRCLINE_TAGS_MAX + IRCLINE_MAX + 1];
	size_t	len;

	if ((s->irc->caps & IRC_CAP_TAGS) == 0 &&
	    (s->irc->caps & IRC_CAP_TIME) == 0)
		tags = NULL;
	len = ircline_format(buf, sizeof buf, tags, prefix, cmd, params, n,
	    trailing);
	irc_send(srv, s, buf, len);
}

/* irc_nick - the nick to address s by ("*" before registration). */
static const char *
irc_nick(struct session *s)
{
	return (s->irc->registered ? s->name : "*");
}

/* irc_num - a numeric: ":ipcmail NNN nick params... :text". */
static void __attribute__((format(printf, 5, 6)))
irc_num(struct server *srv, struct session *s, const char *num,
    const char *params, const char *fmt, ...)
{
	const char	*p[3];
	char		 text[PROTO_TEXT_MAX + 64];
	va_list		 ap;
	size_t		 n = 0;

	p[n++] = irc_nick(s);
	if (params != NULL && *params != '\0')
		p[n++] = params;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof text, fmt, ap);
		va_end(ap);
	}
	irc_line(srv, s, NULL, IRC_SERVER, num, p, n, fmt != NULL ? text :
	    NULL);
}

/* irc_prefix - "nick!nick@localhost" of name. */
static void
irc_prefix(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s!%s@%s", name, name, IRC_HOST);
}

/* irc_notice - a NOTICE from the server to s. */
static void
irc_notice(struct server *srv, struct session *s, const char *text)
{
	const char	*p[1] = { irc_nick(s) };

	irc_line(srv, s, NULL, IRC_SERVER, "NOTICE", p, 1, text);
}

/* irc_time_tag - "time=2026-12-01T20:00:00.000Z" of t. */
static void
irc_time_tag(char *buf, size_t size, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "time=%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/*
 * irc_message - a text from another user (or a room's line) as PRIVMSG
 * or NOTICE lines, one per line of the text and each within 512 bytes:
 * a long text is several lines, never cut.  old: said before now (a
 * backlog, mail that waited): its time as a server-time tag, or, for a
 * client without it, in front of the text.
 */
static void
irc_message(struct server *srv, struct session *s, const char *cmd,
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
	irc_time_tag(tag, sizeof tag, date);
	stamp[0] = '\0';
	if (old && !(s->irc->caps & IRC_CAP_TIME)) {
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
			irc_line(srv, s, (s->irc->caps & IRC_CAP_TIME) ?
			    tag : NULL, prefix, cmd, p, 1, piece);
		}
		off += used;
	}
	if (clen == 0)
		irc_line(srv, s, NULL, prefix, cmd, p, 1, stamp[0] ? stamp :
		    " ");
	free(clean);
}

static void	irc_names_end(struct server *, struct session *);

/* irc_joined - the index of room in what the client was told it
 * joined, or -1. */
static ssize_t
irc_joined(struct irc_conn *c, const char *room)
{
	size_t	i;

	for (i = 0; i < c->njoined; i++)
		if (strcmp(c->joined[i], room) == 0)
			return ((ssize_t)i);
	return (-1);
}

/* irc_joined_set - room is joined on IRC now (1) or no longer (0). */
static void
irc_joined_set(struct irc_conn *c, const char *room, int on)
{
	ssize_t	i = irc_joined(c, room);

	if (on && i == -1) {
		c->joined = xreallocarray(c->joined, c->njoined + 1,
		    sizeof *c->joined);
		snprintf(c->joined[c->njoined++], sizeof *c->joined, "%s",
		    room);
	} else if (!on && i != -1)
		memcpy(c->joined[i], c->joined[--c->njoined],
		    sizeof *c->joined);
}

/* irc_own - was id one of s's own sends (its echo)? */
static int
irc_own(struct irc_conn *c, const uint8_t *id)
{
	size_t	i;

	for (i = 0; i < c->nids && i < IRC_OWN_IDS; i++)
		if (memcmp(c->ids[i], id, 16) == 0)
			return (1);
	return (0);
}

/*
 * irc_others - has name a logged-in session that is not IRC?  That one
 * (mailcli) saves mail to the mbox; else what IRC showed is done.
 */
static int
irc_others(struct server *srv, const char *name)
{
	struct session	*t;

	for (t = session_online(srv, name); t != NULL; t = t->namenext)
		if (!t->dead && t->irc == NULL && strcmp(t->name, name) == 0)
			return (1);
	return (0);
}

/* irc_mail - a whole REC_MAIL with its body, for s. */
static void
irc_mail(struct server *srv, struct session *s)
{
	struct irc_conn		*c = s->irc;
	struct proto_mail	*m = &c->mail;
	struct irc_held		*h;
	char			 from[PROTO_NAME_MAX + 1];
	char			 to[PROTO_NAME_MAX + 1];

	memcpy(from, m->from, sizeof from);
	from[PROTO_NAME_MAX] = '\0';
	memcpy(to, m->to, sizeof to);
	to[PROTO_NAME_MAX] = '\0';
	if (m->flags & PROTO_MAIL_ROOM) {
		if (c->ctx == IRC_CTX_REJOIN && !(m->flags & PROTO_MAIL_LIVE))
			return;		/* the backlog of a rejoin */
		if (c->ctx == IRC_CTX_PROBE && !(m->flags & PROTO_MAIL_LIVE)) {
			c->held = xreallocarray(c->held, c->nheld + 1,
			    sizeof *c->held);
			h = &c->held[c->nheld++];
			h->m = *m;
			h->body = c->body;
			c->body = NULL;
			return;
		}
		/* A join's names come before its backlog. */
		if (c->ctx == IRC_CTX_JOIN)
			irc_names_end(srv, s);
		/* A room joined meanwhile (from mailcli): IRC hears of it. */
		if ((m->flags & PROTO_MAIL_LIVE) && irc_joined(c, to) == -1 &&
		    c->registered) {
			const char	*jp[1] = { to };
			char		 me[2 * PROTO_NAME_MAX + 32];

			irc_prefix(me, sizeof me, s->name);
			irc_line(srv, s, NULL, me, "JOIN", jp, 1, NULL);
			irc_joined_set(c, to, 1);
		}
		if ((m->flags & PROTO_MAIL_LIVE) && irc_own(c, m->id) &&
		    !(c->caps & IRC_CAP_ECHO))
			return;
		irc_message(srv, s, "PRIVMSG", from, to, c->body != NULL ?
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
			irc_message(srv, s, "PRIVMSG", from, s->name, text,
			    (size_t)n, m->date, !(m->flags & PROTO_MAIL_LIVE));
			free(text);
		}
	} else
		irc_message(srv, s, "PRIVMSG", from, s->name, c->body != NULL ?
		    c->body : "", m->len, m->date,
		    !(m->flags & PROTO_MAIL_LIVE));
	/* Shown on IRC and no mailcli to save it: done with (doc/irc.md). */
	if (!irc_others(srv, s->name)) {
		c->done = xreallocarray(c->done, c->ndone + 1, sizeof *c->done);
		memcpy(c->done[c->ndone++], m->id, 16);
	}
}

/* irc_names_flush - the 353 filled so far. */
static void
irc_names_flush(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;
	char		 params[PROTO_NAME_MAX + 8];

	if (c->names[0] == '\0')
		return;
	snprintf(params, sizeof params, "%c %s", (c->flags &
	    ROOMINFO_PRIVATE) ? '@' : '=', c->target);
	irc_num(srv, s, "353", params, "%s", c->names);
	c->names[0] = '\0';
}

/* irc_names_end - the names of a room are all out: 353, 366. */
static void
irc_names_end(struct server *srv, struct session *s)
{
	if (s->irc->named)
		return;
	irc_names_flush(srv, s);
	irc_num(srv, s, "366", s->irc->target, "End of /NAMES list.");
	s->irc->named = 1;
}

/* irc_names_add - one member into the 353 being filled. */
static void
irc_names_add(struct server *srv, struct session *s,
    const struct proto_roominfo *ri)
{
	struct irc_conn	*c = s->irc;
	size_t		 len = strlen(c->names);

	if (len + PROTO_NAME_MAX + 2 >= sizeof c->names) {
		irc_names_flush(srv, s);
		len = 0;
	}
	snprintf(c->names + len, sizeof c->names - len, "%s%s%.*s",
	    len > 0 ? " " : "", (ri->flags & ROOMINFO_OWNER) ? "@" : "",
	    PROTO_NAME_MAX, ri->name);
}

/* irc_who_line - one 352 for name in chan ("*": none). */
static void
irc_who_line(struct server *srv, struct session *s, const char *chan,
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

/* irc_roominfo - a REC_ROOMINFO, read by the command it answers. */
static void
irc_roominfo(struct server *srv, struct session *s,
    const struct proto_roominfo *ri)
{
	struct irc_conn	*c = s->irc;
	char		 prefix[2 * PROTO_NAME_MAX + 32], params[96];
	char		 room[PROTO_NAME_MAX + 1], topic[PROTO_TEXT_MAX];
	const char	*p[1] = { room };

	memcpy(room, ri->room, sizeof room);
	room[PROTO_NAME_MAX] = '\0';
	memcpy(topic, ri->topic, sizeof topic);
	topic[sizeof topic - 1] = '\0';
	ircline_clean(topic, (const uint8_t *)ri->topic, strlen(topic));
	switch (c->ctx) {
	case IRC_CTX_JOIN:
	case IRC_CTX_REJOIN:
		if (ri->kind == ROOMINFO_ROOM) {
			c->flags = ri->flags;
			irc_prefix(prefix, sizeof prefix, s->name);
			irc_line(srv, s, NULL, prefix, "JOIN", p, 1, NULL);
			if (topic[0] != '\0') {
				irc_num(srv, s, "332", room, "%s", topic);
				snprintf(params, sizeof params, "%s %.32s %u",
				    room, ri->name, 0u);
				irc_num(srv, s, "333", params, NULL);
			}
		} else if (ri->kind == ROOMINFO_MEMBER)
			irc_names_add(srv, s, ri);
		break;
	case IRC_CTX_NAMES:
		if (ri->kind == ROOMINFO_MEMBER)
			irc_names_add(srv, s, ri);
		break;
	case IRC_CTX_WHO:
		if (ri->kind == ROOMINFO_MEMBER) {
			char	name[PROTO_NAME_MAX + 1];

			memcpy(name, ri->name, sizeof name);
			name[PROTO_NAME_MAX] = '\0';
			irc_who_line(srv, s, room, name);
		}
		break;
	case IRC_CTX_LIST:
		if (ri->kind == ROOMINFO_ROOM) {
			snprintf(params, sizeof params, "%s %u", room,
			    ri->members);
			irc_num(srv, s, "322", params, "%s", topic);
		}
		break;
	case IRC_CTX_TOPIC:
		if (ri->kind != ROOMINFO_ROOM)
			break;
		if (topic[0] == '\0')
			irc_num(srv, s, "331", room, "No topic is set");
		else {
			irc_num(srv, s, "332", room, "%s", topic);
			snprintf(params, sizeof params, "%s %.32s 0", room,
			    ri->name);
			irc_num(srv, s, "333", params, NULL);
		}
		break;
	case IRC_CTX_MODE:
		if (ri->kind == ROOMINFO_ROOM) {
			snprintf(params, sizeof params, "%s +%s%s", room,
			    (ri->flags & ROOMINFO_PRIVATE) ? "s" : "",
			    (ri->flags & ROOMINFO_LOCKED) ? "t" : "");
			irc_num(srv, s, "324", params, NULL);
		}
		break;
	}
}

/* irc_end - a REC_END: the list the command asked for is whole. */
static void
irc_end(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;

	switch (c->ctx) {
	case IRC_CTX_JOIN:
	case IRC_CTX_REJOIN:
	case IRC_CTX_NAMES:
		irc_names_end(srv, s);
		break;
	case IRC_CTX_WHO:
		irc_num(srv, s, "315", c->target, "End of /WHO list.");
		break;
	case IRC_CTX_LIST:
		irc_num(srv, s, "323", NULL, "End of /LIST");
		break;
	}
}

/*
 * irc_error - a refusal, as the numeric IRC has for it (the rooms'
 * refusals: not a member, private, no such room or nick, too many
 * rooms), or a NOTICE with the server's words.
 */
static void
irc_error(struct server *srv, struct session *s,
    const struct proto_error *e)
{
	struct irc_conn	*c = s->irc;
	char		 text[PROTO_TEXT_MAX];
	const char	*t = c->target;

	memcpy(text, e->text, sizeof text);
	text[sizeof text - 1] = '\0';
	c->failed = 1;
	switch (c->ctx) {
	case IRC_CTX_PROBE:
		return;		/* not a member yet: a JOIN follows */
	case IRC_CTX_MAILLIST:
	case IRC_CTX_FETCH:
		break;
	case IRC_CTX_JOIN:
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
	case IRC_CTX_SEND:
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
 * irc_record - a record the server queued for an IRC session: what it
 * means as IRC lines.  Answers are read by the command they answer
 * (c->ctx); live pushes (mail, room lines, walls) stand alone.
 */
void
irc_record(struct server *srv, struct session *s, uint16_t type,
    const void *payload, size_t len)
{
	struct irc_conn		*c = s->irc;
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
			irc_mail(srv, s);
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
			irc_mail(srv, s);
			free(c->body);
			c->body = NULL;
		}
		break;
	case REC_ROOMINFO:
		if (len == sizeof ri) {
			memcpy(&ri, payload, sizeof ri);
			irc_roominfo(srv, s, &ri);
		}
		break;
	case REC_END:
		irc_end(srv, s);
		break;
	case REC_ENTRY:
		if (c->ctx == IRC_CTX_MAILLIST && len == sizeof pe) {
			memcpy(&pe, payload, sizeof pe);
			c->list = xreallocarray(c->list, c->nlist + 1,
			    sizeof *c->list);
			memcpy(c->list[c->nlist++], pe.id, 16);
		}
		break;
	case REC_OK:
		/* Answers come once durable, maybe turns later: what they
		 * confirm was said when no refusal came (irc_room_req). */
		break;
	case REC_ERROR:
	case REC_LOGOUT:
		memset(&e, 0, sizeof e);
		memcpy(&e, payload, len < sizeof e ? len : sizeof e);
		e.text[sizeof e.text - 1] = '\0';
		if (type == REC_LOGOUT) {
			irc_line(srv, s, NULL, NULL, "ERROR", NULL, 0, e.text);
		} else
			irc_error(srv, s, &e);
		break;
	case REC_WALLMSG:
		memset(&w, 0, sizeof w);
		memcpy(&w, payload, len < sizeof w ? len : sizeof w);
		w.from[PROTO_NAME_MAX] = '\0';
		w.text[sizeof w.text - 1] = '\0';
		snprintf(text, sizeof text, "[wall] %s", w.text);
		irc_message(srv, s, "NOTICE", w.from, s->name, text,
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

/* irc_room_req - one room request from s, answered into c->ctx. */
static void
irc_room_req(struct server *srv, struct session *s, int ctx, uint32_t op,
    uint32_t n, const char *room, const char *text)
{
	struct irc_conn		*c = s->irc;
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
	c->ctx = IRC_CTX_NONE;
	if (c->failed)
		return;
	/* Not refused: it is done (its REC_OK may wait for the spool). */
	irc_prefix(prefix, sizeof prefix, s->name);
	if (ctx == IRC_CTX_PART) {
		irc_line(srv, s, NULL, prefix, "PART", p, 1, NULL);
		irc_joined_set(c, room, 0);
	}
	else if (ctx == IRC_CTX_TOPICSET)
		irc_line(srv, s, NULL, prefix, "TOPIC", p, 1, c->text);
	else if (ctx == IRC_CTX_MODESET)
		irc_line(srv, s, NULL, prefix, "MODE", mp, 2, NULL);
}

/* irc_send_mail - text from s to a room or a user, as mailcli sends. */
static void
irc_send_mail(struct server *srv, struct session *s, const char *to,
    const char *text, size_t len)
{
	struct irc_conn		*c = s->irc;
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
	memcpy(c->ids[c->nids++ % IRC_OWN_IDS], ps.id, 16);
	c->ctx = IRC_CTX_SEND;
	c->failed = 0;
	snprintf(c->target, sizeof c->target, "%s", to);
	post_send(srv, s, &rec);
	if (!s->dead)
		c->ctx = IRC_CTX_NONE;
}

/* irc_isupport - 001 to 005, then 422 (no MOTD). */
static void
irc_welcome(struct server *srv, struct session *s)
{
	char	params[256];

	irc_num(srv, s, "001", NULL, "Welcome to ipcmail, %s", s->name);
	irc_num(srv, s, "002", NULL, "Your host is %s, running ipcmail "
	    PACKAGE_VERSION, IRC_SERVER);
	irc_num(srv, s, "003", NULL, "This server was started %s",
	    "with mailserv");
	snprintf(params, sizeof params, "%s ipcmail-%s o stiq",
	    IRC_SERVER, PACKAGE_VERSION);
	irc_num(srv, s, "004", params, NULL);
	snprintf(params, sizeof params, "CHANTYPES=# NICKLEN=%d "
	    "CHANNELLEN=%d CASEMAPPING=ascii CHANMODES=,,,st PREFIX=(o)@ "
	    "NETWORK=ipcmail MAXTARGETS=1 CHANLIMIT=#:%u AWAYLEN=%d",
	    PROTO_NAME_MAX, PROTO_NAME_MAX, srv->cfg.rooms.max_joined,
	    PROTO_AWAY_MAX);
	irc_num(srv, s, "005", params, "are supported by this server");
	irc_num(srv, s, "422", NULL, "MOTD File is missing");
}

/* irc_waiting - mail that waited for s, as PRIVMSG with its time. */
static void
irc_waiting(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;
	struct proto_id	 pi;
	struct record	 rec;
	size_t		 i;

	c->ctx = IRC_CTX_MAILLIST;
	post_list(srv, s);
	c->ctx = IRC_CTX_FETCH;
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
	c->ctx = IRC_CTX_NONE;
	free(c->list);
	c->list = NULL;
	c->nlist = 0;
}

static void	irc_join_one(struct server *, struct session *, const char *);

/*
 * irc_rooms - a membership persists: the rooms the user is in are
 * joined for the connection at once, each with what it missed.
 */
static void
irc_rooms(struct server *srv, struct session *s)
{
	char	(*v)[PROTO_NAME_MAX + 1];
	size_t	 i, n;

	v = room_each_of(srv, s->name, &n);
	for (i = 0; i < n && !s->dead; i++)
		irc_join_one(srv, s, v[i]);
	free(v);
}

/* irc_register - NICK and USER came, and CAP is over: log in. */
static void
irc_register(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;

	if (c->registered || !c->gotnick || !c->gotuser || c->capneg)
		return;
	c->registered = 1;
	c->last = time(NULL);
	if (session_login(srv, s) != 0)
		return;
	irc_welcome(srv, s);
	irc_waiting(srv, s);
	if (!s->dead)
		irc_rooms(srv, s);
}

/* irc_cap - CAP LS, REQ, LIST, END. */
static void
irc_cap(struct server *srv, struct session *s, struct ircline *l)
{
	static const char	*known[] = { "server-time", "message-tags",
	    "echo-message" };
	struct irc_conn		*c = s->irc;
	const char		*p[3];
	char			 list[256], *save = NULL, *w, *name;
	int			 set = 0, clear = 0, bit;
	size_t			 i;

	p[0] = irc_nick(s);
	if (l->nparams < 1) {
		irc_num(srv, s, "461", "CAP", "Not enough parameters");
		return;
	}
	ircline_lower(l->params[0]);
	if (strcmp(l->params[0], "ls") == 0) {
		if (!c->registered)
			c->capneg = 1;
		p[1] = "LS";
		irc_line(srv, s, NULL, IRC_SERVER, "CAP", p, 2,
		    "server-time message-tags echo-message");
	} else if (strcmp(l->params[0], "list") == 0) {
		snprintf(list, sizeof list, "%s%s%s",
		    (c->caps & IRC_CAP_TIME) ? "server-time " : "",
		    (c->caps & IRC_CAP_TAGS) ? "message-tags " : "",
		    (c->caps & IRC_CAP_ECHO) ? "echo-message" : "");
		p[1] = "LIST";
		irc_line(srv, s, NULL, IRC_SERVER, "CAP", p, 2, list);
	} else if (strcmp(l->params[0], "req") == 0 && l->nparams >= 2) {
		if (!c->registered)
			c->capneg = 1;
		snprintf(list, sizeof list, "%s", l->params[1]);
		for (w = strtok_r(list, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			name = *w == '-' ? w + 1 : w;
			for (i = 0; i < 3; i++)
				if (strcmp(name, known[i]) == 0)
					break;
			if (i == 3) {
				p[1] = "NAK";
				irc_line(srv, s, NULL, IRC_SERVER, "CAP", p, 2,
				    l->params[1]);
				return;
			}
			bit = 1 << i;
			if (*w == '-')
				clear |= bit;
			else
				set |= bit;
		}
		c->caps = (c->caps | set) & ~clear;
		p[1] = "ACK";
		irc_line(srv, s, NULL, IRC_SERVER, "CAP", p, 2, l->params[1]);
	} else if (strcmp(l->params[0], "end") == 0) {
		c->capneg = 0;
		irc_register(srv, s);
	} else
		irc_num(srv, s, "410", l->params[0], "Invalid CAP command");
}

/*
 * irc_nick_cmd - NICK: the nick is the login name of the connection's
 * uid; mailserv's uid and root may take any valid name before they
 * register.  Anyone else's is refused, and the connection keeps its own.
 */
static void
irc_nick_cmd(struct server *srv, struct session *s, struct ircline *l)
{
	struct irc_conn	*c = s->irc;
	char		 want[PROTO_NAME_MAX + 1];

	if (l->nparams < 1 || l->params[0][0] == '\0') {
		irc_num(srv, s, "431", NULL, "No nickname given");
		return;
	}
	if (strlen(l->params[0]) > PROTO_NAME_MAX) {
		irc_num(srv, s, "432", "*", "Erroneous nickname: at most %d "
		    "characters", PROTO_NAME_MAX);
		return;
	}
	snprintf(want, sizeof want, "%s", l->params[0]);
	ircline_lower(want);
	if (!name_valid(want)) {
		irc_num(srv, s, "432", want, "Erroneous nickname: names are "
		    "[a-z_][a-z0-9_-]*");
		return;
	}
	if (strcmp(want, s->name) == 0) {
		c->gotnick = 1;
	} else if (!c->registered && session_privileged(s)) {
		snprintf(s->name, sizeof s->name, "%s", want);
		c->gotnick = 1;
	} else if (c->registered) {
		irc_num(srv, s, "433", want, "Nickname is bound to this "
		    "connection's Unix account: you are %s", s->name);
		return;
	} else {
		irc_num(srv, s, "433", want, "Nickname is bound to your Unix "
		    "account (uid %u): you are %s", (unsigned)s->uid, c->own);
		c->gotnick = 1;
	}
	irc_register(srv, s);
}

/* irc_room_name - a channel parameter as a room name; 0 if valid. */
static int
irc_room_name(struct server *srv, struct session *s, const char *chan,
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
 * irc_join_one - JOIN of one room.  A member already (a client that
 * comes back) gets what it missed, its unread lines; a new member the
 * room's backlog, as ipcmail's join gives it.
 */
static void
irc_join_one(struct server *srv, struct session *s, const char *chan)
{
	struct irc_conn	*c = s->irc;
	char		 room[PROTO_NAME_MAX + 1];
	size_t		 i;

	if (irc_room_name(srv, s, chan, room) != 0)
		return;
	/* Joined already on this connection (at connect): as IRC
	 * servers do, a JOIN of it says nothing. */
	if (irc_joined(c, room) != -1)
		return;
	irc_room_req(srv, s, IRC_CTX_PROBE, ROOM_OP_READ, 0, room, NULL);
	if (s->dead)
		return;
	if (c->failed) {
		irc_room_req(srv, s, IRC_CTX_JOIN, ROOM_OP_JOIN, 0, room, NULL);
	} else {
		irc_room_req(srv, s, IRC_CTX_REJOIN, ROOM_OP_JOIN, 0, room,
		    NULL);
		for (i = 0; i < c->nheld && !s->dead; i++)
			irc_message(srv, s, "PRIVMSG", c->held[i].m.from,
			    room, c->held[i].body != NULL ? c->held[i].body :
			    "", c->held[i].m.len, c->held[i].m.date, 1);
	}
	if (s->dead)
		return;
	if (!c->failed)
		irc_joined_set(c, room, 1);
	for (i = 0; i < c->nheld; i++)
		free(c->held[i].body);
	free(c->held);
	c->held = NULL;
	c->nheld = 0;
}

/* irc_privmsg - PRIVMSG or NOTICE to a room or a user. */
static void
irc_privmsg(struct server *srv, struct session *s, struct ircline *l,
    int notice)
{
	struct irc_conn	*c = s->irc;
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
	irc_send_mail(srv, s, to, body, len);
	if (s->dead || c->failed)
		return;
	if (to[0] != '#') {
		if (!notice && (away = presence_away(srv, to)) != NULL)
			irc_num(srv, s, "301", to, "%s", away);
		if (c->caps & IRC_CAP_ECHO) {
			irc_prefix(prefix, sizeof prefix, s->name);
			p[0] = to;
			irc_line(srv, s, NULL, prefix, notice ? "NOTICE" :
			    "PRIVMSG", p, 1, body);
		}
	}
}

/* irc_whois - WHOIS nick: 311, 312, 301, 317, 318. */
static void
irc_whois(struct server *srv, struct session *s, const char *who)
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
	idle = best->irc != NULL ? now - best->irc->last : 0;
	snprintf(params, sizeof params, "%s %ld %ld", name, (long)idle,
	    (long)best->since);
	irc_num(srv, s, "317", params, "seconds idle, signon time");
	irc_num(srv, s, "318", name, "End of /WHOIS list.");
}

/* irc_mode - MODE: a room's +s/+i (private) and +t (topic locked). */
static void
irc_mode(struct server *srv, struct session *s, struct ircline *l)
{
	struct irc_conn	*c = s->irc;
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
	if (irc_room_name(srv, s, l->params[0], room) != 0)
		return;
	if (l->nparams < 2) {
		irc_room_req(srv, s, IRC_CTX_MODE, ROOM_OP_TOPIC, 0, room, "");
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
	irc_room_req(srv, s, IRC_CTX_MODESET, m[1] == 't' ? ROOM_OP_LOCK :
	    ROOM_OP_PRIVATE, (uint32_t)on, room, NULL);
}

/* irc_need - are there n parameters?  If not, 461. */
static int
irc_need(struct server *srv, struct session *s, struct ircline *l, size_t n)
{
	if (l->nparams >= n && l->params[0][0] != '\0')
		return (1);
	irc_num(srv, s, "461", l->cmd, "Not enough parameters");
	return (0);
}

/* irc_command - one parsed line from s. */
static void
irc_command(struct server *srv, struct session *s, struct ircline *l)
{
	struct irc_conn	*c = s->irc;
	char		 room[PROTO_NAME_MAX + 1], list[IRCLINE_MAX];
	char		 out[IRCLINE_MAX], *w, *save = NULL;
	const char	*p[2];
	size_t		 len;

	if (strcmp(l->cmd, "CAP") == 0)
		irc_cap(srv, s, l);
	else if (strcmp(l->cmd, "NICK") == 0)
		irc_nick_cmd(srv, s, l);
	else if (strcmp(l->cmd, "USER") == 0) {
		if (c->registered)
			irc_num(srv, s, "462", NULL, "You may not reregister");
		else if (irc_need(srv, s, l, 1)) {
			c->gotuser = 1;
			irc_register(srv, s);
		}
	} else if (strcmp(l->cmd, "PASS") == 0) {
		/* The kernel says who you are: no password. */
	} else if (strcmp(l->cmd, "PING") == 0) {
		p[0] = IRC_SERVER;
		irc_line(srv, s, NULL, IRC_SERVER, "PONG", p, 1,
		    l->nparams > 0 ? l->params[0] : "");
	} else if (strcmp(l->cmd, "PONG") == 0) {
	} else if (strcmp(l->cmd, "QUIT") == 0) {
		irc_line(srv, s, NULL, NULL, "ERROR", NULL, 0,
		    "Closing Link: quit");
		c->quitting = 1;
	} else if (!c->registered)
		irc_num(srv, s, "451", NULL, "You have not registered");
	else if (strcmp(l->cmd, "JOIN") == 0) {
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
			irc_join_one(srv, s, w);
	} else if (strcmp(l->cmd, "PART") == 0) {
		if (!irc_need(srv, s, l, 1))
			return;
		snprintf(list, sizeof list, "%s", l->params[0]);
		for (w = strtok_r(list, ",", &save); w != NULL && !s->dead;
		    w = strtok_r(NULL, ",", &save))
			if (irc_room_name(srv, s, w, room) == 0)
				irc_room_req(srv, s, IRC_CTX_PART,
				    ROOM_OP_LEAVE, 0, room, NULL);
	} else if (strcmp(l->cmd, "PRIVMSG") == 0)
		irc_privmsg(srv, s, l, 0);
	else if (strcmp(l->cmd, "NOTICE") == 0)
		irc_privmsg(srv, s, l, 1);
	else if (strcmp(l->cmd, "TOPIC") == 0) {
		if (!irc_need(srv, s, l, 1) ||
		    irc_room_name(srv, s, l->params[0], room) != 0)
			return;
		if (l->nparams < 2)
			irc_room_req(srv, s, IRC_CTX_TOPIC, ROOM_OP_TOPIC, 0,
			    room, "");
		else if (l->params[1][0] == '\0')
			irc_notice(srv, s, "ipcmail cannot clear a topic; set "
			    "another");
		else {
			len = ircline_clean(out, (const uint8_t *)l->params[1],
			    strlen(l->params[1]));
			out[len] = '\0';
			snprintf(c->text, sizeof c->text, "%s", out);
			irc_room_req(srv, s, IRC_CTX_TOPICSET, ROOM_OP_TOPIC,
			    0, room, out);
		}
	} else if (strcmp(l->cmd, "NAMES") == 0) {
		if (l->nparams < 1)
			irc_num(srv, s, "366", "*", "End of /NAMES list.");
		else if (irc_room_name(srv, s, l->params[0], room) == 0)
			irc_room_req(srv, s, IRC_CTX_NAMES, ROOM_OP_MEMBERS, 0,
			    room, NULL);
	} else if (strcmp(l->cmd, "LIST") == 0) {
		irc_num(srv, s, "321", "Channel", "Users  Name");
		irc_room_req(srv, s, IRC_CTX_LIST, ROOM_OP_LIST, 0, "", NULL);
	} else if (strcmp(l->cmd, "WHO") == 0) {
		if (l->nparams < 1) {
			irc_num(srv, s, "315", "*", "End of /WHO list.");
		} else if (l->params[0][0] == '#') {
			if (irc_room_name(srv, s, l->params[0], room) == 0)
				irc_room_req(srv, s, IRC_CTX_WHO,
				    ROOM_OP_MEMBERS, 0, room, NULL);
		} else {
			snprintf(room, sizeof room, "%s", l->params[0]);
			ircline_lower(room);
			if (name_valid(room) && session_online(srv, room) !=
			    NULL)
				irc_who_line(srv, s, "*", room);
			irc_num(srv, s, "315", room, "End of /WHO list.");
		}
	} else if (strcmp(l->cmd, "WHOIS") == 0) {
		if (irc_need(srv, s, l, 1))
			irc_whois(srv, s, l->params[l->nparams > 1 ? 1 : 0]);
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
		irc_mode(srv, s, l);
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

/* irc_flood - may s have one more line now (a token bucket)? */
static int
irc_flood(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;
	long long	 now = irc_now_ms();

	c->tokens += (double)(now - c->tok_ms) * IRC_PER_SEC / 1000.0;
	if (c->tokens > IRC_BURST)
		c->tokens = IRC_BURST;
	c->tok_ms = now;
	if (c->tokens >= 1) {
		c->tokens -= 1;
		return (0);
	}
	if (c->flooded++ % 100 == 0)
		irc_notice(srv, s, "too many lines at once: line dropped");
	if (c->flooded >= IRC_FLOOD_MAX) {
		irc_line(srv, s, NULL, NULL, "ERROR", NULL, 0,
		    "Closing Link: Excess Flood");
		c->quitting = 1;
	}
	return (-1);
}

/* irc_lines - act on every whole line read so far. */
static void
irc_lines(struct server *srv, struct session *s)
{
	static struct ircline	 l;	/* large: not on the stack */
	static char		 line[IRCLINE_IN_MAX + 1];
	struct irc_conn		*c;
	size_t			 len;
	int			 kind, rc;

	while (!s->dead && !s->irc->quitting) {
		c = s->irc;
		if ((kind = ircline_reader_next(&c->rd, line, &len)) ==
		    IRCLINE_NONE)
			break;
		if (kind == IRCLINE_LONG) {
			irc_num(srv, s, "417", NULL, "Input line was too long");
			continue;
		}
		if (irc_flood(srv, s) != 0)
			continue;
		if ((rc = ircline_parse(&l, line, len)) == -2)
			irc_num(srv, s, "417", NULL, "Input line was too long");
		else if (rc == 0)
			irc_command(srv, s, &l);
		else if (len > 0)
			log_warnx_budget(&srv->hostile, "IRC: %s sent a line "
			    "that is not IRC: ignored", s->name);
	}
}

/* irc_event - epoll's word on an IRC connection. */
void
irc_event(struct server *srv, struct session *s, uint32_t events)
{
	struct irc_conn	*c = s->irc;
	char		 buf[16384];
	size_t		 off, took, total = 0;
	ssize_t		 n;
	int		 eof = 0;

	if (events & EPOLLOUT)
		irc_flush(srv, s);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	while (!s->dead && total < IRC_READ_MAX) {
		n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			eof = 1;
			break;
		}
		total += (size_t)n;
		log_trace(c->tcp ? "tcp" : "unix", "read %zd B from IRC %s",
		    n, s->name);
		for (off = 0; off < (size_t)n && !s->dead; off += took) {
			took = ircline_reader_feed(&c->rd, buf + off,
			    (size_t)n - off);
			irc_lines(srv, s);
			if (s->dead || c->quitting)
				break;
		}
		if (s->dead || c->quitting)
			break;
	}
	if (!s->dead && (eof || c->quitting))
		session_close(srv, s, c->quitting ? "quit" : "gone");
}

/*
 * irc_flush - the turn's end: mail shown is done with, then what the
 * socket takes now; the rest waits for EPOLLOUT, up to IRC_OUT_MAX.
 */
void
irc_flush(struct server *srv, struct session *s)
{
	struct irc_conn		*c = s->irc;
	struct epoll_event	 ev;
	struct proto_done	 pd;
	struct record		 rec;
	size_t			 i;
	int			 want;

	for (i = 0; i < c->ndone; i++) {
		memset(&pd, 0, sizeof pd);
		memcpy(pd.id, c->done[i], sizeof pd.id);
		pd.flags = PROTO_DONE_QUIET;
		memset(&rec.hdr, 0, sizeof rec.hdr);
		rec.hdr.type = REC_DONE;
		rec.hdr.len = sizeof pd;
		memcpy(rec.payload, &pd, sizeof pd);
		post_done(srv, s, &rec);
	}
	c->ndone = 0;
	if (s->dead)
		return;
	if (irc_write(s) == -1) {
		c->outlen = 0;
		session_close(srv, s, errno == EPIPE ? "gone" :
		    strerror(errno));
		return;
	}
	want = c->outlen > 0;
	if (want != c->pollout) {
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
		ev.data.ptr = s;
		if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, s->fd, &ev) == 0)
			c->pollout = want;
	}
}

/* irc_closing - the session ends: its last lines go if they fit. */
void
irc_closing(struct server *srv, struct session *s)
{
	if (s->irc->outlen > 0)
		irc_write(s);
	if (srv->irc != NULL && srv->irc->nconns > 0)
		srv->irc->nconns--;
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	shutdown(s->fd, SHUT_RDWR);
}

/*
 * irc_accept - new connections on listener i.  The uid is the
 * kernel's word: SO_PEERCRED on the socket, the socket table for
 * loopback TCP (ircpeer.c).
 */
void
irc_accept(struct server *srv, int i)
{
	struct irc	*irc = srv->irc;
	struct ucred	 cr;
	struct passwd	*pw;
	struct session	*s;
	struct irc_conn	*c;
	socklen_t	 len;
	char		 tty[PROTO_TTY_MAX], why[128];
	int		 fd;

	while ((fd = accept4(irc->fd[i], NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		memset(&cr, 0, sizeof cr);
		len = sizeof cr;
		why[0] = '\0';
		if (irc->tcp[i]) {
			if (ircpeer_tcp(fd, &cr.uid, why, sizeof why) != 0) {
				log_warnx_budget(&srv->hostile, "IRC port: %s: "
				    "refused", why);
				close(fd);
				continue;
			}
			cr.pid = 0;
		} else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr,
		    &len) == -1) {
			log_warn("IRC socket: SO_PEERCRED");
			close(fd);
			continue;
		}
		if ((pw = getpwuid(cr.uid)) == NULL ||
		    !name_valid(pw->pw_name)) {
			log_warnx_budget(&srv->hostile, "IRC: uid %u has no "
			    "login name ipcmail can use: refused",
			    (unsigned)cr.uid);
			send(fd, "ERROR :your uid has no valid login name\r\n",
			    41, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		snprintf(tty, sizeof tty, irc->tcp[i] ? "irc/tcp" : "irc");
		if ((s = session_attach(srv, fd, cr.uid, cr.pid, pw->pw_name,
		    tty)) == NULL) {
			log_warnx_budget(&srv->hostile, "IRC: too many "
			    "sessions: refused uid %u", (unsigned)cr.uid);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		ircline_reader_init(&c->rd);
		snprintf(c->own, sizeof c->own, "%s", pw->pw_name);
		c->tokens = IRC_BURST;
		c->tok_ms = irc_now_ms();
		c->tcp = irc->tcp[i];
		s->irc = c;
		irc->nconns++;
		irc->accepted++;
		log_trace("session", "IRC connection of uid %u (%s, pid %ld)",
		    (unsigned)cr.uid, pw->pw_name, (long)cr.pid);
	}
}

/* irc_status - the door's live figures, for --status. */
void
irc_status(struct server *srv, char *buf, size_t size)
{
	if (srv->irc == NULL || srv->irc->nfd == 0) {
		snprintf(buf, size, "live: irc: off\n");
		return;
	}
	snprintf(buf, size, "live: irc: %zu %s now, %llu since start, on "
	    "%s/%s%s\n", srv->irc->nconns, plural(srv->irc->nconns,
	    "connection", "connections"),
	    (unsigned long long)srv->irc->accepted, srv->cfg.dir, IRC_SOCKET,
	    srv->cfg.irc_port ? " and loopback TCP" : "");
}

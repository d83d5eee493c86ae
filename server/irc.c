/*
 * irc.c - mailserv's IRC door: DIR/irc.sock (and, with --irc-port, the
 * loopback addresses), where irssi and other IRC clients are ipcmail
 * sessions.  This file owns the connections: listeners, who a
 * connection is (SO_PEERCRED, or the socket table for loopback TCP,
 * ircpeer.c; never what the client says), registration and CAP, line
 * framing and flood control, the bounded output queue.  What a
 * registered connection's commands and the server's records mean is
 * irccmd.c's (the door's inside: irc.h).  Lines are parsed and
 * formatted by common/ircline.c.
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

#include "config.h"
#include "ircline.h"
#include "log.h"
#include "name.h"
#include "plural.h"
#include "server.h"
#include "irc.h"
#include "xmalloc.h"

#define IRC_OUT_MAX	(4 * 1024 * 1024)	/* unread output (a join's backlog
					   is at most 2 MiB), then dropped */
#define IRC_READ_MAX	(64 * 1024)	/* read from one client a turn */
#define IRC_BURST	200		/* lines at once, then ... */
#define IRC_PER_SEC	50		/* ... this many a second */
#define IRC_FLOOD_MAX	2000		/* lines dropped, then closed */

struct irc {
	int		fd[IRC_LISTEN_MAX];	/* unix, then tcp4, tcp6 */
	int		tcp[IRC_LISTEN_MAX];
	size_t		nfd;
	size_t		nconns;
	uint64_t	accepted;
};

/* One connection; what its commands mean is its irccmd's. */
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
	double			 tokens;
	long long		 tok_ms;
	uint64_t		 flooded;
	int			 tcp;
	struct irccmd		*cmd;		/* irccmd.c */
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
	/* Members hear of joins, leaves and topics live. */
	if (srv->rooms != NULL)
		rooms_watch(srv->rooms, irccmd_room_change);
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
	if (srv->rooms != NULL)
		rooms_watch(srv->rooms, NULL);
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
	if (c == NULL)
		return;
	irccmd_free(c->cmd);
	free(c->out);
	free(c);
}

/* irc_caps - the IRC_CAP_* s asked for. */
int
irc_caps(const struct session *s)
{
	return (s->irc->caps);
}

/* irc_registered - has s registered (NICK, USER, CAP over)? */
int
irc_registered(const struct session *s)
{
	return (s->irc->registered);
}

/* irc_cmd - s's command state (irccmd.c). */
struct irccmd *
irc_cmd(const struct session *s)
{
	return (s->irc->cmd);
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
void
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
const char *
irc_nick(const struct session *s)
{
	return (s->irc->registered ? s->name : "*");
}

/* irc_num - a numeric: ":ipcmail NNN nick params... :text". */
void
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
void
irc_prefix(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s!%s@%s", name, name, IRC_HOST);
}

/* irc_notice - a NOTICE from the server to s. */
void
irc_notice(struct server *srv, struct session *s, const char *text)
{
	const char	*p[1] = { irc_nick(s) };

	irc_line(srv, s, NULL, IRC_SERVER, "NOTICE", p, 1, text);
}

/* irc_welcome - 001 to 005, then 422 (no MOTD). */
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

/* irc_register - NICK and USER came, and CAP is over: log in. */
static void
irc_register(struct server *srv, struct session *s)
{
	struct irc_conn	*c = s->irc;

	if (c->registered || !c->gotnick || !c->gotuser || c->capneg)
		return;
	c->registered = 1;
	if (session_login(srv, s) != 0)
		return;
	irc_welcome(srv, s);
	irccmd_registered(srv, s);
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

/* irc_need - are there n parameters?  If not, 461. */
int
irc_need(struct server *srv, struct session *s, struct ircline *l, size_t n)
{
	if (l->nparams >= n && l->params[0][0] != '\0')
		return (1);
	irc_num(srv, s, "461", l->cmd, "Not enough parameters");
	return (0);
}

/*
 * irc_command - one parsed line from s: registration, CAP, PING and
 * QUIT here; once registered, the rest is irccmd.c's.
 */
static void
irc_command(struct server *srv, struct session *s, struct ircline *l)
{
	struct irc_conn	*c = s->irc;
	const char	*p[1];

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
		if (c->registered)
			irccmd_pong(srv, s, l->nparams > 0 ?
			    l->params[l->nparams - 1] : "");
	} else if (strcmp(l->cmd, "QUIT") == 0) {
		irc_line(srv, s, NULL, NULL, "ERROR", NULL, 0,
		    "Closing Link: quit");
		c->quitting = 1;
	} else if (!c->registered)
		irc_num(srv, s, "451", NULL, "You have not registered");
	else
		irccmd_command(srv, s, l);
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
 * irc_record - a record the server queued for an IRC session: what it
 * means as IRC lines is irccmd.c's.
 */
void
irc_record(struct server *srv, struct session *s, uint16_t type,
    const void *payload, size_t len)
{
	irccmd_record(srv, s, type, payload, len);
}

/*
 * irc_flush - the turn's end: mail shown is done with (irccmd.c), then
 * what the socket takes now; the rest waits for EPOLLOUT, up to
 * IRC_OUT_MAX.
 */
void
irc_flush(struct server *srv, struct session *s)
{
	struct irc_conn		*c = s->irc;
	struct epoll_event	 ev;
	int			 want;

	irccmd_flush(srv, s);
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
		c->cmd = irccmd_new();
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

/*
 * session.c - one client of mailserv.  A session opens with REC_HELLO
 * on the shared FIFO: the server opens the client's reply FIFO
 * DIR/clients/NAME.PID itself, checks who owns it (the kernel's word,
 * not the client's) and answers with a key that every later record must
 * carry (proto.h says why).  A session counts as logged in, and shows
 * in the online table, only once the client has used that key.
 * Replies are queued, and written without blocking once per turn of
 * the server loop (session_flush_all), whole records at most PIPE_BUF
 * bytes a write: a client that stops reading stalls nobody else, and
 * a turn's replies to one client cost one write(2), not one a record.
 * Sessions are found by pid through a hash; their reply FIFOs are
 * watched with epoll, so the cost of a record does not grow with the
 * number of sessions.  A session ends on REC_BYE or when its reply FIFO
 * loses its reader (the client died).
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "fifo.h"
#include "io.h"
#include "log.h"
#include "name.h"
#include "plural.h"
#include "rundir.h"
#include "server.h"
#include "xmalloc.h"

#define SESSION_OUT_MAX	(4 * 1024 * 1024)	/* unread replies */
/* A session's reply buffer starts small (most turns answer it with a
 * record or two) and, once grown past SESSION_OUT_KEEP and emptied, is
 * given back.  It used to start at 16 KiB: some 4 KiB resident for
 * every idle session. */
#define SESSION_OUT_FIRST	1024
#define SESSION_OUT_KEEP	8192
#define SESSION_PER_PID	4
#define SESSION_MAX	4096
#define SESSION_UID_MAX	(SESSION_MAX / 8)	/* of one user (admit.c) */

/* session_may_use - may a client running as uid use this name? */
static int
session_may_use(uid_t uid, const char *name)
{
	struct passwd	*pw;

	if (uid == 0 || uid == geteuid())
		return (1);
	return ((pw = getpwnam(name)) != NULL && pw->pw_uid == uid);
}

/*
 * session_privileged - is s run by root or mailserv's own uid, who may
 * use any name and whom the per-user limits (quota.c, admit.c) spare?
 */
int
session_privileged(const struct session *s)
{
	return (s->uid == 0 || s->uid == geteuid());
}

/* session_bucket - the pid hash bucket of pid. */
static struct session **
session_bucket(struct server *srv, pid_t pid)
{
	return (&srv->bypid[(unsigned)pid % SERVER_PID_BUCKETS]);
}

/* session_unhash - take s out of the pid hash. */
static void
session_unhash(struct server *srv, struct session *s)
{
	struct session	**pp;

	for (pp = session_bucket(srv, s->pid); *pp != NULL;
	    pp = &(*pp)->pidnext) {
		if (*pp == s) {
			*pp = s->pidnext;
			break;
		}
	}
}

/* session_name_bucket - the bucket of name in the logged-in hash. */
static struct session **
session_name_bucket(struct server *srv, const char *name)
{
	return (&srv->byname[record_sum(name, strlen(name), RECORD_SUM_SEED) %
	    SERVER_NAME_BUCKETS]);
}

/* session_name_unhash - take s out of the logged-in hash. */
static void
session_name_unhash(struct server *srv, struct session *s)
{
	struct session	**pp;

	for (pp = session_name_bucket(srv, s->name); *pp != NULL;
	    pp = &(*pp)->namenext) {
		if (*pp == s) {
			*pp = s->namenext;
			break;
		}
	}
}

/*
 * session_online - the first session in name's bucket of the logged-in
 * hash; the others follow by namenext.  A bucket is shared: callers
 * compare the name.
 */
struct session *
session_online(struct server *srv, const char *name)
{
	return (*session_name_bucket(srv, name));
}

static void
session_free(struct session *s)
{
	irc_conn_free(s->irc);
	if (s->fd != -1)
		close(s->fd);
	mail_assembly_clear(&s->body);
	free(s->out);
	free(s);
}

/* session_dead - mark s for session_reap. */
static void
session_dead(struct server *srv, struct session *s)
{
	if (!s->dead) {
		s->dead = 1;
		srv->ndead++;
	}
}

/*
 * session_clean_tty - a tty name is the client's word, and goes to the
 * log and to everyone's `who`: anything but printable ASCII in it
 * becomes '?'.  How many bytes were replaced.
 */
static size_t
session_clean_tty(char *tty)
{
	size_t	n = 0;

	for (; *tty != '\0'; tty++) {
		if (*tty < 0x21 || *tty > 0x7e) {
			*tty = '?';
			n++;
		}
	}
	return (n);
}

/* session_hello - open a session for a REC_HELLO; NULL if refused. */
static void	session_busy(struct server *, struct session *);

struct session *
session_hello(struct server *srv, const struct record *rec)
{
	struct proto_hello	 h;
	struct proto_welcome	 w;
	struct epoll_event	 ev;
	struct session		*s, **bucket;
	uid_t			 owner;
	size_t			 i, per_pid = 0;
	uint32_t		 code;
	char			 why[PROTO_TEXT_MAX];

	if (rec->hdr.len != sizeof h || rec->hdr.pid == 0) {
		log_warnx_budget(&srv->hostile, "malformed hello (%u bytes): "
		    "dropped", rec->hdr.len);
		return (NULL);
	}
	memcpy(&h, rec->payload, sizeof h);
	if (!name_valid_field(h.name, sizeof h.name)) {
		log_warnx_budget(&srv->hostile, "hello from pid %u with an "
		    "invalid name: dropped", rec->hdr.pid);
		return (NULL);
	}
	h.tty[sizeof h.tty - 1] = '\0';
	if (session_clean_tty(h.tty) > 0)
		log_warnx_budget(&srv->hostile, "hello from pid %u: its tty "
		    "had control or non-ASCII bytes, kept as '?': %s",
		    rec->hdr.pid, h.tty);
	/* A forged hello must not shut out the real one, so a pid may have
	 * several sessions until one uses its key; but not many. */
	bucket = session_bucket(srv, (pid_t)rec->hdr.pid);
	for (s = *bucket; s != NULL; s = s->pidnext)
		if (s->pid == (pid_t)rec->hdr.pid && !s->dead)
			per_pid++;
	if (per_pid >= SESSION_PER_PID || srv->nsessions >= SESSION_MAX) {
		log_warnx_budget(&srv->hostile, "hello from pid %u: too many "
		    "sessions: dropped", rec->hdr.pid);
		return (NULL);
	}
	for (i = 0; i < sizeof rec->hdr.token && rec->hdr.token[i] == 0; i++)
		;
	if (i == sizeof rec->hdr.token) {
		log_warnx_budget(&srv->hostile, "hello from pid %u without a "
		    "token: dropped", rec->hdr.pid);
		return (NULL);
	}

	s = xcalloc(1, sizeof *s);
	s->fd = -1;
	s->slot = -1;
	s->pid = (pid_t)rec->hdr.pid;
	memcpy(s->token, rec->hdr.token, sizeof s->token);
	memcpy(s->name, h.name, sizeof s->name);
	memcpy(s->tty, h.tty, sizeof s->tty);
	snprintf(s->fifo, sizeof s->fifo, "%s/%s.%ld", RUNDIR_CLIENTS,
	    s->name, (long)s->pid);
	if ((s->fd = fifo_open_writer(srv->dirfd, s->fifo, &owner)) == -1) {
		log_warn("hello from %s (pid %ld): reply FIFO %s",
		    s->name, (long)s->pid, s->fifo);
		session_free(s);
		return (NULL);
	}
	s->uid = owner;
	/* No events asked: EPOLLERR (the reader is gone) comes anyway. */
	memset(&ev, 0, sizeof ev);
	ev.data.ptr = s;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, s->fd, &ev) == -1) {
		log_warn("hello from %s (pid %ld): epoll_ctl", s->name,
		    (long)s->pid);
		session_free(s);
		return (NULL);
	}
	srv->sessions = xreallocarray(srv->sessions, srv->nsessions + 1,
	    sizeof *srv->sessions);
	srv->sessions[srv->nsessions++] = s;
	s->pidnext = *bucket;
	*bucket = s;

	if (!session_may_use(owner, s->name)) {
		log_info("refused %s (pid %ld): uid %u may not use that name",
		    s->name, (long)s->pid, (unsigned)owner);
		session_error(srv, s, PROTO_E_DENIED, "uid %u may not use "
		    "the name %s", (unsigned)owner, s->name);
		session_dead(srv, s);
		return (NULL);
	}
	if ((code = admit_hello(srv, s, SESSION_UID_MAX, why,
	    sizeof why)) != 0) {
		session_error(srv, s, code, "%s", why);
		session_dead(srv, s);
		return (NULL);
	}
	if ((h.flags & PROTO_HELLO_LOGIN) &&
	    srv->nlogins >= srv->cfg.max_users) {
		session_busy(srv, s);
		return (NULL);
	}
	if ((h.flags & PROTO_HELLO_LOGIN) &&
	    (code = admit_login(srv, s, why, sizeof why)) != 0) {
		session_error(srv, s, code, "%s", why);
		session_dead(srv, s);
		return (NULL);
	}
	s->want_login = (h.flags & PROTO_HELLO_LOGIN) != 0;
	if (io_random(s->key, sizeof s->key) != 0)
		uuid_generate_random(s->key);
	memset(&w, 0, sizeof w);
	memcpy(w.key, s->key, sizeof w.key);
	w.unread = (uint32_t)store_unread(srv->store, s->name, NULL);
	w.max_body = srv->cfg.max_body;
	w.server_pid = getpid();
	memcpy(w.mail_domain, srv->cfg.mail_domain, sizeof w.mail_domain);
	session_queue(srv, s, REC_WELCOME, &w, sizeof w);
	log_trace("session", "hello from %s (pid %ld, uid %u)", s->name,
	    (long)s->pid, (unsigned)owner);
	return (s);
}

static void
session_busy(struct server *srv, struct session *s)
{
	log_info("refused %s (pid %ld): %u %s online", s->name,
	    (long)s->pid, srv->cfg.max_users,
	    plural(srv->cfg.max_users, "user", "users"));
	session_error(srv, s, PROTO_E_BUSY, "too many users online (at most "
	    "%u)", srv->cfg.max_users);
	session_dead(srv, s);
}

/*
 * session_confirm - the client used its key: the session is real.  A
 * login enters the online table now.  0, or -1 if it cannot: the
 * client, past its welcome, is logged out with the reason.
 */
static int
session_confirm(struct server *srv, struct session *s)
{
	char		why[PROTO_TEXT_MAX];
	uint32_t	code;

	s->confirmed = 1;
	if (!s->want_login)
		return (0);
	s->since = time(NULL);
	if ((code = admit_login(srv, s, why, sizeof why)) == 0 &&
	    (srv->nlogins >= srv->cfg.max_users || srv->table == NULL ||
	    online_add(srv, s) == -1)) {
		code = PROTO_E_BUSY;
		snprintf(why, sizeof why, "too many users online (at most %u)",
		    srv->cfg.max_users);
		log_info("refused %s (pid %ld): %u users online", s->name,
		    (long)s->pid, srv->cfg.max_users);
	}
	if (code != 0) {
		session_logout(srv, s, code, why, "refused");
		return (-1);
	}
	s->login = 1;
	s->namenext = *session_name_bucket(srv, s->name);
	*session_name_bucket(srv, s->name) = s;
	srv->nlogins++;
	log_info("%s logged in (pid %ld, %s, uid %u)", s->name, (long)s->pid,
	    s->tty[0] ? s->tty : "no tty", (unsigned)s->uid);
	return (0);
}

/*
 * session_attach - a session for a connection the kernel vouches for
 * (server/irc.c): fd is watched for input, the name is the caller's
 * word.  NULL if there are too many sessions.
 */
struct session *
session_attach(struct server *srv, int fd, uid_t uid, pid_t pid,
    const char *name, const char *tty)
{
	struct epoll_event	 ev;
	struct session		*s, **bucket;

	if (srv->nsessions >= SESSION_MAX)
		return (NULL);
	s = xcalloc(1, sizeof *s);
	s->slot = -1;
	s->fd = fd;
	s->pid = pid;
	s->uid = uid;
	s->confirmed = 1;
	/* Never used (session_find skips it), but never zero either. */
	if (io_random(s->key, sizeof s->key) != 0)
		uuid_generate_random(s->key);
	strncpy(s->name, name, sizeof s->name - 1);
	strncpy(s->tty, tty, sizeof s->tty - 1);
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl (%s)", tty);
		free(s);
		return (NULL);
	}
	srv->sessions = xreallocarray(srv->sessions, srv->nsessions + 1,
	    sizeof *srv->sessions);
	srv->sessions[srv->nsessions++] = s;
	bucket = session_bucket(srv, pid);
	s->pidnext = *bucket;
	*bucket = s;
	return (s);
}

/*
 * session_login - an attached session logs in under its name now: the
 * per-user limits, then the online table.  0, or -1: it was logged out
 * with the reason.
 */
int
session_login(struct server *srv, struct session *s)
{
	char		why[PROTO_TEXT_MAX];
	uint32_t	code;

	if ((code = admit_hello(srv, s, SESSION_UID_MAX, why,
	    sizeof why)) != 0) {
		session_logout(srv, s, code, why, "refused");
		return (-1);
	}
	s->want_login = 1;
	return (session_confirm(srv, s));
}

/* session_find - the live session a record belongs to, by its key. */
struct session *
session_find(struct server *srv, const struct record *rec)
{
	struct session	*s;

	for (s = *session_bucket(srv, (pid_t)rec->hdr.pid); s != NULL;
	    s = s->pidnext) {
		/* An IRC session has no key: no record on the FIFO is its. */
		if (s->dead || s->irc != NULL ||
		    s->pid != (pid_t)rec->hdr.pid ||
		    memcmp(s->key, rec->hdr.token, sizeof s->key) != 0)
			continue;
		if (!s->confirmed && session_confirm(srv, s) != 0)
			return (NULL);
		return (s);
	}
	return (NULL);
}

/* session_queue - queue one record for the client; sent at turn's end. */
void
session_queue(struct server *srv, struct session *s, uint16_t type,
    const void *payload, size_t len)
{
	struct record	rec;
	size_t		size;

	if (s->dead)
		return;
	if (s->irc != NULL) {
		irc_record(srv, s, type, payload, len);
		return;
	}
	size = record_build(&rec, type, 0, s->token, payload, len);
	if (s->outlen + size > SESSION_OUT_MAX) {
		session_close(srv, s, "not reading its replies");
		return;
	}
	if (s->outlen + size > s->outcap) {
		s->outcap = s->outcap == 0 ? SESSION_OUT_FIRST : s->outcap;
		while (s->outcap < s->outlen + size)
			s->outcap *= 2;
		s->out = xreallocarray(s->out, s->outcap, 1);
	}
	memcpy(s->out + s->outlen, &rec, size);
	s->outlen += size;
	session_mark(srv, s);
}

/* session_mark - put s on the list of sessions written at turn's end. */
void
session_mark(struct server *srv, struct session *s)
{
	if (!s->queued) {
		if (srv->nflush == srv->flushcap) {
			srv->flushcap = srv->flushcap == 0 ? 64 :
			    srv->flushcap * 2;
			srv->flush = xreallocarray(srv->flush, srv->flushcap,
			    sizeof *srv->flush);
		}
		srv->flush[srv->nflush++] = s;
		s->queued = 1;
	}
}

/* session_error - queue a REC_ERROR with a printf-style text. */
void
session_error(struct server *srv, struct session *s, uint32_t code,
    const char *fmt, ...)
{
	struct proto_error	e;
	va_list			ap;

	memset(&e, 0, sizeof e);
	e.code = code;
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof e.text, fmt, ap);
	va_end(ap);
	session_queue(srv, s, REC_ERROR, &e,
	    offsetof(struct proto_error, text) + strlen(e.text) + 1);
}

/*
 * session_logout - end s from our side: tell the client why (the code
 * becomes its exit status), then close the session.
 */
void
session_logout(struct server *srv, struct session *s, uint32_t code,
    const char *text, const char *why)
{
	struct proto_error	e;

	memset(&e, 0, sizeof e);
	e.code = code;
	strncpy(e.text, text, sizeof e.text - 1);
	session_queue(srv, s, REC_LOGOUT, &e,
	    offsetof(struct proto_error, text) + strlen(e.text) + 1);
	session_close(srv, s, why);
}

/*
 * session_chunk - how many bytes from p, whole records, one write may
 * take: at most PIPE_BUF (PROTO_REC_MAX), so the write is atomic and a
 * full pipe never takes half a record.
 */
static size_t
session_chunk(const uint8_t *p, size_t len)
{
	struct proto_hdr	hdr;
	size_t			off = 0, size;

	while (off < len) {
		memcpy(&hdr, p + off, sizeof hdr);
		size = sizeof hdr + hdr.len;
		if (off > 0 && off + size > PROTO_REC_MAX)
			break;
		off += size;
	}
	return (off);
}

/*
 * session_write - write what the FIFO takes now, never blocking: 0, or
 * -1 with errno if the FIFO failed (EPIPE: its reader is gone).
 */
static int
session_write(struct session *s)
{
	ssize_t	n;
	size_t	done = 0, chunk;
	int	rc = 0;

	while (done < s->outlen) {
		chunk = session_chunk(s->out + done, s->outlen - done);
		n = write(s->fd, s->out + done, chunk);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				rc = -1;
			break;
		}
		log_trace("fifo", "write %zd B to %s", n, s->fifo);
		done += (size_t)n;
	}
	memmove(s->out, s->out + done, s->outlen - done);
	s->outlen -= done;
	/* A buffer grown for a burst (a list, a large body) goes back
	 * once empty: an idle session keeps at most SESSION_OUT_KEEP. */
	if (s->outlen == 0 && s->outcap > SESSION_OUT_KEEP) {
		free(s->out);
		s->out = NULL;
		s->outcap = 0;
	}
	return (rc);
}

/* session_watch - ask epoll for room in the FIFO, or stop asking. */
static void
session_watch(struct server *srv, struct session *s, int pollout)
{
	struct epoll_event	ev;

	if (s->pollout == pollout)
		return;
	memset(&ev, 0, sizeof ev);
	ev.events = pollout ? EPOLLOUT : 0;
	ev.data.ptr = s;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, s->fd, &ev) == -1)
		log_warn("epoll_ctl %s", s->fifo);
	else
		s->pollout = pollout;
}

/* session_flush - write what the FIFO takes now; never blocks. */
void
session_flush(struct server *srv, struct session *s)
{
	if (s->dead)
		return;
	if (s->irc != NULL) {
		irc_flush(srv, s);
		return;
	}
	if (session_write(s) == -1) {
		session_close(srv, s, errno == EPIPE ? "gone" :
		    strerror(errno));
		return;
	}
	session_watch(srv, s, s->outlen > 0);
}

/* session_flush_all - the turn's end: write every session's replies. */
void
session_flush_all(struct server *srv)
{
	size_t	i;

	for (i = 0; i < srv->nflush; i++) {
		srv->flush[i]->queued = 0;
		session_flush(srv, srv->flush[i]);
	}
	srv->nflush = 0;
}

/* session_event - epoll's word on a reply FIFO. */
void
session_event(struct server *srv, struct session *s, uint32_t events)
{
	if (s->irc != NULL)
		irc_event(srv, s, events);
	else if (events & (EPOLLERR | EPOLLHUP))
		session_close(srv, s, "gone");
	else if (events & EPOLLOUT)
		session_flush(srv, s);
}

/* session_close - end a session; it is freed by session_reap. */
void
session_close(struct server *srv, struct session *s, const char *why)
{
	if (s->dead)
		return;
	/* Its last replies (an error, a notice) go out if they fit. */
	if (s->irc != NULL)
		irc_closing(srv, s);
	else if (s->outlen > 0 && s->fd != -1)
		session_write(s);
	session_dead(srv, s);
	if (s->login) {
		srv->nlogins--;
		session_name_unhash(srv, s);
		if (srv->table != NULL)
			srv->tops->del(srv->table, s->slot);
		log_info("%s logged out (pid %ld%s%s)", s->name, (long)s->pid,
		    why ? ": " : "", why ? why : "");
		s->login = 0;
	} else
		log_trace("session", "%s (pid %ld) closed%s%s", s->name,
		    (long)s->pid, why ? ": " : "", why ? why : "");
	/* Owner of the sticky clients/ directory: we may remove it. */
	if (s->irc == NULL)
		fifo_unlink_same(srv->dirfd, s->fifo, s->fd);
}

/*
 * session_reap - free dead sessions, after one last try to write what
 * they were told (a refusal).  Never while the flush list holds them:
 * the server loop reaps after session_flush_all.
 */
void
session_reap(struct server *srv)
{
	struct session	*s;
	size_t		 i = 0;

	if (srv->ndead == 0)
		return;
	while (i < srv->nsessions) {
		s = srv->sessions[i];
		/* Not while an answer for it waits for a commit. */
		if (s->dead && s->waiting == 0) {
			if (s->outlen > 0 && s->fd != -1)
				session_write(s);
			session_unhash(srv, s);
			session_free(s);
			srv->ndead--;
			srv->sessions[i] = srv->sessions[--srv->nsessions];
		} else
			i++;
	}
}

/*
 * session.c - one client of mailserv.  A session opens with REC_HELLO
 * on the shared FIFO: the server opens the client's reply FIFO
 * DIR/clients/NAME.PID itself, checks who owns it (the kernel's word,
 * not the client's) and answers with a key that every later record must
 * carry (proto.h says why).  A session counts as logged in, and shows
 * in the online table, only once the client has used that key.  Replies
 * are queued and written without blocking, so a client that stops reading stalls nobody else.  A session ends
 * on REC_BYE or when its reply FIFO loses its reader (the client died).
 */
#define _GNU_SOURCE
#include <sys/types.h>

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
#include "log.h"
#include "name.h"
#include "rundir.h"
#include "server.h"
#include "xmalloc.h"

#define SESSION_OUT_MAX	(4 * 1024 * 1024)	/* unread replies */
#define SESSION_PER_PID	4
#define SESSION_MAX	4096

/* session_may_use - may a client running as uid use this name? */
static int
session_may_use(uid_t uid, const char *name)
{
	struct passwd	*pw;

	if (uid == 0 || uid == geteuid())
		return (1);
	return ((pw = getpwnam(name)) != NULL && pw->pw_uid == uid);
}

static void
session_free(struct session *s)
{
	if (s->fd != -1)
		close(s->fd);
	mail_assembly_clear(&s->body);
	free(s->out);
	free(s);
}

/* session_hello - open a session for a REC_HELLO; NULL if refused. */
static void	session_busy(struct server *, struct session *);

struct session *
session_hello(struct server *srv, const struct record *rec)
{
	struct proto_hello	 h;
	struct proto_welcome	 w;
	struct session		*s;
	uid_t			 owner;
	size_t			 i, logins = 0, per_pid = 0;

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
	/* A forged hello must not shut out the real one, so a pid may have
	 * several sessions until one uses its key; but not many. */
	for (i = 0; i < srv->nsessions; i++) {
		if (srv->sessions[i]->pid == (pid_t)rec->hdr.pid &&
		    !srv->sessions[i]->dead)
			per_pid++;
		logins += srv->sessions[i]->login;
	}
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
	srv->sessions = xreallocarray(srv->sessions, srv->nsessions + 1,
	    sizeof *srv->sessions);
	srv->sessions[srv->nsessions++] = s;

	if (!session_may_use(owner, s->name)) {
		log_info("refused %s (pid %ld): uid %u may not use that name",
		    s->name, (long)s->pid, (unsigned)owner);
		session_error(srv, s, PROTO_E_DENIED, "uid %u may not use "
		    "the name %s", (unsigned)owner, s->name);
		s->dead = 1;
		return (NULL);
	}
	if ((h.flags & PROTO_HELLO_LOGIN) && logins >= srv->cfg.max_users) {
		session_busy(srv, s);
		return (NULL);
	}
	s->want_login = (h.flags & PROTO_HELLO_LOGIN) != 0;
	uuid_generate_random(s->key);
	memset(&w, 0, sizeof w);
	memcpy(w.key, s->key, sizeof w.key);
	w.unread = (uint32_t)store_unread(srv->store, s->name, NULL);
	w.max_body = srv->cfg.max_body;
	w.server_pid = getpid();
	session_queue(srv, s, REC_WELCOME, &w, sizeof w);
	log_trace("session", "hello from %s (pid %ld, uid %u)", s->name,
	    (long)s->pid, (unsigned)owner);
	return (s);
}

static void
session_busy(struct server *srv, struct session *s)
{
	log_info("refused %s (pid %ld): %u users online", s->name,
	    (long)s->pid, srv->cfg.max_users);
	session_error(srv, s, PROTO_E_BUSY, "too many users online (at most "
	    "%u)", srv->cfg.max_users);
	s->dead = 1;
}

/*
 * session_confirm - the client used its key: the session is real.  A
 * login enters the online table now.  0, or -1 if it cannot.
 */
static int
session_confirm(struct server *srv, struct session *s)
{
	size_t			i, logins = 0;

	s->confirmed = 1;
	if (!s->want_login)
		return (0);
	for (i = 0; i < srv->nsessions; i++)
		logins += srv->sessions[i]->login;
	s->since = time(NULL);
	if (logins >= srv->cfg.max_users || srv->table == NULL ||
	    online_add(srv, s) == -1) {
		session_busy(srv, s);
		return (-1);
	}
	s->login = 1;
	log_info("%s logged in (pid %ld, %s, uid %u)", s->name, (long)s->pid,
	    s->tty[0] ? s->tty : "no tty", (unsigned)s->uid);
	return (0);
}

/* session_find - the live session a record belongs to, by its key. */
struct session *
session_find(struct server *srv, const struct record *rec)
{
	struct session	*s;
	size_t		 i;

	for (i = 0; i < srv->nsessions; i++) {
		s = srv->sessions[i];
		if (s->dead || s->pid != (pid_t)rec->hdr.pid ||
		    memcmp(s->key, rec->hdr.token, sizeof s->key) != 0)
			continue;
		if (!s->confirmed && session_confirm(srv, s) != 0)
			return (NULL);
		return (s);
	}
	return (NULL);
}

/* session_queue - queue one record for the client and try to send it. */
void
session_queue(struct server *srv, struct session *s, uint16_t type,
    const void *payload, size_t len)
{
	struct record	rec;
	size_t		size;

	if (s->dead)
		return;
	size = record_build(&rec, type, 0, s->token, payload, len);
	if (s->outlen + size > SESSION_OUT_MAX) {
		session_close(srv, s, "not reading its replies");
		return;
	}
	if (s->outlen + size > s->outcap) {
		s->outcap = s->outcap == 0 ? 16384 : s->outcap;
		while (s->outcap < s->outlen + size)
			s->outcap *= 2;
		s->out = xreallocarray(s->out, s->outcap, 1);
	}
	memcpy(s->out + s->outlen, &rec, size);
	s->outlen += size;
	session_flush(srv, s);
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

/* session_flush - write what the FIFO takes now; never blocks. */
void
session_flush(struct server *srv, struct session *s)
{
	ssize_t	n;
	size_t	done = 0;

	while (done < s->outlen) {
		n = write(s->fd, s->out + done, s->outlen - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			session_close(srv, s, errno == EPIPE ? "gone" :
			    strerror(errno));
			return;
		}
		log_trace("fifo", "write %zd B to %s", n, s->fifo);
		done += (size_t)n;
	}
	memmove(s->out, s->out + done, s->outlen - done);
	s->outlen -= done;
}

/* session_close - end a session; it is freed by session_reap. */
void
session_close(struct server *srv, struct session *s, const char *why)
{
	if (s->dead)
		return;
	s->dead = 1;
	if (s->login) {
		if (srv->table != NULL)
			srv->tops->del(srv->table, s->slot);
		log_info("%s logged out (pid %ld%s%s)", s->name, (long)s->pid,
		    why ? ": " : "", why ? why : "");
		s->login = 0;
	} else
		log_trace("session", "%s (pid %ld) closed%s%s", s->name,
		    (long)s->pid, why ? ": " : "", why ? why : "");
	/* Owner of the sticky clients/ directory: we may remove it. */
	fifo_unlink_same(srv->dirfd, s->fifo, s->fd);
}

/* session_reap - free dead sessions (after their last reply went out). */
void
session_reap(struct server *srv)
{
	size_t	i = 0;

	while (i < srv->nsessions) {
		if (srv->sessions[i]->dead) {
			session_free(srv->sessions[i]);
			srv->sessions[i] = srv->sessions[--srv->nsessions];
		} else
			i++;
	}
}

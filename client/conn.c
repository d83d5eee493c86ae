/*
 * conn.c - mailcli's connection to mailserv.  Requests go as records to
 * the well-known FIFO DIR/mailserv.fifo; replies come back on the
 * client's own FIFO DIR/clients/NAME.PID, which only it can read.
 * Once the server has opened that FIFO the name is unlinked: the open
 * descriptors are all either side needs, and a client killed with -9
 * leaves nothing behind.  In an interactive session the two ends are
 * handed to helper children and conn talks to them over pipes; the
 * record stream is the same either way.  Every wait is bounded, and
 * the server's death is seen as end-of-file (or, before it has opened
 * our FIFO, as its own FIFO losing its reader): a client never hangs.
 * A send is one record when its body fits (conn_post): one write, one
 * wakeup of the server.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "client.h"
#include "fifo.h"
#include "io.h"
#include "log.h"
#include "rundir.h"
#include "xmalloc.h"

/*
 * conn_open - make our reply FIFO and open the server's FIFO.  On
 * failure -1 with cause; errno ENXIO or ENOENT means no server.
 */
int
conn_open(struct conn *c, int dirfd, const char *dir, const char *name,
    char **cause)
{
	int	saved_errno;

	memset(c, 0, sizeof *c);
	c->dir = dir;
	c->dirfd = dirfd;
	c->replyfd = c->serverfd = c->in = c->out = -1;
	c->call_ms = CONN_TIMEOUT_MS;
	c->pid = getpid();
	if (io_random(c->token, sizeof c->token) != 0)
		uuid_generate_random(c->token);
	c->parser = xmalloc(sizeof *c->parser);
	record_parser_init(c->parser);
	if ((c->serverfd = fifo_open_writer(dirfd, RUNDIR_FIFO,
	    NULL)) == -1) {
		saved_errno = errno;
		if (errno == ENXIO || errno == ENOENT)
			xasprintf(cause, "mailserv is not running in %s",
			    dir);
		else
			xasprintf(cause, "%s/%s: %s", dir, RUNDIR_FIFO,
			    strerror(errno));
		errno = saved_errno;
		return (-1);
	}
	snprintf(c->fifo, sizeof c->fifo, "%s/%s.%ld", RUNDIR_CLIENTS, name,
	    (long)c->pid);
	if ((c->replyfd = fifo_make_reader(dirfd, c->fifo, 0622,
	    cause)) == -1) {
		close(c->serverfd);
		c->serverfd = -1;
		errno = EACCES;
		return (-1);
	}
	c->fifo_made = 1;
	c->in = c->replyfd;
	c->out = c->serverfd;
	return (0);
}

/* conn_unlink - remove our reply FIFO's name, if still there. */
void
conn_unlink(struct conn *c)
{
	if (c->fifo_made) {
		unlinkat(c->dirfd, c->fifo, 0);
		c->fifo_made = 0;
	}
}

/*
 * conn_write - whole records, at most PIPE_BUF bytes, to the server in
 * one write (atomic); -1 when it is gone or stuck.
 */
static int
conn_write(struct conn *c, const void *buf, size_t size)
{
	ssize_t		 n;
	long long	 deadline = io_now_ms() + CONN_TIMEOUT_MS;
	int		 left;

	if (c->helpers)			/* the output helper's pipe */
		return (io_write_all(c->out, buf, size) == -1 ? -1 : 0);
	for (;;) {
		n = write(c->out, buf, size);
		if (n == (ssize_t)size)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			left = (int)(deadline - io_now_ms());
			if (left > 0 && io_wait(c->out, POLLOUT, left) == 1)
				continue;
			errno = ETIMEDOUT;
		}
		if (errno == EPIPE)
			c->gone = 1;
		return (-1);
	}
	log_trace("fifo", "write %zu B to %s", size, RUNDIR_FIFO);
	return (0);
}

/* conn_send - one record to the server; -1 when it is gone or stuck. */
int
conn_send(struct conn *c, uint16_t type, const void *payload, size_t len)
{
	struct record	rec;
	size_t		size;

	size = record_build(&rec, type, (uint32_t)c->pid,
	    c->have_token ? c->key : c->token, payload, len);
	log_trace("fifo", "%s record, %zu B", record_type_name(type), size);
	return (conn_write(c, &rec, size));
}

/*
 * conn_wait - wait for input: 1 (or end-of-file), 0 (timeout), -1 (the
 * server is gone).  Talking straight to mailserv.fifo, a server that
 * dies before it has opened our reply FIFO (during a hello) is seen as
 * its FIFO losing its reader: POLLERR on our write end.
 */
static int
conn_wait(struct conn *c, int timeout_ms)
{
	struct pollfd	pfd[2];
	long long	deadline = io_now_ms() + timeout_ms;
	nfds_t		n = 1;
	int		left = timeout_ms, rc;

	pfd[0] = (struct pollfd){ .fd = c->in, .events = POLLIN };
	if (!c->helpers && c->out != -1)
		pfd[n++] = (struct pollfd){ .fd = c->out, .events = 0 };
	for (;;) {
		if ((rc = poll(pfd, n, left)) > 0)
			break;
		if (rc == 0)
			return (0);
		if (errno != EINTR)
			return (-1);
		if (timeout_ms >= 0) {
			left = (int)(deadline - io_now_ms());
			if (left < 0)
				left = 0;
		}
	}
	if (pfd[0].revents != 0)
		return (1);
	log_trace("fifo", "%s has no reader: mailserv is gone", RUNDIR_FIFO);
	c->gone = 1;
	return (-1);
}

/* conn_record - the next record within timeout: 1, 0 (timeout), -1. */
static int
conn_record(struct conn *c, struct record *rec, int timeout_ms)
{
	uint8_t		*p;
	size_t		 avail;
	ssize_t		 n;
	long long	 deadline = io_now_ms() + timeout_ms;
	int		 left = timeout_ms, rc;

	for (;;) {
		if (record_parser_next(c->parser, rec, 0)) {
			/* Not from our server: someone wrote into our FIFO. */
			if (memcmp(rec->hdr.token, c->token,
			    sizeof c->token) != 0)
				continue;
			return (1);
		}
		if (c->gone)
			return (-1);
		if ((rc = conn_wait(c, left)) == -1)
			return (-1);
		if (rc == 0)
			return (0);
		p = record_parser_space(c->parser, &avail);
		n = io_read_some(c->in, p, avail);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			c->gone = 1;	/* the server (or our helper) died */
			return (-1);
		}
		if (n > 0) {
			if (c->helpers)
				log_trace("pipe", "read %zd B from the input "
				    "helper", n);
			else
				log_trace("fifo", "read %zd B from %s", n,
				    c->fifo);
			record_parser_added(c->parser, (size_t)n);
		}
		if (timeout_ms >= 0) {
			left = (int)(deadline - io_now_ms());
			if (left < 0)
				left = 0;
		}
	}
}

/* conn_logout - the server ends our session: keep why, for the exit. */
static void
conn_logout(struct conn *c, const struct record *rec)
{
	struct proto_error	e;

	memset(&e, 0, sizeof e);
	memcpy(&e, rec->payload, rec->hdr.len < sizeof e ? rec->hdr.len :
	    sizeof e);
	e.text[sizeof e.text - 1] = '\0';
	c->logout = e.code != 0 ? e.code : PROTO_E_USAGE;
	memcpy(c->logout_text, e.text, sizeof c->logout_text);
}

/*
 * conn_next - the next record; a REC_MAIL comes with its whole body in
 * *m.  1, 0 (timeout) or -1 (server gone).
 */
int
conn_next(struct conn *c, struct record *rec, struct mail *m, int timeout_ms)
{
	struct proto_mail	pm;
	struct mail_assembly	a = { NULL, 0, 0 };
	struct record		data;
	int			rc;

	if ((rc = conn_record(c, rec, timeout_ms)) != 1)
		return (rc);
	if (rec->hdr.type == REC_LOGOUT)
		conn_logout(c, rec);
	if (rec->hdr.type != REC_MAIL)
		return (1);
	if (rec->hdr.len != sizeof pm)
		return (-1);
	memcpy(&pm, rec->payload, sizeof pm);
	memset(m, 0, sizeof *m);
	memcpy(m->id, pm.id, sizeof m->id);
	memcpy(m->from, pm.from, sizeof m->from);
	memcpy(m->to, pm.to, sizeof m->to);
	m->from[PROTO_NAME_MAX] = m->to[PROTO_NAME_MAX] = '\0';
	m->date = pm.date;
	m->len = pm.len;
	m->metalen = pm.metalen <= pm.len ? pm.metalen : 0;
	mail_assembly_start(&a, pm.len);
	rc = pm.len == 0;
	while (rc == 0) {
		if (conn_record(c, &data, CONN_TIMEOUT_MS) != 1 ||
		    data.hdr.type != REC_DATA) {
			mail_assembly_clear(&a);
			c->gone = 1;
			return (-1);
		}
		rc = mail_assembly_add(&a, data.payload, data.hdr.len);
	}
	if (rc == -1) {
		mail_assembly_clear(&a);
		return (-1);
	}
	m->body = mail_assembly_take(&a);
	return (1);
}

/* conn_is_async - records the server sends unasked. */
static int
conn_is_async(const struct record *rec)
{
	struct proto_mail	pm;

	if (rec->hdr.type == REC_MAIL) {
		memcpy(&pm, rec->payload, sizeof pm);
		return ((pm.flags & PROTO_MAIL_LIVE) != 0);
	}
	return (rec->hdr.type == REC_WALLMSG || rec->hdr.type == REC_NOTICE ||
	    rec->hdr.type == REC_LOGOUT);
}

/*
 * conn_call - wait for the answer to the last request, handing what the
 * server sends unasked (live mail, wall, notices) to the async handler.
 * 1 with the answer, or -1 (gone or timed out, errno ETIMEDOUT).
 */
int
conn_call(struct conn *c, struct record *rec, struct mail *m)
{
	int	rc;

	for (;;) {
		if ((rc = conn_next(c, rec, m, c->call_ms)) != 1) {
			errno = rc == 0 ? ETIMEDOUT : EPIPE;
			return (-1);
		}
		if (!conn_is_async(rec))
			return (1);
		if (c->async != NULL)
			c->async(c->async_arg, rec, m);
		if (rec->hdr.type == REC_MAIL)
			mail_free(m);
	}
}

/*
 * conn_hello - open a session as name; fills the client's limits.  -1
 * with cause; errno EACCES when the server refused the name.
 */
int
conn_hello(struct conn *c, const char *name, uint32_t flags,
    struct client *cl, char **cause)
{
	struct proto_hello	h;
	struct proto_welcome	w;
	struct proto_error	e;
	struct record		rec;
	struct mail		m;
	char			*tty;

	memset(&h, 0, sizeof h);
	strncpy(h.name, name, sizeof h.name - 1);
	if ((tty = ttyname(STDIN_FILENO)) != NULL) {
		if (strncmp(tty, "/dev/", 5) == 0)
			tty += 5;
		strncpy(h.tty, tty, sizeof h.tty - 1);
	}
	h.flags = flags;
	if (conn_send(c, REC_HELLO, &h, sizeof h) == -1 ||
	    conn_call(c, &rec, &m) == -1) {
		/* A mailserv of another protocol version sees only
		 * garbage, and says so in its log. */
		xasprintf(cause, "mailserv in %s %s", c->dir,
		    errno == ETIMEDOUT ? "did not answer (if it is running, "
		    "see its log: one of another version ignores this "
		    "mailcli)" : "has gone away");
		errno = ENXIO;
		return (-1);
	}
	/* The server has its end open: the name is no longer needed. */
	conn_unlink(c);
	if (rec.hdr.type == REC_ERROR) {
		memset(&e, 0, sizeof e);
		memcpy(&e, rec.payload, rec.hdr.len < sizeof e ?
		    rec.hdr.len : sizeof e);
		e.text[sizeof e.text - 1] = '\0';
		xasprintf(cause, "mailserv refused the session: %s", e.text);
		errno = e.code == PROTO_E_DENIED ? EACCES : EBUSY;
		return (-1);
	}
	if (rec.hdr.type != REC_WELCOME || rec.hdr.len != sizeof w) {
		xasprintf(cause, "mailserv in %s answered with a %s record",
		    c->dir, record_type_name(rec.hdr.type));
		errno = EPROTO;
		return (-1);
	}
	memcpy(&w, rec.payload, sizeof w);
	memcpy(c->key, w.key, sizeof c->key);
	c->have_token = 1;
	c->server_pid = w.server_pid;
	cl->max_body = w.max_body;
	w.mail_domain[sizeof w.mail_domain - 1] = '\0';
	memcpy(cl->mail_domain, w.mail_domain, sizeof cl->mail_domain);
	cl->unread = w.unread;
	return (0);
}

/* conn_close - say goodbye, stop the helpers, close everything. */
void
conn_close(struct conn *c)
{
	if (c->have_token && !c->gone)
		conn_send(c, REC_BYE, NULL, 0);
	c->have_token = 0;
	if (c->helpers)
		helper_stop(c);
	if (c->in != -1)
		close(c->in);
	if (c->out != -1 && c->out != c->in)
		close(c->out);
	if (c->replyfd != -1 && c->replyfd != c->in)
		close(c->replyfd);
	if (c->serverfd != -1 && c->serverfd != c->out)
		close(c->serverfd);
	c->in = c->out = c->replyfd = c->serverfd = -1;
	conn_unlink(c);
	free(c->parser);
	c->parser = NULL;
}

/*
 * conn_post - send body to "to" under message id: REC_SEND with as
 * much of the body as fits, then REC_DATA for the rest, without
 * waiting; the answer comes later (conn_call).  The body's first
 * metalen bytes are its meta block (mail.h).  -1 when the server is
 * gone or stuck.
 */
int
conn_post(struct conn *c, const uint8_t *id, const char *to,
    const uint8_t *body, size_t len, uint32_t metalen)
{
	struct proto_send	*ps;
	uint8_t			 buf[PROTO_PAYLOAD_MAX];
	size_t			 off, n;

	ps = (struct proto_send *)buf;
	memset(ps, 0, sizeof *ps);
	memcpy(ps->id, id, sizeof ps->id);
	strncpy(ps->to, to, sizeof ps->to - 1);
	ps->len = (uint32_t)len;
	ps->metalen = metalen;
	off = len < sizeof buf - sizeof *ps ? len : sizeof buf - sizeof *ps;
	memcpy(buf + sizeof *ps, body, off);
	if (conn_send(c, REC_SEND, buf, sizeof *ps + off) == -1)
		return (-1);
	for (; off < len; off += n) {
		n = len - off < PROTO_PAYLOAD_MAX ? len - off :
		    PROTO_PAYLOAD_MAX;
		if (conn_send(c, REC_DATA, body + off, n) == -1)
			return (-1);
	}
	return (0);
}

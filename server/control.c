/*
 * control.c - mailserv's control socket, DIR/mailserv.sock: the live
 * figures of `mailserv --status`, `mailserv --stop`, and `mailcli kick
 * USER`.  Every connection is checked with SO_PEERCRED before it is
 * read: only the server's uid and root are served.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "plural.h"
#include "server.h"
#include "xmalloc.h"

#define CONTROL_TOP	5	/* senders and users shown by name */

/*
 * control_accept - take new connections and check each peer.  A refused
 * one is answered once its request is in: closing a socket with unread
 * data would reset it, and the refusal would be lost.
 */
void
control_accept(struct server *srv)
{
	uid_t	uid;
	pid_t	pid;
	int	fd, ok;

	while ((fd = accept4(srv->ctlfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (!(ok = ctl_peer_allowed(fd, &uid, &pid)))
			log_info("control socket: refused pid %ld (uid %u)",
			    (long)pid, (unsigned)uid);
		if (srv->nctl == SERVER_CTL_MAX) {
			close(fd);
			continue;
		}
		srv->ctl_ok[srv->nctl] = ok;
		srv->ctl[srv->nctl++] = fd;
	}
}

/* control_add - printf onto a growing reply. */
static void __attribute__((format(printf, 3, 4)))
control_add(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*buf = xreallocarray(*buf, *len + (size_t)n + 1, 1);
	memcpy(*buf + *len, s, (size_t)n + 1);
	*len += (size_t)n;
	free(s);
}

/* control_status - the live figures (also logged on SIGUSR1). */
char *
control_status(struct server *srv)
{
	struct store_object	 obj[64];
	struct store_capacity	 cap;
	char			*buf = NULL, line[512], *text;
	size_t			 len = 0, i, n, logins = 0, others = 0;
	uint64_t		 bytes = 0;
	long			 up = (long)(time(NULL) - srv->started);

	for (i = 0; i < srv->nsessions; i++) {
		if (srv->sessions[i]->dead)
			continue;
		if (srv->sessions[i]->login)
			logins++;
		else
			others++;
	}
	for (i = 0; i < store_count(srv->store); i++)
		bytes += store_entry(srv->store, i)->len;
	control_add(&buf, &len, "live: mailserv pid %ld, up %ldh%02ldm%02lds, "
	    "%s backend\n", (long)getpid(), up / 3600, up / 60 % 60, up % 60,
	    srv->backend->name);
	control_add(&buf, &len, "live: sessions: %zu logged in, %zu for one "
	    "command\n", logins, others);
	control_add(&buf, &len, "live: messages: %zu stored now (%llu %s), "
	    "%llu accepted and %llu delivered since start, %llu %s sent "
	    "again answered without storing\n",
	    store_count(srv->store), (unsigned long long)bytes,
	    plural(bytes, "byte", "bytes"),
	    (unsigned long long)srv->accepted,
	    (unsigned long long)srv->delivered,
	    (unsigned long long)srv->resent,
	    plural(srv->resent, "copy", "copies"));
	n = store_objects(srv->store, obj, 64);
	for (i = 0; i < n; i++) {
		if (obj[i].name[0] != '\0')
			control_add(&buf, &len, "live: queue %s: %lu of %lu "
			    "messages\n", obj[i].name, obj[i].messages,
			    obj[i].capacity);
		else
			control_add(&buf, &len, "live: queue id %d: %lu "
			    "%s, %lu of %lu bytes\n", obj[i].id,
			    obj[i].messages, plural(obj[i].messages, "message",
			    "messages"), obj[i].bytes, obj[i].capacity);
	}
	text = quota_status(srv->quota, CONTROL_TOP);
	control_add(&buf, &len, "%s", text);
	free(text);
	text = admit_status(srv, CONTROL_TOP);
	control_add(&buf, &len, "%s", text);
	free(text);
	store_capacity(srv->store, &cap);
	control_add(&buf, &len, "live: capacity: %lu %s x %lu bytes = "
	    "%llu bytes (bound by %s)\n", cap.queues,
	    plural(cap.queues, "queue", "queues"), cap.queue_bytes,
	    (unsigned long long)cap.total, cap.bound);
	if (srv->spool != NULL) {
		control_add(&buf, &len, "live: spool: %zu %s, %llu %s, %llu "
		    "group %s (at most %llu bytes of mail)\n",
		    spool_count(srv->spool),
		    plural(spool_count(srv->spool), "message", "messages"),
		    (unsigned long long)spool_size(srv->spool),
		    plural(spool_size(srv->spool), "byte", "bytes"),
		    (unsigned long long)spool_syncs(srv->spool),
		    plural(spool_syncs(srv->spool), "commit", "commits"),
		    (unsigned long long)srv->cfg.spool_max);
		overflow_status(srv, line, sizeof line);
		control_add(&buf, &len, "%s", line);
	} else
		control_add(&buf, &len, "live: spool: off\n");
	room_status(srv, line, sizeof line);
	control_add(&buf, &len, "%s", line);
	presence_status(srv, line, sizeof line);
	control_add(&buf, &len, "%s", line);
	irc_status(srv, line, sizeof line);
	control_add(&buf, &len, "%s", line);
	return (buf);
}

/* control_kick - end every session of name. */
static char *
control_kick(struct server *srv, const char *name)
{
	struct session		*s;
	char			*buf = NULL;
	size_t			 i, len = 0, n = 0;

	for (i = 0; i < srv->nsessions; i++) {
		s = srv->sessions[i];
		if (s->dead || strcmp(s->name, name) != 0)
			continue;
		session_logout(srv, s, PROTO_E_KICKED, "you were logged out by "
		    "the administrator", "kicked");
		n++;
	}
	log_info("control socket: kicked %zu %s of %s", n,
	    plural(n, "session", "sessions"), name);
	control_add(&buf, &len, "kicked %zu %s of %s\n", n,
	    plural(n, "session", "sessions"), name);
	return (buf);
}

/* control_handle - answer connection i if its request is in. */
void
control_handle(struct server *srv, size_t i)
{
	char	 req[256], *reply = NULL;
	ssize_t	 n;
	int	 fd = srv->ctl[i];

	n = recv(fd, req, sizeof req - 1, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		req[n] = '\0';
		req[strcspn(req, "\n")] = '\0';
		log_trace("unix", "control request '%s'", req);
		if (!srv->ctl_ok[i])
			reply = xstrdup("error: permission denied (only "
			    "mailserv's uid and root may use the control "
			    "socket)\n");
		else if (strcmp(req, "status") == 0)
			reply = control_status(srv);
		else if (strcmp(req, "stop") == 0) {
			log_info("control socket: asked to stop");
			srv->quit = 1;
			reply = xstrdup("stopping\n");
		} else if (strncmp(req, "kick ", 5) == 0)
			reply = control_kick(srv, req + 5);
		else
			xasprintf(&reply, "error: unknown request '%s'\n", req);
		send(fd, reply, strlen(reply), MSG_NOSIGNAL);
		free(reply);
	}
	close(fd);
	srv->nctl--;
	srv->ctl[i] = srv->ctl[srv->nctl];
	srv->ctl_ok[i] = srv->ctl_ok[srv->nctl];
}

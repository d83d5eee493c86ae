/*
 * server.c - mailserv's life: claim the run directory, adopt the mail
 * store, publish the online table, open the well-known FIFO, then one
 * poll() loop over the FIFO, the signal self-pipe, the control socket
 * and an epoll set of every client's reply FIFO, until SIGINT or
 * SIGTERM.  Clients' FIFOs are in epoll so that a turn costs the same
 * with one session or a thousand.  A graceful stop removes the FIFO
 * and the online table and keeps the mail store in the kernel.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "fifo.h"
#include "io.h"
#include "log.h"
#include "plural.h"
#include "rundir.h"
#include "server.h"
#include "sig.h"
#include "spooldir.h"
#include "xmalloc.h"

/* The cleanup hook of fatal() needs the state it cleans. */
static struct server *server_current;

static void
server_cleanup_hook(void)
{
	if (server_current != NULL)
		server_cleanup(server_current);
}

/* server_cleanup - remove what this server made, except the mail. */
void
server_cleanup(struct server *srv)
{
	size_t	i;

	/* What is logged goes to disk, and is answered, first. */
	commit_stop(srv);
	for (i = 0; i < srv->nsessions; i++) {
		session_logout(srv, srv->sessions[i], PROTO_E_NOSERVER,
		    "mailserv is stopping", "server stopping");
		close(srv->sessions[i]->fd);
		srv->sessions[i]->fd = -1;
	}
	srv->nflush = 0;
	session_reap(srv);
	irc_free(srv);
	free(srv->sessions);
	srv->sessions = NULL;
	free(srv->flush);
	srv->flush = NULL;
	if (srv->epfd != -1) {
		close(srv->epfd);
		srv->epfd = -1;
	}
	if (srv->fifofd != -1) {
		unlinkat(srv->dirfd, RUNDIR_FIFO, 0);
		close(srv->fifofd);
		srv->fifofd = -1;
	}
	if (srv->table != NULL) {
		srv->tops->destroy(srv->table);
		srv->table = NULL;
	}
	if (srv->store != NULL) {
		store_close(srv->store);
		srv->store = NULL;
	}
	if (srv->spool != NULL) {
		spool_close(srv->spool);
		srv->spool = NULL;
	}
	rooms_free(srv->rooms);
	srv->rooms = NULL;
	presence_free(srv->presence);
	srv->presence = NULL;
	overflow_free(srv->overflow);
	srv->overflow = NULL;
	idset_free(srv->seen);
	srv->seen = NULL;
	quota_free(srv->quota);
	srv->quota = NULL;
	free(srv->pending);
	srv->pending = NULL;
	free(srv->flight);
	srv->flight = NULL;
	free(srv->senders);
	srv->senders = NULL;
	while (srv->nctl > 0)
		close(srv->ctl[--srv->nctl]);
	if (srv->ctlfd != -1) {
		unlinkat(srv->dirfd, CTL_SOCKET, 0);
		close(srv->ctlfd);
		srv->ctlfd = -1;
	}
	if (srv->lockfd != -1) {
		unlinkat(srv->dirfd, RUNDIR_LOCK, 0);
		close(srv->lockfd);
		srv->lockfd = -1;
	}
	server_current = NULL;
}

/* server_dispatch - act on one record from the FIFO. */
static void
server_dispatch(struct server *srv, const struct record *rec)
{
	struct session	*s;

	log_trace("fifo", "record %s, %u B from pid %u",
	    record_type_name(rec->hdr.type), rec->hdr.len, rec->hdr.pid);
	if (rec->hdr.type == REC_HELLO) {
		session_hello(srv, rec);
		return;
	}
	if ((s = session_find(srv, rec)) == NULL) {
		log_warnx_budget(&srv->hostile, "%s record from pid %u "
		    "without a valid session: dropped",
		    record_type_name(rec->hdr.type), rec->hdr.pid);
		return;
	}
	switch (rec->hdr.type) {
	case REC_SEND:
		post_send(srv, s, rec);
		break;
	case REC_DATA:
		post_data(srv, s, rec);
		break;
	case REC_LIST:
		post_list(srv, s);
		break;
	case REC_FETCH:
		post_fetch(srv, s, rec);
		break;
	case REC_DONE:
		post_done(srv, s, rec);
		break;
	case REC_WALL:
		post_wall(srv, s, rec);
		break;
	case REC_ROOM:
		room_request(srv, s, rec);
		break;
	case REC_PRESENCE:
		presence_request(srv, s, rec);
		break;
	case REC_BYE:
		session_close(srv, s, NULL);
		break;
	default:
		log_warnx_budget(&srv->hostile, "unexpected %s record from "
		    "pid %u: dropped", record_type_name(rec->hdr.type),
		    rec->hdr.pid);
	}
}

/* server_read_fifo - drain the FIFO and act on every whole record. */
static void
server_read_fifo(struct server *srv)
{
	struct record	 rec;
	uint8_t		*p;
	uint64_t	 dropped = srv->parser.dropped;
	size_t		 avail;
	ssize_t		 n;
	int		 drained = 0;

	while (!drained) {
		p = record_parser_space(&srv->parser, &avail);
		n = io_read_some(srv->fifofd, p, avail);
		if (n > 0) {
			log_trace("fifo", "read %zd B from %s", n, RUNDIR_FIFO);
			record_parser_added(&srv->parser, (size_t)n);
			/* Less than asked for: the FIFO was empty, no need
			 * for one more read to hear EAGAIN. */
			if ((size_t)n < avail)
				drained = 1;
		} else if (n == -1 && errno != EAGAIN)
			fatal(SERVER_EXIT_ERROR, "read %s", RUNDIR_FIFO);
		else
			drained = 1;
		while (record_parser_next(&srv->parser, &rec, drained))
			server_dispatch(srv, &rec);
	}
	if (srv->parser.foreign != 0) {
		log_warnx_budget(&srv->hostile, "a client (pid %u) speaks "
		    "protocol version %u, this mailserv %u: ignored (it "
		    "needs the mailcli built with this mailserv)",
		    srv->parser.foreign_pid, srv->parser.foreign,
		    PROTO_VERSION);
		srv->parser.foreign = 0;
	}
	if (srv->parser.dropped != dropped)
		log_warnx_budget(&srv->hostile, "dropped %llu bytes of "
		    "garbage from %s",
		    (unsigned long long)(srv->parser.dropped - dropped),
		    RUNDIR_FIFO);
}

static void
server_signals(struct server *srv)
{
	int	signo;

	char	*s, *line, *save = NULL;

	while ((signo = sig_next(srv->sigfd)) != 0) {
		if (signo == SIGINT || signo == SIGTERM) {
			log_info("caught %s, stopping", strsignal(signo));
			srv->quit = 1;
		} else if (signo == SIGUSR1) {
			/* kill -USR1: the live figures, into the log. */
			s = control_status(srv);
			for (line = strtok_r(s, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save))
				log_info("%s", line);
			free(s);
		}
	}
}

/* server_sessions - act on what epoll says of the reply FIFOs. */
static void
server_sessions(struct server *srv)
{
	struct epoll_event	ev[64];
	int			i, n;

	if ((n = epoll_wait(srv->epfd, ev, 64, 0)) == -1) {
		if (errno != EINTR)
			fatal(SERVER_EXIT_ERROR, "epoll_wait");
		return;
	}
	/* More than 64: the rest stay ready for the next turn. */
	for (i = 0; i < n; i++)
		session_event(srv, ev[i].data.ptr, ev[i].events);
}

/* server_loop - poll until asked to stop. */
static void
server_loop(struct server *srv)
{
	struct pollfd	pfd[5 + IRC_LISTEN_MAX + SERVER_CTL_MAX];
	int		irc[IRC_LISTEN_MAX];
	size_t		i, nc, ni;

	pfd[0] = (struct pollfd){ .fd = srv->sigfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = srv->fifofd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = srv->epfd, .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = srv->ctlfd, .events = POLLIN };
	/* The spool's commit thread says here that a commit ended. */
	pfd[4] = (struct pollfd){ .fd = commit_fd(srv), .events = POLLIN };
	/* The IRC door's listeners (irc.c). */
	ni = (size_t)irc_fds(srv, irc);
	for (i = 0; i < ni; i++)
		pfd[5 + i] = (struct pollfd){ .fd = irc[i], .events = POLLIN };
	/* A turn's log lines go out in one write, at its end. */
	log_batch(1);
	while (!srv->quit) {
		nc = srv->nctl;
		for (i = 0; i < nc; i++)
			pfd[5 + ni + i] = (struct pollfd){ .fd = srv->ctl[i],
			    .events = POLLIN };
		if (poll(pfd, 5 + ni + nc, online_next_ms(srv)) == -1) {
			if (errno == EINTR)
				continue;
			fatal(SERVER_EXIT_ERROR, "poll");
		}
		if (pfd[0].revents)
			server_signals(srv);
		/* The "sent" of the commit that ended. */
		if (pfd[4].revents & POLLIN)
			commit_done(srv);
		/* Records first: a client's last words (BYE) come before
		 * its reply FIFO's POLLERR is taken as its death. */
		if (pfd[1].revents & POLLIN)
			server_read_fifo(srv);
		/* Backwards: answering one moves the last into its place. */
		for (i = nc; i-- > 0;)
			if (pfd[5 + ni + i].revents)
				control_handle(srv, i);
		if (pfd[3].revents & POLLIN)
			control_accept(srv);
		for (i = 0; i < ni; i++)
			if (pfd[5 + i].revents & POLLIN)
				irc_accept(srv, (int)i);
		log_budget_flush(&srv->hostile);
		online_check(srv);
		if (pfd[2].revents & POLLIN)
			server_sessions(srv);
		/* Room freed this turn goes to mail waiting in the spool. */
		overflow_run(srv);
		/* Rooms whose read positions moved: one snapshot each. */
		room_flush(srv);
		/* What this turn logged goes to the disk, if the disk is
		 * free; it is answered when that commit ends. */
		commit_kick(srv);
		/* This turn's replies and live pushes, one write per
		 * session: they do not wait for the spool's sync.  The
		 * log lines of what they answer are written first. */
		log_flush();
		session_flush_all(srv);
		session_reap(srv);
		log_flush();
	}
	log_batch(0);
}

/*
 * server_other_mail - does the run directory's last backend, if not
 * ours, still hold mail?  Switching would strand it.
 */
static int
server_other_mail(struct server *srv, const struct store_config *sc)
{
	const struct backend	*last = backend_of_dir(srv->dirfd);
	struct store_object	 obj[256];
	struct store		*st;
	char			*cause = NULL;
	size_t			 i, n;
	int			 rc = 0;

	if (last == srv->backend)
		return (0);
	if ((st = store_open(last->store, sc, 0, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	n = store_objects(st, obj, 256);
	for (i = 0; i < n; i++)
		if (obj[i].messages > 0)
			rc = -1;
	store_close(st);
	return (rc);
}

/* server_run - run mailserv; returns its exit code. */
int
server_run(const struct server_config *cfg)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
	struct server		 srv;
	struct store_config	 sc;
	struct store_capacity	 cap;
	struct rlimit		 rl;
	const char		*why;
	char			*cause = NULL;
	pid_t			 holder;

	memset(&srv, 0, sizeof srv);
	srv.cfg = *cfg;
	srv.lockfd = srv.fifofd = srv.dirfd = srv.ctlfd = srv.epfd = -1;
	srv.backend = cfg->backend != NULL ? cfg->backend :
	    backend_find("sysv");
	srv.tops = srv.backend->table;
	srv.started = time(NULL);
	record_parser_init(&srv.parser);
	umask(022);
	/* One descriptor per client's reply FIFO: take all we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	if ((srv.dirfd = rundir_open_server(cfg->dir, &cause)) == -1)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);
	if ((srv.lockfd = rundir_lock(srv.dirfd, &holder)) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx(SERVER_EXIT_RUNNING, "another mailserv (pid %ld) "
			    "is already serving %s", (long)holder, cfg->dir);
		fatal(SERVER_EXIT_ERROR, "%s/%s", cfg->dir, RUNDIR_LOCK);
	}
	server_current = &srv;
	log_set_cleanup(server_cleanup_hook);
	if ((srv.sigfd = sig_init(sigs, 4)) == -1)
		fatal(SERVER_EXIT_ERROR, "signal setup");
	/* SIGHUP is caught and ignored: mailserv has nothing to reload.
	 * SIGUSR1 logs the live figures. */

	if (rundir_make_key(srv.dirfd, sc.dirid, &cause) != 0)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);
	srv.keyfile = rundir_file(cfg->dir, RUNDIR_KEY);
	sc.keyfile = srv.keyfile;
	sc.max_shards = cfg->shards;
	if (server_other_mail(&srv, &sc) != 0)
		fatalx(SERVER_EXIT_ERROR, "%s holds mail in the %s store: serve "
		    "it with --ipc=%s (or --purge it)", cfg->dir,
		    backend_of_dir(srv.dirfd)->name,
		    backend_of_dir(srv.dirfd)->name);
	if (backend_record(srv.dirfd, srv.backend, &cause) != 0)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);
	if ((srv.store = store_open(srv.backend->store, &sc, 1,
	    &cause)) == NULL)
		fatalx(SERVER_EXIT_ERROR, "mail store: %s", cause);
	store_capacity(srv.store, &cap);
	log_info("store capacity: %lu queues x %lu bytes = %llu bytes (from "
	    "what the kernel gives new queues; raise %s to hold more)",
	    cap.queues, cap.queue_bytes, (unsigned long long)cap.total,
	    cap.bound);
	if (cfg->max_body > cap.body_max)
		fatalx(SERVER_EXIT_USAGE, "--max-body %u does not fit the %s "
		    "store (%lu queues x %lu bytes: one message of at most "
		    "%llu bytes)", cfg->max_body, srv.backend->name, cap.queues,
		    cap.queue_bytes, (unsigned long long)cap.body_max);
	srv.seen = idset_new(SERVER_SEEN_MAX);
	srv.overflow = overflow_new();
	if (cfg->spool != NULL) {
		if (spooldir_parents(cfg->spool, &cause) != 0 ||
		    (srv.spool = spool_open(srv.dirfd, cfg->spool,
		    &cause)) == NULL)
			fatalx(SERVER_EXIT_ERROR, "%s", cause);
		if ((why = spooldir_volatile(srv.dirfd, cfg->spool)) != NULL)
			log_warnx("%s (%s)", why, cfg->spool);
		if (post_reconcile(&srv, &cause) != 0)
			fatalx(SERVER_EXIT_ERROR, "spool: %s", cause);
		if (commit_start(&srv, &cause) != 0)
			fatalx(SERVER_EXIT_ERROR, "%s", cause);
	}
	/* After the reconcile: what the store holds now is the tally. */
	srv.quota = quota_new(srv.backend->name, cfg->sender_quota,
	    cap.total);
	quota_rebuild(srv.quota, srv.store, srv.overflow);
	srv.rooms = rooms_new(&cfg->rooms);
	room_load(&srv);
	srv.presence = presence_new();
	presence_load(&srv);
	if ((srv.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal(SERVER_EXIT_ERROR, "epoll_create1");
	if ((srv.table = srv.tops->create(srv.keyfile, cfg->max_users,
	    &cause)) == NULL)
		fatalx(SERVER_EXIT_ERROR, "online table: %s", cause);
	if ((srv.ctlfd = ctl_listen(srv.dirfd, &cause)) == -1)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);
	if ((cfg->irc || cfg->irc_port != 0) &&
	    (srv.irc = irc_new(&srv, &cause)) == NULL)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);
	if ((srv.fifofd = fifo_listen(srv.dirfd, RUNDIR_FIFO, 0622,
	    &cause)) == -1)
		fatalx(SERVER_EXIT_ERROR, "%s", cause);

	log_info("serving %s (%s backend, %zu %s in the store, %zu "
	    "waiting in the spool for room, spool %s, max %u %s, max body "
	    "%u bytes)", cfg->dir, srv.backend->name, store_count(srv.store),
	    plural(store_count(srv.store), "message", "messages"),
	    overflow_count(srv.overflow, NULL),
	    cfg->spool ? cfg->spool : "off",
	    cfg->max_users, plural(cfg->max_users, "user", "users"),
	    cfg->max_body);
	log_info("limits: %llu unread bytes per sender at others, %u "
	    "sessions per user, the last %u places for users not yet online, "
	    "recipients: %s", (unsigned long long)quota_limit(srv.quota),
	    cfg->max_sessions, admit_reserve(cfg->max_users),
	    cfg->recipients == RECIPIENT_ACCOUNTS ? "accounts" : "any");
	server_loop(&srv);
	log_info("stopped: %zu %s in the kernel store",
	    store_count(srv.store), store_count(srv.store) == 1 ?
	    "message stays" : "messages stay");
	server_cleanup(&srv);
	free(srv.keyfile);
	close(srv.dirfd);
	return (SERVER_EXIT_OK);
}

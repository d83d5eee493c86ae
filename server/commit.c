/*
 * commit.c - the spool's group commit, off the server loop.  A thread
 * of mailserv does nothing but write and fdatasync what the loop hands
 * it, so the loop goes on reading, storing and pushing live mail while
 * the disk works.  The loop hands over a commit (commit_kick) by a byte
 * on one pipe and hears it is done by a byte on another, which its
 * poll watches (commit_fd); only then are the senders of that commit
 * told "sent" (post_commit_end).  One commit is in flight at a time;
 * what is logged meanwhile goes into the next.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

/* commit_thread - write and sync each commit handed over, until EOF. */
static void *
commit_thread(void *arg)
{
	struct server	*srv = arg;
	char		 c;

	while (io_read_some(srv->commit_go[0], &c, 1) == 1) {
		spool_commit_write(srv->spool);
		if (io_write_all(srv->commit_done[1], "", 1) == -1)
			break;
	}
	return (NULL);
}

/* commit_start - the thread and its two pipes; -1 with cause. */
int
commit_start(struct server *srv, char **cause)
{
	sigset_t	all, old;
	int		rc;

	srv->commit_go[0] = srv->commit_go[1] = -1;
	srv->commit_done[0] = srv->commit_done[1] = -1;
	if (pipe2(srv->commit_go, O_CLOEXEC) == -1 ||
	    pipe2(srv->commit_done, O_CLOEXEC) == -1) {
		xasprintf(cause, "spool: pipe: %s", strerror(errno));
		return (-1);
	}
	/* Signals are the loop's: the thread blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&srv->commit_tid, NULL, commit_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		xasprintf(cause, "spool: pthread_create: %s", strerror(rc));
		return (-1);
	}
	srv->commit_running = 1;
	return (0);
}

/*
 * commit_kick - hand over what is logged, if no commit is in flight.
 * Answers that wait with nothing logged (a copy of a message whose
 * commit has ended meanwhile) can go at once: all before them is on
 * disk.
 */
void
commit_kick(struct server *srv)
{
	if (srv->spool == NULL || srv->commit_busy)
		return;
	if (!spool_commit_begin(srv->spool)) {
		if (srv->npending > 0) {
			post_commit_begin(srv);
			post_commit_end(srv, 0, NULL);
		}
		return;
	}
	post_commit_begin(srv);
	srv->commit_busy = 1;
	if (io_write_all(srv->commit_go[1], "", 1) == -1)
		fatal(SERVER_EXIT_ERROR, "spool: handing over a commit");
}

/* commit_fd - the descriptor that is readable when a commit is done. */
int
commit_fd(struct server *srv)
{
	return (srv->commit_running ? srv->commit_done[0] : -1);
}

/* commit_done - the commit in flight ended: count it, answer. */
void
commit_done(struct server *srv)
{
	char	 c, *cause = NULL;
	int	 failed;

	if (!srv->commit_busy || io_read_some(srv->commit_done[0], &c, 1) != 1)
		return;
	srv->commit_busy = 0;
	failed = spool_commit_end(srv->spool, &cause) != 0;
	if (failed)
		log_warnx("%s", cause);
	post_commit_end(srv, failed, cause);
	free(cause);
}

/*
 * commit_stop - commit and answer all that is logged (the commit in
 * flight, then the rest), then end the thread.  Called before the
 * sessions, the store and the spool are closed.
 */
void
commit_stop(struct server *srv)
{
	if (!srv->commit_running)
		return;
	for (;;) {
		if (srv->commit_busy) {
			io_wait(srv->commit_done[0], POLLIN, -1);
			commit_done(srv);
		}
		commit_kick(srv);
		if (!srv->commit_busy)
			break;
	}
	close(srv->commit_go[1]);
	pthread_join(srv->commit_tid, NULL);
	close(srv->commit_go[0]);
	close(srv->commit_done[0]);
	close(srv->commit_done[1]);
	srv->commit_running = 0;
}

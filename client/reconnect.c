/*
 * reconnect.c - riding through a restart of mailserv.  When the server
 * goes away the connection is dropped and made again (a new reply
 * FIFO, a new hello, new helpers) with backoff: the first try at once,
 * then after 100 ms, doubling up to one a second, until a mailserv
 * serves the directory or the patience (--reconnect for a session,
 * --wait for a one-shot send) runs out.  The sends of a session whose
 * answer was not heard are kept here, to be sent again under their own
 * ids: mailserv stores an id once, so sending again never duplicates.
 * shell.c drives the tries from its poll loop; a one-shot send waits
 * in reconnect_wait.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "io.h"
#include "log.h"
#include "rundir.h"
#include "xmalloc.h"

#define RECONNECT_FIRST_MS	100	/* the pause after the first try */
#define RECONNECT_MAX_MS	1000	/* at most one try a second */
#define RECONNECT_HELLO_MS	2000	/* a fresh mailserv answers at once */

/*
 * reconnect_lost - mailserv went away (or said it stops): drop the
 * connection, without a goodbye, and start trying again for limit_s
 * seconds.
 */
void
reconnect_lost(struct client *cl, int limit_s)
{
	struct reconnect	*r = &cl->away;

	r->lost_ms = io_now_ms();
	r->next_ms = r->lost_ms;
	r->limit_ms = (long long)limit_s * 1000;
	r->delay_ms = RECONNECT_FIRST_MS;
	r->tries = 0;
	r->why[0] = '\0';
	if (cl->conn.logout == PROTO_E_NOSERVER)
		memcpy(r->why, cl->conn.logout_text, sizeof r->why);
	log_trace("session", "mailserv went away: reconnecting for %d s",
	    limit_s);
	cl->conn.gone = 1;
	conn_close(&cl->conn);
}

/* reconnect_away - 1 while the session has no mailserv. */
int
reconnect_away(const struct client *cl)
{
	return (cl->away.lost_ms != 0);
}

/* reconnect_timeout - milliseconds until the next try is due. */
int
reconnect_timeout(const struct client *cl)
{
	long long	left = cl->away.next_ms - io_now_ms();

	if (left < 0)
		return (0);
	return (left > INT_MAX ? INT_MAX : (int)left);
}

/*
 * reconnect_dir - the run directory again by its name: if it was
 * removed and made anew (mailserv --purge, then a start), our old
 * descriptor names a directory nobody serves.  The new one takes the
 * old one's number, which the connection and the commands hold.
 */
static void
reconnect_dir(struct client *cl)
{
	struct stat	 a, b;
	char		*cause = NULL;
	int		 fd;

	if ((fd = rundir_open_client(cl->dir, &cause)) == -1) {
		free(cause);
		return;
	}
	if (fstat(fd, &a) == 0 && fstat(cl->dirfd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		close(fd);
		return;
	}
	log_trace("session", "%s was made anew: opened again", cl->dir);
	if (dup3(fd, cl->dirfd, O_CLOEXEC) == -1)
		log_trace("session", "dup3: %s", strerror(errno));
	close(fd);
}

/* reconnect_schedule - the next try: later each time, within limit. */
static void
reconnect_schedule(struct reconnect *r, long long now)
{
	r->next_ms = now + r->delay_ms;
	if (r->next_ms > r->lost_ms + r->limit_ms)
		r->next_ms = r->lost_ms + r->limit_ms;
	r->delay_ms *= 2;
	if (r->delay_ms > RECONNECT_MAX_MS)
		r->delay_ms = RECONNECT_MAX_MS;
}

/*
 * reconnect_try - one try, if one is due; login: as an interactive
 * session (online table, helpers).  0 connected; 1 not (yet); -1 given
 * up, or refused by the mailserv that answered: *code is the exit code
 * and *cause says why.
 */
int
reconnect_try(struct client *cl, int login, int *code, char **cause)
{
	struct reconnect	*r = &cl->away;
	struct conn		*c = &cl->conn;
	conn_async_fn		*async = c->async;
	void			*async_arg = c->async_arg;
	long long		 now = io_now_ms();
	char			*why = NULL;
	int			 saved_errno;

	if (now < r->next_ms)
		return (1);
	if (now - r->lost_ms >= r->limit_ms) {
		*code = CLI_EXIT_NOSERVER;
		if (r->limit_ms == 0)
			xasprintf(cause, "%s", r->why[0] != '\0' ? r->why :
			    "mailserv has gone away");
		else
			xasprintf(cause, "%s, and no mailserv came back in %s "
			    "within %lld s", r->why[0] != '\0' ? r->why :
			    "mailserv has gone away", cl->dir,
			    r->limit_ms / 1000);
		return (-1);
	}
	r->tries++;
	reconnect_schedule(r, now);
	reconnect_dir(cl);
	if (conn_open(c, cl->dirfd, cl->dir, cl->name, &why) == -1) {
		log_trace("session", "try %d: %s", r->tries, why);
		free(why);
		conn_close(c);
		return (1);
	}
	c->async = async;
	c->async_arg = async_arg;
	/* Straight to the FIFO: a server dying now is seen at once. */
	c->call_ms = RECONNECT_HELLO_MS;
	if (conn_hello(c, cl->name, login ? PROTO_HELLO_LOGIN : 0, cl,
	    &why) == -1) {
		saved_errno = errno;
		c->gone = 1;
		conn_close(c);
		if (saved_errno == ENXIO) {
			log_trace("session", "try %d: %s", r->tries, why);
			free(why);
			return (1);
		}
		*code = saved_errno == EACCES ? CLI_EXIT_NAME : CLI_EXIT_USAGE;
		*cause = why;
		return (-1);
	}
	c->call_ms = CONN_TIMEOUT_MS;
	if (login && helper_start(c, &why) == -1) {
		log_trace("session", "try %d: %s", r->tries, why);
		free(why);
		conn_close(c);
		return (1);
	}
	log_trace("session", "connected again after %d tries, %lld ms",
	    r->tries, io_now_ms() - r->lost_ms);
	r->lost_ms = 0;
	return (0);
}

/*
 * reconnect_wait - try until connected (0) or given up or refused (-1,
 * with *code and *cause): a one-shot command's wait.
 */
int
reconnect_wait(struct client *cl, int *code, char **cause)
{
	struct timespec	ts;
	int		rc, ms;

	for (;;) {
		if ((rc = reconnect_try(cl, 0, code, cause)) != 1)
			return (rc);
		ms = reconnect_timeout(cl);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
}

/* reconnect_hold - keep a send until its answer is heard. */
void
reconnect_hold(struct client *cl, const uint8_t *id, const char *to,
    const uint8_t *body, size_t len, uint32_t metalen)
{
	struct reconnect	*r = &cl->away;
	struct unsent		*u;
	size_t			 i;

	for (i = 0; i < r->nunsent; i++)
		if (memcmp(r->unsent[i].id, id, MAIL_ID_LEN) == 0)
			return;		/* sending it again */
	r->unsent = xreallocarray(r->unsent, r->nunsent + 1,
	    sizeof *r->unsent);
	u = &r->unsent[r->nunsent++];
	memset(u, 0, sizeof *u);
	memcpy(u->id, id, sizeof u->id);
	strncpy(u->to, to, sizeof u->to - 1);
	u->body = xmalloc(len > 0 ? len : 1);
	memcpy(u->body, body, len);
	u->len = len;
	u->metalen = metalen;
}

/* reconnect_heard - the answer to a send came: it is no longer kept. */
void
reconnect_heard(struct client *cl, const uint8_t *id)
{
	struct reconnect	*r = &cl->away;
	size_t			 i;

	for (i = 0; i < r->nunsent; i++) {
		if (memcmp(r->unsent[i].id, id, MAIL_ID_LEN) != 0)
			continue;
		free(r->unsent[i].body);
		memmove(&r->unsent[i], &r->unsent[i + 1],
		    (r->nunsent - i - 1) * sizeof *r->unsent);
		r->nunsent--;
		return;
	}
}

/* reconnect_unsent - the oldest send not answered, or NULL. */
const struct unsent *
reconnect_unsent(const struct client *cl)
{
	return (cl->away.nunsent > 0 ? &cl->away.unsent[0] : NULL);
}

/* reconnect_clear - forget what is kept (at exit). */
void
reconnect_clear(struct client *cl)
{
	struct reconnect	*r = &cl->away;

	while (r->nunsent > 0)
		free(r->unsent[--r->nunsent].body);
	free(r->unsent);
	r->unsent = NULL;
}

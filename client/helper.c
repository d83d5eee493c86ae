/*
 * helper.c - the two helper children of an interactive session, each
 * joined to the session process by a pipe(2):
 *
 *   input helper:  reply FIFO  -> pipe -> session   (what mailserv says)
 *   output helper: session -> pipe -> mailserv.fifo (what we ask)
 *
 * The session process then only ever talks to pipes, and a slow or
 * full server FIFO blocks the output helper, never the terminal.  The
 * output helper writes each record with one write(2), so records stay
 * atomic on the shared FIFO.  Neither outlives the session: the output
 * helper sees end-of-file on its pipe, the input helper sees its pipe
 * lose its reader (POLLERR), and both ask for SIGTERM at the parent's
 * death (PR_SET_PDEATHSIG).  The session reaps them on SIGCHLD.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "io.h"
#include "log.h"
#include "xmalloc.h"

/* helper_child_setup - die with the parent; default signal handling. */
static void
helper_child_setup(pid_t parent)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);	/* ^C is for the session */
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
}

/* helper_input - copy the reply FIFO to the session's pipe. */
static void __attribute__((noreturn))
helper_input(int fifo, int pipe_w)
{
	struct pollfd	pfd[2];
	char		buf[16384];
	ssize_t		n;

	pfd[0] = (struct pollfd){ .fd = fifo, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pipe_w, .events = 0 };
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[1].revents & (POLLERR | POLLHUP))
			_exit(0);		/* the session is gone */
		if (pfd[0].revents == 0)
			continue;
		n = io_read_some(fifo, buf, sizeof buf);
		if (n == -1 && errno == EAGAIN)
			continue;
		if (n <= 0)
			_exit(0);		/* mailserv is gone */
		log_trace("pipe", "input helper: %zd B from reply FIFO to "
		    "session", n);
		if (io_write_all(pipe_w, buf, (size_t)n) == -1)
			_exit(0);
	}
}

/*
 * helper_output - forward whole records from the session to the FIFO,
 * those that came in one read together in one write when they fit in
 * PIPE_BUF (the write stays atomic).
 */
static void __attribute__((noreturn))
helper_output(int pipe_r, int fifo)
{
	struct record_parser	*rp = xmalloc(sizeof *rp);
	struct record		 rec;
	uint8_t			*p, out[PROTO_REC_MAX];
	size_t			 avail, outlen, size;
	ssize_t			 n;

	record_parser_init(rp);
	io_set_nonblock(fifo, 0);	/* waiting on a full FIFO is our job */
	for (;;) {
		p = record_parser_space(rp, &avail);
		if ((n = io_read_some(pipe_r, p, avail)) <= 0)
			_exit(0);		/* the session closed the pipe */
		record_parser_added(rp, (size_t)n);
		outlen = 0;
		while (record_parser_next(rp, &rec, 0)) {
			size = record_size(&rec);
			if (outlen + size > sizeof out) {
				if (io_write_all(fifo, out, outlen) == -1)
					_exit(2);	/* EPIPE: mailserv is gone */
				outlen = 0;
			}
			memcpy(out + outlen, &rec, size);
			outlen += size;
			log_trace("fifo", "output helper: %s record, %zu B "
			    "to mailserv.fifo", record_type_name(rec.hdr.type),
			    size);
		}
		if (outlen > 0 && io_write_all(fifo, out, outlen) == -1)
			_exit(2);
	}
}

/*
 * helper_start - fork both helpers and switch the connection to their
 * pipes.  Signals are blocked around fork() so no handler runs in a
 * child before it has reset them.
 */
int
helper_start(struct conn *c, char **cause)
{
	sigset_t	all, old;
	pid_t		parent = getpid();
	int		in[2], out[2];

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((c->helper_in = fork()) == 0) {
		helper_child_setup(parent);
		close(in[0]);
		close(out[0]);
		close(out[1]);
		close(c->serverfd);
		close(STDIN_FILENO);
		helper_input(c->replyfd, in[1]);
	}
	if (c->helper_in != -1 && (c->helper_out = fork()) == 0) {
		helper_child_setup(parent);
		close(out[1]);
		close(in[0]);
		close(in[1]);
		close(c->replyfd);
		close(STDIN_FILENO);
		helper_output(out[0], c->serverfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (c->helper_in == -1 || c->helper_out == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		if (c->helper_in > 0)
			kill(c->helper_in, SIGTERM);
		c->helper_in = c->helper_out = 0;
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return (-1);
	}
	log_trace("pipe", "input helper pid %ld, output helper pid %ld",
	    (long)c->helper_in, (long)c->helper_out);
	close(in[1]);
	close(out[0]);
	/* The helpers own the FIFO ends now. */
	close(c->replyfd);
	close(c->serverfd);
	c->replyfd = c->serverfd = -1;
	c->in = in[0];
	c->out = out[1];
	c->helpers = 1;
	return (0);
}

/*
 * helper_reap - collect exited helpers (on SIGCHLD); returns how many
 * died.  The output helper dies when mailserv's FIFO has no reader:
 * the server is gone.  The input helper's death is seen as end-of-file
 * on its pipe, after what it passed on before it died (a REC_LOGOUT
 * saying why must be read, not lost to a race with SIGCHLD).
 */
int
helper_reap(struct conn *c)
{
	pid_t	pid;
	int	status, n = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == c->helper_in)
			c->helper_in = 0;
		else if (pid == c->helper_out) {
			c->helper_out = 0;
			c->gone = 1;
		} else
			continue;
		log_trace("pipe", "helper pid %ld exited (status %d)",
		    (long)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		n++;
	}
	return (n);
}

/*
 * helper_stop - close our pipe ends and wait for both helpers.  The
 * output helper is given a moment to pass on what is in its pipe (the
 * goodbye) before it is told to stop.
 */
void
helper_stop(struct conn *c)
{
	struct timespec	tick = { 0, 10 * 1000 * 1000 };
	int		i, status;

	if (c->out != -1) {
		close(c->out);	/* output helper: EOF, exits */
		c->out = -1;
	}
	if (c->in != -1) {
		close(c->in);	/* input helper: POLLERR, exits */
		c->in = -1;
	}
	for (i = 0; i < 200 && c->helper_out > 0; i++) {
		if (waitpid(c->helper_out, &status, WNOHANG) == c->helper_out)
			c->helper_out = 0;
		else
			nanosleep(&tick, NULL);
	}
	if (c->helper_out > 0) {
		kill(c->helper_out, SIGKILL);
		while (waitpid(c->helper_out, &status, 0) == -1 &&
		    errno == EINTR)
			;
	}
	if (c->helper_in > 0) {
		kill(c->helper_in, SIGTERM);
		while (waitpid(c->helper_in, &status, 0) == -1 &&
		    errno == EINTR)
			;
	}
	c->helper_in = c->helper_out = 0;
	c->helpers = 0;
}

/*
 * run.c - mailbench's child processes and the cleanup of everything it
 * makes.  Every measured end is a forked child pinned to one CPU; the
 * parent starts them, releases them together through a "go" pipe (one
 * byte per child) and collects one fixed-size record from each through
 * a results pipe (a record is far below PIPE_BUF, so records of many
 * children never mix).  The parent keeps SIGCHLD, SIGINT, SIGTERM and
 * SIGHUP blocked and waits only in ppoll(), so a child's death or a ^C
 * is seen at once and never lost.  What the process makes (SysV ids,
 * servers and their run directories) is pushed on a cleanup stack that
 * run_cleanup unwinds on every way out, normal or not.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

#define RUN_TIMEOUT_MS	300000	/* no single wait of a run is longer */
#define RUN_EXIT_MS	10000	/* for children told to exit */

struct run_kid {
	pid_t		 pid;
	struct run	*run;
	int		 critical;	/* its death fails whatever waits */
	int		 expected;	/* we asked it to exit */
	int		 alive;
	int		 status;
};

struct run_undo {
	void		(*fn)(void *);
	void		*arg;
	int		 live;
};

/* The process's state: children, open runs, the cleanup stack. */
static struct {
	pid_t			 owner;
	sigset_t		 oldmask;	/* restored in children */
	sigset_t		 waitmask;	/* while in ppoll */
	volatile sig_atomic_t	 stop;
	volatile sig_atomic_t	 chld;
	struct run_kid		*kids;
	size_t			 nkids;
	struct run		**runs;
	size_t			 nruns;
	struct run_undo		*undo;
	size_t			 nundo;
	FILE			*notes;		/* --objects */
	char			 error[256];
} run_state;

static void
run_on_signal(int signo)
{
	int	saved_errno = errno;

	if (signo == SIGCHLD)
		run_state.chld = 1;
	else
		run_state.stop = 1;
	errno = saved_errno;
}

/* run_setup - take the signals and register the cleanup hook. */
int
run_setup(void)
{
	static const int	sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP };
	struct sigaction	sa;
	sigset_t		block;
	size_t			i;

	run_state.owner = getpid();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return (-1);
		sigaddset(&block, sigs[i]);
	}
	if (sigprocmask(SIG_BLOCK, &block, &run_state.oldmask) == -1)
		return (-1);
	run_state.waitmask = run_state.oldmask;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigdelset(&run_state.waitmask, sigs[i]);
	atexit(run_cleanup);
	return (0);
}

int
run_stopped(void)
{
	return (run_state.stop);
}

const char *
run_error(void)
{
	return (run_state.error[0] ? run_state.error : "unknown error");
}

void
run_clear_error(void)
{
	run_state.error[0] = '\0';
}

static void
run_set_error(const char *fmt, ...)
{
	va_list	ap;

	if (run_state.error[0] != '\0')
		return;		/* the first cause is the one to tell */
	va_start(ap, fmt);
	vsnprintf(run_state.error, sizeof run_state.error, fmt, ap);
	va_end(ap);
}

static struct run_kid *
run_kid_find(pid_t pid)
{
	size_t	i;

	for (i = 0; i < run_state.nkids; i++)
		if (run_state.kids[i].pid == pid)
			return (&run_state.kids[i]);
	return (NULL);
}

static void
run_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by %s",
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped");
}

/* run_reap - collect every child that has exited; note the bad ends. */
static void
run_reap(void)
{
	struct run_kid	*k;
	char		 how[64];
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((k = run_kid_find(pid)) == NULL)
			continue;
		k->alive = 0;
		k->status = status;
		if (k->expected)
			continue;
		if (k->critical || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			run_describe(status, how, sizeof how);
			run_set_error("%s (pid %ld) %s", k->critical ?
			    "mailserv" : "a child", (long)pid, how);
		}
	}
}

/*
 * run_wait_fd - wait for fd to be readable (fd -1: for a signal only).
 * 1 ready, 0 timeout, -1 on ^C or when a child died badly.
 */
int
run_wait_fd(int fd, int timeout_ms)
{
	struct pollfd	p = { fd, POLLIN, 0 };
	struct timespec	ts;
	int64_t		deadline = stat_now() + (int64_t)timeout_ms * 1000000;
	int64_t		left;
	int		n;

	for (;;) {
		if (run_state.chld) {
			run_state.chld = 0;
			run_reap();
		}
		if (run_state.stop)
			run_set_error("interrupted");
		if (run_state.error[0] != '\0')
			return (-1);
		if ((left = deadline - stat_now()) <= 0)
			return (0);
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		n = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, &ts,
		    &run_state.waitmask);
		if (n > 0)
			return (1);
		if (n == -1 && errno != EINTR) {
			run_set_error("ppoll: %s", strerror(errno));
			return (-1);
		}
	}
}

/*
 * run_stop_pid - send signo to a child and wait up to timeout_ms for it
 * to exit, then kill it; works during cleanup, after ^C too.  Its wait
 * status, or -1 if it is not ours.
 */
int
run_stop_pid(pid_t pid, int signo, int timeout_ms)
{
	struct run_kid	*k = run_kid_find(pid);
	struct timespec	 ts = { 0, 20000000 };
	int64_t		 deadline = stat_now() + (int64_t)timeout_ms * 1000000;
	int		 status;

	if (k == NULL)
		return (-1);
	k->expected = 1;
	if (k->alive)
		kill(pid, signo);
	while (k->alive && stat_now() < deadline) {
		ppoll(NULL, 0, &ts, &run_state.waitmask);
		run_state.chld = 0;
		run_reap();
	}
	if (k->alive) {
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) == pid) {
			k->alive = 0;
			k->status = status;
		}
	}
	return (k->status);
}

/* run_open - the pipes of a new run. */
int
run_open(struct run *r)
{
	int	g;

	memset(r, 0, sizeof *r);
	r->res[0] = r->res[1] = -1;
	for (g = 0; g < RUN_GATES; g++)
		r->go[g][0] = r->go[g][1] = -1;
	for (g = -1; g < RUN_GATES; g++) {
		if (pipe2(g < 0 ? r->res : r->go[g], O_CLOEXEC) == -1) {
			run_set_error("pipe: %s", strerror(errno));
			run_end(r);
			return (-1);
		}
	}
	r->open = 1;
	run_state.runs = xreallocarray(run_state.runs, run_state.nruns + 1,
	    sizeof *run_state.runs);
	run_state.runs[run_state.nruns++] = r;
	return (0);
}

static void
run_close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* run_child_setup - in a new child: signals, death of the parent, CPU. */
static void
run_child_setup(struct run *r, int cpu)
{
	static const int	sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP };
	struct sigaction	sa;
	cpu_set_t		set;
	size_t			i;
	int			g;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &run_state.oldmask, NULL);
	/* Never outlive mailbench, even if it is killed with -9. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
	    getppid() != run_state.owner)
		_exit(1);
	/* Keep only our ends of our own run. */
	for (i = 0; i < run_state.nruns; i++) {
		if (run_state.runs[i] == r)
			continue;
		run_close_fd(&run_state.runs[i]->res[0]);
		run_close_fd(&run_state.runs[i]->res[1]);
		for (g = 0; g < RUN_GATES; g++) {
			run_close_fd(&run_state.runs[i]->go[g][0]);
			run_close_fd(&run_state.runs[i]->go[g][1]);
		}
	}
	run_close_fd(&r->res[0]);
	for (g = 0; g < RUN_GATES; g++)
		run_close_fd(&r->go[g][1]);
	run_state.nkids = 0;
	run_state.nundo = 0;
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) == -1)
			_exit(run_fail(r, -1, "sched_setaffinity CPU %d: %s",
			    cpu, strerror(errno)));
	}
}

/*
 * run_spawn - fork a child of run r, pinned to cpu (-1: not pinned),
 * that runs fn(r, idx, arg) and exits with what it returns.  A critical
 * child (mailserv) must not die while anything waits.
 */
pid_t
run_spawn(struct run *r, int cpu, int critical, run_fn *fn, int idx,
    void *arg)
{
	struct run_kid	*k;
	pid_t		 pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		run_set_error("fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		run_child_setup(r, cpu);
		_exit(fn(r, idx, arg));
	}
	run_state.kids = xreallocarray(run_state.kids, run_state.nkids + 1,
	    sizeof *run_state.kids);
	k = &run_state.kids[run_state.nkids++];
	memset(k, 0, sizeof *k);
	k->pid = pid;
	k->run = r;
	k->critical = critical;
	k->alive = 1;
	return (pid);
}

/* run_collect - n records of the given tag; -1 on a failure record. */
int
run_collect(struct run *r, int tag, size_t n, struct run_msg *out)
{
	struct run_msg	m;
	size_t		got = 0;
	ssize_t		len;
	int		rc;

	while (got < n) {
		if ((rc = run_wait_fd(r->res[0], RUN_TIMEOUT_MS)) != 1) {
			if (rc == 0)
				run_set_error("no answer from a child in %d s",
				    RUN_TIMEOUT_MS / 1000);
			return (-1);
		}
		len = read(r->res[0], &m, sizeof m);
		if (len == -1 && errno == EINTR)
			continue;
		if (len != (ssize_t)sizeof m) {
			run_set_error("results pipe: short read (%zd)", len);
			return (-1);
		}
		if (m.tag == RUN_FAIL) {
			m.text[sizeof m.text - 1] = '\0';
			run_set_error("%s", m.text);
			return (-1);
		}
		if (m.tag != tag) {
			run_set_error("unexpected record %d from child %d",
			    m.tag, m.idx);
			return (-1);
		}
		if (out != NULL)
			out[got] = m;
		got++;
	}
	return (0);
}

/* run_go - release n children waiting at gate g (see run_gate). */
int
run_go(struct run *r, int g, size_t n)
{
	char	buf[512];
	size_t	k;
	ssize_t	w;

	memset(buf, 'g', sizeof buf);
	while (n > 0) {
		k = n < sizeof buf ? n : sizeof buf;
		if ((w = write(r->go[g][1], buf, k)) == -1) {
			if (errno == EINTR)
				continue;
			run_set_error("go pipe: %s", strerror(errno));
			return (-1);
		}
		n -= (size_t)w;
	}
	return (0);
}

/*
 * run_end - close the run: children still waiting to be released see
 * end-of-file and exit; wait for all of them (killing the stuck ones).
 * -1 if one ended badly.
 */
int
run_end(struct run *r)
{
	struct run_kid	*k;
	char		 how[64];
	size_t		 i, j;
	int64_t		 deadline = stat_now() + (int64_t)RUN_EXIT_MS * 1000000;
	int		 rc = 0, alive, killed = 0, g;

	for (g = 0; g < RUN_GATES; g++)
		run_close_fd(&r->go[g][1]);
	for (i = 0; i < run_state.nkids; i++)
		if (run_state.kids[i].run == r)
			run_state.kids[i].expected = 1;
	for (;;) {
		if (run_state.chld) {
			run_state.chld = 0;
			run_reap();
		}
		for (i = alive = 0; i < run_state.nkids; i++)
			alive += run_state.kids[i].run == r &&
			    run_state.kids[i].alive;
		if (alive == 0)
			break;
		if (stat_now() > deadline || run_state.stop) {
			for (i = 0; i < run_state.nkids; i++)
				if (run_state.kids[i].run == r &&
				    run_state.kids[i].alive)
					kill(run_state.kids[i].pid, SIGKILL);
			if (!killed)
				run_set_error("%d children did not exit: "
				    "killed", alive);
			killed = 1;
			deadline = stat_now() + (int64_t)RUN_EXIT_MS * 1000000;
		}
		{
			struct timespec	ts = { 0, 50000000 };

			ppoll(NULL, 0, &ts, &run_state.waitmask);
		}
	}
	/* Forget the run's children, keeping the first bad end. */
	for (i = j = 0; i < run_state.nkids; i++) {
		k = &run_state.kids[i];
		if (k->run != r) {
			run_state.kids[j++] = *k;
			continue;
		}
		if (!killed && (!WIFEXITED(k->status) ||
		    WEXITSTATUS(k->status) != 0)) {
			run_describe(k->status, how, sizeof how);
			run_set_error("a child (pid %ld) %s", (long)k->pid, how);
			rc = -1;
		}
	}
	run_state.nkids = j;
	for (i = j = 0; i < run_state.nruns; i++)
		if (run_state.runs[i] != r)
			run_state.runs[j++] = run_state.runs[i];
	run_state.nruns = j;
	run_close_fd(&r->res[0]);
	run_close_fd(&r->res[1]);
	for (g = 0; g < RUN_GATES; g++)
		run_close_fd(&r->go[g][0]);
	r->open = 0;
	return (killed ? -1 : rc);
}

/*
 * run_abort - kill what is left of a failed run and close it.  The
 * deaths it causes are no news: the error stays what it was.
 */
void
run_abort(struct run *r)
{
	char	saved[sizeof run_state.error];
	size_t	i;

	memcpy(saved, run_state.error, sizeof saved);
	for (i = 0; i < run_state.nkids; i++)
		if (run_state.kids[i].run == r && run_state.kids[i].alive)
			kill(run_state.kids[i].pid, SIGKILL);
	if (r->open)
		run_end(r);
	memcpy(run_state.error, saved, sizeof saved);
}

/* --- in a child ---------------------------------------------------- */

static void
run_write(struct run *r, struct run_msg *m)
{
	ssize_t	n;

	do
		n = write(r->res[1], m, sizeof *m);
	while (n == -1 && errno == EINTR);
}

void
run_ready(struct run *r, int idx)
{
	struct run_msg	m;

	memset(&m, 0, sizeof m);
	m.tag = RUN_READY;
	m.idx = idx;
	run_write(r, &m);
}

/* run_await - wait for the parent's go; -1 when the run was closed. */
int
run_await(struct run *r, int g)
{
	char	c;
	ssize_t	n;

	do
		n = read(r->go[g][0], &c, 1);
	while (n == -1 && errno == EINTR);
	return (n == 1 ? 0 : -1);
}

void
run_result(struct run *r, struct run_msg *m)
{
	m->tag = RUN_RESULT;
	run_write(r, m);
}

/* run_fail - tell the parent why this child gives up; the exit status. */
int
run_fail(struct run *r, int idx, const char *fmt, ...)
{
	struct run_msg	m;
	va_list		ap;

	memset(&m, 0, sizeof m);
	m.tag = RUN_FAIL;
	m.idx = idx;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof m.text, fmt, ap);
	va_end(ap);
	run_write(r, &m);
	return (1);
}

/* --- the cleanup stack -------------------------------------------- */

/* run_defer - remember to call fn(arg) on the way out; a handle. */
int
run_defer(void (*fn)(void *), void *arg)
{
	run_state.undo = xreallocarray(run_state.undo, run_state.nundo + 1,
	    sizeof *run_state.undo);
	run_state.undo[run_state.nundo].fn = fn;
	run_state.undo[run_state.nundo].arg = arg;
	run_state.undo[run_state.nundo].live = 1;
	return ((int)run_state.nundo++);
}

/* run_settle - undo one thing now (the normal way), and forget it. */
void
run_settle(int h)
{
	struct run_undo	*u;

	if (h < 0 || (size_t)h >= run_state.nundo)
		return;
	u = &run_state.undo[h];
	if (u->live) {
		u->live = 0;
		u->fn(u->arg);
	}
	while (run_state.nundo > 0 && !run_state.undo[run_state.nundo - 1].live)
		run_state.nundo--;
}

/*
 * run_cleanup - on every way out of mailbench: kill the children that
 * are not servers, then unwind the stack (which stops the servers and
 * purges their run directories), then kill anything left.
 */
void
run_cleanup(void)
{
	size_t	i;
	int	status;

	if (getpid() != run_state.owner)
		return;		/* a child (mailserv's fatal() exits) */
	for (i = 0; i < run_state.nkids; i++) {
		if (run_state.kids[i].alive && !run_state.kids[i].critical) {
			kill(run_state.kids[i].pid, SIGKILL);
			if (waitpid(run_state.kids[i].pid, &status, 0) ==
			    run_state.kids[i].pid)
				run_state.kids[i].alive = 0;
		}
	}
	while (run_state.nundo > 0) {
		i = --run_state.nundo;
		if (run_state.undo[i].live) {
			run_state.undo[i].live = 0;
			run_state.undo[i].fn(run_state.undo[i].arg);
		}
	}
	for (i = 0; i < run_state.nkids; i++) {
		if (run_state.kids[i].alive) {
			kill(run_state.kids[i].pid, SIGKILL);
			waitpid(run_state.kids[i].pid, &status, 0);
			run_state.kids[i].alive = 0;
		}
	}
}

/* --- --objects ----------------------------------------------------- */

/* run_notes - append a line per object made to path (see run_note). */
int
run_notes(const char *path)
{
	if ((run_state.notes = fopen(path, "ae")) == NULL)
		return (-1);
	return (0);
}

/* run_note - "msq ID", "sem ID", "shm ID", "name /x" or "dir /x". */
void
run_note(const char *fmt, ...)
{
	va_list	ap;

	if (run_state.notes == NULL || getpid() != run_state.owner)
		return;
	va_start(ap, fmt);
	vfprintf(run_state.notes, fmt, ap);
	va_end(ap);
	fputc('\n', run_state.notes);
	fflush(run_state.notes);
}

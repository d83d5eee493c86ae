/*
 * log.c - diagnostics for mailserv and mailcli.  Everything goes to
 * stderr: events always, IPC traces with -v.  fatal() runs the
 * process's cleanup hook first so no FIFO or kernel object is left
 * half made.  mailserv logs two lines for every message; in its loop it
 * holds the lines of a turn (log_batch) and writes them with one
 * write(2) at the end of the turn (log_flush), not one write a line.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "plural.h"

static struct {
	const char	*progname;
	int		 verbose;
	int		 timestamps;
	void		(*cleanup)(void);
	pid_t		 pid;		/* ours, kept across fork() */
	int		 atfork;
	time_t		 stamp_sec;	/* the second stamp_hms shows */
	char		 stamp_hms[16];
} log_state = { "ipcmail", 0, 0, NULL, 0, 0, 0, "" };

#define LOG_MSG_MAX	1024	/* a message's text, NUL included */
#define LOG_HOLD_MAX	16384	/* lines held by log_batch */

/* Lines held for log_flush; the spool's commit thread logs too. */
static struct {
	pthread_mutex_t	 lock;
	int		 on;
	size_t		 len;
	char		 buf[LOG_HOLD_MAX];
} log_hold = { PTHREAD_MUTEX_INITIALIZER, 0, 0, "" };

/* log_write_held - write the held lines out; log_hold.lock is held. */
static void
log_write_held(void)
{
	if (log_hold.len > 0)
		fwrite(log_hold.buf, 1, log_hold.len, stderr);
	log_hold.len = 0;
}

/* log_flush - write out the lines log_batch held. */
void
log_flush(void)
{
	pthread_mutex_lock(&log_hold.lock);
	log_write_held();
	pthread_mutex_unlock(&log_hold.lock);
}

/*
 * log_batch - on: hold lines until log_flush (or until LOG_HOLD_MAX
 * bytes are held); off: write what is held and go back to a write a
 * line.
 */
void
log_batch(int on)
{
	pthread_mutex_lock(&log_hold.lock);
	log_write_held();
	log_hold.on = on;
	pthread_mutex_unlock(&log_hold.lock);
}

/* log_out - one finished line: held, or written now. */
static void
log_out(const char *line, size_t len)
{
	pthread_mutex_lock(&log_hold.lock);
	if (!log_hold.on) {
		pthread_mutex_unlock(&log_hold.lock);
		fwrite(line, 1, len, stderr);
		return;
	}
	if (log_hold.len + len > sizeof log_hold.buf)
		log_write_held();
	memcpy(log_hold.buf + log_hold.len, line, len);
	log_hold.len += len;
	pthread_mutex_unlock(&log_hold.lock);
}

/* log_forked - in a new child: its own pid on its lines. */
static void
log_forked(void)
{
	log_state.pid = getpid();
}

/*
 * log_init - set the program name and verbosity.  The pid each line
 * carries is taken now and again in every forked child, not with a
 * getpid(2) per line.
 */
void
log_init(const char *progname, int verbose, int timestamps)
{
	log_state.progname = progname;
	log_state.verbose = verbose;
	log_state.timestamps = timestamps;
	log_state.pid = getpid();
	if (!log_state.atfork && pthread_atfork(NULL, NULL, log_forked) == 0)
		log_state.atfork = 1;
}

/* log_pid - the pid for a line (getpid if log_init never ran). */
static long
log_pid(void)
{
	return ((long)(log_state.pid != 0 ? log_state.pid : getpid()));
}

/* log_verbose - is tracing on? */
int
log_verbose(void)
{
	return (log_state.verbose);
}

/* log_set_cleanup - register the hook fatal() runs before exiting. */
void
log_set_cleanup(void (*fn)(void))
{
	log_state.cleanup = fn;
}

/*
 * log_stamp - "HH:MM:SS.mmm " into buf; localtime_r only when the
 * second changes (two lines a message are logged, most in one second).
 */
static size_t
log_stamp(char *buf, size_t size)
{
	struct timespec	ts;
	struct tm	tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != log_state.stamp_sec || log_state.stamp_hms[0] == '\0') {
		localtime_r(&ts.tv_sec, &tm);
		snprintf(log_state.stamp_hms, sizeof log_state.stamp_hms,
		    "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
		log_state.stamp_sec = ts.tv_sec;
	}
	return ((size_t)snprintf(buf, size, "%s.%03ld ", log_state.stamp_hms,
	    ts.tv_nsec / 1000000));
}

/* log_vline - one line, built in one buffer and written with one write. */
static void
log_vline(const char *tag, int err, const char *fmt, va_list ap)
{
	char	line[LOG_MSG_MAX + 256];
	size_t	len = 0, room;
	int	n;

	if (log_state.timestamps)
		len = log_stamp(line, sizeof line);
	n = snprintf(line + len, sizeof line - len, "%s[%ld]: %s",
	    log_state.progname, log_pid(), tag);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof line - LOG_MSG_MAX - 64)
		len = sizeof line - LOG_MSG_MAX - 64;
	/* The message itself: at most LOG_MSG_MAX - 1 bytes, as before. */
	room = LOG_MSG_MAX;
	n = vsnprintf(line + len, room, fmt, ap);
	if (n > 0)
		len += (size_t)n < room ? (size_t)n : room - 1;
	if (err != 0) {
		n = snprintf(line + len, sizeof line - len - 1, ": %s",
		    strerror(err));
		if (n > 0)
			len += (size_t)n < sizeof line - len - 1 ?
			    (size_t)n : sizeof line - len - 2;
	}
	line[len++] = '\n';
	log_out(line, len);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline("", 0, fmt, ap);
	va_end(ap);
}

void
log_trace(const char *mech, const char *fmt, ...)
{
	char	tag[32];
	va_list	ap;

	if (!log_state.verbose)
		return;
	snprintf(tag, sizeof tag, "[%s] ", mech);
	va_start(ap, fmt);
	log_vline(tag, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vline("warning: ", saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline("warning: ", 0, fmt, ap);
	va_end(ap);
}

/* log_budget_now - the current second, monotonic. */
static long long
log_budget_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec);
}

/* log_budget_flush - a second later, say how many warnings were held. */
void
log_budget_flush(struct log_budget *b)
{
	long long	now = log_budget_now();
	size_t		i;

	for (i = 0; i < LOG_BUDGET_KINDS; i++) {
		if (b->kind[i].held == 0 || b->kind[i].sec == now)
			continue;
		log_warnx("%llu more %s like \"%.40s...\" not logged (at "
		    "most %d a second)", b->kind[i].held,
		    plural(b->kind[i].held, "warning", "warnings"),
		    b->kind[i].fmt, LOG_BUDGET_PER_SEC);
		b->kind[i].held = 0;
	}
}

/*
 * log_warnx_budget - log_warnx, at most LOG_BUDGET_PER_SEC a second for
 * each format; kinds past LOG_BUDGET_KINDS share the last budget.
 */
void
log_warnx_budget(struct log_budget *b, const char *fmt, ...)
{
	long long	now = log_budget_now();
	size_t		i;
	va_list		ap;

	log_budget_flush(b);
	for (i = 0; i < LOG_BUDGET_KINDS - 1; i++)
		if (b->kind[i].fmt == fmt || b->kind[i].fmt == NULL)
			break;
	b->kind[i].fmt = fmt;
	if (b->kind[i].sec != now) {
		b->kind[i].sec = now;
		b->kind[i].used = 0;
	}
	if (b->kind[i].used >= LOG_BUDGET_PER_SEC) {
		b->kind[i].held++;
		return;
	}
	b->kind[i].used++;
	va_start(ap, fmt);
	log_vline("warning: ", 0, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	int	saved_errno = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vline("", saved_errno, fmt, ap);
	va_end(ap);
	log_flush();
	if (log_state.cleanup != NULL)
		log_state.cleanup();
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline("", 0, fmt, ap);
	va_end(ap);
	log_flush();
	if (log_state.cleanup != NULL)
		log_state.cleanup();
	exit(status);
}

void
log_panic(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vline("panic: ", 0, fmt, ap);
	va_end(ap);
	log_flush();
	abort();
}

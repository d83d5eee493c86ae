/*
 * log.c - diagnostics for mailserv and mailcli.  Everything goes to
 * stderr: events always, IPC traces with -v.  fatal() runs the
 * process's cleanup hook first so no FIFO or kernel object is left
 * half made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char	*progname;
	int		 verbose;
	int		 timestamps;
	void		(*cleanup)(void);
} log_state = { "ipcmail", 0, 0, NULL };

/* log_init - set the program name and verbosity. */
void
log_init(const char *progname, int verbose, int timestamps)
{
	log_state.progname = progname;
	log_state.verbose = verbose;
	log_state.timestamps = timestamps;
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

static void
log_vline(const char *tag, int err, const char *fmt, va_list ap)
{
	char		 stamp[32] = "";
	char		 msg[1024];
	struct timespec	 ts;
	struct tm	 tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_state.timestamps) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03ld ",
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	}
	if (err != 0)
		fprintf(stderr, "%s%s[%ld]: %s%s: %s\n", stamp,
		    log_state.progname, (long)getpid(), tag, msg,
		    strerror(err));
	else
		fprintf(stderr, "%s%s[%ld]: %s%s\n", stamp,
		    log_state.progname, (long)getpid(), tag, msg);
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
		log_warnx("%llu more warnings like \"%.40s...\" not logged (at "
		    "most %d a second)", b->kind[i].held, b->kind[i].fmt,
		    LOG_BUDGET_PER_SEC);
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
	abort();
}

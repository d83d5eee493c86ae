/*
 * log.h - one place for diagnostics: events, IPC traces, warnings and
 * fatal errors, plus the cleanup hook that runs before a fatal exit.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void	log_init(const char *progname, int verbose, int timestamps);
int	log_verbose(void);
void	log_set_cleanup(void (*fn)(void));
void	log_batch(int);
void	log_flush(void);

/* log_info - one line per event. */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_trace - one line per IPC operation, only with -v. */
void	log_trace(const char *mech, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* log_warn - recoverable trouble; log_warnx omits strerror(errno). */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A budget of warnings a second, for trouble other users can cause at
 * will (garbage on a FIFO, forged records): each kind of warning (each
 * format string) may be logged LOG_BUDGET_PER_SEC times a second; past
 * that it is counted, and the count logged once the second is over.
 */
#define LOG_BUDGET_PER_SEC	10
#define LOG_BUDGET_KINDS	16
struct log_budget {
	struct {
		const char		*fmt;
		long long		 sec;
		unsigned		 used;
		unsigned long long	 held;
	} kind[LOG_BUDGET_KINDS];
};
void	log_warnx_budget(struct log_budget *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_budget_flush(struct log_budget *);

/* fatal - environment error: run cleanup, exit with status. */
void	fatal(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* log_panic - internal bug: abort. */
void	log_panic(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif

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

/* log_info - one line per event. */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_trace - one line per IPC operation, only with -v. */
void	log_trace(const char *mech, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* log_warn - recoverable trouble; log_warnx omits strerror(errno). */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatal - environment error: run cleanup, exit with status. */
void	fatal(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* log_panic - internal bug: abort. */
void	log_panic(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif

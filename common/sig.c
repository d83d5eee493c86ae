/*
 * sig.c - the self-pipe trick.  The handler writes the signal number as
 * one byte to a non-blocking pipe and restores errno; all real work is
 * done by the event loop that polls the read end.  The write end is the
 * one piece of process state a handler must reach, so it lives here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "sig.h"

static volatile sig_atomic_t sig_write_fd = -1;

static void
sig_handler(int signo)
{
	int		saved_errno = errno;
	unsigned char	c = (unsigned char)signo;

	if (sig_write_fd != -1)
		(void)write(sig_write_fd, &c, 1);
	errno = saved_errno;
}

/*
 * sig_init - catch the n signals in list through the self-pipe and
 * ignore SIGPIPE (a vanished peer is an EPIPE to handle, not a death).
 * Returns the fd to poll, or -1.
 */
int
sig_init(const int *list, int n)
{
	struct sigaction	sa;
	int			p[2], i;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == -1)
		return (-1);
	sig_write_fd = p[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < n; i++)
		if (sigaction(list[i], &sa, NULL) == -1)
			return (-1);
	return (p[0]);
}

/* sig_next - the next caught signal, or 0 when none is pending. */
int
sig_next(int fd)
{
	unsigned char	c;

	if (io_read_some(fd, &c, 1) == 1)
		return (c);
	return (0);
}

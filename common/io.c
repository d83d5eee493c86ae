/*
 * io.c - the low-level I/O every process uses.  Every loop here restarts
 * on EINTR; a write on a blocking descriptor is completed however short
 * the kernel's partial writes are.  Random bytes come from the kernel
 * with one getrandom(2).
 */
#include <sys/types.h>
#include <sys/random.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

/* io_write_all - write all of buf; -1 with errno on failure. */
ssize_t
io_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	size_t		 done = 0;
	ssize_t		 n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && io_wait(fd, POLLOUT, -1) == 1)
				continue;
			return (-1);
		}
		done += (size_t)n;
	}
	return ((ssize_t)done);
}

/* io_read_some - one read(2), restarted on EINTR. */
ssize_t
io_read_some(int fd, void *buf, size_t len)
{
	ssize_t	n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return (n);
}

/* io_now_ms - monotonic clock in milliseconds. */
long long
io_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * io_wait - wait up to timeout_ms (-1: forever) for events on fd.
 * Returns 1 when ready (or on HUP/ERR, which the next I/O reports),
 * 0 on timeout, -1 on error.
 */
int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	long long	deadline = io_now_ms() + timeout_ms;
	int		left = timeout_ms, n;

	for (;;) {
		n = poll(&pfd, 1, left);
		if (n >= 0)
			return (n > 0);
		if (errno != EINTR)
			return (-1);
		if (timeout_ms >= 0) {
			left = (int)(deadline - io_now_ms());
			if (left < 0)
				left = 0;
		}
	}
}

/* io_set_nonblock - turn O_NONBLOCK on or off. */
int
io_set_nonblock(int fd, int on)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return (fcntl(fd, F_SETFL, flags));
}

/* io_set_cloexec - mark fd close-on-exec. */
int
io_set_cloexec(int fd)
{
	return (fcntl(fd, F_SETFD, FD_CLOEXEC));
}

/*
 * io_random - fill buf with len random bytes from the kernel; 0, or -1
 * if neither getrandom(2) nor /dev/urandom gives them.
 */
int
io_random(void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 done = 0;
	ssize_t	 n;
	int	 fd;

	while (done < len) {
		n = getrandom(p + done, len - done, 0);
		if (n > 0)
			done += (size_t)n;
		else if (n == -1 && errno != EINTR)
			break;
	}
	if (done == len)
		return (0);
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	while (done < len && (n = io_read_some(fd, p + done,
	    len - done)) > 0)
		done += (size_t)n;
	close(fd);
	return (done == len ? 0 : -1);
}

/*
 * ctl.c - both ends of the control socket.  The socket file is mode
 * 0666 on purpose: who may talk is decided by the kernel's word on the
 * peer (SO_PEERCRED), checked on every connection, not by the file's
 * mode.  Packets keep request and reply whole (SOCK_SEQPACKET), so
 * there is no framing to get wrong.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "io.h"
#include "log.h"
#include "xmalloc.h"

#define CTL_TIMEOUT_MS	5000

/* ctl_addr - the socket's address, relative to the run directory. */
static int
ctl_addr(int dirfd, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	/* Through /proc/self/fd: the directory, not a path that could be
	 * swapped under us, and no limit on the run directory's length. */
	if ((size_t)snprintf(sun->sun_path, sizeof sun->sun_path,
	    "/proc/self/fd/%d/%s", dirfd, CTL_SOCKET) >= sizeof sun->sun_path)
		return (-1);
	return (0);
}

/* ctl_listen - make the control socket in the run directory. */
int
ctl_listen(int dirfd, char **cause)
{
	struct sockaddr_un	sun;
	int			fd;

	if (ctl_addr(dirfd, &sun) == -1) {
		xasprintf(cause, "control socket path too long");
		return (-1);
	}
	if (unlinkat(dirfd, CTL_SOCKET, 0) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", CTL_SOCKET, strerror(errno));
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    fchmodat(dirfd, CTL_SOCKET, 0666, 0) == -1 ||
	    listen(fd, 8) == -1) {
		xasprintf(cause, "control socket %s: %s", CTL_SOCKET,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		unlinkat(dirfd, CTL_SOCKET, 0);
		return (-1);
	}
	log_trace("unix", "listening on %s (SOCK_SEQPACKET)", CTL_SOCKET);
	return (fd);
}

/*
 * ctl_peer_allowed - may the peer on fd use the socket: our uid or
 * root?  Its uid and pid go to *uid and *pid.
 */
int
ctl_peer_allowed(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (0);
	*uid = cred.uid;
	*pid = cred.pid;
	log_trace("unix", "SO_PEERCRED: pid %ld uid %u", (long)cred.pid,
	    (unsigned)cred.uid);
	return (cred.uid == geteuid() || cred.uid == 0);
}

/*
 * ctl_request - send one request to the server of the run directory
 * and read its reply (allocated, NUL-terminated).  -1 with cause.
 */
int
ctl_request(int dirfd, const char *req, char **reply, char **cause)
{
	struct sockaddr_un	 sun;
	ssize_t			 n;
	char			*buf;
	int			 fd;

	if (ctl_addr(dirfd, &sun) == -1) {
		xasprintf(cause, "control socket path too long");
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		xasprintf(cause, "control socket %s: %s", CTL_SOCKET,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	/* A refused peer may find the server's answer already there and
	 * the socket shut: read it all the same. */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) == -1 &&
	    errno != EPIPE && errno != ECONNRESET) {
		xasprintf(cause, "control socket: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (io_wait(fd, POLLIN, CTL_TIMEOUT_MS) != 1) {
		xasprintf(cause, "control socket: no answer");
		close(fd);
		return (-1);
	}
	buf = xmalloc(CTL_MAX + 1);
	do
		n = recv(fd, buf, CTL_MAX, 0);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n <= 0) {
		xasprintf(cause, "control socket: %s", n == 0 ?
		    "closed without an answer" : strerror(errno));
		free(buf);
		return (-1);
	}
	buf[n] = '\0';
	*reply = buf;
	return (0);
}

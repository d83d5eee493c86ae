/*
 * fifo.c - FIFOs, the Postfix way: unlink, mkfifo, open O_RDWR |
 * O_NONBLOCK so the listener is its own writer (no EOF when the last
 * client leaves), fstat to be sure it is a FIFO we own, and fchmod
 * because mkfifo obeys the umask.  All paths are relative to a
 * directory descriptor and never follow symlinks.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fifo.h"
#include "log.h"
#include "xmalloc.h"

static int
fifo_check(int fd, const char *name, char **cause)
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "fstat %s: %s", name, strerror(errno));
		return (-1);
	}
	if (!S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
		xasprintf(cause, "%s is not a FIFO of ours", name);
		return (-1);
	}
	return (0);
}

/* fifo_listen - (re)make the well-known FIFO and open it to read. */
int
fifo_listen(int dirfd, const char *name, mode_t mode, char **cause)
{
	int	fd;

	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", name, strerror(errno));
		return (-1);
	}
	if (mkfifoat(dirfd, name, 0600) == -1) {
		xasprintf(cause, "mkfifo %s: %s", name, strerror(errno));
		return (-1);
	}
	if ((fd = openat(dirfd, name, O_RDWR | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "open %s: %s", name, strerror(errno));
		return (-1);
	}
	if (fifo_check(fd, name, cause) == -1 || fchmod(fd, mode) == -1) {
		if (*cause == NULL)
			xasprintf(cause, "fchmod %s: %s", name,
			    strerror(errno));
		close(fd);
		return (-1);
	}
	log_trace("fifo", "mkfifo %s mode %04o, open O_RDWR|O_NONBLOCK",
	    name, (unsigned)mode);
	return (fd);
}

/*
 * fifo_make_reader - make a FIFO of ours with the given mode (a client's
 * reply channel, 0622 so a server of another uid can open it) and open
 * its read end without blocking.  Only we can read it.
 */
int
fifo_make_reader(int dirfd, const char *name, mode_t mode, char **cause)
{
	int	fd;

	if (mkfifoat(dirfd, name, 0600) == -1) {
		if (errno != EEXIST) {
			xasprintf(cause, "mkfifo %s: %s", name,
			    strerror(errno));
			return (-1);
		}
		/* Left by a dead process with our pid; the sticky bit
		 * lets us remove only our own. */
		if (unlinkat(dirfd, name, 0) == -1 ||
		    mkfifoat(dirfd, name, 0600) == -1) {
			xasprintf(cause, "mkfifo %s: %s", name,
			    strerror(errno));
			return (-1);
		}
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "open %s: %s", name, strerror(errno));
		unlinkat(dirfd, name, 0);
		return (-1);
	}
	if (fifo_check(fd, name, cause) == -1 || fchmod(fd, mode) == -1) {
		if (*cause == NULL)
			xasprintf(cause, "fchmod %s: %s", name,
			    strerror(errno));
		close(fd);
		unlinkat(dirfd, name, 0);
		return (-1);
	}
	log_trace("fifo", "mkfifo %s mode %04o, open O_RDONLY", name,
	    (unsigned)mode);
	return (fd);
}

/*
 * fifo_open_writer - open someone's FIFO to write, without blocking and
 * without following links; *owner gets the FIFO's owner.  -1 with
 * ENXIO when nobody reads it, ENOENT when it is not there.
 */
int
fifo_open_writer(int dirfd, const char *name, uid_t *owner)
{
	struct stat	st;
	int		fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return (-1);
	}
	if (owner != NULL)
		*owner = st.st_uid;
	log_trace("fifo", "open %s O_WRONLY (owner uid %u)", name,
	    (unsigned)st.st_uid);
	return (fd);
}

/*
 * fifo_unlink_same - remove name (relative to dirfd) only if it is
 * still the FIFO open on fd: someone may have put another file, or a
 * new FIFO of another client, under that name meanwhile.  (A swap
 * between the check and unlinkat remains possible; the name is in a
 * sticky directory, where only its owner and we may swap it.)
 */
void
fifo_unlink_same(int dirfd, const char *name, int fd)
{
	struct stat	byname, byfd;

	if (fd == -1 || fstat(fd, &byfd) == -1 ||
	    fstatat(dirfd, name, &byname, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	if (byname.st_dev != byfd.st_dev || byname.st_ino != byfd.st_ino)
		return;
	if (unlinkat(dirfd, name, 0) == 0)
		log_trace("fifo", "unlink %s", name);
}

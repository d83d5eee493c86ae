/*
 * rundir.c - the run directory.  mailserv makes it (0755, its own) or
 * accepts it only if it is a real directory it owns that nobody else
 * can write; mailcli accepts it only if it is a real directory nobody
 * but its owner can write.  Everything inside is reached through the
 * directory's descriptor with O_NOFOLLOW, so a symlink planted by
 * someone else is never followed.  Clients make their reply FIFOs in
 * DIR/clients, which is sticky and writable by all, like /tmp.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "log.h"
#include "rundir.h"
#include "xmalloc.h"

/* rundir_path - -d beats MAILSERV_DIR, which beats the default. */
const char *
rundir_path(const char *opt)
{
	const char	*env;

	if (opt != NULL && *opt != '\0')
		return (opt);
	if ((env = getenv("MAILSERV_DIR")) != NULL && *env != '\0')
		return (env);
	return (RUNDIR_DEFAULT);
}

/* rundir_file - DIR/name, allocated. */
char *
rundir_file(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return (p);
}

static int
rundir_open_dir(const char *path, struct stat *st, char **cause)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			xasprintf(cause, "%s is not a directory (or is a "
			    "symbolic link): refusing to use it", path);
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* rundir_open_server - make or check DIR and DIR/clients; dir fd. */
int
rundir_open_server(const char *path, char **cause)
{
	struct stat	st;
	int		fd;

	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		xasprintf(cause, "cannot create %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if ((fd = rundir_open_dir(path, &st, cause)) == -1)
		return (-1);
	if (st.st_uid != geteuid()) {
		xasprintf(cause, "%s belongs to uid %u, not to you (uid %u): "
		    "someone else made it; refusing to use it", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		goto fail;
	}
	if (st.st_mode & 022) {
		xasprintf(cause, "%s is writable by group or others (mode "
		    "%04o); refusing to use it", path,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (mkdirat(fd, RUNDIR_CLIENTS, 01733) == -1 && errno != EEXIST) {
		xasprintf(cause, "cannot create %s/%s: %s", path,
		    RUNDIR_CLIENTS, strerror(errno));
		goto fail;
	}
	if (fstatat(fd, RUNDIR_CLIENTS, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		xasprintf(cause, "%s/%s is not a directory of yours",
		    path, RUNDIR_CLIENTS);
		goto fail;
	}
	/* mkdir obeys the umask: set the mode we mean. */
	if ((st.st_mode & 07777) != 01733 &&
	    fchmodat(fd, RUNDIR_CLIENTS, 01733, 0) == -1) {
		xasprintf(cause, "chmod %s/%s: %s", path, RUNDIR_CLIENTS,
		    strerror(errno));
		goto fail;
	}
	return (fd);

fail:
	close(fd);
	return (-1);
}

/* rundir_open_client - check DIR as a client; dir fd. */
int
rundir_open_client(const char *path, char **cause)
{
	struct stat	st;
	int		fd;

	if ((fd = rundir_open_dir(path, &st, cause)) == -1)
		return (-1);
	if (st.st_mode & 022) {
		xasprintf(cause, "%s is writable by group or others (mode "
		    "%04o); refusing to trust it", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * rundir_lock - take DIR/mailserv.pid for this server; the fd, or -1
 * with *holder set to the running server's pid (0 if unknown).
 */
int
rundir_lock(int dirfd, pid_t *holder)
{
	char	buf[32];
	int	fd, n;

	*holder = 0;
	if ((fd = openat(dirfd, RUNDIR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			*holder = rundir_holder(dirfd);
			errno = EWOULDBLOCK;
		}
		close(fd);
		return (-1);
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* rundir_holder - pid of the mailserv serving DIR, or 0 if none. */
pid_t
rundir_holder(int dirfd)
{
	char	buf[32];
	ssize_t	n;
	int	fd, busy;

	if ((fd = openat(dirfd, RUNDIR_LOCK, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (0);
	busy = flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (!busy)
		return (0);
	if (n <= 0)
		return (1);	/* held, but the pid is not written yet */
	buf[n] = '\0';
	return ((pid_t)strtol(buf, NULL, 10) > 0 ?
	    (pid_t)strtol(buf, NULL, 10) : 1);
}

/*
 * rundir_make_key - make sure DIR/mailserv.key exists, ftok's anchor,
 * holding this run directory's random id (told apart from another
 * directory whose keys collide with ours); the id goes in *id.
 */
int
rundir_make_key(int dirfd, uint8_t *id, char **cause)
{
	char		text[160], idstr[40];
	struct stat	st;
	ssize_t		n;
	int		fd, len;

	if ((fd = openat(dirfd, RUNDIR_KEY, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		xasprintf(cause, "%s: %s", RUNDIR_KEY, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		xasprintf(cause, "%s is not a regular file of yours",
		    RUNDIR_KEY);
		close(fd);
		return (-1);
	}
	n = pread(fd, text, sizeof text - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	if (n > 0 && sscanf(text, "ipcmail run directory %36s", idstr) == 1 &&
	    uuid_parse(idstr, id) == 0) {
		close(fd);
		return (0);
	}
	uuid_generate_random(id);
	uuid_unparse_lower(id, idstr);
	len = snprintf(text, sizeof text, "ipcmail run directory %s\n"
	    "ftok() anchor of this directory's IPC keys: keep it while mail "
	    "is stored.\n", idstr);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, (size_t)len, 0) != len ||
	    fsync(fd) == -1) {
		xasprintf(cause, "%s: %s", RUNDIR_KEY, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* rundir_read_id - the id in an open key file; -1 if there is none. */
static int
rundir_read_id(int fd, uint8_t *id)
{
	char	text[160], idstr[40];
	ssize_t	n;

	n = pread(fd, text, sizeof text - 1, 0);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	if (sscanf(text, "ipcmail run directory %36s", idstr) != 1 ||
	    uuid_parse(idstr, id) != 0)
		return (-1);
	return (0);
}

/* rundir_key_id - the id in DIR/mailserv.key; -1 if there is none. */
int
rundir_key_id(int dirfd, uint8_t *id)
{
	int	fd;

	if ((fd = openat(dirfd, RUNDIR_KEY, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (-1);
	return (rundir_read_id(fd, id));
}

/*
 * rundir_ipc_name - the name of a POSIX IPC object of the run
 * directory whose key file is keyfile: "/ipcmail.ID.what".
 */
int
rundir_ipc_name(const char *keyfile, const char *what, char *buf,
    size_t size)
{
	uint8_t	id[16];
	char	idstr[40];
	int	fd;

	if ((fd = open(keyfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    rundir_read_id(fd, id) == -1)
		return (-1);
	uuid_unparse_lower(id, idstr);
	if ((size_t)snprintf(buf, size, "/ipcmail.%s.%s", idstr, what) >=
	    size)
		return (-1);
	return (0);
}

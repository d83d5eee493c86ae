/*
 * spooldir.c - the spool's place.  The default run directory's spool
 * is the one configure was given (--with-spooldir), else one in the
 * user's own state directory, which needs no root and survives a
 * reboot; another run directory keeps its spool inside itself, so two
 * servers never share one.  A spool on tmpfs or ramfs is named.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spooldir.h"
#include "xmalloc.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC	0x858458f6
#endif

#define SPOOLDIR_IN_RUNDIR	"spool"		/* relative: inside DIR */
#define SPOOLDIR_STATE		"ipcmail/spool"	/* in the state directory */

/*
 * spooldir_default - the spool of run directory dir, allocated:
 * configured (may be empty) if dir is the default run directory
 * rundir_default, "spool" (inside dir) otherwise.
 */
char *
spooldir_default(const char *dir, const char *rundir_default,
    const char *configured)
{
	struct passwd	*pw;
	const char	*state, *home;
	char		*p;

	if (strcmp(dir, rundir_default) != 0)
		return (xstrdup(SPOOLDIR_IN_RUNDIR));
	if (configured != NULL && *configured != '\0')
		return (xstrdup(configured));
	if ((state = getenv("XDG_STATE_HOME")) != NULL && state[0] == '/') {
		xasprintf(&p, "%s/%s", state, SPOOLDIR_STATE);
		return (p);
	}
	if ((home = getenv("HOME")) == NULL || home[0] != '/')
		home = (pw = getpwuid(geteuid())) != NULL ? pw->pw_dir : "/";
	xasprintf(&p, "%s%s.local/state/%s", home,
	    home[strlen(home) - 1] == '/' ? "" : "/", SPOOLDIR_STATE);
	return (p);
}

/*
 * spooldir_parents - make the missing directories above an absolute
 * spool path (0700: they are the user's state), as mkdir -p would.
 */
int
spooldir_parents(const char *path, char **cause)
{
	char	*copy, *s;

	if (path[0] != '/')
		return (0);
	copy = xstrdup(path);
	for (s = strchr(copy + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
			xasprintf(cause, "cannot create %s (above the spool "
			    "%s): %s", copy, path, strerror(errno));
			free(copy);
			return (-1);
		}
		*s = '/';
	}
	free(copy);
	return (0);
}

/*
 * spooldir_volatile - a warning if the spool path (relative to dirfd)
 * is on a file system a reboot empties, else NULL.
 */
const char *
spooldir_volatile(int dirfd, const char *path)
{
	struct statfs	sfs;
	int		fd, rc;

	if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (NULL);
	rc = fstatfs(fd, &sfs);
	close(fd);
	if (rc == -1)
		return (NULL);
	if ((unsigned long)sfs.f_type == TMPFS_MAGIC)
		return ("the spool is on tmpfs: mail does not survive a "
		    "reboot");
	if ((unsigned long)sfs.f_type == RAMFS_MAGIC)
		return ("the spool is on ramfs: mail does not survive a "
		    "reboot");
	return (NULL);
}

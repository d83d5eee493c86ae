/*
 * backend.c - the backends, and which one serves a run directory: the
 * server writes its name to DIR/mailserv.backend (no file: sysv).
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "xmalloc.h"

static const struct backend backend_list[] = {
	{ "sysv", &store_sysv_ops, &table_sysv_ops },
	{ "posix", &store_posix_ops, &table_posix_ops },
};
#define BACKEND_COUNT (sizeof backend_list / sizeof backend_list[0])

/* backend_find - the backend of this name, or NULL. */
const struct backend *
backend_find(const char *name)
{
	size_t	i;

	for (i = 0; i < BACKEND_COUNT; i++)
		if (strcmp(backend_list[i].name, name) == 0)
			return (&backend_list[i]);
	return (NULL);
}

/* backend_next - iterate: NULL gives the first, the last gives NULL. */
const struct backend *
backend_next(const struct backend *b)
{
	if (b == NULL)
		return (&backend_list[0]);
	if ((size_t)(b - backend_list) + 1 < BACKEND_COUNT)
		return (b + 1);
	return (NULL);
}

/* backend_of_dir - the backend the run directory says it is served by. */
const struct backend *
backend_of_dir(int dirfd)
{
	const struct backend	*b;
	char			 buf[32];
	ssize_t			 n;
	int			 fd;

	if ((fd = openat(dirfd, BACKEND_FILE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return (&backend_list[0]);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if ((b = backend_find(buf)) == NULL)
		return (&backend_list[0]);
	return (b);
}

/* backend_record - say in DIR which backend serves it (atomically). */
int
backend_record(int dirfd, const struct backend *b, char **cause)
{
	static const char tmp[] = BACKEND_FILE ".new";
	int	fd, len = (int)strlen(b->name);

	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1 ||
	    write(fd, b->name, (size_t)len) != len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 ||
	    renameat(dirfd, tmp, dirfd, BACKEND_FILE) == -1) {
		xasprintf(cause, "%s: %s", BACKEND_FILE, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

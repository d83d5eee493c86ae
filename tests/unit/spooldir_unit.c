/*
 * spooldir_unit.c - unit tests of common/spooldir.c: the default
 * spool of the default run directory and of another one, and that
 * tmpfs is told apart from a disk.
 */
#include <sys/stat.h>
#include <sys/vfs.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spooldir.h"

static void
spooldir_defaults(void **state)
{
	char	*p;

	(void)state;
	/* Another run directory keeps its spool inside itself. */
	p = spooldir_default("/tmp/x", "/run/ipcmail", "/var/spool/ipcmail");
	assert_string_equal(p, "spool");
	free(p);
	/* The default one: configure's path. */
	p = spooldir_default("/run/ipcmail", "/run/ipcmail",
	    "/var/spool/ipcmail");
	assert_string_equal(p, "/var/spool/ipcmail");
	free(p);
	/* None configured: the user's state directory. */
	setenv("XDG_STATE_HOME", "/home/a/.st", 1);
	p = spooldir_default("/tmp/ipcmail", "/tmp/ipcmail", "");
	assert_string_equal(p, "/home/a/.st/ipcmail/spool");
	free(p);
	/* A relative XDG_STATE_HOME is ignored, as the spec says. */
	setenv("XDG_STATE_HOME", "relative", 1);
	setenv("HOME", "/home/b/", 1);
	p = spooldir_default("/tmp/ipcmail", "/tmp/ipcmail", NULL);
	assert_string_equal(p, "/home/b/.local/state/ipcmail/spool");
	free(p);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/c", 1);
	p = spooldir_default("/tmp/ipcmail", "/tmp/ipcmail", "");
	assert_string_equal(p, "/home/c/.local/state/ipcmail/spool");
	free(p);
}

static void
spooldir_parents_made(void **state)
{
	struct stat	st;
	char		top[] = "/tmp/spooldir_unit.XXXXXX", path[128];
	char		*cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(path, sizeof path, "%s/a/b/spool", top);
	assert_int_equal(spooldir_parents(path, &cause), 0);
	snprintf(path, sizeof path, "%s/a/b", top);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	/* The spool itself is spool_open's to make. */
	snprintf(path, sizeof path, "%s/a/b/spool", top);
	assert_int_equal(access(path, F_OK), -1);
	/* A relative path is inside the run directory: nothing to do. */
	assert_int_equal(spooldir_parents("spool", &cause), 0);
	snprintf(path, sizeof path, "%s/a/b", top);
	rmdir(path);
	snprintf(path, sizeof path, "%s/a", top);
	rmdir(path);
	rmdir(top);
}

static void
spooldir_tmpfs(void **state)
{
	struct statfs	sfs;
	int		dirfd;

	(void)state;
	dirfd = open("/", O_RDONLY | O_DIRECTORY);
	assert_int_not_equal(dirfd, -1);
	/* /dev/shm is a tmpfs wherever POSIX shared memory works. */
	if (statfs("/dev/shm", &sfs) == 0 && sfs.f_type == 0x01021994) {
		assert_non_null(spooldir_volatile(dirfd, "/dev/shm"));
		assert_string_equal(spooldir_volatile(dirfd, "dev/shm"),
		    "the spool is on tmpfs: mail does not survive a reboot");
	}
	/* /proc is no tmpfs; a missing path is not warned about. */
	assert_null(spooldir_volatile(dirfd, "/proc"));
	assert_null(spooldir_volatile(dirfd, "/nonexistent/spool"));
	close(dirfd);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(spooldir_defaults),
		cmocka_unit_test(spooldir_parents_made),
		cmocka_unit_test(spooldir_tmpfs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * conf_unit.c - unit tests of common/conf.c: which lines a
 * configuration file may hold, the arguments they become (before the
 * command line's), and that every error names the file and the line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static const struct option conf_test_opts[] = {
	{ "config", required_argument, NULL, 1 },
	{ "quota", required_argument, NULL, 2 },
	{ "spool", required_argument, NULL, 3 },
	{ "no-spool", no_argument, NULL, 4 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "status", no_argument, NULL, 5 },
	{ NULL, 0, NULL, 0 }
};
static const char *const conf_test_refused[] = { "config", "status", NULL };

/* conf_test_file - a file holding text; its name, to free and unlink. */
static char *
conf_test_file(const char *text)
{
	char	*path = strdup("/tmp/conf_unit.XXXXXX");
	int	 fd;

	assert_non_null(path);
	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return (path);
}

/* conf_test_load - load text with the command line argv; the rc. */
static int
conf_test_load(const char *text, struct conf *conf, int argc, char **argv,
    char **cause, char **path)
{
	*path = conf_test_file(text);
	*cause = NULL;
	return (conf_load(conf, *path, 1, conf_test_opts, conf_test_refused,
	    argc, argv, cause));
}

/* conf_test_error - text fails with "FILE:LINE: " + what. */
static void
conf_test_error(const char *text, int line, const char *what)
{
	struct conf	 conf;
	char		*argv[] = { "prog", NULL }, *cause, *path, *want;

	assert_int_equal(conf_test_load(text, &conf, 1, argv, &cause, &path),
	    -1);
	assert_non_null(cause);
	assert_true(asprintf(&want, "%s:%d: %s", path, line, what) > 0);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	unlink(path);
	free(path);
}

static void
conf_good_lines(void **state)
{
	struct conf	 conf;
	char		*argv[] = { "prog", "--quota=9", "-v", NULL };
	char		*cause, *path;

	(void)state;
	assert_int_equal(conf_test_load(
	    "# a comment\n"
	    "\n"
	    "quota = 100\n"
	    "   \t\n"
	    "  spool=/var/spool/x   # trailing comment\n"
	    "\tno-spool = no\n"
	    "verbose = yes\n"
	    "spool = /a#b\n", &conf, 3, argv, &cause, &path), 0);
	assert_int_equal(conf.argc, 1 + 4 + 2);
	assert_int_equal(conf.first_cli, 5);
	assert_string_equal(conf.argv[0], "prog");
	assert_string_equal(conf.argv[1], "--quota=100");
	assert_string_equal(conf.argv[2], "--spool=/var/spool/x");
	assert_string_equal(conf.argv[3], "--verbose");
	assert_string_equal(conf.argv[4], "--spool=/a#b");
	/* The command line comes last, so getopt lets it win. */
	assert_string_equal(conf.argv[5], "--quota=9");
	assert_string_equal(conf.argv[6], "-v");
	assert_null(conf.argv[7]);
	/* Each file option knows its line; the command line's none. */
	assert_non_null(conf_where(&conf, 2));
	assert_true(strstr(conf_where(&conf, 2), ":3") != NULL);
	assert_true(strstr(conf_where(&conf, 5), ":8") != NULL);
	assert_null(conf_where(&conf, 6));
	assert_null(conf_where(&conf, 1));
	conf_free(&conf);
	unlink(path);
	free(path);
}

static void
conf_missing_file(void **state)
{
	struct conf	 conf;
	char		*argv[] = { "prog", "-v", NULL }, *cause = NULL;

	(void)state;
	/* A missing default file is no error: the command line alone. */
	assert_int_equal(conf_load(&conf, "/nonexistent/ipcmail.conf", 0,
	    conf_test_opts, conf_test_refused, 2, argv, &cause), 0);
	assert_int_equal(conf.argc, 2);
	assert_string_equal(conf.argv[1], "-v");
	assert_null(conf_where(&conf, 2));
	conf_free(&conf);
	/* A missing file asked for is one. */
	assert_int_equal(conf_load(&conf, "/nonexistent/ipcmail.conf", 1,
	    conf_test_opts, conf_test_refused, 2, argv, &cause), -1);
	assert_string_equal(cause, "/nonexistent/ipcmail.conf: No such file "
	    "or directory");
	free(cause);
}

static void
conf_bad_lines(void **state)
{
	(void)state;
	conf_test_error("bogus = 1\n", 1, "unknown key 'bogus'");
	conf_test_error("# fine\n\nquota 5\n", 3,
	    "'quota 5' is not \"key = value\"");
	conf_test_error("quota = 1\n= 5\n", 2, "no key before '='");
	conf_test_error("\n\n\n\nquota =\n", 5, "quota: no value after '='");
	conf_test_error("verbose = maybe\n", 1,
	    "verbose: 'maybe' is not yes or no");
	conf_test_error("quota = 1\nstatus = yes\n", 2,
	    "'status' is for the command line only");
	conf_test_error("config = /etc/other\n", 1,
	    "'config' is for the command line only");
	conf_test_error("Quota = 1\n", 1, "unknown key 'Quota'");
	conf_test_error("--quota = 1\n", 1, "unknown key '--quota'");
}

static void
conf_option_scan(void **state)
{
	char	*a1[] = { "prog", "--config", "/x", "-v", NULL };
	char	*a2[] = { "prog", "--config=/y", NULL };
	char	*a3[] = { "prog", "--", "--config=/z", NULL };
	char	*a4[] = { "prog", "--configx=/z", "--config", NULL };

	(void)state;
	assert_string_equal(conf_option(4, a1, "config"), "/x");
	assert_string_equal(conf_option(2, a2, "config"), "/y");
	assert_null(conf_option(3, a3, "config"));
	assert_null(conf_option(3, a4, "config"));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(conf_good_lines),
		cmocka_unit_test(conf_missing_file),
		cmocka_unit_test(conf_bad_lines),
		cmocka_unit_test(conf_option_scan),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

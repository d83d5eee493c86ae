/*
 * conf.c - the configuration file.  Each line is blank, a comment
 * (from a '#' at its start or after white space) or "key = value",
 * key a long option of the program; a flag takes yes or no.  The
 * lines become "--key=value" arguments put before the command line's,
 * each remembered with its file and line for the program's errors.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "xmalloc.h"

/*
 * conf_option - the argument of --NAME FILE or --NAME=FILE on the
 * command line (the last one given), before getopt sees it; or NULL.
 */
const char *
conf_option(int argc, char **argv, const char *name)
{
	const char	*found = NULL;
	size_t		 len = strlen(name);
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--", 2) != 0 ||
		    strncmp(argv[i] + 2, name, len) != 0)
			continue;
		if (argv[i][2 + len] == '=')
			found = argv[i] + 3 + len;
		else if (argv[i][2 + len] == '\0' && i + 1 < argc)
			found = argv[++i];
	}
	return (found);
}

/* conf_trim - s without its leading and trailing white space. */
static char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/* conf_uncomment - cut a line at its comment. */
static void
conf_uncomment(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* conf_flag - 1 for yes, 0 for no, -1 for anything else. */
static int
conf_flag(const char *v)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		return (1);
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		return (0);
	return (-1);
}

/*
 * conf_line - one line's argument in *arg (NULL for none), or -1
 * with *cause saying why the line is wrong.
 */
static int
conf_line(char *line, const struct option *opts, const char *const *refused,
    char **arg, char **cause)
{
	const struct option	 *o;
	const char *const	 *r;
	char			 *key, *value, *eq;
	int			  f;

	*arg = NULL;
	conf_uncomment(line);
	key = conf_trim(line);
	if (*key == '\0')
		return (0);
	if ((eq = strchr(key, '=')) == NULL) {
		xasprintf(cause, "'%s' is not \"key = value\"", key);
		return (-1);
	}
	*eq = '\0';
	key = conf_trim(key);
	value = conf_trim(eq + 1);
	if (*key == '\0') {
		xasprintf(cause, "no key before '='");
		return (-1);
	}
	for (r = refused; r != NULL && *r != NULL; r++) {
		if (strcmp(*r, key) == 0) {
			xasprintf(cause, "'%s' is for the command line only",
			    key);
			return (-1);
		}
	}
	for (o = opts; o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			break;
	if (o->name == NULL) {
		xasprintf(cause, "unknown key '%s'", key);
		return (-1);
	}
	if (o->has_arg == no_argument) {
		if ((f = conf_flag(value)) == -1) {
			xasprintf(cause, "%s: '%s' is not yes or no", key,
			    value);
			return (-1);
		}
		if (f == 1)
			xasprintf(arg, "--%s", key);
		return (0);
	}
	if (*value == '\0' && o->has_arg == required_argument) {
		xasprintf(cause, "%s: no value after '='", key);
		return (-1);
	}
	xasprintf(arg, "--%s=%s", key, value);
	return (0);
}

/*
 * conf_load - read file (a missing one is no error unless must_exist)
 * and make conf's argv: argv[0], the file's options, then argv[1..].
 * On error -1, with *cause naming the file and the line.
 */
int
conf_load(struct conf *conf, const char *file, int must_exist,
    const struct option *opts, const char *const *refused, int argc,
    char **argv, char **cause)
{
	FILE	*f;
	char	*line = NULL, *arg, *why;
	size_t	 size = 0, n = 0, alloc = 8;
	ssize_t	 len;
	int	 lineno = 0, i;

	memset(conf, 0, sizeof *conf);
	conf->argv = xcalloc(alloc + (size_t)argc + 1, sizeof *conf->argv);
	conf->where = xcalloc(alloc + 1, sizeof *conf->where);
	if ((f = fopen(file, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			goto merge;
		xasprintf(cause, "%s: %s", file, strerror(errno));
		goto fail;
	}
	while ((len = getline(&line, &size, f)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			xasprintf(cause, "%s:%d: a NUL byte", file, lineno);
			goto fail;
		}
		if (conf_line(line, opts, refused, &arg, &why) != 0) {
			xasprintf(cause, "%s:%d: %s", file, lineno, why);
			free(why);
			goto fail;
		}
		if (arg == NULL)
			continue;
		if (n == alloc) {
			alloc *= 2;
			conf->argv = xreallocarray(conf->argv, alloc +
			    (size_t)argc + 1, sizeof *conf->argv);
			conf->where = xreallocarray(conf->where, alloc + 1,
			    sizeof *conf->where);
		}
		n++;
		conf->argv[n] = arg;
		xasprintf(&conf->where[n], "%s:%d", file, lineno);
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", file, strerror(errno));
		goto fail;
	}
	fclose(f);
	f = NULL;

merge:
	conf->argv[0] = xstrdup(argc > 0 ? argv[0] : "");
	conf->first_cli = (int)n + 1;
	for (i = 1; i < argc; i++)
		conf->argv[n + (size_t)i] = xstrdup(argv[i]);
	conf->argc = (int)n + (argc > 0 ? argc : 1);
	conf->argv[conf->argc] = NULL;
	free(line);
	return (0);

fail:
	if (f != NULL)
		fclose(f);
	free(line);
	conf->first_cli = (int)n + 1;
	conf->argc = (int)n + 1;	/* argv[0] is still NULL */
	conf_free(conf);
	return (-1);
}

/*
 * conf_where - "FILE:LINE" of the option getopt_long just read (optind
 * is past it), or NULL if it came from the command line.
 */
const char *
conf_where(const struct conf *conf, int optind_now)
{
	int	i = optind_now - 1;

	if (i >= 1 && i < conf->first_cli)
		return (conf->where[i]);
	return (NULL);
}

/* conf_free - free what conf_load made. */
void
conf_free(struct conf *conf)
{
	int	i;

	if (conf->argv != NULL) {
		for (i = 0; i < conf->argc; i++)
			free(conf->argv[i]);
		free(conf->argv);
	}
	if (conf->where != NULL) {
		for (i = 1; i < conf->first_cli; i++)
			free(conf->where[i]);
		free(conf->where);
	}
	memset(conf, 0, sizeof *conf);
}

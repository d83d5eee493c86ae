/*
 * conf.h - a program's configuration file: "key = value" lines, the
 * keys being the program's long option names, turned into long
 * options put before the command line's, so getopt_long reads both
 * and the command line wins.
 */
#ifndef CONF_H
#define CONF_H

#include <getopt.h>

struct conf {
	int	  argc;		/* argv[0], the file's options, the command line */
	char	**argv;
	int	  first_cli;	/* index in argv of the command line's first */
	char	**where;	/* "FILE:LINE" of argv[1 .. first_cli - 1] */
};

const char *conf_option(int, char **, const char *);
int	conf_load(struct conf *, const char *, int, const struct option *,
	    const char *const *, int, char **, char **);
const char *conf_where(const struct conf *, int);
void	conf_free(struct conf *);

#endif

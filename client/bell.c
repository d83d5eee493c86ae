/*
 * bell.c - what a live line does besides being shown: a room line that
 * names the reader (mention.c) is highlighted, and the terminal bell
 * rings once, as `bell on|off|mentions` says (default mentions: for
 * mentions only; on: for every live line; off: never).  The setting is
 * the user's, kept in $XDG_CONFIG_HOME/ipcmail/NAME.conf as a line
 * "bell = mentions"; a malformed file is warned about and the defaults
 * hold.  Nothing is highlighted and nothing rings when stdout is not a
 * terminal; NO_COLOR leaves the highlight out.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "client.h"
#include "display.h"
#include "mbox.h"
#include "mention.h"
#include "xmalloc.h"

static const char *const bell_names[] = { "off", "on", "mentions" };

/* bell_path - the user's settings file; caller frees; NULL: no home. */
static char *
bell_path(const struct client *cl)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home;
	char		*p;

	if (xdg != NULL && xdg[0] == '/')
		xasprintf(&p, "%s/ipcmail/%s.conf", xdg, cl->name);
	else {
		if ((home = getenv("HOME")) == NULL || *home == '\0')
			return (NULL);
		xasprintf(&p, "%s/.config/ipcmail/%s.conf", home, cl->name);
	}
	return (p);
}

/* bell_parse - a setting's name: BELL_*, or -1. */
static int
bell_parse(const char *s)
{
	int	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, bell_names[i]) == 0)
			return (i);
	return (-1);
}

/* bell_trim - s without white space around it (in place). */
static char *
bell_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/*
 * bell_load - the user's setting, once: mentions when there is no file;
 * a file that does not read as "bell = on|off|mentions" lines (and '#'
 * comments) gives a warning and the default.
 */
void
bell_load(struct client *cl)
{
	char	*path, line[256], *p, *eq, *why = NULL;
	FILE	*f;
	int	 lineno = 0, v, mode = BELL_MENTIONS;

	cl->bell_loaded = 1;
	cl->bell_mode = BELL_MENTIONS;
	if ((path = bell_path(cl)) == NULL)
		return;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno != ENOENT)
			fprintf(stderr, "mailcli: %s: %s: using the defaults "
			    "(bell mentions)\n", path, strerror(errno));
		free(path);
		return;
	}
	while (why == NULL && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			xasprintf(&why, "line %d is too long", lineno);
			break;
		}
		p = bell_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			xasprintf(&why, "line %d is not \"key = value\"",
			    lineno);
			break;
		}
		*eq = '\0';
		if (strcmp(bell_trim(p), "bell") != 0) {
			xasprintf(&why, "line %d: unknown setting '%.40s'",
			    lineno, bell_trim(p));
			break;
		}
		if ((v = bell_parse(bell_trim(eq + 1))) == -1) {
			xasprintf(&why, "line %d: bell is on, off or mentions, "
			    "not '%.40s'", lineno, bell_trim(eq + 1));
			break;
		}
		mode = v;
	}
	fclose(f);
	if (why != NULL) {
		fprintf(stderr, "mailcli: %s: %s: using the defaults (bell "
		    "mentions)\n", path, why);
		free(why);
	} else
		cl->bell_mode = mode;
	free(path);
}

/* bell_save - write the setting; 0, or -1 said. */
static int
bell_save(struct client *cl, int mode)
{
	char	*path, *tmp;
	FILE	*f;
	int	 rc = -1;

	if ((path = bell_path(cl)) == NULL) {
		cmd_error(CLI_EXIT_USAGE, "bell: no $HOME or "
		    "$XDG_CONFIG_HOME to keep the setting in");
		return (-1);
	}
	mbox_mkdirs(path);
	xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "we")) == NULL ||
	    fprintf(f, "# mailcli's settings for %s\nbell = %s\n", cl->name,
	    bell_names[mode]) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		cmd_error(CLI_EXIT_USAGE, "bell: %s: %s", tmp,
		    strerror(errno));
		if (f != NULL)
			fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		cmd_error(CLI_EXIT_USAGE, "bell: %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return (rc);
}

/* bell_cmd - bell [on|off|mentions]: set it, or show it. */
int
bell_cmd(struct client *cl, int argc, char **argv)
{
	int	mode;

	if (!cl->bell_loaded)
		bell_load(cl);
	if (argc == 1) {
		screen_print(cl, "bell %s\n", bell_names[cl->bell_mode]);
		return (CLI_EXIT_OK);
	}
	if (argc != 2 || (mode = bell_parse(argv[1])) == -1)
		return (cmd_error(CLI_EXIT_USAGE, "usage: bell "
		    "[on|off|mentions]"));
	if (bell_save(cl, mode) != 0)
		return (CLI_EXIT_USAGE);
	cl->bell_mode = mode;
	if (cl->interactive)
		screen_print(cl, "bell %s\n", bell_names[mode]);
	return (CLI_EXIT_OK);
}

/*
 * bell_highlight - the terminal's bold (else reverse video, else
 * standout) and its way back to normal; NULL when it has none, or
 * NO_COLOR is set.
 */
static const char *
bell_highlight(struct client *cl, const char **end)
{
	const char	*on;
	int		 err;

	*end = NULL;
	if (getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0')
		return (NULL);
	if (!cl->term_loaded) {
		cl->term_loaded = 1;
		cl->term_ok = setupterm(NULL, STDOUT_FILENO, &err) == 0;
	}
	if (!cl->term_ok)
		return (NULL);
	on = tigetstr("bold");
	if (on == NULL || on == (char *)-1)
		on = tigetstr("rev");
	if (on == NULL || on == (char *)-1)
		on = tigetstr("smso");
	*end = tigetstr("sgr0");
	if (on == NULL || on == (char *)-1 || *end == NULL ||
	    *end == (char *)-1)
		return (NULL);
	return (on);
}

/*
 * bell_show - a live line (buf, len: another user's bytes) to the
 * screen: through the display filter, highlighted if it is a room
 * line that names the reader, and with the bell when the setting says.
 */
void
bell_show(struct client *cl, const struct mail *m, const char *buf,
    size_t len)
{
	const char	*on = NULL, *end = NULL;
	char		*safe, *out;
	size_t		 n, olen;
	int		 mention, ring;

	if (!display_is_terminal(STDOUT_FILENO)) {
		screen_show(cl, buf, len);
		return;
	}
	if (!cl->bell_loaded)
		bell_load(cl);
	mention = m->to[0] == '#' && strcmp(m->from, cl->name) != 0 &&
	    mention_match((const char *)m->body, m->len, cl->name);
	ring = cl->bell_mode == BELL_ON || (cl->bell_mode == BELL_MENTIONS && mention);
	if (mention)
		on = bell_highlight(cl, &end);
	safe = display_text(buf, len, &n);
	/* The highlight ends before the newline, so the prompt is plain. */
	if (n > 0 && safe[n - 1] == '\n')
		n--;
	olen = n + (on != NULL ? strlen(on) + strlen(end) : 0) + 2;
	out = xmalloc(olen + 1);
	snprintf(out, olen + 1, "%s%.*s%s%s\n", on != NULL ? on : "", (int)n,
	    safe, on != NULL ? end : "", ring ? "\a" : "");
	screen_write(cl, out, strlen(out));
	free(out);
	free(safe);
}

/*
 * talk.c - conversation mode, as write(1) and weechat's /query have it:
 * after `talk bob` (or `talk #ops`) the prompt is "bob> ", every line
 * typed goes to bob, a line beginning with '/' is a command, and /end
 * (or Ctrl-D on an empty line) leaves.  Lines from the one talked to
 * are shown without the "[N]" or room prefix.  The shell routes lines
 * here (talk_line) and asks for the prompt (talk_prompt).
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "name.h"
#include "xmalloc.h"

int
talk_cmd(struct client *cl, int argc, char **argv)
{
	if (!cl->interactive)
		return (cmd_error(CLI_EXIT_USAGE, "talk needs an interactive "
		    "session (run mailcli without a command)"));
	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: talk USER|#ROOM"));
	if (!name_valid(argv[1]) && !name_room_valid(argv[1]))
		return (cmd_error(CLI_EXIT_NAME, "invalid user or room name "
		    "'%s'", argv[1]));
	memset(cl->talk, 0, sizeof cl->talk);
	strncpy(cl->talk, argv[1], sizeof cl->talk - 1);
	screen_print(cl, "Talking to %s: lines go to %s; /end leaves, /CMD "
	    "runs a command.\n", cl->talk, cl->talk);
	return (CLI_EXIT_OK);
}

/* talk_end - leave conversation mode (/end, or Ctrl-D). */
int
talk_end(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cl->talk[0] == '\0')
		return (cmd_error(CLI_EXIT_USAGE, "not talking to anyone"));
	screen_print(cl, "No longer talking to %s.\n", cl->talk);
	cl->talk[0] = '\0';
	return (CLI_EXIT_OK);
}

/* talk_active - in conversation mode? */
int
talk_active(const struct client *cl)
{
	return (cl->talk[0] != '\0');
}

/*
 * talk_line - a line typed in conversation mode: a command after '/',
 * else a message to the one talked to.  0 if not in that mode (the
 * shell runs the line as a command).
 */
int
talk_line(struct client *cl, const char *line)
{
	char	**argv, *copy;
	int	  argc;

	if (!talk_active(cl))
		return (0);
	if (line[0] == '/') {
		copy = xstrdup(line + 1);
		argc = cmd_split(copy, &argv);
		if (argc == 1 && strcmp(argv[0], "end") == 0)
			talk_end(cl, argc, argv);
		else
			cmd_run(cl, argc, argv);
		free(argv);
		free(copy);
		return (1);
	}
	if (line[strspn(line, " \t")] == '\0')
		return (1);		/* nothing to say */
	cmd_post_text(cl, cl->talk, line);
	return (1);
}

/* talk_prompt - "bob> " while talking to bob, else NULL. */
const char *
talk_prompt(struct client *cl, char *buf, size_t size)
{
	if (!talk_active(cl))
		return (NULL);
	snprintf(buf, size, "%s> ", cl->talk);
	return (buf);
}

/*
 * talk_show - a live line from the one talked to, as "bob (12:00):
 * text" (text, tlen: its body as shown), without the list number or
 * the room.  0 if m is not one.
 */
int
talk_show(struct client *cl, const struct mail *m, const uint8_t *text,
    size_t tlen)
{
	char		 when[32], *head, *buf;
	time_t		 t = (time_t)m->date;
	struct tm	 tm;
	size_t		 len;
	int		 n;

	if (!talk_active(cl))
		return (0);
	if (cl->talk[0] == '#' ? strcmp(m->to, cl->talk) != 0 :
	    strcmp(m->from, cl->talk) != 0 || m->to[0] == '#')
		return (0);
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M", &tm);
	if ((n = asprintf(&head, "%s (%s): ", m->from, when)) < 0)
		return (0);
	buf = xmalloc((size_t)n + tlen + 1);
	memcpy(buf, head, (size_t)n);
	memcpy(buf + n, text, tlen);
	len = (size_t)n + tlen;
	if (tlen == 0 || text[tlen - 1] != '\n')
		buf[len++] = '\n';
	bell_show(cl, m, buf, len);
	free(buf);
	free(head);
	return (1);
}

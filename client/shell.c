/*
 * shell.c - the interactive session: a readline prompt (history kept
 * across runs, tab completion of commands and online names) driven by
 * readline's callback interface from one poll() loop over the
 * terminal, the input helper's pipe and the signal self-pipe.  What
 * arrives unasked (live mail, wall messages) is printed above the
 * prompt through screen.c, and the half-typed line is put back as it
 * was.  When
 * mailserv goes away the session stays, and the same loop tries to
 * connect again (reconnect.c) until one serves the directory.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "client.h"
#include "display.h"
#include "io.h"
#include "log.h"
#include "mbox.h"
#include "plural.h"
#include "sig.h"
#include "xmalloc.h"

#define SHELL_PROMPT	"mailcli> "
#define SHELL_HISTORY	500
#define SHELL_ALIVE_MS	1000

/* readline's callbacks take no argument: the session they serve. */
static struct client *shell_client;

/* shell_async - what the server sends unasked. */
static void
shell_async(void *arg, const struct record *rec, struct mail *m)
{
	struct client		*cl = arg;
	struct proto_wallmsg	 w;
	char			 text[PROTO_TEXT_MAX + 1];
	size_t			 len;

	switch (rec->hdr.type) {
	case REC_MAIL:
		cmd_show_live(cl, m);
		break;
	case REC_WALLMSG:
		memset(&w, 0, sizeof w);
		memcpy(&w, rec->payload, rec->hdr.len < sizeof w ?
		    rec->hdr.len : sizeof w);
		w.from[PROTO_NAME_MAX] = '\0';
		w.text[sizeof w.text - 1] = '\0';
		screen_showf(cl, "*** wall from %s: %s\n", w.from, w.text);
		break;
	case REC_NOTICE:
		len = rec->hdr.len < PROTO_TEXT_MAX ? rec->hdr.len :
		    PROTO_TEXT_MAX;
		memcpy(text, rec->payload, len);
		text[len] = '\0';
		screen_showf(cl, "*** %s\n", text);
		break;
	case REC_LOGOUT:		/* conn_next kept why */
		/* A stopping mailserv is one going away, not a kick. */
		if (cl->conn.logout == PROTO_E_NOSERVER)
			cl->conn.gone = 1;
		else
			cl->quit = 1;
		break;
	}
}

/* shell_prompt - the prompt of the mode the session is in. */
static const char *
shell_prompt(struct client *cl, char *buf, size_t size)
{
	const char	*p;

	if (compose_active(cl))
		return ("");
	if ((p = talk_prompt(cl, buf, size)) == NULL)
		p = SHELL_PROMPT;
	return (p);
}

/* shell_set_prompt - readline's prompt, after a line. */
static void
shell_set_prompt(struct client *cl)
{
	char	buf[PROTO_NAME_MAX + 8];

	if (cl->readline)
		rl_set_prompt(shell_prompt(cl, buf, sizeof buf));
}

/* shell_line - one line the user typed (NULL at end of input). */
static void
shell_line(char *line)
{
	struct client	*cl = shell_client;
	char		**argv, *copy, buf[PROTO_NAME_MAX + 8];
	int		  argc;

	/* Ctrl-D on an empty line leaves a message or a conversation
	 * first; at the plain prompt it quits. */
	if (line == NULL && (compose_active(cl) || talk_active(cl))) {
		cl->in_command = 1;	/* no prompt to put back meanwhile */
		/* Past its end-of-file readline leaves the terminal as it
		 * is: a handler installed anew sets it up again. */
		if (cl->readline) {
			rl_callback_handler_remove();
			rl_eof_found = 0;
			RL_UNSETSTATE(RL_STATE_EOF);
		}
		if (!compose_abandon(cl))
			talk_end(cl, 0, NULL);
		cl->in_command = 0;
		if (cl->readline)
			rl_callback_handler_install(shell_prompt(cl, buf,
			    sizeof buf), shell_line);
		return;
	}
	if (line == NULL) {
		cl->quit = 1;
		if (cl->readline) {
			rl_callback_handler_remove();
			printf("\n");
		}
		return;
	}
	if (*line != '\0' && cl->readline)
		add_history(line);
	if (*line != '\0')
		presence_typed(cl);
	cl->in_command = 1;
	if (!compose_line(cl, line) && !talk_line(cl, line)) {
		copy = xstrdup(line);
		argc = cmd_split(copy, &argv);
		cmd_run(cl, argc, argv);
		free(argv);
		free(copy);
	}
	cl->in_command = 0;
	free(line);
	shell_set_prompt(cl);
	if (cl->quit && cl->readline)
		rl_callback_handler_remove();	/* no prompt after quit */
}

static char *
shell_complete_cmd(const char *text, int state)
{
	static size_t	i;
	const char	*name;

	if (state == 0)
		i = 0;
	while ((name = cmd_name(i++)) != NULL)
		if (strncmp(name, text, strlen(text)) == 0)
			return (xstrdup(name));
	return (NULL);
}

/*
 * shell_complete_list - readline's generator over the list FETCH gives
 * (fetched anew when state is 0): its next entry that starts with TEXT.
 */
static char *
shell_complete_list(const char *text, int state,
    char **(*fetch)(struct client *, size_t *))
{
	static char	**names;
	static size_t	  n, i;
	char		 *r;

	if (state == 0) {
		for (i = 0; names != NULL && i < n; i++)
			free(names[i]);
		free(names);
		names = fetch(shell_client, &n);
		i = 0;
	}
	while (names != NULL && i < n) {
		r = names[i++];
		if (strncmp(r, text, strlen(text)) == 0)
			return (xstrdup(r));
	}
	return (NULL);
}

/* shell_complete_name - the names online now. */
static char *
shell_complete_name(const char *text, int state)
{
	return (shell_complete_list(text, state, cmd_online));
}

/* shell_complete_room - the rooms this user may see. */
static char *
shell_complete_room(const char *text, int state)
{
	return (shell_complete_list(text, state, room_names));
}

/* shell_complete_slash - "/CMD" in conversation mode. */
static char *
shell_complete_slash(const char *text, int state)
{
	static size_t	i;
	const char	*name;
	char		*r;

	if (state == 0)
		i = 0;
	while ((name = cmd_name(i++)) != NULL)
		if (strncmp(name, text + 1, strlen(text + 1)) == 0) {
			xasprintf(&r, "/%s", name);
			return (r);
		}
	return (NULL);
}

/*
 * shell_complete - commands first, then rooms ('#...') or online names;
 * in conversation mode "/..." completes a command, other words names.
 */
static char **
shell_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	if (start == 0 && text[0] == '/')
		return (rl_completion_matches(text, shell_complete_slash));
	if (start == 0 && !talk_active(shell_client))
		return (rl_completion_matches(text, shell_complete_cmd));
	if (text[0] == '#')
		return (rl_completion_matches(text, shell_complete_room));
	return (rl_completion_matches(text, shell_complete_name));
}

static char *
shell_history_path(void)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home;
	char		*p;

	if (xdg != NULL && xdg[0] == '/')
		xasprintf(&p, "%s/ipcmail/history", xdg);
	else {
		if ((home = getenv("HOME")) == NULL || *home == '\0')
			return (NULL);
		xasprintf(&p, "%s/.local/share/ipcmail/history", home);
	}
	mbox_mkdirs(p);
	return (p);
}

/* shell_plain_input - read lines from a non-terminal stdin. */
static void
shell_plain_input(struct client *cl, char *buf, size_t *len, size_t size)
{
	ssize_t	 n;
	char	*nl;

	n = io_read_some(STDIN_FILENO, buf + *len, size - 1 - *len);
	if (n <= 0) {
		if (*len > 0) {
			buf[*len] = '\0';
			shell_line(xstrdup(buf));
			*len = 0;
		}
		if (!cl->quit)
			shell_line(NULL);
		return;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL && !cl->quit) {
		*nl = '\0';
		shell_line(xstrdup(buf));
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len + 1);
	}
	if (*len == size - 1)	/* an endless line: take it as it is */
		*len = 0;
}

/* shell_signals - handle what the self-pipe says. */
static void
shell_signals(struct client *cl)
{
	int	signo, abandoned;

	while ((signo = sig_next(cl->sigfd)) != 0) {
		switch (signo) {
		case SIGCHLD:		/* the main loop sees what it means */
			helper_reap(&cl->conn);
			break;
		case SIGINT:
			/* Abandoning a message says so on a line of its own. */
			abandoned = compose_abandon(cl);
			if (cl->readline) {
				shell_set_prompt(cl);
				rl_replace_line("", 0);
				if (!abandoned)
					printf("\n");
				rl_on_new_line();
				rl_redisplay();
			}
			break;
		case SIGWINCH:
			if (cl->readline)
				rl_resize_terminal();
			break;
		default:	/* SIGTERM, SIGHUP */
			cl->quit = 1;
		}
	}
}

/*
 * shell_hangup - the terminal hung up under the session: leave its
 * process group, on the way out.  The kernel ends a terminal in steps:
 * its reads see end-of-file (and poll POLLHUP) at once, and only when
 * the terminal's session leader (the pane's or the login's shell) dies
 * does the foreground process group get SIGHUP and SIGCONT.  The session
 * is leaving already; a SIGCONT landing in its exit cancels the stop a
 * sanitizer build's leak check at exit waits for, and it then waits
 * forever.  A session leader cannot leave (EPERM): it got both signals
 * first.  The helpers stay in the group, and SIGHUP ends them too.
 */
static void
shell_hangup(void)
{
	if (getpgrp() != getpid() && setpgid(0, 0) == 0)
		log_trace("session", "terminal hung up: left its process "
		    "group");
}

/*
 * shell_lost - the connection is gone.  Kicked: the session ends.
 * Otherwise mailserv went away (died, or said it stops): reconnect,
 * unless --reconnect 0.
 */
static void
shell_lost(struct client *cl)
{
	if ((cl->conn.logout != 0 && cl->conn.logout != PROTO_E_NOSERVER) ||
	    cl->reconnect_s == 0) {
		cl->quit = 1;
		return;
	}
	reconnect_lost(cl, cl->reconnect_s);
	screen_print(cl, "mailserv went away; reconnecting...\n");
}

/*
 * shell_reconnect - a try, if one is due.  Once in: the listing (it
 * makes the session real; a refusal comes here), the sends that were
 * not answered, and what came meanwhile.  -1 (quit) with *code and
 * *cause (NULL if said already) when given up or refused.
 */
static int
shell_reconnect(struct client *cl, int *code, char **cause)
{
	size_t	before = cl->list.n, i, fresh = 0;
	int	rc;

	if ((rc = reconnect_try(cl, 1, code, cause)) != 0)
		return (rc);
	if ((rc = cmd_refresh(cl)) != CLI_EXIT_OK) {
		if (rc == CLI_EXIT_NOSERVER) {
			cl->conn.gone = 1;	/* lost again: try again */
			return (1);
		}
		*code = rc;		/* refused: cmd_refresh said why */
		return (-1);
	}
	screen_print(cl, "reconnected\n");
	if (cmd_resend(cl) != CLI_EXIT_OK)
		return (1);
	for (i = before; i < cl->list.n; i++)
		fresh += cl->list.v[i].state == MSG_UNREAD;
	if (fresh == 0)
		screen_print(cl, "No new messages.\n");
	else
		screen_print(cl, "You have %zu new %s.\n", fresh,
		    plural(fresh, "message", "messages"));
	return (0);
}

/* shell_run - the interactive session; returns the exit code. */
int
shell_run(struct client *cl)
{
	struct pollfd	 pfd[3];
	struct record	 rec;
	struct mail	 m;
	char		*history, plain[8192], *cause = NULL;
	size_t		 plainlen = 0;
	int		 rc = 0, code = CLI_EXIT_OK, away, timeout, tty;

	shell_client = cl;
	cl->conn.async = shell_async;
	cl->conn.async_arg = cl;
	tty = isatty(STDIN_FILENO);
	cl->readline = tty && isatty(STDOUT_FILENO);
	history = shell_history_path();
	printf("You have %u new %s.\n", cl->unread,
	    plural(cl->unread, "message", "messages"));
	/* Number what waits now, as mail(1) does, before live mail. */
	/* A refusal may come now, when the session is confirmed. */
	if ((rc = cmd_refresh(cl)) != CLI_EXIT_OK &&
	    rc != CLI_EXIT_NOSERVER) {
		code = rc;
		cl->quit = 1;
	}
	rc = 0;
	/* "#ops: 12 new lines", a room a line. */
	if (!cl->quit)
		room_unread(cl, 1);
	fflush(stdout);
	if (cl->readline) {
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		rl_readline_name = "mailcli";
		rl_attempted_completion_function = shell_complete;
		stifle_history(SHELL_HISTORY);
		if (history != NULL)
			read_history(history);
		rl_callback_handler_install(SHELL_PROMPT, shell_line);
	}
	while (!cl->quit) {
		/* Records a command's wait read ahead are handled first. */
		while (!reconnect_away(cl) && !cl->quit && !cl->conn.gone &&
		    (rc = conn_next(&cl->conn, &rec, &m, 0)) == 1) {
			shell_async(cl, &rec, &m);
			if (rec.hdr.type == REC_MAIL)
				mail_free(&m);
		}
		if (cl->quit)
			break;
		if (!reconnect_away(cl) && (rc == -1 || cl->conn.gone)) {
			shell_lost(cl);
			continue;
		}
		away = reconnect_away(cl);
		pfd[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = away ? -1 : cl->conn.in,
		    .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = cl->sigfd, .events = POLLIN };
		/* Wake each second to check the server is alive: its death
		 * is end-of-file on the reply FIFO only if nobody else holds
		 * the FIFO open for writing.  Away, wake for the next try. */
		timeout = SHELL_ALIVE_MS;
		if (away && reconnect_timeout(cl) < timeout)
			timeout = reconnect_timeout(cl);
		if ((rc = poll(pfd, 3, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (rc == 0 && !away && cl->conn.server_pid > 0 &&
		    kill(cl->conn.server_pid, 0) == -1 && errno == ESRCH) {
			cl->conn.gone = 1;
			continue;
		}
		/* A terminal never says POLLHUP but when it is gone. */
		if (tty && (pfd[0].revents & (POLLHUP | POLLERR)))
			shell_hangup();
		if (pfd[2].revents)
			shell_signals(cl);
		if (away && !cl->quit &&
		    shell_reconnect(cl, &code, &cause) == -1)
			break;
		if (!away && pfd[1].revents) {
			rc = conn_next(&cl->conn, &rec, &m, CONN_TIMEOUT_MS);
			if (rc == 1) {
				shell_async(cl, &rec, &m);
				if (rec.hdr.type == REC_MAIL)
					mail_free(&m);
			}
		}
		if (!cl->quit && pfd[0].revents) {
			if (cl->readline)
				rl_callback_read_char();
			else
				shell_plain_input(cl, plain, &plainlen,
				    sizeof plain);
		}
	}
	if (cl->readline) {
		rl_callback_handler_remove();	/* harmless if done already */
		if (history != NULL) {
			if (write_history(history) != 0)
				fprintf(stderr, "mailcli: history %s: %s\n",
				    history, strerror(errno));
		}
	}
	free(history);
	if (code != CLI_EXIT_OK) {	/* given up, or refused */
		if (cause != NULL)
			fprintf(stderr, "mailcli: %s\n", cause);
		free(cause);
		cmd_unsent(cl);
		return (code);
	}
	if (reconnect_away(cl))		/* quit while away */
		return (cmd_unsent(cl) > 0 ? CLI_EXIT_NOSERVER : CLI_EXIT_OK);
	if (cl->conn.logout != 0) {
		fprintf(stderr, "mailcli: %s\n", cl->conn.logout_text);
		cmd_unsent(cl);
		return (cmd_exit_code(cl->conn.logout));
	}
	if (cl->conn.gone) {
		fprintf(stderr, "mailcli: mailserv in %s has gone away\n",
		    cl->dir);
		cmd_unsent(cl);
		return (CLI_EXIT_NOSERVER);
	}
	return (CLI_EXIT_OK);
}

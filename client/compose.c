/*
 * compose.c - writing a message in the interactive client: `send bob`
 * without text opens $VISUAL, else $EDITOR, on a private temporary
 * file, and sends what it holds when the editor exits (live lines that
 * arrive meanwhile wait in the reply pipe and are shown after it);
 * with neither set, the lines typed until one holding only "." are the
 * body (mail(1)'s convention), and Ctrl-C abandons.  An empty body is
 * not sent.  The shell routes typed lines here while one is composed.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "io.h"
#include "xmalloc.h"

/* compose_editor - $VISUAL, else $EDITOR, or NULL. */
static const char *
compose_editor(void)
{
	const char	*e;

	if ((e = getenv("VISUAL")) != NULL && *e != '\0')
		return (e);
	if ((e = getenv("EDITOR")) != NULL && *e != '\0')
		return (e);
	return (NULL);
}

/* compose_blank - nothing but white space? */
static int
compose_blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			return (0);
	return (1);
}

/* compose_read - up to limit bytes of fd; NULL on a read error. */
static char *
compose_read(int fd, size_t limit, size_t *len)
{
	char	*buf = xmalloc(limit + 1);
	ssize_t	 n = 0;

	*len = 0;
	while (*len < limit && (n = io_read_some(fd, buf + *len,
	    limit - *len)) > 0)
		*len += (size_t)n;
	if (n == -1) {
		free(buf);
		return (NULL);
	}
	buf[*len] = '\0';
	return (buf);
}

/* compose_send - the body to each target, "Sent to" for each. */
static int
compose_send(struct client *cl, char **to, int n, const char *subject,
    const char *body, size_t len)
{
	int	i, rc, first = CLI_EXIT_OK;

	if (len > cl->max_body) {
		screen_print(cl, "The message is too large (more than %u "
		    "bytes): nothing sent.\n", cl->max_body);
		return (CLI_EXIT_TOOBIG);
	}
	if (compose_blank(body, len)) {
		screen_print(cl, "Empty message: nothing sent.\n");
		return (CLI_EXIT_USAGE);
	}
	for (i = 0; i < n; i++) {
		rc = cmd_post_body(cl, to[i], subject, (const uint8_t *)body,
		    len);
		if (rc == CLI_EXIT_OK)
			screen_print(cl, "Sent to %s.\n", to[i]);
		else if (first == CLI_EXIT_OK)
			first = rc;
		if (rc == CLI_EXIT_NOSERVER)
			break;
	}
	return (first);
}

/*
 * compose_run_editor - edit a fresh private file with editor; its
 * contents (caller frees) or NULL with the reason said.
 */
static char *
compose_run_editor(struct client *cl, const char *editor, size_t *len)
{
	char		 path[] = "/tmp/mailcli-compose.XXXXXX", *body = NULL;
	const char	*tmp = getenv("TMPDIR");
	char		*file;
	sigset_t	 all, old;
	pid_t		 pid;
	int		 fd, status;

	if (tmp != NULL && tmp[0] == '/')
		xasprintf(&file, "%s/mailcli-compose.XXXXXX", tmp);
	else
		file = xstrdup(path);
	if ((fd = mkstemp(file)) == -1) {
		cmd_error(CLI_EXIT_USAGE, "compose: %s: %s", file,
		    strerror(errno));
		free(file);
		return (NULL);
	}
	close(fd);
	fflush(stdout);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, file,
		    (char *)NULL);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		cmd_error(CLI_EXIT_USAGE, "compose: fork: %s", strerror(errno));
		goto out;
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		screen_print(cl, "The editor (%s) failed: nothing sent.\n",
		    editor);
		goto out;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (body = compose_read(fd, (size_t)cl->max_body + 1, len)) == NULL)
		cmd_error(CLI_EXIT_USAGE, "compose: %s: %s", file,
		    strerror(errno));
	if (fd != -1)
		close(fd);
out:
	unlink(file);
	free(file);
	return (body);
}

/*
 * compose_start - `send [-s SUBJECT] TO[,TO...]` without text, in a
 * session: the editor now, or the lines from here on.  An exit code.
 */
int
compose_start(struct client *cl, char **to, int n, const char *subject)
{
	const char	*editor = compose_editor();
	struct compose	*c = &cl->compose;
	char		*body;
	size_t		 len;
	int		 i, rc;

	if (editor != NULL) {
		if ((body = compose_run_editor(cl, editor, &len)) == NULL)
			return (CLI_EXIT_USAGE);
		rc = compose_send(cl, to, n, subject, body, len);
		free(body);
		return (rc);
	}
	memset(c, 0, sizeof *c);
	c->active = 1;
	c->n = n;
	c->subject = xstrdup(subject);
	c->to = xcalloc((size_t)n, sizeof *c->to);
	for (i = 0; i < n; i++)
		c->to[i] = xstrdup(to[i]);
	screen_print(cl, "Type the message; a line holding only '.' sends "
	    "it, Ctrl-C abandons.\n");
	return (CLI_EXIT_OK);
}

/* compose_clear - no message under way any more. */
static void
compose_clear(struct compose *c)
{
	int	i;

	for (i = 0; i < c->n; i++)
		free(c->to[i]);
	free(c->to);
	free(c->subject);
	free(c->body);
	memset(c, 0, sizeof *c);
}

/* compose_active - a message is being typed? */
int
compose_active(const struct client *cl)
{
	return (cl->compose.active);
}

/* compose_line - a typed line of the body, or "." to send.  0: none. */
int
compose_line(struct client *cl, const char *line)
{
	struct compose	*c = &cl->compose;
	size_t		 n = strlen(line);

	if (!c->active)
		return (0);
	if (strcmp(line, ".") == 0) {
		c->active = 0;		/* what is sent shows no prompt */
		compose_send(cl, c->to, c->n, c->subject, c->body != NULL ?
		    c->body : "", c->len);
		compose_clear(c);
		return (1);
	}
	if (c->len + n + 1 > cl->max_body) {
		screen_print(cl, "The message is too large (more than %u "
		    "bytes): abandoned.\n", cl->max_body);
		compose_clear(c);
		return (1);
	}
	c->body = xreallocarray(c->body, c->len + n + 2, 1);
	memcpy(c->body + c->len, line, n);
	c->len += n;
	c->body[c->len++] = '\n';
	c->body[c->len] = '\0';
	return (1);
}

/* compose_abandon - Ctrl-C (or the end of input) while composing. */
int
compose_abandon(struct client *cl)
{
	if (!cl->compose.active)
		return (0);
	compose_clear(&cl->compose);
	screen_print(cl, "Message abandoned: nothing sent.\n");
	return (1);
}

/*
 * sendmail.c - mail to another host: a complete RFC 5322 message
 * handed to the host's MTA through sendmail(8), as mutt and git
 * send-email do it (`sendmail -oi -- ADDRESS`, never -t).  It runs as
 * the sending user, so the MTA knows who sent it (doc/mta.md).  What the
 * MTA refuses is kept in dead.letter beside the user's mbox.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "io.h"
#include "mbox.h"
#include "rfc5322.h"
#include "xmalloc.h"

#define SENDMAIL_DEFAULT	"/usr/sbin/sendmail"

/* sendmail_path - --sendmail, else $IPCMAIL_SENDMAIL, else the default. */
static const char *
sendmail_path(const struct client *cl)
{
	const char	*p = getenv("IPCMAIL_SENDMAIL");

	if (cl->sendmail != NULL)
		return (cl->sendmail);
	return (p != NULL && *p != '\0' ? p : SENDMAIL_DEFAULT);
}

/*
 * sendmail_run - feed msg to `path -oi -- to`; 0 when it exited 0,
 * else -1 with cause.
 */
static int
sendmail_run(const char *path, const char *to, const char *msg, size_t len,
    char **cause)
{
	int	 in[2], err[2], status, code = 0;
	pid_t	 pid;
	ssize_t	 n;

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		close(err[0]);
		close(err[1]);
		return (-1);
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl(path, path, "-oi", "--", to, (char *)NULL);
		code = errno;
		(void)!write(err[1], &code, sizeof code);
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	/* SIGPIPE is ignored (sig_init): a sendmail that stops reading
	 * is an EPIPE here, and its exit status says why. */
	(void)io_write_all(in[1], msg, len);
	close(in[1]);
	n = read(err[0], &code, sizeof code);
	close(err[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n == sizeof code) {
		xasprintf(cause, "cannot run %s: %s", path, strerror(code));
		return (-1);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if (WIFEXITED(status))
		xasprintf(cause, "%s exited with status %d", path,
		    WEXITSTATUS(status));
	else
		xasprintf(cause, "%s was killed by signal %d", path,
		    WTERMSIG(status));
	return (-1);
}

/*
 * sendmail_keep - append msg to dead.letter beside the mbox, as an
 * mboxrd entry, fsync'd; its path (allocated), or NULL.
 */
static char *
sendmail_keep(const struct client *cl, const char *from, const char *msg,
    size_t len)
{
	char		*dir, *path, line[128];
	time_t		 t = time(NULL);
	struct tm	 tm;
	size_t		 i, s;
	FILE		*f;
	int		 fd;

	dir = xstrdup(cl->mbox);
	xasprintf(&path, "%s/dead.letter", dirname(dir));
	free(dir);
	mbox_mkdirs(path);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || (f = fdopen(fd, "a")) == NULL) {
		if (fd != -1)
			close(fd);
		free(path);
		return (NULL);
	}
	gmtime_r(&t, &tm);
	strftime(line, sizeof line, "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(f, "From %s %s\n", from, line);
	for (s = 0; s < len; s = i) {
		for (i = s; i < len && msg[i] != '\n'; i++)
			;
		i += i < len;
		if (i - s >= 5 && strncmp(msg + s + strspn(msg + s, ">"),
		    "From ", 5) == 0)
			fputc('>', f);
		fwrite(msg + s, 1, i - s, f);
	}
	fputc('\n', f);
	if (fflush(f) != 0 || fsync(fd) == -1) {
		fclose(f);
		free(path);
		return (NULL);
	}
	fclose(f);
	return (path);
}

/*
 * sendmail_post - send body to the address to (on another host), with
 * subject (clean; NULL or "" for none), as a reply to the message
 * in_reply_to when not NULL.  An exit code: 0 when the MTA took it
 * (queued, not yet delivered), CLI_EXIT_SENDMAIL when it did not.
 */
int
sendmail_post(struct client *cl, const char *to, const char *subject,
    const char *in_reply_to, const uint8_t *body, size_t len)
{
	struct rfc5322_out	 o;
	uint8_t			 id[MAIL_ID_LEN];
	char			 spec[PROTO_ADDR_MAX], idstr[MAIL_ID_STR];
	char			*from, *mid, *msg, *cause = NULL, *kept;
	const char		*path = sendmail_path(cl);
	size_t			 n;
	int			 rc = CLI_EXIT_OK;

	/* An address, only: nothing sendmail could read as an option or
	 * a second recipient. */
	if (rfc5322_addr_spec(to, spec, sizeof spec) != 0 ||
	    strcmp(spec, to) != 0) {
		fprintf(stderr, "mailcli: '%s' is not a mail address (like "
		    "user@example.org)\n", to);
		return (CLI_EXIT_NAME);
	}
	if (len == 0) {
		fprintf(stderr, "mailcli: empty message: nothing sent\n");
		return (CLI_EXIT_USAGE);
	}
	if (len > cl->max_body) {
		fprintf(stderr, "mailcli: message is too large (more than %u "
		    "bytes)\n", cl->max_body);
		return (CLI_EXIT_TOOBIG);
	}
	if (cl->have_send_id)
		memcpy(id, cl->send_id, sizeof id);
	else
		mail_new_id(id);
	mail_id_str(id, idstr);
	xasprintf(&from, "%s@%s", cl->name, cl->mail_domain[0] != '\0' ?
	    cl->mail_domain : "localhost");
	xasprintf(&mid, "%s@%s", idstr, cl->mail_domain[0] != '\0' ?
	    cl->mail_domain : "localhost");
	memset(&o, 0, sizeof o);
	o.from = from;
	o.to = to;
	o.subject = subject;
	o.message_id = mid;
	o.in_reply_to = in_reply_to;
	o.date = time(NULL);
	o.body = body;
	o.bodylen = len;
	n = rfc5322_build(&o, &msg);
	if (sendmail_run(path, to, msg, n, &cause) != 0) {
		kept = sendmail_keep(cl, from, msg, n);
		fprintf(stderr, "mailcli: the host's mail system refused the "
		    "message to %s: %s; %s%s\n", to, cause, kept != NULL ?
		    "it is kept in " : "and it could not be kept in "
		    "dead.letter", kept != NULL ? kept : "");
		free(kept);
		free(cause);
		rc = CLI_EXIT_SENDMAIL;
	}
	free(msg);
	free(mid);
	free(from);
	return (rc);
}

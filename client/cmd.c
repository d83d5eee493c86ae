/*
 * cmd.c - mailcli's commands, the same for a one-shot command line and
 * for a line typed in an interactive session.  Each returns an exit
 * code (mailcli(1)).  Reading follows one rule: a message is appended
 * and fsync'd to the reader's mbox before the server is told it may
 * drop it, so no crash between the two can lose it.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "client.h"
#include "ctl.h"
#include "io.h"
#include "log.h"
#include "mbox.h"
#include "name.h"
#include "number.h"
#include "rfc5322.h"
#include "table.h"
#include "xmalloc.h"

typedef int cmd_fn(struct client *, int, char **);

static cmd_fn cmd_send, cmd_inbox, cmd_read, cmd_delete, cmd_reply,
    cmd_wall, cmd_help, cmd_quit;

static const struct cmd_entry {
	const char	*name;
	const char	*args;
	const char	*help;
	cmd_fn		*fn;
} cmd_table[] = {
	{ "who", "", "who is online", cmd_who },
	{ "send", "[-s S] TO[,TO...] [TEXT...]", "send to users, rooms and "
	    "USER@HOST (through the MTA), subject S (without TEXT: stdin; in a "
	    "session $VISUAL, $EDITOR or lines to '.')", cmd_send },
	{ "inbox", "", "list unread messages", cmd_inbox },
	{ "read", "[N|--all|#ROOM]", "read the next, the Nth or all unread "
	    "messages, or a room's new lines", cmd_read },
	{ "delete", "N", "delete message N unread", cmd_delete },
	{ "reply", "N TEXT...", "reply to the sender of message N (Re: ...)",
	    cmd_reply },
	{ "wall", "TEXT...", "write live to everyone online (not stored)",
	    cmd_wall },
	{ "join", "#ROOM", "join a room (made if new): topic, members, "
	    "backlog", room_cmd_join },
	{ "leave", "#ROOM", "leave a room", room_cmd_leave },
	{ "rooms", "", "the rooms you may see", room_cmd_rooms },
	{ "members", "#ROOM", "a room's members, online or not",
	    room_cmd_members },
	{ "topic", "#ROOM [TEXT...]", "show or set the topic (--lock, "
	    "--unlock)", room_cmd_topic },
	{ "history", "#ROOM [N]", "the last N lines of a room (20)",
	    room_cmd_history },
	{ "private", "#ROOM on|off", "make a room private or not (owner)",
	    room_cmd_private },
	{ "invite", "USER #ROOM", "let USER join a private room (owner)",
	    room_cmd_invite },
	{ "remove", "USER #ROOM", "take USER out of a room (owner)",
	    room_cmd_remove },
	{ "away", "[TEXT...]", "away with TEXT (120 bytes); without: back",
	    presence_cmd_away },
	{ "mesg", "[n|y]", "do not disturb (n), or do (y); without: show",
	    presence_cmd_mesg },
	{ "ignore", "[USER]", "nothing from USER reaches you; without: "
	    "list", presence_cmd_ignore },
	{ "unignore", "USER", "stop ignoring USER", presence_cmd_unignore },
	{ "talk", "USER|#ROOM", "conversation: lines go there, /CMD runs "
	    "one, /end leaves", talk_cmd },
	{ "end", "", "leave conversation mode (as /end)", talk_end },
	{ "bell", "[on|off|mentions]", "when live lines ring the bell "
	    "(mentions)", bell_cmd },
	{ "help", "", "show the commands", cmd_help },
	{ "quit", "", "leave the session", cmd_quit },
};
#define CMD_COUNT (sizeof cmd_table / sizeof cmd_table[0])

/* cmd_name - the i-th command's name, NULL past the end (completion). */
const char *
cmd_name(size_t i)
{
	return (i < CMD_COUNT ? cmd_table[i].name : NULL);
}

/* cmd_error - "mailcli: " and the message on stderr; returns code. */
int
cmd_error(int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "mailcli: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (code);
}

/* cmd_exit_code - the exit code for a REC_ERROR code. */
int
cmd_exit_code(uint32_t code)
{
	switch (code) {
	case PROTO_E_NOSERVER:
		return (CLI_EXIT_NOSERVER);
	case PROTO_E_NAME:
	case PROTO_E_DENIED:
		return (CLI_EXIT_NAME);
	case PROTO_E_FULL:
		return (CLI_EXIT_FULL);
	case PROTO_E_TOOBIG:
		return (CLI_EXIT_TOOBIG);
	case PROTO_E_RATE:
		return (CLI_EXIT_RATE);
	case PROTO_E_ALLOWED:
	case PROTO_E_NOROOM:
		return (CLI_EXIT_ALLOWED);
	}
	return (CLI_EXIT_USAGE);
}

/* cmd_lost - the server went away, ended our session, or is silent. */
int
cmd_lost(struct client *cl)
{
	if (cl->conn.logout != 0)
		return (cmd_error(cmd_exit_code(cl->conn.logout), "%s",
		    cl->conn.logout_text));
	return (cmd_error(CLI_EXIT_NOSERVER, "mailserv in %s %s", cl->dir,
	    errno == ETIMEDOUT ? "did not answer" : "has gone away"));
}

/* cmd_answer - turn a reply into an exit code, printing any error. */
int
cmd_answer(const struct record *rec)
{
	struct proto_error	e;

	if (rec->hdr.type == REC_OK)
		return (CLI_EXIT_OK);
	if (rec->hdr.type != REC_ERROR)
		return (cmd_error(CLI_EXIT_USAGE, "unexpected %s record from "
		    "mailserv", record_type_name(rec->hdr.type)));
	memset(&e, 0, sizeof e);
	memcpy(&e, rec->payload, rec->hdr.len < sizeof e ? rec->hdr.len :
	    sizeof e);
	e.text[sizeof e.text - 1] = '\0';
	return (cmd_error(cmd_exit_code(e.code), "%s", e.text));
}

/* cmd_request - one request, one answer. */
static int
cmd_request(struct client *cl, uint16_t type, const void *p, size_t len)
{
	struct record	rec;
	struct mail	m;

	if (conn_send(&cl->conn, type, p, len) == -1 ||
	    conn_call(&cl->conn, &rec, &m) == -1)
		return (cmd_lost(cl));
	if (rec.hdr.type == REC_MAIL)
		mail_free(&m);
	return (cmd_answer(&rec));
}

/* cmd_join - argv as one space-separated text; caller frees. */
char *
cmd_join(int argc, char **argv)
{
	size_t	len = 1;
	char	*s;
	int	i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return (s);
}

/* cmd_split - cut a typed line into words (in place). */
int
cmd_split(char *line, char ***argv)
{
	char	*p, *save = NULL;
	int	 n = 0;

	*argv = xcalloc(strlen(line) / 2 + 2, sizeof **argv);
	for (p = strtok_r(line, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save))
		(*argv)[n++] = p;
	return (n);
}

/* cmd_short_date - a login time, as who shows it. */
static void
cmd_short_date(int64_t when, char *buf, size_t size)
{
	time_t		t = (time_t)when;
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%b %e %H:%M", &tm);
}

/* cmd_online - names of everyone online, from the shared table. */
char **
cmd_online(struct client *cl, size_t *n)
{
	const struct table_ops	*ops = backend_of_dir(cl->dirfd)->table;
	struct table_user	*u;
	char			**names, *cause = NULL;
	void			*t;
	size_t			 i;

	*n = 0;
	if ((t = ops->attach(cl->keyfile, &cause)) == NULL) {
		free(cause);
		return (NULL);
	}
	if (ops->read(t, &u, n, NULL, &cause) != 0) {
		free(cause);
		ops->detach(t);
		*n = 0;
		return (NULL);
	}
	ops->detach(t);
	names = xcalloc(*n + 1, sizeof *names);
	for (i = 0; i < *n; i++)
		names[i] = xstrdup(u[i].name);
	free(u);
	return (names);
}

/* cmd_who - who is online, read straight from shared memory. */
int
cmd_who(struct client *cl, int argc, char **argv)
{
	const struct table_ops	*ops = backend_of_dir(cl->dirfd)->table;
	struct table_user	*u;
	char			*cause = NULL, since[32], idle[IDLE_TEXT_MAX];
	void			*t;
	size_t			 i, n;
	time_t			 now = time(NULL);

	(void)argv;
	if (argc != 1)
		return (cmd_error(CLI_EXIT_USAGE, "usage: who"));
	if ((t = ops->attach(cl->keyfile, &cause)) == NULL) {
		cmd_error(CLI_EXIT_NOSERVER, "mailserv is not running in %s "
		    "(%s)", cl->dir, cause);
		free(cause);
		return (CLI_EXIT_NOSERVER);
	}
	if (ops->read(t, &u, &n, NULL, &cause) != 0) {
		ops->detach(t);
		cmd_error(CLI_EXIT_NOSERVER, "%s", cause);
		free(cause);
		return (CLI_EXIT_NOSERVER);
	}
	ops->detach(t);
	/* The status is the user's own text: through the display filter
	 * like any other user's bytes (screen_showf). */
	for (i = 0; i < n; i++) {
		cmd_short_date(u[i].since, since, sizeof since);
		idle_format(now, u[i].active, idle, sizeof idle);
		screen_showf(cl, "%-16s %-10s %s %4s  (pid %d)%s%s%s\n",
		    u[i].name, u[i].tty[0] ? u[i].tty : "-", since, idle,
		    u[i].pid, (u[i].flags & (TABLE_AWAY | TABLE_DND)) ? "  " :
		    "", (u[i].flags & TABLE_AWAY) ? "away: " : "",
		    (u[i].flags & TABLE_AWAY) ? u[i].away :
		    (u[i].flags & TABLE_DND) ? "dnd" : "");
	}
	free(u);
	return (CLI_EXIT_OK);
}

/* cmd_kick - log a user out, through mailserv's control socket. */
int
cmd_kick(struct client *cl, int argc, char **argv)
{
	char	*reply, *cause = NULL, *req;
	int	 rc = CLI_EXIT_OK;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: kick USER"));
	if (!name_valid(argv[1]))
		return (cmd_error(CLI_EXIT_NAME, "invalid user name '%s'",
		    argv[1]));
	xasprintf(&req, "kick %s", argv[1]);
	if (ctl_request(cl->dirfd, req, &reply, &cause) != 0) {
		free(req);
		cmd_error(CLI_EXIT_NOSERVER, "mailserv is not running in %s "
		    "(%s)", cl->dir, cause);
		free(cause);
		return (CLI_EXIT_NOSERVER);
	}
	free(req);
	if (strncmp(reply, "error: ", 7) == 0) {
		fprintf(stderr, "mailcli: %s", reply + 7);
		rc = CLI_EXIT_USAGE;
	} else
		screen_print(cl, "%s", reply);
	free(reply);
	return (rc);
}

/*
 * cmd_post_hint - a send whose answer never came: the message may have
 * been stored.  Sending it again under the same id (--id) cannot
 * deliver it twice; say so.
 */
static void
cmd_post_hint(const uint8_t *id)
{
	char	idstr[MAIL_ID_STR];

	mail_id_str(id, idstr);
	fprintf(stderr, "mailcli: the message (id %s) may or may not have "
	    "been stored; `mailcli --id %s send ...` sends it again without "
	    "risk of a duplicate\n", idstr, idstr);
}

/* cmd_post_lost - the server went away or did not answer a send. */
static int
cmd_post_lost(struct client *cl, const uint8_t *id)
{
	int	rc;

	rc = cmd_lost(cl);
	cmd_post_hint(id);
	return (rc);
}

/* cmd_kicked - the server ended the session: no mailserv to wait for. */
static int
cmd_kicked(struct client *cl)
{
	return (cl->conn.logout != 0 && cl->conn.logout != PROTO_E_NOSERVER);
}

/*
 * cmd_post_session - a send in an interactive session.  It is kept
 * until its answer comes: if mailserv goes away first, the shell sends
 * it again under the same id once reconnected (cmd_resend).
 */
static int
cmd_post_session(struct client *cl, const uint8_t *id, const char *to,
    const uint8_t *body, size_t len, uint32_t metalen)
{
	struct record	rec;
	struct mail	m;
	int		silent;

	reconnect_hold(cl, id, to, body, len, metalen);
	if (conn_post(&cl->conn, id, to, body, len, metalen) == -1 ||
	    conn_call(&cl->conn, &rec, &m) == -1) {
		if (cmd_kicked(cl) || cl->reconnect_s == 0) {
			reconnect_heard(cl, id);
			return (cmd_post_lost(cl, id));
		}
		/* Silent or gone: either way a new connection, and the
		 * message again under its id. */
		silent = errno == ETIMEDOUT && !cl->conn.gone;
		cl->conn.gone = 1;
		return (cmd_error(CLI_EXIT_NOSERVER, "mailserv %s: the message "
		    "to %s is kept, and sent again under the same id once "
		    "reconnected", silent ? "did not answer" : "went away "
		    "before answering", to));
	}
	reconnect_heard(cl, id);
	if (rec.hdr.type == REC_MAIL)
		mail_free(&m);
	return (cmd_answer(&rec));
}

/*
 * cmd_post_oneshot - a one-shot send.  If mailserv goes away before it
 * answers, wait (--wait) for one to serve the directory again and send
 * again under the same id: it is stored once, whatever the first copy
 * became.  A server that is there but silent is waited for as long.
 */
static int
cmd_post_oneshot(struct client *cl, const uint8_t *id, const char *to,
    const uint8_t *body, size_t len, uint32_t metalen)
{
	struct record	 rec;
	struct mail	 m;
	char		*cause = NULL;
	long long	 deadline = 0;
	int		 code, posted = 0, noted = 0;

	for (;;) {
		if (!posted && conn_post(&cl->conn, id, to, body, len,
		    metalen) == -1)
			goto lost;
		posted = 1;
		if (conn_call(&cl->conn, &rec, &m) == 1)
			break;
		if (errno == ETIMEDOUT && !cl->conn.gone && cl->wait_s > 0) {
			if (deadline == 0)
				deadline = io_now_ms() + cl->wait_s * 1000LL;
			if (io_now_ms() < deadline)
				continue;
		}
lost:
		if (cmd_kicked(cl) || cl->wait_s == 0 ||
		    (!cl->conn.gone && deadline != 0))
			return (cmd_post_lost(cl, id));
		if (!noted++)
			fprintf(stderr, "mailcli: mailserv went away before "
			    "answering; waiting up to %d s for it to come back "
			    "(the message keeps its id)\n", cl->wait_s);
		reconnect_lost(cl, cl->wait_s);
		if (reconnect_wait(cl, &code, &cause) != 0) {
			fprintf(stderr, "mailcli: %s\n", cause);
			free(cause);
			cmd_post_hint(id);
			return (code);
		}
		posted = 0;
		deadline = 0;
	}
	if (rec.hdr.type == REC_MAIL)
		mail_free(&m);
	return (cmd_answer(&rec));
}

/*
 * cmd_resend - after a reconnect, the session's sends whose answer
 * never came, again under their ids.  CLI_EXIT_NOSERVER if mailserv
 * went away again (what is left stays kept).
 */
int
cmd_resend(struct client *cl)
{
	const struct unsent	*u;
	struct record		 rec;
	struct mail		 m;
	uint8_t			 id[MAIL_ID_LEN];
	char			 to[PROTO_NAME_MAX + 1];

	while ((u = reconnect_unsent(cl)) != NULL) {
		memcpy(id, u->id, sizeof id);
		memcpy(to, u->to, sizeof to);
		if (conn_post(&cl->conn, id, to, u->body, u->len,
		    u->metalen) == -1 ||
		    conn_call(&cl->conn, &rec, &m) == -1) {
			cl->conn.gone = 1;
			return (CLI_EXIT_NOSERVER);
		}
		reconnect_heard(cl, id);
		if (rec.hdr.type == REC_MAIL)
			mail_free(&m);
		if (cmd_answer(&rec) == CLI_EXIT_OK)
			screen_print(cl, "Sent to %s.\n", to);
	}
	return (CLI_EXIT_OK);
}

/* cmd_unsent - at exit: what was never answered, and how to resend. */
int
cmd_unsent(struct client *cl)
{
	const struct unsent	*u;
	int			 n = 0;

	while ((u = reconnect_unsent(cl)) != NULL) {
		fprintf(stderr, "mailcli: no answer came for the message to "
		    "%s\n", u->to);
		cmd_post_hint(u->id);
		reconnect_heard(cl, u->id);
		n++;
	}
	return (n);
}

/*
 * cmd_post - send body to user, with subject (clean, or NULL); the
 * common end of send and reply.
 */
static int
cmd_post(struct client *cl, const char *to, const char *subject,
    const uint8_t *body, size_t len)
{
	uint8_t	id[MAIL_ID_LEN], meta[MAIL_META_MAX], *buf;
	size_t	metalen;
	int	rc;

	if (!name_valid(to) && !name_room_valid(to))
		return (cmd_error(CLI_EXIT_NAME, "invalid user name '%s': "
		    "names are [a-z_][a-z0-9_-]{0,31}", to));
	if (len == 0)
		return (cmd_error(CLI_EXIT_USAGE, "empty message: nothing "
		    "sent"));
	if (len > cl->max_body)
		return (cmd_error(CLI_EXIT_TOOBIG, "message is too large (more "
		    "than %u bytes)", cl->max_body));
	if (cl->have_send_id)
		memcpy(id, cl->send_id, sizeof id);
	else
		mail_new_id(id);
	/* The subject travels as the body's meta block (mail.h). */
	metalen = mail_meta_encode(meta, 0, subject, NULL);
	buf = xmalloc(metalen + len);
	memcpy(buf, meta, metalen);
	memcpy(buf + metalen, body, len);
	if (cl->interactive)
		rc = cmd_post_session(cl, id, to, buf, metalen + len,
		    (uint32_t)metalen);
	else
		rc = cmd_post_oneshot(cl, id, to, buf, metalen + len,
		    (uint32_t)metalen);
	free(buf);
	return (rc);
}

/* cmd_read_stdin - the whole of stdin, up to limit + 1 bytes. */
static uint8_t *
cmd_read_stdin(size_t limit, size_t *len)
{
	uint8_t	*buf = xmalloc(limit + 2);
	ssize_t	 n;

	*len = 0;
	while (*len <= limit) {
		n = io_read_some(STDIN_FILENO, buf + *len, limit + 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	return (buf);
}

/*
 * cmd_subject - a subject as it may be stored: a copy of s with control
 * bytes as spaces (a newline never adds a header), cut to fit.
 */
static void
cmd_subject(const char *s, char *out, size_t size)
{
	snprintf(out, size, "%s", s != NULL ? s : "");
	mail_clean_field(out, size);
}

/*
 * cmd_targets - TO[,TO...] cut into names, each a user, a room or a
 * user of another host (USER@HOST, checked by sendmail_post); an exit
 * code (CLI_EXIT_NAME for the first invalid one).
 */
static int
cmd_targets(char *list, char ***v, int *n)
{
	char	*p, *save = NULL;

	*n = 0;
	*v = xcalloc(strlen(list) / 2 + 2, sizeof **v);
	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (p[0] == '#' && !name_room_valid(p))
			return (cmd_error(CLI_EXIT_NAME, "invalid room name "
			    "'%s': rooms are %s", p, NAME_ROOM_RULE));
		if (p[0] != '#' && strchr(p, '@') == NULL && !name_valid(p))
			return (cmd_error(CLI_EXIT_NAME, "invalid user name "
			    "'%s': names are [a-z_][a-z0-9_-]{0,31}", p));
		(*v)[(*n)++] = p;
	}
	if (*n == 0)
		return (cmd_error(CLI_EXIT_NAME, "no recipient in '%s'", list));
	return (CLI_EXIT_OK);
}

/*
 * cmd_send - one message to each target, users and rooms alike; the
 * first failure's exit code, after trying them all.
 */
/*
 * cmd_post_body - a body to one user, room or USER@HOST (through the
 * MTA), as send does; nothing said on success (compose.c).
 */
int
cmd_post_body(struct client *cl, const char *to, const char *subject,
    const uint8_t *body, size_t len)
{
	if (strchr(to, '@') != NULL)
		return (sendmail_post(cl, to, subject, NULL, body, len));
	return (cmd_post(cl, to, subject, body, len));
}

/* cmd_post_text - a typed line to one user or room (talk.c). */
int
cmd_post_text(struct client *cl, const char *to, const char *text)
{
	return (cmd_post(cl, to, "", (const uint8_t *)text, strlen(text)));
}

static int
cmd_send(struct client *cl, int argc, char **argv)
{
	char	 subject[MAIL_SUBJECT_MAX + 1] = "";
	uint8_t	*body;
	char	**to, *list;
	size_t	 len;
	int	 i, n, rc, first = CLI_EXIT_OK;

	if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
		cmd_subject(argv[2], subject, sizeof subject);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: send [-s SUBJECT] "
		    "TO[,TO...] [TEXT...]"));
	list = xstrdup(argv[1]);
	if ((rc = cmd_targets(list, &to, &n)) != CLI_EXIT_OK)
		goto out;
	if (n > 1 && cl->have_send_id) {
		rc = cmd_error(CLI_EXIT_USAGE, "--id goes with one recipient");
		goto out;
	}
	if (argc > 2) {
		body = (uint8_t *)cmd_join(argc - 2, argv + 2);
		len = strlen((char *)body);
	} else if (cl->interactive) {
		rc = compose_start(cl, to, n, subject);
		goto out;
	} else
		body = cmd_read_stdin(cl->max_body, &len);
	for (i = 0; i < n; i++) {
		/* USER@HOST: a user of another host, through the MTA. */
		if (strchr(to[i], '@') != NULL)
			rc = sendmail_post(cl, to[i], subject, NULL, body, len);
		else
			rc = cmd_post(cl, to[i], subject, body, len);
		if (rc == CLI_EXIT_OK && cl->interactive)
			screen_print(cl, "Sent to %s.\n", to[i]);
		if (rc != CLI_EXIT_OK && first == CLI_EXIT_OK)
			first = rc;
		if (rc == CLI_EXIT_NOSERVER)
			break;
	}
	rc = first;
	free(body);
out:
	free(to);
	free(list);
	return (rc);
}

/*
 * cmd_saved_again - a message listed as waiting that this session has
 * saved already: our "saved" was lost (mailserv went away before it
 * came, or it raced the listing).  It is in the mbox: say so again.
 */
static void
cmd_saved_again(struct client *cl, const uint8_t *id)
{
	struct proto_done	pd;

	memset(&pd, 0, sizeof pd);
	memcpy(pd.id, id, sizeof pd.id);
	pd.flags = PROTO_DONE_SAVED | PROTO_DONE_QUIET;
	conn_send(&cl->conn, REC_DONE, &pd, sizeof pd);
}

/* cmd_refresh - ask for the unread list and renumber what is new. */
int
cmd_refresh(struct client *cl)
{
	struct proto_entry	 pe;
	struct record		 rec;
	struct mail		 m;
	struct msg		*e;

	if (conn_send(&cl->conn, REC_LIST, NULL, 0) == -1)
		return (cmd_lost(cl));
	msglist_begin_refresh(&cl->list);
	for (;;) {
		if (conn_call(&cl->conn, &rec, &m) == -1)
			return (cmd_lost(cl));
		if (rec.hdr.type == REC_END)
			return (CLI_EXIT_OK);
		if (rec.hdr.type != REC_ENTRY || rec.hdr.len != sizeof pe)
			return (cmd_answer(&rec));
		memcpy(&pe, rec.payload, sizeof pe);
		pe.from[PROTO_NAME_MAX] = '\0';
		pe.first[sizeof pe.first - 1] = '\0';
		pe.subject[sizeof pe.subject - 1] = '\0';
		pe.addr[sizeof pe.addr - 1] = '\0';
		if ((e = msglist_find(&cl->list, pe.id)) != NULL &&
		    e->state == MSG_READ)
			cmd_saved_again(cl, pe.id);
		e = msglist_add(&cl->list, pe.id, pe.from, pe.date, pe.len,
		    pe.first, MSG_UNREAD);
		memcpy(e->subject, pe.subject, sizeof e->subject);
		memcpy(e->addr, pe.addr, sizeof e->addr);
	}
}

static int
cmd_inbox(struct client *cl, int argc, char **argv)
{
	struct msg	*m;
	char		 date[32];
	size_t		 i;
	int		 rc;

	(void)argv;
	if (argc != 1)
		return (cmd_error(CLI_EXIT_USAGE, "usage: inbox"));
	if ((rc = cmd_refresh(cl)) != CLI_EXIT_OK)
		return (rc);
	for (i = 0; i < cl->list.n; i++) {
		m = &cl->list.v[i];
		if (m->state != MSG_UNREAD)
			continue;
		cmd_short_date(m->date, date, sizeof date);
		/* An outside sender shows as its address, never as a
		 * name; a subject, when there is one, before the line. */
		screen_showf(cl, "%3d  %-12s %s  %s\n", m->n, m->addr[0] ?
		    m->addr : m->from, date, m->subject[0] ? m->subject :
		    m->first);
	}
	if (cl->interactive && msglist_count(&cl->list, MSG_UNREAD) == 0)
		screen_print(cl, "No new messages.\n");
	return (room_unread(cl, 0));
}

/*
 * cmd_print_with_body - a formatted head, then the body as bytes, with
 * a newline added if the body lacks one; one write, so a live message
 * is drawn above the prompt in one piece.  Through screen_show: the body
 * is another user's (live: bell_show, which may also ring or highlight).
 */
static void __attribute__((format(printf, 6, 7)))
cmd_print_with_body(struct client *cl, const struct mail *m,
    const uint8_t *text, size_t tlen, int live, const char *fmt, ...)
{
	va_list	 ap;
	char	*head, *buf;
	size_t	 len;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&head, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n + tlen + 1;
	buf = xmalloc(len);
	memcpy(buf, head, (size_t)n);
	memcpy(buf + n, text, tlen);
	len = (size_t)n + tlen;
	if (tlen == 0 || text[tlen - 1] != '\n')
		buf[len++] = '\n';
	if (live)
		bell_show(cl, m, buf, len);
	else
		screen_show(cl, buf, len);
	free(buf);
	free(head);
}

/*
 * What a reader is shown of a message: its meta block, and for mail
 * from another host its header fields and where its body starts.
 */
struct cmd_view {
	struct mail_meta	 mm;
	struct rfc5322		 h;	/* zero for local mail */
	const uint8_t		*text;
	size_t			 len;
};

static void
cmd_view(const struct mail *m, struct cmd_view *v)
{
	char	*cause = NULL;

	memset(v, 0, sizeof *v);
	if (mail_meta(m, &v->mm) != 0)
		memset(&v->mm, 0, sizeof v->mm);
	v->text = mail_text(m, &v->len);
	if ((v->mm.flags & MAIL_META_RFC5322) &&
	    rfc5322_parse(v->text, v->len, &v->h, &cause) == 0) {
		v->text += v->h.body_off;
		v->len -= v->h.body_off;
	}
	free(cause);
}

/* cmd_remember - where a reply to an outside message goes, from it. */
static void
cmd_remember(struct msg *e, const struct cmd_view *v)
{
	if (v->mm.addr[0] == '\0')
		return;
	e->reply_to[0] = '\0';
	if ((v->h.reply_to == NULL || rfc5322_addr_spec(v->h.reply_to,
	    e->reply_to, sizeof e->reply_to) != 0) && (v->h.from == NULL ||
	    rfc5322_addr_spec(v->h.from, e->reply_to, sizeof e->reply_to) !=
	    0) && rfc5322_addr_spec(v->mm.addr, e->reply_to,
	    sizeof e->reply_to) != 0)
		e->reply_to[0] = '\0';
	if (v->h.message_id != NULL)
		snprintf(e->msgid, sizeof e->msgid, "%s", v->h.message_id);
	mail_clean_field(e->msgid, sizeof e->msgid);
}

/*
 * cmd_print_mail - header block, blank line, body.  The Date is the
 * message's own for mail from another host.  Through screen_show, like
 * the body: the subject and an outside address are someone else's.
 */
static void
cmd_print_mail(struct client *cl, const struct mail *m,
    const struct cmd_view *v)
{
	char	date[64], id[MAIL_ID_STR], subject[MAIL_SUBJECT_MAX + 16];

	if (v->h.date != NULL)
		snprintf(date, sizeof date, "%s", v->h.date);
	else
		mbox_date(m->date, date, sizeof date);
	mail_clean_field(date, sizeof date);
	mail_id_str(m->id, id);
	subject[0] = '\0';
	if (v->mm.subject[0] != '\0')
		snprintf(subject, sizeof subject, "Subject: %s\n",
		    v->mm.subject);
	cmd_print_with_body(cl, m, v->text, v->len, 0, "From: %s\n%sDate: %s\n"
	    "Id: %s\n\n", v->mm.addr[0] ? v->mm.addr : m->from, subject,
	    date, id);
}

/*
 * cmd_save - the reader's half of delivery: into the mbox, fsync'd,
 * and only then REC_DONE.  0 when saved and acknowledged.
 */
static int
cmd_save(struct client *cl, const struct mail *m, int quiet)
{
	struct proto_done	pd;
	char			*cause = NULL;

	if (mbox_append(cl->mbox, m, &cause) == -1) {
		cmd_error(CLI_EXIT_USAGE, "cannot save to mbox: %s (the "
		    "message stays on the server)", cause);
		free(cause);
		return (CLI_EXIT_USAGE);
	}
	memset(&pd, 0, sizeof pd);
	memcpy(pd.id, m->id, sizeof pd.id);
	pd.flags = PROTO_DONE_SAVED | (quiet ? PROTO_DONE_QUIET : 0);
	if (quiet)
		return (conn_send(&cl->conn, REC_DONE, &pd, sizeof pd) == -1 ?
		    cmd_lost(cl) : CLI_EXIT_OK);
	return (cmd_request(cl, REC_DONE, &pd, sizeof pd));
}

/* cmd_read_one - fetch, save, show, acknowledge one message. */
static int
cmd_read_one(struct client *cl, struct msg *e)
{
	struct proto_id	pi;
	struct record	rec;
	struct mail	m;
	struct cmd_view	v;
	int		rc;

	memcpy(pi.id, e->id, sizeof pi.id);
	if (conn_send(&cl->conn, REC_FETCH, &pi, sizeof pi) == -1 ||
	    conn_call(&cl->conn, &rec, &m) == -1)
		return (cmd_lost(cl));
	if (rec.hdr.type != REC_MAIL) {
		e->state = MSG_GONE;
		return (cmd_answer(&rec));
	}
	if ((rc = cmd_save(cl, &m, 0)) == CLI_EXIT_OK) {
		cmd_view(&m, &v);
		cmd_print_mail(cl, &m, &v);
		cmd_remember(e, &v);
		rfc5322_free(&v.h);
		e->state = MSG_READ;
	}
	mail_free(&m);
	return (rc);
}

/* cmd_pick - message N of the session list, refreshed. */
static int
cmd_pick(struct client *cl, const char *arg, struct msg **out)
{
	long long	n;
	int		rc;

	if (number_parse(arg, 1, 1000000, &n) == -1)
		return (cmd_error(CLI_EXIT_USAGE, "'%s' is not a message "
		    "number", arg));
	if ((rc = cmd_refresh(cl)) != CLI_EXIT_OK)
		return (rc);
	if ((*out = msglist_get(&cl->list, (int)n)) == NULL)
		return (cmd_error(CLI_EXIT_USAGE, "no message %lld", n));
	return (CLI_EXIT_OK);
}

static int
cmd_read(struct client *cl, int argc, char **argv)
{
	struct msg	*e;
	size_t		 i;
	int		 rc, all = argc == 2 && strcmp(argv[1], "--all") == 0;

	if (argc > 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: read [N|--all|#ROOM]"));
	if (argc == 2 && argv[1][0] == '#')
		return (room_cmd_read(cl, argv[1]));
	if (argc == 2 && !all) {
		if ((rc = cmd_pick(cl, argv[1], &e)) != CLI_EXIT_OK)
			return (rc);
		if (e->state == MSG_READ)
			return (cmd_error(CLI_EXIT_USAGE, "message %d was "
			    "already read; it is in %s", e->n, cl->mbox));
		if (e->state != MSG_UNREAD)
			return (cmd_error(CLI_EXIT_USAGE, "message %d is no "
			    "longer waiting (deleted, or read in another "
			    "session)", e->n));
		return (cmd_read_one(cl, e));
	}
	if ((rc = cmd_refresh(cl)) != CLI_EXIT_OK)
		return (rc);
	if (msglist_count(&cl->list, MSG_UNREAD) == 0) {
		if (cl->interactive)
			screen_print(cl, "No new messages.\n");
		return (CLI_EXIT_OK);
	}
	for (i = 0; i < cl->list.n; i++) {
		e = &cl->list.v[i];
		if (e->state != MSG_UNREAD)
			continue;
		if ((rc = cmd_read_one(cl, e)) != CLI_EXIT_OK || !all)
			return (rc);
		if (i + 1 < cl->list.n)
			screen_print(cl, "\n");
	}
	return (CLI_EXIT_OK);
}

static int
cmd_delete(struct client *cl, int argc, char **argv)
{
	struct proto_done	 pd;
	struct msg		*e;
	int			 rc;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: delete N"));
	if ((rc = cmd_pick(cl, argv[1], &e)) != CLI_EXIT_OK)
		return (rc);
	if (e->state != MSG_UNREAD)
		return (cmd_error(CLI_EXIT_USAGE, "message %d is not unread "
		    "on the server", e->n));
	memset(&pd, 0, sizeof pd);
	memcpy(pd.id, e->id, sizeof pd.id);
	if ((rc = cmd_request(cl, REC_DONE, &pd, sizeof pd)) == CLI_EXIT_OK) {
		e->state = MSG_DELETED;
		if (cl->interactive)
			screen_print(cl, "Deleted message %d.\n", e->n);
	}
	return (rc);
}

/* cmd_re - the subject of a reply: "Re: " before s, once. */
static void
cmd_re(const char *s, char *out, size_t size)
{
	char	tmp[MAIL_SUBJECT_MAX + 8];

	if (s[0] == '\0' || strncasecmp(s, "re:", 3) == 0)
		snprintf(tmp, sizeof tmp, "%s", s);
	else
		snprintf(tmp, sizeof tmp, "Re: %s", s);
	mail_clean_field(tmp, size);
	strcpy(out, tmp);	/* cut to size above */
}

/*
 * cmd_reply_address - where a reply to outside message e goes (its
 * Reply-To, else its From): known once it was read, else fetched.
 */
static int
cmd_reply_address(struct client *cl, struct msg *e)
{
	struct proto_id	pi;
	struct record	rec;
	struct mail	m;
	struct cmd_view	v;

	if (e->reply_to[0] != '\0')
		return (CLI_EXIT_OK);
	if (e->state == MSG_UNREAD) {
		memcpy(pi.id, e->id, sizeof pi.id);
		if (conn_send(&cl->conn, REC_FETCH, &pi, sizeof pi) == -1 ||
		    conn_call(&cl->conn, &rec, &m) == -1)
			return (cmd_lost(cl));
		if (rec.hdr.type != REC_MAIL)
			return (cmd_answer(&rec));
		cmd_view(&m, &v);
		cmd_remember(e, &v);
		rfc5322_free(&v.h);
		mail_free(&m);
	}
	if (e->reply_to[0] == '\0' && rfc5322_addr_spec(e->addr, e->reply_to,
	    sizeof e->reply_to) != 0)
		return (cmd_error(CLI_EXIT_USAGE, "message %d has no address "
		    "to reply to", e->n));
	return (CLI_EXIT_OK);
}

static int
cmd_reply(struct client *cl, int argc, char **argv)
{
	struct msg	*e;
	char		*text, subject[MAIL_SUBJECT_MAX + 1];
	const char	*to;
	int		 rc;

	if (argc < 3)
		return (cmd_error(CLI_EXIT_USAGE, "usage: reply N TEXT..."));
	if ((rc = cmd_pick(cl, argv[1], &e)) != CLI_EXIT_OK)
		return (rc);
	cmd_re(e->subject, subject, sizeof subject);
	text = cmd_join(argc - 2, argv + 2);
	if (e->addr[0] != '\0') {
		/* From another host: back out through the MTA. */
		if ((rc = cmd_reply_address(cl, e)) == CLI_EXIT_OK)
			rc = sendmail_post(cl, e->reply_to, subject, e->msgid,
			    (uint8_t *)text, strlen(text));
		to = e->reply_to;
	} else {
		rc = cmd_post(cl, e->from, subject, (uint8_t *)text,
		    strlen(text));
		to = e->from;
	}
	free(text);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_showf(cl, "Sent to %s.\n", to);
	return (rc);
}

static int
cmd_wall(struct client *cl, int argc, char **argv)
{
	char	*text;
	int	 rc;

	if (argc < 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: wall TEXT..."));
	text = cmd_join(argc - 1, argv + 1);
	if (strlen(text) >= PROTO_TEXT_MAX) {
		free(text);
		return (cmd_error(CLI_EXIT_TOOBIG, "wall text is too long (at "
		    "most %d bytes)", PROTO_TEXT_MAX - 1));
	}
	rc = cmd_request(cl, REC_WALL, text, strlen(text));
	free(text);
	return (rc);
}

static int
cmd_help(struct client *cl, int argc, char **argv)
{
	size_t	i;

	(void)argc;
	(void)argv;
	for (i = 0; i < CMD_COUNT; i++)
		screen_print(cl, "  %-8s %-21s %s\n", cmd_table[i].name,
		    cmd_table[i].args, cmd_table[i].help);
	return (CLI_EXIT_OK);
}

static int
cmd_quit(struct client *cl, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cl->quit = 1;
	return (CLI_EXIT_OK);
}

/* cmd_offline - may the command run while mailserv is away? */
static int
cmd_offline(cmd_fn *fn)
{
	/* who reads shared memory; help and quit need nobody. */
	return (fn == cmd_who || fn == cmd_help || fn == cmd_quit ||
	    fn == bell_cmd || fn == talk_end);
}

/* cmd_run - run one command line. */
int
cmd_run(struct client *cl, int argc, char **argv)
{
	size_t	i;

	if (argc == 0)
		return (CLI_EXIT_OK);
	for (i = 0; i < CMD_COUNT; i++) {
		if (strcmp(argv[0], cmd_table[i].name) != 0)
			continue;
		if (reconnect_away(cl) && !cmd_offline(cmd_table[i].fn))
			return (cmd_error(CLI_EXIT_NOSERVER, "not connected to "
			    "mailserv (reconnecting): try again once it says "
			    "reconnected"));
		return (cmd_table[i].fn(cl, argc, argv));
	}
	return (cmd_error(CLI_EXIT_USAGE, "unknown command '%s' (try help)",
	    argv[0]));
}

/*
 * cmd_show_live - a message pushed to this online session: it is shown
 * now, so it counts as seen: into the mbox, and the server may drop it.
 */
void
cmd_show_live(struct client *cl, struct mail *m)
{
	struct msg	*e;
	struct cmd_view	 v;
	char		 first[PROTO_FIRST_MAX], when[32];
	char		 subject[MAIL_SUBJECT_MAX + 8];
	time_t		 t = (time_t)m->date;
	struct tm	 tm;

	/* A room's line: shown, not kept (the room keeps it). */
	if (m->to[0] == '#') {
		if (!talk_show(cl, m, m->body, m->len))
			room_show_line(cl, m, 1);
		return;
	}
	cmd_view(m, &v);
	mail_first_line(v.text, v.len, first, sizeof first);
	e = msglist_add(&cl->list, m->id, m->from, m->date, m->len, first,
	    MSG_UNREAD);
	memcpy(e->subject, v.mm.subject, sizeof e->subject);
	memcpy(e->addr, v.mm.addr, sizeof e->addr);
	cmd_remember(e, &v);
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M", &tm);
	subject[0] = '\0';
	if (v.mm.subject[0] != '\0')
		snprintf(subject, sizeof subject, " \"%s\"", v.mm.subject);
	if (!talk_show(cl, m, v.text, v.len))
		cmd_print_with_body(cl, m, v.text, v.len, 1, "[%d] %s (%s)%s: ",
		    e->n, v.mm.addr[0] ? v.mm.addr : m->from, when, subject);
	rfc5322_free(&v.h);
	/* Seen, so read; unless it could not be saved: then it waits. */
	if (cmd_save(cl, m, 1) == CLI_EXIT_OK)
		e->state = MSG_READ;
}

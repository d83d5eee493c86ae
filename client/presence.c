/*
 * presence.c - mailcli's presence commands (away, mesg, ignore,
 * unignore) over REC_PRESENCE, the notices a send brings back about its
 * reader (away, do not disturb) for a one-shot command, and telling
 * mailserv that the user typed a line, for who's idle column.  The
 * state itself is the server's (server/presence.c).
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "display.h"
#include "io.h"
#include "name.h"
#include "plural.h"
#include "xmalloc.h"

/* presence_send - one REC_PRESENCE; no answer read. */
static int
presence_send(struct client *cl, uint32_t op, uint32_t n, const char *user,
    const char *text)
{
	struct proto_presence	pp;

	memset(&pp, 0, sizeof pp);
	pp.op = op;
	pp.n = n;
	if (user != NULL)
		strncpy(pp.user, user, sizeof pp.user - 1);
	if (text != NULL)
		strncpy(pp.text, text, sizeof pp.text - 1);
	return (conn_send(&cl->conn, REC_PRESENCE, &pp, sizeof pp));
}

/* presence_info - a REC_PRESINFO payload, its strings ended. */
static int
presence_info(const struct record *rec, struct proto_presinfo *pi)
{
	if (rec->hdr.type != REC_PRESINFO || rec->hdr.len != sizeof *pi)
		return (-1);
	memcpy(pi, rec->payload, sizeof *pi);
	pi->name[PROTO_NAME_MAX] = '\0';
	pi->away[PROTO_AWAY_MAX] = '\0';
	return (0);
}

/*
 * presence_call - a request; one REC_PRESINFO (list 0) or a list of
 * them ended by REC_END (list 1) handed to fn.  An exit code.
 */
static int
presence_call(struct client *cl, uint32_t op, uint32_t n, const char *user,
    const char *text, int list,
    void (*fn)(struct client *, const struct proto_presinfo *, void *),
    void *arg)
{
	struct proto_presinfo	pi;
	struct record		rec;
	struct mail		m;

	if (presence_send(cl, op, n, user, text) == -1)
		return (cmd_lost(cl));
	for (;;) {
		if (conn_call(&cl->conn, &rec, &m) == -1)
			return (cmd_lost(cl));
		if (rec.hdr.type == REC_MAIL)
			mail_free(&m);
		if (fn != NULL && presence_info(&rec, &pi) == 0) {
			fn(cl, &pi, arg);
			if (!list)
				return (CLI_EXIT_OK);
			continue;
		}
		if (list && rec.hdr.type == REC_END)
			return (CLI_EXIT_OK);
		return (cmd_answer(&rec));
	}
}

int
presence_cmd_away(struct client *cl, int argc, char **argv)
{
	char	*text;
	size_t	 len;
	int	 rc;

	text = argc > 1 ? cmd_join(argc - 1, argv + 1) : xstrdup("");
	if ((len = display_cut(text, PROTO_AWAY_MAX)) < strlen(text)) {
		fprintf(stderr, "mailcli: the away text is cut to %zu bytes "
		    "(at most %d)\n", len, PROTO_AWAY_MAX);
		text[len] = '\0';
	}
	rc = presence_call(cl, PRES_OP_AWAY, 0, NULL, text, 0, NULL, NULL);
	if (rc == CLI_EXIT_OK && cl->interactive) {
		if (text[0] != '\0')
			screen_showf(cl, "You are away: %s\n", text);
		else
			screen_print(cl, "You are back.\n");
	}
	free(text);
	return (rc);
}

/* presence_shown - mesg's answer: the state, or what came meanwhile. */
static void
presence_shown(struct client *cl, const struct proto_presinfo *pi, void *arg)
{
	int	*held = arg;

	if (held == NULL) {
		screen_print(cl, "is %s\n", (pi->flags & PRESINFO_DND) ? "n" :
		    "y");
		return;
	}
	*held = (int)pi->held;
}

int
presence_cmd_mesg(struct client *cl, int argc, char **argv)
{
	char	*rooms = NULL;
	int	 held = 0, rc, on;

	if (argc == 1)
		return (presence_call(cl, PRES_OP_SHOW, 0, NULL, NULL, 0,
		    presence_shown, NULL));
	if (argc != 2 || (strcmp(argv[1], "n") != 0 &&
	    strcmp(argv[1], "y") != 0))
		return (cmd_error(CLI_EXIT_USAGE, "usage: mesg [n|y]"));
	on = strcmp(argv[1], "n") == 0;
	rc = presence_call(cl, PRES_OP_MESG, (uint32_t)on, NULL, NULL, 0,
	    presence_shown, &held);
	if (rc != CLI_EXIT_OK || on)
		return (rc);
	/* Back: what came meanwhile, as counts; the room lines are what
	 * is unread in each room. */
	if ((rc = room_unread_summary(cl, &rooms)) != CLI_EXIT_OK)
		return (rc);
	screen_print(cl, "%d new %s%s\n", held, plural((uint64_t)held,
	    "message", "messages"), rooms != NULL ? rooms : "");
	free(rooms);
	if (cl->interactive)
		cmd_refresh(cl);
	return (CLI_EXIT_OK);
}

static void
presence_listed(struct client *cl, const struct proto_presinfo *pi,
    void *arg)
{
	int	*n = arg;

	screen_print(cl, "%s\n", pi->name);
	(*n)++;
}

int
presence_cmd_ignore(struct client *cl, int argc, char **argv)
{
	int	n = 0, rc;

	if (argc == 1) {
		rc = presence_call(cl, PRES_OP_IGNORES, 0, NULL, NULL, 1,
		    presence_listed, &n);
		if (rc == CLI_EXIT_OK && n == 0 && cl->interactive)
			screen_print(cl, "You ignore no one.\n");
		return (rc);
	}
	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: ignore [USER]"));
	if (!name_valid(argv[1]))
		return (cmd_error(CLI_EXIT_NAME, "invalid user name '%s'",
		    argv[1]));
	rc = presence_call(cl, PRES_OP_IGNORE, 0, argv[1], NULL, 0, NULL,
	    NULL);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_print(cl, "You ignore %s.\n", argv[1]);
	return (rc);
}

int
presence_cmd_unignore(struct client *cl, int argc, char **argv)
{
	int	rc;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: unignore USER"));
	if (!name_valid(argv[1]))
		return (cmd_error(CLI_EXIT_NAME, "invalid user name '%s'",
		    argv[1]));
	rc = presence_call(cl, PRES_OP_UNIGNORE, 0, argv[1], NULL, 0, NULL,
	    NULL);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_print(cl, "You no longer ignore %s.\n", argv[1]);
	return (rc);
}

/*
 * presence_typed - the user typed a line: tell mailserv, for who's idle
 * column, at most once a second (the server writes no more often).
 */
void
presence_typed(struct client *cl)
{
	long long	now = io_now_ms();

	if (now - cl->typed_ms < 1000 || reconnect_away(cl))
		return;
	cl->typed_ms = now;
	presence_send(cl, PRES_OP_ACTIVE, 0, NULL, NULL);
}

/*
 * presence_oneshot_async - what a one-shot command's server says
 * unasked: a notice (the reader is away, or the mail waits) on stderr,
 * terminal-safe.
 */
void
presence_oneshot_async(void *arg, const struct record *rec, struct mail *m)
{
	char	*safe, text[PROTO_TEXT_MAX + 1];
	size_t	 len, n;

	(void)arg;
	(void)m;
	if (rec->hdr.type != REC_NOTICE)
		return;
	len = rec->hdr.len < PROTO_TEXT_MAX ? rec->hdr.len : PROTO_TEXT_MAX;
	memcpy(text, rec->payload, len);
	text[len++] = '\n';
	if (!display_is_terminal(STDERR_FILENO)) {
		fwrite(text, 1, len, stderr);
		return;
	}
	safe = display_text(text, len, &n);
	fwrite(safe, 1, n, stderr);
	free(safe);
}

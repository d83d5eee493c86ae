/*
 * room.c - mailcli's room commands (join, leave, rooms, members, topic,
 * history, read #ROOM, private, invite, remove), the rooms' part of
 * inbox and of the login lines, and how a room line is shown: live,
 * backlog and history alike, "[#ops] alice (14:02): text", through
 * screen_show (another user's bytes).  The rooms themselves are
 * mailserv's (server/room.c); each command is one REC_ROOM request.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "name.h"
#include "number.h"
#include "plural.h"
#include "roominfo.h"
#include "xmalloc.h"

#define ROOM_HISTORY_DEFAULT	20

/* room_show_line - one room line, in the live format; live: just come. */
void
room_show_line(struct client *cl, const struct mail *m, int live)
{
	char		 when[32], *buf;
	time_t		 t = (time_t)m->date;
	struct tm	 tm;
	size_t		 len;
	int		 n;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M", &tm);
	n = asprintf(&buf, "[%s] %s (%s): ", m->to, m->from, when);
	if (n < 0)
		return;
	buf = xreallocarray(buf, (size_t)n + m->len + 2, 1);
	memcpy(buf + n, m->body, m->len);
	len = (size_t)n + m->len;
	if (m->len == 0 || m->body[m->len - 1] != '\n')
		buf[len++] = '\n';
	if (live)
		bell_show(cl, m, buf, len);
	else
		screen_show(cl, buf, len);
	free(buf);
}

/* room_check_name - 0, or CLI_EXIT_NAME with the rule printed. */
static int
room_check_name(const char *room)
{
	if (name_room_valid(room))
		return (0);
	return (cmd_error(CLI_EXIT_NAME, "invalid room name '%s': rooms are "
	    "%s (quote it in a shell: '#ops')", room, NAME_ROOM_RULE));
}

/* room_info - a REC_ROOMINFO payload, its strings ended. */
static int
room_info(const struct record *rec, struct proto_roominfo *ri)
{
	if (rec->hdr.type != REC_ROOMINFO)
		return (-1);
	return (roominfo_get(rec->payload, rec->hdr.len, ri));
}

/* What one request's answer is shown as. */
struct room_out {
	const char	*room;
	int		 join;		/* the join header */
	int		 members;	/* MEMBERS: one a line */
	int		 topic;		/* TOPIC: the topic alone */
	int		 inbox;		/* UNREAD as inbox lines */
	int		 login;		/* UNREAD as login lines */
	int		 summary;	/* UNREAD collected in names */
	size_t		 lines;		/* room lines shown */
	char		*names;		/* JOIN: members, collected */
};

/* room_entry - show one REC_ROOMINFO as out says. */
static void
room_entry(struct client *cl, struct room_out *o,
    const struct proto_roominfo *ri)
{
	char	*s;

	switch (ri->kind) {
	case ROOMINFO_ROOM:
		if (o->join || o->topic) {
			if (ri->topic[0] != '\0')
				screen_showf(cl, "%s: topic: %s%s\n", ri->room,
				    ri->topic, (ri->flags & ROOMINFO_LOCKED) ?
				    " (locked)" : "");
			else if (o->topic)
				screen_print(cl, "%s has no topic.\n", ri->room);
			break;
		}
		screen_showf(cl, "%-20s %u %s, %u online%s  %s\n", ri->room,
		    ri->members, plural(ri->members, "member", "members"),
		    ri->online, (ri->flags & ROOMINFO_PRIVATE) ?
		    ", private" : "", ri->topic);
		break;
	case ROOMINFO_MEMBER:
		if (o->members) {
			screen_print(cl, "%-16s %s%s\n", ri->name,
			    (ri->flags & ROOMINFO_ONLINE) ? "online" :
			    "offline", (ri->flags & ROOMINFO_OWNER) ?
			    "  (owner)" : "");
			break;
		}
		xasprintf(&s, "%s%s%s%s", o->names != NULL ? o->names : "",
		    o->names != NULL ? ", " : "", ri->name,
		    (ri->flags & ROOMINFO_ONLINE) ? "*" : "");
		free(o->names);
		o->names = s;
		break;
	case ROOMINFO_UNREAD:
		if (o->summary) {
			xasprintf(&s, "%s, %s: %u new %s", o->names != NULL ?
			    o->names : "", ri->room, ri->count,
			    plural(ri->count, "line", "lines"));
			free(o->names);
			o->names = s;
		} else if (o->login)
			screen_print(cl, "%s: %u new %s\n", ri->room, ri->count,
			    plural(ri->count, "line", "lines"));
		else
			screen_print(cl, "%-20s %u new\n", ri->room, ri->count);
		break;
	}
}

/*
 * room_call - one REC_ROOM request; its answer shown as o says.  An
 * exit code.
 */
static int
room_call(struct client *cl, uint32_t op, const char *room, const char *user,
    uint32_t n, const char *text, struct room_out *o)
{
	struct proto_room	pr;
	struct proto_roominfo	ri;
	struct record		rec;
	struct mail		m;
	int			rc = CLI_EXIT_OK;

	memset(&pr, 0, sizeof pr);
	pr.op = op;
	pr.n = n;
	if (room != NULL)
		strncpy(pr.room, room, sizeof pr.room - 1);
	if (user != NULL)
		strncpy(pr.user, user, sizeof pr.user - 1);
	if (text != NULL)
		strncpy(pr.text, text, sizeof pr.text - 1);
	if (conn_send(&cl->conn, REC_ROOM, &pr, sizeof pr) == -1)
		return (cmd_lost(cl));
	for (;;) {
		if (conn_call(&cl->conn, &rec, &m) == -1) {
			rc = cmd_lost(cl);
			break;
		}
		if (rec.hdr.type == REC_MAIL) {
			/* The header (topic, members) before the lines. */
			if (o != NULL && o->names != NULL) {
				screen_print(cl, "%s: members: %s\n", o->room,
				    o->names);
				free(o->names);
				o->names = NULL;
			}
			room_show_line(cl, &m, 0);
			mail_free(&m);
			if (o != NULL)
				o->lines++;
			continue;
		}
		if (rec.hdr.type == REC_ROOMINFO && o != NULL &&
		    room_info(&rec, &ri) == 0) {
			room_entry(cl, o, &ri);
			continue;
		}
		if (rec.hdr.type == REC_END && o != NULL)
			break;
		rc = cmd_answer(&rec);
		break;
	}
	if (o != NULL && o->names != NULL && !o->summary) {
		if (rc == CLI_EXIT_OK)
			screen_print(cl, "%s: members: %s\n", o->room, o->names);
		free(o->names);
		o->names = NULL;
	}
	return (rc);
}

/* room_unread - inbox's room lines, or the login's. */
int
room_unread(struct client *cl, int login)
{
	struct room_out	o;

	memset(&o, 0, sizeof o);
	o.inbox = !login;
	o.login = login;
	return (room_call(cl, ROOM_OP_UNREAD, NULL, NULL, 0, NULL, &o));
}

/*
 * room_unread_summary - the rooms with unread lines, as ", #ops: 5 new
 * lines" one after another (NULL: none); caller frees.  An exit code.
 */
int
room_unread_summary(struct client *cl, char **out)
{
	struct room_out	o;
	int		rc;

	memset(&o, 0, sizeof o);
	o.summary = 1;
	rc = room_call(cl, ROOM_OP_UNREAD, NULL, NULL, 0, NULL, &o);
	*out = o.names;
	return (rc);
}

int
room_cmd_join(struct client *cl, int argc, char **argv)
{
	struct room_out	o;
	int		rc;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: join #ROOM"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	memset(&o, 0, sizeof o);
	o.room = argv[1];
	o.join = 1;
	rc = room_call(cl, ROOM_OP_JOIN, argv[1], NULL, 0, NULL, &o);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_print(cl, "Joined %s.\n", argv[1]);
	return (rc);
}

int
room_cmd_leave(struct client *cl, int argc, char **argv)
{
	int	rc;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: leave #ROOM"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	rc = room_call(cl, ROOM_OP_LEAVE, argv[1], NULL, 0, NULL, NULL);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_print(cl, "Left %s.\n", argv[1]);
	return (rc);
}

int
room_cmd_rooms(struct client *cl, int argc, char **argv)
{
	struct room_out	o;

	(void)argv;
	if (argc != 1)
		return (cmd_error(CLI_EXIT_USAGE, "usage: rooms"));
	memset(&o, 0, sizeof o);
	return (room_call(cl, ROOM_OP_LIST, NULL, NULL, 0, NULL, &o));
}

int
room_cmd_members(struct client *cl, int argc, char **argv)
{
	struct room_out	o;
	int		rc;

	if (argc != 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: members #ROOM"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	memset(&o, 0, sizeof o);
	o.room = argv[1];
	o.members = 1;
	return (room_call(cl, ROOM_OP_MEMBERS, argv[1], NULL, 0, NULL, &o));
}

int
room_cmd_topic(struct client *cl, int argc, char **argv)
{
	struct room_out	 o;
	char		*text;
	int		 rc;

	if (argc < 2)
		return (cmd_error(CLI_EXIT_USAGE, "usage: topic #ROOM "
		    "[TEXT...|--lock|--unlock]"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	memset(&o, 0, sizeof o);
	o.room = argv[1];
	o.topic = 1;
	if (argc == 2)
		return (room_call(cl, ROOM_OP_TOPIC, argv[1], NULL, 0, NULL,
		    &o));
	if (argc == 3 && (strcmp(argv[2], "--lock") == 0 ||
	    strcmp(argv[2], "--unlock") == 0))
		return (room_call(cl, ROOM_OP_LOCK, argv[1], NULL,
		    strcmp(argv[2], "--lock") == 0, NULL, NULL));
	text = cmd_join(argc - 2, argv + 2);
	if (strlen(text) >= PROTO_TEXT_MAX) {
		free(text);
		return (cmd_error(CLI_EXIT_TOOBIG, "topic is too long (at most "
		    "%d bytes)", PROTO_TEXT_MAX - 1));
	}
	rc = room_call(cl, ROOM_OP_TOPIC, argv[1], NULL, 0, text, NULL);
	free(text);
	return (rc);
}

int
room_cmd_history(struct client *cl, int argc, char **argv)
{
	struct room_out	o;
	long long	n = ROOM_HISTORY_DEFAULT;
	int		rc;

	if (argc != 2 && argc != 3)
		return (cmd_error(CLI_EXIT_USAGE, "usage: history #ROOM [N]"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	if (argc == 3 && number_parse(argv[2], 1, 1000000, &n) == -1)
		return (cmd_error(CLI_EXIT_USAGE, "'%s' is not a number of "
		    "lines (1 to 1000000)", argv[2]));
	memset(&o, 0, sizeof o);
	o.room = argv[1];
	return (room_call(cl, ROOM_OP_HISTORY, argv[1], NULL, (uint32_t)n,
	    NULL, &o));
}

/* room_cmd_read - read #ROOM: its unread lines, then they are read. */
int
room_cmd_read(struct client *cl, const char *room)
{
	struct room_out	o;
	int		rc;

	if ((rc = room_check_name(room)) != 0)
		return (rc);
	memset(&o, 0, sizeof o);
	o.room = room;
	rc = room_call(cl, ROOM_OP_READ, room, NULL, 0, NULL, &o);
	if (rc == CLI_EXIT_OK && o.lines == 0 && cl->interactive)
		screen_print(cl, "No new lines in %s.\n", room);
	return (rc);
}

int
room_cmd_private(struct client *cl, int argc, char **argv)
{
	int	rc;

	if (argc != 3 || (strcmp(argv[2], "on") != 0 &&
	    strcmp(argv[2], "off") != 0))
		return (cmd_error(CLI_EXIT_USAGE, "usage: private #ROOM "
		    "on|off"));
	if ((rc = room_check_name(argv[1])) != 0)
		return (rc);
	return (room_call(cl, ROOM_OP_PRIVATE, argv[1], NULL,
	    strcmp(argv[2], "on") == 0, NULL, NULL));
}

/* room_cmd_user - invite USER #ROOM, remove USER #ROOM. */
static int
room_cmd_user(struct client *cl, int argc, char **argv, uint32_t op)
{
	int	rc;

	if (argc != 3)
		return (cmd_error(CLI_EXIT_USAGE, "usage: %s USER #ROOM",
		    argv[0]));
	if (!name_valid(argv[1]))
		return (cmd_error(CLI_EXIT_NAME, "invalid user name '%s': "
		    "names are [a-z_][a-z0-9_-]{0,31}", argv[1]));
	if ((rc = room_check_name(argv[2])) != 0)
		return (rc);
	rc = room_call(cl, op, argv[2], argv[1], 0, NULL, NULL);
	if (rc == CLI_EXIT_OK && cl->interactive)
		screen_print(cl, "%s %s %s.\n", op == ROOM_OP_INVITE ?
		    "Invited" : "Removed", argv[1], op == ROOM_OP_INVITE ?
		    "to" : "from");
	return (rc);
}

int
room_cmd_invite(struct client *cl, int argc, char **argv)
{
	return (room_cmd_user(cl, argc, argv, ROOM_OP_INVITE));
}

int
room_cmd_remove(struct client *cl, int argc, char **argv)
{
	return (room_cmd_user(cl, argc, argv, ROOM_OP_REMOVE));
}

/* room_names - the rooms this user may see, for tab completion. */
char **
room_names(struct client *cl, size_t *n)
{
	struct proto_room	 pr;
	struct proto_roominfo	 ri;
	struct record		 rec;
	struct mail		 m;
	char			**v = NULL;

	*n = 0;
	memset(&pr, 0, sizeof pr);
	pr.op = ROOM_OP_LIST;
	if (conn_send(&cl->conn, REC_ROOM, &pr, sizeof pr) == -1)
		return (NULL);
	while (conn_call(&cl->conn, &rec, &m) == 1) {
		if (rec.hdr.type == REC_MAIL)
			mail_free(&m);
		if (room_info(&rec, &ri) != 0)
			break;
		v = xreallocarray(v, *n + 2, sizeof *v);
		v[(*n)++] = xstrdup(ri.room);
		v[*n] = NULL;
	}
	return (v);
}

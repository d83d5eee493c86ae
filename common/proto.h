/*
 * proto.h - the wire protocol between mailcli and mailserv, in one place.
 * Every record is a fixed header plus a payload and never exceeds
 * PIPE_BUF, so a write(2) of one record to the shared FIFO is atomic
 * however many clients write at once.  Payloads are fixed-size structs
 * (or raw bytes for REC_DATA); both ends run on one host, so fields are
 * in host byte order.
 *
 * Two random secrets guard a session.  The client picks one and sends
 * it in REC_HELLO's header through mailserv.fifo, which only the server
 * can read; the server stamps it on every record it writes to that
 * client, so the client drops whatever anyone else writes into its
 * reply FIFO (the server must be able to open it, so others can too).
 * The server answers with a key of its own in REC_WELCOME, which only
 * the reply FIFO's reader sees; every later client record carries that
 * key.  Whoever forges a hello in someone's name gets a session no one
 * can use: the key went to the real owner's FIFO, and was dropped there.
 */
#ifndef PROTO_H
#define PROTO_H

#include <assert.h>
#include <stdint.h>

#define PROTO_MAGIC	0x314c4d49u	/* "IML1" */
#define PROTO_VERSION	7		/* 2: the sender picks the id;
					   3: sums taken a word a step;
					   4: rooms (REC_ROOM, REC_ROOMINFO);
					   5: meta blocks (subject, outside
					   sender) in sends, lists, mail;
					   6: presence (REC_PRESENCE,
					   REC_PRESINFO);
					   7: a REC_ROOMINFO ends at its
					   topic's NUL (roominfo.c) */
#define PROTO_REC_MAX	4096		/* PIPE_BUF on Linux */

#define PROTO_NAME_MAX	32		/* [a-z_][a-z0-9_-]{0,31} */
#define PROTO_TTY_MAX	32
#define PROTO_FIRST_MAX	72		/* first line of a body, in lists */
#define PROTO_SUBJECT_MAX 256		/* a subject, with its NUL */
#define PROTO_ADDR_MAX	256		/* an outside sender, with its NUL */
#define PROTO_DOMAIN_MAX 128		/* the host's mail domain, with NUL */
#define PROTO_TEXT_MAX	1024		/* error texts, wall messages */
#define PROTO_AWAY_MAX	120		/* bytes of an away text */

enum proto_type {
	/* client -> server, through DIR/mailserv.fifo */
	REC_HELLO = 1,		/* struct proto_hello: open a session */
	REC_SEND,		/* struct proto_send + body, then REC_DATA */
	REC_DATA,		/* raw body bytes */
	REC_LIST,		/* no payload: list unread mail */
	REC_FETCH,		/* struct proto_id: send me this message */
	REC_DONE,		/* struct proto_done: saved or deleted */
	REC_WALL,		/* text: live to everyone online */
	REC_BYE,		/* no payload: close the session */
	REC_ROOM,		/* struct proto_room: a room request */
	REC_PRESENCE,		/* struct proto_presence: away, mesg,
				   ignore, activity */

	/* server -> client, through the client's reply FIFO */
	REC_WELCOME = 64,	/* struct proto_welcome */
	REC_OK,			/* no payload */
	REC_ERROR,		/* struct proto_error */
	REC_ENTRY,		/* struct proto_entry: one line of a list */
	REC_END,		/* end of a list */
	REC_MAIL,		/* struct proto_mail, then REC_DATA */
	REC_WALLMSG,		/* struct proto_wallmsg */
	REC_NOTICE,		/* text from the server */
	REC_LOGOUT,		/* struct proto_error: the server ends this
				   session (kicked, stopping) */
	REC_ROOMINFO,		/* struct proto_roominfo: a room, a member or
				   an unread count, in a list ended by REC_END */
	REC_PRESINFO,		/* struct proto_presinfo: a user's presence
				   or one ignored name */
};

/* Error codes carried in REC_ERROR; mailcli exits with them. */
enum proto_err {
	PROTO_E_USAGE = 1,
	PROTO_E_NOSERVER = 2,
	PROTO_E_NAME = 3,
	PROTO_E_FULL = 4,
	PROTO_E_TOOBIG = 5,
	PROTO_E_NOMSG = 6,	/* no such message: mailcli exits 1 */
	PROTO_E_DENIED = 7,	/* identity check failed: mailcli exits 3 */
	PROTO_E_BUSY = 8,	/* too many users online: mailcli exits 1 */
	PROTO_E_RATE = 9,	/* sending too fast: mailcli exits 6 */
	PROTO_E_KICKED = 10,	/* logged out by the admin: exits 1 */
	PROTO_E_ALLOWED = 11,	/* not allowed (a room's member, owner,
				   private): mailcli exits 7 */
	PROTO_E_NOROOM = 12,	/* no such room: mailcli exits 7 */
};

struct proto_hdr {
	uint32_t	magic;
	uint16_t	version;
	uint16_t	type;
	uint32_t	len;		/* payload bytes after the header */
	uint32_t	sum;		/* FNV-1a by 8-byte words of header
					   (sum 0) + payload, folded to 32 */
	uint32_t	pid;		/* the client's pid, names its session */
	uint32_t	pad;
	uint8_t		token[16];	/* hello: the client's secret, then
					   the server's key (see above) */
};
#define PROTO_PAYLOAD_MAX	(PROTO_REC_MAX - sizeof(struct proto_hdr))

#define PROTO_HELLO_LOGIN	0x1	/* interactive: enter the online table */

struct proto_hello {
	char		name[PROTO_NAME_MAX + 1];
	char		tty[PROTO_TTY_MAX];
	uint8_t		pad[3];
	uint32_t	flags;
};

struct proto_welcome {
	uint8_t		key[16];	/* every later record carries it */
	uint32_t	unread;
	uint32_t	max_body;
	int32_t		server_pid;	/* to notice its death however the
					   reply FIFO is held open */
	uint32_t	pad;
	char		mail_domain[PROTO_DOMAIN_MAX];	/* for outbound
					   From: NAME@DOMAIN (mta.md) */
};

struct proto_error {
	uint32_t	code;
	char		text[PROTO_TEXT_MAX];
};

/*
 * The sender picks the message's id (a uuid) and keeps it when it
 * sends again after losing the answer: mailserv stores an id once and
 * answers "sent" to every copy, so a retry never delivers twice.  A
 * body may open with a meta block of metalen bytes (a subject; from
 * `mailcli deliver`, an outside sender): mailserv checks it.  The
 * first body bytes follow the struct in the same record (a short
 * message is one record); REC_DATA records carry the rest.
 */
struct proto_send {
	uint8_t		id[16];
	char		to[PROTO_NAME_MAX + 1];
	uint8_t		pad[3];
	uint32_t	len;		/* body bytes, here and in REC_DATA */
	uint32_t	metalen;	/* the body's meta block (mail.h) */
};

struct proto_id {
	uint8_t		id[16];
};

#define PROTO_DONE_SAVED	0x1	/* in the reader's mbox: remove */
#define PROTO_DONE_QUIET	0x2	/* no REC_OK wanted (live mail ack) */

struct proto_done {
	uint8_t		id[16];
	uint32_t	flags;
};

struct proto_entry {
	uint8_t		id[16];
	char		from[PROTO_NAME_MAX + 1];
	uint8_t		pad[7];
	int64_t		date;
	uint32_t	len;
	char		first[PROTO_FIRST_MAX];
	char		subject[PROTO_SUBJECT_MAX];
	char		addr[PROTO_ADDR_MAX];	/* outside sender, or "" */
};

#define PROTO_MAIL_LIVE	0x1		/* pushed because the reader is online */
#define PROTO_MAIL_ROOM	0x2		/* a room's line: to is the room; not
					   for the mbox, no REC_DONE */

struct proto_mail {
	uint8_t		id[16];
	char		from[PROTO_NAME_MAX + 1];
	char		to[PROTO_NAME_MAX + 1];
	uint8_t		pad[6];
	int64_t		date;
	uint32_t	len;
	uint32_t	flags;
	uint32_t	metalen;	/* the body's meta block (mail.h) */
	uint32_t	pad2;
};

struct proto_wallmsg {
	char		from[PROTO_NAME_MAX + 1];
	uint8_t		pad[7];
	int64_t		date;
	char		text[PROTO_TEXT_MAX];
};

/*
 * A room request.  JOIN answers the room (REC_ROOMINFO ROOM), its
 * members (MEMBER), the backlog (REC_MAIL with PROTO_MAIL_ROOM) and
 * REC_END; LIST, MEMBERS, TOPIC (text empty: show), HISTORY, READ and
 * UNREAD answer a list ended by REC_END; the others REC_OK.  Refusals
 * are REC_ERROR, PROTO_E_ALLOWED or PROTO_E_NOROOM among them.
 */
enum proto_room_op {
	ROOM_OP_JOIN = 1,
	ROOM_OP_LEAVE,
	ROOM_OP_LIST,		/* the rooms the caller may see */
	ROOM_OP_MEMBERS,
	ROOM_OP_TOPIC,		/* text: the new topic; empty: show it */
	ROOM_OP_LOCK,		/* n: 1 lock the topic, 0 unlock */
	ROOM_OP_HISTORY,	/* n: the last n lines */
	ROOM_OP_READ,		/* the unread lines, then they are read */
	ROOM_OP_PRIVATE,	/* n: 1 on, 0 off */
	ROOM_OP_INVITE,		/* user */
	ROOM_OP_REMOVE,		/* user */
	ROOM_OP_UNREAD,		/* one UNREAD info per room with new lines */
};

struct proto_room {
	uint32_t	op;
	uint32_t	n;
	char		room[PROTO_NAME_MAX + 1];
	char		user[PROTO_NAME_MAX + 1];
	uint8_t		pad[2];
	char		text[PROTO_TEXT_MAX];
};

#define ROOMINFO_ROOM	1	/* room, name (owner), members, online,
				   count (lines), flags, topic */
#define ROOMINFO_MEMBER	2	/* room, name, flags ONLINE / OWNER */
#define ROOMINFO_UNREAD	3	/* room, count: unread lines */

#define ROOMINFO_PRIVATE 0x1
#define ROOMINFO_LOCKED	0x2
#define ROOMINFO_ONLINE	0x4
#define ROOMINFO_OWNER	0x8

struct proto_roominfo {
	uint32_t	kind;
	uint32_t	members;
	uint32_t	online;
	uint32_t	count;
	uint32_t	flags;
	char		room[PROTO_NAME_MAX + 1];
	char		name[PROTO_NAME_MAX + 1];
	uint8_t		pad[6];
	char		topic[PROTO_TEXT_MAX];
};

/*
 * A presence request (server/presence.c): the caller's own state, as
 * the server verified the caller.  AWAY (text; empty: back) and
 * IGNORE, UNIGNORE (user) answer REC_OK; MESG (n: 1 do not disturb,
 * 0 not) and SHOW answer one REC_PRESINFO STATE; IGNORES answers one
 * REC_PRESINFO IGNORED a name, then REC_END; ACTIVE (the user typed a
 * line the server does not otherwise see) answers nothing.
 */
enum proto_pres_op {
	PRES_OP_AWAY = 1,
	PRES_OP_MESG,
	PRES_OP_SHOW,
	PRES_OP_IGNORE,
	PRES_OP_UNIGNORE,
	PRES_OP_IGNORES,
	PRES_OP_ACTIVE,
};

struct proto_presence {
	uint32_t	op;
	uint32_t	n;
	char		user[PROTO_NAME_MAX + 1];
	uint8_t		pad[3];
	char		text[PROTO_AWAY_MAX + 1];
	uint8_t		pad2[7];
};

#define PRESINFO_STATE		1	/* flags, held, away */
#define PRESINFO_IGNORED	2	/* name */

#define PRESINFO_DND		0x1
#define PRESINFO_AWAY		0x2

struct proto_presinfo {
	uint32_t	kind;
	uint32_t	flags;
	uint32_t	held;		/* mail held while DND, now ended */
	char		name[PROTO_NAME_MAX + 1];
	uint8_t		pad[3];
	char		away[PROTO_AWAY_MAX + 1];
	uint8_t		pad2[3];
};

static_assert(sizeof(struct proto_presence) <= PROTO_PAYLOAD_MAX,
    "presence fits");
static_assert(sizeof(struct proto_presinfo) <= PROTO_PAYLOAD_MAX,
    "presinfo fits");
static_assert(sizeof(struct proto_room) <= PROTO_PAYLOAD_MAX, "room fits");
static_assert(sizeof(struct proto_roominfo) <= PROTO_PAYLOAD_MAX,
    "roominfo fits");
static_assert(sizeof(struct proto_hdr) == 40, "header layout");
static_assert(sizeof(struct proto_wallmsg) <= PROTO_PAYLOAD_MAX, "wall fits");
static_assert(sizeof(struct proto_error) <= PROTO_PAYLOAD_MAX, "error fits");
static_assert(sizeof(struct proto_entry) <= PROTO_PAYLOAD_MAX, "entry fits");

#endif

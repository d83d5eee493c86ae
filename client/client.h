/*
 * client.h - mailcli's state and the pieces it is made of: the
 * connection to mailserv (conn.c), the helper children of an
 * interactive session (helper.c), the session's numbered message list
 * (msglist.c), the commands (cmd.c), the interactive shell (shell.c)
 * and riding through a restart of mailserv (reconnect.c).
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "mail.h"
#include "record.h"

/* mailcli's exit codes (mailcli(1)). */
#define CLI_EXIT_OK		0
#define CLI_EXIT_USAGE		1
#define CLI_EXIT_NOSERVER	2
#define CLI_EXIT_NAME		3
#define CLI_EXIT_FULL		4
#define CLI_EXIT_TOOBIG		5
#define CLI_EXIT_RATE		6
#define CLI_EXIT_ALLOWED	7	/* not allowed; no such room */
#define CLI_EXIT_SENDMAIL	8	/* the host's mail system refused */

#define CONN_TIMEOUT_MS		5000
#define CLI_RECONNECT_DEFAULT	300	/* s: --reconnect */
#define CLI_WAIT_DEFAULT	10	/* s: --wait */

struct conn;
typedef void conn_async_fn(void *, const struct record *, struct mail *);

struct conn {
	const char		*dir;
	int			 dirfd;
	char			 fifo[64];	/* clients/NAME.PID */
	int			 fifo_made;
	int			 replyfd;	/* our FIFO, read end */
	int			 serverfd;	/* mailserv.fifo, write end */
	int			 in;		/* records arrive here */
	int			 out;		/* records go here */
	pid_t			 helper_in;
	pid_t			 helper_out;
	int			 helpers;	/* talking through helpers */
	pid_t			 pid;
	uint8_t			 token[16];	/* ours: on the server's replies */
	uint8_t			 key[16];	/* the server's: on our records */
	int			 have_token;	/* we have the key */
	pid_t			 server_pid;
	int			 gone;
	int			 call_ms;	/* conn_call's wait */
	uint32_t		 logout;	/* REC_LOGOUT's code, or 0 */
	char			 logout_text[PROTO_TEXT_MAX];
	struct record_parser	*parser;
	conn_async_fn		*async;
	void			*async_arg;
};

enum msg_state { MSG_UNREAD, MSG_READ, MSG_DELETED, MSG_GONE };

struct msg {
	int		n;
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
	int64_t		date;
	uint32_t	len;
	char		first[PROTO_FIRST_MAX];
	char		subject[PROTO_SUBJECT_MAX];
	char		addr[PROTO_ADDR_MAX];	/* outside sender, or "" */
	char		reply_to[PROTO_ADDR_MAX]; /* where a reply goes out,
						   once the message was read */
	char		msgid[PROTO_ADDR_MAX];	/* its Message-ID, then */
	enum msg_state	state;
};

struct msglist {
	struct msg	*v;
	size_t		 n;
	size_t		 cap;
	int		 next;
};

/* A send whose answer was not heard when mailserv went away. */
struct unsent {
	uint8_t		 id[MAIL_ID_LEN];
	char		 to[PROTO_NAME_MAX + 1];
	uint8_t		*body;		/* its meta block, then its text */
	size_t		 len;
	uint32_t	 metalen;
};

/* Away from mailserv: when, the next try, and what to send again. */
struct reconnect {
	long long	 lost_ms;	/* when it went away; 0: connected */
	long long	 next_ms;	/* the next try */
	long long	 limit_ms;	/* give up this long after lost_ms */
	int		 delay_ms;	/* the pause after a failed try */
	int		 tries;
	char		 why[PROTO_TEXT_MAX];	/* "mailserv is stopping" */
	struct unsent	*unsent;
	size_t		 nunsent;
};

/* A message typed line by line (compose.c). */
struct compose {
	int		 active;
	char		**to;
	int		 n;
	char		*subject;
	char		*body;
	size_t		 len;
};

struct client {
	const char	*dir;
	int		 dirfd;
	char		*keyfile;
	char		 name[PROTO_NAME_MAX + 1];
	char		*mbox;
	int		 interactive;
	int		 readline;	/* the shell drives readline */
	int		 in_command;
	int		 quit;
	int		 sigfd;
	uint32_t	 max_body;
	uint32_t	 unread;
	uint8_t		 send_id[16];	/* --id: the next send's message id */
	int		 have_send_id;
	const char	*sendmail;	/* --sendmail, $IPCMAIL_SENDMAIL */
	char		 mail_domain[PROTO_DOMAIN_MAX]; /* from the welcome */
	int		 reconnect_s;	/* --reconnect: a session's patience */
	int		 wait_s;	/* --wait: a one-shot send's */
	long long	 typed_ms;	/* last told mailserv of a line */
	char		 talk[PROTO_NAME_MAX + 1];	/* talk.c: "" none */
	int		 bell_mode;	/* bell.c: BELL_* */
	int		 bell_loaded;
	int		 term_loaded;	/* terminfo looked up */
	int		 term_ok;
	struct compose	 compose;	/* compose.c */
	struct reconnect away;
	struct conn	 conn;
	struct msglist	 list;
};

/* conn.c */
int	conn_open(struct conn *, int, const char *, const char *, char **);
int	conn_hello(struct conn *, const char *, uint32_t, struct client *,
	    char **);
int	conn_send(struct conn *, uint16_t, const void *, size_t);
int	conn_post(struct conn *, const uint8_t *, const char *,
	    const uint8_t *, size_t, uint32_t);
int	conn_next(struct conn *, struct record *, struct mail *, int);
int	conn_call(struct conn *, struct record *, struct mail *);
void	conn_close(struct conn *);
void	conn_unlink(struct conn *);

/* deliver.c */
int	deliver_main(const char *, int, char **);

/* sendmail.c */
int	sendmail_post(struct client *, const char *, const char *,
	    const char *, const uint8_t *, size_t);

/* helper.c */
int	helper_start(struct conn *, char **);
int	helper_reap(struct conn *);
void	helper_stop(struct conn *);

/* msglist.c */
void	msglist_clear(struct msglist *);
struct msg *msglist_add(struct msglist *, const uint8_t *, const char *,
	    int64_t, uint32_t, const char *, enum msg_state);
struct msg *msglist_get(struct msglist *, int);
struct msg *msglist_find(struct msglist *, const uint8_t *);
void	msglist_begin_refresh(struct msglist *);
size_t	msglist_count(struct msglist *, enum msg_state);

/* cmd.c */
int	cmd_run(struct client *, int, char **);
int	cmd_error(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	cmd_lost(struct client *);
int	cmd_answer(const struct record *);
char	*cmd_join(int, char **);
int	cmd_who(struct client *, int, char **);
int	cmd_kick(struct client *, int, char **);
int	cmd_exit_code(uint32_t);
int	cmd_refresh(struct client *);
int	cmd_resend(struct client *);
int	cmd_unsent(struct client *);
const char *cmd_name(size_t);
void	cmd_show_live(struct client *, struct mail *);
int	cmd_split(char *, char ***);
int	cmd_post_body(struct client *, const char *, const char *,
	    const uint8_t *, size_t);
int	cmd_post_text(struct client *, const char *, const char *);
char	**cmd_online(struct client *, size_t *);

/* room.c */
void	room_show_line(struct client *, const struct mail *, int);
int	room_unread(struct client *, int);
int	room_cmd_join(struct client *, int, char **);
int	room_cmd_leave(struct client *, int, char **);
int	room_cmd_rooms(struct client *, int, char **);
int	room_cmd_members(struct client *, int, char **);
int	room_cmd_topic(struct client *, int, char **);
int	room_cmd_history(struct client *, int, char **);
int	room_cmd_read(struct client *, const char *);
int	room_cmd_private(struct client *, int, char **);
int	room_cmd_invite(struct client *, int, char **);
int	room_cmd_remove(struct client *, int, char **);
char	**room_names(struct client *, size_t *);
int	room_unread_summary(struct client *, char **);

/* presence.c */
int	presence_cmd_away(struct client *, int, char **);
int	presence_cmd_mesg(struct client *, int, char **);
int	presence_cmd_ignore(struct client *, int, char **);
int	presence_cmd_unignore(struct client *, int, char **);
void	presence_typed(struct client *);
void	presence_oneshot_async(void *, const struct record *, struct mail *);

/* bell.c */
#define BELL_OFF	0
#define BELL_ON		1
#define BELL_MENTIONS	2
void	bell_load(struct client *);
int	bell_cmd(struct client *, int, char **);
void	bell_show(struct client *, const struct mail *, const char *, size_t);

/* talk.c */
int	talk_cmd(struct client *, int, char **);
int	talk_end(struct client *, int, char **);
int	talk_active(const struct client *);
int	talk_line(struct client *, const char *);
const char *talk_prompt(struct client *, char *, size_t);
int	talk_show(struct client *, const struct mail *, const uint8_t *,
	    size_t);

/* compose.c */
int	compose_start(struct client *, char **, int, const char *);
int	compose_active(const struct client *);
int	compose_line(struct client *, const char *);
int	compose_abandon(struct client *);

/* reconnect.c */
void	reconnect_lost(struct client *, int);
int	reconnect_away(const struct client *);
int	reconnect_timeout(const struct client *);
int	reconnect_try(struct client *, int, int *, char **);
int	reconnect_wait(struct client *, int *, char **);
void	reconnect_hold(struct client *, const uint8_t *, const char *,
	    const uint8_t *, size_t, uint32_t);
void	reconnect_heard(struct client *, const uint8_t *);
const struct unsent *reconnect_unsent(const struct client *);
void	reconnect_clear(struct client *);

/* screen.c */
void	screen_write(struct client *, const void *, size_t);
void	screen_print(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	screen_show(struct client *, const void *, size_t);
void	screen_showf(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* shell.c */
int	shell_run(struct client *);

#endif

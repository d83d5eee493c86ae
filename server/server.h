/*
 * server.h - mailserv's state, owned by one struct server that main()
 * makes, and the sessions of the clients it serves.
 */
#ifndef SERVER_H
#define SERVER_H

#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "backend.h"
#include "idset.h"
#include "log.h"
#include "mail.h"
#include "record.h"
#include "spool.h"
#include "store.h"
#include "table.h"

/* mailserv's exit codes. */
#define SERVER_EXIT_OK		0
#define SERVER_EXIT_USAGE	1
#define SERVER_EXIT_ERROR	2
#define SERVER_EXIT_RUNNING	3

/* How often mailserv checks that its online table is still there. */
#define ONLINE_CHECK_MS		2000

/* Ids of accepted messages remembered, so a sender's retry of one of
 * them is answered, not stored again (the spool remembers more). */
#define SERVER_SEEN_MAX		65536

/* room.c's limits (mailserv --backlog, --room-history, --max-rooms,
 * --max-joined; members per room: --max-users). */
struct rooms_config {
	unsigned	 backlog;	/* lines shown on join; 0: none */
	unsigned	 history;	/* lines a room keeps */
	unsigned	 max_rooms;
	unsigned	 max_joined;	/* rooms one user may be in */
	unsigned	 max_members;
};

#define ROOMS_BACKLOG_DEFAULT	20
#define ROOMS_HISTORY_DEFAULT	500
#define ROOMS_MAX_DEFAULT	1024
#define ROOMS_JOINED_DEFAULT	64

struct server_config {
	const char	*dir;
	unsigned	 max_users;
	uint32_t	 max_body;
	uint64_t	 quota;
	unsigned	 shards;
	const char	*spool;		/* its directory; NULL: no spool */
	unsigned	 rate;		/* messages a minute per sender; 0: any */
	uint64_t	 spool_max;	/* live bytes the spool may hold */
	uint64_t	 spool_minfree;	/* free bytes its file system keeps */
	uint64_t	 sender_quota;	/* bytes at others; 0: an eighth of
					   the store (quota.c) */
	int		 recipients;	/* RECIPIENT_ANY, RECIPIENT_ACCOUNTS */
	unsigned	 max_sessions;	/* interactive, per user (admit.c) */
	const struct backend *backend;	/* NULL: sysv */
	struct rooms_config rooms;
	int		 irc;		/* listen on DIR/irc.sock */
	unsigned	 irc_port;	/* and on loopback; 0: not */
	int		 verbose;
	char		 mail_domain[PROTO_DOMAIN_MAX]; /* --mail-domain */
};

/* --recipients (recipient.c) */
#define RECIPIENT_ANY		0
#define RECIPIENT_ACCOUNTS	1

struct quota;			/* quota.c */
struct irc;			/* irc.c, irc.h */
struct irc_conn;

/* A sender's token bucket, for --rate. */
struct sender {
	char		name[PROTO_NAME_MAX + 1];
	double		tokens;
	long long	last_ms;
};

/* A reply that waits for the spool's next group commit: to a send, to
 * a copy of a send already accepted, or to a done. */
#define POST_DONE	0
#define POST_SENT	1
#define POST_AGAIN	2
struct pending {
	struct session	*s;
	uint8_t		 id[MAIL_ID_LEN];
	int		 sent;		/* POST_SENT, POST_AGAIN, POST_DONE */
};

/*
 * The fields every message looks at (post_accept scans the sessions by
 * name for live delivery) come first, in one cache line.
 */
struct session {
	char			 name[PROTO_NAME_MAX + 1];
	int			 login;		/* in the online table */
	int			 dead;
	pid_t			 pid;
	struct session		*pidnext;	/* same pid hash bucket */
	struct session		*namenext;	/* same name hash bucket, of
						   the logged-in sessions */
	uid_t			 uid;
	char			 tty[PROTO_TTY_MAX];
	char			 fifo[64];	/* clients/NAME.PID */
	uint8_t			 token[16];	/* the client's: on replies */
	uint8_t			 key[16];	/* ours: on its records */
	int			 confirmed;	/* it has used the key */
	int			 want_login;
	time_t			 since;		/* logged in then */
	time_t			 active;	/* its last line (presence.c) */
	int			 slot;
	int			 fd;		/* its reply FIFO, write end */
	uint8_t			*out;		/* records not yet written */
	size_t			 outlen;
	size_t			 outcap;
	int			 queued;	/* on the server's flush list */
	unsigned		 waiting;	/* answers waiting for a commit */
	int			 pollout;	/* epoll waits for room */
	char			 to[PROTO_NAME_MAX + 1]; /* a send under way */
	uint8_t			 send_id[MAIL_ID_LEN];	/* and its id */
	uint32_t		 send_metalen;	/* and its meta block */
	struct mail_assembly	 body;
	uint32_t		 skip;	/* body bytes of a refused send */
	struct irc_conn		*irc;	/* an IRC connection (irc.c) */
};

struct server {
	struct server_config	 cfg;
	int			 dirfd;
	int			 lockfd;
	int			 fifofd;
	int			 sigfd;
	int			 ctlfd;		/* the control socket */
#define SERVER_CTL_MAX	8
	int			 ctl[SERVER_CTL_MAX];
	int			 ctl_ok[SERVER_CTL_MAX]; /* SO_PEERCRED passed */
	size_t			 nctl;
	char			*keyfile;
	struct store		*store;
	struct spool		*spool;
	struct rooms		*rooms;		/* room.c */
	struct presence		*presence;	/* presence.c */
	struct irc		*irc;		/* irc.c: the IRC door */
	struct overflow		*overflow;	/* mail waiting for room */
	struct idset		*seen;		/* ids accepted lately */
	struct sender		*senders;
	struct quota		*quota;		/* bytes at others, by sender */
	size_t			 nsenders;
	struct pending		*pending;	/* for the next commit */
	size_t			 npending;
	size_t			 pendcap;
	struct pending		*flight;	/* for the one in flight */
	size_t			 nflight;
	size_t			 flightcap;
	pthread_t		 commit_tid;	/* commit.c */
	int			 commit_go[2];
	int			 commit_done[2];
	int			 commit_running;
	int			 commit_busy;	/* a commit is in flight */
	const struct backend	*backend;
	const struct table_ops	*tops;
	void			*table;		/* NULL: to be made again */
	long long		 online_checked;	/* ms */
	struct record_parser	 parser;
	struct session		**sessions;
	size_t			 nsessions;
	size_t			 nlogins;	/* sessions with login set */
	size_t			 ndead;		/* sessions session_reap frees */
#define SERVER_PID_BUCKETS	1024
	struct session		*bypid[SERVER_PID_BUCKETS];
#define SERVER_NAME_BUCKETS	1024
	struct session		*byname[SERVER_NAME_BUCKETS];	/* logged in */
	int			 epfd;		/* the reply FIFOs' events */
	struct session		**flush;	/* sessions with output */
	size_t			 nflush;
	size_t			 flushcap;
	time_t			 started;
	uint64_t		 accepted;
	uint64_t		 delivered;
	uint64_t		 resent;	/* copies answered, not stored */
	struct log_budget	 hostile;	/* warnings others can cause */
	int			 quit;
};

/* server.c */
int	server_run(const struct server_config *);
void	server_cleanup(struct server *);

/* session.c */
struct session *session_hello(struct server *, const struct record *);
struct session *session_find(struct server *, const struct record *);
struct session *session_online(struct server *, const char *);
void	session_queue(struct server *, struct session *, uint16_t,
	    const void *, size_t);
void	session_error(struct server *, struct session *, uint32_t,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	session_flush(struct server *, struct session *);
void	session_flush_all(struct server *);
void	session_event(struct server *, struct session *, uint32_t);
void	session_close(struct server *, struct session *, const char *);
void	session_logout(struct server *, struct session *, uint32_t,
	    const char *, const char *);
void	session_reap(struct server *);
int	session_privileged(const struct session *);
void	session_mark(struct server *, struct session *);
struct session *session_attach(struct server *, int, uid_t, pid_t,
	    const char *, const char *);
int	session_login(struct server *, struct session *);

/* irc.c */
#define IRC_SOCKET	"irc.sock"
#define IRC_LISTEN_MAX	3
struct irc *irc_new(struct server *, char **);
void	irc_free(struct server *);
int	irc_fds(struct server *, int *);
void	irc_accept(struct server *, int);
void	irc_record(struct server *, struct session *, uint16_t, const void *,
	    size_t);
void	irc_flush(struct server *, struct session *);
void	irc_event(struct server *, struct session *, uint32_t);
void	irc_closing(struct server *, struct session *);
void	irc_conn_free(struct irc_conn *);
void	irc_status(struct server *, char *, size_t);

/* ircpeer.c */
int	ircpeer_tcp(int, uid_t *, char *, size_t);

/* online.c */
int	online_add(struct server *, struct session *);
void	online_update(struct server *, const char *);
void	online_check(struct server *);
int	online_next_ms(struct server *);

/* commit.c */
int	commit_start(struct server *, char **);
void	commit_kick(struct server *);
int	commit_fd(struct server *);
void	commit_done(struct server *);
void	commit_stop(struct server *);

/* post.c */
void	post_commit_begin(struct server *);
void	post_commit_end(struct server *, int, const char *);
int	post_reconcile(struct server *, char **);
void	post_send(struct server *, struct session *, const struct record *);
void	post_data(struct server *, struct session *, const struct record *);
void	post_list(struct server *, struct session *);
void	post_fetch(struct server *, struct session *, const struct record *);
void	post_done(struct server *, struct session *, const struct record *);
void	post_wall(struct server *, struct session *, const struct record *);
void	post_deliver(struct server *, struct session *, const struct mail *,
	    uint32_t);
const struct store_entry *post_stored(struct server *, const uint8_t *);
int	post_keep(struct server *, const struct mail *, char **);
void	post_drop(struct server *, const uint8_t *);
void	post_ack(struct server *, struct session *, const uint8_t *, int);
int	post_get(struct server *, const uint8_t *, struct mail *, char **);

/* room.c */
/*
 * A change room.c tells its watcher (the IRC door) once it is made: who
 * joined or left, was removed (by), or set the topic.  The session is
 * the one whose request made it.
 */
#define ROOM_EV_JOIN	1
#define ROOM_EV_LEAVE	2
#define ROOM_EV_REMOVE	3
#define ROOM_EV_TOPIC	4
struct room_change {
	int		 event;
	const char	*room;
	const char	*who;
	const char	*by;		/* the requester */
	const char	*topic;		/* ROOM_EV_TOPIC: the new one */
};
typedef void room_watch_fn(struct server *, struct session *,
	    const struct room_change *);
struct rooms *rooms_new(const struct rooms_config *);
void	rooms_watch(struct rooms *, room_watch_fn *);
int	room_topic_set(struct server *, const char *, char *, size_t,
	    int64_t *);
void	rooms_free(struct rooms *);
void	room_load(struct server *);
void	room_request(struct server *, struct session *, const struct record *);
int	room_may_post(struct server *, struct session *, const char *,
	    uint32_t);
void	room_post(struct server *, struct session *, const struct mail *);
void	room_flush(struct server *);
void	room_forget(struct server *, const uint8_t *);
void	room_status(struct server *, char *, size_t);
int	room_admin(const struct session *);

/*
 * presence.c - a user's away text, do-not-disturb and ignore list:
 * the user's, not a session's, kept across restarts (one state record
 * a user in the store and the spool) and shown in the online table.
 * The other modules (post.c, room.c, the IRC door) ask these:
 */
struct presence *presence_new(void);
void	presence_free(struct presence *);
void	presence_load(struct server *);
void	presence_request(struct server *, struct session *,
	    const struct record *);
/* Away with text (cut to PROTO_AWAY_MAX, UTF-8 whole), or back (NULL
 * or ""); 0, or -1 if it could not be kept. */
int	presence_set_away(struct server *, const char *, const char *);
const char *presence_away(struct server *, const char *);  /* NULL: here */
/* mesg n (1) or y (0): the mail held meanwhile, counted; -1: not kept. */
int	presence_set_dnd(struct server *, const char *, int, uint32_t *);
int	presence_dnd(struct server *, const char *);
void	presence_held(struct server *, const char *);	/* one mail held */
int	presence_set_ignore(struct server *, const char *, const char *,
	    int);
int	presence_ignores(struct server *, const char *, const char *);
void	presence_active(struct server *, struct session *);
void	presence_fill(struct server *, const char *, struct table_user *);
void	presence_status(struct server *, char *, size_t);
char	(*room_each_of(struct server *, const char *, size_t *))
	    [PROTO_NAME_MAX + 1];

/* overflow.c; OVERFLOW_HELD: kept in the spool, waiting for room */
#define OVERFLOW_HELD	2
struct overflow *overflow_new(void);
void	overflow_free(struct overflow *);
int	overflow_admit(struct server *, uint32_t, char **);
int	overflow_store(struct server *, const struct mail *, char **);
int	overflow_adopt(struct server *, const struct mail *);
const struct store_entry *overflow_find(struct overflow *, const uint8_t *);
int	overflow_remove(struct overflow *, const uint8_t *);
size_t	overflow_unread(struct overflow *, const char *, uint64_t *);
void	overflow_list(struct overflow *, const char *,
	    void (*)(const struct store_entry *, void *), void *);
void	overflow_each(struct overflow *,
	    void (*)(const struct store_entry *, void *), void *);
size_t	overflow_count(struct overflow *, uint64_t *);
void	overflow_kick(struct overflow *);
void	overflow_run(struct server *);
void	overflow_status(struct server *, char *, size_t);

/* quota.c */
struct quota *quota_new(const char *, uint64_t, uint64_t);
void	quota_free(struct quota *);
uint64_t quota_limit(const struct quota *);
void	quota_charge(struct quota *, const uint8_t *, const char *,
	    const char *, uint32_t);
void	quota_refund(struct quota *, const uint8_t *);
void	quota_charge_entry(const struct store_entry *, void *);
void	quota_rebuild(struct quota *, struct store *, struct overflow *);
uint64_t quota_used(struct quota *, const char *);
int	quota_check(struct server *, struct session *, const char *, uint32_t);
char	*quota_status(struct quota *, size_t);

/* recipient.c */
int	recipient_mode(const char *);
int	recipient_check(struct server *, struct session *, const char *);

/* admit.c */
unsigned admit_reserve(unsigned);
uint32_t admit_hello(struct server *, const struct session *, size_t, char *,
	    size_t);
uint32_t admit_login(struct server *, const struct session *, char *, size_t);
char	*admit_status(struct server *, size_t);

/* control.c */
void	control_accept(struct server *);
void	control_handle(struct server *, size_t);
char	*control_status(struct server *);

/* status.c */
int	status_print(const char *, const char *);
int	status_purge(const char *, const char *);
int	status_stop(const char *);

#endif

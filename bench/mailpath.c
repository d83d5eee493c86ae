/*
 * mailpath.c - ipcmail's own paths, measured through the project's
 * code.  mailserv is server_run() in a child, on a private run
 * directory; senders, recipients, readers and a crowd of idle sessions
 * are children that use the client library (conn_open, conn_hello,
 * conn_send, conn_call, conn_next) the way mailcli does, one session
 * per process for its whole life; `who` is the table read of table.h.
 * Nothing is spawned per message except in the one-shot rows, which
 * exec a program per message on purpose.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "log.h"
#include "rundir.h"
#include "server.h"
#include "xmalloc.h"

/* mailserv's defaults (server/mailserv.c keeps them to itself). */
#define MAILPATH_QUOTA		(256 * 1024)
#define MAILPATH_SHARDS		128
#define MAILPATH_SPOOL		"spool"	/* inside DIR: the same disk */
#define MAILPATH_MAX_USERS	1100	/* default 64: too few for 1000 */
#define MAILPATH_BODY		128
#define MAILPATH_WAIT_MS	30000	/* for one record, in a child */
#define MAILPATH_START_MS	10000
#define MAILPATH_OBJECTS	300

static const int mailpath_senders[] = { 1, 4, 16 };
static const int mailpath_members[] = { 1, 10, 100 };
/* Unpaced rooms go on to 1000 members (spool off: the flat-cost target). */
static const int mailpath_room_sizes[] = { 1, 10, 100, 1000 };
#define MAILPATH_ROOM_BIG	1000
/* The memory row's rooms: mailserv's --room-history lines in each. */
#define MAILPATH_MEM_ROOMS	100
#define MAILPATH_MEM_LINES	ROOMS_HISTORY_DEFAULT
#define MAILPATH_MEM_FILLERS	10	/* each fills 10 rooms */
#define MAILPATH_ROOM		"#bench"
static const int mailpath_sizes[] = { 10, 100, 1000 };

struct mailpath_srv {
	char		 dir[64];
	char		*keyfile;
	const char	*log;
	const struct backend *backend;
	int		 spool;		/* the durable spool is on */
	const char	*tag;		/* "spool-off" or "spool-on" */
	char		 ipcid[80];	/* "ipcmail.ID.": its POSIX names */
	unsigned	 max_users;
	unsigned	 shards;	/* the store's queues */
	uint64_t	 sender_quota;	/* 0: mailserv's, an eighth */
	int		 window;	/* throughput: sends in flight */
	pid_t		 pid;
	struct run	 run;
	int		 undo;
	/* what the server holds in the kernel, to check it is all gone */
	int		*msq;
	size_t		 nmsq;
	int		 shm, sem;
};

enum mailpath_role {
	MP_PAIR, MP_SENDER, MP_RECIPIENT, MP_DRAINER, MP_LOGIN, MP_CROWD,
	MP_WHO, MP_ONESHOT, MP_PACED, MP_ROOM_SENDER, MP_ROOM_MEMBER,
	MP_PACED_TALKER, MP_PACED_MEMBER, MP_ROOM_FILL
};

/* The body of a timed message: stamps first, then filler. */
struct mailpath_stamp {
	int64_t		sent;		/* CLOCK_MONOTONIC at conn_send */
	int64_t		other;		/* the peer's last one-way sample */
	int64_t		seq;
};

/*
 * Live mail that came while we waited for an answer.  With the spool
 * on, a sender's REC_OK waits for the group commit while live pushes
 * do not, so the peer's reply can arrive first; conn_call hands it to
 * the async handler (as mailcli's shell does), which keeps it here.
 */
struct mailpath_stash {
	int			have;
	int			extra;		/* more than one: a bug */
	int64_t			at;		/* when it arrived */
	uint8_t			id[MAIL_ID_LEN];
	char			from[PROTO_NAME_MAX + 1];
	struct mailpath_stamp	st;
	uint32_t		len;
};

struct mailpath_job {
	struct mailpath_srv	*srv;
	enum mailpath_role	 role;
	char			 name[PROTO_NAME_MAX + 1];
	char			 peer[PROTO_NAME_MAX + 1];
	int			 count;		/* per round */
	int			 rounds;
	int			 warm;
	int			 expect;	/* who: users in the table */
	int			 rooms;		/* fill: rooms, from room */
	int			 room;
	const char		*prog;		/* one-shot: the program */
	const char		*user;		/* mail -s: the recipient */
	char *const		*argv;		/* floor: run this as is */
	int			 n;		/* paced: clients in schedule */
	struct pace_slab	*sl;		/* paced: shared samples */
	struct mailpath_stash	 stash;		/* in the child */
};

/* --- the server ---------------------------------------------------- */

static int
mailpath_server_main(struct run *r, int idx, void *arg)
{
	struct mailpath_srv	*s = arg;
	struct server_config	 cfg;
	int			 fd;

	(void)r;
	(void)idx;
	if ((fd = open(s->log != NULL ? s->log : "/dev/null",
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		return (SERVER_EXIT_ERROR);
	dup2(fd, STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = s->dir;
	cfg.max_users = s->max_users;
	cfg.max_body = MAIL_BODY_DEFAULT;
	cfg.quota = MAILPATH_QUOTA;
	cfg.shards = s->shards;
	cfg.sender_quota = s->sender_quota;
	cfg.irc = 1;		/* DIR/irc.sock, as mailserv's default */
	cfg.spool = s->spool ? MAILPATH_SPOOL : NULL;
	cfg.rate = 0;		/* mailserv's default, 600 a minute, would
				   be all a sender could do */
	cfg.spool_max = UINT64_MAX;	/* the spool bounds nothing here */
	cfg.spool_minfree = 0;
	cfg.backend = s->backend;
	/* As mailserv's main() does: events logged with timestamps. */
	log_init("mailserv", 0, 1);
	return (server_run(&cfg));
}

/* mailpath_purge - as `mailserv --purge`, its report kept off stdout. */
static void
mailpath_purge(struct mailpath_srv *s)
{
	int	saved, null;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	status_purge(s->dir, MAILPATH_SPOOL);
	fflush(stdout);
	if (saved != -1) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	rmdir(s->dir);
}

/* mailpath_undo - stop the server and remove all it left (cleanup). */
static void
mailpath_undo(void *arg)
{
	struct mailpath_srv	*s = arg;

	if (s->pid > 0) {
		run_stop_pid(s->pid, SIGTERM, 5000);
		s->pid = 0;
	}
	if (s->run.open)
		run_end(&s->run);
	mailpath_purge(s);
}

/*
 * mailpath_start - mailserv in a child; ready once its FIFO is open.
 * unquota: no bound on the bytes a sender has at others (mailserv's
 * --sender-quota); shared: other uids may reach it (its directory
 * 0755, as mailserv makes its own).
 */
static int
mailpath_start(struct mailpath_srv *s, const struct bench_opts *o, int cpu,
    int spool, int unquota, int shared, char **why)
{
	struct inotify_event	*ev;
	char			 buf[4096];
	ssize_t			 n, off;
	int			 ino = -1, ready = 0, rc;

	memset(s, 0, sizeof *s);
	s->undo = -1;
	s->log = o->server_log;
	s->backend = backend_find(o->ipc);
	s->spool = spool;
	s->window = o->window > 0 ? o->window : 1;
	s->tag = spool ? "spool-on" : "spool-off";
	s->max_users = MAILPATH_MAX_USERS;
	s->shards = MAILPATH_SHARDS;
	s->sender_quota = unquota ? UINT64_MAX / 2 : 0;
	s->shm = s->sem = -1;
	snprintf(s->dir, sizeof s->dir, "/tmp/mailbench.XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		xasprintf(why, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	run_note("dir %s", s->dir);
	if (shared && chmod(s->dir, 0755) == -1) {
		xasprintf(why, "chmod %s: %s", s->dir, strerror(errno));
		rmdir(s->dir);
		return (-1);
	}
	s->keyfile = rundir_file(s->dir, RUNDIR_KEY);
	s->undo = run_defer(mailpath_undo, s);
	if ((ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1 ||
	    inotify_add_watch(ino, s->dir, IN_OPEN) == -1) {
		xasprintf(why, "inotify: %s", strerror(errno));
		goto fail;
	}
	if (run_open(&s->run) == -1 || (s->pid = run_spawn(&s->run, cpu, 1,
	    mailpath_server_main, 0, s)) == -1) {
		xasprintf(why, "%s", run_error());
		goto fail;
	}
	while (!ready) {
		if ((rc = run_wait_fd(ino, MAILPATH_START_MS)) != 1) {
			xasprintf(why, "mailserv did not start: %s",
			    rc == 0 ? "no FIFO after 10 s" : run_error());
			goto fail;
		}
		if ((n = read(ino, buf, sizeof buf)) <= 0)
			continue;
		for (off = 0; off < n; off += (ssize_t)sizeof *ev + ev->len) {
			ev = (struct inotify_event *)(void *)(buf + off);
			if (ev->len > 0 && strcmp(ev->name, RUNDIR_FIFO) == 0)
				ready = 1;
		}
	}
	close(ino);
	if (rundir_ipc_name(s->keyfile, "", s->ipcid, sizeof s->ipcid) == 0)
		memmove(s->ipcid, s->ipcid + 1, strlen(s->ipcid));
	return (0);

fail:
	if (ino != -1)
		close(ino);
	run_clear_error();
	run_settle(s->undo);
	free(s->keyfile);
	s->keyfile = NULL;
	return (-1);
}

/* mailpath_store - the server's store, opened as a reader. */
static struct store *
mailpath_store(struct mailpath_srv *s)
{
	struct store_config	 sc;
	struct store		*st;
	char			*cause = NULL;
	int			 dirfd;

	memset(&sc, 0, sizeof sc);
	sc.keyfile = s->keyfile;
	if ((dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (NULL);
	if (rundir_key_id(dirfd, sc.dirid) == -1) {
		close(dirfd);
		return (NULL);
	}
	close(dirfd);
	st = store_open(s->backend->store, &sc, 0, &cause);
	free(cause);
	return (st);
}

/* mailpath_note_objects - the SysV objects the server holds now. */
static void
mailpath_note_objects(struct mailpath_srv *s)
{
	struct store_object	*so;
	struct table_object	 to[2];
	struct store		*st;
	size_t			 i, n, max = s->shards + MAILPATH_OBJECTS;

	if ((st = mailpath_store(s)) != NULL) {
		so = xcalloc(max, sizeof *so);
		s->msq = xreallocarray(s->msq, max, sizeof *s->msq);
		n = store_objects(st, so, max);
		for (i = 0; i < n; i++) {
			if (so[i].name[0] != '\0')
				run_note("name %s", so[i].name);
			else if (s->nmsq < max) {
				s->msq[s->nmsq++] = so[i].id;
				run_note("msq %d", so[i].id);
			}
		}
		free(so);
		store_close(st);
	}
	n = s->backend->table->objects(s->keyfile, to, 2);
	for (i = 0; i < n; i++) {
		if (to[i].name[0] != '\0') {
			run_note("name %s", to[i].name);
			continue;
		}
		if (strstr(to[i].role, "sem") != NULL) {
			s->sem = to[i].id;
			run_note("sem %d", to[i].id);
		} else {
			s->shm = to[i].id;
			run_note("shm %d", to[i].id);
		}
	}
}

/* mailpath_named - POSIX objects of the run directory still there. */
static size_t
mailpath_named(struct mailpath_srv *s)
{
	static const char *const dirs[] = { "/dev/shm", "/dev/mqueue" };
	struct dirent	*de;
	DIR		*d;
	size_t		 i, n = 0;

	if (s->ipcid[0] == '\0')
		return (0);
	for (i = 0; i < 2; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			n += strstr(de->d_name, s->ipcid) != NULL;
		closedir(d);
	}
	return (n);
}

/*
 * mailpath_stop - stop mailserv (SIGTERM), purge its directory, and
 * check that none of its kernel objects and no file is left.
 */
static int
mailpath_stop(struct mailpath_srv *s, char **why)
{
	struct msqid_ds	mds;
	struct shmid_ds	sds;
	size_t		i, left = 0;
	int		status;

	mailpath_note_objects(s);
	status = run_stop_pid(s->pid, SIGTERM, 5000);
	s->pid = 0;
	run_end(&s->run);
	run_clear_error();
	run_settle(s->undo);
	free(s->keyfile);
	s->keyfile = NULL;
	for (i = 0; i < s->nmsq; i++)
		left += msgctl(s->msq[i], IPC_STAT, &mds) == 0;
	if (s->shm != -1)
		left += shmctl(s->shm, IPC_STAT, &sds) == 0;
	if (s->sem != -1)
		left += semctl(s->sem, 0, GETVAL) != -1;
	left += mailpath_named(s);
	free(s->msq);
	s->msq = NULL;
	s->nmsq = 0;
	if (left > 0 || access(s->dir, F_OK) == 0) {
		xasprintf(why, "%zu kernel objects or %s left behind", left,
		    s->dir);
		return (-1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != SERVER_EXIT_OK) {
		xasprintf(why, "mailserv ended with status 0x%x", status);
		return (-1);
	}
	return (0);
}

/* mailpath_stored - complete messages in the server's store now. */
static long
mailpath_stored(struct mailpath_srv *s)
{
	struct store	*st;
	long		 n;

	if ((st = mailpath_store(s)) == NULL)
		return (-1);
	n = (long)store_count(st);
	store_close(st);
	return (n);
}

/* --- client side helpers (in children) ----------------------------- */

static conn_async_fn mailpath_async;

/*
 * mailpath_confirm - what an interactive mailcli does first: the unread
 * list (REC_LIST .. REC_END).  It is the first record with the
 * session's key, so only now is a login in the online table.
 */
static int
mailpath_confirm(struct conn *c)
{
	struct record	rec;
	struct mail	m;

	if (conn_send(c, REC_LIST, NULL, 0) == -1)
		return (-1);
	do
		if (conn_call(c, &rec, &m) == -1)
			return (-1);
	while (rec.hdr.type == REC_ENTRY);
	return (rec.hdr.type == REC_END ? 0 : -1);
}

static int
mailpath_connect(struct run *r, int idx, struct mailpath_job *j,
    struct conn *c, int login)
{
	struct client	 cl;
	char		*cause = NULL;
	int		 dirfd;

	if ((dirfd = rundir_open_client(j->srv->dir, &cause)) == -1)
		return (run_fail(r, idx, "%s", cause));
	if (conn_open(c, dirfd, j->srv->dir, j->name, &cause) == -1)
		return (run_fail(r, idx, "%s: %s", j->name, cause));
	c->async = mailpath_async;
	c->async_arg = &j->stash;
	memset(&cl, 0, sizeof cl);
	if (conn_hello(c, j->name, login ? PROTO_HELLO_LOGIN : 0, &cl,
	    &cause) == -1)
		return (run_fail(r, idx, "%s: %s", j->name, cause));
	if (login && mailpath_confirm(c) == -1)
		return (run_fail(r, idx, "%s: no list from mailserv",
		    j->name));
	return (0);
}

/* mailpath_answer - wait for REC_OK; a text for anything else. */
static int
mailpath_answer(struct conn *c, char *err, size_t len)
{
	struct proto_error	e;
	struct record		rec;
	struct mail		m;

	if (conn_call(c, &rec, &m) == -1) {
		snprintf(err, len, "no answer from mailserv: %s",
		    strerror(errno));
		return (-1);
	}
	if (rec.hdr.type == REC_OK)
		return (0);
	if (rec.hdr.type == REC_ERROR) {
		memset(&e, 0, sizeof e);
		memcpy(&e, rec.payload, rec.hdr.len < sizeof e ? rec.hdr.len :
		    sizeof e);
		e.text[sizeof e.text - 1] = '\0';
		snprintf(err, len, "mailserv: %.150s", e.text);
	} else
		snprintf(err, len, "mailserv answered %s",
		    record_type_name(rec.hdr.type));
	return (-1);
}

/* mailpath_post - a send as mailcli makes it (conn_post). */
static int
mailpath_post(struct conn *c, const char *to, const uint8_t *body,
    size_t len, char *err, size_t errlen)
{
	uint8_t	id[MAIL_ID_LEN];

	mail_new_id(id);
	if (conn_post(c, id, to, body, len, 0) == -1) {
		snprintf(err, errlen, "cannot write to mailserv: %s",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* mailpath_done - REC_DONE for a message; quiet means no answer. */
static int
mailpath_done(struct conn *c, const uint8_t *id, uint32_t flags, char *err,
    size_t len)
{
	struct proto_done	pd;

	memset(&pd, 0, sizeof pd);
	memcpy(pd.id, id, sizeof pd.id);
	pd.flags = flags;
	if (conn_send(c, REC_DONE, &pd, sizeof pd) == -1) {
		snprintf(err, len, "cannot write to mailserv: %s",
		    strerror(errno));
		return (-1);
	}
	if (flags & PROTO_DONE_QUIET)
		return (0);
	return (mailpath_answer(c, err, len));
}

/* mailpath_async - conn_call's handler: keep live mail for later. */
static void
mailpath_async(void *arg, const struct record *rec, struct mail *m)
{
	struct mailpath_stash	*sh = arg;

	if (rec->hdr.type != REC_MAIL)
		return;
	if (sh->have) {
		sh->extra++;
		return;
	}
	sh->have = 1;
	sh->at = stat_now();
	memcpy(sh->id, m->id, sizeof sh->id);
	memcpy(sh->from, m->from, sizeof sh->from);
	sh->len = m->len;
	memset(&sh->st, 0, sizeof sh->st);
	if (m->len >= sizeof sh->st)
		memcpy(&sh->st, m->body, sizeof sh->st);
}

/*
 * mailpath_mail - the next live mail, which must be from `from`: the
 * one conn_call kept, or the next record.  Its id, stamps and arrival.
 */
static int
mailpath_mail(struct conn *c, struct mailpath_stash *sh, const char *from,
    uint8_t *id, struct mailpath_stamp *st, int64_t *at, char *err,
    size_t len)
{
	struct record	rec;
	struct mail	mm, *m = &mm;
	int		rc;

	if (sh->extra > 0) {
		snprintf(err, len, "%d more live messages than expected",
		    sh->extra);
		return (-1);
	}
	if (sh->have) {
		sh->have = 0;
		if (strcmp(sh->from, from) != 0 || sh->len < sizeof *st) {
			snprintf(err, len, "mail from %s (%u bytes), wanted %s",
			    sh->from, sh->len, from);
			return (-1);
		}
		memcpy(id, sh->id, MAIL_ID_LEN);
		*st = sh->st;
		*at = sh->at;
		return (0);
	}
	if ((rc = conn_next(c, &rec, m, MAILPATH_WAIT_MS)) != 1) {
		snprintf(err, len, rc == 0 ? "no mail within %d s" :
		    "mailserv has gone away", MAILPATH_WAIT_MS / 1000);
		return (-1);
	}
	if (rec.hdr.type != REC_MAIL) {
		snprintf(err, len, "%s record instead of mail",
		    record_type_name(rec.hdr.type));
		return (-1);
	}
	*at = stat_now();
	if (strcmp(m->from, from) != 0 || m->len < sizeof *st) {
		snprintf(err, len, "mail from %s (%u bytes), wanted %s",
		    m->from, m->len, from);
		mail_free(m);
		return (-1);
	}
	memcpy(id, m->id, MAIL_ID_LEN);
	memcpy(st, m->body, sizeof *st);
	mail_free(m);
	return (0);
}

static void
mailpath_body(uint8_t *body, int64_t sent, int64_t other, int64_t seq)
{
	struct mailpath_stamp	st = { sent, other, seq };

	memcpy(body, &st, sizeof st);
}

/* --- the children -------------------------------------------------- */

/*
 * mailpath_pair - the live path, ping-pong: A (idx 0) sends to B, B
 * (idx 1) answers with mail to A; each one-way trip is a sample, from
 * the sender's stamp before conn_send to the recipient's conn_next
 * returning the whole message.  B carries its samples to A in the body.
 */
static int
mailpath_pair_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct mailpath_stamp	 st;
	struct run_msg		 res;
	struct conn		 c;
	uint8_t			 body[MAILPATH_BODY], id[MAIL_ID_LEN];
	char			 err[200];
	int64_t			*s = NULL, t, sample = 0;
	size_t			 ns = 0;
	int			 i, total = j->warm + j->count;

	memset(body, 'x', sizeof body);
	if (mailpath_connect(r, idx, j, &c, 1) != 0)
		return (1);
	if (idx == 0)
		s = xcalloc(2 * (size_t)j->count, sizeof *s);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	for (i = 0; i < total; i++) {
		if (idx == 0) {
			mailpath_body(body, stat_now(), 0, i);
			if (mailpath_post(&c, j->peer, body, sizeof body, err,
			    sizeof err) == -1 ||
			    mailpath_answer(&c, err, sizeof err) == -1)
				goto fail;
		}
		if (mailpath_mail(&c, &j->stash, j->peer, id, &st, &t, err,
		    sizeof err) == -1)
			goto fail;
		if (st.seq != i) {
			snprintf(err, sizeof err, "message %lld, wanted %d",
			    (long long)st.seq, i);
			goto fail;
		}
		sample = t - st.sent;
		if (idx == 0 && i >= j->warm) {
			s[ns++] = sample;
			s[ns++] = st.other;
		}
		/* As mailcli: the message is acknowledged once received
		 * (mailcli first appends it to the mbox and fsyncs).  The
		 * very last acknowledgement waits for REC_OK, so the store
		 * is checked only once the server has done it all. */
		if (mailpath_done(&c, id, PROTO_DONE_SAVED |
		    (idx == 0 && i == total - 1 ? 0 : PROTO_DONE_QUIET), err,
		    sizeof err) == -1)
			goto fail;
		if (idx == 1) {
			mailpath_body(body, stat_now(), sample, i);
			if (mailpath_post(&c, j->peer, body, sizeof body, err,
			    sizeof err) == -1 ||
			    mailpath_answer(&c, err, sizeof err) == -1)
				goto fail;
		}
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	if (idx == 0) {
		stat_sort(s, ns);
		res.v[0] = (int64_t)(stat_pct_us(s, ns, 50) * 1000);
		res.v[1] = (int64_t)(stat_pct_us(s, ns, 99) * 1000);
		res.v[2] = (int64_t)ns;
	}
	conn_close(&c);
	run_result(r, &res);
	return (0);

fail:
	return (run_fail(r, idx, "%s: %s", j->name, err));
}

/*
 * mailpath_room - one room request on MAILPATH_ROOM, as mailcli makes
 * it; what it answers (topic, members, backlog) is read and dropped,
 * down to its REC_OK or REC_END.
 */
static int
mailpath_room(struct conn *c, uint32_t op, const char *room, char *err,
    size_t len)
{
	struct proto_room	pr;
	struct record		rec;
	struct mail		m;

	memset(&pr, 0, sizeof pr);
	pr.op = op;
	strncpy(pr.room, room, sizeof pr.room - 1);
	if (conn_send(c, REC_ROOM, &pr, sizeof pr) == -1) {
		snprintf(err, len, "cannot write to mailserv: %s",
		    strerror(errno));
		return (-1);
	}
	for (;;) {
		if (conn_call(c, &rec, &m) == -1) {
			snprintf(err, len, "no answer from mailserv to a room "
			    "request");
			return (-1);
		}
		if (rec.hdr.type == REC_MAIL) {
			mail_free(&m);
			continue;
		}
		if (rec.hdr.type == REC_ROOMINFO)
			continue;
		if (rec.hdr.type == REC_OK || rec.hdr.type == REC_END)
			return (0);
		snprintf(err, len, "mailserv answered a room request with %s",
		    record_type_name(rec.hdr.type));
		return (-1);
	}
}

/*
 * mailpath_room_sender - a member that sends count lines to the room,
 * each after the last one's "sent", from a session not logged in (so
 * it is not one of the sessions the line goes to).  Then it leaves.
 */
static int
mailpath_room_sender_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct run_msg	res;
	struct conn	c;
	uint8_t		body[MAILPATH_BODY];
	char		err[200];
	int64_t		cpu0;
	int		i;

	memset(body, 'x', sizeof body);
	if (mailpath_connect(r, idx, j, &c, 0) != 0 ||
	    mailpath_room(&c, ROOM_OP_JOIN, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: join: %s", j->name, err));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (i = 0; i < j->count; i++) {
		mailpath_body(body, stat_now(), 0, i);
		if (mailpath_post(&c, MAILPATH_ROOM, body, sizeof body, err,
		    sizeof err) == -1 ||
		    mailpath_answer(&c, err, sizeof err) == -1)
			return (run_fail(r, idx, "%s: %s", j->name, err));
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_now();
	res.v[1] = stat_cpu() - cpu0;
	if (mailpath_room(&c, ROOM_OP_LEAVE, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: leave: %s", j->name, err));
	conn_close(&c);
	run_result(r, &res);
	return (0);
}

/*
 * mailpath_room_member - a logged-in member: every line, live, each a
 * sample from the sender's stamp to its whole arrival here; its p50
 * and p99.  Then it leaves (the last to leave removes the room).
 */
static int
mailpath_room_member_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct mailpath_stamp	 st;
	struct run_msg		 res;
	struct record		 rec;
	struct conn		 c;
	struct mail		 m;
	char			 err[200];
	int64_t			*s, cpu0, end;
	int			 i, rc;

	if (mailpath_connect(r, idx, j, &c, 1) != 0 ||
	    mailpath_room(&c, ROOM_OP_JOIN, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: join: %s", j->name, err));
	s = xcalloc((size_t)j->count, sizeof *s);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (i = 0; i < j->count; i++) {
		if ((rc = conn_next(&c, &rec, &m, MAILPATH_WAIT_MS)) != 1)
			return (run_fail(r, idx, "%s: line %d: %s", j->name, i,
			    rc == 0 ? "none within 30 s" : "mailserv gone"));
		if (rec.hdr.type != REC_MAIL || strcmp(m.to,
		    MAILPATH_ROOM) != 0 || m.len < sizeof st) {
			if (rec.hdr.type == REC_MAIL)
				mail_free(&m);
			return (run_fail(r, idx, "%s: a %s record, not line %d",
			    j->name, record_type_name(rec.hdr.type), i));
		}
		memcpy(&st, m.body, sizeof st);
		s[i] = stat_now() - st.sent;
		mail_free(&m);
		if (st.seq != i)
			return (run_fail(r, idx, "%s: line %lld, wanted %d",
			    j->name, (long long)st.seq, i));
	}
	end = stat_now();
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = end;
	res.v[1] = stat_cpu() - cpu0;
	res.v[2] = j->count;
	stat_sort(s, (size_t)j->count);
	res.v[3] = (int64_t)(stat_pct_us(s, (size_t)j->count, 50) * 1000);
	res.v[4] = (int64_t)(stat_pct_us(s, (size_t)j->count, 99) * 1000);
	free(s);
	if (mailpath_room(&c, ROOM_OP_LEAVE, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: leave: %s", j->name, err));
	conn_close(&c);
	run_result(r, &res);
	return (0);
}

/*
 * mailpath_report - a child's figures for one round: when it ended,
 * its CPU time since cpu0, and n messages.  last: the session's last
 * round, which closes it (after the stamp).
 */
static void
mailpath_report(struct run *r, int idx, int64_t cpu0, int64_t n,
    struct conn *c, int last)
{
	struct run_msg	res;

	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_now();
	res.v[1] = stat_cpu() - cpu0;
	res.v[2] = n;
	if (last)
		conn_close(c);
	run_result(r, &res);
}

/*
 * mailpath_window - count messages to `to` (sequence numbers from
 * seq), keeping up to window of them unanswered (1: each waits for its
 * REC_OK).  Every REC_OK is read, in order: all are "sent" at the end.
 */
static int
mailpath_window(struct conn *c, const char *to, int count, int64_t seq,
    int window, char *err, size_t len)
{
	uint8_t	body[MAILPATH_BODY];
	int	i, done;

	memset(body, 'x', sizeof body);
	for (i = done = 0; done < count;) {
		if (i < count && i - done < window) {
			mailpath_body(body, 0, 0, seq + i);
			if (mailpath_post(c, to, body, sizeof body, err,
			    len) == -1)
				return (-1);
			i++;
			continue;
		}
		if (mailpath_answer(c, err, len) == -1)
			return (-1);
		done++;
	}
	return (0);
}

/* mailpath_sender - count messages per round, up to the window unanswered. */
static int
mailpath_sender_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct conn	c;
	char		err[200];
	int64_t		cpu0;
	int		k;

	if (mailpath_connect(r, idx, j, &c, 0) != 0)
		return (1);
	run_ready(r, idx);
	for (k = 0; k < j->rounds; k++) {
		if (run_await(r, run_gate(0, k)) == -1)
			return (0);
		cpu0 = stat_cpu();
		if (mailpath_window(&c, j->peer, j->count, (int64_t)k *
		    j->count, j->srv->window, err, sizeof err) == -1)
			return (run_fail(r, idx, "%s, round %d: %s", j->name, k,
			    err));
		mailpath_report(r, idx, cpu0, j->count, &c,
		    k == j->rounds - 1);
	}
	return (0);
}

/*
 * mailpath_room_fill - a session (not logged in) that joins the rooms
 * #memROOM .. #memROOM+rooms-1 and sends count lines to each, up to the
 * window unanswered; its membership stays when it closes, and so do
 * the lines (mailserv's history keeps the last --room-history).
 */
static int
mailpath_room_fill_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct conn	c;
	char		err[200], room[PROTO_NAME_MAX + 1];
	int64_t		cpu0;
	int		k;

	if (mailpath_connect(r, idx, j, &c, 0) != 0)
		return (1);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (k = 0; k < j->rooms; k++) {
		snprintf(room, sizeof room, "#mem%d", j->room + k);
		if (mailpath_room(&c, ROOM_OP_JOIN, room, err, sizeof err) != 0)
			return (run_fail(r, idx, "%s: join %s: %s", j->name,
			    room, err));
		if (mailpath_window(&c, room, j->count, 0, j->srv->window, err,
		    sizeof err) == -1)
			return (run_fail(r, idx, "%s: %s: %s", j->name, room,
			    err));
	}
	mailpath_report(r, idx, cpu0, (int64_t)j->rooms * j->count, &c, 1);
	return (0);
}

/*
 * mailpath_recipient - an online session (in the table): takes count
 * live messages and acknowledges each with a quiet REC_DONE; the last
 * one waits for REC_OK, so the server has done all the work when it
 * reports.
 */
static int
mailpath_recipient_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct mailpath_stamp	st;
	struct conn		c;
	uint8_t			id[MAIL_ID_LEN];
	char			err[200];
	int64_t			cpu0, t;
	int			i;

	if (mailpath_connect(r, idx, j, &c, 1) != 0)
		return (1);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (i = 0; i < j->count; i++) {
		if (mailpath_mail(&c, &j->stash, j->peer, id, &st, &t, err,
		    sizeof err) == -1)
			return (run_fail(r, idx, "%s: %s", j->name, err));
		if (st.seq != i)
			return (run_fail(r, idx, "%s: message %lld, wanted %d",
			    j->name, (long long)st.seq, i));
		if (mailpath_done(&c, id, PROTO_DONE_SAVED |
		    (i < j->count - 1 ? PROTO_DONE_QUIET : 0), err,
		    sizeof err) == -1)
			return (run_fail(r, idx, "%s: %s", j->name, err));
	}
	mailpath_report(r, idx, cpu0, j->count, &c, 1);
	return (0);
}

/*
 * mailpath_drainer - the reader of an offline mailbox, each round: the
 * list (REC_LIST), then a quiet REC_DONE (delete) per message, the
 * last one answered.  Its session is not logged in: nothing is pushed.
 */
static int
mailpath_drainer_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct proto_entry	 pe;
	struct record		 rec;
	struct conn		 c;
	struct mail		 m;
	uint8_t			(*ids)[MAIL_ID_LEN];
	char			 err[200];
	int64_t			 cpu0;
	int			 i, k, n;

	if (mailpath_connect(r, idx, j, &c, 0) != 0)
		return (1);
	ids = xcalloc((size_t)j->count + 1, sizeof *ids);
	run_ready(r, idx);
	for (k = 0; k < j->rounds; k++) {
		if (run_await(r, run_gate(1, k)) == -1)
			return (0);
		cpu0 = stat_cpu();
		if (conn_send(&c, REC_LIST, NULL, 0) == -1)
			return (run_fail(r, idx, "%s: list: %s", j->name,
			    strerror(errno)));
		for (n = 0;;) {
			if (conn_call(&c, &rec, &m) == -1)
				return (run_fail(r, idx, "%s: list: no answer",
				    j->name));
			if (rec.hdr.type == REC_END)
				break;
			if (rec.hdr.type != REC_ENTRY ||
			    rec.hdr.len != sizeof pe || n == j->count)
				return (run_fail(r, idx, "%s: list: %s record "
				    "(%d entries so far, %d expected)",
				    j->name, record_type_name(rec.hdr.type), n,
				    j->count));
			memcpy(&pe, rec.payload, sizeof pe);
			memcpy(ids[n++], pe.id, MAIL_ID_LEN);
		}
		if (n != j->count)
			return (run_fail(r, idx, "%s: %d messages listed, %d "
			    "sent", j->name, n, j->count));
		for (i = 0; i < n; i++)
			if (mailpath_done(&c, ids[i], i < n - 1 ?
			    PROTO_DONE_QUIET : 0, err, sizeof err) == -1)
				return (run_fail(r, idx, "%s: %s", j->name,
				    err));
		mailpath_report(r, idx, cpu0, n, &c, k == j->rounds - 1);
	}
	return (0);
}

/*
 * mailpath_login_main - count sessions in turn, each a login and a
 * logout through the FIFO: conn_open (reply FIFO), REC_HELLO with
 * PROTO_HELLO_LOGIN answered by REC_WELCOME, the unread list (the key's
 * first use, which enters the table), REC_BYE.  Every session
 * has its own name, as different users' logins would.
 */
static int
mailpath_login_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct run_msg	 res;
	struct conn	 c;
	struct client	 cl;
	char		*cause = NULL, name[PROTO_NAME_MAX + 1];
	int64_t		 cpu0, t0;
	int		 i, dirfd;

	if ((dirfd = rundir_open_client(j->srv->dir, &cause)) == -1)
		return (run_fail(r, idx, "%s", cause));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	t0 = stat_now();
	for (i = 0; i < j->count; i++) {
		snprintf(name, sizeof name, "login%d", i);
		if (conn_open(&c, dirfd, j->srv->dir, name, &cause) == -1)
			return (run_fail(r, idx, "%s: %s", name, cause));
		memset(&cl, 0, sizeof cl);
		if (conn_hello(&c, name, PROTO_HELLO_LOGIN, &cl,
		    &cause) == -1)
			return (run_fail(r, idx, "%s: %s", name, cause));
		if (mailpath_confirm(&c) == -1)
			return (run_fail(r, idx, "%s: no list from mailserv",
			    name));
		conn_close(&c);
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_now() - t0;
	res.v[1] = stat_cpu() - cpu0;
	run_result(r, &res);
	return (0);
}

/* mailpath_crowd_main - one idle online session, until released. */
static int
mailpath_crowd_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct conn	c;

	if (mailpath_connect(r, idx, j, &c, 1) != 0)
		return (1);
	run_ready(r, idx);
	run_await(r, 0);
	conn_close(&c);
	return (0);
}

/*
 * mailpath_who_main - `who` as mailcli does it: the table read
 * (table_sysv_ops.read, which takes no lock, then free), and the whole
 * of it (attach, read, detach).
 */
static int
mailpath_who_main(struct run *r, int idx, struct mailpath_job *j)
{
	const struct table_ops	*ops = j->srv->backend->table;
	struct table_user	*u;
	struct run_msg		 res;
	char			*cause = NULL;
	int64_t			*s1, *s2, t0;
	size_t			 n;
	void			*t;
	int			 i;

	s1 = xcalloc((size_t)j->count, sizeof *s1);
	s2 = xcalloc((size_t)j->count, sizeof *s2);
	if ((t = ops->attach(j->srv->keyfile, &cause)) == NULL)
		return (run_fail(r, idx, "who: %s", cause));
	if (ops->read(t, &u, &n, NULL, &cause) != 0)
		return (run_fail(r, idx, "who: %s", cause));
	free(u);
	if ((int)n != j->expect)
		return (run_fail(r, idx, "who: %zu users online, %d expected",
		    n, j->expect));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	for (i = 0; i < j->count; i++) {
		t0 = stat_now();
		if (ops->read(t, &u, &n, NULL, &cause) != 0)
			return (run_fail(r, idx, "who: %s", cause));
		free(u);
		s1[i] = stat_now() - t0;
	}
	ops->detach(t);
	for (i = 0; i < j->count; i++) {
		t0 = stat_now();
		if ((t = ops->attach(j->srv->keyfile, &cause)) == NULL ||
		    ops->read(t, &u, &n, NULL, &cause) != 0)
			return (run_fail(r, idx, "who: %s", cause));
		ops->detach(t);
		free(u);
		s2[i] = stat_now() - t0;
	}
	stat_sort(s1, (size_t)j->count);
	stat_sort(s2, (size_t)j->count);
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = (int64_t)(stat_pct_us(s1, (size_t)j->count, 50) * 1000);
	res.v[1] = (int64_t)(stat_pct_us(s1, (size_t)j->count, 99) * 1000);
	res.v[2] = (int64_t)(stat_pct_us(s2, (size_t)j->count, 50) * 1000);
	res.v[3] = (int64_t)(stat_pct_us(s2, (size_t)j->count, 99) * 1000);
	run_result(r, &res);
	return (0);
}

/*
 * mailpath_oneshot_main - a program per message, one after the other:
 * `mailcli send` (prog set), `mail -s` (user set, body on stdin) or a
 * floor's argv.
 * The CPU of the programs is RUSAGE_CHILDREN.
 */
static int
mailpath_oneshot_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct run_msg	res;
	struct rusage	ru;
	char		body[MAILPATH_BODY + 1];
	int64_t		t0;
	ssize_t		wrote;
	pid_t		pid;
	int		i, status, fd, p[2];

	memset(body, 'x', MAILPATH_BODY);
	body[MAILPATH_BODY] = '\0';
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	t0 = stat_now();
	for (i = 0; i < j->count; i++) {
		if (j->user != NULL && pipe(p) == -1)
			return (run_fail(r, idx, "pipe: %s", strerror(errno)));
		if ((pid = fork()) == -1)
			return (run_fail(r, idx, "fork: %s", strerror(errno)));
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			if ((fd = open("/dev/null", O_RDWR)) != -1) {
				dup2(fd, STDIN_FILENO);
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			if (j->argv != NULL)
				execv(j->argv[0], j->argv);
			else if (j->user != NULL) {
				dup2(p[0], STDIN_FILENO);
				close(p[0]);
				close(p[1]);
				execlp("mail", "mail", "-s", "mailbench",
				    j->user, (char *)NULL);
			} else
				execl(j->prog, "mailcli", "-d", j->srv->dir,
				    "-u", j->name, "send", j->peer, body,
				    (char *)NULL);
			_exit(127);
		}
		if (j->user != NULL) {
			close(p[0]);
			/* A short write shows in mail's exit status. */
			wrote = write(p[1], body, MAILPATH_BODY);
			(void)wrote;
			close(p[1]);
		}
		while (waitpid(pid, &status, 0) == -1)
			if (errno != EINTR)
				return (run_fail(r, idx, "waitpid: %s",
				    strerror(errno)));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return (run_fail(r, idx, "%s exited with status 0x%x "
			    "at message %d", j->argv != NULL ? j->argv[0] :
			    j->user != NULL ? "mail" : "mailcli", status, i));
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_now() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	res.v[1] = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000 + ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
	    1000;
	run_result(r, &res);
	return (0);
}

/*
 * mailpath_paced_main - client idx of a paced 1:1 pair (its partner is
 * idx ^ 1), ngircd's PRIVMSG row's twin: each sends `count` messages to
 * the other on pace.c's schedule (each waits for its "sent") and
 * records each message it gets, one way, in the shared slab.
 */
static int
mailpath_paced_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct mailpath_stamp	 st;
	struct run_msg		 res;
	struct record		 rec;
	struct mail		 m;
	struct conn		 c;
	uint8_t			 body[MAILPATH_BODY], id[MAIL_ID_LEN];
	char			 err[200];
	int64_t			 cpu0, now, due, end, at;
	int			 nsent = 0, ngot = 0, rc, wait;

	memset(body, 'x', sizeof body);
	if (mailpath_connect(r, idx, j, &c, 1) != 0)
		return (1);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	end = pace_due(j->sl, idx, j->n, j->count) + 30000000000LL;
	while (nsent < j->count || ngot < j->count) {
		now = stat_now();
		due = nsent < j->count ? pace_due(j->sl, idx, j->n, nsent) :
		    end;
		if (now >= end) {
			snprintf(err, sizeof err, "got %d of %d messages", ngot,
			    j->count);
			goto fail;
		}
		if (now >= due && nsent < j->count) {
			mailpath_body(body, stat_now(), 0, nsent);
			if (mailpath_post(&c, j->peer, body, sizeof body, err,
			    sizeof err) == -1 ||
			    mailpath_answer(&c, err, sizeof err) == -1)
				goto fail;
			nsent++;
			continue;
		}
		if (!j->stash.have) {
			wait = (int)((due - now + 999999) / 1000000);
			if ((rc = conn_next(&c, &rec, &m, wait)) == 0)
				continue;
			if (rc == -1) {
				snprintf(err, sizeof err, "mailserv has gone "
				    "away");
				goto fail;
			}
			if (rec.hdr.type != REC_MAIL)
				continue;
			mailpath_async(&j->stash, &rec, &m);
			mail_free(&m);
		}
		if (mailpath_mail(&c, &j->stash, j->peer, id, &st, &at, err,
		    sizeof err) == -1)
			goto fail;
		if (st.seq < 0 || st.seq >= j->count) {
			snprintf(err, sizeof err, "message %lld of %d",
			    (long long)st.seq, j->count);
			goto fail;
		}
		j->sl->v[(size_t)idx * (size_t)j->count + (size_t)st.seq] =
		    at - st.sent;
		ngot++;
		if (mailpath_done(&c, id, PROTO_DONE_SAVED | (ngot ==
		    j->count ? 0 : PROTO_DONE_QUIET), err, sizeof err) == -1)
			goto fail;
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_cpu() - cpu0;
	conn_close(&c);
	run_result(r, &res);
	return (0);

fail:
	return (run_fail(r, idx, "%s: %s", j->name, err));
}

/*
 * mailpath_paced_talker - ngircd's paced channel sender's twin: sender
 * idx of n sends lines idx, idx + n, ... to the room on pace.c's
 * schedule, each after the last one's "sent", from a session not
 * logged in (the line does not come back to it).
 */
static int
mailpath_paced_talker_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct run_msg	res;
	struct conn	c;
	uint8_t		body[MAILPATH_BODY];
	char		err[200];
	int64_t		cpu0;
	int		k, seq;

	memset(body, 'x', sizeof body);
	if (mailpath_connect(r, idx, j, &c, 0) != 0 ||
	    mailpath_room(&c, ROOM_OP_JOIN, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: join: %s", j->name, err));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (k = 0; (seq = idx + k * j->n) < j->count; k++) {
		pace_sleep_until(pace_due(j->sl, idx, j->n, k));
		mailpath_body(body, stat_now(), 0, seq);
		if (mailpath_post(&c, MAILPATH_ROOM, body, sizeof body, err,
		    sizeof err) == -1 ||
		    mailpath_answer(&c, err, sizeof err) == -1)
			return (run_fail(r, idx, "%s: %s", j->name, err));
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_cpu() - cpu0;
	run_result(r, &res);
	/* Leave once every member has every line. */
	run_await(r, 1);
	if (mailpath_room(&c, ROOM_OP_LEAVE, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: leave: %s", j->name, err));
	conn_close(&c);
	return (0);
}

/*
 * mailpath_paced_member - a logged-in member of the paced room: each
 * line's arrival (now minus its stamp) in the shared slab, by line.
 */
static int
mailpath_paced_member_main(struct run *r, int idx, struct mailpath_job *j)
{
	struct mailpath_stamp	 st;
	struct run_msg		 res;
	struct record		 rec;
	struct conn		 c;
	struct mail		 m;
	char			 err[200];
	int64_t			 cpu0;
	int			 i, rc;

	if (mailpath_connect(r, idx, j, &c, 1) != 0 ||
	    mailpath_room(&c, ROOM_OP_JOIN, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: join: %s", j->name, err));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (i = 0; i < j->count; i++) {
		if ((rc = conn_next(&c, &rec, &m, MAILPATH_WAIT_MS)) != 1)
			return (run_fail(r, idx, "%s: line %d: %s", j->name, i,
			    rc == 0 ? "none within 30 s" : "mailserv gone"));
		if (rec.hdr.type != REC_MAIL) {
			i--;
			continue;
		}
		if (m.len < sizeof st) {
			mail_free(&m);
			return (run_fail(r, idx, "%s: a short line", j->name));
		}
		memcpy(&st, m.body, sizeof st);
		mail_free(&m);
		if (st.seq < 0 || st.seq >= j->count)
			return (run_fail(r, idx, "%s: line %lld of %d", j->name,
			    (long long)st.seq, j->count));
		j->sl->v[(size_t)st.seq * (size_t)j->expect + (size_t)idx] =
		    stat_now() - st.sent;
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_cpu() - cpu0;
	run_result(r, &res);
	if (mailpath_room(&c, ROOM_OP_LEAVE, MAILPATH_ROOM, err,
	    sizeof err) != 0)
		return (run_fail(r, idx, "%s: leave: %s", j->name, err));
	conn_close(&c);
	return (0);
}

static int
mailpath_child(struct run *r, int idx, void *arg)
{
	struct mailpath_job	*j = arg;

	switch (j->role) {
	case MP_PAIR:
		return (mailpath_pair_main(r, idx, j));
	case MP_SENDER:
		return (mailpath_sender_main(r, idx, j));
	case MP_RECIPIENT:
		return (mailpath_recipient_main(r, idx, j));
	case MP_DRAINER:
		return (mailpath_drainer_main(r, idx, j));
	case MP_LOGIN:
		return (mailpath_login_main(r, idx, j));
	case MP_CROWD:
		return (mailpath_crowd_main(r, idx, j));
	case MP_WHO:
		return (mailpath_who_main(r, idx, j));
	case MP_ONESHOT:
		return (mailpath_oneshot_main(r, idx, j));
	case MP_PACED:
		return (mailpath_paced_main(r, idx, j));
	case MP_ROOM_SENDER:
		return (mailpath_room_sender_main(r, idx, j));
	case MP_ROOM_MEMBER:
		return (mailpath_room_member_main(r, idx, j));
	case MP_PACED_TALKER:
		return (mailpath_paced_talker_main(r, idx, j));
	case MP_PACED_MEMBER:
		return (mailpath_paced_member_main(r, idx, j));
	case MP_ROOM_FILL:
		return (mailpath_room_fill_main(r, idx, j));
	}
	return (1);
}

/* --- the measurements (in the parent) ------------------------------ */

static void
mailpath_failed(struct report *rep, struct report_row *row, struct run *r)
{
	report_fail(rep, row, run_error());
	if (r != NULL && r->open)
		run_abort(r);
	run_clear_error();
}

/*
 * mailpath_spawn - a run of children for the jobs j[0..n) on cpu, job i
 * as child i (from split on, i - split: a second group, counted from
 * 0); with first, job 0 alone and ready before the others (it makes
 * the room they join).  0 once every child is ready; -1 with
 * run_error().
 */
static int
mailpath_spawn(struct run *r, int cpu, struct mailpath_job *j, size_t n,
    size_t split, int first)
{
	size_t	i;

	if (run_open(r) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (run_spawn(r, cpu, 0, mailpath_child, (int)(i < split ? i :
		    i - split), &j[i]) == -1)
			return (-1);
		if (first && i == 0 && run_collect(r, RUN_READY, 1, NULL) == -1)
			return (-1);
	}
	return (run_collect(r, RUN_READY, first ? n - 1 : n, NULL));
}

/* mailpath_live - the pair's round trips; p50/p99 of one-way trips. */
static int
mailpath_live(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, const struct bench_place *pl, int warm,
    int count)
{
	struct mailpath_job	j[2];
	struct run_msg		res[2];
	struct run		r;
	int			i;

	memset(j, 0, sizeof j);
	for (i = 0; i < 2; i++) {
		j[i].srv = s;
		j[i].role = MP_PAIR;
		j[i].warm = warm;
		j[i].count = count;
		snprintf(j[i].name, sizeof j[i].name, "pair%c", 'a' + i);
		snprintf(j[i].peer, sizeof j[i].peer, "pair%c", 'b' - i);
	}
	if (mailpath_spawn(&r, pl->cpu_a, j, 2, 2, 0) == -1 ||
	    run_go(&r, 0, 2) == -1 || run_collect(&r, RUN_RESULT, 2, res) == -1)
		goto fail;
	if (res[0].idx != 0)
		res[0] = res[1];
	if (run_end(&r) == -1)
		goto fail;
	row->p50_us = (double)res[0].v[0] / 1000.0;
	row->p99_us = (double)res[0].v[1] / 1000.0;
	row->n = res[0].v[2];
	return (0);

fail:
	mailpath_failed(rep, row, &r);
	return (-1);
}

/*
 * mailpath_online - n senders, each to its own online recipient, until
 * every recipient has every message; CPU of all three kinds of process.
 */
static int
mailpath_online(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, const struct bench_place *pl, int n, int total)
{
	struct mailpath_job	*j;
	struct run_msg		*res;
	struct run		 r;
	int64_t			 t0, scpu0, scpu1, end = 0, cpu = 0;
	int			 i, per = total / n;

	j = xcalloc(2 * (size_t)n, sizeof *j);
	res = xcalloc(2 * (size_t)n, sizeof *res);
	for (i = 0; i < 2 * n; i++) {
		j[i].srv = s;
		j[i].role = i < n ? MP_SENDER : MP_RECIPIENT;
		j[i].count = per;
		j[i].rounds = 1;
		snprintf(j[i].name, sizeof j[i].name, "%s%d", i < n ? "snd" :
		    "rcv", i % n);
		snprintf(j[i].peer, sizeof j[i].peer, "%s%d", i < n ? "rcv" :
		    "snd", i % n);
	}
	if (mailpath_spawn(&r, pl->cpu_a, j, 2 * (size_t)n, 2 * (size_t)n,
	    0) == -1)
		goto fail;
	scpu0 = stat_cpu_of(s->pid);
	t0 = stat_now();
	if (run_go(&r, 0, 2 * (size_t)n) == -1 ||
	    run_collect(&r, RUN_RESULT, 2 * (size_t)n, res) == -1)
		goto fail;
	scpu1 = stat_cpu_of(s->pid);
	for (i = 0; i < 2 * n; i++) {
		if (res[i].v[0] > end)
			end = res[i].v[0];
		cpu += res[i].v[1];
	}
	if (run_end(&r) == -1)
		goto fail;
	row->n = (long long)per * n;
	row->rate = (double)row->n / ((double)(end - t0) / 1e9);
	row->cpu_us = (double)(cpu + scpu1 - scpu0) / (double)row->n / 1000.0;
	free(j);
	free(res);
	return (0);

fail:
	mailpath_failed(rep, row, &r);
	free(j);
	free(res);
	return (-1);
}

static int
mailpath_cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * mailpath_rooms - one sender's count lines to a room of n logged-in
 * members (and the sender): the line's latency to each member (p50:
 * the median member's, p99: the worst member's), deliveries (lines x
 * members) a second, CPU of every process and mailserv per delivery.
 */
static int
mailpath_rooms(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, const struct bench_place *pl, int n, int count)
{
	struct mailpath_job	*j;
	struct run_msg		*res;
	struct run		 r;
	int64_t			 t0, scpu0, scpu1, end = 0, cpu = 0, *p50;
	int			 i, k = 0;

	j = xcalloc((size_t)n + 1, sizeof *j);
	res = xcalloc((size_t)n + 1, sizeof *res);
	p50 = xcalloc((size_t)n, sizeof *p50);
	for (i = 0; i <= n; i++) {
		j[i].srv = s;
		j[i].role = i == 0 ? MP_ROOM_SENDER : MP_ROOM_MEMBER;
		j[i].count = count;
		snprintf(j[i].name, sizeof j[i].name, "%s%d", i == 0 ?
		    "talker" : "member", i);
	}
	/* The sender joins first: it makes the room. */
	if (mailpath_spawn(&r, pl->cpu_a, j, (size_t)n + 1, (size_t)n + 1,
	    1) == -1)
		goto fail;
	scpu0 = stat_cpu_of(s->pid);
	t0 = stat_now();
	if (run_go(&r, 0, (size_t)n + 1) == -1 ||
	    run_collect(&r, RUN_RESULT, (size_t)n + 1, res) == -1)
		goto fail;
	scpu1 = stat_cpu_of(s->pid);
	row->p99_us = 0;
	for (i = 0; i <= n; i++) {
		cpu += res[i].v[1];
		if (res[i].idx == 0)
			continue;
		if (res[i].v[0] > end)
			end = res[i].v[0];
		p50[k++] = res[i].v[3];
		if ((double)res[i].v[4] / 1000.0 > row->p99_us)
			row->p99_us = (double)res[i].v[4] / 1000.0;
	}
	if (run_end(&r) == -1)
		goto fail;
	qsort(p50, (size_t)k, sizeof *p50, mailpath_cmp64);
	row->p50_us = k > 0 ? (double)p50[k / 2] / 1000.0 : NAN;
	row->n = (long long)count * n;
	row->rate = (double)row->n / ((double)(end - t0) / 1e9);
	row->cpu_us = (double)(cpu + scpu1 - scpu0) / (double)row->n / 1000.0;
	snprintf(row->note, sizeof row->note, "%d lines x %d members; p50 "
	    "the median member's, p99 the worst member's", count, n);
	free(j);
	free(res);
	free(p50);
	return (0);

fail:
	mailpath_failed(rep, row, &r);
	free(j);
	free(res);
	free(p50);
	return (-1);
}

/*
 * mailpath_offline - n senders to n offline mailboxes, in rounds: the
 * senders store `round` messages between them (timed), then one reader
 * per mailbox lists and deletes them (timed apart).  A round fits the
 * quota of a mailbox and the store with room to spare.
 */
static int
mailpath_offline(struct report *rep, struct report_row *row,
    struct report_row *drain, struct mailpath_srv *s,
    const struct bench_place *pl, int n, int total, int round)
{
	struct mailpath_job	*j;
	struct run_msg		*res;
	struct run		 r;
	int64_t			 t0, scpu0, end, send_ns = 0, drain_ns = 0;
	int64_t			 send_cpu = 0, drain_cpu = 0;
	int			 i, k, g, per = round / n, rounds = total / round;

	j = xcalloc(2 * (size_t)n, sizeof *j);
	res = xcalloc((size_t)n, sizeof *res);
	for (i = 0; i < 2 * n; i++) {
		j[i].srv = s;
		j[i].role = i < n ? MP_SENDER : MP_DRAINER;
		j[i].count = per;
		j[i].rounds = rounds;
		snprintf(j[i].name, sizeof j[i].name, "%s%d", i < n ? "snd" :
		    "off", i % n);
		snprintf(j[i].peer, sizeof j[i].peer, "off%d", i % n);
	}
	if (mailpath_spawn(&r, pl->cpu_a, j, 2 * (size_t)n, 2 * (size_t)n,
	    0) == -1)
		goto fail;
	for (k = 0; k < rounds; k++) {
		for (g = 0; g < 2; g++) {
			scpu0 = stat_cpu_of(s->pid);
			t0 = stat_now();
			if (run_go(&r, run_gate(g, k), (size_t)n) == -1 ||
			    run_collect(&r, RUN_RESULT, (size_t)n, res) == -1)
				goto fail;
			end = 0;
			for (i = 0; i < n; i++) {
				if (res[i].v[0] > end)
					end = res[i].v[0];
				*(g == 0 ? &send_cpu : &drain_cpu) +=
				    res[i].v[1];
			}
			*(g == 0 ? &send_cpu : &drain_cpu) +=
			    stat_cpu_of(s->pid) - scpu0;
			*(g == 0 ? &send_ns : &drain_ns) += end - t0;
		}
	}
	if (run_end(&r) == -1)
		goto fail;
	row->n = drain->n = (long long)per * n * rounds;
	row->rate = (double)row->n / ((double)send_ns / 1e9);
	row->cpu_us = (double)send_cpu / (double)row->n / 1000.0;
	drain->rate = (double)drain->n / ((double)drain_ns / 1e9);
	drain->cpu_us = (double)drain_cpu / (double)drain->n / 1000.0;
	snprintf(row->note, sizeof row->note, "rounds of %d stored, then "
	    "read and deleted", per * n);
	free(j);
	free(res);
	return (0);

fail:
	mailpath_failed(rep, row, &r);
	report_fail(rep, drain, row->note);
	free(j);
	free(res);
	return (-1);
}

/* mailpath_single - one child of the given role; its one result. */
static int
mailpath_single(struct report *rep, struct report_row *row,
    struct mailpath_job *j, int cpu, struct run_msg *res)
{
	struct run	r;

	if (run_open(&r) == -1 ||
	    run_spawn(&r, cpu, 0, mailpath_child, 0, j) == -1 ||
	    run_collect(&r, RUN_READY, 1, NULL) == -1 ||
	    run_go(&r, 0, 1) == -1 || run_collect(&r, RUN_RESULT, 1, res) == -1 ||
	    run_end(&r) == -1) {
		mailpath_failed(rep, row, &r);
		return (-1);
	}
	return (0);
}

/* mailpath_memory - mailserv's resident size with n sessions online. */
static void
mailpath_memory(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, double rss0, int n)
{
	double	rss = 0, hwm = 0;

	if (stat_vm(s->pid, &rss, &hwm) == -1) {
		report_fail(rep, row, "cannot read mailserv's /proc/PID/status");
		return;
	}
	row->rss_kib = rss;
	row->hwm_kib = hwm;
	row->per_kib = (rss - rss0) / n;
	row->n = n;
	snprintf(row->note, sizeof row->note, "VmRSS %.1f MiB, VmHWM %.1f "
	    "MiB with %d sessions; %.1f KiB a session (VmRSS %.1f MiB with "
	    "none)", rss / 1024, hwm / 1024, n,
	    row->per_kib, rss0 / 1024);
}

/*
 * mailpath_nofile - room for 1000 sessions: mailserv holds a descriptor
 * per session (mailbench raised RLIMIT_NOFILE to its hard limit, if it
 * could).  0, or -1 with the row failed.
 */
static int
mailpath_nofile(struct report *rep, struct report_row *row)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1200) {
		report_fail(rep, row, "RLIMIT_NOFILE too low for 1000 sessions "
		    "(ulimit -n)");
		return (-1);
	}
	return (0);
}

/* mailpath_crowd - grow the crowd of idle online sessions to n. */
static int
mailpath_crowd(struct run *r, struct mailpath_job **crowd, int *have,
    int n, struct mailpath_srv *s, const struct bench_place *pl)
{
	int	i, from = *have;

	if (n <= from)
		return (0);
	*crowd = xreallocarray(*crowd, (size_t)n, sizeof **crowd);
	/* The children got copies: moving the array is harmless. */
	for (i = from; i < n; i++) {
		memset(&(*crowd)[i], 0, sizeof **crowd);
		(*crowd)[i].srv = s;
		(*crowd)[i].role = MP_CROWD;
		snprintf((*crowd)[i].name, sizeof (*crowd)[i].name, "crowd%d",
		    i);
		if (run_spawn(r, pl->cpu_a, 0, mailpath_child, i,
		    &(*crowd)[i]) == -1)
			return (-1);
		*have = i + 1;
	}
	return (run_collect(r, RUN_READY, (size_t)(n - from), NULL));
}

/*
 * mailpath_crowds - live delivery and `who` with 10, 100 and 1000
 * sessions online: the crowd grows to N - 2 for the pair's round trips
 * (the pair makes N), then to N for the table reads.
 */
static void
mailpath_crowds(struct report *rep, struct mailpath_srv *s,
    const struct bench_opts *o, int place, double base_p50)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*live[3], *wr[3], *wf[3], *mem;
	struct mailpath_job	*crowd = NULL, who;
	double			 rss0 = 0, hwm0 = 0;
	struct run_msg		 res;
	struct run		 r;
	size_t			 c;
	int			 have = 0, failed = 0;

	for (c = 0; c < 3; c++) {
		live[c] = report_add(rep, SEC_IPCMAIL, place,
		    "live delivery %d online", mailpath_sizes[c]);
		wr[c] = report_add(rep, SEC_IPCMAIL, place,
		    "who read %d online", mailpath_sizes[c]);
		wf[c] = report_add(rep, SEC_IPCMAIL, place,
		    "who attach+read+detach %d online", mailpath_sizes[c]);
	}
	mem = report_add(rep, SEC_PEER, place, "mailserv memory %d sessions",
	    mailpath_sizes[2]);
	/* The table may have moved as it grew: the rows again, by place. */
	for (c = 0; c < 3; c++) {
		live[c] = &rep->rows[rep->nrows - 10 + 3 * c];
		wr[c] = live[c] + 1;
		wf[c] = live[c] + 2;
	}
	if (stat_vm(s->pid, &rss0, &hwm0) == -1)
		report_fail(rep, mem, "cannot read mailserv's /proc/PID/status");
	if (mailpath_nofile(rep, live[0]) == -1) {
		for (c = 0; c < 3; c++) {
			if (c > 0)
				report_fail(rep, live[c], live[0]->note + 8);
			report_fail(rep, wr[c], live[0]->note + 8);
			report_fail(rep, wf[c], live[0]->note + 8);
		}
		return;
	}
	if (run_open(&r) == -1) {
		mailpath_failed(rep, live[0], NULL);
		return;
	}
	for (c = 0; c < 3 && !failed && !run_stopped(); c++) {
		if (mailpath_crowd(&r, &crowd, &have, mailpath_sizes[c] - 2, s,
		    pl) == -1) {
			mailpath_failed(rep, live[c], &r);
			failed = 1;
			break;
		}
		if (mailpath_live(rep, live[c], s, pl, o->n.live_warm,
		    o->n.crowd_iters) == 0 && base_p50 > 0)
			snprintf(live[c]->note, sizeof live[c]->note,
			    "p50 %.2fx of live delivery with 2 online "
			    "(spool off)", live[c]->p50_us / base_p50);
		if (mailpath_crowd(&r, &crowd, &have, mailpath_sizes[c], s,
		    pl) == -1) {
			mailpath_failed(rep, wr[c], &r);
			failed = 1;
			break;
		}
		if (c == 2 && !mem->failed)
			mailpath_memory(rep, mem, s, rss0, mailpath_sizes[c]);
		memset(&who, 0, sizeof who);
		who.srv = s;
		who.role = MP_WHO;
		who.count = o->n.who_iters;
		who.expect = mailpath_sizes[c];
		if (mailpath_single(rep, wr[c], &who, pl->cpu_a, &res) == 0) {
			wr[c]->p50_us = (double)res.v[0] / 1000.0;
			wr[c]->p99_us = (double)res.v[1] / 1000.0;
			wf[c]->p50_us = (double)res.v[2] / 1000.0;
			wf[c]->p99_us = (double)res.v[3] / 1000.0;
			wr[c]->n = wf[c]->n = who.count;
			snprintf(wr[c]->note, sizeof wr[c]->note, "table of "
			    "%u slots, %d used", s->max_users,
			    mailpath_sizes[c]);
		} else
			report_fail(rep, wf[c], wr[c]->note);
	}
	if (c < 3 && !mem->failed)
		report_fail(rep, mem, "not measured: a crowd failed");
	for (; c < 3; c++) {
		if (!live[c]->failed)
			report_fail(rep, live[c], "not measured: an earlier "
			    "crowd failed");
		if (!wr[c]->failed)
			report_fail(rep, wr[c], live[c]->note);
		if (!wf[c]->failed)
			report_fail(rep, wf[c], live[c]->note);
	}
	if (r.open) {
		/* Release the crowd: each says BYE and exits. */
		run_go(&r, 0, (size_t)have);
		if (run_end(&r) == -1)
			run_clear_error();
	}
	free(crowd);
}

/* mailpath_check - the store holds as many messages as before the run. */
static void
mailpath_check(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, long before)
{
	char	text[96];
	long	n;

	if (row->failed)
		return;
	if ((n = mailpath_stored(s)) != before) {
		snprintf(text, sizeof text, "%ld messages in the store after "
		    "the run, %ld before", n, before);
		report_fail(rep, row, text);
	}
}

/* mailpath_oneshot - `mailcli send` as a process per message. */
static void
mailpath_oneshot(struct report *rep, struct mailpath_srv *s,
    const struct bench_opts *o, int place)
{
	struct report_row	*row;
	struct mailpath_job	 j;
	struct run_msg		 res;
	int64_t			 scpu0;

	row = report_add(rep, SEC_ONESHOT, place, "one-shot mailcli send %s",
	    s->tag);
	if (o->mailcli == NULL) {
		snprintf(row->note, sizeof row->note, "n/a (no mailcli built "
		    "next to mailbench)");
		return;
	}
	if (run_stopped())
		return;
	memset(&j, 0, sizeof j);
	j.srv = s;
	j.role = MP_ONESHOT;
	j.count = o->n.oneshot;
	j.prog = o->mailcli;
	snprintf(j.name, sizeof j.name, "oneshot");
	snprintf(j.peer, sizeof j.peer, "inbox");
	scpu0 = stat_cpu_of(s->pid);
	if (mailpath_single(rep, row, &j, o->place[place].cpu_a, &res) == 0) {
		row->n = j.count;
		row->rate = (double)j.count / ((double)res.v[0] / 1e9);
		row->cpu_us = (double)(res.v[1] + stat_cpu_of(s->pid) - scpu0) /
		    (double)j.count / 1000.0;
		snprintf(row->note, sizeof row->note, "fork+exec of mailcli "
		    "per message, one at a time");
	}
}

/*
 * mailpath_paced - ngircd's paced 1:1 row for ipcmail: the same pairs,
 * schedule, payload and placement; one-way p50/p99, CPU per message.
 */
static void
mailpath_paced(struct report *rep, struct mailpath_srv *s,
    const struct bench_opts *o, int place)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*row;
	struct mailpath_job	*j;
	struct pace_slab	*sl;
	struct run_msg		*res;
	struct run		 r;
	size_t			 i, nc = 2 * (size_t)o->n.paced_pairs;
	size_t			 ns = nc * (size_t)o->n.paced_lines;
	int64_t			 cpu = 0, scpu0, t0;
	long			 before;

	row = report_add(rep, SEC_PEER, place, "ipcmail live 1:1 paced %s",
	    s->tag);
	if (!o->peers) {
		snprintf(row->note, sizeof row->note, "n/a (not asked: --peers)");
		return;
	}
	if ((sl = pace_slab(ns)) == NULL) {
		report_fail(rep, row, "mmap of the samples failed");
		return;
	}
	memset(sl->v, 0xff, ns * sizeof sl->v[0]);
	j = xcalloc(nc, sizeof *j);
	res = xcalloc(nc, sizeof *res);
	for (i = 0; i < nc; i++) {
		j[i].srv = s;
		j[i].role = MP_PACED;
		j[i].count = o->n.paced_lines;
		j[i].n = (int)nc;
		j[i].sl = sl;
		snprintf(j[i].name, sizeof j[i].name, "pc%zu", i);
		snprintf(j[i].peer, sizeof j[i].peer, "pc%zu", i ^ 1);
	}
	before = mailpath_stored(s);
	if (mailpath_spawn(&r, pl->cpu_a, j, nc, nc, 0) == -1)
		goto fail;
	scpu0 = stat_cpu_of(s->pid);
	t0 = stat_now();
	sl->start = t0 + 20000000;
	if (run_go(&r, 0, nc) == -1 || run_collect(&r, RUN_RESULT, nc,
	    res) == -1)
		goto fail;
	cpu += stat_cpu_of(s->pid) - scpu0;
	t0 = stat_now() - t0;
	for (i = 0; i < nc; i++)
		cpu += res[i].v[0];
	if (run_end(&r) == -1)
		goto fail;
	if (pace_result(rep, row, sl, ns, 1, t0, cpu) == 0) {
		snprintf(row->note, sizeof row->note, "%d pairs, each client "
		    "one message per %.1f s, as ngircd's", o->n.paced_pairs,
		    (double)PACE_GAP_NS / 1e9);
		mailpath_check(rep, row, s, before);
	}
	goto out;

fail:
	mailpath_failed(rep, row, &r);
out:
	pace_slab_free(sl);
	free(j);
	free(res);
}

/*
 * mailpath_room_paced - ngircd's paced channel fan-out row for ipcmail:
 * m logged-in members of a room, the same senders, schedule, lines and
 * payload; a line's sample is the time until its last member has it.
 */
static void
mailpath_room_paced(struct report *rep, struct mailpath_srv *s,
    const struct bench_opts *o, int place, int m)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*row;
	struct mailpath_job	*j;
	struct pace_slab	*sl;
	struct run_msg		*res;
	struct run		 r;
	size_t			 i, nl = (size_t)o->n.fan_lines;
	size_t			 ns = (size_t)o->n.fan_senders;
	size_t			 nk = (size_t)m + ns;
	int64_t			 cpu = 0, scpu0, t0;
	long			 before;

	row = report_add(rep, SEC_PEER, place, "ipcmail room fan-out %d "
	    "paced", m);
	if (!o->peers) {
		snprintf(row->note, sizeof row->note, "n/a (not asked: --peers)");
		return;
	}
	if ((sl = pace_slab(nl * (size_t)m)) == NULL) {
		report_fail(rep, row, "mmap of the samples failed");
		return;
	}
	memset(sl->v, 0xff, nl * (size_t)m * sizeof sl->v[0]);
	j = xcalloc(nk, sizeof *j);
	res = xcalloc(nk, sizeof *res);
	for (i = 0; i < nk; i++) {
		j[i].srv = s;
		j[i].role = i < ns ? MP_PACED_TALKER : MP_PACED_MEMBER;
		j[i].count = (int)nl;
		j[i].n = (int)ns;
		j[i].expect = m;
		j[i].sl = sl;
		snprintf(j[i].name, sizeof j[i].name, "%s%zu", i < ns ?
		    "ptalk" : "pmemb", i < ns ? i : i - ns);
	}
	before = mailpath_stored(s);
	/* The first sender makes the room; then the others and members. */
	if (mailpath_spawn(&r, pl->cpu_a, j, nk, ns, 1) == -1)
		goto fail;
	scpu0 = stat_cpu_of(s->pid);
	t0 = stat_now();
	sl->start = t0 + 20000000;
	if (run_go(&r, 0, nk) == -1 || run_collect(&r, RUN_RESULT, nk,
	    res) == -1)
		goto fail;
	cpu += stat_cpu_of(s->pid) - scpu0;
	t0 = stat_now() - t0;
	for (i = 0; i < nk; i++)
		cpu += res[i].v[0];
	if (run_go(&r, 1, ns) == -1 || run_end(&r) == -1)
		goto fail;
	if (pace_result(rep, row, sl, nl, (size_t)m, t0, cpu) == 0) {
		snprintf(row->note, sizeof row->note, "as ngircd's: to the last "
		    "member; %zu senders, each one line per %.1f s",
		    ns, (double)PACE_GAP_NS / 1e9);
		mailpath_check(rep, row, s, before);
	}
	goto out;

fail:
	mailpath_failed(rep, row, &r);
out:
	pace_slab_free(sl);
	free(j);
	free(res);
}

/*
 * mailpath_room_big - the room row of 1000 members (each a process and
 * a session), after the memory row, since what mailserv allocates for
 * it stays in its heap: its VmHWM after it goes in the note.
 */
static void
mailpath_room_big(struct report *rep, struct report_row *row,
    struct mailpath_srv *s, const struct bench_place *pl, int total)
{
	double	rss = 0, hwm = 0;
	long	before;
	int	lines = total / MAILPATH_ROOM_BIG;

	if (mailpath_nofile(rep, row) == -1)
		return;
	lines = lines < 20 ? 20 : lines;
	before = mailpath_stored(s);
	if (mailpath_rooms(rep, row, s, pl, MAILPATH_ROOM_BIG, lines) != 0)
		return;
	mailpath_check(rep, row, s, before);
	if (!row->failed && stat_vm(s->pid, &rss, &hwm) == 0)
		snprintf(row->note + strlen(row->note), sizeof row->note -
		    strlen(row->note), "; mailserv VmRSS %.1f MiB, VmHWM %.1f "
		    "MiB after it", rss / 1024, hwm / 1024);
}

/*
 * mailpath_door - ngircd's paced PRIVMSG 1:1 row through mailserv's IRC
 * door (DIR/irc.sock): the same clients (ircc.c), pairs, schedule,
 * payload and placement; the nicks are any root may take.
 */
static void
mailpath_door(struct report *rep, struct mailpath_srv *s,
    const struct bench_opts *o, int place)
{
	struct ircc_server	 irc;
	struct report_row	*row;
	char			 path[sizeof s->dir + sizeof IRC_SOCKET + 1];
	long			 before;

	row = report_add(rep, SEC_PEER, place, "ipcmail IRC door 1:1 paced "
	    "%s", s->tag);
	if (!o->peers) {
		snprintf(row->note, sizeof row->note, "n/a (not asked: --peers)");
		return;
	}
	snprintf(path, sizeof path, "%s/%s", s->dir, IRC_SOCKET);
	memset(&irc, 0, sizeof irc);
	irc.name = "mailserv's IRC door";
	irc.nick = "irc";
	irc.path = path;
	irc.pid = s->pid;
	before = mailpath_stored(s);
	if (ircc_pairs(rep, row, &irc, o, o->place[place].cpu_a) == 0) {
		snprintf(row->note, sizeof row->note, "as ngircd's: %d pairs, "
		    "each client one line per %.1f s, over %s",
		    o->n.paced_pairs, (double)PACE_GAP_NS / 1e9, IRC_SOCKET);
		mailpath_check(rep, row, s, before);
	}
}

/*
 * mailpath_memory_rooms - mailserv's resident size with 1000 sessions
 * online and 100 rooms of 500 lines (its --room-history), on a server
 * of its own with the durable spool, as mailserv runs by default: the
 * kernel store (128 queues of msgmnb bytes: 2 MiB at 16384) holds what
 * it can and the rest waits in mailserv's memory and the spool, which
 * is what a host with busy rooms would see.  No bound on the bytes a
 * sender has at others (--sender-quota), which ten fillers of 5,000
 * lines each would pass.  Ten sessions, not logged in, fill ten rooms
 * each; then the 1000 idle sessions log in.
 */
static void
mailpath_memory_rooms(struct report *rep, const struct bench_opts *o,
    int place)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*row;
	struct mailpath_srv	 srv;
	struct mailpath_job	 fill[MAILPATH_MEM_FILLERS], *crowd = NULL;
	struct run_msg		 res[MAILPATH_MEM_FILLERS];
	struct run		 r;
	double			 rss0 = 0, hwm0 = 0, rss = 0, hwm = 0;
	char			*why = NULL;
	int			 i, have = 0, n = o->n.mem_sessions;

	row = report_add(rep, SEC_PEER, place, "mailserv memory %d sessions "
	    "%d rooms x %d lines", n, MAILPATH_MEM_ROOMS, MAILPATH_MEM_LINES);
	if (!pl->usable) {
		snprintf(row->note, sizeof row->note, "n/a (%s)", pl->why);
		return;
	}
	if (mailpath_nofile(rep, row) == -1)
		return;
	if (mailpath_start(&srv, o, pl->cpu_b, 1, 1, 0, &why) == -1) {
		report_fail(rep, row, why);
		free(why);
		return;
	}
	memset(&r, 0, sizeof r);
	if (stat_vm(srv.pid, &rss0, &hwm0) == -1) {
		report_fail(rep, row, "cannot read mailserv's /proc/PID/status");
		goto stop;
	}
	memset(fill, 0, sizeof fill);
	for (i = 0; i < MAILPATH_MEM_FILLERS; i++) {
		fill[i].srv = &srv;
		fill[i].role = MP_ROOM_FILL;
		fill[i].rooms = MAILPATH_MEM_ROOMS / MAILPATH_MEM_FILLERS;
		fill[i].room = i * fill[i].rooms;
		fill[i].count = MAILPATH_MEM_LINES;
		snprintf(fill[i].name, sizeof fill[i].name, "filler%d", i);
	}
	if (mailpath_spawn(&r, pl->cpu_a, fill, MAILPATH_MEM_FILLERS,
	    MAILPATH_MEM_FILLERS, 0) == -1 || run_go(&r, 0,
	    MAILPATH_MEM_FILLERS) == -1 || run_collect(&r, RUN_RESULT,
	    MAILPATH_MEM_FILLERS, res) == -1 || run_end(&r) == -1) {
		mailpath_failed(rep, row, &r);
		goto stop;
	}
	if (run_open(&r) == -1 || mailpath_crowd(&r, &crowd, &have, n, &srv,
	    pl) == -1) {
		mailpath_failed(rep, row, &r);
		goto stop;
	}
	if (stat_vm(srv.pid, &rss, &hwm) == -1) {
		report_fail(rep, row, "cannot read mailserv's /proc/PID/status");
		run_abort(&r);
		goto stop;
	}
	run_go(&r, 0, (size_t)have);
	if (run_end(&r) == -1)
		run_clear_error();
	row->rss_kib = rss;
	row->hwm_kib = hwm;
	row->per_kib = (rss - rss0) / n;
	row->n = n;
	snprintf(row->note, sizeof row->note, "VmRSS %.1f MiB, VmHWM %.1f MiB "
	    "with %d sessions and %d rooms of %d lines (VmRSS %.1f MiB with "
	    "none); spool on", rss / 1024, hwm / 1024, n, MAILPATH_MEM_ROOMS,
	    MAILPATH_MEM_LINES, rss0 / 1024);

stop:
	free(crowd);
	if (mailpath_stop(&srv, &why) == -1) {
		row = report_add(rep, SEC_PEER, place, "cleanup memory rooms");
		report_fail(rep, row, why);
		free(why);
	}
}

/*
 * mailpath_server - every path measured on one server (spool off or
 * on): live delivery, throughput online and offline, and with the
 * spool off also login+logout and the crowds.
 */
static void
mailpath_server(struct report *rep, const struct bench_opts *o, int place,
    int spool, double *base_p50)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*live, *row, *drain;
	struct mailpath_srv	 srv;
	struct mailpath_job	 j;
	struct run_msg		 res;
	const char		*tag = spool ? "spool-on" : "spool-off";
	char			*why = NULL;
	int64_t			 scpu0;
	long			 before;
	size_t			 k, big = (size_t)-1;

	live = report_add(rep, SEC_IPCMAIL, place, "live delivery %s", tag);
	if (!pl->usable) {
		snprintf(live->note, sizeof live->note, "n/a (%s)", pl->why);
		return;
	}
	if (mailpath_start(&srv, o, pl->cpu_b, spool, 0, 0, &why) == -1) {
		report_fail(rep, live, why);
		free(why);
		return;
	}
	before = mailpath_stored(&srv);
	if (mailpath_live(rep, live, &srv, pl, o->n.live_warm,
	    o->n.live_iters) == 0) {
		mailpath_check(rep, live, &srv, before);
		if (!spool)
			*base_p50 = live->p50_us;
	}
	if (o->only_live)
		goto stop;

	for (k = 0; k < 3 && !run_stopped(); k++) {
		row = report_add(rep, SEC_IPCMAIL, place, "online %s %d "
		    "sender%s", tag, mailpath_senders[k], k ? "s" : "");
		before = mailpath_stored(&srv);
		if (mailpath_online(rep, row, &srv, pl, mailpath_senders[k],
		    o->n.tput_total) == 0)
			mailpath_check(rep, row, &srv, before);
	}
	for (k = 0; k < 4 && !run_stopped(); k++) {
		int	m = mailpath_room_sizes[k];
		int	lines = o->n.tput_total / m;

		/* 1000 members (1000 processes) only where the flat-cost
		 * target looks: spool off. */
		if (m == MAILPATH_ROOM_BIG && spool)
			break;
		row = report_add(rep, SEC_IPCMAIL, place, "room %s %d "
		    "member%s", tag, m, k ? "s" : "");
		/* A POSIX room queue holds 10 lines; the rest need the spool. */
		if (!spool && strcmp(srv.backend->name, "posix") == 0) {
			snprintf(row->note, sizeof row->note, "n/a (posix "
			    "without the spool: a room queue holds 10 lines)");
			continue;
		}
		lines = lines > 1000 ? 1000 : lines < 20 ? 20 : lines;
		before = mailpath_stored(&srv);
		if (m == MAILPATH_ROOM_BIG) {
			/* After the crowds: its heap is not theirs. */
			big = rep->nrows - 1;
			continue;
		}
		if (mailpath_rooms(rep, row, &srv, pl, m, lines) == 0)
			mailpath_check(rep, row, &srv, before);
	}
	for (k = 0; k < 3 && !run_stopped(); k++) {
		row = report_add(rep, SEC_IPCMAIL, place, "offline %s %d "
		    "sender%s", tag, mailpath_senders[k], k ? "s" : "");
		drain = report_add(rep, SEC_IPCMAIL, place, "offline drain %s "
		    "%d reader%s", tag, mailpath_senders[k], k ? "s" : "");
		before = mailpath_stored(&srv);
		if (mailpath_offline(rep, row, drain, &srv, pl,
		    mailpath_senders[k], o->n.tput_total, o->n.round) == 0)
			mailpath_check(rep, row, &srv, before);
	}

	if (!spool) {
		row = report_add(rep, SEC_IPCMAIL, place, "login+logout");
		if (!run_stopped()) {
			memset(&j, 0, sizeof j);
			j.srv = &srv;
			j.role = MP_LOGIN;
			j.count = o->n.logins;
			scpu0 = stat_cpu_of(srv.pid);
			if (mailpath_single(rep, row, &j, pl->cpu_a,
			    &res) == 0) {
				row->n = j.count;
				row->rate = (double)j.count /
				    ((double)res.v[0] / 1e9);
				row->cpu_us = (double)(res.v[1] +
				    stat_cpu_of(srv.pid) - scpu0) /
				    (double)j.count / 1000.0;
				snprintf(row->note, sizeof row->note, "%.1f us "
				    "per login+logout", (double)res.v[0] /
				    j.count / 1000);
			}
		}
		if (!run_stopped())
			mailpath_crowds(rep, &srv, o, place, *base_p50);
		if (big != (size_t)-1 && !run_stopped())
			mailpath_room_big(rep, &rep->rows[big], &srv, pl,
			    o->n.tput_total);
	}
	mailpath_oneshot(rep, &srv, o, place);
	if (!run_stopped())
		mailpath_paced(rep, &srv, o, place);
	if (!spool && !run_stopped())
		mailpath_door(rep, &srv, o, place);
	for (k = 0; k < 3 && !spool && !run_stopped(); k++)
		mailpath_room_paced(rep, &srv, o, place, mailpath_members[k]);

stop:
	if (mailpath_stop(&srv, &why) == -1) {
		row = report_add(rep, SEC_IPCMAIL, place, "cleanup %s", tag);
		report_fail(rep, row, why);
		free(why);
	}
}

/* mailpath_measure - every ipcmail path in one placement. */
void
mailpath_measure(struct report *rep, const struct bench_opts *o, int place)
{
	double	base_p50 = 0;

	mailpath_server(rep, o, place, 0, &base_p50);
	if (!run_stopped())
		mailpath_server(rep, o, place, 1, &base_p50);
	if (!o->only_live && !run_stopped())
		mailpath_memory_rooms(rep, o, place);
}

/* --- a server for other files' rows (exim.c) ------------------------ */

/*
 * mailpath_open - a mailserv on cpu (the durable spool on or off) that
 * other uids may reach: exim's pipe runs `mailcli deliver` as nobody.
 */
struct mailpath_srv *
mailpath_open(const struct bench_opts *o, int cpu, int spool, char **why)
{
	struct mailpath_srv	*s = xcalloc(1, sizeof *s);

	if (mailpath_start(s, o, cpu, spool, 0, 1, why) == -1) {
		free(s);
		return (NULL);
	}
	return (s);
}

const char *
mailpath_dir(const struct mailpath_srv *s)
{
	return (s->dir);
}

pid_t
mailpath_pid(const struct mailpath_srv *s)
{
	return (s->pid);
}

/* mailpath_count - complete messages in its store now; -1 unknown. */
long
mailpath_count(struct mailpath_srv *s)
{
	return (mailpath_stored(s));
}

/* mailpath_close - stop it, check nothing is left (-1 with why). */
int
mailpath_close(struct mailpath_srv *s, char **why)
{
	int	rc;

	rc = mailpath_stop(s, why);
	free(s);
	return (rc);
}

/* mailpath_which - is prog an executable in PATH? */
static int
mailpath_which(const char *prog)
{
	const char	*path = getenv("PATH");
	char		*copy, *dir, *save = NULL, file[PATH_MAX];
	int		 found = 0;

	if (path == NULL)
		return (0);
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/%s", dir, prog);
		found = access(file, X_OK) == 0;
	}
	free(copy);
	return (found);
}

/*
 * mailpath_floor - what a process per message costs before it does
 * anything: /bin/true, and mailcli --version (its libraries loaded, no
 * IPC), forked, run and waited for one after the other as the one-shot
 * rows are.  No one-shot path can beat these rates.
 */
void
mailpath_floor(struct report *rep, const struct bench_opts *o)
{
	char *const		 t_argv[] = { "/bin/true", NULL };
	char *const		 v_argv[] = { (char *)o->mailcli, "--version",
				    NULL };
	char *const		*argv[2] = { t_argv, v_argv };
	const char		*name[2] = { "one-shot /bin/true (floor)",
				    "one-shot mailcli --version (floor)" };
	struct report_row	*row;
	struct mailpath_job	 j;
	struct run_msg		 res;
	int			 k;

	for (k = 0; k < 2 && !run_stopped(); k++) {
		row = report_add(rep, SEC_ONESHOT, -1, "%s", name[k]);
		if (k == 1 && o->mailcli == NULL) {
			snprintf(row->note, sizeof row->note, "n/a (no mailcli "
			    "built next to mailbench)");
			continue;
		}
		memset(&j, 0, sizeof j);
		j.role = MP_ONESHOT;
		j.count = o->n.oneshot;
		j.argv = argv[k];
		if (mailpath_single(rep, row, &j, o->place[BENCH_SAME].cpu_a,
		    &res) != 0)
			continue;
		row->n = j.count;
		row->rate = (double)j.count / ((double)res.v[0] / 1e9);
		row->cpu_us = (double)res.v[1] / (double)j.count / 1000.0;
		snprintf(row->note, sizeof row->note, "fork+exec+wait, no IPC: "
		    "the most any one-shot path can do");
	}
}

/*
 * mailpath_mta - the path a local user has without ipcmail: `mail -s`
 * handing each message to the MTA's sendmail, to the user's mailbox.
 */
void
mailpath_mta(struct report *rep, const struct bench_opts *o)
{
	struct report_row	*row;
	struct mailpath_job	 j;
	struct run_msg		 res;
	struct passwd		*pw;

	row = report_add(rep, SEC_ONESHOT, -1, "one-shot mail -s + MTA");
	if (!mailpath_which("mail") ||
	    access("/usr/sbin/sendmail", X_OK) == -1) {
		snprintf(row->note, sizeof row->note,
		    "n/a (no mail/MTA installed)");
		return;
	}
	if (!o->mta) {
		snprintf(row->note, sizeof row->note, "n/a (not asked: --mta "
		    "measures it, and leaves the mail in your mailbox)");
		return;
	}
	if ((pw = getpwuid(getuid())) == NULL) {
		report_fail(rep, row, "no login name for this uid");
		return;
	}
	memset(&j, 0, sizeof j);
	j.role = MP_ONESHOT;
	j.count = o->n.mta;
	j.user = pw->pw_name;
	if (mailpath_single(rep, row, &j, o->place[BENCH_SAME].cpu_a,
	    &res) == 0) {
		row->n = j.count;
		row->rate = (double)j.count / ((double)res.v[0] / 1e9);
		row->cpu_us = (double)res.v[1] / (double)j.count / 1000.0;
		snprintf(row->note, sizeof row->note, "%d messages to %s, "
		    "handed to /usr/sbin/sendmail", j.count, pw->pw_name);
	}
}

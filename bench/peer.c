/*
 * peer.c - the peers ipcmail is measured against (--peers): an ngircd
 * mailbench starts itself, in the foreground, on a loopback port, with
 * a configuration it writes to a private directory (no DNS, no ident,
 * no PAM), driven by IRC clients that are children of mailbench (TCP,
 * TCP_NODELAY, one write per line, 128-byte texts); and exim's delivery
 * path, which needs `mailcli deliver`.  Every client is paced under
 * ngircd's flood limit (pace.c), so the flood protection is never what
 * is measured.  ngircd's CPU is its CPU clock (the counter behind
 * /proc/PID/stat's utime + stime, read at nanosecond resolution), its
 * memory /proc/PID/status.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

#define PEER_NGIRCD	"/usr/sbin/ngircd"
#define PEER_CHANNEL	"#bench"
#define PEER_TEXT	128		/* the payload, as ipcmail's bodies */
#define PEER_START_MS	10000
#define PEER_SETUP_MS	60000		/* registering, joining */
#define PEER_SLACK_NS	30000000000LL	/* past the last line's time */
/* ngircd holds a new client's first commands for a penalty second
 * after it registers: the schedule starts well after that. */
#define PEER_SETTLE_NS	2500000000LL
#define PEER_STAGGER_NS	5000000LL	/* between two clients' connects */
#define PEER_TRIES	5
static const int peer_fans[] = { 1, 10, 100 };

struct peer_irc {
	char		 dir[64];
	char		 conf[96];
	int		 port;
	pid_t		 pid;
	struct run	 run;
	int		 undo;
	const char	*log;
};

enum peer_role { PR_PAIR, PR_MEMBER, PR_SENDER, PR_CROWD };

struct peer_job {
	struct peer_irc		*irc;
	enum peer_role		 role;
	int			 n;		/* clients in the schedule */
	int			 lines;		/* pair: each sends; fan: all */
	int			 members;	/* fan-out: channel members */
	int			 crowd;		/* memory: connections */
	struct pace_slab	*sl;
};

/* A client's connection and what it has read but not yet used. */
struct peer_cl {
	int	fd;
	size_t	len;
	char	buf[16384];
};

/* --- the server ---------------------------------------------------- */

/* peer_free_port - a loopback port nobody listens on just now. */
static int
peer_free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

/* peer_dial - a TCP connection to the port, TCP_NODELAY; -1 on error. */
static int
peer_dial(int port)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
peer_server_main(struct run *r, int idx, void *arg)
{
	struct peer_irc	*irc = arg;
	int		 fd;

	(void)r;
	(void)idx;
	if ((fd = open(irc->log != NULL ? irc->log : "/dev/null",
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, STDIN_FILENO);
	execl(PEER_NGIRCD, "ngircd", "--nodaemon", "--config", irc->conf,
	    (char *)NULL);
	return (127);
}

/* peer_undo - stop ngircd and remove its directory (cleanup stack). */
static void
peer_undo(void *arg)
{
	struct peer_irc	*irc = arg;

	if (irc->pid > 0) {
		run_stop_pid(irc->pid, SIGTERM, 5000);
		irc->pid = 0;
	}
	if (irc->run.open)
		run_end(&irc->run);
	unlink(irc->conf);
	rmdir(irc->dir);
}

/* peer_conf - ngircd's configuration: loopback, no lookups, no limits
 * on connections per address; its flood limits are its defaults. */
static int
peer_conf(struct peer_irc *irc)
{
	FILE	*f;

	if ((f = fopen(irc->conf, "wxe")) == NULL)
		return (-1);
	fprintf(f,
	    "# written by mailbench --peers; removed when it ends\n"
	    "[Global]\n"
	    "\tName = bench.invalid\n"
	    "\tInfo = mailbench peer\n"
	    "\tListen = 127.0.0.1\n"
	    "\tPorts = %d\n"
	    "\tMotdPhrase = mailbench\n"
	    "\tServerUID = %ld\n"
	    "\tServerGID = %ld\n"
	    "[Limits]\n"
	    "\tMaxConnections = 0\n"
	    "\tMaxConnectionsIP = 0\n"
	    "\tMaxJoins = 0\n"
	    "\tPingTimeout = 600\n"
	    "\tPongTimeout = 600\n"
	    "[Options]\n"
	    "\tDNS = no\n"
	    "\tIdent = no\n"
	    "\tPAM = no\n"
	    "[Channel]\n"
	    "\tName = %s\n"
	    "\tModes = \n",
	    irc->port, (long)getuid(), (long)getgid(), PEER_CHANNEL);
	return (fclose(f) == 0 ? 0 : -1);
}

/* peer_start - ngircd in a child on cpu; ready once it accepts. */
static int
peer_start(struct peer_irc *irc, const struct bench_opts *o, int cpu,
    char **why)
{
	int64_t	deadline;
	int	fd, rc;

	memset(irc, 0, sizeof *irc);
	irc->undo = -1;
	irc->log = o->server_log;
	snprintf(irc->dir, sizeof irc->dir, "/tmp/mailbench-irc.XXXXXX");
	if (mkdtemp(irc->dir) == NULL) {
		xasprintf(why, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	run_note("dir %s", irc->dir);
	snprintf(irc->conf, sizeof irc->conf, "%s/ngircd.conf", irc->dir);
	irc->undo = run_defer(peer_undo, irc);
	if ((irc->port = peer_free_port()) == -1 || peer_conf(irc) == -1) {
		xasprintf(why, "ngircd's configuration: %s", strerror(errno));
		goto fail;
	}
	if (run_open(&irc->run) == -1 || (irc->pid = run_spawn(&irc->run,
	    cpu, 1, peer_server_main, 0, irc)) == -1) {
		xasprintf(why, "%s", run_error());
		goto fail;
	}
	deadline = stat_now() + (int64_t)PEER_START_MS * 1000000;
	while ((fd = peer_dial(irc->port)) == -1) {
		if ((rc = run_wait_fd(-1, 20)) == -1 || stat_now() > deadline) {
			xasprintf(why, "ngircd did not start: %s", rc == -1 ?
			    run_error() : "no listener after 10 s");
			goto fail;
		}
	}
	close(fd);
	return (0);

fail:
	run_clear_error();
	run_settle(irc->undo);
	return (-1);
}

/* peer_stop - stop ngircd; -1 with why if something still listens. */
static int
peer_stop(struct peer_irc *irc, char **why)
{
	int	fd;

	run_settle(irc->undo);
	if ((fd = peer_dial(irc->port)) != -1) {
		close(fd);
		xasprintf(why, "something still listens on 127.0.0.1:%d "
		    "after ngircd stopped", irc->port);
		return (-1);
	}
	return (0);
}

/* --- an IRC client (in children) ----------------------------------- */

/* peer_put - one line, one write(2). */
static int
peer_put(struct peer_cl *cl, const char *fmt, ...)
{
	char	line[600];
	va_list	ap;
	int	n;
	ssize_t	w;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 2)
		return (-1);
	memcpy(line + n, "\r\n", 2);
	n += 2;
	do
		w = write(cl->fd, line, (size_t)n);
	while (w == -1 && errno == EINTR);
	return (w == n ? 0 : -1);
}

/*
 * peer_get - the next line (without CR LF) by the monotonic deadline;
 * the server's PINGs are answered on the way.  1, 0 timeout, -1 error.
 */
static int
peer_get(struct peer_cl *cl, char *line, size_t size, int64_t deadline)
{
	struct pollfd	p;
	char		*nl;
	size_t		n;
	ssize_t		got;
	int64_t		left;

	for (;;) {
		if ((nl = memchr(cl->buf, '\n', cl->len)) != NULL) {
			n = (size_t)(nl - cl->buf);
			if (n > 0 && cl->buf[n - 1] == '\r')
				n--;
			if (n >= size)
				n = size - 1;
			memcpy(line, cl->buf, n);
			line[n] = '\0';
			n = (size_t)(nl - cl->buf) + 1;
			memmove(cl->buf, cl->buf + n, cl->len - n);
			cl->len -= n;
			if (strncmp(line, "PING ", 5) == 0) {
				if (peer_put(cl, "PONG %s", line + 5) == -1)
					return (-1);
				continue;
			}
			return (1);
		}
		if (cl->len == sizeof cl->buf)
			return (-1);
		if ((left = deadline - stat_now()) <= 0)
			return (0);
		p.fd = cl->fd;
		p.events = POLLIN;
		if (poll(&p, 1, (int)((left + 999999) / 1000000)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(cl->fd, cl->buf + cl->len, sizeof cl->buf - cl->len);
		if (got <= 0)
			return (got == -1 && errno == EINTR ? 0 : -1);
		cl->len += (size_t)got;
	}
}

/*
 * peer_until - read lines until one holds code (" 001 "); -1 if not,
 * with why (the server's ERROR line, or what went wrong).
 */
static int
peer_until(struct peer_cl *cl, const char *code, int64_t deadline,
    char *why, size_t len)
{
	char	line[1024];
	int	rc;

	for (;;) {
		if ((rc = peer_get(cl, line, sizeof line, deadline)) != 1) {
			snprintf(why, len, "%s waiting for%s", rc == 0 ?
			    "timeout" : "connection lost", code);
			return (-1);
		}
		if (strstr(line, code) != NULL)
			return (0);
		if (strncmp(line, "ERROR", 5) == 0) {
			snprintf(why, len, "%.150s", line);
			return (-1);
		}
	}
}

/* peer_hello - connect and send NICK and USER (registration under way). */
static int
peer_hello(struct peer_cl *cl, int port, const char *nick)
{
	cl->len = 0;
	if ((cl->fd = peer_dial(port)) == -1)
		return (-1);
	if (peer_put(cl, "NICK %s", nick) == -1 ||
	    peer_put(cl, "USER %s 0 * :mailbench", nick) == -1)
		return (-1);
	return (0);
}

/*
 * peer_register - client idx of a crowd connects and registers as
 * nick.  ngircd accepts slowly: a burst of connects overflows its
 * listen queue, and a connection the kernel completed but ngircd never
 * accepted is reset later.  So each client starts at its own moment
 * (PEER_STAGGER_NS apart) and tries again, a few times, after a reset.
 */
static int
peer_register(struct peer_cl *cl, int port, int idx, const char *nick,
    char *why, size_t len)
{
	int	try;

	pace_sleep_until(stat_now() + (int64_t)idx * PEER_STAGGER_NS);
	for (try = 0; try < PEER_TRIES; try++) {
		if (try > 0) {
			close(cl->fd);
			pace_sleep_until(stat_now() + 200000000LL * try);
		}
		if (peer_hello(cl, port, nick) == -1) {
			snprintf(why, len, "cannot connect: %s",
			    strerror(errno));
			continue;
		}
		if (peer_until(cl, " 001 ", stat_now() + PEER_SETUP_MS *
		    1000000LL, why, len) == 0)
			return (0);
		if (strncmp(why, "connection lost", 15) != 0)
			return (-1);
	}
	return (-1);
}

/* peer_text - a 128-byte text: the send stamp, the sequence, filler. */
static void
peer_text(char *text, int64_t sent, int seq)
{
	int	n;

	n = snprintf(text, PEER_TEXT + 1, "S %lld %d ", (long long)sent, seq);
	memset(text + n, 'x', (size_t)(PEER_TEXT - n));
	text[PEER_TEXT] = '\0';
}

/* peer_parse - a PRIVMSG's stamp and sequence; -1 for anything else. */
static int
peer_parse(const char *line, int64_t *sent, int *seq)
{
	const char	*p;
	long long	 s;

	if ((p = strstr(line, " PRIVMSG ")) == NULL ||
	    (p = strstr(p + 9, " :")) == NULL ||
	    sscanf(p + 2, "S %lld %d", &s, seq) != 2)
		return (-1);
	*sent = (int64_t)s;
	return (0);
}

static void
peer_done(struct run *r, int idx, int64_t cpu0)
{
	struct run_msg	res;

	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_cpu() - cpu0;
	run_result(r, &res);
}

/*
 * peer_pair_main - client idx of a 1:1 pair (its peer is idx ^ 1):
 * each sends `lines` PRIVMSGs to the other on the paced schedule and
 * records each line it gets, one way: now minus the stamp in the line.
 */
static int
peer_pair_main(struct run *r, int idx, struct peer_job *j)
{
	struct peer_cl	*cl = xcalloc(1, sizeof *cl);
	char		 nick[32], peer[32], line[1024], text[PEER_TEXT + 1];
	char		 why[200];
	int64_t		 cpu0, due, sent, end, now;
	int		 nsent = 0, ngot = 0, seq, rc;

	snprintf(nick, sizeof nick, "p%d", idx);
	snprintf(peer, sizeof peer, "p%d", idx ^ 1);
	if (peer_register(cl, j->irc->port, idx, nick, why, sizeof why) == -1)
		return (run_fail(r, idx, "ngircd: %s cannot register: %s", nick,
		    why));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	end = pace_due(j->sl, idx, j->n, j->lines) + PEER_SLACK_NS;
	while (nsent < j->lines || ngot < j->lines) {
		now = stat_now();
		due = nsent < j->lines ? pace_due(j->sl, idx, j->n, nsent) :
		    end;
		if (now >= end)
			return (run_fail(r, idx, "ngircd: %s got %d of %d lines",
			    nick, ngot, j->lines));
		if (now >= due && nsent < j->lines) {
			peer_text(text, stat_now(), nsent);
			if (peer_put(cl, "PRIVMSG %s :%s", peer, text) == -1)
				return (run_fail(r, idx, "ngircd: write: %s",
				    strerror(errno)));
			nsent++;
			continue;
		}
		if ((rc = peer_get(cl, line, sizeof line, due)) == -1)
			return (run_fail(r, idx, "ngircd: %s: connection lost",
			    nick));
		now = stat_now();
		if (rc == 1 && peer_parse(line, &sent, &seq) == 0 &&
		    seq >= 0 && seq < j->lines) {
			j->sl->v[(size_t)idx * (size_t)j->lines + (size_t)seq] =
			    now - sent;
			ngot++;
		}
	}
	peer_done(r, idx, cpu0);
	close(cl->fd);
	return (0);
}

/* peer_member_main - a channel member: the arrival of every line. */
static int
peer_member_main(struct run *r, int idx, struct peer_job *j)
{
	struct peer_cl	*cl = xcalloc(1, sizeof *cl);
	char		 nick[32], line[1024], why[200];
	int64_t		 cpu0, end, sent;
	int		 ngot = 0, seq;

	/* A nick of its own per row: the last row's may linger. */
	snprintf(nick, sizeof nick, "f%dm%d", j->members, idx);
	if (peer_register(cl, j->irc->port, idx, nick, why,
	    sizeof why) == -1 || peer_put(cl, "JOIN %s",
	    PEER_CHANNEL) == -1 || peer_until(cl, " 366 ", stat_now() +
	    PEER_SETUP_MS * 1000000LL, why, sizeof why) == -1)
		return (run_fail(r, idx, "ngircd: %s cannot join: %s", nick,
		    why));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	end = pace_due(j->sl, j->n, j->n, j->lines / j->n + 1) +
	    PEER_SLACK_NS;
	while (ngot < j->lines) {
		if (peer_get(cl, line, sizeof line, end) != 1)
			return (run_fail(r, idx, "ngircd: member %s got %d of "
			    "%d lines", nick, ngot, j->lines));
		if (peer_parse(line, &sent, &seq) == 0 && seq >= 0 &&
		    seq < j->lines) {
			j->sl->v[(size_t)seq * (size_t)j->members +
			    (size_t)idx] = stat_now() - sent;
			ngot++;
		}
	}
	peer_done(r, idx, cpu0);
	close(cl->fd);
	return (0);
}

/*
 * peer_sender_main - sender idx of n: lines idx, idx + n, ... to the
 * channel (which it has not joined: the channel allows it), paced.
 */
static int
peer_sender_main(struct run *r, int idx, struct peer_job *j)
{
	struct peer_cl	*cl = xcalloc(1, sizeof *cl);
	char		 nick[32], line[1024], text[PEER_TEXT + 1];
	char		 why[200];
	int64_t		 cpu0, due;
	int		 k, seq;

	snprintf(nick, sizeof nick, "f%ds%d", j->members, idx);
	if (peer_register(cl, j->irc->port, idx, nick, why, sizeof why) == -1)
		return (run_fail(r, idx, "ngircd: %s cannot register: %s", nick,
		    why));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (k = 0; (seq = idx + k * j->n) < j->lines; k++) {
		due = pace_due(j->sl, idx, j->n, k);
		/* Answer PINGs while waiting; nothing else comes. */
		while (stat_now() < due)
			if (peer_get(cl, line, sizeof line, due) == -1)
				return (run_fail(r, idx, "ngircd: %s: "
				    "connection lost", nick));
		peer_text(text, stat_now(), seq);
		if (peer_put(cl, "PRIVMSG %s :%s", PEER_CHANNEL, text) == -1)
			return (run_fail(r, idx, "ngircd: write: %s",
			    strerror(errno)));
	}
	peer_done(r, idx, cpu0);
	/* Stay until the parent has every member's result. */
	run_await(r, 1);
	close(cl->fd);
	return (0);
}

/*
 * peer_crowd_main - many registered connections in one process, made
 * one after the other: ngircd accepts slowly, and a burst of connects
 * overflows its listen queue (each dropped SYN costs a second).
 */
static int
peer_crowd_main(struct run *r, int idx, struct peer_job *j)
{
	struct peer_cl	*cl = xcalloc((size_t)j->crowd, sizeof *cl);
	char		 nick[32], why[200];
	int64_t		 deadline = stat_now() + PEER_SETUP_MS * 1000000LL;
	int		 i;

	for (i = 0; i < j->crowd; i++) {
		snprintf(nick, sizeof nick, "c%d", i);
		if (peer_hello(&cl[i], j->irc->port, nick) == -1)
			return (run_fail(r, idx, "ngircd: connection %d: %s",
			    i, strerror(errno)));
		if (peer_until(&cl[i], " 001 ", deadline, why,
		    sizeof why) == -1)
			return (run_fail(r, idx, "ngircd: client %d of %d not "
			    "registered: %s", i, j->crowd, why));
	}
	run_ready(r, idx);
	run_await(r, 0);
	for (i = 0; i < j->crowd; i++)
		close(cl[i].fd);
	return (0);
}

static int
peer_child(struct run *r, int idx, void *arg)
{
	struct peer_job	*j = arg;

	switch (j->role) {
	case PR_PAIR:
		return (peer_pair_main(r, idx, j));
	case PR_MEMBER:
		return (peer_member_main(r, idx, j));
	case PR_SENDER:
		return (peer_sender_main(r, idx, j));
	case PR_CROWD:
		return (peer_crowd_main(r, idx, j));
	}
	return (1);
}

/* --- the measurements (in the parent) ------------------------------ */

static void
peer_failed(struct report *rep, struct report_row *row, struct run *r)
{
	report_fail(rep, row, run_error());
	if (r != NULL && r->open)
		run_abort(r);
	run_clear_error();
}

/* peer_pairs - paced 1:1 PRIVMSGs between pairs; one-way p50/p99. */
static void
peer_pairs(struct report *rep, struct report_row *row, struct peer_irc *irc,
    const struct bench_opts *o, int place)
{
	const struct bench_place *pl = &o->place[place];
	struct peer_job		 j;
	struct run_msg		*res;
	struct run		 r;
	size_t			 i, nc = 2 * (size_t)o->n.paced_pairs;
	size_t			 ns = nc * (size_t)o->n.paced_lines;
	int64_t			 cpu = 0, scpu0, t0;

	memset(&j, 0, sizeof j);
	res = xcalloc(nc, sizeof *res);
	j.irc = irc;
	j.role = PR_PAIR;
	j.n = (int)nc;
	j.lines = o->n.paced_lines;
	if ((j.sl = pace_slab(ns)) == NULL) {
		report_fail(rep, row, "mmap of the samples failed");
		free(res);
		return;
	}
	memset(j.sl->v, 0xff, ns * sizeof j.sl->v[0]);
	if (run_open(&r) == -1)
		goto fail;
	for (i = 0; i < nc; i++)
		if (run_spawn(&r, pl->cpu_a, 0, peer_child, (int)i, &j) == -1)
			goto fail;
	if (run_collect(&r, RUN_READY, nc, NULL) == -1)
		goto fail;
	scpu0 = stat_cpu_of(irc->pid);
	t0 = stat_now();
	j.sl->start = t0 + PEER_SETTLE_NS;
	if (run_go(&r, 0, nc) == -1 || run_collect(&r, RUN_RESULT, nc,
	    res) == -1)
		goto fail;
	for (i = 0; i < nc; i++)
		cpu += res[i].v[0];
	cpu += stat_cpu_of(irc->pid) - scpu0;
	t0 = stat_now() - t0;
	if (run_end(&r) == -1)
		goto fail;
	if (pace_samples(rep, row, j.sl, ns) == 0) {
		row->rate = (double)ns / ((double)t0 / 1e9);
		row->cpu_us = (double)cpu / (double)ns / 1000.0;
		snprintf(row->note, sizeof row->note, "%d pairs, each client "
		    "one line per %.1f s", o->n.paced_pairs,
		    (double)PACE_GAP_NS / 1e9);
	}
	pace_slab_free(j.sl);
	free(res);
	return;

fail:
	peer_failed(rep, row, &r);
	pace_slab_free(j.sl);
	free(res);
}

/*
 * peer_fanout - fan-out to m members of a channel: paced senders, each
 * line's time until its last member has it; deliveries a second and the
 * CPU per delivered line (ngircd's and every client's).
 */
static void
peer_fanout(struct report *rep, struct report_row *row, struct peer_irc *irc,
    const struct bench_opts *o, int place, int m)
{
	const struct bench_place *pl = &o->place[place];
	struct peer_job		 j[2];
	struct run_msg		*res;
	struct run		 r;
	size_t			 i, nl = (size_t)o->n.fan_lines;
	size_t			 ns = (size_t)o->n.fan_senders;
	size_t			 nk = (size_t)m + ns;
	int64_t			 cpu = 0, scpu0, t0, worst;

	memset(j, 0, sizeof j);
	res = xcalloc(nk, sizeof *res);
	j[0].irc = irc;
	j[0].role = PR_MEMBER;
	j[0].n = (int)ns;
	j[0].lines = (int)nl;
	j[0].members = m;
	if ((j[0].sl = pace_slab(nl * (size_t)m)) == NULL) {
		report_fail(rep, row, "mmap of the samples failed");
		free(res);
		return;
	}
	memset(j[0].sl->v, 0xff, nl * (size_t)m * sizeof j[0].sl->v[0]);
	j[1] = j[0];
	j[1].role = PR_SENDER;
	if (run_open(&r) == -1)
		goto fail;
	for (i = 0; i < nk; i++)
		if (run_spawn(&r, pl->cpu_a, 0, peer_child, (int)(i < (size_t)m ?
		    i : i - (size_t)m), &j[i < (size_t)m ? 0 : 1]) == -1)
			goto fail;
	if (run_collect(&r, RUN_READY, nk, NULL) == -1)
		goto fail;
	scpu0 = stat_cpu_of(irc->pid);
	t0 = stat_now();
	j[0].sl->start = t0 + PEER_SETTLE_NS;
	if (run_go(&r, 0, nk) == -1 || run_collect(&r, RUN_RESULT, nk,
	    res) == -1)
		goto fail;
	cpu += stat_cpu_of(irc->pid) - scpu0;
	t0 = stat_now() - t0;
	for (i = 0; i < nk; i++)
		cpu += res[i].v[0];
	if (run_go(&r, 1, ns) == -1 || run_end(&r) == -1)
		goto fail;
	/* A line's sample: its last member's arrival. */
	for (i = 0; i < nl; i++) {
		size_t	k;

		worst = -1;
		for (k = 0; k < (size_t)m; k++) {
			if (j[0].sl->v[i * (size_t)m + k] < 0) {
				worst = -1;
				break;
			}
			if (j[0].sl->v[i * (size_t)m + k] > worst)
				worst = j[0].sl->v[i * (size_t)m + k];
		}
		j[0].sl->v[i] = worst;
	}
	if (pace_samples(rep, row, j[0].sl, nl) == 0) {
		row->rate = (double)(nl * (size_t)m) / ((double)t0 / 1e9);
		row->cpu_us = (double)cpu / (double)(nl * (size_t)m) / 1000.0;
		snprintf(row->note, sizeof row->note, "p50/p99: to the last "
		    "member; msgs/s: lines x members; %zu senders, each one "
		    "line per %.1f s", ns, (double)PACE_GAP_NS / 1e9);
	}
	pace_slab_free(j[0].sl);
	free(res);
	return;

fail:
	peer_failed(rep, row, &r);
	pace_slab_free(j[0].sl);
	free(res);
}

/* peer_memory - ngircd's resident size with n clients registered. */
static void
peer_memory(struct report *rep, struct report_row *row, struct peer_irc *irc,
    const struct bench_opts *o, int place)
{
	struct peer_job	j;
	struct run	r;
	double		rss0 = 0, hwm0 = 0, rss = 0, hwm = 0;
	int		n = o->n.mem_sessions;

	memset(&j, 0, sizeof j);
	j.irc = irc;
	j.role = PR_CROWD;
	j.crowd = n;
	if (stat_vm(irc->pid, &rss0, &hwm0) == -1) {
		report_fail(rep, row, "cannot read ngircd's /proc/PID/status");
		return;
	}
	if (run_open(&r) == -1 || run_spawn(&r, o->place[place].cpu_a, 0,
	    peer_child, 0, &j) == -1 || run_collect(&r, RUN_READY, 1,
	    NULL) == -1)
		goto fail;
	if (stat_vm(irc->pid, &rss, &hwm) == -1) {
		report_fail(rep, row, "cannot read ngircd's /proc/PID/status");
		run_abort(&r);
		return;
	}
	if (run_go(&r, 0, 1) == -1 || run_end(&r) == -1)
		goto fail;
	row->rss_kib = rss;
	row->hwm_kib = hwm;
	row->per_kib = (rss - rss0) / n;
	row->n = n;
	snprintf(row->note, sizeof row->note, "VmRSS %.1f MiB, VmHWM %.1f "
	    "MiB with %d clients; %.1f KiB a client (VmRSS %.1f MiB with "
	    "none)", rss / 1024, hwm / 1024, n, row->per_kib, rss0 / 1024);
	return;

fail:
	peer_failed(rep, row, &r);
}

/* peer_measure - ngircd's rows in one placement (--peers). */
void
peer_measure(struct report *rep, const struct bench_opts *o, int place)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*pair, *fan[3], *mem, *row;
	struct peer_irc		 irc;
	char			*why = NULL;
	size_t			 k, base;

	/* Rows move when the table grows: the pointers once all are in. */
	base = rep->nrows;
	report_add(rep, SEC_PEER, place, "ngircd PRIVMSG 1:1 paced");
	for (k = 0; k < 3; k++)
		report_add(rep, SEC_PEER, place, "ngircd channel fan-out %d "
		    "paced", peer_fans[k]);
	report_add(rep, SEC_PEER, place, "ngircd memory %d clients",
	    o->n.mem_sessions);
	pair = &rep->rows[base];
	for (k = 0; k < 3; k++)
		fan[k] = &rep->rows[base + 1 + k];
	mem = &rep->rows[base + 4];
	if (!o->peers) {
		snprintf(pair->note, sizeof pair->note, "n/a (not asked: "
		    "--peers measures ngircd)");
		goto na;
	}
	if (access(PEER_NGIRCD, X_OK) == -1) {
		snprintf(pair->note, sizeof pair->note, "n/a (ngircd is not "
		    "installed: apt-get install ngircd)");
		goto na;
	}
	if (!pl->usable) {
		snprintf(pair->note, sizeof pair->note, "n/a (%s)", pl->why);
		goto na;
	}
	if (peer_start(&irc, o, pl->cpu_b, &why) == -1) {
		report_fail(rep, pair, why);
		free(why);
		snprintf(why = xmalloc(16), 16, "no ngircd");
		for (k = 0; k < 3; k++)
			report_fail(rep, fan[k], why);
		report_fail(rep, mem, why);
		free(why);
		return;
	}
	if (!run_stopped())
		peer_pairs(rep, pair, &irc, o, place);
	for (k = 0; k < 3 && !run_stopped(); k++)
		peer_fanout(rep, fan[k], &irc, o, place, peer_fans[k]);
	if (!run_stopped())
		peer_memory(rep, mem, &irc, o, place);
	if (peer_stop(&irc, &why) == -1) {
		row = report_add(rep, SEC_PEER, place, "cleanup ngircd");
		report_fail(rep, row, why);
		free(why);
	}
	return;

na:
	for (k = 0; k < 3; k++)
		memcpy(fan[k]->note, pair->note, sizeof pair->note);
	memcpy(mem->note, pair->note, sizeof pair->note);
}

/*
 * peer_mta - exim's delivery path: sendmail into exim delivering
 * through `mailcli deliver`, against exim delivering to an mbox itself.
 * `mailcli deliver` (the MTA bridge) came to main as this was written:
 * the rows say they are not measured yet.
 */
void
peer_mta(struct report *rep, const struct bench_opts *o)
{
	struct report_row	*row;

	row = report_add(rep, SEC_PEER, -1, "exim4 delivery via mailcli "
	    "deliver");
	if (!o->peers)
		snprintf(row->note, sizeof row->note, "n/a (not asked: "
		    "--peers)");
	else
		snprintf(row->note, sizeof row->note, "n/a (not measured "
		    "yet: mailcli deliver came to main as this work ended)");
	row = report_add(rep, SEC_PEER, -1, "exim4 delivery to an mbox");
	memcpy(row->note, rep->rows[rep->nrows - 2].note, sizeof row->note);
}

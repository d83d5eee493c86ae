/*
 * peer.c - the peers ipcmail is measured against (--peers): an ngircd
 * mailbench starts itself, in the foreground, on a loopback port, with
 * a configuration it writes to a private directory (no DNS, no ident,
 * no PAM), driven by IRC clients that are children of mailbench
 * (ircc.c: TCP, TCP_NODELAY, one write per line, 128-byte texts).
 * exim, the other peer, is exim.c's.  Every client is paced under
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
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
#define PEER_START_MS	10000
static const int peer_fans[] = { 1, 10, 100 };

struct peer_irc {
	char		 dir[64];
	char		 conf[96];
	struct ircc_server srv;		/* its port, pid */
	pid_t		 pid;
	struct run	 run;
	int		 undo;
	const char	*log;
};

enum peer_role { PR_MEMBER, PR_SENDER, PR_CROWD };

struct peer_job {
	struct peer_irc		*irc;
	enum peer_role		 role;
	int			 n;		/* clients in the schedule */
	int			 lines;		/* lines in all */
	int			 members;	/* fan-out: channel members */
	int			 crowd;		/* memory: connections */
	struct pace_slab	*sl;
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
	    irc->srv.port, (long)getuid(), (long)getgid(), PEER_CHANNEL);
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
	irc->srv.name = "ngircd";
	irc->srv.nick = "p";
	snprintf(irc->dir, sizeof irc->dir, "/tmp/mailbench-irc.XXXXXX");
	if (mkdtemp(irc->dir) == NULL) {
		xasprintf(why, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	run_note("dir %s", irc->dir);
	snprintf(irc->conf, sizeof irc->conf, "%s/ngircd.conf", irc->dir);
	irc->undo = run_defer(peer_undo, irc);
	if ((irc->srv.port = peer_free_port()) == -1 || peer_conf(irc) == -1) {
		xasprintf(why, "ngircd's configuration: %s", strerror(errno));
		goto fail;
	}
	if (run_open(&irc->run) == -1 || (irc->pid = run_spawn(&irc->run,
	    cpu, 1, peer_server_main, 0, irc)) == -1) {
		xasprintf(why, "%s", run_error());
		goto fail;
	}
	irc->srv.pid = irc->pid;
	deadline = stat_now() + (int64_t)PEER_START_MS * 1000000;
	while ((fd = ircc_dial(&irc->srv)) == -1) {
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
	if ((fd = ircc_dial(&irc->srv)) != -1) {
		close(fd);
		xasprintf(why, "something still listens on 127.0.0.1:%d "
		    "after ngircd stopped", irc->srv.port);
		return (-1);
	}
	return (0);
}

/* --- the clients (in children) --------------------------------- */

/* peer_member_main - a channel member: the arrival of every line. */
static int
peer_member_main(struct run *r, int idx, struct peer_job *j)
{
	struct ircc	*cl = xcalloc(1, sizeof *cl);
	char		 nick[32], line[1024], why[200];
	int64_t		 cpu0, end, sent;
	int		 ngot = 0, seq;

	/* A nick of its own per row: the last row's may linger. */
	snprintf(nick, sizeof nick, "f%dm%d", j->members, idx);
	if (ircc_register(cl, &j->irc->srv, idx, nick, why,
	    sizeof why) == -1 || ircc_put(cl, "JOIN %s",
	    PEER_CHANNEL) == -1 || ircc_until(cl, " 366 ", stat_now() +
	    IRCC_SETUP_MS * 1000000LL, why, sizeof why) == -1)
		return (run_fail(r, idx, "ngircd: %s cannot join: %s", nick,
		    why));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	end = pace_due(j->sl, j->n, j->n, j->lines / j->n + 1) +
	    IRCC_SLACK_NS;
	while (ngot < j->lines) {
		if (ircc_get(cl, line, sizeof line, end) != 1)
			return (run_fail(r, idx, "ngircd: member %s got %d of "
			    "%d lines", nick, ngot, j->lines));
		if (ircc_parse(line, &sent, &seq) == 0 && seq >= 0 &&
		    seq < j->lines) {
			j->sl->v[(size_t)seq * (size_t)j->members +
			    (size_t)idx] = stat_now() - sent;
			ngot++;
		}
	}
	ircc_done(r, idx, cpu0);
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
	struct ircc	*cl = xcalloc(1, sizeof *cl);
	char		 nick[32], line[1024], text[IRCC_TEXT + 1];
	char		 why[200];
	int64_t		 cpu0, due;
	int		 k, seq;

	snprintf(nick, sizeof nick, "f%ds%d", j->members, idx);
	if (ircc_register(cl, &j->irc->srv, idx, nick, why, sizeof why) == -1)
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
			if (ircc_get(cl, line, sizeof line, due) == -1)
				return (run_fail(r, idx, "ngircd: %s: "
				    "connection lost", nick));
		ircc_text(text, stat_now(), seq);
		if (ircc_put(cl, "PRIVMSG %s :%s", PEER_CHANNEL, text) == -1)
			return (run_fail(r, idx, "ngircd: write: %s",
			    strerror(errno)));
	}
	ircc_done(r, idx, cpu0);
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
	struct ircc	*cl = xcalloc((size_t)j->crowd, sizeof *cl);
	char		 nick[32], why[200];
	int64_t		 deadline = stat_now() + IRCC_SETUP_MS * 1000000LL;
	int		 i;

	for (i = 0; i < j->crowd; i++) {
		snprintf(nick, sizeof nick, "c%d", i);
		if (ircc_hello(&cl[i], &j->irc->srv, nick) == -1)
			return (run_fail(r, idx, "ngircd: connection %d: %s",
			    i, strerror(errno)));
		if (ircc_until(&cl[i], " 001 ", deadline, why,
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
	int64_t			 cpu = 0, scpu0, t0;

	memset(j, 0, sizeof j);
	memset(&r, 0, sizeof r);
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
	j[0].sl->start = t0 + IRCC_SETTLE_NS;
	if (run_go(&r, 0, nk) == -1 || run_collect(&r, RUN_RESULT, nk,
	    res) == -1)
		goto fail;
	cpu += stat_cpu_of(irc->pid) - scpu0;
	t0 = stat_now() - t0;
	for (i = 0; i < nk; i++)
		cpu += res[i].v[0];
	if (run_go(&r, 1, ns) == -1 || run_end(&r) == -1)
		goto fail;
	if (pace_result(rep, row, j[0].sl, nl, (size_t)m, t0, cpu) == 0)
		snprintf(row->note, sizeof row->note, "p50/p99: to the last "
		    "member; msgs/s: lines x members; %zu senders, each one "
		    "line per %.1f s", ns, (double)PACE_GAP_NS / 1e9);
	goto out;

fail:
	peer_failed(rep, row, &r);
out:
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
	memset(&r, 0, sizeof r);
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

/* peer_note_all - the same note on every row (why none is measured). */
static void
peer_note_all(struct report_row *const *rows, size_t n, const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	va_start(ap, fmt);
	vsnprintf(rows[0]->note, sizeof rows[0]->note, fmt, ap);
	va_end(ap);
	for (i = 1; i < n; i++)
		memcpy(rows[i]->note, rows[0]->note, sizeof rows[0]->note);
}

/* peer_measure - ngircd's rows in one placement (--peers). */
void
peer_measure(struct report *rep, const struct bench_opts *o, int place)
{
	const struct bench_place *pl = &o->place[place];
	struct report_row	*rows[5], *row;
	struct peer_irc		 irc;
	char			*why = NULL;
	size_t			 k, base;

	/* Rows move when the table grows: the pointers once all are in:
	 * rows[0] the 1:1 pairs, 1-3 the fan-outs, 4 the memory. */
	base = rep->nrows;
	report_add(rep, SEC_PEER, place, "ngircd PRIVMSG 1:1 paced");
	for (k = 0; k < 3; k++)
		report_add(rep, SEC_PEER, place, "ngircd channel fan-out %d "
		    "paced", peer_fans[k]);
	report_add(rep, SEC_PEER, place, "ngircd memory %d clients",
	    o->n.mem_sessions);
	for (k = 0; k < 5; k++)
		rows[k] = &rep->rows[base + k];
	if (!o->peers) {
		peer_note_all(rows, 5, "n/a (not asked: --peers measures "
		    "ngircd)");
		return;
	}
	if (access(PEER_NGIRCD, X_OK) == -1) {
		peer_note_all(rows, 5, "n/a (ngircd is not installed: apt-get "
		    "install ngircd)");
		return;
	}
	if (!pl->usable) {
		peer_note_all(rows, 5, "n/a (%s)", pl->why);
		return;
	}
	if (peer_start(&irc, o, pl->cpu_b, &why) == -1) {
		report_fail(rep, rows[0], why);
		free(why);
		for (k = 1; k < 5; k++)
			report_fail(rep, rows[k], "no ngircd");
		return;
	}
	if (!run_stopped() && ircc_pairs(rep, rows[0], &irc.srv, o,
	    pl->cpu_a) == 0)
		snprintf(rows[0]->note, sizeof rows[0]->note, "%d pairs, each "
		    "client one line per %.1f s", o->n.paced_pairs,
		    (double)PACE_GAP_NS / 1e9);
	for (k = 0; k < 3 && !run_stopped(); k++)
		peer_fanout(rep, rows[1 + k], &irc, o, place, peer_fans[k]);
	if (!run_stopped())
		peer_memory(rep, rows[4], &irc, o, place);
	if (peer_stop(&irc, &why) == -1) {
		row = report_add(rep, SEC_PEER, place, "cleanup ngircd");
		report_fail(rep, row, why);
		free(why);
	}
}

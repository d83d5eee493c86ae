/*
 * ircc.c - mailbench's IRC client, the one every IRC row uses: ngircd's
 * (peer.c, loopback TCP) and mailserv's IRC door (mailpath.c,
 * DIR/irc.sock).  Children connect (TCP_NODELAY on TCP), register, send
 * one line per write(2), answer PINGs, and stamp 128-byte texts; and
 * the paced 1:1 row (ircc_pairs) is one function for both servers, so
 * the door's row and ngircd's are measured the same way.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

#define IRCC_STAGGER_NS	5000000LL	/* between two clients' connects */
#define IRCC_TRIES	5

/* A paced 1:1 row: its server, pairs and shared samples. */
struct ircc_job {
	const struct ircc_server	*srv;
	int				 n;	/* clients in the schedule */
	int				 lines;	/* each client sends */
	struct pace_slab		*sl;
};

/*
 * ircc_dial - a connection to the server: 127.0.0.1:port with
 * TCP_NODELAY, or its AF_UNIX socket; -1 on error.
 */
int
ircc_dial(const struct ircc_server *srv)
{
	struct sockaddr_in	sin;
	struct sockaddr_un	sun;
	int			fd, one = 1;

	if (srv->path != NULL) {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(srv->path) >= sizeof sun.sun_path) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		strcpy(sun.sun_path, srv->path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			return (-1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			close(fd);
			return (-1);
		}
		return (fd);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)srv->port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* ircc_put - one line, one write(2). */
int
ircc_put(struct ircc *cl, const char *fmt, ...)
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
 * ircc_get - the next line (without CR LF) by the monotonic deadline;
 * the server's PINGs are answered on the way.  1, 0 timeout, -1 error.
 */
int
ircc_get(struct ircc *cl, char *line, size_t size, int64_t deadline)
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
				if (ircc_put(cl, "PONG %s", line + 5) == -1)
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
 * ircc_until - read lines until one holds code (" 001 "); -1 if not,
 * with why (the server's ERROR line, or what went wrong).
 */
int
ircc_until(struct ircc *cl, const char *code, int64_t deadline, char *why,
    size_t len)
{
	char	line[1024];
	int	rc;

	for (;;) {
		if ((rc = ircc_get(cl, line, sizeof line, deadline)) != 1) {
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

/*
 * ircc_settle - before a QUIT: two PING round trips.  The first reads
 * past (and answers) every PING the server sent with what we read;
 * once the second is answered, the server has read those PONGs too.
 * mailserv's door takes a PONG as word that the mail before its PING
 * was read (doc/irc.md); without it, that mail stays in the store.
 */
static void
ircc_settle(struct ircc *cl)
{
	char	why[200];
	int	i;

	for (i = 0; i < 2; i++) {
		if (ircc_put(cl, "PING :ircc-settle") == -1 ||
		    ircc_until(cl, "ircc-settle", stat_now() + 5000000000LL,
		    why, sizeof why) == -1)
			return;
	}
}

/* ircc_hello - connect and send NICK and USER (registration under way). */
int
ircc_hello(struct ircc *cl, const struct ircc_server *srv, const char *nick)
{
	cl->len = 0;
	if ((cl->fd = ircc_dial(srv)) == -1)
		return (-1);
	if (ircc_put(cl, "NICK %s", nick) == -1 ||
	    ircc_put(cl, "USER %s 0 * :mailbench", nick) == -1)
		return (-1);
	return (0);
}

/*
 * ircc_register - client idx of a crowd connects and registers as
 * nick.  ngircd accepts slowly: a burst of connects overflows its
 * listen queue, and a connection the kernel completed but ngircd never
 * accepted is reset later.  So each client starts at its own moment
 * (IRCC_STAGGER_NS apart) and tries again, a few times, after a reset.
 * The door gets the same, so that its row is paced the same way.
 */
int
ircc_register(struct ircc *cl, const struct ircc_server *srv, int idx,
    const char *nick, char *why, size_t len)
{
	int	try;

	pace_sleep_until(stat_now() + (int64_t)idx * IRCC_STAGGER_NS);
	for (try = 0; try < IRCC_TRIES; try++) {
		if (try > 0) {
			close(cl->fd);
			pace_sleep_until(stat_now() + 200000000LL * try);
		}
		if (ircc_hello(cl, srv, nick) == -1) {
			snprintf(why, len, "cannot connect: %s",
			    strerror(errno));
			continue;
		}
		if (ircc_until(cl, " 001 ", stat_now() + IRCC_SETUP_MS *
		    1000000LL, why, len) == 0)
			return (0);
		if (strncmp(why, "connection lost", 15) != 0)
			return (-1);
	}
	return (-1);
}

/* ircc_text - a 128-byte text: the send stamp, the sequence, filler. */
void
ircc_text(char *text, int64_t sent, int seq)
{
	int	n;

	n = snprintf(text, IRCC_TEXT + 1, "S %lld %d ", (long long)sent, seq);
	memset(text + n, 'x', (size_t)(IRCC_TEXT - n));
	text[IRCC_TEXT] = '\0';
}

/* ircc_parse - a PRIVMSG's stamp and sequence; -1 for anything else. */
int
ircc_parse(const char *line, int64_t *sent, int *seq)
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

/* ircc_done - a child's result: its CPU since cpu0. */
void
ircc_done(struct run *r, int idx, int64_t cpu0)
{
	struct run_msg	res;

	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_cpu() - cpu0;
	run_result(r, &res);
}

/*
 * ircc_pair_main - client idx of a 1:1 pair (its peer is idx ^ 1):
 * each sends `lines` PRIVMSGs to the other on the paced schedule and
 * records each line it gets, one way: now minus the stamp in the line.
 */
static int
ircc_pair_main(struct run *r, int idx, void *arg)
{
	struct ircc_job	*j = arg;
	struct ircc	*cl = xcalloc(1, sizeof *cl);
	const char	*name = j->srv->name;
	char		 nick[32], peer[32], line[1024], text[IRCC_TEXT + 1];
	char		 why[200];
	int64_t		 cpu0, due, sent, end, now;
	int		 nsent = 0, ngot = 0, seq, rc;

	snprintf(nick, sizeof nick, "%s%d", j->srv->nick, idx);
	snprintf(peer, sizeof peer, "%s%d", j->srv->nick, idx ^ 1);
	if (ircc_register(cl, j->srv, idx, nick, why, sizeof why) == -1)
		return (run_fail(r, idx, "%s: %s cannot register: %s", name,
		    nick, why));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	end = pace_due(j->sl, idx, j->n, j->lines) + IRCC_SLACK_NS;
	while (nsent < j->lines || ngot < j->lines) {
		now = stat_now();
		due = nsent < j->lines ? pace_due(j->sl, idx, j->n, nsent) :
		    end;
		if (now >= end)
			return (run_fail(r, idx, "%s: %s got %d of %d lines",
			    name, nick, ngot, j->lines));
		if (now >= due && nsent < j->lines) {
			ircc_text(text, stat_now(), nsent);
			if (ircc_put(cl, "PRIVMSG %s :%s", peer, text) == -1)
				return (run_fail(r, idx, "%s: write: %s", name,
				    strerror(errno)));
			nsent++;
			continue;
		}
		if ((rc = ircc_get(cl, line, sizeof line, due)) == -1)
			return (run_fail(r, idx, "%s: %s: connection lost",
			    name, nick));
		now = stat_now();
		if (rc == 1 && ircc_parse(line, &sent, &seq) == 0 &&
		    seq >= 0 && seq < j->lines) {
			j->sl->v[(size_t)idx * (size_t)j->lines + (size_t)seq] =
			    now - sent;
			ngot++;
		}
	}
	ircc_done(r, idx, cpu0);
	/* Stay until every client has every line: a QUIT could come
	 * before the partner's last line reached us through the server. */
	run_await(r, 1);
	ircc_settle(cl);
	ircc_put(cl, "QUIT :done");
	close(cl->fd);
	return (0);
}

/*
 * ircc_pairs - the paced 1:1 row against srv: pairs of clients on
 * cpu, each sending PRIVMSGs to its partner one per PACE_GAP_NS; the
 * one-way p50/p99, lines a second, CPU a line (the clients' and the
 * server's).  0, or -1 with the row failed.
 */
int
ircc_pairs(struct report *rep, struct report_row *row,
    const struct ircc_server *srv, const struct bench_opts *o, int cpu)
{
	struct ircc_job		 j;
	struct run_msg		*res;
	struct run		 r;
	size_t			 i, nc = 2 * (size_t)o->n.paced_pairs;
	size_t			 ns = nc * (size_t)o->n.paced_lines;
	int64_t			 cpu_ns = 0, scpu0, t0;
	int			 rc = -1;

	memset(&j, 0, sizeof j);
	memset(&r, 0, sizeof r);
	j.srv = srv;
	j.n = (int)nc;
	j.lines = o->n.paced_lines;
	if ((j.sl = pace_slab(ns)) == NULL) {
		report_fail(rep, row, "mmap of the samples failed");
		return (-1);
	}
	res = xcalloc(nc, sizeof *res);
	if (run_open(&r) == -1)
		goto fail;
	for (i = 0; i < nc; i++)
		if (run_spawn(&r, cpu, 0, ircc_pair_main, (int)i, &j) == -1)
			goto fail;
	if (run_collect(&r, RUN_READY, nc, NULL) == -1)
		goto fail;
	scpu0 = stat_cpu_of(srv->pid);
	t0 = stat_now();
	j.sl->start = t0 + IRCC_SETTLE_NS;
	if (run_go(&r, 0, nc) == -1 || run_collect(&r, RUN_RESULT, nc,
	    res) == -1)
		goto fail;
	cpu_ns += stat_cpu_of(srv->pid) - scpu0;
	t0 = stat_now() - t0;
	for (i = 0; i < nc; i++)
		cpu_ns += res[i].v[0];
	if (run_go(&r, 1, nc) == -1 || run_end(&r) == -1)
		goto fail;
	rc = pace_result(rep, row, j.sl, ns, 1, t0, cpu_ns);
	goto out;

fail:
	report_fail(rep, row, run_error());
	if (r.open)
		run_abort(&r);
	run_clear_error();
out:
	pace_slab_free(j.sl);
	free(res);
	return (rc);
}

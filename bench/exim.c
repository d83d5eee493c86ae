/*
 * exim.c - exim4, the mail peer (--peers): a private exim takes
 * messages one after the other as sendmail(8) does (-odi: delivered
 * before it returns) and delivers them through a pipe that runs
 * `mailcli deliver` into a mailserv of mailbench's, or to an mbox file
 * itself.  Its configuration, spool and log live in a private
 * /tmp/mailbench-exim.XXXXXX; it runs with -C in a private mount
 * namespace where a copy of /etc/exim4 that trusts that configuration
 * is bound over /etc/exim4 (as tests/integration/eximlib.sh does), so
 * the host's /etc is never touched, not even for a moment.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

#define EXIM_BIN	"/usr/sbin/exim4"
#define EXIM_ETC	"/etc/exim4"
#define EXIM_USER	"Debian-exim"
#define EXIM_DOMAIN	"bench.invalid"
#define EXIM_BODY	128		/* as every other row's */

struct exim {
	char		 dir[64];	/* /tmp/mailbench-exim.XXXXXX */
	char		 conf[128];
	char		 etc[128];
	char		 mbox[128];
	int		 undo;
};

struct exim_job {
	const struct exim	*e;
	const char		*rcpt;	/* "nobody": the pipe; "mbox" */
	int			 count;
};

/* exim_why - why exim's rows cannot be measured here, or NULL. */
static const char *
exim_why(const struct bench_opts *o)
{
	if (!o->peers)
		return ("not asked: --peers");
	if (access(EXIM_BIN, X_OK) == -1)
		return ("exim4 is not installed: apt-get install "
		    "exim4-daemon-light");
	if (geteuid() != 0)
		return ("needs root: exim -C and a private mount namespace");
	if (getpwnam(EXIM_USER) == NULL || getpwnam("nobody") == NULL ||
	    getgrnam("nogroup") == NULL)
		return ("no Debian-exim, nobody or nogroup account");
	if (o->mailcli == NULL)
		return ("no mailcli built next to mailbench");
	if (!o->place[BENCH_SAME].usable)
		return (o->place[BENCH_SAME].why);
	return (NULL);
}

/* exim_cmd - run argv to its end, output to /dev/null; 0 if it exits 0. */
static int
exim_cmd(char *const argv[])
{
	pid_t	pid;
	int	status, fd;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

static int
exim_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return (0);
}

/* exim_undo - remove exim's directory and all in it (cleanup stack). */
static void
exim_undo(void *arg)
{
	struct exim	*e = arg;

	nftw(e->dir, exim_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* exim_conf - the configuration: two local parts, two deliveries. */
static int
exim_conf(const struct exim *e, const char *ipcdir)
{
	FILE	*f;

	if ((f = fopen(e->conf, "wxe")) == NULL)
		return (-1);
	fprintf(f,
	    "# written by mailbench --peers; removed when it ends\n"
	    "primary_hostname = " EXIM_DOMAIN "\n"
	    "qualify_domain = " EXIM_DOMAIN "\n"
	    "domainlist local_domains = " EXIM_DOMAIN "\n"
	    "spool_directory = %s/spool\n"
	    "log_file_path = %s/log/%%slog\n"
	    "pid_file_path = %s/exim.pid\n"
	    "keep_environment =\n"
	    "message_size_limit = 32M\n"
	    "tls_advertise_hosts =\n"
	    "host_lookup =\n"
	    "rfc1413_hosts =\n"
	    "\n"
	    "begin routers\n"
	    "ipcmail:\n"
	    "  driver = accept\n"
	    "  domains = +local_domains\n"
	    "  local_parts = nobody\n"
	    "  transport = ipcmail\n"
	    "mbox:\n"
	    "  driver = accept\n"
	    "  domains = +local_domains\n"
	    "  local_parts = mbox\n"
	    "  transport = mbox\n"
	    "\n"
	    "begin transports\n"
	    "ipcmail:\n"
	    "  driver = pipe\n"
	    "  command = %s/bin/mailcli -d %s deliver\n"
	    "  user = nobody\n"
	    "  group = nogroup\n"
	    "  home_directory = /\n"
	    "  current_directory = /\n"
	    "  temp_errors = 75\n"
	    "  message_prefix =\n"
	    "  message_suffix =\n"
	    "  return_path_add\n"
	    "  log_output\n"
	    "  return_fail_output\n"
	    "mbox:\n"
	    "  driver = appendfile\n"
	    "  file = %s\n"
	    "  user = nobody\n"
	    "  group = nogroup\n"
	    "  mode = 0600\n"
	    "  return_path_add\n"
	    "  delivery_date_add\n"
	    "  envelope_to_add\n"
	    "\n"
	    "begin retry\n"
	    "* * F,1h,1m\n",
	    e->dir, e->dir, e->dir, e->dir, ipcdir, e->mbox);
	return (fclose(f) == 0 ? 0 : -1);
}

/*
 * exim_setup - the private directory: exim.conf, spool and log (exim's
 * user's), etc (the copy of /etc/exim4, trusting exim.conf), bin
 * (mailcli, which nobody may run), mbox (nobody's).
 */
static int
exim_setup(struct exim *e, const struct bench_opts *o, const char *ipcdir,
    char **why)
{
	struct passwd	*ex, *nb;
	char		 path[192], src[192];
	FILE		*f;

	memset(e, 0, sizeof *e);
	e->undo = -1;
	snprintf(e->dir, sizeof e->dir, "/tmp/mailbench-exim.XXXXXX");
	if (mkdtemp(e->dir) == NULL) {
		xasprintf(why, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	run_note("dir %s", e->dir);
	e->undo = run_defer(exim_undo, e);
	snprintf(e->conf, sizeof e->conf, "%s/exim.conf", e->dir);
	snprintf(e->etc, sizeof e->etc, "%s/etc", e->dir);
	snprintf(e->mbox, sizeof e->mbox, "%s/mbox/nobody", e->dir);
	ex = getpwnam(EXIM_USER);
	if (ex == NULL || chmod(e->dir, 0755) == -1)
		goto fail;
	snprintf(path, sizeof path, "%s/spool", e->dir);
	if (mkdir(path, 0750) == -1 || chown(path, ex->pw_uid,
	    ex->pw_gid) == -1)
		goto fail;
	snprintf(path, sizeof path, "%s/log", e->dir);
	if (mkdir(path, 0750) == -1 || chown(path, ex->pw_uid,
	    ex->pw_gid) == -1)
		goto fail;
	if ((nb = getpwnam("nobody")) == NULL)
		goto fail;
	snprintf(path, sizeof path, "%s/mbox", e->dir);
	if (mkdir(path, 0755) == -1 || chown(path, nb->pw_uid,
	    nb->pw_gid) == -1)
		goto fail;
	snprintf(path, sizeof path, "%s/bin", e->dir);
	if (mkdir(path, 0755) == -1)
		goto fail;
	{
		char *const	cp_etc[] = { "/bin/cp", "-a", src, e->etc,
				    NULL };
		char *const	cp_cli[] = { "/bin/cp", (char *)o->mailcli,
				    path, NULL };

		snprintf(src, sizeof src, "%s/.", EXIM_ETC);
		if (mkdir(e->etc, 0755) == -1 || exim_cmd(cp_etc) == -1) {
			xasprintf(why, "cannot copy %s", EXIM_ETC);
			goto fail_why;
		}
		if (exim_cmd(cp_cli) == -1) {
			xasprintf(why, "cannot copy %s", o->mailcli);
			goto fail_why;
		}
	}
	snprintf(path, sizeof path, "%s/trusted_configs", e->etc);
	if ((f = fopen(path, "we")) == NULL)
		goto fail;
	fprintf(f, "%s\n", e->conf);
	if (fclose(f) != 0 || exim_conf(e, ipcdir) == -1)
		goto fail;
	return (0);

fail:
	xasprintf(why, "exim's directory %s: %s", e->dir, strerror(errno));
fail_why:
	run_settle(e->undo);
	return (-1);
}

/*
 * exim_child - in a private mount namespace with the copy of /etc/exim4
 * bound over it, count messages, each to its own `exim -C CONF -odi
 * -oi RCPT` (sendmail's way) run to its end; the time of each.
 */
static int
exim_child(struct run *r, int idx, void *arg)
{
	struct exim_job	*j = arg;
	const struct exim *e = j->e;
	struct run_msg	 res;
	struct rusage	 ru;
	char		 msg[512];
	int64_t		*s, t0, t1;
	ssize_t		 wrote;
	size_t		 len;
	pid_t		 pid;
	int		 i, status, fd, p[2];

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount(e->etc, EXIM_ETC, NULL, MS_BIND, NULL) == -1)
		return (run_fail(r, idx, "exim: a private mount namespace: "
		    "%s", strerror(errno)));
	len = (size_t)snprintf(msg, sizeof msg, "Subject: mailbench\n"
	    "To: %s@" EXIM_DOMAIN "\n\n", j->rcpt);
	memset(msg + len, 'x', EXIM_BODY);
	len += EXIM_BODY;
	msg[len++] = '\n';
	s = xcalloc((size_t)j->count, sizeof *s);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	t0 = stat_now();
	for (i = 0; i < j->count; i++) {
		t1 = stat_now();
		if (pipe(p) == -1)
			return (run_fail(r, idx, "pipe: %s", strerror(errno)));
		if ((pid = fork()) == -1)
			return (run_fail(r, idx, "fork: %s", strerror(errno)));
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			dup2(p[0], STDIN_FILENO);
			close(p[0]);
			close(p[1]);
			if ((fd = open("/dev/null", O_WRONLY)) != -1) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execl(EXIM_BIN, "exim4", "-C", e->conf, "-odi", "-oi",
			    j->rcpt, (char *)NULL);
			_exit(127);
		}
		close(p[0]);
		/* A short write shows in exim's exit status. */
		wrote = write(p[1], msg, len);
		(void)wrote;
		close(p[1]);
		while (waitpid(pid, &status, 0) == -1)
			if (errno != EINTR)
				return (run_fail(r, idx, "waitpid: %s",
				    strerror(errno)));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return (run_fail(r, idx, "exim -odi %s exited with "
			    "status 0x%x at message %d (see %s/log/mainlog)",
			    j->rcpt, status, i, e->dir));
		s[i] = stat_now() - t1;
	}
	memset(&res, 0, sizeof res);
	res.idx = idx;
	res.v[0] = stat_now() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	res.v[1] = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000 + ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
	    1000;
	stat_sort(s, (size_t)j->count);
	res.v[2] = (int64_t)(stat_pct_us(s, (size_t)j->count, 50) * 1000);
	res.v[3] = (int64_t)(stat_pct_us(s, (size_t)j->count, 99) * 1000);
	run_result(r, &res);
	return (0);
}

/* exim_mbox_count - messages ("From " lines) in exim's mbox. */
static long
exim_mbox_count(const struct exim *e)
{
	char	line[1024];
	FILE	*f;
	long	n = 0;

	if ((f = fopen(e->mbox, "re")) == NULL)
		return (0);
	while (fgets(line, sizeof line, f) != NULL)
		n += strncmp(line, "From ", 5) == 0;
	fclose(f);
	return (n);
}

/*
 * exim_row - count messages through exim to rcpt, the loop on cpu; the
 * row's rate, p50/p99 a message (sendmail's call until it returned:
 * received, delivered), CPU a message (exim's processes, what they ran,
 * and the server's, if srv is not 0).  0, or -1 with the row failed.
 */
static int
exim_row(struct report *rep, struct report_row *row, const struct exim *e,
    const char *rcpt, int count, int cpu, pid_t srv)
{
	struct exim_job	j;
	struct run_msg	res;
	struct run	r;
	int64_t		scpu0 = 0;

	memset(&j, 0, sizeof j);
	j.e = e;
	j.rcpt = rcpt;
	j.count = count;
	if (run_open(&r) == -1 || run_spawn(&r, cpu, 0, exim_child, 0,
	    &j) == -1 || run_collect(&r, RUN_READY, 1, NULL) == -1)
		goto fail;
	if (srv > 0)
		scpu0 = stat_cpu_of(srv);
	if (run_go(&r, 0, 1) == -1 || run_collect(&r, RUN_RESULT, 1,
	    &res) == -1)
		goto fail;
	if (srv > 0)
		res.v[1] += stat_cpu_of(srv) - scpu0;
	if (run_end(&r) == -1)
		goto fail;
	row->n = count;
	row->rate = (double)count / ((double)res.v[0] / 1e9);
	row->cpu_us = (double)res.v[1] / count / 1000.0;
	row->p50_us = (double)res.v[2] / 1000.0;
	row->p99_us = (double)res.v[3] / 1000.0;
	return (0);

fail:
	report_fail(rep, row, run_error());
	if (r.open)
		run_abort(&r);
	run_clear_error();
	return (-1);
}

/*
 * exim_measure - exim's delivery path: sendmail into exim delivering
 * through `mailcli deliver` (the durable spool on: its exit 0 comes
 * after the fdatasync) into a mailserv on the same CPU, against the
 * same exim delivering to an mbox file itself; and their ratio.
 */
void
exim_measure(struct report *rep, const struct bench_opts *o)
{
	struct report_row	*rows[2], *row;
	struct mailpath_srv	*srv;
	struct exim		 e;
	const char		*na;
	char			*why = NULL, text[96];
	int			 cpu = o->place[BENCH_SAME].cpu_a, k, n;
	long			 before, after;

	report_add(rep, SEC_PEER, -1, "exim4 delivery via mailcli deliver");
	report_add(rep, SEC_PEER, -1, "exim4 delivery to an mbox");
	rows[0] = &rep->rows[rep->nrows - 2];
	rows[1] = &rep->rows[rep->nrows - 1];
	if ((na = exim_why(o)) != NULL) {
		for (k = 0; k < 2; k++)
			snprintf(rows[k]->note, sizeof rows[k]->note, "n/a "
			    "(%s)", na);
		return;
	}
	n = o->n.exim;
	if ((srv = mailpath_open(o, cpu, 1, &why)) == NULL) {
		report_fail(rep, rows[0], why);
		report_fail(rep, rows[1], why);
		free(why);
		return;
	}
	if (exim_setup(&e, o, mailpath_dir(srv), &why) == -1) {
		report_fail(rep, rows[0], why);
		report_fail(rep, rows[1], why);
		free(why);
		goto stop;
	}
	before = mailpath_count(srv);
	if (!run_stopped() && exim_row(rep, rows[0], &e, "nobody", n, cpu,
	    mailpath_pid(srv)) == 0) {
		if ((after = mailpath_count(srv)) - before != n) {
			snprintf(text, sizeof text, "%ld messages stored of "
			    "%d delivered", after - before, n);
			report_fail(rep, rows[0], text);
		} else
			snprintf(rows[0]->note, sizeof rows[0]->note, "%d "
			    "messages, each `exim -odi` (sendmail) to a pipe "
			    "running mailcli deliver as nobody; spool on", n);
	}
	if (!run_stopped() && exim_row(rep, rows[1], &e, "mbox", n, cpu,
	    0) == 0) {
		if (exim_mbox_count(&e) != n)
			report_fail(rep, rows[1], "the mbox does not hold "
			    "every message");
		else
			snprintf(rows[1]->note, sizeof rows[1]->note, "%d "
			    "messages, the same exim appending to an mbox as "
			    "nobody", n);
	}
	if (!rows[0]->failed && !rows[1]->failed)
		snprintf(rows[0]->note + strlen(rows[0]->note),
		    sizeof rows[0]->note - strlen(rows[0]->note),
		    "; %.2fx the mbox's rate", rows[0]->rate / rows[1]->rate);
	run_settle(e.undo);
stop:
	if (mailpath_close(srv, &why) == -1) {
		row = report_add(rep, SEC_PEER, -1, "cleanup exim's mailserv");
		report_fail(rep, row, why);
		free(why);
	}
}

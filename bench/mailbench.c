/*
 * mailbench.c - main() of ipcmail's benchmark: options, the machine and
 * its CPUs, then per placement the raw baselines (raw.c) and ipcmail's
 * own paths (mailpath.c), then the tables, ratios and targets
 * (report.c).  See mailbench --help and doc/performance.md.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "bench.h"
#include "xmalloc.h"

#define MAILBENCH_NOFILE	4096	/* 1000 sessions and their FIFOs */

static const struct bench_counts mailbench_full = {
	.rtt_warm = 1000, .rtt_iters = 20000,
	.oneway_small = 200000, .oneway_large = 50000, .fsyncs = 2000,
	.live_warm = 200, .live_iters = 5000,
	.tput_total = 20480, .round = 1024,
	.logins = 2000, .who_iters = 2000, .crowd_iters = 2000,
	.oneshot = 300, .mta = 20,
	.paced_pairs = 50, .paced_lines = 10,
	.fan_lines = 100, .fan_senders = 20, .mem_sessions = 1000,
	.exim = 100,
};

static const struct bench_counts mailbench_quick = {
	.rtt_warm = 50, .rtt_iters = 500,
	.oneway_small = 5000, .oneway_large = 1000, .fsyncs = 50,
	.live_warm = 20, .live_iters = 200,
	.tput_total = 1024, .round = 1024,
	.logins = 100, .who_iters = 100, .crowd_iters = 100,
	.oneshot = 20, .mta = 5,
	.paced_pairs = 4, .paced_lines = 2,
	.fan_lines = 10, .fan_senders = 5, .mem_sessions = 1000,
	.exim = 5,
};

static void
mailbench_usage(FILE *f)
{
	fprintf(f,
"usage: mailbench [--quick] [--json] [--only raw|ipcmail|live]\n"
"                 [--placement same|split|both] [--cpus A,B] [--mta]\n"
"                 [--peers]\n"
"                 [--window N]\n"
"                 [--server-log FILE] [--objects FILE]\n"
"       mailbench -h | -V\n"
"\n"
"Measures the raw Unix IPC mechanisms and ipcmail's own paths in one run,\n"
"on the same CPUs, and prints the ratios and the targets of issues 5 and\n"
"16; with --peers, ngircd and exim side by side.\n"
"\n"
"  --quick              a few seconds: far fewer messages, same rows\n"
"  --json               print one JSON document instead of the tables\n"
"  --only raw|ipcmail   measure only the raw baselines or only ipcmail\n"
"  --only live          only ipcmail's live delivery, spool off and on\n"
"                       (the durability target's two rows)\n"
"  --placement P        same, split or both (default both)\n"
"  --cpus A,B           the two CPUs to pin to (default: the first two\n"
"                       this process may use)\n"
"  --mta                also time `mail -s` into the installed MTA (it\n"
"                       leaves the messages in your system mailbox)\n"
"  --peers              also measure the peers (`make bench` does): an\n"
"                       ngircd of its own, and ipcmail's twin rows paced\n"
"                       the same way (mailserv's IRC door among them);\n"
"                       a private exim's delivery path\n"
"  --window N           throughput senders keep up to N sends unanswered\n"
"                       (default 32; 1: wait for \"sent\" after each)\n"
"  --server-log FILE    append mailserv's log there (default /dev/null)\n"
"  --objects FILE       append one line per kernel object, POSIX name and\n"
"                       directory made, so a test can check all are gone\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Placements.  Every process is pinned with sched_setaffinity.  same: all\n"
"on CPU A.  split: end A of a raw pair and every ipcmail client on CPU A,\n"
"end B and mailserv on CPU B.\n"
"\n"
"Raw baselines: pipe, FIFO, Unix stream and seqpacket socket, SysV and\n"
"POSIX message queue, shared memory with a SysV or a POSIX semaphore,\n"
"between two forked processes, at 128 B and 4096 B.  The payload is\n"
"copied in and out (by the kernel, or by memcpy into and out of the\n"
"segment).  p50/p99: round trips timed one by one (CLOCK_MONOTONIC) by\n"
"end A after 1000 untimed (--quick: 50).  msgs/s: one-way, end A sends\n"
"as fast as the mechanism takes them, from the release to end B's last\n"
"message.  cpu us/msg: CPU time (CLOCK_PROCESS_CPUTIME_ID) of both ends\n"
"over the one-way messages.  A shm ring holds 64 KiB, like a pipe.\n"
"fdatasync 128 B append: one process appending 128 B and calling\n"
"fdatasync, on the file system of /tmp, where the spool is: p50/p99 per\n"
"call, and calls per second.\n"
"\n"
"ipcmail paths, through the project's code: mailserv is server_run() in\n"
"a child on a private mkdtemp run directory /tmp/mailbench.XXXXXX, SysV\n"
"backend, mailserv's defaults (quota 256 KiB, 128 shards, 64 KiB bodies,\n"
"the IRC door on DIR/irc.sock) except max users 1100 and no --rate limit\n"
"(its default, 600 a minute per sender, would be all a sender could\n"
"do).  Each path is measured on a server without the spool (spool-off)\n"
"and on one with the durable spool in DIR/spool (spool-on, group\n"
"commit).  Clients are children using conn_open, conn_hello, conn_send,\n"
"conn_call and conn_next, one session per process; an online session\n"
"lists its mail first (REC_LIST), as mailcli does, which puts it in the\n"
"online table.  Bodies are 128 B.\n"
"  live delivery: two online sessions send each other mail in turn; a\n"
"    sample is one message, from the sender's stamp before conn_send to\n"
"    the whole message in the recipient; each is acknowledged with a\n"
"    quiet REC_DONE as mailcli does (without the mbox write).\n"
"  online N senders: N senders, each to its own online recipient; a\n"
"    sender keeps up to --window sends unanswered (a client pipelining\n"
"    its sends; each one's REC_OK, \"sent\", still comes only after it is\n"
"    stored, and with the spool after its group commit); msgs/s from\n"
"    the release until the last recipient has every message.\n"
"  offline N senders: N senders to N offline mailboxes, in rounds of\n"
"    1024 messages (which fit the quota and the store); msgs/s over the\n"
"    storing only.  offline drain N readers: a reader per mailbox lists\n"
"    (REC_LIST) and deletes (REC_DONE) each round's mail, timed apart.\n"
"  room N members: one member sends lines to a room (each after its\n"
"    \"sent\"), N logged-in members take each live; p50 is the median\n"
"    member's, p99 the worst member's; msgs/s and cpu us/msg count\n"
"    deliveries (lines x members).  1000 members only spool off, after\n"
"    the crowds (its note gives mailserv's VmHWM after it); the\n"
"    flat-cost target compares its cpu us/msg with 10 members'.\n"
"  cpu us/msg: CPU of every sender, recipient or reader and of mailserv\n"
"    (clock_getcpuclockid) over the messages.\n"
"  login+logout: one process opens a session with PROTO_HELLO_LOGIN,\n"
"    lists (the key's first use: now it is in the table) and closes it\n"
"    (REC_BYE), again and again, a new name each time.\n"
"  live delivery N online: live delivery (spool off) with N - 2 idle\n"
"    online sessions, each its own process, besides the pair.\n"
"  who read / who attach+read+detach N online: the online table's read\n"
"    (table_ops.read, which takes no lock, then free) and the whole of\n"
"    `mailcli who` but the printing, with N sessions in the table.\n"
"  one-shot mailcli send: the built mailcli run as a process per\n"
"    message, one after the other.  one-shot mail -s + MTA: the same\n"
"    through mail(1), only with --mta and where mail and sendmail exist.\n"
"    one-shot /bin/true and mailcli --version (floor): the same fork,\n"
"    exec and wait with no IPC at all, the most a one-shot path can do.\n"
"Every message is checked (sender, sequence) and every run ends with the\n"
"store holding what it held before.\n"
"\n"
"Peers (--peers).  ngircd (/usr/sbin/ngircd; apt-get install ngircd):\n"
"mailbench writes a configuration into a private /tmp/mailbench-irc.XXXXXX\n"
"(listen on 127.0.0.1, a free port; DNS, Ident and PAM off; no limit of\n"
"connections per address; a predefined channel #bench without modes)\n"
"and runs `ngircd --nodaemon --config FILE` as its child, pinned where\n"
"mailserv is (CPU B when split); it is stopped with SIGTERM at the end\n"
"and the port is checked to refuse connections.  Clients are children\n"
"pinned to CPU A: TCP to 127.0.0.1, TCP_NODELAY, one write(2) per line,\n"
"a 128-byte text (a send stamp, a sequence number, filler).\n"
"  Pacing: ngircd throttles a client that sends more than 256 bytes in a\n"
"    second or more than 3 commands in one read (a 1 s penalty), and holds\n"
"    a client's first commands for a second after it registers; so the\n"
"    schedule starts 2.5 s after the last client registered, and every\n"
"    client of a paced row sends one line per 1.1 s (never two in one\n"
"    second: at most 150 bytes), each client starting at its own offset\n"
"    within the 1.1 s; samples come fast because there are many clients.\n"
"    ipcmail's paced rows use the same schedule, payload and placement.\n"
"  ngircd PRIVMSG 1:1 paced / ipcmail live 1:1 paced: 50 pairs (--quick:\n"
"    4), each client sending 10 lines (2) to its partner; p50/p99 of one\n"
"    way, from the stamp before write(2) to the whole line read.\n"
"  ngircd channel fan-out M paced: M members joined to #bench, 20 paced\n"
"    senders (5) outside it, 100 lines (10); a line's sample is the time\n"
"    until its last member has it; msgs/s: lines x members a second\n"
"    (bound by the pacing); cpu us/msg: ngircd's CPU and every client's\n"
"    per delivered line.  ipcmail room fan-out M paced: the same with M\n"
"    logged-in members of a room and the senders joined from sessions not\n"
"    logged in (spool off).\n"
"  ipcmail IRC door 1:1 paced: ngircd's 1:1 row, the same clients and\n"
"    code (TCP replaced by an AF_UNIX connection to mailserv's DIR/irc.sock,\n"
"    where root may take any nick), pairs, schedule, payload and\n"
"    placement, on the spool-off mailserv; its ratios are to ngircd's.\n"
"  memory: mailserv's and ngircd's VmRSS and VmHWM (/proc/PID/status)\n"
"    with 1000 sessions or clients online; per session:\n"
"    (VmRSS with them - VmRSS before) / N.  mailserv memory 1000\n"
"    sessions 100 rooms x 500 lines: a mailserv of its own with the\n"
"    durable spool (its default store: 128 queues; the lines the kernel\n"
"    cannot hold wait in mailserv and the spool) and no --sender-quota\n"
"    bound; ten sessions fill ten rooms each with 500 lines (its\n"
"    --room-history), then 1000 idle sessions log in.\n"
"  exim4 delivery (exim4-daemon-light; as root): a private exim, its\n"
"    configuration, spool and log in /tmp/mailbench-exim.XXXXXX, run as\n"
"    `exim4 -C FILE -odi -oi RCPT` (sendmail's way: delivered before it\n"
"    returns) in a private mount namespace where a copy of /etc/exim4\n"
"    trusting FILE is bound over /etc/exim4 (the host's /etc is never\n"
"    touched), one message (128-byte body) after the other, 100 each\n"
"    (--quick: 5), on CPU A with its mailserv.  via mailcli deliver: a\n"
"    pipe transport running `mailcli -d DIR deliver` as nobody into a\n"
"    mailserv with the durable spool (exit 0 after its fdatasync); to\n"
"    an mbox: the same exim's appendfile, as nobody.  p50/p99: one\n"
"    sendmail call, submission to delivery; cpu us/msg: exim's processes\n"
"    and theirs (and mailserv's); the ratio is the first over the second.\n"
"\n"
"Ratios divide ipcmail's figures by the raw sysv-mq 128 B figures of the\n"
"same placement.  Targets are judged on this run's figures.  The 1-min\n"
"load average and the CPU other processes used during the run are\n"
"printed: a busy machine makes every figure worse.\n"
"\n"
"Exit status: 0 every figure measured; 1 some figure failed or usage;\n"
"130 interrupted.\n");
}

static int
mailbench_parse_cpus(const char *arg, int *a, int *b)
{
	char	*end;
	long	 x, y;

	errno = 0;
	x = strtol(arg, &end, 10);
	if (end == arg || *end != ',' || x < 0 || x >= CPU_SETSIZE)
		return (-1);
	arg = end + 1;
	y = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || y < 0 || y >= CPU_SETSIZE ||
	    errno != 0)
		return (-1);
	*a = (int)x;
	*b = (int)y;
	return (0);
}

static long
mailbench_proc_long(const char *path)
{
	FILE	*f;
	long	 v = -1;

	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return (v);
}

/* mailbench_machine - what the figures were measured on. */
static void
mailbench_machine(struct bench_opts *o)
{
	struct utsname	 u;
	char		 line[256], *p;
	FILE		*f;

	o->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(o->cpu_model, sizeof o->cpu_model, "unknown");
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (strncmp(line, "model name", 10) != 0 ||
			    (p = strchr(line, ':')) == NULL)
				continue;
			for (p++; *p == ' '; p++)
				;
			p[strcspn(p, "\n")] = '\0';
			snprintf(o->cpu_model, sizeof o->cpu_model, "%s", p);
			break;
		}
		fclose(f);
	}
	if (uname(&u) == 0)
		snprintf(o->kernel, sizeof o->kernel, "%.20s %.60s %.20s", u.sysname,
		    u.release, u.machine);
	snprintf(o->clocksource, sizeof o->clocksource, "unknown");
	if ((f = fopen("/sys/devices/system/clocksource/clocksource0/"
	    "current_clocksource", "re")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(o->clocksource, sizeof o->clocksource, "%.31s",
			    line);
		}
		fclose(f);
	}
	o->msgmnb = mailbench_proc_long("/proc/sys/kernel/msgmnb");
	o->msgmax = mailbench_proc_long("/proc/sys/kernel/msgmax");
	o->mq_msg_max = mailbench_proc_long("/proc/sys/fs/mqueue/msg_max");
	o->mq_msgsize_max =
	    mailbench_proc_long("/proc/sys/fs/mqueue/msgsize_max");
}

/* mailbench_places - the CPUs of the two placements. */
static void
mailbench_places(struct bench_opts *o, int a, int b)
{
	struct bench_place	*same = &o->place[BENCH_SAME];
	struct bench_place	*split = &o->place[BENCH_SPLIT];
	cpu_set_t		 set;
	int			 i, n = 0, cpus[2] = { -1, -1 };

	if (a < 0 && sched_getaffinity(0, sizeof set, &set) == 0) {
		for (i = 0; i < CPU_SETSIZE && n < 2; i++)
			if (CPU_ISSET(i, &set))
				cpus[n++] = i;
		a = cpus[0];
		b = cpus[1];
	}
	same->name = "same";
	same->cpu_a = same->cpu_b = a;
	same->usable = a >= 0;
	if (!same->usable)
		snprintf(same->why, sizeof same->why, "no CPU to pin to");
	split->name = "split";
	split->cpu_a = a;
	split->cpu_b = b;
	split->usable = a >= 0 && b >= 0 && a != b;
	if (!split->usable)
		snprintf(split->why, sizeof split->why, "only one CPU to pin "
		    "to");
}

/* mailbench_mailcli - the mailcli built next to this program. */
static const char *
mailbench_mailcli(void)
{
	static char	path[PATH_MAX];
	ssize_t		n;
	char		*slash;

	if ((n = readlink("/proc/self/exe", path, sizeof path - 16)) <= 0)
		return (NULL);
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return (NULL);
	strcpy(slash + 1, "mailcli");
	return (access(path, X_OK) == 0 ? path : NULL);
}

/* mailbench_nofile - room for mailserv's descriptor per session. */
static void
mailbench_nofile(struct bench_opts *o)
{
	struct rlimit	rl;
	rlim_t		was;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= MAILBENCH_NOFILE)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max < MAILBENCH_NOFILE ? rl.rlim_max :
	    MAILBENCH_NOFILE;
	if (rl.rlim_cur > was && setrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(o->nofile, sizeof o->nofile, "RLIMIT_NOFILE raised "
		    "from %lu to %lu for 1000 sessions", (unsigned long)was,
		    (unsigned long)rl.rlim_cur);
}

static void
mailbench_header(const struct bench_opts *o)
{
	int	p;

	printf("mailbench (%s) %s: %s run, throughput senders keep up to %d "
	    "sends unanswered (--window)\n", PACKAGE_NAME, PACKAGE_VERSION,
	    o->quick ? "quick (--quick: few messages, figures are rough)" :
	    "full", o->window);
	printf("machine: %d CPUs online, %s; %s; clocksource %s\n", o->ncpu,
	    o->cpu_model, o->kernel, o->clocksource);
	printf("limits: SysV msgmnb %ld, msgmax %ld; POSIX mq msg_max %ld, "
	    "msgsize_max %ld\n", o->msgmnb, o->msgmax, o->mq_msg_max,
	    o->mq_msgsize_max);
	for (p = 0; p < BENCH_NPLACE; p++) {
		if (!(o->place_mask & (1 << p)))
			continue;
		if (!o->place[p].usable)
			printf("placement %s: n/a (%s)\n", o->place[p].name,
			    o->place[p].why);
		else if (p == BENCH_SAME)
			printf("placement same: every process on CPU %d\n",
			    o->place[p].cpu_a);
		else
			printf("placement split: end A and ipcmail clients on "
			    "CPU %d, end B and mailserv on CPU %d\n",
			    o->place[p].cpu_a, o->place[p].cpu_b);
	}
	if (o->nofile[0] != '\0')
		printf("%s\n", o->nofile);
	printf("load average (1 min) at the start: %.2f\n", o->load[0]);
	if (o->load[0] > 0.5 * o->ncpu)
		printf("WARNING: the machine is busy; figures will be off\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	enum { OPT_QUICK = 256, OPT_JSON, OPT_ONLY, OPT_PLACE, OPT_CPUS,
	    OPT_MTA, OPT_LOG, OPT_OBJECTS, OPT_WINDOW, OPT_PEERS };
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "placement", required_argument, NULL, OPT_PLACE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "mta", no_argument, NULL, OPT_MTA },
		{ "peers", no_argument, NULL, OPT_PEERS },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "server-log", required_argument, NULL, OPT_LOG },
		{ "objects", required_argument, NULL, OPT_OBJECTS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts	o;
	struct report		rep;
	const char		*objects = NULL;
	int64_t			all0, ours0, all1, ours1, t0;
	int			c, p, a = -1, b = -1, busy;

	memset(&o, 0, sizeof o);
	memset(&rep, 0, sizeof rep);
	o.do_raw = o.do_ipcmail = 1;
	o.ipc = "sysv";
	o.place_mask = 1 << BENCH_SAME | 1 << BENCH_SPLIT;
	o.window = 32;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_QUICK:
			o.quick = 1;
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_ONLY:
			if (strcmp(optarg, "raw") == 0)
				o.do_ipcmail = 0;
			else if (strcmp(optarg, "ipcmail") == 0)
				o.do_raw = 0;
			else if (strcmp(optarg, "live") == 0)
				o.do_raw = 0, o.only_live = 1;
			else
				goto usage;
			break;
		case OPT_PLACE:
			if (strcmp(optarg, "same") == 0)
				o.place_mask = 1 << BENCH_SAME;
			else if (strcmp(optarg, "split") == 0)
				o.place_mask = 1 << BENCH_SPLIT;
			else if (strcmp(optarg, "both") != 0)
				goto usage;
			break;
		case OPT_CPUS:
			if (mailbench_parse_cpus(optarg, &a, &b) == -1)
				goto usage;
			break;
		case OPT_WINDOW:
			o.window = atoi(optarg);
			if (o.window < 1 || o.window > 256) {
				fprintf(stderr, "mailbench: --window %s: 1 to "
				    "256\n", optarg);
				return (1);
			}
			break;
		case OPT_MTA:
			o.mta = 1;
			break;
		case OPT_PEERS:
			o.peers = 1;
			break;
		case OPT_LOG:
			o.server_log = optarg;
			break;
		case OPT_OBJECTS:
			objects = optarg;
			break;
		case 'h':
			mailbench_usage(stdout);
			return (0);
		case 'V':
			printf("mailbench (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return (0);
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	o.n = o.quick ? mailbench_quick : mailbench_full;
	if (run_setup() == -1) {
		perror("mailbench: signal setup");
		return (1);
	}
	if (objects != NULL && run_notes(objects) == -1) {
		fprintf(stderr, "mailbench: %s: %s\n", objects,
		    strerror(errno));
		return (1);
	}
	mailbench_machine(&o);
	o.load[0] = stat_load();
	mailbench_places(&o, a, b);
	mailbench_nofile(&o);
	o.mailcli = mailbench_mailcli();
	if (!o.json)
		mailbench_header(&o);
	busy = stat_busy(&all0, &ours0) == 0;
	t0 = stat_now();

	for (p = 0; p < BENCH_NPLACE && !run_stopped(); p++) {
		if (!(o.place_mask & (1 << p)))
			continue;
		if (o.do_raw)
			raw_measure(&rep, &o, p);
		if (o.do_ipcmail && !run_stopped())
			mailpath_measure(&rep, &o, p);
		if (o.do_ipcmail && !o.only_live && !run_stopped())
			peer_measure(&rep, &o, p);
	}
	if (o.do_ipcmail && !o.only_live && !run_stopped())
		mailpath_floor(&rep, &o);
	if (o.do_ipcmail && !o.only_live && !run_stopped())
		mailpath_mta(&rep, &o);
	if (o.do_ipcmail && !o.only_live && !run_stopped())
		exim_measure(&rep, &o);
	run_cleanup();
	o.load[1] = stat_load();
	o.elapsed = (double)(stat_now() - t0) / 1e9;
	o.foreign = -1;
	if (busy && stat_busy(&all1, &ours1) == 0)
		o.foreign = (double)((all1 - all0) - (ours1 - ours0)) / 1e9;
	if (run_stopped()) {
		fprintf(stderr, "mailbench: interrupted; everything it made "
		    "is removed\n");
		report_free(&rep);
		return (130);
	}
	if (o.json)
		report_json(&rep, &o);
	else
		report_print(&rep, &o);
	c = rep.failures > 0;
	report_free(&rep);
	return (c);

usage:
	mailbench_usage(stderr);
	return (1);
}

/*
 * bench.h - mailbench's pieces: child processes, their barriers and
 * the cleanup of everything made (run.c), clocks and percentiles
 * (stat.c), the raw IPC baselines (raw.c), ipcmail's own paths through
 * the project's code (mailpath.c), the paced schedule (pace.c), the IRC
 * client (ircc.c), the peers ngircd (peer.c) and exim (exim.c), and the
 * rows, ratios, targets and their printing (report.c).  mailbench.c is
 * main().
 */
#ifndef BENCH_H
#define BENCH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define BENCH_SAME	0	/* every process on one CPU */
#define BENCH_SPLIT	1	/* the two ends on two CPUs */
#define BENCH_NPLACE	2

/* How much to measure: one set for a full run, one for --quick. */
struct bench_counts {
	int	rtt_warm;	/* raw round trips not counted */
	int	rtt_iters;	/* raw round trips timed */
	int	oneway_small;	/* raw one-way messages of 128 B */
	int	oneway_large;	/* raw one-way messages of 4 KiB */
	int	fsyncs;		/* appends with fdatasync */
	int	live_warm;	/* ipcmail round trips not counted */
	int	live_iters;	/* ipcmail round trips timed (2 samples each) */
	int	tput_total;	/* messages per throughput figure */
	int	round;		/* offline: messages stored per round */
	int	logins;		/* login+logout cycles */
	int	who_iters;	/* table reads per figure */
	int	crowd_iters;	/* round trips per crowd size */
	int	oneshot;	/* mailcli processes */
	int	mta;		/* mail -s processes */
	int	paced_pairs;	/* paced 1:1: pairs of clients */
	int	paced_lines;	/* paced 1:1: lines each client sends */
	int	fan_lines;	/* channel fan-out: lines timed per size */
	int	fan_senders;	/* channel fan-out: paced senders */
	int	mem_sessions;	/* memory rows: sessions or clients */
	int	exim;		/* exim delivery rows: messages each */
};

struct bench_place {
	const char	*name;
	int		 cpu_a;		/* clients; end A of a raw pair */
	int		 cpu_b;		/* mailserv; end B of a raw pair */
	int		 usable;
	char		 why[96];	/* when not usable */
};

struct bench_opts {
	int			 quick;
	int			 json;
	int			 mta;
	int			 peers;		/* --peers: ngircd, exim */
	int			 window;	/* throughput: sends in flight */
	int			 do_raw;
	int			 do_ipcmail;
	int			 only_live;	/* --only live */
	int			 place_mask;	/* 1 << BENCH_SAME | ... */
	const char		*server_log;
	const char		*ipc;		/* mailserv's backend */
	const char		*mailcli;	/* the built binary, or NULL */
	struct bench_counts	 n;
	struct bench_place	 place[BENCH_NPLACE];
	/* the machine, as printed with the figures */
	int			 ncpu;
	char			 cpu_model[128];
	char			 kernel[128];
	char			 clocksource[32];
	long			 msgmnb, msgmax, mq_msg_max, mq_msgsize_max;
	char			 nofile[128];	/* RLIMIT_NOFILE, if raised */
	double			 load[2];	/* 1-min load, start and end */
	double			 elapsed;	/* seconds, the whole run */
	double			 foreign;	/* CPU s others used meanwhile */
};

/* --- report.c: the figures ---------------------------------------- */

enum report_section { SEC_RAW, SEC_IPCMAIL, SEC_ONESHOT, SEC_PEER };

struct report_row {
	enum report_section	 section;
	int			 place;		/* -1: no placement */
	char			 name[64];
	double			 p50_us;	/* NAN: not measured */
	double			 p99_us;
	double			 rate;		/* messages (or ops) per second */
	double			 cpu_us;	/* CPU per message, all processes */
	long long		 n;		/* samples or messages */
	char			 note[200];	/* n/a, error, or a remark */
	int			 failed;
	/* raw rows: the one-way figure next to the round trip */
	size_t			 size;
	/* memory rows (KiB, from /proc/PID/status); 0: not a memory row */
	double			 rss_kib;
	double			 hwm_kib;
	double			 per_kib;	/* per session or client */
};

struct report {
	struct report_row	*rows;
	size_t			 nrows;
	size_t			 cap;
	int			 failures;
};

struct report_row *report_add(struct report *, enum report_section, int,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
struct report_row *report_find(struct report *, int, const char *);
void	report_fail(struct report *, struct report_row *, const char *);
void	report_print(struct report *, const struct bench_opts *);
void	report_json(struct report *, const struct bench_opts *);
void	report_free(struct report *);

/* --- run.c: children, barriers, cleanup ---------------------------- */

#define RUN_READY	1
#define RUN_RESULT	2
#define RUN_FAIL	3

struct run_msg {
	int32_t	tag;
	int32_t	idx;
	int64_t	v[8];
	char	text[160];
};

/*
 * A child waits for its release by reading one byte from a go pipe, and
 * the parent writes one byte per child.  A child that waits more than
 * once must alternate between two pipes (round & 1), or a fast child
 * could take the byte of a slow one: run_gate() names the pipe.
 */
#define RUN_GATES	4

struct run {
	int	res[2];		/* results: children write, parent reads */
	int	go[RUN_GATES][2];
	int	open;
	char	err[256];
};

#define run_gate(group, round)	((group) * 2 + ((round) & 1))

typedef int run_fn(struct run *, int, void *);

int	run_setup(void);
int	run_open(struct run *);
pid_t	run_spawn(struct run *, int, int, run_fn *, int, void *);
int	run_collect(struct run *, int, size_t, struct run_msg *);
int	run_go(struct run *, int, size_t);
int	run_end(struct run *);
void	run_abort(struct run *);
int	run_wait_fd(int, int);
int	run_stop_pid(pid_t, int, int);
int	run_stopped(void);
const char *run_error(void);
void	run_clear_error(void);

/* in a child */
void	run_ready(struct run *, int);
int	run_await(struct run *, int);
void	run_result(struct run *, struct run_msg *);
int	run_fail(struct run *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* the cleanup stack: what to undo on every way out */
int	run_defer(void (*)(void *), void *);
void	run_settle(int);
void	run_cleanup(void);

/* --objects: one line per object made, for a test to check it is gone */
int	run_notes(const char *);
void	run_note(const char *, ...) __attribute__((format(printf, 1, 2)));

/* --- stat.c: clocks and percentiles -------------------------------- */

int64_t	stat_now(void);
int64_t	stat_cpu(void);
int64_t	stat_cpu_of(pid_t);
void	stat_sort(int64_t *, size_t);
double	stat_pct_us(const int64_t *, size_t, double);
double	stat_mean_us(const int64_t *, size_t);
void	stat_fmt_count(char *, size_t, double);
double	stat_load(void);
int	stat_busy(int64_t *, int64_t *);
int	stat_vm(pid_t, double *, double *);

/* --- pace.c: the schedule of the paced rows ---------------------- */

#define PACE_GAP_NS	1100000000LL	/* one line a client per 1.1 s */

struct pace_slab {
	int64_t		start;		/* the schedule's time 0 */
	int64_t		n;
	size_t		len;
	int64_t		v[];		/* samples (ns), -1: none */
};

struct pace_slab *pace_slab(size_t);
void	pace_slab_free(struct pace_slab *);
int64_t	pace_due(const struct pace_slab *, int, int, int);
void	pace_sleep_until(int64_t);
int	pace_samples(struct report *, struct report_row *,
	    struct pace_slab *, size_t);
int	pace_result(struct report *, struct report_row *, struct pace_slab *,
	    size_t, size_t, int64_t, int64_t);

/* --- ircc.c: the IRC client of every IRC row ----------------------- */

#define IRCC_TEXT	128		/* the payload, as ipcmail's bodies */
#define IRCC_SETUP_MS	60000		/* registering, joining */
#define IRCC_SLACK_NS	30000000000LL	/* past the last line's time */
/* ngircd holds a new client's first commands for a penalty second
 * after it registers: a paced schedule starts well after that. */
#define IRCC_SETTLE_NS	2500000000LL

/* An IRC server the clients talk to. */
struct ircc_server {
	const char	*name;		/* in errors: "ngircd", "IRC door" */
	const char	*nick;		/* the 1:1 pairs' nicks: NICK0, ... */
	int		 port;		/* 127.0.0.1:port, unless */
	const char	*path;		/* an AF_UNIX socket */
	pid_t		 pid;		/* its CPU is counted */
};

/* A client's connection and what it has read but not yet used. */
struct ircc {
	int	fd;
	size_t	len;
	char	buf[16384];
};

int	ircc_dial(const struct ircc_server *);
int	ircc_put(struct ircc *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	ircc_get(struct ircc *, char *, size_t, int64_t);
int	ircc_until(struct ircc *, const char *, int64_t, char *, size_t);
int	ircc_hello(struct ircc *, const struct ircc_server *, const char *);
int	ircc_register(struct ircc *, const struct ircc_server *, int,
	    const char *, char *, size_t);
void	ircc_text(char *, int64_t, int);
int	ircc_parse(const char *, int64_t *, int *);
void	ircc_done(struct run *, int, int64_t);
int	ircc_pairs(struct report *, struct report_row *,
	    const struct ircc_server *, const struct bench_opts *, int);

/* --- raw.c: the baselines ------------------------------------------ */

#define RAW_NMECH	8
extern const char *const raw_names[RAW_NMECH];

void	raw_measure(struct report *, const struct bench_opts *, int);

/* --- mailpath.c: ipcmail's own paths ------------------------------- */

void	mailpath_measure(struct report *, const struct bench_opts *, int);
void	mailpath_mta(struct report *, const struct bench_opts *);
void	mailpath_floor(struct report *, const struct bench_opts *);

/* a mailserv for another file's rows (exim.c), reachable by any uid */
struct mailpath_srv;
struct mailpath_srv *mailpath_open(const struct bench_opts *, int, int,
	    char **);
const char *mailpath_dir(const struct mailpath_srv *);
pid_t	mailpath_pid(const struct mailpath_srv *);
long	mailpath_count(struct mailpath_srv *);
int	mailpath_close(struct mailpath_srv *, char **);

/* --- peer.c: ngircd, the chat peer --------------------------------- */

void	peer_measure(struct report *, const struct bench_opts *, int);

/* --- exim.c: exim4, the mail peer ---------------------------------- */

void	exim_measure(struct report *, const struct bench_opts *);

#endif

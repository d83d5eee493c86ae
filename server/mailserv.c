/*
 * mailserv.c - main() of the ipcmail server: options, then one of run,
 * --status or --purge.  See mailserv(8).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conf.h"
#include "log.h"
#include "mail.h"
#include "rfc5322.h"
#include "rundir.h"
#include "server.h"
#include "spooldir.h"

#define MAILSERV_USERS_DEFAULT	64
#define MAILSERV_SHARDS_DEFAULT	128
#define MAILSERV_QUOTA_DEFAULT	(256 * 1024)
#define MAILSERV_SHARD_BYTES	16384	/* kernel.msgmnb's default */
#define MAILSERV_SPOOL_MAX	(1024ULL * 1024 * 1024)
#define MAILSERV_MINFREE	(16ULL * 1024 * 1024)
#define MAILSERV_RATE_DEFAULT	600	/* a minute, per sender */
#define MAILSERV_SESSIONS_DEFAULT 8	/* interactive, per user */
#ifndef IPCMAIL_CONFIG
#define IPCMAIL_CONFIG		"/etc/ipcmail/mailserv.conf"
#endif
#ifndef IPCMAIL_SPOOLDIR
#define IPCMAIL_SPOOLDIR	""	/* the user's state directory */
#endif

/* What a configuration file may not say. */
static const char *const mailserv_conf_refused[] = { "config", "status",
    "stop", "purge", "help", "version", NULL };

static void
mailserv_usage(FILE *f)
{
	fprintf(f,
"usage: mailserv [--config FILE] [-d DIR] [--max-users N] [--max-body BYTES]\n"
"                [--quota BYTES] [--sender-quota BYTES] [--max-sessions N]\n"
"                [--recipients=any|accounts] [--shards N] [--rate N]\n"
"                [--spool SPOOLDIR | --no-spool]\n"
"                [--spool-max BYTES] [--spool-minfree BYTES]\n"
"                [--backlog N] [--room-history N] [--max-rooms N]\n"
"                [--max-joined N] [--no-irc] [--irc-port N]\n"
"                [--ipc=sysv|posix] [--mail-domain DOMAIN] [-v]\n"
"       mailserv [--config FILE] [-d DIR] [--spool SPOOLDIR]\n"
"                --status | --stop | --purge\n"
"       mailserv -h | -V\n"
"\n"
"The ipcmail server: keeps mail in kernel message queues (SysV, keyed by\n"
"ftok on DIR/%s, or POSIX with --ipc=posix) and in a durable\n"
"spool on disk, publishes who is online in shared memory, takes requests\n"
"on the FIFO DIR/%s and administrative ones on the socket\n"
"DIR/mailserv.sock.  Runs in the foreground until SIGINT, SIGTERM or\n"
"--stop; the mail stays in the kernel and the spool when it stops.\n"
"SIGUSR1 writes its live figures to the log.\n"
"\n"
"      --config FILE    read options from FILE (\"key = value\" lines, the\n"
"                       long option names) before the command line's\n"
"                       (default, if it exists: %s)\n"
"  -d, --dir DIR        run directory (default: $MAILSERV_DIR, else %s)\n"
"      --max-users N    most users online at once (default %d)\n"
"      --max-body BYTES largest message body (default %d)\n"
"      --quota BYTES    most unread bytes one mailbox may hold (default %d)\n"
"      --sender-quota BYTES\n"
"                       most unread bytes one sender may have waiting in\n"
"                       other people's mailboxes, all together (default:\n"
"                       an eighth of the store's capacity; root and\n"
"                       mailserv's uid are not limited)\n"
"      --max-sessions N most interactive sessions of one user at once\n"
"                       (default %d; root and mailserv's uid are not\n"
"                       limited); the last eighth of --max-users places\n"
"                       is kept for users not yet online\n"
"      --recipients=any|accounts\n"
"                       any name may receive mail, or only local accounts\n"
"                       (getpwnam) (default any)\n"
"      --shards N       most message queues the store may use, 1-253\n"
"                       (default %d, each of kernel.msgmnb bytes: %d unless\n"
"                       raised; the log and --status say what it holds)\n"
"      --rate N         most messages one sender may send a minute, 0 for\n"
"                       no limit (default %d)\n"
"      --spool SPOOLDIR the durable spool: every message is fsync'd there\n"
"                       before its sender hears \"sent\", and restored to the\n"
"                       kernel store after a reboot or ipcrm (default:\n"
"                       %s\n"
"                       with the default DIR %s, else DIR/spool;\n"
"                       a relative SPOOLDIR is inside DIR)\n"
"      --spool-max BYTES  most bytes of mail the spool holds; mail the\n"
"                       kernel store has no room for waits there, and past\n"
"                       this bound a send is refused \"mail store is full\"\n"
"                       (default %llu)\n"
"      --spool-minfree BYTES  refuse mail that would leave the spool's file\n"
"                       system less free space than this; 0: no reserve\n"
"                       (default %llu)\n"
"      --no-spool       keep mail in the kernel only (lost at reboot; the\n"
"                       kernel store is then the bound)\n"
"      --backlog N      room lines shown to who joins a room, 0 for none\n"
"                       (default %d)\n"
"      --room-history N lines a room keeps, 1-1000000 (default %d); past\n"
"                       it the oldest ages out of the store and the spool\n"
"      --max-rooms N    most rooms at once (default %d)\n"
"      --max-joined N   most rooms one user may be a member of (default %d);\n"
"                       members a room may have: --max-users\n"
"      --no-irc         no IRC door on DIR/irc.sock (on by default: IRC\n"
"                       clients such as irssi are ipcmail sessions there,\n"
"                       their uid from the kernel; see doc/irc.md)\n"
"      --irc-port N     the IRC door on 127.0.0.1:N and [::1]:N too (the\n"
"                       uid from the kernel's socket table); default none\n"
"      --ipc=sysv|posix which IPC mechanisms keep the mail and the online\n"
"                       table: SysV message queues, shared memory and a\n"
"                       semaphore, or POSIX message queues, shared memory\n"
"                       and a named semaphore (default sysv); clients learn\n"
"                       it from DIR\n"
"      --mail-domain DOMAIN  the domain of mail users send to other hosts\n"
"                       (From: NAME@DOMAIN; default: /etc/mailname, else\n"
"                       the host name)\n"
"  -v, --verbose        also log every IPC operation\n"
"      --status         show the IPC objects and files of DIR and, from a\n"
"                       running mailserv (its control socket), live figures\n"
"      --stop           ask the running mailserv to stop, and wait for it\n"
"      --purge          remove every IPC object and file of DIR, mail\n"
"                       included (refused while a mailserv serves DIR)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Exit status: 0 ok; 1 usage (also: a bad line in the configuration file);\n"
"2 error (run directory, IPC, spool); 3 another mailserv already serves DIR\n"
"(also: --purge refused while it runs).\n",
	    RUNDIR_KEY, RUNDIR_FIFO, IPCMAIL_CONFIG, RUNDIR_DEFAULT,
	    MAILSERV_USERS_DEFAULT, MAIL_BODY_DEFAULT, MAILSERV_QUOTA_DEFAULT,
	    MAILSERV_SESSIONS_DEFAULT, MAILSERV_SHARDS_DEFAULT,
	    MAILSERV_SHARD_BYTES, MAILSERV_RATE_DEFAULT,
	    IPCMAIL_SPOOLDIR[0] != '\0' ? IPCMAIL_SPOOLDIR :
	    "$XDG_STATE_HOME/ipcmail/spool", RUNDIR_DEFAULT,
	    (unsigned long long)MAILSERV_SPOOL_MAX,
	    (unsigned long long)MAILSERV_MINFREE, ROOMS_BACKLOG_DEFAULT,
	    ROOMS_HISTORY_DEFAULT, ROOMS_MAX_DEFAULT, ROOMS_JOINED_DEFAULT);
}

/* mailserv_number - a number option; where is its FILE:LINE, if any. */
static unsigned long long
mailserv_number(const char *where, const char *opt, const char *arg,
    unsigned long long min, unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] == '-' || *end != '\0' || end == arg || errno != 0 ||
	    v < min || v > max) {
		fprintf(stderr, "mailserv: %s%s%s: '%s' is not a number from "
		    "%llu to %llu\n", where ? where : "", where ? ": " : "",
		    where ? opt + 2 : opt, arg, min, max);
		exit(SERVER_EXIT_USAGE);
	}
	return (v);
}

int
main(int argc, char **argv)
{
	enum { OPT_USERS = 256, OPT_BODY, OPT_QUOTA, OPT_SHARDS, OPT_STATUS,
	    OPT_PURGE, OPT_SPOOL, OPT_NOSPOOL, OPT_RATE, OPT_IPC, OPT_STOP,
	    OPT_SPOOLMAX, OPT_MINFREE, OPT_SENDER_QUOTA, OPT_SESSIONS,
	    OPT_RECIPIENTS, OPT_CONFIG, OPT_BACKLOG, OPT_HISTORY, OPT_ROOMS,
	    OPT_JOINED, OPT_NOIRC, OPT_IRCPORT, OPT_DOMAIN };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "dir", required_argument, NULL, 'd' },
		{ "max-users", required_argument, NULL, OPT_USERS },
		{ "max-body", required_argument, NULL, OPT_BODY },
		{ "quota", required_argument, NULL, OPT_QUOTA },
		{ "sender-quota", required_argument, NULL, OPT_SENDER_QUOTA },
		{ "max-sessions", required_argument, NULL, OPT_SESSIONS },
		{ "recipients", required_argument, NULL, OPT_RECIPIENTS },
		{ "shards", required_argument, NULL, OPT_SHARDS },
		{ "spool", required_argument, NULL, OPT_SPOOL },
		{ "no-spool", no_argument, NULL, OPT_NOSPOOL },
		{ "spool-max", required_argument, NULL, OPT_SPOOLMAX },
		{ "spool-minfree", required_argument, NULL, OPT_MINFREE },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "mail-domain", required_argument, NULL, OPT_DOMAIN },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "room-history", required_argument, NULL, OPT_HISTORY },
		{ "max-rooms", required_argument, NULL, OPT_ROOMS },
		{ "max-joined", required_argument, NULL, OPT_JOINED },
		{ "no-irc", no_argument, NULL, OPT_NOIRC },
		{ "irc-port", required_argument, NULL, OPT_IRCPORT },
		{ "ipc", required_argument, NULL, OPT_IPC },
		{ "verbose", no_argument, NULL, 'v' },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "purge", no_argument, NULL, OPT_PURGE },
		{ "stop", no_argument, NULL, OPT_STOP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct server_config	cfg;
	/* The argument vector, file options first: it serves as argv
	 * does, for the whole run (static: an early exit leaks nothing). */
	static struct conf	conf;
	const char		*dir = NULL, *config, *where;
	char			*cause, *spool_default = NULL;
	int			c, action = 0, nospool = 0, spool_given = 0;
	int			spool_set = 0;

	memset(&cfg, 0, sizeof cfg);
	cfg.max_users = MAILSERV_USERS_DEFAULT;
	cfg.max_body = MAIL_BODY_DEFAULT;
	cfg.quota = MAILSERV_QUOTA_DEFAULT;
	cfg.shards = MAILSERV_SHARDS_DEFAULT;
	cfg.rate = MAILSERV_RATE_DEFAULT;
	cfg.spool_max = MAILSERV_SPOOL_MAX;
	cfg.spool_minfree = MAILSERV_MINFREE;
	rfc5322_mail_domain(cfg.mail_domain, sizeof cfg.mail_domain);
	cfg.max_sessions = MAILSERV_SESSIONS_DEFAULT;
	cfg.recipients = RECIPIENT_ANY;
	cfg.rooms.backlog = ROOMS_BACKLOG_DEFAULT;
	cfg.rooms.history = ROOMS_HISTORY_DEFAULT;
	cfg.rooms.max_rooms = ROOMS_MAX_DEFAULT;
	cfg.rooms.max_joined = ROOMS_JOINED_DEFAULT;
	cfg.irc = 1;
	/* The configuration file's options go first: the command line wins. */
	if ((config = conf_option(argc, argv, "config")) != NULL &&
	    *config == '\0') {
		fprintf(stderr, "mailserv: --config needs a file\n");
		return (SERVER_EXIT_USAGE);
	}
	if (conf_load(&conf, config != NULL ? config : IPCMAIL_CONFIG,
	    config != NULL, longopts, mailserv_conf_refused, argc, argv,
	    &cause) != 0) {
		fprintf(stderr, "mailserv: %s\n", cause);
		return (SERVER_EXIT_USAGE);
	}
	argc = conf.argc;
	argv = conf.argv;
	while ((c = getopt_long(argc, argv, "d:vhV", longopts, NULL)) != -1) {
		where = conf_where(&conf, optind);
		switch (c) {
		case OPT_CONFIG:
			break;	/* read above */
		case 'd':
			dir = optarg;
			break;
		case OPT_USERS:
			cfg.max_users = (unsigned)mailserv_number(where,
			    "--max-users", optarg, 1, 100000);
			break;
		case OPT_BODY:
			cfg.max_body = (uint32_t)mailserv_number(where,
			    "--max-body", optarg, 1, 253ULL * 8000);
			break;
		case OPT_QUOTA:
			cfg.quota = mailserv_number(where, "--quota", optarg,
			    1, UINT32_MAX);
			break;
		case OPT_SENDER_QUOTA:
			cfg.sender_quota = mailserv_number(where,
			    "--sender-quota", optarg, 1, UINT64_MAX / 2);
			break;
		case OPT_SESSIONS:
			cfg.max_sessions = (unsigned)mailserv_number(where,
			    "--max-sessions", optarg, 1, 100000);
			break;
		case OPT_RECIPIENTS:
			if ((cfg.recipients = recipient_mode(optarg)) == -1) {
				fprintf(stderr, "mailserv: %s%s--recipients: "
				    "'%s' is not any or accounts\n",
				    where ? where : "", where ? ": " : "",
				    optarg);
				return (SERVER_EXIT_USAGE);
			}
			break;
		case OPT_SHARDS:
			cfg.shards = (unsigned)mailserv_number(where,
			    "--shards", optarg, 1, 253);
			break;
		case OPT_SPOOL:
			if (*optarg == '\0') {
				fprintf(stderr, "mailserv: %s%s--spool needs "
				    "a directory\n", where ? where : "",
				    where ? ": " : "");
				return (SERVER_EXIT_USAGE);
			}
			cfg.spool = optarg;
			spool_set = 1;
			spool_given |= where == NULL;
			break;
		case OPT_IPC:
			if ((cfg.backend = backend_find(optarg)) == NULL) {
				fprintf(stderr, "mailserv: %s%s--ipc: '%s' is "
				    "not sysv or posix\n", where ? where : "",
				    where ? ": " : "", optarg);
				return (SERVER_EXIT_USAGE);
			}
			break;
		case OPT_RATE:
			cfg.rate = (unsigned)mailserv_number(where, "--rate",
			    optarg, 0, 1000000000);
			break;
		case OPT_SPOOLMAX:
			cfg.spool_max = mailserv_number(where,
			    "--spool-max", optarg,
			    1, UINT64_MAX);
			break;
		case OPT_MINFREE:
			cfg.spool_minfree = mailserv_number(where,
			    "--spool-minfree", optarg, 0, UINT64_MAX);
			break;
		case OPT_DOMAIN:
			if (rfc5322_domain_valid(optarg) != 0 ||
			    strlen(optarg) >= sizeof cfg.mail_domain) {
				fprintf(stderr, "mailserv: %s%s%s: '%s' is not "
				    "a domain name\n", where ? where : "",
				    where ? ": " : "", where ? "mail-domain" :
				    "--mail-domain", optarg);
				return (SERVER_EXIT_USAGE);
			}
			strcpy(cfg.mail_domain, optarg);
			break;
		case OPT_BACKLOG:
			cfg.rooms.backlog = (unsigned)mailserv_number(where,
			    "--backlog", optarg, 0, 1000000);
			break;
		case OPT_HISTORY:
			cfg.rooms.history = (unsigned)mailserv_number(where,
			    "--room-history", optarg, 1, 1000000);
			break;
		case OPT_ROOMS:
			cfg.rooms.max_rooms = (unsigned)mailserv_number(where,
			    "--max-rooms", optarg, 1, 1000000);
			break;
		case OPT_JOINED:
			cfg.rooms.max_joined = (unsigned)mailserv_number(where,
			    "--max-joined", optarg, 1, 1000000);
			break;
		case OPT_NOIRC:
			cfg.irc = 0;
			break;
		case OPT_IRCPORT:
			cfg.irc_port = (unsigned)mailserv_number(where,
			    "--irc-port", optarg, 1, 65535);
			break;
		case OPT_NOSPOOL:
			cfg.spool = NULL;
			spool_set = 1;
			nospool |= where == NULL;
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case OPT_STATUS:
		case OPT_PURGE:
		case OPT_STOP:
			if (action != 0 && action != c) {
				fprintf(stderr, "mailserv: --status, --stop "
				    "and --purge exclude each other\n");
				return (SERVER_EXIT_USAGE);
			}
			action = c;
			break;
		case 'h':
			mailserv_usage(stdout);
			return (SERVER_EXIT_OK);
		case 'V':
			printf("mailserv (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return (SERVER_EXIT_OK);
		default:
			mailserv_usage(stderr);
			return (SERVER_EXIT_USAGE);
		}
	}
	if (nospool && spool_given) {
		fprintf(stderr, "mailserv: --spool and --no-spool exclude each "
		    "other\n");
		return (SERVER_EXIT_USAGE);
	}
	if (optind != argc) {
		fprintf(stderr, "mailserv: unexpected argument '%s'\n",
		    argv[optind]);
		mailserv_usage(stderr);
		return (SERVER_EXIT_USAGE);
	}
	cfg.dir = rundir_path(dir);
	if (cfg.dir[0] != '/') {
		fprintf(stderr, "mailserv: run directory '%s' must be an "
		    "absolute path\n", cfg.dir);
		return (SERVER_EXIT_USAGE);
	}
	if (!spool_set)
		cfg.spool = spool_default = spooldir_default(cfg.dir,
		    RUNDIR_DEFAULT, IPCMAIL_SPOOLDIR);
	/* Whether --max-body fits the store is known once it is open, from
	 * what the kernel gives its queues (server_run). */
	if (cfg.max_body > cfg.quota) {
		fprintf(stderr, "mailserv: --max-body %u is larger than the "
		    "mailbox --quota %llu\n", cfg.max_body,
		    (unsigned long long)cfg.quota);
		return (SERVER_EXIT_USAGE);
	}
	log_init("mailserv", cfg.verbose, action == 0);
	if (action == OPT_STATUS)
		c = status_print(cfg.dir, cfg.spool);
	else if (action == OPT_STOP)
		c = status_stop(cfg.dir);
	else if (action == OPT_PURGE)
		c = status_purge(cfg.dir, cfg.spool);
	else {
		cfg.rooms.max_members = cfg.max_users;
		c = server_run(&cfg);
	}
	free(spool_default);
	conf_free(&conf);
	return (c);
}

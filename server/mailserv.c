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
#include "log.h"
#include "mail.h"
#include "rfc5322.h"
#include "rundir.h"
#include "server.h"

#define MAILSERV_USERS_DEFAULT	64
#define MAILSERV_SHARDS_DEFAULT	128
#define MAILSERV_QUOTA_DEFAULT	(256 * 1024)
#define MAILSERV_SHARD_BYTES	16384	/* kernel.msgmnb's default */
#define MAILSERV_SPOOL_MAX	(1024ULL * 1024 * 1024)
#define MAILSERV_MINFREE	(16ULL * 1024 * 1024)
#define MAILSERV_SPOOL_DEFAULT	"spool"	/* inside DIR */
#define MAILSERV_RATE_DEFAULT	600	/* a minute, per sender */

static void
mailserv_usage(FILE *f)
{
	fprintf(f,
"usage: mailserv [-d DIR] [--max-users N] [--max-body BYTES] [--quota BYTES]\n"
"                [--shards N] [--rate N] [--spool SPOOLDIR | --no-spool]\n"
"                [--spool-max BYTES] [--spool-minfree BYTES]\n"
"                [--ipc=sysv|posix] [-v]\n"
"       mailserv [-d DIR] [--spool SPOOLDIR] --status | --stop | --purge\n"
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
"  -d, --dir DIR        run directory (default: $MAILSERV_DIR, else %s)\n"
"      --max-users N    most users online at once (default %d)\n"
"      --max-body BYTES largest message body (default %d)\n"
"      --quota BYTES    most unread bytes one mailbox may hold (default %d)\n"
"      --shards N       most message queues the store may use, 1-253\n"
"                       (default %d, each of kernel.msgmnb bytes: %d unless\n"
"                       raised; the log and --status say what it holds)\n"
"      --rate N         most messages one sender may send a minute, 0 for\n"
"                       no limit (default %d)\n"
"      --spool SPOOLDIR the durable spool: every message is fsync'd there\n"
"                       before its sender hears \"sent\", and restored to the\n"
"                       kernel store after a reboot or ipcrm (default:\n"
"                       DIR/spool; a relative SPOOLDIR is inside DIR)\n"
"      --spool-max BYTES  most bytes of mail the spool holds; mail the\n"
"                       kernel store has no room for waits there, and past\n"
"                       this bound a send is refused \"mail store is full\"\n"
"                       (default %llu)\n"
"      --spool-minfree BYTES  refuse mail that would leave the spool's file\n"
"                       system less free space than this; 0: no reserve\n"
"                       (default %llu)\n"
"      --no-spool       keep mail in the kernel only (lost at reboot; the\n"
"                       kernel store is then the bound)\n"
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
"Exit status: 0 ok; 1 usage; 2 error (run directory, IPC, spool); 3 another\n"
"mailserv already serves DIR (also: --purge refused while it runs).\n",
	    RUNDIR_KEY, RUNDIR_FIFO, RUNDIR_DEFAULT, MAILSERV_USERS_DEFAULT,
	    MAIL_BODY_DEFAULT, MAILSERV_QUOTA_DEFAULT, MAILSERV_SHARDS_DEFAULT,
	    MAILSERV_SHARD_BYTES, MAILSERV_RATE_DEFAULT,
	    (unsigned long long)MAILSERV_SPOOL_MAX,
	    (unsigned long long)MAILSERV_MINFREE);
}

static unsigned long long
mailserv_number(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (arg[0] == '-' || *end != '\0' || end == arg || errno != 0 ||
	    v < min || v > max) {
		fprintf(stderr, "mailserv: %s: '%s' is not a number from %llu "
		    "to %llu\n", opt, arg, min, max);
		exit(SERVER_EXIT_USAGE);
	}
	return (v);
}

int
main(int argc, char **argv)
{
	enum { OPT_USERS = 256, OPT_BODY, OPT_QUOTA, OPT_SHARDS, OPT_STATUS,
	    OPT_PURGE, OPT_SPOOL, OPT_NOSPOOL, OPT_RATE, OPT_IPC, OPT_STOP,
	    OPT_SPOOLMAX, OPT_MINFREE, OPT_DOMAIN };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "max-users", required_argument, NULL, OPT_USERS },
		{ "max-body", required_argument, NULL, OPT_BODY },
		{ "quota", required_argument, NULL, OPT_QUOTA },
		{ "shards", required_argument, NULL, OPT_SHARDS },
		{ "spool", required_argument, NULL, OPT_SPOOL },
		{ "no-spool", no_argument, NULL, OPT_NOSPOOL },
		{ "spool-max", required_argument, NULL, OPT_SPOOLMAX },
		{ "spool-minfree", required_argument, NULL, OPT_MINFREE },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "mail-domain", required_argument, NULL, OPT_DOMAIN },
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
	const char		*dir = NULL;
	int			c, action = 0, nospool = 0, spool_given = 0;

	memset(&cfg, 0, sizeof cfg);
	cfg.max_users = MAILSERV_USERS_DEFAULT;
	cfg.max_body = MAIL_BODY_DEFAULT;
	cfg.quota = MAILSERV_QUOTA_DEFAULT;
	cfg.shards = MAILSERV_SHARDS_DEFAULT;
	cfg.spool = MAILSERV_SPOOL_DEFAULT;
	cfg.rate = MAILSERV_RATE_DEFAULT;
	cfg.spool_max = MAILSERV_SPOOL_MAX;
	cfg.spool_minfree = MAILSERV_MINFREE;
	rfc5322_mail_domain(cfg.mail_domain, sizeof cfg.mail_domain);
	while ((c = getopt_long(argc, argv, "d:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case OPT_USERS:
			cfg.max_users = (unsigned)mailserv_number("--max-users",
			    optarg, 1, 100000);
			break;
		case OPT_BODY:
			cfg.max_body = (uint32_t)mailserv_number("--max-body",
			    optarg, 1, 253ULL * 8000);
			break;
		case OPT_QUOTA:
			cfg.quota = mailserv_number("--quota", optarg, 1,
			    UINT32_MAX);
			break;
		case OPT_SHARDS:
			cfg.shards = (unsigned)mailserv_number("--shards",
			    optarg, 1, 253);
			break;
		case OPT_SPOOL:
			if (*optarg == '\0') {
				fprintf(stderr, "mailserv: --spool needs a "
				    "directory\n");
				return (SERVER_EXIT_USAGE);
			}
			cfg.spool = optarg;
			spool_given = 1;
			break;
		case OPT_IPC:
			if ((cfg.backend = backend_find(optarg)) == NULL) {
				fprintf(stderr, "mailserv: --ipc: '%s' is not "
				    "sysv or posix\n", optarg);
				return (SERVER_EXIT_USAGE);
			}
			break;
		case OPT_RATE:
			cfg.rate = (unsigned)mailserv_number("--rate", optarg,
			    0, 1000000000);
			break;
		case OPT_SPOOLMAX:
			cfg.spool_max = mailserv_number("--spool-max", optarg,
			    1, UINT64_MAX);
			break;
		case OPT_MINFREE:
			cfg.spool_minfree = mailserv_number("--spool-minfree",
			    optarg, 0, UINT64_MAX);
			break;
		case OPT_DOMAIN:
			if (rfc5322_domain_valid(optarg) != 0 ||
			    strlen(optarg) >= sizeof cfg.mail_domain) {
				fprintf(stderr, "mailserv: --mail-domain: '%s' "
				    "is not a domain name\n", optarg);
				return (SERVER_EXIT_USAGE);
			}
			strcpy(cfg.mail_domain, optarg);
			break;
		case OPT_NOSPOOL:
			cfg.spool = NULL;
			nospool = 1;
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
		return (status_print(cfg.dir, cfg.spool));
	if (action == OPT_STOP)
		return (status_stop(cfg.dir));
	if (action == OPT_PURGE)
		return (status_purge(cfg.dir, cfg.spool));
	return (server_run(&cfg));
}

/*
 * mailcli.c - main() of the ipcmail client: options, then one command
 * or an interactive session.  See mailcli(1).
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "client.h"
#include "log.h"
#include "mbox.h"
#include "name.h"
#include "rundir.h"
#include "sig.h"
#include "xmalloc.h"

/* Whatever ends the process removes our reply FIFO's name. */
static struct client *mailcli_current;

static void
mailcli_cleanup(void)
{
	if (mailcli_current != NULL)
		conn_close(&mailcli_current->conn);
}

static void
mailcli_usage(FILE *f)
{
	fprintf(f,
"usage: mailcli [-d DIR] [-u NAME] [--mbox FILE] [-v]           (interactive)\n"
"       mailcli [-d DIR] [-u NAME] [--mbox FILE] [-v] COMMAND [ARGS...]\n"
"       mailcli [-d DIR] [-u NAME] --id UUID send|reply ARGS...\n"
"       mailcli [-d DIR] deliver [-f SENDER] [-a RECIPIENT] [USER]  (for the MTA)\n"
"       mailcli -h | -V\n"
"\n"
"The ipcmail client.  Commands:\n"
"  who                 who is online (read from shared memory)\n"
"  send [-s SUBJECT] USER [TEXT...]\n"
"                      send mail; the body is read from stdin without TEXT;\n"
"                      USER@HOST: a user of another host, through the host's\n"
"                      MTA (sendmail -oi -- USER@HOST)\n"
"  inbox               one line per unread message: number, sender, date,\n"
"                      subject (else first line)\n"
"  read [N|--all]      show the next, the Nth or every unread message and\n"
"                      save it to the mbox\n"
"  delete N            delete message N unread\n"
"  reply N TEXT...     reply to the sender of message N (Re: SUBJECT; mail\n"
"                      from another host goes back out through the MTA)\n"
"  wall TEXT...        write live to everyone online (not stored)\n"
"  kick USER           log USER out (mailserv's uid and root only)\n"
"  deliver             read one internet message on stdin and store it for\n"
"                      USER (default $LOCAL_PART, else $USER): the MTA's\n"
"                      delivery agent; exits 0, 64, 65, 67, 75 (try again)\n"
"                      or 77 (sysexits; see doc/mta.md)\n"
"  help, quit\n"
"\n"
"  -d, --dir DIR       run directory (default: $MAILSERV_DIR, else %s)\n"
"  -u, --user NAME     your name (default: your login name)\n"
"      --mbox FILE     where read mail is saved (default:\n"
"                      $XDG_DATA_HOME/ipcmail/NAME.mbox)\n"
"  -i, --id UUID       the message id of this send or reply; sending again\n"
"                      with the same id (after exit 2) stores it only once\n"
"      --sendmail PATH the MTA's sendmail for mail to other hosts (default:\n"
"                      $IPCMAIL_SENDMAIL, else /usr/sbin/sendmail)\n"
"  -v, --verbose       trace every IPC operation on stderr\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"On a terminal, what other users wrote is shown with control characters\n"
"escaped (^[, ^G, \\x9b) and invalid UTF-8 as U+FFFD; piped or redirected,\n"
"read gives the bytes as they were sent.\n"
"\n"
"Exit status: 0 ok; 1 usage or other error; 2 mailserv not running;\n"
"3 invalid name; 4 mailbox full; 5 message too large; 6 sending too fast\n"
"(mailserv --rate); 8 the host's mail system refused the message (kept in\n"
"dead.letter beside the mbox).\n", RUNDIR_DEFAULT);
}

/* mailcli_login - the login name of our uid, if it is a valid name. */
static const char *
mailcli_login(void)
{
	struct passwd	*pw = getpwuid(getuid());

	return (pw != NULL ? pw->pw_name : NULL);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "mbox", required_argument, NULL, 'm' },
		{ "id", required_argument, NULL, 'i' },
		{ "sendmail", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD,
	    SIGWINCH };
	/* static: the atexit hook may still need it after main returns */
	static struct client	 cl;
	const char		*dir = NULL, *name = NULL, *mbox = NULL;
	char			*cause = NULL;
	int			 c, verbose = 0, rc;

	memset(&cl, 0, sizeof cl);
	/* '+': options stop at the command, so `send bob -x` is text. */
	while ((c = getopt_long(argc, argv, "+d:u:i:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'u':
			name = optarg;
			break;
		case 'm':
			mbox = optarg;
			break;
		case 'i':
			if (mail_id_parse(optarg, cl.send_id) != 0) {
				fprintf(stderr, "mailcli: --id %s: not a uuid "
				    "(like %s)\n", optarg,
				    "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
				return (CLI_EXIT_USAGE);
			}
			cl.have_send_id = 1;
			break;
		case 'S':
			cl.sendmail = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			mailcli_usage(stdout);
			return (CLI_EXIT_OK);
		case 'V':
			printf("mailcli (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return (CLI_EXIT_OK);
		default:
			mailcli_usage(stderr);
			return (CLI_EXIT_USAGE);
		}
	}
	/* The MTA's delivery agent: its own arguments and exit codes. */
	if (optind < argc && strcmp(argv[optind], "deliver") == 0)
		return (deliver_main(dir, argc - optind, argv + optind));
	log_init("mailcli", verbose, 0);
	if (name == NULL && (name = mailcli_login()) == NULL) {
		fprintf(stderr, "mailcli: uid %u has no login name: use -u "
		    "NAME\n", (unsigned)getuid());
		return (CLI_EXIT_NAME);
	}
	if (!name_valid(name)) {
		fprintf(stderr, "mailcli: invalid user name '%s': names are "
		    "[a-z_][a-z0-9_-]{0,31}\n", name);
		return (CLI_EXIT_NAME);
	}
	if (cl.have_send_id && (optind == argc ||
	    (strcmp(argv[optind], "send") != 0 &&
	    strcmp(argv[optind], "reply") != 0))) {
		fprintf(stderr, "mailcli: --id goes with one send or reply "
		    "command\n");
		return (CLI_EXIT_USAGE);
	}
	strncpy(cl.name, name, sizeof cl.name - 1);
	cl.dir = rundir_path(dir);
	cl.interactive = optind == argc;
	cl.mbox = mbox != NULL ? xstrdup(mbox) : mbox_default_path(cl.name);
	cl.keyfile = rundir_file(cl.dir, RUNDIR_KEY);
	cl.max_body = MAIL_BODY_DEFAULT;
	if ((cl.dirfd = rundir_open_client(cl.dir, &cause)) == -1) {
		if (errno == ENOENT)
			fprintf(stderr, "mailcli: mailserv is not running in "
			    "%s (no such directory)\n", cl.dir);
		else
			fprintf(stderr, "mailcli: %s\n", cause);
		return (errno == ENOENT ? CLI_EXIT_NOSERVER : CLI_EXIT_USAGE);
	}

	/* `who` reads shared memory: no session, no server round trip. */
	if (!cl.interactive && strcmp(argv[optind], "who") == 0)
		return (cmd_who(&cl, argc - optind, argv + optind));
	if (!cl.interactive && strcmp(argv[optind], "help") == 0)
		return (cmd_run(&cl, argc - optind, argv + optind));
	/* `kick` goes to the control socket, for the administrator. */
	if (!cl.interactive && strcmp(argv[optind], "kick") == 0)
		return (cmd_kick(&cl, argc - optind, argv + optind));

	/* A one-shot command keeps the default actions: ^C ends it. */
	if ((cl.sigfd = sig_init(sigs, cl.interactive ? 5 : 0)) == -1) {
		perror("mailcli: signal setup");
		return (CLI_EXIT_USAGE);
	}
	if (conn_open(&cl.conn, cl.dirfd, cl.dir, cl.name, &cause) == -1) {
		fprintf(stderr, "mailcli: %s\n", cause);
		return (errno == ENXIO || errno == ENOENT ?
		    CLI_EXIT_NOSERVER : CLI_EXIT_USAGE);
	}
	mailcli_current = &cl;
	atexit(mailcli_cleanup);
	if (cl.interactive && helper_start(&cl.conn, &cause) == -1) {
		fprintf(stderr, "mailcli: %s\n", cause);
		return (CLI_EXIT_USAGE);
	}
	if (conn_hello(&cl.conn, cl.name, cl.interactive ? PROTO_HELLO_LOGIN :
	    0, &cl, &cause) == -1) {
		fprintf(stderr, "mailcli: %s\n", cause);
		if (errno == EACCES)
			return (CLI_EXIT_NAME);
		return (errno == ENXIO ? CLI_EXIT_NOSERVER : CLI_EXIT_USAGE);
	}
	if (cl.interactive)
		rc = shell_run(&cl);
	else
		rc = cmd_run(&cl, argc - optind, argv + optind);
	conn_close(&cl.conn);
	mailcli_current = NULL;
	msglist_clear(&cl.list);
	free(cl.mbox);
	free(cl.keyfile);
	return (rc);
}

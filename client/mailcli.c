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
#include "number.h"
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
"usage: mailcli [-d DIR] [-u NAME] [--mbox FILE] [--reconnect S] [-v]\n"
"                                                         (interactive)\n"
"       mailcli [-d DIR] [-u NAME] [--mbox FILE] [-v] COMMAND [ARGS...]\n"
"       mailcli [-d DIR] [-u NAME] [--id UUID] [--wait S] send|reply ARGS...\n"
"       mailcli [-d DIR] deliver [-f SENDER] [-a RECIPIENT] [USER]  (for the MTA)\n"
"       mailcli -h | -V\n"
"\n"
"The ipcmail client.  Commands:\n"
"  who                 who is online (read from shared memory): tty, login\n"
"                      time, idle time, status (away: TEXT, or dnd)\n"
"  send [-s SUBJECT] TO[,TO...] [TEXT...]\n"
"                      send to each user or room; the body is read from\n"
"                      stdin without TEXT (in a session: $VISUAL, $EDITOR,\n"
"                      or lines until one holding only \".\"); USER@HOST: a\n"
"                      user of another host, through the host's MTA\n"
"                      (sendmail -oi --)\n"
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
"\n"
"Rooms ('#' and 1-31 of [a-z0-9._-]; quote them in a shell: '#ops'):\n"
"  join #ROOM          become a member (a new room is yours): topic,\n"
"                      members, the last lines\n"
"  leave #ROOM         stop being a member (the last removes the room)\n"
"  rooms               the rooms you may see: members, online, topic\n"
"  members #ROOM       the members, online or not\n"
"  topic #ROOM [TEXT...|--lock|--unlock]  show or set the topic\n"
"  history #ROOM [N]   the last N lines (20); unread stays unread\n"
"  read #ROOM          the unread lines, then they are read\n"
"  private #ROOM on|off, invite USER #ROOM, remove USER #ROOM  (owner)\n"
"\n"
"Presence and conversation (yours in every session, kept by mailserv):\n"
"  away [TEXT...]      away with TEXT (at most 120 bytes); without: back\n"
"  mesg [n|y]          do not disturb (n): mail waits, room lines stay\n"
"                      unread, walls hidden; y: back, with the counts\n"
"  ignore [USER], unignore USER  nothing from USER reaches you (USER is\n"
"                      not told); without USER: the list\n"
"  bell [on|off|mentions]  when live lines ring (default: mentions)\n"
"  talk USER|#ROOM     (a session only) lines go there; /CMD runs a\n"
"                      command; /end or Ctrl-D leaves\n"
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
"      --reconnect S   a session whose mailserv goes away keeps trying to\n"
"                      log in again for S seconds (default %d; 0: exit 2\n"
"                      at once)\n"
"      --wait S        a send or reply whose mailserv goes away before it\n"
"                      answers waits S seconds for one to come back and\n"
"                      sends again under the same id (default %d; 0: exit\n"
"                      2 at once)\n"
"  -v, --verbose       trace every IPC operation on stderr\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"On a terminal, what other users wrote is shown with control characters\n"
"escaped (^[, ^G, \\x9b) and invalid UTF-8 as U+FFFD; piped or redirected,\n"
"read gives the bytes as they were sent.\n"
"\n"
"Exit status: 0 ok; 1 usage or other error; 2 mailserv not running;\n"
"3 invalid name (user or room); 4 mailbox or store full, or a room limit;\n"
"5 message too large; 6 sending too fast (mailserv --rate); 7 not allowed\n"
"(not a member, a private room, not the owner) or no such room; 8 the\n"
"host's mail system refused the message (kept in dead.letter beside the\n"
"mbox).  A session kicked by the administrator exits 1.\n",
	    RUNDIR_DEFAULT, CLI_RECONNECT_DEFAULT, CLI_WAIT_DEFAULT);
}

/*
 * mailcli_hello_lost - mailserv went away during a one-shot send's
 * hello: nothing is sent yet, and the send waits for a mailserv as it
 * would after (--wait).  0 once connected; else the exit code, said.
 */
static int
mailcli_hello_lost(struct client *cl, const char *cmd, const char *cause)
{
	char	*why = NULL;
	int	 code;

	if (!cl->conn.gone || cl->wait_s == 0 || (strcmp(cmd, "send") != 0 &&
	    strcmp(cmd, "reply") != 0)) {
		fprintf(stderr, "mailcli: %s\n", cause);
		return (CLI_EXIT_NOSERVER);
	}
	fprintf(stderr, "mailcli: mailserv went away; waiting up to %d s for "
	    "it to come back\n", cl->wait_s);
	reconnect_lost(cl, cl->wait_s);
	if (reconnect_wait(cl, &code, &why) == 0)
		return (0);
	fprintf(stderr, "mailcli: %s\n", why);
	free(why);
	return (code);
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
		{ "reconnect", required_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
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
	long long		 secs;

	memset(&cl, 0, sizeof cl);
	cl.reconnect_s = CLI_RECONNECT_DEFAULT;
	cl.wait_s = CLI_WAIT_DEFAULT;
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
		case 'r':
		case 'w':
			if (number_parse(optarg, 0, 86400, &secs) == -1) {
				fprintf(stderr, "mailcli: --%s %s: not a number "
				    "of seconds (0 to 86400)\n", c == 'r' ?
				    "reconnect" : "wait", optarg);
				return (CLI_EXIT_USAGE);
			}
			*(c == 'r' ? &cl.reconnect_s : &cl.wait_s) = (int)secs;
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
		rc = errno == ENOENT ? CLI_EXIT_NOSERVER : CLI_EXIT_USAGE;
		if (rc == CLI_EXIT_NOSERVER)
			fprintf(stderr, "mailcli: mailserv is not running in "
			    "%s (no such directory)\n", cl.dir);
		else
			fprintf(stderr, "mailcli: %s\n", cause);
		free(cause);
		return (rc);
	}

	/* `who` reads shared memory: no session, no server round trip. */
	if (!cl.interactive && strcmp(argv[optind], "who") == 0)
		return (cmd_who(&cl, argc - optind, argv + optind));
	if (!cl.interactive && (strcmp(argv[optind], "help") == 0 ||
	    strcmp(argv[optind], "bell") == 0 ||
	    strcmp(argv[optind], "talk") == 0))
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
		rc = errno == ENXIO || errno == ENOENT ? CLI_EXIT_NOSERVER :
		    CLI_EXIT_USAGE;
		fprintf(stderr, "mailcli: %s\n", cause);
		free(cause);
		return (rc);
	}
	mailcli_current = &cl;
	atexit(mailcli_cleanup);
	if (cl.interactive && helper_start(&cl.conn, &cause) == -1) {
		fprintf(stderr, "mailcli: %s\n", cause);
		free(cause);
		return (CLI_EXIT_USAGE);
	}
	if (conn_hello(&cl.conn, cl.name, cl.interactive ? PROTO_HELLO_LOGIN :
	    0, &cl, &cause) == -1) {
		if (errno == ENXIO && !cl.interactive) {
			rc = mailcli_hello_lost(&cl, argv[optind], cause);
			free(cause);
			cause = NULL;
			if (rc != 0)
				return (rc);
		} else {
			rc = errno == EACCES ? CLI_EXIT_NAME : errno == ENXIO ?
			    CLI_EXIT_NOSERVER : CLI_EXIT_USAGE;
			fprintf(stderr, "mailcli: %s\n", cause);
			free(cause);
			return (rc);
		}
	}
	if (cl.interactive)
		rc = shell_run(&cl);
	else {
		cl.conn.async = presence_oneshot_async;
		cl.conn.async_arg = &cl;
		rc = cmd_run(&cl, argc - optind, argv + optind);
	}
	conn_close(&cl.conn);
	mailcli_current = NULL;
	reconnect_clear(&cl);
	msglist_clear(&cl.list);
	free(cl.mbox);
	free(cl.keyfile);
	return (rc);
}

/*
 * deliver.c - `mailcli deliver`: the delivery agent an MTA (Exim's pipe
 * transport, Postfix's mailbox_command) runs for one local recipient.
 * It reads one internet message on stdin, stores it for USER through
 * mailserv, and answers in sysexits, the MTA's language: 0 only once
 * mailserv said "sent" (durable), 75 for what a retry may cure.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "client.h"
#include "io.h"
#include "log.h"
#include "mail.h"
#include "name.h"
#include "rfc5322.h"
#include "rundir.h"
#include "sig.h"
#include "xmalloc.h"

/* sysexits(3): the only codes Exim and Postfix read alike (mta.md). */
#define DELIVER_OK		0
#define DELIVER_USAGE		64
#define DELIVER_DATAERR		65
#define DELIVER_NOUSER		67
#define DELIVER_TEMPFAIL	75
#define DELIVER_NOPERM		77

/* More than any --max-body: read into memory, the rest drained. */
#define DELIVER_READ_MAX	(32 * 1024 * 1024)

/* The name space of the ids derived from Message-ID and recipient. */
static const uuid_t deliver_ns = {
	0x6f, 0x1c, 0x3b, 0x52, 0x8a, 0x0e, 0x4d, 0x11,
	0x9a, 0x7e, 0x2b, 0x61, 0xc4, 0x05, 0xd3, 0x88
};

static int __attribute__((format(printf, 2, 3)))
deliver_fail(int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "mailcli deliver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (code);
}

/*
 * deliver_read - all of stdin, up to DELIVER_READ_MAX bytes kept; the
 * rest is read and dropped (so the MTA never sees a broken pipe) and
 * *over set.
 */
static uint8_t *
deliver_read(size_t *len, int *over)
{
	uint8_t	*buf = NULL, sink[65536];
	size_t	 cap = 0;
	ssize_t	 n;

	*len = 0;
	*over = 0;
	for (;;) {
		if (*len == cap && cap < DELIVER_READ_MAX) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		if (*len == cap) {
			if ((n = io_read_some(STDIN_FILENO, sink,
			    sizeof sink)) <= 0)
				break;
			*over = 1;
			continue;
		}
		if ((n = io_read_some(STDIN_FILENO, buf + *len,
		    cap - *len)) <= 0)
			break;
		*len += (size_t)n;
	}
	if (buf == NULL)
		buf = xmalloc(1);
	return (buf);
}

/*
 * deliver_sender - who the mail is from, as it is shown: the From:
 * header when it holds an address, else the envelope sender; always
 * with an '@' (an unqualified one takes the recipient's domain), so it
 * never reads as a local ipcmail name.
 */
static void
deliver_sender(const struct rfc5322 *h, const char *sender,
    const char *rcpt, char *out, size_t size)
{
	char		 spec[PROTO_ADDR_MAX], *dec;
	const char	*dom = rcpt != NULL ? strchr(rcpt, '@') : NULL;

	dom = dom != NULL && dom[1] != '\0' ? dom + 1 : "localhost";
	out[0] = '\0';
	if (h->from != NULL && rfc5322_addr_spec(h->from, spec,
	    sizeof spec) == 0) {
		dec = xmalloc(strlen(h->from) + 1);
		rfc5322_decode(h->from, dec, strlen(h->from) + 1);
		snprintf(out, size, "%s", dec);
		free(dec);
		mail_clean_field(out, size);
		if (strchr(out, '@') != NULL)
			return;
		snprintf(out, size, "%s", spec);
		return;
	}
	if (sender == NULL || *sender == '\0' || strcmp(sender, "<>") == 0)
		snprintf(out, size, "MAILER-DAEMON@%s", dom);
	else if (strchr(sender, '@') == NULL)
		snprintf(out, size, "%s@%s", sender, dom);
	else
		snprintf(out, size, "%s", sender);
	mail_clean_field(out, size);
	if (strchr(out, '@') == NULL)
		snprintf(out, size, "MAILER-DAEMON@%s", dom);
}

/* deliver_code - the sysexits code of mailserv's refusal. */
static int
deliver_code(uint32_t code)
{
	switch (code) {
	case PROTO_E_NAME:
		return (DELIVER_NOUSER);
	case PROTO_E_DENIED:
		return (DELIVER_NOPERM);
	case PROTO_E_TOOBIG:
	case PROTO_E_USAGE:
		return (DELIVER_DATAERR);
	}
	return (DELIVER_TEMPFAIL);	/* full, too fast, gone: retry */
}

/* deliver_store - hand the message to mailserv as user; an exit code. */
static int
deliver_store(const char *dir, const char *user, const uint8_t *id,
    const char *subject, const char *addr, const uint8_t *text, size_t len)
{
	static const int	 sigs[] = { SIGCHLD };
	struct client		 cl;
	struct record		 rec;
	struct mail		 m;
	struct proto_error	 e;
	uint8_t			 meta[MAIL_META_MAX], *buf;
	size_t			 metalen;
	char			*cause = NULL;
	int			 rc, opened = 0;

	memset(&cl, 0, sizeof cl);
	strncpy(cl.name, user, sizeof cl.name - 1);
	cl.dir = rundir_path(dir);
	if ((cl.dirfd = rundir_open_client(cl.dir, &cause)) == -1) {
		rc = deliver_fail(DELIVER_TEMPFAIL, "mailserv is not running "
		    "in %s (%s)", cl.dir, cause);
		goto out;
	}
	if (sig_init(sigs, 0) == -1) {
		rc = deliver_fail(DELIVER_TEMPFAIL, "signal setup: %s",
		    strerror(errno));
		goto out;
	}
	opened = 1;
	if (conn_open(&cl.conn, cl.dirfd, cl.dir, cl.name, &cause) == -1) {
		rc = deliver_fail(DELIVER_TEMPFAIL, "%s", cause);
		goto out;
	}
	if (conn_hello(&cl.conn, cl.name, 0, &cl, &cause) == -1) {
		rc = deliver_fail(errno == EACCES ? DELIVER_NOPERM :
		    DELIVER_TEMPFAIL, "%s", cause);
		goto out;
	}
	if (len > cl.max_body) {
		rc = deliver_fail(DELIVER_DATAERR, "message of %zu bytes is "
		    "over mailserv's --max-body (%u)", len, cl.max_body);
		goto out;
	}
	metalen = mail_meta_encode(meta, MAIL_META_RFC5322, subject, addr);
	buf = xmalloc(metalen + len);
	memcpy(buf, meta, metalen);
	memcpy(buf + metalen, text, len);
	rc = conn_post(&cl.conn, id, cl.name, buf, metalen + len,
	    (uint32_t)metalen);
	free(buf);
	if (rc == -1 || conn_call(&cl.conn, &rec, &m) == -1) {
		rc = deliver_fail(DELIVER_TEMPFAIL, "mailserv in %s %s",
		    cl.dir, errno == ETIMEDOUT ? "did not answer" :
		    "has gone away");
		goto out;
	}
	if (rec.hdr.type == REC_MAIL)
		mail_free(&m);
	rc = DELIVER_OK;
	if (rec.hdr.type == REC_ERROR) {
		memset(&e, 0, sizeof e);
		memcpy(&e, rec.payload, rec.hdr.len < sizeof e ? rec.hdr.len :
		    sizeof e);
		e.text[sizeof e.text - 1] = '\0';
		rc = deliver_fail(deliver_code(e.code), "%s", e.text);
	} else if (rec.hdr.type != REC_OK)
		rc = deliver_fail(DELIVER_TEMPFAIL, "unexpected %s record "
		    "from mailserv", record_type_name(rec.hdr.type));
out:
	if (opened)
		conn_close(&cl.conn);
	if (cl.dirfd >= 0)
		close(cl.dirfd);
	free(cause);
	return (rc);
}

/*
 * deliver_main - `mailcli [-d DIR] deliver [-f SENDER] [-a RECIPIENT]
 * [USER]`; argv[0] is "deliver".  The defaults come from the MTA's
 * environment: SENDER, RECIPIENT, LOCAL_PART or USER.
 */
int
deliver_main(const char *dir, int argc, char **argv)
{
	struct rfc5322	 h;
	const char	*sender = getenv("SENDER"), *rcpt = getenv("RECIPIENT");
	const char	*user = NULL;
	char		 subject[MAIL_SUBJECT_MAX + 1], addr[MAIL_ADDR_MAX + 1];
	char		*cause = NULL, *name;
	uint8_t		*msg, id[MAIL_ID_LEN];
	size_t		 len;
	int		 c, over, rc;

	optind = 0;
	while ((c = getopt(argc, argv, "+f:a:")) != -1) {
		switch (c) {
		case 'f':
			sender = optarg;
			break;
		case 'a':
			rcpt = optarg;
			break;
		default:
			return (deliver_fail(DELIVER_USAGE, "usage: mailcli "
			    "deliver [-f SENDER] [-a RECIPIENT] [USER]"));
		}
	}
	if (optind + 1 < argc)
		return (deliver_fail(DELIVER_USAGE, "usage: mailcli deliver "
		    "[-f SENDER] [-a RECIPIENT] [USER]"));
	if (optind < argc)
		user = argv[optind];
	else if ((user = getenv("LOCAL_PART")) == NULL || *user == '\0')
		user = getenv("USER");
	if (user == NULL || *user == '\0')
		return (deliver_fail(DELIVER_USAGE, "no recipient: give USER, "
		    "or set LOCAL_PART or USER"));
	if (!name_valid(user))
		return (deliver_fail(DELIVER_NOUSER, "'%.64s' is not a valid "
		    "ipcmail name ([a-z_][a-z0-9_-]{0,31})", user));

	msg = deliver_read(&len, &over);
	if (over) {
		free(msg);
		return (deliver_fail(DELIVER_DATAERR, "message is over %d "
		    "bytes", DELIVER_READ_MAX));
	}
	len = rfc5322_normalize(msg, len);
	if (rfc5322_parse(msg, len, &h, &cause) != 0) {
		rc = deliver_fail(DELIVER_DATAERR, "%s: not delivered", cause);
		free(cause);
		free(msg);
		return (rc);
	}
	subject[0] = '\0';
	if (h.subject != NULL) {
		rfc5322_decode(h.subject, subject, sizeof subject);
		mail_clean_field(subject, sizeof subject);
	}
	deliver_sender(&h, sender, rcpt, addr, sizeof addr);
	/* The same message for the same recipient, delivered again by an
	 * MTA that lost our answer, has the same id: stored once. */
	if (h.message_id != NULL && h.message_id[0] != '\0') {
		xasprintf(&name, "%s%c%s", user, '\0', h.message_id);
		uuid_generate_sha1(id, deliver_ns, name, strlen(user) + 1 +
		    strlen(h.message_id));
		free(name);
	} else
		mail_new_id(id);
	rfc5322_free(&h);
	log_init("mailcli", 0, 0);
	rc = deliver_store(dir, user, id, subject, addr, msg, len);
	free(msg);
	return (rc);
}

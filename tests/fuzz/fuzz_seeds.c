/*
 * fuzz_seeds.c - writes the seed corpora of `make fuzz`: honest record
 * streams (what a one-shot mailcli, a session and the server write)
 * for fuzz_record, honest stored parts (one to three parts per
 * message) for fuzz_part, spool logs for fuzz_spool and mbox files
 * (whole, torn, holding fuzz_mbox's own message) for fuzz_mbox.  Made
 * with the project's own encoders, so the seeds follow the formats as
 * they change.
 *
 * usage: fuzz_seeds RECORD_DIR PART_DIR SPOOL_DIR MBOX_DIR
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"
#include "mbox.h"
#include "proto.h"
#include "record.h"
#include "roomrec.h"
#include "spool.h"

static const uint8_t	seed_token[16] = "0123456789abcdef";

/* seed_write - one corpus file. */
static void
seed_write(const char *dir, const char *name, const void *buf, size_t len)
{
	char	 path[4096];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (len > 0 && fwrite(buf, 1, len, f) != len)
		err(1, "%s", path);
	if (fclose(f) != 0)
		err(1, "%s", path);
}

/* A record stream under construction, behind fuzz_record's 2 bytes. */
struct seed_stream {
	uint8_t	buf[16384];
	size_t	len;
};

static void
seed_start(struct seed_stream *s, uint8_t c0, uint8_t c1)
{
	s->buf[0] = c0;
	s->buf[1] = c1;
	s->len = 2;
}

static void
seed_bytes(struct seed_stream *s, const void *p, size_t n)
{
	if (n > sizeof s->buf - s->len)
		errx(1, "seed stream too long");
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void
seed_record(struct seed_stream *s, uint16_t type, const void *p, size_t n)
{
	struct record	rec;

	seed_bytes(s, &rec, record_build(&rec, type, 4242, seed_token, p, n));
}

static void
seed_records(const char *dir)
{
	struct seed_stream	s;
	struct proto_hello	hello;
	struct proto_send	send;
	struct proto_done	done;
	struct proto_error	e;
	struct proto_welcome	w;
	struct proto_mail	pm;
	struct record		rec;
	uint8_t			body[PROTO_PAYLOAD_MAX];
	size_t			size;
	char			name[32];
	unsigned		i;

	memset(&hello, 0, sizeof hello);
	strcpy(hello.name, "alice");
	strcpy(hello.tty, "pts/3");
	memset(&send, 0, sizeof send);
	memcpy(send.id, seed_token, sizeof send.id);
	strcpy(send.to, "bob");
	send.len = 5;
	memset(&done, 0, sizeof done);
	memcpy(done.id, seed_token, sizeof done.id);
	done.flags = PROTO_DONE_SAVED;
	memset(&e, 0, sizeof e);
	e.code = PROTO_E_FULL;
	strcpy(e.text, "mailbox of bob is full");
	memset(&w, 0, sizeof w);
	memcpy(w.key, seed_token, sizeof w.key);
	w.unread = 3;
	w.max_body = 65536;
	memset(&pm, 0, sizeof pm);
	strcpy(pm.from, "alice");
	strcpy(pm.to, "bob");
	pm.len = 5;
	for (i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)('a' + i % 26);

	/* A one-shot send as mailcli writes it, whole reads. */
	seed_start(&s, 1, 0);
	seed_record(&s, REC_HELLO, &hello, sizeof hello);
	seed_record(&s, REC_SEND, &send, sizeof send);
	seed_record(&s, REC_DATA, "hello", 5);
	seed_record(&s, REC_BYE, NULL, 0);
	seed_write(dir, "oneshot-send", s.buf, s.len);
	/* The same cut into small reads. */
	s.buf[0] = 0;
	s.buf[1] = 2;
	seed_write(dir, "oneshot-send-small-reads", s.buf, s.len);

	/* A reader: list, fetch, done; the server's answers. */
	seed_start(&s, 3, 7);
	seed_record(&s, REC_LIST, NULL, 0);
	seed_record(&s, REC_FETCH, done.id, sizeof done.id);
	seed_record(&s, REC_DONE, &done, sizeof done);
	seed_record(&s, REC_WALL, "lunch?", 6);
	seed_write(dir, "reader", s.buf, s.len);
	seed_start(&s, 5, 1);
	seed_record(&s, REC_WELCOME, &w, sizeof w);
	seed_record(&s, REC_MAIL, &pm, sizeof pm);
	seed_record(&s, REC_DATA, "hello", 5);
	seed_record(&s, REC_OK, NULL, 0);
	seed_record(&s, REC_ERROR, &e, sizeof e);
	seed_record(&s, REC_END, NULL, 0);
	seed_record(&s, REC_NOTICE, "mailserv is stopping", 20);
	seed_write(dir, "server-replies", s.buf, s.len);

	/* Full-size records, and two back to back. */
	seed_start(&s, 1, 9);
	seed_record(&s, REC_DATA, body, sizeof body);
	seed_write(dir, "data-max", s.buf, s.len);
	seed_record(&s, REC_DATA, body, 100);
	seed_write(dir, "data-max-then-small", s.buf, s.len);

	/* Garbage before an honest record; a truncated one before it. */
	seed_start(&s, 0, 40);
	seed_bytes(&s, "IML1garbage\0\0\0", 14);
	seed_record(&s, REC_SEND, &send, sizeof send);
	seed_write(dir, "garbage-then-record", s.buf, s.len);
	seed_start(&s, 2, 17);
	size = record_build(&rec, REC_HELLO, 7, seed_token, &hello,
	    sizeof hello);
	seed_bytes(&s, &rec, size / 2);
	seed_record(&s, REC_HELLO, &hello, sizeof hello);
	seed_write(dir, "truncated-then-record", s.buf, s.len);

	/* A room: join, a line to it, the answers. */
	{
		struct proto_room	pr;
		struct proto_roominfo	ri;

		memset(&pr, 0, sizeof pr);
		pr.op = ROOM_OP_JOIN;
		strcpy(pr.room, "#ops");
		memset(&ri, 0, sizeof ri);
		ri.kind = ROOMINFO_ROOM;
		strcpy(ri.room, "#ops");
		strcpy(ri.name, "alice");
		strcpy(ri.topic, "lunch");
		ri.members = 2;
		seed_start(&s, 1, 11);
		seed_record(&s, REC_ROOM, &pr, sizeof pr);
		pr.op = ROOM_OP_HISTORY;
		pr.n = 20;
		seed_record(&s, REC_ROOM, &pr, sizeof pr);
		seed_record(&s, REC_ROOMINFO, &ri, sizeof ri);
		pm.flags = PROTO_MAIL_ROOM | PROTO_MAIL_LIVE;
		strcpy(pm.to, "#ops");
		seed_record(&s, REC_MAIL, &pm, sizeof pm);
		seed_record(&s, REC_DATA, "hello", 5);
		seed_record(&s, REC_END, NULL, 0);
		seed_write(dir, "room", s.buf, s.len);
		strcpy(pm.to, "bob");
		pm.flags = 0;
	}

	/* Every type alone. */
	for (i = 0; i < 80; i++) {
		if (record_type_name((uint16_t)i) == NULL)
			continue;
		seed_start(&s, 1, (uint8_t)i);
		seed_record(&s, (uint16_t)i, body, i % 3 ? 0 : 24);
		snprintf(name, sizeof name, "type-%u", i);
		seed_write(dir, name, s.buf, s.len);
	}
}

static void
seed_parts(const char *dir)
{
	static const uint32_t	 lens[] = { 1, 5, 100, PART_DATA_MAX,
	    PART_DATA_MAX + 1, 20000 };
	struct mail		 m;
	uint8_t			 buf[PART_MAX];
	char			 name[64];
	size_t			 i, k, size;

	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		memset(&m, 0, sizeof m);
		memcpy(m.id, seed_token, sizeof m.id);
		strcpy(m.from, "alice");
		strcpy(m.to, "bob");
		m.date = 1764084600;
		m.len = lens[i];
		if ((m.body = malloc(m.len)) == NULL)
			err(1, "malloc");
		for (k = 0; k < m.len; k++)
			m.body[k] = k % 61 == 60 ? '\n' :
			    (uint8_t)(' ' + k % 95);
		if (i == 1)
			memcpy(m.body, "\r\nh\xc3\xa9llo", 5);
		for (k = 0; k < mail_part_count(m.len); k++) {
			size = mail_part_encode(&m, (uint16_t)k, buf);
			snprintf(name, sizeof name, "len-%u-part-%zu",
			    (unsigned)m.len, k);
			seed_write(dir, name, buf, size);
		}
		free(m.body);
	}
}

/* seed_mail - message i, to bob, with id (NULL: a fresh one). */
static void
seed_mail(struct mail *m, int i, const uint8_t *id, const char *body)
{
	memset(m, 0, sizeof *m);
	if (id != NULL)
		memcpy(m->id, id, sizeof m->id);
	else
		mail_new_id(m->id);
	strcpy(m->from, i % 2 ? "alice" : "carol");
	strcpy(m->to, "bob");
	m->date = 1700000000 + i;
	m->body = (uint8_t *)body;
	m->len = (uint32_t)strlen(body);
}

/* seed_file - copy a whole file into a corpus. */
static void
seed_file(const char *dir, const char *name, const char *path)
{
	uint8_t	buf[65536];
	size_t	n;
	FILE	*f;

	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	seed_write(dir, name, buf, n);
}

static uint8_t	*seed_room_snap(size_t *);

/* seed_spools - logs written by the spool itself. */
static void
seed_spools(const char *dir)
{
	struct spool	*sp;
	struct mail	 m[4];
	char		 tmp[] = "/tmp/ipcmail-seeds.XXXXXX", path[128];
	char		*cause = NULL;
	int		 dirfd, i;

	if (mkdtemp(tmp) == NULL || (dirfd = open(tmp, O_RDONLY)) == -1)
		err(1, "%s", tmp);
	if ((sp = spool_open(dirfd, "spool", &cause)) == NULL)
		errx(1, "spool: %s", cause);
	for (i = 0; i < 4; i++) {
		seed_mail(&m[i], i, NULL, i == 2 ? "a longer body\nwith "
		    "two lines\n" : "hi");
		spool_put(sp, &m[i]);
	}
	/* A room's state and a line, as messages to the room. */
	{
		struct mail	 rm;
		size_t		 len;

		seed_mail(&rm, 5, NULL, "x");
		strcpy(rm.to, "#ops");
		rm.body = seed_room_snap(&len);
		rm.len = (uint32_t)len;
		spool_put(sp, &rm);
		free(rm.body);
		mail_new_id(rm.id);
		rm.body = roomrec_line_encode(11, (const uint8_t *)"hi all",
		    6, &len);
		rm.len = (uint32_t)len;
		spool_put(sp, &rm);
		free(rm.body);
	}
	if (spool_commit(sp, &cause) != 0)
		errx(1, "spool: %s", cause);
	snprintf(path, sizeof path, "%s/spool/spool.log", tmp);
	seed_file(dir, "spool-puts", path);
	spool_done(sp, m[0].id);
	spool_cancel(sp, m[1].id);
	if (spool_commit(sp, &cause) != 0)
		errx(1, "spool: %s", cause);
	seed_file(dir, "spool-done-cancel", path);
	if (spool_compact(sp, &cause) != 0)
		errx(1, "spool: %s", cause);
	seed_file(dir, "spool-compacted", path);
	spool_close(sp);
	unlink(path);
	snprintf(path, sizeof path, "%s/spool", tmp);
	rmdir(path);
	close(dirfd);
	rmdir(tmp);
}

/* seed_room_snap - a snapshot of #ops: 3 members, an invitation. */
static uint8_t *
seed_room_snap(size_t *len)
{
	struct roomrec_member	mb[3];
	struct roomrec_invite	inv[1];
	struct roomrec_snap	sn;

	memset(&sn, 0, sizeof sn);
	memset(mb, 0, sizeof mb);
	memset(inv, 0, sizeof inv);
	strcpy(sn.owner, "alice");
	strcpy(sn.topic, "lunch at noon");
	sn.flags = ROOMREC_PRIVATE | ROOMREC_LOCKED;
	sn.gen = 7;
	sn.next_seq = 12;
	strcpy(mb[0].name, "alice");
	mb[0].read = 11;
	strcpy(mb[1].name, "bob");
	mb[1].read = 3;
	strcpy(mb[2].name, "carol");
	strcpy(inv[0].name, "dave");
	sn.members = mb;
	sn.nmembers = 3;
	sn.invites = inv;
	sn.ninvites = 1;
	return (roomrec_snap_encode(&sn, len));
}

/* seed_rooms - a room's snapshot and lines, whole and torn. */
static void
seed_rooms(const char *dir)
{
	uint8_t	*p;
	size_t	 len;

	p = seed_room_snap(&len);
	seed_write(dir, "room-snapshot", p, len);
	seed_write(dir, "room-snapshot-torn", p, len - 9);
	free(p);
	p = roomrec_line_encode(42, (const uint8_t *)"hello room", 10, &len);
	seed_write(dir, "room-line", p, len);
	free(p);
}

/* seed_mboxes - whole, torn and already-saved mbox files. */
static void
seed_mboxes(const char *dir)
{
	static const uint8_t	 own[MAIL_ID_LEN] = "fuzz-mbox-id-016";
	struct mail		 a, b, c;
	char			*ta, *tb, *tc, buf[16384];
	size_t			 la, lb, lc;

	seed_mail(&a, 1, NULL, "first\n>From quoted\nFrom not a header\n");
	seed_mail(&b, 2, NULL, "second, no newline");
	seed_mail(&c, 3, own, "hello\nFrom here\n");
	la = mbox_format(&a, &ta);
	lb = mbox_format(&b, &tb);
	lc = mbox_format(&c, &tc);
	if (la + lb + lc > sizeof buf)
		errx(1, "mbox seeds too long");
	memcpy(buf, ta, la);
	memcpy(buf + la, tb, lb);
	seed_write(dir, "mbox-two", buf, la + lb);
	seed_write(dir, "mbox-torn-header", buf, la + 40);
	seed_write(dir, "mbox-torn-body", buf, la + lb - 5);
	memcpy(buf + la, tc, lc);
	seed_write(dir, "mbox-has-it", buf, la + lc);
	seed_write(dir, "mbox-has-it-torn", buf, la + lc - 3);
	seed_write(dir, "mbox-foreign", "From x\nSubject: y\n\nno end", 25);
	free(ta);
	free(tb);
	free(tc);
}

int
main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: fuzz_seeds RECORD_DIR PART_DIR "
		    "SPOOL_DIR MBOX_DIR ROOM_DIR\n");
		return (1);
	}
	seed_records(argv[1]);
	seed_parts(argv[2]);
	seed_spools(argv[3]);
	seed_mboxes(argv[4]);
	seed_rooms(argv[5]);
	return (0);
}

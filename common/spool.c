/*
 * spool.c - an append-only log of accepted mail.  A PUT record holds a
 * whole message, a DONE record the id of a message its reader has.
 * Records are buffered and written by spool_commit with one fdatasync
 * for all of them (group commit): the server calls it once per turn of
 * its loop, then tells every sender of that turn "sent".  On open the
 * log is replayed; a torn tail (a crash mid-append) is cut off.  The
 * live messages are the PUTs without a DONE; spool_compact rewrites
 * the log with only those (write, fsync, rename, fsync the directory).
 *
 * The log also remembers the ids of the last SPOOL_DONE_KEEP messages
 * delivered (compaction keeps their DONE records), so a sender's retry
 * of a message already read is recognised even after a restart.  A
 * CANCEL record takes back a PUT that was never acknowledged (its
 * commit failed): that message was not sent, and is not remembered.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idlist.h"
#include "idset.h"
#include "io.h"
#include "log.h"
#include "name.h"
#include "plural.h"
#include "record.h"
#include "spool.h"
#include "xmalloc.h"

#define SPOOL_FILE	"spool.log"
#define SPOOL_TMP	"spool.log.new"
#define SPOOL_MAGIC	0x33534d49u	/* "IMS3": a PUT's metalen */
#define SPOOL_MAGIC2	0x32534d49u	/* "IMS2": record_sum64, still read */
#define SPOOL_MAGIC1	0x31534d49u	/* "IMS1": record_sum, still read */
#define SPOOL_PUT	1
#define SPOOL_DONE	2
#define SPOOL_CANCEL	3
#define SPOOL_DONE_KEEP	8192	/* delivered ids remembered */
#define SPOOL_BODY_MAX	(16 * 1024 * 1024)

struct spool_hdr {
	uint32_t	magic;
	uint16_t	type;
	uint16_t	pad;
	uint32_t	len;		/* payload bytes */
	uint32_t	sum;		/* of the payload: see magic */
};

struct spool_put_rec {
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
	char		to[PROTO_NAME_MAX + 1];
	uint8_t		pad[6];
	int64_t		date;
	uint32_t	len;
	uint32_t	metalen;	/* "IMS3"; 0 before (was padding) */
};

struct spool_entry {
	uint8_t		id[MAIL_ID_LEN];
	off_t		offset;		/* of the PUT payload in the file */
	uint32_t	size;
};

struct spool {
	int			 dirfd;
	int			 fd;
	off_t			 end;	/* file size, committed */
	struct idlist		*live;	/* spool_entries, arrival order */
	uint64_t		 live_bytes; /* their PUT payloads */
	uint8_t			*buf;	/* records not yet written */
	size_t			 buflen;
	size_t			 bufcap;
	uint64_t		 syncs;
	struct idset		*done;	/* the last delivered ids */
	/* A commit handed to another thread (spool_commit_begin): its
	 * records, written at end, not yet counted in end. */
	uint8_t			*flight;
	size_t			 flightlen;
	int			 flight_errno;
};

static int	spool_read(struct spool *, const struct spool_entry *,
		    struct mail *, char **);
static int	spool_read_held(struct spool *, const struct spool_entry *,
		    struct mail *, char **);

static void
spool_add_entry(struct spool *sp, const uint8_t *id, off_t offset,
    uint32_t size)
{
	struct spool_entry	*e = xmalloc(sizeof *e);

	memcpy(e->id, id, MAIL_ID_LEN);
	e->offset = offset;
	e->size = size;
	/* A second PUT of a live id (a log written by hand): the first
	 * one counts. */
	if (idlist_add(sp->live, e->id, e) != 0)
		free(e);
	else
		sp->live_bytes += size;
}

/* spool_drop - forget live message id; 1 if it was live. */
static int
spool_drop(struct spool *sp, const uint8_t *id)
{
	struct spool_entry	*e = idlist_del(sp->live, id);

	if (e != NULL)
		sp->live_bytes -= e->size;
	free(e);
	return (e != NULL);
}

/* spool_valid_put - a PUT payload we can trust. */
static int
spool_valid_put(uint32_t magic, const uint8_t *p, uint32_t len)
{
	struct spool_put_rec	r;
	struct mail_meta	mm;

	if (len < sizeof r)
		return (0);
	memcpy(&r, p, sizeof r);
	if (r.metalen != 0 && (magic != SPOOL_MAGIC || r.metalen > r.len ||
	    r.metalen > MAIL_META_MAX || r.len != len - sizeof r ||
	    mail_meta_decode(p + sizeof r, r.metalen, &mm) != 0))
		return (0);
	return (r.len == len - sizeof r && r.len > 0 &&
	    name_valid_field(r.from, sizeof r.from) &&
	    name_box_valid_field(r.to, sizeof r.to));
}

/* spool_sum - a record's payload checksum, as its magic takes it. */
static uint32_t
spool_sum(uint32_t magic, const uint8_t *p, uint32_t len)
{
	if (magic == SPOOL_MAGIC1)	/* logged before 2026-11-25 */
		return (record_sum(p, len, RECORD_SUM_SEED));
	return (record_fold(record_sum64(p, len, RECORD_SUM64_SEED)));
}

/* spool_replay - read the log; cut a torn or corrupt tail. */
static int
spool_replay(struct spool *sp, char **cause)
{
	struct spool_hdr	 h;
	struct stat		 st;
	uint8_t			*p = NULL;
	off_t			 off = 0;

	if (fstat(sp->fd, &st) == -1) {
		xasprintf(cause, "fstat %s: %s", SPOOL_FILE, strerror(errno));
		return (-1);
	}
	while (off + (off_t)sizeof h <= st.st_size) {
		if (pread(sp->fd, &h, sizeof h, off) != sizeof h ||
		    (h.magic != SPOOL_MAGIC && h.magic != SPOOL_MAGIC2 &&
		    h.magic != SPOOL_MAGIC1) ||
		    h.len > SPOOL_BODY_MAX ||
		    off + (off_t)sizeof h + h.len > st.st_size)
			break;
		p = xreallocarray(p, h.len + 1, 1);
		if (pread(sp->fd, p, h.len, off + (off_t)sizeof h) !=
		    (ssize_t)h.len || spool_sum(h.magic, p, h.len) != h.sum)
			break;
		if (h.type == SPOOL_PUT && spool_valid_put(h.magic, p, h.len))
			spool_add_entry(sp, p, off + (off_t)sizeof h, h.len);
		else if ((h.type == SPOOL_DONE || h.type == SPOOL_CANCEL) &&
		    h.len == MAIL_ID_LEN) {
			spool_drop(sp, p);
			if (h.type == SPOOL_DONE)
				idset_add(sp->done, p);
		} else
			break;
		off += (off_t)sizeof h + h.len;
	}
	free(p);
	if (off != st.st_size) {
		log_warnx("spool: %lld %s of a torn or corrupt tail cut off",
		    (long long)(st.st_size - off),
		    plural((unsigned long long)(st.st_size - off), "byte",
		    "bytes"));
		if (ftruncate(sp->fd, off) == -1 || fsync(sp->fd) == -1) {
			xasprintf(cause, "truncate %s: %s", SPOOL_FILE,
			    strerror(errno));
			return (-1);
		}
	}
	sp->end = off;
	return (0);
}

/*
 * spool_open - open (making it if needed) the spool directory path, or
 * DIR/spool relative to dirfd, and replay its log.
 */
struct spool *
spool_open(int dirfd, const char *path, char **cause)
{
	struct spool	*sp;
	struct stat	 st;

	if (mkdirat(dirfd, path, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "cannot create spool %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	sp = xcalloc(1, sizeof *sp);
	sp->fd = -1;
	sp->done = idset_new(SPOOL_DONE_KEEP);
	sp->live = idlist_new();
	if ((sp->dirfd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || fstat(sp->dirfd, &st) == -1) {
		xasprintf(cause, "spool %s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		xasprintf(cause, "spool %s must be a directory of yours with "
		    "mode 0700 (it is %04o, uid %u)", path,
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		goto fail;
	}
	if ((sp->fd = openat(sp->dirfd, SPOOL_FILE, O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "%s/%s: %s", path, SPOOL_FILE,
		    strerror(errno));
		goto fail;
	}
	if (spool_replay(sp, cause) != 0)
		goto fail;
	log_trace("spool", "opened %s/%s: %zu live messages, %lld bytes",
	    path, SPOOL_FILE, idlist_count(sp->live), (long long)sp->end);
	return (sp);

fail:
	spool_close(sp);
	return (NULL);
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->fd != -1)
		close(sp->fd);
	if (sp->dirfd != -1)
		close(sp->dirfd);
	idlist_free(sp->live, free);
	free(sp->buf);
	free(sp->flight);
	idset_free(sp->done);
	free(sp);
}

/* spool_append - buffer one record; returns the payload's file offset. */
static off_t
spool_append(struct spool *sp, uint16_t type, const void *a, size_t alen,
    const void *b, size_t blen)
{
	struct spool_hdr	h;
	size_t			need = sizeof h + alen + blen;
	off_t			at;

	memset(&h, 0, sizeof h);
	h.magic = SPOOL_MAGIC;
	h.type = type;
	h.len = (uint32_t)(alen + blen);
	h.sum = record_fold(record_sum64(b, blen, record_sum64(a, alen,
	    RECORD_SUM64_SEED)));
	if (sp->buflen + need > sp->bufcap) {
		sp->bufcap = sp->bufcap == 0 ? 65536 : sp->bufcap;
		while (sp->bufcap < sp->buflen + need)
			sp->bufcap *= 2;
		sp->buf = xreallocarray(sp->buf, sp->bufcap, 1);
	}
	at = sp->end + (off_t)sp->flightlen + (off_t)sp->buflen +
	    (off_t)sizeof h;
	memcpy(sp->buf + sp->buflen, &h, sizeof h);
	memcpy(sp->buf + sp->buflen + sizeof h, a, alen);
	if (blen > 0)
		memcpy(sp->buf + sp->buflen + sizeof h + alen, b, blen);
	sp->buflen += need;
	return (at);
}

/* spool_put - log a message (durable at the next spool_commit). */
void
spool_put(struct spool *sp, const struct mail *m)
{
	struct spool_put_rec	r;
	off_t			at;

	memset(&r, 0, sizeof r);
	memcpy(r.id, m->id, sizeof r.id);
	memcpy(r.from, m->from, sizeof r.from);
	memcpy(r.to, m->to, sizeof r.to);
	r.date = m->date;
	r.len = m->len;
	r.metalen = m->metalen;
	at = spool_append(sp, SPOOL_PUT, &r, sizeof r, m->body, m->len);
	spool_add_entry(sp, m->id, at, (uint32_t)(sizeof r + m->len));
}

/* spool_end - log the end of live message id: DONE or CANCEL. */
static void
spool_end(struct spool *sp, const uint8_t *id, uint16_t type)
{
	if (spool_drop(sp, id))
		spool_append(sp, type, id, MAIL_ID_LEN, NULL, 0);
}

/* spool_done - log that the reader has message id. */
void
spool_done(struct spool *sp, const uint8_t *id)
{
	spool_end(sp, id, SPOOL_DONE);
	idset_add(sp->done, id);
}

/* spool_cancel - take back a PUT whose sender was told it failed. */
void
spool_cancel(struct spool *sp, const uint8_t *id)
{
	spool_end(sp, id, SPOOL_CANCEL);
}

/* spool_delivered - 1 if message id was delivered not long ago. */
int
spool_delivered(struct spool *sp, const uint8_t *id)
{
	return (idset_has(sp->done, id));
}

int
spool_dirty(struct spool *sp)
{
	return (sp->buflen > 0);
}

/* spool_commit - write what is buffered and fdatasync, once for all. */
int
spool_commit(struct spool *sp, char **cause)
{
	if (sp->flightlen > 0)
		log_panic("spool_commit with a commit in flight");
	if (!spool_commit_begin(sp))
		return (0);
	spool_commit_write(sp);
	return (spool_commit_end(sp, cause));
}

/*
 * The group commit in two halves, for a caller that syncs in another
 * thread while it goes on logging: spool_commit_begin (the owner)
 * takes what is buffered into the flight; spool_commit_write (any one
 * thread) writes it and fdatasyncs; spool_commit_end (the owner, after
 * the write) counts it, or on failure cuts it off the file and puts
 * it back in front of the buffer, so the next commit writes it again
 * with whatever was logged meanwhile (its take-backs, say).  Records
 * logged during the flight already have their offsets after it.
 */

/* spool_commit_begin - 1 if there is something to write, now in flight. */
int
spool_commit_begin(struct spool *sp)
{
	if (sp->buflen == 0 || sp->flightlen > 0)
		return (0);
	sp->flight = sp->buf;
	sp->flightlen = sp->buflen;
	sp->buf = NULL;
	sp->buflen = sp->bufcap = 0;
	return (1);
}

/* spool_commit_write - write the flight and fdatasync; 0 or -1. */
int
spool_commit_write(struct spool *sp)
{
	ssize_t	n;

	n = pwrite(sp->fd, sp->flight, sp->flightlen, sp->end);
	if (n == (ssize_t)sp->flightlen && fdatasync(sp->fd) == 0) {
		sp->flight_errno = 0;
		return (0);
	}
	/* -1: a short write, which sets no errno. */
	sp->flight_errno = n == -1 || n == (ssize_t)sp->flightlen ? errno : -1;
	return (-1);
}

/* spool_commit_end - count the flight written, or take it back. */
int
spool_commit_end(struct spool *sp, char **cause)
{
	uint8_t	*both;

	if (sp->flight_errno == 0) {
		log_trace("spool", "group commit: %zu B, one fdatasync",
		    sp->flightlen);
		sp->end += (off_t)sp->flightlen;
		sp->syncs++;
		free(sp->flight);
		sp->flight = NULL;
		sp->flightlen = 0;
		return (0);
	}
	xasprintf(cause, "spool write: %s", sp->flight_errno > 0 ?
	    strerror(sp->flight_errno) : "short write");
	if (ftruncate(sp->fd, sp->end) == -1)
		log_warn("spool: truncate after a failed write");
	both = xmalloc(sp->flightlen + sp->buflen + 1);
	memcpy(both, sp->flight, sp->flightlen);
	if (sp->buflen > 0)
		memcpy(both + sp->flightlen, sp->buf, sp->buflen);
	free(sp->flight);
	free(sp->buf);
	sp->buf = both;
	sp->buflen += sp->flightlen;
	sp->bufcap = sp->buflen + 1;
	sp->flight = NULL;
	sp->flightlen = 0;
	return (-1);
}

size_t
spool_count(struct spool *sp)
{
	return (idlist_count(sp->live));
}

int
spool_has(struct spool *sp, const uint8_t *id)
{
	return (idlist_get(sp->live, id) != NULL);
}

/* spool_get_id - read back live message id. */
int
spool_get_id(struct spool *sp, const uint8_t *id, struct mail *m,
    char **cause)
{
	const struct spool_entry	*e = idlist_get(sp->live, id);

	if (e == NULL) {
		xasprintf(cause, "not in the spool");
		return (-1);
	}
	return (spool_read(sp, e, m, cause));
}

/* spool_get - read back live message i. */
int
spool_get(struct spool *sp, size_t i, struct mail *m, char **cause)
{
	const struct spool_entry	*e = idlist_at(sp->live, i);

	if (e == NULL) {
		xasprintf(cause, "no live message %zu", i);
		return (-1);
	}
	return (spool_read(sp, e, m, cause));
}

/*
 * spool_read_held - the live message at e, logged but not yet written:
 * it is in the commit in flight (which the commit thread only reads)
 * or in the buffer after it.
 */
static int
spool_read_held(struct spool *sp, const struct spool_entry *e,
    struct mail *m, char **cause)
{
	struct spool_put_rec	 r;
	const uint8_t		*p;
	off_t			 at = e->offset - sp->end;

	if (at < 0) {
		xasprintf(cause, "message straddles the committed log");
		return (-1);
	}
	if ((size_t)at + e->size <= sp->flightlen)
		p = sp->flight + at;
	else if ((size_t)at >= sp->flightlen &&
	    (size_t)at - sp->flightlen + e->size <= sp->buflen)
		p = sp->buf + (at - (off_t)sp->flightlen);
	else {
		xasprintf(cause, "message not in the log's buffer");
		return (-1);
	}
	memcpy(&r, p, sizeof r);
	memset(m, 0, sizeof *m);
	memcpy(m->id, r.id, sizeof m->id);
	memcpy(m->from, r.from, sizeof m->from);
	memcpy(m->to, r.to, sizeof m->to);
	m->date = r.date;
	m->len = r.len;
	m->metalen = r.metalen;
	m->body = xmalloc((size_t)r.len + 1);
	memcpy(m->body, p + sizeof r, r.len);
	m->body[r.len] = '\0';
	return (0);
}

/* spool_read - read back the live message at e. */
static int
spool_read(struct spool *sp, const struct spool_entry *e, struct mail *m,
    char **cause)
{
	struct spool_put_rec	r;

	if (e->offset + (off_t)e->size > sp->end)
		return (spool_read_held(sp, e, m, cause));
	if (pread(sp->fd, &r, sizeof r, e->offset) != sizeof r) {
		xasprintf(cause, "spool read: %s", strerror(errno));
		return (-1);
	}
	memset(m, 0, sizeof *m);
	memcpy(m->id, r.id, sizeof m->id);
	memcpy(m->from, r.from, sizeof m->from);
	memcpy(m->to, r.to, sizeof m->to);
	m->date = r.date;
	m->len = r.len;
	m->metalen = r.metalen;
	m->body = xmalloc((size_t)r.len + 1);
	if (pread(sp->fd, m->body, r.len, e->offset + (off_t)sizeof r) !=
	    (ssize_t)r.len) {
		xasprintf(cause, "spool read: %s", strerror(errno));
		mail_free(m);
		return (-1);
	}
	m->body[r.len] = '\0';
	return (0);
}

/* spool_keep_done - idset_foreach's callback: a DONE record for id. */
static void
spool_keep_done(const uint8_t *id, void *arg)
{
	spool_append(arg, SPOOL_DONE, id, MAIL_ID_LEN, NULL, 0);
}

/*
 * spool_compact - rewrite the log with only the live messages: into a
 * new file, fsync'd, renamed over the old one, directory fsync'd.
 */
int
spool_compact(struct spool *sp, char **cause)
{
	struct spool	 fresh;
	struct mail	 m;
	size_t		 i;
	int		 fd;

	if (spool_commit(sp, cause) != 0)
		return (-1);
	memset(&fresh, 0, sizeof fresh);
	fresh.live = idlist_new();
	if ((fd = openat(sp->dirfd, SPOOL_TMP, O_RDWR | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "%s: %s", SPOOL_TMP, strerror(errno));
		idlist_free(fresh.live, free);
		return (-1);
	}
	fresh.fd = fd;
	fresh.dirfd = -1;
	idset_foreach(sp->done, spool_keep_done, &fresh);
	for (i = 0; i < idlist_count(sp->live); i++) {
		if (spool_get(sp, i, &m, cause) != 0)
			goto fail;
		spool_put(&fresh, &m);
		mail_free(&m);
	}
	if (spool_commit(&fresh, cause) != 0 || fsync(fd) == -1 ||
	    renameat(sp->dirfd, SPOOL_TMP, sp->dirfd, SPOOL_FILE) == -1 ||
	    fsync(sp->dirfd) == -1) {
		if (*cause == NULL)
			xasprintf(cause, "compact: %s", strerror(errno));
		goto fail;
	}
	close(sp->fd);
	sp->fd = fd;
	sp->end = fresh.end;
	idlist_free(sp->live, free);
	sp->live = fresh.live;
	sp->live_bytes = fresh.live_bytes;
	free(fresh.buf);
	log_trace("spool", "compacted: %zu live messages, %lld bytes",
	    idlist_count(sp->live), (long long)sp->end);
	return (0);

fail:
	close(fd);
	unlinkat(sp->dirfd, SPOOL_TMP, 0);
	idlist_free(fresh.live, free);
	free(fresh.buf);
	return (-1);
}

uint64_t
spool_size(struct spool *sp)
{
	return ((uint64_t)sp->end);
}

/* spool_live_bytes - what the live messages take in the log. */
uint64_t
spool_live_bytes(struct spool *sp)
{
	return (sp->live_bytes);
}

/* spool_dirfd - the spool's directory (for its file system's room). */
int
spool_dirfd(struct spool *sp)
{
	return (sp->dirfd);
}

uint64_t
spool_syncs(struct spool *sp)
{
	return (sp->syncs);
}

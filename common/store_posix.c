/*
 * store_posix.c - the mail store on POSIX message queues, one queue per
 * mailbox: "/ipcmail.ID.m.NAME", ID being the run directory's random id.
 *
 * The limits shape it.  A queue holds at most msg_max (10) messages of
 * at most msgsize_max (8 KiB) here, so a message is cut into parts of
 * 8 KiB as in the SysV store, and a 64 KiB body (9 parts) fits one
 * empty mailbox: a full queue is "mailbox full", never a wait.  A user
 * may have only RLIMIT_MSGQUEUE bytes of queues (800 KiB by default),
 * which mailserv raises as far as it may; an empty mailbox's queue is
 * unlinked to give its share back.  A new queue takes msg_max parts,
 * fewer if then not POSIX_QUEUES_MIN of them would fit the rlimit.
 *
 * POSIX queues cannot be read without taking the message out, nor can
 * one message be taken from the middle.  So the server keeps a copy of
 * each stored message in memory, for reading, and the queue is the
 * copy that outlives the server.  Removing a message rotates its queue
 * once: every part is received and sent back, except that message's.
 * On open, each mailbox is rotated once to read it back.  A crash in a
 * rotation can lose the one part in hand; the durable spool (spool.c)
 * restores it.  Queues cannot be listed without mounting mqueue, so the
 * mailboxes that have one are kept in DIR/posix.mailboxes, one line
 * "NAME QUEUE" each.
 *
 * Queue names are guessable (the run directory's id is readable), so
 * another user could make a mailbox's queue first.  Such a queue is
 * left alone, and the mailbox gets a queue under a random name
 * instead, "/ipcmail.ID.m.NAME.RANDOM", which the registry keeps.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "idlist.h"
#include "io.h"
#include "log.h"
#include "name.h"
#include "store.h"
#include "xmalloc.h"

#define POSIX_MAXMSG	10	/* msg_max, when /proc does not say */
#define POSIX_QUEUES_MIN 8	/* queues a raised msg_max still leaves */
#define POSIX_MSG_COST	(PART_MAX + 128) /* a part, with the kernel's */
#define POSIX_REGISTRY	"posix.mailboxes"

struct posix_box {
	char	name[PROTO_NAME_MAX + 1];
	char	qname[96];
	mqd_t	mq;
	long	maxmsg;
};

struct posix_msg {
	struct store_entry	 e;
	uint8_t			*body;
	uint16_t		 missing;	/* parts not read back yet */
};

struct posix_store {
	char			 idstr[MAIL_ID_STR];
	char			*registry;
	int			 owner;
	struct posix_box	*boxes;
	size_t			 nboxes;
	struct idlist		*msgs;		/* posix_msgs, arrival order */
	long			 maxmsg;	/* parts a new queue takes */
	uint8_t			 buf[PART_MAX];
};

static void
store_posix_qname(struct posix_store *ps, const char *box, char *out,
    size_t size)
{
	snprintf(out, size, "/ipcmail.%s.m.%.32s", ps->idstr, box);
}

/* store_posix_qname_ok - is q a queue name of ours for mailbox box? */
static int
store_posix_qname_ok(struct posix_store *ps, const char *box, const char *q)
{
	char	base[96];
	size_t	n, i;

	store_posix_qname(ps, box, base, sizeof base);
	n = strlen(base);
	if (strncmp(q, base, n) != 0)
		return (0);
	if (q[n] == '\0')
		return (1);
	if (q[n] != '.' || strlen(q + n + 1) != 8)
		return (0);
	for (i = n + 1; q[i] != '\0'; i++)
		if (!((q[i] >= '0' && q[i] <= '9') || (q[i] >= 'a' &&
		    q[i] <= 'f')))
			return (0);
	return (1);
}

/* store_posix_limit - read a number from /proc/sys/fs/mqueue. */
static long
store_posix_limit(const char *what, long dflt)
{
	char	path[64];
	long	v = dflt;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/sys/fs/mqueue/%s", what);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return (v);
}

/* store_posix_rlimit - RLIMIT_MSGQUEUE now; 0 for no limit. */
static unsigned long long
store_posix_rlimit(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return (0);
	return ((unsigned long long)rl.rlim_cur);
}

/*
 * store_posix_maxmsg - parts a new queue asks for: fs.mqueue.msg_max,
 * lowered (not below 10) until POSIX_QUEUES_MIN queues fit the rlimit.
 */
static long
store_posix_maxmsg(void)
{
	unsigned long long	lim = store_posix_rlimit();
	long			max = store_posix_limit("msg_max",
				    POSIX_MAXMSG), fit;

	if (max < 1)
		max = 1;
	if (lim == 0)
		return (max);
	fit = (long)(lim / POSIX_QUEUES_MIN / POSIX_MSG_COST);
	if (fit < POSIX_MAXMSG)
		fit = POSIX_MAXMSG;
	return (max < fit ? max : fit);
}

/* store_posix_save_registry - rewrite the list of mailboxes, durably. */
static int
store_posix_save_registry(struct posix_store *ps)
{
	char	*tmp;
	size_t	 i;
	FILE	*f;
	int	 rc = 0;

	xasprintf(&tmp, "%s.new", ps->registry);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("%s", tmp);
		free(tmp);
		return (-1);
	}
	for (i = 0; i < ps->nboxes; i++)
		fprintf(f, "%s %s\n", ps->boxes[i].name, ps->boxes[i].qname);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0 || rc != 0 || rename(tmp, ps->registry) != 0) {
		log_warn("%s", ps->registry);
		rc = -1;
	}
	free(tmp);
	return (rc);
}

/*
 * store_posix_mq - open queue qname (made if asked, with excl: only
 * new).  -1 if it cannot be opened, or is not ours (*foreign set):
 * someone else's, or open to others, would let them read the mail.  On
 * Linux an mqd_t is a descriptor: fstat tells.
 */
static mqd_t
store_posix_mq(struct posix_store *ps, const char *qname, int create,
    int excl, long *maxmsg, int *foreign)
{
	struct mq_attr	attr;
	struct stat	st;
	mqd_t		mq;

	memset(&attr, 0, sizeof attr);
	attr.mq_maxmsg = ps->maxmsg;
	attr.mq_msgsize = PART_MAX;
	mq = mq_open(qname, O_RDWR | O_NONBLOCK | O_CLOEXEC |
	    (create ? O_CREAT : 0) | (excl ? O_EXCL : 0), 0600, &attr);
	if (mq == (mqd_t)-1) {
		if (create && errno != EACCES && errno != EEXIST)
			log_warn("mq_open %s (RLIMIT_MSGQUEUE or queues_max "
			    "reached?)", qname);
		return ((mqd_t)-1);
	}
	if (fstat(mq, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		log_warnx("%s belongs to uid %u with mode %04o, not to us with "
		    "0600: left alone", qname, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		mq_close(mq);
		*foreign = 1;
		return ((mqd_t)-1);
	}
	if (mq_getattr(mq, &attr) == -1 || attr.mq_msgsize < PART_MAX) {
		log_warnx("%s: not a queue of ours (message size %ld)", qname,
		    attr.mq_msgsize);
		mq_close(mq);
		*foreign = 1;
		return ((mqd_t)-1);
	}
	log_trace("posix-mq", "mq_open %s (%ld x %ld B)", qname,
	    attr.mq_maxmsg, attr.mq_msgsize);
	*maxmsg = attr.mq_maxmsg;
	return (mq);
}

/*
 * store_posix_box - the mailbox's queue, opened (made if asked, under
 * a random name if its own is taken).  qname: the registry's name for
 * it, or NULL for the usual one.
 */
static struct posix_box *
store_posix_box(struct posix_store *ps, const char *name, const char *qname,
    int create)
{
	struct posix_box	*b;
	uint8_t			 rnd[16];
	char			 q[96];
	size_t			 i;
	long			 maxmsg = 0;
	int			 foreign = 0;
	mqd_t			 mq;

	for (i = 0; i < ps->nboxes; i++)
		if (strcmp(ps->boxes[i].name, name) == 0)
			return (&ps->boxes[i]);
	if (qname != NULL)
		strncpy(q, qname, sizeof q - 1), q[sizeof q - 1] = '\0';
	else
		store_posix_qname(ps, name, q, sizeof q);
	mq = store_posix_mq(ps, q, create, 0, &maxmsg, &foreign);
	/* Another name only when this one is taken (a trap), not when
	 * the kernel has no room for a queue. */
	for (i = 0; mq == (mqd_t)-1 && create && foreign && i < 4; i++) {
		uuid_generate_random(rnd);
		store_posix_qname(ps, name, q, sizeof q);
		snprintf(q + strlen(q), sizeof q - strlen(q),
		    ".%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
		foreign = 0;
		if ((mq = store_posix_mq(ps, q, 1, 1, &maxmsg, &foreign)) !=
		    (mqd_t)-1)
			log_info("mailbox %s: its queue is taken; using %s",
			    name, q);
	}
	if (mq == (mqd_t)-1)
		return (NULL);
	ps->boxes = xreallocarray(ps->boxes, ps->nboxes + 1,
	    sizeof *ps->boxes);
	b = &ps->boxes[ps->nboxes++];
	memset(b, 0, sizeof *b);
	strncpy(b->name, name, sizeof b->name - 1);
	memcpy(b->qname, q, sizeof b->qname);
	b->mq = mq;
	b->maxmsg = maxmsg;
	if (create && ps->owner)
		store_posix_save_registry(ps);
	return (b);
}

/* store_posix_unlink_box - an empty mailbox gives its queue back. */
static void
store_posix_unlink_box(struct posix_store *ps, struct posix_box *b)
{
	size_t	i = (size_t)(b - ps->boxes);

	mq_close(b->mq);
	mq_unlink(b->qname);
	log_trace("posix-mq", "mq_unlink %s (empty)", b->qname);
	ps->boxes[i] = ps->boxes[--ps->nboxes];
	store_posix_save_registry(ps);
}

/*
 * store_posix_rotate - take every part of the queue out and put it
 * back, except those of drop (if not NULL); call fn on each kept one.
 */
static int
store_posix_rotate(struct posix_store *ps, struct posix_box *b,
    const uint8_t *drop, void (*fn)(struct posix_store *, const uint8_t *,
    size_t))
{
	struct mq_attr	 attr;
	struct part_hdr	 h;
	const uint8_t	*data;
	ssize_t		 n;
	long		 k;

	if (mq_getattr(b->mq, &attr) == -1)
		return (-1);
	for (k = 0; k < attr.mq_curmsgs; k++) {
		do
			n = mq_receive(b->mq, (char *)ps->buf, sizeof ps->buf,
			    NULL);
		while (n == -1 && errno == EINTR);
		if (n == -1)
			return (-1);
		if (drop != NULL && mail_part_decode(ps->buf, (size_t)n, &h,
		    &data) == 0 && memcmp(h.id, drop, MAIL_ID_LEN) == 0) {
			log_trace("posix-mq", "mq_receive %zd B (removed)", n);
			continue;
		}
		if (fn != NULL)
			fn(ps, ps->buf, (size_t)n);
		while (mq_send(b->mq, (char *)ps->buf, (size_t)n, 0) == -1)
			if (errno != EINTR)
				return (-1);
	}
	log_trace("posix-mq", "rotated %s: %ld parts", b->name,
	    attr.mq_curmsgs);
	return (0);
}

static struct posix_msg *
store_posix_append(struct posix_store *ps, const struct store_entry *e,
    uint8_t *body)
{
	struct posix_msg	*pm = xcalloc(1, sizeof *pm);

	pm->e = *e;
	pm->body = body;
	/* Ids are unique: store_put checks, and a scan looks first. */
	if (idlist_add(ps->msgs, pm->e.id, pm) != 0)
		log_panic("store: message id added twice");
	return (pm);
}

/* store_posix_free_msg - free a message (idlist_free's callback). */
static void
store_posix_free_msg(void *p)
{
	struct posix_msg	*pm = p;

	free(pm->body);
	free(pm);
}

/* store_posix_drop - forget message pm (its parts are gone already). */
static void
store_posix_drop(struct posix_store *ps, struct posix_msg *pm)
{
	idlist_del(ps->msgs, pm->e.id);
	store_posix_free_msg(pm);
}

/* store_posix_found - a part read back on open: fill in its message. */
static void
store_posix_found(struct posix_store *ps, const uint8_t *buf, size_t n)
{
	struct store_entry	 e;
	struct part_hdr		 h;
	struct posix_msg	*pm;
	const uint8_t		*data;

	if (mail_part_decode(buf, n, &h, &data) != 0)
		return;
	if ((pm = idlist_get(ps->msgs, h.id)) == NULL) {
		memset(&e, 0, sizeof e);
		memcpy(e.id, h.id, sizeof e.id);
		memcpy(e.from, h.from, sizeof e.from);
		memcpy(e.to, h.to, sizeof e.to);
		e.date = h.date;
		e.len = h.len;
		e.metalen = h.metalen;
		pm = store_posix_append(ps, &e, xcalloc(1,
		    (size_t)h.len + 1));
		pm->missing = h.nparts;
	}
	if (pm->missing == 0 || h.len != pm->e.len)
		return;		/* a duplicate part */
	memcpy(pm->body + h.offset, data, h.datalen);
	pm->missing--;
	if (h.part == 0)
		mail_summary(data, h.datalen, h.metalen, pm->e.first,
		    sizeof pm->e.first, pm->e.subject, sizeof pm->e.subject,
		    pm->e.addr, sizeof pm->e.addr);
}

static void *
store_posix_open(const struct store_config *cfg, int owner, char **cause)
{
	struct posix_store	*ps = xcalloc(1, sizeof *ps);
	struct rlimit		 rl;
	char			*dir, line[160], *q;
	size_t			 i, j;
	FILE			*f;

	(void)cause;
	ps->owner = owner;
	ps->msgs = idlist_new();
	uuid_unparse_lower(cfg->dirid, ps->idstr);
	dir = xstrdup(cfg->keyfile);
	xasprintf(&ps->registry, "%s/%s", dirname(dir), POSIX_REGISTRY);
	free(dir);
	if (owner && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MSGQUEUE, &rl);
	}
	ps->maxmsg = store_posix_maxmsg();
	if ((f = fopen(ps->registry, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			/* "NAME QUEUE"; older registries: "NAME". */
			if ((q = strchr(line, ' ')) != NULL)
				*q++ = '\0';
			if (name_box_valid_field(line, sizeof line) && (q == NULL ||
			    store_posix_qname_ok(ps, line, q)))
				store_posix_box(ps, line, q, 0);
		}
		fclose(f);
	}
	if (!owner)
		return (ps);
	/* Read every mailbox back: one rotation each. */
	for (i = 0; i < ps->nboxes; i++)
		store_posix_rotate(ps, &ps->boxes[i], NULL, store_posix_found);
	/* Drop what a crash left half stored. */
	for (i = 0; i < idlist_count(ps->msgs);) {
		struct posix_msg	*m = idlist_at(ps->msgs, i);

		if (m->missing == 0) {
			i++;
			continue;
		}
		for (j = 0; j < ps->nboxes; j++)
			if (strcmp(ps->boxes[j].name, m->e.to) == 0)
				store_posix_rotate(ps, &ps->boxes[j], m->e.id,
				    NULL);
		log_warnx("a message for %s was half stored (a crash); "
		    "removed", m->e.to);
		store_posix_drop(ps, m);
	}
	return (ps);
}

static void
store_posix_close(void *be)
{
	struct posix_store	*ps = be;
	size_t			 i;

	for (i = 0; i < ps->nboxes; i++)
		mq_close(ps->boxes[i].mq);
	idlist_free(ps->msgs, store_posix_free_msg);
	free(ps->boxes);
	free(ps->registry);
	free(ps);
}

static int
store_posix_put(void *be, const struct mail *m, char **cause)
{
	struct posix_store	*ps = be;
	struct posix_box	*b;
	struct store_entry	 e;
	struct mq_attr		 attr;
	uint8_t			*body;
	uint16_t		 k, n = mail_part_count(m->len);
	size_t			 len;

	if ((b = store_posix_box(ps, m->to, NULL, 1)) == NULL) {
		/* queues_max or RLIMIT_MSGQUEUE reached: no room. */
		return (STORE_FULL);
	}
	if (mq_getattr(b->mq, &attr) == -1) {
		xasprintf(cause, "mq_getattr: %s", strerror(errno));
		return (-1);
	}
	if (attr.mq_curmsgs + n > attr.mq_maxmsg) {
		if (attr.mq_curmsgs == 0)
			store_posix_unlink_box(ps, b);
		return (STORE_FULL);
	}
	for (k = 0; k < n; k++) {
		len = mail_part_encode(m, k, ps->buf);
		if (mq_send(b->mq, (char *)ps->buf, len, 0) == -1) {
			if (errno == EINTR) {
				k--;
				continue;
			}
			xasprintf(cause, "mq_send: %s", strerror(errno));
			store_posix_rotate(ps, b, m->id, NULL);
			return (errno == EAGAIN ? STORE_FULL : -1);
		}
		log_trace("posix-mq", "mq_send to %s: %zu B", b->name, len);
	}
	store_entry_set(&e, m);
	body = xmalloc((size_t)m->len + 1);
	memcpy(body, m->body, m->len);
	store_posix_append(ps, &e, body);
	return (0);
}

static int
store_posix_get(void *be, const uint8_t *id, struct mail *m, char **cause)
{
	struct posix_store	*ps = be;
	struct posix_msg	*pm;

	if ((pm = idlist_get(ps->msgs, id)) == NULL) {
		*cause = xstrdup("no such message");
		return (-1);
	}
	store_entry_head(&pm->e, m);
	m->body = xmalloc((size_t)m->len + 1);
	memcpy(m->body, pm->body, m->len);
	m->body[m->len] = '\0';
	return (0);
}

static int
store_posix_remove(void *be, const uint8_t *id)
{
	struct posix_store	*ps = be;
	struct posix_box	*b;
	struct posix_msg	*pm;
	struct mq_attr		 attr;

	if ((pm = idlist_get(ps->msgs, id)) == NULL)
		return (-1);
	if ((b = store_posix_box(ps, pm->e.to, NULL, 0)) != NULL) {
		if (store_posix_rotate(ps, b, id, NULL) == -1)
			log_warn("mailbox %s: rotating its queue", b->name);
		else if (mq_getattr(b->mq, &attr) == 0 && attr.mq_curmsgs == 0)
			store_posix_unlink_box(ps, b);
	}
	store_posix_drop(ps, pm);
	return (0);
}

static size_t
store_posix_count(void *be)
{
	return (idlist_count(((struct posix_store *)be)->msgs));
}

static const struct store_entry *
store_posix_entry(void *be, size_t i)
{
	struct posix_msg *pm = idlist_at(((struct posix_store *)be)->msgs, i);

	return (pm != NULL ? &pm->e : NULL);
}

static const struct store_entry *
store_posix_find(void *be, const uint8_t *id)
{
	struct posix_msg *pm = idlist_get(((struct posix_store *)be)->msgs, id);

	return (pm != NULL ? &pm->e : NULL);
}

static size_t
store_posix_objects(void *be, struct store_object *obj, size_t max)
{
	struct posix_store	*ps = be;
	struct mq_attr		 attr;
	size_t			 i, n = 0;

	for (i = 0; i < ps->nboxes && n < max; i++) {
		if (mq_getattr(ps->boxes[i].mq, &attr) == -1)
			continue;
		memset(&obj[n], 0, sizeof obj[n]);
		obj[n].role = ps->boxes[i].name[0] == '#' ? "room queue" :
		    "mailbox queue";
		strncpy(obj[n].name, ps->boxes[i].qname,
		    sizeof obj[n].name - 1);
		obj[n].id = -1;
		obj[n].mode = 0600;
		obj[n].uid = geteuid();
		obj[n].messages = (unsigned long)attr.mq_curmsgs;
		obj[n].capacity = (unsigned long)attr.mq_maxmsg;
		n++;
	}
	return (n);
}

/*
 * store_posix_capacity - a queue per mailbox: as many as queues_max
 * and RLIMIT_MSGQUEUE allow, each of maxmsg parts.
 */
static void
store_posix_capacity(void *be, struct store_capacity *cap)
{
	struct posix_store	*ps = be;
	unsigned long long	 lim = store_posix_rlimit(), q;

	q = (unsigned long long)store_posix_limit("queues_max", 256);
	cap->bound = "fs.mqueue.queues_max";
	if (lim != 0 && lim / ((unsigned long long)ps->maxmsg *
	    POSIX_MSG_COST) < q) {
		q = lim / ((unsigned long long)ps->maxmsg * POSIX_MSG_COST);
		cap->bound = "RLIMIT_MSGQUEUE";
	}
	cap->queues = (unsigned long)q;
	cap->queue_bytes = (unsigned long)ps->maxmsg * PART_MAX;
	cap->total = (uint64_t)q * cap->queue_bytes;
	cap->body_max = (uint64_t)ps->maxmsg * PART_DATA_MAX;
}

static int
store_posix_destroy(void *be)
{
	struct posix_store	*ps = be;
	size_t			 i;

	for (i = 0; i < ps->nboxes; i++) {
		mq_close(ps->boxes[i].mq);
		mq_unlink(ps->boxes[i].qname);
	}
	ps->nboxes = 0;
	unlink(ps->registry);
	store_posix_close(ps);
	return (0);
}

const struct store_ops store_posix_ops = {
	.name = "posix",
	.open = store_posix_open,
	.close = store_posix_close,
	.put = store_posix_put,
	.get = store_posix_get,
	.remove = store_posix_remove,
	.count = store_posix_count,
	.entry = store_posix_entry,
	.find = store_posix_find,
	.objects = store_posix_objects,
	.capacity = store_posix_capacity,
	.destroy = store_posix_destroy,
};

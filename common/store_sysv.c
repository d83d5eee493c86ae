/*
 * store_sysv.c - the mail store on SysV message queues.
 *
 * One queue holds at most msgmnb (16 KiB here) and a process cannot
 * raise that, so the store is a set of shard queues keyed by
 * ftok(keyfile, 3..255), created as they are needed.  A message is cut
 * into parts of at most msgmax bytes; each part is one SysV message
 * whose mtype is unique and increasing, so msgrcv(type) removes
 * exactly that part and MSG_COPY reads it without removing it.  Parts
 * of one message may sit in different shards: a 64 KiB body spans
 * several queues.  A put either places every part or takes back those
 * it placed, so a message is never half stored.
 *
 * ftok keys can collide (16 bits of inode, 8 of device): another run
 * directory's shard may sit at one of our keys.  So every mtype carries
 * a 31-bit tag drawn from this run directory's random id above a 32-bit
 * sequence; a part with another tag is not ours, its queue gets no new
 * parts of ours, and msgrcv by exact type can never take someone
 * else's part.
 *
 * Nothing but the queues holds the mail: on open the shards are read
 * back (MSG_COPY) and the index rebuilt, so mail survives every
 * process exiting.  Parts of a message whose put was cut short by a
 * crash are incomplete; the sender was never told "sent", so they are
 * removed.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idlist.h"
#include "log.h"
#include "msgq.h"
#include "plural.h"
#include "record.h"
#include "store.h"
#include "xmalloc.h"

#define SYSV_PROJ_FIRST		3
#define SYSV_SHARDS_MAX		253	/* ftok proj ids 3 .. 255 */
#define SYSV_NONE		-1	/* no queue at this key (yet) */
#define SYSV_FOREIGN		-2	/* not ours: never touched */

struct sysv_part {
	uint16_t	shard;
	long		type;
};

struct sysv_msg {
	struct store_entry	 e;
	uint16_t		 nparts;
	struct sysv_part	*parts;
};

struct sysv_store {
	char		*keyfile;
	unsigned	 max_shards;
	int		 owner;		/* may repair: the server or --purge */
	key_t		 key[SYSV_SHARDS_MAX];
	int		 qid[SYSV_SHARDS_MAX];
	uint8_t		 shared[SYSV_SHARDS_MAX]; /* foreign parts in it */
	long		 tag;		/* high half of our mtypes */
	unsigned	 cursor;
	unsigned long	 new_qbytes;	/* msg_qbytes of a queue we made */
	long		 next_type;
	struct idlist	*msgs;		/* sysv_msgs, arrival order */
	uint8_t		 buf[PART_MAX];
};

/* A part found while reading the shards back. */
struct sysv_found {
	struct part_hdr	h;
	uint16_t	shard;
	long		type;
	char		first[PROTO_FIRST_MAX];
	char		subject[PROTO_SUBJECT_MAX];
	char		addr[PROTO_ADDR_MAX];
};

static void
store_sysv_append(struct sysv_store *ss, const struct sysv_msg *m)
{
	struct sysv_msg	*copy = xmalloc(sizeof *copy);

	*copy = *m;
	/* Ids are unique: put checks, and the scan groups parts by id. */
	if (idlist_add(ss->msgs, copy->e.id, copy) != 0)
		log_panic("store: message id added twice");
}

/* store_sysv_free_msg - idlist_free's callback. */
static void
store_sysv_free_msg(void *p)
{
	struct sysv_msg	*sm = p;

	free(sm->parts);
	free(sm);
}

/* store_sysv_adopt - is the queue at shard i ours? Record it if so. */
static void
store_sysv_adopt(struct sysv_store *ss, unsigned i, int id)
{
	struct msqid_ds	ds;

	if (msgq_stat(id, &ds) == -1) {
		log_warn("key 0x%08x: msgctl IPC_STAT", (unsigned)ss->key[i]);
		ss->qid[i] = SYSV_FOREIGN;
		return;
	}
	if (ds.msg_perm.uid != geteuid() || ds.msg_perm.cuid != geteuid()) {
		log_warnx("key 0x%08x: queue %d belongs to uid %u, not us: "
		    "left alone", (unsigned)ss->key[i], id,
		    (unsigned)ds.msg_perm.uid);
		ss->qid[i] = SYSV_FOREIGN;
		return;
	}
	ss->qid[i] = id;
}

static int
store_sysv_found_cmp(const void *a, const void *b)
{
	const struct sysv_found	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(x->h.id, y->h.id, MAIL_ID_LEN)) != 0)
		return (c);
	if (x->h.part != y->h.part)
		return (x->h.part < y->h.part ? -1 : 1);
	return (x->type < y->type ? -1 : x->type > y->type);
}

static int
store_sysv_msg_cmp(const void *a, const void *b)
{
	const struct sysv_msg	*x = *(struct sysv_msg *const *)a;
	const struct sysv_msg	*y = *(struct sysv_msg *const *)b;

	return (x->parts[0].type < y->parts[0].type ? -1 :
	    x->parts[0].type > y->parts[0].type);
}

/* store_sysv_same - do two parts belong to one consistent message? */
static int
store_sysv_same(const struct part_hdr *a, const struct part_hdr *b)
{
	return (memcmp(a->id, b->id, MAIL_ID_LEN) == 0 &&
	    a->nparts == b->nparts && a->len == b->len &&
	    a->date == b->date && a->metalen == b->metalen &&
	    strcmp(a->from, b->from) == 0 &&
	    strcmp(a->to, b->to) == 0);
}

/*
 * store_sysv_group - turn the parts in f[0..n) (sorted, one id) into a
 * message; remove them from the kernel if they do not make one whole.
 */
static void
store_sysv_group(struct sysv_store *ss, struct sysv_found *f, size_t n)
{
	struct sysv_msg	 m;
	char		 idstr[MAIL_ID_STR];
	size_t		 i, k = 0;
	uint16_t	 want = f[0].h.nparts;

	memset(&m, 0, sizeof m);
	m.parts = xcalloc(want, sizeof *m.parts);
	for (i = 0; i < n; i++) {
		if (k < want && f[i].h.part == k &&
		    store_sysv_same(&f[i].h, &f[0].h)) {
			m.parts[k].shard = f[i].shard;
			m.parts[k].type = f[i].type;
			k++;
			continue;
		}
		/* A duplicate or inconsistent part: it cannot be used. */
		if (ss->owner)
			msgq_take(ss->qid[f[i].shard], f[i].type, NULL, 0);
	}
	mail_id_str(f[0].h.id, idstr);
	if (k != want) {
		free(m.parts);
		if (!ss->owner)	/* perhaps being stored right now */
			return;
		log_warnx("message %s: %zu of %u parts in the kernel (a put "
		    "cut short); removed", idstr, k, want);
		for (i = 0; i < n; i++)
			msgq_take(ss->qid[f[i].shard], f[i].type, NULL, 0);
		return;
	}
	memcpy(m.e.id, f[0].h.id, MAIL_ID_LEN);
	memcpy(m.e.from, f[0].h.from, sizeof m.e.from);
	memcpy(m.e.to, f[0].h.to, sizeof m.e.to);
	m.e.date = f[0].h.date;
	m.e.len = f[0].h.len;
	m.e.metalen = f[0].h.metalen;
	memcpy(m.e.first, f[0].first, sizeof m.e.first);
	memcpy(m.e.subject, f[0].subject, sizeof m.e.subject);
	memcpy(m.e.addr, f[0].addr, sizeof m.e.addr);
	m.nparts = want;
	store_sysv_append(ss, &m);
}

/* store_sysv_scan - read every shard back and rebuild the index. */
static void
store_sysv_scan(struct sysv_store *ss)
{
	struct sysv_found	*found = NULL;
	struct part_hdr		 h;
	const uint8_t		*data;
	size_t			 nfound = 0, cap = 0, i, j;
	unsigned		 s, bad, foreign;
	long			 idx, type;
	ssize_t			 n;

	for (s = 0; s < SYSV_SHARDS_MAX; s++) {
		if (ss->qid[s] < 0)
			continue;
		bad = foreign = 0;
		for (idx = 0;; idx++) {
			n = msgq_copy(ss->qid[s], idx, &type, ss->buf,
			    sizeof ss->buf);
			if (n == -1) {
				if (errno != ENOMSG)
					log_warn("queue %d: msgrcv MSG_COPY",
					    ss->qid[s]);
				break;
			}
			if ((type >> 32) != ss->tag) {
				foreign++;
				continue;
			}
			if (type >= ss->next_type)
				ss->next_type = type + 1;
			if (mail_part_decode(ss->buf, (size_t)n, &h,
			    &data) != 0) {
				bad++;
				continue;
			}
			if (nfound == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				found = xreallocarray(found, cap,
				    sizeof *found);
			}
			found[nfound].h = h;
			found[nfound].shard = (uint16_t)s;
			found[nfound].type = type;
			found[nfound].first[0] = '\0';
			found[nfound].subject[0] = '\0';
			found[nfound].addr[0] = '\0';
			if (h.part == 0)
				mail_summary(data, h.datalen, h.metalen,
				    found[nfound].first,
				    sizeof found[nfound].first,
				    found[nfound].subject,
				    sizeof found[nfound].subject,
				    found[nfound].addr,
				    sizeof found[nfound].addr);
			nfound++;
		}
		if (bad > 0)
			log_warnx("queue %d: %u %s not ipcmail "
			    "parts: left alone", ss->qid[s], bad, bad == 1 ?
			    "message that is" : "messages that are");
		if (foreign > 0) {
			log_warnx("queue %d (key 0x%08x): %u %s of another "
			    "run directory (an ftok collision): left alone, "
			    "and no new mail goes there", ss->qid[s],
			    (unsigned)ss->key[s], foreign,
			    plural(foreign, "message", "messages"));
			ss->shared[s] = 1;
		}
	}
	if (nfound > 0)
		qsort(found, nfound, sizeof *found, store_sysv_found_cmp);
	for (i = 0; i < nfound; i = j) {
		for (j = i + 1; j < nfound &&
		    memcmp(found[j].h.id, found[i].h.id, MAIL_ID_LEN) == 0; j++)
			;
		store_sysv_group(ss, found + i, j - i);
	}
	free(found);
	idlist_sort(ss->msgs, store_sysv_msg_cmp);
}

static void *
store_sysv_open(const struct store_config *cfg, int create, char **cause)
{
	struct sysv_store	*ss;
	unsigned		 i;
	int			 id;

	ss = xcalloc(1, sizeof *ss);
	ss->keyfile = xstrdup(cfg->keyfile);
	ss->max_shards = cfg->max_shards;
	if (ss->max_shards == 0 || ss->max_shards > SYSV_SHARDS_MAX)
		ss->max_shards = SYSV_SHARDS_MAX;
	ss->owner = create;
	ss->msgs = idlist_new();
	ss->tag = (long)(record_sum(cfg->dirid, MAIL_ID_LEN, RECORD_SUM_SEED) &
	    0x7fffffffu);
	ss->next_type = (ss->tag << 32) | 1;
	for (i = 0; i < SYSV_SHARDS_MAX; i++) {
		ss->qid[i] = SYSV_NONE;
		ss->key[i] = ftok(ss->keyfile, (int)(SYSV_PROJ_FIRST + i));
		if (ss->key[i] == -1) {
			xasprintf(cause, "ftok %s: %s", ss->keyfile,
			    strerror(errno));
			goto fail;
		}
		/* Adopt every shard, even past max_shards: it holds mail. */
		if ((id = msgget(ss->key[i], 0)) != -1)
			store_sysv_adopt(ss, i, id);
		else if (errno == EACCES)
			ss->qid[i] = SYSV_FOREIGN;
	}
	store_sysv_scan(ss);
	return (ss);

fail:
	idlist_free(ss->msgs, NULL);
	free(ss->keyfile);
	free(ss);
	return (NULL);
}

/* store_sysv_close - forget the index; an owner drops empty shards. */
static void
store_sysv_close(void *be)
{
	struct sysv_store	*ss = be;
	struct msqid_ds		 ds;
	size_t			 i;

	for (i = 0; ss->owner && i < SYSV_SHARDS_MAX; i++) {
		if (ss->qid[i] >= 0 && !ss->shared[i] &&
		    msgq_stat(ss->qid[i], &ds) == 0 && ds.msg_qnum == 0)
			msgq_remove(ss->qid[i]);
	}

	idlist_free(ss->msgs, store_sysv_free_msg);
	free(ss->keyfile);
	free(ss);
}

/* store_sysv_note_qbytes - what the kernel gave a queue we made. */
static void
store_sysv_note_qbytes(struct sysv_store *ss, int id)
{
	struct msqid_ds	ds;

	if (msgq_stat(id, &ds) == 0)
		ss->new_qbytes = ds.msg_qbytes;
}

/*
 * store_sysv_msgmnb - what a new queue will hold: as the last queue we
 * made got, else kernel.msgmnb (which the kernel gives a new queue),
 * else the usual 16 KiB.
 */
static unsigned long
store_sysv_msgmnb(struct sysv_store *ss)
{
	unsigned long	 v = 0;
	FILE		*f;

	if (ss->new_qbytes != 0)
		return (ss->new_qbytes);
	if ((f = fopen("/proc/sys/kernel/msgmnb", "r")) != NULL) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return (v != 0 ? v : 16384);
}

/* store_sysv_new_shard - create the next shard queue; -1 if none left. */
static int
store_sysv_new_shard(struct sysv_store *ss)
{
	unsigned	i;
	int		id;

	for (i = 0; i < ss->max_shards; i++) {
		if (ss->qid[i] != SYSV_NONE)
			continue;
		if ((id = msgq_get(ss->key[i], 1, 0600)) != -1) {
			ss->qid[i] = id;
			store_sysv_note_qbytes(ss, id);
			return ((int)i);
		}
		if (errno == EEXIST && (id = msgget(ss->key[i], 0)) != -1) {
			store_sysv_adopt(ss, i, id);
			if (ss->qid[i] >= 0)
				return ((int)i);
			continue;
		}
		if (errno == ENOSPC)	/* msgmni reached */
			return (-1);
		log_warn("key 0x%08x: msgget", (unsigned)ss->key[i]);
		ss->qid[i] = SYSV_FOREIGN;
	}
	return (-1);
}

/*
 * store_sysv_place - queue one part somewhere; the shard index, or -1
 * with errno ENOSPC when every shard is full and none can be made.
 */
static int
store_sysv_place(struct sysv_store *ss, long type, const uint8_t *buf,
    size_t len)
{
	unsigned	i, s;
	int		ns;

	for (i = 0; i < SYSV_SHARDS_MAX; i++) {
		s = (ss->cursor + i) % SYSV_SHARDS_MAX;
		if (ss->qid[s] < 0 || ss->shared[s])
			continue;
		if (msgq_send(ss->qid[s], type, buf, len) == 0) {
			ss->cursor = s;
			return ((int)s);
		}
		if (errno == EIDRM || errno == EINVAL) {
			log_warnx("queue %d was removed under us", ss->qid[s]);
			ss->qid[s] = SYSV_NONE;
			continue;
		}
		if (errno != EAGAIN)
			return (-1);
	}
	while ((ns = store_sysv_new_shard(ss)) != -1) {
		if (msgq_send(ss->qid[ns], type, buf, len) == 0) {
			ss->cursor = (unsigned)ns;
			return (ns);
		}
		if (errno != EAGAIN)
			return (-1);
	}
	errno = ENOSPC;
	return (-1);
}

static int
store_sysv_put(void *be, const struct mail *m, char **cause)
{
	struct sysv_store	*ss = be;
	struct sysv_msg		 sm;
	size_t			 len;
	uint16_t		 k, n = mail_part_count(m->len);
	int			 s, full = 0;

	memset(&sm, 0, sizeof sm);
	sm.parts = xcalloc(n, sizeof *sm.parts);
	for (k = 0; k < n; k++) {
		len = mail_part_encode(m, k, ss->buf);
		if ((s = store_sysv_place(ss, ss->next_type, ss->buf,
		    len)) == -1) {
			full = errno == ENOSPC;
			if (!full)
				xasprintf(cause, "msgsnd: %s",
				    strerror(errno));
			goto rollback;
		}
		sm.parts[k].shard = (uint16_t)s;
		sm.parts[k].type = ss->next_type++;
	}
	store_entry_set(&sm.e, m);
	sm.nparts = n;
	store_sysv_append(ss, &sm);
	return (0);

rollback:
	while (k-- > 0)
		msgq_take(ss->qid[sm.parts[k].shard], sm.parts[k].type, NULL,
		    0);
	free(sm.parts);
	return (full ? STORE_FULL : -1);
}


/* store_sysv_read_part - find part p in its shard by MSG_COPY. */
static int
store_sysv_read_part(struct sysv_store *ss, const struct sysv_part *p,
    struct mail *m, uint16_t k)
{
	struct part_hdr	 h;
	const uint8_t	*data;
	long		 idx, type;
	ssize_t		 n;
	int		 qid = ss->qid[p->shard];

	if (qid < 0)
		return (-1);
	for (idx = 0;; idx++) {
		if ((n = msgq_copy(qid, idx, &type, ss->buf,
		    sizeof ss->buf)) == -1)
			return (-1);
		if (type != p->type)
			continue;
		if (mail_part_decode(ss->buf, (size_t)n, &h, &data) != 0 ||
		    memcmp(h.id, m->id, MAIL_ID_LEN) != 0 || h.part != k)
			return (-1);
		memcpy(m->body + h.offset, data, h.datalen);
		return (0);
	}
}

static int
store_sysv_get(void *be, const uint8_t *id, struct mail *m, char **cause)
{
	struct sysv_store	*ss = be;
	struct sysv_msg		*sm;
	uint16_t		 k;

	if ((sm = idlist_get(ss->msgs, id)) == NULL) {
		*cause = xstrdup("no such message");
		return (-1);
	}
	store_entry_head(&sm->e, m);
	m->body = xmalloc(m->len + 1);
	for (k = 0; k < sm->nparts; k++) {
		if (store_sysv_read_part(ss, &sm->parts[k], m, k) != 0) {
			xasprintf(cause, "part %u of %u is missing from the "
			    "kernel store", k + 1, sm->nparts);
			mail_free(m);
			return (-1);
		}
	}
	m->body[m->len] = '\0';
	return (0);
}

static int
store_sysv_remove(void *be, const uint8_t *id)
{
	struct sysv_store	*ss = be;
	struct sysv_msg		*sm;
	uint16_t		 k;

	if ((sm = idlist_del(ss->msgs, id)) == NULL)
		return (-1);
	for (k = 0; k < sm->nparts; k++) {
		if (ss->qid[sm->parts[k].shard] < 0)
			continue;
		if (msgq_take(ss->qid[sm->parts[k].shard], sm->parts[k].type,
		    NULL, 0) == -1 && errno != ENOMSG)
			log_warn("queue %d: msgrcv type %ld",
			    ss->qid[sm->parts[k].shard], sm->parts[k].type);
	}
	store_sysv_free_msg(sm);
	return (0);
}

static size_t
store_sysv_count(void *be)
{
	return (idlist_count(((struct sysv_store *)be)->msgs));
}

static const struct store_entry *
store_sysv_entry(void *be, size_t i)
{
	struct sysv_msg	*sm = idlist_at(((struct sysv_store *)be)->msgs, i);

	return (sm != NULL ? &sm->e : NULL);
}

static const struct store_entry *
store_sysv_find(void *be, const uint8_t *id)
{
	struct sysv_msg	*sm = idlist_get(((struct sysv_store *)be)->msgs, id);

	return (sm != NULL ? &sm->e : NULL);
}

static size_t
store_sysv_objects(void *be, struct store_object *obj, size_t max)
{
	struct sysv_store	*ss = be;
	struct msqid_ds		 ds;
	size_t			 n = 0;
	unsigned		 i;

	for (i = 0; i < SYSV_SHARDS_MAX && n < max; i++) {
		if (ss->qid[i] < 0 || msgq_stat(ss->qid[i], &ds) == -1)
			continue;
		memset(&obj[n], 0, sizeof obj[n]);
		obj[n].role = "mail store shard";
		obj[n].key = (int)ss->key[i];
		obj[n].id = ss->qid[i];
		obj[n].mode = ds.msg_perm.mode & 0777;
		obj[n].uid = ds.msg_perm.uid;
		obj[n].messages = ds.msg_qnum;
		obj[n].bytes = ds.__msg_cbytes;
		obj[n].capacity = ds.msg_qbytes;
		n++;
	}
	return (n);
}

/*
 * store_sysv_capacity - the shards we may use: those made hold what
 * the kernel gave them, those not made yet what it gives now.
 */
static void
store_sysv_capacity(void *be, struct store_capacity *cap)
{
	struct sysv_store	*ss = be;
	struct msqid_ds		 ds;
	unsigned long		 each = store_sysv_msgmnb(ss), q;
	unsigned		 i;

	cap->queue_bytes = each;
	cap->bound = "kernel.msgmnb";
	for (i = 0; i < ss->max_shards; i++) {
		if (ss->qid[i] == SYSV_NONE)
			q = each;
		else if (ss->qid[i] >= 0 && !ss->shared[i] &&
		    msgq_stat(ss->qid[i], &ds) == 0)
			q = ds.msg_qbytes;
		else
			continue;
		cap->queues++;
		cap->total += q;
		cap->body_max += (uint64_t)(q / PART_MAX) * PART_DATA_MAX;
	}
}

static int
store_sysv_destroy(void *be)
{
	struct sysv_store	*ss = be;
	struct sysv_msg		*sm;
	unsigned		 i;
	size_t			 k;
	uint16_t		 p;
	int			 rc = 0;

	for (i = 0; i < SYSV_SHARDS_MAX; i++) {
		if (ss->qid[i] >= 0 && ss->shared[i]) {
			/* Another run directory's mail is in it. */
			for (k = 0; (sm = idlist_at(ss->msgs, k)) != NULL;
			    k++)
				for (p = 0; p < sm->nparts; p++)
					if (sm->parts[p].shard == i)
						msgq_take(ss->qid[i],
						    sm->parts[p].type,
						    NULL, 0);
			log_warnx("queue %d is shared with another run "
			    "directory: only our parts removed", ss->qid[i]);
		} else if (ss->qid[i] >= 0 && msgq_remove(ss->qid[i]) == -1) {
			log_warn("msgctl %d IPC_RMID", ss->qid[i]);
			rc = -1;
		}
		ss->qid[i] = SYSV_NONE;
	}
	store_sysv_close(ss);
	return (rc);
}

const struct store_ops store_sysv_ops = {
	.name = "sysv",
	.open = store_sysv_open,
	.close = store_sysv_close,
	.put = store_sysv_put,
	.get = store_sysv_get,
	.remove = store_sysv_remove,
	.count = store_sysv_count,
	.entry = store_sysv_entry,
	.find = store_sysv_find,
	.objects = store_sysv_objects,
	.capacity = store_sysv_capacity,
	.destroy = store_sysv_destroy,
};

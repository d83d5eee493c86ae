/*
 * store.c - the backend-neutral half of the mail store: dispatch to the
 * backend, and the queries every backend gets for free from its index.
 * What each mailbox holds (store_unread, asked twice for every message
 * sent) is tallied as mail comes and goes, not counted from the index.
 */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "store.h"
#include "xmalloc.h"

#define STORE_BOXES	256	/* hash buckets of mailbox tallies */

/* What one mailbox holds; only mailboxes that hold mail have one. */
struct store_box {
	char			 name[PROTO_NAME_MAX + 1];
	size_t			 count;
	uint64_t		 bytes;
	struct store_box	*next;
};

struct store {
	const struct store_ops	*ops;
	void			*be;
	struct store_box	*boxes[STORE_BOXES];
};

/* store_box_find - where the tally of name is, or would be linked. */
static struct store_box **
store_box_find(struct store *st, const char *name)
{
	struct store_box	**pp;
	uint32_t		  h;

	h = record_sum(name, strlen(name), RECORD_SUM_SEED);
	for (pp = &st->boxes[h % STORE_BOXES]; *pp != NULL;
	    pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			break;
	return (pp);
}

/* store_box_add - count one message of len bytes in or (sign -1) out. */
static void
store_box_add(struct store *st, const char *name, uint32_t len, int sign)
{
	struct store_box	**pp = store_box_find(st, name), *b = *pp;

	if (sign > 0) {
		if (b == NULL) {
			b = *pp = xcalloc(1, sizeof *b);
			strncpy(b->name, name, sizeof b->name - 1);
		}
		b->count++;
		b->bytes += len;
	} else if (b != NULL) {
		b->bytes -= len;
		if (--b->count == 0) {
			*pp = b->next;
			free(b);
		}
	}
}

static void
store_box_free(struct store *st)
{
	struct store_box	*b;
	size_t			 i;

	for (i = 0; i < STORE_BOXES; i++) {
		while ((b = st->boxes[i]) != NULL) {
			st->boxes[i] = b->next;
			free(b);
		}
	}
}

/*
 * store_open - open the store and index the mail a previous server left
 * in the kernel.  Only an owner (the server, --purge) creates shards and
 * repairs what a crash left; others just look.
 */
struct store *
store_open(const struct store_ops *ops, const struct store_config *cfg,
    int owner, char **cause)
{
	const struct store_entry	*e;
	struct store			*st;
	void				*be;
	size_t				 i, n;

	if ((be = ops->open(cfg, owner, cause)) == NULL)
		return (NULL);
	st = xcalloc(1, sizeof *st);
	st->ops = ops;
	st->be = be;
	n = store_count(st);
	for (i = 0; i < n; i++) {
		e = store_entry(st, i);
		store_box_add(st, e->to, e->len, 1);
	}
	return (st);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	store_box_free(st);
	free(st);
}

/*
 * store_put - keep m; 0, STORE_FULL (nothing kept) or -1.  An id is
 * stored once: the server checks before, and this makes sure.
 */
int
store_put(struct store *st, const struct mail *m, char **cause)
{
	int	rc;

	if (store_find(st, m->id) != NULL) {
		xasprintf(cause, "a message with this id is stored already");
		return (-1);
	}
	if ((rc = st->ops->put(st->be, m, cause)) == 0)
		store_box_add(st, m->to, m->len, 1);
	return (rc);
}

/* store_get - read message id back, body included; it stays stored. */
int
store_get(struct store *st, const uint8_t *id, struct mail *m, char **cause)
{
	return (st->ops->get(st->be, id, m, cause));
}

/* store_remove - drop message id; 0, or -1 if there is no such message. */
int
store_remove(struct store *st, const uint8_t *id)
{
	const struct store_entry	*e;
	char				 to[PROTO_NAME_MAX + 1];
	uint32_t			 len;

	if ((e = store_find(st, id)) == NULL)
		return (-1);
	memcpy(to, e->to, sizeof to);
	to[PROTO_NAME_MAX] = '\0';
	len = e->len;
	if (st->ops->remove(st->be, id) != 0)
		return (-1);
	store_box_add(st, to, len, -1);
	return (0);
}

size_t
store_count(struct store *st)
{
	return (st->ops->count(st->be));
}

/* store_entry - the i-th message, in arrival order. */
const struct store_entry *
store_entry(struct store *st, size_t i)
{
	return (st->ops->entry(st->be, i));
}

/* store_find - the message with this id, or NULL; a hash lookup. */
const struct store_entry *
store_find(struct store *st, const uint8_t *id)
{
	return (st->ops->find(st->be, id));
}

/* store_unread - messages (and, in *bytes, body bytes) waiting for to. */
size_t
store_unread(struct store *st, const char *to, uint64_t *bytes)
{
	const struct store_box	*b = *store_box_find(st, to);

	if (bytes != NULL)
		*bytes = b != NULL ? b->bytes : 0;
	return (b != NULL ? b->count : 0);
}

/* store_objects - describe up to max kernel objects; returns how many. */
size_t
store_objects(struct store *st, struct store_object *obj, size_t max)
{
	return (st->ops->objects(st->be, obj, max));
}

/* store_capacity - what the store's kernel objects can hold. */
void
store_capacity(struct store *st, struct store_capacity *cap)
{
	memset(cap, 0, sizeof *cap);
	st->ops->capacity(st->be, cap);
}

/* store_destroy - remove every kernel object, mail included. */
int
store_destroy(struct store *st)
{
	int	rc = st->ops->destroy(st->be);

	store_box_free(st);
	free(st);
	return (rc);
}

/* store_entry_set - index entry of m (for a backend's put). */
void
store_entry_set(struct store_entry *e, const struct mail *m)
{
	memset(e, 0, sizeof *e);
	memcpy(e->id, m->id, sizeof e->id);
	memcpy(e->from, m->from, sizeof e->from);
	memcpy(e->to, m->to, sizeof e->to);
	e->date = m->date;
	e->len = m->len;
	e->metalen = m->metalen;
	mail_summary(m->body, m->len, m->metalen, e->first, sizeof e->first,
	    e->subject, sizeof e->subject, e->addr, sizeof e->addr);
}

/* store_entry_head - m's header from its entry, no body (for a get). */
void
store_entry_head(const struct store_entry *e, struct mail *m)
{
	memcpy(m->id, e->id, sizeof m->id);
	memcpy(m->from, e->from, sizeof m->from);
	memcpy(m->to, e->to, sizeof m->to);
	m->date = e->date;
	m->len = e->len;
	m->metalen = e->metalen;
}

/*
 * store.c - the backend-neutral half of the mail store: dispatch to the
 * backend, and the queries every backend gets for free from its index.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "xmalloc.h"

struct store {
	const struct store_ops	*ops;
	void			*be;
};

/*
 * store_open - open the store and index the mail a previous server left
 * in the kernel.  Only an owner (the server, --purge) creates shards and
 * repairs what a crash left; others just look.
 */
struct store *
store_open(const struct store_ops *ops, const struct store_config *cfg,
    int owner, char **cause)
{
	struct store	*st;
	void		*be;

	if ((be = ops->open(cfg, owner, cause)) == NULL)
		return (NULL);
	st = xmalloc(sizeof *st);
	st->ops = ops;
	st->be = be;
	return (st);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	free(st);
}

/* store_put - keep m; 0, STORE_FULL (nothing kept) or -1. */
int
store_put(struct store *st, const struct mail *m, char **cause)
{
	return (st->ops->put(st->be, m, cause));
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
	return (st->ops->remove(st->be, id));
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

const struct store_entry *
store_find(struct store *st, const uint8_t *id)
{
	const struct store_entry	*e;
	size_t				 i, n = store_count(st);

	for (i = 0; i < n; i++) {
		e = store_entry(st, i);
		if (memcmp(e->id, id, MAIL_ID_LEN) == 0)
			return (e);
	}
	return (NULL);
}

/* store_unread - messages (and, in *bytes, body bytes) waiting for to. */
size_t
store_unread(struct store *st, const char *to, uint64_t *bytes)
{
	const struct store_entry	*e;
	size_t				 i, n = store_count(st), count = 0;
	uint64_t			 total = 0;

	for (i = 0; i < n; i++) {
		e = store_entry(st, i);
		if (strcmp(e->to, to) == 0) {
			count++;
			total += e->len;
		}
	}
	if (bytes != NULL)
		*bytes = total;
	return (count);
}

/* store_objects - describe up to max kernel objects; returns how many. */
size_t
store_objects(struct store *st, struct store_object *obj, size_t max)
{
	return (st->ops->objects(st->be, obj, max));
}

/* store_destroy - remove every kernel object, mail included. */
int
store_destroy(struct store *st)
{
	int	rc = st->ops->destroy(st->be);

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
	mail_first_line(m->body, m->len, e->first, sizeof e->first);
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
}

/*
 * idlist.c - items (pointers, not copies) kept in the order they were
 * added and found by id through an idmap, so neither a lookup nor a
 * removal walks the items and compares ids.  A removal finds the item's
 * place by comparing pointers from the oldest on (mail is mostly taken
 * oldest first, so the search is short) and moves the later pointers
 * down one.  Nothing here knows about mail.
 */
#include <stdlib.h>
#include <string.h>

#include "idlist.h"
#include "idmap.h"
#include "xmalloc.h"

struct idlist {
	void		**v;		/* arrival order */
	size_t		  n;
	size_t		  cap;
	struct idmap	 *byid;		/* id -> item */
};

struct idlist *
idlist_new(void)
{
	struct idlist	*l = xcalloc(1, sizeof *l);

	l->byid = idmap_new();
	return (l);
}

/* idlist_free - free the list, and each item with fn unless it is NULL. */
void
idlist_free(struct idlist *l, void (*fn)(void *))
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; fn != NULL && i < l->n; i++)
		fn(l->v[i]);
	free(l->v);
	idmap_free(l->byid);
	free(l);
}

/*
 * idlist_add - item (not NULL), under id, after every other: 0; or -1,
 * nothing added, if an item has that id already.
 */
int
idlist_add(struct idlist *l, const uint8_t *id, void *item)
{
	if (idmap_get(l->byid, id) != NULL)
		return (-1);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = item;
	idmap_put(l->byid, id, item);
	return (0);
}

/* idlist_get - the item with this id, or NULL. */
void *
idlist_get(const struct idlist *l, const uint8_t *id)
{
	return (idmap_get(l->byid, id));
}

/* idlist_del - take out the item with this id; it, or NULL. */
void *
idlist_del(struct idlist *l, const uint8_t *id)
{
	void	*item = idmap_del(l->byid, id);
	size_t	 i;

	if (item == NULL)
		return (NULL);
	for (i = 0; i < l->n; i++) {
		if (l->v[i] == item) {
			memmove(&l->v[i], &l->v[i + 1],
			    (l->n - i - 1) * sizeof *l->v);
			l->n--;
			break;
		}
	}
	return (item);
}

size_t
idlist_count(const struct idlist *l)
{
	return (l->n);
}

/* idlist_at - the i-th item in order, or NULL past the end. */
void *
idlist_at(const struct idlist *l, size_t i)
{
	return (i < l->n ? l->v[i] : NULL);
}

/* idlist_sort - reorder; cmp gets pointers to two item pointers. */
void
idlist_sort(struct idlist *l, int (*cmp)(const void *, const void *))
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, cmp);
}

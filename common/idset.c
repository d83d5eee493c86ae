/*
 * idset.c - a bounded set of 16-byte ids.  The ids sit in a ring in
 * the order they were added; when the ring is full, adding one forgets
 * the oldest.  An idmap from id to ring slot finds an id in constant
 * time.  Nothing here knows about mail.
 */
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "idset.h"
#include "xmalloc.h"

struct idset {
	uint8_t		(*id)[IDSET_ID_LEN];	/* the ring */
	uint8_t		*used;		/* slot holds an id */
	struct idmap	*where;		/* id -> its slot + 1 */
	size_t		 cap;		/* ring slots */
	size_t		 head;		/* next slot to fill */
};

/* idset_new - an empty set that remembers at most cap ids. */
struct idset *
idset_new(size_t cap)
{
	struct idset	*set = xcalloc(1, sizeof *set);

	if (cap == 0)
		cap = 1;
	set->cap = cap;
	set->id = xreallocarray(NULL, cap, IDSET_ID_LEN);
	set->used = xcalloc(cap, 1);
	set->where = idmap_new();
	return (set);
}

void
idset_free(struct idset *set)
{
	if (set == NULL)
		return;
	free(set->id);
	free(set->used);
	idmap_free(set->where);
	free(set);
}

/* idset_add - remember id (once), forgetting the oldest if full. */
void
idset_add(struct idset *set, const uint8_t *id)
{
	size_t	i = set->head;

	if (idmap_get(set->where, id) != NULL)
		return;
	if (set->used[i])
		idmap_del(set->where, set->id[i]);
	memcpy(set->id[i], id, IDSET_ID_LEN);
	idmap_put(set->where, id, (void *)(uintptr_t)(i + 1));
	set->used[i] = 1;
	set->head = (set->head + 1) % set->cap;
}

/* idset_has - 1 if id is remembered. */
int
idset_has(const struct idset *set, const uint8_t *id)
{
	return (idmap_get(set->where, id) != NULL);
}

/* idset_del - forget id, if remembered. */
void
idset_del(struct idset *set, const uint8_t *id)
{
	uintptr_t	i = (uintptr_t)idmap_del(set->where, id);

	if (i != 0)
		set->used[i - 1] = 0;
}

size_t
idset_count(const struct idset *set)
{
	return (idmap_count(set->where));
}

/* idset_foreach - call fn on every id, oldest first. */
void
idset_foreach(const struct idset *set, void (*fn)(const uint8_t *, void *),
    void *arg)
{
	size_t	i, k;

	for (k = 0; k < set->cap; k++) {
		i = (set->head + k) % set->cap;
		if (set->used[i])
			fn(set->id[i], arg);
	}
}

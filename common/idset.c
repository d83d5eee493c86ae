/*
 * idset.c - a bounded set of 16-byte ids.  The ids sit in a ring in
 * the order they were added; when the ring is full, adding one forgets
 * the oldest.  A chained hash over the ring's slots finds an id in
 * constant time.  Ids are random (uuids), so their first bytes are a
 * good enough hash.  Nothing here knows about mail.
 */
#include <stdlib.h>
#include <string.h>

#include "idset.h"
#include "xmalloc.h"

#define IDSET_NONE	UINT32_MAX

struct idset {
	uint8_t		(*id)[IDSET_ID_LEN];	/* the ring */
	uint32_t	*next;		/* hash chain through ring slots */
	uint8_t		*used;		/* slot holds an id */
	uint32_t	*bucket;	/* first slot of each chain */
	size_t		 cap;		/* ring slots */
	size_t		 nbucket;	/* a power of two */
	size_t		 head;		/* next slot to fill */
	size_t		 n;
};

/* idset_hash - the bucket of an id. */
static size_t
idset_hash(const struct idset *set, const uint8_t *id)
{
	uint64_t	h;

	memcpy(&h, id, sizeof h);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return ((size_t)h & (set->nbucket - 1));
}

/* idset_new - an empty set that remembers at most cap ids. */
struct idset *
idset_new(size_t cap)
{
	struct idset	*set = xcalloc(1, sizeof *set);
	size_t		 i;

	if (cap == 0)
		cap = 1;
	set->cap = cap;
	for (set->nbucket = 1; set->nbucket < cap; set->nbucket *= 2)
		;
	set->id = xreallocarray(NULL, cap, IDSET_ID_LEN);
	set->next = xreallocarray(NULL, cap, sizeof *set->next);
	set->used = xcalloc(cap, 1);
	set->bucket = xreallocarray(NULL, set->nbucket, sizeof *set->bucket);
	for (i = 0; i < set->nbucket; i++)
		set->bucket[i] = IDSET_NONE;
	return (set);
}

void
idset_free(struct idset *set)
{
	if (set == NULL)
		return;
	free(set->id);
	free(set->next);
	free(set->used);
	free(set->bucket);
	free(set);
}

/* idset_find - the slot holding id, or IDSET_NONE. */
static uint32_t
idset_find(const struct idset *set, const uint8_t *id)
{
	uint32_t	i;

	for (i = set->bucket[idset_hash(set, id)]; i != IDSET_NONE;
	    i = set->next[i])
		if (memcmp(set->id[i], id, IDSET_ID_LEN) == 0)
			return (i);
	return (IDSET_NONE);
}

/* idset_unlink - take slot i out of its chain and empty it. */
static void
idset_unlink(struct idset *set, uint32_t i)
{
	uint32_t	*p = &set->bucket[idset_hash(set, set->id[i])];

	while (*p != i)
		p = &set->next[*p];
	*p = set->next[i];
	set->used[i] = 0;
	set->n--;
}

/* idset_add - remember id (once), forgetting the oldest if full. */
void
idset_add(struct idset *set, const uint8_t *id)
{
	uint32_t	i = (uint32_t)set->head;
	size_t		b;

	if (idset_find(set, id) != IDSET_NONE)
		return;
	if (set->used[i])
		idset_unlink(set, i);
	memcpy(set->id[i], id, IDSET_ID_LEN);
	b = idset_hash(set, id);
	set->next[i] = set->bucket[b];
	set->bucket[b] = i;
	set->used[i] = 1;
	set->n++;
	set->head = (set->head + 1) % set->cap;
}

/* idset_has - 1 if id is remembered. */
int
idset_has(const struct idset *set, const uint8_t *id)
{
	return (idset_find(set, id) != IDSET_NONE);
}

/* idset_del - forget id, if remembered. */
void
idset_del(struct idset *set, const uint8_t *id)
{
	uint32_t	i = idset_find(set, id);

	if (i != IDSET_NONE)
		idset_unlink(set, i);
}

size_t
idset_count(const struct idset *set)
{
	return (set->n);
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

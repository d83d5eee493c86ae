/*
 * idmap.c - a hash map from 16-byte ids to (non-NULL) pointers: open
 * addressing with linear probing, at most half full, and deletion by
 * shifting the rest of a run back, so no tombstones pile up.  Ids come
 * from senders, who may choose them; each half of an id is mixed with a
 * random key taken when the map is made and through a full 64-bit
 * finalizer (every input bit reaches every slot bit), so a sender who
 * does not know the key cannot aim ids at one run of slots.  (A quick
 * mix, not a cryptographic hash.)  Nothing here knows about mail.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idmap.h"
#include "io.h"
#include "xmalloc.h"

#define IDMAP_MIN	64	/* slots of a new map; a power of two */

struct idmap_slot {
	uint8_t	 id[IDMAP_ID_LEN];
	void	*val;		/* NULL: the slot is empty */
};

struct idmap {
	struct idmap_slot	*slot;
	size_t			 cap;	/* a power of two */
	size_t			 n;
	uint64_t		 key[2];
};

/* idmap_mix - MurmurHash3's 64-bit finalizer: a bijection in which
 * every input bit changes about half the output bits. */
static uint64_t
idmap_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (x);
}

/* idmap_hash - the home slot of id. */
static size_t
idmap_hash(const struct idmap *map, const uint8_t *id)
{
	uint64_t	a, b;

	memcpy(&a, id, sizeof a);
	memcpy(&b, id + sizeof a, sizeof b);
	return ((size_t)idmap_mix(idmap_mix(a ^ map->key[0]) ^ b ^
	    map->key[1]) & (map->cap - 1));
}

/* idmap_find - the slot holding id, or the empty slot it would take. */
static size_t
idmap_find(const struct idmap *map, const uint8_t *id)
{
	size_t	i = idmap_hash(map, id);

	while (map->slot[i].val != NULL &&
	    memcmp(map->slot[i].id, id, IDMAP_ID_LEN) != 0)
		i = (i + 1) & (map->cap - 1);
	return (i);
}

/* idmap_new - an empty map. */
struct idmap *
idmap_new(void)
{
	struct idmap	*map = xcalloc(1, sizeof *map);

	map->cap = IDMAP_MIN;
	map->slot = xcalloc(map->cap, sizeof *map->slot);
	if (io_random(map->key, sizeof map->key) != 0) {
		/* No kernel randomness: a weaker key is still a key. */
		map->key[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)map;
		map->key[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ULL;
	}
	return (map);
}

void
idmap_free(struct idmap *map)
{
	if (map == NULL)
		return;
	free(map->slot);
	free(map);
}

/* idmap_get - what id maps to, or NULL. */
void *
idmap_get(const struct idmap *map, const uint8_t *id)
{
	return (map->slot[idmap_find(map, id)].val);
}

/* idmap_grow - twice the slots, every id placed again. */
static void
idmap_grow(struct idmap *map)
{
	struct idmap_slot	*old = map->slot;
	size_t			 i, j, cap = map->cap;

	map->cap = cap * 2;
	map->slot = xcalloc(map->cap, sizeof *map->slot);
	for (i = 0; i < cap; i++) {
		if (old[i].val == NULL)
			continue;
		j = idmap_find(map, old[i].id);
		map->slot[j] = old[i];
	}
	free(old);
}

/* idmap_put - map id to val (not NULL), replacing what it mapped to. */
void
idmap_put(struct idmap *map, const uint8_t *id, void *val)
{
	size_t	i;

	if ((map->n + 1) * 2 > map->cap)
		idmap_grow(map);
	i = idmap_find(map, id);
	if (map->slot[i].val == NULL) {
		memcpy(map->slot[i].id, id, IDMAP_ID_LEN);
		map->n++;
	}
	map->slot[i].val = val;
}

/*
 * idmap_del - forget id; what it mapped to, or NULL.  Each entry after
 * the hole in the same run moves back into it unless its home slot
 * lies (cyclically) after the hole, where a lookup would stop short.
 */
void *
idmap_del(struct idmap *map, const uint8_t *id)
{
	size_t	 mask = map->cap - 1, i = idmap_find(map, id), j, k;
	void	*val = map->slot[i].val;

	if (val == NULL)
		return (NULL);
	for (j = i;;) {
		j = (j + 1) & mask;
		if (map->slot[j].val == NULL)
			break;
		k = idmap_hash(map, map->slot[j].id);
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			map->slot[i] = map->slot[j];
			i = j;
		}
	}
	map->slot[i].val = NULL;
	map->n--;
	return (val);
}

size_t
idmap_count(const struct idmap *map)
{
	return (map->n);
}

/*
 * idmap_displacement - how many slots past their home slot the ids sit,
 * all together: a lookup of each id costs its displacement + 1 probes.
 * For tests; with a sound hash the mean stays near 1 at half load.
 */
size_t
idmap_displacement(const struct idmap *map)
{
	size_t	i, total = 0, mask = map->cap - 1;

	for (i = 0; i < map->cap; i++)
		if (map->slot[i].val != NULL)
			total += (i - idmap_hash(map, map->slot[i].id)) & mask;
	return (total);
}

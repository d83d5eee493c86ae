/*
 * idmap.h - a hash map from 16-byte ids to pointers: the mail store
 * finds a message by its id with it, and idset remembers recent ids.
 */
#ifndef IDMAP_H
#define IDMAP_H

#include <stddef.h>
#include <stdint.h>

#define IDMAP_ID_LEN	16

struct idmap;

struct idmap *idmap_new(void);
void	idmap_free(struct idmap *);
void	*idmap_get(const struct idmap *, const uint8_t *);
void	idmap_put(struct idmap *, const uint8_t *, void *);
void	*idmap_del(struct idmap *, const uint8_t *);
size_t	idmap_count(const struct idmap *);
size_t	idmap_displacement(const struct idmap *);

#endif

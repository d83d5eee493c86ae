/*
 * idset.h - a bounded set of 16-byte ids that forgets the oldest first:
 * mailserv remembers the ids of the messages it accepted, so a sender's
 * retry of one of them is answered "sent" again, not stored twice.
 */
#ifndef IDSET_H
#define IDSET_H

#include <stddef.h>
#include <stdint.h>

#define IDSET_ID_LEN	16

struct idset;

struct idset *idset_new(size_t);
void	idset_free(struct idset *);
void	idset_add(struct idset *, const uint8_t *);
int	idset_has(const struct idset *, const uint8_t *);
void	idset_del(struct idset *, const uint8_t *);
size_t	idset_count(const struct idset *);
void	idset_foreach(const struct idset *, void (*)(const uint8_t *, void *),
	    void *);

#endif

/*
 * idlist.h - items kept in arrival order and found by their 16-byte id:
 * the index of each mail store backend and of the spool.
 */
#ifndef IDLIST_H
#define IDLIST_H

#include <stddef.h>
#include <stdint.h>

struct idlist;

struct idlist *idlist_new(void);
void	idlist_free(struct idlist *, void (*)(void *));
int	idlist_add(struct idlist *, const uint8_t *, void *);
void	*idlist_get(const struct idlist *, const uint8_t *);
void	*idlist_del(struct idlist *, const uint8_t *);
size_t	idlist_count(const struct idlist *);
void	*idlist_at(const struct idlist *, size_t);
void	idlist_sort(struct idlist *, int (*)(const void *, const void *));

#endif

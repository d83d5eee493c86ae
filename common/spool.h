/*
 * spool.h - the durable spool: every accepted message on disk, fsync'd
 * before its sender hears "sent", until its reader has it.  The kernel
 * store is the live store; the spool is what survives the machine.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "mail.h"

struct spool;

struct spool *spool_open(int, const char *, char **);
void	spool_close(struct spool *);
void	spool_put(struct spool *, const struct mail *);
void	spool_done(struct spool *, const uint8_t *);
void	spool_cancel(struct spool *, const uint8_t *);
int	spool_delivered(struct spool *, const uint8_t *);
int	spool_dirty(struct spool *);
int	spool_commit(struct spool *, char **);
int	spool_commit_begin(struct spool *);
int	spool_commit_write(struct spool *);
int	spool_commit_end(struct spool *, char **);
size_t	spool_count(struct spool *);
int	spool_get(struct spool *, size_t, struct mail *, char **);
int	spool_has(struct spool *, const uint8_t *);
int	spool_get_id(struct spool *, const uint8_t *, struct mail *, char **);
int	spool_compact(struct spool *, char **);
uint64_t spool_size(struct spool *);
uint64_t spool_syncs(struct spool *);
uint64_t spool_live_bytes(struct spool *);
int	spool_dirfd(struct spool *);

#endif

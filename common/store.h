/*
 * store.h - the mail store: where accepted mail waits for its reader.
 * A backend keeps messages in kernel objects that outlive every
 * process; this interface is all the server sees of it.  The store
 * indexes what it holds so listing needs no kernel round trip; bodies
 * are read back from the kernel on demand.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mail.h"

#define STORE_FULL	1	/* store_put: no room; nothing stored */

struct store_entry {
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
	char		to[PROTO_NAME_MAX + 1];
	int64_t		date;
	uint32_t	len;
	uint32_t	metalen;
	char		first[PROTO_FIRST_MAX];
	char		subject[PROTO_SUBJECT_MAX];
	char		addr[PROTO_ADDR_MAX];	/* outside sender, or "" */
};

struct store_config {
	const char	*keyfile;	/* ftok() anchor */
	uint8_t		 dirid[MAIL_ID_LEN]; /* the run directory's random id */
	unsigned	 max_shards;	/* kernel objects the store may use */
};

/* One kernel object of the store, for --status. */
struct store_object {
	const char	*role;
	char		 name[128];	/* POSIX objects have names, not keys */
	int		 key;
	int		 id;
	unsigned	 mode;
	unsigned	 uid;
	unsigned long	 messages;
	unsigned long	 bytes;
	unsigned long	 capacity;
};

/*
 * What the store can hold, from what the kernel gives its queues: the
 * queues it may use, what each new one holds (kernel.msgmnb for SysV,
 * fs.mqueue.msg_max parts for POSIX), and all of them together.
 */
struct store_capacity {
	unsigned long	 queues;
	unsigned long	 queue_bytes;
	uint64_t	 total;
	uint64_t	 body_max;	/* the largest body one message fits */
	const char	*bound;		/* what bounds it, for the log */
};

struct store;

struct store_ops {
	const char *name;
	void	*(*open)(const struct store_config *, int, char **);
	void	 (*close)(void *);
	int	 (*put)(void *, const struct mail *, char **);
	int	 (*get)(void *, const uint8_t *, struct mail *, char **);
	int	 (*remove)(void *, const uint8_t *);
	size_t	 (*count)(void *);
	const struct store_entry *(*entry)(void *, size_t);
	const struct store_entry *(*find)(void *, const uint8_t *);
	size_t	 (*objects)(void *, struct store_object *, size_t);
	void	 (*capacity)(void *, struct store_capacity *);
	int	 (*destroy)(void *);
};

extern const struct store_ops store_sysv_ops;
extern const struct store_ops store_posix_ops;

struct store *store_open(const struct store_ops *, const struct store_config *,
	    int, char **);
void	store_close(struct store *);
int	store_put(struct store *, const struct mail *, char **);
int	store_get(struct store *, const uint8_t *, struct mail *, char **);
int	store_remove(struct store *, const uint8_t *);
size_t	store_count(struct store *);
const struct store_entry *store_entry(struct store *, size_t);
const struct store_entry *store_find(struct store *, const uint8_t *);
size_t	store_unread(struct store *, const char *, uint64_t *);
size_t	store_objects(struct store *, struct store_object *, size_t);
void	store_capacity(struct store *, struct store_capacity *);
int	store_destroy(struct store *);
void	store_entry_set(struct store_entry *, const struct mail *);
void	store_entry_head(const struct store_entry *, struct mail *);

#endif

/*
 * table.h - the online-user table: who is logged in, published by
 * mailserv in shared memory so that `mailcli who` reads it directly,
 * with no server round trip.  Only mailserv writes it, and only
 * mailserv may change its lock; readers take no lock (table.c).
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define TABLE_DND	0x1	/* the user said mesg n */
#define TABLE_AWAY	0x2	/* the user is away: away holds why */

/*
 * One logged-in session.  active is when it last sent a command or a
 * line (idle time is the reader's now minus it); mailserv writes it at
 * most once a second a session.  flags and away are the user's, the
 * same in every session of that user.
 */
struct table_user {
	char		name[PROTO_NAME_MAX + 1];
	char		tty[PROTO_TTY_MAX];
	int32_t		pid;
	uint32_t	uid;
	int64_t		since;
	int64_t		active;
	uint32_t	flags;		/* TABLE_DND, TABLE_AWAY */
	char		away[PROTO_AWAY_MAX + 1];
	uint8_t		pad[3];
};

struct table_info {
	int32_t		server_pid;
	uint32_t	server_uid;
	int64_t		started;
	uint32_t	nslots;
	uint32_t	used;
};

/* One kernel object of the table, for --status. */
struct table_object {
	const char	*role;
	char		 name[96];	/* POSIX objects have names, not keys */
	int		 key;
	int		 id;
	unsigned	 mode;
	unsigned	 uid;
	unsigned long	 size;
	unsigned long	 attached;
};

struct table_ops {
	const char *name;
	void	*(*create)(const char *, unsigned, char **);
	void	*(*attach)(const char *, char **);
	int	 (*add)(void *, const struct table_user *);
	void	 (*del)(void *, int);
	void	 (*set)(void *, int, const struct table_user *);	/* anew */
	int	 (*read)(void *, struct table_user **, size_t *,
		    struct table_info *, char **);
	size_t	 (*objects)(const char *, struct table_object *, size_t);
	int	 (*purge)(const char *, char **);
	void	 (*detach)(void *);
	void	 (*destroy)(void *);
	int	 (*present)(void *, char **);	/* our objects still there? */
};

extern const struct table_ops table_sysv_ops;
extern const struct table_ops table_posix_ops;

/* table.c: the layout in shared memory, for the backends. */
size_t	table_size(uint32_t);
void	table_init(void *, uint32_t);
int64_t	table_check(const void *, size_t, char **);
void	table_prefault(const void *, uint32_t);
void	table_write(void *, int, const struct table_user *);
void	table_write_begin(void *, int);
void	table_write_end(void *, int, const struct table_user *);
int	table_free_slot(const void *, uint32_t);
/* A reader's wait before it tries a moving slot again: 0, or -1 to stop. */
typedef int (*table_pause_fn)(void *, int, char **);
int	table_read(const void *, uint32_t, struct table_user **, size_t *,
	    struct table_info *, int, table_pause_fn, void *, char **);

/* idle.c: a session's idle time as who shows it. */
#define IDLE_TEXT_MAX	24
void	idle_format(int64_t, int64_t, char *, size_t);

#endif

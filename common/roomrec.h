/*
 * roomrec.h - a room as the store and the spool keep it: its lines are
 * messages addressed to the room, each body opened by a line header
 * (its sequence number), and its metadata is one snapshot message
 * rewritten on every change.  Also the ring of a room's line index,
 * bounded by --room-history.  Pure: no IPC here.
 */
#ifndef ROOMREC_H
#define ROOMREC_H

#include <stddef.h>
#include <stdint.h>

#include "mail.h"
#include "proto.h"

#define ROOMREC_LINE_MAGIC	0x314c5249u	/* "IRL1" */
#define ROOMREC_SNAP_MAGIC	0x32535249u	/* "IRS2": with who set the
						   topic and when */
#define ROOMREC_SNAP1_MAGIC	0x31535249u	/* "IRS1": read, not written */
#define ROOMREC_MEMBERS_MAX	65536
#define ROOMREC_INVITES_MAX	65536

#define ROOMREC_PRIVATE	0x1
#define ROOMREC_LOCKED	0x2

struct roomrec_line_hdr {
	uint32_t	magic;
	uint32_t	pad;
	uint64_t	seq;
};

struct roomrec_member {
	char		name[PROTO_NAME_MAX + 1];
	uint8_t		pad[7];
	uint64_t	read;		/* the last line read: its seq */
};

struct roomrec_invite {
	char		name[PROTO_NAME_MAX + 1];
};

/* A snapshot, decoded; the lists are allocated. */
struct roomrec_snap {
	char			 owner[PROTO_NAME_MAX + 1];
	char			 topic[PROTO_TEXT_MAX];
	char			 topic_by[PROTO_NAME_MAX + 1]; /* "": unknown */
	int64_t			 topic_time;	/* 0: unknown (IRS1) */
	uint32_t		 flags;
	int64_t			 created;
	uint64_t		 gen;		/* higher: newer */
	uint64_t		 next_seq;	/* at the time of writing */
	struct roomrec_member	*members;
	size_t			 nmembers;
	struct roomrec_invite	*invites;
	size_t			 ninvites;
};

enum roomrec_kind { ROOMREC_BAD = 0, ROOMREC_LINE, ROOMREC_SNAP };

enum roomrec_kind roomrec_kind(const uint8_t *, size_t);
uint8_t	*roomrec_line_encode(uint64_t, const uint8_t *, size_t, size_t *);
int	roomrec_line_decode(const uint8_t *, size_t, uint64_t *,
	    const uint8_t **, size_t *);
uint8_t	*roomrec_snap_encode(const struct roomrec_snap *, size_t *);
int	roomrec_snap_decode(const uint8_t *, size_t, struct roomrec_snap *,
	    char **);
void	roomrec_snap_clear(struct roomrec_snap *);

/* The index of a room's lines in the store, oldest first, bounded. */
struct roomring_line {
	uint8_t		id[MAIL_ID_LEN];
	uint64_t	seq;
};

struct roomring {
	struct roomring_line	*v;
	size_t			 cap, head, n;
};

void	roomring_init(struct roomring *, size_t);
void	roomring_clear(struct roomring *);
int	roomring_push(struct roomring *, const uint8_t *, uint64_t,
	    struct roomring_line *);
const struct roomring_line *roomring_get(const struct roomring *, size_t);
size_t	roomring_after(const struct roomring *, uint64_t);
uint64_t roomring_last(const struct roomring *);

#endif

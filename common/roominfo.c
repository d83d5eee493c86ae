/*
 * roominfo.c - a REC_ROOMINFO on the wire: everything before the topic,
 * then the topic up to and with its NUL (protocol 7).  A join of a room
 * with 1000 members answers 1000 member lines; at the full 1 KiB each,
 * 1000 members joining at once had mailserv hold hundreds of MiB of
 * replies.  The reader zero-fills what was not sent.
 */
#include <string.h>

#include "roominfo.h"

#define ROOMINFO_HEAD	offsetof(struct proto_roominfo, topic)

/* roominfo_len - the bytes of ri to send; its topic is ended first. */
size_t
roominfo_len(struct proto_roominfo *ri)
{
	ri->topic[sizeof ri->topic - 1] = '\0';
	return (ROOMINFO_HEAD + strlen(ri->topic) + 1);
}

/*
 * roominfo_get - a REC_ROOMINFO payload of len bytes into *ri, every
 * string ended: 0, or -1 if it cannot be one (too short, too long, or
 * its topic not ended where the payload ends).
 */
int
roominfo_get(const void *payload, size_t len, struct proto_roominfo *ri)
{
	const char	*p = payload;

	if (len <= ROOMINFO_HEAD || len > sizeof *ri || p[len - 1] != '\0')
		return (-1);
	memset(ri, 0, sizeof *ri);
	memcpy(ri, payload, len);
	ri->room[PROTO_NAME_MAX] = ri->name[PROTO_NAME_MAX] = '\0';
	return (0);
}

/*
 * roominfo.h - the wire form of a REC_ROOMINFO (a room, a member, an
 * unread count): sent only up to its topic's NUL, so a member's line
 * costs some 100 bytes, not the 1 KiB topic field it does not use.
 */
#ifndef ROOMINFO_H
#define ROOMINFO_H

#include <stddef.h>

#include "proto.h"

size_t	roominfo_len(struct proto_roominfo *);
int	roominfo_get(const void *, size_t, struct proto_roominfo *);

#endif

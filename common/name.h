/*
 * name.h - user names as ipcmail accepts them: [a-z_][a-z0-9_-]{0,31};
 * room names: '#' and 1 to 31 of [a-z0-9._-], the first a letter or digit.
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

int	name_valid(const char *);
int	name_valid_field(const char *, size_t);
int	name_room_valid(const char *);
int	name_room_valid_field(const char *, size_t);
int	name_box_valid_field(const char *, size_t);

/* The mailbox of the server's per-user presence records (presence.c):
 * a box, never a recipient. */
#define NAME_PRESENCE_BOX	"%presence"
int	name_presence_box(const char *);

#define NAME_ROOM_MAX	32	/* '#' and at most 31 more: fits a name field */
#define NAME_ROOM_RULE	"'#' then 1 to 31 of [a-z0-9._-], starting with a letter or digit"

#endif

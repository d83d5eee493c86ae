/*
 * name.c - validation of user names and room names.  Names travel in
 * fixed fields of records and stored messages, so the fixed-field
 * checks also demand the terminating NUL inside the field.  A mailbox
 * (the "to" of a stored message) is a user or a room: a room's lines
 * are stored as messages addressed to the room; the server's presence
 * records, to NAME_PRESENCE_BOX.
 */
#include <string.h>

#include "name.h"
#include "proto.h"

/* name_valid - 1 if s is an acceptable user name. */
int
name_valid(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return (0);
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= PROTO_NAME_MAX)
			return (0);
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/* name_valid_field - name_valid for a fixed field of size bytes. */
int
name_valid_field(const char *field, size_t size)
{
	if (memchr(field, '\0', size) == NULL)
		return (0);
	return (name_valid(field));
}

/* name_room_valid - 1 if s is a room name: '#', then [a-z0-9][a-z0-9._-]{0,30}. */
int
name_room_valid(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] != '#')
		return (0);
	if (!((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= '0' && s[1] <= '9')))
		return (0);
	for (i = 2; s[i] != '\0'; i++) {
		if (i >= NAME_ROOM_MAX)
			return (0);
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

/* name_room_valid_field - name_room_valid for a fixed field. */
int
name_room_valid_field(const char *field, size_t size)
{
	if (memchr(field, '\0', size) == NULL)
		return (0);
	return (name_room_valid(field));
}

/* name_box_valid_field - a mailbox: a user name or a room name. */
int
name_box_valid_field(const char *field, size_t size)
{
	if (memchr(field, '\0', size) == NULL)
		return (0);
	return (name_valid(field) || name_room_valid(field) ||
	    name_presence_box(field));
}

/* name_presence_box - 1 if s is the presence records' box. */
int
name_presence_box(const char *s)
{
	return (s != NULL && strcmp(s, NAME_PRESENCE_BOX) == 0);
}

/*
 * name.h - user names as ipcmail accepts them: [a-z_][a-z0-9_-]{0,31}.
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

int	name_valid(const char *);
int	name_valid_field(const char *, size_t);

#endif

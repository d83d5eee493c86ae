/*
 * mention.h - whether a line names a user as a word (mention.c).
 */
#ifndef MENTION_H
#define MENTION_H

#include <stddef.h>

int	mention_match(const char *, size_t, const char *);

#endif

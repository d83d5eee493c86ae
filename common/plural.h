/*
 * plural.h - the noun that goes with a count in what the programs say:
 * "1 message", "2 messages", "0 messages".
 */
#ifndef PLURAL_H
#define PLURAL_H

const char	*plural(unsigned long long, const char *, const char *);

#endif

/*
 * number.h - a decimal number typed by a user (a count, a number of
 * seconds), read whole and bounded, as OpenBSD's strtonum(3) does.
 */
#ifndef NUMBER_H
#define NUMBER_H

int	number_parse(const char *, long long, long long, long long *);

#endif

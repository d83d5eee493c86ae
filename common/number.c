/*
 * number.c - a decimal number typed by a user: all of the string must
 * be digits (a leading '-' for a negative bound), and the value within
 * the bounds the caller gives.  What the number means, and what to say
 * when it is not one, is the caller's.
 */
#include <errno.h>
#include <stdlib.h>

#include "number.h"

/*
 * number_parse - S as a number from MIN to MAX into *V; 0, or -1 if S
 * is empty, has anything but the number, or is out of range (*V is
 * then left alone).
 */
int
number_parse(const char *s, long long min, long long max, long long *v)
{
	char		*end;
	long long	 n;

	if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t' || s[0] == '+')
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		return (-1);
	*v = n;
	return (0);
}

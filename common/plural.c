/*
 * plural.c - the noun that goes with a count, so the programs say
 * "You have 1 new message." and "kicked 2 sessions".  English only, as
 * is everything ipcmail says.
 */
#include "plural.h"

/* plural - one when n is 1, else many (zero takes the plural). */
const char *
plural(unsigned long long n, const char *one, const char *many)
{
	return (n == 1 ? one : many);
}

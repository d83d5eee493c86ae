/*
 * idle.c - a session's idle time as `who` shows it: "." under a
 * minute, then whole minutes ("5m"), hours ("2h") or days ("3d"),
 * always rounded down.  The table stores when a session was last
 * active; the reader subtracts, so idling costs mailserv no writes.
 */
#include <stdio.h>

#include "table.h"

/* idle_format - the idle time from active to now, into buf. */
void
idle_format(int64_t now, int64_t active, char *buf, size_t size)
{
	int64_t	s = now - active;

	if (s < 60)		/* a clock set back counts as active */
		snprintf(buf, size, ".");
	else if (s < 3600)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, size, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, size, "%lldd", (long long)(s / 86400));
}

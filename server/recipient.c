/*
 * recipient.c - who mail may be addressed to (--recipients).  With
 * "any", every valid name has a mailbox (the demo's alice and bob are
 * not accounts); with "accounts", a recipient must be a local account,
 * so mail to made-up names is refused at once instead of waiting in the
 * store for a reader who will never come.
 */
#include <sys/types.h>

#include <pwd.h>
#include <string.h>

#include "name.h"
#include "server.h"

/* recipient_mode - RECIPIENT_ANY or RECIPIENT_ACCOUNTS for an option
 * argument, or -1. */
int
recipient_mode(const char *arg)
{
	if (strcmp(arg, "any") == 0)
		return (RECIPIENT_ANY);
	if (strcmp(arg, "accounts") == 0)
		return (RECIPIENT_ACCOUNTS);
	return (-1);
}

/* recipient_known - may mail be addressed to name? */
static int
recipient_known(struct server *srv, const char *name)
{
	if (srv->cfg.recipients != RECIPIENT_ACCOUNTS)
		return (1);
	/* A room is a recipient whatever the accounts: whether it exists
	 * and the sender is a member is room.c's to say (exit 7). */
	if (name_room_valid(name))
		return (1);
	return (getpwnam(name) != NULL);
}

/*
 * recipient_check - may s send to name?  0; or -1, the refusal sent
 * (exit 3 at mailcli).
 */
int
recipient_check(struct server *srv, struct session *s, const char *name)
{
	if (recipient_known(srv, name))
		return (0);
	session_error(srv, s, PROTO_E_NAME, "no such user %s on this host",
	    name);
	return (-1);
}

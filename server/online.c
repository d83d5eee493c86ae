/*
 * online.c - keeping the online table in the kernel.  Someone may
 * remove the table or its lock under a running server (ipcrm, rm in
 * /dev/shm, systemd-logind's RemoveIPC): every ONLINE_CHECK_MS the
 * server checks that both objects it made are still there; if either
 * is gone, it makes both again and enters every logged-in session
 * anew, so `mailcli who` works again at once.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "log.h"
#include "plural.h"
#include "server.h"

/* online_user - the table's entry for session s: its user's presence too. */
static void
online_user(struct server *srv, const struct session *s,
    struct table_user *u)
{
	memset(u, 0, sizeof *u);
	memcpy(u->name, s->name, sizeof u->name);
	memcpy(u->tty, s->tty, sizeof u->tty);
	u->pid = s->pid;
	u->uid = s->uid;
	u->since = s->since;
	u->active = s->active != 0 ? s->active : s->since;
	presence_fill(srv, s->name, u);
}

/* online_add - enter s in the table: its slot, or -1 if none is free. */
int
online_add(struct server *srv, struct session *s)
{
	struct table_user	u;

	online_user(srv, s, &u);
	return (s->slot = srv->tops->add(srv->table, &u));
}

/*
 * online_update - write anew the slots of name's logged-in sessions
 * (its presence or, with one session, its activity changed).
 */
void
online_update(struct server *srv, const char *name)
{
	struct table_user	 u;
	struct session		*s;

	if (srv->table == NULL)
		return;
	for (s = session_online(srv, name); s != NULL; s = s->namenext) {
		if (s->dead || !s->login || s->slot < 0 ||
		    strcmp(s->name, name) != 0)
			continue;
		online_user(srv, s, &u);
		srv->tops->set(srv->table, s->slot, &u);
	}
}

/* online_check - remake the table if it vanished; at most so often. */
void
online_check(struct server *srv)
{
	struct session	*s;
	char		*cause = NULL, *what = NULL;
	long long	 now = io_now_ms();
	size_t		 i, n = 0;

	if (now - srv->online_checked < ONLINE_CHECK_MS)
		return;
	srv->online_checked = now;
	if (srv->table != NULL && srv->tops->present(srv->table, &what))
		return;
	if (srv->table != NULL) {
		log_warnx("%s was removed under mailserv (ipcrm?): making "
		    "the online table and its lock again", what);
		free(what);
		srv->tops->destroy(srv->table);	/* what is left of it */
	}
	if ((srv->table = srv->tops->create(srv->keyfile, srv->cfg.max_users,
	    &cause)) == NULL) {
		log_warnx("online table: %s (trying again in %d ms)", cause,
		    ONLINE_CHECK_MS);
		free(cause);
		return;
	}
	for (i = 0; i < srv->nsessions; i++) {
		s = srv->sessions[i];
		if (s->login && !s->dead && online_add(srv, s) != -1)
			n++;
	}
	log_info("online table made again: %zu %s entered", n,
	    plural(n, "session", "sessions"));
}

/* online_next_ms - how long the server may sleep before online_check. */
int
online_next_ms(struct server *srv)
{
	long long	left = srv->online_checked + ONLINE_CHECK_MS -
	    io_now_ms();

	return (left < 0 ? 0 : (int)left);
}

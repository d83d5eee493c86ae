/*
 * admit.c - who may take a place in the online table, beyond the table
 * having one (--max-users): one user holds at most --max-sessions
 * interactive sessions, and the last places are kept for users who have
 * none yet, so that one user's sessions are never what makes "too many
 * users online" for everyone else.  Root and mailserv's own uid are not
 * limited.  One-shot commands never take a place (no PROTO_HELLO_LOGIN);
 * but sessions of any kind are bounded per user too, so that one user
 * cannot take all the sessions the server keeps.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "xmalloc.h"

/*
 * admit_reserve - the places of a table of max_users kept for users not
 * yet online: an eighth (8 of the default 64), at least one when there
 * are two places or more.
 */
unsigned
admit_reserve(unsigned max_users)
{
	if (max_users < 2)
		return (0);
	return (max_users / 8 > 0 ? max_users / 8 : 1);
}

/*
 * admit_count - the sessions of s's user (its uid: an unprivileged uid
 * has one name, but two accounts may share a uid) that are in the table
 * or on their way there (a login that has not used its key yet: many
 * hellos come at once, and each must count before the first is
 * confirmed), and all such sessions in *all.  s itself is not counted.
 */
static unsigned
admit_count(struct server *srv, const struct session *s, size_t *all)
{
	const struct session	*t;
	unsigned		 mine = 0;
	size_t			 i;

	*all = 0;
	for (i = 0; i < srv->nsessions; i++) {
		t = srv->sessions[i];
		if (t == s || t->dead ||
		    !(t->login || (t->want_login && !t->confirmed)))
			continue;
		(*all)++;
		if (t->uid == s->uid)
			mine++;
	}
	return (mine);
}

/*
 * admit_login - may s log in, as far as its user's other sessions go?
 * 0; or PROTO_E_BUSY (exit 1 at mailcli) with the refusal in why.
 * Asked at hello and again when the session enters the table.
 */
uint32_t
admit_login(struct server *srv, const struct session *s, char *why,
    size_t len)
{
	unsigned	 mine, reserve = admit_reserve(srv->cfg.max_users);
	size_t		 all;

	if (session_privileged(s))
		return (0);
	if ((mine = admit_count(srv, s, &all)) == 0)
		return (0);
	if (mine >= srv->cfg.max_sessions) {
		log_info("refused %s (pid %ld): %u sessions already",
		    s->name, (long)s->pid, mine);
		snprintf(why, len, "too many sessions for %s (at most %u)",
		    s->name, srv->cfg.max_sessions);
		return (PROTO_E_BUSY);
	}
	if (all + reserve >= srv->cfg.max_users) {
		log_info("refused %s (pid %ld): %u sessions already, and the "
		    "last %u places are kept for users not yet online",
		    s->name, (long)s->pid, mine, reserve);
		snprintf(why, len, "too many users online (at most %u; the "
		    "last %u places are kept for users not yet online)",
		    srv->cfg.max_users, reserve);
		return (PROTO_E_BUSY);
	}
	return (0);
}

/*
 * admit_hello - may s's user open one more session of any kind (most
 * at once)?  0; or PROTO_E_BUSY with the refusal in why.
 */
uint32_t
admit_hello(struct server *srv, const struct session *s, size_t most,
    char *why, size_t len)
{
	size_t	i, n = 0;

	if (session_privileged(s))
		return (0);
	for (i = 0; i < srv->nsessions; i++)
		if (srv->sessions[i] != s && !srv->sessions[i]->dead &&
		    srv->sessions[i]->uid == s->uid)
			n++;
	if (n < most)
		return (0);
	log_warnx_budget(&srv->hostile, "refused %s (pid %ld): uid %u has "
	    "%zu sessions already", s->name, (long)s->pid, (unsigned)s->uid,
	    n);
	snprintf(why, len, "too many sessions for %s (at most %zu at once, "
	    "of any kind)", s->name, most);
	return (PROTO_E_BUSY);
}

/* admit_order - qsort of names; admit_count_order - most first. */
static int
admit_order(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

struct admit_count {
	const char	*name;
	size_t		 n;
};

static int
admit_count_order(const void *a, const void *b)
{
	const struct admit_count *x = a, *y = b;

	if (x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * admit_status - one line for --status: the limits, and the users with
 * most sessions (at most top of them).  Allocated.
 */
char *
admit_status(struct server *srv, size_t top)
{
	struct admit_count	 *c = NULL;
	const char		**v;
	char			 *line, *more;
	size_t			  i, n = 0, nc = 0;

	v = xreallocarray(NULL, srv->nsessions + 1, sizeof *v);
	for (i = 0; i < srv->nsessions; i++)
		if (srv->sessions[i]->login && !srv->sessions[i]->dead)
			v[n++] = srv->sessions[i]->name;
	qsort(v, n, sizeof *v, admit_order);
	for (i = 0; i < n; i++) {
		if (nc > 0 && strcmp(c[nc - 1].name, v[i]) == 0) {
			c[nc - 1].n++;
			continue;
		}
		c = xreallocarray(c, nc + 1, sizeof *c);
		c[nc].name = v[i];
		c[nc++].n = 1;
	}
	if (nc > 1)
		qsort(c, nc, sizeof *c, admit_count_order);
	xasprintf(&line, "live: sessions per user: at most %u each, the last "
	    "%u of %u places kept for users not yet online; %zu users "
	    "online%s", srv->cfg.max_sessions,
	    admit_reserve(srv->cfg.max_users), srv->cfg.max_users, nc,
	    nc > 0 ? ", most:" : "");
	for (i = 0; i < nc && i < top; i++) {
		xasprintf(&more, "%s%s %s %zu", line, i == 0 ? "" : ",",
		    c[i].name, c[i].n);
		free(line);
		line = more;
	}
	xasprintf(&more, "%s\n", line);
	free(line);
	free(v);
	free(c);
	return (more);
}

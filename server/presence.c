/*
 * presence.c - a user's presence, owned by struct presence: the away
 * text, do-not-disturb (mesg n) and the ignore list.  They are the
 * user's, not a session's: every session of the user shows them (the
 * online table's flags and away text, written on every change), and
 * they are kept like a room's state: one state record a user, a
 * message from the user to NAME_PRESENCE_BOX in the store and the
 * spool, written anew on every change and the old one dropped.  So
 * presence outlives kill -9 (the kernel store) and a reboot (the
 * spool); presence_load rebuilds this index from the store at start.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "display.h"
#include "log.h"
#include "name.h"
#include "plural.h"
#include "server.h"
#include "xmalloc.h"

#define PRESENCE_MAGIC		0x31535049u	/* "IPS1" */
#define PRESENCE_IGNORES_MAX	1024		/* names one user ignores */
#define PRESENCE_DND		0x1

/* A state record's head; nignores names of NAME+1 bytes follow. */
struct presence_rec {
	uint32_t	magic;
	uint32_t	flags;		/* PRESENCE_DND */
	uint64_t	gen;		/* higher: newer */
	uint32_t	nignores;
	char		away[PROTO_AWAY_MAX + 1];
	uint8_t		pad[3];
};

struct presence_user {
	char		  name[PROTO_NAME_MAX + 1];
	uint32_t	  flags;
	char		  away[PROTO_AWAY_MAX + 1];
	char		(*ignores)[PROTO_NAME_MAX + 1];
	size_t		  nignores;
	uint32_t	  held;		/* mail not pushed while DND */
	uint64_t	  gen;
	uint8_t		  rec_id[MAIL_ID_LEN];
	int		  has_rec;
};

struct presence {
	struct presence_user	**v;
	size_t			  n;
	uint64_t		  saves;	/* state records written */
};

struct presence *
presence_new(void)
{
	return (xcalloc(1, sizeof(struct presence)));
}

static void
presence_user_free(struct presence_user *pu)
{
	free(pu->ignores);
	free(pu);
}

void
presence_free(struct presence *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		presence_user_free(p->v[i]);
	free(p->v);
	free(p);
}

/* presence_find - name's state, or NULL (here, disturbable, no ignores). */
static struct presence_user *
presence_find(struct presence *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i]->name, name) == 0)
			return (p->v[i]);
	return (NULL);
}

/* presence_get - name's state, made empty if it has none. */
static struct presence_user *
presence_get(struct presence *p, const char *name)
{
	struct presence_user	*pu;

	if ((pu = presence_find(p, name)) != NULL)
		return (pu);
	pu = xcalloc(1, sizeof *pu);
	strncpy(pu->name, name, sizeof pu->name - 1);
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = pu;
	return (pu);
}

/* presence_empty - nothing to keep: the default state. */
static int
presence_empty(const struct presence_user *pu)
{
	return (pu->flags == 0 && pu->away[0] == '\0' && pu->nignores == 0);
}

/* presence_encode - pu as a state record's body; caller frees. */
static uint8_t *
presence_encode(const struct presence_user *pu, size_t *len)
{
	struct presence_rec	 h;
	uint8_t			*b;

	memset(&h, 0, sizeof h);
	h.magic = PRESENCE_MAGIC;
	h.flags = pu->flags;
	h.gen = pu->gen;
	h.nignores = (uint32_t)pu->nignores;
	memcpy(h.away, pu->away, sizeof h.away);
	*len = sizeof h + pu->nignores * sizeof *pu->ignores;
	b = xmalloc(*len);
	memcpy(b, &h, sizeof h);
	if (pu->nignores > 0)
		memcpy(b + sizeof h, pu->ignores, pu->nignores *
		    sizeof *pu->ignores);
	return (b);
}

/* presence_decode - a state record into pu (name set); 0 or -1. */
static int
presence_decode(const uint8_t *b, size_t len, struct presence_user *pu)
{
	struct presence_rec	h;
	size_t			i;

	if (len < sizeof h)
		return (-1);
	memcpy(&h, b, sizeof h);
	if (h.magic != PRESENCE_MAGIC || h.nignores > PRESENCE_IGNORES_MAX ||
	    len != sizeof h + h.nignores * sizeof *pu->ignores ||
	    memchr(h.away, '\0', sizeof h.away) == NULL)
		return (-1);
	pu->flags = h.flags & PRESENCE_DND;
	pu->gen = h.gen;
	memcpy(pu->away, h.away, sizeof pu->away);
	pu->nignores = h.nignores;
	pu->ignores = h.nignores > 0 ? xcalloc(h.nignores,
	    sizeof *pu->ignores) : NULL;
	if (h.nignores > 0)
		memcpy(pu->ignores, b + sizeof h, h.nignores *
		    sizeof *pu->ignores);
	for (i = 0; i < pu->nignores; i++)
		if (!name_valid_field(pu->ignores[i],
		    sizeof pu->ignores[i])) {
			free(pu->ignores);
			pu->ignores = NULL;
			pu->nignores = 0;
			return (-1);
		}
	return (0);
}

/*
 * presence_save - keep pu's state: a new record, the old one dropped;
 * none at all for the default state.  0, or -1 (logged, and cause).
 */
static int
presence_save(struct server *srv, struct presence_user *pu)
{
	struct mail	 m;
	char		*cause = NULL;
	size_t		 len;

	if (presence_empty(pu)) {
		if (pu->has_rec)
			post_drop(srv, pu->rec_id);
		pu->has_rec = 0;
		return (0);
	}
	pu->gen++;
	memset(&m, 0, sizeof m);
	mail_new_id(m.id);
	memcpy(m.from, pu->name, sizeof m.from);
	strncpy(m.to, NAME_PRESENCE_BOX, sizeof m.to - 1);
	m.date = time(NULL);
	m.body = presence_encode(pu, &len);
	m.len = (uint32_t)len;
	if (post_keep(srv, &m, &cause) != 0) {
		log_warnx("presence of %s: cannot store it: %s", pu->name,
		    cause);
		free(cause);
		free(m.body);
		return (-1);
	}
	free(m.body);
	if (pu->has_rec)
		post_drop(srv, pu->rec_id);
	memcpy(pu->rec_id, m.id, sizeof pu->rec_id);
	pu->has_rec = 1;
	srv->presence->saves++;
	return (0);
}

int
presence_set_away(struct server *srv, const char *name, const char *text)
{
	struct presence_user	*pu = presence_get(srv->presence, name);
	size_t			 len;

	if (text == NULL)
		text = "";
	len = display_cut(text, PROTO_AWAY_MAX);
	memset(pu->away, 0, sizeof pu->away);
	memcpy(pu->away, text, len);
	if (presence_save(srv, pu) != 0)
		return (-1);
	online_update(srv, name);
	log_info("%s is %s%s", name, pu->away[0] ? "away: " : "back",
	    pu->away);
	return (0);
}

const char *
presence_away(struct server *srv, const char *name)
{
	struct presence_user	*pu = presence_find(srv->presence, name);

	return (pu != NULL && pu->away[0] != '\0' ? pu->away : NULL);
}

int
presence_set_dnd(struct server *srv, const char *name, int on,
    uint32_t *held)
{
	struct presence_user	*pu = presence_get(srv->presence, name);

	*held = 0;
	if (!on) {
		*held = pu->held;
		pu->held = 0;
	}
	pu->flags = on ? pu->flags | PRESENCE_DND : pu->flags & ~PRESENCE_DND;
	if (presence_save(srv, pu) != 0)
		return (-1);
	online_update(srv, name);
	log_info("%s: mesg %s", name, on ? "n" : "y");
	return (0);
}

int
presence_dnd(struct server *srv, const char *name)
{
	struct presence_user	*pu = presence_find(srv->presence, name);

	return (pu != NULL && (pu->flags & PRESENCE_DND) != 0);
}

void
presence_held(struct server *srv, const char *name)
{
	struct presence_user	*pu = presence_find(srv->presence, name);

	if (pu != NULL)
		pu->held++;
}

/* presence_ignored - where sender is in pu's list, or -1. */
static ssize_t
presence_ignored(const struct presence_user *pu, const char *sender)
{
	size_t	i;

	for (i = 0; pu != NULL && i < pu->nignores; i++)
		if (strcmp(pu->ignores[i], sender) == 0)
			return ((ssize_t)i);
	return (-1);
}

/*
 * presence_set_ignore - reader ignores sender (on) or not; 0, 1 if
 * nothing changed, -1 if the list is full or could not be kept.
 */
int
presence_set_ignore(struct server *srv, const char *reader,
    const char *sender, int on)
{
	struct presence_user	*pu = presence_get(srv->presence, reader);
	ssize_t			 i = presence_ignored(pu, sender);

	if (on && i != -1)
		return (1);
	if (!on && i == -1)
		return (1);
	if (on) {
		if (pu->nignores >= PRESENCE_IGNORES_MAX)
			return (-1);
		pu->ignores = xreallocarray(pu->ignores, pu->nignores + 1,
		    sizeof *pu->ignores);
		memset(pu->ignores[pu->nignores], 0, sizeof *pu->ignores);
		strncpy(pu->ignores[pu->nignores], sender,
		    sizeof *pu->ignores - 1);
		pu->nignores++;
	} else {
		memmove(pu->ignores[i], pu->ignores[i + 1],
		    (pu->nignores - (size_t)i - 1) * sizeof *pu->ignores);
		pu->nignores--;
	}
	if (presence_save(srv, pu) != 0)
		return (-1);
	log_info("%s %s %s", reader, on ? "ignores" : "no longer ignores",
	    sender);
	return (0);
}

int
presence_ignores(struct server *srv, const char *reader, const char *sender)
{
	return (presence_ignored(presence_find(srv->presence, reader),
	    sender) != -1);
}

/*
 * presence_active - s's user typed a line: its idle time starts again.
 * Its slot is written at most once a second; readers subtract.
 */
void
presence_active(struct server *srv, struct session *s)
{
	struct table_user	u;
	time_t			now = time(NULL);

	if (now == s->active)
		return;
	s->active = now;
	if (!s->login || s->slot < 0 || srv->table == NULL)
		return;
	memset(&u, 0, sizeof u);
	memcpy(u.name, s->name, sizeof u.name);
	memcpy(u.tty, s->tty, sizeof u.tty);
	u.pid = s->pid;
	u.uid = s->uid;
	u.since = s->since;
	u.active = s->active;
	presence_fill(srv, s->name, &u);
	srv->tops->set(srv->table, s->slot, &u);
}

/* presence_fill - name's flags and away text, into its table entry. */
void
presence_fill(struct server *srv, const char *name, struct table_user *u)
{
	struct presence_user	*pu = presence_find(srv->presence, name);

	u->flags = 0;
	memset(u->away, 0, sizeof u->away);
	if (pu == NULL)
		return;
	if (pu->flags & PRESENCE_DND)
		u->flags |= TABLE_DND;
	if (pu->away[0] != '\0') {
		u->flags |= TABLE_AWAY;
		memcpy(u->away, pu->away, sizeof u->away);
	}
}

/* presence_state - REC_PRESINFO STATE: s's user's state now. */
static void
presence_state(struct server *srv, struct session *s, uint32_t held)
{
	struct proto_presinfo	 pi;
	const char		*away = presence_away(srv, s->name);

	memset(&pi, 0, sizeof pi);
	pi.kind = PRESINFO_STATE;
	pi.flags = (presence_dnd(srv, s->name) ? PRESINFO_DND : 0) |
	    (away != NULL ? PRESINFO_AWAY : 0);
	pi.held = held;
	memcpy(pi.name, s->name, sizeof pi.name);
	if (away != NULL)
		memcpy(pi.away, away, sizeof pi.away);
	session_queue(srv, s, REC_PRESINFO, &pi, sizeof pi);
}

/* presence_list - REC_PRESINFO IGNORED a name, then REC_END. */
static void
presence_list(struct server *srv, struct session *s)
{
	struct presence_user	*pu = presence_find(srv->presence, s->name);
	struct proto_presinfo	 pi;
	size_t			 i;

	for (i = 0; pu != NULL && i < pu->nignores; i++) {
		memset(&pi, 0, sizeof pi);
		pi.kind = PRESINFO_IGNORED;
		memcpy(pi.name, pu->ignores[i], sizeof pi.name);
		session_queue(srv, s, REC_PRESINFO, &pi, sizeof pi);
	}
	session_queue(srv, s, REC_END, NULL, 0);
}

/* presence_request - REC_PRESENCE: the caller's own presence. */
void
presence_request(struct server *srv, struct session *s,
    const struct record *rec)
{
	struct proto_presence	pp;
	uint32_t		held;
	int			rc;

	if (rec->hdr.len != sizeof pp) {
		session_error(srv, s, PROTO_E_USAGE, "malformed presence "
		    "record");
		return;
	}
	memcpy(&pp, rec->payload, sizeof pp);
	switch (pp.op) {
	case PRES_OP_ACTIVE:
		presence_active(srv, s);
		return;
	case PRES_OP_AWAY:
		if (memchr(pp.text, '\0', sizeof pp.text) == NULL) {
			session_error(srv, s, PROTO_E_TOOBIG, "away text over "
			    "%d bytes", PROTO_AWAY_MAX);
			return;
		}
		if (presence_set_away(srv, s->name, pp.text) != 0)
			session_error(srv, s, PROTO_E_FULL, "mail store is "
			    "full: the away text cannot be kept");
		else
			session_queue(srv, s, REC_OK, NULL, 0);
		return;
	case PRES_OP_MESG:
		if (pp.n > 1) {
			session_error(srv, s, PROTO_E_USAGE, "mesg: n or y");
			return;
		}
		if (presence_set_dnd(srv, s->name, (int)pp.n, &held) != 0)
			session_error(srv, s, PROTO_E_FULL, "mail store is "
			    "full: mesg cannot be kept");
		else
			presence_state(srv, s, held);
		return;
	case PRES_OP_SHOW:
		presence_state(srv, s, 0);
		return;
	case PRES_OP_IGNORE:
	case PRES_OP_UNIGNORE:
		if (!name_valid_field(pp.user, sizeof pp.user)) {
			session_error(srv, s, PROTO_E_NAME, "invalid user "
			    "name");
			return;
		}
		if (pp.op == PRES_OP_IGNORE && strcmp(pp.user, s->name) == 0) {
			session_error(srv, s, PROTO_E_USAGE, "you cannot "
			    "ignore yourself");
			return;
		}
		rc = presence_set_ignore(srv, s->name, pp.user,
		    pp.op == PRES_OP_IGNORE);
		if (rc == -1)
			session_error(srv, s, PROTO_E_FULL, "the ignore list "
			    "is full (%d names) or cannot be kept",
			    PRESENCE_IGNORES_MAX);
		else if (rc == 1 && pp.op == PRES_OP_UNIGNORE)
			session_error(srv, s, PROTO_E_NAME, "you do not "
			    "ignore %s", pp.user);
		else
			session_queue(srv, s, REC_OK, NULL, 0);
		return;
	case PRES_OP_IGNORES:
		presence_list(srv, s);
		return;
	}
	session_error(srv, s, PROTO_E_USAGE, "unknown presence operation %u",
	    pp.op);
}

/* A state record found at start. */
struct presence_found {
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
};

struct presence_scan {
	struct presence_found	*v;
	size_t			 n, cap;
};

static void
presence_scan_add(const struct store_entry *e, void *arg)
{
	struct presence_scan	*sc = arg;

	if (!name_presence_box(e->to))
		return;
	if (sc->n == sc->cap) {
		sc->cap = sc->cap == 0 ? 16 : sc->cap * 2;
		sc->v = xreallocarray(sc->v, sc->cap, sizeof *sc->v);
	}
	memcpy(sc->v[sc->n].id, e->id, MAIL_ID_LEN);
	memcpy(sc->v[sc->n].from, e->from, sizeof sc->v[sc->n].from);
	sc->n++;
}

/*
 * presence_load - at start, every user's newest state record from what
 * the store holds (and what waits in the spool); older and damaged
 * ones are dropped, and logged.
 */
void
presence_load(struct server *srv)
{
	struct presence		*p = srv->presence;
	struct presence_scan	 sc = { NULL, 0, 0 };
	struct presence_user	 got, *pu;
	struct mail		 m;
	char			*cause = NULL;
	size_t			 i, n, dropped = 0;

	n = store_count(srv->store);
	for (i = 0; i < n; i++)
		presence_scan_add(store_entry(srv->store, i), &sc);
	if (srv->overflow != NULL)
		overflow_each(srv->overflow, presence_scan_add, &sc);
	for (i = 0; i < sc.n; i++) {
		memset(&got, 0, sizeof got);
		if (post_get(srv, sc.v[i].id, &m, &cause) != 0) {
			log_warnx("presence of %s: a state record cannot be "
			    "read: %s", sc.v[i].from, cause);
			free(cause);
			cause = NULL;
			post_drop(srv, sc.v[i].id);
			dropped++;
			continue;
		}
		if (presence_decode(m.body, m.len, &got) != 0) {
			log_warnx("presence of %s: a damaged state record "
			    "dropped", sc.v[i].from);
			mail_free(&m);
			post_drop(srv, sc.v[i].id);
			dropped++;
			continue;
		}
		mail_free(&m);
		pu = presence_find(p, sc.v[i].from);
		if (pu != NULL && pu->gen >= got.gen) {
			free(got.ignores);
			post_drop(srv, sc.v[i].id);	/* an older one */
			dropped++;
			continue;
		}
		if (pu != NULL) {
			post_drop(srv, pu->rec_id);
			dropped++;
			free(pu->ignores);
		} else
			pu = presence_get(p, sc.v[i].from);
		pu->flags = got.flags;
		pu->gen = got.gen;
		memcpy(pu->away, got.away, sizeof pu->away);
		pu->ignores = got.ignores;
		pu->nignores = got.nignores;
		memcpy(pu->rec_id, sc.v[i].id, sizeof pu->rec_id);
		pu->has_rec = 1;
	}
	free(sc.v);
	if (p->n > 0 || dropped > 0)
		log_info("presence: %zu %s restored from the store%s", p->n,
		    plural(p->n, "user", "users"), dropped > 0 ?
		    " (older or damaged records dropped)" : "");
}

/* presence_status - --status's line about presence. */
void
presence_status(struct server *srv, char *buf, size_t size)
{
	struct presence	*p = srv->presence;
	size_t		 i, away = 0, dnd = 0, ign = 0;

	for (i = 0; i < p->n; i++) {
		away += p->v[i]->away[0] != '\0';
		dnd += (p->v[i]->flags & PRESENCE_DND) != 0;
		ign += p->v[i]->nignores;
	}
	snprintf(buf, size, "live: presence: %zu away, %zu do not disturb, "
	    "%zu ignored %s, one state record a user in %s; %llu %s "
	    "written\n", away, dnd, ign, plural(ign, "name", "names"),
	    NAME_PRESENCE_BOX, (unsigned long long)p->saves,
	    plural(p->saves, "record", "records"));
}

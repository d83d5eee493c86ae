/*
 * msglist.c - the numbers a session shows for messages.  As in mail(1),
 * a number stays with its message for the whole session: `inbox`
 * numbers what is waiting, live messages get the next numbers, and a
 * message keeps its number after it is read, so `reply N` still works.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

void
msglist_clear(struct msglist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* msglist_add - number a message; it keeps that number. */
struct msg *
msglist_add(struct msglist *l, const uint8_t *id, const char *from,
    int64_t date, uint32_t len, const char *first, enum msg_state state)
{
	struct msg	*m;

	if ((m = msglist_find(l, id)) != NULL) {
		/* A listing may race our own "saved": read stays read. */
		if (m->state == MSG_UNREAD || m->state == MSG_GONE)
			m->state = state;
		return (m);
	}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	m = &l->v[l->n++];
	memset(m, 0, sizeof *m);
	m->n = ++l->next;
	memcpy(m->id, id, sizeof m->id);
	strncpy(m->from, from, sizeof m->from - 1);
	m->date = date;
	m->len = len;
	if (first != NULL)
		strncpy(m->first, first, sizeof m->first - 1);
	m->state = state;
	return (m);
}

struct msg *
msglist_get(struct msglist *l, int n)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].n == n)
			return (&l->v[i]);
	return (NULL);
}

struct msg *
msglist_find(struct msglist *l, const uint8_t *id)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (memcmp(l->v[i].id, id, MAIL_ID_LEN) == 0)
			return (&l->v[i]);
	return (NULL);
}

/*
 * msglist_begin_refresh - before a fresh listing: what was unread is
 * presumed gone (read in another session) until the listing names it.
 */
void
msglist_begin_refresh(struct msglist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].state == MSG_UNREAD)
			l->v[i].state = MSG_GONE;
}

size_t
msglist_count(struct msglist *l, enum msg_state state)
{
	size_t	i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].state == state;
	return (n);
}

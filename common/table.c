/*
 * table.c - the online table's layout in shared memory, the same for
 * every backend: a header, then fixed slots.  Each slot carries a
 * sequence number, odd while the server writes it, so a reader never
 * takes a half-written slot, whether its writer was interrupted, died,
 * or the reader could not get the lock in time.  The header keeps a
 * high-water mark: no slot at or above it is used, so a reader copies
 * (and pages in) only the slots in use, not the whole table.  The
 * backends add the memory and the lock around it.
 */
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table.h"
#include "xmalloc.h"

#define TABLE_MAGIC	0x31544d49u	/* "IMT1" */
#define TABLE_VERSION	2	/* 2: the high-water mark */

struct table_head {
	uint32_t	magic;
	uint16_t	version;
	uint16_t	pad;
	uint32_t	nslots;
	int32_t		server_pid;
	uint32_t	server_uid;
	uint32_t	hiwater;	/* slots at and above it are free */
	int64_t		started;
};

struct table_slot {
	uint32_t		seq;	/* odd while being written */
	uint32_t		used;
	struct table_user	u;
};

#define TABLE_SLOTS(mem)	((struct table_slot *)((struct table_head *)(mem) + 1))

/* table_size - bytes of a table of nslots. */
size_t
table_size(uint32_t nslots)
{
	return (sizeof(struct table_head) +
	    (size_t)nslots * sizeof(struct table_slot));
}

/* table_init - lay out an empty table in mem; the magic goes last. */
void
table_init(void *mem, uint32_t nslots)
{
	struct table_head	*h = mem;

	memset(mem, 0, table_size(nslots));
	h->nslots = nslots;
	h->server_pid = getpid();
	h->server_uid = geteuid();
	h->started = time(NULL);
	h->version = TABLE_VERSION;
	__atomic_store_n(&h->magic, TABLE_MAGIC, __ATOMIC_RELEASE);
}

/*
 * table_check - is mem, of size bytes, a table of a live server?  Its
 * slot count on success; -1 with cause.
 */
int64_t
table_check(const void *mem, size_t size, char **cause)
{
	const struct table_head	*h = mem;

	if (size < sizeof *h ||
	    __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != TABLE_MAGIC ||
	    h->version != TABLE_VERSION ||
	    (size - sizeof *h) / sizeof(struct table_slot) < h->nslots) {
		xasprintf(cause, "shared memory is not an online table");
		return (-1);
	}
	if (kill(h->server_pid, 0) == -1 && errno == ESRCH) {
		xasprintf(cause, "online table left by a dead mailserv (pid "
		    "%d)", h->server_pid);
		return (-1);
	}
	return (h->nslots);
}

/*
 * table_prefault - page in, with one madvise(2), the part of a freshly
 * mapped table that a read will touch: a page fault for each of its
 * pages costs more than the read itself.  Only a hint: a kernel without
 * MADV_POPULATE_READ (before 5.14) faults them in one by one.
 */
void
table_prefault(const void *mem, uint32_t nslots)
{
	const struct table_head	*h = mem;
	uint32_t		 hw;

	hw = __atomic_load_n(&h->hiwater, __ATOMIC_ACQUIRE);
	if (hw > nslots)
		hw = nslots;
#ifdef MADV_POPULATE_READ
	madvise((void *)mem, table_size(hw), MADV_POPULATE_READ);
#endif
}

/*
 * table_write - set (or with u NULL, clear) slot i.  The high-water
 * mark rises before a slot above it is used, and falls after the slots
 * at the top are cleared, so it never hides a used slot.
 */
void
table_write(void *mem, int i, const struct table_user *u)
{
	struct table_head	*h = mem;
	struct table_slot	*slots = TABLE_SLOTS(mem), *s = &slots[i];
	uint32_t		 hw = h->hiwater;

	if (u != NULL && (uint32_t)i >= hw)
		__atomic_store_n(&h->hiwater, (uint32_t)i + 1,
		    __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
	if (u != NULL)
		s->u = *u;
	else
		memset(&s->u, 0, sizeof s->u);
	s->used = u != NULL;
	__atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
	if (u == NULL) {
		hw = h->hiwater;
		while (hw > 0 && !slots[hw - 1].used)
			hw--;
		__atomic_store_n(&h->hiwater, hw, __ATOMIC_RELEASE);
	}
}

/* table_free_slot - a free slot of the nslots, or -1. */
int
table_free_slot(const void *mem, uint32_t nslots)
{
	uint32_t	i;

	for (i = 0; i < nslots; i++)
		if (!TABLE_SLOTS(mem)[i].used)
			return ((int)i);
	return (-1);
}

/*
 * table_read - copy out every whole, used slot of the nslots: each is
 * copied straight into *out and kept only if its sequence number did
 * not move meanwhile.
 */
void
table_read(const void *mem, uint32_t nslots, struct table_user **out,
    size_t *n, struct table_info *info)
{
	const struct table_head	*h = mem;
	struct table_slot	*slots = TABLE_SLOTS(mem);
	struct table_user	*u;
	uint32_t		 i, seq, used, hw;

	hw = __atomic_load_n(&h->hiwater, __ATOMIC_ACQUIRE);
	if (hw > nslots)
		hw = nslots;
	*out = xcalloc(hw, sizeof **out);
	*n = 0;
	for (i = 0; i < hw; i++) {
		seq = __atomic_load_n(&slots[i].seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		u = &(*out)[*n];
		used = slots[i].used;
		*u = slots[i].u;
		/* The copy is done before the sequence is looked at again. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!used || seq != __atomic_load_n(&slots[i].seq,
		    __ATOMIC_RELAXED))
			continue;
		u->name[PROTO_NAME_MAX] = '\0';
		u->tty[PROTO_TTY_MAX - 1] = '\0';
		(*n)++;
	}
	if (info != NULL) {
		info->server_pid = h->server_pid;
		info->server_uid = h->server_uid;
		info->started = h->started;
		info->nslots = nslots;
		info->used = (uint32_t)*n;
	}
}

/*
 * table.c - the online table's layout in shared memory, the same for
 * every backend: a header, then fixed slots, written only by mailserv.
 * Each slot is a seqlock: its sequence number is odd while the server
 * writes it, so a reader, which takes no lock, copies a slot and keeps
 * the copy only if the number was even and did not move meanwhile;
 * a slot that will not hold still is tried again for a bounded time,
 * the backend's pause between tries.  The header keeps a high-water
 * mark: no slot at or above it is used, so a reader copies (and pages
 * in) only the slots in use, not the whole table.
 */
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "table.h"
#include "xmalloc.h"

#define TABLE_MAGIC	0x31544d49u	/* "IMT1" */
#define TABLE_VERSION	4	/* 2: the high-water mark; 3: lock-free readers;
				   4: activity, away text, do not disturb */
#define TABLE_READ_SPINS 64	/* tries of a moving slot before a pause */

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

/* A word of a slot's user, copied atomically; it may alias the struct. */
typedef uint64_t __attribute__((__may_alias__)) table_word;
_Static_assert(sizeof(struct table_user) % sizeof(table_word) == 0,
    "a user is copied in whole words");

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
 * slot count on success; -1 with cause.  The version is looked at only
 * after the magic, and before anything else: a table of another layout
 * is named as such, never read.
 */
int64_t
table_check(const void *mem, size_t size, char **cause)
{
	const struct table_head	*h = mem;

	if (size < sizeof *h ||
	    __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != TABLE_MAGIC) {
		xasprintf(cause, "shared memory is not an online table");
		return (-1);
	}
	if (h->version != TABLE_VERSION) {
		xasprintf(cause, "the online table has layout version %u, "
		    "this program reads version %u: mailserv and this "
		    "program are of different releases", h->version,
		    TABLE_VERSION);
		return (-1);
	}
	if ((size - sizeof *h) / sizeof(struct table_slot) < h->nslots) {
		xasprintf(cause, "the online table (%zu bytes) is smaller "
		    "than its %u slots", size, h->nslots);
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
 * table_copy - copy a user into or out of a slot, word by word with
 * relaxed atomics: a reader's copy races the writer by design (the
 * sequence number tells it so), and atomic words keep that race
 * defined behaviour in C11.
 */
static void
table_copy(struct table_user *dst, const struct table_user *src)
{
	table_word		*d = (table_word *)dst;
	const table_word	*s = (const table_word *)src;
	size_t			 i;

	for (i = 0; i < sizeof *dst / sizeof *d; i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i],
		    __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

/*
 * table_write_begin - mark slot i as being written: its sequence
 * number goes odd, and the fence keeps every store of the update
 * after it.
 */
void
table_write_begin(void *mem, int i)
{
	struct table_slot	*s = &TABLE_SLOTS(mem)[i];
	uint32_t		 seq;

	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/*
 * table_write_end - set (or with u NULL, clear) slot i, which
 * table_write_begin marked, and make its sequence number even again.
 * The high-water mark rises before a slot above it is used, and falls
 * after the slots at the top are cleared, so it never hides a used
 * slot.
 */
void
table_write_end(void *mem, int i, const struct table_user *u)
{
	static const struct table_user	 none;
	struct table_head		*h = mem;
	struct table_slot		*slots = TABLE_SLOTS(mem);
	struct table_slot		*s = &slots[i];
	uint32_t			 hw, seq;

	hw = __atomic_load_n(&h->hiwater, __ATOMIC_RELAXED);
	if (u != NULL && (uint32_t)i >= hw)
		__atomic_store_n(&h->hiwater, (uint32_t)i + 1,
		    __ATOMIC_RELEASE);
	table_copy(&s->u, u != NULL ? u : &none);
	__atomic_store_n(&s->used, u != NULL, __ATOMIC_RELAXED);
	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, (seq | 1) + 1, __ATOMIC_RELEASE);
	if (u == NULL) {
		while (hw > 0 && !__atomic_load_n(&slots[hw - 1].used,
		    __ATOMIC_RELAXED))
			hw--;
		__atomic_store_n(&h->hiwater, hw, __ATOMIC_RELEASE);
	}
}

/* table_write - set (or with u NULL, clear) slot i. */
void
table_write(void *mem, int i, const struct table_user *u)
{
	table_write_begin(mem, i);
	table_write_end(mem, i, u);
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
 * table_read_pass - one pass over the first hw slots: copy each whole,
 * used slot to out[*n].  A slot whose sequence number is odd or moves
 * while it is copied is tried again, TABLE_READ_SPINS times at most.
 * -1 when every slot was read whole, else the index of the one that
 * would not hold still.
 */
static int64_t
table_read_pass(const struct table_slot *slots, uint32_t hw,
    struct table_user *out, size_t *n)
{
	struct table_user	*u;
	uint32_t		 i, seq, used;
	int			 spin;

	*n = 0;
	for (i = 0; i < hw; i++) {
		u = &out[*n];
		for (spin = 0;; spin++) {
			if (spin == TABLE_READ_SPINS)
				return (i);
			seq = __atomic_load_n(&slots[i].seq, __ATOMIC_ACQUIRE);
			if (seq & 1)
				continue;
			used = __atomic_load_n(&slots[i].used,
			    __ATOMIC_RELAXED);
			if (used)
				table_copy(u, &slots[i].u);
			/* The copy is done before the sequence is read again. */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (seq == __atomic_load_n(&slots[i].seq,
			    __ATOMIC_RELAXED))
				break;
		}
		if (!used)
			continue;
		u->name[PROTO_NAME_MAX] = '\0';
		u->tty[PROTO_TTY_MAX - 1] = '\0';
		u->away[PROTO_AWAY_MAX] = '\0';
		(*n)++;
	}
	return (-1);
}

/*
 * table_read - copy out every whole, used slot of the nslots, taking no
 * lock.  A pass that meets a slot being written calls pause(arg, ms
 * left, cause) and starts again, for ms in all: pause returns 0 to go
 * on, or -1 (with or without a cause) to give up.  0 on success; -1
 * with cause if a slot stayed half-written (its writer, mailserv, is
 * stopped or died in the update) or pause gave up.
 */
int
table_read(const void *mem, uint32_t nslots, struct table_user **out,
    size_t *n, struct table_info *info, int ms, table_pause_fn pause,
    void *arg, char **cause)
{
	const struct table_head	*h = mem;
	long long		 deadline, left;
	int64_t			 stuck;
	uint32_t		 hw;

	hw = __atomic_load_n(&h->hiwater, __ATOMIC_ACQUIRE);
	if (hw > nslots)
		hw = nslots;
	*out = xcalloc(hw, sizeof **out);
	deadline = io_now_ms() + ms;
	while ((stuck = table_read_pass(TABLE_SLOTS(mem), hw, *out, n)) !=
	    -1) {
		left = deadline - io_now_ms();
		if (left <= 0 || pause(arg, (int)left, cause) == -1) {
			if (*cause == NULL)
				xasprintf(cause, "slot %lld of the online "
				    "table stayed half-written for %d ms: is "
				    "mailserv (pid %d) stopped?",
				    (long long)stuck, ms, h->server_pid);
			free(*out);
			*out = NULL;
			*n = 0;
			return (-1);
		}
	}
	if (info != NULL) {
		info->server_pid = h->server_pid;
		info->server_uid = h->server_uid;
		info->started = h->started;
		info->nslots = nslots;
		info->used = (uint32_t)*n;
	}
	return (0);
}

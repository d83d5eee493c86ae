/*
 * table_sysv.c - the online-user table in a SysV shared-memory segment
 * (ftok(keyfile, 2)) beside a SysV semaphore (ftok(keyfile, 1)), both
 * mode 0644.  The semaphore is 0 at rest; mailserv, the only writer,
 * raises it to 1 with SEM_UNDO for each update (so a mailserv killed
 * in one gives it back), and a reader that meets a slot being written
 * waits for zero, an operation that needs only read permission.  So no
 * other user can change the semaphore, and no reader can hold up the
 * server or another reader; every wait is bounded (semtimedop).
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "plural.h"
#include "table.h"
#include "xmalloc.h"

#define TABLE_PROJ_SEM	1
#define TABLE_PROJ_SHM	2
#define TABLE_READ_MS	1000	/* a reader's bound on a slot being written */
#define TABLE_SLICE_MS	10	/* and on one wait for zero */

struct table_sysv {
	int			 semid;
	int			 shmid;
	void			*mem;
	uint32_t		 nslots;	/* fixed when made or checked */
	int			 owner;	/* the server: destroy on exit */
};

/*
 * table_sysv_keys - the lock's and the table's keys, ftok()'s formula
 * from one stat of the key file (ftok() stats it for each key), which
 * *st keeps for the owner check.
 */
static int
table_sysv_keys(const char *keyfile, key_t *semkey, key_t *shmkey,
    struct stat *st)
{
	key_t	base;

	if (stat(keyfile, st) == -1)
		return (-1);
	base = (key_t)((st->st_ino & 0xffff) | ((st->st_dev & 0xff) << 16));
	*semkey = (key_t)(base | (TABLE_PROJ_SEM << 24));
	*shmkey = (key_t)(base | (TABLE_PROJ_SHM << 24));
	return (0);
}

/*
 * table_sysv_mark - raise (op 1) or lower (op -1) the semaphore around
 * an update.  Never waits: only mailserv changes it, and a rise or a
 * fall from 1 does not block.
 */
static int
table_sysv_mark(struct table_sysv *t, int op)
{
	struct sembuf	sb = { 0, (short)op, SEM_UNDO | IPC_NOWAIT };

	if (semop(t->semid, &sb, 1) == -1)
		return (-1);
	log_trace("sysv-sem", "semop id=%d %+d (SEM_UNDO): %s", t->semid, op,
	    op > 0 ? "writing" : "written");
	return (0);
}

/*
 * table_sysv_pause - a reader met a slot being written: wait for the
 * semaphore to be zero (the update done), a slice of the ms left at a
 * time, so that even a process of mailserv's uid holding it up costs a
 * reader no more than a slice; then a millisecond more, so a slot left
 * odd by a writer that died is not spun on.  table_read keeps the
 * deadline.
 */
static int
table_sysv_pause(void *arg, int ms, char **cause)
{
	struct table_sysv	*t = arg;
	struct sembuf		 sb = { 0, 0, 0 };
	struct timespec		 ts = { 0, 0 }, ms1 = { 0, 1000000 };
	int			 rc;

	if (ms > TABLE_SLICE_MS)
		ms = TABLE_SLICE_MS;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	do
		rc = semtimedop(t->semid, &sb, 1, &ts);
	while (rc == -1 && errno == EINTR);
	if (rc == -1 && errno == EAGAIN)
		return (0);		/* still up: try the slot again */
	if (rc == -1) {
		xasprintf(cause, "online table lock (sem %d): %s", t->semid,
		    strerror(errno));
		return (-1);
	}
	log_trace("sysv-sem", "semop id=%d 0: waited for an update",
	    t->semid);
	nanosleep(&ms1, NULL);
	return (0);
}

/*
 * table_sysv_clear - remove what a dead server left at our keys, if it
 * is ours; -1 with cause if something foreign sits there.
 */
static int
table_sysv_clear(key_t semkey, key_t shmkey, char **cause)
{
	struct shmid_ds	 sds;
	struct semid_ds	 mds;
	union semun { int val; struct semid_ds *buf; } arg;
	int		 id;

	if ((id = shmget(shmkey, 0, 0)) != -1) {
		if (shmctl(id, IPC_STAT, &sds) == -1 ||
		    sds.shm_perm.cuid != geteuid()) {
			xasprintf(cause, "shared memory key 0x%08x (id %d) "
			    "belongs to someone else", (unsigned)shmkey, id);
			return (-1);
		}
		/*
		 * Attached while its maker lives: another server's (an ftok
		 * twin's).  Attached after its maker died: readers, any of
		 * whom could keep it so for ever; their mapping outlives
		 * IPC_RMID.
		 */
		if (sds.shm_nattch > 0 && !(kill(sds.shm_cpid, 0) == -1 &&
		    errno == ESRCH)) {
			xasprintf(cause, "online table (shm id %d) is still "
			    "attached by %lu %s, and its maker (pid %d) "
			    "lives", id, (unsigned long)sds.shm_nattch,
			    plural(sds.shm_nattch, "process", "processes"),
			    (int)sds.shm_cpid);
			return (-1);
		}
		if (sds.shm_nattch > 0)
			log_info("removing stale online table (shm id %d) of "
			    "a dead mailserv (pid %d), though %lu processes "
			    "still have it attached", id, (int)sds.shm_cpid,
			    (unsigned long)sds.shm_nattch);
		else
			log_info("removing stale online table (shm id %d)",
			    id);
		shmctl(id, IPC_RMID, NULL);
	}
	if ((id = semget(semkey, 0, 0)) != -1) {
		arg.buf = &mds;
		if (semctl(id, 0, IPC_STAT, arg) == -1 ||
		    mds.sem_perm.cuid != geteuid()) {
			xasprintf(cause, "semaphore key 0x%08x (id %d) "
			    "belongs to someone else", (unsigned)semkey, id);
			return (-1);
		}
		log_info("removing stale table lock (sem id %d)", id);
		semctl(id, 0, IPC_RMID);
	}
	return (0);
}

static void *
table_sysv_create(const char *keyfile, unsigned nslots, char **cause)
{
	struct table_sysv	*t;
	union semun { int val; struct semid_ds *buf; } arg;
	struct stat		 kst;
	key_t			 semkey, shmkey;
	size_t			 size;
	void			*p;

	if (table_sysv_keys(keyfile, &semkey, &shmkey, &kst) == -1) {
		xasprintf(cause, "ftok %s: %s", keyfile, strerror(errno));
		return (NULL);
	}
	if (table_sysv_clear(semkey, shmkey, cause) != 0)
		return (NULL);
	t = xcalloc(1, sizeof *t);
	t->owner = 1;
	t->shmid = -1;
	/* The lock exists, at rest, before the table is published. */
	if ((t->semid = semget(semkey, 1, IPC_CREAT | IPC_EXCL | 0644)) ==
	    -1) {
		xasprintf(cause, "semget: %s", strerror(errno));
		goto fail;
	}
	arg.val = 0;
	if (semctl(t->semid, 0, SETVAL, arg) == -1) {
		xasprintf(cause, "semctl SETVAL: %s", strerror(errno));
		goto fail;
	}
	log_trace("sysv-sem", "semget key=0x%08x -> id %d, mode 0644, value 0",
	    (unsigned)semkey, t->semid);
	size = table_size(nslots);
	if ((t->shmid = shmget(shmkey, size, IPC_CREAT | IPC_EXCL | 0644)) ==
	    -1) {
		xasprintf(cause, "shmget %zu bytes: %s", size, strerror(errno));
		goto fail;
	}
	if ((p = shmat(t->shmid, NULL, 0)) == (void *)-1) {
		xasprintf(cause, "shmat: %s", strerror(errno));
		goto fail;
	}
	log_trace("sysv-shm", "shmget key=0x%08x -> id %d, %zu B attached",
	    (unsigned)shmkey, t->shmid, size);
	t->mem = p;
	t->nslots = nslots;
	table_init(p, nslots);
	return (t);

fail:
	if (t->shmid != -1)
		shmctl(t->shmid, IPC_RMID, NULL);
	if (t->semid != -1)
		semctl(t->semid, 0, IPC_RMID);
	free(t);
	return (NULL);
}

static void *
table_sysv_attach(const char *keyfile, char **cause)
{
	struct shmid_ds		 sds;
	struct semid_ds		 mds;
	union semun { int val; struct semid_ds *buf; } arg;
	struct stat		 kst;
	struct table_sysv	*t;
	key_t			 semkey, shmkey;
	int64_t			 nslots;
	void			*p;

	if (table_sysv_keys(keyfile, &semkey, &shmkey, &kst) == -1) {
		xasprintf(cause, "no online table (%s: %s)", keyfile,
		    strerror(errno));
		return (NULL);
	}
	t = xcalloc(1, sizeof *t);
	if ((t->shmid = shmget(shmkey, 0, 0)) == -1 ||
	    (t->semid = semget(semkey, 0, 0)) == -1) {
		xasprintf(cause, "no online table (%s)", strerror(errno));
		free(t);
		return (NULL);
	}
	if ((p = shmat(t->shmid, NULL, SHM_RDONLY)) == (void *)-1) {
		xasprintf(cause, "shmat %d: %s", t->shmid, strerror(errno));
		free(t);
		return (NULL);
	}
	log_trace("sysv-shm", "shmat id=%d read-only", t->shmid);
	/* Trust it only if the run directory's owner made it. */
	arg.buf = &mds;
	if (shmctl(t->shmid, IPC_STAT, &sds) == -1 ||
	    semctl(t->semid, 0, IPC_STAT, arg) == -1 ||
	    sds.shm_perm.cuid != kst.st_uid ||
	    mds.sem_perm.cuid != kst.st_uid) {
		xasprintf(cause, "online table (shm %d, sem %d) was not made "
		    "by the run directory's owner", t->shmid, t->semid);
		shmdt(p);
		free(t);
		return (NULL);
	}
	if ((nslots = table_check(p, sds.shm_segsz, cause)) == -1) {
		shmdt(p);
		free(t);
		return (NULL);
	}
	t->mem = p;
	t->nslots = (uint32_t)nslots;
	table_prefault(p, t->nslots);
	return (t);
}

/*
 * table_sysv_write - set or clear slot i with the semaphore raised.  If
 * it cannot be raised (only root could have pushed it to its maximum),
 * the slot's sequence number alone still keeps readers right.
 */
static void
table_sysv_write(struct table_sysv *t, int i, const struct table_user *u)
{
	int	marked;

	if (!(marked = table_sysv_mark(t, 1) == 0))
		log_warn("online table lock (sem %d) cannot be raised; "
		    "updating under the slot sequence only", t->semid);
	table_write(t->mem, i, u);
	if (marked && table_sysv_mark(t, -1) == -1)
		log_warn("online table lock (sem %d) cannot be lowered",
		    t->semid);
}

static int
table_sysv_add(void *be, const struct table_user *u)
{
	struct table_sysv	*t = be;
	int			 i;

	if ((i = table_free_slot(t->mem, t->nslots)) != -1)
		table_sysv_write(t, i, u);
	return (i);
}

static void
table_sysv_del(void *be, int i)
{
	struct table_sysv	*t = be;

	if (i >= 0 && (uint32_t)i < t->nslots)
		table_sysv_write(t, i, NULL);
}

static void
table_sysv_set(void *be, int i, const struct table_user *u)
{
	struct table_sysv	*t = be;

	if (i >= 0 && (uint32_t)i < t->nslots)
		table_sysv_write(t, i, u);
}

static int
table_sysv_read(void *be, struct table_user **out, size_t *n,
    struct table_info *info, char **cause)
{
	struct table_sysv	*t = be;

	return (table_read(t->mem, t->nslots, out, n, info, TABLE_READ_MS,
	    table_sysv_pause, t, cause));
}

static size_t
table_sysv_objects(const char *keyfile, struct table_object *obj,
    size_t max)
{
	struct shmid_ds	 sds;
	struct semid_ds	 mds;
	union semun { int val; struct semid_ds *buf; } arg;
	struct stat	 kst;
	key_t		 semkey, shmkey;
	size_t		 n = 0;
	int		 id;

	if (table_sysv_keys(keyfile, &semkey, &shmkey, &kst) == -1)
		return (0);
	if (n < max && (id = shmget(shmkey, 0, 0)) != -1 &&
	    shmctl(id, IPC_STAT, &sds) == 0) {
		memset(&obj[n], 0, sizeof obj[n]);
		obj[n].role = "online table (shm)";
		obj[n].key = (int)shmkey;
		obj[n].id = id;
		obj[n].mode = sds.shm_perm.mode & 0777;
		obj[n].uid = sds.shm_perm.uid;
		obj[n].size = sds.shm_segsz;
		obj[n].attached = sds.shm_nattch;
		n++;
	}
	arg.buf = &mds;
	if (n < max && (id = semget(semkey, 0, 0)) != -1 &&
	    semctl(id, 0, IPC_STAT, arg) == 0) {
		memset(&obj[n], 0, sizeof obj[n]);
		obj[n].role = "table lock (sem)";
		obj[n].key = (int)semkey;
		obj[n].id = id;
		obj[n].mode = mds.sem_perm.mode & 0777;
		obj[n].uid = mds.sem_perm.uid;
		obj[n].size = mds.sem_nsems;
		obj[n].attached = (unsigned long)semctl(id, 0, GETVAL);
		n++;
	}
	return (n);
}

static int
table_sysv_purge(const char *keyfile, char **cause)
{
	struct stat	kst;
	key_t		semkey, shmkey;

	if (table_sysv_keys(keyfile, &semkey, &shmkey, &kst) == -1)
		return (0);
	return (table_sysv_clear(semkey, shmkey, cause));
}

static void
table_sysv_detach(void *be)
{
	struct table_sysv	*t = be;

	if (t == NULL)
		return;
	shmdt(t->mem);
	free(t);
}

static void
table_sysv_destroy(void *be)
{
	struct table_sysv	*t = be;

	if (t == NULL)
		return;
	shmdt(t->mem);
	if (t->owner) {
		shmctl(t->shmid, IPC_RMID, NULL);
		semctl(t->semid, 0, IPC_RMID);
		log_trace("sysv-shm", "shmctl id=%d IPC_RMID", t->shmid);
		log_trace("sysv-sem", "semctl id=%d IPC_RMID", t->semid);
	}
	free(t);
}

/*
 * table_sysv_present - are the segment and the semaphore we made still
 * there?  If not, *what names the one that is gone.  ipcrm of an
 * attached segment only marks it (SHM_DEST; it loses its key), so that
 * counts as gone too.
 */
static int
table_sysv_present(void *be, char **what)
{
	struct table_sysv	*t = be;
	struct shmid_ds		 sds;
	union semun { int val; struct semid_ds *buf; } arg;
	struct semid_ds		 mds;

	if (shmctl(t->shmid, IPC_STAT, &sds) == -1 ||
	    (sds.shm_perm.mode & SHM_DEST)) {
		xasprintf(what, "the online table (shm id %d)", t->shmid);
		return (0);
	}
	arg.buf = &mds;
	if (semctl(t->semid, 0, IPC_STAT, arg) == -1) {
		xasprintf(what, "the online table's lock (sem id %d)",
		    t->semid);
		return (0);
	}
	return (1);
}

const struct table_ops table_sysv_ops = {
	.name = "sysv",
	.create = table_sysv_create,
	.attach = table_sysv_attach,
	.add = table_sysv_add,
	.del = table_sysv_del,
	.set = table_sysv_set,
	.read = table_sysv_read,
	.objects = table_sysv_objects,
	.purge = table_sysv_purge,
	.detach = table_sysv_detach,
	.destroy = table_sysv_destroy,
	.present = table_sysv_present,
};

/*
 * table_posix.c - the online-user table in POSIX shared memory
 * (shm_open "/ipcmail.ID.table" + mmap), beside a POSIX named
 * semaphore (sem_open "/ipcmail.ID.lock"), ID being the run
 * directory's random id; both mode 0644.
 *
 * Readers take no lock: they rely on the slots' sequence numbers
 * (table.c), sleeping a millisecond between passes that met a slot
 * being written, and never open the semaphore.  sem_open needs read
 * and write permission, so at 0644 no other user can open it at all.
 * It serializes mailserv's updates against any process of mailserv's
 * own uid (or root) that takes it.  A named semaphore is not given back
 * when its holder dies, so the server waits for it a bounded time;
 * then it takes the lock as lost by a holder that died: it gives it
 * back (sem_post), logs it, and goes on.  Should that holder have been
 * only slow, the extra count its late sem_post leaves is taken away
 * the next time the server holds the lock.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rundir.h"
#include "table.h"
#include "xmalloc.h"

#define TABLE_POSIX_READER_MS	1000	/* bound on a slot being written */
#define TABLE_POSIX_SERVER_MS	250

struct table_posix {
	sem_t		*sem;
	void		*mem;
	size_t		 size;
	uint32_t	 nslots;
	int		 owner;
	dev_t		 dev;		/* the shm object we made */
	ino_t		 ino;
	ino_t		 semino;	/* and the semaphore's file */
	char		 shmname[96];
	char		 semname[96];
};

static int
table_posix_names(const char *keyfile, char *shm, char *sem)
{
	if (rundir_ipc_name(keyfile, "table", shm, 96) == -1 ||
	    rundir_ipc_name(keyfile, "lock", sem, 96) == -1)
		return (-1);
	return (0);
}

/* table_posix_wait - take the lock within ms; 0, or -1 (ETIMEDOUT). */
static int
table_posix_wait(struct table_posix *t, int ms)
{
	struct timespec	ts;
	int		rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	do
		rc = sem_timedwait(t->sem, &ts);
	while (rc == -1 && errno == EINTR);
	if (rc == 0)
		log_trace("posix-sem", "sem_timedwait %s: taken", t->semname);
	return (rc);
}

static void
table_posix_post(struct table_posix *t)
{
	sem_post(t->sem);
	log_trace("posix-sem", "sem_post %s", t->semname);
}

/* table_posix_clear - unlink what a dead server left, if it is ours. */
static int
table_posix_clear(const char *shm, const char *sem, char **cause)
{
	struct stat	st;
	int		fd;

	if ((fd = shm_open(shm, O_RDONLY, 0)) != -1) {
		if (fstat(fd, &st) == -1 || st.st_uid != geteuid()) {
			xasprintf(cause, "%s belongs to someone else", shm);
			close(fd);
			return (-1);
		}
		close(fd);
		log_info("removing stale online table %s", shm);
		shm_unlink(shm);
	}
	if (sem_unlink(sem) == 0)
		log_info("removing stale table lock %s", sem);
	return (0);
}

static void *
table_posix_create(const char *keyfile, unsigned nslots, char **cause)
{
	struct table_posix	*t = xcalloc(1, sizeof *t);
	struct stat		 st;
	char			 path[128];
	mode_t			 old;
	int			 fd;

	t->owner = 1;
	t->sem = SEM_FAILED;
	if (table_posix_names(keyfile, t->shmname, t->semname) == -1) {
		xasprintf(cause, "%s: no run directory id", keyfile);
		goto fail;
	}
	if (table_posix_clear(t->shmname, t->semname, cause) != 0)
		goto fail;
	/* Readers never open it: 0644, so no other user can (umask off). */
	old = umask(0);
	t->sem = sem_open(t->semname, O_CREAT | O_EXCL, 0644, 1);
	umask(old);
	if (t->sem == SEM_FAILED) {
		xasprintf(cause, "sem_open %s: %s", t->semname,
		    strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof path, "/dev/shm/sem.%s", t->semname + 1);
	if (stat(path, &st) == 0)
		t->semino = st.st_ino;
	log_trace("posix-sem", "sem_open %s, mode 0644, value 1", t->semname);
	t->size = table_size(nslots);
	if ((fd = shm_open(t->shmname, O_CREAT | O_EXCL | O_RDWR, 0644)) ==
	    -1 || ftruncate(fd, (off_t)t->size) == -1 ||
	    (t->mem = mmap(NULL, t->size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		xasprintf(cause, "shm_open %s: %s", t->shmname,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		t->mem = NULL;
		goto fail;
	}
	if (fstat(fd, &st) == 0) {
		t->dev = st.st_dev;
		t->ino = st.st_ino;
	}
	close(fd);
	log_trace("posix-shm", "shm_open %s, %zu B mapped", t->shmname,
	    t->size);
	t->nslots = nslots;
	table_init(t->mem, nslots);
	return (t);

fail:
	if (t->sem != SEM_FAILED) {
		sem_close(t->sem);
		sem_unlink(t->semname);
	}
	if (t->shmname[0] != '\0' && t->mem == NULL)
		shm_unlink(t->shmname);
	free(t);
	return (NULL);
}

static void *
table_posix_attach(const char *keyfile, char **cause)
{
	struct table_posix	*t = xcalloc(1, sizeof *t);
	struct stat		 st, kst;
	int64_t			 nslots;
	int			 fd;

	t->sem = SEM_FAILED;
	if (table_posix_names(keyfile, t->shmname, t->semname) == -1) {
		xasprintf(cause, "no online table (%s has no run directory "
		    "id)", keyfile);
		free(t);
		return (NULL);
	}
	if ((fd = shm_open(t->shmname, O_RDONLY, 0)) == -1) {
		xasprintf(cause, "no online table (%s: %s)", t->shmname,
		    strerror(errno));
		free(t);
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || stat(keyfile, &kst) == -1 ||
	    st.st_uid != kst.st_uid) {
		xasprintf(cause, "online table %s was not made by the run "
		    "directory's owner", t->shmname);
		close(fd);
		free(t);
		return (NULL);
	}
	t->size = (size_t)st.st_size;
	t->mem = mmap(NULL, t->size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (t->mem == MAP_FAILED) {
		xasprintf(cause, "mmap %s: %s", t->shmname, strerror(errno));
		free(t);
		return (NULL);
	}
	log_trace("posix-shm", "shm_open %s, mapped read-only", t->shmname);
	if ((nslots = table_check(t->mem, t->size, cause)) == -1) {
		munmap(t->mem, t->size);
		free(t);
		return (NULL);
	}
	t->nslots = (uint32_t)nslots;
	table_prefault(t->mem, t->nslots);
	return (t);
}

/*
 * table_posix_write - set or clear slot i.  A lock not had within
 * TABLE_POSIX_SERVER_MS was lost by a holder that died: take it back.
 */
static void
table_posix_write(struct table_posix *t, int i, const struct table_user *u)
{
	int	value;

	if (table_posix_wait(t, TABLE_POSIX_SERVER_MS) == -1) {
		log_warnx("online table lock %s held for %d ms: a process of "
		    "mailserv's uid died holding it; recovered", t->semname,
		    TABLE_POSIX_SERVER_MS);
		table_posix_post(t);
		if (table_posix_wait(t, TABLE_POSIX_SERVER_MS) == -1) {
			log_warnx("online table lock %s still busy: updating "
			    "under the slot sequence only", t->semname);
			table_write(t->mem, i, u);
			return;
		}
	}
	/* A binary lock: a late post from a "dead" holder is undone. */
	while (sem_getvalue(t->sem, &value) == 0 && value > 0 &&
	    sem_trywait(t->sem) == 0)
		;
	table_write(t->mem, i, u);
	table_posix_post(t);
}

static int
table_posix_add(void *be, const struct table_user *u)
{
	struct table_posix	*t = be;
	int			 i;

	if ((i = table_free_slot(t->mem, t->nslots)) != -1)
		table_posix_write(t, i, u);
	return (i);
}

static void
table_posix_del(void *be, int i)
{
	struct table_posix	*t = be;

	if (i >= 0 && (uint32_t)i < t->nslots)
		table_posix_write(t, i, NULL);
}

/* table_posix_pause - a reader met a slot being written: sleep 1 ms. */
static int
table_posix_pause(void *arg, int ms, char **cause)
{
	struct timespec	ts = { 0, 1000000 };

	(void)ms;
	(void)cause;
	log_trace("posix-shm", "%s: a slot is being written; trying again",
	    ((struct table_posix *)arg)->shmname);
	nanosleep(&ts, NULL);
	return (0);
}

static void
table_posix_set(void *be, int i, const struct table_user *u)
{
	struct table_posix	*t = be;

	if (i >= 0 && (uint32_t)i < t->nslots)
		table_posix_write(t, i, u);
}

static int
table_posix_read(void *be, struct table_user **out, size_t *n,
    struct table_info *info, char **cause)
{
	struct table_posix	*t = be;

	return (table_read(t->mem, t->nslots, out, n, info,
	    TABLE_POSIX_READER_MS, table_posix_pause, t, cause));
}

/* table_posix_object - describe the object at path, if it is there. */
static size_t
table_posix_object(struct table_object *obj, const char *role,
    const char *path, const char *name)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (0);
	memset(obj, 0, sizeof *obj);
	obj->role = role;
	snprintf(obj->name, sizeof obj->name, "%s", name);
	obj->id = -1;
	obj->mode = st.st_mode & 0777;
	obj->uid = st.st_uid;
	obj->size = (unsigned long)st.st_size;
	return (1);
}

static size_t
table_posix_objects(const char *keyfile, struct table_object *obj,
    size_t max)
{
	char	 shm[96], sem[96], path[128];
	size_t	 n = 0;

	if (table_posix_names(keyfile, shm, sem) == -1)
		return (0);
	snprintf(path, sizeof path, "/dev/shm%s", shm);
	if (n < max)
		n += table_posix_object(&obj[n], "online table (shm)", path,
		    shm);
	snprintf(path, sizeof path, "/dev/shm/sem.%s", sem + 1);
	if (n < max && table_posix_object(&obj[n], "table lock (sem)", path,
	    sem) == 1) {
		obj[n].size = 1;	/* one semaphore */
		n++;
	}
	return (n);
}

static int
table_posix_purge(const char *keyfile, char **cause)
{
	char	shm[96], sem[96];

	if (table_posix_names(keyfile, shm, sem) == -1)
		return (0);
	return (table_posix_clear(shm, sem, cause));
}

static void
table_posix_detach(void *be)
{
	struct table_posix	*t = be;

	if (t == NULL)
		return;
	munmap(t->mem, t->size);
	if (t->sem != SEM_FAILED)
		sem_close(t->sem);
	free(t);
}

static void
table_posix_destroy(void *be)
{
	struct table_posix	*t = be;

	if (t == NULL)
		return;
	munmap(t->mem, t->size);
	if (t->sem != SEM_FAILED)
		sem_close(t->sem);
	if (t->owner) {
		shm_unlink(t->shmname);
		sem_unlink(t->semname);
		log_trace("posix-shm", "shm_unlink %s", t->shmname);
		log_trace("posix-sem", "sem_unlink %s", t->semname);
	}
	free(t);
}

/*
 * table_posix_present - do our names still lead to what we made?  If
 * not, *what names the one that is gone.  The memory must be the very
 * object (same inode), and so must the semaphore's file (Linux keeps
 * named semaphores as /dev/shm/sem.NAME).
 */
static int
table_posix_present(void *be, char **what)
{
	struct table_posix	*t = be;
	struct stat		 st;
	char			 path[128];
	int			 fd, same;

	same = (fd = shm_open(t->shmname, O_RDONLY, 0)) != -1 &&
	    fstat(fd, &st) == 0 && st.st_dev == t->dev && st.st_ino == t->ino;
	if (fd != -1)
		close(fd);
	if (!same) {
		xasprintf(what, "the online table %s", t->shmname);
		return (0);
	}
	snprintf(path, sizeof path, "/dev/shm/sem.%s", t->semname + 1);
	if (stat(path, &st) == -1 ||
	    (t->semino != 0 && st.st_ino != t->semino)) {
		xasprintf(what, "the online table's lock %s", t->semname);
		return (0);
	}
	return (1);
}

const struct table_ops table_posix_ops = {
	.name = "posix",
	.create = table_posix_create,
	.attach = table_posix_attach,
	.add = table_posix_add,
	.del = table_posix_del,
	.set = table_posix_set,
	.read = table_posix_read,
	.objects = table_posix_objects,
	.purge = table_posix_purge,
	.detach = table_posix_detach,
	.destroy = table_posix_destroy,
	.present = table_posix_present,
};

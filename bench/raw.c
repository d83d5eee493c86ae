/*
 * raw.c - the raw baselines: two processes and one kernel mechanism,
 * nothing else.  Every mechanism copies the payload in and out: the
 * kernel does it for descriptors and queues (write/read, msgsnd/msgrcv,
 * mq_send/mq_receive); with shared memory the writer memcpy()s into the
 * segment and the reader out of it.  Round trips are timed one by one
 * by end A; one-way throughput is the messages end B received from the
 * release to its last one.  The objects are private (pipe, socketpair,
 * IPC_PRIVATE) or their names are unlinked as soon as the parent holds
 * them, before any child exists, so no name is left behind; the SysV
 * queue and semaphore set are removed through the cleanup stack.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

enum raw_kind {
	RAW_PIPE, RAW_FIFO, RAW_STREAM, RAW_SEQPACKET, RAW_SYSVMQ,
	RAW_POSIXMQ, RAW_SHM_SYSVSEM, RAW_SHM_POSIXSEM
};

const char *const raw_names[RAW_NMECH] = {
	"pipe", "fifo", "unix-stream", "unix-seqpacket", "sysv-mq",
	"posix-mq", "shm+sysv-sem", "shm+posix-sem"
};

#define RAW_HEAD	16		/* room before a payload: SysV mtype */
#define RAW_RING_BYTES	65536		/* a shm ring holds what a pipe does */

struct raw_chan {
	enum raw_kind	 kind;
	size_t		 size;
	int		 ndir;		/* 2 for round trips, 1 for one-way */
	int		 slots;		/* per direction; 1 for round trips */
	int		 fd[2][2];	/* [direction][0 read end, 1 write end] */
	int		 qid;		/* SysV queue */
	int		 semid;		/* SysV: empty and full per direction */
	mqd_t		 mq[2];
	sem_t		*sem[4];	/* POSIX: empty0 full0 empty1 full1 */
	uint8_t		*shm;
	size_t		 shmlen;
	int		 head[2];	/* next slot to fill (writer's copy) */
	int		 tail[2];	/* next slot to drain (reader's copy) */
	int		 undo;		/* cleanup handle of the SysV ids */
};

struct raw_job {
	struct raw_chan	*c;
	int		 warm;
	int		 count;
};

/* raw_undo - remove the SysV queue and semaphore set (cleanup stack). */
static void
raw_undo(void *arg)
{
	struct raw_chan	*c = arg;

	if (c->qid != -1 && msgctl(c->qid, IPC_RMID, NULL) == 0)
		c->qid = -1;
	if (c->semid != -1 && semctl(c->semid, 0, IPC_RMID) == 0)
		c->semid = -1;
}

static void
raw_name(char *buf, size_t len, const char *what, int i)
{
	snprintf(buf, len, "/mailbench-%ld-%s%d", (long)getpid(), what, i);
}

static int
raw_msg_max(void)
{
	FILE	*f;
	int	 v = 10;

	if ((f = fopen("/proc/sys/fs/mqueue/msg_max", "r")) != NULL) {
		if (fscanf(f, "%d", &v) != 1 || v < 1)
			v = 10;
		fclose(f);
	}
	return (v);
}

/* raw_fifo - a FIFO in a private directory, both ends open, no name. */
static int
raw_fifo(int fd[2], char **why)
{
	char	dir[] = "/tmp/mailbench-fifo.XXXXXX", path[64];
	int	flags;

	fd[0] = fd[1] = -1;
	if (mkdtemp(dir) == NULL) {
		xasprintf(why, "mkdtemp: %s", strerror(errno));
		return (-1);
	}
	run_note("dir %s", dir);
	snprintf(path, sizeof path, "%s/f", dir);
	if (mkfifo(path, 0600) == -1 ||
	    (fd[0] = open(path, O_RDONLY | O_NONBLOCK)) == -1 ||
	    (fd[1] = open(path, O_WRONLY)) == -1 ||
	    (flags = fcntl(fd[0], F_GETFL)) == -1 ||
	    fcntl(fd[0], F_SETFL, flags & ~O_NONBLOCK) == -1) {
		xasprintf(why, "FIFO %s: %s", path, strerror(errno));
		if (fd[0] != -1)
			close(fd[0]);
		fd[0] = -1;
	}
	unlink(path);
	rmdir(dir);
	return (fd[0] == -1 ? -1 : 0);
}

static void
raw_detach(struct raw_chan *c)
{
	int	d, e, i;

	for (d = 0; d < 2; d++) {
		for (e = 0; e < 2; e++) {
			if (c->fd[d][e] == -1)
				continue;
			/* a socketpair's fds appear twice */
			for (i = 0; i < 2; i++)
				if (c->fd[1 - d][i] == c->fd[d][e])
					c->fd[1 - d][i] = -1;
			close(c->fd[d][e]);
			c->fd[d][e] = -1;
		}
		if (c->mq[d] != (mqd_t)-1)
			mq_close(c->mq[d]);
		c->mq[d] = (mqd_t)-1;
	}
	for (i = 0; i < 4; i++) {
		if (c->sem[i] != NULL)
			sem_close(c->sem[i]);
		c->sem[i] = NULL;
	}
	if (c->shm != NULL) {
		if (c->kind == RAW_SHM_SYSVSEM)
			shmdt(c->shm);
		else
			munmap(c->shm, c->shmlen);
		c->shm = NULL;
	}
}

/* raw_close - the parent's end of a channel: drop it all. */
static void
raw_close(struct raw_chan *c)
{
	raw_detach(c);
	run_settle(c->undo);
	c->undo = -1;
}

/* raw_open - make the objects of one channel in the parent. */
static int
raw_open(struct raw_chan *c, enum raw_kind kind, size_t size, int oneway,
    char **why)
{
	union semun { int val; unsigned short *array; } arg;
	struct mq_attr	attr;
	unsigned short	init[4];
	char		name[64];
	int		d, sv[2], fd, i;

	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->size = size;
	c->ndir = oneway ? 1 : 2;
	c->slots = oneway ? (int)(RAW_RING_BYTES / size) : 1;
	c->qid = c->semid = c->undo = -1;
	for (d = 0; d < 2; d++) {
		c->fd[d][0] = c->fd[d][1] = -1;
		c->mq[d] = (mqd_t)-1;
	}
	switch (kind) {
	case RAW_PIPE:
		for (d = 0; d < c->ndir; d++)
			if (pipe(c->fd[d]) == -1)
				goto fail_errno;
		break;
	case RAW_FIFO:
		for (d = 0; d < c->ndir; d++)
			if (raw_fifo(c->fd[d], why) == -1)
				goto fail;
		break;
	case RAW_STREAM:
	case RAW_SEQPACKET:
		if (socketpair(AF_UNIX, kind == RAW_STREAM ? SOCK_STREAM :
		    SOCK_SEQPACKET, 0, sv) == -1)
			goto fail_errno;
		c->fd[0][1] = sv[0];		/* A writes, B reads */
		c->fd[0][0] = sv[1];
		if (!oneway) {
			c->fd[1][1] = sv[1];	/* B writes, A reads */
			c->fd[1][0] = sv[0];
		}
		break;
	case RAW_SYSVMQ:
		if ((c->qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) == -1)
			goto fail_errno;
		run_note("msq %d", c->qid);
		c->undo = run_defer(raw_undo, c);
		break;
	case RAW_POSIXMQ:
		memset(&attr, 0, sizeof attr);
		attr.mq_maxmsg = raw_msg_max();
		attr.mq_msgsize = (long)size;
		for (d = 0; d < c->ndir; d++) {
			raw_name(name, sizeof name, "mq", d);
			c->mq[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL,
			    0600, &attr);
			if (c->mq[d] == (mqd_t)-1)
				goto fail_errno;
			run_note("mq %s", name);
			mq_unlink(name);
		}
		break;
	case RAW_SHM_SYSVSEM:
	case RAW_SHM_POSIXSEM:
		c->shmlen = 2 * (size_t)c->slots * size;
		if (kind == RAW_SHM_SYSVSEM) {
			if ((fd = shmget(IPC_PRIVATE, c->shmlen,
			    IPC_CREAT | 0600)) == -1)
				goto fail_errno;
			run_note("shm %d", fd);
			c->shm = shmat(fd, NULL, 0);
			/* Gone with the last detach; children inherit it. */
			shmctl(fd, IPC_RMID, NULL);
			if (c->shm == (void *)-1) {
				c->shm = NULL;
				goto fail_errno;
			}
			if ((c->semid = semget(IPC_PRIVATE, 4,
			    IPC_CREAT | 0600)) == -1)
				goto fail_errno;
			run_note("sem %d", c->semid);
			c->undo = run_defer(raw_undo, c);
			for (i = 0; i < 4; i++)
				init[i] = i % 2 == 0 ? (unsigned short)c->slots :
				    0;
			arg.array = init;
			if (semctl(c->semid, 0, SETALL, arg) == -1)
				goto fail_errno;
		} else {
			raw_name(name, sizeof name, "shm", 0);
			if ((fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL,
			    0600)) == -1)
				goto fail_errno;
			run_note("shm-name %s", name);
			shm_unlink(name);
			if (ftruncate(fd, (off_t)c->shmlen) == -1) {
				close(fd);
				goto fail_errno;
			}
			c->shm = mmap(NULL, c->shmlen, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
			close(fd);
			if (c->shm == MAP_FAILED) {
				c->shm = NULL;
				goto fail_errno;
			}
			for (i = 0; i < 4; i++) {
				raw_name(name, sizeof name, "sem", i);
				c->sem[i] = sem_open(name, O_CREAT | O_EXCL,
				    0600, i % 2 == 0 ? (unsigned)c->slots : 0);
				if (c->sem[i] == SEM_FAILED) {
					c->sem[i] = NULL;
					goto fail_errno;
				}
				run_note("sem-name %s", name);
				sem_unlink(name);
			}
		}
		memset(c->shm, 0, c->shmlen);
		break;
	}
	return (0);

fail_errno:
	xasprintf(why, "%s: %s", raw_names[kind], strerror(errno));
fail:
	raw_close(c);
	return (-1);
}

/* raw_side - in a child: keep only the descriptors of end A or B. */
static void
raw_side(struct raw_chan *c, int side)
{
	int	keep[2], d, e;

	/* A writes direction 0 and reads 1; B the other way round. */
	keep[0] = c->fd[0][side == 0 ? 1 : 0];
	keep[1] = c->fd[1][side == 0 ? 0 : 1];
	for (d = 0; d < 2; d++) {
		for (e = 0; e < 2; e++) {
			if (c->fd[d][e] != -1 && c->fd[d][e] != keep[0] &&
			    c->fd[d][e] != keep[1])
				close(c->fd[d][e]);
		}
	}
	c->fd[0][side == 0 ? 0 : 1] = -1;
	c->fd[1][side == 0 ? 1 : 0] = -1;
}

static int
raw_semop(int semid, int num, int op)
{
	struct sembuf	sb = { (unsigned short)num, (short)op, 0 };

	while (semop(semid, &sb, 1) == -1)
		if (errno != EINTR)
			return (-1);
	return (0);
}

static int
raw_sem_wait(sem_t *s)
{
	while (sem_wait(s) == -1)
		if (errno != EINTR)
			return (-1);
	return (0);
}

static int
raw_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
raw_read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static uint8_t *
raw_slot(struct raw_chan *c, int d, int k)
{
	return (c->shm + ((size_t)d * (size_t)c->slots + (size_t)k) * c->size);
}

/* raw_put - send the payload at p (RAW_HEAD bytes of room before it). */
static int
raw_put(struct raw_chan *c, int d, uint8_t *p)
{
	long	*mtype;

	switch (c->kind) {
	case RAW_PIPE:
	case RAW_FIFO:
	case RAW_STREAM:
		return (raw_write_all(c->fd[d][1], p, c->size));
	case RAW_SEQPACKET:
		return (write(c->fd[d][1], p, c->size) == (ssize_t)c->size ?
		    0 : -1);
	case RAW_SYSVMQ:
		mtype = (long *)(void *)(p - sizeof(long));
		*mtype = d + 1;
		while (msgsnd(c->qid, mtype, c->size, 0) == -1)
			if (errno != EINTR)
				return (-1);
		return (0);
	case RAW_POSIXMQ:
		while (mq_send(c->mq[d], (char *)p, c->size, 0) == -1)
			if (errno != EINTR)
				return (-1);
		return (0);
	case RAW_SHM_SYSVSEM:
		if (c->slots > 1 && raw_semop(c->semid, 2 * d, -1) == -1)
			return (-1);
		memcpy(raw_slot(c, d, c->head[d]), p, c->size);
		c->head[d] = (c->head[d] + 1) % c->slots;
		return (raw_semop(c->semid, 2 * d + 1, 1));
	case RAW_SHM_POSIXSEM:
		if (c->slots > 1 && raw_sem_wait(c->sem[2 * d]) == -1)
			return (-1);
		memcpy(raw_slot(c, d, c->head[d]), p, c->size);
		c->head[d] = (c->head[d] + 1) % c->slots;
		return (sem_post(c->sem[2 * d + 1]));
	}
	return (-1);
}

/* raw_get - receive one payload into p. */
static int
raw_get(struct raw_chan *c, int d, uint8_t *p)
{
	ssize_t	n;

	switch (c->kind) {
	case RAW_PIPE:
	case RAW_FIFO:
	case RAW_STREAM:
		return (raw_read_all(c->fd[d][0], p, c->size));
	case RAW_SEQPACKET:
		return (read(c->fd[d][0], p, c->size) == (ssize_t)c->size ?
		    0 : -1);
	case RAW_SYSVMQ:
		while ((n = msgrcv(c->qid, p - sizeof(long), c->size, d + 1,
		    0)) == -1)
			if (errno != EINTR)
				return (-1);
		return (n == (ssize_t)c->size ? 0 : -1);
	case RAW_POSIXMQ:
		while ((n = mq_receive(c->mq[d], (char *)p, c->size,
		    NULL)) == -1)
			if (errno != EINTR)
				return (-1);
		return (n == (ssize_t)c->size ? 0 : -1);
	case RAW_SHM_SYSVSEM:
		if (raw_semop(c->semid, 2 * d + 1, -1) == -1)
			return (-1);
		memcpy(p, raw_slot(c, d, c->tail[d]), c->size);
		c->tail[d] = (c->tail[d] + 1) % c->slots;
		return (c->slots > 1 ? raw_semop(c->semid, 2 * d, 1) : 0);
	case RAW_SHM_POSIXSEM:
		if (raw_sem_wait(c->sem[2 * d + 1]) == -1)
			return (-1);
		memcpy(p, raw_slot(c, d, c->tail[d]), c->size);
		c->tail[d] = (c->tail[d] + 1) % c->slots;
		return (c->slots > 1 ? sem_post(c->sem[2 * d]) : 0);
	}
	return (-1);
}

/* raw_buffer - a payload with RAW_HEAD bytes of room before it. */
static uint8_t *
raw_buffer(size_t size)
{
	void	*b;

	if (posix_memalign(&b, 64, RAW_HEAD + size) != 0)
		return (NULL);
	memset(b, 'x', RAW_HEAD + size);
	return ((uint8_t *)b + RAW_HEAD);
}

/* raw_rtt - a round-trip child: end A (idx 0) times, end B echoes. */
static int
raw_rtt(struct run *r, int idx, void *arg)
{
	struct raw_job	*j = arg;
	struct raw_chan	*c = j->c;
	struct run_msg	 m;
	int64_t		*t = NULL, t0;
	uint64_t	 seq;
	uint8_t		*p;
	int		 i, total = j->warm + j->count;

	raw_side(c, idx);
	if ((p = raw_buffer(c->size)) == NULL)
		return (run_fail(r, idx, "out of memory"));
	if (idx == 0)
		t = xcalloc((size_t)j->count, sizeof *t);
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	for (i = 0; i < total; i++) {
		if (idx == 1) {
			if (raw_get(c, 0, p) == -1 || raw_put(c, 1, p) == -1)
				return (run_fail(r, idx, "%s: echo %d: %s",
				    raw_names[c->kind], i, strerror(errno)));
			continue;
		}
		seq = (uint64_t)i;
		memcpy(p, &seq, sizeof seq);
		t0 = stat_now();
		if (raw_put(c, 0, p) == -1 || raw_get(c, 1, p) == -1)
			return (run_fail(r, idx, "%s: round trip %d: %s",
			    raw_names[c->kind], i, strerror(errno)));
		if (i >= j->warm)
			t[i - j->warm] = stat_now() - t0;
		memcpy(&seq, p, sizeof seq);
		if (seq != (uint64_t)i)
			return (run_fail(r, idx, "%s: echo %llu for %d",
			    raw_names[c->kind], (unsigned long long)seq, i));
	}
	memset(&m, 0, sizeof m);
	m.idx = idx;
	if (idx == 0) {
		stat_sort(t, (size_t)j->count);
		m.v[0] = (int64_t)(stat_pct_us(t, (size_t)j->count, 50) * 1000);
		m.v[1] = (int64_t)(stat_pct_us(t, (size_t)j->count, 99) * 1000);
	}
	run_result(r, &m);
	return (0);
}

/* raw_oneway - a one-way child: idx 0 sends count messages, 1 takes them. */
static int
raw_oneway(struct run *r, int idx, void *arg)
{
	struct raw_job	*j = arg;
	struct raw_chan	*c = j->c;
	struct run_msg	 m;
	int64_t		 cpu0, end = 0;
	uint64_t	 seq;
	uint8_t		*p;
	int		 i;

	raw_side(c, idx);
	if ((p = raw_buffer(c->size)) == NULL)
		return (run_fail(r, idx, "out of memory"));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	for (i = 0; i < j->count; i++) {
		if (idx == 0) {
			seq = (uint64_t)i;
			memcpy(p, &seq, sizeof seq);
			if (raw_put(c, 0, p) == -1)
				return (run_fail(r, idx, "%s: send %d: %s",
				    raw_names[c->kind], i, strerror(errno)));
			continue;
		}
		if (raw_get(c, 0, p) == -1)
			return (run_fail(r, idx, "%s: receive %d: %s",
			    raw_names[c->kind], i, strerror(errno)));
		memcpy(&seq, p, sizeof seq);
		if (seq != (uint64_t)i)
			return (run_fail(r, idx, "%s: message %llu, wanted %d",
			    raw_names[c->kind], (unsigned long long)seq, i));
	}
	end = stat_now();
	memset(&m, 0, sizeof m);
	m.idx = idx;
	m.v[0] = stat_cpu() - cpu0;
	m.v[1] = end;
	run_result(r, &m);
	return (0);
}

/* raw_pair - one run of the two ends; results indexed by end. */
static int
raw_pair(const struct bench_place *pl, enum raw_kind kind, size_t size,
    int oneway, struct raw_job *j, struct run_msg res[2], int64_t *start,
    char **why)
{
	struct raw_chan	c;
	struct run	r;
	struct run_msg	m[2];
	int		i;

	memset(&r, 0, sizeof r);
	if (raw_open(&c, kind, size, oneway, why) == -1)
		return (-1);
	j->c = &c;
	if (run_open(&r) == -1)
		goto fail;
	for (i = 0; i < 2; i++)
		if (run_spawn(&r, i == 0 ? pl->cpu_a : pl->cpu_b, 0,
		    oneway ? raw_oneway : raw_rtt, i, j) == -1)
			goto fail;
	raw_detach(&c);		/* the children hold the ends now */
	if (run_collect(&r, RUN_READY, 2, NULL) == -1)
		goto fail;
	*start = stat_now();
	if (run_go(&r, 0, 2) == -1 || run_collect(&r, RUN_RESULT, 2, m) == -1)
		goto fail;
	res[m[0].idx == 0 ? 0 : 1] = m[0];
	res[m[0].idx == 0 ? 1 : 0] = m[1];
	if (run_end(&r) == -1)
		goto fail;
	raw_close(&c);
	return (0);

fail:
	xasprintf(why, "%s", run_error());
	run_clear_error();
	if (r.open)
		run_abort(&r);
	raw_close(&c);
	return (-1);
}

/*
 * raw_fsync_main - what a durable spool pays per commit: a 128-byte
 * append and fdatasync(), one after the other, on the file system of
 * mailbench's run directories (/tmp here), in a directory removed after.
 */
static int
raw_fsync_main(struct run *r, int idx, void *arg)
{
	struct raw_job	*j = arg;
	struct run_msg	 m;
	char		 dir[] = "/tmp/mailbench-sync.XXXXXX", path[64];
	uint8_t		 buf[128];
	int64_t		*t, t0, start, cpu0;
	int		 fd, i;

	memset(buf, 'x', sizeof buf);
	t = xcalloc((size_t)j->count, sizeof *t);
	if (mkdtemp(dir) == NULL)
		return (run_fail(r, idx, "mkdtemp: %s", strerror(errno)));
	snprintf(path, sizeof path, "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	unlink(path);
	rmdir(dir);
	if (fd == -1)
		return (run_fail(r, idx, "%s: %s", path, strerror(errno)));
	run_ready(r, idx);
	if (run_await(r, 0) == -1)
		return (0);
	cpu0 = stat_cpu();
	start = stat_now();
	for (i = 0; i < j->count; i++) {
		t0 = stat_now();
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf ||
		    fdatasync(fd) == -1)
			return (run_fail(r, idx, "append: %s", strerror(errno)));
		t[i] = stat_now() - t0;
	}
	memset(&m, 0, sizeof m);
	m.idx = idx;
	m.v[2] = stat_now() - start;
	m.v[3] = stat_cpu() - cpu0;
	stat_sort(t, (size_t)j->count);
	m.v[0] = (int64_t)(stat_pct_us(t, (size_t)j->count, 50) * 1000);
	m.v[1] = (int64_t)(stat_pct_us(t, (size_t)j->count, 99) * 1000);
	close(fd);
	run_result(r, &m);
	return (0);
}

/* raw_fsync - the fdatasync row. */
static void
raw_fsync(struct report *rep, const struct bench_opts *o, int place)
{
	struct report_row	*row;
	struct raw_job		 j;
	struct run_msg		 m;
	struct run		 r;

	row = report_add(rep, SEC_RAW, place, "fdatasync 128 B append");
	row->size = 128;
	memset(&j, 0, sizeof j);
	j.count = o->n.fsyncs;
	if (run_open(&r) == -1 || run_spawn(&r, o->place[place].cpu_a, 0,
	    raw_fsync_main, 0, &j) == -1 ||
	    run_collect(&r, RUN_READY, 1, NULL) == -1 ||
	    run_go(&r, 0, 1) == -1 || run_collect(&r, RUN_RESULT, 1, &m) == -1 ||
	    run_end(&r) == -1) {
		report_fail(rep, row, run_error());
		if (r.open)
			run_abort(&r);
		run_clear_error();
		return;
	}
	row->n = j.count;
	row->p50_us = (double)m.v[0] / 1000.0;
	row->p99_us = (double)m.v[1] / 1000.0;
	row->rate = (double)j.count / ((double)m.v[2] / 1e9);
	row->cpu_us = (double)m.v[3] / (double)j.count / 1000.0;
	snprintf(row->note, sizeof row->note, "one process: p50/p99 per "
	    "append+fdatasync, not a round trip");
}

/* raw_measure - every mechanism at both sizes in one placement. */
void
raw_measure(struct report *rep, const struct bench_opts *o, int place)
{
	static const size_t	 sizes[] = { 128, 4096 };
	const struct bench_place *pl = &o->place[place];
	struct report_row	*row;
	struct raw_job		 j;
	struct run_msg		 res[2];
	char			*why = NULL;
	int64_t			 start;
	size_t			 s;
	int			 k, n;

	for (k = 0; k < RAW_NMECH && !run_stopped(); k++) {
		for (s = 0; s < 2 && !run_stopped(); s++) {
			row = report_add(rep, SEC_RAW, place, "%s %zu B",
			    raw_names[k], sizes[s]);
			row->size = sizes[s];
			if (!pl->usable) {
				snprintf(row->note, sizeof row->note, "n/a (%s)",
				    pl->why);
				continue;
			}
			memset(&j, 0, sizeof j);
			j.warm = o->n.rtt_warm;
			j.count = o->n.rtt_iters;
			if (raw_pair(pl, (enum raw_kind)k, sizes[s], 0, &j, res,
			    &start, &why) == -1) {
				report_fail(rep, row, why);
				free(why);
				why = NULL;
				continue;
			}
			row->p50_us = (double)res[0].v[0] / 1000.0;
			row->p99_us = (double)res[0].v[1] / 1000.0;
			n = s == 0 ? o->n.oneway_small : o->n.oneway_large;
			j.warm = 0;
			j.count = n;
			if (raw_pair(pl, (enum raw_kind)k, sizes[s], 1, &j, res,
			    &start, &why) == -1) {
				report_fail(rep, row, why);
				free(why);
				why = NULL;
				continue;
			}
			row->n = n;
			row->rate = (double)n /
			    ((double)(res[1].v[1] - start) / 1e9);
			row->cpu_us = (double)(res[0].v[0] + res[1].v[0]) /
			    (double)n / 1000.0;
		}
	}
	if (pl->usable && !run_stopped())
		raw_fsync(rep, o, place);
}

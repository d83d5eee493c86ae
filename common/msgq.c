/*
 * msgq.c - SysV message queue plumbing.  All operations are
 * non-blocking: a full queue is EAGAIN for the caller to handle, never
 * a stalled process.  msgq_copy reads a message by position without
 * removing it (MSG_COPY), which is how stored mail is read before the
 * reader has it safely on disk.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <errno.h>
#include <string.h>

#include "log.h"
#include "mail.h"
#include "msgq.h"

struct msgq_buf {
	long	mtype;
	char	mtext[PART_MAX];
};

/* msgq_get - id of the queue at key; create it (exclusively) if asked. */
int
msgq_get(key_t key, int create, mode_t mode)
{
	int	id;

	id = msgget(key, create ? (IPC_CREAT | IPC_EXCL | (int)mode) : 0);
	if (id != -1)
		log_trace("sysv-mq", "msgget key=0x%08x -> id %d%s",
		    (unsigned)key, id, create ? " (created)" : "");
	return (id);
}

/* msgq_send - queue len bytes as type; -1/EAGAIN when full. */
int
msgq_send(int id, long type, const void *data, size_t len)
{
	struct msgq_buf	buf;

	if (len > sizeof buf.mtext) {
		errno = EMSGSIZE;
		return (-1);
	}
	buf.mtype = type;
	memcpy(buf.mtext, data, len);
	for (;;) {
		if (msgsnd(id, &buf, len, IPC_NOWAIT) == 0)
			break;
		if (errno != EINTR)
			return (-1);
	}
	log_trace("sysv-mq", "msgsnd id=%d type=%ld %zu B", id, type, len);
	return (0);
}

/* msgq_take - remove the message of exactly this type. */
ssize_t
msgq_take(int id, long type, void *data, size_t cap)
{
	struct msgq_buf	buf;
	ssize_t		n;

	for (;;) {
		n = msgrcv(id, &buf, sizeof buf.mtext, type,
		    IPC_NOWAIT | MSG_NOERROR);
		if (n != -1)
			break;
		if (errno != EINTR)
			return (-1);
	}
	if ((size_t)n > cap)
		n = (ssize_t)cap;
	if (data != NULL)
		memcpy(data, buf.mtext, (size_t)n);
	log_trace("sysv-mq", "msgrcv id=%d type=%ld %zd B (removed)", id,
	    type, n);
	return (n);
}

/* msgq_copy - copy the message at position index, leaving it queued. */
ssize_t
msgq_copy(int id, long index, long *type, void *data, size_t cap)
{
	struct msgq_buf	buf;
	ssize_t		n;

	for (;;) {
		n = msgrcv(id, &buf, sizeof buf.mtext, index,
		    IPC_NOWAIT | MSG_COPY | MSG_NOERROR);
		if (n != -1)
			break;
		if (errno != EINTR)
			return (-1);
	}
	if ((size_t)n > cap)
		n = (ssize_t)cap;
	memcpy(data, buf.mtext, (size_t)n);
	*type = buf.mtype;
	log_trace("sysv-mq", "msgrcv id=%d MSG_COPY #%ld type=%ld %zd B", id,
	    index, buf.mtype, n);
	return (n);
}

int
msgq_stat(int id, struct msqid_ds *ds)
{
	return (msgctl(id, IPC_STAT, ds));
}

int
msgq_remove(int id)
{
	if (msgctl(id, IPC_RMID, NULL) == -1)
		return (-1);
	log_trace("sysv-mq", "msgctl id=%d IPC_RMID", id);
	return (0);
}

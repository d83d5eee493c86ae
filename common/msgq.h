/*
 * msgq.h - a SysV message queue, with EINTR handled and every
 * operation traced.
 */
#ifndef MSGQ_H
#define MSGQ_H

#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

int	msgq_get(key_t, int, mode_t);
int	msgq_send(int, long, const void *, size_t);
ssize_t	msgq_take(int, long, void *, size_t);
ssize_t	msgq_copy(int, long, long *, void *, size_t);
int	msgq_stat(int, struct msqid_ds *);
int	msgq_remove(int);

#endif

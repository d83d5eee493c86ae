/*
 * ipcpeek.c - a test helper: try to read a kernel object of mailserv's
 * as whoever runs it (the tests run it as a second uid), to show that
 * the kernel refuses.  Exits 0 when the kernel said EACCES, 1 when the
 * read worked (a message was taken: the test has failed anyway), 2 on
 * any other error.
 *
 * usage: ipcpeek msgq ID	(SysV: msgrcv from queue ID)
 *        ipcpeek mq NAME	(POSIX: mq_open NAME for reading)
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	static struct { long type; char text[8192]; } m;
	mqd_t	mq;

	if (argc != 3) {
		fprintf(stderr, "usage: ipcpeek msgq ID | mq NAME\n");
		return (2);
	}
	if (strcmp(argv[1], "msgq") == 0) {
		if (msgrcv(atoi(argv[2]), &m, sizeof m.text, 0,
		    IPC_NOWAIT | MSG_NOERROR) != -1) {
			printf("read a message of queue %s\n", argv[2]);
			return (1);
		}
	} else if (strcmp(argv[1], "mq") == 0) {
		if ((mq = mq_open(argv[2], O_RDONLY | O_NONBLOCK)) !=
		    (mqd_t)-1) {
			printf("opened %s for reading\n", argv[2]);
			mq_close(mq);
			return (1);
		}
	} else {
		fprintf(stderr, "ipcpeek: unknown kind %s\n", argv[1]);
		return (2);
	}
	printf("%s %s: %s\n", argv[1], argv[2], strerror(errno));
	return (errno == EACCES ? 0 : 2);
}

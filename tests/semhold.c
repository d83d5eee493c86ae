/*
 * semhold.c - a test helper: take the online table's lock of a run
 * directory, say "held", and wait to be killed.  Run as another user
 * it shows the kernel refusing (EACCES: only mailserv may change the
 * lock); run as mailserv's uid, the tests kill it with SIGKILL to show
 * that no one deadlocks on a lock whose holder died (SysV: SEM_UNDO;
 * POSIX: timed waits and recovery).
 *
 * usage: semhold sysv DIR/mailserv.key [+1|-1|set]
 *			(semop +1, as mailserv holds it while it writes
 *			 (the default), or -1, both SEM_UNDO | IPC_NOWAIT;
 *			 or semctl SETVAL 1)
 *        semhold posix DIR/mailserv.key [OP]	(sem_open, sem_wait;
 *			 OP is ignored)
 *        semhold shm DIR/mailserv.key	(attach the SysV table
 *			 read-only, as any reader may, and stay)
 *        semhold mq NAME	(make POSIX queue NAME, mode 0666, and exit:
 *			 an attacker's trap for the tests)
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rundir.h"

/* semhold_fail - say which step failed, and why. */
static int
semhold_fail(const char *what)
{
	fprintf(stderr, "semhold: %s: %s\n", what, strerror(errno));
	return (1);
}

int
main(int argc, char **argv)
{
	struct sembuf	sb = { 0, 1, SEM_UNDO | IPC_NOWAIT };
	const char	*op = argc > 3 ? argv[3] : "+1";
	char		name[96];
	sem_t		*sem;
	int		id;

	if (argc != 3 && !(argc == 4 && strcmp(argv[1], "mq") != 0)) {
		fprintf(stderr, "usage: semhold sysv KEYFILE [+1|-1|set] | "
		    "posix KEYFILE | shm KEYFILE | mq NAME\n");
		return (1);
	}
	if (strcmp(argv[1], "mq") == 0) {
		struct mq_attr	attr = { .mq_maxmsg = 10, .mq_msgsize = 8192 };
		mode_t		old = umask(0);

		if (mq_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0666,
		    &attr) == (mqd_t)-1) {
			perror("semhold: mq_open");
			return (1);
		}
		umask(old);
		return (0);
	}
	if (strcmp(argv[1], "shm") == 0) {
		key_t	key;

		if ((key = ftok(argv[2], 2)) == -1)
			return (semhold_fail("ftok"));
		if ((id = shmget(key, 0, 0)) == -1)
			return (semhold_fail("shmget"));
		if (shmat(id, NULL, SHM_RDONLY) == (void *)-1)
			return (semhold_fail("shmat"));
	} else if (strcmp(argv[1], "posix") == 0) {
		if (rundir_ipc_name(argv[2], "lock", name, sizeof name) == -1)
			return (semhold_fail("key file"));
		if ((sem = sem_open(name, 0)) == SEM_FAILED)
			return (semhold_fail("sem_open"));
		if (sem_wait(sem) == -1)
			return (semhold_fail("sem_wait"));
	} else {
		union semun { int val; struct semid_ds *buf; } arg = { 1 };
		key_t	key;

		sb.sem_op = strcmp(op, "-1") == 0 ? -1 : 1;
		if ((key = ftok(argv[2], 1)) == -1)
			return (semhold_fail("ftok"));
		if ((id = semget(key, 0, 0)) == -1)
			return (semhold_fail("semget"));
		if (strcmp(op, "set") == 0) {
			if (semctl(id, 0, SETVAL, arg) == -1)
				return (semhold_fail("semctl SETVAL"));
		} else if (semop(id, &sb, 1) == -1)
			return (semhold_fail("semop"));
	}
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}

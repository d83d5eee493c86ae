/*
 * status.c - `mailserv --status` and `mailserv --purge`: what ipcmail
 * holds in the kernel and in DIR, named by role, and its removal.
 * Both work without a running server; --purge refuses while one runs.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "ctl.h"
#include "log.h"
#include "plural.h"
#include "rundir.h"
#include "server.h"
#include "spooldir.h"
#include "xmalloc.h"

#define STATUS_MAX_OBJECTS	260

static const char *
status_user(unsigned uid)
{
	static char	 buf[16];
	struct passwd	*pw = getpwuid(uid);

	if (pw != NULL)
		return (pw->pw_name);
	snprintf(buf, sizeof buf, "%u", uid);
	return (buf);
}

/* status_object - the first columns of a kernel object's line. */
static void
status_object(const char *role, int key, int id, const char *name,
    unsigned mode, unsigned uid)
{
	char	k[16] = "-", i[16] = "-";

	if (name[0] == '\0') {
		snprintf(k, sizeof k, "0x%08x", (unsigned)key);
		snprintf(i, sizeof i, "%d", id);
	}
	printf("%-20s %-10s %8s %04o %-8s ", role, k, i, mode,
	    status_user(uid));
}

static void
status_file(int dirfd, const char *dir, const char *name, const char *role)
{
	struct stat	st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;
	printf("%-20s %-10s %8s %04o %-8s %s%s%s", role, "-", "-",
	    (unsigned)(st.st_mode & 07777), status_user(st.st_uid),
	    name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/", name);
	if (S_ISREG(st.st_mode))
		printf(" (%lld bytes)", (long long)st.st_size);
	printf("\n");
}

/* status_print - the --status report; returns mailserv's exit code. */
int
status_print(const char *dir, const char *spool)
{
	struct store_object	 so[STATUS_MAX_OBJECTS];
	struct table_object	 to[4];
	struct store_config	 sc;
	const struct backend	*b;
	struct store		*st;
	struct table_user	*users = NULL;
	struct table_info	 info;
	void			*t;
	char			*cause = NULL, *keyfile, *live;
	size_t			 i, nso = 0, nto, nusers = 0;
	unsigned long		 msgs = 0, bytes = 0;
	pid_t			 pid;
	int			 dirfd;

	if ((dirfd = rundir_open_client(dir, &cause)) == -1) {
		fprintf(stderr, "mailserv: %s\n", cause);
		free(cause);
		return (SERVER_EXIT_ERROR);
	}
	pid = rundir_holder(dirfd);
	keyfile = rundir_file(dir, RUNDIR_KEY);
	b = backend_of_dir(dirfd);
	printf("run directory %s: ", dir);
	if (pid > 0) {
		printf("mailserv running (pid %ld), %s backend\n", (long)pid,
		    b->name);
		/* The live figures, from the server itself. */
		if (ctl_request(dirfd, "status", &live, &cause) == 0) {
			fputs(live, stdout);
			free(live);
		} else {
			printf("live: (%s)\n", cause);
			free(cause);
			cause = NULL;
		}
	} else
		printf("no mailserv running (%s backend last)\n", b->name);

	printf("%-20s %-10s %8s %-4s %-8s %s\n", "ROLE", "KEY", "ID", "MODE",
	    "OWNER", "CONTENTS");
	if (access(keyfile, F_OK) == 0) {
		sc.keyfile = keyfile;
		sc.max_shards = 0;
		if (rundir_key_id(dirfd, sc.dirid) == -1)
			memset(sc.dirid, 0, sizeof sc.dirid);
		if ((st = store_open(b->store, &sc, 0, &cause)) != NULL) {
			nso = store_objects(st, so, STATUS_MAX_OBJECTS);
			for (i = 0; i < nso; i++) {
				status_object(so[i].role, so[i].key, so[i].id,
				    so[i].name, so[i].mode, so[i].uid);
				if (so[i].name[0] != '\0')
					printf("%lu of %lu messages %s\n",
					    so[i].messages, so[i].capacity,
					    so[i].name);
				else
					printf("%lu %s, %lu/%lu bytes\n",
					    so[i].messages,
					    plural(so[i].messages, "message",
					    "messages"), so[i].bytes,
					    so[i].capacity);
				msgs += so[i].messages;
				bytes += so[i].bytes;
			}
			printf("%-20s %lu %s queued in %zu %s",
			    "mail store", msgs, plural(msgs, "part", "parts"),
			    nso, plural(nso, "queue", "queues"));
			if (b->store == &store_sysv_ops)
				printf(", %lu %s: %zu complete %s", bytes,
				    plural(bytes, "byte", "bytes"),
				    store_count(st), plural(store_count(st),
				    "message", "messages"));
			printf("\n");
			store_close(st);
		} else {
			printf("mail store: %s\n", cause);
			free(cause);
			cause = NULL;
		}
		nto = b->table->objects(keyfile, to, 4);
		for (i = 0; i < nto; i++) {
			status_object(to[i].role, to[i].key, to[i].id,
			    to[i].name, to[i].mode, to[i].uid);
			if (i == 0)
				printf("%lu bytes, attached %lu", to[i].size,
				    to[i].attached);
			else if (to[i].name[0] == '\0')
				printf("%lu semaphore, value %lu", to[i].size,
				    to[i].attached);
			else
				printf("%lu semaphore", to[i].size);
			printf(to[i].name[0] ? " %s\n" : "%s\n",
			    to[i].name);
		}
		if ((t = b->table->attach(keyfile, &cause)) != NULL) {
			if (b->table->read(t, &users, &nusers, &info,
			    &cause) == 0) {
				printf("%-20s %zu of %u:", "online users",
				    nusers, info.nslots);
				for (i = 0; i < nusers; i++)
					printf(" %s", users[i].name);
				printf("\n");
				free(users);
			}
			b->table->detach(t);
		}
		free(cause);
	} else
		printf("(no %s: no IPC objects)\n", RUNDIR_KEY);
	status_file(dirfd, dir, RUNDIR_FIFO, "registration FIFO");
	status_file(dirfd, dir, RUNDIR_KEY, "ftok anchor");
	status_file(dirfd, dir, RUNDIR_LOCK, "server lock");
	status_file(dirfd, dir, RUNDIR_CLIENTS, "reply FIFO directory");
	status_file(dirfd, dir, CTL_SOCKET, "control socket");
	if (spool != NULL) {
		const char	*why;
		char		*log;

		xasprintf(&log, "%s/spool.log", spool);
		status_file(dirfd, spool[0] == '/' ? "" : dir, log,
		    "durable spool");
		free(log);
		if ((why = spooldir_volatile(dirfd, spool)) != NULL)
			printf("warning: %s (%s)\n", why, spool);
	}
	free(keyfile);
	close(dirfd);
	return (SERVER_EXIT_OK);
}

/* status_purge - remove every IPC object and file of ours in DIR. */
int
status_purge(const char *dir, const char *spool)
{
	struct store_config	 sc;
	const struct backend	*b;
	struct store		*st;
	struct dirent		*de;
	DIR			*d;
	char			*cause = NULL, *keyfile;
	size_t			 n = 0;
	pid_t			 pid;
	int			 dirfd, cfd, rc = SERVER_EXIT_OK;

	if ((dirfd = rundir_open_server(dir, &cause)) == -1) {
		fprintf(stderr, "mailserv: %s\n", cause);
		free(cause);
		return (SERVER_EXIT_ERROR);
	}
	if ((pid = rundir_holder(dirfd)) > 0) {
		fprintf(stderr, "mailserv: mailserv (pid %ld) is serving %s: "
		    "stop it before --purge\n", (long)pid, dir);
		close(dirfd);
		return (SERVER_EXIT_RUNNING);
	}
	keyfile = rundir_file(dir, RUNDIR_KEY);
	if (faccessat(dirfd, RUNDIR_KEY, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		sc.keyfile = keyfile;
		sc.max_shards = 0;
		if (rundir_key_id(dirfd, sc.dirid) == -1)
			memset(sc.dirid, 0, sizeof sc.dirid);
		for (b = backend_next(NULL); b != NULL; b = backend_next(b)) {
			if ((st = store_open(b->store, &sc, 1, &cause)) ==
			    NULL) {
				fprintf(stderr, "mailserv: %s mail store: "
				    "%s\n", b->name, cause);
				rc = SERVER_EXIT_ERROR;
			} else {
				n += store_count(st);
				if (store_destroy(st) != 0)
					rc = SERVER_EXIT_ERROR;
			}
			free(cause);
			cause = NULL;
			if (b->table->purge(keyfile, &cause) != 0) {
				fprintf(stderr, "mailserv: %s online table: "
				    "%s\n", b->name, cause);
				free(cause);
				cause = NULL;
				rc = SERVER_EXIT_ERROR;
			}
		}
	}
	if ((cfd = openat(dirfd, RUNDIR_CLIENTS, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW)) != -1 && (d = fdopendir(cfd)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(cfd, de->d_name, 0);
		closedir(d);
	}
	unlinkat(dirfd, RUNDIR_CLIENTS, AT_REMOVEDIR);
	if (spool != NULL && (cfd = openat(dirfd, spool, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW)) != -1) {
		unlinkat(cfd, "spool.log", 0);
		unlinkat(cfd, "spool.log.new", 0);
		close(cfd);
		if (unlinkat(dirfd, spool, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT)
			fprintf(stderr, "mailserv: spool %s kept: %s\n", spool,
			    strerror(errno));
	}
	unlinkat(dirfd, RUNDIR_FIFO, 0);
	unlinkat(dirfd, RUNDIR_LOCK, 0);
	unlinkat(dirfd, BACKEND_FILE, 0);
	unlinkat(dirfd, CTL_SOCKET, 0);	/* left by a killed server */
	if (rc == SERVER_EXIT_OK)
		unlinkat(dirfd, RUNDIR_KEY, 0);
	close(dirfd);
	if (rc == SERVER_EXIT_OK && rmdir(dir) == -1 && errno != ENOENT)
		fprintf(stderr, "mailserv: %s kept: %s\n", dir,
		    strerror(errno));
	if (rc == SERVER_EXIT_OK)
		printf("purged %s: %zu stored %s removed\n", dir, n,
		    plural(n, "message", "messages"));
	free(keyfile);
	return (rc);
}

/* status_stop - ask the running mailserv to stop, and wait for it. */
int
status_stop(const char *dir)
{
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	char		*cause = NULL, *reply;
	pid_t		 pid;
	int		 dirfd, i;

	if ((dirfd = rundir_open_client(dir, &cause)) == -1 ||
	    (pid = rundir_holder(dirfd)) == 0) {
		fprintf(stderr, "mailserv: no mailserv serves %s\n", dir);
		free(cause);
		if (dirfd != -1)
			close(dirfd);
		return (SERVER_EXIT_ERROR);
	}
	if (ctl_request(dirfd, "stop", &reply, &cause) != 0) {
		fprintf(stderr, "mailserv: %s\n", cause);
		free(cause);
		close(dirfd);
		return (SERVER_EXIT_ERROR);
	}
	if (strncmp(reply, "error:", 6) == 0) {
		fprintf(stderr, "mailserv: %s", reply);
		free(reply);
		close(dirfd);
		return (SERVER_EXIT_ERROR);
	}
	free(reply);
	for (i = 0; i < 500 && rundir_holder(dirfd) != 0; i++)
		nanosleep(&tick, NULL);
	close(dirfd);
	if (i == 500) {
		fprintf(stderr, "mailserv: pid %ld did not stop within 10 s\n",
		    (long)pid);
		return (SERVER_EXIT_ERROR);
	}
	printf("mailserv (pid %ld) stopped\n", (long)pid);
	return (SERVER_EXIT_OK);
}

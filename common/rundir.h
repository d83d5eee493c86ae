/*
 * rundir.h - the run directory, where mailserv and mailcli meet: its
 * resolution (-d, then MAILSERV_DIR, then the default), its safety
 * checks, the server's lock and the ftok() anchor.
 */
#ifndef RUNDIR_H
#define RUNDIR_H

#include <sys/types.h>

#include <stdint.h>

/* configure --with-rundir sets it. */
#ifndef IPCMAIL_RUNDIR
#define IPCMAIL_RUNDIR	"/tmp/ipcmail"
#endif
#define RUNDIR_DEFAULT	IPCMAIL_RUNDIR
#define RUNDIR_FIFO	"mailserv.fifo"
#define RUNDIR_LOCK	"mailserv.pid"
#define RUNDIR_KEY	"mailserv.key"
#define RUNDIR_CLIENTS	"clients"

const char *rundir_path(const char *);
int	rundir_open_server(const char *, char **);
int	rundir_open_client(const char *, char **);
int	rundir_lock(int, pid_t *);
pid_t	rundir_holder(int);
int	rundir_make_key(int, uint8_t *, char **);
int	rundir_key_id(int, uint8_t *);
int	rundir_ipc_name(const char *, const char *, char *, size_t);
char	*rundir_file(const char *, const char *);

#endif

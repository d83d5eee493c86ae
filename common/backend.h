/*
 * backend.h - a set of IPC mechanisms that implement the mail store and
 * the online table: SysV or POSIX.  The server records which one serves
 * a run directory, so clients need no flag.
 */
#ifndef BACKEND_H
#define BACKEND_H

#include "store.h"
#include "table.h"

#define BACKEND_FILE	"mailserv.backend"

struct backend {
	const char		*name;
	const struct store_ops	*store;
	const struct table_ops	*table;
};

const struct backend *backend_find(const char *);
const struct backend *backend_next(const struct backend *);
const struct backend *backend_of_dir(int);
int	backend_record(int, const struct backend *, char **);

#endif

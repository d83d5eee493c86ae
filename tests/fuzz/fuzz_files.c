/*
 * fuzz_files.c - libFuzzer harnesses of the two file parsers that read
 * bytes a crash may have left half written: the spool's log replay
 * (common/spool.c; mailserv runs it at every start) and the mbox scan
 * behind mbox_append (common/mbox.c; mailcli runs it on the reader's
 * own file before every save).  Built twice: with FUZZ_SPOOL as
 * fuzz_spool, without as fuzz_mbox.
 *
 * fuzz_spool: the input is the spool's log.  Opening it must work
 * (a bad tail is cut off), every live message must read back with
 * valid names and a body, and compaction and a reopen must keep the
 * same live messages.
 *
 * fuzz_mbox: the input is an mbox file.  Appending a fixed message
 * must leave the input as it was, but for a torn entry of ours at its
 * end (cut) or a missing blank line (added), followed by the whole
 * entry; or say it is already there, when the input has its id in a
 * header.  A second append must find it.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"
#include "mbox.h"
#include "name.h"
#include "spool.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_files: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static char	fuzz_dir[64];	/* one private directory per process */

static void
fuzz_cleanup(void)
{
	char	path[128];

	snprintf(path, sizeof path, "%s/spool/spool.log", fuzz_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/spool/spool.log.new", fuzz_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/spool", fuzz_dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/f.mbox", fuzz_dir);
	unlink(path);
	rmdir(fuzz_dir);
}

static void
fuzz_setup(void)
{
	if (fuzz_dir[0] != '\0')
		return;
	strcpy(fuzz_dir, "/tmp/ipcmail-fuzz.XXXXXX");
	fuzz_assert(mkdtemp(fuzz_dir) != NULL);
	atexit(fuzz_cleanup);
}

/* fuzz_put - path holds exactly data. */
static void
fuzz_put(const char *path, const uint8_t *data, size_t len)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fuzz_assert(fd != -1);
	fuzz_assert(len == 0 || write(fd, data, len) == (ssize_t)len);
	close(fd);
}

#ifndef FUZZ_SPOOL
/* fuzz_get - the whole of path; caller frees. */
static uint8_t *
fuzz_get(const char *path, size_t *len)
{
	struct stat	 st;
	uint8_t		*p;
	int		 fd = open(path, O_RDONLY);

	fuzz_assert(fd != -1 && fstat(fd, &st) == 0);
	p = malloc((size_t)st.st_size + 1);
	fuzz_assert(p != NULL);
	fuzz_assert(read(fd, p, (size_t)st.st_size) == st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return (p);
}
#endif

#ifdef FUZZ_SPOOL
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct spool	*sp;
	struct mail	 m;
	char		 path[128], *cause = NULL;
	uint8_t		(*ids)[MAIL_ID_LEN];
	size_t		 i, n;
	int		 dirfd;

	fuzz_setup();
	snprintf(path, sizeof path, "%s/spool", fuzz_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/spool.log", fuzz_dir);
	fuzz_put(path, data, len);
	fuzz_assert((dirfd = open(fuzz_dir, O_RDONLY | O_DIRECTORY)) != -1);
	sp = spool_open(dirfd, "spool", &cause);
	fuzz_assert(sp != NULL);
	n = spool_count(sp);
	ids = calloc(n + 1, MAIL_ID_LEN);
	fuzz_assert(ids != NULL);
	for (i = 0; i < n; i++) {
		fuzz_assert(spool_get(sp, i, &m, &cause) == 0);
		fuzz_assert(m.len > 0 && m.body != NULL);
		fuzz_assert(name_valid_field(m.from, sizeof m.from));
		fuzz_assert(name_box_valid_field(m.to, sizeof m.to));
		memcpy(ids[i], m.id, MAIL_ID_LEN);
		mail_free(&m);
	}
	fuzz_assert(spool_compact(sp, &cause) == 0);
	spool_close(sp);
	sp = spool_open(dirfd, "spool", &cause);
	fuzz_assert(sp != NULL);
	fuzz_assert(spool_count(sp) == n);
	for (i = 0; i < n; i++)
		fuzz_assert(spool_has(sp, ids[i]));
	spool_close(sp);
	free(ids);
	close(dirfd);
	return (0);
}
#else
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint8_t	 id[MAIL_ID_LEN] = "fuzz-mbox-id-016";
	struct mail		 m;
	char			 path[128], idline[64], idstr[MAIL_ID_STR];
	char			*text, *cause = NULL;
	uint8_t			*after;
	size_t			 tlen, alen, head;
	int			 rc;

	fuzz_setup();
	memset(&m, 0, sizeof m);
	memcpy(m.id, id, sizeof m.id);
	strcpy(m.from, "alice");
	strcpy(m.to, "bob");
	m.date = 1700000000;
	m.body = (uint8_t *)"hello\nFrom here\n";
	m.len = (uint32_t)strlen((char *)m.body);
	tlen = mbox_format(&m, &text);
	snprintf(path, sizeof path, "%s/f.mbox", fuzz_dir);
	fuzz_put(path, data, len);
	rc = mbox_append(path, &m, &cause);
	fuzz_assert(rc == 0 || rc == 1);
	after = fuzz_get(path, &alen);
	if (rc == 1) {
		/* input (perhaps cut, perhaps + "\n\n"), then the entry */
		fuzz_assert(alen >= tlen);
		fuzz_assert(memcmp(after + alen - tlen, text, tlen) == 0);
		head = alen - tlen;
		fuzz_assert(head <= len + 2);
		fuzz_assert(memcmp(after, data, head < len ? head : len) == 0);
		if (head > len)
			fuzz_assert(memcmp(after + len, "\n\n", head - len) == 0);
	} else {
		/* untouched, or only a blank line added or a torn tail cut */
		mail_id_str(m.id, idstr);
		snprintf(idline, sizeof idline, "\nX-Ipcmail-Id: %s\n", idstr);
		fuzz_assert(memmem(data, len, idline, strlen(idline)) != NULL);
		fuzz_assert(memcmp(after, data, alen < len ? alen : len) == 0);
	}
	fuzz_assert(mbox_append(path, &m, &cause) == 0);
	free(after);
	free(text);
	free(cause);
	return (0);
}
#endif

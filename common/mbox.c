/*
 * mbox.c - appending mail to the reader's own mbox file, so `mail -f`
 * and `mutt -f` can open it.  The append is locked (flock), fsync'd
 * before it counts, and idempotent: a message whose id is already in
 * the file is not written twice, so a reader killed between saving and
 * telling the server can read again without duplicates.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "mbox.h"
#include "rfc5322.h"
#include "xmalloc.h"

/* mbox_default_path - $XDG_DATA_HOME/ipcmail/NAME.mbox. */
char *
mbox_default_path(const char *name)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home;
	char		*p;

	if (xdg != NULL && xdg[0] == '/')
		xasprintf(&p, "%s/ipcmail/%s.mbox", xdg, name);
	else {
		if ((home = getenv("HOME")) == NULL || *home == '\0')
			home = "/";
		xasprintf(&p, "%s/.local/share/ipcmail/%s.mbox", home, name);
	}
	return (p);
}

/* mbox_date - RFC 5322 date in local time. */
void
mbox_date(int64_t when, char *buf, size_t size)
{
	time_t		t = (time_t)when;
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* mbox_mkdirs - make the directories above path (0700). */
void
mbox_mkdirs(const char *path)
{
	char	*dir = xstrdup(path), *p;

	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	free(dir);
}

/* What mbox_scan learns of an mbox. */
struct mbox_scan {
	off_t	found;		/* the entry with our id, or -1 */
	off_t	torn;		/* where a torn entry of ours starts, or -1 */
	int	clean_end;	/* empty, or ends with a blank line */
};

/*
 * mbox_scan - read the mbox behind fd: where a whole entry whose header
 * (not body: a body may quote anything) says X-Ipcmail-Id: id starts
 * (the last one if several), and whether the file ends cleanly.  In mboxrd
 * a line starting "From " after a blank line (or first in the file)
 * opens an entry, whose header runs to the next blank line; every
 * entry we write has a body and ends with a blank line.  A file that
 * does not end so was cut mid-append; the last entry counts as torn
 * (to be removed) if it is ours (X-Ipcmail-Id) and not whole, or its
 * header is cut, or only the start of its "From " line made it.  -1 on
 * error.
 */
static int
mbox_scan(int fd, const char *idstr, struct mbox_scan *sc)
{
	char	*line = NULL, want[64];
	size_t	 cap = 0;
	off_t	 at = 0, last = -1, lastline = 0;
	ssize_t	 n, lastlen = 0;
	FILE	*f;
	int	 newfd, in_header = 0, after_blank = 1, ours = 0, body = 0;
	int	 line_after_blank = 0, has_id = 0;

	snprintf(want, sizeof want, "X-Ipcmail-Id: %s\n", idstr);
	if ((newfd = dup(fd)) == -1 || (f = fdopen(newfd, "r")) == NULL) {
		if (newfd != -1)
			close(newfd);
		return (-1);
	}
	sc->found = sc->torn = -1;
	rewind(f);
	while ((n = getline(&line, &cap, f)) != -1) {
		line_after_blank = after_blank;
		if (after_blank && strncmp(line, "From ", 5) == 0) {
			/* The entry before ends whole: it counts if ours. */
			if (has_id && body >= 2)
				sc->found = last;
			in_header = 1;
			last = at;
			ours = body = has_id = 0;
		} else if (in_header && strcmp(line, "\n") == 0)
			in_header = 0;
		else if (in_header && strncmp(line, "X-Ipcmail-Id: ", 14) == 0) {
			ours = 1;
			has_id |= strcmp(line, want) == 0;
		} else if (!in_header)
			body++;
		after_blank = strcmp(line, "\n") == 0;
		lastline = at;
		lastlen = n;
		at += n;
	}
	sc->clean_end = at == 0 || after_blank;
	if (has_id && body >= 2 && sc->clean_end)
		sc->found = last;
	/* Ours end with a body line (never empty) and a blank line. */
	if (!sc->clean_end && line_after_blank && line[lastlen - 1] != '\n' &&
	    strncmp(line, "From ", (size_t)lastlen) == 0)
		sc->torn = lastline;		/* a cut "From " line */
	else if (last >= 0 && ours && (in_header || !sc->clean_end ||
	    body < 2))
		sc->torn = last;
	else if (last >= 0 && !sc->clean_end && in_header)
		sc->torn = last;
	free(line);
	fclose(f);
	return (0);
}

/*
 * mbox_format - the message as an mboxrd entry, allocated in *out.
 * Local mail gets a header made here (its Subject RFC 2047 encoded
 * when not ASCII, else its first line); mail from another host keeps
 * its own header, after the X-Ipcmail-Id line that marks it ours.
 */
size_t
mbox_format(const struct mail *m, char **out)
{
	char		 date[64], idstr[MAIL_ID_STR], first[PROTO_FIRST_MAX];
	char		 fromline[64], env[PROTO_ADDR_MAX], *subject;
	time_t		 t = (time_t)m->date;
	struct tm	 tm;
	struct mail_meta mm;
	size_t		 cap, len, i, start, blen;
	const uint8_t	*b;
	char		*p;
	int		 n, outside;

	if (mail_meta(m, &mm) != 0)
		memset(&mm, 0, sizeof mm);
	b = mail_text(m, &blen);
	outside = (mm.flags & MAIL_META_RFC5322) != 0;
	mbox_date(m->date, date, sizeof date);
	mail_id_str(m->id, idstr);
	mail_first_line(b, blen, first, sizeof first);
	gmtime_r(&t, &tm);
	strftime(fromline, sizeof fromline, "%a %b %e %H:%M:%S %Y", &tm);
	cap = 2048 + blen + blen / 4;
	p = xmalloc(cap);
	if (outside) {
		if (rfc5322_addr_spec(mm.addr, env, sizeof env) != 0)
			snprintf(env, sizeof env, "MAILER-DAEMON");
		n = snprintf(p, cap, "From %s %s\nX-Ipcmail-Id: %s\n", env,
		    fromline, idstr);
	} else {
		subject = rfc5322_encode(mm.subject[0] != '\0' ? mm.subject :
		    first, 9);
		n = snprintf(p, cap, "From %s %s\nFrom: %s\nTo: %s\n"
		    "Date: %s\nSubject: %s\nMessage-ID: <%s@ipcmail>\n"
		    "X-Ipcmail-Id: %s\nMIME-Version: 1.0\nContent-Type: "
		    "text/plain; charset=utf-8\nContent-Transfer-Encoding: "
		    "8bit\n\n", m->from, fromline, m->from, m->to, date,
		    subject, idstr, idstr);
		free(subject);
	}
	len = (size_t)n;
	/* mboxrd: a body line of ">*From " gains one more '>'. */
	for (start = 0; start < blen; start = i) {
		for (i = start; i < blen && b[i] != '\n'; i++)
			;
		if (i < blen)
			i++;
		{
			size_t	k = start;

			while (k < i && b[k] == '>')
				k++;
			if (i - k >= 5 && memcmp(b + k, "From ", 5) == 0) {
				if (len + 1 >= cap)
					p = xreallocarray(p, cap *= 2, 1);
				p[len++] = '>';
			}
		}
		while (len + (i - start) + 4 >= cap)
			p = xreallocarray(p, cap *= 2, 1);
		memcpy(p + len, b + start, i - start);
		len += i - start;
	}
	if (blen > 0 && b[blen - 1] != '\n')
		p[len++] = '\n';
	/* A header without a body: the blank line that ends it, and an
	 * empty body line, so the entry reads whole (mbox_scan). */
	if (outside && rfc5322_body_offset(b, blen) >= blen) {
		p[len++] = '\n';
		p[len++] = '\n';
	}
	p[len++] = '\n';
	*out = p;
	return (len);
}

/*
 * mbox_append - append m to the mbox at path and fsync it.  Returns 1
 * when appended, 0 when the message was already there, -1 on error.
 */
int
mbox_append(const char *path, const struct mail *m, char **cause)
{
	char		 idstr[MAIL_ID_STR], *text;
	size_t		 len;
	struct stat	 st;
	struct mbox_scan sc;
	int		 fd, rc = -1;

	mbox_mkdirs(path);
	if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "flock %s: %s", path,
			    strerror(errno));
			close(fd);
			return (-1);
		}
	}
	/* Under the lock: the size to go back to if the write fails. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s is not a regular file", path);
		close(fd);
		return (-1);
	}
	mail_id_str(m->id, idstr);
	len = mbox_format(m, &text);
	if (mbox_scan(fd, idstr, &sc) == -1) {
		xasprintf(cause, "%s: cannot read it back", path);
		free(text);
		goto out;
	}
	/*
	 * A torn entry of ours goes: the server still holds its message,
	 * since it hears "done" only after a whole entry is fsync'd.  Any
	 * other unfinished text stays, and a blank line keeps our entry
	 * apart from it.
	 */
	if (sc.torn >= 0) {
		if (ftruncate(fd, sc.torn) == -1) {
			xasprintf(cause, "%s: cannot cut a partial entry: %s",
			    path, strerror(errno));
			free(text);
			goto out;
		}
		st.st_size = sc.torn;
	} else if (!sc.clean_end && io_write_all(fd, "\n\n", 2) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(text);
		goto out;
	}
	if (sc.found >= 0) {
		free(text);
		rc = 0;			/* already there */
		goto out;
	}
	if (io_write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		int	saved_errno = errno;

		/* Take back a partial entry so the file stays an mbox. */
		if (ftruncate(fd, st.st_size) == -1)
			xasprintf(cause, "%s: %s (and the partial entry could "
			    "not be removed)", path, strerror(saved_errno));
		else
			xasprintf(cause, "%s: %s", path,
			    strerror(saved_errno));
		free(text);
		goto out;
	}
	free(text);
	rc = 1;
out:
	close(fd);	/* releases the lock */
	return (rc);
}

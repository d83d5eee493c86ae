/*
 * mbox_unit.c - unit tests of common/mbox.c: the mboxrd text of a
 * message (separator, headers, quoting of "From " lines), and appending
 * to a real file in a private directory under /tmp: idempotence by id,
 * an append cut short by a crash (replaced, not taken for a copy),
 * parent directories, and refusal of symlinks and non-regular files.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail.h"
#include "mbox.h"

#define ID1	"0f8fad5b-d9cb-469f-a165-70867728950e"
#define ID2	"7c9e6679-7425-40de-944b-e07fc1f90ae7"

struct mbox_unit {
	char	dir[64];
	char	path[PATH_MAX];
};

/* mbox_unit_mail - a message from alice to bob with a string body. */
static void
mbox_unit_mail(struct mail *m, const char *id, const char *body)
{
	memset(m, 0, sizeof *m);
	assert_int_equal(mail_id_parse(id, m->id), 0);
	strcpy(m->from, "alice");
	strcpy(m->to, "bob");
	m->date = 1700000000;		/* Tue Nov 14 22:13:20 2023 UTC */
	m->body = (uint8_t *)body;
	m->len = (uint32_t)strlen(body);
}

/* mbox_unit_format - mbox_format as a C string; caller frees. */
static char *
mbox_unit_format(const struct mail *m)
{
	char	*text, *s;
	size_t	 len;

	len = mbox_format(m, &text);
	assert_non_null(text);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, text, len);
	s[len] = '\0';
	free(text);
	assert_int_equal(strlen(s), len);
	return (s);
}

/* mbox_unit_body - the body part of a formatted entry. */
static const char *
mbox_unit_body(const char *entry)
{
	const char	*p;

	p = strstr(entry, "\n\n");
	assert_non_null(p);
	return (p + 2);
}

/* mbox_unit_slurp - a whole file as a C string; caller frees. */
static char *
mbox_unit_slurp(const char *path)
{
	struct stat	 st;
	char		*s;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY);
	assert_int_not_equal(fd, -1);
	assert_int_equal(fstat(fd, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	assert_non_null(s);
	n = read(fd, s, (size_t)st.st_size);
	close(fd);
	assert_int_equal(n, st.st_size);
	s[n] = '\0';
	return (s);
}

/* mbox_unit_separators - lines starting "From ". */
static int
mbox_unit_separators(const char *s)
{
	const char	*p;
	int		 n = 0;

	for (p = s; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "From ", 5) == 0)
			n++;
	}
	return (n);
}

/* mbox_unit_rmtree - remove path and what is under it, no symlink followed. */
static int
mbox_unit_rmtree(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[PATH_MAX];
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return (errno == ENOENT ? 0 : -1);
	if (!S_ISDIR(st.st_mode))
		return (unlink(path));
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (mbox_unit_rmtree(sub) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) == -1)
		rc = -1;
	return (rc);
}

static int
group_setup(void **state)
{
	(void)state;
	/* The Date: header is local time; make it predictable. */
	if (setenv("TZ", "UTC", 1) == -1)
		return (-1);
	tzset();
	return (0);
}

static int
dir_setup(void **state)
{
	struct mbox_unit	*u;

	if ((u = calloc(1, sizeof *u)) == NULL)
		return (-1);
	strcpy(u->dir, "/tmp/mbox_unit.XXXXXX");
	if (mkdtemp(u->dir) == NULL) {
		free(u);
		return (-1);
	}
	*state = u;
	return (0);
}

static int
dir_teardown(void **state)
{
	struct mbox_unit	*u = *state;
	struct stat		 st;
	int			 rc;

	rc = mbox_unit_rmtree(u->dir);
	if (lstat(u->dir, &st) == 0)
		rc = -1;
	free(u);
	return (rc);
}

static void
mbox_format_exact(void **state)
{
	struct mail	 m;
	char		*s;

	(void)state;
	mbox_unit_mail(&m, ID1, "Hi there\nsecond line\n");
	s = mbox_unit_format(&m);
	assert_string_equal(s,
	    "From alice Tue Nov 14 22:13:20 2023\n"
	    "From: alice\n"
	    "To: bob\n"
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
	    "Subject: Hi there\n"
	    "Message-ID: <" ID1 "@ipcmail>\n"
	    "X-Ipcmail-Id: " ID1 "\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Hi there\n"
	    "second line\n"
	    "\n");
	free(s);

	/* A one-digit day is space-padded in the separator, as mbox has it. */
	m.date = 1699000000;		/* Fri Nov  3 08:26:40 2023 UTC */
	s = mbox_unit_format(&m);
	assert_int_equal(strncmp(s, "From alice Fri Nov  3 08:26:40 2023\n",
	    36), 0);
	assert_non_null(strstr(s, "\nDate: Fri, 03 Nov 2023 08:26:40 +0000\n"));
	free(s);
}

static void
mbox_format_order(void **state)
{
	static const char	*order[] = {
		"From alice ", "\nFrom: alice\n", "\nTo: bob\n", "\nDate: ",
		"\nMessage-ID: <" ID2 "@ipcmail>\n",
		"\nX-Ipcmail-Id: " ID2 "\n", "\n\n", "\nbody text\n\n"
	};
	struct mail		 m;
	const char		*p, *q;
	char			*s;
	size_t			 i;

	(void)state;
	mbox_unit_mail(&m, ID2, "\n\nbody text\n");
	s = mbox_unit_format(&m);
	p = s;
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if ((q = strstr(p, order[i])) == NULL)
			fail_msg("\"%s\" missing or out of order", order[i]);
		p = q + 1;
	}
	assert_int_equal(strncmp(s, "From alice ", 11), 0);
	/* The first non-blank line is the subject. */
	assert_non_null(strstr(s, "\nSubject: body text\n"));
	assert_string_equal(mbox_unit_body(s), "\n\nbody text\n\n");
	assert_int_equal(mbox_unit_separators(s), 1);
	free(s);
}

static void
mbox_format_quoting(void **state)
{
	struct mail	 m;
	char		*s;

	(void)state;
	mbox_unit_mail(&m, ID1, "hello\nFrom x\n>From y\nFromage\n"
	    ">>>From z\n From w\nFrom\n>From\n>Fromage\nFrom ");
	s = mbox_unit_format(&m);
	assert_string_equal(mbox_unit_body(s), "hello\n>From x\n>>From y\n"
	    "Fromage\n>>>>From z\n From w\nFrom\n>From\n>Fromage\n>From \n\n");
	assert_int_equal(mbox_unit_separators(s), 1);
	free(s);

	/* The very first body line is quoted too. */
	mbox_unit_mail(&m, ID1, "From me to you\n");
	s = mbox_unit_format(&m);
	assert_string_equal(mbox_unit_body(s), ">From me to you\n\n");
	assert_int_equal(mbox_unit_separators(s), 1);
	free(s);
}

static void
mbox_format_trailing(void **state)
{
	struct mail	 m;
	char		*s;

	(void)state;
	mbox_unit_mail(&m, ID1, "one\ntwo");
	s = mbox_unit_format(&m);
	assert_string_equal(mbox_unit_body(s), "one\ntwo\n\n");
	free(s);

	mbox_unit_mail(&m, ID1, "one\ntwo\n");
	s = mbox_unit_format(&m);
	assert_string_equal(mbox_unit_body(s), "one\ntwo\n\n");
	free(s);

	mbox_unit_mail(&m, ID1, "x");
	s = mbox_unit_format(&m);
	assert_string_equal(mbox_unit_body(s), "x\n\n");
	free(s);
}

static void
mbox_format_large(void **state)
{
	struct mail	 m;
	char		*body, *s;
	size_t		 i, nlines = 20000, hdr;

	(void)state;
	/* Every line quoted: the most the text can grow. */
	body = malloc(nlines * 6 + 1);
	assert_non_null(body);
	for (i = 0; i < nlines; i++)
		memcpy(body + i * 6, "From \n", 6);
	body[nlines * 6] = '\0';
	mbox_unit_mail(&m, ID1, body);
	s = mbox_unit_format(&m);
	hdr = (size_t)(mbox_unit_body(s) - s);
	assert_int_equal(strlen(s), hdr + nlines * 7 + 1);
	assert_int_equal(mbox_unit_separators(s), 1);
	for (i = 0; i < nlines; i++)
		assert_int_equal(memcmp(s + hdr + i * 7, ">From \n", 7), 0);
	free(s);
	free(body);
}

static void
mbox_append_idempotent(void **state)
{
	struct mbox_unit	*u = *state;
	struct mail		 m1, m2;
	struct stat		 st;
	char			*cause = NULL, *text, *e1, *e2, *both;
	char			 sub[PATH_MAX];

	mbox_unit_mail(&m1, ID1, "first\nFrom the start\n");
	mbox_unit_mail(&m2, ID2, "second\nFrom here on\nno newline");
	snprintf(u->path, sizeof u->path, "%s/a/b/c/bob.mbox", u->dir);

	assert_int_equal(mbox_append(u->path, &m1, &cause), 1);
	assert_null(cause);
	snprintf(sub, sizeof sub, "%s/a/b/c", u->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(lstat(u->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);

	assert_int_equal(mbox_append(u->path, &m1, &cause), 0);
	assert_int_equal(mbox_append(u->path, &m2, &cause), 1);
	assert_int_equal(mbox_append(u->path, &m1, &cause), 0);
	assert_int_equal(mbox_append(u->path, &m2, &cause), 0);
	assert_null(cause);

	text = mbox_unit_slurp(u->path);
	assert_int_equal(mbox_unit_separators(text), 2);
	e1 = mbox_unit_format(&m1);
	e2 = mbox_unit_format(&m2);
	both = malloc(strlen(e1) + strlen(e2) + 1);
	assert_non_null(both);
	strcpy(both, e1);
	strcat(both, e2);
	assert_string_equal(text, both);
	free(both);
	free(e2);
	free(e1);
	free(text);
}

/* mbox_unit_write - replace the file at path with text. */
static void
mbox_unit_write(const char *path, const char *text, size_t len)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * A reader killed mid-append leaves the start of an entry at the end
 * of the file.  Whatever the cut (inside the header, past the id
 * header, inside the body), the next append of that message replaces
 * it with a whole one; a cut entry of another of our messages goes
 * too (the server still holds it); someone else's unterminated text
 * stays, with a blank line after it.
 */
static void
mbox_append_torn(void **state)
{
	struct mbox_unit	*u = *state;
	struct mail		 m1, m2;
	char			*cause = NULL, *text, *e1, *e2, *want;
	size_t			 cut, l1, l2;
	const char		*foreign = "From x Mon Jan  1 00:00:00 2024\n"
	    "Subject: not ours\n\nno end";

	mbox_unit_mail(&m1, ID1, "first\nline two\nline three\n");
	mbox_unit_mail(&m2, ID2, "second\n");
	snprintf(u->path, sizeof u->path, "%s/torn.mbox", u->dir);
	e1 = mbox_unit_format(&m1);
	e2 = mbox_unit_format(&m2);
	l1 = strlen(e1);
	l2 = strlen(e2);
	want = malloc(l1 + l2 + 64 + strlen(foreign));
	assert_non_null(want);

	for (cut = 1; cut < l2; cut++) {
		/* m1 whole, then m2 cut at every byte: append m2. */
		memcpy(want, e1, l1);
		memcpy(want + l1, e2, cut);
		mbox_unit_write(u->path, want, l1 + cut);
		if (mbox_append(u->path, &m2, &cause) != 1)
			fail_msg("cut at %zu: not appended (%s)", cut,
			    cause ? cause : "already there");
		text = mbox_unit_slurp(u->path);
		memcpy(want + l1, e2, l2 + 1);
		if (strcmp(text, want) != 0)
			fail_msg("cut at %zu: the file is not m1 + m2", cut);
		free(text);
	}
	for (cut = 1; cut < l2; cut++) {
		/* m2 cut, then m1 is saved first: m2's piece goes. */
		mbox_unit_write(u->path, e2, cut);
		assert_int_equal(mbox_append(u->path, &m1, &cause), 1);
		text = mbox_unit_slurp(u->path);
		if (strcmp(text, e1) != 0)
			fail_msg("cut at %zu: m2's piece is still there", cut);
		free(text);
	}
	/* A whole copy is a copy: not appended again. */
	mbox_unit_write(u->path, e1, l1);
	assert_int_equal(mbox_append(u->path, &m1, &cause), 0);
	/* Someone else's text without an end stays; a blank line follows. */
	mbox_unit_write(u->path, foreign, strlen(foreign));
	assert_int_equal(mbox_append(u->path, &m1, &cause), 1);
	text = mbox_unit_slurp(u->path);
	snprintf(want, l1 + l2 + 64 + strlen(foreign), "%s\n\n%s", foreign,
	    e1);
	assert_string_equal(text, want);
	assert_int_equal(mbox_unit_separators(text), 2);
	free(text);
	free(want);
	free(e1);
	free(e2);
}

static void
mbox_append_boundary(void **state)
{
	struct mbox_unit	*u = *state;
	struct mail		 m1, m2;
	char			*cause = NULL, *body, *e1, *e2, *text;
	size_t			 i, blen = 60000, at;
	long			 shift;

	/*
	 * Place the second entry's id line across the 64 KiB boundary of
	 * the duplicate search, which reads the file in 64 KiB pieces.
	 */
	body = malloc(70000);
	assert_non_null(body);
	for (i = 0; i < 70000 - 1; i++)
		body[i] = (i % 64 == 63) ? '\n' : 'x';
	body[70000 - 1] = '\0';
	mbox_unit_mail(&m2, ID2, "short");
	e2 = mbox_unit_format(&m2);
	at = (size_t)(strstr(e2, "\nX-Ipcmail-Id: ") - e2);
	free(e2);
	body[blen] = '\0';
	mbox_unit_mail(&m1, ID1, body);
	e1 = mbox_unit_format(&m1);
	shift = 65536 - 20 - (long)(strlen(e1) + at);
	free(e1);
	body[blen] = 'x';
	blen += shift;
	body[blen - 1] = 'x';
	body[blen] = '\0';
	mbox_unit_mail(&m1, ID1, body);
	e1 = mbox_unit_format(&m1);
	assert_int_equal(strlen(e1) + at, 65536 - 20);
	free(e1);

	snprintf(u->path, sizeof u->path, "%s/bob.mbox", u->dir);
	assert_int_equal(mbox_append(u->path, &m1, &cause), 1);
	assert_int_equal(mbox_append(u->path, &m2, &cause), 1);
	assert_int_equal(mbox_append(u->path, &m2, &cause), 0);
	assert_int_equal(mbox_append(u->path, &m1, &cause), 0);
	assert_null(cause);
	text = mbox_unit_slurp(u->path);
	assert_int_equal(mbox_unit_separators(text), 2);
	assert_true(strlen(text) > 65536);
	free(text);
	free(body);
}

static void
mbox_append_symlink(void **state)
{
	struct mbox_unit	*u = *state;
	struct mail		 m;
	struct stat		 st;
	char			*cause = NULL, target[PATH_MAX];
	int			 fd;

	mbox_unit_mail(&m, ID1, "secret\n");
	snprintf(target, sizeof target, "%s/victim", u->dir);
	snprintf(u->path, sizeof u->path, "%s/bob.mbox", u->dir);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_int_not_equal(fd, -1);
	close(fd);
	assert_int_equal(symlink(target, u->path), 0);

	assert_int_equal(mbox_append(u->path, &m, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, u->path));
	free(cause);
	cause = NULL;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(lstat(u->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* A dangling link must not create its target either. */
	assert_int_equal(unlink(target), 0);
	assert_int_equal(mbox_append(u->path, &m, &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void
mbox_append_not_regular(void **state)
{
	struct mbox_unit	*u = *state;
	struct mail		 m;
	char			*cause = NULL;

	mbox_unit_mail(&m, ID1, "body\n");
	snprintf(u->path, sizeof u->path, "%s/fifo.mbox", u->dir);
	assert_int_equal(mkfifo(u->path, 0600), 0);
	assert_int_equal(mbox_append(u->path, &m, &cause), -1);
	assert_non_null(cause);
	/* Refused for what it is, before any write is tried. */
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	cause = NULL;

	snprintf(u->path, sizeof u->path, "%s/dir.mbox", u->dir);
	assert_int_equal(mkdir(u->path, 0700), 0);
	assert_int_equal(mbox_append(u->path, &m, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void
mbox_paths(void **state)
{
	char	*saved_home, *saved_xdg, *p;

	(void)state;
	saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	saved_xdg = getenv("XDG_DATA_HOME") ?
	    strdup(getenv("XDG_DATA_HOME")) : NULL;

	setenv("XDG_DATA_HOME", "/srv/xdg", 1);
	p = mbox_default_path("bob");
	assert_string_equal(p, "/srv/xdg/ipcmail/bob.mbox");
	free(p);
	/* A relative XDG_DATA_HOME is ignored, as the spec says. */
	setenv("XDG_DATA_HOME", "relative", 1);
	setenv("HOME", "/home/bob", 1);
	p = mbox_default_path("bob");
	assert_string_equal(p, "/home/bob/.local/share/ipcmail/bob.mbox");
	free(p);
	unsetenv("XDG_DATA_HOME");
	p = mbox_default_path("carol");
	assert_string_equal(p, "/home/bob/.local/share/ipcmail/carol.mbox");
	free(p);

	if (saved_home != NULL)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	if (saved_xdg != NULL)
		setenv("XDG_DATA_HOME", saved_xdg, 1);
	free(saved_home);
	free(saved_xdg);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(mbox_format_exact),
		cmocka_unit_test(mbox_format_order),
		cmocka_unit_test(mbox_format_quoting),
		cmocka_unit_test(mbox_format_trailing),
		cmocka_unit_test(mbox_format_large),
		cmocka_unit_test_setup_teardown(mbox_append_idempotent,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(mbox_append_torn,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(mbox_append_boundary,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(mbox_append_symlink,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(mbox_append_not_regular,
		    dir_setup, dir_teardown),
		cmocka_unit_test(mbox_paths),
	};

	return (cmocka_run_group_tests(tests, group_setup, NULL));
}

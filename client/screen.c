/*
 * screen.c - what the user sees: the one way the commands, the live
 * display and the shell put bytes on the terminal.  While readline
 * shows a prompt and a half-typed line, they are cleared, the bytes
 * written, and the line drawn again; another user's bytes go through
 * the terminal-safe display filter.  The commands call this, never the
 * shell, so the shell drives the commands and not the other way round.
 */
#define _GNU_SOURCE
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <readline/readline.h>

#include "client.h"
#include "display.h"

/*
 * screen_write - put bytes on the user's screen.  While readline shows a
 * prompt and a half-typed line, clear them, write, and draw them again.
 * Bodies are bytes: fwrite, not printf, so a NUL does not cut them.
 */
void
screen_write(struct client *cl, const void *buf, size_t len)
{
	char	*saved = NULL;
	int	 point = 0, redraw = cl->readline && !cl->in_command;

	if (redraw) {
		point = rl_point;
		saved = rl_copy_text(0, rl_end);
		rl_save_prompt();
		rl_replace_line("", 0);
		rl_redisplay();
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	if (redraw) {
		rl_restore_prompt();
		rl_replace_line(saved, 0);
		rl_point = point;
		rl_redisplay();
		free(saved);
	}
}

/* screen_vput - fmt formatted, then put on the screen by put. */
static void
screen_vput(struct client *cl, void (*put)(struct client *, const void *,
    size_t), const char *fmt, va_list ap)
{
	char	*s;
	int	 n;

	if ((n = vasprintf(&s, fmt, ap)) < 0)
		return;
	put(cl, s, (size_t)n);
	free(s);
}

/* screen_print - screen_write with printf formatting. */
void
screen_print(struct client *cl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	screen_vput(cl, screen_write, fmt, ap);
	va_end(ap);
}

/*
 * screen_show - screen_write for output that carries another user's
 * bytes.  The one place mailcli decides: to a terminal they go through
 * display_filter (display.c), so none can act on it; to a pipe or a
 * file they go as they are, so scripts and `read > file` get the bytes.
 */
void
screen_show(struct client *cl, const void *buf, size_t len)
{
	char	*safe;
	size_t	 n;

	if (!display_is_terminal(STDOUT_FILENO)) {
		screen_write(cl, buf, len);
		return;
	}
	safe = display_text(buf, len, &n);
	screen_write(cl, safe, n);
	free(safe);
}

/* screen_showf - screen_show with printf formatting. */
void
screen_showf(struct client *cl, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	screen_vput(cl, screen_show, fmt, ap);
	va_end(ap);
}

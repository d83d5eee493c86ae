/*
 * display.h - what bytes of another user may reach a terminal: the one
 * filter every such byte passes on its way to a screen (see display.c
 * for the forms it shows).
 */
#ifndef DISPLAY_H
#define DISPLAY_H

#include <stddef.h>
#include <stdint.h>

/* The UTF-8 sequence a call ended inside of, so the next call can end
 * it: a character may be split between two records. */
struct display_state {
	uint8_t		seq[4];
	uint8_t		have;		/* bytes of seq so far */
	uint8_t		want;		/* bytes the lead byte announced */
};

typedef void display_out_fn(void *, const void *, size_t);

void	display_init(struct display_state *);
void	display_filter(struct display_state *, const uint8_t *, size_t,
	    display_out_fn *, void *);
void	display_flush(struct display_state *, display_out_fn *, void *);
char	*display_text(const void *, size_t, size_t *);
char	*display_field(const char *);
int	display_is_terminal(int);
size_t	display_cut(const char *, size_t);

#endif

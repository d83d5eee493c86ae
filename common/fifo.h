/*
 * fifo.h - named pipes made and opened defensively.
 */
#ifndef FIFO_H
#define FIFO_H

#include <sys/types.h>

int	fifo_listen(int, const char *, mode_t, char **);
int	fifo_make_reader(int, const char *, mode_t, char **);
int	fifo_open_writer(int, const char *, uid_t *);
void	fifo_unlink_same(int, const char *, int);

#endif

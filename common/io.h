/*
 * io.h - read and write that survive EINTR and short transfers, a
 * poll() wait with a deadline, and random bytes.
 */
#ifndef IO_H
#define IO_H

#include <sys/types.h>

ssize_t	io_write_all(int, const void *, size_t);
ssize_t	io_read_some(int, void *, size_t);
int	io_wait(int, short, int);
int	io_set_nonblock(int, int);
int	io_set_cloexec(int);
long long io_now_ms(void);
int	io_random(void *, size_t);

#endif

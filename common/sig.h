/*
 * sig.h - signals turned into events: a self-pipe the event loop polls.
 */
#ifndef SIG_H
#define SIG_H

int	sig_init(const int *, int);
int	sig_next(int);

#endif

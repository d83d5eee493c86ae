/*
 * ctl.h - the control socket DIR/mailserv.sock (AF_UNIX,
 * SOCK_SEQPACKET): one request, one reply, each a single packet of
 * text.  Only mailserv's uid and root may use it (SO_PEERCRED).
 */
#ifndef CTL_H
#define CTL_H

#include <sys/types.h>

#define CTL_SOCKET	"mailserv.sock"
#define CTL_MAX		65536

int	ctl_listen(int, char **);
int	ctl_peer_allowed(int, uid_t *, pid_t *);
int	ctl_request(int, const char *, char **, char **);

#endif

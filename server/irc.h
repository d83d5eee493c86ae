/*
 * irc.h - the inside of mailserv's IRC door, between its two files.
 * irc.c owns a connection (listeners, registration, CAP, framing, the
 * output queue) and gives irccmd.c the lines it may write; irccmd.c
 * owns what a registered connection's commands and the server's
 * records mean.  The rest of mailserv sees only irc_* in server.h.
 */
#ifndef IRC_H
#define IRC_H

#include <stddef.h>

#include "server.h"

#define IRC_SERVER	"ipcmail"
#define IRC_HOST	"localhost"

#define IRC_CAP_TIME	0x1	/* server-time */
#define IRC_CAP_TAGS	0x2	/* message-tags */
#define IRC_CAP_ECHO	0x4	/* echo-message */

struct ircline;
struct irccmd;

/* irc.c: what a connection is, and the lines queued for it. */
int	irc_caps(const struct session *);
int	irc_registered(const struct session *);
struct irccmd *irc_cmd(const struct session *);
const char *irc_nick(const struct session *);
void	irc_prefix(char *, size_t, const char *);
void	irc_line(struct server *, struct session *, const char *,
	    const char *, const char *, const char *const *, size_t,
	    const char *);
void	irc_num(struct server *, struct session *, const char *,
	    const char *, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
void	irc_notice(struct server *, struct session *, const char *);
int	irc_need(struct server *, struct session *, struct ircline *, size_t);

/* irccmd.c: a registered connection's commands, the records for it. */
struct irccmd *irccmd_new(void);
void	irccmd_free(struct irccmd *);
void	irccmd_registered(struct server *, struct session *);
void	irccmd_command(struct server *, struct session *, struct ircline *);
void	irccmd_record(struct server *, struct session *, uint16_t,
	    const void *, size_t);
void	irccmd_flush(struct server *, struct session *);
void	irccmd_pong(struct server *, struct session *, const char *);
void	irccmd_room_change(struct server *, struct session *,
	    const struct room_change *);

#endif

/*
 * rfc5322.h - reading and writing internet messages (RFC 5322): the
 * header fields ipcmail needs from a message the MTA hands it, a
 * complete message for the MTA to send, and RFC 2047 encoded words for
 * non-ASCII header text.
 */
#ifndef RFC5322_H
#define RFC5322_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RFC5322_LINE_MAX	998		/* octets, CRLF excluded */
#define RFC5322_HEAD_MAX	(64 * 1024)	/* header section, at most */

/* What a message says of itself; unfolded values, NULL when absent. */
struct rfc5322 {
	size_t		 body_off;	/* where the body starts */
	char		*from;
	char		*reply_to;
	char		*subject;
	char		*date;
	char		*message_id;
};

/* The parts of a message to build (rfc5322_build). */
struct rfc5322_out {
	const char	*from;		/* addresses: clean, one line */
	const char	*to;
	const char	*subject;	/* UTF-8, may be NULL */
	const char	*message_id;	/* without the <> */
	const char	*in_reply_to;	/* with the <>, may be NULL */
	time_t		 date;
	const uint8_t	*body;
	size_t		 bodylen;
};

size_t	rfc5322_normalize(uint8_t *, size_t);
int	rfc5322_parse(const uint8_t *, size_t, struct rfc5322 *, char **);
void	rfc5322_free(struct rfc5322 *);
size_t	rfc5322_body_offset(const uint8_t *, size_t);
int	rfc5322_addr_spec(const char *, char *, size_t);
void	rfc5322_date(time_t, char *, size_t);
char	*rfc5322_encode(const char *, size_t);
void	rfc5322_decode(const char *, char *, size_t);
size_t	rfc5322_build(const struct rfc5322_out *, char **);
int	rfc5322_domain_valid(const char *);
void	rfc5322_mail_domain(char *, size_t);

#endif

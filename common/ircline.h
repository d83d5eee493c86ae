/*
 * ircline.h - IRC lines (RFC 1459/2812, IRCv3 message tags), pure: the
 * reader that cuts a byte stream into lines and drops the over-long,
 * the parser of one line, the formatter that never writes more than
 * 512 bytes (tags aside), and the cutting of a long text into pieces
 * that each fit one PRIVMSG.  No sockets here.
 */
#ifndef IRCLINE_H
#define IRCLINE_H

#include <stddef.h>
#include <stdint.h>

#define IRCLINE_MAX		512	/* with CRLF, without the tags */
#define IRCLINE_TAGS_MAX	8191	/* IRCv3: tags with '@' and space */
#define IRCLINE_IN_MAX		(IRCLINE_TAGS_MAX + IRCLINE_MAX)
#define IRCLINE_PARAMS_MAX	15

struct ircline {
	char	*tags;			/* without '@'; NULL: none */
	char	*prefix;		/* without ':'; NULL: none */
	char	*cmd;			/* upper-cased */
	char	*params[IRCLINE_PARAMS_MAX];
	size_t	 nparams;
	char	 buf[IRCLINE_IN_MAX + 1];
};

/* A byte stream cut into lines ending in LF (CR before it dropped). */
struct ircline_reader {
	char	buf[IRCLINE_IN_MAX + 1];
	size_t	len;
	int	discard;		/* inside an over-long line */
	uint64_t toolong;		/* over-long lines dropped */
};

#define IRCLINE_NONE	0	/* no whole line yet */
#define IRCLINE_LINE	1
#define IRCLINE_LONG	2	/* an over-long line was dropped */

void	ircline_reader_init(struct ircline_reader *);
size_t	ircline_reader_feed(struct ircline_reader *, const char *, size_t);
int	ircline_reader_next(struct ircline_reader *, char *, size_t *);

int	ircline_parse(struct ircline *, const char *, size_t);
size_t	ircline_format(char *, size_t, const char *, const char *,
	    const char *, const char *const *, size_t, const char *);
size_t	ircline_piece(const char *, size_t, size_t, size_t *);
size_t	ircline_clean(char *, const uint8_t *, size_t);
int	ircline_nick_equal(const char *, const char *);
void	ircline_lower(char *);

#endif

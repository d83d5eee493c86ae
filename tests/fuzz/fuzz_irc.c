/*
 * fuzz_irc.c - libFuzzer harness of the IRC door's line handling
 * (common/ircline.c): any bytes a client writes, in chunks of sizes the
 * input picks, are cut into lines no longer than the reader's buffer;
 * each line parses or is refused, a parsed one has a command of letters
 * or digits and at most 15 parameters, and formats back into one line
 * of at most 512 bytes past its tags with no CR or LF inside; any text
 * cut into pieces is all there, each piece within bounds; cleaning
 * leaves valid UTF-8 without control bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ircline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_irc: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

static struct ircline_reader	rd;
static struct ircline		l;
static char			line[IRCLINE_IN_MAX + 1];
static char			out[IRCLINE_TAGS_MAX + IRCLINE_MAX + 1];

static void
fuzz_line(const char *s, size_t n)
{
	const char	*c;
	size_t		 len, i, start;

	fuzz_assert(n < IRCLINE_IN_MAX);
	if (ircline_parse(&l, s, n) != 0)
		return;
	fuzz_assert(l.cmd != NULL && *l.cmd != '\0');
	for (c = l.cmd; *c != '\0'; c++)
		fuzz_assert((*c >= 'A' && *c <= 'Z') || (*c >= '0' &&
		    *c <= '9'));
	fuzz_assert(l.nparams <= IRCLINE_PARAMS_MAX);
	len = ircline_format(out, sizeof out, l.tags, l.prefix, l.cmd,
	    (const char *const *)l.params, l.nparams > 0 ? l.nparams - 1 : 0,
	    l.nparams > 0 ? l.params[l.nparams - 1] : NULL);
	fuzz_assert(len >= 2 && out[len - 2] == '\r' && out[len - 1] == '\n');
	start = out[0] == '@' ? (size_t)(strchr(out, ' ') - out) + 1 : 0;
	fuzz_assert(len - start <= IRCLINE_MAX);
	for (i = 0; i < len - 2; i++)
		fuzz_assert(out[i] != '\r' && out[i] != '\n' && out[i] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*clean;
	size_t	 off = 0, step, took, n, used, total = 0, max, i, k;
	int	 kind;

	ircline_reader_init(&rd);
	while (off < size) {
		step = 1 + data[off] % 97;
		if (step > size - off)
			step = size - off;
		for (k = 0; k < step; k += took)
			took = ircline_reader_feed(&rd, (const char *)data +
			    off + k, step - k);
		while ((kind = ircline_reader_next(&rd, line, &n)) !=
		    IRCLINE_NONE)
			if (kind == IRCLINE_LINE)
				fuzz_line(line, n);
		off += step;
	}
	max = size > 0 ? 1 + data[0] % 200 : 1;
	for (off = 0; off < size; off += used) {
		n = ircline_piece((const char *)data + off, size - off, max,
		    &used);
		fuzz_assert(n <= max && n <= used && used > 0);
		total += used;
	}
	fuzz_assert(total == size);
	clean = malloc(size + 1);
	n = ircline_clean(clean, data, size);
	fuzz_assert(n <= size);
	for (i = 0; i < n; i++)
		fuzz_assert((uint8_t)clean[i] >= 0x20 || clean[i] == '\t' ||
		    clean[i] == '\n');
	free(clean);
	return (0);
}

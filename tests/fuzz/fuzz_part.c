/*
 * fuzz_part.c - libFuzzer harness of the stored-part decoder
 * (common/mail.c).  mailserv runs mail_part_decode on whatever it
 * finds in the queues at its keys when it starts, and mail_first_line
 * on the bodies it lists.  The input is taken as one stored part (up
 * to PART_MAX bytes), then as a body, which must survive
 * mail_part_encode and mail_part_decode unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "name.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_assert - an invariant broke: abort so libFuzzer keeps the input. */
#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_part: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

/*
 * fuzz_line - the whole first non-empty line as mail_first_line
 * describes it, uncut: the reference its output must be a prefix of.
 */
static size_t
fuzz_line(const uint8_t *b, size_t len, char *out)
{
	size_t	i = 0, o = 0;

	while (i < len && (b[i] == '\n' || b[i] == '\r'))
		i++;
	for (; i < len && b[i] != '\n'; i++) {
		if (b[i] == '\r')
			continue;
		out[o++] = (b[i] < 0x20 || b[i] == 0x7f) ? ' ' : (char)b[i];
	}
	return (o);
}

/* fuzz_first_line - mail_first_line into size bytes, checked. */
static void
fuzz_first_line(const uint8_t *b, size_t len, size_t size)
{
	char	*out, *full;
	size_t	 o, full_len, i, fit;

	out = malloc(size);
	full = malloc(len + 1);
	fuzz_assert(out != NULL && full != NULL);
	mail_first_line(b, len, out, size);
	o = strnlen(out, size);
	fuzz_assert(o < size);
	for (i = 0; i < o; i++)
		fuzz_assert((uint8_t)out[i] >= 0x20 && out[i] != 0x7f);
	full_len = fuzz_line(b, len, full);
	fuzz_assert(o <= full_len && memcmp(out, full, o) == 0);
	/* Cutting at a UTF-8 boundary takes back at most 3 bytes. */
	fit = full_len < size - 1 ? full_len : size - 1;
	fuzz_assert(o + 3 >= fit);
	free(full);
	free(out);
}

/* fuzz_decode - the input as one part read back from a queue. */
static void
fuzz_decode(const uint8_t *buf, size_t size)
{
	struct part_hdr	 h;
	const uint8_t	*data;

	if (mail_part_decode(buf, size, &h, &data) != 0)
		return;
	fuzz_assert(data == buf + sizeof h);
	fuzz_assert(h.datalen == size - sizeof h);
	fuzz_assert(h.part < h.nparts);
	fuzz_assert((uint64_t)h.offset + h.datalen <= h.len);
	fuzz_assert(name_valid_field(h.from, sizeof h.from));
	fuzz_assert(name_box_valid_field(h.to, sizeof h.to));
	if (h.part == 0)
		fuzz_first_line(data, h.datalen, PROTO_FIRST_MAX);
}

/* fuzz_roundtrip - a body made of the input, encoded and decoded. */
static void
fuzz_roundtrip(const uint8_t *in, size_t size)
{
	struct mail	 m;
	struct part_hdr	 h;
	const uint8_t	*data;
	uint8_t		*buf, *back;
	size_t		 rep, i, sz;
	uint16_t	 k, n;

	rep = size > 0 ? in[0] % 8 + 1 : 1;
	memset(&m, 0, sizeof m);
	m.len = (uint32_t)(size * rep);
	m.body = malloc(m.len + 1);
	back = malloc(m.len + 1);
	buf = malloc(PART_MAX);
	fuzz_assert(m.body != NULL && back != NULL && buf != NULL);
	for (i = 0; i < rep; i++)
		memcpy(m.body + i * size, in, size);
	memcpy(m.id, in, size < MAIL_ID_LEN ? size : MAIL_ID_LEN);
	memcpy(&m.date, in, size < sizeof m.date ? size : sizeof m.date);
	strcpy(m.from, "alice");
	strcpy(m.to, "bob_2");
	n = mail_part_count(m.len);
	for (k = 0; k < n; k++) {
		sz = mail_part_encode(&m, k, buf);
		fuzz_assert(sz <= PART_MAX && sz >= sizeof h);
		fuzz_assert(mail_part_decode(buf, sz, &h, &data) == 0);
		fuzz_assert(h.part == k && h.nparts == n && h.len == m.len);
		fuzz_assert(memcmp(h.id, m.id, MAIL_ID_LEN) == 0);
		memcpy(back + h.offset, data, h.datalen);
		if (k == 0)
			fuzz_first_line(data, h.datalen, PROTO_FIRST_MAX);
		/* One byte short, or one data byte changed: refused. */
		fuzz_assert(mail_part_decode(buf, sz - 1, &h, &data) != 0);
		if (sz > sizeof h) {
			buf[sz - 1] ^= 0x5a;
			fuzz_assert(mail_part_decode(buf, sz, &h, &data) != 0);
		}
	}
	fuzz_assert(memcmp(back, m.body, m.len) == 0);
	free(buf);
	free(back);
	free(m.body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > PART_MAX)
		size = PART_MAX;
	fuzz_decode(data, size);
	fuzz_first_line(data, size, size > 0 ? data[0] % 100 + 1 : 1);
	fuzz_first_line(data, size, PROTO_FIRST_MAX);
	fuzz_roundtrip(data, size);
	return (0);
}

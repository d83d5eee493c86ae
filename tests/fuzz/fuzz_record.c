/*
 * fuzz_record.c - libFuzzer harness of the FIFO record stream parser
 * (common/record.c), the first code that reads what any local user
 * writes into mailserv.fifo.  The input is cut into reads, each
 * followed by record_parser_next with drained 0 or 1 as a poll loop
 * would call it; every record handed out must check, and every byte
 * must be accounted for.  Then one honest record is built from the
 * input and must come back whole from any split of it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_assert - an invariant broke: abort so libFuzzer keeps the input. */
#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_record: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

/* fuzz_rand - xorshift32: read sizes and drained flags from the seed. */
static uint32_t
fuzz_rand(uint32_t *s)
{
	uint32_t	x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return (x);
}

static const uint16_t	fuzz_types[] = {
	REC_HELLO, REC_SEND, REC_DATA, REC_LIST, REC_FETCH, REC_DONE,
	REC_WALL, REC_BYE, REC_WELCOME, REC_OK, REC_ERROR, REC_ENTRY,
	REC_END, REC_MAIL, REC_WALLMSG, REC_NOTICE, REC_LOGOUT, REC_ROOM,
	REC_ROOMINFO,
};

/* fuzz_stream - the input as a FIFO would deliver it, in pieces. */
static void
fuzz_stream(struct record_parser *rp, const uint8_t *data, size_t size,
    uint32_t seed, uint32_t maxread)
{
	struct record	 rec;
	uint8_t		*space;
	size_t		 avail, n, pos = 0;
	uint64_t	 fed = 0, taken = 0;
	int		 drained;

	record_parser_init(rp);
	while (pos < size) {
		n = fuzz_rand(&seed) % maxread + 1;
		space = record_parser_space(rp, &avail);
		/* After each drain loop less than one record stays. */
		fuzz_assert(avail > RECORD_PARSER_BUF - PROTO_REC_MAX);
		if (n > avail)
			n = avail;
		if (n > size - pos)
			n = size - pos;
		memcpy(space, data + pos, n);
		record_parser_added(rp, n);
		pos += n;
		fed += n;
		drained = (fuzz_rand(&seed) & 3) == 0;
		while (record_parser_next(rp, &rec, drained)) {
			fuzz_assert(record_check(&rec) == 0);
			fuzz_assert(record_size(&rec) <= PROTO_REC_MAX);
			fuzz_assert(record_type_name(rec.hdr.type) != NULL);
			taken += record_size(&rec);
		}
		if (drained)
			fuzz_assert(rp->len == 0);
		else
			fuzz_assert(rp->len < PROTO_REC_MAX);
		fuzz_assert(fed == taken + rp->dropped + rp->len);
	}
	while (record_parser_next(rp, &rec, 1)) {
		fuzz_assert(record_check(&rec) == 0);
		taken += record_size(&rec);
	}
	fuzz_assert(rp->len == 0);
	fuzz_assert(fed == taken + rp->dropped);
}

/* fuzz_roundtrip - an honest record, split anyhow, comes back intact. */
static void
fuzz_roundtrip(struct record_parser *rp, const uint8_t *data, size_t size,
    uint32_t seed)
{
	static struct record	 in, out;
	uint8_t			 token[16] = { 0 }, *space;
	size_t			 wire, pos = 0, n, avail, len;
	uint32_t		 pid = 0;
	int			 got = 0;

	if (size >= 4)
		memcpy(&pid, data, 4);
	if (size >= 20)
		memcpy(token, data + 4, sizeof token);
	len = size > PROTO_PAYLOAD_MAX ? PROTO_PAYLOAD_MAX : size;
	wire = record_build(&in, fuzz_types[seed % (sizeof fuzz_types /
	    sizeof fuzz_types[0])], pid, token, data, len);
	fuzz_assert(wire == sizeof in.hdr + len && wire <= PROTO_REC_MAX);
	fuzz_assert(record_check(&in) == 0);
	record_parser_init(rp);
	while (pos < wire) {
		n = fuzz_rand(&seed) % wire + 1;
		if (n > wire - pos)
			n = wire - pos;
		space = record_parser_space(rp, &avail);
		memcpy(space, (uint8_t *)&in + pos, n);
		record_parser_added(rp, n);
		pos += n;
		/* Not drained until the writer's one write is all in. */
		while (record_parser_next(rp, &out, pos == wire)) {
			fuzz_assert(pos == wire && got == 0);
			fuzz_assert(memcmp(&in, &out, wire) == 0);
			got = 1;
		}
	}
	fuzz_assert(got == 1 && rp->len == 0 && rp->dropped == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record_parser	 rp;
	static struct record		 raw;
	uint32_t			 seed = 2463534242u, maxread;

	/* Two control bytes: how reads are cut, then the stream. */
	if (size >= 2) {
		seed ^= (uint32_t)data[0] << 8 | data[1];
		maxread = data[0] % 2 ? 4096 : (uint32_t)data[1] * 16 + 1;
		data += 2;
		size -= 2;
	} else
		maxread = 4096;
	if (seed == 0)
		seed = 1;

	/* The whole input taken as one record, as a reader might. */
	memset(&raw, 0, sizeof raw);
	memcpy(&raw, data, size < sizeof raw ? size : sizeof raw);
	if (record_check(&raw) == 0)
		fuzz_assert(raw.hdr.len <= PROTO_PAYLOAD_MAX);
	(void)record_type_name(raw.hdr.type);

	fuzz_stream(&rp, data, size, seed, maxread);
	fuzz_roundtrip(&rp, data, size, seed);
	return (0);
}

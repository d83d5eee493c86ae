/*
 * fuzz_room.c - libFuzzer harness of a room's stored forms
 * (common/roomrec.c): what mailserv reads back from the store and the
 * spool at start to rebuild its rooms.  Any bytes: a snapshot either
 * decodes to one that passes every check (valid names, no member twice,
 * read positions below the next line) and, written again, reads back
 * the same (an older IRS1 written as IRS2), or is refused with a cause; a line decodes or is refused; and
 * the line ring, fed the input's numbers, stays in order and bounded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "roomrec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_room: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roomrec_snap	 sn, sn2;
	struct roomring		 r;
	struct roomring_line	 aged;
	const uint8_t		*text;
	uint8_t			*again, id[MAIL_ID_LEN] = { 0 };
	size_t			 i, j, tlen, len;
	uint64_t		 seq, last = 0;
	uint32_t		 magic;
	char			*cause = NULL;

	if (roomrec_snap_decode(data, size, &sn, &cause) == 0) {
		fuzz_assert(name_valid(sn.owner));
		fuzz_assert(sn.nmembers > 0);
		for (i = 0; i < sn.nmembers; i++) {
			fuzz_assert(name_valid(sn.members[i].name));
			fuzz_assert(sn.members[i].read < sn.next_seq);
			for (j = 0; j < i; j++)
				fuzz_assert(strcmp(sn.members[i].name,
				    sn.members[j].name) != 0);
		}
		/* Written again, it reads back the same; an IRS1 grows by
		 * its topic block, as IRS2. */
		again = roomrec_snap_encode(&sn, &len);
		memcpy(&magic, data, sizeof magic);
		fuzz_assert(len <= size || magic == ROOMREC_SNAP1_MAGIC);
		fuzz_assert(roomrec_snap_decode(again, len, &sn2, &cause) == 0);
		fuzz_assert(strcmp(sn2.topic, sn.topic) == 0);
		fuzz_assert(strcmp(sn2.topic_by, sn.topic_by) == 0);
		fuzz_assert(sn2.topic_time == sn.topic_time);
		fuzz_assert(sn2.nmembers == sn.nmembers);
		roomrec_snap_clear(&sn2);
		free(again);
		roomrec_snap_clear(&sn);
	} else {
		fuzz_assert(cause != NULL);
		free(cause);
	}
	if (roomrec_line_decode(data, size, &seq, &text, &tlen) == 0)
		fuzz_assert(seq > 0 && text + tlen == data + size);
	roomring_init(&r, size % 7 + 1);
	for (i = 0; i + 1 < size; i += 2) {
		seq = last + 1 + data[i] % 3;
		if (roomring_push(&r, id, seq, &aged))
			fuzz_assert(aged.seq < seq);
		last = seq;
		fuzz_assert(r.n <= r.cap);
		fuzz_assert(roomring_last(&r) == seq);
		fuzz_assert(roomring_after(&r, seq) == 0);
		fuzz_assert(roomring_after(&r, 0) == r.n);
		fuzz_assert(roomring_after(&r, data[i + 1]) <= r.n);
	}
	roomring_clear(&r);
	return (0);
}

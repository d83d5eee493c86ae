/*
 * record.h - building, checking and reassembling protocol records.
 * record_parser turns a byte stream (a FIFO or pipe, where reads may
 * merge or split writes) back into whole, checked records, and
 * resynchronises past garbage.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct record {
	struct proto_hdr	hdr;
	uint8_t			payload[PROTO_PAYLOAD_MAX];
};

#define RECORD_SUM_SEED	2166136261u	/* FNV-1a's offset basis */

#define RECORD_SUM64_SEED 0xcbf29ce484222325ULL /* FNV-1a 64's basis */

uint32_t record_sum(const void *, size_t, uint32_t);
uint64_t record_sum64(const void *, size_t, uint64_t);
uint32_t record_fold(uint64_t);
size_t	record_build(struct record *, uint16_t, uint32_t, const uint8_t *,
	    const void *, size_t);
int	record_check_header(const struct proto_hdr *);
int	record_check(const struct record *);
size_t	record_size(const struct record *);
const char *record_type_name(uint16_t);

#define RECORD_PARSER_BUF	(64 * 1024)

struct record_parser {
	uint8_t		buf[RECORD_PARSER_BUF];
	size_t		off;		/* where the unparsed bytes start */
	size_t		len;		/* how many there are */
	uint64_t	dropped;	/* garbage bytes skipped */
	uint16_t	foreign;	/* a header's other protocol version,
					   last seen (0: none) */
	uint32_t	foreign_pid;	/* ... and its pid field */
};

/* Read into record_parser_space(), then say how much with _added(). */
void	record_parser_init(struct record_parser *);
uint8_t	*record_parser_space(struct record_parser *, size_t *);
void	record_parser_added(struct record_parser *, size_t);
int	record_parser_next(struct record_parser *, struct record *, int);

#endif

/*
 * mail.h - one message as ipcmail knows it, and its stored form: a
 * message is cut into parts of at most one SysV message (msgmax) each,
 * every part carrying enough header to be found and reassembled after
 * every process has exited.  A message's subject and, for mail from
 * another host, its sender address travel as a short "meta" block at
 * the head of the stored body (metalen bytes; 0 for mail without).
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define MAIL_ID_LEN		16
#define MAIL_ID_STR		37	/* uuid text form with NUL */
#define MAIL_BODY_DEFAULT	(64 * 1024)

struct mail {
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
	char		to[PROTO_NAME_MAX + 1];
	int64_t		date;
	uint32_t	len;		/* of body: meta block and text */
	uint32_t	metalen;	/* the meta block at body's head */
	uint8_t		*body;
};

/*
 * The meta block: version, flags, subject length, address length, the
 * subject, the address.  Neither holds a control byte (so neither can
 * start a header line where it is written out); an address holds '@'
 * (so it never reads as a local name).
 */
#define MAIL_META_VERSION	1
#define MAIL_META_RFC5322	0x1	/* the text is a whole internet
					   message, headers and body */
#define MAIL_SUBJECT_MAX	(PROTO_SUBJECT_MAX - 1)
#define MAIL_ADDR_MAX		(PROTO_ADDR_MAX - 1)
#define MAIL_META_MAX		(4 + MAIL_SUBJECT_MAX + MAIL_ADDR_MAX)

struct mail_meta {
	unsigned	flags;
	char		subject[MAIL_SUBJECT_MAX + 1];
	char		addr[MAIL_ADDR_MAX + 1];	/* "" for local mail */
};

#define PART_MAGIC	0x31504d49u	/* "IMP1" */
#define PART_VERSION	3	/* 3: metalen; 2: record_sum64;
				   1 (still read): record_sum */
#define PART_MAX	8192		/* msgmax on these machines */

struct part_hdr {
	uint32_t	magic;
	uint16_t	version;
	uint16_t	part;		/* 0 .. nparts-1 */
	uint16_t	nparts;
	uint16_t	pad;
	uint32_t	len;		/* whole body */
	uint32_t	offset;		/* of this part's data in the body */
	uint32_t	datalen;	/* data bytes after the header */
	uint32_t	sum;		/* of header (sum 0) + data: see version */
	uint32_t	metalen;	/* version 3; 0 before (was padding) */
	int64_t		date;
	uint8_t		id[MAIL_ID_LEN];
	char		from[PROTO_NAME_MAX + 1];
	char		to[PROTO_NAME_MAX + 1];
	uint8_t		pad2[6];
};
#define PART_DATA_MAX	(PART_MAX - sizeof(struct part_hdr))

void	mail_new_id(uint8_t *);
void	mail_id_str(const uint8_t *, char *);
int	mail_id_parse(const char *, uint8_t *);
void	mail_first_line(const uint8_t *, size_t, char *, size_t);
void	mail_free(struct mail *);

size_t	mail_meta_encode(uint8_t *, unsigned, const char *, const char *);
int	mail_meta_decode(const uint8_t *, size_t, struct mail_meta *);
int	mail_meta(const struct mail *, struct mail_meta *);
int	mail_set_meta(struct mail *, unsigned, const char *, const char *);
const uint8_t *mail_text(const struct mail *, size_t *);
void	mail_clean_field(char *, size_t);
void	mail_summary(const uint8_t *, size_t, size_t, char *, size_t,
	    char *, size_t, char *, size_t);

/* A body arriving in REC_DATA records. */
struct mail_assembly {
	uint8_t		*buf;
	uint32_t	 want;
	uint32_t	 have;
};

void	mail_assembly_start(struct mail_assembly *, uint32_t);
int	mail_assembly_add(struct mail_assembly *, const void *, size_t);
uint8_t	*mail_assembly_take(struct mail_assembly *);
void	mail_assembly_clear(struct mail_assembly *);

uint16_t mail_part_count(uint32_t);
size_t	mail_part_encode(const struct mail *, uint16_t, uint8_t *);
int	mail_part_decode(const uint8_t *, size_t, struct part_hdr *,
	    const uint8_t **);

#endif

/*
 * fuzz_rfc5322.c - libFuzzer harness of the internet-message reader
 * (common/rfc5322.c): `mailcli deliver` runs it on whatever an MTA
 * hands it.  The input is taken as a message (normalized, parsed, its
 * fields decoded and cleaned as deliver does), then as a header text,
 * which RFC 2047 encoding and decoding must give back unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "rfc5322.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_rfc5322: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfc5322	 h;
	char		 subject[MAIL_SUBJECT_MAX + 1], addr[PROTO_ADDR_MAX];
	char		*cause = NULL, *text, *enc, *dec;
	uint8_t		*copy;
	size_t		 len, i;

	copy = malloc(size + 1);
	memcpy(copy, data, size);
	len = rfc5322_normalize(copy, size);
	fuzz_assert(len <= size);
	if (rfc5322_parse(copy, len, &h, &cause) == 0) {
		fuzz_assert(h.body_off <= len);
		if (h.subject != NULL) {
			rfc5322_decode(h.subject, subject, sizeof subject);
			mail_clean_field(subject, sizeof subject);
			for (i = 0; subject[i] != '\0'; i++)
				fuzz_assert((unsigned char)subject[i] >= 0x20 &&
				    subject[i] != 0x7f);
		}
		if (h.from != NULL && rfc5322_addr_spec(h.from, addr,
		    sizeof addr) == 0)
			fuzz_assert(strchr(addr, '@') != NULL &&
			    strpbrk(addr, " \t\r\n<>") == NULL);
		rfc5322_free(&h);
	} else {
		fuzz_assert(cause != NULL);
		free(cause);
	}
	(void)rfc5322_body_offset(copy, len);
	free(copy);

	/* A header text: encoded, then decoded, it is itself again. */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	enc = rfc5322_encode(text, 9);
	fuzz_assert(strchr(enc, '\r') == NULL);
	for (i = 0; enc[i] != '\0'; i++)	/* "\n " folds only */
		fuzz_assert(enc[i] != '\n' || enc[i + 1] == ' ');
	dec = malloc(strlen(text) * 4 + 16);
	rfc5322_decode(enc, dec, strlen(text) * 4 + 16);
	if (strchr(text, '\n') == NULL || strcmp(enc, text) != 0)
		fuzz_assert(strcmp(dec, text) == 0 || strcmp(enc, text) == 0);
	free(dec);
	free(enc);
	free(text);
	return (0);
}

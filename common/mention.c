/*
 * mention.c - does a line name someone?  A name is mentioned when it
 * stands as a word of the text: "bob", "@bob", "bob:", "hi bob!" name
 * bob; "bobby", "jimbob" and "bob_2" do not.  Letters compare without
 * case ("Bob: lunch?").  Pure: the client decides what a mention does.
 */
#include <ctype.h>
#include <string.h>

#include "mention.h"

/* mention_wordchar - may c be part of a user name? */
static int
mention_wordchar(unsigned char c)
{
	return (isalnum(c) || c == '_' || c == '-');
}

/* mention_match - 1 if name is a word of the len bytes of text. */
int
mention_match(const char *text, size_t len, const char *name)
{
	size_t	n = strlen(name), i;

	if (n == 0 || n > len)
		return (0);
	for (i = 0; i + n <= len; i++) {
		if (strncasecmp(text + i, name, n) != 0)
			continue;
		if (i > 0 && mention_wordchar((unsigned char)text[i - 1]))
			continue;
		if (i + n < len && mention_wordchar((unsigned char)text[i + n]))
			continue;
		return (1);
	}
	return (0);
}

/*
 * mention_unit.c - the mention matcher (common/mention.c): a name as a
 * word of the line, with '@' or punctuation around it, any case; not
 * inside a longer name; bytes past len not looked at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mention.h"

static int
m(const char *text, const char *name)
{
	return (mention_match(text, strlen(text), name));
}

static void
mention_words(void **state)
{
	(void)state;
	assert_true(m("bob", "bob"));
	assert_true(m("@bob", "bob"));
	assert_true(m("bob: lunch?", "bob"));
	assert_true(m("lunch, bob?", "bob"));
	assert_true(m("ask Bob", "bob"));
	assert_true(m("hi @BOB!", "bob"));
	assert_true(m("(bob)", "bob"));
	assert_true(m("bobby then bob", "bob"));	/* the second one */
	assert_true(m("é bob é", "bob"));		/* UTF-8 around */
}

static void
mention_not_words(void **state)
{
	(void)state;
	assert_false(m("bobby", "bob"));
	assert_false(m("jimbob", "bob"));
	assert_false(m("bob_2", "bob"));
	assert_false(m("bob-ross", "bob"));
	assert_false(m("b o b", "bob"));
	assert_false(m("", "bob"));
	assert_false(m("bo", "bob"));
	assert_false(m("bob", ""));
	assert_false(mention_match("bobby", 3, "bobb"));	/* past len */
	assert_true(mention_match("bobby", 3, "bob"));	/* len ends the word */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(mention_words),
		cmocka_unit_test(mention_not_words),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

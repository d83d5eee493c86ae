/*
 * name_unit.c - unit tests of common/name.c: which user names are
 * accepted ([a-z_][a-z0-9_-]{0,31}), and that a name in a fixed field
 * must end inside the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "name.h"
#include "proto.h"

static void
name_accepts(void **state)
{
	static const char	*good[] = {
		"a", "_", "_x", "alice", "bob-2", "a_b-c9", "z-", "x0123456789",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 */
	};
	size_t			 i;

	(void)state;
	assert_int_equal(strlen(good[8]), PROTO_NAME_MAX);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!name_valid(good[i]))
			fail_msg("\"%s\" rejected", good[i]);
	}
}

static void
name_rejects(void **state)
{
	static const char	*bad[] = {
		"", "Alice", "aBc", "boB", "1abc", "9", "-abc", "-",
		"abcdefghijklmnopqrstuvwxyz0123456",	/* 33 */
		"al ice", " alice", "alice ", "a/b", "/", "../x", "a.b",
		"a\tb", "bob\n", "a:b", "a@b",
		"\xc3\xa9t\xc3\xa9", "caf\xc3\xa9", "a\x80", "\xff",
	};
	size_t			 i;

	(void)state;
	assert_int_equal(strlen(bad[8]), PROTO_NAME_MAX + 1);
	assert_int_equal(name_valid(NULL), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (name_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
	}
}

static void
name_length_edge(void **state)
{
	char	buf[64];
	size_t	n;

	(void)state;
	for (n = 1; n < sizeof buf; n++) {
		memset(buf, 'k', n);
		buf[n] = '\0';
		assert_int_equal(name_valid(buf), n <= PROTO_NAME_MAX);
	}
}

static void
name_field(void **state)
{
	char	field[PROTO_NAME_MAX + 1];

	(void)state;
	memset(field, 0, sizeof field);
	strcpy(field, "alice");
	assert_int_equal(name_valid_field(field, sizeof field), 1);
	/* Bytes after the NUL do not matter. */
	memset(field + 6, 'X', sizeof field - 6);
	assert_int_equal(name_valid_field(field, sizeof field), 1);

	/* The NUL must be inside the field, not just after it. */
	assert_int_equal(name_valid_field(field, 6), 1);
	assert_int_equal(name_valid_field(field, 5), 0);
	assert_int_equal(name_valid_field(field, 0), 0);

	/* A full 32-character name fills the field up to its NUL. */
	memset(field, 'a', PROTO_NAME_MAX);
	field[PROTO_NAME_MAX] = '\0';
	assert_int_equal(name_valid_field(field, sizeof field), 1);
	memset(field, 'a', sizeof field);
	assert_int_equal(name_valid_field(field, sizeof field), 0);

	/* A terminated but invalid name is still invalid. */
	memset(field, 0, sizeof field);
	strcpy(field, "Root");
	assert_int_equal(name_valid_field(field, sizeof field), 0);
	memset(field, 0, sizeof field);
	assert_int_equal(name_valid_field(field, sizeof field), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(name_accepts),
		cmocka_unit_test(name_rejects),
		cmocka_unit_test(name_length_edge),
		cmocka_unit_test(name_field),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * number_unit.c - number_parse (common/number.c): whole decimal strings
 * within the bounds; empty, signs where none belong, trailing bytes,
 * overflow and out-of-range values refused, the result left alone.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "number.h"

static void
number_in_range(void **state)
{
	long long	v;

	(void)state;
	assert_int_equal(number_parse("1", 1, 1000000, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(number_parse("1000000", 1, 1000000, &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(number_parse("0", 0, 86400, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(number_parse("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(number_parse("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(number_parse("9223372036854775807", 0, LLONG_MAX,
	    &v), 0);
	assert_true(v == LLONG_MAX);
}

static void
number_refused(void **state)
{
	static const char *const bad[] = { "", " 1", "\t1", "+1", "1 ",
	    "1x", "x1", "0x10", "1.5", "1e3", "-", "--1", "0", "1000001",
	    "-1", "99999999999999999999", "9223372036854775808" };
	long long	v;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 42;
		assert_int_equal(number_parse(bad[i], 1, 1000000, &v), -1);
		assert_int_equal(v, 42);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(number_in_range),
		cmocka_unit_test(number_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

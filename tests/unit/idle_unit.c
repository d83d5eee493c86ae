/*
 * idle_unit.c - who's idle column (common/idle.c): "." under a minute,
 * then minutes, hours, days, rounded down; a clock set back is ".".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "table.h"

static void
idle_check(int64_t secs, const char *want)
{
	char	buf[IDLE_TEXT_MAX];

	idle_format(1700000000 + secs, 1700000000, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void
idle_steps(void **state)
{
	(void)state;
	idle_check(0, ".");
	idle_check(59, ".");
	idle_check(60, "1m");
	idle_check(5 * 60 + 59, "5m");
	idle_check(3599, "59m");
	idle_check(3600, "1h");
	idle_check(2 * 3600 + 3599, "2h");
	idle_check(86399, "23h");
	idle_check(86400, "1d");
	idle_check(3 * 86400 + 5, "3d");
	idle_check(400 * 86400, "400d");
	idle_check(-30, ".");		/* the clock went back */
}

static void
idle_small_buffer(void **state)
{
	char	buf[3];

	(void)state;
	idle_format(1700000000 + 400 * 86400, 1700000000, buf, sizeof buf);
	assert_string_equal(buf, "40");	/* cut, still terminated */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(idle_steps),
		cmocka_unit_test(idle_small_buffer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

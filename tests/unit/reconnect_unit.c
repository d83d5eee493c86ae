/*
 * reconnect_unit.c - unit tests of client/reconnect.c: the tries come
 * at once, then 100 ms apart, doubling to one a second, never past
 * the patience; once it is spent the try gives up with exit 2; a send
 * is kept once until its answer is heard, oldest first.  No mailserv
 * here: every try fails to open the (absent) run directory's FIFO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "io.h"

/* reconnect_unit_client - a session with no connection and no dir. */
static void
reconnect_unit_client(struct client *cl)
{
	memset(cl, 0, sizeof *cl);
	cl->dir = "/nonexistent/ipcmail-reconnect-unit";
	cl->dirfd = -1;
	strcpy(cl->name, "alice");
	cl->conn.in = cl->conn.out = -1;
	cl->conn.replyfd = cl->conn.serverfd = -1;
}

/* reconnect_unit_step - make the next try due now; the pause after it. */
static int
reconnect_unit_step(struct client *cl, int *rc)
{
	char	*cause = NULL;
	int	 code = 0;
	long long before;

	cl->away.next_ms = io_now_ms();
	before = io_now_ms();
	*rc = reconnect_try(cl, 0, &code, &cause);
	free(cause);
	return ((int)(cl->away.next_ms - before));
}

static void
reconnect_backoff(void **state)
{
	struct client	cl;
	int		rc, pause, i;
	static const int want[] = { 100, 200, 400, 800, 1000, 1000, 1000 };

	(void)state;
	reconnect_unit_client(&cl);
	reconnect_lost(&cl, 300);
	assert_true(reconnect_away(&cl));
	assert_int_equal(reconnect_timeout(&cl), 0);	/* the first at once */
	for (i = 0; i < (int)(sizeof want / sizeof want[0]); i++) {
		pause = reconnect_unit_step(&cl, &rc);
		assert_int_equal(rc, 1);		/* no server: not yet */
		assert_in_range(pause, want[i] - 5, want[i] + 5);
	}
	assert_true(reconnect_away(&cl));
	reconnect_clear(&cl);
}

static void
reconnect_gives_up(void **state)
{
	struct client	 cl;
	char		*cause = NULL;
	int		 code = 0;

	(void)state;
	reconnect_unit_client(&cl);
	reconnect_lost(&cl, 1);
	/* Never a try scheduled past the patience. */
	cl.away.delay_ms = 5000;
	cl.away.next_ms = io_now_ms();
	assert_int_equal(reconnect_try(&cl, 0, &code, &cause), 1);
	assert_true(cl.away.next_ms <= cl.away.lost_ms + 1000);
	/* Spent: exit 2, saying so. */
	cl.away.lost_ms -= 1000;
	cl.away.next_ms = io_now_ms();
	assert_int_equal(reconnect_try(&cl, 0, &code, &cause), -1);
	assert_int_equal(code, CLI_EXIT_NOSERVER);
	assert_non_null(strstr(cause, "no mailserv came back"));
	free(cause);
	cause = NULL;
	/* Patience 0: give up at once, without a try. */
	reconnect_lost(&cl, 0);
	assert_int_equal(reconnect_try(&cl, 0, &code, &cause), -1);
	assert_int_equal(cl.away.tries, 0);
	assert_non_null(strstr(cause, "gone away"));
	free(cause);
	reconnect_clear(&cl);
}

static void
reconnect_kept(void **state)
{
	struct client	 cl;
	uint8_t		 a[MAIL_ID_LEN], b[MAIL_ID_LEN];

	(void)state;
	reconnect_unit_client(&cl);
	memset(a, 1, sizeof a);
	memset(b, 2, sizeof b);
	assert_null(reconnect_unsent(&cl));
	reconnect_hold(&cl, a, "bob", (const uint8_t *)"first", 5, 0);
	reconnect_hold(&cl, b, "carol", (const uint8_t *)"second", 6, 0);
	reconnect_hold(&cl, a, "bob", (const uint8_t *)"first", 5, 0);
	assert_int_equal(cl.away.nunsent, 2);	/* an id is kept once */
	assert_memory_equal(reconnect_unsent(&cl)->id, a, sizeof a);
	assert_string_equal(reconnect_unsent(&cl)->to, "bob");
	assert_memory_equal(reconnect_unsent(&cl)->body, "first", 5);
	reconnect_heard(&cl, a);
	assert_memory_equal(reconnect_unsent(&cl)->id, b, sizeof b);
	assert_int_equal(reconnect_unsent(&cl)->len, 6);
	reconnect_heard(&cl, a);		/* heard twice: no harm */
	reconnect_heard(&cl, b);
	assert_null(reconnect_unsent(&cl));
	reconnect_hold(&cl, a, "bob", (const uint8_t *)"x", 1, 0);
	reconnect_clear(&cl);			/* at exit */
	assert_null(reconnect_unsent(&cl));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reconnect_backoff),
		cmocka_unit_test(reconnect_gives_up),
		cmocka_unit_test(reconnect_kept),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

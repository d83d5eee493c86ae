/*
 * roominfo_unit.c - REC_ROOMINFO's wire form (common/roominfo.c): sent
 * up to the topic's NUL, read back whole and zero-filled; a payload too
 * short, too long or with its topic not ended is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roominfo.h"

static void
roominfo_member_is_short(void **state)
{
	struct proto_roominfo	ri, got;
	size_t			len;

	(void)state;
	memset(&ri, 0, sizeof ri);
	ri.kind = ROOMINFO_MEMBER;
	ri.flags = ROOMINFO_ONLINE;
	strcpy(ri.room, "#ops");
	strcpy(ri.name, "bob");
	len = roominfo_len(&ri);
	assert_int_equal(len, offsetof(struct proto_roominfo, topic) + 1);
	assert_true(len < 128);
	memset(&got, 0x55, sizeof got);
	assert_int_equal(roominfo_get(&ri, len, &got), 0);
	assert_memory_equal(&got, &ri, sizeof ri);	/* zero-filled */
}

static void
roominfo_topic_round_trip(void **state)
{
	struct proto_roominfo	ri, got;
	size_t			len;

	(void)state;
	memset(&ri, 0, sizeof ri);
	ri.kind = ROOMINFO_ROOM;
	ri.members = 1000;
	strcpy(ri.room, "#ops");
	strcpy(ri.name, "alice");
	strcpy(ri.topic, "lunch at noon");
	len = roominfo_len(&ri);
	assert_int_equal(len, offsetof(struct proto_roominfo, topic) + 14);
	assert_int_equal(roominfo_get(&ri, len, &got), 0);
	assert_string_equal(got.topic, "lunch at noon");
	assert_int_equal(got.members, 1000);
	/* a topic filling the field is ended, not sent past it */
	memset(ri.topic, 'x', sizeof ri.topic);
	assert_int_equal(roominfo_len(&ri), sizeof ri);
	assert_int_equal(ri.topic[sizeof ri.topic - 1], '\0');
	assert_int_equal(roominfo_get(&ri, sizeof ri, &got), 0);
	assert_int_equal(strlen(got.topic), sizeof got.topic - 1);
}

static void
roominfo_refused(void **state)
{
	uint8_t			buf[sizeof(struct proto_roominfo) + 8];
	struct proto_roominfo	got;
	size_t			head = offsetof(struct proto_roominfo, topic);

	(void)state;
	memset(buf, 0, sizeof buf);
	assert_int_equal(roominfo_get(buf, 0, &got), -1);
	assert_int_equal(roominfo_get(buf, head, &got), -1);
	assert_int_equal(roominfo_get(buf, head + 1, &got), 0);
	assert_int_equal(roominfo_get(buf, sizeof got + 1, &got), -1);
	buf[head] = 'a';			/* topic not ended */
	assert_int_equal(roominfo_get(buf, head + 1, &got), -1);
	/* names that fill their fields come back ended */
	memset(buf, 'n', head);
	buf[head] = '\0';
	assert_int_equal(roominfo_get(buf, head + 1, &got), 0);
	assert_int_equal(strlen(got.room), PROTO_NAME_MAX);
	assert_int_equal(strlen(got.name), PROTO_NAME_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roominfo_member_is_short),
		cmocka_unit_test(roominfo_topic_round_trip),
		cmocka_unit_test(roominfo_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

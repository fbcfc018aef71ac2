/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_word() of the firmware example (examples/firmware/fw_cmdline.c): a
 * word is found at the start of the line and after a space, never inside
 * another word, and nothing before the line is read. The first case failed
 * before the fix: the old test read the byte before the line and, unless it
 * was a space, skipped a key that opened the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "board.h"

/* @line in a buffer whose byte before it is @before. */
static const char *at(char *buf, char before, const char *line)
{
	buf[0] = before;
	strcpy(buf + 1, line);
	return buf + 1;
}

static void test_word_at_line_start(void **state)
{
	char buf[64];
	const char *v;

	(void)state;
	v = fw_word(at(buf, 'x', "role=driver count=5"), "role=");
	assert_non_null(v);
	assert_string_equal(v, "driver count=5");
	v = fw_word(at(buf, ' ', "role=device"), "role=");
	assert_non_null(v);
	assert_string_equal(v, "device");
}

static void test_word_after_space_only(void **state)
{
	char buf[64];
	const char *v;

	(void)state;
	v = fw_word(at(buf, 'x', "/boot/vob-fw.elf xrole=a role=b"), "role=");
	assert_non_null(v);
	assert_string_equal(v, "b");
	assert_null(fw_word(at(buf, ' ', "/boot/vob-fw.elf xrole=a"), "role="));
	assert_null(fw_word(at(buf, ' ', ""), "role="));
	assert_null(fw_word(at(buf, ' ', "role"), "role="));
	v = fw_word(at(buf, 'x', "a bar=move"), "bar=move");
	assert_non_null(v);
	assert_string_equal(v, "");
}

/* A line at the very start of its allocation: under ASan a read before it
 * fails the test. */
static void test_nothing_read_before_line(void **state)
{
	char *line = malloc(sizeof("count=7"));
	const char *v;

	(void)state;
	assert_non_null(line);
	memcpy(line, "count=7", sizeof("count=7"));
	v = fw_word(line, "count=");
	assert_non_null(v);
	assert_string_equal(v, "7");
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_at_line_start),
		cmocka_unit_test(test_word_after_space_only),
		cmocka_unit_test(test_nothing_read_before_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

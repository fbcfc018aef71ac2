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

/* fw_word(@line, @key) with @before as the byte before the line: the
 * value after the key, or NULL (@want NULL) when the word is not there. */
static void expect_word(char before, const char *line, const char *key, const char *want)
{
	char buf[64];
	const char *v;

	buf[0] = before;
	strcpy(buf + 1, line);
	v = fw_word(buf + 1, key);
	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
}

static void test_word_at_line_start(void **state)
{
	(void)state;
	expect_word('x', "role=driver count=5", "role=", "driver count=5");
	expect_word(' ', "role=device", "role=", "device");
}

static void test_word_after_space_only(void **state)
{
	(void)state;
	expect_word('x', "/boot/vob-fw.elf xrole=a role=b", "role=", "b");
	expect_word(' ', "/boot/vob-fw.elf xrole=a", "role=", NULL);
	expect_word(' ', "", "role=", NULL);
	expect_word(' ', "role", "role=", NULL);
	expect_word('x', "a bar=move", "bar=move", "");
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

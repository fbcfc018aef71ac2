/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration the tests build the core with: contract checks are live and
 * reported to cmocka, so a test can expect one with expect_assert_failure. */
#ifndef VOB_TEST_CONFIG_H
#define VOB_TEST_CONFIG_H

void mock_assert(const int result, const char *const expression, const char *const file,
		 const int line);
#define VOB_ASSERT(cond) mock_assert(!!(cond), #cond, __FILE__, __LINE__)

/* A call that breaks its caller contract: it returns the documented error
 * @err when the build keeps caller checks (VOB_CFG_ARG_CHECKS, config.h),
 * and trips VOB_ASSERT when they are compiled out. For test bodies, after
 * cmocka.h. */
#define assert_arg_error(call, err)                                  \
	do {                                                         \
		if (VOB_CFG_ARG_CHECKS)                              \
			assert_int_equal((call), (err));             \
		else                                                 \
			expect_assert_failure(call);                 \
	} while (0)

#endif

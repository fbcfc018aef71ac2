/* SPDX-License-Identifier: BSD-3-Clause */
/* The split ring over the simulated link, in one memory mode (SIM_MODE, set
 * by CMake): driver on A, device on B, random chains over many seeds, with
 * event indices on and off, over one window and over two windows with
 * reader-local placement. A failure prints its seed and how to replay it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"

#ifndef SIM_MODE
#define SIM_MODE VOB_MEM_CACHED
#endif
#ifndef SIM_SEEDS
#define SIM_SEEDS 250u /* per case; four cases per mode */
#endif

static const char *prog = "";

static void run_case(uint8_t nwin, uint8_t evidx)
{
	struct h_case c = { SIM_MODE, nwin, evidx, -1 };

	assert_int_equal(h_run_seeds(&c, SIM_SEEDS, prog), 0);
}

static void test_one_window(void **state)
{
	(void)state;
	run_case(1, 0);
}

static void test_one_window_evidx(void **state)
{
	(void)state;
	run_case(1, 1);
}

static void test_two_windows(void **state)
{
	(void)state;
	run_case(2, 0);
}

static void test_two_windows_evidx(void **state)
{
	(void)state;
	run_case(2, 1);
}

/* More than 2^16 messages: the 16-bit ring indices and event words wrap.
 * VOB_SIM_WRAP sets the count (0 skips the test). */
static void test_index_wrap(void **state)
{
	const char *env = getenv("VOB_SIM_WRAP");
	unsigned total = env && *env ? (unsigned)strtoul(env, NULL, 0) : 66000u;
	uint8_t evidx;

	(void)state;
	if (!total)
		skip();
	for (evidx = 0; evidx < 2; evidx++) {
		struct h_case c = { SIM_MODE, 2, evidx, -1 };
		struct h_params p;
		uint64_t seed = 0x3a9u + evidx;

		h_params_from_seed(&c, seed, &p);
		p.qsize = 8;
		p.total = total + 37u * evidx;
		assert_int_equal(h_run(&c, seed, &p, NULL, prog), 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_window),
		cmocka_unit_test(test_one_window_evidx),
		cmocka_unit_test(test_two_windows),
		cmocka_unit_test(test_two_windows_evidx),
		cmocka_unit_test(test_index_wrap),
	};

	(void)argc;
	prog = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

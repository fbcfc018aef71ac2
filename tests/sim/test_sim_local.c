/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads stay local: with two windows and reader-local placement (descriptors,
 * avail ring, indirect tables and driver->device buffers in the device's
 * memory; used ring and device->driver buffers in the driver's), neither
 * side reads a line from the other side's memory on the data path. Prints
 * the cross-link lines read and written per message, and the same for one
 * window in the driver's memory to show what placement saves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define WARMUP 100u
#define MESSAGES 2000u

static void report(const char *what, const struct h_result *r)
{
	double n = r->messages;
	const struct vob_sim_counters *a = &r->c[H_DRV], *b = &r->c[H_DEV];

	printf("  %-34s per message: A(driver) remote r/w %.2f/%.2f local r/w %.2f/%.2f | "
	       "B(device) remote r/w %.2f/%.2f local r/w %.2f/%.2f | doorbells A->B %.3f "
	       "B->A %.3f\n",
	       what, (double)a->remote_lines_read / n, (double)a->remote_lines_written / n,
	       (double)a->local_lines_read / n, (double)a->local_lines_written / n,
	       (double)b->remote_lines_read / n, (double)b->remote_lines_written / n,
	       (double)b->local_lines_read / n, (double)b->local_lines_written / n,
	       (double)a->doorbells_sent / n, (double)b->doorbells_sent / n);
}

/* Steady state (counters reset after a warm-up), no random cache events so
 * that every line moved is one the protocol moves. */
static void measure(uint8_t nwin, uint8_t evidx, bool fixed, uint32_t line, int owner,
		    struct h_result *res)
{
	struct h_case c = { VOB_MEM_CACHED, nwin, evidx, owner };
	struct h_params p;

	h_params_from_seed(&c, 1, &p);
	p.line = line;
	p.qsize = 32;
	p.indirect = 0;
	p.in_order = 0;
	p.fixed_shape = fixed;
	p.fixed_len = 64;
	p.full_write = fixed;
	p.plain = fixed;
	p.warmup = WARMUP;
	p.total = WARMUP + MESSAGES;
	p.hold_max = 4;
	p.owner = owner;
	p.sim.pass_permille = 0;
	p.sim.bell_delay_max = 2;
	p.sim.coalesce_pct = 0;
	p.sim.bias_a_pct = 50;
	assert_int_equal(h_run(&c, 1, &p, res, "test_sim_local"), 0);
	assert_int_equal(res->messages, MESSAGES);
}

static void test_two_windows_zero_remote_reads(void **state)
{
	static const uint32_t lines[] = { 32, 64, 128, 256 };
	struct h_result r;
	char what[64];
	unsigned i, evidx, fixed;

	(void)state;
	printf("  cached, two windows, reader-local placement, queue 32, %u messages after "
	       "%u of warm-up:\n", MESSAGES, WARMUP);
	for (i = 0; i < 4; i++) {
		for (evidx = 0; evidx < 2; evidx++) {
			for (fixed = 1; fixed < 3; fixed++) {
				measure(2, (uint8_t)evidx, fixed == 1, lines[i], VOB_SIM_NOBODY, &r);
				snprintf(what, sizeof(what), "line %u evidx %u %s", lines[i], evidx,
					 fixed == 1 ? "1x64B out+1x64B in" : "random chains");
				report(what, &r);
				/* h_run already fails on any remote read with two
				 * windows; say it here too. */
				assert_int_equal(r.c[H_DRV].remote_lines_read, 0);
				assert_int_equal(r.c[H_DEV].remote_lines_read, 0);
				assert_true(r.c[H_DRV].local_lines_read > 0);
				assert_true(r.c[H_DEV].local_lines_read > 0);
			}
		}
	}
}

/* The contrast: everything in the driver's memory. The device reads the
 * descriptors, the avail ring and the request buffers across the link. */
static void test_one_window_in_driver_memory(void **state)
{
	struct h_result r;
	unsigned evidx;

	(void)state;
	printf("  cached, one window in the driver's memory (A), line 64, queue 32:\n");
	for (evidx = 0; evidx < 2; evidx++) {
		measure(1, (uint8_t)evidx, true, 64, VOB_SIM_A, &r);
		report(evidx ? "evidx 1 1x64B out+1x64B in" : "evidx 0 1x64B out+1x64B in", &r);
		assert_int_equal(r.c[H_DRV].remote_lines_read, 0);
		assert_true(r.c[H_DEV].remote_lines_read >= MESSAGES * 3u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_windows_zero_remote_reads),
		cmocka_unit_test(test_one_window_in_driver_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

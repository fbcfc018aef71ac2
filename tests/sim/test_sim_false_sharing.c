/* SPDX-License-Identifier: BSD-3-Clause */
/* Proof that the sim catches false sharing: two counters, one written by
 * each side, laid out on one cache line on purpose. On a cached
 * non-coherent link each side's whole-line write-back carries its stale copy
 * of the other side's counter, so updates are lost; on separate lines, or
 * on uncached or coherent memory, none is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define BASE 0x30000000ull
#define ROUNDS 200u

struct fs_side {
	struct vob_link *link;
	vob_le32_t *mine;        /* this side's counter, through its mapping */
	const vob_le32_t *theirs;
	uint32_t shadow;         /* what this side last wrote */
	uint32_t seen;           /* highest value of the other counter seen */
	unsigned lost;           /* times this side found its own update undone */
	unsigned backwards;      /* times the other counter went down */
};

/* One step: either look (invalidate, check that our last update survived
 * and that the other counter never went down) or write the next value and
 * clean, without reading first: a writer has no reason to invalidate a line
 * before storing its own field. */
static int fs_step(struct vob_sim *sim, void *arg)
{
	struct fs_side *s = arg;
	uint32_t v;

	if (vob_sim_rand_below(sim, 2) || s->shadow == ROUNDS) {
		vob_link_sync_for_cpu(s->link, s->mine, sizeof(*s->mine));
		vob_link_sync_for_cpu(s->link, s->theirs, sizeof(*s->theirs));
		if (vob_load_le32(s->mine) != s->shadow)
			s->lost++;
		v = vob_load_le32(s->theirs);
		if (v < s->seen)
			s->backwards++;
		else
			s->seen = v;
		return s->shadow == ROUNDS ? VOB_SIM_DONE : VOB_SIM_BUSY;
	}
	vob_store_le32(s->mine, ++s->shadow);
	vob_link_sync_for_peer(s->link, s->mine, sizeof(*s->mine));
	return VOB_SIM_BUSY;
}

/* Run one seed; @gap is the distance between the two counters in bytes.
 * Returns the updates lost, as seen by both sides and in memory at the end. */
static unsigned fs_run(uint8_t mode, uint64_t seed, size_t gap)
{
	struct vob_sim sim;
	struct vob_sim_cfg cfg;
	struct fs_side a, b;
	const vob_le32_t *mem_a, *mem_b;
	unsigned lost;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed;
	cfg.mode = mode;
	cfg.line = 64;
	cfg.pass_permille = 500;
	cfg.evict_permille = 300;
	cfg.refill_permille = 300;
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	assert_int_equal(vob_sim_add_block(&sim, BASE, 4096, VOB_SIM_NOBODY), 0);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.link = vob_sim_link(&sim, VOB_SIM_A);
	b.link = vob_sim_link(&sim, VOB_SIM_B);
	a.mine = vob_link_translate(a.link, BASE, 4, VOB_MAP_WRITE, NULL);
	a.theirs = vob_link_translate(a.link, BASE + gap, 4, VOB_MAP_READ, NULL);
	b.mine = vob_link_translate(b.link, BASE + gap, 4, VOB_MAP_WRITE, NULL);
	b.theirs = vob_link_translate(b.link, BASE, 4, VOB_MAP_READ, NULL);
	assert_non_null(a.mine);
	assert_non_null(b.mine);
	/* Start from zeros in memory, and in both caches. */
	memset(vob_sim_backing(&sim, BASE, 128), 0, 128);
	vob_link_sync_for_cpu(a.link, a.mine, 128);
	vob_link_sync_for_cpu(b.link, b.theirs, 128);

	vob_sim_set_step(&sim, VOB_SIM_A, fs_step, &a);
	vob_sim_set_step(&sim, VOB_SIM_B, fs_step, &b);
	assert_int_equal(vob_sim_run(&sim, 100000), 0);
	vob_sim_flush_all(&sim);
	mem_a = vob_sim_backing(&sim, BASE, 4);
	mem_b = vob_sim_backing(&sim, BASE + gap, 4);
	lost = a.lost + b.lost + a.backwards + b.backwards +
	       (vob_load_le32(mem_a) != ROUNDS) + (vob_load_le32(mem_b) != ROUNDS);
	vob_sim_fini(&sim);
	return lost;
}

static void test_cached_one_line_loses(void **state)
{
	unsigned seed, losing = 0, total = 0;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		unsigned lost = fs_run(VOB_MEM_CACHED, seed, 4);

		losing += lost != 0;
		total += lost;
	}
	printf("  cached, two writers on one line: %u of 20 seeds lost data (%u losses)\n",
	       losing, total);
	assert_int_equal(losing, 20);
}

static void test_cached_two_lines_keeps(void **state)
{
	unsigned seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++)
		assert_int_equal(fs_run(VOB_MEM_CACHED, seed, 64), 0);
}

static void test_coherent_one_line_keeps(void **state)
{
	unsigned seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++)
		assert_int_equal(fs_run(VOB_MEM_COHERENT, seed, 4), 0);
}

static void test_uncached_one_line_keeps(void **state)
{
	unsigned seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++)
		assert_int_equal(fs_run(VOB_MEM_UNCACHED, seed, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_one_line_loses),
		cmocka_unit_test(test_cached_two_lines_keeps),
		cmocka_unit_test(test_coherent_one_line_keeps),
		cmocka_unit_test(test_uncached_one_line_keeps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

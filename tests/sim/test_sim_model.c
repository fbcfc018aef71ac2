/* SPDX-License-Identifier: BSD-3-Clause */
/* The sim itself: the cache model moves whole lines, invalidate drops local
 * writes, random events evict and refill, counters tell local from remote,
 * doorbells are delayed and coalesced, the scheduler detects a lost wake-up,
 * and a seed replays exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define BA 0x10000000ull /* A's memory */
#define BB 0x20000000ull /* B's memory */

static void sim_two(struct vob_sim *sim, uint8_t mode, uint32_t line)
{
	struct vob_sim_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = 42;
	cfg.mode = mode;
	cfg.line = line;
	assert_int_equal(vob_sim_init(sim, &cfg), 0);
	assert_int_equal(vob_sim_add_block(sim, BA, 4096, VOB_SIM_A), 0);
	assert_int_equal(vob_sim_add_block(sim, BB, 4096, VOB_SIM_B), 1);
}

static uint8_t *ptr(struct vob_sim *sim, int side, uint64_t addr)
{
	uint8_t *p = vob_link_translate(vob_sim_link(sim, side), addr, 1, VOB_MAP_READ, NULL);

	assert_non_null(p);
	return p;
}

static void test_config(void **state)
{
	struct vob_sim sim;
	struct vob_sim_cfg cfg;
	uint32_t line;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	for (line = 16; line <= 512; line *= 2) {
		cfg.line = line;
		assert_int_equal(vob_sim_init(&sim, &cfg), line >= 32 && line <= 256 ? 0 : VOB_EINVAL);
	}
	cfg.line = 48;
	assert_int_equal(vob_sim_init(&sim, &cfg), VOB_EINVAL);
	cfg.line = 64;
	cfg.mode = 3;
	assert_int_equal(vob_sim_init(&sim, &cfg), VOB_EINVAL);
	cfg.mode = VOB_MEM_CACHED;
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	assert_int_equal(vob_sim_add_block(&sim, BA + 8, 64, VOB_SIM_A), VOB_EINVAL);
	assert_int_equal(vob_sim_add_block(&sim, BA, 64, 3), VOB_EINVAL);
	assert_int_equal(vob_sim_add_block(&sim, BA, 100, VOB_SIM_A), 0);
	assert_int_equal(vob_sim_add_block(&sim, BA + 64, 64, VOB_SIM_B), VOB_EEXIST);
	vob_sim_fini(&sim);
}

/* Each mode gives each side a window of that kind; A owns A's block. */
static void test_windows(void **state)
{
	uint8_t mode;

	(void)state;
	for (mode = VOB_MEM_COHERENT; mode <= VOB_MEM_CACHED; mode++) {
		struct vob_sim sim;
		const struct vob_window *w;

		sim_two(&sim, mode, 64);
		assert_non_null(vob_link_translate(vob_sim_link(&sim, VOB_SIM_A), BA, 8, 0, &w));
		assert_int_equal(w->kind, mode);
		assert_int_equal(w->owner, VOB_WIN_LOCAL);
		assert_non_null(vob_link_translate(vob_sim_link(&sim, VOB_SIM_B), BA, 8, 0, &w));
		assert_int_equal(w->owner, VOB_WIN_PEER);
		/* Uncached and coherent: one memory, no cache. */
		*ptr(&sim, VOB_SIM_A, BB + 5) = 0x5a;
		if (mode == VOB_MEM_CACHED) {
			assert_int_not_equal(*ptr(&sim, VOB_SIM_B, BB + 5), 0x5a);
		} else {
			assert_int_equal(*ptr(&sim, VOB_SIM_B, BB + 5), 0x5a);
			assert_ptr_equal(ptr(&sim, VOB_SIM_A, BB), ptr(&sim, VOB_SIM_B, BB));
		}
		vob_sim_fini(&sim);
	}
}

/* Clean writes whole lines back, with every byte this side holds: a line
 * written by both sides keeps only the last writer's copy. */
static void test_whole_line_write_back(void **state)
{
	struct vob_sim sim;
	struct vob_link *la, *lb;
	uint8_t *a, *b, *mem;

	(void)state;
	sim_two(&sim, VOB_MEM_CACHED, 64);
	la = vob_sim_link(&sim, VOB_SIM_A);
	lb = vob_sim_link(&sim, VOB_SIM_B);
	a = ptr(&sim, VOB_SIM_A, BB + 64);
	b = ptr(&sim, VOB_SIM_B, BB + 64);
	mem = vob_sim_backing(&sim, BB + 64, 64);
	memset(mem, 0, 64);
	vob_link_sync_for_cpu(la, a, 64);
	vob_link_sync_for_cpu(lb, b, 64);
	vob_sim_reset_counters(&sim);

	a[0] = 1;  /* A writes the first byte */
	b[63] = 2; /* B the last */
	vob_link_sync_for_peer(lb, b + 63, 1);
	assert_int_equal(mem[63], 2);
	vob_link_sync_for_peer(la, a, 1);
	assert_int_equal(mem[0], 1);
	assert_int_equal(mem[63], 0); /* B's byte lost to A's stale copy */
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_A)->remote_lines_written, 1);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_B)->local_lines_written, 1);
	/* Cleaning a clean line writes nothing. */
	vob_link_sync_for_peer(la, a, 64);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_A)->remote_lines_written, 1);
	/* A range straddling lines covers both. */
	a[63] = 3;
	a[64] = 4;
	vob_link_sync_for_peer(la, a + 63, 2);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_A)->remote_lines_written, 3);
	vob_sim_fini(&sim);
}

/* Without invalidate a side keeps reading its stale copy; invalidate
 * refills the whole line, dropping local writes (and counting that). */
static void test_stale_until_invalidate(void **state)
{
	struct vob_sim sim;
	struct vob_link *la, *lb;
	uint8_t *a, *b;

	(void)state;
	sim_two(&sim, VOB_MEM_CACHED, 32);
	la = vob_sim_link(&sim, VOB_SIM_A);
	lb = vob_sim_link(&sim, VOB_SIM_B);
	a = ptr(&sim, VOB_SIM_A, BA);
	b = ptr(&sim, VOB_SIM_B, BA);
	vob_sim_reset_counters(&sim);
	a[3] = (uint8_t)(b[3] + 1);
	vob_link_sync_for_peer(la, a + 3, 1);
	assert_int_not_equal(b[3], a[3]); /* stale */
	vob_link_sync_for_cpu(lb, b + 3, 1);
	assert_int_equal(b[3], a[3]);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_B)->remote_lines_read, 1);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_A)->local_lines_written, 1);
	/* B writes, then invalidates before cleaning: the write is gone. */
	b[4] = (uint8_t)(a[4] + 7);
	vob_link_sync_for_cpu(lb, b, 32);
	assert_int_equal(b[4], a[4]);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_B)->dirty_dropped, 1);
	vob_sim_fini(&sim);
}

/* Random events: dirty lines get written back, stale clean lines refilled. */
static void test_random_events(void **state)
{
	struct vob_sim sim;
	struct vob_sim_cfg cfg;
	uint8_t *a, *b, *mem;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = 7;
	cfg.mode = VOB_MEM_CACHED;
	cfg.evict_permille = 1000;
	cfg.refill_permille = 0;
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	assert_int_equal(vob_sim_add_block(&sim, BA, 4096, VOB_SIM_A), 0);
	a = ptr(&sim, VOB_SIM_A, BA + 128);
	b = ptr(&sim, VOB_SIM_B, BA + 128);
	mem = vob_sim_backing(&sim, BA + 128, 1);
	*a = (uint8_t)(*mem + 1);
	vob_sim_cache_events(&sim); /* evicts A's dirty line */
	assert_int_equal(*mem, *a);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_A)->evictions, 1);
	assert_int_not_equal(*b, *a); /* B's copy still stale: refills are off */
	sim.cfg.refill_permille = 1000;
	vob_sim_cache_events(&sim);
	assert_int_equal(*b, *a);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_B)->refills, 1);
	assert_int_equal(vob_sim_counters(&sim, VOB_SIM_B)->remote_refills, 1);
	vob_sim_fini(&sim);
}

/* ---- doorbells and the scheduler -------------------------------------- */

struct bell_side {
	struct vob_link *link;
	unsigned to_ring, got, steps;
	uint64_t rung_at[64], got_at[64];
};

static int bell_step(struct vob_sim *sim, void *arg)
{
	struct bell_side *s = arg;

	s->steps++;
	while (vob_link_irq_take(s->link, 3))
		s->got_at[s->got++ & 63] = sim->now;
	if (s->to_ring) {
		s->rung_at[s->to_ring-- & 63] = sim->now;
		assert_int_equal(vob_link_doorbell(s->link, 3, 0), 0);
		return VOB_SIM_BUSY;
	}
	return s->steps > 200 ? VOB_SIM_DONE : VOB_SIM_BUSY;
}

static void test_doorbell_delay(void **state)
{
	struct vob_sim sim;
	struct vob_sim_cfg cfg;
	struct bell_side a, b;
	const struct vob_sim_counters *ca, *cb;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = 3;
	cfg.bell_delay_max = 5;
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.link = vob_sim_link(&sim, VOB_SIM_A);
	b.link = vob_sim_link(&sim, VOB_SIM_B);
	a.to_ring = 10;
	vob_sim_set_step(&sim, VOB_SIM_A, bell_step, &a);
	vob_sim_set_step(&sim, VOB_SIM_B, bell_step, &b);
	assert_int_equal(vob_sim_run(&sim, 10000), 0);
	ca = vob_sim_counters(&sim, VOB_SIM_A);
	cb = vob_sim_counters(&sim, VOB_SIM_B);
	assert_int_equal(ca->doorbells_sent, 10);
	assert_int_equal(ca->doorbells_coalesced, 0);
	assert_int_equal(cb->doorbells_received, 10);
	assert_true(b.got >= 1 && b.got <= 10); /* the link merges what it has not taken */
	vob_sim_fini(&sim);

	/* Always coalescing, long delays: fewer deliveries than rings. */
	cfg.coalesce_pct = 100;
	cfg.bell_delay_max = 50;
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.link = vob_sim_link(&sim, VOB_SIM_A);
	b.link = vob_sim_link(&sim, VOB_SIM_B);
	a.to_ring = 10;
	vob_sim_set_step(&sim, VOB_SIM_A, bell_step, &a);
	vob_sim_set_step(&sim, VOB_SIM_B, bell_step, &b);
	assert_int_equal(vob_sim_run(&sim, 10000), 0);
	ca = vob_sim_counters(&sim, VOB_SIM_A);
	cb = vob_sim_counters(&sim, VOB_SIM_B);
	assert_int_equal(ca->doorbells_sent, 10);
	assert_true(ca->doorbells_coalesced > 0);
	assert_int_equal(cb->doorbells_received, 10 - ca->doorbells_coalesced);
	vob_sim_fini(&sim);
}

static int idle_step(struct vob_sim *sim, void *arg)
{
	(void)sim;
	(void)arg;
	return VOB_SIM_IDLE;
}

static int fail_step(struct vob_sim *sim, void *arg)
{
	(void)sim;
	(void)arg;
	return VOB_EPROTO;
}

static void test_scheduler_ends(void **state)
{
	struct vob_sim sim;
	struct vob_sim_cfg cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(vob_sim_init(&sim, &cfg), 0);
	vob_sim_set_step(&sim, VOB_SIM_A, idle_step, NULL);
	vob_sim_set_step(&sim, VOB_SIM_B, idle_step, NULL);
	assert_int_equal(vob_sim_run(&sim, 1000), VOB_ETIMEDOUT); /* nobody will wake */
	vob_sim_set_step(&sim, VOB_SIM_A, fail_step, NULL);
	assert_int_equal(vob_sim_run(&sim, 1000), VOB_EPROTO);
	vob_sim_fini(&sim);
}

/* The same seed replays the same run, tick for tick. */
static void test_replay(void **state)
{
	struct h_case c = { VOB_MEM_CACHED, 2, 1, -1 };
	struct h_params p;
	struct h_result r1, r2;

	(void)state;
	h_params_from_seed(&c, 77, &p);
	p.sim.pass_permille = 1000;
	p.sim.evict_permille = 150;
	p.sim.refill_permille = 150;
	assert_int_equal(h_run(&c, 77, &p, &r1, "test_sim_model"), 0);
	assert_int_equal(h_run(&c, 77, &p, &r2, "test_sim_model"), 0);
	assert_int_equal(r1.ticks, r2.ticks);
	assert_memory_equal(&r1.c, &r2.c, sizeof(r1.c));
	assert_true(r1.c[H_DRV].evictions + r1.c[H_DEV].evictions > 0);
	h_params_from_seed(&c, 78, &p);
	p.sim.pass_permille = 1000;
	p.sim.evict_permille = 150;
	p.sim.refill_permille = 150;
	assert_int_equal(h_run(&c, 78, &p, &r2, "test_sim_model"), 0);
	assert_true(r1.ticks != r2.ticks || memcmp(&r1.c, &r2.c, sizeof(r1.c)) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_whole_line_write_back),
		cmocka_unit_test(test_stale_until_invalidate),
		cmocka_unit_test(test_random_events),
		cmocka_unit_test(test_doorbell_delay),
		cmocka_unit_test(test_scheduler_ends),
		cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

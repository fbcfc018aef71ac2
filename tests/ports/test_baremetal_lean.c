/* SPDX-License-Identifier: BSD-3-Clause */
/* The bare-metal port with its footprint switches off (VOB_BM_CACHE=0, and
 * VOB_CFG_ARG_CHECKS=0, which turns VOB_BM_CHECK_CFG off by default): no
 * cache operations even when functions are given, so the link refuses
 * cached windows; the doorbell table is trusted; NULL arguments trip
 * VOB_ASSERT; and the echo through the device table still runs, polled and
 * with doorbells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bm_world.h"
#include "vob/err.h"
#include "vob_baremetal.h"

#if VOB_BM_CACHE || VOB_BM_CHECK_CFG
#error "build this test with -DVOB_BM_CACHE=0 -DVOB_CFG_ARG_CHECKS=0"
#endif

static _Alignas(64) uint8_t mem[1024];
static volatile uint32_t reg;
static unsigned cache_calls;

static void cache_fn(void *user, const void *p, size_t n)
{
	(void)user;
	(void)p;
	(void)n;
	cache_calls++;
}

static void test_no_cache_ops(void **state)
{
	struct vob_bm_window w = { 0x1000, sizeof(mem), mem, VOB_MEM_CACHED, VOB_WIN_LOCAL,
				   VOB_MAP_READ | VOB_MAP_WRITE };
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = &w;
	cfg.nwindows = 1;
	cfg.cache_clean = cache_fn;
	cfg.cache_invalidate = cache_fn;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_null(vob_bm_ops(&port)->cache_clean);
	assert_null(vob_bm_ops(&port)->cache_invalidate);
	/* A cached window would need maintenance this build cannot do. */
	assert_int_equal(vob_bm_link_init(&link, &port, 64), VOB_ENOSYS);
	w.kind = VOB_MEM_UNCACHED;
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);
	vob_link_sync_for_peer(&link, mem, 64);
	assert_int_equal(cache_calls, 0);
}

static void test_table_trusted(void **state)
{
	struct vob_bm_doorbell b = { &reg, 0x5a, VOB_BM_BELL_FIXED, 0, 3 /* no such width */ };
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.doorbells = &b;
	cfg.ndoorbells = 1;
	assert_int_equal(vob_bm_init(&port, &cfg), 0); /* not checked in this build */
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);
	assert_int_equal(vob_link_doorbell(&link, 0, 0), 0);
	assert_int_equal(reg, 0x5a); /* an unknown width writes a word */
	/* Null arguments are contract violations: asserts in this build. */
	assert_arg_error(vob_bm_init(NULL, &cfg), VOB_EINVAL);
	assert_arg_error(vob_bm_init(&port, NULL), VOB_EINVAL);
	assert_arg_error(vob_bm_link_init(NULL, &port, 64), VOB_EINVAL);
}

static void run_echo(enum bmw_wiring wiring)
{
	static struct bmw w;

	assert_int_equal(bmw_init(&w, wiring, 100), 0);
	assert_int_equal(vob_bm_poll(&w.s[0].port, bmw_round, &w, 20000, 0), 1);
	assert_int_equal(w.echoed, 100);
	bmw_free(&w);
}

static void test_echo(void **state)
{
	(void)state;
	run_echo(BMW_UNWIRED);
	run_echo(BMW_WIRED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_cache_ops),
		cmocka_unit_test(test_table_trusted),
		cmocka_unit_test(test_echo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

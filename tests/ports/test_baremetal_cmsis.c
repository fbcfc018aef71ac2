/* SPDX-License-Identifier: BSD-3-Clause */
/* The bare-metal port built with VOB_BM_CMSIS_CACHE=1: with no user cache
 * functions, cached windows are accepted and maintenance goes to the CMSIS
 * calls (here a stand-in that records them) with line-rounded ranges; user
 * functions, when given, still win. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_cmsis_device.h"
#include "vob/err.h"
#include "vob_baremetal.h"

static _Alignas(64) uint8_t mem[1024];
static unsigned cleans, invalidates, user_calls;
static volatile void *last_addr;
static int32_t last_size;

void SCB_CleanDCache_by_Addr(volatile void *addr, int32_t dsize)
{
	cleans++;
	last_addr = addr;
	last_size = dsize;
}

void SCB_InvalidateDCache_by_Addr(volatile void *addr, int32_t dsize)
{
	invalidates++;
	last_addr = addr;
	last_size = dsize;
}

static void user_cache(void *user, const void *p, size_t n)
{
	(void)user;
	(void)p;
	(void)n;
	user_calls++;
}

static int setup(struct vob_bm_port *port, struct vob_link *link, struct vob_bm_window *w,
		 int with_user)
{
	struct vob_bm_cfg cfg;
	int err;

	memset(w, 0, sizeof(*w));
	w->link_addr = 0x1000;
	w->size = sizeof(mem);
	w->ptr = mem;
	w->kind = VOB_MEM_CACHED;
	w->access = VOB_MAP_READ | VOB_MAP_WRITE;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = w;
	cfg.nwindows = 1;
	if (with_user) {
		cfg.cache_clean = user_cache;
		cfg.cache_invalidate = user_cache;
	}
	err = vob_bm_init(port, &cfg);
	return err ? err : vob_bm_link_init(link, port, 64);
}

static void test_cmsis_calls(void **state)
{
	struct vob_bm_window w;
	struct vob_bm_port port;
	struct vob_link link;

	(void)state;
	/* A cached window without user functions is fine with CMSIS. */
	assert_int_equal(setup(&port, &link, &w, 0), 0);
	assert_non_null(vob_bm_ops(&port)->cache_clean);
	vob_link_sync_for_peer(&link, mem + 40, 30);
	assert_int_equal(cleans, 1);
	assert_ptr_equal((void *)last_addr, mem + 32);
	assert_int_equal(last_size, 64);
	vob_link_sync_for_cpu(&link, mem + 256, 1);
	assert_int_equal(invalidates, 1);
	assert_ptr_equal((void *)last_addr, mem + 256);
	assert_int_equal(last_size, 32);
}

static void test_user_functions_win(void **state)
{
	struct vob_bm_window w;
	struct vob_bm_port port;
	struct vob_link link;

	(void)state;
	cleans = invalidates = user_calls = 0;
	assert_int_equal(setup(&port, &link, &w, 1), 0);
	vob_link_sync_for_peer(&link, mem, 64);
	vob_link_sync_for_cpu(&link, mem, 64);
	assert_int_equal(user_calls, 2);
	assert_int_equal(cleans + invalidates, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmsis_calls),
		cmocka_unit_test(test_user_functions_win),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

static uint8_t mem[8192] __attribute__((aligned(64)));

static void setup_link(struct vob_link *l, struct fake_port *fp)
{
	struct vob_window_cfg w = { 0x1000, sizeof(mem), VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };

	fake_port_init(fp);
	fake_port_add_region(fp, 0x1000, mem, sizeof(mem));
	assert_int_equal(vob_link_init(l, &fake_port_ops, fp, 64), 0);
	assert_int_equal(vob_link_add_window(l, &w), 0);
}

static void test_pool(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_pool p;
	uint16_t st[5];
	void *b[5];
	uint64_t a;
	unsigned i;

	(void)state;
	setup_link(&l, &fp);
	assert_arg_error(vob_pool_init(&p, &l, 0x1000, 100, 4, st), VOB_EINVAL); /* not lines */
	assert_arg_error(vob_pool_init(&p, &l, 0x1010, 128, 4, st), VOB_EINVAL);
	assert_int_equal(vob_pool_init(&p, &l, 0x1000, 4096, 3, st), VOB_EFAULT);
	assert_arg_error(vob_pool_init(&p, &l, 0x1000, 0, 3, st), VOB_EINVAL);
	/* 4 GiB and more: refused (before: a check that let sizes up to 2^33
	 * through, and a truncated length to translate). */
	assert_arg_error(vob_pool_init(&p, &l, 0x1000, 65600, 65533, st), VOB_EINVAL);
	assert_int_equal(vob_pool_init(&p, &l, 0x1000, 192, 5, st), 0);
	assert_int_equal(vob_pool_free(&p), 5);
	for (i = 0; i < 5; i++) {
		b[i] = vob_pool_get(&p, &a);
		assert_non_null(b[i]);
		assert_ptr_equal(b[i], mem + 192 * i);
		assert_true(a == 0x1000 + 192 * i);
		assert_true(vob_pool_addr(&p, b[i]) == a);
	}
	assert_null(vob_pool_get(&p, &a));
	assert_int_equal(vob_pool_put(&p, b[2]), 0);
	assert_int_equal(vob_pool_put(&p, b[2]), VOB_EINVAL); /* twice */
	assert_int_equal(vob_pool_put(&p, (uint8_t *)b[3] + 1), VOB_EINVAL);
	assert_int_equal(vob_pool_put(&p, mem + 192 * 5), VOB_EINVAL);
	assert_int_equal(vob_pool_put(&p, mem), 0);
	assert_int_equal(vob_pool_free(&p), 2);
	assert_ptr_equal(vob_pool_get(&p, NULL), mem);
	assert_ptr_equal(vob_pool_get(&p, NULL), b[2]);
	assert_null(vob_pool_get(&p, NULL));
	/* The last free buffer cannot be given back twice either. */
	assert_int_equal(vob_pool_put(&p, b[4]), 0);
	assert_int_equal(vob_pool_put(&p, b[4]), VOB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The link: set-up checks, windows, translation bounds, cache sync and
 * doorbells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

static uint8_t mem[3][4096] __attribute__((aligned(64)));

static void setup_link(struct vob_link *l, struct fake_port *fp, const struct vob_port_ops *ops)
{
	fake_port_init(fp);
	fake_port_add_region(fp, 0x1000, mem[0], sizeof(mem[0]));
	fake_port_add_region(fp, 0x10000, mem[1], sizeof(mem[1]));
	fake_port_add_region(fp, 0xfffffffffffff000ull, mem[2], sizeof(mem[2]));
	assert_int_equal(vob_link_init(l, ops, fp, 0), 0);
}

static struct vob_window_cfg win(uint64_t addr, uint64_t size, uint8_t kind, uint8_t access)
{
	struct vob_window_cfg w;

	memset(&w, 0, sizeof(w));
	w.link_addr = addr;
	w.size = size;
	w.kind = kind;
	w.owner = VOB_WIN_LOCAL;
	w.access = access;
	return w;
}

static void test_init_checks(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_port_ops ops = fake_port_ops;

	(void)state;
	fake_port_init(&fp);
	assert_arg_error(vob_link_init(NULL, &ops, &fp, 0), VOB_EINVAL);
	assert_arg_error(vob_link_init(&l, NULL, &fp, 0), VOB_EINVAL);
	assert_int_equal(vob_link_init(&l, &ops, &fp, 0), 0);
	assert_int_equal(l.line, VOB_CACHE_LINE_DEFAULT);
	assert_arg_error(vob_link_init(&l, &ops, &fp, 8), VOB_EINVAL);
	assert_arg_error(vob_link_init(&l, &ops, &fp, 96), VOB_EINVAL);
	assert_arg_error(vob_link_init(&l, &ops, &fp, 512), VOB_EINVAL);
	assert_int_equal(vob_link_init(&l, &ops, &fp, 256), 0);
	assert_int_equal(vob_link_init(&l, &ops, &fp, 32), 0);
	ops.version = 0;
	assert_arg_error(vob_link_init(&l, &ops, &fp, 0), VOB_ENOTSUP);
	ops.version = VOB_PORT_OPS_VERSION + 1;
	assert_arg_error(vob_link_init(&l, &ops, &fp, 0), VOB_ENOTSUP);
	ops = fake_port_ops;
	ops.ring_doorbell = NULL;
	assert_arg_error(vob_link_init(&l, &ops, &fp, 0), VOB_EINVAL);
	ops = fake_port_ops;
	ops.map_window = NULL;
	assert_arg_error(vob_link_init(&l, &ops, &fp, 0), VOB_EINVAL);
}

static void test_add_window_checks(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_window_cfg w;

	(void)state;
	setup_link(&l, &fp, &fake_port_ops);
	w = win(0x1000, 0, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	w = win(0, 0, VOB_MEM_COHERENT, VOB_MAP_READ); /* empty, even where nothing wraps */
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	w = win(0xfffffffffffff000ull, 0x2000, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL); /* wraps */
	w = win(0x1000, 4096, 7, VOB_MAP_READ);
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	w = win(0x1000, 4096, VOB_MEM_COHERENT, 0);
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	w = win(0x1000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ | 4u); /* an unknown access bit */
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	w = win(0x1000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	w.owner = VOB_WIN_PEER + 1u;
	assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	if (SIZE_MAX < UINT64_MAX) {
		/* More than this side can address (32-bit hosts). */
		w = win(0x1000, (uint64_t)SIZE_MAX + 1u, VOB_MEM_COHERENT, VOB_MAP_READ);
		assert_arg_error(vob_link_add_window(&l, &w), VOB_EINVAL);
	}
	w = win(0x1000, 4096, VOB_MEM_CACHED, VOB_MAP_READ);
	/* No cache ops; or no cache maintenance in this build (VOB_CFG_CACHED). */
	assert_int_equal(vob_link_add_window(&l, &w), VOB_CFG_CACHED ? VOB_ENOSYS : VOB_ENOTSUP);
	/* Half of them is no better. */
	{
		struct vob_link l2;
		struct vob_port_ops ops = fake_port_ops_full;

		ops.cache_invalidate = NULL;
		assert_int_equal(vob_link_init(&l2, &ops, &fp, 0), 0);
		assert_int_equal(vob_link_add_window(&l2, &w),
				 VOB_CFG_CACHED ? VOB_ENOSYS : VOB_ENOTSUP);
		ops = fake_port_ops_full;
		ops.cache_clean = NULL;
		assert_int_equal(vob_link_init(&l2, &ops, &fp, 0), 0);
		assert_int_equal(vob_link_add_window(&l2, &w),
				 VOB_CFG_CACHED ? VOB_ENOSYS : VOB_ENOTSUP);
	}
	w = win(0x900000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), VOB_EFAULT); /* port refuses */
	w = win(0x1000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	assert_int_equal(vob_link_add_window(&l, &w), 0);
	w = win(0x1fff, 1, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), VOB_EEXIST);
	w = win(0x800, 0x801, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), VOB_EEXIST);
	w = win(0x10000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 1);
	w = win(0xfffffffffffff000ull, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 2); /* ends exactly at 2^64 - 1 */
	vob_link_clear_windows(&l);
	assert_int_equal(l.nwin, 0);
	assert_null(vob_link_translate(&l, 0x1000, 1, VOB_MAP_READ, NULL));
}

static void test_too_many_windows(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	unsigned i;

	(void)state;
	fake_port_init(&fp);
	fake_port_add_region(&fp, 0, mem[0], sizeof(mem[0]));
	assert_int_equal(vob_link_init(&l, &fake_port_ops, &fp, 0), 0);
	for (i = 0; i < VOB_MAX_WINDOWS; i++) {
		struct vob_window_cfg w = win(i * 64u, 64, VOB_MEM_COHERENT, VOB_MAP_READ);

		assert_int_equal(vob_link_add_window(&l, &w), (int)i);
	}
	{
		struct vob_window_cfg w = win(VOB_MAX_WINDOWS * 64u, 64, VOB_MEM_COHERENT, VOB_MAP_READ);

		assert_int_equal(vob_link_add_window(&l, &w), VOB_E2BIG);
	}
}

/* Windows may touch: one ending where another starts is no overlap, added
 * above or below it; a range across the seam is in neither. */
static void test_adjacent_windows(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_window_cfg w;

	(void)state;
	fake_port_init(&fp);
	fake_port_add_region(&fp, 0, mem[0], sizeof(mem[0]));
	assert_int_equal(vob_link_init(&l, &fake_port_ops, &fp, 0), 0);
	w = win(0x400, 0x400, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 0);
	w = win(0, 0x400, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 1);
	w = win(0x800, 0x400, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 2);
	assert_ptr_equal(vob_link_translate(&l, 0x3ff, 1, VOB_MAP_READ, NULL), mem[0] + 0x3ff);
	assert_null(vob_link_translate(&l, 0x3ff, 2, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0x7ff, 2, VOB_MAP_READ, NULL));
}

static void test_translate_bounds(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_window_cfg w;
	const struct vob_window *out = NULL;
	uint64_t a;

	(void)state;
	setup_link(&l, &fp, &fake_port_ops);
	w = win(0x1000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	assert_int_equal(vob_link_add_window(&l, &w), 0);
	w = win(0x10000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 1);
	w = win(0xfffffffffffff000ull, 4096, VOB_MEM_COHERENT, VOB_MAP_READ);
	assert_int_equal(vob_link_add_window(&l, &w), 2);

	assert_ptr_equal(vob_link_translate(&l, 0x1000, 4096, VOB_MAP_WRITE, &out), mem[0]);
	assert_ptr_equal(out, &l.win[0]);
	assert_ptr_equal(vob_link_translate(&l, 0x1fff, 1, VOB_MAP_READ, NULL), mem[0] + 4095);
	assert_null(vob_link_translate(&l, 0x1fff, 2, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0x2000, 0, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0xfff, 2, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0x1000, UINT64_MAX, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0x1800, 0xfffffffffffff000ull, VOB_MAP_READ, NULL));
	/* A read-only window refuses a writable mapping. */
	assert_non_null(vob_link_translate(&l, 0x10010, 16, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&l, 0x10010, 16, VOB_MAP_WRITE, NULL));
	/* The top of the address space: no wrap. */
	assert_ptr_equal(vob_link_translate(&l, 0xffffffffffffffffull, 1, VOB_MAP_READ, NULL),
			 mem[2] + 4095);
	assert_null(vob_link_translate(&l, 0xffffffffffffffffull, 2, VOB_MAP_READ, NULL));

	/* A pointer where one window ends and the next begins is the next's. */
	assert_ptr_equal(mem[1], mem[0] + 4096);
	assert_int_equal(vob_link_addr_of(&l, mem[1], 0, &a), 0);
	assert_true(a == 0x10000);
	assert_int_equal(vob_link_addr_of(&l, mem[1] + 100, 10, &a), 0);
	assert_true(a == 0x10064);
	assert_int_equal(vob_link_addr_of(&l, mem[1] + 4090, 10, &a), VOB_EFAULT);
	assert_int_equal(vob_link_addr_of(&l, &a, 1, &a), VOB_EFAULT);
}

static void test_sync_calls_cache_ops_only_on_cached(void **state)
{
	struct vob_link l;
	struct fake_port fp;
	struct vob_window_cfg w;

	VOB_TEST_NEEDS_CACHED();
	(void)state;
	setup_link(&l, &fp, &fake_port_ops_full);
	w = win(0x1000, 4096, VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	assert_int_equal(vob_link_add_window(&l, &w), 0);
	vob_link_sync_for_peer(&l, mem[0], 64);
	vob_link_sync_for_cpu(&l, mem[0], 64);
	assert_int_equal(fp.cleans + fp.invalidates, 0);
	w = win(0x10000, 4096, VOB_MEM_CACHED, VOB_MAP_READ | VOB_MAP_WRITE);
	assert_int_equal(vob_link_add_window(&l, &w), 1);
	vob_link_sync_for_peer(&l, mem[0], 64);
	assert_int_equal(fp.cleans, 0);
	vob_link_sync_for_peer(&l, mem[1], 64);
	assert_int_equal(fp.cleans, 1);
	vob_link_sync_for_cpu(&l, mem[1] + 64, 64);
	assert_int_equal(fp.invalidates, 1);
	vob_link_sync_for_cpu(&l, mem[1], 0);
	assert_int_equal(fp.invalidates, 1);
}

static void test_doorbells(void **state)
{
	struct vob_link a, b;
	struct fake_port fa, fb;

	(void)state;
	setup_link(&a, &fa, &fake_port_ops);
	setup_link(&b, &fb, &fake_port_ops);
	fa.peer = &b;
	assert_int_equal(vob_link_irq_next(&b), VOB_EAGAIN);
	assert_int_equal(vob_link_doorbell(&a, 5, 77), 0);
	assert_int_equal(fa.doorbells, 1);
	assert_int_equal(fa.last_data, 77);
	assert_int_equal(vob_link_doorbell(&a, 3, 0), 0);
	assert_int_equal(vob_link_doorbell(&a, 5, 0), 0); /* coalesces with the first */
	assert_false(vob_link_irq_take(&b, 4));
	assert_int_equal(vob_link_irq_next(&b), 3);
	assert_int_equal(vob_link_irq_next(&b), 5);
	assert_int_equal(vob_link_irq_next(&b), VOB_EAGAIN);
	assert_int_equal(b.irq_any, 0); /* the next call returns at once */
	vob_on_irq_isr(&b, 7);
	assert_true(vob_link_irq_take(&b, 7));
	assert_false(vob_link_irq_take(&b, 7));
	/* An id beyond the build's count is not lost: the last id stands
	 * for it. */
	vob_on_irq_isr(&b, VOB_MAX_DOORBELLS);
	vob_on_irq_isr(&b, 0xffffffffu);
	assert_int_equal(b.irq_spurious, 2);
	/* Taken by any of the ids folded there, as the ISR folds them. */
	assert_true(vob_link_irq_take(&b, VOB_MAX_DOORBELLS + 8u));
	assert_false(vob_link_irq_take(&b, VOB_MAX_DOORBELLS - 1u));
	vob_on_irq_isr(&b, VOB_MAX_DOORBELLS);
	assert_true(vob_link_irq_take(&b, VOB_MAX_DOORBELLS));
	assert_false(vob_link_irq_take(&b, VOB_MAX_DOORBELLS - 1u));
	assert_int_equal(vob_link_irq_next(&b), VOB_EAGAIN);
	vob_on_irq_isr(&b, VOB_MAX_DOORBELLS + 3u);
	assert_int_equal(vob_link_irq_next(&b), VOB_MAX_DOORBELLS - 1);
	assert_int_equal(vob_link_irq_next(&b), VOB_EAGAIN);
	fa.doorbell_err = VOB_EIO;
	assert_int_equal(vob_link_doorbell(&a, 1, 0), VOB_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_add_window_checks),
		cmocka_unit_test(test_too_many_windows),
		cmocka_unit_test(test_adjacent_windows),
		cmocka_unit_test(test_translate_bounds),
		cmocka_unit_test(test_sync_calls_cache_ops_only_on_cached),
		cmocka_unit_test(test_doorbells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

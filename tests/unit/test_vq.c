/* SPDX-License-Identifier: BSD-3-Clause */
/* The virtqueue API on both ring formats: every case here runs once on a
 * split ring and once on a packed ring, with the same assertions. Set-up,
 * traffic, wraparound, notification decisions, indirect and in-order,
 * reclaim, copy helpers, and the driver's checks on a hostile device.
 * Wire-level cases of one format live in test_split.c and test_packed.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "vq_internal.h"

#define LINE 64u
#define F(x) VOB_BIT(VOB_F_##x)

/* The format under test: 0 (split) or F(RING_PACKED), from the test's
 * initial state. */
static uint64_t fmt;

static void use_format(void **state)
{
	fmt = *(const uint64_t *)*state;
}

static bool packed(void)
{
	return fmt != 0;
}

static int setup(struct vob_pair *p, uint16_t size, uint64_t features, uint16_t indirect_max,
		 size_t buf_bytes)
{
	return pair_setup(p, size, features | fmt, indirect_max, buf_bytes);
}

static int pop(struct vob_pair *p, struct vob_chain *c, struct vob_iov *iov, uint16_t cap)
{
	c->iov = iov;
	c->cap = cap;
	return vob_vq_pop(&p->dev, c);
}

/* ---- a hostile device, in either format ------------------------------- */

/* Write a used entry naming @id with @len where the driver reads next, and
 * publish it. Split: the used ring slot at the driver's last_used, then the
 * used index moved by @covers (an in-order batch covers several chains).
 * Packed: a used descriptor at the driver's next position and wrap, WRITE
 * set when @len is nonzero (the flags publish it). */
static void dev_used_next(struct vob_pair *p, uint32_t id, uint32_t len, uint16_t covers)
{
	if (packed()) {
		uint8_t *d = p->mem + p->ring_off + 16u * p->drv.last_used;
		uint16_t f = p->drv.used_wrap ? 0x8080u : 0;

		vob_put_le32(d + 8, len);
		vob_put_le16(d + 12, (uint16_t)id);
		vob_put_le16(d + 14, (uint16_t)(f | (len ? VOB_DESC_F_WRITE : 0u)));
	} else {
		uint8_t *used = p->mem + p->device_off;
		uint8_t *e = used + 4 + 8u * (p->drv.last_used & (p->cdrv.size - 1u));

		vob_put_le32(e, id);
		vob_put_le32(e + 4, len);
		vob_put_le16(used + 2, (uint16_t)(p->drv.last_used + covers));
	}
}

static void expect_used_fault(struct vob_pair *p, enum vob_vq_fault fault)
{
	void *tok;
	uint32_t w;

	assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), VOB_EPROTO);
	assert_int_equal(vob_vq_fault(&p->drv), fault);
	assert_int_equal(vob_vq_stats(&p->drv)->errors, 1);
	assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), VOB_EIO);
	assert_int_equal(vob_vq_add(&p->drv, &(struct vob_seg){ pair_buf_addr(p, 0), 4 }, 1, 0, p),
			 VOB_EIO);
	assert_int_equal(vob_vq_kick_prepare(&p->drv), VOB_EIO);
}

/* The 16-bit word a format publishes after @count descriptors in a queue of
 * @size: split: the avail index; packed: {next_off:15, next_wrap:1}. */
static uint16_t published_word(unsigned long count, uint16_t size)
{
	if (packed())
		return (uint16_t)((count % size) | ((((count / size) & 1u) ^ 1u) << 15));
	return (uint16_t)count;
}

/* ---- set-up --------------------------------------------------------- */

/* The ABI's alignment of uint64_t (C99 has no alignof). */
struct u64_align {
	char c;
	uint64_t v;
};
#define U64_ALIGN offsetof(struct u64_align, v)

static void test_init_checks(void **state)
{
	struct vob_pair p;
	struct vob_vq vq;
	struct vob_vq_cfg c;
	static uint64_t st[VOB_VQ_STATE_SIZE(64, 4) / 8 + 1];

	use_format(state);
	assert_int_equal(setup(&p, 16, 0, 0, 4096), 0);
	c = p.cdrv;
	c.size = 0;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	c.size = (uint16_t)(VOB_VQ_MAX_SIZE + 1u);
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	c = p.cdrv;
	c.role = 0;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	c = p.cdrv;
	c.features &= ~F(VERSION_1);
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_ENOTSUP);
	c = p.cdrv;
	c.driver_addr += 16; /* not on a cache line */
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	c = p.cdrv;
	c.device_addr = p.base + p.len; /* past the window */
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EFAULT);
	c = p.cdrv;
	c.desc_addr = p.base + p.len - LINE; /* runs past the window */
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EFAULT);
	c = p.cdrv;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, VOB_VQ_STATE_SIZE(16, 0) - 1), VOB_ENOMEM);
	/* State needs the alignment of uint64_t, and no more: on i386 (4) a
	 * uint64_t array inside a structure may start at 4 mod 8. */
	assert_arg_error(vob_vq_init(&vq, &p.ldrv, &c, (uint8_t *)st + 1, 1024), VOB_EINVAL);
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, (uint8_t *)st + U64_ALIGN, 1024), 0);
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, VOB_VQ_STATE_SIZE(16, 0)), 0);
	assert_int_equal(vob_vq_init(NULL, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	pair_free(&p);

	/* Every power of two from 1 to 32768 is accepted. */
	for (unsigned sz = 1; sz <= VOB_VQ_MAX_SIZE; sz <<= 1) {
		assert_int_equal(setup(&p, (uint16_t)sz, 0, 0, 64), 0);
		pair_free(&p);
	}
}

static void test_role_checks(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[16];
	struct vob_chain c = { .iov = iov, .cap = 16 };
	struct vob_seg s = { PAIR_BASE, 4 };
	void *tok;
	uint32_t w;

	use_format(state);
	assert_int_equal(setup(&p, 16, 0, 0, 4096), 0);
	assert_int_equal(vob_vq_pop(&p.drv, &c), VOB_EPERM);
	assert_int_equal(vob_vq_push(&p.drv, &c, 0), VOB_EPERM);
	assert_int_equal(vob_vq_add(&p.dev, &s, 1, 0, &p), VOB_EPERM);
	assert_int_equal(vob_vq_get_used(&p.dev, &tok, &w), VOB_EPERM);
	assert_null(vob_vq_reclaim(&p.dev));
	/* Caller mistakes are not peer faults. */
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 0, &p), VOB_EINVAL);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, NULL), VOB_EINVAL);
	/* Counts whose sum wraps to one segment. */
	assert_arg_error(vob_vq_add(&p.drv, &s, 0xffffffffu, 2, &p), VOB_EINVAL);
	assert_arg_error(vob_vq_add(&p.drv, &s, 2, 0xffffffffu, &p), VOB_EINVAL);
	{
		struct vob_seg big[2] = { { PAIR_BASE, 0x80000000u }, { PAIR_BASE, 0x80000000u } };

		assert_int_equal(vob_vq_add(&p.drv, big, 1, 1, &p), VOB_EINVAL); /* 2^32 bytes */
		big[1].len = 0x7fffffffu; /* 2^32 - 1 bytes: fine */
		assert_int_equal(vob_vq_add(&p.drv, big, 1, 1, &p), 0);
	}
	assert_int_equal(vob_vq_get_used(&p.drv, NULL, &w), VOB_EINVAL);
	c.cap = 15;
	assert_int_equal(vob_vq_pop(&p.dev, &c), VOB_EINVAL);
	assert_int_equal(vob_vq_push(&p.dev, NULL, 0), VOB_EINVAL);
	assert_int_equal(vob_vq_fault(&p.dev), VOB_FAULT_NONE);
	assert_int_equal(vob_vq_fault(&p.drv), VOB_FAULT_NONE);
	pair_free(&p);
}

static void test_contract_assert(void **state)
{
	struct vob_vq zero;

	use_format(state);
	memset(&zero, 0, sizeof(zero));
	expect_assert_failure(vob_vq_kick_prepare(&zero));
}

/* Each role maps each ring area with the access it needs, so an area in a
 * window this side may only read is refused where this side writes it:
 * the driver writes descriptors and the driver area, the device the device
 * area, and the descriptors of a packed ring too. */
static void test_area_access(void **state)
{
	struct vob_pair p;
	struct vob_vq q;
	struct vob_vq_cfg c;
	const uint64_t ro = 0x80000000ull;
	struct vob_window_cfg w = { ro, 4096, VOB_MEM_COHERENT, VOB_WIN_PEER, VOB_MAP_READ };
	static uint8_t rmem[4096];
	static uint64_t st[VOB_VQ_STATE_SIZE(8, 0) / 8];

	use_format(state);
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	fake_port_add_region(&p.pdev, ro, rmem, sizeof(rmem));
	fake_port_add_region(&p.pdrv, ro, rmem, sizeof(rmem));
	assert_true(vob_link_add_window(&p.ldev, &w) >= 0);
	assert_true(vob_link_add_window(&p.ldrv, &w) >= 0);
	/* Device role. */
	c = p.cdev;
	c.desc_addr = ro;
	assert_int_equal(vob_vq_init(&q, &p.ldev, &c, st, sizeof(st)), packed() ? VOB_EFAULT : 0);
	c = p.cdev;
	c.driver_addr = ro + 1024;
	assert_int_equal(vob_vq_init(&q, &p.ldev, &c, st, sizeof(st)), 0);
	c = p.cdev;
	c.device_addr = ro + 2048;
	assert_int_equal(vob_vq_init(&q, &p.ldev, &c, st, sizeof(st)), VOB_EFAULT);
	/* Driver role. */
	c = p.cdrv;
	c.desc_addr = ro;
	assert_int_equal(vob_vq_init(&q, &p.ldrv, &c, st, sizeof(st)), VOB_EFAULT);
	c = p.cdrv;
	c.driver_addr = ro + 1024;
	assert_int_equal(vob_vq_init(&q, &p.ldrv, &c, st, sizeof(st)), VOB_EFAULT);
	c = p.cdrv;
	c.device_addr = ro + 2048;
	assert_int_equal(vob_vq_init(&q, &p.ldrv, &c, st, sizeof(st)), 0);
	pair_free(&p);
}

/* ---- traffic -------------------------------------------------------- */

static void test_roundtrip_payload(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[16];
	struct vob_chain c;
	struct vob_seg s[3];
	uint8_t got[64];
	void *tok;
	uint32_t w;

	use_format(state);
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	memcpy(pair_buf(&p, 0), "hello ", 6);
	memcpy(pair_buf(&p, 64), "world", 5);
	s[0] = (struct vob_seg){ pair_buf_addr(&p, 0), 6 };
	s[1] = (struct vob_seg){ pair_buf_addr(&p, 64), 5 };
	s[2] = (struct vob_seg){ pair_buf_addr(&p, 128), 32 };
	assert_int_equal(pop(&p, &c, iov, 16), VOB_EAGAIN);
	assert_int_equal(vob_vq_add(&p.drv, s, 2, 1, &p), 0);
	assert_int_equal(pop(&p, &c, iov, 16), 0);
	assert_int_equal(c.n_out, 2);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(c.out_len, 11);
	assert_int_equal(c.in_len, 32);
	assert_ptr_equal(iov[0].base, pair_buf(&p, 0));
	assert_int_equal(iov[2].flags & VOB_IOV_WRITE, VOB_IOV_WRITE);
	assert_int_equal(iov[0].flags & VOB_IOV_WRITE, 0);
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, got, sizeof(got), NULL), 11);
	assert_memory_equal(got, "hello world", 11);
	assert_int_equal(vob_chain_push(&p.ldev, &c, 0, "HELLO WORLD", 11, NULL), 11);
	assert_int_equal(vob_vq_push(&p.dev, &c, 11), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &p);
	assert_int_equal(w, 11);
	assert_memory_equal(pair_buf(&p, 128), "HELLO WORLD", 11);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	/* Pushing the same chain again is the caller's mistake. */
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), VOB_EINVAL);
	/* So is claiming more written than the chain holds. */
	assert_int_equal(vob_vq_add(&p.drv, s, 2, 1, &p), 0);
	assert_int_equal(pop(&p, &c, iov, 16), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 33), VOB_EINVAL);
	assert_int_equal(vob_vq_push(&p.dev, &c, 32), 0);
	assert_int_equal(vob_vq_stats(&p.drv)->added, 2);
	assert_int_equal(vob_vq_stats(&p.dev)->added, 2);
	assert_int_equal(vob_vq_stats(&p.dev)->used, 2);
	assert_int_equal(vob_vq_stats(&p.drv)->used, 1);
	pair_free(&p);
}

static void test_full_and_empty(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[4];
	struct vob_chain c;
	struct vob_seg s = { PAIR_BASE, 0 };
	int t[5];
	void *tok;
	uint32_t w;
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 1, 0, 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	s.len = 16;
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[0]), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[1]), VOB_ENOSPC);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(pop(&p, &c, iov, 4), VOB_EAGAIN);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	pair_free(&p);

	/* A 4-entry queue takes 4 one-segment chains, or one 4-segment chain. */
	assert_int_equal(setup(&p, 4, 0, 0, 4096), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[i]), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[4]), VOB_ENOSPC);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pop(&p, &c, iov, 4), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &t[i]);
	}
	{
		struct vob_seg four[4] = { s, s, s, s };

		assert_int_equal(vob_vq_add(&p.drv, four, 2, 2, &t[0]), 0);
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[1]), VOB_ENOSPC);
		assert_int_equal(pop(&p, &c, iov, 4), 0);
		assert_int_equal(c.n_out + c.n_in, 4);
		assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &t[0]);
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[1]), 0);
	}
	pair_free(&p);
}

/* Run @n single-buffer round trips through a tiny queue so every 16-bit
 * index (split) wraps more than twice, and the wrap counters (packed) flip
 * tens of thousands of times, checking every token. */
static void test_index_wraparound(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[4];
	struct vob_chain c;
	const unsigned long total = 140000u;
	unsigned long i;

	use_format(state);
	assert_int_equal(setup(&p, 4, F(EVENT_IDX), 0, 4096), 0);
	for (i = 0; i < total; i++) {
		struct vob_seg s = { pair_buf_addr(&p, (i & 3u) * 64u), 8 };
		void *tok;
		uint32_t w;

		assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, (void *)(uintptr_t)(i + 1)), 0);
		if (i & 1u) {
			/* Two in flight across the wrap on odd steps. */
			assert_int_equal(pop(&p, &c, iov, 4), 0);
			assert_int_equal(vob_vq_push(&p.dev, &c, 8), 0);
			assert_int_equal(pop(&p, &c, iov, 4), 0);
			assert_int_equal(vob_vq_push(&p.dev, &c, 3), 0);
			assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
			assert_int_equal((uintptr_t)tok, i);
			assert_int_equal(w, 8);
			assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
			assert_int_equal((uintptr_t)tok, i + 1);
			assert_int_equal(w, 3);
		}
		/* The published position, as the notification data carries it. */
		if ((i & 0xfffu) == 0 || i + 1 == total) {
			assert_int_equal(vob_vq_kick_prepare(&p.drv) >= 0, 1);
			assert_int_equal(vob_vq_notify(&p.drv), 0);
			(void)vob_vq_kick_prepare(&p.dev);
		}
	}
	assert_int_equal(vob_vq_stats(&p.drv)->added, total);
	assert_int_equal(vob_vq_stats(&p.drv)->used, total);
	assert_int_equal(vob_vq_stats(&p.dev)->used, total);
	assert_int_equal(p.drv.kicked, published_word(total, 4));
	assert_int_equal(p.dev.kicked, published_word(total, 4));
	pair_free(&p);
}

/* ---- starting at a saved position -------------------------------------- */

/* The start both formats use in these tests: split crosses the 16-bit
 * wrap of its indices soon; packed starts two positions before the end
 * of a 7-entry ring with wrap counter 0 (bit 15 set: wrap 0). */
static uint16_t late_start(void)
{
	return packed() ? (uint16_t)(0x8000u | 5u) : (uint16_t)65530u;
}

/* The position after @n2 chains of two descriptors and @n1 of one from
 * @start, in the vob_vq_cfg::start encoding, for a queue of @size: split
 * indices count chains, packed positions descriptors. */
static uint16_t start_plus(uint16_t start, unsigned long n2, unsigned long n1, uint16_t size)
{
	unsigned long pos, lap;

	if (!packed())
		return (uint16_t)(start + n2 + n1);
	pos = (start & 0x7fffu) + 2u * n2 + n1;
	lap = pos / size;
	/* Bit 15 is the inverted wrap counter: it flips every lap. */
	return (uint16_t)((pos % size) | ((((start >> 15) ^ lap) & 1u) << 15));
}

/* Set both ends of @p up again at @start (the pair's memory stays). */
static int reinit_at(struct vob_pair *p, uint16_t start, bool driver, bool device)
{
	int err = 0;

	p->cdrv.start = p->cdev.start = start;
	if (driver)
		err = vob_vq_init(&p->drv, &p->ldrv, &p->cdrv, p->sdrv,
				  VOB_VQ_STATE_SIZE(p->cdrv.size, p->cdrv.indirect_max));
	if (!err && device)
		err = vob_vq_init(&p->dev, &p->ldev, &p->cdev, p->sdev,
				  VOB_VQ_STATE_SIZE(p->cdev.size, 0));
	return err;
}

/* One chain with a readable and a writable segment, through and back,
 * checking the bytes both ways and the token. */
static void round_trip(struct vob_pair *p, unsigned long i)
{
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s[2] = { { pair_buf_addr(p, 0), 8 }, { pair_buf_addr(p, 64), 8 } };
	uint8_t out[8], got[8];
	void *tok;
	uint32_t w;

	memset(out, (int)(i & 0xffu), sizeof(out));
	memcpy(pair_buf(p, 0), out, sizeof(out));
	assert_int_equal(vob_vq_add(&p->drv, s, 1, 1, (void *)(uintptr_t)(i + 1)), 0);
	assert_int_equal(pop(p, &c, iov, 8), 0);
	assert_int_equal(vob_chain_pull(&p->ldev, &c, 0, got, sizeof(got), NULL), 8);
	assert_memory_equal(got, out, 8);
	got[0] ^= 0xffu;
	assert_int_equal(vob_chain_push(&p->ldev, &c, 0, got, 1, NULL), 1);
	assert_int_equal(vob_vq_push(&p->dev, &c, 1), 0);
	assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), 0);
	assert_int_equal((uintptr_t)tok, i + 1);
	assert_int_equal(w, 1);
	assert_int_equal(*pair_buf(p, 64), out[0] ^ 0xffu);
}

/* A driver and a device both started at a late position carry chains both
 * ways across the 16-bit index wrap (split) or the ring's end with wrap
 * counter 0 (packed), with notifications asked for at the right place. */
static void test_start_position(void **state)
{
	struct vob_pair p;
	uint16_t size, start;
	unsigned long i;

	use_format(state);
	size = packed() ? 7 : 8;
	start = late_start();
	assert_int_equal(setup(&p, size, F(EVENT_IDX), 0, 4096), 0);
	assert_int_equal(vob_vq_position(&p.drv), 0);
	assert_int_equal(vob_vq_position(&p.dev), 0);
	assert_int_equal(reinit_at(&p, start, true, true), 0);
	assert_int_equal(vob_vq_position(&p.drv), start);
	assert_int_equal(vob_vq_position(&p.dev), start);
	/* Nothing looks available or used at the start, whatever the memory
	 * held before (the pair fills it with 0xa5). */
	{
		struct vob_iov iov[8];
		struct vob_chain c;
		void *tok;
		uint32_t w;

		assert_int_equal(pop(&p, &c, iov, 8), VOB_EAGAIN);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	}
	/* The device asked for a kick at the first entry: the first chain
	 * needs one, the second (not enabled again) does not. */
	round_trip(&p, 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 1);
	round_trip(&p, 1);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 0);
	for (i = 2; i < 20; i++) {
		round_trip(&p, i);
		assert_int_equal(vob_vq_position(&p.drv), start_plus(start, i + 1, 0, size));
		assert_int_equal(vob_vq_position(&p.dev), start_plus(start, i + 1, 0, size));
	}
	if (!packed()) {
		/* The wire indices crossed 2^16. */
		assert_int_equal(vob_get_le16(p.mem + p.driver_off + 2), (uint16_t)(start + 20));
		assert_int_equal(vob_get_le16(p.mem + p.device_off + 2), (uint16_t)(start + 20));
	}
	assert_int_equal(vob_vq_stats(&p.drv)->used, 20);
	pair_free(&p);
}

/* The same late start with IN_ORDER, where a packed driver's buffer ids
 * are ring positions (they begin at the start's) and a split ring's heads
 * begin at descriptor 0 on both sides; chains pushed in order, two at a
 * time, cross the wrap. */
static void test_start_position_in_order(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c[2];
	struct vob_seg s = { 0, 8 };
	uint16_t size, start;
	unsigned long i;
	void *tok;
	uint32_t w;

	use_format(state);
	size = packed() ? 7 : 8;
	start = late_start();
	assert_int_equal(setup(&p, size, F(IN_ORDER), 0, 4096), 0);
	assert_int_equal(reinit_at(&p, start, true, true), 0);
	for (i = 0; i < 30; i += 2) {
		s.addr = pair_buf_addr(&p, 0);
		assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, (void *)(uintptr_t)(i + 1)), 0);
		s.addr = pair_buf_addr(&p, 64);
		assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, (void *)(uintptr_t)(i + 2)), 0);
		assert_int_equal(pop(&p, &c[0], iov, 8), 0);
		assert_int_equal(pop(&p, &c[1], iov, 8), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c[0], 1), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c[1], 2), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal((uintptr_t)tok, i + 1);
		assert_int_equal(w, 1);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal((uintptr_t)tok, i + 2);
		assert_int_equal(w, 2);
	}
	assert_int_equal(vob_vq_position(&p.drv), start_plus(start, 0, 30, size));
	assert_int_equal(vob_vq_position(&p.dev), start_plus(start, 0, 30, size));
	assert_int_equal(vob_vq_fault(&p.drv), VOB_FAULT_NONE);
	assert_int_equal(vob_vq_fault(&p.dev), VOB_FAULT_NONE);
	pair_free(&p);
}

/* A packed start must name a position of the ring; a split one may be any
 * 16-bit index. */
static void test_start_checks(void **state)
{
	struct vob_pair p;
	uint16_t size;

	use_format(state);
	size = packed() ? 7 : 8;
	assert_int_equal(setup(&p, size, 0, 0, 4096), 0);
	if (packed()) {
		assert_int_equal(reinit_at(&p, 7, true, false), VOB_EINVAL);
		assert_int_equal(reinit_at(&p, 0x8007, false, true), VOB_EINVAL);
		assert_int_equal(reinit_at(&p, 0x7fff, false, true), VOB_EINVAL);
		assert_int_equal(reinit_at(&p, 0x8006, true, true), 0);
		assert_int_equal(vob_vq_position(&p.dev), 0x8006);
	} else {
		assert_int_equal(reinit_at(&p, 0xffff, true, true), 0);
		assert_int_equal(vob_vq_position(&p.dev), 0xffff);
		round_trip(&p, 0);
		assert_int_equal(vob_vq_position(&p.dev), 0);
	}
	pair_free(&p);
}

/* vhost-user's stop and resume: the device stops with one chain popped and
 * not pushed, is set up again at vob_vq_position() while the driver keeps
 * running, finds that chain again and carries on. */
static void test_device_resume(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s = { 0, 8 };
	uint16_t size, pos;
	unsigned long i;
	void *tok;
	uint32_t w;

	use_format(state);
	size = packed() ? 7 : 8;
	assert_int_equal(setup(&p, size, F(EVENT_IDX), 0, 4096), 0);
	for (i = 0; i < 10; i++)
		round_trip(&p, i);
	/* Two chains made available; the device takes both, pushes the first. */
	s.addr = pair_buf_addr(&p, 128);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, (void *)(uintptr_t)101), 0);
	s.addr = pair_buf_addr(&p, 192);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, (void *)(uintptr_t)102), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 2), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	/* Stopped here: the position is that of the next used entry. */
	pos = vob_vq_position(&p.dev);
	assert_int_equal(pos, start_plus(0, 10, 1, size));
	assert_int_equal(reinit_at(&p, pos, false, true), 0);
	/* The chain in hand comes again, with its buffer. */
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_ptr_equal(iov[0].base, pair_buf(&p, 192));
	assert_int_equal(vob_vq_push(&p.dev, &c, 3), 0);
	assert_int_equal(pop(&p, &c, iov, 8), VOB_EAGAIN);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal((uintptr_t)tok, 101);
	assert_int_equal(w, 2);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal((uintptr_t)tok, 102);
	assert_int_equal(w, 3);
	for (i = 0; i < 20; i++)
		round_trip(&p, 200 + i);
	assert_int_equal(vob_vq_position(&p.dev), start_plus(0, 30, 2, size));
	assert_int_equal(vob_vq_position(&p.drv), start_plus(0, 30, 2, size));
	pair_free(&p);
}

/* ---- notification decisions ---------------------------------------- */

static void test_kick_flags(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s = { 0, 8 };

	use_format(state);
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 0); /* nothing added */
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick(&p.drv), 1);
	assert_int_equal(p.pdrv.doorbells, 1);
	assert_int_equal(p.pdrv.last_id, 1);
	assert_true(vob_link_irq_take(&p.ldev, 1));
	vob_vq_disable_notify(&p.dev);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick(&p.drv), 0);
	assert_int_equal(vob_vq_stats(&p.drv)->notify_suppressed, 1);
	assert_int_equal(vob_vq_enable_notify(&p.dev), 1); /* work is pending */
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick(&p.drv), 1);
	assert_int_equal(vob_vq_stats(&p.drv)->notify_sent, 2);

	/* Device to driver: the peer's "no interrupt" request. */
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_kick(&p.dev), 1);
	assert_int_equal(p.pdev.last_id, 2);
	vob_vq_disable_notify(&p.drv);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_kick(&p.dev), 0);
	assert_int_equal(vob_vq_stats(&p.dev)->notify_suppressed, 1);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 1);
	/* Enabled again, a later push interrupts. */
	{
		void *tok;
		uint32_t w;

		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal(vob_vq_enable_notify(&p.drv), 0);
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		assert_int_equal(vob_vq_kick(&p.dev), 1);
	}
	pair_free(&p);
}

static void test_kick_event_idx(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s = { 0, 8 };
	void *tok;
	uint32_t w;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(EVENT_IDX), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 1); /* event 0 crossed */
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 0); /* already told */
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_enable_notify(&p.dev), 0); /* event = 2 */
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 1);
	/* Device side: event 0, the first push interrupts, the next not. */
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 0); /* event = 2 */
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	assert_int_equal(vob_vq_stats(&p.dev)->notify_sent, 2);
	assert_int_equal(vob_vq_stats(&p.dev)->notify_suppressed, 1);
	assert_int_equal(vob_vq_stats(&p.drv)->notify_sent, 2);
	assert_int_equal(vob_vq_stats(&p.drv)->notify_suppressed, 1);
	pair_free(&p);
}

/* Event indices across the end of the ring: the peer's event names a
 * position of the previous lap (packed) or an index below 2^16 (split). */
static void test_kick_event_idx_wrap(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s = { 0, 8 };
	void *tok;
	uint32_t w;
	unsigned i, round;

	use_format(state);
	assert_int_equal(setup(&p, 4, F(EVENT_IDX), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	for (round = 0; round < 50; round++) {
		/* The device asks for a kick at its next position, then the
		 * driver adds three: one kick, on the first. */
		assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
		for (i = 0; i < 3; i++) {
			assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
			assert_int_equal(vob_vq_kick_prepare(&p.drv), i == 0);
		}
		/* The device serves them without asking again: no kick. */
		for (i = 0; i < 3; i++) {
			assert_int_equal(pop(&p, &c, iov, 8), 0);
			assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		}
		while (vob_vq_get_used(&p.drv, &tok, &w) == 0)
			;
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(vob_vq_kick_prepare(&p.drv), 0);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		while (vob_vq_get_used(&p.drv, &tok, &w) == 0)
			;
		/* Two batched adds with one kick_prepare: the event lies in the
		 * middle of the batch. */
		assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
		for (i = 0; i < 2; i++)
			assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(vob_vq_kick_prepare(&p.drv), 1);
		for (i = 0; i < 2; i++) {
			assert_int_equal(pop(&p, &c, iov, 8), 0);
			assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		}
		while (vob_vq_get_used(&p.drv, &tok, &w) == 0)
			;
	}
	assert_int_equal(vob_vq_fault(&p.drv), VOB_FAULT_NONE);
	pair_free(&p);
}

static void test_notification_data(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s = { 0, 8 };
	struct vob_vq_cfg cfg;
	void *tok;
	uint32_t w;
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(NOTIFICATION_DATA), 0, 4096), 0);
	cfg = p.cdrv;
	cfg.index = 5;
	assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &cfg, p.sdrv, VOB_VQ_STATE_SIZE(8, 0)), 0);
	s.addr = pair_buf_addr(&p, 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick(&p.drv), 1);
	assert_int_equal(p.pdrv.last_data, 5u | ((uint32_t)published_word(3, 8) << 16));
	/* Past the end of the ring: 10 made available in all. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(pop(&p, &c, iov, 8), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	}
	for (i = 0; i < 7; i++)
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick(&p.drv), 1);
	assert_int_equal(p.pdrv.last_data, 5u | ((uint32_t)published_word(10, 8) << 16));
	/* Without the feature, the queue index alone; the device never sends
	 * data. */
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), VOB_EINVAL);
	assert_int_equal(vob_vq_notify(&p.dev), 0);
	assert_int_equal(p.pdev.last_data, 0);
	pair_free(&p);
}

/* ---- indirect, in-order, reclaim ------------------------------------- */

static void test_indirect(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s[5];
	void *tok;
	uint32_t w;
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 2, F(INDIRECT_DESC), 4, 4096), 0);
	/* The device accepts chains longer than its queue (as blk's seg_max
	 * allows); by default seg_max is the queue size. */
	p.cdev.seg_max = 4;
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(2, 0)), 0);
	for (i = 0; i < 5; i++) {
		s[i].addr = pair_buf_addr(&p, i * 64u);
		s[i].len = 10 + i;
	}
	/* Two 3-segment chains fit a 2-entry queue through indirect tables. */
	assert_int_equal(vob_vq_add(&p.drv, s, 2, 1, &s[0]), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 2, &s[1]), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 0, &s[2]), VOB_ENOSPC);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(c.n_out, 2);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(c.in_len, 12);
	assert_int_equal(c.out_len, 21);
	assert_ptr_equal(iov[1].base, pair_buf(&p, 64));
	assert_int_equal(vob_vq_push(&p.dev, &c, 12), 0);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 2);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &s[0]);
	assert_int_equal(w, 12);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &s[1]);
	/* A one-segment chain takes a plain descriptor. */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 0, &s[2]), 0);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(c.n_out, 1);
	pair_free(&p);

	/* More segments than an indirect table holds: chained descriptors. */
	assert_int_equal(setup(&p, 8, F(INDIRECT_DESC), 4, 4096), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 3, 2, &s[0]), 0);
	assert_int_equal(p.drv.num_free, 3);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_out + c.n_in, 5);
	pair_free(&p);
}

/* vob_vq_push() refuses a chain naming a buffer at the queue size, even
 * when the state bit just past the in-flight map is set (there: the low
 * bit of buffer 0's descriptor count, 1 once it is popped). */
static void test_push_head_range(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[64];
	struct vob_chain c, bad;
	struct vob_seg s;

	use_format(state);
	assert_int_equal(setup(&p, 64, 0, 0, 4096), 0);
	s = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &p), 0);
	assert_int_equal(pop(&p, &c, iov, 64), 0);
	assert_int_equal(c.head, 0);
	bad = c;
	bad.head = 64;
	assert_arg_error(vob_vq_push(&p.dev, &bad, 0), VOB_EINVAL);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	pair_free(&p);
}

/* A driver sets up indirect tables only with INDIRECT_DESC, a table address
 * and room for two entries or more; otherwise it needs no state for them,
 * maps no table area, and chains descriptors. With them, it maps the whole
 * table area. */
static void test_indirect_needs_tables(void **state)
{
	struct vob_pair p;
	struct vob_vq_cfg c;
	struct vob_seg s[2];
	static uint64_t st[VOB_VQ_STATE_SIZE(8, 0) / 8], st4[VOB_VQ_STATE_SIZE(8, 4) / 8];
	static const struct {
		uint64_t addr;
		uint16_t max;
	} cfgs[] = { { (uint64_t)1 << 40, 1 }, { 0, 4 } }; /* outside every window; none */
	unsigned k;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(INDIRECT_DESC), 0, 4096), 0);
	s[0] = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	s[1] = (struct vob_seg){ pair_buf_addr(&p, 64), 8 };
	for (k = 0; k < 2; k++) {
		c = p.cdrv;
		c.indirect_addr = cfgs[k].addr;
		c.indirect_max = cfgs[k].max;
		assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &c, st, sizeof(st)), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
		assert_int_equal(p.drv.num_free, 6);
	}
	/* With them, all size * indirect_max tables lie in a window. */
	c = p.cdrv;
	c.indirect_addr = p.base + p.len - 256u;
	c.indirect_max = 4; /* 8 * 4 * 16 = 512 bytes */
	assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &c, st, sizeof(st)), VOB_ENOMEM);
	assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &c, st4, sizeof(st4)), VOB_EFAULT);
	pair_free(&p);
}

/* vob_vq_pop() marks the segments of an indirect table VOB_IOV_INDIRECT
 * (they take no ring descriptor of their own) and only those: not the
 * segments of chained descriptors, not a lone descriptor's. */
static void test_indirect_iov_flag(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s[5];
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(INDIRECT_DESC), 4, 4096), 0);
	for (i = 0; i < 5; i++) {
		s[i].addr = pair_buf_addr(&p, i * 64u);
		s[i].len = 8;
	}
	/* A table: one readable and two writable segments. */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 2, &s[0]), 0);
	assert_int_equal(p.drv.num_free, 7);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_out + c.n_in, 3);
	assert_int_equal(iov[0].flags, VOB_IOV_INDIRECT);
	assert_int_equal(iov[1].flags, VOB_IOV_INDIRECT | VOB_IOV_WRITE);
	assert_int_equal(iov[2].flags, VOB_IOV_INDIRECT | VOB_IOV_WRITE);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	/* Chained descriptors (5 > indirect_max) and a lone one: no flag. */
	assert_int_equal(vob_vq_add(&p.drv, s, 2, 3, &s[1]), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 0, 1, &s[2]), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_out + c.n_in, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(iov[i].flags, i < 2 ? 0u : VOB_IOV_WRITE);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(iov[0].flags, VOB_IOV_WRITE);
	pair_free(&p);
}

static void test_in_order(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c[3];
	struct vob_seg s[2];
	int t[3];
	void *tok;
	uint32_t w;
	unsigned i, round;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(IN_ORDER) | F(EVENT_IDX), 0, 4096), 0);
	p.cdev.seg_max = 2;
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(8, 0)), 0);
	s[0] = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	s[1] = (struct vob_seg){ pair_buf_addr(&p, 64), 8 };
	for (round = 0; round < 20; round++) {
		/* Chains of 2, 1, 2 descriptors: heads follow ring order. */
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &t[0]), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 0, &t[1]), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &t[2]), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(pop(&p, &c[i], iov + 2 * i, 2), 0);
		assert_int_equal(c[1].head, (c[0].head + 2) & 7);
		assert_int_equal(c[2].head, (c[1].head + 1) & 7);
		/* Out of order is refused, in order is taken. */
		assert_int_equal(vob_vq_push(&p.dev, &c[1], 0), VOB_EINVAL);
		for (i = 0; i < 3; i++)
			assert_int_equal(vob_vq_push(&p.dev, &c[i], c[i].in_len), 0);
		for (i = 0; i < 3; i++) {
			assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
			assert_ptr_equal(tok, &t[i]);
			assert_int_equal(w, c[i].in_len);
		}
	}
	pair_free(&p);
}

static void test_in_order_batch_from_device(void **state)
{
	struct vob_pair p;
	struct vob_seg s = { 0, 16 };
	int t[3];
	void *tok;
	uint32_t w;
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(IN_ORDER), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	/* Chains 0 and 2 writable, chain 1 read-only. */
	for (i = 0; i < 3; i++)
		assert_int_equal(vob_vq_add(&p.drv, &s, i == 1, i != 1, &t[i]), 0);
	/* One entry at the batch's first position names its last id (2). */
	dev_used_next(&p, 2, 5, 3);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &t[i]);
		/* The chains the batch skipped were used completely (their
		 * whole writable length); the last has the entry's length. */
		assert_int_equal(w, i == 2 ? 5 : i == 0 ? 16 : 0);
		if (i < 2)
			assert_int_equal(vob_vq_enable_notify(&p.drv), 1); /* batch open */
	}
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &t[0]), 0);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 0);
	/* The next batch starts where the first ended. */
	dev_used_next(&p, 3, 16, 1);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	assert_int_equal(w, 16);
	pair_free(&p);

	/* A batch entry naming an id that is not in flight. */
	assert_int_equal(setup(&p, 8, F(IN_ORDER), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &t[i]), 0);
	dev_used_next(&p, 3, 0, 3);
	expect_used_fault(&p, VOB_FAULT_IN_ORDER);
	pair_free(&p);

	/* A batch length beyond the last chain's writable part. */
	assert_int_equal(setup(&p, 8, F(IN_ORDER), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &t[0]), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &t[1]), 0);
	dev_used_next(&p, 1, 17, 2);
	expect_used_fault(&p, VOB_FAULT_USED_LEN);
	pair_free(&p);

	/* An id out of range. */
	assert_int_equal(setup(&p, 8, F(IN_ORDER), 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &t[0]), 0);
	dev_used_next(&p, 8, 0, 1);
	expect_used_fault(&p, VOB_FAULT_USED_ID);
	pair_free(&p);
}

static void test_reclaim(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[4];
	struct vob_chain c;
	struct vob_seg s = { 0, 16 };
	int t[4], seen[4] = { 0 };
	void *tok;
	uint32_t w;
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 4, 0, 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[i]), 0);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	while ((tok = vob_vq_reclaim(&p.drv)) != NULL) {
		assert_true((int *)tok >= t && (int *)tok < t + 4);
		seen[(int *)tok - t]++;
	}
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[1] + seen[2] + seen[3], 3);
	assert_int_equal(seen[1] * seen[2] * seen[3], 1);
	assert_null(vob_vq_reclaim(&p.drv));
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[0]), VOB_EIO);
	/* Set up again, the queue works. */
	assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &p.cdrv, p.sdrv, VOB_VQ_STATE_SIZE(4, 0)), 0);
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(4, 0)), 0);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &t[0]), 0);
	assert_int_equal(pop(&p, &c, iov, 4), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	pair_free(&p);
}

/* ---- a hostile device: the driver's checks ---------------------------- */

static void test_bad_used(void **state)
{
	struct vob_pair p;
	struct vob_seg s[2];
	void *tok;
	uint32_t w;

	use_format(state);
	/* Id out of range. */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	s[0] = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	s[1] = (struct vob_seg){ pair_buf_addr(&p, 64), 10 };
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	dev_used_next(&p, 8, 0, 1);
	expect_used_fault(&p, VOB_FAULT_USED_ID);
	pair_free(&p);
	/* Id in range but not a chain in flight (1 is the chain's second). */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	dev_used_next(&p, 1, 0, 1);
	expect_used_fault(&p, VOB_FAULT_USED_ID);
	pair_free(&p);
	/* Nothing in flight at all. */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	dev_used_next(&p, 0, 0, 1);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EPROTO);
	assert_int_not_equal(vob_vq_fault(&p.drv), VOB_FAULT_NONE);
	pair_free(&p);
	/* Length beyond the writable part. */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	dev_used_next(&p, 0, 11, 1);
	expect_used_fault(&p, VOB_FAULT_USED_LEN);
	pair_free(&p);
	/* Any length of a chain without a writable part. */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 0, &p), 0);
	dev_used_next(&p, 0, 1, 1);
	expect_used_fault(&p, VOB_FAULT_USED_LEN);
	pair_free(&p);
	/* The same id returned twice. */
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	dev_used_next(&p, 0, 10, 1);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &p);
	assert_int_equal(w, 10);
	dev_used_next(&p, 0, 0, 1);
	expect_used_fault(&p, VOB_FAULT_USED_ID);
	/* Reclaim still returns the one left in flight. */
	assert_ptr_equal(vob_vq_reclaim(&p.drv), &p);
	assert_null(vob_vq_reclaim(&p.drv));
	pair_free(&p);
}

/* ---- copy helpers and payload cache maintenance ----------------------- */

static void relink(struct vob_pair *p, uint8_t ring_kind, uint8_t buf_kind)
{
	struct vob_window_cfg w = { p->base, p->buf_off, ring_kind, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };
	struct vob_window_cfg b = { p->base + p->buf_off, p->len - p->buf_off, buf_kind,
				    VOB_WIN_LOCAL, VOB_MAP_READ | VOB_MAP_WRITE };

	assert_int_equal(vob_link_init(&p->ldev, &fake_port_ops_full, &p->pdev, 64), 0);
	assert_true(vob_link_add_window(&p->ldev, &w) >= 0);
	assert_true(vob_link_add_window(&p->ldev, &b) >= 0);
	assert_int_equal(vob_link_init(&p->ldrv, &fake_port_ops_full, &p->pdrv, 64), 0);
	assert_true(vob_link_add_window(&p->ldrv, &w) >= 0);
	assert_true(vob_link_add_window(&p->ldrv, &b) >= 0);
	assert_int_equal(vob_vq_init(&p->drv, &p->ldrv, &p->cdrv, p->sdrv,
				     VOB_VQ_STATE_SIZE(p->cdrv.size, p->cdrv.indirect_max)), 0);
	assert_int_equal(vob_vq_init(&p->dev, &p->ldev, &p->cdev, p->sdev,
				     VOB_VQ_STATE_SIZE(p->cdev.size, 0)), 0);
}

static void make_chain(struct vob_pair *p, struct vob_chain *c, struct vob_iov *iov)
{
	struct vob_seg s[4] = {
		{ pair_buf_addr(p, 0), 300 },
		{ pair_buf_addr(p, 512), 5 },
		{ pair_buf_addr(p, 1024), 7 },
		{ pair_buf_addr(p, 1536), 400 },
	};
	unsigned i;

	for (i = 0; i < 305; i++)
		pair_buf(p, 0)[i < 300 ? i : 512 + i - 300] = (uint8_t)i;
	assert_int_equal(vob_vq_add(&p->drv, s, 2, 2, p), 0);
	assert_int_equal(pop(p, c, iov, 8), 0);
}

static void test_copy_sg(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	uint8_t a[10], b[400];
	struct vob_iov loc[2] = { { a, sizeof(a), 0 }, { b, sizeof(b), 0 } };
	unsigned i;

	use_format(state);
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	make_chain(&p, &c, iov);
	/* From offset 298: 2 bytes of the first segment, 5 of the second. */
	assert_int_equal(vob_chain_pullv(&p.ldev, &c, 298, loc, 2, NULL), 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(a[i], (uint8_t)(298 + i));
	assert_int_equal(vob_chain_pullv(&p.ldev, &c, 305, loc, 2, NULL), 0);
	assert_int_equal(vob_chain_pullv(&p.ldev, &c, 1000, loc, 2, NULL), 0);
	/* Push 410 bytes at offset 3: 4 land in the first writable segment. */
	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(0xa0 + i);
	memset(b, 0x5c, sizeof(b));
	assert_int_equal(vob_chain_pushv(&p.ldev, &c, 3, loc, 2, NULL), 404);
	assert_int_equal(pair_buf(&p, 1024)[3], 0xa0);
	assert_int_equal(pair_buf(&p, 1024)[6], 0xa3);
	assert_int_equal(pair_buf(&p, 1536)[0], 0xa4);
	assert_int_equal(pair_buf(&p, 1536)[5], 0xa9);
	assert_int_equal(pair_buf(&p, 1536)[6], 0x5c);
	assert_int_equal(pair_buf(&p, 1536)[399], 0x5c);
	pair_free(&p);
}

static void test_copy_dma(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_xfer x;
	uint8_t buf[305], big[407] = { 0 };

	use_format(state);
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	relink(&p, VOB_MEM_COHERENT, VOB_MEM_COHERENT);
	make_chain(&p, &c, iov);

	/* Completes at once: the 300-byte piece goes by DMA, 5 by memcpy. */
	vob_xfer_init(&x);
	p.pdev.dma_mode = FAKE_DMA_NOW;
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
	assert_int_equal(p.pdev.dma_calls, 1);
	assert_int_equal(vob_xfer_done(&x), 1);
	assert_int_equal(buf[299], (uint8_t)299);
	assert_int_equal(buf[304], (uint8_t)304);
	/* A piece of exactly VOB_DMA_MIN_BYTES goes by DMA too. */
	if (VOB_DMA_MIN_BYTES <= 300) {
		assert_int_equal(vob_chain_pull(&p.ldev, &c, 300u - VOB_DMA_MIN_BYTES, buf,
						VOB_DMA_MIN_BYTES, &x),
				 VOB_DMA_MIN_BYTES);
		assert_int_equal(p.pdev.dma_calls, 2);
	}

	/* Completes later. */
	memset(buf, 0, sizeof(buf));
	vob_xfer_init(&x);
	p.pdev.dma_mode = FAKE_DMA_LATER;
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
	assert_int_equal(vob_xfer_done(&x), 0);
	assert_int_equal(buf[299], 0);
	fake_port_dma_finish(&p.pdev, 0);
	assert_int_equal(vob_xfer_done(&x), 1);
	assert_int_equal(buf[299], (uint8_t)299);

	/* A completion error is reported. */
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
	fake_port_dma_finish(&p.pdev, VOB_EIO);
	assert_int_equal(vob_xfer_done(&x), VOB_EIO);

	/* Of two errors on one tracker, the first is reported. */
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
	assert_int_equal(p.pdev.npending, 2);
	vob_dma_complete_isr(p.pdev.pending[0].cookie, VOB_EIO);
	assert_int_equal(vob_xfer_done(&x), 0);
	vob_dma_complete_isr(p.pdev.pending[1].cookie, VOB_ETIMEDOUT);
	p.pdev.npending = 0;
	assert_int_equal(vob_xfer_done(&x), VOB_EIO);

	/* Busy engine, or its queue full: the CPU copies instead. */
	for (int full = 0; full < 2; full++) {
		memset(buf, 0, sizeof(buf));
		vob_xfer_init(&x);
		p.pdev.dma_mode = full ? FAKE_DMA_FULL : FAKE_DMA_BUSY;
		assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 305);
		assert_int_equal(vob_xfer_done(&x), 1);
		assert_int_equal(buf[299], (uint8_t)299);
	}

	/* A failing engine fails the copy. */
	vob_xfer_init(&x);
	p.pdev.dma_mode = FAKE_DMA_FAIL;
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), VOB_EIO);

	/* A length past 2^32 is not cut to its low 32 bits: the chain
	 * bounds the copy. */
	if (SIZE_MAX > 0xffffffffu) {
		size_t huge = SIZE_MAX - 0xffffffffu + 16u; /* low 32 bits: 16 */

		assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, huge, NULL), 305);
		assert_int_equal(vob_chain_push(&p.ldev, &c, 0, big, huge, NULL), 407);
	}

	/* No tracker: always the CPU. */
	p.pdev.dma_calls = 0;
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), NULL), 305);
	assert_int_equal(p.pdev.dma_calls, 0);
	pair_free(&p);
}

/* Only a push into a cached segment is cut to whole lines for the engine
 * (the CPU cleans whole lines of what it writes there); a pull, or a push
 * into coherent memory, goes to the engine in one piece. */
static void test_dma_piece_cut(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_xfer x;
	uint8_t buf[300] = { 0 };
	unsigned k;

	use_format(state);
	VOB_TEST_NEEDS_CACHED();
	if (!VOB_CFG_DMA || VOB_DMA_MIN_BYTES > 256)
		skip();
	assert_int_equal(setup(&p, 8, 0, 0, 4096), 0);
	for (k = 0; k < 2; k++) {
		relink(&p, VOB_MEM_COHERENT, k ? VOB_MEM_COHERENT : VOB_MEM_CACHED);
		make_chain(&p, &c, iov);
		vob_xfer_init(&x);
		p.pdev.dma_mode = FAKE_DMA_LATER;
		assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), &x), 300);
		assert_int_equal(p.pdev.npending, 1);
		assert_int_equal(p.pdev.pending[0].n, 300);
		fake_port_dma_finish(&p.pdev, 0);
		/* 300 bytes at the start of the 400-byte writable segment. */
		assert_int_equal(vob_chain_push(&p.ldev, &c, 7, buf, sizeof(buf), &x), 300);
		assert_int_equal(p.pdev.npending, 1);
		assert_int_equal(p.pdev.pending[0].n, k ? 300 : 256);
		fake_port_dma_finish(&p.pdev, 0);
		assert_int_equal(vob_xfer_done(&x), 1);
	}
	pair_free(&p);
}

/* ---- DMA and CPU pieces in a cached window ------------------------------- */

/* A VOB_MEM_CACHED window modelled as two copies of it: cm.c, the CPU's
 * cached view (the pointers vob works with), and cm.m, the memory the peer
 * reads. cache_clean writes whole lines c -> m, cache_invalidate refills
 * whole lines m -> c. The DMA engine writes m and runs beside the CPU: a
 * queued transfer lands at the next clean, that is between the CPU's refill
 * of a line and its write-back. With cm.drop set the port, on completion,
 * drops the CPU's copy of the lines the engine wrote, as the dma_copy
 * contract asks; without, it leaves the cache alone (the reviewer's model). */
#define CM_SIZE 4096u
#define CM_MAX_DMA 8u

static struct {
	uint8_t raw[CM_SIZE + LINE];
	uint8_t *c; /* line-aligned inside raw */
	uint8_t m[CM_SIZE];
	struct {
		uint8_t *dst;
		const void *src;
		size_t n;
		void *cookie;
	} dma[CM_MAX_DMA];
	unsigned ndma, dma_calls, dma_partial;
	bool drop;
} cm;

static size_t cm_off(const void *p)
{
	return (size_t)((uintptr_t)p - (uintptr_t)cm.c);
}

static void cm_lines(const void *p, size_t n, size_t *s, size_t *e)
{
	size_t o = cm_off(p);

	*s = o & ~(size_t)(LINE - 1u);
	*e = (o + n + LINE - 1u) & ~(size_t)(LINE - 1u);
	assert_true(*e <= CM_SIZE);
}

static void cm_invalidate(void *ctx, const void *p, size_t n)
{
	size_t s, e;

	(void)ctx;
	cm_lines(p, n, &s, &e);
	memcpy(cm.c + s, cm.m + s, e - s);
}

/* The engine finishes every queued transfer. */
static void cm_dma_land(void)
{
	unsigned i;

	for (i = 0; i < cm.ndma; i++) {
		memcpy(cm.m + cm_off(cm.dma[i].dst), cm.dma[i].src, cm.dma[i].n);
		if (cm.drop)
			cm_invalidate(NULL, cm.dma[i].dst, cm.dma[i].n);
		vob_dma_complete_isr(cm.dma[i].cookie, 0);
	}
	cm.ndma = 0;
}

static void cm_clean(void *ctx, const void *p, size_t n)
{
	size_t s, e;

	(void)ctx;
	cm_dma_land();
	cm_lines(p, n, &s, &e);
	memcpy(cm.m + s, cm.c + s, e - s);
}

static int cm_dma_copy(void *ctx, void *dst, const void *src, size_t n, void *cookie)
{
	(void)ctx;
	assert_true(cm.ndma < CM_MAX_DMA);
	cm.dma_calls++;
	if ((cm_off(dst) | n) & (LINE - 1u))
		cm.dma_partial++;
	cm.dma[cm.ndma].dst = (uint8_t *)dst;
	cm.dma[cm.ndma].src = src;
	cm.dma[cm.ndma].n = n;
	cm.dma[cm.ndma].cookie = cookie;
	cm.ndma++;
	return 0;
}

static void *cm_map(void *ctx, uint64_t addr, size_t len, unsigned access)
{
	(void)ctx;
	(void)len;
	(void)access;
	return cm.c + addr;
}

static int cm_bell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	(void)id;
	(void)data;
	return 0;
}

static const struct vob_port_ops cm_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = cm_map,
	.ring_doorbell = cm_bell,
	.cache_clean = cm_clean,
	.cache_invalidate = cm_invalidate,
	.dma_copy = cm_dma_copy,
};

/* A link over the model: the peer's memory all 'P', this CPU's cache stale. */
static void cm_setup(struct vob_link *link, bool drop)
{
	struct vob_window_cfg w = { 0, CM_SIZE, VOB_MEM_CACHED, VOB_WIN_PEER,
				    VOB_MAP_READ | VOB_MAP_WRITE };

	memset(&cm, 0, sizeof(cm));
	cm.drop = drop;
	cm.c = cm.raw + ((LINE - (uintptr_t)cm.raw % LINE) % LINE);
	memset(cm.m, 'P', CM_SIZE);
	memset(cm.c, 'x', CM_SIZE);
	assert_int_equal(vob_link_init(link, &cm_ops, NULL, LINE), 0);
	assert_true(vob_link_add_window(link, &w) >= 0);
}

/* Memory the peer reads holds @v in [from, to). */
static void cm_expect(size_t from, size_t to, uint8_t v)
{
	size_t i;

	for (i = from; i < to; i++)
		if (cm.m[i] != v)
			fail_msg("byte %zu of the window is '%c', not '%c'", i, cm.m[i], v);
}

/* A DMA piece and a CPU piece in one line of a cached writable segment: the
 * engine gets whole lines only, so the CPU's write-back of the line it
 * shares with the DMA'd bytes cannot revert them, within one call, across
 * two calls, and across two segments that share a line. */
static void dma_cpu_shared_line(bool drop)
{
	static uint8_t payload[1500], status[12], both[1512];
	struct vob_link link;
	struct vob_iov seg[2];
	struct vob_chain ch = { .iov = seg, .cap = 2, .n_in = 1, .in_len = 1512 };
	struct vob_iov src[2] = { { payload, 1500, 0 }, { status, 12, 0 } };
	struct vob_xfer x;

	memset(payload, 'D', sizeof(payload));
	memset(status, 'S', sizeof(status));
	memcpy(both, payload, sizeof(payload));
	memcpy(both + sizeof(payload), status, sizeof(status));

	/* One call: 1500 bytes (DMA) then a 12-byte trailer (CPU), both in
	 * line 23 (bytes 1472..1535) of one segment. */
	cm_setup(&link, drop);
	seg[0].base = cm.c;
	seg[0].len = 1512;
	seg[0].flags = VOB_IOV_WRITE | VOB_IOV_CACHED;
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_pushv(&link, &ch, 0, src, 2, &x), 1512);
	cm_dma_land();
	assert_int_equal(vob_xfer_done(&x), 1);
	assert_int_equal(cm.dma_calls, 1);
	cm_expect(0, 1500, 'D');
	cm_expect(1500, 1512, 'S');
	cm_expect(1512, CM_SIZE, 'P');
	assert_int_equal(cm.dma_partial, 0);

	/* Two calls on the chain: the trailer pushed at an offset after an
	 * earlier DMA push that has not completed yet. */
	cm_setup(&link, drop);
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_pushv(&link, &ch, 0, src, 1, &x), 1500);
	assert_int_equal(vob_chain_pushv(&link, &ch, 1500, src + 1, 1, &x), 12);
	cm_dma_land();
	assert_int_equal(vob_xfer_done(&x), 1);
	cm_expect(0, 1500, 'D');
	cm_expect(1500, 1512, 'S');
	cm_expect(1512, CM_SIZE, 'P');
	assert_int_equal(cm.dma_partial, 0);

	/* Two segments sharing line 24 (1536..1599), the first one starting
	 * inside line 0, from one flat buffer: the DMA'd part of the first
	 * segment is trimmed at both ends, the peer's bytes around survive. */
	cm_setup(&link, drop);
	seg[0].base = cm.c + 40;
	seg[0].len = 1500;
	seg[1].base = cm.c + 1540;
	seg[1].len = 12;
	seg[1].flags = VOB_IOV_WRITE | VOB_IOV_CACHED;
	ch.n_in = 2;
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_push(&link, &ch, 0, both, sizeof(both), &x), 1512);
	cm_dma_land();
	assert_int_equal(vob_xfer_done(&x), 1);
	assert_int_equal(cm.dma_calls, 1);
	cm_expect(0, 40, 'P');
	cm_expect(40, 1540, 'D');
	cm_expect(1540, 1552, 'S');
	cm_expect(1552, CM_SIZE, 'P');
	assert_int_equal(cm.dma_partial, 0);

	/* Fewer than VOB_DMA_MIN_BYTES of whole lines: all by the CPU. */
	cm_setup(&link, drop);
	seg[0].len = VOB_DMA_MIN_BYTES + LINE - 41u;
	ch.n_in = 1;
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_push(&link, &ch, 0, payload, seg[0].len, &x),
			 (int)seg[0].len);
	assert_int_equal(cm.dma_calls, 0);
	assert_int_equal(vob_xfer_done(&x), 1);
	cm_expect(0, 40, 'P');
	cm_expect(40, 40 + seg[0].len, 'D');
	cm_expect(40 + seg[0].len, CM_SIZE, 'P');

	/* Exactly VOB_DMA_MIN_BYTES starting inside a line: no part of a
	 * line goes to the engine. */
	cm_setup(&link, drop);
	seg[0].len = VOB_DMA_MIN_BYTES;
	vob_xfer_init(&x);
	assert_int_equal(vob_chain_push(&link, &ch, 0, payload, seg[0].len, &x),
			 (int)seg[0].len);
	cm_dma_land();
	assert_int_equal(vob_xfer_done(&x), 1);
	assert_int_equal(cm.dma_partial, 0);
	cm_expect(0, 40, 'P');
	cm_expect(40, 40 + seg[0].len, 'D');
	cm_expect(40 + seg[0].len, CM_SIZE, 'P');
}

static void test_dma_cpu_shared_line(void **state)
{
	(void)state;
	VOB_TEST_NEEDS_CACHED();
	if (!VOB_CFG_DMA)
		skip();
	dma_cpu_shared_line(false);
	dma_cpu_shared_line(true);
}

/* Payload in a cached window, ring memory coherent: both formats clean the
 * payload on add and invalidate the writable part on get_used, and do no
 * cache operation on the ring. */
static void test_payload_cache_ops(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	uint8_t buf[305];
	void *tok;
	uint32_t w;
	unsigned cl, inv;

	use_format(state);
	assert_int_equal(setup(&p, 8, F(INDIRECT_DESC), 4, 4096), 0);
	relink(&p, VOB_MEM_COHERENT, VOB_MEM_CACHED);
	cl = p.pdrv.cleans;
	make_chain(&p, &c, iov);
	assert_int_equal(p.pdrv.cleans - cl, 4); /* the four segments */
	assert_int_equal(p.pdrv.invalidates, 0);
	assert_int_equal(iov[0].flags & VOB_IOV_CACHED, VOB_IOV_CACHED);
	inv = p.pdev.invalidates;
	assert_int_equal(vob_chain_pull(&p.ldev, &c, 0, buf, sizeof(buf), NULL), 305);
	assert_int_equal(p.pdev.invalidates - inv, 2);
	cl = p.pdev.cleans;
	assert_int_equal(vob_chain_push(&p.ldev, &c, 0, buf, 10, NULL), 10);
	assert_int_equal(p.pdev.cleans - cl, 2);
	assert_int_equal(vob_vq_push(&p.dev, &c, 10), 0);
	assert_int_equal(p.pdev.cleans - cl, 2); /* ring: nothing */
	inv = p.pdrv.invalidates;
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal(p.pdrv.invalidates - inv, 2); /* the two writable buffers */
	/* Chained descriptors (5 > indirect_max) take the same path. */
	{
		struct vob_seg s[5] = {
			{ pair_buf_addr(&p, 0), 8 },	{ pair_buf_addr(&p, 64), 8 },
			{ pair_buf_addr(&p, 128), 8 },	{ pair_buf_addr(&p, 192), 8 },
			{ pair_buf_addr(&p, 256), 8 },
		};

		cl = p.pdrv.cleans;
		assert_int_equal(vob_vq_add(&p.drv, s, 2, 3, &p), 0);
		assert_int_equal(p.pdrv.cleans - cl, 5);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 24), 0);
		inv = p.pdrv.invalidates;
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal(w, 24);
		assert_int_equal(p.pdrv.invalidates - inv, 3);
	}
	pair_free(&p);
}

/* 65535 round trips, each published without a notification decision on
 * the side under test (the driver if @driver_side, else the device), then
 * the peer asks to be notified and one more chain is published: 65536
 * publishes since the last decision. The side must notify (before: a split
 * ring's 16-bit index was back where the last decision left it, and the
 * peer slept on a ring with work). */
static void kick_after_lap(uint64_t features, bool driver_side)
{
	struct vob_pair p;
	struct vob_iov iov[4];
	struct vob_chain c;
	void *tok;
	uint32_t w;
	unsigned i;

	assert_int_equal(setup(&p, 4, features, 0, 4096), 0);
	assert_int_equal(vob_vq_kick_prepare(driver_side ? &p.drv : &p.dev), 0);
	for (i = 0; i < 65536u; i++) {
		struct vob_seg s = { pair_buf_addr(&p, 0), 8 };

		if (i == 65535u)
			assert_int_equal(vob_vq_enable_notify(driver_side ? &p.dev : &p.drv), 0);
		assert_int_equal(vob_vq_add(&p.drv, &s, 0, 1, &p), 0);
		if (!driver_side)
			(void)vob_vq_kick_prepare(&p.drv);
		if (driver_side && i == 65535u)
			break;
		assert_int_equal(pop(&p, &c, iov, 4), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, 8), 0);
		if (driver_side)
			(void)vob_vq_kick_prepare(&p.dev);
		if (i < 65535u)
			assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	}
	assert_int_equal(vob_vq_kick_prepare(driver_side ? &p.drv : &p.dev), 1);
	/* That decision starts afresh: nothing published since, no notify. */
	assert_int_equal(vob_vq_kick_prepare(driver_side ? &p.drv : &p.dev), 0);
	pair_free(&p);
}

static void test_kick_after_lap(void **state)
{
	use_format(state);
	kick_after_lap(0, true);
	kick_after_lap(0, false);
	if (VOB_CFG_EVENT_IDX) {
		kick_after_lap(F(EVENT_IDX), true);
		kick_after_lap(F(EVENT_IDX), false);
	}
}

/* A failed init leaves a queue every call refuses (before: ENOMEM left
 * one not marked broken, with no ring mapped, and the next call crashed). */
static void test_failed_init_is_broken(void **state)
{
	struct vob_pair p;
	struct vob_vq vq;
	uint64_t small[8];
	uint64_t big[VOB_VQ_STATE_SIZE(16, 0) / 8 + 1];
	struct vob_vq_cfg bad;

	use_format(state);
	assert_int_equal(setup(&p, 16, 0, 0, 4096), 0);
	/* The state holds garbage: a failed init must not hand it out. */
	memset(small, 0x5a, sizeof(small));
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &p.cdrv, small, sizeof(small)), VOB_ENOMEM);
	assert_int_equal(vob_vq_enable_notify(&vq), VOB_EIO);
	assert_int_equal(vob_vq_kick_prepare(&vq), VOB_EIO);
	assert_null(vob_vq_reclaim(&vq));
	/* Same after a placement outside every window. */
	memset(big, 0x5a, sizeof(big));
	bad = p.cdrv;
	bad.device_addr = (uint64_t)1 << 40;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &bad, big, sizeof(big)), VOB_EFAULT);
	assert_null(vob_vq_reclaim(&vq));
	/* A bad argument breaks a working queue too: its old state may be
	 * gone. */
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &p.cdrv, big, sizeof(big)), 0);
	assert_arg_error(vob_vq_init(&vq, &p.ldrv, &p.cdrv, NULL, sizeof(big)), VOB_EINVAL);
	assert_int_equal(vob_vq_enable_notify(&vq), VOB_EIO);
	pair_free(&p);
}

static const uint64_t split_fmt = 0, packed_fmt = VOB_BIT(VOB_F_RING_PACKED);

#define BOTH(fn)                                                       \
	{ #fn "/split", fn, NULL, NULL, (void *)(uintptr_t)&split_fmt }, \
	{ #fn "/packed", fn, NULL, NULL, (void *)(uintptr_t)&packed_fmt }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_init_checks),
		BOTH(test_role_checks),
		BOTH(test_contract_assert),
		BOTH(test_area_access),
		BOTH(test_roundtrip_payload),
		BOTH(test_full_and_empty),
		BOTH(test_index_wraparound),
		BOTH(test_start_position),
		BOTH(test_start_position_in_order),
		BOTH(test_start_checks),
		BOTH(test_device_resume),
		BOTH(test_kick_flags),
		BOTH(test_kick_event_idx),
		BOTH(test_kick_event_idx_wrap),
		BOTH(test_notification_data),
		BOTH(test_indirect),
		BOTH(test_indirect_iov_flag),
		BOTH(test_push_head_range),
		BOTH(test_indirect_needs_tables),
		BOTH(test_in_order),
		BOTH(test_in_order_batch_from_device),
		BOTH(test_reclaim),
		BOTH(test_bad_used),
		BOTH(test_copy_sg),
		BOTH(test_copy_dma),
		BOTH(test_dma_piece_cut),
		BOTH(test_payload_cache_ops),
		BOTH(test_kick_after_lap),
		BOTH(test_failed_init_is_broken),
		cmocka_unit_test(test_dma_cpu_shared_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

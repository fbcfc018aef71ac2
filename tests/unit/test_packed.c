/* SPDX-License-Identifier: BSD-3-Clause */
/* The packed virtqueue at the wire level, both roles: sizes that are not
 * powers of two, the refusal of cached windows, wrap-counter flips at every
 * queue size from 1 to 256 and some large ones (with chains across the end
 * and a chain that fills the ring), buffer ids, event suppression words,
 * and every check on a hostile driver or device. The format-agnostic cases
 * run on both formats in test_vq.c. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "fake_port.h"
#include "vq_internal.h"

#define LINE 64u
#define F(x) VOB_BIT(VOB_F_##x)
#define PK F(RING_PACKED)

#define NEXT VOB_DESC_F_NEXT
#define WR VOB_DESC_F_WRITE
#define IND VOB_DESC_F_INDIRECT
/* AVAIL/USED bits of a descriptor made available, or used, with wrap @w. */
#define AV(w) ((uint16_t)((w) ? 0x0080u : 0x8000u))
#define US(w) ((uint16_t)((w) ? 0x8080u : 0u))

/* ---- a hostile driver or device writes raw wire bytes ---------------- */

static uint8_t *rd(struct vob_pair *p, uint16_t pos)
{
	return p->mem + p->ring_off + 16u * pos;
}

/* Write a descriptor at @pos: body, then the whole flags word. */
static void raw_desc(struct vob_pair *p, uint16_t pos, uint64_t addr, uint32_t len, uint16_t id,
		     uint16_t flags)
{
	uint8_t *d = rd(p, pos);

	vob_put_le64(d, addr);
	vob_put_le32(d + 8, len);
	vob_put_le16(d + 12, id);
	vob_store_le16((vob_le16_t *)(d + 14), flags);
}

static uint16_t raw_flags(struct vob_pair *p, uint16_t pos)
{
	return vob_get_le16(rd(p, pos) + 14);
}

static uint16_t raw_id(struct vob_pair *p, uint16_t pos)
{
	return vob_get_le16(rd(p, pos) + 12);
}

static uint32_t raw_len(struct vob_pair *p, uint16_t pos)
{
	return vob_get_le32(rd(p, pos) + 8);
}

/* The event suppression words: driver area, device area. */
static uint32_t drv_event(struct vob_pair *p)
{
	return vob_get_le32(p->mem + p->driver_off);
}

static uint32_t dev_event(struct vob_pair *p)
{
	return vob_get_le32(p->mem + p->device_off);
}

static void set_event(uint8_t *area, uint16_t off, uint8_t wrap, uint16_t flags)
{
	vob_put_le16(area, (uint16_t)(off | (wrap << 15)));
	vob_put_le16(area + 2, flags);
}

static void expect_pop_fault(struct vob_pair *p, enum vob_vq_fault fault)
{
	struct vob_iov iov[64];
	struct vob_chain c = { .iov = iov, .cap = 64 };

	assert_int_equal(vob_vq_pop(&p->dev, &c), VOB_EPROTO);
	assert_int_equal(vob_vq_fault(&p->dev), fault);
	assert_int_equal(vob_vq_stats(&p->dev)->errors, 1);
	assert_int_equal(vob_vq_pop(&p->dev, &c), VOB_EIO);
	assert_int_equal(vob_vq_enable_notify(&p->dev), VOB_EIO);
	assert_int_equal(vob_vq_kick_prepare(&p->dev), VOB_EIO);
	assert_int_equal(vob_vq_push(&p->dev, &c, 0), VOB_EIO);
}

static void expect_used_fault(struct vob_pair *p, enum vob_vq_fault fault)
{
	void *tok;
	uint32_t w;

	assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), VOB_EPROTO);
	assert_int_equal(vob_vq_fault(&p->drv), fault);
	assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), VOB_EIO);
}

static int pop(struct vob_pair *p, struct vob_chain *c, struct vob_iov *iov, uint16_t cap)
{
	c->iov = iov;
	c->cap = cap;
	return vob_vq_pop(&p->dev, c);
}

/* Move the real driver and device through @n one-segment buffers, so the
 * next positions are @n further on; every buffer is collected. */
static void advance(struct vob_pair *p, unsigned n)
{
	static struct vob_iov iov[VOB_VQ_MAX_SIZE];
	struct vob_chain c;
	struct vob_seg s = { pair_buf_addr(p, 0), 8 };
	void *tok;
	uint32_t w;

	while (n--) {
		assert_int_equal(vob_vq_add(&p->drv, &s, 1, 0, p), 0);
		assert_int_equal(pop(p, &c, iov, p->dev.seg_max), 0);
		assert_int_equal(vob_vq_push(&p->dev, &c, 0), 0);
		assert_int_equal(vob_vq_get_used(&p->drv, &tok, &w), 0);
	}
}

/* ---- set-up --------------------------------------------------------- */

static void test_sizes(void **state)
{
	static const uint16_t ok[] = { 1, 2, 3, 5, 7, 12, 100, 255, 1000, 4095, 32767, 32768 };
	struct vob_pair p;
	struct vob_vq vq;
	struct vob_vq_cfg c;
	static uint64_t st[VOB_VQ_STATE_SIZE(64, 0) / 8];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(pair_setup(&p, ok[i], PK, 0, 64), 0);
		assert_int_equal(p.drv.size, ok[i]);
		pair_free(&p);
	}
	assert_int_equal(pair_setup(&p, 12, PK, 0, 64), 0);
	c = p.cdrv;
	c.size = 0;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	c.size = 32769;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EINVAL);
	/* The packed areas are 4 bytes: a device area one line before the end
	 * of the window fits, one at the end does not. */
	c = p.cdrv;
	c.device_addr = p.base + p.len - LINE;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), 0);
	c.device_addr = p.base + p.len;
	assert_int_equal(vob_vq_init(&vq, &p.ldrv, &c, st, sizeof(st)), VOB_EFAULT);
	pair_free(&p);

	/* The layout macros. */
	assert_int_equal(VOB_PACKED_DESC_BYTES(5), 80);
	assert_int_equal(VOB_PACKED_DRIVER_OFF(5, 64), 128);
	assert_int_equal(VOB_PACKED_DEVICE_OFF(5, 64), 192);
	assert_int_equal(VOB_PACKED_RING_BYTES(5, 64), 256);
	assert_int_equal(VOB_PACKED_RING_BYTES(4, 64), 192);
	assert_int_equal(VOB_PACKED_RING_BYTES(32768, 256), 524288 + 512);
}

/* VOB_VQ_STATE_SIZE covers both roles of a packed queue of every size: the
 * driver's slots and indirect shadows are the split ring's; the device keeps
 * an in-flight bitmap, descriptor counts and the in-order pop list. */
static void test_state_size(void **state)
{
	unsigned n;

	(void)state;
	assert_true(sizeof(struct vob_vq_slot) <= VOB_VQ_SLOT_BYTES);
	for (n = 1; n <= VOB_VQ_MAX_SIZE; n++) {
		size_t dev = VOB_ALIGN_UP((n + 7u) / 8u, 8u) + 2u * n + 2u * n;

		assert_true(dev <= VOB_VQ_STATE_SIZE(n, 0));
	}
}

/* The driver zeroes the ring; each side writes its event structure. */
static void test_init_writes(void **state)
{
	struct vob_pair p;
	size_t i;

	(void)state;
	assert_int_equal(pair_setup(&p, 7, PK, 0, 64), 0); /* memory was 0xa5 */
	for (i = 0; i < VOB_PACKED_DESC_BYTES(7); i++)
		assert_int_equal(p.mem[p.ring_off + i], 0);
	assert_int_equal(drv_event(&p), 0x00008000u); /* off 0, wrap 1, ENABLE */
	assert_int_equal(dev_event(&p), 0x00008000u);
	pair_free(&p);
	assert_int_equal(pair_setup(&p, 7, PK | F(EVENT_IDX), 0, 64), 0);
	assert_int_equal(drv_event(&p), 0x00028000u); /* off 0, wrap 1, DESC */
	assert_int_equal(dev_event(&p), 0x00028000u);
	pair_free(&p);
}

/* The engine refuses a packed ring with any area, or the driver's indirect
 * tables, in a cached window; a split ring is fine there. Payload in a
 * cached window is fine for both (see test_vq.c). */
static void relink3(struct vob_pair *p, size_t from, size_t to)
{
	struct vob_window_cfg w[3] = {
		{ p->base, from, VOB_MEM_COHERENT, VOB_WIN_LOCAL, VOB_MAP_READ | VOB_MAP_WRITE },
		{ p->base + from, to - from, VOB_MEM_CACHED, VOB_WIN_LOCAL,
		  VOB_MAP_READ | VOB_MAP_WRITE },
		{ p->base + to, p->len - to, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
		  VOB_MAP_READ | VOB_MAP_WRITE },
	};
	unsigned i;

	assert_int_equal(vob_link_init(&p->ldrv, &fake_port_ops_full, &p->pdrv, 64), 0);
	assert_int_equal(vob_link_init(&p->ldev, &fake_port_ops_full, &p->pdev, 64), 0);
	for (i = 0; i < 3; i++) {
		if (!w[i].size)
			continue;
		assert_true(vob_link_add_window(&p->ldrv, &w[i]) >= 0);
		assert_true(vob_link_add_window(&p->ldev, &w[i]) >= 0);
	}
}

static void test_cached_refused(void **state)
{
	struct vob_pair p;
	struct vob_seg s = { 0, 8 };
	unsigned area, fmt;

	(void)state;
	for (fmt = 0; fmt < 2; fmt++) {
		for (area = 0; area < 5; area++) {
			size_t from, to;
			int want_drv, want_dev;

			assert_int_equal(pair_setup(&p, 16, (fmt ? PK : 0) | F(INDIRECT_DESC), 4, 4096),
					 0);
			switch (area) {
			case 0: /* descriptor area */
				from = p.ring_off;
				to = p.driver_off;
				break;
			case 1: /* driver area */
				from = p.driver_off;
				to = p.device_off;
				break;
			case 2: /* device area */
				from = p.device_off;
				to = p.ind_off;
				break;
			case 3: /* the driver's indirect tables */
				from = p.ind_off;
				to = p.buf_off;
				break;
			default: /* the whole ring and tables */
				from = 0;
				to = p.buf_off;
				break;
			}
			relink3(&p, from, to);
			want_drv = fmt ? VOB_ENOTSUP : 0;
			want_dev = fmt && area != 3 ? VOB_ENOTSUP : 0;
			assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &p.cdrv, p.sdrv,
						     VOB_VQ_STATE_SIZE(16, 4)),
					 want_drv);
			assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev,
						     VOB_VQ_STATE_SIZE(16, 0)),
					 want_dev);
			s.addr = pair_buf_addr(&p, 0);
			/* A refused queue fails every call. */
			assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), want_drv ? VOB_EIO : 0);
			pair_free(&p);
		}
	}
}

/* ---- wrap counters at every size ------------------------------------ */

/* Everything about one queue size: three laps of single buffers, chains
 * across the end of the ring, and a chain of exactly @n descriptors (from
 * position 0 and from the middle), checking the AVAIL/USED bits the driver
 * and the device write at every position. */
static void wrap_one_size(uint16_t n)
{
	struct vob_pair p;
	struct vob_iov *iov = calloc(n, sizeof(*iov));
	struct vob_seg *segs = calloc(n, sizeof(*segs));
	struct vob_chain c;
	unsigned long i, count = 0;
	uint16_t pos, start;
	uint8_t wrap;
	void *tok;
	uint32_t w;
	unsigned k, round;

	assert_non_null(iov);
	assert_non_null(segs);
	assert_int_equal(pair_setup(&p, n, PK, 0, 4096), 0);
	/* Three laps of one-descriptor buffers. */
	for (i = 0; i < 3ul * n + 1u; i++, count++) {
		struct vob_seg s = { pair_buf_addr(&p, 64u * (i & 7u)), 16 };
		unsigned wr = i & 1u;

		pos = (uint16_t)(count % n);
		wrap = (uint8_t)(((count / n) & 1u) ^ 1u);
		assert_int_equal(p.drv.avail_idx, pos);
		assert_int_equal(p.drv.avail_wrap, wrap);
		assert_int_equal(vob_vq_add(&p.drv, &s, !wr, wr, (void *)(uintptr_t)(i + 1)), 0);
		assert_int_equal(raw_flags(&p, pos), AV(wrap) | (wr ? WR : 0u));
		assert_int_equal(pop(&p, &c, iov, n), 0);
		assert_int_equal(c.n_out + c.n_in, 1);
		assert_int_equal(vob_vq_push(&p.dev, &c, wr ? 5u : 0u), 0);
		assert_int_equal(raw_flags(&p, pos), US(wrap) | (wr ? WR : 0u));
		assert_int_equal(raw_len(&p, pos), wr ? 5u : 0u);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal((uintptr_t)tok, i + 1);
		assert_int_equal(w, wr ? 5u : 0u);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	}
	/* Chains of up to 3 descriptors starting at each of the last positions
	 * of the ring, so they straddle its end. */
	for (round = 0; round < 2u && n > 1; round++) {
		unsigned len = n < 3 ? n : 3;

		/* Start at n - 2, then at n - 1 (n == 2: at 1 both times). */
		unsigned long target = n > 2 && round == 0 ? n - 2u : n - 1u;

		while (count % n != target) {
			advance(&p, 1);
			count++;
		}
		start = (uint16_t)(count % n);
		wrap = (uint8_t)(((count / n) & 1u) ^ 1u);
		for (k = 0; k < len; k++) {
			segs[k].addr = pair_buf_addr(&p, 64u * k);
			segs[k].len = 8;
		}
		assert_int_equal(vob_vq_add(&p.drv, segs, 1, len - 1, &p), 0);
		for (k = 0; k < len; k++) {
			uint32_t at = start + k;
			uint8_t wk = at >= n ? (uint8_t)!wrap : wrap;

			at = at >= n ? at - n : at;
			assert_int_equal(raw_flags(&p, (uint16_t)at) & 0x8080u, AV(wk));
		}
		assert_int_equal(pop(&p, &c, iov, n), 0);
		assert_int_equal(c.n_out + c.n_in, len);
		assert_int_equal(vob_vq_push(&p.dev, &c, 8u * (len - 1)), 0);
		/* One used descriptor, at the chain's first position. */
		assert_int_equal(raw_flags(&p, start) & 0x8080u, US(wrap));
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_int_equal(w, 8u * (len - 1));
		count += len;
		assert_int_equal(p.drv.last_used, count % n);
		assert_int_equal(p.drv.used_wrap, ((count / n) & 1u) ^ 1u);
		assert_int_equal(p.dev.used_idx, count % n);
		assert_int_equal(p.dev.avail_wrap, ((count / n) & 1u) ^ 1u);
	}
	/* A chain that fills the ring exactly, from where we are and from 0. */
	for (round = 0; round < 2u; round++) {
		while (round == 1 && count % n) {
			advance(&p, 1);
			count++;
		}
		start = (uint16_t)(count % n);
		wrap = (uint8_t)(((count / n) & 1u) ^ 1u);
		for (k = 0; k < n; k++) {
			segs[k].addr = pair_buf_addr(&p, 64u * (k & 7u));
			segs[k].len = 4;
		}
		assert_int_equal(vob_vq_add(&p.drv, segs, n / 2u, n - n / 2u, segs), 0);
		assert_int_equal(p.drv.num_free, 0);
		assert_int_equal(vob_vq_add(&p.drv, segs, 1, 0, segs), VOB_ENOSPC);
		/* The driver's wrap flipped once; its position is back at start. */
		assert_int_equal(p.drv.avail_idx, start);
		assert_int_equal(p.drv.avail_wrap, !wrap);
		assert_int_equal(raw_flags(&p, start) & 0x8080u, AV(wrap));
		if (start)
			assert_int_equal(raw_flags(&p, 0) & 0x8080u, AV(!wrap));
		assert_int_equal(pop(&p, &c, iov, n), 0);
		assert_int_equal(c.n_out, n / 2u);
		assert_int_equal(c.n_in, n - n / 2u);
		assert_int_equal(pop(&p, &c, iov, n), VOB_EAGAIN);
		assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c, c.in_len), 0);
		assert_int_equal(raw_flags(&p, start), US(wrap) | WR);
		assert_int_equal(raw_id(&p, start), c.head);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, segs);
		assert_int_equal(w, 4u * (n - n / 2u));
		count += n;
		assert_int_equal(p.drv.last_used, start);
		assert_int_equal(p.drv.used_wrap, !wrap);
		assert_int_equal(p.dev.last_avail, start);
		assert_int_equal(p.dev.used_wrap, !wrap);
		assert_int_equal(p.drv.num_free, n);
		/* And the next buffer carries the flipped counter. */
		advance(&p, 1);
		assert_int_equal(raw_flags(&p, start) & 0x8080u, US(!wrap));
		count++;
	}
	assert_int_equal(vob_vq_stats(&p.drv)->errors + vob_vq_stats(&p.dev)->errors, 0);
	pair_free(&p);
	free(iov);
	free(segs);
}

static void test_wrap_every_size(void **state)
{
	static const uint16_t large[] = { 1000, 4096, 32767, 32768 };
	unsigned n;

	(void)state;
	for (n = 1; n <= 256; n++)
		wrap_one_size((uint16_t)n);
	for (n = 0; n < sizeof(large) / sizeof(large[0]); n++)
		wrap_one_size(large[n]);
}

/* ---- buffer ids ------------------------------------------------------- */

/* A driver that is not vob: arbitrary ids, the id only in the last
 * descriptor. The device skips each chain's length when it writes used
 * descriptors out of order. */
static void test_foreign_ids_and_skipping(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain a, b, c;

	(void)state;
	assert_int_equal(pair_setup(&p, 6, PK, 0, 4096), 0);
	/* Chain A: 3 descriptors at 0..2, id 5; chain B: 1 at 3, id 0. */
	raw_desc(&p, 2, pair_buf_addr(&p, 128), 8, 5, WR | AV(1));
	raw_desc(&p, 1, pair_buf_addr(&p, 64), 8, 0xffff, NEXT | AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 0xeeee, NEXT | AV(1));
	raw_desc(&p, 3, pair_buf_addr(&p, 192), 4, 0, AV(1));
	assert_int_equal(pop(&p, &a, iov, 6), 0);
	assert_int_equal(a.head, 5);
	assert_int_equal(a.n_out, 2);
	assert_int_equal(a.n_in, 1);
	assert_int_equal(pop(&p, &b, iov + 3, 5), VOB_EINVAL); /* cap below seg_max */
	{
		struct vob_iov more[6];

		assert_int_equal(pop(&p, &b, more, 6), 0);
	}
	assert_int_equal(b.head, 0);
	/* B completes first: its used descriptor goes at 0, then A's at 1. */
	assert_int_equal(vob_vq_push(&p.dev, &b, 0), 0);
	assert_int_equal(raw_flags(&p, 0), US(1));
	assert_int_equal(raw_id(&p, 0), 0);
	assert_int_equal(vob_vq_push(&p.dev, &a, 7), 0);
	assert_int_equal(raw_flags(&p, 1), US(1) | WR);
	assert_int_equal(raw_id(&p, 1), 5);
	assert_int_equal(raw_len(&p, 1), 7);
	/* The next used descriptor goes after all four positions: 4. */
	assert_int_equal(p.dev.used_idx, 4);
	/* Id 5 is free again; a chain at 4,5 wraps the device's counter. */
	raw_desc(&p, 5, pair_buf_addr(&p, 0), 8, 5, WR | AV(1));
	raw_desc(&p, 4, pair_buf_addr(&p, 0), 8, 9, NEXT | AV(1));
	assert_int_equal(pop(&p, &c, iov, 6), 0);
	assert_int_equal(c.head, 5);
	assert_int_equal(p.dev.last_avail, 0);
	assert_int_equal(p.dev.avail_wrap, 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(p.dev.used_idx, 0);
	assert_int_equal(p.dev.used_wrap, 0);
	pair_free(&p);
}

/* Chains of different lengths completed out of order: the vob driver
 * follows the device's skips and keeps its ids straight. */
static void test_out_of_order_lengths(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[3][8];
	struct vob_chain c[3];
	struct vob_seg s[3];
	void *tok;
	uint32_t w;
	unsigned round, k;

	(void)state;
	assert_int_equal(pair_setup(&p, 7, PK, 0, 4096), 0);
	for (k = 0; k < 3; k++)
		s[k] = (struct vob_seg){ pair_buf_addr(&p, 64u * k), 8 };
	for (round = 0; round < 40; round++) {
		/* 3, 1 and 2 descriptors: 6 of 7 positions. */
		assert_int_equal(vob_vq_add(&p.drv, s, 2, 1, &c[0]), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 0, 1, &c[1]), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &c[2]), 0);
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), VOB_ENOSPC);
		for (k = 0; k < 3; k++)
			assert_int_equal(pop(&p, &c[k], iov[k], 8), 0);
		/* Used in the order 2, 0, 1. */
		assert_int_equal(vob_vq_push(&p.dev, &c[2], 1), 0);
		assert_int_equal(vob_vq_push(&p.dev, &c[0], 2), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &c[2]);
		assert_int_equal(w, 1);
		assert_int_equal(vob_vq_push(&p.dev, &c[1], 3), 0);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &c[0]);
		assert_int_equal(w, 2);
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &c[1]);
		assert_int_equal(w, 3);
		assert_int_equal(p.drv.num_free, 7);
		assert_int_equal(p.drv.last_used, p.drv.avail_idx);
	}
	pair_free(&p);
}

/* With IN_ORDER the device takes any ids (a foreign driver's), and returns
 * chains only in the order popped. */
static void test_in_order_device(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[2][8];
	struct vob_chain c[2];

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK | F(IN_ORDER), 0, 4096), 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 8, 6, AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 2, NEXT | AV(1));
	raw_desc(&p, 2, pair_buf_addr(&p, 0), 8, 4, WR | AV(1));
	assert_int_equal(pop(&p, &c[0], iov[0], 8), 0);
	assert_int_equal(pop(&p, &c[1], iov[1], 8), 0);
	assert_int_equal(c[0].head, 6);
	assert_int_equal(c[1].head, 4);
	assert_int_equal(vob_vq_push(&p.dev, &c[1], 0), VOB_EINVAL);
	assert_int_equal(vob_vq_push(&p.dev, &c[0], 0), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c[1], 8), 0);
	assert_int_equal(raw_id(&p, 0), 6);
	assert_int_equal(raw_id(&p, 2), 4);
	assert_int_equal(raw_flags(&p, 2), US(1) | WR);
	pair_free(&p);
}

/* An IN_ORDER batch of multi-descriptor chains: one used descriptor at the
 * batch's first position; the driver skips all their positions. */
static void test_in_order_batch_lengths(void **state)
{
	struct vob_pair p;
	struct vob_seg s[3];
	int t[3];
	void *tok;
	uint32_t w;
	unsigned i, k;

	(void)state;
	assert_int_equal(pair_setup(&p, 10, PK | F(IN_ORDER), 0, 4096), 0);
	for (k = 0; k < 3; k++)
		s[k] = (struct vob_seg){ pair_buf_addr(&p, 64u * k), 8 };
	for (i = 0; i < 3; i++)
		assert_int_equal(vob_vq_add(&p.drv, s, 1, 2, &t[i]), 0);
	/* ids are the first positions: 0, 3, 6. The device names 6 at 0. */
	raw_desc(&p, 0, 0, 16, 6, US(1) | WR);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
		assert_ptr_equal(tok, &t[i]);
		/* The skipped chains count as used completely: 2 x 8 bytes. */
		assert_int_equal(w, 16u);
	}
	assert_int_equal(p.drv.last_used, 9);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	/* The next chain wraps: positions 9, 0, 1; its id is 9. */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 2, &t[0]), 0);
	assert_int_equal(raw_flags(&p, 9) & 0x8080u, AV(1));
	assert_int_equal(raw_flags(&p, 0) & 0x8080u, AV(0));
	raw_desc(&p, 9, 0, 0, 9, US(1));
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	assert_int_equal(p.drv.last_used, 2);
	assert_int_equal(p.drv.used_wrap, 0);
	/* A batch naming a position inside a chain (not an id). */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 2, &t[1]), 0);
	raw_desc(&p, 2, 0, 0, 3, US(0));
	expect_used_fault(&p, VOB_FAULT_IN_ORDER);
	pair_free(&p);
}

/* ---- a hostile device ------------------------------------------------- */

static void test_used_flags(void **state)
{
	struct vob_pair p;
	struct vob_seg s[2];
	void *tok;
	uint32_t w;

	(void)state;
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	s[0] = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	s[1] = (struct vob_seg){ pair_buf_addr(&p, 64), 10 };
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	/* Available-looking, or used with the other wrap: not used. */
	raw_desc(&p, 0, 0, 0, 0, AV(1));
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	raw_desc(&p, 0, 0, 0, 0, US(0) | WR);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 0);
	/* Without WRITE the length is reserved: ignored, 0 written. NEXT is
	 * reserved in used descriptors: ignored. */
	raw_desc(&p, 0, 0, 0xffffffffu, 0, US(1) | NEXT);
	assert_int_equal(vob_vq_enable_notify(&p.drv), 1);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_ptr_equal(tok, &p);
	assert_int_equal(w, 0);
	/* The next used descriptor is looked for at 2, not 1. */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 1, &p), 0);
	raw_desc(&p, 1, 0, 10, 0, US(1) | WR);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), VOB_EAGAIN);
	raw_desc(&p, 2, 0, 10, 0, US(1) | WR);
	assert_int_equal(vob_vq_get_used(&p.drv, &tok, &w), 0);
	assert_int_equal(w, 10);
	/* An id beyond 15 bits. */
	assert_int_equal(vob_vq_add(&p.drv, s, 1, 0, &p), 0);
	raw_desc(&p, 0, 0, 0, 0x8000u, US(0));
	expect_used_fault(&p, VOB_FAULT_USED_ID);
	pair_free(&p);
}

/* ---- a hostile driver: every device-side check ----------------------- */

static void test_not_available(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	/* Zeroed, used-looking or stale: not available, not a fault. */
	assert_int_equal(pop(&p, &c, iov, 8), VOB_EAGAIN);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 0, US(1));
	assert_int_equal(pop(&p, &c, iov, 8), VOB_EAGAIN);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 0, AV(0));
	assert_int_equal(pop(&p, &c, iov, 8), VOB_EAGAIN);
	assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 0, AV(1));
	assert_int_equal(vob_vq_enable_notify(&p.dev), 1);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_fault(&p.dev), VOB_FAULT_NONE);
	pair_free(&p);
}

static void test_bad_id(void **state)
{
	struct vob_pair p;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 8, AV(1));
	expect_pop_fault(&p, VOB_FAULT_HEAD_RANGE);
	pair_free(&p);
	/* The id of a chain is its last descriptor's. */
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 8, 0xffff, AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 1, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_HEAD_RANGE);
	pair_free(&p);
}

static void test_id_busy(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 3, AV(1));
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 8, 3, AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	expect_pop_fault(&p, VOB_FAULT_HEAD_BUSY);
	pair_free(&p);
	/* Once pushed, the same id may come again. */
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 3, AV(1));
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 8, 3, AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.head, 3);
	pair_free(&p);
}

/* A later descriptor of a chain is not available with the wrap counter of
 * its position: published out of order, or marked with the wrong lap. */
static void test_chain_not_available(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 0, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_PACKED_WRAP); /* position 1 still zero */
	pair_free(&p);
	/* Across the end of the ring, the descriptor at 0 keeps the old lap. */
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	advance(&p, 3);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 1, AV(1));
	raw_desc(&p, 3, pair_buf_addr(&p, 0), 8, 1, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_PACKED_WRAP);
	pair_free(&p);
	/* With the new lap it is taken. */
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	advance(&p, 3);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 1, AV(0));
	raw_desc(&p, 3, pair_buf_addr(&p, 0), 8, 1, NEXT | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_out, 2);
	assert_int_equal(p.dev.last_avail, 1);
	assert_int_equal(p.dev.avail_wrap, 0);
	pair_free(&p);
}

/* More descriptors available than the ring holds: the driver overwrote
 * positions whose chains are still in flight on the device. */
static void test_overrun(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_seg s;
	unsigned i;

	(void)state;
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	s = (struct vob_seg){ pair_buf_addr(&p, 0), 8 };
	for (i = 0; i < 4; i++) {
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
	}
	/* All four in flight; position 0 made available again (new lap). */
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 3, AV(0));
	expect_pop_fault(&p, VOB_FAULT_AVAIL_IDX);
	pair_free(&p);
	/* Three in flight, and a two-descriptor chain at 3, 0. */
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
	}
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 8, 3, AV(0));
	raw_desc(&p, 3, pair_buf_addr(&p, 0), 8, 3, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_AVAIL_IDX);
	pair_free(&p);
	/* Three in flight and one more: fine. */
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
		assert_int_equal(pop(&p, &c, iov, 8), 0);
	}
	raw_desc(&p, 3, pair_buf_addr(&p, 0), 8, 3, AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	pair_free(&p);
}

/* Every descriptor of the ring says NEXT: a chain longer than the ring. */
static void test_chain_longer_than_ring(void **state)
{
	struct vob_pair p;
	uint16_t i;

	(void)state;
	assert_int_equal(pair_setup(&p, 4, PK, 0, 4096), 0);
	for (i = 0; i < 4; i++)
		raw_desc(&p, i, pair_buf_addr(&p, 0), 8, 0, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_LOOP);
	pair_free(&p);
}

static void test_too_long(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[4];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	p.cdev.seg_max = 2;
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(8, 0)), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 4, 0, NEXT | AV(1));
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 4, 0, AV(1));
	raw_desc(&p, 2, pair_buf_addr(&p, 0), 4, 1, NEXT | AV(1));
	raw_desc(&p, 3, pair_buf_addr(&p, 0), 4, 1, NEXT | AV(1));
	raw_desc(&p, 4, pair_buf_addr(&p, 0), 4, 1, AV(1));
	assert_int_equal(pop(&p, &c, iov, 2), 0); /* two descriptors: fine */
	expect_pop_fault(&p, VOB_FAULT_TOO_LONG);
	pair_free(&p);
}

static void test_len_overflow(void **state)
{
	struct vob_pair p;
	const uint64_t big_base = 0x100000000ull;
	const size_t big_len = (size_t)5 << 30;
	struct vob_window_cfg w = { big_base, big_len, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };
	void *big;

	(void)state;
	/* 5 GiB of address space, never touched: the device only translates. */
	big = mmap(NULL, big_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED || sizeof(size_t) < 8)
		skip();
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	fake_port_add_region(&p.pdev, big_base, big, big_len);
	assert_true(vob_link_add_window(&p.ldev, &w) >= 0);
	raw_desc(&p, 2, big_base, 1, 0, WR | AV(1));
	raw_desc(&p, 1, big_base + 0x80000000u, 0x7fffffffu, 0, NEXT | AV(1));
	raw_desc(&p, 0, big_base, 0x80000000u, 0, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_LEN_OVERFLOW);
	pair_free(&p);
	/* Through an indirect table too. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	fake_port_add_region(&p.pdev, big_base, big, big_len);
	assert_true(vob_link_add_window(&p.ldev, &w) >= 0);
	{
		uint8_t *t = pair_buf(&p, 1024);

		vob_put_le64(t, big_base);
		vob_put_le32(t + 8, 0xffffffffu);
		vob_put_le16(t + 14, 0);
		vob_put_le64(t + 16, big_base);
		vob_put_le32(t + 24, 1);
		vob_put_le16(t + 30, WR);
	}
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 32, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_LEN_OVERFLOW);
	pair_free(&p);
	munmap(big, big_len);
}

static void test_direction(void **state)
{
	struct vob_pair p;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 64), 4, 0, AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 4, 0, WR | NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_DIRECTION);
	pair_free(&p);
	/* Also when the writable descriptor before it is empty. */
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 64), 4, 0, AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 0, 0, WR | NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_DIRECTION);
	pair_free(&p);
}

static void put_entry(uint8_t *t, unsigned i, uint64_t addr, uint32_t len, uint16_t flags)
{
	vob_put_le64(t + 16u * i, addr);
	vob_put_le32(t + 16u * i + 8, len);
	vob_put_le16(t + 16u * i + 12, 0x7777); /* ignored */
	vob_put_le16(t + 16u * i + 14, flags);
}

static void test_indirect_rules(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	uint8_t *t;

	(void)state;
	/* Not negotiated. */
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 16, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_INDIRECT);
	pair_free(&p);
	/* INDIRECT with NEXT. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	put_entry(pair_buf(&p, 1024), 0, pair_buf_addr(&p, 0), 4, 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 4, 0, AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 16, 0, IND | NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_INDIRECT);
	pair_free(&p);
	/* INDIRECT at the end of a NEXT chain (packed forbids any mix). */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	put_entry(pair_buf(&p, 1024), 0, pair_buf_addr(&p, 0), 4, 0);
	raw_desc(&p, 1, pair_buf_addr(&p, 1024), 16, 0, IND | AV(1));
	raw_desc(&p, 0, pair_buf_addr(&p, 0), 4, 0, NEXT | AV(1));
	expect_pop_fault(&p, VOB_FAULT_INDIRECT);
	pair_free(&p);
	/* Lengths: zero, not a multiple of 16, more entries than seg_max. */
	{
		static const uint32_t bad[] = { 0, 24, 16u * 9u };

		for (unsigned i = 0; i < 3; i++) {
			assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
			raw_desc(&p, 0, pair_buf_addr(&p, 1024), bad[i], 0, IND | AV(1));
			expect_pop_fault(&p, VOB_FAULT_INDIRECT_LEN);
			pair_free(&p);
		}
	}
	/* Exactly seg_max entries is fine. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	for (unsigned i = 0; i < 8; i++)
		put_entry(pair_buf(&p, 1024), i, pair_buf_addr(&p, 4u * i), 4, 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 16u * 8u, 0, IND | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.n_out, 8);
	pair_free(&p);
	/* Nested. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	put_entry(pair_buf(&p, 1024), 0, pair_buf_addr(&p, 2048), 16, IND);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 16, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_INDIRECT_NESTED);
	pair_free(&p);
	/* Table outside the window. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	raw_desc(&p, 0, p.base + p.len - 16, 32, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_ADDRESS);
	pair_free(&p);
	/* An entry outside the window. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	put_entry(pair_buf(&p, 1024), 0, p.base + p.len - 4, 8, 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 16, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_ADDRESS);
	pair_free(&p);
	/* Readable after writable inside the table. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	put_entry(pair_buf(&p, 1024), 0, pair_buf_addr(&p, 0), 8, WR);
	put_entry(pair_buf(&p, 1024), 1, pair_buf_addr(&p, 64), 8, 0);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 32, 0, IND | AV(1));
	expect_pop_fault(&p, VOB_FAULT_DIRECTION);
	pair_free(&p);
	/* Accepted: NEXT and ids in the table are ignored, WRITE on the
	 * pointing descriptor too; the length gives the count. */
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	t = pair_buf(&p, 1024);
	put_entry(t, 0, pair_buf_addr(&p, 0), 8, NEXT);
	put_entry(t, 1, pair_buf_addr(&p, 64), 0, NEXT | WR);
	put_entry(t, 2, pair_buf_addr(&p, 128), 6, WR);
	put_entry(t, 3, pair_buf_addr(&p, 192), 5, NEXT | WR);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 64, 4, IND | WR | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.head, 4);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 2); /* the empty one left out */
	assert_int_equal(c.in_len, 11);
	assert_ptr_equal(iov[2].base, pair_buf(&p, 192));
	assert_int_equal(p.dev.last_avail, 1);
	/* A table at an odd address is read byte-wise (UBSan checks). */
	t = pair_buf(&p, 2048 + 3);
	put_entry(t, 0, pair_buf_addr(&p, 0), 8, 0);
	put_entry(t, 1, pair_buf_addr(&p, 64), 9, WR);
	raw_desc(&p, 1, pair_buf_addr(&p, 2048 + 3), 32, 1, IND | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.head, 1);
	assert_int_equal(c.out_len, 8);
	assert_int_equal(c.in_len, 9);
	pair_free(&p);
}

/* A device that reads an indirect table through a cached mapping of its
 * own drops its stale copy first (the ring itself stays uncached). */
static void test_indirect_table_cached_on_device(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;
	struct vob_window_cfg ring = { 0, 0, VOB_MEM_UNCACHED, VOB_WIN_LOCAL,
				       VOB_MAP_READ | VOB_MAP_WRITE };
	struct vob_window_cfg buf = { 0, 0, VOB_MEM_CACHED, VOB_WIN_PEER,
				      VOB_MAP_READ | VOB_MAP_WRITE };
	unsigned inv;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK | F(INDIRECT_DESC), 0, 4096), 0);
	ring.link_addr = p.base;
	ring.size = p.buf_off;
	buf.link_addr = p.base + p.buf_off;
	buf.size = p.len - p.buf_off;
	assert_int_equal(vob_link_init(&p.ldev, &fake_port_ops_full, &p.pdev, 64), 0);
	assert_true(vob_link_add_window(&p.ldev, &ring) >= 0);
	assert_true(vob_link_add_window(&p.ldev, &buf) >= 0);
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(8, 0)), 0);
	put_entry(pair_buf(&p, 1024), 0, pair_buf_addr(&p, 0), 8, 0);
	put_entry(pair_buf(&p, 1024), 1, pair_buf_addr(&p, 64), 8, WR);
	raw_desc(&p, 0, pair_buf_addr(&p, 1024), 32, 2, IND | AV(1));
	inv = p.pdev.invalidates;
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(p.pdev.invalidates - inv, 1); /* the table, nothing of the ring */
	assert_int_equal(iov[0].flags, VOB_IOV_CACHED | VOB_IOV_INDIRECT);
	assert_int_equal(iov[1].flags, VOB_IOV_CACHED | VOB_IOV_WRITE | VOB_IOV_INDIRECT);
	assert_int_equal(vob_vq_push(&p.dev, &c, 8), 0);
	assert_int_equal(p.pdev.cleans, 0);
	pair_free(&p);
}

static void test_address(void **state)
{
	struct vob_pair p;
	struct vob_window_cfg w = { 0x80000000ull, 4096, VOB_MEM_COHERENT, VOB_WIN_PEER,
				    VOB_MAP_READ };
	static uint8_t ro[4096];
	struct vob_iov iov[8];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, p.base + p.len - 4, 8, 0, AV(1)); /* straddles the end */
	expect_pop_fault(&p, VOB_FAULT_ADDRESS);
	pair_free(&p);
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	raw_desc(&p, 0, UINT64_MAX - 3, 8, 0, AV(1)); /* wraps */
	expect_pop_fault(&p, VOB_FAULT_ADDRESS);
	pair_free(&p);
	/* A writable segment in a window this side may only read. */
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	fake_port_add_region(&p.pdev, 0x80000000ull, ro, sizeof(ro));
	assert_true(vob_link_add_window(&p.ldev, &w) >= 0);
	raw_desc(&p, 0, 0x80000000ull, 8, 0, AV(1));
	raw_desc(&p, 1, 0x80000000ull, 8, 1, WR | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0); /* readable: fine */
	expect_pop_fault(&p, VOB_FAULT_ADDRESS);
	pair_free(&p);
}

static void test_zero_length_segments_skipped(void **state)
{
	struct vob_pair p;
	struct vob_iov iov[8];
	struct vob_chain c;

	(void)state;
	assert_int_equal(pair_setup(&p, 8, PK, 0, 4096), 0);
	/* A zero-length descriptor may even point outside every window. */
	raw_desc(&p, 2, pair_buf_addr(&p, 64), 0, 6, WR | AV(1));
	raw_desc(&p, 1, pair_buf_addr(&p, 0), 8, 0, NEXT | AV(1));
	raw_desc(&p, 0, 0xdead0000, 0, 0, NEXT | AV(1));
	assert_int_equal(pop(&p, &c, iov, 8), 0);
	assert_int_equal(c.head, 6);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 0);
	assert_ptr_equal(iov[0].base, pair_buf(&p, 0));
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), 0);
	assert_int_equal(vob_vq_push(&p.dev, &c, 0), VOB_EINVAL);
	assert_int_equal(p.dev.used_idx, 3);
	pair_free(&p);
}

/* ---- event suppression ------------------------------------------------ */

static void test_event_words(void **state)
{
	struct vob_pair p;
	struct vob_seg s = { 0, 8 };

	(void)state;
	assert_int_equal(pair_setup(&p, 5, PK | F(EVENT_IDX), 0, 4096), 0);
	advance(&p, 7);
	/* Both sides at position 2, wrap 0. enable writes DESC there. */
	assert_int_equal(vob_vq_enable_notify(&p.drv), 0);
	assert_int_equal(drv_event(&p), 0x00020002u);
	assert_int_equal(vob_vq_enable_notify(&p.dev), 0);
	assert_int_equal(dev_event(&p), 0x00020002u);
	/* Unlike a split ring's, disable writes DISABLE, once. */
	vob_vq_disable_notify(&p.drv);
	assert_int_equal(drv_event(&p) >> 16, 1);
	vob_vq_disable_notify(&p.dev);
	assert_int_equal(dev_event(&p) >> 16, 1);
	vob_memset(p.mem + p.driver_off, 0xee, 4);
	vob_vq_disable_notify(&p.drv);
	assert_int_equal(drv_event(&p), 0xeeeeeeeeu);
	pair_free(&p);

	/* The device's interrupt decision, reading what a driver wrote. */
	assert_int_equal(pair_setup(&p, 5, PK | F(EVENT_IDX), 0, 4096), 0);
	advance(&p, 4);
	(void)vob_vq_kick_prepare(&p.dev); /* published 0..3 */
	advance(&p, 2);
	/* The device published positions 4 (wrap 1) and 0 (wrap 0). */
	set_event(p.mem + p.driver_off, 4, 1, 2); /* previous lap, inside */
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	advance(&p, 2);
	/* Now 1 and 2 (wrap 0). */
	set_event(p.mem + p.driver_off, 4, 1, 2); /* previous lap, before them */
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 0);
	advance(&p, 1);
	set_event(p.mem + p.driver_off, 3, 1, 2); /* 3 of the previous lap: long past */
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 0);
	advance(&p, 1);
	/* Published 4 (wrap 0); the device's counter flipped to 1. */
	set_event(p.mem + p.driver_off, 4, 0, 2); /* the lap just ended, inside */
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	/* Flags: DISABLE, ENABLE, the reserved value; nothing new: never. */
	advance(&p, 1);
	set_event(p.mem + p.driver_off, 0, 0, 1);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 0);
	advance(&p, 1);
	set_event(p.mem + p.driver_off, 0, 0, 0);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 0);
	advance(&p, 1);
	set_event(p.mem + p.driver_off, 0, 0, 3);
	assert_int_equal(vob_vq_kick_prepare(&p.dev), 1);
	pair_free(&p);

	/* DESC without EVENT_IDX is taken as ENABLE. */
	assert_int_equal(pair_setup(&p, 5, PK, 0, 4096), 0);
	s.addr = pair_buf_addr(&p, 0);
	set_event(p.mem + p.device_off, 3, 1, 2);
	assert_int_equal(vob_vq_add(&p.drv, &s, 1, 0, &p), 0);
	assert_int_equal(vob_vq_kick_prepare(&p.drv), 1);
	pair_free(&p);
}

static void test_notification_data_wrap(void **state)
{
	struct vob_pair p;
	struct vob_vq_cfg cfg;
	unsigned i;

	(void)state;
	assert_int_equal(pair_setup(&p, 3, PK | F(NOTIFICATION_DATA), 0, 4096), 0);
	cfg = p.cdrv;
	cfg.index = 0x1234;
	assert_int_equal(vob_vq_init(&p.drv, &p.ldrv, &cfg, p.sdrv, VOB_VQ_STATE_SIZE(3, 0)), 0);
	assert_int_equal(vob_vq_notify(&p.drv), 0);
	assert_int_equal(p.pdrv.last_data, 0x80001234u); /* off 0, wrap 1 */
	for (i = 1; i <= 7; i++) {
		advance(&p, 1);
		assert_int_equal(vob_vq_kick(&p.drv), 1);
		assert_int_equal(p.pdrv.last_data,
				 0x1234u | ((i % 3u) << 16) | ((((i / 3u) & 1u) ^ 1u) << 31));
	}
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_state_size),
		cmocka_unit_test(test_init_writes),
		cmocka_unit_test(test_cached_refused),
		cmocka_unit_test(test_wrap_every_size),
		cmocka_unit_test(test_foreign_ids_and_skipping),
		cmocka_unit_test(test_out_of_order_lengths),
		cmocka_unit_test(test_in_order_device),
		cmocka_unit_test(test_in_order_batch_lengths),
		cmocka_unit_test(test_used_flags),
		cmocka_unit_test(test_not_available),
		cmocka_unit_test(test_bad_id),
		cmocka_unit_test(test_id_busy),
		cmocka_unit_test(test_chain_not_available),
		cmocka_unit_test(test_overrun),
		cmocka_unit_test(test_chain_longer_than_ring),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_len_overflow),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_indirect_rules),
		cmocka_unit_test(test_indirect_table_cached_on_device),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_zero_length_segments_skipped),
		cmocka_unit_test(test_event_words),
		cmocka_unit_test(test_notification_data_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

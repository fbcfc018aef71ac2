/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-blk, both roles over the table of a class_world: the config layout,
 * thousands of random reads and writes against a mirror, flush, get_id,
 * discard and write zeroes, a read-only device, the capacity edge, every
 * malformed request a hostile driver can build (sent by hand through the
 * driver's queue), every bad answer a hostile device can give (a hand-made
 * device in the table), and resets with requests in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "class_world.h"
#include "vob/blk.h"

#define NSECT 2048u
#define DISK_BYTES (NSECT * 512u)
#define POOL_BUF 4096u
#define POOL_N 40u
#define RAW_BYTES (160u * 1024u)
#define CFG_MAX 128u
#define DATA_BYTES (768u * 1024u)
#define RAW_TOKEN ((void *)(uintptr_t)0x5a5a)
#define FILL 0xa5

/* ---- the world ------------------------------------------------------- */

struct spy {
	struct vob_blk_mem mem;
	unsigned reads, writes, flushes, discards, wzs;
	uint64_t last_sector;
	uint32_t last_n;
	bool last_unmap;
	int fail; /* returned once by the next operation when nonzero */
};

static struct {
	struct class_world w;
	struct vob_blk_dev dev;
	struct vob_blk_drv drv;
	uint8_t *disk;
	struct spy spy;
	struct vob_blk_backend_ops ops;
	uint64_t raw; /* scratch window memory for hand-made requests */
	uint8_t *rawp;
	int res[VOB_BLK_DRV_REQS];
	uint8_t busy[VOB_BLK_DRV_REQS];
	unsigned ndone, nbusy;
	int last_id;
	void (*hook)(int id, int result);
} T;

/* The spy checks that every backend call stays inside the disk, then
 * forwards to the memory backend. */
static int spy_take_fail(void)
{
	int f = T.spy.fail;

	T.spy.fail = 0;
	return f;
}

static void spy_range(uint64_t sector, uint64_t n)
{
	assert_true(sector <= T.spy.mem.sectors && n <= T.spy.mem.sectors - sector);
	T.spy.last_sector = sector;
	T.spy.last_n = (uint32_t)n;
}

static int spy_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	assert_ptr_equal(ctx, &T.spy);
	assert_true(len && len % 512u == 0 && len <= VOB_BLK_BOUNCE_BYTES);
	spy_range(sector, len / 512u);
	T.spy.reads++;
	if (T.spy.fail)
		return spy_take_fail();
	return vob_blk_mem_backend.read(&T.spy.mem, sector, buf, len);
}

static int spy_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	assert_ptr_equal(ctx, &T.spy);
	assert_true(len && len % 512u == 0 && len <= VOB_BLK_BOUNCE_BYTES);
	spy_range(sector, len / 512u);
	T.spy.writes++;
	if (T.spy.fail)
		return spy_take_fail();
	return vob_blk_mem_backend.write(&T.spy.mem, sector, buf, len);
}

static int spy_flush(void *ctx)
{
	assert_ptr_equal(ctx, &T.spy);
	T.spy.flushes++;
	return spy_take_fail();
}

static int spy_discard(void *ctx, uint64_t sector, uint32_t n)
{
	assert_ptr_equal(ctx, &T.spy);
	spy_range(sector, n);
	T.spy.discards++;
	if (T.spy.fail)
		return spy_take_fail();
	return vob_blk_mem_backend.discard(&T.spy.mem, sector, n);
}

static int spy_wz(void *ctx, uint64_t sector, uint32_t n, bool unmap)
{
	assert_ptr_equal(ctx, &T.spy);
	spy_range(sector, n);
	T.spy.wzs++;
	T.spy.last_unmap = unmap;
	if (T.spy.fail)
		return spy_take_fail();
	return vob_blk_mem_backend.write_zeroes(&T.spy.mem, sector, n, unmap);
}

static void on_done(void *arg, int id, int result)
{
	assert_ptr_equal(arg, &T);
	assert_true(id >= 0 && id < (int)VOB_BLK_DRV_REQS);
	assert_true(T.busy[id]);
	T.busy[id] = 0;
	T.nbusy--;
	T.res[id] = result;
	T.last_id = id;
	T.ndone++;
	if (T.hook)
		T.hook(id, result);
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(cw_init(&T.w, 1, 1, CFG_MAX, DATA_BYTES), 0);
	T.disk = malloc(DISK_BYTES);
	assert_non_null(T.disk);
	memset(T.disk, 0, DISK_BYTES);
	assert_true(vob_blk_mem_init(&T.spy.mem, T.disk, DISK_BYTES) == NSECT);
	T.ops.read = spy_read;
	T.ops.write = spy_write;
	T.ops.flush = spy_flush;
	T.ops.discard = spy_discard;
	T.ops.write_zeroes = spy_wz;
	T.raw = cw_alloc(&T.w, RAW_BYTES);
	assert_true(T.raw != 0);
	T.rawp = cw_ptr(&T.w, T.raw);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(T.disk);
	cw_free(&T.w);
	return 0;
}

static void dev_cfg(struct vob_blk_dev_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = NSECT;
	c->ops = &T.ops;
	c->ctx = &T.spy;
	memcpy(c->id, "vob-blk-0123456789ab", VOB_BLK_ID_BYTES); /* 20 bytes, no NUL */
	c->blk_size = 4096;
	c->max_discard_sectors = 64;
	c->max_discard_seg = 4;
	c->discard_sector_alignment = 8;
	c->max_write_zeroes_sectors = 32;
	c->max_write_zeroes_seg = 3;
	c->write_zeroes_may_unmap = true;
	c->vendor_id = 0x1af4;
}

static void drv_cfg(struct vob_blk_drv_cfg *c, uint32_t buf_size, uint16_t count)
{
	size_t ring = VOB_SPLIT_RING_BYTES(VOB_BLK_QSIZE, CW_LINE);

	memset(c, 0, sizeof(*c));
	c->dev_mem.addr = cw_alloc(&T.w, ring);
	c->dev_mem.len = ring;
	c->drv_mem = c->dev_mem;
	c->pool_buf_size = buf_size;
	c->pool_count = count;
	c->pool_addr = cw_alloc(&T.w, (size_t)buf_size * count);
	assert_true(c->dev_mem.addr && c->pool_addr);
	c->done = on_done;
	c->arg = &T;
}

/* Every poll goes through the world: on the sim, cache events and
 * doorbells happen between polls. */
static int dev_poll(void)
{
	cw_step(&T.w);
	return vob_blk_dev_poll(&T.dev);
}

static int drv_poll(void)
{
	cw_step(&T.w);
	return vob_blk_drv_poll(&T.drv);
}

static int fake_poll(void);

/* Side @s writes a 16-bit field of a ring behind the library's back. */
static void poke16(struct cw_side *s, uint64_t addr, uint16_t v)
{
	uint8_t b[2];

	vob_put_le16(b, v);
	cw_poke(&T.w, s, addr, b, 2);
}

static void pump(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		assert_true(dev_poll() >= 0);
		assert_true(drv_poll() >= 0);
	}
}

static bool drv_ready(void)
{
	struct vob_blk_info in;

	return vob_blk_drv_info(&T.drv, &in) == 0;
}

static void up(const struct vob_blk_dev_cfg *dc, const struct vob_blk_drv_cfg *rc)
{
	unsigned i;

	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, dc), 0);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, rc), 0);
	for (i = 0; i < 50 && !drv_ready(); i++)
		pump(1);
	assert_true(drv_ready());
	assert_int_equal(vob_dev_state(&T.dev.dev), VOB_DEV_LIVE);
}

static void up_default(void)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;

	dev_cfg(&dc);
	drv_cfg(&rc, POOL_BUF, POOL_N);
	up(&dc, &rc);
}

/* Note a submitted request (the call's return value). */
static int sub(int id)
{
	assert_true(id >= 0 && id < (int)VOB_BLK_DRV_REQS);
	assert_false(T.busy[id]);
	T.busy[id] = 1;
	T.nbusy++;
	T.res[id] = 12345;
	return id;
}

/* Pump until nothing is in flight. */
static void drain(void)
{
	unsigned i;

	for (i = 0; i < 1000 && T.nbusy; i++)
		pump(1);
	assert_int_equal(T.nbusy, 0);
}

/* Submit, run to completion, return the result. */
static int run(int id)
{
	sub(id);
	drain();
	return T.res[id];
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* ---- config ------------------------------------------------------------ */

static void test_config_layout(void **state)
{
	struct vob_blk_info in;
	uint8_t c[VOB_BLK_CONFIG_BYTES];
	uint64_t f;

	(void)state;
	/* The offsets of struct virtio_blk_config, once more at run time. */
	assert_int_equal(offsetof(struct vob_blk_config, seg_max), 12);
	assert_int_equal(offsetof(struct vob_blk_config, blk_size), 20);
	assert_int_equal(offsetof(struct vob_blk_config, writeback), 32);
	assert_int_equal(offsetof(struct vob_blk_config, num_queues), 34);
	assert_int_equal(offsetof(struct vob_blk_config, max_discard_sectors), 36);
	assert_int_equal(offsetof(struct vob_blk_config, write_zeroes_may_unmap), 56);
	assert_int_equal(sizeof(struct vob_blk_config), 72);
	assert_int_equal(sizeof(struct vob_blk_req_hdr), 16);
	assert_int_equal(sizeof(struct vob_blk_discard_wz), 16);

	up_default();
	/* The bytes the driver side sees, little-endian at the spec's offsets. */
	assert_int_equal(vob_dev_config_read(&T.drv.dev, 0, c, sizeof(c)), 0);
	assert_true(vob_get_le64(c) == NSECT);
	assert_int_equal(vob_get_le32(c + 8), 0);           /* size_max: not offered */
	assert_int_equal(vob_get_le32(c + 12), VOB_BLK_SEG_MAX);
	assert_int_equal(vob_get_le32(c + 20), 4096);
	assert_int_equal(c[32], 0);
	assert_int_equal(c[33], 0);
	assert_int_equal(vob_get_le16(c + 34), 1);
	assert_int_equal(vob_get_le32(c + 36), 64);
	assert_int_equal(vob_get_le32(c + 40), 4);
	assert_int_equal(vob_get_le32(c + 44), 8);
	assert_int_equal(vob_get_le32(c + 48), 32);
	assert_int_equal(vob_get_le32(c + 52), 3);
	assert_int_equal(c[56], 1);
	assert_int_equal(c[57] | c[58] | c[59], 0);
	/* Features: the offer follows the backend and the set-up. */
	f = vob_dev_features(&T.drv.dev, 0);
	assert_true(f & VOB_BIT(VOB_F_VERSION_1));
	assert_true(f & VOB_BIT(VOB_BLK_F_SEG_MAX));
	assert_true(f & VOB_BIT(VOB_BLK_F_BLK_SIZE));
	assert_true(f & VOB_BIT(VOB_BLK_F_FLUSH));
	assert_true(f & VOB_BIT(VOB_BLK_F_DISCARD));
	assert_true(f & VOB_BIT(VOB_BLK_F_WRITE_ZEROES));
	assert_false(f & VOB_BIT(VOB_BLK_F_SIZE_MAX));
	assert_false(f & VOB_BIT(VOB_BLK_F_RO));
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_true(in.capacity == NSECT);
	assert_int_equal(in.blk_size, 4096);
	assert_int_equal(in.seg_max, VOB_BLK_SEG_MAX);
	assert_int_equal(in.size_max, 0);
	assert_int_equal(in.max_discard_sectors, 64);
	assert_int_equal(in.max_discard_seg, 4);
	assert_int_equal(in.max_write_zeroes_sectors, 32);
	assert_int_equal(in.max_write_zeroes_seg, 3);
	assert_int_equal(in.write_zeroes_may_unmap, 1);
	assert_int_equal(in.read_only, 0);
	assert_int_equal(T.w.dev.t.link->line, CW_LINE);
	/* The slot says device id 2. */
	assert_int_equal(vob_get_le32((uint8_t *)cw_dev_ptr(&T.w, CW_BASE + 2u * CW_LINE + 16u)),
			 VOB_BLK_DEVICE_ID);
}

static void test_init_checks(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	struct vob_blk_backend_ops none = { 0 };
	struct class_world small;

	(void)state;
	dev_cfg(&dc);
	dc.ops = &none;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL);
	none.read = spy_read;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL); /* no write */
	dc.read_only = true;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), 0);
	dev_cfg(&dc);
	dc.queue_size = 48;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL);
	dev_cfg(&dc);
	dc.seg_max = VOB_BLK_SEG_MAX + 1;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL);
	dev_cfg(&dc);
	dc.blk_size = 1000;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL);
	dev_cfg(&dc);
	dc.max_discard_seg = VOB_BLK_BOUNCE_BYTES / 16 + 1;
	assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), VOB_EINVAL);
	/* A table whose config space cannot hold the blk config. */
	assert_int_equal(cw_init(&small, 1, 1, 64, 4096), 0);
	dev_cfg(&dc);
	assert_int_equal(vob_blk_dev_init(&T.dev, &small.dev.t, &dc), VOB_EINVAL);
	cw_free(&small);

	drv_cfg(&rc, POOL_BUF, POOL_N);
	rc.done = NULL;
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), VOB_EINVAL);
	drv_cfg(&rc, 256, POOL_N);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), VOB_EINVAL);
	drv_cfg(&rc, POOL_BUF, VOB_BLK_POOL_MAX + 1);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), VOB_EINVAL);
	drv_cfg(&rc, POOL_BUF, 4);
	rc.queue_size = 3;
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), VOB_EINVAL);
	drv_cfg(&rc, POOL_BUF, 4);
	rc.dev_mem.len = rc.drv_mem.len = 64;
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), VOB_ENOMEM);
	drv_cfg(&rc, POOL_BUF, 4);
	rc.pool_addr = 0x10;
	assert_true(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc) < 0);
	/* Not live yet: nothing can be submitted. */
	drv_cfg(&rc, POOL_BUF, 4);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), 0);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, T.disk, 1), VOB_ENODEV);
	assert_int_equal(vob_blk_drv_flush(&T.drv), VOB_ENODEV);
}

/* ---- traffic ----------------------------------------------------------- */

struct model {
	uint8_t *mirror;
	uint8_t *tbuf[VOB_BLK_DRV_REQS];   /* the test's read buffers */
	uint8_t *expect[VOB_BLK_DRV_REQS]; /* per test buffer: the mirror when submitted */
	uint8_t tbusy[VOB_BLK_DRV_REQS];
	int of_id[VOB_BLK_DRV_REQS];       /* request id -> test buffer, or -1 */
	uint32_t len[VOB_BLK_DRV_REQS];    /* per test buffer */
	uint8_t is_id[VOB_BLK_DRV_REQS];   /* per test buffer: a GET_ID answer */
	unsigned reads, writes, flushes, discards, wzs, ids, checked;
};

static struct model M;

static int model_buf(void)
{
	int i;

	for (i = 0; i < (int)VOB_BLK_DRV_REQS; i++)
		if (!M.tbusy[i])
			return i;
	fail_msg("no free test buffer");
	return -1;
}

static void model_hook(int id, int result)
{
	int tb = M.of_id[id];

	assert_int_equal(result, 0);
	if (tb < 0)
		return;
	if (M.is_id[tb])
		assert_memory_equal(M.tbuf[tb], "vob-blk-0123456789ab", VOB_BLK_ID_BYTES);
	else
		assert_memory_equal(M.tbuf[tb], M.expect[tb], M.len[tb]);
	M.checked++;
	M.tbusy[tb] = 0;
	M.of_id[id] = -1;
}

static uint64_t rs = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

/* @total random requests of 1 to @max_sectors sectors (random start), a
 * random number in flight at a time; every read is checked against the
 * mirror as it was when the read was submitted (the device serves requests
 * in order), and the whole disk against the mirror at the end. */
static void random_traffic(unsigned total, uint32_t max_sectors)
{
	size_t maxb = (size_t)max_sectors * 512u;
	uint8_t *wbuf = malloc(maxb);
	unsigned done = 0, i;

	memset(&M, 0, sizeof(M));
	M.mirror = malloc(DISK_BYTES);
	memcpy(M.mirror, T.disk, DISK_BYTES);
	for (i = 0; i < VOB_BLK_DRV_REQS; i++) {
		M.tbuf[i] = malloc(maxb);
		M.expect[i] = malloc(maxb);
		M.of_id[i] = -1;
	}
	T.hook = model_hook;
	while (done < total) {
		unsigned burst = 1u + rnd() % 12u, k;

		for (k = 0; k < burst && done < total; k++) {
			uint32_t n = 1u + rnd() % max_sectors, op = rnd() % 100u;
			uint64_t s = rnd() % (NSECT - n + 1u);
			int id, tb = -1;

			if (op < 45) {
				tb = model_buf();
				id = vob_blk_drv_read(&T.drv, s, M.tbuf[tb], n);
				if (id == VOB_EAGAIN)
					break;
				assert_true(id >= 0);
				memcpy(M.expect[tb], M.mirror + s * 512u, n * 512u);
				M.len[tb] = n * 512u;
				M.is_id[tb] = 0;
				M.reads++;
			} else if (op < 88) {
				fill_pattern(wbuf, n * 512u, rnd());
				id = vob_blk_drv_write(&T.drv, s, wbuf, n);
				if (id == VOB_EAGAIN)
					break;
				assert_true(id >= 0);
				memcpy(M.mirror + s * 512u, wbuf, n * 512u);
				memset(wbuf, 0xee, n * 512u); /* the data was copied at submit */
				M.writes++;
			} else if (op < 92) {
				id = vob_blk_drv_flush(&T.drv);
				if (id == VOB_EAGAIN)
					break;
				assert_true(id >= 0);
				M.flushes++;
			} else if (op < 98) {
				bool wz = op >= 95;
				struct vob_blk_info in;
				uint32_t dn, lim;
				uint64_t ds;

				assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
				lim = wz ? in.max_write_zeroes_sectors * in.max_write_zeroes_seg
					 : in.max_discard_sectors * in.max_discard_seg;
				dn = 1u + rnd() % (lim < 256u ? lim : 256u);
				ds = rnd() % (NSECT - dn + 1u);
				id = wz ? vob_blk_drv_write_zeroes(&T.drv, ds, dn, rnd() & 1u)
					: vob_blk_drv_discard(&T.drv, ds, dn);
				if (id == VOB_EAGAIN)
					break;
				assert_true(id >= 0);
				memset(M.mirror + ds * 512u, 0, dn * 512u);
				if (wz)
					M.wzs++;
				else
					M.discards++;
			} else {
				tb = model_buf();
				id = vob_blk_drv_get_id(&T.drv, M.tbuf[tb]);
				if (id == VOB_EAGAIN)
					break;
				assert_true(id >= 0);
				M.is_id[tb] = 1;
				M.ids++;
			}
			sub(id);
			if (tb >= 0) {
				M.tbusy[tb] = 1;
				M.of_id[id] = tb;
			}
			done++;
		}
		pump(1u + rnd() % 2u);
	}
	drain();
	T.hook = NULL;
	assert_int_equal(M.checked, M.reads + M.ids);
	assert_memory_equal(T.disk, M.mirror, DISK_BYTES);
	for (i = 0; i < VOB_BLK_DRV_REQS; i++) {
		free(M.tbuf[i]);
		free(M.expect[i]);
	}
	free(M.mirror);
	free(wbuf);
}

static void test_random_mirror(void **state)
{
	const struct vob_blk_drv_stats *ds;
	const struct vob_blk_dev_stats *vs;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 7);
	up_default();
	/* Up to 16 segments of 4096 bytes: 128 sectors. */
	random_traffic(6000, 128);
	ds = vob_blk_drv_stats(&T.drv);
	vs = vob_blk_dev_stats(&T.dev);
	assert_true(ds->submitted == 6000 && ds->completed == 6000);
	assert_true(ds->failed == 0 && ds->bad_replies == 0 && ds->lost == 0);
	assert_true(vs->requests == 6000 && vs->ok == 6000 && vs->ioerr == 0 && vs->dropped == 0);
	assert_true(M.reads > 2000 && M.writes > 2000 && M.flushes > 100 && M.discards > 100 &&
		    M.wzs > 100 && M.ids > 50);
	assert_true(T.spy.flushes == M.flushes);
}

/* Small buffers, a device size_max and seg_max, and split ranges: every
 * request is cut into several segments and several ranges. */
static void test_random_small_segments(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	struct vob_blk_info in;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 9);
	dev_cfg(&dc);
	dc.seg_max = 6;
	dc.size_max = 1024;
	dc.max_discard_sectors = 5;
	dc.max_discard_seg = 7;
	dc.max_write_zeroes_sectors = 3;
	dc.max_write_zeroes_seg = 9;
	drv_cfg(&rc, 2048, VOB_BLK_POOL_MAX);
	up(&dc, &rc);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.size_max, 1024);
	assert_int_equal(in.seg_max, 6);
	/* 6 segments of 1024 bytes (size_max below the pool buffer): 12 sectors. */
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, T.disk, 13), VOB_E2BIG);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 36), VOB_E2BIG);
	assert_int_equal(vob_blk_drv_write_zeroes(&T.drv, 0, 28, false), VOB_E2BIG);
	random_traffic(4000, 12);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ioerr, 0);
	assert_true(vob_blk_drv_stats(&T.drv)->completed == 4000);
}

/* ---- features, one by one ------------------------------------------------ */

/* After a completion the driver asks for the next one's interrupt: with
 * EVENT_IDX a second completion still rings the driver's doorbell. */
static void test_driver_rearms_notification(void **state)
{
	uint8_t buf[512];
	uint32_t db;

	(void)state;
	up_default();
	db = vob_dev_queue_doorbell(&T.drv.dev, 0);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 0, buf, 1)), 0);
	(void)vob_link_irq_take(T.w.drv.link, db);
	sub(vob_blk_drv_read(&T.drv, 1, buf, 1));
	assert_true(dev_poll() >= 0);
	cw_deliver(&T.w);
	assert_true(vob_link_irq_take(T.w.drv.link, db));
	drain();
}

static void test_flush_and_get_id(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	uint8_t id[VOB_BLK_ID_BYTES], sec[512];
	unsigned w;

	(void)state;
	up_default();
	assert_int_equal(run(vob_blk_drv_flush(&T.drv)), 0);
	assert_int_equal(T.spy.flushes, 1);
	T.spy.fail = VOB_EIO;
	assert_int_equal(run(vob_blk_drv_flush(&T.drv)), VOB_EIO);
	T.spy.fail = VOB_ENOTSUP;
	assert_int_equal(run(vob_blk_drv_flush(&T.drv)), VOB_ENOTSUP);
	memset(id, 0, sizeof(id));
	assert_int_equal(run(vob_blk_drv_get_id(&T.drv, id)), 0);
	assert_memory_equal(id, "vob-blk-0123456789ab", VOB_BLK_ID_BYTES);
	assert_int_equal(vob_blk_drv_get_id(&T.drv, NULL), VOB_EINVAL);
	/* Writes are not flushed one by one when FLUSH is negotiated. */
	w = T.spy.flushes;
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 3, T.disk + 8192, 2)), 0);
	assert_int_equal(T.spy.flushes, w);
	/* Backend failures become IOERR / UNSUPP. */
	T.spy.fail = VOB_EIO;
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 3, sec, 1)), VOB_EIO);
	T.spy.fail = VOB_ENOTSUP;
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 3, T.disk + 8192, 1)), VOB_ENOTSUP);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->failed, 4);

	/* A driver that does not take FLUSH: the device flushes every write
	 * before completing it (write-through), and refuses FLUSH requests. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	drv_cfg(&rc, POOL_BUF, POOL_N);
	rc.features_off = VOB_BIT(VOB_BLK_F_FLUSH);
	up(&dc, &rc);
	assert_int_equal(vob_blk_drv_flush(&T.drv), VOB_ENOTSUP);
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 3, T.disk + 8192, 2)), 0);
	assert_int_equal(T.spy.flushes, 1);
	assert_int_equal(run(vob_blk_drv_write_zeroes(&T.drv, 3, 2, false)), 0);
	assert_int_equal(T.spy.flushes, 2);

	/* A backend without flush: not offered at all. */
	teardown(NULL);
	setup(NULL);
	T.ops.flush = NULL;
	up_default();
	assert_false(vob_dev_features(&T.drv.dev, 0) & VOB_BIT(VOB_BLK_F_FLUSH));
	assert_int_equal(vob_blk_drv_flush(&T.drv), VOB_ENOTSUP);
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 3, T.disk + 8192, 2)), 0);
}

static void test_discard_write_zeroes(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	static uint8_t buf[90 * 512];
	unsigned i;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 3);
	up_default();
	/* 200 sectors: 4 ranges of at most 64. */
	assert_int_equal(run(vob_blk_drv_discard(&T.drv, 100, 200)), 0);
	assert_int_equal(T.spy.discards, 4);
	for (i = 0; i < 200 * 512; i++)
		assert_int_equal(T.disk[100 * 512 + i], 0);
	assert_true(T.disk[99 * 512 + 511] != 0 || T.disk[99 * 512 + 510] != 0);
	assert_true(T.disk[300 * 512] != 0 || T.disk[300 * 512 + 1] != 0);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 257), VOB_E2BIG);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 0), VOB_EINVAL);
	/* Write zeroes: 3 ranges of at most 32, unmap passed through. */
	assert_int_equal(run(vob_blk_drv_write_zeroes(&T.drv, 1000, 90, true)), 0);
	assert_int_equal(T.spy.wzs, 3);
	assert_true(T.spy.last_unmap);
	assert_int_equal(run(vob_blk_drv_write_zeroes(&T.drv, 1200, 1, false)), 0);
	assert_false(T.spy.last_unmap);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 1000, buf, 90)), 0);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(vob_blk_drv_write_zeroes(&T.drv, 0, 97, false), VOB_E2BIG);
	T.spy.fail = VOB_EIO;
	assert_int_equal(run(vob_blk_drv_discard(&T.drv, 5, 1)), VOB_EIO);

	/* write_zeroes_may_unmap = 0: the device never passes unmap on. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	dc.write_zeroes_may_unmap = false;
	drv_cfg(&rc, POOL_BUF, POOL_N);
	up(&dc, &rc);
	assert_int_equal(run(vob_blk_drv_write_zeroes(&T.drv, 10, 4, true)), 0);
	assert_false(T.spy.last_unmap);

	/* A backend without them: neither is offered. */
	teardown(NULL);
	setup(NULL);
	T.ops.discard = NULL;
	T.ops.write_zeroes = NULL;
	up_default();
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 1), VOB_ENOTSUP);
	assert_int_equal(vob_blk_drv_write_zeroes(&T.drv, 0, 1, false), VOB_ENOTSUP);
}

static void test_read_only(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	struct vob_blk_info in;
	uint8_t buf[1024], *copy = malloc(DISK_BYTES);

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 5);
	memcpy(copy, T.disk, DISK_BYTES);
	dev_cfg(&dc);
	dc.read_only = true;
	drv_cfg(&rc, POOL_BUF, POOL_N);
	up(&dc, &rc);
	assert_true(vob_dev_features(&T.drv.dev, 0) & VOB_BIT(VOB_BLK_F_RO));
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.read_only, 1);
	assert_int_equal(vob_blk_drv_write(&T.drv, 0, buf, 2), VOB_EPERM);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 2), VOB_EPERM);
	assert_int_equal(vob_blk_drv_write_zeroes(&T.drv, 0, 2, false), VOB_EPERM);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 7, buf, 2)), 0);
	assert_memory_equal(buf, copy + 7 * 512, 1024);

	/* A driver that ignores RO: the device refuses every write itself. */
	teardown(NULL);
	setup(NULL);
	memcpy(T.disk, copy, DISK_BYTES);
	dev_cfg(&dc);
	dc.read_only = true;
	drv_cfg(&rc, POOL_BUF, POOL_N);
	rc.features_off = VOB_BIT(VOB_BLK_F_RO);
	up(&dc, &rc);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 0, buf, 2)), VOB_EIO);
	assert_int_equal(run(vob_blk_drv_discard(&T.drv, 0, 2)), VOB_EIO);
	assert_int_equal(run(vob_blk_drv_write_zeroes(&T.drv, 0, 2, true)), VOB_EIO);
	assert_int_equal(T.spy.writes + T.spy.discards + T.spy.wzs, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	assert_int_equal(run(vob_blk_drv_flush(&T.drv)), 0);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ioerr, 3);
	free(copy);
}

static void test_capacity_edge(void **state)
{
	uint8_t buf[1024], back[1024];
	struct vob_blk_info in;

	(void)state;
	up_default();
	fill_pattern(buf, sizeof(buf), 11);
	/* The last sector, in both directions. */
	assert_int_equal(run(vob_blk_drv_write(&T.drv, NSECT - 1, buf, 1)), 0);
	assert_memory_equal(T.disk + (NSECT - 1) * 512u, buf, 512);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, NSECT - 1, back, 1)), 0);
	assert_memory_equal(back, buf, 512);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, NSECT - 2, back, 2)), 0);
	/* One past, and ranges that wrap. */
	assert_int_equal(vob_blk_drv_read(&T.drv, NSECT, back, 1), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_read(&T.drv, NSECT - 1, back, 2), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_write(&T.drv, NSECT, buf, 1), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_write(&T.drv, UINT64_MAX, buf, 1), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, back, UINT32_MAX), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_discard(&T.drv, NSECT - 1, 2), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_write_zeroes(&T.drv, UINT64_MAX - 1, 4, false), VOB_ERANGE);
	assert_int_equal(run(vob_blk_drv_discard(&T.drv, NSECT - 1, 1)), 0);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, back, 0), VOB_EINVAL);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, NULL, 1), VOB_EINVAL);

	/* The capacity shrinks: the driver hears of it, both sides check. */
	assert_int_equal(vob_blk_dev_set_capacity(&T.dev, NSECT / 2), 0);
	pump(3);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_true(in.capacity == NSECT / 2);
	assert_int_equal(vob_blk_drv_read(&T.drv, NSECT / 2, back, 1), VOB_ERANGE);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, NSECT / 2 - 1, back, 1)), 0);
}

static void test_limits_and_exhaustion(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	struct vob_blk_info in;
	static uint8_t big[VOB_BLK_SEG_MAX * POOL_BUF + 512];
	int a, b;

	(void)state;
	/* A pool of 5: one request of 4 data buffers takes it all. */
	dev_cfg(&dc);
	drv_cfg(&rc, POOL_BUF, 5);
	up(&dc, &rc);
	a = vob_blk_drv_read(&T.drv, 0, big, 32);
	assert_true(a >= 0);
	sub(a);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, big, 1), VOB_EAGAIN);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, big, 40), VOB_E2BIG); /* 5 data + 1 */
	drain();
	assert_int_equal(T.res[a], 0);
	b = vob_blk_drv_read(&T.drv, 0, big, 1);
	assert_true(b >= 0);
	sub(b);
	drain();

	/* seg_max data segments of a pool buffer each, not one more. */
	teardown(NULL);
	setup(NULL);
	up_default();
	assert_int_equal(run(vob_blk_drv_write(&T.drv, 0, big, VOB_BLK_SEG_MAX * 8u)), 0);
	assert_int_equal(vob_blk_drv_write(&T.drv, 0, big, VOB_BLK_SEG_MAX * 8u + 1u), VOB_E2BIG);

	/* A small queue: header + seg_max + status must fit it. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	drv_cfg(&rc, 512, VOB_BLK_POOL_MAX);
	rc.queue_size = 8;
	up(&dc, &rc);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.seg_max, 6);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 0, big, 6)), 0);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, big, 7), VOB_E2BIG);
	a = vob_blk_drv_read(&T.drv, 0, big, 6);
	assert_true(a >= 0);
	sub(a);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, big, 1), VOB_EAGAIN); /* no descriptors */
	drain();
	/* The device offers a queue of 4: a request of 3 data segments never
	 * fits, even with nothing in flight. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	dc.queue_size = 4;
	drv_cfg(&rc, 512, VOB_BLK_POOL_MAX);
	up(&dc, &rc);
	/* seg_max follows the queue the driver got, not the 64 it asked for. */
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.seg_max, 2);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, big, 3), VOB_E2BIG);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 0, big, 2)), 0);
	assert_int_equal(vob_pool_free(&T.drv.pool), VOB_BLK_POOL_MAX);
	/* Ranges that fill a control buffer of 512 bytes: 27 of them. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	dc.max_discard_sectors = 1;
	dc.max_discard_seg = 100;
	drv_cfg(&rc, 512, VOB_BLK_POOL_MAX);
	up(&dc, &rc);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 28), VOB_E2BIG);
	assert_int_equal(run(vob_blk_drv_discard(&T.drv, 0, 27)), 0);
	assert_int_equal(T.spy.discards, 27);
	/* Flushes until the queue is full (VOB_EAGAIN), while the device runs. */
	for (a = 0; a < (int)VOB_BLK_DRV_REQS; a++) {
		b = vob_blk_drv_flush(&T.drv);
		if (b == VOB_EAGAIN) {
			pump(1);
			continue;
		}
		sub(b);
	}
	drain();
}

/* ---- a hostile driver: requests made by hand ---------------------------- */

/* Segments of a hand-made chain, as offsets into the scratch area. */
struct rseg {
	uint32_t off, len;
	int wr;
};

#define R_HDR 0u              /* header (and ranges) */
#define R_OUT 4096u           /* readable data */
#define R_IN (4096u + 65536u) /* writable data */
#define R_ST (RAW_BYTES - 64u) /* status */

static uint8_t *snap;

/* Fill the scratch area (before a request is built in it). */
static void raw_clear(void)
{
	memset(T.rawp, FILL, RAW_BYTES);
}

static void raw_hdr(uint32_t off, uint32_t type, uint64_t sector)
{
	vob_put_le32(T.rawp + off, type);
	vob_put_le32(T.rawp + off + 4, 0);
	vob_put_le64(T.rawp + off + 8, sector);
}

static void raw_range(unsigned i, uint64_t sector, uint32_t n, uint32_t flags)
{
	uint8_t *p = T.rawp + R_HDR + 16u + 16u * i;

	vob_put_le64(p, sector);
	vob_put_le32(p + 8, n);
	vob_put_le32(p + 12, flags);
}

/* Make the chain available on the driver's queue, let the device serve it,
 * collect it; the used length. Checks that the device wrote nothing outside
 * the chain's writable segments and did not ask for a reset. */
static uint32_t raw_chain(const struct rseg *s, unsigned n)
{
	struct vob_vq *vq = vob_dev_vq(&T.drv.dev, 0);
	struct vob_seg segs[64];
	unsigned n_out = 0, i, b;
	uint32_t written;
	void *tok;
	int ev;

	assert_non_null(vq);
	assert_true(n <= 64);
	if (!snap)
		snap = malloc(RAW_BYTES);
	memcpy(snap, T.rawp, RAW_BYTES);
	for (i = 0; i < n; i++) {
		segs[i].addr = T.raw + s[i].off;
		segs[i].len = s[i].len;
		if (!s[i].wr) {
			assert_int_equal(n_out, i); /* readable ones first */
			n_out++;
		}
	}
	assert_int_equal(vob_vq_add(vq, segs, n_out, n - n_out, RAW_TOKEN), 0);
	vob_vq_kick(vq);
	ev = dev_poll();
	assert_true(ev & VOB_BLK_EV_IO);
	assert_false(ev & VOB_DEV_EV_NEEDS_RESET);
	assert_int_equal(vob_vq_get_used(vq, &tok, &written), 0);
	assert_ptr_equal(tok, RAW_TOKEN);
	/* Also on a cached (non-coherent) link, where the device writes back
	 * whole lines: the rest of a line a writable segment covers in part
	 * must come back as the driver left it. */
	for (b = 0; b < RAW_BYTES; b++) {
		bool in_w = false;

		for (i = 0; i < n && !in_w; i++) {
			uint32_t lo = s[i].off, hi = s[i].off + s[i].len;

			in_w = s[i].wr && b >= lo && b < hi;
		}
		if (!in_w && T.rawp[b] != snap[b])
			fail_msg("the device wrote byte %u, outside the writable segments", b);
	}
	return written;
}

/* The usual shape: [header][readable data][writable data][status]; returns
 * the status byte and checks the used length covers it. */
static uint8_t raw_req(uint32_t type, uint64_t sector, uint32_t out, uint32_t in)
{
	struct rseg s[4];
	unsigned n = 0;

	raw_clear();
	raw_hdr(R_HDR, type, sector);
	s[n++] = (struct rseg){ R_HDR, 16, 0 };
	if (out)
		s[n++] = (struct rseg){ R_OUT, out, 0 };
	if (in)
		s[n++] = (struct rseg){ R_IN, in, 1 };
	s[n++] = (struct rseg){ R_ST, 1, 1 };
	assert_int_equal(raw_chain(s, n), in + 1u);
	return T.rawp[R_ST];
}

#define IOERR VOB_BLK_S_IOERR
#define UNSUPP VOB_BLK_S_UNSUPP
#define OK VOB_BLK_S_OK

static void test_bad_header(void **state)
{
	struct rseg s[4];

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 13);
	up_default();
	/* No header at all: only the status byte. */
	raw_clear();
	s[0] = (struct rseg){ R_ST, 1, 1 };
	assert_int_equal(raw_chain(s, 1), 1);
	assert_int_equal(T.rawp[R_ST], IOERR);
	/* Short headers: 8 and 15 bytes. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 0);
	s[0] = (struct rseg){ R_HDR, 8, 0 };
	s[1] = (struct rseg){ R_IN, 512, 1 };
	s[2] = (struct rseg){ R_ST, 1, 1 };
	assert_int_equal(raw_chain(s, 3), 513);
	assert_int_equal(T.rawp[R_ST], IOERR);
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_FLUSH, 0);
	s[0] = (struct rseg){ R_HDR, 15, 0 };
	s[1] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 2);
	assert_int_equal(T.rawp[R_ST], IOERR);
	/* A short header is an error whatever its first bytes say. */
	raw_clear();
	raw_hdr(R_HDR, 99, 0);
	s[0] = (struct rseg){ R_HDR, 8, 0 };
	s[1] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 2);
	assert_int_equal(T.rawp[R_ST], IOERR);
	assert_int_equal(T.spy.reads + T.spy.flushes, 0);
	/* Any framing of a good request is served: a header in two pieces. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 5);
	s[0] = (struct rseg){ R_HDR, 8, 0 };
	s[1] = (struct rseg){ R_HDR + 8, 8, 0 };
	s[2] = (struct rseg){ R_IN, 512, 1 };
	s[3] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 4);
	assert_int_equal(T.rawp[R_ST], OK);
	assert_memory_equal(T.rawp + R_IN, T.disk + 5 * 512, 512);
	/* Header and data in one segment; data and status in one segment. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_OUT, 9);
	fill_pattern(T.rawp + R_HDR + 16, 512, 99);
	s[0] = (struct rseg){ R_HDR, 16 + 512, 0 };
	s[1] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 2);
	assert_int_equal(T.rawp[R_ST], OK);
	assert_memory_equal(T.disk + 9 * 512, T.rawp + R_HDR + 16, 512);
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 9);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_IN, 513, 1 };
	assert_int_equal(raw_chain(s, 2), 513);
	assert_int_equal(T.rawp[R_IN + 512], OK);
	assert_memory_equal(T.rawp + R_IN, T.disk + 9 * 512, 512);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ioerr, 4);
}

static void test_no_status(void **state)
{
	struct rseg s[4];
	uint8_t *copy = malloc(DISK_BYTES);

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 17);
	memcpy(copy, T.disk, DISK_BYTES);
	up_default();
	/* Only readable segments: dropped, nothing done, nothing written. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_FLUSH, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	assert_int_equal(raw_chain(s, 1), 0);
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_OUT, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_OUT, 512, 0 };
	s[2] = (struct rseg){ R_ST, 1, 0 }; /* the status byte, but readable */
	assert_int_equal(raw_chain(s, 3), 0);
	/* A zero-length "status" segment. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_FLUSH, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_ST, 0, 1 };
	assert_int_equal(raw_chain(s, 2), 0);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->dropped, 3);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->requests, 0);
	assert_int_equal(T.spy.writes + T.spy.flushes, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	/* Data then an empty status segment: the last data byte is the status,
	 * and 511 bytes of data is not a whole sector. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_IN, 512, 1 };
	s[2] = (struct rseg){ R_ST, 0, 1 };
	assert_int_equal(raw_chain(s, 3), 512);
	assert_int_equal(T.rawp[R_IN + 511], IOERR);
	assert_int_equal(T.spy.reads, 0);
	free(copy);
}

static void test_wrong_direction(void **state)
{
	struct rseg s[5];
	uint8_t *copy = malloc(DISK_BYTES);

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 19);
	memcpy(copy, T.disk, DISK_BYTES);
	up_default();
	/* IN with readable data, OUT with writable data. */
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 512, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 1, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 512, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 0, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 512, 1), IOERR);
	/* FLUSH with data either way. */
	assert_int_equal(raw_req(VOB_BLK_T_FLUSH, 0, 512, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_FLUSH, 0, 0, 512), IOERR);
	/* GET_ID with readable data, or too little room for the id. */
	assert_int_equal(raw_req(VOB_BLK_T_GET_ID, 0, 16, 20), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_GET_ID, 0, 0, 19), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_GET_ID, 0, 0, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_GET_ID, 0, 0, 20), OK);
	assert_memory_equal(T.rawp + R_IN, "vob-blk-0123456789ab", 20);
	assert_int_equal(raw_req(VOB_BLK_T_GET_ID, 0, 0, 64), OK);
	assert_memory_equal(T.rawp + R_IN, "vob-blk-0123456789ab", 20);
	/* DISCARD with writable bytes besides the status. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_DISCARD, 0);
	raw_range(0, 0, 1, 0);
	s[0] = (struct rseg){ R_HDR, 32, 0 };
	s[1] = (struct rseg){ R_IN, 16, 1 };
	s[2] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 3);
	assert_int_equal(T.rawp[R_ST], IOERR);
	assert_int_equal(T.spy.reads + T.spy.writes + T.spy.flushes + T.spy.discards, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ioerr, 11);
	free(copy);
}

static void test_out_of_range(void **state)
{
	uint8_t *copy = malloc(DISK_BYTES);

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 23);
	memcpy(copy, T.disk, DISK_BYTES);
	up_default();
	assert_int_equal(raw_req(VOB_BLK_T_IN, NSECT, 0, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, NSECT - 1, 0, 1024), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, UINT64_MAX, 0, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, UINT64_MAX - 1, 0, 4096), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, (uint64_t)1 << 55, 0, 512), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, NSECT, 512, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, NSECT - 3, 2048, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, UINT64_MAX - 1, 1024, 0), IOERR);
	assert_int_equal(T.spy.reads + T.spy.writes, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	/* The edge itself. */
	assert_int_equal(raw_req(VOB_BLK_T_IN, NSECT - 1, 0, 512), OK);
	assert_memory_equal(T.rawp + R_IN, T.disk + (NSECT - 1) * 512u, 512);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, NSECT - 2, 1024, 0), OK);
	assert_memory_equal(T.disk + (NSECT - 2) * 512u, T.rawp + R_OUT, 1024);
	/* No data at the very end is not an error. */
	assert_int_equal(raw_req(VOB_BLK_T_IN, NSECT, 0, 0), OK);
	free(copy);
}

static void test_bad_lengths(void **state)
{
	uint8_t *copy = malloc(DISK_BYTES);

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 29);
	memcpy(copy, T.disk, DISK_BYTES);
	up_default();
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 0, 100), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 0, 511), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 0, 1025), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 513, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 1000, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 1, 0), IOERR);
	assert_int_equal(T.spy.reads + T.spy.writes, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	free(copy);
}

/* A DISCARD or WRITE_ZEROES of @n ranges (already written), with @extra
 * bytes of readable tail; the status. */
static uint8_t raw_ranges(uint32_t type, unsigned n, uint32_t extra)
{
	struct rseg s[2];

	raw_hdr(R_HDR, type, 0);
	s[0] = (struct rseg){ R_HDR, 16u + 16u * n + extra, 0 };
	s[1] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 2);
	return T.rawp[R_ST];
}

static void test_bad_ranges(void **state)
{
	uint8_t *copy = malloc(DISK_BYTES);
	unsigned i;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 31);
	memcpy(copy, T.disk, DISK_BYTES);
	up_default(); /* discard: 64 sectors x 4 ranges; write zeroes: 32 x 3 */
	raw_clear();
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 0, 0), IOERR);  /* no range */
	raw_clear();
	raw_range(0, 0, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 4), IOERR);  /* 20 bytes */
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 0, 15), IOERR); /* 15 bytes */
	raw_clear();
	for (i = 0; i < 5; i++)
		raw_range(i, 10u * i, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 5, 0), IOERR);  /* > max_discard_seg */
	raw_clear();
	raw_range(0, 0, 65, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 0), IOERR);  /* > max_discard_sectors */
	raw_clear();
	raw_range(0, NSECT - 1, 2, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 0), IOERR);
	raw_clear();
	raw_range(0, UINT64_MAX, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 0), IOERR);
	raw_clear();
	raw_range(0, 100, 8, 0);
	raw_range(1, UINT64_MAX - 3, 8, 0); /* wraps: the first is not done either */
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 2, 0), IOERR);
	/* Flags: unmap is for write zeroes only; unknown flags anywhere. */
	raw_clear();
	raw_range(0, 0, 1, VOB_BLK_WZ_F_UNMAP);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 0), UNSUPP);
	raw_clear();
	raw_range(0, 0, 1, 0);
	raw_range(1, 8, 1, 0x80000000u);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 2, 0), UNSUPP);
	raw_clear();
	raw_range(0, 0, 1, 2);
	assert_int_equal(raw_ranges(VOB_BLK_T_WRITE_ZEROES, 1, 0), UNSUPP);
	raw_clear();
	for (i = 0; i < 4; i++)
		raw_range(i, 10u * i, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_WRITE_ZEROES, 4, 0), IOERR); /* > 3 ranges */
	raw_clear();
	raw_range(0, 0, 33, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_WRITE_ZEROES, 1, 0), IOERR); /* > 32 sectors */
	/* A status segment of two bytes: one is not the status. */
	{
		struct rseg s[2];

		raw_clear();
		raw_hdr(R_HDR, VOB_BLK_T_DISCARD, 0);
		raw_range(0, 0, 1, 0);
		s[0] = (struct rseg){ R_HDR, 32, 0 };
		s[1] = (struct rseg){ R_ST, 2, 1 };
		assert_int_equal(raw_chain(s, 2), 2);
		assert_int_equal(T.rawp[R_ST + 1], IOERR);
	}
	assert_int_equal(T.spy.discards + T.spy.wzs, 0);
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	/* Well-formed ones, to be sure the refusals are the checks'. */
	raw_clear();
	for (i = 0; i < 4; i++)
		raw_range(i, 100u * i, 64, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 4, 0), OK);
	raw_clear();
	raw_range(0, NSECT - 32, 32, VOB_BLK_WZ_F_UNMAP);
	assert_int_equal(raw_ranges(VOB_BLK_T_WRITE_ZEROES, 1, 0), OK);
	assert_int_equal(T.spy.discards, 4);
	assert_int_equal(T.spy.wzs, 1);
	assert_true(T.spy.last_unmap);
	free(copy);
}

static void test_too_many_segments(void **state)
{
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	struct rseg s[8];
	struct vob_vq *vq;
	struct vob_seg segs[7];
	void *tok;
	uint8_t buf[512];
	unsigned i;
	int ev, id;

	(void)state;
	dev_cfg(&dc);
	dc.seg_max = 4;
	dc.size_max = 2048;
	drv_cfg(&rc, POOL_BUF, POOL_N);
	up(&dc, &rc);
	/* OUT: header merged with the first data piece, then 4 more: 5 pieces
	 * in 6 descriptors (within the ring's seg_max + 2). */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_OUT, 0);
	s[0] = (struct rseg){ R_HDR, 16 + 512, 0 };
	for (i = 0; i < 4; i++)
		s[1 + i] = (struct rseg){ R_OUT + 512u * i, 512, 0 };
	s[5] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_ST], IOERR);
	assert_int_equal(T.spy.writes, 0);
	/* Four pieces: fine. */
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_ST], OK);
	/* IN: 5 writable data pieces, the last one carrying the status. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	for (i = 0; i < 4; i++)
		s[1 + i] = (struct rseg){ R_IN + 512u * i, 512, 1 };
	s[5] = (struct rseg){ R_IN + 2048, 513, 1 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_IN + 2048 + 512], IOERR);
	assert_int_equal(T.spy.reads, 0);
	s[5] = (struct rseg){ R_IN + 2048, 1, 1 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_IN + 2048], OK);
	/* size_max 2048: a 4096-byte data segment is too big. */
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 4096, 0), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_IN, 0, 0, 4096), IOERR);
	assert_int_equal(raw_req(VOB_BLK_T_OUT, 0, 2048, 0), OK);
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_IN, 0);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_IN, 2049, 1 }; /* 2048 data + status */
	raw_chain(s, 2);
	assert_int_equal(T.rawp[R_IN + 2048], OK);
	/* Discard ranges count as data segments too: 5 pieces of one range. */
	raw_clear();
	raw_hdr(R_HDR, VOB_BLK_T_DISCARD, 0);
	raw_range(0, 0, 1, 0);
	s[0] = (struct rseg){ R_HDR, 18, 0 };
	s[1] = (struct rseg){ R_HDR + 18, 2, 0 };
	s[2] = (struct rseg){ R_HDR + 20, 4, 0 };
	s[3] = (struct rseg){ R_HDR + 24, 4, 0 };
	s[4] = (struct rseg){ R_HDR + 28, 4, 0 };
	s[5] = (struct rseg){ R_ST, 1, 1 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_ST], IOERR);
	s[0] = (struct rseg){ R_HDR, 16, 0 };
	s[1] = (struct rseg){ R_HDR + 16, 4, 0 };
	raw_chain(s, 6);
	assert_int_equal(T.rawp[R_ST], OK);
	assert_int_equal(T.spy.discards, 1);
	s[1] = (struct rseg){ R_HDR + 16, 4, 0 };
	s[2] = (struct rseg){ R_HDR + 20, 4, 0 };
	s[3] = (struct rseg){ R_HDR + 24, 4, 0 };
	s[4] = (struct rseg){ R_HDR + 28, 2, 0 };
	s[5] = (struct rseg){ R_HDR + 30, 2, 0 };
	s[6] = (struct rseg){ R_ST, 1, 1 };
	/* 7 descriptors: beyond seg_max + 2, the ring itself is broken. */
	vq = vob_dev_vq(&T.drv.dev, 0);
	for (i = 0; i < 7; i++) {
		segs[i].addr = T.raw + s[i].off;
		segs[i].len = s[i].len;
	}
	assert_int_equal(vob_vq_add(vq, segs, 6, 1, RAW_TOKEN), 0);
	vob_vq_kick(vq);
	ev = dev_poll();
	assert_true(ev & VOB_DEV_EV_NEEDS_RESET);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ring_errors, 1);
	assert_null(vob_dev_vq(&T.dev.dev, 0));
	/* The raw chain is ours, not a request of the driver's: take it back
	 * before the driver resets. */
	assert_ptr_equal(vob_vq_reclaim(vq), RAW_TOKEN);
	for (i = 0; i < 50 && !(drv_ready() && vob_dev_state(&T.dev.dev) == VOB_DEV_LIVE); i++)
		pump(1);
	assert_true(drv_ready());
	id = vob_blk_drv_read(&T.drv, 0, buf, 1);
	assert_int_equal(run(id), 0);
	assert_memory_equal(buf, T.disk, 512);
}

static void test_unknown_types(void **state)
{
	static const uint32_t types[] = { 2, 3, 5, 6, 7, 9, 10, 12, 14, 15, 16, 99, 0x80000000u,
					  0xffffffffu };
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	unsigned i;

	(void)state;
	up_default();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(raw_req(types[i], 0, 0, 0), UNSUPP);
	assert_int_equal(raw_req(VOB_BLK_T_IN | 0x80000000u, 0, 0, 512), UNSUPP);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->unsupp, 15);
	/* Types whose feature the driver did not take. */
	teardown(NULL);
	setup(NULL);
	dev_cfg(&dc);
	drv_cfg(&rc, POOL_BUF, POOL_N);
	rc.features_off = VOB_BIT(VOB_BLK_F_FLUSH) | VOB_BIT(VOB_BLK_F_DISCARD) |
			  VOB_BIT(VOB_BLK_F_WRITE_ZEROES);
	up(&dc, &rc);
	assert_int_equal(raw_req(VOB_BLK_T_FLUSH, 0, 0, 0), UNSUPP);
	raw_clear();
	raw_range(0, 0, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_DISCARD, 1, 0), UNSUPP);
	raw_clear();
	raw_range(0, 0, 1, 0);
	assert_int_equal(raw_ranges(VOB_BLK_T_WRITE_ZEROES, 1, 0), UNSUPP);
	assert_int_equal(T.spy.flushes + T.spy.discards + T.spy.wzs, 0);
}

/* ---- a hostile device: answers made by hand ------------------------------ */

static struct {
	struct vob_dev dev;
	struct vob_dev_queue q;
	struct vob_vq vq;
	uint64_t state[VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0) / 8];
	struct vob_blk_config cfg;
	struct vob_iov iov[VOB_BLK_SEG_MAX + 2];
	struct vob_chain c;
} F;

static int fake_poll(void)
{
	cw_step(&T.w);
	return vob_dev_poll(&F.dev);
}

/* The hand-run device with @nq queues (1: the request queue; 0: none). */
static void fake_up_nq(uint64_t features, uint16_t config_len, uint16_t nq)
{
	struct vob_dev_cfg dc;
	struct vob_blk_drv_cfg rc;
	unsigned i;

	memset(&dc, 0, sizeof(dc));
	F.q.vq = &F.vq;
	F.q.state = F.state;
	F.q.state_len = sizeof(F.state);
	F.q.size = VOB_BLK_QSIZE;
	dc.role = VOB_ROLE_DEVICE;
	dc.num_queues = nq;
	dc.queues = &F.q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | features;
	dc.device_id = VOB_BLK_DEVICE_ID;
	dc.config = &F.cfg;
	dc.config_len = config_len;
	dc.seg_max = VOB_BLK_SEG_MAX + 2;
	assert_int_equal(vob_dev_init(&F.dev, &T.w.dev.t, &dc), 0);
	drv_cfg(&rc, POOL_BUF, POOL_N);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), 0);
	for (i = 0; i < 50 && vob_dev_state(&T.drv.dev) != VOB_DEV_LIVE; i++) {
		assert_true(fake_poll() >= 0);
		assert_true(drv_poll() >= 0);
	}
	assert_int_equal(vob_dev_state(&T.drv.dev), VOB_DEV_LIVE);
	assert_true(drv_poll() >= 0);
}

static void fake_up(uint64_t features, uint16_t config_len)
{
	fake_up_nq(features, config_len, 1);
}

/* A device that goes live without a request queue: the driver calls its
 * config invalid (VOB_EPROTO) for info and every submit alike. It said
 * info 0 while each submit failed with VOB_ENODEV, "not live". */
static void test_hostile_no_request_queue(void **state)
{
	struct vob_blk_info in;
	uint8_t buf[512];

	(void)state;
	fake_up_nq(0, VOB_BLK_CONFIG_BYTES, 0);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), VOB_EPROTO);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, buf, 1), VOB_EPROTO);
	assert_int_equal(vob_blk_drv_flush(&T.drv), VOB_EPROTO);
}

static void fake_pop(void)
{
	struct vob_vq *vq;

	assert_true(fake_poll() >= 0);
	vq = vob_dev_vq(&F.dev, 0);
	assert_non_null(vq);
	F.c.iov = F.iov;
	F.c.cap = VOB_BLK_SEG_MAX + 2;
	assert_int_equal(vob_vq_pop(vq, &F.c), 0);
}

/* Answer the popped chain: @data into the writable part, then the status
 * byte @st (unless negative), then the used length @written. */
static int fake_answer(const void *data, uint32_t len, int st, uint32_t written)
{
	struct vob_vq *vq = vob_dev_vq(&F.dev, 0);
	uint8_t s = (uint8_t)st;
	unsigned before = T.ndone;

	if (len)
		assert_int_equal(vob_chain_push(T.w.dev.link, &F.c, 0, data, len, NULL), (int)len);
	if (st >= 0)
		assert_int_equal(vob_chain_push(T.w.dev.link, &F.c, F.c.in_len - 1u, &s, 1, NULL), 1);
	assert_int_equal(vob_vq_push(vq, &F.c, written), 0);
	vob_vq_kick(vq);
	assert_true(drv_poll() & VOB_BLK_EV_IO);
	assert_int_equal(T.ndone, before + 1);
	return T.last_id;
}

static void test_driver_checks_answers(void **state)
{
	uint8_t hdr[16], data[1024], buf[1024], id[VOB_BLK_ID_BYTES];
	int r;

	(void)state;
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	F.cfg.seg_max = vob_to_le32(4);
	fake_up(VOB_BIT(VOB_BLK_F_SEG_MAX) | VOB_BIT(VOB_BLK_F_FLUSH), VOB_BLK_CONFIG_BYTES);
	fill_pattern(data, sizeof(data), 41);

	/* What the driver sends: header, then data, then status. */
	memset(buf, 0x77, sizeof(buf));
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	assert_int_equal(F.c.n_out, 1);
	assert_int_equal(F.c.n_in, 2);
	assert_int_equal(F.c.out_len, 16);
	assert_int_equal(F.c.in_len, 1025);
	assert_int_equal(vob_chain_pull(T.w.dev.link, &F.c, 0, hdr, 16, NULL), 16);
	assert_int_equal(vob_get_le32(hdr), VOB_BLK_T_IN);
	assert_true(vob_get_le64(hdr + 8) == 7);
	assert_int_equal(fake_answer(data, 1024, VOB_BLK_S_OK, 1025), r);
	assert_int_equal(T.res[r], 0);
	assert_memory_equal(buf, data, 1024);

	/* OK, but the used length does not cover the data and status. */
	memset(buf, 0x77, sizeof(buf));
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(data, 1024, VOB_BLK_S_OK, 1024);
	assert_int_equal(T.res[r], VOB_EPROTO);
	assert_int_equal(buf[0], 0x77); /* not copied */
	/* Nothing written at all. */
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(NULL, 0, VOB_BLK_S_OK, 0);
	assert_int_equal(T.res[r], VOB_EPROTO);
	/* Error statuses. */
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(NULL, 0, VOB_BLK_S_IOERR, 1025);
	assert_int_equal(T.res[r], VOB_EIO);
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(NULL, 0, VOB_BLK_S_UNSUPP, 1);
	assert_int_equal(T.res[r], VOB_ENOTSUP);
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(NULL, 0, VOB_BLK_S_IOERR, 0); /* an error, but not claimed written */
	assert_int_equal(T.res[r], VOB_EPROTO);
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(NULL, 0, 3, 1025);
	assert_int_equal(T.res[r], VOB_EPROTO);
	/* A used length that claims the status, which was never written. */
	r = sub(vob_blk_drv_read(&T.drv, 7, buf, 2));
	fake_pop();
	fake_answer(data, 1024, -1, 1025);
	assert_int_equal(T.res[r], VOB_EPROTO);
	assert_int_equal(buf[0], 0x77);
	/* Flush and get_id. */
	r = sub(vob_blk_drv_flush(&T.drv));
	fake_pop();
	assert_int_equal(F.c.out_len, 16);
	assert_int_equal(F.c.in_len, 1);
	fake_answer(NULL, 0, VOB_BLK_S_OK, 1);
	assert_int_equal(T.res[r], 0);
	memset(id, 0, sizeof(id));
	r = sub(vob_blk_drv_get_id(&T.drv, id));
	fake_pop();
	assert_int_equal(F.c.in_len, 21);
	fake_answer("serial-number-42", 16, VOB_BLK_S_OK, 1);
	assert_int_equal(T.res[r], VOB_EPROTO); /* the id was not covered */
	assert_int_equal(id[0], 0);
	r = sub(vob_blk_drv_get_id(&T.drv, id));
	fake_pop();
	fake_answer("serial-number-42\0\0\0\0", 20, VOB_BLK_S_OK, 21);
	assert_int_equal(T.res[r], 0);
	assert_memory_equal(id, "serial-number-42\0\0\0\0", 20);
	/* Writes: the data as given. */
	r = sub(vob_blk_drv_write(&T.drv, 99, data, 1));
	fake_pop();
	assert_int_equal(F.c.out_len, 16 + 512);
	assert_int_equal(vob_chain_pull(T.w.dev.link, &F.c, 16, buf, 512, NULL), 512);
	assert_memory_equal(buf, data, 512);
	fake_answer(NULL, 0, VOB_BLK_S_OK, 1);
	assert_int_equal(T.res[r], 0);
	/* Capacity 100, seg_max 4 (of 4096 bytes) as published. */
	assert_int_equal(vob_blk_drv_read(&T.drv, 99, buf, 2), VOB_ERANGE);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, T.disk, 33), VOB_E2BIG);
	assert_int_equal(vob_blk_drv_discard(&T.drv, 0, 1), VOB_ENOTSUP);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->bad_replies, 6);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->failed, 2);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->completed, 4);
	assert_int_equal(vob_pool_free(&T.drv.pool), POOL_N);
}

static void test_driver_checks_config(void **state)
{
	struct vob_blk_info in;
	uint8_t buf[512];

	(void)state;
	/* size_max 0: no segment could carry data. */
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	fake_up(VOB_BIT(VOB_BLK_F_SIZE_MAX), VOB_BLK_CONFIG_BYTES);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), VOB_EPROTO);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, buf, 1), VOB_EPROTO);
	assert_int_equal(vob_blk_drv_flush(&T.drv), VOB_EPROTO);

	/* A config shorter than its features need. */
	teardown(NULL);
	setup(NULL);
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	fake_up(VOB_BIT(VOB_BLK_F_DISCARD), 40);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), VOB_EPROTO);
	assert_int_equal(vob_blk_drv_get_id(&T.drv, buf), VOB_EPROTO);

	/* seg_max 0 counts as 1; zero discard limits as none / one range. */
	teardown(NULL);
	setup(NULL);
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(UINT64_MAX);
	fake_up(VOB_BIT(VOB_BLK_F_SEG_MAX) | VOB_BIT(VOB_BLK_F_DISCARD) | VOB_BIT(VOB_BLK_F_RO),
		VOB_BLK_CONFIG_BYTES);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.seg_max, 1);
	assert_int_equal(in.max_discard_sectors, 0xffffffffu);
	assert_int_equal(in.max_discard_seg, 1);
	assert_int_equal(in.read_only, 1);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, T.disk, 9), VOB_E2BIG);
	assert_int_equal(vob_blk_drv_write(&T.drv, 0, buf, 1), VOB_EPERM);
	/* A huge capacity: the ranges near its end still check out. */
	assert_int_equal(vob_blk_drv_read(&T.drv, UINT64_MAX - 1, buf, 2), VOB_ERANGE);
	assert_true(vob_blk_drv_read(&T.drv, UINT64_MAX - 1, buf, 1) >= 0);

	/* seg_max above what the driver can use is lowered. */
	teardown(NULL);
	setup(NULL);
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	F.cfg.seg_max = vob_to_le32(0xffffffffu);
	fake_up(VOB_BIT(VOB_BLK_F_SEG_MAX), VOB_BLK_CONFIG_BYTES);
	assert_int_equal(vob_blk_drv_info(&T.drv, &in), 0);
	assert_int_equal(in.seg_max, VOB_BLK_SEG_MAX);
}

/* The device changes size_max while a read is in flight: the answer is
 * copied in the pieces the request was sent in, not the new ones. */
static void test_size_max_change_in_flight(void **state)
{
	uint8_t data[1024], buf[1024], v[4];
	int r;

	(void)state;
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	F.cfg.size_max = vob_to_le32(512);
	fake_up(VOB_BIT(VOB_BLK_F_SIZE_MAX), VOB_BLK_CONFIG_BYTES);
	fill_pattern(data, sizeof(data), 77);
	memset(buf, 0x77, sizeof(buf));
	r = sub(vob_blk_drv_read(&T.drv, 3, buf, 2));
	fake_pop();
	assert_int_equal(F.c.n_in, 3); /* two data segments of 512, status */
	/* Smaller, then larger than the pieces in flight. */
	vob_put_le32(v, 100);
	assert_int_equal(vob_dev_config_write(&F.dev, 8, v, 4), 0);
	assert_int_equal(fake_answer(data, 1024, VOB_BLK_S_OK, 1025), r);
	assert_int_equal(T.res[r], 0);
	assert_memory_equal(buf, data, 1024);

	memset(buf, 0x77, sizeof(buf));
	r = sub(vob_blk_drv_read(&T.drv, 5, buf, 2));
	fake_pop();
	assert_int_equal(F.c.n_in, 12); /* ten of 100, one of 24, status */
	vob_put_le32(v, 4096);
	assert_int_equal(vob_dev_config_write(&F.dev, 8, v, 4), 0);
	assert_int_equal(fake_answer(data, 1024, VOB_BLK_S_OK, 1025), r);
	assert_int_equal(T.res[r], 0);
	assert_memory_equal(buf, data, 1024);
	assert_int_equal(vob_pool_free(&T.drv.pool), POOL_N);
}

/* The device asks for a reset (after a ring it did not like): the driver
 * resets at once, cancels what was in flight, and negotiates again. */
static void test_device_asks_reset(void **state)
{
	uint8_t buf[3][512];
	int i;

	(void)state;
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	fake_up(0, VOB_BLK_CONFIG_BYTES);
	for (i = 0; i < 3; i++)
		sub(vob_blk_drv_read(&T.drv, (uint64_t)i, buf[i], 1));
	fake_pop();
	assert_int_equal(vob_dev_set_needs_reset(&F.dev), 0);
	assert_true(drv_poll() & VOB_BLK_EV_IO);
	assert_int_equal(T.nbusy, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(T.res[i], VOB_ECANCELED);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->lost, 3);
	assert_int_equal(vob_pool_free(&T.drv.pool), POOL_N);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, buf[0], 1), VOB_ENODEV);
	for (i = 0; i < 50 && !drv_ready(); i++) {
		fake_poll();
		drv_poll();
	}
	assert_true(drv_ready());
}

/* The device breaks the used ring (an index that jumps): the driver marks a
 * ring error, resets, and cancels what was in flight. */
static void test_driver_ring_broken(void **state)
{
	uint8_t buf[2][512];
	unsigned i;

	(void)state;
	memset(&F.cfg, 0, sizeof(F.cfg));
	F.cfg.capacity = vob_to_le64(100);
	fake_up(0, VOB_BLK_CONFIG_BYTES);
	sub(vob_blk_drv_read(&T.drv, 0, buf[0], 1));
	sub(vob_blk_drv_read(&T.drv, 1, buf[1], 1));
	/* The used index, scribbled by the device's side. */
	poke16(&T.w.dev, T.drv.q.device_addr + 2, 0x2000);
	assert_true(drv_poll() >= 0);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->ring_errors, 1);
	/* Cancelled once the device has answered the reset. */
	assert_int_equal(T.nbusy, 2);
	assert_true(fake_poll() >= 0);
	assert_true(drv_poll() & VOB_BLK_EV_IO);
	assert_int_equal(T.nbusy, 0);
	assert_int_equal(T.res[0], VOB_ECANCELED);
	assert_int_equal(T.res[1], VOB_ECANCELED);
	assert_int_equal(vob_pool_free(&T.drv.pool), POOL_N);
	for (i = 0; i < 50 && !drv_ready(); i++) {
		fake_poll();
		drv_poll();
	}
	assert_true(drv_ready());
}

/* The memory backend checks its own ranges too. */
static void test_mem_backend(void **state)
{
	const struct vob_blk_backend_ops *o = &vob_blk_mem_backend;
	struct vob_blk_mem m;
	uint8_t region[4 * 512 + 100], buf[1024];

	(void)state;
	assert_true(vob_blk_mem_init(&m, region, sizeof(region)) == 4);
	assert_true(vob_blk_mem_init(&m, region, 511) == 0);
	vob_blk_mem_init(&m, region, sizeof(region));
	memset(region, 0x55, sizeof(region));
	fill_pattern(buf, sizeof(buf), 3);
	assert_int_equal(o->write(&m, 2, buf, 1024), 0);
	assert_memory_equal(region + 1024, buf, 1024);
	assert_int_equal(o->write(&m, 3, buf, 1024), VOB_ERANGE);
	assert_int_equal(o->write(&m, UINT64_MAX, buf, 512), VOB_ERANGE);
	assert_int_equal(o->read(&m, 4, buf, 512), VOB_ERANGE);
	assert_int_equal(o->read(&m, 0, buf, 100), VOB_ERANGE);
	assert_int_equal(o->discard(&m, 3, 2), VOB_ERANGE);
	assert_int_equal(o->write_zeroes(&m, 0, 5, true), VOB_ERANGE);
	assert_int_equal(o->write_zeroes(&m, 3, 1, false), 0);
	assert_int_equal(region[3 * 512], 0);
	assert_int_equal(region[4 * 512], 0x55); /* the tail past the last sector */
	assert_int_equal(o->read(&m, 2, buf, 512), 0);
	assert_memory_equal(buf, region + 1024, 512);
	assert_int_equal(o->flush(&m), 0);
}

/* ---- resets with requests in flight --------------------------------------- */

static int submit_mix(uint8_t (*buf)[4096], unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int id;

		switch (i % 4) {
		case 0:
			id = vob_blk_drv_read(&T.drv, i, buf[i], 8);
			break;
		case 1:
			id = vob_blk_drv_write(&T.drv, 100 + i, buf[i], 8);
			break;
		case 2:
			id = vob_blk_drv_flush(&T.drv);
			break;
		default:
			id = vob_blk_drv_discard(&T.drv, 500 + i, 8);
			break;
		}
		sub(id);
	}
	return (int)n;
}

static void test_reset_in_flight(void **state)
{
	static uint8_t buf[8][4096];
	uint8_t *copy = malloc(DISK_BYTES), back[512];
	unsigned i;
	int ev;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 37);
	memcpy(copy, T.disk, DISK_BYTES);
	memset(buf, 0x3c, sizeof(buf));
	up_default();
	/* The driver resets: every request is reported failed once the device
	 * has answered (until then it may still run them). The device handles
	 * the reset before it looks at the ring again, so none of them runs. */
	submit_mix(buf, 8);
	assert_int_equal(vob_blk_drv_reset(&T.drv), 0);
	assert_int_equal(T.nbusy, 8);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->lost, 0);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, back, 1), VOB_ENODEV);
	assert_true(dev_poll() >= 0);
	assert_true(drv_poll() & VOB_BLK_EV_IO);
	assert_int_equal(T.nbusy, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(T.res[i], VOB_ECANCELED);
	assert_int_equal(vob_blk_drv_stats(&T.drv)->lost, 8);
	assert_int_equal(vob_pool_free(&T.drv.pool), POOL_N);
	assert_int_equal(vob_blk_drv_read(&T.drv, 0, back, 1), VOB_ENODEV);
	assert_true(drv_poll() >= 0);
	for (i = 0; i < 50 && !drv_ready(); i++)
		pump(1);
	assert_true(drv_ready());
	pump(5);
	/* None of them ran, and reads were not written. */
	assert_memory_equal(T.disk, copy, DISK_BYTES);
	assert_int_equal(buf[0][0], 0x3c);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->requests, 0);
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 3, back, 1)), 0);
	assert_memory_equal(back, copy + 3 * 512, 512);

	/* The device is removed: the driver's poll reports them failed. */
	T.ndone = 0;
	submit_mix(buf, 8);
	assert_int_equal(vob_dev_remove(&T.dev.dev), 0);
	ev = drv_poll();
	assert_true(ev & VOB_DEV_EV_RESET);
	assert_true(ev & VOB_BLK_EV_IO);
	assert_int_equal(T.nbusy, 0);
	assert_int_equal(T.ndone, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(T.res[i], VOB_ECANCELED);
	assert_int_equal(dev_poll(), VOB_EIO);
	{
		struct vob_blk_dev_cfg dc;

		dev_cfg(&dc);
		assert_int_equal(vob_blk_dev_init(&T.dev, &T.w.dev.t, &dc), 0);
	}
	for (i = 0; i < 50 && !drv_ready(); i++)
		pump(1);
	assert_true(drv_ready());
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 4, back, 1)), 0);
	assert_memory_equal(back, copy + 4 * 512, 512);

	/* A hostile driver-side write breaks the ring under requests in flight
	 * (the avail index jumps): the device asks for a reset, the driver
	 * resets, its requests are reported failed, and it all comes back. */
	T.ndone = 0;
	submit_mix(buf, 4);
	poke16(&T.w.drv, T.drv.q.driver_addr + 2, 0x4000);
	ev = dev_poll();
	assert_true(ev & VOB_DEV_EV_NEEDS_RESET);
	ev = drv_poll();
	assert_true(ev & VOB_BLK_EV_IO);
	assert_int_equal(T.ndone, 4);
	assert_int_equal(T.nbusy, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(T.res[i], VOB_ECANCELED);
	for (i = 0; i < 50 && !(drv_ready() && vob_dev_state(&T.dev.dev) == VOB_DEV_LIVE); i++)
		pump(1);
	assert_true(drv_ready());
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 5, back, 1)), 0);
	assert_memory_equal(back, copy + 5 * 512, 512);
	assert_int_equal(vob_blk_dev_stats(&T.dev)->ring_errors, 1);
	free(copy);
}

/* The driver side restarts (a new epoch on its table): the device drops
 * the queue, the new driver finds it again. */
static void test_driver_side_restart(void **state)
{
	struct vob_table_cfg tc = { 0 };
	struct vob_blk_drv_cfg rc;
	uint8_t back[512];
	unsigned i;

	(void)state;
	fill_pattern(T.disk, DISK_BYTES, 43);
	up_default();
	sub(vob_blk_drv_read(&T.drv, 1, back, 1));
	tc.addr = CW_BASE;
	tc.side = 1;
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 77;
	assert_int_equal(vob_table_init(&T.w.drv.t, T.w.drv.link, &tc), 0);
	/* The old driver object is gone with its side: forget its request. */
	T.busy[0] = 0;
	T.nbusy = 0;
	drv_cfg(&rc, POOL_BUF, POOL_N);
	assert_int_equal(vob_blk_drv_init(&T.drv, &T.w.drv.t, &rc), 0);
	for (i = 0; i < 50 && !drv_ready(); i++)
		pump(1);
	assert_true(drv_ready());
	assert_int_equal(run(vob_blk_drv_read(&T.drv, 1, back, 1)), 0);
	assert_memory_equal(back, T.disk + 512, 512);
}

int main(int argc, char **argv)
{
#define TT(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		TT(test_config_layout),
		TT(test_init_checks),
		TT(test_random_mirror),
		TT(test_random_small_segments),
		TT(test_driver_rearms_notification),
		TT(test_flush_and_get_id),
		TT(test_discard_write_zeroes),
		TT(test_read_only),
		TT(test_capacity_edge),
		TT(test_limits_and_exhaustion),
		TT(test_bad_header),
		TT(test_no_status),
		TT(test_wrong_direction),
		TT(test_out_of_range),
		TT(test_bad_lengths),
		TT(test_bad_ranges),
		TT(test_too_many_segments),
		TT(test_unknown_types),
		TT(test_driver_checks_answers),
		TT(test_driver_checks_config),
		TT(test_hostile_no_request_queue),
		TT(test_size_max_change_in_flight),
		TT(test_device_asks_reset),
		TT(test_driver_ring_broken),
		TT(test_mem_backend),
		TT(test_reset_in_flight),
		TT(test_driver_side_restart),
	};
	int rc;

	(void)argc;
	rc = cw_main(argv[0], "blk", tests, sizeof(tests) / sizeof(tests[0]), CW_SIM_MODE,
		     CW_BODY_SEEDS);
	free(snap);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-blk, both roles, on the public table, virtqueue and pool API only
 * (docs/blk.md). The device checks a whole request before the backend sees
 * it; the driver checks every answer before it believes it. */
#include "vob/blk.h"
#include "vob/err.h"

#include "mem_internal.h"

#define BLK_HDR_BYTES 16u
#define BLK_RANGE_BYTES 16u
#define BLK_SECTOR_SHIFT 9
#define BLK_SECTOR_MASK 511u
/* Ring features each role takes: the driver places a split ring and uses
 * chained descriptors only; the device serves whatever the engine does. */
#define BLK_RING_DEV (VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) | \
		      VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_RING_PACKED))
#define BLK_RING_DRV (VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX))
#define BLK_F_DRIVER (VOB_BIT(VOB_BLK_F_SIZE_MAX) | VOB_BIT(VOB_BLK_F_SEG_MAX) |         \
		      VOB_BIT(VOB_BLK_F_RO) | VOB_BIT(VOB_BLK_F_BLK_SIZE) |                 \
		      VOB_BIT(VOB_BLK_F_FLUSH) | VOB_BIT(VOB_BLK_F_DISCARD) |               \
		      VOB_BIT(VOB_BLK_F_WRITE_ZEROES))

/* Is [sector, sector + n) inside a disk of @cap sectors (no overflow)? */
static bool blk_range_ok(uint64_t cap, uint64_t sector, uint64_t n)
{
	return sector <= cap && n <= cap - sector;
}

static uint32_t blk_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- memory backend ------------------------------------------------------ */

uint64_t vob_blk_mem_init(struct vob_blk_mem *m, void *base, size_t bytes)
{
	m->base = (uint8_t *)base;
	m->sectors = (uint64_t)(bytes >> BLK_SECTOR_SHIFT);
	return m->sectors;
}

static uint8_t *blk_mem_at(void *ctx, uint64_t sector, uint64_t bytes)
{
	struct vob_blk_mem *m = (struct vob_blk_mem *)ctx;

	if ((bytes & BLK_SECTOR_MASK) || !blk_range_ok(m->sectors, sector, bytes >> BLK_SECTOR_SHIFT))
		return NULL;
	/* sector < sectors, and sectors * 512 bytes fit a size_t. */
	return m->base + (size_t)(sector << BLK_SECTOR_SHIFT);
}

static int blk_mem_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	uint8_t *p = blk_mem_at(ctx, sector, len);

	if (!p)
		return VOB_ERANGE;
	vob_memcpy(buf, p, len);
	return 0;
}

static int blk_mem_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	uint8_t *p = blk_mem_at(ctx, sector, len);

	if (!p)
		return VOB_ERANGE;
	vob_memcpy(p, buf, len);
	return 0;
}

static int blk_mem_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int blk_mem_discard(void *ctx, uint64_t sector, uint32_t n)
{
	uint8_t *p = blk_mem_at(ctx, sector, (uint64_t)n << BLK_SECTOR_SHIFT);

	if (!p)
		return VOB_ERANGE;
	vob_memset(p, 0, (size_t)n << BLK_SECTOR_SHIFT);
	return 0;
}

static int blk_mem_write_zeroes(void *ctx, uint64_t sector, uint32_t n, bool unmap)
{
	(void)unmap;
	return blk_mem_discard(ctx, sector, n);
}

const struct vob_blk_backend_ops vob_blk_mem_backend = {
	blk_mem_read, blk_mem_write, blk_mem_flush, blk_mem_discard, blk_mem_write_zeroes
};

/* ---- device role ---------------------------------------------------------- */

int vob_blk_dev_init(struct vob_blk_dev *b, struct vob_table *t, const struct vob_blk_dev_cfg *cfg)
{
	struct vob_dev_cfg dc;
	struct vob_blk_config *c;
	uint64_t f = BLK_RING_DEV | VOB_BIT(VOB_BLK_F_SEG_MAX);
	uint16_t qsize;
	uint32_t seg_max, dseg, wseg;
	int err;

	if (!b || !t || !cfg || !cfg->ops || !cfg->ops->read || (!cfg->read_only && !cfg->ops->write))
		return VOB_EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_BLK_QSIZE;
	seg_max = cfg->seg_max ? cfg->seg_max : (uint32_t)VOB_BLK_SEG_MAX;
	dseg = cfg->max_discard_seg ? cfg->max_discard_seg : 1u;
	wseg = cfg->max_write_zeroes_seg ? cfg->max_write_zeroes_seg : 1u;
	if (qsize > VOB_BLK_QSIZE || (qsize & (qsize - 1u)) || seg_max > VOB_BLK_SEG_MAX ||
	    dseg > VOB_BLK_BOUNCE_BYTES / BLK_RANGE_BYTES ||
	    wseg > VOB_BLK_BOUNCE_BYTES / BLK_RANGE_BYTES ||
	    (cfg->blk_size && (cfg->blk_size < VOB_BLK_SECTOR_SIZE ||
			       (cfg->blk_size & (cfg->blk_size - 1u)))))
		return VOB_EINVAL;

	vob_memset(b, 0, sizeof(*b));
	b->ops = cfg->ops;
	b->ctx = cfg->ctx;
	b->capacity = cfg->capacity;
	b->seg_max = seg_max;
	b->size_max = cfg->size_max;
	b->max_discard_sectors = cfg->max_discard_sectors ? cfg->max_discard_sectors : 0xffffffffu;
	b->max_discard_seg = dseg;
	b->max_wz_sectors = cfg->max_write_zeroes_sectors ? cfg->max_write_zeroes_sectors
							   : 0xffffffffu;
	b->max_wz_seg = wseg;
	b->read_only = cfg->read_only;
	b->wz_may_unmap = cfg->write_zeroes_may_unmap;
	vob_memcpy(b->id, cfg->id, VOB_BLK_ID_BYTES);

	c = &b->config;
	c->capacity = vob_to_le64(cfg->capacity);
	c->seg_max = vob_to_le32(seg_max);
	c->num_queues = vob_to_le16(1);
	if (cfg->size_max) {
		f |= VOB_BIT(VOB_BLK_F_SIZE_MAX);
		c->size_max = vob_to_le32(cfg->size_max);
	}
	if (cfg->blk_size) {
		f |= VOB_BIT(VOB_BLK_F_BLK_SIZE);
		c->blk_size = vob_to_le32(cfg->blk_size);
	}
	if (cfg->read_only)
		f |= VOB_BIT(VOB_BLK_F_RO);
	if (cfg->ops->flush)
		f |= VOB_BIT(VOB_BLK_F_FLUSH);
	if (cfg->ops->discard) {
		f |= VOB_BIT(VOB_BLK_F_DISCARD);
		c->max_discard_sectors = vob_to_le32(b->max_discard_sectors);
		c->max_discard_seg = vob_to_le32(dseg);
		c->discard_sector_alignment =
			vob_to_le32(cfg->discard_sector_alignment ? cfg->discard_sector_alignment : 1u);
	}
	if (cfg->ops->write_zeroes) {
		f |= VOB_BIT(VOB_BLK_F_WRITE_ZEROES);
		c->max_write_zeroes_sectors = vob_to_le32(b->max_wz_sectors);
		c->max_write_zeroes_seg = vob_to_le32(wseg);
		c->write_zeroes_may_unmap = cfg->write_zeroes_may_unmap ? 1u : 0u;
	}

	b->q.vq = &b->vq;
	b->q.state = b->vq_state;
	b->q.state_len = sizeof(b->vq_state);
	b->q.size = qsize;

	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DEVICE;
	dc.slot = cfg->slot;
	dc.num_queues = 1;
	dc.queues = &b->q;
	dc.features[0] = f;
	dc.device_id = VOB_BLK_DEVICE_ID;
	dc.vendor_id = cfg->vendor_id;
	dc.config = &b->config;
	dc.config_len = (uint16_t)sizeof(b->config);
	/* Header and status besides the data segments. */
	dc.seg_max = (uint16_t)(seg_max + 2u);
	err = vob_dev_init(&b->dev, t, &dc);
	if (err)
		return err;
	b->link = vob_dev_link(&b->dev);
	return 0;
}

/* @mask: VOB_BIT() of constant bits (no 64-bit shift by a variable). */
static bool blk_dev_has(const struct vob_blk_dev *b, uint64_t mask)
{
	return (vob_dev_features(&b->dev, 0) & mask) != 0;
}

static uint8_t blk_dev_status(int err)
{
	if (!err)
		return VOB_BLK_S_OK;
	return err == VOB_ENOTSUP ? VOB_BLK_S_UNSUPP : VOB_BLK_S_IOERR;
}

/* FLUSH offered but not negotiated: writes must be stable when they
 * complete (virtio 1.x, block device operation). */
static int blk_dev_write_through(struct vob_blk_dev *b)
{
	if (b->ops->flush && !blk_dev_has(b, VOB_BIT(VOB_BLK_F_FLUSH)))
		return b->ops->flush(b->ctx);
	return 0;
}

/* The data of a request is [off, off + len) of one part (readable or
 * writable) of the chain, made of @nseg segments: it may touch at most
 * seg_max of them, with at most size_max bytes in each. */
static bool blk_dev_segs_ok(const struct vob_blk_dev *b, const struct vob_iov *seg, unsigned nseg,
			    uint32_t off, uint32_t len)
{
	uint32_t pos = 0, end = off + len; /* off + len <= the part's length < 2^32 */
	uint32_t count = 0;
	unsigned i;

	for (i = 0; i < nseg && pos < end; i++) {
		uint32_t s = pos, e = pos + seg[i].len;

		pos = e;
		if (e <= off)
			continue;
		if (s < off)
			s = off;
		if (e > end)
			e = end;
		if (++count > b->seg_max || (b->size_max && e - s > b->size_max))
			return false;
	}
	return true;
}

static uint8_t blk_dev_in(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	struct vob_link *link = b->link;
	uint32_t len = c->in_len - 1u, off, chunk;

	if (c->out_len != BLK_HDR_BYTES || (len & BLK_SECTOR_MASK) ||
	    !blk_range_ok(b->capacity, sector, len >> BLK_SECTOR_SHIFT) ||
	    !blk_dev_segs_ok(b, c->iov + c->n_out, c->n_in, 0, len))
		return VOB_BLK_S_IOERR;
	for (off = 0; off < len; off += chunk) {
		int err;

		chunk = blk_min32(len - off, VOB_BLK_BOUNCE_BYTES);
		err = b->ops->read(b->ctx, sector + (off >> BLK_SECTOR_SHIFT), b->bounce, chunk);
		if (err)
			return blk_dev_status(err);
		if (vob_chain_push(link, c, off, b->bounce, chunk, NULL) != (int)chunk)
			return VOB_BLK_S_IOERR;
	}
	b->stats.sectors_read += len >> BLK_SECTOR_SHIFT;
	return VOB_BLK_S_OK;
}

static uint8_t blk_dev_out(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	struct vob_link *link = b->link;
	uint32_t len = c->out_len - BLK_HDR_BYTES, off, chunk;

	/* Read-only: refused before any data moves. */
	if (b->read_only || c->in_len != 1u || (len & BLK_SECTOR_MASK) ||
	    !blk_range_ok(b->capacity, sector, len >> BLK_SECTOR_SHIFT) ||
	    !blk_dev_segs_ok(b, c->iov, c->n_out, BLK_HDR_BYTES, len))
		return VOB_BLK_S_IOERR;
	for (off = 0; off < len; off += chunk) {
		int err;

		chunk = blk_min32(len - off, VOB_BLK_BOUNCE_BYTES);
		/* One copy out of shared memory; the backend sees only it. */
		if (vob_chain_pull(link, c, BLK_HDR_BYTES + off, b->bounce, chunk, NULL) != (int)chunk)
			return VOB_BLK_S_IOERR;
		err = b->ops->write(b->ctx, sector + (off >> BLK_SECTOR_SHIFT), b->bounce, chunk);
		if (err)
			return blk_dev_status(err);
	}
	b->stats.sectors_written += len >> BLK_SECTOR_SHIFT;
	return blk_dev_status(blk_dev_write_through(b));
}

/* DISCARD and WRITE_ZEROES: an array of ranges after the header, all
 * checked before the first is executed. */
static uint8_t blk_dev_ranges(struct vob_blk_dev *b, const struct vob_chain *c, bool wz)
{
	struct vob_link *link = b->link;
	uint32_t max_seg = wz ? b->max_wz_seg : b->max_discard_seg;
	uint32_t max_sectors = wz ? b->max_wz_sectors : b->max_discard_sectors;
	uint32_t allowed = wz ? VOB_BLK_WZ_F_UNMAP : 0u;
	uint32_t bytes = c->out_len - BLK_HDR_BYTES, n, i;
	const uint8_t *r;

	if (!blk_dev_has(b, wz ? VOB_BIT(VOB_BLK_F_WRITE_ZEROES) : VOB_BIT(VOB_BLK_F_DISCARD)))
		return VOB_BLK_S_UNSUPP;
	if (b->read_only || c->in_len != 1u || !bytes || (bytes & (BLK_RANGE_BYTES - 1u)) ||
	    (bytes >> 4) > max_seg || !blk_dev_segs_ok(b, c->iov, c->n_out, BLK_HDR_BYTES, bytes))
		return VOB_BLK_S_IOERR;
	n = bytes >> 4; /* max_seg * 16 <= the bounce buffer */
	if (vob_chain_pull(link, c, BLK_HDR_BYTES, b->bounce, bytes, NULL) != (int)bytes)
		return VOB_BLK_S_IOERR;
	for (i = 0, r = b->bounce; i < n; i++, r += BLK_RANGE_BYTES)
		if (vob_get_le32(r + 12) & ~allowed)
			return VOB_BLK_S_UNSUPP; /* unknown flags; unmap on a discard */
	for (i = 0, r = b->bounce; i < n; i++, r += BLK_RANGE_BYTES) {
		uint32_t num = vob_get_le32(r + 8);

		if (num > max_sectors || !blk_range_ok(b->capacity, vob_get_le64(r), num))
			return VOB_BLK_S_IOERR;
	}
	for (i = 0, r = b->bounce; i < n; i++, r += BLK_RANGE_BYTES) {
		uint64_t sector = vob_get_le64(r);
		uint32_t num = vob_get_le32(r + 8);
		int err;

		if (wz)
			err = b->ops->write_zeroes(b->ctx, sector, num,
						   (vob_get_le32(r + 12) & VOB_BLK_WZ_F_UNMAP) &&
							   b->wz_may_unmap);
		else
			err = b->ops->discard(b->ctx, sector, num);
		if (err)
			return blk_dev_status(err);
	}
	return blk_dev_status(blk_dev_write_through(b));
}

static uint8_t blk_dev_flush(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	(void)sector;
	if (!blk_dev_has(b, VOB_BIT(VOB_BLK_F_FLUSH)))
		return VOB_BLK_S_UNSUPP;
	if (c->out_len != BLK_HDR_BYTES || c->in_len != 1u)
		return VOB_BLK_S_IOERR;
	return blk_dev_status(b->ops->flush(b->ctx));
}

static uint8_t blk_dev_get_id(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	(void)sector;
	if (c->out_len != BLK_HDR_BYTES || c->in_len - 1u < VOB_BLK_ID_BYTES ||
	    vob_chain_push(b->link, c, 0, b->id, VOB_BLK_ID_BYTES, NULL) !=
		    (int)VOB_BLK_ID_BYTES)
		return VOB_BLK_S_IOERR;
	return VOB_BLK_S_OK;
}

static uint8_t blk_dev_discard(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	(void)sector;
	return blk_dev_ranges(b, c, false);
}

static uint8_t blk_dev_wz(struct vob_blk_dev *b, const struct vob_chain *c, uint64_t sector)
{
	(void)sector;
	return blk_dev_ranges(b, c, true);
}

typedef uint8_t (*blk_dev_handler)(struct vob_blk_dev *b, const struct vob_chain *c,
				   uint64_t sector);

/* Request types served, by number (a table: no case-table helper calls on
 * Thumb-1); the others are unsupported. */
static const blk_dev_handler blk_dev_handlers[VOB_BLK_T_WRITE_ZEROES + 1u] = {
	blk_dev_in, blk_dev_out, NULL, NULL, blk_dev_flush, NULL, NULL, NULL,
	blk_dev_get_id, NULL, NULL, blk_dev_discard, NULL, blk_dev_wz
};

/* One request with a status byte: its status. */
static uint8_t blk_dev_handle(struct vob_blk_dev *b, const struct vob_chain *c)
{
	uint8_t hdr[BLK_HDR_BYTES];
	uint32_t type;

	/* The header: the first 16 readable bytes, however they are split. */
	if (c->out_len < BLK_HDR_BYTES ||
	    vob_chain_pull(b->link, c, 0, hdr, BLK_HDR_BYTES, NULL) != (int)BLK_HDR_BYTES)
		return VOB_BLK_S_IOERR;
	type = vob_get_le32(hdr);
	if (type > VOB_BLK_T_WRITE_ZEROES || !blk_dev_handlers[type])
		return VOB_BLK_S_UNSUPP;
	return blk_dev_handlers[type](b, c, vob_get_le64(hdr + 8));
}

/* Serve one chain; returns the bytes written into it. */
static uint32_t blk_dev_serve(struct vob_blk_dev *b, const struct vob_chain *c)
{
	uint8_t st;

	if (c->in_len == 0) {
		/* No byte to put a status in: nothing can be answered. */
		b->stats.dropped++;
		return 0;
	}
	st = blk_dev_handle(b, c);
	/* The status is the last writable byte: the push cannot fall short. */
	(void)vob_chain_push(b->link, c, c->in_len - 1u, &st, 1, NULL);
	b->stats.requests++;
	if (st == VOB_BLK_S_OK)
		b->stats.ok++;
	else if (st == VOB_BLK_S_UNSUPP)
		b->stats.unsupp++;
	else
		b->stats.ioerr++;
	return c->in_len;
}

static int blk_dev_broken(struct vob_blk_dev *b)
{
	b->stats.ring_errors++;
	(void)vob_dev_set_needs_reset(&b->dev);
	return VOB_DEV_EV_NEEDS_RESET;
}

int vob_blk_dev_poll(struct vob_blk_dev *b)
{
	struct vob_vq *vq;
	unsigned budget, served = 0;
	int ev = vob_dev_poll(&b->dev);

	if (ev < 0)
		return ev;
	vq = vob_dev_vq(&b->dev, 0);
	if (!vq)
		return ev;
	for (budget = VOB_BLK_QSIZE; budget; budget--) {
		struct vob_chain c;
		int err;

		c.iov = b->iov;
		c.cap = (uint16_t)(VOB_BLK_SEG_MAX + 2);
		err = vob_vq_pop(vq, &c);
		if (err == VOB_EAGAIN) {
			/* Ask for a kick, then look once more (work may have
			 * arrived before the request was seen). */
			err = vob_vq_enable_notify(vq);
			if (err == 1)
				continue;
			if (err == 0)
				break;
		}
		if (err < 0)
			return ev | blk_dev_broken(b);
		err = vob_vq_push(vq, &c, blk_dev_serve(b, &c));
		if (err < 0)
			return ev | blk_dev_broken(b);
		served++;
	}
	if (served) {
		(void)vob_vq_kick(vq);
		ev |= VOB_BLK_EV_IO;
	}
	return ev;
}

int vob_blk_dev_set_capacity(struct vob_blk_dev *b, uint64_t sectors)
{
	vob_le64_t v = vob_to_le64(sectors);
	int err = vob_dev_config_write(&b->dev, 0, &v, sizeof(v));

	if (err)
		return err;
	b->capacity = sectors;
	b->config.capacity = v;
	return 0;
}

const struct vob_blk_dev_stats *vob_blk_dev_stats(const struct vob_blk_dev *b)
{
	return &b->stats;
}

/* ---- driver role ---------------------------------------------------------- */

enum { REQ_FREE = 0, REQ_BUSY, REQ_DONE };
enum { INFO_UNREAD = 0, INFO_OK, INFO_BAD };

/* Bytes of the GET_ID answer and the status at the end of a control buffer. */
#define BLK_TAIL_BYTES (VOB_BLK_ID_BYTES + 1u)

static void blk_drv_release(struct vob_blk_drv *b, struct vob_blk_drv_req *r)
{
	unsigned i;

	if (r->ctl)
		(void)vob_pool_put(&b->pool, r->ctl);
	for (i = 0; i < r->ndata; i++)
		(void)vob_pool_put(&b->pool, r->data[i]);
	r->ctl = NULL;
	r->ndata = 0;
}

static void blk_drv_on_lost(void *arg, uint16_t queue, void *token)
{
	struct vob_blk_drv *b = (struct vob_blk_drv *)arg;
	struct vob_blk_drv_req *r = (struct vob_blk_drv_req *)token;

	(void)queue;
	VOB_ASSERT(r >= b->req && r < b->req + VOB_BLK_DRV_REQS && r->state == REQ_BUSY);
	/* Delivered after the table call returns: the callback may submit. */
	blk_drv_release(b, r);
	r->state = REQ_DONE;
	r->result = VOB_ECANCELED;
	b->stats.lost++;
	b->lost_pending = 1;
}

int vob_blk_drv_init(struct vob_blk_drv *b, struct vob_table *t, const struct vob_blk_drv_cfg *cfg)
{
	struct vob_dev_cfg dc;
	struct vob_arena dm, rm;
	struct vob_link *link;
	uint32_t line, ws;
	uint16_t qsize;
	bool one;
	int err;

	if (!b || !t || !cfg || !cfg->done)
		return VOB_EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_BLK_QSIZE;
	if (qsize < 2u || qsize > VOB_BLK_QSIZE || (qsize & (qsize - 1u)) || cfg->pool_count < 2u ||
	    cfg->pool_count > VOB_BLK_POOL_MAX || cfg->pool_buf_size < VOB_BLK_SECTOR_SIZE)
		return VOB_EINVAL;
	vob_memset(b, 0, sizeof(*b));
	b->done = cfg->done;
	b->arg = cfg->arg;
	b->buf_size = cfg->pool_buf_size;
	b->qsize = qsize;
	b->pool_count = cfg->pool_count;
	b->q.vq = &b->vq;
	b->q.state = b->vq_state;
	b->q.state_len = sizeof(b->vq_state);

	/* The table device first: it only starts looking for the device at
	 * the first poll, and reads the ring placement (below) later still. */
	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DRIVER;
	dc.device_id = VOB_BLK_DEVICE_ID;
	dc.slot = cfg->slot;
	dc.num_queues = 1;
	dc.queues = &b->q;
	dc.features[0] = ((BLK_RING_DRV | BLK_F_DRIVER |
			   (cfg->ring_features & VOB_BIT(VOB_F_RING_PACKED))) & ~cfg->features_off) |
			 VOB_BIT(VOB_F_VERSION_1);
	dc.on_lost = blk_drv_on_lost;
	dc.arg = b;
	err = vob_dev_init(&b->dev, t, &dc);
	if (err)
		return err;
	link = vob_dev_link(&b->dev);
	line = vob_link_line(link);
	err = vob_pool_init(&b->pool, link, cfg->pool_addr, cfg->pool_buf_size, cfg->pool_count,
			    b->pool_state);
	if (err)
		return err;
	/* A control buffer: header and ranges from the start, the GET_ID
	 * answer and the status in its last line(s); they never share a line
	 * (a buffer holds at least 512 bytes, a line at most 256). */
	ws = (b->buf_size - BLK_TAIL_BYTES) & ~(line - 1u);
	b->ctl_ranges = (ws - BLK_HDR_BYTES) >> 4;
	dm = cfg->dev_mem;
	rm = cfg->drv_mem;
	one = dm.addr == rm.addr && dm.len == rm.len;
	return vob_place_split(&dm, one ? &dm : &rm, qsize, line, &b->q);
}

static bool blk_drv_has(const struct vob_blk_drv *b, uint64_t mask)
{
	return (b->info.features & mask) != 0;
}

/* Read and check the config (the device is live). */
static void blk_drv_read_config(struct vob_blk_drv *b)
{
	uint8_t c[VOB_BLK_CONFIG_BYTES];
	struct vob_blk_info in;
	struct vob_vq_cfg qc;
	uint64_t f = vob_dev_features(&b->dev, 0);
	uint32_t need = 8, v, qsize;
	int err;

	if (f & VOB_BIT(VOB_BLK_F_SIZE_MAX))
		need = 12;
	if (f & VOB_BIT(VOB_BLK_F_SEG_MAX))
		need = 16;
	if (f & VOB_BIT(VOB_BLK_F_BLK_SIZE))
		need = 24;
	if (f & (VOB_BIT(VOB_BLK_F_DISCARD) | VOB_BIT(VOB_BLK_F_WRITE_ZEROES)))
		need = 57;
	err = vob_dev_config_read(&b->dev, 0, c, need);
	if (err == VOB_EAGAIN)
		return; /* changing under us: again at the next poll */
	if (err) {
		b->info_state = INFO_BAD; /* a config shorter than its features */
		return;
	}
	vob_memset(&in, 0, sizeof(in));
	in.features = f;
	in.capacity = vob_get_le64(c);
	in.blk_size = VOB_BLK_SECTOR_SIZE;
	in.seg_max = VOB_BLK_SEG_MAX;
	in.read_only = (f & VOB_BIT(VOB_BLK_F_RO)) != 0;
	if (f & VOB_BIT(VOB_BLK_F_SIZE_MAX)) {
		in.size_max = vob_get_le32(c + 8);
		if (!in.size_max) {
			b->info_state = INFO_BAD; /* no segment could carry data */
			return;
		}
	}
	if (f & VOB_BIT(VOB_BLK_F_SEG_MAX)) {
		v = vob_get_le32(c + 12);
		in.seg_max = v ? blk_min32(v, VOB_BLK_SEG_MAX) : 1u;
	}
	/* Chained descriptors only: header, data and status fit the queue,
	 * at the size it got (the device may have lowered the one asked for). */
	if (vob_dev_queue_placement(&b->dev, 0, &qc)) {
		b->info_state = INFO_BAD; /* live without a request queue */
		return;
	}
	qsize = qc.size;
	in.seg_max = qsize > 2u ? blk_min32(in.seg_max, qsize - 2u) : 1u; /* add() will tell */
	if (f & VOB_BIT(VOB_BLK_F_BLK_SIZE))
		in.blk_size = vob_get_le32(c + 20);
	if (f & VOB_BIT(VOB_BLK_F_DISCARD)) {
		v = vob_get_le32(c + 36);
		in.max_discard_sectors = v ? v : 0xffffffffu;
		v = vob_get_le32(c + 40);
		in.max_discard_seg = v ? v : 1u;
	}
	if (f & VOB_BIT(VOB_BLK_F_WRITE_ZEROES)) {
		v = vob_get_le32(c + 48);
		in.max_write_zeroes_sectors = v ? v : 0xffffffffu;
		v = vob_get_le32(c + 52);
		in.max_write_zeroes_seg = v ? v : 1u;
		in.write_zeroes_may_unmap = c[56] ? 1u : 0u;
	}
	b->info = in;
	b->piece = in.size_max ? blk_min32(b->buf_size, in.size_max) : b->buf_size;
	b->info_state = INFO_OK;
}

static int blk_drv_ready(const struct vob_blk_drv *b)
{
	if (vob_dev_state(&b->dev) != VOB_DEV_LIVE || b->info_state == INFO_UNREAD)
		return VOB_ENODEV;
	return b->info_state == INFO_OK ? 0 : VOB_EPROTO;
}

/* Take a free request with a control buffer and @ndata data buffers. */
static int blk_drv_alloc(struct vob_blk_drv *b, unsigned ndata, struct vob_blk_drv_req **out)
{
	struct vob_blk_drv_req *r = NULL;
	unsigned i;

	if (ndata + 1u > vob_pool_free(&b->pool))
		return ndata + 1u > b->pool_count ? VOB_E2BIG : VOB_EAGAIN;
	for (i = 0; i < VOB_BLK_DRV_REQS; i++) {
		if (b->req[i].state == REQ_FREE) {
			r = &b->req[i];
			break;
		}
	}
	if (!r)
		return VOB_EAGAIN;
	r->ctl = (uint8_t *)vob_pool_get(&b->pool, NULL);
	for (i = 0; i < ndata; i++)
		r->data[i] = (uint8_t *)vob_pool_get(&b->pool, NULL);
	r->ndata = (uint16_t)ndata;
	r->user = NULL;
	r->len = 0;
	*out = r;
	return 0;
}

/* Build the chain of @r (control buffer and data already filled) and make
 * it available: header (+ @nranges ranges), data, [id], status. */
static int blk_drv_send(struct vob_blk_drv *b, struct vob_blk_drv_req *r, uint32_t type,
			uint64_t sector, uint32_t nranges)
{
	struct vob_seg segs[VOB_BLK_SEG_MAX + 3];
	struct vob_vq *vq = vob_dev_vq(&b->dev, 0);
	uint64_t ctl = vob_pool_addr(&b->pool, r->ctl);
	uint32_t left = r->len, in_len = 0;
	unsigned n = 0, n_out, i;
	bool out = type != VOB_BLK_T_IN;
	int err;

	vob_put_le32(r->ctl, type);
	vob_put_le32(r->ctl + 4, 0);
	vob_put_le64(r->ctl + 8, sector);
	segs[n].addr = ctl;
	segs[n++].len = BLK_HDR_BYTES;
	if (nranges) {
		segs[n].addr = ctl + BLK_HDR_BYTES;
		segs[n++].len = nranges * BLK_RANGE_BYTES;
	}
	n_out = n + (out ? r->ndata : 0u);
	for (i = 0; i < r->ndata; i++) {
		segs[n].addr = vob_pool_addr(&b->pool, r->data[i]);
		segs[n].len = blk_min32(left, b->piece);
		left -= segs[n].len;
		if (!out)
			in_len += segs[n].len;
		n++;
	}
	if (type == VOB_BLK_T_GET_ID) {
		segs[n].addr = ctl + b->buf_size - BLK_TAIL_BYTES;
		segs[n++].len = VOB_BLK_ID_BYTES;
		in_len += VOB_BLK_ID_BYTES;
	}
	/* A value no device writes: an answer that skipped the status shows. */
	r->ctl[b->buf_size - 1u] = 0xff;
	segs[n].addr = ctl + b->buf_size - 1u;
	segs[n++].len = 1;
	r->in_len = in_len + 1u;
	r->piece = b->piece;
	r->type = (uint8_t)type;
	err = vq ? vob_vq_add(vq, segs, n_out, n - n_out, r) : VOB_ENODEV;
	if (err) {
		uint32_t busy = 0;

		for (i = 0; i < VOB_BLK_DRV_REQS; i++)
			if (b->req[i].state == REQ_BUSY)
				busy++;
		blk_drv_release(b, r);
		/* No room with nothing in flight: it will never fit. */
		if (err == VOB_ENOSPC)
			return busy ? VOB_EAGAIN : VOB_E2BIG;
		return err;
	}
	r->state = REQ_BUSY;
	b->stats.submitted++;
	(void)vob_vq_kick(vq);
	return (int)(r - b->req);
}

/* Segments for @len data bytes, or VOB_E2BIG above seg_max. */
static int blk_drv_pieces(const struct vob_blk_drv *b, uint32_t len)
{
	uint32_t n = 0;

	while (len) {
		if (n == b->info.seg_max)
			return VOB_E2BIG;
		len -= blk_min32(len, b->piece);
		n++;
	}
	return (int)n;
}

static int blk_drv_rw(struct vob_blk_drv *b, uint32_t type, uint64_t sector, const void *src,
		      void *dst, uint32_t nsectors)
{
	struct vob_blk_drv_req *r;
	uint32_t len, off = 0, i;
	int err = blk_drv_ready(b), n;

	if (err)
		return err;
	if (!nsectors || (!src && !dst))
		return VOB_EINVAL;
	if (type == VOB_BLK_T_OUT && b->info.read_only)
		return VOB_EPERM;
	if (!blk_range_ok(b->info.capacity, sector, nsectors))
		return VOB_ERANGE;
	/* The chain's length must fit 32 bits with the status byte. */
	if (nsectors > (0xfffffffeu >> BLK_SECTOR_SHIFT))
		return VOB_E2BIG;
	len = nsectors << BLK_SECTOR_SHIFT;
	n = blk_drv_pieces(b, len);
	if (n < 0)
		return n;
	err = blk_drv_alloc(b, (unsigned)n, &r);
	if (err)
		return err;
	r->len = len;
	r->user = dst;
	if (src) {
		for (i = 0; i < r->ndata; i++) {
			uint32_t k = blk_min32(len - off, b->piece);

			vob_memcpy(r->data[i], (const uint8_t *)src + off, k);
			off += k;
		}
	}
	return blk_drv_send(b, r, type, sector, 0);
}

int vob_blk_drv_read(struct vob_blk_drv *b, uint64_t sector, void *buf, uint32_t nsectors)
{
	return blk_drv_rw(b, VOB_BLK_T_IN, sector, NULL, buf, nsectors);
}

int vob_blk_drv_write(struct vob_blk_drv *b, uint64_t sector, const void *buf, uint32_t nsectors)
{
	return blk_drv_rw(b, VOB_BLK_T_OUT, sector, buf, NULL, nsectors);
}

int vob_blk_drv_flush(struct vob_blk_drv *b)
{
	struct vob_blk_drv_req *r;
	int err = blk_drv_ready(b);

	if (err)
		return err;
	if (!blk_drv_has(b, VOB_BIT(VOB_BLK_F_FLUSH)))
		return VOB_ENOTSUP;
	err = blk_drv_alloc(b, 0, &r);
	if (err)
		return err;
	return blk_drv_send(b, r, VOB_BLK_T_FLUSH, 0, 0);
}

int vob_blk_drv_get_id(struct vob_blk_drv *b, uint8_t *id)
{
	struct vob_blk_drv_req *r;
	int err = blk_drv_ready(b);

	if (err)
		return err;
	if (!id)
		return VOB_EINVAL;
	err = blk_drv_alloc(b, 0, &r);
	if (err)
		return err;
	r->user = id;
	return blk_drv_send(b, r, VOB_BLK_T_GET_ID, 0, 0);
}

static int blk_drv_ranges(struct vob_blk_drv *b, uint32_t type, uint64_t sector, uint32_t nsectors,
			  uint32_t flags)
{
	bool wz = type == VOB_BLK_T_WRITE_ZEROES;
	uint32_t max_sectors = wz ? b->info.max_write_zeroes_sectors : b->info.max_discard_sectors;
	uint32_t max_seg = wz ? b->info.max_write_zeroes_seg : b->info.max_discard_seg;
	uint32_t n = 0, left = nsectors;
	struct vob_blk_drv_req *r;
	uint8_t *p;
	int err = blk_drv_ready(b);

	if (err)
		return err;
	if (!blk_drv_has(b, wz ? VOB_BIT(VOB_BLK_F_WRITE_ZEROES) : VOB_BIT(VOB_BLK_F_DISCARD)))
		return VOB_ENOTSUP;
	if (b->info.read_only)
		return VOB_EPERM;
	if (!nsectors)
		return VOB_EINVAL;
	if (!blk_range_ok(b->info.capacity, sector, nsectors))
		return VOB_ERANGE;
	max_seg = blk_min32(max_seg, b->ctl_ranges);
	while (left) {
		if (n == max_seg)
			return VOB_E2BIG;
		left -= blk_min32(left, max_sectors);
		n++;
	}
	err = blk_drv_alloc(b, 0, &r);
	if (err)
		return err;
	for (p = r->ctl + BLK_HDR_BYTES, left = nsectors; left; p += BLK_RANGE_BYTES) {
		uint32_t k = blk_min32(left, max_sectors);

		vob_put_le64(p, sector);
		vob_put_le32(p + 8, k);
		vob_put_le32(p + 12, flags);
		sector += k;
		left -= k;
	}
	return blk_drv_send(b, r, type, 0, n);
}

int vob_blk_drv_discard(struct vob_blk_drv *b, uint64_t sector, uint32_t nsectors)
{
	return blk_drv_ranges(b, VOB_BLK_T_DISCARD, sector, nsectors, 0);
}

int vob_blk_drv_write_zeroes(struct vob_blk_drv *b, uint64_t sector, uint32_t nsectors,
			     bool unmap)
{
	return blk_drv_ranges(b, VOB_BLK_T_WRITE_ZEROES, sector, nsectors,
			      unmap ? VOB_BLK_WZ_F_UNMAP : 0u);
}

/* A used chain: check the answer, copy what it brought, deliver. */
static void blk_drv_complete(struct vob_blk_drv *b, struct vob_blk_drv_req *r, uint32_t written)
{
	int res;

	if (!written || written > r->in_len) {
		res = VOB_EPROTO; /* the status byte was not written */
	} else {
		/* Read once: the device may still be scribbling on it. */
		uint8_t st = *(volatile const uint8_t *)(r->ctl + b->buf_size - 1u);

		if (st == VOB_BLK_S_OK)
			res = written == r->in_len ? 0 : VOB_EPROTO; /* data not all written */
		else if (st == VOB_BLK_S_IOERR)
			res = VOB_EIO;
		else if (st == VOB_BLK_S_UNSUPP)
			res = VOB_ENOTSUP;
		else
			res = VOB_EPROTO;
	}
	if (!res && r->type == VOB_BLK_T_IN) {
		uint32_t off = 0;
		unsigned i;

		/* In the pieces it was sent in: a config change since may
		 * have changed b->piece (size_max). */
		for (i = 0; i < r->ndata; i++) {
			uint32_t k = blk_min32(r->len - off, r->piece);

			vob_memcpy((uint8_t *)r->user + off, r->data[i], k);
			off += k;
		}
	} else if (!res && r->type == VOB_BLK_T_GET_ID) {
		vob_memcpy(r->user, r->ctl + b->buf_size - BLK_TAIL_BYTES, VOB_BLK_ID_BYTES);
	}
	if (!res)
		b->stats.completed++;
	else if (res == VOB_EPROTO)
		b->stats.bad_replies++;
	else
		b->stats.failed++;
	blk_drv_release(b, r);
	r->state = REQ_FREE;
	b->done(b->arg, (int)(r - b->req), res);
}

/* Deliver requests cancelled by a reset. */
static unsigned blk_drv_deliver_lost(struct vob_blk_drv *b)
{
	unsigned i, n = 0;

	if (!b->lost_pending)
		return 0;
	b->lost_pending = 0;
	for (i = 0; i < VOB_BLK_DRV_REQS; i++) {
		struct vob_blk_drv_req *r = &b->req[i];

		if (r->state != REQ_DONE)
			continue;
		r->state = REQ_FREE;
		b->done(b->arg, (int)i, r->result);
		n++;
	}
	return n;
}

int vob_blk_drv_reset(struct vob_blk_drv *b)
{
	(void)vob_dev_reset(&b->dev);
	b->info_state = INFO_UNREAD;
	(void)blk_drv_deliver_lost(b);
	return 0;
}

int vob_blk_drv_poll(struct vob_blk_drv *b)
{
	unsigned io = 0;
	int ev = vob_dev_poll(&b->dev);

	if (ev < 0)
		return ev;
	if (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE | VOB_DEV_EV_CONFIG))
		b->info_state = INFO_UNREAD;
	if (ev & VOB_DEV_EV_NEEDS_RESET) {
		/* The device gave up on the queue: start again. */
		(void)vob_dev_reset(&b->dev);
		b->info_state = INFO_UNREAD;
	}
	if (vob_dev_state(&b->dev) == VOB_DEV_LIVE && b->info_state == INFO_UNREAD)
		blk_drv_read_config(b);
	for (;;) {
		struct vob_vq *vq = vob_dev_vq(&b->dev, 0);
		void *tok;
		uint32_t written;
		int err;

		if (!vq)
			break;
		err = vob_vq_get_used(vq, &tok, &written);
		if (err == VOB_EAGAIN) {
			/* Ask for the next completion's interrupt, then look once
			 * more: one may have landed before the request was seen. */
			err = vob_vq_enable_notify(vq);
			if (err == 1)
				continue;
			if (err == 0)
				break;
		}
		if (err < 0) {
			/* A broken ring: reset; what was in flight is cancelled. */
			b->stats.ring_errors++;
			(void)vob_dev_reset(&b->dev);
			b->info_state = INFO_UNREAD;
			break;
		}
		VOB_ASSERT((struct vob_blk_drv_req *)tok >= b->req &&
			   (struct vob_blk_drv_req *)tok < b->req + VOB_BLK_DRV_REQS);
		blk_drv_complete(b, (struct vob_blk_drv_req *)tok, written);
		io++;
	}
	io += blk_drv_deliver_lost(b);
	return ev | (io ? VOB_BLK_EV_IO : 0);
}

int vob_blk_drv_info(const struct vob_blk_drv *b, struct vob_blk_info *out)
{
	int err = blk_drv_ready(b);

	if (err)
		return err;
	*out = b->info;
	return 0;
}

const struct vob_blk_drv_stats *vob_blk_drv_stats(const struct vob_blk_drv *b)
{
	return &b->stats;
}

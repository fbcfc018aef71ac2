/* SPDX-License-Identifier: BSD-3-Clause */
#include "fake_port.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void *fake_map(void *ctx, uint64_t addr, size_t len, unsigned access)
{
	struct fake_port *fp = ctx;
	unsigned i;

	(void)access;
	if (fp->refuse_map)
		return NULL;
	for (i = 0; i < fp->nregions; i++) {
		struct fake_region *r = &fp->region[i];

		if (addr >= r->link_addr && addr - r->link_addr <= r->len &&
		    len <= r->len - (addr - r->link_addr))
			return (uint8_t *)r->ptr + (addr - r->link_addr);
	}
	return NULL;
}

static int fake_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	struct fake_port *fp = ctx;

	fp->doorbells++;
	fp->last_id = id;
	fp->last_data = data;
	if (fp->nlog < FAKE_LOG)
		fp->log[fp->nlog++] = id;
	if (fp->doorbell_err)
		return fp->doorbell_err;
	if (fp->peer)
		vob_on_irq_isr(fp->peer, id);
	return 0;
}

static void fake_clean(void *ctx, const void *p, size_t n)
{
	(void)p;
	(void)n;
	((struct fake_port *)ctx)->cleans++;
}

static void fake_invalidate(void *ctx, const void *p, size_t n)
{
	(void)p;
	(void)n;
	((struct fake_port *)ctx)->invalidates++;
}

static int fake_dma_copy(void *ctx, void *dst, const void *src, size_t n, void *cookie)
{
	struct fake_port *fp = ctx;

	fp->dma_calls++;
	switch (fp->dma_mode) {
	case FAKE_DMA_NOW:
		memcpy(dst, src, n);
		vob_dma_complete_isr(cookie, 0);
		return 0;
	case FAKE_DMA_LATER:
		if (fp->npending == FAKE_MAX_DMA)
			return VOB_EBUSY;
		fp->pending[fp->npending].dst = dst;
		fp->pending[fp->npending].src = src;
		fp->pending[fp->npending].n = n;
		fp->pending[fp->npending].cookie = cookie;
		fp->npending++;
		return 0;
	case FAKE_DMA_BUSY:
		return VOB_EBUSY;
	case FAKE_DMA_FULL:
		return VOB_ENOSPC;
	default:
		return VOB_EIO;
	}
}

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

const struct vob_port_ops fake_port_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = fake_map,
	.ring_doorbell = fake_doorbell,
};

const struct vob_port_ops fake_port_ops_full = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = fake_map,
	.ring_doorbell = fake_doorbell,
	.cache_clean = fake_clean,
	.cache_invalidate = fake_invalidate,
	.dma_copy = fake_dma_copy,
	.clock_ns = fake_clock,
};

void fake_port_init(struct fake_port *fp)
{
	memset(fp, 0, sizeof(*fp));
}

void fake_port_add_region(struct fake_port *fp, uint64_t link_addr, void *ptr, size_t len)
{
	fp->region[fp->nregions].link_addr = link_addr;
	fp->region[fp->nregions].ptr = ptr;
	fp->region[fp->nregions].len = len;
	fp->nregions++;
}

void fake_port_dma_finish(struct fake_port *fp, int status)
{
	unsigned i;

	for (i = 0; i < fp->npending; i++) {
		if (!status)
			memcpy(fp->pending[i].dst, fp->pending[i].src, fp->pending[i].n);
		vob_dma_complete_isr(fp->pending[i].cookie, status);
	}
	fp->npending = 0;
}

int pair_setup(struct vob_pair *p, uint16_t size, uint64_t features, uint16_t indirect_max,
	       size_t buf_bytes)
{
	struct vob_window_cfg w = { 0 };
	size_t line = 64;
	int packed = (features & VOB_BIT(VOB_F_RING_PACKED)) != 0;
	int err;

	/* A footprint build (config.h switches) left out a feature the test
	 * needs: the test is skipped, not failed. */
	if (features & VOB_VQ_FEATURES_ALL & ~(uint64_t)VOB_VQ_FEATURES)
		skip();
	memset(p, 0, sizeof(*p));
	p->base = PAIR_BASE;
	p->ring_off = 0;
	/* The ring format follows the features: packed with VOB_F_RING_PACKED. */
	p->driver_off = p->ring_off + (packed ? VOB_PACKED_DRIVER_OFF(size, line)
					      : VOB_SPLIT_AVAIL_OFF(size, line));
	p->device_off = p->ring_off + (packed ? VOB_PACKED_DEVICE_OFF(size, line)
					      : VOB_SPLIT_USED_OFF(size, line));
	p->ind_off = VOB_ALIGN_UP(packed ? VOB_PACKED_RING_BYTES(size, line)
					 : VOB_SPLIT_RING_BYTES(size, line), line);
	p->buf_off = VOB_ALIGN_UP(p->ind_off + (size_t)size * indirect_max * 16u, line);
	p->len = p->buf_off + VOB_ALIGN_UP(buf_bytes, line);
	p->mem = aligned_alloc(4096, VOB_ALIGN_UP(p->len, 4096));
	memset(p->mem, 0xa5, p->len);

	fake_port_init(&p->pdrv);
	fake_port_init(&p->pdev);
	fake_port_add_region(&p->pdrv, p->base, p->mem, p->len);
	fake_port_add_region(&p->pdev, p->base, p->mem, p->len);
	p->pdrv.peer = &p->ldev;
	p->pdev.peer = &p->ldrv;
	if (vob_link_init(&p->ldrv, &fake_port_ops, &p->pdrv, 64) ||
	    vob_link_init(&p->ldev, &fake_port_ops, &p->pdev, 64))
		return VOB_EINVAL;
	w.link_addr = p->base;
	w.size = p->len;
	w.kind = VOB_MEM_COHERENT;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	if (vob_link_add_window(&p->ldrv, &w) < 0 || vob_link_add_window(&p->ldev, &w) < 0)
		return VOB_EINVAL;

	p->cdrv.role = VOB_ROLE_DRIVER;
	p->cdrv.size = size;
	p->cdrv.doorbell = 1;
	p->cdrv.features = features | VOB_BIT(VOB_F_VERSION_1);
	p->cdrv.desc_addr = p->base + p->ring_off;
	p->cdrv.driver_addr = p->base + p->driver_off;
	p->cdrv.device_addr = p->base + p->device_off;
	p->cdrv.indirect_addr = indirect_max ? p->base + p->ind_off : 0;
	p->cdrv.indirect_max = indirect_max;
	p->cdev = p->cdrv;
	p->cdev.role = VOB_ROLE_DEVICE;
	p->cdev.doorbell = 2;
	p->cdev.indirect_addr = 0;
	p->cdev.indirect_max = 0;
	p->sdrv = aligned_alloc(8, VOB_VQ_STATE_SIZE(size, indirect_max));
	p->sdev = aligned_alloc(8, VOB_VQ_STATE_SIZE(size, 0));
	err = vob_vq_init(&p->drv, &p->ldrv, &p->cdrv, p->sdrv, VOB_VQ_STATE_SIZE(size, indirect_max));
	if (!err)
		err = vob_vq_init(&p->dev, &p->ldev, &p->cdev, p->sdev, VOB_VQ_STATE_SIZE(size, 0));
	return err;
}

void pair_free(struct vob_pair *p)
{
	free(p->mem);
	free(p->sdrv);
	free(p->sdev);
}

uint64_t pair_buf_addr(const struct vob_pair *p, size_t off)
{
	return p->base + p->buf_off + off;
}

uint8_t *pair_buf(const struct vob_pair *p, size_t off)
{
	return p->mem + p->buf_off + off;
}

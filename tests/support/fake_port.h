/* SPDX-License-Identifier: BSD-3-Clause */
/* A port for tests: coherent memory in this process, with fault switches,
 * call counters, an optional peer link that receives the doorbells, and a DMA
 * op that can complete at once, later, or refuse. */
#ifndef VOB_FAKE_PORT_H
#define VOB_FAKE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "vob/vob.h"

/* Skip the calling cmocka test when the build left out cache maintenance
 * (VOB_CFG_CACHED 0, a footprint configuration). */
#define VOB_TEST_NEEDS_CACHED() \
	do {                     \
		if (!VOB_CFG_CACHED) \
			skip();      \
	} while (0)

#define FAKE_MAX_REGIONS 8
#define FAKE_MAX_DMA 64
#define FAKE_LOG 64 /* doorbell ids logged in order */

struct fake_region {
	uint64_t link_addr;
	size_t len;
	void *ptr;
};

/* FULL: the engine's queue is full (VOB_ENOSPC); BUSY: VOB_EBUSY; FAIL: VOB_EIO. */
enum fake_dma_mode { FAKE_DMA_NOW, FAKE_DMA_LATER, FAKE_DMA_BUSY, FAKE_DMA_FAIL, FAKE_DMA_FULL };

struct fake_dma {
	void *dst;
	const void *src;
	size_t n;
	void *cookie;
};

struct fake_port {
	struct fake_region region[FAKE_MAX_REGIONS];
	unsigned nregions;
	struct vob_link *peer;  /* doorbells go to vob_on_irq_isr(peer) if set */
	int refuse_map;         /* map_window returns NULL */
	int doorbell_err;       /* ring_doorbell returns this */
	unsigned doorbells;
	uint32_t last_id, last_data;
	uint32_t log[FAKE_LOG]; /* the first FAKE_LOG ids rung since nlog was last zeroed */
	unsigned nlog;
	unsigned cleans, invalidates;
	enum fake_dma_mode dma_mode;
	unsigned dma_calls;
	struct fake_dma pending[FAKE_MAX_DMA];
	unsigned npending;
};

/* Doorbell and map only. */
extern const struct vob_port_ops fake_port_ops;
/* Plus counting cache ops, a DMA op and a clock. */
extern const struct vob_port_ops fake_port_ops_full;

void fake_port_init(struct fake_port *fp);
void fake_port_add_region(struct fake_port *fp, uint64_t link_addr, void *ptr, size_t len);
/* Complete every deferred DMA transfer with @status. */
void fake_port_dma_finish(struct fake_port *fp, int status);

/* A driver and a device over one coherent block of memory: the ring at the
 * start, the driver's indirect tables after it, then a buffer area. The ring
 * is packed when the features hold VOB_F_RING_PACKED, split otherwise. */
struct vob_pair {
	uint8_t *mem;
	size_t len;
	uint64_t base;          /* link address of mem[0] */
	size_t ring_off, ind_off, buf_off;
	size_t driver_off, device_off; /* the ring's driver and device areas */
	struct fake_port pdrv, pdev;
	struct vob_link ldrv, ldev;
	struct vob_vq drv, dev;
	struct vob_vq_cfg cdrv, cdev;
	void *sdrv, *sdev;
};

#define PAIR_BASE 0x40000000ull

/* Set up both ends; returns 0 or the first error of vob_vq_init. */
int pair_setup(struct vob_pair *p, uint16_t size, uint64_t features, uint16_t indirect_max,
	       size_t buf_bytes);
void pair_free(struct vob_pair *p);
/* Link address of byte @off of the buffer area, and its local pointer. */
uint64_t pair_buf_addr(const struct vob_pair *p, size_t off);
uint8_t *pair_buf(const struct vob_pair *p, size_t off);

#endif

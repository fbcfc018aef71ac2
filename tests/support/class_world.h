/* SPDX-License-Identifier: BSD-3-Clause */
/* Two sides in one process over one coherent window holding a device table,
 * ring memory and buffers: the ground device-class tests stand on. Side 0
 * (dev) plays the devices, side 1 (drv) the drivers; doorbells go across. */
#ifndef VOB_CLASS_WORLD_H
#define VOB_CLASS_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "fake_port.h"
#include "vob/table.h"

#define CW_BASE 0x30000000ull
#define CW_LINE 64u

struct cw_side {
	struct fake_port port;
	struct vob_link link;
	struct vob_table t;
};

struct class_world {
	uint8_t *mem;
	size_t len;
	struct cw_side dev, drv;
	uint64_t next; /* bump allocator over what follows the table */
};

/* Both sides' links and tables; @data_bytes of memory after the table. */
int cw_init(struct class_world *w, uint16_t nslots, uint16_t nqueues, uint16_t config_max,
	    size_t data_bytes);
void cw_free(struct class_world *w);
/* @len bytes of window memory, line aligned; its link address. */
uint64_t cw_alloc(struct class_world *w, size_t len);
/* The local pointer of a link address (the same on both sides here). */
void *cw_ptr(const struct class_world *w, uint64_t addr);
/* Ring areas and state for a driver-role queue of @size entries. */
int cw_place(struct class_world *w, struct vob_dev_queue *q, uint16_t size);

#endif

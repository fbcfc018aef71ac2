/* SPDX-License-Identifier: BSD-3-Clause */
/* Two sides in one process holding a device table, ring memory and buffers:
 * the ground device-class tests stand on. Side 0 of the table (dev) plays the
 * devices, side 1 (drv) the drivers; doorbells go across.
 *
 * Two backings behind one API, chosen by cw_set_backing() before cw_init():
 * - fake (the default): one coherent window, the fake port, doorbells
 *   delivered at once;
 * - sim: the simulated link of ports/sim in any of its modes. In cached mode
 *   each side sees its own private write-back cache, dirty lines are evicted
 *   and stale ones refilled at random between polls (cw_step()), and
 *   doorbells are delivered at cw_step(), so a class that misses a cache
 *   operation reads stale data. With two windows the table and what the
 *   device reads sit in the device's memory, what the driver reads in the
 *   driver's (cw_alloc_drv()).
 * Test bodies call cw_step() between polls of the two sides, reach window
 * memory through cw_ptr() (the driver's view) or cw_dev_ptr(), and write a
 * shared field by hand with cw_poke() (stored and written back by one side). */
#ifndef VOB_CLASS_WORLD_H
#define VOB_CLASS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_port.h"
#include "sim.h"
#include "vob/table.h"

#define CW_BASE 0x30000000ull
#define CW_BASE_DRV 0x50000000ull /* the driver's block (two windows) */
#define CW_FILL 0xa5               /* the fake window's bytes before anyone writes */
#define CW_LINE 64u               /* the fake backing's line; the sim's default */

struct cw_side {
	struct fake_port port;  /* fake backing */
	struct vob_link own;    /* fake backing: this side's link */
	struct vob_link *link;  /* this side's link, whatever the backing */
	struct vob_table t;
};

/* How cw_init() builds a world. A zeroed struct is the fake backing. */
struct cw_backing {
	bool sim;               /* on ports/sim rather than the fake port */
	struct vob_sim_cfg sc;  /* the sim's configuration (mode, seed, line, rates) */
	uint8_t nwin;           /* 1 (0 too): one block; 2: a block per side */
	int owner;              /* one block: VOB_SIM_A (driver), VOB_SIM_B (device), NOBODY */
	uint32_t cache_pct;     /* chance per cw_step() of a cache-event pass */
	uint32_t bell_pct;      /* chance per cw_step() that doorbells in flight arrive */
};

#define CW_SIM_DRV VOB_SIM_A
#define CW_SIM_DEV VOB_SIM_B

struct class_world {
	struct cw_backing b;
	struct vob_sim *sim;    /* sim backing, else NULL */
	uint8_t *mem;           /* fake backing: the window */
	size_t len;             /* bytes of the (device's) block */
	size_t len_drv;         /* bytes of the driver's block (two windows) */
	uint32_t line;          /* the links' cache-line size */
	struct cw_side dev, drv;
	uint64_t next, next_drv; /* bump allocators over what follows the table */
};

/* The backing of every later cw_init() (copied); NULL: the fake one. */
void cw_set_backing(const struct cw_backing *b);
/* The name of the backing in force, for messages ("fake", "sim-cached/1win"). */
const char *cw_backing_name(void);

/* Both sides' links and tables; @data_bytes of memory after the table (and
 * as much again in the driver's block with two windows). */
int cw_init(struct class_world *w, uint16_t nslots, uint16_t nqueues, uint16_t config_max,
	    size_t data_bytes);
void cw_free(struct class_world *w);
/* @len bytes of window memory, line aligned; its link address. In the
 * device's memory (cw_alloc) or the driver's (cw_alloc_drv; the same block
 * with one window). 0 when full. */
uint64_t cw_alloc(struct class_world *w, size_t len);
uint64_t cw_alloc_drv(struct class_world *w, size_t len);
/* The driver's (cw_ptr) or the device's (cw_dev_ptr) local pointer of a
 * link address: the same on the fake backing and on the sim but in cached
 * mode, where it is that side's cache. */
void *cw_ptr(const struct class_world *w, uint64_t addr);
void *cw_dev_ptr(const struct class_world *w, uint64_t addr);
/* Side @s stores @n bytes at @addr and writes them back at once (a peer
 * scribbling on a shared field). */
void cw_poke(struct class_world *w, struct cw_side *s, uint64_t addr, const void *data, size_t n);
/* Side @s stored to [p, p + n) by hand: write it back at once (cached). */
void cw_written(struct class_world *w, struct cw_side *s, const void *p, size_t n);
/* Side @s drops its cached copy of [addr, addr + n) before reading what the
 * peer wrote there behind the library's back (a no-op but in cached mode). */
void cw_refresh(struct class_world *w, struct cw_side *s, uint64_t addr, size_t n);
/* Ring areas and state for a driver-role queue of @size entries (device
 * area in the driver's memory with two windows). */
int cw_place(struct class_world *w, struct vob_dev_queue *q, uint16_t size);
/* Between two polls: on the sim, maybe a cache-event pass and maybe the
 * doorbells in flight arrive (chances from the backing); nothing on fake. */
void cw_step(struct class_world *w);
/* Every doorbell in flight arrives now (sim); nothing on fake. */
void cw_deliver(struct class_world *w);

/* The backing a seed draws for test bodies written for the fake one: the
 * sim in @mode, line CW_LINE, one window with a drawn owner, drawn eviction
 * and refill rates, a cache-event chance per step, doorbells at every step. */
void cw_backing_from_seed(struct cw_backing *b, uint8_t mode, uint64_t seed);

struct CMUnitTest;
/* No backing of the sim: the fake one (cw_main's @sim_mode). */
#define CW_FAKE (-1)
#ifndef CW_BODY_SEEDS
#define CW_BODY_SEEDS 3u /* seeds of a class test's bodies on the sim */
#endif
#ifndef CW_SIM_MODE
#define CW_SIM_MODE CW_FAKE /* a build sets it to run a class test on the sim */
#endif
/* The main of a class test: runs @tests once on the fake backing, or, with
 * @sim_mode a vob_mem_kind, once per seed on the sim in that mode (seeds:
 * VOB_SIM_BODY_SEEDS, default @dflt_seeds, from VOB_SIM_FIRST; or only
 * VOB_SIM_SEED; see docs/sim.md). A failing seed prints "FAIL seed=..." and a replay line.
 * Returns the number of failing tests (of the first failing seed). */
int cw_main(const char *prog, const char *group, const struct CMUnitTest *tests, size_t n,
	    int sim_mode, unsigned dflt_seeds);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* Two bare-metal-port links on one host: the "MMIO registers" are ordinary
 * memory, one doorbell register per id and direction; an interrupt
 * controller stand-in (bmw_deliver) raises a line for every register that
 * holds a value, and the port's line handler acknowledges it (writes 0) and
 * records the doorbell. The device table, a device in slot 0 (table side 0)
 * and its driver (table side 1), one split queue, and an echo exchange run
 * over it in polling mode through vob_bm_poll(). Shared by the bare-metal
 * and FreeRTOS port tests. */
#ifndef BM_WORLD_H
#define BM_WORLD_H

#include <stdint.h>

#include "vob/table.h"
#include "vob_baremetal.h"

#define BMW_BASE 0x40000000ull /* link address of the shared block */
#define BMW_LEN 0x10000u       /* its bytes */
#define BMW_LINE 64u           /* the links' cache-line size */
#define BMW_QSIZE 8u           /* queue entries */
#define BMW_MSG 48u            /* bytes per message */
#define BMW_BUF_OFF 0x8000u    /* message buffers: after table and ring */

/* How the doorbells are wired. */
enum bmw_wiring {
	BMW_WIRED,     /* every id has a register; lines deliver them */
	BMW_UNWIRED,   /* no doorbell registers: both sides only poll */
	BMW_CACHED     /* wired, and the window is VOB_MEM_CACHED (recording hooks) */
};

struct bmw_side {
	struct vob_bm_port port;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	struct vob_dev_queue q;
	struct vob_vq vq;
	uint64_t state[VOB_VQ_STATE_SIZE(BMW_QSIZE, 0) / 8u + 1u];
	/* the registers the peer's doorbells write (this side's inbound) */
	volatile uint32_t regs[VOB_MAX_DOORBELLS];
	struct vob_bm_doorbell bells[VOB_MAX_DOORBELLS]; /* toward the peer */
	struct vob_bm_irq irqs[VOB_MAX_DOORBELLS];       /* from the peer */
	struct vob_bm_window win;
	/* cache hook records (BMW_CACHED) */
	unsigned cleans, invalidates, bad_ranges;
};

struct bmw {
	enum bmw_wiring wiring;
	uint8_t *mem;
	struct bmw_side s[2]; /* [0] device, [1] driver */
	uint32_t sent, echoed, served, lost, checked_bad;
	uint32_t count;       /* messages to exchange */
	const char *why;      /* first failure */
};

/* Set up both sides (ports, links, tables, devices). Returns 0 or a vob_err. */
int bmw_init(struct bmw *w, enum bmw_wiring wiring, uint32_t count);
/* Raise a line for every doorbell register of side @p s that holds a value. */
void bmw_deliver(struct bmw *w, unsigned s);
/* One polling round of both sides: 1 when all messages came back, 0 to go
 * on, a negative vob_err on failure (w->why says what). For vob_bm_poll(). */
int bmw_round(void *arg);
/* Message buffer slot k (below BMW_QSIZE): the link address of its
 * device-readable half, of its device-writable half, and a local pointer. */
uint64_t bmw_out(uint32_t k);
uint64_t bmw_in(uint32_t k);
uint8_t *bmw_ptr(struct bmw *w, uint64_t addr);
/* Free the shared block. */
void bmw_free(struct bmw *w);

#endif

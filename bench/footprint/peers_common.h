/* SPDX-License-Identifier: BSD-3-Clause */
/* What the peers' footprint programs share (bench/footprint-peers): the
 * addresses of the shared window and of the doorbell register, an entry
 * point, and the one system call newlib-nano's malloc needs. None of it is
 * counted: bench/footprint-peers counts only the bytes the link keeps from
 * the peer library's own objects, as scripts/footprint does for vob. */
#ifndef PEERS_COMMON_H
#define PEERS_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The shared window (as in tests/footprint/fw_common.h) and a doorbell that
 * is one MMIO store. */
#define FW_WIN_ADDR 0x20000000u
#define FW_WIN_SIZE 0x10000u
#define FW_DOORBELL_REG 0x40000000u
/* Set by the doorbell interrupt (not part of these programs). */
#define FW_IRQ_REG 0x40000004u

static inline void fw_ring(uint32_t id)
{
	*(volatile uint32_t *)(uintptr_t)FW_DOORBELL_REG = id;
}

/* Whether the peer rang since the last call (reading clears it). */
static inline int fw_rung(void)
{
	return *(volatile uint32_t *)(uintptr_t)FW_IRQ_REG != 0;
}

int fw_main(void);

/* newlib-nano's malloc grows its heap through _sbrk: a fixed arena. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
	static uint8_t heap[4096] __attribute__((aligned(8)));
	static size_t used;
	void *p;

	if (incr < 0 || (size_t)incr > sizeof(heap) - used)
		return (void *)-1;
	p = heap + used;
	used += (size_t)incr;
	return p;
}

void _start(void);
void _start(void)
{
	for (;;)
		(void)fw_main();
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* What the footprint programs share: the port (the bare-metal port with
 * FW_BAREMETAL defined, else a stand-in with an identity window mapping and
 * an MMIO doorbell register), the four memory functions and an entry point,
 * so that each program links with -nostdlib on any target. scripts/footprint
 * counts the bytes from lib/ objects and, apart, from the bare-metal port;
 * the rest is not counted. */
#ifndef VOB_FW_COMMON_H
#define VOB_FW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "vob/link.h"
#include "vob/table.h"
#include "vob/virtqueue.h"

/* Link addresses of the shared window, and where the table sits in it. */
#define FW_WIN_ADDR 0x20000000u
#define FW_WIN_SIZE 0x10000u
#define FW_DOORBELL_REG 0x40000000u

#ifdef FW_BAREMETAL
/* The programs of the device and driver configurations use the bare-metal
 * port (ports/baremetal): one window, one MMIO doorbell register written
 * with the doorbell id. scripts/footprint counts its bytes apart. The tiny
 * device's program (FW_TINY) takes the same window and doorbell from this
 * configuration, without a link, a table or the port object. */
#include "vob_baremetal.h"

static const struct vob_bm_window fw_windows[] = {
	{ FW_WIN_ADDR, FW_WIN_SIZE, (void *)(uintptr_t)FW_WIN_ADDR, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
	  VOB_MAP_READ | VOB_MAP_WRITE },
};

static const struct vob_bm_doorbell fw_bells[] = {
	{ (volatile void *)(uintptr_t)FW_DOORBELL_REG, 0, VOB_BM_BELL_ID, 0, 4 },
};

static const struct vob_bm_cfg fw_bm_cfg = {
	fw_windows, 1, fw_bells, 1, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL
};

#ifndef FW_TINY
static struct vob_bm_port fw_port;

static int fw_link(struct vob_link *link)
{
	int err = vob_bm_init(&fw_port, &fw_bm_cfg);

	return err ? err : vob_bm_link_init(link, &fw_port, 0);
}
#endif
#else
/* The stand-in port of the everything program: an identity mapping and a
 * doorbell that is one store (not counted). */
static void *fw_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)ctx;
	(void)len;
	(void)access;
	return (void *)(uintptr_t)link_addr;
}

static int fw_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	*(volatile uint32_t *)(uintptr_t)FW_DOORBELL_REG = id | (data << 8);
	return 0;
}

static const struct vob_port_ops fw_ops = {
	VOB_PORT_OPS_VERSION, fw_map_window, fw_ring_doorbell, NULL, NULL, NULL, NULL
};

static int fw_link(struct vob_link *link)
{
	struct vob_window_cfg w = { FW_WIN_ADDR, FW_WIN_SIZE, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };
	int err = vob_link_init(link, &fw_ops, NULL, 0);

	return err ? err : vob_link_add_window(link, &w) < 0;
}
#endif

#ifndef FW_TINY
static int fw_table(struct vob_table *t, struct vob_link *link, uint8_t side)
{
	struct vob_table_cfg c = { FW_WIN_ADDR, 0, 1, 2, 64, 0, 0 };

	c.side = side;
	return vob_table_init(t, link, &c);
}
#endif

int fw_main(void);

/* The four memory functions the library needs, small and slow. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = (uint8_t *)d;
	const uint8_t *sp = (const uint8_t *)s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = (uint8_t *)d;
	const uint8_t *sp = (const uint8_t *)s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = (uint8_t *)d;

	while (n--)
		*dp++ = (uint8_t)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void _start(void);
void _start(void)
{
	for (;;)
		(void)fw_main();
}

#endif

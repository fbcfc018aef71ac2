/* SPDX-License-Identifier: BSD-3-Clause */
/* What both halves of the example pairs agree on, whatever runs them (a
 * Linux process, the bare-metal firmware): the layout of the shared window,
 * the echo device's ids and the payload pattern. Freestanding: only
 * include/vob and the four memory functions. */
#ifndef VOB_EX_LAYOUT_H
#define VOB_EX_LAYOUT_H

#include <stdint.h>

#include "vob/vob.h"

/* Layout of the window, the same on both sides (link addresses):
 *   0x0000  device table (1 slot, 2 queues, 128 bytes of config)
 *   0x0800  futex doorbell block of the Linux port, used or not
 *   0x1000  the driver's arena: rings, then buffers (placed by the driver,
 *           announced through the table; the device needs none of it)
 */
#define EX_LINE 64u
#define EX_NSLOTS 1u
#define EX_NQUEUES 2u
#define EX_CONFIG_MAX 128u /* holds the largest config of the examples (blk: 72) */
#define EX_TABLE_ADDR 0x0u
#define EX_FUTEX_ADDR 0x800u
#define EX_ARENA_ADDR 0x1000u
#define EX_TABLE_BYTES VOB_TABLE_BYTES(EX_NSLOTS, EX_NQUEUES, EX_CONFIG_MAX, EX_LINE)

/* Side numbers in the table: the device side is 0, the driver side 1. */
#define EX_SIDE_DEVICE 0u
#define EX_SIDE_DRIVER 1u

/* The echo device: a private device id, outside the 16-bit virtio id
 * space so it can never collide with a standard device. One queue: each
 * chain is a readable part then a writable part; the device copies the
 * readable bytes into the writable part and returns the chain. */
#define EX_ECHO_DEVICE_ID 0x00010001u
/* Vendor id of the examples' devices ("VOB" little-endian). */
#define EX_VENDOR_ID 0x00424f56u

/* Payload pattern: 8 bytes of sequence number (little-endian), then bytes
 * that depend on it. */
void ex_fill(uint8_t *p, uint32_t n, uint64_t seq);
/* Offset of the first wrong byte, or n. */
uint32_t ex_check(const uint8_t *p, uint32_t n, uint64_t seq);

/* The echo device's work on one chain: copy its readable bytes into its
 * writable part (through @scratch when they are in several segments).
 * The caller checks first that the writable part is at least as long.
 * Returns the bytes written, or a negative vob_err. */
int ex_echo_chain(struct vob_link *link, const struct vob_chain *ch, uint8_t *scratch,
		  uint32_t scratch_len);

#endif

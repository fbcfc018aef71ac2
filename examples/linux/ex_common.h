/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the Linux example pairs (echo, console): option handling, the
 * layout of the shared window, and bringing up the port, the link and the
 * device table. Only public API is used: include/vob and ports/linux. */
#ifndef VOB_EX_COMMON_H
#define VOB_EX_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "vob/vob.h"
#include "vob_linux.h"

/* Layout of the window, the same on both sides (link addresses):
 *   0x0000  device table (1 slot, 2 queues, 64 bytes of config)
 *   0x0800  futex doorbell block (VOB_LINUX_FUTEX_BYTES), used or not
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

struct ex_opts {
	const char *prog;      /* program name for messages */
	char window[512];      /* window spec */
	char doorbell[512];    /* doorbell spec */
	unsigned queue;        /* queue size */
	int packed;            /* driver: ask for the packed ring */
	int quiet;
	FILE *msg;             /* where messages go (stdout, or stderr) */
};

struct ex {
	struct ex_opts *o;
	struct vob_linux lx;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	uint64_t win_size;     /* bytes of window 0 */
	int fd;                /* vob_linux_fd() if asked for, else -1 */
};

/* Defaults: window file:/dev/shm/<name>,size=<size>, futex doorbell. */
void ex_opts_init(struct ex_opts *o, const char *prog, const char *name, const char *size);
/* Handle one of the common options at argv[*i]; 1 when taken, 0 when not
 * ours, -1 on a bad value (message printed). */
int ex_opts_common(struct ex_opts *o, int argc, char **argv, int *i);
/* Help text of the common options. */
void ex_opts_help(FILE *f, const struct ex_opts *o);
/* Port, windows, doorbell, link, table on @side; prints what it did. */
int ex_open(struct ex *e, struct ex_opts *o, unsigned side);
void ex_close(struct ex *e);
/* Local pointer of a link address (window 0). */
void *ex_ptr(struct ex *e, uint64_t addr);
/* Place @n queues of @size entries in the arena from @addr; returns the
 * first free address after them, or 0 when the window is too small. */
uint64_t ex_place(struct ex *e, struct vob_dev_queue *q, unsigned n, unsigned size, uint64_t addr);
/* Print the features negotiated on @d (the echo pair: &e->dev). */
void ex_print_features(struct ex *e, struct vob_dev *d, const char *who);
/* CLOCK_MONOTONIC in ns. */
uint64_t ex_now(void);
/* The name of a vob_dev_state. */
const char *ex_state_name(int st);
/* Install SIGINT/SIGTERM handlers that set ex_stop. */
void ex_signals(void);
extern volatile int ex_stop;

/* Payload pattern: 8 bytes of sequence number (little-endian), then bytes
 * that depend on it. */
void ex_fill(uint8_t *p, uint32_t n, uint64_t seq);
/* Offset of the first wrong byte, or n. */
uint32_t ex_check(const uint8_t *p, uint32_t n, uint64_t seq);

#endif

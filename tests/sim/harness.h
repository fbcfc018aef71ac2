/* SPDX-License-Identifier: BSD-3-Clause */
/* A driver on side A and a device on side B of a simulated link, moving
 * random chains through a split virtqueue under the sim's scheduler. Every
 * payload byte, token and written length is checked against an oracle the
 * test keeps outside the window. */
#ifndef VOB_SIM_HARNESS_H
#define VOB_SIM_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

#define H_DRV VOB_SIM_A
#define H_DEV VOB_SIM_B

/* What a test case fixes. */
struct h_case {
	uint8_t mode;   /* vob_mem_kind of both sides */
	uint8_t nwin;   /* 1: one block; 2: reader-local placement over two */
	uint8_t evidx;  /* negotiate VOB_F_EVENT_IDX */
	int owner;      /* nwin 1: who owns the block; -1: drawn from the seed */
};

/* What the seed draws (or a test sets by hand). */
struct h_params {
	uint32_t line;          /* 32..256 */
	uint16_t qsize;         /* queue size */
	uint8_t indirect;       /* negotiate VOB_F_INDIRECT_DESC, tables in a window */
	uint8_t in_order;       /* negotiate VOB_F_IN_ORDER: the device serves in order */
	uint8_t fixed_shape;    /* every chain: 1 readable + 1 writable of fixed_len */
	uint32_t fixed_len;     /* with fixed_shape */
	uint8_t full_write;     /* the device always writes every writable byte */
	uint8_t plain;          /* no variants: add at once, one pull, one push */
	unsigned total;         /* messages to move */
	unsigned warmup;        /* counters reset after this many are collected */
	unsigned hold_max;      /* device holds up to this many chains (out of order) */
	int owner;              /* nwin 1: owner of the block */
	struct vob_sim_cfg sim; /* cache events, doorbells, scheduling (seed set by run) */
};

/* What a run leaves behind. */
struct h_result {
	struct vob_sim_counters c[2];
	uint64_t ticks;
	unsigned messages;        /* collected after the warm-up */
	uint64_t kicks, kicks_suppressed, irqs, irqs_suppressed;
};

/* Human name of a mode. */
const char *h_mode_name(uint8_t mode);

/* Draw the parameters of @seed for @c. */
void h_params_from_seed(const struct h_case *c, uint64_t seed, struct h_params *p);

/* Run one seed. Returns 0, or prints "FAIL seed=... case=...: why" with a
 * replay hint and the sim's trace, and returns a negative value. */
int h_run(const struct h_case *c, uint64_t seed, const struct h_params *p, struct h_result *res,
	  const char *prog);

/* Environment knobs (see docs/sim.md): VOB_SIM_SEEDS, VOB_SIM_SEED,
 * VOB_SIM_FIRST, VOB_SIM_VERBOSE. */
unsigned h_env_seeds(unsigned dflt);
bool h_env_seed(uint64_t *seed);
uint64_t h_env_first(void);
bool h_env_verbose(void);

/* Run the seeds the environment asks for on @c; returns the number of
 * failing seeds (stops at the first). */
unsigned h_run_seeds(const struct h_case *c, unsigned dflt_seeds, const char *prog);

#endif

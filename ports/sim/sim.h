/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sim.h
 * @brief The sim port: two ends of a link in one process, over a simulated
 * non-coherent shared-memory window, with a deterministic scheduler.
 *
 * @defgroup vob_sim Simulated link (test port)
 * @{
 * Two sides, @ref VOB_SIM_A and @ref VOB_SIM_B, each with a @c struct
 * vob_link that the sim initialises with its own port operations. Memory is
 * a set of *blocks* (backing memory, as the bus sees it), each owned by A, by
 * B or by neither, and mapped as one window by both sides at the same link
 * address.
 *
 * In @ref VOB_MEM_CACHED mode every side has a private copy of every block:
 * its *cache*. map_window hands out pointers into that copy, so the library
 * and the test read and write the cache with plain loads and stores and no
 * hook on the hot path. The port's cache operations move whole lines between
 * the copy and the backing memory:
 * - cache_clean writes back every *dirty* line of the range, whole. A line is
 *   dirty when it differs from a per-side snapshot of what it held when it
 *   was last filled or written back. A line of the range that equals the
 *   snapshot but not memory is written back too: a store of the bytes the
 *   line already held leaves no trace in the copy, and a line the library
 *   cleans is one it wrote.
 * - cache_invalidate refills every line of the range, whole, from backing
 *   memory, discarding this side's unwritten stores (as real caches do; the
 *   sim counts that as a dropped dirty line).
 * - Between scheduler steps, driven by the seed, dirty lines are evicted
 *   (written back whole) and clean lines are refilled: a line nobody
 *   invalidated may hold stale data or fresh data.
 *
 * In @ref VOB_MEM_UNCACHED and @ref VOB_MEM_COHERENT modes both sides get
 * pointers straight into backing memory and the window has that kind, so
 * the library issues no cache operations.
 *
 * Doorbells rung by one side are delivered to the other side's link with
 * vob_on_irq_isr() after a random delay in scheduler steps, and may be
 * coalesced with a pending one of the same id.
 *
 * The scheduler (vob_sim_run()) calls the two sides' step functions in an
 * order drawn from the seed, performing random cache events and doorbell
 * deliveries between steps, so a run replays exactly from its seed.
 *
 * The sim is test infrastructure: it allocates with malloc and is not
 * thread-safe. One @c struct vob_sim is one link; several may coexist.
 */
#ifndef VOB_SIM_H
#define VOB_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vob/vob.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Side A (by convention the driver in the tests). */
#define VOB_SIM_A 0
/** @brief Side B (by convention the device in the tests). */
#define VOB_SIM_B 1
/** @brief Block owner: memory of neither side (a shared SRAM, say). */
#define VOB_SIM_NOBODY 2

/** @brief Most blocks one sim holds. */
#define VOB_SIM_MAX_BLOCKS 4
/** @brief Doorbells in flight at most (more are coalesced). */
#define VOB_SIM_MAX_BELLS 256
/** @brief Events kept in the trace ring (see vob_sim_dump()). */
#define VOB_SIM_TRACE 128

struct vob_sim;

/** @name Step function results (see @ref vob_sim_step_fn)
 * @{ */
/** The side waits for a doorbell: it is not called again until one arrives. */
#define VOB_SIM_IDLE 0
/** The side did work or wants to run again. */
#define VOB_SIM_BUSY 1
/** The side has finished: it is never called again. */
#define VOB_SIM_DONE 2
/** @} */

/**
 * @brief One step of one side.
 *
 * Called by vob_sim_run() with the @p arg given to vob_sim_set_step(). A step
 * runs to completion: nothing else happens in the sim while it runs (no cache
 * event, no doorbell delivery), so it models a stretch of code between two
 * points where the other side may run.
 * @return @ref VOB_SIM_IDLE, @ref VOB_SIM_BUSY, @ref VOB_SIM_DONE, or a
 *         negative @ref vob_err that stops vob_sim_run() with that value.
 */
typedef int (*vob_sim_step_fn)(struct vob_sim *sim, void *arg);

/**
 * @brief Configuration of a sim, given to vob_sim_init().
 *
 * A zeroed struct is valid: cached mode off (coherent), 64-byte lines, no
 * random cache events, doorbells delivered after the current step, no
 * coalescing, fair scheduling.
 */
struct vob_sim_cfg {
	uint64_t seed;            /**< drives every random choice */
	uint8_t mode;             /**< @ref vob_mem_kind of both sides' mappings */
	uint32_t line;            /**< cache-line size: 32 to 256, a power of two; 0 for 64 */
	/** Chance, in 1/1000, that a cache-event pass runs before a step. */
	uint32_t pass_permille;
	/** In a pass: chance, in 1/1000, that each dirty line is written back. */
	uint32_t evict_permille;
	/** In a pass: chance, in 1/1000, that each stale clean line is refilled. */
	uint32_t refill_permille;
	/** Doorbell delay: uniform from 0 to this many steps. */
	uint32_t bell_delay_max;
	/** Chance, in percent, that a doorbell merges into a pending one with
	 * the same target and id instead of being queued. */
	uint32_t coalesce_pct;
	/** Chance, in percent, that A runs when both sides are runnable; 0 for 50. */
	uint32_t bias_a_pct;
};

/**
 * @brief Per-side counters. Line counts are kept in cached mode only (the
 * other modes have no hook that sees an access).
 */
struct vob_sim_counters {
	uint64_t remote_lines_read;    /**< lines filled on invalidate from the other side's block */
	uint64_t remote_lines_written; /**< lines written back (clean or eviction) into the other side's block */
	uint64_t local_lines_read;     /**< lines filled on invalidate from any other block */
	uint64_t local_lines_written;  /**< lines written back into any other block */
	uint64_t cleans;               /**< cache_clean calls */
	uint64_t invalidates;          /**< cache_invalidate calls */
	uint64_t evictions;            /**< random write-backs of dirty lines */
	uint64_t refills;              /**< random refills of stale clean lines */
	uint64_t remote_refills;       /**< those of them from the other side's block */
	uint64_t clean_same;           /**< lines cache_clean wrote back that matched the
					    snapshot but not memory (see README.md) */
	uint64_t dirty_dropped;        /**< dirty lines discarded by cache_invalidate */
	uint64_t stray_ops;            /**< cache ops on memory outside every cached block */
	uint64_t doorbells_sent;       /**< ring_doorbell calls */
	uint64_t doorbells_coalesced;  /**< of them, merged into a pending delivery */
	uint64_t doorbells_received;   /**< deliveries to this side's link */
	uint64_t steps;                /**< step function calls */
};

/** @brief One backing block (inside @c struct vob_sim; private). */
struct vob_sim_block {
	uint64_t addr;      /**< link address of the first byte */
	size_t size;        /**< bytes, a multiple of the line */
	int owner;          /**< @ref VOB_SIM_A, @ref VOB_SIM_B or @ref VOB_SIM_NOBODY */
	uint8_t *mem;       /**< backing memory */
	uint8_t *cache[2];  /**< per side: private copy (cached mode) */
	uint8_t *snap[2];   /**< per side: the copy as last filled or written back */
	uint8_t *marked[2]; /**< per side, per line: stored to (vob_sim_mark_written()) */
};

/** @brief One side (inside @c struct vob_sim; private but for @c link). */
struct vob_sim_side {
	struct vob_sim *sim;              /**< back pointer (port context) */
	int id;                           /**< @ref VOB_SIM_A or @ref VOB_SIM_B */
	struct vob_link link;             /**< this side's link */
	struct vob_sim_counters count;    /**< counters */
	vob_sim_step_fn step;             /**< step function, or NULL */
	void *arg;                        /**< its argument */
	uint8_t state;                    /**< last VOB_SIM_* result */
};

/** @brief A doorbell on its way (private). */
struct vob_sim_bell {
	uint64_t due; /**< step at which it is delivered */
	uint32_t id;  /**< doorbell id */
	uint8_t to;   /**< target side */
};

/** @brief One trace entry (private; see vob_sim_dump()). */
struct vob_sim_event {
	uint64_t step;  /**< scheduler tick */
	uint64_t addr;  /**< link address, doorbell id or step result */
	uint32_t n;     /**< bytes or lines */
	uint8_t side;   /**< side concerned */
	uint8_t kind;   /**< what happened (see sim.c) */
};

/**
 * @brief A simulated link. Place it anywhere; vob_sim_init() sets every
 * field and vob_sim_fini() frees what it allocated. Treat fields as private.
 */
struct vob_sim {
	struct vob_sim_cfg cfg;                         /**< configuration (copied) */
	uint64_t rng;                                   /**< PRNG state */
	uint64_t now;                                   /**< scheduler ticks so far */
	uint32_t line;                                  /**< line size in bytes */
	unsigned nblocks;                               /**< blocks in use */
	struct vob_sim_block block[VOB_SIM_MAX_BLOCKS]; /**< the blocks */
	struct vob_sim_side side[2];                    /**< A and B */
	struct vob_sim_bell bell[VOB_SIM_MAX_BELLS];    /**< doorbells in flight */
	unsigned nbells;                                /**< how many */
	struct vob_sim_event trace[VOB_SIM_TRACE];      /**< last events */
	uint64_t ntrace;                                /**< events recorded so far */
};

/**
 * @brief Set up a sim with no blocks; both links are initialised.
 * @return 0; VOB_EINVAL for a bad mode or line size.
 */
int vob_sim_init(struct vob_sim *sim, const struct vob_sim_cfg *cfg);

/** @brief Free every block. The links must no longer be used. */
void vob_sim_fini(struct vob_sim *sim);

/**
 * @brief Add a block of backing memory and map it as a window on both sides.
 *
 * The block is filled with random bytes from the seed (the caches start
 * clean and equal to it). On each side the window gets the sim's mode as its
 * kind, @ref VOB_WIN_LOCAL when that side owns the block and
 * @ref VOB_WIN_PEER otherwise, and read/write access.
 * @param sim the sim.
 * @param addr link address of the block: a multiple of the line size.
 * @param size bytes; rounded up to the line size.
 * @param owner @ref VOB_SIM_A, @ref VOB_SIM_B or @ref VOB_SIM_NOBODY.
 * @return the block index; VOB_EINVAL for a bad argument; VOB_E2BIG beyond
 *         @ref VOB_SIM_MAX_BLOCKS; VOB_ENOMEM when malloc fails; or what
 *         vob_link_add_window() returns.
 */
int vob_sim_add_block(struct vob_sim *sim, uint64_t addr, size_t size, int owner);

/** @brief The link of side @p side (@ref VOB_SIM_A or @ref VOB_SIM_B). */
struct vob_link *vob_sim_link(struct vob_sim *sim, int side);

/**
 * @brief What backing memory holds at [addr, addr + len): the bus's view,
 * not either side's. NULL when the range is not inside one block.
 */
void *vob_sim_backing(struct vob_sim *sim, uint64_t addr, size_t len);

/**
 * @brief Tell the model that side @p side stored to [p, p + n) (optional).
 *
 * The model finds dirty lines by comparing a side's copy with its snapshot,
 * so a store of the bytes a line already held is invisible to it; a random
 * refill may then discard it where a real cache would keep the line dirty.
 * Test code that writes shared memory in one step and cleans it in a later
 * one calls this after its stores to make them count. Lines outside every
 * cached block are ignored; a no-op outside cached mode.
 */
void vob_sim_mark_written(struct vob_sim *sim, int side, const void *p, size_t n);

/**
 * @brief Write back every dirty line of both sides (as if both caches were
 * flushed). Useful to inspect backing memory at the end of a test.
 */
void vob_sim_flush_all(struct vob_sim *sim);

/**
 * @brief Run one random cache-event pass over both caches now (what the
 * scheduler does between steps), for tests that drive the sides by hand.
 */
void vob_sim_cache_events(struct vob_sim *sim);

/**
 * @brief Deliver every doorbell in flight now, whatever its delay.
 */
void vob_sim_deliver_all(struct vob_sim *sim);

/** @brief Set the step function of side @p side (NULL: the side never runs). */
void vob_sim_set_step(struct vob_sim *sim, int side, vob_sim_step_fn fn, void *arg);

/**
 * @brief Run the scheduler until every side with a step function is done.
 *
 * Each tick: maybe a random cache-event pass, then the doorbells that are due
 * are delivered (waking a side that was idle), then one runnable side
 * (busy, or idle and woken) is chosen from the seed and stepped. A side that
 * returns @ref VOB_SIM_IDLE sleeps until a doorbell reaches it.
 * @param sim the sim, with at least one step function set.
 * @param max_ticks give up after this many ticks.
 * @return 0 when all sides are done; the negative value a step returned;
 *         VOB_ETIMEDOUT when no side can run and no doorbell is in flight (a
 *         lost wake-up); VOB_ETIME when @p max_ticks ran out.
 */
int vob_sim_run(struct vob_sim *sim, uint64_t max_ticks);

/** @brief A 64-bit random number from the sim's seeded generator. */
uint64_t vob_sim_rand(struct vob_sim *sim);

/** @brief A random number in [0, @p n) from the sim's generator (0 when n is 0). */
uint32_t vob_sim_rand_below(struct vob_sim *sim, uint32_t n);

/** @brief The counters of side @p side. */
const struct vob_sim_counters *vob_sim_counters(const struct vob_sim *sim, int side);

/** @brief Zero the counters of both sides. */
void vob_sim_reset_counters(struct vob_sim *sim);

/** @brief Print the configuration, the counters and the last trace events. */
void vob_sim_dump(const struct vob_sim *sim, FILE *f);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_SIM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob_baremetal.h
 * @brief The bare-metal port: windows at fixed addresses, doorbells as MMIO
 *        register writes, an interrupt entry, cache hooks and a polling mode.
 *
 * @defgroup vob_bm Bare-metal port
 * @{
 * For firmware with no operating system. Everything is configured by the
 * application in one @ref vob_bm_cfg, usually a @c const table in flash:
 *
 * - **Windows** are plain address ranges: a link address, a size, the local
 *   pointer through which this CPU reaches it and its @ref vob_mem_kind.
 *   vob_bm_link_init() adds every one of them to the link.
 * - **Doorbells** toward the peer are register writes: per doorbell id, a
 *   register address, an access width and the value to write (a fixed
 *   value, or a base value combined with the id or with the virtio
 *   notification data). An id without a register is a no-op, for links
 *   where the peer polls.
 * - **Interrupts** from the peer: the application's interrupt handler calls
 *   vob_bm_irq_isr() with the doorbell id, or vob_bm_irq_line_isr() with an
 *   interrupt line that a table maps to a doorbell id (and to an optional
 *   acknowledge register write).
 * - **Cache maintenance** for VOB_MEM_CACHED windows: two user functions, or
 *   the Arm CMSIS calls SCB_CleanDCache_by_Addr() /
 *   SCB_InvalidateDCache_by_Addr() when built with @ref VOB_BM_CMSIS_CACHE.
 * - **Time**: an optional clock function (for timeouts) and an optional idle
 *   function that vob_bm_poll() and vob_bm_wait_doorbell() call between
 *   rounds (for WFI / WFE, or to feed a watchdog).
 *
 * The port allocates nothing and needs nothing from libc but the four memory
 * functions. Several ports may live in one program; no symbol is global
 * state.
 */
#ifndef VOB_BAREMETAL_H
#define VOB_BAREMETAL_H

#include <stddef.h>
#include <stdint.h>

#include "vob/link.h"
#include "vob/port.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VOB_BM_CMSIS_CACHE
/**
 * @brief Build the cache hooks on the Arm CMSIS data-cache calls.
 *
 * 0 (default): the port compiles without CMSIS and cache maintenance goes to
 * the user functions in @ref vob_bm_cfg. 1: when the configuration gives no
 * user function, the port calls SCB_CleanDCache_by_Addr() and
 * SCB_InvalidateDCache_by_Addr() from the header named by
 * @ref VOB_BM_CMSIS_DEVICE_HEADER (for example "stm32h7xx.h"), which must be
 * defined too.
 */
#define VOB_BM_CMSIS_CACHE 0
#endif

#ifndef VOB_BM_CACHE
#if defined(VOB_CFG_CACHED)
#define VOB_BM_CACHE VOB_CFG_CACHED
#else
/**
 * @brief Build the cache hooks (footprint switch).
 *
 * 1 (default; it follows the core's VOB_CFG_CACHED switch when that is
 * defined): the port offers cache_clean / cache_invalidate when the
 * configuration gives cache functions (or with @ref VOB_BM_CMSIS_CACHE).
 * 0: the port has no cache operations at all, the cache functions in
 * @ref vob_bm_cfg are ignored, and the link refuses VOB_MEM_CACHED windows
 * (VOB_ENOSYS; VOB_ENOTSUP when the core is built with VOB_CFG_CACHED=0,
 * which the link checks first): for firmware whose windows are coherent
 * or uncached.
 */
#define VOB_BM_CACHE 1
#endif
#endif

#ifndef VOB_BM_CHECK_CFG
/**
 * @brief Check the doorbell and irq tables in vob_bm_init() (footprint
 *        switch).
 *
 * 1: vob_bm_init() refuses bad entries with VOB_EINVAL. 0: it trusts them
 * (a @c const table checked in a development build), saving the checking
 * code. Windows are checked by the link, as @ref VOB_CFG_ARG_CHECKS says.
 * The default follows @ref VOB_CFG_ARG_CHECKS, which also decides whether
 * the port's other calls refuse NULL arguments with an error or assert.
 */
#define VOB_BM_CHECK_CFG VOB_CFG_ARG_CHECKS
#endif

#ifndef VOB_BM_CACHE_LINE
/**
 * @brief Data-cache line size the port rounds maintenance ranges to, in
 *        bytes (a power of two; 32 on Cortex-M7 and most Cortex-A).
 *        @ref vob_bm_cfg can override it per port.
 */
#define VOB_BM_CACHE_LINE 32u
#endif

/** @brief Doorbell mode: no register; ringing does nothing (polling peer). */
#define VOB_BM_BELL_NONE 0u
/** @brief Doorbell mode: write @c value as it is. */
#define VOB_BM_BELL_FIXED 1u
/** @brief Doorbell mode: write @c value | (id << @c shift). */
#define VOB_BM_BELL_ID 2u
/** @brief Doorbell mode: write @c value | (data << @c shift), data being the
 *  virtio notification payload (queue index, or the NOTIFICATION_DATA word). */
#define VOB_BM_BELL_DATA 3u

/** @brief vob_bm_wait_doorbell(): wait for any doorbell id. */
#define VOB_BM_ANY 0xffffffffu

/**
 * @brief One window: a range of link addresses and where this CPU sees it.
 */
struct vob_bm_window {
	uint64_t link_addr; /**< first link address */
	uint64_t size;      /**< length in bytes, nonzero */
	void *ptr;          /**< local address of @c link_addr */
	uint8_t kind;       /**< @ref vob_mem_kind of this CPU's mapping */
	uint8_t owner;      /**< @ref VOB_WIN_LOCAL or @ref VOB_WIN_PEER */
	uint8_t access;     /**< VOB_MAP_READ | VOB_MAP_WRITE allowed */
};

/**
 * @brief How to ring one doorbell id toward the peer.
 *
 * The register is written with one store of @c width bytes (1, 2 or 4;
 * 0 means 4). @c reg NULL or @c mode VOB_BM_BELL_NONE makes the doorbell a
 * no-op.
 */
struct vob_bm_doorbell {
	volatile void *reg; /**< the doorbell register, or NULL */
	uint32_t value;     /**< the value (FIXED) or the base the id/data is ORed into */
	uint8_t mode;       /**< VOB_BM_BELL_NONE, _FIXED, _ID or _DATA */
	uint8_t shift;      /**< left shift of the id or data, below 32 */
	uint8_t width;      /**< register width in bytes: 1, 2, 4 (0 = 4) */
};

/**
 * @brief One interrupt line from the peer, for vob_bm_irq_line_isr().
 *
 * When @c ack_reg is not NULL, the handler first writes @c ack_value there
 * (one store of @c ack_width bytes; 0 means 4) to clear the interrupt
 * source, then records doorbell @c doorbell. Clearing first means a ring
 * that arrives after the clear raises the interrupt again: none is lost.
 */
struct vob_bm_irq {
	uint32_t doorbell;      /**< the doorbell id this line stands for */
	volatile void *ack_reg; /**< write-to-clear register, or NULL */
	uint32_t ack_value;     /**< the value written to @c ack_reg */
	uint8_t ack_width;      /**< its width in bytes: 1, 2, 4 (0 = 4) */
};

/** @brief A cache maintenance function: [p, p + n), line-aligned by the port. */
typedef void (*vob_bm_cache_fn)(void *user, const void *p, size_t n);
/** @brief A monotonic clock in nanoseconds. */
typedef uint64_t (*vob_bm_clock_fn)(void *user);
/** @brief Called between polling rounds with nothing to do (WFI, WFE, watchdog). */
typedef void (*vob_bm_idle_fn)(void *user);
/**
 * @brief One polling round for vob_bm_poll(): returns 0 to go on, a positive
 *        value when done, or a negative @ref vob_err to stop with it.
 */
typedef int (*vob_bm_poll_fn)(void *arg);

/**
 * @brief Everything the application configures. Zeroed fields mean "none".
 *
 * The port keeps the pointers (not copies of the arrays): the arrays must
 * stay valid as long as the port is used; a @c const table in flash is the
 * usual place.
 */
struct vob_bm_cfg {
	const struct vob_bm_window *windows;     /**< the windows */
	unsigned nwindows;                       /**< how many (the link takes VOB_MAX_WINDOWS) */
	const struct vob_bm_doorbell *doorbells; /**< outgoing doorbells, indexed by id */
	unsigned ndoorbells;                     /**< ids at or above: no-op */
	const struct vob_bm_irq *irqs;           /**< incoming lines, indexed by line */
	unsigned nirqs;                          /**< lines at or above: spurious */
	vob_bm_cache_fn cache_clean;      /**< write back; NULL: CMSIS or none */
	vob_bm_cache_fn cache_invalidate; /**< discard; NULL: CMSIS or none */
	uint32_t cache_line;              /**< line size to round to; 0: VOB_BM_CACHE_LINE */
	vob_bm_clock_fn clock_ns;         /**< monotonic clock, or NULL */
	vob_bm_idle_fn idle;              /**< called between idle polling rounds, or NULL */
	void *user;                       /**< passed to the functions above */
};

/**
 * @brief The port. Place it anywhere (usually static); vob_bm_init() sets
 *        every field. Treat the fields as private.
 */
struct vob_bm_port {
	struct vob_bm_cfg cfg;      /**< a copy of the configuration */
	struct vob_port_ops ops;    /**< the ops table handed to the link */
	struct vob_link *link;      /**< the link interrupts are recorded on */
	uint32_t rung;              /**< doorbells written to a register */
	uint32_t irqs;              /**< interrupts recorded */
	uint32_t irq_spurious;      /**< interrupt lines or ids with no link or entry */
};

/**
 * @brief Check a configuration and set up the port.
 * @param port the object to set up (every field is overwritten).
 * @param cfg the configuration; copied, but the arrays it points to are not.
 * @return 0; VOB_EINVAL for a NULL argument, a count with a NULL array, one
 *         cache function without the other, a cache line that is not a
 *         power of two, a doorbell with a bad mode, shift or width, or an
 *         irq entry with a bad width. The windows are checked when
 *         vob_bm_link_init() adds them. Call it from the application's
 *         setup code, interrupts from the peer disabled.
 */
int vob_bm_init(struct vob_bm_port *port, const struct vob_bm_cfg *cfg);

/**
 * @brief The port's ops table (inside @p port), for vob_link_init().
 *
 * It holds cache_clean / cache_invalidate only when the port has cache
 * functions, and clock_ns only when the configuration gives a clock.
 */
const struct vob_port_ops *vob_bm_ops(const struct vob_bm_port *port);

/**
 * @brief Initialise @p link on this port and add every configured window.
 *
 * Afterwards vob_bm_irq_isr() records on @p link. Call with interrupts from
 * the peer disabled; enable them after it returns.
 * @param link the link to set up (vob_link_init() overwrites it).
 * @param port a port set up with vob_bm_init(); must outlive the link.
 * @param line_size the link's cache-line size (see vob_link_init()); with a
 *        VOB_MEM_CACHED window at least the port's @c cache_line.
 * @return 0, or what vob_link_init() or vob_link_add_window() returns for
 *         the first window it refuses (the link is left without windows
 *         then): VOB_EINVAL for a zero size, a range that wraps, a bad kind,
 *         owner or access; VOB_E2BIG for more than VOB_MAX_WINDOWS; VOB_EEXIST
 *         for overlapping windows; VOB_EFAULT for a NULL pointer;
 *         VOB_ENOSYS for a VOB_MEM_CACHED window on a port without cache
 *         functions (and without VOB_BM_CMSIS_CACHE), but VOB_ENOTSUP for
 *         any VOB_MEM_CACHED window when the core is built with
 *         VOB_CFG_CACHED=0; VOB_EINVAL for a VOB_MEM_CACHED window when the
 *         port's @c cache_line is larger than the link's line size (both
 *         sides' areas would share cache lines; with
 *         @ref VOB_CFG_ARG_CHECKS 0 an assert).
 */
int vob_bm_link_init(struct vob_link *link, struct vob_bm_port *port, uint32_t line_size);

/**
 * @brief Interrupt entry: the peer rang doorbell @p id.
 *
 * Records it on the port's link with vob_on_irq_isr() and returns; runs no
 * callback. Call it from the interrupt handler (or from a polling loop that
 * found the peer's doorbell some other way). Before vob_bm_link_init() the
 * ring is counted as spurious.
 */
void vob_bm_irq_isr(struct vob_bm_port *port, uint32_t id);

/**
 * @brief Interrupt entry by interrupt line: looks @p line up in the irq
 *        table, writes its acknowledge register if it has one, and records
 *        its doorbell id. A line outside the table is counted as spurious.
 */
void vob_bm_irq_line_isr(struct vob_bm_port *port, unsigned line);

/**
 * @brief Run @p fn until it reports done, fails, or a limit passes.
 *
 * Calls @p fn(@p arg) in a loop. A positive return ends the loop and is
 * returned; a negative one too. After each round that returned 0 the port's
 * idle function (if any) runs. Not from interrupt context.
 * @param port the port (for the clock and idle functions).
 * @param fn the round: for example "poll the device table, serve the queue,
 *        return 1 when the echo came back".
 * @param arg passed to @p fn.
 * @param max_rounds stop after this many rounds; 0: no limit.
 * @param timeout_ns stop after this long by the port's clock; 0: no limit.
 * @return what @p fn returned when nonzero; VOB_ETIMEDOUT when a limit
 *         passed first; VOB_EINVAL when @p timeout_ns is set on a port
 *         without a clock. With neither limit the loop ends only when
 *         @p fn says so (a firmware main loop).
 */
int vob_bm_poll(struct vob_bm_port *port, vob_bm_poll_fn fn, void *arg, uint32_t max_rounds,
		uint64_t timeout_ns);

/**
 * @brief Wait until doorbell @p id (or any, with @ref VOB_BM_ANY) has been
 *        recorded on the port's link, and take it.
 *
 * Checks with vob_link_irq_take() / vob_link_irq_next(), running the idle
 * function between checks. Limits as for vob_bm_poll(). Not from interrupt
 * context.
 * @return the doorbell id taken (0 or more); VOB_ETIMEDOUT when a limit
 *         passed first; VOB_EINVAL when the port has no link, @p id is
 *         neither VOB_BM_ANY nor below VOB_MAX_DOORBELLS, or
 *         @p timeout_ns is set without a clock.
 */
int vob_bm_wait_doorbell(struct vob_bm_port *port, uint32_t id, uint32_t max_rounds,
			 uint64_t timeout_ns);

/**
 * @brief The doorbell function of a tiny device (vob/tiny.h,
 *        @c vob_tiny_cfg::doorbell) on this port's doorbell table.
 *
 * Writes the register of doorbell @p id as vob_bm_init()'s port would
 * (the same modes, shift and width), with the virtio notification data
 * of a device: the queue index for a queue doorbell, 0 for the table and
 * control ones. It needs no port object, only the configuration: a tiny
 * firmware links neither vob_bm_init() nor the link, and the port's
 * doorbell counter does not count these rings.
 * @param user a @c const @ref vob_bm_cfg (its @c doorbells and
 *        @c ndoorbells; nothing else is read), passed as
 *        @c vob_tiny_cfg::user.
 * @param id the doorbell id (docs/protocol.md section 7).
 * From the tiny device's calls only, which order the window's stores
 * before it (VOB_DOORBELL_MB).
 */
void vob_bm_tiny_doorbell(void *user, uint32_t id);

/** @brief Doorbells this port has written to a register. */
uint32_t vob_bm_doorbells_rung(const struct vob_bm_port *port);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_BAREMETAL_H */

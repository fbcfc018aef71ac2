/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file port.h
 * @brief The port interface: the only platform code vob needs.
 *
 * @defgroup vob_port Port interface
 * @{
 * A port is a constant table of operations plus a context pointer that vob
 * passes back to every call. The table is versioned so that operations can be
 * appended without breaking existing ports: a port sets @c version to the
 * @ref VOB_PORT_OPS_VERSION it was written against. Two required operations
 * (map_window, ring_doorbell) and four optional ones (NULL when absent) are
 * checked: the required ones when vob_link_init() receives the table, the
 * cache operations when a VOB_MEM_CACHED window is added; dma_copy and
 * clock_ns are used when present.
 *
 * The other direction, peer to us, is one library entry: the port's
 * interrupt handler calls vob_on_irq_isr() (declared in link.h) with the
 * doorbell id that fired. It only records the id; the application's own
 * thread or main loop does the work.
 *
 * Several ports may be used in one program: nothing here is a global symbol.
 */
#ifndef VOB_PORT_H
#define VOB_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Version of @c struct vob_port_ops this header describes. */
#define VOB_PORT_OPS_VERSION 1u

/** @brief map_window access flag: the library will read the range. */
#define VOB_MAP_READ 1u
/** @brief map_window access flag: the library will write the range. */
#define VOB_MAP_WRITE 2u

/**
 * @brief How this side's CPU sees a window.
 *
 * The kind decides which cache operations vob performs on the window and
 * which ring formats are safe on it.
 */
enum vob_mem_kind {
	/** Coherent with the peer (plain shared memory, snooping PCIe). */
	VOB_MEM_COHERENT = 0,
	/** Mapped uncached / device memory: every access goes to memory. */
	VOB_MEM_UNCACHED = 1,
	/** Cached, not coherent: vob cleans and invalidates through the port. */
	VOB_MEM_CACHED = 2
};

/**
 * @brief Operations a port provides.
 *
 * All operations receive the @c ctx given to vob_link_init(). None may call
 * back into vob except where stated.
 */
struct vob_port_ops {
	/** Set to @ref VOB_PORT_OPS_VERSION. */
	uint32_t version;

	/**
	 * @brief Turn a range of link addresses into a local pointer (required).
	 *
	 * Called by vob_link_add_window() once per window, never on the data
	 * path. Returns a pointer through which this CPU reaches
	 * [@p link_addr, @p link_addr + @p len) with the @p access asked
	 * (VOB_MAP_READ | VOB_MAP_WRITE), or NULL to refuse. The mapping must stay
	 * valid until the window is removed. May block (it runs at setup time).
	 */
	void *(*map_window)(void *ctx, uint64_t link_addr, size_t len, unsigned access);

	/**
	 * @brief Tell the peer that doorbell @p id has work (required).
	 *
	 * Every store vob made to shared memory before the call must be visible
	 * to the peer before the peer can observe the doorbell: vob issues
	 * @ref VOB_DOORBELL_MB first, and a port whose doorbell can overtake
	 * memory writes (an MMIO write on a weakly ordered bus) must add what it
	 * needs. @p data is the virtio notification payload (the queue index,
	 * or the NOTIFICATION_DATA word when that feature was negotiated); a port
	 * whose doorbells carry no data ignores it. Must not block for long; may
	 * be called from any context the application calls vob from. Returns 0
	 * or a negative @ref vob_err.
	 */
	int (*ring_doorbell)(void *ctx, uint32_t id, uint32_t data);

	/**
	 * @brief Write back dirty cache lines covering [p, p + n) (optional).
	 *
	 * Needed only for windows of kind VOB_MEM_CACHED. When it returns, the
	 * data must have reached memory the peer reads (on Arm: DC CVAC over the
	 * range, then DSB). vob aligns the areas it shares to the link's line
	 * size; the port rounds @p p down and @p p + @p n up to its lines.
	 */
	void (*cache_clean)(void *ctx, const void *p, size_t n);

	/**
	 * @brief Discard cached copies of [p, p + n) (optional).
	 *
	 * Needed only for windows of kind VOB_MEM_CACHED. After it returns, the
	 * next read of the range fetches from memory. vob never asks for a range
	 * that holds data this side wrote and has not cleaned.
	 */
	void (*cache_invalidate)(void *ctx, const void *p, size_t n);

	/**
	 * @brief Start a copy of @p n bytes with a DMA engine (optional).
	 *
	 * Returns 0 when the transfer was queued: the port then calls
	 * vob_dma_complete_isr(@p cookie, status) exactly once when it is done,
	 * from any context. Returns a negative @ref vob_err when it cannot take
	 * the transfer; VOB_EBUSY and VOB_ENOSPC make vob copy with the CPU
	 * instead, any other error fails the copy. Completions of one cookie
	 * must not overlap (two CPUs, or one completion interrupting another):
	 * vob_dma_complete_isr() counts them with a plain read-modify-write.
	 * Completions of different cookies may run at the same time.
	 *
	 * The port is responsible for the cache maintenance its DMA engine
	 * needs, and vob keeps that simple by giving DMA and CPU separate
	 * lines:
	 * - Into a VOB_MEM_CACHED window (vob_chain_pushv()), @p dst and
	 *   @p n are whole cache lines of the link (vob_link_line()): the
	 *   partial lines at the ends of a piece are copied by the CPU, which
	 *   cleans them itself. vob does not write those lines with the CPU
	 *   while the transfer is in flight (nor later, unless the caller
	 *   pushes to the same bytes again). A non-coherent engine writes
	 *   memory behind this CPU's cache, so before it reports completion
	 *   the port must discard this CPU's copies of [@p dst, @p dst + @p n)
	 *   (invalidate; a speculative fetch during the transfer may have
	 *   refilled them), or a later CPU write into those lines would clean
	 *   stale bytes back over the engine's. A coherent engine needs
	 *   nothing.
	 * - Out of a VOB_MEM_CACHED window (vob_chain_pullv()), vob has
	 *   invalidated the source lines before the call; it never writes them.
	 * - Local memory (the source of a push, the destination of a pull) is
	 *   the port's and the caller's: a non-coherent engine needs the
	 *   source cleaned before the transfer and the destination invalidated
	 *   after, and a pull's destination must not share cache lines with
	 *   anything the CPU writes during the transfer (vob's own CPU copies of
	 *   neighbouring local buffers included; see vob_chain_pullv()).
	 */
	int (*dma_copy)(void *ctx, void *dst, const void *src, size_t n, void *cookie);

	/**
	 * @brief A monotonic clock in nanoseconds (optional).
	 *
	 * Used for timeouts; without it, time is counted in calls.
	 */
	uint64_t (*clock_ns)(void *ctx);
};

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_PORT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file link.h
 * @brief The link: windows, address translation, cache maintenance, doorbells.
 *
 * @defgroup vob_link Link
 * @{
 * A link is everything one side knows about the connection to its peer:
 * the windows of shared memory (memory this side exports and the peer's
 * memory as seen here), each a range of *link addresses* with a local
 * pointer obtained once from the port's map_window; the cache-line size both
 * sides lay shared structures out by; and the doorbells, rung through the
 * port and recorded by vob_on_irq_isr().
 *
 * Descriptors and the device table carry link addresses, never pointers.
 * The only way from a link address to memory is vob_link_translate(), which
 * refuses any range that is not wholly inside one window.
 *
 * Concurrency: a link is set up from one thread; afterwards its windows are
 * read-only and may be used from several threads. vob_on_irq_isr() may be
 * called from an interrupt handler or another thread at any time;
 * vob_link_irq_take() and vob_link_irq_next() belong to the one thread that
 * processes the link.
 */
#ifndef VOB_LINK_H
#define VOB_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/config.h"
#include "vob/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The window lives in this side's memory. */
#define VOB_WIN_LOCAL 0u
/** @brief The window lives in the peer's memory. */
#define VOB_WIN_PEER 1u

/** @brief Describes one window to vob_link_add_window(). */
struct vob_window_cfg {
	uint64_t link_addr; /**< first link address of the window */
	uint64_t size;      /**< length in bytes, nonzero */
	uint8_t kind;       /**< @ref vob_mem_kind of this side's mapping */
	uint8_t owner;      /**< @ref VOB_WIN_LOCAL or @ref VOB_WIN_PEER */
	uint8_t access;     /**< VOB_MAP_READ | VOB_MAP_WRITE allowed on it */
};

/** @brief One mapped window (inside @c struct vob_link; read-only to users). */
struct vob_window {
	uint64_t base;  /**< first link address */
	uint64_t size;  /**< length in bytes */
	uint8_t *ptr;   /**< local pointer to @c base */
	uint8_t kind;   /**< @ref vob_mem_kind */
	uint8_t owner;  /**< @ref VOB_WIN_LOCAL or @ref VOB_WIN_PEER */
	uint8_t access; /**< allowed VOB_MAP_* flags */
};

/**
 * @brief A link. Place it anywhere (static, stack, heap); vob_link_init()
 * sets every field. Treat the fields as private.
 */
struct vob_link {
	const struct vob_port_ops *ops;          /**< the port */
	void *ctx;                               /**< the port's context */
	uint32_t line;                           /**< cache-line size in bytes */
	uint8_t nwin;                            /**< windows in use */
	uint8_t cached;                          /**< some window is VOB_MEM_CACHED */
	uint8_t irq_any;                         /**< some doorbell is pending */
	uint8_t irq_pending[VOB_MAX_DOORBELLS];  /**< per-id pending flag */
	uint32_t irq_spurious;                   /**< ids out of range (recorded as the last) */
	struct vob_window win[VOB_MAX_WINDOWS];  /**< the windows */
};

/**
 * @brief Initialise a link.
 * @param link the object to set up (every field is overwritten).
 * @param ops the port; must stay valid as long as the link is used.
 * @param ctx passed back to every op.
 * @param line_size cache-line size shared structures are aligned to: a power
 *        of two from 16 to @ref VOB_CACHE_LINE_MAX, or 0 for
 *        @ref VOB_CACHE_LINE_DEFAULT. Both sides must use the same value.
 * @return 0; VOB_EINVAL for a NULL argument, a missing required op or a bad
 *         line size; VOB_ENOTSUP for an ops table of an unknown version.
 */
int vob_link_init(struct vob_link *link, const struct vob_port_ops *ops, void *ctx,
		  uint32_t line_size);

/**
 * @brief Add a window, mapping it through the port's map_window.
 * @return the window's index (0 or more); VOB_EINVAL for a zero size, an
 *         address range that wraps, an unknown kind, an owner other than 0
 *         or 1, an access of 0 or with unknown bits, or a size this host
 *         cannot address (over SIZE_MAX: a 32-bit host and a window of
 *         4 GiB or more); VOB_E2BIG when @ref VOB_MAX_WINDOWS are in use;
 *         VOB_EEXIST when it overlaps a window already added; VOB_EFAULT
 *         when map_window refused it; VOB_ENOTSUP for a VOB_MEM_CACHED
 *         window in a build without cache maintenance (VOB_CFG_CACHED 0);
 *         VOB_ENOSYS for a VOB_MEM_CACHED window on a port without both
 *         cache operations.
 */
int vob_link_add_window(struct vob_link *link, const struct vob_window_cfg *cfg);

/** @brief The link's cache-line size in bytes (what shared areas align to). */
uint32_t vob_link_line(const struct vob_link *link);

/** @brief Forget every window (for example when the peer's memory map changes). */
void vob_link_clear_windows(struct vob_link *link);

/**
 * @brief Translate a range of link addresses to a local pointer.
 * @param link the link.
 * @param addr first link address.
 * @param len length in bytes; 0 is allowed and needs @p addr inside a window.
 * @param access VOB_MAP_READ and/or VOB_MAP_WRITE wanted.
 * @param win_out if not NULL, receives the window the range lies in.
 * @return the local pointer, or NULL when the range is not wholly inside one
 *         window that allows @p access. Never reads shared memory.
 */
void *vob_link_translate(const struct vob_link *link, uint64_t addr, uint64_t len,
			 unsigned access, const struct vob_window **win_out);

/**
 * @brief Find the link address of local memory inside a window.
 * @return 0 and the address in @p addr_out; VOB_EFAULT when
 *         [p, p + len) is not wholly inside one window.
 */
int vob_link_addr_of(const struct vob_link *link, const void *p, size_t len,
		     uint64_t *addr_out);

/**
 * @brief Make this side's writes to [p, p + n) visible to the peer.
 *
 * Calls the port's cache_clean when the range lies in a VOB_MEM_CACHED
 * window; does nothing otherwise, also for a range that is not wholly
 * inside one window (call once per window). For buffers a caller fills by
 * hand.
 */
void vob_link_sync_for_peer(const struct vob_link *link, const void *p, size_t n);

/**
 * @brief Make the peer's writes to [p, p + n) visible to this side.
 *
 * Calls the port's cache_invalidate when the range lies in a VOB_MEM_CACHED
 * window; does nothing otherwise, also for a range that is not wholly
 * inside one window (call once per window). The range must hold no data this side
 * wrote and has not made visible with vob_link_sync_for_peer().
 */
void vob_link_sync_for_cpu(const struct vob_link *link, const void *p, size_t n);

/**
 * @brief Ring doorbell @p id toward the peer.
 *
 * Issues @ref VOB_DOORBELL_MB, then the port's ring_doorbell.
 * @return what the port returns.
 */
int vob_link_doorbell(struct vob_link *link, uint32_t id, uint32_t data);

/**
 * @brief Record that the peer rang doorbell @p id (interrupt-safe).
 *
 * The port calls this from its interrupt handler (or its event thread). It
 * stores a flag and returns: no callback runs, nothing blocks. An id at or
 * above @ref VOB_MAX_DOORBELLS is counted in @c irq_spurious and recorded
 * as the last id, VOB_MAX_DOORBELLS - 1, which then stands for "that id or
 * any above": a table geometry with more doorbell ids than the build
 * records (docs/protocol.md section 7) loses no wake-up, and the
 * application polls every queue whose id is folded there.
 */
void vob_on_irq_isr(struct vob_link *link, uint32_t id);

/**
 * @brief Test and clear the pending flag of doorbell @p id.
 * An id at or above @ref VOB_MAX_DOORBELLS tests the last id's flag, which
 * vob_on_irq_isr() sets for all of them: true then means one of those ids
 * rang, and the caller polls every queue whose id is folded there.
 * @return true when it had been rung since the last call. Work the peer
 *         published before ringing is visible once this returns true.
 */
bool vob_link_irq_take(struct vob_link *link, uint32_t id);

/**
 * @brief Take the lowest pending doorbell id.
 * @return the id (cleared), or VOB_EAGAIN when none is pending.
 */
int vob_link_irq_next(struct vob_link *link);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_LINK_H */

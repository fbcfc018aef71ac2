/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file tiny.h
 * @brief The tiny device: the device role of one device with split queues,
 *        specialised at compile time for the smallest firmware.
 *
 * @defgroup vob_tiny Tiny device
 * @{
 * The tiny device speaks the same wire protocol as the general device role
 * (@ref vob_table with @ref vob_vq, docs/protocol.md) and virtio 1.x split
 * rings to the byte, so the general driver role on the other side cannot
 * tell the two apart: the same discovery, feature negotiation with refusal,
 * status steps, reset requests and answers, queue placement checks, and
 * recovery when either side restarts or the table is wiped. It keeps every
 * check on what the peer writes (indices, chains, lengths, ring and buffer
 * addresses): a driver writing garbage gets NEEDS_RESET, never a crash, a
 * hang or an access outside the window. A test in the suite drives it and
 * the general device role with the same driver writes and checks that the
 * window, the chains and the doorbells stay the same.
 *
 * What it gives up, for size (docs/footprint.md):
 * - one device, in slot 0 of a table with one slot, at the start of one
 *   window; the table's geometry is fixed at compile time
 *   (@ref VOB_TINY_LINE, @ref VOB_TINY_TABLE_QUEUES, @ref VOB_TINY_CONFIG_MAX)
 *   and the driver side must pass the same to vob_table_init();
 * - @ref VOB_TINY_QUEUES split queues of at most @ref VOB_TINY_QUEUE_MAX
 *   entries, chains of at most @ref VOB_TINY_SEG_MAX segments; no packed
 *   ring, indirect tables, event index, in-order or notification data;
 * - no config space (its length is 0), no events, no statistics, no cache
 *   maintenance (the window must be coherent or uncached), no DMA;
 * - no interrupt entry of its own: the application calls vob_tiny_poll()
 *   when the peer rings or when it polls anyway;
 * - no caller-argument checks: the caller's mistakes are caught by
 *   VOB_ASSERT where they would cost memory safety, nowhere else.
 *
 * Use the general device role when any of these is needed; both can be
 * linked into one image, but not on one table.
 *
 * **Concurrency.** One thread at a time for everything on one tiny device.
 */
#ifndef VOB_TINY_H
#define VOB_TINY_H

#include <stddef.h>
#include <stdint.h>

#include "vob/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Queues the tiny device has (1 to @ref VOB_TINY_TABLE_QUEUES). */
#ifndef VOB_TINY_QUEUES
#define VOB_TINY_QUEUES 1
#endif
/** @brief Largest queue size it publishes (a power of two, 1 to 32768). */
#ifndef VOB_TINY_QUEUE_MAX
#define VOB_TINY_QUEUE_MAX 16
#endif
/** @brief Most descriptors in one chain (1 to 255): a longer one is broken. */
#ifndef VOB_TINY_SEG_MAX
#define VOB_TINY_SEG_MAX 4
#endif
/** @brief The table's cache-line size (its geometry; the link's line). */
#ifndef VOB_TINY_LINE
#define VOB_TINY_LINE 64
#endif
/** @brief The table's queues per slot (its geometry). */
#ifndef VOB_TINY_TABLE_QUEUES
#define VOB_TINY_TABLE_QUEUES 2
#endif
/** @brief The table's config bytes per slot (its geometry). */
#ifndef VOB_TINY_CONFIG_MAX
#define VOB_TINY_CONFIG_MAX 64
#endif

/** @brief One segment of a popped chain: a local pointer into the window. */
struct vob_tiny_seg {
	uint8_t *base; /**< local pointer */
	uint32_t len;  /**< bytes, never 0 */
};

/**
 * @brief A chain returned by vob_tiny_pop(): @c nseg[0] readable segments,
 *        then @c nseg[1] writable ones, in @c seg.
 *
 * Zero-length descriptors count in neither @c nseg nor @c seg.
 */
struct vob_tiny_chain {
	struct vob_tiny_seg seg[VOB_TINY_SEG_MAX]; /**< the segments */
	uint32_t len[2];                           /**< bytes readable, writable */
	uint8_t nseg[2];                           /**< segments readable, writable */
	uint16_t head;                             /**< the driver's head index */
	uint32_t gen;                              /**< the queues' start it belongs to */
};

/**
 * @brief Rings a doorbell toward the peer; @p id as in docs/protocol.md
 *        (0 the table, 1 the control one, 2 + q queue q).
 *
 * Called after VOB_DOORBELL_MB(), so every store it announces is ordered
 * before it. On bare metal, vob_bm_tiny_doorbell() (ports/baremetal) writes
 * the MMIO register the port's doorbell table names.
 */
typedef void (*vob_tiny_doorbell_fn)(void *user, uint32_t id);

/** @brief What vob_tiny_init() needs. */
struct vob_tiny_cfg {
	void *window;        /**< local pointer of the window; the table is at its start */
	uint64_t link_addr;  /**< the window's link address (the driver's addresses are in it) */
	uint32_t size;       /**< the window's length in bytes */
	uint32_t device_id;  /**< virtio device id */
	uint64_t features;   /**< features offered; VOB_F_VERSION_1 is added */
	uint32_t epoch_seed; /**< mixed into the epoch on memory without an earlier one */
	uint8_t side;        /**< 0 or 1: which table header this side writes */
	vob_tiny_doorbell_fn doorbell; /**< NULL: the peer polls */
	void *user;                    /**< passed to @c doorbell */
};

/** @brief One queue's state. Private. */
struct vob_tiny_vq {
	uint8_t *ring[3];           /**< descriptors, avail, used */
	uint32_t inflight[(VOB_TINY_QUEUE_MAX + 31) / 32]; /**< heads popped, not pushed */
	uint16_t mask;              /**< size - 1 */
	uint16_t last_avail;        /**< next avail entry to take */
	uint16_t avail_seen;        /**< avail index last read */
	uint16_t used_idx;          /**< used index */
	uint16_t kicked;            /**< used index at the last decision */
	uint8_t on;                 /**< started */
	uint8_t lapped;             /**< 65536 pushes since the last decision */
};

/** @brief A tiny device. Place it anywhere; the fields are private. */
struct vob_tiny {
	uint8_t *base;        /**< the window (and the table) */
	uint64_t link_addr;   /**< its link address */
	uint32_t size;        /**< its length */
	uint64_t features;    /**< offered */
	uint32_t epoch;       /**< this side's */
	uint32_t peer_epoch;  /**< the peer's, last seen */
	uint32_t req;         /**< last request handled */
	uint32_t seq;         /**< slot sequence number */
	uint32_t pub;         /**< slot publication number */
	uint32_t gen;         /**< queue starts (DRIVER_OK answers) so far */
	uint16_t status;      /**< virtio status */
	uint8_t side;         /**< 0 or 1 */
	uint8_t peer_ok;      /**< the peer's header matches */
	uint32_t device_id;   /**< virtio device id */
	vob_tiny_doorbell_fn doorbell; /**< or NULL */
	void *user;                    /**< for @c doorbell */
	struct vob_tiny_vq vq[VOB_TINY_QUEUES]; /**< the queues */
};

/**
 * @brief Announce this side in the table at the start of the window and
 *        publish the device (status 0), ringing the table's doorbell.
 *
 * Call it as vob_tiny_init(t, cfg). A new epoch: one more than the one
 * this side's header holds, or from @c epoch_seed on memory without one.
 * The window's local pointer must be 4-byte aligned and its link address
 * aligned to @ref VOB_TINY_LINE (asserted).
 * @return 0; VOB_EINVAL when the caller was built with other
 *         @c VOB_TINY_* switches than the library (@p abi, see
 *         @ref VOB_TINY_ABI), when the window cannot hold the table or
 *         @c features asks for what the tiny device cannot do (the ring
 *         features above: VOB_F_INDIRECT_DESC, VOB_F_EVENT_IDX,
 *         VOB_F_RING_PACKED, VOB_F_IN_ORDER, VOB_F_NOTIFICATION_DATA;
 *         VOB_F_ACCESS_PLATFORM and VOB_F_ORDER_PLATFORM are fine).
 */
int vob_tiny_init_abi(struct vob_tiny *t, const struct vob_tiny_cfg *cfg, uint32_t abi);

/**
 * @brief The sizes of the caller's tiny structures, which the switches
 *        above decide: vob_tiny_init() passes them, and the library refuses
 *        (VOB_EINVAL) a caller built with other switches than itself.
 */
#define VOB_TINY_ABI \
	((uint32_t)sizeof(struct vob_tiny) << 16 | (uint32_t)sizeof(struct vob_tiny_chain))

/** @brief vob_tiny_init_abi() with this build's @ref VOB_TINY_ABI. */
#define vob_tiny_init(t, cfg) vob_tiny_init_abi((t), (cfg), VOB_TINY_ABI)

/**
 * @brief Run the table: the peer's header, this side's own (announced again
 *        after a wipe), the driver's requests and the status steps.
 *
 * Call it when the peer rings and whenever the application polls. Queues
 * start on DRIVER_OK, stop on a reset, a FAILED, a NEEDS_RESET or the
 * driver's side going away. One call may see the driver's side restart (or
 * the table wiped) and the queues start again, so that it returns 1 before
 * and after: chains popped before that are stale, and vob_tiny_push() drops
 * them (it writes nothing).
 * @return 1 while the device is live (DRIVER_OK, no FAILED or NEEDS_RESET),
 *         0 otherwise.
 */
int vob_tiny_poll(struct vob_tiny *t);

/**
 * @brief Whether the driver's side is in the table: its header announced,
 *        with this protocol version and geometry, as of the last
 *        vob_tiny_poll().
 *
 * 0 after the driver's side left (epoch 0, vob_table_shutdown()) tells a
 * session's end apart from a reset, which keeps the side in the table.
 * A driver's side whose header shows another protocol version or another
 * geometry than this build's @c VOB_TINY_LINE, @c VOB_TINY_TABLE_QUEUES
 * and @c VOB_TINY_CONFIG_MAX (with one slot) is not taken either: 0 then
 * too, and the device never goes live.
 */
int vob_tiny_peer(const struct vob_tiny *t);

/**
 * @brief Leave the table: this side's epoch 0, so that the driver resets
 *        the device, and the table's doorbell.
 *
 * Its queues stop (vob_tiny_pop() returns VOB_EIO, vob_tiny_push() writes
 * nothing). Poll the device no more afterwards; vob_tiny_init() on the
 * same memory takes a new epoch (the header keeps the last one where the peer does not
 * look), as after vob_table_shutdown().
 */
void vob_tiny_shutdown(struct vob_tiny *t);

/**
 * @brief Take the next chain of queue @p q, checked and translated.
 * @return 0 and @p c filled; VOB_EAGAIN when the driver made nothing
 *         available; VOB_EIO when the queue is not running (not live, or
 *         the driver left it disabled); VOB_EPROTO when the driver broke
 *         the ring: the device then publishes NEEDS_RESET and is no longer
 *         live.
 */
int vob_tiny_pop(struct vob_tiny *t, unsigned q, struct vob_tiny_chain *c);

/**
 * @brief Give a popped chain back as used, with @p written bytes in its
 *        writable part (at most @c c->len[1]; more is cut to it).
 *
 * Call it once for each chain popped from @p q. When the queue stopped
 * since the pop (a reset), or stopped and started again, it writes
 * nothing: the ring, or that chain, is no longer the device's.
 */
void vob_tiny_push(struct vob_tiny *t, unsigned q, const struct vob_tiny_chain *c,
		   uint32_t written);

/** @brief Ring the queue's doorbell if the driver asked to be told. */
void vob_tiny_kick(struct vob_tiny *t, unsigned q);

/** @brief The device found something broken: publish NEEDS_RESET. */
void vob_tiny_needs_reset(struct vob_tiny *t);

/**
 * @brief Copy the readable part of @p c into @p buf.
 *
 * Like vob_tiny_put(), it does not know whether the queue still runs: the
 * buffers of a chain popped before a reset or a restart are the driver's
 * again (it took them back as lost). Copy only between the pop and a
 * vob_tiny_poll() that may have stopped the queues.
 * @return the bytes copied: at most @p n.
 */
uint32_t vob_tiny_pull(const struct vob_tiny_chain *c, void *buf, uint32_t n);

/**
 * @brief Copy @p buf into the writable part of @p c.
 * @return the bytes copied: at most @p n and at most @c c->len[1].
 */
uint32_t vob_tiny_put(const struct vob_tiny_chain *c, const void *buf, uint32_t n);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_TINY_H */

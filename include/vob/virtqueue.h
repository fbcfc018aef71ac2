/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virtqueue.h
 * @brief The virtqueue engine: one API per role, whatever the ring format.
 *
 * @defgroup vob_vq Virtqueue engine
 * @{
 * A virtqueue is set up by vob_vq_init() on ring memory that lives in the
 * link's windows, at three independent link addresses (descriptor area,
 * driver area, device area), in the driver role or the device role.
 *
 * Driver role: vob_vq_add() places a chain of readable then writable
 * segments and publishes it; vob_vq_kick_prepare() says whether the device
 * wants a notification, vob_vq_notify() sends it; vob_vq_get_used() collects
 * completed chains with their tokens and written lengths.
 *
 * Device role: vob_vq_pop() returns the next chain, validated and already
 * translated into local pointers; vob_vq_push() returns it as used;
 * vob_vq_kick_prepare() says whether the driver wants an interrupt.
 * vob_chain_pull() and vob_chain_push() copy payload in and out of a chain.
 *
 * Notification control is symmetric: vob_vq_enable_notify() asks the peer to
 * ring us (returning 1 when work already arrived, so the caller must look
 * again before it sleeps), vob_vq_disable_notify() asks it not to.
 *
 * **The peer is untrusted.** Every index, descriptor, length and address
 * read from shared memory is read once, checked, then used. A violation
 * returns VOB_EPROTO, records a @ref vob_vq_fault, and breaks the queue:
 * every later call returns VOB_EIO until vob_vq_init() is called again.
 *
 * **Concurrency.** One queue, one thread at a time: calls on one queue must
 * be serialised by the caller, except vob_vq_notify(), which may run
 * concurrently with the others. Different queues are independent.
 *
 * **Non-coherent windows.** When a ring area or buffer lies in a window of
 * kind VOB_MEM_CACHED, the engine cleans what it wrote before publishing it
 * and invalidates what the peer wrote before reading it. The three ring areas
 * must each start on a cache line of the link. In the driver role, the
 * payload of each chain is cleaned by vob_vq_add() and its writable part
 * invalidated by vob_vq_get_used(); buffers must not share cache lines with
 * other data on such windows.
 *
 * **Ring formats.** The split ring (virtio 1.x section 2.7) is used unless
 * VOB_F_RING_PACKED is among the features, then the packed ring (section
 * 2.8): a descriptor ring both sides write, and two 4-byte event suppression
 * structures (driver area, device area). Both formats take the same calls
 * and keep the same counters. Because both sides write the packed
 * descriptor ring, a whole-line write-back on a cached non-coherent window
 * would revert the peer's updates: vob_vq_init() refuses a packed queue with
 * VOB_ENOTSUP when any ring area (or the driver's indirect tables) lies in a
 * VOB_MEM_CACHED window. Payload buffers may still lie in such windows.
 */
#ifndef VOB_VIRTQUEUE_H
#define VOB_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/link.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Ring feature bits the engine handles (virtio 1.x numbering)
 * @{ */
#define VOB_F_INDIRECT_DESC 28     /**< indirect descriptor tables */
#define VOB_F_EVENT_IDX 29         /**< event-index notification suppression */
#define VOB_F_VERSION_1 32         /**< virtio 1.x (always required) */
#define VOB_F_ACCESS_PLATFORM 33   /**< addresses are link (bus) addresses */
#define VOB_F_RING_PACKED 34       /**< packed ring format */
#define VOB_F_IN_ORDER 35          /**< buffers are used in the order made available */
#define VOB_F_ORDER_PLATFORM 36    /**< hardware memory barriers are required */
#define VOB_F_NOTIFICATION_DATA 38 /**< notifications carry the next avail position */
/** @} */

/** @brief The mask of feature bit @p f. */
#define VOB_BIT(f) ((uint64_t)1 << (f))

/**
 * @brief The ring features this build handles: VERSION_1, ACCESS_PLATFORM
 * and ORDER_PLATFORM always, the others as the VOB_CFG_* switches of
 * config.h leave them in. The device table never offers nor accepts a ring
 * feature outside this mask, and vob_vq_init() refuses one.
 */
#define VOB_VQ_FEATURES                                                              \
	(VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_ACCESS_PLATFORM) |                  \
	 VOB_BIT(VOB_F_ORDER_PLATFORM) |                                              \
	 (VOB_CFG_INDIRECT ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0u) |                     \
	 (VOB_CFG_EVENT_IDX ? VOB_BIT(VOB_F_EVENT_IDX) : 0u) |                        \
	 (VOB_CFG_PACKED ? VOB_BIT(VOB_F_RING_PACKED) : 0u) |                         \
	 (VOB_CFG_IN_ORDER ? VOB_BIT(VOB_F_IN_ORDER) : 0u) |                          \
	 (VOB_CFG_NOTIF_DATA ? VOB_BIT(VOB_F_NOTIFICATION_DATA) : 0u))

/** @brief The ring features the engine knows at all (every VOB_F_* above). */
#define VOB_VQ_FEATURES_ALL                                                          \
	(VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_ACCESS_PLATFORM) |                  \
	 VOB_BIT(VOB_F_ORDER_PLATFORM) | VOB_BIT(VOB_F_INDIRECT_DESC) |               \
	 VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(VOB_F_RING_PACKED) |                      \
	 VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(VOB_F_NOTIFICATION_DATA))

/** @brief Largest queue size the engine accepts. */
#define VOB_VQ_MAX_SIZE 32768u

/** @brief Bytes of caller state per queue entry (see VOB_VQ_STATE_SIZE()). */
#define VOB_VQ_SLOT_BYTES 32u

/**
 * @brief Caller state a queue needs, in bytes (a constant expression);
 * enough for both ring formats and both roles.
 * @param size the queue size.
 * @param indirect_max entries per indirect table in the driver role, or 0.
 */
#define VOB_VQ_STATE_SIZE(size, indirect_max) \
	((size_t)(size) * (VOB_VQ_SLOT_BYTES + 16u * (size_t)(indirect_max)))

/** @brief Round @p n up to a multiple of the power of two @p a. */
#define VOB_ALIGN_UP(n, a) (((n) + (a) - 1u) & ~((size_t)(a) - 1u))

/** @brief Bytes of a split descriptor table of @p n entries. */
#define VOB_SPLIT_DESC_BYTES(n) ((size_t)(n) * 16u)
/** @brief Bytes of a split driver (avail) area of @p n entries, with used_event. */
#define VOB_SPLIT_AVAIL_BYTES(n) (6u + 2u * (size_t)(n))
/** @brief Bytes of a split device (used) area of @p n entries, with avail_event. */
#define VOB_SPLIT_USED_BYTES(n) (6u + 8u * (size_t)(n))

/** @brief Offset of the driver area in a contiguous split ring. */
#define VOB_SPLIT_AVAIL_OFF(n, line) VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(n), line)
/** @brief Offset of the device area in a contiguous split ring. */
#define VOB_SPLIT_USED_OFF(n, line) \
	(VOB_SPLIT_AVAIL_OFF(n, line) + VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(n), line))

/**
 * @brief Bytes of one contiguous split ring (desc, avail, used), each area
 * starting on a line of @p line bytes (a constant expression).
 */
#define VOB_SPLIT_RING_BYTES(n, line)                                  \
	(VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(n), line) +                 \
	 VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(n), line) +                \
	 VOB_ALIGN_UP(VOB_SPLIT_USED_BYTES(n), line))

/** @brief Bytes of a packed descriptor ring of @p n entries. */
#define VOB_PACKED_DESC_BYTES(n) ((size_t)(n) * 16u)
/** @brief Bytes of the packed driver area (driver event suppression). */
#define VOB_PACKED_DRIVER_BYTES 4u
/** @brief Bytes of the packed device area (device event suppression). */
#define VOB_PACKED_DEVICE_BYTES 4u

/** @brief Offset of the driver area in a contiguous packed ring. */
#define VOB_PACKED_DRIVER_OFF(n, line) VOB_ALIGN_UP(VOB_PACKED_DESC_BYTES(n), line)
/** @brief Offset of the device area in a contiguous packed ring. */
#define VOB_PACKED_DEVICE_OFF(n, line) \
	(VOB_PACKED_DRIVER_OFF(n, line) + VOB_ALIGN_UP((size_t)VOB_PACKED_DRIVER_BYTES, line))

/**
 * @brief Bytes of one contiguous packed ring (descriptor ring, driver area,
 * device area), each area starting on a line of @p line bytes (a constant
 * expression).
 */
#define VOB_PACKED_RING_BYTES(n, line)                                 \
	(VOB_ALIGN_UP(VOB_PACKED_DESC_BYTES(n), line) +                \
	 VOB_ALIGN_UP((size_t)VOB_PACKED_DRIVER_BYTES, line) +         \
	 VOB_ALIGN_UP((size_t)VOB_PACKED_DEVICE_BYTES, line))

/** @brief The role this side plays on a queue. */
enum vob_role {
	VOB_ROLE_DRIVER = 1, /**< makes buffers available, collects them used */
	VOB_ROLE_DEVICE = 2  /**< consumes available buffers, returns them used */
};

/** @brief Why a queue broke (the first violation seen). */
enum vob_vq_fault {
	VOB_FAULT_NONE = 0,          /**< not broken */
	/** Split: avail index moved more than the queue size; packed: more
	 * descriptors available than the ring holds (overrun of in-flight ones). */
	VOB_FAULT_AVAIL_IDX,
	VOB_FAULT_HEAD_RANGE,        /**< a chain head (packed: buffer id) is not below the queue size */
	VOB_FAULT_NEXT_RANGE,        /**< a next index is outside its table */
	VOB_FAULT_LOOP,              /**< a chain is longer than its table or ring (a loop) */
	VOB_FAULT_TOO_LONG,          /**< a chain has more descriptors than seg_max */
	VOB_FAULT_LEN_OVERFLOW,      /**< a chain's total length exceeds 2^32 - 1 */
	VOB_FAULT_DIRECTION,         /**< a readable segment after a writable one */
	VOB_FAULT_INDIRECT,          /**< indirect not negotiated, or combined with NEXT */
	VOB_FAULT_INDIRECT_LEN,      /**< indirect table length bad (0, %16, > seg_max) */
	VOB_FAULT_INDIRECT_NESTED,   /**< an indirect table inside an indirect table */
	VOB_FAULT_ADDRESS,           /**< a range outside the windows (or wrong access) */
	VOB_FAULT_HEAD_BUSY,         /**< a head (packed: buffer id) made available again while in flight */
	VOB_FAULT_IN_ORDER,          /**< IN_ORDER negotiated but the order was broken */
	VOB_FAULT_USED_IDX,          /**< used index moved more than buffers in flight */
	VOB_FAULT_USED_ID,           /**< used id out of range or not in flight */
	VOB_FAULT_USED_LEN,          /**< used length larger than the writable part */
	/** Packed: a descriptor of a chain after its first is not available
	 * with the wrap counter of its position (flags published out of order). */
	VOB_FAULT_PACKED_WRAP
};

/** @brief Queue set-up, given to vob_vq_init(). */
struct vob_vq_cfg {
	uint8_t role;           /**< @ref vob_role */
	uint16_t index;         /**< queue index (sent as notification data) */
	uint16_t size;          /**< entries, 1 to 32768: a power of two for split rings, any for packed */
	uint32_t doorbell;      /**< doorbell id this side rings toward the peer */
	uint64_t features;      /**< negotiated features (VOB_F_* bits; others ignored) */
	uint64_t desc_addr;     /**< link address of the descriptor area */
	uint64_t driver_addr;   /**< link address of the driver (avail) area */
	uint64_t device_addr;   /**< link address of the device (used) area */
	/** Driver role with VOB_F_INDIRECT_DESC: link address of @c size
	 * indirect tables of @c indirect_max entries each (16 bytes per entry),
	 * in a window the device reads; 0 to use chained descriptors only. */
	uint64_t indirect_addr;
	uint16_t indirect_max;  /**< driver role: entries per indirect table */
	/** Device role: most descriptors accepted in one chain (direct or
	 * indirect), 0 for the queue size. The @c cap of every chain given to
	 * vob_vq_pop() must be at least this. */
	uint16_t seg_max;
	/**
	 * Where the queue starts, for resuming a ring stopped mid-way (both
	 * sides must give the same value; 0 for a fresh ring). Split: the
	 * 16-bit index both sides begin at: the driver's avail index and the
	 * used index it expects next; the device's next avail entry and its
	 * used index. Packed: bits 0-14 the ring position (below @c size) and
	 * bit 15 set when the wrap counter there is 0, for both the avail and
	 * the used position: 0 is position 0 with wrap counter 1, the start
	 * of a fresh ring. (Bit 15 is the inverse of virtio's off_wrap form:
	 * XOR 0x8000 converts.) See vob_vq_position(). With VOB_F_IN_ORDER a
	 * split ring's descriptor heads start again at 0 whatever the start.
	 */
	uint16_t start;
};

/** @brief Per-queue counters (see vob_vq_stats()). */
struct vob_vq_stats {
	uint64_t added;             /**< driver: chains added; device: chains popped */
	uint64_t used;              /**< driver: chains collected; device: chains pushed */
	uint64_t notify_sent;       /**< notifications sent (driver: kicks; device: interrupts) */
	uint64_t notify_suppressed; /**< notifications the peer did not want */
	uint64_t errors;            /**< calls that failed on the peer's account */
};

/** @brief A segment given to vob_vq_add(): link address and length. */
struct vob_seg {
	uint64_t addr; /**< link address */
	uint32_t len;  /**< length in bytes */
};

/** @brief vob_iov flag: the segment is writable by the device. */
#define VOB_IOV_WRITE 1u
/** @brief vob_iov flag: the segment is in a VOB_MEM_CACHED window. */
#define VOB_IOV_CACHED 2u
/**
 * @brief vob_iov flag: the segment came from an indirect table
 * (VOB_F_INDIRECT_DESC), so it takes no ring descriptor of its own: the
 * whole table takes one. A device counting the ring descriptors a chain holds
 * (how many more the driver can post) counts the segments without this flag
 * plus one if any segment has it. Never set when VOB_CFG_INDIRECT is 0.
 */
#define VOB_IOV_INDIRECT 4u

/** @brief A segment in local memory. */
struct vob_iov {
	void *base;     /**< local pointer */
	uint32_t len;   /**< length in bytes */
	uint32_t flags; /**< VOB_IOV_* */
};

/**
 * @brief A chain returned by vob_vq_pop(): @c n_out readable segments, then
 * @c n_in writable ones, in @c iov.
 *
 * The caller sets @c iov and @c cap; vob_vq_pop() fills the rest. Zero-length
 * descriptors are accepted and left out of @c iov.
 */
struct vob_chain {
	struct vob_iov *iov; /**< caller's array of @c cap entries */
	uint16_t cap;        /**< entries in @c iov */
	uint16_t head;       /**< chain id, handed back by vob_vq_push() */
	uint16_t n_out;      /**< readable segments (first in @c iov) */
	uint16_t n_in;       /**< writable segments (after the readable ones) */
	uint32_t out_len;    /**< bytes readable in all */
	uint32_t in_len;     /**< bytes writable in all */
};

/**
 * @brief A virtqueue. Place it anywhere; vob_vq_init() sets every field.
 * Treat the fields as private.
 */
struct vob_vq {
	struct vob_link *link;       /**< the link */
	void *desc;                  /**< local pointer to the descriptor area */
	void *avail;                 /**< local pointer to the driver area */
	void *used;                  /**< local pointer to the device area */
	void *state;                 /**< caller's state memory */
	void *indirect;              /**< local pointer to the indirect tables */
	uint64_t indirect_addr;      /**< their link address */
	struct vob_vq_stats stats;   /**< counters */
	uint64_t features;           /**< negotiated features */
	uint32_t doorbell;           /**< doorbell toward the peer */
	uint16_t size;               /**< queue size */
	uint16_t index;              /**< queue index */
	uint16_t indirect_max;       /**< entries per indirect table */
	uint16_t seg_max;            /**< device: descriptors per chain */
	uint16_t free_head;          /**< driver: first free descriptor (packed: free buffer id) */
	uint16_t num_free;           /**< driver: free descriptors */
	uint16_t avail_idx;          /**< driver: shadow avail index (packed: next ring position) */
	uint16_t avail_flags;        /**< driver: shadow avail flags (packed: driver event flags) */
	uint16_t last_used;          /**< driver: next used entry (packed: ring position) to read */
	uint16_t used_seen;          /**< driver: used index last read */
	uint16_t in_flight;          /**< chains made available, not yet used */
	uint16_t kicked;             /**< index (packed: off | wrap << 15) at the last kick_prepare */
	uint16_t last_avail;         /**< device: next avail entry (packed: ring position) to read */
	uint16_t avail_seen;         /**< device: avail index last read */
	uint16_t used_idx;           /**< device: shadow used index (packed: next ring position) */
	uint16_t used_flags;         /**< device: shadow used flags (packed: device event flags) */
	uint16_t next_order;         /**< IN_ORDER: next head expected (pop / get_used; packed device: pop list tail) */
	uint16_t push_order;         /**< device, IN_ORDER: next head to push (packed: pop list head) */
	uint16_t cursor;             /**< driver: vob_vq_reclaim() position */
	uint16_t batch_last;         /**< driver, IN_ORDER: last head of the used batch */
	uint32_t batch_len;          /**< driver, IN_ORDER: its written length */
	uint8_t batch;               /**< driver, IN_ORDER: a used batch is open */
	uint8_t role;                /**< @ref vob_role */
	uint8_t broken;              /**< every call fails with VOB_EIO */
	uint8_t fault;               /**< @ref vob_vq_fault */
	uint8_t c_desc;              /**< descriptor area is VOB_MEM_CACHED */
	uint8_t c_avail;             /**< driver area is VOB_MEM_CACHED */
	uint8_t c_used;              /**< device area is VOB_MEM_CACHED */
	uint8_t c_indirect;          /**< indirect tables are VOB_MEM_CACHED */
	uint8_t packed;              /**< the packed format (VOB_F_RING_PACKED) */
	uint8_t avail_wrap;          /**< packed: wrap counter of avail_idx (driver), last_avail (device) */
	uint8_t used_wrap;           /**< packed: wrap counter of last_used (driver), used_idx (device) */
	uint16_t ring_busy;          /**< packed, device: ring descriptors popped, not yet pushed */
	uint16_t since_kick;         /**< packed: ring descriptors published since the last
				      *   kick_prepare; split: 1 after a lap of 65536 since */
};

/**
 * @brief Set up a queue in one role.
 *
 * Initialises the area this role writes in shared memory (the driver area
 * in the driver role, the device area in the device role) and this side's
 * private state; never reads the peer's areas. Both sides must have called
 * it before either publishes a buffer (the device table orders that).
 *
 * @param vq the queue object (every field overwritten).
 * @param link the link the areas live in; must outlive the queue.
 * @param cfg the set-up; copied.
 * @param state caller memory of at least
 *        VOB_VQ_STATE_SIZE(cfg->size, cfg->indirect_max) bytes (device role:
 *        indirect_max 0), aligned as a uint64_t is (an array of uint64_t
 *        is: 8 bytes on most targets, 4 on i386 and some other 32-bit
 *        ones), owned by the queue until it is no longer used.
 * @param state_len its length.
 * @return 0; VOB_EINVAL for a bad size (0, above 32768, or not a power of
 *         two for a split ring), a packed start position not below the
 *         size, role, a misaligned area (each must
 *         start on a link cache line) or unaligned state; VOB_ENOMEM when
 *         @p state_len is too small; VOB_EFAULT when an area is not wholly
 *         inside a window with the access the role needs; VOB_ENOTSUP
 *         without VOB_F_VERSION_1, or for a packed queue whose ring areas or
 *         indirect tables lie in a VOB_MEM_CACHED window. After a failed
 *         call the queue is broken: every call on it returns VOB_EIO (or
 *         what its documentation gives for a broken queue) until an init
 *         succeeds.
 */
int vob_vq_init(struct vob_vq *vq, struct vob_link *link, const struct vob_vq_cfg *cfg,
		void *state, size_t state_len);

/**
 * @brief Driver role: make a chain of @p n_out readable then @p n_in writable
 * segments available to the device, and publish it.
 *
 * Uses one indirect table when the feature was negotiated, an indirect area
 * was given and the chain has more than one segment and fits; chained
 * descriptors otherwise. The segments' memory must stay untouched by this
 * side until vob_vq_get_used() returns @p token.
 *
 * @param vq the queue, in the driver role.
 * @param segs @p n_out + @p n_in segments (link addresses); copied.
 * @param n_out readable segments, first in @p segs.
 * @param n_in writable segments, after the readable ones.
 * @param token the caller's handle for the chain; not NULL.
 * @return 0; VOB_ENOSPC when the queue has too few free descriptors (a
 *         chain needing more descriptors than the ring has, without an
 *         indirect table, gets it for ever: split it or use indirect);
 *         VOB_EINVAL for no segments, NULL @p segs or @p token, more than
 *         65535 readable or writable segments, or a total length of 2^32
 *         or more; VOB_EIO when broken; VOB_EPERM in the device role.
 */
int vob_vq_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
	       void *token);

/**
 * @brief Both roles: decide whether the peer wants a notification for what
 * was published since the last call.
 *
 * Driver role: whether to kick the device for the chains added; device role:
 * whether to interrupt the driver for the chains pushed. Honours event-index
 * suppression or the peer's flag. Serialised with the other calls.
 * @return 1 to notify (call vob_vq_notify()), 0 not to; VOB_EIO when broken.
 */
int vob_vq_kick_prepare(struct vob_vq *vq);

/**
 * @brief Both roles: ring the queue's doorbell toward the peer.
 *
 * May run concurrently with other calls on the queue.
 * @return what the port's ring_doorbell returns.
 */
int vob_vq_notify(struct vob_vq *vq);

/**
 * @brief vob_vq_kick_prepare(), then vob_vq_notify() when it says so.
 * @return 1 when notified, 0 when not needed, or a negative error.
 */
int vob_vq_kick(struct vob_vq *vq);

/**
 * @brief Driver role: collect one used chain.
 * @param vq the queue, in the driver role.
 * @param token receives the token given to vob_vq_add().
 * @param written receives the bytes the device says it wrote (at most the
 *        chain's writable length). Chains an IN_ORDER device completed as
 *        part of a batch, without an entry of their own, count as used
 *        completely, as the specification says: their whole writable length.
 * @return 0; VOB_EAGAIN when nothing is used; VOB_EPROTO when the device
 *         returned a bad index, id or length (the queue is now broken);
 *         VOB_EINVAL for a NULL @p token or @p written; VOB_EIO when broken;
 *         VOB_EPERM in the device role.
 */
int vob_vq_get_used(struct vob_vq *vq, void **token, uint32_t *written);

/**
 * @brief Driver role: take back the token of a chain still in flight.
 *
 * For reset and teardown: call until it returns NULL to recover every
 * token; after that the queue must be set up again with vob_vq_init().
 * Works on a broken queue. Never reads shared memory.
 * @return a token, or NULL when none is left.
 */
void *vob_vq_reclaim(struct vob_vq *vq);

/**
 * @brief Device role: take the next available chain.
 *
 * Reads the avail ring and descriptors once each, validates them, and
 * translates every segment through the link.
 * @param vq the queue, in the device role.
 * @param chain in: @c iov and @c cap set by the caller; out: the chain.
 * @return 0; VOB_EAGAIN when nothing is available; VOB_EPROTO when the
 *         driver broke the protocol (see vob_vq_fault(); the queue is now
 *         broken); VOB_EINVAL when @c cap is below seg_max; VOB_EIO when
 *         broken; VOB_EPERM in the driver role.
 */
int vob_vq_pop(struct vob_vq *vq, struct vob_chain *chain);

/**
 * @brief Device role: return a popped chain as used, and publish it.
 * @param vq the queue, in the device role.
 * @param chain a chain vob_vq_pop() returned and that was not pushed yet
 *        (with IN_ORDER: in the order popped).
 * @param written bytes written into its writable segments.
 * @return 0; VOB_EINVAL when the chain is not in flight, pushed out of order
 *         under IN_ORDER, or @p written exceeds its writable length; VOB_EIO
 *         when broken; VOB_EPERM in the driver role.
 */
int vob_vq_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written);

/**
 * @brief Both roles: ask the peer to notify us again.
 *
 * Driver role: interrupts for used chains; device role: kicks for available
 * chains.
 * @return 1 when work arrived already (process it before sleeping), 0 when
 *         the caller may wait for a doorbell; VOB_EIO when broken.
 */
int vob_vq_enable_notify(struct vob_vq *vq);

/**
 * @brief Both roles: tell the peer that notifications are not needed now
 * (a hint: on a split ring with event indices it costs nothing and writes
 * nothing; a packed ring writes its event flags once per enable, event
 * indices or not).
 */
void vob_vq_disable_notify(struct vob_vq *vq);

/**
 * @brief Both roles: where the queue would start again, in the encoding of
 * vob_vq_cfg::start: the position of the next used entry (device: the one it
 * will write next; driver: the one it will read next), with the wrap counter
 * there for a packed ring.
 *
 * For stopping a queue and resuming it later with that start (vhost-user's
 * GET_VRING_BASE and SET_VRING_BASE). When nothing is in flight it is also
 * the next avail position of both sides. Device role: chains popped and not
 * pushed yet are made available again by the restart, which re-reads them,
 * so a device that stops with chains in hand must have taken them in the
 * order they were made available and pushed them in that order (or pushed
 * them all). Driver role: chains still in flight are not part of a restart;
 * collect or reclaim them first. Works on a broken queue; never reads shared
 * memory. Any context the queue's other calls may run in.
 */
uint16_t vob_vq_position(const struct vob_vq *vq);

/** @brief The first protocol violation seen, or VOB_FAULT_NONE. */
int vob_vq_fault(const struct vob_vq *vq);

/** @brief The queue's counters. */
const struct vob_vq_stats *vob_vq_stats(const struct vob_vq *vq);

/**
 * @brief Tracks copies that may complete asynchronously (DMA).
 *
 * Zero it (or call vob_xfer_init()) before its first use. One thread submits;
 * completions may arrive from interrupt context, one at a time (the port
 * does not run two completions of one tracker at once; see dma_copy in
 * port.h).
 */
struct vob_xfer {
	uint32_t submitted; /**< DMA transfers started (submitter writes) */
	uint32_t completed; /**< DMA transfers finished (completer writes) */
	int status;         /**< first error reported by a completion */
};

/** @brief Reset a transfer tracker. */
void vob_xfer_init(struct vob_xfer *x);

/**
 * @brief Whether every DMA transfer tracked by @p x has completed.
 * @return 1 when done (status 0), 0 while transfers are in flight, or the
 *         first negative error a completion reported.
 */
int vob_xfer_done(const struct vob_xfer *x);

/**
 * @brief Report a finished DMA transfer (interrupt-safe; called by the port).
 *
 * Any context, but not concurrently with another completion of the same
 * cookie: the count is a plain read-modify-write (a lock-free atomic add
 * would cost a library call on cores without one, Cortex-M0+ say), so a
 * port whose completions of one tracker can run on two CPUs, or nest in
 * each other's interrupts, serialises them.
 * @param cookie the cookie given to the port's dma_copy (a vob_xfer).
 * @param status 0 or a negative error.
 */
void vob_dma_complete_isr(void *cookie, int status);

/**
 * @brief Copy from a chain's readable segments, from byte @p offset, into
 * local scatter-gather memory.
 *
 * The copy goes in pieces, split wherever a segment or a local buffer ends.
 * Invalidates source lines in VOB_MEM_CACHED windows first. With @p x not
 * NULL and a port that has dma_copy, pieces of at least VOB_DMA_MIN_BYTES go
 * to the DMA engine and complete later (see vob_xfer_done()); the rest are
 * copied by the CPU before the call returns. With @p x NULL every copy is
 * done by the CPU.
 *
 * Local memory is not cache-managed by vob: when the DMA engine is not
 * coherent with this CPU's cache, a local buffer that receives DMA must not
 * share a cache line with anything the CPU writes before the transfer
 * completes, another local buffer of this call included (a short header
 * buffer copied by the CPU right before a DMA'd payload buffer, say). Give
 * such buffers whole cache lines.
 *
 * When the port's dma_copy fails with an error other than VOB_EBUSY or
 * VOB_ENOSPC, the call returns it at once, but pieces queued earlier in the
 * call (or in earlier calls on @p x) are still in flight: wait for
 * vob_xfer_done() to stop returning 0 before reusing the buffers or
 * returning the chain.
 * @return bytes copied or queued (less than asked when the chain is shorter;
 *         more than 0x7fffffff bytes are reported as 0x7fffffff, though all
 *         are copied); a negative error when the port's DMA op failed.
 */
int vob_chain_pullv(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		    const struct vob_iov *dst, unsigned ndst, struct vob_xfer *x);

/**
 * @brief Copy local scatter-gather memory into a chain's writable segments,
 * from byte @p offset of the writable part.
 *
 * Cleans destination lines in VOB_MEM_CACHED windows after CPU copies. A
 * line that a segment covers only in part is refilled from memory before
 * the copy, so the peer's bytes beside the segment survive the write-back
 * (one line read across the link per unaligned segment end: drivers on
 * non-coherent links should give whole lines).
 *
 * Into a VOB_MEM_CACHED window the DMA engine gets only the whole lines of a
 * piece; the partial lines at its ends are copied by the CPU (and a piece
 * with fewer than VOB_DMA_MIN_BYTES of whole lines goes to the CPU
 * entirely). So no line is written both by the engine and by the CPU, in
 * this call or a later one on the same chain, and the CPU's clean of a line
 * never writes stale bytes over the engine's. Otherwise the same DMA rules
 * and return values as vob_chain_pullv().
 */
int vob_chain_pushv(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		    const struct vob_iov *src, unsigned nsrc, struct vob_xfer *x);

/**
 * @brief vob_chain_pullv() into one flat buffer (at most 0xffffffff bytes of
 * @p len are used).
 */
int vob_chain_pull(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   void *dst, size_t len, struct vob_xfer *x);

/**
 * @brief vob_chain_pushv() from one flat buffer (at most 0xffffffff bytes of
 * @p len are used).
 */
int vob_chain_push(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   const void *src, size_t len, struct vob_xfer *x);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_VIRTQUEUE_H */

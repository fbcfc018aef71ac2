/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file table.h
 * @brief The device table: which devices exist, features, status, config and
 * queue placement, negotiated over a plain window.
 *
 * @defgroup vob_table Device table
 * @{
 * The table is vob's own part of the protocol (docs/protocol.md is its
 * specification). It lives at one link address both sides agree on, and is
 * made of areas that exactly one side writes, each on its own cache lines:
 * one header area per side (magic, version, geometry, epoch) and, per device
 * slot, a device area (written by the side that plays the device) and a
 * driver area (written by the other side).
 *
 * Every change is a request by the driver (its area, then its sequence
 * number) answered by the device (its area, then an acknowledgement of that
 * sequence number), each announced by a doorbell or found by polling. The
 * caller's loop advances everything: vob_dev_poll() never blocks, never
 * sleeps and never waits in a loop; time-outs are reported, not slept.
 *
 * Epochs: each side bumps its epoch whenever it (re)starts. A changed peer
 * epoch means the peer restarted (or left, epoch 0): every device shared
 * with it falls back to reset, every buffer the driver had in flight goes
 * back to the application through @c on_lost, and negotiation starts again
 * as soon as the peer is back. A reset the driver asks for (vob_dev_reset())
 * gives the buffers back only once the device has answered it. Either side may start first.
 *
 * Concurrency: a table and its devices belong to one thread (the one that
 * calls vob_dev_poll()); doorbells arrive through vob_on_irq_isr() on the
 * link from any context.
 *
 * Doorbells of the table itself (header, status and config changes) are
 * rung best effort: an error the port's ring_doorbell returns is not
 * reported, because the change is already in memory and the peer's next
 * poll finds it. A side that sleeps until a doorbell should therefore wake
 * to poll now and then (every port's wait takes a time-out). The queues'
 * doorbells are reported: vob_vq_kick() returns the port's error.
 */
#ifndef VOB_TABLE_H
#define VOB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/link.h"
#include "vob/virtqueue.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name virtio device status bits
 * @{ */
#define VOB_STATUS_ACKNOWLEDGE 1u  /**< the driver found the device */
#define VOB_STATUS_DRIVER 2u       /**< the driver knows how to drive it */
#define VOB_STATUS_DRIVER_OK 4u    /**< the driver is ready: queues run */
#define VOB_STATUS_FEATURES_OK 8u  /**< the feature set is agreed */
#define VOB_STATUS_NEEDS_RESET 64u /**< the device needs a reset */
#define VOB_STATUS_FAILED 128u     /**< the driver gave up */
/** @} */

/** @brief Magic of a side header: the bytes "VOBT". */
#define VOB_TABLE_MAGIC 0x54424f56u

/** @brief Largest number of device slots a table may have. */
#define VOB_TABLE_MAX_SLOTS 64u
/** @brief Largest number of queues per slot. */
#define VOB_TABLE_MAX_QUEUES 64u
/** @brief Largest config space per slot, in bytes. */
#define VOB_TABLE_MAX_CONFIG 4096u

/** @brief Bytes of a slot's device area before rounding to a line. */
#define VOB_TABLE_DEV_RAW(nq, cfg) (VOB_ALIGN_UP(64u + 2u * (size_t)(nq), 4u) + (size_t)(cfg))
/** @brief Bytes of a slot's driver area before rounding to a line. */
#define VOB_TABLE_DRV_RAW(nq) (48u + 32u * (size_t)(nq))
/** @brief Bytes of one slot (device area then driver area). */
#define VOB_TABLE_SLOT_BYTES(nq, cfg, line) \
	(VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(nq, cfg), line) + VOB_ALIGN_UP(VOB_TABLE_DRV_RAW(nq), line))
/**
 * @brief Bytes of a whole table (a constant expression): two side headers of
 * one line each (at least 32 bytes), then the slots.
 */
#define VOB_TABLE_BYTES(nslots, nq, cfg, line) \
	(2u * VOB_ALIGN_UP(32u, line) + (size_t)(nslots) * VOB_TABLE_SLOT_BYTES(nq, cfg, line))

/** @brief Table set-up; both sides must give the same geometry. */
struct vob_table_cfg {
	uint64_t addr;       /**< link address of the table (line aligned) */
	uint8_t side;        /**< 0 or 1: which header this side writes */
	uint16_t nslots;     /**< device slots, 1 to VOB_TABLE_MAX_SLOTS */
	uint16_t nqueues;    /**< queues per slot, 1 to VOB_TABLE_MAX_QUEUES */
	uint16_t config_max; /**< config bytes per slot, multiple of 4, <= 4096 */
	/** Mixed into the epoch when the table memory holds no earlier one,
	 * so that a restart on fresh memory still looks new (a boot counter,
	 * a time); 0 uses the port's clock if it has one. */
	uint32_t epoch_seed;
	/** Time a request may wait for its acknowledgement before
	 * vob_dev_poll() reports VOB_DEV_EV_TIMEOUT: nanoseconds with a port
	 * clock, polls without one; 0 for 1 s (or 100000 polls). Any value
	 * works: UINT64_MAX is never, in practice. */
	uint64_t timeout;
};

/** @brief A table. Place it anywhere; fields are private. */
struct vob_table {
	struct vob_link *link; /**< the link */
	uint8_t *base;         /**< local pointer to the table */
	uint64_t addr;         /**< its link address */
	uint64_t timeout;      /**< request time-out */
	uint64_t polls;        /**< poll counter (time without a clock; never wraps) */
	uint32_t epoch;        /**< this side's epoch */
	uint32_t peer_epoch;   /**< the peer's epoch last seen (0: none) */
	uint32_t peer_gen;     /**< bumped at every change of peer_epoch */
	uint32_t line;         /**< line size */
	uint32_t slot_bytes;   /**< bytes per slot */
	uint32_t dev_bytes;    /**< bytes of a device area */
	uint16_t nslots;       /**< geometry */
	uint16_t nqueues;      /**< geometry */
	uint16_t config_max;   /**< geometry */
	uint8_t side;          /**< 0 or 1 */
	uint8_t cached;        /**< the table is in a VOB_MEM_CACHED window */
	uint8_t peer_ok;       /**< the peer's header is valid and matches */
	int8_t peer_err;       /**< why not (a negative vob_err), or 0 */
};

/**
 * @brief Set up this side of a table and announce it with a new epoch.
 *
 * Writes this side's header (magic, version, geometry, reserved bytes zero,
 * then the epoch) and nothing else; may be called before or after the
 * peer's. The epoch is one more than the larger of the epoch and the
 * last_epoch this side left in the header (so it changes at every restart,
 * a clean one after vob_table_shutdown() included), or a seed when the
 * memory holds no header of this side (docs/protocol.md, section 3).
 * @return 0; VOB_EINVAL for bad geometry, a misaligned address or side > 1;
 *         VOB_EFAULT when the table is not wholly inside a writable window.
 */
int vob_table_init(struct vob_table *t, struct vob_link *link, const struct vob_table_cfg *cfg);

/**
 * @brief Leave: write epoch 0 so the peer resets every shared device.
 * Devices of this side must not be polled afterwards (vob_table_peer() no
 * longer announces this side, whatever the memory holds). The header keeps
 * the epoch in a word the peer does not read, so that the next
 * vob_table_init() on this memory takes a new one.
 */
void vob_table_shutdown(struct vob_table *t);

/**
 * @brief Read the peer's header, and check that this side's own is intact.
 *
 * Called by every vob_dev_poll(). When the peer is up (epoch nonzero) and
 * this side's header no longer holds its epoch, the peer restarted on table
 * memory it cleared (RAM zeroed at boot, a BAR reset) and this side's
 * header and slots went with it: this side announces itself again with a
 * new epoch (one more than the last), and every device of the table then
 * resets at its next poll as on a peer restart (VOB_DEV_EV_RESET; a driver
 * hands back its buffers in flight, a device republishes its slot with
 * vob_dev_cfg::config). docs/protocol.md, section 3.
 * @return 1 when the peer is up with a matching version and geometry, 0 when
 *         it is absent (no magic or epoch 0), VOB_EPROTONOSUPPORT for another
 *         protocol version, VOB_EPROTO for a header with other geometry or
 *         garbage. Never fails on this side's account.
 */
int vob_table_peer(struct vob_table *t);

/** @brief The link a table lives on. */
struct vob_link *vob_table_link(const struct vob_table *t);

/** @brief Doorbell id of the table itself (header changes). */
#define VOB_TABLE_DOORBELL 0u

/** @brief States of a device, either role. */
enum vob_dev_state {
	VOB_DEV_OFF = 0,        /**< not published / no device found yet */
	VOB_DEV_RESETTING,      /**< driver: reset requested */
	VOB_DEV_NEGOTIATING,    /**< driver: status steps up to FEATURES_OK */
	VOB_DEV_STARTING,       /**< driver: queues placed, DRIVER_OK requested */
	VOB_DEV_READY,          /**< device: published, waiting for a driver */
	VOB_DEV_LIVE,           /**< DRIVER_OK acknowledged, no FAILED or NEEDS_RESET: queues run */
	VOB_DEV_NEEDS_RESET,    /**< the device asked for a reset */
	VOB_DEV_FAILED          /**< negotiation failed (features refused) */
};

/** @name Events returned by vob_dev_poll() (a bit mask)
 * @{ */
#define VOB_DEV_EV_STATE 1        /**< the state changed */
#define VOB_DEV_EV_LIVE 2         /**< queues are running now */
/** Reset (when queues ran, at the device's answer to vob_dev_reset()), peer
 * restart, removal or a wiped table: queues gone, their tokens given to
 * on_lost. Driver role: after the poll that returns it, the state is
 * VOB_DEV_NEGOTIATING exactly when it is the device's answer to a reset;
 * VOB_DEV_OFF when the device went away or its side published it again
 * (found at a later poll); VOB_DEV_RESETTING when the device's side
 * restarted and the device is already found again. */
#define VOB_DEV_EV_RESET 4
#define VOB_DEV_EV_CONFIG 8       /**< driver: the config space changed (once config_gen is even) */
/** Driver: the device needs a reset (state VOB_DEV_NEEDS_RESET; it found a
 * ring broken, or cannot go on). Its queues stopped, and nothing moves
 * until the application calls vob_dev_reset(), which gives every token in
 * flight to on_lost at once and negotiates again. The table does not reset
 * on its own: the application decides when (the class drivers do it in
 * their poll). */
#define VOB_DEV_EV_NEEDS_RESET 16
/** A request was not answered in time (reported once per request). For a
 * reset request: the tokens stay in flight (vob_dev_reset()). */
#define VOB_DEV_EV_TIMEOUT 32
/** Driver: FEATURES_OK was refused, or this side refused the device (no
 * VERSION_1 in common, or vob_dev_cfg::accept_features said no). */
#define VOB_DEV_EV_REFUSED 64
/** @} */

/** @brief One queue of a device, provided by the application. */
struct vob_dev_queue {
	struct vob_vq *vq;     /**< the queue object */
	void *state;           /**< its state memory (see VOB_VQ_STATE_SIZE()) */
	size_t state_len;      /**< bytes of @c state */
	/** Driver role: entries wanted (a power of two; lowered to the
	 * device's maximum); 0 leaves the queue disabled. Device role: the
	 * maximum offered. */
	uint16_t size;
	uint16_t indirect_max; /**< driver role: entries per indirect table */
	/** Driver role: descriptor area link address. Device role: the table
	 * writes the placement the driver gave here when the queues start
	 * (the three addresses), for vob_dev_queue_placement(). */
	uint64_t desc_addr;
	uint64_t driver_addr;  /**< driver role: driver area link address */
	uint64_t device_addr;  /**< driver role: device area link address */
	uint64_t indirect_addr; /**< driver role: indirect tables, or 0 */
	/** Driver role: the position the queue starts at, written with the
	 * placement (vob_vq_cfg::start; 0 for a fresh ring, anything else to
	 * resume a ring stopped there, see vob_vq_position()). Device role: the
	 * table writes the driver's start here when the queues start. */
	uint16_t start;
};

/** @brief A device set-up, either role. */
struct vob_dev_cfg {
	uint8_t role;           /**< @ref vob_role */
	uint16_t slot;          /**< slot index in the table */
	uint16_t num_queues;    /**< entries in @c queues (<= table nqueues) */
	struct vob_dev_queue *queues; /**< the application's queues */
	/** Device role: features offered; driver role: features the driver
	 * understands. Word 0 holds bits 0-63, word 1 bits 64-127.
	 * VOB_F_VERSION_1 is required on both sides. */
	uint64_t features[2];
	/** Device role: the virtio device id published. Driver role: 0 for
	 * any device; else only a device with this id is taken, and a slot
	 * holding another is treated as empty (the driver keeps looking). */
	uint32_t device_id;
	uint32_t vendor_id;     /**< device role: vendor id */
	/** Device role: the config space. Published by vob_dev_init() and
	 * again when the table memory was wiped under this side
	 * (vob_table_peer()): keep it valid and up to date with what
	 * vob_dev_config_write() wrote, for as long as the device lives. */
	const void *config;
	uint16_t config_len;    /**< device role: its length (<= config_max) */
	uint16_t seg_max;       /**< device role: most descriptors per chain (0: queue size) */
	/** Optional, either role; called from vob_dev_poll(), never from
	 * interrupt context; it must not call vob_dev_poll() or
	 * vob_dev_reset(). Device role: the feature set the driver asks for
	 * (a subset of the offer with VERSION_1, already checked); return
	 * false to refuse it (FEATURES_OK is then not acknowledged); it must
	 * not change @p features (a change is not taken). Driver role: called
	 * once per negotiation, when the device's offer is known and before
	 * FEATURES_OK is asked for, with the features this side would ask for
	 * (its own, the offer's and the link's in common); vob_dev_config_read()
	 * works here, so a feature can be judged by the device's config. It
	 * may clear bits of @p features, which are then not asked for, and
	 * must set none (one it sets is ignored, or trips VOB_ASSERT without
	 * @ref VOB_CFG_ARG_CHECKS); clearing VERSION_1 refuses; returning false
	 * refuses the device (state VOB_DEV_FAILED, VOB_DEV_EV_REFUSED, the
	 * device sees FAILED), as a device without VERSION_1 is. */
	bool (*accept_features)(void *arg, uint64_t features[2]);
	/** Driver role: receives every token still in flight once the device
	 * can no longer use its buffer: when the device answered a reset
	 * (vob_dev_reset()), was removed or published again, or its side
	 * restarted or left. Called from vob_dev_poll(), or from
	 * vob_dev_reset() in state VOB_DEV_NEEDS_RESET only; never from
	 * interrupt context. It must not call vob_dev_poll() or
	 * vob_dev_reset(). Required when queues are used. */
	void (*on_lost)(void *arg, uint16_t queue, void *token);
	void *arg;              /**< passed to on_lost and accept_features */
	/** Either role: this side only negotiates; a foreign party (for
	 * example a vhost-user peer reached through a port) runs the queues.
	 * No vob_vq_init() happens on this side, @c queues[].vq and @c state
	 * are unused and may be NULL, and on_lost is not needed. Driver role:
	 * the placement and size are the application's @c queues[] fields,
	 * never lowered (a size above the device's maximum fails the
	 * negotiation). Either role: vob_dev_queue_placement() reports it. A
	 * device checks the placement as vob_vq_init() would (size, start,
	 * line-aligned areas inside a window) before it hands it on. Needs
	 * @ref VOB_CFG_FOREIGN (else vob_dev_init() returns VOB_ENOTSUP). */
	uint8_t foreign_queues;
};

/** @brief A device, either role. Place it anywhere; fields are private. */
struct vob_dev {
	struct vob_table *t;     /**< the table */
	uint8_t *area;           /**< the slot's device area (its driver area follows) */
	struct vob_dev_cfg cfg;  /**< copy of the set-up */
	uint64_t offered[2];     /**< driver: device features read at discovery */
	uint64_t features[2];    /**< negotiated features */
	uint64_t sent;           /**< when the pending request was sent */
	uint32_t peer_gen;       /**< table peer_gen this state belongs to */
	uint32_t req;            /**< driver: last request sent; device: last handled */
	uint32_t dev_epoch;      /**< driver: the epoch of the device in use */
	uint32_t pub;            /**< slot publication: device: its own; driver: in use */
	uint32_t seq_seen;       /**< driver: device area seq last taken (never at odd config_gen) */
	uint32_t seq;            /**< device: its area's change counter */
	uint32_t gen_seen;       /**< driver: config generation last read */
	uint32_t gen;            /**< device: config generation */
	uint16_t status;         /**< the status: requested (driver) / current (device) */
	uint16_t dev_queues;     /**< driver: number of queues the device has */
	uint16_t queue_max[VOB_TABLE_MAX_QUEUES]; /**< driver: their maximum sizes; device: sizes in use */
	uint8_t state;           /**< @ref vob_dev_state */
	uint8_t pending;         /**< driver: a request awaits its acknowledgement */
	uint8_t timed_out;       /**< the pending request's time-out was reported */
	uint32_t qmask[2];       /**< queues running (bit q of the pair) */
};

/**
 * @brief Set up a device in one role.
 *
 * Device role: publishes the slot (a hot add if the peer is already up).
 * Driver role: starts looking for the device in the slot.
 * @return 0; VOB_EINVAL for a bad slot, role, queue count, config length,
 *         missing on_lost with queues, or features without VERSION_1;
 *         VOB_ENOTSUP for a role or foreign queues this build left out
 *         (@ref VOB_CFG_DRIVER, @ref VOB_CFG_DEVICE, @ref VOB_CFG_FOREIGN).
 */
int vob_dev_init(struct vob_dev *d, struct vob_table *t, const struct vob_dev_cfg *cfg);

/**
 * @brief Advance the device's state machine.
 *
 * Reads the peer's areas once each, validates them, answers or sends
 * requests, and reports what happened. Call it from the application's loop
 * after any doorbell of the link, or periodically when polling.
 * @return a mask of VOB_DEV_EV_* (0 when nothing happened), or VOB_EIO when
 *         the device was removed with vob_dev_remove().
 */
int vob_dev_poll(struct vob_dev *d);

/** @brief The link a device's table lives on (for the chain copy helpers). */
struct vob_link *vob_dev_link(const struct vob_dev *d);

/** @brief The current @ref vob_dev_state. */
int vob_dev_state(const struct vob_dev *d);

/**
 * @brief Driver role: the features the device offers, word 0 or 1, as read
 * when it was found (0 before that, and in the device role).
 */
uint64_t vob_dev_offered(const struct vob_dev *d, unsigned word);

/**
 * @brief Negotiated features, word 0 (bits 0-63) or 1 (bits 64-127). Until
 * FEATURES_OK is acknowledged, the set under negotiation: the one asked for
 * (driver role) or last asked for and checked (device role), refused or
 * not; 0 after a reset.
 */
uint64_t vob_dev_features(const struct vob_dev *d, unsigned word);

/** @brief Queue @p q when the device is live and the queue enabled, else NULL. */
struct vob_vq *vob_dev_vq(struct vob_dev *d, uint16_t q);

/**
 * @brief Where queue @p q runs: its size, ring areas, start position,
 * negotiated features, index and this side's doorbell id, as a struct
 * vob_vq_cfg (@c role is this side's role; the indirect fields and
 * @c seg_max are 0).
 *
 * Meant for proxies (vob_dev_cfg::foreign_queues), which hand the queue to a
 * foreign party instead of running it; works for any device.
 * @return 0 when the device is live and the queue enabled; VOB_ENOENT when
 *         it is not (yet); VOB_EINVAL for a NULL @p out.
 */
int vob_dev_queue_placement(const struct vob_dev *d, uint16_t q, struct vob_vq_cfg *out);

/**
 * @brief Driver role: the size queue @p q will run with, known once the
 * device is found (so already in vob_dev_cfg::accept_features): its
 * configured size, halved until the device's limit for the queue allows it,
 * as the placement does.
 * @return the size; 0 in the device role, when no device is known, when
 *         @p q is beyond this side's queues or the device's, or when the
 *         queue will not run: no virtqueue given for it, or (foreign
 *         queues) larger than the device's limit, which fails the device.
 */
uint16_t vob_dev_queue_size(const struct vob_dev *d, uint16_t q);

/** @brief Doorbell id of queue @p q of the device (both directions). */
uint32_t vob_dev_queue_doorbell(const struct vob_dev *d, uint16_t q);

/** @brief Doorbell id of the device's control (status and config) changes. */
uint32_t vob_dev_ctrl_doorbell(const struct vob_dev *d);

/**
 * @brief Driver role: read @p len bytes of config space at @p off.
 *
 * Consistent: retried while the device changes it (generation counter).
 * @return 0; VOB_EAGAIN when the config kept changing (call again);
 *         VOB_ERANGE outside the device's config; VOB_ENODEV when no device
 *         is known; VOB_EPERM in the device role.
 */
int vob_dev_config_read(struct vob_dev *d, uint32_t off, void *buf, uint32_t len);

/**
 * @brief Device role: change config space and notify the driver.
 * @return 0; VOB_ERANGE outside config_len; VOB_EPERM in the driver role.
 */
int vob_dev_config_write(struct vob_dev *d, uint32_t off, const void *buf, uint32_t len);

/**
 * @brief Driver role: reset the device and negotiate again.
 *
 * Sends the reset request (status 0) at once and goes to
 * VOB_DEV_RESETTING. The queues stop taking buffers at once (vob_vq_add()
 * and every other call on them return VOB_EIO; vob_dev_vq() returns NULL),
 * but the tokens in flight stay: until the device has handled the request
 * it may still take those buffers and read or write them, so they are not
 * the application's yet. They go to on_lost, from vob_dev_poll(), when the
 * device answers with status 0 for this request (with VOB_DEV_EV_RESET), or
 * when the device is removed or published again, or its side restarts or
 * leaves. Negotiation then starts again on its own.
 *
 * In state VOB_DEV_NEEDS_RESET the device has stopped its queues already:
 * on_lost gets every token before this returns. In state VOB_DEV_OFF (no
 * device known) nothing is sent: the discovery of a device starts with a
 * reset anyway.
 *
 * A device that never answers: vob_dev_poll() reports VOB_DEV_EV_TIMEOUT
 * once, and the tokens stay in flight, since the peer may still use the
 * buffers. They come back when the device answers late, when a later
 * vob_dev_reset() is answered, or when the device's side restarts, leaves
 * (vob_table_shutdown()) or removes the device. An application that must
 * have its memory back without the peer can only stop using the window as
 * a whole.
 * @return 0, or VOB_EPERM in the device role.
 */
int vob_dev_reset(struct vob_dev *d);

/**
 * @brief Device role: tell the driver the device needs a reset (for example
 * after a queue found a hostile ring). Queues stop.
 * @return 0, or VOB_EPERM in the driver role.
 */
int vob_dev_set_needs_reset(struct vob_dev *d);

/**
 * @brief Device role: remove the device (hot remove). The driver returns
 * its buffers and waits; vob_dev_init() can publish the slot again.
 * @return 0, or VOB_EPERM in the driver role.
 */
int vob_dev_remove(struct vob_dev *d);

/** @brief An area of memory for vob_place_split(): link address and bytes. */
struct vob_arena {
	uint64_t addr; /**< next free link address */
	uint64_t len;  /**< bytes left */
};

/**
 * @brief Place a split ring's three areas, each in the memory of the side
 * that reads it: descriptors and driver area in @p dev_mem (memory of the
 * device side), device area in @p drv_mem (memory of the driver side). For a
 * single window pass the same arena object twice (the same pointer): two
 * arenas that overlap are refused. Areas start on @p line, the link's
 * cache-line size (a power of two from 16 to @ref VOB_CACHE_LINE_MAX).
 * @return 0 with the addresses in @p q; VOB_ENOMEM when an arena is too small
 *         (both arenas and @p q are then as they were);
 *         VOB_EINVAL when two different arena objects overlap or for a bad
 *         @p line.
 */
int vob_place_split(struct vob_arena *dev_mem, struct vob_arena *drv_mem, uint16_t size,
		    uint32_t line, struct vob_dev_queue *q);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_TABLE_H */

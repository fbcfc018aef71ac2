/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file console.h
 * @brief virtio-console (device id 3), both roles, as a byte stream.
 *
 * @defgroup vob_console Console device class
 * @{
 * A console device has one or more *ports*; each port is a pair of queues:
 * its receiveq carries bytes from the device to the driver, its transmitq
 * bytes from the driver to the device. Queue 0 and 1 are port 0; with
 * @ref VOB_CONSOLE_F_MULTIPORT, queue 2 (control receiveq) and queue 3
 * (control transmitq) carry @ref vob_console_control messages and port
 * @c p > 0 uses queues 2 + 2p and 3 + 2p (virtio 1.x section 5.3).
 *
 * Both roles offer the same byte-stream calls:
 * - device role: vob_console_dev_write() fills the driver's receive buffers,
 *   vob_console_dev_read() drains the driver's transmit buffers;
 * - driver role: vob_console_drv_write() copies into pool buffers and puts
 *   them on the transmitq, vob_console_drv_read() drains the receive
 *   buffers the device filled and posts them again.
 *
 * Each call moves as many bytes as it can now and returns that count (fewer
 * than asked is normal); when nothing can move it returns VOB_EAGAIN. A
 * buffer read only in part is kept for the next call, so no byte is lost or
 * repeated while the device stays live. The application's loop calls
 * vob_console_dev_poll() / vob_console_drv_poll() (after any doorbell of the
 * link, or periodically): they run the device table, handle resets and the
 * control queues, and return the table's events.
 *
 * **Hostile peers.** The device role checks every chain: a transmit chain
 * with writable segments, a receive chain with readable segments, a chain
 * of zero length and a control message that is short, unknown or names a
 * port out of range are returned unused (or ignored) and counted in
 * @ref vob_console_stats; every copy is bounded by the chain's segments. A
 * ring the driver broke puts the device in NEEDS_RESET. The driver role
 * treats the device's answers (used lengths, control messages, config) as
 * untrusted the same way, and resets the device when a ring breaks.
 *
 * **Concurrency.** One object, one thread: every call on an object must be
 * serialised by the caller; nothing here may run in interrupt context.
 */
#ifndef VOB_CONSOLE_H
#define VOB_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/config.h"
#include "vob/err.h"
#include "vob/pool.h"
#include "vob/table.h"
#include "vob/virtqueue.h"
#include "vob/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief virtio device id of a console. */
#define VOB_CONSOLE_DEVICE_ID 3u

/** @name Console feature bits (virtio 1.x section 5.3.3)
 * @{ */
#define VOB_CONSOLE_F_SIZE 0        /**< @c cols and @c rows of the config are valid */
#define VOB_CONSOLE_F_MULTIPORT 1   /**< several ports, control queues, @c max_nr_ports */
#define VOB_CONSOLE_F_EMERG_WRITE 2 /**< @c emerg_wr (not supported: see docs/console.md) */
/** @} */

/**
 * @brief Maximum queue size of every console queue (a power of two).
 *
 * Each queue costs VOB_VQ_STATE_SIZE(VOB_CONSOLE_QSIZE, 0) bytes of state in
 * both objects. Override in @c VOB_CONFIG_FILE.
 */
#ifndef VOB_CONSOLE_QSIZE
#define VOB_CONSOLE_QSIZE 64
#endif

/**
 * @brief Most ports one console object handles (1 to 31; 4 by default, and
 * 1, the only value allowed, when VOB_CFG_CONSOLE_MULTIPORT is 0).
 *
 * An object holds 2 + 2 × this many queues; a multiport device needs a
 * device table with at least that many queues per slot.
 */
#ifndef VOB_CONSOLE_MAX_PORTS
#if VOB_CFG_CONSOLE_MULTIPORT
#define VOB_CONSOLE_MAX_PORTS 4
#else
#define VOB_CONSOLE_MAX_PORTS 1
#endif
#endif

/**
 * @brief Device role: most descriptors accepted in one chain.
 *
 * A chain with more is a protocol violation of the ring (NEEDS_RESET).
 * Costs 16 bytes per port per descriptor in the device object.
 */
#ifndef VOB_CONSOLE_SEG_MAX
#define VOB_CONSOLE_SEG_MAX 8
#endif

/**
 * @brief Bytes kept of a port name, with its terminating NUL (longer names
 * are cut).
 */
#ifndef VOB_CONSOLE_NAME_MAX
#define VOB_CONSOLE_NAME_MAX 32
#endif

/**
 * @brief Driver role: most pool buffers (@c buf_count) one driver object
 * manages; costs 2 bytes each.
 */
#ifndef VOB_CONSOLE_POOL_MAX
#define VOB_CONSOLE_POOL_MAX 128
#endif

/** @brief Queues of an object: two per port and the two control queues
 * (only the two of port 0 without VOB_CFG_CONSOLE_MULTIPORT). */
#define VOB_CONSOLE_MAX_QUEUES (VOB_CFG_CONSOLE_MULTIPORT ? 2 + 2 * VOB_CONSOLE_MAX_PORTS : 2)

/** @brief The receiveq (device to driver) of port @p p. */
#define VOB_CONSOLE_RXQ(p) ((p) ? 2u + 2u * (unsigned)(p) : 0u)
/** @brief The transmitq (driver to device) of port @p p. */
#define VOB_CONSOLE_TXQ(p) (VOB_CONSOLE_RXQ(p) + 1u)
/** @brief The control receiveq (device to driver). */
#define VOB_CONSOLE_CTRL_RXQ 2u
/** @brief The control transmitq (driver to device). */
#define VOB_CONSOLE_CTRL_TXQ 3u

/** @brief Device configuration layout (virtio 1.x section 5.3.4). */
struct vob_console_config {
	vob_le16_t cols;         /**< columns of port 0 (with VOB_CONSOLE_F_SIZE) */
	vob_le16_t rows;         /**< rows of port 0 (with VOB_CONSOLE_F_SIZE) */
	vob_le32_t max_nr_ports; /**< ports of the device (with VOB_CONSOLE_F_MULTIPORT) */
	vob_le32_t emerg_wr;     /**< emergency write (unused: always 0) */
};

/** @brief A control message (virtio 1.x section 5.3.6.2). */
struct vob_console_control {
	vob_le32_t id;    /**< port number */
	vob_le16_t event; /**< @ref vob_console_event */
	vob_le16_t value; /**< extra information for the event */
};

/** @brief Payload after a VOB_CONSOLE_RESIZE control message (spec order). */
struct vob_console_resize {
	vob_le16_t cols; /**< columns */
	vob_le16_t rows; /**< rows */
};

VOB_STATIC_ASSERT(offsetof(struct vob_console_config, cols) == 0, console_cfg_cols);
VOB_STATIC_ASSERT(offsetof(struct vob_console_config, rows) == 2, console_cfg_rows);
VOB_STATIC_ASSERT(offsetof(struct vob_console_config, max_nr_ports) == 4, console_cfg_ports);
VOB_STATIC_ASSERT(offsetof(struct vob_console_config, emerg_wr) == 8, console_cfg_emerg);
VOB_STATIC_ASSERT(sizeof(struct vob_console_config) == 12, console_cfg_size);
VOB_STATIC_ASSERT(offsetof(struct vob_console_control, id) == 0, console_ctl_id);
VOB_STATIC_ASSERT(offsetof(struct vob_console_control, event) == 4, console_ctl_event);
VOB_STATIC_ASSERT(offsetof(struct vob_console_control, value) == 6, console_ctl_value);
VOB_STATIC_ASSERT(sizeof(struct vob_console_control) == 8, console_ctl_size);
VOB_STATIC_ASSERT(offsetof(struct vob_console_resize, cols) == 0, console_rsz_cols);
VOB_STATIC_ASSERT(offsetof(struct vob_console_resize, rows) == 2, console_rsz_rows);
VOB_STATIC_ASSERT(sizeof(struct vob_console_resize) == 4, console_rsz_size);
VOB_STATIC_ASSERT(VOB_CONSOLE_MAX_PORTS >= 1 && VOB_CONSOLE_MAX_PORTS <= 31, console_max_ports);
VOB_STATIC_ASSERT(VOB_CFG_CONSOLE_MULTIPORT || VOB_CONSOLE_MAX_PORTS == 1, console_one_port);
VOB_STATIC_ASSERT(VOB_CONSOLE_MAX_QUEUES <= VOB_TABLE_MAX_QUEUES, console_max_queues);
VOB_STATIC_ASSERT(VOB_CONSOLE_QSIZE >= 1 && VOB_CONSOLE_QSIZE <= 32768 &&
			  (VOB_CONSOLE_QSIZE & (VOB_CONSOLE_QSIZE - 1)) == 0,
		  console_qsize);
VOB_STATIC_ASSERT(VOB_CONSOLE_SEG_MAX >= 1 && VOB_CONSOLE_SEG_MAX <= 0xffff, console_seg_max);
VOB_STATIC_ASSERT(VOB_CONSOLE_NAME_MAX >= 1 && VOB_CONSOLE_NAME_MAX <= 256, console_name_max);
VOB_STATIC_ASSERT(VOB_CONSOLE_POOL_MAX >= 1 && VOB_CONSOLE_POOL_MAX < 0xfffe, console_pool_max);

/** @brief Control message events (virtio 1.x section 5.3.6.2). */
enum vob_console_event {
	VOB_CONSOLE_DEVICE_READY = 0,  /**< driver: ready for control messages (value 1) */
	VOB_CONSOLE_DEVICE_ADD = 1,    /**< device: a port exists */
	VOB_CONSOLE_DEVICE_REMOVE = 2, /**< device: a port is gone */
	VOB_CONSOLE_PORT_READY = 3,    /**< driver: answer to DEVICE_ADD (value 1: ok) */
	VOB_CONSOLE_CONSOLE_PORT = 4,  /**< device: the port is a console */
	VOB_CONSOLE_RESIZE = 5,        /**< device: size change, @ref vob_console_resize follows */
	VOB_CONSOLE_PORT_OPEN = 6,     /**< both: the sender opened (1) or closed (0) the port */
	VOB_CONSOLE_PORT_NAME = 7      /**< device: the port's UTF-8 name follows (no NUL) */
};

/** @name Port status bits (vob_console_dev_port_status(), vob_console_drv_port_status())
 * @{ */
#define VOB_CONSOLE_PORT_ADDED 1u      /**< both sides set the port up: data may move */
#define VOB_CONSOLE_PORT_CONSOLE 2u    /**< the device nominated it a console port */
#define VOB_CONSOLE_PORT_HOST_OPEN 4u  /**< the device side has it open */
#define VOB_CONSOLE_PORT_GUEST_OPEN 8u /**< the driver side has it open */
/** @} */

/**
 * @brief Event bit returned by the poll calls (next to the VOB_DEV_EV_* bits)
 * when the status, name or size of some port changed.
 */
#define VOB_CONSOLE_EV_PORTS 0x100

/**
 * @brief Counters of a console object (either role; see each field).
 *
 * Counters only grow; they survive resets.
 */
struct vob_console_stats {
	uint64_t rx_bytes;   /**< bytes handed to the application by the read call */
	uint64_t tx_bytes;   /**< bytes taken from the application by the write call */
	uint32_t bad_chains; /**< device: chains returned unused (wrong direction, zero
				  length, no room for a control message) */
	uint32_t bad_ctrl;   /**< control messages ignored (short, unknown event, bad port,
				  wrong state) */
	uint32_t ring_errors; /**< queues found broken (device: NEEDS_RESET set; driver:
				   device reset) */
	uint32_t lost;       /**< driver: buffers returned by a reset (on_lost) */
	uint32_t resets;     /**< queues taken away by a reset or restart */
};

/* ---- device role ---------------------------------------------------------- */

/** @brief Device-role state of one port. Fields are private. */
struct vob_console_dport {
	struct vob_chain cur;                        /**< transmit chain being read */
	struct vob_iov iov[VOB_CONSOLE_SEG_MAX];     /**< its segments */
	uint32_t off;                                /**< bytes of @c cur already read */
	uint16_t cols;                               /**< size sent with RESIZE */
	uint16_t rows;                               /**< size sent with RESIZE */
	uint8_t busy;                                /**< @c cur holds a chain */
	uint8_t flags;                               /**< VOB_CONSOLE_PORT_* */
	uint8_t present;                             /**< plugged in (announced when possible) */
	uint8_t announced;                           /**< DEVICE_ADD sent, not removed */
	uint8_t pend;                                /**< control messages to send */
	uint8_t sized;                               /**< cols/rows were set (multiport only) */
	char name[VOB_CONSOLE_NAME_MAX];             /**< PORT_NAME, "" for none */
};

/** @brief Device-role set-up, given to vob_console_dev_init(). */
struct vob_console_dev_cfg {
	uint16_t slot;      /**< slot in the device table */
	uint16_t nr_ports;  /**< ports, 1 to VOB_CONSOLE_MAX_PORTS (above 1 needs @c multiport) */
	uint8_t multiport;  /**< offer VOB_CONSOLE_F_MULTIPORT (control queues) */
	uint8_t size;       /**< offer VOB_CONSOLE_F_SIZE with @c cols and @c rows */
	uint16_t cols;      /**< initial columns of port 0 */
	uint16_t rows;      /**< initial rows of port 0 */
	/** Largest queue size offered, a power of two up to VOB_CONSOLE_QSIZE;
	 * 0 for VOB_CONSOLE_QSIZE. */
	uint16_t queue_size;
	/** Ring features offered besides VERSION_1 and EVENT_IDX (for example
	 * VOB_BIT(VOB_F_INDIRECT_DESC), VOB_BIT(VOB_F_IN_ORDER)). */
	uint64_t ring_features;
	/** Multiport: name of each port, or NULL (copied, cut to
	 * VOB_CONSOLE_NAME_MAX - 1 bytes). */
	const char *names[VOB_CONSOLE_MAX_PORTS];
	uint32_t console_mask; /**< multiport: bit p nominates port p a console port */
	uint32_t open_mask;    /**< bit p: port p is open on the device side from the start */
};

/** @brief A console, device role. Place it anywhere; fields are private. */
struct vob_console_dev {
	struct vob_dev dev;                               /**< the device-table device */
	struct vob_dev_queue q[VOB_CONSOLE_MAX_QUEUES];   /**< its queues */
	struct vob_vq vq[VOB_CONSOLE_MAX_QUEUES];         /**< queue objects */
	/** Queue state memory. */
	uint64_t state[VOB_CONSOLE_MAX_QUEUES][VOB_VQ_STATE_SIZE(VOB_CONSOLE_QSIZE, 0) / 8u];
	struct vob_console_dport port[VOB_CONSOLE_MAX_PORTS]; /**< the ports */
	struct vob_console_config config;                 /**< config space as published */
	struct vob_console_stats stats;                   /**< counters */
	uint16_t nr_ports;                                /**< ports */
	uint8_t offer_mp;                                 /**< MULTIPORT offered */
	uint8_t offer_size;                               /**< SIZE offered */
	uint8_t mp;                                       /**< MULTIPORT negotiated, live */
	uint8_t drv_ready;                                /**< DEVICE_READY received */
	uint8_t live;                                     /**< queues running */
	int ev;                                           /**< events for the next poll */
};

/**
 * @brief Set up a console in the device role and publish it in its slot.
 *
 * @param c the object (every field overwritten); owned by the caller, must
 *        stay in place while the device is used.
 * @param t the device table (set up with vob_table_init()); must outlive @p c.
 * @param cfg the set-up; copied (names too).
 * @return 0; VOB_EINVAL for a NULL argument, @c nr_ports 0, above
 *         VOB_CONSOLE_MAX_PORTS or above 1 without @c multiport, a bad
 *         @c queue_size, or what vob_dev_init() refuses (slot, queue count
 *         above the table's nqueues, config larger than config_max);
 *         VOB_ENOTSUP for @c multiport in a build without it
 *         (@ref VOB_CFG_CONSOLE_MULTIPORT).
 */
int vob_console_dev_init(struct vob_console_dev *c, struct vob_table *t,
			 const struct vob_console_dev_cfg *cfg);

/**
 * @brief Advance the device: run the table, handle resets, read the
 * driver's control messages and send pending ones.
 *
 * Call from the application's loop after any doorbell, or periodically.
 * @return a mask of VOB_DEV_EV_* and VOB_CONSOLE_EV_PORTS (0: nothing
 *         happened); VOB_EIO when the device was removed from the table.
 */
int vob_console_dev_poll(struct vob_console_dev *c);

/**
 * @brief Send bytes to the driver on @p port (into its receive buffers).
 *
 * Fills as many receive buffers as are posted; each buffer used is returned
 * to the driver at once (with the bytes written), and the driver is
 * notified if it asked for it. @p data is copied before the call returns.
 * @return bytes sent (1 to @p len; 0 when @p len is 0); VOB_EAGAIN when
 *         nothing could be sent now (not live, the port not open by the
 *         driver, or no receive buffer posted); VOB_EINVAL for a port out of
 *         range; VOB_EPROTO when the driver broke the ring (the device is now
 *         NEEDS_RESET).
 */
int vob_console_dev_write(struct vob_console_dev *c, uint16_t port, const void *data,
			  size_t len);

/**
 * @brief Receive bytes the driver sent on @p port (from its transmit
 * buffers).
 *
 * A transmit buffer read in part stays with the device until a later call
 * has read all of it; then it is returned to the driver.
 * @return bytes received (1 to @p len; 0 when @p len is 0); VOB_EAGAIN when
 *         nothing is waiting (or not live); VOB_EINVAL for a port out of
 *         range; VOB_EPROTO when the driver broke the ring (NEEDS_RESET).
 */
int vob_console_dev_read(struct vob_console_dev *c, uint16_t port, void *buf, size_t len);

/**
 * @brief Open or close @p port on the device side (multiport: sends
 * PORT_OPEN to the driver once the port is ready).
 * @return 0; VOB_EINVAL for a port out of range.
 */
int vob_console_dev_port_open(struct vob_console_dev *c, uint16_t port, bool open);

/**
 * @brief Multiport: plug @p port in (DEVICE_ADD) or out (DEVICE_REMOVE).
 *
 * Unplugging drops the part of a transmit buffer not read yet.
 * @return 0; VOB_EINVAL for a port out of range; VOB_ENOTSUP when the
 *         device does not offer multiport.
 */
int vob_console_dev_port_plug(struct vob_console_dev *c, uint16_t port, bool present);

/**
 * @brief Set the console size of @p port.
 *
 * Port 0 with VOB_CONSOLE_F_SIZE offered: the config space changes (the
 * driver sees a config event). With multiport negotiated and the port
 * ready: a RESIZE control message is sent too.
 * @return 0; VOB_EINVAL for a port out of range.
 */
int vob_console_dev_resize(struct vob_console_dev *c, uint16_t port, uint16_t cols,
			   uint16_t rows);

/**
 * @brief Status of @p port: VOB_CONSOLE_PORT_* bits.
 * @return the bits (0 when not set up); VOB_EINVAL for a port out of range.
 */
int vob_console_dev_port_status(const struct vob_console_dev *c, uint16_t port);

/** @brief The device's counters (valid as long as @p c). */
const struct vob_console_stats *vob_console_dev_stats(const struct vob_console_dev *c);

/* ---- driver role ---------------------------------------------------------- */

/** @brief Driver-role state of one port. Fields are private. */
struct vob_console_drport {
	uint8_t *cur;         /**< receive buffer being read (a pool buffer), or NULL */
	uint32_t cur_len;     /**< bytes the device wrote into it */
	uint32_t cur_off;     /**< bytes already read */
	uint16_t owned;       /**< receive buffers taken from the pool (posted, filled or @c cur) */
	uint16_t target;      /**< receive buffers to keep */
	uint16_t cols;        /**< size from RESIZE (or config for port 0) */
	uint16_t rows;        /**< size from RESIZE (or config for port 0) */
	uint8_t flags;        /**< VOB_CONSOLE_PORT_* */
	uint8_t sized;        /**< cols/rows are known */
	uint8_t pend;         /**< control messages to send */
	char name[VOB_CONSOLE_NAME_MAX]; /**< from PORT_NAME, "" for none */
};

/** @brief Driver-role set-up, given to vob_console_drv_init(). */
struct vob_console_drv_cfg {
	uint16_t slot;      /**< slot in the device table */
	uint16_t nr_ports;  /**< ports to drive, 1 to VOB_CONSOLE_MAX_PORTS (above 1 needs @c multiport) */
	uint8_t multiport;  /**< accept VOB_CONSOLE_F_MULTIPORT */
	/** Queue size wanted, a power of two up to VOB_CONSOLE_QSIZE (lowered
	 * to the device's maximum); 0 for VOB_CONSOLE_QSIZE. */
	uint16_t queue_size;
	/** Ring features accepted besides VERSION_1 and EVENT_IDX (packed rings
	 * and indirect descriptors are never asked for). */
	uint64_t ring_features;
	/** Ring placement (vob_place_split()): memory of the device side (its
	 * descriptor tables and driver areas) and of the driver side (device
	 * areas); may be the same arena. Room for every queue of the object is
	 * taken at init. */
	struct vob_arena dev_mem;
	struct vob_arena drv_mem; /**< see @c dev_mem */
	uint64_t pool_addr;  /**< link address of the buffer pool, line aligned */
	uint32_t buf_size;   /**< bytes per buffer: a multiple of the link's line, >= 16 */
	/** Buffers, up to VOB_CONSOLE_POOL_MAX; more than @c rx_bufs ×
	 * (@c nr_ports + 1 with multiport), so that some are left for writes
	 * and control messages. */
	uint16_t buf_count;
	/** Receive buffers kept posted per port (and on the control receiveq);
	 * 0 for a quarter of the queue size (at least 1); more than the queue
	 * size is lowered to it, and a device whose queues are smaller gets
	 * as many as its queue holds. The rest of the pool serves writes and
	 * control messages. */
	uint16_t rx_bufs;
};

/** @brief A console, driver role. Place it anywhere; fields are private. */
struct vob_console_drv {
	struct vob_dev dev;                               /**< the device-table device */
	struct vob_dev_queue q[VOB_CONSOLE_MAX_QUEUES];   /**< its queues */
	struct vob_vq vq[VOB_CONSOLE_MAX_QUEUES];         /**< queue objects */
	/** Queue state memory. */
	uint64_t state[VOB_CONSOLE_MAX_QUEUES][VOB_VQ_STATE_SIZE(VOB_CONSOLE_QSIZE, 0) / 8u];
	struct vob_pool pool;                             /**< the buffers */
	uint16_t pool_state[VOB_CONSOLE_POOL_MAX];        /**< pool free list */
	struct vob_console_drport port[VOB_CONSOLE_MAX_PORTS]; /**< the ports */
	struct vob_console_stats stats;                   /**< counters */
	uint16_t nr_ports;                                /**< ports */
	uint16_t rx_bufs;                                 /**< receive buffers per queue */
	uint16_t ctrl_owned;                              /**< control receive buffers taken */
	uint16_t ctrl_target;                             /**< control receive buffers to keep */
	uint8_t want_mp;                                  /**< MULTIPORT accepted */
	uint8_t mp;                                       /**< MULTIPORT negotiated, live */
	uint8_t pend_ready;                               /**< DEVICE_READY to send */
	uint8_t live;                                     /**< queues running */
	uint8_t size_pending;                             /**< port 0 size to read from config */
	int ev;                                           /**< events for the next poll */
};

/**
 * @brief Set up a console in the driver role: place its rings, carve its
 * buffer pool, and start looking for the device in the slot.
 *
 * @param c the object (every field overwritten); owned by the caller, must
 *        stay in place while the driver is used.
 * @param t the device table; must outlive @p c.
 * @param cfg the set-up; copied.
 * @return 0; VOB_EINVAL for a NULL argument, a bad @c nr_ports,
 *         @c queue_size, @c buf_count (too few for the receive buffers) or
 *         @c buf_size, or what vob_pool_init()
 *         or vob_dev_init() refuse; VOB_ENOMEM when an arena is too small
 *         for the rings; VOB_EFAULT when the pool is not inside a writable
 *         window; VOB_ENOTSUP for @c multiport in a build without it
 *         (@ref VOB_CFG_CONSOLE_MULTIPORT).
 */
int vob_console_drv_init(struct vob_console_drv *c, struct vob_table *t,
			 const struct vob_console_drv_cfg *cfg);

/**
 * @brief Advance the driver: run the table, post receive buffers when the
 * device goes live, collect finished transmit buffers, handle the device's
 * control messages and send pending ones. A device that asks for a reset
 * (NEEDS_RESET) or breaks a ring is reset here, its buffers returned to the
 * pool and counted in @c lost (after a broken ring, once the device has
 * answered the reset: vob_dev_reset()).
 *
 * @return a mask of VOB_DEV_EV_* and VOB_CONSOLE_EV_PORTS (0: nothing
 *         happened); never negative.
 */
int vob_console_drv_poll(struct vob_console_drv *c);

/**
 * @brief Send bytes to the device on @p port.
 *
 * Copies @p data into pool buffers of up to @c buf_size bytes each and puts
 * them on the port's transmitq; finished ones return to the pool.
 * @return bytes accepted (1 to @p len; 0 when @p len is 0); VOB_EAGAIN when
 *         nothing could be sent now (not live, the port not added yet, the
 *         transmitq full or the pool empty: backpressure); VOB_EINVAL for a
 *         port out of range; VOB_EPROTO when the device broke the ring (the
 *         device is reset).
 */
int vob_console_drv_write(struct vob_console_drv *c, uint16_t port, const void *data,
			  size_t len);

/**
 * @brief Receive bytes the device sent on @p port.
 *
 * A receive buffer read in part is kept for the next call (also across a
 * reset); a buffer read to its end is posted again.
 * @return bytes received (1 to @p len; 0 when @p len is 0); VOB_EAGAIN when
 *         nothing is waiting; VOB_EINVAL for a port out of range; VOB_EPROTO
 *         when the device broke the ring (the device is reset).
 */
int vob_console_drv_read(struct vob_console_drv *c, uint16_t port, void *buf, size_t len);

/**
 * @brief Multiport: open or close @p port on the driver side (sends
 * PORT_OPEN). Without multiport, port 0 is always open once live and this
 * does nothing.
 * @return 0; VOB_EINVAL for a port out of range; VOB_EAGAIN when the port
 *         is not added (yet), or the device is not live.
 */
int vob_console_drv_port_open(struct vob_console_drv *c, uint16_t port, bool open);

/**
 * @brief Status of @p port: VOB_CONSOLE_PORT_* bits.
 * @return the bits; VOB_EINVAL for a port out of range.
 */
int vob_console_drv_port_status(const struct vob_console_drv *c, uint16_t port);

/**
 * @brief The name the device gave @p port (NUL-terminated, "" for none).
 * @return a pointer into @p c (valid until the next poll), or NULL for a
 *         port out of range.
 */
const char *vob_console_drv_port_name(const struct vob_console_drv *c, uint16_t port);

/**
 * @brief Console size of @p port: from RESIZE messages, or for port 0 from
 * the config space when VOB_CONSOLE_F_SIZE was negotiated.
 * @return 0 with @p cols and @p rows set; VOB_ENODATA when no size is known;
 *         VOB_EINVAL for a port out of range.
 */
int vob_console_drv_size(const struct vob_console_drv *c, uint16_t port, uint16_t *cols,
			 uint16_t *rows);

/**
 * @brief Reset the device and negotiate again: every buffer in flight
 * returns to the pool (counted in @c lost) once the device has answered the
 * reset, in a later vob_console_drv_poll() (at once when the device had asked
 * for it); bytes of a receive buffer read in part stay readable.
 * @return 0.
 */
int vob_console_drv_reset(struct vob_console_drv *c);

/** @brief The driver's counters (valid as long as @p c). */
const struct vob_console_stats *vob_console_drv_stats(const struct vob_console_drv *c);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_CONSOLE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file net.h
 * @brief virtio-net (device id 1), both roles: Ethernet frames over a vob link.
 *
 * @defgroup vob_net Network device
 * @{
 * A thin layer on the device table and the virtqueue engine. Queue 0 is
 * receiveq1 (device to driver), queue 1 is transmitq1 (driver to device);
 * neither multiqueue (VIRTIO_NET_F_MQ) nor the control queue
 * (VIRTIO_NET_F_CTRL_VQ) is implemented. Every frame on a queue is preceded
 * by a 12-byte @ref vob_net_hdr, exactly as in virtio 1.x.
 *
 * **Device role** (@ref vob_net_dev): publishes the slot with a config
 * space (struct vob_net_config: MAC, link status, MTU, speed and duplex);
 * vob_net_dev_send() writes a frame into the driver's receive buffers
 * (spread over several of them with VIRTIO_NET_F_MRG_RXBUF, num_buffers
 * set), vob_net_dev_recv() takes a frame from the driver's transmit queue;
 * vob_net_dev_set_link() changes the link status and notifies the driver.
 *
 * **Driver role** (@ref vob_net_drv): places both rings from the arenas it
 * is given and takes every buffer from a @ref vob_pool in a window; when the
 * device goes live it posts receive buffers and reads the config;
 * vob_net_drv_send() copies a frame into pool buffers (one chain of up to
 * @ref VOB_NET_MAX_SEGS buffers), vob_net_drv_recv() reassembles a frame
 * from one or more used receive buffers.
 *
 * **Offloads.** Checksum and segmentation offload bits (VIRTIO_NET_F_CSUM,
 * GUEST_CSUM, HOST_/GUEST_TSO4/6, ECN, UFO, USO) are negotiated and the
 * header fields travel unchanged in @ref vob_net_hdr_info for the
 * application to honour: the class never computes a checksum or segments a
 * frame. A header asking for an offload that was not negotiated is refused
 * to a local caller (VOB_ENOTSUP) and dropped as malformed from the peer.
 *
 * **Limits.** A frame whose @c gso_type is NONE may be at most
 * mtu + @ref VOB_NET_HLEN_MAX bytes (mtu: the device's with
 * VIRTIO_NET_F_MTU negotiated; without it at most 1500 on the device side
 * and 1500 for the driver's sends); a segmentation-offload frame at most
 * @ref VOB_NET_GSO_MAX_FRAME. Larger frames are never truncated: a local
 * caller gets VOB_EMSGSIZE, a frame from the peer is dropped and counted.
 *
 * **The peer is untrusted.** Every header, chain shape, written length and
 * num_buffers value from the peer is checked; a malformed frame is dropped
 * and counted (@ref vob_net_stats), a malformed receive buffer is returned
 * to the driver empty, and a broken ring sets the device to NEEDS_RESET.
 *
 * **Context.** One object, one thread: every call on an object must be
 * serialised by the caller, and none may run in interrupt context.
 */
#ifndef VOB_NET_H
#define VOB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vob/config.h"
#include "vob/pool.h"
#include "vob/table.h"
#include "vob/virtqueue.h"
#include "vob/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Compile-time capacities (override in VOB_CONFIG_FILE)
 * @{ */
/**
 * @brief Largest queue size of either queue (a power of two): each role
 * offers / asks for at most this many entries, and each object holds the
 * state of two queues of this size.
 */
#ifndef VOB_NET_QSIZE
#define VOB_NET_QSIZE 64
#endif

/**
 * @brief Device role: most descriptors accepted in one chain (the
 * queue's seg_max). A longer chain breaks the queue (NEEDS_RESET). Costs
 * two @c struct vob_iov per unit in @c struct vob_net_dev.
 */
#ifndef VOB_NET_SEG_MAX
#define VOB_NET_SEG_MAX VOB_NET_QSIZE
#endif

/**
 * @brief Driver role: most pool buffers one frame may use, when sending
 * (one chain of that many readable buffers) and when receiving with
 * VIRTIO_NET_F_MRG_RXBUF (a frame spread over that many receive buffers).
 */
#ifndef VOB_NET_MAX_SEGS
#define VOB_NET_MAX_SEGS 8
#endif

/** @brief Driver role: largest pool (buffers) a driver object can manage. */
#ifndef VOB_NET_BUFS
#define VOB_NET_BUFS 128
#endif
/** @} */

/** @brief The virtio device id of a network device. */
#define VOB_NET_DEVICE_ID 1u

/** @name Queues
 * @{ */
#define VOB_NET_RXQ 0u        /**< receiveq1: device writes frames for the driver */
#define VOB_NET_TXQ 1u        /**< transmitq1: driver's frames for the device */
#define VOB_NET_NUM_QUEUES 2u /**< queues per device (the table needs nqueues >= 2) */
/** @} */

/** @name Feature bits (virtio 1.x numbering; use with VOB_BIT())
 * @{ */
#define VOB_NET_F_CSUM 0          /**< device handles partial checksums on transmit */
#define VOB_NET_F_GUEST_CSUM 1    /**< driver handles partial checksums on receive */
#define VOB_NET_F_MTU 3           /**< device reports its maximum MTU */
#define VOB_NET_F_MAC 5           /**< device has a MAC address */
#define VOB_NET_F_GUEST_TSO4 7    /**< driver receives TSOv4 */
#define VOB_NET_F_GUEST_TSO6 8    /**< driver receives TSOv6 */
#define VOB_NET_F_GUEST_ECN 9     /**< driver receives TSO with ECN */
#define VOB_NET_F_GUEST_UFO 10    /**< driver receives UFO */
#define VOB_NET_F_HOST_TSO4 11    /**< device receives TSOv4 */
#define VOB_NET_F_HOST_TSO6 12    /**< device receives TSOv6 */
#define VOB_NET_F_HOST_ECN 13     /**< device receives TSO with ECN */
#define VOB_NET_F_HOST_UFO 14     /**< device receives UFO */
#define VOB_NET_F_MRG_RXBUF 15    /**< driver merges receive buffers */
#define VOB_NET_F_STATUS 16       /**< config status field is valid */
#define VOB_NET_F_GUEST_USO4 54   /**< driver receives USOv4 */
#define VOB_NET_F_GUEST_USO6 55   /**< driver receives USOv6 */
#define VOB_NET_F_HOST_USO 56     /**< device receives USO */
#define VOB_NET_F_SPEED_DUPLEX 63 /**< config speed and duplex are valid */
/** @} */

/** @brief Every VOB_NET_F_* bit the class implements (others are never negotiated). */
#define VOB_NET_FEATURES_SUPPORTED                                                         \
	(VOB_BIT(VOB_NET_F_CSUM) | VOB_BIT(VOB_NET_F_GUEST_CSUM) | VOB_BIT(VOB_NET_F_MTU) | \
	 VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_GUEST_TSO4) |                          \
	 VOB_BIT(VOB_NET_F_GUEST_TSO6) | VOB_BIT(VOB_NET_F_GUEST_ECN) |                    \
	 VOB_BIT(VOB_NET_F_GUEST_UFO) | VOB_BIT(VOB_NET_F_HOST_TSO4) |                     \
	 VOB_BIT(VOB_NET_F_HOST_TSO6) | VOB_BIT(VOB_NET_F_HOST_ECN) |                      \
	 VOB_BIT(VOB_NET_F_HOST_UFO) | VOB_BIT(VOB_NET_F_MRG_RXBUF) |                      \
	 VOB_BIT(VOB_NET_F_STATUS) | VOB_BIT(VOB_NET_F_GUEST_USO4) |                       \
	 VOB_BIT(VOB_NET_F_GUEST_USO6) | VOB_BIT(VOB_NET_F_HOST_USO) |                     \
	 VOB_BIT(VOB_NET_F_SPEED_DUPLEX))

/** @name Header flags (vob_net_hdr::flags)
 * @{ */
#define VOB_NET_HDR_F_NEEDS_CSUM 1u /**< checksum from csum_start, stored at csum_offset */
#define VOB_NET_HDR_F_DATA_VALID 2u /**< receive: the device validated the checksum */
/** @} */

/** @name Segmentation types (vob_net_hdr::gso_type)
 * @{ */
#define VOB_NET_HDR_GSO_NONE 0u    /**< not a segmentation-offload frame */
#define VOB_NET_HDR_GSO_TCPV4 1u   /**< TCP over IPv4 segmentation */
#define VOB_NET_HDR_GSO_UDP 3u     /**< UDP fragmentation (UFO) */
#define VOB_NET_HDR_GSO_TCPV6 4u   /**< TCP over IPv6 segmentation */
#define VOB_NET_HDR_GSO_UDP_L4 5u  /**< UDP segmentation (USO) */
#define VOB_NET_HDR_GSO_ECN 0x80u  /**< flag: the TCP frame has ECN set */
/** @} */

/** @name Link status bits (vob_net_config::status)
 * @{ */
#define VOB_NET_S_LINK_UP 1u  /**< the link is up */
#define VOB_NET_S_ANNOUNCE 2u /**< announce request (needs GUEST_ANNOUNCE; never set here) */
/** @} */

/** @name Duplex values of vob_net_dev_cfg::duplex (the wire uses 0xff, 1, 0)
 * @{ */
#define VOB_NET_DUPLEX_UNKNOWN 0u /**< unknown (0xff in config) */
#define VOB_NET_DUPLEX_FULL 1u    /**< full duplex (1 in config) */
#define VOB_NET_DUPLEX_HALF 2u    /**< half duplex (0 in config) */
/** @} */

/** @brief Longest Ethernet header counted on top of the MTU (14 + one VLAN tag). */
#define VOB_NET_HLEN_MAX 18u
/** @brief MTU assumed when VIRTIO_NET_F_MTU is not negotiated. */
#define VOB_NET_MTU_DEFAULT 1500u
/** @brief Largest segmentation-offload frame (14 + 40 + 65535, virtio 1.x). */
#define VOB_NET_GSO_MAX_FRAME 65589u

/**
 * @brief The header in front of every frame (virtio 1.x struct
 * virtio_net_hdr, without the fields of HASH_REPORT and tunnel features):
 * 12 bytes, little-endian.
 */
struct vob_net_hdr {
	uint8_t flags;            /**< VOB_NET_HDR_F_* */
	uint8_t gso_type;         /**< VOB_NET_HDR_GSO_* */
	vob_le16_t hdr_len;       /**< bytes of headers to replicate (a hint) */
	vob_le16_t gso_size;      /**< segment payload size (MSS) */
	vob_le16_t csum_start;    /**< where checksumming starts */
	vob_le16_t csum_offset;   /**< where the checksum goes, from csum_start */
	vob_le16_t num_buffers;   /**< receive: buffers the frame spans; transmit: 0 */
};

VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, flags) == 0, net_hdr_flags);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, gso_type) == 1, net_hdr_gso_type);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, hdr_len) == 2, net_hdr_hdr_len);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, gso_size) == 4, net_hdr_gso_size);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, csum_start) == 6, net_hdr_csum_start);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, csum_offset) == 8, net_hdr_csum_offset);
VOB_STATIC_ASSERT(offsetof(struct vob_net_hdr, num_buffers) == 10, net_hdr_num_buffers);
VOB_STATIC_ASSERT(sizeof(struct vob_net_hdr) == 12, net_hdr_size);

/** @brief Bytes of @ref vob_net_hdr on the wire. */
#define VOB_NET_HDR_SIZE 12u

/**
 * @brief The config space (virtio 1.x struct virtio_net_config up to
 * supported_hash_types): 24 bytes, little-endian. The table's
 * @c config_max must be at least @ref VOB_NET_CONFIG_SIZE.
 */
struct vob_net_config {
	uint8_t mac[6];                            /**< valid with VIRTIO_NET_F_MAC */
	vob_le16_t status;                         /**< VOB_NET_S_*, valid with VIRTIO_NET_F_STATUS */
	vob_le16_t max_virtqueue_pairs;            /**< always 1 here (no MQ) */
	vob_le16_t mtu;                            /**< valid with VIRTIO_NET_F_MTU */
	vob_le32_t speed;                          /**< Mbit/s, 0xffffffff unknown (SPEED_DUPLEX) */
	uint8_t duplex;                            /**< 1 full, 0 half, 0xff unknown (SPEED_DUPLEX) */
	uint8_t rss_max_key_size;                  /**< 0 (no RSS) */
	vob_le16_t rss_max_indirection_table_length; /**< 0 (no RSS) */
	vob_le32_t supported_hash_types;           /**< 0 (no RSS) */
};

VOB_STATIC_ASSERT(offsetof(struct vob_net_config, mac) == 0, net_cfg_mac);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, status) == 6, net_cfg_status);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, max_virtqueue_pairs) == 8, net_cfg_mvqp);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, mtu) == 10, net_cfg_mtu);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, speed) == 12, net_cfg_speed);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, duplex) == 16, net_cfg_duplex);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, rss_max_key_size) == 17, net_cfg_rss_key);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, rss_max_indirection_table_length) == 18,
		  net_cfg_rss_table);
VOB_STATIC_ASSERT(offsetof(struct vob_net_config, supported_hash_types) == 20, net_cfg_hash);
VOB_STATIC_ASSERT(sizeof(struct vob_net_config) == 24, net_cfg_size);

/** @brief Bytes of config space the device publishes. */
#define VOB_NET_CONFIG_SIZE 24u

/**
 * @brief The header of one frame in host order, as the API takes and gives
 * it. On send, NULL means all zero (a fully checksummed, unsegmented frame).
 */
struct vob_net_hdr_info {
	uint8_t flags;        /**< VOB_NET_HDR_F_* */
	uint8_t gso_type;     /**< VOB_NET_HDR_GSO_* */
	uint16_t hdr_len;     /**< carried unchanged (at most the frame length) */
	uint16_t gso_size;    /**< carried unchanged (nonzero when gso_type is not NONE) */
	uint16_t csum_start;  /**< carried unchanged (checked against the length with NEEDS_CSUM) */
	uint16_t csum_offset; /**< carried unchanged */
	/** Receive only: buffers the frame spanned; 1 without MRG_RXBUF,
	 * whatever the device wrote there (the field is ignored then, as
	 * Linux does: devices in use left it 0). Ignored on send. */
	uint16_t num_buffers;
};

/** @brief Counters of one object (either role). */
struct vob_net_stats {
	uint32_t tx_frames;    /**< frames handed to the peer */
	uint32_t rx_frames;    /**< frames delivered to the application */
	/** Frames a local caller was refused with VOB_EMSGSIZE (too long for
	 * the MTU, the segment limit, or the driver's receive buffers). */
	uint32_t tx_dropped;
	/** Frames from the peer dropped as malformed: no or short header,
	 * writable segments on transmit, offloads not negotiated, checksum
	 * or header length out of range, written lengths or num_buffers that
	 * lie. */
	uint32_t rx_bad;
	uint32_t rx_oversize;  /**< frames from the peer dropped as longer than allowed */
	/** Device: receive buffers the driver offered malformed (readable
	 * segments, shorter than the header), returned to it empty. */
	uint32_t bad_bufs;
	/** Driver: receive buffers given back by a reset (in flight or held
	 * for reassembly); device: receive buffers it held at a reset. */
	uint32_t lost_rx;
	/** Driver: frames in flight on the transmit queue at a reset (they may
	 * not have been sent); device: a transmit chain it held at a reset. */
	uint32_t lost_tx;
	uint32_t link_changes; /**< link status changes made (device) or seen (driver) */
	/** Rings the peer broke (bad index, id, length, address, loop ...):
	 * device: it went NEEDS_RESET; driver: it reset the device. */
	uint32_t ring_errors;
};

/** @brief vob_net_*_poll() event: the link status changed (driver role). */
#define VOB_NET_EV_LINK 0x100

/** @cond INTERNAL */
#define VOB_NET_VQ_WORDS ((VOB_VQ_STATE_SIZE(VOB_NET_QSIZE, 0) + 7u) / 8u)
/** @endcond */

/* ---- device role ---------------------------------------------------------- */

/** @brief Device-role set-up, given to vob_net_dev_init(). */
struct vob_net_dev_cfg {
	uint16_t slot;       /**< slot in the table */
	/** VOB_NET_F_* bits offered (masked with VOB_NET_FEATURES_SUPPORTED;
	 * must respect the spec's dependencies, e.g. HOST_TSO4 needs CSUM). */
	uint64_t features;
	uint8_t mac[6];      /**< MAC address (published with VOB_NET_F_MAC) */
	uint16_t mtu;        /**< MTU, 68 to 65535; 0 for VOB_NET_MTU_DEFAULT */
	bool link_up;        /**< initial link status */
	uint32_t speed;      /**< Mbit/s, 0 for unknown (published with VOB_NET_F_SPEED_DUPLEX) */
	uint8_t duplex;      /**< VOB_NET_DUPLEX_*: 0 unknown, 1 full, 2 half */
	uint16_t queue_size; /**< largest queue offered, 0 for VOB_NET_QSIZE */
	uint32_t vendor_id;  /**< virtio vendor id (0 is allowed) */
};

/**
 * @brief A network device (device role). Place it anywhere (static
 * storage is the intent); vob_net_dev_init() sets every field. Fields are
 * private.
 */
struct vob_net_dev {
	struct vob_dev dev;                              /**< the table device */
	struct vob_dev_queue q[VOB_NET_NUM_QUEUES];      /**< its queues */
	struct vob_vq vq[VOB_NET_NUM_QUEUES];            /**< queue objects */
	uint64_t vq_state[VOB_NET_NUM_QUEUES][VOB_NET_VQ_WORDS]; /**< queue state */
	struct vob_net_config config;                    /**< config as published */
	struct vob_net_stats stats;                      /**< counters */
	struct vob_iov tx_iov[VOB_NET_SEG_MAX];          /**< transmit chain segments */
	struct vob_chain tx_chain;                       /**< transmit chain held back */
	struct vob_net_hdr_info tx_hdr;                  /**< its header (local copy) */
	uint32_t tx_len;                                 /**< its frame length */
	/** Receive buffers popped and not used yet, with their segments. */
	struct vob_chain rx_held[VOB_NET_QSIZE];
	struct vob_iov rx_iov[VOB_NET_SEG_MAX + VOB_NET_QSIZE]; /**< their segments */
	uint64_t features;                               /**< negotiated (word 0) */
	uint32_t mtu;                                    /**< the device's MTU */
	uint16_t rx_nheld;                               /**< entries of rx_held */
	uint16_t rx_iov_used;                            /**< entries of rx_iov in use */
	uint16_t rx_ndesc; /**< ring descriptors the held buffers take (an indirect table: 1) */
	uint16_t rx_qsize;                               /**< receive queue size in use */
	uint8_t tx_held;                                 /**< tx_chain holds a chain */
	uint8_t live;                                    /**< queues are running */
};

/**
 * @brief Set up a network device and publish it in the table.
 *
 * Offers VERSION_1, EVENT_IDX and INDIRECT_DESC with the class features.
 * @param n the object (every field overwritten); must stay in place while used.
 * @param t the table; must outlive @p n. Its @c nqueues must be at least 2
 *        and its @c config_max at least @ref VOB_NET_CONFIG_SIZE.
 * @param cfg the set-up; copied.
 * @return 0; VOB_EINVAL for a NULL argument, an MTU below 68, a queue size
 *         that is not a power of two up to VOB_NET_QSIZE, offered features
 *         that break the spec's dependencies, or what vob_dev_init()
 *         refuses (bad slot, table too small).
 */
int vob_net_dev_init(struct vob_net_dev *n, struct vob_table *t, const struct vob_net_dev_cfg *cfg);

/**
 * @brief Advance the device: runs vob_dev_poll() and handles its events
 * (on a reset every receive buffer held is forgotten and counted in
 * @c lost_rx).
 * @return the VOB_DEV_EV_* mask of vob_dev_poll(), or VOB_EIO when the device
 *         was removed.
 */
int vob_net_dev_poll(struct vob_net_dev *n);

/**
 * @brief Deliver a frame into the driver's receive buffers.
 *
 * Writes the header and the frame into one receive buffer, or with
 * VIRTIO_NET_F_MRG_RXBUF into as many as needed (num_buffers set in the
 * header of the first, every buffer but the last filled), then publishes
 * them together and notifies the driver if it wants it. Receive buffers
 * the driver offered malformed are returned to it empty (counted in
 * @c bad_bufs).
 * @param n the device.
 * @param hdr offload header (num_buffers ignored), or NULL for none.
 * @param frame the frame (Ethernet header first); copied before the call
 *        returns.
 * @param len its length, 1 or more.
 * With VIRTIO_NET_F_MRG_RXBUF the buffers popped for a frame that does
 * not fit yet stay held (for this frame or the next ones) while the driver
 * may still post more: VOB_EAGAIN as long as the buffers held cover less
 * than the whole receive queue (fewer than its size, counted in buffers
 * and in the ring descriptors they take: one per segment, one for a whole
 * indirect table, see @ref VOB_IOV_INDIRECT), VOB_EMSGSIZE once they cover
 * it, since the driver cannot post another and the frame could never be
 * delivered; VOB_EMSGSIZE too once the buffers held have more than
 * @ref VOB_NET_QSIZE segments, all this device keeps at once. A driver
 * that posts a few buffers and never more therefore gets VOB_EAGAIN for a
 * frame larger than them, for as long as it does so. (A vob driver keeps
 * enough posted for 1518 bytes, and takes VIRTIO_NET_F_MTU only for an MTU
 * whose frames its buffers hold; without F_MTU this device sends at most
 * 1518 bytes of @c gso_type NONE, vob_net_dev_max_frame().)
 * @return 0; VOB_EAGAIN when the driver has not offered enough receive
 *         buffers yet (nothing is consumed: call again later with the same
 *         frame), or after VOB_NET_QSIZE malformed ones in one call (a
 *         budget: call again); VOB_EMSGSIZE when the frame is longer
 *         than the limits (MTU, see vob_net_dev_max_frame();
 *         @ref VOB_NET_GSO_MAX_FRAME) or than the driver's buffers can
 *         hold: its one buffer without MRG_RXBUF, with it the buffers held
 *         covering the whole receive queue (counted in @c tx_dropped; the
 *         buffers stay held for the next frames); VOB_ENOTSUP when @p hdr asks for
 *         an offload the driver did not negotiate (GUEST_CSUM, GUEST_TSO4
 *         ...) or has unknown flags; VOB_EINVAL for a NULL frame, a zero
 *         length, a zero gso_size with a gso_type, or csum_start +
 *         csum_offset + 2 or hdr_len beyond the frame; VOB_ENODEV when the
 *         device is not live; VOB_EPROTO when the driver broke the ring (the
 *         device now needs a reset).
 */
int vob_net_dev_send(struct vob_net_dev *n, const struct vob_net_hdr_info *hdr, const void *frame,
		     size_t len);

/**
 * @brief Take the next frame the driver transmitted.
 *
 * Malformed chains are returned to the driver and counted (@c rx_bad,
 * @c rx_oversize) and the next one is tried.
 * @param n the device.
 * @param buf where the frame is copied.
 * @param cap bytes at @p buf; vob_net_dev_max_frame() bytes never fall short.
 * @param hdr_out if not NULL, receives the frame's header (num_buffers 0).
 * @return the frame length (1 or more); VOB_EAGAIN when no frame is waiting,
 *         or after VOB_NET_QSIZE malformed chains in one call (a budget:
 *         call again); VOB_EMSGSIZE when the next frame is longer than
 *         @p cap (it stays first in line); VOB_ENODEV when the device is not
 *         live; VOB_EPROTO when the driver broke the ring (the device now
 *         needs a reset); VOB_EINVAL for a NULL @p buf with a nonzero @p cap.
 */
int vob_net_dev_recv(struct vob_net_dev *n, void *buf, size_t cap, struct vob_net_hdr_info *hdr_out);

/**
 * @brief Set the link status and, when it changes, notify the driver
 * (a config change: the driver sees VOB_DEV_EV_CONFIG and VOB_NET_EV_LINK).
 * Works in any state. The status is advisory: the class does not stop
 * traffic while the link is down.
 * @return 0, or what vob_dev_config_write() returns.
 */
int vob_net_dev_set_link(struct vob_net_dev *n, bool up);

/** @brief The link status this device publishes: 1 up, 0 down. */
int vob_net_dev_link(const struct vob_net_dev *n);

/**
 * @brief Longest frame vob_net_dev_recv() can return with the negotiated
 * features: mtu + VOB_NET_HLEN_MAX, or VOB_NET_GSO_MAX_FRAME with a host
 * segmentation offload. mtu is the device's with VIRTIO_NET_F_MTU
 * negotiated, else at most 1500 (what a driver provisions its receive
 * buffers for); mtu + VOB_NET_HLEN_MAX is also the longest frame of
 * @c gso_type NONE that vob_net_dev_send() takes.
 */
uint32_t vob_net_dev_max_frame(const struct vob_net_dev *n);

/** @brief Negotiated features (bits 0-63), 0 until negotiated. */
uint64_t vob_net_dev_features(const struct vob_net_dev *n);

/** @brief The counters. */
const struct vob_net_stats *vob_net_dev_stats(const struct vob_net_dev *n);

/* ---- driver role ---------------------------------------------------------- */

/** @brief Driver-role set-up, given to vob_net_drv_init(). */
struct vob_net_drv_cfg {
	uint16_t slot;            /**< slot in the table */
	/** VOB_NET_F_* bits the driver wants (masked with
	 * VOB_NET_FEATURES_SUPPORTED), and VOB_BIT(VOB_F_RING_PACKED) to
	 * accept the packed ring; negotiated as far as the device offers. */
	uint64_t features;
	uint16_t queue_size;      /**< entries per queue asked for (power of two), 0 for VOB_NET_QSIZE */
	/** Memory of the device side for the descriptor and driver areas of
	 * both rings (vob_place_split()). For a single window give the same
	 * arena (equal addr and len) as @c drv_mem: it is then carved once.
	 * Copied. */
	struct vob_arena dev_mem;
	struct vob_arena drv_mem; /**< memory of the driver side for the device areas */
	/** Link address of the buffer pool: @c buf_count buffers of
	 * @c buf_size bytes in a window the device can read and write. */
	uint64_t pool_addr;
	uint32_t buf_size;        /**< bytes per buffer: a multiple of the line, at least 64 */
	uint16_t buf_count;       /**< buffers, 2 to VOB_NET_BUFS */
	/** Buffers kept posted on the receive queue (at most the queue size
	 * and fewer than @c buf_count); 0 for half of @c buf_count. With
	 * VIRTIO_NET_F_MRG_RXBUF in @c features: enough for a frame of the
	 * default MTU (rx_bufs × buf_size at least 12 + 1518), or the queue
	 * size. A device MTU above 1500 is taken (VIRTIO_NET_F_MTU) only
	 * when its frames fit in what is kept posted (vob_net_drv_max_rx());
	 * else F_MTU is not negotiated and the device keeps to 1500. */
	uint16_t rx_bufs;
};

/** @cond INTERNAL */
struct vob_net_txrec {
	void *buf[VOB_NET_MAX_SEGS]; /* pool buffers of the frame */
	uint8_t n;                   /* how many; 0 when free */
};
/** @endcond */

/**
 * @brief A network driver (driver role). Place it anywhere; fields are
 * private.
 */
struct vob_net_drv {
	struct vob_dev dev;                              /**< the table device */
	struct vob_dev_queue q[VOB_NET_NUM_QUEUES];      /**< its queues */
	struct vob_vq vq[VOB_NET_NUM_QUEUES];            /**< queue objects */
	uint64_t vq_state[VOB_NET_NUM_QUEUES][VOB_NET_VQ_WORDS]; /**< queue state */
	struct vob_pool pool;                            /**< buffers */
	uint16_t pool_state[VOB_NET_BUFS];               /**< pool free list */
	struct vob_net_txrec tx[VOB_NET_QSIZE];          /**< frames in flight */
	void *rx_frag[VOB_NET_MAX_SEGS];                 /**< buffers of the frame being reassembled */
	uint32_t rx_fraglen[VOB_NET_MAX_SEGS];           /**< their written lengths */
	uint8_t rx_hdr[VOB_NET_HDR_SIZE];                /**< its header (local copy) */
	struct vob_net_stats stats;                      /**< counters */
	uint64_t features;                               /**< negotiated (word 0) */
	uint32_t mtu;                                    /**< MTU in use */
	uint32_t rx_len;                                 /**< bytes of the frame so far */
	uint16_t rx_want;                                /**< buffers the frame spans (0: none open) */
	uint16_t rx_nfrag;                               /**< buffers collected */
	uint16_t rx_skip;                                /**< continuation buffers to discard */
	uint16_t rx_posted;                              /**< receive buffers in flight */
	uint16_t rx_target;                              /**< receive buffers to keep posted */
	uint16_t tx_inflight;                            /**< transmit chains in flight */
	uint16_t status;                                 /**< config status last read */
	uint8_t mac[6];                                  /**< config MAC last read */
	uint8_t rx_ready;                                /**< the frame is complete */
	uint8_t cfg_dirty;                               /**< config must be read again */
	uint8_t live;                                    /**< queues are running */
};

/**
 * @brief Set up a network driver: place both rings, set up the pool, and
 * start looking for the device in the slot.
 *
 * Asks for VERSION_1 and EVENT_IDX with the class features.
 * @param n the object (every field overwritten); must stay in place while used.
 * @param t the table; must outlive @p n (nqueues >= 2).
 * @param cfg the set-up; copied.
 * @return 0; VOB_EINVAL for a NULL argument, a bad queue size, buffer
 *         size or count, @c rx_bufs not below @c buf_count, or, with
 *         VIRTIO_NET_F_MRG_RXBUF asked for, @c rx_bufs below @c queue_size
 *         and too few for a 1518-byte frame and its header; VOB_ENOMEM
 *         when an arena is too small for the rings; what vob_pool_init() or
 *         vob_dev_init() refuse (VOB_EFAULT: the pool is not in a writable
 *         window).
 */
int vob_net_drv_init(struct vob_net_drv *n, struct vob_table *t, const struct vob_net_drv_cfg *cfg);

/**
 * @brief Advance the driver: runs vob_dev_poll() and handles its events.
 *
 * On VOB_DEV_EV_LIVE reads the config and posts the receive buffers; on
 * VOB_DEV_EV_CONFIG reads the link status again; on a reset takes back
 * every buffer (counted in @c lost_rx / @c lost_tx). Also collects
 * transmitted buffers. On VOB_DEV_EV_NEEDS_RESET, or when the device broke
 * the transmit ring, it resets the device (vob_net_drv_reset()) and
 * negotiation starts again by itself.
 * @return the VOB_DEV_EV_* mask, with VOB_NET_EV_LINK when what
 *         vob_net_drv_link() returns changed while live (not in the poll
 *         that reports VOB_DEV_EV_LIVE, which reads the link first; a reset
 *         or removal reports itself); never negative.
 */
int vob_net_drv_poll(struct vob_net_drv *n);

/**
 * @brief Send a frame: copy the header and the frame into pool buffers and
 * make them available on the transmit queue.
 * @param n the driver.
 * @param hdr offload header (num_buffers ignored, sent as 0), or NULL.
 * @param frame the frame (Ethernet header first); copied.
 * @param len its length, 1 or more.
 * @return 0; VOB_EAGAIN when no buffer or descriptor is free now (call
 *         again after vob_net_drv_poll()); VOB_EMSGSIZE when the frame is
 *         longer than vob_net_drv_max_tx(), for instance needs more
 *         buffers than the transmit queue has descriptors (counted in
 *         @c tx_dropped);
 *         VOB_ENOTSUP when @p hdr asks for an offload not negotiated (CSUM,
 *         HOST_TSO4 ...) or unknown flags; VOB_EINVAL for a NULL frame, a
 *         zero length, a zero gso_size with a gso_type, or csum_start +
 *         csum_offset + 2 or hdr_len beyond the frame; VOB_ENODEV when the
 *         device is not live or has no transmit queue; VOB_EPROTO when the
 *         device broke the ring (it has been reset: counted in
 *         @c ring_errors, buffers in @c lost_* once the device answers).
 */
int vob_net_drv_send(struct vob_net_drv *n, const struct vob_net_hdr_info *hdr, const void *frame,
		     size_t len);

/**
 * @brief Receive the next frame, reassembled from one or more receive
 * buffers, which go back to the device at once.
 *
 * Frames the device wrote malformed are dropped and counted (@c rx_bad,
 * @c rx_oversize) and the next one is tried.
 * @param n the driver.
 * @param buf where the frame is copied.
 * @param cap bytes at @p buf; vob_net_drv_max_rx() bytes never fall short.
 * @param hdr_out if not NULL, receives the header (with num_buffers).
 * @return the frame length (1 or more); VOB_EAGAIN when no complete frame
 *         is waiting (also after 2 × VOB_NET_QSIZE buffers without a frame
 *         in one call: a budget); VOB_EMSGSIZE when it is longer than
 *         @p cap (it stays first in line); VOB_ENODEV when the device is not
 *         live; VOB_EPROTO when the device broke the ring (it has been
 *         reset: counted in @c ring_errors, buffers in @c lost_*); VOB_EINVAL
 *         for a NULL @p buf with a nonzero @p cap.
 */
int vob_net_drv_recv(struct vob_net_drv *n, void *buf, size_t cap, struct vob_net_hdr_info *hdr_out);

/**
 * @brief Reset the device and negotiate again (vob_dev_reset(); the next
 * polls bring it back). Every buffer comes back to the pool and frames in
 * flight are counted as lost once the device has answered the reset, in a
 * later vob_net_drv_poll() (it may use them until then); buffers of a frame
 * being reassembled come back at once.
 * @return 0.
 */
int vob_net_drv_reset(struct vob_net_drv *n);

/**
 * @brief The link status: 1 up, 0 down. Up when VIRTIO_NET_F_STATUS was
 * not negotiated (as the spec says to assume); 0 when not live.
 */
int vob_net_drv_link(const struct vob_net_drv *n);

/**
 * @brief The device's MAC address, from its config.
 * @return 0; VOB_ENOTSUP when VIRTIO_NET_F_MAC was not negotiated;
 *         VOB_ENODEV when the device is not live.
 */
int vob_net_drv_mac(const struct vob_net_drv *n, uint8_t mac[6]);

/**
 * @brief The MTU in use: the device's with VIRTIO_NET_F_MTU, else 1500.
 * F_MTU is not asked for when the device's @c mtu, read before FEATURES_OK,
 * is below 68, cannot be read then, or is above 1500 with frames
 * (mtu + @ref VOB_NET_HLEN_MAX + the header) the receive buffers cannot
 * hold: one buffer without VIRTIO_NET_F_MRG_RXBUF, with it the fewest of
 * @ref VOB_NET_MAX_SEGS, @c rx_bufs and the size the receive queue will run
 * with (vob_dev_queue_size()).
 */
uint32_t vob_net_drv_mtu(const struct vob_net_drv *n);

/**
 * @brief Longest frame vob_net_drv_send() accepts now: the MTU limit (or
 * @ref VOB_NET_GSO_MAX_FRAME with a host segmentation offload), and what
 * fits in the fewest of @ref VOB_NET_MAX_SEGS, @c buf_count - @c rx_bufs
 * and the transmit queue's size (one descriptor per buffer) pool buffers,
 * minus the header. 0 when not live or when the device has no transmit
 * queue.
 */
uint32_t vob_net_drv_max_tx(const struct vob_net_drv *n);

/**
 * @brief Longest frame vob_net_drv_recv() can return now: what fits in one
 * buffer, or with VIRTIO_NET_F_MRG_RXBUF in the fewest of
 * @ref VOB_NET_MAX_SEGS, @c rx_bufs and the receive queue's size (the
 * buffers ever posted at once), minus the header; no more than the MTU
 * limit with VIRTIO_NET_F_MTU. 0 when not live or when the device has no
 * receive queue.
 */
uint32_t vob_net_drv_max_rx(const struct vob_net_drv *n);

/** @brief Negotiated features (bits 0-63), 0 until negotiated. */
uint64_t vob_net_drv_features(const struct vob_net_drv *n);

/** @brief The counters. */
const struct vob_net_stats *vob_net_drv_stats(const struct vob_net_drv *n);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_NET_H */

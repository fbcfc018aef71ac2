/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob_vhost_user.h
 * @brief The vhost-user port: vob's device classes served to vhost-user
 * front ends (QEMU, DPDK virtio_user), and vob's driver classes driving
 * vhost-user back ends (DPDK net_vhost, qemu-storage-daemon).
 *
 * @defgroup vob_vhu vhost-user port
 * @{
 * vhost-user negotiates over a unix socket instead of vob's device table, so
 * the port runs a table in local memory as a bridge (docs/vhost-user.md):
 *
 * - **Back end** (vob_vhu_be): the application publishes a device class
 *   (blk, net) in the table returned by vob_vhu_be_table(); the port plays
 *   the table's driver role for the front end with @c foreign_queues set: it
 *   answers GET_FEATURES and GET_CONFIG from the device's offer, and places
 *   the queues where SET_VRING_ADDR says, without touching them. Guest memory
 *   regions become link windows whose link addresses are guest physical
 *   addresses (a region on huge pages must be made of whole pages, at a
 *   page multiple in its file and from the start of its window). Kick fds
 *   feed vob_on_irq_isr(); call fds are the doorbells; kick, call and error
 *   fds must be eventfds.
 * - **Front end** (vob_vhu_fe): the application's driver class negotiates
 *   in the table returned by vob_vhu_fe_table(), placing its queues and
 *   buffers in a memfd window (vob_vhu_fe_arena()); the port plays the
 *   table's device role for the external back end (its features and config
 *   space) and hands the placement over: SET_MEM_TABLE with the memfd,
 *   SET_VRING_NUM, BASE, ADDR, KICK, CALL and ENABLE.
 *
 * Both run in the caller's thread: the *_step() calls wait at most the time
 * given (plus at most VOB_VHU_MSG_TIMEOUT_MS to read a message that began
 * to arrive), handle what arrived, and call the application's @c poll callback
 * (which advances the class). Errors from the peer are reported through the
 * @c log callback and drop the connection; nothing is trusted.
 */
#ifndef VOB_VHOST_USER_H
#define VOB_VHOST_USER_H

#include <stddef.h>
#include <stdint.h>

#include "vob/vob.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Most queues a vhost-user device may have here. */
#define VOB_VHU_MAX_QUEUES 8u
/** @brief Most memory regions in one SET_MEM_TABLE (the protocol's baseline). */
#define VOB_VHU_MAX_REGIONS 8u
/** @brief Largest config space exchanged by GET_CONFIG / SET_CONFIG. */
#define VOB_VHU_CONFIG_MAX 256u
/** @brief Link address of the bridging table (far above any guest address). */
#define VOB_VHU_TABLE_ADDR 0xfff0000000000000ull
/** @brief Time (ms) a message has to arrive whole once its first byte came
 * (vob_vhu_recv()): a peer that stops or trickles is cut off after it. */
#define VOB_VHU_MSG_TIMEOUT_MS 1000

/** @name vhost-user requests (front end to back end)
 * @{ */
#define VOB_VHU_GET_FEATURES 1u          /**< u64 reply */
#define VOB_VHU_SET_FEATURES 2u          /**< u64 */
#define VOB_VHU_SET_OWNER 3u             /**< no payload */
#define VOB_VHU_RESET_OWNER 4u           /**< no payload */
#define VOB_VHU_SET_MEM_TABLE 5u         /**< regions, one fd each */
#define VOB_VHU_SET_VRING_NUM 8u         /**< vring state */
#define VOB_VHU_SET_VRING_ADDR 9u        /**< vring address */
#define VOB_VHU_SET_VRING_BASE 10u       /**< vring state */
#define VOB_VHU_GET_VRING_BASE 11u       /**< vring state, vring state reply */
#define VOB_VHU_SET_VRING_KICK 12u       /**< u64, fd unless bit 8 */
#define VOB_VHU_SET_VRING_CALL 13u       /**< u64, fd unless bit 8 */
#define VOB_VHU_SET_VRING_ERR 14u        /**< u64, fd unless bit 8 */
#define VOB_VHU_GET_PROTOCOL_FEATURES 15u /**< u64 reply */
#define VOB_VHU_SET_PROTOCOL_FEATURES 16u /**< u64 */
#define VOB_VHU_GET_QUEUE_NUM 17u        /**< u64 reply */
#define VOB_VHU_SET_VRING_ENABLE 18u     /**< vring state */
#define VOB_VHU_GET_CONFIG 24u           /**< config, config reply */
#define VOB_VHU_SET_CONFIG 25u           /**< config */
#define VOB_VHU_RESET_DEVICE 34u         /**< no payload */
#define VOB_VHU_GET_MAX_MEM_SLOTS 36u    /**< u64 reply */
/** @} */

/** @name Message flags
 * @{ */
#define VOB_VHU_VERSION 1u        /**< protocol version in flags bits 0-1 */
#define VOB_VHU_FLAG_REPLY 4u     /**< the message is a reply */
#define VOB_VHU_FLAG_NEED_REPLY 8u /**< REPLY_ACK asked for */
/** @} */

/** @brief Virtio feature bit 30: the vhost-user protocol features exist. */
#define VOB_VHU_F_PROTOCOL_FEATURES 30

/** @name Protocol feature bits
 * @{ */
#define VOB_VHU_PF_MQ 0           /**< GET_QUEUE_NUM, several queues */
#define VOB_VHU_PF_REPLY_ACK 3    /**< NEED_REPLY answered with a u64 */
#define VOB_VHU_PF_CONFIG 9       /**< GET_CONFIG and SET_CONFIG */
#define VOB_VHU_PF_RESET_DEVICE 13 /**< RESET_DEVICE */
/** @} */

/** @brief vring state payload (SET_VRING_NUM, BASE, ENABLE, GET_VRING_BASE). */
struct vob_vhu_state {
	uint32_t index; /**< queue */
	uint32_t num;   /**< size, base or enable */
};

/** @brief vring address payload (SET_VRING_ADDR): front-end virtual addresses. */
struct vob_vhu_addr {
	uint32_t index; /**< queue */
	uint32_t flags; /**< bit 0: log (not supported) */
	uint64_t desc;  /**< descriptor area */
	uint64_t used;  /**< device (used) area */
	uint64_t avail; /**< driver (avail) area */
	uint64_t log;   /**< log address (ignored) */
};

/** @brief One memory region of SET_MEM_TABLE. */
struct vob_vhu_region {
	uint64_t gpa;    /**< guest physical address: the link address */
	uint64_t size;   /**< bytes */
	uint64_t uaddr;  /**< the front end's virtual address of it */
	uint64_t offset; /**< offset of the region in its fd */
};

/** @brief SET_MEM_TABLE payload. */
struct vob_vhu_mem {
	uint32_t nregions; /**< regions that follow */
	uint32_t padding;  /**< 0 */
	struct vob_vhu_region r[VOB_VHU_MAX_REGIONS]; /**< the regions */
};

/** @brief GET_CONFIG / SET_CONFIG payload. */
struct vob_vhu_config {
	uint32_t offset; /**< first byte */
	uint32_t size;   /**< bytes, at most VOB_VHU_CONFIG_MAX */
	uint32_t flags;  /**< 0 */
	uint8_t data[VOB_VHU_CONFIG_MAX]; /**< the bytes */
};

/** @brief A vhost-user message with the fds that came with it. */
struct vob_vhu_msg {
	uint32_t request; /**< VOB_VHU_* request */
	uint32_t flags;   /**< VOB_VHU_FLAG_* | version */
	uint32_t size;    /**< payload bytes */
	union {
		uint64_t u64;              /**< features, kick/call index */
		struct vob_vhu_state state; /**< vring state */
		struct vob_vhu_addr addr;   /**< vring address */
		struct vob_vhu_mem mem;     /**< memory table */
		struct vob_vhu_config config; /**< config space */
		uint8_t raw[sizeof(struct vob_vhu_mem) + 16]; /**< any of them */
	} u;                  /**< payload */
	int fds[VOB_VHU_MAX_REGIONS]; /**< fds received (owned by the message) */
	unsigned nfds;        /**< how many */
};

/**
 * @brief Read one message from @p sock, with its fds.
 *
 * The first read waits as the socket does (call it when @p sock is
 * readable, or give the socket a receive time-out); from the first byte
 * on, the rest of the message must arrive within VOB_VHU_MSG_TIMEOUT_MS in
 * all, however the peer spreads it out.
 * @return 1 with the message (the caller owns and must close its fds with
 *         vob_vhu_msg_close()); 0 when the peer closed the socket;
 *         VOB_ETIMEDOUT when the message did not arrive whole in time;
 *         another negative vob_err for a short or oversized message, too many
 *         fds, or a socket error; with the reason in @p why. Fds of a refused
 *         message are closed here.
 */
int vob_vhu_recv(int sock, struct vob_vhu_msg *m, const char **why);

/**
 * @brief Check a received message: payload size and fd count for its
 * request, and for SET_MEM_TABLE the regions (count, sizes, alignment,
 * overlap in guest and front-end address).
 * @return 0, or VOB_EBADMSG with the reason in @p why.
 */
int vob_vhu_msg_check(const struct vob_vhu_msg *m, const char **why);

/** @brief Close the fds a message still owns. */
void vob_vhu_msg_close(struct vob_vhu_msg *m);

/**
 * @brief Send a message with @p nfds fds (@p size bytes of payload).
 * @return 0, or VOB_EIO when the socket refused it.
 */
int vob_vhu_send(int sock, uint32_t request, uint32_t flags, const void *payload,
		 uint32_t size, const int *fds, unsigned nfds);

/**
 * @brief Translate a front-end virtual address range through a memory table.
 * @return 0 with the guest physical address in @p gpa; VOB_EFAULT when the
 *         range is not wholly inside one region.
 */
int vob_vhu_uva_to_gpa(const struct vob_vhu_mem *mem, uint64_t uva, uint64_t len,
		       uint64_t *gpa);

/** @brief Log callback: one line, without a newline. */
typedef void (*vob_vhu_log_fn)(void *arg, const char *line);

/* ---- back end ----------------------------------------------------------- */

/** @brief Back-end set-up. */
struct vob_vhu_be_cfg {
	uint16_t num_queues;    /**< queues of the device, 1 to VOB_VHU_MAX_QUEUES */
	uint16_t config_max;    /**< table config_max (a multiple of 4, 0: 128) */
	/** Advance the application's class (e.g. vob_blk_dev_poll());
	 * returns > 0 when it wants to be called again soon. Required. */
	int (*poll)(void *arg);
	vob_vhu_log_fn log;     /**< messages (NULL: none) */
	void *arg;              /**< passed to poll and log */
	/** The class's device in the table (for example the @c dev member of
	 * a struct vob_blk_dev), read only while its queues run: where they
	 * stand when the front end stops them (GET_VRING_BASE, to resume with
	 * SET_VRING_BASE) is vob_vq_position() of its queues. May point to a
	 * device not initialised yet. NULL: a split ring reports its used
	 * index, a packed ring the position it last started at. */
	struct vob_dev *dev;
};

/** @brief Per-queue state of a connection (private). */
struct vob_vhu_vring {
	int kick;          /**< eventfd the front end kicks, or -1 */
	int call;          /**< eventfd this side signals, or -1 */
	int err;           /**< error eventfd, or -1 */
	uint32_t num;      /**< size */
	uint32_t base;     /**< start position, as SET_VRING_BASE gives it */
	uint64_t desc, driver, device; /**< ring areas (link addresses) */
	uint8_t have;      /**< VHU_HAVE_* bits received */
	uint8_t enabled;   /**< SET_VRING_ENABLE value */
};

/** @brief A mapping of guest memory (private). */
struct vob_vhu_map {
	void *ptr;         /**< mmap result */
	size_t len;        /**< mmap length */
	uint64_t base;     /**< link address of ptr */
};

/** @brief A back end. Place it anywhere; fields are private. */
struct vob_vhu_be {
	struct vob_vhu_be_cfg cfg;   /**< set-up */
	int listen_fd;               /**< listening socket, or -1 */
	int app_fd;                  /**< the application's fd to wake for, or -1 */
	int sock;                    /**< connection, or -1 */
	struct vob_link link;        /**< table window and guest memory */
	struct vob_table dt;         /**< the device class's table (side 0) */
	struct vob_table pt;         /**< the proxy's table (side 1) */
	struct vob_dev pd;           /**< the proxy driver */
	struct vob_dev_queue pq[VOB_VHU_MAX_QUEUES]; /**< its foreign queues */
	struct vob_vhu_vring vr[VOB_VHU_MAX_QUEUES]; /**< vring state */
	struct vob_vhu_mem mem;      /**< current memory table */
	struct vob_vhu_map map[VOB_VHU_MAX_REGIONS]; /**< its mappings */
	struct vob_vhu_map old[4 * VOB_VHU_MAX_REGIONS]; /**< replaced while running */
	void *table_mem;             /**< the table's memory */
	size_t table_bytes;          /**< its size */
	void *map_next;              /**< pointer for the next map_window */
	uint64_t features;           /**< SET_FEATURES (without bit 30) */
	uint64_t protocol;           /**< negotiated protocol features */
	uint64_t conns;              /**< connections served */
	unsigned nmap;               /**< entries of map in use */
	unsigned nold;               /**< entries of old in use */
	uint8_t have_features;       /**< SET_FEATURES seen */
	uint8_t vhu_pf;              /**< SET_FEATURES had bit 30 */
	uint8_t running;             /**< queues handed to the class */
	uint8_t start_failed;        /**< the class refused the last start */
};

/**
 * @brief Set up a back end: the link, the bridging table (side 0 is
 * returned by vob_vhu_be_table() for the class; the port is side 1).
 * @return 0; VOB_EINVAL for a bad set-up; VOB_ENOMEM.
 */
int vob_vhu_be_init(struct vob_vhu_be *be, const struct vob_vhu_be_cfg *cfg);

/** @brief The table the device class publishes in (slot 0). */
struct vob_table *vob_vhu_be_table(struct vob_vhu_be *be);

/**
 * @brief Listen on the unix socket @p path.
 *
 * A stale socket file at @p path (one nobody listens on: a connect() to it
 * is refused) is replaced. Anything else there is left alone: the live
 * socket of another back end (which sees one connection open and close,
 * the probe), a regular file, a directory.
 * @return 0, or VOB_EIO with errno set: EADDRINUSE when another back end
 *         listens on @p path, EEXIST when something other than a socket is
 *         there, ENAMETOOLONG, or why socket(), bind() or listen() failed.
 */
int vob_vhu_be_listen(struct vob_vhu_be *be, const char *path);

/**
 * @brief Serve an already connected socket (a socketpair end, for tests).
 * The back end owns @p fd from now on. Call after the class is published.
 * @return 0, or VOB_EBUSY when a connection is being served.
 */
int vob_vhu_be_attach(struct vob_vhu_be *be, int fd);

/**
 * @brief Wait up to @p timeout_ms for the socket or a kick, handle messages
 * and kicks, then call the application's poll.
 *
 * A message that has begun is read whole, which takes at most
 * VOB_VHU_MSG_TIMEOUT_MS more (a front end that does not finish it in time
 * is dropped); a reply waits at most 1 s for room in the socket.
 * @return 1 when connected, 0 when waiting for a front end (a front end
 *         that left or broke the protocol was dropped), VOB_EIO when the
 *         listening socket failed.
 */
int vob_vhu_be_step(struct vob_vhu_be *be, int timeout_ms);

/**
 * @brief Also wake vob_vhu_be_step() when @p fd is readable (a TAP the
 * application's poll reads, for example); -1 for none. The fd stays the
 * application's.
 */
void vob_vhu_be_watch_fd(struct vob_vhu_be *be, int fd);

/** @brief Connections accepted so far. */
uint64_t vob_vhu_be_connections(const struct vob_vhu_be *be);

/** @brief Drop the connection, unmap everything, close every fd. */
void vob_vhu_be_close(struct vob_vhu_be *be);

/* ---- front end ---------------------------------------------------------- */

/** @brief Front-end set-up. */
struct vob_vhu_fe_cfg {
	uint16_t num_queues;    /**< queues of the device, 1 to VOB_VHU_MAX_QUEUES */
	uint16_t queue_max;     /**< largest queue size offered to the class (0: 256) */
	uint16_t config_len;    /**< config bytes to fetch with GET_CONFIG (0: none) */
	uint16_t config_min;    /**< smaller size to retry with when refused (0: none) */
	uint32_t device_id;     /**< virtio device id published to the class */
	uint64_t mem_bytes;     /**< size of the shared memfd window (page multiple) */
	uint64_t features_mask; /**< back-end features passed to the class (0: all) */
	/** Advance the application's class; > 0 when it wants to run again soon. */
	int (*poll)(void *arg);
	vob_vhu_log_fn log;     /**< messages (NULL: none) */
	void *arg;              /**< passed to poll and log */
};

/** @brief A front end. Place it anywhere; fields are private. */
struct vob_vhu_fe {
	struct vob_vhu_fe_cfg cfg;   /**< set-up */
	int sock;                    /**< connection, or -1 */
	int memfd;                   /**< the shared window's fd */
	void *mem;                   /**< its mapping */
	void *table_mem;             /**< the private table window */
	size_t table_bytes;          /**< its size */
	void *map_next;              /**< pointer for the next map_window */
	struct vob_link link;        /**< table and shared windows */
	struct vob_table dt;         /**< the proxy device's table (side 0) */
	struct vob_table ct;         /**< the class's table (side 1) */
	struct vob_dev pd;           /**< the proxy device */
	struct vob_dev_queue pq[VOB_VHU_MAX_QUEUES]; /**< its foreign queues */
	int kick[VOB_VHU_MAX_QUEUES]; /**< eventfds this side kicks */
	int call[VOB_VHU_MAX_QUEUES]; /**< eventfds the back end signals */
	struct vob_vhu_config config; /**< the back end's config space */
	uint32_t config_got;         /**< bytes of it the back end gave */
	uint64_t features;           /**< back-end features (GET_FEATURES) */
	uint64_t protocol;           /**< negotiated protocol features */
	uint16_t nrunning;           /**< queues handed to the back end */
	uint8_t running;             /**< the back end runs the queues */
};

/** @brief Link address of the shared memfd window of a front end. */
#define VOB_VHU_FE_MEM_ADDR 0x100000000ull

/**
 * @brief Connect to the back end at unix socket @p path, read its features,
 * protocol features and config, and publish it to the class as a device in
 * slot 0 of vob_vhu_fe_table().
 * @return 0; VOB_EIO when the socket cannot be reached or a reply is
 *         missing; VOB_EPROTO for a bad reply; VOB_EINVAL for a bad set-up.
 */
int vob_vhu_fe_connect(struct vob_vhu_fe *fe, const struct vob_vhu_fe_cfg *cfg, const char *path);

/** @brief As vob_vhu_fe_connect() on a connected socket (owned from now on). */
int vob_vhu_fe_attach(struct vob_vhu_fe *fe, const struct vob_vhu_fe_cfg *cfg, int fd);

/** @brief The table the driver class negotiates in (slot 0). */
struct vob_table *vob_vhu_fe_table(struct vob_vhu_fe *fe);

/**
 * @brief The shared window, for the class's ring placement and pools.
 * @param fe the front end.
 * @param off bytes reserved at the start by the caller so far; the arena
 *        returned starts there.
 */
struct vob_arena vob_vhu_fe_arena(struct vob_vhu_fe *fe, uint64_t off);

/** @brief Local pointer of a link address inside the shared window, or NULL. */
void *vob_vhu_fe_ptr(struct vob_vhu_fe *fe, uint64_t addr, uint64_t len);

/**
 * @brief Wait up to @p timeout_ms for a call from the back end, run the
 * proxy device, hand queues over when the class goes live, and call the
 * application's poll.
 * @return 1 while the queues run, 0 while negotiating, a negative vob_err
 *         when the back end went away or refused the set-up.
 */
int vob_vhu_fe_step(struct vob_vhu_fe *fe, int timeout_ms);

/** @brief Stop the back end's queues, disconnect, free everything. */
void vob_vhu_fe_close(struct vob_vhu_fe *fe);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_VHOST_USER_H */

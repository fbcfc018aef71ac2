/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file blk.h
 * @brief virtio-blk (device id 2): both roles, on the public table and
 * virtqueue API.
 *
 * @defgroup vob_blk Block device (virtio-blk)
 * @{
 * A block device of 512-byte sectors with one request queue, byte-exact to
 * the virtio 1.x block device: request header, data, status byte; request
 * types IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES; the config layout
 * of struct virtio_blk_config.
 *
 * **Device role** (struct vob_blk_dev): serves a backend given as a table of
 * operations (struct vob_blk_backend_ops). vob_blk_mem_backend serves a
 * memory region; a file backend belongs to a port (the Linux port), not to
 * this freestanding library. vob_blk_dev_poll() runs the device table,
 * takes every available request, validates it, calls the backend, writes
 * the status byte and returns the chain. Data moves between the chain and
 * the backend through a bounce buffer inside the object
 * (@ref VOB_BLK_BOUNCE_BYTES), so the backend never sees shared memory and
 * the peer cannot change bytes under it.
 *
 * **Driver role** (struct vob_blk_drv): asynchronous. vob_blk_drv_read(),
 * vob_blk_drv_write(), vob_blk_drv_flush(), vob_blk_drv_discard(),
 * vob_blk_drv_write_zeroes() and vob_blk_drv_get_id() submit a request and
 * return its id (a small non-negative integer); vob_blk_drv_poll() collects
 * completions and calls the configured @c done callback once per request
 * with the id and the result. Data bounces through a vob_pool of buffers in
 * a window: a request larger than one pool buffer uses several, one data
 * segment each, up to the device's @c seg_max.
 *
 * **The peer is untrusted.** The device answers a malformed request with
 * VOB_BLK_S_IOERR (or VOB_BLK_S_UNSUPP for an unknown or unnegotiated type)
 * when the chain has a writable status byte, and drops it with a counter
 * when it has none; it never touches memory outside the chain or sectors
 * outside the capacity. A broken ring asks the driver for a reset. The driver
 * checks the used length and the status byte of every answer and the values
 * it reads from the config space.
 *
 * Concurrency: one object, one thread (the one that calls its poll).
 * Callbacks run from the calls documented below, never from interrupts.
 */
#ifndef VOB_BLK_H
#define VOB_BLK_H

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

/** @name Capacities (override in VOB_CONFIG_FILE)
 * @{ */
/**
 * @brief Largest request queue size, in entries (a power of two): sizes the
 * queue state inside both objects (VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0)).
 */
#ifndef VOB_BLK_QSIZE
#define VOB_BLK_QSIZE 64
#endif
/**
 * @brief Largest number of data segments in one request (virtio-blk's
 * @c seg_max), both roles. The device's segment array holds this + 2
 * (header and status); the driver keeps this many buffer pointers per request.
 */
#ifndef VOB_BLK_SEG_MAX
#define VOB_BLK_SEG_MAX 16
#endif
/**
 * @brief Device role: bytes of the bounce buffer between the chain and the
 * backend (a multiple of 512). Backend read and write calls move at most this
 * much at a time; it also bounds max_discard_seg and max_write_zeroes_seg
 * to this / 16.
 */
#ifndef VOB_BLK_BOUNCE_BYTES
#define VOB_BLK_BOUNCE_BYTES 4096
#endif
/** @brief Driver role: most pool buffers (sizes the pool state in the object). */
#ifndef VOB_BLK_POOL_MAX
#define VOB_BLK_POOL_MAX 64
#endif
/** @brief Driver role: most requests in flight (ids are 0 to this - 1). */
#ifndef VOB_BLK_DRV_REQS
#define VOB_BLK_DRV_REQS (VOB_BLK_QSIZE / 2)
#endif
/** @} */

/** @brief virtio device id of a block device. */
#define VOB_BLK_DEVICE_ID 2u
/** @brief Bytes per sector: the protocol's unit, whatever blk_size says. */
#define VOB_BLK_SECTOR_SIZE 512u
/** @brief Bytes of the GET_ID answer (NUL-padded ASCII, no NUL when full). */
#define VOB_BLK_ID_BYTES 20u

/** @name Feature bits (virtio 1.x numbering)
 * @{ */
#define VOB_BLK_F_SIZE_MAX 1      /**< size_max: largest data segment */
#define VOB_BLK_F_SEG_MAX 2       /**< seg_max: most data segments per request */
#define VOB_BLK_F_GEOMETRY 4      /**< legacy geometry (not offered) */
#define VOB_BLK_F_RO 5            /**< the device is read-only */
#define VOB_BLK_F_BLK_SIZE 6      /**< blk_size: optimal logical block size */
#define VOB_BLK_F_FLUSH 9         /**< FLUSH requests */
#define VOB_BLK_F_TOPOLOGY 10     /**< topology (not offered) */
#define VOB_BLK_F_CONFIG_WCE 11   /**< writeback toggle (not offered) */
#define VOB_BLK_F_MQ 12           /**< several queues (not offered) */
#define VOB_BLK_F_DISCARD 13      /**< DISCARD requests */
#define VOB_BLK_F_WRITE_ZEROES 14 /**< WRITE_ZEROES requests */
/** @} */

/** @name Request types
 * @{ */
#define VOB_BLK_T_IN 0u            /**< read sectors */
#define VOB_BLK_T_OUT 1u           /**< write sectors */
#define VOB_BLK_T_FLUSH 4u         /**< make completed writes stable */
#define VOB_BLK_T_GET_ID 8u        /**< read the 20-byte device id */
#define VOB_BLK_T_DISCARD 11u      /**< discard ranges */
#define VOB_BLK_T_WRITE_ZEROES 13u /**< zero ranges */
/** @} */

/** @name Status byte values
 * @{ */
#define VOB_BLK_S_OK 0u     /**< success */
#define VOB_BLK_S_IOERR 1u  /**< device or driver error */
#define VOB_BLK_S_UNSUPP 2u /**< request type not supported */
/** @} */

/** @brief Flag of a discard / write-zeroes segment: the range may be unmapped. */
#define VOB_BLK_WZ_F_UNMAP 1u

/** @brief Request header: the first 16 readable bytes of every request. */
struct vob_blk_req_hdr {
	vob_le32_t type;     /**< VOB_BLK_T_* */
	vob_le32_t reserved; /**< formerly ioprio; ignored */
	vob_le64_t sector;   /**< first sector (IN and OUT; 0 otherwise) */
};

/** @brief One range of a DISCARD or WRITE_ZEROES request (the data part). */
struct vob_blk_discard_wz {
	vob_le64_t sector;      /**< first sector */
	vob_le32_t num_sectors; /**< sectors in the range */
	vob_le32_t flags;       /**< VOB_BLK_WZ_F_UNMAP (write zeroes only); others reserved */
};

/** @brief Legacy disk geometry inside the config. */
struct vob_blk_geometry {
	vob_le16_t cylinders; /**< cylinders */
	uint8_t heads;        /**< heads */
	uint8_t sectors;      /**< sectors per track */
};

/** @brief I/O topology inside the config. */
struct vob_blk_topology {
	uint8_t physical_block_exp; /**< log2 of logical blocks per physical block */
	uint8_t alignment_offset;   /**< offset of the first aligned logical block */
	vob_le16_t min_io_size;     /**< suggested minimum I/O size, in blocks */
	vob_le32_t opt_io_size;     /**< optimal I/O size, in blocks */
};

/**
 * @brief The config space (struct virtio_blk_config through the secure
 * erase fields; the zoned part is not published). Fields after @c capacity
 * are valid only with their feature bit.
 */
struct vob_blk_config {
	vob_le64_t capacity;                  /**< sectors of 512 bytes */
	vob_le32_t size_max;                  /**< F_SIZE_MAX: largest data segment */
	vob_le32_t seg_max;                   /**< F_SEG_MAX: most data segments */
	struct vob_blk_geometry geometry;     /**< F_GEOMETRY (zero) */
	vob_le32_t blk_size;                  /**< F_BLK_SIZE */
	struct vob_blk_topology topology;     /**< F_TOPOLOGY (zero) */
	uint8_t writeback;                    /**< F_CONFIG_WCE (zero) */
	uint8_t unused0;                      /**< zero */
	vob_le16_t num_queues;                /**< F_MQ (1) */
	vob_le32_t max_discard_sectors;       /**< F_DISCARD: sectors per segment */
	vob_le32_t max_discard_seg;           /**< F_DISCARD: segments per request */
	vob_le32_t discard_sector_alignment;  /**< F_DISCARD: a splitting hint */
	vob_le32_t max_write_zeroes_sectors;  /**< F_WRITE_ZEROES: sectors per segment */
	vob_le32_t max_write_zeroes_seg;      /**< F_WRITE_ZEROES: segments per request */
	uint8_t write_zeroes_may_unmap;       /**< F_WRITE_ZEROES: unmap may deallocate */
	uint8_t unused1[3];                   /**< zero */
	vob_le32_t max_secure_erase_sectors;  /**< secure erase (not offered: zero) */
	vob_le32_t max_secure_erase_seg;      /**< secure erase (zero) */
	vob_le32_t secure_erase_sector_alignment; /**< secure erase (zero) */
};

/** @brief Bytes of the config the device publishes (sizeof struct vob_blk_config). */
#define VOB_BLK_CONFIG_BYTES 72u

/** @cond VOB_INTERNAL */
VOB_STATIC_ASSERT(sizeof(struct vob_blk_req_hdr) == 16, blk_hdr_size);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_req_hdr, type) == 0, blk_hdr_type);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_req_hdr, reserved) == 4, blk_hdr_reserved);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_req_hdr, sector) == 8, blk_hdr_sector);
VOB_STATIC_ASSERT(sizeof(struct vob_blk_discard_wz) == 16, blk_dwz_size);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_discard_wz, sector) == 0, blk_dwz_sector);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_discard_wz, num_sectors) == 8, blk_dwz_num);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_discard_wz, flags) == 12, blk_dwz_flags);
VOB_STATIC_ASSERT(sizeof(struct vob_blk_geometry) == 4, blk_geometry_size);
VOB_STATIC_ASSERT(sizeof(struct vob_blk_topology) == 8, blk_topology_size);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, capacity) == 0, blk_cfg_capacity);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, size_max) == 8, blk_cfg_size_max);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, seg_max) == 12, blk_cfg_seg_max);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, geometry) == 16, blk_cfg_geometry);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, geometry.heads) == 18, blk_cfg_heads);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, geometry.sectors) == 19, blk_cfg_sectors);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, blk_size) == 20, blk_cfg_blk_size);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, topology) == 24, blk_cfg_topology);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, topology.min_io_size) == 26, blk_cfg_min_io);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, topology.opt_io_size) == 28, blk_cfg_opt_io);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, writeback) == 32, blk_cfg_writeback);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, unused0) == 33, blk_cfg_unused0);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, num_queues) == 34, blk_cfg_num_queues);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_discard_sectors) == 36, blk_cfg_mds);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_discard_seg) == 40, blk_cfg_mdseg);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, discard_sector_alignment) == 44, blk_cfg_dsa);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_write_zeroes_sectors) == 48, blk_cfg_mwzs);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_write_zeroes_seg) == 52, blk_cfg_mwzseg);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, write_zeroes_may_unmap) == 56, blk_cfg_wzmu);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, unused1) == 57, blk_cfg_unused1);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_secure_erase_sectors) == 60, blk_cfg_mses);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, max_secure_erase_seg) == 64, blk_cfg_mseseg);
VOB_STATIC_ASSERT(offsetof(struct vob_blk_config, secure_erase_sector_alignment) == 68,
		  blk_cfg_sesa);
VOB_STATIC_ASSERT(sizeof(struct vob_blk_config) == VOB_BLK_CONFIG_BYTES, blk_cfg_size);
VOB_STATIC_ASSERT((VOB_BLK_QSIZE & (VOB_BLK_QSIZE - 1)) == 0 && VOB_BLK_QSIZE >= 2 &&
			  VOB_BLK_QSIZE <= 32768,
		  blk_qsize);
VOB_STATIC_ASSERT(VOB_BLK_SEG_MAX >= 1 && VOB_BLK_SEG_MAX <= 65000, blk_seg_max);
VOB_STATIC_ASSERT(VOB_BLK_BOUNCE_BYTES >= 512 && VOB_BLK_BOUNCE_BYTES % 512 == 0,
		  blk_bounce);
VOB_STATIC_ASSERT(VOB_BLK_POOL_MAX >= 2 && VOB_BLK_POOL_MAX < 65000, blk_pool_max);
VOB_STATIC_ASSERT(VOB_BLK_DRV_REQS >= 1 && VOB_BLK_DRV_REQS <= 32767, blk_drv_reqs);
/** @endcond */

/**
 * @brief Event bit of vob_blk_dev_poll() and vob_blk_drv_poll(), above the
 * VOB_DEV_EV_* bits: device: requests were served (call again while it is
 * set: more may be waiting); driver: completions were delivered.
 */
#define VOB_BLK_EV_IO 0x100

/* ---- device role ------------------------------------------------------ */

/**
 * @brief What the device serves. Every operation returns 0 or a negative
 * error (any negative value becomes VOB_BLK_S_IOERR; VOB_ENOTSUP becomes
 * VOB_BLK_S_UNSUPP). Ranges are checked against the capacity before a call;
 * @p buf is local memory (the device's bounce buffer), never shared memory.
 * Called from vob_blk_dev_poll() only.
 */
struct vob_blk_backend_ops {
	/** Read @p len bytes (a multiple of 512) from @p sector into @p buf. Required. */
	int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t len);
	/** Write @p len bytes (a multiple of 512) at @p sector. Required unless read-only. */
	int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t len);
	/** Make completed writes stable. NULL: VIRTIO_BLK_F_FLUSH is not offered. */
	int (*flush)(void *ctx);
	/** Discard @p n sectors. NULL: VIRTIO_BLK_F_DISCARD is not offered. */
	int (*discard)(void *ctx, uint64_t sector, uint32_t n);
	/** Zero @p n sectors; @p unmap: they may be deallocated. NULL:
	 * VIRTIO_BLK_F_WRITE_ZEROES is not offered. */
	int (*write_zeroes)(void *ctx, uint64_t sector, uint32_t n, bool unmap);
};

/** @brief A memory region served as a disk by vob_blk_mem_backend. */
struct vob_blk_mem {
	uint8_t *base;    /**< first byte */
	uint64_t sectors; /**< whole sectors in the region */
};

/**
 * @brief Backend operations over a struct vob_blk_mem (the @c ctx).
 *
 * Reads and writes copy; flush does nothing; discard and write zeroes fill
 * with zeros (so reads after a discard return zeros). Every call checks its
 * range against the region again and returns VOB_ERANGE outside it.
 */
extern const struct vob_blk_backend_ops vob_blk_mem_backend;

/**
 * @brief Describe a memory region for vob_blk_mem_backend.
 * @param m the descriptor to fill.
 * @param base the region; owned by the caller, must outlive the device.
 * @param bytes its length; only whole sectors are used.
 * @return the capacity in sectors (0 when @p bytes is below 512).
 */
uint64_t vob_blk_mem_init(struct vob_blk_mem *m, void *base, size_t bytes);

/** @brief Device set-up, given to vob_blk_dev_init(). A zero field means its default. */
struct vob_blk_dev_cfg {
	uint16_t slot;                  /**< slot in the device table */
	/** Largest queue size offered: a power of two up to VOB_BLK_QSIZE (0: VOB_BLK_QSIZE). */
	uint16_t queue_size;
	uint64_t capacity;              /**< sectors of 512 bytes; the backend must hold them */
	/** Most data segments per request, published as seg_max (0:
	 * VOB_BLK_SEG_MAX; at most VOB_BLK_SEG_MAX). Chains of more than
	 * seg_max + 2 descriptors break the ring (the queue's own limit). */
	uint32_t seg_max;
	uint32_t size_max;              /**< largest data segment in bytes; 0: no limit, not offered */
	uint32_t blk_size;              /**< block size to advertise (a power of two >= 512); 0: not offered */
	bool read_only;                 /**< offer VIRTIO_BLK_F_RO and refuse every write */
	uint32_t max_discard_sectors;   /**< per discard segment (0: 0xffffffff) */
	uint32_t max_discard_seg;       /**< segments per discard (0: 1; at most VOB_BLK_BOUNCE_BYTES / 16) */
	uint32_t discard_sector_alignment; /**< hint published to the driver (0: 1) */
	uint32_t max_write_zeroes_sectors; /**< per write-zeroes segment (0: 0xffffffff) */
	uint32_t max_write_zeroes_seg;  /**< segments per write zeroes (0: 1; same bound) */
	bool write_zeroes_may_unmap;    /**< publish write_zeroes_may_unmap = 1 */
	uint8_t id[VOB_BLK_ID_BYTES];   /**< the GET_ID answer */
	uint32_t vendor_id;             /**< virtio vendor id published in the table */
	const struct vob_blk_backend_ops *ops; /**< the backend; must outlive the device */
	void *ctx;                      /**< passed to every backend op */
};

/** @brief Device counters (see vob_blk_dev_stats()). */
struct vob_blk_dev_stats {
	uint64_t requests;      /**< chains answered with a status byte */
	uint64_t ok;            /**< ... with VOB_BLK_S_OK */
	uint64_t ioerr;         /**< ... with VOB_BLK_S_IOERR (malformed or failed) */
	uint64_t unsupp;        /**< ... with VOB_BLK_S_UNSUPP */
	uint64_t dropped;       /**< chains without a writable status byte, returned unanswered */
	uint64_t ring_errors;   /**< broken rings (the device asked for a reset) */
	uint64_t sectors_read;  /**< sectors read for IN requests */
	uint64_t sectors_written; /**< sectors written by OUT requests */
};

/** @brief The device role. Place it anywhere; fields are private. */
struct vob_blk_dev {
	struct vob_dev dev;            /**< the table device */
	struct vob_dev_queue q;        /**< its one request queue */
	struct vob_vq vq;              /**< the queue object */
	/** queue state memory */
	uint64_t vq_state[VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0) / 8u];
	struct vob_iov iov[VOB_BLK_SEG_MAX + 2]; /**< segments of the chain in hand */
	uint8_t bounce[VOB_BLK_BOUNCE_BYTES];    /**< chain <-> backend */
	struct vob_blk_config config;  /**< published config */
	struct vob_blk_dev_stats stats; /**< counters */
	struct vob_link *link;         /**< the table's link (chain copies) */
	const struct vob_blk_backend_ops *ops; /**< backend */
	void *ctx;                     /**< backend context */
	uint64_t capacity;             /**< sectors */
	uint32_t seg_max;              /**< data segments per request */
	uint32_t size_max;             /**< largest data segment, 0: none */
	uint32_t max_discard_sectors;  /**< limits */
	uint32_t max_discard_seg;      /**< limits */
	uint32_t max_wz_sectors;       /**< limits */
	uint32_t max_wz_seg;           /**< limits */
	uint8_t id[VOB_BLK_ID_BYTES];  /**< GET_ID answer */
	uint8_t read_only;             /**< refuse writes */
	uint8_t wz_may_unmap;          /**< pass unmap through */
};

/**
 * @brief Set up the device role and publish it in a slot of @p t.
 *
 * Offers VERSION_1, EVENT_IDX, INDIRECT_DESC, SEG_MAX, and SIZE_MAX,
 * BLK_SIZE, RO, FLUSH, DISCARD and WRITE_ZEROES as the configuration and the
 * backend's operations say. The table's @c config_max must be at least
 * @ref VOB_BLK_CONFIG_BYTES.
 * @param b the object (every field overwritten); must stay in place while used.
 * @param t the table; must outlive the device.
 * @param cfg the set-up; copied.
 * @return 0; VOB_EINVAL for a NULL argument, a backend without read (or
 *         write when not read-only), a bad queue size, seg_max, blk_size or
 *         segment limit, or what vob_dev_init() refuses (a bad slot, a
 *         table whose config_max is below VOB_BLK_CONFIG_BYTES).
 */
int vob_blk_dev_init(struct vob_blk_dev *b, struct vob_table *t, const struct vob_blk_dev_cfg *cfg);

/**
 * @brief Advance the device: run the table, then serve up to the queue size
 * of requests, return them and notify the driver once.
 *
 * Each request is checked whole before the backend sees it (see the file
 * comment). A ring the driver broke makes the device ask for a reset
 * (vob_dev_set_needs_reset()) and count a ring error.
 * @return the VOB_DEV_EV_* mask of vob_dev_poll(), with VOB_BLK_EV_IO when
 *         requests were served and VOB_DEV_EV_NEEDS_RESET when this call
 *         asked for a reset; VOB_EIO when the device was removed.
 */
int vob_blk_dev_poll(struct vob_blk_dev *b);

/**
 * @brief Change the capacity and notify the driver (a config change).
 * Requests are checked against the new capacity from now on.
 * @return 0, or what vob_dev_config_write() returns.
 */
int vob_blk_dev_set_capacity(struct vob_blk_dev *b, uint64_t sectors);

/** @brief The device's counters. */
const struct vob_blk_dev_stats *vob_blk_dev_stats(const struct vob_blk_dev *b);

/* ---- driver role ------------------------------------------------------ */

/**
 * @brief Completion callback of the driver role.
 * @param arg the @c arg of struct vob_blk_drv_cfg.
 * @param id the id the submit call returned.
 * @param result 0 on success (read data and ids are in the caller's buffer);
 *        VOB_EIO when the device answered VOB_BLK_S_IOERR; VOB_ENOTSUP for
 *        VOB_BLK_S_UNSUPP; VOB_EPROTO when the answer was malformed (a used
 *        length of 0, a success whose used length does not cover every
 *        writable byte, an unknown status; nothing is copied then);
 *        VOB_ECANCELED when the device was reset, removed or its side
 *        restarted with the request in flight.
 * Called from vob_blk_drv_poll() and vob_blk_drv_reset(). It may submit new
 * requests; it must not call vob_blk_drv_poll() or vob_blk_drv_reset().
 */
typedef void (*vob_blk_done_fn)(void *arg, int id, int result);

/** @brief Driver set-up, given to vob_blk_drv_init(). */
struct vob_blk_drv_cfg {
	uint16_t slot;           /**< slot in the device table */
	/** Queue size wanted: a power of two up to VOB_BLK_QSIZE (0:
	 * VOB_BLK_QSIZE); lowered to the device's maximum. */
	uint16_t queue_size;
	/** Ring placement (vob_place_split()): memory of the device side
	 * (descriptors, driver area) and of the driver side (device area);
	 * the same range twice for one window. */
	struct vob_arena dev_mem;
	struct vob_arena drv_mem;  /**< see @c dev_mem */
	/** Pool of bounce buffers: link address of @c pool_count buffers of
	 * @c pool_buf_size bytes in a window both sides reach (line aligned). */
	uint64_t pool_addr;
	uint32_t pool_buf_size;  /**< bytes per buffer: a multiple of the line, at least 512 */
	uint16_t pool_count;     /**< buffers, 2 to VOB_BLK_POOL_MAX */
	/** virtio-blk feature bits (VOB_BIT(VOB_BLK_F_*)) and ring bits the
	 * driver must not accept; 0 accepts everything it supports. */
	uint64_t features_off;
	vob_blk_done_fn done;    /**< completion callback; required */
	void *arg;               /**< passed to @c done */
	/** Ring bits the driver accepts beyond its default (split, chained
	 * descriptors): only VOB_BIT(VOB_F_RING_PACKED) is taken; 0: none. */
	uint64_t ring_features;
};

/** @brief What the driver learnt from the device's config (see vob_blk_drv_info()). */
struct vob_blk_info {
	uint64_t capacity;            /**< sectors */
	uint64_t features;            /**< negotiated feature bits 0-63 */
	uint32_t blk_size;            /**< F_BLK_SIZE: as published; else 512 */
	uint32_t size_max;            /**< F_SIZE_MAX: as published; else 0 (none) */
	/** Data segments the driver uses per request: the device's seg_max, at
	 * most the size of the queue it got less 2. */
	uint32_t seg_max;
	uint32_t max_discard_sectors; /**< F_DISCARD (0 published: 0xffffffff) */
	uint32_t max_discard_seg;     /**< F_DISCARD (0 published: 1) */
	uint32_t max_write_zeroes_sectors; /**< F_WRITE_ZEROES (0 published: 0xffffffff) */
	uint32_t max_write_zeroes_seg;     /**< F_WRITE_ZEROES (0 published: 1) */
	uint8_t read_only;            /**< F_RO negotiated */
	uint8_t write_zeroes_may_unmap; /**< as published */
};

/** @brief Driver counters (see vob_blk_drv_stats()). */
struct vob_blk_drv_stats {
	uint64_t submitted;   /**< requests made available */
	uint64_t completed;   /**< requests answered VOB_BLK_S_OK */
	uint64_t failed;      /**< answered VOB_BLK_S_IOERR or VOB_BLK_S_UNSUPP */
	uint64_t bad_replies; /**< malformed answers (VOB_EPROTO) */
	uint64_t lost;        /**< cancelled by a reset (VOB_ECANCELED) */
	uint64_t ring_errors; /**< broken rings (the driver reset the device) */
};

/** @brief One request of the driver (private). */
struct vob_blk_drv_req {
	void *user;                       /**< read: caller's buffer; get_id: id buffer */
	uint8_t *ctl;                     /**< pool buffer: header, ranges, status */
	uint8_t *data[VOB_BLK_SEG_MAX];   /**< pool buffers of the data */
	uint32_t len;                     /**< data bytes */
	uint32_t piece;                   /**< data bytes per segment when sent */
	uint32_t in_len;                  /**< writable bytes of the chain */
	uint16_t ndata;                   /**< entries of @c data in use */
	uint8_t type;                     /**< VOB_BLK_T_* */
	uint8_t state;                    /**< free, in flight, or done (result pending) */
	int result;                       /**< done: the result to deliver */
};

/** @brief The driver role. Place it anywhere; fields are private. */
struct vob_blk_drv {
	struct vob_dev dev;            /**< the table device */
	struct vob_dev_queue q;        /**< its one request queue */
	struct vob_vq vq;              /**< the queue object */
	/** queue state memory */
	uint64_t vq_state[VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0) / 8u];
	struct vob_pool pool;          /**< bounce buffers */
	uint16_t pool_state[VOB_BLK_POOL_MAX]; /**< pool free list */
	struct vob_blk_drv_req req[VOB_BLK_DRV_REQS]; /**< requests */
	struct vob_blk_info info;      /**< from the config */
	struct vob_blk_drv_stats stats; /**< counters */
	vob_blk_done_fn done;          /**< callback */
	void *arg;                     /**< its argument */
	uint32_t buf_size;             /**< pool buffer bytes */
	uint32_t piece;                /**< data bytes per segment */
	uint32_t ctl_ranges;           /**< discard ranges that fit a control buffer */
	uint16_t qsize;                /**< queue size asked for */
	uint16_t pool_count;           /**< pool buffers */
	uint8_t info_state;            /**< config: 0 unread, 1 read, 2 invalid */
	uint8_t lost_pending;          /**< cancelled requests await delivery */
};

/**
 * @brief Set up the driver role: place the ring, set up the pool, and start
 * looking for a block device in the slot.
 * @param b the object (every field overwritten); must stay in place while used.
 * @param t the table; must outlive the driver.
 * @param cfg the set-up; copied (its arenas are consumed by the placement).
 * @return 0; VOB_EINVAL for a NULL argument or callback, a bad queue size,
 *         pool count or buffer size (below 512 or not a multiple of the
 *         line), or what vob_dev_init() refuses; VOB_ENOMEM when an arena is
 *         too small for the ring; VOB_EFAULT when the pool is not inside a
 *         writable window.
 */
int vob_blk_drv_init(struct vob_blk_drv *b, struct vob_table *t, const struct vob_blk_drv_cfg *cfg);

/**
 * @brief Advance the driver: run the table, read the config when the device
 * goes live or changes it, collect completions and deliver them.
 *
 * Reset handling: requests still in flight when the device is reset,
 * removed or its side restarts complete with VOB_ECANCELED. A device that
 * asks for a reset, or breaks the ring, is reset here (and negotiated again).
 * @return the VOB_DEV_EV_* mask of vob_dev_poll(), with VOB_BLK_EV_IO when
 *         completions were delivered.
 */
int vob_blk_drv_poll(struct vob_blk_drv *b);

/**
 * @brief Reset the device (and negotiate again at the next polls). No new
 * request is taken from now on (VOB_ENODEV). Requests in flight complete
 * with VOB_ECANCELED once the device has answered the reset (it may run
 * them until then): in a later vob_blk_drv_poll(), or before this returns
 * when the device had asked for the reset (NEEDS_RESET, its queue stopped).
 * A device that never answers keeps them (vob_dev_reset()).
 * @return 0.
 */
int vob_blk_drv_reset(struct vob_blk_drv *b);

/**
 * @brief Copy what the driver knows about the device.
 * @return 0; VOB_ENODEV when the device is not live or its config was not
 *         read yet; VOB_EPROTO when its config was invalid (or it went live
 *         without a request queue).
 */
int vob_blk_drv_info(const struct vob_blk_drv *b, struct vob_blk_info *out);

/**
 * @brief Read @p nsectors sectors from @p sector into @p buf.
 *
 * @p buf (nsectors * 512 bytes, any alignment) must stay valid until the
 * completion; it is written only when the request succeeds. Submit calls
 * ring the device's doorbell when it wants one.
 * @return the request id (0 or more); VOB_ENODEV when the device is not
 *         live (or its config not read yet); VOB_EPROTO when its config was
 *         invalid; VOB_EINVAL for no sectors or a NULL buffer; VOB_ERANGE
 *         beyond the capacity; VOB_E2BIG when the request needs more data
 *         segments than seg_max (split it); VOB_EAGAIN when request slots,
 *         pool buffers or descriptors are short (poll, then try again).
 */
int vob_blk_drv_read(struct vob_blk_drv *b, uint64_t sector, void *buf, uint32_t nsectors);

/**
 * @brief Write @p nsectors sectors from @p buf at @p sector.
 *
 * The data is copied into pool buffers before this returns: @p buf may be
 * reused at once.
 * @return the request id; the errors of vob_blk_drv_read(), and VOB_EPERM
 *         when the device is read-only.
 */
int vob_blk_drv_write(struct vob_blk_drv *b, uint64_t sector, const void *buf,
		      uint32_t nsectors);

/**
 * @brief Ask the device to make completed writes stable.
 * @return the request id; VOB_ENOTSUP without VIRTIO_BLK_F_FLUSH; VOB_ENODEV,
 *         VOB_EPROTO, VOB_EAGAIN as for vob_blk_drv_read().
 */
int vob_blk_drv_flush(struct vob_blk_drv *b);

/**
 * @brief Discard @p nsectors sectors from @p sector. Ranges longer than
 * max_discard_sectors are sent as several segments of one request.
 * @return the request id; VOB_ENOTSUP without VIRTIO_BLK_F_DISCARD;
 *         VOB_EPERM when read-only; VOB_EINVAL for no sectors; VOB_ERANGE
 *         beyond the capacity; VOB_E2BIG when more than max_discard_seg
 *         segments (or what a pool buffer holds) would be needed; VOB_ENODEV,
 *         VOB_EPROTO, VOB_EAGAIN as for vob_blk_drv_read().
 */
int vob_blk_drv_discard(struct vob_blk_drv *b, uint64_t sector, uint32_t nsectors);

/**
 * @brief Zero @p nsectors sectors from @p sector; @p unmap lets the device
 * deallocate them. Split like vob_blk_drv_discard().
 * @return the request id; the errors of vob_blk_drv_discard(), with
 *         VIRTIO_BLK_F_WRITE_ZEROES in place of DISCARD.
 */
int vob_blk_drv_write_zeroes(struct vob_blk_drv *b, uint64_t sector, uint32_t nsectors,
			     bool unmap);

/**
 * @brief Read the device id into @p id (VOB_BLK_ID_BYTES bytes, NUL-padded),
 * which must stay valid until the completion.
 * @return the request id; VOB_EINVAL for a NULL buffer; VOB_ENODEV,
 *         VOB_EPROTO, VOB_EAGAIN as for vob_blk_drv_read().
 */
int vob_blk_drv_get_id(struct vob_blk_drv *b, uint8_t *id);

/** @brief The driver's counters. */
const struct vob_blk_drv_stats *vob_blk_drv_stats(const struct vob_blk_drv *b);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_BLK_H */

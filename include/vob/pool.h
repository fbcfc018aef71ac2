/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pool.h
 * @brief Fixed-size buffers in a window, for the driver role.
 *
 * @defgroup vob_pool Buffer pool
 * @{
 * Descriptors carry link addresses, so the buffers a driver hands to the
 * device must lie in a window the device can reach. A pool carves a range of
 * such memory into @c count buffers of @c buf_size bytes; data written into
 * a pool buffer goes to the device without a copy, and data from anywhere
 * else is copied (bounced) into one. Buffers start on cache lines of the
 * link, so on a non-coherent window no buffer shares a line with another.
 *
 * A pool belongs to one thread; it never reads shared memory.
 */
#ifndef VOB_POOL_H
#define VOB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "vob/link.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Caller memory a pool of @p count buffers needs (a constant expression). */
#define VOB_POOL_STATE_SIZE(count) ((size_t)(count) * sizeof(uint16_t))

/** @brief A pool. Place it anywhere; fields are private. */
struct vob_pool {
	uint8_t *base;      /**< local pointer to buffer 0 */
	uint64_t addr;      /**< link address of buffer 0 */
	uint16_t *next;     /**< free list links (caller memory) */
	uint32_t buf_size;  /**< bytes per buffer */
	uint16_t count;     /**< buffers */
	uint16_t free_head; /**< first free buffer */
	uint16_t nfree;     /**< free buffers */
};

/**
 * @brief Set up a pool over [addr, addr + buf_size * count).
 * @param p the pool (every field overwritten).
 * @param link the link whose windows hold the buffers (read only by this call).
 * @param addr link address of the first buffer.
 * @param buf_size bytes per buffer.
 * @param count number of buffers, 1 to 65533 (two values mark busy and
 *        end-of-list entries).
 * @param state caller memory of VOB_POOL_STATE_SIZE(count) bytes, 2-aligned.
 * @return 0; VOB_EINVAL for a count of 0 or above 65533, a zero size, a size or address not a
 *         multiple of the link's line, a pool of 4 GiB or more
 *         (@p buf_size × @p count), or a NULL argument; VOB_EFAULT when the
 *         range is not wholly inside one window with read and write
 *         access.
 */
int vob_pool_init(struct vob_pool *p, const struct vob_link *link, uint64_t addr,
		  uint32_t buf_size, uint16_t count, uint16_t *state);

/**
 * @brief Take a free buffer.
 * @param p the pool.
 * @param addr_out if not NULL, receives its link address.
 * @return a local pointer to @c buf_size bytes, or NULL when none is free.
 */
void *vob_pool_get(struct vob_pool *p, uint64_t *addr_out);

/**
 * @brief Give a buffer back.
 * @return 0; VOB_EINVAL when @p buf is not a buffer of this pool.
 */
int vob_pool_put(struct vob_pool *p, void *buf);

/** @brief Link address of pool buffer @p buf (which must be one). */
uint64_t vob_pool_addr(const struct vob_pool *p, const void *buf);

/** @brief Number of free buffers. */
unsigned vob_pool_free(const struct vob_pool *p);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_POOL_H */

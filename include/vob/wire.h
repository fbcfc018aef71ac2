/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file wire.h
 * @brief Fixed-width little-endian wire types and their accessors.
 *
 * @defgroup vob_wire Wire types
 * @{
 * Everything vob puts in shared memory is little-endian with a fixed width,
 * whatever the host. The wire types are one-member structs so that a wire
 * field cannot be used as a host integer by accident: read and write them
 * only through the helpers below, which convert in a register.
 *
 * Two families of helpers:
 * - vob_load_le16() / vob_store_le16() and the 32-bit pair move the whole
 *   field with one aligned access of its full width (principle 7 of the
 *   design: no torn words). Use them for every field the peer may read while
 *   this side writes it: ring indices, flags, event words, sequence numbers.
 *   The field must be naturally aligned, which the wire layouts guarantee.
 * - vob_get_le16() / vob_put_le16() (and 32, 64) go byte by byte and accept
 *   any alignment. Use them for payload headers that may sit anywhere in a
 *   buffer, never for fields read concurrently.
 *
 * vob_le64_t has the plain helpers only: no shared 64-bit field is written
 * while the peer reads it, and a 64-bit single access is not available on
 * every 32-bit target.
 */
#ifndef VOB_WIRE_H
#define VOB_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "vob/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A 16-bit little-endian wire field. */
typedef struct vob_le16 { uint16_t le; /**< stored bytes; use the helpers */ } vob_le16_t;
/** @brief A 32-bit little-endian wire field. */
typedef struct vob_le32 { uint32_t le; /**< stored bytes; use the helpers */ } vob_le32_t;
/** @brief A 64-bit little-endian wire field. */
typedef struct vob_le64 { uint64_t le; /**< stored bytes; use the helpers */ } vob_le64_t;

/**
 * @brief Nonzero when the host is big-endian.
 *
 * Taken from the compiler's @c __BYTE_ORDER__; a compiler without it must
 * define @c VOB_BIG_ENDIAN to 0 or 1 in the configuration file.
 */
#ifndef VOB_BIG_ENDIAN
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__)
#define VOB_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#else
#error "vob: cannot tell the byte order; define VOB_BIG_ENDIAN in VOB_CONFIG_FILE"
#endif
#endif

/** @brief Swap the bytes of a 16-bit value on big-endian hosts only. */
static inline uint16_t vob_cpu_to_le16(uint16_t v)
{
#if VOB_BIG_ENDIAN
	return (uint16_t)((v >> 8) | (v << 8));
#else
	return v;
#endif
}

/** @brief Swap the bytes of a 32-bit value on big-endian hosts only. */
static inline uint32_t vob_cpu_to_le32(uint32_t v)
{
#if VOB_BIG_ENDIAN
	return ((v >> 24) & 0xffu) | ((v >> 8) & 0xff00u) |
	       ((v << 8) & 0xff0000u) | (v << 24);
#else
	return v;
#endif
}

/** @brief Swap the bytes of a 64-bit value on big-endian hosts only. */
static inline uint64_t vob_cpu_to_le64(uint64_t v)
{
#if VOB_BIG_ENDIAN
	return ((uint64_t)vob_cpu_to_le32((uint32_t)v) << 32) |
	       vob_cpu_to_le32((uint32_t)(v >> 32));
#else
	return v;
#endif
}

/** @brief Read a 16-bit wire field (plain access, not for concurrent fields). */
static inline uint16_t vob_le16(vob_le16_t v) { return vob_cpu_to_le16(v.le); }
/** @brief Read a 32-bit wire field (plain access, not for concurrent fields). */
static inline uint32_t vob_le32(vob_le32_t v) { return vob_cpu_to_le32(v.le); }
/** @brief Read a 64-bit wire field (plain access). */
static inline uint64_t vob_le64(vob_le64_t v) { return vob_cpu_to_le64(v.le); }
/** @brief Make a 16-bit wire value from a host value. */
static inline vob_le16_t vob_to_le16(uint16_t v) { vob_le16_t r; r.le = vob_cpu_to_le16(v); return r; }
/** @brief Make a 32-bit wire value from a host value. */
static inline vob_le32_t vob_to_le32(uint32_t v) { vob_le32_t r; r.le = vob_cpu_to_le32(v); return r; }
/** @brief Make a 64-bit wire value from a host value. */
static inline vob_le64_t vob_to_le64(uint64_t v) { vob_le64_t r; r.le = vob_cpu_to_le64(v); return r; }

/**
 * @brief Load a shared 16-bit field with one aligned access (no ordering).
 * @param p a naturally aligned field that the peer may write concurrently.
 * @return the host value. Pair with a barrier from barrier.h for ordering.
 */
VOB_INLINE uint16_t vob_load_le16(const vob_le16_t *p)
{
	return vob_cpu_to_le16(__atomic_load_n(&p->le, __ATOMIC_RELAXED));
}

/** @brief Load a shared 32-bit field with one aligned access (no ordering). */
VOB_INLINE uint32_t vob_load_le32(const vob_le32_t *p)
{
	return vob_cpu_to_le32(__atomic_load_n(&p->le, __ATOMIC_RELAXED));
}

/** @brief Store a shared 16-bit field with one aligned access (no ordering). */
VOB_INLINE void vob_store_le16(vob_le16_t *p, uint16_t v)
{
	__atomic_store_n(&p->le, vob_cpu_to_le16(v), __ATOMIC_RELAXED);
}

/** @brief Store a shared 32-bit field with one aligned access (no ordering). */
VOB_INLINE void vob_store_le32(vob_le32_t *p, uint32_t v)
{
	__atomic_store_n(&p->le, vob_cpu_to_le32(v), __ATOMIC_RELAXED);
}

/** @brief Read a little-endian 16-bit value at any alignment. */
static inline uint16_t vob_get_le16(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;
	return (uint16_t)(b[0] | (b[1] << 8));
}

/** @brief Read a little-endian 32-bit value at any alignment. */
static inline uint32_t vob_get_le32(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

/** @brief Read a little-endian 64-bit value at any alignment. */
static inline uint64_t vob_get_le64(const void *p)
{
	const uint8_t *b = (const uint8_t *)p;
	return (uint64_t)vob_get_le32(b) | ((uint64_t)vob_get_le32(b + 4) << 32);
}

/** @brief Write a little-endian 16-bit value at any alignment. */
static inline void vob_put_le16(void *p, uint16_t v)
{
	uint8_t *b = (uint8_t *)p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

/** @brief Write a little-endian 32-bit value at any alignment. */
static inline void vob_put_le32(void *p, uint32_t v)
{
	uint8_t *b = (uint8_t *)p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

/** @brief Write a little-endian 64-bit value at any alignment. */
static inline void vob_put_le64(void *p, uint64_t v)
{
	vob_put_le32(p, (uint32_t)v);
	vob_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/**
 * @brief C99 static assertion usable at file and block scope.
 *
 * Fails the build with a negative array size when @p cond is false; @p name
 * must be a unique identifier in its scope.
 */
#define VOB_STATIC_ASSERT(cond, name) typedef char vob_static_assert_##name[(cond) ? 1 : -1]

VOB_STATIC_ASSERT(sizeof(vob_le16_t) == 2, le16_size);
VOB_STATIC_ASSERT(sizeof(vob_le32_t) == 4, le32_size);
VOB_STATIC_ASSERT(sizeof(vob_le64_t) == 8, le64_size);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_WIRE_H */

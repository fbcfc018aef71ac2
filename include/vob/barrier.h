/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file barrier.h
 * @brief Memory barriers, overridable for CPUs and links that need more.
 *
 * @defgroup vob_barrier Memory barriers
 * @{
 * The defaults come from the compiler's @c __atomic builtins, which emit the
 * CPU's fence instructions (DMB on Arm, FENCE on RISC-V, MFENCE/compiler-only
 * on x86). They order this CPU's accesses to memory that the peer shares; a
 * link that needs stronger barriers (for example a DSB so that a write
 * reaches a PCIe bridge before an MMIO doorbell) defines any of these macros
 * in @c VOB_CONFIG_FILE. Cache maintenance on non-coherent windows is not a
 * barrier: it is the port's cache_clean / cache_invalidate.
 */
#ifndef VOB_BARRIER_H
#define VOB_BARRIER_H

#include "vob/config.h"
#include "vob/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Full barrier: orders every earlier access before every later one. */
#ifndef VOB_MB
#define VOB_MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/** @brief Read barrier: orders earlier loads before later loads. */
#ifndef VOB_RMB
#define VOB_RMB() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/** @brief Write barrier: orders earlier stores before later stores. */
#ifndef VOB_WMB
#define VOB_WMB() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

/**
 * @brief Barrier before ringing a doorbell.
 *
 * Orders every earlier store to shared memory before the doorbell write. The
 * default is the full barrier; define it to a DSB (or stronger) where a
 * doorbell is an MMIO write that may overtake normal memory writes.
 */
#ifndef VOB_DOORBELL_MB
#define VOB_DOORBELL_MB() VOB_MB()
#endif

/**
 * @brief Acquire-load of a shared 16-bit field.
 *
 * One aligned load, then @ref VOB_RMB, so no later load is satisfied
 * before it. Pairs with vob_store_release_le16() on the peer.
 */
VOB_INLINE uint16_t vob_load_acquire_le16(const vob_le16_t *p)
{
	uint16_t v = vob_load_le16(p);
	VOB_RMB();
	return v;
}

/** @brief Acquire-load of a shared 32-bit field (see vob_load_acquire_le16()). */
VOB_INLINE uint32_t vob_load_acquire_le32(const vob_le32_t *p)
{
	uint32_t v = vob_load_le32(p);
	VOB_RMB();
	return v;
}

/**
 * @brief Release-store of a shared 16-bit field.
 *
 * @ref VOB_WMB, then one aligned store: every earlier store is visible before
 * this one. Pairs with vob_load_acquire_le16() on the peer.
 */
VOB_INLINE void vob_store_release_le16(vob_le16_t *p, uint16_t v)
{
	VOB_WMB();
	vob_store_le16(p, v);
}

/** @brief Release-store of a shared 32-bit field (see vob_store_release_le16()). */
VOB_INLINE void vob_store_release_le32(vob_le32_t *p, uint32_t v)
{
	VOB_WMB();
	vob_store_le32(p, v);
}

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_BARRIER_H */

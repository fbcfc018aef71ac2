/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file config.h
 * @brief Compile-time configuration of vob.
 *
 * @defgroup vob_config Compile-time configuration
 * @{
 * Every tunable is a documented default that a build may override. Define
 * @c VOB_CONFIG_FILE (for example @c -DVOB_CONFIG_FILE='"my_vob_config.h"')
 * to name a header that is included first; any macro it defines wins over the
 * defaults below. Capacities and toolchain hooks live here, and the
 * footprint switches (VOB_CFG_*) that leave parts of the library out of a
 * build. Behaviour that two peers must agree on is still negotiated at run
 * time: a feature compiled out is simply never offered nor accepted, so a
 * peer that asks for it is refused cleanly at negotiation.
 */
#ifndef VOB_CONFIG_H
#define VOB_CONFIG_H

#ifdef VOB_CONFIG_FILE
#include VOB_CONFIG_FILE
#endif

/**
 * @brief Maximum number of windows one link can hold (local and peer).
 *
 * Each window costs about 40 bytes in @c struct vob_link.
 */
#ifndef VOB_MAX_WINDOWS
#define VOB_MAX_WINDOWS 4
#endif

/**
 * @brief Number of doorbell ids a link records from vob_on_irq_isr().
 *
 * Doorbell ids at or above this value are recorded as the last id
 * (vob_on_irq_isr()). A table uses 1 + nslots * (nqueues + 1) ids
 * (docs/protocol.md section 7): make this at least that to keep every id
 * apart. One byte of @c struct vob_link per id.
 */
#ifndef VOB_MAX_DOORBELLS
#define VOB_MAX_DOORBELLS 32
#endif

/**
 * @brief Default cache-line size of a link, in bytes (a power of two).
 *
 * Every shared structure starts on a line of this size so that no line is
 * written by both sides. A link may set a larger value at run time, up to
 * @ref VOB_CACHE_LINE_MAX.
 */
#ifndef VOB_CACHE_LINE_DEFAULT
#define VOB_CACHE_LINE_DEFAULT 64
#endif

/** @brief Largest cache-line size a link accepts, in bytes. */
#ifndef VOB_CACHE_LINE_MAX
#define VOB_CACHE_LINE_MAX 256
#endif

/**
 * @brief Copies at least this long go to the port's DMA copy op, if any.
 *
 * Shorter copies are done with memcpy by the CPU: starting a DMA transfer
 * costs more than copying a few hundred bytes.
 */
#ifndef VOB_DMA_MIN_BYTES
#define VOB_DMA_MIN_BYTES 256
#endif

/**
 * @brief How the one-instruction accessors of wire.h and barrier.h are
 * declared.
 *
 * They must be inlined: a call costs more flash than the single load or
 * store it wraps, and GCC's -Os heuristics sometimes keep them out of line.
 * The default forces inlining on GCC and Clang, and is plain
 * @c static @c inline elsewhere.
 */
#ifndef VOB_INLINE
#if defined(__GNUC__)
#define VOB_INLINE static inline __attribute__((always_inline))
#else
#define VOB_INLINE static inline
#endif
#endif

/**
 * @brief Marks a library-internal function that must stay out of line
 * because it has several callers and inlining each copy costs flash. Empty
 * where the compiler has no such attribute.
 */
#ifndef VOB_NOINLINE
#if defined(__GNUC__)
#define VOB_NOINLINE __attribute__((noinline))
#else
#define VOB_NOINLINE
#endif
#endif

/**
 * @brief Contract checks on the caller (not on the peer).
 *
 * A caller that breaks a documented precondition (a NULL object, a queue
 * used in the wrong role) trips this. The default expands to nothing, so
 * the check costs nothing; define it to your platform's assert, or to a
 * function that logs and halts. Values read from the peer are never checked
 * with this macro: they are validated in every build.
 */
#ifndef VOB_ASSERT
#define VOB_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

/**
 * @name Footprint switches
 *
 * Each is 1 (the default: compiled in) or 0 (left out), to shrink firmware
 * that needs only part of the library (docs/footprint.md has the sizes).
 * What stays in every configuration: every check of what the peer writes
 * (indices, descriptors, lengths, addresses, the table's fields), the full
 * table negotiation (features, status steps, queue placement, epochs,
 * reset) and the errors those checks return. Safety against the peer is not
 * configurable; only the checks on the caller's own arguments are
 * (@ref VOB_CFG_ARG_CHECKS).
 *
 * A ring feature compiled out (PACKED, INDIRECT, EVENT_IDX, IN_ORDER,
 * NOTIF_DATA) is absent from @ref VOB_VQ_FEATURES (virtqueue.h); a device never offers it
 * through the table, a driver never accepts it, vob_vq_init() refuses it
 * with VOB_ENOTSUP, and a peer that uses it anyway (an indirect descriptor
 * without the feature, say) breaks the queue with VOB_EPROTO as any other
 * protocol violation does.
 * @{
 */

/**
 * @brief The driver role (vob_vq_add(), vob_vq_get_used(), vob_vq_reclaim(),
 * the driver side of the device table, vob_place_split()).
 *
 * With 0 the functions stay, as stubs: vob_vq_add(), vob_vq_get_used(),
 * vob_dev_config_read() and vob_dev_reset() return VOB_ENOTSUP,
 * vob_vq_reclaim() returns NULL, and vob_vq_init() / vob_dev_init() refuse
 * the driver role with VOB_ENOTSUP. vob_place_split() stays (the device side
 * may place rings for a driver).
 */
#ifndef VOB_CFG_DRIVER
#define VOB_CFG_DRIVER 1
#endif

/**
 * @brief The device role (vob_vq_pop(), vob_vq_push(), the device side of
 * the device table).
 *
 * With 0, vob_vq_pop(), vob_vq_push(), vob_dev_config_write(),
 * vob_dev_set_needs_reset() and vob_dev_remove() return VOB_ENOTSUP, and
 * vob_vq_init() / vob_dev_init() refuse the device role with VOB_ENOTSUP.
 */
#ifndef VOB_CFG_DEVICE
#define VOB_CFG_DEVICE 1
#endif

/** @brief The packed ring format (VOB_F_RING_PACKED). */
#ifndef VOB_CFG_PACKED
#define VOB_CFG_PACKED 1
#endif

/** @brief Indirect descriptor tables (VOB_F_INDIRECT_DESC), both roles. */
#ifndef VOB_CFG_INDIRECT
#define VOB_CFG_INDIRECT 1
#endif

/** @brief Event-index notification suppression (VOB_F_EVENT_IDX). */
#ifndef VOB_CFG_EVENT_IDX
#define VOB_CFG_EVENT_IDX 1
#endif

/** @brief In-order completion (VOB_F_IN_ORDER). */
#ifndef VOB_CFG_IN_ORDER
#define VOB_CFG_IN_ORDER 1
#endif

/** @brief Notification data (VOB_F_NOTIFICATION_DATA): without it the
 * doorbell data is always the queue index. */
#ifndef VOB_CFG_NOTIF_DATA
#define VOB_CFG_NOTIF_DATA 1
#endif

/**
 * @brief Cache maintenance for non-coherent windows (VOB_MEM_CACHED).
 *
 * With 0, vob_link_add_window() refuses a VOB_MEM_CACHED window with
 * VOB_ENOTSUP (rather than corrupting it), and no cache operation is
 * compiled in; coherent and uncached windows work as before.
 */
#ifndef VOB_CFG_CACHED
#define VOB_CFG_CACHED 1
#endif

/**
 * @brief DMA copies through the port's dma_copy in vob_chain_pullv() and
 * vob_chain_pushv(). With 0 the CPU copies everything and dma_copy is never
 * called.
 */
#ifndef VOB_CFG_DMA
#define VOB_CFG_DMA 1
#endif

/**
 * @brief Virtqueue counters (struct vob_vq_stats). With 0 the counters are
 * not kept: vob_vq_stats() returns all zeros (the struct stays, so the
 * layout of struct vob_vq does not change).
 */
#ifndef VOB_CFG_STATS
#define VOB_CFG_STATS 1
#endif

/**
 * @brief The texts of vob_strerror(). With 0 it returns "success" for 0 and
 * "error" for everything else.
 */
#ifndef VOB_CFG_STRINGS
#define VOB_CFG_STRINGS 1
#endif

/**
 * @brief Multiport in the console class (VIRTIO_CONSOLE_F_MULTIPORT: the
 * control queues, ports added and named by messages). With 0 a console
 * has one port: vob_console_dev_init() and vob_console_drv_init() refuse
 * @c multiport with VOB_ENOTSUP, and the control-message code drops out
 * (about 1.3 KB on Cortex-M4). A console object then has one port and two
 * queues (VOB_CONSOLE_MAX_PORTS is 1): a device or driver object takes
 * about 5 KB of RAM instead of 23 KB (Cortex-M4, default queue size).
 */
#ifndef VOB_CFG_CONSOLE_MULTIPORT
#define VOB_CFG_CONSOLE_MULTIPORT 1
#endif

/**
 * @brief Error returns for a caller that breaks a call's contract.
 *
 * 1 (the default): the calls of the core (link, device table, virtqueue,
 * buffer pool set-up) and of the bare-metal port refuse
 * arguments that break their documented contract (NULL objects, a role the
 * object does not have, out-of-range counts or geometry, misaligned
 * caller memory) with the error each documents, usually VOB_EINVAL or
 * VOB_EPERM.
 *
 * 0: those checks become VOB_ASSERT(), which costs nothing unless you
 * define it, the way most firmware libraries treat parameter checks in a
 * release build (OpenAMP's VQ_PARAM_CHK, say). Nothing read from the peer
 * is affected: indices, descriptors, lengths, addresses, placements and
 * every table field are checked in both settings, and values that come
 * from the peer through a call's arguments (the ring geometry the table
 * passes to vob_vq_init(), say) keep their error returns. Set it to 0 only
 * in firmware whose arguments to vob are its own constants, not values
 * taken from a peer or an untrusted user: the Linux and vhost-user ports,
 * which pass such values, refuse to build with it. Device classes
 * (console, net, blk) keep their checks.
 */
#ifndef VOB_CFG_ARG_CHECKS
#define VOB_CFG_ARG_CHECKS 1
#endif

/**
 * @brief Proxy devices: queues run by a foreign party
 *        (vob_dev_cfg::foreign_queues), as the vhost-user port bridges them.
 *
 * 0: vob_dev_init() refuses @c foreign_queues with VOB_ENOTSUP, and the
 * table's code for them (the checks on a placement handed on as it is)
 * drops out of the build.
 */
#ifndef VOB_CFG_FOREIGN
#define VOB_CFG_FOREIGN 1
#endif

/**
 * @brief True when @p bad holds and caller checks are compiled in
 * (@ref VOB_CFG_ARG_CHECKS); with them compiled out, false after
 * VOB_ASSERT(!(bad)). For the library and ports:
 * @code if (VOB_ARG_BAD(!obj)) return VOB_EINVAL; @endcode
 */
#define VOB_ARG_BAD(bad) (VOB_CFG_ARG_CHECKS ? (bad) != 0 : (VOB_ASSERT(!(bad)), 0))

/** @} */

#if !VOB_CFG_DRIVER && !VOB_CFG_DEVICE
#error "vob: VOB_CFG_DRIVER and VOB_CFG_DEVICE cannot both be 0"
#endif

/** @} */
#endif /* VOB_CONFIG_H */

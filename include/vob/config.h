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
 * defaults below. Only capacities and toolchain hooks live here: behaviour
 * that two peers must agree on is negotiated at run time, never configured.
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
 * Doorbell ids at or above this value are counted as spurious and dropped.
 * One byte of @c struct vob_link per id.
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

/** @} */
#endif /* VOB_CONFIG_H */

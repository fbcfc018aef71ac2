/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob.h
 * @brief Umbrella header: everything a vob user includes, and the versions.
 *
 * @defgroup vob_version Versions
 * @{
 * Two separate numbers: the library version (@ref VOB_VERSION, this code)
 * and the shared-memory protocol version (@ref VOB_PROTOCOL_VERSION, what
 * two peers must agree on). The protocol one is checked when two ends meet.
 */
#ifndef VOB_VOB_H
#define VOB_VOB_H

#include "vob/config.h"
#include "vob/wire.h"
#include "vob/barrier.h"
#include "vob/err.h"
#include "vob/port.h"
#include "vob/link.h"
#include "vob/virtqueue.h"
#include "vob/table.h"
#include "vob/pool.h"

/** @brief Library major version. */
#define VOB_VERSION_MAJOR 0
/** @brief Library minor version. */
#define VOB_VERSION_MINOR 1
/** @brief Library patch version. */
#define VOB_VERSION_PATCH 0
/** @brief Library version as one number: major * 10000 + minor * 100 + patch. */
#define VOB_VERSION (VOB_VERSION_MAJOR * 10000 + VOB_VERSION_MINOR * 100 + VOB_VERSION_PATCH)
/** @brief Version of the shared-memory protocol (the device table). */
#define VOB_PROTOCOL_VERSION 2

/** @} */
#endif /* VOB_VOB_H */

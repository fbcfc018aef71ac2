/* SPDX-License-Identifier: BSD-3-Clause */
/* Byte offsets of the device table's fields. docs/protocol.md states the
 * same offsets; tests/unit/test_table.c checks that the two agree. */
#ifndef VOB_TABLE_INTERNAL_H
#define VOB_TABLE_INTERNAL_H

/* Side header. */
#define HDR_MAGIC 0
#define HDR_VERSION 4
#define HDR_LINE 6
#define HDR_NSLOTS 8
#define HDR_NQUEUES 10
#define HDR_CONFIG_MAX 12
#define HDR_EPOCH 16
#define HDR_LAST_EPOCH 20 /* this side's own: the peer never reads it */
#define HDR_RAW 24        /* bytes up to here have fields; the rest up to H is zero */

/* Device area of a slot. */
#define DEV_SEQ 0
#define DEV_ACK 4
#define DEV_EPOCH 8
#define DEV_DRV_EPOCH 12
#define DEV_DEVICE_ID 16
#define DEV_VENDOR_ID 20
#define DEV_FEATURES 24
#define DEV_NUM_QUEUES 40
#define DEV_CONFIG_LEN 42
#define DEV_CONFIG_GEN 44
#define DEV_STATUS 48
#define DEV_SIDE 50
#define DEV_PUB 52
#define DEV_QUEUE_MAX 64

/* Driver area of a slot. */
#define DRV_REQ 0
#define DRV_EPOCH 4
#define DRV_DEV_EPOCH 8
#define DRV_STATUS 12
#define DRV_FEATURES 16
#define DRV_DEV_PUB 32
#define DRV_QUEUES 48
#define DRVQ_SIZE 0
#define DRVQ_ENABLE 2
#define DRVQ_START 4
#define DRVQ_DESC 8
#define DRVQ_DRIVER 16
#define DRVQ_DEVICE 24
#define DRVQ_BYTES 32

#endif

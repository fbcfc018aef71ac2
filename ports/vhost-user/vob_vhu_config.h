/* SPDX-License-Identifier: BSD-3-Clause */
/* Capacities of the core the vhost-user programs are built with: front ends
 * choose the queue size (QEMU's virtio-net needs at least 256 entries) and
 * guest memory may come in several ranges. */
#ifndef VOB_VHU_CONFIG_H
#define VOB_VHU_CONFIG_H

#define VOB_MAX_WINDOWS 10
#define VOB_NET_QSIZE 256
#define VOB_BLK_QSIZE 256

#endif

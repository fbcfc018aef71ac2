/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration of the core fuzz_vhost_user_be is built with: the fuzz
 * targets' trapping asserts, with the capacities of the vhost-user programs'
 * core (ports/vhost-user/vob_vhu_config.h). */
#ifndef VOB_FUZZ_VHU_CONFIG_H
#define VOB_FUZZ_VHU_CONFIG_H

#define VOB_ASSERT(cond) ((cond) ? (void)0 : __builtin_trap())
#define VOB_MAX_WINDOWS 10
#define VOB_NET_QSIZE 256
#define VOB_BLK_QSIZE 256

#endif

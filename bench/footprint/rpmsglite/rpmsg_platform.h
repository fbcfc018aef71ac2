/* SPDX-License-Identifier: BSD-3-Clause */
/* The smallest bare-metal platform layer RPMsg-Lite's bare-metal environment
 * (rpmsg_env_bm.c) needs, written for the footprint program: one link, the
 * vrings at the start of the shared window, a doorbell that is one MMIO
 * store, identity address translation, no caches. bench/footprint-peers
 * counts its bytes apart from the library's. */
#ifndef RPMSG_PLATFORM_H_
#define RPMSG_PLATFORM_H_

#include <stdint.h>

/* Vring geometry: two vrings of VRING_SIZE bytes, then the buffers. */
#define VRING_ALIGN (0x10U)
#define VRING_SIZE (0x400UL)
#define RL_VRING_OVERHEAD (2UL * VRING_SIZE)

/* One link, two queues: vector id = link * 2 + queue. */
#define RL_PLATFORM_MAX_ISR_COUNT (2U)
#define RL_PLATFORM_HIGHEST_LINK_ID (0U)
#define RL_GET_VQ_ID(link_id, queue_id) ((uint32_t)(link_id) * 2u + ((uint32_t)(queue_id) % 2u))
#define RL_GET_LINK_ID(id) ((uint32_t)(id) / 2u)
#define RL_GET_Q_ID(id) ((uint32_t)(id) % 2u)

int32_t platform_init(void);
int32_t platform_deinit(void);
int32_t platform_init_interrupt(uint32_t vector_id, void *isr_data);
int32_t platform_deinit_interrupt(uint32_t vector_id);
int32_t platform_interrupt_enable(uint32_t vector_id);
int32_t platform_interrupt_disable(uint32_t vector_id);
int32_t platform_in_isr(void);
void platform_notify(uint32_t vector_id);
void platform_time_delay(uint32_t num_msec);
uintptr_t platform_vatopa(void *addr);
void *platform_patova(uintptr_t addr);
/* Called by the environment's env_map_memory and env_disable_cache, which
 * the program does not use: empty. */
void platform_map_mem_region(uint32_t vrt_addr, uint32_t phy_addr, uint32_t size, uint32_t flags);
void platform_cache_all_flush_invalidate(void);
void platform_cache_disable(void);

#endif

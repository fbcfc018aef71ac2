/* SPDX-License-Identifier: BSD-3-Clause */
/* The bare-metal platform layer of the RPMsg-Lite footprint program (see
 * rpmsg_platform.h). Interrupts are not masked: the program calls env_isr()
 * from its main loop, never from an interrupt. */
#include <stdint.h>

#include "rpmsg_env.h"
#include "rpmsg_platform.h"

#define PLATFORM_DOORBELL_REG 0x40000000u

int32_t platform_init(void)
{
	return 0;
}

int32_t platform_deinit(void)
{
	return 0;
}

int32_t platform_init_interrupt(uint32_t vector_id, void *isr_data)
{
	env_register_isr(vector_id, isr_data);
	return 0;
}

int32_t platform_deinit_interrupt(uint32_t vector_id)
{
	env_unregister_isr(vector_id);
	return 0;
}

int32_t platform_interrupt_enable(uint32_t vector_id)
{
	return (int32_t)vector_id;
}

int32_t platform_interrupt_disable(uint32_t vector_id)
{
	return (int32_t)vector_id;
}

int32_t platform_in_isr(void)
{
	uint32_t ipsr;

	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr != 0u;
}

void platform_notify(uint32_t vector_id)
{
	*(volatile uint32_t *)(uintptr_t)PLATFORM_DOORBELL_REG = vector_id;
}

void platform_time_delay(uint32_t num_msec)
{
	volatile uint32_t n = num_msec * 10000u;

	while (n)
		n--;
}

uintptr_t platform_vatopa(void *addr)
{
	return (uintptr_t)addr;
}

void *platform_patova(uintptr_t addr)
{
	return (void *)addr;
}

void platform_map_mem_region(uint32_t vrt_addr, uint32_t phy_addr, uint32_t size, uint32_t flags)
{
	(void)vrt_addr;
	(void)phy_addr;
	(void)size;
	(void)flags;
}

void platform_cache_all_flush_invalidate(void)
{
}

void platform_cache_disable(void)
{
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Stands in for a CMSIS device header (e.g. stm32h7xx.h) in the host test of
 * VOB_BM_CMSIS_CACHE: the two D-cache calls with CMSIS 5's prototypes,
 * recording what they were given. */
#ifndef FAKE_CMSIS_DEVICE_H
#define FAKE_CMSIS_DEVICE_H

#include <stdint.h>

void SCB_CleanDCache_by_Addr(volatile void *addr, int32_t dsize);
void SCB_InvalidateDCache_by_Addr(volatile void *addr, int32_t dsize);

#endif

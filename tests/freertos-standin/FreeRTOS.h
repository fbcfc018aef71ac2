/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A host stand-in for the part of the FreeRTOS kernel API that
 * ports/freertos uses (and that its tests need to set up tasks), backed by
 * POSIX threads. Written for this project from the public API documentation:
 * same names, same argument order, same return conventions; none of the
 * kernel's code. See README.md for what it does and does not model.
 *
 * Ticks are milliseconds of CLOCK_MONOTONIC (configTICK_RATE_HZ 1000).
 * Every task is a thread; there is no scheduler and no priority, so
 * "higher priority task woken" means "a task was blocked on it and has been
 * released".
 */
#ifndef INC_FREERTOS_H
#define INC_FREERTOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef long BaseType_t;
typedef unsigned long UBaseType_t;
typedef uint32_t TickType_t;

#define pdFALSE ((BaseType_t)0)
#define pdTRUE ((BaseType_t)1)
#define pdPASS pdTRUE
#define pdFAIL pdFALSE

#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#define configTICK_RATE_HZ 1000u
/* 0 (for a test build, -DconfigUSE_TASK_NOTIFICATIONS=0) leaves the task
 * notification functions out, as the kernel does. */
#ifndef configUSE_TASK_NOTIFICATIONS
#define configUSE_TASK_NOTIFICATIONS 1
#endif
#define INCLUDE_vTaskSuspend 1
#define INCLUDE_vTaskDelay 1
#define INCLUDE_xTaskGetCurrentTaskHandle 1
#define pdMS_TO_TICKS(ms) ((TickType_t)(((TickType_t)(ms) * (TickType_t)configTICK_RATE_HZ) / 1000u))

/* In FreeRTOS a port macro that requests a context switch on ISR exit when
 * its argument is nonzero. Here: counted, so tests can see it was asked. */
void standin_yield_from_isr(BaseType_t switch_required);
#define portYIELD_FROM_ISR(x) standin_yield_from_isr(x)

/* Stand-in only: how many times portYIELD_FROM_ISR asked for a switch. */
unsigned long standin_yields(void);

#ifdef __cplusplus
}
#endif

#endif

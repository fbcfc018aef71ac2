/* SPDX-License-Identifier: BSD-3-Clause */
/* Stand-in semaphore API (see FreeRTOS.h): binary semaphores and mutexes
 * with caller-provided storage, as xSemaphoreCreate...Static() takes. */
#ifndef SEMAPHORE_H
#define SEMAPHORE_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before semphr.h"
#endif

#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Storage of one semaphore: opaque and sized by the stand-in, as in
 * FreeRTOS (so the header needs no pthread types and the port compiles
 * against it for any target). */
typedef struct standin_static_sem {
	union {
		long long align;
		void *p;
		unsigned char bytes[192];
	} u;
} StaticSemaphore_t;

typedef StaticSemaphore_t *SemaphoreHandle_t;

/* A binary semaphore, created empty ("taken"). */
SemaphoreHandle_t xSemaphoreCreateBinaryStatic(StaticSemaphore_t *buf);
/* A mutex, created available. */
SemaphoreHandle_t xSemaphoreCreateMutexStatic(StaticSemaphore_t *buf);
/* Takes it, waiting up to ticks; pdTRUE when taken, pdFALSE on timeout. */
BaseType_t xSemaphoreTake(SemaphoreHandle_t sem, TickType_t ticks);
/* Gives it; pdFALSE when a binary semaphore is already given or a mutex is
 * given by a task that does not hold it. */
BaseType_t xSemaphoreGive(SemaphoreHandle_t sem);
/* The same from an ISR (binary semaphores only); *woken set to pdTRUE when a
 * waiting task was released. */
BaseType_t xSemaphoreGiveFromISR(SemaphoreHandle_t sem, BaseType_t *woken);

/* Stand-in only: how many tasks are blocked in xSemaphoreTake on it. */
unsigned standin_sem_waiters(SemaphoreHandle_t sem);

#ifdef __cplusplus
}
#endif

#endif

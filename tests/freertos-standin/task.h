/* SPDX-License-Identifier: BSD-3-Clause */
/* Stand-in task API (see FreeRTOS.h): tasks are threads; task notifications
 * (index 0) are a counter per task with a condition variable. */
#ifndef INC_TASK_H
#define INC_TASK_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before task.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct standin_task *TaskHandle_t;
typedef void (*TaskFunction_t)(void *);

/* A point in time for timeouts: the tick count and how many times it has
 * overflowed (wrapped) since the start, the kernel's field names. */
typedef struct xTIME_OUT {
	BaseType_t xOverflowCount;
	TickType_t xTimeOnEntering;
} TimeOut_t;

/* Critical sections: one process-wide recursive lock here (the kernel masks
 * interrupts). Only between tasks and "ISR" threads that take it too. */
void standin_enter_critical(void);
void standin_exit_critical(void);
#define taskENTER_CRITICAL() standin_enter_critical()
#define taskEXIT_CRITICAL() standin_exit_critical()

/* Creates a thread running fn(arg). Stack depth and priority are ignored.
 * Returns pdPASS. */
BaseType_t xTaskCreate(TaskFunction_t fn, const char *name, uint16_t stack_depth, void *arg,
		       UBaseType_t priority, TaskHandle_t *created);
/* The calling task, or NULL outside any task (main, an "ISR" thread). */
TaskHandle_t xTaskGetCurrentTaskHandle(void);
/* Ticks since the stand-in started (plus any standin_set_tick_count()
 * jump); wraps like a 32-bit tick counter. */
TickType_t xTaskGetTickCount(void);
/* Reads the tick count and its overflow count together (as the kernel does
 * in a critical section since V10.0.0). */
void vTaskSetTimeOutState(TimeOut_t *timeout);
/* Sleeps for the given ticks. */
void vTaskDelay(TickType_t ticks);

#if configUSE_TASK_NOTIFICATIONS
/* Increments the task's notification value and releases it if it waits in
 * ulTaskNotifyTake. Always returns pdPASS. Task context. */
BaseType_t xTaskNotifyGive(TaskHandle_t task);
/* The same from an ISR: sets *woken to pdTRUE when a waiting task was
 * released (woken may be NULL). */
void vTaskNotifyGiveFromISR(TaskHandle_t task, BaseType_t *woken);
/* Waits up to ticks for the calling task's notification value to be
 * nonzero; returns the value before it is cleared (clear_on_exit) or
 * decremented, or 0 on timeout. */
uint32_t ulTaskNotifyTake(BaseType_t clear_on_exit, TickType_t ticks);
#endif

/* Stand-in only: wait for a task's function to return, then free it. */
void standin_task_join(TaskHandle_t task);
/* Stand-in only: nonzero while the task is blocked in ulTaskNotifyTake. */
int standin_task_blocked(TaskHandle_t task);
/* Stand-in only: move the tick count forward so that it reads @p ticks now
 * and counts on from there, as configINITIAL_TICK_COUNT starts the kernel's
 * (V10.x) near a value. A value below the current count is reached through
 * a wrap: the overflow count goes up by one. Ticks never go backwards. */
void standin_set_tick_count(TickType_t ticks);

#ifdef __cplusplus
}
#endif

#endif

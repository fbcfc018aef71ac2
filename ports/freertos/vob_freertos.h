/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob_freertos.h
 * @brief The FreeRTOS port: doorbell interrupts wake a task, tasks block on
 *        a doorbell with a timeout, and a mutex guards objects two tasks
 *        share.
 *
 * @defgroup vob_frt FreeRTOS port
 * @{
 * The platform operations (windows, doorbell registers, cache maintenance)
 * are the bare-metal port's (vob_baremetal.h) or any other port's; this
 * port adds what an RTOS changes:
 *
 * - **Interrupts become wake-ups.** vob_frt_irq_isr() records the doorbell
 *   on the link (vob_on_irq_isr()) and then wakes the task that serves the
 *   link: vTaskNotifyGiveFromISR() to its task handle, or
 *   xSemaphoreGiveFromISR() on a binary semaphore, followed by
 *   portYIELD_FROM_ISR(). vob_frt_wake_isr() is the wake-up alone, for an
 *   interrupt handler that already recorded the doorbell (for example with
 *   vob_bm_irq_line_isr()).
 * - **Blocking waits with a timeout.** vob_frt_wait() blocks the serving
 *   task in ulTaskNotifyTake() / xSemaphoreTake() until a doorbell is
 *   recorded, for at most a number of ticks. One task waits on a port at a
 *   time: the configured task, or with a semaphore whichever task called
 *   first (a second concurrent caller gets VOB_EBUSY).
 * - **A lock only where two tasks share an object.** Everything vob does
 *   for one queue, device or table belongs to one task at a time; a task
 *   that owns its objects needs no lock. When two tasks share one (two
 *   producers adding to one queue, or one task adding while another
 *   collects), they call vob_frt_lock() / vob_frt_unlock() around every
 *   call on it, with a mutex the application created. vob_on_irq_isr() and
 *   vob_vq_notify() never need the lock.
 *
 * The port creates nothing: the application creates the task, the
 * semaphore and the mutex (statically or not) and hands over the handles.
 */
#ifndef VOB_FREERTOS_H
#define VOB_FREERTOS_H

#include <stdint.h>

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include "vob/link.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief vob_frt_wait(): wait for any doorbell id. */
#define VOB_FRT_ANY 0xffffffffu

/** @brief What the application hands to vob_frt_init(). */
struct vob_frt_cfg {
	/** The task woken by doorbells (task notification, index 0), or NULL
	 *  to use @c sem instead. Only this task may call vob_frt_wait().
	 *  Needs configUSE_TASK_NOTIFICATIONS 1 (VOB_ENOTSUP otherwise). */
	TaskHandle_t task;
	/** A binary semaphore given from the interrupt, when @c task is NULL;
	 *  then any task may wait, one at a time (a second task calling
	 *  vob_frt_wait() while one waits gets VOB_EBUSY: one give wakes one
	 *  task, which might not be the one whose doorbell came). */
	SemaphoreHandle_t sem;
	/** A mutex (xSemaphoreCreateMutex / ...Static) for objects two tasks
	 *  share, or NULL when every object has one owner. */
	SemaphoreHandle_t lock;
};

/** @brief The port. Place it anywhere; fields are private. */
struct vob_frt_port {
	struct vob_link *link;   /**< the link doorbells are recorded on */
	struct vob_frt_cfg cfg;  /**< a copy of the configuration */
	volatile uint32_t wakes; /**< wake-ups sent from interrupts */
	volatile uint8_t waiting; /**< semaphore mode: a task is in vob_frt_wait() */
};

/**
 * @brief Set up the port for @p link (already initialised with its
 *        platform port). Task context, before the doorbell interrupt is
 *        enabled.
 * @return 0; VOB_EINVAL for a NULL argument or when neither @c task nor
 *         @c sem is given; VOB_ENOTSUP for a @c task when the port was
 *         built with configUSE_TASK_NOTIFICATIONS 0.
 */
int vob_frt_init(struct vob_frt_port *port, struct vob_link *link, const struct vob_frt_cfg *cfg);

/**
 * @brief Interrupt entry: record doorbell @p id and wake the serving task.
 *
 * Interrupt context only (it ends with portYIELD_FROM_ISR()). The interrupt
 * must have a priority at or below configMAX_SYSCALL_INTERRUPT_PRIORITY
 * (logically), as for every FreeRTOS ...FromISR() call.
 */
void vob_frt_irq_isr(struct vob_frt_port *port, uint32_t id);

/**
 * @brief Interrupt entry: wake the serving task, for a handler that has
 *        already recorded the doorbell on the link. Interrupt context only.
 */
void vob_frt_wake_isr(struct vob_frt_port *port);

/**
 * @brief Wake the serving task from another task (task context), after
 *        recording a doorbell with vob_on_irq_isr() there.
 */
void vob_frt_wake(struct vob_frt_port *port);

/**
 * @brief Block until doorbell @p id (or any, with @ref VOB_FRT_ANY) has been
 *        recorded on the link, and take it.
 *
 * Task context. A doorbell recorded before the call returns at once;
 * wake-ups for other ids do not end the wait (they stay recorded for
 * vob_link_irq_take()).
 * @param port the port.
 * @param id the doorbell id, or VOB_FRT_ANY.
 * @param ticks the most ticks to wait; 0 only checks; portMAX_DELAY waits
 *        without limit (with INCLUDE_vTaskSuspend 1, as in FreeRTOS).
 * @return the id taken (0 or more); VOB_ETIMEDOUT when @p ticks passed
 *         first; VOB_EPERM when notifications are used and the caller is
 *         not the configured task; VOB_EBUSY at once when a semaphore is
 *         used and another task is waiting on this port; VOB_EINVAL for
 *         an id out of range.
 */
int vob_frt_wait(struct vob_frt_port *port, uint32_t id, TickType_t ticks);

/**
 * @brief Take the port's mutex, for a call on an object two tasks share.
 *
 * Task context. Without a configured mutex it does nothing and returns 0.
 * @return 0; VOB_ETIMEDOUT when @p ticks passed without getting it.
 */
int vob_frt_lock(struct vob_frt_port *port, TickType_t ticks);

/** @brief Give the port's mutex back (task context; the task that took it). */
void vob_frt_unlock(struct vob_frt_port *port);

/**
 * @brief A nanosecond clock from the tick count, for
 *        @c vob_bm_cfg.clock_ns (its argument is ignored).
 *
 * Task context. Resolution one tick (1000000000 / configTICK_RATE_HZ ns,
 * rounded down). Monotonic across tick-counter wraps: the time is the tick
 * count with the kernel's count of its overflows above it, read together
 * with vTaskSetTimeOutState(), so it goes back only when that overflow
 * count (a BaseType_t) wraps too, after 2^(bits of TickType_t + bits of
 * BaseType_t) ticks (never in practice with 32-bit ticks and a 32-bit
 * BaseType_t; 49.7 days at 1 kHz with 16-bit ticks and a 16-bit
 * BaseType_t), or after 2^64 ns (584 years). 32-bit multiplies only.
 */
uint64_t vob_frt_clock_ns(void *user);

/**
 * @brief An idle function for @c vob_bm_cfg.idle: vTaskDelay(1), so that a
 *        polling task lets lower-priority tasks run.
 */
void vob_frt_idle(void *user);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_FREERTOS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/* The FreeRTOS port (see vob_freertos.h and README.md). Uses only these
 * kernel calls: vTaskNotifyGiveFromISR, xTaskNotifyGive and ulTaskNotifyTake
 * (with configUSE_TASK_NOTIFICATIONS 1), xTaskGetCurrentTaskHandle,
 * vTaskSetTimeOutState, xTaskGetTickCount, vTaskDelay,
 * xSemaphoreGiveFromISR, xSemaphoreGive, xSemaphoreTake,
 * taskENTER_CRITICAL, taskEXIT_CRITICAL and portYIELD_FROM_ISR. */
#include "vob_freertos.h"

#include "vob/err.h"

int vob_frt_init(struct vob_frt_port *port, struct vob_link *link, const struct vob_frt_cfg *cfg)
{
	if (!port || !link || !cfg || (!cfg->task && !cfg->sem))
		return VOB_EINVAL;
#if !configUSE_TASK_NOTIFICATIONS
	if (cfg->task)
		return VOB_ENOTSUP; /* no notifications to wake it with */
#endif
	port->link = link;
	port->cfg = *cfg;
	port->wakes = 0;
	port->waiting = 0;
	return 0;
}

void vob_frt_wake_isr(struct vob_frt_port *port)
{
	BaseType_t woken = pdFALSE;

	/* The doorbell is recorded (a release store in vob_on_irq_isr) before
	 * the wake-up; the woken task's check after its take sees it. */
#if configUSE_TASK_NOTIFICATIONS
	if (port->cfg.task)
		vTaskNotifyGiveFromISR(port->cfg.task, &woken);
	else
#endif
		(void)xSemaphoreGiveFromISR(port->cfg.sem, &woken);
	port->wakes++;
	/* Switch to the woken task on the way out if it outranks the one
	 * that was interrupted. */
	portYIELD_FROM_ISR(woken);
}

void vob_frt_irq_isr(struct vob_frt_port *port, uint32_t id)
{
	vob_on_irq_isr(port->link, id);
	vob_frt_wake_isr(port);
}

void vob_frt_wake(struct vob_frt_port *port)
{
#if configUSE_TASK_NOTIFICATIONS
	if (port->cfg.task)
		(void)xTaskNotifyGive(port->cfg.task);
	else
#endif
		(void)xSemaphoreGive(port->cfg.sem);
}

static int frt_take(struct vob_frt_port *port, uint32_t id)
{
	if (id == VOB_FRT_ANY)
		return vob_link_irq_next(port->link);
	return vob_link_irq_take(port->link, id) ? (int)id : VOB_EAGAIN;
}

/* Sleeps until a wake-up or for @p ticks; nonzero when woken. */
static int frt_sleep(struct vob_frt_port *port, TickType_t ticks)
{
#if configUSE_TASK_NOTIFICATIONS
	/* pdTRUE: one take consumes every wake-up so far; the doorbells
	 * themselves stay recorded on the link. */
	if (port->cfg.task)
		return ulTaskNotifyTake(pdTRUE, ticks) != 0;
#endif
	return xSemaphoreTake(port->cfg.sem, ticks) == pdTRUE;
}

static int frt_wait(struct vob_frt_port *port, uint32_t id, TickType_t ticks)
{
	TickType_t start = xTaskGetTickCount();

	for (;;) {
		TickType_t left = ticks, spent;
		int r;

		/* Check before blocking: a doorbell recorded between this check
		 * and the take below left a notification (or a given
		 * semaphore) behind, so the take returns at once. */
		r = frt_take(port, id);
		if (r >= 0)
			return r;
		if (ticks != portMAX_DELAY) {
			spent = (TickType_t)(xTaskGetTickCount() - start);
			if (spent >= ticks)
				return VOB_ETIMEDOUT;
			left = (TickType_t)(ticks - spent);
		}
		if (!frt_sleep(port, left) && ticks != portMAX_DELAY) {
			r = frt_take(port, id);
			return r >= 0 ? r : VOB_ETIMEDOUT;
		}
	}
}

int vob_frt_wait(struct vob_frt_port *port, uint32_t id, TickType_t ticks)
{
	uint8_t busy;
	int r;

	if (id != VOB_FRT_ANY && id >= VOB_MAX_DOORBELLS)
		return VOB_EINVAL;
	if (port->cfg.task)
		return xTaskGetCurrentTaskHandle() == port->cfg.task ? frt_wait(port, id, ticks)
								     : VOB_EPERM;
	/* A binary semaphore wakes one task: with two waiting, the one whose
	 * doorbell did not come could take the give and the other would sleep
	 * on. So one waiter at a time. */
	taskENTER_CRITICAL();
	busy = port->waiting;
	port->waiting = 1;
	taskEXIT_CRITICAL();
	if (busy)
		return VOB_EBUSY;
	r = frt_wait(port, id, ticks);
	port->waiting = 0;
	return r;
}

int vob_frt_lock(struct vob_frt_port *port, TickType_t ticks)
{
	if (!port->cfg.lock)
		return 0;
	return xSemaphoreTake(port->cfg.lock, ticks) == pdTRUE ? 0 : VOB_ETIMEDOUT;
}

void vob_frt_unlock(struct vob_frt_port *port)
{
	if (port->cfg.lock)
		(void)xSemaphoreGive(port->cfg.lock);
}

/* Ticks since the scheduler started, 64 bits wide: the kernel's count of
 * tick-counter overflows above the tick count. vTaskSetTimeOutState() reads
 * the two in one critical section from V10.0.0; before, a tick between its
 * two reads could pair the old overflow count with the wrapped count. Two
 * readings with the same overflow count rule that out on every version: no
 * overflow happened while the first one read its tick count. */
static uint64_t frt_ticks(void)
{
	TimeOut_t a, b;

	vTaskSetTimeOutState(&b);
	do {
		a = b;
		vTaskSetTimeOutState(&b);
	} while (a.xOverflowCount != b.xOverflowCount);
	/* A 64-bit TickType_t never wraps (the modulo keeps the dead shift
	 * within the type). */
	if (sizeof(TickType_t) >= sizeof(uint64_t))
		return (uint64_t)a.xTimeOnEntering;
	return ((uint64_t)(UBaseType_t)a.xOverflowCount << (8u * sizeof(TickType_t) % 64u)) |
	       (uint64_t)a.xTimeOnEntering;
}

/* ticks * ns per tick (mod 2^64) with 32 x 32 -> 32-bit multiplies only: a
 * 64-bit product is a libgcc call (__aeabi_lmul) on a Cortex-M0+. */
static uint64_t frt_ns(uint64_t ticks)
{
	const uint32_t k = (uint32_t)(1000000000u / (uint32_t)configTICK_RATE_HZ);
	const uint32_t kl = k & 0xffffu, kh = k >> 16;
	uint32_t lo = (uint32_t)ticks, hi = (uint32_t)(ticks >> 32);
	uint32_t ll = (lo & 0xffffu) * kl, lh = (lo & 0xffffu) * kh;
	uint32_t hl = (lo >> 16) * kl, hh = (lo >> 16) * kh;
	uint32_t mid = (ll >> 16) + (lh & 0xffffu) + (hl & 0xffffu);

	/* lo * k = hh << 32 + (lh + hl) << 16 + ll; hi * k only adds to the
	 * upper word. */
	hi = hi * k + hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
	return ((uint64_t)hi << 32) | (uint32_t)((ll & 0xffffu) | (mid << 16));
}

uint64_t vob_frt_clock_ns(void *user)
{
	(void)user;
	return frt_ns(frt_ticks());
}

void vob_frt_idle(void *user)
{
	(void)user;
	vTaskDelay(1);
}

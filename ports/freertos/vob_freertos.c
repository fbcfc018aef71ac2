/* SPDX-License-Identifier: BSD-3-Clause */
/* The FreeRTOS port (see vob_freertos.h and README.md). Uses only these
 * kernel calls: vTaskNotifyGiveFromISR, xTaskNotifyGive, ulTaskNotifyTake,
 * xTaskGetCurrentTaskHandle, xTaskGetTickCount, vTaskDelay,
 * xSemaphoreGiveFromISR, xSemaphoreGive, xSemaphoreTake and
 * portYIELD_FROM_ISR. */
#include "vob_freertos.h"

#include "vob/err.h"

int vob_frt_init(struct vob_frt_port *port, struct vob_link *link, const struct vob_frt_cfg *cfg)
{
	if (!port || !link || !cfg || (!cfg->task && !cfg->sem))
		return VOB_EINVAL;
	port->link = link;
	port->cfg = *cfg;
	port->wakes = 0;
	return 0;
}

void vob_frt_wake_isr(struct vob_frt_port *port)
{
	BaseType_t woken = pdFALSE;

	/* The doorbell is recorded (a release store in vob_on_irq_isr) before
	 * the wake-up; the woken task's check after its take sees it. */
	if (port->cfg.task)
		vTaskNotifyGiveFromISR(port->cfg.task, &woken);
	else
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
	if (port->cfg.task)
		(void)xTaskNotifyGive(port->cfg.task);
	else
		(void)xSemaphoreGive(port->cfg.sem);
}

static int frt_take(struct vob_frt_port *port, uint32_t id)
{
	if (id == VOB_FRT_ANY)
		return vob_link_irq_next(port->link);
	return vob_link_irq_take(port->link, id) ? (int)id : VOB_EAGAIN;
}

int vob_frt_wait(struct vob_frt_port *port, uint32_t id, TickType_t ticks)
{
	TickType_t start = xTaskGetTickCount();

	if (id != VOB_FRT_ANY && id >= VOB_MAX_DOORBELLS)
		return VOB_EINVAL;
	if (port->cfg.task && xTaskGetCurrentTaskHandle() != port->cfg.task)
		return VOB_EPERM;
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
		if (port->cfg.task) {
			/* pdTRUE: one take consumes every wake-up so far; the
			 * doorbells themselves stay recorded on the link. */
			if (ulTaskNotifyTake(pdTRUE, left) == 0 && ticks != portMAX_DELAY) {
				r = frt_take(port, id);
				return r >= 0 ? r : VOB_ETIMEDOUT;
			}
		} else if (xSemaphoreTake(port->cfg.sem, left) != pdTRUE &&
			   ticks != portMAX_DELAY) {
			r = frt_take(port, id);
			return r >= 0 ? r : VOB_ETIMEDOUT;
		}
	}
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

uint64_t vob_frt_clock_ns(void *user)
{
	(void)user;
	return (uint64_t)xTaskGetTickCount() * (1000000000ull / (uint64_t)configTICK_RATE_HZ);
}

void vob_frt_idle(void *user)
{
	(void)user;
	vTaskDelay(1);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The FreeRTOS port built with configUSE_TASK_NOTIFICATIONS 0, against the
 * stand-in built the same way (it then has no notification functions, as
 * the kernel has none): the port links, refuses a task handle, and wakes a
 * task blocked on its semaphore. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vob/err.h"
#include "vob_baremetal.h"
#include "vob_freertos.h"

#if configUSE_TASK_NOTIFICATIONS
#error "build this test with -DconfigUSE_TASK_NOTIFICATIONS=0"
#endif

static struct vob_bm_port bm;
static struct vob_link nn_link;
static struct vob_frt_port port;
static int result;

static void waiter_task(void *arg)
{
	(void)arg;
	result = vob_frt_wait(&port, 2, pdMS_TO_TICKS(5000));
}

static void test_semaphore_only(void **state)
{
	static StaticSemaphore_t buf;
	struct vob_bm_cfg bcfg;
	struct vob_frt_cfg cfg;
	TaskHandle_t task;
	unsigned i;

	(void)state;
	memset(&bcfg, 0, sizeof(bcfg));
	assert_int_equal(vob_bm_init(&bm, &bcfg), 0);
	assert_int_equal(vob_bm_link_init(&nn_link, &bm, 64), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.task = (TaskHandle_t)&port; /* any handle: nothing could wake it */
	assert_int_equal(vob_frt_init(&port, &nn_link, &cfg), VOB_ENOTSUP);
	cfg.task = NULL;
	cfg.sem = xSemaphoreCreateBinaryStatic(&buf);
	assert_int_equal(vob_frt_init(&port, &nn_link, &cfg), 0);

	result = 1000;
	xTaskCreate(waiter_task, "waiter", 256, NULL, 1, &task);
	for (i = 0; i < 2000 && standin_sem_waiters(cfg.sem) == 0; i++) {
		struct timespec ts = { 0, 1000000L };

		nanosleep(&ts, NULL);
	}
	vob_frt_irq_isr(&port, 2); /* "interrupt context": not a task */
	standin_task_join(task);
	assert_int_equal(result, 2);
	assert_int_equal(port.wakes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semaphore_only),
	};

	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The FreeRTOS port on the host, against the pthread-backed stand-in in
 * tests/freertos-standin: a thread playing an interrupt rings while a task
 * blocks (task notification and semaphore modes), timeouts expire with
 * VOB_ETIMEDOUT, wake-ups for other ids do not end a wait, the lock times
 * out while held, and two producer tasks share one driver queue under the
 * lock while a device task, woken by "interrupts" from the doorbell
 * registers, echoes everything they send. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>

#include "bm_world.h"
#include "vob/err.h"
#include "vob_baremetal.h"
#include "vob_freertos.h"

/* ---- a link with nothing on it (doorbells are only recorded) ------------ */

static struct vob_bm_port plain_bm;
static struct vob_link plain_link;

static void plain_setup(void)
{
	struct vob_bm_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(vob_bm_init(&plain_bm, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&plain_link, &plain_bm, 64), 0);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- one waiting task, one "interrupt" thread --------------------------- */

struct waiter {
	struct vob_frt_port port;
	SemaphoreHandle_t sem; /* NULL: notify the task itself */
	uint32_t id;           /* what to wait for */
	TickType_t ticks;      /* for how long */
	int result;            /* what vob_frt_wait returned */
	TickType_t waited;     /* ticks it took */
	volatile int ready;    /* the port is set up */
	uint32_t ring_id;      /* the ISR thread rings this (VOB_FRT_ANY: nobody) */
	unsigned delay_ms;     /* after this long (0: once the task is blocked) */
};

/* The serving task sets its port up itself (its own handle is the one to
 * notify), then blocks. */
static void waiter_task(void *arg)
{
	struct waiter *w = arg;
	struct vob_frt_cfg cfg;
	TickType_t t0;

	memset(&cfg, 0, sizeof(cfg));
	if (w->sem)
		cfg.sem = w->sem;
	else
		cfg.task = xTaskGetCurrentTaskHandle();
	if (vob_frt_init(&w->port, &plain_link, &cfg)) {
		w->result = 1000;
		__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	t0 = xTaskGetTickCount();
	w->result = vob_frt_wait(&w->port, w->id, w->ticks);
	w->waited = (TickType_t)(xTaskGetTickCount() - t0);
}

static void *isr_thread(void *arg)
{
	struct waiter *w = arg;

	while (!__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	/* delay 0: ring as soon as the task is blocked, not before */
	if (w->delay_ms == 0 && w->port.cfg.task)
		while (!standin_task_blocked(w->port.cfg.task))
			sleep_ms(1);
	sleep_ms(w->delay_ms);
	vob_frt_irq_isr(&w->port, w->ring_id); /* "interrupt context": not a task */
	return NULL;
}

static void run_wait(struct waiter *w, SemaphoreHandle_t sem, uint32_t id, TickType_t ticks,
		     uint32_t ring_id, unsigned delay_ms)
{
	TaskHandle_t task;
	pthread_t isr;

	memset(w, 0, sizeof(*w));
	w->sem = sem;
	w->id = id;
	w->ticks = ticks;
	w->ring_id = ring_id;
	w->delay_ms = delay_ms;
	assert_int_equal(xTaskCreate(waiter_task, "waiter", 256, w, 1, &task), pdPASS);
	if (ring_id != VOB_FRT_ANY)
		assert_int_equal(pthread_create(&isr, NULL, isr_thread, w), 0);
	standin_task_join(task);
	if (ring_id != VOB_FRT_ANY)
		pthread_join(isr, NULL);
}

static void drain(void)
{
	while (vob_link_irq_next(&plain_link) >= 0)
		;
}

static void test_init_checks(void **state)
{
	struct vob_frt_port port;
	struct vob_frt_cfg cfg;

	(void)state;
	plain_setup();
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(vob_frt_init(&port, &plain_link, &cfg), VOB_EINVAL); /* nobody to wake */
	assert_int_equal(vob_frt_init(NULL, &plain_link, &cfg), VOB_EINVAL);
	cfg.task = (TaskHandle_t)&port; /* any non-NULL handle */
	assert_int_equal(vob_frt_init(&port, NULL, &cfg), VOB_EINVAL);
	assert_int_equal(vob_frt_init(&port, &plain_link, &cfg), 0);
	/* Only the configured task may wait on its notifications. */
	assert_int_equal(vob_frt_wait(&port, 1, 0), VOB_EPERM);
}

static void test_isr_wakes_blocked_task(void **state)
{
	static struct waiter w;
	unsigned long yields = standin_yields();

	(void)state;
	plain_setup();
	run_wait(&w, NULL, 3, pdMS_TO_TICKS(5000), 3, 0);
	assert_int_equal(w.result, 3);
	assert_true(w.waited < pdMS_TO_TICKS(5000)); /* woken, not timed out */
	assert_int_equal(w.port.wakes, 1);
	/* The task was blocked: the ISR asked for a switch on exit. */
	assert_true(standin_yields() > yields);
	assert_false(vob_link_irq_take(&plain_link, 3)); /* taken by the wait */
}

static void test_isr_gives_semaphore(void **state)
{
	static struct waiter w;
	static StaticSemaphore_t buf;
	SemaphoreHandle_t sem;

	(void)state;
	plain_setup();
	sem = xSemaphoreCreateBinaryStatic(&buf);
	run_wait(&w, sem, VOB_FRT_ANY, pdMS_TO_TICKS(5000), 6, 30);
	assert_int_equal(w.result, 6);
	assert_true(w.waited < pdMS_TO_TICKS(5000));
	assert_int_equal(w.port.wakes, 1);
}

static void test_timeout(void **state)
{
	static struct waiter w;

	(void)state;
	plain_setup();
	/* Nobody rings: the full timeout passes, then VOB_ETIMEDOUT. */
	run_wait(&w, NULL, 4, pdMS_TO_TICKS(60), VOB_FRT_ANY, 0);
	assert_int_equal(w.result, VOB_ETIMEDOUT);
	assert_true(w.waited >= pdMS_TO_TICKS(60));

	/* A wake-up for another id does not end the wait, and that id stays
	 * recorded for its owner. */
	run_wait(&w, NULL, 4, pdMS_TO_TICKS(80), 5, 0);
	assert_int_equal(w.result, VOB_ETIMEDOUT);
	assert_true(w.waited >= pdMS_TO_TICKS(80));
	assert_int_equal(w.port.wakes, 1);
	assert_true(vob_link_irq_take(&plain_link, 5));

	/* Zero ticks only checks. */
	run_wait(&w, NULL, 4, 0, VOB_FRT_ANY, 0);
	assert_int_equal(w.result, VOB_ETIMEDOUT);
	/* Recorded before the call: returns at once, even with 0 ticks. */
	vob_on_irq_isr(&plain_link, 4);
	run_wait(&w, NULL, 4, 0, VOB_FRT_ANY, 0);
	assert_int_equal(w.result, 4);
	/* Out of range. */
	run_wait(&w, NULL, VOB_MAX_DOORBELLS, 10, VOB_FRT_ANY, 0);
	assert_int_equal(w.result, VOB_EINVAL);
	drain();
}

/* ---- the clock across a tick-counter wrap ------------------------------- */

/* The stand-in's ticks since the start, overflow count included. */
static uint64_t ticks_now(void)
{
	TimeOut_t t;

	vTaskSetTimeOutState(&t);
	return ((uint64_t)(UBaseType_t)t.xOverflowCount << 32) | t.xTimeOnEntering;
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_clock_across_wrap(void **state)
{
	const uint64_t ns_per_tick = 1000000000u / configTICK_RATE_HZ;
	uint64_t prev, now, t0, t1;
	unsigned i;

	(void)state;
	standin_set_tick_count((TickType_t)(0u - 30u)); /* 30 ticks before the wrap */
	t0 = ticks_now();
	prev = vob_frt_clock_ns(NULL);
	t1 = ticks_now();
	assert_true(prev >= t0 * ns_per_tick && prev <= t1 * ns_per_tick);
	/* Never backwards, through the wrap (at most 2 s of 1 ms steps). */
	for (i = 0; i < 2000 && xTaskGetTickCount() > 0x80000000u; i++) {
		sleep_ms(1);
		now = vob_frt_clock_ns(NULL);
		assert_true(now >= prev);
		prev = now;
	}
	assert_true(xTaskGetTickCount() < 0x80000000u); /* it did wrap */
	/* After the wrap: the overflow count is part of the time. */
	t0 = ticks_now();
	now = vob_frt_clock_ns(NULL);
	t1 = ticks_now();
	assert_true(t0 >= (uint64_t)1 << 32);
	assert_true(now >= prev);
	assert_true(now >= t0 * ns_per_tick && now <= t1 * ns_per_tick);
}

static int never_done(void *arg)
{
	(void)arg;
	return 0;
}

/* vob_bm_poll() on this clock: a timeout that spans the wrap runs its full
 * length (a clock going back at the wrap ended it there). */
static void test_poll_timeout_across_wrap(void **state)
{
	struct vob_bm_port bm;
	struct vob_bm_cfg cfg;
	uint64_t t0, spent;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.clock_ns = vob_frt_clock_ns;
	cfg.idle = vob_frt_idle;
	assert_int_equal(vob_bm_init(&bm, &cfg), 0);
	standin_set_tick_count((TickType_t)(0u - 20u));
	t0 = real_ms();
	assert_int_equal(vob_bm_poll(&bm, never_done, NULL, 0, 80000000u), VOB_ETIMEDOUT);
	spent = real_ms() - t0;
	assert_true(spent >= 79u); /* 80 ticks; the tick clock is ms-truncated */
	assert_true(spent < 5000u);
}

/* ---- semaphore mode: one waiter at a time ------------------------------- */

struct sem_waiter {
	struct vob_frt_port *port;
	uint32_t id;
	TickType_t ticks;
	int result;
	TickType_t waited;
};

static void sem_waiter_task(void *arg)
{
	struct sem_waiter *w = arg;
	TickType_t t0 = xTaskGetTickCount();

	w->result = vob_frt_wait(w->port, w->id, w->ticks);
	w->waited = (TickType_t)(xTaskGetTickCount() - t0);
}

static void sem_blocked(SemaphoreHandle_t sem, unsigned n)
{
	unsigned i;

	for (i = 0; i < 2000 && standin_sem_waiters(sem) != n; i++)
		sleep_ms(1);
	assert_int_equal(standin_sem_waiters(sem), n);
}

/* One binary semaphore wakes one task: a second task waiting on it could
 * take the wake-up meant for the first, which would then sleep on. So a
 * second concurrent waiter is refused at once. */
static void test_sem_one_waiter(void **state)
{
	static StaticSemaphore_t buf;
	struct vob_frt_port port;
	struct vob_frt_cfg cfg;
	struct sem_waiter a, b;
	TaskHandle_t ta, tb;

	(void)state;
	plain_setup();
	memset(&cfg, 0, sizeof(cfg));
	cfg.sem = xSemaphoreCreateBinaryStatic(&buf);
	assert_int_equal(vob_frt_init(&port, &plain_link, &cfg), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.port = b.port = &port;
	a.id = 0;
	a.ticks = pdMS_TO_TICKS(300);
	b.id = 1;
	b.ticks = pdMS_TO_TICKS(3000);

	xTaskCreate(sem_waiter_task, "B", 256, &b, 1, &tb);
	sem_blocked(cfg.sem, 1);
	xTaskCreate(sem_waiter_task, "A", 256, &a, 1, &ta);
	standin_task_join(ta);
	assert_int_equal(a.result, VOB_EBUSY);
	assert_true(a.waited < pdMS_TO_TICKS(300));

	/* B still gets its doorbell. */
	vob_on_irq_isr(&plain_link, 1);
	vob_frt_wake(&port);
	standin_task_join(tb);
	assert_int_equal(b.result, 1);
	assert_true(b.waited < pdMS_TO_TICKS(3000));

	/* B is done: A may wait now, and is woken. */
	xTaskCreate(sem_waiter_task, "A", 256, &a, 1, &ta);
	sem_blocked(cfg.sem, 1);
	vob_on_irq_isr(&plain_link, 0);
	vob_frt_wake(&port);
	standin_task_join(ta);
	assert_int_equal(a.result, 0);

	/* A timed-out wait frees the port too. */
	a.ticks = pdMS_TO_TICKS(20);
	xTaskCreate(sem_waiter_task, "A", 256, &a, 1, &ta);
	standin_task_join(ta);
	assert_int_equal(a.result, VOB_ETIMEDOUT);
	xTaskCreate(sem_waiter_task, "A", 256, &a, 1, &ta);
	standin_task_join(ta);
	assert_int_equal(a.result, VOB_ETIMEDOUT);
	drain();
}

/* ---- the lock ----------------------------------------------------------- */

struct locker {
	struct vob_frt_port *port;
	int result;
	volatile int hold; /* 1: keep holding */
	volatile int held;
};

static void holder_task(void *arg)
{
	struct locker *l = arg;

	l->result = vob_frt_lock(l->port, portMAX_DELAY);
	__atomic_store_n(&l->held, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&l->hold, __ATOMIC_ACQUIRE))
		vTaskDelay(1);
	vob_frt_unlock(l->port);
}

static void contender_task(void *arg)
{
	struct locker *l = arg;

	l->result = vob_frt_lock(l->port, pdMS_TO_TICKS(40));
	if (l->result == 0)
		vob_frt_unlock(l->port);
}

static void test_lock(void **state)
{
	static StaticSemaphore_t mbuf;
	struct vob_frt_port port;
	struct vob_frt_cfg cfg;
	struct locker a, b;
	TaskHandle_t ta, tb;

	(void)state;
	plain_setup();
	memset(&cfg, 0, sizeof(cfg));
	cfg.task = (TaskHandle_t)&port;
	assert_int_equal(vob_frt_init(&port, &plain_link, &cfg), 0);
	assert_int_equal(vob_frt_lock(&port, 0), 0); /* no mutex: nothing to do */
	vob_frt_unlock(&port);

	cfg.lock = xSemaphoreCreateMutexStatic(&mbuf);
	assert_int_equal(vob_frt_init(&port, &plain_link, &cfg), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.port = b.port = &port;
	a.hold = 1;
	xTaskCreate(holder_task, "holder", 256, &a, 1, &ta);
	while (!__atomic_load_n(&a.held, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	xTaskCreate(contender_task, "contender", 256, &b, 1, &tb);
	standin_task_join(tb);
	assert_int_equal(b.result, VOB_ETIMEDOUT); /* held the whole time */
	__atomic_store_n(&a.hold, 0, __ATOMIC_RELEASE);
	standin_task_join(ta);
	assert_int_equal(a.result, 0);
	xTaskCreate(contender_task, "contender", 256, &b, 1, &tb);
	standin_task_join(tb);
	assert_int_equal(b.result, 0); /* free again */
}

/* ---- two producer tasks share one driver queue under the lock ----------- */

#define PER_TASK 150u

struct slot {
	uint8_t busy;
	uint8_t owner;
	uint32_t seq;
};

struct echo_rig {
	struct bmw w;
	struct vob_frt_port dev_port, drv_port;
	StaticSemaphore_t dev_sem, drv_sem, drv_mutex;
	struct slot slots[BMW_QSIZE];
	uint32_t done[2];  /* messages of each producer echoed and checked */
	uint32_t sent[2];
	uint32_t bad;      /* wrong echoes */
	int err;           /* first vob error seen by a task */
	volatile int stop; /* the ISR thread and the device task end */
};

static uint8_t msg_byte(unsigned owner, uint32_t seq, uint32_t i)
{
	return (uint8_t)(owner * 101u + seq * 13u + i);
}

/* The interrupt controller: a raised doorbell register is an interrupt on
 * its line; the handler acknowledges and records it (bare-metal port) and
 * wakes the side's task (FreeRTOS port). */
static void *rig_isr_thread(void *arg)
{
	struct echo_rig *r = arg;
	unsigned side, id;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (side = 0; side < 2; side++) {
			struct bmw_side *s = &r->w.s[side];

			for (id = 0; id < VOB_MAX_DOORBELLS; id++) {
				if (!s->regs[id])
					continue;
				vob_bm_irq_line_isr(&s->port, id);
				vob_frt_wake_isr(side == 0 ? &r->dev_port : &r->drv_port);
			}
		}
		sleep_ms(0);
		{
			struct timespec ts = { 0, 100000L };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void rig_error(struct echo_rig *r, int err)
{
	int zero = 0;

	__atomic_compare_exchange_n(&r->err, &zero, err, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

/* The device: owns the device side alone, so it takes no lock. */
static void device_task(void *arg)
{
	struct echo_rig *r = arg;
	struct vob_vq *vq = vob_dev_vq(&r->w.s[0].dev, 0);
	struct vob_link *link = &r->w.s[0].link;
	uint32_t qbell = vob_dev_queue_doorbell(&r->w.s[0].dev, 0);

	(void)vob_vq_enable_notify(vq);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct vob_iov iov[4];
		uint8_t buf[BMW_MSG];
		struct vob_chain ch;
		int err;

		/* Block until the driver kicks; a short timeout only so the
		 * task notices stop. */
		(void)vob_frt_wait(&r->dev_port, qbell, pdMS_TO_TICKS(20));
		for (;;) {
			memset(&ch, 0, sizeof(ch));
			ch.iov = iov;
			ch.cap = 4;
			err = vob_vq_pop(vq, &ch);
			if (err == VOB_EAGAIN) {
				if (vob_vq_enable_notify(vq) == 1)
					continue; /* arrived meanwhile */
				break;
			}
			if (err) {
				rig_error(r, err);
				return;
			}
			if (vob_chain_pull(link, &ch, 0, buf, sizeof(buf), NULL) != BMW_MSG ||
			    vob_chain_push(link, &ch, 0, buf, BMW_MSG, NULL) != BMW_MSG ||
			    vob_vq_push(vq, &ch, BMW_MSG)) {
				rig_error(r, VOB_EIO);
				return;
			}
		}
		if (vob_vq_kick(vq) < 0) {
			rig_error(r, VOB_EIO);
			return;
		}
	}
}

/* Collect what came back (lock held). */
static void rig_collect(struct echo_rig *r, struct vob_vq *vq)
{
	void *token;
	uint32_t written, i;
	int err;

	while ((err = vob_vq_get_used(vq, &token, &written)) == 0) {
		struct slot *sl = token;
		uint32_t k = (uint32_t)(sl - r->slots);
		const uint8_t *in = bmw_ptr(&r->w, bmw_in(k));

		if (k >= BMW_QSIZE || !sl->busy || written != BMW_MSG) {
			r->bad++;
			continue;
		}
		for (i = 0; i < BMW_MSG; i++)
			if (in[i] != msg_byte(sl->owner, sl->seq, i))
				break;
		if (i != BMW_MSG)
			r->bad++;
		r->done[sl->owner]++;
		sl->busy = 0;
	}
	if (err != VOB_EAGAIN)
		rig_error(r, err);
}

struct producer {
	struct echo_rig *r;
	unsigned owner;
};

/* A producer: shares the driver queue (and the slots) with the other one,
 * so every call on them is made under the port's lock. */
static void producer_task(void *arg)
{
	struct producer *p = arg;
	struct echo_rig *r = p->r;
	struct vob_vq *vq = vob_dev_vq(&r->w.s[1].dev, 0);
	uint32_t qbell = vob_dev_queue_doorbell(&r->w.s[1].dev, 0);

	for (;;) {
		uint32_t k, i;
		int added = 0, finished, err;

		if (vob_frt_lock(&r->drv_port, portMAX_DELAY)) {
			rig_error(r, VOB_EIO);
			return;
		}
		rig_collect(r, vq);
		for (k = 0; k < BMW_QSIZE && r->sent[p->owner] < PER_TASK; k++) {
			struct slot *sl = &r->slots[k];
			struct vob_seg seg[2];

			if (sl->busy)
				continue;
			sl->busy = 1;
			sl->owner = (uint8_t)p->owner;
			sl->seq = r->sent[p->owner];
			seg[0].addr = bmw_out(k);
			seg[0].len = BMW_MSG;
			seg[1].addr = bmw_in(k);
			seg[1].len = BMW_MSG;
			for (i = 0; i < BMW_MSG; i++)
				bmw_ptr(&r->w, seg[0].addr)[i] = msg_byte(p->owner, sl->seq, i);
			err = vob_vq_add(vq, seg, 1, 1, sl);
			if (err) {
				/* a full ring (two descriptors per message) waits
				 * for used chains; anything else is a failure */
				if (err != VOB_ENOSPC)
					rig_error(r, err);
				sl->busy = 0;
				break;
			}
			r->sent[p->owner]++;
			added++;
			/* leave room for the other producer */
			if (added == BMW_QSIZE / 2)
				break;
		}
		if (added && vob_vq_kick(vq) < 0)
			rig_error(r, VOB_EIO);
		(void)vob_vq_enable_notify(vq);
		finished = r->done[p->owner] == PER_TASK || r->err;
		vob_frt_unlock(&r->drv_port);
		if (finished)
			return;
		/* One task at a time may block on the port's semaphore; the
		 * other is refused and naps, finding the work at its next turn. */
		if (vob_frt_wait(&r->drv_port, qbell, pdMS_TO_TICKS(10)) == VOB_EBUSY)
			vTaskDelay(1);
	}
}

static void test_two_tasks_share_a_queue(void **state)
{
	static struct echo_rig r;
	static struct producer p[2];
	struct vob_frt_cfg cfg;
	TaskHandle_t tdev, tp[2];
	pthread_t isr;
	unsigned i;

	(void)state;
	memset(&r, 0, sizeof(r));
	/* Bring the device table up by polling, as firmware would at boot. */
	assert_int_equal(bmw_init(&r.w, BMW_WIRED, 0), 0);
	for (i = 0; i < 20000 && !(vob_dev_vq(&r.w.s[0].dev, 0) && vob_dev_vq(&r.w.s[1].dev, 0));
	     i++)
		assert_true(bmw_round(&r.w) >= 0);
	assert_non_null(vob_dev_vq(&r.w.s[0].dev, 0));
	assert_non_null(vob_dev_vq(&r.w.s[1].dev, 0));
	while (vob_link_irq_next(&r.w.s[0].link) >= 0)
		;
	while (vob_link_irq_next(&r.w.s[1].link) >= 0)
		;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sem = xSemaphoreCreateBinaryStatic(&r.dev_sem);
	assert_int_equal(vob_frt_init(&r.dev_port, &r.w.s[0].link, &cfg), 0);
	cfg.sem = xSemaphoreCreateBinaryStatic(&r.drv_sem);
	cfg.lock = xSemaphoreCreateMutexStatic(&r.drv_mutex);
	assert_int_equal(vob_frt_init(&r.drv_port, &r.w.s[1].link, &cfg), 0);

	assert_int_equal(pthread_create(&isr, NULL, rig_isr_thread, &r), 0);
	xTaskCreate(device_task, "device", 512, &r, 2, &tdev);
	for (i = 0; i < 2; i++) {
		p[i].r = &r;
		p[i].owner = i;
		xTaskCreate(producer_task, "producer", 512, &p[i], 1, &tp[i]);
	}
	standin_task_join(tp[0]);
	standin_task_join(tp[1]);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	standin_task_join(tdev);
	pthread_join(isr, NULL);

	assert_int_equal(r.err, 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.done[0], PER_TASK);
	assert_int_equal(r.done[1], PER_TASK);
	/* The traffic went through doorbell registers and interrupts. */
	assert_true(r.dev_port.wakes > 0);
	assert_true(r.drv_port.wakes > 0);
	bmw_free(&r.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_isr_wakes_blocked_task),
		cmocka_unit_test(test_isr_gives_semaphore),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_clock_across_wrap),
		cmocka_unit_test(test_poll_timeout_across_wrap),
		cmocka_unit_test(test_sem_one_waiter),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_two_tasks_share_a_queue),
	};

	/* A regression that blocks forever fails the run instead of hanging. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

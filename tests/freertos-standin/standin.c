/* SPDX-License-Identifier: BSD-3-Clause */
/* The pthread-backed FreeRTOS stand-in (see FreeRTOS.h). */
#define _POSIX_C_SOURCE 200809L

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct standin_task {
	pthread_t thread;
	TaskFunction_t fn;
	void *arg;
	pthread_mutex_t m;
	pthread_cond_t c;
	uint32_t notify; /* notification value, index 0 */
	int waiting;     /* blocked in ulTaskNotifyTake */
};

static _Thread_local struct standin_task *current;
static unsigned long yields;
static pthread_mutex_t yields_m = PTHREAD_MUTEX_INITIALIZER;

static void standin_die(const char *what)
{
	fprintf(stderr, "freertos stand-in: %s\n", what);
	abort();
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Absolute CLOCK_MONOTONIC deadline ticks (ms) from now. */
static struct timespec deadline(TickType_t ticks)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ticks / 1000u);
	ts.tv_nsec += (long)(ticks % 1000u) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (pthread_cond_init(c, &a))
		standin_die("pthread_cond_init");
	pthread_condattr_destroy(&a);
}

/* Waits on c until pred holds or ticks pass; returns nonzero when it holds. */
#define WAIT_UNTIL(c, m, ticks, pred)                                             \
	do {                                                                      \
		struct timespec dl_ = deadline(ticks);                            \
		while (!(pred)) {                                                 \
			if ((ticks) == portMAX_DELAY)                             \
				pthread_cond_wait((c), (m));                      \
			else if ((ticks) == 0 ||                                  \
				 pthread_cond_timedwait((c), (m), &dl_) == ETIMEDOUT) \
				break;                                            \
		}                                                                 \
	} while (0)

void standin_yield_from_isr(BaseType_t switch_required)
{
	if (!switch_required)
		return;
	pthread_mutex_lock(&yields_m);
	yields++;
	pthread_mutex_unlock(&yields_m);
}

unsigned long standin_yields(void)
{
	unsigned long n;

	pthread_mutex_lock(&yields_m);
	n = yields;
	pthread_mutex_unlock(&yields_m);
	return n;
}

static void *task_main(void *p)
{
	struct standin_task *t = p;

	current = t;
	t->fn(t->arg);
	return NULL;
}

BaseType_t xTaskCreate(TaskFunction_t fn, const char *name, uint16_t stack_depth, void *arg,
		       UBaseType_t priority, TaskHandle_t *created)
{
	struct standin_task *t = calloc(1, sizeof(*t));

	(void)name;
	(void)stack_depth;
	(void)priority;
	if (!t)
		standin_die("out of memory");
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_init(&t->m, NULL);
	cond_init(&t->c);
	/* The handle is out before the task runs, as with a real scheduler
	 * that has not switched yet. */
	if (created)
		*created = t;
	if (pthread_create(&t->thread, NULL, task_main, t))
		standin_die("pthread_create");
	return pdPASS;
}

void standin_task_join(TaskHandle_t t)
{
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->c);
	pthread_mutex_destroy(&t->m);
	free(t);
}

int standin_task_blocked(TaskHandle_t t)
{
	int w;

	pthread_mutex_lock(&t->m);
	w = t->waiting;
	pthread_mutex_unlock(&t->m);
	return w;
}

TaskHandle_t xTaskGetCurrentTaskHandle(void)
{
	return current;
}

static uint64_t start_ms;
static uint64_t tick_base; /* added to the ms since start: 64-bit ticks */
static pthread_mutex_t tick_m = PTHREAD_MUTEX_INITIALIZER;

static void tick_start(void)
{
	start_ms = now_ms();
}

/* Ticks since the start, never wrapping: the low 32 bits are the tick
 * count, the rest its overflow count. */
static uint64_t ticks64(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint64_t t;

	pthread_once(&once, tick_start);
	pthread_mutex_lock(&tick_m);
	t = tick_base + (now_ms() - start_ms);
	pthread_mutex_unlock(&tick_m);
	return t;
}

TickType_t xTaskGetTickCount(void)
{
	return (TickType_t)ticks64();
}

void vTaskSetTimeOutState(TimeOut_t *timeout)
{
	uint64_t t = ticks64();

	timeout->xOverflowCount = (BaseType_t)(t >> 32);
	timeout->xTimeOnEntering = (TickType_t)t;
}

void standin_set_tick_count(TickType_t ticks)
{
	uint64_t now = ticks64(), to = (now & ~(uint64_t)0xffffffffu) | ticks;

	if (to < now)
		to += (uint64_t)1 << 32;
	pthread_mutex_lock(&tick_m);
	tick_base += to - now;
	pthread_mutex_unlock(&tick_m);
}

static pthread_mutex_t critical_m;
static pthread_once_t critical_once = PTHREAD_ONCE_INIT;

static void critical_init(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	if (pthread_mutex_init(&critical_m, &a))
		standin_die("pthread_mutex_init");
	pthread_mutexattr_destroy(&a);
}

void standin_enter_critical(void)
{
	pthread_once(&critical_once, critical_init);
	pthread_mutex_lock(&critical_m);
}

void standin_exit_critical(void)
{
	pthread_mutex_unlock(&critical_m);
}

void vTaskDelay(TickType_t ticks)
{
	struct timespec ts = { (time_t)(ticks / 1000u), (long)(ticks % 1000u) * 1000000L };

	nanosleep(&ts, NULL);
}

#if configUSE_TASK_NOTIFICATIONS
static int notify(TaskHandle_t t)
{
	int released;

	pthread_mutex_lock(&t->m);
	t->notify++;
	released = t->waiting;
	pthread_cond_broadcast(&t->c);
	pthread_mutex_unlock(&t->m);
	return released;
}

BaseType_t xTaskNotifyGive(TaskHandle_t t)
{
	(void)notify(t);
	return pdPASS;
}

void vTaskNotifyGiveFromISR(TaskHandle_t t, BaseType_t *woken)
{
	if (notify(t) && woken)
		*woken = pdTRUE;
}

uint32_t ulTaskNotifyTake(BaseType_t clear_on_exit, TickType_t ticks)
{
	struct standin_task *t = current;
	uint32_t v;

	if (!t)
		standin_die("ulTaskNotifyTake outside a task");
	pthread_mutex_lock(&t->m);
	t->waiting = 1;
	WAIT_UNTIL(&t->c, &t->m, ticks, t->notify != 0);
	t->waiting = 0;
	v = t->notify;
	if (v)
		t->notify = clear_on_exit ? 0 : v - 1u;
	pthread_mutex_unlock(&t->m);
	return v;
}
#endif

/* What a StaticSemaphore_t holds. */
struct standin_sem {
	pthread_mutex_t m;
	pthread_cond_t c;
	unsigned count;      /* 0 or 1 */
	int is_mutex;        /* a mutex: only the holder may give */
	TaskHandle_t holder; /* mutex: the task holding it */
	unsigned waiters;    /* tasks blocked in xSemaphoreTake */
};

_Static_assert(sizeof(struct standin_sem) <= sizeof(StaticSemaphore_t),
	       "StaticSemaphore_t too small for the stand-in");

#define SEM(h) ((struct standin_sem *)(void *)(h))

static SemaphoreHandle_t sem_init(StaticSemaphore_t *buf, unsigned count, int is_mutex)
{
	struct standin_sem *s = SEM(buf);

	if (!buf)
		return NULL;
	pthread_mutex_init(&s->m, NULL);
	cond_init(&s->c);
	s->count = count;
	s->is_mutex = is_mutex;
	s->holder = NULL;
	s->waiters = 0;
	return buf;
}

SemaphoreHandle_t xSemaphoreCreateBinaryStatic(StaticSemaphore_t *buf)
{
	return sem_init(buf, 0, 0);
}

SemaphoreHandle_t xSemaphoreCreateMutexStatic(StaticSemaphore_t *buf)
{
	return sem_init(buf, 1, 1);
}

BaseType_t xSemaphoreTake(SemaphoreHandle_t h, TickType_t ticks)
{
	struct standin_sem *s = SEM(h);
	BaseType_t got = pdFALSE;

	pthread_mutex_lock(&s->m);
	s->waiters++;
	WAIT_UNTIL(&s->c, &s->m, ticks, s->count != 0);
	s->waiters--;
	if (s->count) {
		s->count = 0;
		s->holder = current;
		got = pdTRUE;
	}
	pthread_mutex_unlock(&s->m);
	return got;
}

static BaseType_t sem_give(SemaphoreHandle_t h, int from_isr, BaseType_t *woken)
{
	struct standin_sem *s = SEM(h);
	BaseType_t ok = pdFALSE;

	pthread_mutex_lock(&s->m);
	if (s->is_mutex && (from_isr || s->holder != current)) {
		pthread_mutex_unlock(&s->m);
		return pdFALSE;
	}
	if (!s->count) {
		s->count = 1;
		s->holder = NULL;
		pthread_cond_signal(&s->c);
		ok = pdTRUE;
		if (woken && s->waiters)
			*woken = pdTRUE;
	}
	pthread_mutex_unlock(&s->m);
	return ok;
}

BaseType_t xSemaphoreGive(SemaphoreHandle_t s)
{
	return sem_give(s, 0, NULL);
}

BaseType_t xSemaphoreGiveFromISR(SemaphoreHandle_t s, BaseType_t *woken)
{
	return sem_give(s, 1, woken);
}

unsigned standin_sem_waiters(SemaphoreHandle_t h)
{
	struct standin_sem *s = SEM(h);
	unsigned n;

	pthread_mutex_lock(&s->m);
	n = s->waiters;
	pthread_mutex_unlock(&s->m);
	return n;
}

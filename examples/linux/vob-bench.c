/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-bench: a driver and a device in two processes (fork) over a shared
 * memfd window, through the Linux port and the device table, measured
 * against three baselines taken by the same program in the same run: one
 * cache line bounced between the two processes, a plain single-producer
 * single-consumer ring of 64-byte slots between them, and memcpy.
 *
 * One JSON object per line per measurement (see --help). Without options it
 * runs the standard set: split and packed, 64 B and 64 KiB, polling and
 * doorbells, streaming and ping-pong.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ex_common.h"

#define CTRL_ADDR 0xc00u          /* bench control block (not vob protocol) */
#define SEG_MAX 4u
#define MAX_SAMPLES (4u << 20)
#define LARGE_FOOTPRINT (16u << 20) /* bytes of buffers for large messages */

enum { FMT_SPLIT = 1, FMT_PACKED = 2 };
enum { MODE_POLL = 1, MODE_DOORBELL = 2 };
enum { TEST_STREAM = 1, TEST_PINGPONG = 2 };

/* Written by the device process at the end of a run. */
struct ctrl {
	uint32_t stop;      /* driver -> device: finish */
	uint32_t pad0[15];
	uint64_t popped;    /* device results */
	uint64_t notify_sent;
	uint64_t notify_suppressed;
	uint64_t sleeps;
	int32_t err;
	uint32_t done;
};

struct params {
	int format, mode, test;
	uint32_t size, batch, queue, nbuf;
	double duration;
	uint64_t spin_ns;
	const char *bell;   /* futex or eventfd */
	int cpu_drv, cpu_dev;
	int in_order;
};

struct baselines {
	double line_ns, spsc_mps, memcpy_bps;
};

struct result {
	double secs, msgs_per_s, bytes_per_s, p50, p99;
	double db_to_dev, db_to_drv;
	uint64_t msgs;
	int err;
	char why[160];
};

static struct baselines base;
static uint32_t *samples;

/* ---- helpers ------------------------------------------------------------ */

static void pin(int cpu)
{
	cpu_set_t s;

	if (cpu < 0)
		return;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		fprintf(stderr, "vob-bench: cannot pin to cpu %d: %s\n", cpu, strerror(errno));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(uint32_t *s, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return s[i];
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Every busy-wait in this program (vob poll mode and the baselines alike)
 * spins with a pause, and yields the CPU after YIELD_SPINS empty polls in a
 * row: on dedicated cores the peer answers long before that, and on a
 * shared, loaded machine a spinner no longer starves the peer it waits for
 * when both land on one core. */
#define YIELD_SPINS 512u

static inline void spin_wait(unsigned *spins)
{
	cpu_relax();
	if (++*spins >= YIELD_SPINS) {
		*spins = 0;
		sched_yield();
	}
}

/* ---- baselines -------------------------------------------------------------- */

/* One cache line bounced between two processes: parent writes odd values,
 * child answers with the next even one. Per-round-trip p50, in ns. */
/* The child of the measurement running now (0: none), for on_signal(). */
static volatile pid_t bench_child;

/* SIGINT, SIGTERM: take the child down with us, then die of the signal. */
static void on_signal(int sig)
{
	if (bench_child > 0)
		kill(bench_child, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* fork(), with a child that dies with its parent: the children spin on
 * shared memory, and a parent killed without a word (kill -9, a crash)
 * must not leave them spinning for ever. */
static pid_t bench_fork(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1); /* the parent died before the prctl */
	} else if (pid > 0) {
		bench_child = pid;
	}
	return pid;
}

static double baseline_line(const struct params *p, double secs)
{
	volatile uint64_t *line = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	uint64_t i, end, t0, t1;
	size_t n = 0;
	double r;

	if (line == MAP_FAILED)
		return 0;
	line[0] = 0;
	pid = bench_fork();
	if (pid < 0) {
		munmap((void *)line, 4096);
		return 0;
	}
	if (pid == 0) {
		pin(p->cpu_dev);
		for (i = 1;; i += 2) {
			uint64_t v;

			unsigned sp = 0;

			while ((v = __atomic_load_n(&line[0], __ATOMIC_ACQUIRE)) != i) {
				if (v == UINT64_MAX)
					_exit(0);
				spin_wait(&sp);
			}
			__atomic_store_n(&line[0], i + 1, __ATOMIC_RELEASE);
		}
	}
	pin(p->cpu_drv);
	end = ex_now() + (uint64_t)(secs * 1e9);
	for (i = 1;; i += 2) {
		unsigned sp = 0;

		t0 = ex_now();
		__atomic_store_n(&line[0], i, __ATOMIC_RELEASE);
		while (__atomic_load_n(&line[0], __ATOMIC_ACQUIRE) != i + 1)
			spin_wait(&sp);
		t1 = ex_now();
		if (n < MAX_SAMPLES && i > 200)
			samples[n++] = (uint32_t)(t1 - t0);
		if (t1 > end)
			break;
	}
	__atomic_store_n(&line[0], UINT64_MAX, __ATOMIC_RELEASE);
	waitpid(pid, NULL, 0);
	bench_child = 0;
	munmap((void *)line, 4096);
	qsort(samples, n, sizeof(*samples), cmp_u32);
	r = pct(samples, n, 0.5);
	return r;
}

/* A plain SPSC ring of 64-byte slots: the producer fills a slot and
 * publishes its head index, the consumer copies the slot out and publishes
 * its tail; each side re-reads the other's index only when it must. */
#define SPSC_SLOTS 256u
struct spsc {
	uint32_t head;
	uint8_t pad0[124];
	uint32_t tail;
	uint8_t pad1[124];
	uint32_t stop;
	uint8_t pad2[124];
	uint64_t consumed;
	uint8_t pad3[120];
	uint8_t slot[SPSC_SLOTS][64];
};

static double baseline_spsc(const struct params *p, double secs)
{
	struct spsc *r = mmap(NULL, sizeof(struct spsc), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t head = 0, tail_seen = 0;
	uint64_t t0, t1, c0, c1, n = 0, end, warm;
	unsigned sp = 0;
	pid_t pid;

	if (r == (void *)MAP_FAILED)
		return 0;
	memset(r, 0, sizeof(*r));
	pid = bench_fork();
	if (pid < 0) {
		munmap(r, sizeof(*r));
		return 0;
	}
	if (pid == 0) {
		uint32_t tail = 0, head_seen = 0;
		uint8_t out[64];
		uint64_t got = 0;

		pin(p->cpu_dev);
		for (;;) {
			if (tail == head_seen) {
				head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
				if (tail == head_seen) {
					if (__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
						break;
					spin_wait(&sp);
					continue;
				}
			}
			sp = 0;
			memcpy(out, r->slot[tail % SPSC_SLOTS], 64);
			__asm__ volatile("" : : "r"(out) : "memory");
			__atomic_store_n(&r->tail, ++tail, __ATOMIC_RELEASE);
			__atomic_store_n(&r->consumed, ++got, __ATOMIC_RELAXED);
		}
		_exit(0);
	}
	pin(p->cpu_drv);
	t0 = ex_now();
	warm = t0 + (uint64_t)(secs * 0.1e9);
	end = warm + (uint64_t)(secs * 1e9);
	c0 = 0;
	t1 = t0;
	for (;;) {
		if (head - tail_seen == SPSC_SLOTS) {
			tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			if (head - tail_seen == SPSC_SLOTS) {
				spin_wait(&sp);
				continue;
			}
		}
		sp = 0;
		memset(r->slot[head % SPSC_SLOTS], (int)(head & 0xff), 64);
		__atomic_store_n(&r->head, ++head, __ATOMIC_RELEASE);
		if (!(++n & 255u)) {
			uint64_t now = ex_now();

			if (!c0 && now >= warm) {
				c0 = __atomic_load_n(&r->consumed, __ATOMIC_RELAXED);
				t0 = now;
				if (!c0)
					c0 = 1;
			}
			if (now >= end) {
				t1 = now;
				break;
			}
		}
	}
	c1 = __atomic_load_n(&r->consumed, __ATOMIC_RELAXED);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	waitpid(pid, NULL, 0);
	bench_child = 0;
	munmap(r, sizeof(*r));
	return (double)(c1 - c0) / ((double)(t1 - t0) / 1e9);
}

/* memcpy of @size-byte blocks from a rotating set of sources (the same
 * footprint as the bench's buffers) into one destination. */
static double baseline_memcpy(const struct params *p, uint32_t size, double secs)
{
	uint32_t nsrc = LARGE_FOOTPRINT / size ? LARGE_FOOTPRINT / size : 1;
	uint8_t *src = aligned_alloc(4096, (size_t)nsrc * size), *dst = aligned_alloc(4096, size);
	uint64_t t0, t1, end, n = 0;
	uint32_t i;

	if (!src || !dst)
		return 0;
	pin(p->cpu_drv);
	memset(src, 1, (size_t)nsrc * size);
	memset(dst, 0, size);
	for (i = 0; i < nsrc; i++)
		memcpy(dst, src + (size_t)i * size, size); /* warm */
	t0 = ex_now();
	end = t0 + (uint64_t)(secs * 1e9);
	do {
		for (i = 0; i < nsrc; i++) {
			memcpy(dst, src + (size_t)i * size, size);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		n += nsrc;
		t1 = ex_now();
	} while (t1 < end);
	free(src);
	free(dst);
	return (double)n * size / ((double)(t1 - t0) / 1e9);
}

/* The three baselines, measured just before each vob measurement (same
 * pinning, same moment), so that a loaded or throttled machine moves both
 * sides of every ratio. @print: also print them as a line of their own. */
static void measure_baselines(const struct params *p, uint32_t block, int print)
{
	double k = print ? 2.0 : 1.0;

	base.line_ns = baseline_line(p, 0.15 * k);
	base.spsc_mps = baseline_spsc(p, 0.15 * k);
	base.memcpy_bps = baseline_memcpy(p, block, 0.08 * k);
	if (print) {
		printf("{\"baseline_line_pingpong_ns\":%.0f,\"baseline_spsc_msgs_per_s\":%.0f,"
		       "\"baseline_memcpy_bytes_per_s\":%.0f,\"memcpy_block\":%" PRIu32
		       ",\"cpus\":\"%d,%d\"}\n", base.line_ns, base.spsc_mps, base.memcpy_bps,
		       block, p->cpu_drv, p->cpu_dev);
		fflush(stdout);
	}
}

/* ---- the vob run ------------------------------------------------------------ */

struct side {
	struct vob_linux lx;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	struct vob_vq vq;
	struct vob_dev_queue dq;
	void *state;
	volatile struct ctrl *ctrl;
};

static int side_open(struct side *s, const char *win, const struct params *p, unsigned sidenum)
{
	char bell[256];
	struct vob_table_cfg tc;
	int err;

	memset(s, 0, sizeof(*s));
	if (vob_linux_init(&s->lx))
		return -1;
	if (vob_linux_add_window(&s->lx, win) < 0)
		return -1;
	if (p->mode == MODE_POLL)
		snprintf(bell, sizeof(bell), "poll");
	else if (!strcmp(p->bell, "eventfd"))
		snprintf(bell, sizeof(bell), "eventfd:/tmp/vob-bench-%ld.sock",
			 (long)(sidenum ? getpid() : getppid()));
	else
		snprintf(bell, sizeof(bell), "futex:0x%x", EX_FUTEX_ADDR);
	if (vob_linux_set_doorbell(&s->lx, bell, sidenum) ||
	    vob_linux_attach(&s->lx, &s->link, EX_LINE))
		return -1;
	memset(&tc, 0, sizeof(tc));
	tc.addr = EX_TABLE_ADDR;
	tc.side = (uint8_t)sidenum;
	tc.nslots = EX_NSLOTS;
	tc.nqueues = EX_NQUEUES;
	tc.config_max = EX_CONFIG_MAX;
	err = vob_table_init(&s->t, &s->link, &tc);
	if (err) {
		snprintf(s->lx.err, sizeof(s->lx.err), "vob_table_init: %s", vob_strerror(err));
		return -1;
	}
	s->ctrl = vob_link_translate(&s->link, CTRL_ADDR, sizeof(struct ctrl),
				     VOB_MAP_READ | VOB_MAP_WRITE, NULL);
	s->state = aligned_alloc(64, VOB_VQ_STATE_SIZE(p->queue, 0));
	s->dq.vq = &s->vq;
	s->dq.state = s->state;
	s->dq.state_len = VOB_VQ_STATE_SIZE(p->queue, 0);
	return s->ctrl && s->state ? 0 : -1;
}

/* Device: pop a batch; echo chains with a writable part, consume the
 * others (copy the payload out); push; notify if wanted. */
static int dev_serve(struct side *s, const struct params *p, uint8_t *scratch)
{
	struct vob_iov iov[SEG_MAX];
	struct vob_chain ch;
	unsigned n = 0;
	int err = 0;

	/* Serve everything available (up to a ring's worth), then one notify
	 * decision: a sleeping driver wakes once per batch, not per chain. */
	while (n < s->vq.size) {
		uint32_t written = 0;

		memset(&ch, 0, sizeof(ch));
		ch.iov = iov;
		ch.cap = SEG_MAX;
		err = vob_vq_pop(&s->vq, &ch);
		if (err)
			break;
		if (ch.in_len >= ch.out_len) {
			written = (uint32_t)vob_chain_push(&s->link, &ch, 0, iov[0].base, iov[0].len,
							   NULL);
		} else {
			vob_chain_pull(&s->link, &ch, 0, scratch, ch.out_len, NULL);
			__asm__ volatile("" : : "r"(scratch) : "memory");
		}
		vob_vq_push(&s->vq, &ch, written);
		n++;
	}
	if (err && err != VOB_EAGAIN)
		return err;
	if (n && p->mode == MODE_DOORBELL)
		vob_vq_kick(&s->vq);
	return (int)n;
}

static void run_device(const struct params *p, const char *win)
{
	static struct side s;
	struct vob_dev_cfg c;
	uint8_t *scratch = aligned_alloc(4096, VOB_ALIGN_UP(p->size, 4096u));
	uint64_t deadline = ex_now() + 10000000000ull;
	unsigned sp = 0;
	int n, err;

	pin(p->cpu_dev);
	if (!scratch || side_open(&s, win, p, EX_SIDE_DEVICE)) {
		fprintf(stderr, "vob-bench device: %s\n", vob_linux_error(&s.lx));
		_exit(1);
	}
	s.dq.size = (uint16_t)p->queue;
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DEVICE;
	c.num_queues = 1;
	c.queues = &s.dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			VOB_BIT(VOB_F_RING_PACKED) | VOB_BIT(VOB_F_IN_ORDER);
	c.device_id = EX_ECHO_DEVICE_ID;
	c.vendor_id = EX_VENDOR_ID;
	c.seg_max = SEG_MAX;
	if (vob_dev_init(&s.dev, &s.t, &c))
		_exit(1);
	while (vob_dev_state(&s.dev) != VOB_DEV_LIVE) {
		vob_dev_poll(&s.dev);
		if (s.ctrl->stop || ex_now() > deadline)
			_exit(1);
		vob_linux_wait(&s.lx, 1);
	}
	if (p->mode == MODE_POLL)
		vob_vq_disable_notify(&s.vq);
	for (;;) {
		n = dev_serve(&s, p, scratch);
		if (n < 0) {
			s.ctrl->err = n;
			break;
		}
		if (n) {
			sp = 0;
			continue;
		}
		if (__atomic_load_n(&s.ctrl->stop, __ATOMIC_ACQUIRE))
			break;
		if (p->mode == MODE_POLL) {
			spin_wait(&sp);
			continue;
		}
		if (p->spin_ns) {
			uint64_t t = ex_now();

			while (!(n = dev_serve(&s, p, scratch)) && ex_now() - t < p->spin_ns)
				cpu_relax();
			if (n)
				continue;
		}
		err = vob_vq_enable_notify(&s.vq);
		if (err > 0) {
			vob_vq_disable_notify(&s.vq);
			continue;
		}
		vob_linux_wait(&s.lx, 20);
		vob_vq_disable_notify(&s.vq);
	}
	s.ctrl->popped = vob_vq_stats(&s.vq)->added;
	s.ctrl->notify_sent = vob_vq_stats(&s.vq)->notify_sent;
	s.ctrl->notify_suppressed = vob_vq_stats(&s.vq)->notify_suppressed;
	s.ctrl->sleeps = vob_linux_stats(&s.lx)->sleeps;
	__atomic_store_n(&s.ctrl->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

static void on_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
}

/* Driver side waiting for used buffers: spin, then sleep on a doorbell. */
static void drv_idle(struct side *s, const struct params *p, unsigned *sp)
{
	if (p->mode == MODE_POLL) {
		spin_wait(sp);
		return;
	}
	if (p->spin_ns) {
		uint64_t t = ex_now();

		while (ex_now() - t < p->spin_ns) {
			if (vob_vq_enable_notify(&s->vq) > 0) { /* used entries arrived */
				vob_vq_disable_notify(&s->vq);
				return;
			}
			vob_vq_disable_notify(&s->vq);
			cpu_relax();
		}
	}
	if (vob_vq_enable_notify(&s->vq) > 0) {
		vob_vq_disable_notify(&s->vq);
		return;
	}
	vob_linux_wait(&s->lx, 20);
	vob_vq_disable_notify(&s->vq);
}

static void run_stream(struct side *s, const struct params *p, uint64_t pool_addr,
		       uint8_t *pool_ptr, struct result *res)
{
	uint32_t *freel = malloc(sizeof(uint32_t) * p->nbuf), nfree = p->nbuf, i;
	uint64_t t0 = ex_now(), warm = t0 + (uint64_t)(p->duration * 0.1e9);
	uint64_t end = warm + (uint64_t)(p->duration * 1e9), now = t0, tm = 0, done = 0, dm = 0;
	uint64_t seq = 0, iter = 0;
	unsigned sp = 0;
	int measuring = 0;

	for (i = 0; i < p->nbuf; i++)
		freel[i] = i;
	for (;;) {
		void *tok;
		uint32_t w, k = 0, got = 0;

		while (vob_vq_get_used(&s->vq, &tok, &w) == 0) {
			freel[nfree++] = (uint32_t)(uintptr_t)tok - 1u;
			got++;
		}
		done += got;
		while (k < p->batch && nfree) {
			uint32_t b = freel[--nfree];
			struct vob_seg sg;

			sg.addr = pool_addr + (uint64_t)b * p->size;
			sg.len = p->size;
			memset(pool_ptr + (size_t)b * p->size, (int)(seq++ & 0xff), p->size);
			if (vob_vq_add(&s->vq, &sg, 1, 0, (void *)(uintptr_t)(b + 1u))) {
				nfree++;
				break;
			}
			k++;
		}
		if (k && p->mode == MODE_DOORBELL)
			vob_vq_kick(&s->vq);
		if (!(++iter & 15u) || (!k && !got)) {
			now = ex_now();
			if (!measuring && now >= warm) {
				measuring = 1;
				tm = now;
				dm = done;
			}
			if (now >= end)
				break;
		}
		if (!k && !got)
			drv_idle(s, p, &sp);
		else
			sp = 0;
	}
	res->msgs = done - dm;
	res->secs = (double)(now - tm) / 1e9;
	res->msgs_per_s = (double)res->msgs / res->secs;
	res->bytes_per_s = res->msgs_per_s * p->size;
	free(freel);
}

static void run_pingpong(struct side *s, const struct params *p, uint64_t pool_addr,
			 uint8_t *pool_ptr, struct result *res)
{
	uint64_t t0 = ex_now(), warm = t0 + (uint64_t)(p->duration * 0.1e9);
	uint64_t end = warm + (uint64_t)(p->duration * 1e9), a, b = t0, tm = 0, seq = 0;
	size_t n = 0;
	struct vob_seg sg[2];

	sg[0].addr = pool_addr;
	sg[0].len = p->size;
	sg[1].addr = pool_addr + VOB_ALIGN_UP(p->size, EX_LINE);
	sg[1].len = p->size;
	for (;;) {
		void *tok;
		uint32_t w;

		a = ex_now();
		memset(pool_ptr, (int)(seq++ & 0xff), p->size);
		if (vob_vq_add(&s->vq, sg, 1, 1, (void *)1)) {
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "vob_vq_add failed");
			return;
		}
		if (p->mode == MODE_DOORBELL)
			vob_vq_kick(&s->vq);
		unsigned sp = 0;

		while (vob_vq_get_used(&s->vq, &tok, &w) != 0)
			drv_idle(s, p, &sp);
		b = ex_now();
		if (a >= warm) {
			if (!tm)
				tm = a;
			if (n < MAX_SAMPLES)
				samples[n++] = (uint32_t)(b - a);
			res->msgs++;
		}
		if (b >= end)
			break;
	}
	res->secs = (double)(b - tm) / 1e9;
	res->msgs_per_s = (double)res->msgs / res->secs;
	res->bytes_per_s = res->msgs_per_s * p->size;
	qsort(samples, n, sizeof(*samples), cmp_u32);
	res->p50 = pct(samples, n, 0.5);
	res->p99 = pct(samples, n, 0.99);
}

static void run_one(const struct params *p, struct result *res)
{
	static struct side s;
	struct vob_dev_cfg c;
	struct vob_arena ar;
	char win[128];
	uint64_t ring_end, pool_addr, total, deadline, msgs_total;
	uint32_t stride = p->test == TEST_PINGPONG ? 2u * (uint32_t)VOB_ALIGN_UP(p->size, EX_LINE)
						   : p->size;
	pid_t pid;
	int st, fd, err;

	memset(res, 0, sizeof(*res));
	ring_end = EX_ARENA_ADDR + VOB_SPLIT_RING_BYTES(p->queue, EX_LINE);
	pool_addr = VOB_ALIGN_UP(ring_end, 4096u);
	total = VOB_ALIGN_UP(pool_addr + (uint64_t)p->nbuf * stride, 4096u);
	snprintf(win, sizeof(win), "memfd:vob-bench,size=%" PRIu64, total);
	if (vob_linux_init(&s.lx) || vob_linux_add_window(&s.lx, win) < 0) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "%s", vob_linux_error(&s.lx));
		return;
	}
	fd = vob_linux_window(&s.lx, 0)->fd;
	snprintf(win, sizeof(win), "fd:%d", fd);
	s.ctrl = (volatile struct ctrl *)(vob_linux_window(&s.lx, 0)->ptr + CTRL_ADDR);
	fflush(stdout);
	pid = bench_fork();
	if (pid < 0) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "fork: %s", strerror(errno));
		vob_linux_close(&s.lx);
		return;
	}
	if (pid == 0)
		run_device(p, win);
	{
		char bell[256];
		struct vob_table_cfg tc;

		if (p->mode == MODE_POLL)
			snprintf(bell, sizeof(bell), "poll");
		else if (!strcmp(p->bell, "eventfd"))
			snprintf(bell, sizeof(bell), "eventfd:/tmp/vob-bench-%ld.sock", (long)getpid());
		else
			snprintf(bell, sizeof(bell), "futex:0x%x", EX_FUTEX_ADDR);
		if (vob_linux_set_doorbell(&s.lx, bell, EX_SIDE_DRIVER) ||
		    vob_linux_attach(&s.lx, &s.link, EX_LINE)) {
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "%s", vob_linux_error(&s.lx));
			goto out;
		}
		memset(&tc, 0, sizeof(tc));
		tc.addr = EX_TABLE_ADDR;
		tc.side = EX_SIDE_DRIVER;
		tc.nslots = EX_NSLOTS;
		tc.nqueues = EX_NQUEUES;
		tc.config_max = EX_CONFIG_MAX;
		err = vob_table_init(&s.t, &s.link, &tc);
		if (err) {
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "vob_table_init: %s", vob_strerror(err));
			goto out;
		}
		s.state = aligned_alloc(64, VOB_VQ_STATE_SIZE(p->queue, 0));
		if (!s.state) {
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "out of memory");
			goto out;
		}
		s.dq.vq = &s.vq;
		s.dq.state = s.state;
		s.dq.state_len = VOB_VQ_STATE_SIZE(p->queue, 0);
	}
	pin(p->cpu_drv);
	ar.addr = EX_ARENA_ADDR;
	ar.len = ring_end - EX_ARENA_ADDR;
	err = vob_place_split(&ar, &ar, (uint16_t)p->queue, EX_LINE, &s.dq);
	if (err) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "vob_place_split: %s", vob_strerror(err));
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.device_id = EX_ECHO_DEVICE_ID; /* no other device will do */
	c.num_queues = 1;
	c.queues = &s.dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			(p->in_order ? VOB_BIT(VOB_F_IN_ORDER) : 0) |
			(p->format == FMT_PACKED ? VOB_BIT(VOB_F_RING_PACKED) : 0);
	c.on_lost = on_lost;
	err = vob_dev_init(&s.dev, &s.t, &c);
	if (err) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "vob_dev_init: %s", vob_strerror(err));
		goto out;
	}
	deadline = ex_now() + 10000000000ull;
	while (vob_dev_state(&s.dev) != VOB_DEV_LIVE) {
		vob_dev_poll(&s.dev);
		if (ex_now() > deadline || waitpid(pid, &st, WNOHANG) == pid) {
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "the device did not come up (state %s)",
				 ex_state_name(vob_dev_state(&s.dev)));
			goto out;
		}
		vob_linux_wait(&s.lx, 1);
	}
	if (!!(vob_dev_features(&s.dev, 0) & VOB_BIT(VOB_F_RING_PACKED)) !=
	    (p->format == FMT_PACKED)) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "ring format not negotiated as asked");
		goto out;
	}
	if (p->mode == MODE_POLL)
		vob_vq_disable_notify(&s.vq);
	{
		uint8_t *pool_ptr = vob_link_translate(&s.link, pool_addr, (uint64_t)p->nbuf * stride,
						       VOB_MAP_WRITE, NULL);

		if (p->test == TEST_STREAM)
			run_stream(&s, p, pool_addr, pool_ptr, res);
		else
			run_pingpong(&s, p, pool_addr, pool_ptr, res);
	}
out:
	__atomic_store_n(&s.ctrl->stop, 1, __ATOMIC_RELEASE);
	if (s.vq.link)
		vob_vq_notify(&s.vq);
	deadline = ex_now() + 5000000000ull;
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (ex_now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			res->err = 1;
			snprintf(res->why, sizeof(res->why), "the device did not stop");
			break;
		}
		if (s.vq.link)
			vob_vq_notify(&s.vq);
		usleep(1000);
	}
	bench_child = 0;
	msgs_total = vob_vq_stats(&s.vq)->used;
	if (!res->err && s.ctrl->done && msgs_total) {
		res->db_to_dev = (double)vob_vq_stats(&s.vq)->notify_sent / (double)msgs_total;
		res->db_to_drv = (double)s.ctrl->notify_sent / (double)msgs_total;
	} else if (!res->err) {
		res->err = 1;
		snprintf(res->why, sizeof(res->why), "the device failed (err %d)", s.ctrl->err);
	}
	vob_linux_close(&s.lx);
	free(s.state);
	memset(&s, 0, sizeof(s));
	if (p->mode == MODE_DOORBELL && !strcmp(p->bell, "eventfd")) {
		snprintf(win, sizeof(win), "/tmp/vob-bench-%ld.sock", (long)getpid());
		unlink(win);
		strcat(win, ".lock");
		unlink(win);
	}
}

/* ---- output and options ------------------------------------------------------- */

static const char *fmt_name(int f)
{
	return f == FMT_PACKED ? "packed" : "split";
}

static void print_result(const struct params *p, const struct result *r)
{
	printf("{\"format\":\"%s\",\"size\":%" PRIu32 ",\"mode\":\"%s\",\"test\":\"%s\","
	       "\"batch\":%" PRIu32 ",\"queue\":%" PRIu32 ",\"buffers\":%" PRIu32 ","
	       "\"duration_s\":%.3f,\"doorbell\":\"%s\",\"spin_us\":%.1f,\"cpus\":\"%d,%d\"",
	       fmt_name(p->format), p->size, p->mode == MODE_POLL ? "poll" : "doorbell",
	       p->test == TEST_STREAM ? "stream" : "pingpong", p->batch, p->queue, p->nbuf,
	       r->secs, p->mode == MODE_POLL ? "none" : p->bell, (double)p->spin_ns / 1e3,
	       p->cpu_drv, p->cpu_dev);
	if (r->err) {
		printf(",\"error\":\"%s\"}\n", r->why);
		fflush(stdout);
		return;
	}
	printf(",\"msgs\":%" PRIu64 ",\"msgs_per_s\":%.0f,\"bytes_per_s\":%.0f", r->msgs,
	       r->msgs_per_s, r->bytes_per_s);
	if (p->test == TEST_PINGPONG)
		printf(",\"rtt_ns_p50\":%.0f,\"rtt_ns_p99\":%.0f", r->p50, r->p99);
	printf(",\"doorbells_per_msg_to_device\":%.5f,\"doorbells_per_msg_to_driver\":%.5f",
	       r->db_to_dev, r->db_to_drv);
	printf(",\"baseline_line_pingpong_ns\":%.0f,\"baseline_spsc_msgs_per_s\":%.0f,"
	       "\"baseline_memcpy_bytes_per_s\":%.0f", base.line_ns, base.spsc_mps,
	       base.memcpy_bps);
	if (p->test == TEST_PINGPONG && base.line_ns)
		printf(",\"rtt_p50_vs_line_pingpong\":%.2f", r->p50 / base.line_ns);
	if (p->test == TEST_STREAM && base.spsc_mps)
		printf(",\"msgs_vs_spsc\":%.3f", r->msgs_per_s / base.spsc_mps);
	if (p->test == TEST_STREAM && base.memcpy_bps)
		printf(",\"bytes_vs_memcpy\":%.3f", r->bytes_per_s / base.memcpy_bps);
	printf("}\n");
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vob-bench [options]\n"
		"\n"
		"Runs a vob driver (this process) and a vob device (a forked child) over a\n"
		"shared memfd window through the Linux port and the device table, and prints\n"
		"one JSON object per line per measurement. Without options: the standard set\n"
		"(split and packed, 64 B and 64 KiB, poll and doorbell, stream and pingpong)\n"
		"plus the three baselines, in under a minute.\n"
		"\n"
		"  --format F      split, packed or all (default all)\n"
		"  --size N[,N..]  payload bytes, 1 to 65536 (default 64,65536)\n"
		"  --mode M        poll, doorbell or all (default all)\n"
		"  --test T        stream, pingpong or all (default all)\n"
		"  --batch N       stream: messages added per kick decision (default 32)\n"
		"  --queue N       queue size, a power of two (default 256)\n"
		"  --duration S    seconds per measurement, after 10%% warm-up (default 1)\n"
		"  --cpus A,B      pin the driver to cpu A and the device to cpu B\n"
		"  --doorbell D    doorbell mode mechanism: futex (default) or eventfd\n"
		"  --spin-us N     doorbell mode: poll N us before sleeping (default 0)\n"
		"  --no-in-order   do not negotiate VIRTIO_F_IN_ORDER\n"
		"  --no-baselines  skip the baselines (ratios are then omitted)\n"
		"  -h, --help      this text\n"
		"\n"
		"Output fields: format, size, mode, test, batch, queue, buffers, duration_s,\n"
		"doorbell, spin_us, cpus; msgs, msgs_per_s, bytes_per_s; rtt_ns_p50 and\n"
		"rtt_ns_p99 (pingpong); doorbells_per_msg_to_device/_to_driver; the three\n"
		"baselines, measured just before each measurement, and the ratios to them.\n"
		"The first line holds baselines alone; the last is a summary with the four\n"
		"targets (best ratio over the formats).\n");
}

static int parse_list(const char *s, uint32_t *out, unsigned max)
{
	unsigned n = 0;
	char *end;

	while (*s && n < max) {
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || v < 1 || v > 65536)
			return -1;
		if (*end == 'K' || *end == 'k') {
			v *= 1024;
			end++;
		}
		if (v > 65536)
			return -1;
		out[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	struct params p;
	uint32_t sizes[8] = { 64, 65536 };
	int nsizes = 2, fmts = 3, modes = 3, tests = 3, baselines = 1, i, f, s, m, t;
	double best_rtt_ratio = 0, stream64 = 0, stream64k = 0, db_max = -1, us = 0;
	uint64_t n;
	uint64_t t_start = ex_now();

	memset(&p, 0, sizeof(p));
	p.batch = 32;
	p.queue = 256;
	p.duration = 1.0;
	p.bell = "futex";
	p.cpu_drv = p.cpu_dev = -1;
	p.in_order = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--no-baselines")) {
			baselines = 0;
			continue;
		} else if (!strcmp(a, "--no-in-order")) {
			p.in_order = 0;
			continue;
		}
		if (!v) {
			fprintf(stderr, "vob-bench: %s needs a value (try --help)\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--format")) {
			fmts = !strcmp(v, "split") ? 1 : !strcmp(v, "packed") ? 2 : !strcmp(v, "all") ? 3 : 0;
		} else if (!strcmp(a, "--mode")) {
			modes = !strcmp(v, "poll") ? 1 : !strcmp(v, "doorbell") ? 2 : !strcmp(v, "all") ? 3 : 0;
		} else if (!strcmp(a, "--test")) {
			tests = !strcmp(v, "stream") ? 1 : !strcmp(v, "pingpong") ? 2 : !strcmp(v, "all") ? 3 : 0;
		} else if (!strcmp(a, "--size")) {
			nsizes = parse_list(v, sizes, 8);
		} else if (!strcmp(a, "--batch")) {
			p.batch = ex_parse_u64(v, 1, 32768, &n) ? 0 : (uint32_t)n;
		} else if (!strcmp(a, "--queue")) {
			p.queue = ex_parse_u64(v, 2, 32768, &n) || (n & (n - 1)) ? 0 : (uint32_t)n;
		} else if (!strcmp(a, "--duration")) {
			if (ex_parse_double(v, 0.001, 600, &p.duration))
				p.duration = 0;
		} else if (!strcmp(a, "--cpus")) {
			if (sscanf(v, "%d,%d", &p.cpu_drv, &p.cpu_dev) != 2)
				p.queue = 0;
		} else if (!strcmp(a, "--doorbell")) {
			p.bell = v;
			if (strcmp(v, "futex") && strcmp(v, "eventfd"))
				p.queue = 0;
		} else if (!strcmp(a, "--spin-us")) {
			if (ex_parse_double(v, 0, EX_SPIN_US_MAX, &us))
				p.queue = 0; /* refused below */
			p.spin_ns = (uint64_t)(us * 1e3);
		} else {
			fprintf(stderr, "vob-bench: unknown option %s (try --help)\n", a);
			return 2;
		}
		if (!fmts || !modes || !tests || nsizes <= 0 || !p.batch || !p.queue ||
		    p.duration <= 0 || p.duration > 600) {
			fprintf(stderr, "vob-bench: bad value for %s (try --help)\n", a);
			return 2;
		}
	}
	samples = malloc(sizeof(uint32_t) * MAX_SAMPLES);
	if (!samples)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (baselines) {
		uint32_t big = 0;

		for (s = 0; s < nsizes; s++)
			if (sizes[s] > big)
				big = sizes[s];
		measure_baselines(&p, big > 4096u ? big : 65536u, 1);
	}
	for (f = 1; f <= 2; f++) {
		if (!(fmts & f))
			continue;
		for (s = 0; s < nsizes; s++) {
			for (m = 1; m <= 2; m++) {
				if (!(modes & m))
					continue;
				for (t = 1; t <= 2; t++) {
					struct params q = p;
					struct result r;

					if (!(tests & t))
						continue;
					q.format = f;
					q.mode = m;
					q.test = t;
					q.size = sizes[s];
					q.nbuf = t == TEST_PINGPONG ? 1u
						 : q.size * q.queue <= LARGE_FOOTPRINT
							 ? q.queue
							 : (LARGE_FOOTPRINT / q.size < 4u ? 4u
											  : LARGE_FOOTPRINT / q.size);
					if (q.nbuf > q.queue)
						q.nbuf = q.queue;
					if (baselines)
						measure_baselines(&q, sizes[s] > 4096u ? sizes[s] : 65536u, 0);
					run_one(&q, &r);
					print_result(&q, &r);
					if (r.err)
						continue;
					if (t == TEST_PINGPONG && m == MODE_POLL && q.size == 64 &&
					    base.line_ns) {
						double x = r.p50 / base.line_ns;

						if (!best_rtt_ratio || x < best_rtt_ratio)
							best_rtt_ratio = x;
					}
					if (t == TEST_STREAM && m == MODE_POLL && q.size == 64 &&
					    base.spsc_mps && r.msgs_per_s / base.spsc_mps > stream64)
						stream64 = r.msgs_per_s / base.spsc_mps;
					if (t == TEST_STREAM && q.size == 65536 && base.memcpy_bps &&
					    r.bytes_per_s / base.memcpy_bps > stream64k)
						stream64k = r.bytes_per_s / base.memcpy_bps;
					if (t == TEST_STREAM && m == MODE_DOORBELL) {
						double d = r.db_to_dev > r.db_to_drv ? r.db_to_dev
										     : r.db_to_drv;
						if (d > db_max)
							db_max = d;
					}
				}
			}
		}
	}
	printf("{\"summary\":true,\"elapsed_s\":%.1f", (double)(ex_now() - t_start) / 1e9);
	if (best_rtt_ratio)
		printf(",\"pingpong64_poll_rtt_p50_vs_line\":%.2f,\"target_rtt_max\":4", best_rtt_ratio);
	if (stream64)
		printf(",\"stream64_poll_msgs_vs_spsc\":%.3f,\"target_msgs_min\":0.5", stream64);
	if (db_max >= 0)
		printf(",\"stream_doorbell_doorbells_per_msg_max\":%.5f,\"target_doorbells_max\":0.01",
		       db_max);
	if (stream64k)
		printf(",\"stream64k_bytes_vs_memcpy\":%.3f,\"target_bytes_min\":0.5", stream64k);
	printf("}\n");
	free(samples);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* vq_micro: split vs packed virtqueue, one process, one thread, coherent
 * memory. Prints one table: for single buffers and batches of 8 and 32,
 * the nanoseconds per buffer of the whole round trip (driver add, kick
 * decision, device pop and push, interrupt decision, driver collect, and the
 * empty polls that end each loop), best of several runs; and the distinct
 * 64-byte lines of ring memory each side reads and writes per buffer.
 *
 * How lines are counted (x86-64 Linux): the ring memory (descriptor, driver
 * and device areas) sits on its own pages, protected PROT_NONE while a
 * counted round runs. Every access to it faults; the SIGSEGV handler records
 * the line (si_addr) as read or written (the page-fault error code) for the
 * side that is running, opens the pages, and sets the trap flag so that the
 * one faulting instruction completes; the SIGTRAP that follows closes the
 * pages again. So every load and store the engine makes on ring memory is
 * seen, with its exact address. Per round (one batch through both sides),
 * the distinct lines each side read and wrote are counted, summed over the
 * rounds, and divided by the buffers moved. "both wr" counts lines that
 * both sides wrote in a round: on a cached non-coherent window those are the
 * lines a whole-line write-back would corrupt. Elsewhere the line columns
 * print as "-".
 *
 * Time is the thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)).
 *
 * Usage: vq_micro [buffers-per-run] [runs] [notrace]. Build with
 * optimisation (the bench target compiles its own copy of the core with
 * -O2). The two formats are timed in alternation, run by run, so that both
 * see the same machine load; the best run of each is printed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "vob/vob.h"

#define QSIZE 256u
#define LINE 64u
#define RING_BASE 0x10000000ull
#define BUF_BASE 0x20000000ull
#define BUF_BYTES 64u
#define F(x) VOB_BIT(VOB_F_##x)

#if defined(__x86_64__) && defined(__linux__)
#define TRACE_LINES 1
#else
#define TRACE_LINES 0
#endif

/* ---- a port over two local allocations ------------------------------- */

struct mem {
	uint8_t *ring; /* page-aligned, its own pages */
	size_t ring_len;
	uint8_t *buf;
	size_t buf_len;
};

static void *bench_map(void *ctx, uint64_t addr, size_t len, unsigned access)
{
	struct mem *m = ctx;

	(void)access;
	if (addr >= RING_BASE && addr - RING_BASE + len <= m->ring_len)
		return m->ring + (addr - RING_BASE);
	if (addr >= BUF_BASE && addr - BUF_BASE + len <= m->buf_len)
		return m->buf + (addr - BUF_BASE);
	return NULL;
}

static int bench_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	(void)id;
	(void)data;
	return 0;
}

static const struct vob_port_ops bench_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = bench_map,
	.ring_doorbell = bench_doorbell,
};

/* ---- line tracing ----------------------------------------------------- */

#define MAX_LINES 256u
enum { SIDE_NONE = -1, SIDE_DRV = 0, SIDE_DEV = 1 };

static struct {
	uint8_t *base;
	size_t len;
	volatile int side;
	volatile int armed;
	uint8_t rd[2][MAX_LINES], wr[2][MAX_LINES];
} tr;

static int trace_on = TRACE_LINES;

#if TRACE_LINES
static void tr_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *a = si->si_addr;

	(void)sig;
	if (!tr.armed || a < tr.base || a >= tr.base + tr.len || tr.side == SIDE_NONE) {
		signal(SIGSEGV, SIG_DFL); /* a real crash: fault again, and die */
		return;
	}
	if (uc->uc_mcontext.gregs[REG_ERR] & 2)
		tr.wr[tr.side][(size_t)(a - tr.base) / LINE] = 1;
	else
		tr.rd[tr.side][(size_t)(a - tr.base) / LINE] = 1;
	mprotect(tr.base, tr.len, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= 0x100; /* single-step this instruction */
}

static void tr_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
	if (tr.armed)
		mprotect(tr.base, tr.len, PROT_NONE);
}

static void tr_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = tr_segv;
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_sigaction = tr_trap;
	sigaction(SIGTRAP, &sa, NULL);
}

static void tr_arm(int on)
{
	tr.armed = on;
	mprotect(tr.base, tr.len, on ? PROT_NONE : PROT_READ | PROT_WRITE);
}
#endif

/* ---- one queue pair ----------------------------------------------------- */

struct pair {
	struct mem mem;
	struct vob_link ldrv, ldev;
	struct vob_vq drv, dev;
	void *sdrv, *sdev;
	struct vob_iov iov[QSIZE];
	unsigned long tokens;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "vq_micro: %s: %s (%d)\n", what, vob_strerror(err), err);
	exit(1);
}

static void pair_init(struct pair *p, int packed)
{
	struct vob_window_cfg w = { 0 };
	struct vob_vq_cfg c = { 0 };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t ring = packed ? VOB_PACKED_RING_BYTES(QSIZE, LINE) : VOB_SPLIT_RING_BYTES(QSIZE, LINE);
	int err;

	memset(p, 0, sizeof(*p));
	p->mem.ring_len = (ring + page - 1) / page * page;
	p->mem.ring = mmap(NULL, p->mem.ring_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p->mem.buf_len = (size_t)QSIZE * BUF_BYTES;
	p->mem.buf = aligned_alloc(4096, p->mem.buf_len);
	if (p->mem.ring == MAP_FAILED || !p->mem.buf)
		die("memory", VOB_ENOMEM);
	memset(p->mem.buf, 0x5a, p->mem.buf_len);
	if ((err = vob_link_init(&p->ldrv, &bench_ops, &p->mem, LINE)) ||
	    (err = vob_link_init(&p->ldev, &bench_ops, &p->mem, LINE)))
		die("link", err);
	w.kind = VOB_MEM_COHERENT;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	w.link_addr = RING_BASE;
	w.size = p->mem.ring_len;
	if ((err = vob_link_add_window(&p->ldrv, &w)) < 0 ||
	    (err = vob_link_add_window(&p->ldev, &w)) < 0)
		die("window", err);
	w.link_addr = BUF_BASE;
	w.size = p->mem.buf_len;
	if ((err = vob_link_add_window(&p->ldrv, &w)) < 0 ||
	    (err = vob_link_add_window(&p->ldev, &w)) < 0)
		die("window", err);

	c.role = VOB_ROLE_DRIVER;
	c.size = QSIZE;
	c.doorbell = 1;
	c.features = F(VERSION_1) | F(EVENT_IDX) | (packed ? F(RING_PACKED) : 0);
	c.desc_addr = RING_BASE;
	c.driver_addr = RING_BASE + (packed ? VOB_PACKED_DRIVER_OFF(QSIZE, LINE)
					    : VOB_SPLIT_AVAIL_OFF(QSIZE, LINE));
	c.device_addr = RING_BASE + (packed ? VOB_PACKED_DEVICE_OFF(QSIZE, LINE)
					    : VOB_SPLIT_USED_OFF(QSIZE, LINE));
	p->sdrv = aligned_alloc(8, VOB_VQ_STATE_SIZE(QSIZE, 0));
	p->sdev = aligned_alloc(8, VOB_VQ_STATE_SIZE(QSIZE, 0));
	if ((err = vob_vq_init(&p->drv, &p->ldrv, &c, p->sdrv, VOB_VQ_STATE_SIZE(QSIZE, 0))))
		die("driver init", err);
	c.role = VOB_ROLE_DEVICE;
	c.doorbell = 2;
	if ((err = vob_vq_init(&p->dev, &p->ldev, &c, p->sdev, VOB_VQ_STATE_SIZE(QSIZE, 0))))
		die("device init", err);
}

static void pair_fini(struct pair *p)
{
	munmap(p->mem.ring, p->mem.ring_len);
	free(p->mem.buf);
	free(p->sdrv);
	free(p->sdev);
}

/* One batch of @b one-segment buffers through both sides, as a driver loop
 * and a device loop would move it: each loop ends on an empty poll. */
static void round_trip(struct pair *p, unsigned b)
{
	struct vob_chain c;
	unsigned i;
	void *tok;
	uint32_t w;
	int err;

	tr.side = SIDE_DRV;
	for (i = 0; i < b; i++) {
		struct vob_seg s = { BUF_BASE + (p->tokens % QSIZE) * BUF_BYTES, BUF_BYTES };

		p->tokens++;
		if ((err = vob_vq_add(&p->drv, &s, 1, 0, (void *)(uintptr_t)p->tokens)))
			die("add", err);
	}
	if ((err = vob_vq_kick(&p->drv)) < 0)
		die("kick", err);
	tr.side = SIDE_DEV;
	for (;;) {
		c.iov = p->iov;
		c.cap = QSIZE;
		err = vob_vq_pop(&p->dev, &c);
		if (err == VOB_EAGAIN)
			break;
		if (err || (err = vob_vq_push(&p->dev, &c, 0)))
			die("pop/push", err);
	}
	if ((err = vob_vq_kick(&p->dev)) < 0)
		die("interrupt", err);
	tr.side = SIDE_DRV;
	while ((err = vob_vq_get_used(&p->drv, &tok, &w)) == 0)
		;
	if (err != VOB_EAGAIN)
		die("get_used", err);
	tr.side = SIDE_NONE;
}

static double now_ns(void)
{
	struct timespec ts;

	/* The thread's CPU time: on a loaded machine the time spent descheduled
	 * would swamp what is measured (CLOCK_MONOTONIC otherwise). */
#ifdef CLOCK_THREAD_CPUTIME_ID
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct result {
	double ns;
	double rd[2], wr[2], both;
};

/* Lines per buffer of @b-buffer rounds on @p; -1 where not counted. */
static void count_lines(struct pair *p, unsigned b, struct result *r)
{
	unsigned k;

	for (k = 0; k < 2; k++)
		r->rd[k] = r->wr[k] = -1;
	r->both = -1;
#if TRACE_LINES
	if (trace_on) {
		unsigned long n, rounds = 8u * QSIZE / b + 64u;
		unsigned l;

		memset(r->rd, 0, sizeof(r->rd));
		memset(r->wr, 0, sizeof(r->wr));
		r->both = 0;
		tr.base = p->mem.ring;
		tr.len = p->mem.ring_len;
		for (n = 0; n < rounds; n++) {
			memset(tr.rd, 0, sizeof(tr.rd));
			memset(tr.wr, 0, sizeof(tr.wr));
			tr_arm(1);
			round_trip(p, b);
			tr_arm(0);
			for (k = 0; k < 2; k++)
				for (l = 0; l < MAX_LINES; l++) {
					r->rd[k] += tr.rd[k][l];
					r->wr[k] += tr.wr[k][l];
				}
			for (l = 0; l < MAX_LINES; l++)
				r->both += tr.wr[0][l] && tr.wr[1][l];
		}
		for (k = 0; k < 2; k++) {
			r->rd[k] /= (double)(rounds * b);
			r->wr[k] /= (double)(rounds * b);
		}
		r->both /= (double)(rounds * b);
	}
#else
	(void)p;
	(void)b;
#endif
}

/* Both formats at batch @b: timed in alternation, the best run of each. */
static void measure(unsigned b, unsigned long per_run, unsigned runs, struct result r[2])
{
	static struct pair p[2];
	unsigned long n, rounds = per_run / b ? per_run / b : 1;
	unsigned run, fmt;

	for (fmt = 0; fmt < 2; fmt++) {
		pair_init(&p[fmt], (int)fmt);
		r[fmt].ns = 1e30;
		/* Warm up, and spread the positions over the ring. */
		for (n = 0; n < 4u * QSIZE; n++)
			round_trip(&p[fmt], b);
	}
	for (run = 0; run < runs; run++) {
		for (fmt = 0; fmt < 2; fmt++) {
			double t0 = now_ns(), t;

			for (n = 0; n < rounds; n++)
				round_trip(&p[fmt], b);
			t = (now_ns() - t0) / (double)(rounds * b);
			if (t < r[fmt].ns)
				r[fmt].ns = t;
		}
	}
	for (fmt = 0; fmt < 2; fmt++) {
		count_lines(&p[fmt], b, &r[fmt]);
		pair_fini(&p[fmt]);
	}
}

static void cell(double v)
{
	if (v < 0)
		printf(" %6s |", "-");
	else
		printf(" %6.2f |", v);
}

int main(int argc, char **argv)
{
	static const unsigned batches[] = { 1, 8, 32 };
	unsigned long per_run = argc > 1 ? strtoul(argv[1], NULL, 0) : 1ul << 18;
	unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 15u;
	unsigned i, fmt;

	if (!per_run || !runs) {
		fprintf(stderr, "usage: vq_micro [buffers-per-run] [runs] [notrace]\n");
		return 2;
	}
	if (argc > 3 && !strcmp(argv[3], "notrace"))
		trace_on = 0;
#if TRACE_LINES
	if (trace_on)
		tr_install();
#endif
	printf("vq_micro: queue %u, EVENT_IDX, one %u-byte readable segment per buffer, coherent\n"
	       "memory, one thread; ns: thread CPU time per buffer, best of %u runs of %lu buffers;\n"
	       "lines: distinct %u-byte lines of ring memory per buffer, read (rd) and written (wr)\n"
	       "by each side; both wr: lines both sides wrote\n\n",
	       QSIZE, BUF_BYTES, runs, per_run, LINE);
	printf("| format | batch | ns/buf | drv rd | drv wr | dev rd | dev wr | both wr |\n");
	printf("|--------|------:|-------:|-------:|-------:|-------:|-------:|--------:|\n");
	for (i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		struct result r[2];

		measure(batches[i], per_run, runs, r);
		for (fmt = 0; fmt < 2; fmt++) {
			printf("| %-6s | %5u | %6.1f |", fmt ? "packed" : "split", batches[i], r[fmt].ns);
			cell(r[fmt].rd[SIDE_DRV]);
			cell(r[fmt].wr[SIDE_DRV]);
			cell(r[fmt].rd[SIDE_DEV]);
			cell(r[fmt].wr[SIDE_DEV]);
			printf("  ");
			cell(r[fmt].both);
			printf("\n");
		}
		fflush(stdout);
	}
	return 0;
}

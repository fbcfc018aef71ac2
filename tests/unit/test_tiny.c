/* SPDX-License-Identifier: BSD-3-Clause */
/* The tiny device (include/vob/tiny.h), in four parts:
 * - interop with the real driver role over one malloc'd window: the
 *   negotiation, thousands of echoed messages checked byte by byte, a driver
 *   reset with buffers in flight, restarts of either side, a table wiped
 *   under both, side 0, and two queues when built with VOB_TINY_QUEUES 2;
 * - the differential test: the tiny device and the general device role,
 *   each in its own window, fed the same scripted driver writes; after every
 *   step the windows, the chains popped and the doorbells must be the same;
 * - garbage over the table and the rings between polls, then recovery;
 * - each check pop makes on the ring, against a driver written by hand, with
 *   the same chain minus the fault accepted, so that the test fails when the
 *   check goes.
 * The window is exactly one allocation: under ASan any access outside it is
 * reported. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, MAP_NORESERVE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <cmocka.h>

#include "fake_port.h"
#include "table_internal.h"
#include "vob/table.h"
#include "vob/tiny.h"

#define LINE VOB_TINY_LINE
#define NQ VOB_TINY_TABLE_QUEUES
#define CFGMAX VOB_TINY_CONFIG_MAX
#define QSIZE VOB_TINY_QUEUE_MAX
#define HB VOB_ALIGN_UP(32u, LINE) /* one side header */
#define T_DEV (2u * HB)            /* slot 0's device area */
#define T_DRV (T_DEV + VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(NQ, CFGMAX), LINE))
#define TBL VOB_TABLE_BYTES(1u, NQ, CFGMAX, LINE)
#define BASE 0x20000000ull
#define WIN (64u * 1024u)
#define ARENA_OFF 1024u
#define ARENA_BYTES 8192u
#define BUF_OFF (32u * 1024u)
#define NBUF 8u
#define MSG_MAX 64u
#define F(x) VOB_BIT(VOB_F_##x)
/* A class feature the tiny device offers, and what the driver asks for:
 * that and ring features the tiny device does not have. */
#define TINY_F VOB_BIT(5)
#define DRV_F (F(VERSION_1) | F(EVENT_IDX) | F(INDIRECT_DESC) | VOB_BIT(5) | VOB_BIT(7))

/* ---- small helpers ------------------------------------------------------ */

static uint64_t rng_s;

/* xorshift64: the tests' scripts are the same on every host */
static uint64_t rnd(void)
{
	rng_s ^= rng_s << 13;
	rng_s ^= rng_s >> 7;
	rng_s ^= rng_s << 17;
	return rng_s;
}

static void pattern(uint8_t *p, uint32_t n, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((seq * 131u) ^ (i * 7u) ^ (seq >> 8));
}

/* ---- interop with the real driver role ---------------------------------- */

struct msg {
	int busy;
	uint32_t len;
	uint64_t seq;
};

static struct {
	uint8_t *mem;
	uint8_t *alloc; /* what teardown frees (mem is replaced in one test) */
	/* the driver side */
	struct fake_port port;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev drv;
	struct vob_vq vq[NQ];
	uint64_t state[NQ][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	struct vob_dev_queue q[NQ];
	unsigned drv_queues;
	/* the tiny device */
	struct vob_tiny tiny;
	uint32_t size; /* the window the tiny device is given: WIN but in one test */
	uint8_t side;  /* the tiny device's */
	unsigned long bells, bells_q[VOB_TINY_QUEUES];
	/* traffic */
	struct msg m[NQ][NBUF];
	uint64_t next_seq, done, done_q[NQ], lost, popped, broken;
	int garbage; /* the driver does not check what comes back */
} W;

static void tiny_bell(void *user, uint32_t id)
{
	(void)user;
	W.bells++;
	if (id >= 2u && id - 2u < VOB_TINY_QUEUES)
		W.bells_q[id - 2u]++;
	/* what a port does with it: the driver's interrupt entry */
	vob_on_irq_isr(&W.link, id);
}

static void tiny_start(uint32_t seed, uint64_t features)
{
	struct vob_tiny_cfg c;

	memset(&c, 0, sizeof(c));
	c.window = W.mem;
	c.link_addr = BASE;
	c.size = W.size;
	c.device_id = 3;
	c.features = features;
	c.epoch_seed = seed;
	c.side = W.side;
	c.doorbell = tiny_bell;
	assert_int_equal(vob_tiny_init(&W.tiny, &c), 0);
}

static void on_lost(void *arg, uint16_t q, void *token)
{
	unsigned s = (unsigned)((uintptr_t)token - 1u);

	(void)arg;
	assert_true(q < W.drv_queues && s < NBUF && W.m[q][s].busy);
	W.m[q][s].busy = 0;
	W.lost++;
}

static void driver_start(uint32_t seed, unsigned nq)
{
	struct vob_table_cfg tc;
	struct vob_dev_cfg c;
	struct vob_arena dev_mem = { BASE + ARENA_OFF, ARENA_BYTES };
	struct vob_arena drv_mem = { BASE + ARENA_OFF + ARENA_BYTES, ARENA_BYTES };
	unsigned q, s;

	memset(&tc, 0, sizeof(tc));
	tc.addr = BASE;
	tc.side = (uint8_t)(1u - W.side);
	tc.nslots = 1;
	tc.nqueues = NQ;
	tc.config_max = CFGMAX;
	tc.epoch_seed = seed;
	tc.timeout = 1000;
	assert_int_equal(vob_table_init(&W.t, &W.link, &tc), 0);
	memset(W.q, 0, sizeof(W.q));
	for (q = 0; q < nq; q++) {
		W.q[q].vq = &W.vq[q];
		W.q[q].state = W.state[q];
		W.q[q].state_len = sizeof(W.state[q]);
		assert_int_equal(vob_place_split(&dev_mem, &drv_mem, QSIZE, LINE, &W.q[q]), 0);
	}
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.num_queues = (uint16_t)nq;
	c.queues = W.q;
	c.features[0] = DRV_F;
	c.device_id = 3;
	c.on_lost = on_lost;
	assert_int_equal(vob_dev_init(&W.drv, &W.t, &c), 0);
	W.drv_queues = nq;
	for (q = 0; q < NQ; q++)
		for (s = 0; s < NBUF; s++)
			W.m[q][s].busy = 0;
}

static int setup(void **state)
{
	struct vob_window_cfg w = { BASE, WIN, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };

	(void)state;
	memset(&W, 0, sizeof(W));
	rng_s = 88172645463325252ull;
	W.mem = W.alloc = aligned_alloc(4096, WIN);
	assert_non_null(W.mem);
	memset(W.mem, 0, WIN);
	W.size = WIN;
	W.side = 1;
	fake_port_init(&W.port);
	fake_port_add_region(&W.port, BASE, W.mem, WIN);
	assert_int_equal(vob_link_init(&W.link, &fake_port_ops, &W.port, LINE), 0);
	assert_true(vob_link_add_window(&W.link, &w) >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(W.alloc);
	return 0;
}

/* Every segment of @c lies inside the window @mem of @size bytes and is not
 * empty. */
static void check_chain_in(const uint8_t *mem, size_t size, const struct vob_tiny_chain *c)
{
	unsigned k, n = (unsigned)c->nseg[0] + c->nseg[1];
	uint32_t len[2] = { 0, 0 };

	assert_true(n <= VOB_TINY_SEG_MAX);
	for (k = 0; k < n; k++) {
		const struct vob_tiny_seg *g = &c->seg[k];

		assert_true(g->len > 0 && g->len <= size);
		assert_true(g->base >= mem && (size_t)(g->base - mem) <= size - g->len);
		len[k >= c->nseg[0]] += g->len;
	}
	assert_true(len[0] == c->len[0] && len[1] == c->len[1]);
}

/* min_device.c's loop on the tiny device: echo every chain. */
static void device_work(void)
{
	static uint8_t buf[256];
	struct vob_tiny_chain ch;
	unsigned q;

	vob_tiny_poll(&W.tiny);
	for (q = 0; q < VOB_TINY_QUEUES; q++) {
		int r;

		while ((r = vob_tiny_pop(&W.tiny, q, &ch)) == 0) {
			uint32_t n;

			W.popped++;
			check_chain_in(W.mem, W.size, &ch);
			n = vob_tiny_pull(&ch, buf, sizeof(buf));
			n = vob_tiny_put(&ch, buf, n);
			vob_tiny_push(&W.tiny, q, &ch, n);
		}
		assert_true(r == VOB_EAGAIN || r == VOB_EIO || r == VOB_EPROTO);
		if (r == VOB_EPROTO) {
			W.broken++;
			assert_true(W.garbage); /* only garbage breaks a ring */
		}
		vob_tiny_kick(&W.tiny, q);
	}
}

static uint64_t out_addr(unsigned q, unsigned s)
{
	return BASE + BUF_OFF + (q * NBUF + s) * 2u * MSG_MAX;
}

static void driver_work(void)
{
	unsigned q, s;

	assert_true(vob_dev_poll(&W.drv) >= 0);
	for (q = 0; q < W.drv_queues; q++) {
		struct vob_vq *vq = vob_dev_vq(&W.drv, (uint16_t)q);
		void *tok;
		uint32_t w;

		if (!vq)
			continue;
		while (vob_vq_get_used(vq, &tok, &w) == 0) {
			struct msg *m;

			s = (unsigned)((uintptr_t)tok - 1u);
			assert_true(s < NBUF && W.m[q][s].busy);
			m = &W.m[q][s];
			if (!W.garbage) {
				uint8_t want[MSG_MAX];

				assert_int_equal(w, m->len);
				pattern(want, m->len, m->seq);
				assert_memory_equal(W.mem + (out_addr(q, s) - BASE) + MSG_MAX, want,
						    m->len);
			}
			m->busy = 0;
			W.done++;
			W.done_q[q]++;
		}
		for (s = 0; s < NBUF; s++) {
			struct msg *m = &W.m[q][s];
			struct vob_seg seg[2];
			uint8_t *p = W.mem + (out_addr(q, s) - BASE);

			if (m->busy)
				continue;
			m->len = 1u + (uint32_t)(rnd() % MSG_MAX);
			m->seq = W.next_seq;
			pattern(p, m->len, m->seq);
			memset(p + MSG_MAX, 0, MSG_MAX);
			seg[0].addr = out_addr(q, s);
			seg[0].len = m->len;
			seg[1].addr = out_addr(q, s) + MSG_MAX;
			seg[1].len = MSG_MAX;
			if (vob_vq_add(vq, seg, 1, 1, (void *)(uintptr_t)(s + 1u)))
				break;
			m->busy = 1;
			W.next_seq++;
		}
		(void)vob_vq_kick(vq);
	}
}

/* Run both sides until @target messages came back; fail when stuck. */
static void run_until(uint64_t target, const char *what)
{
	unsigned long idle = 0;
	uint64_t last = W.done;

	while (W.done < target) {
		driver_work();
		device_work();
		if (W.done != last) {
			last = W.done;
			idle = 0;
		} else if (++idle > 20000) {
			fail_msg("stuck %s at %llu messages (driver state %d, tiny status %#x)", what,
				 (unsigned long long)W.done, vob_dev_state(&W.drv),
				 vob_get_le16(W.mem + T_DEV + DEV_STATUS));
		}
	}
}

static unsigned in_flight(void)
{
	unsigned q, s, n = 0;

	for (q = 0; q < NQ; q++)
		for (s = 0; s < NBUF; s++)
			n += (unsigned)W.m[q][s].busy;
	return n;
}

static uint32_t tiny_epoch(void)
{
	return vob_get_le32(W.mem + W.side * HB + HDR_EPOCH);
}

static void up(uint32_t tiny_seed, uint32_t drv_seed)
{
	tiny_start(tiny_seed, TINY_F);
	driver_start(drv_seed, 1);
	run_until(100, "coming up");
	assert_int_equal(vob_dev_state(&W.drv), VOB_DEV_LIVE);
}

/* The driver asks for more than the device offers: it gets the features in
 * common, VERSION_1 included; the slot shows what the tiny device is. */
static void test_negotiation(void **state)
{
	const uint8_t *a = W.mem + T_DEV;

	(void)state;
	up(100, 200);
	assert_true(vob_dev_offered(&W.drv, 0) == (F(VERSION_1) | TINY_F));
	assert_true(vob_dev_offered(&W.drv, 1) == 0);
	assert_true(vob_dev_features(&W.drv, 0) == (F(VERSION_1) | TINY_F));
	assert_true(vob_dev_features(&W.drv, 1) == 0);
	assert_int_equal(vob_get_le32(a + DEV_DEVICE_ID), 3);
	assert_int_equal(vob_get_le16(a + DEV_NUM_QUEUES), VOB_TINY_QUEUES);
	assert_int_equal(vob_get_le16(a + DEV_CONFIG_LEN), 0);
	assert_int_equal(vob_get_le16(a + DEV_SIDE), W.side);
	assert_int_equal(vob_get_le16(a + DEV_QUEUE_MAX), QSIZE);
	assert_int_equal(vob_get_le16(a + DEV_STATUS),
			 VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK |
				 VOB_STATUS_DRIVER_OK);
	assert_int_equal(vob_dev_queue_size(&W.drv, 0), QSIZE);
	assert_int_equal(tiny_epoch(), 100);
	/* its doorbells: the table's, the control one, the queue's */
	assert_true(W.bells > 0);
	assert_true(vob_tiny_poll(&W.tiny) == 1);
}

/* What vob_tiny_init() refuses: ring features it does not have, a window
 * too small for the table. */
static void test_init_refuses(void **state)
{
	static const unsigned bad[] = { VOB_F_INDIRECT_DESC, VOB_F_EVENT_IDX, VOB_F_RING_PACKED,
					VOB_F_IN_ORDER, VOB_F_NOTIFICATION_DATA };
	struct vob_tiny_cfg c;
	unsigned i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.window = W.mem;
	c.link_addr = BASE;
	c.size = WIN;
	c.device_id = 3;
	c.side = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.features = VOB_BIT(bad[i]);
		assert_int_equal(vob_tiny_init(&W.tiny, &c), VOB_EINVAL);
	}
	c.features = 0;
	c.size = (uint32_t)TBL - 1u;
	assert_int_equal(vob_tiny_init(&W.tiny, &c), VOB_EINVAL);
	c.size = (uint32_t)TBL;
	assert_int_equal(vob_tiny_init(&W.tiny, &c), 0);
	c.size = WIN;
	c.features = F(ACCESS_PLATFORM) | F(VERSION_1) | VOB_BIT(0);
	assert_int_equal(vob_tiny_init(&W.tiny, &c), 0);
}

static void test_echo(void **state)
{
	(void)state;
	up(1, 2);
	run_until(4000, "echoing");
	assert_int_equal(W.broken, 0);
	assert_true(W.popped >= 4000);
	/* with no suppression asked for, the driver was told */
	assert_true(W.bells_q[0] > 0);
}

/* A driver reset with buffers in flight: every one comes back to the driver
 * (on_lost or used), then traffic goes on. */
static void test_driver_reset_in_flight(void **state)
{
	(void)state;
	up(1, 2);
	run_until(500, "before the reset");
	driver_work(); /* buffers added, not yet seen by the device */
	assert_true(in_flight() > 0);
	assert_int_equal(vob_dev_reset(&W.drv), 0);
	run_until(W.done + 1000, "after the driver reset");
	assert_true(W.lost > 0);
}

/* The tiny device restarts: on the same memory with the next epoch, then on
 * memory it lost (its header and slot zeroed) with a new seed. */
static void test_tiny_restart(void **state)
{
	uint32_t e0;

	(void)state;
	up(10, 20);
	run_until(500, "before the restart");
	e0 = tiny_epoch();
	driver_work();
	tiny_start(999, TINY_F); /* the seed does not count: the header is there */
	assert_int_equal(tiny_epoch(), e0 + 1u);
	run_until(W.done + 1000, "after the restart");
	assert_true(W.lost > 0);

	driver_work();
	memset(W.mem + W.side * HB, 0, HB);
	memset(W.mem + T_DEV, 0, T_DRV - T_DEV);
	tiny_start(0x5eed, TINY_F);
	assert_int_equal(tiny_epoch(), 0x5eed);
	run_until(W.done + 1000, "after the restart on zeroed memory");
}

static void test_driver_restart(void **state)
{
	(void)state;
	up(10, 20);
	run_until(500, "before the driver restart");
	driver_work();
	driver_start(0, 1);
	run_until(W.done + 1000, "after the driver restart");
	/* on zeroed memory of its own, with a seed */
	driver_work();
	memset(W.mem + (1u - W.side) * HB, 0, HB);
	driver_start(77, 1);
	run_until(W.done + 1000, "after the driver restart on zeroed memory");
}

/* The whole table wiped under both running sides, twice. */
static void test_table_wipe(void **state)
{
	(void)state;
	up(10, 20);
	run_until(500, "before the wipe");
	driver_work();
	memset(W.mem, 0, TBL);
	run_until(W.done + 1000, "after the wipe");
	driver_work();
	device_work();
	memset(W.mem, 0, TBL);
	run_until(W.done + 1000, "after the second wipe");
	assert_int_equal(W.broken, 0);
}

/* The tiny device on side 0, the driver on side 1. */
static void test_side_0(void **state)
{
	(void)state;
	W.side = 0;
	up(3, 4);
	run_until(1000, "on side 0");
	assert_int_equal(vob_get_le16(W.mem + T_DEV + DEV_SIDE), 0);
	assert_int_equal(vob_get_le32(W.mem + HDR_EPOCH), 3);
}

/* Two queues, both carrying traffic (a build with VOB_TINY_QUEUES 2). */
static void test_two_queues(void **state)
{
	(void)state;
	if (VOB_TINY_QUEUES < 2)
		skip();
	tiny_start(5, TINY_F);
	driver_start(6, 2);
	run_until(3000, "on two queues");
	assert_true(W.done_q[0] > 1000 && W.done_q[1] > 1000);
	assert_true(W.bells_q[0] > 0);
	if (VOB_TINY_QUEUES > 1)
		assert_true(W.bells_q[VOB_TINY_QUEUES - 1] > 0);
	driver_work();
	assert_int_equal(vob_dev_reset(&W.drv), 0);
	run_until(W.done + 1000, "on two queues after a reset");
	/* a driver that enables only the first */
	driver_work();
	driver_start(7, 1);
	run_until(W.done + 500, "on one of two queues");
}

/* ---- garbage ----------------------------------------------------------- */

static void garbage(void)
{
	unsigned n = 1u + (unsigned)(rnd() % 4u), i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		size_t off, len = 1u + (size_t)((r >> 8) % 8u), k;

		switch (r % 8u) {
		case 0:
		case 1:
		case 2: /* the table */
			off = (size_t)((r >> 16) % TBL);
			break;
		case 3:
		case 4: /* descriptors and avail ring (vob_place_split()'s device arena) */
			off = ARENA_OFF + (size_t)((r >> 16) % 1024u);
			break;
		case 5: /* the used ring */
			off = ARENA_OFF + ARENA_BYTES + (size_t)((r >> 16) % 1024u);
			break;
		case 6: { /* a request with the right epochs and a random status */
			uint8_t *d = W.mem + T_DRV;
			uint16_t st = (uint16_t)(rnd() & 0xffu);

			vob_put_le32(d + DRV_EPOCH, vob_get_le32(W.mem + (1u - W.side) * HB + HDR_EPOCH));
			vob_put_le32(d + DRV_DEV_EPOCH, vob_get_le32(W.mem + T_DEV + DEV_EPOCH));
			vob_put_le32(d + DRV_DEV_PUB, vob_get_le32(W.mem + T_DEV + DEV_PUB));
			vob_put_le16(d + DRV_STATUS, st);
			if (rnd() & 1u)
				vob_put_le16(d + DRV_QUEUES + DRVQ_SIZE, (uint16_t)(1u << (rnd() % 6u)));
			vob_put_le32(d + DRV_REQ, vob_get_le32(d + DRV_REQ) + 1u);
			continue;
		}
		default:
			off = (size_t)((r >> 16) % WIN);
			break;
		}
		if (off + len > WIN)
			len = WIN - off;
		for (k = 0; k < len; k++)
			W.mem[off + k] = (uint8_t)(rnd() >> 24);
	}
}

#ifndef TINY_GARBAGE_ROUNDS
#define TINY_GARBAGE_ROUNDS 20000ul
#endif

/* Random writes over the table and the rings between polls, the driver
 * still sending: every chain the tiny device pops lies in the window (and
 * ASan sees every access). Then both restart over what the garbage left and
 * traffic is checked again. */
static void test_garbage(void **state)
{
	unsigned long i, restarts = 0;

	(void)state;
	up(1, 2);
	run_until(200, "before the garbage");
	W.garbage = 1;
	for (i = 0; i < TINY_GARBAGE_ROUNDS; i++) {
		garbage();
		driver_work();
		device_work();
		if (!(rnd() % 2000u)) { /* the driver gives up and starts over */
			driver_start((uint32_t)rnd(), 1);
			restarts++;
		}
	}
	W.garbage = 0;
	print_message("garbage: %lu rounds, %llu chains popped, %llu rings broken, %lu driver "
		      "restarts\n",
		      i, (unsigned long long)W.popped, (unsigned long long)W.broken, restarts);
	assert_true(W.popped > 1000);
	/* Garbage in fields the device publishes but does not watch (its
	 * device id) is not healed by the protocol: both ends restart over the
	 * memory the garbage left. */
	tiny_start(3, TINY_F);
	driver_start(4, 1);
	run_until(W.done + 1000, "after the garbage");
}

/* ---- the differential test ---------------------------------------------- */

/* Two windows: A the tiny device's, B the general device role's. The driver
 * writes the same bytes into both. */
#define D_RING 1024u

struct rec {
	unsigned n;
	uint64_t v[64];
};

static struct {
	uint8_t *A, *B;
	struct vob_tiny tiny;
	uint32_t loga[64];
	unsigned nloga;
	struct fake_port port;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	/* as many queues as the tiny device; the script drives the first */
	struct vob_vq vq[VOB_TINY_QUEUES];
	uint64_t state[VOB_TINY_QUEUES][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	struct vob_dev_queue q[VOB_TINY_QUEUES];
	struct rec ra, rb;
	uint8_t bufa[256], bufb[256];
	/* a chain held over to the next step */
	int hold, held_a, held_b;
	struct vob_tiny_chain hch_a;
	uint32_t hn_a, hn_b;
	struct vob_iov hiov_b[VOB_TINY_SEG_MAX];
	struct vob_chain hch_b;
	/* the scripted driver */
	uint32_t drv_epoch;
	unsigned pl_size;
	size_t pl_desc, pl_avail;
	uint16_t avail_idx, dc, last_head;
	int calm;
	unsigned noise;
	const char *what;
	unsigned long pops, live, held;
} X;

static void d_bell(void *user, uint32_t id)
{
	(void)user;
	if (X.nloga < 64)
		X.loga[X.nloga++] = id;
}

static void d_start(uint32_t seed)
{
	struct vob_tiny_cfg c;
	struct vob_table_cfg tc;
	struct vob_dev_cfg dc;
	unsigned q;

	memset(&c, 0, sizeof(c));
	c.window = X.A;
	c.link_addr = BASE;
	c.size = WIN;
	c.device_id = 3;
	c.epoch_seed = seed;
	c.side = 1;
	c.doorbell = d_bell;
	assert_int_equal(vob_tiny_init(&X.tiny, &c), 0);

	memset(&tc, 0, sizeof(tc));
	tc.addr = BASE;
	tc.side = 1;
	tc.nslots = 1;
	tc.nqueues = NQ;
	tc.config_max = CFGMAX;
	tc.epoch_seed = seed;
	assert_int_equal(vob_table_init(&X.t, &X.link, &tc), 0);
	memset(X.q, 0, sizeof(X.q));
	for (q = 0; q < VOB_TINY_QUEUES; q++) {
		X.q[q].vq = &X.vq[q];
		X.q[q].state = X.state[q];
		X.q[q].state_len = sizeof(X.state[q]);
		X.q[q].size = QSIZE;
	}
	memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DEVICE;
	dc.num_queues = VOB_TINY_QUEUES;
	dc.queues = X.q;
	dc.features[0] = F(VERSION_1);
	dc.device_id = 3;
	dc.seg_max = VOB_TINY_SEG_MAX;
	assert_int_equal(vob_dev_init(&X.dev, &X.t, &dc), 0);
	X.held_a = X.held_b = 0;
}

static void rec_add(struct rec *r, uint64_t v)
{
	if (r->n < 64)
		r->v[r->n++] = v;
}

/* min_device.c's loop on the general device role. */
static void work_vob(void)
{
	struct vob_iov iov[VOB_TINY_SEG_MAX];
	struct vob_chain ch;
	struct vob_vq *q;

	assert_true(vob_dev_poll(&X.dev) >= 0);
	q = vob_dev_vq(&X.dev, 0);
	if (!q) {
		X.held_b = 0; /* the queue stopped: the held chain is gone */
		return;
	}
	ch.iov = iov;
	ch.cap = VOB_TINY_SEG_MAX;
	while (vob_vq_pop(q, &ch) == 0) {
		int n = vob_chain_pull(&X.link, &ch, 0, X.bufb, sizeof(X.bufb), NULL);
		unsigned k;

		rec_add(&X.rb, ch.head | (uint64_t)ch.n_out << 16 | (uint64_t)ch.n_in << 24 |
				       (uint64_t)ch.out_len << 32);
		rec_add(&X.rb, ch.in_len);
		for (k = 0; k < (unsigned)ch.n_out + ch.n_in; k++)
			rec_add(&X.rb, (uint64_t)((uint8_t *)iov[k].base - X.B) |
					       (uint64_t)iov[k].len << 32);
		n = vob_chain_push(&X.link, &ch, 0, X.bufb, n > 0 ? (size_t)n : 0u, NULL);
		rec_add(&X.rb, (uint64_t)n);
		if (X.hold && !X.held_b) {
			X.held_b = 1;
			X.hch_b = ch;
			memcpy(X.hiov_b, iov, sizeof(iov));
			X.hch_b.iov = X.hiov_b;
			X.hn_b = n > 0 ? (uint32_t)n : 0u;
			continue;
		}
		if (vob_vq_push(q, &ch, n > 0 ? (uint32_t)n : 0u))
			(void)vob_dev_set_needs_reset(&X.dev);
	}
	if (X.held_b == 2) {
		X.held_b = 0;
		if (!vob_vq_fault(q) && vob_vq_push(q, &X.hch_b, X.hn_b))
			(void)vob_dev_set_needs_reset(&X.dev);
	} else if (X.held_b) {
		X.held_b = 2;
	}
	if (vob_vq_kick(q) < 0)
		(void)vob_dev_set_needs_reset(&X.dev);
}

/* The same on the tiny device. */
static void work_tiny(void)
{
	struct vob_tiny_chain ch;
	int live = vob_tiny_poll(&X.tiny);

	if (!live) {
		X.held_a = 0;
		return;
	}
	X.live++;
	while (vob_tiny_pop(&X.tiny, 0, &ch) == 0) {
		uint32_t n = vob_tiny_pull(&ch, X.bufa, sizeof(X.bufa));
		unsigned k;

		X.pops++;
		check_chain_in(X.A, WIN, &ch);
		rec_add(&X.ra, ch.head | (uint64_t)ch.nseg[0] << 16 | (uint64_t)ch.nseg[1] << 24 |
				       (uint64_t)ch.len[0] << 32);
		rec_add(&X.ra, ch.len[1]);
		for (k = 0; k < (unsigned)ch.nseg[0] + ch.nseg[1]; k++)
			rec_add(&X.ra, (uint64_t)(ch.seg[k].base - X.A) | (uint64_t)ch.seg[k].len << 32);
		n = vob_tiny_put(&ch, X.bufa, n);
		rec_add(&X.ra, n);
		if (X.hold && !X.held_a) {
			X.held_a = 1;
			X.held++;
			X.hch_a = ch;
			X.hn_a = n;
			continue;
		}
		vob_tiny_push(&X.tiny, 0, &ch, n);
	}
	if (X.held_a == 2) {
		X.held_a = 0;
		if (vob_tiny_poll(&X.tiny))
			vob_tiny_push(&X.tiny, 0, &X.hch_a, X.hn_a);
	} else if (X.held_a) {
		X.held_a = 2;
	}
	vob_tiny_kick(&X.tiny, 0);
}

/* the scripted driver: every write goes to both windows */
static void w8(size_t off, uint8_t v)
{
	X.A[off] = X.B[off] = v;
}

static void w16(size_t off, uint16_t v)
{
	vob_put_le16(X.A + off, v);
	vob_put_le16(X.B + off, v);
}

static void w32(size_t off, uint32_t v)
{
	vob_put_le32(X.A + off, v);
	vob_put_le32(X.B + off, v);
}

static void w64(size_t off, uint64_t v)
{
	vob_put_le64(X.A + off, v);
	vob_put_le64(X.B + off, v);
}

static uint32_t r32(size_t off)
{
	return vob_get_le32(X.A + off);
}

static uint16_t r16(size_t off)
{
	return vob_get_le16(X.A + off);
}

/* The driver's header (side 0); @bad breaks one field of it. */
static void d_announce(uint32_t e, int bad)
{
	w32(HDR_EPOCH, 0);
	w32(HDR_MAGIC, VOB_TABLE_MAGIC);
	w16(HDR_VERSION, bad == 1 ? 1 : VOB_PROTOCOL_VERSION);
	w16(HDR_LINE, bad == 2 ? LINE / 2u : LINE);
	w16(HDR_NSLOTS, 1);
	w16(HDR_NQUEUES, bad == 3 ? NQ + 1u : NQ);
	w16(HDR_CONFIG_MAX, CFGMAX);
	w16(14, bad == 4 ? 7 : 0);
	w32(HDR_LAST_EPOCH, e);
	w32(HDR_EPOCH, e);
	X.drv_epoch = e;
	X.what = "announce";
}

/* A link address for a ring area: mostly good, sometimes not. */
static uint64_t rlink(void)
{
	switch (rnd() % 10u) {
	case 0:
		return BASE + (rnd() % TBL);           /* over the table */
	case 1:
		return BASE + WIN - 64u;               /* runs past the end */
	case 2:
		return rnd();                          /* anywhere */
	case 3:
		return BASE - 64u;
	case 4:
		return BASE + D_RING + 1u + rnd() % 63u; /* misaligned */
	case 5:
		return BASE + TBL - 64u;               /* the table's last line */
	default:
		return BASE + D_RING + (rnd() % 64u) * 64u;
	}
}

static void d_request(void)
{
	uint16_t st, cur = r16(T_DEV + DEV_STATUS);
	unsigned r = (unsigned)(rnd() % 100u);
	int good = X.calm || rnd() % 10u < 7u; /* the proper next step, right fields */
	size_t d = T_DRV, e = T_DRV + DRV_QUEUES;

	w32(d + DRV_EPOCH, good || rnd() % 20u ? X.drv_epoch : (uint32_t)(rnd() % 4u));
	w32(d + DRV_DEV_EPOCH, good || rnd() % 20u ? r32(T_DEV + DEV_EPOCH)
						  : r32(T_DEV + DEV_EPOCH) ^ 1u);
	w32(d + DRV_DEV_PUB, good || rnd() % 20u ? r32(T_DEV + DEV_PUB) : r32(T_DEV + DEV_PUB) + 1u);
	if (good)
		st = (cur & 192u) || r < 3u ? 0 : cur == 0 ? 1 : cur == 1 ? 3 : cur == 3 ? 11 : 15;
	else if (r < 15u)
		st = 0;
	else if (r < 30u)
		st = 1;
	else if (r < 45u)
		st = 3;
	else if (r < 60u)
		st = 11;
	else if (r < 80u)
		st = 15;
	else if (r < 85u)
		st = (uint16_t)(cur | 128u);
	else
		st = (uint16_t)rnd();
	w16(d + DRV_STATUS, st);
	w16(d + DRV_STATUS + 2u, (uint16_t)(good || rnd() % 10u ? 0 : rnd()));
	w32(d + DRV_FEATURES, good || rnd() % 8u ? 0 : 1u << (rnd() % 32u));
	w32(d + DRV_FEATURES + 4u, good || rnd() % 8u ? 1 : (uint32_t)rnd() & 7u);
	w32(d + DRV_FEATURES + 8u, good || rnd() % 10u ? 0 : 1u << (rnd() % 32u));
	w32(d + DRV_FEATURES + 12u, good || rnd() % 10u ? 0 : 1u);
	if ((st & 4u) && !(good && (cur & 4u)) && (good || rnd() % 3u)) {
		static const unsigned sz[] = { QSIZE, QSIZE, QSIZE, 8, 4, 2, 1, 0, 2 * QSIZE, 3, 12,
					       0xffff };

		X.pl_size = good && rnd() % 10u ? (unsigned)(QSIZE >> (rnd() % 5u))
						: sz[rnd() % 12u];
		if (good ? rnd() % 10u != 0 : rnd() % 4u != 0) {
			X.pl_desc = D_RING;
			X.pl_avail = D_RING + 16u * QSIZE;
			w64(e + DRVQ_DESC, BASE + X.pl_desc);
			w64(e + DRVQ_DRIVER, BASE + X.pl_avail);
			w64(e + DRVQ_DEVICE, BASE + D_RING + 32u * QSIZE);
		} else {
			uint64_t a[3];
			unsigned k;

			for (k = 0; k < 3; k++) {
				a[k] = rnd() % 3u ? BASE + D_RING + 64u * (rnd() % 32u) : rlink();
				w64(e + DRVQ_DESC + 8u * k, a[k]);
			}
			X.pl_desc = (size_t)(a[0] - BASE);
			X.pl_avail = (size_t)(a[1] - BASE);
		}
		w16(e + DRVQ_SIZE, (uint16_t)X.pl_size);
		w16(e + DRVQ_ENABLE, (uint16_t)(good || rnd() % 6u ? 1 : rnd() % 3u));
		X.avail_idx = (uint16_t)(rnd() % 4u ? 0 : rnd());
		w16(e + DRVQ_START, X.avail_idx);
		w16(e + DRVQ_START + 2u, (uint16_t)(good || rnd() % 10u ? 0 : rnd()));
		/* a fresh avail ring when it lies in the window */
		if (X.pl_avail < WIN - 64u && X.pl_avail >= TBL) {
			w16(X.pl_avail, 0);
			w16(X.pl_avail + 2u, X.avail_idx);
		}
	}
	w32(d + DRV_REQ, good || rnd() % 15u ? r32(d + DRV_REQ) + 1u
					      : r32(d + DRV_REQ) + (uint32_t)(rnd() % 2u));
	X.what = "request";
}

/* Up to 4 chains on the ring last placed, 1 in noise descriptors broken. */
static void d_chains(void)
{
	unsigned n = 1u + (unsigned)(rnd() % 4u), c, used = 0, mask = X.pl_size - 1u;

	X.what = "chains";
	if (!X.pl_size || X.pl_size > QSIZE || (X.pl_size & mask) || X.pl_desc > WIN ||
	    X.pl_avail > WIN || X.pl_desc + 16u * X.pl_size > WIN ||
	    X.pl_avail + 6u + 2u * X.pl_size > WIN)
		return;
	for (c = 0; c < n; c++) {
		unsigned len = 1u + (unsigned)(rnd() % (VOB_TINY_SEG_MAX + 1u)), k, r;
		uint16_t head = (uint16_t)(X.dc & mask), i = head, h;

		if (used + len > X.pl_size)
			break;
		used += len;
		X.dc = (uint16_t)(X.dc + len);
		for (k = 0; k < len; k++) {
			size_t dd = X.pl_desc + 16u * i;
			uint16_t next = (uint16_t)((i + 1u) & mask);
			uint16_t fl = (uint16_t)((k + 1u < len ? 1u : 0u) | (k >= len / 2u ? 2u : 0u));
			uint64_t addr = BASE + BUF_OFF + (rnd() % 64u) * 256u;
			uint32_t l = 1u + (uint32_t)(rnd() % 200u);

			switch (rnd() % X.noise) {
			case 0: fl ^= 4u; break;                      /* indirect */
			case 1: next = (uint16_t)rnd(); break;        /* out of range */
			case 2: next = head; break;                   /* a loop */
			case 3: addr = rlink(); break;
			case 4: l = (uint32_t)rnd(); break;
			case 5: l = 0; break;
			case 6: fl ^= 2u; break;                      /* direction */
			case 7: addr = BASE + WIN - l + rnd() % 3u; break; /* at the end */
			case 8: l = 0xffffffffu; break;
			case 9: next = (uint16_t)X.pl_size; break;    /* just out of range */
			case 10: next = (uint16_t)(X.pl_size - 1u); break;
			case 11: addr = BASE + (1ull << 32) + BUF_OFF; break; /* 4 GiB up */
			default: break;
			}
			w64(dd, addr);
			w32(dd + 8u, l);
			w16(dd + 12u, fl);
			w16(dd + 14u, next);
			i = (uint16_t)(next & mask);
		}
		r = (unsigned)(rnd() % (X.noise + 10u));
		h = r == 0 ? (uint16_t)rnd() : r == 1 ? (uint16_t)X.pl_size : r < 6u ? X.last_head
											  : head;
		w16(X.pl_avail + 4u + 2u * (X.avail_idx & mask), h);
		X.last_head = head;
		X.avail_idx++;
	}
	if (!(rnd() % X.noise))
		X.avail_idx = (uint16_t)(X.avail_idx + rnd() % 40u);
	w16(X.pl_avail, (uint16_t)(rnd() % 4u ? 0 : 1)); /* NO_INTERRUPT now and then */
	w16(X.pl_avail + 2u, X.avail_idx);
}

static void d_garbage(void)
{
	uint64_t r = rnd();
	size_t off = r % 3u ? (size_t)((r >> 8) % TBL) : (size_t)((r >> 8) % (WIN - 8u));
	unsigned k, len = 1u + (unsigned)((r >> 40) % 8u);

	for (k = 0; k < len && off + k < WIN; k++)
		w8(off + k, (uint8_t)rnd());
	X.what = "garbage";
}

static void d_compare(unsigned long step)
{
	size_t i;

	if (memcmp(X.A, X.B, WIN))
		for (i = 0; i < WIN && X.A[i] == X.B[i]; i++)
			;
	else
		i = WIN;
	if (i < WIN)
		fail_msg("step %lu (%s): windows differ first at byte %zu: tiny %02x, general %02x",
			 step, X.what, i, X.A[i], X.B[i]);
	for (i = 0; i < X.nloga && i < X.port.nlog && X.loga[i] == X.port.log[i]; i++)
		;
	if (i < X.nloga || i < X.port.nlog)
		fail_msg("step %lu (%s): doorbells differ first at #%zu of %u/%u: tiny %d, general %d",
			 step, X.what, i, X.nloga, X.port.nlog, i < X.nloga ? (int)X.loga[i] : -1,
			 i < X.port.nlog ? (int)X.port.log[i] : -1);
	for (i = 0; i < X.ra.n && i < X.rb.n && X.ra.v[i] == X.rb.v[i]; i++)
		;
	if (i < X.ra.n || i < X.rb.n)
		fail_msg("step %lu (%s): chains differ first at word %zu of %u/%u: tiny %#llx, "
			 "general %#llx", step, X.what, i, X.ra.n, X.rb.n,
			 (unsigned long long)(i < X.ra.n ? X.ra.v[i] : 0),
			 (unsigned long long)(i < X.rb.n ? X.rb.v[i] : 0));
}

static void differential(uint64_t seed, unsigned noise, unsigned long steps)
{
	struct vob_window_cfg w = { BASE, WIN, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };
	unsigned long step, nr = 0, fok = 0;

	rng_s = seed;
	X.noise = noise;
	X.pl_size = QSIZE;
	X.pl_desc = D_RING;
	X.pl_avail = D_RING + 16u * QSIZE;
	memset(X.A, 0, WIN);
	memset(X.B, 0, WIN);
	fake_port_init(&X.port);
	fake_port_add_region(&X.port, BASE, X.B, WIN);
	assert_int_equal(vob_link_init(&X.link, &fake_port_ops, &X.port, LINE), 0);
	assert_true(vob_link_add_window(&X.link, &w) >= 0);
	X.what = "start";
	d_start(0);
	d_compare(0);
	for (step = 1; step <= steps; step++) {
		/* storms (the whole mix) and calm phases (mostly chains on a
		 * live queue) of 1000 steps each */
		unsigned r = (unsigned)(rnd() % 1000u);

		X.calm = (int)((step / 1000u) & 1u);
		X.hold = !(rnd() % 8u);
		if (X.calm)
			r = r < 950u ? 300u + r % 600u : 20u + r % 230u;
		X.nloga = 0;
		X.port.nlog = 0;
		X.ra.n = X.rb.n = 0;
		if (r < 20u) {
			d_announce(rnd() % 3u ? X.drv_epoch + 1u : (uint32_t)(rnd() % 3u),
				   rnd() % 8u ? 0 : (int)(1u + rnd() % 4u));
		} else if (r < 250u) {
			d_request();
		} else if (r < 930u) {
			d_chains();
		} else if (r < 990u) {
			d_garbage();
		} else if (r < 995u) {
			memset(X.A, 0, rnd() % 2u ? TBL : 2u * HB);
			memcpy(X.B, X.A, TBL);
			X.what = "wipe";
		} else if (r < 998u) {
			d_start((uint32_t)rnd());
			X.what = "device restart";
		} else {
			/* both restart on memory that lost their header */
			uint32_t s = (uint32_t)rnd();

			memset(X.A + HB, 0, HB);
			memset(X.B + HB, 0, HB);
			d_start(s);
			X.what = "device restart on zeroed memory";
		}
		work_tiny();
		work_vob();
		if (r16(T_DEV + DEV_STATUS) & VOB_STATUS_NEEDS_RESET)
			nr++;
		if (r16(T_DEV + DEV_STATUS) & VOB_STATUS_FEATURES_OK)
			fok++;
		d_compare(step);
	}
	print_message("differential seed %llu noise %u: %lu steps identical; tiny live in %lu, "
		      "%lu chains popped, %lu held over a step, NEEDS_RESET shown in %lu steps, "
		      "FEATURES_OK in %lu\n",
		      (unsigned long long)seed, noise, steps, X.live, X.pops, X.held, nr, fok);
	/* the script reached every part */
	assert_true(X.pops > steps / 400u && X.held > steps / 4000u && nr > steps / 100u &&
		    fok > steps / 20u);
}

static int d_setup(void **state)
{
	(void)state;
	memset(&X, 0, sizeof(X));
	X.A = aligned_alloc(4096, WIN);
	X.B = aligned_alloc(4096, WIN);
	assert_non_null(X.A);
	assert_non_null(X.B);
	return 0;
}

static int d_teardown(void **state)
{
	(void)state;
	free(X.A);
	free(X.B);
	return 0;
}

#ifndef TINY_DIFF_STEPS
#define TINY_DIFF_STEPS 60000ul
#endif

static void test_differential(void **state)
{
	(void)state;
	differential(1, 300, TINY_DIFF_STEPS);
}

/* More broken descriptors, fewer good chains. */
static void test_differential_noisy(void **state)
{
	(void)state;
	differential(7, 40, TINY_DIFF_STEPS / 2u);
}

/* ---- each check of pop, with a driver written by hand ------------------- */

#define H_EPOCH 41u
#define H_RING 0x1000u
#define H_AVAIL (H_RING + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE))
#define H_USED (H_RING + VOB_SPLIT_USED_OFF(QSIZE, LINE))
#define H_BUF 0x4000u
#define ST_FOK (VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK)
#define ST_LIVE (ST_FOK | VOB_STATUS_DRIVER_OK)

static struct {
	uint32_t req;
	uint16_t avail;
	unsigned size;
} HD;

static uint8_t *hm(size_t off)
{
	return W.mem + off;
}

static void h_header(void)
{
	uint8_t *h = hm(0); /* the driver is side 0 */

	vob_put_le32(h + HDR_MAGIC, VOB_TABLE_MAGIC);
	vob_put_le16(h + HDR_VERSION, VOB_PROTOCOL_VERSION);
	vob_put_le16(h + HDR_LINE, LINE);
	vob_put_le16(h + HDR_NSLOTS, 1);
	vob_put_le16(h + HDR_NQUEUES, NQ);
	vob_put_le16(h + HDR_CONFIG_MAX, CFGMAX);
	vob_put_le32(h + HDR_EPOCH, H_EPOCH);
}

/* One request; returns the status the device acknowledged. */
static uint16_t h_request(uint16_t status, uint64_t features)
{
	uint8_t *d = hm(T_DRV);

	vob_put_le32(d + DRV_EPOCH, H_EPOCH);
	vob_put_le32(d + DRV_DEV_EPOCH, vob_get_le32(hm(T_DEV + DEV_EPOCH)));
	vob_put_le32(d + DRV_DEV_PUB, vob_get_le32(hm(T_DEV + DEV_PUB)));
	vob_put_le16(d + DRV_STATUS, status);
	vob_put_le64(d + DRV_FEATURES, features);
	vob_put_le64(d + DRV_FEATURES + 8, 0);
	vob_put_le32(d + DRV_REQ, ++HD.req);
	vob_tiny_poll(&W.tiny);
	assert_int_equal(vob_get_le32(hm(T_DEV + DEV_ACK)), HD.req);
	return vob_get_le16(hm(T_DEV + DEV_STATUS));
}

static void h_place(unsigned size, uint64_t desc, uint64_t avail, uint64_t used)
{
	uint8_t *e = hm(T_DRV + DRV_QUEUES);

	vob_put_le16(e + DRVQ_SIZE, (uint16_t)size);
	vob_put_le16(e + DRVQ_ENABLE, 1);
	vob_put_le16(e + DRVQ_START, 0);
	vob_put_le64(e + DRVQ_DESC, desc);
	vob_put_le64(e + DRVQ_DRIVER, avail);
	vob_put_le64(e + DRVQ_DEVICE, used);
}

/* Reset, then each step up to FEATURES_OK with VERSION_1. */
static void h_negotiate(void)
{
	assert_int_equal(h_request(0, 0), 0);
	assert_int_equal(h_request(1, 0), 1);
	assert_int_equal(h_request(3, 0), 3);
	assert_int_equal(h_request(ST_FOK, F(VERSION_1)), ST_FOK);
}

static void h_to_features_ok(void)
{
	tiny_start(1, 0);
	h_header();
	vob_tiny_poll(&W.tiny);
	h_negotiate();
}

/* Live with a ring of @size entries at H_RING. */
static void h_live(unsigned size)
{
	h_to_features_ok();
	HD.size = size;
	HD.avail = 0;
	h_place(size, BASE + H_RING, BASE + H_AVAIL, BASE + H_USED);
	assert_int_equal(h_request(ST_LIVE, F(VERSION_1)), ST_LIVE);
	assert_int_equal(vob_tiny_poll(&W.tiny), 1);
}

static void h_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = hm(H_RING + 16u * i);

	vob_put_le64(p, addr);
	vob_put_le32(p + 8, len);
	vob_put_le16(p + 12, flags);
	vob_put_le16(p + 14, next);
}

static void h_offer(uint16_t head)
{
	vob_put_le16(hm(H_AVAIL + 4u + 2u * (HD.avail & (HD.size - 1u))), head);
	vob_put_le16(hm(H_AVAIL + 2u), ++HD.avail);
}

#define NEXT 1u
#define WRITE 2u
#define INDIRECT 4u

/* A chain of @n descriptors from @first, each @len bytes of H_BUF, the
 * last @nw writable. */
static void h_chain(unsigned first, unsigned n, unsigned nw, uint32_t len)
{
	unsigned k;

	for (k = 0; k < n; k++)
		h_desc((first + k) & (HD.size - 1u), BASE + H_BUF + 256u * k, len,
		       (uint16_t)((k + 1u < n ? NEXT : 0u) | (k >= n - nw ? WRITE : 0u)),
		       (uint16_t)((first + k + 1u) & (HD.size - 1u)));
}

static void h_expect_broken(void)
{
	struct vob_tiny_chain c;

	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EPROTO);
	assert_true(vob_get_le16(hm(T_DEV + DEV_STATUS)) & VOB_STATUS_NEEDS_RESET);
	assert_int_equal(vob_tiny_poll(&W.tiny), 0);
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EIO);
}

static void h_expect_ok(struct vob_tiny_chain *c)
{
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, c), 0);
	check_chain_in(W.mem, W.size, c);
	assert_int_equal(vob_get_le16(hm(T_DEV + DEV_STATUS)), ST_LIVE);
}

/* The good chain first, pushed back; then the same with the fault. */
static void h_good_then(void)
{
	struct vob_tiny_chain c;

	h_expect_ok(&c);
	vob_tiny_push(&W.tiny, 0, &c, 0);
}

static void test_pop_good_chain(void **state)
{
	struct vob_tiny_chain c;
	uint8_t *used = hm(H_USED);

	(void)state;
	h_live(QSIZE);
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EAGAIN);
	/* readable 0 bytes, readable 5, writable 0, writable 8 */
	h_desc(0, BASE + H_BUF, 0, NEXT, 1);
	h_desc(1, BASE + H_BUF + 16u, 5, NEXT, 2);
	h_desc(2, BASE + H_BUF + 32u, 0, NEXT | WRITE, 3);
	h_desc(3, BASE + H_BUF + 48u, 8, WRITE, 0);
	memcpy(hm(H_BUF + 16u), "hello", 5);
	h_offer(0);
	h_expect_ok(&c);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.nseg[0], 1);
	assert_int_equal(c.nseg[1], 1);
	assert_int_equal(c.len[0], 5);
	assert_int_equal(c.len[1], 8);
	assert_ptr_equal(c.seg[0].base, hm(H_BUF + 16u));
	assert_ptr_equal(c.seg[1].base, hm(H_BUF + 48u));
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EAGAIN);
	{
		uint8_t b[16];

		assert_int_equal(vob_tiny_pull(&c, b, sizeof(b)), 5);
		assert_memory_equal(b, "hello", 5);
		assert_int_equal(vob_tiny_pull(&c, b, 2), 2);
		assert_int_equal(vob_tiny_put(&c, "0123456789", 10), 8);
		assert_memory_equal(hm(H_BUF + 48u), "01234567", 8);
	}
	/* more than the writable part is cut to it */
	vob_tiny_push(&W.tiny, 0, &c, 100);
	assert_int_equal(vob_get_le16(used + 2), 1);
	assert_int_equal(vob_get_le32(used + 4), 0);
	assert_int_equal(vob_get_le32(used + 8), 8);
	assert_int_equal(W.bells_q[0], 0);
	vob_tiny_kick(&W.tiny, 0);
	assert_int_equal(W.bells_q[0], 1);
	/* the same head again, now that it came back */
	h_offer(0);
	h_expect_ok(&c);
	vob_tiny_push(&W.tiny, 0, &c, 0);
	/* NO_INTERRUPT: no doorbell */
	vob_put_le16(hm(H_AVAIL), 1);
	vob_tiny_kick(&W.tiny, 0);
	assert_int_equal(W.bells_q[0], 1);
	assert_int_equal(vob_get_le16(used + 2), 2);
}

/* A loop: in a ring of 2 entries, 0 -> 1 -> 0. */
static void test_pop_loop(void **state)
{
	(void)state;
	h_live(2);
	h_desc(0, BASE + H_BUF, 4, NEXT, 1);
	h_desc(1, BASE + H_BUF, 4, 0, 0);
	h_offer(0);
	h_good_then();
	h_desc(1, BASE + H_BUF, 4, NEXT, 0);
	h_offer(0);
	h_expect_broken();
}

/* The avail index more than a ring ahead. */
static void test_pop_index_jump(void **state)
{
	struct vob_tiny_chain c;
	unsigned i;

	(void)state;
	h_live(QSIZE);
	for (i = 0; i < QSIZE; i++)
		h_desc(i, BASE + H_BUF, 4, 0, 0);
	/* a full ring is fine */
	for (i = 0; i < QSIZE; i++)
		h_offer((uint16_t)i);
	for (i = 0; i < QSIZE; i++) {
		h_expect_ok(&c);
		vob_tiny_push(&W.tiny, 0, &c, 0);
	}
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EAGAIN);
	HD.avail = (uint16_t)(HD.avail + QSIZE);
	h_offer(0); /* size + 1 ahead */
	h_expect_broken();
}

static void test_pop_head_out_of_range(void **state)
{
	(void)state;
	h_live(QSIZE);
	h_desc(QSIZE - 1u, BASE + H_BUF, 4, 0, 0);
	h_offer(QSIZE - 1u);
	h_good_then();
	h_offer(QSIZE);
	h_expect_broken();
}

static void test_pop_head_in_flight(void **state)
{
	struct vob_tiny_chain c;

	(void)state;
	h_live(QSIZE);
	h_desc(3, BASE + H_BUF, 4, 0, 0);
	h_desc(4, BASE + H_BUF, 4, 0, 0);
	h_offer(3);
	h_offer(4);
	h_expect_ok(&c);
	assert_int_equal(c.head, 3);
	h_expect_ok(&c);
	assert_int_equal(c.head, 4);
	vob_tiny_push(&W.tiny, 0, &c, 0);
	h_offer(4); /* back: fine */
	h_expect_ok(&c);
	h_offer(3); /* never pushed */
	h_expect_broken();
}

static void test_pop_next_out_of_range(void **state)
{
	(void)state;
	h_live(QSIZE);
	h_desc(0, BASE + H_BUF, 4, NEXT, QSIZE - 1u);
	h_desc(QSIZE - 1u, BASE + H_BUF, 4, 0, 0);
	h_offer(0);
	h_good_then();
	h_desc(0, BASE + H_BUF, 4, NEXT, QSIZE);
	h_offer(0);
	h_expect_broken();
}

static void test_pop_indirect(void **state)
{
	(void)state;
	h_live(QSIZE);
	h_chain(0, 2, 0, 16);
	h_offer(0);
	h_good_then();
	h_desc(1, BASE + H_BUF, 16, INDIRECT, 0);
	h_offer(0);
	h_expect_broken();
}

static void test_pop_readable_after_writable(void **state)
{
	(void)state;
	h_live(QSIZE);
	h_chain(0, 3, 2, 16);
	h_offer(0);
	h_good_then();
	h_desc(1, BASE + H_BUF, 16, NEXT | WRITE, 2);
	h_desc(2, BASE + H_BUF, 16, 0, 0);
	h_offer(0);
	h_expect_broken();
}

/* Buffer addresses: each bad one against a fresh device. */
static void pop_bad_address(uint64_t addr, uint32_t len, int good)
{
	struct vob_tiny_chain c;

	h_live(QSIZE);
	h_desc(0, BASE + H_BUF, 4, NEXT, 1);
	h_desc(1, addr, len, WRITE, 0);
	h_offer(0);
	if (good) {
		h_expect_ok(&c);
		assert_int_equal(c.len[1], len);
	} else {
		h_expect_broken();
	}
}

static void test_pop_address_outside(void **state)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
		int good;
	} t[] = {
		{ BASE + WIN - 16u, 16, 1 },  /* the last bytes */
		{ BASE, 16, 1 },              /* the first (over the table: buffers may be) */
		{ BASE + WIN - 16u, 17, 0 },  /* one past the end */
		{ BASE + WIN, 1, 0 },         /* just after */
		{ BASE + WIN + 64u, 16, 0 },  /* further after: the offset is past the length */
		{ BASE + 0x80000000u, 16, 0 },
		{ BASE - 1u, 1, 0 },          /* just before */
		{ BASE - 1u, 2, 0 },          /* across the start */
		{ BASE + (1ull << 32), 16, 0 }, /* 4 GiB up: the low word is inside */
		{ BASE + (1ull << 32) + WIN - 16u, 16, 0 },
		{ BASE - (1ull << 32), 16, 0 },
		{ BASE + 16u, 0xffffffffu, 0 }, /* wraps 32 bits */
		{ BASE + 16u, WIN, 0 },
		{ 0, 16, 0 },
		{ UINT64_MAX - 7u, 16, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("address %#llx len %u\n", (unsigned long long)t[i].addr, t[i].len);
		memset(W.mem, 0, WIN);
		memset(&HD, 0, sizeof(HD));
		pop_bad_address(t[i].addr, t[i].len, t[i].good);
	}
}

/* Two readable segments of 2 GiB: their total does not fit in 32 bits. The
 * window is 4 GiB less a page of address space reserved, not touched (pop
 * maps the segments, it does not read them). */
static void test_pop_total_overflow(void **state)
{
	uint8_t *mem = W.mem, *big;
	const size_t len = 0xfffff000u;

	(void)state;
	if (sizeof(void *) < 8)
		skip();
	big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (big == MAP_FAILED)
		skip();
	W.mem = big;
	W.size = (uint32_t)len;
	h_live(QSIZE);
	/* (segments may overlap) */
	h_desc(0, BASE + 0x10000u, 0x7fffffffu, NEXT, 1);
	h_desc(1, BASE + 0x10000u, 0x7fffffffu, NEXT, 2);
	h_desc(2, BASE + 0x10000u, 1, 0, 0);
	h_offer(0);
	h_good_then(); /* 0xffffffff in all: fits */
	h_desc(2, BASE + 0x10000u, 2, 0, 0);
	h_offer(0);
	h_expect_broken();
	munmap(big, len);
	W.mem = mem;
}

/* Every descriptor counts against VOB_TINY_SEG_MAX, zero-length ones too. */
static void test_pop_too_many_segments(void **state)
{
	struct vob_tiny_chain c;

	(void)state;
	if (QSIZE <= VOB_TINY_SEG_MAX)
		skip();
	h_live(QSIZE);
	h_chain(0, VOB_TINY_SEG_MAX, 1, 8);
	h_offer(0);
	h_expect_ok(&c);
	assert_int_equal(c.nseg[0] + c.nseg[1], VOB_TINY_SEG_MAX);
	vob_tiny_push(&W.tiny, 0, &c, 0);
	h_chain(0, VOB_TINY_SEG_MAX + 1u, 1, 8);
	h_offer(0);
	h_expect_broken();
}

static void test_pop_too_many_zero_length(void **state)
{
	unsigned k;

	(void)state;
	if (QSIZE <= VOB_TINY_SEG_MAX)
		skip();
	h_live(QSIZE);
	h_chain(0, VOB_TINY_SEG_MAX + 1u, 0, 8);
	for (k = 0; k < VOB_TINY_SEG_MAX; k++)
		vob_put_le32(hm(H_RING + 16u * k + 8u), 0);
	h_offer(0);
	h_expect_broken();
}

/* vob_tiny_needs_reset(): the device gives up; a reset brings it back. */
static void test_needs_reset_and_reset(void **state)
{
	struct vob_tiny_chain c;

	(void)state;
	h_live(QSIZE);
	vob_tiny_needs_reset(&W.tiny);
	assert_true(vob_get_le16(hm(T_DEV + DEV_STATUS)) & VOB_STATUS_NEEDS_RESET);
	assert_int_equal(vob_tiny_poll(&W.tiny), 0);
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EIO);
	/* the driver may not step further: still NEEDS_RESET */
	assert_true(h_request(ST_LIVE | VOB_STATUS_FAILED, F(VERSION_1)) & VOB_STATUS_NEEDS_RESET);
	assert_int_equal(h_request(0, 0), 0);
	assert_int_equal(h_request(1, 0), 1);
	assert_int_equal(h_request(3, 0), 3);
	assert_int_equal(h_request(ST_FOK, F(VERSION_1)), ST_FOK);
	HD.avail = 0;
	assert_int_equal(h_request(ST_LIVE, F(VERSION_1)), ST_LIVE);
	h_desc(0, BASE + H_BUF, 4, 0, 0);
	h_offer(0);
	h_expect_ok(&c);
}

/* Feature sets FEATURES_OK is refused for: not a subset of the offer, or
 * without VERSION_1. */
static void test_features_refused(void **state)
{
	static const uint64_t bad[2][2] = { { F(VERSION_1) | F(EVENT_IDX), 0 }, { 0, 0 } };
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t *d = hm(T_DRV);

		memset(W.mem, 0, WIN);
		memset(&HD, 0, sizeof(HD));
		tiny_start(1, 0);
		h_header();
		vob_tiny_poll(&W.tiny);
		assert_int_equal(h_request(0, 0), 0);
		assert_int_equal(h_request(1, 0), 1);
		assert_int_equal(h_request(3, 0), 3);
		/* the request by hand: word 1 of the features too */
		vob_put_le16(d + DRV_STATUS, ST_FOK);
		if (i < 2) {
			vob_put_le64(d + DRV_FEATURES, bad[i][0]);
			vob_put_le64(d + DRV_FEATURES + 8, bad[i][1]);
		} else {
			vob_put_le64(d + DRV_FEATURES, F(VERSION_1));
			vob_put_le64(d + DRV_FEATURES + 8, 1); /* bit 64 */
		}
		vob_put_le32(d + DRV_REQ, ++HD.req);
		vob_tiny_poll(&W.tiny);
		assert_int_equal(vob_get_le32(hm(T_DEV + DEV_ACK)), HD.req);
		assert_int_equal(vob_get_le16(hm(T_DEV + DEV_STATUS)), 3);
	}
}

/* Placements DRIVER_OK is answered with NEEDS_RESET for. */
static void test_bad_placement(void **state)
{
	static const struct {
		unsigned size;
		uint64_t desc, avail, used;
	} t[] = {
		{ QSIZE * 2u, BASE + H_RING, BASE + H_RING + 2048u, BASE + H_RING + 4096u },
		{ 3, BASE + H_RING, BASE + H_AVAIL, BASE + H_USED },
		{ 0, BASE + H_RING, BASE + H_AVAIL, BASE + H_USED },
		{ QSIZE, BASE + H_RING + 8u, BASE + H_AVAIL, BASE + H_USED },
		{ QSIZE, BASE + H_RING, BASE + H_AVAIL + 2u, BASE + H_USED },
		{ QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + H_USED + 4u },
		{ QSIZE, BASE, BASE + H_AVAIL, BASE + H_USED },          /* over the table */
		{ QSIZE, BASE + H_RING, BASE + TBL - LINE, BASE + H_USED },
		{ QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + WIN - LINE }, /* past the end */
		{ QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + WIN },
		{ QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + WIN + 4096u },
		{ QSIZE, BASE + WIN + 4096u, BASE + H_AVAIL, BASE + H_USED },
		{ QSIZE, BASE - 4096u, BASE + H_AVAIL, BASE + H_USED },
		{ QSIZE, BASE + H_RING + (1ull << 32), BASE + H_AVAIL, BASE + H_USED },
	};
	unsigned i;

	(void)state;
	for (i = 0; i <= sizeof(t) / sizeof(t[0]); i++) {
		memset(W.mem, 0, WIN);
		memset(&HD, 0, sizeof(HD));
		h_to_features_ok();
		if (i == sizeof(t) / sizeof(t[0])) { /* the control: a good one */
			h_place(QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + H_USED);
			assert_int_equal(h_request(ST_LIVE, F(VERSION_1)), ST_LIVE);
			break;
		}
		print_message("placement %u\n", i);
		h_place(t[i].size, t[i].desc, t[i].avail, t[i].used);
		/* DRIVER_OK not taken */
		assert_int_equal(h_request(ST_LIVE, F(VERSION_1)),
				 ST_FOK | VOB_STATUS_NEEDS_RESET);
		assert_int_equal(vob_tiny_poll(&W.tiny), 0);
	}
}

/* 65536 pushes without a kick, the driver asking for no interrupts: the
 * kick still rings (the used index came round to the same value). */
static void test_kick_after_lap(void **state)
{
	struct vob_tiny_chain c;
	unsigned long i;

	(void)state;
	h_live(QSIZE);
	h_desc(0, BASE + H_BUF, 4, 0, 0);
	vob_put_le16(hm(H_AVAIL), 1); /* NO_INTERRUPT */
	for (i = 0; i < 65536ul; i++) {
		h_offer(0);
		assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), 0);
		vob_tiny_push(&W.tiny, 0, &c, 0);
	}
	assert_int_equal(vob_get_le16(hm(H_USED + 2)), 0);
	vob_put_le16(hm(H_AVAIL), 0);
	vob_tiny_kick(&W.tiny, 0);
	assert_int_equal(W.bells_q[0], 1);
	vob_tiny_kick(&W.tiny, 0); /* nothing new */
	assert_int_equal(W.bells_q[0], 1);
}

/* Live, and one chain of one 4-byte writable buffer popped into @c, held
 * by the application. */
static void h_hold(struct vob_tiny_chain *c)
{
	h_live(QSIZE);
	h_desc(0, BASE + H_BUF, 4, WRITE, 0);
	h_offer(0);
	h_expect_ok(c);
}

/* Push @c, a chain of an earlier queue start: nothing written, the used
 * ring as the new start left it (index 0, first entry clear). */
static void h_push_stale(const struct vob_tiny_chain *c)
{
	vob_tiny_push(&W.tiny, 0, c, 4);
	assert_int_equal(vob_get_le16(hm(H_USED + 2u)), 0);
	assert_int_equal(vob_get_le32(hm(H_USED + 4u)), 0);
}

/* The driver's side restarts and asks for DRIVER_OK again, and one poll
 * takes both: it says 1 before and after. A chain the application held
 * from the old rings must not be pushed into the new ones (before the fix
 * its push tripped VOB_ASSERT, or completed a chain of the new ring); the
 * new session then runs as usual, the same head popped again. */
static void test_restart_in_one_poll(void **state)
{
	struct vob_tiny_chain old, c;
	uint8_t *d = hm(T_DRV);

	(void)state;
	h_hold(&old); /* held by the application */
	vob_put_le32(hm(HDR_EPOCH), H_EPOCH + 1u);
	vob_put_le32(d + DRV_EPOCH, H_EPOCH + 1u);
	vob_put_le16(d + DRV_STATUS, ST_LIVE);
	vob_put_le32(d + DRV_REQ, ++HD.req);
	/* the new rings start where the driver says: at 0 again */
	HD.avail = 0;
	vob_put_le16(hm(H_AVAIL + 2u), 0);
	assert_int_equal(vob_tiny_poll(&W.tiny), 1);
	assert_int_equal(vob_get_le32(hm(T_DEV + DEV_ACK)), HD.req);
	h_push_stale(&old);
	h_offer(0);
	h_expect_ok(&c);
	assert_int_equal(c.head, 0);
	vob_tiny_push(&W.tiny, 0, &c, 3);
	assert_int_equal(vob_get_le16(hm(H_USED + 2u)), 1);
	assert_int_equal(vob_get_le32(hm(H_USED + 8u)), 3);
}

/* A chain held across vob_tiny_shutdown() and vob_tiny_init(): the new
 * session's queue starts must not match the old one's (before the fix both
 * counted from 0, and the old chain was completed in the new ring). */
static void test_held_across_reinit(void **state)
{
	struct vob_tiny_chain old;

	(void)state;
	h_hold(&old);
	vob_tiny_shutdown(&W.tiny);
	vob_put_le16(hm(H_AVAIL + 2u), 0);
	h_live(QSIZE); /* vob_tiny_init() again, negotiated again */
	h_push_stale(&old);
}

/* After vob_tiny_shutdown() the queues are stopped at once. */
static void test_shutdown_stops_queues(void **state)
{
	struct vob_tiny_chain c;

	(void)state;
	h_hold(&c);
	vob_tiny_shutdown(&W.tiny);
	h_push_stale(&c);
	h_offer(0);
	assert_int_equal(vob_tiny_pop(&W.tiny, 0, &c), VOB_EIO);
}

/* A chain held while the driver resets the device and places a used ring
 * outside the window: the placement is refused (NEEDS_RESET) and the push
 * of the held chain writes nothing (nor computes a place in no ring). */
static void test_held_across_refused_placement(void **state)
{
	struct vob_tiny_chain old;

	(void)state;
	h_hold(&old);
	h_negotiate();
	h_place(QSIZE, BASE + H_RING, BASE + H_AVAIL, BASE + WIN);
	assert_int_equal(h_request(ST_LIVE, F(VERSION_1)), ST_FOK | VOB_STATUS_NEEDS_RESET);
	h_push_stale(&old);
}

/* A caller built with other VOB_TINY_* switches than the library. */
static void test_init_abi(void **state)
{
	struct vob_tiny_cfg c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.window = W.mem;
	c.link_addr = BASE;
	c.size = W.size;
	c.side = 1;
	assert_int_equal(vob_tiny_init_abi(&W.tiny, &c, VOB_TINY_ABI + 4u), VOB_EINVAL);
	assert_int_equal(vob_tiny_init_abi(&W.tiny, &c, VOB_TINY_ABI + (8u << 16)), VOB_EINVAL);
	assert_int_equal(vob_tiny_init(&W.tiny, &c), 0);
}

/* vob_tiny_peer() follows the driver's side header; vob_tiny_shutdown()
 * leaves the table so that the driver resets the device, and the next
 * vob_tiny_init() on that memory takes a new epoch. */
static void test_peer_and_shutdown(void **state)
{
	uint32_t e;

	(void)state;
	up(5, 6);
	assert_int_equal(vob_tiny_peer(&W.tiny), 1);
	e = tiny_epoch();
	vob_tiny_shutdown(&W.tiny);
	assert_int_equal(tiny_epoch(), 0);
	assert_true(vob_dev_poll(&W.drv) >= 0);
	assert_int_not_equal(vob_dev_state(&W.drv), VOB_DEV_LIVE);
	tiny_start(5, TINY_F);
	assert_true(tiny_epoch() > e);
	run_until(W.done + 100, "after the shutdown");
	vob_table_shutdown(&W.t);
	vob_tiny_poll(&W.tiny);
	assert_int_equal(vob_tiny_peer(&W.tiny), 0);
	assert_int_equal(vob_tiny_poll(&W.tiny), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_reset_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiny_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_wipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_side_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differential, d_setup, d_teardown),
		cmocka_unit_test_setup_teardown(test_differential_noisy, d_setup, d_teardown),
		cmocka_unit_test_setup_teardown(test_pop_good_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_index_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_head_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_head_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_next_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_readable_after_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_address_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_total_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_too_many_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pop_too_many_zero_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_after_lap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_in_one_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_and_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_across_reinit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_stops_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_across_refused_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_abi, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

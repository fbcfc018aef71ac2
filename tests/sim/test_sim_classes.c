/* SPDX-License-Identifier: BSD-3-Clause */
/* The device classes over the simulated link (class_world on ports/sim), in
 * one memory mode (SIM_MODE, set by CMake). Per seed: the line size, one
 * window (owned by either side or nobody) or two with reader-local
 * placement, the eviction and refill rates, the doorbell delay and
 * coalescing, how often cache events run and doorbells arrive between
 * polls, and the order the two sides are polled in; then, per class pair:
 * - console: a byte stream each way on every port at once (one port, or
 *   multiport with two or three), random write and read sizes;
 * - net: frames both ways, random lengths up to the MTU, with mergeable
 *   receive buffers (frames over several buffers) or without, offload
 *   headers carried through;
 * - blk: random reads, writes, flushes, discards, write zeroes and get_id
 *   against a mirror of the disk;
 * every byte checked end to end. Then a hostile driver, built from the
 * public table and virtqueue API, sends each class device malformed chains
 * between good ones (short or missing headers, wrong segment directions,
 * sectors out of range, oversized frames): each gets the class's error
 * status or is dropped and counted, the good ones still arrive intact, and
 * the device never breaks. A failure prints "FAIL seed=..." and a replay
 * line; VOB_SIM_SEEDS sets the count, VOB_SIM_SEED replays one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "class_world.h"
#include "harness.h"
#include "vob/blk.h"
#include "vob/console.h"
#include "vob/net.h"

#ifndef SIM_MODE
#define SIM_MODE VOB_MEM_CACHED
#endif
#ifndef SIM_SEEDS
#define SIM_SEEDS 40u /* per class */
#endif

#define MAX_POLLS 20000u
#define RAWQ 16u

struct run {
	struct class_world w;
	uint64_t seed, rng;
	uint32_t dev_pct; /* chance the device side is the one polled */
	char why[320];
	char what[160]; /* what a passing run moved (VOB_SIM_VERBOSE) */
};

static const char *prog = "";

#define CHECK(r, cond, ...)                                                            \
	do {                                                                           \
		if (!(cond)) {                                                         \
			int o_ = snprintf((r)->why, sizeof((r)->why), "%s:%d: %s: ",   \
					  __FILE__, __LINE__, #cond);                  \
			snprintf((r)->why + o_, sizeof((r)->why) - (size_t)o_, __VA_ARGS__); \
			return -1;                                                     \
		}                                                                      \
	} while (0)
/* The same in a scenario, which frees its world at "out". */
#define CHECK_OUT(r, cond, ...)                                                        \
	do {                                                                           \
		if (!(cond)) {                                                         \
			int o_ = snprintf((r)->why, sizeof((r)->why), "%s:%d: %s: ",   \
					  __FILE__, __LINE__, #cond);                  \
			snprintf((r)->why + o_, sizeof((r)->why) - (size_t)o_, __VA_ARGS__); \
			goto out;                                                      \
		}                                                                      \
	} while (0)
#define TRY(x)                                                                         \
	do {                                                                           \
		if ((x) < 0)                                                           \
			return -1;                                                     \
	} while (0)

static uint32_t rnd(struct run *r, uint32_t n)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return n ? (uint32_t)(z % n) : 0;
}

/* The byte at offset @off of stream @id: what the receiver must see. */
static uint8_t pattern(uint64_t seed, uint32_t id, uint64_t off)
{
	uint64_t z = seed * 0x2545f4914f6cdd1dull + id * 0x9e3779b97f4a7c15ull + off;

	z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ull;
	return (uint8_t)(z >> 56);
}

static void fill(uint8_t *p, size_t n, uint64_t seed, uint32_t id, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = pattern(seed, id, off + i);
}

/* The world a seed draws. */
static int world_up(struct run *r, uint16_t nqueues, uint16_t config_max, size_t data)
{
	static const uint32_t lines[] = { 32, 64, 128, 256 };
	static const uint32_t rate[] = { 0, 20, 150, 500, 1000 };
	struct cw_backing b;
	int err;

	memset(&b, 0, sizeof(b));
	b.sim = true;
	b.sc.seed = r->seed;
	b.sc.mode = SIM_MODE;
	b.sc.line = lines[rnd(r, 4)];
	b.sc.pass_permille = 1000;
	b.sc.evict_permille = rate[rnd(r, 5)];
	b.sc.refill_permille = rate[rnd(r, 5)];
	b.sc.bell_delay_max = rnd(r, 6);
	b.sc.coalesce_pct = rnd(r, 2) * 60u;
	b.nwin = (uint8_t)(1u + rnd(r, 2));
	b.owner = (int)rnd(r, 3);
	b.cache_pct = 5u + rnd(r, 40);
	b.bell_pct = 20u + rnd(r, 81);
	r->dev_pct = 25u + rnd(r, 51);
	cw_set_backing(&b);
	err = cw_init(&r->w, 1, nqueues, config_max, data);
	cw_set_backing(NULL);
	CHECK(r, err == 0, "world: %d", err);
	return 0;
}

/* Ring memory for a class driver: both arenas, sized for @nq rings. */
static int arenas(struct run *r, uint16_t nq, uint16_t qsize, struct vob_arena *dev,
		  struct vob_arena *drv)
{
	size_t ring = nq * (VOB_SPLIT_RING_BYTES(qsize, r->w.line) + 4u * r->w.line);

	dev->addr = cw_alloc(&r->w, ring);
	dev->len = ring;
	if (r->w.len_drv) {
		drv->addr = cw_alloc_drv(&r->w, ring);
		drv->len = ring;
	} else {
		*drv = *dev; /* one arena, carved once */
	}
	CHECK(r, dev->addr && drv->addr, "no room for rings");
	return 0;
}

static unsigned line_up(const struct run *r, unsigned n)
{
	return (n + r->w.line - 1u) / r->w.line * r->w.line;
}

/* ---- a raw driver: a table driver whose queues the test drives ------------ */

struct raw {
	struct vob_dev dev;
	struct vob_dev_queue q[2];
	struct vob_vq vq[2];
	uint64_t state[2][VOB_VQ_STATE_SIZE(RAWQ, 0) / 8];
	unsigned lost;
};

static void raw_lost(void *arg, uint16_t q, void *token)
{
	struct raw *w = arg;

	(void)q;
	(void)token;
	w->lost++;
}

static int raw_init(struct run *r, struct raw *w, uint16_t nq, uint64_t features)
{
	struct vob_dev_cfg c;
	uint16_t q;

	memset(w, 0, sizeof(*w));
	memset(&c, 0, sizeof(c));
	for (q = 0; q < nq; q++) {
		w->q[q].vq = &w->vq[q];
		w->q[q].state = w->state[q];
		w->q[q].state_len = sizeof(w->state[q]);
		CHECK(r, cw_place(&r->w, &w->q[q], RAWQ) == 0, "place raw queue %u", q);
	}
	c.role = VOB_ROLE_DRIVER;
	c.num_queues = nq;
	c.queues = w->q;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | features;
	c.on_lost = raw_lost;
	c.arg = w;
	CHECK(r, vob_dev_init(&w->dev, &r->w.drv.t, &c) == 0, "raw driver init");
	return 0;
}

/* A buffer for a raw chain, on lines of its own: readable ones in the
 * device's memory, writable ones in the driver's. */
static uint64_t raw_buf(struct run *r, uint32_t len, bool writable)
{
	size_t n = line_up(r, len ? len : 1u);

	return writable ? cw_alloc_drv(&r->w, n) : cw_alloc(&r->w, n);
}

/* One segment of a raw chain: its length and direction, and for a readable
 * one the bytes (NULL: zeros). */
struct rseg {
	uint32_t len;
	bool wr;
	const uint8_t *data;
};

/* A raw chain in flight: where its segments are, and what the test expects. */
struct rchain {
	bool busy;
	uint8_t kind;
	uint8_t nseg;
	uint64_t addr[4];
	uint32_t len[4];
	uint32_t aux, aux2;
};

/* Add a chain of @n segments (readable ones first) to raw queue @q. */
static int raw_add(struct run *r, struct raw *w, uint16_t q, struct rchain *c,
		   const struct rseg *sg, unsigned n)
{
	struct vob_seg segs[4];
	unsigned i, nout = 0;
	int err;

	CHECK(r, n >= 1 && n <= 4, "bad raw chain");
	for (i = 0; i < n; i++) {
		uint8_t *p;

		segs[i].addr = c->addr[i] = raw_buf(r, sg[i].len, sg[i].wr);
		segs[i].len = c->len[i] = sg[i].len;
		CHECK(r, segs[i].addr != 0, "no room for a raw buffer");
		p = cw_ptr(&r->w, segs[i].addr);
		if (sg[i].wr) {
			memset(p, 0xee, sg[i].len);
		} else {
			CHECK(r, nout == i, "readable segments come first");
			nout++;
			if (sg[i].data)
				memcpy(p, sg[i].data, sg[i].len);
			else
				memset(p, 0, sg[i].len);
		}
	}
	c->nseg = (uint8_t)n;
	err = vob_vq_add(&w->vq[q], segs, nout, n - nout, c);
	CHECK(r, err == 0, "raw add on queue %u: %d", q, err);
	c->busy = true;
	(void)vob_vq_kick(&w->vq[q]);
	return 0;
}

/* The next chain the device gave back on raw queue @q, or NULL. */
static int raw_used(struct run *r, struct raw *w, uint16_t q, struct rchain **c, uint32_t *len)
{
	void *tok;
	int err = vob_vq_get_used(&w->vq[q], &tok, len);

	*c = NULL;
	if (err == VOB_EAGAIN)
		return 0;
	CHECK(r, err == 0, "raw get_used on queue %u: %d", q, err);
	*c = tok;
	CHECK(r, (*c)->busy, "a chain came back twice");
	(*c)->busy = false;
	return 0;
}

/* The bytes of segment @i of a chain the device gave back (driver's view). */
static const uint8_t *raw_seg(struct run *r, const struct rchain *c, unsigned i)
{
	(void)r;
	return cw_ptr(&r->w, c->addr[i]);
}

/* Poll the class device (through @poll) or the raw driver. */
static int raw_pump(struct run *r, struct raw *w, int (*poll)(void *), void *dev, unsigned k)
{
	unsigned i;

	for (i = 0; i < k; i++) {
		int e;

		cw_step(&r->w);
		if (rnd(r, 100) < r->dev_pct) {
			e = poll(dev);
			CHECK(r, e >= 0, "device poll: %d", e);
			CHECK(r, !(e & VOB_DEV_EV_NEEDS_RESET), "the device broke");
		} else {
			e = vob_dev_poll(&w->dev);
			CHECK(r, e >= 0, "raw driver poll: %d", e);
		}
	}
	return 0;
}

static int raw_bring_up(struct run *r, struct raw *w, int (*poll)(void *), void *dev,
			const struct vob_dev *d)
{
	unsigned i;

	for (i = 0; i < MAX_POLLS; i++) {
		if (vob_dev_state(d) == VOB_DEV_LIVE && vob_dev_state(&w->dev) == VOB_DEV_LIVE)
			return 0;
		TRY(raw_pump(r, w, poll, dev, 1));
	}
	CHECK(r, false, "not up: device %d raw driver %d", vob_dev_state(d), vob_dev_state(&w->dev));
	return -1;
}

/* ---- console ---------------------------------------------------------------- */

struct con {
	struct run *r;
	struct vob_console_dev d;
	struct vob_console_drv v;
	uint16_t ports;
	uint64_t sent[2][VOB_CONSOLE_MAX_PORTS], recv[2][VOB_CONSOLE_MAX_PORTS];
};

static int con_poll(struct con *c, unsigned n)
{
	struct run *r = c->r;
	unsigned i;

	for (i = 0; i < n; i++) {
		int e;

		cw_step(&r->w);
		if (rnd(r, 100) < r->dev_pct) {
			e = vob_console_dev_poll(&c->d);
			CHECK(r, e >= 0, "console device poll: %d", e);
		} else {
			e = vob_console_drv_poll(&c->v);
			CHECK(r, e >= 0, "console driver poll: %d", e);
		}
	}
	return 0;
}

/* One direction of one port: write what fits, read what came. @dir 0:
 * driver to device; 1: device to driver. */
static int con_move(struct con *c, unsigned dir, uint16_t p, uint64_t total)
{
	struct run *r = c->r;
	uint8_t buf[700];
	uint32_t id = dir * 16u + p;
	int n;

	if (c->sent[dir][p] < total) {
		size_t len = 1u + rnd(r, sizeof(buf));

		if (len > total - c->sent[dir][p])
			len = (size_t)(total - c->sent[dir][p]);
		fill(buf, len, r->seed, id, c->sent[dir][p]);
		n = dir ? vob_console_dev_write(&c->d, p, buf, len)
			: vob_console_drv_write(&c->v, p, buf, len);
		CHECK(r, n == VOB_EAGAIN || (n > 0 && (size_t)n <= len),
		      "port %u dir %u: write of %zu: %d", p, dir, len, n);
		if (n > 0)
			c->sent[dir][p] += (uint64_t)n;
	}
	n = dir ? vob_console_drv_read(&c->v, p, buf, 1u + rnd(r, sizeof(buf)))
		: vob_console_dev_read(&c->d, p, buf, 1u + rnd(r, sizeof(buf)));
	CHECK(r, n == VOB_EAGAIN || n > 0, "port %u dir %u: read: %d", p, dir, n);
	if (n > 0) {
		int i;

		CHECK(r, c->recv[dir][p] + (uint64_t)n <= c->sent[dir][p],
		      "port %u dir %u: %d bytes more than were written", p, dir, n);
		for (i = 0; i < n; i++)
			CHECK(r, buf[i] == pattern(r->seed, id, c->recv[dir][p] + (uint64_t)i),
			      "port %u dir %u: byte %llu differs (stale line?)", p, dir,
			      (unsigned long long)(c->recv[dir][p] + (uint64_t)i));
		c->recv[dir][p] += (uint64_t)n;
	}
	return 0;
}

static int con_scenario(struct run *r)
{
	struct con *c = calloc(1, sizeof(*c));
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg vc;
	uint64_t total;
	unsigned i, spins = 0;
	uint16_t p;
	bool done = false;
	int err = -1;

	if (!c)
		return -1;
	c->r = r;
	if (world_up(r, VOB_CONSOLE_MAX_QUEUES, 16, 256u * 1024u))
		goto out;
	memset(&dc, 0, sizeof(dc));
	memset(&vc, 0, sizeof(vc));
	c->ports = rnd(r, 2) ? 1u : (uint16_t)(2u + rnd(r, 2));
	dc.nr_ports = c->ports;
	dc.multiport = c->ports > 1;
	dc.open_mask = 0xf;
	dc.queue_size = (uint16_t)(8u << rnd(r, 4));
	vc.nr_ports = c->ports;
	vc.multiport = c->ports > 1;
	vc.buf_size = line_up(r, 16u + rnd(r, 300));
	vc.buf_count = (uint16_t)(c->ports * 10u + 8u + rnd(r, 40));
	vc.rx_bufs = (uint16_t)(1u + rnd(r, 6));
	if (arenas(r, VOB_CONSOLE_MAX_QUEUES, VOB_CONSOLE_QSIZE, &vc.dev_mem, &vc.drv_mem))
		goto out;
	vc.pool_addr = cw_alloc_drv(&r->w, (size_t)vc.buf_size * vc.buf_count);
	CHECK_OUT(r, vc.pool_addr != 0, "no room for the pool");
	err = -1;
	if (rnd(r, 2)) {
		CHECK_OUT(r, vob_console_dev_init(&c->d, &r->w.dev.t, &dc) == 0, "device init");
		CHECK_OUT(r, vob_console_drv_init(&c->v, &r->w.drv.t, &vc) == 0, "driver init");
	} else {
		CHECK_OUT(r, vob_console_drv_init(&c->v, &r->w.drv.t, &vc) == 0, "driver init");
		CHECK_OUT(r, vob_console_dev_init(&c->d, &r->w.dev.t, &dc) == 0, "device init");
	}
	for (i = 0; i < MAX_POLLS && !done; i++) {
		if (con_poll(c, 1))
			goto out;
		done = vob_dev_state(&c->d.dev) == VOB_DEV_LIVE &&
		       vob_dev_state(&c->v.dev) == VOB_DEV_LIVE;
		for (p = 0; done && p < c->ports; p++) {
			int st = vob_console_drv_port_status(&c->v, p);

			if (c->ports > 1 && (st & VOB_CONSOLE_PORT_ADDED) &&
			    !(st & VOB_CONSOLE_PORT_GUEST_OPEN))
				(void)vob_console_drv_port_open(&c->v, p, true);
			done = (vob_console_dev_port_status(&c->d, p) &
				(VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN)) ==
			       (VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN);
		}
	}
	CHECK_OUT(r, done, "console not up: device %d driver %d", vob_dev_state(&c->d.dev),
		  vob_dev_state(&c->v.dev));
	total = 2000u + rnd(r, 6000);
	for (done = false; !done;) {
		done = true;
		for (p = 0; p < c->ports; p++) {
			unsigned dir;

			for (dir = 0; dir < 2; dir++) {
				if (con_move(c, dir, p, total))
					goto out;
				done = done && c->recv[dir][p] == total;
			}
		}
		if (con_poll(c, 1 + rnd(r, 3)))
			goto out;
		CHECK_OUT(r, ++spins < 200000u, "console stream stalls");
	}
	snprintf(r->what, sizeof(r->what), "%u port(s), %llu bytes each way per port", c->ports,
		 (unsigned long long)total);
	CHECK_OUT(r, vob_console_dev_stats(&c->d)->bad_chains == 0, "bad chains counted");
	CHECK_OUT(r, vob_console_drv_stats(&c->v)->ring_errors == 0, "ring errors counted");
	err = 0;
out:
	cw_free(&r->w);
	free(c);
	return err;
}

/* ---- net -------------------------------------------------------------------- */

#define NET_FRAMES 160u

struct net {
	struct run *r;
	struct vob_net_dev d;
	struct vob_net_drv v;
	bool csum;
	unsigned total;
	unsigned sent[2], recv[2];
	uint16_t len[2][NET_FRAMES];
	uint16_t csum_start[2][NET_FRAMES]; /* 0: no offload header */
	unsigned multi; /* frames the driver got over more than one buffer */
};

static int net_poll(struct net *n, unsigned k)
{
	struct run *r = n->r;
	unsigned i;

	for (i = 0; i < k; i++) {
		int e;

		cw_step(&r->w);
		if (rnd(r, 100) < r->dev_pct) {
			e = vob_net_dev_poll(&n->d);
			CHECK(r, e >= 0, "net device poll: %d", e);
		} else {
			e = vob_net_drv_poll(&n->v);
			CHECK(r, e >= 0, "net driver poll: %d", e);
		}
	}
	return 0;
}

/* One frame each way if it fits, then whatever arrived. @dir 0: driver to
 * device; 1: device to driver. */
static int net_move(struct net *n, unsigned dir)
{
	static uint8_t buf[VOB_NET_GSO_MAX_FRAME];
	struct run *r = n->r;
	struct vob_net_hdr_info h, got;
	unsigned i = n->sent[dir];
	int e;

	if (i < n->total) {
		memset(&h, 0, sizeof(h));
		h.hdr_len = (uint16_t)(n->len[dir][i] / 2u);
		if (n->csum_start[dir][i]) {
			h.flags = VOB_NET_HDR_F_NEEDS_CSUM;
			h.csum_start = n->csum_start[dir][i];
			h.csum_offset = 2;
		}
		fill(buf, n->len[dir][i], r->seed, dir, (uint64_t)i << 16);
		e = dir ? vob_net_dev_send(&n->d, &h, buf, n->len[dir][i])
			: vob_net_drv_send(&n->v, &h, buf, n->len[dir][i]);
		CHECK(r, e == 0 || e == VOB_EAGAIN, "dir %u frame %u (%u bytes): send %d", dir, i,
		      n->len[dir][i], e);
		if (!e)
			n->sent[dir]++;
	}
	i = n->recv[dir];
	memset(&got, 0xee, sizeof(got));
	e = dir ? vob_net_drv_recv(&n->v, buf, sizeof(buf), &got)
		: vob_net_dev_recv(&n->d, buf, sizeof(buf), &got);
	if (e == VOB_EAGAIN)
		return 0;
	CHECK(r, e > 0, "dir %u: recv %d", dir, e);
	CHECK(r, i < n->sent[dir], "dir %u: a frame nobody sent (%d bytes)", dir, e);
	CHECK(r, (unsigned)e == n->len[dir][i], "dir %u frame %u: %d bytes, want %u", dir, i, e,
	      n->len[dir][i]);
	{
		uint32_t k;

		for (k = 0; k < (uint32_t)e; k++)
			CHECK(r, buf[k] == pattern(r->seed, dir, ((uint64_t)i << 16) + k),
			      "dir %u frame %u: byte %u differs (stale line?)", dir, i, k);
	}
	CHECK(r, got.hdr_len == n->len[dir][i] / 2u, "dir %u frame %u: hdr_len %u", dir, i,
	      got.hdr_len);
	if (n->csum_start[dir][i])
		CHECK(r, got.flags == VOB_NET_HDR_F_NEEDS_CSUM &&
				 got.csum_start == n->csum_start[dir][i] && got.csum_offset == 2,
		      "dir %u frame %u: offload header lost (flags %u start %u)", dir, i, got.flags,
		      got.csum_start);
	else
		CHECK(r, got.flags == 0, "dir %u frame %u: flags %u", dir, i, got.flags);
	if (dir && got.num_buffers > 1)
		n->multi++;
	n->recv[dir]++;
	return 0;
}

static int net_scenario(struct run *r)
{
	struct net *n = calloc(1, sizeof(*n));
	struct vob_net_dev_cfg dc;
	struct vob_net_drv_cfg vc;
	bool mrg = rnd(r, 3) != 0, done = false;
	unsigned i, dir, spins = 0;
	uint32_t max[2];
	int err = -1;

	if (!n)
		return -1;
	n->r = r;
	n->csum = rnd(r, 2);
	if (world_up(r, 2, 64, 512u * 1024u))
		goto out;
	memset(&dc, 0, sizeof(dc));
	memset(&vc, 0, sizeof(vc));
	dc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS) |
		      VOB_BIT(VOB_NET_F_MRG_RXBUF) | VOB_BIT(VOB_NET_F_CSUM) |
		      VOB_BIT(VOB_NET_F_GUEST_CSUM);
	dc.link_up = true;
	dc.queue_size = (uint16_t)(16u << rnd(r, 3));
	vc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS) |
		      (mrg ? VOB_BIT(VOB_NET_F_MRG_RXBUF) : 0) |
		      (n->csum ? VOB_BIT(VOB_NET_F_CSUM) | VOB_BIT(VOB_NET_F_GUEST_CSUM) : 0);
	vc.buf_size = mrg ? line_up(r, 64u + rnd(r, 1024)) : line_up(r, 1600u + rnd(r, 400));
	vc.buf_count = (uint16_t)(32u + rnd(r, VOB_NET_BUFS - 31u));
	vc.rx_bufs = (uint16_t)(8u + rnd(r, 24));
	/* With mergeable buffers the driver keeps posted at least a
	 * 1518-byte frame's worth (vob_net_drv_init() refuses fewer). */
	if (mrg && vc.rx_bufs * vc.buf_size < 12u + 1518u)
		vc.rx_bufs = (uint16_t)((12u + 1518u + vc.buf_size - 1u) / vc.buf_size);
	if (arenas(r, 2, VOB_NET_QSIZE, &vc.dev_mem, &vc.drv_mem))
		goto out;
	vc.pool_addr = cw_alloc_drv(&r->w, (size_t)vc.buf_size * vc.buf_count);
	CHECK_OUT(r, vc.pool_addr != 0, "no room for the pool");
	if (rnd(r, 2)) {
		CHECK_OUT(r, vob_net_dev_init(&n->d, &r->w.dev.t, &dc) == 0, "device init");
		CHECK_OUT(r, vob_net_drv_init(&n->v, &r->w.drv.t, &vc) == 0, "driver init");
	} else {
		CHECK_OUT(r, vob_net_drv_init(&n->v, &r->w.drv.t, &vc) == 0, "driver init");
		CHECK_OUT(r, vob_net_dev_init(&n->d, &r->w.dev.t, &dc) == 0, "device init");
	}
	for (i = 0; i < MAX_POLLS && !done; i++) {
		if (net_poll(n, 1))
			goto out;
		done = vob_dev_state(&n->d.dev) == VOB_DEV_LIVE &&
		       vob_dev_state(&n->v.dev) == VOB_DEV_LIVE;
	}
	CHECK_OUT(r, done, "net not up: device %d driver %d", vob_dev_state(&n->d.dev),
		  vob_dev_state(&n->v.dev));
	/* Frame lengths: what the other side can take, short ones often. */
	max[0] = vob_net_drv_max_tx(&n->v);
	max[1] = vob_net_dev_max_frame(&n->d);
	if (max[1] > vob_net_drv_max_rx(&n->v))
		max[1] = vob_net_drv_max_rx(&n->v);
	if (max[0] > 1514u)
		max[0] = 1514u;
	if (max[1] > 1514u)
		max[1] = 1514u;
	n->total = 40u + rnd(r, NET_FRAMES - 40u);
	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < n->total; i++) {
			uint32_t len = rnd(r, 4) ? 1u + rnd(r, max[dir]) : max[dir] - rnd(r, 8);

			if (len < 1u)
				len = 1u;
			n->len[dir][i] = (uint16_t)len;
			if (n->csum && len >= 16u && rnd(r, 2))
				n->csum_start[dir][i] = (uint16_t)(1u + rnd(r, len - 4u));
		}
	while (!done || n->recv[0] < n->total || n->recv[1] < n->total) {
		done = true;
		for (dir = 0; dir < 2; dir++)
			if (net_move(n, dir))
				goto out;
		if (net_poll(n, 1 + rnd(r, 3)))
			goto out;
		CHECK_OUT(r, ++spins < 200000u,
			  "net stalls: %u/%u (sent %u) and %u/%u frames; device rx_bad %u oversize %u "
			  "ring %u, driver tx_dropped %u ring %u, csum %d",
			  n->recv[0], n->total, n->sent[0], n->recv[1], n->total,
			  vob_net_dev_stats(&n->d)->rx_bad, vob_net_dev_stats(&n->d)->rx_oversize,
			  vob_net_dev_stats(&n->d)->ring_errors, vob_net_drv_stats(&n->v)->tx_dropped,
			  vob_net_drv_stats(&n->v)->ring_errors, n->csum);
	}
	{
		const struct vob_net_stats *ds = vob_net_dev_stats(&n->d), *vs = vob_net_drv_stats(&n->v);

		CHECK_OUT(r, !ds->rx_bad && !ds->rx_oversize && !ds->bad_bufs && !ds->ring_errors,
			  "device counted errors: bad %u oversize %u bufs %u ring %u", ds->rx_bad,
			  ds->rx_oversize, ds->bad_bufs, ds->ring_errors);
		CHECK_OUT(r, !vs->rx_bad && !vs->rx_oversize && !vs->ring_errors,
			  "driver counted errors: bad %u oversize %u ring %u", vs->rx_bad,
			  vs->rx_oversize, vs->ring_errors);
		CHECK_OUT(r, ds->tx_frames == n->total && vs->rx_frames == n->total,
			  "frame counts %u %u", ds->tx_frames, vs->rx_frames);
	}
	snprintf(r->what, sizeof(r->what), "%u frames each way, mrg=%d buf=%u, %u over several",
		 n->total, mrg, vc.buf_size, n->multi);
	if (mrg && vc.buf_size < 700u)
		CHECK_OUT(r, n->multi > 0, "no frame spanned several receive buffers");
	err = 0;
out:
	cw_free(&r->w);
	free(n);
	return err;
}

/* ---- blk -------------------------------------------------------------------- */

#define BLK_SECT 256u
#define BLK_MAXN 16u

struct blkreq {
	uint8_t busy, type;
	uint32_t sector, n;
	uint8_t buf[BLK_MAXN * 512u];
	uint8_t id[VOB_BLK_ID_BYTES];
};

struct blk {
	struct run *r;
	struct vob_blk_dev d;
	struct vob_blk_drv v;
	struct vob_blk_mem mem;
	uint8_t disk[BLK_SECT * 512u], mirror[BLK_SECT * 512u];
	uint8_t devid[VOB_BLK_ID_BYTES];
	struct blkreq req[VOB_BLK_DRV_REQS]; /* by the test's own slot */
	int slot_of[VOB_BLK_DRV_REQS];       /* by request id: slot, or -1 */
	unsigned busy, done, bad, types[16];
	uint32_t qsize, pool_buf; /* what a request's chain must fit in */
	char bad_why[160];
};

#define BLK_BAD(b, ...)                                                                \
	do {                                                                           \
		if (!(b)->bad++)                                                       \
			snprintf((b)->bad_why, sizeof((b)->bad_why), __VA_ARGS__);     \
	} while (0)

static void blk_done(void *arg, int id, int result)
{
	struct blk *b = arg;
	struct blkreq *q;

	if (id < 0 || id >= (int)VOB_BLK_DRV_REQS || b->slot_of[id] < 0) {
		BLK_BAD(b, "done for an idle id %d", id);
		return;
	}
	q = &b->req[b->slot_of[id]];
	b->slot_of[id] = -1;
	q->busy = 0;
	b->busy--;
	b->done++;
	b->types[q->type & 15u]++;
	if (result) {
		BLK_BAD(b, "request %d type %u: result %d", id, q->type, result);
		return;
	}
	if (q->type == VOB_BLK_T_IN && memcmp(q->buf, b->mirror + q->sector * 512u, q->n * 512u))
		BLK_BAD(b, "read of %u sectors at %u differs (stale line?)", q->n, q->sector);
	if (q->type == VOB_BLK_T_GET_ID && memcmp(q->id, b->devid, VOB_BLK_ID_BYTES))
		BLK_BAD(b, "get_id differs");
}

static int blk_poll(struct blk *b, unsigned k)
{
	struct run *r = b->r;
	unsigned i;

	for (i = 0; i < k; i++) {
		int e;

		cw_step(&r->w);
		if (rnd(r, 100) < r->dev_pct) {
			e = vob_blk_dev_poll(&b->d);
			CHECK(r, e >= 0, "blk device poll: %d", e);
		} else {
			e = vob_blk_drv_poll(&b->v);
			CHECK(r, e >= 0, "blk driver poll: %d", e);
		}
		CHECK(r, !b->bad, "%s", b->bad_why);
	}
	return 0;
}

/* No request in flight touches [s, s + n). */
static bool blk_free_range(const struct blk *b, uint32_t s, uint32_t n)
{
	unsigned i;

	for (i = 0; i < VOB_BLK_DRV_REQS; i++) {
		const struct blkreq *q = &b->req[i];

		if (q->busy && q->n && s < q->sector + q->n && q->sector < s + n)
			return false;
	}
	return true;
}

/* Submit one random request (none when its sectors are busy or no slot is
 * free). Writes, discards and write zeroes update the mirror at once: no
 * request in flight touches their sectors. */
static int blk_submit(struct blk *b)
{
	static const uint8_t types[] = { VOB_BLK_T_IN,    VOB_BLK_T_IN,    VOB_BLK_T_IN,
					 VOB_BLK_T_OUT,   VOB_BLK_T_OUT,   VOB_BLK_T_OUT,
					 VOB_BLK_T_FLUSH, VOB_BLK_T_GET_ID, VOB_BLK_T_DISCARD,
					 VOB_BLK_T_WRITE_ZEROES };
	struct run *r = b->r;
	uint32_t n = 1u + rnd(r, BLK_MAXN), s = rnd(r, BLK_SECT - n + 1u);
	uint8_t type = types[rnd(r, sizeof(types))];
	struct blkreq *q;
	unsigned k;
	int id;

	for (k = 0; k < VOB_BLK_DRV_REQS && b->req[k].busy; k++)
		;
	if (k == VOB_BLK_DRV_REQS)
		return 0;
	q = &b->req[k];
	if (type == VOB_BLK_T_FLUSH || type == VOB_BLK_T_GET_ID)
		n = 0;
	if (n && !blk_free_range(b, s, n))
		return 0;
	switch (type) {
	case VOB_BLK_T_IN:
		memset(q->buf, 0xee, sizeof(q->buf));
		id = vob_blk_drv_read(&b->v, s, q->buf, n);
		break;
	case VOB_BLK_T_OUT:
		fill(q->buf, n * 512u, r->seed, 7, rnd(r, 1u << 30));
		id = vob_blk_drv_write(&b->v, s, q->buf, n);
		break;
	case VOB_BLK_T_FLUSH:
		id = vob_blk_drv_flush(&b->v);
		break;
	case VOB_BLK_T_GET_ID:
		memset(q->id, 0xee, sizeof(q->id));
		id = vob_blk_drv_get_id(&b->v, q->id);
		break;
	case VOB_BLK_T_DISCARD:
		id = vob_blk_drv_discard(&b->v, s, n);
		break;
	default:
		id = vob_blk_drv_write_zeroes(&b->v, s, n, rnd(r, 2));
		break;
	}
	if (id == VOB_EAGAIN)
		return 0;
	/* Header, data segments and status must fit the queue. */
	if (id == VOB_E2BIG && (n * 512u + b->pool_buf - 1u) / b->pool_buf + 2u > b->qsize)
		return 0;
	CHECK(r, id >= 0 && id < (int)VOB_BLK_DRV_REQS && b->slot_of[id] < 0,
	      "submit of type %u, %u sectors at %u: %d", type, n, s, id);
	b->slot_of[id] = (int)k;
	q->busy = 1;
	q->type = type;
	q->sector = s;
	q->n = n;
	b->busy++;
	if (type == VOB_BLK_T_OUT)
		memcpy(b->mirror + s * 512u, q->buf, n * 512u);
	else if (type == VOB_BLK_T_DISCARD || type == VOB_BLK_T_WRITE_ZEROES)
		memset(b->mirror + s * 512u, 0, n * 512u);
	return 0;
}

static int blk_scenario(struct run *r)
{
	struct blk *b = calloc(1, sizeof(*b));
	struct vob_blk_dev_cfg dc;
	struct vob_blk_drv_cfg vc;
	unsigned i, total, spins = 0;
	bool up = false;
	int err = -1;

	if (!b)
		return -1;
	b->r = r;
	for (i = 0; i < VOB_BLK_DRV_REQS; i++)
		b->slot_of[i] = -1;
	if (world_up(r, 1, 128, 512u * 1024u))
		goto out;
	fill(b->disk, sizeof(b->disk), r->seed, 5, 0);
	memcpy(b->mirror, b->disk, sizeof(b->disk));
	fill(b->devid, sizeof(b->devid), r->seed, 6, 0);
	memset(&dc, 0, sizeof(dc));
	memset(&vc, 0, sizeof(vc));
	dc.capacity = vob_blk_mem_init(&b->mem, b->disk, sizeof(b->disk));
	dc.ops = &vob_blk_mem_backend;
	dc.ctx = &b->mem;
	dc.queue_size = (uint16_t)(8u << rnd(r, 4));
	dc.max_discard_sectors = BLK_MAXN;
	dc.max_write_zeroes_sectors = BLK_MAXN;
	memcpy(dc.id, b->devid, sizeof(dc.id));
	vc.pool_buf_size = line_up(r, 512u << rnd(r, 4));
	b->qsize = dc.queue_size;
	b->pool_buf = vc.pool_buf_size;
	vc.pool_count = (uint16_t)(20u + rnd(r, VOB_BLK_POOL_MAX - 19u));
	vc.done = blk_done;
	vc.arg = b;
	if (arenas(r, 1, VOB_BLK_QSIZE, &vc.dev_mem, &vc.drv_mem))
		goto out;
	vc.pool_addr = cw_alloc_drv(&r->w, (size_t)vc.pool_buf_size * vc.pool_count);
	CHECK_OUT(r, vc.pool_addr != 0, "no room for the pool");
	if (rnd(r, 2)) {
		CHECK_OUT(r, vob_blk_dev_init(&b->d, &r->w.dev.t, &dc) == 0, "device init");
		CHECK_OUT(r, vob_blk_drv_init(&b->v, &r->w.drv.t, &vc) == 0, "driver init");
	} else {
		CHECK_OUT(r, vob_blk_drv_init(&b->v, &r->w.drv.t, &vc) == 0, "driver init");
		CHECK_OUT(r, vob_blk_dev_init(&b->d, &r->w.dev.t, &dc) == 0, "device init");
	}
	for (i = 0; i < MAX_POLLS && !up; i++) {
		struct vob_blk_info in;

		if (blk_poll(b, 1))
			goto out;
		up = vob_dev_state(&b->d.dev) == VOB_DEV_LIVE && vob_blk_drv_info(&b->v, &in) == 0;
	}
	CHECK_OUT(r, up, "blk not up: device %d driver %d", vob_dev_state(&b->d.dev),
		  vob_dev_state(&b->v.dev));
	total = 60u + rnd(r, 120);
	for (i = 0; i < total; i++) {
		unsigned burst = 1u + rnd(r, 6), k;

		for (k = 0; k < burst; k++)
			if (blk_submit(b))
				goto out;
		if (blk_poll(b, 1 + rnd(r, 4)))
			goto out;
	}
	while (b->busy) {
		if (blk_poll(b, 1))
			goto out;
		CHECK_OUT(r, ++spins < MAX_POLLS, "blk stalls: %u requests in flight", b->busy);
	}
	CHECK_OUT(r, !memcmp(b->disk, b->mirror, sizeof(b->disk)), "the disk differs from its mirror");
	snprintf(r->what, sizeof(r->what), "%u requests: in %u out %u flush %u id %u discard %u wz %u",
		 b->done, b->types[VOB_BLK_T_IN], b->types[VOB_BLK_T_OUT], b->types[VOB_BLK_T_FLUSH],
		 b->types[VOB_BLK_T_GET_ID], b->types[VOB_BLK_T_DISCARD],
		 b->types[VOB_BLK_T_WRITE_ZEROES]);
	CHECK_OUT(r, vob_blk_dev_stats(&b->d)->ioerr == 0 && vob_blk_dev_stats(&b->d)->dropped == 0,
		  "device counted errors");
	err = 0;
out:
	cw_free(&r->w);
	free(b);
	return err;
}

/* ---- hostile drivers ------------------------------------------------------ */

#define NRAW 48u

static int poll_blk(void *d)
{
	return vob_blk_dev_poll(d);
}

enum blk_bad {
	BB_IN, BB_OUT, BB_SHORT_HDR, BB_NO_STATUS, BB_HDR_WRITABLE, BB_RANGE,
	BB_OUT_DATA_WRITABLE, BB_UNKNOWN, BB_ODD_LEN, BB_KINDS
};

/* A blk device and a raw driver sending good and malformed requests, one
 * segment per part, each on lines of its own. */
static int blk_hostile(struct run *r)
{
	struct blk *b = calloc(1, sizeof(*b));
	struct raw *w = calloc(1, sizeof(*w));
	struct rchain *ch = calloc(NRAW, sizeof(*ch));
	/* What a read must return: the disk when it was made available (the
	 * device serves in ring order; writes made available later may cover
	 * the same sectors). */
	uint8_t (*expect)[4u * 512u] = calloc(NRAW, sizeof(*expect));
	struct vob_blk_dev_cfg dc;
	unsigned sent = 0, back = 0, spins = 0, answered = 0, dropped = 0;
	int err = -1;

	if (!b || !w || !ch || !expect)
		goto out;
	b->r = r;
	if (world_up(r, 1, 128, 512u * 1024u))
		goto out;
	fill(b->disk, sizeof(b->disk), r->seed, 5, 0);
	memcpy(b->mirror, b->disk, sizeof(b->disk));
	memset(&dc, 0, sizeof(dc));
	dc.capacity = vob_blk_mem_init(&b->mem, b->disk, sizeof(b->disk));
	dc.ops = &vob_blk_mem_backend;
	dc.ctx = &b->mem;
	dc.queue_size = RAWQ;
	CHECK_OUT(r, vob_blk_dev_init(&b->d, &r->w.dev.t, &dc) == 0, "device init");
	if (raw_init(r, w, 1, 0) || raw_bring_up(r, w, poll_blk, &b->d, &b->d.dev))
		goto out;
	while (back < NRAW) {
		struct rchain *c;
		uint32_t len;

		if (sent < NRAW && sent - back < RAWQ / 4u) {
			uint8_t hdr[16], data[BLK_MAXN * 512u];
			struct rseg sg[4];
			uint32_t n = 1u + rnd(r, 4), sec = rnd(r, BLK_SECT - n + 1u), type;
			unsigned k = 0;

			c = &ch[sent];
			c->kind = (uint8_t)rnd(r, BB_KINDS);
			type = c->kind == BB_OUT || c->kind == BB_OUT_DATA_WRITABLE ? VOB_BLK_T_OUT
									       : VOB_BLK_T_IN;
			if (c->kind == BB_UNKNOWN)
				type = 99u;
			if (c->kind == BB_RANGE)
				sec = BLK_SECT - n + 1u + rnd(r, 1000);
			vob_put_le32(hdr, type);
			vob_put_le32(hdr + 4, 0);
			vob_put_le64(hdr + 8, sec);
			fill(data, n * 512u, r->seed, 9, sent);
			c->aux = sec;
			c->aux2 = n;
			switch (c->kind) {
			case BB_SHORT_HDR:
				sg[k++] = (struct rseg){ 1u + rnd(r, 15), false, hdr };
				break;
			case BB_HDR_WRITABLE:
				sg[k++] = (struct rseg){ 16, true, NULL };
				break;
			default:
				sg[k++] = (struct rseg){ 16, false, hdr };
				break;
			}
			if (c->kind == BB_OUT)
				sg[k++] = (struct rseg){ n * 512u, false, data };
			else if (c->kind == BB_ODD_LEN)
				sg[k++] = (struct rseg){ n * 512u - 1u - rnd(r, 511), true, NULL };
			else if (c->kind != BB_NO_STATUS && c->kind != BB_UNKNOWN)
				sg[k++] = (struct rseg){ n * 512u, true, NULL };
			if (c->kind != BB_NO_STATUS)
				sg[k++] = (struct rseg){ 1, true, NULL };
			if (raw_add(r, w, 0, c, sg, k))
				goto out;
			if (c->kind == BB_OUT)
				memcpy(b->mirror + sec * 512u, data, n * 512u);
			if (c->kind == BB_IN)
				memcpy(expect[sent], b->mirror + sec * 512u, n * 512u);
			sent++;
		}
		if (raw_pump(r, w, poll_blk, &b->d, 1 + rnd(r, 3)))
			goto out;
		for (;;) {
			if (raw_used(r, w, 0, &c, &len))
				goto out;
			if (!c)
				break;
			back++;
			if (c->kind == BB_NO_STATUS) {
				CHECK_OUT(r, len == 0, "a request without status: used length %u", len);
				dropped++;
				continue;
			}
			{
				unsigned last = c->nseg - 1u;
				uint8_t st;

				CHECK_OUT(r, len >= 1, "kind %u: used length 0", c->kind);
				st = raw_seg(r, c, last)[0];
				answered++;
				if (c->kind == BB_IN || c->kind == BB_OUT) {
					CHECK_OUT(r, st == VOB_BLK_S_OK, "kind %u: status %u", c->kind, st);
					if (c->kind == BB_IN) {
						CHECK_OUT(r, len == c->aux2 * 512u + 1u, "read: used %u", len);
						CHECK_OUT(r, !memcmp(raw_seg(r, c, 1), expect[c - ch],
								     c->aux2 * 512u),
							  "read data differs (stale line?)");
					}
				} else if (c->kind == BB_UNKNOWN) {
					CHECK_OUT(r, st == VOB_BLK_S_UNSUPP, "unknown type: status %u", st);
				} else {
					CHECK_OUT(r, st == VOB_BLK_S_IOERR, "kind %u: status %u, want IOERR",
						  c->kind, st);
				}
			}
		}
		CHECK_OUT(r, ++spins < MAX_POLLS, "hostile blk stalls: %u of %u back", back, sent);
	}
	CHECK_OUT(r, vob_dev_state(&b->d.dev) == VOB_DEV_LIVE, "the device left live");
	CHECK_OUT(r, !memcmp(b->disk, b->mirror, sizeof(b->disk)), "the disk differs from its mirror");
	CHECK_OUT(r, vob_blk_dev_stats(&b->d)->requests == answered &&
			     vob_blk_dev_stats(&b->d)->dropped == dropped,
		  "device counted %llu answered, %llu dropped; want %u, %u",
		  (unsigned long long)vob_blk_dev_stats(&b->d)->requests,
		  (unsigned long long)vob_blk_dev_stats(&b->d)->dropped, answered, dropped);
	snprintf(r->what, sizeof(r->what), "%u requests, %u dropped, %llu IOERR", sent, dropped,
		 (unsigned long long)vob_blk_dev_stats(&b->d)->ioerr);
	err = 0;
out:
	if (b)
		cw_free(&r->w);
	free(b);
	free(w);
	free(ch);
	free(expect);
	return err;
}

static int poll_net(void *d)
{
	return vob_net_dev_poll(d);
}

enum net_bad { NB_GOOD, NB_GOOD_ONE_SEG, NB_SHORT, NB_WRITABLE, NB_OVERSIZE, NB_CSUM, NB_KINDS };
enum net_rxbad { NR_GOOD, NR_READABLE, NR_SHORT, NR_KINDS };

/* A net device and a raw driver: transmit chains good and malformed (short
 * header, a writable segment, oversized, an offload not negotiated), and
 * receive buffers good and malformed (readable, shorter than the header). */
static int net_hostile(struct run *r)
{
	static uint8_t frame[VOB_NET_GSO_MAX_FRAME + 64u], got[VOB_NET_GSO_MAX_FRAME];
	struct net *n = calloc(1, sizeof(*n));
	struct raw *w = calloc(1, sizeof(*w));
	struct rchain *tx = calloc(NRAW, sizeof(*tx)), *rx = calloc(NRAW, sizeof(*rx));
	struct vob_net_dev_cfg dc;
	unsigned sent = 0, tx_back = 0, good_sent = 0, good_got = 0, nbad[NB_KINDS] = { 0 };
	unsigned posted = 0, rx_back = 0, rx_good = 0, frames_out = 0, frames_in = 0, spins = 0;
	unsigned rx_bad_bufs = 0, frames_rx = 0;
	uint32_t maxf;
	int err = -1;

	if (!n || !w || !tx || !rx)
		goto out;
	n->r = r;
	if (world_up(r, 2, 64, 1u << 20))
		goto out;
	memset(&dc, 0, sizeof(dc));
	dc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS);
	dc.link_up = true;
	dc.queue_size = RAWQ;
	CHECK_OUT(r, vob_net_dev_init(&n->d, &r->w.dev.t, &dc) == 0, "device init");
	if (raw_init(r, w, 2, 0) || raw_bring_up(r, w, poll_net, &n->d, &n->d.dev))
		goto out;
	maxf = vob_net_dev_max_frame(&n->d);
	while (tx_back < NRAW || rx_back < posted || frames_out < frames_in) {
		struct rchain *c;
		uint32_t len;
		int e;

		/* The driver transmits. */
		if (sent < NRAW && sent - tx_back < RAWQ / 4u) {
			uint8_t hdr[VOB_NET_HDR_SIZE];
			struct rseg sg[3];
			uint32_t flen = 1u + rnd(r, 1514u);
			unsigned k = 0;

			c = &tx[sent];
			c->kind = (uint8_t)rnd(r, NB_KINDS);
			if (c->kind == NB_OVERSIZE)
				flen = maxf + 1u + rnd(r, 3000);
			memset(hdr, 0, sizeof(hdr));
			if (c->kind == NB_CSUM) {
				hdr[0] = VOB_NET_HDR_F_NEEDS_CSUM;
				flen = 64u + rnd(r, 1000);
			}
			fill(frame + VOB_NET_HDR_SIZE, flen, r->seed, 11, (uint64_t)sent << 16);
			memcpy(frame, hdr, sizeof(hdr));
			c->aux = flen;
			switch (c->kind) {
			case NB_GOOD_ONE_SEG:
				sg[k++] = (struct rseg){ VOB_NET_HDR_SIZE + flen, false, frame };
				break;
			case NB_SHORT:
				sg[k++] = (struct rseg){ 1u + rnd(r, VOB_NET_HDR_SIZE - 1u), false, frame };
				break;
			default:
				sg[k++] = (struct rseg){ VOB_NET_HDR_SIZE, false, frame };
				sg[k++] = (struct rseg){ flen, false, frame + VOB_NET_HDR_SIZE };
				break;
			}
			if (c->kind == NB_WRITABLE)
				sg[k++] = (struct rseg){ 64, true, NULL };
			if (raw_add(r, w, VOB_NET_TXQ, c, sg, k))
				goto out;
			nbad[c->kind]++;
			good_sent += c->kind <= NB_GOOD_ONE_SEG;
			sent++;
		}
		/* The driver offers receive buffers. */
		if (posted < NRAW && posted - rx_back < RAWQ / 2u && rnd(r, 2)) {
			struct rseg sg;

			c = &rx[posted];
			c->kind = (uint8_t)(rnd(r, 3) ? NR_GOOD : 1u + rnd(r, 2));
			if (c->kind == NR_GOOD)
				sg = (struct rseg){ VOB_NET_HDR_SIZE + 1514u, true, NULL };
			else if (c->kind == NR_READABLE)
				sg = (struct rseg){ VOB_NET_HDR_SIZE + 1514u, false, NULL };
			else
				sg = (struct rseg){ 1u + rnd(r, VOB_NET_HDR_SIZE - 1u), true, NULL };
			if (raw_add(r, w, VOB_NET_RXQ, c, &sg, 1))
				goto out;
			rx_good += c->kind == NR_GOOD;
			rx_bad_bufs += c->kind != NR_GOOD;
			posted++;
		}
		/* The device sends a frame when a good buffer waits for it. */
		if (frames_in < rx_good) {
			uint32_t flen = 1u + rnd(r, 1514u);

			fill(frame, flen, r->seed, 12, (uint64_t)frames_in << 16);
			e = vob_net_dev_send(&n->d, NULL, frame, flen);
			CHECK_OUT(r, e == 0 || e == VOB_EAGAIN, "device send: %d", e);
			if (!e) {
				n->len[1][frames_in % NET_FRAMES] = (uint16_t)flen;
				frames_in++;
			}
		} else if (rx_back < posted) {
			/* Every good buffer has its frame: a send now finds only
			 * malformed buffers, returns them, and takes nothing. */
			e = vob_net_dev_send(&n->d, NULL, frame, 60);
			CHECK_OUT(r, e == VOB_EAGAIN, "device send without a good buffer: %d", e);
		}
		if (raw_pump(r, w, poll_net, &n->d, 1 + rnd(r, 3)))
			goto out;
		/* The device takes what the driver sent: the good frames, in order. */
		while ((e = vob_net_dev_recv(&n->d, got, sizeof(got), NULL)) > 0) {
			while (good_got < sent && tx[good_got].kind > NB_GOOD_ONE_SEG)
				good_got++;
			CHECK_OUT(r, good_got < sent, "a frame nobody sent (%d bytes)", e);
			CHECK_OUT(r, (uint32_t)e == tx[good_got].aux, "frame of chain %u: %d bytes, want %u",
				  good_got, e, tx[good_got].aux);
			{
				uint32_t k;

				for (k = 0; k < (uint32_t)e; k++)
					CHECK_OUT(r, got[k] == pattern(r->seed, 11, ((uint64_t)good_got << 16) + k),
						  "frame of chain %u: byte %u differs", good_got, k);
			}
			good_got++;
			frames_rx++;
		}
		CHECK_OUT(r, e == VOB_EAGAIN, "device recv: %d", e);
		/* The driver collects both queues. */
		for (;;) {
			if (raw_used(r, w, VOB_NET_TXQ, &c, &len))
				goto out;
			if (!c)
				break;
			CHECK_OUT(r, len == 0, "transmit chain written: %u", len);
			tx_back++;
		}
		for (;;) {
			if (raw_used(r, w, VOB_NET_RXQ, &c, &len))
				goto out;
			if (!c)
				break;
			rx_back++;
			if (c->kind != NR_GOOD) {
				CHECK_OUT(r, len == 0, "malformed receive buffer written: %u", len);
				continue;
			}
			{
				const uint8_t *p = raw_seg(r, c, 0);
				uint32_t flen = n->len[1][frames_out % NET_FRAMES], k;

				CHECK_OUT(r, len == VOB_NET_HDR_SIZE + flen, "frame %u: used %u, want %u",
					  frames_out, len, VOB_NET_HDR_SIZE + flen);
				CHECK_OUT(r, p[0] == 0 && p[1] == 0, "frame %u: header flags %u gso %u",
					  frames_out, p[0], p[1]);
				for (k = 0; k < flen; k++)
					CHECK_OUT(r, p[VOB_NET_HDR_SIZE + k] ==
							     pattern(r->seed, 12, ((uint64_t)frames_out << 16) + k),
						  "frame %u: byte %u differs (stale line?)", frames_out, k);
				frames_out++;
			}
		}
		CHECK_OUT(r, ++spins < MAX_POLLS, "hostile net stalls: tx %u/%u rx %u/%u", tx_back,
			  sent, rx_back, posted);
	}
	{
		const struct vob_net_stats *st = vob_net_dev_stats(&n->d);

		CHECK_OUT(r, vob_dev_state(&n->d.dev) == VOB_DEV_LIVE, "the device left live");
		CHECK_OUT(r, frames_rx == good_sent, "the device took %u good frames, want %u",
			  frames_rx, good_sent);
		CHECK_OUT(r, st->rx_frames == good_sent, "device took %u frames, want %u",
			  st->rx_frames, good_sent);
		CHECK_OUT(r, st->rx_bad == nbad[NB_SHORT] + nbad[NB_WRITABLE] + nbad[NB_CSUM] &&
				     st->rx_oversize == nbad[NB_OVERSIZE],
			  "counted bad %u oversize %u; want %u, %u", st->rx_bad, st->rx_oversize,
			  nbad[NB_SHORT] + nbad[NB_WRITABLE] + nbad[NB_CSUM], nbad[NB_OVERSIZE]);
		CHECK_OUT(r, st->bad_bufs == rx_bad_bufs, "bad buffers %u, want %u", st->bad_bufs,
			  rx_bad_bufs);
		CHECK_OUT(r, st->ring_errors == 0, "ring errors");
		snprintf(r->what, sizeof(r->what),
			 "%u chains (%u bad, %u oversize), %u frames out, %u bad buffers", sent,
			 st->rx_bad, st->rx_oversize, frames_out, st->bad_bufs);
	}
	err = 0;
out:
	if (n)
		cw_free(&r->w);
	free(n);
	free(w);
	free(tx);
	free(rx);
	return err;
}

static int poll_console(void *d)
{
	return vob_console_dev_poll(d);
}

enum con_bad { CB_GOOD, CB_GOOD_TWO, CB_WRITABLE, CB_MIXED, CB_KINDS };

/* A single-port console device and a raw driver: transmit chains good (one
 * or two segments) and malformed (writable, readable then writable), and
 * receive buffers good and malformed (readable): the device reads the good
 * bytes in order, writes into the good buffers only, counts the others. */
static int con_hostile(struct run *r)
{
	static uint8_t buf[1024];
	struct con *c = calloc(1, sizeof(*c));
	struct raw *w = calloc(1, sizeof(*w));
	struct rchain *tx = calloc(NRAW, sizeof(*tx)), *rx = calloc(NRAW, sizeof(*rx));
	struct vob_console_dev_cfg dc;
	unsigned sent = 0, tx_back = 0, posted = 0, rx_back = 0, bad = 0, spins = 0;
	uint64_t out_bytes = 0, dev_read = 0, dev_written = 0, drv_read = 0;
	int err = -1;

	if (!c || !w || !tx || !rx)
		goto out;
	c->r = r;
	if (world_up(r, 2, 16, 256u * 1024u))
		goto out;
	memset(&dc, 0, sizeof(dc));
	dc.nr_ports = 1;
	dc.queue_size = RAWQ;
	CHECK_OUT(r, vob_console_dev_init(&c->d, &r->w.dev.t, &dc) == 0, "device init");
	if (raw_init(r, w, 2, 0) || raw_bring_up(r, w, poll_console, &c->d, &c->d.dev))
		goto out;
	while (tx_back < NRAW || rx_back < posted || drv_read < dev_written || dev_read < out_bytes) {
		struct rchain *ch;
		uint32_t len;
		int e;

		if (sent < NRAW && sent - tx_back < RAWQ / 4u) {
			struct rseg sg[2];
			uint32_t a = 1u + rnd(r, 300), b = 1u + rnd(r, 300);
			unsigned k = 0;

			ch = &tx[sent];
			ch->kind = (uint8_t)rnd(r, CB_KINDS);
			fill(buf, a + b, r->seed, 21, out_bytes);
			if (ch->kind == CB_WRITABLE) {
				sg[k++] = (struct rseg){ a, true, NULL };
			} else {
				sg[k++] = (struct rseg){ a, false, buf };
				if (ch->kind != CB_GOOD)
					sg[k++] = (struct rseg){ b, ch->kind == CB_MIXED, buf + a };
			}
			if (raw_add(r, w, 1, ch, sg, k))
				goto out;
			if (ch->kind == CB_GOOD)
				out_bytes += a;
			else if (ch->kind == CB_GOOD_TWO)
				out_bytes += a + b;
			else
				bad++;
			sent++;
		}
		if (posted < NRAW && posted - rx_back < RAWQ / 2u && rnd(r, 2)) {
			struct rseg sg;

			ch = &rx[posted];
			ch->kind = (uint8_t)(rnd(r, 4) ? CB_GOOD : CB_WRITABLE);
			sg = (struct rseg){ 16u + rnd(r, 400), ch->kind == CB_GOOD, NULL };
			if (raw_add(r, w, 0, ch, &sg, 1))
				goto out;
			bad += ch->kind != CB_GOOD;
			posted++;
		}
		/* The device writes a little, reads what came. */
		if (dev_written < 3000u) {
			uint32_t n = 1u + rnd(r, 200);

			fill(buf, n, r->seed, 22, dev_written);
			e = vob_console_dev_write(&c->d, 0, buf, n);
			CHECK_OUT(r, e == VOB_EAGAIN || (e > 0 && (uint32_t)e <= n), "device write: %d", e);
			if (e > 0)
				dev_written += (uint64_t)e;
		}
		if (raw_pump(r, w, poll_console, &c->d, 1 + rnd(r, 3)))
			goto out;
		while ((e = vob_console_dev_read(&c->d, 0, buf, 1u + rnd(r, sizeof(buf)))) > 0) {
			int k;

			CHECK_OUT(r, dev_read + (uint64_t)e <= out_bytes, "the device read %d bytes too many", e);
			for (k = 0; k < e; k++)
				CHECK_OUT(r, buf[k] == pattern(r->seed, 21, dev_read + (uint64_t)k),
					  "the device read byte %llu wrong", (unsigned long long)(dev_read + k));
			dev_read += (uint64_t)e;
		}
		CHECK_OUT(r, e == VOB_EAGAIN, "device read: %d", e);
		for (;;) {
			if (raw_used(r, w, 1, &ch, &len))
				goto out;
			if (!ch)
				break;
			CHECK_OUT(r, len == 0, "transmit chain written: %u", len);
			tx_back++;
		}
		for (;;) {
			const uint8_t *p;
			uint32_t k;

			if (raw_used(r, w, 0, &ch, &len))
				goto out;
			if (!ch)
				break;
			rx_back++;
			if (ch->kind != CB_GOOD) {
				CHECK_OUT(r, len == 0, "malformed receive buffer written: %u", len);
				continue;
			}
			CHECK_OUT(r, len <= ch->len[0], "used %u of a %u-byte buffer", len, ch->len[0]);
			p = raw_seg(r, ch, 0);
			for (k = 0; k < len; k++)
				CHECK_OUT(r, p[k] == pattern(r->seed, 22, drv_read + k),
					  "the driver got byte %llu wrong (stale line?)",
					  (unsigned long long)(drv_read + k));
			drv_read += len;
		}
		CHECK_OUT(r, posted < NRAW || rx_back < posted || drv_read == dev_written,
			  "%llu bytes written and no receive buffer left",
			  (unsigned long long)(dev_written - drv_read));
		CHECK_OUT(r, ++spins < MAX_POLLS, "hostile console stalls: tx %u/%u rx %u/%u",
			  tx_back, sent, rx_back, posted);
	}
	CHECK_OUT(r, vob_dev_state(&c->d.dev) == VOB_DEV_LIVE, "the device left live");
	CHECK_OUT(r, vob_console_dev_stats(&c->d)->bad_chains == bad, "bad chains %u, want %u",
		  vob_console_dev_stats(&c->d)->bad_chains, bad);
	snprintf(r->what, sizeof(r->what), "%u chains, %u bad; %llu bytes out, %llu in", sent, bad,
		 (unsigned long long)out_bytes, (unsigned long long)drv_read);
	err = 0;
out:
	if (c)
		cw_free(&r->w);
	free(c);
	free(w);
	free(tx);
	free(rx);
	return err;
}

/* ---- seeds -------------------------------------------------------------------- */

typedef int (*scenario_fn)(struct run *r);

static int run_seed(const char *name, scenario_fn fn, uint64_t seed)
{
	struct run *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -1;
	r->seed = seed;
	r->rng = seed * 0x2545f4914f6cdd1dull + (uint64_t)name[0];
	err = fn(r);
	if (err)
		printf("FAIL seed=0x%016llx case=%s/%s (line=%u nwin=%u owner=%d evict=%u refill=%u "
		       "pass=%u%% bells=%u%% delay<=%u dev=%u%%): %s\n  replay: VOB_SIM_SEED=0x%016llx "
		       "%s\n",
		       (unsigned long long)seed, name, h_mode_name(SIM_MODE), r->w.line, r->w.b.nwin,
		       r->w.b.owner, r->w.b.sc.evict_permille, r->w.b.sc.refill_permille,
		       r->w.b.cache_pct, r->w.b.bell_pct, r->w.b.sc.bell_delay_max, r->dev_pct,
		       r->why, (unsigned long long)seed, prog);
	else if (h_env_verbose())
		printf("ok seed=0x%016llx case=%s line=%u nwin=%u: %s\n", (unsigned long long)seed,
		       name, r->w.line, r->w.b.nwin, r->what);
	free(r);
	return err ? -1 : 0;
}

static void run_case(const char *name, scenario_fn fn)
{
	uint64_t seed, first = h_env_first();
	unsigned n = h_env_seeds(SIM_SEEDS), i;
	clock_t t0 = clock();

	if (h_env_seed(&seed)) {
		assert_int_equal(run_seed(name, fn, seed), 0);
		return;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(run_seed(name, fn, first + i), 0);
	printf("  %s %s: %u seeds passed (%.2f s of CPU)\n", name, h_mode_name(SIM_MODE), n,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
}

static void test_console(void **state)
{
	(void)state;
	run_case("console", con_scenario);
}

static void test_net(void **state)
{
	(void)state;
	run_case("net", net_scenario);
}

static void test_blk(void **state)
{
	(void)state;
	run_case("blk", blk_scenario);
}

static void test_console_hostile_driver(void **state)
{
	(void)state;
	run_case("console-hostile", con_hostile);
}

static void test_net_hostile_driver(void **state)
{
	(void)state;
	run_case("net-hostile", net_hostile);
}

static void test_blk_hostile_driver(void **state)
{
	(void)state;
	run_case("blk-hostile", blk_hostile);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_blk),
		cmocka_unit_test(test_console_hostile_driver),
		cmocka_unit_test(test_net_hostile_driver),
		cmocka_unit_test(test_blk_hostile_driver),
	};

	(void)argc;
	prog = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

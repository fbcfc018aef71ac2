/* SPDX-License-Identifier: BSD-3-Clause */
/* The bare-metal port on the host: its "MMIO registers" are ordinary
 * variables. Configuration checks, window mapping, doorbell register
 * writes (value, width, no-op ids), the interrupt entries, cache hooks on
 * VOB_MEM_CACHED windows with line-rounded ranges, the polling helpers, and
 * a full echo exchange between two bare-metal-port links through the
 * device table and a split virtqueue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bm_world.h"
#include "vob/err.h"
#include "vob_baremetal.h"

#define BASE 0x20000000ull

static _Alignas(256) uint8_t mem[4096];
static volatile uint32_t reg32[4];
static volatile uint8_t reg8[4];
static volatile uint16_t reg16[4];

/* ---- a recording cache and clock --------------------------------------- */

struct rec {
	unsigned cleans, invalidates;
	const void *last_p;
	size_t last_n;
	uint64_t now, step;
	unsigned idles;
	struct vob_bm_port *ring_port; /* idle: ring this port ... */
	uint32_t ring_id;              /* ... with this id ... */
	unsigned ring_at;              /* ... at this idle call (1-based), 0: never */
};

static void rec_clean(void *user, const void *p, size_t n)
{
	struct rec *r = user;

	r->cleans++;
	r->last_p = p;
	r->last_n = n;
}

static void rec_invalidate(void *user, const void *p, size_t n)
{
	struct rec *r = user;

	r->invalidates++;
	r->last_p = p;
	r->last_n = n;
}

static uint64_t rec_clock(void *user)
{
	struct rec *r = user;

	r->now += r->step;
	return r->now;
}

static void rec_idle(void *user)
{
	struct rec *r = user;

	/* An interrupt arriving while the CPU waits (WFI). */
	if (++r->idles == r->ring_at)
		vob_bm_irq_isr(r->ring_port, r->ring_id);
}

static struct vob_bm_window one_window(uint8_t kind, uint8_t access)
{
	struct vob_bm_window w;

	memset(&w, 0, sizeof(w));
	w.link_addr = BASE;
	w.size = sizeof(mem);
	w.ptr = mem;
	w.kind = kind;
	w.owner = VOB_WIN_LOCAL;
	w.access = access;
	return w;
}

/* ---- configuration ------------------------------------------------------ */

/* vob_bm_init, then vob_bm_link_init: the first error. */
static int bm_setup(struct vob_bm_port *port, struct vob_link *link, const struct vob_bm_cfg *cfg)
{
	int err = vob_bm_init(port, cfg);

	return err ? err : vob_bm_link_init(link, port, 64);
}

static void test_init_checks(void **state)
{
	struct vob_bm_window w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	struct vob_bm_window many[VOB_MAX_WINDOWS + 1];
	struct vob_bm_doorbell b;
	struct vob_bm_irq q;
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;
	struct rec r;
	unsigned i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	assert_int_equal(vob_bm_init(NULL, &cfg), VOB_EINVAL);
	assert_int_equal(vob_bm_init(&port, NULL), VOB_EINVAL);
	assert_int_equal(bm_setup(&port, &link, &cfg), 0); /* nothing at all is allowed */
	assert_int_equal(vob_bm_link_init(NULL, &port, 64), VOB_EINVAL);
	assert_int_equal(vob_bm_link_init(&link, &port, 48), VOB_EINVAL); /* line size */

	/* Windows are checked once, by the link, when vob_bm_link_init adds them. */
	cfg.windows = &w;
	cfg.nwindows = 1;
	assert_int_equal(bm_setup(&port, &link, &cfg), 0);
	cfg.windows = NULL;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL); /* a count without an array */
	cfg.windows = &w;
	w.ptr = NULL;
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_EFAULT);
	w = one_window(VOB_MEM_COHERENT, 0);
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_EINVAL);
	w = one_window(3, VOB_MAP_READ);
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_EINVAL);
	w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ);
	w.size = 0;
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_EINVAL);
	w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ);
	w.link_addr = UINT64_MAX - 10u; /* wraps */
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_EINVAL);
	assert_int_equal(link.nwin, 0); /* nothing half-added */

	/* A cached window needs both cache functions. */
	w = one_window(VOB_MEM_CACHED, VOB_MAP_READ);
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_ENOSYS);
	cfg.cache_clean = rec_clean;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL); /* only one of the two */
	cfg.cache_invalidate = rec_invalidate;
	assert_int_equal(bm_setup(&port, &link, &cfg), 0);
	cfg.cache_line = 48; /* not a power of two */
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	cfg.cache_line = 0;

	/* Too many windows. */
	for (i = 0; i <= VOB_MAX_WINDOWS; i++) {
		many[i] = one_window(VOB_MEM_COHERENT, VOB_MAP_READ);
		many[i].link_addr = BASE + (uint64_t)i * sizeof(mem);
	}
	cfg.windows = many;
	cfg.nwindows = VOB_MAX_WINDOWS + 1u;
	assert_int_equal(bm_setup(&port, &link, &cfg), VOB_E2BIG);
	cfg.nwindows = VOB_MAX_WINDOWS;
	assert_int_equal(bm_setup(&port, &link, &cfg), 0);
	cfg.windows = &w;
	cfg.nwindows = 1;

	/* Doorbells: mode, shift, width. */
	memset(&b, 0, sizeof(b));
	b.reg = &reg32[0];
	b.mode = 4;
	cfg.doorbells = &b;
	cfg.ndoorbells = 1;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	b.mode = VOB_BM_BELL_ID;
	b.shift = 32;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	b.shift = 16;
	b.width = 3;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	b.width = 2;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	cfg.doorbells = NULL; /* a count without a table */
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	cfg.doorbells = &b;

	memset(&q, 0, sizeof(q));
	q.ack_width = 8;
	cfg.irqs = &q;
	cfg.nirqs = 1;
	assert_int_equal(vob_bm_init(&port, &cfg), VOB_EINVAL);
	q.ack_width = 1;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
}

static void test_ops_match_config(void **state)
{
	struct vob_bm_window w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	const struct vob_port_ops *ops;
	struct rec r;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.windows = &w;
	cfg.nwindows = 1;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	ops = vob_bm_ops(&port);
	assert_int_equal(ops->version, VOB_PORT_OPS_VERSION);
	assert_non_null(ops->map_window);
	assert_non_null(ops->ring_doorbell);
	/* No cache functions: the link must refuse cached windows, so the
	 * ops must not pretend to have them. Same for the clock. */
	assert_null(ops->cache_clean);
	assert_null(ops->cache_invalidate);
	assert_null(ops->clock_ns);
	assert_null(ops->dma_copy);

	cfg.cache_clean = rec_clean;
	cfg.cache_invalidate = rec_invalidate;
	cfg.clock_ns = rec_clock;
	cfg.user = &r;
	r.step = 5;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	ops = vob_bm_ops(&port);
	assert_non_null(ops->cache_clean);
	assert_non_null(ops->cache_invalidate);
	assert_non_null(ops->clock_ns);
	assert_int_equal(ops->clock_ns(&port), 5);
	assert_int_equal(ops->clock_ns(&port), 10);
}

/* ---- windows ------------------------------------------------------------ */

static void test_windows(void **state)
{
	struct vob_bm_window w[2];
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;
	static uint8_t other[256];

	(void)state;
	w[0] = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	w[1] = one_window(VOB_MEM_UNCACHED, VOB_MAP_READ); /* read-only, peer's */
	w[1].link_addr = 0x90000000ull;
	w[1].size = sizeof(other);
	w[1].ptr = other;
	w[1].owner = VOB_WIN_PEER;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = w;
	cfg.nwindows = 2;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);

	assert_ptr_equal(vob_link_translate(&link, BASE, 16, VOB_MAP_WRITE, NULL), mem);
	assert_ptr_equal(vob_link_translate(&link, BASE + 100u, 16, VOB_MAP_READ, NULL),
			 mem + 100);
	assert_ptr_equal(vob_link_translate(&link, BASE + sizeof(mem) - 8u, 8, VOB_MAP_READ, NULL),
			 mem + sizeof(mem) - 8);
	assert_null(vob_link_translate(&link, BASE + sizeof(mem) - 8u, 9, VOB_MAP_READ, NULL));
	assert_null(vob_link_translate(&link, BASE - 1u, 4, VOB_MAP_READ, NULL));
	assert_ptr_equal(vob_link_translate(&link, 0x90000010ull, 16, VOB_MAP_READ, NULL),
			 other + 16);
	assert_null(vob_link_translate(&link, 0x90000010ull, 16, VOB_MAP_WRITE, NULL));

	/* map_window itself refuses what no window covers or allows. */
	assert_null(vob_bm_ops(&port)->map_window(&port, 0x90000000ull, 16, VOB_MAP_WRITE));
	assert_null(vob_bm_ops(&port)->map_window(&port, 0x90000000ull, sizeof(other) + 1u,
						  VOB_MAP_READ));
	assert_null(vob_bm_ops(&port)->map_window(&port, 0x10000000ull, 1, VOB_MAP_READ));
}

static void test_overlapping_windows_refused(void **state)
{
	struct vob_bm_window w[2];
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;

	(void)state;
	w[0] = one_window(VOB_MEM_COHERENT, VOB_MAP_READ);
	w[1] = one_window(VOB_MEM_COHERENT, VOB_MAP_READ);
	w[1].link_addr = BASE + 64u;
	w[1].size = 64;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = w;
	cfg.nwindows = 2;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&link, &port, 64), VOB_EEXIST);
	/* the link keeps no half-set window list, and no irq goes to it */
	assert_int_equal(link.nwin, 0);
	vob_bm_irq_isr(&port, 1);
	assert_false(vob_link_irq_take(&link, 1));
}

/* ---- doorbells ---------------------------------------------------------- */

static void test_doorbell_writes(void **state)
{
	struct vob_bm_window w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	struct vob_bm_doorbell b[6];
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;

	(void)state;
	memset(b, 0, sizeof(b));
	memset((void *)reg32, 0, sizeof(reg32));
	memset((void *)reg8, 0, sizeof(reg8));
	memset((void *)reg16, 0, sizeof(reg16));
	/* 0: fixed value */
	b[0].reg = &reg32[0];
	b[0].value = 0xa5a5a5a5u;
	b[0].mode = VOB_BM_BELL_FIXED;
	/* 1: (peer 3 << 16) | id, the ivshmem doorbell format */
	b[1].reg = &reg32[1];
	b[1].value = 3u << 16;
	b[1].mode = VOB_BM_BELL_ID;
	/* 2: the notification data shifted by 8, one byte wide register */
	b[2].reg = &reg8[1];
	b[2].mode = VOB_BM_BELL_DATA;
	b[2].value = 0x01;
	b[2].width = 1;
	/* 3: no register (the peer polls) */
	b[3].mode = VOB_BM_BELL_FIXED;
	b[3].value = 1;
	/* 4: register but mode NONE */
	b[4].reg = &reg32[3];
	b[4].value = 7;
	/* 5: 16-bit register, data */
	b[5].reg = &reg16[1];
	b[5].mode = VOB_BM_BELL_DATA;
	b[5].width = 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = &w;
	cfg.nwindows = 1;
	cfg.doorbells = b;
	cfg.ndoorbells = 6;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);

	assert_int_equal(vob_link_doorbell(&link, 0, 0x1234), 0);
	assert_int_equal(reg32[0], 0xa5a5a5a5u);
	assert_int_equal(vob_link_doorbell(&link, 1, 0x1234), 0);
	assert_int_equal(reg32[1], (3u << 16) | 1u);
	assert_int_equal(vob_link_doorbell(&link, 2, 0x7e), 0);
	assert_int_equal(reg8[1], 0x7f); /* (0x7e << 0) | 1 */
	assert_int_equal(reg8[0], 0);    /* one byte written, not a word */
	assert_int_equal(reg8[2], 0);
	assert_int_equal(vob_bm_doorbells_rung(&port), 3);

	assert_int_equal(vob_link_doorbell(&link, 3, 9), 0); /* no register */
	assert_int_equal(vob_link_doorbell(&link, 4, 9), 0); /* mode NONE */
	assert_int_equal(reg32[3], 0);
	assert_int_equal(vob_link_doorbell(&link, 6, 9), 0); /* beyond the table */
	assert_int_equal(vob_link_doorbell(&link, 1000, 9), 0);
	assert_int_equal(vob_bm_doorbells_rung(&port), 3);

	assert_int_equal(vob_link_doorbell(&link, 5, 0x12345678u), 0);
	assert_int_equal(reg16[1], 0x5678); /* truncated to the register */
	assert_int_equal(reg16[0], 0);
	assert_int_equal(reg16[2], 0);

	/* shift: data << 8 in a 32-bit register */
	b[0].mode = VOB_BM_BELL_DATA;
	b[0].value = 0xff;
	b[0].shift = 8;
	assert_int_equal(vob_link_doorbell(&link, 0, 0x42), 0);
	assert_int_equal(reg32[0], 0x42ffu);
	assert_int_equal(vob_bm_doorbells_rung(&port), 5);
}

/* ---- interrupts --------------------------------------------------------- */

static void test_irq_entries(void **state)
{
	struct vob_bm_window w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	struct vob_bm_irq q[3];
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;

	(void)state;
	memset(q, 0, sizeof(q));
	memset((void *)reg32, 0, sizeof(reg32));
	q[0].doorbell = 5;
	q[0].ack_reg = &reg32[2];
	q[0].ack_value = 0x100u; /* write-1-to-clear bit 8 */
	q[1].doorbell = 7;       /* no acknowledge register */
	q[2].doorbell = 9;
	q[2].ack_reg = &reg8[3];
	q[2].ack_value = 0xee;
	q[2].ack_width = 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = &w;
	cfg.nwindows = 1;
	cfg.irqs = q;
	cfg.nirqs = 3;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);

	/* Before the link exists: counted, not recorded anywhere. */
	vob_bm_irq_isr(&port, 2);
	assert_int_equal(port.irq_spurious, 1);

	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);
	vob_bm_irq_isr(&port, 2);
	assert_true(vob_link_irq_take(&link, 2));
	assert_false(vob_link_irq_take(&link, 2));
	assert_int_equal(vob_link_irq_next(&link), VOB_EAGAIN);

	vob_bm_irq_line_isr(&port, 0);
	assert_int_equal(reg32[2], 0x100u);
	vob_bm_irq_line_isr(&port, 1);
	vob_bm_irq_line_isr(&port, 2);
	assert_int_equal(reg8[3], 0xee);
	assert_int_equal(vob_link_irq_next(&link), 5);
	assert_int_equal(vob_link_irq_next(&link), 7);
	assert_int_equal(vob_link_irq_next(&link), 9);
	assert_int_equal(vob_link_irq_next(&link), VOB_EAGAIN);
	assert_int_equal(port.irqs, 4);

	vob_bm_irq_line_isr(&port, 3); /* outside the table */
	assert_int_equal(port.irq_spurious, 2);
	assert_int_equal(vob_link_irq_next(&link), VOB_EAGAIN);
	vob_bm_irq_isr(&port, VOB_MAX_DOORBELLS); /* the link counts it, as the last id */
	assert_int_equal(link.irq_spurious, 1);
	assert_int_equal(vob_link_irq_next(&link), VOB_MAX_DOORBELLS - 1);
}

/* ---- cache hooks -------------------------------------------------------- */

static void test_cache_hooks(void **state)
{
	struct vob_bm_window w[2];
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;
	static _Alignas(64) uint8_t plain[256];
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	w[0] = one_window(VOB_MEM_CACHED, VOB_MAP_READ | VOB_MAP_WRITE);
	w[1] = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	w[1].link_addr = 0x30000000ull;
	w[1].size = sizeof(plain);
	w[1].ptr = plain;
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = w;
	cfg.nwindows = 2;
	cfg.cache_clean = rec_clean;
	cfg.cache_invalidate = rec_invalidate;
	cfg.user = &r;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);

	/* Inside one 32-byte line: the whole line. */
	vob_link_sync_for_peer(&link, mem + 69, 10);
	assert_int_equal(r.cleans, 1);
	assert_ptr_equal(r.last_p, mem + 64);
	assert_int_equal(r.last_n, 32);
	/* Across a line boundary: both lines. */
	vob_link_sync_for_cpu(&link, mem + 90, 8);
	assert_int_equal(r.invalidates, 1);
	assert_ptr_equal(r.last_p, mem + 64);
	assert_int_equal(r.last_n, 64);
	/* Already aligned: unchanged. */
	vob_link_sync_for_peer(&link, mem + 128, 256);
	assert_int_equal(r.cleans, 2);
	assert_ptr_equal(r.last_p, mem + 128);
	assert_int_equal(r.last_n, 256);
	/* The coherent window: no maintenance at all. */
	vob_link_sync_for_peer(&link, plain, 64);
	vob_link_sync_for_cpu(&link, plain, 64);
	assert_int_equal(r.cleans, 2);
	assert_int_equal(r.invalidates, 1);

	/* A larger configured line. The link's line must cover it with a
	 * cached window: single-writer areas of 64 bytes would share 128-byte
	 * cache lines, and cleaning one side's area would write back the
	 * other's. */
	cfg.cache_line = 128;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_link_init(&link, &port, 64), VOB_EINVAL);
	assert_int_equal(link.nwin, 0); /* nothing half-added */
	assert_int_equal(vob_bm_link_init(&link, &port, 0), VOB_EINVAL); /* default 64 */
	w[0].kind = VOB_MEM_UNCACHED; /* no cache on either window: no constraint */
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);
	w[0].kind = VOB_MEM_CACHED;
	assert_int_equal(vob_bm_link_init(&link, &port, 128), 0);
	vob_link_sync_for_peer(&link, mem + 130, 4);
	assert_ptr_equal(r.last_p, mem + 128);
	assert_int_equal(r.last_n, 128);
}

/* ---- polling helpers ---------------------------------------------------- */

struct countdown {
	int calls;
	int done_at;
	int result;
};

static int countdown_round(void *arg)
{
	struct countdown *c = arg;

	return ++c->calls == c->done_at ? c->result : 0;
}

static void test_poll(void **state)
{
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct countdown c;
	struct rec r;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.idle = rec_idle;
	cfg.user = &r;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);

	c = (struct countdown){ 0, 4, 7 };
	assert_int_equal(vob_bm_poll(&port, countdown_round, &c, 0, 0), 7);
	assert_int_equal(c.calls, 4);
	assert_int_equal(r.idles, 3); /* between rounds, not after the last */

	c = (struct countdown){ 0, 2, VOB_EPROTO };
	assert_int_equal(vob_bm_poll(&port, countdown_round, &c, 0, 0), VOB_EPROTO);

	c = (struct countdown){ 0, 100, 1 };
	assert_int_equal(vob_bm_poll(&port, countdown_round, &c, 5, 0), VOB_ETIMEDOUT);
	assert_int_equal(c.calls, 5);

	/* A timeout needs a clock. */
	assert_int_equal(vob_bm_poll(&port, countdown_round, &c, 0, 1000), VOB_EINVAL);
	assert_int_equal(vob_bm_poll(&port, NULL, &c, 5, 0), VOB_EINVAL);
	cfg.clock_ns = rec_clock;
	r.step = 100; /* every clock read advances 100 ns */
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	c = (struct countdown){ 0, 1000, 1 };
	assert_int_equal(vob_bm_poll(&port, countdown_round, &c, 0, 1000), VOB_ETIMEDOUT);
	assert_int_equal(c.calls, 10);
}

static void test_wait_doorbell(void **state)
{
	struct vob_bm_window w = one_window(VOB_MEM_COHERENT, VOB_MAP_READ | VOB_MAP_WRITE);
	struct vob_bm_port port;
	struct vob_bm_cfg cfg;
	struct vob_link link;
	struct rec r;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.windows = &w;
	cfg.nwindows = 1;
	cfg.idle = rec_idle;
	cfg.user = &r;
	assert_int_equal(vob_bm_init(&port, &cfg), 0);
	assert_int_equal(vob_bm_wait_doorbell(&port, 3, 1, 0), VOB_EINVAL); /* no link */
	assert_int_equal(vob_bm_link_init(&link, &port, 64), 0);
	assert_int_equal(vob_bm_wait_doorbell(&port, VOB_MAX_DOORBELLS, 1, 0), VOB_EINVAL);

	/* The doorbell arrives during the third idle call. */
	r.ring_port = &port;
	r.ring_id = 3;
	r.ring_at = 3;
	assert_int_equal(vob_bm_wait_doorbell(&port, 3, 0, 0), 3);
	assert_int_equal(r.idles, 3);
	assert_false(vob_link_irq_take(&link, 3)); /* it was taken */

	/* Another id does not end the wait for 3. */
	r.idles = 0;
	r.ring_id = 4;
	r.ring_at = 1;
	assert_int_equal(vob_bm_wait_doorbell(&port, 3, 10, 0), VOB_ETIMEDOUT);
	assert_true(vob_link_irq_take(&link, 4)); /* still pending for its owner */

	/* Any id. */
	r.idles = 0;
	r.ring_id = 6;
	r.ring_at = 2;
	assert_int_equal(vob_bm_wait_doorbell(&port, VOB_BM_ANY, 10, 0), 6);
	assert_int_equal(vob_bm_wait_doorbell(&port, VOB_BM_ANY, 3, 0), VOB_ETIMEDOUT);
}

/* ---- two bare-metal links, the device table and a queue ----------------- */

static void run_echo(enum bmw_wiring wiring)
{
	static struct bmw w;
	int r;

	assert_int_equal(bmw_init(&w, wiring, 200), 0);
	r = vob_bm_poll(&w.s[0].port, bmw_round, &w, 20000, 0);
	if (r != 1)
		fail_msg("echo stopped: %d (%s) after %u of %u, served %u", r,
			 w.why ? w.why : "no progress", w.echoed, w.count, w.served);
	assert_int_equal(w.echoed, 200);
	assert_int_equal(w.served, 200);
	assert_int_equal(w.lost, 0);
	if (wiring == BMW_UNWIRED) {
		/* Polling link: no doorbell register was ever written. */
		assert_int_equal(vob_bm_doorbells_rung(&w.s[0].port), 0);
		assert_int_equal(vob_bm_doorbells_rung(&w.s[1].port), 0);
		assert_int_equal(w.s[0].port.irqs + w.s[1].port.irqs, 0);
	} else {
		/* Wired: doorbells went out as register writes both ways and
		 * came back in through the line handler, each one delivered. */
		assert_true(vob_bm_doorbells_rung(&w.s[0].port) > 0);
		assert_true(vob_bm_doorbells_rung(&w.s[1].port) > 0);
		assert_true(w.s[0].port.irqs > 0);
		assert_true(w.s[1].port.irqs > 0);
		assert_int_equal(w.s[0].port.irq_spurious + w.s[1].port.irq_spurious, 0);
	}
	if (wiring == BMW_CACHED) {
		unsigned i;

		for (i = 0; i < 2; i++) {
			assert_true(w.s[i].cleans > 0);
			assert_true(w.s[i].invalidates > 0);
			assert_int_equal(w.s[i].bad_ranges, 0);
		}
	}
	bmw_free(&w);
}

static void test_echo_polling(void **state)
{
	(void)state;
	run_echo(BMW_UNWIRED);
}

static void test_echo_doorbells(void **state)
{
	(void)state;
	run_echo(BMW_WIRED);
}

static void test_echo_cached(void **state)
{
	(void)state;
	run_echo(BMW_CACHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_ops_match_config),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_overlapping_windows_refused),
		cmocka_unit_test(test_doorbell_writes),
		cmocka_unit_test(test_irq_entries),
		cmocka_unit_test(test_cache_hooks),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_wait_doorbell),
		cmocka_unit_test(test_echo_polling),
		cmocka_unit_test(test_echo_doorbells),
		cmocka_unit_test(test_echo_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-console, both roles over the device table (class_world): bring-up,
 * config layout, a 1 MB random stream each way, partial reads, backpressure
 * on both queues, resets and restarts with lost buffers counted, multiport
 * (ports, names, console, open, resize, hot plug), and a hostile peer on
 * each side: a raw table driver sending malformed chains and control
 * messages to the console device, and a raw table device answering the
 * console driver with bad lengths and malformed control messages. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS and MAP_NORESERVE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "class_world.h"
#include "vob/console.h"

#define SLOT 0
/* Queues per slot of the test's table and of its raw peers: the multiport
 * shape (4 ports) in every build, so a raw peer can offer queues a build
 * without multiport does not have. */
#define NQ 10u
#if VOB_CONSOLE_MAX_QUEUES > 10
#error "the tests' table has fewer queues than a console object"
#endif
#define CFG_MAX 16u
#define BUF_SIZE 256u
#define BUF_COUNT 128u
#define RAW_QSIZE 16u
#define F(x) VOB_BIT(VOB_F_##x)
#define CF(x) VOB_BIT(VOB_CONSOLE_F_##x)

static struct class_world W;
static struct vob_console_dev D;
static struct vob_console_drv R;
static int ev_dev, ev_drv;
static int have_dev, have_drv;
static uint16_t raw_cfg_len;   /* raw device: config bytes published, 0 for 12 */
static uint16_t drv_buf_count; /* drv_cfg_default(): pool buffers, 0 for BUF_COUNT */

/* ---- raw peers: plain table devices with queues the test drives --------- */

static struct {
	struct vob_dev dev;
	struct vob_dev_queue q[NQ];
	struct vob_vq vq[NQ];
	uint64_t state[NQ][VOB_VQ_STATE_SIZE(RAW_QSIZE, 0) / 8];
	unsigned lost;
	int ev;
	int on;
	uint8_t cfg[12];
} RAW;

static void raw_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
	RAW.lost++;
}

/* A raw driver for the console device, @nq queues, @features. */
static void raw_drv_init(uint16_t nq, uint64_t features)
{
	struct vob_dev_cfg c = { 0 };
	uint16_t q;

	memset(&RAW, 0, sizeof(RAW));
	for (q = 0; q < nq; q++) {
		RAW.q[q].vq = &RAW.vq[q];
		RAW.q[q].state = RAW.state[q];
		RAW.q[q].state_len = sizeof(RAW.state[q]);
		assert_int_equal(cw_place(&W, &RAW.q[q], RAW_QSIZE), 0);
	}
	c.role = VOB_ROLE_DRIVER;
	c.slot = SLOT;
	c.num_queues = nq;
	c.queues = RAW.q;
	c.features[0] = features;
	c.on_lost = raw_lost;
	assert_int_equal(vob_dev_init(&RAW.dev, &W.drv.t, &c), 0);
	RAW.on = 1;
}

/* A raw console device for the console driver. */
static void raw_dev_init(uint16_t nq, uint64_t features, uint16_t cols, uint16_t rows,
			 uint32_t nports)
{
	struct vob_dev_cfg c = { 0 };
	uint16_t q;

	memset(&RAW, 0, sizeof(RAW));
	for (q = 0; q < nq; q++) {
		RAW.q[q].vq = &RAW.vq[q];
		RAW.q[q].state = RAW.state[q];
		RAW.q[q].state_len = sizeof(RAW.state[q]);
		RAW.q[q].size = RAW_QSIZE;
	}
	vob_put_le16(RAW.cfg, cols);
	vob_put_le16(RAW.cfg + 2, rows);
	vob_put_le32(RAW.cfg + 4, nports);
	c.role = VOB_ROLE_DEVICE;
	c.slot = SLOT;
	c.num_queues = nq;
	c.queues = RAW.q;
	c.features[0] = features;
	c.device_id = VOB_CONSOLE_DEVICE_ID;
	c.config = RAW.cfg;
	c.config_len = raw_cfg_len ? raw_cfg_len : (uint16_t)sizeof(RAW.cfg);
	assert_int_equal(vob_dev_init(&RAW.dev, &W.dev.t, &c), 0);
	RAW.on = 2;
}

static struct vob_vq *raw_vq(uint16_t q)
{
	struct vob_vq *vq = vob_dev_vq(&RAW.dev, q);

	assert_non_null(vq);
	return vq;
}

/* ---- the world ------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	assert_int_equal(cw_init(&W, 1, NQ, CFG_MAX, 512u * 1024u), 0);
	memset(&D, 0, sizeof(D));
	memset(&R, 0, sizeof(R));
	memset(&RAW, 0, sizeof(RAW));
	ev_dev = ev_drv = 0;
	have_dev = have_drv = 0;
	raw_cfg_len = 0;
	drv_buf_count = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cw_free(&W);
	return 0;
}

static void dev_cfg_default(struct vob_console_dev_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->slot = SLOT;
	c->nr_ports = 1;
	c->size = 1;
	c->cols = 80;
	c->rows = 25;
}

static void drv_cfg_default(struct vob_console_drv_cfg *c)
{
	size_t ring = NQ * VOB_SPLIT_RING_BYTES(VOB_CONSOLE_QSIZE, CW_LINE);

	memset(c, 0, sizeof(*c));
	c->slot = SLOT;
	c->nr_ports = 1;
	c->dev_mem.addr = cw_alloc(&W, ring);
	c->dev_mem.len = ring;
	c->drv_mem = c->dev_mem; /* one arena for everything */
	c->buf_size = BUF_SIZE;
	c->buf_count = drv_buf_count ? drv_buf_count : BUF_COUNT;
	c->pool_addr = cw_alloc(&W, BUF_SIZE * c->buf_count);
	assert_true(c->dev_mem.addr && c->pool_addr);
}

/* A build without multiport (test_console_single: VOB_CFG_CONSOLE_MULTIPORT
 * 0) refuses it with VOB_ENOTSUP; a test that needs it then skips. */
#define MP_OR(err) (VOB_CFG_CONSOLE_MULTIPORT ? (err) : VOB_ENOTSUP)

static void dev_up(const struct vob_console_dev_cfg *c)
{
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, c), c->multiport ? MP_OR(0) : 0);
	if (!VOB_CFG_CONSOLE_MULTIPORT && c->multiport)
		skip();
	have_dev = 1;
}

static void drv_up(const struct vob_console_drv_cfg *c)
{
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, c), c->multiport ? MP_OR(0) : 0);
	if (!VOB_CFG_CONSOLE_MULTIPORT && c->multiport)
		skip();
	have_drv = 1;
}

static void pump(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int e;

		if (have_dev) {
			cw_step(&W);
			e = vob_console_dev_poll(&D);
			assert_true(e >= 0);
			ev_dev |= e;
		}
		if (have_drv) {
			cw_step(&W);
			e = vob_console_drv_poll(&R);
			assert_true(e >= 0);
			ev_drv |= e;
		}
		if (RAW.on) {
			cw_step(&W);
			e = vob_dev_poll(&RAW.dev);
			assert_true(e >= 0);
			RAW.ev |= e;
		}
	}
}

static void bring_up(void)
{
	pump(30);
	if (have_dev)
		assert_int_equal(vob_dev_state(&D.dev), VOB_DEV_LIVE);
	if (have_drv)
		assert_int_equal(vob_dev_state(&R.dev), VOB_DEV_LIVE);
	if (RAW.on)
		assert_int_equal(vob_dev_state(&RAW.dev), VOB_DEV_LIVE);
}

static void single_port_up(void)
{
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg rc;

	dev_cfg_default(&dc);
	drv_cfg_default(&rc);
	dev_up(&dc);
	drv_up(&rc);
	bring_up();
}

/* Write all of @len bytes from the driver and read them on the device. */
static void drv_to_dev(uint16_t port, const void *data, size_t len)
{
	uint8_t got[4096];
	size_t sent = 0, recv = 0;
	unsigned spins = 0;

	assert_true(len <= sizeof(got));
	while (recv < len) {
		int r;

		if (sent < len) {
			r = vob_console_drv_write(&R, port, (const uint8_t *)data + sent, len - sent);
			assert_true(r > 0 || r == VOB_EAGAIN);
			if (r > 0)
				sent += (size_t)r;
		}
		r = vob_console_dev_read(&D, port, got + recv, len - recv);
		assert_true(r > 0 || r == VOB_EAGAIN);
		if (r > 0)
			recv += (size_t)r;
		pump(1);
		assert_true(++spins < 10000);
	}
	assert_memory_equal(got, data, len);
	assert_int_equal(vob_console_dev_read(&D, port, got, 1), VOB_EAGAIN);
}

static void dev_to_drv(uint16_t port, const void *data, size_t len)
{
	uint8_t got[4096];
	size_t sent = 0, recv = 0;
	unsigned spins = 0;

	assert_true(len <= sizeof(got));
	while (recv < len) {
		int r;

		if (sent < len) {
			r = vob_console_dev_write(&D, port, (const uint8_t *)data + sent, len - sent);
			assert_true(r > 0 || r == VOB_EAGAIN);
			if (r > 0)
				sent += (size_t)r;
		}
		r = vob_console_drv_read(&R, port, got + recv, len - recv);
		assert_true(r > 0 || r == VOB_EAGAIN);
		if (r > 0)
			recv += (size_t)r;
		pump(1);
		assert_true(++spins < 10000);
	}
	assert_memory_equal(got, data, len);
	assert_int_equal(vob_console_drv_read(&R, port, got, 1), VOB_EAGAIN);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* ---- basics ------------------------------------------------------------- */

static void test_single_port(void **state)
{
	uint8_t cfg[12];
	uint16_t cols = 0, rows = 0;

	(void)state;
	single_port_up();
	assert_true(ev_dev & VOB_DEV_EV_LIVE);
	assert_true(ev_drv & VOB_DEV_EV_LIVE);
	assert_true(ev_drv & VOB_CONSOLE_EV_PORTS);
	assert_true(vob_dev_features(&R.dev, 0) & CF(SIZE));
	assert_false(vob_dev_features(&R.dev, 0) & CF(MULTIPORT));
	assert_true(vob_dev_features(&R.dev, 0) & F(EVENT_IDX));
	/* The config space as virtio lays it out, byte for byte. */
	assert_int_equal(vob_dev_config_read(&R.dev, 0, cfg, 12), 0);
	assert_int_equal(vob_get_le16(cfg + 0), 80);
	assert_int_equal(vob_get_le16(cfg + 2), 25);
	assert_int_equal(vob_get_le32(cfg + 4), 0);
	assert_int_equal(vob_get_le32(cfg + 8), 0);
	assert_int_equal(vob_console_drv_size(&R, 0, &cols, &rows), 0);
	assert_int_equal(cols, 80);
	assert_int_equal(rows, 25);
	assert_int_equal(vob_console_drv_port_status(&R, 0),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_HOST_OPEN |
				 VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_int_equal(vob_console_dev_port_status(&D, 0),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_string_equal(vob_console_drv_port_name(&R, 0), "");
	drv_to_dev(0, "hello, device", 13);
	dev_to_drv(0, "hello, driver", 13);
	/* Resize: port 0's size travels in the config space. */
	ev_drv = 0;
	assert_int_equal(vob_console_dev_resize(&D, 0, 132, 43), 0);
	pump(2);
	assert_true(ev_drv & VOB_DEV_EV_CONFIG);
	assert_true(ev_drv & VOB_CONSOLE_EV_PORTS);
	assert_int_equal(vob_console_drv_size(&R, 0, &cols, &rows), 0);
	assert_int_equal(cols, 132);
	assert_int_equal(rows, 43);
	assert_int_equal(vob_dev_config_read(&R.dev, 0, cfg, 4), 0);
	assert_int_equal(vob_get_le16(cfg), 132);
	assert_int_equal(vob_get_le16(cfg + 2), 43);
	assert_int_equal(vob_console_dev_stats(&D)->rx_bytes, 13);
	assert_int_equal(vob_console_dev_stats(&D)->tx_bytes, 13);
	assert_int_equal(vob_console_drv_stats(&R)->rx_bytes, 13);
	assert_int_equal(vob_console_drv_stats(&R)->tx_bytes, 13);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 0);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 0);
}

static void test_no_size(void **state)
{
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg rc;
	uint16_t cols, rows;

	(void)state;
	dev_cfg_default(&dc);
	dc.size = 0;
	drv_cfg_default(&rc);
	dev_up(&dc);
	drv_up(&rc);
	bring_up();
	assert_false(vob_dev_features(&R.dev, 0) & CF(SIZE));
	assert_int_equal(vob_console_drv_size(&R, 0, &cols, &rows), VOB_ENODATA);
	drv_to_dev(0, "x", 1);
}

static void test_args(void **state)
{
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg rc;
	uint8_t b[4];
	uint16_t cols, rows;

	(void)state;
	dev_cfg_default(&dc);
	drv_cfg_default(&rc);
	assert_int_equal(vob_console_dev_init(NULL, &W.dev.t, &dc), VOB_EINVAL);
	dc.nr_ports = 0;
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), VOB_EINVAL);
	dc.nr_ports = 2; /* more than one port needs multiport */
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), VOB_EINVAL);
	dc.nr_ports = VOB_CONSOLE_MAX_PORTS + 1;
	dc.multiport = 1;
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), MP_OR(VOB_EINVAL));
	dev_cfg_default(&dc);
	dc.queue_size = 48;
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), VOB_EINVAL);
	dc.queue_size = 2 * VOB_CONSOLE_QSIZE;
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), VOB_EINVAL);
	dev_cfg_default(&dc);
	dc.slot = 1; /* the table has one slot */
	assert_int_equal(vob_console_dev_init(&D, &W.dev.t, &dc), VOB_EINVAL);

	rc.nr_ports = 2;
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);
	rc.nr_ports = 1;
	rc.buf_count = 0;
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);
	rc.buf_count = VOB_CONSOLE_POOL_MAX + 1;
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);
	rc.buf_count = 8;
	rc.rx_bufs = 8; /* nothing left for writes */
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);
	rc.multiport = 1;
	rc.nr_ports = 2;
	rc.buf_count = 12;
	rc.rx_bufs = 4; /* 3 queues of 4 */
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), MP_OR(VOB_EINVAL));
	rc.multiport = 0;
	rc.nr_ports = 1;
	rc.rx_bufs = 0;
	rc.buf_count = BUF_COUNT;
	rc.buf_size = 100; /* not a multiple of the line */
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);
	rc.buf_size = BUF_SIZE;
	rc.pool_addr = 0x1000; /* outside every window */
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EFAULT);
	drv_cfg_default(&rc);
	rc.dev_mem.len = rc.drv_mem.len = 1024; /* too small for the rings */
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_ENOMEM);
	rc.dev_mem.len = rc.drv_mem.len = 64u * 1024u;
	rc.queue_size = 3;
	assert_int_equal(vob_console_drv_init(&R, &W.drv.t, &rc), VOB_EINVAL);

	/* Calls before anything is live, and ports out of range. */
	dev_cfg_default(&dc);
	drv_cfg_default(&rc);
	dev_up(&dc);
	drv_up(&rc);
	assert_int_equal(vob_console_dev_write(&D, 0, "a", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_read(&D, 0, b, 1), VOB_EAGAIN);
	assert_int_equal(vob_console_drv_write(&R, 0, "a", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_drv_read(&R, 0, b, 1), VOB_EAGAIN);
	assert_int_equal(vob_console_drv_port_open(&R, 0, true), VOB_EAGAIN);
	bring_up();
	assert_int_equal(vob_console_dev_write(&D, 1, "a", 1), VOB_EINVAL);
	assert_int_equal(vob_console_dev_read(&D, 1, b, 1), VOB_EINVAL);
	assert_int_equal(vob_console_drv_write(&R, 1, "a", 1), VOB_EINVAL);
	assert_int_equal(vob_console_drv_read(&R, 1, b, 1), VOB_EINVAL);
	assert_int_equal(vob_console_dev_port_open(&D, 1, true), VOB_EINVAL);
	assert_int_equal(vob_console_dev_port_plug(&D, 1, true), VOB_EINVAL);
	assert_int_equal(vob_console_dev_port_plug(&D, 0, false), VOB_ENOTSUP);
	assert_int_equal(vob_console_dev_resize(&D, 1, 1, 1), VOB_EINVAL);
	assert_int_equal(vob_console_dev_port_status(&D, 1), VOB_EINVAL);
	assert_int_equal(vob_console_drv_port_open(&R, 1, true), VOB_EINVAL);
	assert_int_equal(vob_console_drv_port_status(&R, 1), VOB_EINVAL);
	assert_null(vob_console_drv_port_name(&R, 1));
	assert_int_equal(vob_console_drv_size(&R, 1, &cols, &rows), VOB_EINVAL);
	/* Zero-length calls move nothing and succeed. */
	assert_int_equal(vob_console_dev_write(&D, 0, b, 0), 0);
	assert_int_equal(vob_console_dev_read(&D, 0, b, 0), 0);
	assert_int_equal(vob_console_drv_write(&R, 0, b, 0), 0);
	assert_int_equal(vob_console_drv_read(&R, 0, b, 0), 0);
	/* Without multiport, port 0 is always open: nothing to send. */
	assert_int_equal(vob_console_drv_port_open(&R, 0, false), 0);
	drv_to_dev(0, "still", 5);
}

/* ---- streams ------------------------------------------------------------- */

#define STREAM (1024u * 1024u)

static void test_stream_1mb(void **state)
{
	uint8_t *a2d = malloc(STREAM), *d2a = malloc(STREAM);
	uint8_t *got_d = malloc(STREAM), *got_a = malloc(STREAM);
	size_t w_drv = 0, r_dev = 0, w_dev = 0, r_drv = 0, i;
	unsigned spins = 0, partial_reads = 0;

	(void)state;
	for (i = 0; i < STREAM; i++) {
		a2d[i] = (uint8_t)rnd();
		d2a[i] = (uint8_t)rnd();
	}
	single_port_up();
	while (r_dev < STREAM || r_drv < STREAM) {
		size_t n;
		int r;

		/* Random sizes, from one byte to several buffers. */
		n = 1 + rnd() % ((rnd() & 3) ? 700u : 5000u);
		if (w_drv < STREAM) {
			r = vob_console_drv_write(&R, 0, a2d + w_drv,
						  n < STREAM - w_drv ? n : STREAM - w_drv);
			assert_true(r > 0 || r == VOB_EAGAIN);
			if (r > 0)
				w_drv += (size_t)r;
		}
		n = 1 + rnd() % ((rnd() & 3) ? 700u : 5000u);
		if (w_dev < STREAM) {
			r = vob_console_dev_write(&D, 0, d2a + w_dev,
						  n < STREAM - w_dev ? n : STREAM - w_dev);
			assert_true(r > 0 || r == VOB_EAGAIN);
			if (r > 0)
				w_dev += (size_t)r;
		}
		n = 1 + rnd() % ((rnd() & 1) ? 97u : 3000u);
		r = vob_console_dev_read(&D, 0, got_d + r_dev, n);
		assert_true(r == VOB_EAGAIN || (r > 0 && (size_t)r <= n));
		if (r > 0) {
			r_dev += (size_t)r;
			partial_reads += (size_t)r < n;
		}
		n = 1 + rnd() % ((rnd() & 1) ? 97u : 3000u);
		r = vob_console_drv_read(&R, 0, got_a + r_drv, n);
		assert_true(r == VOB_EAGAIN || (r > 0 && (size_t)r <= n));
		if (r > 0)
			r_drv += (size_t)r;
		assert_true(r_dev <= w_drv && r_drv <= w_dev);
		if (rnd() % 4 == 0)
			pump(1);
		assert_true(++spins < 2000000);
	}
	assert_memory_equal(got_d, a2d, STREAM);
	assert_memory_equal(got_a, d2a, STREAM);
	assert_true(partial_reads > 0);
	assert_true(vob_console_dev_stats(&D)->rx_bytes == STREAM);
	assert_true(vob_console_drv_stats(&R)->rx_bytes == STREAM);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 0);
	assert_int_equal(vob_console_drv_stats(&R)->lost, 0);
	/* Every transmit buffer came back: only receive buffers are out. */
	pump(2);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT - R.port[0].owned);
	free(a2d);
	free(d2a);
	free(got_d);
	free(got_a);
}

static void test_partial_reads(void **state)
{
	uint8_t msg[100], got[100], in[150], out[150];
	unsigned i, free_before;
	int r;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	single_port_up();
	free_before = vob_pool_free(&R.pool);
	/* One 100-byte transmit buffer read one byte at a time: it stays
	 * with the device until its last byte is read. */
	assert_int_equal(vob_console_drv_write(&R, 0, msg, sizeof(msg)), 100);
	assert_int_equal(vob_pool_free(&R.pool), free_before - 1);
	for (i = 0; i < sizeof(msg); i++) {
		pump(1);
		assert_int_equal(vob_pool_free(&R.pool), free_before - 1);
		assert_int_equal(vob_console_dev_read(&D, 0, got + i, 1), 1);
	}
	assert_int_equal(vob_console_dev_read(&D, 0, got, 1), VOB_EAGAIN);
	assert_memory_equal(got, msg, sizeof(msg));
	pump(1);
	assert_int_equal(vob_pool_free(&R.pool), free_before);

	/* A device write while a transmit buffer is half read: the read goes
	 * on where it stopped (one loop serves both directions). */
	assert_int_equal(vob_console_drv_write(&R, 0, msg, 10), 10);
	pump(1);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 4), 4);
	assert_int_equal(vob_console_dev_write(&D, 0, "echo", 4), 4);
	assert_int_equal(vob_console_dev_read(&D, 0, got + 4, sizeof(got) - 4), 6);
	assert_memory_equal(got, msg, 10);
	pump(1);
	assert_int_equal(vob_console_drv_read(&R, 0, out, sizeof(out)), 4);
	assert_memory_equal(out, "echo", 4);

	/* Three device writes fill three receive buffers; the driver reads
	 * them 7 bytes at a time across the buffer boundaries. */
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(255 - i);
	assert_int_equal(vob_console_dev_write(&D, 0, in, 50), 50);
	assert_int_equal(vob_console_dev_write(&D, 0, in + 50, 50), 50);
	assert_int_equal(vob_console_dev_write(&D, 0, in + 100, 50), 50);
	for (i = 0; i < sizeof(out);) {
		r = vob_console_drv_read(&R, 0, out + i, 7);
		assert_true(r > 0 && r <= 7);
		i += (unsigned)r;
	}
	assert_int_equal(vob_console_drv_read(&R, 0, out, 7), VOB_EAGAIN);
	assert_memory_equal(out, in, sizeof(in));
	/* A read larger than what is waiting returns what there is. */
	assert_int_equal(vob_console_dev_write(&D, 0, in, 10), 10);
	assert_int_equal(vob_console_drv_read(&R, 0, out, sizeof(out)), 10);
	/* A write larger than a buffer spans several. */
	assert_int_equal(vob_console_drv_write(&R, 0, in, sizeof(in)), 150);
	assert_int_equal(vob_console_dev_read(&D, 0, out, sizeof(out)), 150);
	assert_memory_equal(out, in, sizeof(in));
}

/* The driver fills its transmitq while the device reads nothing; the device
 * fills every posted receive buffer while the driver reads nothing. */
static void test_backpressure(void **state)
{
	static uint8_t big[64u * 1024u], got[64u * 1024u];
	size_t acc = 0, rd = 0, i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	single_port_up();
	/* Driver to device. */
	for (;;) {
		r = vob_console_drv_write(&R, 0, big + acc, sizeof(big) - acc);
		if (r == VOB_EAGAIN)
			break;
		assert_true(r > 0);
		acc += (size_t)r;
		pump(1);
	}
	/* A full queue (64 entries) or the pool's share for writes. */
	assert_true(acc > 0 && acc < sizeof(big));
	assert_true(acc <= (size_t)VOB_CONSOLE_QSIZE * BUF_SIZE);
	assert_true(vob_pool_free(&R.pool) >= R.port[0].target - R.port[0].owned);
	/* Reception still works while the transmitq is full. */
	dev_to_drv(0, "rx while tx full", 16);
	while (rd < acc) {
		r = vob_console_dev_read(&D, 0, got + rd, 1000);
		assert_true(r > 0);
		rd += (size_t)r;
	}
	assert_int_equal(vob_console_dev_read(&D, 0, got, 1), VOB_EAGAIN);
	assert_memory_equal(got, big, acc);
	/* Room again. */
	r = vob_console_drv_write(&R, 0, big + acc, 1000);
	assert_int_equal(r, 1000);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 1000), 1000);
	assert_memory_equal(got, big + acc, 1000);

	/* Device to driver: as many bytes as posted receive buffers hold. */
	acc = 0;
	for (;;) {
		r = vob_console_dev_write(&D, 0, big + acc, 100);
		if (r == VOB_EAGAIN)
			break;
		assert_int_equal(r, 100); /* one receive buffer per write */
		acc += (size_t)r;
	}
	assert_int_equal(acc, 100u * R.port[0].target);
	rd = 0;
	while (rd < acc) {
		r = vob_console_drv_read(&R, 0, got + rd, 333);
		assert_true(r > 0);
		rd += (size_t)r;
	}
	assert_memory_equal(got, big, acc);
	/* The buffers were posted again: the device can write again. */
	assert_int_equal(vob_console_dev_write(&D, 0, big, BUF_SIZE + 1), BUF_SIZE + 1);
	assert_int_equal(vob_console_drv_read(&R, 0, got, sizeof(got)), BUF_SIZE + 1);
	assert_memory_equal(got, big, BUF_SIZE + 1);
}

/* ---- resets --------------------------------------------------------------- */

static void test_driver_reset(void **state)
{
	uint8_t msg[600], got[600];
	unsigned i, rx_posted;
	int r;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i + 3);
	single_port_up();
	/* Three transmit buffers in flight, one of them read in part by the
	 * device; the driver holds a receive buffer read in part. */
	assert_int_equal(vob_console_drv_write(&R, 0, msg, 600), 600);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 10), 10);
	assert_int_equal(vob_console_dev_write(&D, 0, "0123456789", 10), 10);
	assert_int_equal(vob_console_drv_read(&R, 0, got, 4), 4);
	assert_memory_equal(got, "0123", 4);
	rx_posted = R.port[0].owned - 1u; /* one is held by the reader */
	assert_int_equal(vob_console_drv_reset(&R), 0);
	/* Nothing comes back before the device has answered. */
	assert_int_equal(vob_console_drv_stats(&R)->lost, 0);
	assert_int_equal(vob_console_drv_write(&R, 0, msg, 1), VOB_EAGAIN);
	ev_dev = ev_drv = 0;
	pump(1);
	/* Every buffer in flight came back and was counted. */
	assert_int_equal(vob_console_drv_stats(&R)->lost, 3u + rx_posted);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT - 1u);
	assert_int_equal(vob_console_drv_write(&R, 0, msg, 1), VOB_EAGAIN);
	/* The part already received is still readable. */
	assert_int_equal(vob_console_drv_read(&R, 0, got, 100), 6);
	assert_memory_equal(got, "456789", 6);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	bring_up();
	assert_true(ev_dev & VOB_DEV_EV_RESET);
	assert_true(ev_dev & VOB_DEV_EV_LIVE);
	assert_true(vob_console_dev_stats(&D)->resets >= 1);
	/* The device dropped the chain it was reading: nothing stale. */
	r = vob_console_dev_read(&D, 0, got, sizeof(got));
	assert_int_equal(r, VOB_EAGAIN);
	drv_to_dev(0, msg, sizeof(msg));
	dev_to_drv(0, msg, sizeof(msg));
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 0);
}

static void test_device_restart(void **state)
{
	struct vob_console_dev_cfg dc;
	struct vob_table_cfg tc = { 0 };
	uint8_t got[8];
	unsigned lost_before;

	(void)state;
	single_port_up();
	assert_int_equal(vob_console_drv_write(&R, 0, "abc", 3), 3);
	lost_before = vob_console_drv_stats(&R)->lost;
	/* The device side restarts on the same memory. */
	tc.addr = CW_BASE;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = NQ;
	tc.config_max = CFG_MAX;
	assert_int_equal(vob_table_init(&W.dev.t, W.dev.link, &tc), 0);
	dev_cfg_default(&dc);
	dev_up(&dc);
	ev_drv = 0;
	bring_up();
	assert_true(ev_drv & VOB_DEV_EV_RESET);
	/* The transmit buffer and every posted receive buffer were lost. */
	assert_int_equal(vob_console_drv_stats(&R)->lost - lost_before, 1u + R.rx_bufs);
	assert_int_equal(vob_console_drv_stats(&R)->resets, 1);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 8), VOB_EAGAIN);
	drv_to_dev(0, "after", 5);
	dev_to_drv(0, "restart", 7);
}

static void test_driver_restart(void **state)
{
	struct vob_console_drv_cfg rc;
	uint8_t got[8];

	(void)state;
	single_port_up();
	assert_int_equal(vob_console_drv_write(&R, 0, "stale", 5), 5);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 2), 2);
	/* The driver side restarts: a new table epoch and a new driver. */
	{
		struct vob_table_cfg tc = { 0 };

		tc.addr = CW_BASE;
		tc.side = 1;
		tc.nslots = 1;
		tc.nqueues = NQ;
		tc.config_max = CFG_MAX;
		assert_int_equal(vob_table_init(&W.drv.t, W.drv.link, &tc), 0);
	}
	drv_cfg_default(&rc);
	drv_up(&rc);
	ev_dev = 0;
	bring_up();
	assert_true(ev_dev & VOB_DEV_EV_RESET);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 8), VOB_EAGAIN);
	drv_to_dev(0, "fresh", 5);
	dev_to_drv(0, "fresh", 5);
}

/* ---- multiport ------------------------------------------------------------ */

static void mp_up(uint16_t dev_ports, uint16_t drv_ports, uint16_t rx_bufs)
{
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg rc;

	dev_cfg_default(&dc);
	dc.multiport = 1;
	dc.nr_ports = dev_ports;
	dc.names[0] = "console";
#if VOB_CONSOLE_MAX_PORTS > 1 /* a build without multiport has one name */
	if (dev_ports > 1)
		dc.names[1] = "org.example.data.with.a.very.long.name";
#endif
	dc.console_mask = 1;
	dc.open_mask = 3;
	drv_cfg_default(&rc);
	rc.multiport = drv_ports > 1;
	rc.nr_ports = drv_ports;
	rc.rx_bufs = rx_bufs;
	dev_up(&dc);
	drv_up(&rc);
	bring_up();
	pump(10);
}

static void test_multiport(void **state)
{
	uint8_t cfg[12], got[64];
	uint16_t cols, rows;
	uint16_t p;

	(void)state;
	mp_up(3, 3, 4);
	assert_true(vob_dev_features(&R.dev, 0) & CF(MULTIPORT));
	assert_int_equal(vob_dev_config_read(&R.dev, 0, cfg, 12), 0);
	assert_int_equal(vob_get_le32(cfg + 4), 3);
	for (p = 0; p < 3; p++) {
		assert_true(vob_console_drv_port_status(&R, p) & VOB_CONSOLE_PORT_ADDED);
		assert_true(vob_console_dev_port_status(&D, p) & VOB_CONSOLE_PORT_ADDED);
	}
	/* Port 0: a console, opened by the driver on its own, open on the
	 * device side from the start. */
	assert_int_equal(vob_console_drv_port_status(&R, 0),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_CONSOLE |
				 VOB_CONSOLE_PORT_HOST_OPEN | VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_int_equal(vob_console_dev_port_status(&D, 0),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_CONSOLE |
				 VOB_CONSOLE_PORT_HOST_OPEN | VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_int_equal(vob_console_drv_port_status(&R, 1),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_HOST_OPEN);
	assert_int_equal(vob_console_drv_port_status(&R, 2), VOB_CONSOLE_PORT_ADDED);
	assert_string_equal(vob_console_drv_port_name(&R, 0), "console");
	assert_string_equal(vob_console_drv_port_name(&R, 1), "org.example.data.with.a.very.lo");
	assert_string_equal(vob_console_drv_port_name(&R, 2), "");
	/* Port 0's size came from the config (RESIZE only when asked). */
	assert_int_equal(vob_console_drv_size(&R, 0, &cols, &rows), 0);
	assert_int_equal(cols, 80);
	/* The device writes only to ports the driver opened. */
	assert_int_equal(vob_console_dev_write(&D, 1, "x", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_drv_port_open(&R, 1, true), 0);
	assert_int_equal(vob_console_drv_port_open(&R, 2, true), 0);
	pump(3);
	assert_true(vob_console_dev_port_status(&D, 1) & VOB_CONSOLE_PORT_GUEST_OPEN);
	/* Independent streams. */
	drv_to_dev(0, "zero", 4);
	drv_to_dev(1, "one", 3);
	drv_to_dev(2, "two", 3);
	dev_to_drv(2, "TWO", 3);
	dev_to_drv(0, "ZERO", 4);
	dev_to_drv(1, "ONE", 3);
	assert_int_equal(vob_console_drv_write(&R, 1, "11", 2), 2);
	assert_int_equal(vob_console_drv_write(&R, 2, "22", 2), 2);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 8), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_read(&D, 2, got, 8), 2);
	assert_memory_equal(got, "22", 2);
	assert_int_equal(vob_console_dev_read(&D, 1, got, 8), 2);
	assert_memory_equal(got, "11", 2);
	/* Resize of a port: a RESIZE message, cols then rows. */
	ev_drv = 0;
	assert_int_equal(vob_console_dev_resize(&D, 1, 100, 30), 0);
	pump(3);
	assert_true(ev_drv & VOB_CONSOLE_EV_PORTS);
	assert_int_equal(vob_console_drv_size(&R, 1, &cols, &rows), 0);
	assert_int_equal(cols, 100);
	assert_int_equal(rows, 30);
	assert_int_equal(vob_console_drv_size(&R, 2, &cols, &rows), VOB_ENODATA);
	/* The device side closes and reopens a port. */
	assert_int_equal(vob_console_dev_port_open(&D, 1, false), 0);
	pump(3);
	assert_false(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_HOST_OPEN);
	assert_int_equal(vob_console_dev_port_open(&D, 1, true), 0);
	pump(3);
	assert_true(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_HOST_OPEN);
	/* The driver closes a port: the device stops writing to it. */
	assert_int_equal(vob_console_drv_port_open(&R, 2, false), 0);
	pump(3);
	assert_false(vob_console_dev_port_status(&D, 2) & VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_int_equal(vob_console_dev_write(&D, 2, "x", 1), VOB_EAGAIN);
	/* Hot unplug and plug of port 2. */
	assert_int_equal(vob_console_dev_port_plug(&D, 2, false), 0);
	pump(3);
	assert_int_equal(vob_console_drv_port_status(&R, 2), 0);
	assert_int_equal(vob_console_dev_port_status(&D, 2), 0);
	assert_int_equal(vob_console_drv_write(&R, 2, "x", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_drv_port_open(&R, 2, true), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_port_plug(&D, 2, true), 0);
	pump(3);
	assert_int_equal(vob_console_drv_port_status(&R, 2), VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_drv_port_open(&R, 2, true), 0);
	pump(3);
	drv_to_dev(2, "back", 4);
	dev_to_drv(2, "BACK", 4);
	/* Unplug and plug again before the driver heard of either. */
	assert_int_equal(vob_console_dev_port_plug(&D, 1, false), 0);
	assert_int_equal(vob_console_dev_port_plug(&D, 1, true), 0);
	pump(5);
	assert_true(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 0);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 0);
	/* A reset brings every port back through the handshake. */
	assert_int_equal(vob_console_drv_reset(&R), 0);
	assert_int_equal(vob_console_drv_port_status(&R, 0), 0);
	bring_up();
	pump(10);
	assert_int_equal(vob_console_drv_port_status(&R, 0),
			 VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_CONSOLE |
				 VOB_CONSOLE_PORT_HOST_OPEN | VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_true(vob_console_drv_port_status(&R, 2) & VOB_CONSOLE_PORT_ADDED);
	drv_to_dev(0, "again", 5);
	dev_to_drv(0, "again", 5);
}

static void test_multiport_mismatch(void **state)
{
	(void)state;
	/* A multiport device, a single-port driver: port 0 alone. */
	mp_up(2, 1, 0);
	assert_false(vob_dev_features(&R.dev, 0) & CF(MULTIPORT));
	assert_int_equal(vob_console_dev_port_status(&D, 1), VOB_CONSOLE_PORT_HOST_OPEN);
	drv_to_dev(0, "mp dev", 6);
	dev_to_drv(0, "sp drv", 6);
	teardown(NULL);
	setup(NULL);
	/* A driver with more ports than a single-port device. */
	{
		struct vob_console_dev_cfg dc;
		struct vob_console_drv_cfg rc;

		dev_cfg_default(&dc);
		drv_cfg_default(&rc);
		rc.multiport = 1;
		rc.nr_ports = 3;
		rc.rx_bufs = 4;
		dev_up(&dc);
		drv_up(&rc);
		bring_up();
		assert_int_equal(vob_console_drv_port_status(&R, 1), 0);
		assert_int_equal(vob_console_drv_write(&R, 1, "x", 1), VOB_EAGAIN);
		drv_to_dev(0, "sp dev", 6);
	}
	teardown(NULL);
	setup(NULL);
	/* A device with more ports than the driver: the extra one is
	 * announced and ignored. */
	mp_up(3, 2, 4);
	assert_true(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_ADDED);
	assert_false(vob_console_dev_port_status(&D, 2) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 1);
	drv_to_dev(1, "p1", 2);
}

/* ---- a hostile driver ------------------------------------------------------ */

struct rawbuf {
	uint64_t addr;
	uint8_t *p;
};

static struct rawbuf rawbuf(size_t len)
{
	struct rawbuf b;

	b.addr = cw_alloc(&W, len ? len : 1);
	assert_true(b.addr != 0);
	b.p = cw_ptr(&W, b.addr);
	return b;
}

static int tokens[64];

/* Add a chain of @n segments of @len bytes each; the first @n_out readable. */
static void raw_add(uint16_t q, unsigned n_out, unsigned n_in, uint32_t len, const void *data,
		    int tok)
{
	struct vob_seg s[16];
	unsigned i;

	assert_true(n_out + n_in <= 16);
	for (i = 0; i < n_out + n_in; i++) {
		struct rawbuf b = rawbuf(len);

		if (data)
			memcpy(b.p, data, len);
		s[i].addr = b.addr;
		s[i].len = len;
	}
	assert_int_equal(vob_vq_add(raw_vq(q), s, n_out, n_in, &tokens[tok]), 0);
	vob_vq_kick(raw_vq(q));
}

/* The next used chain of queue @q: its token index and written length. */
static int raw_used(uint16_t q, uint32_t *written)
{
	void *tok;

	if (vob_vq_get_used(raw_vq(q), &tok, written))
		return -1;
	return (int)((int *)tok - tokens);
}

static void raw_driver_up(uint16_t ports, bool mp)
{
	struct vob_console_dev_cfg dc;

	dev_cfg_default(&dc);
	dc.nr_ports = ports;
	dc.multiport = mp;
	dc.names[0] = "c0";
	dc.console_mask = 1;
	dev_up(&dc);
	raw_drv_init((uint16_t)(mp ? 2 + 2 * ports : 2),
		     F(VERSION_1) | (mp ? CF(MULTIPORT) : 0));
	bring_up();
}

static void test_hostile_data_chains(void **state)
{
	uint8_t got[64];
	uint32_t w;
	int tok;

	(void)state;
	raw_driver_up(1, false);

	/* A transmit chain with a writable segment: returned unread. */
	raw_add(1, 1, 1, 8, "AAAAAAAA", 1);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 1);
	tok = raw_used(1, &w);
	assert_int_equal(tok, 1);
	assert_int_equal(w, 0);
	/* Only writable segments. */
	raw_add(1, 0, 1, 8, "BBBBBBBB", 2);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 2);
	assert_int_equal(raw_used(1, &w), 2);
	/* A zero-length transmit chain. */
	raw_add(1, 1, 0, 0, NULL, 3);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 3);
	assert_int_equal(raw_used(1, &w), 3);
	/* A good one after them, behind a bad one in the same call. */
	raw_add(1, 1, 1, 4, "XXXX", 4);
	raw_add(1, 2, 0, 4, "good", 5);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), 8);
	assert_memory_equal(got, "goodgood", 8);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 4);
	assert_int_equal(raw_used(1, &w), 4);
	assert_int_equal(raw_used(1, &w), 5);
	assert_int_equal(w, 0);
	/* The device never wrote into the writable segments it refused. */
	assert_int_equal(vob_console_dev_stats(&D)->rx_bytes, 8);

	/* A receive chain with a readable segment: returned unused. */
	raw_add(0, 1, 1, 8, "--------", 6);
	assert_int_equal(vob_console_dev_write(&D, 0, "data", 4), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 5);
	assert_int_equal(raw_used(0, &w), 6);
	assert_int_equal(w, 0);
	/* A zero-length receive chain. */
	raw_add(0, 0, 1, 0, NULL, 7);
	assert_int_equal(vob_console_dev_write(&D, 0, "data", 4), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 6);
	assert_int_equal(raw_used(0, &w), 7);
	/* A good receive chain of two segments. */
	raw_add(0, 0, 2, 3, NULL, 8);
	assert_int_equal(vob_console_dev_write(&D, 0, "datadata", 8), 6);
	assert_int_equal(raw_used(0, &w), 8);
	assert_int_equal(w, 6);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 6);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 0);
	assert_int_equal(vob_dev_state(&D.dev), VOB_DEV_LIVE);
}

/* More zero-length chains than a call handles: the call returns. */
static void test_hostile_flood(void **state)
{
	uint8_t got[4];
	uint32_t w;
	unsigned i, n = 0;
	int r;

	(void)state;
	raw_driver_up(1, false);
	for (i = 0; i < RAW_QSIZE; i++)
		raw_add(1, 1, 0, 0, NULL, (int)i);
	/* The queue holds 16; recycle them as the device returns them, so
	 * that the device sees an endless supply. */
	for (i = 0; i < 10; i++) {
		r = vob_console_dev_read(&D, 0, got, sizeof(got));
		assert_int_equal(r, VOB_EAGAIN);
		while (raw_used(1, &w) >= 0) {
			raw_add(1, 1, 0, 0, NULL, 0);
			n++;
		}
	}
	assert_true(n >= 10 * RAW_QSIZE);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, n);
	assert_int_equal(vob_dev_state(&D.dev), VOB_DEV_LIVE);
}

/* A ring the driver broke: the device asks for a reset. */
static void test_hostile_ring(void **state)
{
	uint8_t got[4];
	struct vob_seg s[VOB_CONSOLE_SEG_MAX + 1];
	unsigned i;

	(void)state;
	raw_driver_up(1, false);
	/* More descriptors than seg_max. */
	for (i = 0; i < VOB_CONSOLE_SEG_MAX + 1; i++) {
		s[i].addr = rawbuf(4).addr;
		s[i].len = 4;
	}
	assert_int_equal(vob_vq_add(raw_vq(1), s, VOB_CONSOLE_SEG_MAX + 1, 0, &tokens[0]), 0);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 4), VOB_EPROTO);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 1);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 4), VOB_EAGAIN);
	RAW.ev = 0;
	pump(2);
	assert_true(RAW.ev & VOB_DEV_EV_NEEDS_RESET);
	/* A segment outside every window, on the receiveq, after a reset. */
	assert_int_equal(vob_dev_reset(&RAW.dev), 0);
	bring_up();
	s[0].addr = 0xdead0000ull;
	s[0].len = 16;
	assert_int_equal(vob_vq_add(raw_vq(0), s, 0, 1, &tokens[0]), 0);
	assert_int_equal(vob_console_dev_write(&D, 0, "x", 1), VOB_EPROTO);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 2);
	RAW.ev = 0;
	pump(2);
	assert_true(RAW.ev & VOB_DEV_EV_NEEDS_RESET);
}

/* Control messages from a hostile driver. */
static void ctl(uint8_t *m, uint32_t id, uint16_t ev, uint16_t value)
{
	vob_put_le32(m, id);
	vob_put_le16(m + 4, ev);
	vob_put_le16(m + 6, value);
}

static void raw_ctl_send(const uint8_t *m, uint32_t len, int tok)
{
	raw_add(VOB_CONSOLE_CTRL_TXQ, 1, 0, len, m, tok);
}

/* Collect every control message the device sent; returns how many, and
 * copies them (8-byte header + payload, up to 48 bytes each). */
static unsigned raw_ctl_recv(uint8_t msgs[][48], uint32_t *lens, unsigned max)
{
	unsigned n = 0;
	void *tok;
	uint32_t w;

	while (n < max && vob_vq_get_used(raw_vq(VOB_CONSOLE_CTRL_RXQ), &tok, &w) == 0) {
		struct rawbuf *b = tok;

		memcpy(msgs[n], b->p, w < 48 ? w : 48);
		lens[n++] = w;
	}
	return n;
}

static struct rawbuf ctl_bufs[64];

/* Post @n control receive buffers of @len bytes; with @n_out, each chain
 * is a readable segment followed by a writable one. */
static void raw_ctl_post(unsigned n, uint32_t len, unsigned n_out)
{
	static unsigned next;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct rawbuf *b = &ctl_bufs[next++ % 64];
		struct vob_seg s[2] = { { 0, len }, { 0, len } };

		*b = rawbuf(len);
		s[0].addr = b->addr;
		s[1].addr = rawbuf(len).addr;
		if (n_out) { /* readable, then the writable one (@b) */
			s[0].addr = s[1].addr;
			s[1].addr = b->addr;
		}
		assert_int_equal(vob_vq_add(raw_vq(VOB_CONSOLE_CTRL_RXQ), s, n_out, 1, b), 0);
	}
}

static void test_hostile_control(void **state)
{
	uint8_t m[16], msgs[16][48];
	uint32_t lens[16], w;
	unsigned n, bad = 0;

	(void)state;
	raw_driver_up(2, true);
	/* Control messages out of place before DEVICE_READY. */
	ctl(m, 0, VOB_CONSOLE_PORT_READY, 1); /* port never announced */
	raw_ctl_send(m, 8, 0);
	ctl(m, 0, VOB_CONSOLE_PORT_OPEN, 1); /* port not added */
	raw_ctl_send(m, 8, 1);
	pump(1);
	bad += 2;
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, bad);
	/* Malformed: short, writable, zero-length, unknown event, events
	 * only the device sends, bad port ids, bad values. */
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 4, 2); /* short */
	raw_add(VOB_CONSOLE_CTRL_TXQ, 1, 1, 8, m, 3); /* with a writable segment */
	raw_add(VOB_CONSOLE_CTRL_TXQ, 1, 0, 0, NULL, 4); /* zero length */
	ctl(m, 0, 99, 1);
	raw_ctl_send(m, 8, 5);
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_ctl_send(m, 8, 6);
	ctl(m, 0, VOB_CONSOLE_PORT_NAME, 0);
	raw_ctl_send(m, 8, 7);
	ctl(m, 7, VOB_CONSOLE_PORT_READY, 1);
	raw_ctl_send(m, 8, 8);
	ctl(m, 0xffffffffu, VOB_CONSOLE_PORT_OPEN, 1);
	raw_ctl_send(m, 8, 9);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 7);
	raw_ctl_send(m, 8, 10);
	pump(1);
	bad += 9;
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, bad);
	assert_int_equal(D.drv_ready, 0);
	/* Every one of them came back, unwritten. */
	for (n = 0; n < 11; n++) {
		assert_int_equal(raw_used(VOB_CONSOLE_CTRL_TXQ, &w), (int)n);
		assert_int_equal(w, 0);
	}
	/* DEVICE_READY: the device announces its ports; control receive
	 * buffers that are readable or too small are returned empty and the
	 * message waits for a good one. */
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 11);
	raw_ctl_post(1, 64, 1); /* readable */
	raw_ctl_post(1, 4, 0);  /* too small */
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 2);
	assert_int_equal(lens[0], 0);
	assert_int_equal(lens[1], 0);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 2);
	raw_ctl_post(4, 64, 0);
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 2);
	assert_int_equal(lens[0], 8);
	assert_int_equal(vob_get_le32(msgs[0]), 0);
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_DEVICE_ADD);
	assert_int_equal(vob_get_le32(msgs[1]), 1);
	assert_int_equal(vob_get_le16(msgs[1] + 4), VOB_CONSOLE_DEVICE_ADD);
	/* DEVICE_READY twice: ignored, no second announcement. */
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 12);
	pump(1);
	bad++;
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, bad);
	assert_int_equal(raw_ctl_recv(msgs, lens, 16), 0);
	/* PORT_READY 0 (the driver failed the port): nothing follows. */
	ctl(m, 1, VOB_CONSOLE_PORT_READY, 0);
	raw_ctl_send(m, 8, 13);
	/* PORT_READY 1 for port 0: console, size and name follow; a small
	 * buffer cuts the name. */
	ctl(m, 0, VOB_CONSOLE_PORT_READY, 1);
	raw_ctl_send(m, 8, 14);
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 2); /* two buffers were left */
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_CONSOLE_PORT);
	assert_int_equal(vob_get_le16(msgs[0] + 6), 1);
	assert_int_equal(vob_get_le16(msgs[1] + 4), VOB_CONSOLE_RESIZE);
	assert_int_equal(lens[1], 12);
	assert_int_equal(vob_get_le16(msgs[1] + 8), 80); /* cols first */
	assert_int_equal(vob_get_le16(msgs[1] + 10), 25);
	raw_ctl_post(1, 9, 0);
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 1);
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_PORT_NAME);
	assert_int_equal(lens[0], 9);
	assert_int_equal(msgs[0][8], 'c');
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 2);
	/* A RESIZE does not fit in 10 bytes: that buffer comes back empty. */
	assert_int_equal(vob_console_dev_resize(&D, 0, 90, 30), 0);
	raw_ctl_post(1, 10, 0);
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 1);
	assert_int_equal(lens[0], 0);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 3);
	raw_ctl_post(1, 12, 0);
	pump(1);
	n = raw_ctl_recv(msgs, lens, 16);
	assert_int_equal(n, 1);
	assert_int_equal(lens[0], 12);
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_RESIZE);
	assert_int_equal(vob_get_le16(msgs[0] + 8), 90);
	assert_true(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_ADDED);
	assert_false(vob_console_dev_port_status(&D, 1) & VOB_CONSOLE_PORT_ADDED);
	/* PORT_READY again for an added port, PORT_OPEN with value 2,
	 * PORT_READY with value 2. */
	ctl(m, 0, VOB_CONSOLE_PORT_READY, 1);
	raw_ctl_send(m, 8, 15);
	ctl(m, 0, VOB_CONSOLE_PORT_OPEN, 2);
	raw_ctl_send(m, 8, 16);
	ctl(m, 1, VOB_CONSOLE_PORT_READY, 2);
	raw_ctl_send(m, 8, 19);
	pump(1);
	bad += 3;
	assert_false(vob_console_dev_port_status(&D, 1) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, bad);
	assert_false(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_GUEST_OPEN);
	/* A good PORT_OPEN: data may flow to port 0. */
	ctl(m, 0, VOB_CONSOLE_PORT_OPEN, 1);
	raw_ctl_send(m, 8, 17);
	pump(1);
	assert_true(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_GUEST_OPEN);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, bad);
	raw_add(0, 0, 1, 16, NULL, 18);
	assert_int_equal(vob_console_dev_write(&D, 0, "to port 0", 9), 9);
	assert_int_equal(raw_used(0, &w), 18);
	assert_int_equal(w, 9);
	/* Port 1 was not made ready: the device does not write to it. */
	assert_int_equal(vob_console_dev_write(&D, 1, "x", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 0);
	assert_int_equal(vob_dev_state(&D.dev), VOB_DEV_LIVE);
}

/* DEVICE_READY with value 0 (the driver failed to set up): nothing is
 * announced and nothing is counted bad; a DEVICE_READY 1 later works. */
static void test_device_ready_zero(void **state)
{
	uint8_t m[8], msgs[4][48];
	uint32_t lens[4], w;

	(void)state;
	raw_driver_up(2, true);
	raw_ctl_post(4, 64, 0);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 0);
	raw_ctl_send(m, 8, 0);
	pump(2);
	assert_int_equal(raw_used(VOB_CONSOLE_CTRL_TXQ, &w), 0);
	assert_int_equal(raw_ctl_recv(msgs, lens, 4), 0);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 1);
	pump(1);
	assert_int_equal(raw_ctl_recv(msgs, lens, 4), 2);
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_DEVICE_ADD);
	assert_int_equal(vob_get_le16(msgs[1] + 4), VOB_CONSOLE_DEVICE_ADD);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
}

/* A driver that did not take MULTIPORT but placed the control queues
 * anyway: its "control messages" are not control messages. A PORT_OPEN 0
 * for port 0 must not close the only port, and the device leaves the
 * chains alone. */
static void test_control_without_multiport(void **state)
{
	struct vob_console_dev_cfg dc;
	uint8_t m[8], got[8];
	uint32_t w;

	(void)state;
	dev_cfg_default(&dc);
	dc.multiport = true;
	dev_up(&dc);
	raw_drv_init(4, F(VERSION_1));
	bring_up();
	ctl(m, 0, VOB_CONSOLE_PORT_OPEN, 0);
	raw_ctl_send(m, 8, 0);
	pump(2);
	assert_int_equal(raw_used(VOB_CONSOLE_CTRL_TXQ, &w), -1);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
	assert_true(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_GUEST_OPEN);
	raw_add(0, 0, 1, 8, NULL, 1);
	assert_int_equal(vob_console_dev_write(&D, 0, "data", 4), 4);
	assert_int_equal(raw_used(0, &w), 1);
	assert_int_equal(w, 4);
	raw_add(1, 1, 0, 4, "back", 2);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), 4);
	assert_memory_equal(got, "back", 4);
}

/* Chains of 2.5 GiB (eight 320 MiB segments over one reserved mapping: a
 * chain may hold up to 2^32 - 1 bytes, more than a call returns). The
 * device's "done with this chain" mark must lie above every chain length:
 * below it, a bad chain was written into or read from and a good one never
 * given back. */
#define BIG_BASE 0x100000000ull
#define BIG_SEG (320u * 1024u * 1024u)

static void big_add(uint16_t q, unsigned n_out, unsigned n_in, int tok)
{
	struct vob_seg s[8];
	unsigned i;

	for (i = 0; i < n_out + n_in; i++) {
		s[i].addr = BIG_BASE;
		s[i].len = BIG_SEG;
	}
	assert_int_equal(vob_vq_add(raw_vq(q), s, n_out, n_in, &tokens[tok]), 0);
	vob_vq_kick(raw_vq(q));
}

static void test_chains_over_2gib(void **state)
{
	struct vob_window_cfg win = { BIG_BASE, BIG_SEG, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				      VOB_MAP_READ | VOB_MAP_WRITE };
	uint8_t got[8], *p;
	uint32_t w;

	(void)state;
	if (W.sim)
		skip(); /* the window is added to the fake backing's port */
	raw_driver_up(1, false);
	p = mmap(NULL, BIG_SEG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	assert_true(p != MAP_FAILED);
	fake_port_add_region(&W.dev.port, BIG_BASE, p, BIG_SEG);
	assert_true(vob_link_add_window(W.dev.link, &win) >= 0);
	memset(p, 'z', 8);
	/* A receive buffer with a readable segment: given back unused. */
	big_add(0, 1, 7, 1);
	assert_int_equal(vob_console_dev_write(&D, 0, "data", 4), VOB_EAGAIN);
	assert_int_equal(raw_used(0, &w), 1);
	assert_int_equal(w, 0);
	assert_memory_equal(p, "zzzz", 4);
	/* A good one: written and given back at once. */
	big_add(0, 0, 8, 2);
	assert_int_equal(vob_console_dev_write(&D, 0, "data", 4), 4);
	assert_int_equal(raw_used(0, &w), 2);
	assert_int_equal(w, 4);
	assert_memory_equal(p, "data", 4);
	/* A transmit buffer with a writable segment: not read. */
	big_add(1, 7, 1, 3);
	assert_int_equal(vob_console_dev_read(&D, 0, got, sizeof(got)), VOB_EAGAIN);
	assert_int_equal(raw_used(1, &w), 3);
	assert_int_equal(vob_console_dev_stats(&D)->bad_chains, 2);
	assert_int_equal(munmap(p, BIG_SEG), 0);
}

/* Side @s writes a 16-bit ring field behind the library's back. */
static void poke16(struct cw_side *s, uint64_t addr, uint16_t v)
{
	uint8_t b[2];

	vob_put_le16(b, v);
	cw_poke(&W, s, addr, b, 2);
}

/* A driver that breaks a control queue: the device asks for a reset, and
 * after it serves again. */
/* Queue @q's avail index jumps (side of the raw driver): the next poll
 * finds it when it reads that ring, asks for a reset (the @errors-th ring
 * error), and the driver resets and comes back. */
static void control_ring_breaks(uint16_t q, uint32_t errors)
{
	poke16(&W.drv, RAW.q[q].driver_addr + 2, 1000);
	RAW.ev = 0;
	pump(2);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, errors);
	assert_true(RAW.ev & VOB_DEV_EV_NEEDS_RESET);
	assert_int_equal(vob_dev_reset(&RAW.dev), 0);
	bring_up();
}

static void test_hostile_control_rings(void **state)
{
	uint8_t m[8], msgs[4][48];
	uint32_t lens[4];

	(void)state;
	raw_driver_up(2, true);
	control_ring_breaks(VOB_CONSOLE_CTRL_TXQ, 1);
	/* The control receiveq's, found when the device has a message to
	 * send. */
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 0);
	control_ring_breaks(VOB_CONSOLE_CTRL_RXQ, 2);
	raw_ctl_post(4, 64, 0);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 1);
	pump(1);
	assert_int_equal(raw_ctl_recv(msgs, lens, 4), 2);
	assert_int_equal(vob_get_le16(msgs[0] + 4), VOB_CONSOLE_DEVICE_ADD);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 2);
}

/* A driver that says a port is ready without having enabled its queues. */
static void test_hostile_ready_without_queues(void **state)
{
	struct vob_console_dev_cfg dc;
	uint8_t m[8], msgs[4][48];
	uint32_t lens[4];

	(void)state;
	dev_cfg_default(&dc);
	dc.nr_ports = 2;
	dc.multiport = 1;
	dev_up(&dc);
	raw_drv_init(4, F(VERSION_1) | CF(MULTIPORT)); /* port 1's queues missing */
	bring_up();
	raw_ctl_post(4, 64, 0);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_ctl_send(m, 8, 0);
	pump(1);
	assert_int_equal(raw_ctl_recv(msgs, lens, 4), 2);
	ctl(m, 1, VOB_CONSOLE_PORT_READY, 1);
	raw_ctl_send(m, 8, 1);
	ctl(m, 0, VOB_CONSOLE_PORT_READY, 1);
	raw_ctl_send(m, 8, 2);
	pump(1);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 1);
	assert_false(vob_console_dev_port_status(&D, 1) & VOB_CONSOLE_PORT_ADDED);
	assert_true(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_dev_write(&D, 1, "x", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_read(&D, 1, m, 1), VOB_EAGAIN);
}

/* The device asks for a reset: the driver resets and comes back. */
static void test_needs_reset_recovers(void **state)
{
	uint8_t got[4];

	(void)state;
	single_port_up();
	assert_int_equal(vob_console_drv_write(&R, 0, "lost", 4), 4);
	assert_int_equal(vob_dev_set_needs_reset(&D.dev), 0);
	ev_drv = 0;
	pump(1);
	assert_true(ev_drv & VOB_DEV_EV_NEEDS_RESET);
	assert_int_equal(vob_console_drv_stats(&R)->lost, 1u + R.rx_bufs);
	bring_up();
	assert_int_equal(vob_console_dev_read(&D, 0, got, 4), VOB_EAGAIN);
	drv_to_dev(0, "back", 4);
	dev_to_drv(0, "back", 4);
}

/* The device is removed from the table: its poll says VOB_EIO, nothing
 * moves, and the driver takes every buffer back. */
static void test_device_removed(void **state)
{
	uint8_t got[4];

	(void)state;
	single_port_up();
	assert_int_equal(vob_console_drv_write(&R, 0, "gone", 4), 4);
	assert_true(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_dev_remove(&D.dev), 0);
	assert_int_equal(vob_console_dev_poll(&D), VOB_EIO);
	/* The device object no longer calls the port set up. */
	assert_false(vob_console_dev_port_status(&D, 0) & VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_dev_stats(&D)->resets, 1);
	assert_int_equal(vob_console_dev_write(&D, 0, "x", 1), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_read(&D, 0, got, 4), VOB_EAGAIN);
	have_dev = 0;
	ev_drv = 0;
	pump(1);
	assert_true(ev_drv & VOB_DEV_EV_RESET);
	assert_int_equal(vob_console_drv_stats(&R)->lost, 1u + R.rx_bufs);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	assert_int_equal(vob_console_drv_port_status(&R, 0), 0);
	assert_int_equal(vob_console_drv_write(&R, 0, "x", 1), VOB_EAGAIN);
}

/* A device queue smaller than the receive buffers asked for: the driver
 * posts what fits, keeps the rest in the pool, and the stream works. A
 * count beyond the driver's own queue size is lowered to it. */
static void test_small_queues(void **state)
{
	struct vob_console_dev_cfg dc;
	struct vob_console_drv_cfg rc;
	uint8_t got[100];
	unsigned n = 0;
	int r;

	(void)state;
	dev_cfg_default(&dc);
	dc.queue_size = 8;
	drv_cfg_default(&rc);
	rc.rx_bufs = 16;
	dev_up(&dc);
	drv_up(&rc);
	bring_up();
	assert_int_equal(R.port[0].owned, 8);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT - 8);
	while ((r = vob_console_dev_write(&D, 0, "0123456789", 10)) == 10)
		n++;
	assert_int_equal(r, VOB_EAGAIN);
	assert_int_equal(n, 8);
	for (r = 0; r < 80;) {
		int k = vob_console_drv_read(&R, 0, got, sizeof(got));

		assert_true(k > 0);
		r += k;
		assert_memory_equal(got, "0123456789", 10);
	}
	pump(1);
	assert_int_equal(R.port[0].owned, 8);
	dev_to_drv(0, "more", 4);
	drv_to_dev(0, "back", 4);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 0);

	teardown(NULL);
	setup(NULL);
	drv_buf_count = 20;
	dev_cfg_default(&dc);
	drv_cfg_default(&rc);
	rc.queue_size = 16;
	rc.rx_bufs = 40; /* lowered to 16: 20 buffers are then enough */
	dev_up(&dc);
	drv_up(&rc);
	bring_up();
	assert_int_equal(R.port[0].owned, 16);
	assert_int_equal(vob_pool_free(&R.pool), 4);
	drv_to_dev(0, "small", 5);
	dev_to_drv(0, "small", 5);
}

/* Writes took every spare pool buffer: a control message waits for one,
 * and goes out once the device has read the writes. */
static void test_control_waits_for_pool(void **state)
{
	static uint8_t big[4 * BUF_SIZE], got[4 * BUF_SIZE];
	size_t i, rd = 0;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	drv_buf_count = 20; /* 4 × 3 + 4 receive buffers, 4 spare */
	mp_up(3, 3, 4);
	assert_int_equal(vob_pool_free(&R.pool), 4);
	assert_int_equal(vob_console_drv_write(&R, 1, big, sizeof(big)), (int)sizeof(big));
	assert_int_equal(vob_pool_free(&R.pool), 0);
	assert_int_equal(vob_console_drv_port_open(&R, 2, true), 0);
	pump(3);
	assert_false(vob_console_dev_port_status(&D, 2) & VOB_CONSOLE_PORT_GUEST_OPEN);
	while (rd < sizeof(big)) {
		int r = vob_console_dev_read(&D, 1, got + rd, sizeof(got) - rd);

		assert_true(r > 0);
		rd += (size_t)r;
	}
	assert_memory_equal(got, big, sizeof(big));
	pump(3);
	assert_true(vob_console_dev_port_status(&D, 2) & VOB_CONSOLE_PORT_GUEST_OPEN);
	dev_to_drv(2, "open", 4);
	assert_int_equal(vob_console_dev_stats(&D)->bad_ctrl, 0);
}

/* A port unplugged while the device holds one of its transmit buffers read
 * in part: the buffer goes back to the driver, its unread bytes are never
 * delivered, and the port works again once plugged back in. */
static void test_unplug_while_reading(void **state)
{
	uint8_t got[16];
	unsigned free_before;

	(void)state;
	mp_up(3, 3, 4);
	assert_int_equal(vob_console_drv_port_open(&R, 1, true), 0);
	pump(3);
	free_before = vob_pool_free(&R.pool);
	assert_int_equal(vob_console_drv_write(&R, 1, "0123456789", 10), 10);
	pump(1);
	assert_int_equal(vob_console_dev_read(&D, 1, got, 3), 3);
	assert_memory_equal(got, "012", 3);
	assert_int_equal(vob_console_dev_port_plug(&D, 1, false), 0);
	pump(3);
	assert_int_equal(vob_console_drv_port_status(&R, 1), 0);
	/* The device side keeps its own choice: open. */
	assert_int_equal(vob_console_dev_port_status(&D, 1), VOB_CONSOLE_PORT_HOST_OPEN);
	assert_int_equal(vob_pool_free(&R.pool), free_before);
	assert_int_equal(vob_console_dev_read(&D, 1, got, sizeof(got)), VOB_EAGAIN);
	assert_int_equal(vob_console_dev_port_plug(&D, 1, true), 0);
	pump(3);
	assert_int_equal(vob_console_drv_port_open(&R, 1, true), 0);
	pump(3);
	drv_to_dev(1, "new", 3);
	assert_int_equal(vob_console_dev_stats(&D)->rx_bytes, 6);
	assert_int_equal(vob_console_dev_stats(&D)->ring_errors, 0);
}

/* ---- a hostile device ------------------------------------------------------ */

static void raw_device_up(bool mp, uint16_t ports)
{
	struct vob_console_drv_cfg rc;

	drv_cfg_default(&rc);
	rc.multiport = mp;
	rc.nr_ports = ports;
	rc.rx_bufs = 4;
	raw_dev_init((uint16_t)(mp ? 2 + 2 * ports : 2),
		     F(VERSION_1) | CF(SIZE) | (mp ? CF(MULTIPORT) : 0), 80, 25, ports);
	drv_up(&rc);
	bring_up();
}

/* The device pops the next chain of queue @q and answers with @data,
 * claiming @written bytes. */
static void raw_answer(uint16_t q, const void *data, uint32_t len, uint32_t written)
{
	struct vob_iov iov[16];
	struct vob_chain c = { .iov = iov, .cap = 16 };
	int r = vob_vq_pop(raw_vq(q), &c);

	if (r == VOB_EAGAIN) { /* let the driver post its buffers again */
		pump(1);
		r = vob_vq_pop(raw_vq(q), &c);
	}
	assert_int_equal(r, 0);
	if (len)
		assert_int_equal(vob_chain_push(W.dev.link, &c, 0, data, len, NULL), (int)len);
	assert_int_equal(vob_vq_push(raw_vq(q), &c, written), 0);
	vob_vq_kick(raw_vq(q));
}

static void test_hostile_device_data(void **state)
{
	uint8_t got[BUF_SIZE * 2];
	struct vob_iov iov[16];
	struct vob_chain c = { .iov = iov, .cap = 16 };
	unsigned lost;

	(void)state;
	raw_device_up(false, 1);
	assert_int_equal(R.port[0].owned, 4);
	/* An empty receive buffer: posted again, nothing read. */
	raw_answer(0, NULL, 0, 0);
	assert_int_equal(vob_console_drv_read(&R, 0, got, sizeof(got)), VOB_EAGAIN);
	raw_answer(0, "abc", 3, 3);
	assert_int_equal(vob_console_drv_read(&R, 0, got, sizeof(got)), 3);
	assert_memory_equal(got, "abc", 3);
	assert_int_equal(R.port[0].owned, 4);
	/* A used length beyond the receive buffer: the ring refuses it, the
	 * driver resets the device and counts its buffers as lost. */
	assert_int_equal(vob_vq_pop(raw_vq(0), &c), 0);
	assert_int_equal(c.in_len, BUF_SIZE);
	lost = vob_console_drv_stats(&R)->lost;
	/* Write the used entry by hand: the device role refuses such a push. */
	{
		struct vob_vq *vq = raw_vq(0);
		uint8_t *used = RAW.vq[0].used;
		uint16_t idx = vob_get_le16(used + 2);

		(void)vq;
		vob_put_le32(used + 4 + 8 * (idx % RAW_QSIZE), c.head);
		vob_put_le32(used + 8 + 8 * (idx % RAW_QSIZE), BUF_SIZE + 1);
		vob_put_le16(used + 2, (uint16_t)(idx + 1));
		cw_written(&W, &W.dev, used, 4u + 8u * RAW_QSIZE);
	}
	assert_int_equal(vob_console_drv_read(&R, 0, got, sizeof(got)), VOB_EPROTO);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 1);
	pump(2); /* the device answers the reset, the driver takes the answer */
	assert_int_equal(vob_console_drv_stats(&R)->lost - lost, 4);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	bring_up();
	/* A written length on a transmit buffer: the ring refuses it too. */
	assert_int_equal(vob_console_drv_write(&R, 0, "hello", 5), 5);
	assert_int_equal(vob_vq_pop(raw_vq(1), &c), 0);
	assert_int_equal(c.out_len, 5);
	{
		uint8_t *used = RAW.vq[1].used;
		uint16_t idx = vob_get_le16(used + 2);

		vob_put_le32(used + 4 + 8 * (idx % RAW_QSIZE), c.head);
		vob_put_le32(used + 8 + 8 * (idx % RAW_QSIZE), 5);
		vob_put_le16(used + 2, (uint16_t)(idx + 1));
		cw_written(&W, &W.dev, used, 4u + 8u * RAW_QSIZE);
	}
	pump(2); /* the driver finds it and resets, then takes the answer */
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 2);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	bring_up();
	assert_int_equal(vob_console_drv_write(&R, 0, "ok", 2), 2);
	assert_int_equal(vob_vq_pop(raw_vq(1), &c), 0);
	assert_int_equal(vob_chain_pull(W.dev.link, &c, 0, got, 2, NULL), 2);
	assert_memory_equal(got, "ok", 2);
}

static void test_hostile_device_control(void **state)
{
	uint8_t m[64];
	unsigned bad = 0;
	uint16_t cols, rows;

	(void)state;
	raw_device_up(true, 2);
	/* The driver sent DEVICE_READY. */
	{
		struct vob_iov iov[16];
		struct vob_chain c = { .iov = iov, .cap = 16 };

		assert_int_equal(vob_vq_pop(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c), 0);
		assert_int_equal(c.out_len, 8);
		assert_int_equal(c.n_in, 0);
		assert_int_equal(vob_chain_pull(W.dev.link, &c, 0, m, 8, NULL), 8);
		assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_DEVICE_READY);
		assert_int_equal(vob_get_le16(m + 6), 1);
		assert_int_equal(vob_vq_push(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c, 0), 0);
	}
	/* Short, unknown, driver-only events, bad ids, ports not added. */
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 4); /* short */
	ctl(m, 0, 99, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 0, VOB_CONSOLE_DEVICE_READY, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 0, VOB_CONSOLE_PORT_READY, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 2, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 0x80000000u, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, VOB_CONSOLE_PORT_OPEN, 1); /* not added */
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, VOB_CONSOLE_DEVICE_REMOVE, 0); /* not added */
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	bad += 8;
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, bad);
	assert_int_equal(vob_console_drv_port_status(&R, 0), 0);
	assert_int_equal(vob_console_drv_port_status(&R, 1), 0);
	/* DEVICE_ADD for port 1, then again; RESIZE short; PORT_OPEN 5;
	 * CONSOLE_PORT with value 0; a long name. */
	ctl(m, 1, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_port_status(&R, 1), VOB_CONSOLE_PORT_ADDED);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8); /* the same again */
	ctl(m, 1, VOB_CONSOLE_RESIZE, 0);
	vob_put_le16(m + 8, 10);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 10, 10); /* 2 of 4 bytes */
	ctl(m, 1, VOB_CONSOLE_PORT_OPEN, 5);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, VOB_CONSOLE_CONSOLE_PORT, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	bad += 4;
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, bad);
	assert_int_equal(vob_console_drv_size(&R, 1, &cols, &rows), VOB_ENODATA);
	assert_int_equal(vob_console_drv_port_status(&R, 1), VOB_CONSOLE_PORT_ADDED);
	ctl(m, 1, VOB_CONSOLE_PORT_NAME, 1);
	memset(m + 8, 'n', 56);
	m[20] = 0; /* an embedded NUL ends the name early */
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 64, 64);
	ctl(m, 1, VOB_CONSOLE_RESIZE, 0);
	vob_put_le16(m + 8, 120);
	vob_put_le16(m + 10, 40);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 12, 12);
	ctl(m, 1, VOB_CONSOLE_PORT_OPEN, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, bad);
	assert_string_equal(vob_console_drv_port_name(&R, 1), "nnnnnnnnnnnn");
	assert_int_equal(vob_console_drv_size(&R, 1, &cols, &rows), 0);
	assert_int_equal(cols, 120);
	assert_int_equal(rows, 40);
	assert_true(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_HOST_OPEN);
	/* A name longer than VOB_CONSOLE_NAME_MAX is cut and terminated. */
	ctl(m, 1, VOB_CONSOLE_PORT_NAME, 1);
	memset(m + 8, 'x', 56);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 64, 64);
	pump(1);
	assert_int_equal(strlen(vob_console_drv_port_name(&R, 1)), VOB_CONSOLE_NAME_MAX - 1);
	/* The driver answered the DEVICE_ADD with PORT_READY 1. */
	{
		struct vob_iov iov[16];
		struct vob_chain c = { .iov = iov, .cap = 16 };

		assert_int_equal(vob_vq_pop(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c), 0);
		assert_int_equal(vob_chain_pull(W.dev.link, &c, 0, m, 8, NULL), 8);
		assert_int_equal(vob_get_le32(m), 1);
		assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_PORT_READY);
		assert_int_equal(vob_get_le16(m + 6), 1);
		assert_int_equal(vob_vq_push(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c, 0), 0);
	}
	/* Events only the driver sends, and unknown ones, for an added port:
	 * ignored, the port stays. */
	ctl(m, 1, VOB_CONSOLE_PORT_READY, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, VOB_CONSOLE_DEVICE_READY, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, 8, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 1, 0xffff, 1);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	bad += 4;
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, bad);
	assert_true(vob_console_drv_port_status(&R, 1) & VOB_CONSOLE_PORT_ADDED);
	/* Remove: the port is gone. */
	ctl(m, 1, VOB_CONSOLE_DEVICE_REMOVE, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_port_status(&R, 1), 0);
	assert_string_equal(vob_console_drv_port_name(&R, 1), "");
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, bad);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 0);
	/* Control receive buffers were posted again every time. */
	assert_int_equal(R.ctrl_owned, 4);
}

/* The raw device takes the next control message the driver sent. */
static void raw_ctl_take(uint8_t m[8])
{
	struct vob_iov iov[16];
	struct vob_chain c = { .iov = iov, .cap = 16 };

	assert_int_equal(vob_vq_pop(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c), 0);
	assert_int_equal(c.out_len, 8);
	assert_int_equal(vob_chain_pull(W.dev.link, &c, 0, m, 8, NULL), 8);
	assert_int_equal(vob_vq_push(raw_vq(VOB_CONSOLE_CTRL_TXQ), &c, 0), 0);
}

/* A device that does not take control messages: the control transmitq
 * fills; PORT_OPEN and PORT_READY wait, and go out with the latest state
 * once there is room. */
static void test_hostile_device_control_full(void **state)
{
	uint8_t m[8];
	unsigned i;

	(void)state;
	raw_device_up(true, 2);
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_port_status(&R, 0), VOB_CONSOLE_PORT_ADDED);
	/* DEVICE_READY and PORT_READY are in flight: 14 more fill the 16. */
	for (i = 0; i < 14; i++)
		assert_int_equal(vob_console_drv_port_open(&R, 0, i % 2 == 0), 0);
	/* Full: the answer to a DEVICE_ADD waits, so does an open. */
	ctl(m, 1, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(2);
	assert_int_equal(vob_console_drv_port_status(&R, 1), VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_drv_port_open(&R, 0, true), 0);
	pump(1);
	raw_ctl_take(m);
	assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_DEVICE_READY);
	raw_ctl_take(m);
	assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_PORT_READY);
	for (i = 0; i < 14; i++) {
		raw_ctl_take(m);
		assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_PORT_OPEN);
		assert_int_equal(vob_get_le16(m + 6), i % 2 == 0);
	}
	assert_int_equal(vob_vq_pop(raw_vq(VOB_CONSOLE_CTRL_TXQ),
				    &(struct vob_chain){ .iov = (struct vob_iov[16]){ { 0 } }, .cap = 16 }),
			 VOB_EAGAIN);
	vob_vq_kick(raw_vq(VOB_CONSOLE_CTRL_TXQ));
	pump(1);
	raw_ctl_take(m);
	assert_int_equal(vob_get_le32(m), 0);
	assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_PORT_OPEN);
	assert_int_equal(vob_get_le16(m + 6), 1);
	raw_ctl_take(m);
	assert_int_equal(vob_get_le32(m), 1);
	assert_int_equal(vob_get_le16(m + 4), VOB_CONSOLE_PORT_READY);
	assert_int_equal(vob_get_le16(m + 6), 1);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 0);
	/* Every control buffer came back: only receive buffers are out. */
	vob_vq_kick(raw_vq(VOB_CONSOLE_CTRL_TXQ));
	pump(1);
#if VOB_CONSOLE_MAX_PORTS > 1 /* (a build without multiport skipped above) */
	assert_int_equal(vob_pool_free(&R.pool),
			 BUF_COUNT - R.port[0].owned - R.port[1].owned - R.ctrl_owned);
#endif
}

/* A device that breaks the transmitq or a control queue: the call or poll
 * that finds it resets the device, every buffer comes back, and it serves
 * again. */
static void test_hostile_device_rings(void **state)
{
	uint8_t m[8];

	(void)state;
	raw_device_up(true, 2);
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	/* The transmitq's used index jumps: the next write finds it. */
	poke16(&W.dev, R.q[VOB_CONSOLE_TXQ(0)].device_addr + 2, 500);
	assert_int_equal(vob_console_drv_write(&R, 0, "x", 1), VOB_EPROTO);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 1);
	assert_int_not_equal(vob_pool_free(&R.pool), BUF_COUNT); /* until the answer */
	pump(2);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	assert_int_equal(vob_console_drv_port_status(&R, 0), 0);
	bring_up();
#if VOB_CFG_CONSOLE_MULTIPORT /* (a build without skipped above) */
	/* The control receiveq's, then the control transmitq's: the poll
	 * finds them. */
	poke16(&W.dev, R.q[VOB_CONSOLE_CTRL_RXQ].device_addr + 2, 500);
	pump(2);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 2);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	bring_up();
	poke16(&W.dev, R.q[VOB_CONSOLE_CTRL_TXQ].device_addr + 2, 500);
	pump(2);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 3);
	assert_int_equal(vob_pool_free(&R.pool), BUF_COUNT);
	bring_up();
#endif
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_write(&R, 0, "ok", 2), 2);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 0);
}

/* A device whose config is too short for the size it offers: no size is
 * known, and data moves. */
static void test_hostile_device_short_config(void **state)
{
	uint8_t got[4];
	uint16_t cols, rows;

	(void)state;
	raw_cfg_len = 2;
	raw_device_up(false, 1);
	pump(3);
	assert_int_equal(vob_console_drv_size(&R, 0, &cols, &rows), VOB_ENODATA);
	raw_answer(0, "abc", 3, 3);
	assert_int_equal(vob_console_drv_read(&R, 0, got, sizeof(got)), 3);
	assert_memory_equal(got, "abc", 3);
	assert_int_equal(vob_console_drv_stats(&R)->ring_errors, 0);
}

/* A device that announces a port it has no queues for. */
static void test_hostile_device_missing_queues(void **state)
{
	struct vob_console_drv_cfg rc;
	uint8_t m[8];

	(void)state;
	drv_cfg_default(&rc);
	rc.multiport = 1;
	rc.nr_ports = 2;
	rc.rx_bufs = 4;
	raw_dev_init(4, F(VERSION_1) | CF(MULTIPORT), 0, 0, 2); /* port 1's queues missing */
	drv_up(&rc);
	bring_up();
	ctl(m, 1, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	ctl(m, 0, VOB_CONSOLE_DEVICE_ADD, 0);
	raw_answer(VOB_CONSOLE_CTRL_RXQ, m, 8, 8);
	pump(1);
	assert_int_equal(vob_console_drv_stats(&R)->bad_ctrl, 1);
	assert_int_equal(vob_console_drv_port_status(&R, 1), 0);
	assert_int_equal(vob_console_drv_port_status(&R, 0), VOB_CONSOLE_PORT_ADDED);
	assert_int_equal(vob_console_drv_write(&R, 1, "x", 1), VOB_EAGAIN);
}

int main(int argc, char **argv)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_single_port),
		T(test_no_size),
		T(test_args),
		T(test_stream_1mb),
		T(test_partial_reads),
		T(test_backpressure),
		T(test_driver_reset),
		T(test_device_restart),
		T(test_driver_restart),
		T(test_multiport),
		T(test_multiport_mismatch),
		T(test_hostile_data_chains),
		T(test_hostile_flood),
		T(test_hostile_ring),
		T(test_hostile_control),
		T(test_hostile_ready_without_queues),
		T(test_needs_reset_recovers),
		T(test_device_removed),
		T(test_small_queues),
		T(test_control_waits_for_pool),
		T(test_unplug_while_reading),
		T(test_device_ready_zero),
		T(test_control_without_multiport),
		T(test_chains_over_2gib),
		T(test_hostile_control_rings),
		T(test_hostile_device_missing_queues),
		T(test_hostile_device_data),
		T(test_hostile_device_control),
		T(test_hostile_device_control_full),
		T(test_hostile_device_rings),
		T(test_hostile_device_short_config),
	};

	(void)argc;
	return cw_main(argv[0], "console", tests, sizeof(tests) / sizeof(tests[0]), CW_SIM_MODE,
		       CW_BODY_SEEDS);
}

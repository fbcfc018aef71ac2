/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-net over the class world: both roles brought up through the table,
 * random traffic both ways with content checks (60..1514, jumbo frames over
 * mergeable receive buffers), header fields carried through, link status
 * notification, backpressure, resets with lost buffers counted, and a
 * hostile driver and a hostile device playing every malformed case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "class_world.h"
#include "vob/net.h"

#define NF(x) VOB_BIT(VOB_NET_F_##x)
#define CFGMAX 64u
#define RAWQ 16u
#define RAW_IND 4u /* raw driver: entries per indirect table, when R.ind */
#define BIG 70000u

static struct class_world W;
static struct vob_net_dev ND;
static struct vob_net_drv NV;
static int dev_ev, drv_ev;

/* A raw peer the tests drive by hand (the hostile side). */
static struct {
	struct vob_dev d;
	struct vob_dev_queue q[2];
	struct vob_vq vq[2];
	uint64_t state[2][VOB_VQ_STATE_SIZE(VOB_NET_QSIZE, RAW_IND) / 8];
	struct vob_net_config config;
	unsigned nlost;
	int ev;
	uint64_t refuse_mask;
	uint16_t cfg_len; /* raw device: config bytes published, 0 for all 24 */
	uint16_t qsize;   /* raw driver: queue size, 0 for RAWQ */
	uint16_t missing_queues; /* raw device: queues fewer than virtio-net's 2 */
	bool ind;         /* raw driver: indirect tables of RAW_IND entries */
} R;

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint8_t tx_buf[BIG], rx_buf[BIG];

static uint32_t rng_state = 12345u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill(uint8_t *b, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 8) * 3u);
}

static void check_frame(const uint8_t *b, size_t len, uint32_t seed)
{
	static uint8_t want[BIG];

	fill(want, len, seed);
	assert_memory_equal(b, want, len);
}

static int setup(void **state)
{
	(void)state;
	memset(&ND, 0, sizeof(ND));
	memset(&NV, 0, sizeof(NV));
	memset(&R, 0, sizeof(R));
	dev_ev = drv_ev = 0;
	assert_int_equal(cw_init(&W, 1, 2, CFGMAX, 1u << 20), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cw_free(&W);
	return 0;
}

/* ---- bring-up ---------------------------------------------------------- */

struct opts {
	uint64_t dev_f, drv_f;
	uint16_t mtu;
	uint32_t buf_size;
	uint16_t buf_count, rx_bufs;
	uint16_t queue_size; /* driver's queue size, 0 for VOB_NET_QSIZE */
	uint16_t dev_queue_size; /* device's largest queue, 0 for VOB_NET_QSIZE */
	bool link_up;
};

static void opts_default(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dev_f = NF(MAC) | NF(STATUS) | NF(MTU);
	o->drv_f = NF(MAC) | NF(STATUS) | NF(MTU);
	o->mtu = 1500;
	o->buf_size = 2048;
	o->buf_count = 64;
	o->rx_bufs = 16;
	o->link_up = true;
}

/* The defaults with jumbo frames (MTU 9000) over mergeable receive buffers. */
static void opts_jumbo(struct opts *o)
{
	opts_default(o);
	o->dev_f |= NF(MRG_RXBUF);
	o->drv_f |= NF(MRG_RXBUF);
	o->mtu = 9000;
}

static void dev_init(const struct opts *o)
{
	struct vob_net_dev_cfg c;

	memset(&c, 0, sizeof(c));
	c.slot = 0;
	c.features = o->dev_f;
	memcpy(c.mac, MAC, 6);
	c.mtu = o->mtu;
	c.link_up = o->link_up;
	c.speed = 10000;
	c.duplex = VOB_NET_DUPLEX_FULL;
	c.queue_size = o->dev_queue_size;
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &c), 0);
}

static void drv_init(const struct opts *o)
{
	struct vob_net_drv_cfg c;
	size_t ring = 2u * VOB_SPLIT_RING_BYTES(VOB_NET_QSIZE, CW_LINE) + 4u * CW_LINE;

	memset(&c, 0, sizeof(c));
	c.slot = 0;
	c.features = o->drv_f;
	c.dev_mem.addr = cw_alloc(&W, ring);
	c.dev_mem.len = ring;
	c.drv_mem = c.dev_mem;
	c.pool_addr = cw_alloc(&W, (size_t)o->buf_size * o->buf_count);
	assert_true(c.pool_addr != 0);
	c.buf_size = o->buf_size;
	c.buf_count = o->buf_count;
	c.rx_bufs = o->rx_bufs;
	c.queue_size = o->queue_size;
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &c), 0);
}

/* Side @s writes a 16-bit ring field behind the library's back. */
static void poke16(struct cw_side *s, uint64_t addr, uint16_t v)
{
	uint8_t b[2];

	vob_put_le16(b, v);
	cw_poke(&W, s, addr, b, 2);
}

static void pump(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int ev;

		cw_step(&W);
		ev = vob_net_dev_poll(&ND);
		assert_true(ev >= 0);
		dev_ev |= ev;
		cw_step(&W);
		ev = vob_net_drv_poll(&NV);
		assert_true(ev >= 0);
		drv_ev |= ev;
	}
}

static void up(const struct opts *o)
{
	dev_init(o);
	drv_init(o);
	pump(20);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
}

static void up_default(void)
{
	struct opts o;

	opts_default(&o);
	up(&o);
}

/* ---- raw peers ----------------------------------------------------------- */

static void raw_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
	R.nlost++;
}

static bool raw_accept(void *arg, uint64_t f[2])
{
	(void)arg;
	return !(f[0] & R.refuse_mask);
}

/* A raw driver (hostile) against the net device. */
static void raw_drv_init(uint64_t features)
{
	struct vob_dev_cfg c;
	unsigned i;

	for (i = 0; i < 2; i++) {
		R.q[i].vq = &R.vq[i];
		R.q[i].state = R.state[i];
		R.q[i].state_len = sizeof(R.state[i]);
		assert_int_equal(cw_place(&W, &R.q[i], R.qsize ? R.qsize : RAWQ), 0);
		if (R.ind) {
			R.q[i].indirect_max = RAW_IND;
			R.q[i].indirect_addr =
				cw_alloc(&W, (size_t)(R.qsize ? R.qsize : RAWQ) * RAW_IND * 16u);
			assert_true(R.q[i].indirect_addr != 0);
		}
	}
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.slot = 0;
	c.num_queues = 2;
	c.queues = R.q;
	c.features[0] = features | VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX);
	c.on_lost = raw_lost;
	assert_int_equal(vob_dev_init(&R.d, &W.drv.t, &c), 0);
}

/* A raw device (hostile) against the net driver. */
static void raw_dev_init(uint64_t features, uint16_t mtu, uint16_t status)
{
	struct vob_dev_cfg c;
	unsigned i;

	memcpy(R.config.mac, MAC, 6);
	R.config.status = vob_to_le16(status);
	R.config.max_virtqueue_pairs = vob_to_le16(1);
	R.config.mtu = vob_to_le16(mtu);
	for (i = 0; i < 2; i++) {
		R.q[i].vq = &R.vq[i];
		R.q[i].state = R.state[i];
		R.q[i].state_len = sizeof(R.state[i]);
		R.q[i].size = VOB_NET_QSIZE;
	}
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DEVICE;
	c.slot = 0;
	c.num_queues = (uint16_t)(2u - R.missing_queues);
	c.queues = R.q;
	c.features[0] = features | VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX);
	c.device_id = VOB_NET_DEVICE_ID;
	c.config = &R.config;
	c.config_len = R.cfg_len ? R.cfg_len : (uint16_t)sizeof(R.config);
	c.accept_features = raw_accept;
	assert_int_equal(vob_dev_init(&R.d, &W.dev.t, &c), 0);
}

/* Poll the raw peer and one net object @n times. */
static void pump_raw(unsigned n, bool net_is_dev)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		int ev;

		cw_step(&W);
		ev = net_is_dev ? vob_net_dev_poll(&ND) : vob_net_drv_poll(&NV);
		assert_true(ev >= 0);
		if (net_is_dev)
			dev_ev |= ev;
		else
			drv_ev |= ev;
		cw_step(&W);
		ev = vob_dev_poll(&R.d);
		assert_true(ev >= 0);
		R.ev |= ev;
	}
}

/* ---- traffic helpers --------------------------------------------------- */

/* One driver poll that finds the device gone or broken: it reports a reset,
 * every buffer is back in the pool (16 posted for receiving), and nothing
 * can be sent until the device is live again. */
static void drv_poll_all_back(void)
{
	int ev;

	cw_step(&W);
	ev = vob_net_drv_poll(&NV);
	assert_true(ev >= 0);
	assert_true(ev & VOB_DEV_EV_RESET);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 16);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
}

static void dev_send_ok(const struct vob_net_hdr_info *h, size_t len, uint32_t seed)
{
	fill(tx_buf, len, seed);
	assert_int_equal(vob_net_dev_send(&ND, h, tx_buf, len), 0);
}

static void drv_send_ok(const struct vob_net_hdr_info *h, size_t len, uint32_t seed)
{
	fill(tx_buf, len, seed);
	assert_int_equal(vob_net_drv_send(&NV, h, tx_buf, len), 0);
}

static void drv_recv_ok(size_t len, uint32_t seed, struct vob_net_hdr_info *h)
{
	int r = vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), h);

	assert_int_equal(r, (int)len);
	check_frame(rx_buf, len, seed);
}

static void dev_recv_ok(size_t len, uint32_t seed, struct vob_net_hdr_info *h)
{
	int r = vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), h);

	assert_int_equal(r, (int)len);
	check_frame(rx_buf, len, seed);
}

/* Both directions at once, in random order, until @n frames went each way;
 * EAGAIN on a send is backpressure and is retried later. */
static void traffic(unsigned n, uint32_t lo, uint32_t hi, uint32_t d2v_seed, uint32_t v2d_seed)
{
	static uint32_t len_d2v[2048], len_v2d[2048];
	unsigned sd = 0, rd = 0, sv = 0, rv = 0, steps = 0, i;

	assert_true(n <= 2048);
	for (i = 0; i < n; i++) {
		len_d2v[i] = lo + rnd() % (hi - lo + 1u);
		len_v2d[i] = lo + rnd() % (hi - lo + 1u);
	}
	while (rd < n || rv < n) {
		int r;

		assert_true(++steps < 200000u);
		switch (rnd() % 5) {
		case 0:
			if (sd < n) {
				fill(tx_buf, len_d2v[sd], d2v_seed + sd);
				r = vob_net_dev_send(&ND, NULL, tx_buf, len_d2v[sd]);
				if (r == 0)
					sd++;
				else
					assert_int_equal(r, VOB_EAGAIN);
			}
			break;
		case 1:
			if (sv < n) {
				fill(tx_buf, len_v2d[sv], v2d_seed + sv);
				r = vob_net_drv_send(&NV, NULL, tx_buf, len_v2d[sv]);
				if (r == 0)
					sv++;
				else
					assert_int_equal(r, VOB_EAGAIN);
			}
			break;
		case 2: {
			struct vob_net_hdr_info h;

			r = vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), &h);
			if (r == VOB_EAGAIN)
				break;
			assert_true(rd < sd);
			assert_int_equal(r, (int)len_d2v[rd]);
			check_frame(rx_buf, (size_t)r, d2v_seed + rd);
			assert_int_equal(h.flags, 0);
			assert_int_equal(h.gso_type, 0);
			rd++;
			break;
		}
		case 3:
			r = vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL);
			if (r == VOB_EAGAIN)
				break;
			assert_true(rv < sv);
			assert_int_equal(r, (int)len_v2d[rv]);
			check_frame(rx_buf, (size_t)r, v2d_seed + rv);
			rv++;
			break;
		default:
			pump(1);
			break;
		}
	}
	assert_int_equal(sd, n);
	assert_int_equal(sv, n);
}

/* ---- tests: configuration ------------------------------------------------ */

static void test_config_layout(void **state)
{
	struct opts o;
	uint8_t raw[VOB_NET_CONFIG_SIZE], mac[6];

	(void)state;
	opts_jumbo(&o); /* MTU 9000, which 16 buffers of 2048 bytes hold */
	o.dev_f |= NF(SPEED_DUPLEX);
	o.drv_f |= NF(SPEED_DUPLEX);
	up(&o);
	/* The config bytes as a virtio driver reads them. */
	assert_int_equal(vob_dev_config_read(&NV.dev, 0, raw, sizeof(raw)), 0);
	assert_memory_equal(raw, MAC, 6);
	assert_int_equal(raw[6], VOB_NET_S_LINK_UP);
	assert_int_equal(raw[7], 0);
	assert_int_equal(raw[8], 1); /* max_virtqueue_pairs */
	assert_int_equal(raw[9], 0);
	assert_int_equal(raw[10], 9000 & 0xff);
	assert_int_equal(raw[11], 9000 >> 8);
	assert_int_equal(vob_get_le32(raw + 12), 10000);
	assert_int_equal(raw[16], 1); /* full duplex */
	assert_int_equal(vob_get_le32(raw + 20), 0);
	assert_int_equal(vob_dev_config_read(&NV.dev, 24, raw, 1), VOB_ERANGE);
	/* What the driver made of it. */
	assert_int_equal(vob_net_drv_mac(&NV, mac), 0);
	assert_memory_equal(mac, MAC, 6);
	assert_int_equal(vob_net_drv_mtu(&NV), 9000);
	assert_int_equal(vob_net_drv_link(&NV), 1);
	assert_true(vob_net_drv_features(&NV) ==
		    (NF(MAC) | NF(STATUS) | NF(MTU) | NF(SPEED_DUPLEX) | NF(MRG_RXBUF) |
		     VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX)));
	assert_true(vob_net_dev_features(&ND) == vob_net_drv_features(&NV));
	assert_int_equal(vob_net_dev_max_frame(&ND), 9018);
	/* Eight buffers would hold more: the MTU bounds what can arrive. */
	assert_int_equal(vob_net_drv_max_rx(&NV), 9018);
	assert_int_equal(vob_net_drv_max_tx(&NV), 9018);
	assert_int_equal(vob_dev_features(&ND.dev, 0) & VOB_BIT(VOB_F_INDIRECT_DESC), 0);
}

/* The config generation (offset 44 of the slot's device area,
 * docs/protocol.md) as the device reads it; written behind the library's
 * back with set_config_gen(), odd while a change is in progress. */
static uint32_t config_gen(void)
{
	return vob_get_le32(ND.dev.area + 44);
}

static void set_config_gen(uint32_t g)
{
	vob_put_le32(ND.dev.area + 44, g);
	cw_written(&W, &W.dev, ND.dev.area + 44, 4);
}

/* The driver reads the config while the device is changing it (its
 * generation odd): nothing is taken from it, and the read is done again
 * at a later poll once the change is over. For each field read first, the
 * link found down (a change from the up reported meanwhile) or up. */
static void config_read_during_change(uint64_t f, bool link_up)
{
	struct opts o;
	uint8_t mac[6];
	uint32_t g;
	unsigned i;

	opts_default(&o);
	o.dev_f = o.drv_f = f;
	o.mtu = 2000; /* 2018 + 12 bytes: one buffer holds it */
	o.link_up = link_up;
	dev_init(&o);
	drv_init(&o);
	for (i = 0; i < 40 && vob_dev_state(&NV.dev) != VOB_DEV_STARTING; i++)
		pump(1);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_STARTING);
	g = config_gen();
	set_config_gen(g | 1u);
	pump(5);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	assert_int_equal(vob_net_drv_mtu(&NV), VOB_NET_MTU_DEFAULT);
	assert_int_equal(vob_net_drv_link(&NV), 1);
	set_config_gen(g);
	drv_ev = 0;
	pump(1);
	assert_int_equal(vob_net_drv_mtu(&NV), (f & NF(MTU)) ? 2000 : VOB_NET_MTU_DEFAULT);
	assert_int_equal(vob_net_drv_link(&NV), (f & NF(STATUS)) && !link_up ? 0 : 1);
	if (f & NF(MAC)) {
		assert_int_equal(vob_net_drv_mac(&NV, mac), 0);
		assert_memory_equal(mac, MAC, 6);
	}
	/* Up was reported until the read: down now is a change, with its
	 * event (none when the link is up, or STATUS is not negotiated: up
	 * throughout). */
	assert_int_equal(!!(drv_ev & VOB_NET_EV_LINK), (f & NF(STATUS)) && !link_up);
	assert_int_equal(vob_net_drv_stats(&NV)->link_changes, (f & NF(STATUS)) && !link_up ? 1 : 0);
	dev_send_ok(NULL, 100, 1);
	drv_recv_ok(100, 1, NULL);
}

static void test_config_read_during_change(void **state)
{
	(void)state;
	config_read_during_change(NF(MAC) | NF(MTU) | NF(STATUS), false);
	teardown(NULL);
	setup(NULL);
	config_read_during_change(NF(MTU) | NF(STATUS), false);
	teardown(NULL);
	setup(NULL);
	config_read_during_change(NF(STATUS), false);
	teardown(NULL);
	setup(NULL);
	config_read_during_change(NF(STATUS), true);
	teardown(NULL);
	setup(NULL);
	config_read_during_change(NF(MTU), false);
}

static void test_mac_not_negotiated(void **state)
{
	struct opts o;
	uint8_t mac[6];

	(void)state;
	opts_default(&o);
	o.drv_f = 0; /* no MAC, no STATUS, no MTU */
	up(&o);
	assert_int_equal(vob_net_drv_mac(&NV, mac), VOB_ENOTSUP);
	assert_int_equal(vob_net_drv_mtu(&NV), 1500);
	/* Without STATUS the link is assumed up, whatever the device says. */
	assert_int_equal(vob_net_dev_set_link(&ND, false), 0);
	pump(3);
	assert_int_equal(vob_net_drv_link(&NV), 1);
	assert_false(drv_ev & VOB_NET_EV_LINK);
}

static void test_init_contract(void **state)
{
	struct vob_net_dev_cfg dc;
	struct vob_net_drv_cfg vc;

	(void)state;
	memset(&dc, 0, sizeof(dc));
	dc.mtu = 60; /* below 68 */
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	dc.mtu = 0;
	dc.features = NF(HOST_TSO4); /* needs CSUM */
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	dc.features = NF(GUEST_ECN) | NF(GUEST_CSUM); /* needs GUEST_TSO4/6 */
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	dc.features = NF(GUEST_TSO4); /* needs GUEST_CSUM */
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	dc.features = NF(CSUM) | NF(HOST_ECN); /* needs HOST_TSO4/6 */
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	dc.features = 0;
	assert_int_equal(vob_net_dev_init(NULL, &W.dev.t, &dc), VOB_EINVAL);
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, NULL), VOB_EINVAL);
	dc.features = 0;
	dc.queue_size = 24;
	assert_int_equal(vob_net_dev_init(&ND, &W.dev.t, &dc), VOB_EINVAL);
	memset(&vc, 0, sizeof(vc));
	vc.buf_size = 2048;
	vc.buf_count = 8;
	vc.rx_bufs = 8; /* nothing left to transmit with */
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), VOB_EINVAL);
	vc.rx_bufs = 0;
	vc.pool_addr = cw_alloc(&W, 8 * 2048);
	vc.dev_mem.addr = cw_alloc(&W, 64);
	vc.dev_mem.len = 64; /* far too small for the rings */
	vc.drv_mem = vc.dev_mem;
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), VOB_ENOMEM);
	vc.dev_mem.len = 2u * VOB_SPLIT_RING_BYTES(VOB_NET_QSIZE, CW_LINE) + 4u * CW_LINE;
	vc.dev_mem.addr = cw_alloc(&W, vc.dev_mem.len);
	vc.drv_mem = vc.dev_mem;
	vc.pool_addr = 0x1000; /* outside every window */
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), VOB_EFAULT);
	assert_int_equal(vob_net_drv_init(NULL, &W.drv.t, &vc), VOB_EINVAL);
	assert_int_equal(vob_net_drv_init(&NV, NULL, &vc), VOB_EINVAL);
}

/* Before the device is live every call says so, and nothing is counted. */
static void test_calls_before_live(void **state)
{
	struct opts o;
	uint8_t mac[6];

	(void)state;
	opts_default(&o);
	dev_init(&o);
	drv_init(&o);
	assert_int_equal(vob_net_drv_max_tx(&NV), 0);
	assert_int_equal(vob_net_drv_max_rx(&NV), 0);
	assert_int_equal(vob_net_drv_link(&NV), 0);
	assert_int_equal(vob_net_drv_mac(&NV, mac), VOB_ENODEV);
	assert_true(vob_net_drv_features(&NV) == 0);
	assert_true(vob_net_dev_features(&ND) == 0);
	fill(tx_buf, 100, 1);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped + vob_net_dev_stats(&ND)->tx_dropped, 0);
	pump(20);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	/* A NULL buffer with a capacity, once live. */
	dev_send_ok(NULL, 100, 2);
	drv_send_ok(NULL, 100, 3);
	assert_int_equal(vob_net_drv_recv(&NV, NULL, 100, NULL), VOB_EINVAL);
	assert_int_equal(vob_net_dev_recv(&ND, NULL, 100, NULL), VOB_EINVAL);
	/* The frames waited. */
	drv_recv_ok(100, 2, NULL);
	dev_recv_ok(100, 3, NULL);
}

/* ---- tests: traffic ------------------------------------------------------- */

static void test_traffic_random(void **state)
{
	(void)state;
	up_default();
	traffic(600, 60, 1514, 1000, 50000);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_frames, 600);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_frames, 600);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_frames, 600);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_frames, 600);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad + vob_net_dev_stats(&ND)->rx_bad, 0);
	/* Every buffer accounted for: the receive ones posted, the rest free. */
	pump(2);
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 16);
}

static void test_jumbo_mrg(void **state)
{
	struct opts o;
	struct vob_net_hdr_info h;
	unsigned i;

	(void)state;
	opts_jumbo(&o);
	o.rx_bufs = 24;
	up(&o);
	assert_int_equal(vob_net_drv_max_rx(&NV), 9018);
	/* Device to driver: every frame over ceil((len + 12) / 2048) buffers. */
	for (i = 0; i < 200; i++) {
		uint32_t len = 60u + rnd() % (9018u - 59u);

		dev_send_ok(NULL, len, 7000 + i);
		drv_recv_ok(len, 7000 + i, &h);
		assert_int_equal(h.num_buffers, (len + 12u + 2047u) / 2048u);
	}
	/* The boundaries: exactly full buffers, one byte more. */
	dev_send_ok(NULL, 2048 - 12, 1);
	drv_recv_ok(2048 - 12, 1, &h);
	assert_int_equal(h.num_buffers, 1);
	dev_send_ok(NULL, 2048 - 11, 2);
	drv_recv_ok(2048 - 11, 2, &h);
	assert_int_equal(h.num_buffers, 2);
	dev_send_ok(NULL, 9018, 3);
	drv_recv_ok(9018, 3, &h);
	assert_int_equal(h.num_buffers, 5);
	/* Driver to device: chains of several pool buffers. */
	for (i = 0; i < 200; i++) {
		uint32_t len = 60u + rnd() % (9018u - 59u);

		drv_send_ok(NULL, len, 9000 + i);
		dev_recv_ok(len, 9000 + i, NULL);
	}
	/* And all mixed with backpressure. */
	traffic(300, 60, 9018, 20000, 30000);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad, 0);
	assert_int_equal(vob_net_dev_stats(&ND)->bad_bufs, 0);
}

/* A device MTU (9000) whose frames the receive buffers the driver keeps
 * posted cannot hold (two of 2048 bytes, with MRG_RXBUF): the driver does
 * not take F_MTU, so the device keeps to 1518 bytes and refuses a 9000-byte
 * frame at once, holding nothing. (It used to hold both buffers and wait
 * for more that could never come: VOB_EAGAIN for ever.) 1518-byte frames
 * flow both ways. */
static void test_mtu_beyond_rx_bufs(void **state)
{
	struct opts o;
	unsigned i;
	int r = 0;

	(void)state;
	opts_jumbo(&o);
	o.rx_bufs = 2; /* 4096 bytes: 12 + 1518 fit, 12 + 9018 do not */
	up(&o);
	fill(tx_buf, 9000, 1);
	for (i = 0; i < 50; i++) {
		r = vob_net_dev_send(&ND, NULL, tx_buf, 9000);
		if (r != VOB_EAGAIN)
			break;
		pump(1);
		assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	}
	assert_int_equal(r, VOB_EMSGSIZE);
	assert_int_equal(i, 0);
	assert_int_equal(ND.rx_nheld, 0);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_false(vob_net_drv_features(&NV) & NF(MTU));
	assert_true(vob_net_dev_features(&ND) == vob_net_drv_features(&NV));
	assert_int_equal(vob_net_drv_mtu(&NV), VOB_NET_MTU_DEFAULT);
	assert_int_equal(vob_net_dev_max_frame(&ND), 1518);
	assert_int_equal(vob_net_drv_max_rx(&NV), 2 * 2048 - 12);
	assert_int_equal(vob_net_drv_max_tx(&NV), 1518);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1519), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 1519), VOB_EMSGSIZE);
	traffic(100, 1000, 1518, 100, 200);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 2);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad + vob_net_drv_stats(&NV)->rx_oversize, 0);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_bad + vob_net_dev_stats(&ND)->rx_oversize, 0);
}

/* The driver takes F_MTU exactly when the buffers it keeps posted hold a
 * frame of the device's MTU + 18 with the 12-byte header: with MRG_RXBUF
 * four of 2048 bytes hold MTU 8162 and not 8163; without it one holds MTU
 * 2018 and not 2019; a device whose receive queue takes two buffers at most
 * gets MTU 4066 and not 4067. The MTU in use follows, and the largest frame
 * passes. */
static void test_mtu_fits_rx_bufs(void **state)
{
	/* dqs: the device's largest queue (0: as large as the driver's); the
	 * driver judges by the receive queue it will run, halved to it. */
	static const struct {
		bool mrg;
		uint16_t mtu;
		uint16_t dqs;
		bool taken;
	} cases[] = {
		{ true, 8162, 0, true }, { true, 8163, 0, false }, { false, 2018, 0, true },
		{ false, 2019, 0, false }, { true, 4066, 2, true }, { true, 4067, 2, false },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct opts o;
		uint32_t max = cases[i].taken ? cases[i].mtu + 18u : 1518u;

		if (i) {
			teardown(NULL);
			setup(NULL);
		}
		opts_default(&o);
		if (cases[i].mrg) {
			o.dev_f |= NF(MRG_RXBUF);
			o.drv_f |= NF(MRG_RXBUF);
			o.rx_bufs = 4;
		}
		o.mtu = cases[i].mtu;
		o.dev_queue_size = cases[i].dqs;
		up(&o);
		assert_int_equal(!!(vob_net_drv_features(&NV) & NF(MTU)), cases[i].taken);
		assert_true(vob_net_drv_max_rx(&NV) >= vob_net_drv_mtu(&NV) + 18u);
		assert_true(vob_net_dev_features(&ND) == vob_net_drv_features(&NV));
		assert_int_equal(vob_net_drv_mtu(&NV), cases[i].taken ? cases[i].mtu : 1500u);
		assert_int_equal(vob_net_dev_max_frame(&ND), max);
		fill(tx_buf, max + 1u, 1);
		assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, max + 1u), VOB_EMSGSIZE);
		dev_send_ok(NULL, max, 2);
		drv_recv_ok(max, 2, NULL);
		drv_send_ok(NULL, max, 3);
		dev_recv_ok(max, 3, NULL);
	}
}

/* The driver reads the MTU before it asks for FEATURES_OK; while the
 * device is changing its config (generation odd) it cannot, and does not
 * take F_MTU rather than wait. */
static void test_mtu_unreadable_at_negotiation(void **state)
{
	struct opts o;
	uint32_t g;

	(void)state;
	opts_jumbo(&o);
	dev_init(&o);
	drv_init(&o);
	g = config_gen();
	set_config_gen(g | 1u);
	pump(20);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	set_config_gen(g);
	pump(2);
	assert_false(vob_net_drv_features(&NV) & NF(MTU));
	assert_true(vob_net_dev_features(&ND) == vob_net_drv_features(&NV));
	assert_int_equal(vob_net_drv_mtu(&NV), VOB_NET_MTU_DEFAULT);
	assert_int_equal(vob_net_dev_max_frame(&ND), 1518);
	dev_send_ok(NULL, 1518, 1);
	drv_recv_ok(1518, 1, NULL);
}

static void test_no_mrg_small_buffers(void **state)
{
	struct opts o;

	(void)state;
	opts_default(&o);
	o.buf_size = 1024; /* below 12 + 1518: the device cannot fit big frames */
	up(&o);
	assert_int_equal(vob_net_drv_max_rx(&NV), 1024 - 12);
	fill(tx_buf, 1400, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1400), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	/* The buffer it looked at serves the next frame that fits. */
	dev_send_ok(NULL, 1012, 2);
	drv_recv_ok(1012, 2, NULL);
	dev_send_ok(NULL, 60, 3);
	drv_recv_ok(60, 3, NULL);
	/* The driver sends 1500 bytes over two of its buffers. */
	drv_send_ok(NULL, 1500, 4);
	dev_recv_ok(1500, 4, NULL);
}

static void test_mtu_limits(void **state)
{
	struct vob_net_hdr_info h;

	(void)state;
	up_default();
	fill(tx_buf, 1519, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1519), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 1519), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped, 1);
	/* 1500 + an Ethernet header with a VLAN tag fits. */
	dev_send_ok(NULL, 1518, 5);
	drv_recv_ok(1518, 5, NULL);
	drv_send_ok(NULL, 1518, 6);
	dev_recv_ok(1518, 6, NULL);
	/* Arguments. */
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 0), VOB_EINVAL);
	assert_int_equal(vob_net_drv_send(&NV, NULL, NULL, 10), VOB_EINVAL);
	memset(&h, 0, sizeof(h));
	h.gso_type = VOB_NET_HDR_GSO_TCPV4; /* not negotiated */
	h.gso_size = 1000;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 100), VOB_ENOTSUP);
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 100), VOB_ENOTSUP);
	h.gso_type = 0;
	h.flags = VOB_NET_HDR_F_NEEDS_CSUM; /* CSUM not negotiated */
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 100), VOB_ENOTSUP);
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 100), VOB_ENOTSUP);
}

/* Few buffers beside the posted receive buffers: a frame needing more than
 * the pool can ever spare is refused (EMSGSIZE), not made to wait forever,
 * and vob_net_drv_max_tx() says so. */
static void test_tx_limited_by_pool(void **state)
{
	struct opts o;

	(void)state;
	opts_default(&o);
	o.buf_size = 128;
	o.buf_count = 34;
	o.rx_bufs = 29; /* 5 buffers left to transmit with */
	up(&o);
	assert_int_equal(vob_net_drv_max_tx(&NV), 5u * 128u - VOB_NET_HDR_SIZE);
	fill(tx_buf, 1000, 3);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 5u * 128u - VOB_NET_HDR_SIZE + 1u),
			 VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped, 1);
	drv_send_ok(NULL, 5u * 128u - VOB_NET_HDR_SIZE, 4);
	pump(4);
	dev_recv_ok(5u * 128u - VOB_NET_HDR_SIZE, 4, NULL);
}

static void test_offload_header(void **state)
{
	struct opts o;
	struct vob_net_hdr_info h, got;
	uint64_t off = NF(CSUM) | NF(GUEST_CSUM) | NF(HOST_TSO4) | NF(HOST_TSO6) | NF(HOST_ECN) |
		       NF(GUEST_TSO4) | NF(HOST_USO) | NF(MRG_RXBUF);

	(void)state;
	opts_default(&o);
	o.dev_f |= off | NF(GUEST_TSO6);
	o.drv_f |= off; /* not GUEST_TSO6 */
	o.rx_bufs = 31;
	o.buf_count = 96;
	up(&o);
	assert_int_equal(vob_net_drv_max_tx(&NV), 8 * 2048 - 12);
	assert_int_equal(vob_net_dev_max_frame(&ND), VOB_NET_GSO_MAX_FRAME);

	/* Driver to device: a TSOv4 frame with ECN and a partial checksum. */
	memset(&h, 0, sizeof(h));
	h.flags = VOB_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = VOB_NET_HDR_GSO_TCPV4 | VOB_NET_HDR_GSO_ECN;
	h.hdr_len = 54;
	h.gso_size = 1448;
	h.csum_start = 34;
	h.csum_offset = 16;
	h.num_buffers = 77; /* ignored on send: 0 on the wire */
	drv_send_ok(&h, 5000, 11);
	dev_recv_ok(5000, 11, &got);
	assert_int_equal(got.flags, h.flags);
	assert_int_equal(got.gso_type, h.gso_type);
	assert_int_equal(got.hdr_len, 54);
	assert_int_equal(got.gso_size, 1448);
	assert_int_equal(got.csum_start, 34);
	assert_int_equal(got.csum_offset, 16);
	assert_int_equal(got.num_buffers, 0);
	h.gso_type = VOB_NET_HDR_GSO_UDP_L4;
	h.gso_size = 1400;
	drv_send_ok(&h, 4000, 12);
	dev_recv_ok(4000, 12, &got);
	assert_int_equal(got.gso_type, VOB_NET_HDR_GSO_UDP_L4);

	/* Device to driver: DATA_VALID, a TSOv4 frame over several buffers. */
	memset(&h, 0, sizeof(h));
	h.flags = VOB_NET_HDR_F_DATA_VALID | VOB_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = VOB_NET_HDR_GSO_TCPV4;
	h.hdr_len = 66;
	h.gso_size = 1448;
	h.csum_start = 34;
	h.csum_offset = 16;
	dev_send_ok(&h, 6000, 13);
	drv_recv_ok(6000, 13, &got);
	assert_int_equal(got.flags, h.flags);
	assert_int_equal(got.gso_type, h.gso_type);
	assert_int_equal(got.hdr_len, 66);
	assert_int_equal(got.gso_size, 1448);
	assert_int_equal(got.csum_start, 34);
	assert_int_equal(got.csum_offset, 16);
	assert_int_equal(got.num_buffers, 3);

	/* Not negotiated: GUEST_TSO6, GUEST_ECN, UFO, unknown types and flags;
	 * one fault per header. */
	memset(&h, 0, sizeof(h));
	h.gso_size = 1448;
	h.gso_type = VOB_NET_HDR_GSO_TCPV6;
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 3000), VOB_ENOTSUP);
	h.gso_type = VOB_NET_HDR_GSO_TCPV4 | VOB_NET_HDR_GSO_ECN;
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 3000), VOB_ENOTSUP);
	h.gso_type = VOB_NET_HDR_GSO_UDP;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 3000), VOB_ENOTSUP);
	h.gso_type = 2;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 3000), VOB_ENOTSUP);
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 3000), VOB_ENOTSUP);
	h.gso_type = 6;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 3000), VOB_ENOTSUP);
	h.gso_type = VOB_NET_HDR_GSO_ECN; /* ECN without a type */
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 1000), VOB_ENOTSUP);
	memset(&h, 0, sizeof(h));
	h.flags = VOB_NET_HDR_F_DATA_VALID; /* a receive flag on transmit */
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 1000), VOB_ENOTSUP);
	h.flags = 0x40;
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 1000), VOB_ENOTSUP);
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 1000), VOB_ENOTSUP);
	/* Inconsistent with the frame. */
	h.flags = VOB_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 990;
	h.csum_offset = 9; /* 990 + 9 + 2 > 1000 */
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 1000), VOB_EINVAL);
	assert_int_equal(vob_net_dev_send(&ND, &h, tx_buf, 1000), VOB_EINVAL);
	h.csum_offset = 8;
	h.hdr_len = 1001;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 1000), VOB_EINVAL);
	h.hdr_len = 0;
	h.gso_type = VOB_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 3000), VOB_EINVAL);
	/* A GSO frame beyond 1518 is fine, a plain one is not. */
	h.gso_size = 1448;
	drv_send_ok(&h, 16000, 14);
	dev_recv_ok(16000, 14, NULL);
	h.gso_type = 0;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 16000), VOB_EMSGSIZE);
	/* Beyond the 8 pool buffers of a chain. */
	h.gso_type = VOB_NET_HDR_GSO_TCPV4;
	assert_int_equal(vob_net_drv_send(&NV, &h, tx_buf, 8 * 2048 - 11), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_bad, 0);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad, 0);
}

static void test_link_status(void **state)
{
	(void)state;
	up_default();
	assert_int_equal(vob_net_drv_link(&NV), 1);
	assert_int_equal(vob_net_dev_link(&ND), 1);
	drv_ev = 0;
	pump(3);
	assert_false(drv_ev & (VOB_NET_EV_LINK | VOB_DEV_EV_CONFIG));
	assert_int_equal(vob_net_dev_set_link(&ND, false), 0);
	assert_int_equal(vob_net_dev_link(&ND), 0);
	pump(1);
	assert_true(drv_ev & VOB_DEV_EV_CONFIG);
	assert_true(drv_ev & VOB_NET_EV_LINK);
	assert_int_equal(vob_net_drv_link(&NV), 0);
	/* Setting the same state again changes nothing. */
	drv_ev = 0;
	assert_int_equal(vob_net_dev_set_link(&ND, false), 0);
	pump(3);
	assert_int_equal(drv_ev, 0);
	assert_int_equal(vob_net_dev_set_link(&ND, true), 0);
	pump(1);
	assert_true(drv_ev & VOB_NET_EV_LINK);
	assert_int_equal(vob_net_drv_link(&NV), 1);
	assert_int_equal(vob_net_drv_stats(&NV)->link_changes, 2);
	assert_int_equal(vob_net_dev_stats(&ND)->link_changes, 2);
	/* Traffic still flows. */
	dev_send_ok(NULL, 100, 1);
	drv_recv_ok(100, 1, NULL);
}

static void test_link_down_at_start(void **state)
{
	struct opts o;

	(void)state;
	opts_default(&o);
	o.link_up = false;
	up(&o);
	assert_int_equal(vob_net_drv_link(&NV), 0);
	assert_false(drv_ev & VOB_NET_EV_LINK);
	assert_int_equal(vob_net_dev_set_link(&ND, true), 0);
	pump(1);
	assert_true(drv_ev & VOB_NET_EV_LINK);
	assert_int_equal(vob_net_drv_link(&NV), 1);
}

/* ---- tests: backpressure ----------------------------------------------------- */

static void test_rx_exhaustion(void **state)
{
	struct opts o;
	unsigned i, sent = 0;

	(void)state;
	opts_default(&o);
	o.rx_bufs = 8;
	up(&o);
	/* Eight buffers: eight frames, then backpressure, nothing consumed. */
	for (i = 0; i < 8; i++)
		dev_send_ok(NULL, 100 + i, 300 + i);
	fill(tx_buf, 200, 400);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 200), VOB_EAGAIN);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 200), VOB_EAGAIN);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 0);
	/* The driver drains: its buffers go back, the frame goes through. */
	for (i = 0; i < 8; i++)
		drv_recv_ok(100 + i, 300 + i, NULL);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	dev_send_ok(NULL, 200, 400);
	drv_recv_ok(200, 400, NULL);
	/* Sustained: many more frames than buffers, in order, none lost. */
	for (i = 0; i < 500; i++) {
		int r;

		fill(tx_buf, 60 + i, 1000 + i);
		r = vob_net_dev_send(&ND, NULL, tx_buf, 60 + i);
		if (r == VOB_EAGAIN) {
			while (sent < i) {
				drv_recv_ok(60 + sent, 1000 + sent, NULL);
				sent++;
			}
			r = vob_net_dev_send(&ND, NULL, tx_buf, 60 + i);
		}
		assert_int_equal(r, 0);
	}
	while (sent < 500) {
		drv_recv_ok(60 + sent, 1000 + sent, NULL);
		sent++;
	}
	assert_int_equal(vob_net_dev_stats(&ND)->tx_frames, 509);
}

static void test_rx_exhaustion_mrg(void **state)
{
	struct opts o;

	(void)state;
	opts_jumbo(&o);
	o.rx_bufs = 7;
	up(&o);
	/* Two small frames leave five buffers: a 9000-byte frame needs five. */
	dev_send_ok(NULL, 100, 1);
	dev_send_ok(NULL, 100, 2);
	dev_send_ok(NULL, 9000, 3);
	/* Now none left: the next jumbo waits, holding nothing back. */
	fill(tx_buf, 5000, 4);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EAGAIN);
	drv_recv_ok(100, 1, NULL);
	/* One buffer came back: still not enough for three; it is held. */
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 1);
	drv_recv_ok(100, 2, NULL);
	drv_recv_ok(9000, 3, NULL);
	dev_send_ok(NULL, 5000, 4);
	drv_recv_ok(5000, 4, NULL);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 0);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_frames, 4);
}

static void test_tx_backpressure(void **state)
{
	struct opts o;
	unsigned i, n = 0, got = 0;

	(void)state;
	opts_default(&o);
	o.buf_count = 24;
	o.rx_bufs = 8; /* 16 buffers to transmit with */
	up(&o);
	/* The device does not read: the driver runs out of buffers. */
	for (i = 0; i < 40; i++) {
		int r;

		fill(tx_buf, 1400, 600 + i);
		r = vob_net_drv_send(&NV, NULL, tx_buf, 1400);
		if (r == VOB_EAGAIN)
			break;
		assert_int_equal(r, 0);
		n++;
	}
	assert_int_equal(n, 16);
	/* The device takes them; the driver gets its buffers back. */
	while (got < n) {
		dev_recv_ok(1400, 600 + got, NULL);
		got++;
	}
	pump(1);
	assert_int_equal(vob_pool_free(&NV.pool), 16);
	drv_send_ok(NULL, 1400, 700);
	dev_recv_ok(1400, 700, NULL);
}

static void test_recv_cap_too_small(void **state)
{
	(void)state;
	up_default();
	dev_send_ok(NULL, 1000, 1);
	dev_send_ok(NULL, 200, 2);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, 999, NULL), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, 999, NULL), VOB_EMSGSIZE);
	drv_recv_ok(1000, 1, NULL);
	drv_recv_ok(200, 2, NULL);
	drv_send_ok(NULL, 1000, 3);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, 10, NULL), VOB_EMSGSIZE);
	dev_recv_ok(1000, 3, NULL);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
}

/* The device holds as many receive buffers as it can (its receive queue of
 * 16, all posted) for a frame that needs more: refused with VOB_EMSGSIZE,
 * nothing published. The buffers it holds then serve the next, smaller
 * frames, in order and intact, the rest staying held. (Eight 64-byte
 * buffers hold no MTU 9000 frame: the driver does not take F_MTU, and the
 * device keeps to 1518 bytes.) */
static void test_rx_held_for_smaller_frames(void **state)
{
	struct opts o;
	struct vob_net_hdr_info h;
	unsigned i;

	(void)state;
	opts_jumbo(&o);
	o.buf_size = 64;
	o.buf_count = 128;
	o.rx_bufs = VOB_NET_QSIZE;
	o.dev_queue_size = 16;
	up(&o);
	assert_int_equal(vob_net_drv_max_rx(&NV), 8 * 64 - 12);
	assert_int_equal(vob_net_drv_mtu(&NV), VOB_NET_MTU_DEFAULT);
	/* 1530 bytes over 64-byte buffers: 24 of them. */
	fill(tx_buf, 1518, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1518), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_int_equal(ND.rx_nheld, 16);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	/* One held buffer, then eight, then frames of every size. */
	dev_send_ok(NULL, 40, 2);
	assert_int_equal(ND.rx_nheld, 16 - 1);
	drv_recv_ok(40, 2, &h);
	assert_int_equal(h.num_buffers, 1);
	dev_send_ok(NULL, 500, 3);
	assert_int_equal(ND.rx_nheld, 16 - 9);
	drv_recv_ok(500, 3, &h);
	assert_int_equal(h.num_buffers, 8);
	for (i = 0; i < 100; i++) {
		uint32_t len = 1u + rnd() % 500u;

		dev_send_ok(NULL, len, 10 + i);
		drv_recv_ok(len, 10 + i, &h);
		assert_int_equal(h.num_buffers, (len + 12u + 63u) / 64u);
	}
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad + vob_net_drv_stats(&NV)->rx_oversize, 0);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_frames, 102);
}

/* A transmit queue smaller than the pool: when its descriptors run out the
 * send says VOB_EAGAIN and keeps no buffer; once the device has read the
 * frames, sends go through again. */
static void test_tx_ring_full(void **state)
{
	struct opts o;
	unsigned i, free_now;

	(void)state;
	opts_default(&o);
	o.queue_size = 8;
	o.rx_bufs = 4;
	up(&o);
	for (i = 0; i < 8; i++)
		drv_send_ok(NULL, 100, 20 + i);
	free_now = vob_pool_free(&NV.pool);
	assert_int_equal(free_now, 64 - 4 - 8);
	fill(tx_buf, 100, 28);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_EAGAIN);
	assert_int_equal(vob_pool_free(&NV.pool), free_now);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped, 0);
	for (i = 0; i < 8; i++)
		dev_recv_ok(100, 20 + i, NULL);
	pump(2);
	drv_send_ok(NULL, 100, 28);
	dev_recv_ok(100, 28, NULL);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_frames, 9);
}

/* Up with queues of 4 entries (the device's offer) and 32 pool buffers of
 * 256 bytes, 8 of them kept posted (4 fit); MTU 9000 and MRG_RXBUF with
 * @jumbo, else the defaults. */
static void up_queues_of_4(bool jumbo)
{
	struct opts o;

	if (jumbo)
		opts_jumbo(&o);
	else
		opts_default(&o);
	o.dev_queue_size = 4;
	o.buf_size = 256;
	o.buf_count = 32;
	o.rx_bufs = 8;
	up(&o);
}

/* The device offers a transmit queue of 4 entries, fewer than the pool
 * buffers a 1500-byte frame takes (one descriptor each, no indirect
 * tables): such a frame can never be added, so it is refused with
 * VOB_EMSGSIZE (counted) instead of VOB_EAGAIN for ever, and
 * vob_net_drv_max_tx() says what fits. */
static void test_tx_more_bufs_than_queue(void **state)
{
	uint32_t max = 4u * 256u - VOB_NET_HDR_SIZE;

	(void)state;
	up_queues_of_4(false);
	assert_int_equal(vob_net_drv_max_tx(&NV), max);
	fill(tx_buf, 1500, 1);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 1500), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, max + 1u), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped, 2);
	assert_int_equal(vob_pool_free(&NV.pool), 32 - 4); /* 4 posted */
	drv_send_ok(NULL, max, 2);
	dev_recv_ok(max, 2, NULL);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_frames, 1);
}

/* With MRG_RXBUF the driver refuses to keep posted fewer receive buffers
 * than a frame of the default MTU needs (unless they fill the queue): the
 * device would hold them all and wait for more for ever. vob_net_drv_max_rx()
 * counts only the buffers ever posted at once (rx_bufs, the receive queue's
 * size). */
static void test_mrg_rx_bufs_contract(void **state)
{
	struct vob_net_drv_cfg vc;
	struct opts o;

	(void)state;
	memset(&vc, 0, sizeof(vc));
	vc.features = NF(MRG_RXBUF);
	vc.buf_size = 256;
	vc.buf_count = 32;
	vc.rx_bufs = 5; /* 1280 bytes, below 12 + 1518 */
	vc.dev_mem.len = 2u * VOB_SPLIT_RING_BYTES(VOB_NET_QSIZE, CW_LINE) + 4u * CW_LINE;
	vc.dev_mem.addr = cw_alloc(&W, vc.dev_mem.len);
	vc.drv_mem = vc.dev_mem;
	vc.pool_addr = cw_alloc(&W, 32u * 256u);
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), VOB_EINVAL);
	vc.queue_size = 4; /* five would fill the queue: fine */
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), 0);
	vc.queue_size = 0;
	vc.features = 0; /* one buffer per frame: the device refuses big ones */
	assert_int_equal(vob_net_drv_init(&NV, &W.drv.t, &vc), 0);

	opts_jumbo(&o);
	o.mtu = 1506; /* 1524-byte frames: what the driver can take */
	o.buf_size = 256;
	o.buf_count = 32;
	o.rx_bufs = 6; /* 1536 bytes */
	up(&o);
	assert_int_equal(vob_net_drv_max_rx(&NV), 6u * 256u - VOB_NET_HDR_SIZE);
	dev_send_ok(NULL, 6u * 256u - VOB_NET_HDR_SIZE, 1);
	drv_recv_ok(6u * 256u - VOB_NET_HDR_SIZE, 1, NULL);
}

/* The device's receive queue has 4 entries and the driver keeps them all
 * posted: a frame needing a fifth buffer can never be delivered, so the
 * device refuses it (VOB_EMSGSIZE, counted) instead of waiting for ever,
 * keeps the buffers, and the next frame that fits goes through. */
static void test_mrg_frame_beyond_rx_queue(void **state)
{
	struct vob_net_hdr_info h;
	uint32_t max = 4u * 256u - VOB_NET_HDR_SIZE;

	(void)state;
	up_queues_of_4(true);
	assert_int_equal(vob_net_drv_max_rx(&NV), max);
	fill(tx_buf, 1000, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, max + 1u), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_int_equal(ND.rx_nheld, 4);
	dev_send_ok(NULL, 300, 2);
	drv_recv_ok(300, 2, &h);
	assert_int_equal(h.num_buffers, 2);
	dev_send_ok(NULL, max, 3);
	drv_recv_ok(max, 3, &h);
	assert_int_equal(h.num_buffers, 4);
	assert_int_equal(vob_net_drv_stats(&NV)->rx_bad + vob_net_drv_stats(&NV)->rx_oversize, 0);
}

/* ---- tests: reset ----------------------------------------------------------------- */

static void test_reset_counts_lost(void **state)
{
	struct opts o;
	unsigned i;

	(void)state;
	opts_jumbo(&o);
	o.rx_bufs = 6;
	up(&o);
	/* In flight: 5 transmitted frames nobody read, a received frame not
	 * taken (2 buffers), the device holding 4 buffers for a jumbo. */
	for (i = 0; i < 5; i++)
		drv_send_ok(NULL, 300, i);
	dev_send_ok(NULL, 3000, 9);
	fill(tx_buf, 9000, 10);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 9000), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 4);
	/* The driver resets: everything comes back once the device has
	 * answered, 6 receive buffers (2 used but not collected, 4 held by the
	 * device) and 5 frames; not before, as the device may still use them. */
	assert_int_equal(vob_net_drv_reset(&NV), 0);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx + vob_net_drv_stats(&NV)->lost_tx, 0);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
	dev_ev = drv_ev = 0;
	pump(1);
	assert_true(drv_ev & VOB_DEV_EV_RESET);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 6);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 5);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	pump(20);
	assert_true(dev_ev & VOB_DEV_EV_RESET);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
	/* The device forgot the 4 buffers it held and 0 transmit chains. */
	assert_int_equal(vob_net_dev_stats(&ND)->lost_rx, 4);
	assert_int_equal(vob_net_dev_stats(&ND)->lost_tx, 0);
	/* Traffic again. */
	traffic(100, 60, 9018, 5, 6);
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 6);
}

static void test_device_restart(void **state)
{
	struct opts o;
	struct vob_table_cfg tc;
	unsigned i;

	(void)state;
	opts_default(&o);
	up(&o);
	for (i = 0; i < 3; i++)
		drv_send_ok(NULL, 500, i);
	/* The device's side starts again on the same memory: a new epoch. */
	memset(&tc, 0, sizeof(tc));
	tc.addr = CW_BASE;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = 2;
	tc.config_max = CFGMAX;
	tc.epoch_seed = 1000;
	assert_int_equal(vob_table_init(&W.dev.t, W.dev.link, &tc), 0);
	dev_init(&o);
	dev_ev = drv_ev = 0;
	pump(1);
	assert_true(drv_ev & VOB_DEV_EV_RESET);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 3);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 16);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	pump(20);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	traffic(50, 60, 1514, 77, 88);
}

static void test_reset_mid_reassembly(void **state)
{
	struct opts o;

	(void)state;
	opts_default(&o);
	o.drv_f |= NF(MRG_RXBUF);
	o.rx_bufs = 8;
	raw_dev_init(o.drv_f, 1500, VOB_NET_S_LINK_UP);
	drv_init(&o);
	pump_raw(20, false);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	{
		struct vob_vq *vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
		struct vob_iov iov[VOB_NET_QSIZE];
		struct vob_chain c = { .iov = iov, .cap = VOB_NET_QSIZE };
		uint8_t hdr[12] = { 0 };

		/* The first of three buffers, full; the rest never comes. */
		assert_int_equal(vob_vq_pop(vq, &c), 0);
		hdr[10] = 3;
		assert_int_equal(vob_chain_push(W.dev.link, &c, 0, hdr, 12, NULL), 12);
		assert_int_equal(vob_vq_push(vq, &c, c.in_len), 0);
	}
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(NV.rx_nfrag, 1);
	assert_int_equal(vob_net_drv_reset(&NV), 0);
	/* The one it held at once; the device's after its answer. */
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 1);
	pump_raw(2, false);
	/* 7 posted + 1 posted again when the driver looked + 1 held. */
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 9);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
}

/* The device is removed from the table: its poll says VOB_EIO, nothing
 * moves any more, the device object reports no features and counts the
 * receive buffers it held as lost, and the driver takes every buffer back. */
static void test_device_removed(void **state)
{
	uint32_t held;

	(void)state;
	up_default();
	drv_send_ok(NULL, 300, 1);
	assert_int_not_equal(vob_net_dev_features(&ND), 0);
	held = ND.rx_nheld;
	assert_int_equal(vob_dev_remove(&ND.dev), 0);
	assert_int_equal(vob_net_dev_poll(&ND), VOB_EIO);
	assert_int_equal(vob_net_dev_features(&ND), 0);
	assert_int_equal(vob_net_dev_stats(&ND)->lost_rx, held);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	drv_poll_all_back();
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 1);
	assert_int_equal(vob_net_drv_link(&NV), 0);
}

/* A reset while the device holds a transmitted frame back (the caller's
 * buffer was too small): the device counts it lost and never delivers it
 * after the reset; the driver counts it lost too. */
static void test_reset_device_holds_tx(void **state)
{
	(void)state;
	up_default();
	drv_send_ok(NULL, 1000, 1);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, 10, NULL), VOB_EMSGSIZE);
	assert_int_equal(vob_net_drv_reset(&NV), 0);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 0);
	dev_ev = drv_ev = 0;
	pump(20);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 1);
	assert_true(dev_ev & VOB_DEV_EV_RESET);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
	assert_int_equal(vob_net_dev_stats(&ND)->lost_tx, 1);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	drv_send_ok(NULL, 200, 2);
	dev_recv_ok(200, 2, NULL);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_frames, 1);
}

/* ---- tests: a hostile driver --------------------------------------------------- */

static uint64_t buf_area;

/* Up: the net device and a raw driver. */
static void hostile_driver_up(uint64_t dev_f, uint64_t drv_f)
{
	struct opts o;

	opts_default(&o);
	o.dev_f |= dev_f;
	dev_init(&o);
	raw_drv_init(drv_f);
	pump_raw(20, true);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
	assert_int_equal(vob_dev_state(&R.d), VOB_DEV_LIVE);
	buf_area = cw_alloc(&W, 256u * 1024u);
}

/* The raw driver transmits a chain of @n_out readable + @n_in writable
 * segments of @lens bytes, the readable ones filled from @bytes. */
static void raw_tx(const uint8_t *bytes, const uint32_t *lens, unsigned n_out, unsigned n_in,
		   void *token)
{
	struct vob_vq *vq = vob_dev_vq(&R.d, VOB_NET_TXQ);
	struct vob_seg s[8];
	uint64_t a = buf_area + (uint64_t)((uintptr_t)token % 16u) * 16384u;
	unsigned i;
	size_t off = 0;

	for (i = 0; i < n_out + n_in; i++) {
		s[i].addr = a;
		s[i].len = lens[i];
		if (i < n_out)
			memcpy(cw_ptr(&W, a), bytes + off, lens[i]);
		off += lens[i];
		a += VOB_ALIGN_UP(lens[i] ? lens[i] : 1u, 64u);
	}
	assert_int_equal(vob_vq_add(vq, s, n_out, n_in, token), 0);
	vob_vq_kick(vq);
}

/* A frame: header @h then @len bytes of pattern @seed. */
static size_t frame_bytes(uint8_t *out, const uint8_t h[12], size_t len, uint32_t seed)
{
	memcpy(out, h, 12);
	fill(out + 12, len, seed);
	return 12 + len;
}

/* The good frame that must follow each malformed one, and the token of
 * every chain given back. */
static void expect_good_after(unsigned bad_chains)
{
	static const uint8_t zero[12];
	static uint8_t f[2000];
	struct vob_vq *vq = vob_dev_vq(&R.d, VOB_NET_TXQ);
	uint32_t l = (uint32_t)frame_bytes(f, zero, 500, 77);
	unsigned got = 0;
	void *tok;
	uint32_t w;

	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)15);
	dev_recv_ok(500, 77, NULL);
	while (vob_vq_get_used(vq, &tok, &w) == 0) {
		assert_int_equal(w, 0);
		got++;
	}
	assert_int_equal(got, bad_chains + 1);
}

static void test_hostile_driver_tx(void **state)
{
	static uint8_t f[4000];
	uint8_t h[12] = { 0 };
	const struct vob_net_stats *st = vob_net_dev_stats(&ND);
	uint32_t l[4];
	size_t n;

	(void)state;
	hostile_driver_up(NF(CSUM), NF(MAC));

	/* No header at all: one empty segment. */
	l[0] = 0;
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)1);
	/* A short header. */
	l[0] = 5;
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)2);
	/* A header and no frame. */
	l[0] = 12;
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)3);
	expect_good_after(3);
	assert_int_equal(st->rx_bad, 3);

	/* A writable segment in a transmit chain. */
	n = frame_bytes(f, h, 100, 1);
	l[0] = (uint32_t)n;
	l[1] = 64;
	raw_tx(f, l, 1, 1, (void *)(uintptr_t)4);
	expect_good_after(1);
	assert_int_equal(st->rx_bad, 4);

	/* Oversized: 1519 bytes with an MTU of 1500. */
	n = frame_bytes(f, h, 1519, 2);
	l[0] = (uint32_t)n;
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)5);
	expect_good_after(1);
	assert_int_equal(st->rx_oversize, 1);

	/* Offloads not negotiated (CSUM was not), unknown flags, bad types. */
	h[0] = VOB_NET_HDR_F_NEEDS_CSUM;
	h[6] = 14;
	h[8] = 16;
	n = frame_bytes(f, h, 100, 3);
	l[0] = (uint32_t)n;
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)6);
	memset(h, 0, 12);
	h[1] = VOB_NET_HDR_GSO_TCPV4;
	h[4] = 100;
	n = frame_bytes(f, h, 100, 3);
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)7);
	memset(h, 0, 12);
	h[0] = 0x80;
	n = frame_bytes(f, h, 100, 3);
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)8);
	memset(h, 0, 12);
	h[2] = 101; /* hdr_len beyond the frame */
	n = frame_bytes(f, h, 100, 3);
	raw_tx(f, l, 1, 0, (void *)(uintptr_t)9);
	expect_good_after(4);
	assert_int_equal(st->rx_bad, 8);

	/* A header split over segments is well formed. */
	memset(h, 0, 12);
	h[10] = 9; /* num_buffers on transmit: ignored */
	n = frame_bytes(f, h, 300, 4);
	l[0] = 5;
	l[1] = 10;
	l[2] = 0;
	l[3] = (uint32_t)n - 15;
	raw_tx(f, l, 4, 0, (void *)(uintptr_t)10);
	dev_recv_ok(300, 4, NULL);
	expect_good_after(1);
	assert_int_equal(st->rx_bad, 8);
	assert_int_equal(st->rx_frames, 6);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
}

static void test_hostile_driver_csum_range(void **state)
{
	static uint8_t f[4000];
	uint8_t h[12] = { 0 };
	const struct vob_net_stats *st = vob_net_dev_stats(&ND);
	uint32_t l;

	(void)state;
	hostile_driver_up(NF(CSUM) | NF(HOST_TSO4), NF(CSUM) | NF(HOST_TSO4));
	/* csum_start + csum_offset + 2 beyond the frame. */
	h[0] = VOB_NET_HDR_F_NEEDS_CSUM;
	vob_put_le16(h + 6, 90);
	vob_put_le16(h + 8, 9);
	l = (uint32_t)frame_bytes(f, h, 100, 1);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)1);
	/* gso with a zero gso_size. */
	memset(h, 0, 12);
	h[1] = VOB_NET_HDR_GSO_TCPV4;
	l = (uint32_t)frame_bytes(f, h, 100, 1);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)2);
	/* ECN without HOST_ECN. */
	h[1] = VOB_NET_HDR_GSO_TCPV4 | VOB_NET_HDR_GSO_ECN;
	h[4] = 100;
	l = (uint32_t)frame_bytes(f, h, 100, 1);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)3);
	expect_good_after(3);
	assert_int_equal(st->rx_bad, 3);
	/* At the edge: fine. */
	memset(h, 0, 12);
	h[0] = VOB_NET_HDR_F_NEEDS_CSUM;
	vob_put_le16(h + 6, 90);
	vob_put_le16(h + 8, 8);
	l = (uint32_t)frame_bytes(f, h, 100, 5);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)4);
	dev_recv_ok(100, 5, NULL);
	assert_int_equal(st->rx_bad, 3);
}

static void test_hostile_driver_rx_buffers(void **state)
{
	struct vob_vq *vq;
	struct vob_seg s[2];
	const struct vob_net_stats *st = vob_net_dev_stats(&ND);
	void *tok;
	uint32_t w;
	int t[4];

	(void)state;
	hostile_driver_up(0, 0);
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	/* A receive buffer with a readable segment. */
	s[0].addr = buf_area;
	s[0].len = 64;
	s[1].addr = buf_area + 64;
	s[1].len = 2048;
	assert_int_equal(vob_vq_add(vq, s, 1, 1, &t[0]), 0);
	/* One too short for the header. */
	s[0].addr = buf_area + 4096;
	s[0].len = 11;
	assert_int_equal(vob_vq_add(vq, s, 0, 1, &t[1]), 0);
	/* A good one made of two segments, the header split over them. */
	s[0].addr = buf_area + 8192;
	s[0].len = 7;
	s[1].addr = buf_area + 8192 + 64;
	s[1].len = 2000;
	assert_int_equal(vob_vq_add(vq, s, 0, 2, &t[2]), 0);
	vob_vq_kick(vq);
	dev_send_ok(NULL, 700, 42);
	assert_int_equal(st->bad_bufs, 2);
	/* The two bad ones come back empty, then the frame. */
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_ptr_equal(tok, &t[0]);
	assert_int_equal(w, 0);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_ptr_equal(tok, &t[1]);
	assert_int_equal(w, 0);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_ptr_equal(tok, &t[2]);
	assert_int_equal(w, 712);
	{
		uint8_t got[712];

		memcpy(got, cw_ptr(&W, buf_area + 8192), 7);
		memcpy(got + 7, cw_ptr(&W, buf_area + 8192 + 64), 705);
		assert_int_equal(got[0], 0);
		assert_int_equal(got[1], 0);
		assert_int_equal(vob_get_le16(got + 10), 1);
		check_frame(got + 12, 700, 42);
	}
	/* No buffers left: backpressure. */
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_EAGAIN);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
}

/* A malformed chain, then a good frame too long for the caller's buffer:
 * the malformed one is given back at once, the frame stays first in line. */
static void test_hostile_driver_bad_then_too_small(void **state)
{
	static const uint8_t zero[12];
	static uint8_t f[2000];
	struct vob_vq *vq;
	uint32_t l, w;
	void *tok;

	(void)state;
	hostile_driver_up(0, 0);
	vq = vob_dev_vq(&R.d, VOB_NET_TXQ);
	l = 5; /* a short header */
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)1);
	l = (uint32_t)frame_bytes(f, zero, 500, 9);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)2);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, 100, NULL), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_bad, 1);
	pump_raw(1, true);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_ptr_equal(tok, (void *)(uintptr_t)1);
	assert_int_equal(w, 0);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), VOB_EAGAIN);
	dev_recv_ok(500, 9, NULL);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_ptr_equal(tok, (void *)(uintptr_t)2);
}

/* A driver offering nothing but malformed chains, a whole queue of them:
 * each call gives them all back, counted, returns VOB_EAGAIN (the budget of
 * one call), and the next good one goes through. */
static void test_hostile_driver_flood(void **state)
{
	static uint8_t f[64];
	struct vob_vq *vq;
	struct vob_seg s;
	uint32_t l = 5, w;
	void *tok;
	unsigned i, got = 0;

	(void)state;
	R.qsize = VOB_NET_QSIZE;
	hostile_driver_up(0, 0);
	/* Receive buffers too short for a header. */
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	for (i = 0; i < VOB_NET_QSIZE; i++) {
		s.addr = buf_area + 64u * i;
		s.len = 8;
		assert_int_equal(vob_vq_add(vq, &s, 0, 1, (void *)(uintptr_t)(i + 1)), 0);
	}
	vob_vq_kick(vq);
	fill(tx_buf, 100, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_EAGAIN);
	assert_int_equal(vob_net_dev_stats(&ND)->bad_bufs, VOB_NET_QSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 0);
	while (vob_vq_get_used(vq, &tok, &w) == 0) {
		assert_ptr_equal(tok, (void *)(uintptr_t)(got + 1));
		assert_int_equal(w, 0);
		got++;
	}
	assert_int_equal(got, VOB_NET_QSIZE);
	s.addr = buf_area + 65536;
	s.len = 2048;
	assert_int_equal(vob_vq_add(vq, &s, 0, 1, (void *)(uintptr_t)1000), 0);
	vob_vq_kick(vq);
	dev_send_ok(NULL, 100, 1);
	assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
	assert_int_equal(w, 112);
	check_frame((const uint8_t *)cw_ptr(&W, buf_area + 65536) + 12, 100, 1);
	/* Transmit chains with a short header. */
	for (i = 0; i < VOB_NET_QSIZE; i++)
		raw_tx(f, &l, 1, 0, (void *)(uintptr_t)(i + 1));
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(vob_net_dev_stats(&ND)->rx_bad, VOB_NET_QSIZE);
	vq = vob_dev_vq(&R.d, VOB_NET_TXQ);
	for (got = 0; vob_vq_get_used(vq, &tok, &w) == 0; got++) {
		assert_ptr_equal(tok, (void *)(uintptr_t)(got + 1));
		assert_int_equal(w, 0);
	}
	assert_int_equal(got, VOB_NET_QSIZE);
	expect_good_after(0);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
}

/* Receive buffer @i of the raw driver: 7 bytes then 100 (a header split
 * over two segments), at buf_area + 4096 i. */
static void raw_rx_split_add(struct vob_vq *vq, unsigned i)
{
	struct vob_seg s[2];

	s[0].addr = buf_area + 4096u * i;
	s[0].len = 7;
	s[1].addr = s[0].addr + 64;
	s[1].len = 100;
	assert_int_equal(vob_vq_add(vq, s, 0, 2, (void *)(uintptr_t)(i + 1)), 0);
	vob_vq_kick(vq);
}

/* The next used receive buffer must be @i with @w bytes; copied to @out. */
static void raw_rx_split_used(struct vob_vq *vq, unsigned i, uint32_t w, uint8_t *out)
{
	uint64_t a = buf_area + 4096u * i;
	uint32_t got;
	void *tok;

	assert_int_equal(vob_vq_get_used(vq, &tok, &got), 0);
	assert_ptr_equal(tok, (void *)(uintptr_t)(i + 1));
	assert_int_equal(got, w);
	memcpy(out, cw_ptr(&W, a), w < 7 ? w : 7);
	if (w > 7)
		memcpy(out + 7, cw_ptr(&W, a + 64), w - 7);
}

/* A driver that does not ask for F_MTU, against a device of MTU 9000: the
 * device keeps to 1518-byte frames both ways, whatever buffers are posted
 * (sixteen of 107 bytes hold 1530 and more), and says so. */
static void test_dev_mtu_without_f_mtu(void **state)
{
	static const uint8_t zero[12];
	static uint8_t f[2000];
	const struct vob_net_stats *st = vob_net_dev_stats(&ND);
	struct vob_net_hdr_info h;
	struct vob_vq *vq;
	struct opts o;
	uint32_t l;
	unsigned i;

	(void)state;
	opts_jumbo(&o);
	dev_init(&o);
	R.qsize = VOB_NET_QSIZE; /* room for sixteen two-segment buffers */
	raw_drv_init(NF(MRG_RXBUF));
	pump_raw(20, true);
	assert_int_equal(vob_dev_state(&R.d), VOB_DEV_LIVE);
	buf_area = cw_alloc(&W, 256u * 1024u);
	assert_false(vob_net_dev_features(&ND) & NF(MTU));
	assert_int_equal(vob_net_dev_max_frame(&ND), 1518);
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	for (i = 0; i < 16; i++)
		raw_rx_split_add(vq, i);
	fill(tx_buf, 1519, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1519), VOB_EMSGSIZE);
	assert_int_equal(st->tx_dropped, 1);
	assert_int_equal(ND.rx_nheld, 0);
	dev_send_ok(NULL, 1518, 2);
	assert_int_equal(st->tx_frames, 1);
	/* Driver to device: 1519 bytes are oversize, 1518 pass. */
	l = (uint32_t)frame_bytes(f, zero, 1519, 3);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)4); /* past the receive buffers */
	l = (uint32_t)frame_bytes(f, zero, 1518, 4);
	raw_tx(f, &l, 1, 0, (void *)(uintptr_t)5);
	dev_recv_ok(1518, 4, &h);
	assert_int_equal(st->rx_oversize, 1);
}

/* Receive buffers of two segments held for a frame that did not fit, then
 * used by smaller frames: each frame lands in the segments of the right
 * buffers, in order, once the first ones are gone from the held list. */
static void test_rx_held_split_buffers(void **state)
{
	struct vob_vq *vq;
	uint8_t got[256], rest[64];
	unsigned i;

	(void)state;
	hostile_driver_up(NF(MRG_RXBUF), NF(MRG_RXBUF));
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	for (i = 0; i < 3; i++)
		raw_rx_split_add(vq, i);
	fill(tx_buf, 400, 1); /* 412 bytes, 321 offered */
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 400), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 3);
	dev_send_ok(NULL, 50, 2);
	dev_send_ok(NULL, 60, 3);
	raw_rx_split_add(vq, 3);
	dev_send_ok(NULL, 150, 4); /* 162 bytes: 107 + 55 */
	assert_int_equal(ND.rx_nheld, 0);
	raw_rx_split_used(vq, 0, 62, got);
	assert_int_equal(vob_get_le16(got + 10), 1);
	check_frame(got + 12, 50, 2);
	raw_rx_split_used(vq, 1, 72, got);
	assert_int_equal(vob_get_le16(got + 10), 1);
	check_frame(got + 12, 60, 3);
	raw_rx_split_used(vq, 2, 107, got);
	raw_rx_split_used(vq, 3, 55, rest);
	assert_int_equal(vob_get_le16(got + 10), 2);
	memcpy(got + 107, rest, 55);
	check_frame(got + 12, 150, 4);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_frames, 3);
	assert_int_equal(vob_net_dev_stats(&ND)->bad_bufs, 0);
}

/* A driver that posts fewer receive buffers than a frame needs and no
 * more: the device says VOB_EAGAIN (more could still come) and returns.
 * Once the buffers it holds cover the whole receive queue (16 entries,
 * counted in buffers or in descriptors), no more can come: the frame is
 * refused with VOB_EMSGSIZE, the buffers stay held, and smaller frames use
 * them. */
static void test_hostile_driver_few_rx_buffers(void **state)
{
	struct vob_vq *vq;
	struct vob_seg s[2];
	uint32_t w;
	void *tok;
	unsigned i;

	(void)state;
	hostile_driver_up(NF(MRG_RXBUF), NF(MRG_RXBUF));
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	s[0].addr = buf_area;
	s[0].len = 64;
	assert_int_equal(vob_vq_add(vq, s, 0, 1, (void *)(uintptr_t)1), 0);
	vob_vq_kick(vq);
	fill(tx_buf, 1100, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1100), VOB_EAGAIN);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1100), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 1);
	/* Fifteen more: the queue is full, 1024 bytes for 1112. */
	for (i = 1; i < RAWQ; i++) {
		s[0].addr = buf_area + 64u * i;
		assert_int_equal(vob_vq_add(vq, s, 0, 1, (void *)(uintptr_t)(i + 1)), 0);
	}
	vob_vq_kick(vq);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1100), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 1);
	assert_int_equal(ND.rx_nheld, RAWQ);
	dev_send_ok(NULL, 1000, 2); /* 1012 bytes: all sixteen */
	for (i = 0; i < RAWQ; i++) {
		assert_int_equal(vob_vq_get_used(vq, &tok, &w), 0);
		assert_ptr_equal(tok, (void *)(uintptr_t)(i + 1));
		assert_int_equal(w, i + 1u < RAWQ ? 64u : 1012u - 15u * 64u);
	}
	/* Buffers of two descriptors: eight fill the queue. */
	for (i = 0; i < RAWQ / 2u; i++) {
		s[0].addr = buf_area + 128u * i;
		s[0].len = 32;
		s[1].addr = s[0].addr + 64u;
		s[1].len = 32;
		assert_int_equal(vob_vq_add(vq, s, 0, 2, (void *)(uintptr_t)(i + 1)), 0);
	}
	vob_vq_kick(vq);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 1100), VOB_EMSGSIZE);
	assert_int_equal(vob_net_dev_stats(&ND)->tx_dropped, 2);
	assert_int_equal(ND.rx_nheld, RAWQ / 2u);
	dev_send_ok(NULL, 100, 3);
	assert_int_equal(ND.rx_nheld, RAWQ / 2u - 2u);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
}

/* Receive buffer @i of the raw driver: @nseg segments of @len bytes, 128
 * apart from buf_area + 4096 i; 2 to RAW_IND segments go in an indirect
 * table (one ring descriptor) when the queue has them, others take one
 * descriptor each. */
static void raw_rx_segs_add(struct vob_vq *vq, unsigned i, unsigned nseg, uint32_t len)
{
	struct vob_seg s[8];
	unsigned k;

	assert_true(nseg <= 8 && len <= 128);
	for (k = 0; k < nseg; k++) {
		s[k].addr = buf_area + 4096u * i + 128u * k;
		s[k].len = len;
	}
	assert_int_equal(vob_vq_add(vq, s, 0, nseg, (void *)(uintptr_t)(i + 1)), 0);
	vob_vq_kick(vq);
}

/* The next used receive buffer must be @i (segments of @len bytes) with
 * @w bytes written; they are copied to @out. */
static void raw_rx_segs_used(struct vob_vq *vq, unsigned i, uint32_t len, uint32_t w,
			     uint8_t *out)
{
	uint32_t got, off;
	void *tok;

	assert_int_equal(vob_vq_get_used(vq, &tok, &got), 0);
	assert_ptr_equal(tok, (void *)(uintptr_t)(i + 1));
	assert_int_equal(got, w);
	for (off = 0; off < w; off += len)
		memcpy(out + off, cw_ptr(&W, buf_area + 4096u * i + 128u * (off / len)),
		       w - off < len ? w - off : len);
}

/* Receive buffers given as indirect tables take one ring descriptor each,
 * whatever their segments: the device keeps gathering them for a frame
 * past as many segments as the queue has entries (13 buffers of four
 * 100-byte segments, 52 segments, in a 16-entry queue) instead of dropping
 * it once the segments reach the queue size (before: VOB_EMSGSIZE after
 * four). Held buffers used by a smaller frame give their descriptors back
 * in the count; once the held buffers, indirect and direct, take all
 * sixteen descriptors, the frame is dropped rather than waited for. */
static void test_mrg_indirect_rx_buffers(void **state)
{
	static uint8_t got[13u * 400u];
	const struct vob_net_stats *st = vob_net_dev_stats(&ND);
	struct vob_vq *vq;
	struct opts o;
	unsigned i;

	(void)state;
	opts_jumbo(&o);
	dev_init(&o);
	R.ind = true;
	raw_drv_init(NF(MRG_RXBUF) | NF(MTU) | VOB_BIT(VOB_F_INDIRECT_DESC));
	pump_raw(20, true);
	assert_int_equal(vob_dev_state(&R.d), VOB_DEV_LIVE);
	assert_true(vob_net_dev_features(&ND) & VOB_BIT(VOB_F_INDIRECT_DESC));
	buf_area = cw_alloc(&W, 256u * 1024u);
	vq = vob_dev_vq(&R.d, VOB_NET_RXQ);

	/* 5012 bytes: four buffers (16 segments) are not enough, and more
	 * can come: wait. */
	for (i = 0; i < 4; i++)
		raw_rx_segs_add(vq, i, 4, 100);
	fill(tx_buf, 5000, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 4);
	assert_int_equal(st->tx_dropped, 0);
	for (; i < 13; i++)
		raw_rx_segs_add(vq, i, 4, 100);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), 0);
	assert_int_equal(ND.rx_nheld, 0);
	for (i = 0; i < 13; i++)
		raw_rx_segs_used(vq, i, 100, i < 12 ? 400u : 5012u - 12u * 400u, got + 400u * i);
	assert_int_equal(vob_get_le16(got + 10), 13);
	check_frame(got + 12, 5000, 1);

	/* Two held, the first used by a small frame: one descriptor held. */
	raw_rx_segs_add(vq, 0, 4, 100);
	raw_rx_segs_add(vq, 1, 4, 100);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 2);
	dev_send_ok(NULL, 100, 2);
	assert_int_equal(ND.rx_nheld, 1);
	raw_rx_segs_used(vq, 0, 100, 112, got);
	check_frame(got + 12, 100, 2);
	/* Two direct chains of five (5 > RAW_IND) and four single
	 * descriptors: 15 of 16 taken, one more could come. */
	raw_rx_segs_add(vq, 2, 5, 20);
	raw_rx_segs_add(vq, 3, 5, 20);
	for (i = 4; i < 8; i++)
		raw_rx_segs_add(vq, i, 1, 20);
	fill(tx_buf, 5000, 1);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EAGAIN);
	assert_int_equal(ND.rx_nheld, 7);
	/* The sixteenth: the queue is full, 700 bytes for 5012. */
	raw_rx_segs_add(vq, 8, 1, 20);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 5000), VOB_EMSGSIZE);
	assert_int_equal(st->tx_dropped, 1);
	assert_int_equal(ND.rx_nheld, 8);
	/* The held buffers still serve smaller frames, in order. */
	dev_send_ok(NULL, 300, 3);
	raw_rx_segs_used(vq, 1, 100, 312, got);
	check_frame(got + 12, 300, 3);
	assert_int_equal(st->tx_frames, 3);
	assert_int_equal(st->bad_bufs, 0);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
}

static void test_hostile_driver_broken_ring(void **state)
{
	(void)state;
	hostile_driver_up(0, 0);
	/* The avail index jumps by more than the queue size. */
	poke16(&W.drv, R.q[VOB_NET_TXQ].driver_addr + 2, 1000);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_EPROTO);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_ENODEV);
	pump_raw(3, true);
	assert_true(R.ev & VOB_DEV_EV_NEEDS_RESET);
	/* The driver resets: the device serves again. */
	assert_int_equal(vob_dev_reset(&R.d), 0);
	pump_raw(20, true);
	assert_int_equal(vob_dev_state(&ND.dev), VOB_DEV_LIVE);
	expect_good_after(0);
}

static void test_hostile_driver_broken_rx_ring(void **state)
{
	(void)state;
	hostile_driver_up(0, 0);
	poke16(&W.drv, R.q[VOB_NET_RXQ].driver_addr + 2, 1000);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_EPROTO);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_ENODEV);
	pump_raw(3, true);
	assert_true(R.ev & VOB_DEV_EV_NEEDS_RESET);
}

static void test_hostile_driver_features(void **state)
{
	struct opts o;

	(void)state;
	/* A driver asking HOST_TSO4 without CSUM is refused at FEATURES_OK. */
	opts_default(&o);
	o.dev_f |= NF(CSUM) | NF(HOST_TSO4);
	dev_init(&o);
	raw_drv_init(NF(HOST_TSO4));
	pump_raw(20, true);
	assert_true(R.ev & VOB_DEV_EV_REFUSED);
	assert_int_equal(vob_dev_state(&R.d), VOB_DEV_FAILED);
	assert_int_equal(vob_net_dev_send(&ND, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_dev_recv(&ND, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
}

/* ---- tests: a hostile device --------------------------------------------------- */

static uint32_t raw_buf = 2048;

static void hostile_device_up(uint64_t features, uint16_t mtu, uint16_t rx_bufs, uint32_t buf)
{
	struct opts o;

	opts_default(&o);
	o.drv_f |= features;
	o.rx_bufs = rx_bufs;
	o.buf_size = buf;
	raw_buf = buf;
	raw_dev_init(o.drv_f, mtu, VOB_NET_S_LINK_UP);
	drv_init(&o);
	pump_raw(20, false);
	assert_int_equal(vob_dev_state(&NV.dev), VOB_DEV_LIVE);
	assert_int_equal(vob_dev_state(&R.d), VOB_DEV_LIVE);
}

/* The raw device uses the next receive buffer: @n bytes of @bytes from
 * offset 0, written length @w. */
static void raw_rx(const uint8_t *bytes, uint32_t n, uint32_t w)
{
	struct vob_vq *vq = vob_dev_vq(&R.d, VOB_NET_RXQ);
	struct vob_iov iov[VOB_NET_QSIZE];
	struct vob_chain c = { .iov = iov, .cap = VOB_NET_QSIZE };

	assert_int_equal(vob_vq_pop(vq, &c), 0);
	assert_int_equal(vob_chain_push(W.dev.link, &c, 0, bytes, n, NULL), (int)n);
	assert_int_equal(vob_vq_push(vq, &c, w), 0);
}

/* A whole frame as a correct device would write it into 2048-byte buffers. */
static void raw_rx_frame(const uint8_t h[12], size_t len, uint32_t seed, uint16_t nb_claim)
{
	static uint8_t f[20000];
	size_t total = frame_bytes(f, h, len, seed), off = 0;

	vob_put_le16(f + 10, nb_claim);
	while (off < total) {
		uint32_t m = (uint32_t)(total - off < raw_buf ? total - off : raw_buf);

		raw_rx(f + off, m, m);
		off += m;
	}
}

static void expect_drv_good(void)
{
	static const uint8_t zero[12];
	struct vob_net_hdr_info h;

	raw_rx_frame(zero, 1400, 99, 2); /* 1412 bytes over 1024-byte buffers */
	drv_recv_ok(1400, 99, &h);
	assert_int_equal(h.num_buffers, 2);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	/* Every receive buffer went back to the device. */
	assert_int_equal(NV.rx_posted, 16);
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 16);
}

static void test_hostile_device_rx(void **state)
{
	static uint8_t f[20000];
	uint8_t h[12] = { 0 };
	const struct vob_net_stats *st = vob_net_drv_stats(&NV);

	(void)state;
	hostile_device_up(NF(MRG_RXBUF), 1500, 16, 1024);
	expect_drv_good();

	/* Written length below the header (the bytes would make a sound
	 * header). */
	frame_bytes(f, h, 100, 1);
	vob_put_le16(f + 10, 1);
	raw_rx(f, 12, 11);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 1);
	expect_drv_good();

	/* num_buffers 0. */
	frame_bytes(f, h, 100, 1);
	raw_rx(f, 112, 112);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 2);
	expect_drv_good();

	/* num_buffers larger than the buffers in flight (15 besides this). */
	frame_bytes(f, h, 100, 1);
	vob_put_le16(f + 10, 17);
	raw_rx(f, 112, 112);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 3);
	expect_drv_good();

	/* num_buffers 3 but the first buffer is not full: the frame and its
	 * two continuations are dropped. */
	frame_bytes(f, h, 100, 1);
	vob_put_le16(f + 10, 3);
	raw_rx(f, 112, 112);
	raw_rx(f, 1024, 1024);
	raw_rx(f, 50, 50);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 4);
	expect_drv_good();

	/* num_buffers 3, the second not full; the third is skipped. */
	raw_rx_frame(h, 1012 + 100, 5, 3);
	raw_rx(f, 10, 10);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 5);
	expect_drv_good();

	/* num_buffers 2 over two full buffers: 2036 bytes, beyond the MTU. */
	raw_rx_frame(h, 2048 - 12, 6, 2);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_oversize, 1);
	expect_drv_good();

	/* num_buffers beyond what the driver reassembles (8): dropped with
	 * its eight continuations. */
	raw_rx_frame(h, 9 * 1024 - 12, 7, 9);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_oversize, 2);
	expect_drv_good();

	/* One byte longer than the MTU allows. */
	raw_rx_frame(h, 1519, 8, 2);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_oversize, 3);
	expect_drv_good();

	/* An empty frame. */
	raw_rx_frame(h, 0, 9, 1);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 6);
	expect_drv_good();

	/* Offloads not negotiated: DATA_VALID without GUEST_CSUM, a TSO
	 * type, unknown flags; hdr_len beyond the frame. */
	h[0] = VOB_NET_HDR_F_DATA_VALID;
	raw_rx_frame(h, 100, 10, 1);
	memset(h, 0, 12);
	h[1] = VOB_NET_HDR_GSO_TCPV4;
	h[4] = 1;
	raw_rx_frame(h, 100, 10, 1);
	memset(h, 0, 12);
	h[0] = 4;
	raw_rx_frame(h, 100, 10, 1);
	memset(h, 0, 12);
	h[2] = 200;
	raw_rx_frame(h, 100, 10, 1);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(st->rx_bad, 10);
	expect_drv_good();
	assert_int_equal(st->rx_frames, 11); /* the good frames only */
}

static void test_hostile_device_no_mrg(void **state)
{
	uint8_t h[12] = { 0 };
	const struct vob_net_stats *st = vob_net_drv_stats(&NV);
	struct vob_net_hdr_info got;

	(void)state;
	hostile_device_up(0, 1500, 16, 2048);
	/* Without MRG_RXBUF num_buffers is ignored and reported as 1 (Linux
	 * vhost-net long left it 0). */
	raw_rx_frame(h, 100, 1, 2);
	raw_rx_frame(h, 100, 2, 0);
	raw_rx_frame(h, 100, 3, 1);
	drv_recv_ok(100, 1, &got);
	assert_int_equal(got.num_buffers, 1);
	drv_recv_ok(100, 2, &got);
	assert_int_equal(got.num_buffers, 1);
	drv_recv_ok(100, 3, &got);
	assert_int_equal(got.num_buffers, 1);
	assert_int_equal(st->rx_bad, 0);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
}

/* The frame's first buffer arrives, the driver posts receive buffers again
 * meanwhile, then the rest arrives: the frame is whole, and its buffers go
 * back to the pool rather than over the number kept posted. */
static void test_hostile_device_refill_mid_frame(void **state)
{
	static const uint8_t zero[12];
	static uint8_t f[2000];

	(void)state;
	hostile_device_up(NF(MRG_RXBUF), 1500, 16, 1024);
	frame_bytes(f, zero, 1400, 5);
	vob_put_le16(f + 10, 2);
	raw_rx(f, 1024, 1024);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EAGAIN);
	assert_int_equal(NV.rx_nfrag, 1);
	assert_int_equal(NV.rx_posted, 16);
	raw_rx(f + 1024, 1412 - 1024, 1412 - 1024);
	drv_recv_ok(1400, 5, NULL);
	assert_int_equal(NV.rx_posted, 16);
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 16);
	expect_drv_good();
}

/* A device whose config space is too short for the fields its features
 * promise: nothing is read past it; the driver keeps a zero MAC, the
 * default MTU, the link up, and works. */
static void test_hostile_device_short_config(void **state)
{
	uint8_t mac[6];

	(void)state;
	R.cfg_len = 4;
	hostile_device_up(0, 9000, 16, 2048);
	/* The MTU cannot be read: F_MTU is not taken. */
	assert_false(vob_dev_features(&R.d, 0) & NF(MTU));
	assert_int_equal(vob_net_drv_mac(&NV, mac), 0);
	assert_memory_equal(mac, (const uint8_t[6]){ 0 }, 6);
	assert_int_equal(vob_net_drv_mtu(&NV), VOB_NET_MTU_DEFAULT);
	assert_int_equal(vob_net_drv_link(&NV), 1);
	raw_rx_frame((const uint8_t[12]){ 0 }, 1000, 4, 1);
	drv_recv_ok(1000, 4, NULL);
}

/* A device with fewer queues than virtio-net has: the driver still goes
 * live, what needs a missing queue says VOB_ENODEV and keeps no buffer,
 * and the queue that exists works. */
static void test_hostile_device_missing_queues(void **state)
{
	(void)state;
	R.missing_queues = 2;
	hostile_device_up(0, 1500, 16, 2048);
	pump_raw(3, false);
	fill(tx_buf, 100, 1);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	teardown(NULL);
	setup(NULL);
	R.missing_queues = 1; /* no transmitq */
	hostile_device_up(0, 1500, 16, 2048);
	pump_raw(3, false);
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_ENODEV);
	assert_int_equal(vob_net_drv_max_tx(&NV), 0); /* nothing can be sent */
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 16);
	raw_rx_frame((const uint8_t[12]){ 0 }, 100, 2, 1);
	drv_recv_ok(100, 2, NULL);
	assert_int_equal(vob_net_drv_stats(&NV)->tx_dropped + vob_net_drv_stats(&NV)->ring_errors, 0);
}

static void test_hostile_device_config(void **state)
{
	(void)state;
	/* An MTU below 68 is refused: F_MTU is not taken, 1500 is used. */
	hostile_device_up(0, 10, 16, 2048);
	assert_false(vob_net_drv_features(&NV) & NF(MTU));
	assert_false(vob_dev_features(&R.d, 0) & NF(MTU));
	assert_int_equal(vob_net_drv_mtu(&NV), 1500);
	assert_int_equal(vob_net_drv_max_tx(&NV), 1518);
}

static void test_hostile_device_used_ring(void **state)
{
	(void)state;
	hostile_device_up(0, 1500, 16, 2048);
	/* The used index jumps beyond what is in flight. */
	poke16(&W.dev, NV.q[VOB_NET_RXQ].device_addr + 2, 500);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_EPROTO);
	/* The driver reset the device at once; everything comes back with
	 * the device's answer. */
	assert_int_equal(vob_net_drv_stats(&NV)->ring_errors, 1);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 0);
	pump_raw(2, false);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 16);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	assert_int_equal(vob_net_drv_recv(&NV, rx_buf, sizeof(rx_buf), NULL), VOB_ENODEV);
	/* And it comes back. */
	drv_ev = 0;
	pump_raw(20, false);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
	raw_rx_frame((const uint8_t[12]){ 0 }, 100, 3, 1);
	drv_recv_ok(100, 3, NULL);
}

static void test_hostile_device_needs_reset(void **state)
{
	(void)state;
	hostile_device_up(0, 1500, 16, 2048);
	drv_send_ok(NULL, 100, 1);
	/* The device asks for a reset: the driver's next poll does it. */
	assert_int_equal(vob_dev_set_needs_reset(&R.d), 0);
	drv_ev = 0;
	pump_raw(1, false);
	assert_true(drv_ev & VOB_DEV_EV_NEEDS_RESET);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_rx, 16);
	assert_int_equal(vob_net_drv_stats(&NV)->lost_tx, 1);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
	drv_ev = 0;
	pump_raw(20, false);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
	drv_send_ok(NULL, 100, 2);
}

/* Up against a raw device; one frame transmitted and completed soundly,
 * then a second one the device completes claiming it wrote 5 bytes into
 * it (a transmit chain is read-only): the transmit ring is broken. */
static void hostile_device_tx_used_len(void)
{
	struct vob_vq *vq;
	struct vob_iov iov[VOB_NET_QSIZE];
	struct vob_chain c = { .iov = iov, .cap = VOB_NET_QSIZE };
	uint8_t b[4];

	hostile_device_up(0, 1500, 16, 2048);
	/* A sound completion gives the buffers back. */
	drv_send_ok(NULL, 100, 1);
	vq = vob_dev_vq(&R.d, VOB_NET_TXQ);
	assert_int_equal(vob_vq_pop(vq, &c), 0);
	assert_int_equal(c.n_in, 0);
	assert_int_equal(vob_vq_push(vq, &c, 0), 0);
	pump_raw(1, false);
	assert_int_equal(vob_pool_free(&NV.pool), 64 - 16);
	drv_send_ok(NULL, 100, 2);
	assert_int_equal(vob_vq_pop(vq, &c), 0);
	assert_int_equal(vob_vq_push(vq, &c, 0), 0);
	vob_put_le32(b, 5);
	cw_poke(&W, &W.dev, NV.q[VOB_NET_TXQ].device_addr + 4 + 8 * 1 + 4, b, 4);
}

static void test_hostile_device_tx_used_len(void **state)
{
	(void)state;
	/* The next send says so, a reset gives everything back. */
	hostile_device_tx_used_len();
	assert_int_equal(vob_net_drv_send(&NV, NULL, tx_buf, 100), VOB_EPROTO);
	assert_int_equal(vob_net_drv_stats(&NV)->ring_errors, 1);
	assert_int_not_equal(vob_pool_free(&NV.pool), 64); /* until the answer */
	pump_raw(2, false);
	assert_int_equal(vob_pool_free(&NV.pool), 64);
}

/* The same broken transmit ring found by the poll that collects completed
 * frames: the driver resets the device and says so with VOB_DEV_EV_RESET,
 * every buffer is back, and the device comes back. */
static void test_hostile_device_tx_used_len_poll(void **state)
{
	int ev;

	(void)state;
	hostile_device_tx_used_len();
	cw_step(&W);
	ev = vob_net_drv_poll(&NV);
	assert_true(ev >= 0 && (ev & VOB_DEV_EV_RESET));
	assert_int_not_equal(vob_pool_free(&NV.pool), 64); /* until the answer */
	cw_step(&W);
	assert_true(vob_dev_poll(&R.d) >= 0);
	drv_poll_all_back();
	assert_int_equal(vob_net_drv_stats(&NV)->ring_errors, 1);
	drv_ev = 0;
	pump_raw(20, false);
	assert_true(drv_ev & VOB_DEV_EV_LIVE);
	raw_rx_frame((const uint8_t[12]){ 0 }, 100, 3, 1);
	drv_recv_ok(100, 3, NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_read_during_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_not_negotiated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calls_before_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traffic_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jumbo_mrg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_beyond_rx_bufs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_fits_rx_bufs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_unreadable_at_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_mrg_small_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_limited_by_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_down_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_exhaustion_mrg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_cap_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_held_for_smaller_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_more_bufs_than_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_rx_bufs_contract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_frame_beyond_rx_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_counts_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_reassembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_device_holds_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_csum_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_rx_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_bad_then_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_held_split_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_mtu_without_f_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_few_rx_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_indirect_rx_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_broken_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_broken_rx_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_driver_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_no_mrg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_missing_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_refill_mid_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_short_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_used_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_tx_used_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_tx_used_len_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_device_needs_reset, setup, teardown),
	};

	(void)argc;
	return cw_main(argv[0], "net", tests, sizeof(tests) / sizeof(tests[0]), CW_SIM_MODE,
		       CW_BODY_SEEDS);
}

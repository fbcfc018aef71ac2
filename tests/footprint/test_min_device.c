/* SPDX-License-Identifier: BSD-3-Clause */
/* The minimal device-role configuration (scripts/test lean-device): the
 * device role of the table and the split ring, built without the driver role
 * and without the optional features, against a driver this test plays by
 * writing the wire format by hand (docs/protocol.md). Checks that the full
 * negotiation still runs (status steps, feature refusal, placement checks,
 * reset), that features left out are neither offered nor accepted, that
 * traffic flows, that peer checks still break the queue, and that the
 * driver-role API answers VOB_ENOTSUP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "table_internal.h"
#include "vob/table.h"

#define LINE 64u
#define BASE 0x20000000ull
#define QSIZE 8u
#define CFGMAX 8u
#define HDR 64u                      /* one side header, one line; the driver's is first */
#define DEV_OFF (2u * HDR)           /* the slot's device area */
#define DRV_OFF (DEV_OFF + 128u)     /* its driver area */
#define RING_OFF 0x1000u             /* a split ring placed by the driver */
#define BUF_OFF 0x2000u
#define F(x) VOB_BIT(VOB_F_##x)
#define DRIVER_EPOCH 7u

static _Alignas(64) uint8_t mem[0x4000];
static struct fake_port port;
static struct vob_link link;
static struct vob_table table;
static struct vob_dev dev;
static struct vob_vq vq;
static uint64_t vq_state[VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
static struct vob_dev_queue queue;
static uint32_t req;

static uint32_t rd32(size_t off)
{
	return vob_get_le32(mem + off);
}

static uint16_t rd16(size_t off)
{
	return vob_get_le16(mem + off);
}

/* The driver's side header: what a driver writes when it starts. */
static void driver_header(void)
{
	vob_put_le32(mem + HDR_MAGIC, VOB_TABLE_MAGIC);
	vob_put_le16(mem + HDR_VERSION, VOB_PROTOCOL_VERSION);
	vob_put_le16(mem + HDR_LINE, LINE);
	vob_put_le16(mem + HDR_NSLOTS, 1);
	vob_put_le16(mem + HDR_NQUEUES, 1);
	vob_put_le16(mem + HDR_CONFIG_MAX, CFGMAX);
	vob_put_le32(mem + HDR_EPOCH, DRIVER_EPOCH);
}

/* One driver request: status and features, then the number announcing
 * them; the device answers at its next poll. Returns the acknowledged
 * status. */
static uint16_t request(uint16_t status, uint64_t features)
{
	vob_put_le32(mem + DRV_OFF + DRV_EPOCH, DRIVER_EPOCH);
	vob_put_le32(mem + DRV_OFF + DRV_DEV_EPOCH, rd32(DEV_OFF + DEV_EPOCH));
	vob_put_le32(mem + DRV_OFF + DRV_DEV_PUB, rd32(DEV_OFF + DEV_PUB));
	vob_put_le16(mem + DRV_OFF + DRV_STATUS, status);
	vob_put_le64(mem + DRV_OFF + DRV_FEATURES, features);
	vob_put_le64(mem + DRV_OFF + DRV_FEATURES + 8, 0);
	vob_put_le32(mem + DRV_OFF + DRV_REQ, ++req);
	assert_true(vob_dev_poll(&dev) >= 0);
	assert_int_equal(rd32(DEV_OFF + DEV_ACK), req);
	return rd16(DEV_OFF + DEV_STATUS);
}

/* Queue 0's placement in the driver area. */
static void place(uint64_t desc, uint64_t avail, uint64_t used)
{
	uint8_t *e = mem + DRV_OFF + DRV_QUEUES;

	vob_put_le16(e + DRVQ_SIZE, QSIZE);
	vob_put_le16(e + DRVQ_ENABLE, 1);
	vob_put_le64(e + DRVQ_DESC, desc);
	vob_put_le64(e + DRVQ_DRIVER, avail);
	vob_put_le64(e + DRVQ_DEVICE, used);
}

static void negotiate_to_features_ok(void)
{
	assert_int_equal(request(0, 0), 0);
	assert_int_equal(request(VOB_STATUS_ACKNOWLEDGE, 0), VOB_STATUS_ACKNOWLEDGE);
	assert_int_equal(request(VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER, 0),
			 VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER);
	assert_int_equal(request(VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER |
					 VOB_STATUS_FEATURES_OK,
				 F(VERSION_1)),
			 VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK);
}

static int setup(void **state)
{
	struct vob_window_cfg w = { BASE, sizeof(mem), VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };
	struct vob_table_cfg tc = { BASE, 1, 1, 1, CFGMAX, 0, 0 };
	struct vob_dev_cfg c;

	(void)state;
	memset(mem, 0, sizeof(mem));
	req = 0;
	fake_port_init(&port);
	fake_port_add_region(&port, BASE, mem, sizeof(mem));
	assert_int_equal(vob_link_init(&link, &fake_port_ops, &port, LINE), 0);
	assert_int_equal(vob_link_add_window(&link, &w), 0);
	assert_int_equal(vob_table_init(&table, &link, &tc), 0);
	memset(&queue, 0, sizeof(queue));
	queue.vq = &vq;
	queue.state = vq_state;
	queue.state_len = sizeof(vq_state);
	queue.size = QSIZE;
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DEVICE;
	c.num_queues = 1;
	c.queues = &queue;
	/* Offers every ring feature vob has; the build keeps only its own. */
	c.features[0] = VOB_VQ_FEATURES_ALL;
	c.device_id = 3;
	c.seg_max = 4;
	assert_int_equal(vob_dev_init(&dev, &table, &c), 0);
	driver_header();
	return 0;
}

/* This test is for builds without the driver role and the optional ring
 * features; in others there is nothing of that to check. */
static void needs_min_build(void)
{
	if (VOB_CFG_DRIVER || VOB_VQ_FEATURES != (F(VERSION_1) | F(ACCESS_PLATFORM) |
						  F(ORDER_PLATFORM)))
		skip();
}

static void test_offer_has_only_what_is_built(void **state)
{
	(void)state;
	needs_min_build();
	assert_true(vob_dev_poll(&dev) >= 0);
	assert_int_not_equal(rd32(DEV_OFF + DEV_EPOCH), 0);
	/* Offered: only the features this build has (the slot says so to a
	 * driver built with everything). */
	assert_true(vob_get_le64(mem + DEV_OFF + DEV_FEATURES) == VOB_VQ_FEATURES);
}

static void test_feature_left_out_is_refused(void **state)
{
	uint16_t ad = VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER;

	(void)state;
	needs_min_build();
	assert_int_equal(request(0, 0), 0);
	assert_int_equal(request(VOB_STATUS_ACKNOWLEDGE, 0), VOB_STATUS_ACKNOWLEDGE);
	assert_int_equal(request(ad, 0), ad);
	/* A driver that asks for event indices anyway: FEATURES_OK refused. */
	assert_int_equal(request(ad | VOB_STATUS_FEATURES_OK, F(VERSION_1) | F(EVENT_IDX)), ad);
	assert_int_equal(request(ad | VOB_STATUS_FEATURES_OK, F(VERSION_1) | F(RING_PACKED)), ad);
	assert_true(vob_dev_features(&dev, 0) == 0);
	assert_null(vob_dev_vq(&dev, 0));
}

#define ST_FEATURES_OK (VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK)

/* The whole negotiation with a good placement: the queue runs. */
static struct vob_vq *go_live(void)
{
	uint64_t ring = BASE + RING_OFF;

	negotiate_to_features_ok();
	place(ring, ring + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE), ring + VOB_SPLIT_USED_OFF(QSIZE, LINE));
	assert_int_equal(request(ST_FEATURES_OK | VOB_STATUS_DRIVER_OK, F(VERSION_1)),
			 ST_FEATURES_OK | VOB_STATUS_DRIVER_OK);
	assert_int_equal(vob_dev_state(&dev), VOB_DEV_LIVE);
	assert_non_null(vob_dev_vq(&dev, 0));
	return vob_dev_vq(&dev, 0);
}

/* The first buffer on a fresh ring: a readable "hello" chained to a
 * writable 16 bytes, head 0; the device echoes it. */
static void hello(struct vob_vq *q)
{
	struct vob_iov iov[4];
	struct vob_chain ch = { iov, 4, 0, 0, 0, 0, 0 };
	uint8_t *avail = mem + RING_OFF + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE);
	uint8_t *used = mem + RING_OFF + VOB_SPLIT_USED_OFF(QSIZE, LINE);
	uint8_t buf[16];
	int n;

	memcpy(mem + BUF_OFF, "hello", 5);
	vob_put_le64(mem + RING_OFF, BASE + BUF_OFF);
	vob_put_le32(mem + RING_OFF + 8, 5);
	vob_put_le16(mem + RING_OFF + 12, 1); /* NEXT */
	vob_put_le16(mem + RING_OFF + 14, 1);
	vob_put_le64(mem + RING_OFF + 16, BASE + BUF_OFF + 64);
	vob_put_le32(mem + RING_OFF + 24, 16);
	vob_put_le16(mem + RING_OFF + 28, 2); /* WRITE */
	vob_put_le16(avail + 4, 0);
	vob_put_le16(avail + 2, 1);
	assert_int_equal(vob_vq_pop(q, &ch), 0);
	assert_int_equal(ch.n_out, 1);
	assert_int_equal(ch.n_in, 1);
	n = vob_chain_pull(&link, &ch, 0, buf, sizeof(buf), NULL);
	assert_int_equal(n, 5);
	assert_int_equal(vob_chain_push(&link, &ch, 0, buf, (size_t)n, NULL), 5);
	assert_int_equal(vob_vq_push(q, &ch, 5), 0);
	assert_int_equal(rd16((size_t)(used - mem) + 2), 1);
	assert_int_equal(rd32((size_t)(used - mem) + 4), 0);
	assert_int_equal(rd32((size_t)(used - mem) + 8), 5);
	assert_memory_equal(mem + BUF_OFF + 64, "hello", 5);
}

static void test_placement_checked_then_traffic(void **state)
{
	uint64_t ring = BASE + RING_OFF;
	struct vob_iov iov[4];
	struct vob_chain ch = { iov, 4, 0, 0, 0, 0, 0 };
	struct vob_vq *q;
	uint8_t *avail = mem + RING_OFF + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE);

	(void)state;
	needs_min_build();
	negotiate_to_features_ok();
	/* The used ring over the table: refused, the device needs a reset. */
	place(ring, ring + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE), BASE + DEV_OFF);
	assert_true(request(ST_FEATURES_OK | VOB_STATUS_DRIVER_OK, F(VERSION_1)) &
		    VOB_STATUS_NEEDS_RESET);
	assert_null(vob_dev_vq(&dev, 0));

	q = go_live();
	hello(q);
	/* No event index in this build: the flags decide, and ask for it. */
	assert_int_equal(vob_vq_kick_prepare(q), 1);

	/* An indirect descriptor was never negotiated: the queue breaks. */
	vob_put_le16(mem + RING_OFF + 12, 4); /* INDIRECT */
	vob_put_le32(mem + RING_OFF + 8, 16);
	vob_put_le16(avail + 6, 0);
	vob_put_le16(avail + 2, 2);
	assert_int_equal(vob_vq_pop(q, &ch), VOB_EPROTO);
	assert_int_equal(vob_vq_fault(q), VOB_FAULT_INDIRECT);
	assert_int_equal(vob_vq_pop(q, &ch), VOB_EIO);
	assert_int_equal(vob_dev_set_needs_reset(&dev), 0);
	assert_true(rd16(DEV_OFF + DEV_STATUS) & VOB_STATUS_NEEDS_RESET);
	/* And a reset brings it back to the start. */
	assert_int_equal(request(0, 0), 0);
	assert_null(vob_dev_vq(&dev, 0));
}

/* The driver's side restarts on memory it clears at boot, the table and
 * its rings with it, and takes its old epoch again (a fixed seed). The
 * device finds its own header gone: it announces a new epoch, publishes
 * its slot again and resets; the driver then finds it and negotiates. */
static void test_driver_restart_on_wiped_memory(void **state)
{
	uint32_t old;

	(void)state;
	needs_min_build();
	hello(go_live());
	old = rd32(HDR + HDR_EPOCH);
	memset(mem, 0, sizeof(mem));
	req = 0;
	driver_header();
	assert_true(vob_dev_poll(&dev) & VOB_DEV_EV_RESET);
	assert_null(vob_dev_vq(&dev, 0));
	assert_int_equal(rd32(HDR + HDR_MAGIC), VOB_TABLE_MAGIC);
	assert_int_not_equal(rd32(HDR + HDR_EPOCH), 0);
	assert_int_not_equal(rd32(HDR + HDR_EPOCH), old);
	assert_int_equal(rd32(DEV_OFF + DEV_EPOCH), rd32(HDR + HDR_EPOCH));
	assert_int_equal(rd32(DEV_OFF + DEV_DEVICE_ID), 3);
	assert_int_equal(rd16(DEV_OFF + DEV_SIDE), 1);
	assert_int_equal(rd16(DEV_OFF + DEV_QUEUE_MAX), QSIZE);
	hello(go_live());
}

static void test_driver_role_not_built(void **state)
{
	struct vob_dev d2;
	struct vob_dev_cfg c;
	struct vob_vq_cfg vc;
	struct vob_seg seg = { BASE + BUF_OFF, 4 };
	void *tok;
	uint32_t w;
	uint8_t b[4];

	(void)state;
	needs_min_build();
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.features[0] = F(VERSION_1);
	assert_int_equal(vob_dev_init(&d2, &table, &c), VOB_ENOTSUP);
	if (!VOB_CFG_FOREIGN) { /* the minimal build's switches leave proxying out */
		c.role = VOB_ROLE_DEVICE;
		c.foreign_queues = 1;
		assert_int_equal(vob_dev_init(&d2, &table, &c), VOB_ENOTSUP);
	}
	memset(&vc, 0, sizeof(vc));
	vc.role = VOB_ROLE_DRIVER;
	vc.size = QSIZE;
	vc.features = F(VERSION_1);
	vc.desc_addr = BASE + RING_OFF;
	vc.driver_addr = BASE + RING_OFF + VOB_SPLIT_AVAIL_OFF(QSIZE, LINE);
	vc.device_addr = BASE + RING_OFF + VOB_SPLIT_USED_OFF(QSIZE, LINE);
	assert_int_equal(vob_vq_init(&vq, &link, &vc, vq_state, sizeof(vq_state)), VOB_ENOTSUP);
	assert_int_equal(vob_vq_add(&vq, &seg, 1, 0, b), VOB_ENOTSUP);
	assert_int_equal(vob_vq_get_used(&vq, &tok, &w), VOB_ENOTSUP);
	assert_null(vob_vq_reclaim(&vq));
	assert_int_equal(vob_dev_reset(&dev), VOB_ENOTSUP);
	assert_int_equal(vob_dev_config_read(&dev, 0, b, 4), VOB_ENOTSUP);
	/* Cache maintenance is not built either: a cached window is refused. */
	{
		struct vob_window_cfg cw = { BASE + 0x100000u, 4096, VOB_MEM_CACHED, VOB_WIN_PEER,
					     VOB_MAP_READ };

		assert_int_equal(vob_link_add_window(&link, &cw),
				 VOB_CFG_CACHED ? VOB_ENOSYS : VOB_ENOTSUP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_offer_has_only_what_is_built, setup),
		cmocka_unit_test_setup(test_feature_left_out_is_refused, setup),
		cmocka_unit_test_setup(test_placement_checked_then_traffic, setup),
		cmocka_unit_test_setup(test_driver_restart_on_wiped_memory, setup),
		cmocka_unit_test_setup(test_driver_role_not_built, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program: both roles over the device table, split and packed
 * rings offered, indirect descriptors and event indices: a device and a
 * driver in one image, every virtqueue and table call a firmware makes. */
#include "fw_common.h"

#define QSIZE 16
#define IND 4

static struct vob_link link;
static struct vob_table table_dev, table_drv;
static struct vob_dev dev, drv;
static struct vob_vq vq_dev, vq_drv;
static uint64_t st_dev[VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
static uint64_t st_drv[VOB_VQ_STATE_SIZE(QSIZE, IND) / 8];
static struct vob_dev_queue q_dev = { &vq_dev, st_dev, sizeof(st_dev), QSIZE, 0, 0, 0, 0, 0, 0 };
static struct vob_dev_queue q_drv = { &vq_drv, st_drv, sizeof(st_drv), QSIZE, IND, 0, 0, 0, 0, 0 };
static uint8_t buf[256];
static uint8_t config[8];
static unsigned lost;

static void on_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
	lost++;
}

#define FEATURES                                                                     \
	(VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_RING_PACKED) |                      \
	 VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_EVENT_IDX) |                    \
	 VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(VOB_F_NOTIFICATION_DATA))

static void run_device(void)
{
	struct vob_iov iov[IND];
	struct vob_chain ch;
	struct vob_vq *q;

	if (vob_dev_poll(&dev) < 0)
		return;
	q = vob_dev_vq(&dev, 0);
	if (!q)
		return;
	ch.iov = iov;
	ch.cap = IND;
	while (vob_vq_pop(q, &ch) == 0) {
		int n = vob_chain_pull(&link, &ch, 0, buf, sizeof(buf), NULL);

		n = vob_chain_push(&link, &ch, 0, buf, n > 0 ? (size_t)n : 0u, NULL);
		if (vob_vq_push(q, &ch, n > 0 ? (uint32_t)n : 0u))
			(void)vob_dev_set_needs_reset(&dev);
	}
	(void)vob_vq_kick(q);
	if (vob_vq_enable_notify(q) < 0)
		(void)vob_dev_config_write(&dev, 0, config, 4);
}

static void run_driver(void)
{
	struct vob_seg seg[2] = { { FW_WIN_ADDR + 0xc000u, 64 }, { FW_WIN_ADDR + 0xd000u, 64 } };
	struct vob_vq *q;
	void *tok;
	uint32_t written;
	int ev = vob_dev_poll(&drv);

	if (ev < 0)
		return;
	if (ev & VOB_DEV_EV_CONFIG)
		(void)vob_dev_config_read(&drv, 0, config, 4);
	if (ev & VOB_DEV_EV_NEEDS_RESET)
		(void)vob_dev_reset(&drv);
	q = vob_dev_vq(&drv, 0);
	if (!q)
		return;
	if (vob_vq_add(q, seg, 1, 1, seg) == 0)
		(void)vob_vq_kick(q);
	while (vob_vq_get_used(q, &tok, &written) == 0)
		lost += written;
	(void)vob_vq_enable_notify(q);
	vob_vq_disable_notify(q);
}

int fw_main(void)
{
	struct vob_dev_cfg c = { 0 };
	struct vob_arena mem = { FW_WIN_ADDR + 0x2000u, 0x4000u };

	if (fw_link(&link) || fw_table(&table_dev, &link, 1))
		return -1;
	c.role = VOB_ROLE_DEVICE;
	c.num_queues = 1;
	c.queues = &q_dev;
	c.features[0] = FEATURES;
	c.device_id = 3;
	c.config = config;
	c.config_len = sizeof(config);
	c.seg_max = IND;
	if (vob_dev_init(&dev, &table_dev, &c))
		return -1;

	if (fw_table(&table_drv, &link, 0))
		return -1;
	if (vob_place_split(&mem, &mem, QSIZE, vob_link_line(&link), &q_drv))
		return -1;
	q_drv.indirect_addr = FW_WIN_ADDR + 0x8000u;
	c.role = VOB_ROLE_DRIVER;
	c.queues = &q_drv;
	c.config = NULL;
	c.config_len = 0;
	c.on_lost = on_lost;
	if (vob_dev_init(&drv, &table_drv, &c))
		return -1;
	for (;;) {
		run_device();
		run_driver();
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program: the driver role of one device with one split queue,
 * negotiated through the device table, sending a buffer and collecting it. */
#define FW_BAREMETAL 1
#include "fw_common.h"

#define QSIZE 16

static struct vob_link link;
static struct vob_table table;
static struct vob_dev dev;
static struct vob_vq vq;
static uint64_t vq_state[VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
static struct vob_dev_queue queue = { &vq, vq_state, sizeof(vq_state), QSIZE, 0, 0, 0, 0, 0, 0 };
static unsigned lost;

static void on_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
	lost++;
}

int fw_main(void)
{
	struct vob_dev_cfg c = { 0 };
	struct vob_arena mem = { FW_WIN_ADDR + 0x1000u, 0x4000u };
	struct vob_seg seg[2] = { { FW_WIN_ADDR + 0x8000u, 64 }, { FW_WIN_ADDR + 0x9000u, 64 } };
	struct vob_vq *q;
	void *tok;
	uint32_t written;

	if (fw_link(&link) || fw_table(&table, &link, 0))
		return -1;
	if (vob_place_split(&mem, &mem, QSIZE, vob_link_line(&link), &queue))
		return -1;
	c.role = VOB_ROLE_DRIVER;
	c.num_queues = 1;
	c.queues = &queue;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1);
	c.on_lost = on_lost;
	if (vob_dev_init(&dev, &table, &c))
		return -1;
	for (;;) {
		if (vob_dev_poll(&dev) < 0)
			return -1;
		q = vob_dev_vq(&dev, 0);
		if (!q)
			continue;
		if (vob_vq_add(q, seg, 1, 1, seg) == 0)
			(void)vob_vq_kick(q);
		while (vob_vq_get_used(q, &tok, &written) == 0)
			lost += written;
		(void)vob_vq_enable_notify(q);
	}
}

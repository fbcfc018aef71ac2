/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program: the device role of one device with one split queue,
 * negotiated through the device table, echoing every chain it pops. */
#define FW_BAREMETAL 1
#include "fw_common.h"

#define QSIZE 16

static struct vob_link link;
static struct vob_table table;
static struct vob_dev dev;
static struct vob_vq vq;
static uint64_t vq_state[VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
static struct vob_dev_queue queue = { &vq, vq_state, sizeof(vq_state), QSIZE, 0, 0, 0, 0, 0, 0 };
static uint8_t buf[256];

int fw_main(void)
{
	struct vob_dev_cfg c = { 0 };
	struct vob_iov iov[4];
	struct vob_chain ch;
	struct vob_vq *q;

	if (fw_link(&link) || fw_table(&table, &link, 1))
		return -1;
	c.role = VOB_ROLE_DEVICE;
	c.num_queues = 1;
	c.queues = &queue;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1);
	c.device_id = 3;
	c.seg_max = 4;
	if (vob_dev_init(&dev, &table, &c))
		return -1;
	for (;;) {
		if (vob_dev_poll(&dev) < 0)
			return -1;
		q = vob_dev_vq(&dev, 0);
		if (!q)
			continue;
		ch.iov = iov;
		ch.cap = 4;
		while (vob_vq_pop(q, &ch) == 0) {
			int n = vob_chain_pull(&link, &ch, 0, buf, sizeof(buf), NULL);

			n = vob_chain_push(&link, &ch, 0, buf, n > 0 ? (size_t)n : 0u, NULL);
			if (vob_vq_push(q, &ch, n > 0 ? (uint32_t)n : 0u))
				(void)vob_dev_set_needs_reset(&dev);
		}
		if (vob_vq_kick(q) < 0)
			(void)vob_dev_set_needs_reset(&dev);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program: min_device.c's firmware on the tiny device
 * (vob/tiny.h): one device with one split queue of 16, negotiated through
 * the device table, echoing every chain it pops. The window and the
 * doorbell register are those of the other programs (fw_common.h), taken
 * from the bare-metal port's configuration; the port's part is
 * vob_bm_tiny_doorbell(). */
#define FW_BAREMETAL 1
#define FW_TINY 1
#include "fw_common.h"
#include "vob/tiny.h"

static struct vob_tiny dev;
static uint8_t buf[256];

int fw_main(void)
{
	const struct vob_bm_window *w = &fw_bm_cfg.windows[0];
	struct vob_tiny_cfg c = { 0 };
	struct vob_tiny_chain ch;

	c.window = w->ptr;
	c.link_addr = w->link_addr;
	c.size = (uint32_t)w->size;
	c.device_id = 3;
	c.side = 1;
	c.doorbell = vob_bm_tiny_doorbell;
	c.user = (void *)(uintptr_t)&fw_bm_cfg;
	if (vob_tiny_init(&dev, &c))
		return -1;
	for (;;) {
		if (!vob_tiny_poll(&dev))
			continue;
		while (vob_tiny_pop(&dev, 0, &ch) == 0) {
			uint32_t n = vob_tiny_pull(&ch, buf, sizeof(buf));

			vob_tiny_push(&dev, 0, &ch, vob_tiny_put(&ch, buf, n));
		}
		vob_tiny_kick(&dev, 0);
	}
}

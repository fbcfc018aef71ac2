/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program: a virtio-console device (the console class) with one
 * port, negotiated through the device table, sending back what it reads:
 * the byte-stream channel firmware most often wants. */
#define FW_BAREMETAL 1
#include "fw_common.h"

#include "vob/console.h"

static struct vob_link link;
static struct vob_table table;
static struct vob_console_dev con;
static uint8_t buf[256];

int fw_main(void)
{
	struct vob_console_dev_cfg c = { 0 };

	if (fw_link(&link) || fw_table(&table, &link, 1))
		return -1;
	c.nr_ports = 1;
	if (vob_console_dev_init(&con, &table, &c))
		return -1;
	for (;;) {
		int n;

		if (vob_console_dev_poll(&con) < 0)
			return -1;
		n = vob_console_dev_read(&con, 0, buf, sizeof(buf));
		if (n > 0)
			(void)vob_console_dev_write(&con, 0, buf, (size_t)n);
	}
}

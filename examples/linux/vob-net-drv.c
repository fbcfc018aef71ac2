/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-net-drv: the driver half of the network pair. It drives the
 * virtio-net device that vob-net-dev publishes, through the net class
 * (include/vob/net.h), and bridges it to a Linux TAP interface: every
 * Ethernet frame the kernel sends on the TAP is transmitted to the device,
 * every frame the device delivers comes out of the TAP. Its event loop is
 * poll(2) over the TAP and the port's one pollable fd.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"
#include "ex_tap.h"
#include "vob/net.h"

#define BUF_SIZE 2048u
#define RING_ARENA (64u * 1024u)

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s --tap NAME [options]\n"
		"\n"
		"The driver half of the vob network pair: drives the virtio-net device that\n"
		"vob-net-dev publishes (device id 1) and bridges it to the TAP interface\n"
		"NAME (created if it does not exist; needs CAP_NET_ADMIN). Frames the kernel\n"
		"sends on the TAP go to the device, frames the device delivers come out of\n"
		"the TAP. Either side may start first and either may be restarted. Bring the\n"
		"TAP up and give it an address yourself (ip link set NAME up; ip addr add ...).\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --tap NAME           the TAP interface to bridge (required)\n");
}

static int net_recv(void *obj, void *buf, size_t cap)
{
	return vob_net_drv_recv(obj, buf, cap, NULL);
}

static int net_send(void *obj, const void *frame, size_t len)
{
	return vob_net_drv_send(obj, NULL, frame, len);
}

static const struct ex_net_ops net_ops = { net_recv, net_send };

int main(int argc, char **argv)
{
	static struct vob_net_drv n;
	static struct ex e;
	static struct ex_bridge br;
	struct vob_net_drv_cfg nc;
	struct ex_opts o;
	uint8_t mac[6];
	int r, rc = 1;

	ex_opts_init(&o, "vob-net-drv", "vob-net", "1M");
	r = ex_net_start(&br, &o, argc, argv, usage, NULL, NULL);
	if (r >= 0)
		return r;
	if (ex_open(&e, &o, EX_SIDE_DRIVER))
		goto out;
	/* Both rings in the first 64 KiB of the arena, the buffer pool after. */
	memset(&nc, 0, sizeof(nc));
	nc.slot = 0;
	nc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS) | VOB_BIT(VOB_NET_F_MTU) |
		      VOB_BIT(VOB_NET_F_MRG_RXBUF);
	nc.queue_size = (uint16_t)o.queue;
	nc.dev_mem.addr = EX_ARENA_ADDR;
	nc.dev_mem.len = RING_ARENA;
	nc.drv_mem = nc.dev_mem;
	nc.pool_addr = EX_ARENA_ADDR + RING_ARENA;
	nc.buf_size = BUF_SIZE;
	nc.buf_count = VOB_NET_BUFS;
	nc.rx_bufs = (uint16_t)(o.queue < VOB_NET_BUFS / 2 ? o.queue : VOB_NET_BUFS / 2);
	if (nc.pool_addr + (uint64_t)nc.buf_count * nc.buf_size > e.win_size) {
		fprintf(stderr, "%s: the window is too small: it needs %" PRIu64 " bytes\n", o.prog,
			nc.pool_addr + (uint64_t)nc.buf_count * nc.buf_size);
		goto out;
	}
	r = vob_net_drv_init(&n, &e.t, &nc);
	if (r) {
		fprintf(stderr, "%s: vob_net_drv_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	if (!o.quiet)
		printf("%s: looking for a virtio-net device, bridged to TAP %s\n", o.prog, br.tap);
	fflush(stdout);
	while (!ex_stop) {
		int ev = vob_net_drv_poll(&n);

		if ((ev & VOB_DEV_EV_LIVE) && !o.quiet) {
			ex_print_features(&e, &n.dev, o.prog);
			printf("%s: device live (net features 0x%" PRIx64 "), MTU %" PRIu32, o.prog,
			       vob_net_drv_features(&n), vob_net_drv_mtu(&n));
			if (!vob_net_drv_mac(&n, mac))
				printf(", MAC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
				       mac[3], mac[4], mac[5]);
			printf(", link %s\n", vob_net_drv_link(&n) ? "up" : "down");
		}
		if ((ev & VOB_NET_EV_LINK) && !o.quiet)
			printf("%s: link %s\n", o.prog, vob_net_drv_link(&n) ? "up" : "down");
		if (ev & VOB_DEV_EV_TIMEOUT)
			fprintf(stderr, "%s: the device in the window does not answer (a stale table "
				"left by a process that is gone?); waiting for it\n", o.prog);
		if ((ev & VOB_DEV_EV_RESET) && !o.quiet)
			printf("%s: device went away or reset; waiting for it\n", o.prog);
		fflush(stdout);
		r = ex_bridge_step(&br, &net_ops, &n);
		if (r < 0)
			goto out;
		if (!r)
			ex_bridge_wait(&br, &e);
	}
	{
		const struct vob_net_stats *st = vob_net_drv_stats(&n);

		printf("%s: %" PRIu64 " frames from the TAP (%" PRIu64 " refused), %" PRIu64
		       " to the TAP (%" PRIu64 " not taken); class: tx %" PRIu32 " rx %" PRIu32
		       " rx_bad %" PRIu32 " rx_oversize %" PRIu32 " lost_rx %" PRIu32 " lost_tx %" PRIu32 "\n",
		       o.prog, br.from_tap, br.refused, br.to_tap, br.tap_drops, st->tx_frames, st->rx_frames,
		       st->rx_bad, st->rx_oversize, st->lost_rx, st->lost_tx);
	}
	rc = 0;
out:
	ex_close(&e);
	if (br.fd >= 0)
		close(br.fd);
	return rc;
}

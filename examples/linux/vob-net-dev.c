/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-net-dev: the device half of the network pair. It publishes a
 * virtio-net device (the net class, include/vob/net.h: device id 1, MAC,
 * link status, MTU, mergeable receive buffers) and bridges it to a Linux TAP
 * interface: every Ethernet frame the kernel sends on the TAP goes to the
 * driver (vob-net-drv), every frame the driver transmits comes out of the
 * TAP. With vob-net-drv bridging a second TAP on the other side, the two
 * interfaces are one Ethernet link, as ntb_netdev gives over NTB. Its event
 * loop is poll(2) over the TAP and the port's one pollable fd.
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


static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s --tap NAME [options]\n"
		"\n"
		"The device half of the vob network pair: a virtio-net device (id 1, MAC,\n"
		"link status, MTU 1500, mergeable receive buffers) in a shared window,\n"
		"bridged to the TAP interface NAME (created if it does not exist; needs\n"
		"CAP_NET_ADMIN). Frames the kernel sends on the TAP go to the driver\n"
		"(vob-net-drv), frames the driver sends come out of the TAP. Either side\n"
		"may start first and either may be restarted. Bring the TAP up and give it\n"
		"an address yourself (ip link set NAME up; ip addr add ...).\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --tap NAME           the TAP interface to bridge (required)\n"
		"  --mac XX:XX:XX:XX:XX:XX  MAC published in the config (default 52:54:00:76:6f:01)\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6], i;
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* --mac XX:XX:XX:XX:XX:XX into @arg (6 bytes). */
static int mac_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	if (strcmp(argv[*i], "--mac") || *i + 1 >= argc)
		return 0;
	if (parse_mac(argv[++*i], (uint8_t *)arg)) {
		fprintf(stderr, "%s: bad value for --mac (try --help)\n", o->prog);
		return -1;
	}
	return 1;
}

static int net_recv(void *obj, void *buf, size_t cap)
{
	return vob_net_dev_recv(obj, buf, cap, NULL);
}

static int net_send(void *obj, const void *frame, size_t len)
{
	return vob_net_dev_send(obj, NULL, frame, len);
}

static const struct ex_net_ops net_ops = { net_recv, net_send };

int main(int argc, char **argv)
{
	static struct vob_net_dev n;
	static struct ex e;
	static struct ex_bridge br;
	struct vob_net_dev_cfg nc;
	struct ex_opts o;
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x76, 0x6f, 0x01 };
	int r, rc = 1;

	ex_opts_init(&o, "vob-net-dev", "vob-net", "1M");
	r = ex_net_start(&br, &o, argc, argv, usage, mac_opt, mac);
	if (r >= 0)
		return r;
	if (ex_open(&e, &o, EX_SIDE_DEVICE))
		goto out;
	memset(&nc, 0, sizeof(nc));
	nc.slot = 0;
	nc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS) | VOB_BIT(VOB_NET_F_MTU) |
		      VOB_BIT(VOB_NET_F_MRG_RXBUF);
	memcpy(nc.mac, mac, 6);
	nc.mtu = 1500;
	nc.link_up = true;
	nc.queue_size = (uint16_t)o.queue;
	nc.vendor_id = EX_VENDOR_ID;
	r = vob_net_dev_init(&n, &e.t, &nc);
	if (r) {
		fprintf(stderr, "%s: vob_net_dev_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	if (!o.quiet)
		printf("%s: virtio-net device published, bridged to TAP %s\n", o.prog, br.tap);
	fflush(stdout);
	while (!ex_stop) {
		int ev = vob_net_dev_poll(&n);

		if (ev < 0) {
			fprintf(stderr, "%s: vob_net_dev_poll: %s\n", o.prog, vob_strerror(ev));
			goto out;
		}
		if ((ev & VOB_DEV_EV_LIVE) && !o.quiet) {
			ex_print_features(&e, &n.dev, o.prog);
			printf("%s: driver connected (net features 0x%" PRIx64 ")\n", o.prog,
			       vob_net_dev_features(&n));
		}
		if ((ev & VOB_DEV_EV_RESET) && !o.quiet)
			printf("%s: driver went away or reset; waiting\n", o.prog);
		fflush(stdout);
		r = ex_bridge_step(&br, &net_ops, &n);
		if (r < 0)
			goto out;
		if (!r)
			ex_bridge_wait(&br, &e);
	}
	{
		const struct vob_net_stats *st = vob_net_dev_stats(&n);

		printf("%s: %" PRIu64 " frames from the TAP (%" PRIu64 " refused), %" PRIu64
		       " to the TAP (%" PRIu64 " not taken); class: tx %" PRIu32 " rx %" PRIu32
		       " rx_bad %" PRIu32 " rx_oversize %" PRIu32 " lost_rx %" PRIu32 "\n",
		       o.prog, br.from_tap, br.refused, br.to_tap, br.tap_drops, st->tx_frames, st->rx_frames,
		       st->rx_bad, st->rx_oversize, st->lost_rx);
	}
	rc = 0;
out:
	ex_close(&e);
	if (br.fd >= 0)
		close(br.fd);
	return rc;
}

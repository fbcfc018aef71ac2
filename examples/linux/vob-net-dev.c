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
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ex_common.h"
#include "vob/net.h"

#define FRAME_MAX 2048u /* MTU 1500 + 18; the TAP gives no more */

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

/* Open (or create) TAP @name: Ethernet frames, no packet information. */
static int tap_open(const char *prog, const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: /dev/net/tun: %s\n", prog, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "%s: TUNSETIFF %s: %s\n", prog, name, strerror(errno));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
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

int main(int argc, char **argv)
{
	static struct vob_net_dev n;
	static struct ex e;
	static uint8_t in[FRAME_MAX], out[65536];
	struct vob_net_dev_cfg nc;
	struct ex_opts o;
	const char *tap = NULL;
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x76, 0x6f, 0x01 };
	size_t pend = 0;
	uint64_t from_tap = 0, to_tap = 0, tap_drops = 0, refused = 0;
	int i, r, rc = 1, fd = -1;

	ex_opts_init(&o, "vob-net-dev", "vob-net", "1M");
	o.queue = VOB_NET_QSIZE;
	for (i = 1; i < argc; i++) {
		r = ex_opts_common(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, &o);
			return 0;
		} else if (!strcmp(argv[i], "--tap") && i + 1 < argc) {
			tap = argv[++i];
		} else if (!strcmp(argv[i], "--mac") && i + 1 < argc) {
			if (parse_mac(argv[++i], mac)) {
				fprintf(stderr, "%s: bad value for --mac (try --help)\n", o.prog);
				return 2;
			}
		} else {
			fprintf(stderr, "%s: unknown option %s (try --help)\n", o.prog, argv[i]);
			return 2;
		}
	}
	if (!tap) {
		fprintf(stderr, "%s: --tap NAME is required (try --help)\n", o.prog);
		return 2;
	}
	if (o.queue > VOB_NET_QSIZE) {
		fprintf(stderr, "%s: --queue at most %d\n", o.prog, VOB_NET_QSIZE);
		return 2;
	}
	ex_signals();
	fd = tap_open(o.prog, tap);
	if (fd < 0)
		return 1;
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
		printf("%s: virtio-net device published, bridged to TAP %s\n", o.prog, tap);
	fflush(stdout);
	while (!ex_stop) {
		struct pollfd p[2];
		int ev = vob_net_dev_poll(&n), moved = 0, np = 1, len;

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
		/* driver -> TAP: a frame the kernel does not take is dropped,
		 * as on a wire. */
		while ((len = vob_net_dev_recv(&n, out, sizeof(out), NULL)) > 0) {
			if (write(fd, out, (size_t)len) != len)
				tap_drops++;
			to_tap++;
			moved = 1;
		}
		/* TAP -> driver */
		if (!pend) {
			ssize_t got = read(fd, in, sizeof(in));

			if (got > 0) {
				pend = (size_t)got;
				from_tap++;
				moved = 1;
			} else if (got < 0 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "%s: read %s: %s\n", o.prog, tap, strerror(errno));
				goto out;
			}
		}
		if (pend) {
			r = vob_net_dev_send(&n, NULL, in, pend);
			if (r == 0) {
				pend = 0;
				moved = 1;
			} else if (r != VOB_EAGAIN) {
				/* not live, too long, a broken ring: drop it */
				refused++;
				pend = 0;
				moved = 1;
			}
		}
		if (moved)
			continue;
		/* Every receive and send above ended with VOB_EAGAIN (or had
		 * nothing to do), which armed the notifications. */
		p[0].fd = vob_linux_fd(&e.lx);
		p[0].events = POLLIN;
		if (!pend) {
			p[1].fd = fd;
			p[1].events = POLLIN;
			np = 2;
		}
		poll(p, (nfds_t)np, 200);
		vob_linux_drain(&e.lx);
	}
	{
		const struct vob_net_stats *st = vob_net_dev_stats(&n);

		printf("%s: %" PRIu64 " frames from the TAP (%" PRIu64 " refused), %" PRIu64
		       " to the TAP (%" PRIu64 " not taken); class: tx %" PRIu32 " rx %" PRIu32
		       " rx_bad %" PRIu32 " rx_oversize %" PRIu32 " lost_rx %" PRIu32 "\n",
		       o.prog, from_tap, refused, to_tap, tap_drops, st->tx_frames, st->rx_frames,
		       st->rx_bad, st->rx_oversize, st->lost_rx);
	}
	rc = 0;
out:
	ex_close(&e);
	if (fd >= 0)
		close(fd);
	return rc;
}

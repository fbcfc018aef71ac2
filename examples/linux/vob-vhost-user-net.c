/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-vhost-user-net: the net class (device role) served to vhost-user front
 * ends (QEMU's virtio-net-pci with a vhost-user netdev, DPDK virtio_user,
 * vob-vhost-user-front) on a unix socket, bridged to a TAP interface or
 * echoing every frame back. After a front end leaves it waits for the next.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"
#include "ex_tap.h"
#include "vob/net.h"
#include "vob_vhost_user.h"

static const char *prog = "vob-vhost-user-net";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --socket PATH (--tap IFNAME | --echo) [--quiet]\n"
		"\n"
		"Serve a virtio-net device (vob's net class: MAC 52:54:00:76:6f:02, MTU 1500,\n"
		"link up, mergeable receive buffers) to a vhost-user front end connecting to\n"
		"the unix socket PATH (created; a stale one is replaced). Split and packed\n"
		"rings. After a front end disconnects the device waits for the next. Stop\n"
		"with SIGINT or SIGTERM.\n"
		"\n"
		"  --socket PATH   unix socket to listen on (required)\n"
		"  --tap IFNAME    bridge to this TAP interface (created if missing; needs\n"
		"                  CAP_NET_ADMIN; bring it up and address it yourself)\n"
		"  --echo          send every frame the front end transmits back to it\n"
		"  --quiet         print only errors\n",
		prog);
}

struct app {
	struct vob_net_dev n;
	struct ex_bridge br;
	int tap;
	uint64_t echoed;
	size_t pend;
	uint8_t frame[EX_FRAME_MAX + 64];
};

static int quiet;

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (!quiet) {
		printf("%s: %s\n", prog, line);
		fflush(stdout);
	}
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

static int on_poll(void *arg)
{
	struct app *a = arg;
	int busy = 0, r;

	(void)vob_net_dev_poll(&a->n);
	if (a->tap)
		return ex_bridge_step(&a->br, &net_ops, &a->n) > 0;
	/* Echo: one frame held while the front end has no receive buffer. */
	for (;;) {
		if (!a->pend) {
			r = vob_net_dev_recv(&a->n, a->frame, sizeof(a->frame), NULL);
			if (r <= 0)
				break;
			a->pend = (size_t)r;
		}
		if (vob_net_dev_send(&a->n, NULL, a->frame, a->pend))
			break;
		a->pend = 0;
		a->echoed++;
		busy = 1;
	}
	return busy;
}

int main(int argc, char **argv)
{
	static struct app a;
	static struct vob_vhu_be be;
	struct vob_vhu_be_cfg vc;
	struct vob_net_dev_cfg nc;
	const char *sock = NULL, *tap = NULL;
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x76, 0x6f, 0x02 };
	int i, r, echo = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--tap") && i + 1 < argc) {
			tap = argv[++i];
		} else if (!strcmp(argv[i], "--echo")) {
			echo = 1;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else {
			fprintf(stderr, "%s: unknown option %s (try --help)\n", prog, argv[i]);
			return 2;
		}
	}
	if (!sock || !!tap == echo) {
		fprintf(stderr, "%s: --socket PATH and one of --tap IFNAME, --echo are required "
				"(try --help)\n", prog);
		return 2;
	}
	ex_signals();
	if (tap) {
		a.tap = 1;
		a.br.fd = ex_tap_open(prog, tap);
		a.br.tap = tap;
		a.br.prog = prog;
		if (a.br.fd < 0)
			return 1;
	}
	memset(&vc, 0, sizeof(vc));
	vc.num_queues = 2;
	vc.poll = on_poll;
	vc.log = on_log;
	vc.arg = &a;
	vc.dev = &a.n.dev; /* where its rings stand when QEMU pauses the VM */
	r = vob_vhu_be_init(&be, &vc);
	memset(&nc, 0, sizeof(nc));
	nc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_STATUS) | VOB_BIT(VOB_NET_F_MTU) |
		      VOB_BIT(VOB_NET_F_MRG_RXBUF);
	memcpy(nc.mac, mac, 6);
	nc.mtu = 1500;
	nc.link_up = true;
	nc.vendor_id = EX_VENDOR_ID;
	if (!r)
		r = vob_net_dev_init(&a.n, vob_vhu_be_table(&be), &nc);
	if (r) {
		fprintf(stderr, "%s: set-up: %s\n", prog, vob_strerror(r));
		return 1;
	}
	if (vob_vhu_be_listen(&be, sock)) {
		perror(sock);
		return 1;
	}
	if (!quiet)
		printf("%s: virtio-net on %s, %s%s\n", prog, sock, tap ? "bridged to TAP " : "echoing",
		       tap ? tap : "");
	fflush(stdout);
	while (!ex_stop) {
		/* Wake for the TAP only while a frame read from it can go on
		 * (a frame held for the front end waits for its buffers). */
		vob_vhu_be_watch_fd(&be, a.tap && !a.br.pend ? a.br.fd : -1);
		r = vob_vhu_be_step(&be, a.tap && a.br.pend ? 20 : 200);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, vob_strerror(r));
			break;
		}
	}
	{
		printf("%s: %" PRIu64 " connections, %" PRIu64 " frames echoed, %" PRIu64
		       " from TAP, %" PRIu64 " to TAP\n",
		       prog, vob_vhu_be_connections(&be), a.echoed, a.br.from_tap, a.br.to_tap);
	}
	vob_vhu_be_close(&be);
	unlink(sock);
	if (a.tap)
		close(a.br.fd);
	return r < 0 ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE

#include "ex_tap.h"

#include "vob/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct net_opts {
	struct ex_bridge *b;
	ex_opt_fn own;
	void *arg;
};

static int net_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	struct net_opts *n = (struct net_opts *)arg;

	if (!strcmp(argv[*i], "--tap") && *i + 1 < argc) {
		n->b->tap = argv[++*i];
		return 1;
	}
	return n->own ? n->own(n->arg, o, argc, argv, i) : 0;
}

int ex_net_start(struct ex_bridge *b, struct ex_opts *o, int argc, char **argv,
		 void (*usage)(FILE *f, struct ex_opts *o), ex_opt_fn own, void *arg)
{
	struct net_opts n = { b, own, arg };
	int r;

	o->queue = o->queue_max = VOB_NET_QSIZE;
	b->tap = NULL;
	r = ex_opts_parse(o, argc, argv, usage, net_opt, &n);
	if (r)
		return r < 0 ? 2 : 0;
	if (!b->tap) {
		fprintf(stderr, "%s: --tap NAME is required (try --help)\n", o->prog);
		return 2;
	}
	ex_signals();
	b->prog = o->prog;
	b->fd = ex_tap_open(o->prog, b->tap);
	return b->fd < 0 ? 1 : -1;
}

int ex_tap_open(const char *prog, const char *name)
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

int ex_bridge_step(struct ex_bridge *b, const struct ex_net_ops *ops, void *obj)
{
	int moved = 0, len;

	/* peer -> TAP: a frame the kernel does not take is dropped, as on a
	 * wire. */
	while ((len = ops->recv(obj, b->out, sizeof(b->out))) > 0) {
		if (write(b->fd, b->out, (size_t)len) != len)
			b->tap_drops++;
		b->to_tap++;
		moved = 1;
	}
	/* TAP -> peer */
	if (!b->pend) {
		ssize_t got = read(b->fd, b->in, sizeof(b->in));

		if (got > 0) {
			b->pend = (size_t)got;
			b->from_tap++;
			moved = 1;
		} else if (got < 0 && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "%s: read %s: %s\n", b->prog, b->tap, strerror(errno));
			return -1;
		}
	}
	if (b->pend) {
		int r = ops->send(obj, b->in, b->pend);

		if (r == 0) {
			b->pend = 0;
			moved = 1;
		} else if (r != VOB_EAGAIN) {
			/* not live, too long, a broken ring: drop it */
			b->refused++;
			b->pend = 0;
			moved = 1;
		}
	}
	return moved;
}

void ex_bridge_wait(struct ex_bridge *b, struct ex *e)
{
	struct pollfd p[2];
	int np = 1;

	p[0].fd = vob_linux_fd(&e->lx);
	p[0].events = POLLIN;
	if (!b->pend) {
		p[1].fd = b->fd;
		p[1].events = POLLIN;
		np = 2;
	}
	poll(p, (nfds_t)np, 200);
	vob_linux_drain(&e->lx);
}

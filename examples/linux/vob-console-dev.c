/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-console-dev: the device half of the console pair. It publishes a
 * virtio-console device (the console class, include/vob/console.h: device
 * id 3, one port, VIRTIO_CONSOLE_F_SIZE) and passes its stdin to the driver
 * and what the driver sends to its stdout, as a byte stream. Its event loop
 * is poll(2) over stdin and the port's one pollable fd (vob_linux_fd()).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"
#include "vob/console.h"

#define CHUNK 4096u

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"The device half of the vob console pair: a virtio-console device (id 3,\n"
		"one port, 80x25) in a shared window. What arrives on stdin goes to the\n"
		"driver (vob-console-drv), what the driver sends comes out on stdout.\n"
		"Either side may start first and either may be restarted. Messages go to\n"
		"stderr.\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
}

int main(int argc, char **argv)
{
	static struct vob_console_dev c;
	static struct ex e;
	static uint8_t in[CHUNK], out[CHUNK];
	struct vob_console_dev_cfg cc;
	struct ex_opts o;
	size_t pend = 0, off = 0;
	uint64_t from_stdin = 0, to_stdout = 0;
	int r, rc = 1, in_eof = 0;

	ex_opts_init(&o, "vob-console-dev", "vob-console", "1M");
	o.queue = o.queue_max = VOB_CONSOLE_QSIZE;
	o.msg = stderr; /* stdout is the console's byte stream */
	r = ex_opts_parse(&o, argc, argv, usage, NULL, NULL);
	if (r)
		return r < 0 ? 2 : 0;
	ex_signals();
	if (ex_open(&e, &o, EX_SIDE_DEVICE))
		goto out;
	memset(&cc, 0, sizeof(cc));
	cc.slot = 0;
	cc.nr_ports = 1;
	cc.size = 1;
	cc.cols = 80;
	cc.rows = 25;
	cc.queue_size = (uint16_t)o.queue;
	cc.ring_features = VOB_BIT(VOB_F_RING_PACKED);
	cc.open_mask = 1;
	r = vob_console_dev_init(&c, &e.t, &cc);
	if (r) {
		fprintf(stderr, "%s: vob_console_dev_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	while (!ex_stop) {
		struct pollfd p[2];
		int ev = vob_console_dev_poll(&c), moved = 0, np = 1, n;

		if (ev < 0) {
			fprintf(stderr, "%s: vob_console_dev_poll: %s\n", o.prog, vob_strerror(ev));
			goto out;
		}
		if ((ev & VOB_DEV_EV_LIVE) && !o.quiet) {
			ex_print_features(&e, &c.dev, o.prog);
			fprintf(stderr, "%s: console connected\n", o.prog);
		}
		if ((ev & VOB_DEV_EV_RESET) && !o.quiet)
			fprintf(stderr, "%s: driver went away or reset; waiting\n", o.prog);
		/* driver -> stdout */
		while ((n = vob_console_dev_read(&c, 0, out, sizeof(out))) > 0) {
			if (ex_write_all(1, out, (size_t)n)) {
				if (ex_stop)
					goto done; /* a signal ended a wait for stdout */
				fprintf(stderr, "%s: stopping: writing stdout: %s\n", o.prog,
					strerror(errno));
				goto out;
			}
			to_stdout += (uint64_t)n;
			moved = 1;
		}
		/* stdin -> driver */
		if (!pend && !in_eof) {
			ssize_t got = ex_read_ready(0, in, sizeof(in));

			if (got > 0) {
				pend = (size_t)got;
				off = 0;
				from_stdin += (uint64_t)got;
				moved = 1;
			} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				in_eof = 1;
			}
		}
		while (pend && (n = vob_console_dev_write(&c, 0, in + off, pend)) > 0) {
			off += (size_t)n;
			pend -= (size_t)n;
			moved = 1;
		}
		if (moved)
			continue;
		/* Every read and write above ended with VOB_EAGAIN, which armed
		 * the notifications: sleeping on the fd is safe. */
		p[0].fd = vob_linux_fd(&e.lx);
		p[0].events = POLLIN;
		if (!pend && !in_eof) {
			p[1].fd = 0;
			p[1].events = POLLIN;
			np = 2;
		}
		poll(p, (nfds_t)np, 500);
		vob_linux_drain(&e.lx);
	}
done:
	fprintf(stderr, "%s: %" PRIu64 " bytes from stdin sent, %" PRIu64 " bytes received\n",
		o.prog, from_stdin - pend, to_stdout);
	rc = 0;
out:
	ex_close(&e);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-console-drv: the driver half of the console pair. It drives the
 * virtio-console device that vob-console-dev publishes, through the console
 * class (include/vob/console.h): what the device sends comes out on stdout,
 * stdin goes to the device. Its event loop is poll(2) over stdin and the
 * port's one pollable fd (vob_linux_fd()).
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
#define BUF_SIZE 1024u
#define RING_ARENA (64u * 1024u)

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"The driver half of the vob console pair: drives the virtio-console device\n"
		"that vob-console-dev publishes (device id 3). stdin goes to the device,\n"
		"what the device sends comes out on stdout. If the device restarts, the\n"
		"buffers in flight toward it are reported lost on stderr.\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --exit-on-eof SECS   once stdin is at its end and handed to the device, keep\n"
		"                       printing for SECS seconds, then exit\n");
}

/* --exit-on-eof SECS: the linger time in ns (@arg). */
static int own_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	double secs;

	if (strcmp(argv[*i], "--exit-on-eof") || *i + 1 >= argc)
		return 0;
	if (ex_parse_double(argv[++*i], 0, 1e9, &secs)) {
		fprintf(stderr, "%s: bad value for --exit-on-eof (try --help)\n", o->prog);
		return -1;
	}
	*(uint64_t *)arg = (uint64_t)(secs * 1e9);
	return 1;
}

int main(int argc, char **argv)
{
	static struct vob_console_drv c;
	static struct ex e;
	static uint8_t in[CHUNK], out[CHUNK];
	struct vob_console_drv_cfg dc;
	struct ex_opts o;
	size_t pend = 0, off = 0;
	/* --exit-on-eof: the linger time, UINT64_MAX when not asked for. */
	uint64_t from_stdin = 0, to_stdout = 0, linger_ns = UINT64_MAX, t_eof = 0, lost_said = 0;
	int r, rc = 1, in_eof = 0;

	ex_opts_init(&o, "vob-console-drv", "vob-console", "1M");
	o.queue = o.queue_max = VOB_CONSOLE_QSIZE;
	o.msg = stderr; /* stdout is the console's byte stream */
	r = ex_opts_parse(&o, argc, argv, usage, own_opt, &linger_ns);
	if (r)
		return r < 0 ? 2 : 0;
	ex_signals();
	if (ex_open(&e, &o, EX_SIDE_DRIVER))
		goto out;
	/* Rings in the first 64 KiB of the arena, the buffer pool after them. */
	memset(&dc, 0, sizeof(dc));
	dc.slot = 0;
	dc.nr_ports = 1;
	dc.queue_size = (uint16_t)o.queue;
	dc.dev_mem.addr = EX_ARENA_ADDR;
	dc.dev_mem.len = RING_ARENA;
	dc.drv_mem = dc.dev_mem;
	dc.pool_addr = EX_ARENA_ADDR + RING_ARENA;
	dc.buf_size = BUF_SIZE;
	dc.buf_count = VOB_CONSOLE_POOL_MAX;
	if (dc.pool_addr + (uint64_t)dc.buf_count * dc.buf_size > e.win_size) {
		fprintf(stderr, "%s: the window is too small: it needs %" PRIu64 " bytes\n", o.prog,
			dc.pool_addr + (uint64_t)dc.buf_count * dc.buf_size);
		goto out;
	}
	r = vob_console_drv_init(&c, &e.t, &dc);
	if (r) {
		fprintf(stderr, "%s: vob_console_drv_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	while (!ex_stop) {
		struct pollfd p[2];
		int ev = vob_console_drv_poll(&c), moved = 0, np = 1, n;
		const struct vob_console_stats *st = vob_console_drv_stats(&c);

		if (ev & VOB_DEV_EV_LIVE && !o.quiet) {
			uint16_t cols, rows;

			ex_print_features(&e, &c.dev, o.prog);
			if (!vob_console_drv_size(&c, 0, &cols, &rows))
				fprintf(stderr, "%s: console %ux%u\n", o.prog, cols, rows);
		}
		if (ev & VOB_DEV_EV_TIMEOUT)
			fprintf(stderr, "%s: the device in the window does not answer (a stale table "
				"left by a process that is gone?); waiting for it\n", o.prog);
		if ((ev & VOB_DEV_EV_RESET) && !o.quiet)
			fprintf(stderr, "%s: device went away or reset; waiting for it\n", o.prog);
		if (st->lost != lost_said) {
			fprintf(stderr, "%s: %" PRIu64 " buffers in flight were returned by a device "
				"reset or restart (transmit buffers among them were lost)\n", o.prog,
				(uint64_t)st->lost - lost_said);
			lost_said = st->lost;
		}
		/* device -> stdout */
		while ((n = vob_console_drv_read(&c, 0, out, sizeof(out))) > 0) {
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
		/* stdin -> device */
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
		while (pend && (n = vob_console_drv_write(&c, 0, in + off, pend)) > 0) {
			off += (size_t)n;
			pend -= (size_t)n;
			moved = 1;
		}
		if (linger_ns != UINT64_MAX && in_eof && !pend) {
			uint64_t now = ex_now();

			if (!t_eof)
				t_eof = now;
			if (now - t_eof >= linger_ns)
				break;
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
		poll(p, (nfds_t)np, t_eof ? 50 : 500);
		vob_linux_drain(&e.lx);
	}
done:
	fprintf(stderr, "%s: %" PRIu64 " bytes from stdin sent, %" PRIu64 " bytes received, %" PRIu32
		" buffers lost to device resets\n", o.prog, from_stdin - pend, to_stdout,
		vob_console_drv_stats(&c)->lost);
	rc = 0;
out:
	ex_close(&e);
	return rc;
}

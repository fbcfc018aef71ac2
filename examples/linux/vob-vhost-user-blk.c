/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-vhost-user-blk: the blk class (device role) served to vhost-user front
 * ends (QEMU's vhost-user-blk-pci, DPDK, vob-vhost-user-front) on a unix
 * socket, backed by an image file. After a front end leaves it waits for the
 * next one.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"
#include "ex_img.h"
#include "vob/blk.h"
#include "vob_vhost_user.h"

static const char *prog = "vob-vhost-user-blk";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --socket PATH --image FILE [--readonly] [--quiet]\n"
		"\n"
		"Serve FILE as a virtio-blk device (vob's blk class) to a vhost-user front\n"
		"end connecting to the unix socket PATH (created; a stale one is replaced).\n"
		"Split and packed rings, one queue. After a front end disconnects the\n"
		"device waits for the next. Stop with SIGINT or SIGTERM.\n"
		"\n"
		"  --socket PATH   unix socket to listen on (required)\n"
		"  --image FILE    the image to serve (required; whole 512-byte sectors)\n"
		"  --readonly      open it read-only and publish VIRTIO_BLK_F_RO\n"
		"  --quiet         print only errors\n",
		prog);
}

static int quiet;

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (!quiet) {
		printf("%s: %s\n", prog, line);
		fflush(stdout);
	}
}

static int on_poll(void *arg)
{
	int ev = vob_blk_dev_poll(arg);

	return ev > 0 && (ev & VOB_BLK_EV_IO);
}

int main(int argc, char **argv)
{
	static struct vob_blk_dev b;
	static struct vob_vhu_be be;
	static struct ex_img m;
	struct vob_vhu_be_cfg vc;
	struct vob_blk_dev_cfg bc;
	const char *sock = NULL, *image = NULL, *id;
	int i, r, ro = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--image") && i + 1 < argc) {
			image = argv[++i];
		} else if (!strcmp(argv[i], "--readonly")) {
			ro = 1;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else {
			fprintf(stderr, "%s: unknown option %s (try --help)\n", prog, argv[i]);
			return 2;
		}
	}
	if (!sock || !image) {
		fprintf(stderr, "%s: --socket PATH and --image FILE are required (try --help)\n",
			prog);
		return 2;
	}
	if (ex_img_open(&m, prog, image, ro))
		return 1;
	ex_signals();
	memset(&vc, 0, sizeof(vc));
	vc.num_queues = 1;
	vc.poll = on_poll;
	vc.log = on_log;
	vc.arg = &b;
	vc.dev = &b.dev; /* where its ring stands when QEMU pauses the VM */
	r = vob_vhu_be_init(&be, &vc);
	memset(&bc, 0, sizeof(bc));
	bc.capacity = m.bytes / VOB_BLK_SECTOR_SIZE;
	bc.read_only = ro;
	bc.max_discard_seg = 16;
	bc.max_write_zeroes_seg = 16;
	bc.write_zeroes_may_unmap = true;
	id = strrchr(image, '/');
	id = id ? id + 1 : image;
	memcpy(bc.id, id, strlen(id) < VOB_BLK_ID_BYTES ? strlen(id) : VOB_BLK_ID_BYTES);
	bc.vendor_id = EX_VENDOR_ID;
	bc.ops = &ex_img_ops;
	bc.ctx = &m;
	if (!r)
		r = vob_blk_dev_init(&b, vob_vhu_be_table(&be), &bc);
	if (r) {
		fprintf(stderr, "%s: set-up: %s\n", prog, vob_strerror(r));
		return 1;
	}
	if (vob_vhu_be_listen(&be, sock)) {
		perror(sock);
		return 1;
	}
	if (!quiet)
		printf("%s: serving %s (%" PRIu64 " sectors%s) on %s\n", prog, image,
		       bc.capacity, ro ? ", read-only" : "", sock);
	fflush(stdout);
	while (!ex_stop) {
		r = vob_vhu_be_step(&be, 200);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, vob_strerror(r));
			break;
		}
	}
	{
		const struct vob_blk_dev_stats *st = vob_blk_dev_stats(&b);

		printf("%s: %" PRIu64 " connections, %" PRIu64 " requests (%" PRIu64 " ok, %" PRIu64
		       " ioerr, %" PRIu64 " unsupp), %" PRIu64 " sectors read, %" PRIu64
		       " written\n",
		       prog, vob_vhu_be_connections(&be), st->requests, st->ok, st->ioerr,
		       st->unsupp, st->sectors_read, st->sectors_written);
	}
	vob_vhu_be_close(&be);
	unlink(sock);
	close(m.fd);
	return r < 0 ? 1 : 0;
}

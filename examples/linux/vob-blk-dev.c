/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-blk-dev: the device half of the block pair. It publishes a virtio-blk
 * device (the blk class, include/vob/blk.h: device id 2) that serves an
 * image file: a backend of pread/pwrite, fdatasync for FLUSH and
 * fallocate(PUNCH_HOLE / ZERO_RANGE) for DISCARD and WRITE_ZEROES. Its event
 * loop sleeps in vob_linux_wait() between bursts of requests.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex_common.h"
#include "ex_img.h"
#include "vob/blk.h"

VOB_STATIC_ASSERT(EX_CONFIG_MAX >= VOB_BLK_CONFIG_BYTES, blk_config_fits);

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s --image FILE [options]\n"
		"\n"
		"The device half of the vob block pair: a virtio-blk device (id 2) in a\n"
		"shared window, serving FILE as a disk of 512-byte sectors (its size\n"
		"rounded down to a sector): reads and writes with pread/pwrite, FLUSH with\n"
		"fdatasync, DISCARD and WRITE_ZEROES with fallocate. Run vob-blk-drv with\n"
		"the same --window and --doorbell, in either order.\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --image FILE         the image to serve (required)\n"
		"  --readonly           open it read-only and publish VIRTIO_BLK_F_RO\n"
		"  --id TEXT            the GET_ID answer (default: the image's file name)\n");
}

struct blk_args {
	const char *image, *id; /* --image, --id */
	int ro;                 /* --readonly */
};

static int own_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	struct blk_args *a = (struct blk_args *)arg;
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	(void)o;
	if (!strcmp(argv[*i], "--readonly")) {
		a->ro = 1;
		return 1;
	}
	if (!v)
		return 0;
	if (!strcmp(argv[*i], "--image"))
		a->image = v;
	else if (!strcmp(argv[*i], "--id"))
		a->id = v;
	else
		return 0;
	++*i;
	return 1;
}

int main(int argc, char **argv)
{
	static struct vob_blk_dev b;
	static struct ex e;
	static struct ex_img m;
	struct vob_blk_dev_cfg bc;
	struct ex_opts o;
	struct blk_args a = { NULL, NULL, 0 };
	int r, rc = 1;

	ex_opts_init(&o, "vob-blk-dev", "vob-blk", "1M");
	o.queue = o.queue_max = VOB_BLK_QSIZE;
	m.fd = -1;
	r = ex_opts_parse(&o, argc, argv, usage, own_opt, &a);
	if (r)
		return r < 0 ? 2 : 0;
	if (!a.image) {
		fprintf(stderr, "%s: --image FILE is required (try --help)\n", o.prog);
		return 2;
	}
	if (ex_img_open(&m, o.prog, a.image, a.ro))
		return 1;
	ex_signals();
	if (ex_open(&e, &o, EX_SIDE_DEVICE))
		goto out;
	memset(&bc, 0, sizeof(bc));
	bc.slot = 0;
	bc.queue_size = (uint16_t)o.queue;
	bc.capacity = m.bytes / VOB_BLK_SECTOR_SIZE;
	bc.blk_size = 4096;
	bc.read_only = a.ro;
	bc.max_discard_seg = 16;
	bc.max_write_zeroes_seg = 16;
	bc.write_zeroes_may_unmap = true;
	if (!a.id) {
		a.id = strrchr(a.image, '/');
		a.id = a.id ? a.id + 1 : a.image;
	}
	memcpy(bc.id, a.id, strlen(a.id) < VOB_BLK_ID_BYTES ? strlen(a.id) : VOB_BLK_ID_BYTES);
	bc.vendor_id = EX_VENDOR_ID;
	bc.ops = &ex_img_ops;
	bc.ctx = &m;
	r = vob_blk_dev_init(&b, &e.t, &bc);
	if (r) {
		fprintf(stderr, "%s: vob_blk_dev_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	if (!o.quiet)
		printf("%s: virtio-blk device published: %s, %" PRIu64 " sectors (%" PRIu64
		       " bytes)%s\n", o.prog, a.image, bc.capacity, bc.capacity * VOB_BLK_SECTOR_SIZE,
		       a.ro ? ", read-only" : "");
	fflush(stdout);
	while (!ex_stop) {
		int ev = vob_blk_dev_poll(&b);

		if (ev < 0) {
			fprintf(stderr, "%s: vob_blk_dev_poll: %s\n", o.prog, vob_strerror(ev));
			goto out;
		}
		if ((ev & VOB_DEV_EV_LIVE) && !o.quiet)
			ex_print_features(&e, &b.dev, o.prog);
		if ((ev & VOB_DEV_EV_RESET) && !o.quiet)
			printf("%s: driver went away or reset; waiting\n", o.prog);
		fflush(stdout);
		if (ev & VOB_BLK_EV_IO)
			continue; /* more may be waiting */
		/* The poll found the queue empty with notifications enabled. */
		vob_linux_wait(&e.lx, 200);
	}
	{
		const struct vob_blk_dev_stats *st = vob_blk_dev_stats(&b);

		printf("%s: %" PRIu64 " requests (%" PRIu64 " ok, %" PRIu64 " ioerr, %" PRIu64
		       " unsupp, %" PRIu64 " dropped), %" PRIu64 " sectors read, %" PRIu64
		       " written; backend: %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
		       " flushes, %" PRIu64 " discards, %" PRIu64 " write-zeroes\n",
		       o.prog, st->requests, st->ok, st->ioerr, st->unsupp, st->dropped,
		       st->sectors_read, st->sectors_written, m.reads, m.writes, m.flushes,
		       m.discards, m.zeroes);
	}
	rc = 0;
out:
	ex_close(&e);
	close(m.fd);
	return rc;
}

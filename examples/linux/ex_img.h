/* SPDX-License-Identifier: BSD-3-Clause */
/* An image file as a virtio-blk backend (include/vob/blk.h): pread/pwrite,
 * fdatasync for FLUSH, fallocate(PUNCH_HOLE / ZERO_RANGE) for DISCARD and
 * WRITE_ZEROES. Shared by vob-blk-dev and vob-vhost-user-blk. */
#ifndef EX_IMG_H
#define EX_IMG_H

#include <stdint.h>

#include "vob/vob.h"
#include "vob/blk.h"

/* The backend's ctx. */
struct ex_img {
	int fd;
	uint64_t bytes;
	uint64_t reads, writes, flushes, discards, zeroes;
};

extern const struct vob_blk_backend_ops ex_img_ops;

/* Open @path (read-only with @ro) into @m; prints why not and returns -1. */
int ex_img_open(struct ex_img *m, const char *prog, const char *path, int ro);

#endif

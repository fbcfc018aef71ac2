/* SPDX-License-Identifier: BSD-3-Clause */
/* The image-file backend of the block programs (ex_img.h). */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex_img.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static int img_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	struct ex_img *m = ctx;
	uint8_t *p = buf;
	off_t off = (off_t)(sector * VOB_BLK_SECTOR_SIZE);

	m->reads++;
	while (len) {
		ssize_t n = pread(m->fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return VOB_EIO;
		if (n == 0) { /* beyond the end of a file that shrank: zeros */
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += n;
		len -= (uint32_t)n;
	}
	return 0;
}

static int img_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	struct ex_img *m = ctx;
	const uint8_t *p = buf;
	off_t off = (off_t)(sector * VOB_BLK_SECTOR_SIZE);

	m->writes++;
	while (len) {
		ssize_t n = pwrite(m->fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return VOB_EIO;
		p += n;
		off += n;
		len -= (uint32_t)n;
	}
	return 0;
}

static int img_flush(void *ctx)
{
	struct ex_img *m = ctx;

	m->flushes++;
	return fdatasync(m->fd) ? VOB_EIO : 0;
}

/* Zero a range by writing zeros (when fallocate cannot). */
static int img_zero_write(struct ex_img *m, uint64_t sector, uint32_t n)
{
	static const uint8_t zero[64 * 1024];

	while (n) {
		uint32_t k = n < sizeof(zero) / VOB_BLK_SECTOR_SIZE ? n :
			     (uint32_t)(sizeof(zero) / VOB_BLK_SECTOR_SIZE);
		int err = img_write(m, sector, zero, k * VOB_BLK_SECTOR_SIZE);

		if (err)
			return err;
		sector += k;
		n -= k;
	}
	return 0;
}

static int img_discard(void *ctx, uint64_t sector, uint32_t n)
{
	struct ex_img *m = ctx;

	m->discards++;
	/* Discard is a hint: a file system without hole punching loses nothing. */
	(void)fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)(sector * VOB_BLK_SECTOR_SIZE), (off_t)n * VOB_BLK_SECTOR_SIZE);
	return 0;
}

static int img_write_zeroes(void *ctx, uint64_t sector, uint32_t n, bool unmap)
{
	struct ex_img *m = ctx;
	off_t off = (off_t)(sector * VOB_BLK_SECTOR_SIZE), len = (off_t)n * VOB_BLK_SECTOR_SIZE;

	m->zeroes++;
	if (unmap && !fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	if (!fallocate(m->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len))
		return 0;
	return img_zero_write(m, sector, n);
}

const struct vob_blk_backend_ops ex_img_ops = {
	img_read, img_write, img_flush, img_discard, img_write_zeroes,
};

int ex_img_open(struct ex_img *m, const char *prog, const char *path, int ro)
{
	struct stat sb;

	memset(m, 0, sizeof(*m));
	m->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &sb)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		return -1;
	}
	m->bytes = (uint64_t)sb.st_size;
	if (m->bytes < VOB_BLK_SECTOR_SIZE) {
		fprintf(stderr, "%s: %s: smaller than one sector\n", prog, path);
		close(m->fd);
		m->fd = -1;
		return -1;
	}
	return 0;
}

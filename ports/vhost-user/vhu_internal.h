/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers both ends of the vhost-user port share. */
#ifndef VOB_VHU_INTERNAL_H
#define VOB_VHU_INTERNAL_H

#include <stdbool.h>

#include "vob_vhost_user.h"

/* Memory regions and ring geometry come from the vhost-user peer and go
 * through the core's argument checks, which must stay errors (config.h). */
#if !VOB_CFG_ARG_CHECKS
#error "this port needs VOB_CFG_ARG_CHECKS=1"
#endif

/* Doorbell id of queue @q of slot 0 (docs/protocol.md, 7): the same as
 * vob_dev_queue_doorbell(), known before any device exists. */
#define VHU_QUEUE_DOORBELL(q) (2u + (uint32_t)(q))

/* The vhost-user ring base (SET/GET_VRING_BASE) of an engine start
 * (vob_vq_cfg::start). Split: the 16-bit index. Packed: {position:15,
 * wrap:1} of the avail position in bits 0-15 and of the used position in
 * bits 16-31, where the engine inverts the wrap bit and has one value for
 * both. */
static inline uint32_t vhu_base_of_start(bool packed, uint16_t start)
{
	uint32_t b = packed ? (uint32_t)start ^ 0x8000u : start;

	return packed ? b | b << 16 : b;
}

/* Format one line and hand it to @log (nothing when NULL). */
void vhu_log(vob_vhu_log_fn log, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Signal an eventfd (nothing for -1); 0 or VOB_EIO. */
int vhu_signal(int fd);
/* Consume an eventfd's count. */
void vhu_drain(int fd);
/* Close *fd if open and set it to -1. */
void vhu_close_fd(int *fd);
/* Add a coherent read-write window at @base mapped at @ptr (through the
 * port's map_window, which returns *map_next). */
int vhu_add_window(struct vob_link *link, void **map_next, void *ptr, uint64_t base,
		   uint64_t size, uint8_t owner);

/* Page size the kernel maps @fd with: the huge page size of a hugetlbfs
 * file (memfd_create(MFD_HUGETLB), a file on a hugetlbfs mount), else the
 * system page size. */
uint64_t vhu_fd_page_size(int fd);
/* Why region @r cannot be mapped with pages of @page bytes into a window
 * whose first byte is guest address @start (a page multiple of every
 * region's page in it), or NULL when it can. The kernel rounds a mapping up
 * to whole pages and places a huge-page one only at an address aligned to
 * its page: the region's size, its offset in the file and its place in the
 * window (gpa - @start) must all be multiples of @page. */
const char *vhu_region_misfit(const struct vob_vhu_region *r, uint64_t start, uint64_t page);
/* A private, zero-filled reservation of @len bytes whose address is a
 * multiple of @align (a power of two; the system page size or less: any
 * page); unmapped as usual (munmap of @len bytes). NULL when the address
 * space has no room. */
void *vhu_reserve(size_t len, uint64_t align);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the files of the Linux port; not installed. */
#ifndef VOB_LINUX_INTERNAL_H
#define VOB_LINUX_INTERNAL_H

#include "vob_linux.h"

/* Window and doorbell specs come from command lines and peers: the core's
 * argument checks must stay errors (config.h). */
#if !VOB_CFG_ARG_CHECKS
#error "this port needs VOB_CFG_ARG_CHECKS=1"
#endif

#define LX_SPEC_MAX 512
#define LX_SPEC_OPTS 16

/* A parsed spec: SCHEME[:ARG][,KEY[=VALUE]]... */
struct lx_spec {
	char buf[LX_SPEC_MAX];
	const char *what; /* "window" or "doorbell", for messages */
	const char *text; /* the spec as given */
	char *scheme;
	char *arg;        /* "" when absent */
	char *key[LX_SPEC_OPTS];
	char *val[LX_SPEC_OPTS]; /* "" for a flag */
	unsigned char used[LX_SPEC_OPTS];
	unsigned n;
};

/* Set the error text (printf-style) and return @err. */
int lx_fail(struct vob_linux *lx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A vob_err for an errno value. */
int lx_errno(int e);
int lx_spec_parse(struct vob_linux *lx, struct lx_spec *s, const char *what, const char *spec);
/* The value of option @key (marked used), or NULL when absent. */
const char *lx_spec_opt(struct lx_spec *s, const char *key);
/* Fails on the first option nobody asked for. */
int lx_spec_check_used(struct vob_linux *lx, struct lx_spec *s);
/* Parse a number option; 0, VOB_EINVAL (with a message). */
int lx_spec_num(struct vob_linux *lx, struct lx_spec *s, const char *key, uint64_t *out,
		int *present);
/* Local pointer of [addr, addr + len) in a window of this context, or NULL. */
void *lx_translate(struct vob_linux *lx, uint64_t addr, uint64_t len, unsigned access,
		   const struct vob_linux_window **w);
/* Alignment of a window's local pointer: the table's 64-bit words and the
 * futex block's words are atomics, which must be naturally aligned. */
#define LX_WINDOW_ALIGN 8u

/* Where a window is mapped from: a page-aligned mmap offset of its file, the
 * length to map, and the window's first byte as an offset into the mapping. */
struct lx_place {
	uint64_t mmap_off;
	uint64_t map_len;
	uint64_t delta;
};
/* Bytes [off, off + size) of a file (page size @pg): mapped from the page
 * that holds @off. 0, or VOB_ERANGE when that does not fit mmap. */
int lx_place_file(uint64_t off, uint64_t size, size_t pg, struct lx_place *p);
/* Bytes [off, off + size) of UIO map @map, whose memory starts @moff bytes
 * into its first page. UIO picks the map by the mmap offset (map N at N
 * pages) and always maps it from its start, so the mapping starts there
 * whatever @off is. 0, or VOB_ERANGE when that does not fit mmap. */
int lx_place_uio(uint64_t map, uint64_t moff, uint64_t off, uint64_t size, size_t pg,
		 struct lx_place *p);
/* Mark every doorbell id pending on the link; returns how many. */
int lx_mark_all(struct vob_linux *lx);
/* Doorbell part, in vob_linux_bell.c. */
int lx_bell_ring(struct vob_linux *lx, uint32_t id, uint32_t data);
void lx_bell_close(struct vob_linux *lx);
/* Block until a doorbell, a wake or the time-out; then drain. */
int lx_bell_wait(struct vob_linux *lx, int timeout_ms);
/* Whether a 32-bit register at @off fits in a UIO map of @msize bytes. */
int lx_uio_reg_fits(uint64_t off, uint64_t msize);

/* The futex doorbell block: two halves of 128 bytes; half d holds the
 * doorbells rung toward side d. Words (32-bit, index into the half): */
#define LX_FX_HALF_WORDS 32u
#define LX_FX_SEQ 0u     /* futex word: bumped after every ring (opaque value) */
#define LX_FX_WAITERS 1u /* nonzero while the receiver may sleep on SEQ */
#define LX_FX_PEND 2u    /* two words: pending ids 0-31, 32-63 (little-endian bits) */

/* Tags of the epoll set (ids are below VOB_MAX_DOORBELLS). */
#define LX_TAG_KICK 0x10000u
#define LX_TAG_LISTEN 0x10001u
#define LX_TAG_CONN 0x10002u
#define LX_TAG_FWD 0x10003u
#define LX_TAG_UIO 0x10004u
#define LX_TAG_TIMER 0x10005u /* poll interval; eventfd: the retry timer */
#define LX_TAG_SPIN 0x10006u  /* poll without interval: always readable */

#endif

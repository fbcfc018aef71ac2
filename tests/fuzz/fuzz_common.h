/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the split-ring fuzz targets: the input reader, the two
 * windows surrounded by guard pages, and a tiny port whose operations check
 * what the library asks of them.
 *
 * Memory layout (one memfd, mapped once per process):
 *
 *   [guard][ window A, read/write      ][guard][ window B, read-only ][guard]
 *                                                 ^ same pages, writable
 *   [guard][ B alias, read/write ][guard]          <- only the fuzzer's peer
 *
 * Window A is a read/write window of the link; window B is a read-only window
 * of the link and is mapped PROT_READ in this process, so any store the
 * library makes into it faults. The hostile peer writes B through the alias.
 */
#ifndef VOB_FUZZ_COMMON_H
#define VOB_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vob/vob.h"

#if VOB_BIG_ENDIAN
#error "the fuzz targets write wire fields in host order: little-endian hosts only"
#endif

/* An invariant of the library: print what broke, then abort (libFuzzer
 * records the input as a crash). */
#define FZ_CHECK(cond, ...)                                                            \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "\n*** fuzz invariant failed at %s:%d: %s\n*** ", \
				__FILE__, __LINE__, #cond);                            \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* True when the call a harness is about to make breaks the caller's contract
 * on purpose (@misuse: arguments the harness itself chose badly, to see the
 * library refuse them with VOB_EINVAL, VOB_EPERM or VOB_ERANGE) and the
 * library is built without those checks (VOB_CFG_ARG_CHECKS 0: they are
 * VOB_ASSERT, a trap here). The harness then skips the call, after reading
 * the same input bytes, so an input means the same in both builds:
 *
 *     if (FZ_SKIP_MISUSE(cap < seg_max))
 *         return VOB_EINVAL;
 *
 * @misuse must depend only on the harness's own choices and its model of
 * its own calls, never on what the peer wrote: what comes from the peer is
 * checked in every build, and fuzzing a build without caller checks is
 * there to show it. With the checks compiled in this is always false. */
#define FZ_SKIP_MISUSE(misuse) (!VOB_CFG_ARG_CHECKS && (misuse))

/* True when the environment variable VOB_FUZZ_KNOWN (comma-separated names)
 * names @name: a known library bug the harness then steers around, so that
 * a long run can look for others. */
bool fz_known_bug(const char *name);

/* ---- input ------------------------------------------------------------ */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t lo = fz_u32(in);

	return lo | (uint64_t)fz_u32(in) << 32;
}

/* ---- unaligned little-endian access to shared memory ------------------ */

static inline uint16_t fz_rd16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t fz_rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t fz_rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ---- windows and port --------------------------------------------------- */

#define FZ_PAGE 4096u
#define FZ_A_SIZE (32u * 1024u)
#define FZ_B_SIZE (8u * 1024u)

/* dma_copy behaviour (0: the port has no dma_copy op). */
enum { FZ_DMA_NONE = 0, FZ_DMA_NOW, FZ_DMA_BUSY, FZ_DMA_FAIL };

struct fz_env {
	uint8_t *a;  /* window A (read/write for the library) */
	uint8_t *b;  /* window B as the library sees it: PROT_READ */
	uint8_t *bw; /* window B, writable alias for the fuzzer's peer */
	uint64_t a_base, b_base;
	uint8_t a_kind, b_kind;
	int dma_mode;
	uint32_t line;
	struct vob_port_ops ops;
	struct vob_link link;
	/* counters and expectations checked by the ops */
	unsigned doorbells;
	uint32_t doorbell_id, doorbell_data;
	unsigned dma_calls;
	/* hooks installed by a target: extra checks on cache operations */
	void (*on_clean)(const void *p, size_t n);
	void (*on_invalidate)(const void *p, size_t n);
};

extern struct fz_env fz;

/* Map the windows (first call only), clear them, set up the link from three
 * selector bytes; returns 0 or aborts. */
void fz_env_reset(uint8_t base_sel, uint8_t kind_sel, uint8_t line_sel, uint8_t dma_sel);

static inline bool fz_within(const void *p, size_t n, const void *lo, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)lo;

	return a >= b && a - b <= len && n <= len - (a - b);
}

static inline bool fz_overlaps(const void *p, size_t n, const void *lo, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)lo;

	return n && len && a < b + len && b < a + n;
}

static inline bool fz_in_a(const void *p, size_t n)
{
	return fz_within(p, n, fz.a, FZ_A_SIZE);
}

static inline bool fz_in_b(const void *p, size_t n)
{
	return fz_within(p, n, fz.b, FZ_B_SIZE);
}

/* The fuzzer's writable pointer for a library pointer into A or B. */
static inline uint8_t *fz_writable(const void *p)
{
	if (fz_in_b(p, 0))
		return fz.bw + ((const uint8_t *)p - fz.b);
	return (uint8_t *)(uintptr_t)p;
}

/* Link address of a library pointer into A or B. */
static inline uint64_t fz_addr_of(const void *p)
{
	if (fz_in_b(p, 0))
		return fz.b_base + (uint64_t)((const uint8_t *)p - fz.b);
	return fz.a_base + (uint64_t)((const uint8_t *)p - fz.a);
}

/* A small deterministic generator for payload bytes (seeded from the input). */
static inline uint32_t fz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* Print the first difference between two buffers and abort when they differ. */
void fz_expect_same(const uint8_t *real, const uint8_t *want, size_t n, const char *what,
		    const char *op);

/* ---- pieces shared by the ring targets ---------------------------------- */

/* What a ring target's model counts, compared with vob_vq_stats(). @added:
 * chains the driver made available (device role: chains popped); @used:
 * chains used (device role: pushed). */
struct fz_counts {
	uint64_t added, used, nsent, nsupp, errors;
};

/* The queue's counters must equal the model's. */
void fz_check_counts(const struct vob_vq *vq, const struct fz_counts *c, const char *op);

/* VOB_FUZZ_TRACE=1 in the environment prints every call and its result. */
void fz_trace(const struct vob_vq *vq, const char *op, int got);

/* One of kick_prepare, kick and notify (chosen by @sel) on @vq: @predict
 * gives the model's answer (and counts it), @check compares. Checks how many
 * doorbells rang; returns true when one did (the caller checks its id and
 * data). */
bool fz_op_kick(struct vob_vq *vq, uint8_t sel, int (*predict)(void),
		void (*check)(int got, int want, const char *op));

/* A written length for a push: in range, at the edges, or hostile. */
uint32_t fz_gen_written(struct fz_in *in, uint32_t in_len);

/* The chain vob_chain_push() is writing (NULL otherwise): its writable
 * segments are the only cached memory the library may clean then. */
extern const struct vob_chain *fz_push_chain;

/* Whether [p, p + n) lies in a writable segment of fz_push_chain. */
bool fz_in_push_chain(const void *p, size_t n);

/* Copy between chain @ch (NULL: only consume the input) and local pieces the
 * input describes with vob_chain_pull[v]() or vob_chain_push[v](), against a
 * reference copy: pulled bytes must match the chain's, pushed bytes must land
 * in @expA (the expected image of window A). @vq is only for tracing. */
void fz_op_xfer(struct fz_in *in, const struct vob_chain *ch, bool pull, uint8_t *expA,
		const struct vob_vq *vq);

/* ---- packed ring bits, for the packed targets --------------------------- */

#define F_AVAIL 0x0080u /* VIRTQ_DESC_F_AVAIL */
#define F_USED 0x8000u  /* VIRTQ_DESC_F_USED */

/* Flag bits of a descriptor made available with wrap counter @w. */
static inline uint16_t avail_bits(uint8_t w)
{
	return w ? F_AVAIL : F_USED;
}

/* Flag bits of a descriptor used with wrap counter @w. */
static inline uint16_t used_bits(uint8_t w)
{
	return w ? (uint16_t)(F_AVAIL | F_USED) : 0u;
}

/* Ring position @pos advanced by @n in a ring of @size, flipping *@w on wrap. */
static inline uint16_t fz_step(uint16_t pos, unsigned n, uint16_t size, uint8_t *w)
{
	unsigned p = pos + n;

	if (p >= size) {
		p -= size;
		*w ^= 1u;
	}
	return (uint16_t)p;
}

/* An event offset word: position and wrap counter in bit 15. */
static inline uint16_t off_wrap(uint16_t pos, uint8_t w)
{
	return (uint16_t)(pos | (w << 15));
}

/* Where a packed target's queue starts, from header bits @sel (bits 4-7 of
 * the byte that also holds the features): 0 a fresh ring (position 0,
 * wrap 1); else a resumed one near the ring's end (the wraps come soon),
 * wrap counter 0 when bit 4 is set. */
static inline void fz_packed_start(uint8_t sel, uint16_t size, uint16_t *pos, uint8_t *wrap)
{
	unsigned back = 1u + ((sel >> 5) & 7u);

	*pos = 0;
	*wrap = 1;
	if (sel >> 4) {
		*pos = (uint16_t)(back < size ? size - back : 0u);
		*wrap = (sel & 0x10) ? 0 : 1;
	}
}

/* vob_vq_cfg::start of that position and wrap counter. */
static inline uint16_t fz_vq_start(uint16_t pos, uint8_t wrap)
{
	return (uint16_t)(pos | (wrap ? 0u : 0x8000u));
}

#endif

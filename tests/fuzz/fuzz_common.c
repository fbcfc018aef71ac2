/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz_common.h"

#include <sys/mman.h>
#include <unistd.h>

struct fz_env fz;

static uint8_t *fz_map_fixed(uint8_t *where, size_t len, int prot, int fd, off_t off)
{
	void *p = mmap(where, len, prot, MAP_SHARED | MAP_FIXED, fd, off);

	if (p == MAP_FAILED || p != where) {
		perror("mmap");
		abort();
	}
	return (uint8_t *)p;
}

static uint8_t *fz_reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		abort();
	}
	return (uint8_t *)p;
}

static void fz_map_once(void)
{
	uint8_t *r, *r2;
	int fd;

	if (fz.a)
		return;
	fd = memfd_create("vob-fuzz", 0);
	if (fd < 0 || ftruncate(fd, (off_t)(FZ_A_SIZE + FZ_B_SIZE))) {
		perror("memfd");
		abort();
	}
	/* Guard pages stay PROT_NONE around each window. */
	r = fz_reserve(FZ_PAGE + FZ_A_SIZE + FZ_PAGE + FZ_B_SIZE + FZ_PAGE);
	fz.a = fz_map_fixed(r + FZ_PAGE, FZ_A_SIZE, PROT_READ | PROT_WRITE, fd, 0);
	fz.b = fz_map_fixed(r + FZ_PAGE + FZ_A_SIZE + FZ_PAGE, FZ_B_SIZE, PROT_READ, fd,
			    (off_t)FZ_A_SIZE);
	r2 = fz_reserve(FZ_PAGE + FZ_B_SIZE + FZ_PAGE);
	fz.bw = fz_map_fixed(r2 + FZ_PAGE, FZ_B_SIZE, PROT_READ | PROT_WRITE, fd,
			     (off_t)FZ_A_SIZE);
	close(fd);
}

/* ---- the port ----------------------------------------------------------- */

static void *fz_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)ctx;
	if (link_addr == fz.a_base && len == FZ_A_SIZE &&
	    access == (VOB_MAP_READ | VOB_MAP_WRITE))
		return fz.a;
	if (link_addr == fz.b_base && len == FZ_B_SIZE && access == VOB_MAP_READ)
		return fz.b;
	return NULL;
}

static int fz_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	fz.doorbells++;
	fz.doorbell_id = id;
	fz.doorbell_data = data;
	return 0;
}

static bool fz_cached(const void *p, size_t n)
{
	if (fz_in_a(p, n))
		return fz.a_kind == VOB_MEM_CACHED;
	if (fz_in_b(p, n))
		return fz.b_kind == VOB_MEM_CACHED;
	return false;
}

static void fz_cache_clean(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	/* Only on a cached window; the target's hook says which ranges. */
	FZ_CHECK(fz_cached(p, n), "cache_clean(%p, %zu) outside a cached window", p, n);
	if (fz.on_clean)
		fz.on_clean(p, n);
}

static void fz_cache_invalidate(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	FZ_CHECK(fz_cached(p, n), "cache_invalidate(%p, %zu) outside a cached window",
		 p, n);
	if (fz.on_invalidate)
		fz.on_invalidate(p, n);
}

static int fz_dma_copy(void *ctx, void *dst, const void *src, size_t n, void *cookie)
{
	(void)ctx;
	fz.dma_calls++;
	FZ_CHECK(cookie != NULL, "dma_copy without a cookie");
	FZ_CHECK(n >= VOB_DMA_MIN_BYTES, "dma_copy of %zu bytes, below VOB_DMA_MIN_BYTES", n);
	FZ_CHECK(fz_in_a(dst, n) || fz_in_a(src, n) || fz_in_b(src, n),
		 "dma_copy(%p <- %p, %zu) touches no window", dst, src, n);
	FZ_CHECK(!fz_in_b(dst, 1) && !fz_overlaps(dst, n, fz.b, FZ_B_SIZE),
		 "dma_copy into the read-only window");
	switch (fz.dma_mode) {
	case FZ_DMA_NOW:
		memcpy(dst, src, n);
		vob_dma_complete_isr(cookie, 0);
		return 0;
	case FZ_DMA_BUSY:
		return VOB_EBUSY;
	default:
		return VOB_EIO;
	}
}

void fz_env_reset(uint8_t base_sel, uint8_t kind_sel, uint8_t line_sel, uint8_t dma_sel)
{
	struct vob_window_cfg w;
	int err;

	fz_map_once();
	memset(fz.a, 0, FZ_A_SIZE);
	memset(fz.bw, 0, FZ_B_SIZE);

	/* Link addresses: low, middle, or just below the top of the 64-bit
	 * space; B right after A (a range may try to span both) or after a gap. */
	switch (base_sel % 3) {
	case 0:
		fz.a_base = 0x10000u;
		break;
	case 1:
		fz.a_base = 0x7ff00000u;
		break;
	default:
		fz.a_base = 0 - (uint64_t)(0x1000u + 0x10000u + FZ_B_SIZE + FZ_A_SIZE);
		break;
	}
	fz.b_base = fz.a_base + FZ_A_SIZE + ((base_sel / 3) % 2 ? 0x10000u : 0);
	fz.a_kind = (uint8_t)(kind_sel % 3);
	fz.b_kind = (uint8_t)((kind_sel / 3) % 3);
	fz.line = 16u << (line_sel % 5);
	fz.dma_mode = dma_sel % 4;
	fz.doorbells = 0;
	fz.dma_calls = 0;
	fz.on_clean = NULL;
	fz.on_invalidate = NULL;

	memset(&fz.ops, 0, sizeof(fz.ops));
	fz.ops.version = VOB_PORT_OPS_VERSION;
	fz.ops.map_window = fz_map_window;
	fz.ops.ring_doorbell = fz_ring_doorbell;
	if (fz.a_kind == VOB_MEM_CACHED || fz.b_kind == VOB_MEM_CACHED || (kind_sel / 9) % 2) {
		fz.ops.cache_clean = fz_cache_clean;
		fz.ops.cache_invalidate = fz_cache_invalidate;
	}
	if (fz.dma_mode != FZ_DMA_NONE)
		fz.ops.dma_copy = fz_dma_copy;

	err = vob_link_init(&fz.link, &fz.ops, NULL, fz.line);
	FZ_CHECK(err == 0, "vob_link_init: %d", err);
	memset(&w, 0, sizeof(w));
	w.link_addr = fz.a_base;
	w.size = FZ_A_SIZE;
	w.kind = fz.a_kind;
	w.owner = VOB_WIN_LOCAL;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	err = vob_link_add_window(&fz.link, &w);
	FZ_CHECK(err == 0, "vob_link_add_window(A): %d", err);
	w.link_addr = fz.b_base;
	w.size = FZ_B_SIZE;
	w.kind = fz.b_kind;
	w.owner = VOB_WIN_PEER;
	w.access = VOB_MAP_READ;
	err = vob_link_add_window(&fz.link, &w);
	FZ_CHECK(err == 1, "vob_link_add_window(B): %d", err);
}

void fz_expect_same(const uint8_t *real, const uint8_t *want, size_t n, const char *what,
		    const char *op)
{
	size_t i;

	if (!memcmp(real, want, n))
		return;
	for (i = 0; i < n && real[i] == want[i]; i++)
		;
	FZ_CHECK(0, "%s: byte %zu of %s is 0x%02x, expected 0x%02x (the library wrote "
		    "where it must not)", op, i, what, real[i], want[i]);
}

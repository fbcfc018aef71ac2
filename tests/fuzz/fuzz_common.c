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
	FZ_CHECK(!fz_cached(dst, n) || !(((uintptr_t)dst | n) & (fz.line - 1u)),
		 "dma_copy(%p, %zu) into a cached window in part of a line", dst, n);
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

bool fz_known_bug(const char *name)
{
	static const char *env;
	static bool init;

	if (!init) {
		env = getenv("VOB_FUZZ_KNOWN");
		init = true;
	}
	return env && strstr(env, name);
}

/* ---- the hostile peer's link ---------------------------------------------- */

static void *fz_peer_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)ctx;
	(void)access;
	if (link_addr == fz.a_base && len == FZ_A_SIZE)
		return fz.a;
	if (link_addr == fz.b_base && len == FZ_B_SIZE)
		return fz.bw;
	return NULL;
}

static int fz_peer_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	(void)id;
	(void)data;
	return 0;
}

void fz_peer_link(struct vob_link *link, struct vob_port_ops *ops)
{
	struct vob_window_cfg w;
	int err;

	memset(ops, 0, sizeof(*ops));
	ops->version = VOB_PORT_OPS_VERSION;
	ops->map_window = fz_peer_map_window;
	ops->ring_doorbell = fz_peer_ring_doorbell;
	err = vob_link_init(link, ops, NULL, fz.line);
	FZ_CHECK(err == 0, "peer vob_link_init: %d", err);
	memset(&w, 0, sizeof(w));
	w.link_addr = fz.a_base;
	w.size = FZ_A_SIZE;
	w.kind = VOB_MEM_COHERENT;
	w.owner = VOB_WIN_PEER;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	err = vob_link_add_window(link, &w);
	FZ_CHECK(err == 0, "peer window A: %d", err);
	w.link_addr = fz.b_base;
	w.size = FZ_B_SIZE;
	w.owner = VOB_WIN_LOCAL;
	err = vob_link_add_window(link, &w);
	FZ_CHECK(err == 1, "peer window B: %d", err);
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

/* ---- pieces shared by the ring targets ---------------------------------- */

void fz_check_counts(const struct vob_vq *vq, const struct fz_counts *c, const char *op)
{
	const struct vob_vq_stats *s = vob_vq_stats(vq);

	FZ_CHECK(s->added == c->added && s->used == c->used, "%s: stats added %llu used %llu, "
		 "model %llu %llu", op, (unsigned long long)s->added,
		 (unsigned long long)s->used, (unsigned long long)c->added,
		 (unsigned long long)c->used);
	FZ_CHECK(s->notify_sent == c->nsent && s->notify_suppressed == c->nsupp,
		 "%s: notify stats %llu/%llu, model %llu/%llu", op,
		 (unsigned long long)s->notify_sent, (unsigned long long)s->notify_suppressed,
		 (unsigned long long)c->nsent, (unsigned long long)c->nsupp);
	FZ_CHECK(s->errors == c->errors, "%s: errors %llu, model %llu", op,
		 (unsigned long long)s->errors, (unsigned long long)c->errors);
}

void fz_trace(const struct vob_vq *vq, const char *op, int got)
{
	static int on = -1;

	if (on < 0)
		on = getenv("VOB_FUZZ_TRACE") != NULL;
	if (on)
		fprintf(stderr, "  %-28s -> %d (fault %d)\n", op, got, vob_vq_fault(vq));
}

bool fz_op_kick(struct vob_vq *vq, uint8_t sel, int (*predict)(void),
		void (*check)(int got, int want, const char *op))
{
	unsigned bells = fz.doorbells;
	int want, got;

	switch (sel % 3) {
	case 0:
		want = predict();
		got = vob_vq_kick_prepare(vq);
		check(got, want, "vob_vq_kick_prepare");
		FZ_CHECK(fz.doorbells == bells, "kick_prepare rang the doorbell");
		break;
	case 1:
		want = predict();
		got = vob_vq_kick(vq);
		check(got, want, "vob_vq_kick");
		FZ_CHECK(fz.doorbells == bells + (got == 1), "kick: %u doorbells for %d",
			 fz.doorbells - bells, got);
		break;
	default:
		got = vob_vq_notify(vq);
		check(got, 0, "vob_vq_notify");
		FZ_CHECK(fz.doorbells == bells + 1, "notify did not ring");
		break;
	}
	return fz.doorbells != bells;
}

uint32_t fz_gen_written(struct fz_in *in, uint32_t in_len)
{
	switch (fz_u8(in) % 6) {
	case 0:
		return 0;
	case 1:
		return in_len;
	case 2:
		return in_len + 1u;
	case 3:
		return (uint32_t)(fz_u32(in) % ((uint64_t)in_len + 1u));
	case 4:
		return 0xffffffffu;
	default:
		return fz_u32(in);
	}
}

const struct vob_chain *fz_push_chain;

bool fz_in_push_chain(const void *p, size_t n)
{
	unsigned k;

	if (!fz_push_chain)
		return false;
	for (k = fz_push_chain->n_out; k < (unsigned)fz_push_chain->n_out + fz_push_chain->n_in; k++)
		if (fz_within(p, n, fz_push_chain->iov[k].base, fz_push_chain->iov[k].len))
			return true;
	return false;
}

#define FZ_MAXLOC 4u

void fz_op_xfer(struct fz_in *in, const struct vob_chain *ch, bool pull, uint8_t *expA,
		const struct vob_vq *vq)
{
	struct vob_iov loc[FZ_MAXLOC];
	uint8_t *want[FZ_MAXLOC];
	unsigned nloc = 1u + fz_u8(in) % FZ_MAXLOC, k, si = 0, li = 0, nseg;
	uint8_t omode = fz_u8(in), flags = fz_u8(in);
	bool use_x = flags & 1, flat = (flags & 2) && nloc == 1;
	uint64_t seed = fz_u32(in) | 1u;
	size_t offset, soff, loff = 0, done = 0, part, local = 0, expect;
	const struct vob_iov *seg;
	struct vob_xfer x;
	int want_ret = 0, got;

	if (!ch)
		return;
	part = pull ? ch->out_len : ch->in_len;
	switch (omode % 5) {
	case 0:
		offset = 0;
		break;
	case 1:
		offset = fz_u8(in);
		break;
	case 2:
		offset = fz_u16(in);
		break;
	case 3:
		offset = part - (fz_u8(in) % (part + 1u));
		break;
	default:
		offset = (size_t)fz_u64(in);
		break;
	}
	for (k = 0; k < nloc; k++) {
		size_t len, j;

		switch (fz_u8(in) % 4) {
		case 0:
			len = 0;
			break;
		case 1:
			len = fz_u8(in);
			break;
		case 2:
			len = fz_u16(in) % 4097u;
			break;
		default:
			len = VOB_DMA_MIN_BYTES + fz_u8(in);
			break;
		}
		loc[k].base = malloc(len + 1u);
		loc[k].len = (uint32_t)len;
		loc[k].flags = 0;
		want[k] = malloc(len + 1u);
		for (j = 0; j < len; j++)
			((uint8_t *)loc[k].base)[j] = pull ? 0xcd : (uint8_t)fz_rand(&seed);
		memcpy(want[k], loc[k].base, len);
		local += len;
	}

	/* The reference copy, piece by piece; with a failing DMA engine the
	 * first piece large enough for it fails the call. */
	seg = ch->iov + (pull ? 0 : ch->n_out);
	nseg = pull ? ch->n_out : ch->n_in;
	soff = offset;
	while (si < nseg && soff >= seg[si].len)
		soff -= seg[si++].len;
	while (si < nseg && li < nloc) {
		size_t n = seg[si].len - soff;
		uint8_t *sp = (uint8_t *)seg[si].base + soff;

		bool cpu = false;

		if (n > loc[li].len - loff)
			n = loc[li].len - loff;
		/* Pushed into a cached segment, the engine gets whole lines only:
		 * a partial first line goes to the CPU on its own, then the
		 * whole lines, then what is left (port.h, dma_copy). */
		if (use_x && !pull && fz.dma_mode != FZ_DMA_NONE && fz_cached(sp, 1) &&
		    n >= VOB_DMA_MIN_BYTES) {
			size_t head = (size_t)(-(uintptr_t)sp & (fz.line - 1u));

			if (!head && n >= fz.line) {
				n &= ~(size_t)(fz.line - 1u);
			} else {
				cpu = true;
				if (head && head < n)
					n = head;
			}
		}
		if (use_x && fz.dma_mode == FZ_DMA_FAIL && n >= VOB_DMA_MIN_BYTES && !cpu) {
			want_ret = VOB_EIO;
			break;
		}
		if (pull) {
			memcpy(want[li] + loff, sp, n);
		} else {
			FZ_CHECK(fz_in_a(sp, n), "harness: writable segment outside A");
			memcpy(expA + (sp - fz.a), (uint8_t *)loc[li].base + loff, n);
		}
		done += n;
		soff += n;
		loff += n;
		if (soff == seg[si].len) {
			si++;
			soff = 0;
		}
		if (loff == loc[li].len) {
			li++;
			loff = 0;
		}
	}
	if (!want_ret) {
		expect = offset < part ? part - offset : 0;
		if (expect > local)
			expect = local;
		FZ_CHECK(done == expect, "harness: reference copied %zu, expected %zu", done, expect);
		want_ret = (int)done;
	}

	vob_xfer_init(&x);
	fz_push_chain = ch;
	if (pull)
		got = flat ? vob_chain_pull(&fz.link, ch, offset, loc[0].base, loc[0].len,
					    use_x ? &x : NULL)
			   : vob_chain_pullv(&fz.link, ch, offset, loc, nloc, use_x ? &x : NULL);
	else
		got = flat ? vob_chain_push(&fz.link, ch, offset, loc[0].base, loc[0].len,
					    use_x ? &x : NULL)
			   : vob_chain_pushv(&fz.link, ch, offset, loc, nloc, use_x ? &x : NULL);
	fz_push_chain = NULL;
	fz_trace(vq, pull ? "vob_chain_pull" : "vob_chain_push", got);
	FZ_CHECK(got == want_ret, "%s returned %d, expected %d", pull ? "pull" : "push", got,
		 want_ret);
	FZ_CHECK(vob_xfer_done(&x) == 1, "xfer not done after a synchronous copy: %d",
		 vob_xfer_done(&x));
	for (k = 0; k < nloc; k++) {
		if (pull)
			FZ_CHECK(!memcmp(loc[k].base, want[k], loc[k].len),
				 "pull: local piece %u differs from the chain's bytes", k);
		free(loc[k].base);
		free(want[k]);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Payload copies between a popped chain and local memory, by CPU or DMA. */
#include "mem_internal.h"

#include "vq_internal.h"

void vob_xfer_init(struct vob_xfer *x)
{
	x->submitted = 0;
	x->completed = 0;
	x->status = 0;
}

int vob_xfer_done(const struct vob_xfer *x)
{
	uint32_t done = __atomic_load_n(&x->completed, __ATOMIC_ACQUIRE);

	if (done != x->submitted)
		return 0;
	return x->status ? x->status : 1;
}

void vob_dma_complete_isr(void *cookie, int status)
{
	struct vob_xfer *x = (struct vob_xfer *)cookie;

	if (status < 0 && !x->status)
		x->status = status;
	/* Publishes the status and the copied data to the submitter; pairs with
	 * the acquire in vob_xfer_done(). Only the completer writes this, and
	 * the port never runs two completions of one tracker at once (dma_copy
	 * contract), so a plain read-modify-write suffices: an atomic add would
	 * be a libatomic call on cores without exclusive loads (Cortex-M0+). */
	__atomic_store_n(&x->completed, x->completed + 1u, __ATOMIC_RELEASE);
}

/* Before the CPU writes [p, p + n) of a cached writable segment @seg: a line
 * the segment covers only in part is refilled from memory first, because the
 * clean after the copy writes the whole line back, and its bytes outside the
 * segment (the driver's: a request header next to a status byte, say) must
 * go back as the driver left them, not as a stale copy in this cache. A
 * segment that starts and ends on line boundaries, as vob's own drivers lay
 * them out, refills nothing. */
static void xfer_refill_edges(const struct vob_link *link, const struct vob_iov *seg,
			      const uint8_t *p, size_t n)
{
	uintptr_t mask = (uintptr_t)vob_link_line(link) - 1u;
	uintptr_t s0 = (uintptr_t)seg->base, s_last = s0 + seg->len - 1u;
	uintptr_t a = (uintptr_t)p, last = a + n - 1u;
	bool head;

	if (!n)
		return;
	/* The segment starts inside a line, and this piece writes in it. */
	head = (s0 & mask) && (a & ~mask) == (s0 & ~mask);
	if (head)
		vob_link_invalidate(link, p, 1);
	/* The segment ends inside a line, this piece writes in it, and it is
	 * not the line just refilled. */
	if ((~s_last & mask) && (last & ~mask) == (s_last & ~mask) &&
	    !(head && (last & ~mask) == (a & ~mask)))
		vob_link_invalidate(link, p + n - 1u, 1);
}

/* How much of a push piece of @n bytes at @dst, in a cached segment, to
 * copy next when the DMA engine could take it. The engine gets whole lines
 * only: a partial line at the start is cut off first and copied by the CPU
 * (@p *x set to NULL), then the whole lines go out as one piece, and the
 * partial line left at the end comes back here and goes to the CPU too. The
 * CPU cleans whole lines after writing: were the engine to write part of a
 * line the CPU also writes (now, or in a later call at a further offset),
 * that clean would put the CPU's older copy of the engine's bytes back over
 * them whenever the engine finished between the CPU's refill and its clean. */
static size_t xfer_whole_lines(const struct vob_link *link, const uint8_t *dst, size_t n,
			       struct vob_xfer **x)
{
	uintptr_t mask = (uintptr_t)link->line - 1u;
	size_t head = (size_t)(-(uintptr_t)dst & mask);

	if (n < VOB_DMA_MIN_BYTES)
		return n;
	if (!head && n > mask)
		return n & ~(size_t)mask;
	*x = NULL;
	return head && head < n ? head : n;
}

/* Copy one piece. @peer_src: the source is chain memory (pull) rather than
 * the destination (push); @seg is the chain segment the piece lies in. */
static int xfer_piece(struct vob_link *link, void *dst, const void *src, size_t n,
		      const struct vob_iov *seg, bool peer_src, struct vob_xfer *x)
{
	if (peer_src && VOB_IS_CACHED(seg->flags & VOB_IOV_CACHED))
		vob_link_invalidate(link, src, n);
	if (VOB_CFG_DMA && x && link->ops->dma_copy && n >= VOB_DMA_MIN_BYTES) {
		int err;

		x->submitted++;
		err = link->ops->dma_copy(link->ctx, dst, src, n, x);
		if (!err)
			return 0;
		x->submitted--;
		if (err != VOB_EBUSY && err != VOB_ENOSPC)
			return err;
	}
	if (!peer_src && VOB_IS_CACHED(seg->flags & VOB_IOV_CACHED)) {
		xfer_refill_edges(link, seg, (const uint8_t *)dst, n);
		vob_memcpy(dst, src, n);
		vob_link_clean(link, dst, n);
		return 0;
	}
	vob_memcpy(dst, src, n);
	return 0;
}

/* Scatter-gather copy between the readable (pull) or writable (push) part of
 * @chain, from @offset, and the local list @loc. */
static int xfer_sg(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   const struct vob_iov *loc, unsigned nloc, struct vob_xfer *x, bool pull)
{
	const struct vob_iov *seg = chain->iov, *seg_end, *loc_end = loc + nloc;
	unsigned nseg = chain->n_out;
	size_t soff = offset, loff = 0, done = 0;

	if (!pull) {
		seg += nseg;
		nseg = chain->n_in;
	}
	seg_end = seg + nseg;
	while (seg < seg_end && soff >= seg->len)
		soff -= seg++->len;
	while (seg < seg_end && loc < loc_end) {
		size_t n = seg->len - soff;
		uint8_t *sp = (uint8_t *)seg->base + soff;
		uint8_t *lp = (uint8_t *)loc->base + loff;
		struct vob_xfer *px;
		int err;

		if (n > loc->len - loff)
			n = loc->len - loff;
		px = x;
		if (VOB_CFG_DMA && x && !pull && link->ops->dma_copy &&
		    VOB_IS_CACHED(seg->flags & VOB_IOV_CACHED))
			n = xfer_whole_lines(link, sp, n, &px);
		err = xfer_piece(link, pull ? lp : sp, pull ? sp : lp, n, seg, pull, px);
		if (err)
			return err;
		done += n;
		soff += n;
		loff += n;
		if (soff == seg->len) {
			seg++;
			soff = 0;
		}
		if (loff == loc->len) {
			loc++;
			loff = 0;
		}
	}
	return done > 0x7fffffffu ? 0x7fffffff : (int)done;
}

int vob_chain_pullv(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		    const struct vob_iov *dst, unsigned ndst, struct vob_xfer *x)
{
	return xfer_sg(link, chain, offset, dst, ndst, x, true);
}

int vob_chain_pushv(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		    const struct vob_iov *src, unsigned nsrc, struct vob_xfer *x)
{
	return xfer_sg(link, chain, offset, src, nsrc, x, false);
}

int vob_chain_pull(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   void *dst, size_t len, struct vob_xfer *x)
{
	struct vob_iov v;

	v.base = dst;
	v.len = len > 0xffffffffu ? 0xffffffffu : (uint32_t)len;
	v.flags = 0;
	return xfer_sg(link, chain, offset, &v, 1, x, true);
}

int vob_chain_push(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   const void *src, size_t len, struct vob_xfer *x)
{
	struct vob_iov v;

	v.base = (void *)(uintptr_t)src;
	v.len = len > 0xffffffffu ? 0xffffffffu : (uint32_t)len;
	v.flags = 0;
	return xfer_sg(link, chain, offset, &v, 1, x, false);
}

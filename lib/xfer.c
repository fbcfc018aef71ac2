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
	 * the acquire in vob_xfer_done(). Only the completer writes this. */
	__atomic_store_n(&x->completed, x->completed + 1u, __ATOMIC_RELEASE);
}

/* Copy one piece. @peer_src: the source is chain memory (pull) rather than
 * the destination (push); @seg_flags are the chain segment's VOB_IOV_*. */
static int xfer_piece(struct vob_link *link, void *dst, const void *src, size_t n,
		      uint32_t seg_flags, bool peer_src, struct vob_xfer *x)
{
	if (peer_src && (seg_flags & VOB_IOV_CACHED))
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
	vob_memcpy(dst, src, n);
	if (!peer_src && (seg_flags & VOB_IOV_CACHED))
		vob_link_clean(link, dst, n);
	return 0;
}

/* Scatter-gather copy between the readable (pull) or writable (push) part of
 * @chain, from @offset, and the local list @loc. */
static int xfer_sg(struct vob_link *link, const struct vob_chain *chain, size_t offset,
		   const struct vob_iov *loc, unsigned nloc, struct vob_xfer *x, bool pull)
{
	const struct vob_iov *seg = chain->iov + (pull ? 0 : chain->n_out);
	unsigned nseg = pull ? chain->n_out : chain->n_in, si = 0, li = 0;
	size_t soff = offset, loff = 0, done = 0;

	while (si < nseg && soff >= seg[si].len)
		soff -= seg[si++].len;
	while (si < nseg && li < nloc) {
		size_t n = seg[si].len - soff;
		uint8_t *sp = (uint8_t *)seg[si].base + soff;
		uint8_t *lp = (uint8_t *)loc[li].base + loff;
		int err;

		if (n > loc[li].len - loff)
			n = loc[li].len - loff;
		if (pull)
			err = xfer_piece(link, lp, sp, n, seg[si].flags, true, x);
		else
			err = xfer_piece(link, sp, lp, n, seg[si].flags, false, x);
		if (err)
			return err;
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

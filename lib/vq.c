/* SPDX-License-Identifier: BSD-3-Clause */
/* Virtqueue engine: set-up and the one-line dispatchers shared by formats. */
#include "mem_internal.h"

#include "vq_internal.h"

/* The state holds structures with uint64_t members: it needs the ABI's
 * alignment of uint64_t, which is what any uint64_t array has. That is 8 on
 * most targets but 4 on some 32-bit ones (i386, Nios II, MicroBlaze), where
 * an array inside a caller's structure (the device classes' state) may sit
 * on an address that is 4 mod 8. */
struct vq_u64_align {
	char c;
	uint64_t v;
};
#define VQ_STATE_ALIGN offsetof(struct vq_u64_align, v)

static int vq_map_area(struct vob_vq *vq, uint64_t addr, size_t len, unsigned access,
		       void **ptr, uint8_t *cached)
{
	const struct vob_window *w = NULL;

	if (addr & (vq->link->line - 1u))
		return VOB_EINVAL;
	/* The window only tells whether the area is cached: without
	 * VOB_CFG_CACHED the flag keeps the 0 the queue was cleared to. */
	*ptr = vob_link_translate(vq->link, addr, len, access, VOB_CFG_CACHED ? &w : NULL);
	if (!*ptr)
		return VOB_EFAULT;
	if (VOB_CFG_CACHED)
		*cached = VOB_WIN_CACHED(w);
	return 0;
}

int vob_vq_init(struct vob_vq *vq, struct vob_link *link, const struct vob_vq_cfg *cfg,
		void *state, size_t state_len)
{
	/* The access to the driver area: read-write in the driver role, read
	 * in the device role; the device area takes the other one. */
	unsigned mine = VOB_MAP_READ | VOB_MAP_WRITE, drv_access;
	size_t drv_bytes, dev_bytes;
	uint16_t ind_max = 0;
	bool driver, packed;
	int err;

	if (VOB_ARG_BAD(!vq))
		return VOB_EINVAL;
	/* Broken until set up: after a failed init every call on the queue
	 * returns VOB_EIO, whatever it held before (bad arguments too). */
	vob_memset(vq, 0, sizeof(*vq));
	vq->broken = 1;
	vq->link = link;
	if (VOB_ARG_BAD(!link || !cfg || !state ||
			(cfg->role != VOB_ROLE_DRIVER && cfg->role != VOB_ROLE_DEVICE)))
		return VOB_EINVAL;
	/* A role or a ring feature this build left out (config.h). */
	if ((!VOB_CFG_DRIVER && cfg->role == VOB_ROLE_DRIVER) ||
	    (!VOB_CFG_DEVICE && cfg->role == VOB_ROLE_DEVICE) ||
	    (cfg->features & VOB_VQ_FEATURES_OUT))
		return VOB_ENOTSUP;
	packed = VOB_CFG_PACKED && (cfg->features & VOB_BIT(VOB_F_RING_PACKED)) != 0;
	/* Packed rings take any size (spec 2.8.10.1); split ones a power of two. */
	if (cfg->size == 0 || cfg->size > VOB_VQ_MAX_SIZE ||
	    (!packed && (cfg->size & (cfg->size - 1u))))
		return VOB_EINVAL;
	/* A packed start names a ring position (bits 0-14). */
	if (!vob_vq_start_ok(cfg->start, cfg->size, packed))
		return VOB_EINVAL;
	if (!(cfg->features & VOB_BIT(VOB_F_VERSION_1)))
		return VOB_ENOTSUP;
	if (VOB_ARG_BAD((uintptr_t)state & (VQ_STATE_ALIGN - 1u)))
		return VOB_EINVAL;
	driver = cfg->role == VOB_ROLE_DRIVER;
	drv_access = driver ? mine : VOB_MAP_READ;
	drv_bytes = packed ? VOB_PACKED_DRIVER_BYTES : VOB_SPLIT_AVAIL_BYTES(cfg->size);
	dev_bytes = packed ? VOB_PACKED_DEVICE_BYTES : VOB_SPLIT_USED_BYTES(cfg->size);

	vq->role = cfg->role;
	vq->index = cfg->index;
	vq->doorbell = cfg->doorbell;
	vq->features = cfg->features;
	vq->state = state;
	vq->packed = packed;
	vq->seg_max = cfg->seg_max ? cfg->seg_max : cfg->size;
	/* A local, so that a build without VOB_CFG_INDIRECT knows it is 0. */
	if (VOB_CFG_INDIRECT && driver && (cfg->features & VOB_BIT(VOB_F_INDIRECT_DESC)) &&
	    cfg->indirect_addr && cfg->indirect_max > 1)
		ind_max = cfg->indirect_max;
	vq->indirect_max = ind_max;
	/* size * indirect_max * 16 must fit a size_t; 2^shift >= size, so a
	 * shift checks it without a division (Cortex-M0 has none). */
	if (ind_max) {
		unsigned shift = 0;

		while ((1u << shift) < cfg->size)
			shift++;
		if ((size_t)ind_max > (SIZE_MAX >> (shift + 4u)) / 2u)
			return VOB_EINVAL;
	}
	if (state_len < VOB_VQ_STATE_SIZE(cfg->size, ind_max))
		return VOB_ENOMEM;

	/* Both roles write a packed descriptor ring; only the driver a split one. */
	err = vq_map_area(vq, cfg->desc_addr, VOB_SPLIT_DESC_BYTES(cfg->size),
			  packed ? mine : drv_access, &vq->desc, &vq->c_desc);
	if (!err)
		err = vq_map_area(vq, cfg->driver_addr, drv_bytes, drv_access, &vq->avail,
				  &vq->c_avail);
	if (!err)
		err = vq_map_area(vq, cfg->device_addr, dev_bytes, drv_access ^ VOB_MAP_WRITE,
				  &vq->used, &vq->c_used);
	if (!err && ind_max) {
		void *p = NULL;

		err = vq_map_area(vq, cfg->indirect_addr,
				  (size_t)cfg->size * cfg->indirect_max * 16u, mine, &p,
				  &vq->c_indirect);
		vq->indirect = p;
		vq->indirect_addr = cfg->indirect_addr;
	}
	/* Both sides write the lines of a packed ring: on a cached non-coherent
	 * window one side's whole-line write-back would revert the other's
	 * descriptors. Refused (see docs/packed.md). */
	if (!err && packed && (vq->c_desc || vq->c_avail || vq->c_used || vq->c_indirect))
		err = VOB_ENOTSUP;
	if (err)
		return err;
	/* The size last: until here vob_vq_reclaim() walks no slot of a state
	 * that was never cleared. */
	vq->size = cfg->size;
	vq->broken = 0;
	vob_memset(state, 0, VOB_VQ_STATE_SIZE(cfg->size, ind_max));
	return VOB_VQ_PACKED(vq) ? vob_packed_init(vq, cfg->start) : vob_split_init(vq, cfg->start);
}

#if VOB_CFG_DRIVER
void vob_vq_sync_payload(const struct vob_vq *vq, const struct vob_seg *segs, unsigned n,
			 bool for_peer)
{
	unsigned i;

	/* Write back the payload the device will read, and any dirty line of a
	 * buffer it will write (so no later eviction overwrites its data); or
	 * drop stale lines of what it wrote. */
	for (i = 0; i < n; i++) {
		const struct vob_window *w;
		void *p = vob_link_translate(vq->link, segs[i].addr, segs[i].len, 0, &w);

		if (!p || !VOB_WIN_CACHED(w) || !segs[i].len)
			continue;
		if (for_peer)
			vob_link_clean(vq->link, p, segs[i].len);
		else
			vob_link_invalidate(vq->link, p, segs[i].len);
	}
}

void vob_vq_sync_used_payload(const struct vob_vq *vq, uint16_t head)
{
	const struct vob_vq_slot *s = &vob_vq_slots(vq)[head];
	struct vob_seg seg;
	unsigned guard = 0;

	if (VOB_CFG_INDIRECT && (s->flags & VOB_DESC_F_INDIRECT)) {
		const struct vob_vq_ind *t = vob_vq_ind_shadow(vq, head);
		unsigned k, n = s->len / 16u;

		for (k = 0; k < n; k++) {
			if (!(t[k].flags & VOB_DESC_F_WRITE))
				continue;
			seg.addr = t[k].addr;
			seg.len = t[k].len;
			vob_vq_sync_payload(vq, &seg, 1, false);
		}
		return;
	}
	for (;;) {
		s = &vob_vq_slots(vq)[head];
		if (s->flags & VOB_DESC_F_WRITE) {
			seg.addr = s->addr;
			seg.len = s->len;
			vob_vq_sync_payload(vq, &seg, 1, false);
		}
		if (!(s->flags & VOB_DESC_F_NEXT) || ++guard >= vq->size)
			return;
		head = s->next;
	}
}

int vob_vq_add_prep(const struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out,
		    unsigned n_in, const void *token, uint32_t *in_len)
{
	unsigned n = n_out + n_in, k, need;
	uint32_t total = 0;

	if (VOB_ARG_BAD(!token || !segs || n == 0 || n_out > 0xffffu || n_in > 0xffffu))
		return VOB_EINVAL;
	*in_len = 0;
	for (k = 0; k < n; k++) {
		/* The chain's total length must fit 32 bits. */
		if (segs[k].len > 0xffffffffu - total)
			return VOB_EINVAL;
		total += segs[k].len;
		if (k >= n_out)
			*in_len += segs[k].len;
	}
	need = VOB_CFG_INDIRECT && vq->indirect_max && n > 1 && n <= vq->indirect_max ? 1u : n;
	if (need > vq->num_free)
		return VOB_ENOSPC;
	return (int)need;
}

void vob_vq_used_done(struct vob_vq *vq, uint16_t head, void **token)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);

	if (VOB_LINK_CACHED(vq->link) && slot[head].in_len)
		vob_vq_sync_used_payload(vq, head);
	*token = slot[head].token;
	VOB_VQ_STAT(vq->stats.used);
	/* In order, descriptors are reused in ring order: no free list. */
	if (!VOB_VQ_IN_ORDER(vq)) {
		slot[slot[head].last].next = vq->free_head;
		vq->free_head = head;
	}
	vq->num_free = (uint16_t)(vq->num_free + slot[head].ndesc);
	slot[head].token = NULL;
	vq->in_flight--;
}
#endif

#if VOB_CFG_DEVICE
enum vob_vq_fault vob_vq_chain_seg(const struct vob_vq *vq, struct vob_chain *chain,
				   bool *seen_write, uint64_t addr, uint32_t len, bool wr)
{
	const struct vob_window *w;
	struct vob_iov *iov;
	/* The direction's byte and segment counts. */
	uint32_t *sum = wr ? &chain->in_len : &chain->out_len;
	uint16_t *nseg = wr ? &chain->n_in : &chain->n_out;
	void *p;

	if (!wr && *seen_write)
		return VOB_FAULT_DIRECTION;
	*seen_write = wr; /* once set it stays: a readable segment returned above */
	/* out_len + in_len never passes 2^32 - 1, so this cannot wrap. */
	if (len > 0xffffffffu - chain->out_len - chain->in_len)
		return VOB_FAULT_LEN_OVERFLOW;
	*sum += len;
	if (!len)
		return VOB_FAULT_NONE;
	p = vob_link_translate(vq->link, addr, len, wr ? VOB_MAP_WRITE : VOB_MAP_READ, &w);
	if (!p)
		return VOB_FAULT_ADDRESS;
	iov = &chain->iov[chain->n_out + chain->n_in];
	iov->base = p;
	iov->len = len;
	iov->flags = (wr ? VOB_IOV_WRITE : 0u) | (VOB_WIN_CACHED(w) ? VOB_IOV_CACHED : 0u);
	(*nseg)++;
	return VOB_FAULT_NONE;
}
#endif

int vob_vq_set_fault(struct vob_vq *vq, enum vob_vq_fault f)
{
	if (!vq->fault)
		vq->fault = (uint8_t)f;
	vq->broken = 1;
	VOB_VQ_STAT(vq->stats.errors);
	return VOB_EPROTO;
}

/* Every public call on a queue starts here: a broken queue fails cleanly,
 * a call in the wrong role is refused. */
static int vq_check(const struct vob_vq *vq, uint8_t role)
{
	VOB_ASSERT(vq && vq->link);
	if (vq->broken)
		return VOB_EIO;
	if (VOB_ARG_BAD(role && vq->role != role))
		return VOB_EPERM;
	return 0;
}

int vob_vq_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
	       void *token)
{
#if VOB_CFG_DRIVER
	int err = vq_check(vq, VOB_ROLE_DRIVER);

	return err ? err
		   : VOB_VQ_PACKED(vq) ? vob_packed_add(vq, segs, n_out, n_in, token)
				       : vob_split_add(vq, segs, n_out, n_in, token);
#else
	(void)vq;
	(void)segs;
	(void)n_out;
	(void)n_in;
	(void)token;
	return VOB_ENOTSUP;
#endif
}

int vob_vq_kick_prepare(struct vob_vq *vq)
{
	int err = vq_check(vq, 0);

	return err ? err
		   : VOB_VQ_PACKED(vq) ? vob_packed_kick_prepare(vq) : vob_split_kick_prepare(vq);
}

int vob_vq_notify(struct vob_vq *vq)
{
	/* With NOTIFICATION_DATA the driver sends le32 {vq index:16,
	 * next_off:15, next_wrap:1}: both formats keep that position (split:
	 * the 16-bit avail index; packed: offset and wrap counter) in @kicked
	 * at each kick_prepare. */
	uint32_t data = VOB_VQ_DRIVER(vq) &&
				VOB_VQ_HAS(vq, VOB_CFG_NOTIF_DATA, VOB_F_NOTIFICATION_DATA)
			? (uint32_t)vq->index |
				  ((uint32_t)__atomic_load_n(&vq->kicked, __ATOMIC_RELAXED) << 16)
			: vq->index;

	return vob_link_doorbell(vq->link, vq->doorbell, data);
}

int vob_vq_kick(struct vob_vq *vq)
{
	int need = vob_vq_kick_prepare(vq);
	int err;

	if (need <= 0)
		return need;
	err = vob_vq_notify(vq);
	return err ? err : 1;
}

int vob_vq_get_used(struct vob_vq *vq, void **token, uint32_t *written)
{
#if VOB_CFG_DRIVER
	int err = vq_check(vq, VOB_ROLE_DRIVER);

	if (err)
		return err;
	if (VOB_ARG_BAD(!token || !written))
		return VOB_EINVAL;
	return VOB_VQ_PACKED(vq) ? vob_packed_get_used(vq, token, written)
				 : vob_split_get_used(vq, token, written);
#else
	(void)vq;
	(void)token;
	(void)written;
	return VOB_ENOTSUP;
#endif
}

int vob_vq_pop(struct vob_vq *vq, struct vob_chain *chain)
{
#if VOB_CFG_DEVICE
	int err = vq_check(vq, VOB_ROLE_DEVICE);

	if (err)
		return err;
	if (VOB_ARG_BAD(!chain || !chain->iov || chain->cap < vq->seg_max))
		return VOB_EINVAL;
	return VOB_VQ_PACKED(vq) ? vob_packed_pop(vq, chain) : vob_split_pop(vq, chain);
#else
	(void)vq;
	(void)chain;
	return VOB_ENOTSUP;
#endif
}

int vob_vq_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written)
{
#if VOB_CFG_DEVICE
	int err = vq_check(vq, VOB_ROLE_DEVICE);

	if (err)
		return err;
	/* A chain this queue popped and has not pushed (split head or packed
	 * buffer id), written no more than it can hold. */
	if (VOB_ARG_BAD(!chain || chain->head >= vq->size ||
			!vob_vq_inflight_test(vq, chain->head) || written > chain->in_len))
		return VOB_EINVAL;
	return VOB_VQ_PACKED(vq) ? vob_packed_push(vq, chain, written)
				 : vob_split_push(vq, chain, written);
#else
	(void)vq;
	(void)chain;
	(void)written;
	return VOB_ENOTSUP;
#endif
}

int vob_vq_enable_notify(struct vob_vq *vq)
{
	int err = vq_check(vq, 0);

	return err ? err
		   : VOB_VQ_PACKED(vq) ? vob_packed_enable_notify(vq) : vob_split_enable_notify(vq);
}

void vob_vq_disable_notify(struct vob_vq *vq)
{
	if (!vq_check(vq, 0))
		VOB_VQ_PACKED(vq) ? vob_packed_disable_notify(vq) : vob_split_disable_notify(vq);
}

void *vob_vq_reclaim(struct vob_vq *vq)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);

	if (!VOB_VQ_DRIVER(vq))
		return NULL;
	/* From here on the queue only gives tokens back. */
	vq->broken = 1;
	for (; vq->cursor < vq->size; vq->cursor++) {
		void *token = slot[vq->cursor].token;

		if (token) {
			slot[vq->cursor].token = NULL;
			vq->in_flight--;
			return token;
		}
	}
	return NULL;
}

uint16_t vob_vq_position(const struct vob_vq *vq)
{
	/* The next used position of either role; a packed ring's wrap counter
	 * there goes in bit 15, inverted (vob_vq_cfg::start). */
	uint16_t pos = VOB_VQ_DRIVER(vq) ? vq->last_used : vq->used_idx;

	return VOB_VQ_PACKED(vq) && !vq->used_wrap ? (uint16_t)(pos | 0x8000u) : pos;
}

int vob_vq_fault(const struct vob_vq *vq)
{
	return vq->fault;
}

const struct vob_vq_stats *vob_vq_stats(const struct vob_vq *vq)
{
	return &vq->stats;
}

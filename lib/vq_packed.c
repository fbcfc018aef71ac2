/* SPDX-License-Identifier: BSD-3-Clause */
/* Packed virtqueue (virtio 1.1+ section 2.8), driver and device roles.
 *
 * Ownership of the shared areas: both sides write the descriptor ring (the
 * driver makes descriptors available, the device overwrites them as used);
 * the driver alone writes the driver area (driver event suppression), the
 * device alone the device area (device event suppression). Because the
 * descriptor ring has two writers, vob_vq_init() refuses a packed queue
 * whose ring lies in a VOB_MEM_CACHED window (a whole-line write-back by one
 * side would revert the other's descriptors; see docs/packed.md). So this
 * file does no cache maintenance on ring memory: only on payload, through
 * the helpers vq.c shares with the split ring, and on indirect tables the
 * device reads through a cached mapping of its own.
 *
 * Positions and wrap counters: each side walks the ring with a position in
 * [0, size) and a one-bit wrap counter that starts at 1 and flips each time
 * the position passes the end of the ring. Sizes need not be powers of two,
 * so positions wrap by compare-and-subtract, never by a mask or a division.
 *
 * Buffer ids (driver role): every descriptor a chain holds takes one entry
 * of the driver's slot array, linked through slot.next as in the split
 * ring's free list; the chain's first slot is its buffer id and holds its
 * token. So num_free counts free ring positions and free ids at once. With
 * IN_ORDER the slots are the ring positions themselves (the id of a chain
 * is the position of its first descriptor), which lets the driver walk a
 * used batch in ring order.
 */
#include "mem_internal.h"

#include "vq_internal.h"

/* The whole format is left out with VOB_CFG_PACKED 0 (config.h). */
#if VOB_CFG_PACKED

struct vob_packed_desc {
	vob_le64_t addr;
	vob_le32_t len;
	vob_le16_t id;
	vob_le16_t flags;
};

/* Event suppression structure: le16 {off:15, wrap:1} at 0, le16 flags at 2.
 * Stored and loaded as one little-endian 32-bit word (off_wrap in bits 0-15,
 * flags in bits 16-31) so the peer never sees one field without the other. */
struct vob_packed_event {
	vob_le32_t word;
};

VOB_STATIC_ASSERT(sizeof(struct vob_packed_desc) == 16, packed_desc_size);
VOB_STATIC_ASSERT(offsetof(struct vob_packed_desc, len) == 8, packed_desc_len);
VOB_STATIC_ASSERT(offsetof(struct vob_packed_desc, id) == 12, packed_desc_id);
VOB_STATIC_ASSERT(offsetof(struct vob_packed_desc, flags) == 14, packed_desc_flags);
VOB_STATIC_ASSERT(sizeof(struct vob_packed_event) == VOB_PACKED_DRIVER_BYTES, packed_event_size);
VOB_STATIC_ASSERT(VOB_PACKED_DRIVER_BYTES == VOB_PACKED_DEVICE_BYTES, packed_event_sizes);

#define PACKED_F_AVAIL 0x0080u
#define PACKED_F_USED 0x8000u
#define PACKED_EVENT_ENABLE 0u
#define PACKED_EVENT_DISABLE 1u
#define PACKED_EVENT_DESC 2u
#define PACKED_WRAP_SHIFT 15

static inline struct vob_packed_desc *packed_ring(const struct vob_vq *vq)
{
	return (struct vob_packed_desc *)vq->desc;
}

static inline struct vob_packed_event *packed_driver_event(const struct vob_vq *vq)
{
	return (struct vob_packed_event *)vq->avail;
}

static inline struct vob_packed_event *packed_device_event(const struct vob_vq *vq)
{
	return (struct vob_packed_event *)vq->used;
}

static inline bool packed_event_idx(const struct vob_vq *vq)
{
	return VOB_VQ_EVENT_IDX(vq);
}

static inline bool packed_in_order(const struct vob_vq *vq)
{
	return VOB_VQ_IN_ORDER(vq);
}

/* @pos + @n for @n <= size, wrapped into the ring. */
static inline uint16_t packed_add(const struct vob_vq *vq, uint16_t pos, unsigned n)
{
	uint32_t p = (uint32_t)pos + n;

	return (uint16_t)(p >= vq->size ? p - vq->size : p);
}

/* Advance a position by @n <= size, flipping its wrap counter past the end. */
static inline uint16_t packed_step(const struct vob_vq *vq, uint16_t pos, unsigned n,
				   uint8_t *wrap)
{
	uint32_t p = (uint32_t)pos + n;

	if (p >= vq->size) {
		p -= vq->size;
		*wrap ^= 1u;
	}
	return (uint16_t)p;
}

/* AVAIL and USED bits of a descriptor made available (they differ, AVAIL
 * equal to the driver's wrap counter) or used (both equal to the device's). */
static inline uint16_t packed_avail_bits(uint8_t wrap)
{
	return wrap ? PACKED_F_AVAIL : PACKED_F_USED;
}

static inline uint16_t packed_used_bits(uint8_t wrap)
{
	return wrap ? (uint16_t)(PACKED_F_AVAIL | PACKED_F_USED) : 0u;
}

static inline bool packed_is_avail(uint16_t flags, uint8_t wrap)
{
	return (flags & (PACKED_F_AVAIL | PACKED_F_USED)) == packed_avail_bits(wrap);
}

static inline bool packed_is_used(uint16_t flags, uint8_t wrap)
{
	return (flags & (PACKED_F_AVAIL | PACKED_F_USED)) == packed_used_bits(wrap);
}

/* The wire form of a position: {off:15, wrap:1}. */
static inline uint16_t packed_off_wrap(uint16_t pos, uint8_t wrap)
{
	return (uint16_t)(pos | ((unsigned)wrap << PACKED_WRAP_SHIFT));
}

/* Publish this side's event suppression structure (one 32-bit store). */
static void packed_event_store(struct vob_packed_event *e, uint16_t off_wrap, uint16_t flags)
{
	vob_store_le32(&e->word, (uint32_t)off_wrap | ((uint32_t)flags << 16));
}

static inline uint16_t packed_since_add(const struct vob_vq *vq, unsigned n)
{
	unsigned s = (unsigned)vq->since_kick + n;

	return (uint16_t)(s > vq->size ? vq->size : s);
}

/* Both sides' avail and used positions begin at @start (vob_vq_cfg::start:
 * position in bits 0-14, bit 15 set for wrap counter 0). */
int vob_packed_init(struct vob_vq *vq, uint16_t start)
{
	/* With event indices, ask for an event at the first position, as the
	 * split ring's event index does; otherwise plain ENABLE. */
	uint16_t ev = packed_event_idx(vq) ? PACKED_EVENT_DESC : PACKED_EVENT_ENABLE;
	uint16_t pos = (uint16_t)(start & 0x7fffu);
	uint8_t wrap = (uint8_t)!(start >> PACKED_WRAP_SHIFT);
	uint16_t first = packed_off_wrap(pos, wrap);

	vq->avail_wrap = wrap;
	vq->used_wrap = wrap;
	vq->kicked = first;
	if (VOB_VQ_DRIVER(vq)) {
		struct vob_vq_slot *slot = vob_vq_slots(vq);
		uint16_t i;

		for (i = 0; i < vq->size; i++)
			slot[i].next = packed_add(vq, i, 1);
		vq->num_free = vq->size;
		vq->avail_idx = vq->last_used = pos;
		vq->next_order = pos; /* IN_ORDER: ids are ring positions */
		/* The ring starts as the previous lap left it: every descriptor
		 * used with the wrap counter it had then (before @pos this lap's,
		 * from @pos the one before), so none looks available or used to
		 * either side. For a fresh ring that is all zeros, as the format
		 * says. The device reads nothing before the driver is set up
		 * (the device table orders that). */
		vob_memset(vq->desc, 0, VOB_PACKED_DESC_BYTES(vq->size));
		for (i = 0; i < vq->size; i++)
			if (i < pos ? wrap : !wrap)
				vob_store_le16(&packed_ring(vq)[i].flags,
					       packed_used_bits(1));
		vq->avail_flags = ev;
		packed_event_store(packed_driver_event(vq), first, ev);
	} else {
		vq->last_avail = vq->used_idx = pos;
		vq->used_flags = ev;
		packed_event_store(packed_device_event(vq), first, ev);
	}
	return 0;
}

/* ---- driver role ---------------------------------------------------- */
#if VOB_CFG_DRIVER

/* Write the body of one descriptor at ring position @pos and its shadow in
 * slot @s. The flags go to shared memory separately. */
static void packed_write_desc(struct vob_vq *vq, uint16_t pos, uint16_t s, uint64_t addr,
			      uint32_t len, uint16_t flags, uint16_t next, uint16_t id)
{
	struct vob_vq_slot *sl = &vob_vq_slots(vq)[s];
	struct vob_packed_desc *d = &packed_ring(vq)[pos];

	sl->addr = addr;
	sl->len = len;
	sl->flags = flags;
	sl->next = next;
	d->addr = vob_to_le64(addr);
	d->len = vob_to_le32(len);
	d->id = vob_to_le16(id);
}

int vob_packed_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
		   void *token)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);
	struct vob_packed_desc *ring = packed_ring(vq);
	unsigned n = n_out + n_in, k, need;
	uint32_t in_len;
	uint16_t id, s, pos, first, head_flags, prev, after;
	uint8_t wrap;
	bool indirect, in_order = packed_in_order(vq);
	int err;

	err = vob_vq_add_prep(vq, segs, n_out, n_in, token, &in_len);
	if (err < 0)
		return err;
	need = (unsigned)err;
	indirect = VOB_CFG_INDIRECT && need < n;

	first = pos = vq->avail_idx;
	wrap = vq->avail_wrap;
	/* In order, the id is the ring position of the first descriptor; the
	 * free list gives it otherwise. */
	id = in_order ? pos : vq->free_head;
	head_flags = packed_avail_bits(wrap);
	if (indirect) {
		struct vob_vq_ind *shadow = vob_vq_ind_shadow(vq, id);
		struct vob_packed_desc *table = (struct vob_packed_desc *)vq->indirect +
						(size_t)id * vq->indirect_max;

		/* Inside a table only WRITE is valid; the id is ignored. */
		for (k = 0; k < n; k++) {
			uint16_t fl = (uint16_t)(k >= n_out ? VOB_DESC_F_WRITE : 0u);

			shadow[k].addr = segs[k].addr;
			shadow[k].len = segs[k].len;
			shadow[k].flags = fl;
			shadow[k].next = 0;
			table[k].addr = vob_to_le64(segs[k].addr);
			table[k].len = vob_to_le32(segs[k].len);
			table[k].id = vob_to_le16(0);
			table[k].flags = vob_to_le16(fl);
		}
		after = in_order ? packed_add(vq, id, 1) : slot[id].next;
		packed_write_desc(vq, pos, id,
				  vq->indirect_addr + (uint64_t)((size_t)id * vq->indirect_max * 16u),
				  (uint32_t)(n * 16u), VOB_DESC_F_INDIRECT, 0, id);
		head_flags |= VOB_DESC_F_INDIRECT;
		prev = id;
		pos = packed_step(vq, pos, 1, &wrap);
	} else {
		s = id;
		prev = id;
		for (k = 0; k < n; k++) {
			/* Read the link before this slot's shadow overwrites it. */
			uint16_t next = in_order ? packed_add(vq, s, 1) : slot[s].next;
			uint16_t fl = (uint16_t)((k + 1 < n ? VOB_DESC_F_NEXT : 0u) |
						 (k >= n_out ? VOB_DESC_F_WRITE : 0u));

			/* Every descriptor carries the id; the device reads it
			 * from the last one. */
			packed_write_desc(vq, pos, s, segs[k].addr, segs[k].len, fl,
					  k + 1 < n ? next : 0, id);
			if (k == 0)
				head_flags |= fl;
			else
				vob_store_le16(&ring[pos].flags,
					       (uint16_t)(fl | packed_avail_bits(wrap)));
			prev = s;
			s = next;
			pos = packed_step(vq, pos, 1, &wrap);
		}
		after = s;
	}
	vq->free_head = after;
	vq->num_free = (uint16_t)(vq->num_free - need);
	slot[id].token = token;
	slot[id].in_len = in_len;
	slot[id].ndesc = (uint16_t)need;
	slot[id].last = prev;
	if (VOB_LINK_CACHED(vq->link))
		vob_vq_sync_payload(vq, segs, n, true);

	/* Every later descriptor of the chain, the indirect table and the head's
	 * body before the head's flags, which make the whole chain available;
	 * pairs with the device's read barrier after it loads those flags. */
	VOB_WMB();
	vob_store_le16(&ring[first].flags, head_flags);
	vq->avail_idx = pos;
	vq->avail_wrap = wrap;
	vq->since_kick = packed_since_add(vq, need);
	vq->in_flight++;
	VOB_VQ_STAT(vq->stats.added);
	return 0;
}
#endif

/* The notification decision of both roles: this side's next position is
 * @pos/@wrap; the peer asks through its event suppression structure @e. */
static int packed_decide(struct vob_vq *vq, const struct vob_packed_event *e, uint16_t pos,
			 uint8_t wrap)
{
	uint16_t n = vq->since_kick, flags;
	uint32_t ev;
	bool need;

	/* Our flag stores before the load of the peer's event structure; pairs
	 * with the full barrier in the peer's enable_notify between its event
	 * store and its re-read of the ring. Without it both sides can miss. */
	VOB_MB();
	vq->since_kick = 0;
	__atomic_store_n(&vq->kicked, packed_off_wrap(pos, wrap), __ATOMIC_RELAXED);
	/* Offset, wrap and flags in one load: never a new offset with old flags. */
	ev = vob_load_le32(&e->word);
	flags = (uint16_t)((ev >> 16) & 3u);
	if (flags == PACKED_EVENT_DISABLE) {
		need = false;
	} else if (flags == PACKED_EVENT_DESC && packed_event_idx(vq) && n < vq->size) {
		/* The event names a position of this lap when its wrap bit is
		 * ours, else of the previous one: then count it size back, so
		 * that [pos - n, pos) and the event compare modulo 2^16. */
		uint16_t off = (uint16_t)(ev & 0x7fffu);

		if (((ev >> PACKED_WRAP_SHIFT) & 1u) != wrap)
			off = (uint16_t)(off - vq->size);
		need = vob_need_event(off, pos, (uint16_t)(pos - n));
	} else {
		/* ENABLE, a full lap published, DESC without EVENT_IDX, or the
		 * reserved value: notify if anything was published. */
		need = n != 0;
	}
	if (need)
		VOB_VQ_STAT(vq->stats.notify_sent);
	else if (n)
		VOB_VQ_STAT(vq->stats.notify_suppressed);
	return need;
}

int vob_packed_kick_prepare(struct vob_vq *vq)
{
	if (VOB_VQ_DRIVER(vq))
		return packed_decide(vq, packed_device_event(vq), vq->avail_idx, vq->avail_wrap);
	return packed_decide(vq, packed_driver_event(vq), vq->used_idx, vq->used_wrap);
}

#if VOB_CFG_DRIVER
/* With IN_ORDER, a device may return a batch with one used descriptor,
 * written at the batch's first position and naming the batch's last id.
 * Find how many chains, oldest first, it covers; 0 if @id is not the id of
 * one of the chains in flight. */
static unsigned packed_in_order_batch(const struct vob_vq *vq, uint16_t id)
{
	const struct vob_vq_slot *slot = vob_vq_slots(vq);
	uint16_t h = vq->next_order;
	unsigned n;

	for (n = 1; n <= vq->in_flight; n++) {
		if (!slot[h].token)
			return 0;
		if (h == id)
			return n;
		h = packed_add(vq, h, slot[h].ndesc);
	}
	return 0;
}

int vob_packed_get_used(struct vob_vq *vq, void **token, uint32_t *written)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);
	bool in_order = packed_in_order(vq);
	uint16_t head;

	if (!in_order || !vq->batch) {
		const struct vob_packed_desc *d = &packed_ring(vq)[vq->last_used];
		uint16_t flags = vob_load_le16(&d->flags), id;
		uint32_t len;

		if (!packed_is_used(flags, vq->used_wrap))
			return VOB_EAGAIN;
		/* The flags before the id and length they publish; pairs with
		 * the device's write barrier before it stores the flags. */
		VOB_RMB();
		/* One load each: the checks below and the uses after them must
		 * see the same values, whatever the device stores meanwhile. */
		id = vob_load_le16(&d->id);
		/* The length is reserved when WRITE is clear: nothing written. */
		len = (flags & VOB_DESC_F_WRITE) ? vob_load_le32(&d->len) : 0u;
		if (id >= vq->size)
			return vob_vq_set_fault(vq, VOB_FAULT_USED_ID);
		if (in_order) {
			if (!packed_in_order_batch(vq, id))
				return vob_vq_set_fault(vq, VOB_FAULT_IN_ORDER);
		} else if (!slot[id].token) {
			return vob_vq_set_fault(vq, VOB_FAULT_USED_ID);
		}
		if (len > slot[id].in_len)
			return vob_vq_set_fault(vq, VOB_FAULT_USED_LEN);
		vq->batch = 1;
		vq->batch_last = id;
		vq->batch_len = len;
	}
	/* Hand out the oldest chain of the batch (without IN_ORDER the batch
	 * is the one chain the descriptor names). */
	head = in_order ? vq->next_order : vq->batch_last;
	/* A chain the batch skips was used completely (spec, "In-order use of
	 * descriptors"). */
	*written = slot[head].in_len;
	if (head == vq->batch_last) {
		*written = vq->batch_len;
		vq->batch = 0;
	}
	if (in_order)
		vq->next_order = packed_add(vq, head, slot[head].ndesc);
	/* Both sides skip the chain's length: the next used descriptor is
	 * written after all the positions this chain held. */
	vq->last_used = packed_step(vq, vq->last_used, slot[head].ndesc, &vq->used_wrap);
	vob_vq_used_done(vq, head, token);
	return 0;
}

#endif

/* ---- device role ---------------------------------------------------- */
#if VOB_CFG_DEVICE

/* Walk the indirect table at @addr/@len. Each entry is copied out once,
 * byte-wise: the driver chooses the table's address, and nothing makes it
 * aligned (an unaligned word load would fault on a Cortex-M0). */
static enum vob_vq_fault packed_walk_indirect(struct vob_vq *vq, struct vob_chain *chain,
					      bool *seen_write, uint64_t addr, uint32_t len)
{
	const uint8_t *table;
	const struct vob_window *win;
	uint32_t i, n = len >> 4;

	if (len == 0 || (len & 15u) || n > vq->seg_max)
		return VOB_FAULT_INDIRECT_LEN;
	table = (const uint8_t *)vob_link_translate(vq->link, addr, len, VOB_MAP_READ, &win);
	if (!table)
		return VOB_FAULT_ADDRESS;
	/* Only the driver writes the table; drop any stale copy of it. */
	if (VOB_WIN_CACHED(win))
		vob_link_invalidate(vq->link, table, len);
	for (i = 0; i < n; i++) {
		struct vob_packed_desc t;
		uint64_t a;
		uint32_t l;
		uint16_t fl;
		enum vob_vq_fault f;

		vob_memcpy(&t, table + 16u * i, sizeof(t));
		a = vob_le64(t.addr);
		l = vob_le32(t.len);
		fl = vob_le16(t.flags);

		/* Only WRITE is valid here; NEXT and the id are ignored (the
		 * table length gives the count), an indirect entry is refused
		 * rather than taken for data. */
		if (fl & VOB_DESC_F_INDIRECT)
			return VOB_FAULT_INDIRECT_NESTED;
		f = vob_vq_chain_seg(vq, chain, seen_write, a, l, (fl & VOB_DESC_F_WRITE) != 0);
		if (f != VOB_FAULT_NONE)
			return f;
		/* Appended (a zero-length one is not): no ring descriptor. */
		if (l)
			chain->iov[chain->n_out + chain->n_in - 1u].flags |= VOB_IOV_INDIRECT;
	}
	return VOB_FAULT_NONE;
}

/* Walk and validate the chain whose first descriptor, at last_avail, has
 * @flags (already loaded and seen available). Sets the chain's id, the ring
 * descriptors it holds, and the position and wrap after it. */
static enum vob_vq_fault packed_walk(struct vob_vq *vq, uint16_t flags, struct vob_chain *chain,
				     uint16_t *id, uint16_t *ndesc, uint16_t *pos_out,
				     uint8_t *wrap_out)
{
	const struct vob_packed_desc *ring = packed_ring(vq);
	bool seen_write = false;
	uint16_t pos = vq->last_avail;
	uint8_t wrap = vq->avail_wrap;
	unsigned k = 0;

	chain->n_out = 0;
	chain->n_in = 0;
	chain->out_len = 0;
	chain->in_len = 0;
	for (;;) {
		struct vob_packed_desc d;
		enum vob_vq_fault f;
		uint64_t addr;
		uint32_t len;

		/* The chain would be longer than the ring, or reach into
		 * positions whose chains are still in flight here. */
		if (k == vq->size)
			return VOB_FAULT_LOOP;
		if (k + vq->ring_busy >= vq->size)
			return VOB_FAULT_AVAIL_IDX;
		/* The one read of this descriptor: what is checked is what is
		 * used. The head's acquire in vob_packed_pop() orders it after
		 * the driver's stores of the whole chain. */
		vob_memcpy(&d, &ring[pos], sizeof(d));
		if (k) {
			flags = vob_le16(d.flags);
			if (!packed_is_avail(flags, wrap))
				return VOB_FAULT_PACKED_WRAP;
		}
		addr = vob_le64(d.addr);
		len = vob_le32(d.len);
		*id = vob_le16(d.id);
		k++;
		pos = packed_step(vq, pos, 1, &wrap);
		if (flags & VOB_DESC_F_INDIRECT) {
			/* Only a lone descriptor may point to a table. */
			if (!VOB_VQ_INDIRECT(vq) ||
			    (flags & VOB_DESC_F_NEXT) || k > 1)
				return VOB_FAULT_INDIRECT;
			f = packed_walk_indirect(vq, chain, &seen_write, addr, len);
			if (f != VOB_FAULT_NONE)
				return f;
			break;
		}
		if (k > vq->seg_max)
			return VOB_FAULT_TOO_LONG;
		f = vob_vq_chain_seg(vq, chain, &seen_write, addr, len,
				     (flags & VOB_DESC_F_WRITE) != 0);
		if (f != VOB_FAULT_NONE)
			return f;
		if (!(flags & VOB_DESC_F_NEXT))
			break;
	}
	*ndesc = (uint16_t)k;
	*pos_out = pos;
	*wrap_out = wrap;
	return VOB_FAULT_NONE;
}

int vob_packed_pop(struct vob_vq *vq, struct vob_chain *chain)
{
	const struct vob_packed_desc *d = &packed_ring(vq)[vq->last_avail];
	uint16_t flags = vob_load_le16(&d->flags), id = 0, ndesc = 0, pos = 0;
	uint8_t wrap = 0;
	enum vob_vq_fault f;

	if (!packed_is_avail(flags, vq->avail_wrap))
		return VOB_EAGAIN;
	/* The first descriptor's flags before everything they publish (the
	 * rest of the chain, the indirect table); pairs with the driver's write
	 * barrier before it stores those flags. */
	VOB_RMB();
	f = packed_walk(vq, flags, chain, &id, &ndesc, &pos, &wrap);
	if (f != VOB_FAULT_NONE)
		return vob_vq_set_fault(vq, f);
	if (id >= vq->size)
		return vob_vq_set_fault(vq, VOB_FAULT_HEAD_RANGE);
	if (vob_vq_inflight_test(vq, id))
		return vob_vq_set_fault(vq, VOB_FAULT_HEAD_BUSY);
	chain->head = id;
	vob_vq_inflight_set(vq, id, true);
	vob_vq_dev_ndesc(vq)[id] = ndesc;
	if (packed_in_order(vq)) {
		vob_vq_dev_order(vq)[vq->next_order] = id;
		vq->next_order = packed_add(vq, vq->next_order, 1);
	}
	vq->ring_busy = (uint16_t)(vq->ring_busy + ndesc);
	vq->last_avail = pos;
	vq->avail_wrap = wrap;
	VOB_VQ_STAT(vq->stats.added);
	return 0;
}

int vob_packed_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written)
{
	struct vob_packed_desc *d;
	uint16_t head, ndesc;

	head = chain->head;
	if (packed_in_order(vq)) {
		if (VOB_ARG_BAD(vob_vq_dev_order(vq)[vq->push_order] != head))
			return VOB_EINVAL;
		vq->push_order = packed_add(vq, vq->push_order, 1);
	}
	ndesc = vob_vq_dev_ndesc(vq)[head];
	/* One used descriptor for the chain, at the next used position (it
	 * overwrites a descriptor this side already consumed). */
	d = &packed_ring(vq)[vq->used_idx];
	vob_store_le16(&d->id, head);
	vob_store_le32(&d->len, written);
	/* The id and length before the flags that publish them; pairs with the
	 * driver's read barrier after it loads the flags. */
	VOB_WMB();
	vob_store_le16(&d->flags,
		       (uint16_t)(packed_used_bits(vq->used_wrap) | (written ? VOB_DESC_F_WRITE : 0u)));
	vq->used_idx = packed_step(vq, vq->used_idx, ndesc, &vq->used_wrap);
	vq->ring_busy = (uint16_t)(vq->ring_busy - ndesc);
	vq->since_kick = packed_since_add(vq, ndesc);
	vob_vq_inflight_set(vq, head, false);
	VOB_VQ_STAT(vq->stats.used);
	return 0;
}

#endif

/* ---- notification control, both roles ------------------------------- */

int vob_packed_enable_notify(struct vob_vq *vq)
{
	const struct vob_packed_desc *ring = packed_ring(vq);
	uint16_t flags;

	if (VOB_VQ_DRIVER(vq)) {
		if (packed_event_idx(vq)) {
			vq->avail_flags = PACKED_EVENT_DESC;
			packed_event_store(packed_driver_event(vq),
					   packed_off_wrap(vq->last_used, vq->used_wrap),
					   PACKED_EVENT_DESC);
		} else if (vq->avail_flags != PACKED_EVENT_ENABLE) {
			vq->avail_flags = PACKED_EVENT_ENABLE;
			packed_event_store(packed_driver_event(vq),
					   packed_off_wrap(vq->last_used, vq->used_wrap),
					   PACKED_EVENT_ENABLE);
		}
		/* Our event store before re-reading the ring; pairs with the
		 * barrier in the peer's kick_prepare. */
		VOB_MB();
		flags = vob_load_le16(&ring[vq->last_used].flags);
		return packed_is_used(flags, vq->used_wrap) || vq->batch;
	}
	if (packed_event_idx(vq)) {
		vq->used_flags = PACKED_EVENT_DESC;
		packed_event_store(packed_device_event(vq),
				   packed_off_wrap(vq->last_avail, vq->avail_wrap), PACKED_EVENT_DESC);
	} else if (vq->used_flags != PACKED_EVENT_ENABLE) {
		vq->used_flags = PACKED_EVENT_ENABLE;
		packed_event_store(packed_device_event(vq),
				   packed_off_wrap(vq->last_avail, vq->avail_wrap), PACKED_EVENT_ENABLE);
	}
	VOB_MB(); /* as above, mirrored */
	flags = vob_load_le16(&ring[vq->last_avail].flags);
	return packed_is_avail(flags, vq->avail_wrap);
}

void vob_packed_disable_notify(struct vob_vq *vq)
{
	/* Unlike a split ring's event index, a stale DESC event fires again
	 * every other lap: write DISABLE, once per enable. */
	if (VOB_VQ_DRIVER(vq) && vq->avail_flags != PACKED_EVENT_DISABLE) {
		vq->avail_flags = PACKED_EVENT_DISABLE;
		packed_event_store(packed_driver_event(vq),
				   packed_off_wrap(vq->last_used, vq->used_wrap), PACKED_EVENT_DISABLE);
	} else if (!VOB_VQ_DRIVER(vq) && vq->used_flags != PACKED_EVENT_DISABLE) {
		vq->used_flags = PACKED_EVENT_DISABLE;
		packed_event_store(packed_device_event(vq),
				   packed_off_wrap(vq->last_avail, vq->avail_wrap), PACKED_EVENT_DISABLE);
	}
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int vob_packed_compiled_out;
#endif

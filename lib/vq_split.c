/* SPDX-License-Identifier: BSD-3-Clause */
/* Split virtqueue (virtio 1.x section 2.7), driver and device roles.
 *
 * Ownership of the shared areas: the driver writes the descriptor table and
 * the driver area (avail ring, used_event); the device writes the device
 * area (used ring, avail_event). Each starts on its own cache line, so on a
 * cached non-coherent window each side cleans only lines it alone writes
 * and invalidates only lines the peer alone writes. */
#include "mem_internal.h"

#include "vq_internal.h"

struct vob_split_desc {
	vob_le64_t addr;
	vob_le32_t len;
	vob_le16_t flags;
	vob_le16_t next;
};

struct vob_split_avail {
	vob_le16_t flags;
	vob_le16_t idx;
	vob_le16_t ring[1]; /* size entries, then used_event */
};

struct vob_split_used_elem {
	vob_le32_t id;
	vob_le32_t len;
};

struct vob_split_used {
	vob_le16_t flags;
	vob_le16_t idx;
	struct vob_split_used_elem ring[1]; /* size entries, then avail_event */
};

VOB_STATIC_ASSERT(sizeof(struct vob_split_desc) == 16, split_desc_size);
VOB_STATIC_ASSERT(offsetof(struct vob_split_desc, len) == 8, split_desc_len);
VOB_STATIC_ASSERT(offsetof(struct vob_split_desc, flags) == 12, split_desc_flags);
VOB_STATIC_ASSERT(offsetof(struct vob_split_desc, next) == 14, split_desc_next);
VOB_STATIC_ASSERT(offsetof(struct vob_split_avail, ring) == 4, split_avail_ring);
VOB_STATIC_ASSERT(offsetof(struct vob_split_used, ring) == 4, split_used_ring);
VOB_STATIC_ASSERT(sizeof(struct vob_split_used_elem) == 8, split_used_elem);

/* Fault injection for the simulated-link tests (CMake VOB_FAULT_INJECT):
 * each switch removes exactly one cache operation, to prove the tests on a
 * non-coherent link notice. Never defined in a real build. */
#ifdef VOB_FAULT_SKIP_CLEAN
#define SPLIT_CLEAN_USED_ELEM 0
#else
#define SPLIT_CLEAN_USED_ELEM 1
#endif
#ifdef VOB_FAULT_SKIP_INVALIDATE
#define SPLIT_INVALIDATE_AVAIL_ENTRY 0
#else
#define SPLIT_INVALIDATE_AVAIL_ENTRY 1
#endif

#define SPLIT_AVAIL_F_NO_INTERRUPT 1u
#define SPLIT_USED_F_NO_NOTIFY 1u

#if VOB_CFG_DRIVER
static inline struct vob_split_desc *split_desc(const struct vob_vq *vq)
{
	return (struct vob_split_desc *)vq->desc;
}
#endif

static inline struct vob_split_avail *split_avail(const struct vob_vq *vq)
{
	return (struct vob_split_avail *)vq->avail;
}

static inline struct vob_split_used *split_used(const struct vob_vq *vq)
{
	return (struct vob_split_used *)vq->used;
}

/* used_event sits after the avail ring, avail_event after the used ring. */
static inline vob_le16_t *split_used_event(const struct vob_vq *vq)
{
	return &split_avail(vq)->ring[vq->size];
}

static inline vob_le16_t *split_avail_event(const struct vob_vq *vq)
{
	return (vob_le16_t *)&split_used(vq)->ring[vq->size];
}

#define split_event_idx(vq) VOB_VQ_EVENT_IDX(vq)
#define split_in_order(vq) VOB_VQ_IN_ORDER(vq)

/* Store a field this side owns and, on a cached window, write it back. */
static void split_store16(const struct vob_vq *vq, vob_le16_t *p, uint16_t v, uint8_t cached)
{
	vob_store_le16(p, v);
	if (cached)
		vob_link_clean(vq->link, p, sizeof(*p));
}

/* Load a field the peer owns, after dropping any stale cached copy. */
static uint16_t split_load16(const struct vob_vq *vq, const vob_le16_t *p, uint8_t cached)
{
	if (cached)
		vob_link_invalidate(vq->link, p, sizeof(*p));
	return vob_load_le16(p);
}

/* Published index @idx back where the last notification decision
 * (split_decide()) left it: a lap of 65536 since; remembered until the
 * next decision. */
static inline void split_lap(struct vob_vq *vq, uint16_t idx)
{
	if (idx == vq->kicked)
		vq->since_kick = 1;
}

/* Both sides' indices begin at @start (vob_vq_cfg::start): the driver's
 * avail index and the used index it expects, the device's next avail entry
 * and its used index; event words ask for the first entry there. */
int vob_split_init(struct vob_vq *vq, uint16_t start)
{
	/* The words this role writes (driver: avail area, device: used
	 * area; the event word after its ring), picked before the stores to
	 * shared memory, which may alias the queue's fields for GCC. */
	vob_le16_t *flags, *idx, *event;
	uint8_t cached;

	vq->kicked = start;
	if (VOB_VQ_DRIVER(vq)) {
		struct vob_vq_slot *slot = vob_vq_slots(vq);
		unsigned i;

		for (i = 0; i < vq->size; i++)
			slot[i].next = (uint16_t)((i + 1u) & (vq->size - 1u));
		vq->num_free = vq->size;
		vq->avail_idx = vq->last_used = vq->used_seen = start;
		flags = &split_avail(vq)->flags;
		idx = &split_avail(vq)->idx;
		event = split_used_event(vq);
		cached = vq->c_avail;
	} else {
		vq->last_avail = vq->avail_seen = vq->used_idx = start;
		flags = &split_used(vq)->flags;
		idx = &split_used(vq)->idx;
		event = split_avail_event(vq);
		cached = vq->c_used;
	}
	split_store16(vq, flags, 0, cached);
	split_store16(vq, event, start, cached);
	split_store16(vq, idx, start, cached);
	return 0;
}

/* ---- driver role ---------------------------------------------------- */
#if VOB_CFG_DRIVER

/* Write one descriptor for segment @seg: shadow first, then shared memory
 * from the shadow. */
static VOB_NOINLINE void split_write_desc(struct vob_vq *vq, uint16_t i, const struct vob_seg *seg,
					  uint16_t flags, uint16_t next)
{
	struct vob_vq_slot *s = &vob_vq_slots(vq)[i];
	struct vob_split_desc *d = &split_desc(vq)[i];
	uint64_t addr = seg->addr;
	uint32_t len = seg->len;

	s->addr = addr;
	s->len = len;
	s->flags = flags;
	s->next = next;
	d->addr = vob_to_le64(addr);
	d->len = vob_to_le32(len);
	d->flags = vob_to_le16(flags);
	d->next = vob_to_le16(next);
	if (vq->c_desc)
		vob_link_clean(vq->link, d, sizeof(*d));
}

int vob_split_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
		  void *token)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);
	struct vob_split_avail *avail = split_avail(vq);
	unsigned n = n_out + n_in, k, need;
	vob_le16_t *entry;
	uint32_t in_len;
	uint16_t head, i, prev = 0, after, mask = (uint16_t)(vq->size - 1u), idx;
	bool indirect;
	int err;

	err = vob_vq_add_prep(vq, segs, n_out, n_in, token, &in_len);
	if (err < 0)
		return err;
	need = (unsigned)err;
	indirect = VOB_CFG_INDIRECT && need < n;

	head = vq->free_head;
	if (indirect) {
		struct vob_vq_ind *shadow = vob_vq_ind_shadow(vq, head);
		struct vob_split_desc *table = (struct vob_split_desc *)vq->indirect +
					       (size_t)head * vq->indirect_max;
		struct vob_seg tab; /* the table, as the ring descriptor's segment */

		for (k = 0; k < n; k++) {
			uint16_t fl = (uint16_t)((k + 1 < n ? VOB_DESC_F_NEXT : 0u) |
						 (k >= n_out ? VOB_DESC_F_WRITE : 0u));

			shadow[k].addr = segs[k].addr;
			shadow[k].len = segs[k].len;
			shadow[k].flags = fl;
			shadow[k].next = (uint16_t)(k + 1 < n ? k + 1 : 0);
			table[k].addr = vob_to_le64(segs[k].addr);
			table[k].len = vob_to_le32(segs[k].len);
			table[k].flags = vob_to_le16(fl);
			table[k].next = vob_to_le16(shadow[k].next);
		}
		if (vq->c_indirect)
			vob_link_clean(vq->link, table, n * sizeof(*table));
		after = split_in_order(vq) ? (uint16_t)((head + 1u) & mask) : slot[head].next;
		tab.addr = vq->indirect_addr + (uint64_t)((size_t)head * vq->indirect_max * 16u);
		tab.len = (uint32_t)(n * 16u);
		split_write_desc(vq, head, &tab, VOB_DESC_F_INDIRECT, 0);
		prev = head;
	} else {
		i = head;
		for (k = 0; k < n; k++) {
			/* In-order descriptors follow ring order; otherwise the free
			 * list gives the next one. Read the link before the shadow
			 * of this descriptor overwrites it. */
			uint16_t next = split_in_order(vq) ? (uint16_t)((i + 1u) & mask) : slot[i].next;
			uint16_t fl = (uint16_t)((k + 1 < n ? VOB_DESC_F_NEXT : 0u) |
						 (k >= n_out ? VOB_DESC_F_WRITE : 0u));

			split_write_desc(vq, i, &segs[k], fl, k + 1 < n ? next : 0);
			prev = i;
			i = next;
		}
		after = i;
	}
	vq->free_head = after;
	vq->num_free = (uint16_t)(vq->num_free - need);
	slot[head].token = token;
	slot[head].in_len = in_len;
	slot[head].ndesc = (uint16_t)need;
	slot[head].last = prev;
	if (VOB_LINK_CACHED(vq->link))
		vob_vq_sync_payload(vq, segs, n, true);

	idx = vq->avail_idx;
	entry = &avail->ring[idx & mask];
	*entry = vob_to_le16(head);
	/* An entry on the index's own line goes out with the index's clean
	 * below, in the same line write-back, never after it: one line across
	 * the link instead of two. */
	if (VOB_IS_CACHED(vq->c_avail) && (((uintptr_t)entry ^ (uintptr_t)&avail->idx) &
			    ~((uintptr_t)vob_link_line(vq->link) - 1u)))
		vob_link_clean(vq->link, entry, 2);
	vq->avail_idx = ++idx;
	split_lap(vq, idx);
	/* Descriptors and the ring entry before the index that publishes them;
	 * pairs with the device's read barrier after it loads avail->idx. */
	VOB_WMB();
	split_store16(vq, &avail->idx, idx, vq->c_avail);
	vq->in_flight++;
	VOB_VQ_STAT(vq->stats.added);
	return 0;
}
#endif

/* The notification decision of both roles: publish index @new_idx was
 * stored; the peer asks through @event (with EVENT_IDX) or @flags. After
 * 65536 publishes or more since the last decision, the 16-bit indices no
 * longer tell how far the peer is behind (new == old after exactly 65536):
 * notify. */
static int split_decide(struct vob_vq *vq, const vob_le16_t *event, const vob_le16_t *flags,
			uint16_t flag_bit, uint8_t cached, uint16_t new_idx)
{
	uint16_t old = vq->kicked;
	bool need, lapped = vq->since_kick != 0;

	/* The index store before the load of the peer's event word; pairs with
	 * the full barrier in the peer's enable_notify between its event store
	 * and its re-read of our index. Without it both sides can miss. */
	VOB_MB();
	__atomic_store_n(&vq->kicked, new_idx, __ATOMIC_RELAXED);
	vq->since_kick = 0;
	if (lapped)
		need = true;
	else if (split_event_idx(vq))
		need = vob_need_event(split_load16(vq, event, cached), new_idx, old);
	else
		need = new_idx != old && !(split_load16(vq, flags, cached) & flag_bit);
	if (need)
		VOB_VQ_STAT(vq->stats.notify_sent);
	else if (new_idx != old)
		VOB_VQ_STAT(vq->stats.notify_suppressed);
	return need;
}

int vob_split_kick_prepare(struct vob_vq *vq)
{
	bool drv = VOB_VQ_DRIVER(vq);

	/* One call with the role's operands: GCC inlines split_decide() once. */
	return split_decide(vq, drv ? split_avail_event(vq) : split_used_event(vq),
			    drv ? &split_used(vq)->flags : &split_avail(vq)->flags,
			    drv ? SPLIT_USED_F_NO_NOTIFY : SPLIT_AVAIL_F_NO_INTERRUPT,
			    drv ? vq->c_used : vq->c_avail, drv ? vq->avail_idx : vq->used_idx);
}

#if VOB_CFG_DRIVER
/* With IN_ORDER, a device may return a batch with one used entry, written at
 * the batch's first position and naming the batch's last head. Find how many
 * chains, oldest first, the entry covers; 0 if @id is not among the next
 * @avail chains in flight. */
static unsigned split_in_order_batch(const struct vob_vq *vq, uint16_t id, uint16_t avail)
{
	const struct vob_vq_slot *slot = vob_vq_slots(vq);
	uint16_t h = vq->next_order;
	unsigned n;

	for (n = 1; n <= avail; n++) {
		if (!slot[h].token)
			return 0;
		if (h == id)
			return n;
		h = (uint16_t)((h + slot[h].ndesc) & (vq->size - 1u));
	}
	return 0;
}

int vob_split_get_used(struct vob_vq *vq, void **token, uint32_t *written)
{
	struct vob_vq_slot *slot = vob_vq_slots(vq);
	struct vob_split_used *used = split_used(vq);
	uint16_t mask = (uint16_t)(vq->size - 1u), head;
	uint32_t id, len;

	/* Only IN_ORDER opens a used batch (vob_vq_init() cleared it). */
	if (vq->last_used == vq->used_seen && !(VOB_CFG_IN_ORDER && vq->batch)) {
		uint16_t idx = split_load16(vq, &used->idx, vq->c_used);

		if ((uint16_t)(idx - vq->last_used) > vq->in_flight)
			return vob_vq_set_fault(vq, VOB_FAULT_USED_IDX);
		if (idx == vq->last_used)
			return VOB_EAGAIN;
		vq->used_seen = idx;
		/* The used index before the entries it covers; pairs with the
		 * device's write barrier before it stores used->idx. */
		VOB_RMB();
	}

	if (split_in_order(vq)) {
		if (!vq->batch) {
			struct vob_split_used_elem *e = &used->ring[vq->last_used & mask];
			unsigned n;

			if (vq->c_used)
				vob_link_invalidate(vq->link, e, sizeof(*e));
			id = vob_load_le32(&e->id);
			len = vob_load_le32(&e->len);
			if (id >= vq->size)
				return vob_vq_set_fault(vq, VOB_FAULT_USED_ID);
			n = split_in_order_batch(vq, (uint16_t)id,
						 (uint16_t)(vq->used_seen - vq->last_used));
			if (!n)
				return vob_vq_set_fault(vq, VOB_FAULT_IN_ORDER);
			if (len > slot[id].in_len)
				return vob_vq_set_fault(vq, VOB_FAULT_USED_LEN);
			vq->batch = 1;
			vq->batch_last = (uint16_t)id;
			vq->batch_len = len;
		}
		head = vq->next_order;
		/* A chain the batch skips was used completely (spec, "In-order use of
		 * descriptors"). */
		*written = slot[head].in_len;
		if (head == vq->batch_last) {
			*written = vq->batch_len;
			vq->batch = 0;
		}
		vq->next_order = (uint16_t)((head + slot[head].ndesc) & mask);
	} else {
		struct vob_split_used_elem *e = &used->ring[vq->last_used & mask];

		if (vq->c_used)
			vob_link_invalidate(vq->link, e, sizeof(*e));
		id = vob_load_le32(&e->id);
		len = vob_load_le32(&e->len);
		if (id >= vq->size || !slot[id].token)
			return vob_vq_set_fault(vq, VOB_FAULT_USED_ID);
		if (len > slot[id].in_len)
			return vob_vq_set_fault(vq, VOB_FAULT_USED_LEN);
		head = (uint16_t)id;
		*written = len;
	}
	vq->last_used++;
	vob_vq_used_done(vq, head, token);
	return 0;
}

#endif

/* ---- device role ---------------------------------------------------- */
#if VOB_CFG_DEVICE

/* Walk and validate the chain at @head into @chain; returns 0 or a fault.
 * Every descriptor is copied out of shared memory once, then checked. */
static enum vob_vq_fault split_walk(struct vob_vq *vq, uint16_t head, struct vob_chain *chain,
				    uint16_t *ring_descs)
{
	/* Bytes, not descriptors: an indirect table may sit at any address the
	 * driver chose, so each entry is copied out with memcpy. */
	const uint8_t *table = (const uint8_t *)vq->desc;
	uint32_t tsize = vq->size, count = 0, total = 0;
	uint8_t cached = vq->c_desc;
	bool indirect = false, seen_write = false;
	uint16_t i = head;

	chain->n_out = 0;
	chain->n_in = 0;
	chain->out_len = 0;
	chain->in_len = 0;
	*ring_descs = 0;
	for (;;) {
		const uint8_t *src = table + (size_t)i * sizeof(struct vob_split_desc);
		struct vob_split_desc d;
		const struct vob_window *w;
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		enum vob_vq_fault f;

		if (count++ >= tsize)
			return VOB_FAULT_LOOP;
		if (!indirect)
			(*ring_descs)++;
		if (cached)
			vob_link_invalidate(vq->link, src, sizeof(d));
		vob_memcpy(&d, src, sizeof(d)); /* the one read of this descriptor */
		addr = vob_le64(d.addr);
		len = vob_le32(d.len);
		flags = vob_le16(d.flags);
		next = vob_le16(d.next);

		if (flags & VOB_DESC_F_INDIRECT) {
			if (indirect)
				return VOB_FAULT_INDIRECT_NESTED;
			if (!VOB_VQ_INDIRECT(vq) ||
			    (flags & VOB_DESC_F_NEXT))
				return VOB_FAULT_INDIRECT;
			if (len == 0 || (len & 15u) || len / 16u > vq->seg_max)
				return VOB_FAULT_INDIRECT_LEN;
			table = (const uint8_t *)vob_link_translate(vq->link, addr, len,
								     VOB_MAP_READ, &w);
			if (!table)
				return VOB_FAULT_ADDRESS;
			cached = VOB_WIN_CACHED(w);
			tsize = len / 16u;
			indirect = true;
			count = 0;
			i = 0;
			continue;
		}
		if (++total > vq->seg_max)
			return VOB_FAULT_TOO_LONG;
		f = vob_vq_chain_seg(vq, chain, &seen_write, addr, len,
				     (flags & VOB_DESC_F_WRITE) != 0);
		if (f != VOB_FAULT_NONE)
			return f;
		/* Appended (a zero-length one is not): one of the table's. */
		if (indirect && len)
			chain->iov[chain->n_out + chain->n_in - 1u].flags |= VOB_IOV_INDIRECT;
		if (!(flags & VOB_DESC_F_NEXT))
			break;
		if (next >= tsize)
			return VOB_FAULT_NEXT_RANGE;
		i = next;
	}
	return VOB_FAULT_NONE;
}

int vob_split_pop(struct vob_vq *vq, struct vob_chain *chain)
{
	struct vob_split_avail *avail = split_avail(vq);
	enum vob_vq_fault f;
	uint16_t head, ring_descs, slot = (uint16_t)(vq->last_avail & (vq->size - 1u));

	if (vq->last_avail == vq->avail_seen) {
		uint16_t idx = split_load16(vq, &avail->idx, vq->c_avail);

		if ((uint16_t)(idx - vq->last_avail) > vq->size)
			return vob_vq_set_fault(vq, VOB_FAULT_AVAIL_IDX);
		if (idx == vq->last_avail)
			return VOB_EAGAIN;
		vq->avail_seen = idx;
		/* The avail index before the ring entries and descriptors it
		 * publishes; pairs with the driver's write barrier before it
		 * stores avail->idx. */
		VOB_RMB();
	}
	head = split_load16(vq, &avail->ring[slot],
			    (uint8_t)(vq->c_avail && SPLIT_INVALIDATE_AVAIL_ENTRY));
	if (head >= vq->size)
		return vob_vq_set_fault(vq, VOB_FAULT_HEAD_RANGE);
	if (split_in_order(vq) && head != vq->next_order)
		return vob_vq_set_fault(vq, VOB_FAULT_IN_ORDER);
	if (vob_vq_inflight_test(vq, head))
		return vob_vq_set_fault(vq, VOB_FAULT_HEAD_BUSY);
	f = split_walk(vq, head, chain, &ring_descs);
	if (f != VOB_FAULT_NONE)
		return vob_vq_set_fault(vq, f);
	chain->head = head;
	vob_vq_inflight_set(vq, head, true);
	/* In-order bookkeeping: where the next head must be, and how far the
	 * push of this one moves. */
	if (VOB_CFG_IN_ORDER) {
		vob_vq_dev_ndesc(vq)[head] = ring_descs;
		vq->next_order = (uint16_t)((head + ring_descs) & (vq->size - 1u));
	}
	vq->last_avail++;
	VOB_VQ_STAT(vq->stats.added);
	return 0;
}

int vob_split_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written)
{
	struct vob_split_used *used = split_used(vq);
	struct vob_split_used_elem *e;
	uint16_t head, idx = vq->used_idx;

	head = chain->head;
	if (split_in_order(vq)) {
		if (VOB_ARG_BAD(head != vq->push_order))
			return VOB_EINVAL;
		vq->push_order = (uint16_t)((head + vob_vq_dev_ndesc(vq)[head]) & (vq->size - 1u));
	}
	e = &used->ring[idx & (vq->size - 1u)];
	vob_store_le32(&e->id, head);
	vob_store_le32(&e->len, written);
	if (vq->c_used && SPLIT_CLEAN_USED_ELEM)
		vob_link_clean(vq->link, e, sizeof(*e));
	vq->used_idx = ++idx;
	split_lap(vq, idx);
	/* The used entry before the index that publishes it; pairs with the
	 * driver's read barrier after it loads used->idx. */
	VOB_WMB();
	split_store16(vq, &used->idx, idx, vq->c_used);
	vob_vq_inflight_set(vq, head, false);
	VOB_VQ_STAT(vq->stats.used);
	return 0;
}

#endif

/* ---- notification control, both roles ------------------------------- */

int vob_split_enable_notify(struct vob_vq *vq)
{
	uint16_t idx;

	if (VOB_VQ_DRIVER(vq)) {
		if (split_event_idx(vq)) {
			split_store16(vq, split_used_event(vq), vq->last_used, vq->c_avail);
		} else if (vq->avail_flags) {
			vq->avail_flags = 0;
			split_store16(vq, &split_avail(vq)->flags, 0, vq->c_avail);
		}
		/* Our event store before re-reading the peer's index; pairs with
		 * the barrier in the peer's kick_prepare. */
		VOB_MB();
		idx = split_load16(vq, &split_used(vq)->idx, vq->c_used);
		/* Or an IN_ORDER batch still open. */
		return idx != vq->last_used || (VOB_CFG_IN_ORDER && vq->batch);
	}
	if (split_event_idx(vq)) {
		split_store16(vq, split_avail_event(vq), vq->last_avail, vq->c_used);
	} else if (vq->used_flags) {
		vq->used_flags = 0;
		split_store16(vq, &split_used(vq)->flags, 0, vq->c_used);
	}
	VOB_MB(); /* as above, mirrored */
	idx = split_load16(vq, &split_avail(vq)->idx, vq->c_avail);
	return idx != vq->last_avail;
}

void vob_split_disable_notify(struct vob_vq *vq)
{
	/* With event indices a stale event word already suppresses: write nothing. */
	if (split_event_idx(vq))
		return;
	if (VOB_VQ_DRIVER(vq) && !vq->avail_flags) {
		vq->avail_flags = SPLIT_AVAIL_F_NO_INTERRUPT;
		split_store16(vq, &split_avail(vq)->flags, vq->avail_flags, vq->c_avail);
	} else if (!VOB_VQ_DRIVER(vq) && !vq->used_flags) {
		vq->used_flags = SPLIT_USED_F_NO_NOTIFY;
		split_store16(vq, &split_used(vq)->flags, vq->used_flags, vq->c_used);
	}
}

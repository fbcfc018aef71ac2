/* SPDX-License-Identifier: BSD-3-Clause */
/* The tiny device (include/vob/tiny.h): the device side of the table
 * (docs/protocol.md) and the device role of split rings, for one device in
 * slot 0 of a table whose geometry is fixed at compile time. It writes the
 * same bytes as vob_table_init() + vob_dev_init() + vob_vq_pop/push() do for
 * that device, published in the same order (the published words with the
 * same barriers; fields under an unpublished slot may be cleared in one
 * memset), so the driver role cannot tell them apart.
 *
 * Everything the driver writes is loaded once into a local, checked, then
 * used; every shared word goes through the accessors of wire.h and barrier.h
 * (one aligned access of its width, little-endian on every host). Out-of-line
 * helpers where GCC would copy them: the size is the point of this file. */
#include "vob/tiny.h"
#include "vob/barrier.h"
#include "vob/err.h"
#include "vob/vob.h"

#include "mem_internal.h"
#include "table_internal.h"

/* ---- geometry (docs/protocol.md section 2) ------------------------------ */

VOB_STATIC_ASSERT(VOB_TINY_TABLE_QUEUES >= 1 && VOB_TINY_TABLE_QUEUES <= VOB_TABLE_MAX_QUEUES,
		  tiny_table_queues);
VOB_STATIC_ASSERT(VOB_TINY_QUEUES >= 1 && VOB_TINY_QUEUES <= VOB_TINY_TABLE_QUEUES, tiny_queues);
VOB_STATIC_ASSERT(VOB_TINY_QUEUE_MAX >= 1 && VOB_TINY_QUEUE_MAX <= VOB_VQ_MAX_SIZE &&
			  (VOB_TINY_QUEUE_MAX & (VOB_TINY_QUEUE_MAX - 1)) == 0,
		  tiny_queue_max);
/* nseg[] counts in a byte. */
VOB_STATIC_ASSERT(VOB_TINY_SEG_MAX >= 1 && VOB_TINY_SEG_MAX <= 255, tiny_seg_max);
VOB_STATIC_ASSERT(VOB_TINY_LINE >= 16 && VOB_TINY_LINE <= VOB_CACHE_LINE_MAX &&
			  (VOB_TINY_LINE & (VOB_TINY_LINE - 1)) == 0,
		  tiny_line);
VOB_STATIC_ASSERT(VOB_TINY_CONFIG_MAX <= VOB_TABLE_MAX_CONFIG && (VOB_TINY_CONFIG_MAX & 3) == 0,
		  tiny_config_max);
/* The header image below. */
VOB_STATIC_ASSERT(HDR_MAGIC == 0 && HDR_VERSION == 4 && HDR_LINE == 6 && HDR_NSLOTS == 8 &&
			  HDR_NQUEUES == 10 && HDR_CONFIG_MAX == 12 && HDR_EPOCH == 16,
		  tiny_hdr_layout);
/* tiny_start() reads the three ring addresses as an array. */
VOB_STATIC_ASSERT(DRVQ_DRIVER == DRVQ_DESC + 8 && DRVQ_DEVICE == DRVQ_DESC + 16, tiny_ring_addrs);

#define TINY_H VOB_ALIGN_UP(32u, VOB_TINY_LINE) /* one side header */
#define TINY_DEV (2u * TINY_H)                   /* slot 0's device area */
#define TINY_D VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(VOB_TINY_TABLE_QUEUES, VOB_TINY_CONFIG_MAX), \
			    VOB_TINY_LINE)
#define TINY_DRV (TINY_DEV + TINY_D) /* slot 0's driver area */
#define TINY_TABLE \
	((uint32_t)VOB_TABLE_BYTES(1u, VOB_TINY_TABLE_QUEUES, VOB_TINY_CONFIG_MAX, VOB_TINY_LINE))

/* Doorbells (section 7) of slot 0: control, then one per queue. */
#define TINY_BELL_CTRL 1u
#define TINY_BELL_Q0 2u

/* Ring features the tiny device cannot do (tiny.h). */
#define TINY_FEATURES_OUT                                                                  \
	(VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(VOB_F_RING_PACKED) | \
	 VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(VOB_F_NOTIFICATION_DATA))

/* Split descriptor flags (virtio 1.x 2.7.5). */
#define TINY_F_NEXT 1u
#define TINY_F_WRITE 2u
#define TINY_F_INDIRECT 4u

#define TINY_LIVE_MASK (VOB_STATUS_DRIVER_OK | VOB_STATUS_NEEDS_RESET | VOB_STATUS_FAILED)

/* Queue @q, and the word of a head's in-flight bit: constants when there
 * is one queue, one word (the caller's q is asserted, not checked). */
#define TINY_Q(q) (VOB_TINY_QUEUES > 1 ? (q) : 0u)
#define TINY_WORD(h) (VOB_TINY_QUEUE_MAX > 32 ? (h) >> 5 : 0u)

/* The side header's first 16 bytes as the general table writes them:
 * magic, version, line, nslots 1, nqueues, config_max and the 2 reserved
 * bytes. Wire bytes, so no byte order matters; a peer must show bytes 0-13
 * alike, and bytes 0-5 (magic, version) say an earlier header is ours. */
static const union {
	uint8_t b[16];
	uint32_t align; /* word copies, with no aligned copy of the image */
} tiny_hdr = { {
	VOB_TABLE_MAGIC & 0xffu, (VOB_TABLE_MAGIC >> 8) & 0xffu, (VOB_TABLE_MAGIC >> 16) & 0xffu,
	VOB_TABLE_MAGIC >> 24, VOB_PROTOCOL_VERSION, 0, VOB_TINY_LINE & 0xff, VOB_TINY_LINE >> 8,
	1, 0, VOB_TINY_TABLE_QUEUES, 0, VOB_TINY_CONFIG_MAX & 0xff, VOB_TINY_CONFIG_MAX >> 8,
	0, 0
} };

VOB_INLINE vob_le16_t *f16(uint8_t *p, size_t off)
{
	return (vob_le16_t *)vob_ptr_add(p, off);
}

VOB_INLINE vob_le32_t *f32(uint8_t *p, size_t off)
{
	return (vob_le32_t *)vob_ptr_add(p, off);
}

VOB_INLINE uint32_t ld32(uint8_t *p, size_t off)
{
	return vob_load_le32(f32(p, off));
}

VOB_INLINE void st32(uint8_t *p, size_t off, uint32_t v)
{
	vob_store_le32(f32(p, off), v);
}

static inline uint8_t *tiny_me(const struct vob_tiny *t)
{
	return t->base + t->side * TINY_H;
}

static void tiny_bell(const struct vob_tiny *t, uint32_t id)
{
	if (!t->doorbell)
		return; /* the peer polls */
	/* Every store the doorbell announces before it; pairs with the peer's
	 * loads after it takes the doorbell. */
	VOB_DOORBELL_MB();
	t->doorbell(t->user, id);
}

/* [addr, addr + len) inside the window: the local pointer, else NULL.
 * (The length first: the 64-bit address then goes in registers too.) */
static VOB_NOINLINE uint8_t *tiny_map(const struct vob_tiny *t, uint32_t len, uint64_t addr)
{
	uint64_t off = addr - t->link_addr;
	uint32_t o = (uint32_t)off;

	if ((off >> 32) || o >= t->size || len > t->size - o)
		return NULL;
	return t->base + o;
}

/* ---- the table ------------------------------------------------------------ */

/* Announce this side with epoch @e (0 is taken as 1), the epoch last
 * (section 3, start-up steps 2 and 3), as table_announce() does. */
static void tiny_announce(struct vob_tiny *t, uint32_t e)
{
	uint8_t *me = tiny_me(t);

	t->epoch = e ? e : 1u;
	/* Unpublished while rewritten, in one store: never a torn epoch. */
	st32(me, HDR_EPOCH, 0);
	vob_memset(me + HDR_LAST_EPOCH, 0, TINY_H - HDR_LAST_EPOCH);
	st32(me, HDR_LAST_EPOCH, t->epoch);
	vob_memcpy(me, tiny_hdr.b, sizeof(tiny_hdr.b));
	/* The fields before the epoch that makes them valid; pairs with the
	 * peer's acquire-load of it. */
	vob_store_release_le32(f32(me, HDR_EPOCH), t->epoch);
	tiny_bell(t, VOB_TABLE_DOORBELL);
}

/* A status change: the status, then the sequence number (release). */
static void tiny_publish(struct vob_tiny *t)
{
	uint8_t *a = t->base + TINY_DEV;

	vob_store_le16(f16(a, DEV_STATUS), t->status);
	vob_store_release_le32(f32(a, DEV_SEQ), ++t->seq);
	tiny_bell(t, TINY_BELL_CTRL);
}

/* Publish the device in slot 0 (section 4, as device_publish_slot()):
 * status 0, no request handled. */
static void tiny_publish_slot(struct vob_tiny *t)
{
	uint8_t *a = t->base + TINY_DEV;
	unsigned q;

	st32(a, DEV_EPOCH, 0);
	VOB_WMB(); /* unpublished before anything is rewritten */
	/* A publication number the slot never had: this sequence number. */
	t->seq = t->pub = ld32(a, DEV_SEQ) + 1u;
	st32(a, DEV_PUB, t->pub);
	VOB_WMB(); /* the new number before the fields it covers */
	/* ack up to the side (the epoch, already 0, too), then the reserved
	 * bytes, queue_max, config and padding: zero but for what follows. */
	vob_memset(a + DEV_ACK, 0, DEV_PUB - DEV_ACK);
	vob_memset(a + DEV_PUB + 4u, 0, TINY_D - (DEV_PUB + 4u));
	st32(a, DEV_DEVICE_ID, t->device_id);
	st32(a, DEV_FEATURES, (uint32_t)t->features);
	st32(a, DEV_FEATURES + 4u, (uint32_t)(t->features >> 32));
	vob_store_le16(f16(a, DEV_NUM_QUEUES), VOB_TINY_QUEUES);
	vob_store_le16(f16(a, DEV_SIDE), t->side);
	for (q = 0; q < VOB_TINY_QUEUES; q++)
		vob_store_le16(f16(a, DEV_QUEUE_MAX + 2u * q), VOB_TINY_QUEUE_MAX);
	st32(a, DEV_SEQ, t->seq);
	t->status = 0;
	t->req = 0;
	/* Every field before the epoch that publishes the slot; pairs with the
	 * driver's acquire-load of it. */
	vob_store_release_le32(f32(a, DEV_EPOCH), t->epoch);
	tiny_bell(t, TINY_BELL_CTRL);
}

int vob_tiny_init_abi(struct vob_tiny *t, const struct vob_tiny_cfg *cfg, uint32_t abi)
{
	uint8_t *me;
	uint32_t e;

	VOB_ASSERT(t && cfg && cfg->window && cfg->side <= 1 &&
		   !(cfg->link_addr & (VOB_TINY_LINE - 1u)) && !((uintptr_t)cfg->window & 3u));
	/* The caller's structures of other sizes (other VOB_TINY_* switches
	 * than the library's) would be written past their end. */
	if (abi != VOB_TINY_ABI || cfg->size < TINY_TABLE || (cfg->features & TINY_FEATURES_OUT))
		return VOB_EINVAL;
	vob_memset(t, 0, sizeof(*t));
	t->base = (uint8_t *)cfg->window;
	t->link_addr = cfg->link_addr;
	t->size = cfg->size;
	t->features = cfg->features | VOB_BIT(VOB_F_VERSION_1);
	t->device_id = cfg->device_id;
	t->side = cfg->side;
	t->doorbell = cfg->doorbell;
	t->user = cfg->user;
	/* A new epoch, as vob_table_init() takes it: one more than the last
	 * one of ours in the header (after a clean shutdown only last_epoch
	 * has it), or the seed on memory without one. */
	me = tiny_me(t);
	e = cfg->epoch_seed;
	if (!vob_memcmp(me, tiny_hdr.b, HDR_LINE)) {
		uint32_t last = ld32(me, HDR_LAST_EPOCH);

		e = ld32(me, HDR_EPOCH);
		e = (last > e ? last : e) + 1u;
	}
	tiny_announce(t, e);
	/* Queue starts counted on from the epoch: a chain held from an earlier
	 * session (gen counted from another epoch) is not taken for one of
	 * this session's. */
	t->gen = t->epoch << 16;
	tiny_publish_slot(t);
	return 0;
}

/* Start every queue the driver enabled, on DRIVER_OK (section 6.3): false
 * when a placement is invalid. Each ring's device-written part is set up
 * before the answer, as vob_split_init() does. */
static VOB_NOINLINE int tiny_start(struct vob_tiny *t, uint8_t *e)
{
	struct vob_tiny_vq *v = t->vq;
	unsigned q, k;

	for (q = 0; q < VOB_TINY_QUEUES; q++, v++, e += DRVQ_BYTES) {
		uint32_t s = vob_load_le16(f16(e, DRVQ_SIZE));
		uint16_t start;
		uint8_t *used;

		v->on = 0;
		if (!vob_load_le16(f16(e, DRVQ_ENABLE)))
			continue;
		if (!s || s > VOB_TINY_QUEUE_MAX || (s & (s - 1u)))
			return 0;
		for (k = 0; k < 3; k++) {
			uint64_t at = ld32(e, DRVQ_DESC + 8u * k) |
				      (uint64_t)ld32(e, DRVQ_DESC + 8u * k + 4u) << 32;

			/* descriptors 16 s, avail 6 + 2 s, used 6 + 8 s bytes, line
			 * aligned, in the window and clear of the table */
			v->ring[k] = tiny_map(t, k ? 6u + (s << (2u * k - 1u)) : s << 4, at);
			if (!v->ring[k] || v->ring[k] < t->base + TINY_TABLE || (at & (VOB_TINY_LINE - 1u)))
				return 0;
		}
		start = vob_load_le16(f16(e, DRVQ_START));
		used = v->ring[2];
		vob_store_le16(f16(used, 0), 0);                  /* flags */
		vob_store_le16(f16(used, 4u + 8u * s), start);   /* avail_event */
		vob_store_le16(f16(used, 2), start);              /* idx */
		v->mask = (uint16_t)(s - 1u);
		v->last_avail = v->avail_seen = v->used_idx = v->kicked = start;
		vob_memset(v->inflight, 0, sizeof(v->inflight));
		v->lapped = 0;
		v->on = 1;
	}
	t->gen++; /* chains popped before are not of these rings */
	return 1;
}

/* The status after a request for @want with the driver area @r (section
 * 6.3, as device_apply()). */
static VOB_NOINLINE uint16_t tiny_apply(struct vob_tiny *t, uint16_t want, uint8_t *r)
{
	uint16_t cur = t->status, add;
	uint32_t hi;

	if (!want)
		return 0;
	if (want & VOB_STATUS_FAILED)
		return (uint16_t)(cur | VOB_STATUS_FAILED);
	if (cur & (VOB_STATUS_NEEDS_RESET | VOB_STATUS_FAILED))
		return cur; /* nothing moves until a reset */
	if ((want & cur) != cur)
		return (uint16_t)(cur | VOB_STATUS_NEEDS_RESET);
	add = (uint16_t)(want & ~cur);
	if (add & VOB_STATUS_ACKNOWLEDGE)
		cur |= VOB_STATUS_ACKNOWLEDGE;
	if ((add & VOB_STATUS_DRIVER) && (cur & VOB_STATUS_ACKNOWLEDGE))
		cur |= VOB_STATUS_DRIVER;
	/* A subset of the offer (bits 0-63; none above) that holds VERSION_1. */
	hi = ld32(r, DRV_FEATURES + 4u);
	if ((add & VOB_STATUS_FEATURES_OK) && (cur & VOB_STATUS_DRIVER) && (hi & 1u) &&
	    !((ld32(r, DRV_FEATURES) & ~(uint32_t)t->features) |
	      (hi & ~(uint32_t)(t->features >> 32)) | ld32(r, DRV_FEATURES + 8u) |
	      ld32(r, DRV_FEATURES + 12u)))
		cur |= VOB_STATUS_FEATURES_OK;
	if ((add & VOB_STATUS_DRIVER_OK) && (cur & VOB_STATUS_FEATURES_OK))
		cur |= tiny_start(t, r + DRV_QUEUES) ? VOB_STATUS_DRIVER_OK : VOB_STATUS_NEEDS_RESET;
	return cur;
}

static int tiny_live(const struct vob_tiny *t)
{
	return (t->status & TINY_LIVE_MASK) == VOB_STATUS_DRIVER_OK;
}

int vob_tiny_poll(struct vob_tiny *t)
{
	uint8_t *b = t->base, *me = tiny_me(t), *peer = b + (1u - t->side) * TINY_H;
	uint8_t *a = b + TINY_DEV, *r = b + TINY_DRV;
	uint32_t pe, req;
	int moved = 0;

	/* The peer's epoch before the fields it publishes (section 3). */
	pe = vob_load_acquire_le32(f32(peer, HDR_EPOCH));
	/* Our own header, which only we write, is not ours any more: the
	 * memory was wiped. Announce anew and take the peer as new. */
	if (ld32(me, HDR_EPOCH) != t->epoch || ld32(me, HDR_MAGIC) != VOB_TABLE_MAGIC) {
		tiny_announce(t, t->epoch + 1u);
		if (pe)
			t->peer_epoch = 0;
	}
	if (pe != t->peer_epoch) {
		/* Restarted, left (0) or arrived: its header is valid when it
		 * shows our magic, version and geometry. */
		t->peer_epoch = pe;
		t->peer_ok = pe && !vob_memcmp(peer, tiny_hdr.b, HDR_CONFIG_MAX + 2u);
		moved = 1;
	}
	if (ld32(a, DEV_EPOCH) != t->epoch) {
		tiny_publish_slot(t); /* our slot wiped, or we announced anew */
	} else if (moved) {
		t->req = 0; /* the driver's side restarted or left: reset */
		if (t->status) {
			t->status = 0;
			tiny_publish(t);
		}
	}
	if (!t->peer_ok)
		return 0;
	/* The request number before the fields it covers. */
	req = vob_load_acquire_le32(f32(r, DRV_REQ));
	if (req == t->req || ld32(r, DRV_EPOCH) != t->peer_epoch ||
	    ld32(r, DRV_DEV_EPOCH) != t->epoch || ld32(r, DRV_DEV_PUB) != t->pub)
		return tiny_live(t); /* nothing new, or not for this device */
	t->req = req;
	t->status = tiny_apply(t, vob_load_le16(f16(r, DRV_STATUS)), r);
	/* The answer before the ack that announces it (section 6.1 step 4). */
	vob_store_le16(f16(a, DEV_STATUS), t->status);
	st32(a, DEV_DRV_EPOCH, t->peer_epoch);
	vob_store_release_le32(f32(a, DEV_ACK), req);
	tiny_publish(t);
	return tiny_live(t);
}

int vob_tiny_peer(const struct vob_tiny *t)
{
	return t->peer_ok;
}

void vob_tiny_shutdown(struct vob_tiny *t)
{
	/* Gone: our own header's epoch 0, which a poll would take for a wipe
	 * (the caller polls no more); last_epoch keeps the epoch for the next
	 * vob_tiny_init(). */
	t->epoch = 0;
	t->status = 0; /* the queues stop: pop and push find them stopped */
	vob_store_release_le32(f32(tiny_me(t), HDR_EPOCH), 0);
	tiny_bell(t, VOB_TABLE_DOORBELL);
}

void vob_tiny_needs_reset(struct vob_tiny *t)
{
	t->status |= VOB_STATUS_NEEDS_RESET;
	tiny_publish(t);
}

/* ---- the queues ----------------------------------------------------------- */

/* Queue @v of @t runs: live and enabled. */
static int tiny_running(const struct vob_tiny *t, const struct vob_tiny_vq *v)
{
	return tiny_live(t) && v->on;
}

int vob_tiny_pop(struct vob_tiny *t, unsigned q, struct vob_tiny_chain *c)
{
	struct vob_tiny_vq *v = &t->vq[TINY_Q(q)];
	unsigned la = v->last_avail, mask = v->mask, head, i;
	/* At most size descriptors (more is a loop) and at most SEG_MAX. */
	unsigned lim = mask < VOB_TINY_SEG_MAX ? mask + 1u : VOB_TINY_SEG_MAX;
	uint32_t wr = 0;

	VOB_ASSERT(q < VOB_TINY_QUEUES && c);
	if (!tiny_running(t, v))
		return VOB_EIO;
	if (la == v->avail_seen) {
		unsigned idx = vob_load_le16(f16(v->ring[1], 2));

		/* More than a ring ahead: the index jumped. */
		if ((uint16_t)(idx - la) > mask + 1u)
			goto bad;
		if (idx == la)
			return VOB_EAGAIN;
		v->avail_seen = (uint16_t)idx;
		/* The index before the entries and descriptors it publishes. */
		VOB_RMB();
	}
	head = vob_load_le16(f16(v->ring[1], 4u + 2u * (la & mask)));
	if (head > mask || ((v->inflight[TINY_WORD(head)] >> (head & 31u)) & 1u))
		goto bad; /* out of the ring, or already in flight */
	c->len[0] = c->len[1] = 0;
	c->nseg[0] = c->nseg[1] = 0;
	for (i = head;;) {
		/* The one load of each field of the descriptor. */
		uint8_t *p = v->ring[0] + 16u * i;
		uint64_t addr = ld32(p, 0) | (uint64_t)ld32(p, 4) << 32;
		uint32_t len = ld32(p, 8), fn = ld32(p, 12); /* flags, next << 16 */
		uint32_t w = (fn & TINY_F_WRITE) >> 1;

		/* A loop or too long, indirect (not offered), readable after
		 * writable, or a total past 2^32 - 1. */
		if (!lim-- || (fn & TINY_F_INDIRECT) || wr > w ||
		    len > ~(c->len[0] + c->len[1]))
			goto bad;
		wr = w;
		c->len[w] += len;
		if (len) {
			struct vob_tiny_seg *s = &c->seg[c->nseg[0] + c->nseg[1]];

			s->base = tiny_map(t, len, addr);
			if (!s->base)
				goto bad;
			s->len = len;
			c->nseg[w]++;
		}
		if (!(fn & TINY_F_NEXT))
			break;
		i = fn >> 16;
		if (i > mask)
			goto bad;
	}
	c->head = (uint16_t)head;
	c->gen = t->gen;
	v->inflight[TINY_WORD(head)] |= 1u << (head & 31u);
	v->last_avail = (uint16_t)(la + 1u);
	return 0;
bad:
	vob_tiny_needs_reset(t);
	return VOB_EPROTO;
}

void vob_tiny_push(struct vob_tiny *t, unsigned q, const struct vob_tiny_chain *c,
		   uint32_t written)
{
	struct vob_tiny_vq *v = &t->vq[TINY_Q(q)];
	uint16_t idx = v->used_idx, head = c->head;
	uint8_t *e;

	VOB_ASSERT(q < VOB_TINY_QUEUES);
	/* Stopped since the pop (a reset), or started again in between, even
	 * within one poll: the ring, or that chain, is not ours any more (and
	 * a refused placement left no ring to point into). */
	if (!tiny_running(t, v) || c->gen != t->gen)
		return;
	e = v->ring[2] + 4u + 8u * (idx & v->mask);
	VOB_ASSERT(head <= v->mask && ((v->inflight[TINY_WORD(head)] >> (head & 31u)) & 1u));
	if (written > c->len[1])
		written = c->len[1];
	st32(e, 0, head);
	st32(e, 4, written);
	v->used_idx = ++idx;
	/* 65536 pushes since the last decision: the indices cannot tell. */
	if (idx == v->kicked)
		v->lapped = 1;
	/* The entry before the index that publishes it. */
	vob_store_release_le16(f16(v->ring[2], 2), idx);
	v->inflight[TINY_WORD(head)] &= ~(1u << (head & 31u));
}

void vob_tiny_kick(struct vob_tiny *t, unsigned q)
{
	struct vob_tiny_vq *v = &t->vq[TINY_Q(q)];
	uint16_t old = v->kicked, idx = v->used_idx;
	uint8_t lapped = v->lapped;

	VOB_ASSERT(q < VOB_TINY_QUEUES);
	if (!tiny_running(t, v))
		return;
	/* The used index before the load of the driver's flags; pairs with
	 * the driver's barrier between its flags store and its index load. */
	VOB_MB();
	v->kicked = idx;
	v->lapped = 0;
	if (lapped || (idx != old && !(vob_load_le16(f16(v->ring[1], 0)) & 1u)))
		tiny_bell(t, TINY_BELL_Q0 + TINY_Q(q));
}

/* ---- copies ----------------------------------------------------------------- */

/* Between the readable part of @c (@put 0) or its writable part (@put 1)
 * and @buf: at most @n bytes. */
static VOB_NOINLINE uint32_t tiny_copy(const struct vob_tiny_chain *c, uint8_t *buf, uint32_t n,
					unsigned put)
{
	const struct vob_tiny_seg *s = c->seg + (put ? c->nseg[0] : 0u);
	unsigned k = c->nseg[put];
	uint32_t done = 0;

	for (; k && done < n; k--, s++) {
		uint32_t m = s->len < n - done ? s->len : n - done;

		if (put)
			vob_memcpy(s->base, buf + done, m);
		else
			vob_memcpy(buf + done, s->base, m);
		done += m;
	}
	return done;
}

uint32_t vob_tiny_pull(const struct vob_tiny_chain *c, void *buf, uint32_t n)
{
	return tiny_copy(c, (uint8_t *)buf, n, 0);
}

uint32_t vob_tiny_put(const struct vob_tiny_chain *c, const void *buf, uint32_t n)
{
	return tiny_copy(c, (uint8_t *)(uintptr_t)buf, n, 1);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The device table (docs/protocol.md is its specification): side headers
 * with epochs, and per slot a device area and a driver area, each written by
 * one side only. Every value read from the peer's areas is read once,
 * checked, then used. */
#include "vob/table.h"
#include "vob/vob.h"
#include "vq_internal.h"

#include "table_internal.h"

/* vob_dev_init() stores the status and the side as one word. */
VOB_STATIC_ASSERT(DEV_SIDE == DEV_STATUS + 2, dev_status_side);
/* The header's nslots and nqueues are one word (geo_word()). */
VOB_STATIC_ASSERT(HDR_NQUEUES == HDR_NSLOTS + 2 && (HDR_NSLOTS & 3) == 0, hdr_geo_word);
/* device_start_queues() reads the three ring addresses as an array, into
 * the three adjacent ones of a vob_vq_cfg (CFG_ADDR()). */
VOB_STATIC_ASSERT(DRVQ_DRIVER == DRVQ_DESC + 8 && DRVQ_DEVICE == DRVQ_DESC + 16, drvq_addrs);
VOB_STATIC_ASSERT(offsetof(struct vob_vq_cfg, driver_addr) ==
			  offsetof(struct vob_vq_cfg, desc_addr) + 8 &&
		  offsetof(struct vob_vq_cfg, device_addr) == offsetof(struct vob_vq_cfg, desc_addr) + 16,
		  cfg_addrs);
/* Ring address @k (0 descriptors, 1 driver, 2 device) of the vob_vq_cfg
 * @c, by byte offset in @c: no array of pointers to its fields. */
#define CFG_ADDR(c, k) \
	((uint64_t *)(void *)((uint8_t *)(c) + offsetof(struct vob_vq_cfg, desc_addr) + 8u * (k)))

#define STATUS_STEPS (VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK | \
		      VOB_STATUS_DRIVER_OK)
#define CONFIG_READ_TRIES 4
/* A proxy device or driver: a foreign party runs the queues (config.h). */
#define FOREIGN(d) (VOB_CFG_FOREIGN && (d)->cfg.foreign_queues)

/* ---- field access ----------------------------------------------------- */

static inline bool qbit(const uint32_t m[2], unsigned q)
{
	return (m[q >> 5] >> (q & 31u)) & 1u;
}

static inline void qbit_set(uint32_t m[2], unsigned q)
{
	m[q >> 5] |= 1u << (q & 31u);
}

/* Whether any bit is set: one test (m[0] || m[1] takes two branches). */
static inline bool qany(const uint32_t m[2])
{
	return (m[0] | m[1]) != 0;
}


static inline vob_le16_t *f16(uint8_t *area, size_t off)
{
	return (vob_le16_t *)vob_ptr_add(area, off);
}

static inline vob_le32_t *f32(uint8_t *area, size_t off)
{
	return (vob_le32_t *)vob_ptr_add(area, off);
}

/* A 64-bit field (features, a ring's link address) as two aligned 32-bit
 * fields, low word first, like every other field a side writes. */
VOB_INLINE void f64_store(uint8_t *area, size_t off, uint64_t v)
{
	vob_store_le32(f32(area, off), (uint32_t)v);
	vob_store_le32(f32(area, off + 4), (uint32_t)(v >> 32));
}

/* A 64-bit field loaded the same way, the low word first (each word once,
 * aligned, not byte by byte as vob_get_le64() reads). */
VOB_INLINE uint64_t f64_load(uint8_t *area, size_t off)
{
	return vob_load_le32(f32(area, off)) | (uint64_t)vob_load_le32(f32(area, off + 4)) << 32;
}

static inline size_t hdr_bytes(const struct vob_table *t)
{
	return VOB_ALIGN_UP(32u, t->line);
}

static uint8_t *side_area(const struct vob_table *t, unsigned side)
{
	return t->base + side * hdr_bytes(t);
}

static uint8_t *dev_area(const struct vob_table *t, uint16_t slot)
{
	return t->base + 2u * hdr_bytes(t) + (size_t)slot * t->slot_bytes;
}

/* The slot's driver area, after its device area. */
static uint8_t *drv_area(const struct vob_dev *d)
{
	return d->area + d->t->dev_bytes;
}

static size_t config_off(const struct vob_table *t)
{
	return VOB_ALIGN_UP(64u + 2u * (size_t)t->nqueues, 4u);
}

/* Cache maintenance on a cached table: clean what this side wrote, drop
 * stale copies of what the peer wrote. The areas are line aligned. */
static void table_out(const struct vob_table *t, const void *p, size_t n)
{
	if (VOB_IS_CACHED(t->cached))
		vob_link_clean(t->link, p, n);
}

static void table_in(const struct vob_table *t, const void *p, size_t n)
{
	if (VOB_IS_CACHED(t->cached))
		vob_link_invalidate(t->link, p, n);
}

/* After the acquire-load of the word at offset @word of @area, which
 * publishes the other fields of [area, area + n): drop their lines again. A
 * line filled, or prefetched, between the first invalidate and that load
 * can be older than the word; the word's own line stays, so what shares it
 * is as old as the word (protocol.md section 1). */
static void table_in_after(const struct vob_table *t, uint8_t *area, size_t word, size_t n)
{
	size_t lo = word & ~(size_t)(t->line - 1u), hi = lo + t->line;

	if (!VOB_IS_CACHED(t->cached))
		return;
	if (lo)
		vob_link_invalidate(t->link, area, lo);
	if (n > hi)
		vob_link_invalidate(t->link, area + hi, n - hi);
}

/* ---- the table ---------------------------------------------------------- */

/* The header's nslots and nqueues as the one word they make on the wire. */
static uint32_t geo_word(const struct vob_table *t)
{
	return t->nslots | (uint32_t)t->nqueues << 16;
}

/* Announce this side with @epoch (0 is taken as 1): rewrite its header @me,
 * the epoch last (docs/protocol.md, section 3). */
static void table_announce(struct vob_table *t, uint8_t *me, uint32_t epoch)
{
	t->epoch = epoch ? epoch : 1u;
	/* Unpublished while rewritten: the epoch 0 in one store (a peer must
	 * never read a torn epoch), then the rest after it: last_epoch and
	 * the reserved bytes. */
	vob_store_le32(f32(me, HDR_EPOCH), 0);
	vob_memset(me + HDR_LAST_EPOCH, 0, hdr_bytes(t) - HDR_LAST_EPOCH);
	/* Kept through vob_table_shutdown(), which clears only the epoch. */
	vob_store_le32(f32(me, HDR_LAST_EPOCH), t->epoch);
	vob_store_le32(f32(me, HDR_MAGIC), VOB_TABLE_MAGIC);
	vob_store_le16(f16(me, HDR_VERSION), VOB_PROTOCOL_VERSION);
	vob_store_le16(f16(me, HDR_LINE), (uint16_t)t->line);
	/* nslots and nqueues, one word. */
	vob_store_le32(f32(me, HDR_NSLOTS), geo_word(t));
	/* config_max and the 2 reserved bytes after it, as one word. */
	vob_store_le32(f32(me, HDR_CONFIG_MAX), t->config_max);
	table_out(t, me, hdr_bytes(t));
	/* Header fields before the epoch that makes them valid; pairs with the
	 * peer's acquire-load of our epoch in vob_table_peer(). */
	vob_store_release_le32(f32(me, HDR_EPOCH), t->epoch);
	table_out(t, me, HDR_RAW);
	vob_link_doorbell(t->link, VOB_TABLE_DOORBELL, 0);
}

int vob_table_init(struct vob_table *t, struct vob_link *link, const struct vob_table_cfg *cfg)
{
	const struct vob_window *w = NULL;
	uint8_t *me;
	uint32_t epoch;
	size_t total, off;

	if (VOB_ARG_BAD(!t || !link || !cfg || cfg->side > 1 || cfg->nslots == 0 ||
			cfg->nslots > VOB_TABLE_MAX_SLOTS || cfg->nqueues == 0 ||
			cfg->nqueues > VOB_TABLE_MAX_QUEUES ||
			cfg->config_max > VOB_TABLE_MAX_CONFIG || (cfg->config_max & 3u) ||
			(cfg->addr & (link->line - 1u))))
		return VOB_EINVAL;
	vob_memset(t, 0, sizeof(*t));
	t->link = link;
	t->addr = cfg->addr;
	t->line = link->line;
	t->side = cfg->side;
	t->nslots = cfg->nslots;
	t->nqueues = cfg->nqueues;
	t->config_max = cfg->config_max;
	t->dev_bytes = (uint32_t)VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(cfg->nqueues, cfg->config_max), t->line);
	t->slot_bytes = (uint32_t)VOB_TABLE_SLOT_BYTES(cfg->nqueues, cfg->config_max, t->line);
	total = VOB_TABLE_BYTES(cfg->nslots, cfg->nqueues, cfg->config_max, t->line);
	off = cfg->side * hdr_bytes(t); /* this side's header, side_area() */
	t->base = (uint8_t *)vob_link_translate(link, cfg->addr, total, VOB_MAP_READ | VOB_MAP_WRITE,
						&w);
	if (!t->base)
		return VOB_EFAULT;
	if (VOB_WIN_CACHED(w))
		t->cached = 1; /* else 0 from the memset */
	/* Only the driver role times requests out. */
	if (VOB_CFG_DRIVER)
		t->timeout = cfg->timeout ? cfg->timeout
					  : (link->ops->clock_ns ? 1000000000ull : 100000ull);

	/* A new epoch: one more than the last one this side announced in the
	 * table, or a seed when the memory holds none of ours. After a clean
	 * shutdown the epoch word is 0 and only last_epoch remembers it: a
	 * restart that took 0 + 1 would reuse one epoch at every restart. */
	me = t->base + off; /* not side_area(): t->line and t->side loaded again */
	table_in(t, me, HDR_RAW);
	if (vob_load_le32(f32(me, HDR_MAGIC)) == VOB_TABLE_MAGIC &&
	    vob_load_le16(f16(me, HDR_VERSION)) == VOB_PROTOCOL_VERSION) {
		uint32_t last = vob_load_le32(f32(me, HDR_LAST_EPOCH));

		epoch = vob_load_le32(f32(me, HDR_EPOCH));
		epoch = (last > epoch ? last : epoch) + 1u;
	} else {
		epoch = cfg->epoch_seed;
		if (!epoch && link->ops->clock_ns)
			epoch = (uint32_t)(link->ops->clock_ns(link->ctx) >> 10);
	}
	table_announce(t, me, epoch);
	return 0;
}

void vob_table_shutdown(struct vob_table *t)
{
	uint8_t *me = side_area(t, t->side);

	/* Gone: vob_table_peer() does not take the 0 for a wiped header. */
	t->epoch = 0;
	vob_store_release_le32(f32(me, HDR_EPOCH), 0);
	table_out(t, me, HDR_RAW);
	vob_link_doorbell(t->link, VOB_TABLE_DOORBELL, 0);
}

int vob_table_peer(struct vob_table *t)
{
	uint8_t *me = side_area(t, t->side), *peer = side_area(t, 1u - t->side);
	uint32_t epoch;

	if (VOB_CFG_DRIVER)
		t->polls++; /* the driver's time without a clock */
	table_in(t, peer, HDR_RAW);
	/* The epoch before the fields it publishes; pairs with the release in
	 * the peer's vob_table_init(). */
	epoch = vob_load_acquire_le32(f32(peer, HDR_EPOCH));
	table_in(t, me, HDR_RAW);
	/* Our own header, which only we write, no longer ours: the peer
	 * restarted on memory it cleared (.bss, a BAR reset), or the memory
	 * was cleared under both running sides; our slots went with it, and a
	 * restarted peer may even have taken its old epoch again. Both sides
	 * restart: a new epoch of ours (the peer resets), and below, a new
	 * peer generation (our devices reset; devices of ours publish their
	 * slots again, device_poll()). Whether or not the peer is there: with
	 * both headers cleared, a side that waited for the other's epoch would
	 * wait for ever. A wipe still under way may clear the new header
	 * again: it is announced again at the next look, also when the wipe
	 * spared the epoch (it cleared downwards from it) but not the magic
	 * (a restarted peer would take this side for absent, for good). Not
	 * after vob_table_shutdown() (epoch 0). */
	if (t->epoch && (vob_load_le32(f32(me, HDR_EPOCH)) != t->epoch ||
			 vob_load_le32(f32(me, HDR_MAGIC)) != VOB_TABLE_MAGIC)) {
		table_announce(t, me, t->epoch + 1u);
		if (epoch)
			t->peer_epoch = 0; /* the peer as new: its epoch is not 0 */
	}
	if (epoch == t->peer_epoch)
		return t->peer_ok ? 1 : t->peer_err;
	t->peer_epoch = epoch;
	t->peer_gen++;
	t->peer_ok = 0;
	t->peer_err = 0;
	/* The verdict is kept for as long as the epoch: taken from fields older
	 * than it, it would stay wrong until the peer restarts again. */
	table_in_after(t, peer, HDR_EPOCH, HDR_RAW);
	if (!epoch || vob_load_le32(f32(peer, HDR_MAGIC)) != VOB_TABLE_MAGIC)
		return 0;
	if (vob_load_le16(f16(peer, HDR_VERSION)) != VOB_PROTOCOL_VERSION)
		t->peer_err = VOB_EPROTONOSUPPORT;
	else if (vob_load_le16(f16(peer, HDR_LINE)) != t->line ||
		 vob_load_le32(f32(peer, HDR_NSLOTS)) != geo_word(t) ||
		 vob_load_le16(f16(peer, HDR_CONFIG_MAX)) != t->config_max)
		t->peer_err = VOB_EPROTO;
	else
		t->peer_ok = 1;
	return t->peer_ok ? 1 : t->peer_err;
}

struct vob_link *vob_table_link(const struct vob_table *t)
{
	return t->link;
}

/* ---- common device helpers ---------------------------------------------- */

uint32_t vob_dev_ctrl_doorbell(const struct vob_dev *d)
{
	return 1u + (uint32_t)d->cfg.slot * (d->t->nqueues + 1u);
}

uint32_t vob_dev_queue_doorbell(const struct vob_dev *d, uint16_t q)
{
	return vob_dev_ctrl_doorbell(d) + 1u + q;
}

struct vob_link *vob_dev_link(const struct vob_dev *d)
{
	return d->t->link;
}

int vob_dev_state(const struct vob_dev *d)
{
	return d->state;
}

uint64_t vob_dev_offered(const struct vob_dev *d, unsigned word)
{
	return word < 2 && d->dev_epoch ? d->offered[word] : 0;
}

uint64_t vob_dev_features(const struct vob_dev *d, unsigned word)
{
	return word < 2 ? d->features[word] : 0;
}

struct vob_vq *vob_dev_vq(struct vob_dev *d, uint16_t q)
{
	if (d->state != VOB_DEV_LIVE || q >= d->cfg.num_queues || !qbit(d->qmask, q) ||
	    FOREIGN(d))
		return NULL;
	return d->cfg.queues[q].vq;
}

/* The part of a queue's configuration that the table decides: this side's
 * role, the index, the doorbell, the negotiated features. One place for the
 * device's start, the driver's set-up and vob_dev_queue_placement(). */
static void queue_cfg(const struct vob_dev *d, unsigned q, uint16_t size, struct vob_vq_cfg *c)
{
	vob_memset(c, 0, sizeof(*c));
	c->role = d->cfg.role;
	c->index = (uint16_t)q;
	c->size = size;
	c->doorbell = vob_dev_queue_doorbell(d, (uint16_t)q);
	c->features = d->features[0];
}

/* Size of queue @q (below num_queues): device role, the one in use;
 * driver role, the configured one lowered (halved) to the device's limit,
 * as at placement. */
static uint16_t dev_qsize(const struct vob_dev *d, uint16_t q)
{
	uint16_t size = d->cfg.queues[q].size;

	if (d->cfg.role == VOB_ROLE_DEVICE)
		size = d->queue_max[q];
	while (size > d->queue_max[q])
		size >>= 1;
	return size;
}

uint16_t vob_dev_queue_size(const struct vob_dev *d, uint16_t q)
{
	const struct vob_dev_queue *dq;

	if (d->cfg.role != VOB_ROLE_DRIVER || !d->dev_epoch || q >= d->cfg.num_queues ||
	    q >= d->dev_queues)
		return 0;
	/* Not placed (driver_setup_queues()): a queue without a virtqueue, or
	 * a foreign one larger than the device allows, which fails it. */
	dq = &d->cfg.queues[q];
	if (FOREIGN(d) ? dq->size > d->queue_max[q] : !dq->vq)
		return 0;
	return dev_qsize(d, q);
}

int vob_dev_queue_placement(const struct vob_dev *d, uint16_t q, struct vob_vq_cfg *out)
{
	const struct vob_dev_queue *dq;

	if (VOB_ARG_BAD(!out))
		return VOB_EINVAL;
	if (d->state != VOB_DEV_LIVE || q >= d->cfg.num_queues || !qbit(d->qmask, q))
		return VOB_ENOENT;
	dq = &d->cfg.queues[q];
	queue_cfg(d, q, dev_qsize(d, q), out);
	out->desc_addr = dq->desc_addr;
	out->driver_addr = dq->driver_addr;
	out->device_addr = dq->device_addr;
	out->start = dq->start;
	return 0;
}

static void dev_ring(struct vob_dev *d)
{
	/* A doorbell the port cannot ring is not fatal: the peer polls. */
	(void)vob_link_doorbell(d->t->link, vob_dev_ctrl_doorbell(d), 0);
}

static void features_load(uint8_t *area, size_t off, uint64_t f[2])
{
	f[0] = f64_load(area, off);
	f[1] = f64_load(area, off + 8u);
}

/* Features a queue of this link may use: none that this build left out
 * (config.h), and no packed ring on cached windows, where both sides would
 * write the same lines (docs/packed.md). */
static uint64_t link_feature_mask(const struct vob_link *link)
{
	(void)link;
	return ~VOB_VQ_FEATURES_OUT &
	       (VOB_LINK_CACHED(link) ? ~VOB_BIT(VOB_F_RING_PACKED) : ~(uint64_t)0);
}

/* Publish the device in its slot with this side's epoch (hot add,
 * docs/protocol.md section 4): at vob_dev_init(), and again when this side
 * announced itself anew after its memory was wiped (vob_table_peer()). */
static void device_publish_slot(struct vob_dev *d)
{
	struct vob_table *t = d->t;
	uint8_t *a = d->area;
	unsigned q;

	vob_store_le32(f32(a, DEV_EPOCH), 0);
	table_out(t, a, 16);
	VOB_WMB(); /* unpublish before rewriting the slot */
	/* The publication number: this sequence number, which the slot never
	 * had before, so a driver that missed the removal still sees a new
	 * device, and a request it wrote for the old one is not taken by this
	 * one (after a wipe the new epoch does that). Stored before every
	 * other field: a driver reading the fields while they change sees it
	 * change (driver_discover()). */
	d->seq = vob_load_le32(f32(a, DEV_SEQ)) + 1u;
	d->pub = d->seq;
	vob_store_le32(f32(a, DEV_PUB), d->pub);
	table_out(t, a, DEV_PUB + 4u);
	VOB_WMB(); /* the new number before the fields it covers */
	/* Reserved bytes, every queue_max, the config and the padding: zero,
	 * but for what is written below. */
	vob_memset(a + DEV_PUB + 4u, 0, t->dev_bytes - (DEV_PUB + 4u));
	vob_store_le32(f32(a, DEV_ACK), 0);
	vob_store_le32(f32(a, DEV_DRV_EPOCH), 0);
	vob_store_le32(f32(a, DEV_DEVICE_ID), d->cfg.device_id);
	vob_store_le32(f32(a, DEV_VENDOR_ID), d->cfg.vendor_id);
	f64_store(a, DEV_FEATURES, d->cfg.features[0] & link_feature_mask(t->link));
	f64_store(a, DEV_FEATURES + 8u, d->cfg.features[1]);
	vob_store_le16(f16(a, DEV_NUM_QUEUES), d->cfg.num_queues);
	vob_store_le16(f16(a, DEV_CONFIG_LEN), d->cfg.config_len);
	vob_store_le32(f32(a, DEV_CONFIG_GEN), 0);
	/* status 0 and the side, one word (DEV_SIDE = DEV_STATUS + 2). */
	vob_store_le32(f32(a, DEV_STATUS), (uint32_t)t->side << 16);
	for (q = 0; q < d->cfg.num_queues; q++)
		vob_store_le16(f16(a, DEV_QUEUE_MAX + 2u * q), d->cfg.queues[q].size);
	if (d->cfg.config_len)
		vob_memcpy(a + config_off(t), d->cfg.config, d->cfg.config_len);
	vob_store_le32(f32(a, DEV_SEQ), d->seq);
	table_out(t, a, t->dev_bytes);
	/* Every field before the epoch that publishes the slot; pairs with
	 * the driver's acquire-load of the slot epoch. */
	vob_store_release_le32(f32(a, DEV_EPOCH), t->epoch);
	table_out(t, a, 16);
	d->state = VOB_DEV_READY;
	dev_ring(d);
}

int vob_dev_init(struct vob_dev *d, struct vob_table *t, const struct vob_dev_cfg *cfg)
{
	bool dev;

	if (VOB_ARG_BAD(!d || !t || !cfg || cfg->slot >= t->nslots ||
			(cfg->role != VOB_ROLE_DRIVER && cfg->role != VOB_ROLE_DEVICE) ||
			cfg->num_queues > t->nqueues || (cfg->num_queues && !cfg->queues) ||
			!(cfg->features[0] & VOB_BIT(VOB_F_VERSION_1))))
		return VOB_EINVAL;
	if ((!VOB_CFG_DRIVER && cfg->role == VOB_ROLE_DRIVER) ||
	    (!VOB_CFG_DEVICE && cfg->role == VOB_ROLE_DEVICE) ||
	    (!VOB_CFG_FOREIGN && cfg->foreign_queues))
		return VOB_ENOTSUP; /* a role or proxying this build left out (config.h) */
	dev = VOB_CFG_DEVICE && cfg->role == VOB_ROLE_DEVICE;
	if (VOB_ARG_BAD(dev && (cfg->config_len > t->config_max ||
			       (cfg->config_len && !cfg->config))))
		return VOB_EINVAL;
	if (VOB_ARG_BAD(!dev && cfg->num_queues && !cfg->on_lost && !cfg->foreign_queues))
		return VOB_EINVAL;
	vob_memset(d, 0, sizeof(*d));
	d->t = t;
	d->cfg = *cfg;
	d->peer_gen = t->peer_gen;
	d->area = dev_area(t, cfg->slot);
	if (dev)
		device_publish_slot(d);
	return 0;
}

/* ---- device role ---------------------------------------------------------- */
#if VOB_CFG_DEVICE
static void device_stop_queues(struct vob_dev *d)
{
	d->qmask[0] = d->qmask[1] = 0;
	if (d->state == VOB_DEV_LIVE)
		d->state = VOB_DEV_READY;
}

/* Back to reset: no queues, nothing negotiated, status 0. Out of line:
 * GCC emitted it in three places of vob_dev_poll(). */
static VOB_NOINLINE void device_reset(struct vob_dev *d)
{
	device_stop_queues(d);
	d->features[0] = d->features[1] = 0;
	d->status = 0;
}

/* Publish status and sequence changes of the device area. */
static void device_publish(struct vob_dev *d)
{
	uint8_t *a = d->area;

	vob_store_le16(f16(a, DEV_STATUS), d->status);
	table_out(d->t, a, 64);
	/* The fields before the sequence number the driver watches. */
	vob_store_release_le32(f32(a, DEV_SEQ), ++d->seq);
	table_out(d->t, a, 64);
	dev_ring(d);
}

/* Bytes of the table. */
static uint32_t table_size(const struct vob_table *t)
{
	return (uint32_t)(2u * hdr_bytes(t) + (uint32_t)t->nslots * t->slot_bytes);
}

/* Whether [addr, addr + len) overlaps the table of @size bytes at @at. */
static bool table_overlaps(uint64_t at, uint32_t size, uint64_t addr, uint64_t len)
{
	/* Distances modulo 2^64, not ends: the table or the area may end at
	 * 2^64, where an end wraps to 0. Exact for areas that do not wrap;
	 * one that does lies in no window and is refused when mapped. */
	return len && (addr - at < size || at - addr < len);
}

/* A placement a foreign party runs (vob_dev_cfg::foreign_queues) gets the
 * checks vob_vq_init() makes on this side's own queues: the size for the
 * ring format, the start, and line-aligned areas (@p len bytes each: the
 * descriptors, the driver area, the device area) wholly inside a window
 * with the access the device role needs. */
static bool foreign_placement_ok(const struct vob_link *link, const struct vob_vq_cfg *c,
				 const size_t len[3])
{
	bool packed = VOB_CFG_PACKED && (c->features & VOB_BIT(VOB_F_RING_PACKED));
	const uint64_t at[3] = { c->desc_addr, c->driver_addr, c->device_addr };
	unsigned k;

	if (!c->size || c->size > VOB_VQ_MAX_SIZE || (!packed && (c->size & (c->size - 1u))) ||
	    !vob_vq_start_ok(c->start, c->size, packed))
		return false;
	for (k = 0; k < 3; k++) {
		unsigned access = k == 2 || (k == 0 && packed) ? VOB_MAP_READ | VOB_MAP_WRITE
							       : VOB_MAP_READ;

		if ((at[k] & (link->line - 1u)) || !vob_link_translate(link, at[k], len[k], access, NULL))
			return false;
	}
	return true;
}

/* Start every queue the driver enabled; false when a placement is bad.
 * Out of line: inlined, its locals cost vob_dev_poll more than a call.
 * The queue's entry @e and its @dq walk along; the table's place is taken
 * once (the calls in the loop could change *d->t, as far as GCC knows). */
static VOB_NOINLINE bool device_start_queues(struct vob_dev *d, uint8_t *drv)
{
	struct vob_dev_queue *dq = d->cfg.queues;
	uint8_t *e = drv + DRV_QUEUES;
	uint64_t tab = d->t->addr;
	uint32_t tab_size = table_size(d->t);
	unsigned q;

	table_in(d->t, e, (size_t)d->cfg.num_queues * DRVQ_BYTES);
	for (q = 0; q < d->cfg.num_queues; q++, dq++, e += DRVQ_BYTES) {
		struct vob_vq_cfg c;
		size_t len[3];
		unsigned k;

		if (!vob_load_le16(f16(e, DRVQ_ENABLE)))
			continue;
		queue_cfg(d, q, vob_load_le16(f16(e, DRVQ_SIZE)), &c);
		if (c.size > dq->size)
			return false;
		/* The three ring areas (descriptors, driver, device: DRVQ_DESC
		 * on), read straight into @c, none of which may lie over the
		 * table: the device would write its used ring over the headers
		 * and slots. */
		len[0] = VOB_SPLIT_DESC_BYTES(c.size);
		len[1] = VOB_SPLIT_AVAIL_BYTES(c.size);
		len[2] = VOB_SPLIT_USED_BYTES(c.size);
		if (VOB_CFG_PACKED && (c.features & VOB_BIT(VOB_F_RING_PACKED)))
			len[1] = len[2] = 4u;
		for (k = 0; k < 3; k++) {
			uint64_t *at = CFG_ADDR(&c, k);

			*at = f64_load(e, DRVQ_DESC + 8u * k);
			if (table_overlaps(tab, tab_size, *at, len[k]))
				return false;
		}
		c.seg_max = d->cfg.seg_max;
		c.start = vob_load_le16(f16(e, DRVQ_START));
		/* vob_vq_init() checks the start; for a foreign party, the
		 * same rule (vob_vq_start_ok). */
		if (!FOREIGN(d) &&
		    (!dq->vq || vob_vq_init(dq->vq, d->t->link, &c, dq->state, dq->state_len)))
			return false;
		if (FOREIGN(d) && !foreign_placement_ok(d->t->link, &c, len))
			return false;
		dq->start = c.start;
		dq->desc_addr = c.desc_addr;
		dq->driver_addr = c.driver_addr;
		dq->device_addr = c.device_addr;
		d->queue_max[q] = c.size;
		qbit_set(d->qmask, q);
	}
	return true;
}

/* Apply one request; returns the new status. */
static uint16_t device_apply(struct vob_dev *d, uint16_t want, uint64_t f[2], uint8_t *drv)
{
	uint16_t cur = d->status, add;

	if (want == 0) {
		device_reset(d);
		return 0;
	}
	if (want & VOB_STATUS_FAILED) {
		device_stop_queues(d);
		return (uint16_t)(cur | VOB_STATUS_FAILED);
	}
	if (cur & (VOB_STATUS_NEEDS_RESET | VOB_STATUS_FAILED))
		return cur; /* nothing moves until a reset */
	if ((want & cur) != cur) {
		/* Status bits are never cleared except by a reset. */
		device_stop_queues(d);
		return (uint16_t)(cur | VOB_STATUS_NEEDS_RESET);
	}
	add = (uint16_t)(want & ~cur & STATUS_STEPS);
	if (add & VOB_STATUS_ACKNOWLEDGE)
		cur |= VOB_STATUS_ACKNOWLEDGE;
	if ((add & VOB_STATUS_DRIVER) && (cur & VOB_STATUS_ACKNOWLEDGE))
		cur |= VOB_STATUS_DRIVER;
	if ((add & VOB_STATUS_FEATURES_OK) && (cur & VOB_STATUS_DRIVER)) {
		uint64_t offered0 = d->cfg.features[0] & link_feature_mask(d->t->link);

		/* A subset of what was offered, with VERSION_1; else refused.
		 * The hook gets @f, device_poll()'s copy of the request: what
		 * it might change there is not taken. */
		if (!(f[0] & ~offered0) && !(f[1] & ~d->cfg.features[1]) &&
		    (f[0] & VOB_BIT(VOB_F_VERSION_1))) {
			d->features[0] = f[0];
			d->features[1] = f[1];
			if (!d->cfg.accept_features || d->cfg.accept_features(d->cfg.arg, f))
				cur |= VOB_STATUS_FEATURES_OK;
		}
	}
	if ((add & VOB_STATUS_DRIVER_OK) && (cur & VOB_STATUS_FEATURES_OK)) {
		if (device_start_queues(d, drv)) {
			cur |= VOB_STATUS_DRIVER_OK;
		} else {
			device_stop_queues(d);
			cur |= VOB_STATUS_NEEDS_RESET;
		}
	}
	return cur;
}

static int device_poll(struct vob_dev *d, int peer)
{
	struct vob_table *t = d->t;
	uint8_t *drv = drv_area(d), *a = d->area;
	uint64_t f[2];
	uint32_t req;
	uint16_t want, before = d->state;
	bool live, moved;
	int ev = 0;

	/* The slot's epoch, a word only this side writes, is no longer this
	 * side's epoch: this side announced a new one (its header was wiped,
	 * vob_table_peer()), or the slot itself was wiped, perhaps after a
	 * republication seen half way through the peer's wipe. Published
	 * again at every poll until it stays. */
	table_in(t, a, 16);
	moved = vob_load_le32(f32(a, DEV_EPOCH)) != t->epoch;
	if (d->peer_gen != t->peer_gen || moved) {
		/* The driver's side restarted or left: back to reset. */
		d->peer_gen = t->peer_gen;
		d->req = 0;
		if (moved || (d->status | d->qmask[0] | d->qmask[1])) {
			/* Nothing is negotiated with the next driver yet. */
			device_reset(d);
			if (moved)
				device_publish_slot(d);
			else
				device_publish(d);
			ev |= VOB_DEV_EV_RESET;
		}
	}
	if (peer != 1)
		goto out;
	table_in(t, drv, t->line);
	/* The request number before the fields it covers; pairs with the
	 * release in driver_request(). Those fields on other lines are
	 * dropped again after it (table_in_after()). */
	req = vob_load_acquire_le32(f32(drv, DRV_REQ));
	if (req == d->req)
		goto out;
	table_in_after(t, drv, DRV_REQ, DRV_QUEUES);
	if (vob_load_le32(f32(drv, DRV_EPOCH)) != t->peer_epoch ||
	    vob_load_le32(f32(drv, DRV_DEV_EPOCH)) != t->epoch ||
	    vob_load_le32(f32(drv, DRV_DEV_PUB)) != d->pub)
		goto out; /* nothing new, or not for this publication of ours */
	want = vob_load_le16(f16(drv, DRV_STATUS));
	features_load(drv, DRV_FEATURES, f);
	d->req = req;
	live = d->state == VOB_DEV_LIVE;
	d->status = device_apply(d, want, f, drv);
	/* Live is DRIVER_OK without FAILED or NEEDS_RESET: those two keep the
	 * DRIVER_OK bit, but device_apply() stopped the queues. */
	if ((d->status & (VOB_STATUS_DRIVER_OK | VOB_STATUS_NEEDS_RESET | VOB_STATUS_FAILED)) ==
	    VOB_STATUS_DRIVER_OK) {
		if (!live)
			ev |= VOB_DEV_EV_LIVE;
		d->state = VOB_DEV_LIVE;
	} else if (live) {
		ev |= VOB_DEV_EV_RESET; /* device_apply() stopped the queues */
	}
	/* The answer (status, and whose request it is) before the ack that
	 * announces it; pairs with the acquire of ack in driver_poll(). A driver
	 * that saw the new ack with the old status took the answer as a refusal.
	 * On a cached table the status is cleaned first: when L <= 32 it is not
	 * on the ack's line, and the line holding the ack could reach memory
	 * before it. */
	vob_store_le16(f16(a, DEV_STATUS), d->status);
	vob_store_le32(f32(a, DEV_DRV_EPOCH), t->peer_epoch);
	table_out(t, a, 64);
	vob_store_release_le32(f32(a, DEV_ACK), req);
	device_publish(d);
out:
	if (d->state != before)
		ev |= VOB_DEV_EV_STATE;
	return ev;
}

int vob_dev_set_needs_reset(struct vob_dev *d)
{
	if (VOB_ARG_BAD(d->cfg.role != VOB_ROLE_DEVICE))
		return VOB_EPERM;
	device_stop_queues(d);
	d->status |= VOB_STATUS_NEEDS_RESET;
	device_publish(d);
	return 0;
}

int vob_dev_remove(struct vob_dev *d)
{
	uint8_t *a;

	if (VOB_ARG_BAD(d->cfg.role != VOB_ROLE_DEVICE))
		return VOB_EPERM;
	a = d->area;
	device_stop_queues(d);
	d->state = VOB_DEV_OFF;
	vob_store_release_le32(f32(a, DEV_EPOCH), 0);
	table_out(d->t, a, 16);
	vob_store_release_le32(f32(a, DEV_SEQ), ++d->seq);
	table_out(d->t, a, 16);
	dev_ring(d);
	return 0;
}

int vob_dev_config_write(struct vob_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	uint8_t *a;

	if (VOB_ARG_BAD(d->cfg.role != VOB_ROLE_DEVICE))
		return VOB_EPERM;
	if (VOB_ARG_BAD(off > d->cfg.config_len || len > d->cfg.config_len - off))
		return VOB_ERANGE;
	a = d->area;
	/* An odd generation while the bytes change: a driver reading across
	 * the update retries. */
	vob_store_le32(f32(a, DEV_CONFIG_GEN), ++d->gen);
	table_out(d->t, a, 64);
	VOB_WMB(); /* odd generation before the bytes */
	vob_memcpy(a + config_off(d->t) + off, buf, len);
	table_out(d->t, a + config_off(d->t) + off, len);
	vob_store_release_le32(f32(a, DEV_CONFIG_GEN), ++d->gen);
	device_publish(d);
	return 0;
}

#else
int vob_dev_set_needs_reset(struct vob_dev *d)
{
	(void)d;
	return VOB_ENOTSUP;
}

int vob_dev_remove(struct vob_dev *d)
{
	(void)d;
	return VOB_ENOTSUP;
}

int vob_dev_config_write(struct vob_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	(void)d;
	(void)off;
	(void)buf;
	(void)len;
	return VOB_ENOTSUP;
}
#endif

/* ---- driver role ---------------------------------------------------------- */
#if VOB_CFG_DRIVER
static uint64_t table_now(const struct vob_table *t)
{
	return t->link->ops->clock_ns ? t->link->ops->clock_ns(t->link->ctx) : t->polls;
}

/* @give_back: hand every token in flight back to the application and
 * forget the queues. Only once the device cannot touch the buffers any
 * more: it answered a reset (or said NEEDS_RESET, which stops its queues),
 * it was removed or published again, or its side restarted or left.
 * Otherwise stop the queues taking new buffers (vob_dev_reset()), tokens
 * kept. Returns whether queues ran. */
static bool driver_queues(struct vob_dev *d, bool give_back)
{
	bool had = qany(d->qmask);
	unsigned q;

	for (q = 0; q < d->cfg.num_queues; q++) {
		struct vob_vq *vq = d->cfg.queues[q].vq;
		void *tok;

		if (!qbit(d->qmask, q) || FOREIGN(d))
			continue;
		vq->broken = 1;
		while (give_back && (tok = vob_vq_reclaim(vq)) != NULL)
			d->cfg.on_lost(d->cfg.arg, (uint16_t)q, tok);
	}
	if (give_back)
		d->qmask[0] = d->qmask[1] = 0;
	return had;
}

/* Reclaim every token and forget the device: rediscovered at a later poll.
 * Out of line: called twice from driver_poll(), inlined it costs more. */
static VOB_NOINLINE void driver_drop(struct vob_dev *d)
{
	(void)driver_queues(d, true);
	d->pending = 0;
	d->dev_epoch = 0;
	d->status = 0;
	d->features[0] = d->features[1] = 0;
	d->state = VOB_DEV_OFF;
}

/* Write a request for status @status (features and queues already in the
 * area), then its sequence number, and ring. */
static void driver_request(struct vob_dev *d, uint16_t status)
{
	struct vob_table *t = d->t;
	uint8_t *drv = drv_area(d);

	d->status = status;
	vob_store_le32(f32(drv, DRV_EPOCH), t->epoch);
	vob_store_le32(f32(drv, DRV_DEV_EPOCH), d->dev_epoch);
	vob_store_le32(f32(drv, DRV_DEV_PUB), d->pub);
	/* status and the 2 reserved bytes after it, as one word. */
	vob_store_le32(f32(drv, DRV_STATUS), status);
	f64_store(drv, DRV_FEATURES, d->features[0]);
	f64_store(drv, DRV_FEATURES + 8u, d->features[1]);
	vob_memset(drv + DRV_DEV_PUB + 4u, 0, DRV_QUEUES - (DRV_DEV_PUB + 4u)); /* reserved */
	table_out(t, drv, t->slot_bytes - t->dev_bytes);
	/* 0 is no request: a slot published anew has handled none (section
	 * 6.1), so the number after 2^32 - 1 is 1. */
	d->req++;
	d->req += !d->req;
	/* Request fields before the number that announces them; pairs with the
	 * acquire in device_poll(). */
	vob_store_release_le32(f32(drv, DRV_REQ), d->req);
	table_out(t, drv, 16);
	d->pending = 1;
	d->timed_out = 0;
	d->sent = table_now(t);
	dev_ring(d);
}

/* Initialise the driver's queues and write their placement. */
static bool driver_setup_queues(struct vob_dev *d)
{
	uint8_t *drv = drv_area(d);
	unsigned q;

	/* Every entry of the table's geometry, not only this driver's: the
	 * device reads as many as it has queues, and the area may hold what an
	 * earlier driver with more queues enabled there, or power-on garbage. */
	vob_memset(drv + DRV_QUEUES, 0, (size_t)d->t->nqueues * DRVQ_BYTES);
	for (q = 0; q < d->cfg.num_queues && q < d->dev_queues; q++) {
		uint8_t *e = drv + DRV_QUEUES + (size_t)q * DRVQ_BYTES;
		struct vob_dev_queue *dq = &d->cfg.queues[q];
		uint16_t size = dq->size;
		struct vob_vq_cfg c;

		if (!dq->vq && !FOREIGN(d))
			continue;
		if (FOREIGN(d) && size > d->queue_max[q])
			return false; /* the foreign party chose it: not ours to lower */
		while (size > d->queue_max[q])
			size >>= 1;
		if (!size)
			continue;
		queue_cfg(d, q, size, &c);
		c.desc_addr = dq->desc_addr;
		c.driver_addr = dq->driver_addr;
		c.device_addr = dq->device_addr;
		/* Read by vob_vq_init() only in a build with indirect tables. */
		if (VOB_CFG_INDIRECT) {
			c.indirect_addr = dq->indirect_addr;
			c.indirect_max = dq->indirect_max;
		}
		c.start = dq->start;
		if (!FOREIGN(d) &&
		    vob_vq_init(dq->vq, d->t->link, &c, dq->state, dq->state_len))
			return false;
		vob_store_le16(f16(e, DRVQ_SIZE), size);
		vob_store_le16(f16(e, DRVQ_ENABLE), 1);
		vob_store_le16(f16(e, DRVQ_START), c.start);
		f64_store(e, DRVQ_DESC, c.desc_addr);
		f64_store(e, DRVQ_DRIVER, c.driver_addr);
		f64_store(e, DRVQ_DEVICE, c.device_addr);
		qbit_set(d->qmask, q);
	}
	return true;
}

/* The device found in the slot (published with @epoch): read what it
 * offers, once, and check it. The slot may be removed and published again
 * while we read: its publication number is read before the fields and
 * again after them, and a republication stores it (after the epoch 0 and
 * before the fields: vob_dev_init()), so an unchanged number with the epoch
 * still set means every field is of one publication. Otherwise: false, and
 * the next poll tries again. */
static bool driver_discover(struct vob_dev *d, uint8_t *a, uint32_t epoch)
{
	struct vob_table *t = d->t;
	uint32_t pub = vob_load_le32(f32(a, DEV_PUB));
	uint16_t nq;
	unsigned q;

	VOB_RMB(); /* the number before the epoch: 0 while it is rewritten */
	if (vob_load_le32(f32(a, DEV_EPOCH)) != epoch)
		return false;
	/* On a cached table the fields' lines may have been filled before
	 * the number's: again, after it (up to the config bytes, which are
	 * vob_dev_config_read()'s). */
	table_in(t, a, config_off(t));
	nq = vob_load_le16(f16(a, DEV_NUM_QUEUES));
	if (vob_load_le16(f16(a, DEV_SIDE)) != 1u - t->side || nq > t->nqueues ||
	    vob_load_le16(f16(a, DEV_CONFIG_LEN)) > t->config_max)
		return false;
	/* Another kind of device than the one asked for: as if absent. */
	if (d->cfg.device_id && vob_load_le32(f32(a, DEV_DEVICE_ID)) != d->cfg.device_id)
		return false;
	features_load(a, DEV_FEATURES, d->offered);
	d->dev_queues = nq;
	for (q = 0; q < nq; q++)
		d->queue_max[q] = vob_load_le16(f16(a, DEV_QUEUE_MAX + 2u * q));
	d->seq_seen = vob_load_le32(f32(a, DEV_SEQ));
	d->gen_seen = vob_load_le32(f32(a, DEV_CONFIG_GEN));
	VOB_RMB(); /* the fields before the number again */
	table_in(t, a, DEV_PUB + 4u);
	if (vob_load_le32(f32(a, DEV_PUB)) != pub)
		return false;
	d->dev_epoch = epoch;
	d->pub = pub;
	return true;
}

/* The device acknowledged our request with status @st. */
static int driver_answer(struct vob_dev *d, uint16_t st)
{
	uint16_t want = d->status;
	int ev;

	/* The answer to our FAILED: nothing more until vob_dev_reset(). Taken
	 * as a step, it set the queues up and asked again, once per poll and
	 * with a doorbell each, for as long as the failure lasted. */
	if (want & VOB_STATUS_FAILED)
		return 0;
	if (st & VOB_STATUS_NEEDS_RESET) {
		d->state = VOB_DEV_NEEDS_RESET;
		return VOB_DEV_EV_NEEDS_RESET;
	}
	if (want == 0) {
		if (st != 0) {
			/* Answered without resetting: ask again (one request per
			 * poll, so a device that never resets costs no more). */
			driver_request(d, 0);
			return 0;
		}
		/* Status 0 for our request: the device stopped its queues and
		 * gives the buffers back (vob_dev_reset()). */
		ev = driver_queues(d, true) ? VOB_DEV_EV_RESET : 0;
		d->state = VOB_DEV_NEGOTIATING;
		driver_request(d, VOB_STATUS_ACKNOWLEDGE);
		return ev;
	}
	if ((st & want) != want) {
		if (want & VOB_STATUS_FEATURES_OK && !(st & VOB_STATUS_FEATURES_OK) &&
		    (st & VOB_STATUS_DRIVER)) {
			d->state = VOB_DEV_FAILED;
			driver_request(d, (uint16_t)(st | VOB_STATUS_FAILED));
			return VOB_DEV_EV_REFUSED;
		}
		d->state = VOB_DEV_FAILED;
		return 0;
	}
	if (want == VOB_STATUS_ACKNOWLEDGE) {
		driver_request(d, VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER);
	} else if (want == (VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER)) {
		uint64_t f0 = d->cfg.features[0] & d->offered[0] & link_feature_mask(d->t->link);
		uint64_t f1 = d->cfg.features[1] & d->offered[1];
		bool ok;

		/* The application's hook may clear bits of the set asked
		 * for, not add one (a caller contract: masked, or asserted
		 * without caller checks), or refuse the device, as one
		 * without VERSION_1 is. */
		d->features[0] = f0;
		d->features[1] = f1;
		ok = !d->cfg.accept_features || d->cfg.accept_features(d->cfg.arg, d->features);
		if (VOB_CFG_ARG_CHECKS) {
			d->features[0] &= f0;
			d->features[1] &= f1;
		} else {
			VOB_ASSERT(!(d->features[0] & ~f0) && !(d->features[1] & ~f1));
		}
		if (!ok || !(d->features[0] & VOB_BIT(VOB_F_VERSION_1))) {
			d->state = VOB_DEV_FAILED;
			driver_request(d, (uint16_t)(want | VOB_STATUS_FAILED));
			return VOB_DEV_EV_REFUSED;
		}
		driver_request(d, (uint16_t)(want | VOB_STATUS_FEATURES_OK));
	} else if (!(want & VOB_STATUS_DRIVER_OK)) {
		if (!driver_setup_queues(d)) {
			d->qmask[0] = d->qmask[1] = 0;
			d->state = VOB_DEV_FAILED;
			driver_request(d, (uint16_t)(want | VOB_STATUS_FAILED));
			return 0;
		}
		d->state = VOB_DEV_STARTING;
		driver_request(d, (uint16_t)(want | VOB_STATUS_DRIVER_OK));
	} else {
		d->state = VOB_DEV_LIVE;
		return VOB_DEV_EV_LIVE;
	}
	return 0;
}

static int driver_poll(struct vob_dev *d, int peer)
{
	struct vob_table *t = d->t;
	uint8_t *a = d->area;
	uint16_t before = d->state;
	uint32_t epoch, ack, seq;
	int ev = 0;

	if (d->peer_gen != t->peer_gen) {
		d->peer_gen = t->peer_gen;
		if (d->state != VOB_DEV_OFF) {
			driver_drop(d);
			ev |= VOB_DEV_EV_RESET;
		}
	}
	if (peer != 1)
		goto out;
	/* The three words that publish the rest of the area, all on its first
	 * line, each before the fields it publishes: the slot epoch (pairs with
	 * the release in vob_dev_init()), ack (device_poll()) and seq
	 * (device_publish()). Then the other lines again, for the fields read
	 * after them (table_in_after()); the config bytes are
	 * vob_dev_config_read()'s. */
	table_in(t, a, t->line);
	epoch = vob_load_acquire_le32(f32(a, DEV_EPOCH));
	ack = vob_load_acquire_le32(f32(a, DEV_ACK));
	seq = vob_load_acquire_le32(f32(a, DEV_SEQ));
	table_in_after(t, a, DEV_SEQ, d->state == VOB_DEV_OFF ? config_off(t) : DEV_QUEUE_MAX);
	if (d->state == VOB_DEV_OFF) {
		/* Published with the peer's epoch, which is not 0 (peer is 1:
		 * vob_table_peer() takes no header with epoch 0 for valid), so
		 * an unpublished slot (epoch 0) is refused here too. */
		if (epoch != t->peer_epoch || !driver_discover(d, a, epoch))
			goto out;
		driver_request(d, 0);
		d->state = VOB_DEV_RESETTING;
		goto out;
	}
	if (epoch != d->dev_epoch || vob_load_le32(f32(a, DEV_PUB)) != d->pub) {
		/* Removed, or published again (by a restarted side: a new
		 * epoch; by the same side: a new publication): start over. */
		driver_drop(d);
		ev |= VOB_DEV_EV_RESET;
		goto out;
	}
	if (d->pending) {
		if (ack == d->req && vob_load_le32(f32(a, DEV_DRV_EPOCH)) == t->epoch) {
			d->pending = 0;
			ev |= driver_answer(d, vob_load_le16(f16(a, DEV_STATUS)));
		} else if (!d->timed_out && table_now(t) - d->sent >= t->timeout) {
			d->timed_out = 1;
			ev |= VOB_DEV_EV_TIMEOUT;
		}
	}
	if (seq != d->seq_seen) {
		uint32_t gen = vob_load_le32(f32(a, DEV_CONFIG_GEN));

		if ((vob_load_le16(f16(a, DEV_STATUS)) & VOB_STATUS_NEEDS_RESET) &&
		    d->state == VOB_DEV_LIVE) {
			d->state = VOB_DEV_NEEDS_RESET;
			ev |= VOB_DEV_EV_NEEDS_RESET;
		}
		/* An odd generation: the update is under way, or its end (the
		 * line of config_gen) not yet in memory although the seq after
		 * it is. Taken now, the seq would hide the end of the update for
		 * good: look at it again at the next poll. */
		if (!(gen & 1u)) {
			d->seq_seen = seq;
			if (gen != d->gen_seen) {
				d->gen_seen = gen;
				ev |= VOB_DEV_EV_CONFIG;
			}
		}
	}
out:
	if (d->state != before)
		ev |= VOB_DEV_EV_STATE;
	return ev;
}

int vob_dev_reset(struct vob_dev *d)
{
	if (VOB_ARG_BAD(d->cfg.role != VOB_ROLE_DRIVER))
		return VOB_EPERM;
	if (d->state == VOB_DEV_OFF)
		return 0; /* no device known: its discovery starts with a reset */
	/* The device stopped its queues before it said NEEDS_RESET: the
	 * buffers are ours again at once. Otherwise it may still take and fill
	 * buffers until it handles the request: the queues refuse new ones
	 * now, and the tokens stay in them until the answer, status 0, comes
	 * (driver_answer()), or the device or its side goes away
	 * (driver_poll()). */
	(void)driver_queues(d, d->state == VOB_DEV_NEEDS_RESET);
	d->features[0] = d->features[1] = 0;
	d->state = VOB_DEV_RESETTING;
	driver_request(d, 0);
	return 0;
}

int vob_dev_config_read(struct vob_dev *d, uint32_t off, void *buf, uint32_t len)
{
	uint8_t *a;
	unsigned i;

	if (VOB_ARG_BAD(d->cfg.role != VOB_ROLE_DRIVER))
		return VOB_EPERM;
	if (!d->dev_epoch)
		return VOB_ENODEV;
	a = d->area;
	for (i = 0; i < CONFIG_READ_TRIES; i++) {
		uint32_t g1, g2, clen;

		table_in(d->t, a, d->t->dev_bytes);
		g1 = vob_load_acquire_le32(f32(a, DEV_CONFIG_GEN));
		clen = vob_load_le16(f16(a, DEV_CONFIG_LEN));
		if (clen > d->t->config_max || off > clen || len > clen - off)
			return VOB_ERANGE;
		if (g1 & 1u)
			continue;
		/* On a cached table the lines are filled in any order, and
		 * early (a prefetch): the config's are fetched again after g1,
		 * the generation's again before g2, so that a change made
		 * while either was filled shows as g1 != g2. */
		table_in(d->t, a + config_off(d->t) + off, len);
		vob_memcpy(buf, a + config_off(d->t) + off, len);
		VOB_RMB(); /* the bytes before the second generation read */
		table_in(d->t, f32(a, DEV_CONFIG_GEN), 4);
		g2 = vob_load_le32(f32(a, DEV_CONFIG_GEN));
		if (g1 == g2)
			return 0;
	}
	return VOB_EAGAIN;
}

#else
int vob_dev_reset(struct vob_dev *d)
{
	(void)d;
	return VOB_ENOTSUP;
}

int vob_dev_config_read(struct vob_dev *d, uint32_t off, void *buf, uint32_t len)
{
	(void)d;
	(void)off;
	(void)buf;
	(void)len;
	return VOB_ENOTSUP;
}
#endif

int vob_dev_poll(struct vob_dev *d)
{
	int peer;

#if VOB_CFG_DEVICE && VOB_CFG_DRIVER
	if (d->cfg.role == VOB_ROLE_DEVICE && d->state == VOB_DEV_OFF)
		return VOB_EIO;
	peer = vob_table_peer(d->t);
	return d->cfg.role == VOB_ROLE_DEVICE ? device_poll(d, peer) : driver_poll(d, peer);
#elif VOB_CFG_DEVICE
	if (d->state == VOB_DEV_OFF)
		return VOB_EIO;
	peer = vob_table_peer(d->t);
	return device_poll(d, peer);
#else
	peer = vob_table_peer(d->t);
	return driver_poll(d, peer);
#endif
}

/* Sizes of a placement, line padding included, are 32-bit (below). */
VOB_STATIC_ASSERT(VOB_CACHE_LINE_MAX <= 65536u, placement_sizes_fit_32_bits);

/* Take @need bytes from @a, starting on a line; ENOMEM leaves @a as it was. */
static VOB_NOINLINE int arena_take(struct vob_arena *a, uint32_t need, uint32_t line,
				   uint64_t *addr)
{
	/* line is at most a page: the low word of the address decides. */
	uint32_t pad = (line - ((uint32_t)a->addr & (line - 1u))) & (line - 1u);

	if (pad + need > a->len)
		return VOB_ENOMEM;
	/* In this order: GCC loads the arena again after a store through
	 * @addr, which might alias it for all it knows. */
	a->len -= pad + need;
	*addr = a->addr + pad;
	a->addr = *addr + need;
	return 0;
}

int vob_place_split(struct vob_arena *dev_mem, struct vob_arena *drv_mem, uint16_t size,
		    uint32_t line, struct vob_dev_queue *q)
{
	/* At most 16 x 65535 bytes, rounded to a line: 32-bit sizes. */
	uint32_t desc_bytes = (uint32_t)VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(size), line);
	struct vob_arena d0 = *dev_mem;
	uint64_t desc, used;

	if (VOB_ARG_BAD(line < 16u || line > VOB_CACHE_LINE_MAX || (line & (line - 1u))))
		return VOB_EINVAL;
	/* Two copies of one arena would hand out the same memory twice. */
	if (VOB_ARG_BAD(dev_mem != drv_mem && dev_mem->addr < drv_mem->addr + drv_mem->len &&
			drv_mem->addr < dev_mem->addr + dev_mem->len))
		return VOB_EINVAL;
	if (arena_take(dev_mem,
		       desc_bytes + (uint32_t)VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(size), line), line,
		       &desc) ||
	    arena_take(drv_mem, (uint32_t)VOB_ALIGN_UP(VOB_SPLIT_USED_BYTES(size), line), line,
		       &used)) {
		/* Nothing taken from either arena (a failed take leaves its
		 * arena as it was; the same object twice is restored here
		 * too), @q untouched. */
		*dev_mem = d0;
		return VOB_ENOMEM;
	}
	q->desc_addr = desc;
	q->device_addr = used;
	q->driver_addr = desc + desc_bytes;
	q->size = size;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to the virtqueue engine: state layout and per-format entry points. */
#ifndef VOB_VQ_INTERNAL_H
#define VOB_VQ_INTERNAL_H

#include "vob/barrier.h"
#include "vob/err.h"
#include "vob/virtqueue.h"
#include "link_internal.h"
#include "mem_internal.h"

/* Descriptor flags (shared by both formats). */
#define VOB_DESC_F_NEXT 1u
#define VOB_DESC_F_WRITE 2u
#define VOB_DESC_F_INDIRECT 4u

/* Driver-role shadow of one descriptor, plus chain bookkeeping when the
 * descriptor is a chain head. Never read from shared memory. */
struct vob_vq_slot {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
	void *token;     /* non-NULL while the chain headed here is in flight */
	uint32_t in_len; /* writable bytes of the chain */
	uint16_t ndesc;  /* ring descriptors the chain holds */
	uint16_t last;   /* last ring descriptor of the chain */
};

VOB_STATIC_ASSERT(sizeof(struct vob_vq_slot) <= VOB_VQ_SLOT_BYTES, slot_fits);

/* Shadow of an indirect table entry, host order. */
struct vob_vq_ind {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

VOB_STATIC_ASSERT(sizeof(struct vob_vq_ind) == 16, ind_size);

/* Compile-time switches (config.h) as expressions that fold to a literal 0
 * when the part is compiled out, so that even an unoptimised build drops
 * the calls behind them. */
#define VOB_VQ_HAS(vq, on, f) ((on) && ((vq)->features & VOB_BIT(f)) != 0)
#define VOB_VQ_EVENT_IDX(vq) VOB_VQ_HAS(vq, VOB_CFG_EVENT_IDX, VOB_F_EVENT_IDX)
#define VOB_VQ_IN_ORDER(vq) VOB_VQ_HAS(vq, VOB_CFG_IN_ORDER, VOB_F_IN_ORDER)
#define VOB_VQ_INDIRECT(vq) VOB_VQ_HAS(vq, VOB_CFG_INDIRECT, VOB_F_INDIRECT_DESC)
#define VOB_VQ_PACKED(vq) (VOB_CFG_PACKED && (vq)->packed)
/* The queue plays the driver role (a constant when one role is compiled out). */
#define VOB_VQ_DRIVER(vq) \
	(VOB_CFG_DRIVER && (!VOB_CFG_DEVICE || (vq)->role == VOB_ROLE_DRIVER))
/* Ring features a build left out (see VOB_VQ_FEATURES). */
#define VOB_VQ_FEATURES_OUT (VOB_VQ_FEATURES_ALL & ~(uint64_t)VOB_VQ_FEATURES)
#if VOB_CFG_STATS
#define VOB_VQ_STAT(x) ((x)++)
#else
#define VOB_VQ_STAT(x) ((void)0)
#endif

static inline struct vob_vq_slot *vob_vq_slots(const struct vob_vq *vq)
{
	return (struct vob_vq_slot *)vq->state;
}

/* Device role: in-flight bitmap, then the ring descriptors each popped head
 * holds (for IN_ORDER bookkeeping). */
static inline uint8_t *vob_vq_inflight_map(const struct vob_vq *vq)
{
	return (uint8_t *)vq->state;
}

static inline uint16_t *vob_vq_dev_ndesc(const struct vob_vq *vq)
{
	return (uint16_t *)vob_ptr_add(vq->state, VOB_ALIGN_UP(((size_t)vq->size + 7u) / 8u, 8u));
}

/* Device role, packed with IN_ORDER: buffer ids in the order popped, a
 * circular list of size entries after the descriptor counts. */
static inline uint16_t *vob_vq_dev_order(const struct vob_vq *vq)
{
	return vob_vq_dev_ndesc(vq) + vq->size;
}

/* Driver role: shadow of the indirect table of the chain at @head. */
static inline struct vob_vq_ind *vob_vq_ind_shadow(const struct vob_vq *vq, uint16_t head)
{
	return (struct vob_vq_ind *)vob_ptr_add(vq->state, (size_t)vq->size * VOB_VQ_SLOT_BYTES) +
	       (size_t)head * vq->indirect_max;
}

/* Whether a ring of @size entries can begin at @start (vob_vq_cfg::start):
 * any split index; a packed position (bits 0-14) below the size. One rule
 * for vob_vq_init() and the table's check for a foreign party's queues. */
static inline bool vob_vq_start_ok(uint16_t start, uint16_t size, bool packed)
{
	return !packed || (start & 0x7fffu) < size;
}

/* Record the first protocol violation and break the queue; returns
 * VOB_EPROTO. One copy for both formats (vq.c). */
int vob_vq_set_fault(struct vob_vq *vq, enum vob_vq_fault f);

/* The event-index test of virtio: notify when @event lies in [old, new). */
static inline bool vob_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1u) < (uint16_t)(new_idx - old_idx);
}

/* Payload cache maintenance of the driver role, shared by both formats:
 * clean (@for_peer) or invalidate the segments that lie in VOB_MEM_CACHED
 * windows; invalidate the writable segments of the chain at @head, walking
 * its shadow descriptors (slot flags NEXT/WRITE/INDIRECT and next). */
void vob_vq_sync_payload(const struct vob_vq *vq, const struct vob_seg *segs, unsigned n,
			 bool for_peer);
void vob_vq_sync_used_payload(const struct vob_vq *vq, uint16_t head);

/* Driver role, both formats: check the arguments of vob_vq_add() and size
 * the chain. Returns the ring descriptors it needs (1 when it goes in an
 * indirect table, else n_out + n_in) or a negative error; @in_len receives
 * its writable bytes. */
int vob_vq_add_prep(const struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out,
		    unsigned n_in, const void *token, uint32_t *in_len);

/* Driver role, both formats: the chain at @head came back used: its
 * writable payload made visible (cached windows), its token to @token, its
 * descriptors given back and the token forgotten. */
void vob_vq_used_done(struct vob_vq *vq, uint16_t head, void **token);

/* Device role, both formats: whether buffer @id (a split head, a packed
 * buffer id) is popped and not pushed yet, and marking it so. */
static inline bool vob_vq_inflight_test(const struct vob_vq *vq, uint16_t id)
{
	return ((unsigned)vob_vq_inflight_map(vq)[id >> 3] >> (id & 7u)) & 1u;
}

static inline void vob_vq_inflight_set(struct vob_vq *vq, uint16_t id, bool on)
{
	uint8_t *m = &vob_vq_inflight_map(vq)[id >> 3];

	*m = (uint8_t)(on ? (*m | (1u << (id & 7u))) : (*m & ~(1u << (id & 7u))));
}

/* Device role, both formats: check one segment of a chain being walked (a
 * local copy of its descriptor) and append it to @chain, whose n_out, n_in,
 * out_len and in_len start at 0: readable segments before writable ones
 * (@seen_write carries that across the chain), the chain's total length
 * below 2^32, the range inside a window with the access its direction needs.
 * Zero-length segments are checked but not appended. */
enum vob_vq_fault vob_vq_chain_seg(const struct vob_vq *vq, struct vob_chain *chain,
				   bool *seen_write, uint64_t addr, uint32_t len, bool wr);

/* The formats' halves of the public calls; the dispatchers in vq.c have
 * checked the queue, its role and the caller's arguments. Split format. */
int vob_split_init(struct vob_vq *vq, uint16_t start);
int vob_split_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
		  void *token);
int vob_split_kick_prepare(struct vob_vq *vq);
int vob_split_get_used(struct vob_vq *vq, void **token, uint32_t *written);
int vob_split_pop(struct vob_vq *vq, struct vob_chain *chain);
int vob_split_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written);
int vob_split_enable_notify(struct vob_vq *vq);
void vob_split_disable_notify(struct vob_vq *vq);

/* Packed format. */
int vob_packed_init(struct vob_vq *vq, uint16_t start);
int vob_packed_add(struct vob_vq *vq, const struct vob_seg *segs, unsigned n_out, unsigned n_in,
		   void *token);
int vob_packed_kick_prepare(struct vob_vq *vq);
int vob_packed_get_used(struct vob_vq *vq, void **token, uint32_t *written);
int vob_packed_pop(struct vob_vq *vq, struct vob_chain *chain);
int vob_packed_push(struct vob_vq *vq, const struct vob_chain *chain, uint32_t written);
int vob_packed_enable_notify(struct vob_vq *vq);
void vob_packed_disable_notify(struct vob_vq *vq);

#endif

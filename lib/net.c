/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-net, both roles, on the public table, virtqueue and pool APIs
 * (docs/net.md). Everything the peer writes -- chain shapes, headers,
 * written lengths, num_buffers, config -- is copied once into local memory,
 * checked, then used; copies in and out of chains go through
 * vob_chain_pull()/vob_chain_push(), which stay inside the chain. */
#include "vob/net.h"
#include "vob/err.h"

#include "mem_internal.h"

#define NF(x) VOB_BIT(VOB_NET_F_##x)

/* Ring features each role brings besides the class's. */
#define RING_DEV_FEATURES \
	(VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(VOB_F_INDIRECT_DESC) | \
	 VOB_BIT(VOB_F_RING_PACKED))
#define RING_DRV_FEATURES (VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX))

#define GUEST_GSO (NF(GUEST_TSO4) | NF(GUEST_TSO6) | NF(GUEST_UFO) | NF(GUEST_USO4) | NF(GUEST_USO6))
#define HOST_GSO (NF(HOST_TSO4) | NF(HOST_TSO6) | NF(HOST_UFO) | NF(HOST_USO))

#define HDR_OFF(f) offsetof(struct vob_net_hdr, f)
#define CFG_OFF(f) offsetof(struct vob_net_config, f)

#define MTU_MIN 68u
#define BUF_SIZE_MAX 0x100000u /* 1 MiB: VOB_NET_MAX_SEGS buffers stay below 4 GiB */

VOB_STATIC_ASSERT(VOB_NET_QSIZE >= 1 && VOB_NET_QSIZE <= 32768 &&
			  (VOB_NET_QSIZE & (VOB_NET_QSIZE - 1)) == 0,
		  net_qsize_pow2);
VOB_STATIC_ASSERT(VOB_NET_SEG_MAX >= 1 && VOB_NET_SEG_MAX <= 65535, net_seg_max_range);
VOB_STATIC_ASSERT(VOB_NET_MAX_SEGS >= 1 && VOB_NET_MAX_SEGS <= 255, net_max_segs_range);
VOB_STATIC_ASSERT(VOB_NET_BUFS >= 2 && VOB_NET_BUFS < 65535, net_bufs_range);

/* ---- shared helpers -------------------------------------------------------- */

/* The spec's feature dependencies (virtio 1.x 5.1.3.1). */
static bool net_deps_ok(uint64_t f)
{
	if ((f & (NF(GUEST_TSO4) | NF(GUEST_TSO6) | NF(GUEST_UFO) | NF(GUEST_USO4) |
		  NF(GUEST_USO6))) &&
	    !(f & NF(GUEST_CSUM)))
		return false;
	if ((f & NF(GUEST_ECN)) && !(f & (NF(GUEST_TSO4) | NF(GUEST_TSO6))))
		return false;
	if ((f & HOST_GSO) && !(f & NF(CSUM)))
		return false;
	if ((f & NF(HOST_ECN)) && !(f & (NF(HOST_TSO4) | NF(HOST_TSO6))))
		return false;
	return true;
}

static void net_hdr_put(uint8_t b[VOB_NET_HDR_SIZE], const struct vob_net_hdr_info *h,
			uint16_t num_buffers)
{
	b[HDR_OFF(flags)] = h->flags;
	b[HDR_OFF(gso_type)] = h->gso_type;
	vob_put_le16(b + HDR_OFF(hdr_len), h->hdr_len);
	vob_put_le16(b + HDR_OFF(gso_size), h->gso_size);
	vob_put_le16(b + HDR_OFF(csum_start), h->csum_start);
	vob_put_le16(b + HDR_OFF(csum_offset), h->csum_offset);
	vob_put_le16(b + HDR_OFF(num_buffers), num_buffers);
}

static void net_hdr_get(const uint8_t b[VOB_NET_HDR_SIZE], struct vob_net_hdr_info *h)
{
	h->flags = b[HDR_OFF(flags)];
	h->gso_type = b[HDR_OFF(gso_type)];
	h->hdr_len = vob_get_le16(b + HDR_OFF(hdr_len));
	h->gso_size = vob_get_le16(b + HDR_OFF(gso_size));
	h->csum_start = vob_get_le16(b + HDR_OFF(csum_start));
	h->csum_offset = vob_get_le16(b + HDR_OFF(csum_offset));
	h->num_buffers = vob_get_le16(b + HDR_OFF(num_buffers));
}

/* Features a segmentation type needs, by gso_type (2 is not defined); a
 * table rather than a switch, which would need a libgcc case helper on
 * Thumb-1. */
static const uint64_t gso_need_rx[VOB_NET_HDR_GSO_UDP_L4 + 1u] = {
	0, NF(GUEST_TSO4), 0, NF(GUEST_UFO), NF(GUEST_TSO6), NF(GUEST_USO4) | NF(GUEST_USO6)
};
static const uint64_t gso_need_tx[VOB_NET_HDR_GSO_UDP_L4 + 1u] = {
	0, NF(HOST_TSO4), 0, NF(HOST_UFO), NF(HOST_TSO6), NF(HOST_USO)
};

/* Check a header for a frame of @len bytes against the negotiated features
 * @f, for the receive direction (device to driver, GUEST_* features) or the
 * transmit direction (HOST_* features). VOB_ENOTSUP: an offload or flag not
 * negotiated; VOB_EINVAL: fields inconsistent with the frame. */
static int net_hdr_check(const struct vob_net_hdr_info *h, uint32_t len, uint64_t f, bool rx)
{
	unsigned gso = h->gso_type & ~VOB_NET_HDR_GSO_ECN;
	unsigned flags_ok;
	uint64_t need;

	if (rx)
		flags_ok = (f & NF(GUEST_CSUM)) ? VOB_NET_HDR_F_NEEDS_CSUM | VOB_NET_HDR_F_DATA_VALID : 0u;
	else
		flags_ok = (f & NF(CSUM)) ? VOB_NET_HDR_F_NEEDS_CSUM : 0u;
	if (h->flags & ~flags_ok)
		return VOB_ENOTSUP;
	if (gso > VOB_NET_HDR_GSO_UDP_L4 || gso == 2u)
		return VOB_ENOTSUP;
	need = rx ? gso_need_rx[gso] : gso_need_tx[gso];
	if (need && !(f & need))
		return VOB_ENOTSUP;
	if ((h->gso_type & VOB_NET_HDR_GSO_ECN) &&
	    (gso == VOB_NET_HDR_GSO_NONE || !(f & (rx ? NF(GUEST_ECN) : NF(HOST_ECN)))))
		return VOB_ENOTSUP;
	if (gso != VOB_NET_HDR_GSO_NONE && h->gso_size == 0)
		return VOB_EINVAL;
	if ((h->flags & VOB_NET_HDR_F_NEEDS_CSUM) &&
	    (uint32_t)h->csum_start + h->csum_offset + 2u > len)
		return VOB_EINVAL;
	if (h->hdr_len > len)
		return VOB_EINVAL;
	return 0;
}

/* Longest frame of segmentation type @gso_type for an MTU of @mtu. */
static uint32_t net_limit(uint32_t mtu, uint8_t gso_type)
{
	return (gso_type & ~VOB_NET_HDR_GSO_ECN) == VOB_NET_HDR_GSO_NONE ? mtu + VOB_NET_HLEN_MAX
									 : VOB_NET_GSO_MAX_FRAME;
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static struct vob_link *net_link(const struct vob_dev *d)
{
	return vob_dev_link(d);
}

/* ---- device role ----------------------------------------------------------- */

/* The MTU the device keeps to: its own with F_MTU negotiated; without it
 * no more than the 1500 a driver provisions its receive buffers for
 * (virtio 1.x 5.1.6.3.1), whatever the device could carry. */
static uint32_t net_dev_mtu(const struct vob_net_dev *n)
{
	return (n->features & NF(MTU)) ? n->mtu : min32(n->mtu, VOB_NET_MTU_DEFAULT);
}

static bool net_dev_accept(void *arg, uint64_t f[2])
{
	(void)arg;
	return net_deps_ok(f[0]);
}

/* Forget every chain held: the queues are gone (reset) or broken. */
static void net_dev_forget(struct vob_net_dev *n)
{
	n->stats.lost_rx += n->rx_nheld;
	if (n->tx_held)
		n->stats.lost_tx++;
	n->rx_nheld = 0;
	n->rx_iov_used = 0;
	n->rx_ndesc = 0;
	n->tx_held = 0;
	n->live = 0;
}

/* The driver broke a ring (or a call failed that cannot fail on a sound
 * ring): ask for a reset and stop. */
static int net_dev_broken(struct vob_net_dev *n)
{
	n->stats.ring_errors++;
	net_dev_forget(n);
	(void)vob_dev_set_needs_reset(&n->dev);
	return VOB_EPROTO;
}

int vob_net_dev_init(struct vob_net_dev *n, struct vob_table *t, const struct vob_net_dev_cfg *cfg)
{
	struct vob_dev_cfg dc;
	uint32_t mtu;
	uint16_t qsize;
	uint64_t f;
	unsigned i;

	if (!n || !t || !cfg)
		return VOB_EINVAL;
	mtu = cfg->mtu ? cfg->mtu : VOB_NET_MTU_DEFAULT;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_NET_QSIZE;
	f = cfg->features & VOB_NET_FEATURES_SUPPORTED;
	if (mtu < MTU_MIN || qsize > VOB_NET_QSIZE || (qsize & (qsize - 1u)) || !net_deps_ok(f))
		return VOB_EINVAL;
	vob_memset(n, 0, sizeof(*n));
	n->mtu = mtu;
	vob_memcpy(n->config.mac, cfg->mac, 6);
	n->config.status = vob_to_le16(cfg->link_up ? VOB_NET_S_LINK_UP : 0u);
	n->config.max_virtqueue_pairs = vob_to_le16(1);
	n->config.mtu = vob_to_le16((uint16_t)mtu);
	n->config.speed = vob_to_le32(cfg->speed ? cfg->speed : 0xffffffffu);
	n->config.duplex = cfg->duplex == VOB_NET_DUPLEX_FULL   ? 1u
			   : cfg->duplex == VOB_NET_DUPLEX_HALF ? 0u
								: 0xffu;
	for (i = 0; i < VOB_NET_NUM_QUEUES; i++) {
		n->q[i].vq = &n->vq[i];
		n->q[i].state = n->vq_state[i];
		n->q[i].state_len = sizeof(n->vq_state[i]);
		n->q[i].size = qsize;
	}
	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DEVICE;
	dc.slot = cfg->slot;
	dc.num_queues = VOB_NET_NUM_QUEUES;
	dc.queues = n->q;
	dc.features[0] = f | RING_DEV_FEATURES;
	dc.device_id = VOB_NET_DEVICE_ID;
	dc.vendor_id = cfg->vendor_id;
	dc.config = &n->config;
	dc.config_len = VOB_NET_CONFIG_SIZE;
	dc.seg_max = VOB_NET_SEG_MAX;
	dc.accept_features = net_dev_accept;
	dc.arg = n;
	return vob_dev_init(&n->dev, t, &dc);
}

int vob_net_dev_poll(struct vob_net_dev *n)
{
	int ev = vob_dev_poll(&n->dev);

	if (ev > 0 && (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE)))
		net_dev_forget(n);
	/* Removed from the table (VOB_EIO) counts as not live. */
	if (vob_dev_state(&n->dev) != VOB_DEV_LIVE) {
		if (n->live)
			net_dev_forget(n);
	} else if (ev & VOB_DEV_EV_LIVE) {
		struct vob_vq_cfg rxq;

		n->features = vob_dev_features(&n->dev, 0);
		/* The most receive buffers the driver can have posted at once
		 * (0 without a receive queue: send refuses, see net_dev_vq). */
		n->rx_qsize = vob_dev_queue_placement(&n->dev, VOB_NET_RXQ, &rxq)
				      ? 0u
				      : (uint16_t)min32(rxq.size, VOB_NET_QSIZE);
		n->live = 1;
	}
	return ev;
}

static struct vob_vq *net_dev_vq(struct vob_net_dev *n, uint16_t q)
{
	return n->live ? vob_dev_vq(&n->dev, q) : NULL;
}

/* The ring descriptors receive buffer @c takes: one per segment, but one
 * for all the segments of an indirect table (zero-length descriptors, left
 * out of the segments, are not counted). */
static uint16_t net_rx_descs(const struct vob_chain *c)
{
	uint16_t i, n = 0, ind = 0;

	for (i = 0; i < c->n_in; i++) {
		if (c->iov[i].flags & VOB_IOV_INDIRECT)
			ind = 1;
		else
			n++;
	}
	return (uint16_t)(n + ind);
}

/* Pop one receive buffer into rx_held. 0: held; 1: malformed, returned
 * empty; negative: VOB_EAGAIN or a ring error. */
static int net_dev_rx_pop(struct vob_net_dev *n, struct vob_vq *vq)
{
	struct vob_chain *c = &n->rx_held[n->rx_nheld];
	int err;

	c->iov = n->rx_iov + n->rx_iov_used;
	c->cap = (uint16_t)VOB_NET_SEG_MAX;
	err = vob_vq_pop(vq, c);
	if (err)
		return err;
	if (c->n_out || c->in_len < VOB_NET_HDR_SIZE) {
		/* Readable segments in a receive buffer, or no room for the
		 * header: give it back unused. */
		n->stats.bad_bufs++;
		return vob_vq_push(vq, c, 0) ? VOB_EPROTO : 1;
	}
	n->rx_iov_used = (uint16_t)(n->rx_iov_used + c->n_in);
	n->rx_ndesc = (uint16_t)(n->rx_ndesc + net_rx_descs(c));
	n->rx_nheld++;
	return 0;
}

/* Copy bytes [off, off + take) of the stream header + frame into chain @c
 * from its byte 0. */
static bool net_dev_fill(struct vob_net_dev *n, const struct vob_chain *c, uint32_t off,
			 uint32_t take, const uint8_t *hb, const uint8_t *frame)
{
	struct vob_link *link = net_link(&n->dev);
	uint32_t pos = 0;

	if (off < VOB_NET_HDR_SIZE) {
		uint32_t h = min32(VOB_NET_HDR_SIZE - off, take);

		if (vob_chain_push(link, c, 0, hb + off, h, NULL) != (int)h)
			return false;
		pos = h;
		off += h;
	}
	if (pos < take) {
		uint32_t m = take - pos;

		if (vob_chain_push(link, c, pos, frame + (off - VOB_NET_HDR_SIZE), m, NULL) != (int)m)
			return false;
	}
	return true;
}

/* Drop the first @k held chains (used) and move the rest down. */
static void net_dev_rx_shift(struct vob_net_dev *n, uint16_t k)
{
	uint16_t rest = (uint16_t)(n->rx_nheld - k), i;
	size_t first;

	if (!rest) {
		n->rx_nheld = 0;
		n->rx_iov_used = 0;
		n->rx_ndesc = 0;
		return;
	}
	for (i = 0; i < k; i++)
		n->rx_ndesc = (uint16_t)(n->rx_ndesc - net_rx_descs(&n->rx_held[i]));
	first = (size_t)(n->rx_held[k].iov - n->rx_iov);
	vob_memmove(n->rx_iov, n->rx_iov + first, (n->rx_iov_used - first) * sizeof(n->rx_iov[0]));
	vob_memmove(n->rx_held, n->rx_held + k, rest * sizeof(n->rx_held[0]));
	for (i = 0; i < rest; i++)
		n->rx_held[i].iov -= first;
	n->rx_nheld = rest;
	n->rx_iov_used = (uint16_t)(n->rx_iov_used - first);
}

int vob_net_dev_send(struct vob_net_dev *n, const struct vob_net_hdr_info *hdr, const void *frame,
		     size_t len)
{
	static const struct vob_net_hdr_info zero;
	uint8_t hb[VOB_NET_HDR_SIZE];
	struct vob_vq *vq;
	uint32_t need, have = 0, off = 0;
	uint16_t k = 0, i, bad = 0;
	bool mrg;
	int err;

	if (!n || !frame || !len)
		return VOB_EINVAL;
	vq = net_dev_vq(n, VOB_NET_RXQ);
	if (!vq)
		return VOB_ENODEV;
	if (!hdr)
		hdr = &zero;
	if (len > VOB_NET_GSO_MAX_FRAME || len > net_limit(net_dev_mtu(n), hdr->gso_type)) {
		n->stats.tx_dropped++;
		return VOB_EMSGSIZE;
	}
	err = net_hdr_check(hdr, (uint32_t)len, n->features, true);
	if (err)
		return err;
	need = VOB_NET_HDR_SIZE + (uint32_t)len;
	mrg = (n->features & NF(MRG_RXBUF)) != 0;

	/* Gather enough receive buffers: those held from an earlier call
	 * first, then new ones. Nothing is published until the frame fits. */
	while (have < need) {
		if (k < n->rx_nheld) {
			uint32_t room = n->rx_held[k].in_len;

			if (!mrg && room < need) {
				/* One buffer per frame without MRG_RXBUF, and
				 * the driver's is too small: drop the frame,
				 * keep the buffer for a smaller one. */
				n->stats.tx_dropped++;
				return VOB_EMSGSIZE;
			}
			have += min32(room, need - have);
			k++;
			continue;
		}
		if (n->rx_nheld >= n->rx_qsize || n->rx_ndesc >= n->rx_qsize ||
		    n->rx_iov_used + (uint32_t)VOB_NET_SEG_MAX >
			    sizeof(n->rx_iov) / sizeof(n->rx_iov[0])) {
			/* The buffers held take every descriptor of the
			 * receive queue (one per segment, one per indirect
			 * table): the driver cannot post another, so waiting
			 * would wait forever. Or more than this device can
			 * hold at once. Drop the frame; the buffers stay
			 * held for the next, smaller ones. */
			n->stats.tx_dropped++;
			return VOB_EMSGSIZE;
		}
		err = net_dev_rx_pop(n, vq);
		if (err == 1) {
			(void)vob_vq_kick(vq);
			/* A budget, so that a driver feeding malformed
			 * buffers cannot keep the caller here. */
			if (++bad >= VOB_NET_QSIZE)
				return VOB_EAGAIN;
			continue;
		}
		if (err == VOB_EAGAIN) {
			/* Ask for a kick when the driver adds buffers; look
			 * again if some arrived meanwhile. */
			err = vob_vq_enable_notify(vq);
			if (err == 1)
				continue;
			return err < 0 ? net_dev_broken(n) : VOB_EAGAIN;
		}
		if (err)
			return net_dev_broken(n);
	}

	/* Write and publish the k buffers in order: every one but the last
	 * full, num_buffers in the header of the first. */
	net_hdr_put(hb, hdr, k);
	for (i = 0; i < k; i++) {
		const struct vob_chain *c = &n->rx_held[i];
		uint32_t take = min32(c->in_len, need - off);

		if (!net_dev_fill(n, c, off, take, hb, (const uint8_t *)frame) ||
		    vob_vq_push(vq, c, take))
			return net_dev_broken(n);
		off += take;
	}
	net_dev_rx_shift(n, k);
	(void)vob_vq_kick(vq);
	n->stats.tx_frames++;
	return 0;
}

int vob_net_dev_recv(struct vob_net_dev *n, void *buf, size_t cap, struct vob_net_hdr_info *hdr_out)
{
	struct vob_chain *c;
	struct vob_vq *vq;
	unsigned bad = 0;
	int err;

	if (!n || (!buf && cap))
		return VOB_EINVAL;
	vq = net_dev_vq(n, VOB_NET_TXQ);
	if (!vq)
		return VOB_ENODEV;
	c = &n->tx_chain;
	while (!n->tx_held) {
		uint8_t hb[VOB_NET_HDR_SIZE];
		struct vob_net_hdr_info h;
		uint32_t len;

		c->iov = n->tx_iov;
		c->cap = (uint16_t)VOB_NET_SEG_MAX;
		err = vob_vq_pop(vq, c);
		if (err == VOB_EAGAIN) {
			err = vob_vq_enable_notify(vq);
			if (err == 1)
				continue;
			if (err < 0)
				return net_dev_broken(n);
			if (bad)
				(void)vob_vq_kick(vq);
			return VOB_EAGAIN;
		}
		if (err)
			return net_dev_broken(n);
		/* Validate the chain: readable only, a whole header, a
		 * frame, a header that fits the negotiated features. */
		if (c->n_in || c->out_len <= VOB_NET_HDR_SIZE ||
		    vob_chain_pull(net_link(&n->dev), c, 0, hb, sizeof(hb), NULL) != (int)sizeof(hb)) {
			n->stats.rx_bad++;
		} else {
			net_hdr_get(hb, &h);
			h.num_buffers = 0;
			len = c->out_len - VOB_NET_HDR_SIZE;
			if (len > VOB_NET_GSO_MAX_FRAME || len > net_limit(net_dev_mtu(n), h.gso_type)) {
				n->stats.rx_oversize++;
			} else if (net_hdr_check(&h, len, n->features, false)) {
				n->stats.rx_bad++;
			} else {
				n->tx_hdr = h;
				n->tx_len = len;
				n->tx_held = 1;
				break;
			}
		}
		if (vob_vq_push(vq, c, 0))
			return net_dev_broken(n);
		/* A budget, so that a driver feeding malformed chains cannot
		 * keep the caller here. */
		if (++bad >= VOB_NET_QSIZE) {
			(void)vob_vq_kick(vq);
			return VOB_EAGAIN;
		}
	}
	if (n->tx_len > cap) {
		if (bad)
			(void)vob_vq_kick(vq);
		return VOB_EMSGSIZE;
	}
	if (vob_chain_pull(net_link(&n->dev), c, VOB_NET_HDR_SIZE, buf, n->tx_len, NULL) !=
		    (int)n->tx_len ||
	    vob_vq_push(vq, c, 0))
		return net_dev_broken(n);
	n->tx_held = 0;
	(void)vob_vq_kick(vq);
	if (hdr_out)
		*hdr_out = n->tx_hdr;
	n->stats.rx_frames++;
	return (int)n->tx_len;
}

int vob_net_dev_set_link(struct vob_net_dev *n, bool up)
{
	uint16_t st = up ? VOB_NET_S_LINK_UP : 0u;
	int err;

	if (vob_le16(n->config.status) == st)
		return 0;
	n->config.status = vob_to_le16(st);
	err = vob_dev_config_write(&n->dev, (uint32_t)CFG_OFF(status), &n->config.status,
				   sizeof(n->config.status));
	if (!err)
		n->stats.link_changes++;
	return err;
}

int vob_net_dev_link(const struct vob_net_dev *n)
{
	return (vob_le16(n->config.status) & VOB_NET_S_LINK_UP) ? 1 : 0;
}

uint32_t vob_net_dev_max_frame(const struct vob_net_dev *n)
{
	return (n->features & HOST_GSO) ? VOB_NET_GSO_MAX_FRAME : net_dev_mtu(n) + VOB_NET_HLEN_MAX;
}

uint64_t vob_net_dev_features(const struct vob_net_dev *n)
{
	return n->live ? n->features : 0;
}

const struct vob_net_stats *vob_net_dev_stats(const struct vob_net_dev *n)
{
	return &n->stats;
}

/* ---- driver role ------------------------------------------------------------- */

/* A token the table hands back at a reset: a receive buffer (queue 0) or a
 * transmit record (queue 1). */
static void net_drv_lost(void *arg, uint16_t queue, void *token)
{
	struct vob_net_drv *n = (struct vob_net_drv *)arg;

	if (queue == VOB_NET_RXQ) {
		(void)vob_pool_put(&n->pool, token);
		if (n->rx_posted)
			n->rx_posted--;
		n->stats.lost_rx++;
	} else {
		struct vob_net_txrec *r = (struct vob_net_txrec *)token;
		unsigned i;

		for (i = 0; i < r->n; i++)
			(void)vob_pool_put(&n->pool, r->buf[i]);
		r->n = 0;
		if (n->tx_inflight)
			n->tx_inflight--;
		n->stats.lost_tx++;
	}
}

/* Give back the buffers of the frame being reassembled. */
static void net_drv_rx_clear(struct vob_net_drv *n)
{
	n->rx_want = 0;
	n->rx_nfrag = 0;
	n->rx_len = 0;
	n->rx_ready = 0;
}

/* The queues are gone: every buffer we hold goes back to the pool. */
static void net_drv_forget(struct vob_net_drv *n)
{
	uint16_t i;

	for (i = 0; i < n->rx_nfrag; i++)
		(void)vob_pool_put(&n->pool, n->rx_frag[i]);
	n->stats.lost_rx += n->rx_nfrag;
	net_drv_rx_clear(n);
	n->rx_skip = 0;
	n->rx_posted = 0;
	n->tx_inflight = 0;
	n->live = 0;
}

static bool net_drv_accept(void *arg, uint64_t f[2]);

int vob_net_drv_init(struct vob_net_drv *n, struct vob_table *t, const struct vob_net_drv_cfg *cfg)
{
	struct vob_arena dev_mem, drv_mem;
	struct vob_dev_cfg dc;
	uint16_t qsize, rx_bufs;
	unsigned i;
	bool one;
	int err;

	if (!n || !t || !cfg)
		return VOB_EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_NET_QSIZE;
	rx_bufs = cfg->rx_bufs ? cfg->rx_bufs : (uint16_t)(cfg->buf_count >> 1);
	if (qsize > VOB_NET_QSIZE || (qsize & (qsize - 1u)) || cfg->buf_size < 64u ||
	    cfg->buf_size > BUF_SIZE_MAX || cfg->buf_count < 2u || cfg->buf_count > VOB_NET_BUFS ||
	    rx_bufs >= cfg->buf_count)
		return VOB_EINVAL;
	/* With mergeable buffers the device holds the ones posted until a
	 * frame fits, and waits for more while the receive queue is not
	 * full: too few posted for a frame of the default MTU, short of a
	 * full queue, would make it wait forever. */
	if ((cfg->features & NF(MRG_RXBUF)) && rx_bufs < qsize &&
	    (uint32_t)rx_bufs * cfg->buf_size <
		    VOB_NET_HDR_SIZE + VOB_NET_MTU_DEFAULT + VOB_NET_HLEN_MAX)
		return VOB_EINVAL;
	vob_memset(n, 0, sizeof(*n));
	dev_mem = cfg->dev_mem;
	drv_mem = cfg->drv_mem;
	/* The same arena twice means one window: carve it once. */
	one = dev_mem.addr == drv_mem.addr && dev_mem.len == drv_mem.len;
	for (i = 0; i < VOB_NET_NUM_QUEUES; i++) {
		n->q[i].vq = &n->vq[i];
		n->q[i].state = n->vq_state[i];
		n->q[i].state_len = sizeof(n->vq_state[i]);
		err = vob_place_split(&dev_mem, one ? &dev_mem : &drv_mem, qsize, vob_link_line(vob_table_link(t)), &n->q[i]);
		if (err)
			return err;
	}
	err = vob_pool_init(&n->pool, vob_table_link(t), cfg->pool_addr, cfg->buf_size, cfg->buf_count,
			    n->pool_state);
	if (err)
		return err;
	n->rx_target = rx_bufs;
	n->mtu = VOB_NET_MTU_DEFAULT;
	n->status = VOB_NET_S_LINK_UP;
	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DRIVER;
	dc.device_id = VOB_NET_DEVICE_ID;
	dc.slot = cfg->slot;
	dc.num_queues = VOB_NET_NUM_QUEUES;
	dc.queues = n->q;
	dc.features[0] = (cfg->features & (VOB_NET_FEATURES_SUPPORTED | VOB_BIT(VOB_F_RING_PACKED))) |
			 RING_DRV_FEATURES;
	dc.on_lost = net_drv_lost;
	dc.accept_features = net_drv_accept;
	dc.arg = n;
	return vob_dev_init(&n->dev, t, &dc);
}

static int net_drv_broken(struct vob_net_drv *n);

static struct vob_vq *net_drv_vq(struct vob_net_drv *n, uint16_t q)
{
	return n->live ? vob_dev_vq(&n->dev, q) : NULL;
}

/* Read the config fields that were negotiated (MAC and MTU only at the
 * @first read after going live). Returns VOB_NET_EV_LINK when the link
 * status vob_net_drv_link() reports changed, except in the poll that went
 * live (@quiet): the caller reads it then. A first read put off by a
 * config change in progress is no longer quiet, since up was reported
 * meanwhile. */
static int net_drv_read_config(struct vob_net_drv *n, bool first, bool quiet)
{
	vob_le16_t v;
	int ev = 0, err;

	if ((n->features & NF(MAC)) && first) {
		err = vob_dev_config_read(&n->dev, (uint32_t)CFG_OFF(mac), n->mac, 6);
		if (err == VOB_EAGAIN)
			return 0;
		if (err)
			vob_memset(n->mac, 0, 6);
	}
	if ((n->features & NF(MTU)) && first) {
		err = vob_dev_config_read(&n->dev, (uint32_t)CFG_OFF(mtu), &v, 2);
		if (err == VOB_EAGAIN)
			return 0;
		/* Checked before F_MTU was asked for (net_drv_accept());
		 * below 68 now, the device changed it since: keep 1500. */
		n->mtu = !err && vob_le16(v) >= MTU_MIN ? vob_le16(v) : VOB_NET_MTU_DEFAULT;
	}
	if (n->features & NF(STATUS)) {
		uint16_t st;

		err = vob_dev_config_read(&n->dev, (uint32_t)CFG_OFF(status), &v, 2);
		if (err == VOB_EAGAIN)
			return 0;
		st = err ? (uint16_t)VOB_NET_S_LINK_UP : vob_le16(v);
		if (!quiet && ((st ^ n->status) & VOB_NET_S_LINK_UP)) {
			ev = VOB_NET_EV_LINK;
			n->stats.link_changes++;
		}
		n->status = st;
	}
	n->cfg_dirty = 0;
	return ev;
}

/* A receive buffer back to the device, or to the pool when enough are
 * posted or the queue is gone. */
static void net_drv_recycle(struct vob_net_drv *n, void *buf)
{
	struct vob_vq *vq = net_drv_vq(n, VOB_NET_RXQ);
	struct vob_seg s;

	if (vq && n->rx_posted < n->rx_target) {
		s.addr = vob_pool_addr(&n->pool, buf);
		s.len = n->pool.buf_size;
		if (!vob_vq_add(vq, &s, 0, 1, buf)) {
			n->rx_posted++;
			return;
		}
	}
	(void)vob_pool_put(&n->pool, buf);
}

static void net_drv_rx_fill(struct vob_net_drv *n)
{
	struct vob_vq *vq = net_drv_vq(n, VOB_NET_RXQ);
	bool added = false;

	if (!vq)
		return;
	while (n->rx_posted < n->rx_target) {
		struct vob_seg s;
		void *buf = vob_pool_get(&n->pool, &s.addr);

		if (!buf)
			break;
		s.len = n->pool.buf_size;
		if (vob_vq_add(vq, &s, 0, 1, buf)) {
			(void)vob_pool_put(&n->pool, buf);
			break;
		}
		n->rx_posted++;
		added = true;
	}
	if (added)
		(void)vob_vq_kick(vq);
}

/* Collect transmitted frames; their buffers go back to the pool. */
static int net_drv_tx_reap(struct vob_net_drv *n, struct vob_vq *vq)
{
	void *tok;
	uint32_t w;
	int err;

	while ((err = vob_vq_get_used(vq, &tok, &w)) == 0) {
		struct vob_net_txrec *r = (struct vob_net_txrec *)tok;
		unsigned i;

		for (i = 0; i < r->n; i++)
			(void)vob_pool_put(&n->pool, r->buf[i]);
		r->n = 0;
		n->tx_inflight--;
	}
	return err == VOB_EAGAIN ? 0 : err;
}

int vob_net_drv_poll(struct vob_net_drv *n)
{
	int ev = vob_dev_poll(&n->dev);
	struct vob_vq *txq;

	if (ev < 0)
		return ev;
	if (ev & VOB_DEV_EV_NEEDS_RESET) {
		/* The device asked for it: start over at once. */
		(void)vob_net_drv_reset(n);
		return ev;
	}
	if (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE))
		net_drv_forget(n);
	if (vob_dev_state(&n->dev) != VOB_DEV_LIVE) {
		if (n->live)
			net_drv_forget(n);
		return ev;
	}
	if (ev & VOB_DEV_EV_LIVE) {
		n->live = 1;
		n->features = vob_dev_features(&n->dev, 0);
		n->mtu = VOB_NET_MTU_DEFAULT;
		n->status = VOB_NET_S_LINK_UP;
		vob_memset(n->mac, 0, 6);
		n->cfg_dirty = 2; /* 2: the first read after going live */
	}
	if (!n->live)
		return ev;
	if (ev & VOB_DEV_EV_CONFIG && !n->cfg_dirty)
		n->cfg_dirty = 1;
	if (n->cfg_dirty)
		ev |= net_drv_read_config(n, n->cfg_dirty == 2, (ev & VOB_DEV_EV_LIVE) != 0);
	txq = net_drv_vq(n, VOB_NET_TXQ);
	if (txq && net_drv_tx_reap(n, txq)) {
		(void)net_drv_broken(n);
		return ev | VOB_DEV_EV_RESET;
	}
	net_drv_rx_fill(n);
	return ev;
}

/* Frame capacity of @nbuf buffers, header excluded, without overflow (0
 * for none). */
static uint32_t net_drv_capacity(const struct vob_net_drv *n, uint32_t nbuf)
{
	return nbuf ? n->pool.buf_size * nbuf - VOB_NET_HDR_SIZE : 0u;
}

/* Size of queue @q as placed, 0 when it does not run. */
static uint32_t net_drv_qsize(const struct vob_net_drv *n, uint16_t q)
{
	struct vob_vq_cfg c;

	return vob_dev_queue_placement(&n->dev, q, &c) ? 0u : c.size;
}

/* Buffers one transmitted frame may take: the chain limit; no more than
 * the pool holds beside the receive buffers kept posted, nor than the
 * transmit queue has descriptors (one per buffer, no indirect tables): a
 * frame needing more would wait for them forever. */
static uint32_t net_drv_tx_bufs(const struct vob_net_drv *n)
{
	return min32(min32(VOB_NET_MAX_SEGS, (uint32_t)n->pool.count - n->rx_target),
		     net_drv_qsize(n, VOB_NET_TXQ));
}

/* Buffers one received frame may span with features @f and a receive
 * queue of @qsize entries: one without MRG_RXBUF; with it the reassembly
 * limit, and no more than are ever posted at once (rx_target, the queue's
 * size). */
static uint32_t net_drv_rx_bufs(const struct vob_net_drv *n, uint64_t f, uint32_t qsize)
{
	/* No receive queue: nothing can arrive. */
	if (!(f & NF(MRG_RXBUF)))
		return qsize ? 1u : 0u;
	return min32(min32(VOB_NET_MAX_SEGS, n->rx_target), qsize);
}

/* The table's accept_features, before FEATURES_OK is asked for: F_MTU
 * only for a config mtu of 68 to 1500, or above when the receive buffers
 * can hold its frames (virtio 1.x 5.1.4.1: the driver must supply them).
 * Else it is not asked for, and the device keeps to 1500, which
 * vob_net_drv_init() made sure they hold with MRG_RXBUF (without it a
 * frame too big for a buffer is refused, never waited for). A config that
 * cannot be read now (being changed, too short) counts as a bad mtu: F_MTU
 * is dropped, not waited for. The receive queue's size is the one it will
 * run with (the one asked for, lowered to the device's limit). */
static bool net_drv_accept(void *arg, uint64_t f[2])
{
	struct vob_net_drv *n = (struct vob_net_drv *)arg;
	uint32_t mtu = 0;
	vob_le16_t v;

	if (!(f[0] & NF(MTU)))
		return true;
	if (!vob_dev_config_read(&n->dev, (uint32_t)CFG_OFF(mtu), &v, 2))
		mtu = vob_le16(v);
	if (mtu < MTU_MIN ||
	    (mtu > VOB_NET_MTU_DEFAULT &&
	     mtu + VOB_NET_HLEN_MAX >
		     net_drv_capacity(n, net_drv_rx_bufs(n, f[0],
						     vob_dev_queue_size(&n->dev, VOB_NET_RXQ)))))
		f[0] &= ~NF(MTU);
	return true;
}

uint32_t vob_net_drv_max_tx(const struct vob_net_drv *n)
{
	/* Not live, or a device without a transmit queue (no buffers): send
	 * refuses all. */
	if (!n->live)
		return 0;
	return min32(net_drv_capacity(n, net_drv_tx_bufs(n)),
		     (n->features & HOST_GSO) ? VOB_NET_GSO_MAX_FRAME : n->mtu + VOB_NET_HLEN_MAX);
}

/* Longest frame of segmentation type @gso_type the driver accepts. */
static uint32_t net_drv_rx_limit(const struct vob_net_drv *n, uint8_t gso_type)
{
	if (!(n->features & NF(MTU)))
		return VOB_NET_GSO_MAX_FRAME;
	return net_limit(n->mtu, gso_type);
}

uint32_t vob_net_drv_max_rx(const struct vob_net_drv *n)
{
	uint32_t cap;

	if (!n->live)
		return 0;
	cap = net_drv_capacity(n, net_drv_rx_bufs(n, n->features, net_drv_qsize(n, VOB_NET_RXQ)));
	return min32(cap, net_drv_rx_limit(n, (n->features & GUEST_GSO) ? VOB_NET_HDR_GSO_TCPV4
									 : VOB_NET_HDR_GSO_NONE));
}

int vob_net_drv_send(struct vob_net_drv *n, const struct vob_net_hdr_info *hdr, const void *frame,
		     size_t len)
{
	static const struct vob_net_hdr_info zero;
	struct vob_seg segs[VOB_NET_MAX_SEGS];
	uint8_t hb[VOB_NET_HDR_SIZE];
	const uint8_t *src = (const uint8_t *)frame;
	struct vob_net_txrec *r = NULL;
	struct vob_vq *vq;
	uint32_t need, off, acc = 0;
	unsigned nb = 0, i;
	int err;

	if (!n || !frame || !len)
		return VOB_EINVAL;
	vq = net_drv_vq(n, VOB_NET_TXQ);
	if (!vq)
		return VOB_ENODEV;
	if (!hdr)
		hdr = &zero;
	if (len > VOB_NET_GSO_MAX_FRAME || len > net_limit(n->mtu, hdr->gso_type) ||
	    len > net_drv_capacity(n, net_drv_tx_bufs(n))) {
		n->stats.tx_dropped++;
		return VOB_EMSGSIZE;
	}
	err = net_hdr_check(hdr, (uint32_t)len, n->features, false);
	if (err)
		return err;
	need = VOB_NET_HDR_SIZE + (uint32_t)len;
	while (acc < need) {
		acc += n->pool.buf_size;
		nb++;
	}
	if (net_drv_tx_reap(n, vq))
		return net_drv_broken(n);
	for (i = 0; i < VOB_NET_QSIZE && !r; i++)
		if (!n->tx[i].n)
			r = &n->tx[i];
	if (!r || vob_pool_free(&n->pool) < nb) {
		/* Ask for an interrupt when the device returns buffers. */
		if (vob_vq_enable_notify(vq) == 1 && net_drv_tx_reap(n, vq))
			return net_drv_broken(n);
		return VOB_EAGAIN;
	}
	net_hdr_put(hb, hdr, 0);
	for (i = 0, off = 0; i < nb; i++) {
		uint8_t *b = (uint8_t *)vob_pool_get(&n->pool, &segs[i].addr);
		uint32_t take = min32(n->pool.buf_size, need - off), pos = 0;

		r->buf[i] = b;
		segs[i].len = take;
		if (off < VOB_NET_HDR_SIZE) {
			pos = VOB_NET_HDR_SIZE - off;
			vob_memcpy(b, hb + off, pos);
		}
		vob_memcpy(b + pos, src + (off + pos - VOB_NET_HDR_SIZE), take - pos);
		off += take;
	}
	err = vob_vq_add(vq, segs, nb, 0, r);
	if (err) {
		for (i = 0; i < nb; i++)
			(void)vob_pool_put(&n->pool, r->buf[i]);
		return err == VOB_ENOSPC ? VOB_EAGAIN : net_drv_broken(n);
	}
	r->n = (uint8_t)nb;
	n->tx_inflight++;
	(void)vob_vq_kick(vq);
	n->stats.tx_frames++;
	return 0;
}

/* Drop the frame being reassembled, counted in @counter; its buffers go
 * back to the device. */
static void net_drv_rx_drop(struct vob_net_drv *n, uint32_t *counter)
{
	uint16_t i;

	(*counter)++;
	for (i = 0; i < n->rx_nfrag; i++)
		net_drv_recycle(n, n->rx_frag[i]);
	net_drv_rx_clear(n);
}

/* One used receive buffer of @w bytes: start, extend or finish a frame. */
static void net_drv_rx_take(struct vob_net_drv *n, void *buf, uint32_t w)
{
	uint32_t full = n->pool.buf_size;
	struct vob_net_hdr_info h;
	uint32_t len;

	if (n->rx_skip) {
		/* A continuation of a frame already dropped. */
		n->rx_skip--;
		net_drv_recycle(n, buf);
		return;
	}
	if (!n->rx_want) {
		uint16_t nb;

		if (w < VOB_NET_HDR_SIZE) {
			n->stats.rx_bad++;
			net_drv_recycle(n, buf);
			return;
		}
		/* One local copy of the header: the device may still write
		 * the buffer. */
		vob_memcpy(n->rx_hdr, buf, VOB_NET_HDR_SIZE);
		/* Without MRG_RXBUF num_buffers is ignored and taken as 1,
		 * as Linux does: the spec asks the device for 1, but devices
		 * in use leave 0 (Linux vhost-net did). */
		if (!(n->features & NF(MRG_RXBUF)))
			vob_put_le16(n->rx_hdr + HDR_OFF(num_buffers), 1);
		nb = vob_get_le16(n->rx_hdr + HDR_OFF(num_buffers));
		/* With MRG_RXBUF the other nb - 1 buffers must be in flight
		 * still (0 wraps and fails). */
		if (nb - 1u > n->rx_posted) {
			n->stats.rx_bad++;
			net_drv_recycle(n, buf);
			return;
		}
		if (nb > VOB_NET_MAX_SEGS) {
			n->stats.rx_oversize++;
			net_drv_recycle(n, buf);
			n->rx_skip = (uint16_t)(nb - 1u);
			return;
		}
		n->rx_want = nb;
	}
	n->rx_frag[n->rx_nfrag] = buf;
	n->rx_fraglen[n->rx_nfrag] = w;
	n->rx_nfrag++;
	n->rx_len += w;
	if (n->rx_nfrag < n->rx_want && w != full) {
		/* Every buffer but the last must be used up to its end. */
		n->rx_skip = (uint16_t)(n->rx_want - n->rx_nfrag);
		net_drv_rx_drop(n, &n->stats.rx_bad);
		return;
	}
	if (n->rx_nfrag < n->rx_want)
		return;
	len = n->rx_len - VOB_NET_HDR_SIZE;
	net_hdr_get(n->rx_hdr, &h);
	if (len > net_drv_rx_limit(n, h.gso_type)) {
		net_drv_rx_drop(n, &n->stats.rx_oversize);
		return;
	}
	if (len == 0 || net_hdr_check(&h, len, n->features, true)) {
		net_drv_rx_drop(n, &n->stats.rx_bad);
		return;
	}
	n->rx_ready = 1;
}

int vob_net_drv_recv(struct vob_net_drv *n, void *buf, size_t cap, struct vob_net_hdr_info *hdr_out)
{
	struct vob_vq *vq;
	uint8_t *dst = (uint8_t *)buf;
	uint32_t len, off = 0;
	unsigned budget = 2u * VOB_NET_QSIZE;
	uint16_t i;
	int err;

	if (!n || (!buf && cap))
		return VOB_EINVAL;
	vq = net_drv_vq(n, VOB_NET_RXQ);
	if (!vq)
		return VOB_ENODEV;
	while (!n->rx_ready) {
		void *tok;
		uint32_t w;

		err = vob_vq_get_used(vq, &tok, &w);
		if (err == VOB_EAGAIN) {
			net_drv_rx_fill(n);
			/* Ask for an interrupt for the next frame; look again
			 * if one arrived meanwhile. */
			err = vob_vq_enable_notify(vq);
			if (err == 1)
				continue;
			return err < 0 ? net_drv_broken(n) : VOB_EAGAIN;
		}
		if (err)
			return net_drv_broken(n);
		if (n->rx_posted)
			n->rx_posted--;
		net_drv_rx_take(n, tok, w);
		/* A budget, so that a device feeding buffers without a
		 * frame cannot keep the caller here. */
		if (!n->rx_ready && !--budget) {
			net_drv_rx_fill(n);
			return VOB_EAGAIN;
		}
	}
	len = n->rx_len - VOB_NET_HDR_SIZE;
	if (len > cap)
		return VOB_EMSGSIZE;
	for (i = 0; i < n->rx_nfrag; i++) {
		const uint8_t *b = (const uint8_t *)n->rx_frag[i];
		uint32_t m = n->rx_fraglen[i], skip = i ? 0u : VOB_NET_HDR_SIZE;

		vob_memcpy(dst + off, b + skip, m - skip);
		off += m - skip;
	}
	if (hdr_out)
		net_hdr_get(n->rx_hdr, hdr_out);
	for (i = 0; i < n->rx_nfrag; i++)
		net_drv_recycle(n, n->rx_frag[i]);
	net_drv_rx_clear(n);
	net_drv_rx_fill(n);
	(void)vob_vq_kick(vq);
	n->stats.rx_frames++;
	return (int)len;
}

int vob_net_drv_reset(struct vob_net_drv *n)
{
	(void)vob_dev_reset(&n->dev);
	net_drv_forget(n);
	return 0;
}

/* The device broke one of our rings: reset it (every buffer comes back
 * through on_lost) and say so. */
static int net_drv_broken(struct vob_net_drv *n)
{
	n->stats.ring_errors++;
	(void)vob_net_drv_reset(n);
	return VOB_EPROTO;
}

int vob_net_drv_link(const struct vob_net_drv *n)
{
	if (!n->live)
		return 0;
	if (!(n->features & NF(STATUS)))
		return 1;
	return (n->status & VOB_NET_S_LINK_UP) ? 1 : 0;
}

int vob_net_drv_mac(const struct vob_net_drv *n, uint8_t mac[6])
{
	if (!n->live)
		return VOB_ENODEV;
	if (!(n->features & NF(MAC)))
		return VOB_ENOTSUP;
	vob_memcpy(mac, n->mac, 6);
	return 0;
}

uint32_t vob_net_drv_mtu(const struct vob_net_drv *n)
{
	return n->mtu;
}

uint64_t vob_net_drv_features(const struct vob_net_drv *n)
{
	return n->live ? n->features : 0;
}

const struct vob_net_stats *vob_net_drv_stats(const struct vob_net_drv *n)
{
	return &n->stats;
}

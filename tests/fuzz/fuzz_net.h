/* SPDX-License-Identifier: BSD-3-Clause */
/* What the two virtio-net targets (fuzz_net_device.c, fuzz_net_driver.c)
 * share: the spec's header rules written again for their models, the
 * header and payload encoders, and the feature selector of their set-up
 * bytes. Include after fuzz_common.h. */
#ifndef VOB_FUZZ_NET_H
#define VOB_FUZZ_NET_H

#include "vob/net.h"

#define NF(x) VOB_BIT(VOB_NET_F_##x)

/* Whether a header is one the spec allows for a frame of @len bytes with
 * the negotiated features @f, on receive (GUEST_*) or transmit (HOST_*). */
static inline bool model_hdr_ok(const struct vob_net_hdr_info *h, uint32_t len, uint64_t f, bool rx)
{
	unsigned gso = h->gso_type & 0x7fu;
	unsigned allowed_flags;
	uint64_t need;

	allowed_flags = rx ? ((f & NF(GUEST_CSUM)) ? 3u : 0u) : ((f & NF(CSUM)) ? 1u : 0u);
	if (h->flags & ~allowed_flags)
		return false;
	if (gso == 0)
		need = 0;
	else if (gso == 1)
		need = rx ? NF(GUEST_TSO4) : NF(HOST_TSO4);
	else if (gso == 4)
		need = rx ? NF(GUEST_TSO6) : NF(HOST_TSO6);
	else if (gso == 3)
		need = rx ? NF(GUEST_UFO) : NF(HOST_UFO);
	else if (gso == 5)
		need = rx ? NF(GUEST_USO4) | NF(GUEST_USO6) : NF(HOST_USO);
	else
		return false;
	if (need && !(f & need))
		return false;
	if ((h->gso_type & 0x80u) && (gso == 0 || !(f & (rx ? NF(GUEST_ECN) : NF(HOST_ECN)))))
		return false;
	if (gso && !h->gso_size)
		return false;
	if ((h->flags & 1u) && (uint32_t)h->csum_start + h->csum_offset + 2u > len)
		return false;
	return h->hdr_len <= len;
}

/* A header on the wire, num_buffers @nb. */
static inline void put_hdr(uint8_t *b, const struct vob_net_hdr_info *h, uint16_t nb)
{
	b[0] = h->flags;
	b[1] = h->gso_type;
	memcpy(b + 2, &h->hdr_len, 2);
	memcpy(b + 4, &h->gso_size, 2);
	memcpy(b + 6, &h->csum_start, 2);
	memcpy(b + 8, &h->csum_offset, 2);
	memcpy(b + 10, &nb, 2);
}

/* The payload of frame @seed. */
/* A header from the input for a frame of @len bytes: any bytes, or with
 * bit 8 of @m only the flags in @flags and a known gso_type, and with bit
 * 16 offsets within the frame. */
static inline void gen_hdr(struct fz_in *in, uint8_t m, uint32_t len, uint8_t flags,
			   struct vob_net_hdr_info *h)
{
	h->flags = fz_u8(in);
	h->gso_type = fz_u8(in);
	if (m & 8) {
		h->flags &= flags;
		h->gso_type = (uint8_t)(h->gso_type % 6u);
	}
	h->hdr_len = fz_u16(in);
	h->gso_size = fz_u16(in);
	h->csum_start = fz_u16(in);
	h->csum_offset = fz_u16(in);
	if (m & 16) {
		h->hdr_len = (uint16_t)(h->hdr_len % (len + 1u));
		h->csum_start = (uint16_t)(h->csum_start % (len + 1u));
		h->csum_offset = (uint16_t)(h->csum_offset % 64u);
	}
}

static inline void pattern(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 29u + i * 13u + (i >> 7));
}

/* Feature bits the set-up bytes choose from, one per selector bit. */
static const uint8_t feat_bits[16] = {
	VOB_NET_F_CSUM, VOB_NET_F_GUEST_CSUM, VOB_NET_F_MTU, VOB_NET_F_MAC,
	VOB_NET_F_GUEST_TSO4, VOB_NET_F_GUEST_TSO6, VOB_NET_F_GUEST_ECN, VOB_NET_F_GUEST_UFO,
	VOB_NET_F_HOST_TSO4, VOB_NET_F_HOST_TSO6, VOB_NET_F_HOST_ECN, VOB_NET_F_HOST_UFO,
	VOB_NET_F_MRG_RXBUF, VOB_NET_F_STATUS, VOB_NET_F_HOST_USO, VOB_NET_F_GUEST_USO4,
};

static inline uint64_t features_of(uint16_t sel)
{
	uint64_t f = 0;
	unsigned i;

	for (i = 0; i < 16; i++)
		if (sel & (1u << i))
			f |= VOB_BIT(feat_bits[i]);
	return f;
}

/* Make a feature set respect the spec's dependencies. */
static inline uint64_t fix_deps(uint64_t f)
{
	if (f & (NF(GUEST_TSO4) | NF(GUEST_TSO6) | NF(GUEST_UFO) | NF(GUEST_USO4) | NF(GUEST_USO6)))
		f |= NF(GUEST_CSUM);
	if ((f & NF(GUEST_ECN)) && !(f & (NF(GUEST_TSO4) | NF(GUEST_TSO6))))
		f &= ~NF(GUEST_ECN);
	if (f & (NF(HOST_TSO4) | NF(HOST_TSO6) | NF(HOST_UFO) | NF(HOST_USO)))
		f |= NF(CSUM);
	if ((f & NF(HOST_ECN)) && !(f & (NF(HOST_TSO4) | NF(HOST_TSO6))))
		f &= ~NF(HOST_ECN);
	return f;
}

#endif

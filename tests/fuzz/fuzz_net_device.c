/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_net_device: the input plays a hostile DRIVER against the device role
 * of virtio-net (lib/net.c), through a real device table and real split
 * rings in the guarded windows of fuzz_common.
 *
 * The first 10 bytes choose the set-up: queue size, the features the device
 * offers and the ones the driver asks for (any mix, including sets the
 * device must refuse), the MTU, the window layout (rings in the read-only
 * window or not), indirect descriptors and event indices, and the
 * fuzz_common environment (link addresses, window kinds, line size, DMA).
 * The hostile driver is a vob_dev in the driver role on its own link, which
 * sees window B writable; after negotiation every following byte group is
 * one operation: a chain of arbitrary segments (any address, any length,
 * any direction, arbitrary bytes) on either queue, a well-formed frame or
 * receive buffer, raw bytes anywhere in either window (rings and table
 * included), kicks, a reset; or a call of the device API (send, receive,
 * poll, link changes).
 *
 * Invariants, after every call:
 *  - no sanitizer finding; window B is read-only to the library and both
 *    windows sit between guard pages;
 *  - every return value is one the API documents for that call;
 *  - a received frame is at most the caller's capacity and the device's
 *    maximum, and its header asks only for negotiated offloads;
 *  - while the driver has only used well-formed operations (no arbitrary
 *    chains, no raw writes since the last reset) a model predicts more:
 *    transmitted frames arrive in order with their bytes and headers; a
 *    sent frame lands in exactly the receive buffers predicted (header with
 *    num_buffers, every buffer but the last full, the bytes), or the call
 *    returns the predicted VOB_EAGAIN / VOB_EMSGSIZE / VOB_ENOTSUP /
 *    VOB_EINVAL; the used entries the driver collects are exactly those;
 *    the driver's rings never break and the device never asks for a reset.
 *
 * Known library bugs the harness steers around when the environment names
 * them in VOB_FUZZ_KNOWN (comma-separated), as fuzz_split_device does:
 *   misaligned-indirect: vob_vq_pop() reads an indirect table through a
 *   struct pointer whatever its alignment; the driver then does not
 *   negotiate indirect descriptors, so raw descriptor bytes cannot make the
 *   device follow a misaligned table.
 */
#include "fuzz_common.h"
#include "fuzz_net.h"

#include "vob/net.h"

#define MAX_OPS 768u
#define SLOT 2048u
#define MAXSLOTS 16u
#define QMAX VOB_NET_QSIZE
#define IND_MAX 4u
#define CFG_MAX 32u
#define NOSLOT 0xffffu


/* ---- the hostile driver's side ------------------------------------------ */

static struct {
	struct vob_port_ops ops;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev d;
	struct vob_dev_queue q[2];
	struct vob_vq vq[2];
	uint64_t state[2][VOB_VQ_STATE_SIZE(QMAX, IND_MAX) / 8];
} H;

static struct vob_table DT;
static struct vob_net_dev ND;

/* Buffer slots: 2 KiB each, in A (any use) or B (device-readable only). */
struct slot {
	uint8_t *p;     /* the library's pointer (device view) */
	uint8_t *w;     /* the fuzzer's writable pointer */
	uint64_t addr;  /* link address */
	bool in_b;
	bool busy;
};

/* Model of the transmit queue: frames added, in order. */
struct txrec {
	uint32_t len, seed;
	struct vob_net_hdr_info h;
	uint16_t slot;
};

/* Model of the receive queue: buffers posted, in order. */
struct rxrec {
	uint16_t slot;
	uint16_t nseg; /* segments of nonzero length */
	uint16_t ndesc; /* ring descriptors as the device counts them */
	uint32_t size;
};

/* A used entry the driver must collect next on the receive queue. */
struct usedrec {
	uint16_t slot;
	uint32_t written;
};

static struct {
	struct slot slots[MAXSLOTS];
	unsigned nslots;
	uint64_t dev_f, drv_f;
	uint16_t qsize, mtu;
	/* model */
	bool wild;     /* arbitrary chains or raw writes since the last reset */
	struct txrec tx[QMAX];
	unsigned tx_n;
	struct rxrec rx[QMAX];
	unsigned rx_n;
	unsigned rx_held; /* of those, popped and held by the device */
	struct usedrec used[QMAX];
	unsigned used_n;
	unsigned tx_flight, rx_flight;  /* chains the driver has in flight */
	uint32_t seed;
} M;

static uint8_t frame[VOB_NET_GSO_MAX_FRAME + 64];
static uint8_t got[VOB_NET_GSO_MAX_FRAME + 64];

static uint16_t token_slot(void *tok)
{
	uintptr_t v = (uintptr_t)tok;

	return v >= 1 && v <= MAXSLOTS ? (uint16_t)(v - 1) : NOSLOT;
}

static void slot_free(uint16_t s)
{
	if (s != NOSLOT && s < M.nslots)
		M.slots[s].busy = false;
}

static void h_on_lost(void *arg, uint16_t q, void *tok)
{
	(void)arg;
	slot_free(token_slot(tok));
	if (q == VOB_NET_RXQ && M.rx_flight)
		M.rx_flight--;
	if (q == VOB_NET_TXQ && M.tx_flight)
		M.tx_flight--;
}

/* A free slot (in B only when @b_ok and preferred by @sel), or NOSLOT. */
static uint16_t slot_get(uint8_t sel, bool b_ok)
{
	unsigned i, k;

	for (k = 0; k < M.nslots; k++) {
		i = (sel + k) % M.nslots;
		if (!M.slots[i].busy && (b_ok || !M.slots[i].in_b)) {
			M.slots[i].busy = true;
			return (uint16_t)i;
		}
	}
	return NOSLOT;
}

/* ---- the spec's rules, written again for the model ------------------------ */


/* The MTU the device keeps to: its own with F_MTU negotiated (the driver's
 * set is the device's), else no more than 1500. */
static uint32_t model_mtu(void)
{
	return (vob_dev_features(&H.d, 0) & NF(MTU)) || M.mtu < 1500u ? M.mtu : 1500u;
}

static uint32_t model_limit(uint8_t gso_type)
{
	return (gso_type & 0x7fu) ? VOB_NET_GSO_MAX_FRAME : model_mtu() + 18u;
}



static bool live(void)
{
	return vob_dev_state(&ND.dev) == VOB_DEV_LIVE && vob_dev_state(&H.d) == VOB_DEV_LIVE &&
	       vob_dev_vq(&H.d, 0) && vob_dev_vq(&H.d, 1);
}

/* The model holds while the driver stayed well-formed and both are live. */
static bool modelled(void)
{
	return !M.wild && live();
}

/* The queues started again: nothing in flight any more. Raw writes may
 * have left damage elsewhere (the table), so @c wild stays. */
static void model_reset(void)
{
	M.tx_n = M.rx_n = M.used_n = M.rx_held = 0;
}

/* ---- polling ------------------------------------------------------------------ */

/* Poll both sides @n times; returns the events of both or-ed, the
 * device's shifted left by 8. */
static int poll_both(unsigned n)
{
	unsigned i;
	int all = 0;

	for (i = 0; i < n; i++) {
		bool was = live();
		int ev = vob_net_dev_poll(&ND);

		FZ_CHECK(ev >= 0, "vob_net_dev_poll: %d", ev);
		all |= ev << 8;
		ev = vob_dev_poll(&H.d);
		all |= ev;
		FZ_CHECK(ev >= 0, "driver vob_dev_poll: %d", ev);
		if (ev & VOB_DEV_EV_NEEDS_RESET)
			FZ_CHECK(M.wild, "the device asked for a reset of a well-formed driver");
		if (was != live() || (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE)))
			model_reset();
	}
	return all;
}

/* ---- the hostile driver's operations ---------------------------------------------- */

static uint32_t gen_len(struct fz_in *in)
{
	uint8_t m = fz_u8(in);

	switch (m % 8) {
	case 0:
	case 1:
		return fz_u8(in) % 24u; /* around the header size */
	case 2:
	case 3:
		return fz_u16(in) % (SLOT + 1u);
	case 4:
		return 0;
	case 5:
		return 1500u + 18u - 8u + fz_u8(in) % 16u; /* around the MTU */
	case 6:
		return 0xffffffffu - fz_u8(in);
	default:
		return fz_u32(in);
	}
}

static uint64_t gen_addr(struct fz_in *in, uint16_t s, uint32_t len)
{
	uint8_t m = fz_u8(in);

	switch (m % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (s != NOSLOT) {
			uint32_t room = len < SLOT ? SLOT - len : 0;

			return M.slots[s].addr + fz_u16(in) % (room + 1u);
		}
		/* fall through */
	case 4:
		return fz.a_base + fz_u16(in) % FZ_A_SIZE;
	case 5:
		return fz.b_base + fz_u16(in) % FZ_B_SIZE;
	case 6:
		return ((m & 0x40) ? fz.b_base + FZ_B_SIZE : fz.a_base + FZ_A_SIZE) - fz_u8(in) % 65u;
	default:
		return fz_u64(in);
	}
}

/* Fill [addr, addr + len) with input bytes where it lies in a window (the
 * driver's own writes; B through the writable alias). */
static void drv_fill(struct fz_in *in, uint64_t addr, uint32_t len)
{
	uint64_t off;
	uint8_t *p = NULL;
	size_t n, i;

	if (addr >= fz.a_base && (off = addr - fz.a_base) < FZ_A_SIZE) {
		p = fz.a + off;
		n = FZ_A_SIZE - off;
	} else if (addr >= fz.b_base && (off = addr - fz.b_base) < FZ_B_SIZE) {
		p = fz.bw + off;
		n = FZ_B_SIZE - off;
	} else {
		return;
	}
	if (n > len)
		n = len;
	if (n > 64)
		n = 64; /* the header and a little more; the rest keeps its bytes */
	for (i = 0; i < n; i++)
		p[i] = fz_u8(in);
	if (n >= 12 && (fz_u8(in) & 1)) {
		/* Often a header a device might accept. */
		p[0] &= 1;
		p[1] = (uint8_t)(p[1] % 6u);
		p[2] = p[3] = 0;
	}
}

static void drv_collect(void);

/* An arbitrary chain on queue @q: any segments, any directions, any bytes. */
static void op_chain(struct fz_in *in, uint16_t q)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, q);
	struct vob_seg segs[6];
	unsigned n = 1u + fz_u8(in) % 6u, n_out = fz_u8(in) % (n + 1u), k;
	uint16_t s = slot_get(fz_u8(in), q == VOB_NET_TXQ);
	void *tok;
	int err;

	if (!vq) {
		slot_free(s);
		return;
	}
	for (k = 0; k < n; k++) {
		segs[k].len = gen_len(in);
		segs[k].addr = gen_addr(in, s, segs[k].len);
		if (k < n_out)
			drv_fill(in, segs[k].addr, segs[k].len);
	}
	tok = s != NOSLOT ? (void *)(uintptr_t)(s + 1u) : (void *)(uintptr_t)(0x10000u + fz_u8(in));
	M.wild = true;
	err = vob_vq_add(vq, segs, n_out, n - n_out, tok);
	if (err) {
		FZ_CHECK(err == VOB_ENOSPC || err == VOB_EINVAL || err == VOB_EIO,
			 "vob_vq_add: %d", err);
		slot_free(s);
		return;
	}
	if (q == VOB_NET_TXQ)
		M.tx_flight++;
	else
		M.rx_flight++;
	if (fz_u8(in) & 1)
		(void)vob_vq_kick(vq);
}

/* A well-formed transmit frame in one slot, split over 1..4 segments. */
static void op_tx_good(struct fz_in *in)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, VOB_NET_TXQ);
	struct vob_seg segs[4];
	struct txrec r;
	uint8_t *w;
	uint32_t total, off = 0;
	unsigned n = 1u + fz_u8(in) % 4u, k;
	uint16_t s;
	int err;

	if (!vq)
		return;
	memset(&r, 0, sizeof(r));
	r.len = 1u + fz_u16(in) % (model_limit(0) < SLOT - 12u ? model_limit(0) : SLOT - 12u);
	r.seed = ++M.seed;
	if ((M.dev_f & M.drv_f & NF(CSUM)) && (fz_u8(in) & 1) && r.len >= 2) {
		r.h.flags = VOB_NET_HDR_F_NEEDS_CSUM;
		r.h.csum_start = (uint16_t)(fz_u16(in) % (r.len - 1u));
		r.h.csum_offset = (uint16_t)(fz_u16(in) % (r.len - 1u - r.h.csum_start));
	}
	s = slot_get(fz_u8(in), true);
	if (s == NOSLOT)
		return;
	r.slot = s;
	w = M.slots[s].w;
	put_hdr(w, &r.h, 0);
	pattern(w + 12, r.len, r.seed);
	total = 12u + r.len;
	for (k = 0; k < n; k++) {
		uint32_t l = k + 1 < n ? fz_u16(in) % (total - off + 1u) : total - off;

		segs[k].addr = M.slots[s].addr + off;
		segs[k].len = l;
		off += l;
	}
	err = vob_vq_add(vq, segs, n, 0, (void *)(uintptr_t)(s + 1u));
	if (err) {
		FZ_CHECK(err == VOB_ENOSPC || (M.wild && err == VOB_EIO), "vob_vq_add: %d", err);
		slot_free(s);
		return;
	}
	M.tx_flight++;
	if (M.tx_n < QMAX)
		M.tx[M.tx_n++] = r;
	else
		M.wild = true;
	(void)vob_vq_kick(vq);
}

/* A well-formed receive buffer: one slot in A, 1..3 writable segments. */
static void op_rx_good(struct fz_in *in)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, VOB_NET_RXQ);
	struct vob_seg segs[3];
	uint32_t size = 12u + fz_u16(in) % (SLOT - 11u), off = 0;
	unsigned n = 1u + fz_u8(in) % 3u, k, nseg = 0;
	uint16_t s;
	int err;

	if (!vq)
		return;
	s = slot_get(fz_u8(in), false);
	if (s == NOSLOT)
		return;
	for (k = 0; k < n; k++) {
		uint32_t l = k + 1 < n ? fz_u16(in) % (size - off + 1u) : size - off;

		segs[k].addr = M.slots[s].addr + off;
		segs[k].len = l;
		nseg += l != 0;
		off += l;
	}
	memset(M.slots[s].w, 0xee, SLOT);
	err = vob_vq_add(vq, segs, 0, n, (void *)(uintptr_t)(s + 1u));
	if (err) {
		FZ_CHECK(err == VOB_ENOSPC || (M.wild && err == VOB_EIO), "vob_vq_add: %d", err);
		slot_free(s);
		return;
	}
	M.rx_flight++;
	if (M.rx_n < QMAX) {
		M.rx[M.rx_n].slot = s;
		M.rx[M.rx_n].size = size;
		M.rx[M.rx_n].nseg = (uint16_t)nseg;
		/* vob_vq_add() puts 2 to indirect_max segments in a table: one
		 * descriptor. Otherwise one each; the device does not see
		 * the zero-length ones. */
		M.rx[M.rx_n].ndesc = vq->indirect_max && n > 1 && n <= vq->indirect_max
					     ? 1u
					     : (uint16_t)nseg;
		M.rx_n++;
	} else {
		M.wild = true;
	}
	(void)vob_vq_kick(vq);
}

/* Raw bytes anywhere in either window: rings, table, buffers. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned n = 1u + fz_u8(in) % 16u, k;
	uint8_t *base = (m & 1) ? fz.bw : fz.a;
	size_t len = (m & 1) ? FZ_B_SIZE : FZ_A_SIZE, at;

	if (m & 2) {
		/* Aim at a ring area of a queue. */
		struct vob_dev_queue *dq = &H.q[(m >> 2) & 1];
		uint64_t a = (m & 8) ? dq->device_addr : (m & 16) ? dq->driver_addr : dq->desc_addr;
		uint8_t *p = (uint8_t *)vob_link_translate(&H.link, a, 1, VOB_MAP_READ, NULL);

		if (!p)
			return;
		base = p;
		len = (m & 8) ? VOB_SPLIT_USED_BYTES(M.qsize) : (m & 16) ? VOB_SPLIT_AVAIL_BYTES(M.qsize)
									 : VOB_SPLIT_DESC_BYTES(M.qsize);
	}
	if (n > len)
		n = (unsigned)len;
	at = fz_u16(in) % (len - n + 1u);
	for (k = 0; k < n; k++)
		base[at + k] = fz_u8(in);
	M.wild = true;
}

/* The driver collects used chains; checks them against the model. */
static void drv_collect(void)
{
	unsigned q;

	for (q = 0; q < 2; q++) {
		struct vob_vq *vq = vob_dev_vq(&H.d, (uint16_t)q);
		void *tok;
		uint32_t w;
		int err;

		if (!vq)
			continue;
		while ((err = vob_vq_get_used(vq, &tok, &w)) == 0) {
			uint16_t s = token_slot(tok);

			if (q == VOB_NET_TXQ) {
				if (M.tx_flight)
					M.tx_flight--;
				if (modelled())
					FZ_CHECK(w == 0, "transmit chain used with %u bytes written", w);
			} else {
				if (M.rx_flight)
					M.rx_flight--;
				if (modelled()) {
					FZ_CHECK(M.used_n > 0, "a receive buffer used the model did not expect");
					FZ_CHECK(M.used[0].slot == s && M.used[0].written == w,
						 "used receive buffer slot %u written %u, expected slot %u written %u",
						 s, w, M.used[0].slot, M.used[0].written);
					memmove(M.used, M.used + 1, --M.used_n * sizeof(M.used[0]));
				}
			}
			slot_free(s);
		}
		FZ_CHECK(err == VOB_EAGAIN || M.wild,
			 "the device broke the driver's ring: get_used %d (fault %d)", err,
			 vob_vq_fault(vq));
	}
}

/* ---- the device API ----------------------------------------------------------- */

static void op_dev_recv(struct fz_in *in)
{
	struct vob_net_hdr_info h;
	uint8_t m = fz_u8(in);
	size_t cap = (m & 3) == 0 ? fz_u16(in) % 64u : (m & 3) == 1 ? fz_u16(in) : sizeof(got);
	bool model = modelled();
	int r, want;

	memset(&h, 0xa5, sizeof(h));
	r = vob_net_dev_recv(&ND, got, cap, (m & 4) ? NULL : &h);
	if (r > 0) {
		FZ_CHECK((size_t)r <= cap, "recv returned %d for a capacity of %zu", r, cap);
		FZ_CHECK((uint32_t)r <= vob_net_dev_max_frame(&ND), "recv returned %d above max %u", r,
			 vob_net_dev_max_frame(&ND));
		if (!(m & 4)) {
			FZ_CHECK(h.num_buffers == 0, "received header with num_buffers %u", h.num_buffers);
			FZ_CHECK(model_hdr_ok(&h, (uint32_t)r, vob_net_dev_features(&ND), false),
				 "received a header the negotiated features forbid");
		}
	} else {
		FZ_CHECK(r == VOB_EAGAIN || r == VOB_EMSGSIZE || r == VOB_ENODEV || r == VOB_EPROTO,
			 "vob_net_dev_recv: %d", r);
		FZ_CHECK(r != VOB_EPROTO || M.wild, "vob_net_dev_recv: EPROTO on a sound ring (fault %d)",
			 vob_vq_fault(&ND.vq[VOB_NET_TXQ]));
	}
	if (!model)
		return;
	if (!M.tx_n) {
		want = VOB_EAGAIN;
	} else {
		want = M.tx[0].len > cap ? VOB_EMSGSIZE : (int)M.tx[0].len;
	}
	FZ_CHECK(r == want, "vob_net_dev_recv returned %d, the model %d", r, want);
	if (r > 0) {
		pattern(frame, (size_t)r, M.tx[0].seed);
		fz_expect_same(got, frame, (size_t)r, "the received frame", "vob_net_dev_recv");
		if (!(m & 4))
			FZ_CHECK(h.flags == M.tx[0].h.flags && h.csum_start == M.tx[0].h.csum_start &&
					 h.csum_offset == M.tx[0].h.csum_offset && h.gso_type == 0,
				 "received header differs from the one sent");
		memmove(M.tx, M.tx + 1, --M.tx_n * sizeof(M.tx[0]));
	}
}

static void op_dev_send(struct fz_in *in)
{
	struct vob_net_hdr_info h;
	uint8_t m = fz_u8(in);
	uint32_t len;
	uint64_t f = vob_net_dev_features(&ND);
	bool model = modelled();
	int r, want = 0;
	unsigned k = 0;

	memset(&h, 0, sizeof(h));
	switch (m % 4) {
	case 0:
		len = 1u + fz_u16(in) % 200u;
		break;
	case 1:
		len = 1u + fz_u16(in) % 2100u;
		break;
	case 2:
		len = 1u + fz_u16(in) % 9100u;
		break;
	default:
		len = fz_u32(in) % (VOB_NET_GSO_MAX_FRAME + 8u);
		break;
	}
	if (m & 4)
		gen_hdr(in, m, len, 3u, &h);
	pattern(frame, len, ++M.seed);
	r = vob_net_dev_send(&ND, (m & 32) ? NULL : &h, len ? frame : NULL, len);
	FZ_CHECK(r == 0 || r == VOB_EAGAIN || r == VOB_EMSGSIZE || r == VOB_ENOTSUP ||
			 r == VOB_EINVAL || r == VOB_ENODEV || r == VOB_EPROTO,
		 "vob_net_dev_send: %d", r);
	FZ_CHECK(r != VOB_EPROTO || M.wild, "vob_net_dev_send: EPROTO on a sound ring (fault %d)",
		 vob_vq_fault(&ND.vq[VOB_NET_RXQ]));
	if (!model)
		return;
	if (m & 32)
		memset(&h, 0, sizeof(h));
	/* What the device should have done. */
	if (!len) {
		want = VOB_EINVAL;
	} else if (len > model_limit(h.gso_type)) {
		want = VOB_EMSGSIZE;
	} else if (!model_hdr_ok(&h, len, f, true)) {
		/* ENOTSUP for offloads, EINVAL for fields: both refusals. */
		want = 1;
	} else {
		/* The device's gathering, step by step: buffers it holds from
		 * an earlier call first, then new ones while it has room. */
		uint32_t need = 12u + len, have = 0, iov = 0, ndesc = 0, held = M.rx_held, j;
		bool mrg = (f & NF(MRG_RXBUF)) != 0;

		for (j = 0; j < held; j++) {
			iov += M.rx[j].nseg;
			ndesc += M.rx[j].ndesc;
		}
		while (have < need) {
			if (k < held) {
				if (!mrg && M.rx[k].size < need) {
					want = VOB_EMSGSIZE;
					break;
				}
				have += need - have < M.rx[k].size ? need - have : M.rx[k].size;
				k++;
				continue;
			}
			/* Buffers (or their descriptors) covering the whole
			 * receive queue: no more can come. */
			if (held >= M.qsize || ndesc >= M.qsize ||
			    iov + VOB_NET_SEG_MAX > VOB_NET_SEG_MAX + VOB_NET_QSIZE) {
				want = VOB_EMSGSIZE;
				break;
			}
			if (held == M.rx_n) {
				want = VOB_EAGAIN;
				break;
			}
			iov += M.rx[held].nseg;
			ndesc += M.rx[held++].ndesc;
		}
		M.rx_held = held;
		if (!want)
			M.rx_held -= k;
	}
	if (want == 1)
		FZ_CHECK(r == VOB_ENOTSUP || r == VOB_EINVAL,
			 "vob_net_dev_send returned %d for a header the spec forbids", r);
	else
		FZ_CHECK(r == want, "vob_net_dev_send returned %d, the model %d", r, want);
	if (r != 0)
		return;
	/* The bytes in the k buffers, and the used entries to come. */
	{
		uint32_t off = 0, need = 12u + len, i;
		uint8_t hb[12];

		put_hdr(hb, &h, (uint16_t)k);
		for (i = 0; i < k; i++) {
			struct rxrec *b = &M.rx[i];
			uint32_t take = need - off < b->size ? need - off : b->size, j;
			const uint8_t *p = M.slots[b->slot].p;

			FZ_CHECK(i + 1 == k || take == b->size, "model: a buffer but the last not full");
			for (j = 0; j < take; j++) {
				uint32_t at = off + j;
				uint8_t want_b = at < 12 ? hb[at] : frame[at - 12];

				FZ_CHECK(p[j] == want_b,
					 "receive buffer %u byte %u is 0x%02x, expected 0x%02x", i, j, p[j],
					 want_b);
			}
			for (; j < b->size && j < SLOT; j++)
				FZ_CHECK(p[j] == 0xee, "receive buffer %u written beyond %u bytes", i, take);
			FZ_CHECK(M.used_n < QMAX, "model: used overflow");
			M.used[M.used_n].slot = b->slot;
			M.used[M.used_n].written = take;
			M.used_n++;
			off += take;
		}
		memmove(M.rx, M.rx + k, (M.rx_n - k) * sizeof(M.rx[0]));
		M.rx_n -= k;
	}
}

/* ---- set-up ------------------------------------------------------------------------ */



static uint64_t take(uint64_t *at, size_t len)
{
	uint64_t a = (*at + fz.line - 1u) & ~(uint64_t)(fz.line - 1u);

	*at = a + len;
	return a;
}

static bool setup(struct fz_in *in)
{
	uint8_t h[10];
	struct vob_table_cfg tc;
	struct vob_net_dev_cfg dc;
	struct vob_dev_cfg hc;
	uint64_t a_at, b_at;
	bool ring_in_b, indirect;
	unsigned k, i;
	int err;

	for (k = 0; k < sizeof(h); k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[6], h[7], h[8], h[9]);
	memset(&M, 0, sizeof(M));
	memset(&H, 0, sizeof(H));
	M.qsize = (uint16_t)(1u << (h[0] % 7u)); /* 1 .. 64 */
	M.dev_f = fix_deps(features_of((uint16_t)(h[1] | h[2] << 8)));
	M.drv_f = features_of((uint16_t)(h[3] | h[4] << 8));
	if (h[5] & 0x80)
		M.drv_f = fix_deps(M.drv_f); /* else possibly a set the device refuses */
	M.mtu = (h[5] & 3) == 0 ? 1500 : (h[5] & 3) == 1 ? 68 : (h[5] & 3) == 2 ? 9000 : 0;
	ring_in_b = (h[5] & 4) != 0;
	indirect = (h[5] & 8) != 0 && !fz_known_bug("misaligned-indirect");

	/* The device: table side 0 on the fuzz link. */
	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = 2;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 7;
	tc.timeout = 1000;
	err = vob_table_init(&DT, &fz.link, &tc);
	FZ_CHECK(err == 0, "device vob_table_init: %d", err);
	memset(&dc, 0, sizeof(dc));
	dc.features = M.dev_f;
	dc.mtu = M.mtu;
	dc.link_up = (h[5] & 16) != 0;
	dc.mac[0] = 0x52;
	dc.queue_size = (h[5] & 32) ? (uint16_t)QMAX : M.qsize;
	err = vob_net_dev_init(&ND, &DT, &dc);
	FZ_CHECK(err == 0, "vob_net_dev_init: %d", err);
	if (!M.mtu)
		M.mtu = 1500;

	/* The hostile driver: its own link, window B writable. */
	fz_peer_link(&H.link, &H.ops);
	tc.side = 1;
	tc.epoch_seed = 9;
	err = vob_table_init(&H.t, &H.link, &tc);
	FZ_CHECK(err == 0, "driver vob_table_init: %d", err);

	/* Rings: descriptors and driver areas in B or A, device areas in A. */
	a_at = fz.a_base + VOB_TABLE_BYTES(1, 2, CFG_MAX, fz.line);
	b_at = fz.b_base;
	for (i = 0; i < 2; i++) {
		uint64_t *at = ring_in_b ? &b_at : &a_at;

		H.q[i].vq = &H.vq[i];
		H.q[i].state = H.state[i];
		H.q[i].state_len = sizeof(H.state[i]);
		H.q[i].size = M.qsize;
		H.q[i].desc_addr = take(at, VOB_SPLIT_DESC_BYTES(M.qsize));
		H.q[i].driver_addr = take(at, VOB_SPLIT_AVAIL_BYTES(M.qsize));
		H.q[i].device_addr = take(&a_at, VOB_SPLIT_USED_BYTES(M.qsize));
		if (indirect) {
			H.q[i].indirect_max = IND_MAX;
			H.q[i].indirect_addr = take(&a_at, (size_t)M.qsize * IND_MAX * 16u);
		}
	}
	/* Buffer slots: what is left of A, then of B. */
	a_at = take(&a_at, 0);
	while (a_at + SLOT <= fz.a_base + FZ_A_SIZE && M.nslots < MAXSLOTS) {
		struct slot *s = &M.slots[M.nslots++];

		s->addr = a_at;
		s->p = fz.a + (a_at - fz.a_base);
		s->w = s->p;
		a_at += SLOT;
	}
	b_at = take(&b_at, 0);
	while (b_at + SLOT <= fz.b_base + FZ_B_SIZE && M.nslots < MAXSLOTS) {
		struct slot *s = &M.slots[M.nslots++];

		s->addr = b_at;
		s->p = fz.b + (b_at - fz.b_base);
		s->w = fz.bw + (b_at - fz.b_base);
		s->in_b = true;
		b_at += SLOT;
	}
	FZ_CHECK(M.nslots >= 4, "harness: only %u slots", M.nslots);

	memset(&hc, 0, sizeof(hc));
	hc.role = VOB_ROLE_DRIVER;
	hc.slot = 0;
	hc.num_queues = 2;
	hc.queues = H.q;
	hc.features[0] = M.drv_f | VOB_BIT(VOB_F_VERSION_1) |
			 ((h[5] & 64) ? VOB_BIT(VOB_F_EVENT_IDX) : 0) |
			 (indirect ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0);
	hc.on_lost = h_on_lost;
	err = vob_dev_init(&H.d, &H.t, &hc);
	FZ_CHECK(err == 0, "driver vob_dev_init: %d", err);
	poll_both(12);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	setup(&in);
	model_reset();
	M.wild = false;
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		switch (op % 18) {
		case 0:
			op_chain(&in, VOB_NET_TXQ);
			break;
		case 1:
			op_chain(&in, VOB_NET_RXQ);
			break;
		case 2:
		case 3:
			op_tx_good(&in);
			break;
		case 4:
		case 5:
			op_rx_good(&in);
			break;
		case 6:
			op_raw(&in);
			break;
		case 7:
		case 8:
			op_dev_recv(&in);
			break;
		case 9:
		case 10:
			op_dev_send(&in);
			break;
		case 11:
			poll_both(1u + fz_u8(&in) % 3u);
			break;
		case 12:
		case 13:
			drv_collect();
			break;
		case 14: {
			int r = vob_net_dev_set_link(&ND, fz_u8(&in) & 1);

			FZ_CHECK(r == 0, "vob_net_dev_set_link: %d", r);
			break;
		}
		case 15: {
			struct vob_vq *vq = vob_dev_vq(&H.d, fz_u8(&in) & 1);

			if (vq)
				(void)((fz_u8(&in) & 1) ? vob_vq_enable_notify(vq) : vob_vq_kick(vq));
			break;
		}
		case 16:
			/* Reset: every buffer comes back; negotiate again. */
			if (fz_u8(&in) % 4 == 0) {
				int ev;

				(void)vob_dev_reset(&H.d);
				ev = poll_both(12);
				model_reset();
				/* Both sides set their queues up afresh: the
				 * model holds again. */
				if ((ev & VOB_DEV_EV_LIVE) && (ev & (VOB_DEV_EV_LIVE << 8)) && live())
					M.wild = false;
			}
			break;
		default: {
			/* Look at the counters: they only ever count. */
			const struct vob_net_stats *st = vob_net_dev_stats(&ND);

			FZ_CHECK(st->rx_frames <= 0x7fffffffu && st->tx_frames <= 0x7fffffffu,
				 "counters");
			break;
		}
		}
	}
	return 0;
}

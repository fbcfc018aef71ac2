/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_net_driver: the input plays a hostile DEVICE against the driver role
 * of virtio-net (lib/net.c), through a real device table and real rings in
 * the guarded windows of fuzz_common.
 *
 * The first 20 bytes choose the set-up: queue size, the features the device
 * offers (possibly breaking the spec's dependencies) and the ones the driver
 * asks for, the packed ring, the device's config (MAC, status, MTU, and how
 * many of its 24 bytes it publishes), a device with no transmit queue, one
 * that refuses FEATURES_OK, the driver's pool (buffer size and count) and
 * receive target, the device areas of the driver's rings in the read-only
 * window B or not, and the fuzz_common environment (link addresses, window
 * kinds, line size, DMA). The hostile device is a vob_dev in the device role
 * on its own link, which sees both windows writable; after negotiation every
 * following byte group is one operation: pop transmit chains or receive
 * buffers and hold them; write a well-formed frame into held receive buffers
 * (one, or several with MRG_RXBUF) or a malformed one (any header bytes, any
 * num_buffers, any written length, a push with more than the chain holds);
 * return held transmit chains with any written length; change the config
 * (link status, MAC, MTU) through the table, or write raw bytes into its
 * generation or bytes; arm a "concurrent" device that changes memory (the
 * config generation or bytes, a used ring, the pool) or completes receive
 * buffers while the driver reads (from the cache-invalidate hook, so only
 * on a cached window); raw
 * bytes into the driver's rings, the table or the pool; interrupts; a
 * NEEDS_RESET, a hot remove and add again; or a call of the driver API
 * (send, receive, poll, reset, the config queries).
 *
 * Invariants, after every call:
 *  - no sanitizer finding; window B is read-only to the library and both
 *    windows sit between guard pages; no call loops (every harness loop is
 *    bounded, libFuzzer's -timeout catches the library's);
 *  - every return value is one net.h documents for that call; the device's
 *    push of more than a chain holds is refused with VOB_EINVAL;
 *  - a received frame is at most the caller's capacity and
 *    vob_net_drv_max_rx(); its header asks only for negotiated offloads, has
 *    num_buffers 1 without MRG_RXBUF; unless raw writes happened since the
 *    last reset, the frame is exactly the bytes the device wrote into the
 *    last num_buffers receive buffers the driver collected (all of them but
 *    the last used to their end, the header that of the first);
 *  - pool buffers are conserved (read from the driver object): free +
 *    receive buffers in flight + held for reassembly + transmit buffers in
 *    flight == buf_count; when the driver is not live all are back in the
 *    pool but for those a reset still holds until the device answers it; a
 *    reset reports as lost (lost_rx / lost_tx) exactly the buffers that were
 *    out, not collected and not held (vob_net_drv_reset() and a reset found
 *    by a poll), the held ones at the poll that gives them back, never more
 *    (any other call);
 *  - every chain the device pops is made of whole pool buffers, none held
 *    by the device already or pushed and not yet let go of by the driver
 *    (no buffer in flight twice);
 *  - counters only grow;
 *  - while the device has behaved (the "wild" flag: cleared when both sides
 *    come back live after a reset, set by any raw or malformed operation) a
 *    model predicts exact results: frames sent arrive at the device in order
 *    with their header and bytes in a chain of pool buffers; frames the
 *    device writes arrive in order, whole, with their header; send and
 *    receive return the predicted 0 / VOB_EAGAIN / VOB_EMSGSIZE / refusal;
 *    the MAC, MTU and link status read from the config are the device's,
 *    and VOB_NET_EV_LINK comes exactly when the status changed; the driver
 *    never reports a broken ring.
 *
 * The driver role has no control queue (net.h: VIRTIO_NET_F_CTRL_VQ is not
 * implemented), so there is no control ack byte to fuzz.
 *
 * Known library bugs the harness steers around when the environment names
 * them in VOB_FUZZ_KNOWN (comma-separated), as fuzz_split_device does: none
 * so far.
 */
#include "fuzz_common.h"
#include "fuzz_net.h"
#include "table_internal.h"

#include "vob/net.h"

#define MAX_OPS 768u
#define QMAX VOB_NET_QSIZE
#define CFG_MAX 32u
#define HDR 12u
#define BUF_MAX 2048u
#define NHOLD QMAX

/* ---- the hostile device's side ------------------------------------------ */

struct held {
	struct vob_chain c;
	struct vob_iov iov[QMAX];
};

static struct {
	struct vob_port_ops ops;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev d;
	struct vob_dev_queue q[2];
	struct vob_vq vq[2];
	uint64_t state[2][VOB_VQ_STATE_SIZE(QMAX, 0) / 8];
	struct vob_dev_cfg cfg;
	struct vob_net_config config;
	/* chains popped and not pushed, per queue, in pop order */
	struct held held[2][NHOLD];
	unsigned nheld[2];
} H;

static struct vob_table DT;
static struct vob_net_drv NV;

/* A receive buffer the device pushed and the driver has not collected yet. */
struct logrec {
	uint8_t *buf;
	uint32_t w;
	uint8_t snap[BUF_MAX];
};

/* A frame in flight, for the model. */
struct frec {
	uint32_t len, seed;
	struct vob_net_hdr_info h;
};

static struct {
	uint64_t dev_f, drv_f;
	uint16_t qsize, cfg_len;
	uint32_t buf_size;
	uint16_t buf_count, rx_target;
	bool no_txq, refuse;
	bool wild; /* the device misbehaved since the last reset */
	bool raw;  /* raw writes since the last reset: bytes unpredictable */
	bool sticky; /* raw writes that a reset does not undo (the table) */
	/* receive log: buffers pushed, not yet collected, in push order */
	struct logrec log[VOB_NET_BUFS];
	unsigned log_head, log_n;
	uint64_t log_base; /* driver's rx used count at log_head */
	/* model */
	struct frec tx[QMAX];
	unsigned tx_n;
	struct frec rx[QMAX];
	unsigned rx_n;
	uint32_t mtu;      /* MTU the driver should use */
	int link;          /* link status the driver should report */
	uint8_t mac[6];    /* MAC it should report */
	bool cfg_known;    /* the three above are predicted */
	bool drv_live;     /* the driver was live after the last call */
	uint32_t seed;
	struct vob_net_stats st; /* counters after the last call */
	/* the concurrent writer (on_invalidate hook) */
	unsigned cw_left;
	uint8_t *cw_at;
	uint8_t cw_bytes[4];
	unsigned cw_n;
	uint8_t cw_mode;
	bool cw_push; /* the writer completes receive buffers instead */
} M;

static bool tracing; /* VOB_FUZZ_TRACE=1: print every operation */

static uint8_t frame[VOB_NET_GSO_MAX_FRAME + 64];
static uint8_t got[VOB_NET_GSO_MAX_FRAME + 64];

static bool h_accept(void *arg, uint64_t f[2])
{
	(void)arg;
	(void)f;
	return !M.refuse;
}

/* The concurrent writer: while armed, every cache invalidate the library
 * makes (it is about to read shared memory) first changes some bytes, as a
 * device writing at the same time would. */
static void cw_hook(const void *p, size_t n)
{
	unsigned k;

	(void)p;
	(void)n;
	if (M.cw_left && M.cw_push) {
		/* Complete one more receive buffer with a frame header whose
		 * num_buffers is 0 to 3 (mostly wrong). */
		static struct held scratch;
		struct vob_vq *vq = vob_dev_vq(&H.d, VOB_NET_RXQ);
		uint16_t nb = (uint16_t)((M.cw_bytes[0] >> 1) & 3u);

		M.cw_left--;
		scratch.c.iov = scratch.iov;
		scratch.c.cap = QMAX;
		if (!vq || vob_vq_pop(vq, &scratch.c))
			return;
		if (scratch.c.n_in && scratch.iov[scratch.c.n_out].len >= HDR) {
			uint8_t *b = (uint8_t *)scratch.iov[scratch.c.n_out].base;

			memset(b, 0, HDR);
			memcpy(b + 10, &nb, 2);
		}
		(void)vob_vq_push(vq, &scratch.c, scratch.c.in_len);
		return;
	}
	if (!M.cw_left || !M.cw_at)
		return;
	M.cw_left--;
	if (M.cw_mode & 1) {
		/* Count a 32-bit word up (a generation that keeps moving). */
		uint32_t v;

		memcpy(&v, M.cw_at, 4);
		v += 1u + (M.cw_mode >> 1);
		memcpy(M.cw_at, &v, 4);
		return;
	}
	for (k = 0; k < M.cw_n; k++)
		M.cw_at[k] ^= M.cw_bytes[k];
}

/* ---- the spec's rules, written again for the model ------------------------ */



static void get_hdr(const uint8_t *b, struct vob_net_hdr_info *h)
{
	memset(h, 0, sizeof(*h));
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = fz_rd16(b + 2);
	h->gso_size = fz_rd16(b + 4);
	h->csum_start = fz_rd16(b + 6);
	h->csum_offset = fz_rd16(b + 8);
	h->num_buffers = fz_rd16(b + 10);
}

static bool same_hdr(const struct vob_net_hdr_info *a, const struct vob_net_hdr_info *b)
{
	return a->flags == b->flags && a->gso_type == b->gso_type && a->hdr_len == b->hdr_len &&
	       a->gso_size == b->gso_size && a->csum_start == b->csum_start &&
	       a->csum_offset == b->csum_offset;
}


/* The features both sides settled on (0 until then). */
static uint64_t feats(void)
{
	return vob_net_drv_features(&NV);
}

/* The driver's own flag, which every getter tests: max_rx is 0 as well
 * when live without a receive queue. */
static bool drv_live(void)
{
	return NV.live != 0;
}

static bool dev_live(void)
{
	return vob_dev_state(&H.d) == VOB_DEV_LIVE && vob_dev_vq(&H.d, VOB_NET_RXQ);
}

static bool modelled(void)
{
	return !M.wild && drv_live() && dev_live();
}

/* The driver's queue @q (NULL when not live). */
static struct vob_vq *drv_vq(uint16_t q)
{
	return drv_live() ? vob_dev_vq(&NV.dev, q) : NULL;
}

/* The driver's queue @q while the table holds it: live, or after a reset
 * the driver asked for, until the device's answer gives its buffers back
 * (NULL otherwise). */
static struct vob_vq *held_vq(uint16_t q)
{
	return (NV.dev.qmask[q >> 5] >> (q & 31u)) & 1u ? &NV.vq[q] : NULL;
}

static uint64_t rx_used(void)
{
	struct vob_vq *vq = drv_vq(VOB_NET_RXQ);

	return vq ? vob_vq_stats(vq)->used : 0;
}

/* Forget what the device side holds (its queues are gone or new). */
static void dev_forget(void)
{
	H.nheld[0] = H.nheld[1] = 0;
}

/* Forget the driver-side model (its queues are gone or new). */
static void drv_forget(void)
{
	M.log_head = M.log_n = 0;
	M.log_base = 0;
	M.tx_n = M.rx_n = 0;
}

/* ---- invariants checked after every call -------------------------------------- */

static unsigned tx_bufs_in_flight(void)
{
	unsigned i, n = 0;

	for (i = 0; i < QMAX; i++)
		n += NV.tx[i].n;
	return n;
}

/* Predicted config values, computed when the driver goes live. */
static void cfg_predict(void)
{
	uint64_t f = feats();
	uint16_t mtu = vob_le16(H.config.mtu), st = vob_le16(H.config.status);

	M.cfg_known = !M.raw;
	memset(M.mac, 0, 6);
	if ((f & NF(MAC)) && M.cfg_len >= 6)
		memcpy(M.mac, H.config.mac, 6);
	M.mtu = (f & NF(MTU)) && M.cfg_len >= 12 && mtu >= 68 ? mtu : VOB_NET_MTU_DEFAULT;
	M.link = !(f & NF(STATUS)) || M.cfg_len < 8 || (st & VOB_NET_S_LINK_UP);
	(void)st;
}

/* The link status the device publishes, as the driver must read it. */
static int link_published(void)
{
	return !(feats() & NF(STATUS)) || M.cfg_len < 8 ||
	       (vob_le16(H.config.status) & VOB_NET_S_LINK_UP);
}

static void check_cfg(const char *op)
{
	uint8_t mac[6];
	int r;

	if (!drv_live()) {
		FZ_CHECK(vob_net_drv_link(&NV) == 0, "%s: link %d while not live", op,
			 vob_net_drv_link(&NV));
		FZ_CHECK(vob_net_drv_mac(&NV, mac) == VOB_ENODEV, "%s: mac while not live", op);
		FZ_CHECK(vob_net_drv_max_tx(&NV) == 0, "%s: max_tx while not live", op);
		return;
	}
	r = vob_net_drv_mac(&NV, mac);
	FZ_CHECK(r == ((feats() & NF(MAC)) ? 0 : VOB_ENOTSUP), "%s: vob_net_drv_mac %d", op, r);
	FZ_CHECK(vob_net_drv_link(&NV) == 0 || vob_net_drv_link(&NV) == 1, "%s: link", op);
	FZ_CHECK(vob_net_drv_mtu(&NV) >= 68, "%s: mtu %u", op, vob_net_drv_mtu(&NV));
	/* Never more buffers than are posted at once (receive) or than the
	 * transmit queue has descriptors (send: one per buffer). */
	FZ_CHECK(vob_net_drv_max_rx(&NV) <= M.buf_size * (M.rx_target < VOB_NET_MAX_SEGS
								  ? M.rx_target
								  : VOB_NET_MAX_SEGS) - HDR ||
			 !(feats() & NF(MRG_RXBUF)),
		 "%s: max_rx %u beyond the buffers", op, vob_net_drv_max_rx(&NV));
	FZ_CHECK(vob_net_drv_max_tx(&NV) <= M.buf_size * (M.qsize < VOB_NET_MAX_SEGS
								  ? M.qsize
								  : VOB_NET_MAX_SEGS) - HDR,
		 "%s: max_tx %u beyond the buffers", op, vob_net_drv_max_tx(&NV));
	/* Raw writes into the device area may hide the transmit queue. */
	FZ_CHECK(M.sticky || (M.no_txq && vob_net_drv_max_tx(&NV) == 0) ||
			 (!M.no_txq && vob_net_drv_max_tx(&NV) > 0),
		 "%s: max_tx %u with%s a transmit queue", op, vob_net_drv_max_tx(&NV),
		 M.no_txq ? "out" : "");
	if (M.wild || !M.cfg_known)
		return;
	FZ_CHECK(vob_net_drv_mtu(&NV) == M.mtu, "%s: mtu %u, model %u", op, vob_net_drv_mtu(&NV),
		 M.mtu);
	FZ_CHECK(vob_net_drv_link(&NV) == M.link, "%s: link %d, model %d", op,
		 vob_net_drv_link(&NV), M.link);
	if (r == 0)
		fz_expect_same(mac, M.mac, 6, "the MAC", op);
}

/* After every call of the library: conservation of buffers, counters. */
static void check_after(const char *op, const struct vob_net_stats *before, unsigned rx_out,
			unsigned tx_out)
{
	const struct vob_net_stats *s = vob_net_drv_stats(&NV);
	unsigned nfree = vob_pool_free(&NV.pool);
	bool now = drv_live();

	FZ_CHECK(s->tx_frames >= before->tx_frames && s->rx_frames >= before->rx_frames &&
			 s->tx_dropped >= before->tx_dropped && s->rx_bad >= before->rx_bad &&
			 s->rx_oversize >= before->rx_oversize && s->lost_rx >= before->lost_rx &&
			 s->lost_tx >= before->lost_tx && s->link_changes >= before->link_changes &&
			 s->ring_errors >= before->ring_errors,
		 "%s: a counter went down", op);
	FZ_CHECK(s->lost_rx - before->lost_rx <= rx_out,
		 "%s: %u receive buffers reported lost, %u were out", op, s->lost_rx - before->lost_rx,
		 rx_out);
	FZ_CHECK(s->lost_tx - before->lost_tx <= tx_out,
		 "%s: %u transmit frames reported lost, %u were out", op, s->lost_tx - before->lost_tx,
		 tx_out);
	if (!M.wild)
		FZ_CHECK(s->ring_errors == before->ring_errors && s->rx_bad == before->rx_bad &&
				 s->rx_oversize == before->rx_oversize,
			 "%s: the driver found a well-behaved device at fault (ring %u bad %u "
			 "oversize %u)", op, s->ring_errors, s->rx_bad, s->rx_oversize);
	{
		/* Not live: all in the pool, but for what a reset waiting for
		 * the device's answer still holds. */
		struct vob_vq *rq = held_vq(VOB_NET_RXQ);
		unsigned rxf = rq ? (unsigned)(vob_vq_stats(rq)->added - vob_vq_stats(rq)->used) : 0;
		unsigned sum = nfree + rxf + NV.rx_nfrag + tx_bufs_in_flight();

		FZ_CHECK(sum == M.buf_count,
			 "%s: buffers not conserved: %u free + %u receiving + %u held + %u sending "
			 "!= %u (live %d)", op, nfree, rxf, NV.rx_nfrag, tx_bufs_in_flight(),
			 M.buf_count, now);
	}
	if (now != M.drv_live) {
		/* The driver's queues went or came: what the model had in
		 * flight is gone. */
		drv_forget();
		if (now)
			cfg_predict();
	}
	M.drv_live = now;
	check_cfg(op);
	M.st = *s;
}

/* Things in flight before a call, for the lost counters. */
static void out_counts(unsigned *rx_out, unsigned *tx_out)
{
	struct vob_vq *rq = held_vq(VOB_NET_RXQ), *tq = held_vq(VOB_NET_TXQ);

	*rx_out = NV.rx_nfrag + (rq ? (unsigned)(vob_vq_stats(rq)->added - vob_vq_stats(rq)->used) : 0);
	*tx_out = tq ? (unsigned)(vob_vq_stats(tq)->added - vob_vq_stats(tq)->used) : 0;
}

/* ---- polling ------------------------------------------------------------------ */

static void drv_poll(void)
{
	struct vob_net_stats before = M.st;
	unsigned rx_out, tx_out;
	bool was = drv_live(), had_txq = drv_vq(VOB_NET_TXQ) != NULL;
	int ev, link_before = vob_net_drv_link(&NV);
	uint64_t tx_used = vob_vq_stats(&NV.vq[VOB_NET_TXQ])->used;

	out_counts(&rx_out, &tx_out);
	ev = vob_net_drv_poll(&NV);
	if (tracing && ev)
		fprintf(stderr, "  drv_poll -> 0x%x (link %d)\n", ev, vob_net_drv_link(&NV));
	FZ_CHECK(ev >= 0, "vob_net_drv_poll: %d", ev);
	FZ_CHECK(!(ev & ~(VOB_DEV_EV_STATE | VOB_DEV_EV_LIVE | VOB_DEV_EV_RESET | VOB_DEV_EV_CONFIG |
			  VOB_DEV_EV_NEEDS_RESET | VOB_DEV_EV_TIMEOUT | VOB_DEV_EV_REFUSED |
			  VOB_NET_EV_LINK)),
		 "vob_net_drv_poll: unknown events 0x%x", ev);
	/* (A poll may see the link change, then a broken transmit ring and
	 * reset: both are reported.) */
	if (ev & VOB_NET_EV_LINK)
		FZ_CHECK(was && !(ev & VOB_DEV_EV_LIVE) &&
				 ((ev & VOB_DEV_EV_RESET) ||
				  ((feats() & NF(STATUS)) && vob_net_drv_link(&NV) != link_before)),
			 "VOB_NET_EV_LINK without a link change (%d -> %d)", link_before,
			 vob_net_drv_link(&NV));
	else if (was && drv_live() && !(ev & VOB_DEV_EV_LIVE) && !M.wild)
		FZ_CHECK(vob_net_drv_link(&NV) == link_before, "link changed without VOB_NET_EV_LINK");
	if (ev & VOB_DEV_EV_NEEDS_RESET)
		FZ_CHECK(M.wild, "the driver saw NEEDS_RESET from a well-behaved device");
	if (ev & (VOB_DEV_EV_LIVE | VOB_DEV_EV_RESET))
		drv_forget();
	if (was && drv_live() && !(ev & VOB_DEV_EV_LIVE) && (ev & VOB_DEV_EV_CONFIG) &&
	    M.cfg_known && !M.wild) {
		int nl = link_published();

		FZ_CHECK(!!(ev & VOB_NET_EV_LINK) == (nl != M.link),
			 "config change: link %d -> %d, VOB_NET_EV_LINK %s", M.link, nl,
			 (ev & VOB_NET_EV_LINK) ? "set" : "not set");
		M.link = nl;
	}
	if (!drv_live()) {
		/* A reset in the poll (removal, NEEDS_RESET, a transmit ring
		 * broken after collecting some), or the device's answer to an
		 * earlier one: every buffer that was out, not collected and not
		 * still held for the answer is reported lost, once. */
		const struct vob_net_stats *s = vob_net_drv_stats(&NV);
		unsigned reaped = had_txq ? (unsigned)(vob_vq_stats(&NV.vq[VOB_NET_TXQ])->used - tx_used)
					  : 0;
		unsigned rx_held, tx_held;

		out_counts(&rx_held, &tx_held);
		FZ_CHECK(s->lost_rx - before.lost_rx + rx_held == rx_out &&
				 s->lost_tx - before.lost_tx + reaped + tx_held == tx_out,
			 "poll's reset reported %u/%u lost, %u/%u were out (%u collected, %u/%u "
			 "held)", s->lost_rx - before.lost_rx, s->lost_tx - before.lost_tx, rx_out,
			 tx_out, reaped, rx_held, tx_held);
	}
	check_after("vob_net_drv_poll", &before, rx_out, tx_out);
}

static int dev_poll(void)
{
	int ev = vob_dev_poll(&H.d);

	if (ev == VOB_EIO)
		return ev; /* removed */
	FZ_CHECK(ev >= 0, "device vob_dev_poll: %d", ev);
	if ((ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE)) || !dev_live())
		dev_forget();
	return ev;
}

/* Poll both sides @n times; returns the driver's events or-ed. */
static void poll_both(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		(void)dev_poll();
		drv_poll();
	}
}

/* The device interrupts the driver on queue @q, if it has that queue. */
static void dev_kick(uint16_t q)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, q);

	if (vq)
		(void)vob_vq_kick(vq);
}

/* ---- the device's chains ---------------------------------------------------------- */

static bool in_pool(const void *p, size_t n)
{
	return fz_within(p, n, NV.pool.base, (size_t)M.buf_size * M.buf_count);
}

static void log_trim(void);

/* Pop the next chain of queue @q into the held list; checks its shape
 * against what the driver may make available. 0, or the pop's error. */
static int dev_pop(uint16_t q)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, q);
	struct held *hd;
	unsigned k, j, i;
	int err;

	if (!vq || !drv_live() || H.nheld[q] >= NHOLD)
		return VOB_EAGAIN;
	hd = &H.held[q][H.nheld[q]];
	hd->c.iov = hd->iov;
	hd->c.cap = QMAX;
	err = vob_vq_pop(vq, &hd->c);
	if (tracing && drv_vq(q))
		fprintf(stderr, "  (driver: q%u added %llu used %llu, pool free %u)\n", q,
			(unsigned long long)vob_vq_stats(drv_vq(q))->added,
			(unsigned long long)vob_vq_stats(drv_vq(q))->used, vob_pool_free(&NV.pool));
	if (tracing)
		fprintf(stderr, "  pop q%u -> %d (%u+%u segments, %u+%u bytes)\n", q, err,
			err ? 0 : hd->c.n_out, err ? 0 : hd->c.n_in, err ? 0 : hd->c.out_len,
			err ? 0 : hd->c.in_len);
	if (err) {
		FZ_CHECK(err == VOB_EAGAIN || (M.wild && (err == VOB_EPROTO || err == VOB_EIO)),
			 "device vob_vq_pop: %d (fault %d)", err, vob_vq_fault(vq));
		return err;
	}
	H.nheld[q]++;
	if (M.raw)
		return 0;
	/* The driver's chains: receive, one whole writable pool buffer;
	 * transmit, readable pool buffers only. Never a buffer the device
	 * holds already. */
	if (q == VOB_NET_RXQ)
		FZ_CHECK(hd->c.n_out == 0 && hd->c.n_in == 1 && hd->c.in_len == M.buf_size,
			 "receive chain of %u+%u segments, %u bytes", hd->c.n_out, hd->c.n_in,
			 hd->c.in_len);
	else
		FZ_CHECK(hd->c.n_in == 0 && hd->c.n_out >= 1 && hd->c.n_out <= VOB_NET_MAX_SEGS &&
				 hd->c.out_len > HDR,
			 "transmit chain of %u+%u segments, %u bytes", hd->c.n_out, hd->c.n_in,
			 hd->c.out_len);
	log_trim();
	for (k = 0; k < (unsigned)hd->c.n_out + hd->c.n_in; k++) {
		const struct vob_iov *v = &hd->iov[k];

		for (j = 0; j < M.log_n; j++)
			FZ_CHECK(!fz_overlaps(v->base, v->len, M.log[(M.log_head + j) % VOB_NET_BUFS].buf,
					      M.buf_size),
				 "the driver made a receive buffer available again before "
				 "collecting it (queue %u)", q);

		FZ_CHECK(in_pool(v->base, v->len) &&
				 ((const uint8_t *)v->base - NV.pool.base) % M.buf_size == 0 &&
				 v->len <= M.buf_size,
			 "chain segment %u (%u bytes) is not a pool buffer", k, v->len);
		for (i = 0; i < 2; i++)
			for (j = 0; j < H.nheld[i]; j++) {
				const struct held *o = &H.held[i][j];
				unsigned m;

				for (m = 0; m < (unsigned)o->c.n_out + o->c.n_in; m++) {
					if (o == hd && m == k)
						continue;
					FZ_CHECK(!fz_overlaps(v->base, v->len, o->iov[m].base,
							      o->iov[m].len),
						 "the driver made a buffer available that is in "
						 "flight already (queue %u)", q);
				}
			}
	}
	return 0;
}

/* Push held chain @i of queue @q with @w bytes written; removes it from the
 * held list unless the push is refused. Returns the push's result. */
static int dev_push(uint16_t q, unsigned i, uint32_t w)
{
	struct vob_vq *vq = vob_dev_vq(&H.d, q);
	struct held *hd = &H.held[q][i];
	int err;

	if (!drv_live())
		M.raw = M.wild = true; /* into queues the driver has dropped */
	/* More than the chain holds: refused (a caller check, a trap
	 * without VOB_CFG_ARG_CHECKS). */
	if (FZ_SKIP_MISUSE(w > hd->c.in_len))
		return VOB_EINVAL;
	err = vob_vq_push(vq, &hd->c, w);
	if (w > hd->c.in_len) {
		FZ_CHECK(err == VOB_EINVAL || (M.wild && err == VOB_EIO),
			 "push of %u bytes into a chain of %u: %d", w, hd->c.in_len, err);
		return err;
	}
	FZ_CHECK(err == 0 || (M.wild && (err == VOB_EIO || err == VOB_EINVAL)),
		 "device vob_vq_push: %d", err);
	if (err)
		return err;
	if (q == VOB_NET_RXQ) {
		/* Log what the driver will find. */
		unsigned at = (M.log_head + M.log_n) % VOB_NET_BUFS;
		struct logrec *l = &M.log[at];
		uint32_t n = w < hd->c.in_len ? w : hd->c.in_len;

		if (M.log_n < VOB_NET_BUFS && hd->c.n_in == 1 && !M.raw) {
			l->buf = (uint8_t *)hd->iov[0].base;
			l->w = w;
			memcpy(l->snap, hd->iov[0].base, n < BUF_MAX ? n : BUF_MAX);
			M.log_n++;
		} else {
			M.raw = M.wild = true;
		}
	}
	memmove(&H.held[q][i], &H.held[q][i + 1], (H.nheld[q] - i - 1) * sizeof(H.held[q][0]));
	H.nheld[q]--;
	return 0;
}

/* ---- the hostile device's operations ------------------------------------------------ */

/* Pop up to n transmit chains; check them against the model; push them at
 * once or hold them. */
static void op_tx_pop(struct fz_in *in)
{
	unsigned n = 1u + fz_u8(in) % 4u, k;
	uint8_t m = fz_u8(in);

	for (k = 0; k < n; k++) {
		struct held *hd;
		uint8_t hb[HDR];
		struct frec *r;
		uint32_t off = 0, j;

		if (dev_pop(VOB_NET_TXQ))
			break;
		hd = &H.held[VOB_NET_TXQ][H.nheld[VOB_NET_TXQ] - 1];
		if (modelled()) {
			FZ_CHECK(M.tx_n > 0, "a transmit chain the driver never sent");
			r = &M.tx[0];
			FZ_CHECK(hd->c.out_len == HDR + r->len, "transmit chain of %u bytes for a %u "
				 "byte frame", hd->c.out_len, r->len);
			put_hdr(hb, &r->h, 0);
			pattern(frame, r->len, r->seed);
			for (j = 0; j < hd->c.n_out; j++) {
				const uint8_t *p = (const uint8_t *)hd->iov[j].base;
				uint32_t i;

				FZ_CHECK(j + 1 == hd->c.n_out || hd->iov[j].len == M.buf_size,
					 "transmit segment %u not full", j);
				for (i = 0; i < hd->iov[j].len; i++, off++) {
					uint8_t want = off < HDR ? hb[off] : frame[off - HDR];

					FZ_CHECK(p[i] == want, "transmit byte %u is 0x%02x, expected "
						 "0x%02x", off, p[i], want);
				}
			}
			memmove(M.tx, M.tx + 1, --M.tx_n * sizeof(M.tx[0]));
		}
		if (m & 1)
			(void)dev_push(VOB_NET_TXQ, H.nheld[VOB_NET_TXQ] - 1u,
				       (m & 2) ? fz_gen_written(in, 0) : 0);
	}
	if (m & 4)
		dev_kick(VOB_NET_TXQ);
}

/* Return held transmit chains (any order, any written length). */
static void op_tx_push(struct fz_in *in)
{
	unsigned n = 1u + fz_u8(in) % 4u, k;

	for (k = 0; k < n && H.nheld[VOB_NET_TXQ] && dev_live(); k++) {
		uint8_t m = fz_u8(in);
		unsigned i = m % H.nheld[VOB_NET_TXQ];
		uint32_t w = (m & 0x80) ? fz_gen_written(in, 0) : 0;

		(void)dev_push(VOB_NET_TXQ, i, w);
	}
	dev_kick(VOB_NET_TXQ);
}

/* Pop receive buffers and hold them. */
static void op_rx_pop(struct fz_in *in)
{
	unsigned n = 1u + fz_u8(in) % 8u, k;

	for (k = 0; k < n; k++)
		if (dev_pop(VOB_NET_RXQ))
			break;
}

/* Make sure @n receive buffers are held; false when the driver has not
 * offered that many. */
static bool rx_gather(unsigned n)
{
	while (H.nheld[VOB_NET_RXQ] < n)
		if (dev_pop(VOB_NET_RXQ))
			return false;
	return true;
}

/* A frame the driver must accept: a header it negotiated, a length within
 * its limits, in as many held buffers as it takes. */
static void op_rx_good(struct fz_in *in)
{
	uint64_t f = feats();
	bool mrg = (f & NF(MRG_RXBUF)) != 0;
	struct frec r;
	uint32_t limit, cap, need, off = 0;
	unsigned k, i;
	uint8_t m = fz_u8(in), hb[HDR];

	if (!drv_live() || !dev_live() || M.wild)
		return;
	memset(&r, 0, sizeof(r));
	if ((f & NF(GUEST_TSO4)) && (m & 1)) {
		r.h.gso_type = VOB_NET_HDR_GSO_TCPV4;
		r.h.gso_size = (uint16_t)(1u + fz_u8(in));
	}
	limit = (f & NF(MTU)) ? (r.h.gso_type ? VOB_NET_GSO_MAX_FRAME : M.mtu + 18u)
			      : VOB_NET_GSO_MAX_FRAME;
	cap = M.buf_size * (mrg ? VOB_NET_MAX_SEGS : 1u) - HDR;
	if (limit > cap)
		limit = cap;
	switch ((m >> 1) & 3) {
	case 0:
		r.len = 1u + fz_u8(in) % 64u;
		break;
	case 1:
		r.len = limit - fz_u8(in) % 4u;
		break;
	default:
		r.len = 1u + fz_u16(in) % limit;
		break;
	}
	if (r.len < 1 || r.len > limit)
		r.len = 1;
	if ((f & NF(GUEST_CSUM)) && (m & 8)) {
		r.h.flags = (m & 16) ? VOB_NET_HDR_F_DATA_VALID : VOB_NET_HDR_F_NEEDS_CSUM;
		if (r.h.flags == VOB_NET_HDR_F_NEEDS_CSUM) {
			if (r.len < 2) {
				r.h.flags = VOB_NET_HDR_F_DATA_VALID;
			} else {
				r.h.csum_start = (uint16_t)(fz_u16(in) % (r.len - 1u));
				r.h.csum_offset = (uint16_t)(fz_u16(in) % (r.len - 1u - r.h.csum_start));
			}
		}
	}
	r.h.hdr_len = (uint16_t)(fz_u16(in) % (r.len + 1u));
	need = HDR + r.len;
	k = (need + M.buf_size - 1u) / M.buf_size;
	if (!rx_gather(k))
		return;
	r.seed = ++M.seed;
	r.h.num_buffers = (uint16_t)k;
	put_hdr(hb, &r.h, (uint16_t)k);
	pattern(frame, r.len, r.seed);
	for (i = 0; i < k; i++) {
		struct held *hd = &H.held[VOB_NET_RXQ][0];
		uint32_t take = need - off < M.buf_size ? need - off : M.buf_size, j;
		uint8_t *p = (uint8_t *)hd->iov[0].base;

		for (j = 0; j < take; j++, off++)
			p[j] = off < HDR ? hb[off] : frame[off - HDR];
		FZ_CHECK(dev_push(VOB_NET_RXQ, 0, take) == 0, "push of a good receive buffer");
	}
	if (M.rx_n < QMAX)
		M.rx[M.rx_n++] = r;
	else
		M.wild = true;
	dev_kick(VOB_NET_RXQ);
}

/* A malformed frame: any header bytes, any num_buffers, any written
 * lengths, over any number of held buffers (with bit 3 of the mode byte
 * every buffer but the last used to its end, as a frame should be). */
static void op_rx_bad(struct fz_in *in)
{
	unsigned n = 1u + fz_u8(in) % 16u, i;
	uint8_t m = fz_u8(in);
	uint16_t nb;

	if (!drv_live() || !dev_live())
		return;
	switch (m & 7) {
	case 0:
		nb = 0;
		break;
	case 1:
		nb = 0xffff;
		break;
	case 2:
		nb = (uint16_t)(n + 1u + fz_u8(in) % 200u); /* more than will come */
		break;
	case 3:
		nb = (uint16_t)(VOB_NET_MAX_SEGS + 1u + fz_u8(in) % 4u);
		break;
	case 4:
		nb = (uint16_t)(M.rx_target + fz_u8(in) % 3u);
		break;
	default:
		nb = (uint16_t)n;
		break;
	}
	rx_gather(n);
	M.wild = true;
	for (i = 0; i < n && H.nheld[VOB_NET_RXQ]; i++) {
		struct held *hd = &H.held[VOB_NET_RXQ][0];
		uint8_t *p = (uint8_t *)hd->iov[0].base;
		uint8_t hm = (m & 8) && i + 1 < n ? 1u << 2 : fz_u8(in);
		uint32_t w, j, cap = hd->c.in_len;

		if (hd->c.n_in >= 1 && i == 0 && hd->iov[hd->c.n_out].len >= HDR) {
			p = (uint8_t *)hd->iov[hd->c.n_out].base;
			/* Header fields the device writes: anything, or
			 * something close to valid. */
			for (j = 0; j < 10; j++)
				p[j] = fz_u8(in);
			if (hm & 1) {
				p[0] &= 3;
				p[1] = (uint8_t)((p[1] % 6u) | (p[1] & 0x80));
			}
			memcpy(p + 10, &nb, 2);
		} else if (hd->c.n_in >= 1 && (hm & 2) && hd->iov[hd->c.n_out].len) {
			p = (uint8_t *)hd->iov[hd->c.n_out].base;
			p[fz_u8(in) % hd->iov[hd->c.n_out].len] = fz_u8(in);
		}
		switch (((hm >> 2) & 7u) % 7u) {
		case 0:
			w = fz_u8(in) % HDR; /* shorter than the header */
			break;
		case 1:
			w = cap;
			break;
		case 2:
			w = cap ? cap - 1u - fz_u8(in) % cap : 0; /* short, not the last */
			break;
		case 3:
			w = HDR;
			break;
		default:
			w = fz_gen_written(in, cap);
			break;
		}
		if (dev_push(VOB_NET_RXQ, 0, w) && w <= cap)
			break;
		if (w > cap && (hm & 0x80))
			(void)dev_push(VOB_NET_RXQ, 0, cap); /* then a valid length */
	}
	dev_kick(VOB_NET_RXQ);
}

/* Config: link status, MAC or MTU through the table (generation bumped). */
static void op_config(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint8_t b[8];
	uint32_t off, len, k;
	int r;

	switch (m % 4) {
	case 0:
	case 1: {
		uint16_t st = (uint16_t)((m >> 2) & 3u);

		off = 6;
		len = 2;
		memcpy(b, &st, 2);
		break;
	}
	case 2:
		off = 10;
		len = 2;
		b[0] = fz_u8(in);
		b[1] = (uint8_t)((m & 4) ? 0 : fz_u8(in));
		break;
	default:
		off = fz_u8(in) % 24u;
		len = 1u + fz_u8(in) % 8u;
		if (off + len > 24u)
			len = 24u - off;
		for (k = 0; k < len; k++)
			b[k] = fz_u8(in);
		break;
	}
	if (off + len > M.cfg_len)
		return; /* beyond the published config: a caller error */
	memcpy((uint8_t *)&H.config + off, b, len);
	r = vob_dev_config_write(&H.d, off, b, len);
	FZ_CHECK(r == 0, "vob_dev_config_write: %d", r);
	/* The driver reads it at its next poll (only the status, once live). */
}

/* Raw bytes: the driver's rings, the device area (config and its
 * generation included), the pool, or anywhere in either window. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned n = 1u + fz_u8(in) % 8u, k;
	uint8_t *base = fz.a;
	size_t len = FZ_A_SIZE, at;

	switch (m % 6) {
	case 0:
	case 1: {
		/* A ring area of one of the driver's queues. */
		struct vob_dev_queue *q = &NV.q[(m >> 3) & 1];
		uint64_t a = (m & 32) ? q->device_addr : (m & 64) ? q->driver_addr : q->desc_addr;

		base = (uint8_t *)vob_link_translate(&H.link, a, 1, VOB_MAP_READ, NULL);
		if (!base)
			return;
		len = (m & 32) ? VOB_SPLIT_USED_BYTES(M.qsize)
		      : (m & 64) ? VOB_SPLIT_AVAIL_BYTES(M.qsize) : VOB_SPLIT_DESC_BYTES(M.qsize);
		break;
	}
	case 2:
		/* The slot's device area: status, generation, config. */
		M.sticky = true;
		base = H.d.area;
		len = VOB_ALIGN_UP(64u + 4u, 4u) + CFG_MAX;
		if (m & 8) {
			/* The generation: odd (a write in progress) or moved. */
			uint32_t g = fz_rd32(base + DEV_CONFIG_GEN) + 1u + (fz_u8(in) & 1u);

			memcpy(base + DEV_CONFIG_GEN, &g, 4);
			M.raw = M.wild = true;
			return;
		}
		break;
	case 3:
		base = NV.pool.base;
		len = (size_t)M.buf_size * M.buf_count;
		break;
	case 4:
		base = fz.bw;
		len = FZ_B_SIZE;
		break;
	default:
		M.sticky = true;
		break;
	}
	if (n > len)
		n = (unsigned)len;
	at = fz_u16(in) % (len - n + 1u);
	base = fz_writable(base);
	for (k = 0; k < n; k++)
		base[at + k] = fz_u8(in);
	M.raw = M.wild = true;
}

/* Arm the concurrent writer: the next few invalidates change memory. */
static void op_concurrent(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned k;

	M.cw_left = 1u + fz_u8(in) % 16u;
	M.cw_mode = fz_u8(in);
	M.cw_n = 1u + m % 4u;
	M.cw_push = false;
	for (k = 0; k < 4; k++)
		M.cw_bytes[k] = (uint8_t)(fz_u8(in) | 1u);
	switch ((m >> 2) % 5) {
	case 0:
		M.cw_at = H.d.area + DEV_CONFIG_GEN;
		M.sticky = true;
		break;
	case 1:
		M.cw_at = H.d.area + VOB_ALIGN_UP(64u + 4u, 4u) + fz_u8(in) % 20u;
		M.sticky = true;
		break;
	case 2: {
		struct vob_dev_queue *q = &NV.q[(m >> 4) & 1];
		uint8_t *p = (uint8_t *)vob_link_translate(&H.link, q->device_addr, 1,
							   VOB_MAP_READ, NULL);

		M.cw_at = p ? fz_writable(p) + fz_u8(in) % (VOB_SPLIT_USED_BYTES(M.qsize) - 4u) : NULL;
		break;
	}
	case 3:
		M.cw_at = NV.pool.base + fz_u16(in) % ((size_t)M.buf_size * M.buf_count - 4u);
		break;
	default:
		/* A device completing buffers while the driver collects. */
		M.cw_push = true;
		M.cw_left = 1u + M.cw_mode;
		M.cw_at = NULL;
		break;
	}
	/* Only a cached window calls the hook; it may never fire. */
	M.raw = M.wild = true;
}

/* The device resets or leaves: NEEDS_RESET, or a hot remove and add. */
static void op_dev_reset(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	int r;

	if (m & 1) {
		r = vob_dev_set_needs_reset(&H.d);
		FZ_CHECK(r == 0, "vob_dev_set_needs_reset: %d", r);
		M.wild = true;
	} else {
		r = vob_dev_remove(&H.d);
		FZ_CHECK(r == 0, "vob_dev_remove: %d", r);
		dev_forget();
		/* The driver sees it gone, with everything held. */
		poll_both(1u + (m >> 1) % 3u);
		FZ_CHECK(!drv_live() || M.wild, "the driver still live after a hot remove");
		r = vob_dev_init(&H.d, &H.t, &H.cfg);
		FZ_CHECK(r == 0, "vob_dev_init again: %d", r);
	}
	dev_forget();
}

/* ---- the driver API ------------------------------------------------------------- */

/* Longest frame of segmentation type @gso the driver may send: the MTU's
 * or the offload's limit, and what its transmit buffers hold. */
static uint32_t tx_limit(uint8_t gso)
{
	uint32_t nb = M.buf_count - M.rx_target, cap;
	uint32_t lim = (gso & 0x7fu) ? VOB_NET_GSO_MAX_FRAME : M.mtu + 18u;

	if (nb > VOB_NET_MAX_SEGS)
		nb = VOB_NET_MAX_SEGS;
	if (nb > M.qsize)
		nb = M.qsize; /* one descriptor per buffer, the queue as asked */
	cap = M.buf_size * nb - HDR;
	return lim < cap ? lim : cap;
}

static void op_send(struct fz_in *in)
{
	struct vob_net_hdr_info h;
	struct vob_net_stats before = M.st;
	uint8_t m = fz_u8(in);
	uint64_t f = feats();
	uint32_t len, maxtx = vob_net_drv_max_tx(&NV);
	unsigned rx_out, tx_out;
	bool model = modelled() && !M.no_txq;
	int r;

	memset(&h, 0, sizeof(h));
	switch (m % 4) {
	case 0:
		len = 1u + fz_u16(in) % 200u;
		break;
	case 1:
		len = maxtx + 2u - fz_u8(in) % 4u; /* around the limit */
		if (len > sizeof(frame))
			len = 1;
		break;
	case 2:
		len = 1u + fz_u16(in) % (maxtx + 16u);
		break;
	default:
		len = fz_u32(in) % (VOB_NET_GSO_MAX_FRAME + 8u);
		break;
	}
	if (m & 4)
		gen_hdr(in, m, len, 1u, &h);
	pattern(frame, len, ++M.seed);
	out_counts(&rx_out, &tx_out);
	r = vob_net_drv_send(&NV, (m & 32) ? NULL : &h, len ? frame : NULL, len);
	FZ_CHECK(r == 0 || r == VOB_EAGAIN || r == VOB_EMSGSIZE || r == VOB_ENOTSUP ||
			 r == VOB_EINVAL || r == VOB_ENODEV || r == VOB_EPROTO,
		 "vob_net_drv_send: %d", r);
	FZ_CHECK(r != VOB_EPROTO || M.wild, "vob_net_drv_send: EPROTO from a well-behaved device");
	if (r == 0)
		FZ_CHECK(len >= 1 && len <= maxtx, "send accepted %u bytes, max_tx %u", len, maxtx);
	if (tracing)
		fprintf(stderr, "  send %u bytes -> %d\n", len, r);
	check_after("vob_net_drv_send", &before, rx_out, tx_out);
	if (m & 32)
		memset(&h, 0, sizeof(h));
	if (!model)
		return;
	if (!len)
		FZ_CHECK(r == VOB_EINVAL, "send of 0 bytes: %d", r);
	else if (len > VOB_NET_GSO_MAX_FRAME || len > tx_limit(h.gso_type))
		FZ_CHECK(r == VOB_EMSGSIZE, "send of %u bytes above the limit %u: %d", len,
			 tx_limit(h.gso_type), r);
	else if (!model_hdr_ok(&h, len, f, false))
		FZ_CHECK(r == VOB_ENOTSUP || r == VOB_EINVAL, "send of a bad header: %d", r);
	else
		FZ_CHECK(r == 0 || r == VOB_EAGAIN, "send of a good frame: %d", r);
	if (r == 0) {
		struct frec *t = &M.tx[M.tx_n];

		FZ_CHECK(M.tx_n < QMAX, "more frames in flight than the queue holds");
		t->len = len;
		t->seed = M.seed;
		t->h = h;
		M.tx_n++;
	}
}

/* A received frame against the receive log: the last num_buffers buffers
 * the driver collected, bytes and header. */
static void check_composition(int r, const struct vob_net_hdr_info *h)
{
	uint64_t used = rx_used();
	uint64_t first;
	uint32_t off = 0, total = 0;
	unsigned nb = h->num_buffers, i;

	FZ_CHECK(nb >= 1 && used >= nb, "frame of %u buffers after %llu collected", nb,
		 (unsigned long long)used);
	first = used - nb;
	FZ_CHECK(first >= M.log_base && used - M.log_base <= M.log_n,
		 "frame from buffers %llu..%llu, the log holds %llu..%llu", (unsigned long long)first,
		 (unsigned long long)used, (unsigned long long)M.log_base,
		 (unsigned long long)(M.log_base + M.log_n));
	for (i = 0; i < nb; i++) {
		const struct logrec *l = &M.log[(M.log_head + (first - M.log_base) + i) % VOB_NET_BUFS];
		uint32_t skip = i ? 0u : HDR;

		FZ_CHECK(l->w >= skip && l->w <= M.buf_size, "buffer %u of the frame written %u", i,
			 l->w);
		FZ_CHECK(i + 1 == nb || l->w == M.buf_size, "buffer %u of %u not full (%u)", i, nb,
			 l->w);
		if (!i) {
			struct vob_net_hdr_info lh;

			get_hdr(l->snap, &lh);
			/* Without MRG_RXBUF num_buffers is taken as 1. */
			if (!(feats() & NF(MRG_RXBUF)))
				lh.num_buffers = 1;
			FZ_CHECK(same_hdr(&lh, h) && lh.num_buffers == h->num_buffers,
				 "received header is not the one the device wrote");
		}
		FZ_CHECK(off + l->w - skip <= (uint32_t)r, "frame shorter than its buffers");
		fz_expect_same(got + off, l->snap + skip, l->w - skip, "the received frame",
			       "vob_net_drv_recv");
		off += l->w - skip;
		total += l->w;
	}
	FZ_CHECK(off == (uint32_t)r, "frame of %d bytes from buffers holding %u", r, off);
	(void)total;
}

/* Drop log entries the driver has collected and let go of (those of a
 * frame it is still reassembling or holding stay). */
static void log_trim(void)
{
	uint64_t used = rx_used(), upto = used - NV.rx_nfrag;

	/* Collecting something the device never pushed needs raw writes. */
	FZ_CHECK(M.raw || used <= M.log_base + M.log_n,
		 "the driver collected %llu buffers, %llu were pushed", (unsigned long long)used,
		 (unsigned long long)(M.log_base + M.log_n));
	while (M.log_n && M.log_base < upto) {
		M.log_head = (M.log_head + 1u) % VOB_NET_BUFS;
		M.log_n--;
		M.log_base++;
	}
	if (M.log_base < upto)
		M.log_base = upto;
}

static void op_recv(struct fz_in *in)
{
	struct vob_net_hdr_info h;
	struct vob_net_stats before = M.st;
	uint8_t m = fz_u8(in);
	size_t cap = (m & 3) == 0 ? fz_u16(in) % 64u : (m & 3) == 1 ? fz_u16(in) : sizeof(got);
	uint32_t maxrx = vob_net_drv_max_rx(&NV);
	bool model = modelled(), hdr = !(m & 4);
	unsigned rx_out, tx_out;
	int r, want;

	if ((m & 0x38) == 0x38) {
		/* No buffer for a nonzero capacity: refused (in every build). */
		r = vob_net_drv_recv(&NV, NULL, 1u + cap, hdr ? &h : NULL);
		FZ_CHECK(r == VOB_EINVAL, "recv into NULL: %d", r);
		return;
	}
	memset(&h, 0xa5, sizeof(h));
	out_counts(&rx_out, &tx_out);
	r = vob_net_drv_recv(&NV, got, cap, hdr ? &h : NULL);
	if (tracing)
		fprintf(stderr, "  recv cap %zu -> %d (model: %u frames, first %u)\n", cap, r, M.rx_n,
			M.rx_n ? M.rx[0].len : 0);
	if (r > 0) {
		FZ_CHECK((size_t)r <= cap, "recv returned %d for a capacity of %zu", r, cap);
		FZ_CHECK((uint32_t)r <= maxrx, "recv returned %d above max_rx %u", r, maxrx);
		if (hdr) {
			FZ_CHECK(model_hdr_ok(&h, (uint32_t)r, feats(), true),
				 "received a header the negotiated features forbid");
			FZ_CHECK(h.num_buffers >= 1 && h.num_buffers <= VOB_NET_MAX_SEGS &&
					 ((feats() & NF(MRG_RXBUF)) || h.num_buffers == 1),
				 "received num_buffers %u", h.num_buffers);
			if (!M.raw)
				check_composition(r, &h);
		}
	} else {
		FZ_CHECK(r == VOB_EAGAIN || r == VOB_EMSGSIZE || r == VOB_ENODEV || r == VOB_EPROTO,
			 "vob_net_drv_recv: %d", r);
		FZ_CHECK(r != VOB_EPROTO || M.wild, "vob_net_drv_recv: EPROTO from a well-behaved "
			 "device");
	}
	if (drv_live())
		log_trim();
	check_after("vob_net_drv_recv", &before, rx_out, tx_out);
	if (!model)
		return;
	if (!M.rx_n)
		want = VOB_EAGAIN;
	else
		want = M.rx[0].len > cap ? VOB_EMSGSIZE : (int)M.rx[0].len;
	FZ_CHECK(r == want, "vob_net_drv_recv returned %d, the model %d", r, want);
	if (r > 0) {
		pattern(frame, (size_t)r, M.rx[0].seed);
		fz_expect_same(got, frame, (size_t)r, "the received frame", "vob_net_drv_recv");
		if (hdr)
			FZ_CHECK(same_hdr(&h, &M.rx[0].h) && h.num_buffers == M.rx[0].h.num_buffers,
				 "received header differs from the one the device wrote");
		memmove(M.rx, M.rx + 1, --M.rx_n * sizeof(M.rx[0]));
	}
}

static void op_drv_reset(void)
{
	struct vob_net_stats before = M.st;
	unsigned rx_out, tx_out, rx_held, tx_held;
	int r;

	out_counts(&rx_out, &tx_out);
	r = vob_net_drv_reset(&NV);
	FZ_CHECK(r == 0, "vob_net_drv_reset: %d", r);
	check_after("vob_net_drv_reset", &before, rx_out, tx_out);
	/* What the queues hold stays there until the device answers (it may
	 * still use it): lost now or later, never both. */
	out_counts(&rx_held, &tx_held);
	FZ_CHECK(vob_net_drv_stats(&NV)->lost_rx - before.lost_rx + rx_held == rx_out &&
			 vob_net_drv_stats(&NV)->lost_tx - before.lost_tx + tx_held == tx_out,
		 "reset reported %u/%u lost, %u/%u were out, %u/%u held",
		 vob_net_drv_stats(&NV)->lost_rx - before.lost_rx,
		 vob_net_drv_stats(&NV)->lost_tx - before.lost_tx, rx_out, tx_out, rx_held,
		 tx_held);
}

/* Reset from either side, then negotiate again; the model holds again when
 * both came back live. */
static void reset_and_resync(void)
{
	/* A concurrent writer still armed may write into the new rings
	 * while they start: then the model stays off until the next reset. */
	bool armed = M.cw_left > 0;

	poll_both(12);
	M.cw_left = 0;
	dev_forget();
	drv_forget();
	if (drv_live() && dev_live() && !M.refuse && !M.sticky && !armed) {
		M.wild = M.raw = false;
		cfg_predict();
	}
}

/* ---- set-up ------------------------------------------------------------------------ */



static void setup(struct fz_in *in)
{
	uint8_t h[14];
	struct vob_table_cfg tc;
	struct vob_net_drv_cfg nc;
	uint64_t a_at, pool_room;
	uint16_t mtu;
	unsigned k, i;
	int err;

	for (k = 0; k < sizeof(h); k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[8], h[9], h[10], h[11]);
	memset(&M, 0, sizeof(M));
	memset(&H, 0, sizeof(H));
	fz.on_invalidate = cw_hook;
	M.qsize = (uint16_t)(1u << ((h[0] & 7u) % 7u)); /* 1 .. 64 */
	M.dev_f = features_of((uint16_t)(h[1] | h[2] << 8));
	if (!(h[7] & 0x80))
		M.dev_f = fix_deps(M.dev_f); /* else possibly an offer breaking the spec */
	M.drv_f = features_of((uint16_t)(h[3] | h[4] << 8));
	if (h[0] & 0x80) {
		M.dev_f |= VOB_BIT(VOB_F_RING_PACKED);
		M.drv_f |= VOB_BIT(VOB_F_RING_PACKED);
	}
	M.cfg_len = (h[5] & 3) == 3 ? (uint16_t)(h[7] % 24u) : (uint16_t)VOB_NET_CONFIG_SIZE;
	M.no_txq = (h[5] & 4) != 0 && (h[5] & 8) != 0;
	M.refuse = (h[5] & 0xf0) == 0xf0;
	mtu = (h[6] >> 5) == 0 ? 1500 : (h[6] >> 5) == 1 ? 68 : (h[6] >> 5) == 2 ? 9000 :
	      (h[6] >> 5) == 3 ? 67 : (h[6] >> 5) == 4 ? 0 : (h[6] >> 5) == 5 ? 576 :
	      (h[6] >> 5) == 6 ? 65535 : 1000;

	/* The driver's table: side 1 at the start of A; the device's side 0. */
	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.side = 1;
	tc.nslots = 1;
	tc.nqueues = 2;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 7;
	tc.timeout = 1000;
	err = vob_table_init(&DT, &fz.link, &tc);
	FZ_CHECK(err == 0, "driver vob_table_init: %d", err);

	/* The driver: rings after the table, device areas in A or B, the pool
	 * after the rings. */
	memset(&nc, 0, sizeof(nc));
	nc.features = M.drv_f;
	nc.queue_size = M.qsize;
	a_at = fz.a_base + VOB_TABLE_BYTES(1, 2, CFG_MAX, fz.line);
	nc.dev_mem.addr = a_at;
	nc.dev_mem.len = 2u * VOB_SPLIT_RING_BYTES(QMAX, 256u) + 512u;
	if (h[7] & 0x40) {
		nc.drv_mem.addr = fz.b_base;
		nc.drv_mem.len = FZ_B_SIZE;
	} else {
		nc.drv_mem = nc.dev_mem;
	}
	a_at += nc.dev_mem.len;
	a_at = (a_at + 255u) & ~(uint64_t)255u;
	pool_room = fz.a_base + FZ_A_SIZE - a_at;
	M.buf_size = (uint32_t)(64u << (h[12] % 6u)); /* 64 .. 2048 */
	if (M.buf_size < fz.line)
		M.buf_size = fz.line;
	M.buf_count = (uint16_t)(2u + (h[12] >> 3) * 4u);
	if (M.buf_count > VOB_NET_BUFS)
		M.buf_count = VOB_NET_BUFS;
	if ((uint64_t)M.buf_size * M.buf_count > pool_room)
		M.buf_count = (uint16_t)(pool_room / M.buf_size);
	FZ_CHECK(M.buf_count >= 2, "harness: pool of %u", M.buf_count);
	nc.pool_addr = a_at;
	nc.buf_size = M.buf_size;
	nc.buf_count = M.buf_count;
	nc.rx_bufs = (uint16_t)(h[13] % M.buf_count);
	M.rx_target = nc.rx_bufs ? nc.rx_bufs : (uint16_t)(M.buf_count / 2u);
	if ((nc.features & NF(MRG_RXBUF)) && M.rx_target < M.qsize &&
	    M.rx_target * M.buf_size < HDR + 1518u) {
		/* Too few kept posted for a 1518-byte frame: refused. Post
		 * enough, or go without mergeable buffers. */
		err = vob_net_drv_init(&NV, &DT, &nc);
		FZ_CHECK(err == VOB_EINVAL, "vob_net_drv_init with %u buffers of %u: %d",
			 M.rx_target, M.buf_size, err);
		M.rx_target = (uint16_t)((HDR + 1518u + M.buf_size - 1u) / M.buf_size);
		if (M.rx_target > M.qsize)
			M.rx_target = M.qsize;
		if (M.rx_target >= M.buf_count) {
			M.drv_f &= ~NF(MRG_RXBUF);
			nc.features = M.drv_f;
			M.rx_target = (uint16_t)(M.buf_count / 2u);
		}
		nc.rx_bufs = M.rx_target;
	}
	err = vob_net_drv_init(&NV, &DT, &nc);
	FZ_CHECK(err == 0, "vob_net_drv_init: %d", err);

	/* The hostile device: its own link, window B writable. */
	fz_peer_link(&H.link, &H.ops);
	tc.side = 0;
	tc.epoch_seed = 9;
	err = vob_table_init(&H.t, &H.link, &tc);
	FZ_CHECK(err == 0, "device vob_table_init: %d", err);

	for (i = 0; i < 6; i++)
		H.config.mac[i] = (uint8_t)(0x52 + i * fz_u8(in));
	H.config.status = vob_to_le16((uint16_t)(h[6] & 3u));
	H.config.max_virtqueue_pairs = vob_to_le16(1);
	H.config.mtu = vob_to_le16(mtu);
	for (i = 0; i < 2; i++) {
		H.q[i].vq = &H.vq[i];
		H.q[i].state = H.state[i];
		H.q[i].state_len = sizeof(H.state[i]);
		H.q[i].size = (h[6] & 4) ? (uint16_t)QMAX : M.qsize;
	}
	memset(&H.cfg, 0, sizeof(H.cfg));
	H.cfg.role = VOB_ROLE_DEVICE;
	H.cfg.slot = 0;
	H.cfg.num_queues = M.no_txq ? 1 : 2;
	H.cfg.queues = H.q;
	H.cfg.features[0] = M.dev_f | VOB_BIT(VOB_F_VERSION_1) |
			    ((h[6] & 8) ? VOB_BIT(VOB_F_EVENT_IDX) : 0) |
			    ((h[6] & 16) ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0);
	H.cfg.device_id = VOB_NET_DEVICE_ID;
	H.cfg.config = &H.config;
	H.cfg.config_len = M.cfg_len;
	H.cfg.accept_features = h_accept;
	err = vob_dev_init(&H.d, &H.t, &H.cfg);
	FZ_CHECK(err == 0, "device vob_dev_init: %d", err);
	M.st = *vob_net_drv_stats(&NV);
	reset_and_resync();
}

static const char *const op_names[20] = {
	"send", "send", "recv", "recv", "drv_poll", "tx_pop", "tx_push", "rx_pop", "rx_good",
	"rx_good", "rx_bad", "config", "raw", "concurrent", "dev_poll", "dev_kick", "dev_reset",
	"drv_reset", "queries", "poll_both",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	tracing = getenv("VOB_FUZZ_TRACE") != NULL;
	setup(&in);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		if (tracing)
			fprintf(stderr, "op %u %s: live %d/%d wild %d raw %d held %u/%u log %u rx %u tx %u\n",
				ops, op_names[op % 20], drv_live(), dev_live(), M.wild, M.raw,
				H.nheld[0], H.nheld[1], M.log_n, M.rx_n, M.tx_n);

		switch (op % 20) {
		case 0:
		case 1:
			op_send(&in);
			break;
		case 2:
		case 3:
			op_recv(&in);
			break;
		case 4:
			drv_poll();
			break;
		case 5:
			op_tx_pop(&in);
			break;
		case 6:
			op_tx_push(&in);
			break;
		case 7:
			op_rx_pop(&in);
			break;
		case 8:
		case 9:
			op_rx_good(&in);
			break;
		case 10:
			op_rx_bad(&in);
			break;
		case 11:
			op_config(&in);
			break;
		case 12:
			op_raw(&in);
			break;
		case 13:
			op_concurrent(&in);
			break;
		case 14:
			(void)dev_poll();
			break;
		case 15: {
			struct vob_vq *vq = vob_dev_vq(&H.d, fz_u8(&in) & 1);

			if (vq)
				(void)((fz_u8(&in) & 1) ? vob_vq_enable_notify(vq) : vob_vq_kick(vq));
			break;
		}
		case 16:
			if (fz_u8(&in) % 4 == 0) {
				op_dev_reset(&in);
				reset_and_resync();
			}
			break;
		case 17:
			if (fz_u8(&in) % 4 == 0) {
				op_drv_reset();
				reset_and_resync();
			}
			break;
		case 18:
			check_cfg("queries");
			break;
		default:
			poll_both(1u + fz_u8(&in) % 3u);
			break;
		}
	}
	return 0;
}

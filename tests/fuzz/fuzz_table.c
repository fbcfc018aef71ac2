/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_table: the input plays a hostile PEER against one side of the device
 * table (lib/table.c). This side holds a device-role device in slot 0 and a
 * driver-role device in slot 1 of a two-slot, two-queue table at the start of
 * window A (fuzz_common: guard pages around it). The peer writes, at any
 * moment between two calls, the areas it owns: its side header, the driver
 * area of slot 0 and the device area of slot 1; either as raw bytes or as
 * well-formed protocol writes that keep epochs, sequence numbers and
 * acknowledgements consistent so that the garbage in the other fields is
 * believed. It also plays both rings: the driver of slot 0's queues (chains
 * written by hand at the placement it asked for) and the device of slot 1's
 * (used entries for whatever our driver made available, with any id/len).
 *
 * Set-up (5 bytes): which side this is, window kind, line size, link base,
 * time-out and epoch seed. Then operations, one byte each plus arguments.
 *
 * Invariants checked:
 *  - no sanitizer finding (windows between guard pages);
 *  - every table call returns 0, a mask of VOB_DEV_EV_* bits only, or one of
 *    the negative errors its documentation lists (vob_dev_poll: VOB_EIO only
 *    for a removed device);
 *  - this side never writes the peer-written areas of the table (byte
 *    snapshot compared after every call) and never cleans a line of them;
 *    exempt once a hostile driver placed one of slot 0's rings over the
 *    table (then the device writes where it was told: docs/protocol.md
 *    does not forbid it; VOB_FUZZ_STRICT=1 removes the exemption, and
 *    regress/fuzz_table/ring-over-table then fails);
 *  - this side's own header keeps its magic (same exemption); after the peer
 *    wiped the whole table (a restart on memory it clears at boot), it has
 *    it back from the first poll that finds the peer's epoch nonzero;
 *  - the device of slot 0 holds FEATURES_OK only with features that are a
 *    subset of its offer after the link's mask (no ring feature the build
 *    left out, no packed ring on a cached link) and hold VERSION_1;
 *  - vob_dev_vq() is NULL for every queue unless the state is VOB_DEV_LIVE;
 *    vob_dev_state() is a known state;
 *  - every token added on the driver's queues comes back at most once, by
 *    vob_vq_get_used() or on_lost; none comes back by vob_dev_reset() itself
 *    (the device may still use the buffers until it answers, unless it said
 *    NEEDS_RESET); at the end, a vob_dev_reset() and the peer leaving (its
 *    epoch 0) return all the rest.
 */
#include "fuzz_common.h"
#include "table_internal.h"
#include "vob/table.h"

#define NSLOTS 2u
#define NQ 2u
#define CFGMAX 64u
#define QSIZE 16u
#define NTOK 64u
#define MAX_OPS 4096u
#define RING1_OFF 4096u  /* our driver's rings (slot 1) */
#define RING0_OFF 12288u /* the hostile driver's rings (slot 0), suggested */
#define BUF_OFF 24576u   /* payload buffers */
#define EV_ALL (VOB_DEV_EV_STATE | VOB_DEV_EV_LIVE | VOB_DEV_EV_RESET | VOB_DEV_EV_CONFIG | \
		VOB_DEV_EV_NEEDS_RESET | VOB_DEV_EV_TIMEOUT | VOB_DEV_EV_REFUSED)

static struct {
	struct vob_table t;
	struct vob_table_cfg tc;
	struct vob_dev dev, drv; /* slot 0 device role, slot 1 driver role */
	struct vob_dev_cfg dev_cfg, drv_cfg;
	struct vob_dev_queue dq[NQ], rq[NQ];
	struct vob_vq dvq[NQ], rvq[NQ];
	uint64_t dstate[NQ][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	uint64_t rstate[NQ][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	uint8_t tok[NTOK]; /* 1: in flight */
	unsigned in_flight;
	bool removed;
	bool overlap; /* a slot 0 ring lies over the table: write checks off */
	bool in_table;
	bool wiped; /* the peer zeroed the table; this side has not polled since */
	/* peer-written areas: pointers, lengths, snapshots */
	uint8_t *pa[3];
	size_t pn[3];
	uint8_t snap[3][1024];
	uint8_t *me_hdr;
	size_t table_bytes;
	uint32_t peer_epoch, dev_seq, dev_gen, drv_req;
	uint16_t used_idx[NQ], avail_seen[NQ], fd_avail[NQ], fd_desc[NQ];
	uint8_t cfgbytes[CFGMAX];
} S;

static bool trace, strict;

/* ---- checks ------------------------------------------------------------- */

static void snap_take(void)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		memcpy(S.snap[i], S.pa[i], S.pn[i]);
}

static bool ring_overlaps_table(const struct vob_vq *vq)
{
	size_t span = 16u * (size_t)(vq->size ? vq->size : VOB_VQ_MAX_SIZE) + 64u;

	return fz_overlaps(vq->desc, span, fz.a, S.table_bytes) ||
	       fz_overlaps(vq->avail, span, fz.a, S.table_bytes) ||
	       fz_overlaps(vq->used, span, fz.a, S.table_bytes);
}

static void check_dev_vq(struct vob_dev *d, const char *who)
{
	uint16_t q;
	int st = vob_dev_state(d);

	FZ_CHECK(st >= VOB_DEV_OFF && st <= VOB_DEV_FAILED, "%s: state %d", who, st);
	for (q = 0; q < NQ + 1; q++)
		FZ_CHECK(st == VOB_DEV_LIVE || vob_dev_vq(d, q) == NULL,
			 "%s: vob_dev_vq(%u) not NULL in state %d", who, q, st);
}

/* The device's FEATURES_OK: only for a subset of what it offered, after the
 * link's mask, with VERSION_1 (the device has no accept_features). */
static void check_features(const char *op)
{
	uint64_t mask = ~(VOB_VQ_FEATURES_ALL & ~(uint64_t)VOB_VQ_FEATURES);
	uint64_t f0 = vob_dev_features(&S.dev, 0), f1 = vob_dev_features(&S.dev, 1);

	if (!(S.dev.status & VOB_STATUS_FEATURES_OK))
		return;
	if (VOB_CFG_CACHED && fz.link.cached)
		mask &= ~VOB_BIT(VOB_F_RING_PACKED);
	FZ_CHECK(!(f0 & ~(S.dev_cfg.features[0] & mask)) && !(f1 & ~S.dev_cfg.features[1]) &&
			 (f0 & VOB_BIT(VOB_F_VERSION_1)),
		 "%s: FEATURES_OK with features 0x%llx 0x%llx, offered 0x%llx 0x%llx", op,
		 (unsigned long long)f0, (unsigned long long)f1,
		 (unsigned long long)(S.dev_cfg.features[0] & mask),
		 (unsigned long long)S.dev_cfg.features[1]);
}

static void after(const char *op)
{
	unsigned i;

	S.in_table = false;
	for (i = 0; i < NQ; i++)
		if (ring_overlaps_table(&S.dvq[i]))
			S.overlap = !strict;
	if (!S.overlap) {
		static const char *const names[3] = { "peer header", "slot 0 driver area",
						      "slot 1 device area" };

		for (i = 0; i < 3; i++)
			fz_expect_same(S.pa[i], S.snap[i], S.pn[i], names[i], op);
		if (S.t.base && !S.wiped) /* this side's header keeps its magic */
			FZ_CHECK(fz_rd32(S.me_hdr + HDR_MAGIC) == VOB_TABLE_MAGIC,
				 "%s: own header magic is 0x%08x", op,
				 fz_rd32(S.me_hdr + HDR_MAGIC));
	}
	check_dev_vq(&S.dev, "slot 0 (device)");
	check_dev_vq(&S.drv, "slot 1 (driver)");
	check_features(op);
	if (trace)
		fprintf(stderr, "%s: dev %d drv %d in flight %u\n", op, vob_dev_state(&S.dev),
			vob_dev_state(&S.drv), S.in_flight);
}

static void before(void)
{
	snap_take();
	S.in_table = true;
}

static void on_clean(const void *p, size_t n)
{
	unsigned i;

	if (!S.in_table)
		return;
	for (i = 0; i < NQ; i++) /* vob_vq_init() sets the areas before it cleans */
		if (ring_overlaps_table(&S.dvq[i]))
			S.overlap = !strict;
	if (S.overlap)
		return;
	for (i = 0; i < 3; i++)
		FZ_CHECK(!fz_overlaps(p, n, S.pa[i], S.pn[i]),
			 "cache_clean(%p, %zu) over peer-written area %u", p, n, i);
}

static void check_ev(int ev, const char *op, bool removed_ok)
{
	if (ev == VOB_EIO && removed_ok)
		return;
	FZ_CHECK(ev >= 0 && !(ev & ~EV_ALL), "%s returned %d", op, ev);
}

static void token_back(void *token, const char *how)
{
	uint8_t *t = token;

	FZ_CHECK(t >= S.tok && t < S.tok + NTOK, "%s: foreign token %p", how, token);
	FZ_CHECK(*t == 1, "%s: token %td returned twice (or never added)", how, t - S.tok);
	*t = 0;
	S.in_flight--;
}

static void on_lost(void *arg, uint16_t queue, void *token)
{
	FZ_CHECK(arg == &S && queue < NQ, "on_lost(%p, %u)", arg, queue);
	token_back(token, "on_lost");
}

/* ---- this side ------------------------------------------------------------ */

static void dev_init(void)
{
	int err;

	before();
	err = vob_dev_init(&S.dev, &S.t, &S.dev_cfg);
	after("dev_init");
	FZ_CHECK(err == 0, "vob_dev_init (device): %d", err);
	S.removed = false;
}

static void side_init(void)
{
	int err;

	before();
	err = vob_table_init(&S.t, &fz.link, &S.tc);
	S.wiped = false;
	after("table_init");
	FZ_CHECK(err == 0, "vob_table_init: %d", err);
	dev_init();
	before();
	err = vob_dev_init(&S.drv, &S.t, &S.drv_cfg);
	after("drv_init");
	FZ_CHECK(err == 0, "vob_dev_init (driver): %d", err);
}

static void setup(struct fz_in *in)
{
	uint8_t sel = fz_u8(in), kind = fz_u8(in), line = fz_u8(in), base = fz_u8(in);
	uint8_t tsel = fz_u8(in);
	struct vob_arena ar;
	uint32_t hdr, side;
	unsigned q;

	memset(&S, 0, sizeof(S));
	fz_env_reset(base, kind % 9u + 9u * (kind / 9u % 2u), line, 0);
	fz.on_clean = on_clean;
	side = sel & 1u;
	S.tc.addr = fz.a_base;
	S.tc.side = (uint8_t)side;
	S.tc.nslots = NSLOTS;
	S.tc.nqueues = NQ;
	S.tc.config_max = CFGMAX;
	S.tc.epoch_seed = (uint32_t)(sel >> 1) * 0x01000193u;
	S.tc.timeout = 1u + tsel % 64u;
	S.table_bytes = VOB_TABLE_BYTES(NSLOTS, NQ, CFGMAX, fz.line);
	hdr = VOB_ALIGN_UP(32u, fz.line);
	{
		size_t dev_bytes = VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(NQ, CFGMAX), fz.line);
		size_t slot_bytes = VOB_TABLE_SLOT_BYTES(NQ, CFGMAX, fz.line);
		uint8_t *slots = fz.a + 2u * hdr;

		S.me_hdr = fz.a + side * hdr;
		S.pa[0] = fz.a + (1u - side) * hdr;
		S.pn[0] = hdr;
		S.pa[1] = slots + dev_bytes; /* slot 0 driver area */
		S.pn[1] = slot_bytes - dev_bytes;
		S.pa[2] = slots + slot_bytes; /* slot 1 device area */
		S.pn[2] = dev_bytes;
	}
	for (q = 0; q < NQ; q++) {
		S.dq[q].vq = &S.dvq[q];
		S.dq[q].state = S.dstate[q];
		S.dq[q].state_len = sizeof(S.dstate[q]);
		S.dq[q].size = QSIZE;
		S.rq[q].vq = &S.rvq[q];
		S.rq[q].state = S.rstate[q];
		S.rq[q].state_len = sizeof(S.rstate[q]);
		ar.addr = fz.a_base + RING1_OFF + q * 4096u;
		ar.len = 4096u;
		FZ_CHECK(vob_place_split(&ar, &ar, QSIZE, fz.line, &S.rq[q]) == 0, "place");
	}
	S.dev_cfg.role = VOB_ROLE_DEVICE;
	S.dev_cfg.slot = 0;
	S.dev_cfg.num_queues = NQ;
	S.dev_cfg.queues = S.dq;
	S.dev_cfg.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
				(tsel & 64 ? VOB_BIT(VOB_F_RING_PACKED) : 0) |
				(tsel & 128 ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0) | VOB_BIT(5);
	S.dev_cfg.features[1] = 1;
	S.dev_cfg.device_id = 3;
	S.dev_cfg.vendor_id = 0x1af4;
	for (q = 0; q < CFGMAX; q++)
		S.cfgbytes[q] = (uint8_t)(q * 7u + 1u);
	S.dev_cfg.config = S.cfgbytes;
	S.dev_cfg.config_len = 16u + (tsel >> 2) % 49u;
	S.dev_cfg.arg = &S;
	S.drv_cfg.role = VOB_ROLE_DRIVER;
	S.drv_cfg.slot = 1;
	S.drv_cfg.num_queues = NQ;
	S.drv_cfg.queues = S.rq;
	S.drv_cfg.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
				VOB_BIT(VOB_F_RING_PACKED) | VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(7);
	S.drv_cfg.features[1] = 3;
	S.drv_cfg.on_lost = on_lost;
	S.drv_cfg.arg = &S;
	side_init();
}

/* ---- the peer's writes ------------------------------------------------------ */

static uint32_t our_epoch(void)
{
	return fz_rd32(S.me_hdr + HDR_EPOCH);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void peer_header(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint8_t *h = S.pa[0];

	if (m & 128) { /* restarted on memory it clears at boot: the whole table */
		memset(fz.a, 0, S.table_bytes);
		S.wiped = true;
	}
	put32(h + HDR_MAGIC, m & 16 ? fz_u32(in) : VOB_TABLE_MAGIC);
	put16(h + HDR_VERSION, m & 32 ? fz_u16(in) : VOB_PROTOCOL_VERSION);
	put16(h + HDR_LINE, (uint16_t)fz.line);
	put16(h + HDR_NSLOTS, NSLOTS);
	put16(h + HDR_NQUEUES, m & 64 ? (uint16_t)(NQ + 1u) : NQ);
	put16(h + HDR_CONFIG_MAX, CFGMAX);
	switch (m & 3) {
	case 0:
		S.peer_epoch++;
		break;
	case 1:
		S.peer_epoch = fz_u32(in);
		break;
	case 2:
		S.peer_epoch = 0;
		break;
	default:
		break; /* same epoch: fields changed under it */
	}
	put32(h + HDR_EPOCH, S.peer_epoch);
}

static void peer_raw(struct fz_in *in)
{
	unsigned a = fz_u8(in) % 3u, n = fz_u8(in) % 16u + 1u, i;
	size_t off = fz_u16(in) % S.pn[a];

	for (i = 0; i < n && off + i < S.pn[a]; i++)
		S.pa[a][off + i] = fz_u8(in);
}

/* Slot 0: a request from the peer's driver, epochs right. */
static void peer_request(struct fz_in *in)
{
	uint8_t *drv = S.pa[1], *dev = fz.a + 2u * S.pn[0]; /* slot 0 device area (ours) */
	uint8_t m = fz_u8(in);
	uint16_t status;
	uint64_t f0, f1;

	switch (m & 7) {
	case 0:
		status = 0;
		break;
	case 1:
		status = VOB_STATUS_ACKNOWLEDGE;
		break;
	case 2:
		status = VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER;
		break;
	case 3:
		status = VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK;
		break;
	case 4:
		status = VOB_STATUS_ACKNOWLEDGE | VOB_STATUS_DRIVER | VOB_STATUS_FEATURES_OK |
			 VOB_STATUS_DRIVER_OK;
		break;
	default:
		status = fz_u16(in);
		break;
	}
	f0 = fz_rd64(dev + DEV_FEATURES);
	f1 = fz_rd64(dev + DEV_FEATURES + 8);
	if ((m & 24) == 24) {
		/* Some of what the device was configured with, the link's mask
		 * ignored (a packed ring on a cached link). */
		f0 = S.dev_cfg.features[0] & fz_u64(in);
	} else if (m & 8) {
		f0 &= fz_u64(in);
	} else if (m & 16) {
		f0 = fz_u64(in);
		f1 = fz_u64(in);
	}
	put32(drv + DRV_EPOCH, m & 32 ? fz_u32(in) : S.peer_epoch);
	/* Bit 64: a request for a device that is not ours (any epoch, and the
	 * same value as publication number); else for our device as published. */
	if (m & 64) {
		uint32_t v = fz_u32(in);

		put32(drv + DRV_DEV_EPOCH, v);
		put32(drv + DRV_DEV_PUB, v);
	} else {
		put32(drv + DRV_DEV_EPOCH, our_epoch());
		put32(drv + DRV_DEV_PUB, fz_rd32(dev + DEV_PUB));
	}
	put16(drv + DRV_STATUS, status);
	put64(drv + DRV_FEATURES, f0);
	put64(drv + DRV_FEATURES + 8, f1);
	put32(drv + DRV_REQ, m & 128 ? S.drv_req : ++S.drv_req);
}

/* Slot 0: the peer's driver places queue q. */
static void peer_place(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned q = m & 1u;
	uint8_t *e = S.pa[1] + DRV_QUEUES + q * DRVQ_BYTES;
	uint16_t size = m & 2 ? fz_u16(in) : (uint16_t)(1u << (fz_u8(in) % 5u));
	uint64_t base = fz.a_base + RING0_OFF + q * 4096u;

	put16(e + DRVQ_SIZE, size);
	put16(e + DRVQ_ENABLE, m & 4 ? 0 : 1);
	if (m & 8) { /* anywhere in A */
		put64(e + DRVQ_DESC, fz.a_base + fz_u16(in) % FZ_A_SIZE);
		put64(e + DRVQ_DRIVER, fz.a_base + fz_u16(in) % FZ_A_SIZE);
		put64(e + DRVQ_DEVICE, fz.a_base + fz_u16(in) % FZ_A_SIZE);
	} else if (m & 16) { /* anything, B included */
		put64(e + DRVQ_DESC, fz_u64(in));
		put64(e + DRVQ_DRIVER, m & 32 ? fz.b_base : fz_u64(in));
		put64(e + DRVQ_DEVICE, fz_u64(in));
	} else {
		put64(e + DRVQ_DESC, base);
		put64(e + DRVQ_DRIVER, base + 1024u);
		put64(e + DRVQ_DEVICE, base + 2048u);
	}
	S.fd_avail[q] = 0;
	S.fd_desc[q] = 0;
}

/* Slot 1: the peer's device publishes itself. */
static void peer_publish(struct fz_in *in)
{
	uint8_t *a = S.pa[2], m = fz_u8(in);
	uint16_t nq = m & 1 ? fz_u16(in) : (uint16_t)(m >> 1 & 3u) % (NQ + 1u), q;

	put32(a + DEV_EPOCH, m & 8 ? fz_u32(in) : S.peer_epoch);
	put32(a + DEV_PUB, fz_rd32(a + DEV_PUB) + 1u);
	put32(a + DEV_ACK, 0);
	put32(a + DEV_DRV_EPOCH, 0);
	put32(a + DEV_DEVICE_ID, 1);
	put32(a + DEV_VENDOR_ID, 2);
	put64(a + DEV_FEATURES, m & 16 ? fz_u64(in)
				       : VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
						 VOB_BIT(7));
	put64(a + DEV_FEATURES + 8, 1);
	put16(a + DEV_NUM_QUEUES, nq);
	put16(a + DEV_CONFIG_LEN, m & 32 ? fz_u16(in) : 32u);
	put32(a + DEV_CONFIG_GEN, S.dev_gen);
	put16(a + DEV_STATUS, 0);
	put16(a + DEV_SIDE, m & 64 ? fz_u16(in) : (uint16_t)(1u - S.tc.side));
	for (q = 0; q < NQ; q++)
		put16(a + DEV_QUEUE_MAX + 2u * q, m & 128 ? fz_u16(in) : (uint16_t)(4u << q));
	put32(a + DEV_SEQ, ++S.dev_seq);
}

/* Slot 1: the peer's device answers our driver's last request. */
static void peer_answer(struct fz_in *in)
{
	uint8_t *a = S.pa[2], *drv = S.pa[2] + S.pn[2]; /* slot 1 driver area (ours) */
	uint8_t m = fz_u8(in);
	uint16_t want;

	want = fz_rd16(drv + DRV_STATUS);
	switch (m & 3) {
	case 1:
		want |= VOB_STATUS_NEEDS_RESET;
		break;
	case 2:
		want &= (uint16_t)~VOB_STATUS_FEATURES_OK;
		break;
	case 3:
		want = fz_u16(in);
		break;
	default:
		break;
	}
	put16(a + DEV_STATUS, want);
	put32(a + DEV_DRV_EPOCH, m & 4 ? fz_u32(in) : our_epoch());
	put32(a + DEV_ACK, m & 8 ? fz_u32(in) : fz_rd32(drv + DRV_REQ));
	if (!(m & 16))
		put32(a + DEV_SEQ, ++S.dev_seq);
}

/* Slot 1: the peer's device changes its config. */
static void peer_config(struct fz_in *in)
{
	uint8_t *a = S.pa[2], m = fz_u8(in);
	size_t coff = VOB_ALIGN_UP(64u + 2u * NQ, 4u);
	unsigned off = fz_u8(in) % CFGMAX, n = m % 8u + 1u, i;

	S.dev_gen += m & 128 ? 1u : 2u;
	put32(a + DEV_CONFIG_GEN, S.dev_gen);
	for (i = 0; i < n && off + i < CFGMAX; i++)
		a[coff + off + i] = fz_u8(in);
	if (m & 64)
		put32(a + DEV_SEQ, ++S.dev_seq);
}

static uint8_t *a_ptr(uint64_t addr, size_t n)
{
	if (addr < fz.a_base || addr - fz.a_base > FZ_A_SIZE || n > FZ_A_SIZE - (addr - fz.a_base))
		return NULL;
	return fz.a + (addr - fz.a_base);
}

/* Slot 1's rings: the peer's device serves what our driver made available. */
static void peer_serve(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned q = m & 1u;
	uint8_t *e = S.pa[2] + S.pn[2] + DRV_QUEUES + q * DRVQ_BYTES;
	uint16_t size = fz_rd16(e + DRVQ_SIZE), id;
	uint8_t *avail, *used;

	if (!fz_rd16(e + DRVQ_ENABLE) || !size || (size & (size - 1u)) || size > QSIZE)
		return;
	avail = a_ptr(fz_rd64(e + DRVQ_DRIVER), VOB_SPLIT_AVAIL_BYTES(size));
	used = a_ptr(fz_rd64(e + DRVQ_DEVICE), VOB_SPLIT_USED_BYTES(size));
	if (!avail || !used)
		return;
	if (m & 2) {
		id = fz_u16(in);
	} else {
		if (fz_rd16(avail + 2) == S.avail_seen[q])
			return;
		id = fz_rd16(avail + 4 + 2u * (S.avail_seen[q] & (size - 1u)));
		S.avail_seen[q]++;
	}
	put32(used + 4 + 8u * (S.used_idx[q] & (size - 1u)), id);
	put32(used + 8 + 8u * (S.used_idx[q] & (size - 1u)), m & 4 ? fz_u32(in) : 0);
	S.used_idx[q]++;
	put16(used + 2, m & 8 ? fz_u16(in) : S.used_idx[q]);
}

/* Slot 0's rings: the peer's driver makes a chain available by hand. */
static void peer_chain(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned q = m & 1u;
	uint8_t *e = S.pa[1] + DRV_QUEUES + q * DRVQ_BYTES;
	uint16_t size = fz_rd16(e + DRVQ_SIZE), d;
	uint8_t *desc, *avail;

	if (!size || (size & (size - 1u)) || size > 1024u)
		return;
	desc = a_ptr(fz_rd64(e + DRVQ_DESC), VOB_SPLIT_DESC_BYTES(size));
	avail = a_ptr(fz_rd64(e + DRVQ_DRIVER), VOB_SPLIT_AVAIL_BYTES(size));
	/* The peer writes its rings, not this side's areas of the table. */
	if (!desc || !avail || fz_overlaps(desc, VOB_SPLIT_DESC_BYTES(size), fz.a, S.table_bytes) ||
	    fz_overlaps(avail, VOB_SPLIT_AVAIL_BYTES(size), fz.a, S.table_bytes))
		return;
	d = S.fd_desc[q]++ & (size - 1u);
	put64(desc + 16u * d, m & 2 ? fz_u64(in) : fz.a_base + BUF_OFF + 64u * (d & 31u));
	put32(desc + 16u * d + 8, m & 4 ? fz_u32(in) : 32u);
	put16(desc + 16u * d + 12, m & 8 ? fz_u16(in) : (uint16_t)(m & 16 ? 2u : 0u));
	put16(desc + 16u * d + 14, 0);
	put16(avail + 4 + 2u * (S.fd_avail[q] & (size - 1u)), d);
	S.fd_avail[q]++;
	put16(avail + 2, S.fd_avail[q]);
}

/* ---- this side's calls ------------------------------------------------------ */

/* After a poll that looked at the headers (@looked): a wiped header of this
 * side is written again once the peer's epoch is back. */
static void check_healed(bool looked)
{
	if (!S.wiped || !looked || !fz_rd32(S.pa[0] + HDR_EPOCH))
		return;
	S.wiped = false;
	if (!S.overlap)
		FZ_CHECK(fz_rd32(S.me_hdr + HDR_MAGIC) == VOB_TABLE_MAGIC &&
				 fz_rd32(S.me_hdr + HDR_EPOCH) == S.t.epoch && S.t.epoch,
			 "own header not announced again after a wipe");
}

static void poll_dev(void)
{
	int ev;

	before();
	ev = vob_dev_poll(&S.dev);
	after("poll slot 0");
	check_ev(ev, "vob_dev_poll(slot 0)", S.removed);
	check_healed(ev != VOB_EIO);
}

static void poll_drv(void)
{
	int ev;

	before();
	ev = vob_dev_poll(&S.drv);
	after("poll slot 1");
	check_ev(ev, "vob_dev_poll(slot 1)", false);
	check_healed(true);
}

static void drv_reset(void)
{
	unsigned left = S.in_flight;
	bool needs_reset = vob_dev_state(&S.drv) == VOB_DEV_NEEDS_RESET;
	int err;

	before();
	err = vob_dev_reset(&S.drv);
	after("reset slot 1");
	FZ_CHECK(err == 0, "vob_dev_reset: %d", err);
	/* The device may still use them until it answers (protocol.md 6.6);
	 * after its NEEDS_RESET it stopped its queues already. */
	FZ_CHECK(needs_reset ? S.in_flight == 0 : S.in_flight == left,
		 "vob_dev_reset: %u of %u tokens back (NEEDS_RESET %d)", left - S.in_flight,
		 left, needs_reset);
}

static void drv_add(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	struct vob_vq *vq = vob_dev_vq(&S.drv, m & 1u);
	struct vob_seg s[3];
	unsigned i, n = m >> 1 & 3u, t;
	int err;

	if (!vq || !n)
		return;
	for (t = 0; t < NTOK && S.tok[t]; t++)
		;
	if (t == NTOK)
		return;
	for (i = 0; i < n; i++) {
		s[i].addr = fz.a_base + BUF_OFF + 2048u + 64u * t + 16u * i;
		s[i].len = 16;
	}
	err = vob_vq_add(vq, s, m >> 3 & 1u ? n : 0, m >> 3 & 1u ? 0 : n, &S.tok[t]);
	if (err == 0) {
		S.tok[t] = 1;
		S.in_flight++;
	} else {
		FZ_CHECK(err == VOB_ENOSPC || err == VOB_EIO || err == VOB_EINVAL ||
				 err == VOB_E2BIG,
			 "vob_vq_add: %d", err);
	}
	(void)vob_vq_kick(vq);
}

static void drv_collect(void)
{
	unsigned q;

	for (q = 0; q < NQ; q++) {
		struct vob_vq *vq = vob_dev_vq(&S.drv, (uint16_t)q);
		void *tok;
		uint32_t w;
		int err;

		if (!vq)
			continue;
		while ((err = vob_vq_get_used(vq, &tok, &w)) == 0)
			token_back(tok, "get_used");
		FZ_CHECK(err == VOB_EAGAIN || err == VOB_EIO || err == VOB_EPROTO ||
				 err == VOB_EBADMSG || err == VOB_ERANGE,
			 "vob_vq_get_used: %d", err);
	}
}

static void dev_serve(void)
{
	unsigned q;

	for (q = 0; q < NQ; q++) {
		struct vob_vq *vq = vob_dev_vq(&S.dev, (uint16_t)q);
		struct vob_iov iov[QSIZE];
		struct vob_chain c;
		int err;

		if (!vq)
			continue;
		memset(&c, 0, sizeof(c));
		c.iov = iov;
		c.cap = QSIZE;
		err = vob_vq_pop(vq, &c);
		if (err == 0)
			(void)vob_vq_push(vq, &c, 0);
	}
}

static void do_ops(struct fz_in *in)
{
	unsigned ops = 0;

	while (in->n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(in);
		int err;

		switch (op % 20u) {
		case 0:
		case 1:
			poll_dev();
			break;
		case 2:
		case 3:
			poll_drv();
			break;
		case 4:
			peer_header(in);
			break;
		case 5:
			peer_raw(in);
			break;
		case 6:
			peer_request(in);
			break;
		case 7:
			peer_place(in);
			break;
		case 8:
			peer_publish(in);
			break;
		case 9:
			peer_answer(in);
			break;
		case 10:
			peer_config(in);
			break;
		case 11: {
			uint8_t buf[CFGMAX + 16];
			uint32_t off = fz_u8(in) % 80u, len = fz_u8(in) % 80u;

			before();
			err = vob_dev_config_read(&S.drv, off, buf, len);
			after("config_read");
			FZ_CHECK(err == 0 || err == VOB_EAGAIN || err == VOB_ERANGE ||
					 err == VOB_ENODEV,
				 "vob_dev_config_read: %d", err);
			if (!FZ_SKIP_MISUSE(true)) /* a driver call on the device */
				FZ_CHECK(vob_dev_config_read(&S.dev, 0, buf, 1) == VOB_EPERM,
					 "EPERM");
			break;
		}
		case 12: {
			uint8_t buf[8];
			uint32_t off = fz_u8(in) % 80u, len = fz_u8(in) % 9u;

			memset(buf, op, sizeof(buf));
			/* Past the device's own config_len: VOB_ERANGE. */
			if (FZ_SKIP_MISUSE(off > S.dev_cfg.config_len ||
					   len > S.dev_cfg.config_len - off))
				break;
			before();
			err = vob_dev_config_write(&S.dev, off, buf, len);
			after("config_write");
			FZ_CHECK(err == 0 || err == VOB_ERANGE, "vob_dev_config_write: %d", err);
			break;
		}
		case 13:
			before();
			err = vob_dev_set_needs_reset(&S.dev);
			after("set_needs_reset");
			FZ_CHECK(err == 0, "vob_dev_set_needs_reset: %d", err);
			break;
		case 14:
			drv_reset();
			break;
		case 15:
			drv_add(in);
			break;
		case 16:
			drv_collect();
			break;
		case 17:
			if (op & 32)
				peer_chain(in);
			else
				peer_serve(in);
			break;
		case 18:
			dev_serve();
			break;
		default:
			if (op & 32) { /* this side restarts */
				drv_reset();
				/* What was in flight dies with this incarnation. */
				memset(S.tok, 0, sizeof(S.tok));
				S.in_flight = 0;
				side_init();
			} else if (S.removed) {
				dev_init();
			} else {
				before();
				err = vob_dev_remove(&S.dev);
				after("remove");
				FZ_CHECK(err == 0, "vob_dev_remove: %d", err);
				S.removed = true;
			}
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	trace = getenv("VOB_FUZZ_TRACE") != NULL;
	strict = getenv("VOB_FUZZ_STRICT") != NULL;
	setup(&in);
	do_ops(&in);
	drv_collect();
	drv_reset();
	/* The peer leaves: whatever it did not answer, every token is ours. */
	S.peer_epoch = 0;
	put32(S.pa[0] + HDR_EPOCH, 0);
	poll_drv();
	FZ_CHECK(S.in_flight == 0, "%u tokens never returned", S.in_flight);
	{
		unsigned t;

		for (t = 0; t < NTOK; t++)
			FZ_CHECK(!S.tok[t], "token %u never returned", t);
	}
	return 0;
}

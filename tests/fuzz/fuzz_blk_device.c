/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_blk_device: the input plays a hostile DRIVER against the device role
 * of virtio-blk (struct vob_blk_dev), through a real device table and a real
 * split ring in the windows of fuzz_common (guard pages around each; window
 * B is mapped read-only for the library).
 *
 * Set-up (the first 8 bytes): link geometry and window kinds; where the
 * driver puts the descriptors and the driver area (window A, or the
 * read-only window B); the device's seg_max, size_max, read-only flag,
 * discard and write-zeroes limits, which backend operations exist and how
 * often they fail; which features the driver takes. The device and a
 * driver-role table device (on a second link of its own) then negotiate;
 * from then on the driver writes the ring by hand.
 *
 * Operations (one byte each, then their arguments): requests built from the
 * input (a header of any type and sector, range arrays, payload, scattered
 * over readable and writable descriptors of any length, in either window,
 * direct or through an indirect table), raw descriptors, raw avail entries
 * and indices, raw bytes anywhere in either window (the table included),
 * device polls, driver resets, capacity changes, and a burst of well-formed
 * requests.
 *
 * Invariants checked:
 *  - every call returns success or a documented error (the device's poll:
 *    an event mask; no VOB_EIO while the device is published);
 *  - no sanitizer finding: the backend's disk is a malloc block of exactly
 *    its size, the windows sit between guard pages, B is read-only;
 *  - every backend call lies inside the device's current capacity, moves a
 *    whole number of sectors and at most the bounce buffer; a read-only
 *    device never calls write, discard or write_zeroes;
 *  - while the driver has written nothing by hand behind the requests
 *    (no raw bytes since the last reset), every request the device returns
 *    has a used length of 0 exactly when it had no writable byte, and of
 *    all its writable bytes otherwise, with a status of 0, 1 or 2 in the
 *    last one;
 *  - the device's counters add up.
 */
#include "fuzz_common.h"
#include "vob/blk.h"

#define NSECT 64u
#define CFG_MAX 128u
#define MAX_OPS 2048u
#define MAX_CHAIN 24u
#define BURST_BUDGET 1024u
#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u

/* ---- the backend ------------------------------------------------------- */

static struct {
	uint8_t *disk;       /* NSECT sectors, exactly */
	struct vob_blk_mem mem;
	uint64_t cap;        /* the device's capacity now */
	bool ro;
	uint8_t fail_sel;    /* which calls fail */
	uint32_t calls;
} be;

static int be_fail(void)
{
	be.calls++;
	if (!be.fail_sel || be.calls % (1u + be.fail_sel % 8u))
		return 0;
	return (be.fail_sel & 0x80) ? VOB_ENOTSUP : VOB_EIO;
}

static void be_range(const char *op, uint64_t sector, uint64_t n)
{
	FZ_CHECK(sector <= be.cap && n <= be.cap - sector,
		 "backend %s(%llu, %llu) outside the capacity %llu", op,
		 (unsigned long long)sector, (unsigned long long)n, (unsigned long long)be.cap);
}

static int be_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	FZ_CHECK(ctx == &be, "backend ctx");
	FZ_CHECK(len && len % 512u == 0 && len <= VOB_BLK_BOUNCE_BYTES, "read of %u bytes", len);
	be_range("read", sector, len / 512u);
	{
		int f = be_fail();

		if (f)
			return f;
	}
	return vob_blk_mem_backend.read(&be.mem, sector, buf, len);
}

static int be_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	FZ_CHECK(ctx == &be, "backend ctx");
	FZ_CHECK(!be.ro, "write on a read-only device");
	FZ_CHECK(len && len % 512u == 0 && len <= VOB_BLK_BOUNCE_BYTES, "write of %u bytes", len);
	be_range("write", sector, len / 512u);
	if (be_fail())
		return VOB_EIO;
	return vob_blk_mem_backend.write(&be.mem, sector, buf, len);
}

static int be_flush(void *ctx)
{
	FZ_CHECK(ctx == &be, "backend ctx");
	return be_fail();
}

static int be_discard(void *ctx, uint64_t sector, uint32_t n)
{
	FZ_CHECK(ctx == &be, "backend ctx");
	FZ_CHECK(!be.ro, "discard on a read-only device");
	be_range("discard", sector, n);
	if (be_fail())
		return VOB_EIO;
	return vob_blk_mem_backend.discard(&be.mem, sector, n);
}

static int be_wz(void *ctx, uint64_t sector, uint32_t n, bool unmap)
{
	FZ_CHECK(ctx == &be, "backend ctx");
	FZ_CHECK(!be.ro, "write_zeroes on a read-only device");
	be_range("write_zeroes", sector, n);
	if (be_fail())
		return VOB_ENOTSUP;
	return vob_blk_mem_backend.write_zeroes(&be.mem, sector, n, unmap);
}

/* ---- the driver's side of the link --------------------------------------- */

/* The driver never adds through its queue (it writes the ring by hand), so
 * a reset has no token to hand back. */
static void drv_lost(void *arg, uint16_t queue, void *token)
{
	(void)arg;
	(void)queue;
	FZ_CHECK(token == NULL, "a token the harness never added came back");
}

/* A request as the harness built it, for the checks on its answer. */
struct rec {
	uint8_t pending;  /* published, not seen used */
	uint8_t *status;  /* fuzzer's pointer to the last writable byte, or NULL */
	uint32_t in_len;
	uint16_t first, ndesc; /* its descriptors in the ring's table */
};

static struct {
	struct vob_table t;           /* the device's table */
	struct vob_blk_dev dev;
	struct vob_port_ops dops;     /* the driver's port */
	struct vob_link dlink;        /* the driver's link */
	struct vob_table dt;          /* the driver's table */
	struct vob_dev drv;           /* the driver's device (table only) */
	struct vob_dev_queue dq;
	struct vob_vq dvq;
	uint64_t dstate[VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0) / 8];
	struct vob_blk_dev_cfg cfg;
	struct vob_blk_backend_ops ops;
	uint16_t qsize, mask;
	bool desc_in_b;
	uint64_t table_addr;
	/* ring areas, fuzzer's (writable) pointers */
	uint8_t *desc, *avail, *used;
	uint16_t drv_desc, drv_avail, used_seen;
	uint8_t busy_desc[VOB_BLK_QSIZE]; /* descriptors of requests not seen used */
	/* data areas (fuzzer's pointers) and their link addresses */
	uint8_t *dataA, *dataB;
	uint64_t dataA_addr, dataB_addr;
	size_t dataA_len, dataB_len, bumpA, bumpB;
	struct rec recs[VOB_BLK_QSIZE];
	bool dirty;                   /* raw writes: answers are not checked */
	bool live;
	unsigned burst_left;
} S;

static uint8_t *addr_ptr(uint64_t addr)
{
	if (addr >= fz.b_base && addr - fz.b_base < FZ_B_SIZE)
		return fz.bw + (addr - fz.b_base);
	return fz.a + (addr - fz.a_base);
}

/* Known library bugs a long run steers around when VOB_FUZZ_KNOWN names
 * them (as in fuzz_split_device.c); the regression runs do not.
 *   misaligned-indirect: vob_vq_pop() reads an indirect table through a
 *   struct pointer whatever the table's alignment (fixed since). */

/* With the misaligned-indirect bug known, realign every indirect
 * descriptor of the ring before the device looks at it. */
static void steer_indirect(void)
{
	unsigned i;

	if (!S.desc || !fz_known_bug("misaligned-indirect"))
		return;
	for (i = 0; i < S.qsize; i++) {
		uint8_t *e = S.desc + 16u * i;
		uint64_t addr;
		uint16_t flags;

		memcpy(&flags, e + 12, 2);
		memcpy(&addr, e, 8);
		if ((flags & DESC_F_INDIRECT) && (addr & 15u)) {
			addr &= ~(uint64_t)15u;
			memcpy(e, &addr, 8);
		}
	}
}

/* ---- bring-up ------------------------------------------------------------ */

static void poll_driver(void)
{
	int ev = vob_dev_poll(&S.drv);

	FZ_CHECK(ev >= 0, "driver table poll: %d", ev);
	if (ev & VOB_DEV_EV_NEEDS_RESET)
		FZ_CHECK(vob_dev_reset(&S.drv) == 0, "reset");
}

static int poll_device(void)
{
	const struct vob_blk_dev_stats *st;
	int ev;

	steer_indirect();
	ev = vob_blk_dev_poll(&S.dev);
	FZ_CHECK(ev >= 0, "vob_blk_dev_poll: %d", ev);
	st = vob_blk_dev_stats(&S.dev);
	FZ_CHECK(st->requests == st->ok + st->ioerr + st->unsupp, "stats do not add up");
	return ev;
}

static void ring_reset_cursors(void)
{
	S.drv_desc = S.drv_avail = S.used_seen = 0;
	S.bumpA = S.bumpB = 0;
	memset(S.recs, 0, sizeof(S.recs));
	memset(S.busy_desc, 0, sizeof(S.busy_desc));
	S.dirty = false;
}

/* Poll both sides until the queue runs (the table may have been damaged by
 * raw writes: then it may never come up, which is fine). */
static void negotiate(void)
{
	unsigned i;

	S.live = false;
	for (i = 0; i < 40; i++) {
		poll_device();
		poll_driver();
		if (vob_dev_vq(&S.dev.dev, 0) && vob_dev_vq(&S.drv, 0)) {
			/* The size the queue got: a damaged table (queue_max)
			 * can make it smaller than the one asked for. */
			S.qsize = S.dvq.size;
			S.mask = (uint16_t)(S.qsize - 1u);
			S.live = true;
			break;
		}
	}
	ring_reset_cursors();
}

static void setup(struct fz_in *in)
{
	struct vob_table_cfg tc;
	struct vob_dev_cfg dc;
	uint8_t h[8];
	size_t tbytes, ring_a, dbytes, abytes, ubytes, L;
	unsigned k;
	int err;

	for (k = 0; k < 8; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[0], h[1], h[2], h[3]);
	L = fz.line;
	memset(&S.dev, 0, sizeof(S.dev));
	S.qsize = (uint16_t)(2u << (h[4] % 6u)); /* 2 to 64 */
	S.mask = (uint16_t)(S.qsize - 1u);
	S.desc_in_b = (h[4] >> 3) & 1u;

	/* The device. */
	if (!be.disk)
		be.disk = malloc(NSECT * 512u);
	memset(be.disk, 0x5c, NSECT * 512u);
	vob_blk_mem_init(&be.mem, be.disk, NSECT * 512u);
	be.ro = h[5] & 1u;
	be.fail_sel = (h[7] & 0x70) ? 0 : h[6];
	be.calls = 0;
	memset(&S.ops, 0, sizeof(S.ops));
	S.ops.read = be_read;
	S.ops.write = be_write;
	if (h[5] & 2u)
		S.ops.flush = be_flush;
	if (h[5] & 4u)
		S.ops.discard = be_discard;
	if (h[5] & 8u)
		S.ops.write_zeroes = be_wz;
	memset(&S.cfg, 0, sizeof(S.cfg));
	S.cfg.capacity = (h[5] & 0x10u) ? NSECT : NSECT - 1u - h[6] % 8u;
	be.cap = S.cfg.capacity;
	S.cfg.read_only = be.ro;
	S.cfg.seg_max = 1u + (h[5] >> 5) % VOB_BLK_SEG_MAX;
	S.cfg.size_max = (h[6] & 1u) ? 0u : (h[6] & 2u) ? 512u : 1000u + 8u * (h[6] >> 2);
	S.cfg.max_discard_sectors = h[7] % 4u ? h[7] % 20u : 0u;
	S.cfg.max_discard_seg = 1u + (h[7] >> 2) % 6u;
	S.cfg.max_write_zeroes_sectors = h[6] % 3u ? h[6] % 17u : 0u;
	S.cfg.max_write_zeroes_seg = 1u + h[7] % 5u;
	S.cfg.write_zeroes_may_unmap = h[7] & 0x80u;
	S.cfg.ops = &S.ops;
	S.cfg.ctx = &be;
	memcpy(S.cfg.id, "fuzz-blk-device-0001", VOB_BLK_ID_BYTES);

	/* The table at the start of A, the same geometry on both links. */
	S.table_addr = fz.a_base;
	tbytes = VOB_TABLE_BYTES(1, 1, CFG_MAX, L);
	memset(&tc, 0, sizeof(tc));
	tc.addr = S.table_addr;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 11;
	tc.timeout = 1000;
	err = vob_table_init(&S.t, &fz.link, &tc);
	FZ_CHECK(err == 0, "vob_table_init (device): %d", err);
	err = vob_blk_dev_init(&S.dev, &S.t, &S.cfg);
	FZ_CHECK(err == 0, "vob_blk_dev_init: %d", err);
	fz_peer_link(&S.dlink, &S.dops);
	tc.side = 1;
	tc.epoch_seed = 22;
	err = vob_table_init(&S.dt, &S.dlink, &tc);
	FZ_CHECK(err == 0, "vob_table_init (driver): %d", err);

	/* The driver's ring: descriptors and driver area in A after the table
	 * or at the start of B; the device area in A. */
	dbytes = VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(S.qsize), L);
	abytes = VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(S.qsize), L);
	ubytes = VOB_ALIGN_UP(VOB_SPLIT_USED_BYTES(S.qsize), L);
	tbytes = VOB_ALIGN_UP(tbytes, L);
	memset(&S.dq, 0, sizeof(S.dq));
	S.dq.vq = &S.dvq;
	S.dq.state = S.dstate;
	S.dq.state_len = sizeof(S.dstate);
	S.dq.size = S.qsize;
	if (S.desc_in_b) {
		S.dq.desc_addr = fz.b_base;
		S.dq.driver_addr = fz.b_base + dbytes;
		S.dq.device_addr = fz.a_base + tbytes;
		ring_a = tbytes + ubytes;
		S.dataB_addr = fz.b_base + dbytes + abytes;
	} else {
		S.dq.desc_addr = fz.a_base + tbytes;
		S.dq.driver_addr = S.dq.desc_addr + dbytes;
		S.dq.device_addr = S.dq.driver_addr + abytes;
		ring_a = tbytes + dbytes + abytes + ubytes;
		S.dataB_addr = fz.b_base;
	}
	S.desc = addr_ptr(S.dq.desc_addr);
	S.avail = addr_ptr(S.dq.driver_addr);
	S.used = addr_ptr(S.dq.device_addr);
	S.dataA_addr = fz.a_base + ring_a;
	S.dataA = fz.a + ring_a;
	S.dataA_len = FZ_A_SIZE - ring_a;
	S.dataB = addr_ptr(S.dataB_addr);
	S.dataB_len = FZ_B_SIZE - (size_t)(S.dataB_addr - fz.b_base);

	memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DRIVER;
	dc.num_queues = 1;
	dc.queues = &S.dq;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_BLK_F_SIZE_MAX) |
			 VOB_BIT(VOB_BLK_F_SEG_MAX) | VOB_BIT(VOB_BLK_F_RO) |
			 VOB_BIT(VOB_BLK_F_BLK_SIZE);
	if (!(h[7] & 0x10u))
		dc.features[0] |= VOB_BIT(VOB_F_EVENT_IDX);
	if (!(h[7] & 0x20u))
		dc.features[0] |= VOB_BIT(VOB_F_INDIRECT_DESC);
	if (!(h[7] & 0x40u))
		dc.features[0] |= VOB_BIT(VOB_BLK_F_FLUSH) | VOB_BIT(VOB_BLK_F_DISCARD) |
				  VOB_BIT(VOB_BLK_F_WRITE_ZEROES);
	dc.on_lost = drv_lost;
	err = vob_dev_init(&S.drv, &S.dt, &dc);
	FZ_CHECK(err == 0, "vob_dev_init (driver): %d", err);
	negotiate();
	FZ_CHECK(S.live, "the device did not come up");
	S.burst_left = BURST_BUDGET;
}

/* ---- the hostile driver ---------------------------------------------------- */

static void put_desc(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *e = table + 16u * i;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 4);
	memcpy(e + 12, &flags, 2);
	memcpy(e + 14, &next, 2);
}

static void publish(uint16_t head)
{
	memcpy(S.avail + 4u + 2u * (S.drv_avail & S.mask), &head, 2);
	S.drv_avail++;
	__atomic_store_n((uint16_t *)(void *)(S.avail + 2), S.drv_avail, __ATOMIC_RELEASE);
}

static bool any_pending(void)
{
	unsigned i;

	for (i = 0; i < S.qsize; i++)
		if (S.recs[i].pending)
			return true;
	return false;
}

/* @len bytes of buffer in A or B; the link address and the fuzzer's pointer.
 * Buffers of requests in flight never overlap (or the checks stop). */
static uint64_t buf_alloc_len(bool in_b, uint32_t *lenp, uint8_t **p)
{
	uint32_t len = *lenp;
	size_t *bump = in_b ? &S.bumpB : &S.bumpA, cap = in_b ? S.dataB_len : S.dataA_len;
	uint8_t *base = in_b ? S.dataB : S.dataA;
	uint64_t addr = in_b ? S.dataB_addr : S.dataA_addr;

	if (len > cap)
		len = (uint32_t)cap;
	*lenp = len;
	if (*bump + len > cap) {
		/* Starting over may reuse memory of a request in flight, or of
		 * the request being built (its indirect table): no checks. */
		S.dirty = true;
		*bump = 0;
	}
	*p = base + *bump;
	addr += *bump;
	*bump += len;
	return addr;
}

static uint64_t buf_alloc(bool in_b, uint32_t len, uint8_t **p)
{
	uint32_t want = len;
	uint64_t addr = buf_alloc_len(in_b, &len, p);

	FZ_CHECK(len == want, "harness: a buffer of %u bytes does not fit", want);
	return addr;
}

static uint32_t gen_len(uint8_t sel, struct fz_in *in)
{
	static const uint32_t lens[] = { 0, 1, 8, 15, 16, 17, 20, 21, 32, 48, 511, 512, 513,
					 1024, 1536, 2048, 4096 };

	if (sel % 20u < sizeof(lens) / sizeof(lens[0]))
		return lens[sel % 20u];
	if (sel % 20u == 17)
		return fz_u16(in) % 6000u;
	if (sel % 20u == 18)
		return 512u * (1u + fz_u8(in) % 9u);
	return fz_u32(in);
}

static uint64_t gen_sector(struct fz_in *in)
{
	switch (fz_u8(in) % 8u) {
	case 0:
		return 0;
	case 1:
		return fz_u8(in) % (be.cap + 2u);
	case 2:
		return be.cap - 1u;
	case 3:
		return be.cap;
	case 4:
		return UINT64_MAX;
	case 5:
		return UINT64_MAX - fz_u8(in);
	case 6:
		return fz_u64(in);
	default:
		return fz_u8(in);
	}
}

struct plan {
	uint32_t len;
	bool wr, in_b, huge;
};

/* Split @total bytes into 1 to 3 descriptors of the plan (some of them
 * possibly empty), all readable or all writable. */
static unsigned plan_split(struct fz_in *in, struct plan *pl, unsigned n, uint32_t total, bool wr)
{
	unsigned parts = 1u + fz_u8(in) % 3u, i;

	for (i = 0; i < parts && n < MAX_CHAIN; i++) {
		uint32_t len = i + 1u == parts ? total : fz_u16(in) % (total + 1u);

		pl[n].len = len;
		pl[n].wr = wr;
		pl[n].in_b = !wr && (fz_u8(in) & 1u);
		pl[n].huge = false;
		total -= len;
		n++;
	}
	return n;
}

/* A request from the input: header, ranges and payload as one readable
 * byte stream scattered over the readable descriptors, then writable ones;
 * either the shape its type asks for (split at random points) or any shape
 * at all; direct or through an indirect table; published. */
static void op_request(struct fz_in *in)
{
	static const uint32_t types[] = { VOB_BLK_T_IN, VOB_BLK_T_IN, VOB_BLK_T_OUT, VOB_BLK_T_OUT,
					  VOB_BLK_T_FLUSH, VOB_BLK_T_GET_ID, VOB_BLK_T_DISCARD,
					  VOB_BLK_T_WRITE_ZEROES };
	uint8_t stream[16u + 16u * 8u + 64u];
	struct plan pl[MAX_CHAIN];
	uint8_t tsel = fz_u8(in), mode = fz_u8(in);
	uint32_t type = tsel % 10u < 8u ? types[tsel % 10u] : tsel % 10u == 8u ? fz_u8(in) : fz_u32(in);
	unsigned nd = 0, nr = 0, k, slen = 16, spos = 0;
	bool indirect = (mode & 0x80u) != 0;
	uint8_t *table;
	uint64_t table_addr = 0;
	struct rec r;
	uint16_t head = S.drv_desc;

	if (!S.live)
		return;
	memset(stream, 0, sizeof(stream));
	vob_put_le32(stream, type);
	vob_put_le32(stream + 4, (mode & 0x20u) ? fz_u32(in) : 0u);
	vob_put_le64(stream + 8, gen_sector(in));
	if (type == VOB_BLK_T_DISCARD || type == VOB_BLK_T_WRITE_ZEROES) {
		bool sane = (mode & 3u) && (mode & 4u); /* small ranges inside the disk */

		nr = sane ? 1u + fz_u8(in) % 2u : (mode & 3u) ? 1u + fz_u8(in) % 8u : fz_u8(in) % 9u;
		for (k = 0; k < nr; k++) {
			uint8_t f = fz_u8(in);

			if (sane) {
				uint32_t num = 1u + f % 4u;

				vob_put_le64(stream + slen,
					     be.cap > num ? fz_u8(in) % (be.cap - num + 1u) : 0u);
				vob_put_le32(stream + slen + 8, num);
				vob_put_le32(stream + slen + 12, (f >> 4) & 1u);
			} else {
				vob_put_le64(stream + slen, gen_sector(in));
				vob_put_le32(stream + slen + 8, (f & 1u) ? fz_u32(in) : f % 24u);
				vob_put_le32(stream + slen + 12,
					     (f & 0xe0u) ? 0u : (f & 2u) ? fz_u32(in) : 1u);
			}
			slen += 16;
		}
	}
	if (mode & 3u) {
		/* The shape of the type. */
		uint32_t data = 512u * (1u + fz_u8(in) % 8u);

		if ((mode & 3u) == 3u)
			data += (uint32_t)(int8_t)fz_u8(in) % 3u; /* sometimes not whole sectors */
		if (type == VOB_BLK_T_OUT)
			nd = plan_split(in, pl, nd, 16u + data, false);
		else
			nd = plan_split(in, pl, nd, slen, false);
		if (type == VOB_BLK_T_IN)
			nd = plan_split(in, pl, nd, data, true);
		else if (type == VOB_BLK_T_GET_ID)
			nd = plan_split(in, pl, nd, VOB_BLK_ID_BYTES, true);
		if (nd < MAX_CHAIN) {
			pl[nd].len = 1;
			pl[nd].wr = true;
			pl[nd].in_b = pl[nd].huge = false;
			nd++;
		}
	} else {
		/* Any shape at all. */
		bool ordered = (mode & 0x40u) == 0;
		unsigned n_out;

		nd = 1u + fz_u8(in) % MAX_CHAIN;
		n_out = 1u + fz_u8(in) % nd;
		for (k = 0; k < nd; k++) {
			uint8_t f = fz_u8(in);

			pl[k].wr = ordered ? k >= n_out : (f & 1u);
			pl[k].in_b = !pl[k].wr ? (f & 2u) != 0 : (f & 0xfeu) == 0x40u;
			pl[k].len = gen_len(fz_u8(in), in);
			if (pl[k].len > 8192u && (f & 4u))
				pl[k].len = 8192u;
			pl[k].huge = pl[k].len > 8192u;
		}
	}
	if (indirect) {
		bool tb = (mode & 0x10u) != 0;
		unsigned pad;

		/* 16-aligned, or 3 bytes off when misaligned tables are fair game. */
		table_addr = buf_alloc(tb, 16u * nd + 18u, &table);
		pad = (unsigned)((16u - (table_addr & 15u)) & 15u);
		if ((mode & 8u) && !fz_known_bug("misaligned-indirect"))
			pad += 3u;
		table += pad;
		table_addr += pad;
	} else {
		table = S.desc;
		if (nd > S.qsize)
			nd = S.qsize;
	}
	memset(&r, 0, sizeof(r));
	for (k = 0; k < nd; k++) {
		bool wr = pl[k].wr;
		uint32_t len = pl[k].len;
		uint8_t *p = NULL;
		uint64_t addr;
		unsigned idx = indirect ? k : (unsigned)((head + k) & S.mask);
		uint16_t flags = (uint16_t)((k + 1u < nd ? DESC_F_NEXT : 0u) | (wr ? DESC_F_WRITE : 0u));

		if (pl[k].huge) {
			addr = fz_u64(in); /* anywhere: faults at pop, or lands anywhere */
			S.dirty = true;
		} else {
			addr = buf_alloc_len(pl[k].in_b, &len, &p);
		}
		if (p && !wr) {
			uint32_t i;

			for (i = 0; i < len; i++, spos++)
				p[i] = spos < slen ? stream[spos] : (uint8_t)(spos * 7u);
		} else if (p && wr) {
			memset(p, 0xee, len);
			if (len)
				r.status = p + len - 1u;
			r.in_len += len;
		}
		if (!indirect && S.busy_desc[idx])
			S.dirty = true; /* overwriting a request in flight */
		put_desc(table, idx, addr, len, flags,
			 (uint16_t)(indirect ? k + 1u : ((head + k + 1u) & S.mask)));
	}
	if (indirect) {
		/* 0-2 direct descriptors, then the indirect one. */
		unsigned pre = fz_u8(in) % 3u, i;

		if (pre + 1u > S.qsize)
			pre = S.qsize - 1u;
		for (i = 0; i < pre; i++) {
			unsigned idx = (head + i) & S.mask;
			uint8_t *p;
			uint64_t addr = buf_alloc(false, 8, &p);

			memcpy(p, stream + 16u, 8);
			if (S.busy_desc[idx])
				S.dirty = true;
			put_desc(S.desc, idx, addr, 8, DESC_F_NEXT, (uint16_t)((idx + 1u) & S.mask));
		}
		if (pre)
			S.dirty = true; /* the stream is not what the device reads: no checks */
		if (S.busy_desc[(head + pre) & S.mask])
			S.dirty = true;
		put_desc(S.desc, (head + pre) & S.mask, table_addr, 16u * nd,
			 (uint16_t)(DESC_F_INDIRECT | ((mode & 4u) ? DESC_F_WRITE : 0u)), 0);
		nd = pre + 1u;
	}
	if (S.recs[head].pending)
		S.dirty = true;
	r.pending = 1;
	r.first = head;
	r.ndesc = (uint16_t)nd;
	S.recs[head] = r;
	for (k = 0; k < nd; k++)
		S.busy_desc[(head + k) & S.mask] = 1;
	S.drv_desc = (uint16_t)((head + nd) & S.mask);
	publish(head);
}

/* Read what the device returned and check it against what was built. */
static void check_used(void)
{
	uint16_t idx, n;

	if (!S.live)
		return;
	memcpy(&idx, S.used + 2, 2);
	n = (uint16_t)(idx - S.used_seen);
	if (n > S.qsize) {
		FZ_CHECK(S.dirty, "used index moved by %u on a queue of %u", n, S.qsize);
		return;
	}
	while (n--) {
		const uint8_t *e = S.used + 4u + 8u * (S.used_seen & S.mask);
		uint32_t id, len;
		struct rec *r;
		unsigned k;

		memcpy(&id, e, 4);
		memcpy(&len, e + 4, 4);
		S.used_seen++;
		FZ_CHECK(id < S.qsize || S.dirty, "used id %u", id);
		if (id >= S.qsize)
			continue;
		r = &S.recs[id];
		if (r->pending && !S.dirty) {
			FZ_CHECK(len == r->in_len, "request %u: used length %u, writable %u", id, len,
				 r->in_len);
			if (len)
				FZ_CHECK(*r->status <= VOB_BLK_S_UNSUPP, "request %u: status %u", id,
					 *r->status);
		}
		if (r->pending)
			for (k = 0; k < r->ndesc; k++)
				S.busy_desc[(r->first + k) & S.mask] = 0;
		r->pending = 0;
	}
	if (!any_pending())
		S.bumpA = S.bumpB = 0;
}

/* Poll the device, then the driver's table; a broken ring is reset and
 * negotiated again. */
static void op_poll(void)
{
	poll_device();
	check_used();
	poll_driver();
	if (!vob_dev_vq(&S.dev.dev, 0) || !vob_dev_vq(&S.drv, 0) || !S.live)
		negotiate();
}

static void op_desc_raw(struct fz_in *in)
{
	uint16_t i = fz_u16(in) & S.mask;
	uint8_t f = fz_u8(in);
	uint32_t len = gen_len(fz_u8(in), in);
	uint64_t addr = (f & 1u) ? fz_u64(in) : S.dataA_addr + fz_u16(in) % S.dataA_len;

	put_desc(S.desc, i, addr, len, (f & 0x80u) ? fz_u16(in) : (uint16_t)((f >> 1) & 7u),
		 (f & 0x10u) ? fz_u16(in) : (uint16_t)((i + 1u) & S.mask));
	S.dirty = true;
}

static void op_avail(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t v = fz_u16(in);

	switch (m % 4u) {
	case 0:
		memcpy(S.avail + 4u + 2u * (fz_u16(in) & S.mask), &v, 2);
		break;
	case 1:
		publish((m & 0x80u) ? v : (uint16_t)(v & S.mask));
		break;
	case 2:
		S.drv_avail = (m & 0x80u) ? v : (uint16_t)(S.drv_avail + v % (S.qsize + 2u));
		memcpy(S.avail + 2, &S.drv_avail, 2);
		break;
	default:
		memcpy(S.avail, &v, 2); /* flags */
		break;
	}
	S.dirty = true;
}

/* Any bytes anywhere in the windows (the table and the rings included). */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), buf[16];
	unsigned n = 1u + fz_u8(in) % 16u, k;
	uint8_t *base;
	size_t len;

	switch (m % 4u) {
	case 0:
		base = fz.a;
		len = FZ_A_SIZE;
		break;
	case 1:
		base = fz.bw;
		len = FZ_B_SIZE;
		break;
	case 2:
		base = S.used;
		len = VOB_SPLIT_USED_BYTES(S.qsize);
		break;
	default:
		base = fz.a; /* the table */
		len = VOB_TABLE_BYTES(1, 1, CFG_MAX, fz.line);
		break;
	}
	for (k = 0; k < n; k++)
		buf[k] = fz_u8(in);
	memcpy(base + fz_u16(in) % (len - n + 1u), buf, n);
	S.dirty = true;
}

/* Many small well-formed requests, then a poll. */
static void op_burst(struct fz_in *in)
{
	unsigned count = 1u + fz_u8(in) % 48u, i;
	uint8_t sel = fz_u8(in);

	if (!S.live)
		return;
	if (count > S.burst_left)
		count = S.burst_left;
	S.burst_left -= count;
	for (i = 0; i < count; i++) {
		uint16_t head = S.drv_desc;
		uint32_t type = (sel + i) % 3u == 0 ? VOB_BLK_T_IN
						    : (sel + i) % 3u == 1 ? VOB_BLK_T_OUT : VOB_BLK_T_FLUSH;
		uint8_t *h, *d, *st;
		uint64_t ha = buf_alloc(false, 16, &h), da = buf_alloc(false, 512, &d),
			 sa = buf_alloc(false, 1, &st);
		struct rec r;
		unsigned k;

		if (S.qsize < 3u || any_pending())
			break;
		vob_put_le32(h, type);
		vob_put_le32(h + 4, 0);
		vob_put_le64(h + 8, be.cap ? (uint64_t)(i % be.cap) : 0u);
		*st = 0xee;
		put_desc(S.desc, head, ha, 16, DESC_F_NEXT, (uint16_t)((head + 1u) & S.mask));
		if (type == VOB_BLK_T_FLUSH) {
			put_desc(S.desc, (head + 1u) & S.mask, sa, 1, DESC_F_WRITE, 0);
		} else {
			put_desc(S.desc, (head + 1u) & S.mask, da, 512,
				 (uint16_t)(DESC_F_NEXT | (type == VOB_BLK_T_IN ? DESC_F_WRITE : 0u)),
				 (uint16_t)((head + 2u) & S.mask));
			put_desc(S.desc, (head + 2u) & S.mask, sa, 1, DESC_F_WRITE, 0);
		}
		memset(&r, 0, sizeof(r));
		r.pending = 1;
		r.status = st;
		r.in_len = type == VOB_BLK_T_IN ? 513u : 1u;
		r.first = head;
		r.ndesc = type == VOB_BLK_T_FLUSH ? 2u : 3u;
		S.recs[head] = r;
		for (k = 0; k < r.ndesc; k++)
			S.busy_desc[(head + k) & S.mask] = 1;
		S.drv_desc = (uint16_t)((head + r.ndesc) & S.mask);
		publish(head);
		poll_device();
		check_used();
		if (!S.live || !vob_dev_vq(&S.dev.dev, 0))
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	setup(&in);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		switch (op % 16u) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_request(&in);
			break;
		case 4:
			op_desc_raw(&in);
			break;
		case 5:
			op_avail(&in);
			break;
		case 6:
			op_raw(&in);
			break;
		case 7:
		case 8:
		case 9:
			op_poll();
			break;
		case 10: /* the driver resets and negotiates again */
			FZ_CHECK(vob_dev_reset(&S.drv) == 0, "reset");
			negotiate();
			break;
		case 11: {
			uint64_t c = fz_u8(&in) % (NSECT + 1u);

			FZ_CHECK(vob_blk_dev_set_capacity(&S.dev, c) == 0, "set_capacity");
			be.cap = c;
			break;
		}
		case 12:
			op_burst(&in);
			break;
		default:
			op_request(&in);
			op_poll();
			break;
		}
	}
	op_poll();
	return 0;
}

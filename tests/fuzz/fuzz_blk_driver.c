/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_blk_driver: the input plays a hostile DEVICE against the driver role
 * of virtio-blk (struct vob_blk_drv), through a real device table and a real
 * split ring in the windows of fuzz_common (guard pages around each; window
 * B is mapped read-only for the library).
 *
 * Set-up (the first 12 bytes): link geometry and window kinds; whether the
 * driver's used ring lies in the read-only window B; queue sizes of both
 * sides; the driver's pool (buffer size and count) and refused features; the
 * features the device offers and its config space (capacity, size_max,
 * seg_max, blk_size, discard and write-zeroes limits, and a length that may
 * be shorter than its features need). The device is a table device in the
 * DEVICE role on a link of its own over the same windows, with its own
 * queue, run by hand through the public virtqueue API.
 *
 * Operations (one byte each, then their arguments): the driver submits
 * reads, writes, flushes, get-id, discards and write-zeroes (any sector and
 * length, sometimes a NULL buffer or zero sectors; also from inside its
 * completion callback), polls, resets and reads its info; the device pops
 * chains and answers any of them in any order: data written whole, in
 * part or not at all, a status byte of 0, 1, 2, any other value or none,
 * and a used length of 0, short of the data, short of the status byte,
 * exact, or larger than the chain (refused by the queue);
 * raw used entries and indices (ids never submitted, lengths beyond the
 * chain); raw bytes in the table, the config, the pool buffers and the used
 * ring; config changes (capacity, limits) through the table, also from
 * inside the driver's own reads (a cache-invalidate hook on a cached window
 * changes the config, or holds its generation odd, mid-read); needs-reset,
 * hot removal and re-publication, and a restart of the device's side.
 *
 * Invariants checked:
 *  - every call returns a value its header documents (submits: an id not in
 *    flight below VOB_BLK_DRV_REQS, or ENODEV, EPROTO, EINVAL, ERANGE,
 *    E2BIG, EAGAIN, EPERM, ENOTSUP as documented for that call; poll: an
 *    event mask; info: 0, ENODEV or EPROTO); a submit's id is consistent
 *    with the driver's own info (no id for a range beyond the capacity, a
 *    write to a read-only device, a type without its feature);
 *  - no sanitizer finding, no hang (every loop bounded), no store into the
 *    read-only window;
 *  - the done callback's result is one of 0, EIO, ENOTSUP, EPROTO,
 *    ECANCELED, for an id in flight, once; a read or get-id buffer is
 *    written only on success, and never beyond its length;
 *  - after any poll that leaves the queue gone, and after
 *    vob_blk_drv_reset() but for what the table still holds until the
 *    device answers the reset (docs/protocol.md 6.6), nothing is in flight
 *    (everything came back, ECANCELED when lost); with nothing in flight
 *    every pool buffer is free; the driver's counters equal the callbacks
 *    seen; at the end a reset and the device's side leaving bring
 *    everything back;
 *  - while the device has behaved (no raw write since both sides last
 *    dropped the ring with nothing in flight), every completion is the one the device
 *    pushed, in push order, with exactly the result its status byte and
 *    used length call for (0 only for status 0 and a length covering every
 *    writable byte; EPROTO for length 0, an unknown status, or an OK short
 *    of the end); a successful read or get-id hands the caller exactly the
 *    bytes in the chain's writable part when it was pushed; the chain the
 *    device saw carried the type, sector and data (or ranges) submitted; and
 *    the driver's info equals what a model derives from the config the
 *    device published.
 *
 * A device removed with vob_dev_remove() and published again with
 * vob_dev_init() on the same table once kept its slot epoch: a driver that
 * did not poll in between stayed live on its old view, and one that did
 * left a DRIVER_OK the new device took (regress/fuzz_blk_driver/republish-*;
 * fixed by the slot's publication number, docs/protocol.md 6.6).
 */
#include "fuzz_common.h"
#include "table_internal.h"
#include "vob/blk.h"

#define CFG_MAX 128u
#define MAX_OPS 2048u
#define MAXSECT 16u                /* sectors a harness read or write moves at most */
#define MAXB (MAXSECT * 512u)
#define CANARY 64u
#define NREQ VOB_BLK_DRV_REQS
#define ICAP (VOB_BLK_SEG_MAX + 3u) /* the device's segments per chain */
#define MAXOUT (16u + MAXB)
#define MAXIN (MAXB + 32u)
#define HELD VOB_BLK_QSIZE
#define BURST_BUDGET 512u

/* ---- the model of the caller ------------------------------------------- */

struct mreq {
	bool busy;
	uint8_t type;
	uint64_t sector;
	uint32_t nsect; /* sectors (discard / write zeroes too) */
	uint32_t flags; /* write zeroes: unmap */
	uint32_t len;   /* bytes of the caller's buffer (read, get_id) */
	uint8_t src[MAXB];
	uint8_t buf[MAXB + CANARY]; /* read / get_id destination */
};

/* What the device pushed, in push order: what the driver must deliver. */
struct expect {
	uint8_t type;
	uint64_t sector;
	int res;
	uint32_t out_len, in_len;
	uint8_t out[MAXOUT];
	uint8_t in[MAXIN];
};

struct held {
	bool valid;
	struct vob_chain c;
	struct vob_iov iov[ICAP];
};

static struct {
	/* the driver under test, on fz.link */
	struct vob_table t;
	struct vob_blk_drv drv;
	struct vob_blk_drv_cfg rc;
	/* the hostile device, on a link of its own */
	struct vob_port_ops dops;
	struct vob_link dlink;
	struct vob_table dt;
	struct vob_dev dev;
	struct vob_dev_queue dq;
	struct vob_vq dvq;
	uint64_t dstate[VOB_VQ_STATE_SIZE(VOB_BLK_QSIZE, 0) / 8];
	struct vob_dev_cfg dc;
	struct vob_blk_config cfg; /* what the device publishes */
	uint16_t cfg_len;
	bool removed;
	/* the model */
	struct mreq m[NREQ];
	struct mreq spare;
	unsigned busy;
	uint64_t ndone, nok, nfail, nbad, nlost, nsub;
	struct held h[HELD];
	struct expect fifo[HELD];
	unsigned fhead, fcount;
	bool wild;     /* the device wrote something by hand: no exact checks */
	bool cfg_wild; /* the config bytes are not what cfg says */
	bool in_poll;
	bool hook_fired;
	/* invalidate hook: after @hook_n invalidates, do @hook_op */
	unsigned hook_n;
	uint8_t hook_op;
	uint64_t hook_val;
	unsigned odd_left; /* generation held odd for this many invalidates */
	uint32_t odd_gen;
	unsigned burst_left;
	uint64_t seed;
	struct fz_in *in;  /* the input, for submits from the callback */
	bool cb_submit;    /* the callback may submit */
	unsigned cb_depth;
} S;

static void op_submit(struct fz_in *in);

static uint8_t *addr_ptr(uint64_t addr)
{
	if (addr >= fz.b_base && addr - fz.b_base < FZ_B_SIZE)
		return fz.bw + (addr - fz.b_base);
	if (addr >= fz.a_base && addr - fz.a_base < FZ_A_SIZE)
		return fz.a + (addr - fz.a_base);
	return NULL;
}

/* ---- the device's side of the link ------------------------------------- */

/* The slot's device area, as the device writes it. */
static uint8_t *dev_area(void)
{
	return S.dev.area;
}

/* VOB_FUZZ_TRACE=1 in the environment prints the operations. */
static bool trace(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("VOB_FUZZ_TRACE") != NULL;
	return on;
}

/* ---- checks -------------------------------------------------------------- */

static void check_counts(const char *op)
{
	const struct vob_blk_drv_stats *st = vob_blk_drv_stats(&S.drv);

	FZ_CHECK(st->submitted == S.nsub, "%s: submitted %llu, model %llu", op,
		 (unsigned long long)st->submitted, (unsigned long long)S.nsub);
	FZ_CHECK(st->completed == S.nok && st->failed == S.nfail && st->bad_replies == S.nbad &&
			 st->lost == S.nlost,
		 "%s: counters %llu/%llu/%llu/%llu, callbacks %llu/%llu/%llu/%llu", op,
		 (unsigned long long)st->completed, (unsigned long long)st->failed,
		 (unsigned long long)st->bad_replies, (unsigned long long)st->lost,
		 (unsigned long long)S.nok, (unsigned long long)S.nfail,
		 (unsigned long long)S.nbad, (unsigned long long)S.nlost);
	if (!S.busy)
		FZ_CHECK(vob_pool_free(&S.drv.pool) == S.rc.pool_count,
			 "%s: nothing in flight, %u of %u pool buffers free", op,
			 (unsigned)vob_pool_free(&S.drv.pool), (unsigned)S.rc.pool_count);
}

/* With nothing in flight, the device's queue gone (it reads the old ring
 * until it sees a reset) and the driver's not yet set up again (it sets up
 * its ring areas when it starts the queue), the next ring starts clean. */
static void maybe_clean(void)
{
	int st = vob_dev_state(&S.drv.dev);

	if (!S.busy && (st <= VOB_DEV_NEGOTIATING || st == VOB_DEV_FAILED) &&
	    (S.removed || !vob_dev_vq(&S.dev, 0))) {
		S.wild = false;
		S.fhead = S.fcount = 0;
	}
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The chain the device saw carried what was submitted. */
static void check_sent(const struct mreq *r, const struct expect *e, int id)
{
	uint32_t type = vob_get_le32(e->out);

	FZ_CHECK(e->out_len >= 16, "id %d: a chain of %u readable bytes", id, e->out_len);
	FZ_CHECK(type == r->type, "id %d: completion of a type %u chain, submitted %u", id, type,
		 r->type);
	switch (r->type) {
	case VOB_BLK_T_IN:
		FZ_CHECK(vob_get_le64(e->out + 8) == r->sector && e->out_len == 16 &&
				 e->in_len == r->len + 1u,
			 "id %d: read chain %u/%u bytes at %llu", id, e->out_len, e->in_len,
			 (unsigned long long)vob_get_le64(e->out + 8));
		break;
	case VOB_BLK_T_OUT:
		FZ_CHECK(vob_get_le64(e->out + 8) == r->sector &&
				 e->out_len == 16u + r->nsect * 512u && e->in_len == 1,
			 "id %d: write chain %u/%u bytes", id, e->out_len, e->in_len);
		fz_expect_same(e->out + 16, r->src, r->nsect * 512u, "the written data", "write");
		break;
	case VOB_BLK_T_FLUSH:
		FZ_CHECK(e->out_len == 16 && e->in_len == 1, "id %d: flush chain %u/%u", id,
			 e->out_len, e->in_len);
		break;
	case VOB_BLK_T_GET_ID:
		FZ_CHECK(e->out_len == 16 && e->in_len == VOB_BLK_ID_BYTES + 1u,
			 "id %d: get_id chain %u/%u", id, e->out_len, e->in_len);
		break;
	default: {
		/* Ranges covering [sector, sector + nsect) in order. */
		uint64_t s = r->sector, left = r->nsect;
		uint32_t k;

		FZ_CHECK(e->in_len == 1 && e->out_len > 16 && (e->out_len - 16u) % 16u == 0,
			 "id %d: range chain %u/%u", id, e->out_len, e->in_len);
		for (k = 16; k < e->out_len; k += 16) {
			uint32_t n = vob_get_le32(e->out + k + 8);

			FZ_CHECK(vob_get_le64(e->out + k) == s && n && n <= left &&
					 vob_get_le32(e->out + k + 12) == r->flags,
				 "id %d: range %u is %llu+%u, expected from %llu, %llu left", id,
				 (k - 16u) / 16u, (unsigned long long)vob_get_le64(e->out + k), n,
				 (unsigned long long)s, (unsigned long long)left);
			s += n;
			left -= n;
		}
		FZ_CHECK(!left, "id %d: ranges short by %llu sectors", id, (unsigned long long)left);
		break;
	}
	}
}

static void on_done(void *arg, int id, int result)
{
	struct mreq *r;

	FZ_CHECK(arg == &S, "callback arg");
	FZ_CHECK(S.in_poll, "a callback outside poll and reset");
	FZ_CHECK(id >= 0 && id < (int)NREQ, "callback for id %d", id);
	r = &S.m[id];
	FZ_CHECK(r->busy, "callback for id %d, which is not in flight (result %d)", id, result);
	FZ_CHECK(result == 0 || result == VOB_EIO || result == VOB_ENOTSUP ||
			 result == VOB_EPROTO || result == VOB_ECANCELED,
		 "id %d: undocumented result %d", id, result);
	if (trace())
		fprintf(stderr, "  done id %d type %u len %u result %d\n", id, r->type, r->len, result);
	S.ndone++;
	if (!result)
		S.nok++;
	else if (result == VOB_EIO || result == VOB_ENOTSUP)
		S.nfail++;
	else if (result == VOB_EPROTO)
		S.nbad++;
	else
		S.nlost++;
	if (r->type == VOB_BLK_T_IN || r->type == VOB_BLK_T_GET_ID) {
		/* Written only on success, never past its end. */
		FZ_CHECK(all_bytes(r->buf + r->len, CANARY, 0xa5), "id %d: written past its buffer",
			 id);
		if (result)
			FZ_CHECK(all_bytes(r->buf, r->len, 0xa5),
				 "id %d: buffer written by a request that failed (%d)", id, result);
	}
	if (result == VOB_ECANCELED) {
		/* Everything pushed and not collected is cancelled with it. */
		S.fcount = 0;
	} else if (!S.wild) {
		struct expect *e;

		FZ_CHECK(S.fcount, "id %d: result %d, but the device pushed nothing", id, result);
		e = &S.fifo[S.fhead];
		S.fhead = (S.fhead + 1u) % HELD;
		S.fcount--;
		check_sent(r, e, id);
		FZ_CHECK(result == e->res, "id %d (type %u): result %d, expected %d", id, r->type,
			 result, e->res);
		if (!result && (r->type == VOB_BLK_T_IN || r->type == VOB_BLK_T_GET_ID))
			fz_expect_same(r->buf, e->in, r->len, "the caller's buffer", "completion");
	}
	r->busy = false;
	S.busy--;
	/* The callback may submit (not from a submit of its own). */
	if (S.cb_submit && S.in && !S.cb_depth && (fz_u8(S.in) & 3u) == 0) {
		S.cb_depth++;
		op_submit(S.in);
		S.cb_depth--;
	}
}

/* ---- the driver's calls ------------------------------------------------- */

static uint32_t gen_load(void);

/* The table still holds the driver's queue: live, or reset and waiting for
 * the device's answer, which gives the requests back. */
static bool queue_held(void)
{
	return (S.drv.dev.qmask[0] & 1u) != 0;
}

static void drv_poll(void)
{
	int ev;

	S.in_poll = true;
	S.hook_fired = false;
	ev = vob_blk_drv_poll(&S.drv);
	S.in_poll = false;
	if (trace())
		fprintf(stderr, "  driver poll: %d, states %d/%d, generation %u\n", ev,
			vob_dev_state(&S.drv.dev), vob_dev_state(&S.dev), gen_load());
	FZ_CHECK(ev >= 0 && !(ev & ~(0x7f | VOB_BLK_EV_IO)), "vob_blk_drv_poll: %d", ev);
	if (!vob_dev_vq(&S.drv.dev, 0) && !queue_held())
		FZ_CHECK(S.busy == 0, "the queue is gone, %u requests still in flight", S.busy);
	check_counts("poll");
	maybe_clean();
}

static void drv_reset(void)
{
	S.in_poll = true;
	FZ_CHECK(vob_blk_drv_reset(&S.drv) == 0, "vob_blk_drv_reset");
	S.in_poll = false;
	FZ_CHECK(S.busy == 0 || queue_held(), "reset returned with %u requests in flight",
		 S.busy);
	check_counts("reset");
	maybe_clean();
}

/* The info a model derives from the published config and features. */
static void check_info(void)
{
	struct vob_blk_info in, want;
	uint64_t f = vob_dev_features(&S.drv.dev, 0);
	uint32_t v, got;
	int err = vob_blk_drv_info(&S.drv, &in);

	FZ_CHECK(err == 0 || err == VOB_ENODEV || err == VOB_EPROTO, "vob_blk_drv_info: %d", err);
	if (err || S.cfg_wild || S.hook_fired || S.odd_left)
		return;
	memset(&want, 0, sizeof(want));
	want.features = f;
	want.capacity = vob_get_le64(&S.cfg.capacity);
	want.blk_size = 512;
	want.seg_max = VOB_BLK_SEG_MAX;
	want.read_only = (f & VOB_BIT(VOB_BLK_F_RO)) != 0;
	if (f & VOB_BIT(VOB_BLK_F_SIZE_MAX))
		want.size_max = vob_get_le32(&S.cfg.size_max);
	if (f & VOB_BIT(VOB_BLK_F_SEG_MAX)) {
		v = vob_get_le32(&S.cfg.seg_max);
		want.seg_max = !v ? 1u : v < VOB_BLK_SEG_MAX ? v : VOB_BLK_SEG_MAX;
	}
	/* Lowered to the queue size the driver got: the one it asked for,
	 * halved until the device's maximum takes it. */
	got = S.rc.queue_size;
	while (got > S.dq.size)
		got >>= 1;
	want.seg_max = got > 2u && want.seg_max > got - 2u ? got - 2u : got > 2u ? want.seg_max : 1u;
	if (f & VOB_BIT(VOB_BLK_F_BLK_SIZE))
		want.blk_size = vob_get_le32(&S.cfg.blk_size);
	if (f & VOB_BIT(VOB_BLK_F_DISCARD)) {
		v = vob_get_le32(&S.cfg.max_discard_sectors);
		want.max_discard_sectors = v ? v : 0xffffffffu;
		v = vob_get_le32(&S.cfg.max_discard_seg);
		want.max_discard_seg = v ? v : 1u;
	}
	if (f & VOB_BIT(VOB_BLK_F_WRITE_ZEROES)) {
		v = vob_get_le32(&S.cfg.max_write_zeroes_sectors);
		want.max_write_zeroes_sectors = v ? v : 0xffffffffu;
		v = vob_get_le32(&S.cfg.max_write_zeroes_seg);
		want.max_write_zeroes_seg = v ? v : 1u;
		want.write_zeroes_may_unmap = S.cfg.write_zeroes_may_unmap ? 1u : 0u;
	}
	FZ_CHECK(!memcmp(&in, &want, sizeof(in)),
		 "info: capacity %llu/%llu seg_max %u/%u size_max %u/%u blk_size %u/%u ro %u/%u",
		 (unsigned long long)in.capacity, (unsigned long long)want.capacity, in.seg_max,
		 want.seg_max, in.size_max, want.size_max, in.blk_size, want.blk_size,
		 in.read_only, want.read_only);
}

static uint64_t gen_sector(struct fz_in *in, uint64_t cap)
{
	switch (fz_u8(in) % 8u) {
	case 0:
		return 0;
	case 1:
	case 2:
	case 3:
		return cap ? fz_u8(in) % cap : 0u;
	case 4:
		return cap - 1u;
	case 5:
		return cap;
	case 6:
		return UINT64_MAX - fz_u8(in);
	default:
		return fz_u64(in);
	}
}

/* One submit of any kind, its return checked. */
static void op_submit(struct fz_in *in)
{
	struct vob_blk_info info;
	uint8_t t = fz_u8(in), a = fz_u8(in);
	int ready = vob_blk_drv_info(&S.drv, &info), got;
	uint64_t cap = ready ? 64u : info.capacity, sector = gen_sector(in, cap);
	uint32_t nsect = (a & 0x80u) ? fz_u32(in) : (a & 0x40u) ? 0u : 1u + a % MAXSECT;
	bool null_buf = (a & 0xc0u) == 0xc0u && (fz_u8(in) & 1u);
	unsigned free_id;
	struct mreq *r;
	uint8_t type;
	bool has, big, bad_arg;

	for (free_id = 0; free_id < NREQ && S.m[free_id].busy; free_id++)
		;
	/* A full model: the driver must refuse (EAGAIN); the spare takes it. */
	r = free_id < NREQ ? &S.m[free_id] : &S.spare;
	switch (t % 8u) {
	case 0:
	case 1:
	case 2:
		type = VOB_BLK_T_IN;
		break;
	case 3:
	case 4:
		type = VOB_BLK_T_OUT;
		break;
	case 5:
		type = (t & 8u) ? VOB_BLK_T_FLUSH : VOB_BLK_T_GET_ID;
		break;
	case 6:
		type = VOB_BLK_T_DISCARD;
		break;
	default:
		type = VOB_BLK_T_WRITE_ZEROES;
		break;
	}
	/* Reads and writes beyond the model's buffers only where the driver
	 * refuses before it touches one. */
	big = (type == VOB_BLK_T_IN || type == VOB_BLK_T_OUT) && nsect > MAXSECT;
	if (big && !ready && sector <= info.capacity && nsect <= info.capacity - sector)
		return;
	bad_arg = type == VOB_BLK_T_FLUSH ? false
		  : type == VOB_BLK_T_GET_ID ? null_buf
		  : type == VOB_BLK_T_DISCARD || type == VOB_BLK_T_WRITE_ZEROES ? !nsect
		  : null_buf || !nsect;
	memset(r->buf, 0xa5, sizeof(r->buf));
	r->type = type;
	r->sector = sector;
	r->nsect = nsect;
	r->flags = 0;
	r->len = 0;
	switch (type) {
	case VOB_BLK_T_IN:
		r->len = big ? 0u : nsect * 512u;
		if (FZ_SKIP_MISUSE(null_buf || !nsect))
			return;
		got = vob_blk_drv_read(&S.drv, sector, null_buf ? NULL : r->buf, nsect);
		break;
	case VOB_BLK_T_OUT: {
		uint32_t i;

		for (i = 0; !big && i < nsect * 512u; i++)
			r->src[i] = (uint8_t)fz_rand(&S.seed);
		if (FZ_SKIP_MISUSE(null_buf || !nsect))
			return;
		got = vob_blk_drv_write(&S.drv, sector, null_buf ? NULL : r->src, nsect);
		break;
	}
	case VOB_BLK_T_FLUSH:
		got = vob_blk_drv_flush(&S.drv);
		break;
	case VOB_BLK_T_GET_ID:
		r->len = VOB_BLK_ID_BYTES;
		if (FZ_SKIP_MISUSE(null_buf))
			return;
		got = vob_blk_drv_get_id(&S.drv, null_buf ? NULL : r->buf);
		break;
	case VOB_BLK_T_DISCARD:
		if (FZ_SKIP_MISUSE(!nsect))
			return;
		got = vob_blk_drv_discard(&S.drv, sector, nsect);
		break;
	default:
		r->flags = a & 1u;
		if (FZ_SKIP_MISUSE(!nsect))
			return;
		got = vob_blk_drv_write_zeroes(&S.drv, sector, nsect, r->flags != 0);
		break;
	}
	if (trace())
		fprintf(stderr, "  submit type %u sector %llu n %u: %d\n", type,
			(unsigned long long)sector, nsect, got);
	if (got >= 0) {
		FZ_CHECK(!big, "a read or write of %u sectors was taken (id %d)", nsect, got);
		FZ_CHECK(r != &S.spare, "id %d with %u requests in flight", got, (unsigned)NREQ);
		FZ_CHECK(got < (int)NREQ && !S.m[got].busy, "submit returned id %d, in flight", got);
		FZ_CHECK(!ready, "submit returned id %d; info said %d", got, ready);
		FZ_CHECK(!bad_arg, "submit with a NULL buffer or no sectors: id %d", got);
		if (type != VOB_BLK_T_FLUSH && type != VOB_BLK_T_GET_ID)
			FZ_CHECK(sector <= info.capacity && nsect <= info.capacity - sector,
				 "id %d for sectors %llu+%u beyond the capacity %llu", got,
				 (unsigned long long)sector, nsect,
				 (unsigned long long)info.capacity);
		if (type != VOB_BLK_T_IN && type != VOB_BLK_T_FLUSH && type != VOB_BLK_T_GET_ID)
			FZ_CHECK(!info.read_only, "id %d: a write to a read-only device", got);
		has = type == VOB_BLK_T_FLUSH	     ? (info.features >> VOB_BLK_F_FLUSH) & 1u
		      : type == VOB_BLK_T_DISCARD     ? (info.features >> VOB_BLK_F_DISCARD) & 1u
		      : type == VOB_BLK_T_WRITE_ZEROES ? (info.features >> VOB_BLK_F_WRITE_ZEROES) & 1u
						       : 1u;
		FZ_CHECK(has, "id %d for type %u without its feature", got, type);
		if (got != (int)free_id) {
			/* The driver picked another free slot: move the model. */
			S.m[got] = *r;
			r = &S.m[got];
		}
		r->busy = true;
		S.busy++;
		S.nsub++;
		return;
	}
	switch (got) {
	case VOB_ENODEV:
		/* Also live without a queue (a device offering none). */
		FZ_CHECK(ready == got || (!ready && !vob_dev_vq(&S.drv.dev, 0)),
			 "submit: %d, info %d", got, ready);
		break;
	case VOB_EPROTO:
		FZ_CHECK(ready == got, "submit: %d, info %d", got, ready);
		break;
	case VOB_EAGAIN:
	case VOB_E2BIG:
		FZ_CHECK(!ready, "submit: %d, info %d", got, ready);
		break;
	case VOB_EINVAL:
		FZ_CHECK(bad_arg, "submit: VOB_EINVAL for a good request");
		break;
	case VOB_ERANGE:
		FZ_CHECK(type != VOB_BLK_T_FLUSH && type != VOB_BLK_T_GET_ID &&
				 !(sector <= info.capacity && nsect <= info.capacity - sector),
			 "submit: VOB_ERANGE for %llu+%u in %llu", (unsigned long long)sector, nsect,
			 (unsigned long long)info.capacity);
		break;
	case VOB_EPERM:
		FZ_CHECK(type != VOB_BLK_T_IN && type != VOB_BLK_T_FLUSH &&
				 type != VOB_BLK_T_GET_ID && info.read_only,
			 "submit: VOB_EPERM");
		break;
	case VOB_ENOTSUP:
		FZ_CHECK(type == VOB_BLK_T_FLUSH || type == VOB_BLK_T_DISCARD ||
				 type == VOB_BLK_T_WRITE_ZEROES,
			 "submit: VOB_ENOTSUP for type %u", type);
		break;
	default:
		FZ_CHECK(0, "submit of type %u: undocumented %d", type, got);
	}
}

/* ---- the hostile device ---------------------------------------------------- */

static void drop_held(void)
{
	unsigned i;

	for (i = 0; i < HELD; i++)
		S.h[i].valid = false;
}

static void dev_poll(void)
{
	int ev;

	if (S.removed)
		return;
	ev = vob_dev_poll(&S.dev);
	if (trace())
		fprintf(stderr, "  device poll: %d, states %d/%d\n", ev, vob_dev_state(&S.drv.dev),
			vob_dev_state(&S.dev));
	FZ_CHECK(ev >= 0, "device table poll: %d", ev);
	if ((ev & VOB_DEV_EV_RESET) || !vob_dev_vq(&S.dev, 0))
		drop_held();
	maybe_clean();
}

static void pop_n(unsigned n)
{
	unsigned i, k;
	struct vob_vq *vq = S.removed ? NULL : vob_dev_vq(&S.dev, 0);

	for (i = 0; vq && i < n; i++) {
		struct held *h = NULL;
		int err;

		for (k = 0; k < HELD; k++)
			if (!S.h[k].valid) {
				h = &S.h[k];
				break;
			}
		if (!h)
			return;
		h->c.iov = h->iov;
		h->c.cap = ICAP;
		err = vob_vq_pop(vq, &h->c);
		if (err == VOB_EAGAIN)
			return;
		if (err && trace())
			fprintf(stderr, "  pop: %d, fault %d\n", err, vob_vq_fault(vq));
		/* The driver under test wrote the ring: never a broken one. */
		FZ_CHECK(err == 0 || S.wild, "device pop: %d (fault %d)", err, vob_vq_fault(vq));
		if (err) {
			/* The device gives up on the queue: a reset follows. */
			(void)vob_dev_set_needs_reset(&S.dev);
			drop_held();
			return;
		}
		h->valid = true;
	}
}

static void op_pop(struct fz_in *in)
{
	pop_n(1u + fz_u8(in) % 8u);
}

/* Copy the chain's readable (@wr false) or writable bytes, up to @max. */
static uint32_t chain_copy(const struct vob_chain *c, bool wr, uint8_t *dst, uint32_t max)
{
	unsigned i = wr ? c->n_out : 0u, end = wr ? (unsigned)c->n_out + c->n_in : c->n_out;
	uint32_t n = 0;

	for (; i < end; i++) {
		uint32_t k = c->iov[i].len;

		if (k > max - n)
			k = max - n;
		memcpy(dst + n, c->iov[i].base, k);
		n += k;
	}
	return n;
}

static void put_in(const struct vob_chain *c, uint32_t off, const uint8_t *src, uint32_t len)
{
	int got = vob_chain_push(&S.dlink, c, off, src, len, NULL);

	FZ_CHECK(got >= 0 && (uint32_t)got <= len, "vob_chain_push: %d", got);
}

/* Answer one held chain: data, status byte, used length. */
static void op_answer(struct fz_in *in)
{
	uint8_t sel = fz_u8(in), m = fz_u8(in), sb = fz_u8(in);
	struct vob_vq *vq = S.removed ? NULL : vob_dev_vq(&S.dev, 0);
	struct held *h = NULL;
	struct expect *e;
	uint32_t in_len, written, dlen;
	unsigned k;
	uint8_t st, pat[MAXIN];
	int err;

	for (k = 0; k < HELD; k++) {
		unsigned i = (sel + k) % HELD;

		if (S.h[i].valid) {
			h = &S.h[i];
			break;
		}
	}
	if (!h || !vq)
		return;
	in_len = h->c.in_len;
	dlen = in_len ? in_len - 1u : 0u;
	if (dlen > MAXIN)
		dlen = MAXIN;
	for (k = 0; k < dlen; k++)
		pat[k] = (uint8_t)fz_rand(&S.seed);
	/* Data: whole, a part, or none. */
	switch (m % 4u) {
	case 0:
	case 1:
		put_in(&h->c, 0, pat, dlen);
		break;
	case 2:
		put_in(&h->c, 0, pat, dlen ? fz_u16(in) % dlen : 0u);
		break;
	default:
		break;
	}
	/* Status: 0, 1, 2, anything, or not written. */
	switch ((m >> 2) % 8u) {
	case 0:
	case 1:
	case 2:
		st = 0;
		break;
	case 3:
		st = 1;
		break;
	case 4:
		st = 2;
		break;
	case 5:
		st = sb;
		break;
	default:
		st = 0xee; /* a marker: not written */
		break;
	}
	if ((m >> 2) % 8u < 6u && in_len)
		put_in(&h->c, in_len - 1u, &st, 1);
	/* Used length: exact, 0, short of the data, short of the status, over. */
	switch ((m >> 5) % 8u) {
	case 0:
	case 1:
	case 2:
		written = in_len;
		break;
	case 3:
		written = 0;
		break;
	case 4:
		written = in_len ? fz_u16(in) % in_len : 0u;
		break;
	case 5:
		written = in_len ? in_len - 1u : 0u;
		break;
	case 6:
		written = in_len + 1u + fz_u8(in);
		break;
	default:
		written = fz_u32(in);
		break;
	}
	if (written > in_len) {
		if (FZ_SKIP_MISUSE(true))
			return;
		err = vob_vq_push(vq, &h->c, written);
		FZ_CHECK(err == VOB_EINVAL, "push of %u bytes into %u: %d", written, in_len, err);
		return; /* still held */
	}
	/* What the driver must deliver, from the chain as it is now; nothing
	 * when the driver has reset and the device did not see it yet. */
	if (!S.wild && vob_dev_vq(&S.drv.dev, 0)) {
		if (S.fcount == HELD || h->c.out_len > MAXOUT || in_len > MAXIN) {
			S.wild = true;
		} else {
			e = &S.fifo[(S.fhead + S.fcount) % HELD];
			e->out_len = chain_copy(&h->c, false, e->out, MAXOUT);
			e->in_len = chain_copy(&h->c, true, e->in, MAXIN);
			e->type = (uint8_t)(e->out_len >= 4 ? vob_get_le32(e->out) : 0xffu);
			st = in_len ? e->in[in_len - 1u] : 0xffu;
			if (!written)
				e->res = VOB_EPROTO;
			else if (st == VOB_BLK_S_OK)
				e->res = written == in_len ? 0 : VOB_EPROTO;
			else if (st == VOB_BLK_S_IOERR)
				e->res = VOB_EIO;
			else if (st == VOB_BLK_S_UNSUPP)
				e->res = VOB_ENOTSUP;
			else
				e->res = VOB_EPROTO;
			S.fcount++;
		}
	}
	if (trace())
		fprintf(stderr, "  push head %u: out %u in %u written %u\n", h->c.head, h->c.out_len,
			in_len, written);
	err = vob_vq_push(vq, &h->c, written);
	FZ_CHECK(err == 0, "push: %d", err);
	h->valid = false;
	if ((sel & 0x80u) && !FZ_SKIP_MISUSE(true)) {
		/* Pushed twice: refused, the chain is no longer in flight. */
		err = vob_vq_push(vq, &h->c, written);
		FZ_CHECK(err == VOB_EINVAL, "second push of a chain: %d", err);
	}
	if (!(m & 1u) || (sel & 0x40u))
		(void)vob_vq_kick(vq);
}

/* Pop everything, answer it all well (in order or in reverse), poll, and
 * maybe submit more. */
static void op_burst(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	unsigned i, rounds = 1u + sel % 8u;

	for (i = 0; i < rounds && S.burst_left; i++, S.burst_left--) {
		unsigned k;

		dev_poll();
		pop_n(HELD);
		for (k = 0; k < HELD; k++) {
			uint8_t ans[3];
			struct fz_in sub = { ans, 3 };

			ans[0] = (uint8_t)((sel & 0x40u) ? HELD - 1u - k : k);
			ans[1] = (sel & 8u) ? 0x0cu : 0x00u; /* whole data, IOERR or OK, exact */
			ans[2] = 0;
			op_answer(&sub);
		}
		drv_poll();
		while (S.burst_left && (fz_u8(in) & 1u)) {
			op_submit(in);
			S.burst_left--;
		}
	}
}

/* Raw used entries and index: ids never submitted, any lengths. */
static void op_used_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t size = S.dq.size, idx;
	uint8_t *used = addr_ptr(S.dq.device_addr);
	uint32_t id = fz_u32(in), len = fz_u32(in);

	if (S.removed || !vob_dev_vq(&S.dev, 0) || !used || !size)
		return;
	if (!(m & 1u))
		id %= (m & 2u) ? 2u * size : size;
	memcpy(&idx, used + 2, 2);
	memcpy(used + 4u + 8u * ((idx + (m >> 4)) & (size - 1u)), &id, 4);
	memcpy(used + 8u + 8u * ((idx + (m >> 4)) & (size - 1u)), &len, 4);
	if (m & 4u) {
		idx = (uint16_t)(idx + ((m & 8u) ? fz_u16(in) : 1u));
		__atomic_store_n((uint16_t *)(void *)(used + 2), idx, __ATOMIC_RELEASE);
	}
	S.wild = true;
}

/* Any bytes: the table, the config, the pool, the used ring, anywhere in A or B. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), buf[16];
	unsigned n = 1u + fz_u8(in) % 16u, k;
	uint8_t *base;
	size_t len;

	switch (m % 6u) {
	case 0:
		base = fz.a;
		len = FZ_A_SIZE;
		break;
	case 1:
		base = fz.bw;
		len = FZ_B_SIZE;
		break;
	case 2:
		base = addr_ptr(S.rc.pool_addr);
		len = (size_t)S.rc.pool_buf_size * S.rc.pool_count;
		break;
	case 3:
		base = addr_ptr(S.dq.device_addr);
		len = VOB_SPLIT_USED_BYTES(S.dq.size);
		if (!base || !S.dq.size)
			return;
		break;
	case 4:
		base = dev_area();
		len = 64u + 4u + CFG_MAX;
		S.cfg_wild = true;
		break;
	default:
		base = fz.a; /* the whole table */
		len = VOB_TABLE_BYTES(1, 1, CFG_MAX, fz.line);
		S.cfg_wild = true;
		break;
	}
	for (k = 0; k < n; k++)
		buf[k] = fz_u8(in);
	base += fz_u16(in) % (len - n + 1u);
	memcpy(base, buf, n);
	if (fz_overlaps(base, n, fz.a, VOB_TABLE_BYTES(1, 1, CFG_MAX, fz.line)))
		S.cfg_wild = true; /* the table: the config may no longer match */
	S.wild = true;
}

/* A proper config change: one field, through the table. */
static void cfg_change(uint8_t which, uint64_t v)
{
	static const struct {
		uint8_t off, len;
	} fields[] = { { 0, 8 }, { 8, 4 }, { 12, 4 }, { 20, 4 }, { 36, 4 }, { 40, 4 },
		       { 48, 4 }, { 52, 4 }, { 56, 1 } };
	unsigned f = which % (sizeof(fields) / sizeof(fields[0]));
	uint8_t b[8];
	int err;

	if (S.removed || fields[f].off + fields[f].len > S.cfg_len)
		return;
	memcpy(b, &v, 8);
	memcpy((uint8_t *)&S.cfg + fields[f].off, b, fields[f].len);
	err = vob_dev_config_write(&S.dev, fields[f].off, b, fields[f].len);
	FZ_CHECK(err == 0, "vob_dev_config_write: %d", err);
}

static uint64_t gen_cap(struct fz_in *in)
{
	uint8_t s = fz_u8(in);

	switch (s % 6u) {
	case 0:
		return 0;
	case 1:
		return 1u + s / 6u;
	case 2:
		return UINT64_MAX - (s / 6u);
	case 3:
		return fz_u64(in);
	default:
		return 8u + fz_u8(in);
	}
}

static void op_config(struct fz_in *in)
{
	uint8_t which = fz_u8(in);
	uint64_t v = which % 9u == 0 ? gen_cap(in) : (which & 0x80u) ? fz_u32(in) : fz_u8(in) % 20u;

	if (S.odd_left)
		return;
	cfg_change(which, v);
}

/* The config generation, as one aligned word (little-endian hosts). */
static uint32_t *gen_word(void)
{
	return (uint32_t *)(void *)(dev_area() + DEV_CONFIG_GEN);
}

static uint32_t gen_load(void)
{
	return __atomic_load_n(gen_word(), __ATOMIC_ACQUIRE);
}

static void gen_store(uint32_t v)
{
	__atomic_store_n(gen_word(), v, __ATOMIC_RELEASE);
}

/* The end of a change held in progress: the generation even again and a
 * new sequence number, as at the end of any config write (the bytes are
 * written again unchanged). */
static void odd_finish(void)
{
	S.odd_left = 0;
	gen_store(S.odd_gen);
	if (!S.removed && S.cfg_len >= 8u)
		FZ_CHECK(vob_dev_config_write(&S.dev, 0, &S.cfg, 8) == 0, "config write");
}

/* Called by fz_cache_invalidate(): the device acts in the middle of one
 * of the driver's reads. */
static void on_invalidate(const void *p, size_t n)
{
	(void)p;
	(void)n;
	if (S.odd_left) {
		if (!--S.odd_left)
			odd_finish();
		S.hook_fired = true;
		return;
	}
	if (!S.hook_n || --S.hook_n || S.removed)
		return;
	S.hook_fired = true;
	if (S.hook_op & 1u) {
		cfg_change(S.hook_op >> 1, S.hook_val);
	} else if (S.cfg_len >= 8u) {
		/* A change in progress (the generation odd) for a while. */
		S.odd_gen = gen_load();
		S.odd_left = 1u + (S.hook_op >> 1);
		gen_store(S.odd_gen | 1u);
	}
}

static void odd_end(void)
{
	if (S.odd_left)
		odd_finish();
}

static void op_hook(struct fz_in *in)
{
	S.hook_n = 1u + fz_u8(in) % 24u;
	S.hook_op = fz_u8(in);
	S.hook_val = (S.hook_op >> 1) % 9u == 0 ? gen_cap(in) : fz_u8(in) % 20u;
}

static void publish(void)
{
	int err = vob_dev_init(&S.dev, &S.dt, &S.dc);

	FZ_CHECK(err == 0, "vob_dev_init (device): %d", err);
	S.removed = false;
	S.cfg_wild = false;
	drop_held();
}

/* The device's side restarts: a new epoch, the slot again. */
static void device_restart(uint8_t seed)
{
	struct vob_table_cfg tc;
	int err;

	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 33u + seed;
	tc.timeout = 1000;
	err = vob_table_init(&S.dt, &S.dlink, &tc);
	FZ_CHECK(err == 0, "vob_table_init (device restart): %d", err);
	publish();
}

static void op_device_life(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	int err;

	odd_end();
	if (trace())
		fprintf(stderr, "  device life %u, gen %u\n", m % 4u, gen_load());
	switch (m % 4u) {
	case 0:
		if (S.removed)
			return;
		err = vob_dev_set_needs_reset(&S.dev);
		FZ_CHECK(err == 0, "set_needs_reset: %d", err);
		drop_held();
		break;
	case 1:
		if (S.removed) {
			publish();
			return;
		}
		err = vob_dev_remove(&S.dev);
		FZ_CHECK(err == 0, "remove: %d", err);
		S.removed = true;
		drop_held();
		break;
	case 2:
		device_restart(m);
		break;
	default:
		/* A whole new config (raw bytes in the rest of the device area,
		 * its sequence number for one, stay until it is published again). */
		if (S.removed)
			return;
		vob_put_le64(&S.cfg.capacity, gen_cap(in));
		err = vob_dev_config_write(&S.dev, 0, &S.cfg, S.cfg_len);
		FZ_CHECK(err == 0, "vob_dev_config_write: %d", err);
		break;
	}
}

/* ---- bring-up ------------------------------------------------------------ */

static void settle(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		dev_poll();
		drv_poll();
	}
}

static void setup(struct fz_in *in)
{
	struct vob_table_cfg tc;
	uint8_t h[12];
	size_t tb, ring, pool_at;
	uint32_t L, bufsz;
	unsigned k, cnt;
	uint16_t dqs;
	uint64_t feat;
	int err;

	for (k = 0; k < 12; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[0], h[1], h[2], 0);
	L = fz.line;
	memset(&S, 0, sizeof(S));
	S.seed = 0x9e3779b97f4a7c15ull ^ h[3];
	S.burst_left = BURST_BUDGET;
	S.cb_submit = (h[6] & 0x40u) != 0;
	fz.on_invalidate = on_invalidate;

	/* One table at the start of A, both sides. */
	tb = VOB_ALIGN_UP(VOB_TABLE_BYTES(1, 1, CFG_MAX, L), L);
	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = CFG_MAX;
	tc.timeout = 1000;
	tc.side = 1;
	tc.epoch_seed = 22;
	err = vob_table_init(&S.t, &fz.link, &tc);
	FZ_CHECK(err == 0, "vob_table_init (driver): %d", err);
	fz_peer_link(&S.dlink, &S.dops);
	tc.side = 0;
	tc.epoch_seed = 11;
	err = vob_table_init(&S.dt, &S.dlink, &tc);
	FZ_CHECK(err == 0, "vob_table_init (device): %d", err);

	/* The driver: ring after the table (the used ring maybe in B), pool after. */
	ring = VOB_SPLIT_RING_BYTES(VOB_BLK_QSIZE, L) + 2u * L;
	pool_at = VOB_ALIGN_UP(tb + ring, L);
	memset(&S.rc, 0, sizeof(S.rc));
	S.rc.slot = 0;
	S.rc.queue_size = (uint16_t)(2u << (h[3] % 6u));
	S.rc.dev_mem.addr = fz.a_base + tb;
	S.rc.dev_mem.len = ring;
	if (h[3] & 0x40u) {
		S.rc.drv_mem.addr = fz.b_base;
		S.rc.drv_mem.len = FZ_B_SIZE;
	} else {
		S.rc.drv_mem = S.rc.dev_mem;
	}
	switch (h[4] % 4u) {
	case 0:
		bufsz = 512;
		break;
	case 1:
		bufsz = 4096;
		break;
	case 2:
		bufsz = 1024;
		break;
	default:
		bufsz = 512u + L * (1u + (h[4] >> 2) % 8u);
		break;
	}
	cnt = 2u + (h[4] >> 2) % (VOB_BLK_POOL_MAX - 1u);
	if (cnt * bufsz > FZ_A_SIZE - pool_at)
		cnt = (unsigned)((FZ_A_SIZE - pool_at) / bufsz);
	S.rc.pool_addr = fz.a_base + pool_at;
	S.rc.pool_buf_size = bufsz;
	S.rc.pool_count = (uint16_t)cnt;
	S.rc.features_off = (h[5] & 1u) ? (uint64_t)h[6] << 1 : 0u;
	S.rc.done = on_done;
	S.rc.arg = &S;
	err = vob_blk_drv_init(&S.drv, &S.t, &S.rc);
	FZ_CHECK(err == 0, "vob_blk_drv_init: %d", err);

	/* The device: features, config and its length from the input. */
	feat = VOB_BIT(VOB_F_VERSION_1) | ((uint64_t)h[7] << 1 & 0x7eu) |
	       ((uint64_t)(h[8] & 0x3fu) << 9);
	if (h[5] & 2u)
		feat |= VOB_BIT(VOB_F_EVENT_IDX);
	if (h[5] & 4u)
		feat |= VOB_BIT(VOB_F_INDIRECT_DESC);
	memset(&S.cfg, 0, sizeof(S.cfg));
	vob_put_le64(&S.cfg.capacity, (h[9] & 0x80u) ? (uint64_t)UINT64_MAX - (h[9] & 3u)
							: 1u + h[9] % 200u);
	vob_put_le32(&S.cfg.size_max, (h[10] % 4u == 0) ? 0u : (h[10] % 4u == 1) ? 512u
						       : 300u + 100u * (h[10] >> 2));
	vob_put_le32(&S.cfg.seg_max, (h[10] & 0x80u) ? 0xffffffffu : (h[10] >> 4) % 6u);
	vob_put_le32(&S.cfg.blk_size, 512u << (h[11] % 4u));
	vob_put_le32(&S.cfg.max_discard_sectors, h[11] % 5u ? h[11] % 13u : 0u);
	vob_put_le32(&S.cfg.max_discard_seg, (h[11] >> 3) % 5u);
	vob_put_le32(&S.cfg.max_write_zeroes_sectors, (h[11] >> 1) % 7u);
	vob_put_le32(&S.cfg.max_write_zeroes_seg, (h[11] >> 4) % 4u);
	S.cfg.write_zeroes_may_unmap = h[11] >> 7;
	vob_put_le16(&S.cfg.num_queues, 1);
	{
		static const uint16_t lens[] = { VOB_BLK_CONFIG_BYTES, VOB_BLK_CONFIG_BYTES,
						 VOB_BLK_CONFIG_BYTES, VOB_BLK_CONFIG_BYTES,
						 8, 12, 16, 24, 56, 57, 4, 0 };

		S.cfg_len = (h[6] & 0x80u) ? lens[h[8] >> 6 | (h[9] & 8u) >> 1] : VOB_BLK_CONFIG_BYTES;
	}
	dqs = (uint16_t)(2u << (h[5] >> 3) % 6u);
	memset(&S.dq, 0, sizeof(S.dq));
	S.dq.vq = &S.dvq;
	S.dq.state = S.dstate;
	S.dq.state_len = sizeof(S.dstate);
	S.dq.size = dqs;
	memset(&S.dc, 0, sizeof(S.dc));
	S.dc.role = VOB_ROLE_DEVICE;
	S.dc.num_queues = 1;
	S.dc.queues = &S.dq;
	S.dc.features[0] = feat;
	S.dc.device_id = VOB_BLK_DEVICE_ID;
	S.dc.config = &S.cfg;
	S.dc.config_len = S.cfg_len;
	S.dc.seg_max = ICAP;
	publish();
	settle(12);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	setup(&in);
	S.in = &in;
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		if (trace())
			fprintf(stderr, "op %u: %u (busy %u, wild %d, removed %d, states %d/%d)\n",
				ops, op % 20u, S.busy, S.wild, S.removed, vob_dev_state(&S.drv.dev),
				vob_dev_state(&S.dev));

		switch (op % 20u) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_submit(&in);
			break;
		case 4:
		case 5:
			op_pop(&in);
			break;
		case 6:
		case 7:
		case 8:
			op_answer(&in);
			break;
		case 9:
		case 10:
			drv_poll();
			check_info();
			break;
		case 11:
			dev_poll();
			break;
		case 12:
			op_used_raw(&in);
			break;
		case 13:
			op_raw(&in);
			break;
		case 14:
			op_config(&in);
			break;
		case 15:
			op_device_life(&in);
			break;
		case 16:
			drv_reset();
			break;
		case 17:
			op_hook(&in);
			break;
		case 18:
			op_burst(&in);
			break;
		default:
			dev_poll();
			drv_poll();
			check_info();
			break;
		}
	}
	/* Wind down: the device goes away, everything must come back. */
	S.in = NULL;
	odd_end();
	settle(2);
	drv_reset();
	/* The device's side leaves: whatever it did not answer comes back. */
	vob_table_shutdown(&S.dt);
	drv_poll();
	FZ_CHECK(S.busy == 0, "%u requests never came back", S.busy);
	FZ_CHECK(vob_pool_free(&S.drv.pool) == S.rc.pool_count, "pool buffers lost at the end");
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_tiny_device: the input plays a hostile DRIVER against the tiny device
 * (lib/tiny.c, include/vob/tiny.h): the driver's side of the table (its
 * header, slot 0's driver area: requests, features, placements), every ring
 * of the device's queues (descriptors, avail ring, index, flags) and any byte
 * of the window, raw or as well-formed protocol writes that keep the epochs
 * and numbers right so that the garbage in the other fields is believed.
 * The harness plays the application: polls, pops (holding chains over to
 * later pushes), pulls and puts, pushes, kicks, NEEDS_RESET, restarts of the
 * device, and wipes of the table.
 *
 * Set-up (4 bytes): link address of the window (fuzz_common's three, one
 * just below the top of the 64-bit space), the window's length (up to 7
 * lines short of window A: the rest must stay untouched), the device's side,
 * its epoch seed. Then operations, one byte each plus arguments.
 *
 * Invariants checked:
 *  - no sanitizer finding: window A sits between guard pages, and the bytes
 *    of A past the length the device was given stay zero;
 *  - the device never writes what the driver owns: its side header and the
 *    slot's driver area (compared after every call but vob_tiny_put(), whose
 *    writable segments may lie anywhere in the window, the table included);
 *  - every call returns what tiny.h lists: vob_tiny_pop() 0, VOB_EAGAIN,
 *    VOB_EIO or VOB_EPROTO; after VOB_EPROTO the status shows NEEDS_RESET
 *    and pop says VOB_EIO until the driver resets the device;
 *    vob_tiny_poll() says 1 only when the status it published is DRIVER_OK
 *    without FAILED or NEEDS_RESET;
 *  - a popped chain is one a reference walk of the descriptor table accepts:
 *    head and every next in range, no INDIRECT, no readable descriptor after
 *    a writable one, at most VOB_TINY_SEG_MAX descriptors, each non-empty
 *    segment wholly inside the window and at the place the descriptor says;
 *    the lengths and counts add up; the head is not already in flight;
 *  - vob_tiny_pull() and vob_tiny_put() copy exactly min(n, part length)
 *    bytes; a push writes the used entry with the length cut to the
 *    writable part;
 *  - doorbell ids are the table's, the slot's control one or a queue's.
 */
#include "fuzz_common.h"
#include "table_internal.h"
#include "vob/table.h"
#include "vob/tiny.h"

#define LINE VOB_TINY_LINE
#define NQ VOB_TINY_TABLE_QUEUES
#define CFGMAX VOB_TINY_CONFIG_MAX
#define HB VOB_ALIGN_UP(32u, LINE)
#define T_DEV (2u * HB)
#define T_DRV (T_DEV + VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(NQ, CFGMAX), LINE))
#define DRV_BYTES VOB_ALIGN_UP(VOB_TABLE_DRV_RAW(NQ), LINE)
#define TBL VOB_TABLE_BYTES(1u, NQ, CFGMAX, LINE)
#define RING_OFF 4096u  /* the well-formed placement of queue q: + 2048 q */
#define BUF_OFF 16384u
#define MAX_OPS 4096u
#define HOLD 8u
#define DRV_EPOCH0 5u

static struct {
	struct vob_tiny t;
	struct vob_tiny_cfg cfg;
	uint8_t *w;     /* window A */
	uint64_t base;  /* its link address */
	uint32_t size;  /* the length the device was given */
	uint8_t side;
	uint8_t snap_hdr[HB], snap_drv[DRV_BYTES];
	/* the hostile driver's view of its own placements */
	struct {
		uint16_t size, avail_idx, dc;
		uint64_t desc, avail;
	} q[VOB_TINY_QUEUES];
	uint32_t drv_epoch;
	bool broken; /* a pop said VOB_EPROTO since the last reset */
	/* The published status is the device's: no raw write of the driver
	 * went into the device area since the device last wrote all of it. */
	bool trust;
	/* chains popped and not pushed */
	struct vob_tiny_chain held[VOB_TINY_QUEUES][HOLD];
	unsigned nheld[VOB_TINY_QUEUES];
	uint8_t buf[4096];
} S;

static bool trace;

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *at(uint64_t link, size_t n)
{
	uint64_t off = link - S.base;

	if (off > S.size || n > S.size - off)
		return NULL;
	return S.w + off;
}

/* The driver writes @n bytes at @p: bytes of the device area lose the
 * device's word. */
static void wrote(const uint8_t *p, size_t n)
{
	if (p < S.w + T_DRV && p + n > S.w + T_DEV)
		S.trust = false;
}

static uint8_t *drv_hdr(void)
{
	return S.w + (1u - S.side) * HB;
}

static void bell(void *user, uint32_t id)
{
	(void)user;
	FZ_CHECK(id < 2u + VOB_TINY_QUEUES, "doorbell id %u", id);
}

static void snap_take(void)
{
	memcpy(S.snap_hdr, drv_hdr(), HB);
	memcpy(S.snap_drv, S.w + T_DRV, DRV_BYTES);
}

static void drop_held(void)
{
	memset(S.nheld, 0, sizeof(S.nheld));
}

/* After every call into the device but vob_tiny_put(). */
static void check(const char *op)
{
	size_t i;
	uint16_t st = vob_get_le16(S.w + T_DEV + DEV_STATUS);

	FZ_CHECK(!memcmp(S.snap_hdr, drv_hdr(), HB), "%s wrote the driver's header", op);
	FZ_CHECK(!memcmp(S.snap_drv, S.w + T_DRV, DRV_BYTES), "%s wrote the driver area", op);
	for (i = S.size; i < FZ_A_SIZE; i++)
		FZ_CHECK(!S.w[i], "%s wrote byte %zu, past the window's %u", op, i, S.size);
	if (S.broken)
		FZ_CHECK(S.t.status & VOB_STATUS_NEEDS_RESET, "%s: broken ring, status %#x", op,
			 S.t.status);
	if (S.trust)
		FZ_CHECK(st == S.t.status, "%s: status %#x published as %#x", op, S.t.status, st);
}

static void dev_init(uint32_t seed)
{
	int r;

	snap_take();
	S.cfg.epoch_seed = seed;
	r = vob_tiny_init(&S.t, &S.cfg);
	FZ_CHECK(r == 0, "vob_tiny_init: %d", r);
	S.broken = false;
	S.trust = true;
	drop_held();
	check("init");
}

static int dev_poll(void)
{
	int live;
	uint16_t st;

	snap_take();
	live = vob_tiny_poll(&S.t);
	st = vob_get_le16(S.w + T_DEV + DEV_STATUS);
	FZ_CHECK(live == 0 || live == 1, "poll: %d", live);
	/* the device's own status (private) */
	FZ_CHECK(live == ((S.t.status & (VOB_STATUS_DRIVER_OK | VOB_STATUS_FAILED |
					 VOB_STATUS_NEEDS_RESET)) == VOB_STATUS_DRIVER_OK),
		 "poll: %d with status %#x", live, S.t.status);
	if (!(S.t.status & VOB_STATUS_NEEDS_RESET))
		S.broken = false; /* a reset */
	check("poll");
	if (!live)
		drop_held();
	if (trace)
		fprintf(stderr, "poll: %d status %#x\n", live, st);
	return live;
}

/* A reference walk of the chain the device returned. */
static void check_chain(unsigned q, const struct vob_tiny_chain *c)
{
	const struct vob_tiny_vq *v = &S.t.vq[q]; /* private: the placement it took */
	unsigned size = (unsigned)v->mask + 1u, i = c->head, k, n = 0, seg = 0, wr = 0;
	uint32_t len[2] = { 0, 0 }, nseg[2] = { 0, 0 };

	FZ_CHECK(c->head < size, "pop: head %u of %u", c->head, size);
	/* in flight on these rings: held chains of an earlier start are stale */
	for (k = 0; k < S.nheld[q]; k++)
		FZ_CHECK(S.held[q][k].gen != c->gen || S.held[q][k].head != c->head,
			 "pop: head %u already in flight", c->head);
	for (;;) {
		const uint8_t *d = v->ring[0] + 16u * i;
		uint64_t addr = vob_get_le64(d);
		uint32_t l = vob_get_le32(d + 8);
		uint16_t fl = vob_get_le16(d + 12), next = vob_get_le16(d + 14);
		unsigned w = (fl >> 1) & 1u;

		FZ_CHECK(++n <= VOB_TINY_SEG_MAX && n <= size, "pop: a chain of more than %u", n - 1u);
		FZ_CHECK(!(fl & 4u), "pop: indirect descriptor %u taken", i);
		FZ_CHECK(w >= wr, "pop: readable descriptor %u after a writable one", i);
		wr = w;
		len[w] += l;
		if (l) {
			uint8_t *p = at(addr, l);

			FZ_CHECK(p, "pop: descriptor %u at %#llx+%u outside the window", i,
				 (unsigned long long)addr, l);
			FZ_CHECK(seg < VOB_TINY_SEG_MAX && c->seg[seg].base == p &&
					 c->seg[seg].len == l,
				 "pop: segment %u not descriptor %u", seg, i);
			seg++;
			nseg[w]++;
		}
		if (!(fl & 1u))
			break;
		FZ_CHECK(next < size, "pop: next %u of %u", next, size);
		i = next;
	}
	FZ_CHECK(len[0] == c->len[0] && len[1] == c->len[1] && nseg[0] == c->nseg[0] &&
			 nseg[1] == c->nseg[1],
		 "pop: lengths %u/%u (%u/%u segments), walk %u/%u (%u/%u)", c->len[0], c->len[1],
		 c->nseg[0], c->nseg[1], len[0], len[1], nseg[0], nseg[1]);
}

static void dev_push(unsigned q, unsigned k, uint32_t written)
{
	const struct vob_tiny_vq *v = &S.t.vq[q];
	struct vob_tiny_chain c = S.held[q][k];
	uint16_t idx = v->used_idx;
	uint8_t *e = v->ring[2] + 4u + 8u * (idx & v->mask);
	/* stopped since the pop, or started again (even within one poll: the
	 * queues' start count moved on): the push does nothing */
	bool on = v->on && c.gen == S.t.gen &&
		  (S.t.status & (VOB_STATUS_DRIVER_OK | VOB_STATUS_FAILED |
				 VOB_STATUS_NEEDS_RESET)) == VOB_STATUS_DRIVER_OK;
	uint8_t before[8];

	memcpy(before, e, 8);
	S.held[q][k] = S.held[q][--S.nheld[q]];
	snap_take();
	vob_tiny_push(&S.t, q, &c, written);
	check("push");
	if (!on) {
		FZ_CHECK(!memcmp(before, e, 8) && v->used_idx == idx, "push on a stopped queue");
		return;
	}
	FZ_CHECK(vob_get_le32(e) == c.head &&
			 vob_get_le32(e + 4) == (written < c.len[1] ? written : c.len[1]),
		 "push: used entry %u/%u for head %u written %u of %u", vob_get_le32(e),
		 vob_get_le32(e + 4), c.head, written, c.len[1]);
	FZ_CHECK(vob_get_le16(v->ring[2] + 2) == (uint16_t)(idx + 1u), "push: used index");
}

static void dev_pop(struct fz_in *in, unsigned q)
{
	struct vob_tiny_chain c;
	uint8_t how = fz_u8(in);
	uint32_t n = fz_u16(in) % (sizeof(S.buf) + 1u), got;
	int r;

	if (S.nheld[q] == HOLD)
		dev_push(q, 0, 0);
	snap_take();
	r = vob_tiny_pop(&S.t, q, &c);
	check("pop");
	if (trace)
		fprintf(stderr, "pop %u: %d head %u, %u held\n", q, r, r ? 0u : c.head, S.nheld[q]);
	FZ_CHECK(r == 0 || r == VOB_EAGAIN || r == VOB_EIO || r == VOB_EPROTO, "pop: %d", r);
	if (S.broken)
		FZ_CHECK(r == VOB_EIO, "pop after VOB_EPROTO: %d", r);
	if (r == VOB_EPROTO) {
		S.broken = true;
		check("pop");
		drop_held();
		return;
	}
	if (r)
		return;
	check_chain(q, &c);
	got = vob_tiny_pull(&c, S.buf, n);
	FZ_CHECK(got == (n < c.len[0] ? n : c.len[0]), "pull: %u of %u (%u readable)", got, n,
		 c.len[0]);
	if (got && c.nseg[0])
		FZ_CHECK(!memcmp(S.buf, c.seg[0].base, got < c.seg[0].len ? got : c.seg[0].len),
			 "pull: wrong bytes");
	if (how & 1u) {
		unsigned k;

		got = vob_tiny_put(&c, S.buf, n);
		FZ_CHECK(got == (n < c.len[1] ? n : c.len[1]), "put: %u of %u (%u writable)", got,
			 n, c.len[1]);
		/* A buffer the driver placed over the device's area: the device
		 * wrote the driver's bytes there, as the driver could itself. */
		for (k = c.nseg[0]; k < (unsigned)c.nseg[0] + c.nseg[1]; k++)
			wrote(c.seg[k].base, c.seg[k].len);
	}
	S.held[q][S.nheld[q]++] = c;
	if (!(how & 2u))
		dev_push(q, S.nheld[q] - 1u, how & 4u ? c.len[1] + (how >> 3) : got);
}

/* ---- the hostile driver -------------------------------------------------- */

static void announce(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint8_t *h = drv_hdr();

	S.drv_epoch = sel & 1u ? S.drv_epoch + 1u : (uint32_t)fz_u8(in);
	vob_put_le32(h + HDR_EPOCH, 0);
	vob_put_le32(h + HDR_MAGIC, VOB_TABLE_MAGIC);
	vob_put_le16(h + HDR_VERSION, VOB_PROTOCOL_VERSION);
	vob_put_le16(h + HDR_LINE, LINE);
	vob_put_le16(h + HDR_NSLOTS, 1);
	vob_put_le16(h + HDR_NQUEUES, NQ);
	vob_put_le16(h + HDR_CONFIG_MAX, CFGMAX);
	if (sel & 2u) /* one field wrong */
		h[fz_u8(in) % 16u] ^= (uint8_t)(1u + fz_u8(in) % 255u);
	vob_put_le32(h + HDR_EPOCH, S.drv_epoch);
}

static void request(struct fz_in *in)
{
	static const uint16_t steps[] = { 0, 1, 3, 11, 15 };
	uint8_t sel = fz_u8(in), fsel = fz_u8(in);
	uint8_t *d = S.w + T_DRV;
	uint16_t st = sel < 5u * 40u ? steps[sel % 5u] : fz_u16(in);
	uint64_t f0 = VOB_BIT(VOB_F_VERSION_1), f1 = 0;

	if (fsel & 1u)
		f0 |= VOB_BIT(fz_u8(in) % 64u);
	if (fsel & 2u)
		f0 = fz_u64(in);
	if (fsel & 4u)
		f1 = fz_u64(in);
	vob_put_le32(d + DRV_EPOCH, fsel & 8u ? fz_u32(in) : S.drv_epoch);
	vob_put_le32(d + DRV_DEV_EPOCH, vob_get_le32(S.w + T_DEV + DEV_EPOCH) ^ (fsel & 16u ? 1u : 0u));
	vob_put_le32(d + DRV_DEV_PUB, vob_get_le32(S.w + T_DEV + DEV_PUB) + (fsel & 32u ? 1u : 0u));
	vob_put_le16(d + DRV_STATUS, st);
	vob_put_le64(d + DRV_FEATURES, f0);
	vob_put_le64(d + DRV_FEATURES + 8, f1);
	vob_put_le32(d + DRV_REQ, vob_get_le32(d + DRV_REQ) + (fsel & 64u ? 0u : 1u));
}

static uint64_t ring_addr(struct fz_in *in, uint64_t good)
{
	uint8_t sel = fz_u8(in);

	switch (sel % 8u) {
	case 5:
		return S.base + fz_u16(in);
	case 6:
		return good + (uint64_t)(int8_t)fz_u8(in);
	case 7:
		return fz_u64(in);
	default:
		return good;
	}
}

static void place(struct fz_in *in)
{
	unsigned q = fz_u8(in) % NQ;
	uint8_t *e = S.w + T_DRV + DRV_QUEUES + DRVQ_BYTES * q;
	uint8_t ssel = fz_u8(in);
	uint16_t size = ssel < 224u ? (uint16_t)(1u << (ssel % 6u)) : fz_u16(in);
	uint64_t r = S.base + RING_OFF + 2048u * q;
	uint64_t desc = ring_addr(in, r);
	uint64_t avail = ring_addr(in, r + VOB_SPLIT_AVAIL_OFF(size & 63u, LINE));
	uint64_t used = ring_addr(in, r + VOB_SPLIT_USED_OFF(size & 63u, LINE));
	uint16_t start = fz_u8(in) & 1u ? fz_u16(in) : 0;
	uint8_t *a;

	vob_put_le16(e + DRVQ_SIZE, size);
	vob_put_le16(e + DRVQ_ENABLE, (uint16_t)(ssel & 64u ? 0 : 1));
	vob_put_le16(e + DRVQ_START, start);
	vob_put_le64(e + DRVQ_DESC, desc);
	vob_put_le64(e + DRVQ_DRIVER, avail);
	vob_put_le64(e + DRVQ_DEVICE, used);
	if (q < VOB_TINY_QUEUES) {
		S.q[q].size = size;
		S.q[q].desc = desc;
		S.q[q].avail = avail;
		S.q[q].avail_idx = start;
		a = at(avail, 4);
		if (a) {
			vob_put_le16(a, 0);
			vob_put_le16(a + 2, start);
			wrote(a, 4);
		}
	}
}

/* Chains on queue q's ring as the driver placed it. */
static void chain(struct fz_in *in)
{
	unsigned q = fz_u8(in) % VOB_TINY_QUEUES, n = 1u + fz_u8(in) % 6u, k;
	unsigned size = S.q[q].size, mask = size - 1u;
	uint8_t *desc = at(S.q[q].desc, 16u * (size_t)size);
	uint8_t *avail = at(S.q[q].avail, 4u + 2u * (size_t)size);
	uint16_t head, i;

	if (!size || (size & mask) || !desc || !avail)
		return;
	head = i = (uint16_t)(S.q[q].dc & mask);
	for (k = 0; k < n; k++) {
		uint8_t *d = desc + 16u * i;
		uint8_t sel = fz_u8(in);
		uint16_t next = (uint16_t)((i + 1u) & mask);
		uint16_t fl = (uint16_t)((k + 1u < n ? 1u : 0u) | (k >= n / 2u ? 2u : 0u));
		uint64_t addr = S.base + BUF_OFF + 256u * (fz_u8(in) % 32u);
		uint32_t l = 1u + fz_u8(in);

		if (sel & 1u) { /* one field chosen by the input */
			switch ((sel >> 1) % 6u) {
			case 0: addr = fz_u64(in); break;
			case 1: l = fz_u32(in); break;
			case 2: fl = fz_u16(in); break;
			case 3: next = fz_u16(in); break;
			case 4: addr = S.base + S.size - l + (sel >> 4) % 3u; break;
			default: l = 0; break;
			}
		}
		vob_put_le64(d, addr);
		vob_put_le32(d + 8, l);
		vob_put_le16(d + 12, fl);
		vob_put_le16(d + 14, next);
		wrote(d, 16);
		i = (uint16_t)(next & mask);
	}
	S.q[q].dc = (uint16_t)(S.q[q].dc + n);
	if (fz_u8(in) & 1u)
		head = fz_u16(in);
	vob_put_le16(avail + 4u + 2u * (S.q[q].avail_idx & mask), head);
	S.q[q].avail_idx++;
	vob_put_le16(avail + 2, S.q[q].avail_idx);
	wrote(avail, 4u + 2u * (size_t)size);
}

static void avail_write(struct fz_in *in)
{
	unsigned q = fz_u8(in) % VOB_TINY_QUEUES;
	uint8_t sel = fz_u8(in);
	uint8_t *a = at(S.q[q].avail, 4);

	if (!a)
		return;
	if (sel & 1u)
		S.q[q].avail_idx = fz_u16(in);
	vob_put_le16(a + 2, S.q[q].avail_idx);
	vob_put_le16(a, (uint16_t)((sel >> 1) & 1u)); /* NO_INTERRUPT */
	wrote(a, 4);
}

static void raw(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint32_t off = sel & 1u ? fz_u16(in) % TBL : fz_u16(in) % S.size;
	unsigned n = 1u + (sel >> 1) % 16u, k;

	for (k = 0; k < n && off + k < S.size; k++)
		S.w[off + k] = fz_u8(in);
	wrote(S.w + off, n);
}

/* ---- driver of the harness ---------------------------------------------- */

static void setup(struct fz_in *in)
{
	uint8_t base_sel = fz_u8(in), size_sel = fz_u8(in), sel = fz_u8(in);
	uint32_t seed = fz_u8(in);

	fz_env_reset(base_sel, 0, 2, 0); /* coherent, 64-byte lines, no DMA */
	memset(&S, 0, sizeof(S));
	S.w = fz.a;
	S.base = fz.a_base;
	S.size = FZ_A_SIZE - LINE * (size_sel % 8u);
	S.side = sel & 1u;
	S.cfg.window = S.w;
	S.cfg.link_addr = S.base;
	S.cfg.size = S.size;
	S.cfg.device_id = 1u + (sel >> 1) % 8u;
	S.cfg.features = sel & 16u ? VOB_BIT(VOB_F_ACCESS_PLATFORM) | VOB_BIT(3) : 0;
	S.cfg.side = S.side;
	S.cfg.doorbell = sel & 32u ? NULL : bell;
	S.drv_epoch = DRV_EPOCH0;
	dev_init(seed);
}

static void do_ops(struct fz_in *in)
{
	unsigned ops = 0;

	while (in->n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(in);
		unsigned q = (op >> 4) % VOB_TINY_QUEUES, k;

		if (trace)
			fprintf(stderr, "op %u (queue %u)\n", op % 16u, q);
		switch (op % 16u) {
		case 0:
			announce(in);
			break;
		case 1:
		case 2:
			request(in);
			break;
		case 3:
			place(in);
			break;
		case 4:
		case 5:
			chain(in);
			break;
		case 6:
			avail_write(in);
			break;
		case 7:
			raw(in);
			break;
		case 8:
		case 9:
			dev_poll();
			break;
		case 10:
		case 11:
			dev_pop(in, q);
			break;
		case 12:
			k = fz_u8(in);
			if (S.nheld[q])
				dev_push(q, k % S.nheld[q], fz_u16(in));
			break;
		case 13:
			snap_take();
			vob_tiny_kick(&S.t, q);
			check("kick");
			break;
		case 14:
			k = fz_u8(in);
			if (k < 16u) {
				/* the device writes all of its area again at
				 * its next poll; until then the status is 0 */
				memset(S.w, 0, k & 1u ? TBL : 2u * HB);
				S.trust = false;
			} else if (k < 32u) {
				dev_init(fz_u32(in));
			} else {
				snap_take();
				vob_tiny_needs_reset(&S.t);
				check("needs_reset");
				FZ_CHECK(vob_get_le16(S.w + T_DEV + DEV_STATUS) & VOB_STATUS_NEEDS_RESET,
					 "needs_reset: not published");
			}
			break;
		default: /* the application's loop once */
			if (dev_poll()) {
				struct fz_in none = { NULL, 0 };

				for (q = 0; q < VOB_TINY_QUEUES; q++) {
					dev_pop(&none, q);
					snap_take();
					vob_tiny_kick(&S.t, q);
					check("kick");
				}
			}
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	trace = getenv("VOB_FUZZ_TRACE") != NULL;
	setup(&in);
	do_ops(&in);
	return 0;
}

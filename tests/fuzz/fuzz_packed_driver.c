/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_packed_driver: the input plays a hostile DEVICE against the driver
 * role of the packed ring.
 *
 * The first 8 bytes choose the set-up (queue size, any from 1 to 256,
 * features, line size, ring layout, window kinds, indirect tables, link
 * addresses); every following byte group is one operation: the harness adds
 * chains (segments in the windows, sometimes outside, sometimes too many or
 * too long), the device completes them honestly (one by one, out of order,
 * or with IN_ORDER as one used descriptor for a batch), or writes any used
 * descriptor where the driver looks next, its event suppression word, or any
 * byte of either window (the driver's own ring and tables included); the
 * harness calls get_used, kick_prepare, enable/disable_notify, notify,
 * reclaim, or resets the queue.
 *
 * A packed ring in a cached window is refused: when the set-up puts the
 * ring or the indirect tables in one, the harness checks the refusal and
 * carries on with that window uncached.
 *
 * Invariants checked after every call:
 *  - the return value is exactly the predicted one (add: VOB_ENOSPC if and
 *    only if the chain needs more descriptors than are free, VOB_EINVAL for
 *    no segments, a NULL token or a total over 2^32 - 1; get_used: from the
 *    used descriptor where the driver looks, the rules of the format: wrap
 *    bits, id in range and in flight, IN_ORDER batches, length within the
 *    writable part; kick_prepare: the event suppression rule), and so is the
 *    fault code; after VOB_EPROTO (or a reclaim) every call returns VOB_EIO;
 *  - every token get_used returns is the one added with that id, written is
 *    at most that chain's writable length (0 when the device did not set
 *    WRITE; the whole writable length for chains an IN_ORDER batch covered
 *    without a descriptor of their own);
 *  - an add writes exactly its descriptors (address, length, id, flags with
 *    the driver's wrap bits; the id a free one, the ring position under
 *    IN_ORDER) and its indirect table, nothing else: window A is compared
 *    with a model after every call, so the driver never writes the device
 *    area, used descriptors it has not consumed, or its own fields twice;
 *  - the driver reads nothing of its own back: scribbles over its
 *    descriptors and tables change no prediction;
 *  - cache_clean covers only the chain being added; cache_invalidate only a
 *    writable buffer of the chain being returned;
 *  - at the end of the input, vob_vq_reclaim() returns every outstanding
 *    token once: tokens from get_used plus reclaim equal tokens added.
 */
#include "fuzz_common.h"

#define MAXQ 256u
#define MAXSEGS 48u
#define MAX_OPS 4096u
#define BURST_BUDGET 2048u

#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u
#define EV_ENABLE 0u
#define EV_DISABLE 1u
#define EV_DESC 2u

struct crec {
	void *token; /* non-NULL while outstanding */
	bool indirect;
	bool dev_done; /* the honest device completed it */
	uint16_t need; /* ring descriptors */
	unsigned n_out, n_in;
	uint32_t in_len;
	struct vob_seg segs[MAXSEGS];
};

struct region {
	uint8_t *p;
	size_t len;
};

static struct {
	struct vob_vq vq;
	struct vob_vq_cfg cfg;
	void *state;
	uint16_t size, imax;
	uint64_t feat;
	uint8_t *desc, *drv_ev, *dev_ev, *ind; /* library pointers */
	struct region freeA, freeB;
	/* model of the driver */
	bool broken;
	uint8_t fault;
	uint16_t avail_pos, last_used, nfree, in_flight, since_kick, kicked, ev_flags;
	uint8_t avail_wrap, used_wrap;
	bool batch;
	uint16_t batch_last, next_order;
	uint16_t start_pos; /* where the queue starts (vob_vq_cfg.start) */
	uint8_t start_wrap;
	uint32_t batch_len;
	struct fz_counts n; /* adds, useds, notifications, errors */
	/* token accounting over the whole input */
	uint64_t next_tok, added, returned, reclaimed;
	/* the honest device */
	uint16_t dev_pos;
	uint8_t dev_wrap;
	/* checking context */
	const struct crec *cur_add, *cur_ret;
	bool quiet;
	unsigned burst_left;
} v;

static struct crec recs[MAXQ];   /* by id */
static uint16_t order[MAXQ];     /* outstanding ids, oldest first */
static unsigned nout;
static uint8_t expA[FZ_A_SIZE];

static bool has(unsigned f)
{
	return (v.feat & VOB_BIT(f)) != 0;
}

static bool is_used(uint16_t f, uint8_t w)
{
	return (f & (F_AVAIL | F_USED)) == used_bits(w);
}

static uint16_t step(uint16_t pos, unsigned n, uint8_t *w)
{
	return fz_step(pos, n, v.size, w);
}

static uint16_t add_pos(uint16_t pos, unsigned n)
{
	unsigned p = pos + n;

	return (uint16_t)(p >= v.size ? p - v.size : p);
}

static void exp_write(uint8_t *lib_ptr, const void *src, size_t n)
{
	memcpy(expA + (lib_ptr - fz.a), src, n);
}

static void exp_w16(uint8_t *lib_ptr, uint16_t val)
{
	exp_write(lib_ptr, &val, 2);
}

static void exp_w32(uint8_t *lib_ptr, uint32_t val)
{
	exp_write(lib_ptr, &val, 4);
}

/* The device's writes: A and its expected copy, or B through the alias. */
static void dev_write(uint8_t *p, const void *src, size_t n)
{
	if (fz_in_a(p, n)) {
		memcpy(p, src, n);
		exp_write(p, src, n);
	} else {
		FZ_CHECK(fz_in_b(p, n), "harness: write outside the windows");
		memcpy(fz_writable(p), src, n);
	}
}

/* A used descriptor at @pos: id and length, then the flags. */
static void dev_used_desc(uint16_t pos, uint16_t id, uint32_t len, uint16_t flags)
{
	uint8_t *e = v.desc + 16u * pos;

	dev_write(e + 8, &len, 4);
	dev_write(e + 12, &id, 2);
	dev_write(e + 14, &flags, 2);
}

/* ---- checks ------------------------------------------------------------ */

static void check_state(const char *op)
{
	fz_check_counts(&v.vq, &v.n, op);
	FZ_CHECK(vob_vq_fault(&v.vq) == v.fault, "%s: fault %d, model %d", op,
		 vob_vq_fault(&v.vq), v.fault);
	/* Where a stop would resume: the next used entry and its wrap. */
	FZ_CHECK(v.fault || vob_vq_position(&v.vq) == fz_vq_start(v.last_used, v.used_wrap),
		 "%s: position 0x%x, used %u wrap %u", op, vob_vq_position(&v.vq), v.last_used,
		 v.used_wrap);
	if (!v.quiet)
		fz_expect_same(fz.a, expA, FZ_A_SIZE, "window A", op);
}

static void trace(const char *op, int got)
{
	fz_trace(&v.vq, op, got);
}

static void check_ret(int got, int want, const char *op)
{
	trace(op, got);
	FZ_CHECK(got == want, "%s returned %d, expected %d (fault %d)", op, got, want,
		 vob_vq_fault(&v.vq));
	if (got == VOB_EPROTO) {
		v.broken = true;
		v.n.errors++;
	}
}

static bool in_seg(const void *p, size_t n, const struct vob_seg *s)
{
	const struct vob_window *w;
	void *q = vob_link_translate(&fz.link, s->addr, s->len, 0, &w);

	return q && fz_within(p, n, q, s->len);
}

static void drv_on_clean(const void *p, size_t n)
{
	unsigned k;

	if (v.cur_add)
		for (k = 0; k < v.cur_add->n_out + v.cur_add->n_in; k++)
			if (in_seg(p, n, &v.cur_add->segs[k]))
				return;
	FZ_CHECK(0, "cache_clean(%p, %zu) outside the chain being added", p, n);
}

static void drv_on_invalidate(const void *p, size_t n)
{
	unsigned k;

	if (v.cur_ret)
		for (k = v.cur_ret->n_out; k < v.cur_ret->n_out + v.cur_ret->n_in; k++)
			if (in_seg(p, n, &v.cur_ret->segs[k]))
				return;
	FZ_CHECK(0, "cache_invalidate(%p, %zu) outside a writable buffer of the chain being "
		    "returned", p, n);
}

/* ---- driver operations ---------------------------------------------------- */

static uint64_t region_addr(const struct region *r, size_t off)
{
	return fz_addr_of(r->p + off);
}

static void do_add(struct fz_in *in)
{
	struct crec c;
	uint8_t m = fz_u8(in);
	unsigned n = (m & 0x80) ? fz_u8(in) % (MAXSEGS + 1u) : 1u + m % 6u, k;
	unsigned n_out = n ? fz_u8(in) % (n + 1u) : 0;
	bool null_tok = fz_u8(in) == 0xff;
	uint64_t total = 0;
	void *tok;
	unsigned need;
	int want, got;

	memset(&c, 0, sizeof(c));
	for (k = 0; k < n; k++) {
		uint8_t s = fz_u8(in);
		uint32_t len;
		const struct region *r = (s & 0x80) && v.freeB.len ? &v.freeB : &v.freeA;

		switch (s % 8) {
		case 6:
			len = 0xffffffffu - fz_u8(in);
			break;
		case 7:
			len = 0;
			break;
		default:
			len = 1u + fz_u8(in) % 128u;
			break;
		}
		if ((s & 0x40) && s % 8 < 6)
			c.segs[k].addr = fz_u64(in); /* anywhere: the driver does not check */
		else
			c.segs[k].addr = region_addr(r, fz_u16(in) % (r->len - 128u));
		c.segs[k].len = len;
		total += len;
	}
	c.n_out = n_out;
	c.n_in = n - n_out;
	for (k = n_out; k < n; k++)
		c.in_len += c.segs[k].len;
	c.indirect = v.imax && n > 1 && n <= v.imax;
	need = c.indirect ? 1u : n;
	c.need = (uint16_t)need;
	tok = null_tok ? NULL : (void *)(uintptr_t)(v.next_tok + 1u);

	if (v.broken)
		want = VOB_EIO;
	else if (!tok || n == 0 || total > 0xffffffffu)
		want = VOB_EINVAL;
	else if (need > v.nfree)
		want = VOB_ENOSPC;
	else
		want = 0;
	if (FZ_SKIP_MISUSE(!tok || n == 0))
		return;
	v.cur_add = &c;
	got = vob_vq_add(&v.vq, c.segs, c.n_out, c.n_in, tok);
	v.cur_add = NULL;
	check_ret(got, want, "vob_vq_add");
	if (got == 0) {
		uint16_t pos = v.avail_pos, id, p;
		uint8_t w = v.avail_wrap;
		struct crec *r;

		/* The id the driver chose is in the chain's last descriptor. */
		id = fz_rd16(v.desc + 16u * add_pos(pos, need - 1u) + 12);
		FZ_CHECK(id < v.size, "add: id %u out of range", id);
		FZ_CHECK(!recs[id].token, "add: id %u is in flight", id);
		if (has(VOB_F_IN_ORDER))
			FZ_CHECK(id == pos, "add: in order, id %u at position %u", id, pos);
		/* Model of the bytes it wrote. */
		if (c.indirect) {
			uint8_t *t = v.ind + (size_t)id * v.imax * 16u;
			uint64_t taddr = fz_addr_of(t);
			uint32_t tlen = n * 16u;
			uint16_t fl = (uint16_t)(DESC_F_INDIRECT | avail_bits(w)), zero = 0;

			for (k = 0; k < n; k++) {
				uint16_t tf = k >= n_out ? DESC_F_WRITE : 0u;

				exp_write(t + 16u * k, &c.segs[k].addr, 8);
				exp_write(t + 16u * k + 8, &c.segs[k].len, 4);
				exp_write(t + 16u * k + 12, &zero, 2);
				exp_write(t + 16u * k + 14, &tf, 2);
			}
			exp_write(v.desc + 16u * pos, &taddr, 8);
			exp_write(v.desc + 16u * pos + 8, &tlen, 4);
			exp_write(v.desc + 16u * pos + 12, &id, 2);
			exp_write(v.desc + 16u * pos + 14, &fl, 2);
		} else {
			p = pos;
			for (k = 0; k < n; k++) {
				uint16_t fl = (uint16_t)((k + 1 < n ? DESC_F_NEXT : 0u) |
							 (k >= n_out ? DESC_F_WRITE : 0u) |
							 avail_bits(w));

				exp_write(v.desc + 16u * p, &c.segs[k].addr, 8);
				exp_write(v.desc + 16u * p + 8, &c.segs[k].len, 4);
				exp_write(v.desc + 16u * p + 12, &id, 2);
				exp_write(v.desc + 16u * p + 14, &fl, 2);
				p = step(p, 1, &w);
			}
		}
		v.avail_pos = step(v.avail_pos, need, &v.avail_wrap);
		v.nfree = (uint16_t)(v.nfree - need);
		v.in_flight++;
		v.since_kick = (uint16_t)(v.since_kick + need > v.size ? v.size : v.since_kick + need);
		v.n.added++;
		v.next_tok++;
		v.added++;
		r = &recs[id];
		*r = c;
		r->token = tok;
		order[nout++] = id;
	}
	check_state("vob_vq_add");
}

/* Which chain get_used must return next, from the used descriptor where the
 * driver looks; the fault it must report otherwise. */
static int predict_used(uint16_t *head, uint32_t *written, int *fault)
{
	bool io = has(VOB_F_IN_ORDER);

	*fault = 0;
	if (v.broken)
		return VOB_EIO;
	if (!io || !v.batch) {
		const uint8_t *e = v.desc + 16u * v.last_used;
		uint16_t f = fz_rd16(e + 14), id = fz_rd16(e + 12);
		uint32_t len = (f & DESC_F_WRITE) ? fz_rd32(e + 8) : 0u;

		if (!is_used(f, v.used_wrap))
			return VOB_EAGAIN;
		if (id >= v.size) {
			*fault = VOB_FAULT_USED_ID;
			return VOB_EPROTO;
		}
		if (io) {
			unsigned k;

			for (k = 0; k < nout && order[k] != id; k++)
				;
			if (k == nout) {
				*fault = VOB_FAULT_IN_ORDER;
				return VOB_EPROTO;
			}
		} else if (!recs[id].token) {
			*fault = VOB_FAULT_USED_ID;
			return VOB_EPROTO;
		}
		if (len > recs[id].in_len) {
			*fault = VOB_FAULT_USED_LEN;
			return VOB_EPROTO;
		}
		v.batch = true;
		v.batch_last = id;
		v.batch_len = len;
	}
	*head = io ? order[0] : v.batch_last;
	/* A chain the batch skipped was used completely. */
	*written = recs[*head].in_len;
	if (*head == v.batch_last) {
		*written = v.batch_len;
		v.batch = false;
	}
	return 0;
}

static int do_get_used(uint8_t sel)
{
	void *tok = (void *)1;
	uint32_t written = 0xdeadbeefu, want_w = 0;
	uint16_t head = 0;
	bool saved_batch = v.batch;
	uint16_t saved_last = v.batch_last;
	uint32_t saved_len = v.batch_len;
	int want, got, fault;

	if (sel % 32 == 31 && !v.broken) {
		if (FZ_SKIP_MISUSE(true))
			return VOB_EINVAL;
		got = vob_vq_get_used(&v.vq, NULL, &written);
		check_ret(got, VOB_EINVAL, "vob_vq_get_used(NULL)");
		check_state("vob_vq_get_used");
		return got;
	}
	want = predict_used(&head, &want_w, &fault);
	if (want != 0) {
		/* Undo a batch the prediction opened on a failing path. */
		v.batch = saved_batch;
		v.batch_last = saved_last;
		v.batch_len = saved_len;
	}
	v.cur_ret = want == 0 ? &recs[head] : NULL;
	got = vob_vq_get_used(&v.vq, &tok, &written);
	v.cur_ret = NULL;
	if (got == VOB_EPROTO && !v.fault)
		v.fault = (uint8_t)fault;
	check_ret(got, want, "vob_vq_get_used");
	if (got == 0) {
		struct crec *r = &recs[head];
		unsigned k;

		FZ_CHECK(tok == r->token, "get_used: token %p, id %u holds %p", tok, head, r->token);
		FZ_CHECK(written == want_w, "get_used: written %u, expected %u", written, want_w);
		FZ_CHECK(written <= r->in_len, "get_used: written %u beyond %u", written, r->in_len);
		for (k = 0; k < nout && order[k] != head; k++)
			;
		FZ_CHECK(k < nout, "harness: returned id %u not outstanding", head);
		memmove(&order[k], &order[k + 1], (nout - k - 1u) * sizeof(order[0]));
		nout--;
		v.last_used = step(v.last_used, r->need, &v.used_wrap);
		v.nfree = (uint16_t)(v.nfree + r->need);
		v.in_flight--;
		v.n.used++;
		v.returned++;
		r->token = NULL;
	}
	check_state("vob_vq_get_used");
	return got;
}

static int predict_kick(void)
{
	uint16_t n = v.since_kick, flags;
	uint32_t ev;
	bool need;

	if (v.broken)
		return VOB_EIO;
	v.since_kick = 0;
	v.kicked = off_wrap(v.avail_pos, v.avail_wrap);
	ev = fz_rd32(v.dev_ev);
	flags = (uint16_t)((ev >> 16) & 3u);
	if (flags == EV_DISABLE) {
		need = false;
	} else if (flags == EV_DESC && has(VOB_F_EVENT_IDX) && n < v.size) {
		uint16_t off = (uint16_t)(ev & 0x7fffu), old = (uint16_t)(v.avail_pos - n);

		if (((ev >> 15) & 1u) != v.avail_wrap)
			off = (uint16_t)(off - v.size);
		need = (uint16_t)(v.avail_pos - off - 1u) < (uint16_t)(v.avail_pos - old);
	} else {
		need = n != 0;
	}
	if (need)
		v.n.nsent++;
	else if (n)
		v.n.nsupp++;
	return need;
}

static void op_kick(uint8_t sel)
{
	uint32_t data;

	bool rang = fz_op_kick(&v.vq, sel, predict_kick, check_ret);

	data = has(VOB_F_NOTIFICATION_DATA) ? v.cfg.index | ((uint32_t)v.kicked << 16)
					     : v.cfg.index;
	if (rang)
		FZ_CHECK(fz.doorbell_id == v.cfg.doorbell && fz.doorbell_data == data,
			 "doorbell %u data %#x, expected %u %#x", fz.doorbell_id, fz.doorbell_data,
			 v.cfg.doorbell, data);
	check_state("kick");
}

static void do_enable(void)
{
	int want, got;

	if (v.broken) {
		want = VOB_EIO;
	} else {
		if (has(VOB_F_EVENT_IDX)) {
			v.ev_flags = EV_DESC;
			exp_w32(v.drv_ev, off_wrap(v.last_used, v.used_wrap) | (EV_DESC << 16));
		} else if (v.ev_flags != EV_ENABLE) {
			v.ev_flags = EV_ENABLE;
			exp_w32(v.drv_ev, off_wrap(v.last_used, v.used_wrap));
		}
		want = is_used(fz_rd16(v.desc + 16u * v.last_used + 14), v.used_wrap) || v.batch;
	}
	got = vob_vq_enable_notify(&v.vq);
	check_ret(got, want, "vob_vq_enable_notify");
	check_state("vob_vq_enable_notify");
}

static void do_disable(void)
{
	if (!v.broken && v.ev_flags != EV_DISABLE) {
		v.ev_flags = EV_DISABLE;
		exp_w32(v.drv_ev, off_wrap(v.last_used, v.used_wrap) | (EV_DISABLE << 16));
	}
	vob_vq_disable_notify(&v.vq);
	check_state("vob_vq_disable_notify");
}

/* Take back every outstanding token; the queue is then dead until reset. */
static void do_reclaim(void)
{
	void *tok;
	unsigned got = 0;

	while ((tok = vob_vq_reclaim(&v.vq)) != NULL) {
		unsigned k;

		for (k = 0; k < nout && recs[order[k]].token != tok; k++)
			;
		FZ_CHECK(k < nout, "reclaim returned %p, not outstanding", tok);
		recs[order[k]].token = NULL;
		memmove(&order[k], &order[k + 1], (nout - k - 1u) * sizeof(order[0]));
		nout--;
		got++;
		v.reclaimed++;
	}
	FZ_CHECK(nout == 0, "reclaim left %u tokens outstanding", nout);
	v.broken = true; /* every later call: VOB_EIO */
	(void)got;
	check_state("vob_vq_reclaim");
}

/* ---- the device's operations ------------------------------------------------ */

/* Complete honestly: the next outstanding chain the device has not
 * completed (the oldest under IN_ORDER, else one chosen by @sel), or with
 * IN_ORDER a batch of them with one used descriptor. */
static void op_complete(struct fz_in *in)
{
	uint8_t sel = fz_u8(in), lsel = fz_u8(in);
	unsigned k, cand[MAXQ], nc = 0, batch = 1;
	struct crec *r;
	uint16_t id, need = 0;
	uint32_t len;

	for (k = 0; k < nout; k++)
		if (!recs[order[k]].dev_done)
			cand[nc++] = order[k];
	if (!nc)
		return;
	if (has(VOB_F_IN_ORDER)) {
		batch = 1u + (sel >> 2) % nc;
		id = (uint16_t)cand[batch - 1];
		for (k = 0; k < batch; k++) {
			recs[cand[k]].dev_done = true;
			need = (uint16_t)(need + recs[cand[k]].need);
		}
	} else {
		id = (uint16_t)cand[sel % nc];
		recs[id].dev_done = true;
		need = recs[id].need;
	}
	r = &recs[id];
	switch (lsel % 4) {
	case 0:
		len = 0;
		break;
	case 1:
		len = r->in_len;
		break;
	default:
		len = (uint32_t)(fz_u32(in) % ((uint64_t)r->in_len + 1u));
		break;
	}
	dev_used_desc(v.dev_pos, id, len,
		      (uint16_t)(used_bits(v.dev_wrap) | (len || (lsel & 4) ? DESC_F_WRITE : 0u)));
	v.dev_pos = step(v.dev_pos, need, &v.dev_wrap);
}

/* A used descriptor where the driver looks next (or where the honest device
 * would write), with any id, length and flags. */
static void op_used_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t pos = (m & 1) ? v.dev_pos : v.last_used;
	uint8_t w = (m & 1) ? v.dev_wrap : v.used_wrap;
	uint16_t id, flags;
	uint32_t len;

	switch ((m >> 1) % 4) {
	case 0:
		id = nout ? order[fz_u8(in) % nout] : 0;
		break;
	case 1:
		id = (uint16_t)(fz_u16(in) % (v.size + 2u));
		break;
	default:
		id = fz_u16(in);
		break;
	}
	switch ((m >> 3) % 4) {
	case 0:
		len = 0;
		break;
	case 1:
		len = recs[id % MAXQ].in_len + (fz_u8(in) % 3u);
		break;
	default:
		len = fz_u32(in);
		break;
	}
	switch ((m >> 5) % 4) {
	case 0:
	case 1:
		flags = (uint16_t)(used_bits(w) | (fz_u8(in) & 7u));
		break;
	case 2: /* the other lap, or available-looking */
		flags = (uint16_t)((fz_u8(in) & 1) ? used_bits((uint8_t)!w) : avail_bits(w));
		break;
	default:
		flags = fz_u16(in);
		break;
	}
	dev_used_desc(pos, id, len, flags);
}

static void op_event(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t off, flags;

	switch (m % 4) {
	case 0:
		off = off_wrap(v.avail_pos, v.avail_wrap);
		break;
	case 1:
		off = off_wrap((uint16_t)(fz_u8(in) % v.size), (uint8_t)((m >> 2) & 1));
		break;
	default:
		off = fz_u16(in);
		break;
	}
	flags = (m & 0x80) ? fz_u16(in) : (uint16_t)((m >> 4) % 4u);
	dev_write(v.dev_ev, &off, 2);
	dev_write(v.dev_ev + 2, &flags, 2);
}

/* Any bytes anywhere: the device area, the ring, the driver's tables and
 * event word, buffers. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), buf[16];
	unsigned n = 1u + fz_u8(in) % 16u, k;
	uint8_t *base;
	size_t len;

	switch (m % 5) {
	case 0:
		base = fz.a;
		len = FZ_A_SIZE;
		break;
	case 1:
		base = fz.b;
		len = FZ_B_SIZE;
		break;
	case 2:
		base = v.desc;
		len = VOB_PACKED_DESC_BYTES(v.size);
		break;
	case 3:
		base = v.drv_ev;
		len = VOB_PACKED_DRIVER_BYTES;
		break;
	default:
		if (!v.ind)
			return;
		base = v.ind;
		len = (size_t)v.size * v.imax * 16u;
		break;
	}
	if (n > len)
		n = (unsigned)len;
	for (k = 0; k < n; k++)
		buf[k] = fz_u8(in);
	dev_write(base + fz_u16(in) % (len - n + 1u), buf, n);
}

/* Many one-segment chains added, completed and collected in a row. */
static void op_burst(struct fz_in *in)
{
	unsigned count = 1u + 2u * fz_u8(in), i;
	uint8_t sel = fz_u8(in);

	if (count > v.burst_left)
		count = v.burst_left;
	v.burst_left -= count;
	v.quiet = true;
	for (i = 0; i < count && !v.broken; i++) {
		uint8_t buf[16] = { 0x00, 0x01, 0x20, 0x00 };
		struct fz_in sub = { buf, sizeof(buf) };

		buf[0] = 0;                 /* one segment */
		buf[1] = (uint8_t)(i & 1);  /* readable or writable */
		buf[2] = 0;                 /* a token */
		buf[3] = 1;                 /* in A */
		buf[4] = (uint8_t)(i * 8u); /* length and place */
		buf[5] = (uint8_t)i;
		buf[6] = 0;
		if (v.nfree == 0 || nout == MAXQ)
			break;
		do_add(&sub);
		buf[0] = (uint8_t)(sel & 1); /* complete: first candidate */
		buf[1] = 1;                  /* whole writable length */
		sub.p = buf;
		sub.n = sizeof(buf);
		op_complete(&sub);
		if (do_get_used(0) != 0)
			break;
	}
	v.quiet = false;
	check_state("burst");
}

/* ---- set-up ---------------------------------------------------------------- */

static void drv_init(void)
{
	unsigned i;
	int err;

	for (i = 0; i < MAXQ; i++)
		memset(&recs[i], 0, sizeof(recs[i]));
	nout = 0;
	v.broken = false;
	v.fault = 0;
	/* A queue resumed at v.start_pos with wrap counter v.start_wrap (a
	 * fresh one at 0 with 1); with IN_ORDER, ids are ring positions. */
	v.avail_pos = v.last_used = v.next_order = v.dev_pos = v.start_pos;
	v.avail_wrap = v.used_wrap = v.dev_wrap = v.start_wrap;
	v.since_kick = 0;
	v.nfree = v.size;
	v.in_flight = 0;
	v.batch = false;
	v.kicked = off_wrap(v.start_pos, v.start_wrap);
	v.ev_flags = has(VOB_F_EVENT_IDX) ? EV_DESC : EV_ENABLE;
	v.n = (struct fz_counts){ 0 };
	v.cfg.start = fz_vq_start(v.start_pos, v.start_wrap);
	err = vob_vq_init(&v.vq, &fz.link, &v.cfg, v.state, VOB_VQ_STATE_SIZE(v.size, v.imax));
	FZ_CHECK(err == 0, "vob_vq_init: %d", err);
	FZ_CHECK(vob_vq_position(&v.vq) == v.cfg.start, "vob_vq_position after init: 0x%x, start 0x%x",
		 vob_vq_position(&v.vq), v.cfg.start);
	/* The driver writes the ring as the lap before left it (every
	 * descriptor used: before the start with this lap's wrap counter,
	 * from it with the previous one; all zero for a fresh ring) and its
	 * event structure. */
	memset(expA + (v.desc - fz.a), 0, VOB_PACKED_DESC_BYTES(v.size));
	for (i = 0; i < v.size; i++)
		exp_w16(v.desc + 16u * i + 14u,
			used_bits((uint8_t)(i < v.start_pos ? v.start_wrap : !v.start_wrap)));
	exp_w32(v.drv_ev, off_wrap(v.start_pos, v.start_wrap) | ((uint32_t)v.ev_flags << 16));
	check_state("vob_vq_init");
}

static void check_refused(void)
{
	struct vob_seg s = { fz.a_base, 1 };
	int err = vob_vq_init(&v.vq, &fz.link, &v.cfg, v.state,
			      VOB_VQ_STATE_SIZE(v.size, v.imax));

	FZ_CHECK(err == VOB_ENOTSUP, "a packed ring in a cached window: init returned %d", err);
	FZ_CHECK(vob_vq_add(&v.vq, &s, 1, 0, &s) == VOB_EIO, "refused queue: add did not fail");
	fz_expect_same(fz.a, expA, FZ_A_SIZE, "window A", "refused init");
}

static void drv_setup(struct fz_in *in)
{
	uint8_t h[8];
	size_t L, ring, dbytes, ind_bytes;
	unsigned k;

	for (k = 0; k < 8; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[7], h[4], h[2], h[5]);
	L = fz.line;
	memset(expA, 0, sizeof(expA));
	memset(&v.cfg, 0, sizeof(v.cfg));
	v.size = (h[0] & 0x80) ? (uint16_t)(1u + (h[0] & 0x7f)) : (uint16_t)(1u << (h[0] % 9u));
	v.feat = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_RING_PACKED);
	if (h[1] & 1)
		v.feat |= VOB_BIT(VOB_F_EVENT_IDX);
	if (h[1] & 2)
		v.feat |= VOB_BIT(VOB_F_INDIRECT_DESC);
	if (h[1] & 4)
		v.feat |= VOB_BIT(VOB_F_IN_ORDER);
	if (h[1] & 8)
		v.feat |= VOB_BIT(VOB_F_NOTIFICATION_DATA);
	/* Indirect tables: up to 8 entries each, at most a quarter of A. */
	v.imax = (h[1] & 2) && (h[6] % 8u) > 1 ? (uint16_t)(h[6] % 8u) : 0;
	while (v.imax && (size_t)v.size * v.imax * 16u > FZ_A_SIZE / 4u)
		v.imax--;
	if (v.imax == 1)
		v.imax = 0;
	fz_packed_start(h[1], v.size, &v.start_pos, &v.start_wrap);
	ind_bytes = VOB_ALIGN_UP((size_t)v.size * v.imax * 16u, L);

	dbytes = VOB_ALIGN_UP(VOB_PACKED_DESC_BYTES(v.size), L);
	ring = VOB_PACKED_RING_BYTES(v.size, L);
	switch (h[3] % 3) {
	case 0: /* one contiguous ring, then the tables, at the start of A */
		v.desc = fz.a;
		v.drv_ev = fz.a + VOB_PACKED_DRIVER_OFF(v.size, L);
		v.dev_ev = fz.a + VOB_PACKED_DEVICE_OFF(v.size, L);
		v.ind = fz.a + ring;
		v.freeA.p = fz.a + ring + ind_bytes;
		v.freeA.len = FZ_A_SIZE - ring - ind_bytes;
		v.freeB.p = fz.b;
		v.freeB.len = FZ_B_SIZE;
		break;
	case 1: /* the device area in the read-only window */
		v.desc = fz.a;
		v.drv_ev = fz.a + dbytes;
		v.ind = fz.a + dbytes + L;
		v.dev_ev = fz.b;
		v.freeA.p = v.ind + ind_bytes;
		v.freeA.len = FZ_A_SIZE - dbytes - L - ind_bytes;
		v.freeB.p = fz.b + L;
		v.freeB.len = FZ_B_SIZE - L;
		break;
	default: /* the ring at the very end of A, the tables at its start */
		v.desc = fz.a + FZ_A_SIZE - ring;
		v.drv_ev = v.desc + VOB_PACKED_DRIVER_OFF(v.size, L);
		v.dev_ev = v.desc + VOB_PACKED_DEVICE_OFF(v.size, L);
		v.ind = fz.a;
		v.freeA.p = fz.a + ind_bytes;
		v.freeA.len = FZ_A_SIZE - ring - ind_bytes;
		v.freeB.p = fz.b;
		v.freeB.len = FZ_B_SIZE;
		break;
	}
	if (!v.imax)
		v.ind = NULL;
	v.cfg.role = VOB_ROLE_DRIVER;
	v.cfg.index = 7;
	v.cfg.size = v.size;
	v.cfg.doorbell = 4;
	v.cfg.features = v.feat;
	v.cfg.desc_addr = fz_addr_of(v.desc);
	v.cfg.driver_addr = fz_addr_of(v.drv_ev);
	v.cfg.device_addr = fz_addr_of(v.dev_ev);
	v.cfg.indirect_addr = v.ind ? fz_addr_of(v.ind) : 0;
	v.cfg.indirect_max = v.imax;
	free(v.state);
	v.state = malloc(VOB_VQ_STATE_SIZE(v.size, v.imax));
	if (fz.a_kind == VOB_MEM_CACHED || (h[3] % 3 == 1 && fz.b_kind == VOB_MEM_CACHED)) {
		uint8_t ka = fz.a_kind == VOB_MEM_CACHED ? VOB_MEM_UNCACHED : fz.a_kind;
		uint8_t kb = h[3] % 3 == 1 && fz.b_kind == VOB_MEM_CACHED ? VOB_MEM_UNCACHED
									   : fz.b_kind;

		check_refused();
		fz_env_reset(h[7], (uint8_t)(ka + 3u * kb + 9u * ((h[4] / 9u) % 2u)), h[2], h[5]);
		memset(expA, 0, sizeof(expA));
	}
	fz.on_clean = drv_on_clean;
	fz.on_invalidate = drv_on_invalidate;
	v.quiet = false;
	v.cur_add = v.cur_ret = NULL;
	v.burst_left = BURST_BUDGET;
	v.next_tok = v.added = v.returned = v.reclaimed = 0;
	drv_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	drv_setup(&in);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		switch (op % 16) {
		case 0:
		case 1:
		case 2:
			do_add(&in);
			break;
		case 3:
		case 4:
			op_complete(&in);
			break;
		case 5:
		case 6:
			do_get_used(fz_u8(&in));
			break;
		case 7:
			op_used_raw(&in);
			break;
		case 8:
			op_event(&in);
			break;
		case 9:
			op_raw(&in);
			break;
		case 10:
			op_kick(fz_u8(&in));
			break;
		case 11:
			do_enable();
			break;
		case 12:
			do_disable();
			break;
		case 13:
			op_burst(&in);
			break;
		case 14: { /* collect everything there is */
			unsigned k;

			for (k = 0; k < MAXQ && do_get_used(0) == 0; k++)
				;
			break;
		}
		default: /* reclaim and start over */
			if (fz_u8(&in) % 4 == 0) {
				do_reclaim();
				drv_init();
			}
			break;
		}
	}
	/* Every token comes back exactly once. */
	if (!v.broken || nout)
		do_reclaim();
	FZ_CHECK(v.returned + v.reclaimed == v.added, "tokens: %llu added, %llu returned, %llu "
		 "reclaimed", (unsigned long long)v.added, (unsigned long long)v.returned,
		 (unsigned long long)v.reclaimed);
	return 0;
}

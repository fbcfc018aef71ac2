/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_packed_device: the input plays a hostile DRIVER against the device
 * role of the packed ring.
 *
 * The first 8 bytes choose the set-up (queue size, any from 1 to 256,
 * features, line size, ring layout, window kinds, DMA behaviour, seg_max,
 * link addresses); every following byte group is one operation: the hostile
 * driver writes well-formed chains (direct or indirect, published or not,
 * with the right or the wrong wrap bits, with free or busy ids), any
 * descriptor, its event suppression structure, or any byte of either
 * window; or the harness calls the device API.
 *
 * A packed ring in a cached window is refused: when the set-up puts a ring
 * area in one, the harness checks the refusal (VOB_ENOTSUP, then VOB_EIO on
 * every call) and carries on with that window uncached.
 *
 * The harness keeps a model of the device and checks, after every call:
 *  - the return value is exactly the one the model predicts (0, 1, or the
 *    documented negative error), and so is the fault code; after VOB_EPROTO
 *    every call is VOB_EIO;
 *  - a popped chain is the one a reference walk of the ring gives (wrap
 *    bits, chain length against the ring and the descriptors in flight,
 *    seg_max, indirect rules, directions, lengths, windows): same segments,
 *    pointers, lengths and flags; every iov lies wholly inside a window
 *    (writable ones inside the read/write window);
 *  - window A holds exactly what the model expects: the device writes only
 *    the id, length and flags of one used descriptor per push at its used
 *    position, its event suppression word, and the bytes vob_chain_push()
 *    was asked to copy; window B is mapped read-only, both windows sit
 *    between guard pages;
 *  - vob_chain_pull() fills exactly the expected bytes of local memory;
 *  - cache_clean only covers a chain's writable buffers;
 *  - the counters match the model.
 */
#include "fuzz_common.h"

#define MAXQ 256u
#define MAXCAP 512u
#define MAX_OPS 4096u
#define BURST_BUDGET 2048u

#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u
#define EV_ENABLE 0u
#define EV_DISABLE 1u
#define EV_DESC 2u

struct rec {
	struct vob_chain ch;
	struct vob_iov *iov; /* exactly ch.cap entries (ASan sees overruns) */
	uint8_t state;       /* 0: none, 1: in flight, 2: pushed */
	uint16_t ndesc;      /* ring descriptors of the chain */
};

struct region {
	uint8_t *p; /* library's pointer */
	size_t len;
};

static struct {
	struct vob_vq vq;
	struct vob_vq_cfg cfg;
	void *state;
	uint16_t size, seg_max;
	uint64_t feat;
	uint8_t *desc, *drv_ev, *dev_ev; /* ring areas (library pointers) */
	struct region freeA, freeB;
	/* model of the device */
	bool broken;
	uint8_t fault;
	uint16_t last_avail, used_idx, ring_busy, since_kick, kicked, ev_flags;
	uint8_t avail_wrap, used_wrap;
	struct fz_counts n; /* pops (added), pushes (used), notifications, errors */
	uint16_t fifo[MAXQ]; /* ids in flight, oldest first */
	unsigned fifo_n;
	/* where the queue starts (vob_vq_cfg.start): position and wrap */
	uint16_t start_pos;
	uint8_t start_wrap;
	/* the hostile driver's own cursor for well-formed chains */
	uint16_t drv_pos;
	uint8_t drv_wrap;
	bool pend;           /* a chain whose head is not published yet */
	uint16_t pend_pos, pend_flags;
	/* checking context */
	bool quiet;
	unsigned burst_left;
} d;

static struct rec recs[MAXQ];
static uint8_t expA[FZ_A_SIZE];

static bool has(unsigned f)
{
	return (d.feat & VOB_BIT(f)) != 0;
}

static bool is_avail(uint16_t f, uint8_t w)
{
	return (f & (F_AVAIL | F_USED)) == avail_bits(w);
}

static uint16_t step(uint16_t pos, unsigned n, uint8_t *w)
{
	return fz_step(pos, n, d.size, w);
}

/* ---- the hostile driver's writes ---------------------------------------- */

/* Write @n bytes at library pointer @p (in A or B): A and its expected copy,
 * or B through the writable alias. */
static void drv_write(uint8_t *p, const void *src, size_t n)
{
	if (fz_in_a(p, n)) {
		memcpy(p, src, n);
		memcpy(expA + (p - fz.a), src, n);
	} else {
		FZ_CHECK(fz_in_b(p, n), "harness: write outside the windows");
		memcpy(fz_writable(p), src, n);
	}
}

static void drv_w16(uint8_t *p, uint16_t v)
{
	drv_write(p, &v, 2);
}

/* A descriptor at ring position @i (or entry @i of a table): body, then the
 * flags as one store. */
static void drv_desc_write(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t id,
			   uint16_t flags)
{
	uint8_t e[14];

	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 4);
	memcpy(e + 12, &id, 2);
	drv_write(table + 16u * i, e, 14);
	drv_w16(table + 16u * i + 14, flags);
}

static void exp_w16(uint8_t *lib_ptr, uint16_t v)
{
	memcpy(expA + (lib_ptr - fz.a), &v, 2);
}

static void exp_w32(uint8_t *lib_ptr, uint32_t v)
{
	memcpy(expA + (lib_ptr - fz.a), &v, 4);
}

static uint64_t region_addr(const struct region *r, size_t off)
{
	return fz_addr_of(r->p + off);
}

/* A link address for a descriptor of @len bytes: mostly inside a buffer
 * region, sometimes anywhere, at a window's edge, or outside. */
static uint64_t gen_addr(struct fz_in *in, uint32_t len)
{
	uint8_t m = fz_u8(in);
	const struct region *r = (m & 0x80) && d.freeB.len ? &d.freeB : &d.freeA;
	size_t room;

	switch (m % 8) {
	case 0:
	case 1:
	case 2:
		room = len < r->len ? r->len - len : 0;
		return region_addr(r, fz_u16(in) % (room + 1));
	case 3:
		return fz.a_base + fz_u16(in) % FZ_A_SIZE;
	case 4:
		return fz.b_base + fz_u16(in) % FZ_B_SIZE;
	case 5:
		return ((m & 0x40) ? fz.b_base + FZ_B_SIZE : fz.a_base + FZ_A_SIZE) -
		       fz_u8(in) % 65u;
	case 6:
		return fz_u64(in);
	default:
		return (m & 0x40) ? fz.a_base - 1u - fz_u8(in) : fz.b_base + FZ_B_SIZE + fz_u8(in);
	}
}

static uint32_t gen_len(struct fz_in *in)
{
	uint8_t m = fz_u8(in);

	switch (m % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		return fz_u8(in) % 65u;
	case 4:
		return fz_u16(in) % 4097u;
	case 5:
		return 0;
	case 6:
		return 0xffffffffu - fz_u8(in);
	default:
		return fz_u32(in);
	}
}

/* Flags for a descriptor at a position whose wrap is @w: right, wrong lap,
 * used-looking, or anything. */
static uint16_t gen_bits(uint8_t m, uint8_t w, struct fz_in *in)
{
	switch (m % 8) {
	case 5:
		return avail_bits((uint8_t)!w);
	case 6:
		return used_bits((uint8_t)(m & 8 ? w : !w));
	case 7:
		return (uint16_t)(fz_u16(in) & (F_AVAIL | F_USED));
	default:
		return avail_bits(w);
	}
}

/* ---- reference walk ------------------------------------------------------ */

static struct {
	struct vob_iov iov[MAXCAP];
	unsigned nseg, n_out, n_in;
	uint64_t out_len, in_len;
	uint16_t ndesc, id, pos;
	uint8_t wrap;
} ref;

static bool ref_translate(uint64_t addr, uint64_t len, bool wr, uint8_t **p, uint32_t *cflag)
{
	uint64_t off;

	if (addr >= fz.a_base && (off = addr - fz.a_base) < FZ_A_SIZE && len <= FZ_A_SIZE - off) {
		*p = fz.a + off;
		*cflag = fz.a_kind == VOB_MEM_CACHED ? VOB_IOV_CACHED : 0u;
		return true;
	}
	if (!wr && addr >= fz.b_base && (off = addr - fz.b_base) < FZ_B_SIZE &&
	    len <= FZ_B_SIZE - off) {
		*p = fz.b + off;
		*cflag = fz.b_kind == VOB_MEM_CACHED ? VOB_IOV_CACHED : 0u;
		return true;
	}
	return false;
}

/* One segment of the reference chain (@ind: from an indirect table); a fault
 * code or 0. */
static int ref_seg(uint64_t addr, uint32_t len, bool wr, bool ind, bool *seen_write)
{
	uint8_t *p;
	uint32_t cflag;

	if (wr) {
		ref.in_len += len;
		*seen_write = true;
	} else {
		/* Readable after writable is refused even when the writable one
		 * was empty. */
		if (*seen_write)
			return VOB_FAULT_DIRECTION;
		ref.out_len += len;
	}
	if (ref.out_len + ref.in_len > 0xffffffffu)
		return VOB_FAULT_LEN_OVERFLOW;
	if (!len)
		return 0;
	if (!ref_translate(addr, len, wr, &p, &cflag))
		return VOB_FAULT_ADDRESS;
	ref.iov[ref.nseg].base = p;
	ref.iov[ref.nseg].len = len;
	ref.iov[ref.nseg].flags = (wr ? VOB_IOV_WRITE : 0u) | cflag | (ind ? VOB_IOV_INDIRECT : 0u);
	ref.nseg++;
	if (wr)
		ref.n_in++;
	else
		ref.n_out++;
	return 0;
}

/* Walk the chain at last_avail the way the packed format and the issue's
 * rules say a device must accept it: 0, or the fault a device must report. */
static int ref_walk(void)
{
	uint16_t pos = d.last_avail, flags = fz_rd16(d.desc + 16u * pos + 14);
	uint8_t wrap = d.avail_wrap;
	bool seen_write = false;
	unsigned k = 0;
	int f;

	ref.nseg = ref.n_out = ref.n_in = 0;
	ref.out_len = ref.in_len = 0;
	for (;;) {
		const uint8_t *e = d.desc + 16u * pos;
		uint64_t addr;
		uint32_t len;

		if (k == d.size)
			return VOB_FAULT_LOOP;
		if (k + d.ring_busy >= d.size)
			return VOB_FAULT_AVAIL_IDX;
		if (k) {
			flags = fz_rd16(e + 14);
			if (!is_avail(flags, wrap))
				return VOB_FAULT_PACKED_WRAP;
		}
		addr = fz_rd64(e);
		len = fz_rd32(e + 8);
		ref.id = fz_rd16(e + 12);
		k++;
		pos = step(pos, 1, &wrap);
		if (flags & DESC_F_INDIRECT) {
			uint8_t *t;
			uint32_t cflag, i;

			if (!has(VOB_F_INDIRECT_DESC) || (flags & DESC_F_NEXT) || k > 1)
				return VOB_FAULT_INDIRECT;
			if (len == 0 || len % 16u || len / 16u > d.seg_max)
				return VOB_FAULT_INDIRECT_LEN;
			if (!ref_translate(addr, len, false, &t, &cflag))
				return VOB_FAULT_ADDRESS;
			for (i = 0; i < len / 16u; i++) {
				uint16_t tf = fz_rd16(t + 16u * i + 14);

				if (tf & DESC_F_INDIRECT)
					return VOB_FAULT_INDIRECT_NESTED;
				f = ref_seg(fz_rd64(t + 16u * i), fz_rd32(t + 16u * i + 8),
					    (tf & DESC_F_WRITE) != 0, true, &seen_write);
				if (f)
					return f;
			}
			break;
		}
		if (k > d.seg_max)
			return VOB_FAULT_TOO_LONG;
		f = ref_seg(addr, len, (flags & DESC_F_WRITE) != 0, false, &seen_write);
		if (f)
			return f;
		if (!(flags & DESC_F_NEXT))
			break;
	}
	ref.ndesc = (uint16_t)k;
	ref.pos = pos;
	ref.wrap = wrap;
	if (ref.id >= d.size)
		return VOB_FAULT_HEAD_RANGE;
	if (recs[ref.id].state == 1)
		return VOB_FAULT_HEAD_BUSY;
	return 0;
}

/* ---- checks after every call --------------------------------------------- */

static void check_state(const char *op)
{
	fz_check_counts(&d.vq, &d.n, op);
	FZ_CHECK(vob_vq_fault(&d.vq) == d.fault, "%s: fault %d, model %d", op,
		 vob_vq_fault(&d.vq), d.fault);
	/* Where a stop would resume: the next used entry and its wrap. */
	FZ_CHECK(d.fault || vob_vq_position(&d.vq) == fz_vq_start(d.used_idx, d.used_wrap),
		 "%s: position 0x%x, used %u wrap %u", op, vob_vq_position(&d.vq), d.used_idx,
		 d.used_wrap);
	if (!d.quiet)
		fz_expect_same(fz.a, expA, FZ_A_SIZE, "window A", op);
}

static void trace(const char *op, int got)
{
	fz_trace(&d.vq, op, got);
}

static void check_ret(int got, int want, const char *op)
{
	trace(op, got);
	FZ_CHECK(got == want, "%s returned %d, expected %d (fault %d)", op, got, want,
		 vob_vq_fault(&d.vq));
	if (got == VOB_EPROTO) {
		d.broken = true;
		d.n.errors++;
	}
}

/* Cache cleans: a writable buffer of the chain being written by
 * vob_chain_push() (the ring is never in a cached window). */
static void dev_on_clean(const void *p, size_t n)
{
	if (fz_in_push_chain(p, n))
		return;
	FZ_CHECK(0, "cache_clean(%p, %zu) outside the chain's writable buffers", p, n);
}

/* ---- device operations --------------------------------------------------- */

static int predict_pop(uint16_t cap, int *fault)
{
	*fault = 0;
	if (d.broken)
		return VOB_EIO;
	if (cap < d.seg_max)
		return VOB_EINVAL;
	if (!is_avail(fz_rd16(d.desc + 16u * d.last_avail + 14), d.avail_wrap))
		return VOB_EAGAIN;
	*fault = ref_walk();
	return *fault ? VOB_EPROTO : 0;
}

static void check_chain(const struct vob_chain *ch, uint16_t cap)
{
	uint64_t out = 0, in = 0;
	unsigned k, n = (unsigned)ch->n_out + ch->n_in;

	/* Independent of the reference: where the segments are and their sums. */
	FZ_CHECK(n <= cap, "pop: %u segments in a chain of cap %u", n, cap);
	for (k = 0; k < n; k++) {
		const struct vob_iov *v = &ch->iov[k];
		bool wr = (v->flags & VOB_IOV_WRITE) != 0;

		FZ_CHECK(v->len > 0, "pop: zero-length iov %u", k);
		FZ_CHECK(wr == (k >= ch->n_out), "pop: iov %u direction %u with n_out %u", k,
			 v->flags, ch->n_out);
		if (wr)
			FZ_CHECK(fz_in_a(v->base, v->len), "pop: writable iov %u (%p, %u) not wholly "
				 "inside the read/write window", k, v->base, v->len);
		else
			FZ_CHECK(fz_in_a(v->base, v->len) || fz_in_b(v->base, v->len),
				 "pop: iov %u (%p, %u) not wholly inside a window", k, v->base,
				 v->len);
		if (wr)
			in += v->len;
		else
			out += v->len;
	}
	FZ_CHECK(out == ch->out_len && in == ch->in_len, "pop: out_len %u in_len %u, iovs sum "
		 "to %llu %llu", ch->out_len, ch->in_len, (unsigned long long)out,
		 (unsigned long long)in);
	/* Against the reference walk. */
	FZ_CHECK(ch->n_out == ref.n_out && ch->n_in == ref.n_in &&
			 ch->out_len == ref.out_len && ch->in_len == ref.in_len,
		 "pop: chain %u+%u (%u, %u bytes), reference %u+%u (%llu, %llu)", ch->n_out,
		 ch->n_in, ch->out_len, ch->in_len, ref.n_out, ref.n_in,
		 (unsigned long long)ref.out_len, (unsigned long long)ref.in_len);
	for (k = 0; k < n; k++)
		FZ_CHECK(ch->iov[k].base == ref.iov[k].base && ch->iov[k].len == ref.iov[k].len &&
				 ch->iov[k].flags == ref.iov[k].flags,
			 "pop: iov %u is (%p, %u, %u), reference (%p, %u, %u)", k, ch->iov[k].base,
			 ch->iov[k].len, ch->iov[k].flags, ref.iov[k].base, ref.iov[k].len,
			 ref.iov[k].flags);
}

/* Pop one chain; returns what vob_vq_pop() returned. */
static int do_pop(uint8_t sel)
{
	uint16_t cap = d.seg_max;
	struct vob_iov *iov;
	struct vob_chain ch;
	int want, got, fault;

	if (sel % 16 == 15)
		cap--; /* below seg_max: VOB_EINVAL */
	else if ((unsigned)cap + (sel >> 4) % 4u <= MAXCAP)
		cap = (uint16_t)(cap + (sel >> 4) % 4u);
	iov = malloc(((size_t)cap + 1u) * sizeof(*iov)); /* +1: malloc(0) may be NULL */
	memset(iov, 0xaa, ((size_t)cap + 1u) * sizeof(*iov));
	memset(&ch, 0xee, sizeof(ch));
	ch.iov = iov;
	ch.cap = cap;
	if (FZ_SKIP_MISUSE(cap < d.seg_max)) {
		free(iov);
		return VOB_EINVAL;
	}
	want = predict_pop(cap, &fault);
	got = vob_vq_pop(&d.vq, &ch);
	if (got == VOB_EPROTO && !d.fault)
		d.fault = (uint8_t)fault;
	check_ret(got, want, "vob_vq_pop");
	if (got == 0) {
		struct rec *r = &recs[ref.id];

		FZ_CHECK(ch.head == ref.id, "pop: id %u, the ring says %u", ch.head, ref.id);
		check_chain(&ch, cap);
		free(r->iov);
		r->iov = iov;
		r->ch = ch;
		r->state = 1;
		r->ndesc = ref.ndesc;
		d.fifo[d.fifo_n++] = ref.id;
		d.last_avail = ref.pos;
		d.avail_wrap = ref.wrap;
		d.ring_busy = (uint16_t)(d.ring_busy + ref.ndesc);
		d.n.added++;
	} else {
		free(iov);
	}
	check_state("vob_vq_pop");
	return got;
}

static int predict_push(const struct rec *r, uint32_t written)
{
	if (d.broken)
		return VOB_EIO;
	if (r->state != 1 || written > r->ch.in_len)
		return VOB_EINVAL;
	if (has(VOB_F_IN_ORDER) && r->ch.head != d.fifo[0])
		return VOB_EINVAL;
	return 0;
}

static void do_push(struct rec *r, uint32_t written)
{
	int want = predict_push(r, written), got;
	uint16_t id = r->ch.head;

	/* VOB_EINVAL: a chain not in flight, more written than its writable
	 * length or out of order; the harness chose them. */
	if (FZ_SKIP_MISUSE(want == VOB_EINVAL))
		return;
	got = vob_vq_push(&d.vq, &r->ch, written);
	check_ret(got, want, "vob_vq_push");
	if (got == 0) {
		uint8_t *u = d.desc + 16u * d.used_idx;
		unsigned k;

		exp_w32(u + 8, written);
		exp_w16(u + 12, id);
		exp_w16(u + 14, (uint16_t)(used_bits(d.used_wrap) | (written ? DESC_F_WRITE : 0u)));
		d.used_idx = step(d.used_idx, r->ndesc, &d.used_wrap);
		d.ring_busy = (uint16_t)(d.ring_busy - r->ndesc);
		d.since_kick = (uint16_t)(d.since_kick + r->ndesc > d.size ? d.size
									    : d.since_kick + r->ndesc);
		r->state = 2;
		d.n.used++;
		for (k = 0; k < d.fifo_n && d.fifo[k] != id; k++)
			;
		FZ_CHECK(k < d.fifo_n, "harness: pushed id %u not in the fifo", id);
		memmove(&d.fifo[k], &d.fifo[k + 1], (d.fifo_n - k - 1u) * sizeof(d.fifo[0]));
		d.fifo_n--;
	}
	check_state("vob_vq_push");
}

/* A popped (or already pushed) chain chosen by @sel, or NULL. */
static struct rec *pick_rec(uint8_t sel, bool pushed_ok)
{
	unsigned i, n = 0, want;

	if (!pushed_ok && (sel & 1) && d.fifo_n)
		return &recs[d.fifo[0]];
	for (i = 0; i < d.size; i++)
		if (recs[i].state == 1 || (pushed_ok && recs[i].state == 2))
			n++;
	if (!n)
		return NULL;
	want = (sel >> 1) % n;
	for (i = 0; i < d.size; i++)
		if (recs[i].state == 1 || (pushed_ok && recs[i].state == 2))
			if (!want--)
				return &recs[i];
	return NULL;
}

/* Copy between a chain and local memory, checked byte for byte. */
static void op_xfer(struct fz_in *in, bool pull)
{
	struct rec *r = pick_rec(fz_u8(in), true);

	fz_op_xfer(in, r ? &r->ch : NULL, pull, expA, &d.vq);
	if (r)
		check_state(pull ? "vob_chain_pull" : "vob_chain_push");
}

static void do_enable(void)
{
	int want, got;

	if (d.broken) {
		want = VOB_EIO;
	} else {
		if (has(VOB_F_EVENT_IDX)) {
			d.ev_flags = EV_DESC;
			exp_w32(d.dev_ev, off_wrap(d.last_avail, d.avail_wrap) | (EV_DESC << 16));
		} else if (d.ev_flags != EV_ENABLE) {
			d.ev_flags = EV_ENABLE;
			exp_w32(d.dev_ev, off_wrap(d.last_avail, d.avail_wrap));
		}
		want = is_avail(fz_rd16(d.desc + 16u * d.last_avail + 14), d.avail_wrap);
	}
	got = vob_vq_enable_notify(&d.vq);
	check_ret(got, want, "vob_vq_enable_notify");
	check_state("vob_vq_enable_notify");
}

static void do_disable(void)
{
	if (!d.broken && d.ev_flags != EV_DISABLE) {
		d.ev_flags = EV_DISABLE;
		exp_w32(d.dev_ev, off_wrap(d.last_avail, d.avail_wrap) | (EV_DISABLE << 16));
	}
	vob_vq_disable_notify(&d.vq);
	check_state("vob_vq_disable_notify");
}

static int predict_kick(void)
{
	uint16_t n = d.since_kick, flags;
	uint32_t ev;
	bool need;

	if (d.broken)
		return VOB_EIO;
	d.since_kick = 0;
	d.kicked = off_wrap(d.used_idx, d.used_wrap);
	ev = fz_rd32(d.drv_ev);
	flags = (uint16_t)((ev >> 16) & 3u);
	if (flags == EV_DISABLE) {
		need = false;
	} else if (flags == EV_DESC && has(VOB_F_EVENT_IDX) && n < d.size) {
		uint16_t off = (uint16_t)(ev & 0x7fffu), old = (uint16_t)(d.used_idx - n);

		if (((ev >> 15) & 1u) != d.used_wrap)
			off = (uint16_t)(off - d.size);
		need = (uint16_t)(d.used_idx - off - 1u) < (uint16_t)(d.used_idx - old);
	} else {
		need = n != 0;
	}
	if (need)
		d.n.nsent++;
	else if (n)
		d.n.nsupp++;
	return need;
}

static void op_kick(uint8_t sel)
{
	bool rang = fz_op_kick(&d.vq, sel, predict_kick, check_ret);

	/* The device's notifications carry the queue index only. */
	if (rang)
		FZ_CHECK(fz.doorbell_id == d.cfg.doorbell && fz.doorbell_data == d.cfg.index,
			 "doorbell %u data %u, expected %u %u", fz.doorbell_id, fz.doorbell_data,
			 d.cfg.doorbell, d.cfg.index);
	check_state("kick");
}

/* (Re)initialise the device-role queue and its model. */
static void dev_init(void)
{
	unsigned i;
	int err;

	for (i = 0; i < MAXQ; i++) {
		free(recs[i].iov);
		memset(&recs[i], 0, sizeof(recs[i]));
	}
	d.broken = false;
	d.fault = 0;
	/* A queue resumed at d.start_pos with wrap counter d.start_wrap (a
	 * fresh one at 0 with 1): both positions and the driver's cursor. */
	d.last_avail = d.used_idx = d.drv_pos = d.start_pos;
	d.avail_wrap = d.used_wrap = d.drv_wrap = d.start_wrap;
	d.ring_busy = d.since_kick = 0;
	d.kicked = off_wrap(d.start_pos, d.start_wrap);
	d.ev_flags = has(VOB_F_EVENT_IDX) ? EV_DESC : EV_ENABLE;
	d.n = (struct fz_counts){ 0 };
	d.fifo_n = 0;
	d.cfg.start = fz_vq_start(d.start_pos, d.start_wrap);
	err = vob_vq_init(&d.vq, &fz.link, &d.cfg, d.state, VOB_VQ_STATE_SIZE(d.size, 0));
	FZ_CHECK(err == 0, "vob_vq_init: %d", err);
	FZ_CHECK(vob_vq_position(&d.vq) == d.cfg.start, "vob_vq_position after init: 0x%x, start 0x%x",
		 vob_vq_position(&d.vq), d.cfg.start);
	/* The device writes its event structure, never the ring. */
	exp_w32(d.dev_ev, off_wrap(d.start_pos, d.start_wrap) | ((uint32_t)d.ev_flags << 16));
	check_state("vob_vq_init");
}

/* ---- the hostile driver's operations --------------------------------------- */

/* An id for a new chain: mostly one not in flight, sometimes a busy one or
 * one out of range. */
static uint16_t gen_id(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned i;

	switch (m % 8) {
	case 6:
		return d.fifo_n ? d.fifo[(m >> 3) % d.fifo_n] : 0;
	case 7:
		return (m & 0x80) ? fz_u16(in) : (uint16_t)(d.size + m % 4u);
	default:
		for (i = 0; i < d.size; i++) {
			uint16_t id = (uint16_t)((m + i) % d.size);

			if (recs[id].state != 1)
				return id;
		}
		return 0;
	}
}

/* A chain of direct descriptors at the driver's cursor: the later ones
 * first, the first one's flags last; with the right wrap bits unless asked. */
static void op_chain(struct fz_in *in, bool publish)
{
	unsigned n = 1u + fz_u8(in) % 6u, n_out, k;
	uint8_t bits = fz_u8(in);
	uint16_t id = gen_id(in), pos[6], head_flags = 0;
	uint8_t wrap[6], w = d.drv_wrap;
	uint16_t p = d.drv_pos;

	if (n > d.size)
		n = d.size;
	n_out = fz_u8(in) % (n + 1u);
	for (k = 0; k < n; k++) {
		pos[k] = p;
		wrap[k] = w;
		p = step(p, 1, &w);
	}
	for (k = n; k-- > 0;) {
		bool wr = k >= n_out;
		const struct region *r = (!wr && (k & 1) && d.freeB.len) ? &d.freeB : &d.freeA;
		uint32_t len = 1u + fz_u8(in) % 64u;
		size_t room = r->len > len ? r->len - len : 0;
		/* A wrong lap on one descriptor only, when asked. */
		uint16_t fl = (uint16_t)((k + 1 < n ? DESC_F_NEXT : 0u) | (wr ? DESC_F_WRITE : 0u) |
					 (k == (unsigned)(bits >> 4) % n ? gen_bits(bits, wrap[k], in)
									  : avail_bits(wrap[k])));

		uint64_t addr = region_addr(r, fz_u16(in) % (room + 1u));
		uint16_t did = k + 1 == n ? id : (uint16_t)fz_u8(in);

		if (k == 0) {
			head_flags = fl;
			fl = 0; /* not yet available */
		}
		drv_desc_write(d.desc, pos[k], addr, len, did, fl);
	}
	if (publish) {
		drv_w16(d.desc + 16u * pos[0] + 14, head_flags);
		/* An earlier chain left unpublished goes now: its head after
		 * this later chain's, flags out of ring order. */
		if (d.pend) {
			drv_w16(d.desc + 16u * d.pend_pos + 14, d.pend_flags);
			d.pend = false;
		}
	} else if (!d.pend) {
		d.pend = true;
		d.pend_pos = pos[0];
		d.pend_flags = head_flags;
	}
	d.drv_pos = p;
	d.drv_wrap = w;
}

/* One indirect descriptor at the driver's cursor, pointing at a table. */
static void op_indirect(struct fz_in *in)
{
	unsigned m = 1u + fz_u8(in) % 8u, m_out = fz_u8(in) % (m + 1u), k;
	uint8_t where = fz_u8(in);
	const struct region *tr = (where & 1) && d.freeB.len >= 16u * m ? &d.freeB : &d.freeA;
	size_t room = tr->len >= 16u * m ? tr->len - 16u * m : 0, toff;
	uint16_t id = gen_id(in), fl;
	uint8_t *table;

	if (tr->len < 16u * m)
		return;
	toff = fz_u16(in) % (room + 1u);
	if (!(where & 2))
		toff &= ~(size_t)15u; /* aligned tables unless asked otherwise */
	table = tr->p + toff;
	for (k = 0; k < m; k++) {
		bool wr = k >= m_out;
		uint32_t len = 1u + fz_u8(in) % 64u;
		size_t broom = d.freeA.len > len ? d.freeA.len - len : 0;

		/* NEXT and the id inside a table are ignored; set them sometimes. */
		drv_desc_write(table, k, region_addr(&d.freeA, fz_u16(in) % (broom + 1u)), len,
			       (uint16_t)(where >> 3),
			       (uint16_t)((wr ? DESC_F_WRITE : 0u) |
					  ((where & 8) && k + 1 < m ? DESC_F_NEXT : 0u)));
	}
	fl = (uint16_t)(DESC_F_INDIRECT | ((where & 4) ? DESC_F_WRITE : 0u) |
			avail_bits(d.drv_wrap));
	drv_desc_write(d.desc, d.drv_pos, fz_addr_of(table), 16u * m, id, fl);
	d.drv_pos = step(d.drv_pos, 1, &d.drv_wrap);
}

static void op_desc_raw(struct fz_in *in)
{
	uint8_t psel = fz_u8(in);
	uint16_t i = (psel & 1) ? d.last_avail : (uint16_t)(fz_u16(in) % d.size);
	uint32_t len = gen_len(in);
	uint64_t addr = gen_addr(in, len);
	uint8_t fsel = fz_u8(in);
	uint16_t id = (psel & 2) ? fz_u16(in) : gen_id(in);
	uint16_t flags;

	if (fsel & 0x80)
		flags = fz_u16(in);
	else
		flags = (uint16_t)((fsel & 7u) | gen_bits(fsel >> 3, (psel & 1) ? d.avail_wrap
										 : d.drv_wrap, in));
	drv_desc_write(d.desc, i, addr, len, id, flags);
}

static void op_event(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t off, flags;

	switch (m % 4) {
	case 0: /* at the device's next used position, this lap */
		off = off_wrap(d.used_idx, d.used_wrap);
		break;
	case 1: /* a little ahead or behind */
		off = off_wrap((uint16_t)(fz_u8(in) % d.size), (uint8_t)((m >> 2) & 1));
		break;
	default:
		off = fz_u16(in);
		break;
	}
	flags = (m & 0x80) ? fz_u16(in) : (uint16_t)((m >> 4) % 4u);
	drv_w16(d.drv_ev, off);
	drv_w16(d.drv_ev + 2, flags);
}

/* Any bytes anywhere in the windows: ring, buffers, even the device area. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), buf[16];
	unsigned n = 1u + fz_u8(in) % 16u, k;
	uint8_t *base;
	size_t len;

	switch (m % 4) {
	case 0:
		base = fz.a;
		len = FZ_A_SIZE;
		break;
	case 1:
		base = fz.b;
		len = FZ_B_SIZE;
		break;
	case 2:
		base = d.desc;
		len = VOB_PACKED_DESC_BYTES(d.size);
		break;
	default:
		base = d.dev_ev;
		len = VOB_PACKED_DEVICE_BYTES;
		break;
	}
	if (n > len)
		n = (unsigned)len;
	for (k = 0; k < n; k++)
		buf[k] = fz_u8(in);
	drv_write(base + fz_u16(in) % (len - n + 1u), buf, n);
}

/* Many well-formed one-descriptor chains popped and pushed in a row, so the
 * wrap counters flip many times. Checks return values and counters on every
 * call, window A once at the end. */
static void op_burst(struct fz_in *in)
{
	unsigned count = 1u + 2u * fz_u8(in), i;
	uint8_t wsel = fz_u8(in);

	if (count > d.burst_left)
		count = d.burst_left;
	d.burst_left -= count;
	d.quiet = true;
	for (i = 0; i < count && !d.broken; i++) {
		uint16_t id = 0;
		struct rec *r;

		while (id < d.size && recs[id].state == 1)
			id++;
		if (id == d.size || d.ring_busy == d.size)
			break;
		drv_desc_write(d.desc, d.drv_pos,
			       region_addr(&d.freeA, (i * 8u) % (d.freeA.len - 8u)), 8, id,
			       (uint16_t)(((i & 1) ? DESC_F_WRITE : 0u) | avail_bits(d.drv_wrap)));
		d.drv_pos = step(d.drv_pos, 1, &d.drv_wrap);
		if (do_pop(0) != 0)
			break;
		r = &recs[d.fifo[d.fifo_n - 1]];
		if (!has(VOB_F_IN_ORDER) || d.fifo_n == 1)
			do_push(r, (wsel & 1) ? r->ch.in_len : 0);
	}
	d.quiet = false;
	check_state("burst");
}

/* ---- set-up ---------------------------------------------------------------- */

/* Check that the device refuses the packed ring when its areas lie in a
 * cached window. */
static void check_refused(void)
{
	struct vob_iov iov[1];
	struct vob_chain ch = { .iov = iov, .cap = 1 };
	int err = vob_vq_init(&d.vq, &fz.link, &d.cfg, d.state, VOB_VQ_STATE_SIZE(d.size, 0));

	FZ_CHECK(err == VOB_ENOTSUP, "a packed ring in a cached window: init returned %d", err);
	FZ_CHECK(vob_vq_pop(&d.vq, &ch) == VOB_EIO, "refused queue: pop did not fail");
	FZ_CHECK(vob_vq_kick_prepare(&d.vq) == VOB_EIO, "refused queue: kick did not fail");
	fz_expect_same(fz.a, expA, FZ_A_SIZE, "window A", "refused init");
}

static void dev_setup(struct fz_in *in)
{
	uint8_t h[8];
	size_t L, ring, dbytes;
	unsigned k;

	for (k = 0; k < 8; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[7], h[4], h[2], h[5]);
	L = fz.line;
	memset(expA, 0, sizeof(expA));
	memset(&d.cfg, 0, sizeof(d.cfg));
	d.size = (h[0] & 0x80) ? (uint16_t)(1u + (h[0] & 0x7f)) : (uint16_t)(1u << (h[0] % 9u));
	d.feat = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_RING_PACKED);
	if (h[1] & 1)
		d.feat |= VOB_BIT(VOB_F_EVENT_IDX);
	if (h[1] & 2)
		d.feat |= VOB_BIT(VOB_F_INDIRECT_DESC);
	if (h[1] & 4)
		d.feat |= VOB_BIT(VOB_F_IN_ORDER);
	if (h[1] & 8)
		d.feat |= VOB_BIT(VOB_F_NOTIFICATION_DATA);
	d.cfg.seg_max = h[6] == 0 ? 0 : h[6] <= 200 ? h[6] : (uint16_t)(200u + (h[6] - 200u) * 5u);
	d.seg_max = d.cfg.seg_max ? d.cfg.seg_max : d.size;
	fz_packed_start(h[1], d.size, &d.start_pos, &d.start_wrap);

	dbytes = VOB_ALIGN_UP(VOB_PACKED_DESC_BYTES(d.size), L);
	ring = VOB_PACKED_RING_BYTES(d.size, L);
	switch (h[3] % 3) {
	case 0: /* one contiguous ring at the start of A */
		d.desc = fz.a;
		d.drv_ev = fz.a + VOB_PACKED_DRIVER_OFF(d.size, L);
		d.dev_ev = fz.a + VOB_PACKED_DEVICE_OFF(d.size, L);
		d.freeA.p = fz.a + ring;
		d.freeA.len = FZ_A_SIZE - ring;
		d.freeB.p = fz.b;
		d.freeB.len = FZ_B_SIZE;
		break;
	case 1: /* the driver area in the read-only window */
		d.desc = fz.a;
		d.dev_ev = fz.a + dbytes;
		d.drv_ev = fz.b;
		d.freeA.p = fz.a + dbytes + L;
		d.freeA.len = FZ_A_SIZE - dbytes - L;
		d.freeB.p = fz.b + L;
		d.freeB.len = FZ_B_SIZE - L;
		break;
	default: /* one contiguous ring at the very end of A */
		d.desc = fz.a + FZ_A_SIZE - ring;
		d.drv_ev = d.desc + VOB_PACKED_DRIVER_OFF(d.size, L);
		d.dev_ev = d.desc + VOB_PACKED_DEVICE_OFF(d.size, L);
		d.freeA.p = fz.a;
		d.freeA.len = FZ_A_SIZE - ring;
		d.freeB.p = fz.b;
		d.freeB.len = FZ_B_SIZE;
		break;
	}
	d.cfg.role = VOB_ROLE_DEVICE;
	d.cfg.index = 3;
	d.cfg.size = d.size;
	d.cfg.doorbell = 5;
	d.cfg.features = d.feat;
	d.cfg.desc_addr = fz_addr_of(d.desc);
	d.cfg.driver_addr = fz_addr_of(d.drv_ev);
	d.cfg.device_addr = fz_addr_of(d.dev_ev);
	free(d.state);
	d.state = malloc(VOB_VQ_STATE_SIZE(d.size, 0));
	/* A ring area in a cached window: refused; then the same set-up with
	 * that window uncached (payload may stay in a cached window). */
	if (fz.a_kind == VOB_MEM_CACHED || (h[3] % 3 == 1 && fz.b_kind == VOB_MEM_CACHED)) {
		uint8_t ka = fz.a_kind == VOB_MEM_CACHED ? VOB_MEM_UNCACHED : fz.a_kind;
		uint8_t kb = h[3] % 3 == 1 && fz.b_kind == VOB_MEM_CACHED ? VOB_MEM_UNCACHED
									   : fz.b_kind;

		check_refused();
		fz_env_reset(h[7], (uint8_t)(ka + 3u * kb + 9u * ((h[4] / 9u) % 2u)), h[2], h[5]);
		memset(expA, 0, sizeof(expA));
	}
	fz.on_clean = dev_on_clean;
	d.pend = false;
	d.quiet = false;
	fz_push_chain = NULL;
	d.burst_left = BURST_BUDGET;
	dev_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	dev_setup(&in);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);
		struct rec *r;

		switch (op % 20) {
		case 0:
			op_desc_raw(&in);
			break;
		case 1:
			op_event(&in);
			break;
		case 2:
		case 3:
			op_chain(&in, true);
			break;
		case 4:
			op_indirect(&in);
			break;
		case 5:
			op_raw(&in);
			break;
		case 6:
		case 7:
			do_pop(fz_u8(&in));
			break;
		case 8:
		case 9:
			r = pick_rec(fz_u8(&in), false);
			if (r)
				do_push(r, fz_gen_written(&in, r->ch.in_len));
			break;
		case 10: /* push a chain already pushed (or any) again */
			r = pick_rec(fz_u8(&in), true);
			if (r)
				do_push(r, fz_gen_written(&in, r->ch.in_len));
			break;
		case 11:
			op_xfer(&in, true);
			break;
		case 12:
			op_xfer(&in, false);
			break;
		case 13:
			do_enable();
			break;
		case 14:
			do_disable();
			break;
		case 15:
			op_kick(fz_u8(&in));
			break;
		case 16: { /* pop everything available, then maybe push it all in order */
			uint8_t m = fz_u8(&in);
			unsigned k;

			for (k = 0; k < d.size && do_pop(m) == 0; k++)
				;
			if (m & 0x40)
				while (d.fifo_n && !d.broken)
					do_push(&recs[d.fifo[0]], recs[d.fifo[0]].ch.in_len);
			break;
		}
		case 17:
			op_burst(&in);
			break;
		case 18: /* reset: the driver zeroes the ring and starts over */
			if (fz_u8(&in) % 4 == 0) {
				static const uint8_t zero[16];
				unsigned k;

				for (k = 0; k < d.size; k++)
					drv_write(d.desc + 16u * k, zero, 16);
				d.pend = false;
				dev_init(); /* at the same start */
			}
			break;
		default:
			op_chain(&in, false); /* descriptors only, the head not published */
			break;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_split_device: the input plays a hostile DRIVER against the device role
 * of the split ring.
 *
 * The first 9 bytes choose the set-up (queue size, features, line size, ring
 * layout, window kinds, DMA behaviour, seg_max, link addresses, start index);
 * every following byte group is one operation: the hostile driver writes the
 * descriptor table, the avail ring, its index, flags and event word, or any
 * byte of either window; or the harness calls the device API (pop, push,
 * chain pull/push, notification calls, driver-role calls, re-init).
 *
 * The model mirrors one choice of the library that the API leaves open: the
 * device reads the avail index only when it has popped every entry the last
 * read covered.
 *
 * The harness keeps a model of the device and checks, after every call:
 *  - the return value is exactly the one the model predicts (0, 1, or the
 *    documented negative error), and after VOB_EPROTO every call is VOB_EIO;
 *  - a popped chain is the one a reference walk of the descriptor table
 *    gives: same segments, pointers, lengths and flags; every iov lies wholly
 *    inside a window (writable ones inside the read/write window), writable
 *    iovs come after readable ones, out_len and in_len are the sums;
 *  - window A holds exactly what the model expects: the device writes only
 *    the used-ring entry and index of a push, its event word or flags, and
 *    the bytes vob_chain_push() was asked to copy; window B is mapped
 *    read-only and both windows sit between guard pages;
 *  - vob_chain_pull() fills exactly the expected bytes of local memory;
 *  - cache_clean only covers the used area or a chain's writable buffers;
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
	uint16_t size, mask, seg_max;
	uint64_t feat;
	/* ring areas (library pointers; desc and avail may be in B) */
	uint8_t *desc, *avail, *used;
	struct region freeA, freeB;
	/* model of the device */
	bool broken;
	uint16_t last_avail, avail_seen, used_idx, kicked, next_order, push_order;
	uint16_t used_flags;
	struct fz_counts n; /* pops (added), pushes (used), notifications, errors */
	uint16_t fifo[MAXQ];
	unsigned fifo_n;
	/* the hostile driver's own cursors for well-formed chains */
	uint16_t drv_desc, drv_avail;
	uint16_t start; /* index the queue starts from (see dev_init) */
	/* checking context */
	bool quiet;
	unsigned burst_left;
} d;

static struct rec recs[MAXQ];
static uint8_t expA[FZ_A_SIZE];

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

static void drv_desc_write(uint8_t *table, unsigned i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	uint8_t e[16];

	memcpy(e, &addr, 8);
	memcpy(e + 8, &len, 4);
	memcpy(e + 12, &flags, 2);
	memcpy(e + 14, &next, 2);
	drv_write(table + 16u * i, e, 16);
}

static uint8_t *avail_ring(unsigned slot)
{
	return d.avail + 4u + 2u * slot;
}

static uint8_t *used_event_p(void)
{
	return d.avail + 4u + 2u * d.size;
}

static uint8_t *used_elem_exp(unsigned slot)
{
	return expA + (d.used - fz.a) + 4u + 8u * slot;
}

static void exp_w16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void drv_publish(uint16_t head)
{
	drv_w16(avail_ring(d.drv_avail & d.mask), head);
	d.drv_avail++;
	drv_w16(d.avail + 2, d.drv_avail);
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

/* ---- reference walk ------------------------------------------------------ */

static struct {
	struct vob_iov iov[MAXCAP];
	unsigned nseg, n_out, n_in;
	uint64_t out_len, in_len;
	uint16_t ring_descs;
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

/* Walk the chain at @head the way virtio 1.x and the rules say a
 * device must accept it; false when any rule is broken. */
static bool ref_walk(uint16_t head)
{
	const uint8_t *table = d.desc;
	uint32_t tsize = d.size, count = 0, total = 0;
	bool indirect = false, seen_write = false;
	uint16_t i = head;

	ref.nseg = ref.n_out = ref.n_in = 0;
	ref.out_len = ref.in_len = 0;
	ref.ring_descs = 0;
	for (;;) {
		const uint8_t *e = table + 16u * i;
		uint64_t addr = fz_rd64(e);
		uint32_t len = fz_rd32(e + 8), cflag;
		uint16_t flags = fz_rd16(e + 12), next = fz_rd16(e + 14);
		uint8_t *p;

		if (count++ >= tsize)
			return false; /* longer than its table: a loop */
		if (!indirect)
			ref.ring_descs++;
		if (flags & DESC_F_INDIRECT) {
			if (indirect || !(d.feat & VOB_BIT(VOB_F_INDIRECT_DESC)) ||
			    (flags & DESC_F_NEXT))
				return false;
			if (len == 0 || len % 16u || len / 16u > d.seg_max)
				return false;
			if (!ref_translate(addr, len, false, &p, &cflag))
				return false;
			table = p; /* any alignment: the driver chose it */
			tsize = len / 16u;
			indirect = true;
			count = 0;
			i = 0;
			continue;
		}
		if (++total > d.seg_max)
			return false;
		/* Readable after writable is refused even when the writable
		 * descriptor was zero-length (virtio 1.x 2.7.4.2). */
		if (flags & DESC_F_WRITE) {
			ref.in_len += len;
			seen_write = true;
		} else {
			if (seen_write)
				return false;
			ref.out_len += len;
		}
		if (ref.out_len + ref.in_len > 0xffffffffu)
			return false;
		if (len) {
			bool wr = (flags & DESC_F_WRITE) != 0;

			if (!ref_translate(addr, len, wr, &p, &cflag))
				return false;
			ref.iov[ref.nseg].base = p;
			ref.iov[ref.nseg].len = len;
			ref.iov[ref.nseg].flags = (wr ? VOB_IOV_WRITE : 0u) | cflag |
						  (indirect ? VOB_IOV_INDIRECT : 0u);
			ref.nseg++;
			if (wr)
				ref.n_in++;
			else
				ref.n_out++;
		}
		if (!(flags & DESC_F_NEXT))
			break;
		if (next >= tsize)
			return false;
		i = next;
	}
	return true;
}

/* ---- checks after every call --------------------------------------------- */

static void check_state(const char *op)
{
	fz_check_counts(&d.vq, &d.n, op);
	FZ_CHECK((vob_vq_fault(&d.vq) != VOB_FAULT_NONE) == d.broken, "%s: fault %d, broken %d",
		 op, vob_vq_fault(&d.vq), d.broken);
	/* Where a stop would resume: the next used entry. */
	FZ_CHECK(d.broken || vob_vq_position(&d.vq) == d.used_idx, "%s: position %u, used index %u",
		 op, vob_vq_position(&d.vq), d.used_idx);
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

/* Cache cleans: the used area, or a writable buffer of the chain being
 * written by vob_chain_push(). */
static void dev_on_clean(const void *p, size_t n)
{
	if (fz_within(p, n, d.used, VOB_SPLIT_USED_BYTES(d.size)))
		return;
	if (fz_in_push_chain(p, n))
		return;
	FZ_CHECK(0, "cache_clean(%p, %zu) outside the used area and the chain's writable "
		    "buffers", p, n);
}

/* ---- device operations --------------------------------------------------- */

/* What vob_vq_pop() must return; *seen_out receives the avail index the
 * device knows afterwards (committed only when the call is made). */
static int predict_pop(uint16_t cap, uint16_t *head_out, uint16_t *seen_out)
{
	uint16_t head;

	*seen_out = d.avail_seen;
	if (d.broken)
		return VOB_EIO;
	if (cap < d.seg_max)
		return VOB_EINVAL;
	if (d.last_avail == d.avail_seen) {
		uint16_t idx = fz_rd16(d.avail + 2);

		if ((uint16_t)(idx - d.last_avail) > d.size)
			return VOB_EPROTO;
		if (idx == d.last_avail)
			return VOB_EAGAIN;
		*seen_out = idx;
	}
	head = fz_rd16(avail_ring(d.last_avail & d.mask));
	*head_out = head;
	if (head >= d.size)
		return VOB_EPROTO;
	if ((d.feat & VOB_BIT(VOB_F_IN_ORDER)) && head != d.next_order)
		return VOB_EPROTO;
	if (recs[head].state == 1)
		return VOB_EPROTO;
	return ref_walk(head) ? 0 : VOB_EPROTO;
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
	uint16_t cap = d.seg_max, head = 0, seen;
	struct vob_iov *iov;
	struct vob_chain ch;
	int want, got;

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
	want = predict_pop(cap, &head, &seen);
	got = vob_vq_pop(&d.vq, &ch);
	d.avail_seen = seen;
	check_ret(got, want, "vob_vq_pop");
	if (got == 0) {
		struct rec *r = &recs[head];

		FZ_CHECK(ch.head == head, "pop: head %u, avail ring says %u", ch.head, head);
		check_chain(&ch, cap);
		free(r->iov);
		r->iov = iov;
		r->ch = ch;
		r->state = 1;
		r->ndesc = ref.ring_descs;
		d.fifo[d.fifo_n++] = head;
		d.next_order = (uint16_t)((head + ref.ring_descs) & d.mask);
		d.last_avail++;
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
	if ((d.feat & VOB_BIT(VOB_F_IN_ORDER)) && r->ch.head != d.push_order)
		return VOB_EINVAL;
	return 0;
}

static void do_push(struct rec *r, uint32_t written)
{
	int want = predict_push(r, written), got;
	uint16_t head = r->ch.head;

	/* VOB_EINVAL: a chain not in flight, more written than its writable
	 * length or out of order; the harness chose them. */
	if (FZ_SKIP_MISUSE(want == VOB_EINVAL))
		return;
	got = vob_vq_push(&d.vq, &r->ch, written);
	check_ret(got, want, "vob_vq_push");
	if (got == 0) {
		uint32_t id = head;
		unsigned k;

		memcpy(used_elem_exp(d.used_idx & d.mask), &id, 4);
		memcpy(used_elem_exp(d.used_idx & d.mask) + 4, &written, 4);
		d.used_idx++;
		exp_w16(expA + (d.used - fz.a) + 2, d.used_idx);
		r->state = 2;
		d.n.used++;
		if (d.feat & VOB_BIT(VOB_F_IN_ORDER))
			d.push_order = (uint16_t)((head + r->ndesc) & d.mask);
		for (k = 0; k < d.fifo_n && d.fifo[k] != head; k++)
			;
		FZ_CHECK(k < d.fifo_n, "harness: pushed head %u not in the fifo", head);
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
		if (d.feat & VOB_BIT(VOB_F_EVENT_IDX)) {
			exp_w16(expA + (d.used - fz.a) + 4u + 8u * d.size, d.last_avail);
		} else if (d.used_flags) {
			d.used_flags = 0;
			exp_w16(expA + (d.used - fz.a), 0);
		}
		want = fz_rd16(d.avail + 2) != d.last_avail;
	}
	got = vob_vq_enable_notify(&d.vq);
	check_ret(got, want, "vob_vq_enable_notify");
	check_state("vob_vq_enable_notify");
}

static void do_disable(void)
{
	if (!d.broken && !(d.feat & VOB_BIT(VOB_F_EVENT_IDX)) && !d.used_flags) {
		d.used_flags = 1;
		exp_w16(expA + (d.used - fz.a), 1);
	}
	vob_vq_disable_notify(&d.vq);
	check_state("vob_vq_disable_notify");
}

static int predict_kick(void)
{
	uint16_t old = d.kicked;
	bool need;

	if (d.broken)
		return VOB_EIO;
	d.kicked = d.used_idx;
	if (d.feat & VOB_BIT(VOB_F_EVENT_IDX)) {
		uint16_t ev = fz_rd16(used_event_p());

		need = (uint16_t)(d.used_idx - ev - 1u) < (uint16_t)(d.used_idx - old);
	} else {
		need = d.used_idx != old && !(fz_rd16(d.avail) & 1u);
	}
	if (need)
		d.n.nsent++;
	else if (d.used_idx != old)
		d.n.nsupp++;
	return need;
}

static void op_kick(uint8_t sel)
{
	bool rang = fz_op_kick(&d.vq, sel, predict_kick, check_ret);

	if (rang)
		FZ_CHECK(fz.doorbell_id == d.cfg.doorbell && fz.doorbell_data == d.cfg.index,
			 "doorbell %u data %u, expected %u %u", fz.doorbell_id, fz.doorbell_data,
			 d.cfg.doorbell, d.cfg.index);
	check_state("kick");
}

/* Driver-role calls on a device queue: refused, nothing written. */
static void op_wrong_role(void)
{
	struct vob_seg seg = { fz.a_base, 8 };
	void *token = NULL;
	uint32_t written = 0;
	int want = d.broken ? VOB_EIO : VOB_EPERM;

	if (!FZ_SKIP_MISUSE(true)) {
		check_ret(vob_vq_add(&d.vq, &seg, 1, 0, &seg), want, "vob_vq_add (device role)");
		check_ret(vob_vq_get_used(&d.vq, &token, &written), want,
			  "vob_vq_get_used (device role)");
	}
	FZ_CHECK(vob_vq_reclaim(&d.vq) == NULL, "vob_vq_reclaim gave a token in the device role");
	check_state("wrong role");
}

/* (Re)initialise the device-role queue and its model. */
static void dev_init(void)
{
	uint8_t *u = expA + (d.used - fz.a);
	unsigned i;
	int err;

	for (i = 0; i < MAXQ; i++) {
		free(recs[i].iov);
		memset(&recs[i], 0, sizeof(recs[i]));
	}
	d.broken = false;
	d.last_avail = d.avail_seen = d.used_idx = d.kicked = d.next_order = d.push_order = 0;
	d.used_flags = 0;
	d.n = (struct fz_counts){ 0 };
	d.fifo_n = 0;
	/* A queue resumed after d.start buffers went through (vob_vq_cfg.start),
	 * so that the 16-bit indices wrap within a few operations (a fresh
	 * queue starts at 0 and would need 65536 pops). Nothing is in flight. */
	d.cfg.start = d.start;
	err = vob_vq_init(&d.vq, &fz.link, &d.cfg, d.state, VOB_VQ_STATE_SIZE(d.size, 0));
	FZ_CHECK(err == 0, "vob_vq_init: %d", err);
	FZ_CHECK(vob_vq_position(&d.vq) == d.start, "vob_vq_position after init: %u, started at %u",
		 vob_vq_position(&d.vq), d.start);
	exp_w16(u, 0);
	exp_w16(u + 2, d.start);
	exp_w16(u + 4u + 8u * d.size, d.start);
	d.last_avail = d.avail_seen = d.used_idx = d.kicked = d.start;
	check_state("vob_vq_init");
	d.drv_avail = d.start;
	drv_w16(d.avail + 2, d.start);
}

/* ---- the hostile driver's operations --------------------------------------- */

/* A well-formed chain of direct descriptors at the driver's cursor. */
static void op_chain(struct fz_in *in, bool publish)
{
	unsigned n = 1u + fz_u8(in) % 6u, n_out, k;
	uint16_t start = d.drv_desc;

	if (n > d.size)
		n = d.size;
	n_out = fz_u8(in) % (n + 1u);
	for (k = 0; k < n; k++) {
		uint16_t i = (uint16_t)((start + k) & d.mask);
		bool wr = k >= n_out;
		const struct region *r = (!wr && (k & 1) && d.freeB.len) ? &d.freeB : &d.freeA;
		uint32_t len = 1u + fz_u8(in) % 64u;
		size_t room = r->len > len ? r->len - len : 0;

		drv_desc_write(d.desc, i, region_addr(r, fz_u16(in) % (room + 1u)), len,
			       (uint16_t)((k + 1 < n ? DESC_F_NEXT : 0u) | (wr ? DESC_F_WRITE : 0u)),
			       (uint16_t)((i + 1u) & d.mask));
	}
	d.drv_desc = (uint16_t)((start + n) & d.mask);
	if (publish)
		drv_publish(start);
}

/* A chain of 0-2 direct descriptors then one indirect table. */
static void op_indirect(struct fz_in *in)
{
	unsigned m = 1u + fz_u8(in) % 8u, m_out = fz_u8(in) % (m + 1u), pre = fz_u8(in) % 3u, k;
	uint8_t where = fz_u8(in);
	const struct region *tr = (where & 1) && d.freeB.len >= 16u * m ? &d.freeB : &d.freeA;
	size_t room = tr->len >= 16u * m ? tr->len - 16u * m : 0, toff;
	uint16_t start = d.drv_desc;
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

		drv_desc_write(table, k, region_addr(&d.freeA, fz_u16(in) % (broom + 1u)), len,
			       (uint16_t)((k + 1 < m ? DESC_F_NEXT : 0u) | (wr ? DESC_F_WRITE : 0u)),
			       (uint16_t)(k + 1u));
	}
	if (pre + 1u > d.size)
		pre = d.size - 1u;
	for (k = 0; k < pre; k++) {
		uint16_t i = (uint16_t)((start + k) & d.mask);
		uint32_t len = 1u + fz_u8(in) % 32u;

		drv_desc_write(d.desc, i, region_addr(&d.freeA, fz_u16(in) % 1024u), len,
			       DESC_F_NEXT, (uint16_t)((i + 1u) & d.mask));
	}
	drv_desc_write(d.desc, (start + pre) & d.mask, fz_addr_of(table), 16u * m,
		       (uint16_t)(DESC_F_INDIRECT | ((where & 4) ? DESC_F_WRITE : 0u)), 0);
	d.drv_desc = (uint16_t)((start + pre + 1u) & d.mask);
	drv_publish(start);
}

static void op_desc_raw(struct fz_in *in)
{
	uint16_t i = fz_u16(in) & d.mask;
	uint32_t len = gen_len(in);
	uint64_t addr = gen_addr(in, len);
	uint8_t fsel = fz_u8(in), nsel = fz_u8(in);
	uint16_t flags = (fsel & 0x80) ? fz_u16(in) : (uint16_t)(fsel & 7u);
	uint16_t next;

	switch (nsel % 5) {
	case 0:
		next = (uint16_t)((i + 1u) & d.mask);
		break;
	case 1:
		next = fz_u16(in) & d.mask;
		break;
	case 2:
		next = fz_u16(in);
		break;
	case 3:
		next = i;
		break;
	default: /* the first index past the table */
		next = d.size;
		break;
	}
	drv_desc_write(d.desc, i, addr, len, flags, next);
}

static void op_avail(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t v;

	switch ((m & 0x7f) % 6) {
	case 0: /* a ring entry */
		v = (m & 0x80) ? fz_u16(in) : (uint16_t)(fz_u16(in) & d.mask);
		drv_w16(avail_ring(fz_u16(in) & d.mask), v);
		break;
	case 1: /* publish a head */
		drv_publish((m & 0x80) ? fz_u16(in) : (uint16_t)(fz_u16(in) & d.mask));
		break;
	case 2: /* move the index by a little */
		d.drv_avail = (uint16_t)(d.drv_avail + fz_u8(in) % (d.size + 2u));
		drv_w16(d.avail + 2, d.drv_avail);
		break;
	case 3: /* set the index */
		d.drv_avail = fz_u16(in);
		drv_w16(d.avail + 2, d.drv_avail);
		break;
	case 4:
		drv_w16(d.avail, fz_u16(in));
		break;
	default:
		drv_w16(used_event_p(), (m & 0x80) ? fz_u16(in) : (uint16_t)(d.used_idx + fz_u8(in) % 4u));
		break;
	}
}

/* Any bytes anywhere in the windows: rings, buffers, even the used area. */
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
		len = VOB_SPLIT_DESC_BYTES(d.size);
		break;
	default:
		base = d.used;
		len = VOB_SPLIT_USED_BYTES(d.size);
		break;
	}
	if (n > len)
		n = (unsigned)len;
	for (k = 0; k < n; k++)
		buf[k] = fz_u8(in);
	drv_write(base + fz_u16(in) % (len - n + 1u), buf, n);
}

/* Many well-formed chains popped and pushed in a row (with a start index
 * near 65535, through the 16-bit wrap). Checks return values and counters on
 * every call, window A once at the end. */
static void op_burst(struct fz_in *in)
{
	unsigned count = 1u + 2u * fz_u8(in), i;
	uint8_t wsel = fz_u8(in);

	if (count > d.burst_left)
		count = d.burst_left;
	d.burst_left -= count;
	d.quiet = true;
	for (i = 0; i < count; i++) {
		uint16_t head = d.drv_desc;
		const struct region *r = &d.freeA;

		drv_desc_write(d.desc, head, region_addr(r, (i * 8u) % (r->len - 8u)), 8,
			       (i & 1) ? DESC_F_WRITE : 0u, 0);
		d.drv_desc = (uint16_t)((head + 1u) & d.mask);
		drv_publish(head);
		if (do_pop(0) != 0)
			break;
		do_push(&recs[d.fifo[d.fifo_n - 1]], (wsel & 1) ? recs[d.fifo[d.fifo_n - 1]].ch.in_len : 0);
	}
	d.quiet = false;
	check_state("burst");
}

/* ---- set-up ---------------------------------------------------------------- */

static void dev_setup(struct fz_in *in)
{
	uint8_t h[9];
	size_t dbytes, abytes, ubytes, L, ring;
	unsigned k;

	for (k = 0; k < 9; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[7], h[4], h[2], h[5]);
	L = fz.line;
	memset(expA, 0, sizeof(expA));
	memset(&d.cfg, 0, sizeof(d.cfg));
	d.size = (uint16_t)(1u << (h[0] % 9u));
	d.mask = (uint16_t)(d.size - 1u);
	d.feat = VOB_BIT(VOB_F_VERSION_1);
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

	dbytes = VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(d.size), L);
	abytes = VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(d.size), L);
	ubytes = VOB_ALIGN_UP(VOB_SPLIT_USED_BYTES(d.size), L);
	ring = VOB_SPLIT_RING_BYTES(d.size, L);
	switch (h[3] % 3) {
	case 0: /* one contiguous ring at the start of A */
		d.desc = fz.a;
		d.avail = fz.a + VOB_SPLIT_AVAIL_OFF(d.size, L);
		d.used = fz.a + VOB_SPLIT_USED_OFF(d.size, L);
		d.freeA.p = fz.a + ring;
		d.freeA.len = FZ_A_SIZE - ring;
		d.freeB.p = fz.b;
		d.freeB.len = FZ_B_SIZE;
		break;
	case 1: /* what the driver writes in the read-only window */
		d.desc = fz.b;
		d.avail = fz.b + dbytes;
		d.used = fz.a;
		d.freeA.p = fz.a + ubytes;
		d.freeA.len = FZ_A_SIZE - ubytes;
		d.freeB.p = fz.b + dbytes + abytes;
		d.freeB.len = FZ_B_SIZE - dbytes - abytes;
		break;
	default: /* one contiguous ring at the very end of A */
		d.desc = fz.a + FZ_A_SIZE - ring;
		d.avail = d.desc + VOB_SPLIT_AVAIL_OFF(d.size, L);
		d.used = d.desc + VOB_SPLIT_USED_OFF(d.size, L);
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
	d.cfg.driver_addr = fz_addr_of(d.avail);
	d.cfg.device_addr = fz_addr_of(d.used);
	fz.on_clean = dev_on_clean;
	free(d.state);
	d.state = malloc(VOB_VQ_STATE_SIZE(d.size, 0));
	d.start = h[8] < 96 ? 0 : (uint16_t)(0u - (h[8] - 95u));
	d.drv_desc = 0;
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
		case 1:
			op_desc_raw(&in);
			break;
		case 2:
			op_avail(&in);
			break;
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
		case 18: { /* reset: the driver starts over, the device re-inits */
			uint8_t m = fz_u8(&in);

			if (m % 4 == 0) {
				d.drv_desc = 0;
				dev_init();
			} else if (m % 4 == 1) {
				op_wrong_role();
			}
			break;
		}
		default:
			op_chain(&in, false); /* descriptors only, published later */
			break;
		}
	}
	return 0;
}

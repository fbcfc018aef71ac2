/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_split_driver: the input plays a hostile DEVICE against the driver role
 * of the split ring.
 *
 * The first 8 bytes choose the set-up (queue size, features, line size, ring
 * layout, window kinds, indirect tables, link addresses, start index); every
 * following byte group is one operation: the harness adds chains (segments
 * in the windows, sometimes outside, sometimes too many or too long), the
 * device completes them honestly, or writes any used entry, used index,
 * flags, avail_event or byte of its area, or scribbles over the driver's own
 * areas; the harness calls get_used, kick_prepare, enable/disable_notify,
 * notify, reclaim, or resets the queue.
 *
 * Invariants checked after every call:
 *  - the return value is exactly the one a model of the driver predicts
 *    (add: VOB_ENOSPC if and only if the chain needs more descriptors than
 *    are free, VOB_EINVAL for no segments, a NULL token or a total over
 *    2^32 - 1; get_used: VOB_EPROTO for a used index that moved more than the
 *    chains in flight, an id out of range or not in flight, a length over
 *    the writable part, an IN_ORDER entry naming no chain of the next batch;
 *    otherwise the token and length; kick_prepare: the event-index or flag
 *    rule; enable_notify: whether used work is pending); after VOB_EPROTO
 *    (or a reclaim) every call returns VOB_EIO; before that, device-role
 *    calls return VOB_EPERM. The model mirrors one choice the API leaves
 *    open: the driver reads the used index only when it has returned
 *    everything the last read covered;
 *  - every token get_used returns was added and is still outstanding (with
 *    IN_ORDER: the oldest one); written <= that chain's writable length;
 *    while the device has been honest, get_used returns exactly the tokens
 *    and lengths it completed, in order, and never VOB_EPROTO;
 *  - every outstanding chain is still described, in the descriptor table and
 *    its indirect table, exactly as it was added, and no two outstanding
 *    chains share a descriptor (even after the device scribbled over the
 *    driver's areas: the driver must not read its own fields back);
 *  - the driver never writes the device area, and writes only the
 *    descriptor table, its indirect tables, the avail entry and index of an
 *    add, and its flags or used_event (window A compared with a model;
 *    the device area may sit in window B, mapped read-only);
 *  - cache_clean covers only the driver's areas or the chain being added;
 *    cache_invalidate only the device area or an outstanding writable buffer;
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

struct crec {
	void *token;
	uint16_t head;
	bool indirect;
	bool dev_done; /* the honest device completed it */
	bool dirty;    /* the device scribbled over its descriptors or table */
	uint16_t need; /* ring descriptors */
	unsigned n_out, n_in;
	uint32_t in_len;
	struct vob_seg segs[MAXSEGS];
	uint16_t descs[MAXSEGS]; /* ring descriptors, as the add placed them */
};

struct region {
	uint8_t *p;
	size_t len;
};

static struct {
	struct vob_vq vq;
	struct vob_vq_cfg cfg;
	void *state;
	uint16_t size, mask, imax;
	uint64_t feat;
	uint8_t *desc, *avail, *used, *ind; /* library pointers */
	size_t ind_len;
	struct region freeA, freeB;
	/* model of the driver */
	bool broken, honest;
	uint16_t avail_idx, last_used, kicked, avail_flags;
	uint16_t used_seen;        /* used index the driver last read */
	bool batch;                /* IN_ORDER: a used batch is being returned */
	uint16_t batch_last;       /* its last head */
	uint32_t batch_len;        /* and that chain's written length */
	uint16_t next_head;        /* IN_ORDER: where the next chain must start */
	unsigned nfree;
	struct fz_counts n; /* adds, useds, notifications, errors */
	/* token accounting over the whole input */
	uint64_t next_tok, added, returned, reclaimed;
	/* the device */
	uint16_t dev_used;
	struct {
		void *token;
		uint32_t written;
	} cq[MAXQ]; /* honest completions not yet collected, in order */
	unsigned cq_n;
	uint16_t start;
	/* checking context */
	const struct vob_seg *cur_segs;
	unsigned cur_n;
	bool quiet;
	unsigned burst_left;
} v;

/* Outstanding chains: records by head, and their heads oldest first. */
static struct crec slab[MAXQ];
static uint16_t order[MAXQ];
#define out(i) (&slab[order[i]])
static unsigned nout;
static uint8_t expA[FZ_A_SIZE];

static bool in_order(void)
{
	return (v.feat & VOB_BIT(VOB_F_IN_ORDER)) != 0;
}

static bool event_idx(void)
{
	return (v.feat & VOB_BIT(VOB_F_EVENT_IDX)) != 0;
}

static void exp_w16(uint8_t *lib_ptr, uint16_t val)
{
	FZ_CHECK(fz_in_a(lib_ptr, 2), "harness: expected write outside A");
	memcpy(expA + (lib_ptr - fz.a), &val, 2);
}

static struct crec *find_tok(void *token, unsigned *pos)
{
	unsigned i;

	for (i = 0; i < nout; i++)
		if (out(i)->token == token) {
			*pos = i;
			return out(i);
		}
	return NULL;
}

static struct crec *find_head(uint16_t head, unsigned *pos)
{
	unsigned i;

	for (i = 0; i < nout; i++)
		if (out(i)->head == head) {
			*pos = i;
			return out(i);
		}
	return NULL;
}

static void remove_at(unsigned i)
{
	memmove(&order[i], &order[i + 1], (nout - i - 1u) * sizeof(order[0]));
	nout--;
}

/* ---- the device's writes ------------------------------------------------- */

/* The device writes @n bytes at library pointer @p; marks the outstanding
 * chains whose descriptors or table it overwrote. */
static void dev_write(uint8_t *p, const void *src, size_t n)
{
	unsigned i, k;

	if (fz_in_a(p, n)) {
		memcpy(p, src, n);
		memcpy(expA + (p - fz.a), src, n);
	} else {
		FZ_CHECK(fz_in_b(p, n), "harness: write outside the windows");
		memcpy(fz_writable(p), src, n);
	}
	for (i = 0; i < nout; i++) {
		struct crec *r = out(i);

		if (r->indirect &&
		    fz_overlaps(p, n, v.ind + (size_t)r->head * v.imax * 16u, 16u * (r->n_out + r->n_in)))
			r->dirty = true;
		for (k = 0; k < r->need; k++)
			if (fz_overlaps(p, n, v.desc + 16u * r->descs[k], 16))
				r->dirty = true;
	}
}

static void dev_w16(uint8_t *p, uint16_t val)
{
	dev_write(p, &val, 2);
}

static uint8_t *used_elem(unsigned slot)
{
	return v.used + 4u + 8u * slot;
}

static void dev_used_elem(unsigned slot, uint32_t id, uint32_t len)
{
	uint8_t e[8];

	memcpy(e, &id, 4);
	memcpy(e + 4, &len, 4);
	dev_write(used_elem(slot), e, 8);
}

/* ---- checks ------------------------------------------------------------------ */

static void check_state(const char *op)
{
	fz_check_counts(&v.vq, &v.n, op);
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
}

static void got_eproto(void)
{
	v.broken = true;
	v.n.errors++;
	FZ_CHECK(vob_vq_fault(&v.vq) != VOB_FAULT_NONE, "VOB_EPROTO without a fault code");
}

static uint16_t want_flags(const struct crec *r, unsigned k)
{
	unsigned n = r->n_out + r->n_in;

	return (uint16_t)((k + 1 < n ? DESC_F_NEXT : 0u) | (k >= r->n_out ? DESC_F_WRITE : 0u));
}

/* Walk the chain of @r in shared memory; with @record, store its ring
 * descriptors (at add time); otherwise compare with what was recorded. */
static void verify_chain(struct crec *r, bool record)
{
	unsigned n = r->n_out + r->n_in, k;
	const uint8_t *e = v.desc + 16u * r->head;

	if (r->indirect) {
		uint64_t taddr = v.cfg.indirect_addr + (uint64_t)r->head * v.imax * 16u;
		const uint8_t *t = v.ind + (size_t)r->head * v.imax * 16u;

		FZ_CHECK(fz_rd64(e) == taddr && fz_rd32(e + 8) == 16u * n &&
				 fz_rd16(e + 12) == DESC_F_INDIRECT,
			 "chain at %u: indirect descriptor (0x%llx, %u, 0x%x), expected (0x%llx, %u, "
			 "INDIRECT)", r->head, (unsigned long long)fz_rd64(e), fz_rd32(e + 8),
			 fz_rd16(e + 12), (unsigned long long)taddr, 16u * n);
		for (k = 0; k < n; k++, t += 16)
			FZ_CHECK(fz_rd64(t) == r->segs[k].addr && fz_rd32(t + 8) == r->segs[k].len &&
					 fz_rd16(t + 12) == want_flags(r, k) &&
					 (k + 1 == n || fz_rd16(t + 14) == k + 1),
				 "chain at %u: indirect entry %u is (0x%llx, %u, 0x%x, %u)", r->head, k,
				 (unsigned long long)fz_rd64(t), fz_rd32(t + 8), fz_rd16(t + 12),
				 fz_rd16(t + 14));
		if (record)
			r->descs[0] = r->head;
		return;
	}
	{
		uint16_t i = r->head;

		for (k = 0; k < n; k++) {
			e = v.desc + 16u * i;
			FZ_CHECK(fz_rd64(e) == r->segs[k].addr && fz_rd32(e + 8) == r->segs[k].len &&
					 fz_rd16(e + 12) == want_flags(r, k),
				 "chain at %u: descriptor %u (segment %u) is (0x%llx, %u, 0x%x), "
				 "expected (0x%llx, %u, 0x%x)", r->head, i, k,
				 (unsigned long long)fz_rd64(e), fz_rd32(e + 8), fz_rd16(e + 12),
				 (unsigned long long)r->segs[k].addr, r->segs[k].len, want_flags(r, k));
			if (record)
				r->descs[k] = i;
			else
				FZ_CHECK(r->descs[k] == i, "chain at %u moved", r->head);
			if (k + 1 < n) {
				uint16_t next = fz_rd16(e + 14);

				FZ_CHECK(next < v.size, "chain at %u: next %u out of range", r->head, next);
				if (in_order())
					FZ_CHECK(next == ((i + 1u) & v.mask),
						 "IN_ORDER chain at %u not in ring order", r->head);
				i = next;
			}
		}
	}
}

/* Every outstanding chain intact, no descriptor in two chains. */
static void verify_all(void)
{
	static uint8_t owner[MAXQ];
	unsigned i, k;

	memset(owner, 0, sizeof(owner));
	for (i = 0; i < nout; i++) {
		struct crec *r = out(i);

		if (!r->dirty)
			verify_chain(r, false);
		for (k = 0; k < r->need; k++) {
			FZ_CHECK(!owner[r->descs[k]], "descriptor %u is in two outstanding chains",
				 r->descs[k]);
			owner[r->descs[k]] = 1;
		}
	}
}

/* Cleans: the driver's own areas, or a segment of the chain being added. */
static void drv_on_clean(const void *p, size_t n)
{
	unsigned k;

	if (fz_within(p, n, v.desc, VOB_SPLIT_DESC_BYTES(v.size)) ||
	    fz_within(p, n, v.avail, VOB_SPLIT_AVAIL_BYTES(v.size)) ||
	    (v.ind_len && fz_within(p, n, v.ind, v.ind_len)))
		return;
	for (k = 0; k < v.cur_n; k++) {
		const struct vob_seg *s = &v.cur_segs[k];

		if (s->addr >= fz.a_base && s->addr - fz.a_base < FZ_A_SIZE &&
		    fz_within(p, n, fz.a + (s->addr - fz.a_base), s->len))
			return;
		if (s->addr >= fz.b_base && s->addr - fz.b_base < FZ_B_SIZE &&
		    fz_within(p, n, fz.b + (s->addr - fz.b_base), s->len))
			return;
	}
	FZ_CHECK(0, "cache_clean(%p, %zu) outside the driver's areas and the added chain", p, n);
}

/* Invalidates: the device area, or a writable segment of an outstanding chain. */
static void drv_on_invalidate(const void *p, size_t n)
{
	unsigned i, k;

	if (fz_within(p, n, v.used, VOB_SPLIT_USED_BYTES(v.size)))
		return;
	for (i = 0; i < nout; i++)
		for (k = out(i)->n_out; k < out(i)->n_out + out(i)->n_in; k++) {
			const struct vob_seg *s = &out(i)->segs[k];

			if (s->addr >= fz.a_base && s->addr - fz.a_base < FZ_A_SIZE &&
			    fz_within(p, n, fz.a + (s->addr - fz.a_base), s->len))
				return;
			if (s->addr >= fz.b_base && s->addr - fz.b_base < FZ_B_SIZE &&
			    fz_within(p, n, fz.b + (s->addr - fz.b_base), s->len))
				return;
		}
	FZ_CHECK(0, "cache_invalidate(%p, %zu) outside the device area and writable buffers",
		 p, n);
}

/* ---- driver operations ------------------------------------------------------ */

static uint64_t region_addr(const struct region *r, size_t off)
{
	return fz_addr_of(r->p + off);
}

static uint64_t gen_addr(struct fz_in *in, uint32_t len)
{
	uint8_t m = fz_u8(in);
	const struct region *r = (m & 0x80) && v.freeB.len ? &v.freeB : &v.freeA;
	size_t room = len < r->len ? r->len - len : 0;

	switch ((m & 0x7f) % 6) {
	case 0:
	case 1:
	case 2:
	case 3:
		return region_addr(r, fz_u16(in) % (room + 1));
	case 4:
		return fz_u64(in);
	default:
		return fz.a_base + fz_u16(in) % FZ_A_SIZE;
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
		return 1u + fz_u8(in) % 64u;
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

static int do_add(struct vob_seg *segs, unsigned n_out, unsigned n_in, void *token)
{
	unsigned n = n_out + n_in, k;
	uint64_t total = 0, in_len = 0;
	bool indirect = v.imax && n > 1 && n <= v.imax;
	unsigned need = indirect ? 1u : n;
	int want, got;

	for (k = 0; k < n; k++) {
		total += segs[k].len;
		if (k >= n_out)
			in_len += segs[k].len;
	}
	if (v.broken)
		want = VOB_EIO;
	else if (!token || n == 0 || total > 0xffffffffu)
		want = VOB_EINVAL;
	else if (need > v.nfree)
		want = VOB_ENOSPC;
	else
		want = 0;
	if (FZ_SKIP_MISUSE(!token || n == 0))
		return VOB_EINVAL;

	v.cur_segs = segs;
	v.cur_n = n;
	got = vob_vq_add(&v.vq, segs, n_out, n_in, token);
	v.cur_segs = NULL;
	v.cur_n = 0;
	check_ret(got, want, "vob_vq_add");
	if (got == 0) {
		uint8_t *slot = v.avail + 4u + 2u * (v.avail_idx & v.mask);
		uint16_t head = fz_rd16(slot);
		struct crec *r = &slab[head & v.mask];
		unsigned pos;

		FZ_CHECK(head < v.size, "add published head %u", head);
		FZ_CHECK(!find_head(head, &pos), "add published head %u, already in flight", head);
		if (in_order()) {
			FZ_CHECK(head == v.next_head, "IN_ORDER add at %u, expected %u", head,
				 v.next_head);
			v.next_head = (uint16_t)((head + need) & v.mask);
		}
		v.avail_idx++;
		exp_w16(slot, head);
		exp_w16(v.avail + 2, v.avail_idx);
		memset(r, 0, sizeof(*r));
		r->token = token;
		r->head = head;
		r->indirect = indirect;
		r->need = (uint16_t)need;
		r->n_out = n_out;
		r->n_in = n_in;
		r->in_len = (uint32_t)in_len;
		memcpy(r->segs, segs, n * sizeof(*segs));
		verify_chain(r, true);
		/* Only the new chain's descriptors (and table) may have changed:
		 * the comparison of window A catches a write anywhere else. */
		for (k = 0; k < need; k++)
			memcpy(expA + (v.desc - fz.a) + 16u * r->descs[k], v.desc + 16u * r->descs[k], 16);
		if (indirect)
			memcpy(expA + (v.ind - fz.a) + (size_t)head * v.imax * 16u,
			       v.ind + (size_t)head * v.imax * 16u, 16u * n);
		order[nout] = head;
		nout++;
		v.nfree -= need;
		v.n.added++;
		v.added++;
		verify_all();
	}
	check_state("vob_vq_add");
	return got;
}

static void op_add(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	unsigned n_out = fz_u8(in) % 4u, n_in = fz_u8(in) % 4u, k;
	struct vob_seg *segs;
	void *token;

	if (m & 0x10)
		n_out += fz_u8(in) % 20u;
	if (m & 0x20)
		n_in += fz_u8(in) % 20u;
	segs = malloc((n_out + n_in + 1u) * sizeof(*segs));
	for (k = 0; k < n_out + n_in; k++) {
		segs[k].len = (m & 0x40) ? gen_len(in) : 1u + fz_u8(in) % 64u;
		segs[k].addr = gen_addr(in, segs[k].len);
	}
	token = (m & 0x8fu) == 0x8fu ? NULL : (void *)(uintptr_t)(0x10000u + 16u * ++v.next_tok);
	do_add(segs, n_out, n_in, token);
	free(segs);
}

/* What vob_vq_get_used() must return, from the device area as it is now and
 * the driver's view: it reads the used index only once it has returned
 * everything the last read covered (and, with IN_ORDER, no batch is open),
 * checks it against the chains in flight, then checks each entry it reads.
 * Fills the expected token and length; *next gets the state afterwards. */
struct gu_state {
	uint16_t used_seen, batch_last;
	uint32_t batch_len;
	bool batch;
	void *token;
	uint32_t written;
};

static int predict_get_used(struct gu_state *n)
{
	uint32_t id, len;
	unsigned pos;
	struct crec *r;

	n->used_seen = v.used_seen;
	n->batch = v.batch;
	n->batch_last = v.batch_last;
	n->batch_len = v.batch_len;
	if (v.last_used == v.used_seen && !v.batch) {
		uint16_t idx = fz_rd16(v.used + 2);

		if ((uint16_t)(idx - v.last_used) > nout)
			return VOB_EPROTO;
		if (idx == v.last_used)
			return VOB_EAGAIN;
		n->used_seen = idx;
	}
	if (in_order()) {
		if (!n->batch) {
			unsigned avail = (uint16_t)(n->used_seen - v.last_used), k;

			id = fz_rd32(used_elem(v.last_used & v.mask));
			len = fz_rd32(used_elem(v.last_used & v.mask) + 4);
			if (id >= v.size)
				return VOB_EPROTO;
			/* The entry names the last chain of a batch: one of the
			 * next @avail chains in flight, oldest first. */
			for (k = 0; k < avail && k < nout && out(k)->head != id; k++)
				;
			if (k == avail || k == nout)
				return VOB_EPROTO;
			if (len > out(k)->in_len)
				return VOB_EPROTO;
			n->batch = true;
			n->batch_last = (uint16_t)id;
			n->batch_len = len;
		}
		FZ_CHECK(nout > 0, "harness: open batch without chains");
		n->token = out(0)->token;
		/* A skipped chain was used completely. */
		n->written = out(0)->in_len;
		if (out(0)->head == n->batch_last) {
			n->written = n->batch_len;
			n->batch = false;
		}
		return 0;
	}
	id = fz_rd32(used_elem(v.last_used & v.mask));
	len = fz_rd32(used_elem(v.last_used & v.mask) + 4);
	if (id >= v.size || !(r = find_head((uint16_t)id, &pos)))
		return VOB_EPROTO;
	if (len > r->in_len)
		return VOB_EPROTO;
	n->token = r->token;
	n->written = len;
	return 0;
}

static int do_get_used(uint8_t sel)
{
	void *token = (void *)(uintptr_t)1;
	uint32_t written = 0xdeadbeefu;
	bool bad = sel % 32u == 31u;
	struct gu_state next;
	int want = 0, got;

	if (FZ_SKIP_MISUSE(bad))
		return VOB_EINVAL;
	if (!v.broken && !bad)
		want = predict_get_used(&next);
	got = vob_vq_get_used(&v.vq, bad ? NULL : &token, &written);
	if (v.broken) {
		check_ret(got, VOB_EIO, "vob_vq_get_used");
	} else if (bad) {
		check_ret(got, VOB_EINVAL, "vob_vq_get_used(NULL)");
	} else {
		check_ret(got, want, "vob_vq_get_used");
		v.used_seen = next.used_seen;
		v.batch = next.batch;
		v.batch_last = next.batch_last;
		v.batch_len = next.batch_len;
		if (got == 0)
			FZ_CHECK(token == next.token && written == next.written,
				 "get_used gave token %p written %u, expected %p %u", token, written,
				 next.token, next.written);
		/* The rest does not depend on the model above. */
		if (v.honest) {
			if (!v.cq_n)
				check_ret(got, VOB_EAGAIN, "vob_vq_get_used (honest device, none used)");
			else
				FZ_CHECK(got == 0 && token == v.cq[0].token && written == v.cq[0].written,
					 "get_used returned %d token %p written %u; the honest device "
					 "completed %p with %u", got, token, written, v.cq[0].token,
					 v.cq[0].written);
		}
		if (got == 0) {
			unsigned pos;
			struct crec *r = find_tok(token, &pos);

			FZ_CHECK(r, "get_used returned token %p, which is not outstanding", token);
			FZ_CHECK(written <= r->in_len, "get_used: written %u > writable length %u",
				 written, r->in_len);
			if (in_order())
				FZ_CHECK(pos == 0, "IN_ORDER get_used returned chain %u of %u outstanding",
					 pos, nout);
			v.nfree += r->need;
			remove_at(pos);
			v.last_used++;
			v.n.used++;
			v.returned++;
			if (v.honest) {
				memmove(&v.cq[0], &v.cq[1], (v.cq_n - 1u) * sizeof(v.cq[0]));
				v.cq_n--;
			}
		} else if (got == VOB_EPROTO) {
			got_eproto();
		}
	}
	check_state("vob_vq_get_used");
	return got;
}

static int predict_kick(void)
{
	uint16_t old = v.kicked;
	bool need;

	if (v.broken)
		return VOB_EIO;
	v.kicked = v.avail_idx;
	if (event_idx()) {
		uint16_t ev = fz_rd16(v.used + 4u + 8u * v.size);

		need = (uint16_t)(v.avail_idx - ev - 1u) < (uint16_t)(v.avail_idx - old);
	} else {
		need = v.avail_idx != old && !(fz_rd16(v.used) & 1u);
	}
	if (need)
		v.n.nsent++;
	else if (v.avail_idx != old)
		v.n.nsupp++;
	return need;
}

static void op_kick(uint8_t sel)
{
	if (fz_op_kick(&v.vq, sel, predict_kick, check_ret)) {
		uint32_t data = v.cfg.index;

		if (v.feat & VOB_BIT(VOB_F_NOTIFICATION_DATA))
			data |= (uint32_t)v.kicked << 16;
		FZ_CHECK(fz.doorbell_id == v.cfg.doorbell && fz.doorbell_data == data,
			 "doorbell %u data 0x%x, expected %u 0x%x", fz.doorbell_id,
			 fz.doorbell_data, v.cfg.doorbell, data);
	}
	check_state("kick");
}

static void do_enable(void)
{
	uint16_t idx = fz_rd16(v.used + 2);
	int got;

	if (!v.broken) {
		if (event_idx()) {
			exp_w16(v.avail + 4u + 2u * v.size, v.last_used);
		} else if (v.avail_flags) {
			v.avail_flags = 0;
			exp_w16(v.avail, 0);
		}
	}
	got = vob_vq_enable_notify(&v.vq);
	if (v.broken)
		check_ret(got, VOB_EIO, "vob_vq_enable_notify");
	else
		check_ret(got, idx != v.last_used || v.batch, "vob_vq_enable_notify");
	if (!v.broken && v.honest)
		FZ_CHECK(got == (v.dev_used != v.last_used),
			 "enable_notify: %d with %u chains used and not collected", got,
			 (uint16_t)(v.dev_used - v.last_used));
	check_state("vob_vq_enable_notify");
}

static void do_disable(void)
{
	if (!v.broken && !event_idx() && !v.avail_flags) {
		v.avail_flags = 1;
		exp_w16(v.avail, 1);
	}
	vob_vq_disable_notify(&v.vq);
	check_state("vob_vq_disable_notify");
}

/* Take back tokens; @all: until none is left, and check the accounting. */
static void do_reclaim(unsigned count, bool all)
{
	unsigned i;

	for (i = 0; all || i < count; i++) {
		void *token = vob_vq_reclaim(&v.vq);
		unsigned pos;

		trace("vob_vq_reclaim (1: a token)", token != NULL);
		v.broken = true; /* from the first reclaim on, the queue only gives back */
		if (!token) {
			FZ_CHECK(nout == 0, "reclaim returned NULL with %u chains outstanding", nout);
			break;
		}
		FZ_CHECK(find_tok(token, &pos), "reclaim returned %p, which is not outstanding",
			 token);
		remove_at(pos);
		v.reclaimed++;
		FZ_CHECK(i <= MAXQ, "reclaim does not end");
	}
	if (all)
		FZ_CHECK(v.returned + v.reclaimed == v.added,
			 "tokens: %llu added, %llu from get_used, %llu reclaimed",
			 (unsigned long long)v.added, (unsigned long long)v.returned,
			 (unsigned long long)v.reclaimed);
	check_state("vob_vq_reclaim");
}

/* Device-role calls on a driver queue: refused, nothing written. */
static void op_wrong_role(void)
{
	struct vob_iov iov[2];
	struct vob_chain ch;
	int want = v.broken ? VOB_EIO : VOB_EPERM;

	if (FZ_SKIP_MISUSE(true))
		return;
	memset(&ch, 0, sizeof(ch));
	ch.iov = iov;
	ch.cap = 2;
	check_ret(vob_vq_pop(&v.vq, &ch), want, "vob_vq_pop (driver role)");
	check_ret(vob_vq_push(&v.vq, &ch, 0), want, "vob_vq_push (driver role)");
	check_state("wrong role");
}

/* ---- the device's operations --------------------------------------------------- */

/* Complete chains correctly: IN_ORDER, the oldest ones with one used entry
 * for the batch; otherwise any ones, one entry each. */
static void op_complete(struct fz_in *in)
{
	unsigned pending[MAXQ], np = 0, i, k;
	uint8_t m = fz_u8(in);

	if (!v.honest)
		v.cq_n = 0; /* expectations only hold for an honest device */
	for (i = 0; i < nout; i++)
		if (!out(i)->dev_done)
			pending[np++] = i;
	if (!np)
		return;
	if (in_order()) {
		unsigned batch = 1u + m % (np < 8u ? np : 8u);
		struct crec *last = out(pending[batch - 1]);
		uint32_t len = (m & 0x80) ? last->in_len : fz_u32(in) % (last->in_len + 1u ? last->in_len + 1u : 1u);

		dev_used_elem(v.dev_used & v.mask, last->head, len);
		for (k = 0; k < batch; k++) {
			struct crec *r = out(pending[k]);

			r->dev_done = true;
			if (v.honest) {
				v.cq[v.cq_n].token = r->token;
				/* Skipped chains were used completely. */
				v.cq[v.cq_n].written = k + 1 == batch ? len : r->in_len;
				v.cq_n++;
			}
		}
		v.dev_used = (uint16_t)(v.dev_used + batch);
	} else {
		unsigned count = 1u + m % (np < 4u ? np : 4u);

		for (k = 0; k < count; k++) {
			unsigned j = fz_u8(in) % np;
			struct crec *r = out(pending[j]);
			uint32_t len = (m & 0x80) ? r->in_len : fz_u32(in) % (r->in_len + 1u ? r->in_len + 1u : 1u);

			dev_used_elem(v.dev_used & v.mask, r->head, len);
			v.dev_used++;
			r->dev_done = true;
			if (v.honest) {
				v.cq[v.cq_n].token = r->token;
				v.cq[v.cq_n].written = len;
				v.cq_n++;
			}
			pending[j] = pending[--np];
		}
	}
	dev_w16(v.used + 2, v.dev_used);
}

/* Anything a hostile device can write. */
static void op_hostile(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint32_t id, len;
	struct crec *r = nout ? out(fz_u8(in) % nout) : NULL;

	switch (m % 8) {
	case 0: /* a used entry */
		switch (fz_u8(in) % 4) {
		case 0:
			id = r ? r->head : 0;
			break;
		case 1:
			id = fz_u16(in) & v.mask;
			break;
		case 2:
			id = v.size + fz_u8(in);
			break;
		default:
			id = fz_u32(in);
			break;
		}
		switch (fz_u8(in) % 4) {
		case 0:
			len = r ? r->in_len : 0;
			break;
		case 1:
			len = r ? r->in_len + 1u : 1u;
			break;
		case 2:
			len = 0;
			break;
		default:
			len = fz_u32(in);
			break;
		}
		dev_used_elem(fz_u16(in) & v.mask, id, len);
		v.honest = false;
		break;
	case 1: /* move the used index a little */
		v.dev_used = (uint16_t)(v.dev_used + fz_u8(in) % (v.size + 2u));
		dev_w16(v.used + 2, v.dev_used);
		v.honest = false;
		break;
	case 2: /* set it */
		v.dev_used = fz_u16(in);
		dev_w16(v.used + 2, v.dev_used);
		v.honest = false;
		break;
	case 3: /* flags: do not affect what get_used returns */
		dev_w16(v.used, fz_u16(in));
		break;
	case 4: /* avail_event, near the avail index or anywhere */
		dev_w16(v.used + 4u + 8u * v.size,
			(m & 0x80) ? fz_u16(in) : (uint16_t)(v.avail_idx - fz_u8(in) % 4u));
		break;
	case 5: { /* bytes of the device area */
		uint8_t buf[16];
		unsigned n = 1u + fz_u8(in) % 16u, k;
		size_t area = VOB_SPLIT_USED_BYTES(v.size);

		if (n > area)
			n = (unsigned)area;
		for (k = 0; k < n; k++)
			buf[k] = fz_u8(in);
		dev_write(v.used + fz_u16(in) % (area - n + 1u), buf, n);
		v.honest = false;
		break;
	}
	default: { /* bytes of the driver's areas: it must not read them back */
		uint8_t buf[16], *base;
		unsigned n = 1u + fz_u8(in) % 16u, k;
		size_t area;

		switch (fz_u8(in) % 3) {
		case 0:
			base = v.desc;
			area = VOB_SPLIT_DESC_BYTES(v.size);
			break;
		case 1:
			base = v.avail;
			area = VOB_SPLIT_AVAIL_BYTES(v.size);
			break;
		default:
			base = v.ind_len ? v.ind : v.desc;
			area = v.ind_len ? v.ind_len : VOB_SPLIT_DESC_BYTES(v.size);
			break;
		}
		if (n > area)
			n = (unsigned)area;
		for (k = 0; k < n; k++)
			buf[k] = fz_u8(in);
		dev_write(base + fz_u16(in) % (area - n + 1u), buf, n);
		break;
	}
	}
}

/* Many add / complete / get_used rounds (through the 16-bit wrap when the
 * queue starts near it). */
static void op_burst(struct fz_in *in)
{
	unsigned count = 1u + 2u * fz_u8(in), i;
	uint8_t m = fz_u8(in);

	if (count > v.burst_left)
		count = v.burst_left;
	v.burst_left -= count;
	v.quiet = true;
	for (i = 0; i < count && !v.broken; i++) {
		struct vob_seg seg[2];
		struct fz_in none = { NULL, 0 };
		unsigned n = 1u + ((m >> 1) & 1u);

		seg[0].addr = region_addr(&v.freeA, (i * 8u) % (v.freeA.len - 64u));
		seg[0].len = 8;
		seg[1].addr = seg[0].addr + 16u;
		seg[1].len = 16;
		do_add(seg, n - 1u, 1, (void *)(uintptr_t)(0x10000u + 16u * ++v.next_tok));
		op_complete(&none);
		if (m & 1)
			do_get_used(0);
		while (nout > v.size / 2u && do_get_used(0) == 0)
			;
	}
	v.quiet = false;
	check_state("burst");
}

/* ---- set-up --------------------------------------------------------------------- */

static void drv_init(void)
{
	int err;

	nout = 0;
	v.broken = false;
	v.honest = true;
	v.avail_idx = v.last_used = v.kicked = v.avail_flags = v.used_seen = 0;
	v.batch = false;
	v.batch_last = 0;
	v.batch_len = 0;
	v.next_head = 0;
	v.nfree = v.size;
	v.n = (struct fz_counts){ 0 };
	v.cq_n = 0;
	/* A queue resumed after v.start buffers went through (vob_vq_cfg.start),
	 * so that the 16-bit indices wrap within a few operations. Nothing is
	 * in flight. */
	v.cfg.start = v.start;
	err = vob_vq_init(&v.vq, &fz.link, &v.cfg, v.state, VOB_VQ_STATE_SIZE(v.size, v.imax));
	FZ_CHECK(err == 0, "vob_vq_init: %d", err);
	FZ_CHECK(vob_vq_position(&v.vq) == v.start, "vob_vq_position after init: %u, started at %u",
		 vob_vq_position(&v.vq), v.start);
	exp_w16(v.avail, 0);
	exp_w16(v.avail + 2, v.start);
	exp_w16(v.avail + 4u + 2u * v.size, v.start);
	v.avail_idx = v.kicked = v.last_used = v.used_seen = v.start;
	check_state("vob_vq_init");
	v.dev_used = v.start;
	dev_w16(v.used + 2, v.start);
}

static void drv_setup(struct fz_in *in)
{
	uint8_t h[8];
	size_t L, ring, dbytes, abytes, ubytes;
	unsigned k;

	for (k = 0; k < 8; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[6], h[4], h[2], 0);
	L = fz.line;
	memset(expA, 0, sizeof(expA));
	memset(&v.cfg, 0, sizeof(v.cfg));
	v.size = (uint16_t)(1u << (h[0] % 9u));
	v.mask = (uint16_t)(v.size - 1u);
	v.feat = VOB_BIT(VOB_F_VERSION_1);
	if (h[1] & 1)
		v.feat |= VOB_BIT(VOB_F_EVENT_IDX);
	if (h[1] & 2)
		v.feat |= VOB_BIT(VOB_F_INDIRECT_DESC);
	if (h[1] & 4)
		v.feat |= VOB_BIT(VOB_F_IN_ORDER);
	if (h[1] & 8)
		v.feat |= VOB_BIT(VOB_F_NOTIFICATION_DATA);
	/* Indirect tables: none, a useless max of 1, or 2..16 entries. */
	v.cfg.indirect_max = h[5] % 4u == 0 ? 0 : h[5] % 4u == 1 ? 1 : (uint16_t)(2u + (h[5] >> 2) % 15u);
	if (v.cfg.indirect_max > 1 && (unsigned)v.size * v.cfg.indirect_max > 1024u)
		v.cfg.indirect_max = (uint16_t)(1024u / v.size < 2u ? 2u : 1024u / v.size);
	v.imax = (v.feat & VOB_BIT(VOB_F_INDIRECT_DESC)) && v.cfg.indirect_max > 1
			 ? v.cfg.indirect_max : 0;
	v.ind_len = v.cfg.indirect_max ? VOB_ALIGN_UP((size_t)v.size * v.cfg.indirect_max * 16u, L) : 0;

	dbytes = VOB_ALIGN_UP(VOB_SPLIT_DESC_BYTES(v.size), L);
	abytes = VOB_ALIGN_UP(VOB_SPLIT_AVAIL_BYTES(v.size), L);
	ubytes = VOB_ALIGN_UP(VOB_SPLIT_USED_BYTES(v.size), L);
	ring = VOB_SPLIT_RING_BYTES(v.size, L);
	switch (h[3] % 3) {
	case 0: /* contiguous ring, then the indirect tables, at the start of A */
		v.desc = fz.a;
		v.avail = fz.a + VOB_SPLIT_AVAIL_OFF(v.size, L);
		v.used = fz.a + VOB_SPLIT_USED_OFF(v.size, L);
		v.ind = fz.a + ring;
		v.freeA.p = v.ind + v.ind_len;
		v.freeB.p = fz.b;
		break;
	case 1: /* the device area in the read-only window */
		v.desc = fz.a;
		v.avail = fz.a + dbytes;
		v.ind = v.avail + abytes;
		v.used = fz.b;
		v.freeA.p = v.ind + v.ind_len;
		v.freeB.p = fz.b + ubytes;
		break;
	default: /* indirect tables, then the ring, at the very end of A */
		v.desc = fz.a + FZ_A_SIZE - ring;
		v.avail = v.desc + VOB_SPLIT_AVAIL_OFF(v.size, L);
		v.used = v.desc + VOB_SPLIT_USED_OFF(v.size, L);
		v.ind = v.desc - v.ind_len;
		v.freeA.p = fz.a;
		v.freeB.p = fz.b;
		break;
	}
	v.freeA.len = (h[3] % 3 == 2) ? (size_t)(v.ind - fz.a) : FZ_A_SIZE - (size_t)(v.freeA.p - fz.a);
	v.freeB.len = FZ_B_SIZE - (size_t)(v.freeB.p - fz.b);
	v.cfg.role = VOB_ROLE_DRIVER;
	v.cfg.index = 7;
	v.cfg.size = v.size;
	v.cfg.doorbell = 2;
	v.cfg.features = v.feat;
	v.cfg.desc_addr = fz_addr_of(v.desc);
	v.cfg.driver_addr = fz_addr_of(v.avail);
	v.cfg.device_addr = fz_addr_of(v.used);
	v.cfg.indirect_addr = v.ind_len ? fz_addr_of(v.ind) : 0;
	fz.on_clean = drv_on_clean;
	fz.on_invalidate = drv_on_invalidate;
	free(v.state);
	v.state = malloc(VOB_VQ_STATE_SIZE(v.size, v.imax));
	v.start = h[7] < 96 ? 0 : (uint16_t)(0u - (h[7] - 95u));
	v.next_tok = v.added = v.returned = v.reclaimed = 0;
	v.quiet = false;
	v.cur_segs = NULL;
	v.cur_n = 0;
	v.burst_left = BURST_BUDGET;
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

		switch (op % 14) {
		case 0:
		case 1:
		case 2:
			op_add(&in);
			break;
		case 3:
		case 4:
			op_complete(&in);
			break;
		case 5:
			op_hostile(&in);
			break;
		case 6:
		case 7:
			do_get_used(fz_u8(&in));
			break;
		case 8:
			op_kick(fz_u8(&in));
			break;
		case 9:
			do_enable();
			break;
		case 10:
			do_disable();
			break;
		case 11:
			op_burst(&in);
			break;
		case 12: /* collect everything used */
			while (do_get_used(0) == 0)
				;
			break;
		default: { /* reclaim a few, or reset: reclaim all and start over */
			uint8_t m = fz_u8(&in);

			if (m % 8 == 0) {
				do_reclaim(1u + (m >> 3) % 4u, false);
			} else if (m % 8 == 1) {
				do_reclaim(0, true);
				drv_init();
			} else if (m % 8 == 2) {
				op_wrong_role();
			}
			break;
		}
		}
	}
	do_reclaim(0, true);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUT 4u                 /* readable segments per chain, at most */
#define MAX_IN 3u                  /* writable segments per chain, at most */
#define MAX_SEGS (MAX_OUT + MAX_IN)
#define STRIDE_BYTES 160u          /* a segment slot, before rounding to lines */
#define HOLD_CAP 16u               /* chains the device may hold */
#define BELL_KICK 1u               /* driver -> device */
#define BELL_USED 2u               /* device -> driver */
#define BLOCK_A 0x10000000ull      /* link address of A's memory */
#define BLOCK_B 0x20000000ull      /* link address of B's memory */

/* The oracle of one message slot: test memory, outside every window. */
struct h_msg {
	uint32_t seq;                    /* 0 while the slot is free */
	unsigned n_out, n_in;            /* segments added */
	unsigned nz_out, nz_in;          /* of them, not empty (the device sees these) */
	uint64_t addr[MAX_SEGS];
	uint32_t len[MAX_SEGS];
	uint32_t out_len, in_len;
	uint32_t hash;                   /* of the readable bytes */
	uint32_t expect;                 /* bytes the device will write */
	uint8_t out[MAX_OUT * 256u];     /* copy of the readable bytes */
};

struct h_layout {
	uint64_t desc, avail, used, ind; /* ring areas and indirect tables */
	uint64_t out_base, in_base;      /* buffers: driver->device, device->driver */
	size_t stride;                   /* one segment slot, whole lines */
};

struct h_run {
	struct vob_sim sim;
	const struct h_case *c;
	const struct h_params *p;
	uint64_t seed;
	struct h_layout lay;
	struct vob_link *ldrv, *ldev;
	struct vob_vq drv, dev;
	void *sdrv, *sdev;
	struct h_msg *msg;               /* qsize slots */
	unsigned nslots;
	unsigned sent, collected, served, popped;
	struct vob_chain held[HOLD_CAP];
	struct vob_iov held_iov[HOLD_CAP][MAX_SEGS];
	uint32_t held_reply[HOLD_CAP];   /* zero-copy reply written, not yet published */
	uint8_t held_written[HOLD_CAP];  /* held_reply[] is valid */
	unsigned nheld;
	int prepared;                    /* driver: slot built but not yet added, or -1 */
	char why[512];
};

const char *h_mode_name(uint8_t mode)
{
	static const char *const name[] = { "coherent", "uncached", "cached" };

	return mode <= VOB_MEM_CACHED ? name[mode] : "?";
}

static const char *h_fault_name(int f)
{
	static const char *const name[] = {
		"none", "AVAIL_IDX", "HEAD_RANGE", "NEXT_RANGE", "LOOP", "TOO_LONG",
		"LEN_OVERFLOW", "DIRECTION", "INDIRECT", "INDIRECT_LEN", "INDIRECT_NESTED",
		"ADDRESS", "HEAD_BUSY", "IN_ORDER", "USED_IDX", "USED_ID", "USED_LEN",
	};

	return f >= 0 && f < (int)(sizeof(name) / sizeof(name[0])) ? name[f] : "?";
}

static int fail(struct h_run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->why[0]) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	return VOB_EBADMSG;
}

/* ---- payload ---------------------------------------------------------- */

static uint32_t h_fnv(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Byte @i of the device's answer to a request hashing to @h. */
static uint8_t h_resp(uint32_t h, uint32_t i)
{
	uint32_t x = h + i * 0x9e3779b1u;

	x ^= x >> 15;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return (uint8_t)x;
}

static uint32_t h_expect(const struct h_run *r, uint32_t h, uint32_t in_len)
{
	if (!in_len || r->p->full_write || (h & 3u) == 0)
		return in_len;
	return (h >> 2) % (in_len + 1u);
}

/* ---- driver, side A --------------------------------------------------- */

static uint64_t h_out_addr(const struct h_run *r, unsigned slot, unsigned j)
{
	return r->lay.out_base + ((uint64_t)slot * MAX_OUT + j) * r->lay.stride;
}

static uint64_t h_in_addr(const struct h_run *r, unsigned slot, unsigned j)
{
	return r->lay.in_base + ((uint64_t)slot * MAX_IN + j) * r->lay.stride;
}

/* Fill slot @k with a new request, through the driver's own mapping. */
static int h_build(struct h_run *r, unsigned k, struct vob_seg *segs)
{
	struct vob_sim *sim = &r->sim;
	struct h_msg *m = &r->msg[k];
	unsigned j, n;

	if (r->p->fixed_shape) {
		m->n_out = 1;
		m->n_in = 1;
	} else {
		m->n_out = 1u + vob_sim_rand_below(sim, MAX_OUT);
		m->n_in = vob_sim_rand_below(sim, MAX_IN + 1u);
	}
	n = m->n_out + m->n_in;
	m->out_len = 0;
	m->in_len = 0;
	m->nz_out = 0;
	m->nz_in = 0;
	for (j = 0; j < n; j++) {
		bool out = j < m->n_out;
		uint64_t addr = out ? h_out_addr(r, k, j) : h_in_addr(r, k, j - m->n_out);
		uint32_t len = r->p->fixed_shape ? r->p->fixed_len
						 : 1u + vob_sim_rand_below(sim, (uint32_t)r->lay.stride);
		uint8_t *p;
		uint32_t i;

		/* Now and then an empty segment (never the first: the device
		 * finds the oracle through it). */
		if (!r->p->fixed_shape && j && vob_sim_rand_below(sim, 16) == 0)
			len = 0;
		/* With two windows (reader-local placement) a writable segment
		 * covers whole lines: the device refills a line it covers only in
		 * part before writing it (lib/xfer.c), a read across the link
		 * this mode is there to show never happens. */
		if (!out && len && r->c->nwin == 2)
			len = (len + r->p->line - 1u) / r->p->line * r->p->line;
		if (len)
			*(out ? &m->nz_out : &m->nz_in) += 1;
		p = vob_link_translate(r->ldrv, addr, len, VOB_MAP_WRITE, NULL);

		if (!p)
			return fail(r, "driver cannot translate its own buffer 0x%" PRIx64, addr);
		if (out) {
			for (i = 0; i < len; i++)
				m->out[m->out_len + i] = (uint8_t)vob_sim_rand(sim);
			memcpy(p, m->out + m->out_len, len);
			m->out_len += len;
		} else {
			/* Poison what the device will overwrite: the driver's
			 * stale bytes must never come back. */
			for (i = 0; i < len; i++)
				p[i] = (uint8_t)(0x80u | vob_sim_rand(sim));
			m->in_len += len;
		}
		vob_sim_mark_written(sim, H_DRV, p, len);
		m->addr[j] = addr;
		m->len[j] = len;
		segs[j].addr = addr;
		segs[j].len = len;
	}
	m->hash = h_fnv(2166136261u, m->out, m->out_len);
	m->expect = h_expect(r, m->hash, m->in_len);
	return 0;
}

/* Once vob_vq_add() or vob_chain_push() returned, the bytes must be in
 * memory the peer reads (backing memory, the bus's view): segments
 * [j0, j1) of @m must hold the @n bytes of @want. */
static int h_check_backing(struct h_run *r, const struct h_msg *m, unsigned j0, unsigned j1,
			   const uint8_t *want, uint32_t n, const char *what)
{
	uint32_t i = 0;
	unsigned j;

	for (j = j0; j < j1 && i < n; j++) {
		const uint8_t *b = vob_sim_backing(&r->sim, m->addr[j], m->len[j]);
		uint32_t k;

		for (k = 0; k < m->len[j] && i < n; k++, i++)
			if (b[k] != want[i])
				return fail(r,
					    "message %u (slot %u): %s byte %u (addr 0x%" PRIx64
					    ") not in memory after it was published: 0x%02x, "
					    "want 0x%02x",
					    m->seq, (unsigned)(m - r->msg), what, i, m->addr[j] + k,
					    b[k], want[i]);
	}
	return 0;
}

/* Check a used chain through the driver's mapping. */
static int h_check_used(struct h_run *r, void *token, uint32_t written)
{
	struct h_msg *m = token;
	uint32_t i = 0;
	unsigned j;

	if (m < r->msg || m >= r->msg + r->nslots || (size_t)((char *)m - (char *)r->msg) %
							     sizeof(*m))
		return fail(r, "get_used returned a foreign token %p", token);
	if (!m->seq)
		return fail(r, "get_used returned the token of free slot %u", (unsigned)(m - r->msg));
	if (written != m->expect)
		return fail(r, "message %u (slot %u): written %u, device wrote %u", m->seq,
			    (unsigned)(m - r->msg), written, m->expect);
	for (j = m->n_out; j < m->n_out + m->n_in && i < written; j++) {
		const uint8_t *p = vob_link_translate(r->ldrv, m->addr[j], m->len[j], VOB_MAP_READ,
						      NULL);
		uint32_t k;

		for (k = 0; k < m->len[j] && i < written; k++, i++)
			if (p[k] != h_resp(m->hash, i))
				return fail(r,
					    "message %u (slot %u): reply byte %u (segment %u, "
					    "addr 0x%" PRIx64 ") is 0x%02x, device wrote 0x%02x",
					    m->seq, (unsigned)(m - r->msg), i, j, m->addr[j] + k,
					    p[k], h_resp(m->hash, i));
	}
	m->seq = 0;
	return 0;
}

static int h_drv_step(struct vob_sim *sim, void *arg)
{
	struct h_run *r = arg;
	bool worked = false, added = false;
	unsigned burst, b, k = 0;
	int err;

	(void)vob_link_irq_take(r->ldrv, BELL_USED);
	if (vob_sim_rand_below(sim, 2))
		vob_vq_disable_notify(&r->drv);
	for (;;) {
		void *token;
		uint32_t written;

		err = vob_vq_get_used(&r->drv, &token, &written);
		if (err == VOB_EAGAIN)
			break;
		if (err)
			return fail(r, "get_used: %s (fault %s)", vob_strerror(err),
				    h_fault_name(vob_vq_fault(&r->drv)));
		err = h_check_used(r, token, written);
		if (err)
			return err;
		worked = true;
		if (++r->collected == r->p->warmup)
			vob_sim_reset_counters(sim);
	}
	/* Add a burst. A request may be prepared in one step and added in a
	 * later one (its dirty lines then sit in the cache between steps, where
	 * random evictions may write them back early); one that found the ring
	 * full waits, prepared, for the next step. */
	burst = 1u + vob_sim_rand_below(sim, 4);
	for (b = 0; b < burst; b++) {
		struct vob_seg segs[MAX_SEGS];
		struct h_msg *m;
		unsigned j;

		if (r->prepared < 0) {
			if (r->sent == r->p->total)
				break;
			while (k < r->nslots && r->msg[k].seq)
				k++;
			if (k == r->nslots)
				break;
			err = h_build(r, k, segs);
			if (err)
				return err;
			r->prepared = (int)k++;
			worked = true;
			if (!r->p->plain && vob_sim_rand_below(sim, 4) == 0)
				break;
		}
		m = &r->msg[r->prepared];
		for (j = 0; j < m->n_out + m->n_in; j++) {
			segs[j].addr = m->addr[j];
			segs[j].len = m->len[j];
		}
		err = vob_vq_add(&r->drv, segs, m->n_out, m->n_in, m);
		if (err == VOB_ENOSPC)
			break;
		if (err)
			return fail(r, "add: %s", vob_strerror(err));
		m->seq = ++r->sent;
		r->prepared = -1;
		added = true;
		err = h_check_backing(r, m, 0, m->n_out, m->out, m->out_len, "request");
		if (err)
			return err;
	}
	if (added) {
		err = vob_vq_kick(&r->drv);
		if (err < 0)
			return fail(r, "driver kick: %s", vob_strerror(err));
		worked = true;
	}
	if (r->collected == r->p->total)
		return VOB_SIM_DONE;
	if (worked)
		return VOB_SIM_BUSY;
	err = vob_vq_enable_notify(&r->drv);
	if (err < 0)
		return fail(r, "driver enable_notify: %s", vob_strerror(err));
	return err ? VOB_SIM_BUSY : VOB_SIM_IDLE;
}

/* ---- device, side B --------------------------------------------------- */

/* Check a popped chain's shape against the oracle; returns its slot. */
static int h_check_chain(struct h_run *r, const struct vob_chain *c, unsigned *slot)
{
	size_t slot_bytes = MAX_OUT * r->lay.stride;
	const struct h_msg *m;
	uint64_t a;
	unsigned i, j;
	bool ind;

	if (c->n_out < 1 || vob_link_addr_of(r->ldev, c->iov[0].base, 1, &a) ||
	    a < r->lay.out_base || a >= r->lay.out_base + r->nslots * slot_bytes)
		return fail(r, "popped chain (head %u) does not start with a request buffer",
			    c->head);
	*slot = (unsigned)((a - r->lay.out_base) / slot_bytes);
	m = &r->msg[*slot];
	if (!m->seq)
		return fail(r, "popped chain (head %u) names free slot %u", c->head, *slot);
	if (c->n_out != m->nz_out || c->n_in != m->nz_in || c->out_len != m->out_len ||
	    c->in_len != m->in_len)
		return fail(r,
			    "message %u (slot %u, head %u): popped %u+%u segments, %u+%u bytes; "
			    "driver added %u+%u non-empty, %u+%u",
			    m->seq, *slot, c->head, c->n_out, c->n_in, c->out_len, c->in_len,
			    m->nz_out, m->nz_in, m->out_len, m->in_len);
	/* Empty segments are left out of the chain. vob_vq_add() put 2 to
	 * indirect_max segments in an indirect table. */
	ind = r->drv.indirect_max && m->n_out + m->n_in > 1u &&
	      m->n_out + m->n_in <= r->drv.indirect_max;
	for (j = 0, i = 0; j < m->n_out + m->n_in; j++) {
		uint32_t want = (j >= m->n_out ? VOB_IOV_WRITE : 0u) |
				(r->c->mode == VOB_MEM_CACHED ? VOB_IOV_CACHED : 0u) |
				(ind ? VOB_IOV_INDIRECT : 0u);

		if (!m->len[j])
			continue;
		if (vob_link_addr_of(r->ldev, c->iov[i].base, c->iov[i].len, &a) ||
		    a != m->addr[j] || c->iov[i].len != m->len[j] || c->iov[i].flags != want)
			return fail(r,
				    "message %u (slot %u, head %u): segment %u is 0x%" PRIx64
				    "+%u flags %u, driver added 0x%" PRIx64 "+%u",
				    m->seq, *slot, c->head, i, a, c->iov[i].len, c->iov[i].flags,
				    m->addr[j], m->len[j]);
		i++;
	}
	return 0;
}

/* Drop held chain @i, keeping held[] dense (each keeps its own iov array). */
static void h_unhold(struct h_run *r, unsigned i)
{
	r->nheld--;
	if (i == r->nheld)
		return;
	if (r->p->in_order) {
		/* Keep pop order: shift the rest down. */
		for (; i < r->nheld; i++) {
			r->held[i] = r->held[i + 1];
			memcpy(r->held_iov[i], r->held_iov[i + 1], sizeof(r->held_iov[i]));
			r->held[i].iov = r->held_iov[i];
			r->held_reply[i] = r->held_reply[i + 1];
			r->held_written[i] = r->held_written[i + 1];
		}
		return;
	}
	r->held[i] = r->held[r->nheld];
	memcpy(r->held_iov[i], r->held_iov[r->nheld], sizeof(r->held_iov[i]));
	r->held[i].iov = r->held_iov[i];
	r->held_reply[i] = r->held_reply[r->nheld];
	r->held_written[i] = r->held_written[r->nheld];
}

/* Zero-copy request check: read the readable segments in place. */
static int h_read_in_place(struct h_run *r, const struct vob_chain *c, const struct h_msg *m,
			   uint8_t *buf)
{
	uint32_t off = 0;
	unsigned j;

	for (j = 0; j < c->n_out; j++) {
		vob_link_sync_for_cpu(r->ldev, c->iov[j].base, c->iov[j].len);
		memcpy(buf + off, c->iov[j].base, c->iov[j].len);
		off += c->iov[j].len;
	}
	return off == m->out_len ? 0 : fail(r, "message %u: %u bytes in place", m->seq, off);
}

/* Zero-copy reply: write @n bytes into the writable segments in place;
 * @sync: clean them too (else the caller does, later). */
static void h_write_in_place(struct h_run *r, const struct vob_chain *c, const uint8_t *buf,
			     uint32_t n, bool sync)
{
	uint32_t off = 0;
	unsigned j;

	for (j = c->n_out; j < c->n_out + c->n_in && off < n; j++) {
		uint32_t len = c->iov[j].len < n - off ? c->iov[j].len : n - off;

		if (buf) {
			memcpy(c->iov[j].base, buf + off, len);
			vob_sim_mark_written(&r->sim, H_DEV, c->iov[j].base, len);
		}
		if (sync)
			vob_link_sync_for_peer(r->ldev, c->iov[j].base, len);
		off += len;
	}
}

/* Serve held chain @i. Three ways, drawn from the seed: pull and push
 * copies (vob_chain_pull/vob_chain_push do the cache work); or zero-copy,
 * reading the request in place and writing the reply in place, in which
 * case the reply is cleaned and published in a later step (its dirty lines
 * sit in the cache in between). Sets *done when the chain was pushed. */
static int h_serve(struct h_run *r, unsigned i, bool *done)
{
	struct vob_chain *c = &r->held[i];
	uint8_t buf[MAX_OUT * 256u];
	unsigned slot = 0;
	struct h_msg *m;
	uint32_t h, n, k;
	bool copy;
	int got, err;

	*done = false;
	err = h_check_chain(r, c, &slot);
	if (err)
		return err;
	m = &r->msg[slot];
	if (r->held_written[i]) {
		/* Publish a reply written in place in an earlier step. */
		n = r->held_reply[i];
		h_write_in_place(r, c, NULL, n, true);
		goto push;
	}
	copy = r->p->plain || vob_sim_rand_below(&r->sim, 3) != 0;
	if (copy) {
		/* In two pieces, split anywhere. */
		uint32_t cut = r->p->plain ? m->out_len
					   : vob_sim_rand_below(&r->sim, m->out_len + 1u);

		got = vob_chain_pull(r->ldev, c, 0, buf, cut, NULL);
		if (got == (int)cut)
			got += vob_chain_pull(r->ldev, c, cut, buf + cut, sizeof(buf) - cut, NULL);
		if (got != (int)m->out_len)
			return fail(r, "message %u: pulled %d of %u bytes", m->seq, got, m->out_len);
	} else {
		err = h_read_in_place(r, c, m, buf);
		if (err)
			return err;
	}
	for (k = 0; k < m->out_len; k++)
		if (buf[k] != m->out[k])
			return fail(r,
				    "message %u (slot %u, head %u): request byte %u is 0x%02x, "
				    "driver wrote 0x%02x",
				    m->seq, slot, c->head, k, buf[k], m->out[k]);
	h = h_fnv(2166136261u, buf, m->out_len);
	n = h_expect(r, h, c->in_len);
	for (k = 0; k < n; k++)
		buf[k] = h_resp(h, k);
	if (!copy) {
		h_write_in_place(r, c, buf, n, false);
		r->held_reply[i] = n;
		r->held_written[i] = 1;
		return 0;
	}
	k = r->p->plain ? n : vob_sim_rand_below(&r->sim, n + 1u);
	got = vob_chain_push(r->ldev, c, 0, buf, k, NULL);
	if (got == (int)k)
		got += vob_chain_push(r->ldev, c, k, buf + k, n - k, NULL);
	if (got != (int)n)
		return fail(r, "message %u: pushed %d of %u bytes", m->seq, got, n);
push:
	for (k = 0; k < n; k++)
		buf[k] = h_resp(m->hash, k);
	err = h_check_backing(r, m, m->n_out, m->n_out + m->n_in, buf, n, "reply");
	if (err)
		return err;
	err = vob_vq_push(&r->dev, c, n);
	if (err)
		return fail(r, "push: %s", vob_strerror(err));
	r->served++;
	h_unhold(r, i);
	*done = true;
	return 0;
}

static int h_dev_step(struct vob_sim *sim, void *arg)
{
	struct h_run *r = arg;
	bool popped = false;
	unsigned burst, b, npush, pushed = 0;
	int err;

	(void)vob_link_irq_take(r->ldev, BELL_KICK);
	if (vob_sim_rand_below(sim, 2))
		vob_vq_disable_notify(&r->dev);
	burst = 1u + vob_sim_rand_below(sim, 4);
	for (b = 0; b < burst && r->nheld < r->p->hold_max; b++) {
		struct vob_chain *c = &r->held[r->nheld];

		c->iov = r->held_iov[r->nheld];
		c->cap = MAX_SEGS;
		r->held_written[r->nheld] = 0;
		err = vob_vq_pop(&r->dev, c);
		if (err == VOB_EAGAIN)
			break;
		if (err)
			return fail(r, "pop: %s (fault %s)", vob_strerror(err),
				    h_fault_name(vob_vq_fault(&r->dev)));
		r->nheld++;
		r->popped++;
		popped = true;
	}
	/* Serve some of what is held, in random order; at least one when
	 * nothing new came or the device is full. */
	npush = vob_sim_rand_below(sim, r->nheld + 1u);
	if (!npush && r->nheld && (!popped || r->nheld == r->p->hold_max))
		npush = 1;
	for (b = 0; b < npush && r->nheld; b++) {
		bool done;

		/* IN_ORDER: chains go back in the order they came. */
		err = h_serve(r, r->p->in_order ? 0 : vob_sim_rand_below(sim, r->nheld), &done);
		if (err)
			return err;
		pushed += done;
	}
	if (pushed) {
		err = vob_vq_kick(&r->dev);
		if (err < 0)
			return fail(r, "device kick: %s", vob_strerror(err));
	}
	if (r->served == r->p->total)
		return VOB_SIM_DONE;
	if (popped || npush || r->nheld)
		return VOB_SIM_BUSY;
	err = vob_vq_enable_notify(&r->dev);
	if (err < 0)
		return fail(r, "device enable_notify: %s", vob_strerror(err));
	return err ? VOB_SIM_BUSY : VOB_SIM_IDLE;
}

/* ---- set-up ----------------------------------------------------------- */

static uint64_t h_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void h_params_from_seed(const struct h_case *c, uint64_t seed, struct h_params *p)
{
	static const uint32_t lines[] = { 32, 64, 128, 256 };
	static const uint16_t sizes[] = { 8, 16, 32, 64 };
	static const uint32_t pass[] = { 0, 200, 600, 1000 };
	static const uint32_t rate[] = { 0, 20, 150, 500, 1000 };
	static const uint32_t delay[] = { 0, 1, 3, 12 };
	static const uint32_t coalesce[] = { 0, 50, 100 };
	static const unsigned hold[] = { 1, 1, 4, 16 };
	uint64_t s = seed ^ 0x5eedf00dcafef00dull;

	memset(p, 0, sizeof(*p));
	p->line = lines[h_mix(&s) % 4];
	p->qsize = sizes[h_mix(&s) % 4];
	p->indirect = (uint8_t)(h_mix(&s) & 1u);
	p->total = 120u + (unsigned)(h_mix(&s) % 120u);
	p->hold_max = hold[h_mix(&s) % 4];
	p->owner = c->owner >= 0 ? c->owner : (int)(h_mix(&s) % 3u);
	p->in_order = (h_mix(&s) % 4u) == 0;
	p->sim.pass_permille = pass[h_mix(&s) % 4];
	p->sim.evict_permille = rate[h_mix(&s) % 5];
	p->sim.refill_permille = rate[h_mix(&s) % 5];
	p->sim.bell_delay_max = delay[h_mix(&s) % 4];
	p->sim.coalesce_pct = coalesce[h_mix(&s) % 3];
	p->sim.bias_a_pct = 20u + (uint32_t)(h_mix(&s) % 61u);
}

static size_t h_up(size_t n, size_t a)
{
	return (n + a - 1u) & ~(a - 1u);
}

/* Place the rings and buffers. One window: everything in one block (owned
 * by p->owner). Two windows: each area in the memory of the side that reads
 * it: descriptors, avail, indirect tables and request buffers in B's (the
 * device's), used ring and reply buffers in A's (the driver's). */
static int h_place(struct h_run *r)
{
	const struct h_params *p = r->p;
	size_t line = p->line, q = p->qsize;
	size_t desc = h_up(VOB_SPLIT_DESC_BYTES(q), line);
	size_t avail = h_up(VOB_SPLIT_AVAIL_BYTES(q), line);
	size_t used = h_up(VOB_SPLIT_USED_BYTES(q), line);
	size_t ind = p->indirect ? h_up(q * MAX_SEGS * 16u, line) : 0;
	size_t outb = r->nslots * MAX_OUT * r->lay.stride;
	size_t inb = r->nslots * MAX_IN * r->lay.stride;
	int err;

	if (r->c->nwin == 1) {
		uint64_t a = BLOCK_A;

		r->lay.desc = a;
		r->lay.avail = a + desc;
		r->lay.used = r->lay.avail + avail;
		r->lay.ind = r->lay.used + used;
		r->lay.out_base = r->lay.ind + ind;
		r->lay.in_base = r->lay.out_base + outb;
		err = vob_sim_add_block(&r->sim, a, desc + avail + used + ind + outb + inb, p->owner);
		return err < 0 ? err : 0;
	}
	/* A's memory: what the driver reads. */
	r->lay.used = BLOCK_A;
	r->lay.in_base = BLOCK_A + used;
	err = vob_sim_add_block(&r->sim, BLOCK_A, used + inb, VOB_SIM_A);
	if (err < 0)
		return err;
	/* B's memory: what the device reads. */
	r->lay.desc = BLOCK_B;
	r->lay.avail = BLOCK_B + desc;
	r->lay.ind = r->lay.avail + avail;
	r->lay.out_base = r->lay.ind + ind;
	err = vob_sim_add_block(&r->sim, BLOCK_B, desc + avail + ind + outb, VOB_SIM_B);
	return err < 0 ? err : 0;
}

static int h_setup(struct h_run *r)
{
	const struct h_params *p = r->p;
	struct vob_sim_cfg sc = p->sim;
	struct vob_vq_cfg cd, cv;
	size_t sd, sv;
	int err;

	sc.seed = r->seed;
	sc.mode = r->c->mode;
	sc.line = p->line;
	err = vob_sim_init(&r->sim, &sc);
	if (err)
		return fail(r, "vob_sim_init: %s", vob_strerror(err));
	r->ldrv = vob_sim_link(&r->sim, H_DRV);
	r->ldev = vob_sim_link(&r->sim, H_DEV);
	r->nslots = p->qsize;
	r->lay.stride = h_up(p->fixed_shape ? p->fixed_len : STRIDE_BYTES, p->line);
	r->msg = calloc(r->nslots, sizeof(*r->msg));
	if (!r->msg)
		return fail(r, "out of memory");
	err = h_place(r);
	if (err)
		return fail(r, "placing the rings: %s", vob_strerror(err));

	memset(&cd, 0, sizeof(cd));
	cd.role = VOB_ROLE_DRIVER;
	cd.size = p->qsize;
	cd.doorbell = BELL_KICK;
	cd.features = VOB_BIT(VOB_F_VERSION_1) | (r->c->evidx ? VOB_BIT(VOB_F_EVENT_IDX) : 0) |
		      (p->indirect ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0) |
		      (p->in_order ? VOB_BIT(VOB_F_IN_ORDER) : 0);
	cd.desc_addr = r->lay.desc;
	cd.driver_addr = r->lay.avail;
	cd.device_addr = r->lay.used;
	if (p->indirect) {
		cd.indirect_addr = r->lay.ind;
		cd.indirect_max = MAX_SEGS;
	}
	cv = cd;
	cv.role = VOB_ROLE_DEVICE;
	cv.doorbell = BELL_USED;
	cv.indirect_addr = 0;
	cv.indirect_max = 0;
	cv.seg_max = MAX_SEGS;
	sd = VOB_VQ_STATE_SIZE(p->qsize, cd.indirect_max);
	sv = VOB_VQ_STATE_SIZE(p->qsize, 0);
	r->sdrv = aligned_alloc(8, sd);
	r->sdev = aligned_alloc(8, sv);
	if (!r->sdrv || !r->sdev)
		return fail(r, "out of memory");
	err = vob_vq_init(&r->drv, r->ldrv, &cd, r->sdrv, sd);
	if (err)
		return fail(r, "driver vq_init: %s", vob_strerror(err));
	err = vob_vq_init(&r->dev, r->ldev, &cv, r->sdev, sv);
	if (err)
		return fail(r, "device vq_init: %s", vob_strerror(err));
	vob_sim_set_step(&r->sim, H_DRV, h_drv_step, r);
	vob_sim_set_step(&r->sim, H_DEV, h_dev_step, r);
	return 0;
}

/* After the run: the queues agree, and the cache contract held. */
static int h_finish(struct h_run *r, struct h_result *res)
{
	const struct vob_vq_stats *sd = vob_vq_stats(&r->drv), *sv = vob_vq_stats(&r->dev);
	int s;

	if (sd->added != r->p->total || sd->used != r->p->total || sv->added != r->p->total ||
	    sv->used != r->p->total)
		return fail(r, "queue stats: driver %" PRIu64 "/%" PRIu64 ", device %" PRIu64
			       "/%" PRIu64 ", want %u",
			    sd->added, sd->used, sv->added, sv->used, r->p->total);
	for (s = 0; s < 2; s++) {
		const struct vob_sim_counters *c = vob_sim_counters(&r->sim, s);

		if (c->dirty_dropped)
			return fail(r, "side %c invalidated %" PRIu64
				       " dirty lines (its own writes, lost)",
				    'A' + s, c->dirty_dropped);
		if (c->stray_ops)
			return fail(r, "side %c made %" PRIu64 " cache ops outside the windows",
				    'A' + s, c->stray_ops);
		/* Reader-local placement: nothing on the data path is read
		 * from the other side's memory. */
		if (r->c->nwin == 2 && c->remote_lines_read)
			return fail(r, "side %c read %" PRIu64
				       " lines from the other side's memory",
				    'A' + s, c->remote_lines_read);
		res->c[s] = *c;
	}
	res->ticks = r->sim.now;
	res->messages = r->p->total - (r->p->warmup < r->p->total ? r->p->warmup : 0);
	res->kicks = sd->notify_sent;
	res->kicks_suppressed = sd->notify_suppressed;
	res->irqs = sv->notify_sent;
	res->irqs_suppressed = sv->notify_suppressed;
	return 0;
}

static void h_describe(const struct h_run *r, FILE *f)
{
	const struct h_params *p = r->p;

	fprintf(f, "seed=0x%016" PRIx64 " case=%s/%uwin/evidx=%u", r->seed,
		h_mode_name(r->c->mode), r->c->nwin, r->c->evidx);
	fprintf(f, " (line=%u qsize=%u indirect=%u in_order=%u total=%u hold=%u owner=%c)",
		p->line, p->qsize, p->indirect, p->in_order, p->total, p->hold_max,
		r->c->nwin == 1 ? "ABN"[p->owner] : '-');
}

int h_run(const struct h_case *c, uint64_t seed, const struct h_params *p, struct h_result *res,
	  const char *prog)
{
	struct h_run *r = calloc(1, sizeof(*r));
	struct h_result dummy;
	int err;

	if (!r)
		return VOB_ENOMEM;
	if (!res)
		res = &dummy;
	r->c = c;
	r->p = p;
	r->seed = seed;
	r->prepared = -1;
	err = h_setup(r);
	if (!err) {
		err = vob_sim_run(&r->sim, 400000u + 400u * (uint64_t)p->total);
		if (err == VOB_ETIMEDOUT)
			fail(r, "stalled: both sides wait for a doorbell and none is in flight "
				"(a lost notification); %u sent, %u popped, %u served, %u collected",
			     r->sent, r->popped, r->served, r->collected);
		else if (err == VOB_ETIME)
			fail(r, "no end after %" PRIu64 " ticks; %u sent, %u served, %u collected",
			     r->sim.now, r->sent, r->served, r->collected);
		else if (err)
			fail(r, "run: %s", vob_strerror(err));
	}
	if (!err)
		err = h_finish(r, res);
	if (err) {
		printf("FAIL ");
		h_describe(r, stdout);
		printf(": %s\n", r->why);
		printf("  replay: VOB_SIM_SEED=0x%016" PRIx64 " %s\n", seed, prog ? prog : "");
		vob_sim_dump(&r->sim, stdout);
		fflush(stdout);
	} else if (h_env_verbose()) {
		printf("ok ");
		h_describe(r, stdout);
		printf(" ticks=%" PRIu64 "\n", r->sim.now);
	}
	vob_sim_fini(&r->sim);
	free(r->msg);
	free(r->sdrv);
	free(r->sdev);
	free(r);
	return err ? (err < 0 ? err : VOB_EBADMSG) : 0;
}

/* ---- seeds from the environment ----------------------------------------- */

unsigned h_env_seeds(unsigned dflt)
{
	const char *s = getenv("VOB_SIM_SEEDS");

	return s && *s ? (unsigned)strtoul(s, NULL, 0) : dflt;
}

bool h_env_seed(uint64_t *seed)
{
	const char *s = getenv("VOB_SIM_SEED");

	if (!s || !*s)
		return false;
	*seed = strtoull(s, NULL, 0);
	return true;
}

uint64_t h_env_first(void)
{
	const char *s = getenv("VOB_SIM_FIRST");

	return s && *s ? strtoull(s, NULL, 0) : 1u;
}

bool h_env_verbose(void)
{
	const char *s = getenv("VOB_SIM_VERBOSE");

	return s && *s && *s != '0';
}

unsigned h_run_seeds(const struct h_case *c, unsigned dflt_seeds, const char *prog)
{
	uint64_t seed, first = h_env_first();
	unsigned n = h_env_seeds(dflt_seeds), i;
	struct h_params p;

	if (h_env_seed(&seed)) {
		h_params_from_seed(c, seed, &p);
		if (h_run(c, seed, &p, NULL, prog))
			return 1;
		printf("  %s/%uwin/evidx=%u: seed 0x%" PRIx64 " passed\n", h_mode_name(c->mode),
		       c->nwin, c->evidx, seed);
		return 0;
	}
	for (i = 0; i < n; i++) {
		seed = first + i;
		h_params_from_seed(c, seed, &p);
		if (h_run(c, seed, &p, NULL, prog))
			return 1;
	}
	printf("  %s/%uwin/evidx=%u: %u seeds from %" PRIu64 " passed\n", h_mode_name(c->mode),
	       c->nwin, c->evidx, n, first);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "bm_world.h"

#include <stdlib.h>
#include <string.h>

#include "vob/err.h"

#define BMW_DEV 0
#define BMW_DRV 1

/* Cache hooks for BMW_CACHED: host memory is coherent, so they only check
 * that every range the port hands over is line-aligned and inside the
 * window, and count the calls. */
static void bmw_check_range(struct bmw_side *s, const void *p, size_t n)
{
	const uint8_t *a = p, *base = s->win.ptr;

	if (n == 0 || ((uintptr_t)a % 32u) || (n % 32u) || a < base ||
	    a + n > base + (size_t)s->win.size)
		s->bad_ranges++;
}

static void bmw_clean(void *user, const void *p, size_t n)
{
	struct bmw_side *s = user;

	s->cleans++;
	bmw_check_range(s, p, n);
}

static void bmw_invalidate(void *user, const void *p, size_t n)
{
	struct bmw_side *s = user;

	s->invalidates++;
	bmw_check_range(s, p, n);
}

static void bmw_lost(void *arg, uint16_t queue, void *token)
{
	struct bmw *w = arg;

	(void)queue;
	(void)token;
	w->lost++;
}

static int bmw_side_init(struct bmw *w, unsigned i)
{
	struct bmw_side *s = &w->s[i], *peer = &w->s[1u - i];
	struct vob_bm_cfg cfg;
	struct vob_table_cfg tc;
	struct vob_dev_cfg dc;
	unsigned id;
	int err;

	s->win.link_addr = BMW_BASE;
	s->win.size = BMW_LEN;
	s->win.ptr = w->mem;
	s->win.kind = w->wiring == BMW_CACHED ? VOB_MEM_CACHED : VOB_MEM_COHERENT;
	s->win.owner = i == BMW_DRV ? VOB_WIN_LOCAL : VOB_WIN_PEER;
	s->win.access = VOB_MAP_READ | VOB_MAP_WRITE;
	for (id = 0; id < VOB_MAX_DOORBELLS; id++) {
		/* Ringing id writes 1 into the peer's register for that id. */
		s->bells[id].reg = &peer->regs[id];
		s->bells[id].value = 1u;
		s->bells[id].mode = VOB_BM_BELL_FIXED;
		/* Line id of this side: acknowledge by writing 0. */
		s->irqs[id].doorbell = id;
		s->irqs[id].ack_reg = &s->regs[id];
		s->irqs[id].ack_value = 0u;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.windows = &s->win;
	cfg.nwindows = 1;
	if (w->wiring != BMW_UNWIRED) {
		cfg.doorbells = s->bells;
		cfg.ndoorbells = VOB_MAX_DOORBELLS;
		cfg.irqs = s->irqs;
		cfg.nirqs = VOB_MAX_DOORBELLS;
	}
	if (w->wiring == BMW_CACHED) {
		cfg.cache_clean = bmw_clean;
		cfg.cache_invalidate = bmw_invalidate;
		cfg.user = s;
	}
	err = vob_bm_init(&s->port, &cfg);
	if (err)
		return err;
	err = vob_bm_link_init(&s->link, &s->port, BMW_LINE);
	if (err)
		return err;

	memset(&tc, 0, sizeof(tc));
	tc.addr = BMW_BASE;
	tc.side = (uint8_t)i;
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = 8;
	tc.epoch_seed = 100u + i;
	err = vob_table_init(&s->t, &s->link, &tc);
	if (err)
		return err;

	memset(&dc, 0, sizeof(dc));
	dc.role = i == BMW_DEV ? VOB_ROLE_DEVICE : VOB_ROLE_DRIVER;
	dc.slot = 0;
	dc.num_queues = 1;
	dc.queues = &s->q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX);
	dc.device_id = 0x7fffu;
	dc.seg_max = 4;
	dc.on_lost = bmw_lost;
	dc.arg = w;
	s->q.vq = &s->vq;
	s->q.state = s->state;
	s->q.state_len = sizeof(s->state);
	s->q.size = BMW_QSIZE;
	if (i == BMW_DRV) {
		struct vob_arena a;
		size_t table = VOB_TABLE_BYTES(1, 1, 8, BMW_LINE);

		a.addr = BMW_BASE + VOB_ALIGN_UP(table, BMW_LINE);
		a.len = BMW_BUF_OFF - VOB_ALIGN_UP(table, BMW_LINE);
		err = vob_place_split(&a, &a, BMW_QSIZE, BMW_LINE, &s->q);
		if (err)
			return err;
	}
	return vob_dev_init(&s->dev, &s->t, &dc);
}

int bmw_init(struct bmw *w, enum bmw_wiring wiring, uint32_t count)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->wiring = wiring;
	w->count = count;
	w->mem = aligned_alloc(4096, BMW_LEN);
	if (!w->mem)
		return VOB_ENOMEM;
	memset(w->mem, 0, BMW_LEN);
	err = bmw_side_init(w, BMW_DEV);
	if (!err)
		err = bmw_side_init(w, BMW_DRV);
	return err;
}

void bmw_deliver(struct bmw *w, unsigned s)
{
	unsigned id;

	for (id = 0; id < VOB_MAX_DOORBELLS; id++)
		if (w->s[s].regs[id])
			vob_bm_irq_line_isr(&w->s[s].port, id);
}

static uint8_t bmw_byte(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31u + i * 7u + 1u);
}

uint8_t *bmw_ptr(struct bmw *w, uint64_t addr)
{
	return w->mem + (size_t)(addr - BMW_BASE);
}

uint64_t bmw_out(uint32_t k)
{
	return BMW_BASE + BMW_BUF_OFF + (uint64_t)k * 2u * VOB_ALIGN_UP(BMW_MSG, BMW_LINE);
}

uint64_t bmw_in(uint32_t k)
{
	return bmw_out(k) + VOB_ALIGN_UP(BMW_MSG, BMW_LINE);
}

static int bmw_fail(struct bmw *w, const char *why, int err)
{
	if (!w->why)
		w->why = why;
	return err < 0 ? err : VOB_EPROTO;
}

static int bmw_device(struct bmw *w)
{
	struct bmw_side *s = &w->s[BMW_DEV];
	struct vob_vq *vq = vob_dev_vq(&s->dev, 0);
	struct vob_iov iov[4];
	uint8_t buf[BMW_MSG];

	if (!vq)
		return 0;
	for (;;) {
		struct vob_chain ch;
		int err, got;

		memset(&ch, 0, sizeof(ch));
		ch.iov = iov;
		ch.cap = 4;
		err = vob_vq_pop(vq, &ch);
		if (err == VOB_EAGAIN)
			break;
		if (err)
			return bmw_fail(w, "vob_vq_pop", err);
		got = vob_chain_pull(&s->link, &ch, 0, buf, sizeof(buf), NULL);
		if (got != BMW_MSG)
			return bmw_fail(w, "vob_chain_pull", got);
		got = vob_chain_push(&s->link, &ch, 0, buf, (size_t)got, NULL);
		if (got != BMW_MSG)
			return bmw_fail(w, "vob_chain_push", got);
		err = vob_vq_push(vq, &ch, BMW_MSG);
		if (err)
			return bmw_fail(w, "vob_vq_push", err);
		w->served++;
	}
	return vob_vq_kick(vq) < 0 ? bmw_fail(w, "device kick", VOB_EIO) : 0;
}

static int bmw_driver(struct bmw *w)
{
	struct bmw_side *s = &w->s[BMW_DRV];
	struct vob_vq *vq = vob_dev_vq(&s->dev, 0);
	uint32_t added = 0;
	void *token;
	uint32_t written;
	int err;

	if (!vq)
		return 0;
	while (w->sent < w->count && w->sent - w->echoed < BMW_QSIZE) {
		uint32_t k = w->sent % BMW_QSIZE, i;
		struct vob_seg seg[2];

		seg[0].addr = bmw_out(k);
		seg[0].len = BMW_MSG;
		seg[1].addr = bmw_in(k);
		seg[1].len = BMW_MSG;
		for (i = 0; i < BMW_MSG; i++)
			bmw_ptr(w, seg[0].addr)[i] = bmw_byte(w->sent, i);
		memset(bmw_ptr(w, seg[1].addr), 0, BMW_MSG);
		/* the message number travels as the token (plus one: not NULL) */
		err = vob_vq_add(vq, seg, 1, 1, (void *)(uintptr_t)(w->sent + 1u));
		if (err == VOB_ENOSPC)
			break;
		if (err)
			return bmw_fail(w, "vob_vq_add", err);
		w->sent++;
		added++;
	}
	if (added && vob_vq_kick(vq) < 0)
		return bmw_fail(w, "driver kick", VOB_EIO);
	while ((err = vob_vq_get_used(vq, &token, &written)) == 0) {
		uint32_t seq = (uint32_t)(uintptr_t)token - 1u, i;
		const uint8_t *in = bmw_ptr(w, bmw_in(seq % BMW_QSIZE));

		if (seq != w->echoed || written != BMW_MSG)
			return bmw_fail(w, "echo out of order or short", VOB_EPROTO);
		for (i = 0; i < BMW_MSG; i++)
			if (in[i] != bmw_byte(seq, i))
				return bmw_fail(w, "echoed byte wrong", VOB_EPROTO);
		w->echoed++;
	}
	return err == VOB_EAGAIN ? 0 : bmw_fail(w, "vob_vq_get_used", err);
}

int bmw_round(void *arg)
{
	struct bmw *w = arg;
	int err, ev_dev, ev_drv;

	if (w->wiring != BMW_UNWIRED) {
		bmw_deliver(w, BMW_DEV);
		bmw_deliver(w, BMW_DRV);
	}
	ev_dev = vob_dev_poll(&w->s[BMW_DEV].dev);
	ev_drv = vob_dev_poll(&w->s[BMW_DRV].dev);
	if (ev_dev < 0 || ev_drv < 0)
		return bmw_fail(w, "vob_dev_poll", VOB_EIO);
	if ((ev_dev | ev_drv) & VOB_DEV_EV_TIMEOUT)
		return bmw_fail(w, "table request timed out", VOB_ETIMEDOUT);
	err = bmw_device(w);
	if (err)
		return err;
	err = bmw_driver(w);
	if (err)
		return err;
	return w->echoed == w->count ? 1 : 0;
}

void bmw_free(struct bmw *w)
{
	free(w->mem);
	w->mem = NULL;
}

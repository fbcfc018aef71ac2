/* SPDX-License-Identifier: BSD-3-Clause */
/* The packed ring on the simulated link (ports/sim).
 *
 * On a cached non-coherent sim link both roles refuse a packed queue (the
 * split ring runs there: test_sim_split_cached). On uncached and coherent
 * links a driver on side A and a device on side B move random chains under
 * the sim's scheduler, with delayed and coalesced doorbells, notifications
 * enabled and disabled at random, over many seeds: every payload byte,
 * token and length is checked, and a lost wake-up (both sides asleep, no
 * doorbell in flight) fails the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define BASE 0x20000000ull
#define LINE 64u
#define F(x) VOB_BIT(VOB_F_##x)
#define BELL_TO_DEV 1u
#define BELL_TO_DRV 2u
#define SEG 32u
#define MAXSEG 4u

struct ps_msg {
	uint32_t seq;      /* nonzero while in flight */
	uint8_t n_out, n_in;
	uint32_t in_len;
};

struct ps_run {
	struct vob_sim sim;
	struct vob_vq drv, dev;
	void *sdrv, *sdev;
	uint16_t size;
	uint64_t features;
	uint64_t buf_base;  /* link address of the buffer area */
	struct ps_msg *msg; /* per slot */
	unsigned total, sent, done, served;
	struct vob_chain *held; /* device: chains popped, not pushed */
	struct vob_iov *held_iov;
	unsigned nheld;
	char why[160];
};

static uint8_t *ps_ptr(struct ps_run *r, int side, uint64_t addr, size_t len)
{
	return vob_link_translate(vob_sim_link(&r->sim, side), addr, len, VOB_MAP_READ, NULL);
}

static uint64_t ps_seg(struct ps_run *r, unsigned slot, unsigned j)
{
	return r->buf_base + ((uint64_t)slot * MAXSEG + j) * SEG;
}

static uint8_t ps_byte(uint32_t seq, unsigned j, unsigned i, int in)
{
	return (uint8_t)(seq * 31u + j * 7u + i + (in ? 0x55u : 0u));
}

static int ps_fail(struct ps_run *r, const char *what)
{
	if (!r->why[0])
		snprintf(r->why, sizeof(r->why), "%s", what);
	return VOB_EPROTO;
}

static int ps_driver(struct vob_sim *sim, void *arg)
{
	struct ps_run *r = arg;
	struct vob_link *link = vob_sim_link(sim, VOB_SIM_A);
	bool progress = false;
	void *tok;
	uint32_t w;
	int err;

	(void)vob_link_irq_take(link, BELL_TO_DRV);
	/* Collect and check. */
	while ((err = vob_vq_get_used(&r->drv, &tok, &w)) == 0) {
		struct ps_msg *m = tok;
		unsigned slot = (unsigned)(m - r->msg), j, i, pos = 0;

		if (!m->seq || m->seq != r->done + 1u || w != m->in_len)
			return ps_fail(r, "driver: wrong token, order or length");
		for (j = 0; j < m->n_in; j++) {
			const uint8_t *b = ps_ptr(r, VOB_SIM_A, ps_seg(r, slot, m->n_out + j), SEG);

			for (i = 0; i < SEG; i++, pos++)
				if (b[i] != ps_byte(m->seq, j, i, 1))
					return ps_fail(r, "driver: payload");
		}
		m->seq = 0;
		r->done++;
		progress = true;
	}
	if (err != VOB_EAGAIN)
		return ps_fail(r, "driver: get_used failed");
	if (r->done == r->total)
		return VOB_SIM_DONE;
	/* Add a few. */
	{
		unsigned burst = vob_sim_rand_below(sim, 6) + 1u, k;

		for (k = 0; k < burst && r->sent < r->total; k++) {
			unsigned slot = r->sent % r->size, j, i;
			struct ps_msg *m = &r->msg[slot];
			struct vob_seg segs[MAXSEG];

			if (m->seq)
				break;
			m->n_out = (uint8_t)vob_sim_rand_below(sim, 3);
			m->n_in = (uint8_t)vob_sim_rand_below(sim, 2);
			if (!m->n_out && !m->n_in)
				m->n_out = 1;
			while (m->n_out + m->n_in > r->size)
				m->n_out ? m->n_out-- : m->n_in--;
			m->in_len = m->n_in * SEG;
			for (j = 0; j < (unsigned)m->n_out + m->n_in; j++) {
				segs[j].addr = ps_seg(r, slot, j);
				segs[j].len = SEG;
			}
			for (j = 0; j < m->n_out; j++) {
				uint8_t *b = ps_ptr(r, VOB_SIM_A, segs[j].addr, SEG);

				for (i = 0; i < SEG; i++)
					b[i] = ps_byte(r->sent + 1u, j, i, 0);
			}
			err = vob_vq_add(&r->drv, segs, m->n_out, m->n_in, m);
			if (err == VOB_ENOSPC)
				break;
			if (err)
				return ps_fail(r, "driver: add failed");
			m->seq = ++r->sent;
			progress = true;
		}
	}
	err = vob_vq_kick(&r->drv);
	if (err < 0)
		return ps_fail(r, "driver: kick failed");
	if (progress)
		return VOB_SIM_BUSY;
	/* Nothing to do: ask for an interrupt, and look once more. */
	err = vob_vq_enable_notify(&r->drv);
	if (err < 0)
		return ps_fail(r, "driver: enable failed");
	if (err)
		return VOB_SIM_BUSY;
	return VOB_SIM_IDLE;
}

static int ps_device(struct vob_sim *sim, void *arg)
{
	struct ps_run *r = arg;
	struct vob_link *link = vob_sim_link(sim, VOB_SIM_B);
	bool progress = false;
	unsigned k, burst;
	int err;

	(void)vob_link_irq_take(link, BELL_TO_DEV);
	if (vob_sim_rand_below(sim, 4) == 0)
		vob_vq_disable_notify(&r->dev);
	burst = vob_sim_rand_below(sim, 5) + 1u;
	for (k = 0; k < burst && r->nheld < r->size; k++) {
		struct vob_chain *c = &r->held[r->nheld];
		unsigned j, i;

		c->iov = r->held_iov + (size_t)r->nheld * MAXSEG;
		c->cap = MAXSEG;
		err = vob_vq_pop(&r->dev, c);
		if (err == VOB_EAGAIN)
			break;
		if (err)
			return ps_fail(r, "device: pop failed");
		/* Check the readable part; fill the writable part. */
		for (j = 0; j < c->n_out; j++)
			for (i = 0; i < SEG; i++)
				if (((uint8_t *)c->iov[j].base)[i] != ps_byte(r->served + 1u, j, i, 0))
					return ps_fail(r, "device: payload");
		for (j = 0; j < c->n_in; j++)
			for (i = 0; i < SEG; i++)
				((uint8_t *)c->iov[c->n_out + j].base)[i] =
					ps_byte(r->served + 1u, j, i, 1);
		r->served++;
		r->nheld++;
		progress = true;
	}
	/* Push the oldest ones (in order: the driver checks the order). */
	if (r->nheld && (vob_sim_rand_below(sim, 3) || r->nheld == r->size || !progress)) {
		unsigned n = vob_sim_rand_below(sim, r->nheld) + 1u;

		for (k = 0; k < n; k++) {
			struct vob_chain *c = &r->held[k];

			if (vob_vq_push(&r->dev, c, c->in_len))
				return ps_fail(r, "device: push failed");
		}
		memmove(r->held, r->held + n, (r->nheld - n) * sizeof(*r->held));
		memmove(r->held_iov, r->held_iov + (size_t)n * MAXSEG,
			(size_t)(r->nheld - n) * MAXSEG * sizeof(*r->held_iov));
		r->nheld -= n;
		for (k = 0; k < r->nheld; k++)
			r->held[k].iov = r->held_iov + (size_t)k * MAXSEG;
		progress = true;
	}
	err = vob_vq_kick(&r->dev);
	if (err < 0)
		return ps_fail(r, "device: kick failed");
	if (r->served == r->total && !r->nheld)
		return VOB_SIM_DONE;
	if (progress || r->nheld)
		return VOB_SIM_BUSY;
	err = vob_vq_enable_notify(&r->dev);
	if (err < 0)
		return ps_fail(r, "device: enable failed");
	return err ? VOB_SIM_BUSY : VOB_SIM_IDLE;
}

/* Set up a run: one block owned by A holding the ring then the buffers. */
static int ps_setup(struct ps_run *r, uint8_t mode, uint64_t seed, uint16_t size, uint64_t features)
{
	struct vob_sim_cfg cfg;
	struct vob_vq_cfg c;
	size_t ring = VOB_PACKED_RING_BYTES(size, LINE);
	size_t bytes = ring + (size_t)size * MAXSEG * SEG;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = seed;
	cfg.mode = mode;
	cfg.line = LINE;
	cfg.pass_permille = 300;
	cfg.evict_permille = 200;
	cfg.refill_permille = 200;
	cfg.bell_delay_max = 6;
	cfg.coalesce_pct = 40;
	assert_int_equal(vob_sim_init(&r->sim, &cfg), 0);
	assert_true(vob_sim_add_block(&r->sim, BASE, bytes, VOB_SIM_A) >= 0);
	r->size = size;
	r->features = features;
	r->buf_base = BASE + ring;
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.size = size;
	c.doorbell = BELL_TO_DEV;
	c.features = features | F(VERSION_1) | F(RING_PACKED);
	c.desc_addr = BASE;
	c.driver_addr = BASE + VOB_PACKED_DRIVER_OFF(size, LINE);
	c.device_addr = BASE + VOB_PACKED_DEVICE_OFF(size, LINE);
	r->sdrv = aligned_alloc(8, VOB_VQ_STATE_SIZE(size, 0));
	r->sdev = aligned_alloc(8, VOB_VQ_STATE_SIZE(size, 0));
	err = vob_vq_init(&r->drv, vob_sim_link(&r->sim, VOB_SIM_A), &c, r->sdrv,
			  VOB_VQ_STATE_SIZE(size, 0));
	if (err)
		return err;
	c.role = VOB_ROLE_DEVICE;
	c.doorbell = BELL_TO_DRV;
	c.seg_max = MAXSEG;
	return vob_vq_init(&r->dev, vob_sim_link(&r->sim, VOB_SIM_B), &c, r->sdev,
			   VOB_VQ_STATE_SIZE(size, 0));
}

static void ps_free(struct ps_run *r)
{
	vob_sim_fini(&r->sim);
	free(r->sdrv);
	free(r->sdev);
	free(r->msg);
	free(r->held);
	free(r->held_iov);
}

static void test_cached_link_refused(void **state)
{
	struct ps_run r;
	struct vob_vq_cfg c;

	(void)state;
	/* The driver refuses first; the device alone refuses too. */
	assert_int_equal(ps_setup(&r, VOB_MEM_CACHED, 1, 8, 0), VOB_ENOTSUP);
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DEVICE;
	c.size = 8;
	c.features = F(VERSION_1) | F(RING_PACKED);
	c.desc_addr = BASE;
	c.driver_addr = BASE + VOB_PACKED_DRIVER_OFF(8, LINE);
	c.device_addr = BASE + VOB_PACKED_DEVICE_OFF(8, LINE);
	assert_int_equal(vob_vq_init(&r.dev, vob_sim_link(&r.sim, VOB_SIM_B), &c, r.sdev,
				     VOB_VQ_STATE_SIZE(8, 0)),
			 VOB_ENOTSUP);
	/* The same placement as a split ring is accepted on that link. */
	c.features = F(VERSION_1);
	c.driver_addr = BASE + VOB_SPLIT_AVAIL_OFF(8, LINE);
	c.device_addr = BASE + VOB_SPLIT_USED_OFF(8, LINE);
	assert_int_equal(vob_vq_init(&r.dev, vob_sim_link(&r.sim, VOB_SIM_B), &c, r.sdev,
				     VOB_VQ_STATE_SIZE(8, 0)),
			 0);
	/* No cache operation was issued on the refused ring. */
	assert_int_equal(vob_sim_counters(&r.sim, VOB_SIM_A)->cleans, 0);
	ps_free(&r);
}

static int ps_run_seed(uint8_t mode, uint64_t seed)
{
	static const uint16_t sizes[] = { 1, 2, 3, 5, 8, 13, 64, 100 };
	struct ps_run r;
	uint64_t features = 0;
	uint16_t size;
	int err;

	/* The features and size come from the seed, through a throwaway sim. */
	{
		struct vob_sim tmp;
		struct vob_sim_cfg cfg;

		memset(&cfg, 0, sizeof(cfg));
		cfg.seed = seed ^ 0x5eedull;
		assert_int_equal(vob_sim_init(&tmp, &cfg), 0);
		size = sizes[vob_sim_rand_below(&tmp, sizeof(sizes) / sizeof(sizes[0]))];
		if (vob_sim_rand_below(&tmp, 2))
			features |= F(EVENT_IDX);
		if (vob_sim_rand_below(&tmp, 3) == 0)
			features |= F(IN_ORDER);
		vob_sim_fini(&tmp);
	}
	assert_int_equal(ps_setup(&r, mode, seed, size, features), 0);
	r.total = 600;
	r.msg = calloc(size, sizeof(*r.msg));
	r.held = calloc(size, sizeof(*r.held));
	r.held_iov = calloc((size_t)size * MAXSEG, sizeof(*r.held_iov));
	vob_sim_set_step(&r.sim, VOB_SIM_A, ps_driver, &r);
	vob_sim_set_step(&r.sim, VOB_SIM_B, ps_device, &r);
	err = vob_sim_run(&r.sim, 2000000);
	if (err || r.done != r.total || vob_vq_fault(&r.drv) || vob_vq_fault(&r.dev)) {
		printf("FAIL mode=%u seed=%llu size=%u features=%#llx: err %d (%s) done %u/%u\n",
		       mode, (unsigned long long)seed, size, (unsigned long long)features, err,
		       r.why, r.done, r.total);
		vob_sim_dump(&r.sim, stdout);
		err = err ? err : VOB_EPROTO;
	}
	ps_free(&r);
	return err;
}

static void test_uncached_runs(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 150; seed++)
		assert_int_equal(ps_run_seed(VOB_MEM_UNCACHED, seed), 0);
}

static void test_coherent_runs(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1000; seed < 1150; seed++)
		assert_int_equal(ps_run_seed(VOB_MEM_COHERENT, seed), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_link_refused),
		cmocka_unit_test(test_uncached_runs),
		cmocka_unit_test(test_coherent_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

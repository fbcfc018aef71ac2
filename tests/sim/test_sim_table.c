/* SPDX-License-Identifier: BSD-3-Clause */
/* The device table over the simulated link, in one memory mode (SIM_MODE,
 * set by CMake): the device in slot 0 on side A (table side 0), its driver
 * on side B (table side 1), polled by hand in an order drawn from the seed
 * with random cache-event passes and doorbell deliveries between polls.
 * Per seed: either start order, bring-up, traffic with payload checks, a
 * config change read with the generation, a driver reset with buffers in
 * flight (every one back through on_lost), and a restart of either side
 * during negotiation and during traffic. Over one window (table, rings and
 * buffers in one block) and over two (the table and what the device reads
 * in A's block, what the driver reads in B's). A failure prints the seed;
 * VOB_SIM_SEED=<seed> replays it, VOB_SIM_SEEDS sets the count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "vob/table.h"

#ifndef SIM_MODE
#define SIM_MODE VOB_MEM_CACHED
#endif
#ifndef SIM_SEEDS
#define SIM_SEEDS 400u /* per case; two cases per mode */
#endif

#define DEVS VOB_SIM_A /* the device's side (table side 0) */
#define DRVS VOB_SIM_B /* the driver's side (table side 1) */
#define NQ 2u
#define QSIZE 16u
#define CFGMAX 32u
#define NTOK 32u
#define BLK_A 0x10000000ull
#define BLK_B 0x20000000ull
#define BLK_BYTES 0x10000u
#define RING_OFF 0x2000u  /* rings: after the table */
#define OUT_OFF 0x8000u   /* driver -> device buffers (device's memory) */
#define IN_OFF 0xc000u    /* device -> driver buffers (driver's memory) */
#define BUF_LEN 64u
#define MAX_POLLS 4000u

struct tok {
	uint8_t busy;
	uint16_t q;
	uint32_t out_len;
	uint8_t out[BUF_LEN];
};

struct run {
	struct vob_sim sim;
	uint64_t seed, rng;
	uint8_t nwin;
	uint32_t line;
	uint32_t pass_pct, bell_pct;
	struct vob_table t[2];
	struct vob_dev dev, drv;
	struct vob_dev_queue dq[NQ], rq[NQ];
	struct vob_vq dvq[NQ], rvq[NQ];
	uint64_t dstate[NQ][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	uint64_t rstate[NQ][VOB_VQ_STATE_SIZE(QSIZE, 0) / 8];
	uint64_t out_base, in_base;
	struct tok tok[NTOK];
	unsigned in_flight, lost;
	bool up[2]; /* the side has started */
	int ev_dev, ev_drv;
	uint8_t config[CFGMAX];
	char why[256];
};

static const char *prog = "";

#define FAIL(r, ...)                                                          \
	do {                                                                  \
		snprintf((r)->why, sizeof((r)->why), __VA_ARGS__);            \
		return -1;                                                    \
	} while (0)
#define CHECK(r, cond, ...)                                                   \
	do {                                                                  \
		if (!(cond)) {                                                \
			int o_ = snprintf((r)->why, sizeof((r)->why), "%s:%d: %s: ", \
					  __FILE__, __LINE__, #cond);         \
			snprintf((r)->why + o_, sizeof((r)->why) - (size_t)o_, \
				 __VA_ARGS__);                                \
			return -1;                                            \
		}                                                             \
	} while (0)
#define TRY(x)                                                                \
	do {                                                                  \
		if ((x) < 0)                                                  \
			return -1;                                            \
	} while (0)

static uint32_t rnd(struct run *r, uint32_t n)
{
	r->rng += 0x9e3779b97f4a7c15ull;
	{
		uint64_t z = r->rng;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		return n ? (uint32_t)(z % n) : 0;
	}
}

static void on_lost(void *arg, uint16_t q, void *token)
{
	struct run *r = arg;
	struct tok *t = token;

	/* Checked by the caller through the counts: a foreign or repeated
	 * token shows as busy == 0 here. */
	if (t < r->tok || t >= r->tok + NTOK || !t->busy || t->q != q) {
		r->lost += 1000u; /* poisons the count */
		return;
	}
	t->busy = 0;
	r->in_flight--;
	r->lost++;
}

/* ---- set-up ----------------------------------------------------------------- */

static int table_up(struct run *r, int side)
{
	struct vob_table_cfg c;

	memset(&c, 0, sizeof(c));
	c.addr = BLK_A;
	c.side = (uint8_t)side;
	c.nslots = 1;
	c.nqueues = NQ;
	c.config_max = CFGMAX;
	c.epoch_seed = (uint32_t)r->seed * 2u + (uint32_t)side + 1u;
	c.timeout = 200;
	CHECK(r, vob_table_init(&r->t[side], vob_sim_link(&r->sim, side), &c) == 0, "table_init");
	return 0;
}

static int dev_up(struct run *r)
{
	struct vob_dev_cfg c;
	unsigned q;

	memset(&c, 0, sizeof(c));
	for (q = 0; q < NQ; q++) {
		r->dq[q].vq = &r->dvq[q];
		r->dq[q].state = r->dstate[q];
		r->dq[q].state_len = sizeof(r->dstate[q]);
		r->dq[q].size = QSIZE;
	}
	c.role = VOB_ROLE_DEVICE;
	c.slot = 0;
	c.num_queues = NQ;
	c.queues = r->dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(5);
	c.device_id = 3;
	c.vendor_id = 0x1af4;
	c.config = r->config;
	c.config_len = CFGMAX;
	c.arg = r;
	CHECK(r, vob_dev_init(&r->dev, &r->t[DEVS], &c) == 0, "device init");
	return 0;
}

static int drv_up(struct run *r)
{
	struct vob_dev_cfg c;
	struct vob_arena a = { BLK_A + RING_OFF, 0x3000u }, b = { BLK_B + RING_OFF, 0x3000u };
	unsigned q;

	memset(&c, 0, sizeof(c));
	for (q = 0; q < NQ; q++) {
		r->rq[q].vq = &r->rvq[q];
		r->rq[q].state = r->rstate[q];
		r->rq[q].state_len = sizeof(r->rstate[q]);
		CHECK(r, vob_place_split(&a, r->nwin == 2 ? &b : &a, QSIZE, r->line, &r->rq[q]) == 0,
		      "place");
	}
	c.role = VOB_ROLE_DRIVER;
	c.slot = 0;
	c.num_queues = NQ;
	c.queues = r->rq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(5) |
			(rnd(r, 2) ? VOB_BIT(VOB_F_RING_PACKED) : 0);
	c.on_lost = on_lost;
	c.arg = r;
	CHECK(r, vob_dev_init(&r->drv, &r->t[DRVS], &c) == 0, "driver init");
	return 0;
}

/* A side (re)starts: a new epoch, its device set up again. The driver's
 * tokens die with its old incarnation. */
static int restart(struct run *r, int side)
{
	TRY(table_up(r, side));
	r->up[side] = true;
	if (side == DEVS)
		return dev_up(r);
	{
		unsigned i;

		for (i = 0; i < NTOK; i++)
			r->tok[i].busy = 0;
		r->in_flight = 0;
	}
	return drv_up(r);
}

/* ---- driving --------------------------------------------------------------------- */

static void between(struct run *r)
{
	if (rnd(r, 100) < r->pass_pct)
		vob_sim_cache_events(&r->sim);
	if (rnd(r, 100) < r->bell_pct)
		vob_sim_deliver_all(&r->sim);
}

static int poll_one(struct run *r, int side)
{
	int ev;

	if (!r->up[side]) {
		between(r);
		return 0;
	}
	if (side == DEVS) {
		ev = vob_dev_poll(&r->dev);
		CHECK(r, ev >= 0 && ev < 128, "device poll returned %d", ev);
		r->ev_dev |= ev;
	} else {
		ev = vob_dev_poll(&r->drv);
		CHECK(r, ev >= 0 && ev < 128, "driver poll returned %d", ev);
		r->ev_drv |= ev;
		CHECK(r, r->lost < 1000u, "on_lost got a foreign or repeated token");
	}
	{
		struct vob_dev *d = side == DEVS ? &r->dev : &r->drv;
		uint16_t q;

		for (q = 0; q < NQ; q++)
			CHECK(r, vob_dev_state(d) == VOB_DEV_LIVE || !vob_dev_vq(d, q),
			      "vq %u not NULL in state %d", q, vob_dev_state(d));
	}
	between(r);
	return 0;
}

static int pump(struct run *r, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		TRY(poll_one(r, rnd(r, 2) ? DEVS : DRVS));
	return 0;
}

static bool both_live(struct run *r)
{
	return vob_dev_state(&r->dev) == VOB_DEV_LIVE && vob_dev_state(&r->drv) == VOB_DEV_LIVE;
}

static int bring_up(struct run *r, const char *when)
{
	unsigned i;

	for (i = 0; i < MAX_POLLS && !both_live(r); i++)
		TRY(poll_one(r, rnd(r, 2) ? DEVS : DRVS));
	CHECK(r, both_live(r), "not live %s: device state %d, driver state %d", when,
	      vob_dev_state(&r->dev), vob_dev_state(&r->drv));
	return 0;
}

/* The driver adds one buffer pair on queue q; returns the token index or -1
 * when none is free. */
static int add_one(struct run *r, uint16_t q, int *idx)
{
	struct vob_vq *vq = vob_dev_vq(&r->drv, q);
	struct vob_seg s[2];
	struct vob_link *l = vob_sim_link(&r->sim, DRVS);
	struct tok *t;
	uint8_t *p;
	unsigned i, k;
	int err;

	*idx = -1;
	CHECK(r, vq != NULL, "driver queue %u missing while live", q);
	for (k = 0; k < NTOK && r->tok[k].busy; k++)
		;
	if (k == NTOK)
		return 0;
	t = &r->tok[k];
	t->q = q;
	t->out_len = 4u + rnd(r, BUF_LEN - 3u);
	for (i = 0; i < t->out_len; i++)
		t->out[i] = (uint8_t)rnd(r, 256);
	t->out[0] = (uint8_t)k;
	s[0].addr = r->out_base + k * BUF_LEN;
	s[0].len = t->out_len;
	s[1].addr = r->in_base + k * BUF_LEN;
	s[1].len = BUF_LEN;
	p = vob_link_translate(l, s[0].addr, BUF_LEN, VOB_MAP_WRITE, NULL);
	CHECK(r, p != NULL, "translate out");
	memcpy(p, t->out, t->out_len);
	vob_sim_mark_written(&r->sim, DRVS, p, t->out_len);
	p = vob_link_translate(l, s[1].addr, BUF_LEN, VOB_MAP_WRITE, NULL);
	CHECK(r, p != NULL, "translate in");
	memset(p, 0xee, BUF_LEN);
	vob_sim_mark_written(&r->sim, DRVS, p, BUF_LEN);
	err = vob_vq_add(vq, s, 1, 1, t);
	if (err == VOB_ENOSPC)
		return 0;
	CHECK(r, err == 0, "vob_vq_add: %d", err);
	t->busy = 1;
	r->in_flight++;
	(void)vob_vq_kick(vq);
	*idx = (int)k;
	return 0;
}

/* The device serves every chain available on its queues: the payload must
 * be what the driver wrote; it answers with the bytes inverted. With @hold,
 * it pops but never pushes (chains in flight for a reset). */
static int dev_serve(struct run *r, bool hold, unsigned *served)
{
	struct vob_link *l = vob_sim_link(&r->sim, DEVS);
	uint16_t q;

	for (q = 0; q < NQ; q++) {
		struct vob_vq *vq = vob_dev_vq(&r->dev, q);
		struct vob_iov iov[QSIZE];
		struct vob_chain c;
		uint8_t buf[BUF_LEN];
		int err, n;

		if (!vq)
			continue;
		for (;;) {
			unsigned i, k;

			memset(&c, 0, sizeof(c));
			c.iov = iov;
			c.cap = QSIZE;
			err = vob_vq_pop(vq, &c);
			if (err == VOB_EAGAIN)
				break;
			CHECK(r, err == 0, "vob_vq_pop: %d (fault %d)", err, vob_vq_fault(vq));
			if (hold)
				continue;
			n = vob_chain_pull(l, &c, 0, buf, sizeof(buf), NULL);
			CHECK(r, n >= 4, "pull: %d", n);
			k = buf[0];
			CHECK(r, k < NTOK && r->tok[k].busy && r->tok[k].q == q &&
					 (uint32_t)n == r->tok[k].out_len,
			      "chain of token %u on queue %u: %d bytes", k, q, n);
			CHECK(r, !memcmp(buf, r->tok[k].out, (size_t)n),
			      "payload of token %u differs (stale cache line?)", k);
			for (i = 0; i < (unsigned)n; i++)
				buf[i] = (uint8_t)~buf[i];
			CHECK(r, vob_chain_push(l, &c, 0, buf, (size_t)n, NULL) == n, "push");
			CHECK(r, vob_vq_push(vq, &c, (uint32_t)n) == 0, "vob_vq_push");
			(void)vob_vq_kick(vq);
			if (served)
				(*served)++;
		}
	}
	return 0;
}

/* The driver collects what came back and checks the device's answer. */
static int drv_collect(struct run *r, unsigned *got)
{
	struct vob_link *l = vob_sim_link(&r->sim, DRVS);
	uint16_t q;

	for (q = 0; q < NQ; q++) {
		struct vob_vq *vq = vob_dev_vq(&r->drv, q);
		void *tok;
		uint32_t w;
		int err;

		if (!vq)
			continue;
		while ((err = vob_vq_get_used(vq, &tok, &w)) == 0) {
			struct tok *t = tok;
			const uint8_t *p;
			unsigned i, k;

			CHECK(r, t >= r->tok && t < r->tok + NTOK && t->busy && t->q == q,
			      "foreign or repeated token from get_used");
			k = (unsigned)(t - r->tok);
			CHECK(r, w == t->out_len, "token %u: written %u, want %u", k, w, t->out_len);
			p = vob_link_translate(l, r->in_base + k * BUF_LEN, BUF_LEN, VOB_MAP_READ,
					       NULL);
			CHECK(r, p != NULL, "translate");
			for (i = 0; i < w; i++)
				CHECK(r, (unsigned)p[i] + t->out[i] == 255u,
				      "token %u: answer byte %u is 0x%02x, want 0x%02x", k, i, p[i],
				      (uint8_t)(t->out[i] ^ 0xffu));
			t->busy = 0;
			r->in_flight--;
			if (got)
				(*got)++;
		}
		CHECK(r, err == VOB_EAGAIN, "vob_vq_get_used: %d", err);
	}
	return 0;
}

/* @n messages through both queues, a few in flight at a time. */
static int traffic(struct run *r, unsigned n)
{
	unsigned sent = 0, got = 0, spins = 0;

	while (got < n) {
		unsigned burst = 1u + rnd(r, 4), i;

		for (i = 0; i < burst && sent < n; i++) {
			int idx;

			TRY(add_one(r, (uint16_t)rnd(r, NQ), &idx));
			if (idx >= 0)
				sent++;
		}
		TRY(pump(r, rnd(r, 3)));
		between(r);
		TRY(dev_serve(r, false, NULL));
		between(r);
		TRY(drv_collect(r, &got));
		CHECK(r, ++spins < 10u * n + 100u, "traffic stalls: %u of %u back", got, n);
		CHECK(r, both_live(r), "fell out of live during traffic");
	}
	CHECK(r, r->in_flight == 0, "%u still in flight", r->in_flight);
	return 0;
}

static int config_change(struct run *r)
{
	uint8_t nv[8], got[8];
	unsigned off = rnd(r, CFGMAX - 8u), i;
	int err = VOB_EAGAIN;

	for (i = 0; i < 8; i++)
		nv[i] = (uint8_t)rnd(r, 256);
	r->ev_drv = 0;
	CHECK(r, vob_dev_config_write(&r->dev, off, nv, 8) == 0, "config_write");
	memcpy(r->config + off, nv, 8);
	for (i = 0; i < MAX_POLLS && !(r->ev_drv & VOB_DEV_EV_CONFIG); i++)
		TRY(poll_one(r, rnd(r, 4) ? DRVS : DEVS));
	CHECK(r, r->ev_drv & VOB_DEV_EV_CONFIG, "no config event");
	for (i = 0; i < 16 && err == VOB_EAGAIN; i++) {
		err = vob_dev_config_read(&r->drv, off, got, 8);
		between(r);
	}
	CHECK(r, err == 0, "config_read: %d", err);
	CHECK(r, !memcmp(got, nv, 8), "config read back differs at offset %u", off);
	{
		uint8_t all[CFGMAX];

		CHECK(r, vob_dev_config_read(&r->drv, 0, all, CFGMAX) == 0, "config_read all");
		CHECK(r, !memcmp(all, r->config, CFGMAX), "config space differs");
	}
	return 0;
}

/* A few buffers in flight (some popped by the device), then the driver
 * resets: none comes back before the device has answered (it may still use
 * them), then every one through on_lost, once. */
static int reset_in_flight(struct run *r)
{
	unsigned n = 1u + rnd(r, 6), i, added = 0;

	r->lost = 0;
	for (i = 0; i < n; i++) {
		int idx;

		TRY(add_one(r, (uint16_t)rnd(r, NQ), &idx));
		added += idx >= 0;
	}
	if (rnd(r, 2))
		TRY(dev_serve(r, true, NULL));
	TRY(pump(r, rnd(r, 3)));
	CHECK(r, vob_dev_reset(&r->drv) == 0, "reset");
	CHECK(r, r->lost == 0, "reset: %u back before the device answered", r->lost);
	CHECK(r, !vob_dev_vq(&r->drv, 0), "queue after reset");
	TRY(bring_up(r, "after a driver reset"));
	CHECK(r, r->lost == added && r->in_flight == 0, "reset: %u of %u back via on_lost",
	      r->lost, added);
	return 0;
}

/* A side restarts in the middle of traffic. */
static int restart_in_traffic(struct run *r, int side)
{
	unsigned n = 1u + rnd(r, 6), i, added = 0;

	r->lost = 0;
	for (i = 0; i < n; i++) {
		int idx;

		TRY(add_one(r, (uint16_t)rnd(r, NQ), &idx));
		added += idx >= 0;
	}
	if (rnd(r, 2))
		TRY(dev_serve(r, true, NULL));
	TRY(restart(r, side));
	TRY(bring_up(r, side == DEVS ? "after a device restart in traffic"
				     : "after a driver restart in traffic"));
	if (side == DEVS)
		CHECK(r, r->lost == added && r->in_flight == 0,
		      "device restart: %u of %u back via on_lost", r->lost, added);
	return 0;
}

static int scenario(struct run *r)
{
	int first = rnd(r, 2) ? DEVS : DRVS;

	/* Either start order, with polls of the first side before the other. */
	TRY(restart(r, first));
	TRY(pump(r, rnd(r, 10)));
	TRY(restart(r, first == DEVS ? DRVS : DEVS));
	TRY(bring_up(r, "at first"));
	TRY(traffic(r, 8u + rnd(r, 24)));
	TRY(config_change(r));
	TRY(reset_in_flight(r));
	TRY(traffic(r, 4u + rnd(r, 8)));
	/* A restart during negotiation, a few polls into the handshake. */
	CHECK(r, vob_dev_reset(&r->drv) == 0, "reset");
	TRY(pump(r, rnd(r, 12)));
	TRY(restart(r, rnd(r, 2) ? DEVS : DRVS));
	TRY(bring_up(r, "after a restart during negotiation"));
	TRY(traffic(r, 4u + rnd(r, 8)));
	TRY(restart_in_traffic(r, DEVS));
	TRY(traffic(r, 4u + rnd(r, 8)));
	TRY(restart_in_traffic(r, DRVS));
	TRY(traffic(r, 4u + rnd(r, 8)));
	return 0;
}

static int run_seed(uint8_t nwin, uint64_t seed)
{
	static const uint32_t lines[] = { 32, 64, 128, 256 };
	static const uint32_t rate[] = { 0, 20, 150, 500, 1000 };
	struct run *r = calloc(1, sizeof(*r));
	struct vob_sim_cfg sc;
	int err;

	if (!r)
		return -1;
	r->seed = seed;
	r->rng = seed * 0x2545f4914f6cdd1dull + nwin;
	r->nwin = nwin;
	r->line = lines[rnd(r, 4)];
	r->pass_pct = rnd(r, 4) * 30u;
	r->bell_pct = 10u + rnd(r, 90);
	memset(&sc, 0, sizeof(sc));
	sc.seed = seed;
	sc.mode = SIM_MODE;
	sc.line = r->line;
	sc.pass_permille = 1000;
	sc.evict_permille = rate[rnd(r, 5)];
	sc.refill_permille = rate[rnd(r, 5)];
	sc.bell_delay_max = rnd(r, 4);
	sc.coalesce_pct = rnd(r, 2) * 50u;
	err = vob_sim_init(&r->sim, &sc);
	if (!err && nwin == 1) {
		err = vob_sim_add_block(&r->sim, BLK_A, BLK_BYTES, (int)rnd(r, 3));
	} else if (!err) {
		err = vob_sim_add_block(&r->sim, BLK_A, BLK_BYTES, DEVS);
		if (err >= 0)
			err = vob_sim_add_block(&r->sim, BLK_B, BLK_BYTES, DRVS);
	}
	if (err < 0) {
		snprintf(r->why, sizeof(r->why), "sim set-up: %d", err);
	} else {
		r->out_base = BLK_A + OUT_OFF;
		r->in_base = (nwin == 2 ? BLK_B : BLK_A) + IN_OFF;
		for (err = 0; err < (int)CFGMAX; err++)
			r->config[err] = (uint8_t)rnd(r, 256);
		err = scenario(r);
	}
	if (err) {
		printf("FAIL seed=0x%llx mode=%s nwin=%u line=%u: %s\n  replay: VOB_SIM_SEED=0x%llx "
		       "%s\n",
		       (unsigned long long)seed, h_mode_name(SIM_MODE), nwin, r->line, r->why,
		       (unsigned long long)seed, prog);
		vob_sim_dump(&r->sim, stdout);
	}
	vob_sim_fini(&r->sim);
	free(r);
	return err ? -1 : 0;
}

static void run_case(uint8_t nwin)
{
	uint64_t seed, first = h_env_first();
	unsigned n = h_env_seeds(SIM_SEEDS), i;

	if (h_env_seed(&seed)) {
		assert_int_equal(run_seed(nwin, seed), 0);
		return;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(run_seed(nwin, first + i), 0);
	printf("  table %s/%uwin: %u seeds passed\n", h_mode_name(SIM_MODE), nwin, n);
}

static void test_one_window(void **state)
{
	(void)state;
	run_case(1);
}

static void test_two_windows(void **state)
{
	(void)state;
	run_case(2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_window),
		cmocka_unit_test(test_two_windows),
	};

	(void)argc;
	prog = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "class_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct cw_backing cw_cur; /* zero: the fake backing */

void cw_set_backing(const struct cw_backing *b)
{
	if (b)
		cw_cur = *b;
	else
		memset(&cw_cur, 0, sizeof(cw_cur));
}

const char *cw_backing_name(void)
{
	static char name[48];
	uint8_t m = cw_cur.sc.mode;

	if (!cw_cur.sim)
		return "fake";
	snprintf(name, sizeof(name), "sim-%s/%uwin",
		 m == VOB_MEM_CACHED ? "cached" : m == VOB_MEM_UNCACHED ? "uncached" : "coherent",
		 cw_cur.nwin == 2 ? 2u : 1u);
	return name;
}

static int cw_table_init(struct cw_side *s, uint8_t side, uint16_t nslots, uint16_t nqueues,
			 uint16_t config_max)
{
	struct vob_table_cfg tc = { 0 };

	tc.addr = CW_BASE;
	tc.side = side;
	tc.nslots = nslots;
	tc.nqueues = nqueues;
	tc.config_max = config_max;
	tc.epoch_seed = 1000u + side;
	return vob_table_init(&s->t, s->link, &tc);
}

static int cw_fake_side(struct class_world *w, struct cw_side *s, struct cw_side *peer)
{
	struct vob_window_cfg win = { CW_BASE, w->len, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				      VOB_MAP_READ | VOB_MAP_WRITE };
	int err;

	fake_port_init(&s->port);
	fake_port_add_region(&s->port, CW_BASE, w->mem, w->len);
	s->port.peer = &peer->own;
	s->link = &s->own;
	err = vob_link_init(&s->own, &fake_port_ops, &s->port, CW_LINE);
	if (err)
		return err;
	err = vob_link_add_window(&s->own, &win);
	return err < 0 ? err : 0;
}

static int cw_init_fake(struct class_world *w)
{
	int err;

	w->mem = aligned_alloc(4096, w->len);
	if (!w->mem)
		return VOB_ENOMEM;
	/* Not zero: what a real window holds before either side writes it (the
	 * sim fills its blocks with random bytes). */
	memset(w->mem, CW_FILL, w->len);
	err = cw_fake_side(w, &w->dev, &w->drv);
	if (!err)
		err = cw_fake_side(w, &w->drv, &w->dev);
	return err;
}

static int cw_init_sim(struct class_world *w)
{
	int err;

	w->sim = calloc(1, sizeof(*w->sim));
	if (!w->sim)
		return VOB_ENOMEM;
	err = vob_sim_init(w->sim, &w->b.sc);
	if (err)
		return err;
	w->line = w->sim->line;
	if (w->b.nwin == 2) {
		w->len_drv = w->len;
		w->next_drv = CW_BASE_DRV;
		err = vob_sim_add_block(w->sim, CW_BASE, w->len, CW_SIM_DEV);
		if (err >= 0)
			err = vob_sim_add_block(w->sim, CW_BASE_DRV, w->len_drv, CW_SIM_DRV);
	} else {
		err = vob_sim_add_block(w->sim, CW_BASE, w->len, w->b.owner);
	}
	if (err < 0)
		return err;
	w->dev.link = vob_sim_link(w->sim, CW_SIM_DEV);
	w->drv.link = vob_sim_link(w->sim, CW_SIM_DRV);
	return 0;
}

int cw_init(struct class_world *w, uint16_t nslots, uint16_t nqueues, uint16_t config_max,
	    size_t data_bytes)
{
	size_t table;
	int err;

	memset(w, 0, sizeof(*w));
	w->b = cw_cur;
	if (w->b.sim && !w->b.sc.line)
		w->b.sc.line = CW_LINE;
	w->line = w->b.sim ? w->b.sc.line : CW_LINE;
	table = VOB_ALIGN_UP(VOB_TABLE_BYTES(nslots, nqueues, config_max, w->line), 4096u);
	w->len = table + VOB_ALIGN_UP(data_bytes, 4096u);
	w->next = CW_BASE + table;
	err = w->b.sim ? cw_init_sim(w) : cw_init_fake(w);
	if (!err)
		err = cw_table_init(&w->dev, 0, nslots, nqueues, config_max);
	if (!err)
		err = cw_table_init(&w->drv, 1, nslots, nqueues, config_max);
	return err;
}

void cw_free(struct class_world *w)
{
	free(w->mem);
	w->mem = NULL;
	if (w->sim) {
		vob_sim_fini(w->sim);
		free(w->sim);
		w->sim = NULL;
	}
}

static uint64_t cw_bump(uint64_t *next, uint64_t base, size_t size, size_t len, uint32_t line)
{
	uint64_t a = *next;

	if (VOB_ALIGN_UP(len, line) > base + size - a)
		return 0;
	*next += VOB_ALIGN_UP(len, line);
	return a;
}

uint64_t cw_alloc(struct class_world *w, size_t len)
{
	return cw_bump(&w->next, CW_BASE, w->len, len, w->line);
}

uint64_t cw_alloc_drv(struct class_world *w, size_t len)
{
	if (!w->len_drv)
		return cw_alloc(w, len);
	return cw_bump(&w->next_drv, CW_BASE_DRV, w->len_drv, len, w->line);
}

static void *cw_side_ptr(const struct class_world *w, const struct cw_side *s, uint64_t addr)
{
	if (!w->sim)
		return w->mem + (addr - CW_BASE);
	return vob_link_translate(s->link, addr, 1, 0, NULL);
}

void *cw_ptr(const struct class_world *w, uint64_t addr)
{
	return cw_side_ptr(w, &w->drv, addr);
}

void *cw_dev_ptr(const struct class_world *w, uint64_t addr)
{
	return cw_side_ptr(w, &w->dev, addr);
}

void cw_written(struct class_world *w, struct cw_side *s, const void *p, size_t n)
{
	if (w->sim && w->b.sc.mode == VOB_MEM_CACHED)
		s->link->ops->cache_clean(s->link->ctx, p, n);
}

void cw_poke(struct class_world *w, struct cw_side *s, uint64_t addr, const void *data, size_t n)
{
	void *p = cw_side_ptr(w, s, addr);

	memcpy(p, data, n);
	cw_written(w, s, p, n);
}

void cw_refresh(struct class_world *w, struct cw_side *s, uint64_t addr, size_t n)
{
	if (w->sim && w->b.sc.mode == VOB_MEM_CACHED)
		s->link->ops->cache_invalidate(s->link->ctx, cw_side_ptr(w, s, addr), n);
}

int cw_place(struct class_world *w, struct vob_dev_queue *q, uint16_t size)
{
	struct vob_arena a, b;
	size_t need = VOB_SPLIT_RING_BYTES(size, w->line);

	if (!w->len_drv) {
		a.addr = cw_alloc(w, need);
		a.len = need;
		if (!a.addr)
			return VOB_ENOMEM;
		return vob_place_split(&a, &a, size, w->line, q);
	}
	a.addr = cw_alloc(w, need);
	a.len = need;
	b.addr = cw_alloc_drv(w, need);
	b.len = need;
	if (!a.addr || !b.addr)
		return VOB_ENOMEM;
	return vob_place_split(&a, &b, size, w->line, q);
}

void cw_step(struct class_world *w)
{
	if (!w->sim)
		return;
	if (vob_sim_rand_below(w->sim, 100) < w->b.cache_pct)
		vob_sim_cache_events(w->sim);
	if (vob_sim_rand_below(w->sim, 100) < w->b.bell_pct)
		vob_sim_deliver_all(w->sim);
}

void cw_deliver(struct class_world *w)
{
	if (w->sim)
		vob_sim_deliver_all(w->sim);
}

/* splitmix64: the draws of a seed, apart from the sim's own stream. */
static uint64_t cw_mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void cw_backing_from_seed(struct cw_backing *b, uint8_t mode, uint64_t seed)
{
	static const uint32_t rate[] = { 0, 20, 150, 500, 1000 };
	static const uint32_t pass[] = { 5, 15, 40 };
	uint64_t x = seed ^ 0xc1a55e5ull;

	memset(b, 0, sizeof(*b));
	b->sim = true;
	b->sc.seed = seed;
	b->sc.mode = mode;
	b->sc.line = CW_LINE;
	b->sc.pass_permille = 1000;
	b->sc.evict_permille = rate[cw_mix(&x) % 5u];
	b->sc.refill_permille = rate[cw_mix(&x) % 5u];
	b->nwin = 1;
	b->owner = (int)(cw_mix(&x) % 3u);
	b->cache_pct = pass[cw_mix(&x) % 3u];
	b->bell_pct = 100;
}

static unsigned cw_env_uint(const char *name, unsigned dflt)
{
	const char *s = getenv(name);

	return s && *s ? (unsigned)strtoul(s, NULL, 0) : dflt;
}

static int cw_run_seed(const char *prog, const char *group, const struct CMUnitTest *tests,
		       size_t n, uint8_t mode, uint64_t seed)
{
	struct cw_backing b;
	int failed;

	cw_backing_from_seed(&b, mode, seed);
	cw_set_backing(&b);
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	if (failed)
		printf("FAIL seed=0x%016llx case=%s/%s (evict=%u refill=%u owner=%d pass=%u%%): "
		       "%d test(s) failed\n  replay: VOB_SIM_SEED=0x%016llx %s\n",
		       (unsigned long long)seed, group, cw_backing_name(), b.sc.evict_permille,
		       b.sc.refill_permille, b.owner, b.cache_pct, failed, (unsigned long long)seed,
		       prog);
	cw_set_backing(NULL);
	return failed;
}

int cw_main(const char *prog, const char *group, const struct CMUnitTest *tests, size_t n,
	    int sim_mode, unsigned dflt_seeds)
{
	const char *one = getenv("VOB_SIM_SEED");
	uint64_t first;
	unsigned seeds, i;

	if (sim_mode == CW_FAKE) {
		cw_set_backing(NULL);
		return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	}
	if (one && *one)
		return cw_run_seed(prog, group, tests, n, (uint8_t)sim_mode, strtoull(one, NULL, 0));
	first = getenv("VOB_SIM_FIRST") && *getenv("VOB_SIM_FIRST")
			? strtoull(getenv("VOB_SIM_FIRST"), NULL, 0)
			: 1u;
	seeds = cw_env_uint("VOB_SIM_BODY_SEEDS", dflt_seeds);
	for (i = 0; i < seeds; i++) {
		int failed = cw_run_seed(prog, group, tests, n, (uint8_t)sim_mode, first + i);

		if (failed)
			return failed;
	}
	return 0;
}

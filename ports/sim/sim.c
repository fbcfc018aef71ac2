/* SPDX-License-Identifier: BSD-3-Clause */
/* The sim port: two sides in one process over simulated private write-back
 * caches, delayed doorbells and a seeded scheduler. See sim.h and README.md. */
#include "sim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Trace event kinds. */
enum sim_ev {
	SIM_EV_STEP,       /* addr: step result */
	SIM_EV_CLEAN,      /* addr: first byte; n: lines written back */
	SIM_EV_INVAL,      /* addr: first byte; n: lines refilled */
	SIM_EV_DROP,       /* addr: a dirty line discarded by invalidate */
	SIM_EV_EVICT,      /* addr: a dirty line written back at random */
	SIM_EV_REFILL,     /* addr: a stale clean line refilled at random */
	SIM_EV_RING,       /* addr: doorbell id */
	SIM_EV_COALESCE,   /* addr: doorbell id */
	SIM_EV_DELIVER,    /* addr: doorbell id */
	SIM_EV_STRAY       /* addr: local pointer value */
};

static const char *const sim_ev_name[] = {
	"step", "clean", "invalidate", "DROP-DIRTY", "evict", "refill",
	"ring", "coalesce", "deliver", "STRAY-OP",
};

/* splitmix64: small, fast, and every seed (0 included) gives a good stream. */
uint64_t vob_sim_rand(struct vob_sim *sim)
{
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t vob_sim_rand_below(struct vob_sim *sim, uint32_t n)
{
	if (n == 0)
		return 0;
	return (uint32_t)(((vob_sim_rand(sim) >> 32) * n) >> 32);
}

static void sim_trace(struct vob_sim *sim, int side, enum sim_ev kind, uint64_t addr, uint32_t n)
{
	struct vob_sim_event *e = &sim->trace[sim->ntrace++ % VOB_SIM_TRACE];

	e->step = sim->now;
	e->side = (uint8_t)side;
	e->kind = (uint8_t)kind;
	e->addr = addr;
	e->n = n;
}

/* ---- the cache model -------------------------------------------------- */

/* Find the block whose private copy on side @s holds @p; sets *off. */
static struct vob_sim_block *sim_block_of(struct vob_sim *sim, int s, const void *p, size_t *off)
{
	uintptr_t a = (uintptr_t)p;
	unsigned i;

	for (i = 0; i < sim->nblocks; i++) {
		struct vob_sim_block *b = &sim->block[i];
		uintptr_t base = (uintptr_t)b->cache[s];

		if (base && a >= base && a - base < b->size) {
			*off = a - base;
			return b;
		}
	}
	return NULL;
}

static bool sim_remote(const struct vob_sim_block *b, int s)
{
	return b->owner == 1 - s;
}

static bool sim_dirty(const struct vob_sim *sim, const struct vob_sim_block *b, int s, size_t off)
{
	return b->marked[s][off / sim->line] ||
	       memcmp(b->cache[s] + off, b->snap[s] + off, sim->line) != 0;
}

/* Write one line of side @s back to memory, whole. */
static void sim_write_back(struct vob_sim *sim, struct vob_sim_block *b, int s, size_t off)
{
	struct vob_sim_counters *c = &sim->side[s].count;

	memcpy(b->mem + off, b->cache[s] + off, sim->line);
	memcpy(b->snap[s] + off, b->cache[s] + off, sim->line);
	b->marked[s][off / sim->line] = 0;
	if (sim_remote(b, s))
		c->remote_lines_written++;
	else
		c->local_lines_written++;
}

/* Refill one line of side @s from memory, whole. */
static void sim_fill(struct vob_sim *sim, struct vob_sim_block *b, int s, size_t off)
{
	memcpy(b->cache[s] + off, b->mem + off, sim->line);
	memcpy(b->snap[s] + off, b->mem + off, sim->line);
	b->marked[s][off / sim->line] = 0;
}

/* The lines [*first, *end) covering [p, p + n) inside the block; NULL when
 * the range does not start in a cached block of side @s. */
static struct vob_sim_block *sim_lines(struct vob_sim *sim, int s, const void *p, size_t n,
				       size_t *first, size_t *end)
{
	struct vob_sim_block *b;
	size_t off;

	b = sim_block_of(sim, s, p, &off);
	if (!b) {
		sim->side[s].count.stray_ops++;
		sim_trace(sim, s, SIM_EV_STRAY, (uint64_t)(uintptr_t)p, (uint32_t)n);
		return NULL;
	}
	*first = off & ~((size_t)sim->line - 1u);
	*end = off + n;
	if (*end > b->size || *end < off) {
		/* Runs past the block: count it, clamp it. */
		sim->side[s].count.stray_ops++;
		sim_trace(sim, s, SIM_EV_STRAY, (uint64_t)(uintptr_t)p, (uint32_t)n);
		*end = b->size;
	}
	*end = (*end + sim->line - 1u) & ~((size_t)sim->line - 1u);
	return b;
}

static void sim_cache_clean(void *ctx, const void *p, size_t n)
{
	struct vob_sim_side *side = ctx;
	struct vob_sim *sim = side->sim;
	struct vob_sim_block *b;
	size_t off, first, end;
	uint32_t lines = 0;

	side->count.cleans++;
	if (n == 0)
		return;
	b = sim_lines(sim, side->id, p, n, &first, &end);
	if (!b)
		return;
	for (off = first; off < end; off += sim->line) {
		if (sim_dirty(sim, b, side->id, off)) {
			sim_write_back(sim, b, side->id, off);
			lines++;
		} else if (memcmp(b->cache[side->id] + off, b->mem + off, sim->line)) {
			/* Equal to the snapshot, not to memory: either a stale line
			 * this side never wrote, or one it wrote with the bytes it
			 * already held (a real cache marks that dirty). The model
			 * cannot tell; a line the library cleans is one it wrote. */
			sim_write_back(sim, b, side->id, off);
			side->count.clean_same++;
			lines++;
		}
	}
	sim_trace(sim, side->id, SIM_EV_CLEAN, b->addr + first, lines);
}

static void sim_cache_invalidate(void *ctx, const void *p, size_t n)
{
	struct vob_sim_side *side = ctx;
	struct vob_sim *sim = side->sim;
	struct vob_sim_block *b;
	size_t off, first, end;

	side->count.invalidates++;
	if (n == 0)
		return;
	b = sim_lines(sim, side->id, p, n, &first, &end);
	if (!b)
		return;
	for (off = first; off < end; off += sim->line) {
		if (sim_dirty(sim, b, side->id, off)) {
			side->count.dirty_dropped++;
			sim_trace(sim, side->id, SIM_EV_DROP, b->addr + off, 1);
		}
		sim_fill(sim, b, side->id, off);
		if (sim_remote(b, side->id))
			side->count.remote_lines_read++;
		else
			side->count.local_lines_read++;
	}
	sim_trace(sim, side->id, SIM_EV_INVAL, b->addr + first, (uint32_t)((end - first) / sim->line));
}

void vob_sim_cache_events(struct vob_sim *sim)
{
	int s;
	unsigned i;

	if (sim->cfg.mode != VOB_MEM_CACHED)
		return;
	for (s = 0; s < 2; s++) {
		struct vob_sim_counters *c = &sim->side[s].count;

		for (i = 0; i < sim->nblocks; i++) {
			struct vob_sim_block *b = &sim->block[i];
			size_t off;

			for (off = 0; off < b->size; off += sim->line) {
				if (sim_dirty(sim, b, s, off)) {
					if (vob_sim_rand_below(sim, 1000) >= sim->cfg.evict_permille)
						continue;
					sim_write_back(sim, b, s, off);
					c->evictions++;
					sim_trace(sim, s, SIM_EV_EVICT, b->addr + off, 1);
				} else if (memcmp(b->cache[s] + off, b->mem + off, sim->line)) {
					if (vob_sim_rand_below(sim, 1000) >= sim->cfg.refill_permille)
						continue;
					sim_fill(sim, b, s, off);
					c->refills++;
					if (sim_remote(b, s))
						c->remote_refills++;
					sim_trace(sim, s, SIM_EV_REFILL, b->addr + off, 1);
				}
			}
		}
	}
}

void vob_sim_mark_written(struct vob_sim *sim, int side, const void *p, size_t n)
{
	struct vob_sim_block *b;
	size_t off, end;

	if (sim->cfg.mode != VOB_MEM_CACHED || n == 0)
		return;
	side &= 1;
	b = sim_block_of(sim, side, p, &off);
	if (!b)
		return;
	end = n > b->size - off ? b->size : off + n;
	for (off &= ~((size_t)sim->line - 1u); off < end; off += sim->line)
		b->marked[side][off / sim->line] = 1;
}

void vob_sim_flush_all(struct vob_sim *sim)
{
	int s;
	unsigned i;

	if (sim->cfg.mode != VOB_MEM_CACHED)
		return;
	for (s = 0; s < 2; s++) {
		for (i = 0; i < sim->nblocks; i++) {
			struct vob_sim_block *b = &sim->block[i];
			size_t off;

			for (off = 0; off < b->size; off += sim->line)
				if (sim_dirty(sim, b, s, off))
					sim_write_back(sim, b, s, off);
		}
	}
}

/* ---- port operations -------------------------------------------------- */

static void *sim_map_window(void *ctx, uint64_t addr, size_t len, unsigned access)
{
	struct vob_sim_side *side = ctx;
	struct vob_sim *sim = side->sim;
	unsigned i;

	(void)access;
	for (i = 0; i < sim->nblocks; i++) {
		struct vob_sim_block *b = &sim->block[i];

		if (addr < b->addr || addr - b->addr >= b->size || len > b->size - (addr - b->addr))
			continue;
		if (sim->cfg.mode == VOB_MEM_CACHED)
			return b->cache[side->id] + (addr - b->addr);
		return b->mem + (addr - b->addr);
	}
	return NULL;
}

static void sim_deliver(struct vob_sim *sim, unsigned i)
{
	struct vob_sim_bell bell = sim->bell[i];
	struct vob_sim_side *to = &sim->side[bell.to];

	sim->bell[i] = sim->bell[--sim->nbells];
	to->count.doorbells_received++;
	sim_trace(sim, bell.to, SIM_EV_DELIVER, bell.id, 0);
	vob_on_irq_isr(&to->link, bell.id);
	if (to->step && to->state == VOB_SIM_IDLE)
		to->state = VOB_SIM_BUSY;
}

static int sim_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	struct vob_sim_side *side = ctx;
	struct vob_sim *sim = side->sim;
	uint8_t to = (uint8_t)(1 - side->id);
	unsigned i, same = 0;

	(void)data;
	side->count.doorbells_sent++;
	for (i = 0; i < sim->nbells; i++)
		if (sim->bell[i].to == to && sim->bell[i].id == id)
			same++;
	/* Merge into a pending delivery by chance, or always when 4 are already
	 * queued for the same id (an interrupt line holds one pending bit). */
	if (same && (same >= 4 || vob_sim_rand_below(sim, 100) < sim->cfg.coalesce_pct)) {
		side->count.doorbells_coalesced++;
		sim_trace(sim, side->id, SIM_EV_COALESCE, id, 0);
		return 0;
	}
	sim_trace(sim, side->id, SIM_EV_RING, id, 0);
	if (sim->nbells == VOB_SIM_MAX_BELLS) {
		/* Only a port that rings many distinct ids gets here. */
		sim->side[to].count.doorbells_received++;
		vob_on_irq_isr(&sim->side[to].link, id);
		return 0;
	}
	sim->bell[sim->nbells].due = sim->now + vob_sim_rand_below(sim, sim->cfg.bell_delay_max + 1u);
	sim->bell[sim->nbells].id = id;
	sim->bell[sim->nbells].to = to;
	sim->nbells++;
	return 0;
}

static const struct vob_port_ops sim_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = sim_map_window,
	.ring_doorbell = sim_ring_doorbell,
	.cache_clean = sim_cache_clean,
	.cache_invalidate = sim_cache_invalidate,
};

/* ---- set-up ----------------------------------------------------------- */

int vob_sim_init(struct vob_sim *sim, const struct vob_sim_cfg *cfg)
{
	uint32_t line;
	int s;

	if (!sim || !cfg || cfg->mode > VOB_MEM_CACHED)
		return VOB_EINVAL;
	line = cfg->line ? cfg->line : 64u;
	if (line < 32u || line > 256u || (line & (line - 1u)))
		return VOB_EINVAL;
	memset(sim, 0, sizeof(*sim));
	sim->cfg = *cfg;
	sim->line = line;
	sim->rng = cfg->seed;
	for (s = 0; s < 2; s++) {
		int err;

		sim->side[s].sim = sim;
		sim->side[s].id = s;
		err = vob_link_init(&sim->side[s].link, &sim_ops, &sim->side[s], line);
		if (err)
			return err;
	}
	return 0;
}

static void sim_block_free(struct vob_sim_block *b)
{
	int s;

	free(b->mem);
	for (s = 0; s < 2; s++) {
		free(b->cache[s]);
		free(b->snap[s]);
		free(b->marked[s]);
	}
	memset(b, 0, sizeof(*b));
}

void vob_sim_fini(struct vob_sim *sim)
{
	unsigned i;

	for (i = 0; i < sim->nblocks; i++)
		sim_block_free(&sim->block[i]);
	sim->nblocks = 0;
}

static uint8_t *sim_alloc(size_t size)
{
	return aligned_alloc(256, (size + 255u) & ~(size_t)255u);
}

int vob_sim_add_block(struct vob_sim *sim, uint64_t addr, size_t size, int owner)
{
	struct vob_sim_block *b;
	size_t i;
	int s;

	if (!sim || size == 0 || (addr & (sim->line - 1u)) ||
	    (owner != VOB_SIM_A && owner != VOB_SIM_B && owner != VOB_SIM_NOBODY))
		return VOB_EINVAL;
	if (sim->nblocks == VOB_SIM_MAX_BLOCKS)
		return VOB_E2BIG;
	b = &sim->block[sim->nblocks];
	b->addr = addr;
	b->size = (size + sim->line - 1u) & ~((size_t)sim->line - 1u);
	b->owner = owner;
	b->mem = sim_alloc(b->size);
	if (!b->mem)
		goto nomem;
	for (i = 0; i < b->size; i += 8) {
		uint64_t r = vob_sim_rand(sim);

		memcpy(b->mem + i, &r, 8);
	}
	if (sim->cfg.mode == VOB_MEM_CACHED) {
		for (s = 0; s < 2; s++) {
			b->cache[s] = sim_alloc(b->size);
			b->snap[s] = sim_alloc(b->size);
			b->marked[s] = calloc(b->size / sim->line, 1);
			if (!b->cache[s] || !b->snap[s] || !b->marked[s])
				goto nomem;
			memcpy(b->cache[s], b->mem, b->size);
			memcpy(b->snap[s], b->mem, b->size);
		}
	}
	sim->nblocks++;
	for (s = 0; s < 2; s++) {
		struct vob_window_cfg w;
		int err;

		memset(&w, 0, sizeof(w));
		w.link_addr = addr;
		w.size = b->size;
		w.kind = sim->cfg.mode;
		w.owner = (uint8_t)(owner == s ? VOB_WIN_LOCAL : VOB_WIN_PEER);
		w.access = (uint8_t)(VOB_MAP_READ | VOB_MAP_WRITE);
		err = vob_link_add_window(&sim->side[s].link, &w);
		if (err < 0)
			return err; /* freed by vob_sim_fini() */
	}
	return (int)(sim->nblocks - 1u);
nomem:
	sim_block_free(b);
	return VOB_ENOMEM;
}

struct vob_link *vob_sim_link(struct vob_sim *sim, int side)
{
	return &sim->side[side & 1].link;
}

void *vob_sim_backing(struct vob_sim *sim, uint64_t addr, size_t len)
{
	unsigned i;

	for (i = 0; i < sim->nblocks; i++) {
		struct vob_sim_block *b = &sim->block[i];

		if (addr >= b->addr && addr - b->addr < b->size && len <= b->size - (addr - b->addr))
			return b->mem + (addr - b->addr);
	}
	return NULL;
}

/* ---- scheduler -------------------------------------------------------- */

void vob_sim_set_step(struct vob_sim *sim, int side, vob_sim_step_fn fn, void *arg)
{
	sim->side[side & 1].step = fn;
	sim->side[side & 1].arg = arg;
	sim->side[side & 1].state = VOB_SIM_BUSY;
}

void vob_sim_deliver_all(struct vob_sim *sim)
{
	while (sim->nbells)
		sim_deliver(sim, 0);
}

/* Deliver every doorbell that is due, oldest queue position first. */
static void sim_deliver_due(struct vob_sim *sim)
{
	unsigned i = 0;

	while (i < sim->nbells) {
		if (sim->bell[i].due <= sim->now)
			sim_deliver(sim, i); /* the last entry moves to i */
		else
			i++;
	}
}

int vob_sim_run(struct vob_sim *sim, uint64_t max_ticks)
{
	uint64_t end = sim->now + max_ticks;
	uint32_t bias = sim->cfg.bias_a_pct ? sim->cfg.bias_a_pct : 50u;

	for (;;) {
		bool run[2];
		int s, r;

		for (s = 0; s < 2; s++)
			run[s] = sim->side[s].step && sim->side[s].state == VOB_SIM_BUSY;
		if ((!sim->side[0].step || sim->side[0].state == VOB_SIM_DONE) &&
		    (!sim->side[1].step || sim->side[1].state == VOB_SIM_DONE))
			return 0;
		if (!run[0] && !run[1] && sim->nbells == 0)
			return VOB_ETIMEDOUT;
		if (sim->now >= end)
			return VOB_ETIME;
		sim->now++;
		if (sim->cfg.mode == VOB_MEM_CACHED &&
		    vob_sim_rand_below(sim, 1000) < sim->cfg.pass_permille)
			vob_sim_cache_events(sim);
		sim_deliver_due(sim);
		for (s = 0; s < 2; s++)
			run[s] = sim->side[s].step && sim->side[s].state == VOB_SIM_BUSY;
		if (!run[0] && !run[1])
			continue; /* all asleep: time passes until a doorbell lands */
		if (run[0] && run[1])
			s = vob_sim_rand_below(sim, 100) < bias ? VOB_SIM_A : VOB_SIM_B;
		else
			s = run[0] ? VOB_SIM_A : VOB_SIM_B;
		sim->side[s].count.steps++;
		r = sim->side[s].step(sim, sim->side[s].arg);
		sim_trace(sim, s, SIM_EV_STEP, (uint64_t)(int64_t)r, 0);
		if (r < 0)
			return r;
		if (r > VOB_SIM_DONE)
			return VOB_EINVAL;
		sim->side[s].state = (uint8_t)r;
	}
}

/* ---- counters and diagnostics ----------------------------------------- */

const struct vob_sim_counters *vob_sim_counters(const struct vob_sim *sim, int side)
{
	return &sim->side[side & 1].count;
}

void vob_sim_reset_counters(struct vob_sim *sim)
{
	memset(&sim->side[0].count, 0, sizeof(sim->side[0].count));
	memset(&sim->side[1].count, 0, sizeof(sim->side[1].count));
}

void vob_sim_dump(const struct vob_sim *sim, FILE *f)
{
	static const char *const mode[] = { "coherent", "uncached", "cached" };
	uint64_t i, first;
	int s;

	fprintf(f, "sim: seed=0x%016" PRIx64 " mode=%s line=%u blocks=%u tick=%" PRIu64
		   " pass=%u evict=%u refill=%u bell_delay<=%u coalesce=%u%% bias_a=%u%%\n",
		sim->cfg.seed, mode[sim->cfg.mode], sim->line, sim->nblocks, sim->now,
		sim->cfg.pass_permille, sim->cfg.evict_permille, sim->cfg.refill_permille,
		sim->cfg.bell_delay_max, sim->cfg.coalesce_pct, sim->cfg.bias_a_pct);
	for (i = 0; i < sim->nblocks; i++)
		fprintf(f, "  block %" PRIu64 ": addr=0x%" PRIx64 " size=%zu owner=%c\n", i,
			sim->block[i].addr, sim->block[i].size, "ABN"[sim->block[i].owner]);
	for (s = 0; s < 2; s++) {
		const struct vob_sim_counters *c = &sim->side[s].count;

		fprintf(f,
			"  %c: steps=%" PRIu64 " state=%u remote r/w=%" PRIu64 "/%" PRIu64
			" local r/w=%" PRIu64 "/%" PRIu64 " cleans=%" PRIu64 " invalidates=%" PRIu64
			" evictions=%" PRIu64 " refills=%" PRIu64 " clean_same=%" PRIu64
			" dirty_dropped=%" PRIu64
			" stray=%" PRIu64 " bells sent=%" PRIu64 " coalesced=%" PRIu64
			" received=%" PRIu64 "\n",
			'A' + s, c->steps, sim->side[s].state, c->remote_lines_read,
			c->remote_lines_written, c->local_lines_read, c->local_lines_written,
			c->cleans, c->invalidates, c->evictions, c->refills, c->clean_same,
			c->dirty_dropped,
			c->stray_ops, c->doorbells_sent, c->doorbells_coalesced,
			c->doorbells_received);
	}
	first = sim->ntrace > VOB_SIM_TRACE ? sim->ntrace - VOB_SIM_TRACE : 0;
	fprintf(f, "  last %" PRIu64 " events:\n", sim->ntrace - first);
	for (i = first; i < sim->ntrace; i++) {
		const struct vob_sim_event *e = &sim->trace[i % VOB_SIM_TRACE];

		fprintf(f, "    t=%-7" PRIu64 " %c %-10s 0x%-10" PRIx64 " %u\n", e->step,
			'A' + e->side, sim_ev_name[e->kind], e->addr, e->n);
	}
}

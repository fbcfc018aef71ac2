/* SPDX-License-Identifier: BSD-3-Clause */
/* The bare-metal port (see vob_baremetal.h and README.md). */
#include "vob_baremetal.h"

#include "vob/err.h"

#if VOB_BM_CMSIS_CACHE && !VOB_BM_CACHE
#error "VOB_BM_CMSIS_CACHE needs VOB_BM_CACHE"
#endif
#if VOB_BM_CMSIS_CACHE
#ifndef VOB_BM_CMSIS_DEVICE_HEADER
#error "VOB_BM_CMSIS_CACHE needs VOB_BM_CMSIS_DEVICE_HEADER, e.g. -DVOB_BM_CMSIS_DEVICE_HEADER='\"stm32h7xx.h\"'"
#endif
#include VOB_BM_CMSIS_DEVICE_HEADER
#endif

#ifndef VOB_BM_DOORBELL_BARRIER
/* Runs after VOB_DOORBELL_MB and before the doorbell register write. Empty by
 * default: VOB_DOORBELL_MB (a full fence) already orders earlier stores to
 * Normal memory before the Device-memory store on Cortex-M and within an
 * inner-shareable domain. Define it (e.g. to a DSB) where the peer sits
 * outside that domain; see README.md. */
#define VOB_BM_DOORBELL_BARRIER() ((void)0)
#endif

/* One store of the register's width: never split, never merged. */
static void bm_reg_write(volatile void *reg, uint8_t width, uint32_t v)
{
	switch (width) {
	case 1:
		*(volatile uint8_t *)reg = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)reg = (uint16_t)v;
		break;
	default:
		*(volatile uint32_t *)reg = v;
		break;
	}
}

static int bm_width_ok(uint8_t width)
{
	return width == 0 || width == 1 || width == 2 || width == 4;
}

static void *bm_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	const struct vob_bm_port *port = ctx;
	const struct vob_bm_window *w = port->cfg.windows, *end = w + port->cfg.nwindows;

	for (; w < end; w++) {
		uint64_t off = link_addr - w->link_addr;

		/* link_addr >= base, then len fits in what is left: nothing wraps. */
		if (link_addr < w->link_addr || off >= w->size || len > w->size - off)
			continue;
		if ((access & w->access) != access || !w->ptr)
			return NULL; /* the link reports VOB_EFAULT */
		return (uint8_t *)w->ptr + (size_t)off;
	}
	return NULL;
}

/* Write doorbell @id's register as @cfg says, with @data for
 * VOB_BM_BELL_DATA: 1 when a register was written. Inlined in both
 * callers: out of line, the call costs a firmware that links one of them. */
VOB_INLINE int bm_bell(const struct vob_bm_cfg *cfg, uint32_t id, uint32_t data)
{
	const struct vob_bm_doorbell *b;
	uint32_t v;

	if (id >= cfg->ndoorbells)
		return 0; /* no register: the peer polls */
	b = &cfg->doorbells[id];
	if (!b->reg || b->mode == VOB_BM_BELL_NONE)
		return 0;
	v = b->value;
	if (b->mode == VOB_BM_BELL_ID)
		data = id;
	/* _ID or _DATA: the id or the data goes in at the shift. */
	if (b->mode - VOB_BM_BELL_ID <= VOB_BM_BELL_DATA - VOB_BM_BELL_ID)
		v |= data << b->shift;
	/* The caller issued VOB_DOORBELL_MB: every store to shared memory is
	 * ordered before this register write. */
	VOB_BM_DOORBELL_BARRIER();
	bm_reg_write(b->reg, b->width, v);
	return 1;
}

static int bm_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	struct vob_bm_port *port = ctx;

	/* The link issued VOB_DOORBELL_MB before calling us. */
	if (bm_bell(&port->cfg, id, data))
		port->rung++;
	return 0;
}

void vob_bm_tiny_doorbell(void *user, uint32_t id)
{
	/* The data a device's doorbell carries (docs/protocol.md section 7):
	 * the queue index on queue doorbells (2 + q in the tiny device's slot
	 * 0), 0 on the table's and the control one. The tiny device issued
	 * VOB_DOORBELL_MB before calling us. */
	(void)bm_bell((const struct vob_bm_cfg *)user, id, id > 1u ? id - 2u : 0u);
}

/* Round [p, p + n) out to whole cache lines. */
static void bm_round(const struct vob_bm_port *port, const void *p, size_t n, void **start,
		     size_t *len)
{
	uintptr_t mask = (uintptr_t)port->cfg.cache_line - 1u;
	uintptr_t a = (uintptr_t)p & ~mask;
	uintptr_t end = ((uintptr_t)p + n + mask) & ~mask;

	*start = (void *)a;
	*len = (size_t)(end - a);
}

static void bm_cache_clean(void *ctx, const void *p, size_t n)
{
	const struct vob_bm_port *port = ctx;
	void *a;
	size_t len;

	bm_round(port, p, n, &a, &len);
	if (port->cfg.cache_clean) {
		port->cfg.cache_clean(port->cfg.user, a, len);
		return;
	}
#if VOB_BM_CMSIS_CACHE
	/* Cleans every line of the range, then DSB (inside the CMSIS call). */
	SCB_CleanDCache_by_Addr(a, (int32_t)len);
#endif
}

static void bm_cache_invalidate(void *ctx, const void *p, size_t n)
{
	const struct vob_bm_port *port = ctx;
	void *a;
	size_t len;

	bm_round(port, p, n, &a, &len);
	if (port->cfg.cache_invalidate) {
		port->cfg.cache_invalidate(port->cfg.user, a, len);
		return;
	}
#if VOB_BM_CMSIS_CACHE
	SCB_InvalidateDCache_by_Addr(a, (int32_t)len);
#endif
}

static uint64_t bm_clock_ns(void *ctx)
{
	const struct vob_bm_port *port = ctx;

	return port->cfg.clock_ns(port->cfg.user);
}

/* Checks what only the port knows about. Windows are checked once, by
 * vob_link_add_window() in vob_bm_link_init(): size, wrap, kind, owner,
 * access, overlap, count, and a cached window without cache operations. */
static int bm_check_cfg(const struct vob_bm_cfg *cfg)
{
	unsigned i;

	if ((cfg->nwindows && !cfg->windows) || (cfg->ndoorbells && !cfg->doorbells) ||
	    (cfg->nirqs && !cfg->irqs))
		return VOB_EINVAL;
	/* Both cache functions, or neither; CMSIS stands in for a missing pair. */
	if (!cfg->cache_clean != !cfg->cache_invalidate)
		return VOB_EINVAL;
	if (cfg->cache_line & (cfg->cache_line - 1u))
		return VOB_EINVAL;
	for (i = 0; i < cfg->ndoorbells; i++) {
		const struct vob_bm_doorbell *b = &cfg->doorbells[i];

		if (b->mode > VOB_BM_BELL_DATA || b->shift >= 32u || !bm_width_ok(b->width))
			return VOB_EINVAL;
	}
	for (i = 0; i < cfg->nirqs; i++)
		if (!bm_width_ok(cfg->irqs[i].ack_width))
			return VOB_EINVAL;
	return 0;
}

int vob_bm_init(struct vob_bm_port *port, const struct vob_bm_cfg *cfg)
{
	/* Both switches are constants: the code they turn off is dropped. */
	int err = VOB_BM_CHECK_CFG && cfg ? bm_check_cfg(cfg) : 0;

	if (VOB_ARG_BAD(!port || !cfg))
		return VOB_EINVAL;
	if (err)
		return err;
	__builtin_memset(port, 0, sizeof(*port));
	port->cfg = *cfg;
	/* Only the cache operations and their check read the line size. */
	if (VOB_BM_CACHE && !port->cfg.cache_line)
		port->cfg.cache_line = VOB_BM_CACHE_LINE;
	port->ops.version = VOB_PORT_OPS_VERSION;
	port->ops.map_window = bm_map_window;
	port->ops.ring_doorbell = bm_ring_doorbell;
	if (VOB_BM_CACHE && (cfg->cache_clean || VOB_BM_CMSIS_CACHE)) {
		port->ops.cache_clean = bm_cache_clean;
		port->ops.cache_invalidate = bm_cache_invalidate;
	}
	if (cfg->clock_ns)
		port->ops.clock_ns = bm_clock_ns;
	return 0;
}

const struct vob_port_ops *vob_bm_ops(const struct vob_bm_port *port)
{
	return &port->ops;
}

int vob_bm_link_init(struct vob_link *link, struct vob_bm_port *port, uint32_t line_size)
{
	unsigned i;
	int err;

	if (VOB_ARG_BAD(!link || !port))
		return VOB_EINVAL;
	err = vob_link_init(link, &port->ops, port, line_size);
	if (err)
		return err;
	for (i = 0; i < port->cfg.nwindows; i++) {
		const struct vob_bm_window *w = &port->cfg.windows[i];
		struct vob_window_cfg wc;

		wc.link_addr = w->link_addr;
		wc.size = w->size;
		wc.kind = w->kind;
		wc.owner = w->owner;
		wc.access = w->access;
		err = vob_link_add_window(link, &wc);
		/* The link keeps each side's areas on lines of its own; a wider
		 * cache line would hold both sides' areas, and cleaning one
		 * would write back stale bytes over the other's. */
		if (VOB_BM_CACHE && err >= 0 &&
		    VOB_ARG_BAD(w->kind == VOB_MEM_CACHED &&
				port->cfg.cache_line > vob_link_line(link)))
			err = VOB_EINVAL;
		if (err < 0) {
			vob_link_clear_windows(link);
			return err;
		}
	}
	/* Published last: an interrupt that comes early is counted as
	 * spurious rather than recorded on a half-built link. */
	__atomic_store_n(&port->link, link, __ATOMIC_RELEASE);
	return 0;
}

void vob_bm_irq_isr(struct vob_bm_port *port, uint32_t id)
{
	struct vob_link *link = __atomic_load_n(&port->link, __ATOMIC_ACQUIRE);

	if (!link) {
		port->irq_spurious++;
		return;
	}
	port->irqs++;
	vob_on_irq_isr(link, id);
}

void vob_bm_irq_line_isr(struct vob_bm_port *port, unsigned line)
{
	const struct vob_bm_irq *q;

	if (line >= port->cfg.nirqs) {
		port->irq_spurious++;
		return;
	}
	q = &port->cfg.irqs[line];
	/* Clear the source before recording: a ring after the clear raises the
	 * interrupt again, so none is lost between the two. */
	if (q->ack_reg)
		bm_reg_write(q->ack_reg, q->ack_width, q->ack_value);
	vob_bm_irq_isr(port, q->doorbell);
}

/* Shared loop of vob_bm_poll() and vob_bm_wait_doorbell(): calls @p step
 * until it returns nonzero, with the limits and the idle function. */
static int bm_loop(struct vob_bm_port *port, int (*step)(struct vob_bm_port *, void *),
		   void *arg, uint32_t max_rounds, uint64_t timeout_ns)
{
	uint64_t t0 = 0;
	uint32_t rounds = 0;

	if (timeout_ns) {
		if (VOB_ARG_BAD(!port->cfg.clock_ns))
			return VOB_EINVAL;
		t0 = port->cfg.clock_ns(port->cfg.user);
	}
	for (;;) {
		int r = step(port, arg);

		if (r)
			return r;
		if (max_rounds && ++rounds >= max_rounds)
			return VOB_ETIMEDOUT;
		if (timeout_ns && port->cfg.clock_ns(port->cfg.user) - t0 >= timeout_ns)
			return VOB_ETIMEDOUT;
		if (port->cfg.idle)
			port->cfg.idle(port->cfg.user);
	}
}

struct bm_poll_arg {
	vob_bm_poll_fn fn;
	void *arg;
};

static int bm_poll_step(struct vob_bm_port *port, void *arg)
{
	const struct bm_poll_arg *a = arg;

	(void)port;
	return a->fn(a->arg);
}

int vob_bm_poll(struct vob_bm_port *port, vob_bm_poll_fn fn, void *arg, uint32_t max_rounds,
		uint64_t timeout_ns)
{
	struct bm_poll_arg a;

	if (VOB_ARG_BAD(!port || !fn))
		return VOB_EINVAL;
	a.fn = fn;
	a.arg = arg;
	return bm_loop(port, bm_poll_step, &a, max_rounds, timeout_ns);
}

/* Returns id + 1 when taken (so 0 means "not yet"). */
static int bm_wait_step(struct vob_bm_port *port, void *arg)
{
	uint32_t id = *(const uint32_t *)arg;
	int r;

	if (id == VOB_BM_ANY) {
		r = vob_link_irq_next(port->link);
		return r >= 0 ? r + 1 : 0;
	}
	return vob_link_irq_take(port->link, id) ? (int)id + 1 : 0;
}

int vob_bm_wait_doorbell(struct vob_bm_port *port, uint32_t id, uint32_t max_rounds,
			 uint64_t timeout_ns)
{
	int r;

	if (VOB_ARG_BAD(!port || !port->link || (id != VOB_BM_ANY && id >= VOB_MAX_DOORBELLS)))
		return VOB_EINVAL;
	r = bm_loop(port, bm_wait_step, &id, max_rounds, timeout_ns);
	return r > 0 ? r - 1 : r;
}

uint32_t vob_bm_doorbells_rung(const struct vob_bm_port *port)
{
	return port->rung;
}

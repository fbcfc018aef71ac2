/* SPDX-License-Identifier: BSD-3-Clause */
#include "mem_internal.h"

#include "vob/barrier.h"
#include "vob/err.h"
#include "vob/link.h"
#include "link_internal.h"

int vob_link_init(struct vob_link *link, const struct vob_port_ops *ops, void *ctx,
		  uint32_t line_size)
{
	if (VOB_ARG_BAD(!link || !ops))
		return VOB_EINVAL;
	if (VOB_ARG_BAD(ops->version == 0 || ops->version > VOB_PORT_OPS_VERSION))
		return VOB_ENOTSUP;
	if (VOB_ARG_BAD(!ops->map_window || !ops->ring_doorbell))
		return VOB_EINVAL;
	if (line_size == 0)
		line_size = VOB_CACHE_LINE_DEFAULT;
	if (VOB_ARG_BAD(line_size < 16 || line_size > VOB_CACHE_LINE_MAX ||
			(line_size & (line_size - 1))))
		return VOB_EINVAL;
	vob_memset(link, 0, sizeof(*link));
	link->ops = ops;
	link->ctx = ctx;
	link->line = line_size;
	return 0;
}

static bool link_overlaps(const struct vob_window *w, uint64_t base, uint64_t size)
{
	/* One range starts inside the other. Neither runs past 2^64 (a window
	 * may end exactly there), so a start below the other's wraps the
	 * difference to at least the other's size: no false overlap. */
	return base - w->base < w->size || w->base - base < size;
}

int vob_link_add_window(struct vob_link *link, const struct vob_window_cfg *cfg)
{
	struct vob_window *w, *end;
	void *p;

	if (VOB_ARG_BAD(!link || !cfg || cfg->size == 0 || cfg->size > SIZE_MAX ||
			cfg->size - 1u > UINT64_MAX - cfg->link_addr ||
			cfg->kind > VOB_MEM_CACHED || cfg->owner > VOB_WIN_PEER || !cfg->access ||
			(cfg->access & ~(VOB_MAP_READ | VOB_MAP_WRITE))))
		return VOB_EINVAL;
	if (link->nwin >= VOB_MAX_WINDOWS)
		return VOB_E2BIG;
	end = link->win + link->nwin;
	for (w = link->win; w < end; w++)
		if (link_overlaps(w, cfg->link_addr, cfg->size))
			return VOB_EEXIST;
	/* Without cache maintenance compiled in, refuse rather than corrupt. */
	if (!VOB_CFG_CACHED && cfg->kind == VOB_MEM_CACHED)
		return VOB_ENOTSUP;
	if (cfg->kind == VOB_MEM_CACHED &&
	    (!link->ops->cache_clean || !link->ops->cache_invalidate))
		return VOB_ENOSYS;
	p = link->ops->map_window(link->ctx, cfg->link_addr, (size_t)cfg->size, cfg->access);
	if (!p)
		return VOB_EFAULT;
	/* w == end: the first free slot. */
	w->base = cfg->link_addr;
	w->size = cfg->size;
	w->ptr = (uint8_t *)p;
	w->kind = cfg->kind;
	w->owner = cfg->owner;
	w->access = cfg->access;
	if (VOB_CFG_CACHED && cfg->kind == VOB_MEM_CACHED)
		link->cached = 1;
	return link->nwin++;
}

uint32_t vob_link_line(const struct vob_link *link)
{
	return link->line;
}

void vob_link_clear_windows(struct vob_link *link)
{
	link->nwin = 0;
	link->cached = 0;
	vob_memset(link->win, 0, sizeof(link->win));
}

void *vob_link_translate(const struct vob_link *link, uint64_t addr, uint64_t len,
			 unsigned access, const struct vob_window **win_out)
{
	const struct vob_window *w, *end = link->win + link->nwin;

	for (w = link->win; w < end; w++) {
		uint64_t off = addr - w->base;

		/* addr inside, then len fits in what is left: no sum can wrap.
		 * An addr below base wraps off to 2^64 - (base - addr), which
		 * is at least size: vob_link_add_window() refuses a window past
		 * 2^64, so base + size <= 2^64. */
		if (off >= w->size || len > w->size - off)
			continue;
		if ((access & w->access) != access)
			return NULL;
		if (win_out)
			*win_out = w;
		return w->ptr + off;
	}
	return NULL;
}

const struct vob_window *vob_link_window_of(const struct vob_link *link, const void *p,
					    size_t len)
{
	uintptr_t a = (uintptr_t)p;
	const struct vob_window *w, *end = link->win + link->nwin;

	for (w = link->win; w < end; w++) {
		uintptr_t base = (uintptr_t)w->ptr;

		if (a < base || a - base >= w->size || len > w->size - (a - base))
			continue;
		return w;
	}
	return NULL;
}

int vob_link_addr_of(const struct vob_link *link, const void *p, size_t len,
		     uint64_t *addr_out)
{
	const struct vob_window *w = vob_link_window_of(link, p, len);

	if (!w)
		return VOB_EFAULT;
	*addr_out = w->base + (uint64_t)((const uint8_t *)p - w->ptr);
	return 0;
}

void vob_link_sync_for_peer(const struct vob_link *link, const void *p, size_t n)
{
	const struct vob_window *w;

	if (!VOB_LINK_CACHED(link) || n == 0)
		return;
	w = vob_link_window_of(link, p, n);
	if (w && VOB_WIN_CACHED(w))
		vob_link_clean(link, p, n);
}

void vob_link_sync_for_cpu(const struct vob_link *link, const void *p, size_t n)
{
	const struct vob_window *w;

	if (!VOB_LINK_CACHED(link) || n == 0)
		return;
	w = vob_link_window_of(link, p, n);
	if (w && VOB_WIN_CACHED(w))
		vob_link_invalidate(link, p, n);
}

int vob_link_doorbell(struct vob_link *link, uint32_t id, uint32_t data)
{
	/* Orders every earlier store to shared memory (ring entries, indices,
	 * table fields) before the doorbell; pairs with the peer's read after
	 * vob_link_irq_take(). */
	VOB_DOORBELL_MB();
	return link->ops->ring_doorbell(link->ctx, id, data);
}

void vob_on_irq_isr(struct vob_link *link, uint32_t id)
{
	if (id >= VOB_MAX_DOORBELLS) {
		/* A table whose geometry has more ids than this build records
		 * (or a bad id): the last id stands for it, so the wake-up is
		 * not lost; whoever serves that id polls everything above. */
		link->irq_spurious++;
		id = VOB_MAX_DOORBELLS - 1u;
	}
	/* Plain byte stores, no read-modify-write: works on cores without
	 * atomic instructions (Cortex-M0+). The consumer clears before it
	 * looks at the work, so a doorbell racing with the clear is never lost. */
	__atomic_store_n(&link->irq_pending[id], 1, __ATOMIC_RELEASE);
	__atomic_store_n(&link->irq_any, 1, __ATOMIC_RELEASE);
}

bool vob_link_irq_take(struct vob_link *link, uint32_t id)
{
	/* Folded as vob_on_irq_isr() folds it. */
	if (id >= VOB_MAX_DOORBELLS)
		id = VOB_MAX_DOORBELLS - 1u;
	if (!__atomic_load_n(&link->irq_pending[id], __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&link->irq_pending[id], 0, __ATOMIC_RELAXED);
	/* The clear is ordered before every later read of shared memory, so
	 * anything published before a doorbell that raced with the clear is
	 * seen by the processing that follows. Pairs with VOB_DOORBELL_MB. */
	VOB_MB();
	return true;
}

int vob_link_irq_next(struct vob_link *link)
{
	uint32_t id;

	if (!__atomic_load_n(&link->irq_any, __ATOMIC_ACQUIRE))
		return VOB_EAGAIN;
	__atomic_store_n(&link->irq_any, 0, __ATOMIC_RELAXED);
	VOB_MB(); /* clear irq_any before scanning; pairs with vob_on_irq_isr */
	for (id = 0; id < VOB_MAX_DOORBELLS; id++) {
		if (vob_link_irq_take(link, id)) {
			/* More may be pending: keep the summary flag set. */
			__atomic_store_n(&link->irq_any, 1, __ATOMIC_RELAXED);
			return (int)id;
		}
	}
	return VOB_EAGAIN;
}

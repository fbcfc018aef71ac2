/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VOB_LINK_INTERNAL_H
#define VOB_LINK_INTERNAL_H

#include "vob/link.h"

/* The window holding local range [p, p + len), or NULL. */
const struct vob_window *vob_link_window_of(const struct vob_link *link, const void *p,
					    size_t len);

/* Whether a window (or any window of a link) is VOB_MEM_CACHED: a literal 0
 * when cache maintenance is compiled out (VOB_CFG_CACHED), so every cache
 * operation behind it goes too. */
#if VOB_CFG_CACHED
#define VOB_WIN_CACHED(w) ((w)->kind == VOB_MEM_CACHED)
#define VOB_LINK_CACHED(link) ((link)->cached)
#define VOB_IS_CACHED(flag) (flag)
#else
#define VOB_WIN_CACHED(w) 0
#define VOB_LINK_CACHED(link) 0
#define VOB_IS_CACHED(flag) 0
#endif

/* Cache maintenance on ring areas whose window kind is known up front. */
static inline void vob_link_clean(const struct vob_link *link, const void *p, size_t n)
{
#if VOB_CFG_CACHED
	link->ops->cache_clean(link->ctx, p, n);
#else
	(void)link;
	(void)p;
	(void)n;
#endif
}

static inline void vob_link_invalidate(const struct vob_link *link, const void *p, size_t n)
{
#if VOB_CFG_CACHED
	link->ops->cache_invalidate(link->ctx, p, n);
#else
	(void)link;
	(void)p;
	(void)n;
#endif
}

#endif

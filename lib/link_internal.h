/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VOB_LINK_INTERNAL_H
#define VOB_LINK_INTERNAL_H

#include "vob/link.h"

/* The window holding local range [p, p + len), or NULL. */
const struct vob_window *vob_link_window_of(const struct vob_link *link, const void *p,
					    size_t len);

/* Cache maintenance on ring areas whose window kind is known up front. */
static inline void vob_link_clean(const struct vob_link *link, const void *p, size_t n)
{
	link->ops->cache_clean(link->ctx, p, n);
}

static inline void vob_link_invalidate(const struct vob_link *link, const void *p, size_t n)
{
	link->ops->cache_invalidate(link->ctx, p, n);
}

#endif

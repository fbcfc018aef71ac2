/* SPDX-License-Identifier: BSD-3-Clause */
#include "vob/pool.h"
#include "vob/err.h"
#include "mem_internal.h"

#define POOL_END 0xffffu
#define POOL_BUSY 0xfffeu

/* Unsigned division by shifts: the core may not call the compiler's
 * division helpers (Cortex-M0 has no divide instruction). */
static uint32_t pool_div(uint32_t n, uint32_t d, uint32_t *rem)
{
	uint32_t q = 0, r = 0;
	int bit;

	for (bit = 31; bit >= 0; bit--) {
		r = (r << 1) | ((n >> bit) & 1u);
		if (r >= d) {
			r -= d;
			q |= 1u << bit;
		}
	}
	*rem = r;
	return q;
}

int vob_pool_init(struct vob_pool *p, const struct vob_link *link, uint64_t addr,
		  uint32_t buf_size, uint16_t count, uint16_t *state)
{
	/* buf_size * count in two 16-bit halves of buf_size, with 32-bit
	 * multiplies only (no 64-bit one on a Cortex-M0+, whose libgcc call
	 * the freestanding core may not need). */
	uint32_t hi = (buf_size >> 16) * count, lo = (buf_size & 0xffffu) * count;
	uint16_t i;

	/* The pool below 4 GiB, so offsets fit 32 bits. */
	if (VOB_ARG_BAD(!p || !link || !state || !count || count >= POOL_BUSY || !buf_size ||
			hi >= 0x10000u || (hi << 16) > 0xffffffffu - lo ||
			(buf_size & (link->line - 1u)) || (addr & (link->line - 1u))))
		return VOB_EINVAL;
	p->base = (uint8_t *)vob_link_translate(link, addr, (hi << 16) + lo,
						VOB_MAP_READ | VOB_MAP_WRITE, NULL);
	if (!p->base)
		return VOB_EFAULT;
	p->addr = addr;
	p->next = state;
	p->buf_size = buf_size;
	p->count = count;
	for (i = 0; i < count; i++)
		state[i] = (uint16_t)(i + 1u < count ? i + 1u : POOL_END);
	p->free_head = 0;
	p->nfree = count;
	return 0;
}

void *vob_pool_get(struct vob_pool *p, uint64_t *addr_out)
{
	uint16_t i = p->free_head;

	if (i == POOL_END || !p->nfree)
		return NULL;
	p->free_head = p->next[i];
	p->next[i] = POOL_BUSY;
	p->nfree--;
	if (addr_out)
		*addr_out = p->addr + (uint32_t)(i * p->buf_size);
	return p->base + (uint32_t)(i * p->buf_size);
}

int vob_pool_put(struct vob_pool *p, void *buf)
{
	uintptr_t a = (uintptr_t)buf, b = (uintptr_t)p->base;
	uint32_t i, rem;

	if (a < b || a - b >= (uintptr_t)p->buf_size * p->count)
		return VOB_EINVAL;
	i = pool_div((uint32_t)(a - b), p->buf_size, &rem);
	if (rem || p->next[i] != POOL_BUSY)
		return VOB_EINVAL; /* not a buffer start, or not taken */
	p->next[i] = p->free_head;
	p->free_head = (uint16_t)i;
	p->nfree++;
	return 0;
}

uint64_t vob_pool_addr(const struct vob_pool *p, const void *buf)
{
	return p->addr + (uint64_t)((const uint8_t *)buf - p->base);
}

unsigned vob_pool_free(const struct vob_pool *p)
{
	return p->nfree;
}

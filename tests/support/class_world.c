/* SPDX-License-Identifier: BSD-3-Clause */
#include "class_world.h"

#include <stdlib.h>
#include <string.h>

static int cw_side_init(struct class_world *w, struct cw_side *s, struct cw_side *peer,
			uint8_t side, uint16_t nslots, uint16_t nqueues, uint16_t config_max)
{
	struct vob_window_cfg win = { CW_BASE, w->len, VOB_MEM_COHERENT, VOB_WIN_LOCAL,
				      VOB_MAP_READ | VOB_MAP_WRITE };
	struct vob_table_cfg tc = { 0 };
	int err;

	fake_port_init(&s->port);
	fake_port_add_region(&s->port, CW_BASE, w->mem, w->len);
	s->port.peer = &peer->link;
	err = vob_link_init(&s->link, &fake_port_ops, &s->port, CW_LINE);
	if (err)
		return err;
	err = vob_link_add_window(&s->link, &win);
	if (err < 0)
		return err;
	tc.addr = CW_BASE;
	tc.side = side;
	tc.nslots = nslots;
	tc.nqueues = nqueues;
	tc.config_max = config_max;
	tc.epoch_seed = 1000u + side;
	return vob_table_init(&s->t, &s->link, &tc);
}

int cw_init(struct class_world *w, uint16_t nslots, uint16_t nqueues, uint16_t config_max,
	    size_t data_bytes)
{
	size_t table = VOB_ALIGN_UP(VOB_TABLE_BYTES(nslots, nqueues, config_max, CW_LINE), 4096u);
	int err;

	memset(w, 0, sizeof(*w));
	w->len = table + VOB_ALIGN_UP(data_bytes, 4096u);
	w->mem = aligned_alloc(4096, w->len);
	if (!w->mem)
		return VOB_ENOMEM;
	memset(w->mem, 0, w->len);
	w->next = CW_BASE + table;
	err = cw_side_init(w, &w->dev, &w->drv, 0, nslots, nqueues, config_max);
	if (!err)
		err = cw_side_init(w, &w->drv, &w->dev, 1, nslots, nqueues, config_max);
	return err;
}

void cw_free(struct class_world *w)
{
	free(w->mem);
	w->mem = NULL;
}

uint64_t cw_alloc(struct class_world *w, size_t len)
{
	uint64_t a = w->next;

	w->next += VOB_ALIGN_UP(len, CW_LINE);
	if (w->next > CW_BASE + w->len)
		return 0;
	return a;
}

void *cw_ptr(const struct class_world *w, uint64_t addr)
{
	return w->mem + (addr - CW_BASE);
}

int cw_place(struct class_world *w, struct vob_dev_queue *q, uint16_t size)
{
	struct vob_arena a;
	size_t need = VOB_SPLIT_RING_BYTES(size, CW_LINE);

	a.addr = cw_alloc(w, need);
	a.len = need;
	if (!a.addr)
		return VOB_ENOMEM;
	return vob_place_split(&a, &a, size, CW_LINE, q);
}

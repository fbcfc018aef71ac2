/* SPDX-License-Identifier: BSD-3-Clause */
/* Uses an installed vob through its public headers: returns 0 only when the
 * calls behave as documented. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vob/vob.h"

int consumer_cxx(void);

static unsigned char block[4096];
static unsigned rung;

static void *tiny_map(void *ctx, uint64_t addr, size_t len, unsigned access)
{
	(void)ctx;
	(void)access;
	if (addr < 0x1000 || addr - 0x1000 > sizeof(block) || len > sizeof(block) - (addr - 0x1000))
		return NULL;
	return block + (addr - 0x1000);
}

static int tiny_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)data;
	rung++;
	vob_on_irq_isr((struct vob_link *)ctx, id); /* rings ourselves */
	return 0;
}

static const struct vob_port_ops tiny_ops = {
	VOB_PORT_OPS_VERSION, tiny_map, tiny_doorbell, NULL, NULL, NULL, NULL
};

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "consumer: check failed: %s\n", #cond); \
			return 1;                                          \
		}                                                          \
	} while (0)

int main(void)
{
	struct vob_port_ops bad = tiny_ops;
	struct vob_window_cfg w;
	struct vob_link link;
	uint64_t addr = 0;

	CHECK(VOB_VERSION_MAJOR == VOB_EXPECT_VERSION_MAJOR);
	CHECK(VOB_VERSION_MINOR == VOB_EXPECT_VERSION_MINOR);
	CHECK(VOB_VERSION_PATCH == VOB_EXPECT_VERSION_PATCH);

	CHECK(strcmp(vob_strerror(VOB_OK), "success") == 0);
	CHECK(strcmp(vob_strerror(12345), "unknown error") == 0);
	CHECK(strcmp(vob_strerror(VOB_EPROTO), vob_strerror(12345)) != 0);

	bad.version = VOB_PORT_OPS_VERSION + 1u;
	CHECK(vob_link_init(&link, &bad, &link, 0) == VOB_ENOTSUP);
	bad.version = VOB_PORT_OPS_VERSION;
	bad.ring_doorbell = NULL;
	CHECK(vob_link_init(&link, &bad, &link, 0) == VOB_EINVAL);
	CHECK(vob_link_init(&link, &tiny_ops, &link, 48) == VOB_EINVAL);
	CHECK(vob_link_init(&link, &tiny_ops, &link, 0) == VOB_OK);

	memset(&w, 0, sizeof(w));
	w.link_addr = 0x1000;
	w.size = sizeof(block);
	w.kind = VOB_MEM_COHERENT;
	w.owner = VOB_WIN_LOCAL;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	CHECK(vob_link_add_window(&link, &w) == 0);
	CHECK(vob_link_add_window(&link, &w) == VOB_EEXIST);
	CHECK(vob_link_translate(&link, 0x1010, 16, VOB_MAP_READ, NULL) == block + 0x10);
	CHECK(vob_link_translate(&link, 0x1ff8, 16, VOB_MAP_READ, NULL) == NULL);
	CHECK(vob_link_addr_of(&link, block + 100, 8, &addr) == 0 && addr == 0x1000 + 100);

	CHECK(vob_link_irq_next(&link) == VOB_EAGAIN);
	CHECK(vob_link_doorbell(&link, 3, 0) == 0 && rung == 1);
	CHECK(vob_link_irq_take(&link, 3));
	CHECK(!vob_link_irq_take(&link, 3));

	CHECK(consumer_cxx() == 0);
	printf("consumer: vob %d.%d.%d works from C and C++\n", VOB_VERSION_MAJOR,
	       VOB_VERSION_MINOR, VOB_VERSION_PATCH);
	return 0;
}

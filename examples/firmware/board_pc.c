/* SPDX-License-Identifier: BSD-3-Clause */
/* The PC board of the firmware example (board.h) under qemu-system-i386:
 * entered from boot.S by a multiboot loader, COM1 as the console, the TSC
 * as the clock, isa-debug-exit to leave, and the window in the BAR2 of
 * QEMU's ivshmem-plain PCI device. Command-line word of its own:
 *   bar=move   assign BAR2 ourselves below the other BARs, even when the
 *              BIOS assigned it (the path taken when the BIOS left it
 *              above 4 GiB, which this 32-bit firmware cannot reach)
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "pc.h"
#include "vob/vob.h"

#define IVSHMEM_VENDOR 0x1af4u
#define IVSHMEM_DEVICE 0x1110u
#define IVSHMEM_BAR2 0x18u

static const struct pc_mb_info *pc_mbi;

void board_putc(char c)
{
	pc_putc(c);
}

uint64_t board_clock_ns(void)
{
	return pc_clock_ns();
}

uint32_t board_seed(void)
{
	return (uint32_t)pc_rdtsc();
}

/* isa-debug-exit: QEMU's exit code is status * 2 + 1. */
void board_exit(uint8_t status)
{
	pc_exit(status);
}

/* Find ivshmem-plain and make its BAR2 reachable: memory decoding on, and
 * an address below 4 GiB (paging is off: the CPU reaches only that). */
const char *board_window(const char *cmd, struct vob_bm_window *win)
{
	struct pc_pci d;
	struct pc_bar bar;
	uint64_t ram_top = 0x100000u;

	if (pc_mbi->flags & PC_MB_INFO_MEM)
		ram_top += (uint64_t)pc_mbi->mem_upper * 1024u;
	if (pc_pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, &d))
		return "no ivshmem-plain device (1af4:1110) on the PCI bus";
	if (pc_bar_probe(&d, IVSHMEM_BAR2, &bar))
		return "ivshmem BAR2 is not a memory BAR";
	fw_printf("vob-fw: ivshmem at %02x:%02x.%x, BAR2 %llx (%llu KiB, %s%s) from the BIOS\n",
		  (unsigned)d.bus, (unsigned)d.dev, (unsigned)d.fn, bar.base, bar.size >> 10,
		  bar.is64 ? "64-bit" : "32-bit", bar.prefetch ? ", prefetchable" : "");
	if (fw_word(cmd, "bar=move") || !bar.base || bar.base + bar.size > 0x100000000ull) {
		if (pc_bar_place_low(&d, IVSHMEM_BAR2, &bar, ram_top))
			return "no room below 4 GiB for the ivshmem BAR";
		fw_printf("vob-fw: BAR2 assigned by the firmware at %llx\n", bar.base);
	}
	pc_pci_enable_mem(&d);
	win->link_addr = 0;
	win->size = bar.size;
	win->ptr = (void *)(uintptr_t)bar.base;
	win->kind = VOB_MEM_COHERENT; /* QEMU's RAM behind the BAR, same host caches */
	win->owner = VOB_WIN_LOCAL;
	win->access = VOB_MAP_READ | VOB_MAP_WRITE;
	return NULL;
}

void fw_main(uint32_t magic, const struct pc_mb_info *mbi);

void fw_main(uint32_t magic, const struct pc_mb_info *mbi)
{
	uint64_t hz;

	pc_serial_init();
	fw_printf("\nvob-fw: vob %d.%d.%d firmware (multiboot, 32-bit, polling)\n", VOB_VERSION_MAJOR,
		  VOB_VERSION_MINOR, VOB_VERSION_PATCH);
	if (magic != PC_MB_BOOT_MAGIC) {
		fw_printf("vob-fw: FAIL: not started by a multiboot loader\n");
		pc_exit(FW_ESETUP);
	}
	hz = pc_clock_init();
	fw_printf("vob-fw: TSC %llu kHz\n", hz / 1000u);
	pc_mbi = mbi;
	fw_run(mbi->flags & PC_MB_INFO_CMDLINE ? (const char *)(uintptr_t)mbi->cmdline : "");
}

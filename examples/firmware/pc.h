/* SPDX-License-Identifier: BSD-3-Clause */
/* The little of a PC the firmware example needs, with no BIOS calls: the
 * serial port COM1, PCI configuration space through ports 0xCF8/0xCFC, a
 * nanosecond clock (the TSC, calibrated against the PIT), QEMU's
 * isa-debug-exit device and the multiboot information. Nothing here knows
 * about vob. */
#ifndef VOB_FW_PC_H
#define VOB_FW_PC_H

#include <stdint.h>

/* Multiboot (v1) information, the fields used. */
#define PC_MB_BOOT_MAGIC 0x2badb002u
#define PC_MB_INFO_MEM 0x1u     /* mem_lower / mem_upper are valid */
#define PC_MB_INFO_CMDLINE 0x4u /* cmdline is valid */
struct pc_mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB of RAM from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;   /* physical address of a NUL-terminated string */
};

/* COM1 at 115200 8N1; output only ('\n' goes out as "\r\n"). */
void pc_serial_init(void);
void pc_putc(char c);

/* Calibrate the TSC against PIT channel 2 (10 ms). Returns the TSC rate in
 * Hz; without a PIT it assumes 1 GHz. */
uint64_t pc_clock_init(void);
/* Nanoseconds since pc_clock_init(). */
uint64_t pc_clock_ns(void);
uint64_t pc_rdtsc(void);

/* Leave QEMU through isa-debug-exit at port 0xf4: QEMU exits with status
 * (code << 1) | 1. Without that device, halt for ever. */
void pc_exit(uint8_t code) __attribute__((noreturn));

/* A PCI function. */
struct pc_pci {
	uint8_t bus, dev, fn;
};
uint32_t pc_pci_read(const struct pc_pci *d, unsigned off);
void pc_pci_write(const struct pc_pci *d, unsigned off, uint32_t v);
/* Find the first function with this vendor and device id (every bus). */
int pc_pci_find(uint16_t vendor, uint16_t device, struct pc_pci *out);

/* A 64-bit memory BAR (two registers from @off). */
struct pc_bar {
	uint64_t base; /* as assigned (0: unassigned) */
	uint64_t size;
	int is64, prefetch;
};
/* Read base and size of the memory BAR at @off. 0, or -1 when it is an I/O
 * BAR or not implemented. Memory decoding is off while it is sized. */
int pc_bar_probe(const struct pc_pci *d, unsigned off, struct pc_bar *bar);
/* Move the memory BAR at @off (already probed into @bar) to an address
 * below 4 GiB: under the lowest memory BAR any PCI function has there
 * (so above every BIOS assignment it leaves alone), aligned to its size and
 * above @ram_top. 0, or -1 when no such place exists. */
int pc_bar_place_low(const struct pc_pci *d, unsigned off, struct pc_bar *bar, uint64_t ram_top);
/* Turn memory decoding (and nothing else) on. */
void pc_pci_enable_mem(const struct pc_pci *d);

#endif

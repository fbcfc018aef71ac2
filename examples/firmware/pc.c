/* SPDX-License-Identifier: BSD-3-Clause */
/* The PC side of the firmware example (pc.h), and memcpy / memset with the
 * x86 string instructions (there is no libc). */
#include <stddef.h>
#include <string.h>

#include "pc.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ---- memcpy and memset with string instructions (fw_lib.c has the other two) ---- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t words = n >> 2, bytes = n & 3u;

	__asm__ volatile("rep movsl" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

/* ---- serial ---- */

#define COM1 0x3f8u

void pc_serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void pc_putc(char c)
{
	unsigned spin = 100000;

	if (c == '\n')
		pc_putc('\r');
	while (!(inb(COM1 + 5) & 0x20) && --spin) /* transmit holding register empty */
		;
	outb(COM1, (uint8_t)c);
}

/* ---- clock ---- */

static uint64_t pc_tsc_hz = 1000000000u;
static uint64_t pc_tsc0;

uint64_t pc_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t pc_clock_init(void)
{
	const uint32_t pit_hz = 1193182u, ticks = 11932u; /* 10 ms */
	uint64_t t0, t1;
	uint32_t spin = 0;

	/* PIT channel 2, gate on and speaker off; mode 0 (interrupt on
	 * terminal count): OUT2, bit 5 of port 0x61, rises when it expires. */
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02u) | 0x01u));
	outb(0x43, 0xb0);
	outb(0x42, (uint8_t)(ticks & 0xffu));
	outb(0x42, (uint8_t)(ticks >> 8));
	t0 = pc_rdtsc();
	while (!(inb(0x61) & 0x20) && ++spin < 50000000u)
		;
	t1 = pc_rdtsc();
	if (spin < 50000000u && t1 > t0)
		pc_tsc_hz = (t1 - t0) * pit_hz / ticks;
	pc_tsc0 = pc_rdtsc();
	return pc_tsc_hz;
}

uint64_t pc_clock_ns(void)
{
	uint64_t t = pc_rdtsc() - pc_tsc0;

	/* Split so that t * 1e9 cannot overflow: the remainder is below the
	 * rate (under 2^34), times 1e9 (under 2^30). */
	return t / pc_tsc_hz * 1000000000u + t % pc_tsc_hz * 1000000000u / pc_tsc_hz;
}

/* ---- exit ---- */

void pc_exit(uint8_t code)
{
	outl(0xf4, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- PCI ---- */

static void pc_pci_addr(const struct pc_pci *d, unsigned off)
{
	outl(0xcf8, 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
			    (uint32_t)d->fn << 8 | (off & 0xfcu));
}

uint32_t pc_pci_read(const struct pc_pci *d, unsigned off)
{
	pc_pci_addr(d, off);
	return inl(0xcfc);
}

void pc_pci_write(const struct pc_pci *d, unsigned off, uint32_t v)
{
	pc_pci_addr(d, off);
	outl(0xcfc, v);
}

/* Call @fn for every function present; stops when it returns nonzero. */
static int pc_pci_each(int (*fn)(const struct pc_pci *d, uint32_t id, void *arg), void *arg)
{
	struct pc_pci d;
	unsigned bus, dev, fn_no;

	for (bus = 0; bus < 256; bus++) {
		for (dev = 0; dev < 32; dev++) {
			for (fn_no = 0; fn_no < 8; fn_no++) {
				uint32_t id;
				int r;

				d.bus = (uint8_t)bus;
				d.dev = (uint8_t)dev;
				d.fn = (uint8_t)fn_no;
				id = pc_pci_read(&d, 0x00);
				if ((id & 0xffffu) == 0xffffu) {
					if (fn_no == 0)
						break;
					continue;
				}
				r = fn(&d, id, arg);
				if (r)
					return r;
				/* Functions 1-7 only on multi-function devices. */
				if (fn_no == 0 && !(pc_pci_read(&d, 0x0c) & 0x00800000u))
					break;
			}
		}
	}
	return 0;
}

struct pc_find {
	uint32_t id;
	struct pc_pci *out;
};

static int pc_find_fn(const struct pc_pci *d, uint32_t id, void *arg)
{
	struct pc_find *f = arg;

	if (id != f->id)
		return 0;
	*f->out = *d;
	return 1;
}

int pc_pci_find(uint16_t vendor, uint16_t device, struct pc_pci *out)
{
	struct pc_find f = { (uint32_t)device << 16 | vendor, out };

	return pc_pci_each(pc_find_fn, &f) ? 0 : -1;
}

int pc_bar_probe(const struct pc_pci *d, unsigned off, struct pc_bar *bar)
{
	uint32_t cmd = pc_pci_read(d, 0x04) & 0xffffu;
	uint32_t lo = pc_pci_read(d, off), hi = 0, slo, shi = 0xffffffffu;
	uint64_t mask;

	if (lo & 1u)
		return -1; /* I/O space */
	bar->is64 = (lo & 0x6u) == 0x4u;
	bar->prefetch = (lo & 0x8u) != 0;
	pc_pci_write(d, 0x04, cmd & ~0x3u); /* decoding off while sizing */
	pc_pci_write(d, off, 0xffffffffu);
	slo = pc_pci_read(d, off);
	pc_pci_write(d, off, lo);
	if (bar->is64) {
		hi = pc_pci_read(d, off + 4);
		pc_pci_write(d, off + 4, 0xffffffffu);
		shi = pc_pci_read(d, off + 4);
		pc_pci_write(d, off + 4, hi);
	}
	pc_pci_write(d, 0x04, cmd);
	mask = (uint64_t)shi << 32 | (slo & ~0xfu);
	if (!(slo & ~0xfu))
		return -1; /* not implemented */
	bar->size = ~mask + 1u;
	bar->base = (uint64_t)hi << 32 | (lo & ~0xfu);
	return 0;
}

/* Lowest address below 4 GiB that a memory BAR (or expansion ROM) of any
 * function starts at, other than the BAR being moved. */
struct pc_low {
	const struct pc_pci *self;
	unsigned self_off;
	uint64_t lowest;
};

static void pc_low_take(struct pc_low *l, uint64_t base)
{
	if (base && base < l->lowest)
		l->lowest = base;
}

static int pc_low_fn(const struct pc_pci *d, uint32_t id, void *arg)
{
	struct pc_low *l = arg;
	unsigned type = (pc_pci_read(d, 0x0c) >> 16) & 0x7fu, nbars = type == 0 ? 6u : 2u, i;
	int self = d->bus == l->self->bus && d->dev == l->self->dev && d->fn == l->self->fn;

	(void)id;
	for (i = 0; i < nbars; i++) {
		unsigned off = 0x10 + 4 * i;
		uint32_t v = pc_pci_read(d, off);
		int is64 = (v & 0x7u) == 0x4u;

		if (v & 1u)
			continue; /* I/O space */
		if (!(self && off == l->self_off) && (!is64 || !pc_pci_read(d, off + 4)))
			pc_low_take(l, v & ~0xfu);
		if (is64)
			i++;
	}
	if (type == 0)
		pc_low_take(l, pc_pci_read(d, 0x30) & ~0x7ffu);
	else if (type == 1) /* a bridge: its memory window */
		pc_low_take(l, (uint64_t)(pc_pci_read(d, 0x20) & 0xfff0u) << 16);
	return 0;
}

int pc_bar_place_low(const struct pc_pci *d, unsigned off, struct pc_bar *bar, uint64_t ram_top)
{
	/* 0xfec00000 up is the I/O APIC, HPET, local APIC and the flash. */
	struct pc_low l = { d, off, 0xfec00000u };
	uint64_t addr;
	uint32_t cmd;

	pc_pci_each(pc_low_fn, &l);
	if (bar->size > l.lowest)
		return -1;
	addr = (l.lowest - bar->size) & ~(bar->size - 1u);
	if (addr < ram_top)
		return -1;
	cmd = pc_pci_read(d, 0x04) & 0xffffu;
	pc_pci_write(d, 0x04, cmd & ~0x2u);
	pc_pci_write(d, off, (uint32_t)addr);
	if (bar->is64)
		pc_pci_write(d, off + 4, 0);
	pc_pci_write(d, 0x04, cmd);
	bar->base = addr;
	return 0;
}

void pc_pci_enable_mem(const struct pc_pci *d)
{
	uint32_t cmd = pc_pci_read(d, 0x04) & 0xffffu;

	pc_pci_write(d, 0x04, cmd | 0x2u);
}

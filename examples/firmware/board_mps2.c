/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPS2 AN386 board of the firmware example (board.h) under
 * qemu-system-arm -M mps2-an386: a Cortex-M4 with no operating system.
 *
 *   0x00000000  ZBT SSRAM1 (4 MiB), used as the flash: the vector table,
 *               code, read-only data and the initial values of .data
 *   0x20000000  ZBT SSRAM2/3 (4 MiB): .data, .bss, the stack at the top
 *   0x21000000  PSRAM (16 MiB): QEMU's main RAM, backed by the /dev/shm
 *               file the Linux side maps; the whole of it is the window
 *   0x40000000  CMSDK APB timer 0 (25 MHz): the clock
 *   0x40004000  CMSDK APB UART 0: the console
 *
 * The command line and the exit go through Arm semihosting (BKPT 0xAB;
 * QEMU needs -semihosting-config enable=on,target=native): SYS_GET_CMDLINE
 * gives QEMU's -append (after the image's name) and SYS_EXIT_EXTENDED
 * makes QEMU exit with the firmware's status as its exit code. No
 * interrupt is used: the firmware polls. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "vob/vob.h"

#define MPS2_PSRAM 0x21000000u
#define MPS2_PSRAM_SIZE 0x01000000u

#define MPS2_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* CMSDK APB UART 0. */
#define UART0_DATA MPS2_REG(0x40004000u)
#define UART0_STATE MPS2_REG(0x40004004u) /* bit 0: transmit buffer full */
#define UART0_CTRL MPS2_REG(0x40004008u)  /* bit 0: transmit enable */
#define UART0_BAUDDIV MPS2_REG(0x40004010u)

/* CMSDK APB timer 0: counts down at the 25 MHz peripheral clock. */
#define TIMER0_CTRL MPS2_REG(0x40000000u) /* bit 0: enable */
#define TIMER0_VALUE MPS2_REG(0x40000004u)
#define TIMER0_RELOAD MPS2_REG(0x40000008u)
#define MPS2_TIMER_HZ 25000000u

/* System control block: fault status, for the fault handler's report. */
#define SCB_CFSR MPS2_REG(0xe000ed28u)
#define SCB_HFSR MPS2_REG(0xe000ed2cu)
#define SCB_MMFAR MPS2_REG(0xe000ed34u)
#define SCB_BFAR MPS2_REG(0xe000ed38u)

/* Semihosting operations. */
#define SH_SYS_GET_CMDLINE 0x15u
#define SH_SYS_EXIT_EXTENDED 0x20u
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* ---- memcpy and memset (fw_lib.c has the other two) ---- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

/* ---- semihosting ---- */

static uint32_t mps2_semihost(uint32_t op, void *arg)
{
	register uint32_t r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void board_exit(uint8_t status)
{
	uint32_t blk[2] = { SH_ADP_STOPPED_APPLICATION_EXIT, status };

	for (;;)
		mps2_semihost(SH_SYS_EXIT_EXTENDED, blk);
}

/* QEMU's -append, after the image's path. A command line that does not
 * fit is refused by QEMU: a set-up failure, not a run with defaults. */
static const char *mps2_cmdline(void)
{
	static char buf[1024];
	struct {
		char *buf;
		uint32_t len;
	} blk = { buf, sizeof(buf) - 1u };

	if (mps2_semihost(SH_SYS_GET_CMDLINE, &blk) != 0) {
		fw_printf("vob-fw: FAIL: no command line from semihosting (longer than %u bytes?)\n",
			  (unsigned)sizeof(buf) - 1u);
		board_exit(FW_ESETUP);
	}
	buf[blk.len < sizeof(buf) ? blk.len : sizeof(buf) - 1u] = '\0';
	return buf;
}

/* ---- console, clock ---- */

void board_putc(char c)
{
	unsigned spin = 100000;

	if (c == '\n')
		board_putc('\r');
	while ((UART0_STATE & 1u) && --spin)
		;
	UART0_DATA = (uint8_t)c;
}

static uint64_t mps2_ticks;
static uint32_t mps2_last;

/* The timer's 32-bit down-counter, widened to 64 bits: it wraps every
 * 171 s and the firmware reads the clock far more often than that. */
uint64_t board_clock_ns(void)
{
	uint32_t v = TIMER0_VALUE;

	mps2_ticks += (uint32_t)(mps2_last - v);
	mps2_last = v;
	return mps2_ticks * (1000000000u / MPS2_TIMER_HZ);
}

uint32_t board_seed(void)
{
	return TIMER0_VALUE;
}

/* ---- the window ---- */

const char *board_window(const char *cmd, struct vob_bm_window *win)
{
	(void)cmd;
	win->link_addr = 0;
	win->size = MPS2_PSRAM_SIZE;
	win->ptr = (void *)(uintptr_t)MPS2_PSRAM;
	/* The M4 has no data cache; QEMU's RAM is the host's file mapping. */
	win->kind = VOB_MEM_COHERENT;
	win->owner = VOB_WIN_LOCAL;
	win->access = VOB_MAP_READ | VOB_MAP_WRITE;
	return NULL;
}

/* ---- start-up ---- */

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

void mps2_reset(void) __attribute__((noreturn));
void mps2_fault(void) __attribute__((noreturn));

void mps2_reset(void)
{
	const uint32_t *s = __data_load;
	uint32_t *d;

	for (d = __data_start; d < __data_end;)
		*d++ = *s++;
	for (d = __bss_start; d < __bss_end;)
		*d++ = 0;
	UART0_BAUDDIV = 16u;
	UART0_CTRL = 1u;
	TIMER0_RELOAD = 0xffffffffu;
	TIMER0_VALUE = 0xffffffffu;
	TIMER0_CTRL = 1u;
	mps2_last = TIMER0_VALUE;
	fw_printf("\nvob-fw: vob %d.%d.%d firmware (mps2-an386, Cortex-M4, polling)\n",
		  VOB_VERSION_MAJOR, VOB_VERSION_MINOR, VOB_VERSION_PATCH);
	fw_run(mps2_cmdline());
}

/* Every fault and unexpected exception: say so and leave. */
void mps2_fault(void)
{
	fw_printf("vob-fw: FAIL: fault (CFSR %x, HFSR %x, MMFAR %x, BFAR %x)\n", SCB_CFSR,
		  SCB_HFSR, SCB_MMFAR, SCB_BFAR);
	board_exit(FW_EFAULT);
}

/* The vector table, at address 0 (mps2.ld): the initial stack pointer, the
 * reset handler, then the system exceptions. */
__attribute__((section(".vectors"), used)) static const uintptr_t mps2_vectors[16] = {
	(uintptr_t)__stack_top,
	(uintptr_t)mps2_reset,
	(uintptr_t)mps2_fault, /* NMI */
	(uintptr_t)mps2_fault, /* HardFault */
	(uintptr_t)mps2_fault, /* MemManage */
	(uintptr_t)mps2_fault, /* BusFault */
	(uintptr_t)mps2_fault, /* UsageFault */
	0, 0, 0, 0,
	(uintptr_t)mps2_fault, /* SVCall */
	(uintptr_t)mps2_fault, /* DebugMonitor */
	0,
	(uintptr_t)mps2_fault, /* PendSV */
	(uintptr_t)mps2_fault, /* SysTick */
};

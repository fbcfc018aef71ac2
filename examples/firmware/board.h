/* SPDX-License-Identifier: BSD-3-Clause */
/* What firmware.c needs from the machine it runs on, and what it offers the
 * board's start-up code. One board file implements the board_* functions:
 * board_pc.c (the PC under qemu-system-i386: multiboot, ivshmem over PCI)
 * and board_mps2.c (Arm's MPS2 AN386 under qemu-system-arm: a Cortex-M4,
 * the window in its PSRAM). Everything else is shared. */
#ifndef VOB_FW_BOARD_H
#define VOB_FW_BOARD_H

#include <stdint.h>

#include "vob_baremetal.h"

/* Firmware exit statuses. How they reach the host is the board's affair
 * (board_exit()). */
enum { FW_OK = 0, FW_ESETUP = 1, FW_ETRAFFIC = 2, FW_ETIMEOUT = 3, FW_EFAULT = 4 };

/* ---- implemented by the board ---- */

/* One character to the console (the board's serial port). */
void board_putc(char c);
/* Nanoseconds since some point at start-up; monotonic. */
uint64_t board_clock_ns(void);
/* Bits that differ from boot to boot (the table's epoch seed). */
uint32_t board_seed(void);
/* Leave the emulator with @status (FW_OK...); never returns. */
void board_exit(uint8_t status) __attribute__((noreturn));
/* Find the shared window and describe it in @win (its link address 0).
 * @cmd is the command line, for the board's own options. NULL when done,
 * else what went wrong (the firmware fails with FW_ESETUP). */
const char *board_window(const char *cmd, struct vob_bm_window *win);

/* ---- implemented by the shared code ---- */

/* A small printf on board_putc(): %s %c %d %u %x (32-bit), %llu %llx
 * (64-bit), widths like %8llx with a 0 flag. */
void fw_printf(const char *fmt, ...);
/* Where the value of word @key ("role=", "bar=move") starts in the command
 * line @line, or NULL when no word of it starts with @key. */
const char *fw_word(const char *line, const char *key);
/* Parse the command line @cmd, get the window, run the role and leave
 * through board_exit(). Called by the board's start-up code once its
 * console and clock work. */
void fw_run(const char *cmd) __attribute__((noreturn));

#endif

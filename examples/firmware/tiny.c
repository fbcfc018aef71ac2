/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tiny firmware: the tiny device (include/vob/tiny.h) as the echo
 * device of the Linux echo pair, on a board of board.h (image-m4-tiny: the
 * MPS2 AN386, board_mps2.c; board_pc.c works as well). It takes the place
 * of firmware.c and links nothing of the general API: the library bytes of the
 * image are the tiny device's, the port's those of its doorbell helper
 * (vob_bm_tiny_doorbell(), on the port's doorbell table).
 *
 *   role=device   the echo device in slot 0; the host runs vob-echo-drv
 *
 * It prints and exits as firmware.c's echo device does, so that
 * run-firmware's device runs check it alike: the summary line with the
 * count and the broken rings, PASS or FAIL, and the exit status (board.h).
 * The echo driver, the console and the packed ring are not in this image:
 * role=driver and role=console stop it with status 1.
 *
 * A broken ring does not end the session. vob_tiny_pop() refuses what the
 * driver broke and publishes NEEDS_RESET itself; the driver resets the
 * device, negotiates again, and the tiny device serves it again. The
 * session ends when the driver's side leaves the table (its epoch goes to
 * 0) after the device was live once; a driver that resets the device, or
 * restarts without leaving, is served again.
 *
 * Command line, all optional (plus the board's own words; a word it does
 * not know, count= or size= of the driver for instance, is ignored):
 *   role=device  timeout=SECONDS (without any progress; default 30)
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "ex_layout.h"
#include "vob/tiny.h"
#include "vob/wire.h"
#include "vob_baremetal.h"

#define FW_BATCH 32u      /* chains popped per round */
#define FW_SCRATCH 4096u  /* largest echo (firmware.c's size= limit) */

/* The geometry the host's echo programs pass to vob_table_init()
 * (ex_layout.h) is compiled into the tiny device: CMakeLists.txt builds this
 * image with it, and a change on either side stops the build here rather
 * than the session at run time (the driver would refuse the table). */
VOB_STATIC_ASSERT(VOB_TINY_LINE == EX_LINE, fw_tiny_line);
VOB_STATIC_ASSERT(VOB_TINY_TABLE_QUEUES == EX_NQUEUES, fw_tiny_nqueues);
VOB_STATIC_ASSERT(VOB_TINY_CONFIG_MAX == EX_CONFIG_MAX, fw_tiny_config_max);
VOB_STATIC_ASSERT(EX_NSLOTS == 1u && EX_TABLE_ADDR == 0u, fw_tiny_one_slot_at_0);

static struct fw {
	struct vob_bm_window win;
	/* The port's doorbell table, for vob_bm_tiny_doorbell(): empty, every
	 * id a no-op, since nothing on the MPS2 reaches the host (it polls).
	 * A board with a doorbell register lists it here. */
	struct vob_bm_cfg bells;
	struct vob_tiny t;
	uint32_t timeout_s;
	uint64_t done, bytes, t_live, t_progress;
	uint64_t ring_errors; /* rings the driver broke */
	uint8_t scratch[FW_SCRATCH];
} fw;

static void fw_fail(int status, const char *what) __attribute__((noreturn));

static void fw_fail(int status, const char *what)
{
	fw_printf("vob-fw: FAIL: %s\n", what);
	board_exit((uint8_t)status);
}

/* Read the command line: NULL, or what is wrong with it (a value out of
 * range is refused, never replaced by the default). */
static const char *fw_parse(const char *cmd)
{
	const char *v = fw_word(cmd, "role=");
	uint32_t x = 0;

	fw_printf("vob-fw: command line '%s'\n", cmd);
	if (v && !(v[0] == 'd' && v[1] == 'e' && v[2] == 'v' && v[3] == 'i' && v[4] == 'c' &&
		   v[5] == 'e' && (!v[6] || v[6] == ' ')))
		return "role=: this image has only the tiny echo device (role=device)";
	fw.timeout_s = 30u;
	v = fw_word(cmd, "timeout=");
	if (!v)
		return NULL;
	if (*v < '0' || *v > '9')
		return "timeout= must be a number of seconds below 2^32";
	while (*v >= '0' && *v <= '9') {
		uint32_t d = (uint32_t)(*v++ - '0');

		if (x > (0xffffffffu - d) / 10u)
			return "timeout= must be a number of seconds below 2^32";
		x = x * 10u + d;
	}
	if (*v && *v != ' ')
		return "timeout= must be a number of seconds below 2^32";
	fw.timeout_s = x;
	return NULL;
}

/* Echo every chain the driver made available, up to a batch: the readable
 * bytes into the writable part. Returns the chains served. */
static unsigned fw_serve(void)
{
	struct vob_tiny_chain c;
	unsigned n = 0;

	while (n < FW_BATCH) {
		uint32_t got = 0;
		int err = vob_tiny_pop(&fw.t, 0, &c);

		if (err == VOB_EAGAIN || err == VOB_EIO)
			break;
		if (err) {
			/* VOB_EPROTO: the tiny device has published NEEDS_RESET
			 * and stopped the queue. The driver resets the device (its
			 * messages in flight come back to it lost) and negotiates
			 * again; chains pushed before this one were echoed. */
			fw.ring_errors++;
			fw_printf("vob-fw: the driver broke the ring: vob_tiny_pop() %d; asking for "
				  "a reset\n", err);
			break;
		}
		/* Not an echo request (too little room): returned untouched. */
		if (c.len[1] >= c.len[0])
			got = vob_tiny_put(&c, fw.scratch,
					   vob_tiny_pull(&c, fw.scratch, sizeof(fw.scratch)));
		vob_tiny_push(&fw.t, 0, &c, got);
		fw.bytes += got;
		fw.done++;
		n++;
	}
	if (n)
		vob_tiny_kick(&fw.t, 0);
	return n;
}

static int fw_device(void)
{
	struct vob_tiny_cfg c = { 0 };
	uint64_t now, t;
	int live = 0, r;

	c.window = fw.win.ptr;
	c.link_addr = fw.win.link_addr;
	c.size = (uint32_t)fw.win.size;
	c.device_id = EX_ECHO_DEVICE_ID;
	c.epoch_seed = board_seed();
	c.side = EX_SIDE_DEVICE;
	c.doorbell = vob_bm_tiny_doorbell;
	c.user = &fw.bells;
	r = vob_tiny_init(&fw.t, &c);
	if (r)
		fw_fail(FW_ESETUP, "vob_tiny_init refused the window");
	fw_printf("vob-fw: tiny echo device published in slot 0 (queue of up to %u); waiting "
		  "for the driver\n", (unsigned)VOB_TINY_QUEUE_MAX);
	fw.t_progress = board_clock_ns();
	for (;;) {
		r = vob_tiny_poll(&fw.t);
		now = board_clock_ns();
		if (r != live) {
			/* Live again, or stopped: a reset, NEEDS_RESET, the driver
			 * gone. Both count as progress for the time-out. */
			live = r;
			fw.t_progress = now;
			if (live && !fw.t_live)
				fw.t_live = now;
			/* The tiny device offers VERSION_1 alone and refuses any
			 * other set: what it runs with is exactly that. */
			if (live)
				fw_printf("vob-fw: echo device live: split ring, features %llx\n",
					  (uint64_t)VOB_BIT(VOB_F_VERSION_1));
		}
		/* Done when the driver leaves after a session. Not after a count
		 * of our own: the driver may not have read the last echoes. */
		if (fw.t_live && !vob_tiny_peer(&fw.t))
			break;
		if (live && fw_serve())
			fw.t_progress = now;
		if (now - fw.t_progress > (uint64_t)fw.timeout_s * 1000000000u)
			fw_fail(FW_ETIMEOUT, fw.t_live ? "no traffic for timeout= seconds" :
				"no driver came within timeout= seconds");
	}
	vob_tiny_shutdown(&fw.t);
	t = board_clock_ns() - fw.t_live;
	fw_printf("vob-fw: echoed %llu messages (%llu bytes) in %llu ms; %llu broken rings "
		  "answered with a reset\n", fw.done, fw.bytes, t / 1000000u, fw.ring_errors);
	return fw.done ? FW_OK : FW_ETRAFFIC;
}

void fw_run(const char *cmd)
{
	const char *err;
	int status;

	err = fw_parse(cmd);
	if (err)
		fw_fail(FW_ESETUP, err);
	err = board_window(cmd, &fw.win);
	if (err)
		fw_fail(FW_ESETUP, err);
	fw_printf("vob-fw: window at %x, %llu KiB; role device (tiny)\n",
		  (uint32_t)(uintptr_t)fw.win.ptr, fw.win.size >> 10);
	status = fw_device();
	fw_printf("vob-fw: %s\n", status == FW_OK ? "PASS" : "FAIL");
	board_exit((uint8_t)status);
}

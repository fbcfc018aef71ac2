/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vob firmware example: a freestanding image that QEMU boots with
 * -kernel, on one of two boards (board.h): the PC (board_pc.c: 32-bit x86,
 * the window in the BAR of QEMU's ivshmem-plain PCI device) or the MPS2
 * AN386 (board_mps2.c: a Cortex-M4, the window in its PSRAM). The board
 * finds the window; this file uses it through the bare-metal port and
 * plays one half of the Linux echo pair (examples/linux) against a process
 * on the host that maps the same /dev/shm file:
 *
 *   role=device   the echo device in slot 0; the host runs vob-echo-drv
 *   role=driver   the echo driver; the host runs vob-echo-dev
 *   role=console  a virtio-console device (the console class) in slot 0 that
 *                 sends back every byte the driver writes, ASCII letters
 *                 with their case swapped; the host runs vob-console-drv
 *
 * No doorbell is wired: both sides poll. Progress and a summary go to the
 * board's console; the firmware leaves QEMU through board_exit() with
 * status FW_OK when all went well.
 *
 * A broken ring does not end a session. The echo device that finds the ring
 * broken asks the driver for a reset (NEEDS_RESET) and serves it again once
 * it has reset and negotiated again; it counts the broken rings. The echo
 * driver resets a device that asks for it, or that breaks the used ring (a
 * used entry the library refuses): the messages in flight come back lost
 * (reported, not resent) and the run carries on.
 *
 * Command line, all optional (plus the board's own words):
 *   role=device|driver  queue=N  timeout=SECONDS (without any progress)
 *   count=N size=N packed=1   driver role: messages, their size, the ring
 *                             (the device role runs until the driver leaves)
 *
 * An image built without the driver role (VOB_CFG_DRIVER=0, the minimal
 * device-only configuration) has only the echo device: FW_CONSOLE (set by
 * CMakeLists.txt for the full images) adds the console.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "ex_layout.h"
#include "vob/vob.h"
#include "vob_baremetal.h"
#if FW_CONSOLE
#include "vob/console.h"
#endif

#define FW_QMAX 256u          /* largest queue=; the state below is sized for it */
#define FW_SIZE_MAX 4096u     /* largest size= (driver role) */
#define FW_SEG_MAX 8u         /* device role: descriptors per chain */
#define FW_BATCH 32u          /* device role: chains popped per round */

enum fw_role { FW_ROLE_DEVICE, FW_ROLE_DRIVER, FW_ROLE_CONSOLE };

struct fw_opts {
	int role;
	int packed;
	uint32_t count, size, queue, timeout_s;
};

#if VOB_CFG_DRIVER
struct fw_msg {
	uint64_t seq;
	uint8_t *buf;
};
#endif

static struct fw {
	struct fw_opts o;
	struct vob_bm_window win;
	struct vob_bm_port port;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	struct vob_vq vq;
	struct vob_dev_queue dq;
#if FW_CONSOLE
	struct vob_console_dev con;
	uint32_t con_len, con_off; /* bytes of scratch waiting to go back */
#endif
#if VOB_CFG_DRIVER
	/* driver role */
	struct vob_pool pool;
	uint16_t pool_next[FW_QMAX];
	struct fw_msg msg[FW_QMAX];
	uint32_t half;
	uint64_t next, acked, inflight, lost;
	uint64_t reset_lost;   /* of lost: given back by resets we sent the device */
	uint64_t resets_asked; /* the device asked for a reset (NEEDS_RESET) */
	uint64_t used_broken;  /* the device broke the used ring: we reset it */
	int reset_wait;        /* ... and wait for its answer, which returns the lost */
#endif
	/* both */
	uint64_t done, bytes, t_live, t_progress;
	uint64_t ring_errors; /* device role: rings the driver broke */
	uint8_t scratch[FW_SIZE_MAX];
	uint8_t vq_state[VOB_VQ_STATE_SIZE(FW_QMAX, 0)] __attribute__((aligned(64)));
} fw;

static const char *const fw_roles[] = { "device", "driver", "console" }; /* by FW_ROLE_* */

/* Whether word @v (ended by a space or the line's end) is @w. */
static bool fw_is(const char *v, const char *w)
{
	while (*w && *v == *w) {
		v++;
		w++;
	}
	return !*w && (!*v || *v == ' ');
}

/* The decimal number after @key into *@out, @dflt when the word is absent.
 * False for a value that is not a number below 2^32 ending the word. */
static bool fw_num(const char *cmd, const char *key, uint32_t dflt, uint32_t *out)
{
	const char *v = fw_word(cmd, key);
	uint32_t x = 0;

	*out = dflt;
	if (!v)
		return true;
	if (*v < '0' || *v > '9')
		return false;
	while (*v >= '0' && *v <= '9') {
		uint32_t d = (uint32_t)(*v++ - '0');

		if (x > (0xffffffffu - d) / 10u)
			return false;
		x = x * 10u + d;
	}
	*out = x;
	return !*v || *v == ' ';
}

/* Read the command line into @o; NULL, or what is wrong with it (a value
 * out of range is refused, never replaced by the default). */
static const char *fw_parse(const char *cmd, struct fw_opts *o)
{
	const char *role;
	uint32_t packed;

	fw_printf("vob-fw: command line '%s'\n", cmd);
	role = fw_word(cmd, "role=");
	o->role = FW_ROLE_DEVICE;
	if (role) {
		while (o->role <= FW_ROLE_CONSOLE && !fw_is(role, fw_roles[o->role]))
			o->role++;
		if (o->role > FW_ROLE_CONSOLE)
			return "role= must be device, driver or console";
	}
	if (!fw_num(cmd, "packed=", 0, &packed) || packed > 1u)
		return "packed= must be 0 or 1";
	o->packed = packed != 0;
	if (!fw_num(cmd, "count=", 10000u, &o->count))
		return "count= must be a number below 2^32";
	if (!fw_num(cmd, "size=", 64u, &o->size) || o->size < 8u || o->size > FW_SIZE_MAX)
		return "size= must be 8 to 4096";
	if (!fw_num(cmd, "queue=", 64u, &o->queue) || o->queue < 1u || o->queue > FW_QMAX ||
	    (o->queue & (o->queue - 1u)))
		return "queue= must be a power of two up to 256";
	if (!fw_num(cmd, "timeout=", 30u, &o->timeout_s))
		return "timeout= must be a number of seconds below 2^32";
	return NULL;
}

static void fw_fail(int status, const char *what, int err) __attribute__((noreturn));

static void fw_fail(int status, const char *what, int err)
{
	fw_printf("vob-fw: FAIL: %s%s%s\n", what, err ? ": " : "", err ? vob_strerror(err) : "");
	board_exit((uint8_t)status);
}

static uint64_t fw_clock(void *user)
{
	(void)user;
	return board_clock_ns();
}

static void fw_open(unsigned side)
{
	struct vob_bm_cfg c = { 0 };
	struct vob_table_cfg tc = { 0 };
	int err;

	c.windows = &fw.win;
	c.nwindows = 1;
	c.clock_ns = fw_clock;
	err = vob_bm_init(&fw.port, &c);
	if (err)
		fw_fail(FW_ESETUP, "vob_bm_init", err);
	err = vob_bm_link_init(&fw.link, &fw.port, EX_LINE);
	if (err)
		fw_fail(FW_ESETUP, "vob_bm_link_init", err);
	tc.addr = EX_TABLE_ADDR;
	tc.side = (uint8_t)side;
	tc.nslots = EX_NSLOTS;
	tc.nqueues = EX_NQUEUES;
	tc.config_max = EX_CONFIG_MAX;
	tc.epoch_seed = board_seed();
	err = vob_table_init(&fw.t, &fw.link, &tc);
	if (err)
		fw_fail(FW_ESETUP, "vob_table_init", err);
	fw.dq.vq = &fw.vq;
	fw.dq.state = fw.vq_state;
	fw.dq.state_len = VOB_VQ_STATE_SIZE(fw.o.queue, 0);
	fw.dq.size = (uint16_t)fw.o.queue;
}

/* The end of a device session (echo or console), after its loop returned
 * @r: leave the table, then the verdict. */
static int fw_device_end(int r, const char *what)
{
	vob_table_shutdown(&fw.t);
	if (r == VOB_ETIMEDOUT)
		fw_fail(FW_ETIMEOUT, fw.t_live ? "no traffic for timeout= seconds" :
			"no driver came within timeout= seconds", 0);
	if (r < 0)
		fw_fail(FW_ETRAFFIC, what, r);
	return fw.done ? FW_OK : FW_ETRAFFIC;
}

/* ---- device role: the echo device ---- */

static int fw_serve(struct vob_vq *vq)
{
	struct vob_iov iov[FW_SEG_MAX];
	struct vob_chain ch;
	unsigned n = 0;

	while (n < FW_BATCH) {
		int err, got;

		ch.iov = iov;
		ch.cap = FW_SEG_MAX;
		err = vob_vq_pop(vq, &ch);
		if (err == VOB_EAGAIN)
			break;
		if (err) {
			/* The queue stops; the session goes on. The driver resets
			 * the device, which gets every buffer it had in flight
			 * back, negotiates again and the queue is live again.
			 * Chains pushed before this one were echoed; those the
			 * driver had not collected yet come back to it as lost. */
			fw.ring_errors++;
			fw_printf("vob-fw: the driver broke the ring: %s (fault %d); asking for a "
				  "reset\n", vob_strerror(err), vob_vq_fault(vq));
			vob_dev_set_needs_reset(&fw.dev);
			return (int)n; /* no kick: the broken queue refuses it */
		}
		/* Not an echo request (too little room): returned untouched. */
		got = ch.in_len < ch.out_len ? 0 :
			ex_echo_chain(&fw.link, &ch, fw.scratch, sizeof(fw.scratch));
		if (got < 0)
			return got;
		err = vob_vq_push(vq, &ch, (uint32_t)got);
		if (err)
			return err;
		fw.bytes += (uint32_t)got;
		fw.done++;
		n++;
	}
	if (n)
		vob_vq_kick(vq);
	return (int)n;
}

static int fw_device_round(void *arg)
{
	struct vob_vq *vq;
	int ev = vob_dev_poll(&fw.dev), n;

	(void)arg;
	if (ev < 0)
		return ev;
	if (ev)
		fw.t_progress = board_clock_ns();
	if (ev & VOB_DEV_EV_LIVE) {
		fw.t_live = board_clock_ns();
		fw_printf("vob-fw: echo device live: %s ring, features %llx\n",
			  (vob_dev_features(&fw.dev, 0) & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split",
			  vob_dev_features(&fw.dev, 0));
	}
	/* Done when the driver leaves (or resets) after a session. Not after
	 * a count of our own: a device that leaves as soon as it has pushed
	 * the last echo takes the echoes the driver has not read yet with it
	 * (the driver gets them back as lost, as it must). */
	if ((ev & VOB_DEV_EV_RESET) && fw.t_live)
		return 1;
	vq = vob_dev_vq(&fw.dev, 0);
	if (!vq)
		goto idle;
	n = fw_serve(vq);
	if (n < 0)
		return n;
	if (n)
		fw.t_progress = board_clock_ns();
idle:
	if (board_clock_ns() - fw.t_progress > (uint64_t)fw.o.timeout_s * 1000000000u)
		return VOB_ETIMEDOUT;
	return 0;
}

static int fw_device(void)
{
	struct vob_dev_cfg c = { 0 };
	uint64_t t;
	int r;

	fw_open(EX_SIDE_DEVICE);
	c.role = VOB_ROLE_DEVICE;
	c.num_queues = 1;
	c.queues = &fw.dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(VOB_F_RING_PACKED) |
			VOB_BIT(VOB_F_INDIRECT_DESC);
	c.device_id = EX_ECHO_DEVICE_ID;
	c.vendor_id = EX_VENDOR_ID;
	c.seg_max = FW_SEG_MAX;
	r = vob_dev_init(&fw.dev, &fw.t, &c);
	if (r)
		fw_fail(FW_ESETUP, "vob_dev_init", r);
	fw_printf("vob-fw: echo device published in slot 0 (queue of up to %u); waiting for "
		  "the driver\n", fw.o.queue);
	fw.t_progress = board_clock_ns();
	r = vob_bm_poll(&fw.port, fw_device_round, NULL, 0, 0);
	t = board_clock_ns() - fw.t_live;
	fw_printf("vob-fw: echoed %llu messages (%llu bytes) in %llu ms; %llu broken rings "
		  "answered with a reset\n", fw.done, fw.bytes, fw.t_live ? t / 1000000u : 0,
		  fw.ring_errors);
	return fw_device_end(r, "echo");
}

/* ---- driver role: the echo driver ---- */

#if VOB_CFG_DRIVER

static void fw_on_lost(void *arg, uint16_t q, void *token)
{
	struct fw_msg *m = token;

	(void)arg;
	(void)q;
	fw.lost++;
	fw.inflight--;
	vob_pool_put(&fw.pool, m->buf);
}

static int fw_collect(struct vob_vq *vq)
{
	void *token;
	uint32_t written;
	int n = 0, err;

	while ((err = vob_vq_get_used(vq, &token, &written)) == 0) {
		struct fw_msg *m = token;
		uint32_t bad;

		/* Under IN_ORDER a batch reported in one used entry gives the
		 * others their whole writable length: the size too. */
		if (written != fw.o.size) {
			fw_printf("vob-fw: message %llu: device wrote %u bytes, expected %u\n", m->seq,
				  written, fw.o.size);
			return VOB_EPROTO;
		}
		bad = ex_check(m->buf + fw.half, fw.o.size, m->seq);
		if (bad != fw.o.size) {
			fw_printf("vob-fw: message %llu: echoed byte %u is wrong\n", m->seq, bad);
			return VOB_EPROTO;
		}
		fw.acked++;
		fw.inflight--;
		fw.bytes += fw.o.size;
		vob_pool_put(&fw.pool, m->buf);
		n++;
	}
	if (err == VOB_EAGAIN)
		return n;
	/* The device broke the used ring (an id, order or length the library
	 * refuses): the queue fails every call from now on. Reset the device;
	 * the messages in flight come back to fw_on_lost when it answers
	 * (fw_driver_round()), and the run carries on. */
	fw.used_broken++;
	fw.reset_wait = 1;
	fw_printf("vob-fw: the device broke the ring: %s (fault %d); resetting it\n",
		  vob_strerror(err), vob_vq_fault(vq));
	vob_dev_reset(&fw.dev);
	return n;
}

static int fw_send(struct vob_vq *vq)
{
	int n = 0;

	while (fw.acked + fw.inflight < fw.o.count) {
		uint64_t addr;
		uint8_t *buf = vob_pool_get(&fw.pool, &addr);
		struct vob_seg s[2];
		struct fw_msg *m;
		int err;

		if (!buf)
			break;
		m = &fw.msg[(addr - fw.pool.addr) / fw.pool.buf_size];
		m->buf = buf;
		m->seq = fw.next;
		ex_fill(buf, fw.o.size, m->seq);
		s[0].addr = addr;
		s[0].len = fw.o.size;
		s[1].addr = addr + fw.half;
		s[1].len = fw.o.size;
		err = vob_vq_add(vq, s, 1, 1, m);
		if (err) {
			vob_pool_put(&fw.pool, buf);
			if (err != VOB_ENOSPC)
				return err;
			break;
		}
		fw.next++;
		fw.inflight++;
		n++;
	}
	if (n)
		vob_vq_kick(vq);
	return n;
}

static int fw_driver_round(void *arg)
{
	struct vob_vq *vq;
	uint64_t lost_before = fw.lost; /* the poll may give messages back */
	int ev = vob_dev_poll(&fw.dev), n, m;

	(void)arg;
	if (ev < 0)
		return ev;
	if ((ev & VOB_DEV_EV_RESET) && fw.reset_wait) {
		/* The device answered the reset fw_collect() sent: the table
		 * goes on negotiating (VOB_DEV_NEGOTIATING), and only then are
		 * the messages lost to our reset. Else it went away (OFF), or
		 * restarted and is already found again (RESETTING): the host
		 * device went away mid-run. */
		fw.reset_wait = 0;
		if (vob_dev_state(&fw.dev) == VOB_DEV_NEGOTIATING)
			fw.reset_lost += fw.lost - lost_before;
	}
	if (ev)
		fw.t_progress = board_clock_ns();
	if (ev & VOB_DEV_EV_REFUSED)
		return VOB_ENOTSUP;
	if (ev & VOB_DEV_EV_LIVE) {
		fw.t_live = board_clock_ns();
		fw_printf("vob-fw: echo driver live: %s ring, features %llx, queue %u\n",
			  (vob_dev_features(&fw.dev, 0) & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split",
			  vob_dev_features(&fw.dev, 0), (unsigned)fw.vq.size);
	}
	if (ev & VOB_DEV_EV_NEEDS_RESET) {
		/* The device stopped the queue (it found the ring broken?):
		 * reset it. In this state the reset gives every message in
		 * flight to fw_on_lost at once; negotiation follows. */
		uint64_t lost = fw.lost;

		fw.resets_asked++;
		vob_dev_reset(&fw.dev);
		fw.reset_lost += fw.lost - lost;
		fw_printf("vob-fw: the device asked for a reset: %llu messages in flight lost; "
			  "resetting it and carrying on\n", fw.lost - lost);
	}
	if (fw.lost > fw.reset_lost)
		return VOB_ECONNRESET; /* the host device went away mid-run */
	vq = vob_dev_vq(&fw.dev, 0);
	if (!vq)
		goto idle;
	n = fw_collect(vq);
	if (n < 0)
		return n;
	vq = vob_dev_vq(&fw.dev, 0); /* NULL when fw_collect() reset the device */
	m = vq ? fw_send(vq) : 0;
	if (m < 0)
		return m;
	if (n || m)
		fw.t_progress = board_clock_ns();
	if (fw.acked >= fw.o.count)
		return 1;
idle:
	if (board_clock_ns() - fw.t_progress > (uint64_t)fw.o.timeout_s * 1000000000u)
		return VOB_ETIMEDOUT;
	return 0;
}

static int fw_driver(void)
{
	struct vob_dev_cfg c = { 0 };
	struct vob_arena a;
	uint64_t t;
	int r;

	fw_open(EX_SIDE_DRIVER);
	a.addr = EX_ARENA_ADDR;
	a.len = fw.win.size - EX_ARENA_ADDR;
	r = vob_place_split(&a, &a, (uint16_t)fw.o.queue, EX_LINE, &fw.dq);
	if (r)
		fw_fail(FW_ESETUP, "vob_place_split", r);
	fw.half = (uint32_t)VOB_ALIGN_UP(fw.o.size, EX_LINE);
	a.addr = VOB_ALIGN_UP(a.addr, EX_LINE);
	if (a.addr + (uint64_t)fw.o.queue * 2u * fw.half > fw.win.size)
		fw_fail(FW_ESETUP, "the window is too small for queue= and size=", 0);
	r = vob_pool_init(&fw.pool, &fw.link, a.addr, 2u * fw.half, (uint16_t)fw.o.queue,
			  fw.pool_next);
	if (r)
		fw_fail(FW_ESETUP, "vob_pool_init", r);
	c.role = VOB_ROLE_DRIVER;
	c.device_id = EX_ECHO_DEVICE_ID; /* no other device will do */
	c.num_queues = 1;
	c.queues = &fw.dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			VOB_BIT(VOB_F_IN_ORDER);
	if (fw.o.packed)
		c.features[0] |= VOB_BIT(VOB_F_RING_PACKED);
	c.on_lost = fw_on_lost;
	r = vob_dev_init(&fw.dev, &fw.t, &c);
	if (r)
		fw_fail(FW_ESETUP, "vob_dev_init", r);
	fw_printf("vob-fw: looking for the echo device in slot 0; sending %u messages of %u "
		  "bytes\n", fw.o.count, fw.o.size);
	fw.t_progress = board_clock_ns();
	r = vob_bm_poll(&fw.port, fw_driver_round, NULL, 0, 0);
	t = board_clock_ns() - fw.t_live;
	fw_printf("vob-fw: %llu messages of %u bytes echoed and checked in %llu ms: %llu msg/s; "
		  "%llu lost; %llu resets asked by the device, %llu after the device broke "
		  "the ring\n", fw.acked, fw.o.size, t / 1000000u,
		  t && fw.t_live ? fw.acked * 1000000000u / t : 0, fw.lost, fw.resets_asked,
		  fw.used_broken);
	vob_table_shutdown(&fw.t);
	if (r == VOB_ETIMEDOUT)
		fw_fail(FW_ETIMEOUT, fw.t_live ? "no echo for timeout= seconds" :
			"no echo device came within timeout= seconds", 0);
	if (r < 0)
		fw_fail(FW_ETRAFFIC, "echo", r);
	return FW_OK;
}
#else
static int fw_driver(void)
{
	fw_fail(FW_ESETUP, "this image has no driver role (built with VOB_CFG_DRIVER=0)", 0);
	return FW_ESETUP;
}
#endif

/* ---- console: a virtio-console device (the console class) ---- */

#if FW_CONSOLE
/* Swap the case of ASCII letters: what comes back differs from what was
 * sent, so the host sees it went through the firmware. */
static void fw_swap_case(uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))
			p[i] ^= 0x20u;
}

static int fw_console_round(void *arg)
{
	int ev = vob_console_dev_poll(&fw.con), n, moved = 0;

	(void)arg;
	if (ev < 0)
		return ev;
	if (ev & VOB_DEV_EV_LIVE) {
		uint64_t f = vob_dev_features(&fw.con.dev, 0);

		fw.t_live = board_clock_ns();
		fw_printf("vob-fw: console device live: %s ring, features %llx\n",
			  (f & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split", f);
	}
	if (ev)
		fw.t_progress = board_clock_ns();
	/* Done when the driver leaves (or resets) after a session; bytes
	 * not yet sent back go with it. */
	if ((ev & VOB_DEV_EV_RESET) && fw.t_live)
		return 1;
	/* Back to the driver first: the scratch is free again for reading. */
	while (fw.con_off < fw.con_len) {
		n = vob_console_dev_write(&fw.con, 0, fw.scratch + fw.con_off,
					  fw.con_len - fw.con_off);
		if (n == VOB_EAGAIN)
			break;
		if (n < 0)
			return n;
		fw.con_off += (uint32_t)n;
		fw.bytes += (uint32_t)n;
		moved = 1;
	}
	if (fw.con_off == fw.con_len) {
		n = vob_console_dev_read(&fw.con, 0, fw.scratch, sizeof(fw.scratch));
		if (n > 0) {
			fw_swap_case(fw.scratch, (uint32_t)n);
			fw.con_len = (uint32_t)n;
			fw.con_off = 0;
			fw.done += (uint32_t)n;
			moved = 1;
		} else if (n != VOB_EAGAIN) {
			return n;
		}
	}
	if (moved)
		fw.t_progress = board_clock_ns();
	else if (board_clock_ns() - fw.t_progress > (uint64_t)fw.o.timeout_s * 1000000000u)
		return VOB_ETIMEDOUT;
	return 0;
}

static int fw_console(void)
{
	struct vob_console_dev_cfg c = { 0 };
	int r;

	fw_open(EX_SIDE_DEVICE);
	c.slot = 0;
	c.nr_ports = 1;
	c.size = 1;
	c.cols = 80;
	c.rows = 25;
	c.ring_features = VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_RING_PACKED);
	r = vob_console_dev_init(&fw.con, &fw.t, &c);
	if (r)
		fw_fail(FW_ESETUP, "vob_console_dev_init", r);
	fw_printf("vob-fw: console device published in slot 0; waiting for the driver\n");
	fw.t_progress = board_clock_ns();
	r = vob_bm_poll(&fw.port, fw_console_round, NULL, 0, 0);
	fw_printf("vob-fw: console: %llu bytes received, %llu sent back\n", fw.done, fw.bytes);
	return fw_device_end(r, "console");
}
#else
static int fw_console(void)
{
	fw_fail(FW_ESETUP, "this image has no console (a footprint configuration)", 0);
	return FW_ESETUP;
}
#endif

void fw_run(const char *cmd)
{
	const char *err;
	int status;

	err = fw_parse(cmd, &fw.o);
	if (err)
		fw_fail(FW_ESETUP, err, 0);
	err = board_window(cmd, &fw.win);
	if (err)
		fw_fail(FW_ESETUP, err, 0);
	fw_printf("vob-fw: window at %x, %llu KiB; role %s\n", (uint32_t)(uintptr_t)fw.win.ptr,
		  fw.win.size >> 10, fw_roles[fw.o.role]);
	status = fw.o.role == FW_ROLE_DRIVER ? fw_driver() :
		 fw.o.role == FW_ROLE_CONSOLE ? fw_console() : fw_device();
	fw_printf("vob-fw: %s\n", status == FW_OK ? "PASS" : "FAIL");
	board_exit((uint8_t)status);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user port in one process: the front-end library against the
 * back-end library over a socketpair (the back end in a thread). blk: the
 * blk driver class writes a pattern through vhost-user into the blk device
 * class and reads it back; net: a driver on the front end's table sends
 * frames that an echoing net device class returns, split and packed; a
 * reconnect leaves no fd behind. */
#define _GNU_SOURCE

#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vob/blk.h"
#include "vob/net.h"
#include "vob_vhost_user.h"

#define DISK_BYTES (256u * 1024u)
#define MEM_BYTES (1u << 20)

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- back end thread ------------------------------------------------------ */

struct be_side {
	struct vob_vhu_be be;
	struct vob_blk_dev blk;
	struct vob_net_dev net;
	struct vob_blk_mem disk_desc;
	uint8_t disk[DISK_BYTES];
	uint8_t frame[2048];
	int is_net;
	int keep; /* one back end for several front ends */
	volatile int stop;
	pthread_t th;
	uint64_t echoed;
};

static struct be_side B;
static char be_logged[4096];

static void be_log(void *arg, const char *line)
{
	(void)arg;
	if (strlen(be_logged) + strlen(line) + 2 < sizeof(be_logged)) {
		strcat(be_logged, line);
		strcat(be_logged, "\n");
	}
}

static int be_poll(void *arg)
{
	struct be_side *s = arg;
	int ev, n, busy = 0;

	if (!s->is_net) {
		ev = vob_blk_dev_poll(&s->blk);
		return ev > 0 && (ev & VOB_BLK_EV_IO);
	}
	(void)vob_net_dev_poll(&s->net);
	while ((n = vob_net_dev_recv(&s->net, s->frame, sizeof(s->frame), NULL)) > 0) {
		if (vob_net_dev_send(&s->net, NULL, s->frame, (size_t)n) == 0)
			s->echoed++;
		busy = 1;
	}
	return busy;
}

static void *be_thread(void *arg)
{
	struct be_side *s = arg;

	while (!s->stop)
		(void)vob_vhu_be_step(&s->be, 5);
	return NULL;
}

static void be_setup(int is_net)
{
	struct vob_vhu_be_cfg c = { 0 };

	B.is_net = is_net;
	c.num_queues = is_net ? 2 : 1;
	c.poll = be_poll;
	c.log = be_log;
	c.arg = &B;
	c.dev = is_net ? &B.net.dev : &B.blk.dev;
	be_logged[0] = 0;
	assert_int_equal(vob_vhu_be_init(&B.be, &c), 0);
	if (is_net) {
		struct vob_net_dev_cfg nc = { 0 };

		nc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_MTU);
		nc.mtu = 1500;
		nc.link_up = true;
		assert_int_equal(vob_net_dev_init(&B.net, vob_vhu_be_table(&B.be), &nc), 0);
	} else {
		struct vob_blk_dev_cfg bc = { 0 };

		bc.capacity = vob_blk_mem_init(&B.disk_desc, B.disk, sizeof(B.disk));
		bc.ops = &vob_blk_mem_backend;
		bc.ctx = &B.disk_desc;
		assert_int_equal(vob_blk_dev_init(&B.blk, vob_vhu_be_table(&B.be), &bc), 0);
	}
}

/* Serve @fd from a thread. */
static void be_serve(int fd)
{
	B.stop = 0;
	assert_int_equal(vob_vhu_be_attach(&B.be, fd), 0);
	assert_int_equal(pthread_create(&B.th, NULL, be_thread, &B), 0);
}

/* Stop the thread; the back end notices the front end left. */
static void be_join(void)
{
	int i;

	B.stop = 1;
	pthread_join(B.th, NULL);
	for (i = 0; i < 100 && vob_vhu_be_step(&B.be, 10) == 1; i++)
		;
	assert_int_equal(vob_vhu_be_step(&B.be, 0), 0);
}

static void be_start(int is_net, int fd)
{
	if (!B.keep)
		be_setup(is_net);
	be_serve(fd);
}

static void be_stop(void)
{
	if (B.keep) {
		be_join();
		return;
	}
	B.stop = 1;
	pthread_join(B.th, NULL);
	vob_vhu_be_close(&B.be);
}

/* ---- front end ------------------------------------------------------------ */

struct fe_side {
	struct vob_vhu_fe fe;
	struct vob_blk_drv drv;
	int done, result;
};

static struct fe_side F;

static void blk_done(void *arg, int id, int result)
{
	(void)arg;
	(void)id;
	F.done++;
	F.result = result;
}

static int fe_poll_blk(void *arg)
{
	int ev = vob_blk_drv_poll(arg);

	return ev > 0 && (ev & VOB_BLK_EV_IO);
}

static void step_until(int *flag, int want)
{
	int i;

	for (i = 0; i < 2000 && *flag < want; i++)
		assert_true(vob_vhu_fe_step(&F.fe, 5) >= 0);
	assert_true(*flag >= want);
}

static void blk_pattern(int packed)
{
	struct vob_vhu_fe_cfg c = { 0 };
	struct vob_blk_drv_cfg dc = { 0 };
	struct vob_blk_info info;
	static uint8_t out[8 * 512], in[8 * 512];
	int sv[2], fds, i, rc = -1;

	fds = count_fds();
	F.done = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	be_start(0, sv[0]);
	c.num_queues = 1;
	c.queue_max = 64;
	c.config_len = VOB_BLK_CONFIG_BYTES;
	c.device_id = VOB_BLK_DEVICE_ID;
	c.mem_bytes = MEM_BYTES;
	c.poll = fe_poll_blk;
	c.arg = &F.drv;
	assert_int_equal(vob_vhu_fe_attach(&F.fe, &c, sv[1]), 0);
	dc.dev_mem = vob_vhu_fe_arena(&F.fe, 0);
	dc.dev_mem.len = MEM_BYTES / 2;
	dc.drv_mem = dc.dev_mem;
	dc.pool_addr = VOB_VHU_FE_MEM_ADDR + MEM_BYTES / 2;
	dc.pool_buf_size = 4096;
	dc.pool_count = 32;
	dc.done = blk_done;
	dc.ring_features = packed ? VOB_BIT(VOB_F_RING_PACKED) : 0;
	assert_int_equal(vob_blk_drv_init(&F.drv, vob_vhu_fe_table(&F.fe), &dc), 0);
	for (i = 0; i < 2000 && rc; i++) {
		assert_true(vob_vhu_fe_step(&F.fe, 5) >= 0);
		rc = vob_blk_drv_info(&F.drv, &info);
	}
	assert_int_equal(rc, 0);
	assert_true(info.capacity == DISK_BYTES / 512u);
	assert_int_equal(!!(info.features & VOB_BIT(VOB_F_RING_PACKED)), packed);
	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	assert_true(vob_blk_drv_write(&F.drv, 16, out, 8) >= 0);
	step_until(&F.done, 1);
	assert_int_equal(F.result, 0);
	assert_memory_equal(B.disk + 16 * 512, out, sizeof(out));
	assert_true(vob_blk_drv_read(&F.drv, 16, in, 8) >= 0);
	step_until(&F.done, 2);
	assert_int_equal(F.result, 0);
	assert_memory_equal(in, out, sizeof(out));
	vob_vhu_fe_close(&F.fe);
	be_stop();
	assert_int_equal(count_fds(), fds);
}

static void test_blk_pattern(void **state)
{
	(void)state;
	blk_pattern(0);
}

static void test_blk_pattern_packed(void **state)
{
	(void)state;
	blk_pattern(1);
}

/* net: a plain driver on the front end's table (so that the packed ring
 * can be asked for) sends frames; the device class echoes them. */
struct net_fe {
	struct vob_dev dev;
	struct vob_dev_queue q[2];
	struct vob_vq vq[2];
	uint64_t state[2][VOB_VQ_STATE_SIZE(64, 0) / 8];
};

static struct net_fe N;

static int fe_poll_dev(void *arg)
{
	(void)vob_dev_poll(arg);
	return 0;
}

static void on_lost(void *arg, uint16_t q, void *tok)
{
	(void)arg;
	(void)q;
	(void)tok;
}

/* A net driver (N) through the front end (F) against a net back end on a
 * fresh socket pair, two queues of 64 placed in the first half of the
 * memory, negotiated to live (@packed: the packed ring). Returns the number
 * of fds open before, for the test's leak check. */
/* A vob net driver through the front end, its rings starting at @start
 * (vob_vq_cfg::start: 0 for fresh rings). */
static int net_driver_up_at(int packed, uint16_t start)
{
	struct vob_vhu_fe_cfg c = { 0 };
	struct vob_dev_cfg dc = { 0 };
	struct vob_arena ar;
	int sv[2], fds, i;
	unsigned q;

	fds = count_fds();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	be_start(1, sv[0]);
	c.num_queues = 2;
	c.queue_max = 64;
	c.device_id = VOB_NET_DEVICE_ID;
	c.mem_bytes = MEM_BYTES;
	c.poll = fe_poll_dev;
	c.arg = &N.dev;
	assert_int_equal(vob_vhu_fe_attach(&F.fe, &c, sv[1]), 0);
	ar = vob_vhu_fe_arena(&F.fe, 0);
	ar.len = MEM_BYTES / 2;
	memset(&N, 0, sizeof(N));
	for (q = 0; q < 2; q++) {
		N.q[q].vq = &N.vq[q];
		N.q[q].state = N.state[q];
		N.q[q].state_len = sizeof(N.state[q]);
		assert_int_equal(vob_place_split(&ar, &ar, 64, 64, &N.q[q]), 0);
		N.q[q].start = start;
	}
	dc.role = VOB_ROLE_DRIVER;
	dc.num_queues = 2;
	dc.queues = N.q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | (packed ? VOB_BIT(VOB_F_RING_PACKED) : 0);
	dc.on_lost = on_lost;
	assert_int_equal(vob_dev_init(&N.dev, vob_vhu_fe_table(&F.fe), &dc), 0);
	for (i = 0; i < 2000 && vob_dev_state(&N.dev) != VOB_DEV_LIVE; i++)
		assert_true(vob_vhu_fe_step(&F.fe, 5) >= 0);
	assert_int_equal(vob_dev_state(&N.dev), VOB_DEV_LIVE);
	assert_int_equal(!!(vob_dev_features(&N.dev, 0) & VOB_BIT(VOB_F_RING_PACKED)), packed);
	return fds;
}

static int net_driver_up(int packed)
{
	return net_driver_up_at(packed, 0);
}

static void net_echo(int packed, unsigned count, int flood)
{
	int fds, i;
	unsigned sent = 0, got = 0, q;
	const uint64_t hdr_bytes = 12, frame = 64;

	fds = net_driver_up(packed);
	for (i = 0; i < 4000 && got < count; i++) {
		struct vob_vq *rx = vob_dev_vq(&N.dev, 0), *tx = vob_dev_vq(&N.dev, 1);
		uint64_t base = VOB_VHU_FE_MEM_ADDR + MEM_BYTES / 2;
		void *tok;
		uint32_t w;

		assert_non_null(rx);
		assert_non_null(tx);
		/* One receive buffer and one frame per round. */
		if (sent < count && sent - got < 8) {
			struct vob_seg r = { base + (sent % 16) * 4096u, 2048 };
			struct vob_seg t = { base + 65536 + (sent % 16) * 4096u,
					     (uint32_t)(hdr_bytes + frame) };
			uint8_t *p = vob_vhu_fe_ptr(&F.fe, t.addr, t.len);

			memset(p, 0, hdr_bytes);
			memset(p + hdr_bytes, (int)(0x40 + sent % 64), frame);
			assert_int_equal(vob_vq_add(rx, &r, 0, 1, (void *)(uintptr_t)(sent + 1)), 0);
			assert_int_equal(vob_vq_add(tx, &t, 1, 0, (void *)(uintptr_t)(sent + 1)), 0);
			vob_vq_kick(rx);
			vob_vq_kick(tx);
			sent++;
		}
		assert_true(vob_vhu_fe_step(&F.fe, 2) >= 0);
		while (vob_vq_get_used(tx, &tok, &w) == 0)
			;
		while (vob_vq_get_used(rx, &tok, &w) == 0) {
			unsigned k = (unsigned)(uintptr_t)tok - 1u;
			uint8_t *p = vob_vhu_fe_ptr(&F.fe, base + (k % 16) * 4096u, 2048);

			assert_int_equal(w, hdr_bytes + frame);
			assert_int_equal(p[hdr_bytes], 0x40 + k % 64);
			assert_int_equal(p[hdr_bytes + frame - 1], 0x40 + k % 64);
			got++;
		}
	}
	assert_int_equal(got, count);
	if (flood) {
		/* A front end that sends memory table after memory table while
		 * the rings run: the mappings the class uses stay until the
		 * rings stop, and they stop when no room is left. */
		struct vob_vhu_mem mem;

		memset(&mem, 0, sizeof(mem));
		mem.nregions = 1;
		mem.r[0].gpa = VOB_VHU_FE_MEM_ADDR;
		mem.r[0].size = MEM_BYTES;
		mem.r[0].uaddr = (uintptr_t)F.fe.mem;
		for (i = 0; i < 4 * (int)VOB_VHU_MAX_REGIONS + 8; i++)
			assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_SET_MEM_TABLE, 0, &mem,
						      8 + 32, &F.fe.memfd, 1), 0);
		for (i = 0; i < 200 && !strstr(be_logged, "rings stopped"); i++)
			usleep(1000);
	}
	vob_vhu_fe_close(&F.fe);
	be_stop();
	assert_true(B.echoed >= count);
	assert_int_equal(count_fds(), fds);
	if (flood)
		assert_non_null(strstr(be_logged, "memory tables keep changing; rings stopped"));
}

static void test_net_echo_split(void **state)
{
	(void)state;
	net_echo(0, 100, 0);
}

static void test_net_echo_packed(void **state)
{
	(void)state;
	net_echo(1, 100, 0);
}

static void test_mem_table_flood(void **state)
{
	(void)state;
	net_echo(0, 20, 1);
}

/* ---- stop and resume (a paused VM) --------------------------------------- */

/* The front end's address of link address @a of its window. */
static uint64_t fe_uva(uint64_t a)
{
	return (uint64_t)(uintptr_t)F.fe.mem + (a - VOB_VHU_FE_MEM_ADDR);
}

/* Receive buffers posted so far: buffer k (token k + 1) carries frame k. */
static unsigned rx_posted;

/* Post the next receive buffer. */
static void post_rx(void)
{
	struct vob_seg r = { VOB_VHU_FE_MEM_ADDR + MEM_BYTES / 2 + (rx_posted % 16) * 4096u, 2048 };

	assert_int_equal(vob_vq_add(vob_dev_vq(&N.dev, 0), &r, 0, 1,
				    (void *)(uintptr_t)(rx_posted + 1)), 0);
	rx_posted++;
}

/* Send frames @first to @first + @count - 1 and check each comes back, in
 * order, in its receive buffer. */
static void echo_frames(unsigned first, unsigned count)
{
	const uint64_t base = VOB_VHU_FE_MEM_ADDR + MEM_BYTES / 2, hdr_bytes = 12, frame = 64;
	unsigned sent = first, got = first;
	int i;

	for (i = 0; i < 4000 && got < first + count; i++) {
		struct vob_vq *rx = vob_dev_vq(&N.dev, 0), *tx = vob_dev_vq(&N.dev, 1);
		void *tok;
		uint32_t w;

		assert_non_null(rx);
		assert_non_null(tx);
		if (sent < first + count && sent - got < 8) {
			struct vob_seg t = { base + 65536 + (sent % 16) * 4096u,
					     (uint32_t)(hdr_bytes + frame) };
			uint8_t *p = vob_vhu_fe_ptr(&F.fe, t.addr, t.len);

			memset(p, 0, hdr_bytes);
			memset(p + hdr_bytes, (int)(0x40 + sent % 64), frame);
			if (rx_posted <= sent)
				post_rx();
			assert_int_equal(vob_vq_add(tx, &t, 1, 0, (void *)(uintptr_t)(sent + 1)), 0);
			vob_vq_kick(rx);
			vob_vq_kick(tx);
			sent++;
		}
		assert_true(vob_vhu_fe_step(&F.fe, 2) >= 0);
		while (vob_vq_get_used(tx, &tok, &w) == 0)
			;
		while (vob_vq_get_used(rx, &tok, &w) == 0) {
			unsigned k = (unsigned)(uintptr_t)tok - 1u;
			uint8_t *p = vob_vhu_fe_ptr(&F.fe, base + (k % 16) * 4096u, 2048);

			/* Buffers come back in the order they were posted. */
			assert_int_equal(k, got);
			assert_int_equal(w, hdr_bytes + frame);
			assert_int_equal(p[hdr_bytes], 0x40 + k % 64);
			assert_int_equal(p[hdr_bytes + frame - 1], 0x40 + k % 64);
			got++;
		}
	}
	assert_int_equal(got, first + count);
}

/* A request with a reply, sent behind the front-end library's back (it is
 * not stepped meanwhile). */
static uint32_t fe_get_base(uint32_t q)
{
	struct vob_vhu_state st = { q, 0 };
	struct vob_vhu_msg m;
	const char *why = NULL;

	assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_GET_VRING_BASE, 0, &st, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_recv(F.fe.sock, &m, &why), 1);
	assert_int_equal(m.request, VOB_VHU_GET_VRING_BASE);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.u.state.index, q);
	return m.u.state.num;
}

/* Set queue @q up again as QEMU does at `cont`: base, addresses, kick. */
static void fe_resume_queue(uint32_t q, uint32_t base)
{
	struct vob_vhu_state st = { q, base };
	struct vob_vhu_addr a;
	uint64_t v = q;

	memset(&a, 0, sizeof(a));
	a.index = q;
	a.desc = fe_uva(N.q[q].desc_addr);
	a.avail = fe_uva(N.q[q].driver_addr);
	a.used = fe_uva(N.q[q].device_addr);
	assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_SET_VRING_BASE, 0, &st, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL,
				      0), 0);
	assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_SET_VRING_KICK, 0, &v, 8, &F.fe.kick[q],
				      1), 0);
}

/* The front end stops the rings after traffic (GET_VRING_BASE per queue,
 * with receive buffers made available and not used yet), sets them up again at the
 * positions it got, without a reset, and traffic carries on: nothing lost,
 * nothing twice. 100 frames first, so a packed ring (64 entries) is in its
 * second lap, wrap counter 0. */
static void net_resume(int packed)
{
	uint32_t b0, b1, want;
	int fds, i;
	unsigned q, k;

	fds = net_driver_up(packed);
	rx_posted = 0;
	echo_frames(0, 100);
	/* Four receive buffers more, made available before the stop (the
	 * class takes receive buffers only for frames). */
	for (k = 0; k < 4; k++)
		post_rx();
	vob_vq_kick(vob_dev_vq(&N.dev, 0));
	usleep(20000);
	/* Stopped: both queues where their used entries stand, 100 each.
	 * Packed: position 36, wrap counter 0, in both halves. */
	b0 = fe_get_base(0);
	b1 = fe_get_base(1);
	want = packed ? 36u | 36u << 16 : 100u;
	assert_int_equal(b0, want);
	assert_int_equal(b1, want);
	assert_non_null(strstr(be_logged, "queues stopped"));
	fe_resume_queue(0, b0);
	fe_resume_queue(1, b1);
	/* The four buffers are the first to carry frames again. */
	echo_frames(100, 60);
	assert_non_null(strstr(be_logged, "queue(s) running"));
	assert_null(strstr(be_logged, "dropping"));
	assert_null(strstr(be_logged, "needs a reset"));
	vob_vhu_fe_close(&F.fe);
	be_stop();
	assert_int_equal(count_fds(), fds);
}

static void test_resume_split(void **state)
{
	(void)state;
	net_resume(0);
}

static void test_resume_packed(void **state)
{
	(void)state;
	net_resume(1);
}

/* A driver whose rings start at a position other than 0 (a driver that
 * resumes them): the front end hands that start to the back end, and
 * traffic flows (packed: position 37, wrap counter 1). */
static void net_start_at(int packed)
{
	int fds = net_driver_up_at(packed, 37);

	rx_posted = 0;
	echo_frames(0, 40);
	assert_null(strstr(be_logged, "dropping"));
	assert_null(strstr(be_logged, "needs a reset"));
	vob_vhu_fe_close(&F.fe);
	be_stop();
	assert_int_equal(count_fds(), fds);
}

static void test_driver_start_split(void **state)
{
	(void)state;
	net_start_at(0);
}

static void test_driver_start_packed(void **state)
{
	(void)state;
	net_start_at(1);
}

/* Front ends that leave and come again, split then packed, served by one
 * back end: nothing of an earlier one stays open. */
static void test_reconnect(void **state)
{
	int fds;

	(void)state;
	fds = count_fds();
	be_setup(0);
	B.keep = 1;
	blk_pattern(0);
	blk_pattern(1);
	blk_pattern(0);
	B.keep = 0;
	assert_true(vob_vhu_be_connections(&B.be) == 3);
	vob_vhu_be_close(&B.be);
	assert_int_equal(count_fds(), fds);
}

/* A ring the front end breaks: the device class asks for a reset, the back
 * end signals the error fd and stops the rings, and the process lives on. */
static void test_broken_ring_signals_err(void **state)
{
	struct vob_vhu_fe_cfg c = { 0 };
	struct vob_dev_cfg dc = { 0 };
	struct vob_arena ar;
	struct vob_seg bad = { 0x1000, 64 }; /* outside the memory table */
	uint64_t q1 = 1, v = 0;
	int sv[2], err, i;
	unsigned q;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	be_start(1, sv[0]);
	c.num_queues = 2;
	c.queue_max = 64;
	c.device_id = VOB_NET_DEVICE_ID;
	c.mem_bytes = MEM_BYTES;
	c.poll = fe_poll_dev;
	c.arg = &N.dev;
	assert_int_equal(vob_vhu_fe_attach(&F.fe, &c, sv[1]), 0);
	ar = vob_vhu_fe_arena(&F.fe, 0);
	memset(&N, 0, sizeof(N));
	for (q = 0; q < 2; q++) {
		N.q[q].vq = &N.vq[q];
		N.q[q].state = N.state[q];
		N.q[q].state_len = sizeof(N.state[q]);
		assert_int_equal(vob_place_split(&ar, &ar, 64, 64, &N.q[q]), 0);
	}
	dc.role = VOB_ROLE_DRIVER;
	dc.num_queues = 2;
	dc.queues = N.q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1);
	dc.on_lost = on_lost;
	assert_int_equal(vob_dev_init(&N.dev, vob_vhu_fe_table(&F.fe), &dc), 0);
	for (i = 0; i < 2000 && vob_dev_state(&N.dev) != VOB_DEV_LIVE; i++)
		assert_true(vob_vhu_fe_step(&F.fe, 5) >= 0);
	assert_int_equal(vob_dev_state(&N.dev), VOB_DEV_LIVE);
	err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_int_equal(vob_vhu_send(F.fe.sock, VOB_VHU_SET_VRING_ERR, 0, &q1, 8, &err, 1), 0);
	assert_int_equal(vob_vq_add(vob_dev_vq(&N.dev, 1), &bad, 1, 0, &N), 0);
	vob_vq_kick(vob_dev_vq(&N.dev, 1));
	for (i = 0; i < 500 && eventfd_read(err, &v); i++)
		usleep(1000);
	assert_true(v >= 1);
	vob_vhu_fe_close(&F.fe);
	be_stop();
	close(err);
	assert_non_null(strstr(be_logged, "the device needs a reset"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk_pattern),
		cmocka_unit_test(test_blk_pattern_packed),
		cmocka_unit_test(test_net_echo_split),
		cmocka_unit_test(test_net_echo_packed),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_mem_table_flood),
		cmocka_unit_test(test_broken_ring_signals_err),
		cmocka_unit_test(test_resume_split),
		cmocka_unit_test(test_resume_packed),
		cmocka_unit_test(test_driver_start_split),
		cmocka_unit_test(test_driver_start_packed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

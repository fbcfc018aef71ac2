/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_console_device: the input plays a hostile DRIVER against the device
 * role of virtio-console, through the device table and real split rings.
 *
 * Set-up (first bytes): the windows (fuzz_common), the console device
 * (ports, multiport, size, names, queue size, ring features) and the hostile
 * driver (features it asks for, how many queues it enables, their size,
 * where the rings go: all in window A, or descriptors and driver areas in
 * the read-only window B). Both table sides negotiate until live.
 *
 * Then every byte group is one operation: the hostile driver adds a chain
 * of arbitrary segments (any count, direction, length and address: inside
 * buffers, in the rings or the table, at a window's edge, outside) holding
 * arbitrary bytes or crafted control messages to any queue, collects used
 * chains, writes any bytes anywhere in the windows, resets the device or
 * restarts its side; or the harness calls the console device API (poll,
 * read, write, open, plug, resize on any port).
 *
 * Invariants, after every call:
 *  - every call returns success or a documented error (the exact set per
 *    call below); a read or write never returns more than asked and the
 *    byte counters grow by exactly what was returned; no counter shrinks;
 *  - window B is mapped read-only and both windows sit between guard pages
 *    (a stray store or an access past a window faults);
 *  - the device writes window A only in its table area, the used areas of
 *    the rings, and the writable segments of chains offered on a receive
 *    queue (port receiveq or control receiveq) that had no readable
 *    segment: never into a transmit chain, never into a malformed receive
 *    chain (checked until the driver writes ring memory by hand);
 *  - the sanitizers (ASan, UBSan) see nothing.
 */
#include "fuzz_common.h"

#include "vob/console.h"

#define NQ VOB_CONSOLE_MAX_QUEUES
#define CFG_MAX 16u
#define MAX_OPS 1500u
#define MAX_RANGES 2048u

static struct {
	/* the device under test */
	struct vob_table dt;
	struct vob_console_dev D;
	struct vob_console_stats last;
	/* the hostile driver: its own link onto the same memory */
	struct vob_port_ops ops;
	struct vob_link link;
	struct vob_table rt;
	struct vob_dev rd;
	struct vob_dev_queue q[NQ];
	struct vob_vq vq[NQ];
	uint64_t state[NQ][VOB_VQ_STATE_SIZE(VOB_CONSOLE_QSIZE, 0) / 8];
	struct vob_dev_cfg rcfg;
	uint16_t nq;
	/* where the device may write in window A */
	struct { size_t off, len; } ok[MAX_RANGES];
	unsigned nok;
	size_t table_off, table_len;
	bool check; /* the write check is on */
	uint8_t shadow[FZ_A_SIZE];
	/* buffer regions */
	uint8_t *freeA, *freeB;
	size_t freeA_len, freeB_len;
	uint64_t tok;
} f;

/* CONSOLE_FZ_TRACE=1 in the environment prints every operation (to replay
 * a crash by hand). */
static int trace = -1;

#define TRACE(...)                                                        \
	do {                                                              \
		if (trace < 0)                                            \
			trace = getenv("CONSOLE_FZ_TRACE") != NULL;       \
		if (trace)                                                \
			fprintf(stderr, __VA_ARGS__);                     \
	} while (0)

/* ---- the hostile driver's side ---------------------------------------- */

static void drv_lost(void *arg, uint16_t q, void *token)
{
	(void)arg;
	(void)q;
	(void)token;
}

static void drv_table_init(void)
{
	struct vob_table_cfg tc;

	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.side = 1;
	tc.nslots = 1;
	tc.nqueues = NQ;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 7;
	tc.timeout = 1000;
	FZ_CHECK(vob_table_init(&f.rt, &f.link, &tc) == 0, "driver table");
	FZ_CHECK(vob_dev_init(&f.rd, &f.rt, &f.rcfg) == 0, "driver device");
}

/* A local pointer (library's view) for a link address range, or NULL. */
static uint8_t *addr_ptr(uint64_t addr, uint64_t len)
{
	uint64_t off;

	if (addr >= fz.a_base && (off = addr - fz.a_base) < FZ_A_SIZE && len <= FZ_A_SIZE - off)
		return fz.a + off;
	if (addr >= fz.b_base && (off = addr - fz.b_base) < FZ_B_SIZE && len <= FZ_B_SIZE - off)
		return fz.b + off;
	return NULL;
}

/* ---- the write check ---------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Whether [addr, addr + len) is over the descriptors or a driver area (of
 * a ring or of the table). Bytes written there, by the device into a
 * buffer or by the driver filling one, make chains (or placements) the
 * driver never made, which the write check cannot follow. */
static bool over_driver_areas(uint64_t addr, uint64_t len)
{
	uint16_t q;

	if (overlaps(addr, len, fz.a_base + f.table_off + f.table_len,
		     VOB_ALIGN_UP(VOB_TABLE_DRV_RAW(NQ), fz.line)))
		return true;
	for (q = 0; q < f.nq; q++)
		if (overlaps(addr, len, f.q[q].desc_addr, VOB_SPLIT_DESC_BYTES(f.q[q].size)) ||
		    overlaps(addr, len, f.q[q].driver_addr, VOB_SPLIT_AVAIL_BYTES(f.q[q].size)))
			return true;
	return false;
}

static void ok_add(uint64_t addr, uint64_t len)
{
	uint8_t *p = addr_ptr(addr, len);

	if (!p || !fz_in_a(p, len) || !len)
		return; /* the device may not write there: not added */
	if (over_driver_areas(addr, len))
		f.check = false;
	if (f.nok == MAX_RANGES) {
		f.check = false; /* too many to track: stop checking */
		return;
	}
	f.ok[f.nok].off = (size_t)(p - fz.a);
	f.ok[f.nok].len = (size_t)len;
	f.nok++;
}

static bool ok_byte(size_t off)
{
	unsigned i;

	if (off - f.table_off < f.table_len)
		return true;
	/* Its own side's header (side 0, first in the table): rewritten when
	 * the peer wrote over it, as after a restart that wiped the table. */
	if (off < VOB_ALIGN_UP(32u, fz.line))
		return true;
	for (i = 0; i < f.nok; i++)
		if (off - f.ok[i].off < f.ok[i].len)
			return true;
	return false;
}

static void snap(void)
{
	memcpy(f.shadow, fz.a, FZ_A_SIZE);
}

/* After a device call: every byte it changed in A is one it may write. */
static void check_writes(const char *op)
{
	size_t i;

	if (f.check) {
		for (i = 0; i < FZ_A_SIZE; i += 8) {
			size_t k;

			if (!memcmp(fz.a + i, f.shadow + i, 8))
				continue;
			for (k = i; k < i + 8; k++)
				FZ_CHECK(fz.a[k] == f.shadow[k] || ok_byte(k),
					 "%s: the device wrote byte %zu of window A (0x%02x -> 0x%02x), "
					 "outside its table area, the used areas and the writable "
					 "segments of well-formed receive chains", op, k, f.shadow[k],
					 fz.a[k]);
		}
	}
}

static void check_stats(const char *op)
{
	const struct vob_console_stats *s = vob_console_dev_stats(&f.D);

	FZ_CHECK(s->rx_bytes >= f.last.rx_bytes && s->tx_bytes >= f.last.tx_bytes &&
			 s->bad_chains >= f.last.bad_chains && s->bad_ctrl >= f.last.bad_ctrl &&
			 s->ring_errors >= f.last.ring_errors && s->resets >= f.last.resets,
		 "%s: a counter went down", op);
	f.last = *s;
}

/* ---- set-up ------------------------------------------------------------- */

static void place_queues(struct fz_in *in)
{
	uint8_t where = fz_u8(in);
	uint16_t size = (uint16_t)(1u << (fz_u8(in) % 7u)); /* 1 to 64 */
	struct vob_arena a, b;
	size_t tbytes = VOB_TABLE_BYTES(1, NQ, CFG_MAX, fz.line);
	uint16_t q;

	for (;;) {
		a.addr = fz.a_base + VOB_ALIGN_UP(tbytes, fz.line);
		a.len = FZ_A_SIZE / 2 - VOB_ALIGN_UP(tbytes, fz.line);
		b.addr = fz.b_base;
		b.len = FZ_B_SIZE / 2;
		for (q = 0; q < f.nq; q++) {
			f.q[q].vq = &f.vq[q];
			f.q[q].state = f.state[q];
			f.q[q].state_len = sizeof(f.state[q]);
			/* Descriptors and driver areas in B (the device only
			 * reads them), or everything in A. */
			if (vob_place_split((where & 1) ? &b : &a, &a, size, fz.line, &f.q[q]))
				break;
		}
		if (q == f.nq)
			break;
		if (size > 1)
			size >>= 1;
		else
			where = 0; /* B is too small for so many: all in A */
	}
	FZ_CHECK(q == f.nq, "no room for %u queues", f.nq);
	f.freeA = fz.a + FZ_A_SIZE / 2;
	f.freeA_len = FZ_A_SIZE / 2;
	f.freeB = fz.b + FZ_B_SIZE / 2;
	f.freeB_len = FZ_B_SIZE / 2;
	/* The used areas: the device writes them. */
	for (q = 0; q < f.nq; q++) {
		f.ok[f.nok].off = (size_t)(f.q[q].device_addr - fz.a_base);
		f.ok[f.nok].len = VOB_SPLIT_USED_BYTES(size);
		f.nok++;
	}
}

static void setup(struct fz_in *in)
{
	struct vob_console_dev_cfg dc;
	struct vob_table_cfg tc;
	uint8_t h[8];
	unsigned k;
	int err;

	for (k = 0; k < 8; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[0], h[1], h[2], h[3]);
	memset(&f.D, 0, sizeof(f.D));
	memset(&f.last, 0, sizeof(f.last));
	f.nok = 0;
	f.check = true;

	/* The device table and the console device. */
	memset(&tc, 0, sizeof(tc));
	tc.addr = fz.a_base;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = NQ;
	tc.config_max = CFG_MAX;
	tc.epoch_seed = 3;
	tc.timeout = 1000;
	err = vob_table_init(&f.dt, &fz.link, &tc);
	FZ_CHECK(err == 0, "device table: %d", err);
	memset(&dc, 0, sizeof(dc));
	dc.multiport = h[4] & 1;
	dc.nr_ports = dc.multiport ? (uint16_t)(1u + (h[4] >> 1) % VOB_CONSOLE_MAX_PORTS) : 1u;
	dc.size = (h[4] >> 4) & 1;
	dc.cols = 80;
	dc.rows = 25;
	dc.queue_size = (h[5] & 0x80) ? (uint16_t)(1u << (h[5] % 7u)) : 0u;
	dc.ring_features = ((h[5] & 0x40) ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0u) |
			   ((h[5] & 0x20) ? VOB_BIT(VOB_F_IN_ORDER) : 0u);
	dc.names[0] = "console";
#if VOB_CONSOLE_MAX_PORTS > 1
	dc.names[1] = "a-name-longer-than-the-name-limit-of-the-console";
#endif
	dc.console_mask = h[6];
	dc.open_mask = h[7];
	err = vob_console_dev_init(&f.D, &f.dt, &dc);
	FZ_CHECK(err == 0, "vob_console_dev_init: %d", err);
	/* The table's device area: the device writes it. */
	f.table_off = 2u * VOB_ALIGN_UP(32u, fz.line);
	f.table_len = VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(NQ, CFG_MAX), fz.line);

	/* The hostile driver: features, queues, placement. */
	fz_peer_link(&f.link, &f.ops);
	k = fz_u8(in);
	f.nq = (uint16_t)(1u + k % NQ);
	memset(&f.rcfg, 0, sizeof(f.rcfg));
	k = fz_u8(in);
	f.rcfg.features[0] = VOB_BIT(VOB_F_VERSION_1) |
			     ((k & 1) ? VOB_BIT(VOB_CONSOLE_F_MULTIPORT) : 0u) |
			     ((k & 2) ? VOB_BIT(VOB_CONSOLE_F_SIZE) : 0u) |
			     ((k & 4) ? VOB_BIT(VOB_F_EVENT_IDX) : 0u) |
			     ((k & 8) ? VOB_BIT(VOB_F_IN_ORDER) : 0u) |
			     ((k & 16) ? VOB_BIT(VOB_F_INDIRECT_DESC) : 0u);
	f.rcfg.role = VOB_ROLE_DRIVER;
	f.rcfg.slot = 0;
	f.rcfg.num_queues = f.nq;
	f.rcfg.queues = f.q;
	f.rcfg.on_lost = drv_lost;
	place_queues(in);
	drv_table_init();
}

/* ---- operations ----------------------------------------------------------- */

static uint64_t gen_addr(struct fz_in *in, uint32_t len)
{
	uint8_t m = fz_u8(in);
	bool inB = (m & 0x80) != 0;
	uint8_t *base = inB ? f.freeB : f.freeA;
	size_t room = inB ? f.freeB_len : f.freeA_len;

	switch (m % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		room = len < room ? room - len : 0;
		return fz_addr_of(base + fz_u16(in) % (room + 1));
	case 4: /* anywhere in A: rings, the table */
		return fz.a_base + fz_u16(in) % FZ_A_SIZE;
	case 5: /* at a window's end */
		return (inB ? fz.b_base + FZ_B_SIZE : fz.a_base + FZ_A_SIZE) - fz_u8(in) % 65u;
	case 6:
		return fz_u64(in);
	default: /* just outside */
		return inB ? fz.b_base + FZ_B_SIZE + fz_u8(in) : fz.a_base - 1u - fz_u8(in);
	}
}

static uint32_t gen_len(struct fz_in *in)
{
	uint8_t m = fz_u8(in);

	switch (m % 8) {
	case 0:
	case 1:
	case 2:
		return fz_u8(in) % 33u;
	case 3:
		return 8u + fz_u8(in) % 48u; /* control message sized */
	case 4:
		return fz_u16(in) % 4097u;
	case 5:
		return 0;
	case 6:
		return 0xffffffffu - fz_u8(in);
	default:
		return fz_u32(in);
	}
}

/* Fill a readable segment: random bytes, or a control message. */
static void fill(struct fz_in *in, uint64_t addr, uint32_t len, bool ctl)
{
	uint8_t *p = addr_ptr(addr, len);
	uint8_t *w;
	uint32_t k;

	if (!p || len > 4096u)
		return;
	if (over_driver_areas(addr, len < 64u ? len : 64u))
		f.check = false; /* the driver rewrites its own descriptors */
	w = fz_writable(p);
	if (ctl && len >= 8u && (fz_u8(in) & 3)) {
		uint8_t sel = fz_u8(in);

		vob_put_le32(w, (sel & 0x80) ? fz_u32(in) : (uint32_t)(fz_u8(in) % 6u));
		vob_put_le16(w + 4, (sel & 0x40) ? fz_u16(in) : (uint16_t)(sel % 9u));
		vob_put_le16(w + 6, (sel & 0x20) ? fz_u16(in) : (uint16_t)(fz_u8(in) % 3u));
		k = 8;
	} else {
		k = 0;
	}
	for (; k < len && k < 64u; k++)
		w[k] = fz_u8(in);
}

static bool is_rx_queue(uint16_t q)
{
	return q == 0 || q == VOB_CONSOLE_CTRL_RXQ || (q >= 4 && !(q & 1u));
}

static void op_add(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t q = (uint16_t)(fz_u8(in) % f.nq);
	unsigned n = sel % 7u, n_out, i;
	struct vob_vq *vq = vob_dev_vq(&f.rd, q);
	struct vob_seg s[8];
	int r;

	if (!vq)
		return;
	/* Mostly the right direction for the queue, sometimes any. */
	if (!n)
		n = 1;
	if (sel & 0x80)
		n_out = fz_u8(in) % (n + 1u);
	else
		n_out = is_rx_queue(q) ? 0u : n;
	for (i = 0; i < n; i++) {
		s[i].len = gen_len(in);
		s[i].addr = gen_addr(in, s[i].len);
		if (i < n_out)
			fill(in, s[i].addr, s[i].len, q == VOB_CONSOLE_CTRL_TXQ);
	}
	r = vob_vq_add(vq, s, n_out, n - n_out, (void *)(uintptr_t)++f.tok);
	TRACE("add q%u %u+%u -> %d:", q, n_out, n - n_out, r);
	for (i = 0; i < n; i++)
		TRACE(" [%#llx +%u]", (unsigned long long)s[i].addr, s[i].len);
	TRACE("\n");
	if (r)
		return;
	/* Where the device may write: writable segments of receive chains
	 * with no readable byte (a readable descriptor of length 0 is no
	 * segment: the ring leaves it out of the chain). */
	for (i = 0; i < n_out && !s[i].len; i++)
		;
	if (is_rx_queue(q) && i == n_out)
		for (i = n_out; i < n; i++)
			ok_add(s[i].addr, s[i].len);
	if (fz_u8(in) & 1)
		vob_vq_kick(vq);
}

static void op_collect(struct fz_in *in)
{
	struct vob_vq *vq = vob_dev_vq(&f.rd, (uint16_t)(fz_u8(in) % f.nq));
	unsigned k;

	for (k = 0; vq && k < 64u; k++) {
		void *tok;
		uint32_t w;

		if (vob_vq_get_used(vq, &tok, &w))
			break;
	}
}

/* Any bytes anywhere (the rings, the table, buffers): from here on the
 * write check cannot tell chains apart. */
static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), n = (uint8_t)(1u + fz_u8(in) % 16u);
	uint8_t *base = (m & 1) ? fz.bw : fz.a;
	size_t len = (m & 1) ? FZ_B_SIZE : FZ_A_SIZE, off = fz_u16(in) % (len - n + 1u);
	unsigned k;

	for (k = 0; k < n; k++)
		base[off + k] = fz_u8(in);
	TRACE("raw %c+%zu len %u\n", (m & 1) ? 'B' : 'A', off, n);
	f.check = false;
}

static void dev_call_done(const char *op)
{
	check_writes(op);
	check_stats(op);
}

static void op_poll(void)
{
	int r;

	snap();
	r = vob_console_dev_poll(&f.D);
	TRACE("poll -> %#x (state %d)\n", r, vob_dev_state(&f.D.dev));
	FZ_CHECK(r >= 0, "vob_console_dev_poll returned %d", r);
	dev_call_done("poll");
}

static void op_read(struct fz_in *in)
{
	uint16_t port = (uint16_t)(fz_u8(in) % (VOB_CONSOLE_MAX_PORTS + 1u));
	size_t len = (fz_u8(in) & 1) ? fz_u8(in) : fz_u16(in) % 9000u;
	uint8_t *buf = malloc(len + 1); /* exactly len usable: ASan sees overruns */
	uint64_t before = vob_console_dev_stats(&f.D)->rx_bytes;
	int r;

	snap();
	r = vob_console_dev_read(&f.D, port, buf, len);
	TRACE("read port %u len %zu -> %d\n", port, len, r);
	if (port >= f.D.nr_ports)
		FZ_CHECK(r == VOB_EINVAL, "read on port %u of %u: %d", port, f.D.nr_ports, r);
	else if (!len)
		FZ_CHECK(r == 0, "read of 0 bytes: %d", r);
	else
		FZ_CHECK((r > 0 && (size_t)r <= len) || r == VOB_EAGAIN || r == VOB_EPROTO,
			 "read of %zu bytes: %d", len, r);
	FZ_CHECK(vob_console_dev_stats(&f.D)->rx_bytes - before == (r > 0 ? (uint64_t)r : 0u),
		 "read: rx_bytes grew by %llu, returned %d",
		 (unsigned long long)(vob_console_dev_stats(&f.D)->rx_bytes - before), r);
	free(buf);
	dev_call_done("read");
}

static void op_write(struct fz_in *in)
{
	uint16_t port = (uint16_t)(fz_u8(in) % (VOB_CONSOLE_MAX_PORTS + 1u));
	size_t len = (fz_u8(in) & 1) ? fz_u8(in) : fz_u16(in) % 9000u, k;
	uint8_t *buf = malloc(len + 1);
	uint64_t before = vob_console_dev_stats(&f.D)->tx_bytes;
	int r;

	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)(k * 31u + 7u);
	snap();
	r = vob_console_dev_write(&f.D, port, buf, len);
	TRACE("write port %u len %zu -> %d\n", port, len, r);
	if (port >= f.D.nr_ports)
		FZ_CHECK(r == VOB_EINVAL, "write on port %u of %u: %d", port, f.D.nr_ports, r);
	else if (!len)
		FZ_CHECK(r == 0, "write of 0 bytes: %d", r);
	else
		FZ_CHECK((r > 0 && (size_t)r <= len) || r == VOB_EAGAIN || r == VOB_EPROTO,
			 "write of %zu bytes: %d", len, r);
	FZ_CHECK(vob_console_dev_stats(&f.D)->tx_bytes - before == (r > 0 ? (uint64_t)r : 0u),
		 "write: tx_bytes grew by %llu, returned %d",
		 (unsigned long long)(vob_console_dev_stats(&f.D)->tx_bytes - before), r);
	free(buf);
	dev_call_done("write");
}

static void op_port(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t port = (uint16_t)(fz_u8(in) % (VOB_CONSOLE_MAX_PORTS + 1u));
	bool bad = port >= f.D.nr_ports;
	int r;

	snap();
	switch (m % 4) {
	case 0:
		r = vob_console_dev_port_open(&f.D, port, (m >> 2) & 1);
		FZ_CHECK(r == (bad ? VOB_EINVAL : 0), "port_open: %d", r);
		break;
	case 1:
		r = vob_console_dev_port_plug(&f.D, port, (m >> 2) & 1);
		FZ_CHECK(r == (bad ? VOB_EINVAL : !f.D.offer_mp ? VOB_ENOTSUP : 0), "port_plug: %d", r);
		break;
	case 2:
		r = vob_console_dev_resize(&f.D, port, fz_u16(in), fz_u16(in));
		FZ_CHECK(r == (bad ? VOB_EINVAL : 0), "resize: %d", r);
		break;
	default:
		r = vob_console_dev_port_status(&f.D, port);
		FZ_CHECK(bad ? r == VOB_EINVAL : (r >= 0 && r < 16), "port_status: %d", r);
		break;
	}
	dev_call_done("port");
}

/* The driver side's table work: negotiation, resets, restarts. */
static void op_driver(struct fz_in *in)
{
	uint8_t m = fz_u8(in);

	TRACE("driver op %u\n", m % 8);
	switch (m % 8) {
	case 0:
		(void)vob_dev_reset(&f.rd);
		break;
	case 1:
		drv_table_init(); /* the driver side restarts */
		break;
	default:
		(void)vob_dev_poll(&f.rd);
		break;
	}
}

/* Both sides negotiate (the device polled through the console). */
static void negotiate(unsigned rounds)
{
	unsigned i;

	for (i = 0; i < rounds && vob_dev_state(&f.rd) != VOB_DEV_LIVE; i++) {
		(void)vob_dev_poll(&f.rd);
		op_poll();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;

	setup(&in);
	negotiate(40);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		switch (op % 16) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_add(&in);
			break;
		case 4:
		case 5:
			op_poll();
			break;
		case 6:
		case 7:
			op_read(&in);
			break;
		case 8:
		case 9:
			op_write(&in);
			break;
		case 10:
			op_collect(&in);
			break;
		case 11:
			op_port(&in);
			break;
		case 12:
			op_driver(&in);
			break;
		case 13:
			negotiate(20);
			break;
		case 14:
			if (fz_u8(&in) % 8 == 0)
				op_raw(&in);
			break;
		default:
			op_collect(&in);
			op_poll();
			break;
		}
	}
	return 0;
}

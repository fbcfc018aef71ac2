/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_console_driver: the input plays a hostile DEVICE against the driver
 * role of virtio-console, through the device table and real split rings.
 *
 * Set-up (first bytes): the windows (fuzz_common), the console driver
 * (ports, multiport, queue size, receive buffers, pool geometry, where the
 * used rings go: window A, or the read-only window B) and the hostile
 * device (features it offers: MULTIPORT, SIZE, EMERG_WRITE, EVENT_IDX,
 * IN_ORDER; how many queues and how large; its config space: cols, rows,
 * max_nr_ports, emerg_wr, and how many of its 12 bytes exist). Both table
 * sides negotiate until live.
 *
 * Then every byte group is one operation. The hostile device (a vob_dev in
 * the device role on its own link over the same windows, with its own
 * queues) pops chains from any queue, answers them with any bytes and any
 * used length (0, the chain's length, more than it holds: the push must
 * then fail with VOB_EINVAL), crafted control messages (DEVICE_ADD/REMOVE
 * for ports in and out of range, PORT_OPEN, PORT_NAME with names of any
 * length and no terminator, CONSOLE_PORT, RESIZE, unknown events, truncated
 * messages), writes used ring entries and indices by hand, writes any byte
 * of the windows (rings, table, pool buffers), changes its config (with a
 * generation bump, or raw), asks for a reset, is removed and added again,
 * or restarts its side. The harness calls the console driver API: poll,
 * read and write on any port (in range or not, any length), port_open,
 * port_status, port_name, size, reset, stats.
 *
 * Invariants, after every call:
 *  - every call returns what console.h documents for it: poll a mask >= 0;
 *    read/write 1..len bytes, 0 for len 0, VOB_EAGAIN, VOB_EINVAL exactly
 *    for a port out of range, VOB_EPROTO; port_open 0, VOB_EINVAL (out of
 *    range), VOB_EAGAIN; port_status VOB_CONSOLE_PORT_* bits or VOB_EINVAL;
 *    port_name a NUL-terminated string shorter than VOB_CONSOLE_NAME_MAX or
 *    NULL exactly for a port out of range; size 0 / VOB_ENODATA /
 *    VOB_EINVAL; reset 0; the byte counters grow by exactly what read and
 *    write returned, and no counter shrinks;
 *  - a read never writes past the caller's buffer (an exactly sized heap
 *    block: ASan) and returns at most the bytes asked for;
 *  - window B is mapped read-only (a used ring placed there faults on any
 *    driver store) and the driver never changes the table's device area or
 *    a used ring in window A;
 *  - pool buffers are never lost or returned twice: whenever the driver is
 *    not live, every buffer is back in the pool except the receive buffers
 *    read in part, which are kept for the next read, and those a reset
 *    still holds in the queues until the device answers it (protocol.md
 *    6.6);
 *  - every chain the driver makes is well formed: one readable segment of
 *    1 to buf_size bytes on a transmit queue, one writable segment of
 *    buf_size bytes on a receive queue; every control message it sends is
 *    8 bytes, a driver event for a port in range with value 0 or 1;
 *  - while the device has behaved (no raw write, no stale or forged used
 *    entry since the last reset; no raw table or config write ever), a
 *    model predicts exactly: the bytes each read returns are the bytes the
 *    device wrote into the receive buffers of that port, in order, the
 *    part of a buffer not read yet surviving a reset and nothing else; the
 *    bytes the device pulls from each transmit queue are the bytes write
 *    accepted, in order, until a reset; each port's status, name and size,
 *    the bad_ctrl count follow the control messages and config the device
 *    sent; no call returns VOB_EPROTO and no ring error is counted;
 *  - the sanitizers (ASan, UBSan) see nothing; every loop is bounded.
 *
 * A device removed and added again with vob_dev_init() on the same table
 * once kept its slot epoch and took the driver's last request from before
 * the removal as new (regress/fuzz_console_driver/readd-*; fixed by the
 * slot's publication number, docs/protocol.md 6.6).
 */
#include "fuzz_common.h"

#include "vob/console.h"

#define NQ VOB_CONSOLE_MAX_QUEUES
#define NP VOB_CONSOLE_MAX_PORTS
#define CFG_MAX 16u
#define MAX_OPS 1500u
#define HOLD 8u         /* chains the device holds per queue */
#define SEGS 4u         /* its seg_max */
#define CHUNKS 96u      /* receive chunks modelled per port */
#define BUF_MAX 1024u   /* largest pool buffer */
#define TXQ_BYTES 65536u /* transmit bytes modelled per port */
#define PEND_MAX 32u    /* control messages waiting for the driver */
#define CTL_MAX (8u + VOB_CONSOLE_NAME_MAX)

#define F(x) VOB_BIT(VOB_F_##x)
#define CF(x) VOB_BIT(VOB_CONSOLE_F_##x)

struct held {
	struct vob_chain ch;
	struct vob_iov iov[SEGS];
	uint32_t session; /* the driver's session when popped */
};

struct chunk {
	uint32_t len;
	uint8_t b[BUF_MAX];
};

struct mport {
	uint8_t flags, sized;
	uint16_t cols, rows;
	char name[VOB_CONSOLE_NAME_MAX];
	/* receive model: chunks the device wrote, the first read up to @off */
	struct chunk ch[CHUNKS];
	unsigned head, n;
	uint32_t off;
	/* transmit model: bytes write accepted, not yet popped by the device */
	uint8_t tx[TXQ_BYTES];
	size_t tx_head, tx_n;
};

static struct {
	/* the driver under test, on fz.link */
	struct vob_table rt;
	struct vob_console_drv R;
	struct vob_console_drv_cfg rc;
	struct vob_console_stats last;
	/* the hostile device: its own link onto the same memory */
	struct vob_port_ops ops;
	struct vob_link link;
	struct vob_table dt;
	struct vob_dev dev;
	struct vob_dev_queue q[NQ];
	struct vob_vq vq[NQ];
	uint64_t state[NQ][VOB_VQ_STATE_SIZE(VOB_CONSOLE_QSIZE, 0) / 8];
	struct vob_dev_cfg dcfg;
	uint8_t cfg[CFG_MAX];
	struct held held[NQ][HOLD];
	unsigned nheld[NQ];
	/* the model */
	struct mport port[NP];
	uint8_t pend[PEND_MAX][CTL_MAX];
	uint32_t pend_w[PEND_MAX];
	unsigned npend;
	bool pend_lost;  /* more control messages than the model keeps */
	bool mp;         /* multiport live on the driver */
	bool wild;       /* the device misbehaved since the last reset */
	bool sticky;     /* ... in a way a reset does not undo (table, config) */
	uint32_t session;  /* driver sessions ended */
	uint32_t dev_session; /* f.session when the device's queues started */
	bool ctl_seen;        /* the device popped a control message since */
	uint32_t bad_ctrl; /* model of stats.bad_ctrl */
	/* device-owned areas in window A, checked for driver stores */
	uint8_t shadow[FZ_A_SIZE];
	size_t own_off[NQ + 1], own_len[NQ + 1];
	unsigned nown;
} f;

static int trace = -1;

#define TRACE(...)                                                  \
	do {                                                        \
		if (trace < 0)                                      \
			trace = getenv("CONSOLE_FZ_TRACE") != NULL; \
		if (trace)                                          \
			fprintf(stderr, __VA_ARGS__);               \
	} while (0)

/* ---- the hostile device's link and table ---------------------------------- */

static void table_cfg(struct vob_table_cfg *tc, uint8_t side, uint32_t seed)
{
	memset(tc, 0, sizeof(*tc));
	tc->addr = fz.a_base;
	tc->side = side;
	tc->nslots = 1;
	tc->nqueues = NQ;
	tc->config_max = CFG_MAX;
	tc->epoch_seed = seed;
	tc->timeout = 1000;
}

/* The device side (re)starts: a new epoch, the slot published again. */
static void dev_start(void)
{
	struct vob_table_cfg tc;

	table_cfg(&tc, 0, 7);
	FZ_CHECK(vob_table_init(&f.dt, &f.link, &tc) == 0, "device table");
	FZ_CHECK(vob_dev_init(&f.dev, &f.dt, &f.dcfg) == 0, "device");
	memset(f.nheld, 0, sizeof(f.nheld));
}

static bool is_rxq(uint16_t q)
{
	return q == 0 || q == VOB_CONSOLE_CTRL_RXQ || (q >= 4 && !(q & 1u));
}

/* The port whose data queue @q is, or -1 for a control queue. */
static int q_port(uint16_t q)
{
	if (q < 2)
		return 0;
	if (q < 4)
		return -1;
	return (int)(q / 2u) - 1;
}

/* ---- the model -------------------------------------------------------------- */

static void wild(const char *why)
{
	if (!f.wild)
		TRACE("  (wild: %s)\n", why);
	f.wild = true;
}

static bool tame(void)
{
	return !f.wild && !f.sticky;
}

static unsigned cur_count(void)
{
	unsigned p, n = 0;

	for (p = 0; p < f.R.nr_ports; p++)
		n += f.R.port[p].cur != NULL;
	return n;
}

/* The driver's session ended (reset, restart, removal, broken ring: @end)
 * or a new one starts: buffers in flight are lost, a receive buffer read in
 * part stays. Chains the device popped before an end are stale. */
static void model_stop(bool end)
{
	uint16_t p;

	if (end)
		f.session++;
	f.mp = false;
	f.npend = 0;
	f.pend_lost = false;
	for (p = 0; p < f.R.nr_ports; p++) {
		struct mport *M = &f.port[p];

		M->flags = 0;
		M->sized = 0;
		M->name[0] = '\0';
		M->tx_head = M->tx_n = 0;
		if (tame()) {
			/* Only a chunk read in part survives (the driver's cur). */
			M->n = M->off ? 1u : 0u;
		} else {
			/* Start over from what the driver holds. */
			const struct vob_console_drport *P = &f.R.port[p];

			M->head = 0;
			M->n = 0;
			M->off = 0;
			if (P->cur && P->cur_off < P->cur_len && P->cur_len <= BUF_MAX) {
				M->ch[0].len = P->cur_len;
				memcpy(M->ch[0].b, P->cur, P->cur_len);
				M->off = P->cur_off;
				M->n = 1;
			}
		}
		if (!M->n)
			M->off = 0;
	}
	/* A reset undoes what a misbehaving device did to the rings; a start
	 * does not (a used entry forged before the driver saw LIVE is read
	 * in the new session). */
	if (end)
		f.wild = false;
	f.bad_ctrl = vob_console_drv_stats(&f.R)->bad_ctrl;
}

static void model_start(void)
{
	uint64_t feat = vob_dev_features(&f.R.dev, 0);

	FZ_CHECK(!(feat & (CF(EMERG_WRITE) | F(INDIRECT_DESC) | F(RING_PACKED))),
		 "the driver accepted features it does not handle: %#llx",
		 (unsigned long long)feat);
	f.mp = (feat & CF(MULTIPORT)) && vob_dev_vq(&f.R.dev, VOB_CONSOLE_CTRL_RXQ) &&
	       vob_dev_vq(&f.R.dev, VOB_CONSOLE_CTRL_TXQ);
	if (!f.mp && vob_dev_vq(&f.R.dev, 0) && vob_dev_vq(&f.R.dev, 1))
		f.port[0].flags = VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_HOST_OPEN |
				  VOB_CONSOLE_PORT_GUEST_OPEN;
}

static void model_size(void)
{
	if (!(vob_dev_features(&f.R.dev, 0) & CF(SIZE)) || f.dcfg.config_len < 4)
		return;
	f.port[0].cols = fz_rd16(f.cfg);
	f.port[0].rows = fz_rd16(f.cfg + 2);
	f.port[0].sized = 1;
}

/* One control message from the device, as the driver must take it. */
static bool model_ctl(const uint8_t *m, uint32_t w)
{
	uint32_t id = fz_rd32(m), n = w < CTL_MAX ? w : CTL_MAX;
	uint16_t ev = fz_rd16(m + 4), value = fz_rd16(m + 6);
	struct mport *M;

	if (w < 8 || id >= f.R.nr_ports)
		return false;
	M = &f.port[id];
	if (ev == VOB_CONSOLE_DEVICE_ADD) {
		if ((M->flags & VOB_CONSOLE_PORT_ADDED) ||
		    !vob_dev_vq(&f.R.dev, (uint16_t)VOB_CONSOLE_RXQ(id)) ||
		    !vob_dev_vq(&f.R.dev, (uint16_t)VOB_CONSOLE_TXQ(id)))
			return false;
		M->flags = VOB_CONSOLE_PORT_ADDED;
		return true;
	}
	if (!(M->flags & VOB_CONSOLE_PORT_ADDED))
		return false;
	switch (ev) {
	case VOB_CONSOLE_DEVICE_REMOVE:
		M->flags = 0;
		M->sized = 0;
		M->name[0] = '\0';
		return true;
	case VOB_CONSOLE_CONSOLE_PORT:
		if (value != 1)
			return false;
		M->flags |= VOB_CONSOLE_PORT_CONSOLE | VOB_CONSOLE_PORT_GUEST_OPEN;
		return true;
	case VOB_CONSOLE_RESIZE:
		if (n < 12)
			return false;
		M->cols = fz_rd16(m + 8);
		M->rows = fz_rd16(m + 10);
		M->sized = 1;
		return true;
	case VOB_CONSOLE_PORT_OPEN:
		if (value > 1)
			return false;
		if (value)
			M->flags |= VOB_CONSOLE_PORT_HOST_OPEN;
		else
			M->flags &= (uint8_t)~VOB_CONSOLE_PORT_HOST_OPEN;
		return true;
	case VOB_CONSOLE_PORT_NAME:
		n -= 8;
		if (n > VOB_CONSOLE_NAME_MAX - 1u)
			n = VOB_CONSOLE_NAME_MAX - 1u;
		memcpy(M->name, m + 8, n);
		M->name[n] = '\0';
		return true;
	default:
		return false;
	}
}

/* ---- checks --------------------------------------------------------------------- */

static void snap(void)
{
	memcpy(f.shadow, fz.a, FZ_A_SIZE);
}

/* The driver stored nothing into the areas the device writes. */
static void check_own(const char *op)
{
	unsigned i;

	for (i = 0; i < f.nown; i++)
		fz_expect_same(fz.a + f.own_off[i], f.shadow + f.own_off[i], f.own_len[i],
			       "a device-written area (table device area or used ring)", op);
}

static void check_stats(const char *op)
{
	const struct vob_console_stats *s = vob_console_drv_stats(&f.R);

	FZ_CHECK(s->rx_bytes >= f.last.rx_bytes && s->tx_bytes >= f.last.tx_bytes &&
			 s->bad_chains >= f.last.bad_chains && s->bad_ctrl >= f.last.bad_ctrl &&
			 s->ring_errors >= f.last.ring_errors && s->lost >= f.last.lost &&
			 s->resets >= f.last.resets,
		 "%s: a counter went down", op);
	f.last = *s;
}

/* Buffers the table still holds for a reset waiting for the device's
 * answer: in flight in the queues it has not given back (0 once it has). */
static unsigned held_count(void)
{
	unsigned q, n = 0;

	for (q = 0; q < f.R.dev.cfg.num_queues; q++)
		if ((f.R.dev.qmask[q >> 5] >> (q & 31u)) & 1u)
			n += f.R.dev.cfg.queues[q].vq->in_flight;
	return n;
}

static void check_pool(const char *op)
{
	unsigned free_n = vob_pool_free(&f.R.pool);

	FZ_CHECK(free_n <= f.rc.buf_count, "%s: %u buffers free of %u", op, free_n,
		 f.rc.buf_count);
	if (vob_dev_state(&f.R.dev) != VOB_DEV_LIVE)
		FZ_CHECK(free_n + cur_count() + held_count() == f.rc.buf_count,
			 "%s: driver not live, %u buffers free + %u read in part + %u held, of %u "
			 "(lost or returned twice)", op, free_n, cur_count(), held_count(),
			 f.rc.buf_count);
}

/* Status, name and size of every port against the model. */
static void check_ports(const char *op)
{
	uint16_t p;

	for (p = 0; p < f.R.nr_ports; p++) {
		const struct mport *M = &f.port[p];
		int st = vob_console_drv_port_status(&f.R, p);
		const char *name = vob_console_drv_port_name(&f.R, p);
		uint16_t cols = 0, rows = 0;
		int r = vob_console_drv_size(&f.R, p, &cols, &rows);

		FZ_CHECK(st >= 0 && st < 16, "%s: port_status(%u) = %d", op, p, st);
		FZ_CHECK(name && memchr(name, 0, VOB_CONSOLE_NAME_MAX),
			 "%s: port_name(%u) not a string", op, p);
		FZ_CHECK(r == 0 || r == VOB_ENODATA, "%s: size(%u) = %d", op, p, r);
		if (!tame())
			continue;
		FZ_CHECK(st == M->flags, "%s: port %u status %#x, model %#x", op, p, st, M->flags);
		FZ_CHECK(!strcmp(name, M->name), "%s: port %u name \"%s\", model \"%s\"", op, p,
			 name, M->name);
		FZ_CHECK(r == (M->sized ? 0 : VOB_ENODATA), "%s: port %u size %d, model sized %u",
			 op, p, r, M->sized);
		FZ_CHECK(r || (cols == M->cols && rows == M->rows),
			 "%s: port %u size %ux%u, model %ux%u", op, p, cols, rows, M->cols, M->rows);
	}
	if (tame())
		FZ_CHECK(vob_console_drv_stats(&f.R)->bad_ctrl == f.bad_ctrl,
			 "%s: bad_ctrl %u, model %u", op, vob_console_drv_stats(&f.R)->bad_ctrl,
			 f.bad_ctrl);
}

/* After every driver call: @session_end the caller saw the session end
 * (an event, VOB_EPROTO, a reset); counters tell of the others. */
static void after(const char *op, bool session_end)
{
	const struct vob_console_stats *s = vob_console_drv_stats(&f.R);
	bool broke = s->ring_errors != f.last.ring_errors;

	check_own(op);
	if (broke) {
		unsigned q;

		for (q = 0; q < NQ; q++)
			if (vob_vq_fault(&f.R.vq[q]))
				TRACE("  driver queue %u fault %d\n", q, vob_vq_fault(&f.R.vq[q]));
		FZ_CHECK(!tame(), "%s: a ring error while the device behaved", op);
	}
	if (session_end || broke || s->lost != f.last.lost || s->resets != f.last.resets)
		model_stop(true);
	check_stats(op);
	check_pool(op);
}

/* ---- set-up ----------------------------------------------------------------------- */

static int drv_init_fit(uint16_t qsize, struct vob_arena dev_mem, struct vob_arena used_mem,
			bool used_in_b)
{
	size_t pool_bytes = VOB_ALIGN_UP((size_t)f.rc.buf_size * f.rc.buf_count, fz.line);
	int err;

	/* The pool at the end of window A, the rings before it. */
	f.rc.pool_addr = fz.a_base + FZ_A_SIZE - pool_bytes;
	dev_mem.len = f.rc.pool_addr - dev_mem.addr;
	for (;;) {
		f.rc.queue_size = qsize;
		f.rc.dev_mem = dev_mem;
		f.rc.drv_mem = used_in_b ? used_mem : dev_mem;
		err = vob_console_drv_init(&f.R, &f.rt, &f.rc);
		if (err != VOB_ENOMEM || qsize == 1)
			return err;
		qsize >>= 1;
	}
}

static void setup(struct fz_in *in)
{
	struct vob_table_cfg tc;
	struct vob_arena dm, um;
	uint8_t h[12];
	uint32_t unit;
	size_t tbytes;
	unsigned k, want_q;
	uint16_t q, qsize;
	int err;

	for (k = 0; k < 12; k++)
		h[k] = fz_u8(in);
	fz_env_reset(h[0], h[1], h[2], h[3]);
	memset(&f.R, 0, sizeof(f.R));
	memset(&f.last, 0, sizeof(f.last));
	memset(f.port, 0, sizeof(f.port));
	f.npend = 0;
	f.pend_lost = false;
	f.mp = false;
	f.wild = f.sticky = false;
	f.session = f.dev_session = 0;
	f.bad_ctrl = 0;

	/* The driver's table (side 1) and console driver. */
	table_cfg(&tc, 1, 3);
	err = vob_table_init(&f.rt, &fz.link, &tc);
	FZ_CHECK(err == 0, "driver table: %d", err);
	tbytes = VOB_ALIGN_UP(VOB_TABLE_BYTES(1, NQ, CFG_MAX, fz.line), fz.line);
	memset(&f.rc, 0, sizeof(f.rc));
	f.rc.multiport = h[4] & 1;
	f.rc.nr_ports = f.rc.multiport ? (uint16_t)(1u + (h[4] >> 1) % NP) : 1u;
	f.rc.rx_bufs = (uint16_t)((h[4] >> 4) % 5u); /* 0: the default */
	unit = fz.line < 16u ? 16u : fz.line;
	f.rc.buf_size = unit * (unit >= 128u ? 1u : 1u + h[5] % 4u);
	if (!f.rc.rx_bufs && unit > 64u)
		f.rc.rx_bufs = 2; /* the default needs more buffers than fit */
	{
		unsigned rx = f.rc.rx_bufs ? f.rc.rx_bufs : 4u;

		f.rc.buf_count = (uint16_t)(rx * (f.rc.nr_ports + f.rc.multiport) + 1u +
					    (h[5] >> 2) % 16u);
		if (!f.rc.rx_bufs)
			f.rc.buf_count = (uint16_t)(f.rc.buf_count + 12u * (f.rc.nr_ports + 1u));
	}
	if ((h[5] >> 6) == 3)
		f.rc.buf_count = (uint16_t)(f.rc.nr_ports + f.rc.multiport); /* too few */
	while (f.rc.buf_size > unit && (size_t)f.rc.buf_size * f.rc.buf_count > 12288u)
		f.rc.buf_size -= unit;
	f.rc.ring_features = (h[6] & 1) ? F(IN_ORDER) : 0u;
	qsize = (uint16_t)(1u << (h[6] >> 1) % 7u);
	dm.addr = fz.a_base + tbytes;
	dm.len = 0; /* up to the pool: drv_init_fit() */
	um.addr = fz.b_base;
	um.len = FZ_B_SIZE;
	err = drv_init_fit(qsize, dm, um, (h[6] & 0x80) != 0);
	if (err == VOB_EINVAL && f.rc.buf_count <= f.rc.nr_ports + f.rc.multiport) {
		/* Too few buffers is refused; take enough. */
		unsigned rx = f.rc.rx_bufs ? f.rc.rx_bufs : (qsize >= 4u ? qsize / 4u : 1u);

		f.rc.buf_count = (uint16_t)(rx * (f.rc.nr_ports + f.rc.multiport) + 1u);
		while (f.rc.buf_size > unit && (size_t)f.rc.buf_size * f.rc.buf_count > 12288u)
			f.rc.buf_size -= unit;
		err = drv_init_fit(qsize, dm, um, (h[6] & 0x80) != 0);
	}
	FZ_CHECK(err == 0, "vob_console_drv_init: %d (ports %u, bufs %u x %u)", err,
		 f.rc.nr_ports, f.rc.buf_count, f.rc.buf_size);

	/* Device-written areas of window A: the slot's device area and the
	 * used rings there. */
	f.nown = 0;
	f.own_off[f.nown] = 2u * VOB_ALIGN_UP(32u, fz.line);
	f.own_len[f.nown++] = VOB_ALIGN_UP(VOB_TABLE_DEV_RAW(NQ, CFG_MAX), fz.line);
	want_q = f.rc.multiport ? 2u + 2u * f.rc.nr_ports : 2u;
	for (q = 0; q < want_q; q++) {
		uint64_t a = f.R.q[q].device_addr;

		if (a >= fz.a_base && a - fz.a_base < FZ_A_SIZE) {
			f.own_off[f.nown] = (size_t)(a - fz.a_base);
			f.own_len[f.nown++] = VOB_SPLIT_USED_BYTES(f.R.q[q].size);
		}
	}

	/* The hostile device: features, queues, config. */
	fz_peer_link(&f.link, &f.ops);
	memset(&f.dcfg, 0, sizeof(f.dcfg));
	memset(f.q, 0, sizeof(f.q));
	f.dcfg.role = VOB_ROLE_DEVICE;
	f.dcfg.slot = 0;
	f.dcfg.features[0] = F(VERSION_1) | ((h[7] & 1) ? CF(MULTIPORT) : 0u) |
			     ((h[7] & 2) ? CF(SIZE) : 0u) | ((h[7] & 4) ? CF(EMERG_WRITE) : 0u) |
			     ((h[7] & 8) ? F(EVENT_IDX) : 0u) | ((h[7] & 16) ? F(IN_ORDER) : 0u);
	/* Mostly every queue the driver wants; sometimes fewer or more. */
	f.dcfg.num_queues = (h[7] & 0x20) ? (uint16_t)(1u + h[8] % NQ) : (uint16_t)want_q;
	f.dcfg.queues = f.q;
	for (q = 0; q < f.dcfg.num_queues; q++) {
		f.q[q].vq = &f.vq[q];
		f.q[q].state = f.state[q];
		f.q[q].state_len = sizeof(f.state[q]);
		f.q[q].size = (h[7] & 0x40) ? (uint16_t)(1u << (h[8] >> 4) % 7u)
					    : (uint16_t)VOB_CONSOLE_QSIZE;
	}
	f.dcfg.device_id = VOB_CONSOLE_DEVICE_ID;
	f.dcfg.seg_max = SEGS;
	vob_put_le16(f.cfg, (h[9] & 1) ? fz_u16(in) : 80u);
	vob_put_le16(f.cfg + 2, (h[9] & 1) ? fz_u16(in) : 25u);
	vob_put_le32(f.cfg + 4, (h[9] & 2) ? fz_u32(in) : f.rc.nr_ports);
	vob_put_le32(f.cfg + 8, (h[9] & 4) ? fz_u32(in) : 0u);
	f.dcfg.config = f.cfg;
	f.dcfg.config_len = (h[9] & 8) ? (uint16_t)(h[10] % 13u) : 12u;
	dev_start(); /* h[11]: reserved */
}

/* ---- the hostile device's operations ------------------------------------------------ */

static struct vob_vq *dvq(uint16_t q)
{
	return vob_dev_vq(&f.dev, q);
}

static void drop_held(uint16_t q, unsigned i)
{
	memmove(&f.held[q][i], &f.held[q][i + 1], (f.nheld[q] - i - 1u) * sizeof(f.held[q][0]));
	f.nheld[q]--;
	/* the iov pointers moved with their arrays */
	for (; i < f.nheld[q]; i++)
		f.held[q][i].ch.iov = f.held[q][i].iov;
}

/* A transmit chain the device popped: what the driver wrote. */
static void check_tx(uint16_t q, const struct held *H)
{
	uint8_t buf[BUF_MAX];
	int p = q_port(q), r;

	/* Chains of an earlier session may hold anything the device wrote. */
	FZ_CHECK(!tame() || H->session != f.session || (H->ch.n_in == 0 && H->ch.out_len >= 1 &&
			     H->ch.out_len <= f.rc.buf_size && H->ch.n_out == 1),
		 "pop q%u: a transmit chain of %u+%u segments, %u bytes", q, H->ch.n_out,
		 H->ch.n_in, H->ch.out_len);
	if (H->ch.out_len > BUF_MAX)
		return; /* only a wild device gets here */
	r = vob_chain_pull(&f.link, &H->ch, 0, buf, H->ch.out_len, NULL);
	FZ_CHECK(r == (int)H->ch.out_len, "pull: %d", r);
	if (p < 0) {
		uint32_t id = fz_rd32(buf);
		uint16_t ev = fz_rd16(buf + 4), value = fz_rd16(buf + 6);

		if (!tame() || H->session != f.session)
			return;
		/* A session's first control message is DEVICE_READY. */
		FZ_CHECK(f.ctl_seen || (ev == VOB_CONSOLE_DEVICE_READY && value == 1),
			 "the driver's first control message is event %u value %u", ev, value);
		f.ctl_seen = true;
		FZ_CHECK(H->ch.out_len == 8 && id < f.R.nr_ports && value <= 1 &&
				 (ev == VOB_CONSOLE_DEVICE_READY || ev == VOB_CONSOLE_PORT_READY ||
				  ev == VOB_CONSOLE_PORT_OPEN),
			 "the driver sent control message id %u event %u value %u (%u bytes)", id,
			 ev, value, H->ch.out_len);
		return;
	}
	if (!tame() || H->session != f.session || p >= f.R.nr_ports)
		return;
	{
		struct mport *M = &f.port[p];
		uint32_t k;

		FZ_CHECK(H->ch.out_len <= M->tx_n, "port %d: the device got %u bytes, %zu written",
			 p, H->ch.out_len, M->tx_n);
		for (k = 0; k < H->ch.out_len; k++)
			FZ_CHECK(buf[k] == M->tx[(M->tx_head + k) % TXQ_BYTES],
				 "port %d: transmit byte %u is 0x%02x, written 0x%02x", p, k, buf[k],
				 M->tx[(M->tx_head + k) % TXQ_BYTES]);
		M->tx_head = (M->tx_head + H->ch.out_len) % TXQ_BYTES;
		M->tx_n -= H->ch.out_len;
	}
}

static void op_pop(struct fz_in *in)
{
	uint16_t q = (uint16_t)(fz_u8(in) % NQ);
	struct vob_vq *vq = dvq(q);
	struct held *H;
	int r;

	if (!vq || f.nheld[q] == HOLD)
		return;
	H = &f.held[q][f.nheld[q]];
	memset(&H->ch, 0, sizeof(H->ch));
	H->ch.iov = H->iov;
	H->ch.cap = SEGS;
	r = vob_vq_pop(vq, &H->ch);
	TRACE("dev pop q%u -> %d (%u+%u, %u/%u)\n", q, r, H->ch.n_out, H->ch.n_in,
	      H->ch.out_len, H->ch.in_len);
	/* A broken ring from the driver while the device behaved: only on a
	 * queue of an earlier session (raw writes there before the reset). */
	FZ_CHECK(r == 0 || r == VOB_EAGAIN || r == VOB_EIO ||
			 (r == VOB_EPROTO && (!tame() || f.dev_session != f.session)),
		 "pop q%u: %d (the driver's ring is malformed)", q, r);
	if (r)
		return;
	H->session = f.dev_session;
	f.nheld[q]++;
	if (!is_rxq(q)) {
		check_tx(q, H);
		return;
	}
	FZ_CHECK(!tame() || H->session != f.session || (H->ch.n_out == 0 && H->ch.n_in == 1 &&
			     H->ch.in_len == f.rc.buf_size),
		 "pop q%u: a receive chain of %u+%u segments, %u bytes (buffers are %u)", q,
		 H->ch.n_out, H->ch.n_in, H->ch.in_len, f.rc.buf_size);
}

/* Bytes for a receive buffer: data, or a control message. */
static uint32_t gen_payload(struct fz_in *in, uint16_t q, uint8_t *b, uint32_t cap)
{
	uint32_t n, k;
	uint64_t seed = fz_u32(in) | 1u;

	switch (fz_u8(in) % 4) {
	case 0:
		n = 0;
		break;
	case 1:
		n = cap;
		break;
	default:
		n = fz_u8(in);
		break;
	}
	if (n > cap)
		n = cap;
	for (k = 0; k < n; k++)
		b[k] = (uint8_t)fz_rand(&seed);
	if (q == VOB_CONSOLE_CTRL_RXQ && n >= 8) {
		uint8_t sel = fz_u8(in);

		vob_put_le32(b, (sel & 0x80) ? fz_u32(in) : (uint32_t)(fz_u8(in) % (NP + 2u)));
		vob_put_le16(b + 4, (sel & 0x40) ? fz_u16(in) : (uint16_t)(sel % 9u));
		vob_put_le16(b + 6, (sel & 0x20) ? fz_u16(in) : (uint16_t)(fz_u8(in) % 3u));
		/* A name: any length, any bytes (sometimes a NUL inside). */
		if ((sel & 0x0f) == VOB_CONSOLE_PORT_NAME) {
			uint32_t len = fz_u8(in);

			n = len + 8u < cap ? len + 8u : cap;
			for (k = 8; k < n; k++)
				b[k] = (uint8_t)('a' + k % 26u);
		}
	}
	return n;
}

/* The first @n bytes of the writable part of @ch, as they are now. */
static void in_bytes(const struct vob_chain *ch, uint8_t *out, uint32_t n)
{
	unsigned k;

	for (k = ch->n_out; n && k < (unsigned)ch->n_out + ch->n_in; k++) {
		uint32_t take = ch->iov[k].len < n ? ch->iov[k].len : n;

		memcpy(out, ch->iov[k].base, take);
		out += take;
		n -= take;
	}
}

static void op_push(struct fz_in *in)
{
	uint16_t q = (uint16_t)(fz_u8(in) % NQ);
	struct vob_vq *vq = dvq(q);
	uint8_t b[BUF_MAX], snap_b[BUF_MAX];
	bool inorder, rx = is_rxq(q);
	struct held *H;
	unsigned i;
	uint32_t n = 0, w;
	int r, want;

	if (!vq || !f.nheld[q]) {
		(void)fz_u8(in);
		return;
	}
	i = fz_u8(in) % f.nheld[q];
	H = &f.held[q][i];
	if (rx) {
		n = gen_payload(in, q, b, H->ch.in_len < BUF_MAX ? H->ch.in_len : BUF_MAX);
		if (n) {
			r = vob_chain_push(&f.link, &H->ch, 0, b, n, NULL);
			FZ_CHECK(r == (int)n, "device push of %u bytes: %d", n, r);
		}
	}
	w = fz_gen_written(in, H->ch.in_len);
	inorder = (vob_dev_features(&f.dev, 0) & F(IN_ORDER)) != 0;
	want = (w > H->ch.in_len || (inorder && i != 0)) ? VOB_EINVAL : 0;
	/* Both are the caller's contract: asserts without the checks. */
	r = FZ_SKIP_MISUSE(want) ? VOB_EINVAL : vob_vq_push(vq, &H->ch, w);
	TRACE("dev push q%u #%u wrote %u written %u -> %d\n", q, i, n, w, r);
	/* VOB_EIO: the device's own queue broke (a raw write, maybe of an
	 * earlier session); its business, not the driver's. */
	if (r != VOB_EIO)
		FZ_CHECK(r == want, "vob_vq_push(written %u of %u): %d, expected %d", w,
			 H->ch.in_len, r, want);
	if (r)
		return;
	if (H->session != f.session)
		wild("a chain of an earlier session used");
	if (rx && w > BUF_MAX)
		wild("a chain longer than any buffer");
	else if (rx && w)
		in_bytes(&H->ch, snap_b, w);
	if (rx && tame() && w) {
		int p = q_port(q);

		if (p < 0) {
			if (f.npend < PEND_MAX) {
				memcpy(f.pend[f.npend], snap_b, w < CTL_MAX ? w : CTL_MAX);
				if (w < 8)
					memset(f.pend[f.npend] + w, 0, 8 - w);
				f.pend_w[f.npend++] = w;
			} else {
				f.pend_lost = true;
			}
		} else if (p < f.R.nr_ports) {
			struct mport *M = &f.port[p];

			FZ_CHECK(M->n < CHUNKS, "harness: receive model full");
			M->ch[(M->head + M->n) % CHUNKS].len = w;
			memcpy(M->ch[(M->head + M->n) % CHUNKS].b, snap_b, w);
			M->n++;
		}
	} else if (rx && tame() && !w && q == VOB_CONSOLE_CTRL_RXQ) {
		if (f.npend < PEND_MAX) {
			memset(f.pend[f.npend], 0, 8);
			f.pend_w[f.npend++] = 0;
		} else {
			f.pend_lost = true;
		}
	}
	drop_held(q, i);
	if (fz_u8(in) & 1)
		(void)vob_vq_kick(vq);
}

/* A used entry written by hand: any id, any length, the index moved by any
 * amount. */
static void op_forge(struct fz_in *in)
{
	uint16_t q = (uint16_t)(fz_u8(in) % NQ);
	uint8_t m = fz_u8(in);
	uint32_t id = fz_u32(in), len = fz_u32(in);
	struct vob_vq_cfg pc;
	uint8_t *used;
	uint16_t idx;

	if (vob_dev_queue_placement(&f.dev, q, &pc))
		return;
	/* The device's view: B through its writable alias. */
	used = pc.device_addr >= fz.b_base ? fz.bw + (pc.device_addr - fz.b_base)
					   : fz.a + (pc.device_addr - fz.a_base);
	idx = fz_rd16(used + 2);
	if (m & 1) {
		/* an honest-looking entry: a head the device holds, any length */
		if (f.nheld[q])
			id = f.held[q][id % f.nheld[q]].ch.head;
		if (m & 2)
			len = len % (f.rc.buf_size + 2u);
	}
	vob_put_le32(used + 4 + 8u * (idx % pc.size), id);
	vob_put_le32(used + 8 + 8u * (idx % pc.size), len);
	vob_put_le16(used + 2, (uint16_t)(idx + ((m & 4) ? fz_u16(in) : 1u)));
	TRACE("dev forge q%u id %u len %u\n", q, id, len);
	wild("forged used entry");
}

static void op_raw(struct fz_in *in)
{
	uint8_t m = fz_u8(in), n = (uint8_t)(1u + fz_u8(in) % 16u);
	uint8_t *base = (m & 1) ? fz.bw : fz.a;
	size_t len = (m & 1) ? FZ_B_SIZE : FZ_A_SIZE, off = fz_u16(in) % (len - n + 1u);
	unsigned k;

	if ((m & 7) == 6) /* the table's device area: status, seq, config, generation */
		off = f.own_off[0] + (off % f.own_len[0]) / 4u * 4u;

	for (k = 0; k < n; k++)
		base[off + k] = fz_u8(in);
	TRACE("dev raw %c+%zu len %u\n", (m & 1) ? 'B' : 'A', off, n);
	if (!(m & 1) && off < f.own_off[0] + f.own_len[0] + VOB_ALIGN_UP(VOB_TABLE_DRV_RAW(NQ),
									   fz.line))
		f.sticky = true; /* the table: a reset does not undo it */
	wild("raw write");
}

/* After the device's table poll: its queues stopped or started again. */
static void dev_polled(int ev)
{
	if (ev > 0 && (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE)))
		memset(f.nheld, 0, sizeof(f.nheld));
	if (ev > 0 && (ev & VOB_DEV_EV_LIVE)) {
		f.dev_session = f.session;
		f.ctl_seen = false;
	}
}

static void op_device(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	int r;

	switch (m % 8) {
	case 0:
		r = vob_dev_set_needs_reset(&f.dev);
		TRACE("dev needs_reset -> %d\n", r);
		memset(f.nheld, 0, sizeof(f.nheld));
		break;
	case 1:
		r = vob_dev_remove(&f.dev);
		TRACE("dev remove -> %d\n", r);
		memset(f.nheld, 0, sizeof(f.nheld));
		if (!(m & 8))
			break;
		/* Added again, on the same table. */
		FZ_CHECK(vob_dev_init(&f.dev, &f.dt, &f.dcfg) == 0, "device re-added");
		break;
	case 2:
		TRACE("dev restart\n");
		dev_start();
		break;
	case 3:
	case 4: {
		/* A config change with a generation bump. */
		uint8_t b[12];
		uint32_t off = fz_u8(in) % 13u, len = fz_u8(in) % 13u, k;
		bool out = off + len > f.dcfg.config_len;

		for (k = 0; k < len; k++)
			b[k] = fz_u8(in);
		/* Outside the config is the caller's contract (an assert
		 * without the checks). */
		r = FZ_SKIP_MISUSE(out) ? VOB_ERANGE : vob_dev_config_write(&f.dev, off, b, len);
		TRACE("dev config_write +%u len %u -> %d\n", off, len, r);
		FZ_CHECK(r == (out ? VOB_ERANGE : 0), "config_write(%u, %u) of %u: %d", off, len,
			 f.dcfg.config_len, r);
		if (!r)
			memcpy(f.cfg + off, b, len);
		break;
	}
	default: {
		int ev = vob_dev_poll(&f.dev);

		TRACE("dev poll -> %d (state %d)\n", ev, vob_dev_state(&f.dev));
		dev_polled(ev);
		break;
	}
	}
}

/* ---- the driver under test ------------------------------------------------------------ */

static void op_poll(void)
{
	bool was_live;
	int ev;
	unsigned i;

	snap();
	was_live = f.R.live;
	ev = vob_console_drv_poll(&f.R);
	TRACE("drv poll -> %#x (state %d)\n", ev, vob_dev_state(&f.R.dev));
	FZ_CHECK(ev >= 0, "vob_console_drv_poll returned %d", ev);
	after("poll", (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_NEEDS_RESET)) ||
			      (was_live && vob_dev_state(&f.R.dev) != VOB_DEV_LIVE));
	if (ev & VOB_DEV_EV_LIVE)
		model_stop(false);
	if ((ev & VOB_DEV_EV_LIVE) && vob_dev_state(&f.R.dev) == VOB_DEV_LIVE && f.R.live) {
		model_start();
		model_size();
	} else if ((ev & VOB_DEV_EV_CONFIG) && f.R.live) {
		model_size();
	}
	/* The control messages the device sent, in order. */
	if (f.R.live && f.mp && !f.pend_lost) {
		for (i = 0; i < f.npend; i++)
			if (!model_ctl(f.pend[i], f.pend_w[i]))
				f.bad_ctrl++;
	} else if (f.pend_lost) {
		wild("too many control messages to model");
	}
	f.npend = 0;
	check_ports("poll");
}

static uint16_t gen_port(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) % (NP + 1u));
}

static size_t gen_len(struct fz_in *in)
{
	switch (fz_u8(in) % 4) {
	case 0:
		return 0;
	case 1:
		return 1u + fz_u8(in) % 8u;
	case 2:
		return fz_u8(in);
	default:
		return fz_u16(in) % 9000u;
	}
}

static void op_read(struct fz_in *in)
{
	uint16_t port = gen_port(in);
	size_t len = gen_len(in);
	uint8_t *buf = malloc(len ? len : 1); /* exactly len usable: ASan sees overruns */
	uint64_t before = vob_console_drv_stats(&f.R)->rx_bytes;
	size_t avail = 0;
	bool eproto;
	unsigned c;
	int r;

	if (port < f.R.nr_ports) {
		const struct mport *M = &f.port[port];

		for (c = 0; c < M->n; c++)
			avail += M->ch[(M->head + c) % CHUNKS].len;
		avail -= M->off;
	}
	snap();
	r = vob_console_drv_read(&f.R, port, buf, len);
	TRACE("drv read port %u len %zu -> %d\n", port, len, r);
	if (port >= f.R.nr_ports)
		FZ_CHECK(r == VOB_EINVAL, "read on port %u of %u: %d", port, f.R.nr_ports, r);
	else if (!len)
		FZ_CHECK(r == 0, "read of 0 bytes: %d", r);
	else
		FZ_CHECK((r > 0 && (size_t)r <= len) || r == VOB_EAGAIN || r == VOB_EPROTO,
			 "read of %zu bytes: %d", len, r);
	FZ_CHECK(vob_console_drv_stats(&f.R)->rx_bytes - before == (r > 0 ? (uint64_t)r : 0u),
		 "read: rx_bytes grew by %llu, returned %d",
		 (unsigned long long)(vob_console_drv_stats(&f.R)->rx_bytes - before), r);
	eproto = r == VOB_EPROTO;
	if (eproto)
		FZ_CHECK(!tame(), "read: VOB_EPROTO while the device behaved");
	if (tame() && port < f.R.nr_ports && len) {
		/* Exactly the bytes the device wrote, in order. */
		struct mport *M = &f.port[port];
		size_t got = r > 0 ? (size_t)r : 0, k = 0;

		while (k < got) {
			struct chunk *C = &M->ch[M->head];
			uint32_t take;

			FZ_CHECK(M->n, "read port %u: %zu bytes, the device wrote %zu", port, got, k);
			take = C->len - M->off;
			if (take > got - k)
				take = (uint32_t)(got - k);
			FZ_CHECK(!memcmp(buf + k, C->b + M->off, take),
				 "read port %u: bytes %zu-%zu differ from what the device wrote",
				 port, k, k + take - 1u);
			k += take;
			M->off += take;
			if (M->off == C->len) {
				M->head = (M->head + 1u) % CHUNKS;
				M->n--;
				M->off = 0;
			}
		}
		/* Everything that was waiting, up to @len. */
		if (avail > len)
			avail = len;
		FZ_CHECK(r == (avail ? (int)avail : VOB_EAGAIN),
			 "read port %u of %zu bytes: %d, the device wrote %zu not read yet", port,
			 len, r, avail);
	}
	free(buf);
	after("read", eproto);
}

static void op_write(struct fz_in *in)
{
	uint16_t port = gen_port(in);
	size_t len = gen_len(in), k;
	uint8_t *buf = malloc(len ? len : 1);
	uint64_t before = vob_console_drv_stats(&f.R)->tx_bytes, seed = fz_u32(in) | 1u;
	int r;

	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)fz_rand(&seed);
	snap();
	r = vob_console_drv_write(&f.R, port, buf, len);
	TRACE("drv write port %u len %zu -> %d\n", port, len, r);
	if (port >= f.R.nr_ports)
		FZ_CHECK(r == VOB_EINVAL, "write on port %u of %u: %d", port, f.R.nr_ports, r);
	else if (!len)
		FZ_CHECK(r == 0, "write of 0 bytes: %d", r);
	else
		FZ_CHECK((r > 0 && (size_t)r <= len) || r == VOB_EAGAIN || r == VOB_EPROTO,
			 "write of %zu bytes: %d", len, r);
	FZ_CHECK(vob_console_drv_stats(&f.R)->tx_bytes - before == (r > 0 ? (uint64_t)r : 0u),
		 "write: tx_bytes grew by %llu, returned %d",
		 (unsigned long long)(vob_console_drv_stats(&f.R)->tx_bytes - before), r);
	if (r == VOB_EPROTO)
		FZ_CHECK(!tame(), "write: VOB_EPROTO while the device behaved");
	if (tame() && port < f.R.nr_ports && len) {
		struct mport *M = &f.port[port];

		FZ_CHECK(r == VOB_EAGAIN || (M->flags & VOB_CONSOLE_PORT_ADDED),
			 "write on port %u not added: %d", port, r);
	}
	if (r > 0 && port < f.R.nr_ports) {
		struct mport *M = &f.port[port];

		if (M->tx_n + (size_t)r <= TXQ_BYTES) {
			for (k = 0; k < (size_t)r; k++)
				M->tx[(M->tx_head + M->tx_n + k) % TXQ_BYTES] = buf[k];
			M->tx_n += (size_t)r;
		} else {
			wild("harness: transmit model full");
		}
	}
	free(buf);
	after("write", r == VOB_EPROTO);
}

static void op_port(struct fz_in *in)
{
	uint8_t m = fz_u8(in);
	uint16_t port = gen_port(in);
	bool bad = port >= f.R.nr_ports;
	uint16_t cols = 0, rows = 0;
	const char *name;
	int r, want;

	snap();
	switch (m % 5) {
	case 0: {
		bool open = (m >> 3) & 1;

		r = vob_console_drv_port_open(&f.R, port, open);
		TRACE("drv port_open %u %d -> %d\n", port, open, r);
		FZ_CHECK(r == 0 || r == VOB_EINVAL || r == VOB_EAGAIN, "port_open: %d", r);
		FZ_CHECK((r == VOB_EINVAL) == bad, "port_open(%u): %d", port, r);
		if (tame() && !bad) {
			struct mport *M = &f.port[port];

			want = (M->flags & VOB_CONSOLE_PORT_ADDED) ? 0 : VOB_EAGAIN;
			FZ_CHECK(r == want, "port_open(%u): %d, model %d", port, r, want);
			if (!r && f.mp) {
				if (open)
					M->flags |= VOB_CONSOLE_PORT_GUEST_OPEN;
				else
					M->flags &= (uint8_t)~VOB_CONSOLE_PORT_GUEST_OPEN;
			}
		}
		break;
	}
	case 1:
		r = vob_console_drv_port_status(&f.R, port);
		FZ_CHECK(bad ? r == VOB_EINVAL : (r >= 0 && r < 16), "port_status: %d", r);
		break;
	case 2:
		name = vob_console_drv_port_name(&f.R, port);
		FZ_CHECK(bad ? !name : (name && memchr(name, 0, VOB_CONSOLE_NAME_MAX)),
			 "port_name(%u)", port);
		break;
	case 3:
		r = vob_console_drv_size(&f.R, port, &cols, &rows);
		FZ_CHECK(r == (bad ? VOB_EINVAL : r == 0 ? 0 : VOB_ENODATA), "size: %d", r);
		break;
	default:
		r = vob_console_drv_reset(&f.R);
		TRACE("drv reset -> %d\n", r);
		FZ_CHECK(r == 0, "reset: %d", r);
		after("reset", true);
		FZ_CHECK(vob_pool_free(&f.R.pool) + cur_count() + held_count() == f.rc.buf_count,
			 "reset: %u buffers free + %u read in part + %u held, of %u",
			 vob_pool_free(&f.R.pool), cur_count(), held_count(), f.rc.buf_count);
		return;
	}
	after("port", false);
	check_ports("port");
}

/* Both sides negotiate. */
static void negotiate(unsigned rounds)
{
	unsigned i;

	for (i = 0; i < rounds; i++) {
		int ev = vob_dev_poll(&f.dev);

		TRACE("dev poll -> %d (state %d)\n", ev, vob_dev_state(&f.dev));
		dev_polled(ev);
		op_poll();
		if (vob_dev_state(&f.R.dev) == VOB_DEV_LIVE && vob_dev_state(&f.dev) == VOB_DEV_LIVE)
			break;
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
			op_pop(&in);
			break;
		case 3:
		case 4:
		case 5:
			op_push(&in);
			break;
		case 6:
		case 7:
			op_poll();
			break;
		case 8:
		case 9:
			op_read(&in);
			break;
		case 10:
			op_write(&in);
			break;
		case 11:
			op_port(&in);
			break;
		case 12:
			op_device(&in);
			break;
		case 13:
			negotiate(20);
			break;
		case 14:
			if (fz_u8(&in) & 1)
				op_forge(&in);
			else
				op_raw(&in);
			break;
		default:
			op_device(&in);
			op_poll();
			break;
		}
	}
	return 0;
}

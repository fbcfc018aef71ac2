/* SPDX-License-Identifier: BSD-3-Clause */
/* virtio-console, both roles, on the public table, virtqueue and pool APIs
 * (docs/console.md). The device role trusts nothing in a chain: directions,
 * lengths and control messages are checked, and every copy goes through
 * vob_chain_pull()/vob_chain_push(), which stay inside the chain's segments.
 * The driver role checks what the device returns the same way. */
#include "vob/console.h"

#include "mem_internal.h"

/* Largest count a byte-stream call returns (it returns an int). */
#define CONS_IO_MAX 0x7fffffffu
/* Control message header and the largest message sent or kept. */
#define CTL_HDR 8u
#define CTL_MAX (CTL_HDR + VOB_CONSOLE_NAME_MAX)

/* Device: control messages waiting to be sent, in sending order. */
#define DP_REMOVE 0x01u
#define DP_ADD 0x02u
#define DP_CONSOLE 0x04u
#define DP_RESIZE 0x08u
#define DP_NAME 0x10u
#define DP_OPEN 0x20u

/* Driver: control messages waiting to be sent. */
#define RP_READY 0x01u
#define RP_OPEN 0x02u

/* Multiport (control queues) offered, wanted, negotiated: constant 0 in a
 * build without it (VOB_CFG_CONSOLE_MULTIPORT), so its code drops out. */
#define CONS_MP(c) (VOB_CFG_CONSOLE_MULTIPORT && (c)->mp)
#define CONS_MP_OFFERED(c) (VOB_CFG_CONSOLE_MULTIPORT && (c)->offer_mp)
#define CONS_MP_WANTED(c) (VOB_CFG_CONSOLE_MULTIPORT && (c)->want_mp)

/* Port flags a reset keeps: the local side's own choices. */
#define DEV_KEEP (VOB_CONSOLE_PORT_CONSOLE | VOB_CONSOLE_PORT_HOST_OPEN)

static size_t cons_clamp(size_t len)
{
	return len > CONS_IO_MAX ? CONS_IO_MAX : len;
}

/* @port is not one of the @nr_ports ports. vob_console_dev_init() and
 * vob_console_drv_init() keep @nr_ports at most VOB_CONSOLE_MAX_PORTS: with
 * one port at most (no multiport), only port 0 passes, which the second
 * test tells the compiler, so the port's queue and state fold to constants. */
static bool cons_port_bad(uint16_t port, uint16_t nr_ports)
{
	return port >= nr_ports || (VOB_CONSOLE_MAX_PORTS == 1 && port);
}

static uint32_t cons_min(size_t a, uint32_t b)
{
	return a < b ? (uint32_t)a : b;
}

static uint16_t cons_nqueues(uint16_t nr_ports, bool mp)
{
	return (uint16_t)(mp ? 2u + 2u * nr_ports : 2u);
}

static void cons_name_copy(char *dst, const char *src)
{
	unsigned i = 0;

	if (src)
		for (; i + 1u < VOB_CONSOLE_NAME_MAX && src[i]; i++)
			dst[i] = src[i];
	dst[i] = '\0';
}

static unsigned cons_name_len(const char *s)
{
	unsigned i = 0;

	while (i < VOB_CONSOLE_NAME_MAX && s[i])
		i++;
	return i;
}

static void cons_ctl_put(uint8_t *m, uint32_t id, uint16_t event, uint16_t value)
{
	vob_put_le32(m, id);
	vob_put_le16(m + 4, event);
	vob_put_le16(m + 6, value);
}

static int cons_ret(uint32_t done, int err)
{
	return done ? (int)done : err;
}

/* ======================================================================== */
/* Device role                                                              */
/* ======================================================================== */

static struct vob_link *dev_link(struct vob_console_dev *c)
{
	return vob_dev_link(&c->dev);
}

/* The queues went away (reset, restart, NEEDS_RESET): forget every chain
 * held and every control message queued; they belonged to the old rings.
 * Only the control queues set mp, drv_ready, announced and pend: without
 * multiport they stay 0 from vob_console_dev_init(). A port's off counts
 * only while it is busy. Every port slot is cleared: those past nr_ports
 * stay all 0 from vob_console_dev_init() (nothing takes a port number
 * beyond nr_ports), so the loop needs no load of nr_ports and a one-port
 * build none at all. */
static void dev_stop(struct vob_console_dev *c)
{
	uint16_t p;

	c->stats.resets += c->live; /* 0 or 1 */
	c->live = 0;
	if (VOB_CFG_CONSOLE_MULTIPORT) {
		c->mp = 0;
		c->drv_ready = 0;
	}
	for (p = 0; p < VOB_CONSOLE_MAX_PORTS; p++) {
		struct vob_console_dport *P = &c->port[p];

		P->busy = 0;
		if (VOB_CFG_CONSOLE_MULTIPORT) {
			P->announced = 0;
			P->pend = 0;
		}
		P->flags &= DEV_KEEP;
	}
	c->ev |= VOB_CONSOLE_EV_PORTS;
}

/* The driver broke a ring: ask it for a reset. */
static int dev_ring_fail(struct vob_console_dev *c)
{
	c->stats.ring_errors++;
	(void)vob_dev_set_needs_reset(&c->dev);
	dev_stop(c);
	return VOB_EPROTO;
}

/* The queues run: the ports changed (vob_console_dev_poll() reports it). */
static void dev_start(struct vob_console_dev *c)
{
	c->live = 1;
	if (VOB_CFG_CONSOLE_MULTIPORT)
		c->mp = (vob_dev_features(&c->dev, 0) & VOB_BIT(VOB_CONSOLE_F_MULTIPORT)) &&
			vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_RXQ) &&
			vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_TXQ);
	if (!CONS_MP(c) && vob_dev_vq(&c->dev, 0) && vob_dev_vq(&c->dev, 1))
		c->port[0].flags |= VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN;
}

/* Pop the next chain, asking for a kick (once) before giving up. */
static int dev_pop(struct vob_vq *vq, struct vob_chain *ch, bool *rearmed)
{
	int r = vob_vq_pop(vq, ch);

	if (r == VOB_EAGAIN && !*rearmed) {
		*rearmed = true;
		if (vob_vq_enable_notify(vq) == 1)
			r = vob_vq_pop(vq, ch);
	}
	return r;
}

/* Control messages from the driver: each handler returns false for a
 * message it ignores (counted). */
static bool dev_ctl_device_ready(struct vob_console_dev *c, uint16_t value)
{
	uint16_t p;

	if (value == 0)
		return true; /* the driver failed to set up: nothing to announce */
	if (value != 1 || c->drv_ready)
		return false;
	c->drv_ready = 1;
	for (p = 0; p < c->nr_ports; p++)
		if (c->port[p].present)
			c->port[p].pend |= DP_ADD;
	return true;
}

static bool dev_ctl_port_ready(struct vob_console_dev *c, uint32_t id, uint16_t value)
{
	struct vob_console_dport *P = &c->port[id];

	if (!P->announced || (P->flags & VOB_CONSOLE_PORT_ADDED) || value > 1)
		return false;
	if (value == 0)
		return true; /* the driver could not set the port up */
	if (!vob_dev_vq(&c->dev, (uint16_t)VOB_CONSOLE_RXQ(id)) ||
	    !vob_dev_vq(&c->dev, (uint16_t)VOB_CONSOLE_TXQ(id)))
		return false; /* ready without the port's queues */
	P->flags |= VOB_CONSOLE_PORT_ADDED;
	if (P->flags & VOB_CONSOLE_PORT_CONSOLE)
		P->pend |= DP_CONSOLE;
	if (P->sized)
		P->pend |= DP_RESIZE;
	if (P->name[0])
		P->pend |= DP_NAME;
	if (P->flags & VOB_CONSOLE_PORT_HOST_OPEN)
		P->pend |= DP_OPEN;
	c->ev |= VOB_CONSOLE_EV_PORTS;
	return true;
}

static bool dev_ctl_port_open(struct vob_console_dev *c, uint32_t id, uint16_t value)
{
	struct vob_console_dport *P = &c->port[id];

	if (!(P->flags & VOB_CONSOLE_PORT_ADDED) || value > 1)
		return false;
	if (value)
		P->flags |= VOB_CONSOLE_PORT_GUEST_OPEN;
	else
		P->flags &= (uint8_t)~VOB_CONSOLE_PORT_GUEST_OPEN;
	c->ev |= VOB_CONSOLE_EV_PORTS;
	return true;
}

/* One control message from the driver (already copied out of the ring).
 * If-chains rather than a switch: a jump table would need a libgcc helper
 * on Cortex-M0. */
static void dev_ctrl_msg(struct vob_console_dev *c, const uint8_t *m)
{
	uint32_t id = vob_get_le32(m);
	uint16_t event = vob_get_le16(m + 4), value = vob_get_le16(m + 6);
	bool ok = false;

	if (event == VOB_CONSOLE_DEVICE_READY)
		ok = dev_ctl_device_ready(c, value);
	else if (id >= c->nr_ports)
		ok = false; /* every other message names a port */
	else if (event == VOB_CONSOLE_PORT_READY)
		ok = dev_ctl_port_ready(c, id, value);
	else if (event == VOB_CONSOLE_PORT_OPEN)
		ok = dev_ctl_port_open(c, id, value);
	if (!ok)
		c->stats.bad_ctrl++; /* unknown, out of place, or device-only */
}

/* Read the driver's control messages (control transmitq). */
static int dev_ctrl_in(struct vob_console_dev *c)
{
	struct vob_vq *vq = CONS_MP(c) ? vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_TXQ) : NULL;
	struct vob_iov iov[VOB_CONSOLE_SEG_MAX];
	unsigned budget = VOB_CONSOLE_QSIZE;
	bool rearmed = false, pushed = false;

	if (!vq)
		return 0;
	while (budget--) {
		struct vob_chain ch;
		uint8_t m[CTL_HDR] = { 0 };
		int r;

		ch.iov = iov;
		ch.cap = VOB_CONSOLE_SEG_MAX;
		r = dev_pop(vq, &ch, &rearmed);
		if (r == VOB_EAGAIN)
			break;
		if (r < 0)
			return dev_ring_fail(c);
		/* Readable only, and at least a header (a longer message is
		 * read up to its header: the driver sends no payloads). */
		if (ch.n_in ||
		    vob_chain_pull(dev_link(c), &ch, 0, m, CTL_HDR, NULL) != (int)CTL_HDR)
			c->stats.bad_ctrl++;
		else
			dev_ctrl_msg(c, m);
		if (vob_vq_push(vq, &ch, 0) < 0)
			return dev_ring_fail(c);
		pushed = true;
	}
	if (pushed)
		(void)vob_vq_kick(vq);
	return 0;
}

/* Build the next pending message of port @p; returns its length and the
 * least room a buffer must have for it, and the bit it clears. */
static uint32_t dev_ctrl_build(const struct vob_console_dev *c, uint16_t p, uint8_t *m,
			       uint32_t *need, uint8_t *bit)
{
	const struct vob_console_dport *P = &c->port[p];
	uint32_t len = CTL_HDR;

	*need = CTL_HDR;
	if (P->pend & DP_REMOVE) {
		*bit = DP_REMOVE;
		cons_ctl_put(m, p, VOB_CONSOLE_DEVICE_REMOVE, 0);
	} else if (P->pend & DP_ADD) {
		*bit = DP_ADD;
		cons_ctl_put(m, p, VOB_CONSOLE_DEVICE_ADD, 0);
	} else if (P->pend & DP_CONSOLE) {
		*bit = DP_CONSOLE;
		cons_ctl_put(m, p, VOB_CONSOLE_CONSOLE_PORT, 1);
	} else if (P->pend & DP_RESIZE) {
		*bit = DP_RESIZE;
		cons_ctl_put(m, p, VOB_CONSOLE_RESIZE, 0);
		vob_put_le16(m + CTL_HDR, P->cols);
		vob_put_le16(m + CTL_HDR + 2, P->rows);
		len = *need = CTL_HDR + 4u;
	} else if (P->pend & DP_NAME) {
		unsigned n = cons_name_len(P->name);

		*bit = DP_NAME;
		cons_ctl_put(m, p, VOB_CONSOLE_PORT_NAME, 1);
		vob_memcpy(m + CTL_HDR, P->name, n);
		len = CTL_HDR + n; /* a name is cut to the buffer if need be */
	} else {
		*bit = DP_OPEN;
		cons_ctl_put(m, p, VOB_CONSOLE_PORT_OPEN,
			     (P->flags & VOB_CONSOLE_PORT_HOST_OPEN) ? 1u : 0u);
	}
	return len;
}

/* Send pending control messages (control receiveq). */
static int dev_ctrl_out(struct vob_console_dev *c)
{
	struct vob_vq *vq = CONS_MP(c) ? vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_RXQ) : NULL;
	struct vob_iov iov[VOB_CONSOLE_SEG_MAX];
	unsigned budget = VOB_CONSOLE_QSIZE;
	bool rearmed = false, pushed = false;
	uint16_t p = 0;
	int err = 0;

	if (!vq)
		return 0;
	while (p < c->nr_ports && budget) {
		struct vob_chain ch;
		uint8_t m[CTL_MAX], bit;
		uint32_t len, need;
		int r;

		if (!c->port[p].pend) {
			p++;
			continue;
		}
		budget--;
		len = dev_ctrl_build(c, p, m, &need, &bit);
		ch.iov = iov;
		ch.cap = VOB_CONSOLE_SEG_MAX;
		r = dev_pop(vq, &ch, &rearmed);
		if (r == VOB_EAGAIN)
			break;
		if (r < 0) {
			err = dev_ring_fail(c);
			break;
		}
		if (ch.n_out || ch.in_len < need) {
			/* A buffer that is readable or too small: give it back
			 * empty, keep the message for the next one. */
			c->stats.bad_chains++;
			len = 0;
		} else {
			len = cons_min(len, ch.in_len);
			if (vob_chain_push(dev_link(c), &ch, 0, m, len, NULL) != (int)len)
				len = 0;
			else
				c->port[p].pend &= (uint8_t)~bit;
			if (bit == DP_ADD && len)
				c->port[p].announced = 1;
		}
		if (vob_vq_push(vq, &ch, len) < 0) {
			err = dev_ring_fail(c);
			break;
		}
		pushed = true;
	}
	if (pushed && c->live)
		(void)vob_vq_kick(vq);
	return err;
}

int vob_console_dev_init(struct vob_console_dev *c, struct vob_table *t,
			 const struct vob_console_dev_cfg *cfg)
{
	struct vob_dev_cfg dc;
	uint16_t q, nq, p, qsize, nr;
	bool mp;

	if (!c || !t || !cfg)
		return VOB_EINVAL;
	mp = VOB_CFG_CONSOLE_MULTIPORT && cfg->multiport;
	if (!VOB_CFG_CONSOLE_MULTIPORT && cfg->multiport)
		return VOB_ENOTSUP;
	nr = cfg->nr_ports;
	if (!nr || nr > VOB_CONSOLE_MAX_PORTS || (nr > 1 && !cfg->multiport))
		return VOB_EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_CONSOLE_QSIZE;
	if (qsize > VOB_CONSOLE_QSIZE || (qsize & (qsize - 1u)))
		return VOB_EINVAL;
	vob_memset(c, 0, sizeof(*c));
	c->nr_ports = nr;
	c->offer_mp = mp;
	c->offer_size = cfg->size ? 1 : 0;
	nq = cons_nqueues(nr, mp);
	for (q = 0; q < nq; q++) {
		c->q[q].vq = &c->vq[q];
		c->q[q].state = c->state[q];
		c->q[q].state_len = sizeof(c->state[q]);
		c->q[q].size = qsize;
	}
	for (p = 0; p < nr; p++) {
		struct vob_console_dport *P = &c->port[p];

		P->present = 1;
		if (mp) {
			cons_name_copy(P->name, cfg->names[p]);
			if (cfg->console_mask & (1u << p))
				P->flags |= VOB_CONSOLE_PORT_CONSOLE;
		}
		if (cfg->open_mask & (1u << p))
			P->flags |= VOB_CONSOLE_PORT_HOST_OPEN;
	}
	if (c->offer_size) {
		c->config.cols = vob_to_le16(cfg->cols);
		c->config.rows = vob_to_le16(cfg->rows);
		if (VOB_CFG_CONSOLE_MULTIPORT) { /* for RESIZE (dev_ctl_port_ready) */
			c->port[0].cols = cfg->cols;
			c->port[0].rows = cfg->rows;
			c->port[0].sized = 1;
		}
	}
	c->config.max_nr_ports = vob_to_le32(mp ? nr : 0u);
	c->config.emerg_wr = vob_to_le32(0);

	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DEVICE;
	dc.slot = cfg->slot;
	dc.num_queues = nq;
	dc.queues = c->q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			 (cfg->ring_features & ~(uint64_t)0xffffffu) |
			 (c->offer_size ? VOB_BIT(VOB_CONSOLE_F_SIZE) : 0u) |
			 (mp ? VOB_BIT(VOB_CONSOLE_F_MULTIPORT) : 0u);
	dc.device_id = VOB_CONSOLE_DEVICE_ID;
	dc.vendor_id = 0;
	dc.config = &c->config;
	dc.config_len = (uint16_t)sizeof(c->config);
	dc.seg_max = VOB_CONSOLE_SEG_MAX;
	return vob_dev_init(&c->dev, t, &dc);
}

int vob_console_dev_poll(struct vob_console_dev *c)
{
	int ev = vob_dev_poll(&c->dev);
	bool up = vob_dev_state(&c->dev) == VOB_DEV_LIVE;

	/* Removed from the table (VOB_EIO) counts as not live. */
	if ((c->live && !up) || (ev >= 0 && (ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE))))
		dev_stop(c);
	if (ev < 0)
		return ev;
	if ((ev & VOB_DEV_EV_LIVE) && up) {
		dev_start(c);
		ev |= VOB_CONSOLE_EV_PORTS;
	}
	if (c->live && !dev_ctrl_in(c))
		(void)dev_ctrl_out(c);
	ev |= c->ev;
	c->ev = 0;
	return ev;
}

/* The byte streams of @port, one loop for both directions: the device
 * writes @buf into the driver's receive buffers (@to_drv), or reads the
 * driver's transmit buffers into @buf (then the caller's writable buffer,
 * passed as const to share the argument). A receive buffer is filled once and
 * given back at once; a transmit buffer may be read over several calls, so
 * the port keeps the one being read (@c cur, @c off). A buffer in the wrong
 * direction, or empty, is given back unused and counted; a call gives back
 * at most a queue's worth of buffers it moved nothing with. */
static int dev_io(struct vob_console_dev *c, uint16_t port, bool to_drv, const uint8_t *buf,
		  size_t len)
{
	struct vob_console_dport *P;
	struct vob_iov iov[VOB_CONSOLE_SEG_MAX];
	struct vob_chain rx, *ch;
	unsigned bad_budget = VOB_CONSOLE_QSIZE;
	bool rearmed = false, pushed = false;
	uint32_t done = 0;
	struct vob_vq *vq;
	int err = VOB_EAGAIN;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	len = cons_clamp(len);
	if (!len)
		return 0;
	P = &c->port[port];
	ch = to_drv ? &rx : &P->cur;
	/* A port's transmitq follows its receiveq. */
	vq = c->live ? vob_dev_vq(&c->dev, (uint16_t)(VOB_CONSOLE_RXQ(port) + !to_drv)) : NULL;
	if (!vq || (to_drv && (P->flags & (VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN)) !=
				      (VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_GUEST_OPEN)))
		return VOB_EAGAIN;
	while (done < len) {
		uint32_t off = 0, room, n = 0;
		bool held, bad;
		int r;

		if (to_drv || !P->busy) {
			ch->iov = to_drv ? iov : P->iov;
			ch->cap = VOB_CONSOLE_SEG_MAX;
			r = dev_pop(vq, ch, &rearmed);
			if (r == VOB_EAGAIN)
				break;
			if (r < 0) {
				err = dev_ring_fail(c);
				pushed = false;
				break;
			}
		} else {
			off = P->off;
		}
		/* room 0: the chain is done with. Segments the wrong way, or
		 * no bytes, make a bad chain, given back unused (a held chain
		 * passed this test when it was popped, and has bytes left). */
		room = to_drv ? ch->in_len : ch->out_len;
		if (to_drv ? ch->n_out : ch->n_in)
			room = 0;
		bad = off >= room;
		if (!bad) {
			struct vob_link *link = dev_link(c);

			n = cons_min(len - done, room - off);
			r = to_drv ? vob_chain_push(link, ch, 0, buf + done, n, NULL)
				   : vob_chain_pull(link, ch, off, (uint8_t *)(uintptr_t)(buf + done), n,
						    NULL);
			n = r > 0 ? (uint32_t)r : 0u; /* 0 cannot happen without DMA */
			done += n;
			off += n;
			/* A receive buffer is used once. */
			if (to_drv || !n)
				room = 0;
		}
		c->stats.bad_chains += bad; /* one add, no branch to copy */
		held = off < room;
		if (!to_drv) {
			P->busy = held;
			P->off = off;
		}
		if (!held) {
			if (vob_vq_push(vq, ch, to_drv ? n : 0u) < 0) {
				err = dev_ring_fail(c);
				pushed = false;
				break;
			}
			pushed = true;
			/* A buffer given back empty (bad, or a failed copy):
			 * at most a queue's worth per call. */
			if (!n && !--bad_budget)
				break;
		}
	}
	if (pushed)
		(void)vob_vq_kick(vq);
	*(to_drv ? &c->stats.tx_bytes : &c->stats.rx_bytes) += done;
	return cons_ret(done, err);
}

int vob_console_dev_write(struct vob_console_dev *c, uint16_t port, const void *data,
			  size_t len)
{
	return dev_io(c, port, true, (const uint8_t *)data, len);
}

int vob_console_dev_read(struct vob_console_dev *c, uint16_t port, void *buf, size_t len)
{
	return dev_io(c, port, false, (const uint8_t *)buf, len);
}

int vob_console_dev_port_open(struct vob_console_dev *c, uint16_t port, bool open)
{
	struct vob_console_dport *P;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	P = &c->port[port];
	if (open)
		P->flags |= VOB_CONSOLE_PORT_HOST_OPEN;
	else
		P->flags &= (uint8_t)~VOB_CONSOLE_PORT_HOST_OPEN;
	if (CONS_MP(c) && (P->flags & VOB_CONSOLE_PORT_ADDED)) {
		P->pend |= DP_OPEN;
		(void)dev_ctrl_out(c);
	}
	return 0;
}

int vob_console_dev_port_plug(struct vob_console_dev *c, uint16_t port, bool present)
{
	struct vob_console_dport *P;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	if (!CONS_MP_OFFERED(c))
		return VOB_ENOTSUP;
	P = &c->port[port];
	if (present) {
		if (!P->present && c->drv_ready)
			P->pend |= DP_ADD;
		P->present = 1;
	} else if (P->present) {
		struct vob_vq *vq = c->live ? vob_dev_vq(&c->dev, (uint16_t)VOB_CONSOLE_TXQ(port))
					    : NULL;

		P->present = 0;
		/* Messages about the port are moot; a removal is due only if
		 * the driver heard of it. */
		P->pend = P->announced ? DP_REMOVE : 0u;
		P->announced = 0;
		P->flags &= DEV_KEEP;
		if (P->busy && vq) {
			P->busy = 0;
			if (vob_vq_push(vq, &P->cur, 0) < 0) {
				(void)dev_ring_fail(c);
				return 0;
			}
			(void)vob_vq_kick(vq);
		}
		P->busy = 0;
		c->ev |= VOB_CONSOLE_EV_PORTS;
	}
	(void)dev_ctrl_out(c);
	return 0;
}

int vob_console_dev_resize(struct vob_console_dev *c, uint16_t port, uint16_t cols,
			   uint16_t rows)
{
	struct vob_console_dport *P;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	P = &c->port[port];
	if (VOB_CFG_CONSOLE_MULTIPORT) { /* read only for RESIZE messages */
		P->cols = cols;
		P->rows = rows;
		P->sized = 1;
	}
	if (port == 0 && c->offer_size) {
		c->config.cols = vob_to_le16(cols);
		c->config.rows = vob_to_le16(rows);
		(void)vob_dev_config_write(&c->dev, 0, &c->config, 4);
	}
	if (CONS_MP(c) && (P->flags & VOB_CONSOLE_PORT_ADDED)) {
		P->pend |= DP_RESIZE;
		(void)dev_ctrl_out(c);
	}
	return 0;
}

int vob_console_dev_port_status(const struct vob_console_dev *c, uint16_t port)
{
	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	return c->port[port].flags;
}

const struct vob_console_stats *vob_console_dev_stats(const struct vob_console_dev *c)
{
	return &c->stats;
}

/* ======================================================================== */
/* Driver role                                                              */
/* ======================================================================== */

/* Which port's receiveq queue @q is, or -1 (control, transmit, none). */
static int drv_rx_port(uint16_t q)
{
	if (q == 0)
		return 0;
	if (q >= 4 && !(q & 1u))
		return (int)(q >> 1) - 1;
	return -1;
}

static void drv_on_lost(void *arg, uint16_t q, void *token)
{
	struct vob_console_drv *c = (struct vob_console_drv *)arg;
	int p = drv_rx_port(q);

	c->stats.lost++;
	(void)vob_pool_put(&c->pool, token);
	if (q == VOB_CONSOLE_CTRL_RXQ && c->ctrl_owned) {
		c->ctrl_owned--;
	} else if (p >= 0 && p < c->nr_ports && c->port[p].owned) {
		c->port[p].owned--;
	}
}

static void drv_stop(struct vob_console_drv *c)
{
	uint16_t p;

	if (c->live)
		c->stats.resets++;
	c->live = 0;
	c->mp = 0;
	c->pend_ready = 0;
	for (p = 0; p < c->nr_ports; p++) {
		struct vob_console_drport *P = &c->port[p];

		P->flags = 0;
		P->pend = 0;
		P->name[0] = '\0';
		P->sized = 0;
	}
	c->ev |= VOB_CONSOLE_EV_PORTS;
}

static int drv_ring_fail(struct vob_console_drv *c)
{
	c->stats.ring_errors++;
	(void)vob_dev_reset(&c->dev); /* in-flight buffers: drv_on_lost, at the answer */
	drv_stop(c);
	return VOB_EPROTO;
}

/* Post pool buffers on a receive queue until @owned reaches @target. */
static int drv_fill(struct vob_console_drv *c, uint16_t q, uint16_t *owned, uint16_t *target)
{
	struct vob_vq *vq = vob_dev_vq(&c->dev, q);
	bool added = false;

	if (!vq)
		return 0;
	while (*owned < *target) {
		struct vob_seg s;
		void *buf = vob_pool_get(&c->pool, &s.addr);
		int r;

		if (!buf)
			break;
		s.len = c->pool.buf_size;
		r = vob_vq_add(vq, &s, 0, 1, buf);
		if (r) {
			(void)vob_pool_put(&c->pool, buf);
			if (r != VOB_ENOSPC)
				return drv_ring_fail(c);
			*target = *owned; /* the queue is smaller than asked */
			break;
		}
		(*owned)++;
		added = true;
	}
	if (added)
		(void)vob_vq_kick(vq);
	return 0;
}

/* A receive buffer read to its end: post it again, or back to the pool. */
static bool drv_recycle(struct vob_console_drv *c, uint16_t q, uint16_t *owned,
			uint16_t target, void *buf)
{
	struct vob_vq *vq = c->live ? vob_dev_vq(&c->dev, q) : NULL;

	if (vq && *owned <= target) {
		struct vob_seg s;

		s.addr = vob_pool_addr(&c->pool, buf);
		s.len = c->pool.buf_size;
		if (!vob_vq_add(vq, &s, 0, 1, buf))
			return true;
	}
	(void)vob_pool_put(&c->pool, buf);
	if (*owned)
		(*owned)--;
	return false;
}

/* Collect finished transmit buffers of queue @q back into the pool. */
static int drv_reclaim(struct vob_console_drv *c, uint16_t q)
{
	struct vob_vq *vq = vob_dev_vq(&c->dev, q);
	unsigned budget = VOB_CONSOLE_QSIZE;

	if (!vq)
		return 0;
	while (budget--) {
		void *tok;
		uint32_t w;
		int r = vob_vq_get_used(vq, &tok, &w);

		if (r == VOB_EAGAIN)
			break;
		if (r < 0)
			return drv_ring_fail(c);
		(void)vob_pool_put(&c->pool, tok);
	}
	return 0;
}

static void drv_start(struct vob_console_drv *c)
{
	uint16_t p;

	c->live = 1;
	c->mp = VOB_CFG_CONSOLE_MULTIPORT &&
		(vob_dev_features(&c->dev, 0) & VOB_BIT(VOB_CONSOLE_F_MULTIPORT)) &&
		vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_RXQ) &&
		vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_TXQ);
	c->size_pending = (vob_dev_features(&c->dev, 0) & VOB_BIT(VOB_CONSOLE_F_SIZE)) ? 1 : 0;
	for (p = 0; p < c->nr_ports; p++)
		c->port[p].target = c->rx_bufs;
	c->ctrl_target = c->rx_bufs;
	if (CONS_MP(c))
		c->pend_ready = 1;
	else if (vob_dev_vq(&c->dev, 0) && vob_dev_vq(&c->dev, 1))
		c->port[0].flags = VOB_CONSOLE_PORT_ADDED | VOB_CONSOLE_PORT_HOST_OPEN |
				   VOB_CONSOLE_PORT_GUEST_OPEN;
	c->ev |= VOB_CONSOLE_EV_PORTS;
}

/* Control messages from the device, @n bytes (>= 8) copied out of its
 * buffer, for a port of ours that was added: each handler returns false
 * for a message it ignores (counted). */
static bool drv_ctl_remove(struct vob_console_drport *P, const uint8_t *m, uint32_t n)
{
	(void)m;
	(void)n;
	P->flags = 0;
	P->pend = 0;
	P->name[0] = '\0';
	P->sized = 0;
	return true;
}

static bool drv_ctl_console(struct vob_console_drport *P, const uint8_t *m, uint32_t n)
{
	(void)n;
	if (vob_get_le16(m + 6) != 1)
		return false;
	/* A console port is opened by the driver (virtio 1.x 5.3.6.2.2). */
	P->flags |= VOB_CONSOLE_PORT_CONSOLE | VOB_CONSOLE_PORT_GUEST_OPEN;
	P->pend |= RP_OPEN;
	return true;
}

static bool drv_ctl_resize(struct vob_console_drport *P, const uint8_t *m, uint32_t n)
{
	if (n < CTL_HDR + 4u)
		return false;
	P->cols = vob_get_le16(m + CTL_HDR);
	P->rows = vob_get_le16(m + CTL_HDR + 2);
	P->sized = 1;
	return true;
}

static bool drv_ctl_open(struct vob_console_drport *P, const uint8_t *m, uint32_t n)
{
	uint16_t value = vob_get_le16(m + 6);

	(void)n;
	if (value > 1)
		return false;
	if (value)
		P->flags |= VOB_CONSOLE_PORT_HOST_OPEN;
	else
		P->flags &= (uint8_t)~VOB_CONSOLE_PORT_HOST_OPEN;
	return true;
}

static bool drv_ctl_name(struct vob_console_drport *P, const uint8_t *m, uint32_t n)
{
	n -= CTL_HDR;
	if (n > VOB_CONSOLE_NAME_MAX - 1u)
		n = VOB_CONSOLE_NAME_MAX - 1u;
	vob_memcpy(P->name, m + CTL_HDR, n);
	P->name[n] = '\0';
	return true;
}

/* By event number; NULL for events the device does not send (a table, not
 * a switch: a jump table would need a libgcc helper on Cortex-M0). */
static bool (*const drv_ctl[8])(struct vob_console_drport *, const uint8_t *, uint32_t) = {
	NULL, NULL, drv_ctl_remove, NULL, drv_ctl_console, drv_ctl_resize, drv_ctl_open,
	drv_ctl_name,
};

static bool drv_ctrl_apply(struct vob_console_drv *c, const uint8_t *m, uint32_t n)
{
	uint32_t id = vob_get_le32(m);
	uint16_t event = vob_get_le16(m + 4);
	struct vob_console_drport *P;

	if (id >= c->nr_ports)
		return false; /* not a port of ours (or garbage) */
	P = &c->port[id];
	if (event == VOB_CONSOLE_DEVICE_ADD) {
		if ((P->flags & VOB_CONSOLE_PORT_ADDED) ||
		    !vob_dev_vq(&c->dev, (uint16_t)VOB_CONSOLE_RXQ(id)) ||
		    !vob_dev_vq(&c->dev, (uint16_t)VOB_CONSOLE_TXQ(id)))
			return false;
		P->flags = VOB_CONSOLE_PORT_ADDED;
		P->pend |= RP_READY;
		return true;
	}
	/* Every other message needs the port added. */
	if (!(P->flags & VOB_CONSOLE_PORT_ADDED) || event >= 8u || !drv_ctl[event])
		return false;
	return drv_ctl[event](P, m, n);
}

static void drv_ctrl_msg(struct vob_console_drv *c, const uint8_t *m, uint32_t n)
{
	if (drv_ctrl_apply(c, m, n))
		c->ev |= VOB_CONSOLE_EV_PORTS;
	else
		c->stats.bad_ctrl++;
}

/* Read the device's control messages (control receiveq). */
static int drv_ctrl_in(struct vob_console_drv *c)
{
	struct vob_vq *vq = CONS_MP(c) ? vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_RXQ) : NULL;
	unsigned budget = VOB_CONSOLE_QSIZE;
	bool rearmed = false, added = false;

	if (!vq)
		return 0;
	while (budget--) {
		uint8_t m[CTL_MAX];
		void *tok;
		uint32_t w, n;
		int r = vob_vq_get_used(vq, &tok, &w);

		if (r == VOB_EAGAIN && !rearmed) {
			rearmed = true;
			if (vob_vq_enable_notify(vq) == 1)
				r = vob_vq_get_used(vq, &tok, &w);
		}
		if (r == VOB_EAGAIN)
			break;
		if (r < 0)
			return drv_ring_fail(c);
		/* Copied once (at least a header: the buffer holds one), then
		 * checked, then parsed. The ring already refused a used length
		 * beyond the buffer. */
		n = w < CTL_MAX ? w : CTL_MAX;
		vob_memcpy(m, tok, n > CTL_HDR ? n : CTL_HDR);
		if (w < CTL_HDR || w > c->pool.buf_size)
			c->stats.bad_ctrl++;
		else
			drv_ctrl_msg(c, m, n);
		added |= drv_recycle(c, VOB_CONSOLE_CTRL_RXQ, &c->ctrl_owned, c->ctrl_target, tok);
		if (!c->live)
			return 0;
	}
	if (added)
		(void)vob_vq_kick(vq);
	return 0;
}

/* Send one control message; false when it must wait (no buffer or room). */
static bool drv_ctrl_send(struct vob_console_drv *c, struct vob_vq *vq, uint32_t id,
			  uint16_t event, uint16_t value)
{
	struct vob_seg s;
	uint8_t *buf = (uint8_t *)vob_pool_get(&c->pool, &s.addr);

	if (!buf)
		return false;
	cons_ctl_put(buf, id, event, value);
	s.len = CTL_HDR;
	if (vob_vq_add(vq, &s, 1, 0, buf)) {
		(void)vob_pool_put(&c->pool, buf);
		return false;
	}
	return true;
}

/* Send pending control messages (control transmitq). */
static int drv_ctrl_out(struct vob_console_drv *c)
{
	struct vob_vq *vq = CONS_MP(c) ? vob_dev_vq(&c->dev, VOB_CONSOLE_CTRL_TXQ) : NULL;
	bool sent = false;
	uint16_t p;

	if (!vq)
		return 0;
	if (drv_reclaim(c, VOB_CONSOLE_CTRL_TXQ))
		return VOB_EPROTO;
	if (c->pend_ready) {
		if (!drv_ctrl_send(c, vq, 0, VOB_CONSOLE_DEVICE_READY, 1))
			goto out;
		c->pend_ready = 0;
		sent = true;
	}
	for (p = 0; p < c->nr_ports; p++) {
		struct vob_console_drport *P = &c->port[p];

		if (P->pend & RP_READY) {
			if (!drv_ctrl_send(c, vq, p, VOB_CONSOLE_PORT_READY, 1))
				goto out;
			P->pend &= (uint8_t)~RP_READY;
			sent = true;
		}
		if (P->pend & RP_OPEN) {
			if (!drv_ctrl_send(c, vq, p, VOB_CONSOLE_PORT_OPEN,
					   (P->flags & VOB_CONSOLE_PORT_GUEST_OPEN) ? 1u : 0u))
				goto out;
			P->pend &= (uint8_t)~RP_OPEN;
			sent = true;
		}
	}
out:
	if (sent)
		(void)vob_vq_kick(vq);
	return 0;
}

static void drv_read_size(struct vob_console_drv *c)
{
	struct vob_console_config cfg;

	if (vob_dev_config_read(&c->dev, 0, &cfg, 4))
		return; /* changing or gone: try again at the next poll */
	c->size_pending = 0;
	c->port[0].cols = vob_le16(cfg.cols);
	c->port[0].rows = vob_le16(cfg.rows);
	c->port[0].sized = 1;
	c->ev |= VOB_CONSOLE_EV_PORTS;
}

int vob_console_drv_init(struct vob_console_drv *c, struct vob_table *t,
			 const struct vob_console_drv_cfg *cfg)
{
	struct vob_arena dm, rm;
	struct vob_dev_cfg dc;
	uint16_t q, nq, qsize;
	bool one;
	int err;

	if (!c || !t || !cfg)
		return VOB_EINVAL;
	if (!VOB_CFG_CONSOLE_MULTIPORT && cfg->multiport)
		return VOB_ENOTSUP;
	if (!cfg->nr_ports || cfg->nr_ports > VOB_CONSOLE_MAX_PORTS ||
	    (cfg->nr_ports > 1 && !cfg->multiport) || !cfg->buf_count ||
	    cfg->buf_count > VOB_CONSOLE_POOL_MAX || cfg->buf_size < 16u)
		return VOB_EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : (uint16_t)VOB_CONSOLE_QSIZE;
	if (qsize > VOB_CONSOLE_QSIZE || (qsize & (qsize - 1u)))
		return VOB_EINVAL;
	vob_memset(c, 0, sizeof(*c));
	c->nr_ports = cfg->nr_ports;
	c->want_mp = cfg->multiport ? 1 : 0;
	c->rx_bufs = cfg->rx_bufs ? cfg->rx_bufs : (uint16_t)(qsize >= 4u ? qsize >> 2 : 1u);
	if (c->rx_bufs > qsize)
		c->rx_bufs = qsize;
	/* Every receive queue (and the control one) filled, with a buffer
	 * left for writes and control messages. */
	if (cfg->buf_count <=
	    (uint32_t)c->rx_bufs * (cfg->nr_ports + (CONS_MP_WANTED(c) ? 1u : 0u)))
		return VOB_EINVAL;
	nq = cons_nqueues(cfg->nr_ports, CONS_MP_WANTED(c));
	dm = cfg->dev_mem;
	rm = cfg->drv_mem;
	/* The same arena twice: one window holds everything. */
	one = dm.addr == rm.addr && dm.len == rm.len;
	for (q = 0; q < nq; q++) {
		c->q[q].vq = &c->vq[q];
		c->q[q].state = c->state[q];
		c->q[q].state_len = sizeof(c->state[q]);
		err = vob_place_split(&dm, one ? &dm : &rm, qsize, vob_link_line(vob_table_link(t)), &c->q[q]);
		if (err)
			return err;
	}
	err = vob_pool_init(&c->pool, vob_table_link(t), cfg->pool_addr, cfg->buf_size, cfg->buf_count,
			    c->pool_state);
	if (err)
		return err;
	vob_memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DRIVER;
	dc.device_id = VOB_CONSOLE_DEVICE_ID;
	dc.slot = cfg->slot;
	dc.num_queues = nq;
	dc.queues = c->q;
	dc.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			 (cfg->ring_features & ~(uint64_t)0xffffffu &
			  ~(VOB_BIT(VOB_F_RING_PACKED) | VOB_BIT(VOB_F_INDIRECT_DESC))) |
			 VOB_BIT(VOB_CONSOLE_F_SIZE) |
			 (CONS_MP_WANTED(c) ? VOB_BIT(VOB_CONSOLE_F_MULTIPORT) : 0u);
	dc.on_lost = drv_on_lost;
	dc.arg = c;
	return vob_dev_init(&c->dev, t, &dc);
}

int vob_console_drv_poll(struct vob_console_drv *c)
{
	int ev = vob_dev_poll(&c->dev);
	uint16_t p;

	if (ev < 0)
		return ev;
	if (ev & VOB_DEV_EV_NEEDS_RESET)
		(void)vob_dev_reset(&c->dev); /* start over at once */
	if ((ev & (VOB_DEV_EV_RESET | VOB_DEV_EV_LIVE | VOB_DEV_EV_NEEDS_RESET)) ||
	    (c->live && vob_dev_state(&c->dev) != VOB_DEV_LIVE))
		drv_stop(c);
	if ((ev & VOB_DEV_EV_LIVE) && vob_dev_state(&c->dev) == VOB_DEV_LIVE)
		drv_start(c);
	if (c->live && c->size_pending)
		drv_read_size(c);
	if (c->live && (ev & VOB_DEV_EV_CONFIG) &&
	    (vob_dev_features(&c->dev, 0) & VOB_BIT(VOB_CONSOLE_F_SIZE)))
		drv_read_size(c);
	/* Receive buffers first (so that they never wait for the pool), then
	 * the control queues. Each step may find a broken ring and reset the
	 * device (live = 0). */
	for (p = 0; p < c->nr_ports && c->live; p++)
		if (!drv_reclaim(c, (uint16_t)VOB_CONSOLE_TXQ(p)))
			(void)drv_fill(c, (uint16_t)VOB_CONSOLE_RXQ(p), &c->port[p].owned,
				       &c->port[p].target);
	if (c->live && CONS_MP(c))
		(void)drv_fill(c, VOB_CONSOLE_CTRL_RXQ, &c->ctrl_owned, &c->ctrl_target);
	if (c->live)
		(void)drv_ctrl_in(c);
	if (c->live)
		(void)drv_ctrl_out(c);
	ev |= c->ev;
	c->ev = 0;
	return ev;
}

int vob_console_drv_write(struct vob_console_drv *c, uint16_t port, const void *data,
			  size_t len)
{
	const uint8_t *src = (const uint8_t *)data;
	uint16_t q = (uint16_t)VOB_CONSOLE_TXQ(port);
	bool rearmed = false, added = false;
	uint32_t done = 0;
	struct vob_vq *vq;
	int err = VOB_EAGAIN;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	len = cons_clamp(len);
	if (!len)
		return 0;
	vq = c->live ? vob_dev_vq(&c->dev, q) : NULL;
	if (!vq || !(c->port[port].flags & VOB_CONSOLE_PORT_ADDED))
		return VOB_EAGAIN;
	vob_vq_disable_notify(vq);
	if (drv_reclaim(c, q))
		return VOB_EPROTO;
	while (done < len) {
		struct vob_seg s;
		uint8_t *buf = NULL;
		int r = VOB_ENOSPC;

		/* Receive buffers never wait for these: the pool holds more
		 * than all receive queues take, and they are posted at
		 * DRIVER_OK, before anything is written. */
		buf = (uint8_t *)vob_pool_get(&c->pool, &s.addr);
		if (buf) {
			s.len = cons_min(len - done, c->pool.buf_size);
			vob_memcpy(buf, src + done, s.len);
			r = vob_vq_add(vq, &s, 1, 0, buf);
			if (!r) {
				done += s.len;
				added = true;
				continue;
			}
			(void)vob_pool_put(&c->pool, buf);
			if (r != VOB_ENOSPC) {
				err = drv_ring_fail(c);
				added = false;
				break;
			}
		}
		/* Backpressure: ask to hear of finished buffers; look once
		 * more in case some finished already. */
		if (rearmed || vob_vq_enable_notify(vq) != 1)
			break;
		rearmed = true;
		if (drv_reclaim(c, q)) {
			err = VOB_EPROTO;
			added = false;
			break;
		}
	}
	if (added)
		(void)vob_vq_kick(vq);
	c->stats.tx_bytes += done;
	return cons_ret(done, err);
}

int vob_console_drv_read(struct vob_console_drv *c, uint16_t port, void *buf, size_t len)
{
	uint8_t *dst = (uint8_t *)buf;
	uint16_t q = (uint16_t)VOB_CONSOLE_RXQ(port);
	struct vob_console_drport *P;
	unsigned empty_budget = VOB_CONSOLE_QSIZE;
	bool rearmed = false, added = false;
	uint32_t done = 0;
	struct vob_vq *vq;
	int err = VOB_EAGAIN;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	len = cons_clamp(len);
	if (!len)
		return 0;
	P = &c->port[port];
	vq = c->live ? vob_dev_vq(&c->dev, q) : NULL;
	if (vq)
		vob_vq_disable_notify(vq);
	while (done < len) {
		void *tok;
		uint32_t w;
		int r;

		if (P->cur) {
			uint32_t n = cons_min(len - done, P->cur_len - P->cur_off);

			vob_memcpy(dst + done, P->cur + P->cur_off, n);
			done += n;
			P->cur_off += n;
			if (P->cur_off >= P->cur_len) {
				added |= drv_recycle(c, q, &P->owned, P->target, P->cur);
				P->cur = NULL;
			}
			continue;
		}
		if (!vq)
			break;
		r = vob_vq_get_used(vq, &tok, &w);
		if (r == VOB_EAGAIN && !rearmed) {
			rearmed = true;
			if (vob_vq_enable_notify(vq) == 1)
				r = vob_vq_get_used(vq, &tok, &w);
		}
		if (r == VOB_EAGAIN)
			break;
		if (r < 0) {
			err = drv_ring_fail(c);
			added = false;
			vq = NULL;
			continue; /* a buffer read in part stays readable */
		}
		if (!w || w > c->pool.buf_size) {
			/* Nothing in it (the ring already refused lengths past
			 * the buffer): post it again. */
			added |= drv_recycle(c, q, &P->owned, P->target, tok);
			if (!--empty_budget)
				break;
			continue;
		}
		P->cur = (uint8_t *)tok;
		P->cur_len = w;
		P->cur_off = 0;
	}
	if (added && vq)
		(void)vob_vq_kick(vq);
	c->stats.rx_bytes += done;
	return cons_ret(done, err);
}

int vob_console_drv_port_open(struct vob_console_drv *c, uint16_t port, bool open)
{
	struct vob_console_drport *P;

	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	P = &c->port[port];
	if (!(P->flags & VOB_CONSOLE_PORT_ADDED))
		return VOB_EAGAIN;
	if (!CONS_MP(c))
		return 0;
	if (open)
		P->flags |= VOB_CONSOLE_PORT_GUEST_OPEN;
	else
		P->flags &= (uint8_t)~VOB_CONSOLE_PORT_GUEST_OPEN;
	P->pend |= RP_OPEN;
	(void)drv_ctrl_out(c);
	return 0;
}

int vob_console_drv_port_status(const struct vob_console_drv *c, uint16_t port)
{
	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	return c->port[port].flags;
}

const char *vob_console_drv_port_name(const struct vob_console_drv *c, uint16_t port)
{
	return cons_port_bad(port, c->nr_ports) ? NULL : c->port[port].name;
}

int vob_console_drv_size(const struct vob_console_drv *c, uint16_t port, uint16_t *cols,
			 uint16_t *rows)
{
	if (cons_port_bad(port, c->nr_ports))
		return VOB_EINVAL;
	if (!c->port[port].sized)
		return VOB_ENODATA;
	*cols = c->port[port].cols;
	*rows = c->port[port].rows;
	return 0;
}

int vob_console_drv_reset(struct vob_console_drv *c)
{
	(void)vob_dev_reset(&c->dev);
	drv_stop(c);
	return 0;
}

const struct vob_console_stats *vob_console_drv_stats(const struct vob_console_drv *c)
{
	return &c->stats;
}

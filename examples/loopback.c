/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loopback: a virtio driver and a virtio device in one process, joined by
 * vob over one block of shared memory.
 *
 * The block stands for the window two processors would share. Each side has
 * its own link and its own tiny port (map_window over the block, a doorbell
 * that calls vob_on_irq_isr() on the other side's link), and one split
 * virtqueue (split, or packed with --packed) in its role. The driver sends N messages; the device echoes each
 * one into the writable buffer of the same chain; the driver checks every
 * byte it gets back. One thread plays both sides in turn, and each side only
 * looks at its queue when it has been notified (or in --poll mode), so a
 * lost notification stops the run with an error instead of going unseen.
 *
 * Only the public API in include/vob/ is used.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ex_num.h"
#include "vob/vob.h"

#define LB_LINE 64u                    /* cache-line size of both links */
#define LB_BASE 0x80000000ull          /* link address of the shared block */
#define LB_KICK_ID 0u                  /* doorbell the driver rings on the device */
#define LB_IRQ_ID 1u                   /* doorbell the device rings on the driver */
#define LB_IND_MAX 2u                  /* entries per indirect table */
#define LB_SEG_MAX 4u                  /* device: descriptors accepted per chain */
#define LB_MAX_SIZE (16u * 1024u * 1024u) /* largest --size */

/* ---- the port: one instance per side ---------------------------------- */

struct lb_port {
	uint8_t *mem;          /* the shared block */
	size_t len;            /* its length */
	struct vob_link *peer; /* where this side's doorbells land */
	uint64_t doorbells;    /* doorbells rung by this side */
};

static void *lb_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	struct lb_port *p = ctx;

	(void)access; /* the block is readable and writable on both sides */
	if (link_addr < LB_BASE || link_addr - LB_BASE > p->len ||
	    len > p->len - (size_t)(link_addr - LB_BASE))
		return NULL;
	return p->mem + (size_t)(link_addr - LB_BASE);
}

static int lb_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	struct lb_port *p = ctx;

	(void)data;
	p->doorbells++;
	/* A real port writes a doorbell register and the peer's interrupt
	 * handler calls this; here the "interrupt" is immediate. */
	vob_on_irq_isr(p->peer, id);
	return 0;
}

static uint64_t lb_clock_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct vob_port_ops lb_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = lb_map_window,
	.ring_doorbell = lb_ring_doorbell,
	.clock_ns = lb_clock_ns,
};

/* ---- options ----------------------------------------------------------- */

struct lb_opts {
	uint64_t count;
	uint32_t size;
	uint32_t queue;
	uint32_t batch;
	int poll;
	uint64_t want; /* features the driver accepts */
};

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"A vob driver and device in one process over one shared block: the driver\n"
		"sends messages, the device echoes each into the chain's writable buffer,\n"
		"the driver checks every byte. Prints the negotiated features, messages/s,\n"
		"MB/s and doorbells per message.\n"
		"\n"
		"  --count N       messages to send (default 1000000)\n"
		"  --size BYTES    payload bytes per message, 1 to %u (default 64)\n"
		"  --queue N       queue size, 1 to %u, a power of two for split (default 256)\n"
		"  --batch N       most messages the driver adds per kick (default: queue size)\n"
		"  --poll          never ask for notifications: both sides poll\n"
		"  --packed        driver accepts VIRTIO_F_RING_PACKED (the packed ring)\n"
		"  --no-event-idx  driver refuses VIRTIO_F_EVENT_IDX (flag-based suppression)\n"
		"  --no-indirect   driver refuses VIRTIO_F_INDIRECT_DESC (chained descriptors)\n"
		"  --no-in-order   driver refuses VIRTIO_F_IN_ORDER\n"
		"  --help          this text\n",
		argv0, LB_MAX_SIZE, VOB_VQ_MAX_SIZE);
}

static int parse_opts(int argc, char **argv, struct lb_opts *o)
{
	uint64_t v;
	int i;

	o->count = 1000000;
	o->size = 64;
	o->queue = 256;
	o->batch = 0;
	o->poll = 0;
	o->want = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
		  VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_IN_ORDER);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, argv[0]);
			exit(0);
		} else if (!strcmp(a, "--count")) {
			if (ex_parse_u64(val, 1, UINT64_MAX / 2, &o->count))
				goto bad_value;
			i++;
		} else if (!strcmp(a, "--size")) {
			if (ex_parse_u64(val, 1, LB_MAX_SIZE, &v))
				goto bad_value;
			o->size = (uint32_t)v;
			i++;
		} else if (!strcmp(a, "--queue")) {
			if (ex_parse_u64(val, 1, VOB_VQ_MAX_SIZE, &v))
				goto bad_value;
			o->queue = (uint32_t)v;
			i++;
		} else if (!strcmp(a, "--batch")) {
			if (ex_parse_u64(val, 1, VOB_VQ_MAX_SIZE, &v))
				goto bad_value;
			o->batch = (uint32_t)v;
			i++;
		} else if (!strcmp(a, "--poll")) {
			o->poll = 1;
		} else if (!strcmp(a, "--packed")) {
			o->want |= VOB_BIT(VOB_F_RING_PACKED);
		} else if (!strcmp(a, "--no-event-idx")) {
			o->want &= ~VOB_BIT(VOB_F_EVENT_IDX);
		} else if (!strcmp(a, "--no-indirect")) {
			o->want &= ~VOB_BIT(VOB_F_INDIRECT_DESC);
		} else if (!strcmp(a, "--no-in-order")) {
			o->want &= ~VOB_BIT(VOB_F_IN_ORDER);
		} else {
			fprintf(stderr, "%s: unknown option '%s' (try --help)\n", argv[0], a);
			return -1;
		}
		continue;
bad_value:
		fprintf(stderr, "%s: bad or missing value for %s (try --help)\n", argv[0], a);
		return -1;
	}
	if (!(o->want & VOB_BIT(VOB_F_RING_PACKED)) && (o->queue & (o->queue - 1u))) {
		fprintf(stderr, "%s: a split queue's size must be a power of two\n", argv[0]);
		return -1;
	}
	if (!o->batch || o->batch > o->queue)
		o->batch = o->queue;
	return 0;
}

/* ---- payload pattern: every 8 bytes depend on the message number ---------- */

static uint64_t pattern_seed(uint64_t seq)
{
	uint64_t x = (seq + 1u) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 31) ^ 0x5851f42d4c957f2dull;
}

static uint64_t pattern_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void pattern_fill(uint8_t *p, uint32_t n, uint64_t seq)
{
	uint64_t x = pattern_seed(seq), w;
	uint32_t i;

	for (i = 0; i + 8u <= n; i += 8u) {
		w = pattern_next(&x);
		memcpy(p + i, &w, 8);
	}
	if (i < n) {
		w = pattern_next(&x);
		memcpy(p + i, &w, n - i);
	}
}

/* Returns the offset of the first wrong byte, or n when all are right. */
static uint32_t pattern_check(const uint8_t *p, uint32_t n, uint64_t seq)
{
	uint64_t x = pattern_seed(seq), w;
	uint32_t i, j;

	for (i = 0; i < n; i += 8u) {
		uint32_t k = n - i < 8u ? n - i : 8u;

		w = pattern_next(&x);
		if (memcmp(p + i, &w, k))
			for (j = 0; j < k; j++)
				if (p[i + j] != ((const uint8_t *)&w)[j])
					return i + j;
	}
	return n;
}

/* ---- the run ----------------------------------------------------------- */

struct lb_msg {
	uint64_t seq;  /* message number */
	uint32_t slot; /* buffer slot */
};

struct lb {
	struct lb_opts o;
	uint64_t features;
	uint8_t *mem;
	size_t len, ring_off, ring_bytes, ind_off, buf_off, slot_bytes, buf_stride;
	struct lb_port pdrv, pdev;
	struct vob_link ldrv, ldev;
	struct vob_vq drv, dev;
	void *sdrv, *sdev;
	struct lb_msg *msg;
	uint32_t *free_slots, nfree;
	uint8_t *scratch;
	struct vob_iov iov[LB_SEG_MAX];
	uint64_t sent, served, done;
	uint64_t drv_wakeups, dev_wakeups;
};

static const struct {
	unsigned bit;
	const char *name;
} feature_names[] = {
	{ VOB_F_INDIRECT_DESC, "INDIRECT_DESC" },   { VOB_F_EVENT_IDX, "EVENT_IDX" },
	{ VOB_F_VERSION_1, "VERSION_1" },           { VOB_F_ACCESS_PLATFORM, "ACCESS_PLATFORM" },
	{ VOB_F_RING_PACKED, "RING_PACKED" },       { VOB_F_IN_ORDER, "IN_ORDER" },
	{ VOB_F_ORDER_PLATFORM, "ORDER_PLATFORM" }, { VOB_F_NOTIFICATION_DATA, "NOTIFICATION_DATA" },
};

static void print_features(const char *label, uint64_t f)
{
	size_t i;

	printf("  %-11s", label);
	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (f & VOB_BIT(feature_names[i].bit))
			printf(" %s", feature_names[i].name);
	printf("\n");
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "loopback: %s: %s (%d)\n", what, vob_strerror(err), err);
	return -1;
}

static int fail_vq(const char *what, const struct vob_vq *vq, int err)
{
	fprintf(stderr, "loopback: %s: %s (%d), queue fault %d\n", what, vob_strerror(err), err,
		vob_vq_fault(vq));
	return -1;
}

static uint64_t slot_out_addr(const struct lb *l, uint32_t slot)
{
	return LB_BASE + l->buf_off + (size_t)slot * l->slot_bytes;
}

static uint64_t slot_in_addr(const struct lb *l, uint32_t slot)
{
	return slot_out_addr(l, slot) + l->buf_stride;
}

static uint8_t *slot_ptr(const struct lb *l, uint64_t addr)
{
	return l->mem + (size_t)(addr - LB_BASE);
}

static int lb_setup(struct lb *l)
{
	/* The device offers what the engine handles; the driver takes what it
	 * wants of that. (The device table will carry this exchange between
	 * two real sides; here both live in one program.) */
	const uint64_t offer = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			       VOB_BIT(VOB_F_INDIRECT_DESC) | VOB_BIT(VOB_F_IN_ORDER) |
			       VOB_BIT(VOB_F_RING_PACKED);
	int packed;
	size_t ring_bytes, drv_off, dev_off;
	uint32_t q = l->o.queue, i;
	struct vob_window_cfg w;
	struct vob_vq_cfg c;
	int err;

	l->features = offer & l->o.want;
	print_features("offered:", offer);
	print_features("negotiated:", l->features);
	packed = (l->features & VOB_BIT(VOB_F_RING_PACKED)) != 0;
	ring_bytes = packed ? VOB_PACKED_RING_BYTES(q, LB_LINE) : VOB_SPLIT_RING_BYTES(q, LB_LINE);
	drv_off = packed ? VOB_PACKED_DRIVER_OFF(q, LB_LINE) : VOB_SPLIT_AVAIL_OFF(q, LB_LINE);
	dev_off = packed ? VOB_PACKED_DEVICE_OFF(q, LB_LINE) : VOB_SPLIT_USED_OFF(q, LB_LINE);
	if (!(l->features & VOB_BIT(VOB_F_INDIRECT_DESC)) && q < 2u) {
		fprintf(stderr, "loopback: a 2-segment chain needs --queue 2 or more without "
				"indirect descriptors\n");
		return -1;
	}

	/* Layout of the block: the ring (descriptors, driver area, device area,
	 * each on its own lines), the driver's indirect tables, then one slot
	 * per queue entry: an out buffer the device reads and an in buffer
	 * the device writes, each on its own lines. */
	l->ring_off = 0;
	l->ring_bytes = ring_bytes;
	l->ind_off = VOB_ALIGN_UP(ring_bytes, LB_LINE);
	l->buf_off = VOB_ALIGN_UP(l->ind_off + (size_t)q * LB_IND_MAX * 16u, LB_LINE);
	l->buf_stride = VOB_ALIGN_UP((size_t)l->o.size, LB_LINE);
	l->slot_bytes = 2u * l->buf_stride;
	l->len = l->buf_off + (size_t)q * l->slot_bytes;
	if (posix_memalign((void **)&l->mem, 4096, l->len) ||
	    posix_memalign(&l->sdrv, 64, VOB_VQ_STATE_SIZE(q, LB_IND_MAX)) ||
	    posix_memalign(&l->sdev, 64, VOB_VQ_STATE_SIZE(q, 0))) {
		fprintf(stderr, "loopback: out of memory\n");
		return -1;
	}
	l->msg = calloc(q, sizeof(*l->msg));
	l->free_slots = calloc(q, sizeof(*l->free_slots));
	l->scratch = malloc(l->o.size);
	if (!l->msg || !l->free_slots || !l->scratch) {
		fprintf(stderr, "loopback: out of memory\n");
		return -1;
	}
	memset(l->mem, 0, l->len);
	for (i = 0; i < q; i++)
		l->free_slots[i] = q - 1u - i;
	l->nfree = q;

	/* Two links, each with its own port instance; the block is one window
	 * at the same link address on both sides. */
	l->pdrv.mem = l->pdev.mem = l->mem;
	l->pdrv.len = l->pdev.len = l->len;
	l->pdrv.peer = &l->ldev;
	l->pdev.peer = &l->ldrv;
	err = vob_link_init(&l->ldrv, &lb_ops, &l->pdrv, LB_LINE);
	if (err)
		return fail("driver link", err);
	err = vob_link_init(&l->ldev, &lb_ops, &l->pdev, LB_LINE);
	if (err)
		return fail("device link", err);
	memset(&w, 0, sizeof(w));
	w.link_addr = LB_BASE;
	w.size = l->len;
	w.kind = VOB_MEM_COHERENT;
	w.access = VOB_MAP_READ | VOB_MAP_WRITE;
	w.owner = VOB_WIN_LOCAL; /* the driver side "owns" the block */
	err = vob_link_add_window(&l->ldrv, &w);
	if (err < 0)
		return fail("driver window", err);
	w.owner = VOB_WIN_PEER;
	err = vob_link_add_window(&l->ldev, &w);
	if (err < 0)
		return fail("device window", err);

	/* One split queue, index 0, in each role. */
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.index = 0;
	c.size = (uint16_t)q;
	c.doorbell = LB_KICK_ID;
	c.features = l->features;
	c.desc_addr = LB_BASE + l->ring_off;
	c.driver_addr = LB_BASE + l->ring_off + drv_off;
	c.device_addr = LB_BASE + l->ring_off + dev_off;
	if (l->features & VOB_BIT(VOB_F_INDIRECT_DESC)) {
		c.indirect_addr = LB_BASE + l->ind_off;
		c.indirect_max = LB_IND_MAX;
	}
	err = vob_vq_init(&l->drv, &l->ldrv, &c, l->sdrv, VOB_VQ_STATE_SIZE(q, LB_IND_MAX));
	if (err)
		return fail("driver queue", err);
	c.role = VOB_ROLE_DEVICE;
	c.doorbell = LB_IRQ_ID;
	c.indirect_addr = 0;
	c.indirect_max = 0;
	c.seg_max = LB_SEG_MAX;
	err = vob_vq_init(&l->dev, &l->ldev, &c, l->sdev, VOB_VQ_STATE_SIZE(q, 0));
	if (err)
		return fail("device queue", err);

	/* Both sides start asleep, asking to be notified. */
	if (!l->o.poll) {
		if (vob_vq_enable_notify(&l->dev) < 0 || vob_vq_enable_notify(&l->drv) < 0)
			return fail("enable notifications", VOB_EIO);
	} else {
		vob_vq_disable_notify(&l->dev);
		vob_vq_disable_notify(&l->drv);
	}
	return 0;
}

/* Driver: fill and add up to one batch of messages, then kick if the device
 * wants it. Returns messages added, or -1. */
static int64_t driver_send(struct lb *l)
{
	uint32_t n = 0;
	int err;

	while (l->sent < l->o.count && n < l->o.batch && l->nfree) {
		uint32_t slot = l->free_slots[l->nfree - 1u];
		struct vob_seg seg[2];

		seg[0].addr = slot_out_addr(l, slot);
		seg[0].len = l->o.size;
		seg[1].addr = slot_in_addr(l, slot);
		seg[1].len = l->o.size;
		pattern_fill(slot_ptr(l, seg[0].addr), l->o.size, l->sent);
		l->msg[slot].seq = l->sent;
		l->msg[slot].slot = slot;
		err = vob_vq_add(&l->drv, seg, 1, 1, &l->msg[slot]);
		if (err == VOB_ENOSPC)
			break; /* ring full: wait for used buffers */
		if (err)
			return fail_vq("vob_vq_add", &l->drv, err);
		l->nfree--;
		l->sent++;
		n++;
	}
	if (n) {
		err = vob_vq_kick(&l->drv);
		if (err < 0)
			return fail_vq("driver kick", &l->drv, err);
	}
	return n;
}

/* Device: when kicked (or polling), echo every available chain and
 * interrupt the driver if it wants it. Returns chains served, or -1. */
static int64_t device_serve(struct lb *l)
{
	int64_t n = 0;
	int err;

	if (!l->o.poll && !vob_link_irq_take(&l->ldev, LB_KICK_ID))
		return 0;
	l->dev_wakeups++;
	for (;;) {
		struct vob_chain ch;
		int got;

		memset(&ch, 0, sizeof(ch));
		ch.iov = l->iov;
		ch.cap = LB_SEG_MAX;
		err = vob_vq_pop(&l->dev, &ch);
		if (err == VOB_EAGAIN) {
			err = vob_vq_kick(&l->dev);
			if (err < 0)
				return fail_vq("device kick", &l->dev, err);
			if (l->o.poll)
				return n;
			/* Ask for a kick before going to sleep; if the driver
			 * added something meanwhile, serve it first. */
			err = vob_vq_enable_notify(&l->dev);
			if (err < 0)
				return fail_vq("device enable_notify", &l->dev, err);
			if (err == 0)
				return n;
			vob_vq_disable_notify(&l->dev);
			continue;
		}
		if (err)
			return fail_vq("vob_vq_pop", &l->dev, err);
		if (ch.out_len != l->o.size || ch.in_len < ch.out_len) {
			fprintf(stderr, "loopback: device got a chain of %" PRIu32 " readable, %" PRIu32
					" writable bytes\n", ch.out_len, ch.in_len);
			return -1;
		}
		/* Copy in and out through the chain helpers: they do the cache
		 * maintenance a non-coherent window would need. */
		got = vob_chain_pull(&l->ldev, &ch, 0, l->scratch, ch.out_len, NULL);
		if (got != (int)ch.out_len)
			return fail("vob_chain_pull", got < 0 ? got : VOB_EMSGSIZE);
		got = vob_chain_push(&l->ldev, &ch, 0, l->scratch, ch.out_len, NULL);
		if (got != (int)ch.out_len)
			return fail("vob_chain_push", got < 0 ? got : VOB_EMSGSIZE);
		err = vob_vq_push(&l->dev, &ch, ch.out_len);
		if (err)
			return fail_vq("vob_vq_push", &l->dev, err);
		l->served++;
		n++;
	}
}

/* Driver: when interrupted (or polling), collect and check every used
 * chain. Returns chains collected, or -1. */
static int64_t driver_collect(struct lb *l)
{
	const int in_order = (l->features & VOB_BIT(VOB_F_IN_ORDER)) != 0;
	int64_t n = 0;
	int err;

	if (!l->o.poll && !vob_link_irq_take(&l->ldrv, LB_IRQ_ID))
		return 0;
	l->drv_wakeups++;
	for (;;) {
		void *token;
		uint32_t written, bad;
		struct lb_msg *m;

		err = vob_vq_get_used(&l->drv, &token, &written);
		if (err == VOB_EAGAIN) {
			if (l->o.poll)
				return n;
			err = vob_vq_enable_notify(&l->drv);
			if (err < 0)
				return fail_vq("driver enable_notify", &l->drv, err);
			if (err == 0)
				return n;
			vob_vq_disable_notify(&l->drv);
			continue;
		}
		if (err)
			return fail_vq("vob_vq_get_used", &l->drv, err);
		m = token;
		if (m < l->msg || m >= l->msg + l->o.queue) {
			fprintf(stderr, "loopback: a token that was never given\n");
			return -1;
		}
		/* Under IN_ORDER a batch reported in one used entry gives the
		 * others their whole writable length: the size too. */
		if (written != l->o.size) {
			fprintf(stderr, "loopback: message %" PRIu64 ": written %" PRIu32
					", expected %" PRIu32 "\n", m->seq, written, l->o.size);
			return -1;
		}
		if (in_order && m->seq != l->done) {
			fprintf(stderr, "loopback: IN_ORDER broken: got message %" PRIu64
					", expected %" PRIu64 "\n", m->seq, l->done);
			return -1;
		}
		bad = pattern_check(slot_ptr(l, slot_in_addr(l, m->slot)), l->o.size, m->seq);
		if (bad != l->o.size) {
			fprintf(stderr, "loopback: message %" PRIu64 ": echoed byte %" PRIu32
					" is wrong\n", m->seq, bad);
			return -1;
		}
		l->free_slots[l->nfree++] = m->slot;
		l->done++;
		n++;
	}
}

static void lb_free(struct lb *l)
{
	free(l->mem);
	free(l->sdrv);
	free(l->sdev);
	free(l->msg);
	free(l->free_slots);
	free(l->scratch);
}

int main(int argc, char **argv)
{
	static struct lb l;
	uint64_t t0, t1;
	double secs;
	const struct vob_vq_stats *sd, *sv;
	int rc = 1;

	if (parse_opts(argc, argv, &l.o))
		return 2;
	printf("vob %d.%d.%d loopback: driver and device in one process, one shared block\n",
	       VOB_VERSION_MAJOR, VOB_VERSION_MINOR, VOB_VERSION_PATCH);
	if (lb_setup(&l))
		goto out;
	printf("  queue:      %s, %" PRIu32 " entries, batch %" PRIu32 ", %s\n",
	       (l.features & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split", l.o.queue, l.o.batch,
	       l.o.poll ? "polling" : "notifications on");
	printf("  shared:     %zu bytes (ring %zu, buffers %" PRIu32 " x 2 x %" PRIu32 ")\n", l.len,
	       l.ring_bytes, l.o.queue, l.o.size);
	fflush(stdout);

	t0 = lb_clock_ns(NULL);
	while (l.done < l.o.count) {
		int64_t a = driver_send(&l), b, c;

		if (a < 0)
			goto out;
		b = device_serve(&l);
		if (b < 0)
			goto out;
		c = driver_collect(&l);
		if (c < 0)
			goto out;
		if (!a && !b && !c) {
			fprintf(stderr, "loopback: stalled after %" PRIu64 " messages: a "
					"notification was lost\n", l.done);
			goto out;
		}
	}
	t1 = lb_clock_ns(NULL);
	secs = (double)(t1 - t0) / 1e9;
	if (secs <= 0)
		secs = 1e-9;

	sd = vob_vq_stats(&l.drv);
	sv = vob_vq_stats(&l.dev);
	if (sd->added != l.o.count || sd->used != l.o.count || sv->added != l.o.count ||
	    sv->used != l.o.count || l.served != l.o.count) {
		fprintf(stderr, "loopback: counters disagree: driver added %" PRIu64 " used %" PRIu64
				", device popped %" PRIu64 " pushed %" PRIu64 "\n",
			sd->added, sd->used, sv->added, sv->used);
		goto out;
	}
	printf("  messages:   %" PRIu64 " x %" PRIu32 " bytes sent, echoed and checked byte by "
	       "byte\n", l.done, l.o.size);
	printf("  time:       %.3f s, %.0f messages/s, %.1f MB/s each way\n", secs,
	       (double)l.done / secs, (double)l.done * l.o.size / secs / 1e6);
	printf("  doorbells:  driver->device %" PRIu64 " (%.3g per message, %" PRIu64
	       " suppressed), device->driver %" PRIu64 " (%.3g per message, %" PRIu64
	       " suppressed)\n",
	       l.pdrv.doorbells, (double)l.pdrv.doorbells / (double)l.done, sd->notify_suppressed,
	       l.pdev.doorbells, (double)l.pdev.doorbells / (double)l.done, sv->notify_suppressed);
	printf("  wake-ups:   device %" PRIu64 ", driver %" PRIu64 "\n", l.dev_wakeups,
	       l.drv_wakeups);
	rc = 0;
out:
	lb_free(&l);
	/* The verdict last, after the cleanup, from the exit status itself:
	 * the tests look for this line. */
	printf("loopback: %s (exit %d)\n", rc ? "FAILED" : "OK", rc);
	return rc;
}

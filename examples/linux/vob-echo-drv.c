/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-echo-drv: the driver half of the echo pair. It finds the echo device
 * in the device table of a shared window, negotiates, and sends numbered
 * messages; every echo is checked byte by byte and timed. When the device
 * restarts (or resets), every message in flight comes back through on_lost:
 * the driver reports them as lost and carries on with new messages. When the
 * device finds the ring broken and asks for a reset (NEEDS_RESET), the driver
 * resets it, which hands the messages in flight back the same way. When the
 * device breaks the used ring (a used entry with a bad id or length), the
 * driver finds its queue broken, resets the device and carries on too.
 *
 * A device killed with -9 leaves its epoch in the table: nothing tells the
 * driver it is gone, and the driver waits for it (a restarted device is found
 * again). After STALL_NS without an echo, with messages in flight, it says so
 * once; the summary counts the messages still in flight at exit, unanswered.
 *
 * A test option, --break-ring-at N, makes this driver hostile once: after N
 * checked echoes it hands the device a chain whose buffer lies outside every
 * window, which the device must refuse by asking for a reset.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"

#define MAX_SIZE (64u * 1024u)
#define RTT_KEEP (1u << 20) /* round trips kept for the percentiles */
/* No echo for this long with messages in flight: say the device may be
 * stuck or gone (a device killed with -9 is not seen leaving). */
#define STALL_NS (5u * 1000000000ull)

struct msg {
	uint64_t seq;
	uint64_t t_sent;
	uint8_t *buf;     /* out half, then in half */
	uint64_t addr;
};

struct echo_drv {
	struct ex e;
	struct vob_vq vq;
	struct vob_dev_queue dq;
	struct vob_pool pool;
	uint16_t *pool_state;
	void *state;
	struct msg *msg;
	uint32_t half;     /* bytes from out half to in half */
	uint32_t size;
	uint64_t count, seq_base, next;
	uint64_t acked, lost, inflight, bad;
	uint64_t break_at;  /* --break-ring-at: break the ring after this many echoes (0: never) */
	int broken;        /* the ring was broken on purpose (once) */
	uint64_t resets_asked; /* the device asked for a reset (NEEDS_RESET) */
	uint64_t used_broken;  /* the device broke the ring; we reset it */
	uint64_t lost_lo, lost_hi, lost_batch;
	uint64_t rtt_sum, rtt_max;
	uint32_t *rtt;     /* the first rtt_cap round trips, ns (for percentiles) */
	uint32_t rtt_n, rtt_cap;
	uint32_t max_inflight;
	unsigned qsize;    /* queue entries negotiated last (0: never live) */
	uint64_t spin_ns;  /* --spin-us: poll this long after the last work */
	const char *log_path; /* --log */
	int log_fd;
	char logbuf[8192];
	size_t loglen;
};

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"The driver half of the vob echo pair: finds the echo device that\n"
		"vob-echo-dev publishes in a shared window, sends numbered messages, checks\n"
		"every echoed byte and times the round trips. Prints what was negotiated,\n"
		"progress, and a summary. If the device restarts, the messages in flight are\n"
		"reported lost and the run carries on. If no echo comes back for 5 s, it says\n"
		"so once (a device killed with -9 is not seen leaving) and waits for a device;\n"
		"the summary counts what was still in flight, unanswered, at exit.\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --count N            messages to get echoed (default 100000; 0: until killed)\n"
		"  --size N             payload bytes per message, 8 to %u (default 64)\n"
		"  --inflight N         most messages in flight (default: the queue size)\n"
		"  --spin-us N          keep polling N us after the last echo before waiting\n"
		"                       for a doorbell (default 0)\n"
		"  --packed             ask for the packed ring (the device decides)\n"
		"  --log FILE           append 'A <seq>' per checked echo, 'L <seq>' per lost message\n"
		"                       (seq: 16 hex digits, so that a line cut short is seen)\n"
		"\n"
		"Test options:\n"
		"  --break-ring-at N    once N echoes are checked, play a broken or hostile driver\n"
		"                       once: give the device a message whose buffer lies outside\n"
		"                       every window. The device must ask for a reset; the driver\n"
		"                       resets it, reports the messages in flight lost and carries on\n",
		MAX_SIZE);
}

static void log_flush(struct echo_drv *d)
{
	if (d->log_fd >= 0 && d->loglen && write(d->log_fd, d->logbuf, d->loglen) < 0)
		fprintf(stderr, "%s: log write: %s\n", d->e.o->prog, strerror(errno));
	d->loglen = 0;
}

static void log_line(struct echo_drv *d, char kind, uint64_t seq)
{
	if (d->log_fd < 0)
		return;
	if (d->loglen + 32 > sizeof(d->logbuf))
		log_flush(d);
	d->loglen += (size_t)snprintf(d->logbuf + d->loglen, sizeof(d->logbuf) - d->loglen,
				      "%c %016" PRIx64 "\n", kind, seq);
}

/* The table hands back every message in flight when the device goes away
 * or resets: nothing is lost silently. */
static void on_lost(void *arg, uint16_t q, void *token)
{
	struct echo_drv *d = arg;
	struct msg *m = token;

	(void)q;
	if (!d->lost_batch || m->seq < d->lost_lo)
		d->lost_lo = m->seq;
	if (!d->lost_batch || m->seq > d->lost_hi)
		d->lost_hi = m->seq;
	d->lost_batch++;
	d->lost++;
	d->inflight--;
	log_line(d, 'L', m->seq);
	vob_pool_put(&d->pool, m->buf);
}

static struct msg *msg_of(struct echo_drv *d, void *buf)
{
	return &d->msg[(vob_pool_addr(&d->pool, buf) - d->pool.addr) / d->pool.buf_size];
}

/* Collect and check every echo. Returns how many, or -1 on a bad echo. */
static int drv_collect(struct echo_drv *d, struct vob_vq *vq)
{
	void *token;
	uint32_t written;
	int n = 0, err;

	while ((err = vob_vq_get_used(vq, &token, &written)) == 0) {
		struct msg *m = token;
		uint32_t bad;
		uint64_t rtt = ex_now() - m->t_sent;

		/* Under IN_ORDER a batch reported in one used entry gives the
		 * others their whole writable length: the size too. */
		if (written != d->size) {
			fprintf(stderr, "%s: message %" PRIu64 ": device wrote %" PRIu32 " bytes, "
				"expected %" PRIu32 "\n", d->e.o->prog, m->seq, written, d->size);
			return -1;
		}
		bad = ex_check(m->buf + d->half, d->size, m->seq);
		if (bad != d->size) {
			fprintf(stderr, "%s: message %" PRIu64 ": echoed byte %" PRIu32 " is wrong\n",
				d->e.o->prog, m->seq, bad);
			return -1;
		}
		log_line(d, 'A', m->seq);
		d->rtt_sum += rtt;
		if (rtt > d->rtt_max)
			d->rtt_max = rtt;
		if (d->rtt_n < d->rtt_cap)
			d->rtt[d->rtt_n++] = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
		d->acked++;
		d->inflight--;
		vob_pool_put(&d->pool, m->buf);
		n++;
	}
	if (err != VOB_EAGAIN) {
		/* A bad used entry (length, id, order, index): the queue is
		 * broken and fails every call. The reset hands the messages in
		 * flight back to on_lost once the device has answered it. */
		d->used_broken++;
		fprintf(stderr, "%s: the device broke the ring: %s (fault %d); resetting it\n",
			d->e.o->prog, vob_strerror(err), vob_vq_fault(vq));
		vob_dev_reset(&d->e.dev);
	}
	return n;
}

static int drv_send(struct echo_drv *d, struct vob_vq *vq)
{
	int n = 0, err;

	while (d->inflight < d->max_inflight && (!d->count || d->acked + d->inflight < d->count)) {
		uint64_t addr;
		uint8_t *buf = vob_pool_get(&d->pool, &addr);
		struct vob_seg s[2];
		struct msg *m;

		if (!buf)
			break;
		m = msg_of(d, buf);
		m->buf = buf;
		m->addr = addr;
		m->seq = d->seq_base + d->next;
		ex_fill(buf, d->size, m->seq);
		s[0].addr = addr;
		s[0].len = d->size;
		s[1].addr = addr + d->half;
		s[1].len = d->size;
		if (d->break_at && !d->broken && d->acked >= d->break_at) {
			/* --break-ring-at: what a buggy or hostile driver does. The
			 * driver side does not check addresses (its buffers are its
			 * business); the device must, before it touches one. The
			 * message comes back through on_lost at the reset. */
			s[0].addr = d->e.win_size;
			d->broken = 1;
			printf("%s: breaking the ring on purpose (--break-ring-at %" PRIu64 "): "
			       "message %" PRIu64 " points past the end of the window\n",
			       d->e.o->prog, d->break_at, m->seq);
			fflush(stdout);
		}
		m->t_sent = ex_now();
		err = vob_vq_add(vq, s, 1, 1, m);
		if (err) {
			vob_pool_put(&d->pool, buf);
			if (err != VOB_ENOSPC)
				fprintf(stderr, "%s: vob_vq_add: %s\n", d->e.o->prog, vob_strerror(err));
			break;
		}
		d->next++;
		d->inflight++;
		n++;
	}
	if (n)
		vob_vq_kick(vq);
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentiles of the round trips kept (the first RTT_KEEP messages). */
static void print_rtt(struct echo_drv *d)
{
	if (!d->rtt_n)
		return;
	qsort(d->rtt, d->rtt_n, sizeof(*d->rtt), cmp_u32);
	printf("%s: round trip p50 %.2f us, p99 %.2f us, min %.2f us (first %" PRIu32
	       " messages)\n", d->e.o->prog, d->rtt[d->rtt_n / 2] / 1e3,
	       d->rtt[(uint64_t)d->rtt_n * 99u / 100u] / 1e3, d->rtt[0] / 1e3, d->rtt_n);
}

/* --count N, --size N, --inflight N, --spin-us N, --packed, --log FILE,
 * --break-ring-at N. */
static int own_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	struct echo_drv *d = (struct echo_drv *)arg;
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	uint64_t n;

	if (!strcmp(a, "--packed")) {
		o->packed = 1;
		return 1;
	}
	if (!v)
		return 0;
	if (!strcmp(a, "--count")) {
		if (ex_parse_u64(v, 0, UINT64_MAX / 2, &d->count))
			goto bad;
	} else if (!strcmp(a, "--size")) {
		if (ex_parse_u64(v, 8, MAX_SIZE, &n)) {
			fprintf(stderr, "%s: --size must be 8 to %u\n", o->prog, MAX_SIZE);
			return -1;
		}
		d->size = (uint32_t)n;
	} else if (!strcmp(a, "--inflight")) {
		if (ex_parse_u64(v, 0, 32768, &n))
			goto bad;
		d->max_inflight = (uint32_t)n;
	} else if (!strcmp(a, "--spin-us")) {
		if (ex_parse_u64(v, 0, EX_SPIN_US_MAX, &n))
			goto bad;
		d->spin_ns = n * 1000u;
	} else if (!strcmp(a, "--log")) {
		d->log_path = v;
	} else if (!strcmp(a, "--break-ring-at")) {
		if (ex_parse_u64(v, 1, UINT64_MAX / 2, &d->break_at))
			goto bad;
	} else {
		return 0;
	}
	++*i;
	return 1;
bad:
	fprintf(stderr, "%s: bad value for %s (try --help)\n", o->prog, a);
	return -1;
}

int main(int argc, char **argv)
{
	static struct echo_drv d;
	struct ex_opts o;
	struct vob_dev_cfg c;
	uint64_t t0, t_live = 0, live_acked = 0, t_report, t_wait, addr, pool_bytes;
	uint64_t want, t_work = 0, t_echo = 0;
	int r, rc = 1, waiting_said = 0, stall_said = 0;

	ex_opts_init(&o, "vob-echo-drv", "vob-echo", "4M");
	d.count = 100000;
	d.size = 64;
	r = ex_opts_parse(&o, argc, argv, usage, own_opt, &d);
	if (r)
		return r < 0 ? 2 : 0;
	if (!d.max_inflight || d.max_inflight > o.queue)
		d.max_inflight = o.queue;
	d.log_fd = -1;
	if (d.log_path && (d.log_fd = ex_log_open(&o, d.log_path)) < 0)
		return 1;
	/* Sequence numbers unique across restarts of this program. */
	d.seq_base = (uint64_t)getpid() << 32;
	ex_signals();
	if (ex_open(&d.e, &o, EX_SIDE_DRIVER))
		goto out;

	/* Rings, then one pool buffer per queue entry (out half, in half). */
	addr = ex_place(&d.e, &d.dq, 1, o.queue, EX_ARENA_ADDR);
	d.half = (uint32_t)VOB_ALIGN_UP(d.size, EX_LINE);
	pool_bytes = (uint64_t)o.queue * 2u * d.half;
	if (!addr || addr + pool_bytes > d.e.win_size) {
		fprintf(stderr, "%s: the window (%" PRIu64 " bytes) is too small for %u entries of %"
			PRIu32 " bytes: it needs %" PRIu64 " (give a larger size= to a new file, or "
			"lower --queue/--size)\n", o.prog, d.e.win_size, o.queue, d.size,
			(addr ? addr : EX_ARENA_ADDR) + pool_bytes + 8192u);
		goto out;
	}
	d.state = aligned_alloc(64, VOB_VQ_STATE_SIZE(o.queue, 0));
	d.pool_state = calloc(o.queue, sizeof(uint16_t));
	d.msg = calloc(o.queue, sizeof(*d.msg));
	d.rtt_cap = d.count && d.count < RTT_KEEP ? (uint32_t)d.count : RTT_KEEP;
	d.rtt = malloc((size_t)d.rtt_cap * sizeof(*d.rtt));
	if (!d.state || !d.pool_state || !d.msg || !d.rtt)
		goto out;
	r = vob_pool_init(&d.pool, &d.e.link, addr, 2u * d.half, (uint16_t)o.queue, d.pool_state);
	if (r) {
		fprintf(stderr, "%s: vob_pool_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	d.dq.vq = &d.vq;
	d.dq.state = d.state;
	d.dq.state_len = VOB_VQ_STATE_SIZE(o.queue, 0);
	d.dq.size = (uint16_t)o.queue;
	want = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) | VOB_BIT(VOB_F_IN_ORDER);
	if (o.packed)
		want |= VOB_BIT(VOB_F_RING_PACKED);
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DRIVER;
	c.device_id = EX_ECHO_DEVICE_ID; /* no other device will do */
	c.slot = 0;
	c.num_queues = 1;
	c.queues = &d.dq;
	c.features[0] = want;
	c.on_lost = on_lost;
	c.arg = &d;
	r = vob_dev_init(&d.e.dev, &d.e.t, &c);
	if (r) {
		fprintf(stderr, "%s: vob_dev_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	if (!o.quiet && d.count)
		printf("%s: looking for the echo device in slot 0; sending %" PRIu64 " messages of %"
		       PRIu32 " bytes, up to %" PRIu32 " in flight\n", o.prog, d.count, d.size,
		       d.max_inflight);
	else if (!o.quiet)
		printf("%s: looking for the echo device in slot 0; sending messages of %" PRIu32
		       " bytes until stopped, up to %" PRIu32 " in flight\n", o.prog, d.size,
		       d.max_inflight);
	fflush(stdout);

	t0 = t_report = t_wait = ex_now();
	while (!ex_stop && (!d.count || d.acked < d.count)) {
		struct vob_vq *vq;
		int ev = vob_dev_poll(&d.e.dev), n = 0, got = 0;
		uint64_t now;

		if (d.lost_batch) {
			printf("%s: device reset or restarted: %" PRIu64 " messages in flight lost "
			       "(seq %" PRIu64 "..%" PRIu64 "), reported, not resent; carrying on\n",
			       o.prog, d.lost_batch, d.lost_lo, d.lost_hi);
			d.lost_batch = 0;
			log_flush(&d);
			fflush(stdout);
		}
		if (ev & VOB_DEV_EV_RESET) {
			if (t_live && !o.quiet)
				printf("%s: device went away after %" PRIu64 " messages this session; "
				       "waiting for it\n", o.prog, d.acked - live_acked);
			t_live = 0;
			t_wait = ex_now();
			waiting_said = 0;
		}
		if (ev & VOB_DEV_EV_TIMEOUT)
			printf("%s: the device in the window does not answer (a stale table left by a "
			       "process that is gone?); waiting for it to start again\n", o.prog);
		if (ev & VOB_DEV_EV_REFUSED)
			fprintf(stderr, "%s: the device refused our features\n", o.prog);
		if (ev & VOB_DEV_EV_NEEDS_RESET) {
			/* The device stopped the queue (it found the ring broken):
			 * nothing moves until we reset it. The reset gives every
			 * message in flight to on_lost at once (reported at the
			 * top of the loop), then negotiation starts again. */
			d.resets_asked++;
			printf("%s: the device asked for a reset (it found the ring broken?); "
			       "resetting it\n", o.prog);
			fflush(stdout);
			vob_dev_reset(&d.e.dev);
			t_live = 0;
			t_wait = ex_now();
			waiting_said = 0;
			continue;
		}
		if (ev & VOB_DEV_EV_LIVE) {
			t_live = ex_now();
			live_acked = d.acked;
			stall_said = 0; /* a new session: a stall in it is news */
			/* The device may offer a smaller queue than --queue. */
			d.qsize = d.vq.size;
			if (!o.quiet) {
				ex_print_features(&d.e, &d.e.dev, o.prog);
				printf("%s: queue 0 live: %u entries\n", o.prog, d.qsize);
			}
			fflush(stdout);
		}
		vq = vob_dev_vq(&d.e.dev, 0);
		if (vq) {
			uint64_t broke = d.used_broken;

			r = drv_collect(&d, vq);
			if (r < 0) {
				d.bad++;
				goto out;
			}
			if (d.used_broken != broke) {
				/* We reset it: its answer is no device going away. */
				t_live = 0;
				t_wait = ex_now();
				waiting_said = 0;
			}
			got = r;
			n += r;
			vq = vob_dev_vq(&d.e.dev, 0);
			if (vq)
				n += drv_send(&d, vq);
		}
		now = ex_now();
		/* The stall clock runs only while messages wait for an echo. */
		if (!vq || !d.inflight || got)
			t_echo = now;
		if (got)
			stall_said = 0;
		if (!stall_said && now - t_echo >= STALL_NS) {
			printf("%s: no echo came back for %u s with %" PRIu64 " in flight: the device may "
			       "be stuck or gone (a device killed with -9 is not seen leaving); the pair "
			       "resumes when a device starts again on the window\n", o.prog,
			       (unsigned)(STALL_NS / 1000000000ull), d.inflight);
			fflush(stdout);
			stall_said = 1;
		}
		if (!t_live && !waiting_said && now - t_wait > 1000000000ull) {
			printf("%s: waiting for the device (state %s): is vob-echo-dev running on "
			       "the same window?\n", o.prog, ex_state_name(vob_dev_state(&d.e.dev)));
			fflush(stdout);
			waiting_said = 1;
		}
		if (!o.quiet && t_live && now - t_report >= 1000000000ull) {
			printf("%s: %" PRIu64 " echoed, %" PRIu64 " in flight, %" PRIu64 " lost; %.0f msg/s\n",
			       o.prog, d.acked, d.inflight, d.lost,
			       (double)d.acked / ((double)(now - t0) / 1e9));
			fflush(stdout);
			t_report = now;
		}
		if (n) {
			t_work = now;
			continue;
		}
		if (d.spin_ns && now - t_work < d.spin_ns) {
			vob_linux_wait(&d.e.lx, 0); /* doorbells taken, never sleeps */
			continue;
		}
		log_flush(&d);
		if (vq) {
			r = vob_vq_enable_notify(vq);
			if (r > 0) {
				vob_vq_disable_notify(vq);
				continue;
			}
		}
		vob_linux_wait(&d.e.lx, 100);
		if (vq && vob_dev_vq(&d.e.dev, 0) == vq)
			vob_vq_disable_notify(vq);
	}
	log_flush(&d);
	{
		double s = (double)(ex_now() - t0) / 1e9;
		const struct vob_vq_stats *st = vob_vq_stats(&d.vq);
		const struct vob_linux_stats *ls = vob_linux_stats(&d.e.lx);

		printf("%s: %" PRIu64 " messages of %" PRIu32 " bytes echoed and checked byte by byte"
		       " in %.2f s: %.0f msg/s, %.1f MB/s each way; mean round trip %.1f us (max %.1f us)"
		       " with up to %" PRIu32 " in flight\n",
		       o.prog, d.acked, d.size, s, (double)d.acked / s,
		       (double)d.acked * d.size / s / 1e6,
		       d.acked ? (double)d.rtt_sum / (double)d.acked / 1e3 : 0.0,
		       (double)d.rtt_max / 1e3,
		       (uint32_t)(d.qsize && d.qsize < d.max_inflight ? d.qsize : d.max_inflight));
		/* Lost: handed back by a reset or restart. Unanswered: still
		 * in flight now, sent to a device that never echoed them (or
		 * not yet: a stop by signal mid-stream leaves some too). */
		printf("%s: %" PRIu64 " lost in flight to device resets and restarts (reported), "
		       "%" PRIu64 " unanswered (still in flight at exit), "
		       "%" PRIu64 " resets asked by the device, %" PRIu64 " after the device "
		       "broke the ring; doorbells rung %" PRIu64 " (%.4f per message), received %"
		       PRIu64 "; last session kicks %" PRIu64 ", suppressed %" PRIu64 "\n",
		       o.prog, d.lost, d.inflight, d.resets_asked, d.used_broken, ls->rung,
		       d.acked ? (double)ls->rung / (double)d.acked : 0.0,
		       ls->received, st->notify_sent, st->notify_suppressed);
		print_rtt(&d);
	}
	rc = ex_stop ? 130 : 0;
out:
	log_flush(&d);
	ex_close(&d.e);
	free(d.state);
	free(d.pool_state);
	free(d.msg);
	free(d.rtt);
	if (d.log_fd >= 0)
		close(d.log_fd);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-echo-dev: the device half of the echo pair. It publishes an echo
 * device in slot 0 of the device table of a shared window, and returns every
 * buffer the driver sends with its readable bytes copied into its writable
 * part. Start it before or after vob-echo-drv; kill either and start it
 * again: the table's epochs bring the pair back. A driver that breaks the
 * ring (a chain out of bounds, a bad index) is asked for a reset, and the
 * device serves it again once it has reset and negotiated again.
 *
 * A test option, --break-ring-at N, makes this device hostile once: after N
 * echoes it returns a message as used with more bytes written than the
 * message's writable part holds. The driver must find its ring broken,
 * reset the device and carry on; the device serves it again after that.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"

#define SEG_MAX 8u      /* descriptors accepted per chain */
#define BATCH 64u       /* chains popped before they are pushed back */
#define SCRATCH (64u * 1024u)

struct echo_dev {
	struct ex e;
	struct vob_vq vq;
	struct vob_dev_queue dq;
	void *state;
	int log_fd;
	const char *log_path; /* --log */
	uint64_t limit;   /* exit after this many echoes (0: never) */
	uint64_t spin_ns; /* --spin-us: poll this long after the last work */
	uint64_t echoed, bytes, lives, resets, refused;
	uint64_t ring_errors; /* rings the driver broke (each answered with NEEDS_RESET) */
	uint64_t reset_at;    /* --needs-reset-at: ask for a reset after this many echoes */
	int reset_asked;      /* ... done (once) */
	uint64_t break_at;    /* --break-ring-at: break the used ring after this many echoes */
	int broken;           /* ... done (once) */
	uint8_t scratch[SCRATCH];
};

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s [options]\n"
		"\n"
		"The device half of the vob echo pair: publishes an echo device (private\n"
		"device id 0x%08x) in a device table at the start of a shared window and\n"
		"copies the readable part of every chain the driver sends into its writable\n"
		"part. Run vob-echo-drv with the same --window and --doorbell, in either\n"
		"order; either may be killed and started again.\n"
		"\n",
		o->prog, EX_ECHO_DEVICE_ID);
	ex_opts_help(f, o);
	fprintf(f,
		"  --count N            exit after echoing N messages (default: run until killed)\n"
		"  --spin-us N          keep polling N us after the last message before waiting\n"
		"                       for a doorbell (default 0)\n"
		"  --log FILE           append 'R <seq>' for every message received, written\n"
		"                       before the message is returned (for tests; seq: 16 hex\n"
		"                       digits, so that a line cut short is seen)\n"
		"\n"
		"Test options:\n"
		"  --needs-reset-at N   once N messages are echoed, ask the driver for a reset\n"
		"                       (NEEDS_RESET) once, as a device that lost its state would;\n"
		"                       the driver must reset the device and carry on\n"
		"  --break-ring-at N    once N messages are echoed, play a broken or hostile\n"
		"                       device once: return a message with a used length 1 byte\n"
		"                       beyond its writable part. The driver must find its ring\n"
		"                       broken and reset the device, which then serves it again\n");
}

/* The sequence number in the first 8 readable bytes of @ch, or 0 when the
 * chain has fewer (not an echo message). */
static uint64_t echo_seq(struct echo_dev *d, const struct vob_chain *ch, int *ok)
{
	uint8_t hdr[8];

	*ok = ch->out_len >= 8 && vob_chain_pull(&d->e.link, ch, 0, hdr, 8, NULL) == 8;
	return *ok ? vob_get_le64(hdr) : 0;
}

/* --break-ring-at: push @ch as used with a length 1 byte beyond its
 * writable part, as a buggy or hostile device would, through the public API
 * only: vob_vq_push() refuses a length beyond the chain's in_len, so it is
 * raised on a copy. The push is legal under IN_ORDER (the chains of a batch
 * go back in the order they were popped); the driver must check the length,
 * find its ring broken (VOB_FAULT_USED_LEN) and reset the device. The
 * message comes back to it lost at the reset. */
static int echo_break(struct echo_dev *d, struct vob_vq *vq, const struct vob_chain *ch)
{
	struct vob_chain bad = *ch;
	uint64_t seq;
	int ok;

	bad.in_len = ch->in_len + 1u; /* in_len < 2^32 - 1: out_len >= 8 below */
	seq = echo_seq(d, ch, &ok);
	d->broken = 1;
	printf("%s: breaking the ring on purpose (--break-ring-at %" PRIu64 "): message %" PRIu64
	       " goes back as used with %" PRIu32 " bytes written, 1 past its writable part\n",
	       d->e.o->prog, d->break_at, seq, bad.in_len);
	fflush(stdout);
	return vob_vq_push(vq, &bad, bad.in_len);
}

/* Pop a batch, log it, echo it, push it. Returns chains served or <0. */
static int echo_serve(struct echo_dev *d, struct vob_vq *vq)
{
	struct vob_iov iov[BATCH][SEG_MAX];
	struct vob_chain ch[BATCH];
	char log[BATCH * 24];
	size_t loglen = 0;
	unsigned n = 0, i;
	int err = 0;

	while (n < BATCH) {
		memset(&ch[n], 0, sizeof(ch[n]));
		ch[n].iov = iov[n];
		ch[n].cap = SEG_MAX;
		err = vob_vq_pop(vq, &ch[n]);
		if (err)
			break;
		n++;
	}
	if (err && err != VOB_EAGAIN) {
		/* The n chains popped before the bad one are not echoed: the
		 * queue is broken now and refuses every push (VOB_EIO). The
		 * driver gets their buffers back through its on_lost when it
		 * resets the device, which is what it must do next. */
		d->ring_errors++;
		fprintf(stderr, "%s: the driver broke the ring: %s (fault %d); asking for a reset "
			"(%u messages popped before it go back to the driver as lost)\n",
			d->e.o->prog, vob_strerror(err), vob_vq_fault(vq), n);
		vob_dev_set_needs_reset(&d->e.dev);
		return 0;
	}
	if (d->log_fd >= 0) {
		for (i = 0; i < n; i++) {
			int ok;
			uint64_t seq = echo_seq(d, &ch[i], &ok);

			if (ok)
				loglen += (size_t)snprintf(log + loglen, sizeof(log) - loglen,
							   "R %016" PRIx64 "\n", seq);
		}
		/* Logged before the chains go back: a message the driver sees
		 * acknowledged is always in the log. */
		if (loglen && write(d->log_fd, log, loglen) != (ssize_t)loglen)
			fprintf(stderr, "%s: log write: %s\n", d->e.o->prog, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		uint32_t written = 0;

		if (ch[i].in_len < ch[i].out_len) {
			d->refused++; /* not an echo request: return it untouched */
		} else {
			int got = ex_echo_chain(&d->e.link, &ch[i], d->scratch, SCRATCH);

			if (got < 0) {
				fprintf(stderr, "%s: copy: %s\n", d->e.o->prog, vob_strerror(got));
				return got;
			}
			written = (uint32_t)got;
			d->bytes += written;
		}
		/* An echo of a message (not one refused above). */
		if (d->break_at && !d->broken && d->echoed >= d->break_at && written &&
		    ch[i].out_len >= 8)
			err = echo_break(d, vq, &ch[i]);
		else
			err = vob_vq_push(vq, &ch[i], written);
		if (err) {
			fprintf(stderr, "%s: vob_vq_push: %s\n", d->e.o->prog, vob_strerror(err));
			return err;
		}
		d->echoed++;
	}
	if (n)
		vob_vq_kick(vq);
	return (int)n;
}

/* --count N, --spin-us N, --log FILE, --needs-reset-at N, --break-ring-at N. */
static int own_opt(void *arg, struct ex_opts *o, int argc, char **argv, int *i)
{
	struct echo_dev *d = (struct echo_dev *)arg;
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	uint64_t n;

	if (!v)
		return 0;
	if (!strcmp(a, "--count")) {
		if (ex_parse_u64(v, 0, UINT64_MAX, &d->limit))
			goto bad;
	} else if (!strcmp(a, "--spin-us")) {
		if (ex_parse_u64(v, 0, EX_SPIN_US_MAX, &n))
			goto bad;
		d->spin_ns = n * 1000u;
	} else if (!strcmp(a, "--log")) {
		d->log_path = v;
	} else if (!strcmp(a, "--needs-reset-at")) {
		if (ex_parse_u64(v, 1, UINT64_MAX, &d->reset_at))
			goto bad;
	} else if (!strcmp(a, "--break-ring-at")) {
		if (ex_parse_u64(v, 1, UINT64_MAX, &d->break_at))
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
	static struct echo_dev d;
	struct ex_opts o;
	struct vob_dev_cfg c;
	uint64_t t0, t_live = 0, live_echoed = 0, t_work = 0;
	int r, rc = 1;

	ex_opts_init(&o, "vob-echo-dev", "vob-echo", "4M");
	r = ex_opts_parse(&o, argc, argv, usage, own_opt, &d);
	if (r)
		return r < 0 ? 2 : 0;
	d.log_fd = -1;
	if (d.log_path && (d.log_fd = ex_log_open(&o, d.log_path)) < 0)
		return 1;
	ex_signals();
	if (ex_open(&d.e, &o, EX_SIDE_DEVICE))
		goto out;
	d.state = aligned_alloc(64, VOB_VQ_STATE_SIZE(o.queue, 0));
	if (!d.state)
		goto out;
	d.dq.vq = &d.vq;
	d.dq.state = d.state;
	d.dq.state_len = VOB_VQ_STATE_SIZE(o.queue, 0);
	d.dq.size = (uint16_t)o.queue;
	memset(&c, 0, sizeof(c));
	c.role = VOB_ROLE_DEVICE;
	c.slot = 0;
	c.num_queues = 1;
	c.queues = &d.dq;
	c.features[0] = VOB_BIT(VOB_F_VERSION_1) | VOB_BIT(VOB_F_EVENT_IDX) |
			VOB_BIT(VOB_F_IN_ORDER) | VOB_BIT(VOB_F_RING_PACKED) |
			VOB_BIT(VOB_F_INDIRECT_DESC);
	c.device_id = EX_ECHO_DEVICE_ID;
	c.vendor_id = EX_VENDOR_ID;
	c.seg_max = SEG_MAX;
	r = vob_dev_init(&d.e.dev, &d.e.t, &c);
	if (r) {
		fprintf(stderr, "%s: vob_dev_init: %s\n", o.prog, vob_strerror(r));
		goto out;
	}
	if (!o.quiet)
		printf("%s: echo device published in slot 0 (queue of up to %u entries); waiting for "
		       "a driver\n", o.prog, o.queue);
	fflush(stdout);
	t0 = ex_now();
	while (!ex_stop && (!d.limit || d.echoed < d.limit)) {
		struct vob_vq *vq;
		int ev = vob_dev_poll(&d.e.dev), n = 0;

		if (ev < 0) {
			fprintf(stderr, "%s: vob_dev_poll: %s\n", o.prog, vob_strerror(ev));
			goto out;
		}
		if (ev & VOB_DEV_EV_RESET) {
			d.resets++;
			if (t_live && !o.quiet)
				printf("%s: driver reset or restarted after %" PRIu64
				       " messages; waiting for it to come back\n", o.prog,
				       d.echoed - live_echoed);
			t_live = 0;
			fflush(stdout);
		}
		if (ev & VOB_DEV_EV_LIVE) {
			d.lives++;
			t_live = ex_now();
			live_echoed = d.echoed;
			if (!o.quiet)
				ex_print_features(&d.e, &d.e.dev, o.prog);
			fflush(stdout);
		}
		vq = vob_dev_vq(&d.e.dev, 0);
		if (vq) {
			n = echo_serve(&d, vq);
			if (n < 0)
				goto out;
			if (d.reset_at && !d.reset_asked && d.echoed >= d.reset_at) {
				d.reset_asked = 1;
				printf("%s: asking the driver for a reset on purpose after %" PRIu64
				       " messages (--needs-reset-at)\n", o.prog, d.echoed);
				fflush(stdout);
				vob_dev_set_needs_reset(&d.e.dev);
				vq = NULL;
			}
		}
		if (n) {
			t_work = d.spin_ns ? ex_now() : 0;
			continue;
		}
		if (d.spin_ns && ex_now() - t_work < d.spin_ns) {
			vob_linux_wait(&d.e.lx, 0); /* doorbells taken, never sleeps */
			continue;
		}
		if (vq) {
			r = vob_vq_enable_notify(vq);
			if (r > 0) {
				vob_vq_disable_notify(vq);
				continue;
			}
		}
		vob_linux_wait(&d.e.lx, 200);
		if (vq && vob_dev_vq(&d.e.dev, 0) == vq)
			vob_vq_disable_notify(vq);
	}
	{
		double s = (double)(ex_now() - t0) / 1e9;
		const struct vob_linux_stats *ls = vob_linux_stats(&d.e.lx);

		printf("%s: echoed %" PRIu64 " messages (%" PRIu64 " bytes) in %.1f s; driver "
		       "sessions %" PRIu64 ", resets %" PRIu64 ", broken rings %" PRIu64
		       "; doorbells rung %" PRIu64 ", received %" PRIu64 "\n", o.prog, d.echoed,
		       d.bytes, s, d.lives, d.resets, d.ring_errors, ls->rung, ls->received);
	}
	rc = 0;
out:
	ex_close(&d.e);
	free(d.state);
	if (d.log_fd >= 0)
		close(d.log_fd);
	return rc;
}

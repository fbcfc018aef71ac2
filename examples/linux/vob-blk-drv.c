/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-blk-drv: the driver half of the block pair. It drives the virtio-blk
 * device that vob-blk-dev publishes, through the blk class
 * (include/vob/blk.h), and runs the actions given on the command line in
 * order: read sectors into a file, write a file or a pattern, verify the
 * pattern, flush, discard, write zeroes, with a throughput figure for each
 * transfer. Requests are asynchronous: up to as many as the class and its
 * pool allow are in flight at once.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex_common.h"
#include "vob/blk.h"

#define RING_ARENA (64u * 1024u)
#define POOL_BUF 4096u
#define SECT VOB_BLK_SECTOR_SIZE


enum { A_READ, A_WRITE, A_PATTERN, A_VERIFY, A_FLUSH, A_DISCARD, A_ZEROES };

struct act {
	int kind;
	uint64_t sector, count;
	const char *file;
};

#define MAX_ACTS 32
/* The most sectors one action takes (1 TiB). */
#define MAX_COUNT (1ull << 31)

static struct {
	struct ex e;
	struct vob_blk_drv b;
	struct ex_opts o;
	FILE *msg;
	int inflight;
	int err;             /* first failed completion */
	uint64_t t_progress; /* last completion */
	uint64_t seed;
	uint32_t chunk;      /* sectors per read/write request */
	double timeout;      /* seconds without progress */
	uint64_t capacity;   /* sectors of the disk */
} d;

static void usage(FILE *f, struct ex_opts *o)
{
	fprintf(f,
		"usage: %s [options] ACTION...\n"
		"\n"
		"The driver half of the vob block pair: drives the virtio-blk device that\n"
		"vob-blk-dev publishes (device id 2), prints what the device says about\n"
		"itself, then runs the actions in the order given and exits (0 when every\n"
		"one succeeded). Sectors are 512 bytes; SECTOR and COUNT are in sectors,\n"
		"COUNT is 1 to 2^31, and every action must stay inside the disk.\n"
		"\n",
		o->prog);
	ex_opts_help(f, o);
	fprintf(f,
		"  --chunk N            sectors per read/write request (default 64)\n"
		"  --seed N             pattern seed (default 0)\n"
		"  --timeout SECS       give up after SECS without the device or without a\n"
		"                       completion (default 10)\n"
		"actions:\n"
		"  --read SECTOR COUNT FILE   read sectors into FILE ('-': stdout; messages\n"
		"                             then go to stderr)\n"
		"  --write SECTOR FILE        write FILE's bytes (the last sector zero-padded)\n"
		"  --write-pattern SECTOR COUNT  write a pattern that depends on the sector\n"
		"                             number and the seed\n"
		"  --verify SECTOR COUNT      read sectors back and check the pattern\n"
		"  --flush                    make the writes stable (VIRTIO_BLK_T_FLUSH)\n"
		"  --discard SECTOR COUNT     discard sectors\n"
		"  --write-zeroes SECTOR COUNT  zero sectors\n"
		"Each read, write, pattern and verify prints its throughput in MB/s (10^6 B/s).\n");
}

static void on_done(void *arg, int id, int result)
{
	(void)arg;
	(void)id;
	d.inflight--;
	d.t_progress = ex_now();
	if (result && !d.err)
		d.err = result;
}

/* Collect completions; sleep a little when there were none. Returns 0, or
 * -1 after the time-out without progress. */
static int step(void)
{
	int ev = vob_blk_drv_poll(&d.b);
	struct vob_vq *vq;

	if (ev & VOB_DEV_EV_RESET)
		fprintf(d.msg, "%s: the device went away or reset\n", d.o.prog);
	if (ev & VOB_BLK_EV_IO)
		return 0;
	if ((double)(ex_now() - d.t_progress) > d.timeout * 1e9) {
		fprintf(stderr, "%s: no answer from the device for %.0f s\n", d.o.prog, d.timeout);
		return -1;
	}
	/* Workaround: vob_blk_drv_poll() never re-arms the used-buffer
	 * notification (with EVENT_IDX used_event stays where it was), so a
	 * driver that sleeps would only wake on the time-out. Ask for it here,
	 * on the table's queue object, and look again if work arrived. */
	vq = vob_dev_vq(&d.b.dev, 0);
	if (vq && vob_vq_enable_notify(vq) == 1)
		return 0;
	vob_linux_wait(&d.e.lx, 10);
	return 0;
}

/* Wait for every request in flight; returns d.err (or VOB_ETIMEDOUT). */
static int drain(void)
{
	while (d.inflight > 0 && !ex_stop)
		if (step())
			return VOB_ETIMEDOUT;
	return d.err;
}

/* Read or write @count sectors from @sector, @buf holding them all. */
static int rw(int write, uint64_t sector, uint64_t count, uint8_t *buf, const char *what)
{
	uint64_t next = 0, t0 = ex_now(), ns;
	int id;

	d.err = 0;
	d.t_progress = t0;
	while (next < count && !ex_stop && !d.err) {
		uint32_t n = count - next < d.chunk ? (uint32_t)(count - next) : d.chunk;

		id = write ? vob_blk_drv_write(&d.b, sector + next, buf + next * SECT, n) :
			     vob_blk_drv_read(&d.b, sector + next, buf + next * SECT, n);
		if (id == VOB_EAGAIN) {
			if (step())
				return VOB_ETIMEDOUT;
			continue;
		}
		if (id < 0) {
			fprintf(stderr, "%s: %s at sector %" PRIu64 ": %s\n", d.o.prog,
				write ? "vob_blk_drv_write" : "vob_blk_drv_read", sector + next,
				vob_strerror(id));
			drain();
			return id;
		}
		d.inflight++;
		next += n;
	}
	id = drain();
	if (id) {
		fprintf(stderr, "%s: %s failed: %s\n", d.o.prog, what, vob_strerror(id));
		return id;
	}
	ns = ex_now() - t0;
	fprintf(d.msg, "%s: %s: %" PRIu64 " sectors (%" PRIu64 " bytes) in %.3f s: %.1f MB/s\n",
		d.o.prog, what, count, count * SECT, (double)ns / 1e9,
		ns ? (double)(count * SECT) * 1e3 / (double)ns : 0.0);
	return 0;
}

/* Submit one request made by @submit (retrying while the driver is short),
 * then wait for it. */
static int one(int kind, uint64_t sector, uint64_t count, const char *what)
{
	int id;

	d.err = 0;
	d.t_progress = ex_now();
	for (;;) {
		if (kind == A_FLUSH)
			id = vob_blk_drv_flush(&d.b);
		else if (kind == A_DISCARD)
			id = vob_blk_drv_discard(&d.b, sector, (uint32_t)count);
		else
			id = vob_blk_drv_write_zeroes(&d.b, sector, (uint32_t)count, false);
		if (id != VOB_EAGAIN)
			break;
		if (step())
			return VOB_ETIMEDOUT;
	}
	if (id < 0) {
		fprintf(stderr, "%s: %s: %s\n", d.o.prog, what, vob_strerror(id));
		return id;
	}
	d.inflight++;
	id = drain();
	if (id)
		fprintf(stderr, "%s: %s failed: %s\n", d.o.prog, what, vob_strerror(id));
	else
		fprintf(d.msg, "%s: %s: done\n", d.o.prog, what);
	return id;
}

static void pattern(uint8_t *p, uint64_t sector, uint64_t count)
{
	uint64_t i;

	for (i = 0; i < count; i++)
		ex_fill(p + i * SECT, SECT, (sector + i) ^ (d.seed << 40));
}

static int write_out(const char *file, const uint8_t *p, size_t n)
{
	int fd = strcmp(file, "-") ? open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", d.o.prog, file, strerror(errno));
		return -1;
	}
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "%s: %s: %s\n", d.o.prog, file, strerror(errno));
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fd != 1)
		close(fd);
	return n ? -1 : 0;
}

/* Read @file whole, zero-padded to a sector; *count gets its sectors. */
static uint8_t *read_in(const char *file, uint64_t *count)
{
	struct stat sb;
	uint8_t *p = NULL;
	size_t have = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "%s: %s: %s\n", d.o.prog, file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*count = ((uint64_t)sb.st_size + SECT - 1) / SECT;
	p = calloc(*count ? *count : 1, SECT);
	while (p && have < (size_t)sb.st_size) {
		ssize_t r = read(fd, p + have, (size_t)sb.st_size - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	if (!p || have != (size_t)sb.st_size) {
		fprintf(stderr, "%s: %s: short read\n", d.o.prog, file);
		free(p);
		return NULL;
	}
	return p;
}

/* Whether sectors @sector+@count leave the disk (said on stderr). */
static int beyond(uint64_t sector, uint64_t count)
{
	if (sector <= d.capacity && count <= d.capacity - sector)
		return 0;
	fprintf(stderr, "%s: sectors %" PRIu64 "+%" PRIu64 " are beyond the end of the disk (%"
		PRIu64 " sectors)\n", d.o.prog, sector, count, d.capacity);
	return 1;
}

static int run(const struct act *a)
{
	uint64_t count = a->count, i;
	uint8_t *buf = NULL;
	int err = 0;
	char what[160];

	if (a->kind != A_FLUSH && a->kind != A_WRITE && beyond(a->sector, count))
		return -1;
	switch (a->kind) {
	case A_READ:
	case A_PATTERN:
	case A_VERIFY:
		/* count is at most 2^31 (the options), but size_t may be 32 bits. */
		buf = count <= SIZE_MAX / SECT ? malloc(count ? count * SECT : 1) : NULL;
		if (!buf) {
			fprintf(stderr, "%s: out of memory\n", d.o.prog);
			return -1;
		}
		break;
	case A_WRITE:
		buf = read_in(a->file, &count);
		if (!buf)
			return -1;
		if (beyond(a->sector, count)) {
			free(buf);
			return -1;
		}
		break;
	default:
		break;
	}
	switch (a->kind) {
	case A_READ:
		snprintf(what, sizeof(what), "read %" PRIu64 "+%" PRIu64 " into %s", a->sector, count,
			 a->file);
		err = rw(0, a->sector, count, buf, what);
		if (!err && write_out(a->file, buf, count * SECT))
			err = -1;
		break;
	case A_WRITE:
		snprintf(what, sizeof(what), "wrote %s at %" PRIu64, a->file, a->sector);
		err = rw(1, a->sector, count, buf, what);
		break;
	case A_PATTERN:
		pattern(buf, a->sector, count);
		snprintf(what, sizeof(what), "wrote pattern %" PRIu64 "+%" PRIu64, a->sector, count);
		err = rw(1, a->sector, count, buf, what);
		break;
	case A_VERIFY:
		snprintf(what, sizeof(what), "read back %" PRIu64 "+%" PRIu64, a->sector, count);
		err = rw(0, a->sector, count, buf, what);
		for (i = 0; !err && i < count; i++) {
			uint32_t off = ex_check(buf + i * SECT, SECT, (a->sector + i) ^ (d.seed << 40));

			if (off != SECT) {
				fprintf(stderr, "%s: verify: sector %" PRIu64 " differs at byte %u\n",
					d.o.prog, a->sector + i, off);
				err = -1;
			}
		}
		if (!err)
			fprintf(d.msg, "%s: verify %" PRIu64 "+%" PRIu64 ": pattern OK\n", d.o.prog,
				a->sector, count);
		break;
	case A_FLUSH:
		err = one(A_FLUSH, 0, 0, "flush");
		break;
	case A_DISCARD:
		snprintf(what, sizeof(what), "discard %" PRIu64 "+%" PRIu64, a->sector, count);
		err = one(A_DISCARD, a->sector, count, what);
		break;
	case A_ZEROES:
		snprintf(what, sizeof(what), "write zeroes %" PRIu64 "+%" PRIu64, a->sector, count);
		err = one(A_ZEROES, a->sector, count, what);
		break;
	default:
		break;
	}
	free(buf);
	return err;
}

static int num(const char *s, uint64_t *out)
{
	return ex_parse_u64(s, 0, UINT64_MAX, out);
}

/* The actions in command-line order, and the options that tune them. */
struct acts {
	struct act a[MAX_ACTS];
	int n;
};

static int act_opt(void *arg, struct ex_opts *eo, int argc, char **argv, int *i)
{
	struct acts *l = (struct acts *)arg;
	struct act *a = &l->a[l->n];
	const char *o = argv[*i];
	uint64_t v;
	int take = 0; /* values after the option */

	if (!strcmp(o, "--chunk") && *i + 1 < argc) {
		if (num(argv[*i + 1], &v) || !v || v > 65536)
			goto bad;
		d.chunk = (uint32_t)v;
		take = 1;
	} else if (!strcmp(o, "--seed") && *i + 1 < argc) {
		if (num(argv[*i + 1], &d.seed))
			goto bad;
		take = 1;
	} else if (!strcmp(o, "--timeout") && *i + 1 < argc) {
		if (ex_parse_double(argv[*i + 1], 0.001, 1e6, &d.timeout))
			goto bad;
		take = 1;
	} else {
		if (l->n == MAX_ACTS) {
			fprintf(stderr, "%s: at most %d actions\n", eo->prog, MAX_ACTS);
			return -1;
		}
		if (!strcmp(o, "--read") && *i + 3 < argc) {
			a->kind = A_READ;
			if (num(argv[*i + 1], &a->sector) || num(argv[*i + 2], &a->count) ||
			    !a->count || a->count > MAX_COUNT)
				goto bad;
			a->file = argv[*i + 3];
			if (!strcmp(a->file, "-"))
				eo->msg = stderr;
			take = 3;
		} else if (!strcmp(o, "--write") && *i + 2 < argc) {
			a->kind = A_WRITE;
			if (num(argv[*i + 1], &a->sector))
				goto bad;
			a->file = argv[*i + 2];
			take = 2;
		} else if ((!strcmp(o, "--write-pattern") || !strcmp(o, "--verify") ||
			    !strcmp(o, "--discard") || !strcmp(o, "--write-zeroes")) &&
			   *i + 2 < argc) {
			a->kind = !strcmp(o, "--write-pattern") ? A_PATTERN :
				  !strcmp(o, "--verify")	? A_VERIFY :
				  !strcmp(o, "--discard")	? A_DISCARD :
								  A_ZEROES;
			if (num(argv[*i + 1], &a->sector) || num(argv[*i + 2], &a->count) ||
			    !a->count || a->count > MAX_COUNT)
				goto bad;
			take = 2;
		} else if (!strcmp(o, "--flush")) {
			a->kind = A_FLUSH;
		} else {
			return 0;
		}
		l->n++;
	}
	*i += take;
	return 1;
bad:
	fprintf(stderr, "%s: bad value for %s (try --help)\n", eo->prog, o);
	return -1;
}

int main(int argc, char **argv)
{
	static struct acts acts;
	struct vob_blk_drv_cfg bc;
	struct vob_blk_info info;
	uint8_t id[VOB_BLK_ID_BYTES + 1];
	int i, r, rc = 1, idq = -1;

	ex_opts_init(&d.o, "vob-blk-drv", "vob-blk", "1M");
	d.o.queue = d.o.queue_max = VOB_BLK_QSIZE;
	d.chunk = 64;
	d.timeout = 10;
	r = ex_opts_parse(&d.o, argc, argv, usage, act_opt, &acts);
	if (r)
		return r < 0 ? 2 : 0;
	d.msg = d.o.msg;
	ex_signals();
	if (ex_open(&d.e, &d.o, EX_SIDE_DRIVER))
		goto out;
	/* The ring in the first 64 KiB of the arena, the bounce pool after it. */
	memset(&bc, 0, sizeof(bc));
	bc.slot = 0;
	bc.queue_size = (uint16_t)d.o.queue;
	bc.dev_mem.addr = EX_ARENA_ADDR;
	bc.dev_mem.len = RING_ARENA;
	bc.drv_mem = bc.dev_mem;
	bc.pool_addr = EX_ARENA_ADDR + RING_ARENA;
	bc.pool_buf_size = POOL_BUF;
	bc.pool_count = VOB_BLK_POOL_MAX;
	bc.done = on_done;
	if (bc.pool_addr + (uint64_t)bc.pool_count * bc.pool_buf_size > d.e.win_size) {
		fprintf(stderr, "%s: the window is too small: it needs %" PRIu64 " bytes\n", d.o.prog,
			bc.pool_addr + (uint64_t)bc.pool_count * bc.pool_buf_size);
		goto out;
	}
	r = vob_blk_drv_init(&d.b, &d.e.t, &bc);
	if (r) {
		fprintf(stderr, "%s: vob_blk_drv_init: %s\n", d.o.prog, vob_strerror(r));
		goto out;
	}
	/* Wait for the device and its config. */
	d.t_progress = ex_now();
	while ((r = vob_blk_drv_info(&d.b, &info)) == VOB_ENODEV && !ex_stop)
		if (step()) {
			fprintf(stderr, "%s: no block device in the window: is vob-blk-dev running "
				"with the same --window and --doorbell?\n", d.o.prog);
			goto out;
		}
	if (r) {
		fprintf(stderr, "%s: the device: %s\n", d.o.prog, vob_strerror(r));
		goto out;
	}
	if (!d.o.quiet)
		ex_print_features(&d.e, &d.b.dev, d.o.prog);
	memset(id, 0, sizeof(id));
	d.err = 0;
	while ((idq = vob_blk_drv_get_id(&d.b, id)) == VOB_EAGAIN)
		if (step())
			goto out;
	if (idq >= 0) {
		d.inflight++;
		if (drain())
			id[0] = 0;
	}
	fprintf(d.msg, "%s: disk \"%s\": %" PRIu64 " sectors (%" PRIu64 " bytes), blk_size %" PRIu32
		", seg_max %" PRIu32 ", size_max %" PRIu32 "%s%s%s%s\n", d.o.prog, (char *)id,
		info.capacity, info.capacity * SECT, info.blk_size, info.seg_max, info.size_max,
		info.read_only ? ", read-only" : "",
		(info.features & VOB_BIT(VOB_BLK_F_FLUSH)) ? ", flush" : "",
		(info.features & VOB_BIT(VOB_BLK_F_DISCARD)) ? ", discard" : "",
		(info.features & VOB_BIT(VOB_BLK_F_WRITE_ZEROES)) ? ", write-zeroes" : "");
	fflush(d.msg);
	d.capacity = info.capacity;
	for (i = 0; i < acts.n && !ex_stop; i++)
		if (run(&acts.a[i]))
			goto out;
	rc = ex_stop ? 130 : 0;
out:
	if (d.e.t.link) {
		const struct vob_blk_drv_stats *st = vob_blk_drv_stats(&d.b);

		fprintf(d.msg, "%s: %" PRIu64 " requests, %" PRIu64 " completed, %" PRIu64
			" failed, %" PRIu64 " bad replies, %" PRIu64 " lost\n", d.o.prog,
			st->submitted, st->completed, st->failed, st->bad_replies, st->lost);
	}
	ex_close(&d.e);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vob-vhost-user-front: vob's driver classes against a vhost-user back end
 * someone else wrote (DPDK net_vhost, qemu-storage-daemon, or vob's own
 * programs). blk: writes a pattern over N blocks and reads it back; net:
 * sends N frames and counts those that come back (a back end that loops
 * frames, like testpmd's io forwarding). The exit status says whether every
 * block or frame was accounted for.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ex_common.h"
#include "vob/blk.h"
#include "vob/net.h"
#include "vob_vhost_user.h"

static const char *prog = "vob-vhost-user-front";

#define MEM_BYTES (8u << 20)
#define RING_BYTES (1u << 20) /* rings first, pools after */
#define BLOCK 4096u
#define FRAME_PAYLOAD 64u
#define ETH_TYPE 0x88b5u /* IEEE local experimental */
#define NET_WINDOW 64u   /* frames in flight at most */
#define IDLE_NS 5000000000ull

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s --socket PATH (--net | --blk) [--packed] [--count N] [--quiet]\n"
		"\n"
		"Drive the vhost-user back end at the unix socket PATH with vob's driver\n"
		"classes, the rings and buffers in a memfd shared with it.\n"
		"  --blk      write a pattern over N blocks of 4 KiB from block 0 (the\n"
		"             image is overwritten there), read them back and compare\n"
		"  --net      send N frames (broadcast, ethertype 0x88b5, 64-byte pattern)\n"
		"             and count those that come back intact (the back end must\n"
		"             loop them, e.g. dpdk-testpmd --forward-mode=io)\n"
		"  --packed   accept the packed ring when the back end offers it\n"
		"  --count N  blocks or frames (default 64)\n"
		"  --quiet    print only the result and errors\n"
		"Exit status 0 when every block or frame was accounted for, 1 otherwise.\n",
		prog);
}

static int quiet;

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (!quiet) {
		printf("%s: %s\n", prog, line);
		fflush(stdout);
	}
}

/* ---- blk ------------------------------------------------------------------ */

struct blk_app {
	struct vob_blk_drv drv;
	int done, failed;
};

static void blk_done(void *arg, int id, int result)
{
	struct blk_app *a = arg;

	(void)id;
	a->done++;
	if (result) {
		a->failed++;
		fprintf(stderr, "%s: request failed: %s\n", prog, vob_strerror(result));
	}
}

static int blk_poll(void *arg)
{
	int ev = vob_blk_drv_poll(arg);

	return ev > 0 && (ev & VOB_BLK_EV_IO);
}

/* Step until @a->done reaches @want; 0, or -1 on a stall or a lost back end. */
static int blk_wait(struct vob_vhu_fe *fe, struct blk_app *a, int want)
{
	uint64_t last = ex_now();
	int seen = a->done;

	while (a->done < want && !ex_stop) {
		if (vob_vhu_fe_step(fe, 10) < 0)
			return -1;
		if (a->done != seen) {
			seen = a->done;
			last = ex_now();
		} else if (ex_now() - last > IDLE_NS) {
			fprintf(stderr, "%s: no completion for 5 s\n", prog);
			return -1;
		}
	}
	return a->done >= want ? 0 : -1;
}

static int run_blk(struct vob_vhu_fe *fe, struct blk_app *a, uint32_t count)
{
	static uint8_t buf[BLOCK];
	struct vob_blk_info info;
	uint32_t i, bad = 0, ok = 0;

	if (vob_blk_drv_info(&a->drv, &info) || (uint64_t)count * (BLOCK / 512u) > info.capacity) {
		fprintf(stderr, "%s: the disk holds %" PRIu64 " sectors, fewer than %u blocks\n",
			prog, info.capacity, count);
		return 1;
	}
	if (!quiet)
		printf("%s: disk of %" PRIu64 " sectors, writing %u blocks\n", prog, info.capacity,
		       count);
	for (i = 0; i < count; i++) {
		int id;

		ex_fill(buf, BLOCK, i);
		while ((id = vob_blk_drv_write(&a->drv, (uint64_t)i * 8u, buf, 8)) == VOB_EAGAIN)
			if (vob_vhu_fe_step(fe, 1) < 0)
				return 1;
		if (id < 0) {
			fprintf(stderr, "%s: write %u: %s\n", prog, i, vob_strerror(id));
			return 1;
		}
		/* One at a time: the pattern reads back from a settled image. */
		if (blk_wait(fe, a, a->done + 1))
			return 1;
	}
	for (i = 0; i < count; i++) {
		int id;

		memset(buf, 0, sizeof(buf));
		while ((id = vob_blk_drv_read(&a->drv, (uint64_t)i * 8u, buf, 8)) == VOB_EAGAIN)
			if (vob_vhu_fe_step(fe, 1) < 0)
				return 1;
		if (id < 0 || blk_wait(fe, a, a->done + 1))
			return 1;
		if (ex_check(buf, BLOCK, i) != BLOCK)
			bad++;
		else
			ok++;
	}
	printf("%s: blk: %u blocks written, %u read back intact, %u wrong, %d failed requests\n",
	       prog, count, ok, bad, a->failed);
	return ok == count && !a->failed ? 0 : 1;
}

/* ---- net ------------------------------------------------------------------ */

static int net_poll(void *arg)
{
	(void)vob_net_drv_poll(arg);
	return 0;
}

static int run_net(struct vob_vhu_fe *fe, struct vob_net_drv *n, uint32_t count)
{
	static uint8_t frame[14 + FRAME_PAYLOAD], in[65536];
	uint8_t *seen = calloc(count ? count : 1u, 1);
	uint32_t sent = 0, got = 0, dup = 0, bad = 0, other = 0;
	uint64_t last = ex_now();

	if (!seen)
		return 1;
	memset(frame, 0xff, 6);
	memcpy(frame + 6, "\x52\x54\x00\x76\x6f\x03", 6);
	frame[12] = ETH_TYPE >> 8;
	frame[13] = ETH_TYPE & 0xff;
	while (got < count && !ex_stop) {
		int r, moved = 0;

		while (sent < count && sent - got < NET_WINDOW) {
			ex_fill(frame + 14, FRAME_PAYLOAD, sent);
			r = vob_net_drv_send(n, NULL, frame, sizeof(frame));
			if (r == VOB_EAGAIN)
				break;
			if (r) {
				fprintf(stderr, "%s: send: %s\n", prog, vob_strerror(r));
				free(seen);
				return 1;
			}
			sent++;
			moved = 1;
		}
		while ((r = vob_net_drv_recv(n, in, sizeof(in), NULL)) > 0) {
			uint64_t seq;

			moved = 1;
			if (r != (int)sizeof(frame) || in[12] != frame[12] || in[13] != frame[13]) {
				other++; /* not ours (the back end's own traffic) */
				continue;
			}
			seq = vob_get_le64(in + 14);
			if (seq >= sent || ex_check(in + 14, FRAME_PAYLOAD, seq) != FRAME_PAYLOAD) {
				bad++;
			} else if (seen[seq]) {
				dup++;
			} else {
				seen[seq] = 1;
				got++;
			}
		}
		if (moved) {
			last = ex_now();
		} else if (ex_now() - last > IDLE_NS) {
			fprintf(stderr, "%s: nothing moved for 5 s\n", prog);
			break;
		}
		if (vob_vhu_fe_step(fe, moved ? 0 : 10) < 0)
			break;
	}
	free(seen);
	{
		const struct vob_net_stats *st = vob_net_drv_stats(n);

		if (!quiet)
			printf("%s: driver: %u frames out, %u in, %u malformed, %u oversize, "
			       "%u ring errors\n",
			       prog, st->tx_frames, st->rx_frames, st->rx_bad, st->rx_oversize,
			       st->ring_errors);
	}
	printf("%s: net: %u frames sent, %u came back intact, %u lost, %u duplicated, %u "
	       "corrupt, %u other\n",
	       prog, sent, got, sent - got, dup, bad, other);
	return got == count && sent == count && !bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct vob_vhu_fe fe;
	static struct blk_app blk;
	static struct vob_net_drv net;
	struct vob_vhu_fe_cfg fc;
	const char *sock = NULL;
	uint32_t count = 64;
	int i, r, is_net = -1, packed = 0, rc = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--net") || !strcmp(argv[i], "--blk")) {
			if (is_net >= 0) {
				fprintf(stderr, "%s: one of --net, --blk (try --help)\n", prog);
				return 2;
			}
			is_net = !strcmp(argv[i], "--net");
		} else if (!strcmp(argv[i], "--packed")) {
			packed = 1;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 0);

			if (*end || !v || v > 1000000000ul) {
				fprintf(stderr, "%s: bad value for --count\n", prog);
				return 2;
			}
			count = (uint32_t)v;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else {
			fprintf(stderr, "%s: unknown option %s (try --help)\n", prog, argv[i]);
			return 2;
		}
	}
	if (!sock || is_net < 0) {
		fprintf(stderr, "%s: --socket PATH and one of --net, --blk are required (try --help)\n",
			prog);
		return 2;
	}
	ex_signals();
	memset(&fc, 0, sizeof(fc));
	fc.num_queues = is_net ? 2 : 1;
	fc.queue_max = 256;
	fc.device_id = is_net ? VOB_NET_DEVICE_ID : VOB_BLK_DEVICE_ID;
	fc.config_len = is_net ? 0 : VOB_BLK_CONFIG_BYTES;
	fc.config_min = is_net ? 0 : 60; /* virtio_blk_config before secure erase */
	fc.mem_bytes = MEM_BYTES;
	fc.poll = is_net ? net_poll : blk_poll;
	fc.arg = is_net ? (void *)&net : (void *)&blk.drv;
	fc.log = on_log;
	r = vob_vhu_fe_connect(&fe, &fc, sock);
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", prog, sock, vob_strerror(r));
		goto out;
	}
	if (is_net) {
		struct vob_net_drv_cfg nc;

		memset(&nc, 0, sizeof(nc));
		/* Mergeable receive buffers: DPDK's vhost writes num_buffers
		 * only then (docs/vhost-user.md); the class ignores the field
		 * without them, but frames then span several buffers. */
		nc.features = VOB_BIT(VOB_NET_F_MRG_RXBUF) |
			      (packed ? VOB_BIT(VOB_F_RING_PACKED) : 0u);
		nc.dev_mem = vob_vhu_fe_arena(&fe, 0);
		nc.dev_mem.len = RING_BYTES;
		nc.drv_mem = nc.dev_mem;
		nc.pool_addr = VOB_VHU_FE_MEM_ADDR + RING_BYTES;
		nc.buf_size = 2048;
		nc.buf_count = VOB_NET_BUFS;
		r = vob_net_drv_init(&net, vob_vhu_fe_table(&fe), &nc);
	} else {
		struct vob_blk_drv_cfg bc;

		memset(&bc, 0, sizeof(bc));
		bc.dev_mem = vob_vhu_fe_arena(&fe, 0);
		bc.dev_mem.len = RING_BYTES;
		bc.drv_mem = bc.dev_mem;
		bc.pool_addr = VOB_VHU_FE_MEM_ADDR + RING_BYTES;
		bc.pool_buf_size = BLOCK;
		bc.pool_count = VOB_BLK_POOL_MAX;
		bc.done = blk_done;
		bc.arg = &blk;
		bc.ring_features = packed ? VOB_BIT(VOB_F_RING_PACKED) : 0u;
		/* qemu-storage-daemon offers SIZE_MAX with size_max 0, which
		 * the class refuses as a config no segment fits: not asked. */
		bc.features_off = VOB_BIT(VOB_BLK_F_SIZE_MAX);
		r = vob_blk_drv_init(&blk.drv, vob_vhu_fe_table(&fe), &bc);
	}
	if (r) {
		fprintf(stderr, "%s: driver set-up: %s\n", prog, vob_strerror(r));
		goto out;
	}
	/* Until the class is live and (blk) its config read. */
	{
		uint64_t t0 = ex_now();
		struct vob_blk_info info;

		for (;;) {
			r = vob_vhu_fe_step(&fe, 10);
			if (r < 0 || ex_stop)
				goto out;
			if (r == 1 && (is_net ? vob_net_drv_features(&net) != 0
					      : !vob_blk_drv_info(&blk.drv, &info)))
				break;
			if (ex_now() - t0 > IDLE_NS) {
				fprintf(stderr, "%s: the device did not come up in 5 s (%s)\n", prog,
					is_net ? "no features"
					       : vob_strerror(vob_blk_drv_info(&blk.drv, &info)));
				goto out;
			}
		}
	}
	{
		struct vob_blk_info info;
		uint64_t f = is_net ? vob_net_drv_features(&net)
				    : (vob_blk_drv_info(&blk.drv, &info) ? 0 : info.features);

		if (packed && !(f & VOB_BIT(VOB_F_RING_PACKED)))
			printf("%s: the back end does not offer the packed ring: split\n", prog);
	}
	rc = is_net ? run_net(&fe, &net, count) : run_blk(&fe, &blk, count);
out:
	vob_vhu_fe_close(&fe);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * openamp-bench: the OpenAMP side of vob's bench/compare-openamp. Built against
 * an OpenAMP + libmetal build and the generic Linux machine of
 * openamp-system-reference (examples/legacy_apps: platform_info.c, which
 * puts the shared memory in /dev/shm/openamp.shm and rings over the unix
 * socket /tmp/openamp.event.0).
 *
 *   openamp-bench echo [--busy [--no-kick]]       the device (remote) role
 *   openamp-bench flood|ping --size N --count N [--busy [--no-kick]] [--warmup N]
 *                                                 the driver (host) role
 *
 * flood keeps as many messages in flight as OpenAMP gives buffers for;
 * ping has one in flight and times every round trip. Every echoed byte is
 * checked. --busy polls the virtqueues in a loop instead of waiting for the
 * platform's doorbell flag (kicks still go through the socket); --no-kick
 * also stops ringing the peer once the endpoint is up, so both sides poll
 * only (what vob's poll doorbell does), which needs --no-kick on both.
 * The echo runs until it is killed, or until the driver's endpoint goes
 * away or it gets the 4 bytes of the stock echo demo's shutdown word: the
 * driver does both at its end only with --shutdown (the stock rpmsg-echo
 * exits on either too), so that by default the echo outlives the driver
 * and its CPU time can be read.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openamp/open_amp.h>
#include <openamp/remoteproc.h>
#include "platform_info.h"

#define SERVICE "rpmsg-openamp-demo-channel"
#define SHUTDOWN 0xEF56A55Au

static struct rpmsg_endpoint ept;
static struct remoteproc *rproc;
static int busy, no_kick, shutdown, done, bad;
static struct remoteproc_ops quiet_ops;
static uint32_t size;
static uint64_t next_rx, t_sent;
static uint64_t *rtt;
static uint64_t nrtt;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Message n: its number in the first 8 bytes, then 64-bit words of a
 * sequence seeded by n (8 bytes a step, as vob-echo-drv's pattern). */
static uint64_t next_word(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x ^ (*x >> 29);
}

static void fill(uint8_t *p, uint64_t n)
{
	uint64_t x = (n + 1u) * 0x9e3779b97f4a7c15ull, w;
	uint32_t i;

	memcpy(p, &n, 8);
	for (i = 8; i < size; i += 8) {
		w = next_word(&x);
		memcpy(p + i, &w, size - i < 8 ? size - i : 8);
	}
}

static int check(const uint8_t *p, uint64_t n)
{
	uint64_t x = (n + 1u) * 0x9e3779b97f4a7c15ull, w;
	uint32_t i;

	if (memcmp(p, &n, 8))
		return -1;
	for (i = 8; i < size; i += 8) {
		w = next_word(&x);
		if (memcmp(p + i, &w, size - i < 8 ? size - i : 8))
			return (int)i;
	}
	return 0;
}

static void wait_work(void *platform)
{
	if (busy)
		remoteproc_get_notification(rproc, RSC_NOTIFY_ID_ANY);
	else
		platform_poll(platform);
}

static int no_notify(struct remoteproc *r, uint32_t id)
{
	(void)r;
	(void)id;
	return 0;
}

/* --no-kick: from now on the peer is never rung (it polls). */
static void stop_kicking(void)
{
	if (!no_kick)
		return;
	quiet_ops = *rproc->ops;
	quiet_ops.notify = no_notify;
	rproc->ops = &quiet_ops;
}

static int echo_cb(struct rpmsg_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)src;
	(void)priv;
	if (len == 4 && *(uint32_t *)data == SHUTDOWN) {
		done = 1;
		return RPMSG_SUCCESS;
	}
	if (rpmsg_send(e, data, (int)len) < 0) {
		fprintf(stderr, "openamp-bench: echo: rpmsg_send failed\n");
		done = 1;
	}
	return RPMSG_SUCCESS;
}

static int drv_cb(struct rpmsg_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)e;
	(void)src;
	(void)priv;
	if (len != size || check(data, next_rx)) {
		fprintf(stderr, "openamp-bench: message %llu: echo of %zu bytes is wrong\n",
			(unsigned long long)next_rx, len);
		bad++;
	}
	if (rtt)
		rtt[nrtt++] = now_ns() - t_sent;
	next_rx++;
	return RPMSG_SUCCESS;
}

static void unbind(struct rpmsg_endpoint *e)
{
	(void)e;
	done = 1;
}

static void ns_bind(struct rpmsg_device *rdev, const char *name, uint32_t dest)
{
	if (!strcmp(name, SERVICE))
		(void)rpmsg_create_ept(&ept, rdev, SERVICE, RPMSG_ADDR_ANY, dest, drv_cb, unbind);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run_echo(void *platform, struct rpmsg_device *rdev)
{
	if (rpmsg_create_ept(&ept, rdev, SERVICE, RPMSG_ADDR_ANY, RPMSG_ADDR_ANY, echo_cb, unbind))
		return 1;
	stop_kicking();
	while (!done)
		wait_work(platform);
	rpmsg_destroy_ept(&ept);
	return 0;
}

static int run_drv(void *platform, struct rpmsg_device *rdev, int flood, uint64_t count,
		   uint64_t warmup)
{
	uint8_t *buf = malloc(size);
	uint64_t sent = 0, filled = ~0ull, total = count + warmup, t0 = 0, rx0 = 0, sum = 0;
	uint32_t sd = SHUTDOWN;
	int r;

	if (!buf)
		return 1;
	if (!flood)
		rtt = calloc(total, sizeof(*rtt));
	if (rpmsg_create_ept(&ept, rdev, SERVICE, RPMSG_ADDR_ANY, RPMSG_ADDR_ANY, drv_cb, unbind))
		return 1;
	while (!is_rpmsg_ept_ready(&ept))
		wait_work(platform);
	stop_kicking();
	if ((int)size > rpmsg_get_tx_buffer_size(&ept)) {
		fprintf(stderr, "openamp-bench: --size %u is above the buffer size %d\n", size,
			rpmsg_get_tx_buffer_size(&ept));
		return 1;
	}
	while (next_rx < total && !bad && !done) {
		if (!t0 && next_rx >= warmup) {
			t0 = now_ns();
			rx0 = next_rx;
			nrtt = 0;
		}
		if (sent < total && (flood || sent == next_rx)) {
			if (filled != sent)
				fill(buf, sent);
			filled = sent;
			t_sent = now_ns();
			r = rpmsg_trysend(&ept, buf, (int)size);
			if (r >= 0) {
				sent++;
				continue;
			}
			if (r != RPMSG_ERR_NO_BUFF) {
				fprintf(stderr, "openamp-bench: rpmsg_trysend: %d\n", r);
				return 1;
			}
		}
		wait_work(platform);
	}
	{
		double s = (double)(now_ns() - t0) / 1e9;

		if (bad || done)
			return 1;
		printf("openamp-bench: %s: %llu messages of %u bytes echoed and checked in %.3f s: "
		       "%.0f msg/s", flood ? "flood" : "ping", (unsigned long long)(next_rx - rx0),
		       size, s, (double)(next_rx - rx0) / s);
		if (rtt) {
			uint64_t i;

			for (i = 0; i < nrtt; i++)
				sum += rtt[i];
			qsort(rtt, nrtt, sizeof(*rtt), cmp_u64);
			printf("; rtt_ns p50 %llu mean %llu p99 %llu min %llu",
			       (unsigned long long)rtt[nrtt / 2],
			       (unsigned long long)(sum / nrtt),
			       (unsigned long long)rtt[nrtt * 99 / 100],
			       (unsigned long long)rtt[0]);
		}
		printf("\n");
	}
	free(buf);
	if (!shutdown)
		exit(0); /* leave the endpoint up: the echo carries on */
	rpmsg_send(&ept, &sd, sizeof(sd));
	rpmsg_destroy_ept(&ept);
	return 0;
}

int main(int argc, char **argv)
{
	char proc_dev[] = "0", proc_drv[] = "1", *pargv[3] = {argv[0], NULL, NULL};
	uint64_t count = 100000, warmup = 0;
	void *platform;
	struct rpmsg_device *rdev;
	int i, role_dev, flood = 0, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s echo|flood|ping [--size N] [--count N] [--warmup N] "
			"[--busy [--no-kick]] [--shutdown]\n", argv[0]);
		return 2;
	}
	role_dev = !strcmp(argv[1], "echo");
	flood = !strcmp(argv[1], "flood");
	size = 64;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--busy"))
			busy = 1;
		else if (!strcmp(argv[i], "--no-kick"))
			no_kick = 1;
		else if (!strcmp(argv[i], "--shutdown"))
			shutdown = 1;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
			warmup = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "openamp-bench: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (size < 8 || !count || (no_kick && !busy)) {
		fprintf(stderr, "openamp-bench: --size must be at least 8, --count above 0; "
			"--no-kick needs --busy\n");
		return 2;
	}
	pargv[1] = role_dev ? proc_dev : proc_drv;
	if (platform_init(2, pargv, &platform))
		return 1;
	rproc = platform;
	rdev = platform_create_rpmsg_vdev(platform, 0, role_dev ? VIRTIO_DEV_DEVICE : VIRTIO_DEV_DRIVER,
					  NULL, role_dev ? NULL : ns_bind);
	if (!rdev)
		return 1;
	rc = role_dev ? run_echo(platform, rdev) : run_drv(platform, rdev, flood, count, warmup);
	platform_release_rpmsg_vdev(rdev, platform);
	platform_cleanup(platform);
	return rc;
}

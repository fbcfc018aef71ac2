/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers the Linux port's cmocka tests share (test_linux_port.c,
 * test_linux_bell.c). Include after cmocka.h and vob_linux.h. */
#ifndef VOB_LX_TEST_H
#define VOB_LX_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Two contexts over one window, with their links. */
struct pair {
	struct vob_linux a, b;
	struct vob_link la, lb;
};

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Take every doorbell recorded on @l. */
static inline void clear_irqs(struct vob_link *l)
{
	while (vob_link_irq_next(l) >= 0) {
	}
}

/* Context @lx over the first window of @other (its fd), doorbell @spec,
 * table side @side, attached to @l. */
static inline void join(struct vob_linux *lx, struct vob_link *l, struct vob_linux *other,
			const char *spec, unsigned side)
{
	char w[64];

	assert_int_equal(vob_linux_init(lx), 0);
	snprintf(w, sizeof(w), "fd:%d", vob_linux_window(other, 0)->fd);
	assert_int_equal(vob_linux_add_window(lx, w), 0);
	if (vob_linux_set_doorbell(lx, spec, side))
		fail_msg("%s", vob_linux_error(lx));
	assert_int_equal(vob_linux_attach(lx, l, 64), 0);
}

/* Wait on both (eventfd doorbells) until each has the other's doorbell
 * ends; at most 3 s. */
static inline void connect_both(struct vob_linux *a, struct vob_linux *b)
{
	uint64_t t = now_ms();

	while (!vob_linux_peer_connected(a) || !vob_linux_peer_connected(b)) {
		vob_linux_wait(a, 10);
		vob_linux_wait(b, 10);
		assert_true(now_ms() - t < 3000);
	}
}

/* Remove an eventfd doorbell's socket file and its lock file. */
static inline void unlink_sock(const char *sock)
{
	char lock[160];

	unlink(sock);
	snprintf(lock, sizeof(lock), "%s.lock", sock);
	unlink(lock);
}

#endif

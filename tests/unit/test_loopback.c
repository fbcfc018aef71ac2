/* SPDX-License-Identifier: BSD-3-Clause */
/* A driver and a device in one process move more than a million random
 * chains on each ring format; every payload byte, token and written length
 * is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

#define SEG_BYTES 64u
#define MAX_SEGS 6u

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 11);
}

struct token {
	uint32_t seq;
	uint32_t sum;      /* checksum of the readable bytes, as the device computes it */
	uint32_t in_len;
	unsigned n_in;
	uint32_t in_seg[MAX_SEGS];
	uint8_t *in_buf[MAX_SEGS];
};

/* Device: echo a checksum of the readable bytes, then the sequence number,
 * into the writable segments; returns bytes written. */
static uint32_t device_serve(struct vob_pair *p, struct vob_chain *c)
{
	uint8_t in[MAX_SEGS * SEG_BYTES], out[MAX_SEGS * SEG_BYTES];
	int n = vob_chain_pull(&p->ldev, c, 0, in, sizeof(in), NULL);
	uint32_t sum = 0;
	int i;

	assert_int_equal(n, (int)c->out_len);
	for (i = 0; i < n; i++)
		sum = sum * 31u + in[i];
	for (i = 0; i < (int)c->in_len; i++)
		out[i] = (uint8_t)(sum >> (8 * (i & 3)));
	n = vob_chain_push(&p->ldev, c, 0, out, c->in_len, NULL);
	assert_int_equal(n, (int)c->in_len);
	return c->in_len;
}

static void run_loopback(uint16_t size, uint64_t features, uint16_t indirect_max, unsigned total)
{
	struct vob_pair p;
	struct rng r = { 0x9e3779b97f4a7c15ull ^ size ^ features };
	struct token *tok = calloc(size, sizeof(*tok));
	struct vob_iov iov[64];
	size_t slot_bytes = MAX_SEGS * SEG_BYTES;
	unsigned sent = 0, done = 0, expect_seq = 0, i;

	assert_int_equal(pair_setup(&p, size, features, indirect_max, (size_t)size * slot_bytes), 0);
	p.cdev.seg_max = MAX_SEGS;
	assert_int_equal(vob_vq_init(&p.dev, &p.ldev, &p.cdev, p.sdev, VOB_VQ_STATE_SIZE(size, 0)), 0);
	while (done < total) {
		/* Driver: add a random number of random chains. */
		unsigned burst = rnd(&r) % 8u + 1u;

		for (i = 0; i < burst && sent < total; i++) {
			struct vob_seg segs[MAX_SEGS];
			unsigned n_out = rnd(&r) % 4u, n_in = rnd(&r) % 3u, k;
			size_t slot = sent % size;
			struct token *t = &tok[slot];
			int err;

			if (t->seq)
				break; /* slot still in flight */
			if (n_out + n_in == 0)
				n_out = 1;
			while (n_out + n_in > size)
				n_out ? n_out-- : n_in--;
			t->sum = 0;
			t->in_len = 0;
			t->n_in = n_in;
			for (k = 0; k < n_out + n_in; k++) {
				uint32_t len = rnd(&r) % SEG_BYTES + 1u, j;
				uint8_t *b = pair_buf(&p, slot * slot_bytes + k * SEG_BYTES);

				segs[k].addr = pair_buf_addr(&p, slot * slot_bytes + k * SEG_BYTES);
				segs[k].len = len;
				if (k < n_out) {
					for (j = 0; j < len; j++) {
						b[j] = (uint8_t)rnd(&r);
						t->sum = t->sum * 31u + b[j];
					}
				} else {
					memset(b, 0, len);
					t->in_seg[k - n_out] = len;
					t->in_buf[k - n_out] = b;
					t->in_len += len;
				}
			}
			err = vob_vq_add(&p.drv, segs, n_out, n_in, t);
			if (err == VOB_ENOSPC)
				break;
			assert_int_equal(err, 0);
			t->seq = ++sent;
		}
		vob_vq_kick(&p.drv);
		/* Device: serve some of what is there. */
		burst = rnd(&r) % 8u + 1u;
		for (i = 0; i < burst; i++) {
			struct vob_chain c = { .iov = iov, .cap = 64 };
			int err = vob_vq_pop(&p.dev, &c);

			if (err == VOB_EAGAIN)
				break;
			assert_int_equal(err, 0);
			assert_int_equal(vob_vq_push(&p.dev, &c, device_serve(&p, &c)), 0);
		}
		vob_vq_kick(&p.dev);
		/* Driver: collect and check every byte the device wrote. */
		for (;;) {
			void *token;
			uint32_t written, pos = 0;
			struct token *t;
			unsigned k;
			int err = vob_vq_get_used(&p.drv, &token, &written);

			if (err == VOB_EAGAIN)
				break;
			assert_int_equal(err, 0);
			t = token;
			assert_true(t >= tok && t < tok + size);
			assert_int_not_equal(t->seq, 0);
			assert_int_equal(t->seq, ++expect_seq);
			assert_int_equal(written, t->in_len);
			for (k = 0; k < t->n_in; k++) {
				uint32_t j;

				for (j = 0; j < t->in_seg[k]; j++, pos++)
					assert_int_equal(t->in_buf[k][j], (uint8_t)(t->sum >> (8 * (pos & 3))));
			}
			t->seq = 0;
			done++;
		}
	}
	assert_int_equal(vob_vq_stats(&p.drv)->added, total);
	assert_int_equal(vob_vq_stats(&p.drv)->used, total);
	assert_int_equal(vob_vq_stats(&p.dev)->used, total);
	pair_free(&p);
	free(tok);
}

#define F(x) VOB_BIT(VOB_F_##x)

/* Each configuration runs on both ring formats: the format bits come from
 * the test's initial state (0 or F(RING_PACKED)). */
static uint64_t fmt_of(void **state)
{
	return *(const uint64_t *)*state;
}

/* More than a million chains across the configurations, per format. */
static void test_plain(void **state)
{
	run_loopback(64, fmt_of(state), 0, 400000);
}

static void test_event_idx(void **state)
{
	run_loopback(256, fmt_of(state) | F(EVENT_IDX), 0, 300000);
}

static void test_indirect(void **state)
{
	run_loopback(16, fmt_of(state) | F(EVENT_IDX) | F(INDIRECT_DESC), 4, 200000);
}

static void test_in_order(void **state)
{
	run_loopback(32, fmt_of(state) | F(IN_ORDER) | F(EVENT_IDX), 0, 100000);
}

static void test_in_order_indirect(void **state)
{
	run_loopback(8, fmt_of(state) | F(IN_ORDER) | F(INDIRECT_DESC), 8, 100000);
}

static void test_tiny_and_huge(void **state)
{
	run_loopback(4, fmt_of(state) | F(EVENT_IDX), 0, 50000);
	run_loopback(32768, fmt_of(state) | F(EVENT_IDX), 0, 100000);
}

/* Packed rings need not be powers of two. */
static void test_packed_odd_sizes(void **state)
{
	static const uint16_t sizes[] = { 1, 3, 5, 7, 100, 1000, 32767 };
	unsigned i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		run_loopback(sizes[i], fmt_of(state) | F(EVENT_IDX), 0, 20000);
		run_loopback(sizes[i], fmt_of(state) | F(IN_ORDER) | F(INDIRECT_DESC), 3, 20000);
	}
}

static const uint64_t split_fmt = 0, packed_fmt = VOB_BIT(VOB_F_RING_PACKED);

#define BOTH(fn)                                                       \
	{ #fn "/split", fn, NULL, NULL, (void *)(uintptr_t)&split_fmt }, \
	{ #fn "/packed", fn, NULL, NULL, (void *)(uintptr_t)&packed_fmt }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_plain),
		BOTH(test_event_idx),
		BOTH(test_indirect),
		BOTH(test_in_order),
		BOTH(test_in_order_indirect),
		BOTH(test_tiny_and_huge),
		{ "test_odd_sizes/packed", test_packed_odd_sizes, NULL, NULL,
		  (void *)(uintptr_t)&packed_fmt },
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

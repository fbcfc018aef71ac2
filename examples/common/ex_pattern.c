/* SPDX-License-Identifier: BSD-3-Clause */
/* The payload pattern of the example pairs (ex_layout.h); freestanding, so
 * the firmware and the Linux programs check the same bytes. */
#include <string.h>

#include "ex_layout.h"

static uint64_t ex_pat(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

void ex_fill(uint8_t *p, uint32_t n, uint64_t seq)
{
	uint64_t x = (seq + 1u) * 0x9e3779b97f4a7c15ull | 1u, w;
	uint32_t i = 0;
	uint8_t hdr[8];

	vob_put_le64(hdr, seq);
	memcpy(p, hdr, n < 8u ? n : 8u);
	for (i = 8; i < n; i += 8u) {
		w = ex_pat(&x);
		memcpy(p + i, &w, n - i < 8u ? n - i : 8u);
	}
}

uint32_t ex_check(const uint8_t *p, uint32_t n, uint64_t seq)
{
	uint8_t ref[8];
	uint64_t x = (seq + 1u) * 0x9e3779b97f4a7c15ull | 1u, w;
	uint32_t i, j, k;

	vob_put_le64(ref, seq);
	for (j = 0; j < (n < 8u ? n : 8u); j++)
		if (p[j] != ref[j])
			return j;
	for (i = 8; i < n; i += 8u) {
		w = ex_pat(&x);
		k = n - i < 8u ? n - i : 8u;
		if (memcmp(p + i, &w, k))
			for (j = 0; j < k; j++)
				if (p[i + j] != ((const uint8_t *)&w)[j])
					return i + j;
	}
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The echo device's work on one chain (ex_layout.h), shared by vob-echo-dev
 * and the firmware. */
#include "ex_layout.h"

int ex_echo_chain(struct vob_link *link, const struct vob_chain *ch, uint8_t *scratch,
		  uint32_t scratch_len)
{
	uint32_t off = 0;

	/* One readable segment: already a local pointer, no copy in between. */
	if (ch->n_out == 1)
		return vob_chain_push(link, ch, 0, ch->iov[0].base, ch->iov[0].len, NULL);
	while (off < ch->out_len) {
		uint32_t n = ch->out_len - off < scratch_len ? ch->out_len - off : scratch_len;
		int got = vob_chain_pull(link, ch, off, scratch, n, NULL);

		if (got != (int)n)
			return got < 0 ? got : VOB_EMSGSIZE;
		got = vob_chain_push(link, ch, off, scratch, n, NULL);
		if (got != (int)n)
			return got < 0 ? got : VOB_EMSGSIZE;
		off += n;
	}
	return (int)off;
}

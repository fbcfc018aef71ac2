/* SPDX-License-Identifier: BSD-3-Clause */
/* The TAP side of the network pair: open a TAP interface and move frames
 * between it and either role of the net class. */
#ifndef EX_TAP_H
#define EX_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "ex_common.h"

#define EX_FRAME_MAX 2048u /* MTU 1500 + 18; the TAP gives no more */

/* Either role of the net class as two calls without a header. */
struct ex_net_ops {
	int (*recv)(void *obj, void *buf, size_t cap);      /* from the peer */
	int (*send)(void *obj, const void *frame, size_t len); /* to the peer */
};

struct ex_bridge {
	int fd;                 /* the TAP */
	const char *tap;        /* its name, for messages */
	const char *prog;
	size_t pend;            /* bytes of in[] not yet taken by the peer */
	uint64_t from_tap, to_tap, tap_drops, refused;
	uint8_t in[EX_FRAME_MAX];
	uint8_t out[65536];
};

/* Open (or create) TAP @name: Ethernet frames, no packet information,
 * non-blocking. Returns the fd or -1 with a message. */
int ex_tap_open(const char *prog, const char *name);

/* The start of both programs of the pair: read the command line (the
 * common options, --tap NAME, and the program's own through @own, which may
 * be NULL), check it (--tap is required, --queue at most VOB_NET_QSIZE),
 * install the signal handlers and open the TAP into @b. Returns -1 when the
 * program goes on, else the status to exit with (0 after --help, 2 for a
 * bad command line, 1 when the TAP does not open). */
int ex_net_start(struct ex_bridge *b, struct ex_opts *o, int argc, char **argv,
		 void (*usage)(FILE *f, struct ex_opts *o), ex_opt_fn own, void *arg);

/* Move what can move each way. Returns 1 when something moved, 0 when both
 * directions are idle (every class call ended with VOB_EAGAIN, which armed
 * the notifications), -1 on a TAP error (with a message). */
int ex_bridge_step(struct ex_bridge *b, const struct ex_net_ops *ops, void *obj);

/* Sleep until the TAP (when it may be read) or the link's fd is ready, or
 * 200 ms; then drain the link's doorbells. */
void ex_bridge_wait(struct ex_bridge *b, struct ex *e);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the Linux example pairs (echo, console): option handling and
 * bringing up the port, the link and the device table (the window layout is
 * in ../common/ex_layout.h, shared with the firmware). Only public API is used: include/vob and
 * ports/linux. */
#ifndef VOB_EX_COMMON_H
#define VOB_EX_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ex_layout.h"
#include "ex_num.h"
#include "vob/vob.h"
#include "vob_linux.h"

struct ex_opts {
	const char *prog;      /* program name for messages */
	char window[512];      /* window spec */
	char doorbell[512];    /* doorbell spec */
	unsigned queue;        /* queue size */
	unsigned queue_max;    /* largest --queue the program takes (0: no limit) */
	int packed;            /* driver: ask for the packed ring */
	int quiet;
	FILE *msg;             /* where messages go (stdout, or stderr) */
};

struct ex {
	struct ex_opts *o;
	struct vob_linux lx;
	struct vob_link link;
	struct vob_table t;
	struct vob_dev dev;
	uint64_t win_size;     /* bytes of window 0 */
	int fd;                /* vob_linux_fd() if asked for, else -1 */
};

/* The largest --spin-us the programs take (10 s). */
#define EX_SPIN_US_MAX 10000000u

/* Defaults: window file:/dev/shm/<name>,size=<size>, futex doorbell. */
void ex_opts_init(struct ex_opts *o, const char *prog, const char *name, const char *size);
/* Handle one of the common options at argv[*i]; 1 when taken, 0 when not
 * ours, -1 on a bad value (message printed). */
int ex_opts_common(struct ex_opts *o, int argc, char **argv, int *i);
/* Help text of the common options. */
void ex_opts_help(FILE *f, const struct ex_opts *o);
/* A program's own options, in the shape of ex_opts_common(): 1 when
 * argv[*i] was taken (*i moved past its values), 0 when it is not one of
 * them (or a value is missing), -1 on a bad value (message printed). */
typedef int (*ex_opt_fn)(void *arg, struct ex_opts *o, int argc, char **argv, int *i);
/* Read the command line: the common options, -h/--help (prints @usage to
 * stdout) and, through @own (may be NULL), the program's; then checks
 * --queue against queue_max. Returns 0 to go
 * on, 1 after the help (exit 0), -1 on an error with its message printed
 * (exit 2). */
int ex_opts_parse(struct ex_opts *o, int argc, char **argv,
		  void (*usage)(FILE *f, struct ex_opts *o), ex_opt_fn own, void *arg);
/* Write all @n bytes to @fd, retrying short writes and EINTR; when @fd is
 * non-blocking and full (EAGAIN), wait in poll(2) for room until ex_stop is
 * set. 0, or -1 with errno set (EINTR when ex_stop ended the wait). */
int ex_write_all(int fd, const void *p, size_t n);
/* Read from @fd only if poll(2) says it would not block, so that a program
 * never has to make its stdin O_NONBLOCK (on a terminal that would make
 * stdout, the same open file description, non-blocking too). read()'s
 * result, or -1 with errno EAGAIN when nothing is ready. */
ssize_t ex_read_ready(int fd, void *buf, size_t n);
/* Open the --log file @path for appending and start a new line in it (a
 * predecessor killed in the middle of a write may have left half of one);
 * the fd, or -1 with the error printed. */
int ex_log_open(const struct ex_opts *o, const char *path);
/* Port, windows, doorbell, link, table on @side; prints what it did. Fails
 * (message printed) when another program already runs @side of the same
 * window file: it holds a write lock on byte @side of that file until
 * ex_close() or its death. */
int ex_open(struct ex *e, struct ex_opts *o, unsigned side);
void ex_close(struct ex *e);
/* Local pointer of a link address (window 0). */
void *ex_ptr(struct ex *e, uint64_t addr);
/* Place @n queues of @size entries in the arena from @addr; returns the
 * first free address after them, or 0 when the window is too small. */
uint64_t ex_place(struct ex *e, struct vob_dev_queue *q, unsigned n, unsigned size, uint64_t addr);
/* Print the features negotiated on @d (the echo pair: &e->dev). */
void ex_print_features(struct ex *e, struct vob_dev *d, const char *who);
/* CLOCK_MONOTONIC in ns. */
uint64_t ex_now(void);
/* The name of a vob_dev_state. */
const char *ex_state_name(int st);
/* Install SIGINT/SIGTERM handlers that set ex_stop. */
void ex_signals(void);
extern volatile int ex_stop;

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE

#include "ex_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile int ex_stop;

VOB_STATIC_ASSERT(EX_TABLE_BYTES <= EX_FUTEX_ADDR, table_before_futex_block);
VOB_STATIC_ASSERT(EX_FUTEX_ADDR + VOB_LINUX_FUTEX_BYTES <= EX_ARENA_ADDR, futex_block_before_arena);

void ex_opts_init(struct ex_opts *o, const char *prog, const char *name, const char *size)
{
	memset(o, 0, sizeof(*o));
	o->prog = prog;
	snprintf(o->window, sizeof(o->window), "file:/dev/shm/%s,size=%s", name, size);
	snprintf(o->doorbell, sizeof(o->doorbell), "futex");
	o->queue = 256;
	o->msg = stdout;
}

int ex_opts_common(struct ex_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(a, "--window") || !strcmp(a, "-w")) {
		if (!v)
			goto missing;
		snprintf(o->window, sizeof(o->window), "%s", v);
		if (!strchr(v, ':'))
			snprintf(o->window, sizeof(o->window), "file:%s", v);
	} else if (!strcmp(a, "--doorbell") || !strcmp(a, "-d")) {
		if (!v)
			goto missing;
		snprintf(o->doorbell, sizeof(o->doorbell), "%s", v);
	} else if (!strcmp(a, "--queue")) {
		uint64_t n;

		if (!v)
			goto missing;
		if (ex_parse_u64(v, 2, 32768, &n) || (n & (n - 1)))
			goto bad;
		o->queue = (unsigned)n;
	} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
		o->quiet = 1;
		return 1;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
missing:
	fprintf(stderr, "%s: %s needs a value (try --help)\n", o->prog, a);
	return -1;
bad:
	fprintf(stderr, "%s: bad value for %s (try --help)\n", o->prog, a);
	return -1;
}

int ex_opts_parse(struct ex_opts *o, int argc, char **argv,
		  void (*usage)(FILE *f, struct ex_opts *o), ex_opt_fn own, void *arg)
{
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, o);
			return 1;
		}
		r = ex_opts_common(o, argc, argv, &i);
		if (!r && own)
			r = own(arg, o, argc, argv, &i);
		if (r < 0)
			return -1;
		if (!r) {
			fprintf(stderr, "%s: unknown option %s, or a value missing (try --help)\n",
				o->prog, argv[i]);
			return -1;
		}
	}
	if (o->queue_max && o->queue > o->queue_max) {
		fprintf(stderr, "%s: --queue at most %u\n", o->prog, o->queue_max);
		return -1;
	}
	return 0;
}

int ex_log_open(const struct ex_opts *o, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", o->prog, path, strerror(errno));
		return -1;
	}
	if (ex_write_all(fd, "\n", 1))
		fprintf(stderr, "%s: log write: %s\n", o->prog, strerror(errno));
	return fd;
}

/* Wait until @fd takes a write or ex_stop is set; 0 when writable. */
static int ex_wait_out(int fd)
{
	struct pollfd p;

	while (!ex_stop) {
		p.fd = fd;
		p.events = POLLOUT;
		p.revents = 0;
		/* In slices, so that a signal between the ex_stop test and the
		 * poll delays the stop by one slice at most. */
		if (poll(&p, 1, 100) > 0)
			return p.revents & POLLOUT ? 0 : -1;
	}
	return -1;
}

int ex_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = (const uint8_t *)p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A non-blocking fd that is full (a terminal nobody reads,
			 * or one a shell left O_NONBLOCK): wait for room. */
			if (ex_wait_out(fd)) {
				errno = ex_stop ? EINTR : EIO;
				return -1;
			}
			continue;
		}
		if (w < 0 && errno == EINTR) {
			/* A blocking write interrupted by the stop signal would
			 * block again: give up then. */
			if (ex_stop)
				return -1;
			continue;
		}
		if (w <= 0) {
			if (!w)
				errno = EIO;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t ex_read_ready(int fd, void *buf, size_t n)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	r = poll(&p, 1, 0);
	if (r < 0)
		return -1;
	if (!r) {
		errno = EAGAIN;
		return -1;
	}
	/* POLLIN, or POLLHUP/POLLERR that the read turns into 0 or an error:
	 * a read now returns what is there without blocking. */
	return read(fd, buf, n);
}

void ex_opts_help(FILE *f, const struct ex_opts *o)
{
	fprintf(f,
		"  -w, --window SPEC    shared window (default %s)\n"
		"                       file:PATH[,size=N]  memfd:NAME,size=N  fd:N  uio:/dev/uioN,map=M\n"
		"                       pci:DDDD:BB:DD.F,bar=N  (a bare path means file:PATH)\n"
		"  -d, --doorbell SPEC  futex (default: a futex block in the window), eventfd\n"
		"                       (eventfds over the socket WINDOWPATH.sock), eventfd:SOCKET,\n"
		"                       uio:/dev/uioN,reg=MAP:OFF, poll, poll:INTERVAL_US\n"
		"  --queue N            queue size, a power of two (default %u)\n"
		"  -q, --quiet          only errors and the summary\n"
		"  -h, --help           this text\n",
		o->window, o->queue);
}

/* Expand the doorbell shorthands: "futex" gets the block address of the
 * layout, "eventfd" a socket beside the window file. */
static void ex_doorbell_spec(struct ex *e, char *out, size_t n)
{
	const char *d = e->o->doorbell;

	if (!strcmp(d, "futex")) {
		snprintf(out, n, "futex:0x%x", EX_FUTEX_ADDR);
	} else if (!strcmp(d, "eventfd")) {
		const struct vob_linux_window *w = vob_linux_window(&e->lx, 0);
		const char *p = w && w->path[0] == '/' ? w->path : "/tmp/vob";

		snprintf(out, n, "eventfd:%s.sock", p);
	} else {
		snprintf(out, n, "%s", d);
	}
}

/* Hold a write lock on byte @side of the window file for as long as the
 * port keeps the file open (the lock goes with the process, so the kernel
 * drops it when the process dies, even by kill -9): a second program on
 * the same side of the same window would steal the first one's doorbells
 * and, at its exit, mark the side stopped under it. A classic fcntl lock
 * (not an OFD one) so that F_GETLK names the holder; the port keeps its one
 * fd of the window open until vob_linux_close(), which is what such a lock
 * needs. Windows that take no locks (some device files) go unlocked. */
static int ex_lock_side(struct ex *e, unsigned side)
{
	const struct vob_linux_window *w = vob_linux_window(&e->lx, 0);
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)side;
	fl.l_len = 1;
	if (w->fd < 0 || !fcntl(w->fd, F_SETLK, &fl))
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return 0;
	if (fcntl(w->fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		fl.l_pid = 0; /* gone meanwhile: say so without a pid */
	fprintf(stderr, "%s: another side-%u (%s) program is using %s (pid %ld); stop it first "
		"or give another --window\n", e->o->prog, side,
		side == EX_SIDE_DRIVER ? "driver" : "device", w->path, (long)fl.l_pid);
	return -1;
}

int ex_open(struct ex *e, struct ex_opts *o, unsigned side)
{
	struct vob_table_cfg tc;
	char bell[600];
	int err;

	memset(e, 0, sizeof(*e));
	e->o = o;
	e->fd = -1;
	if (vob_linux_init(&e->lx))
		return -1;
	err = vob_linux_add_window(&e->lx, o->window);
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", o->prog, vob_linux_error(&e->lx));
		return -1;
	}
	if (ex_lock_side(e, side))
		return -1;
	e->win_size = vob_linux_window(&e->lx, 0)->size;
	if (e->win_size < EX_ARENA_ADDR) {
		fprintf(stderr, "%s: the window is %" PRIu64 " bytes; it needs at least %u\n", o->prog,
			e->win_size, EX_ARENA_ADDR);
		return -1;
	}
	ex_doorbell_spec(e, bell, sizeof(bell));
	err = vob_linux_set_doorbell(&e->lx, bell, side);
	if (err) {
		fprintf(stderr, "%s: %s\n", o->prog, vob_linux_error(&e->lx));
		return -1;
	}
	err = vob_linux_attach(&e->lx, &e->link, EX_LINE);
	if (err) {
		fprintf(stderr, "%s: %s\n", o->prog, vob_linux_error(&e->lx));
		return -1;
	}
	memset(&tc, 0, sizeof(tc));
	tc.addr = EX_TABLE_ADDR;
	tc.side = (uint8_t)side;
	tc.nslots = EX_NSLOTS;
	tc.nqueues = EX_NQUEUES;
	tc.config_max = EX_CONFIG_MAX;
	err = vob_table_init(&e->t, &e->link, &tc);
	if (err) {
		fprintf(stderr, "%s: vob_table_init: %s\n", o->prog, vob_strerror(err));
		return -1;
	}
	if (!o->quiet)
		fprintf(o->msg, "%s: window %s (%" PRIu64 " bytes%s), doorbell %s, table side %u\n", o->prog,
		       vob_linux_window(&e->lx, 0)->path, e->win_size,
		       vob_linux_window(&e->lx, 0)->created ? ", created" : "", bell, side);
	fflush(o->msg);
	return 0;
}

void ex_close(struct ex *e)
{
	if (e->t.link)
		vob_table_shutdown(&e->t);
	vob_linux_close(&e->lx);
}

void *ex_ptr(struct ex *e, uint64_t addr)
{
	return vob_link_translate(&e->link, addr, 0, VOB_MAP_READ, NULL);
}

uint64_t ex_place(struct ex *e, struct vob_dev_queue *q, unsigned n, unsigned size, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		/* Split placement also fits a packed ring of the same size: its
		 * descriptor ring is as large, its two 4-byte areas smaller. */
		struct vob_arena a = { addr, e->win_size > addr ? e->win_size - addr : 0 };

		if (vob_place_split(&a, &a, (uint16_t)size, EX_LINE, &q[i]))
			return 0;
		addr = a.addr;
	}
	return addr;
}

static const struct {
	unsigned bit;
	const char *name;
} ex_features[] = {
	{ VOB_F_INDIRECT_DESC, "INDIRECT_DESC" }, { VOB_F_EVENT_IDX, "EVENT_IDX" },
	{ VOB_F_VERSION_1, "VERSION_1" },         { VOB_F_RING_PACKED, "RING_PACKED" },
	{ VOB_F_IN_ORDER, "IN_ORDER" },           { VOB_F_NOTIFICATION_DATA, "NOTIFICATION_DATA" },
};

void ex_print_features(struct ex *e, struct vob_dev *d, const char *who)
{
	uint64_t f = vob_dev_features(d, 0);
	size_t i;

	FILE *out = e->o->msg;

	fprintf(out, "%s: negotiated", who);
	for (i = 0; i < sizeof(ex_features) / sizeof(ex_features[0]); i++)
		if (f & VOB_BIT(ex_features[i].bit))
			fprintf(out, " %s", ex_features[i].name);
	fprintf(out, " (0x%" PRIx64 "); ring format %s\n", f,
	       (f & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split");
}

uint64_t ex_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *ex_state_name(int st)
{
	static const char *const n[] = { "off",  "resetting", "negotiating", "starting",
					 "ready", "live",     "needs-reset", "failed" };

	return st >= 0 && st < (int)(sizeof(n) / sizeof(n[0])) ? n[st] : "?";
}

static void ex_on_signal(int sig)
{
	(void)sig;
	ex_stop = 1;
}

void ex_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ex_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

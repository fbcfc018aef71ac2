/* SPDX-License-Identifier: BSD-3-Clause */
/* Doorbells of the Linux port: eventfds over a unix socket, a futex block in
 * the window, UIO interrupts, polling; the epoll fd that gathers them. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vob_linux_internal.h"

/* The hello each side sends once over the socket, with its doorbell ends. */
#define LX_HELLO_MAGIC 0x4c424f56u /* "VOBL" */
#define LX_HELLO_VERSION 2u
#define LX_HELLO_BYTES 16u

static int lx_epoll_add(struct vob_linux *lx, int fd, uint32_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;
	return epoll_ctl(lx->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void lx_close_fd(struct vob_linux *lx, int *fd)
{
	if (*fd >= 0) {
		epoll_ctl(lx->epfd, EPOLL_CTL_DEL, *fd, NULL);
		close(*fd);
	}
	*fd = -1;
}

static void lx_mark(struct vob_linux *lx, uint32_t id)
{
	vob_on_irq_isr(lx->link, id);
	lx->stats.received++;
}

/* ---- datagram doorbells over a unix socket ------------------------------------ */

/* The doorbell named `eventfd` in specs: per doorbell id a socketpair of
 * unix datagram sockets; we keep one end and read it, the peer gets the
 * other end in our hello and sends one byte to ring. A socketpair's ends
 * are two file descriptions, so nothing the peer does to its end (clearing
 * O_NONBLOCK, filling it, closing it) reaches the end we read; and what the
 * peer gives us is only ever used with MSG_DONTWAIT | MSG_NOSIGNAL, after
 * checking that it is a unix datagram socket. */

/* Bytes read per doorbell end per dispatch: a flooding peer cannot keep a
 * drain in its loop; what is left keeps the end readable for the next. */
#define LX_RECV_BURST 32
/* Retry of a lost socket (and of accept after EMFILE), in ms. */
#define LX_RETRY_MS 100
/* Rounds of epoll_wait per dispatch (each of up to 16 events). */
#define LX_DISPATCH_ROUNDS 4

/* Disconnected with nothing to listen on: a re-establish is pending. */
static int lx_sock_pending(const struct vob_linux *lx)
{
	return lx->bell == VOB_LINUX_BELL_EVENTFD && lx->lfd < 0 && lx->cfd < 0;
}

/* Arm the retry timer (one shot); its expiry wakes waits and the fd. */
static void lx_retry_arm(struct vob_linux *lx)
{
	struct itimerspec it;

	if (lx->tfd < 0)
		return;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_nsec = LX_RETRY_MS * 1000000L;
	timerfd_settime(lx->tfd, 0, &it, NULL);
}

static void lx_sock_close_ends(struct vob_linux *lx)
{
	unsigned i;

	for (i = 0; i < VOB_MAX_DOORBELLS; i++) {
		lx_close_fd(lx, &lx->in_fd[i]);
		if (lx->out_fd[i] >= 0) {
			close(lx->out_fd[i]);
			lx->out_fd[i] = -1;
		}
	}
}

static void lx_sock_drop_peer(struct vob_linux *lx)
{
	lx_close_fd(lx, &lx->cfd);
	lx_sock_close_ends(lx);
	if (lx->peer_nids)
		lx->stats.disconnects++;
	lx->peer_nids = 0;
	lx->peer_pid = 0;
}

/* New doorbell ends for a new peer: we keep in_fd[i] and send the other
 * ends (in @give) in the hello. */
static int lx_sock_new_ends(struct vob_linux *lx, int *give)
{
	unsigned i;
	int sv[2], err;

	for (i = 0; i < lx->nids; i++) {
		lx_close_fd(lx, &lx->in_fd[i]);
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
			goto fail;
		lx->in_fd[i] = sv[0];
		give[i] = sv[1];
		if (lx_epoll_add(lx, sv[0], i)) {
			i++;
			goto fail;
		}
	}
	return 0;
fail:
	err = lx_errno(errno);
	while (i--)
		close(give[i]);
	return err;
}

static int lx_sock_send_hello(struct vob_linux *lx)
{
	uint8_t hello[LX_HELLO_BYTES];
	int give[VOB_MAX_DOORBELLS];
	union {
		char buf[CMSG_SPACE(sizeof(int) * VOB_MAX_DOORBELLS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { hello, sizeof(hello) };
	struct msghdr m;
	struct cmsghdr *c;
	unsigned i;
	int err;

	err = lx_sock_new_ends(lx, give);
	if (err)
		return err;
	memset(hello, 0, sizeof(hello));
	vob_put_le32(hello, LX_HELLO_MAGIC);
	vob_put_le16(hello + 4, LX_HELLO_VERSION);
	vob_put_le16(hello + 6, (uint16_t)lx->nids);
	vob_put_le32(hello + 8, (uint32_t)getpid());
	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * lx->nids);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * lx->nids);
	memcpy(CMSG_DATA(c), give, sizeof(int) * lx->nids);
	err = sendmsg(lx->cfd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof(hello) ? 0 :
	      lx_errno(errno);
	/* The peer has its own references now; ours would only keep the
	 * ends alive after the peer has gone. */
	for (i = 0; i < lx->nids; i++)
		close(give[i]);
	return err;
}

/* Adopt @fd as the connection: watch it and send our doorbell ends. */
static int lx_sock_adopt(struct vob_linux *lx, int fd)
{
	int err;

	lx_sock_drop_peer(lx);
	lx->cfd = fd;
	if (lx_epoll_add(lx, fd, LX_TAG_CONN)) {
		err = errno;
		lx_close_fd(lx, &lx->cfd);
		close(fd);
		return lx_fail(lx, lx_errno(err), "doorbell socket: epoll: %s", strerror(err));
	}
	err = lx_sock_send_hello(lx);
	if (err) {
		lx_sock_drop_peer(lx);
		return lx_fail(lx, err, "doorbell socket %s: sending the hello: %s", lx->sock_path,
			       vob_strerror(err));
	}
	return 0;
}

static int lx_sock_connect(struct vob_linux *lx, int *err_no)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		*err_no = errno;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, lx->sock_path, strlen(lx->sock_path) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		*err_no = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect to the peer's socket, or listen on it when nobody does. A lock file
 * beside the socket serialises the choice, so two sides starting together
 * end up one listening and one connected; a socket file nobody listens on
 * (a dead process's) is replaced. With @block 0 (a re-establish from a
 * drain or wait) a lock held by somebody else is not waited for: the
 * retry timer tries again. */
static int lx_sock_establish(struct vob_linux *lx, int block)
{
	char lock[VOB_LINUX_PATH_LEN + 8];
	struct sockaddr_un a;
	int fd, e = 0, lockfd, err = 0, r;

	fd = lx_sock_connect(lx, &e);
	if (fd >= 0)
		return lx_sock_adopt(lx, fd);
	if (e != ECONNREFUSED && e != ENOENT)
		goto refuse;
	snprintf(lock, sizeof(lock), "%s.lock", lx->sock_path);
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0)
		return lx_fail(lx, lx_errno(errno), "doorbell socket: cannot open lock file %s: %s",
			       lock, strerror(errno));
	do
		r = flock(lockfd, block ? LOCK_EX : LOCK_EX | LOCK_NB);
	while (r && errno == EINTR);
	if (r) {
		e = errno;
		close(lockfd);
		if (e == EWOULDBLOCK)
			return lx_fail(lx, VOB_EAGAIN, "doorbell socket: %s is locked; retrying",
				       lock);
		return lx_fail(lx, lx_errno(e), "doorbell socket: cannot lock %s: %s", lock,
			       strerror(e));
	}
	fd = lx_sock_connect(lx, &e);
	if (fd >= 0) {
		err = lx_sock_adopt(lx, fd);
		goto out;
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		close(lockfd);
		goto refuse;
	}
	unlink(lx->sock_path); /* stale: nobody listens on it */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, lx->sock_path, strlen(lx->sock_path) + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		e = errno;
		if (fd >= 0)
			close(fd);
		err = lx_fail(lx, lx_errno(e), "doorbell socket: cannot listen on %s: %s",
			      lx->sock_path, strerror(e));
		goto out;
	}
	lx->lfd = fd;
	{
		struct stat st;

		lx->sock_ino = stat(lx->sock_path, &st) ? 0 : (uint64_t)st.st_ino;
	}
	if (lx_epoll_add(lx, fd, LX_TAG_LISTEN))
		err = lx_fail(lx, lx_errno(errno), "doorbell socket: epoll: %s", strerror(errno));
out:
	flock(lockfd, LOCK_UN);
	close(lockfd);
	return err;
refuse:
	if (e == EAGAIN)
		return lx_fail(lx, VOB_EBUSY, "doorbell socket %s: the listener does not accept "
			       "(backlog full)", lx->sock_path);
	return lx_fail(lx, lx_errno(e), "doorbell socket: cannot connect to %s: %s", lx->sock_path,
		       strerror(e));
}

/* Without blocking: connect or listen again if neither is up; on failure
 * the retry timer comes back. */
static void lx_sock_retry(struct vob_linux *lx)
{
	if (!lx_sock_pending(lx))
		return;
	(void)lx_sock_establish(lx, 0);
	if (lx_sock_pending(lx))
		lx_retry_arm(lx);
}

/* A doorbell end the peer gave us: a unix datagram socket, else refused
 * (a pipe could raise SIGPIPE, an eventfd or a blocking file could block). */
static int lx_sock_end_ok(int fd)
{
	int v;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) || l != sizeof(v) || v != AF_UNIX)
		return 0;
	l = sizeof(v);
	return !getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) && l == sizeof(v) && v == SOCK_DGRAM;
}

/* One byte toward the peer's doorbell end @i; never blocks, never signals. */
static void lx_sock_ring_end(struct vob_linux *lx, unsigned i)
{
	char b = 1;

	if (send(lx->out_fd[i], &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS)
		lx->stats.rung_lost++; /* the peer closed its end: it is going away */
	/* A full queue means the doorbell is rung already. */
}

/* The peer's hello: its doorbell ends. */
static int lx_sock_recv(struct vob_linux *lx)
{
	uint8_t hello[LX_HELLO_BYTES + 16];
	union {
		char buf[CMSG_SPACE(sizeof(int) * VOB_MAX_DOORBELLS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { hello, sizeof(hello) };
	struct msghdr m;
	struct cmsghdr *c;
	int fds[VOB_MAX_DOORBELLS];
	unsigned nfds = 0, i, n, bad = 0;
	ssize_t got;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	got = recvmsg(lx->cfd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* Every fd of every record is ours to close, whatever the record
	 * (an empty one included). */
	for (c = got >= 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds < VOB_MAX_DOORBELLS && lx_sock_end_ok(fd))
				fds[nfds++] = fd;
			else {
				bad = 1;
				close(fd);
			}
		}
	}
	if (got <= 0) {
		/* The peer closed (exited, was killed): forget it, then connect
		 * or listen again so that its next incarnation finds us. */
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		lx_sock_drop_peer(lx);
		lx_sock_retry(lx);
		return lx_mark_all(lx);
	}
	n = vob_get_le16(hello + 6);
	if (got != LX_HELLO_BYTES || vob_get_le32(hello) != LX_HELLO_MAGIC ||
	    vob_get_le16(hello + 4) != LX_HELLO_VERSION || !n || n != nfds || bad ||
	    (m.msg_flags & MSG_CTRUNC)) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		lx_fail(lx, VOB_EPROTO, "doorbell socket %s: a peer sent a bad hello (not version "
			"%u with %s); dropped", lx->sock_path, LX_HELLO_VERSION,
			bad ? "unix datagram sockets" : "as many sockets as it says");
		lx_sock_drop_peer(lx);
		if (lx_sock_pending(lx))
			lx_retry_arm(lx); /* not at once: the same peer may answer the same */
		return lx_mark_all(lx);
	}
	for (i = 0; i < VOB_MAX_DOORBELLS; i++)
		if (lx->out_fd[i] >= 0) {
			close(lx->out_fd[i]);
			lx->out_fd[i] = -1;
		}
	for (i = 0; i < nfds; i++)
		lx->out_fd[i] = fds[i];
	lx->peer_nids = nfds;
	lx->peer_pid = vob_get_le32(hello + 8);
	lx->stats.connects++;
	/* Doorbells rung while the other side could not receive them were
	 * dropped, on either side: ring every one of the peer's ends once,
	 * and look at everything here. */
	for (i = 0; i < nfds; i++)
		lx_sock_ring_end(lx, i);
	return lx_mark_all(lx);
}

static void lx_sock_accept(struct vob_linux *lx)
{
	int fd = accept4(lx->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* The connection stays queued and the socket readable:
			 * stop watching it until the retry timer. */
			struct epoll_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.data.u32 = LX_TAG_LISTEN;
			epoll_ctl(lx->epfd, EPOLL_CTL_MOD, lx->lfd, &ev);
			lx_retry_arm(lx);
		}
		return;
	}
	/* A new connection replaces the old one: a restarted peer connects
	 * before we notice its previous incarnation's hang-up. */
	(void)lx_sock_adopt(lx, fd);
}

/* The retry timer expired: watch the listener again, re-establish. */
static void lx_sock_tick(struct vob_linux *lx)
{
	if (lx->lfd >= 0) {
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = LX_TAG_LISTEN;
		epoll_ctl(lx->epfd, EPOLL_CTL_MOD, lx->lfd, &ev);
	}
	lx_sock_retry(lx);
}

static int lx_bell_eventfd(struct vob_linux *lx, struct lx_spec *s)
{
	uint64_t ids = VOB_MAX_DOORBELLS;
	int err;

	if ((err = lx_spec_num(lx, s, "ids", &ids, NULL)))
		return err;
	if ((err = lx_spec_check_used(lx, s)))
		return err;
	if (!*s->arg)
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': eventfd needs a socket path", s->text);
	if (strlen(s->arg) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
	    strlen(s->arg) >= sizeof(lx->sock_path))
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': socket path longer than %zu bytes",
			       s->text, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (ids < 1 || ids > VOB_MAX_DOORBELLS)
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': ids=%" PRIu64 " (1 to %d)", s->text, ids,
			       VOB_MAX_DOORBELLS);
	strcpy(lx->sock_path, s->arg);
	lx->nids = (unsigned)ids;
	lx->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lx->tfd < 0 || lx_epoll_add(lx, lx->tfd, LX_TAG_TIMER))
		return lx_fail(lx, VOB_ENOMEM, "doorbell '%s': timerfd: %s", s->text,
			       strerror(errno));
	lx->bell = VOB_LINUX_BELL_EVENTFD;
	return lx_sock_establish(lx, 1);
}

static int lx_ring_eventfd(struct vob_linux *lx, uint32_t id)
{
	if (!lx->peer_nids) {
		lx->stats.rung_lost++;
		return 0; /* no peer: its arrival marks every id pending there */
	}
	/* The peer's last end also stands for every id above it. */
	lx_sock_ring_end(lx, id < lx->peer_nids ? id : lx->peer_nids - 1u);
	return 0;
}

/* Our doorbell end @i is readable (or broken). */
static void lx_sock_in(struct vob_linux *lx, unsigned i, uint32_t events, int *n)
{
	char b[8];
	unsigned k;
	uint32_t id;
	int rang = 0;

	for (k = 0; k < LX_RECV_BURST; k++) {
		if (recv(lx->in_fd[i], b, sizeof(b), MSG_DONTWAIT) < 0)
			break;
		rang = 1;
	}
	if (!rang && (events & (EPOLLERR | EPOLLHUP))) {
		/* Broken, not readable: it would wake every wait at once.
		 * Treat it as the peer leaving. */
		lx_sock_drop_peer(lx);
		lx_sock_retry(lx);
		*n += lx_mark_all(lx);
		return;
	}
	if (!rang)
		return;
	if (i + 1u == lx->nids && lx->nids < VOB_MAX_DOORBELLS) {
		for (id = i; id < VOB_MAX_DOORBELLS; id++, (*n)++)
			lx_mark(lx, id);
		return;
	}
	lx_mark(lx, i);
	(*n)++;
}

/* ---- futex block in the window ----------------------------------------------- */

static long lx_futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static int lx_bell_futex(struct vob_linux *lx, struct lx_spec *s, unsigned side)
{
	const struct vob_linux_window *w = NULL;
	uint64_t addr;
	uint32_t *base;
	int err;

	if ((err = lx_spec_check_used(lx, s)))
		return err;
	if (!*s->arg || vob_linux_parse_size(s->arg, &addr))
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': futex needs the link address of its "
			       "block (futex:0x1000)", s->text);
	if (addr & 127u)
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': the futex block must start on a "
			       "128-byte boundary", s->text);
	base = lx_translate(lx, addr, VOB_LINUX_FUTEX_BYTES, VOB_MAP_READ | VOB_MAP_WRITE, &w);
	if (!base)
		return lx_fail(lx, VOB_EFAULT, "doorbell '%s': [0x%" PRIx64 ", +%u) is not inside a "
			       "writable window (add the window first)", s->text, addr,
			       VOB_LINUX_FUTEX_BYTES);
	if (w->kind != VOB_MEM_COHERENT)
		return lx_fail(lx, VOB_EFAULT, "doorbell '%s': a futex block needs a coherent window "
			       "(%s is not)", s->text, w->path);
	lx->futex_addr = addr;
	lx->f_in = base + side * LX_FX_HALF_WORDS;
	lx->f_out = base + (1u - side) * LX_FX_HALF_WORDS;
	lx->bell = VOB_LINUX_BELL_FUTEX;
	/* Whatever the block holds (bits from a previous run, a peer's ring
	 * while we were away) only causes a spurious look at the rings. */
	return 0;
}

static int lx_ring_futex(struct vob_linux *lx, uint32_t id)
{
	uint32_t *h = lx->f_out;
	uint32_t word = id < 64u ? id >> 5 : 1u, bit = id < 64u ? id & 31u : 31u;

	/* Bit, then sequence, then the waiter check: seq_cst on all three pairs
	 * with the receiver's store of WAITERS then load of SEQ in
	 * lx_futex_sleep() (either it sees our bit, or we see its flag). */
	__atomic_fetch_or(&h[LX_FX_PEND + word], vob_cpu_to_le32(1u << bit), __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&h[LX_FX_SEQ], 1u, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h[LX_FX_WAITERS], __ATOMIC_SEQ_CST))
		lx_futex(&h[LX_FX_SEQ], FUTEX_WAKE, INT_MAX, NULL);
	return 0;
}

static int lx_futex_take(struct vob_linux *lx)
{
	unsigned word;
	int n = 0, took = 0;

	for (word = 0; word < 2u; word++) {
		uint32_t *p = &lx->f_in[LX_FX_PEND + word], bits;

		if (!__atomic_load_n(p, __ATOMIC_RELAXED))
			continue;
		bits = vob_cpu_to_le32(__atomic_exchange_n(p, 0u, __ATOMIC_SEQ_CST));
		took |= bits != 0;
		while (bits) {
			uint32_t b = (uint32_t)__builtin_ctz(bits), id = word * 32u + b;

			bits &= bits - 1u;
			if (id < VOB_MAX_DOORBELLS) {
				lx_mark(lx, id);
				n++;
			}
		}
	}
	if (took && __atomic_load_n(&lx->fwd_on, __ATOMIC_SEQ_CST)) {
		/* The forwarder sleeps until the bits it forwarded are taken. */
		__atomic_fetch_add(&lx->f_in[LX_FX_SEQ], 1u, __ATOMIC_SEQ_CST);
		lx_futex(&lx->f_in[LX_FX_SEQ], FUTEX_WAKE, INT_MAX, NULL);
	}
	return n;
}

/* Sleep on our half until its sequence moves past @seen or the time-out. */
static void lx_futex_sleep(struct vob_linux *lx, int timeout_ms, int check_kick)
{
	struct timespec ts, *tsp = NULL;
	uint32_t seen;

	__atomic_store_n(&lx->f_in[LX_FX_WAITERS], 1u, __ATOMIC_SEQ_CST);
	seen = __atomic_load_n(&lx->f_in[LX_FX_SEQ], __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&lx->f_in[LX_FX_PEND], __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&lx->f_in[LX_FX_PEND + 1u], __ATOMIC_SEQ_CST))
		return;
	if (check_kick && __atomic_load_n(&lx->kicked, __ATOMIC_SEQ_CST))
		return;
	if (!check_kick && __atomic_load_n(&lx->fwd_stop, __ATOMIC_SEQ_CST))
		return;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	lx_futex(&lx->f_in[LX_FX_SEQ], FUTEX_WAIT, seen, tsp);
}

static int lx_futex_pending(struct vob_linux *lx)
{
	return __atomic_load_n(&lx->f_in[LX_FX_PEND], __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&lx->f_in[LX_FX_PEND + 1u], __ATOMIC_SEQ_CST);
}

/* Turns futex wake-ups into events on the epoll fd (vob_linux_fd()). */
static void *lx_forwarder(void *arg)
{
	struct vob_linux *lx = arg;
	uint64_t one = 1;
	uint32_t seen;

	while (!__atomic_load_n(&lx->fwd_stop, __ATOMIC_ACQUIRE)) {
		if (!lx_futex_pending(lx)) {
			lx_futex_sleep(lx, 1000, 0);
			continue;
		}
		/* Forward once, then sleep until the sequence moves: the owner
		 * took the bits (lx_futex_take() bumps it), the peer rang
		 * again, or close. Sleeping on the bits instead would spin
		 * until the owner drains. */
		__atomic_store_n(&lx->f_in[LX_FX_WAITERS], 1u, __ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&lx->f_in[LX_FX_SEQ], __ATOMIC_SEQ_CST);
		if (write(lx->fwd_fd, &one, sizeof(one)) < 0) {
			/* counter full: the fd is readable anyway */
		}
		if (lx_futex_pending(lx) && !__atomic_load_n(&lx->fwd_stop, __ATOMIC_SEQ_CST)) {
			struct timespec ts = { 1, 0 };

			lx_futex(&lx->f_in[LX_FX_SEQ], FUTEX_WAIT, seen, &ts);
		}
	}
	return NULL;
}

/* ---- UIO ------------------------------------------------------------------- */

int lx_uio_reg_fits(uint64_t off, uint64_t msize)
{
	return off <= msize && msize - off >= 4u; /* off + 4 could wrap */
}

static int lx_bell_uio(struct vob_linux *lx, struct lx_spec *s)
{
	const char *reg = lx_spec_opt(s, "reg"), *name;
	uint64_t value = 1, shift = 0;
	int has_shift, err;
	uint32_t one = 1;
	char path[VOB_LINUX_PATH_LEN + 64];

	if ((err = lx_spec_num(lx, s, "value", &value, NULL)) ||
	    (err = lx_spec_num(lx, s, "idshift", &shift, &has_shift)))
		return err;
	lx->uio_irqcontrol = !lx_spec_opt(s, "noirqcontrol");
	if ((err = lx_spec_check_used(lx, s)))
		return err;
	if (value > UINT32_MAX || (has_shift && shift > 31))
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': value= must fit 32 bits, idshift= 0-31",
			       s->text);
	if (!*s->arg)
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': 'uio:' needs /dev/uioN", s->text);
	name = strrchr(s->arg, '/') ? strrchr(s->arg, '/') + 1 : s->arg;
	snprintf(path, sizeof(path), "%s%s", s->arg[0] == '/' ? "" : "/dev/", s->arg);
	lx->uio_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (lx->uio_fd < 0)
		return lx_fail(lx, lx_errno(errno), "doorbell '%s': cannot open %s: %s%s", s->text, path,
			       strerror(errno), errno == EACCES ? " (run as root or chmod it)" : "");
	if (lx_epoll_add(lx, lx->uio_fd, LX_TAG_UIO))
		return lx_fail(lx, lx_errno(errno), "doorbell '%s': epoll: %s", s->text,
			       strerror(errno));
	/* Enable the interrupt; a driver without irqcontrol refuses, fine. */
	if (lx->uio_irqcontrol && write(lx->uio_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		lx->uio_irqcontrol = 0;
	lx->uio_value = (uint32_t)value;
	lx->uio_idshift = has_shift ? (int)shift : -1;
	if (reg) {
		unsigned long map;
		unsigned long long off;
		uint64_t msize, moff = 0;
		char *end, *colon = strchr(reg, ':');
		long pg = sysconf(_SC_PAGESIZE);
		void *m;

		map = strtoul(reg, &end, 0);
		if (!colon || end != colon || map > 4)
			return lx_fail(lx, VOB_EINVAL, "doorbell '%s': reg=MAP:OFFSET (map 0-4)", s->text);
		off = strtoull(colon + 1, &end, 0);
		if (!colon[1] || *end || (off & 3u))
			return lx_fail(lx, VOB_EINVAL, "doorbell '%s': reg offset must be a multiple of 4",
				       s->text);
		snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map%lu/size", name, map);
		{
			char buf[64];
			ssize_t n;
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return lx_fail(lx, lx_errno(errno), "doorbell '%s': cannot read %s: %s",
					       s->text, path, strerror(errno));
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = 0;
			buf[strcspn(buf, "\n")] = 0;
			if (vob_linux_parse_size(buf, &msize))
				return lx_fail(lx, VOB_EIO, "doorbell '%s': bad %s", s->text, path);
			snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map%lu/offset", name, map);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				n = read(fd, buf, sizeof(buf) - 1);
				close(fd);
				buf[n > 0 ? n : 0] = 0;
				buf[strcspn(buf, "\n")] = 0;
				if (vob_linux_parse_size(buf, &moff))
					moff = 0;
			}
		}
		if (!lx_uio_reg_fits(off, msize))
			return lx_fail(lx, VOB_ERANGE, "doorbell '%s': register beyond the map's %" PRIu64
				       " bytes", s->text, msize);
		lx->uio_map_len = (size_t)(msize + moff);
		m = mmap(NULL, lx->uio_map_len, PROT_READ | PROT_WRITE, MAP_SHARED, lx->uio_fd,
			 (off_t)map * pg);
		if (m == MAP_FAILED)
			return lx_fail(lx, VOB_EFAULT, "doorbell '%s': mmap of map %lu: %s", s->text, map,
				       strerror(errno));
		lx->uio_map = m;
		lx->uio_reg = (volatile uint32_t *)((uint8_t *)m + moff + off);
	}
	lx->bell = VOB_LINUX_BELL_UIO;
	return 0;
}

static int lx_ring_uio(struct vob_linux *lx, uint32_t id)
{
	uint32_t v = lx->uio_value;

	if (!lx->uio_reg) {
		lx->stats.rung_lost++; /* no doorbell register: the peer polls */
		return 0;
	}
	if (lx->uio_idshift >= 0)
		v |= id << lx->uio_idshift;
	/* vob issued VOB_DOORBELL_MB before calling us: the ring memory is
	 * ordered before this (uncached) register write. */
	*lx->uio_reg = v;
	return 0;
}

static void lx_uio_in(struct vob_linux *lx, int *n)
{
	uint32_t count, one = 1;

	if (read(lx->uio_fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
		return;
	if (lx->uio_irqcontrol && write(lx->uio_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		lx->uio_irqcontrol = 0;
	/* One interrupt line for every doorbell id. */
	*n += lx_mark_all(lx);
}

/* ---- poll ------------------------------------------------------------------------ */

static int lx_bell_poll(struct vob_linux *lx, struct lx_spec *s)
{
	uint64_t us = 0;
	int err;

	if ((err = lx_spec_check_used(lx, s)))
		return err;
	if (*s->arg && (vob_linux_parse_size(s->arg, &us) || us > 60000000u))
		return lx_fail(lx, VOB_EINVAL, "doorbell '%s': poll[:INTERVAL_US], at most 60 s",
			       s->text);
	lx->interval_us = (uint32_t)us;
	if (us) {
		struct itimerspec it;

		lx->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (lx->tfd < 0 || lx_epoll_add(lx, lx->tfd, LX_TAG_TIMER))
			return lx_fail(lx, VOB_ENOMEM, "doorbell '%s': timerfd: %s", s->text,
				       strerror(errno));
		memset(&it, 0, sizeof(it));
		it.it_interval.tv_sec = (time_t)(us / 1000000u);
		it.it_interval.tv_nsec = (long)(us % 1000000u) * 1000L;
		it.it_value = it.it_interval;
		timerfd_settime(lx->tfd, 0, &it, NULL);
	}
	lx->bell = VOB_LINUX_BELL_POLL;
	return 0;
}

/* ---- common ------------------------------------------------------------------------ */

/* Serialises vob_linux_fd() callers (any thread) against each other. */
static pthread_mutex_t lx_fd_lock = PTHREAD_MUTEX_INITIALIZER;

static int lx_spinning(const struct vob_linux *lx)
{
	return lx->bell == VOB_LINUX_BELL_POLL && !lx->interval_us;
}

/* What the pollable fd needs behind it: the futex forwarder thread, or in
 * poll mode without an interval an eventfd that is always readable (so a
 * poll loop on the fd spins as vob_linux_wait() does). Under lx_fd_lock. */
static int lx_fd_start(struct vob_linux *lx)
{
	if (lx->bell == VOB_LINUX_BELL_FUTEX && !lx->fwd_on) {
		lx->fwd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (lx->fwd_fd < 0 || lx_epoll_add(lx, lx->fwd_fd, LX_TAG_FWD)) {
			lx_close_fd(lx, &lx->fwd_fd);
			return lx_fail(lx, VOB_ENOMEM, "futex forwarder: eventfd: %s", strerror(errno));
		}
		lx->fwd_stop = 0;
		/* Before the thread exists: a direct waiter that wakes after
		 * this leaves the waiter flag set for it (lx_bell_wait()). */
		__atomic_store_n(&lx->fwd_on, 1, __ATOMIC_SEQ_CST);
		if (pthread_create(&lx->fwd, NULL, lx_forwarder, lx)) {
			__atomic_store_n(&lx->fwd_on, 0, __ATOMIC_SEQ_CST);
			lx_close_fd(lx, &lx->fwd_fd);
			return lx_fail(lx, VOB_ENOMEM, "futex forwarder thread: %s", strerror(errno));
		}
	} else if (lx_spinning(lx) && lx->fwd_fd < 0) {
		lx->fwd_fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* never read */
		if (lx->fwd_fd < 0 || lx_epoll_add(lx, lx->fwd_fd, LX_TAG_SPIN)) {
			lx_close_fd(lx, &lx->fwd_fd);
			return lx_fail(lx, VOB_ENOMEM, "poll doorbell: eventfd: %s", strerror(errno));
		}
	}
	return 0;
}

int vob_linux_set_doorbell(struct vob_linux *lx, const char *spec, unsigned side)
{
	struct lx_spec s;
	int err, had_fd;

	if (!lx || side > 1)
		return VOB_EINVAL;
	if (lx->bell != VOB_LINUX_BELL_POLL || lx->tfd >= 0)
		return lx_fail(lx, VOB_EBUSY, "doorbell '%s': a doorbell is already set", spec);
	err = lx_spec_parse(lx, &s, "doorbell", spec);
	if (err)
		return err;
	/* The fd was taken in poll mode: its always-readable eventfd goes,
	 * and what the new doorbell needs behind the fd comes instead. */
	pthread_mutex_lock(&lx_fd_lock);
	had_fd = lx->fwd_fd >= 0;
	lx_close_fd(lx, &lx->fwd_fd);
	pthread_mutex_unlock(&lx_fd_lock);
	lx->side = side;
	if (!strcmp(s.scheme, "eventfd"))
		err = lx_bell_eventfd(lx, &s);
	else if (!strcmp(s.scheme, "futex"))
		err = lx_bell_futex(lx, &s, side);
	else if (!strcmp(s.scheme, "uio"))
		err = lx_bell_uio(lx, &s);
	else if (!strcmp(s.scheme, "poll") || !strcmp(s.scheme, "none"))
		err = lx_bell_poll(lx, &s);
	else
		err = lx_fail(lx, VOB_EINVAL, "doorbell '%s': unknown kind '%s' (eventfd, futex, uio, "
			      "poll)", spec, s.scheme);
	if (!err && had_fd) {
		pthread_mutex_lock(&lx_fd_lock);
		err = lx_fd_start(lx);
		pthread_mutex_unlock(&lx_fd_lock);
	}
	if (err) {
		lx_bell_close(lx);
		if (had_fd) {
			pthread_mutex_lock(&lx_fd_lock);
			(void)lx_fd_start(lx); /* back to polling, fd included */
			pthread_mutex_unlock(&lx_fd_lock);
		}
		return err;
	}
	lx->err[0] = 0;
	return 0;
}

int lx_bell_ring(struct vob_linux *lx, uint32_t id, uint32_t data)
{
	(void)data; /* no doorbell here carries data */
	lx->stats.rung++;
	switch (lx->bell) {
	case VOB_LINUX_BELL_EVENTFD:
		return lx_ring_eventfd(lx, id);
	case VOB_LINUX_BELL_FUTEX:
		return lx_ring_futex(lx, id);
	case VOB_LINUX_BELL_UIO:
		return lx_ring_uio(lx, id);
	default:
		return 0;
	}
}

/* Service the epoll set with @timeout_ms; returns ids marked. A wake read
 * from the kick eventfd here stays pending in lx->kicked for
 * lx_bell_wait(). */
static int lx_dispatch(struct vob_linux *lx, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = 0, k, i, round;
	uint64_t v;

	for (round = 0; round < LX_DISPATCH_ROUNDS; round++) {
		k = epoll_wait(lx->epfd, ev, 16, timeout_ms);
		if (k < 0)
			k = 0; /* EINTR: lx_bell_wait() waits out the rest */
		for (i = 0; i < k; i++) {
			uint32_t tag = ev[i].data.u32;

			if (tag < VOB_MAX_DOORBELLS) {
				if (tag < lx->nids && lx->in_fd[tag] >= 0)
					lx_sock_in(lx, tag, ev[i].events, &n);
			} else if (tag == LX_TAG_KICK) {
				if (read(lx->kickfd, &v, sizeof(v)) < 0) {
					/* already drained */
				}
			} else if (tag == LX_TAG_LISTEN) {
				if (lx->lfd >= 0)
					lx_sock_accept(lx);
			} else if (tag == LX_TAG_CONN) {
				if (lx->cfd >= 0)
					n += lx_sock_recv(lx);
			} else if (tag == LX_TAG_FWD) {
				if (read(lx->fwd_fd, &v, sizeof(v)) < 0) {
					/* already drained */
				}
			} else if (tag == LX_TAG_UIO) {
				lx_uio_in(lx, &n);
			} else if (tag == LX_TAG_TIMER) {
				if (read(lx->tfd, &v, sizeof(v)) != (ssize_t)sizeof(v))
					continue;
				if (lx->bell == VOB_LINUX_BELL_EVENTFD)
					lx_sock_tick(lx);
				else
					n += lx_mark_all(lx);
			} else if (tag == LX_TAG_SPIN) {
				n += lx_mark_all(lx);
			}
		}
		if (k < 16)
			break;
		timeout_ms = 0;
	}
	if (lx->bell == VOB_LINUX_BELL_FUTEX)
		n += lx_futex_take(lx);
	return n;
}

int vob_linux_drain(struct vob_linux *lx)
{
	if (!lx || !lx->link)
		return VOB_EINVAL;
	if (lx->bell == VOB_LINUX_BELL_FUTEX && !__atomic_load_n(&lx->fwd_on, __ATOMIC_SEQ_CST))
		return lx_futex_take(lx); /* nothing else can be in the epoll set but wakes */
	return lx_dispatch(lx, 0);
}

static uint64_t lx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One look, then (with @timeout_ms and no wake pending) one sleep. */
static int lx_bell_wait_once(struct vob_linux *lx, int timeout_ms, int *slept)
{
	int n;

	if (lx->bell == VOB_LINUX_BELL_FUTEX && !__atomic_load_n(&lx->fwd_on, __ATOMIC_SEQ_CST)) {
		n = lx_futex_take(lx);
		if (n || !timeout_ms || __atomic_load_n(&lx->kicked, __ATOMIC_SEQ_CST))
			return n;
		*slept = 1;
		lx_futex_sleep(lx, timeout_ms, 1);
		__atomic_store_n(&lx->f_in[LX_FX_WAITERS], 0u, __ATOMIC_SEQ_CST);
		/* A forwarder started meanwhile (vob_linux_fd() on another
		 * thread) sleeps on the same word: keep the flag up for it. */
		if (__atomic_load_n(&lx->fwd_on, __ATOMIC_SEQ_CST))
			__atomic_store_n(&lx->f_in[LX_FX_WAITERS], 1u, __ATOMIC_SEQ_CST);
		return lx_futex_take(lx);
	}
	n = lx_dispatch(lx, 0);
	if (n || !timeout_ms || __atomic_load_n(&lx->kicked, __ATOMIC_SEQ_CST))
		return n;
	*slept = 1;
	return lx_dispatch(lx, timeout_ms);
}

int lx_bell_wait(struct vob_linux *lx, int timeout_ms)
{
	uint64_t end = timeout_ms > 0 ? lx_now_ms() + (uint64_t)timeout_ms : 0, now;
	int n, slept = 0, left = timeout_ms;

	if (lx_spinning(lx)) {
		/* Spinning: give the CPU away once, so that a peer sharing
		 * this core (a loaded machine) gets to run. */
		if (timeout_ms)
			sched_yield();
		__atomic_store_n(&lx->kicked, 0, __ATOMIC_SEQ_CST);
		return lx_mark_all(lx);
	}
	for (;;) {
		n = lx_bell_wait_once(lx, left, &slept);
		/* A wake from before this wait (vob_linux_wake() sets the flag,
		 * then writes the kick eventfd) or during it. */
		if (__atomic_exchange_n(&lx->kicked, 0, __ATOMIC_SEQ_CST)) {
			uint64_t v;

			if (read(lx->kickfd, &v, sizeof(v)) < 0) {
				/* already drained */
			}
			break;
		}
		if (n || !left)
			break;
		/* Woken by nothing for the caller (a signal, a connection, the
		 * retry timer, a stale kick): wait out the rest. */
		if (left > 0) {
			now = lx_now_ms();
			if (now >= end)
				break;
			left = (int)(end - now);
		}
	}
	if (slept)
		lx->stats.sleeps++;
	return n;
}

int vob_linux_fd(struct vob_linux *lx)
{
	int err;

	if (!lx || lx->epfd < 0)
		return VOB_EINVAL;
	pthread_mutex_lock(&lx_fd_lock);
	err = lx_fd_start(lx);
	pthread_mutex_unlock(&lx_fd_lock);
	return err ? err : lx->epfd;
}

int vob_linux_peer_connected(const struct vob_linux *lx)
{
	return lx->bell == VOB_LINUX_BELL_EVENTFD ? lx->peer_nids != 0 : 1;
}

void lx_bell_close(struct vob_linux *lx)
{
	unsigned i;

	if (lx->fwd_on) {
		__atomic_store_n(&lx->fwd_stop, 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&lx->f_in[LX_FX_SEQ], 1u, __ATOMIC_SEQ_CST);
		lx_futex(&lx->f_in[LX_FX_SEQ], FUTEX_WAKE, INT_MAX, NULL);
		pthread_join(lx->fwd, NULL);
		lx->fwd_on = 0;
	}
	lx_close_fd(lx, &lx->fwd_fd);
	lx_sock_drop_peer(lx);
	if (lx->lfd >= 0) {
		struct stat st;

		/* Unlink the socket file only if it is still ours. */
		if (!stat(lx->sock_path, &st) && (uint64_t)st.st_ino == lx->sock_ino)
			unlink(lx->sock_path);
		lx_close_fd(lx, &lx->lfd);
	}
	for (i = 0; i < VOB_MAX_DOORBELLS; i++)
		lx_close_fd(lx, &lx->in_fd[i]);
	lx->nids = 0;
	lx_close_fd(lx, &lx->uio_fd);
	if (lx->uio_map)
		munmap(lx->uio_map, lx->uio_map_len);
	lx->uio_map = NULL;
	lx->uio_reg = NULL;
	lx_close_fd(lx, &lx->tfd);
	lx->interval_us = 0;
	lx->f_in = lx->f_out = NULL;
	lx->bell = VOB_LINUX_BELL_POLL;
}

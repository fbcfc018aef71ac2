/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_vhost_user_be: the input plays a hostile vhost-user FRONT END against
 * the back end of ports/vhost-user (struct vob_vhu_be).
 *
 * Two back ends live for the whole run, each listening on a unix socket and
 * serving front end after front end as the programs do: one serves the blk
 * class on a small in-memory disk, the other the net class echoing every
 * frame (bit 7 of the second set-up byte picks it). Each input is one or
 * more connections the back end accepts; per input the harness creates two
 * small memfds ("guest memory", 4 KiB to 64 KiB each, mapped here too so it
 * can write the rings) and eventfds, passed with SCM_RIGHTS.
 *
 * Operations (one byte each, then their arguments): every request the back
 * end serves, in a well-formed shape with fuzzed fields (features with odd
 * bits, memory tables with overlapping, huge, zero, misaligned regions or
 * regions larger than the memfd behind them, vring num/addr/base/enable/
 * kick/call/err on any index, GET_VRING_BASE at any time, GET_CONFIG and
 * SET_CONFIG with any offset and size, RESET_OWNER / RESET_DEVICE); raw
 * messages (any request, flags, size and 0 to 10 fds of several kinds:
 * eventfd, memfd, pipe ends); a complete set-up that gets the ring running;
 * hostile ring contents written into the memfds (blk requests pointing
 * anywhere, descriptor garbage, avail index jumps, packed flags) followed by
 * a kick; a reconnect; and, last, a truncated message followed by the end
 * of the stream. The back end is stepped (vob_vhu_be_step(), timeout 0)
 * after every message, and its replies are drained.
 *
 * Invariants checked:
 *  - no sanitizer finding and no signal (SIGBUS from guest memory the back
 *    end cannot back is one), no hang: every step returns at once (the
 *    harness never sends a partial message except right before it closes
 *    its end, so the back end's 1 s receive time-out is never waited for);
 *  - vob_vhu_be_step() returns 1 while connected and 0 once it dropped the
 *    front end; after a drop, nothing of the connection is left (no fd, no
 *    mapping, socket closed: the harness's end reads end-of-stream);
 *  - every reply is a whole message with the REPLY flag and version 1,
 *    answering a request that takes a reply;
 *  - the back end accepts every new front end at its next step (it went
 *    back to listening after a drop or a departure);
 *  - at the end of each input (front end gone), the back end is waiting
 *    again and the process has exactly the fds it had before the input.
 *  - no SIGPIPE: the back end writes its socket with MSG_NOSIGNAL and takes
 *    only eventfds as kick, call and error fds (pipe ends and memfds sent as
 *    such are refused), so a process embedding it need not ignore SIGPIPE
 *    (a SIGPIPE here aborts, a recorded crash).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "vob/blk.h"
#include "vob/net.h"
#include "vob_vhost_user.h"

#define MAX_OPS 512u
#define NMEMFD 2u
#define NEVFD 4u
#define DISK_BYTES (64u * 1024u)
/* Front-end virtual addresses of the two memfds in a "valid" table. */
#define UADDR0 0x7f0000000000ull
#define UADDR1 0x7f0000100000ull
#define GPA1 0x100000ull

struct region_model {
	uint64_t gpa, size, uaddr, offset;
	int fdi; /* memfd index, or -1 */
};

static struct {
	struct vob_vhu_be be[2]; /* 0: blk, 1: net echoing what it receives */
	struct vob_blk_dev blk;
	struct vob_net_dev net;
	struct vob_blk_mem disk_desc;
	uint8_t *disk;
	uint8_t frame[2048];
	char path[2][108];       /* where each listens */
	bool ready;
} B;

/* The back end this input talks to. */
static struct vob_vhu_be *BE;

/* The hostile front end's state for one input. */
static struct {
	int sock;              /* our end, or -1 */
	int memfd[NMEMFD];
	uint8_t *mem[NMEMFD];  /* our mapping of each memfd */
	size_t memsz[NMEMFD];
	int evfd[NEVFD];       /* eventfds we keep (kick/call candidates) */
	struct region_model reg[VOB_VHU_MAX_REGIONS]; /* last table sent */
	unsigned nreg;
	struct vob_vhu_addr addr[2]; /* last SET_VRING_ADDR of queues 0 and 1 */
	uint32_t num[2];       /* last SET_VRING_NUM of queues 0 and 1 */
	uint16_t nq;           /* queues of the back end */
	uint64_t features;     /* last SET_FEATURES */
	uint8_t rx[4096];      /* replies being drained */
	size_t rxn;
	uint32_t pending[64];  /* requests sent that take a reply */
	unsigned npend;
	bool trace;
} F;

static void be_log(void *arg, const char *line)
{
	(void)arg;
	if (F.trace)
		fprintf(stderr, "be: %s\n", line);
}

static int be_poll(void *arg)
{
	int ev = vob_blk_dev_poll(arg);

	return ev > 0 && (ev & VOB_BLK_EV_IO);
}

/* The net back end echoes every frame (as vob-vhost-user-net --echo). */
static int net_poll(void *arg)
{
	int n, busy = 0, i;

	(void)arg;
	(void)vob_net_dev_poll(&B.net);
	for (i = 0; i < 16 && (n = vob_net_dev_recv(&B.net, B.frame, sizeof(B.frame), NULL)) > 0;
	     i++) {
		(void)vob_net_dev_send(&B.net, NULL, B.frame, (size_t)n);
		busy = 1;
	}
	return busy;
}

static void on_sigpipe(int sig)
{
	static const char msg[] = "\n*** SIGPIPE: the back end wrote to a broken pipe or socket\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		abort();
	abort();
}

static void unlink_sockets(void)
{
	unlink(B.path[0]);
	unlink(B.path[1]);
}

static void be_setup_once(void)
{
	const char *tmp = getenv("TMPDIR");
	unsigned i;

	struct vob_vhu_be_cfg c = { 0 };
	struct vob_blk_dev_cfg bc = { 0 };

	if (B.ready)
		return;
	signal(SIGPIPE, on_sigpipe);
	struct vob_net_dev_cfg nc = { 0 };

	c.num_queues = 1;
	c.poll = be_poll;
	c.log = be_log;
	c.arg = &B.blk;
	c.dev = &B.blk.dev; /* GET_VRING_BASE reads the class's queues */
	FZ_CHECK(vob_vhu_be_init(&B.be[0], &c) == 0, "vob_vhu_be_init");
	c.num_queues = 2;
	c.poll = net_poll;
	c.arg = NULL;
	c.dev = &B.net.dev;
	FZ_CHECK(vob_vhu_be_init(&B.be[1], &c) == 0, "vob_vhu_be_init");
	nc.features = VOB_BIT(VOB_NET_F_MAC) | VOB_BIT(VOB_NET_F_MTU);
	nc.mtu = 1500;
	nc.link_up = true;
	FZ_CHECK(vob_net_dev_init(&B.net, vob_vhu_be_table(&B.be[1]), &nc) == 0, "net init");
	B.disk = malloc(DISK_BYTES);
	FZ_CHECK(B.disk != NULL, "malloc");
	memset(B.disk, 0, DISK_BYTES);
	bc.capacity = vob_blk_mem_init(&B.disk_desc, B.disk, DISK_BYTES);
	bc.ops = &vob_blk_mem_backend;
	bc.ctx = &B.disk_desc;
	bc.seg_max = 4;
	FZ_CHECK(vob_blk_dev_init(&B.blk, vob_vhu_be_table(&B.be[0]), &bc) == 0, "blk init");
	/* Both listen, as the programs do: front ends come through accept. */
	for (i = 0; i < 2; i++) {
		snprintf(B.path[i], sizeof(B.path[i]), "%s/vob-fuzz-vhu-%d-%u.sock",
			 tmp && strlen(tmp) < 64 ? tmp : "/tmp", (int)getpid(), i);
		FZ_CHECK(vob_vhu_be_listen(&B.be[i], B.path[i]) == 0, "listen on %s", B.path[i]);
	}
	atexit(unlink_sockets);
	B.ready = true;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	FZ_CHECK(d != NULL, "opendir /proc/self/fd");
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* ---- the connection ------------------------------------------------------ */

/* Nothing of a dropped connection may be left in the back end. */
static void check_dropped(void)
{
	unsigned q;

	FZ_CHECK(BE->sock < 0, "dropped but socket %d open", BE->sock);
	FZ_CHECK(BE->nmap == 0 && BE->nold == 0, "dropped with %u+%u mappings", BE->nmap,
		 BE->nold);
	FZ_CHECK(!BE->running, "dropped but running");
	for (q = 0; q < VOB_VHU_MAX_QUEUES; q++)
		FZ_CHECK(BE->vr[q].kick < 0 && BE->vr[q].call < 0 && BE->vr[q].err < 0,
			 "dropped with fds of queue %u open", q);
}

/* A front end connects; the back end must accept it at its next step. */
static void connect_fe(void)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, B.path[BE - B.be], strlen(B.path[BE - B.be]));
	FZ_CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect");
	FZ_CHECK(vob_vhu_be_step(BE, 0) == 1 && BE->sock >= 0,
		 "the back end did not accept a front end");
	F.sock = fd;
	F.rxn = 0;
	F.npend = 0;
}

/* Replies: whole messages, REPLY flag, version 1, for a request that asked. */
static void drain_replies(void)
{
	for (;;) {
		ssize_t r;

		if (F.rxn == sizeof(F.rx))
			F.rxn = 0; /* checked what fit; a flood is not our concern here */
		r = recv(F.sock, F.rx + F.rxn, sizeof(F.rx) - F.rxn, MSG_DONTWAIT);
		if (r <= 0)
			break;
		F.rxn += (size_t)r;
	}
	while (F.rxn >= 12) {
		uint32_t req = fz_rd32(F.rx), flags = fz_rd32(F.rx + 4), size = fz_rd32(F.rx + 8);
		unsigned i;

		FZ_CHECK(flags == (VOB_VHU_FLAG_REPLY | VOB_VHU_VERSION), "reply flags 0x%x", flags);
		FZ_CHECK(size <= 12u + VOB_VHU_CONFIG_MAX, "reply of %u bytes", size);
		if (F.rxn < 12u + size)
			break;
		for (i = 0; i < F.npend && F.pending[i] != req; i++)
			;
		FZ_CHECK(i < F.npend, "reply to request %u nobody asked", req);
		F.pending[i] = F.pending[--F.npend];
		memmove(F.rx, F.rx + 12 + size, F.rxn - 12 - size);
		F.rxn -= 12 + size;
	}
}

/* Step the back end; returns whether it still serves us. */
static bool step(void)
{
	int rc = vob_vhu_be_step(BE, 0);

	FZ_CHECK(rc == 0 || rc == 1, "vob_vhu_be_step returned %d", rc);
	if (F.sock < 0)
		return false;
	if (rc == 0) {
		check_dropped();
		/* Our end sees the end of the stream (after any replies). */
		drain_replies();
		FZ_CHECK(recv(F.sock, F.rx, 1, MSG_DONTWAIT) == 0, "dropped socket still open");
		close(F.sock);
		F.sock = -1;
		return false;
	}
	drain_replies();
	return true;
}

/* A request sent that may be answered. */
static void add_pending(uint32_t req)
{
	if (F.npend == 64) /* forget the oldest (a request left unanswered) */
		memmove(F.pending, F.pending + 1, sizeof(F.pending[0]) * --F.npend);
	F.pending[F.npend++] = req;
}

/* Send one message (header, exactly @paylen bytes, fds), without blocking.
 * @takes_reply: the request answers whatever the flags say. */
static void send_msg(uint32_t req, uint32_t flags, uint32_t size, const void *payload,
		     size_t paylen, const int *fds, unsigned nfds, bool takes_reply)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} ctl;
	uint32_t hdr[3] = { req, flags, size };
	struct iovec iov[2] = { { hdr, 12 }, { (void *)(uintptr_t)payload, paylen } };
	struct msghdr mh;

	if (F.sock < 0)
		return;
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = iov;
	mh.msg_iovlen = paylen ? 2 : 1;
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (sendmsg(F.sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)(12 + paylen))
		return; /* full or gone: the next step tells */
	if (takes_reply || (flags & VOB_VHU_FLAG_NEED_REPLY))
		add_pending(req);
	if (F.trace)
		fprintf(stderr, "fe: request %u flags 0x%x size %u fds %u\n", req, flags, size, nfds);
	(void)step();
}

static bool takes_reply(uint32_t req)
{
	return req == VOB_VHU_GET_FEATURES || req == VOB_VHU_GET_PROTOCOL_FEATURES ||
	       req == VOB_VHU_GET_QUEUE_NUM || req == VOB_VHU_GET_MAX_MEM_SLOTS ||
	       req == VOB_VHU_GET_VRING_BASE || req == VOB_VHU_GET_CONFIG;
}

static void send_simple(uint32_t req, const void *p, uint32_t size, const int *fds, unsigned nfds,
			uint8_t flag_sel)
{
	uint32_t flags = VOB_VHU_VERSION | ((flag_sel & 1u) ? VOB_VHU_FLAG_NEED_REPLY : 0u);

	send_msg(req, flags, size, p, size, fds, nfds, takes_reply(req));
}

/* ---- fds of several kinds -------------------------------------------------- */

/* An fd to send (the caller closes it after sending when @*own). */
static int pick_fd(uint8_t sel, bool *own)
{
	int p[2], fd;

	*own = true;
	switch (sel % 8u) {
	case 0:
	case 1:
	case 2:
		*own = false;
		return F.evfd[sel % NEVFD];
	case 3:
		*own = false;
		return F.memfd[sel & 1u];
	case 4:
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	case 5: /* read end of a pipe, the write end closed */
	case 6: /* write end, the read end closed */
		if (pipe2(p, O_CLOEXEC))
			return eventfd(0, EFD_CLOEXEC);
		close(p[sel % 8u == 5 ? 1 : 0]);
		return p[sel % 8u == 5 ? 0 : 1];
	default:
		fd = memfd_create("fz-small", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, 4096))
			(void)0;
		return fd;
	}
}

/* ---- operations -------------------------------------------------------------- */

static void op_set_features(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint64_t f = vob_dev_offered(&BE->pd, 0) | VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES);

	switch (sel % 4u) {
	case 0:
		f &= fz_u64(in) | VOB_BIT(VOB_F_VERSION_1);
		break;
	case 1:
		f = fz_u64(in);
		break;
	case 2:
		f ^= VOB_BIT(fz_u8(in) % 64u);
		break;
	default:
		f &= ~VOB_BIT(VOB_F_RING_PACKED);
		break;
	}
	F.features = f;
	send_simple(VOB_VHU_SET_FEATURES, &f, 8, NULL, 0, sel >> 4);
}

/* One region: a sane one over memfd @i, or fields from the input. */
static void gen_region(struct fz_in *in, unsigned k, struct vob_vhu_region *r, int *fdi)
{
	uint8_t sel = fz_u8(in);
	unsigned i = sel & 1u;

	*fdi = (int)i;
	r->gpa = i ? GPA1 : 0;
	r->uaddr = i ? UADDR1 : UADDR0;
	r->size = F.memsz[i];
	r->offset = 0;
	switch ((sel >> 1) % 8u) {
	case 0:
	case 1:
		break; /* sane */
	case 2: /* larger than the memfd behind it */
		r->size += 4096u * (1u + fz_u8(in));
		break;
	case 3: /* an offset into the memfd */
		r->offset = 4096u * (fz_u8(in) % 32u);
		r->size = 4096u * (1u + fz_u8(in) % 16u);
		break;
	case 4: /* gpa and uaddr from the input, page aligned */
		r->gpa = (uint64_t)fz_u32(in) << 12;
		r->uaddr = UADDR0 + ((uint64_t)fz_u16(in) << 12);
		break;
	case 5: /* huge */
		r->size = (uint64_t)1 << (20 + fz_u8(in) % 44u);
		r->gpa = (uint64_t)fz_u8(in) << 32;
		break;
	case 6: /* anything */
		r->gpa = fz_u64(in);
		r->size = fz_u64(in);
		r->uaddr = fz_u64(in);
		r->offset = fz_u64(in);
		break;
	default: /* next to region k-1 */
		r->gpa = (uint64_t)k * F.memsz[0] + (uint64_t)(fz_u8(in) % 4u) * 4096u;
		r->uaddr = UADDR0 + 0x10000000ull * k;
		break;
	}
}

static void op_mem_table(struct fz_in *in)
{
	struct vob_vhu_mem mem;
	int fds[VOB_VHU_MAX_REGIONS + 2];
	bool own[VOB_VHU_MAX_REGIONS + 2];
	uint8_t sel = fz_u8(in), fdsel = fz_u8(in);
	unsigned n = 1u + sel % 9u, nfds, k;
	uint32_t size;

	memset(&mem, 0, sizeof(mem));
	if (n > VOB_VHU_MAX_REGIONS)
		n = VOB_VHU_MAX_REGIONS;
	mem.nregions = (sel & 0x80) ? fz_u8(in) : n;
	F.nreg = n;
	for (k = 0; k < n; k++) {
		gen_region(in, k, &mem.r[k], &F.reg[k].fdi);
		F.reg[k].gpa = mem.r[k].gpa;
		F.reg[k].size = mem.r[k].size;
		F.reg[k].uaddr = mem.r[k].uaddr;
		F.reg[k].offset = mem.r[k].offset;
	}
	nfds = n;
	if (fdsel & 0x80)
		nfds = fdsel % 11u;
	for (k = 0; k < nfds; k++) {
		if (k < n && !(fdsel & 0x40)) {
			own[k] = false;
			fds[k] = F.memfd[F.reg[k].fdi];
		} else {
			fds[k] = pick_fd(fz_u8(in), &own[k]);
		}
	}
	size = 8u + n * (uint32_t)sizeof(struct vob_vhu_region);
	send_msg(VOB_VHU_SET_MEM_TABLE, VOB_VHU_VERSION | ((sel & 0x40) ? VOB_VHU_FLAG_NEED_REPLY : 0),
		 size, &mem, size, fds, nfds, false);
	for (k = 0; k < nfds; k++)
		if (own[k] && fds[k] >= 0)
			close(fds[k]);
}

/* A valid ring layout for queue 0 inside memfd 0 (offsets from the input). */
static void gen_addr(struct fz_in *in, struct vob_vhu_addr *a, uint8_t sel)
{
	memset(a, 0, sizeof(*a));
	a->index = (sel & 0x80) ? fz_u32(in) : (sel & 0x40) ? 1u : 0u;
	if ((sel & 7u) == 7u) {
		a->desc = fz_u64(in);
		a->avail = fz_u64(in);
		a->used = fz_u64(in);
		a->flags = fz_u32(in);
		return;
	}
	a->desc = UADDR0 + (sel & 1u ? 16u * fz_u8(in) : 0u);
	a->avail = UADDR0 + 0x2000u + (sel & 2u ? fz_u8(in) : 0u);
	a->used = UADDR0 + 0x3000u + (sel & 4u ? 4u * fz_u8(in) : 0u);
	a->log = fz_u8(in);
}

static void op_vring(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	struct vob_vhu_state s;
	struct vob_vhu_addr a;
	static const uint32_t reqs[5] = { VOB_VHU_SET_VRING_NUM, VOB_VHU_SET_VRING_BASE,
					  VOB_VHU_GET_VRING_BASE, VOB_VHU_SET_VRING_ENABLE,
					  VOB_VHU_SET_VRING_ADDR };
	uint32_t req = reqs[sel % 5u];

	if (req == VOB_VHU_SET_VRING_ADDR) {
		gen_addr(in, &a, fz_u8(in));
		if (a.index < 2)
			F.addr[a.index] = a;
		send_simple(req, &a, sizeof(a), NULL, 0, sel >> 7);
		return;
	}
	s.index = (sel & 0x20) ? fz_u32(in) : (sel >> 3) & 1u;
	switch ((sel >> 4) & 1u ? 1u : 0u) {
	case 0: { /* small, common values; a base near a ring's start, either wrap */
		uint8_t v = fz_u8(in);

		s.num = req == VOB_VHU_SET_VRING_NUM ? 1u << (v % 9u)
			: req == VOB_VHU_SET_VRING_BASE ? ((v & 1u) ? 0x8000u : 0u) | (v >> 4)
			: v & 1u;
		break;
	}
	default:
		s.num = fz_u32(in);
		break;
	}
	if (req == VOB_VHU_SET_VRING_NUM && s.index < 2)
		F.num[s.index] = s.num;
	send_simple(req, &s, sizeof(s), NULL, 0, sel >> 6);
}

static void op_vring_fd(struct fz_in *in)
{
	uint8_t sel = fz_u8(in), fsel = fz_u8(in);
	static const uint32_t reqs[3] = { VOB_VHU_SET_VRING_KICK, VOB_VHU_SET_VRING_CALL,
					  VOB_VHU_SET_VRING_ERR };
	uint64_t v = (sel & 0x10) ? fz_u64(in) : (sel >> 5) & 1u;
	bool own = false;
	int fd = -1;

	if (sel & 0x40)
		v |= 0x100u;
	if (!(v & 0x100u) || (sel & 0x80))
		fd = pick_fd(fsel, &own);
	send_simple(reqs[sel % 3u], &v, 8, fd >= 0 ? &fd : NULL, fd >= 0 ? 1u : 0u, sel >> 3);
	if (own && fd >= 0)
		close(fd);
}

static void op_config(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	struct vob_vhu_config c;
	uint32_t size;

	memset(&c, 0, sizeof(c));
	c.offset = (sel & 2u) ? fz_u32(in) : fz_u8(in);
	c.size = (sel & 4u) ? fz_u32(in) : fz_u8(in) % (VOB_VHU_CONFIG_MAX + 1u);
	c.flags = (sel & 8u) ? fz_u32(in) : 0u;
	size = c.size <= VOB_VHU_CONFIG_MAX ? 12u + c.size : 12u;
	if (sel & 16u)
		size = fz_u8(in) % (12u + VOB_VHU_CONFIG_MAX + 1u);
	send_simple((sel & 1u) ? VOB_VHU_SET_CONFIG : VOB_VHU_GET_CONFIG, &c, size, NULL, 0,
		    sel >> 5);
}

static void op_noarg(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	static const uint32_t reqs[8] = {
		VOB_VHU_GET_FEATURES,    VOB_VHU_GET_PROTOCOL_FEATURES, VOB_VHU_GET_QUEUE_NUM,
		VOB_VHU_GET_MAX_MEM_SLOTS, VOB_VHU_SET_OWNER, VOB_VHU_RESET_OWNER,
		VOB_VHU_RESET_DEVICE,    VOB_VHU_SET_PROTOCOL_FEATURES,
	};
	uint64_t v = 0;
	uint32_t req = reqs[sel % 8u];

	if (req == VOB_VHU_SET_PROTOCOL_FEATURES) {
		v = (sel & 0x80) ? fz_u64(in) : VOB_BIT(VOB_VHU_PF_REPLY_ACK) |
			VOB_BIT(VOB_VHU_PF_CONFIG) | VOB_BIT(VOB_VHU_PF_MQ) |
			VOB_BIT(VOB_VHU_PF_RESET_DEVICE);
		send_simple(req, &v, 8, NULL, 0, sel >> 3);
		return;
	}
	send_simple(req, &v, (sel & 0x40) ? 8u : 0u, NULL, 0, sel >> 3);
}

/* Any header, exactly the payload it announces (when it fits), any fds. */
static void op_raw(struct fz_in *in)
{
	uint8_t buf[sizeof(((struct vob_vhu_msg *)0)->u)];
	int fds[10];
	bool own[10];
	uint32_t req = fz_u8(in), flags = fz_u8(in), size = fz_u16(in);
	unsigned nfds = fz_u8(in) % 11u, k;
	size_t paylen, i;

	if (req & 0x80)
		req = fz_u32(in);
	else
		req %= 40u;
	if (size & 0x8000u)
		size = fz_u32(in);
	paylen = size <= sizeof(buf) ? size : 0;
	for (i = 0; i < paylen; i++)
		buf[i] = fz_u8(in);
	for (k = 0; k < nfds; k++)
		fds[k] = pick_fd(fz_u8(in), &own[k]);
	for (k = 0; k < nfds; k++)
		if (fds[k] < 0)
			nfds = k;
	/* Any raw request may be answered (an unknown one with NEED_REPLY). */
	send_msg(req, flags, size, buf, paylen, fds, nfds, true);
	for (k = 0; k < nfds; k++)
		if (own[k])
			close(fds[k]);
}

/* Everything a front end sends to get queue 0 running. */
static void op_setup(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint64_t f = vob_dev_offered(&BE->pd, 0) | VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES);
	uint64_t pf = VOB_BIT(VOB_VHU_PF_REPLY_ACK) | VOB_BIT(VOB_VHU_PF_CONFIG);
	struct vob_vhu_mem mem;
	struct vob_vhu_state s = { 0, 0 };
	uint64_t q = 0;
	int fds[2] = { F.memfd[0], F.memfd[1] };

	if (!(sel & 1u))
		f &= ~VOB_BIT(VOB_F_RING_PACKED);
	if (!(sel & 2u))
		f &= ~VOB_BIT(VOB_F_EVENT_IDX);
	if (!(sel & 4u))
		f &= ~VOB_BIT(VOB_F_INDIRECT_DESC);
	send_simple(VOB_VHU_GET_FEATURES, NULL, 0, NULL, 0, 0);
	send_simple(VOB_VHU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0, 0);
	F.features = f;
	send_simple(VOB_VHU_SET_FEATURES, &f, 8, NULL, 0, 0);
	memset(&mem, 0, sizeof(mem));
	mem.nregions = (sel & 8u) ? 2 : 1;
	mem.r[0].gpa = 0;
	mem.r[0].size = F.memsz[0];
	mem.r[0].uaddr = UADDR0;
	mem.r[1].gpa = GPA1;
	mem.r[1].size = F.memsz[1];
	mem.r[1].uaddr = UADDR1;
	F.nreg = mem.nregions;
	memset(F.reg, 0, sizeof(F.reg));
	F.reg[0] = (struct region_model){ 0, F.memsz[0], UADDR0, 0, 0 };
	F.reg[1] = (struct region_model){ GPA1, F.memsz[1], UADDR1, 0, 1 };
	send_simple(VOB_VHU_SET_MEM_TABLE, &mem, 8u + 32u * mem.nregions, fds, mem.nregions, 1);
	s.num = 1u << (3u + (sel >> 4) % 4u); /* 8 to 64 */
	if ((sel >> 4) % 4u == 3u && F.memsz[0] < 0x4000u)
		s.num = 16;
	for (s.index = 0; s.index < F.nq; s.index++) {
		/* Queue q at q * base1 in memfd 0: descriptors, then the driver
		 * area at 0x400 (per 16 entries), the device area 0x200 later. */
		uint64_t base = s.index * (F.memsz[0] < 0x4000u ? 0x800u : 0x2000u);
		struct vob_vhu_addr *a = &F.addr[s.index];
		struct vob_vhu_state b = { s.index, 0 };

		q = s.index;
		F.num[s.index] = s.num;
		send_simple(VOB_VHU_SET_VRING_NUM, &s, 8, NULL, 0, 0);
		b.num = (f & VOB_BIT(VOB_F_RING_PACKED)) ? 0x8000u : 0u;
		send_simple(VOB_VHU_SET_VRING_BASE, &b, 8, NULL, 0, 0);
		memset(a, 0, sizeof(*a));
		a->index = s.index;
		a->desc = UADDR0 + base;
		a->avail = a->desc + 0x400u * (s.num / 16u ? s.num / 16u : 1u);
		a->used = a->avail + 0x200u;
		send_simple(VOB_VHU_SET_VRING_ADDR, a, sizeof(*a), NULL, 0, 0);
		send_simple(VOB_VHU_SET_VRING_CALL, &q, 8, &F.evfd[1], 1, 0);
		send_simple(VOB_VHU_SET_VRING_KICK, &q, 8, &F.evfd[0], 1, 0);
	}
	/* Enabled last, as QEMU does: the rings start together. */
	for (s.index = 0; s.index < F.nq; s.index++) {
		s.num = 1;
		send_simple(VOB_VHU_SET_VRING_ENABLE, &s, 8, NULL, 0, 0);
	}
}

/* Our pointer for front-end address @uva (length @len), through the last
 * table we sent; NULL when it is not in one of our memfds. */
static uint8_t *uva_ptr(uint64_t uva, uint64_t len)
{
	unsigned k;

	for (k = 0; k < F.nreg; k++) {
		const struct region_model *r = &F.reg[k];
		uint64_t off;

		if (r->fdi < 0 || uva < r->uaddr || uva - r->uaddr >= r->size ||
		    len > r->size - (uva - r->uaddr))
			continue;
		off = r->offset + (uva - r->uaddr);
		if (off < r->offset || off > F.memsz[r->fdi] || len > F.memsz[r->fdi] - off)
			continue;
		return F.mem[r->fdi] + off;
	}
	return NULL;
}

/* A guest address for a buffer: inside a region we sent, or anything. */
static uint64_t gen_gpa(struct fz_in *in, uint32_t len)
{
	uint8_t sel = fz_u8(in);
	const struct region_model *r;

	if (!F.nreg || (sel & 0xc0) == 0xc0)
		return fz_u64(in);
	r = &F.reg[sel % F.nreg];
	if (r->size <= len)
		return r->gpa;
	return r->gpa + 0x1000u + (uint64_t)fz_u16(in) % (r->size - len > 0x1000u
							     ? r->size - len - 0x1000u : 1u);
}

/* Hostile ring contents for queue 0, then a kick. */
static void op_ring(struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	unsigned rq = (sel >> 6) & (F.nq - 1u); /* net: 0 receive, 1 transmit */
	uint32_t num = F.num[rq] && F.num[rq] <= 1024u ? F.num[rq] : 1u;
	uint8_t *desc = uva_ptr(F.addr[rq].desc, 16u * num);
	uint8_t *avail = uva_ptr(F.addr[rq].avail, 4u + 2u * num);
	uint8_t *p;

	switch (sel % 4u) {
	case 0: /* a blk request: header, data, status, in descriptors d..d+2 */
		if (desc && avail) {
			uint16_t d = (uint16_t)(fz_u8(in) % num), i;
			uint16_t aidx = fz_rd16(avail + 2);
			uint32_t dlen = 512u * (fz_u8(in) % 4u);
			uint64_t hdr_gpa = gen_gpa(in, 16), data_gpa = gen_gpa(in, dlen),
				 st_gpa = gen_gpa(in, 1);
			uint32_t type = fz_u8(in) % 16u;
			uint64_t sector = fz_u8(in);
			uint8_t hdr[16];
			uint8_t *hp;
			struct {
				uint64_t addr;
				uint32_t len;
				uint16_t flags, next;
			} dd[3] = {
				{ hdr_gpa, 16, 1, 0 },
				{ data_gpa, dlen, (uint16_t)(1u | (type == 0 ? 2u : 0u)), 0 },
				{ st_gpa, 1, 2, 0 },
			};

			memcpy(hdr, &type, 4);
			memset(hdr + 4, 0, 4);
			memcpy(hdr + 8, &sector, 8);
			hp = NULL;
			for (i = 0; i < F.nreg && !hp; i++)
				if (hdr_gpa >= F.reg[i].gpa && hdr_gpa - F.reg[i].gpa < F.reg[i].size)
					hp = uva_ptr(F.reg[i].uaddr + (hdr_gpa - F.reg[i].gpa), 16);
			if (hp)
				memcpy(hp, hdr, 16);
			if (!dlen) {
				dd[0].next = (uint16_t)((d + 1u) % num);
				dd[1] = dd[2];
			}
			for (i = 0; i < (dlen ? 3u : 2u); i++) {
				uint16_t at = (uint16_t)((d + i) % num);

				if (i + 1u < (dlen ? 3u : 2u))
					dd[i].next = (uint16_t)((d + i + 1u) % num);
				memcpy(desc + 16u * at, &dd[i], 16);
			}
			memcpy(avail + 4u + 2u * (aidx % num), &d, 2);
			aidx++;
			memcpy(avail + 2, &aidx, 2);
		}
		break;
	case 1: /* descriptor garbage */
		if (desc) {
			uint16_t i = (uint16_t)(fz_u8(in) % num);
			uint8_t b[16];
			unsigned k;

			for (k = 0; k < 16; k++)
				b[k] = fz_u8(in);
			memcpy(desc + 16u * i, b, 16);
		}
		break;
	case 2: /* avail index jump / avail entry */
		if (avail) {
			uint16_t v = fz_u16(in);

			if (sel & 0x10)
				memcpy(avail + 4u + 2u * (fz_u8(in) % num), &v, 2);
			else
				memcpy(avail + 2u, &v, 2);
		}
		break;
	default: /* a byte anywhere in the memfds */
		p = F.mem[sel >> 7];
		p[fz_u16(in) % F.memsz[sel >> 7]] = fz_u8(in);
		break;
	}
	if (!(sel & 0x20)) {
		unsigned k;

		for (k = 0; k < 2; k++)
			FZ_CHECK(eventfd_write(F.evfd[k == 0 ? 0 : sel % NEVFD], 1) == 0, "kick");
	}
	(void)step();
	(void)step();
}

/* The last message is cut short and the front end leaves. */
static void op_truncate(struct fz_in *in)
{
	uint8_t b[24];
	unsigned n = 1u + fz_u8(in) % 23u, i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = fz_u8(in);
	b[4] = (uint8_t)((b[4] & ~3u) | 1u);
	if (F.sock >= 0) {
		if (n >= 12)
			add_pending(fz_rd32(b)); /* a whole header: may be answered */
		if (send(F.sock, b, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			(void)0;
		shutdown(F.sock, SHUT_WR);
	}
}

/* ---- one input ------------------------------------------------------------- */

static void input_begin(struct fz_in *in)
{
	uint8_t s0 = fz_u8(in), s1 = fz_u8(in);
	unsigned i;

	F.trace = getenv("VOB_FUZZ_TRACE") != NULL;
	F.memsz[0] = 4096u * (1u + s0 % 16u); /* 4 to 64 KiB */
	F.memsz[1] = 4096u * (1u + s1 % 4u);
	/* bit 7 of s1: the net back end (two queues) instead of blk */
	for (i = 0; i < NMEMFD; i++) {
		F.memfd[i] = memfd_create("fz-guest", MFD_CLOEXEC);
		FZ_CHECK(F.memfd[i] >= 0 && ftruncate(F.memfd[i], (off_t)F.memsz[i]) == 0, "memfd");
		F.mem[i] = mmap(NULL, F.memsz[i], PROT_READ | PROT_WRITE, MAP_SHARED, F.memfd[i], 0);
		FZ_CHECK(F.mem[i] != MAP_FAILED, "mmap memfd");
	}
	for (i = 0; i < NEVFD; i++) {
		F.evfd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		FZ_CHECK(F.evfd[i] >= 0, "eventfd");
	}
	F.nreg = 0;
	memset(F.num, 0, sizeof(F.num));
	memset(F.addr, 0, sizeof(F.addr));
	BE = &B.be[s1 >> 7];
	F.nq = BE->cfg.num_queues;
	connect_fe();
}

static void input_end(void)
{
	unsigned i;

	if (F.sock >= 0) {
		close(F.sock);
		F.sock = -1;
	}
	for (i = 0; i < 8 && vob_vhu_be_step(BE, 0) == 1; i++)
		;
	FZ_CHECK(vob_vhu_be_step(BE, 0) == 0, "the back end did not notice the front end left");
	check_dropped();
	if (F.trace && BE == &B.be[0]) {
		const struct vob_blk_dev_stats *st = vob_blk_dev_stats(&B.blk);

		fprintf(stderr, "blk: %llu requests answered (%llu ok), %llu ring errors\n",
			(unsigned long long)st->requests, (unsigned long long)st->ok,
			(unsigned long long)st->ring_errors);
	}
	for (i = 0; i < NMEMFD; i++) {
		munmap(F.mem[i], F.memsz[i]);
		close(F.memfd[i]);
	}
	for (i = 0; i < NEVFD; i++)
		close(F.evfd[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ops = 0;
	int fds0;

	be_setup_once();
	fds0 = count_fds();
	input_begin(&in);
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in);

		if (F.sock < 0) {
			if (op & 1u)
				break;
			connect_fe(); /* the back end serves the next front end */
			continue;
		}
		switch (op % 16u) {
		case 0:
		case 1:
			op_setup(&in);
			break;
		case 2:
			op_set_features(&in);
			break;
		case 3:
			op_mem_table(&in);
			break;
		case 4:
		case 5:
			op_vring(&in);
			break;
		case 6:
			op_vring_fd(&in);
			break;
		case 7:
			op_config(&in);
			break;
		case 8:
			op_noarg(&in);
			break;
		case 9:
			op_raw(&in);
			break;
		case 10:
		case 11:
		case 12:
			op_ring(&in);
			break;
		case 13: /* the front end leaves and another comes */
			close(F.sock);
			F.sock = -1;
			(void)vob_vhu_be_step(BE, 0);
			FZ_CHECK(vob_vhu_be_step(BE, 0) == 0, "front end left unnoticed");
			check_dropped();
			connect_fe();
			break;
		case 14:
			op_truncate(&in);
			(void)step();
			(void)step();
			break;
		default:
			(void)step();
			break;
		}
	}
	input_end();
	FZ_CHECK(count_fds() == fds0, "fds grew from %d to %d in one input", fds0, count_fds());
	return 0;
}

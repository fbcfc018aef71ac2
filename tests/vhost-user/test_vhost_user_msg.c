/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user message parser and the back end against malformed
 * messages: short, oversized, trickled, wrong fd counts or kinds,
 * overlapping regions, regions that do not fit their huge pages, rings
 * outside the memory table. Each gets a clear error, never a crash, and no
 * fd stays open. And what vob_vhu_be_listen() finds at its path. */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vob/blk.h"
#include "vob_vhost_user.h"
#include "vhu_internal.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4u
#endif
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB (30u << 26)
#endif

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether [p, p + n) holds no mapping (msync() of a page says ENOMEM), seen
 * at 1024 places at most, the first and the last page among them. */
static bool unmapped(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095u, end = (uintptr_t)p + n;
	size_t stride = n / 1024u > 4096u ? (n / 1024u) & ~(size_t)4095u : 4096u;

	for (; a < end; a += stride)
		if (msync((void *)a, 4096, MS_ASYNC) == 0 || errno != ENOMEM)
			return false;
	return msync((void *)((end - 1u) & ~(uintptr_t)4095u), 4096, MS_ASYNC) != 0 &&
	       errno == ENOMEM;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int sv[2];

static int setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
}

static int teardown(void **state)
{
	(void)state;
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return 0;
}

/* Send raw bytes and @nfds fresh eventfds, then parse on the other end. */
static int send_parse(const void *bytes, size_t n, unsigned nfds, struct vob_vhu_msg *m,
		      const char **why)
{
	int fds[VOB_VHU_MAX_REGIONS + 2];
	unsigned i;
	int rc;

	for (i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	if (nfds) {
		/* vob_vhu_send carries at most 8 fds: build the message by hand. */
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * (VOB_VHU_MAX_REGIONS + 2))];
		} ctl;
		struct iovec iov = { (void *)(uintptr_t)bytes, n };
		struct msghdr mh;
		struct cmsghdr *c;

		memset(&mh, 0, sizeof(mh));
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		assert_int_equal(sendmsg(sv[1], &mh, 0), (ssize_t)n);
	} else {
		assert_int_equal(send(sv[1], bytes, n, 0), (ssize_t)n);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	rc = vob_vhu_recv(sv[0], m, why);
	if (rc == 1) {
		rc = vob_vhu_msg_check(m, why);
		vob_vhu_msg_close(m);
	}
	return rc;
}

struct raw {
	uint32_t req, flags, size;
	uint8_t payload[512];
};

static struct raw mk(uint32_t req, uint32_t size)
{
	struct raw r;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.flags = VOB_VHU_VERSION;
	r.size = size;
	return r;
}

static void test_good_messages(void **state)
{
	struct vob_vhu_msg m;
	const char *why = NULL;
	struct raw r = mk(VOB_VHU_GET_FEATURES, 0);
	uint64_t v = 0;

	(void)state;
	assert_int_equal(send_parse(&r, 12, 0, &m, &why), 0);
	r = mk(VOB_VHU_SET_VRING_KICK, 8);
	assert_int_equal(send_parse(&r, 20, 1, &m, &why), 0);
	v = 0x100; /* no fd: polling */
	r = mk(VOB_VHU_SET_VRING_CALL, 8);
	memcpy(r.payload, &v, 8);
	assert_int_equal(send_parse(&r, 20, 0, &m, &why), 0);
}

static void test_short_and_oversized(void **state)
{
	struct vob_vhu_msg m;
	const char *why = NULL;
	struct raw r = mk(VOB_VHU_SET_FEATURES, 8);
	int fds = count_fds();

	(void)state;
	/* Short header, then the peer leaves. */
	assert_int_equal(send(sv[1], &r, 6, 0), 6);
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(vob_vhu_recv(sv[0], &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "short header");
	assert_int_equal(count_fds(), fds - 1);
	teardown(state);
	setup(state);
	/* Short payload. */
	assert_int_equal(send(sv[1], &r, 16, 0), 16);
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(vob_vhu_recv(sv[0], &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "short payload");
	teardown(state);
	setup(state);
	/* Oversized. */
	r = mk(VOB_VHU_SET_MEM_TABLE, 100000);
	assert_int_equal(send_parse(&r, 12, 0, &m, &why), VOB_EMSGSIZE);
	/* Payload size wrong for its request. */
	r = mk(VOB_VHU_SET_VRING_NUM, 4);
	assert_int_equal(send_parse(&r, 16, 0, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "payload size wrong for the request");
	r = mk(VOB_VHU_GET_CONFIG, 12);
	((uint32_t *)r.payload)[1] = 300; /* size beyond the maximum */
	assert_int_equal(send_parse(&r, 24, 0, &m, &why), VOB_EBADMSG);
	r = mk(VOB_VHU_GET_FEATURES, 0);
	r.flags = 2; /* version 2 */
	assert_int_equal(send_parse(&r, 12, 0, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "unknown protocol version");
}

static void test_wrong_fd_counts(void **state)
{
	struct vob_vhu_msg m;
	const char *why = NULL;
	struct raw r = mk(VOB_VHU_SET_VRING_KICK, 8);
	int fds = count_fds();

	(void)state;
	assert_int_equal(send_parse(&r, 20, 0, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "wrong number of fds for the request");
	r = mk(VOB_VHU_SET_FEATURES, 8);
	assert_int_equal(send_parse(&r, 20, 2, &m, &why), VOB_EBADMSG);
	/* More fds than any message carries: refused, none kept. */
	r = mk(VOB_VHU_SET_VRING_CALL, 8);
	assert_int_equal(send_parse(&r, 20, VOB_VHU_MAX_REGIONS + 2, &m, &why), VOB_EBADMSG);
#ifndef VOB_TEST_QEMU_USER
	assert_int_equal(count_fds(), fds);
#else
	/* A cross build runs under qemu-user, which keeps the fds a
	 * truncated control message drops (the kernel closes them). */
	assert_true(count_fds() >= fds);
#endif
}

/* vhost-user numbers are in the host's byte order. */
static void set_nregions(struct raw *r, uint32_t n)
{
	memcpy(r->payload, &n, 4);
}

static void put_region(struct raw *r, unsigned i, uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	uint64_t f[4] = { gpa, size, uaddr, 0 };

	memcpy(r->payload + 8 + i * 32, f, 32);
}

static void test_mem_tables(void **state)
{
	struct vob_vhu_msg m;
	const char *why = NULL;
	struct raw r;
	int fds = count_fds();

	(void)state;
	r = mk(VOB_VHU_SET_MEM_TABLE, 8 + 64);
	set_nregions(&r, 2);
	put_region(&r, 0, 0, 0x10000, 0x7f0000000000);
	put_region(&r, 1, 0x10000, 0x10000, 0x7f0000010000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), 0);
	/* One fd for two regions. */
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 1, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: not one fd per region");
	/* Overlapping guest addresses. */
	put_region(&r, 1, 0x8000, 0x10000, 0x7f0000010000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: regions overlap in guest addresses");
	/* Overlapping front-end addresses. */
	put_region(&r, 1, 0x10000, 0x10000, 0x7f0000008000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: regions overlap in front-end addresses");
	/* Wrapping, empty, misaligned, too many, count/size mismatch. */
	put_region(&r, 1, 0xfffffffffffff000ull, 0x2000, 0x7f0000010000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), VOB_EBADMSG);
	put_region(&r, 1, 0x20000, 0, 0x7f0000010000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), VOB_EBADMSG);
	put_region(&r, 1, 0x20010, 0x1000, 0x7f0000010000);
	assert_int_equal(send_parse(&r, 12 + 8 + 64, 2, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: region not page aligned");
	set_nregions(&r, 9);
	r.size = 8 + 8 * 32;
	assert_int_equal(send_parse(&r, 12 + r.size, 0, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: no regions, or more than 8");
	set_nregions(&r, 3);
	r.size = 8 + 64;
	assert_int_equal(send_parse(&r, 12 + r.size, 3, &m, &why), VOB_EBADMSG);
	assert_string_equal(why, "SET_MEM_TABLE: size does not match the region count");
	/* Larger than any message (the stream cannot be resynchronised: last). */
	set_nregions(&r, 9);
	r.size = 8 + 9 * 32;
	assert_int_equal(send_parse(&r, 12 + r.size, 0, &m, &why), VOB_EMSGSIZE);
	assert_int_equal(count_fds(), fds);
}

static void test_uva_to_gpa(void **state)
{
	struct vob_vhu_mem mem;
	uint64_t g = 0;

	(void)state;
	memset(&mem, 0, sizeof(mem));
	mem.nregions = 1;
	mem.r[0].gpa = 0x100000;
	mem.r[0].size = 0x10000;
	mem.r[0].uaddr = 0x7f0000000000;
	assert_int_equal(vob_vhu_uva_to_gpa(&mem, 0x7f0000000100, 16, &g), 0);
	assert_true(g == 0x100100);
	assert_int_equal(vob_vhu_uva_to_gpa(&mem, 0x7f000000fff0, 32, &g), VOB_EFAULT);
	assert_int_equal(vob_vhu_uva_to_gpa(&mem, 0x7effffffffff, 2, &g), VOB_EFAULT);
	assert_int_equal(vob_vhu_uva_to_gpa(&mem, 0x7f0000000000, UINT64_MAX, &g), VOB_EFAULT);
}

/* The back end drops a front end whose ring lies outside the memory table
 * and keeps serving: the next front end gets answers. */
static int nop_poll(void *arg)
{
	return vob_blk_dev_poll(arg) > 0 ? 0 : 0;
}

static char logged[1024];

static void on_log(void *arg, const char *line)
{
	(void)arg;
	if (strlen(logged) + strlen(line) + 2 < sizeof(logged)) {
		strcat(logged, line);
		strcat(logged, "\n");
	}
}

/* The back end most tests talk to: a blk device on one queue over a 64 KiB
 * memory disk, logging into logged[], attached to the fixture's socket
 * sv[0] (which it owns from then on; the test is the front end on sv[1]).
 * With @reply_ack, REPLY_ACK is negotiated first. */
static struct {
	struct vob_vhu_be be;
	struct vob_blk_dev blk;
	struct vob_blk_mem dm;
	uint8_t disk[64 * 1024];
} blk_be;

static struct vob_vhu_be *blk_be_attach(bool reply_ack)
{
	struct vob_vhu_be_cfg c = { 0 };
	struct vob_blk_dev_cfg bc = { 0 };
	uint64_t pf = VOB_BIT(VOB_VHU_PF_REPLY_ACK);
	int fd = sv[0];

	logged[0] = 0;
	c.num_queues = 1;
	c.poll = nop_poll;
	c.log = on_log;
	c.arg = &blk_be.blk;
	assert_int_equal(vob_vhu_be_init(&blk_be.be, &c), 0);
	bc.capacity = vob_blk_mem_init(&blk_be.dm, blk_be.disk, sizeof(blk_be.disk));
	bc.ops = &vob_blk_mem_backend;
	bc.ctx = &blk_be.dm;
	assert_int_equal(vob_blk_dev_init(&blk_be.blk, vob_vhu_be_table(&blk_be.be), &bc), 0);
	sv[0] = -1;
	assert_int_equal(vob_vhu_be_attach(&blk_be.be, fd), 0);
	if (reply_ack) {
		assert_int_equal(
			vob_vhu_send(sv[1], VOB_VHU_SET_PROTOCOL_FEATURES, 0, &pf, 8, NULL, 0), 0);
		assert_int_equal(vob_vhu_be_step(&blk_be.be, 100), 1);
	}
	return &blk_be.be;
}

/* A 64 KiB shared region (a memfd, mapped here at *@shm) as guest memory
 * at 0x10000: fills @mem and returns the memfd to send with it. */
static int shm_region(struct vob_vhu_mem *mem, uint8_t **shm)
{
	int memfd = memfd_create("t", MFD_CLOEXEC);

	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, 65536), 0);
	*shm = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	assert_true(*shm != MAP_FAILED);
	memset(mem, 0, sizeof(*mem));
	mem->nregions = 1;
	mem->r[0].gpa = 0x10000;
	mem->r[0].size = 65536;
	mem->r[0].uaddr = (uintptr_t)*shm;
	return memfd;
}

static void test_backend_drops_bad_front_end(void **state)
{
	struct vob_vhu_be *be;
	struct vob_vhu_addr a;
	struct vob_vhu_state st = { 0, 64 };
	struct vob_vhu_mem mem;
	struct vob_vhu_msg m;
	const char *why = NULL;
	uint64_t f = 0;
	uint8_t *shm;
	int memfd, fds, i, r;

	(void)state;
	fds = count_fds();
	be = blk_be_attach(false);
	/* GET_FEATURES answered from the class's offer. */
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_GET_FEATURES, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 1);
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
	assert_true(m.u.u64 & VOB_BIT(VOB_F_VERSION_1));
	assert_true(m.u.u64 & VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES));
	f = VOB_BIT(VOB_F_VERSION_1);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_FEATURES, 0, &f, 8, NULL, 0), 0);
	memfd = shm_region(&mem, &shm);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, 0, &mem, 8 + 32, &memfd, 1), 0);
	close(memfd);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_NUM, 0, &st, 8, NULL, 0), 0);
	memset(&a, 0, sizeof(a));
	a.desc = (uintptr_t)shm + 65536 - 512; /* runs past the region's end */
	a.avail = (uintptr_t)shm;
	a.used = (uintptr_t)shm + 4096;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0), 0);
	for (i = 0, r = 1; i < 10 && r == 1; i++)
		r = vob_vhu_be_step(be, 100);
	assert_int_equal(r, 0); /* dropped */
	assert_non_null(strstr(logged, "SET_VRING_ADDR 0: ring outside the memory table"));
	assert_non_null(strstr(logged, "dropping the front end"));
	/* Its socket is closed: the front end sees the end. */
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 0);
	munmap(shm, 65536);
	close(sv[1]);
	/* A second front end is served. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(vob_vhu_be_attach(be, sv[0]), 0);
	sv[0] = -1;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 1);
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
	assert_true(m.u.u64 == 1);
	assert_true(vob_vhu_be_connections(be) == 2);
	vob_vhu_be_close(be);
	close(sv[1]);
	sv[1] = -1;
	/* Only the fixture's socket (closed by the back end) is gone. */
	assert_int_equal(count_fds(), fds - 2);
}

/* A ring position vob cannot start from is refused by name (split: more
 * than 16 bits; packed: avail and used halves that differ), and the
 * positions QEMU and DPDK send are taken: a fresh start or a saved one. */
static void base_case(uint64_t features, uint32_t base, const char *dropped)
{
	struct vob_vhu_be *be = blk_be_attach(true);
	struct vob_vhu_state st = { 0, base };
	struct vob_vhu_msg m;
	const char *why = NULL;
	int r;

	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_FEATURES, 0, &features, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 1);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_BASE, VOB_VHU_FLAG_NEED_REPLY, &st,
				      8, NULL, 0), 0);
	r = vob_vhu_be_step(be, 100);
	assert_int_equal(r, dropped ? 0 : 1);
	if (dropped) {
		assert_non_null(strstr(logged, dropped));
	} else {
		assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
		assert_true(m.size == 8 && m.u.u64 == 0); /* acknowledged */
	}
	vob_vhu_be_close(be);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_ring_start_positions(void **state)
{
	const uint64_t split = VOB_BIT(VOB_F_VERSION_1);
	const uint64_t packed = split | VOB_BIT(VOB_F_RING_PACKED);

	(void)state;
	base_case(split, 0, NULL);
	base_case(split, 5, NULL);
	base_case(split, 0x8000, NULL);
	base_case(split, 0xffff, NULL);
	base_case(split, 0x10000, "not a 16-bit index");
	base_case(split, 0x80008000u, "not a 16-bit index");
	base_case(packed, 0x8000, NULL);
	base_case(packed, 0x80008000u, NULL); /* QEMU: the used half too */
	base_case(packed, 0, NULL);
	base_case(packed, 0x8003, NULL);         /* DPDK: the avail half alone */
	base_case(packed, 0x80038003u, NULL);
	base_case(packed, 0x00030003u, NULL);
	base_case(packed, 0x00038000u, "avail and used positions differ");
	base_case(packed, 0x80008003u, "avail and used positions differ");
}

/* The front end's fds never block the back end: a blocking call eventfd
 * (whose write blocks once its count nears the maximum, as a pipe nobody
 * drains would; pipes are refused, see test_call_fd_pipe_refused) is made
 * non-blocking. */
static void test_fds_made_nonblocking(void **state)
{
	struct vob_vhu_be *be;
	uint64_t q = 0;
	int efd;

	(void)state;
	be = blk_be_attach(false);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	assert_false(fcntl(efd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_CALL, 0, &q, 8, &efd, 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 1);
	assert_true(fcntl(efd, F_GETFL) & O_NONBLOCK);
	vob_vhu_be_close(be);
	close(efd);
}

/* A start the class refuses (a ring larger than it takes) is reported once,
 * not at every later message or kick, and tried again after a change. */
static unsigned occurrences(const char *hay, const char *needle)
{
	unsigned n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void test_refused_start_reported_once(void **state)
{
	struct vob_vhu_be *be;
	struct vob_vhu_state st = { 0, 1024 }; /* the test core's blk takes 64 */
	struct vob_vhu_addr a;
	struct vob_vhu_mem mem;
	uint64_t f = VOB_BIT(VOB_F_VERSION_1), q = 0;
	int memfd, kick, call, i;
	uint8_t *shm;

	(void)state;
	be = blk_be_attach(false);
	memfd = shm_region(&mem, &shm);
	memset(&a, 0, sizeof(a));
	a.desc = (uintptr_t)shm;
	a.avail = (uintptr_t)shm + 16384;
	a.used = (uintptr_t)shm + 20480;
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_FEATURES, 0, &f, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, 0, &mem, 8 + 32, &memfd, 1), 0);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_NUM, 0, &st, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0), 0);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_CALL, 0, &q, 8, &call, 1), 0);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_KICK, 0, &q, 8, &kick, 1), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(vob_vhu_be_step(be, 50), 1);
	assert_int_equal(occurrences(logged, "refused"), 1);
	/* Kicks and questions change nothing: no new attempt. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(eventfd_write(kick, 1), 0);
		assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0), 0);
		assert_int_equal(vob_vhu_be_step(be, 50), 1);
		assert_int_equal(vob_vhu_be_step(be, 50), 1);
	}
	assert_int_equal(occurrences(logged, "refused"), 1);
	/* A size the class takes: the rings start. */
	st.num = 64;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_NUM, 0, &st, 8, NULL, 0), 0);
	assert_int_equal(vob_vhu_be_step(be, 50), 1);
	assert_non_null(strstr(logged, "1 queue(s) running"));
	vob_vhu_be_close(be);
	close(memfd);
	close(kick);
	close(call);
	munmap(shm, 65536);
}

/* A region larger than the file behind it is refused: the pages past the
 * file's end would fault (SIGBUS) when the class reads a ring there. Found
 * by fuzz_vhost_user_be (regress/fuzz_vhost_user_be/region-beyond-memfd). */
static void test_region_past_file_end(void **state)
{
	struct vob_vhu_be *be;
	struct vob_vhu_mem mem;
	struct vob_vhu_msg m;
	const char *why = NULL;
	int memfd, fd;

	(void)state;
	be = blk_be_attach(true);
	memfd = memfd_create("t", MFD_CLOEXEC);
	assert_int_equal(ftruncate(memfd, 4096), 0);
	memset(&mem, 0, sizeof(mem));
	mem.nregions = 1;
	mem.r[0].size = 65536; /* 16 times the file */
	mem.r[0].uaddr = 0x7f0000000000;
	/* The file's own size, at an offset past it, is refused too. */
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, VOB_VHU_FLAG_NEED_REPLY, &mem,
				      8 + 32, &memfd, 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 0); /* dropped */
	assert_non_null(strstr(logged, "runs past the end of its file"));
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1); /* the ack says no */
	assert_true(m.size == 8 && m.u.u64 == 1);
	close(sv[1]);
	/* A region that fits, and one at an offset beyond the file. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fd = sv[0];
	sv[0] = -1;
	assert_int_equal(vob_vhu_be_attach(be, fd), 0);
	mem.r[0].size = 4096;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, 0, &mem, 8 + 32, &memfd, 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 1);
	assert_true(be->nmap == 1);
	mem.r[0].offset = 8192;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, 0, &mem, 8 + 32, &memfd, 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 0);
	vob_vhu_be_close(be);
	close(memfd);
}

/* The watchdog of tests that could hang on a regression: they fail. */
static void on_alarm(int sig)
{
	static const char msg[] = "watchdog: the back end blocked, a vhost-user test hung\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* A front end that sends requests and never reads the replies cannot stop
 * the back end: once the socket's buffer is full, a reply that cannot leave
 * within the time-out drops the connection (before, the back end blocked in
 * sendmsg() for ever; the alarm turns that into a failure). */
static void test_front_end_not_reading(void **state)
{
	struct vob_vhu_be *be;
	int i, r = 1;

	(void)state;
	be = blk_be_attach(false);
	signal(SIGALRM, on_alarm);
	alarm(30);
	for (i = 0; i < 100000 && r == 1; i++) {
		assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_GET_FEATURES, 0, NULL, 0, NULL, 0), 0);
		r = vob_vhu_be_step(be, 0);
	}
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	assert_int_equal(r, 0); /* dropped */
	assert_non_null(strstr(logged, "dropping the front end"));
	vob_vhu_be_close(be);
}

/* Call and error fds are written by the back end: a pipe whose read end the
 * front end closed would raise SIGPIPE and kill a process that does not
 * ignore it (the socket itself is written with MSG_NOSIGNAL). Such fds are
 * refused (kick fds too: test_kick_fd_not_eventfd_refused). */
static void test_call_fd_pipe_refused(void **state)
{
	struct vob_vhu_be *be;
	struct vob_vhu_msg m;
	const char *why = NULL;
	uint64_t q = 0;
	int p[2];

	(void)state;
	be = blk_be_attach(true);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* The write end as call fd, the read end closed: refused. */
	close(p[0]);
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_CALL, VOB_VHU_FLAG_NEED_REPLY, &q, 8,
				      &p[1], 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 0);
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
	assert_true(m.size == 8 && m.u.u64 == 1);
	assert_non_null(strstr(logged, "not an eventfd"));
	vob_vhu_be_close(be);
	close(p[1]);
}

/* The rule for regions on huge pages, without needing huge pages: size,
 * offset and place in the window must be multiples of the page; and the
 * reservation a window goes in is aligned to the page asked for, its slack
 * given back. */
static void test_huge_page_rule(void **state)
{
	struct vob_vhu_region r = { 0 };
	long sys = sysconf(_SC_PAGESIZE);
	uint64_t pages[2] = { 2 * MIB, GIB };
	uint8_t *p;
	unsigned i;
	int memfd;

	(void)state;
	for (i = 0; i < 2; i++) {
		uint64_t pg = pages[i];

		r.gpa = 4 * GIB;
		r.size = pg;
		r.offset = 0;
		assert_null(vhu_region_misfit(&r, 4 * GIB, pg));
		r.size = 3 * pg;
		r.offset = 2 * pg;
		assert_null(vhu_region_misfit(&r, 4 * GIB - 2 * pg, pg));
		/* The reviewer's region: 4 KiB of a huge page file. */
		r.size = 4096;
		r.offset = 0;
		assert_string_equal(vhu_region_misfit(&r, 4 * GIB, pg),
				    "size not a multiple of its page size");
		r.size = pg + 4096;
		assert_non_null(vhu_region_misfit(&r, 4 * GIB, pg));
		r.size = pg;
		r.offset = pg / 2;
		assert_string_equal(vhu_region_misfit(&r, 4 * GIB, pg),
				    "offset in its file not a multiple of its page size");
		r.offset = 0;
		/* 4 KiB (or half a page) into its window. */
		assert_string_equal(vhu_region_misfit(&r, 4 * GIB - 4096, pg),
				    "guest address not a page multiple from its window's start");
		assert_non_null(vhu_region_misfit(&r, 4 * GIB - pg / 2, pg));
		/* The same regions on ordinary pages are fine. */
		r.size = 4096;
		assert_null(vhu_region_misfit(&r, 4 * GIB - 4096, 4096));
		/* Reservations aligned to the page, slack unmapped. */
		p = vhu_reserve(3 * 4096, pg);
		assert_non_null(p);
		assert_true((uintptr_t)p % pg == 0);
		p[0] = 1;
		p[3 * 4096 - 1] = 2;
		/* qemu-user keeps a 32-bit guest's unmapped pages reserved on
		 * the host, where msync() finds them: no test of the slack. */
		if (!getenv("VOB_TEST_QEMU_USER"))
			assert_true(unmapped(p + 3 * 4096, 4096));
		assert_int_equal(munmap(p, 3 * 4096), 0);
	}
	/* Ordinary memory has the system's page. */
	memfd = memfd_create("t", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_true(vhu_fd_page_size(memfd) == (uint64_t)sys);
	close(memfd);
}

/* A huge page memfd of @bytes mapped once to see that pages are there;
 * -1 (with a message) when the machine has none. */
static int huge_memfd(unsigned flags, uint64_t bytes)
{
	int fd = memfd_create("huge", MFD_CLOEXEC | MFD_HUGETLB | flags);
	void *p;

	if (fd < 0)
		return -1;
	p = ftruncate(fd, (off_t)bytes) ? MAP_FAILED
					 : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
						fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	munmap(p, bytes);
	return fd;
}

/* Send SET_MEM_TABLE (ack asked) of @n regions and step: 1 when taken. */
static int send_table(struct vob_vhu_be *be, struct vob_vhu_mem *mem, unsigned n, int *fds)
{
	struct vob_vhu_msg m;
	const char *why = NULL;
	int r;

	mem->nregions = n;
	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_MEM_TABLE, VOB_VHU_FLAG_NEED_REPLY, mem,
				      8 + 32 * n, fds, n), 0);
	r = vob_vhu_be_step(be, 1000);
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
	assert_true(m.size == 8 && m.u.u64 == (r == 1 ? 0u : 1u));
	return r;
}

/* A new connection to @be (the last one was dropped). */
static void reattach(struct vob_vhu_be *be)
{
	int fd, i;

	if (sv[1] >= 0)
		close(sv[1]);
	sv[1] = -1;
	for (i = 0; i < 10 && be->sock >= 0; i++) /* the front end left */
		(void)vob_vhu_be_step(be, 10);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fd = sv[0];
	sv[0] = -1;
	assert_int_equal(vob_vhu_be_attach(be, fd), 0);
	if (be->protocol == 0) {
		uint64_t pf = VOB_BIT(VOB_VHU_PF_REPLY_ACK);

		assert_int_equal(
			vob_vhu_send(sv[1], VOB_VHU_SET_PROTOCOL_FEATURES, 0, &pf, 8, NULL, 0), 0);
		assert_int_equal(vob_vhu_be_step(be, 100), 1);
	}
}

/* Regions on huge pages (the reviewer's hugetlb case): a region that is not
 * whole huge pages was mapped past its window, over this process's memory,
 * and never unmapped; a well-formed one was refused (a reservation aligned
 * to 4 KiB only). Needs huge pages (nr_hugepages > 0): skipped without. */
static void huge_case(uint64_t pg, unsigned flags)
{
	struct vob_vhu_be *be;
	struct vob_vhu_mem mem;
	int fds[2], small, huge;
	struct vob_vhu_map w;
	uint8_t *win, *fe;
	char expect[64];
	void *ring;

	huge = huge_memfd(flags, pg);
	if (huge < 0) {
		print_message("no huge pages of %llu KiB here (vm.nr_hugepages 0?): skipped\n",
			      (unsigned long long)(pg >> 10));
		skip();
	}
	small = memfd_create("small", MFD_CLOEXEC);
	assert_int_equal(ftruncate(small, 4096), 0);
	assert_true(vhu_fd_page_size(huge) == pg);
	be = blk_be_attach(true);
	memset(&mem, 0, sizeof(mem));
	fds[0] = small;
	fds[1] = huge;
	mem.r[0].size = 4096;
	mem.r[0].uaddr = 0x7f0000000000ull;
	mem.r[1].gpa = pg;
	mem.r[1].uaddr = 0x7f0000000000ull + pg;
	/* 4 KiB of a huge page file: the kernel would map a whole page. */
	mem.r[1].size = 4096;
	assert_int_equal(send_table(be, &mem, 2, fds), 0);
	snprintf(expect, sizeof(expect), "region 1 (pages of %llu KiB): size not",
		 (unsigned long long)(pg >> 10));
	assert_non_null(strstr(logged, expect));
	assert_non_null(strstr(logged, "does not fit its (huge) pages"));
	/* Whole pages at a page multiple from a 4 KiB region: taken, mapped
	 * at an aligned address, readable through the window. */
	reattach(be);
	logged[0] = 0;
	mem.r[1].size = pg;
	assert_int_equal(send_table(be, &mem, 2, fds), 1);
	/* One window (2 MiB) or two (1 GiB, far from the small region). */
	assert_true(be->nmap >= 1 && be->map[be->nmap - 1].base <= pg);
	w = be->map[be->nmap - 1];
	win = (uint8_t *)w.ptr + (pg - w.base);
	assert_true((uintptr_t)win % pg == 0);
	fe = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, huge, 0);
	assert_true(fe != MAP_FAILED);
	memcpy(fe + 64, "from the front end", 19);
	ring = vob_link_translate(&be->link, pg + 64, 19, VOB_MAP_READ, NULL);
	assert_ptr_equal(ring, win + 64);
	assert_memory_equal(ring, "from the front end", 19);
	munmap(fe, pg);
	/* The front end leaves: the window goes, huge page and all. */
	reattach(be);
	if (!getenv("VOB_TEST_QEMU_USER")) /* see test_huge_page_rule */
		assert_true(unmapped(w.ptr, w.len));
	/* A region at 8 KiB from its window's start: refused. */
	mem.r[1].gpa = 8192;
	mem.r[1].uaddr = 0x7f0000000000ull + 2 * pg;
	logged[0] = 0;
	assert_int_equal(send_table(be, &mem, 2, fds), 0);
	assert_non_null(strstr(logged, "guest address not a page multiple"));
	assert_true(be->nmap == 0);
	vob_vhu_be_close(be);
	close(small);
	close(huge);
}

static void test_huge_page_regions_2m(void **state)
{
	(void)state;
	huge_case(2 * MIB, 0);
}

static void test_huge_page_regions_1g(void **state)
{
	(void)state;
	huge_case(GIB, MFD_HUGE_1GB);
}

/* A front end that sends a message a byte at a time, each within the
 * socket's 1 s receive time-out, held vob_vhu_be_step() for as long as it
 * liked (20 bytes at 150 ms: 3 s; the largest message, minutes): one
 * deadline for the whole message now drops it after about 1 s. */
static void *trickle(void *arg)
{
	uint64_t f = VOB_BIT(VOB_F_VERSION_1);
	struct raw r = mk(VOB_VHU_SET_FEATURES, 8);
	const uint8_t *b = (const uint8_t *)&r;
	unsigned i;

	(void)arg;
	memcpy(r.payload, &f, 8);
	for (i = 0; i < 20; i++) {
		if (send(sv[1], b + i, 1, MSG_NOSIGNAL) != 1)
			break; /* dropped */
		usleep(150000);
	}
	return NULL;
}

static void test_trickling_front_end(void **state)
{
	struct vob_vhu_be *be;
	pthread_t th;
	double t0, took;
	int r;

	(void)state;
	be = blk_be_attach(false);
	signal(SIGALRM, on_alarm);
	alarm(20);
	assert_int_equal(pthread_create(&th, NULL, trickle, NULL), 0);
	t0 = now_s();
	r = vob_vhu_be_step(be, 1000);
	took = now_s() - t0;
	pthread_join(th, NULL);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	assert_int_equal(r, 0); /* dropped */
	assert_true(took < 1.5);
	assert_true(took > 0.8); /* it had its time */
	assert_non_null(strstr(logged, "message not complete within its time-out"));
	vob_vhu_be_close(be);
}

/* Kick fds must be eventfds too: a pipe whose write end the front end
 * closed reports POLLHUP for ever and a regular file is always readable;
 * either made every vob_vhu_be_step() return at once (100 % CPU, the
 * time-out ignored). */
static void kick_refused(int fd)
{
	struct vob_vhu_be *be = blk_be_attach(true);
	struct vob_vhu_msg m;
	const char *why = NULL;
	uint64_t q = 0;

	assert_int_equal(vob_vhu_send(sv[1], VOB_VHU_SET_VRING_KICK, VOB_VHU_FLAG_NEED_REPLY, &q, 8,
				      &fd, 1), 0);
	assert_int_equal(vob_vhu_be_step(be, 100), 0);
	assert_int_equal(vob_vhu_recv(sv[1], &m, &why), 1);
	assert_true(m.size == 8 && m.u.u64 == 1);
	assert_non_null(strstr(logged, "not an eventfd"));
	assert_true(be->vr[0].kick < 0);
	vob_vhu_be_close(be);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_kick_fd_not_eventfd_refused(void **state)
{
	int p[2], memfd, fds = count_fds();

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	kick_refused(p[0]);
	close(p[0]);
	memfd = memfd_create("t", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	kick_refused(memfd);
	close(memfd);
	assert_int_equal(count_fds(), fds);
}

/* vob_vhu_be_listen() removes only a stale socket: a regular file at the
 * path was deleted, and the socket of a back end still listening taken
 * over. */
static int idle_poll(void *arg)
{
	(void)arg;
	return 0;
}

static void listen_path(char *path, size_t n, const char *dir, const char *name)
{
	assert_true((size_t)snprintf(path, n, "%s/%s", dir, name) < n);
}

static void test_listen_leaves_others_alone(void **state)
{
	static struct vob_vhu_be a, b;
	struct vob_vhu_be_cfg c = { 0 };
	struct sockaddr_un sa;
	const char *tmp = getenv("TMPDIR");
	char dir[64], file[96], sock[96], buf[16];
	struct stat st;
	int fd, i;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/vhu-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	listen_path(file, sizeof(file), dir, "disk.img");
	listen_path(sock, sizeof(sock), dir, "be.sock");
	c.num_queues = 1;
	c.poll = idle_poll;
	assert_int_equal(vob_vhu_be_init(&a, &c), 0);
	assert_int_equal(vob_vhu_be_init(&b, &c), 0);
	/* A regular file: kept. */
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	errno = 0;
	assert_int_equal(vob_vhu_be_listen(&a, file), VOB_EIO);
	assert_int_equal(errno, EEXIST);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious");
	/* A stale socket (bound, its owner gone): replaced. */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(lstat(sock, &st), 0);
	assert_int_equal(vob_vhu_be_listen(&a, sock), 0);
	/* A live one: the second back end is refused, the first keeps it. */
	errno = 0;
	assert_int_equal(vob_vhu_be_listen(&b, sock), VOB_EIO);
	assert_int_equal(errno, EADDRINUSE);
	assert_true(b.listen_fd < 0);
	for (i = 0; i < 4; i++) /* the probe: connected, then gone */
		(void)vob_vhu_be_step(&a, 10);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (i = 0; i < 20 && a.sock < 0; i++)
		(void)vob_vhu_be_step(&a, 10);
	assert_true(a.sock >= 0);
	assert_true(vob_vhu_be_connections(&a) == 2);
	close(fd);
	vob_vhu_be_close(&a);
	vob_vhu_be_close(&b);
	unlink(sock);
	unlink(file);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_good_messages),     T(test_short_and_oversized),
		T(test_wrong_fd_counts),   T(test_mem_tables),
		T(test_uva_to_gpa),        T(test_backend_drops_bad_front_end),
		T(test_ring_start_positions),
		T(test_fds_made_nonblocking),
		T(test_refused_start_reported_once),
		T(test_region_past_file_end),
		T(test_front_end_not_reading),
		T(test_call_fd_pipe_refused),
		T(test_huge_page_rule),
		T(test_huge_page_regions_2m),
		T(test_huge_page_regions_1g),
		T(test_trickling_front_end),
		T(test_kick_fd_not_eventfd_refused),
		T(test_listen_leaves_others_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The Linux port in one process: window specs and their errors, and every
 * doorbell kind that needs no hardware between two contexts sharing a
 * memfd (futex, eventfd over a unix socket, poll), the pollable fd, wait
 * time-outs, wakes and the runner thread. */
#define _GNU_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vob_linux.h"
#include "vob_linux_internal.h"
#include "lx_test.h"

static char path[128], sock[128];

/* Linked with --wrap=pthread_create: every pthread_create of the test and
 * the port comes here, and fails with this error while it is nonzero. */
static int thread_fail;
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg)
{
	if (thread_fail)
		return thread_fail;
	return __real_pthread_create(t, attr, fn, arg);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/dev/shm/vob-ut-%d", (int)getpid());
	snprintf(sock, sizeof(sock), "/tmp/vob-ut-%d.sock", (int)getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink_sock(sock);
	return 0;
}

static int add(struct vob_linux *lx, const char *fmt, ...)
{
	char spec[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(spec, sizeof(spec), fmt, ap);
	va_end(ap);
	return vob_linux_add_window(lx, spec);
}

static void expect_err(struct vob_linux *lx, int got, int want, const char *text)
{
	if (got != want || !strstr(vob_linux_error(lx), text))
		fail_msg("got %d '%s', wanted %d with '%s'", got, vob_linux_error(lx), want, text);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(vob_linux_parse_size("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(vob_linux_parse_size("0x1000", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(vob_linux_parse_size("64K", &v), 0);
	assert_true(v == 65536);
	assert_int_equal(vob_linux_parse_size("1MiB", &v), 0);
	assert_true(v == 1048576);
	assert_int_equal(vob_linux_parse_size("2G", &v), 0);
	assert_true(v == 2147483648ull);
	assert_int_equal(vob_linux_parse_size("", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("-1", &v), VOB_EINVAL);
	/* strtoull skips blanks, and then takes a sign: no blanks at all. */
	assert_int_equal(vob_linux_parse_size(" -1", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("\t-1", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size(" +1", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size(" 4096", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("4096 ", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("12Q", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("1Mx", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("99999999999999999999", &v), VOB_EINVAL);
	assert_int_equal(vob_linux_parse_size("0xffffffffffffffffK", &v), VOB_EINVAL);
}

/* Where windows are mmapped from. UIO has no hardware here, so its offset
 * arithmetic is checked on its own: UIO selects map N by the mmap offset N
 * pages and maps it from its start, so the mmap offset must be exactly N
 * pages whatever the window's offset into the map. */
static void test_window_placement(void **state)
{
	struct lx_place p;

	(void)state;
	/* Map 1, its memory 0x100 into its page, the window 0x1f00 into it. */
	assert_int_equal(lx_place_uio(1, 0x100, 0x1f00, 0x100, 4096, &p), 0);
	assert_true(p.mmap_off == 4096 && p.delta == 0x2000 && p.map_len == 0x2100);
	/* Map 2, a window 64K into it, on 16K pages. */
	assert_int_equal(lx_place_uio(2, 0, 0x10000, 0x1000, 16384, &p), 0);
	assert_true(p.mmap_off == 32768 && p.delta == 0x10000 && p.map_len == 0x11000);
	assert_int_equal(lx_place_uio(0, 0x80, 0, 0x80, 4096, &p), 0);
	assert_true(p.mmap_off == 0 && p.delta == 0x80 && p.map_len == 0x100);
	assert_int_equal(lx_place_uio(0, 0x100, UINT64_MAX - 0x80, 0x10, 4096, &p), VOB_ERANGE);
	assert_int_equal(lx_place_uio(0, 0, 0x100, UINT64_MAX - 0x80, 4096, &p), VOB_ERANGE);
	/* A file: from the page that holds the offset. */
	assert_int_equal(lx_place_file(0x3008, 0x100, 4096, &p), 0);
	assert_true(p.mmap_off == 0x3000 && p.delta == 8 && p.map_len == 0x108);
	assert_int_equal(lx_place_file(0, 0x2000, 4096, &p), 0);
	assert_true(p.mmap_off == 0 && p.delta == 0 && p.map_len == 0x2000);
	assert_int_equal(lx_place_file(0x8000000000000000ull, 0x10, 4096, &p), VOB_ERANGE);
}

static void test_window_errors(void **state)
{
	struct vob_linux lx;

	(void)state;
	assert_int_equal(vob_linux_init(&lx), 0);
	expect_err(&lx, add(&lx, "bogus"), VOB_EINVAL, "unknown kind");
	expect_err(&lx, add(&lx, ""), VOB_EINVAL, "empty");
	expect_err(&lx, add(&lx, ":x"), VOB_EINVAL, "no kind");
	expect_err(&lx, add(&lx, "file:"), VOB_EINVAL, "no path");
	expect_err(&lx, add(&lx, "file:/nonexistent-vob/x"), VOB_ENOENT, "does not exist");
	expect_err(&lx, add(&lx, "file:/nonexistent-vob/x,size=4K"), VOB_ENOENT, "does not exist");
	expect_err(&lx, add(&lx, "file:%s,size=abc", path), VOB_EINVAL, "not a number");
	expect_err(&lx, add(&lx, "file:%s,size=0", path), VOB_EINVAL, "size=0");
	expect_err(&lx, add(&lx, "file:%s,size=4K,colour=blue", path), VOB_EINVAL,
		   "unknown option 'colour'");
	assert_int_equal(access(path, F_OK), -1); /* nothing left behind */
	expect_err(&lx, add(&lx, "file:%s,size=4K,nocreate", path), VOB_ENOENT, "does not exist");
	expect_err(&lx, add(&lx, "file:%s,size=4K,kind=cached", path), VOB_EINVAL, "kind=");
	assert_int_equal(access(path, F_OK), -1);
	expect_err(&lx, add(&lx, "file:%s,size=4K,owner=me", path), VOB_EINVAL, "owner=");
	assert_int_equal(access(path, F_OK), -1);
	expect_err(&lx, add(&lx, "file:%s,size=4K,mode=999", path), VOB_EINVAL, "mode=");
	assert_int_equal(access(path, F_OK), -1);
	expect_err(&lx, add(&lx, "memfd:x"), VOB_EINVAL, "needs size=");
	expect_err(&lx, add(&lx, "fd:abc"), VOB_EINVAL, "file descriptor");
	expect_err(&lx, add(&lx, "fd:987"), VOB_EIO, "fd 987");
	expect_err(&lx, add(&lx, "uio:foo"), VOB_EINVAL, "not a /dev/uioN");
	expect_err(&lx, add(&lx, "uio:/dev/uio97,map=1"), VOB_ENOENT, "UIO driver");
	expect_err(&lx, add(&lx, "uio:/dev/uio0,map=9"), VOB_EINVAL, "maps 0-4");
	expect_err(&lx, add(&lx, "pci:zz"), VOB_EINVAL, "DDDD:BB:DD.F");
	expect_err(&lx, add(&lx, "pci:0000:00:01.0"), VOB_EINVAL, "bar=");
	expect_err(&lx, add(&lx, "pci:0000:7f:1f.7,bar=2"), VOB_ENOENT, "resource2");
	expect_err(&lx, add(&lx, "pci:/sys/nonexistent/resource0"), VOB_ENOENT, "does not exist");
	assert_int_equal(lx.nwin, 0);
	vob_linux_close(&lx);
}

static void test_file_windows(void **state)
{
	struct vob_linux a, b;
	const struct vob_linux_window *w;
	int fd;

	(void)state;
	assert_int_equal(vob_linux_init(&a), 0);
	assert_int_equal(vob_linux_init(&b), 0);
	/* Created with its size, then opened by a second context. */
	assert_int_equal(add(&a, "file:%s,size=64K", path), 0);
	w = vob_linux_window(&a, 0);
	assert_true(w->created && w->size == 65536 && w->kind == VOB_MEM_COHERENT);
	assert_int_equal(add(&b, "file:%s,size=64K", path), 0);
	assert_false(vob_linux_window(&b, 0)->created);
	strcpy((char *)vob_linux_window(&a, 0)->ptr + 100, "shared");
	assert_string_equal((char *)vob_linux_window(&b, 0)->ptr + 100, "shared");
	/* The same file without size: its whole length. */
	assert_int_equal(add(&b, "file:%s,link=0x100000", path), 1);
	assert_true(vob_linux_window(&b, 1)->size == 65536);
	/* Wrong size, overlapping link range, offset windows. */
	expect_err(&b, add(&b, "file:%s,size=128K,link=0x200000", path), VOB_ERANGE,
		   "not the 131072 asked for");
	expect_err(&b, add(&b, "file:%s,link=0x8000", path), VOB_EEXIST, "overlaps");
	assert_int_equal(add(&b, "file:%s,offset=4104,size=100,link=0x300000", path), 2);
	assert_string_equal((char *)vob_linux_window(&b, 2)->ptr, "");
	strcpy((char *)vob_linux_window(&a, 0)->ptr + 4104, "at offset");
	assert_string_equal((char *)vob_linux_window(&b, 2)->ptr, "at offset");
	expect_err(&b, add(&b, "file:%s,offset=64K", path), VOB_ERANGE, "beyond the end");
	expect_err(&b, add(&b, "file:%s,offset=60K,size=8K,link=0x500000", path), VOB_ERANGE,
		   "beyond the end");
	/* Read-only windows. */
	assert_int_equal(add(&b, "file:%s,ro,link=0x400000", path), 3);
	assert_int_equal(vob_linux_window(&b, 3)->access, VOB_MAP_READ);
	vob_linux_close(&b);
	/* An empty file (a peer created it and has not sized it yet): sized. */
	vob_linux_close(&a);
	unlink(path);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(vob_linux_init(&a), 0);
	expect_err(&a, add(&a, "file:%s", path), VOB_ERANGE, "is empty");
	assert_int_equal(add(&a, "file:%s,size=8K", path), 0);
	vob_linux_close(&a);
	/* Permissions (only meaningful when not root). */
	chmod(path, 0400);
	assert_int_equal(vob_linux_init(&a), 0);
	if (geteuid() != 0)
		expect_err(&a, add(&a, "file:%s", path), VOB_EPERM, "permission denied");
	assert_int_equal(add(&a, "file:%s,ro,link=0x10000", path) >= 0, 1);
	vob_linux_close(&a);
}

/* A failed vob_linux_add_window() leaves no file it created behind, and
 * creating with offset= sizes the file to offset + size. */
static void test_window_create_cleanup(void **state)
{
	struct vob_linux a;
	struct stat st;
	char buf[8];
	int fd;

	(void)state;
	assert_int_equal(vob_linux_init(&a), 0);
	/* A typo: nothing created, and the corrected spec then works. */
	expect_err(&a, add(&a, "file:%s,size=8K,colour=blue", path), VOB_EINVAL,
		   "unknown option 'colour'");
	assert_int_equal(access(path, F_OK), -1);
	/* A link range that overlaps a window: nothing created. */
	assert_int_equal(add(&a, "memfd:first,size=64K"), 0);
	expect_err(&a, add(&a, "file:%s,size=4K,link=0x8000", path), VOB_EEXIST, "overlaps");
	assert_int_equal(access(path, F_OK), -1);
	/* A failure after creating (a size no mmap can map): removed again. */
	assert_true(add(&a, "file:%s,size=0x7ffffffffff00000,link=0x100000", path) < 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(a.nwin, 1u);
	/* offset= on creation: the file holds offset + size bytes. */
	assert_int_equal(add(&a, "file:%s,size=4K,offset=4K,link=0x100000", path), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 8192);
	memcpy(vob_linux_window(&a, 1)->ptr, "at 4K", 6);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 6, 4096), 6);
	assert_string_equal(buf, "at 4K");
	close(fd);
	/* A file this call did not create is never removed. */
	expect_err(&a, add(&a, "file:%s,size=4K,offset=4K,link=0x100000", path), VOB_EEXIST,
		   "overlaps");
	assert_int_equal(access(path, F_OK), 0);
	vob_linux_close(&a);
}

/* A window whose local pointer is not 8-byte aligned would put the table's
 * words and the futex block on misaligned atomics: refused. */
static void test_window_alignment(void **state)
{
	struct vob_linux a;
	int fd;

	(void)state;
	assert_int_equal(vob_linux_init(&a), 0);
	assert_int_equal(add(&a, "memfd:al,size=64K"), 0);
	fd = vob_linux_window(&a, 0)->fd;
	expect_err(&a, add(&a, "fd:%d,offset=4100,size=64,link=0x100000", fd), VOB_EINVAL,
		   "multiple of 8");
	expect_err(&a, add(&a, "fd:%d,offset=2,link=0x100000", fd), VOB_EINVAL, "multiple of 8");
	/* A file this call created for it is not left behind. */
	expect_err(&a, add(&a, "file:%s,offset=12,size=4K,link=0x200000", path), VOB_EINVAL,
		   "multiple of 8");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(add(&a, "fd:%d,offset=4104,size=64,link=0x100000", fd), 1);
	assert_int_equal((uintptr_t)vob_linux_window(&a, 1)->ptr % 8u, 0);
	vob_linux_close(&a);
}

/* The mode of a file created by "file:PATH,size=4K@opts" under umask @mask. */
static unsigned created_mode(mode_t mask, const char *opts)
{
	struct vob_linux a;
	struct stat st;
	mode_t old = umask(mask);

	unlink(path);
	assert_int_equal(vob_linux_init(&a), 0);
	assert_int_equal(add(&a, "file:%s,size=4K%s", path, opts), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	vob_linux_close(&a);
	return st.st_mode & 07777;
}

/* mode= is the file's mode whatever the umask (group sharing needs 0660). */
static void test_file_mode(void **state)
{
	(void)state;
	assert_int_equal(created_mode(022, ",mode=0660"), 0660);
	assert_int_equal(created_mode(077, ",mode=0644"), 0644);
	assert_int_equal(created_mode(0, ""), 0600); /* the default */
}

static void test_memfd_windows(void **state)
{
	struct vob_linux a, b;

	(void)state;
	assert_int_equal(vob_linux_init(&a), 0);
	assert_int_equal(vob_linux_init(&b), 0);
	assert_int_equal(add(&a, "memfd:ut,size=1M,link=0x1000000"), 0);
	assert_int_equal(add(&b, "fd:%d,link=0x1000000", vob_linux_window(&a, 0)->fd), 0);
	assert_true(vob_linux_window(&b, 0)->size == 1048576);
	vob_linux_window(&a, 0)->ptr[12345] = 0x5a;
	assert_int_equal(vob_linux_window(&b, 0)->ptr[12345], 0x5a);
	vob_linux_close(&b);
	assert_int_equal(vob_linux_init(&b), 0);
	assert_int_equal(add(&b, "file:/proc/self/fd/%d,link=0x1000000",
			     vob_linux_window(&a, 0)->fd), 0);
	assert_int_equal(vob_linux_window(&b, 0)->ptr[12345], 0x5a);
	expect_err(&b, add(&b, "memfd:y,size=4K,offset=4K"), VOB_EINVAL, "offset=");
	vob_linux_close(&a);
	vob_linux_close(&b);
}

/* A peer that shrinks a window file makes this side's next access to the
 * lost pages a SIGBUS: memfd windows are sealed against shrinking, fd:
 * and file: windows over a sealable memfd get the seal, the rest say so. */
static void test_memfd_sealed(void **state)
{
	struct vob_linux a, b;
	char p[64];
	int fd, mfd;

	(void)state;
	assert_int_equal(vob_linux_init(&a), 0);
	assert_int_equal(vob_linux_init(&b), 0);
	assert_int_equal(add(&a, "memfd:seal,size=64K"), 0);
	assert_true(vob_linux_window(&a, 0)->sealed);
	/* The peer opens it the way pair.sh does, and cannot truncate it... */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", vob_linux_window(&a, 0)->fd);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 4096), -1);
	/* ...but can still map it as a window (the seal does not forbid
	 * writing or growing). */
	assert_int_equal(add(&b, "file:%s,size=64K", p), 0);
	assert_true(vob_linux_window(&b, 0)->sealed);
	vob_linux_window(&b, 0)->ptr[65535] = 1;
	assert_int_equal(vob_linux_window(&a, 0)->ptr[65535], 1);
	close(fd);
	vob_linux_close(&b);
	/* fd: over a sealable memfd of the application: sealed by the port. */
	mfd = memfd_create("app", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 8192), 0);
	assert_int_equal(vob_linux_init(&b), 0);
	assert_int_equal(add(&b, "fd:%d", mfd), 0);
	assert_true(vob_linux_window(&b, 0)->sealed);
	assert_true(fcntl(mfd, F_GET_SEALS) & F_SEAL_SHRINK);
	assert_int_equal(ftruncate(mfd, 0), -1);
	vob_linux_close(&b);
	close(mfd);
	/* A memfd that forbids sealing, and a /dev/shm file: mapped, unsealed. */
	mfd = memfd_create("app", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 8192), 0);
	assert_int_equal(vob_linux_init(&b), 0);
	assert_int_equal(add(&b, "fd:%d", mfd), 0);
	assert_false(vob_linux_window(&b, 0)->sealed);
	assert_int_equal(add(&b, "file:%s,size=8K,link=0x10000", path), 1);
	assert_false(vob_linux_window(&b, 1)->sealed);
	vob_linux_close(&b);
	close(mfd);
	vob_linux_close(&a);
}

/* Two contexts over one memfd, linked, with doorbell @spec_a / @spec_b. */
static void pair_open(struct pair *p, const char *spec_a, const char *spec_b)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(vob_linux_init(&p->a), 0);
	assert_int_equal(vob_linux_init(&p->b), 0);
	assert_int_equal(add(&p->a, "memfd:pair,size=64K"), 0);
	assert_int_equal(add(&p->b, "fd:%d", vob_linux_window(&p->a, 0)->fd), 0);
	if (vob_linux_set_doorbell(&p->a, spec_a, 0))
		fail_msg("a: %s", vob_linux_error(&p->a));
	if (vob_linux_set_doorbell(&p->b, spec_b, 1))
		fail_msg("b: %s", vob_linux_error(&p->b));
	assert_int_equal(vob_linux_attach(&p->a, &p->la, 64), 0);
	assert_int_equal(vob_linux_attach(&p->b, &p->lb, 64), 0);
}

static void pair_close(struct pair *p)
{
	vob_linux_close(&p->a);
	vob_linux_close(&p->b);
}

static void test_doorbell_errors(void **state)
{
	struct vob_linux lx;
	char spec[256];

	(void)state;
	assert_int_equal(vob_linux_init(&lx), 0);
	assert_int_equal(add(&lx, "memfd:e,size=64K,link=0x10000"), 0);
	expect_err(&lx, vob_linux_set_doorbell(&lx, "bogus", 0), VOB_EINVAL, "unknown kind");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex", 0), VOB_EINVAL, "link address");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex:0x10010", 0), VOB_EINVAL, "128-byte");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex:0x80000", 0), VOB_EFAULT,
		   "not inside");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex:0x1ff80", 0), VOB_EFAULT,
		   "not inside");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex:0x10000,x=1", 0), VOB_EINVAL,
		   "unknown option");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "poll:abc", 0), VOB_EINVAL, "INTERVAL");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "eventfd", 0), VOB_EINVAL, "socket path");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "eventfd:/tmp/x,ids=99", 0), VOB_EINVAL,
		   "ids=");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "eventfd:/nonexistent-vob/s", 0), VOB_ENOENT,
		   "lock file");
	expect_err(&lx, vob_linux_set_doorbell(&lx, "uio:/dev/uio97", 0), VOB_ENOENT, "uio97");
	assert_int_equal(vob_linux_set_doorbell(&lx, "futex:0x10000", 0), 0);
	snprintf(spec, sizeof(spec), "eventfd:%s", sock);
	expect_err(&lx, vob_linux_set_doorbell(&lx, spec, 0), VOB_EBUSY, "already");
	assert_int_equal(vob_linux_set_doorbell(&lx, "futex:0x10000", 2), VOB_EINVAL);
	vob_linux_close(&lx);
	/* A window that is not coherent cannot hold a futex block. */
	assert_int_equal(vob_linux_init(&lx), 0);
	assert_int_equal(add(&lx, "memfd:e,size=64K,kind=uncached"), 0);
	expect_err(&lx, vob_linux_set_doorbell(&lx, "futex:0", 0), VOB_EFAULT, "coherent");
	vob_linux_close(&lx);
}

static void *wake_later(void *arg)
{
	usleep(50000);
	vob_linux_wake(arg);
	return NULL;
}

static void test_futex(void **state)
{
	struct pair p;
	pthread_t th;
	struct pollfd pf;
	uint64_t t;
	int fd;

	(void)state;
	pair_open(&p, "futex:0x1000", "futex:0x1000");
	clear_irqs(&p.la);
	clear_irqs(&p.lb);
	/* a rings b: drained without blocking. */
	assert_int_equal(vob_link_doorbell(&p.la, 3, 0), 0);
	assert_int_equal(vob_linux_drain(&p.b), 1);
	assert_true(vob_link_irq_take(&p.lb, 3));
	assert_int_equal(vob_linux_drain(&p.b), 0);
	/* Directions do not mix, ids above 31 work. */
	assert_int_equal(vob_link_doorbell(&p.lb, 31, 0), 0);
	assert_int_equal(vob_linux_drain(&p.b), 0);
	assert_int_equal(vob_linux_wait(&p.a, 1000), 1);
	assert_true(vob_link_irq_take(&p.la, 31));
	/* A wait times out, and a wake from another thread ends one early. */
	t = now_ms();
	assert_int_equal(vob_linux_wait(&p.a, 60), 0);
	assert_true(now_ms() - t >= 50);
	pthread_create(&th, NULL, wake_later, &p.a);
	t = now_ms();
	assert_int_equal(vob_linux_wait(&p.a, 5000), 0);
	assert_true(now_ms() - t < 2000);
	pthread_join(th, NULL);
	/* The pollable fd (a forwarder thread behind it). */
	fd = vob_linux_fd(&p.b);
	assert_true(fd >= 0);
	pf.fd = fd;
	pf.events = POLLIN;
	assert_int_equal(poll(&pf, 1, 0), 0);
	assert_int_equal(vob_link_doorbell(&p.la, 7, 0), 0);
	assert_int_equal(poll(&pf, 1, 2000), 1);
	assert_int_equal(vob_linux_drain(&p.b), 1);
	assert_true(vob_link_irq_take(&p.lb, 7));
	assert_int_equal(vob_linux_drain(&p.b), 0);
	/* With the forwarder running, wait goes through the fd. */
	assert_int_equal(vob_link_doorbell(&p.la, 9, 0), 0);
	assert_int_equal(vob_linux_wait(&p.b, 2000), 1);
	assert_true(vob_link_irq_take(&p.lb, 9));
	assert_true(vob_linux_stats(&p.a)->rung >= 3);
	pair_close(&p);
}

/* Drain both sides until each has the other's eventfds. */
static void eventfd_connect(struct vob_linux *a, struct vob_linux *b)
{
	connect_both(a, b);
	/* Each side rang all of the other's eventfds once on connecting (maybe
	 * drained by the waits above already). */
	vob_linux_drain(a);
	vob_linux_drain(b);
	assert_int_equal(vob_linux_drain(a), 0);
	assert_int_equal(vob_linux_drain(b), 0);
	clear_irqs(a->link);
	clear_irqs(b->link);
}

/* A context over the memfd of @other, with doorbell @spec on @side. */
static void test_eventfd(void **state)
{
	struct pair p;
	char spec[256], spec4[256];
	struct vob_linux c, d;
	struct vob_link lc, ld;
	int fd, i;
	struct sockaddr_un sa;

	(void)state;
	snprintf(spec, sizeof(spec), "eventfd:%s", sock);
	snprintf(spec4, sizeof(spec4), "eventfd:%s,ids=4", sock);
	/* A stale socket file (bound, nobody listening) is replaced. */
	unlink(sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	pair_open(&p, spec4, spec); /* a listens (4 ids), b connects */
	assert_true(p.a.lfd >= 0);
	assert_true(p.b.lfd < 0 && p.b.cfd >= 0);
	eventfd_connect(&p.a, &p.b);
	assert_int_equal(p.b.peer_nids, 4u);
	assert_int_equal(p.a.peer_nids, (unsigned)VOB_MAX_DOORBELLS);
	/* b rings a: exact ids below a's last eventfd... */
	assert_int_equal(vob_link_doorbell(&p.lb, 2, 0), 0);
	assert_int_equal(vob_linux_wait(&p.a, 1000), 1);
	assert_true(vob_link_irq_take(&p.la, 2));
	assert_int_equal(vob_link_irq_next(&p.la), VOB_EAGAIN);
	/* ...and a's last eventfd stands for every id from 3 up. */
	assert_int_equal(vob_link_doorbell(&p.lb, 9, 0), 0);
	assert_int_equal(vob_linux_wait(&p.a, 1000), VOB_MAX_DOORBELLS - 3);
	assert_true(vob_link_irq_take(&p.la, 9));
	assert_true(vob_link_irq_take(&p.la, 3));
	assert_false(vob_link_irq_take(&p.la, 2));
	clear_irqs(&p.la);
	/* a rings b: every id exact. */
	for (i = 0; i < VOB_MAX_DOORBELLS; i += 5) {
		assert_int_equal(vob_link_doorbell(&p.la, (uint32_t)i, 0), 0);
		assert_int_equal(vob_linux_wait(&p.b, 1000), 1);
		assert_int_equal(vob_link_irq_next(&p.lb), i);
	}
	/* b goes away: a notices, marks everything, rings nowhere. */
	vob_linux_close(&p.b);
	for (i = 0; i < 100 && vob_linux_peer_connected(&p.a); i++)
		vob_linux_wait(&p.a, 10);
	assert_false(vob_linux_peer_connected(&p.a));
	assert_int_equal(vob_linux_stats(&p.a)->disconnects, 1);
	assert_true(vob_link_irq_take(&p.la, 0));
	assert_int_equal(vob_link_doorbell(&p.la, 1, 0), 0);
	assert_int_equal(vob_linux_stats(&p.a)->rung_lost, 1);
	/* A new peer c connects to the survivor. */
	join(&c, &lc, &p.a, spec, 1);
	eventfd_connect(&p.a, &c);
	assert_int_equal(vob_link_doorbell(&p.la, 1, 0), 0);
	assert_int_equal(vob_linux_wait(&c, 1000), 1);
	assert_true(vob_link_irq_take(&lc, 1));
	/* Now the listener goes: the survivor (a connector) becomes the
	 * listener, and the next peer d finds it. */
	vob_linux_close(&p.a);
	for (i = 0; i < 100 && c.lfd < 0; i++)
		vob_linux_wait(&c, 10);
	assert_true(c.lfd >= 0);
	join(&d, &ld, &c, spec, 0);
	eventfd_connect(&c, &d);
	assert_int_equal(vob_link_doorbell(&lc, 4, 0), 0);
	assert_int_equal(vob_linux_wait(&d, 1000), 1);
	assert_true(vob_link_irq_take(&ld, 4));
	/* The pollable fd. */
	{
		struct pollfd pf = { vob_linux_fd(&d), POLLIN, 0 };

		assert_int_equal(vob_link_doorbell(&lc, 5, 0), 0);
		assert_int_equal(poll(&pf, 1, 1000), 1);
		assert_int_equal(vob_linux_drain(&d), 1);
		assert_true(vob_link_irq_take(&ld, 5));
	}
	vob_linux_close(&d);
	vob_linux_close(&c);
	assert_int_equal(access(sock, F_OK), -1); /* the listener removed it */
}

static void test_poll(void **state)
{
	struct pair p;
	struct pollfd pf;
	uint64_t t;

	(void)state;
	pair_open(&p, "poll", "poll:2000");
	/* Without an interval, wait never blocks and marks every id. */
	assert_int_equal(vob_linux_wait(&p.a, 1000), VOB_MAX_DOORBELLS);
	assert_true(vob_link_irq_take(&p.la, 17));
	assert_int_equal(vob_link_doorbell(&p.la, 1, 0), 0); /* goes nowhere */
	/* With one, the fd ticks. */
	pf.fd = vob_linux_fd(&p.b);
	pf.events = POLLIN;
	t = now_ms();
	assert_int_equal(poll(&pf, 1, 1000), 1);
	assert_true(now_ms() - t < 500);
	assert_int_equal(vob_linux_drain(&p.b), VOB_MAX_DOORBELLS);
	assert_int_equal(vob_linux_wait(&p.b, 1000), VOB_MAX_DOORBELLS);
	pair_close(&p);
}

struct runner_arg {
	struct vob_link *link;
	int seen, calls;
};

static int runner_work(void *arg)
{
	struct runner_arg *r = arg;

	r->calls++;
	if (vob_link_irq_take(r->link, 6))
		__atomic_store_n(&r->seen, 1, __ATOMIC_RELEASE);
	return r->calls >= 1000 ? -7 : 0;
}

static void test_runner(void **state)
{
	struct pair p;
	struct runner_arg r = { 0, 0, 0 };
	uint64_t t;

	(void)state;
	pair_open(&p, "futex:0x1000", "futex:0x1000");
	clear_irqs(&p.lb);
	r.link = &p.lb;
	assert_int_equal(vob_linux_runner_start(&p.b, runner_work, &r, -1), 0);
	assert_int_equal(vob_linux_runner_start(&p.b, runner_work, &r, -1), VOB_EBUSY);
	usleep(20000);
	assert_int_equal(vob_link_doorbell(&p.la, 6, 0), 0);
	t = now_ms();
	while (!__atomic_load_n(&r.seen, __ATOMIC_ACQUIRE)) {
		assert_true(now_ms() - t < 2000);
		usleep(1000);
	}
	assert_int_equal(vob_linux_runner_stop(&p.b), 0);
	/* A work function that stops the runner by itself, with a tick. */
	r.calls = 990;
	assert_int_equal(vob_linux_runner_start(&p.b, runner_work, &r, 1), 0);
	usleep(100000);
	assert_int_equal(vob_linux_runner_stop(&p.b), -7);
	pair_close(&p);
}

/* pthread_create returns its error instead of setting errno: the message
 * must give that error. */
static void test_runner_no_thread(void **state)
{
	struct pair p;
	struct runner_arg r = { 0, 0, 0 };

	(void)state;
	pair_open(&p, "futex:0x1000", "futex:0x1000");
	r.link = &p.lb;
	thread_fail = EAGAIN;
	errno = 0;
	expect_err(&p.b, vob_linux_runner_start(&p.b, runner_work, &r, -1), VOB_ENOMEM,
		   strerror(EAGAIN));
	thread_fail = 0;
	assert_false(p.b.runner_on);
	/* Nothing half started: the runner starts and stops as usual. */
	assert_int_equal(vob_linux_runner_start(&p.b, runner_work, &r, -1), 0);
	assert_int_equal(vob_linux_runner_stop(&p.b), 0);
	pair_close(&p);
}

/* The device table over the port: both sides come up, over futex. */
static void test_table_over_port(void **state)
{
	struct pair p;
	struct vob_table ta, tb;
	struct vob_table_cfg tc;
	int i;

	(void)state;
	pair_open(&p, "futex:0x1000", "futex:0x1000");
	memset(&tc, 0, sizeof(tc));
	tc.nslots = 1;
	tc.nqueues = 1;
	tc.config_max = 16;
	tc.side = 0;
	assert_int_equal(vob_table_init(&ta, &p.la, &tc), 0);
	tc.side = 1;
	assert_int_equal(vob_table_init(&tb, &p.lb, &tc), 0);
	/* Each table_init rang doorbell 0 toward the other side. */
	assert_true(vob_linux_drain(&p.a) >= 1);
	assert_true(vob_link_irq_take(&p.la, VOB_TABLE_DOORBELL));
	for (i = 0; i < 3; i++) {
		vob_table_peer(&ta);
		vob_table_peer(&tb);
	}
	assert_int_equal(vob_table_peer(&ta), 1);
	assert_int_equal(vob_table_peer(&tb), 1);
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_create_cleanup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memfd_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memfd_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner_no_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_over_port, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

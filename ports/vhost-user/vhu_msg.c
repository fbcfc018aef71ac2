/* SPDX-License-Identifier: BSD-3-Clause */
/* vhost-user messages: reading one with its fds, checking it against its
 * request before anything uses it, sending one. Every message comes from an
 * untrusted peer: sizes, fd counts and memory regions are checked here, and
 * a refused message leaves no fd open. */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vob_vhost_user.h"

#define HDR_BYTES 12u
#define PAGE 4096u

void vob_vhu_msg_close(struct vob_vhu_msg *m)
{
	unsigned i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

static int64_t vhu_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read exactly @n bytes by CLOCK_MONOTONIC time @deadline (ms); 0 on
 * success, 1 at end of stream, -1 on error, -2 when the deadline passed.
 * One deadline for the whole message: a peer trickling a byte at a time
 * gets no more time than one sending nothing. */
static int vhu_read_all(int sock, void *buf, size_t n, int64_t deadline)
{
	uint8_t *p = buf;

	while (n) {
		struct pollfd pf = { sock, POLLIN, 0 };
		int64_t left = deadline - vhu_now_ms();
		ssize_t r;
		int pr;

		if (left <= 0)
			return -2;
		pr = poll(&pf, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			return -1;
		if (pr <= 0)
			continue; /* the deadline is checked again */
		r = recv(sock, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The rest of a message: @why and an error when it does not come whole in
 * time. */
static int vhu_read_rest(int sock, void *buf, size_t n, int64_t deadline, const char *part,
			 const char **why)
{
	int r = vhu_read_all(sock, buf, n, deadline);

	if (!r)
		return 0;
	if (r == -2) {
		*why = "message not complete within its time-out";
		return VOB_ETIMEDOUT;
	}
	*why = part;
	return VOB_EBADMSG;
}

int vob_vhu_recv(int sock, struct vob_vhu_msg *m, const char **why)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * VOB_VHU_MAX_REGIONS)];
	} ctl;
	uint32_t hdr[3];
	struct iovec iov = { hdr, HDR_BYTES };
	struct msghdr mh;
	struct cmsghdr *c;
	int64_t deadline;
	ssize_t r;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0) {
		*why = "socket error";
		return VOB_EIO;
	}
	/* From the first byte on, the whole message has one time-out. */
	deadline = vhu_now_ms() + VOB_VHU_MSG_TIMEOUT_MS;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t n, i;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nfds < VOB_VHU_MAX_REGIONS)
				m->fds[m->nfds++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		*why = "more fds than any message carries";
		rc = VOB_EBADMSG;
		goto fail;
	}
	if ((size_t)r < HDR_BYTES) {
		rc = vhu_read_rest(sock, (uint8_t *)hdr + r, HDR_BYTES - (size_t)r, deadline,
				   "short header", why);
		if (rc)
			goto fail;
	}
	m->request = hdr[0];
	m->flags = hdr[1];
	m->size = hdr[2];
	if (m->size > sizeof(m->u)) {
		*why = "payload larger than any message";
		rc = VOB_EMSGSIZE;
		goto fail;
	}
	if (m->size) {
		rc = vhu_read_rest(sock, m->u.raw, m->size, deadline, "short payload", why);
		if (rc)
			goto fail;
	}
	return 1;
fail:
	vob_vhu_msg_close(m);
	return rc;
}

static bool vhu_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int vhu_check_mem(const struct vob_vhu_msg *m, const char **why)
{
	const struct vob_vhu_mem *mem = &m->u.mem;
	uint32_t i, j, n = mem->nregions;

	if (m->size < 8u || n == 0 || n > VOB_VHU_MAX_REGIONS) {
		*why = "SET_MEM_TABLE: no regions, or more than 8";
		return VOB_EBADMSG;
	}
	if (m->size != 8u + n * sizeof(struct vob_vhu_region)) {
		*why = "SET_MEM_TABLE: size does not match the region count";
		return VOB_EBADMSG;
	}
	if (m->nfds != n) {
		*why = "SET_MEM_TABLE: not one fd per region";
		return VOB_EBADMSG;
	}
	for (i = 0; i < n; i++) {
		const struct vob_vhu_region *r = &mem->r[i];

		if (!r->size || r->gpa + r->size < r->gpa || r->uaddr + r->size < r->uaddr ||
		    r->offset + r->size < r->offset) {
			*why = "SET_MEM_TABLE: empty or wrapping region";
			return VOB_EBADMSG;
		}
		if ((r->gpa | r->size | r->offset) & (PAGE - 1u)) {
			*why = "SET_MEM_TABLE: region not page aligned";
			return VOB_EBADMSG;
		}
		if (r->gpa + r->size > VOB_VHU_TABLE_ADDR) {
			*why = "SET_MEM_TABLE: region beyond the guest address space served";
			return VOB_EBADMSG;
		}
		for (j = 0; j < i; j++) {
			if (vhu_overlap(r->gpa, r->size, mem->r[j].gpa, mem->r[j].size)) {
				*why = "SET_MEM_TABLE: regions overlap in guest addresses";
				return VOB_EBADMSG;
			}
			if (vhu_overlap(r->uaddr, r->size, mem->r[j].uaddr, mem->r[j].size)) {
				*why = "SET_MEM_TABLE: regions overlap in front-end addresses";
				return VOB_EBADMSG;
			}
		}
	}
	return 0;
}

int vob_vhu_msg_check(const struct vob_vhu_msg *m, const char **why)
{
	uint32_t want = 0, fds = 0;

	if ((m->flags & 3u) != VOB_VHU_VERSION) {
		*why = "unknown protocol version";
		return VOB_EBADMSG;
	}
	switch (m->request) {
	case VOB_VHU_GET_FEATURES:
	case VOB_VHU_GET_PROTOCOL_FEATURES:
	case VOB_VHU_GET_QUEUE_NUM:
	case VOB_VHU_GET_MAX_MEM_SLOTS:
	case VOB_VHU_SET_OWNER:
	case VOB_VHU_RESET_OWNER:
	case VOB_VHU_RESET_DEVICE:
		/* No payload; some front ends send a zero u64. */
		if (m->size != 0 && m->size != 8u) {
			*why = "payload on a request that takes none";
			return VOB_EBADMSG;
		}
		want = m->size;
		break;
	case VOB_VHU_SET_MEM_TABLE:
		return vhu_check_mem(m, why);
	case VOB_VHU_SET_VRING_ADDR:
		want = sizeof(struct vob_vhu_addr);
		break;
	case VOB_VHU_SET_VRING_KICK:
	case VOB_VHU_SET_VRING_CALL:
	case VOB_VHU_SET_VRING_ERR:
		want = 8;
		if (m->size == 8u)
			fds = (m->u.u64 & 0x100u) ? 0u : 1u;
		break;
	case VOB_VHU_GET_CONFIG:
	case VOB_VHU_SET_CONFIG:
		if (m->size < 12u || m->u.config.size > VOB_VHU_CONFIG_MAX ||
		    m->size != 12u + m->u.config.size) {
			*why = "config message: size does not match its payload";
			return VOB_EBADMSG;
		}
		want = m->size;
		break;
	default:
		/* u64 and vring-state requests, and requests not served here
		 * (answered as unsupported by the caller). */
		want = m->size;
		fds = m->nfds;
		if (m->request == VOB_VHU_SET_FEATURES ||
		    m->request == VOB_VHU_SET_PROTOCOL_FEATURES ||
		    m->request == VOB_VHU_SET_VRING_NUM || m->request == VOB_VHU_SET_VRING_BASE ||
		    m->request == VOB_VHU_GET_VRING_BASE || m->request == VOB_VHU_SET_VRING_ENABLE) {
			want = 8;
			fds = 0;
		}
		break;
	}
	if (m->size != want) {
		*why = "payload size wrong for the request";
		return VOB_EBADMSG;
	}
	if (m->nfds != fds) {
		*why = "wrong number of fds for the request";
		return VOB_EBADMSG;
	}
	return 0;
}

int vob_vhu_send(int sock, uint32_t request, uint32_t flags, const void *payload, uint32_t size,
		 const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * VOB_VHU_MAX_REGIONS)];
	} ctl;
	uint32_t hdr[3] = { request, flags | VOB_VHU_VERSION, size };
	struct iovec iov[2] = { { hdr, HDR_BYTES }, { (void *)(uintptr_t)payload, size } };
	struct msghdr mh;
	size_t total = HDR_BYTES + size;
	ssize_t r;

	if (nfds > VOB_VHU_MAX_REGIONS)
		return VOB_EINVAL;
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = iov;
	mh.msg_iovlen = size ? 2 : 1;
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
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)total ? 0 : VOB_EIO;
}

int vob_vhu_uva_to_gpa(const struct vob_vhu_mem *mem, uint64_t uva, uint64_t len, uint64_t *gpa)
{
	uint32_t i;

	for (i = 0; i < mem->nregions && i < VOB_VHU_MAX_REGIONS; i++) {
		const struct vob_vhu_region *r = &mem->r[i];

		if (uva >= r->uaddr && uva - r->uaddr <= r->size && len <= r->size - (uva - r->uaddr)) {
			*gpa = r->gpa + (uva - r->uaddr);
			return 0;
		}
	}
	return VOB_EFAULT;
}

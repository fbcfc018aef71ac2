/* SPDX-License-Identifier: BSD-3-Clause */
/* The front end: a driver class of this process drives a vhost-user back
 * end. The class negotiates in a table in local memory (side 1) with a proxy
 * device (side 0) that offers the back end's features and config; when the
 * class goes live, the placement it chose (rings in the shared memfd window)
 * is handed to the back end. */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhu_internal.h"

#define FLOG(fe, ...) vhu_log((fe)->cfg.log, (fe)->cfg.arg, __VA_ARGS__)
#define FE_PROTOCOL (VOB_BIT(VOB_VHU_PF_MQ) | VOB_BIT(VOB_VHU_PF_REPLY_ACK) | \
		     VOB_BIT(VOB_VHU_PF_CONFIG))

static void *fe_map(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)link_addr;
	(void)len;
	(void)access;
	return ((struct vob_vhu_fe *)ctx)->map_next;
}

static int fe_ring(void *ctx, uint32_t id, uint32_t data)
{
	struct vob_vhu_fe *fe = ctx;
	uint16_t q;

	(void)data;
	for (q = 0; q < fe->cfg.num_queues; q++)
		if (id == VHU_QUEUE_DOORBELL(q))
			return vhu_signal(fe->kick[q]);
	return 0;
}

static const struct vob_port_ops fe_ops = {
	VOB_PORT_OPS_VERSION, fe_map, fe_ring, NULL, NULL, NULL, NULL,
};

/* Send a request and read its reply (when @reply is set) or its REPLY_ACK
 * (when negotiated and @ack). */
static int fe_call(struct vob_vhu_fe *fe, uint32_t req, const void *p, uint32_t size,
		   const int *fds, unsigned nfds, struct vob_vhu_msg *reply, bool ack)
{
	struct vob_vhu_msg m;
	const char *why = "";
	bool acked = ack && (fe->protocol & VOB_BIT(VOB_VHU_PF_REPLY_ACK));
	int rc;

	rc = vob_vhu_send(fe->sock, req, acked ? VOB_VHU_FLAG_NEED_REPLY : 0, p, size, fds, nfds);
	if (rc)
		return rc;
	if (!reply && !acked)
		return 0;
	rc = vob_vhu_recv(fe->sock, reply ? reply : &m, &why);
	if (rc <= 0) {
		FLOG(fe, "request %u: no reply (%s)", req, rc ? why : "back end left");
		return VOB_EIO;
	}
	if (!reply)
		reply = &m;
	vob_vhu_msg_close(reply);
	if (reply->request != req || !(reply->flags & VOB_VHU_FLAG_REPLY)) {
		FLOG(fe, "request %u: answered with request %u", req, reply->request);
		return VOB_EPROTO;
	}
	if (reply == &m && (m.size != 8u || m.u.u64)) {
		FLOG(fe, "request %u: refused by the back end", req);
		return VOB_EPROTO;
	}
	return 0;
}

static int fe_get_u64(struct vob_vhu_fe *fe, uint32_t req, uint64_t *v)
{
	struct vob_vhu_msg r;
	int rc = fe_call(fe, req, NULL, 0, NULL, 0, &r, false);

	if (rc)
		return rc;
	if (r.size != 8u) {
		FLOG(fe, "request %u: reply of %u bytes", req, r.size);
		return VOB_EPROTO;
	}
	*v = r.u.u64;
	return 0;
}

static int fe_get_config(struct vob_vhu_fe *fe, uint32_t len)
{
	struct vob_vhu_config c;
	struct vob_vhu_msg r;
	int rc;

	memset(&c, 0, sizeof(c));
	c.size = len;
	rc = fe_call(fe, VOB_VHU_GET_CONFIG, &c, 12u + len, NULL, 0, &r, false);
	if (rc)
		return rc;
	if (r.size != 12u + len || r.u.config.size != len)
		return VOB_EPROTO;
	memcpy(fe->config.data, r.u.config.data, len);
	fe->config_got = len;
	return 0;
}

static int fe_setup(struct vob_vhu_fe *fe)
{
	struct vob_table_cfg tc;
	struct vob_dev_cfg dc;
	uint16_t q;
	int rc;

	fe->table_bytes = VOB_ALIGN_UP(VOB_TABLE_BYTES(1, fe->cfg.num_queues, VOB_VHU_CONFIG_MAX, 64),
				       4096u);
	fe->table_mem = mmap(NULL, fe->table_bytes, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fe->memfd = memfd_create("vob-vhost-user", MFD_CLOEXEC);
	if (fe->table_mem == MAP_FAILED || fe->memfd < 0 ||
	    ftruncate(fe->memfd, (off_t)fe->cfg.mem_bytes))
		return VOB_ENOMEM;
	fe->mem = mmap(NULL, fe->cfg.mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fe->memfd, 0);
	if (fe->mem == MAP_FAILED)
		return VOB_ENOMEM;
	rc = vob_link_init(&fe->link, &fe_ops, fe, 64);
	if (!rc)
		rc = vhu_add_window(&fe->link, &fe->map_next, fe->table_mem, VOB_VHU_TABLE_ADDR,
				    fe->table_bytes, VOB_WIN_LOCAL);
	if (rc >= 0)
		rc = vhu_add_window(&fe->link, &fe->map_next, fe->mem, VOB_VHU_FE_MEM_ADDR,
				    fe->cfg.mem_bytes, VOB_WIN_LOCAL);
	if (rc < 0)
		return rc;
	memset(&tc, 0, sizeof(tc));
	tc.addr = VOB_VHU_TABLE_ADDR;
	tc.nslots = 1;
	tc.nqueues = fe->cfg.num_queues;
	tc.config_max = VOB_VHU_CONFIG_MAX;
	rc = vob_table_init(&fe->dt, &fe->link, &tc);
	tc.side = 1;
	if (!rc)
		rc = vob_table_init(&fe->ct, &fe->link, &tc);
	if (rc)
		return rc;
	for (q = 0; q < fe->cfg.num_queues; q++) {
		fe->pq[q].size = fe->cfg.queue_max ? fe->cfg.queue_max : 256u;
		fe->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fe->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fe->kick[q] < 0 || fe->call[q] < 0)
			return VOB_ENOMEM;
	}
	memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DEVICE;
	dc.num_queues = fe->cfg.num_queues;
	dc.queues = fe->pq;
	dc.features[0] = fe->features & ~VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES) &
			 (fe->cfg.features_mask ? fe->cfg.features_mask : ~(uint64_t)0);
	dc.device_id = fe->cfg.device_id;
	dc.config = fe->config.data;
	dc.config_len = (uint16_t)fe->config.size;
	dc.foreign_queues = 1;
	rc = vob_dev_init(&fe->pd, &fe->dt, &dc);
	if (rc)
		FLOG(fe, "the back end's features 0x%llx lack VERSION_1",
		     (unsigned long long)fe->features);
	return rc;
}

int vob_vhu_fe_attach(struct vob_vhu_fe *fe, const struct vob_vhu_fe_cfg *cfg, int fd)
{
	struct timeval tv = { 5, 0 };
	uint64_t pf = 0;
	unsigned q;
	int rc;

	memset(fe, 0, sizeof(*fe));
	fe->sock = fd;
	fe->memfd = -1;
	fe->mem = MAP_FAILED;
	fe->table_mem = MAP_FAILED;
	for (q = 0; q < VOB_VHU_MAX_QUEUES; q++)
		fe->kick[q] = fe->call[q] = -1;
	if (!cfg || !cfg->poll || !cfg->num_queues || cfg->num_queues > VOB_VHU_MAX_QUEUES ||
	    !cfg->mem_bytes || (cfg->mem_bytes & 4095u) || cfg->config_len > VOB_VHU_CONFIG_MAX)
		return VOB_EINVAL;
	fe->cfg = *cfg;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = fe_get_u64(fe, VOB_VHU_GET_FEATURES, &fe->features);
	if (!rc)
		rc = fe_call(fe, VOB_VHU_SET_OWNER, NULL, 0, NULL, 0, NULL, false);
	if (!rc && (fe->features & VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES))) {
		rc = fe_get_u64(fe, VOB_VHU_GET_PROTOCOL_FEATURES, &pf);
		pf &= FE_PROTOCOL;
		if (!rc)
			rc = fe_call(fe, VOB_VHU_SET_PROTOCOL_FEATURES, &pf, 8, NULL, 0, NULL, false);
		fe->protocol = pf;
	}
	if (!rc && cfg->config_len) {
		if (!(fe->protocol & VOB_BIT(VOB_VHU_PF_CONFIG))) {
			FLOG(fe, "the back end does not offer GET_CONFIG");
			rc = VOB_ENOTSUP;
		} else {
			rc = fe_get_config(fe, cfg->config_len);
			if (rc == VOB_EPROTO && cfg->config_min)
				rc = fe_get_config(fe, cfg->config_min);
			/* A shorter config (an older layout) reads as zeros
			 * past its end: the fields of features not offered. */
			fe->config.size = cfg->config_len;
		}
	}
	if (!rc)
		rc = fe_setup(fe);
	FLOG(fe, "back end features 0x%llx, protocol features 0x%llx, config %u bytes: %s",
	     (unsigned long long)fe->features, (unsigned long long)pf, fe->config_got,
	     rc ? vob_strerror(rc) : "ok");
	return rc;
}

int vob_vhu_fe_connect(struct vob_vhu_fe *fe, const struct vob_vhu_fe_cfg *cfg, const char *path)
{
	struct sockaddr_un a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a.sun_path))
		return VOB_EINVAL;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return VOB_EIO;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return VOB_EIO;
	}
	return vob_vhu_fe_attach(fe, cfg, fd);
}

struct vob_table *vob_vhu_fe_table(struct vob_vhu_fe *fe)
{
	return &fe->ct;
}

struct vob_arena vob_vhu_fe_arena(struct vob_vhu_fe *fe, uint64_t off)
{
	struct vob_arena a = { VOB_VHU_FE_MEM_ADDR + off, fe->cfg.mem_bytes - off };

	return a;
}

void *vob_vhu_fe_ptr(struct vob_vhu_fe *fe, uint64_t addr, uint64_t len)
{
	return vob_link_translate(&fe->link, addr, len, VOB_MAP_READ | VOB_MAP_WRITE, NULL);
}

/* The class is live: give the back end the memory and every placed queue. */
static int fe_hand_over(struct vob_vhu_fe *fe)
{
	uint64_t f = vob_dev_features(&fe->pd, 0);
	struct vob_vhu_mem mem;
	uint16_t q;
	int rc;

	if (fe->features & VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES))
		f |= VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES);
	rc = fe_call(fe, VOB_VHU_SET_FEATURES, &f, 8, NULL, 0, NULL, true);
	memset(&mem, 0, sizeof(mem));
	mem.nregions = 1;
	mem.r[0].gpa = VOB_VHU_FE_MEM_ADDR;
	mem.r[0].size = fe->cfg.mem_bytes;
	mem.r[0].uaddr = (uint64_t)(uintptr_t)fe->mem;
	if (!rc)
		rc = fe_call(fe, VOB_VHU_SET_MEM_TABLE, &mem, 8u + sizeof(mem.r[0]), &fe->memfd, 1,
			     NULL, true);
	fe->nrunning = 0;
	for (q = 0; !rc && q < fe->cfg.num_queues; q++) {
		struct vob_vq_cfg p;
		struct vob_vhu_state s = { q, 0 };
		struct vob_vhu_addr a;
		bool packed;
		uint64_t v;

		if (vob_dev_queue_placement(&fe->pd, q, &p))
			continue;
		packed = (p.features & VOB_BIT(VOB_F_RING_PACKED)) != 0;
		memset(&a, 0, sizeof(a));
		a.index = q;
		a.desc = (uintptr_t)vob_link_translate(&fe->link, p.desc_addr, 16u * p.size,
						       VOB_MAP_READ, NULL);
		a.avail = (uintptr_t)vob_link_translate(&fe->link, p.driver_addr,
							packed ? VOB_PACKED_DRIVER_BYTES
							       : VOB_SPLIT_AVAIL_BYTES(p.size),
							VOB_MAP_READ, NULL);
		a.used = (uintptr_t)vob_link_translate(&fe->link, p.device_addr,
						       packed ? VOB_PACKED_DEVICE_BYTES
							      : VOB_SPLIT_USED_BYTES(p.size),
						       VOB_MAP_READ, NULL);
		if (!a.desc || !a.avail || !a.used) {
			FLOG(fe, "queue %u placed outside the shared window", q);
			return VOB_EFAULT;
		}
		s.num = p.size;
		rc = fe_call(fe, VOB_VHU_SET_VRING_NUM, &s, 8, NULL, 0, NULL, true);
		/* Where the driver starts the ring (0 for a fresh one, else a
		 * position it resumes at). */
		s.num = vhu_base_of_start(packed, p.start);
		if (!rc)
			rc = fe_call(fe, VOB_VHU_SET_VRING_BASE, &s, 8, NULL, 0, NULL, true);
		if (!rc)
			rc = fe_call(fe, VOB_VHU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0, NULL, true);
		v = q;
		if (!rc)
			rc = fe_call(fe, VOB_VHU_SET_VRING_KICK, &v, 8, &fe->kick[q], 1, NULL, true);
		if (!rc)
			rc = fe_call(fe, VOB_VHU_SET_VRING_CALL, &v, 8, &fe->call[q], 1, NULL, true);
		fe->nrunning = (uint16_t)(q + 1u);
	}
	for (q = 0; !rc && q < fe->nrunning && (f & VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES)); q++) {
		struct vob_vhu_state s = { q, 1 };

		rc = fe_call(fe, VOB_VHU_SET_VRING_ENABLE, &s, 8, NULL, 0, NULL, true);
	}
	if (!rc) {
		fe->running = 1;
		FLOG(fe, "%u queue(s) handed to the back end, features 0x%llx (%s ring)",
		     fe->nrunning, (unsigned long long)f,
		     (f & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split");
	}
	return rc;
}

/* The class reset: stop the back end's rings (GET_VRING_BASE each). */
static int fe_take_back(struct vob_vhu_fe *fe)
{
	uint16_t q;
	int rc = 0;

	for (q = 0; !rc && q < fe->nrunning; q++) {
		struct vob_vhu_state s = { q, 0 };
		struct vob_vhu_msg r;

		rc = fe_call(fe, VOB_VHU_GET_VRING_BASE, &s, 8, NULL, 0, &r, false);
	}
	fe->running = 0;
	fe->nrunning = 0;
	return rc;
}

int vob_vhu_fe_step(struct vob_vhu_fe *fe, int timeout_ms)
{
	struct pollfd p[1 + VOB_VHU_MAX_QUEUES];
	unsigned n = 0, i;
	int busy, ev, rc = 0;

	busy = fe->cfg.poll(fe->cfg.arg) > 0;
	p[n].fd = fe->sock;
	p[n++].events = POLLIN;
	for (i = 0; i < fe->nrunning; i++) {
		p[n].fd = fe->call[i];
		p[n++].events = POLLIN;
	}
	if (poll(p, n, busy ? 0 : timeout_ms) < 0 && errno != EINTR)
		return VOB_EIO;
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		FLOG(fe, "the back end closed the connection");
		return VOB_ECONNRESET;
	}
	for (i = 1; i < n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		vhu_drain(p[i].fd);
		vob_on_irq_isr(&fe->link, VHU_QUEUE_DOORBELL(i - 1u));
	}
	ev = vob_dev_poll(&fe->pd);
	if (ev > 0 && (ev & VOB_DEV_EV_RESET) && fe->running)
		rc = fe_take_back(fe);
	if (!rc && ev > 0 && (ev & VOB_DEV_EV_LIVE))
		rc = fe_hand_over(fe);
	if (rc)
		return rc;
	return fe->running;
}

void vob_vhu_fe_close(struct vob_vhu_fe *fe)
{
	unsigned q;

	if (fe->running && fe->sock >= 0)
		(void)fe_take_back(fe);
	vhu_close_fd(&fe->sock);
	for (q = 0; q < VOB_VHU_MAX_QUEUES; q++) {
		vhu_close_fd(&fe->kick[q]);
		vhu_close_fd(&fe->call[q]);
	}
	vhu_close_fd(&fe->memfd);
	if (fe->mem != MAP_FAILED && fe->mem)
		munmap(fe->mem, fe->cfg.mem_bytes);
	if (fe->table_mem != MAP_FAILED && fe->table_mem)
		munmap(fe->table_mem, fe->table_bytes);
	fe->mem = fe->table_mem = NULL;
}

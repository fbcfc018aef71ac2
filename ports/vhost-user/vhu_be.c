/* SPDX-License-Identifier: BSD-3-Clause */
/* The back end: a vhost-user front end (QEMU, DPDK virtio_user) drives a
 * device class of this process. The class publishes in a table in local
 * memory (side 0); this file plays the table's driver (side 1) for the front
 * end, with foreign queues: the front end owns the rings, the class serves
 * them through windows over the guest memory (link address = guest physical
 * address). */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhu_internal.h"

#define HAVE_NUM 1u
#define HAVE_ADDR 2u
#define HAVE_KICK 4u
#define HAVE_CALL 8u
#define HAVE_ALL (HAVE_NUM | HAVE_ADDR | HAVE_KICK | HAVE_CALL)
#define HAVE_BASE 16u
#define PUMP_ROUNDS 64
/* Regions closer than this share one window (the gap is private memory). */
#define CLUSTER_GAP (64ull << 20)
/* statfs f_type of hugetlbfs (linux/magic.h). */
#define VHU_HUGETLBFS_MAGIC 0x958458f6u
#define BE_PROTOCOL (VOB_BIT(VOB_VHU_PF_MQ) | VOB_BIT(VOB_VHU_PF_REPLY_ACK) | \
		     VOB_BIT(VOB_VHU_PF_CONFIG) | VOB_BIT(VOB_VHU_PF_RESET_DEVICE))

void vhu_log(vob_vhu_log_fn log, void *arg, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(arg, line);
}

#define BLOG(be, ...) vhu_log((be)->cfg.log, (be)->cfg.arg, __VA_ARGS__)

static void *be_map(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)link_addr;
	(void)len;
	(void)access;
	return ((struct vob_vhu_be *)ctx)->map_next;
}

static int be_ring(void *ctx, uint32_t id, uint32_t data)
{
	struct vob_vhu_be *be = ctx;
	uint16_t q;

	(void)data;
	for (q = 0; q < be->cfg.num_queues; q++)
		if (id == VHU_QUEUE_DOORBELL(q))
			return vhu_signal(be->vr[q].call);
	return 0; /* table and control doorbells: both ends poll */
}

static const struct vob_port_ops be_ops = {
	VOB_PORT_OPS_VERSION, be_map, be_ring, NULL, NULL, NULL, NULL,
};

int vhu_signal(int fd)
{
	uint64_t one = 1;

	if (fd < 0)
		return 0;
	return write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one) || errno == EAGAIN ? 0
										   : VOB_EIO;
}

void vhu_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		(void)errno; /* EAGAIN: nothing pending */
}

void vhu_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int vhu_add_window(struct vob_link *link, void **map_next, void *ptr, uint64_t base,
		   uint64_t size, uint8_t owner)
{
	struct vob_window_cfg w = { base, size, VOB_MEM_COHERENT, owner,
				    VOB_MAP_READ | VOB_MAP_WRITE };

	*map_next = ptr;
	return vob_link_add_window(link, &w);
}

uint64_t vhu_fd_page_size(int fd)
{
	long sys = sysconf(_SC_PAGESIZE);
	uint64_t page = sys > 0 ? (uint64_t)sys : 4096u;
	struct statfs fs;

	if (fstatfs(fd, &fs) == 0 && (uint32_t)fs.f_type == VHU_HUGETLBFS_MAGIC &&
	    fs.f_bsize > 0 && (uint64_t)fs.f_bsize > page)
		page = (uint64_t)fs.f_bsize;
	return page;
}

const char *vhu_region_misfit(const struct vob_vhu_region *r, uint64_t start, uint64_t page)
{
	if (!page || r->gpa < start)
		return "region outside its window";
	if (r->size % page)
		return "size not a multiple of its page size";
	if (r->offset % page)
		return "offset in its file not a multiple of its page size";
	if ((r->gpa - start) % page)
		return "guest address not a page multiple from its window's start";
	return NULL;
}

void *vhu_reserve(size_t len, uint64_t align)
{
	long sys = sysconf(_SC_PAGESIZE);
	size_t page = sys > 0 ? (size_t)sys : 4096u, slack, head, tail;
	uint8_t *p, *a;

	if (align > SIZE_MAX / 2u)
		return NULL;
	slack = align > page ? (size_t)align : 0u;
	len = VOB_ALIGN_UP(len, page);
	if (len + slack < len)
		return NULL;
	p = mmap(NULL, len + slack, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (!slack)
		return p;
	/* Keep the aligned @len bytes; give the slack on both sides back. */
	head = (size_t)((align - (uintptr_t)p % align) % align);
	tail = slack - head;
	a = p + head;
	if (head)
		munmap(p, head);
	if (tail)
		munmap(a + len, tail);
	return a;
}

/* The table window, then one window per cluster of guest memory. */
static int be_windows(struct vob_vhu_be *be)
{
	unsigned i;
	int rc;

	vob_link_clear_windows(&be->link);
	rc = vhu_add_window(&be->link, &be->map_next, be->table_mem, VOB_VHU_TABLE_ADDR,
			    be->table_bytes, VOB_WIN_LOCAL);
	for (i = 0; rc >= 0 && i < be->nmap; i++)
		rc = vhu_add_window(&be->link, &be->map_next, be->map[i].ptr, be->map[i].base,
				    be->map[i].len, VOB_WIN_PEER);
	return rc < 0 ? rc : 0;
}

static void be_unmap(struct vob_vhu_map *m, unsigned *n)
{
	while (*n) {
		(*n)--;
		munmap(m[*n].ptr, m[*n].len);
	}
}

/* The proxy driver anew (a new epoch of side 1: the class resets), in
 * discovery mode, or with the queues of the front end. */
static int be_proxy(struct vob_vhu_be *be, uint64_t features, uint16_t nq)
{
	struct vob_table_cfg tc;
	struct vob_dev_cfg dc;
	int rc;

	memset(&tc, 0, sizeof(tc));
	tc.addr = VOB_VHU_TABLE_ADDR;
	tc.side = 1;
	tc.nslots = 1;
	tc.nqueues = be->cfg.num_queues;
	tc.config_max = be->cfg.config_max;
	rc = vob_table_init(&be->pt, &be->link, &tc);
	if (rc)
		return rc;
	memset(&dc, 0, sizeof(dc));
	dc.role = VOB_ROLE_DRIVER;
	dc.num_queues = nq;
	dc.queues = be->pq;
	dc.features[0] = features;
	dc.foreign_queues = 1;
	rc = vob_dev_init(&be->pd, &be->pt, &dc);
	if (rc)
		return rc;
	(void)vob_dev_poll(&be->pd); /* finds the device (if published) */
	return 0;
}

int vob_vhu_be_init(struct vob_vhu_be *be, const struct vob_vhu_be_cfg *cfg)
{
	struct vob_table_cfg tc;
	int rc;

	memset(be, 0, sizeof(*be));
	be->listen_fd = be->sock = be->app_fd = -1;
	if (!cfg || !cfg->poll || !cfg->num_queues || cfg->num_queues > VOB_VHU_MAX_QUEUES ||
	    (cfg->config_max & 3u) || cfg->config_max > VOB_VHU_CONFIG_MAX)
		return VOB_EINVAL;
	be->cfg = *cfg;
	if (!be->cfg.config_max)
		be->cfg.config_max = 128;
	for (rc = 0; rc < (int)VOB_VHU_MAX_QUEUES; rc++)
		be->vr[rc].kick = be->vr[rc].call = be->vr[rc].err = -1;
	be->table_bytes = VOB_ALIGN_UP(VOB_TABLE_BYTES(1, be->cfg.num_queues, be->cfg.config_max, 64),
				       4096u);
	be->table_mem = mmap(NULL, be->table_bytes, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (be->table_mem == MAP_FAILED) {
		be->table_mem = NULL;
		return VOB_ENOMEM;
	}
	rc = vob_link_init(&be->link, &be_ops, be, 64);
	if (!rc)
		rc = be_windows(be);
	if (rc)
		return rc;
	memset(&tc, 0, sizeof(tc));
	tc.addr = VOB_VHU_TABLE_ADDR;
	tc.side = 0;
	tc.nslots = 1;
	tc.nqueues = be->cfg.num_queues;
	tc.config_max = be->cfg.config_max;
	return vob_table_init(&be->dt, &be->link, &tc);
}

struct vob_table *vob_vhu_be_table(struct vob_vhu_be *be)
{
	return &be->dt;
}

void vob_vhu_be_watch_fd(struct vob_vhu_be *be, int fd)
{
	be->app_fd = fd;
}

uint64_t vob_vhu_be_connections(const struct vob_vhu_be *be)
{
	return be->conns;
}

static bool be_packed(const struct vob_vhu_be *be)
{
	return (be->features & VOB_BIT(VOB_F_RING_PACKED)) != 0;
}

/* A ring position between vhost-user and the engine. vhost-user: split, the
 * 16-bit index; packed, {position:15, wrap:1} of the avail position in bits
 * 0-15 and of the used position in bits 16-31 (QEMU sends and reads both;
 * DPDK only the avail half). The engine (vob_vq_cfg::start): the same with
 * the wrap bit inverted, one value for both positions. */
static uint16_t be_vob_start(const struct vob_vhu_be *be, const struct vob_vhu_vring *v)
{
	if (!(v->have & HAVE_BASE))
		return 0; /* never given: a fresh ring */
	return (uint16_t)(be_packed(be) ? (v->base & 0xffffu) ^ 0x8000u : v->base);
}

static uint32_t be_vhu_base(const struct vob_vhu_be *be, uint16_t start)
{
	return vhu_base_of_start(be_packed(be), start);
}

/* Where queue @q stands as the class stops it, for GET_VRING_BASE: the
 * engine's position of the class's queue (it restarts there without losing
 * a chain the class held); without the class's device, the used index a
 * split ring shows (the classes hold chains in the order they came). */
static void be_save_position(struct vob_vhu_be *be, uint16_t q)
{
	struct vob_vhu_vring *v = &be->vr[q];
	struct vob_vq *vq = be->cfg.dev ? vob_dev_vq(be->cfg.dev, q) : NULL;
	const vob_le16_t *idx;

	if (vq) {
		v->base = be_vhu_base(be, vob_vq_position(vq));
	} else if (!be_packed(be)) {
		idx = vob_link_translate(&be->link, v->device + 2u, 2u, VOB_MAP_READ, NULL);
		if (!idx)
			return;
		v->base = vob_load_le16(idx);
	} else {
		return;
	}
	v->have |= HAVE_BASE;
}

/* Take the queues away from the class; they stay where they are. */
static void be_stop(struct vob_vhu_be *be)
{
	char at[16 * VOB_VHU_MAX_QUEUES + 1] = "";
	size_t n = 0;
	uint16_t q;

	if (!be->running)
		return;
	be->running = 0;
	/* Before the class lets go of them: where each running queue stands
	 * (GET_VRING_BASE answers it). */
	for (q = 0; q < be->cfg.num_queues; q++) {
		if (!be->pq[q].size)
			continue;
		be_save_position(be, q);
		n += (size_t)snprintf(at + n, sizeof(at) - n, " %u:0x%x", (unsigned)q,
				      (unsigned)be->vr[q].base);
	}
	/* A ring restarts only after the front end places it again (new
	 * SET_VRING_ADDR and KICK; SET_VRING_BASE to resume it). */
	for (q = 0; q < VOB_VHU_MAX_QUEUES; q++) {
		be->vr[q].have &= (uint8_t)~(HAVE_ADDR | HAVE_KICK);
		vhu_close_fd(&be->vr[q].kick);
	}
	/* A new proxy epoch resets the class at its next poll. */
	if (be_proxy(be, ~(uint64_t)0, 0))
		BLOG(be, "cannot restart the bridging table");
	(void)be->cfg.poll(be->cfg.arg);
	be_unmap(be->old, &be->nold);
	BLOG(be, "queues stopped at%s", at);
}

static bool be_queue_ready(const struct vob_vhu_be *be, uint16_t q)
{
	const struct vob_vhu_vring *v = &be->vr[q];
	/* Without the protocol features a ring starts enabled. */
	bool enabled = v->enabled || !be->vhu_pf;

	return (v->have & HAVE_ALL) == HAVE_ALL && enabled;
}

/* Hand the queues to the class once every queue the front end touched is
 * complete and enabled. */
static void be_try_start(struct vob_vhu_be *be)
{
	uint16_t q, ready = 0;
	int i, st = VOB_DEV_OFF;

	if (be->running || be->start_failed || !be->have_features || !be->nmap)
		return;
	for (q = 0; q < be->cfg.num_queues; q++) {
		/* A base alone (given, or saved at a stop) is no set-up. */
		if (!(be->vr[q].have & ~HAVE_BASE))
			continue;
		if (!be_queue_ready(be, q))
			return;
		ready++;
	}
	if (!ready)
		return;
	for (q = 0; q < be->cfg.num_queues; q++) {
		struct vob_dev_queue *p = &be->pq[q];

		memset(p, 0, sizeof(*p));
		if (!be_queue_ready(be, q))
			continue;
		p->size = (uint16_t)be->vr[q].num;
		p->start = be_vob_start(be, &be->vr[q]);
		p->desc_addr = be->vr[q].desc;
		p->driver_addr = be->vr[q].driver;
		p->device_addr = be->vr[q].device;
	}
	/* Not tried again until the front end changes something. */
	be->start_failed = 1;
	if (!(be->features & VOB_BIT(VOB_F_VERSION_1))) {
		BLOG(be, "front end did not accept VERSION_1: legacy virtio is not served");
		return;
	}
	if (be_proxy(be, be->features, be->cfg.num_queues)) {
		BLOG(be, "cannot restart the bridging table");
		return;
	}
	for (i = 0; i < PUMP_ROUNDS; i++) {
		(void)vob_dev_poll(&be->pd);
		st = vob_dev_state(&be->pd);
		if (st == VOB_DEV_LIVE || st == VOB_DEV_FAILED || st == VOB_DEV_NEEDS_RESET)
			break;
		(void)be->cfg.poll(be->cfg.arg);
	}
	if (st != VOB_DEV_LIVE) {
		BLOG(be, "the device refused the front end's features 0x%llx or queues (state %d)",
		     (unsigned long long)be->features, st);
		(void)be_proxy(be, ~(uint64_t)0, 0);
		return;
	}
	be->running = 1;
	be->start_failed = 0;
	BLOG(be, "%u queue(s) running, features 0x%llx (%s ring)", ready,
	     (unsigned long long)be->features,
	     (be->features & VOB_BIT(VOB_F_RING_PACKED)) ? "packed" : "split");
}

/* Map the regions of @mem (fds in @fds), clustered into few windows. A
 * refusal says why in @why. */
static int be_set_mem(struct vob_vhu_be *be, const struct vob_vhu_mem *mem, const int *fds,
		      const char **why)
{
	struct vob_vhu_map nm[VOB_VHU_MAX_REGIONS];
	unsigned order[VOB_VHU_MAX_REGIONS], n = mem->nregions, i, j, k, nn = 0;
	uint64_t page[VOB_VHU_MAX_REGIONS];
	int rc = 0;

	/* The running class holds pointers into the current mappings: they
	 * are kept until it stops; when no room is left, it stops now. */
	if (be->running && be->nold + be->nmap > sizeof(be->old) / sizeof(be->old[0])) {
		BLOG(be, "SET_MEM_TABLE: memory tables keep changing; rings stopped");
		be_stop(be);
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++) /* by guest address */
		for (j = i; j > 0 && mem->r[order[j]].gpa < mem->r[order[j - 1]].gpa; j--) {
			unsigned t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i = j) {
		uint64_t start = mem->r[order[i]].gpa, end = start + mem->r[order[i]].size;
		uint64_t align = 1;
		uint8_t *p;

		for (j = i + 1; j < n && mem->r[order[j]].gpa - end < CLUSTER_GAP; j++)
			end = mem->r[order[j]].gpa + mem->r[order[j]].size;
		if (nn == VOB_MAX_WINDOWS - 1u) {
			BLOG(be, "SET_MEM_TABLE: guest memory in more than %u separate ranges",
			     VOB_MAX_WINDOWS - 1u);
			*why = "SET_MEM_TABLE: guest memory in too many separate ranges";
			rc = VOB_E2BIG;
			goto fail;
		}
		/* A hugetlbfs region is mapped in whole huge pages, only at an
		 * address aligned to them: it must be made of whole pages and
		 * sit at a page multiple from the window's start, which is
		 * aligned to the largest page of its regions. Anything else
		 * would be refused by mmap() or, worse, mapped beyond the
		 * window, over memory of this process. */
		for (k = i; k < j; k++) {
			const char *misfit;

			page[k] = vhu_fd_page_size(fds[order[k]]);
			misfit = vhu_region_misfit(&mem->r[order[k]], start, page[k]);
			if (misfit) {
				BLOG(be, "SET_MEM_TABLE: region %u (pages of %llu KiB): %s",
				     order[k], (unsigned long long)(page[k] >> 10), misfit);
				*why = "SET_MEM_TABLE: a region does not fit its (huge) pages";
				rc = VOB_EINVAL;
				goto fail;
			}
			if (page[k] > align)
				align = page[k];
		}
		/* Gaps between regions become private zero memory: a hostile
		 * address there reads zeros, never faults. */
		p = vhu_reserve(end - start, align);
		if (!p) {
			*why = "SET_MEM_TABLE: no address space for guest memory";
			rc = VOB_ENOMEM;
			goto fail;
		}
		nm[nn].ptr = p;
		nm[nn].len = end - start;
		nm[nn].base = start;
		nn++;
		for (; i < j; i++) {
			const struct vob_vhu_region *r = &mem->r[order[i]];
			struct stat st;

			/* Pages past the end of a file fault (SIGBUS) when the
			 * class touches them: a region must fit in its file. */
			if (fstat(fds[order[i]], &st) == 0 && S_ISREG(st.st_mode) &&
			    (r->offset > (uint64_t)st.st_size ||
			     r->size > (uint64_t)st.st_size - r->offset)) {
				BLOG(be, "SET_MEM_TABLE: region %u runs past the end of its file "
					 "(%llu bytes)", order[i], (unsigned long long)st.st_size);
				*why = "SET_MEM_TABLE: a region runs past the end of its file";
				rc = VOB_EFAULT;
				goto fail;
			}
			if (mmap(p + (r->gpa - start), r->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, fds[order[i]], (off_t)r->offset) == MAP_FAILED) {
				BLOG(be, "SET_MEM_TABLE: cannot map region %u: %s", order[i],
				     strerror(errno));
				*why = "SET_MEM_TABLE: a region cannot be mapped";
				rc = VOB_EFAULT;
				goto fail;
			}
		}
	}
	/* Running queues keep their pointers into the old mappings (same
	 * memory): those stay until the queues stop. */
	for (i = 0; i < be->nmap; i++) {
		if (be->running)
			be->old[be->nold++] = be->map[i]; /* room made above */
		else
			munmap(be->map[i].ptr, be->map[i].len);
	}
	memcpy(be->map, nm, sizeof(nm[0]) * nn);
	be->nmap = nn;
	be->mem = *mem;
	rc = be_windows(be);
	if (rc) {
		BLOG(be, "SET_MEM_TABLE: guest memory collides with the bridging table");
		*why = "SET_MEM_TABLE: guest memory collides with the bridging table";
	}
	return rc;
fail:
	be_unmap(nm, &nn);
	return rc;
}

static int be_vring_addr(struct vob_vhu_be *be, const struct vob_vhu_addr *a)
{
	struct vob_vhu_vring *v = &be->vr[a->index];
	bool packed = be_packed(be);
	uint64_t n = v->num ? v->num : 1u;

	if (vob_vhu_uva_to_gpa(&be->mem, a->desc, 16u * n, &v->desc) ||
	    vob_vhu_uva_to_gpa(&be->mem, a->avail, packed ? 4u : VOB_SPLIT_AVAIL_BYTES(n),
			       &v->driver) ||
	    vob_vhu_uva_to_gpa(&be->mem, a->used, packed ? 4u : VOB_SPLIT_USED_BYTES(n),
			       &v->device)) {
		BLOG(be, "SET_VRING_ADDR %u: ring outside the memory table", a->index);
		return VOB_EFAULT;
	}
	v->have |= HAVE_ADDR;
	return 0;
}

static void be_reset_rings(struct vob_vhu_be *be)
{
	uint16_t q;

	be_stop(be);
	for (q = 0; q < VOB_VHU_MAX_QUEUES; q++) {
		struct vob_vhu_vring *v = &be->vr[q];

		vhu_close_fd(&v->kick);
		vhu_close_fd(&v->call);
		vhu_close_fd(&v->err);
		memset(v, 0, sizeof(*v));
		v->kick = v->call = v->err = -1;
	}
}

static int be_reply(struct vob_vhu_be *be, const struct vob_vhu_msg *m, const void *p,
		    uint32_t size)
{
	return vob_vhu_send(be->sock, m->request, VOB_VHU_FLAG_REPLY, p, size, NULL, 0);
}

static int be_reply_u64(struct vob_vhu_be *be, const struct vob_vhu_msg *m, uint64_t v)
{
	return be_reply(be, m, &v, sizeof(v));
}

/* Whether @fd is an eventfd, the only kind of kick, call and error fd
 * taken: a pipe or socket written as call fd raises SIGPIPE once the front
 * end closes its other end; a pipe as kick fd hangs up, and a regular file
 * is always readable, both making every step return at once. Without /proc,
 * at least none of those kinds. */
static bool be_is_eventfd(int fd)
{
	static const char want[] = "anon_inode:[eventfd]";
	char path[40], link[sizeof(want) + 1];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link));
	if (n >= 0)
		return (size_t)n == sizeof(want) - 1u && memcmp(link, want, sizeof(want) - 1u) == 0;
	return fstat(fd, &st) == 0 && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) &&
	       !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* Handle one checked message; the message's fds are taken or closed.
 * Returns 0, or a negative error that drops the connection (with the reason
 * in @why when the log line alone says it). */
static int be_handle(struct vob_vhu_be *be, struct vob_vhu_msg *m, const char **why)
{
	bool ack = m->flags & VOB_VHU_FLAG_NEED_REPLY;
	uint32_t idx = m->u.state.index;
	int rc = 0;

	if (m->request != VOB_VHU_GET_CONFIG && m->request != VOB_VHU_GET_QUEUE_NUM)
		be->start_failed = 0; /* something changed: a start may work now */

	switch (m->request) {
	case VOB_VHU_GET_FEATURES:
		return be_reply_u64(be, m, vob_dev_offered(&be->pd, 0) |
						   VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES));
	case VOB_VHU_GET_PROTOCOL_FEATURES:
		return be_reply_u64(be, m, BE_PROTOCOL);
	case VOB_VHU_GET_QUEUE_NUM:
		return be_reply_u64(be, m, be->cfg.num_queues);
	case VOB_VHU_GET_MAX_MEM_SLOTS:
		return be_reply_u64(be, m, VOB_VHU_MAX_REGIONS);
	case VOB_VHU_SET_FEATURES:
		if (be->running && (m->u.u64 & ~VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES)) != be->features)
			be_stop(be);
		be->features = m->u.u64 & ~VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES);
		be->vhu_pf = (m->u.u64 & VOB_BIT(VOB_VHU_F_PROTOCOL_FEATURES)) != 0;
		be->have_features = 1;
		break;
	case VOB_VHU_SET_PROTOCOL_FEATURES:
		be->protocol = m->u.u64 & BE_PROTOCOL;
		break;
	case VOB_VHU_SET_OWNER:
		break;
	case VOB_VHU_RESET_OWNER:
	case VOB_VHU_RESET_DEVICE:
		be_reset_rings(be);
		be->have_features = 0;
		break;
	case VOB_VHU_SET_MEM_TABLE:
		rc = be_set_mem(be, &m->u.mem, m->fds, why);
		break;
	case VOB_VHU_GET_CONFIG: {
		struct vob_vhu_config c = m->u.config;

		memset(c.data, 0, sizeof(c.data));
		if (vob_dev_config_read(&be->pd, c.offset, c.data, c.size))
			BLOG(be, "GET_CONFIG %u+%u: outside the device's config", c.offset, c.size);
		return be_reply(be, m, &c, m->size);
	}
	case VOB_VHU_SET_VRING_NUM:
	case VOB_VHU_SET_VRING_BASE:
	case VOB_VHU_GET_VRING_BASE:
	case VOB_VHU_SET_VRING_ENABLE:
	case VOB_VHU_SET_VRING_ADDR:
		if (idx >= be->cfg.num_queues) {
			BLOG(be, "request %u for queue %u: the device has %u", m->request, idx,
			     be->cfg.num_queues);
			rc = VOB_ERANGE;
			break;
		}
		if (m->request == VOB_VHU_SET_VRING_NUM) {
			if (!m->u.state.num || m->u.state.num > VOB_VQ_MAX_SIZE) {
				BLOG(be, "SET_VRING_NUM %u: bad size %u", idx, m->u.state.num);
				rc = VOB_ERANGE;
				break;
			}
			be->vr[idx].num = m->u.state.num;
			be->vr[idx].have |= HAVE_NUM;
		} else if (m->request == VOB_VHU_SET_VRING_BASE) {
			uint32_t avail = m->u.state.num & 0xffffu, used = m->u.state.num >> 16;

			/* Split: a 16-bit index. Packed: the avail position and
			 * wrap counter in bits 0-15; QEMU adds the used one in
			 * bits 16-31, which the engine starts at the avail one:
			 * they must agree (a ring stopped with nothing in flight,
			 * as GET_VRING_BASE leaves it), or be absent (0, DPDK). */
			if (be_packed(be) ? used && used != avail : used != 0) {
				BLOG(be, "SET_VRING_BASE %u: position 0x%x: %s", idx,
				     m->u.state.num,
				     be_packed(be) ? "avail and used positions differ"
						   : "not a 16-bit index");
				rc = VOB_ENOTSUP;
				break;
			}
			be->vr[idx].base = m->u.state.num;
			be->vr[idx].have |= HAVE_BASE;
		} else if (m->request == VOB_VHU_SET_VRING_ENABLE) {
			be->vr[idx].enabled = m->u.state.num != 0;
			if (!be->vr[idx].enabled && be->running)
				be_stop(be);
		} else if (m->request == VOB_VHU_SET_VRING_ADDR) {
			rc = be_vring_addr(be, &m->u.addr);
		} else {
			struct vob_vhu_state s = { idx, 0 };

			/* Stopping saves where every running queue stands; a
			 * queue that did not run reports the base it was given. */
			be_stop(be);
			s.num = be->vr[idx].have & HAVE_BASE ? be->vr[idx].base
							     : be_vhu_base(be, 0);
			be->vr[idx].have &= (uint8_t)~(HAVE_ADDR | HAVE_KICK);
			vhu_close_fd(&be->vr[idx].kick);
			return be_reply(be, m, &s, sizeof(s));
		}
		break;
	case VOB_VHU_SET_VRING_KICK:
	case VOB_VHU_SET_VRING_CALL:
	case VOB_VHU_SET_VRING_ERR: {
		uint32_t q = (uint32_t)(m->u.u64 & 0xffu);
		int fd = m->nfds ? m->fds[0] : -1;
		struct vob_vhu_vring *v;

		m->nfds = 0; /* taken */
		if (fd >= 0 && !be_is_eventfd(fd)) {
			close(fd);
			BLOG(be, "request %u for queue %u: not an eventfd", m->request, q);
			rc = VOB_EINVAL;
			break;
		}
		/* Never block on the front end's fds: a call eventfd whose
		 * count nears its maximum must not stop the back end. */
		if (fd >= 0)
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (q >= be->cfg.num_queues) {
			if (fd >= 0)
				close(fd);
			BLOG(be, "request %u for queue %u: the device has %u", m->request, q,
			     be->cfg.num_queues);
			rc = VOB_ERANGE;
			break;
		}
		v = &be->vr[q];
		if (m->request == VOB_VHU_SET_VRING_KICK) {
			vhu_close_fd(&v->kick);
			v->kick = fd;
			v->have |= HAVE_KICK;
		} else if (m->request == VOB_VHU_SET_VRING_CALL) {
			vhu_close_fd(&v->call);
			v->call = fd;
			v->have |= HAVE_CALL;
		} else {
			vhu_close_fd(&v->err);
			v->err = fd;
		}
		break;
	}
	default:
		BLOG(be, "request %u not supported", m->request);
		vob_vhu_msg_close(m);
		if (!ack)
			return 0;
		return be_reply_u64(be, m, 1);
	}
	vob_vhu_msg_close(m);
	if (ack && (be->protocol & VOB_BIT(VOB_VHU_PF_REPLY_ACK))) {
		int r = be_reply_u64(be, m, rc ? 1u : 0u);

		if (r)
			return r;
	}
	return rc;
}

/* The class found a ring the front end broke and stopped: vhost-user has
 * no status to report it in, so every ring's error fd is signalled (QEMU
 * logs it) and the rings stay stopped until the front end sets them up
 * again (a device reset). */
static void be_needs_reset(struct vob_vhu_be *be)
{
	uint16_t q;

	BLOG(be, "the device needs a reset (a ring the front end broke); rings stopped");
	for (q = 0; q < be->cfg.num_queues; q++)
		(void)vhu_signal(be->vr[q].err);
	be_stop(be);
}

/* Back to waiting: nothing of the connection survives. */
static void be_disconnect(struct vob_vhu_be *be)
{
	be_reset_rings(be);
	vhu_close_fd(&be->sock);
	be_unmap(be->map, &be->nmap);
	be_unmap(be->old, &be->nold);
	memset(&be->mem, 0, sizeof(be->mem));
	(void)be_windows(be);
	be->features = be->protocol = 0;
	be->have_features = be->vhu_pf = be->start_failed = 0;
}

int vob_vhu_be_attach(struct vob_vhu_be *be, int fd)
{
	struct timeval tv = { 1, 0 };

	if (be->sock >= 0)
		return VOB_EBUSY;
	/* A peer that stops halfway through a message, or stops reading our
	 * replies, cannot hang us: the receive or the reply times out and the
	 * connection is dropped. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	be->sock = fd;
	be->conns++;
	if (be_proxy(be, ~(uint64_t)0, 0))
		BLOG(be, "cannot start the bridging table");
	if (!vob_dev_offered(&be->pd, 0))
		BLOG(be, "no device published in the bridging table yet");
	return 0;
}

/* Make way for a socket at @a: nothing there, or a stale socket (one
 * nobody listens on: connect() is refused) removed. A live socket (another
 * back end) and anything that is not a socket are left alone: -1 with errno
 * EADDRINUSE or EEXIST (or why lstat() or connect() failed). */
static int be_clear_path(const struct sockaddr_un *a)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(a->sun_path, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)a, sizeof(*a));
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
		errno = EADDRINUSE; /* someone listens (and may have a full backlog) */
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		return -1;
	}
	return unlink(a->sun_path) && errno != ENOENT ? -1 : 0;
}

int vob_vhu_be_listen(struct vob_vhu_be *be, const char *path)
{
	struct sockaddr_un a;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return VOB_EIO;
	}
	strcpy(a.sun_path, path);
	if (be_clear_path(&a))
		return VOB_EIO;
	be->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (be->listen_fd < 0)
		return VOB_EIO;
	if (bind(be->listen_fd, (struct sockaddr *)&a, sizeof(a)) || listen(be->listen_fd, 1)) {
		vhu_close_fd(&be->listen_fd);
		return VOB_EIO;
	}
	return 0;
}

int vob_vhu_be_step(struct vob_vhu_be *be, int timeout_ms)
{
	struct pollfd p[2 + VOB_VHU_MAX_QUEUES];
	uint16_t qof[2 + VOB_VHU_MAX_QUEUES];
	unsigned n = 0, i, nkick;
	int busy;

	busy = be->cfg.poll(be->cfg.arg) > 0;
	if (be->sock >= 0) {
		p[n].fd = be->sock;
		p[n++].events = POLLIN;
		for (i = 0; i < be->cfg.num_queues; i++) {
			if (be->vr[i].kick < 0)
				continue;
			qof[n] = (uint16_t)i;
			p[n].fd = be->vr[i].kick;
			p[n++].events = POLLIN;
		}
	} else if (be->listen_fd >= 0) {
		p[n].fd = be->listen_fd;
		p[n++].events = POLLIN;
	}
	nkick = n;
	if (be->app_fd >= 0) {
		p[n].fd = be->app_fd; /* only wakes us: the application reads it */
		p[n++].events = POLLIN;
	}
	if (poll(p, n, busy ? 0 : timeout_ms) < 0 && errno != EINTR)
		return VOB_EIO;
	if (be->sock < 0) {
		int fd;

		if (be->listen_fd < 0 || !(p[0].revents & POLLIN))
			return 0;
		fd = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return 0;
		BLOG(be, "front end connected");
		(void)vob_vhu_be_attach(be, fd);
		return 1;
	}
	for (i = 1; i < nkick; i++) {
		/* Only eventfds are taken, which never hang up; should one
		 * report it anyway, it would do so at every poll and the step
		 * would never wait again. */
		if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			BLOG(be, "dropping the front end: kick fd of queue %u broken (poll 0x%x)",
			     (unsigned)qof[i], (unsigned)p[i].revents);
			be_disconnect(be);
			return 0;
		}
		if (!(p[i].revents & POLLIN))
			continue;
		vhu_drain(p[i].fd);
		vob_on_irq_isr(&be->link, VHU_QUEUE_DOORBELL(qof[i]));
		if (!be->running)
			be_try_start(be); /* a kick starts a complete ring */
	}
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		struct vob_vhu_msg m;
		const char *why = NULL;
		int rc = vob_vhu_recv(be->sock, &m, &why);

		if (rc == 0) {
			BLOG(be, "front end left");
			be_disconnect(be);
			return 0;
		}
		if (rc > 0 && vob_vhu_msg_check(&m, &why)) {
			vob_vhu_msg_close(&m);
			rc = VOB_EBADMSG;
		}
		if (rc > 0)
			rc = be_handle(be, &m, &why);
		if (rc < 0) {
			BLOG(be, "dropping the front end (request %u): %s", m.request,
			     why ? why : vob_strerror(rc));
			be_disconnect(be);
			return 0;
		}
		be_try_start(be);
	}
	/* Only while running: in discovery mode the proxy must not negotiate. */
	if (be->running && vob_dev_poll(&be->pd) > 0 &&
	    vob_dev_state(&be->pd) == VOB_DEV_NEEDS_RESET)
		be_needs_reset(be);
	return 1;
}

void vob_vhu_be_close(struct vob_vhu_be *be)
{
	be_disconnect(be);
	vhu_close_fd(&be->listen_fd);
	if (be->table_mem)
		munmap(be->table_mem, be->table_bytes);
	be->table_mem = NULL;
}

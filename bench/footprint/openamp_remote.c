/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program for OpenAMP (bench/footprint-peers): the remote (virtio
 * device role) of RPMsg over a remoteproc virtio device, with no remoteproc
 * core: a resource table with one RPMsg device and two vrings at fixed
 * addresses in a static shared window, one endpoint, every message echoed
 * from the endpoint's callback. The counterpart of vob's min_device: like
 * it, no tear-down (an error ends fw_main, and _start calls it again). */
#include <metal/io.h>
#include <openamp/remoteproc.h>
#include <openamp/remoteproc_virtio.h>
#include <openamp/rpmsg.h>
#include <openamp/rpmsg_virtio.h>

#include "peers_common.h"

#define QSIZE 16
#define VRING_ALIGN 16
#define VRING0_OFF 0x1000u
#define VRING1_OFF 0x2000u

/* The resource table the host reads and writes: one vdev, two vrings. */
struct fw_rsc {
	uint32_t ver;
	uint32_t num;
	uint32_t reserved[2];
	uint32_t offset[1];
	struct fw_rsc_vdev vdev;
	struct fw_rsc_vdev_vring vring[2];
} __attribute__((packed));

static struct fw_rsc rsc = {
	1, 1, { 0, 0 }, { offsetof(struct fw_rsc, vdev) },
	{ RSC_VDEV, VIRTIO_ID_RPMSG, 2, 1u << VIRTIO_RPMSG_F_NS, 0, 0, 0, 2, { 0, 0 } },
	{ { FW_WIN_ADDR + VRING0_OFF, VRING_ALIGN, QSIZE, 0, 0 },
	  { FW_WIN_ADDR + VRING1_OFF, VRING_ALIGN, QSIZE, 1, 0 } },
};

static const metal_phys_addr_t win_pa = FW_WIN_ADDR;
static metal_phys_addr_t rsc_pa;
static struct metal_io_region win_io;
static struct metal_io_region rsc_io;
static struct rpmsg_virtio_device rvdev;
static struct rpmsg_endpoint ept;

static int fw_notify(void *priv, uint32_t id)
{
	(void)priv;
	fw_ring(id);
	return 0;
}

static int fw_echo(struct rpmsg_endpoint *e, void *data, size_t len, uint32_t src, void *priv)
{
	(void)src;
	(void)priv;
	return rpmsg_send(e, data, (int)len) < 0 ? RPMSG_ERR_NO_BUFF : RPMSG_SUCCESS;
}

int fw_main(void)
{
	struct virtio_device *vdev;
	unsigned int i;

	rsc_pa = (metal_phys_addr_t)(uintptr_t)&rsc;
	metal_io_init(&win_io, (void *)(uintptr_t)FW_WIN_ADDR, &win_pa, FW_WIN_SIZE, (unsigned int)-1,
		      0, NULL);
	metal_io_init(&rsc_io, &rsc, &rsc_pa, sizeof(rsc), (unsigned int)-1, 0, NULL);
	vdev = rproc_virtio_create_vdev(VIRTIO_DEV_DEVICE, rsc.vdev.notifyid, &rsc.vdev, &rsc_io,
					NULL, fw_notify, NULL);
	if (!vdev)
		return -1;
	for (i = 0; i < 2; i++)
		if (rproc_virtio_init_vring(vdev, i, rsc.vring[i].notifyid,
					    (void *)(uintptr_t)rsc.vring[i].da, &win_io,
					    rsc.vring[i].num, rsc.vring[i].align))
			return -1;
	/* waits for the host's DRIVER_OK, then sets up both virtqueues */
	if (rpmsg_init_vdev(&rvdev, vdev, NULL, &win_io, NULL))
		return -1;
	/* announced to the host by name service */
	if (rpmsg_create_ept(&ept, rpmsg_virtio_get_rpmsg_device(&rvdev), "rpmsg-echo",
			     RPMSG_ADDR_ANY, RPMSG_ADDR_ANY, fw_echo, NULL))
		return -1;
	for (;;)
		if (fw_rung())
			(void)rproc_virtio_notified(vdev, RSC_NOTIFY_ID_ANY);
}

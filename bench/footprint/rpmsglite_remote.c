/* SPDX-License-Identifier: BSD-3-Clause */
/* Footprint program for RPMsg-Lite (bench/footprint-peers): the remote of
 * one link over the shared window, one endpoint announced through the name
 * service, every message echoed from the endpoint's callback. Built with
 * RL_USE_STATIC_API=1 (caller-owned contexts) and =0 (malloc). The
 * counterpart of vob's min_device and of openamp_remote.c (no tear-down). */
#include "rpmsg_lite.h"
#include "rpmsg_ns.h"

#include "peers_common.h"

#define FW_EPT_ADDR 30u

static struct rpmsg_lite_instance *rl;
static struct rpmsg_lite_endpoint *ept;
#if RL_USE_STATIC_API
static struct rpmsg_lite_instance rl_ctx;
static struct rpmsg_lite_ept_static_context ept_ctx;
#endif

static int32_t fw_echo(void *payload, uint32_t len, uint32_t src, void *priv)
{
	(void)priv;
	(void)rpmsg_lite_send(rl, ept, src, (char *)payload, len, RL_DONT_BLOCK);
	return RL_RELEASE;
}

int fw_main(void)
{
	int announced = 0;

#if RL_USE_STATIC_API
	rl = rpmsg_lite_remote_init((void *)(uintptr_t)FW_WIN_ADDR, 0, RL_NO_FLAGS, &rl_ctx);
	ept = rl ? rpmsg_lite_create_ept(rl, FW_EPT_ADDR, fw_echo, NULL, &ept_ctx) : NULL;
#else
	rl = rpmsg_lite_remote_init((void *)(uintptr_t)FW_WIN_ADDR, 0, RL_NO_FLAGS);
	ept = rl ? rpmsg_lite_create_ept(rl, FW_EPT_ADDR, fw_echo, NULL) : NULL;
#endif
	if (!ept)
		return -1;
	for (;;) {
		if (fw_rung()) {
			env_isr(RL_GET_VQ_ID(0u, 0u));
			env_isr(RL_GET_VQ_ID(0u, 1u));
		}
		/* the link comes up on the master's first kick: announce then */
		if (!announced && rpmsg_lite_is_link_up(rl)) {
			if (rpmsg_ns_announce(rl, ept, "rpmsg-echo", (uint32_t)RL_NS_CREATE) != RL_SUCCESS)
				return -1;
			announced = 1;
		}
	}
}

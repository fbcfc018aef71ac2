/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers both ends of the vhost-user port share. */
#ifndef VOB_VHU_INTERNAL_H
#define VOB_VHU_INTERNAL_H

#include "vob_vhost_user.h"

/* Memory regions and ring geometry come from the vhost-user peer and go
 * through the core's argument checks, which must stay errors (config.h). */
#if !VOB_CFG_ARG_CHECKS
#error "this port needs VOB_CFG_ARG_CHECKS=1"
#endif

/* Doorbell id of queue @q of slot 0 (docs/protocol.md, 7): the same as
 * vob_dev_queue_doorbell(), known before any device exists. */
#define VHU_QUEUE_DOORBELL(q) (2u + (uint32_t)(q))

/* Format one line and hand it to @log (nothing when NULL). */
void vhu_log(vob_vhu_log_fn log, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Signal an eventfd (nothing for -1); 0 or VOB_EIO. */
int vhu_signal(int fd);
/* Consume an eventfd's count. */
void vhu_drain(int fd);
/* Close *fd if open and set it to -1. */
void vhu_close_fd(int *fd);
/* Add a coherent read-write window at @base mapped at @ptr (through the
 * port's map_window, which returns *map_next). */
int vhu_add_window(struct vob_link *link, void **map_next, void *ptr, uint64_t base,
		   uint64_t size, uint8_t owner);

#endif

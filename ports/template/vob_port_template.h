/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vob_port_template.h
 * @brief A port with every operation stubbed: copy this folder to start
 *        your own (see README.md and docs/porting.md).
 *
 * @defgroup vob_tpl Template port
 * @{
 * Rename @c vob_tpl to your port's name, put your platform's
 * state in @ref vob_tpl_port, and fill in each operation in
 * vob_port_template.c following the contract written above it. As shipped,
 * the template compiles everywhere and refuses everything: map_window
 * refuses every range and ring_doorbell returns VOB_ENOSYS, so a link built
 * on it fails cleanly at vob_link_add_window().
 */
#ifndef VOB_PORT_TEMPLATE_H
#define VOB_PORT_TEMPLATE_H

#include <stdint.h>

#include "vob/link.h"
#include "vob/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The port's context: whatever the operations need, passed to each
 *        of them as @c ctx (the second argument of vob_link_init()).
 *
 * Keep every piece of platform state here rather than in globals, so that
 * two links (two peers, or a test joining two ends) can use the port in one
 * program.
 */
struct vob_tpl_port {
	/** The link interrupts are recorded on: set it after vob_link_init(),
	 *  before enabling the peer's interrupt. */
	struct vob_link *link;
};

/**
 * @brief The operations table: pass it with a @ref vob_tpl_port to
 *        vob_link_init(). Optional operations you do not provide must be
 *        NULL in it, not stubs (see vob_port_template.c).
 */
extern const struct vob_port_ops vob_tpl_ops;

/**
 * @brief The interrupt entry: call it from the handler of the interrupt
 *        the peer's doorbell raises.
 *
 * Interrupt context. It acknowledges the interrupt source (your code),
 * works out which doorbell id fired, and calls vob_on_irq_isr(); nothing
 * else. Processing happens later in the application's loop or task.
 * @param port the port.
 * @param id the doorbell id the peer rang (from a status register, or fixed
 *        per interrupt line).
 */
void vob_tpl_irq_isr(struct vob_tpl_port *port, uint32_t id);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_PORT_TEMPLATE_H */

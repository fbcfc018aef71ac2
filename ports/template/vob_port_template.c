/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The template port: every operation of struct vob_port_ops, stubbed, with
 * the contract it must keep written above it. Copy the folder, rename, and
 * replace each body. The contracts are those of include/vob/port.h, spelled
 * out for someone writing a port; when in doubt, port.h wins.
 *
 * General rules for every operation:
 *  - ctx is the pointer given to vob_link_init(); it is the only state an
 *    operation may use (no globals: two links in one program must work).
 *  - No operation calls back into vob, except that the DMA completion is
 *    reported with vob_dma_complete_isr() and interrupts with
 *    vob_on_irq_isr(), both of which may be called from any context.
 *  - Operations return 0 or a negative VOB_E* value (vob/err.h), never an
 *    errno and never a positive "error".
 *  - Freestanding: if the port is for firmware, use nothing from libc but
 *    memcpy, memset, memmove and memcmp.
 */
#include "vob_port_template.h"

#include "vob/err.h"

/*
 * map_window (required) — turn link addresses into a local pointer.
 *
 * When: vob_link_add_window(), once per window, at set-up; never on the
 * data path, never from interrupt context. It may block (open a file, map a
 * BAR, program an address translation unit).
 *
 * Must: return a pointer p such that p[0 .. len) is this CPU's view of link
 * addresses [link_addr, link_addr + len), readable when access has
 * VOB_MAP_READ and writable when it has VOB_MAP_WRITE. The pointer stays
 * valid until the window is removed (vob_link_clear_windows()) or the link
 * is no longer used. Return NULL to refuse a range the platform cannot
 * reach: vob reports VOB_EFAULT then. vob never asks for a range wider than
 * the window it is adding; the window's kind (coherent, uncached, cached)
 * is the application's statement about this mapping, and the port must
 * make it true (for example by mapping uncached when it says UNCACHED).
 *
 * Stub: refuses everything.
 */
static void *tpl_map_window(void *ctx, uint64_t link_addr, size_t len, unsigned access)
{
	(void)ctx;
	(void)link_addr;
	(void)len;
	(void)access;
	return NULL;
}

/*
 * ring_doorbell (required) — tell the peer that doorbell id has work.
 *
 * When: from the application's context whenever vob decides the peer needs
 * a notification (a queue kick, a used-buffer interrupt, a device-table
 * request or acknowledgement). Not from interrupt context unless the
 * application calls vob from there. Often on the data path: keep it short
 * and never block for long.
 *
 * Ordering: every store vob made to shared memory before this call must be
 * visible to the peer before the peer can see the doorbell. vob issues
 * VOB_DOORBELL_MB (a full fence) before calling; if the doorbell is an MMIO
 * write that can still overtake those stores on your interconnect (Device
 * memory in another shareability domain, a posted write through a
 * different path), add the barrier it needs here (on Arm, DSB before the
 * register write). Spurious doorbells are harmless; a lost one stalls the
 * peer until it polls.
 *
 * id: a doorbell id below VOB_MAX_DOORBELLS (the device table assigns them:
 * 0 for the table itself, then per device and queue). data: the virtio
 * notification payload (the queue index, or the NOTIFICATION_DATA word);
 * a doorbell that carries no data ignores it. If the link has no doorbell
 * for id (the peer polls), return 0: that is not an error.
 *
 * Returns 0, or a negative error. Only the queue paths pass it back
 * (vob_vq_notify(), vob_vq_kick()); the device table's doorbells (from
 * vob_dev_poll(), the status and config calls, vob_table_init() and
 * vob_table_shutdown()) ignore it, so a table doorbell that fails is lost
 * and the peer sees the change only when it polls. Count failures here if
 * you need to know.
 *
 * Stub: no doorbell hardware.
 */
static int tpl_ring_doorbell(void *ctx, uint32_t id, uint32_t data)
{
	(void)ctx;
	(void)id;
	(void)data;
	return VOB_ENOSYS;
}

/*
 * cache_clean (optional; required for VOB_MEM_CACHED windows) — write back
 * dirty lines covering [p, p + n).
 *
 * When: from the context vob is called in, after vob wrote shared memory in
 * a cached window and before it publishes it (ring entries, indices, table
 * areas, buffers copied by vob_chain_push()).
 *
 * Must: when it returns, the data has reached the memory the peer reads
 * (on Arm: DC CVAC over every line, then DSB). Round p down and p + n up to
 * the data-cache line: vob aligns what it shares to the link's line size,
 * which is at least the hardware line when configured right, so rounding
 * never touches another side's data. Must not block.
 *
 * Without cached windows leave it NULL in the ops table: vob then refuses
 * cached windows with VOB_ENOSYS instead of silently skipping maintenance.
 */
static void tpl_cache_clean(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
}

/*
 * cache_invalidate (optional; required for VOB_MEM_CACHED windows) —
 * discard cached copies of [p, p + n).
 *
 * When: before vob reads what the peer wrote in a cached window.
 *
 * Must: after it returns, the next read of the range fetches from memory
 * (on Arm: DC IVAC, or DC CIVAC, over every line, then DSB). vob never asks
 * for a range holding data this side wrote and has not cleaned, so a pure
 * invalidate loses nothing. Must not block.
 */
static void tpl_cache_invalidate(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
}

/*
 * dma_copy (optional) — start a copy of n bytes with a DMA engine.
 *
 * When: from vob_chain_pullv() / vob_chain_pushv() with a transfer object,
 * for copies of at least VOB_DMA_MIN_BYTES.
 *
 * Must: return 0 when the transfer was queued and then call
 * vob_dma_complete_isr(cookie, status) exactly once when it is done, from
 * any context (usually the DMA interrupt). Return VOB_EBUSY or VOB_ENOSPC
 * to make vob copy with the CPU instead; any other error fails the copy.
 * Completions of one cookie must not overlap (vob counts them with a plain
 * read-modify-write). The port does the cache maintenance its DMA engine
 * needs: into a VOB_MEM_CACHED window vob passes whole cache lines of the
 * link, and a non-coherent engine's port invalidates [dst, dst + n) before
 * reporting completion; local sources are cleaned before the transfer,
 * local destinations invalidated after (see dma_copy in vob/port.h).
 *
 * Stub: always busy, so vob copies with the CPU. (A port without DMA
 * leaves the op NULL instead.)
 */
static int tpl_dma_copy(void *ctx, void *dst, const void *src, size_t n, void *cookie)
{
	(void)ctx;
	(void)dst;
	(void)src;
	(void)n;
	(void)cookie;
	return VOB_EBUSY;
}

/*
 * clock_ns (optional) — a monotonic clock in nanoseconds.
 *
 * When: for time-outs (device-table requests, the epoch seed); from the
 * application's context. Must never go backwards; wrapping after 2^64 ns is
 * fine. The resolution may be coarse (a tick counter times its period).
 * Without it vob counts time in calls.
 */
static uint64_t tpl_clock_ns(void *ctx)
{
	(void)ctx;
	return 0;
}

/*
 * The table. version says which struct vob_port_ops this port was written
 * against, so that operations appended later read as NULL. Set optional
 * operations you do not implement to NULL (delete the stubs): vob checks
 * at vob_link_add_window() that a cached window has both cache operations,
 * and a stub that does nothing would turn that check into silent
 * corruption on a real non-coherent link. The template lists them all so
 * the table shows every slot.
 */
const struct vob_port_ops vob_tpl_ops = {
	.version = VOB_PORT_OPS_VERSION,
	.map_window = tpl_map_window,
	.ring_doorbell = tpl_ring_doorbell,
	.cache_clean = tpl_cache_clean,
	.cache_invalidate = tpl_cache_invalidate,
	.dma_copy = tpl_dma_copy,
	.clock_ns = tpl_clock_ns,
};

/*
 * The interrupt entry. Interrupt context: acknowledge the interrupt source
 * first (so a doorbell arriving after the acknowledgement raises it again
 * and none is lost), then record the id. vob_on_irq_isr() only sets a flag;
 * the application's loop picks it up with vob_link_irq_take() /
 * vob_link_irq_next() and calls vob_dev_poll() and the queue functions.
 * No callback runs here.
 */
void vob_tpl_irq_isr(struct vob_tpl_port *port, uint32_t id)
{
	if (!port->link)
		return; /* interrupt before set-up: nothing to record it on */
	vob_on_irq_isr(port->link, id);
}

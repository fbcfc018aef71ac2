/* SPDX-License-Identifier: BSD-3-Clause */
/* The template port keeps compiling and keeps its promise: a link accepts
 * its ops table, and the stubs refuse cleanly (no window, no doorbell)
 * while the interrupt entry records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vob/err.h"
#include "vob_port_template.h"

static void test_template_stubs(void **state)
{
	struct vob_tpl_port port;
	struct vob_link link;
	struct vob_window_cfg w = { 0x1000, 4096, VOB_MEM_CACHED, VOB_WIN_LOCAL,
				    VOB_MAP_READ | VOB_MAP_WRITE };

	(void)state;
	memset(&port, 0, sizeof(port));
	vob_tpl_irq_isr(&port, 1); /* before set-up: ignored, no crash */
	assert_int_equal(vob_link_init(&link, &vob_tpl_ops, &port, 64), 0);
	port.link = &link;
	/* every op is present, so a cached window passes the op check and
	 * reaches map_window, which refuses it */
	assert_int_equal(vob_link_add_window(&link, &w), VOB_EFAULT);
	assert_int_equal(vob_link_doorbell(&link, 2, 0), VOB_ENOSYS);
	assert_int_equal(vob_tpl_ops.dma_copy(&port, NULL, NULL, 0, NULL), VOB_EBUSY);
	vob_tpl_irq_isr(&port, 5);
	assert_true(vob_link_irq_take(&link, 5));
	assert_false(vob_link_irq_take(&link, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_stubs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

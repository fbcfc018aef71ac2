/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration the fuzz targets build the core with: a broken caller
 * contract traps, so the harness itself is checked too. */
#ifndef VOB_FUZZ_CONFIG_H
#define VOB_FUZZ_CONFIG_H

#define VOB_ASSERT(cond) ((cond) ? (void)0 : __builtin_trap())

#endif

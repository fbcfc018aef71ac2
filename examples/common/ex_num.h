/* SPDX-License-Identifier: BSD-3-Clause */
/* Number options of the example programs, checked whole: no trailing
 * garbage, no sign, no overflow, inside a range. Hosted C (strtoull/strtod):
 * the Linux programs and the loopback example, not the firmware. */
#ifndef VOB_EX_NUM_H
#define VOB_EX_NUM_H

#include <stdint.h>

/* @s as an unsigned integer (decimal, 0x hex or 0 octal) in [@min, @max]
 * into *@out: 0, or -1 (and *@out untouched) when @s is NULL, empty, not a
 * whole number, or out of range. */
int ex_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* @s as a finite decimal number in [@min, @max] into *@out: 0, or -1 as
 * ex_parse_u64(). */
int ex_parse_double(const char *s, double min, double max, double *out);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* The firmware has no C library: this is the whole of <string.h> that the
 * core, the bare-metal port and the firmware use (pc.c defines them). It
 * also keeps the build off the host's libc headers, which a -m32 build
 * cannot use without the 32-bit libc development package. */
#ifndef VOB_FW_STRING_H
#define VOB_FW_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif

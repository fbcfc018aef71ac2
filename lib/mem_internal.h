/* SPDX-License-Identifier: BSD-3-Clause */
/* The four memory functions the core may use. The builtins inline small
 * fixed-size copies and otherwise call memcpy/memset/memmove/memcmp, which
 * every C toolchain provides even where there is no <string.h>. */
#ifndef VOB_MEM_INTERNAL_H
#define VOB_MEM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define vob_memcpy __builtin_memcpy
#define vob_memset __builtin_memset
#define vob_memmove __builtin_memmove
#define vob_memcmp __builtin_memcmp

/* Pointer arithmetic in bytes, returning void * so that the caller's typed
 * view states the alignment it relies on. */
static inline void *vob_ptr_add(void *p, size_t off)
{
	return (uint8_t *)p + off;
}

#endif

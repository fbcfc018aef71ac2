/* SPDX-License-Identifier: BSD-3-Clause */
/* What every board of the firmware example shares below firmware.c: the
 * console printf and the two memory functions that need nothing of the
 * CPU (each board brings its own memcpy and memset). */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "board.h"

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* ---- console ---- */

static void fw_put_num(uint64_t v, unsigned base, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;

	do {
		unsigned d = (unsigned)(v % base);

		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (width > n) {
		board_putc(pad);
		width--;
	}
	while (n)
		board_putc(buf[--n]);
}

void fw_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		unsigned width = 0, longs = 0;
		char pad = ' ';

		if (*fmt != '%') {
			board_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10u + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s)
				board_putc(*s++);
			break;
		}
		case 'c':
			board_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int v = va_arg(ap, int);

			if (v < 0) {
				board_putc('-');
				fw_put_num((uint64_t)-(int64_t)v, 10, width, pad);
			} else {
				fw_put_num((uint64_t)v, 10, width, pad);
			}
			break;
		}
		case 'u':
		case 'x':
			fw_put_num(longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t),
				   *fmt == 'u' ? 10u : 16u, width, pad);
			break;
		case '%':
			board_putc('%');
			break;
		default:
			board_putc('?');
			if (!*fmt)
				fmt--;
			break;
		}
	}
	va_end(ap);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The firmware's command-line words (board.h), apart from everything else
 * so that the host tests can build it (tests/ports/test_fw_cmdline.c). */
#include <stddef.h>

#include "board.h"

const char *fw_word(const char *line, const char *key)
{
	const char *s;
	size_t n = 0;

	while (key[n])
		n++;
	for (s = line; *s; s++) {
		size_t i = 0;

		/* Only where a word starts: at the start of the line or after a
		 * space (never reading before the line). */
		if (s != line && s[-1] != ' ')
			continue;
		while (i < n && s[i] == key[i])
			i++;
		if (i == n)
			return s + n;
	}
	return NULL;
}

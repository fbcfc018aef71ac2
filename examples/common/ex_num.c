/* SPDX-License-Identifier: BSD-3-Clause */
#include "ex_num.h"

#include <errno.h>
#include <stdlib.h>

int ex_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull would take leading blanks and a '-' (and negate). */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ex_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* The range test also refuses NaN. */
	if (*end || errno || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

// SPDX-License-Identifier: BSD-3-Clause
// The public headers from C++: this unit links only if every declaration it
// uses has C linkage (extern "C" in the headers).
#include <cstring>

#include "vob/vob.h"

extern "C" int consumer_cxx(void);

int consumer_cxx(void)
{
	struct vob_link link;
	struct vob_port_ops ops = {};

	if (std::strcmp(vob_strerror(VOB_EINVAL), "invalid argument") != 0)
		return 1;
	if (vob_link_init(&link, &ops, nullptr, 0) != VOB_ENOTSUP)
		return 2;
	return 0;
}

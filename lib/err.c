/* SPDX-License-Identifier: BSD-3-Clause */
#include "vob/config.h"
#include "vob/err.h"

const char *vob_strerror(int err)
{
#if !VOB_CFG_STRINGS
	return err ? "error" : "success";
#else
	switch (err) {
	case VOB_OK: return "success";
	case VOB_EPERM: return "operation not permitted in this state";
	case VOB_ENOENT: return "no such object";
	case VOB_EIO: return "object is broken and needs a reset";
	case VOB_E2BIG: return "too many entries";
	case VOB_EAGAIN: return "nothing to do now, try again";
	case VOB_ENOMEM: return "memory given is too small";
	case VOB_EFAULT: return "address outside every window";
	case VOB_EBUSY: return "busy";
	case VOB_EEXIST: return "already exists";
	case VOB_ENODEV: return "no such device";
	case VOB_EINVAL: return "invalid argument";
	case VOB_ENOSPC: return "queue full";
	case VOB_ERANGE: return "value out of range";
	case VOB_ENOSYS: return "port does not provide this operation";
	case VOB_ELOOP: return "descriptor chain loops";
	case VOB_ENODATA: return "no data available";
	case VOB_ETIME: return "deadline passed";
	case VOB_EPROTO: return "peer broke the protocol";
	case VOB_EBADMSG: return "malformed message from the peer";
	case VOB_EOVERFLOW: return "length overflow";
	case VOB_EMSGSIZE: return "buffer too small";
	case VOB_EPROTONOSUPPORT: return "protocol version not supported";
	case VOB_ENOTSUP: return "feature not supported";
	case VOB_ECONNRESET: return "peer reset or restarted";
	case VOB_ETIMEDOUT: return "peer timed out";
	case VOB_ECANCELED: return "cancelled by a reset";
	default: return "unknown error";
	}
#endif
}

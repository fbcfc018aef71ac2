/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file err.h
 * @brief The one error space of vob.
 *
 * @defgroup vob_err Errors
 * @{
 * Every vob function that can fail returns an @c int: zero or a positive
 * count on success, one of these negative values on failure. The numbers are
 * Linux's errno numbers, written as literals (vob never includes errno.h), so
 * a Linux caller can print them with strerror(-err) too.
 */
#ifndef VOB_ERR_H
#define VOB_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Error codes, negative, Linux-numbered. */
enum vob_err {
	VOB_OK = 0,                /**< success */
	VOB_EPERM = -1,            /**< operation not allowed in this state or role */
	VOB_ENOENT = -2,           /**< no such object (device slot, window) */
	VOB_EIO = -5,              /**< the object is broken; reset it */
	VOB_E2BIG = -7,            /**< more entries than the object can hold */
	VOB_EAGAIN = -11,          /**< nothing to do now; try again later */
	VOB_ENOMEM = -12,          /**< the memory the caller gave is too small */
	VOB_EFAULT = -14,          /**< an address is outside every window */
	VOB_EBUSY = -16,           /**< busy: an operation is in progress */
	VOB_EEXIST = -17,          /**< already exists (overlapping window) */
	VOB_ENODEV = -19,          /**< no such device */
	VOB_EINVAL = -22,          /**< invalid argument */
	VOB_ENOSPC = -28,          /**< the queue is full */
	VOB_ERANGE = -34,          /**< a value is out of its range */
	VOB_ENOSYS = -38,          /**< the port does not provide this op */
	VOB_ELOOP = -40,           /**< a descriptor chain loops */
	VOB_ENODATA = -61,         /**< no data available */
	VOB_ETIME = -62,           /**< a deadline passed */
	VOB_EPROTO = -71,          /**< the peer broke the protocol */
	VOB_EBADMSG = -74,         /**< a malformed message from the peer */
	VOB_EOVERFLOW = -75,       /**< a length or sum overflows */
	VOB_EMSGSIZE = -90,        /**< the caller's buffer is too small for it */
	VOB_EPROTONOSUPPORT = -93, /**< protocol version or magic not supported */
	VOB_ENOTSUP = -95,         /**< feature not supported */
	VOB_ECONNRESET = -104,     /**< the peer reset or restarted */
	VOB_ETIMEDOUT = -110,      /**< the peer did not answer in time */
	VOB_ECANCELED = -125       /**< the operation was cancelled by a reset */
};

/**
 * @brief A short English description of an error code.
 * @param err a value from @ref vob_err (or any other int).
 * @return a static string; never NULL (unknown codes give "unknown error").
 * May be called from any context.
 */
const char *vob_strerror(int err);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* VOB_ERR_H */

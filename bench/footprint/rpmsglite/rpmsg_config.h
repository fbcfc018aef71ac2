/* SPDX-License-Identifier: BSD-3-Clause */
/* RPMsg-Lite's application configuration for the footprint program
 * (bench/footprint-peers): every option at RPMsg-Lite's default, except
 * RL_USE_STATIC_API, which the script sets on the command line. */
#ifndef RPMSG_CONFIG_H_
#define RPMSG_CONFIG_H_
#endif

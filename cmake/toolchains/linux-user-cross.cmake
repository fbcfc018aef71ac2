# SPDX-License-Identifier: BSD-3-Clause
# Shared part of the Linux cross toolchains whose tests run under qemu-user
# (s390x-linux-gnu.cmake, i686-linux-gnu.cmake): the including file sets
# CMAKE_SYSTEM_PROCESSOR, VOB_CROSS_TRIPLE (Debian's cross compiler prefix)
# and VOB_QEMU_USER (the qemu-user program names to look for).

set(CMAKE_SYSTEM_NAME Linux)

set(CMAKE_C_COMPILER ${VOB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${VOB_CROSS_TRIPLE}-g++)

# Libraries and headers come from the multiarch directories
# (/usr/lib/<multiarch>, /usr/include), which Debian's cross gcc searches by
# default; pkg-config must read the target's .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${VOB_MULTIARCH}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs every test binary through qemu-user. The emulated program must
# load the multiarch runtime (libc6:<arch>, pulled in by libcmocka-dev:<arch>):
# its loader and /lib/<multiarch>/libc.so.6 are one glibc build and libcmocka
# is found next to them. Do NOT pass -L /usr/<triple>: that takes the loader
# from libc6-<arch>-cross, while the loader still finds the multiarch
# libc.so.6 through the host's /etc/ld.so.cache; Debian 12 ships the two at
# different revisions and every program then dies at start-up with "stack
# smashing detected".
find_program(VOB_QEMU_USER_BIN NAMES ${VOB_QEMU_USER} REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${VOB_QEMU_USER_BIN} -L /)

set(CMAKE_FIND_ROOT_PATH /usr/${VOB_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

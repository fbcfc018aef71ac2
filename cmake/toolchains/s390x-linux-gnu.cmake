# SPDX-License-Identifier: BSD-3-Clause
# Cross build for s390x (64-bit big-endian) with Debian's gcc-s390x-linux-gnu,
# run under qemu-user. Needs: gcc-s390x-linux-gnu, qemu-user-static and the
# multiarch libcmocka-dev:s390x (scripts/install-deps installs all three).
#
#   cmake -S . -B build-s390x \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake \
#     -DVOB_BUILD_PORTS=OFF -DVOB_BUILD_SHARED=OFF
#   cmake --build build-s390x && ctest --test-dir build-s390x

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(VOB_CROSS_TRIPLE s390x-linux-gnu)

set(CMAKE_C_COMPILER ${VOB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${VOB_CROSS_TRIPLE}-g++)

# Libraries and headers come from the multiarch directories
# (/usr/lib/s390x-linux-gnu, /usr/include), which Debian's cross gcc searches
# by default; pkg-config must read the s390x .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${VOB_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs every test binary through qemu-user. The emulated program must
# load the multiarch runtime (libc6:s390x, pulled in by libcmocka-dev:s390x):
# its /lib/ld64.so.1 and /lib/s390x-linux-gnu/libc.so.6 are one glibc build
# and libcmocka is found next to them. Do NOT pass -L /usr/s390x-linux-gnu:
# that takes the loader from libc6-s390x-cross, while the loader still finds
# the multiarch libc.so.6 through the host's /etc/ld.so.cache; Debian 12 ships
# the two at different revisions and every program then dies at start-up with
# "stack smashing detected".
find_program(VOB_QEMU_S390X NAMES qemu-s390x-static qemu-s390x REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${VOB_QEMU_S390X} -L /)

set(CMAKE_FIND_ROOT_PATH /usr/${VOB_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

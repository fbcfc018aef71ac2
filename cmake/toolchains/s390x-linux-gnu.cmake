# SPDX-License-Identifier: BSD-3-Clause
# Cross build for s390x (64-bit big-endian) with Debian's gcc-s390x-linux-gnu,
# run under qemu-user. Needs: gcc-s390x-linux-gnu, qemu-user-static and the
# multiarch libcmocka-dev:s390x (scripts/install-deps installs all three).
#
#   cmake -S . -B build-s390x \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake \
#     -DVOB_BUILD_PORTS=OFF -DVOB_BUILD_SHARED=OFF
#   cmake --build build-s390x && ctest --test-dir build-s390x

set(CMAKE_SYSTEM_PROCESSOR s390x)
set(VOB_CROSS_TRIPLE s390x-linux-gnu)
set(VOB_MULTIARCH s390x-linux-gnu)
set(VOB_QEMU_USER qemu-s390x-static qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/linux-user-cross.cmake)

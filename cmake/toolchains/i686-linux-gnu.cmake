# SPDX-License-Identifier: BSD-3-Clause
# Cross build for 32-bit x86 Linux (i686) with Debian's gcc-i686-linux-gnu,
# run under qemu-user: 32-bit pointers, and uint64_t aligned to 4 bytes only
# inside structures (the i386 ABI; Nios II and MicroBlaze do the same).
# Needs: gcc-i686-linux-gnu, libc6-dev-i386-cross, qemu-user-static and the
# multiarch libcmocka-dev:i386 (scripts/install-deps installs them).
#
#   cmake -S . -B build-i686 \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i686-linux-gnu.cmake \
#     -DVOB_BUILD_SHARED=OFF
#   cmake --build build-i686 && ctest --test-dir build-i686

set(CMAKE_SYSTEM_PROCESSOR i686)
set(VOB_CROSS_TRIPLE i686-linux-gnu)
set(VOB_MULTIARCH i386-linux-gnu)
set(VOB_QEMU_USER qemu-i386-static qemu-i386)
include(${CMAKE_CURRENT_LIST_DIR}/linux-user-cross.cmake)

# SPDX-License-Identifier: BSD-3-Clause
# Freestanding 32-bit x86 for the multiboot firmware example
# (examples/firmware): Debian's own gcc with -m32 (the gcc-multilib package
# brings the 32-bit libgcc the 64-bit divisions of the core need). No libc,
# no start files; the firmware brings its own entry point and memory
# functions.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_C_FLAGS_INIT "-m32 -march=i686 -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-m32")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--gc-sections -Wl,--no-warn-rwx-segments")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

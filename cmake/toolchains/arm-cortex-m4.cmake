# SPDX-License-Identifier: BSD-3-Clause
# Freestanding Cortex-M4 (Thumb-2, soft-float ABI) with Debian's
# arm-none-eabi-gcc, for the firmware example on the MPS2 AN386
# (examples/firmware). No libc, no start files: the firmware brings its own
# vector table, start-up and memory functions; libgcc gives the 64-bit
# divisions.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -ffreestanding -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-mcpu=cortex-m4 -mthumb")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -nostdlib -static -Wl,--build-id=none -Wl,--gc-sections -Wl,--no-warn-rwx-segments")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

/* SPDX-License-Identifier: BSD-3-Clause */
/* Multiboot (version 1) entry of the vob firmware example. The loader
 * (QEMU's -kernel) enters _start in 32-bit protected mode with flat
 * segments, paging off, interrupts off, EAX = the multiboot magic and
 * EBX = the physical address of the multiboot information. */
	.set MB_MAGIC, 0x1badb002
	.set MB_FLAGS, 0x00000003 /* page-align modules, give the memory map */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .bss
	.balign 16
fw_stack:
	.skip 32768
fw_stack_top:

	.section .text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov %eax, %esi /* keep the magic and the info pointer over the clear */
	mov %ebx, %edx
	/* Zero .bss (the stack is in it: nothing is on it yet). */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $fw_stack_top, %esp
	push %edx
	push %esi
	call fw_main
1:	cli
	hlt
	jmp 1b
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits

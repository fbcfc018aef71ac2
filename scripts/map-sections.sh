# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Reading a GNU ld link map (-Wl,-Map): which input sections the link kept,
# from which objects. Sourced by scripts/footprint and bench/footprint-peers
# so that vob and the libraries it is compared with are counted by one rule.
#
#   lib_sections MAP [FOLDER]   "section bytes object", one line per allocated
#                               input section kept from an object FOLDER/x.o
#                               (FOLDER defaults to lib); object names are
#                               lower case letters and underscores
#   sum_flash                   on stdin: bytes of text + rodata + data
#   sum_bss                     on stdin: bytes of bss

# lib_sections <map> [folder]: "section size object" of every input section
# the link kept from objects in a folder named lib (or the folder given:
# scripts/footprint's port, the peers' openamp, libmetal ...).
lib_sections() {
	awk -v dir="${2:-lib}" '
		function hex(h,   i, v) {
			v = 0
			h = tolower(substr(h, 3))
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		/^Linker script and memory map/ { on = 1; next }
		!on { next }
		# an input section: " .name addr size file", or its name alone on
		# one line and "addr size file" on the next
		/^ \.[^ ]+$/ { pend = $1; next }
		{
			if (pend != "" && $1 ~ /^0x/ && NF == 3) { name = pend; addr = $1; size = $2; file = $3 }
			else if ($1 ~ /^\./ && $2 ~ /^0x/ && NF == 4) { name = $1; size = $3; file = $4 }
			else { pend = ""; next }
			pend = ""
			# allocated sections only (not .comment, attributes, debug)
			if (file ~ ("/" dir "/[a-z_]+\\.o$") && hex(size) > 0 &&
			    name ~ /^\.(text|rodata|srodata|data|sdata|bss|sbss|ARM\.exidx)/) {
				n = split(file, p, "/")
				print name, hex(size), p[n]
			}
		}' "$1"
}

sum_flash() { awk '$1 !~ /^\.(bss|sbss)/ { s += $2 } END { print s + 0 }'; }
sum_bss() { awk '$1 ~ /^\.(bss|sbss|COMMON)/ { s += $2 } END { print s + 0 }'; }

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every public header compiles on its own, twice in a row (include guard),
# as C99 with gcc and clang and as C++11 with g++ and clang++; and, given a
# built libvob.a, every library function a public header declares links from
# C++ (so its declaration has C linkage).
#
#   tests/headers/check.sh [work-dir] [path/to/libvob.a]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${1:-$root/build-ci/headers}
lib=${2:-}
mkdir -p "$work"

cflags=(-std=c99 -Wall -Wextra -Wpedantic -Werror -I"$root/include")
cxxflags=(-std=c++11 -Wall -Wextra -Wpedantic -Werror -I"$root/include")
ccs=(gcc)
cxxs=(g++)
command -v clang >/dev/null && ccs+=(clang)
command -v clang++ >/dev/null && cxxs+=(clang++)

fail=0
n=0
for h in "$root"/include/vob/*.h; do
	name=$(basename "$h" .h)
	# A declaration after the includes keeps the unit non-empty for
	# headers that hold only macros (ISO C forbids an empty unit).
	printf '#include "vob/%s.h"\n#include "vob/%s.h"\ntypedef int vob_header_check_%s;\n' \
		"$name" "$name" "$name" >"$work/h_$name.c"
	printf '#include "vob/%s.h"\n#include "vob/%s.h"\ntypedef int vob_header_check_%s;\n' \
		"$name" "$name" "$name" >"$work/h_$name.cpp"
	for cc in "${ccs[@]}"; do
		if ! "$cc" "${cflags[@]}" -c "$work/h_$name.c" -o "$work/h_$name.$cc.o"; then
			echo "FAIL: vob/$name.h as C99 with $cc" >&2
			fail=1
		fi
	done
	for cxx in "${cxxs[@]}"; do
		if ! "$cxx" "${cxxflags[@]}" -c "$work/h_$name.cpp" -o "$work/h_$name.$cxx.o"; then
			echo "FAIL: vob/$name.h as C++11 with $cxx" >&2
			fail=1
		fi
	done
	n=$((n + 1))
done
echo "headers: $n public headers compiled alone as C99 (${ccs[*]}) and C++11 (${cxxs[*]})"

if [[ -n $lib ]]; then
	# The functions the library defines whose names a public header mentions.
	mapfile -t funcs < <(comm -12 \
		<(nm --defined-only -g "$lib" 2>/dev/null | awk '$2 == "T" { print $3 }' | sort -u) \
		<(grep -ohw 'vob_[a-z0-9_]*' "$root"/include/vob/*.h | sort -u))
	if [[ ${#funcs[@]} -eq 0 ]]; then
		echo "FAIL: no public function found in $lib" >&2
		exit 1
	fi
	{
		for h in "$root"/include/vob/*.h; do
			echo "#include \"vob/$(basename "$h")\""
		done
		echo 'typedef void (*vob_any_fn)(void);'
		echo 'static vob_any_fn const vob_all_fns[] = {'
		for f in "${funcs[@]}"; do
			echo "	reinterpret_cast<vob_any_fn>(&$f),"
		done
		echo '};'
		echo 'int main() {'
		echo '	unsigned n = 0;'
		echo '	for (unsigned i = 0; i < sizeof(vob_all_fns) / sizeof(vob_all_fns[0]); i++)'
		echo '		n += vob_all_fns[i] != 0;'
		echo "	return n == ${#funcs[@]} ? 0 : 1;"
		echo '}'
	} >"$work/link_all.cpp"
	if g++ "${cxxflags[@]}" "$work/link_all.cpp" "$lib" -o "$work/link_all" &&
		"$work/link_all"; then
		echo "headers: ${#funcs[@]} public functions link from C++ (extern \"C\")"
	else
		echo "FAIL: public functions do not link from C++ (missing extern \"C\"?)" >&2
		fail=1
	fi
fi
exit $fail

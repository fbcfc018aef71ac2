#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run-smoke.sh <build-dir> <seconds>
#
# Configures <build-dir> with clang and the fuzz targets (tests, ports and
# examples off), builds them, runs their regression tests (ctest -L fuzz: every
# file of regress/<target>/ and corpus/<target>/ once), then fuzzes each
# target for <seconds> (libFuzzer seed VOB_FUZZ_SEED, default 1, so a CI
# failure replays), two at a time, each starting from a copy of its seed
# corpus inside the build directory (the source tree is never written).
# Prints libFuzzer's final statistics and coverage line for each target;
# exits non-zero if the regression tests fail or a target crashes (the
# crashing input and the log stay in <build-dir>/fuzz-work/<target>/).
# <seconds> 0: the regression tests only.
#
# Environment:
#   TARGETS        targets to fuzz (default: every fuzz_*.c next to this script)
#   ARG_CHECKS     0: build the core and harnesses with VOB_CFG_ARG_CHECKS 0
#                  (VOB_FUZZ_ARG_CHECKS=OFF), the caller checks being asserts
#                  that trap, to show no peer value reaches one; the default
#                  targets then leave out fuzz_vhost_user_be (its port refuses
#                  that setting). Default 1; a build directory of its own
#                  saves rebuilding everything when switching.
#   PARALLEL       targets fuzzed at once (default 2)
#   CC             compiler (default clang); JOBS: build parallelism (default 2)
#   FUZZ_FLAGS     extra libFuzzer flags
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 <build-dir> <seconds>" >&2
	exit 2
fi
build=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
case ${ARG_CHECKS:-1} in
0)
	checks=OFF
	skip='^fuzz_(common|vhost_user_be)$'
	;;
1)
	checks=ON
	skip='^fuzz_common$'
	;;
*)
	echo "ARG_CHECKS must be 0 or 1" >&2
	exit 2
	;;
esac
if [ -z "${TARGETS:-}" ]; then
	TARGETS=$(cd "$here" && for f in fuzz_*.c; do echo "${f%.c}"; done | grep -Ev "$skip")
fi
status=0

cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" -DVOB_BUILD_FUZZERS=ON \
	-DVOB_FUZZ_ARG_CHECKS=$checks \
	-DVOB_BUILD_TESTS=OFF -DVOB_BUILD_PORTS=OFF -DVOB_BUILD_EXAMPLES=OFF >/dev/null || exit 1
# shellcheck disable=SC2086
cmake --build "$build" --parallel "${JOBS:-2}" --target $TARGETS || exit 1
build=$(cd "$build" && pwd)
fdir=$build/tests/fuzz

echo "== regression inputs (ctest -L fuzz, the targets built)"
regex=$(for t in $TARGETS; do printf '%s_regress|' "$t"; done)
if ! ctest --test-dir "$build" -L fuzz -R "^(${regex%|})\$" --output-on-failure; then
	echo "!! regression tests failed"
	status=1
fi

if [ "$secs" = 0 ]; then
	exit $status
fi
echo "== fuzzing each target for $secs s"
fuzz_one() {
	work=$build/fuzz-work/$1
	rm -rf "$work"
	mkdir -p "$work/corpus"
	cp "$here/corpus/$1/"* "$work/corpus/" 2>/dev/null
	# shellcheck disable=SC2086
	(cd "$work" && timeout $((secs + 300)) "$fdir/$1" -max_total_time="$secs" \
		-print_final_stats=1 -rss_limit_mb=4096 -timeout=60 -seed="${VOB_FUZZ_SEED:-1}" \
		-artifact_prefix="$work/" ${FUZZ_FLAGS:-} corpus >"$work/log" 2>&1
	 echo $? >"$work/rc")
}
# shellcheck disable=SC2086
set -- $TARGETS
while [ $# -gt 0 ]; do
	pids=""
	n=0
	while [ $# -gt 0 ] && [ $n -lt "${PARALLEL:-2}" ]; do
		fuzz_one "$1" &
		pids="$pids $!"
		n=$((n + 1))
		shift
	done
	# shellcheck disable=SC2086
	wait $pids
done

for t in $TARGETS; do
	work=$build/fuzz-work/$t
	rc=$(cat "$work/rc" 2>/dev/null || echo "?")
	echo "== $t (exit $rc)"
	grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$work/log" | tail -n 1
	grep -E '^stat::' "$work/log"
	if [ "$rc" != 0 ]; then
		status=1
		echo "!! $t failed; from its log ($work/log):"
		grep -E 'invariant failed|^\*\*\* |runtime error|ERROR:|SUMMARY' "$work/log" | head -n 20
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null
	fi
done
exit $status

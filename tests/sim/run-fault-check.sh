#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Proof that the sim suite has teeth. Builds the sim tests three times:
#   normal           - `ctest -L sim` must pass;
#   skip_clean       - the core without the clean of the used element in the
#                      device's push: `ctest -L sim` must FAIL;
#   skip_invalidate  - the core without the invalidate of the avail entry in
#                      the device's pop: `ctest -L sim` must FAIL;
# and prints, for each fault, the seeds (and cases) that caught it.
#
# usage: tests/sim/run-fault-check.sh <build-root-dir>
#   Builds go to <build-root-dir>/sim-{normal,skip_clean,skip_invalidate};
#   each builds only what `ctest -L sim` runs.
#   VOB_SIM_NORMAL_BUILD=<dir> reuses an existing, configured build of this
#   tree for the normal run instead of making one. CC picks the compiler
#   (default gcc). Other VOB_SIM_* variables (docs/sim.md) pass through to
#   the tests.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 <build-root-dir>" >&2
	exit 2
fi
root=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
cc=${CC:-gcc}
jobs=${VOB_JOBS:-2}
mkdir -p "$root"
root=$(cd "$root" && pwd)
status=0

# configure_build <dir> <fault>: configure and build only the sim tests.
configure_build() {
	dir=$1
	fault=$2
	cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
		-DVOB_BUILD_EXAMPLES=OFF -DVOB_BUILD_PORTS=OFF -DVOB_BUILD_FUZZERS=OFF \
		-DVOB_BUILD_TESTS=ON -DVOB_FAULT_INJECT="$fault" >"$dir.configure.log" 2>&1 || {
		echo "configure of $dir failed; see $dir.configure.log" >&2
		return 1
	}
	build_sim "$dir" >"$dir.build.log" 2>&1 || {
		echo "build of $dir failed; see $dir.build.log" >&2
		return 1
	}
}

# build_sim <dir>: build what `ctest -L sim` runs: the target vob_sim_tests
# (tests/sim) and every other test labelled sim (a test's target has its
# name); when one is not a target, build everything.
build_sim() {
	targets=$(cd "$1" && ctest -N -L sim | sed -n 's/^ *Test *#[0-9]*: *//p')
	# shellcheck disable=SC2086
	cmake --build "$1" -j"$jobs" --target vob_sim_tests $targets ||
		cmake --build "$1" -j"$jobs"
}

# run_sim <dir>: run `ctest -L sim`, output in <dir>/sim-ctest.log.
run_sim() {
	(cd "$1" && ctest -L sim -j"$jobs" --output-on-failure >sim-ctest.log 2>&1)
}

start=$(date +%s)

# --- the normal build must pass --------------------------------------------
if [ -n "${VOB_SIM_NORMAL_BUILD:-}" ]; then
	normal=$VOB_SIM_NORMAL_BUILD
	echo "normal: reusing $normal"
	build_sim "$normal" >"$normal/sim-build.log" 2>&1 || {
		echo "normal: build failed; see $normal/sim-build.log" >&2
		exit 1
	}
else
	normal=$root/sim-normal
	echo "normal: building in $normal"
	configure_build "$normal" ""
fi
if run_sim "$normal"; then
	echo "normal: ctest -L sim: $(grep 'tests passed' "$normal/sim-ctest.log")"
else
	echo "normal: ctest -L sim FAILED, see $normal/sim-ctest.log:" >&2
	grep '^FAIL seed=' "$normal/sim-ctest.log" >&2 || true
	status=1
fi

# --- each fault must be caught ------------------------------------------------
for fault in skip_clean skip_invalidate; do
	dir=$root/sim-$fault
	echo "$fault: building in $dir"
	configure_build "$dir" "$fault"
	if run_sim "$dir"; then
		echo "$fault: NOT CAUGHT: ctest -L sim passed with the fault in" >&2
		status=1
		continue
	fi
	if ! grep -q '^FAIL seed=' "$dir/sim-ctest.log"; then
		echo "$fault: ctest -L sim failed, but no seed reported a failure;" \
		     "see $dir/sim-ctest.log" >&2
		status=1
		continue
	fi
	echo "$fault: caught; ctest -L sim failed in:"
	grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*\*\*\*Failed' "$dir/sim-ctest.log" |
		sed 's/^/    /' || true
	echo "$fault: seeds that caught it (the first failing seed of each case, per test):"
	awk '/Test +#[0-9]+: /{ for (i = 1; i <= NF; i++) if ($i ~ /^#[0-9]+:$/) t = $(i + 1) }
	     /^FAIL seed=/{ sub(/^FAIL /, ""); print "    " t ": " $0 }' "$dir/sim-ctest.log"
done

echo "fault check took $(($(date +%s) - start)) s"
if [ $status -eq 0 ]; then
	echo "fault check: OK (normal passes, both faults caught)"
else
	echo "fault check: FAILED" >&2
fi
exit $status

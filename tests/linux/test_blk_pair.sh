#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The block pair: vob-blk-dev serves an image file of known content,
# vob-blk-drv reads it, writes a file and a pattern, verifies the pattern,
# flushes, discards and zeroes; the image file must then hold exactly what
# was written. Then the same image served read-only must refuse a write.
#
#   test_blk_pair.sh BINDIR [DOORBELL]     DOORBELL: futex (default) | eventfd | poll
set -u
bindir=$1
bell=${2:-futex}

work=$(mktemp -d /tmp/vob-blk-test.XXXXXX)
name=vob-blk-test-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work" /dev/shm/$name /dev/shm/$name.sock /dev/shm/$name.sock.lock
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/*.out; do
		[[ -f $f ]] && { echo "--- $(basename "$f")"; tail -n 15 "$f"; } >&2
	done
	exit 1
}
say() { echo "== $*"; }

# Sectors of FILE from $2, $3 of them, on stdout.
sectors() { dd if="$1" bs=512 skip="$2" count="$3" status=none; }

w="file:/dev/shm/$name,size=1M"
common=(-w "$w" -d "$bell")
[[ $bell == eventfd ]] && common=(-w "$w" -d "eventfd:$work/bell.sock")

img=$work/disk.img
head -c $((16 * 1024 * 1024)) /dev/urandom >"$img" || fail "cannot make the image"
cp "$img" "$work/orig.img"
head -c 70000 /dev/urandom >"$work/data.bin" # not a whole number of sectors

say "device serving a 16 MiB image ($bell)"
"$bindir/vob-blk-dev" "${common[@]}" --image "$img" --id test-disk >"$work/dev.out" 2>&1 &
dev=$!
pids+=("$dev")

say "driver: read, write a file, write and verify a pattern, flush, discard, write zeroes"
timeout 120 "$bindir/vob-blk-drv" "${common[@]}" \
	--read 0 64 "$work/read0.bin" --read 30000 2000 "$work/read1.bin" \
	--write 1000 "$work/data.bin" \
	--write-pattern 4096 16384 --verify 4096 16384 --flush \
	--discard 24000 256 --write-zeroes 25000 100 >"$work/drv.out" 2>&1
rc=$?
cat "$work/drv.out"
((rc == 0)) || fail "driver exited with $rc"
grep -q 'disk "test-disk": 32768 sectors' "$work/drv.out" || fail "capacity or id not seen"
grep -q "pattern OK" "$work/drv.out" || fail "pattern not verified"

say "driver: counts too large for the options or for the disk are refused"
timeout 20 "$bindir/vob-blk-drv" "${common[@]}" --read 0 36028797018963969 "$work/huge.bin" \
	>"$work/drv-huge.out" 2>&1
rc=$?
((rc == 2)) || fail "--read with 2^55+1 sectors: exit $rc, not 2"
grep -q "bad value for --read" "$work/drv-huge.out" || fail "--read with 2^55+1 sectors: no message"
timeout 20 "$bindir/vob-blk-drv" "${common[@]}" --read 32760 9 "$work/end.bin" \
	>"$work/drv-end.out" 2>&1
rc=$?
((rc == 1)) || fail "--read past the end: exit $rc, not 1"
grep -q "beyond the end of the disk (32768 sectors)" "$work/drv-end.out" ||
	fail "--read past the end: no message"

say "checking the image file"
cmp -s "$work/read0.bin" <(sectors "$work/orig.img" 0 64) || fail "read 0+64 differs from the image"
cmp -s "$work/read1.bin" <(sectors "$work/orig.img" 30000 2000) ||
	fail "read 30000+2000 differs from the image"
cmp -s <(head -c 70000 <(sectors "$img" 1000 137)) "$work/data.bin" ||
	fail "the file written at sector 1000 is not in the image"
cmp -s <(tail -c +70001 <(sectors "$img" 1000 137)) <(head -c $((137 * 512 - 70000)) /dev/zero) ||
	fail "the padding of the last written sector is not zero"
cmp -s <(sectors "$img" 24000 256) <(head -c $((256 * 512)) /dev/zero) ||
	fail "discarded sectors do not read as zeros"
cmp -s <(sectors "$img" 25000 100) <(head -c $((100 * 512)) /dev/zero) ||
	fail "write-zeroes sectors are not zero"
# Sectors outside every write are untouched.
cmp -s <(sectors "$img" 0 1000) <(sectors "$work/orig.img" 0 1000) ||
	fail "sectors never written changed"
cmp -s <(sectors "$img" 20480 3520) <(sectors "$work/orig.img" 20480 3520) ||
	fail "sectors after the pattern changed"
kill "$dev"
wait "$dev"
rc=$?
((rc == 0)) || fail "device exited with $rc after SIGTERM"
grep -q " 0 ioerr" "$work/dev.out" || fail "the device answered an error"

say "pattern in the file: a new device on the same image, a new driver verifies it"
"$bindir/vob-blk-dev" "${common[@]}" --image "$img" --readonly >"$work/dev2.out" 2>&1 &
dev=$!
pids+=("$dev")
timeout 60 "$bindir/vob-blk-drv" "${common[@]}" --verify 4096 16384 >"$work/drv2.out" 2>&1 ||
	fail "the pattern did not survive in the image file"
grep -q "read-only" "$work/drv2.out" || fail "read-only not seen by the driver"
say "a write to the read-only device is refused"
timeout 60 "$bindir/vob-blk-drv" "${common[@]}" --write-pattern 0 8 >"$work/drv3.out" 2>&1 &&
	fail "a write to a read-only device succeeded"
grep -q "vob_blk_drv_write at sector 0: operation not permitted" "$work/drv3.out" ||
	fail "no read-only error: $(tail -2 "$work/drv3.out")"
cmp -s <(sectors "$img" 0 8) <(sectors "$work/orig.img" 0 8) || fail "the read-only image changed"
kill "$dev"
wait "$dev"
echo "OK: the driver read the known content, and the image holds what it wrote"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration tests of the Linux port: the example pairs as two processes
# over a shared window, with peers killed (-9) and restarted mid-stream.
#
#   pair.sh BINDIR echo WINDOW DOORBELL    WINDOW: file | memfd; DOORBELL: futex | eventfd | poll
#   pair.sh BINDIR console DOORBELL
#   pair.sh BINDIR twice DOORBELL             DOORBELL: futex | eventfd
#   pair.sh BINDIR quiet
#   pair.sh BINDIR bench
#   pair.sh BINDIR broken [--packed]
#   pair.sh BINDIR devbroke [--packed]
#   pair.sh BINDIR stalled
#   pair.sh BINDIR cross SRCDIR XBUILDDIR dev|drv DOORBELL [--packed]
#
# cross: build the echo pair for s390x (big-endian) in XBUILDDIR and run the
# echo test with the device (dev) or the drivers (drv) under qemu-user
# against native peers over one shared file. Exits 77 (skipped) without the
# cross compiler or qemu.
#
# echo: start the device, then the driver; kill -9 the device mid-stream and
# start it again; the driver must finish. Then kill -9 a driver mid-stream
# and start another; it must finish. Every message any driver saw
# acknowledged must be in the device log exactly once, no message may be
# both acknowledged and reported lost, and no message may reach the device
# twice.
set -u
bindir=$1
what=$2
shift 2

work=$(mktemp -d /tmp/vob-linux-test.XXXXXX)
name=vob-test-$$
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

# Wait until file $1 has at least $2 lines matching $3, or $4 seconds pass.
wait_lines() {
	local file=$1 want=$2 pat=$3 secs=$4 n
	local end=$((SECONDS + secs))
	while ((SECONDS < end)); do
		n=$(grep -c "$pat" "$file" 2>/dev/null)
		((${n:-0} >= want)) && return 0
		sleep 0.05
	done
	return 1
}

# Wait for pid $1 to exit within $2 seconds; its status in $rc.
wait_exit() {
	local pid=$1 secs=$2 end=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
	wait "$pid"
	rc=$?
	return 0
}

# The fd number under which process $1 holds memfd $2.
memfd_of() {
	local pid=$1 f
	for f in /proc/$pid/fd/*; do
		if [[ $(readlink "$f") == "/memfd:$2 (deleted)" ]]; then
			echo "${f##*/}"
			return 0
		fi
	done
	return 1
}

# Commands that start a device and a driver (a qemu-user prefix for the
# cross-endian runs).
devcmd=("$bindir/vob-echo-dev")
drvcmd=("$bindir/vob-echo-drv")

echo_test() {
	local win=$1 bell=$2 dev drv fd rc dwin
	local dlog=$work/dev.log alog=$work/drv.log
	local common=(-d "$bell" --queue 64)
	[[ $bell == eventfd ]] && common=(-d "eventfd:$work/bell.sock" --queue 64)

	# The window each program opens: a shared file; or a memfd that the
	# first device creates and everyone else opens through /proc/PID/fd
	# of a process that holds it (the survivor, after a kill).
	if [[ $win == file ]]; then
		dwin="file:/dev/shm/$name,size=4M"
	else
		dwin="memfd:$name,size=4M"
	fi

	say "device up ($win, $bell)"
	"${devcmd[@]}" -w "$dwin" "${common[@]}" --log "$dlog" >"$work/dev1.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/dev1.out" 1 "published" 10 || fail "device 1 did not start"
	if [[ $win == memfd ]]; then
		fd=$(memfd_of "$dev" "$name") || fail "no memfd in device 1"
		dwin="file:/proc/$dev/fd/$fd"
	fi

	say "driver 1; kill -9 the device mid-stream and restart it"
	"${drvcmd[@]}" -w "$dwin" "${common[@]}" --count 0 --log "$alog" \
		>"$work/drv1.out" 2>&1 &
	drv=$!
	pids+=("$drv")
	wait_lines "$alog" 5000 "^A" 30 || fail "driver 1 made no progress"
	kill -9 "$dev"
	wait "$dev" 2>/dev/null
	if [[ $win == memfd ]]; then
		fd=$(memfd_of "$drv" "$name") || fail "no memfd in driver 1"
		dwin="file:/proc/$drv/fd/$fd"
	fi
	sleep 0.2
	local at_kill
	at_kill=$(grep -c "^A" "$alog")
	# What a kill in the middle of the device's log write leaves (seen once
	# in CI): half a line, which device 2's first line must not join.
	printf 'R 12' >>"$dlog"
	# device 2 and driver 3 poll a while before sleeping (--spin-us)
	"${devcmd[@]}" -w "$dwin" "${common[@]}" --spin-us 200 --log "$dlog" >"$work/dev2.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	wait_lines "$alog" $((at_kill + 30000)) "^A" 60 ||
		fail "driver 1 did not carry on after the device restarted"
	kill -TERM "$drv"
	wait_exit "$drv" 30 || fail "driver 1 did not stop on SIGTERM"
	((rc == 130)) || fail "driver 1 exited with $rc"
	grep -q "messages in flight lost" "$work/drv1.out" || fail "driver 1 did not report the loss"
	grep -q "messages of 64 bytes echoed" "$work/drv1.out" || fail "driver 1 summary"

	say "driver 2 killed mid-stream; driver 3 finishes"
	if [[ $win == memfd ]]; then
		fd=$(memfd_of "$dev" "$name") || fail "no memfd in device 2"
		dwin="file:/proc/$dev/fd/$fd"
	fi
	local before
	before=$(grep -c "^A" "$alog")
	"${drvcmd[@]}" -w "$dwin" "${common[@]}" --count 10000000 --log "$alog" \
		>"$work/drv2.out" 2>&1 &
	drv=$!
	pids+=("$drv")
	wait_lines "$alog" $((before + 5000)) "^A" 30 || fail "driver 2 made no progress"
	kill -9 "$drv"
	wait "$drv" 2>/dev/null
	"${drvcmd[@]}" -w "$dwin" "${common[@]}" --count 20000 --spin-us 200 --log "$alog" \
		>"$work/drv3.out" 2>&1 &
	drv=$!
	pids+=("$drv")
	wait_exit "$drv" 90 || fail "driver 3 did not finish"
	((rc == 0)) || fail "driver 3 exited with $rc"
	grep -q "20000 messages of 64 bytes echoed" "$work/drv3.out" || fail "driver 3 summary"
	grep -Eq "round trip p50 [0-9.]+ us, p99 [0-9.]+ us, .*\(first 20000 messages\)" \
		"$work/drv3.out" || fail "driver 3 round-trip percentiles"
	grep -q "driver reset or restarted" "$work/dev2.out" ||
		fail "the device did not notice the driver restart"
	kill "$dev"
	wait_exit "$dev" 10 || fail "device did not stop on SIGTERM"
	((rc == 0)) || fail "device exited with $rc after SIGTERM"

	say "checking the logs"
	# Whole lines only (sequence numbers are 16 hex digits): a program killed
	# in the middle of a log write leaves half a line. A device's half line
	# is a batch never pushed, so none of it was acknowledged; a driver's is
	# an acknowledgement this check does without.
	grep -E '^A [0-9a-f]{16}$' "$alog" | cut -d' ' -f2 | sort >"$work/acked"
	grep -E '^L [0-9a-f]{16}$' "$alog" | cut -d' ' -f2 | sort >"$work/lost"
	grep -E '^R [0-9a-f]{16}$' "$dlog" | cut -d' ' -f2 | sort >"$work/received"
	local nack nlost nrecv
	nack=$(wc -l <"$work/acked")
	nlost=$(wc -l <"$work/lost")
	nrecv=$(wc -l <"$work/received")
	echo "acknowledged $nack, reported lost $nlost, received by devices $nrecv"
	((nack >= 60000)) || fail "only $nack acknowledged"
	[[ -z $(uniq -d "$work/acked") ]] || fail "a message was acknowledged twice"
	[[ -z $(uniq -d "$work/received") ]] || fail "a message reached the device twice"
	[[ -z $(comm -23 "$work/acked" "$work/received") ]] ||
		fail "acknowledged messages the device never logged: $(comm -23 "$work/acked" "$work/received" | head -3)"
	[[ -z $(comm -12 "$work/acked" "$work/lost") ]] || fail "a message both acknowledged and lost"
	echo "OK: every acknowledged message arrived exactly once"
}

console_test() {
	local bell=$1 dev drv rc
	local w="file:/dev/shm/$name,size=1M"
	local common=(-w "$w" -d "$bell" -q)
	[[ $bell == eventfd ]] && common=(-w "$w" -d "eventfd:$work/bell.sock" -q)

	seq 1 30000 >"$work/to_driver"
	yes "a line typed at the driver" | head -n 8000 >"$work/to_device"
	say "console pair ($bell): driver first, bytes both ways"
	"$bindir/vob-console-drv" "${common[@]}" --exit-on-eof 1 <"$work/to_device" \
		>"$work/drv.stdout" 2>"$work/drv.out" &
	drv=$!
	pids+=("$drv")
	sleep 0.3
	"$bindir/vob-console-dev" "${common[@]}" <"$work/to_driver" >"$work/dev.stdout" \
		2>"$work/dev.out" &
	dev=$!
	pids+=("$dev")
	wait_exit "$drv" 60 || fail "console driver did not finish"
	((rc == 0)) || fail "console driver exited with $rc"
	# The device may still be writing what the driver sent last.
	sleep 0.3
	kill "$dev"
	wait_exit "$dev" 10 || fail "console device did not stop"
	((rc == 0)) || fail "console device exited with $rc after SIGTERM"
	cmp -s "$work/to_device" "$work/dev.stdout" || fail "driver -> device stream differs"
	cmp -s "$work/to_driver" "$work/drv.stdout" || fail "device -> driver stream differs"
	echo "streams: $(wc -c <"$work/to_device") bytes one way, $(wc -c <"$work/to_driver") the other"

	say "console device killed (-9) and restarted under a running driver"
	local fifo=$work/stdin.fifo keep
	mkfifo "$fifo"
	exec {keep}<>"$fifo" # a writer that never closes: the driver's stdin stays open
	"$bindir/vob-console-drv" "${common[@]}" <"$fifo" >"$work/drv2.stdout" 2>"$work/drv2.out" &
	drv=$!
	pids+=("$drv")
	echo "before the restart" | "$bindir/vob-console-dev" "${common[@]}" >/dev/null \
		2>"$work/dev2.out" &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/drv2.stdout" 1 "before the restart" 20 || fail "nothing before the restart"
	kill -9 "$dev"
	wait "$dev" 2>/dev/null
	echo "after the restart" | "$bindir/vob-console-dev" "${common[@]}" >"$work/dev3.stdout" \
		2>"$work/dev3.out" &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/drv2.stdout" 1 "after the restart" 20 || fail "nothing after the restart"
	echo "typed after the restart" >&"$keep"
	wait_lines "$work/dev3.stdout" 1 "typed after the restart" 20 ||
		fail "the restarted device did not get the driver's input"
	kill "$drv" "$dev"
	wait_exit "$drv" 10 || fail "console driver did not stop"
	((rc == 0)) || fail "console driver exited with $rc after SIGTERM"
	exec {keep}>&-
	echo "OK: both streams exact, and the pair came back after a device restart"
}

# break_pair DEV_ARGS DRV_ARGS: the echo pair for the broken-ring tests, each
# side logging its messages, one side breaking the ring once (by its ARGS,
# split on spaces). Sets ring (split or packed, from $extra) and fails unless
# both sides exit 0, the driver used that ring format, reported a lost batch,
# got all $count messages echoed and saw the queue live twice.
break_pair() {
	local dev rc
	"$bindir/vob-echo-dev" "${common[@]}" $1 --log "$dlog" >"$work/dev.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/dev.out" 1 "published" 10 || fail "the device did not start"
	timeout 30 "$bindir/vob-echo-drv" "${common[@]}" $extra --count $count $2 \
		--log "$alog" >"$work/drv.out" 2>&1
	rc=$?
	((rc == 0)) || fail "the driver exited with $rc (124: it hung until the time-out)"
	kill "$dev"
	wait_exit "$dev" 10 || fail "the device did not stop on SIGTERM"
	((rc == 0)) || fail "the device exited with $rc after SIGTERM"
	cat "$work/drv.out" "$work/dev.out"
	ring=split
	[[ $extra == --packed ]] && ring=packed
	grep -q "ring format $ring" "$work/drv.out" || fail "not the $ring ring"
	grep -Eq "device reset or restarted: [1-9][0-9]* messages in flight lost" "$work/drv.out" ||
		fail "the driver did not report the lost batch"
	grep -q "^vob-echo-drv: $count messages of 64 bytes echoed and checked" "$work/drv.out" ||
		fail "the driver did not get all $count messages echoed"
	grep -c "queue 0 live" "$work/drv.out" | grep -qx 2 || fail "the queue did not come back live"
}

# break_logs BAD_SEQ: the logs of break_pair. Every one of the $count messages
# acknowledged, each acknowledged one reached the device, none both
# acknowledged and lost, and the bad message (sequence number BAD_SEQ) among
# the lost. Leaves the sorted sequence numbers in $work/{acked,lost,received}
# and the bad one, in hex, in $bad.
break_logs() {
	[[ -n $1 ]] || fail "the side that broke the ring did not name the message"
	grep -E '^A [0-9a-f]{16}$' "$alog" | cut -d' ' -f2 | sort >"$work/acked"
	grep -E '^L [0-9a-f]{16}$' "$alog" | cut -d' ' -f2 | sort >"$work/lost"
	grep -E '^R [0-9a-f]{16}$' "$dlog" | cut -d' ' -f2 | sort >"$work/received"
	bad=$(printf '%016x' "$1")
	echo "acknowledged $(wc -l <"$work/acked"), lost $(wc -l <"$work/lost"), bad message $bad"
	(($(wc -l <"$work/acked") == count)) || fail "the log does not hold $count acknowledgements"
	grep -qx "$bad" "$work/lost" || fail "the bad message was not reported lost"
	[[ -z $(comm -23 "$work/acked" "$work/received") ]] ||
		fail "acknowledged messages the device never logged"
	[[ -z $(comm -12 "$work/acked" "$work/lost") ]] || fail "a message both acknowledged and lost"
}

# broken: a driver that breaks its ring once (vob-echo-drv --break-ring-at):
# the device must ask for a reset and keep serving, the driver must reset it,
# report the messages in flight lost and still get all --count messages
# echoed. The bad message never reached the device.
broken_test() {
	local extra=${1:-} count=20000 at=5000 ring bad
	local common=(-w "file:/dev/shm/$name,size=4M" --queue 64)
	local dlog=$work/dev.log alog=$work/drv.log

	say "a driver that breaks its ring after $at echoes ${extra:-(split)}"
	break_pair "" "--break-ring-at $at"
	grep -q "breaking the ring on purpose" "$work/drv.out" || fail "the driver did not break the ring"
	grep -q "the driver broke the ring: .*asking for a reset" "$work/dev.out" ||
		fail "the device did not see the broken ring"
	grep -q "the device asked for a reset" "$work/drv.out" ||
		fail "the driver did not see the device ask for a reset"
	grep -q "1 resets asked by the device" "$work/drv.out" || fail "driver summary"
	grep -q "broken rings 1;" "$work/dev.out" || fail "device summary"
	break_logs "$(sed -n 's/.*on purpose.*: message \([0-9]*\) points.*/\1/p' "$work/drv.out")"
	! grep -qx "$bad" "$work/received" || fail "the device took the bad message"
	echo "OK: the pair came back from a broken $ring ring"
}

# devbroke: a device that breaks the used ring once (vob-echo-dev
# --break-ring-at): it returns a message with a used length beyond the
# message's writable part. The driver must find its ring broken, reset the
# device, report the messages in flight lost and still get all --count
# messages echoed; the device must serve it again after the reset. The bad
# message reached the device, is reported lost and never acknowledged.
devbroke_test() {
	local extra=${1:-} count=20000 at=5000 ring bad lost echoed
	local common=(-w "file:/dev/shm/$name,size=4M" --queue 64)
	local dlog=$work/dev.log alog=$work/drv.log

	say "a device that breaks the used ring after $at echoes ${extra:-(split)}"
	break_pair "--break-ring-at $at" ""
	grep -q "^vob-echo-dev: breaking the ring on purpose (--break-ring-at $at): message" \
		"$work/dev.out" || fail "the device did not break the ring"
	(($(grep -c "breaking the ring on purpose" "$work/dev.out") == 1)) ||
		fail "the device broke the ring more than once"
	grep -q "^vob-echo-drv: the device broke the ring: .*; resetting it" "$work/drv.out" ||
		fail "the driver did not see the broken ring"
	(($(grep -c "^vob-echo-drv: the device broke the ring:" "$work/drv.out") == 1)) ||
		fail "the driver saw the ring broken more than once"
	! grep -q "device went away" "$work/drv.out" ||
		fail "the driver took the answer to its own reset for a device going away"
	grep -q " 0 resets asked by the device, 1 after the device broke the ring;" \
		"$work/drv.out" || fail "driver summary"
	grep -q "driver sessions 2, .* broken rings 0;" "$work/dev.out" || fail "device summary"
	break_logs "$(sed -n 's/.*on purpose.*: message \([0-9]*\) goes back.*/\1/p' "$work/dev.out")"
	lost=$(sed -n 's/^vob-echo-drv: \([0-9]*\) lost in flight.*/\1/p' "$work/drv.out")
	echoed=$(sed -n 's/^vob-echo-dev: echoed \([0-9]*\) messages.*/\1/p' "$work/dev.out")
	echo "lost $lost by the driver's count, echoed $echoed"
	(($(wc -l <"$work/lost") == lost)) || fail "the log does not hold the $lost lost messages"
	# The device echoed every message the driver checked and the bad one,
	# and at most all those the driver got back lost.
	((echoed > count && echoed <= count + lost)) ||
		fail "the device echoed $echoed, the driver checked $count and lost $lost"
	grep -qx "$bad" "$work/received" || fail "the device never logged the bad message"
	! grep -qx "$bad" "$work/acked" || fail "the driver took the bad message"
	echo "OK: the pair came back from a device that broke the used $ring ring"
}

# twice: a second program on the side a running one has must refuse to
# start, naming the first, and leave it working; a side whose program was
# killed (-9) is free again at once.
twice_test() {
	local bell=$1 dev drv rc
	local common=(-w "file:/dev/shm/$name,size=4M" -d "$bell" --queue 64)
	[[ $bell == eventfd ]] && common=(-w "file:/dev/shm/$name,size=4M" -d "eventfd:$work/bell.sock" --queue 64)

	say "a second device and a second driver on one window ($bell)"
	"$bindir/vob-echo-dev" "${common[@]}" >"$work/dev1.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/dev1.out" 1 "published" 10 || fail "device 1 did not start"
	timeout 10 "$bindir/vob-echo-dev" "${common[@]}" >"$work/dev2.out" 2>&1
	rc=$?
	((rc == 1)) || fail "the second device exited with $rc, not 1"
	grep -q "another side-0 (device) program is using /dev/shm/$name (pid $dev)" \
		"$work/dev2.out" || fail "the second device did not name the first"
	"$bindir/vob-echo-drv" "${common[@]}" --count 0 >"$work/drv1.out" 2>&1 &
	drv=$!
	pids+=("$drv")
	wait_lines "$work/drv1.out" 1 "negotiated" 10 || fail "driver 1 did not start"
	grep -q "sending messages of 64 bytes until stopped" "$work/drv1.out" ||
		fail "driver 1 (--count 0) did not say that it runs until stopped"
	timeout 10 "$bindir/vob-echo-drv" "${common[@]}" --count 100 >"$work/drv2.out" 2>&1
	rc=$?
	((rc == 1)) || fail "the second driver exited with $rc, not 1"
	grep -q "another side-1 (driver) program is using /dev/shm/$name (pid $drv)" \
		"$work/drv2.out" || fail "the second driver did not name the first"
	kill -9 "$drv"
	wait "$drv" 2>/dev/null
	timeout 60 "$bindir/vob-echo-drv" "${common[@]}" --count 2000 >"$work/drv3.out" 2>&1
	rc=$?
	((rc == 0)) || fail "the driver after the killed one exited with $rc"
	grep -q "2000 messages of 64 bytes echoed" "$work/drv3.out" || fail "driver 3 summary"
	kill "$dev"
	wait_exit "$dev" 10 || fail "device did not stop on SIGTERM"
	((rc == 0)) || fail "device exited with $rc after SIGTERM"
	echo "OK: one program per side, the first one unharmed"
}

# quiet: with -q the pair prints only errors and its summaries; a driver
# that asks for a larger queue than the device offers reports the size it got.
quiet_test() {
	local dev rc common=(-w "file:/dev/shm/$name,size=4M" -q)

	say "the echo pair with --quiet; the driver asks for 1024 entries, the device has 256"
	"$bindir/vob-echo-dev" "${common[@]}" --queue 256 >"$work/dev.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	timeout 60 "$bindir/vob-echo-drv" "${common[@]}" --queue 1024 --count 3000 \
		>"$work/drv.out" 2>&1
	rc=$?
	((rc == 0)) || fail "the driver exited with $rc"
	kill "$dev"
	wait_exit "$dev" 10 || fail "device did not stop on SIGTERM"
	cat "$work/drv.out" "$work/dev.out"
	grep -q "3000 messages of 64 bytes echoed.* with up to 256 in flight" "$work/drv.out" ||
		fail "the driver did not report the 256 entries it got"
	! grep -Eq "negotiated|live|published|looking for" "$work/drv.out" "$work/dev.out" ||
		fail "progress messages despite --quiet"
	! grep -q "driver reset or restarted" "$work/dev.out" || fail "the device spoke of the reset"
	grep -q "echoed 3000 messages" "$work/dev.out" || fail "no device summary"
	echo "OK: quiet pair, and the queue size the device gave"
}

bench_test() {
	say "vob-bench smoke run"
	"$bindir/vob-bench" --duration 0.1 --size 64,4096 --queue 64 >"$work/bench.out" 2>&1 ||
		fail "vob-bench failed"
	cat "$work/bench.out"
	local n
	n=$(grep -c '"msgs_per_s"' "$work/bench.out")
	((n == 16)) || fail "expected 16 measurements, got $n"
	# Each measurement moved messages: a count of result lines alone passes
	# a run where nothing got through.
	n=$(grep '"msgs_per_s"' "$work/bench.out" |
		grep -Ec '"msgs":[1-9][0-9]*,.*"msgs_per_s":[1-9][0-9]*[,}]')
	((n == 16)) || fail "$((16 - n)) of 16 measurements moved no message"
	! grep -q '"error"' "$work/bench.out" || fail "a measurement failed"
	grep -q '"summary":true' "$work/bench.out" || fail "no summary line"

	say "vob-bench killed (-9): its children die with it"
	local bench kids='' k
	"$bindir/vob-bench" --duration 5 --size 64 --queue 64 >"$work/bench2.out" 2>&1 &
	bench=$!
	pids+=("$bench")
	for ((k = 0; k < 100; k++)); do
		kids=$(pgrep -P "$bench")
		[[ -n $kids ]] && break
		sleep 0.05
	done
	[[ -n $kids ]] || fail "vob-bench started no child"
	pids+=($kids)
	kill -9 "$bench"
	wait "$bench" 2>/dev/null
	# Gone, or a zombie waiting for whoever adopted it.
	local end=$((SECONDS + 3)) alive
	while :; do
		alive=
		for k in $kids; do
			[[ -e /proc/$k && $(cut -d' ' -f3 "/proc/$k/stat" 2>/dev/null) != Z ]] && alive=$k
		done
		[[ -z $alive ]] && break
		((SECONDS < end)) || fail "child $alive of the killed vob-bench still runs"
		sleep 0.05
	done
	echo "OK: vob-bench measured, and its children died with it"
}

# stalled: a device killed with -9 and not restarted leaves its epoch in the
# table, so the driver cannot see it go; it waits (a restarted device is
# found again), but must say so once after 5 s without an echo, say it again
# only after echoes came back in between, and count at exit the messages
# still in flight, never answered (apart from those a restart handed back).
stalled_test() {
	local dev drv rc n at common=(-w "file:/dev/shm/$name,size=4M" --queue 64)
	local alog=$work/drv.log stall="no echo came back for 5 s with [1-9][0-9]* in flight"

	say "the echo device killed (-9) under a running driver and not restarted"
	"$bindir/vob-echo-dev" "${common[@]}" >"$work/dev1.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	wait_lines "$work/dev1.out" 1 "published" 10 || fail "device 1 did not start"
	"$bindir/vob-echo-drv" "${common[@]}" --count 0 --log "$alog" >"$work/drv.out" 2>&1 &
	drv=$!
	pids+=("$drv")
	wait_lines "$alog" 2000 "^A" 30 || fail "the driver made no progress"
	grep -q "no echo came back" "$work/drv.out" && fail "a stall line while echoes flow"
	kill -9 "$dev"
	wait "$dev" 2>/dev/null
	wait_lines "$work/drv.out" 1 "$stall" 8 ||
		fail "no stall line within 7 s of the device's kill"
	grep "no echo came back" "$work/drv.out"

	say "a device again: the pair resumes and the stall line is not repeated"
	"$bindir/vob-echo-dev" "${common[@]}" >"$work/dev2.out" 2>&1 &
	dev=$!
	pids+=("$dev")
	at=$(grep -c "^A" "$alog")
	wait_lines "$alog" $((at + 2000)) "^A" 20 || fail "the driver did not resume"
	# Longer than the 5 s of the stall line, with echoes flowing.
	sleep 6
	n=$(grep -c "^A" "$alog")
	((n > at + 2000)) || fail "echoes did not keep flowing ($at, then $n)"
	n=$(grep -c "no echo came back" "$work/drv.out")
	((n == 1)) || fail "the stall line came $n times, not once, though echoes flowed"

	say "the device killed again; the driver stopped with SIGINT after the stall line"
	kill -9 "$dev"
	wait "$dev" 2>/dev/null
	wait_lines "$work/drv.out" 2 "$stall" 8 ||
		fail "no second stall line within 7 s of the second kill"
	kill -INT "$drv"
	wait_exit "$drv" 10 || fail "the driver did not stop on SIGINT"
	cat "$work/drv.out"
	((rc == 130)) || fail "the driver exited with $rc, not 130, after SIGINT"
	local stalled unanswered
	stalled=$(grep "no echo came back" "$work/drv.out" | tail -n 1 |
		sed -n 's/.* with \([0-9]*\) in flight.*/\1/p')
	unanswered=$(sed -n 's/.* \([0-9]*\) unanswered (still in flight at exit).*/\1/p' \
		"$work/drv.out")
	[[ -n $unanswered ]] || fail "the summary does not count the unanswered messages"
	((unanswered > 0 && unanswered == stalled)) ||
		fail "the summary says $unanswered unanswered; the stall line said $stalled in flight"
	grep -Eq "^vob-echo-drv: [1-9][0-9]* lost in flight to device resets" "$work/drv.out" ||
		fail "the first kill's messages in flight were not counted lost at the restart"
	echo "OK: the driver said the device stopped answering, and counted $unanswered unanswered"
}

cross_test() {
	local src=$1 xb=$2 which=$3 bell=$4 extra=${5:-} qemu
	command -v s390x-linux-gnu-gcc >/dev/null || { echo "no s390x cross compiler: skipped"; exit 77; }
	qemu=$(command -v qemu-s390x-static || command -v qemu-s390x) ||
		{ echo "no qemu-s390x: skipped"; exit 77; }
	say "building the echo pair for s390x in $xb"
	if [[ ! -f $xb/CMakeCache.txt ]]; then
		cmake -S "$src" -B "$xb" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchains/s390x-linux-gnu.cmake" \
			-DCMAKE_BUILD_TYPE=Release -DVOB_BUILD_SHARED=OFF -DVOB_BUILD_TESTS=OFF \
			>"$work/xcfg.out" 2>&1 || { cat "$work/xcfg.out"; echo "s390x configure failed: skipped"; exit 77; }
	fi
	cmake --build "$xb" --target vob-echo-dev vob-echo-drv >"$work/xbuild.out" 2>&1 ||
		fail "s390x build failed: $(tail -5 "$work/xbuild.out")"
	if [[ $which == dev ]]; then
		devcmd=("$qemu" -L / "$xb/examples/linux/vob-echo-dev")
	else
		drvcmd=("$qemu" -L / "$xb/examples/linux/vob-echo-drv" $extra)
	fi
	echo_test file "$bell"
}

case $what in
echo) echo_test "$@" ;;
cross) cross_test "$@" ;;
console) console_test "$@" ;;
twice) twice_test "$@" ;;
quiet) quiet_test ;;
bench) bench_test ;;
broken) broken_test "$@" ;;
devbroke) devbroke_test "$@" ;;
stalled) stalled_test ;;
*) fail "unknown test $what" ;;
esac

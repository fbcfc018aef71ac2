# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers for tests/interop/run (sourced; one case per process). Everything
# started in the background goes through bg_start, runs under `timeout` and is
# ended by the EXIT trap, so a failing or timed-out case leaves nothing behind.

# Case directory (logs, sockets, images) and the per-case state.
CASE_DIR=
bg_pids=()
netns=

# Guest run limit in seconds (a boot to power-off takes about 8-14 s under
# TCG; a guest waiting on a device that never answers is stopped at this).
BOOT_LIMIT=${VOB_INTEROP_BOOT_LIMIT:-60}

# The vob back end of the case, once started: every wait checks it still
# runs, so a crash fails the case at once with its signal.
BACKEND_PID=

# The verdicts. Each ends the case process: 0 pass, 1 fail, 77 skip.
pass() {
	echo "$*" >"$CASE_DIR/verdict"
	exit 0
}
fail() {
	echo "$*" >"$CASE_DIR/verdict"
	exit 1
}
skip() {
	echo "$*" >"$CASE_DIR/verdict"
	exit 77
}
note() { echo "  $*"; }

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${bg_pids[@]}"; do
		local n=0
		while kill -0 "$p" 2>/dev/null && [[ $n -lt 30 ]]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	bg_pids=()
	for p in "${dpdk_prefixes[@]}"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
	if [[ -n $netns ]]; then
		ip netns del "$netns" 2>/dev/null || true
		netns=
	fi
}

# case_begin NAME: a fresh directory for the case; cleanup on every exit.
case_begin() {
	CASE_DIR=$W/cases/$1
	rm -rf "$CASE_DIR"
	mkdir -p "$CASE_DIR"
	trap cleanup EXIT
	trap 'exit 1' TERM INT
}

# need_cmd CMD PACKAGE: skip the case when CMD is missing.
need_cmd() {
	command -v "$1" >/dev/null || skip "$1 not installed (package $2)"
}

# need_guest: skip when there is no guest kernel or initramfs.
need_guest() {
	need_cmd qemu-system-x86_64 qemu-system-x86
	[[ -f $KERNEL_DIR/vmlinuz ]] || skip "no guest kernel (tests/interop/install-deps could not fetch linux-image-amd64)"
	[[ -f $INITRAMFS ]] || skip "no guest initramfs (needs busybox-static and cpio)"
}

# need_prog NAME: the path of the vob program NAME in $REPLY. Missing while
# its source (NAME.c under ports/ or examples/) is not in the tree is a skip;
# missing once it is, a failure.
need_prog() {
	REPLY=$(find "$W/build" -type f -perm -u+x -name "$1" 2>/dev/null | head -1)
	[[ -z $REPLY ]] || return 0
	if [[ -n $(find "$ROOT/ports" "$ROOT/examples" -name "$1.c" 2>/dev/null) ]]; then
		fail "$1 is in the tree but was not built (see $W/build.log)"
	fi
	skip "$1 not in this tree yet"
}

# bg_start LIMIT LOG CMD...: CMD in the background for at most LIMIT seconds,
# output to LOG; its pid is remembered for cleanup and left in $last_pid.
last_pid=
bg_start() {
	local limit=$1 log=$2
	shift 2
	timeout -k 3 "$limit" "$@" </dev/null >"$log" 2>&1 &
	last_pid=$!
	bg_pids+=("$last_pid")
}

# bg_wait PID SECONDS: wait for PID to end; its status, or 124 on time-out.
bg_wait() {
	local pid=$1 n=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n - 1))
		if [[ $n -le 0 ]]; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 124
		fi
		sleep 0.1
	done
	local rc=0
	wait "$pid" || rc=$?
	return $rc
}

# alive PID: whether a background process still runs.
alive() { kill -0 "$1" 2>/dev/null; }

# check_backend [WHEN]: fail when the case's back end (BACKEND_PID) ended.
check_backend() {
	[[ -n $BACKEND_PID ]] || return 0
	alive "$BACKEND_PID" && return 0
	local rc=0 how
	wait "$BACKEND_PID" 2>/dev/null || rc=$?
	if [[ $rc -gt 128 ]]; then
		how="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
	else
		how="exited with status $rc"
	fi
	BACKEND_PID=
	show_log "$CASE_DIR/backend.log"
	fail "the vob back end $how${1:+ $1}"
}

# wait_sock PATH SECONDS [PID]: until the unix socket exists (and PID lives).
wait_sock() {
	local n=$(($2 * 10))
	while [[ ! -S $1 ]]; do
		[[ -z ${3:-} ]] || alive "$3" || return 1
		n=$((n - 1))
		[[ $n -gt 0 ]] || return 1
		sleep 0.1
	done
}

# wait_log LOG REGEX SECONDS [PID]: until LOG has a line matching REGEX;
# 1 on time-out or when PID (the writer) ended first.
wait_log() {
	local n=$(($3 * 10))
	until grep -aqE "$2" "$1" 2>/dev/null; do
		check_backend
		if [[ -n ${4:-} ]] && ! alive "$4"; then
			grep -aqE "$2" "$1" 2>/dev/null
			return
		fi
		n=$((n - 1))
		[[ $n -gt 0 ]] || return 1
		sleep 0.1
	done
}

# show_log LOG [LINES]: the end of a log, indented, for a failure's context.
show_log() {
	[[ -f $1 ]] || return 0
	echo "  --- last ${2:-15} lines of ${1#"$W"/}:"
	tail -n "${2:-15}" "$1" | tr -d '\r' | sed 's/^/  | /'
}

# make_image PATH MIB: a raw image of MIB MiB of numbered 64-byte lines, so
# that any misplaced or missing block changes its hash.
make_image() {
	awk -v n=$(($2 * 16384)) 'BEGIN {
		for (i = 0; i < n; i++)
			printf "%-63s\n", sprintf("vob interop image line %d", i)
	}' >"$1"
}

# image_sha PATH MIB: sha256 of the first MIB MiB of PATH.
image_sha() {
	head -c $(($2 * 1048576)) "$1" | sha256sum | cut -d' ' -f1
}

# guest_start CONSOLE APPEND QEMU-ARGS...: boot the guest in the background
# (pid in $last_pid) with the kernel command line words APPEND added; the
# serial console goes to CONSOLE. QEMU runs under GUEST_WRAP (a command
# prefix such as `ip netns exec NS`) when that is set. A guest reboot ends
# QEMU unless GUEST_REBOOT=1.
GUEST_WRAP=()
GUEST_REBOOT=0
guest_start() {
	local console=$1 append=$2 noreboot=-no-reboot
	shift 2
	[[ $GUEST_REBOOT != 1 ]] || noreboot=
	bg_start "$BOOT_LIMIT" "$console" "${GUEST_WRAP[@]}" qemu-system-x86_64 -accel tcg -m 256 \
		-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
		-nographic $noreboot \
		-kernel "$KERNEL_DIR/vmlinuz" -initrd "$INITRAMFS" \
		-append "console=ttyS0 panic=-1 loglevel=4 edd=off $append" "$@"
}

# guest_finish PID CONSOLE: wait for the guest to power off; pass/fail from
# its markers. The guest is stopped when the back end ends first.
guest_finish() {
	local rc=0 n=$((BOOT_LIMIT * 10))
	while alive "$1"; do
		if [[ -n $BACKEND_PID ]] && ! alive "$BACKEND_PID"; then
			kill -TERM "$1" 2>/dev/null
			show_log "$2" 10
			check_backend "while the guest ran"
		fi
		n=$((n - 1))
		if [[ $n -le 0 ]]; then
			kill -TERM "$1" 2>/dev/null
			rc=124
			break
		fi
		sleep 0.1
	done
	if [[ $rc -eq 0 ]]; then
		wait "$1" || rc=$?
	fi
	if grep -aq 'VOBTEST: PASS' "$2"; then
		return 0
	fi
	show_log "$2" 25
	local why
	why=$(grep -a 'VOBTEST: FAIL' "$2" | head -1 | tr -d '\r' | sed 's/.*VOBTEST: FAIL //')
	if [[ -n $why ]]; then
		fail "guest: $why"
	elif [[ $rc -eq 124 ]]; then
		fail "guest did not finish in ${BOOT_LIMIT}s"
	else
		fail "guest ended (qemu status $rc) without a verdict"
	fi
}

# guest_blk_args IMAGE TAG [RING]: the kernel command line words for
# guest/blk.sh on IMAGE (read its first MiB, write 16 blocks of lines TAG at
# 4 KiB block 1024; the ring format must be RING when given).
BLK_WBLK=1024 BLK_WCOUNT=16
guest_blk_args() {
	local img=$1 tag=$2
	echo "vobtest=blk vob_ring=${3:-} vob_sectors=$(($(stat -c %s "$img") / 512)) vob_readmb=1" \
		"vob_sha=$(image_sha "$img" 1) vob_wblk=$BLK_WBLK vob_wcount=$BLK_WCOUNT vob_wtag=$tag"
}

# check_ring_log EXPECTED LOG PREFIX: the last "PREFIX0xHEX" in LOG is a
# feature word whose bit 34 (VIRTIO_F_RING_PACKED) matches EXPECTED (split or
# packed); fails the case otherwise.
check_ring_log() {
	local hex ring
	hex=$(grep -aoE "$3"'0x[0-9a-fA-F]+' "$2" | tail -1 | grep -oE '0x[0-9a-fA-F]+$')
	[[ -n $hex ]] || fail "no negotiated features (\"$3\") in ${2#"$W"/}"
	ring="split"
	(((hex >> 34) & 1)) && ring="packed"
	[[ $ring == "$1" ]] || fail "negotiated the $ring ring (features $hex), expected $1"
	note "features $hex ($ring ring)"
}

# check_image_write IMAGE TAG: the host finds the guest's pattern in IMAGE.
check_image_write() {
	cmp -s <(yes "$2" | head -c $((BLK_WCOUNT * 4096))) \
		<(dd if="$1" bs=4096 skip=$BLK_WBLK count=$BLK_WCOUNT 2>/dev/null)
}

# testpmd_stats LOG KEY: the first forward-statistics KEY (RX-packets,
# RX-dropped, TX-packets, TX-dropped) printed by testpmd's `stop` in LOG.
testpmd_stats() {
	awk -v key="$2:" '
		/Forward statistics for port 0/ { f = 1 }
		f { for (i = 1; i < NF; i++) if ($i == key) { print $(i + 1); exit } }
	' "$1"
}

# testpmd_start LOG VDEV [TESTPMD-ARGS...]: dpdk-testpmd without hugepages or
# PCI, one port (VDEV) forwarding what it receives back out of it (io mode,
# loop topology), interactive with its commands written by testpmd_cmd.
testpmd_fd=
dpdk_prefixes=()
testpmd_start() {
	local log=$1 vdev=$2
	shift 2
	local fifo=${log%.log}.in prefix
	# Its runtime files (/var/run/dpdk/PREFIX) go when the case ends.
	prefix=vob-interop-$$-$(basename "${log%.log}")
	dpdk_prefixes+=("$prefix")
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout -k 3 120 dpdk-testpmd -l 0-1 --no-huge -m 512 --no-pci \
		--file-prefix="$prefix" --vdev "$vdev" -- \
		-i --total-num-mbufs=32768 --port-topology=loop --forward-mode=io "$@" \
		<"$fifo" >"$log" 2>&1 &
	last_pid=$!
	bg_pids+=("$last_pid")
	exec {testpmd_fd}>"$fifo"
}

# testpmd_cmd LINE: one command to the running testpmd.
testpmd_cmd() {
	echo "$1" >&"$testpmd_fd"
}

# testpmd_quit PID: stop forwarding (prints the statistics), quit, and wait.
testpmd_quit() {
	testpmd_cmd stop
	testpmd_cmd quit
	exec {testpmd_fd}>&-
	bg_wait "$1" 20 || true
}

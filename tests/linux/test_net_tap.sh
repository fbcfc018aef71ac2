#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The network pair over real TAP interfaces: two network namespaces, created
# here and deleted at the end (also on failure), each with one TAP that one
# half of the pair bridges (vob-net-dev in the first, vob-net-drv in the
# second). 10.77.0.1/24 and 10.77.0.2/24 exist only inside those namespaces,
# so the kernel can only route between them through vob; no traffic goes to
# any other address. Pings across (bounded count and time-out), then a
# bounded TCP transfer for a throughput figure.
#
#   test_net_tap.sh BINDIR [DOORBELL]      DOORBELL: futex (default) | eventfd
#
# Exits 77 (skipped) when not root, without /dev/net/tun or ip(8), when
# network namespaces cannot be made, or with neither ping nor python3.
# ping comes from iputils-ping; without it ICMP echo is done by python3.
set -u
bindir=$1
bell=${2:-futex}

skip() { echo "SKIPPED: $*"; exit 77; }
((EUID == 0)) || skip "needs root (network namespaces and TAP devices)"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
command -v ip >/dev/null || skip "no ip(8) (iproute2)"
py=$(command -v python3) || py=
havep=0
command -v ping >/dev/null && havep=1
((havep)) || [[ -n $py ]] || skip "neither ping (iputils-ping) nor python3"

tag=$$
nsa=vobnet-a-$tag
nsb=vobnet-b-$tag
tapa=vobta$tag
tapb=vobtb$tag
ipa=10.77.0.1
ipb=10.77.0.2
work=$(mktemp -d /tmp/vob-net-test.XXXXXX)
name=vob-net-test-$tag
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
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
wait_for() { # wait_for SECS CMD...: until CMD succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

ip netns add "$nsa" || skip "cannot create a network namespace"
ip netns add "$nsb" || skip "cannot create a network namespace"

w="file:/dev/shm/$name,size=1M"
common=(-w "$w" -d "$bell")
[[ $bell == eventfd ]] && common=(-w "$w" -d "eventfd:$work/bell.sock")

say "vob-net-dev on TAP $tapa in $nsa, vob-net-drv on TAP $tapb in $nsb ($bell)"
ip netns exec "$nsa" "$bindir/vob-net-dev" "${common[@]}" --tap "$tapa" >"$work/dev.out" 2>&1 &
pids+=($!)
ip netns exec "$nsb" "$bindir/vob-net-drv" "${common[@]}" --tap "$tapb" >"$work/drv.out" 2>&1 &
pids+=($!)
wait_for 10 ip -n "$nsa" link show "$tapa" || fail "no $tapa"
wait_for 10 ip -n "$nsb" link show "$tapb" || fail "no $tapb"
ip -n "$nsa" link set "$tapa" up && ip -n "$nsa" addr add $ipa/24 dev "$tapa" || fail "set up $tapa"
ip -n "$nsb" link set "$tapb" up && ip -n "$nsb" addr add $ipb/24 dev "$tapb" || fail "set up $tapb"
wait_for 10 grep -q "device live" "$work/drv.out" || fail "the driver did not find the device"
grep "device live" "$work/drv.out"

# ICMP echo without ping(8): COUNT requests of SIZE bytes, 1 s time-out each;
# prints "sent N received M rtt_ms min/avg/max".
cat >"$work/icmp.py" <<'EOF'
import os, socket, struct, sys, time
dst, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(1.0)
ident, rtts = os.getpid() & 0xffff, []
for seq in range(n):
    p = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + bytes(i & 0xff for i in range(size))
    p = p[:2] + struct.pack('!H', csum(p)) + p[4:]
    t = time.perf_counter()
    s.sendto(p, (dst, 0))
    try:
        while True:
            d, a = s.recvfrom(65536)
            ih = (d[0] & 15) * 4
            if a[0] == dst and d[ih] == 0 and struct.unpack('!HH', d[ih + 4:ih + 8]) == (ident, seq):
                if d[ih + 8:] == p[8:]:
                    rtts.append((time.perf_counter() - t) * 1e3)
                break
    except socket.timeout:
        pass
    time.sleep(0.02)
r = rtts or [0.0]
print("sent %d received %d rtt_ms %.3f/%.3f/%.3f" % (n, len(rtts), min(r), sum(r) / len(r), max(r)))
EOF
# ping NS DST COUNT SIZE: 0 when every echo came back.
pingn() {
	local ns=$1 dst=$2 count=$3 size=$4 out
	if ((havep)); then
		out=$(ip netns exec "$ns" ping -n -q -c "$count" -i 0.02 -W 2 -s "$size" "$dst" 2>&1)
		echo "$out" | tail -n 2
		grep -q " $count received" <<<"$out"
	else
		out=$(ip netns exec "$ns" timeout 60 "$py" "$work/icmp.py" "$dst" "$count" "$size" 2>&1)
		echo "$out"
		grep -q "sent $count received $count " <<<"$out"
	fi
}

say "ping $ipb from $nsa (the first may wait for ARP)"
wait_for 10 pingn "$nsa" $ipb 1 56 || fail "no answer to a first ping"
pingn "$nsa" $ipb 50 56 || fail "pings lost ($nsa -> $nsb)"
say "ping $ipa from $nsb, 1472-byte payloads (full 1514-byte frames)"
pingn "$nsb" $ipa 20 1472 || fail "full-size pings lost ($nsb -> $nsa)"

if [[ -n $py ]]; then
	mib=64
	say "TCP: $mib MiB from $nsa to $nsb"
	cat >"$work/rx.py" <<'EOF'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201)); s.listen(1); s.settimeout(30)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(30)
n, t0 = 0, None
while True:
    d = c.recv(1 << 16)
    if not d: break
    if t0 is None: t0 = time.perf_counter()
    n += len(d)
t = time.perf_counter() - t0
print("received %d bytes in %.3f s: %.1f Mbit/s" % (n, t, n * 8 / t / 1e6))
EOF
	cat >"$work/tx.py" <<'EOF'
import socket, sys
c = socket.create_connection((sys.argv[1], 5201), timeout=30)
b = bytes(1 << 20)
for i in range(int(sys.argv[2])): c.sendall(b)
c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
EOF
	ip netns exec "$nsb" timeout 90 "$py" "$work/rx.py" $ipb >"$work/rx.out" 2>&1 &
	rx=$!
	pids+=("$rx")
	wait_for 10 grep -q listening "$work/rx.out" || fail "no TCP listener"
	ip netns exec "$nsa" timeout 90 "$py" "$work/tx.py" $ipb $mib >"$work/tx.out" 2>&1 ||
		fail "TCP sender failed: $(tail -2 "$work/tx.out")"
	wait "$rx" || fail "TCP receiver failed: $(tail -2 "$work/rx.out")"
	cat "$work/rx.out" | tail -n 1
	grep -q "received $((mib * 1024 * 1024)) bytes" "$work/rx.out" || fail "TCP transfer incomplete"
else
	echo "no python3: no throughput figure"
fi

say "stopping the pair"
kill "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}"
tail -n 1 "$work/dev.out" "$work/drv.out"
echo "OK: IP link between the namespaces through vob"

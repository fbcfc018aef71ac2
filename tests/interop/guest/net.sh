# SPDX-License-Identifier: BSD-3-Clause
# Sourced by /init, which sets the vob_* words of the kernel command line.
# shellcheck shell=sh disable=SC2154
# Guest side of the net cases: eth0 gets vob_ip (address/prefix); the guest
# says READY and waits until it has answered vob_echos ICMP echo requests
# (the host pings it), then pings the host at vob_peer once itself. The ring
# format must be vob_ring (split or packed) when that is given.
wait_for /sys/class/net/eth0 20 || fail "no eth0"
check_ring /sys/class/net/eth0/device
ip link set lo up
ip addr add "$vob_ip" dev eth0 || fail "ip addr add $vob_ip"
ip link set eth0 up || fail "ip link set eth0 up"
echo "VOBTEST: READY eth0 $vob_ip $(cat /sys/class/net/eth0/address)"

in_echos() {
	awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; h = 1 } else print $c }' /proc/net/snmp
}
n=0
while [ "$(in_echos)" -lt "$vob_echos" ]; do
	n=$((n + 1))
	[ $n -lt 600 ] || fail "answered $(in_echos) of $vob_echos echo requests in 60 s"
	usleep 100000
done
echo "VOBTEST: answered $(in_echos) echo requests"
ping -c 1 -W 5 "$vob_peer" >/dev/null || fail "guest cannot ping $vob_peer"
echo "VOBTEST: pinged $vob_peer"
pass "net"

# SPDX-License-Identifier: BSD-3-Clause
# Sourced by /init, which sets the vob_* words of the kernel command line.
# shellcheck shell=sh disable=SC2154
# Guest side of the blk cases: the disk is /dev/vda.
#   vob_sectors  its expected size in 512-byte sectors
#   vob_ring     split or packed: the ring format it must have negotiated
#   vob_readmb   how many MiB from its start to read; vob_sha their sha256
#   vob_wblk, vob_wcount, vob_wtag  write vob_wcount 4 KiB blocks at 4 KiB
#                block vob_wblk, filled with lines "vob_wtag" (as `yes`)
#   vob_goblk, vob_w2blk, vob_w2tag, vob_preio  after the write, read
#                vob_preio 4 KiB blocks one request each, say READY and wait
#                (reading the disk) until 4 KiB block vob_goblk starts with
#                "GO", which the host writes after pausing and continuing the
#                VM; then write vob_wcount blocks of lines "vob_w2tag" at
#                block vob_w2blk and read them back
#   vob_reboots, vob_mblk  reboot (a device reset on the same connection)
#                vob_reboots times before passing, the boot count kept in
#                4 KiB block vob_mblk as a line "VOBBOOT N"
wait_for /sys/block/vda 20 || fail "no /dev/vda"
wait_for /dev/vda 5 || fail "no /dev/vda node"
size=$(cat /sys/block/vda/size)
[ "$size" = "$vob_sectors" ] || fail "vda has $size sectors, expected $vob_sectors"
echo "VOBTEST: vda has $size sectors"
check_ring /sys/block/vda/device

sha=$(dd if=/dev/vda bs=1048576 count="$vob_readmb" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$sha" = "$vob_sha" ] || fail "first $vob_readmb MiB of vda: sha256 $sha, expected $vob_sha"
echo "VOBTEST: read $vob_readmb MiB, content as expected"

if [ -n "$vob_wtag" ]; then
	yes "$vob_wtag" | head -c $((vob_wcount * 4096)) >/tmp/w
	dd if=/tmp/w of=/dev/vda bs=4096 seek="$vob_wblk" conv=fsync 2>/dev/null || fail "write to vda"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	dd if=/dev/vda of=/tmp/r bs=4096 skip="$vob_wblk" count="$vob_wcount" 2>/dev/null || fail "read back vda"
	cmp -s /tmp/w /tmp/r || fail "vda reads back other data than was written"
	echo "VOBTEST: wrote $vob_wcount blocks at block $vob_wblk and read them back"
fi
if [ -n "$vob_goblk" ]; then
	# Requests one at a time (direct 4 KiB reads), so that the ring is
	# well into its second lap at the stop (a packed ring's wrap counter 0).
	dd if=/dev/vda of=/dev/null bs=4096 count="${vob_preio:-0}" iflag=direct 2>/dev/null ||
		fail "direct reads of vda"
	echo "VOBTEST: READY for stop and cont"
	n=0
	until dd if=/dev/vda bs=4096 skip="$vob_goblk" count=1 2>/dev/null | head -c 2 | grep -q GO; do
		n=$((n + 1))
		[ $n -lt 600 ] || fail "no GO from the host in block $vob_goblk (reads after cont)"
		echo 3 >/proc/sys/vm/drop_caches
		usleep 100000
	done
	echo "VOBTEST: GO read after $n polls"
	yes "$vob_w2tag" | head -c $((vob_wcount * 4096)) >/tmp/w
	dd if=/tmp/w of=/dev/vda bs=4096 seek="$vob_w2blk" conv=fsync 2>/dev/null ||
		fail "write to vda after cont"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	dd if=/dev/vda of=/tmp/r bs=4096 skip="$vob_w2blk" count="$vob_wcount" 2>/dev/null ||
		fail "read back vda after cont"
	cmp -s /tmp/w /tmp/r || fail "vda reads back other data than was written after cont"
	echo "VOBTEST: after cont wrote $vob_wcount blocks at block $vob_w2blk and read them back"
fi
if [ -n "$vob_reboots" ]; then
	boot=$(dd if=/dev/vda bs=4096 skip="$vob_mblk" count=1 2>/dev/null | head -c 32 |
		sed -n 's/^VOBBOOT \([0-9][0-9]*\)$/\1/p')
	boot=$((${boot:-0} + 1))
	echo "VOBTEST: boot $boot"
	if [ "$boot" -le "$vob_reboots" ]; then
		printf 'VOBBOOT %d\n' "$boot" |
			dd of=/dev/vda bs=4096 seek="$vob_mblk" conv=sync,fsync 2>/dev/null ||
			fail "write the boot count"
		sync
		echo "VOBTEST: REBOOT $boot"
		reboot -f
		fail "reboot -f returned"
	fi
fi
pass "blk"

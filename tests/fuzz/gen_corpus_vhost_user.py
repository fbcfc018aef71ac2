#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_vhost_user_be (corpus/fuzz_vhost_user_be/)
and its hand-made reproducers (regress/fuzz_vhost_user_be/).

The encoders follow the byte order fuzz_vhost_user_be.c reads (two set-up
bytes, then one operation byte and its arguments per operation); change both
together. Each seed reaches a state the fuzzer would take long to find: a
running split or packed ring with blk requests answered, a reset and a new
set-up, a memory table changed while the ring runs, a reconnect, and the
refusals. Run from anywhere: python3 gen_corpus_vhost_user.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_vhost_user_be")
REGRESS = os.path.join(HERE, "regress", "fuzz_vhost_user_be")

# Operation numbers (the op byte modulo 16 in LLVMFuzzerTestOneInput).
SETUP, FEATURES, MEM, VRING, VRING_FD, CONFIG, NOARG, RAW, RING, LEAVE, TRUNC, STEP = (
    0, 2, 3, 4, 6, 7, 8, 9, 10, 13, 14, 15)
PACKED, EVENT_IDX, INDIRECT, TWO_REGIONS = 1, 2, 4, 8


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def head(mem0_pages=16, mem1_pages=4, net=False):
    """memfd 0 of mem0_pages (1-16) and memfd 1 of mem1_pages (1-4) pages;
    the blk back end, or the net one (two queues, echoing)."""
    return u8(mem0_pages - 1) + u8(mem1_pages - 1 + (0x80 if net else 0))


def setup(flags=0, qlog=0):
    """The whole set-up of queue 0; qlog 0-3: 8 to 64 entries."""
    return u8(SETUP) + u8(flags | (qlog << 4))


def gpa_in_region0(off):
    """A gen_gpa() choice: region 0, at 0x1000 + off (regions of 64 KiB)."""
    return u8(0) + u16(off)


def blk_request(desc, dsectors, typ, sector, kick=True, queue=0):
    """A blk request in descriptors desc.. (header, data, status), then a
    kick; on the net back end, the same chain shape on queue 0 or 1."""
    return (u8(RING) + u8((0 if kick else 0x20) | (queue << 6)) + u8(desc) + u8(dsectors) +
            gpa_in_region0(0x1000) + gpa_in_region0(0x3000) + gpa_in_region0(0x6000) +
            u8(typ) + u8(sector))


def noarg(which, need_reply=False):
    """0 GET_FEATURES, 1 GET_PROTOCOL_FEATURES, 2 GET_QUEUE_NUM,
    3 GET_MAX_MEM_SLOTS, 4 SET_OWNER, 5 RESET_OWNER, 6 RESET_DEVICE."""
    return u8(NOARG) + u8(which | (8 if need_reply else 0))


def vring(req, index, value):
    """req 0 NUM, 1 BASE, 2 GET_BASE, 3 ENABLE, on queue index, with value
    (both given in full: selector bits 0x20 and 0x10, no NEED_REPLY)."""
    sel = next(s for s in range(0x30, 0x40) if s % 5 == req)
    return u8(VRING) + u8(sel) + u32(index) + u32(value)


def step(n=1):
    return u8(STEP) * n


def write(name, data, where=OUT):
    with open(os.path.join(where, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    # A split ring running, a write then a read of the same sector.
    write("split-write-read", head() + setup(qlog=1) + blk_request(0, 1, 1, 3) + step(2) +
          blk_request(3, 1, 0, 3) + step(2) + noarg(0))
    # The same on a packed ring (the requests are split-shaped garbage there).
    write("packed-garbage", head() + setup(PACKED | EVENT_IDX) + blk_request(0, 2, 0, 1) +
          step(2))
    # Two regions, event index and indirect offered; GET_VRING_BASE stops it;
    # a second set-up starts it again.
    write("stop-and-restart", head(16, 2) + setup(TWO_REGIONS | EVENT_IDX | INDIRECT, 2) +
          blk_request(0, 1, 0, 0) + vring(2, 0, 0) + setup(0, 2) + blk_request(0, 1, 1, 9) +
          step(2))
    # RESET_DEVICE while running, then RESET_OWNER, then a new set-up.
    write("reset-mid", head() + setup() + blk_request(0, 0, 4, 0) + noarg(6, True) +
          noarg(5) + setup(0, 3) + step(2))
    # Memory table sent again while the ring runs (the old mapping is kept).
    write("mem-table-while-running", head() + setup() + setup() + setup(TWO_REGIONS) +
          blk_request(0, 1, 0, 2) + step(2))
    # Questions and config reads at odd offsets.
    write("questions", head(1, 1) + noarg(0) + noarg(1) + noarg(2) + noarg(3) + noarg(4) +
          u8(CONFIG) + u8(0) + u8(0) + u8(8) + u8(CONFIG) + u8(0) + u8(200) + u8(100) +
          u8(CONFIG) + u8(1) + u8(0) + u8(4))
    # Bad indices and sizes: each drops the connection; a reconnect follows.
    write("bad-index-reconnect", head() + vring(0, 7, 64) + u8(0) + vring(0, 0, 0) + u8(0) +
          vring(1, 0, 5) + u8(0) + noarg(2))
    # The net back end: both queues running, a readable chain on the
    # transmit queue (type 1: header and data readable, the status byte
    # writable, which breaks the transmit ring), a receive chain.
    write("net-both-queues", head(net=True) + setup(qlog=1) + blk_request(0, 1, 0, 0) +
          blk_request(0, 1, 1, 0, queue=1) + step(2) + noarg(2))
    # The front end leaves mid-run and comes back; then a cut message.
    write("leave-and-truncate", head() + setup() + u8(LEAVE) + setup() +
          blk_request(0, 1, 0, 1) + u8(TRUNC) + u8(7) +
          (b"\x05\x00\x00\x00\x01\x00\x00\x00").ljust(24, b"\x00"))

    # Regression: the ring runs, then SET_VRING_CALL with the write end of
    # a pipe whose read end is closed (pick_fd kind 6); the next request
    # answered made the back end's call raise SIGPIPE (vhu_be.c now refuses
    # pipes and sockets as call and error fds). regress/ also holds
    # region-beyond-memfd, a fuzzer find: a region larger than its memfd.
    os.makedirs(REGRESS, exist_ok=True)
    write("call-fd-broken-pipe", head() + setup() + u8(VRING_FD) + u8(1) + u8(6) +
          blk_request(0, 1, 0, 0) + step(2), REGRESS)


if __name__ == "__main__":
    main()

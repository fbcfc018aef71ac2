#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_net_driver (corpus/fuzz_net_driver/).

The encoders below follow the byte order fuzz_net_driver.c reads; change
both together. Run from anywhere: python3 gen_corpus_net_driver.py
"""
import os

from gen_corpus import u8, u16  # the byte encoders all seed scripts share

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_net_driver")


# Feature selector bits (feat_bits[] in the harness).
CSUM, GUEST_CSUM, MTU, MAC, GUEST_TSO4 = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4
HOST_TSO4, MRG, STATUS = 1 << 8, 1 << 12, 1 << 13
COMMON = CSUM | GUEST_CSUM | MTU | MAC | GUEST_TSO4 | HOST_TSO4 | STATUS
COHERENT, UNCACHED, CACHED = 0, 1, 2

# Operation numbers (op % 20 in the harness).
SEND, RECV, DRV_POLL, TX_POP, TX_PUSH, RX_POP, RX_GOOD, RX_BAD = 0, 2, 4, 5, 6, 7, 8, 10
CONFIG, RAW, CONCURRENT, DEV_POLL, DEV_KICK, DEV_RESET, DRV_RESET = 11, 12, 13, 14, 15, 16, 17
QUERIES, POLL_BOTH = 18, 19


def setup(qlog=6, packed=False, dev_f=COMMON | MRG, drv_f=COMMON | MRG, short_cfg=None,
          no_txq=False, refuse=False, link_up=True, mtu_sel=0, bad_deps=False, used_in_b=False,
          a_kind=COHERENT, buf_log=2, count_sel=3, rx_bufs=0):
    h5 = 0
    if short_cfg is not None:
        h5 |= 3
    if no_txq:
        h5 |= 4 | 8
    if refuse:
        h5 |= 0xF0
    h6 = (1 if link_up else 0) | 4 | 8 | (mtu_sel << 5)
    h7 = (short_cfg or 0) | (0x80 if bad_deps else 0) | (0x40 if used_in_b else 0)
    b = bytes([qlog | (0x80 if packed else 0)]) + u16(dev_f) + u16(drv_f)
    b += bytes([h5, h6, h7, 0, a_kind, 2, 0, buf_log | (count_sel << 3), rx_bufs])
    return b + bytes([1, 2, 3, 4, 5, 6])  # MAC


def send(n, m=0):
    return u8(SEND) + u8(m) + u16(n - 1)


def recv():
    return u8(RECV) + u8(2)


def tx_pop(n=1, push=True):
    return u8(TX_POP) + u8(n - 1) + u8(1 if push else 0)


def tx_push(idx=0):
    return u8(TX_PUSH) + u8(0) + u8(idx)


def rx_good_small(n):
    return u8(RX_GOOD) + u8(0) + u8(n - 1) + u16(0)


def rx_good_big(n):
    # (m >> 1) & 3 == 2: a 16-bit length, 1 + value % limit.
    return u8(RX_GOOD) + u8(4) + u16(n - 1) + u16(0)


# Written lengths of rx_bad (the mode in bits 2.. of its per-buffer byte).
W_SHORT, W_FULL, W_SHORT_MID, W_HDR_ONLY, W_GEN = 0 << 2, 1 << 2, 2 << 2, 3 << 2, 4 << 2


def rx_bad(nbufs, nb_mode, per_buf, hdr=bytes(10), uniform=False):
    """per_buf: list of (mode byte, extra bytes); hdr: the 10 header bytes
    before num_buffers, written into the first buffer. uniform: every
    buffer but the last full (per_buf then holds the last one only)."""
    b = u8(RX_BAD) + u8(nbufs - 1) + u8(nb_mode | (8 if uniform else 0))
    if nb_mode in (2, 3, 4):
        b += u8(1)
    if uniform:
        b += hdr if nbufs > 1 else bytes()
        hm, extra = per_buf[0]
        return b + u8(hm) + (hdr if nbufs == 1 else bytes()) + extra
    for i, (hm, extra) in enumerate(per_buf):
        b += u8(hm) + (hdr if i == 0 else bytes()) + extra
    return b


def config_link(up):
    return u8(CONFIG) + u8(1 << 2 if up else 0)


def poll(n=3):
    return u8(POLL_BOTH) + u8(n - 1)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    # Negotiation to live, the config read, the queries.
    write("live", setup() + poll(3) + u8(QUERIES) + u8(DRV_POLL))
    # Traffic both ways, one buffer per frame.
    t = setup(dev_f=COMMON, drv_f=COMMON, buf_log=5, count_sel=1)
    for n in (1, 60, 1514):
        t += send(n) + tx_pop() + u8(DRV_POLL) + rx_good_small(n % 200 + 1) + recv()
    # a frame longer than the caller's buffer stays first in line
    t += rx_good_small(40) + u8(RECV) + u8(0) + u16(10) + recv()
    write("traffic", t)
    # Merged receive buffers: frames over several 256-byte buffers.
    t = setup()
    for n in (300, 1500, 700):
        t += rx_good_big(n) + recv()
    write("mrg", t + send(1000) + tx_pop())
    # Malformed frames: num_buffers 0, huge, more than posted, too many;
    # written lengths below the header, short middle buffers, a push
    # beyond the chain; then a reset and good traffic again.
    # (no MTU feature: frames up to 8 buffers of 256 bytes are allowed;
    # 30 buffers, 15 kept posted)
    t = setup(dev_f=(COMMON | MRG) & ~MTU, drv_f=(COMMON | MRG) & ~MTU, count_sel=7)
    full = (W_FULL, bytes())
    t += rx_bad(1, 0, [full]) + recv()                          # num_buffers 0
    t += rx_bad(1, 1, [full]) + recv()                          # 0xffff
    t += rx_bad(2, 2, [full, full]) + recv()                    # more than come
    t += rx_bad(3, 3, [full] * 3) + recv()                      # over MAX_SEGS
    t += rx_bad(10, 3, [full], uniform=True) + recv()           # 10 full buffers, nb 10
    t += rx_bad(1, 4, [full]) + recv()                          # more than posted
    t += rx_bad(1, 5, [(W_SHORT, u8(5))]) + recv()              # shorter than the header
    t += rx_bad(1, 5, [(W_HDR_ONLY, bytes())]) + recv()         # a header, no frame
    t += rx_bad(2, 5, [(W_SHORT_MID, u8(7)), full]) + recv()    # short middle buffer
    t += rx_bad(1, 5, [(W_GEN | 0x80, u8(2))]) + recv()         # push beyond the chain
    t += u8(DRV_RESET) + u8(0) + rx_good_small(50) + recv()
    write("bad_frames", t)
    # A frame half reassembled (num_buffers 3, one buffer came) at a
    # driver reset, then at a hot remove.
    t = setup()
    t += rx_bad(1, 2, [(W_FULL, bytes())]) + recv() + u8(DRV_RESET) + u8(0)
    t += rx_bad(1, 2, [(W_FULL, bytes())]) + recv() + u8(DEV_RESET) + u8(0) + u8(0)
    write("reset_mid_frame", t)
    # Header fields: random flags and gso_type the driver did not negotiate.
    t = setup(dev_f=MAC | STATUS, drv_f=MAC | STATUS, buf_log=5, count_sel=1)
    # flags NEEDS_CSUM, TSO4 without the features, hdr_len and csum beyond
    t += rx_bad(1, 5, [(W_FULL, bytes())], hdr=bytes([1, 1, 0xff, 0xff, 0, 0, 0xf0, 0, 9, 0]))
    t += recv()
    t += rx_bad(1, 5, [(W_FULL | 1, bytes())], hdr=bytes([0xff, 0x85, 0, 0, 0, 0, 0, 0, 0, 0]))
    t += recv()
    write("hdr_fields", t)
    # Link status changes through the config, then a generation left odd.
    t = setup()
    t += config_link(False) + u8(DRV_POLL) + config_link(True) + u8(DRV_POLL)
    t += u8(CONFIG) + u8(2) + u8(0x20) + u8(0x03) + u8(DRV_POLL)  # MTU 800 after live
    t += u8(RAW) + u8(14) + u8(0) + u8(0) + config_link(False) + poll(2) + u8(QUERIES)
    write("config", t)
    # A short config (8 bytes: no MTU), an MTU below 68, no MRG.
    write("short_config", setup(short_cfg=8, mtu_sel=3, dev_f=COMMON, drv_f=COMMON,
                                buf_log=5, count_sel=1) + poll(2) + u8(QUERIES) +
          rx_good_small(10) + recv())
    # Concurrent writer on the config generation of a cached window.
    t = setup(a_kind=CACHED)
    t += u8(CONCURRENT) + u8(0) + u8(15) + u8(1) + bytes(4) + config_link(False)
    t += u8(DRV_POLL) * 4 + u8(QUERIES)
    write("concurrent_gen", t)
    # A device completing receive buffers (num_buffers 0) while the driver
    # collects them: the receive budget.
    t = setup(a_kind=CACHED, buf_log=0, count_sel=31)
    t += u8(CONCURRENT) + u8(16) + u8(0) + u8(250) + bytes(4) + recv() + recv()
    write("concurrent_push", t)
    # Frames held by the device at a hot remove, then at NEEDS_RESET.
    t = setup()
    t += send(100) + send(200) + tx_pop(1, push=False) + u8(RX_POP) + u8(3)
    t += u8(DEV_RESET) + u8(0) + u8(0) + send(100) + tx_pop() + rx_good_small(9) + recv()
    t += send(100) + u8(RX_POP) + u8(2) + u8(DEV_RESET) + u8(0) + u8(1) + poll(3)
    t += rx_good_small(30) + recv()
    write("reset_held", t)
    # Variants of the set-up: packed ring, used rings in the read-only
    # window, no transmit queue, features refused, broken dependencies.
    write("packed", setup(packed=True) + send(64) + tx_pop() + rx_good_big(600) + recv())
    write("used_in_b", setup(used_in_b=True) + send(64) + tx_pop() + rx_good_small(20) + recv())
    write("no_txq", setup(no_txq=True) + send(64) + rx_good_small(20) + recv())
    write("refused", setup(refuse=True) + poll(3) + send(64))
    write("bad_deps", setup(dev_f=HOST_TSO4 | GUEST_TSO4 | MRG, drv_f=0xFFFF, bad_deps=True) +
          send(64) + tx_pop() + rx_good_small(20) + recv())


if __name__ == "__main__":
    main()

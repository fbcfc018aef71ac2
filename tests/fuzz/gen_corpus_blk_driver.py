#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_blk_driver (corpus/fuzz_blk_driver/).

The encoders follow the byte order fuzz_blk_driver.c reads (its set-up
header, then one byte per operation, op % 20, and its arguments); change
both together. Run from anywhere: python3 gen_corpus_blk_driver.py
"""
import os

from gen_corpus import u8, u16, u32  # the byte encoders all seed scripts share

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_blk_driver")


def header(cached=False, used_in_b=False, feat_lo=0x22, feat_hi=0x31, cap=100,
           h10=0x40, h11=0):
    """Link and window kinds, queue of 64, 22 pool buffers of 1024 bytes, a
    device queue of 64 with EVENT_IDX and INDIRECT, the blk features
    (feat_lo: bits 1-6 shifted down by one; feat_hi: bits 9-14 shifted
    down by nine), a capacity of @cap sectors, seg_max 4, no size_max."""
    h = [0, 2 if cached else 0, 2, 5 | (0x40 if used_in_b else 0), 2 + 4 * 20,
         0x06 | (5 << 3), 0, feat_lo, feat_hi, (cap - 1) % 200, h10, h11]
    return bytes(h)


# ---- operations (op byte, then arguments) ----

def read(sector, n):
    return u8(0) + u8(0) + u8(n - 1) + u8(1) + u8(sector)


def write(sector, n):
    return u8(0) + u8(3) + u8(n - 1) + u8(1) + u8(sector)


def flush():
    return u8(0) + u8(13) + u8(0) + u8(0)


def get_id():
    return u8(0) + u8(5) + u8(0) + u8(0)


def discard(sector, n):
    return u8(0) + u8(6) + u8(n - 1) + u8(1) + u8(sector)


def write_zeroes(sector, n, unmap):
    return u8(0) + u8(7) + u8(((n - 1) & ~1) | (1 if unmap else 0)) + u8(1) + u8(sector)


def pop(n=1):
    return u8(4) + u8(n - 1)


# Answers: data (0 whole, 2 a part, 3 none), status (0 OK, 3 IOERR, 4 UNSUPP,
# 5 the byte @sb, 6 none), used length (0 exact, 3 zero, 4 short, 5 without
# the status byte, 6 over the chain).
def answer(data=0, status=0, used=0, sb=0, sel=0, extra=b""):
    return u8(6) + u8(sel) + u8(data | status << 2 | used << 5) + u8(sb) + extra


def poll():
    return u8(9)


def both():
    return u8(19)


def config_capacity(cap):
    return u8(14) + u8(0) + u8(4) + u8(cap - 8)  # gen_cap: 8 + byte


def config_field(which, v):
    return u8(14) + u8(which) + u8(v)  # which % 9 != 0, below 0x80: v % 20


def life(kind):
    """0 needs reset, 1 remove / publish again, 2 restart, 3 a new config
    (then a capacity: u8(4) + u8(c - 8))."""
    return u8(15) + u8(kind)


def reset():
    return u8(16)


def hook(after, op, val):
    return u8(17) + u8(after - 1) + u8(op) + val


def burst(sel, more=b""):
    return u8(18) + u8(sel) + more + u8(0)


def used_raw(m, uid, length):
    return u8(12) + u8(m) + u32(uid) + u32(length)


def seeds():
    s = {}
    one = lambda req, **kw: req + pop() + answer(**kw) + poll()
    s["traffic"] = (header() + one(read(5, 2)) + one(write(7, 3)) + one(flush()) +
                    one(get_id()) + one(discard(10, 4)) + one(write_zeroes(20, 2, True)) +
                    read(1, 1) + read(2, 8) + pop(2) + answer(sel=1) + answer() + poll() +
                    burst(3))
    s["status-bytes"] = (header() + one(read(1, 1), status=3) + one(read(1, 1), status=4) +
                         one(read(1, 1), status=5, sb=0x7f) + one(read(1, 1), status=6) +
                         one(get_id(), status=5, sb=0xff))
    s["used-lengths"] = (header() + one(read(1, 2), used=3) +
                         one(read(1, 2), used=4, extra=u16(300)) +
                         one(read(1, 2), used=5) +
                         read(3, 1) + pop() + answer(used=6, extra=u8(9)) + answer() + poll() +
                         one(read(4, 2), data=2, extra=u16(700)) +
                         one(read(4, 2), data=3) +
                         one(get_id(), data=2, used=4, extra=u16(5) + u16(10)))
    s["out-of-order"] = (header() + read(1, 1) + read(2, 2) + write(3, 1) + flush() + pop(4) +
                         answer(sel=2) + answer(sel=0, status=3) + answer(sel=3) +
                         answer(sel=1) + poll() + used_raw(0x05, 1000, 1) + poll() + both() * 6 +
                         read(1, 1) + used_raw(0x04, 0, 5000) + poll())
    s["config"] = (header(used_in_b=True) + config_capacity(20) + poll() + read(19, 1) +
                   read(20, 1) + config_field(1, 1) + config_field(2, 2) + poll() + read(0, 4) +
                   pop() + config_capacity(10) + answer() + poll() +
                   life(3) + u8(4) + u8(22) + poll())
    s["reset-in-flight"] = (header() + read(1, 1) + read(2, 1) + pop() + life(0) + poll() +
                            both() * 8 + read(1, 1) + write(2, 1) + reset() + both() * 8 +
                            read(3, 1) + pop() + life(1) + poll() + both() * 2 + life(1) +
                            both() * 8 + read(4, 1) + life(2) + both() * 10 + read(5, 1) +
                            pop() + answer() + poll())
    s["mid-read"] = (header(cached=True) + hook(2, 1, u8(4) + u8(40)) + life(3) + u8(4) + u8(50) +
                     both() * 3 + hook(1, 6, u8(0)) + life(3) + u8(4) + u8(60) + both() * 4 +
                     hook(3, 5, u8(3)) + config_field(1, 1) + both() * 3 + one(read(1, 1)))
    # 16 config bytes for features that need 57: the config is refused.
    s["short-config"] = (bytes([0, 0, 2, 5, 82, 0x2e, 0x80, 0x23, 0xB1, 107, 0x40, 0]) +
                         both() * 4 + read(1, 1) + get_id() + flush() + poll())
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

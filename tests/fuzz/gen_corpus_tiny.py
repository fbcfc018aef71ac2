#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seeds for fuzz_tiny_device (see the input format in that file).

python3 gen_corpus_tiny.py <dir>: writes a few small inputs that reach a
live device with traffic, a broken ring and the reset after it, restarts of
either side, a wiped table, chains held over to later pushes, and the
device on side 0 without a doorbell.
"""
import os
import sys

from gen_corpus import u8, u16, u32  # the byte encoders all seed scripts share

ANNOUNCE, REQUEST, PLACE, CHAIN, AVAIL, RAW, POLL, POP, PUSH, KICK, MISC, LOOP = (
    0, 1, 3, 4, 6, 7, 8, 10, 12, 13, 14, 15)


def setup(side=1, features=False, doorbell=True, seed=9):
    sel = side | (2 << 1) | (16 if features else 0) | (0 if doorbell else 32)
    return bytes([0, 0, sel, seed])


def request(step):
    """The next status step (0, 1, 3, 11, 15), features VERSION_1, then a poll."""
    return u8(REQUEST) + u8(step) + u8(0) + u8(POLL)


def up():
    """Announce the driver, negotiate, place queue 0 (16 entries), go live."""
    out = u8(ANNOUNCE) + u8(1) + u8(POLL)
    for step in range(4):
        out += request(step)
    out += u8(PLACE) + u8(0) + u8(4) + u8(0) + u8(0) + u8(0) + u8(0)
    return out + request(4)


def chain(n, fault=b""):
    """n descriptors (first half readable), good buffers; @fault: (sel, its
    argument) for the first descriptor."""
    out = u8(CHAIN) + u8(0) + u8(n - 1)
    for k in range(n):
        if k == 0 and fault:
            out += u8(fault[0]) + u8(k) + u8(40) + fault[1]
        else:
            out += u8(0) + u8(k) + u8(40 + k)
    return out + u8(0)


def pop(how=1, n=64):
    """how: 1 put then push, 3 put and hold, 5 push claiming more."""
    return u8(POP) + u8(how) + u16(n)


def traffic(rounds):
    out = b""
    for r in range(rounds):
        out += chain(1 + r % 4) + pop() + u8(KICK)
    return out


SEEDS = {
    "basic": setup() + up() + traffic(6) + u8(LOOP),
    "side0-no-doorbell": setup(side=0, features=True, doorbell=False) + up() + traffic(3),
    # an indirect descriptor (field 2: flags = 4): NEEDS_RESET, then reset
    # and up again
    "broken-then-reset": setup() + up() + traffic(2) + chain(2, (5, u16(4))) + pop()
    + pop() + request(0) + request(1) + request(2) + request(3) + request(4) + traffic(2),
    "driver-restart": setup() + up() + traffic(2) + u8(ANNOUNCE) + u8(1) + u8(POLL)
    + up()[3:] + traffic(2),
    "device-restart": setup() + up() + traffic(2) + u8(MISC) + u8(16) + u32(77) + u8(POLL)
    + up()[3:] + traffic(2),
    "table-wiped": setup() + up() + traffic(2) + u8(MISC) + u8(1) + u8(POLL) + up()
    + traffic(2),
    "held-chains": setup() + up() + chain(2) + pop(3) + chain(1) + pop(3) + chain(3)
    + pop(5) + u8(PUSH) + u8(1) + u16(9) + u8(PUSH) + u8(0) + u16(500) + u8(KICK),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_tiny_device")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seeds for fuzz_console_driver (see the input format in that file).

python3 gen_corpus_console_driver.py <dir>: writes a few small inputs that
reach negotiation to live, traffic each way on one and on two ports, the
device's control messages, config changes, and the malformed-reply paths
(forged used lengths, pushes longer than the chain, raw writes, resets,
removal, restart).
"""
import os
import sys

from gen_corpus import u8, u16, u32  # the byte encoders all seed scripts share

CTRL_RXQ, CTRL_TXQ = 2, 3
ADD, REMOVE, CONSOLE, RESIZE, OPEN, NAME = 1, 2, 4, 5, 6, 7


def header(mp, ports, rx, feat, qsel=4, used_in_b=False, cfg=b""):
    h4 = (1 if mp else 0) | (((ports - 1) % 4) << 1) | (rx << 4)
    h6 = (qsel << 1) | (0x80 if used_in_b else 0)
    h9 = 1 if cfg else 0
    return bytes([0, 0, 2, 0, h4, 0x10, h6, feat, 0, h9, 0, 0]) + cfg


def pop(q):
    return u8(0) + u8(q)


def push_data(q, n, written_mode, kick=True):
    """Data (n bytes, 1 <= n <= 255) into the oldest held chain of q."""
    out = u8(3) + u8(q) + u8(0) + u32(0x1234 + n) + u8(2) + u8(n)
    return out + u8(written_mode) + (u8(1) if kick else b"")


def push_written(q, n, written):
    """n bytes, claiming @written (mode 3: u32 % (in_len + 1))."""
    return u8(3) + u8(q) + u8(0) + u32(7) + u8(2) + u8(n) + u8(3) + u32(written) + u8(1)


def push_ctl(port, event, value, extra=0, written_mode=1, n=None):
    """A control message: sel picks event < 9 and small id/value."""
    sel = event  # sel % 9 == event for event < 9, low nibble too
    payload = u8(1 if written_mode else 0)
    body = u8(sel) + u8(port) + u8(value)
    if event == NAME:
        body += u8(extra)
    size = n if n is not None else 48
    out = u8(3) + u8(CTRL_RXQ) + u8(0) + u32(99) + u8(2) + u8(size) + body
    # written: 1 = the whole chain, 3 = a given length
    if written_mode == 1:
        out += u8(1)
    else:
        out += u8(3) + u32(written_mode)
    return out + u8(1)


def push_empty(q):
    return u8(3) + u8(q) + u8(0) + u32(1) + u8(0) + u8(0) + u8(1)


def poll():
    return u8(6)


def read(port, n):
    return u8(8) + u8(port) + u8(3) + u16(n)


def write(port, n):
    return u8(10) + u8(port) + u8(2) + u8(n) + u32(0xabcd + n)


def port_op(kind, port, flag=0):
    return u8(11) + u8(kind | (flag << 3)) + u8(port)


def dev(m, rest=b""):
    return u8(12) + u8(m) + rest


def negotiate():
    return u8(13)


def forge(q, honest, length):
    m = 1 | 2 if honest else 0
    return u8(14) + u8(1) + u8(q) + u8(m) + u32(0) + u32(length)


def raw(off, data):
    return u8(14) + u8(0) + u8(0) + u8(len(data) - 1) + u16(off) + data


SIZE, MP, EVIDX = 2, 1, 8


def seeds():
    s = {}
    # One port: bytes each way, a config change, sizes, partial reads.
    b = header(False, 1, 2, SIZE | EVIDX)
    b += pop(0) + push_data(0, 5, 3 * 0 + 1) + read(0, 3) + read(0, 100)
    b += pop(0) + push_data(0, 40, 1) + read(0, 1000)
    b += write(0, 10) + pop(1) + u8(3) + u8(1) + u8(0) + u8(0) + u8(1)
    b += dev(3, u8(0) + u8(4) + u16(132) + u16(43)) + poll() + port_op(3, 0)
    b += write(0, 200) + pop(1) + pop(1) + poll() + read(0, 10)
    s["single-port-traffic"] = b
    # Two ports, multiport: control messages of every kind.
    b = header(True, 2, 2, MP | SIZE | EVIDX)
    b += pop(CTRL_TXQ) + u8(3) + u8(CTRL_TXQ) + u8(0) + u8(0) + u8(1)
    b += pop(CTRL_RXQ) + push_ctl(1, ADD, 0) + poll()
    b += pop(CTRL_TXQ) + pop(CTRL_RXQ) + push_ctl(1, NAME, 0, extra=40) + poll()
    b += pop(CTRL_RXQ) + push_ctl(1, CONSOLE, 1) + poll()
    b += pop(CTRL_RXQ) + push_ctl(1, RESIZE, 0) + poll()
    b += pop(CTRL_RXQ) + push_ctl(1, OPEN, 1) + poll()
    b += pop(CTRL_RXQ) + push_ctl(1, 8, 0) + poll()
    b += pop(CTRL_RXQ) + push_ctl(0, ADD, 0, written_mode=4) + poll()
    b += pop(CTRL_RXQ) + push_ctl(5, ADD, 0) + poll()
    b += port_op(0, 1, 1) + write(1, 30) + pop(5) + pop(4) + push_data(4, 9, 1) + read(1, 50)
    b += pop(CTRL_RXQ) + push_ctl(1, REMOVE, 0) + poll() + read(1, 50) + write(1, 3)
    b += port_op(1, 1) + port_op(2, 1) + port_op(3, 1)
    s["multiport-control"] = b
    # Malformed replies: lengths, raw bytes, resets, removal, restart.
    b = header(True, 1, 1, MP | SIZE, used_in_b=True)
    b += pop(0) + push_written(0, 4, 64) + push_data(0, 9, 2) + read(0, 10)
    b += forge(0, True, 0x7fff) + read(0, 10) + negotiate()
    b += pop(0) + push_empty(0) + read(0, 10)
    b += write(0, 20) + port_op(4, 0) + pop(1) + read(0, 4) + negotiate()
    b += dev(0) + poll() + negotiate() + dev(1 | 8) + poll() + negotiate()
    b += dev(2) + negotiate() + raw(40, b"\xff\xff\xff\xff") + negotiate()
    b += forge(CTRL_RXQ, False, 3) + poll() + negotiate()
    s["malformed-replies"] = b
    # Config too short for SIZE, fewer device queues, tiny queues, IN_ORDER.
    b = bytes([1, 4, 0, 1, 0x07, 0x02, 0x03, MP | SIZE | 0x10 | 0x20 | 0x40, 0x13,
               0x08, 3, 0])
    b += pop(0) + pop(0) + push_data(0, 3, 1) + push_data(0, 3, 1) + read(0, 6)
    b += write(0, 255) + pop(1) + poll() + port_op(3, 0)
    s["short-config-in-order"] = b
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "corpus/fuzz_console_driver"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()

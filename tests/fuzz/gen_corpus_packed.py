#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the packed-ring fuzz targets
(corpus/fuzz_packed_device/, corpus/fuzz_packed_driver/).

The encoders follow the byte order the harnesses read (fuzz_packed_device.c,
fuzz_packed_driver.c); change both together. Run from anywhere:
python3 gen_corpus_packed.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

EVENT_IDX, INDIRECT, IN_ORDER, NOTIF_DATA = 1, 2, 4, 8
LINE = {16: 0, 32: 1, 64: 2, 128: 3, 256: 4}
COHERENT, UNCACHED, CACHED = 0, 1, 2
DMA_NONE, DMA_NOW, DMA_BUSY, DMA_FAIL = 0, 1, 2, 3


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def size_sel(size):
    """Header byte for a queue size: powers of two to 256, any size to 128."""
    if size & (size - 1) == 0 and size <= 256:
        return size.bit_length() - 1
    assert 1 <= size <= 128
    return 0x80 | (size - 1)


def header(size, feat, line, layout, kind_a, kind_b, dma, h6, base, cache_ops):
    kinds = kind_a + 3 * kind_b + (9 if cache_ops else 0)
    return bytes([size_sel(size), feat, LINE[line], layout, kinds, dma, h6, base])


class Dev:
    """Encoder for fuzz_packed_device inputs."""

    def __init__(self, size=8, feat=0, line=64, layout=0, kind_a=COHERENT,
                 kind_b=COHERENT, dma=DMA_NONE, seg_max=0, base=0, cache_ops=False):
        self.b = header(size, feat, line, layout, kind_a, kind_b, dma, seg_max, base,
                        cache_ops)

    def op(self, code, *args):
        self.b += u8(code) + b"".join(args)
        return self

    def chain(self, n=1, n_out=1, publish=True, bits=0, idsel=0):
        """n descriptors, lengths 8, in the free area; bits 0: right wrap."""
        body = u8(n - 1) + u8(bits) + u8(idsel) + u8(n_out)
        for k in range(n - 1, -1, -1):
            body += u8(7) + u16(64 * k)
            if k + 1 != n:
                body += u8(0)
        return self.op(2 if publish else 19, body)

    def indirect(self, m=3, m_out=1, where=0, idsel=0):
        body = u8(m - 1) + u8(m_out) + u8(where) + u8(idsel) + u16(256)
        for k in range(m):
            body += u8(15) + u16(64 * k)
        return self.op(4, body)

    def pop(self, sel=0):
        return self.op(6, u8(sel))

    def push(self, written_sel=1, sel=1):
        return self.op(8, u8(sel), u8(written_sel))

    def pop_all(self, push=True):
        return self.op(16, u8(0x40 if push else 0))

    def burst(self, count=100, wsel=1):
        return self.op(17, u8(count), u8(wsel))

    def enable(self):
        return self.op(13)

    def disable(self):
        return self.op(14)

    def kick(self, sel=0):
        return self.op(15, u8(sel))

    def pull(self):
        return self.op(11, u8(0), u8(0), u8(0), u8(0), u32(1), u8(1), u8(64))

    def pushx(self):
        return self.op(12, u8(0), u8(0), u8(0), u8(0), u32(1), u8(1), u8(64))

    def event(self, m=0):
        return self.op(1, u8(m))


class Drv:
    """Encoder for fuzz_packed_driver inputs."""

    def __init__(self, size=8, feat=0, line=64, layout=0, kind_a=COHERENT,
                 kind_b=COHERENT, imax=0, base=0, cache_ops=False):
        self.b = header(size, feat, line, layout, kind_a, kind_b, 0, imax, base, cache_ops)

    def op(self, code, *args):
        self.b += u8(code) + b"".join(args)
        return self

    def add(self, n=1, n_out=1, length=16, where=1):
        body = u8(n - 1) + u8(n_out) + u8(0)
        for k in range(n):
            body += u8(where) + u8(length - 1) + u16(256 * k)
        return self.op(0, body)

    def complete(self, sel=0, lsel=1):
        return self.op(3, u8(sel), u8(lsel))

    def get_used(self, sel=0):
        return self.op(5, u8(sel))

    def used_raw(self, m=0, *args):
        return self.op(7, u8(m), *args)

    def kick(self, sel=0):
        return self.op(10, u8(sel))

    def enable(self):
        return self.op(11)

    def disable(self):
        return self.op(12)

    def burst(self, count=100, sel=0):
        return self.op(13, u8(count), u8(sel))

    def collect(self):
        return self.op(14)

    def reset(self):
        return self.op(15, u8(0))


def dev_seeds():
    s = {}
    s["basic"] = Dev().chain(2, 1).pop().pull().pushx().push().kick(1).enable().b
    s["odd-size-wrap"] = Dev(size=7).burst(40).chain(3, 1).pop_all().kick().b
    s["size-1"] = Dev(size=1).burst(9).chain(1, 0).pop().push().b
    s["event-idx"] = (Dev(feat=EVENT_IDX).chain().chain().pop().push().kick()
                      .enable().chain().pop().push().kick(1).disable().b)
    s["indirect"] = Dev(feat=INDIRECT, size=5).indirect(4, 2).pop().push().pull().b
    s["indirect-unaligned"] = Dev(feat=INDIRECT).indirect(3, 1, where=2).pop().b
    s["in-order"] = (Dev(feat=IN_ORDER | EVENT_IDX, size=12).chain(2, 1).chain(1, 1)
                     .chain(3, 2).pop_all(push=False).push(sel=3).push(sel=1).push(sel=1)
                     .push(sel=1).b)
    s["out-of-order"] = (Dev(size=6).chain(3, 1).chain(1, 0).chain(2, 1)
                         .pop_all(push=False).push(sel=4).push(sel=0).push(sel=2).b)
    s["unpublished-head"] = (Dev(size=9).chain(2, 1, publish=False).chain(1, 1)
                             .pop().pop().push().push().b)
    s["wrong-lap"] = Dev(size=4).burst(3).chain(3, 1, bits=0x15).pop().b
    s["busy-id"] = Dev().chain(1, 1).pop().chain(1, 1, idsel=6).pop().b
    s["overrun"] = Dev(size=3).chain().chain().chain().pop_all(push=False).chain().pop().b
    s["cached-ring-refused"] = Dev(kind_a=CACHED).chain().pop().push().b
    s["cached-payload"] = (Dev(layout=1, kind_b=CACHED, dma=DMA_NOW, cache_ops=True)
                           .chain(3, 2).pop().pull().pushx().push().b)
    s["driver-area-in-b"] = Dev(layout=1, feat=EVENT_IDX).chain().pop().push().kick().b
    s["end-layout-seg-max"] = Dev(layout=2, seg_max=2, size=16).chain(3, 1).pop().b
    s["dma-fail"] = Dev(dma=DMA_FAIL, cache_ops=True).chain(2, 1).pop().pull().pushx().b
    s["big-lines"] = Dev(line=256, size=100, base=2).burst(250).b
    s["notif-data"] = Dev(feat=NOTIF_DATA | EVENT_IDX).chain().pop().push().kick(2).b
    # Resumed rings (feat bits 4-7, see dev_setup): two from the end with
    # wrap counter 0, and one from the end with wrap 1.
    s["resumed-wrap0"] = (Dev(size=8, feat=0x20 | 0x10 | EVENT_IDX).chain(2, 1).chain(1, 1)
                          .pop_all().kick().chain().pop().push().b)
    s["resumed-wrap1"] = Dev(size=5, feat=0x00 | 0x20).burst(12).chain(3, 1).pop_all().b
    return s


def drv_seeds():
    s = {}
    s["basic"] = Drv().add(2, 1).kick(1).complete().get_used().enable().b
    s["odd-size-wrap"] = Drv(size=5).burst(30).add(3, 1).complete().collect().b
    s["size-1"] = Drv(size=1).burst(5).add().complete().get_used().b
    s["event-idx"] = (Drv(feat=EVENT_IDX).add().kick().add().kick().enable().complete()
                      .get_used().disable().b)
    s["indirect"] = Drv(feat=INDIRECT, imax=4, size=3).add(4, 2).add(2, 1).complete()\
        .complete().collect().b
    s["in-order-batch"] = (Drv(feat=IN_ORDER, size=10).add(2, 1).add(1, 0).add(3, 1)
                           .complete(sel=8).collect().b)
    s["out-of-order"] = (Drv(size=7).add(3, 1).add(1, 0).add(2, 1).complete(sel=2)
                         .complete(sel=0).get_used().get_used().complete().collect().b)
    s["bad-used-id"] = Drv().add().used_raw(0x04, u16(200), u8(0)).get_used().b
    s["bad-used-len"] = Drv().add(2, 1).used_raw(0x08, u8(0), u8(2), u8(2)).get_used().b
    s["cached-ring-refused"] = Drv(kind_a=CACHED).add().complete().get_used().b
    s["cached-payload"] = (Drv(layout=1, kind_b=CACHED, cache_ops=True)
                           .add(2, 1, where=0x81).complete().get_used().b)
    s["device-area-in-b"] = Drv(layout=1, feat=EVENT_IDX).add().kick().complete().get_used().b
    s["notif-data"] = Drv(feat=NOTIF_DATA, size=3).burst(4).add().kick(1).kick(2).b
    s["reclaim"] = Drv().add().add().complete().reset().add().b
    s["end-layout"] = Drv(layout=2, size=100, feat=INDIRECT | EVENT_IDX, imax=6).burst(200).b
    # Resumed rings (feat bits 4-7, see drv_setup), as for the device.
    s["resumed-wrap0"] = (Drv(size=8, feat=0x20 | 0x10 | EVENT_IDX).add(2, 1).add()
                          .kick().complete().get_used().burst(10).b)
    s["resumed-in-order"] = (Drv(size=6, feat=0x40 | IN_ORDER).add(2, 1).add(1, 0)
                             .complete().collect().burst(8).b)
    return s


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fuzz_packed_device", dev_seeds())
    write("fuzz_packed_driver", drv_seeds())

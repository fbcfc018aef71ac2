#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora (corpus/<target>/) and the hand-made reproducers
(regress/<target>/) of the split-ring fuzz targets.

Each input is built with the operation encoders below, which follow the
byte order the harnesses read (fuzz_split_device.c, fuzz_split_driver.c);
change both together. Run from anywhere: python3 gen_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v):
    return bytes([v & 0xFF])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def qlog(size):
    return size.bit_length() - 1


EVENT_IDX, INDIRECT, IN_ORDER, NOTIF_DATA = 1, 2, 4, 8
LINE = {16: 0, 32: 1, 64: 2, 128: 3, 256: 4}
COHERENT, UNCACHED, CACHED = 0, 1, 2
DMA_NONE, DMA_NOW, DMA_BUSY, DMA_FAIL = 0, 1, 2, 3


def start_sel(start):
    """Header byte for a start index: 0, or 65536 - k for k in 1..160."""
    if start == 0:
        return 0
    k = 65536 - start
    assert 1 <= k <= 160
    return 95 + k


# ---- fuzz_split_device -----------------------------------------------------

class Dev:
    """Encoder for fuzz_split_device inputs."""

    def __init__(self, size=8, feat=0, line=64, layout=0, kind_a=COHERENT,
                 kind_b=COHERENT, dma=DMA_NONE, seg_max=0, base=0, gap=False,
                 start=0, cache_ops=False):
        kinds = kind_a + 3 * kind_b + (9 if cache_ops else 0)
        if seg_max <= 200:
            sm = seg_max
        else:
            assert (seg_max - 200) % 5 == 0
            sm = 200 + (seg_max - 200) // 5
        self.b = bytearray([qlog(size), feat, LINE[line], layout, kinds, dma, sm,
                            base + 3 * (1 if gap else 0), start_sel(start)])

    def chain(self, descs, n_out, publish=True):
        """descs: [(len 1..64, offset in the free region)], readable first."""
        n = len(descs)
        assert 1 <= n <= 6 and 1 <= min(l for l, _ in descs) and max(l for l, _ in descs) <= 64
        self.b += u8(3 if publish else 19) + u8(n - 1) + u8(n_out)
        for ln, off in descs:
            self.b += u8(ln - 1) + u16(off)
        return self

    def indirect(self, entries, m_out, pre=(), in_b=False, unaligned=False,
                 write_flag=False, toff=0):
        """entries: [(len 1..64, offset in free A)]; pre: direct descriptors
        before the indirect one [(len 1..32, offset < 1024)]."""
        m = len(entries)
        assert 1 <= m <= 8 and len(pre) <= 2
        where = (1 if in_b else 0) | (2 if unaligned else 0) | (4 if write_flag else 0)
        self.b += u8(4) + u8(m - 1) + u8(m_out) + u8(len(pre)) + u8(where) + u16(toff)
        for ln, off in entries:
            self.b += u8(ln - 1) + u16(off)
        for ln, off in pre:
            self.b += u8(ln - 1) + u16(off)
        return self

    def desc_raw(self, i, length, addr, flags, next_mode=0, next_val=0):
        """length: ('small', v) | ('u16', v) | ('zero',) | ('huge', k) | ('u32', v);
        addr: ('free', off) | ('freeB', off) | ('a', off) | ('b', off) |
              ('endA', k) | ('endB', k) | ('raw', v) | ('belowA', k) | ('aboveB', k);
        flags: 0..7, or ('u16', v); next_mode 0: i+1, 1: v & mask, 2: raw v, 3: i."""
        self.b += u8(0) + u16(i)
        kind = length[0]
        if kind == 'small':
            self.b += u8(0) + u8(length[1])
        elif kind == 'u16':
            self.b += u8(4) + u16(length[1])
        elif kind == 'zero':
            self.b += u8(5)
        elif kind == 'huge':
            self.b += u8(6) + u8(length[1])
        else:
            self.b += u8(7) + u32(length[1])
        kind = addr[0]
        if kind == 'free':
            self.b += u8(0) + u16(addr[1])
        elif kind == 'freeB':
            self.b += u8(0x80) + u16(addr[1])
        elif kind == 'a':
            self.b += u8(3) + u16(addr[1])
        elif kind == 'b':
            self.b += u8(4) + u16(addr[1])
        elif kind == 'endA':
            self.b += u8(5) + u8(addr[1])
        elif kind == 'endB':
            self.b += u8(5 | 0x40) + u8(addr[1])
        elif kind == 'raw':
            self.b += u8(6) + u64(addr[1])
        elif kind == 'belowA':
            self.b += u8(7 | 0x40) + u8(addr[1])
        else:
            self.b += u8(7) + u8(addr[1])
        if isinstance(flags, tuple):
            self.b += u8(0x80) + u8(next_mode)
            self.b += u16(flags[1])
        else:
            self.b += u8(flags) + u8(next_mode)
        if next_mode in (1, 2):
            self.b += u16(next_val)
        return self

    def avail_entry(self, slot, head):
        self.b += u8(2) + u8(0) + u16(head) + u16(slot)
        return self

    def publish(self, head, raw=False):
        self.b += u8(2) + u8(1 | (0x80 if raw else 0)) + u16(head)
        return self

    def avail_bump(self, k):
        self.b += u8(2) + u8(2) + u8(k)
        return self

    def avail_set(self, idx):
        self.b += u8(2) + u8(3) + u16(idx)
        return self

    def avail_flags(self, v):
        self.b += u8(2) + u8(4) + u16(v)
        return self

    def used_event(self, v):
        self.b += u8(2) + u8(0x85) + u16(v)
        return self

    def raw(self, target, off, data):
        """target 0: A, 1: B, 2: descriptor table, 3: used area."""
        assert 1 <= len(data) <= 16
        self.b += u8(5) + u8(target) + u8(len(data) - 1) + bytes(data) + u16(off)
        return self

    def pop(self, sel=0):
        self.b += u8(6) + u8(sel)
        return self

    def push(self, written=1, front=True, idx=0, again=False, value=0):
        """written: 0: zero, 1: in_len, 2: in_len + 1, 3: u32 % (in_len + 1),
        4: 0xffffffff, 5: raw u32 value."""
        sel = 1 if front else (idx << 1)
        self.b += u8(10 if again else 8) + u8(sel) + u8(written)
        if written in (3, 5):
            self.b += u32(value)
        return self

    def xfer(self, pull, pieces, offset=0, use_x=False, flat=False, rec=0, seed=1):
        """pieces: [lengths]; offset: int (0..65535 picks a mode) or
        ('tail', k) or ('u64', v)."""
        n = len(pieces)
        assert 1 <= n <= 4
        self.b += u8(11 if pull else 12) + u8(rec << 1) + u8(n - 1)
        if isinstance(offset, tuple):
            om = 3 if offset[0] == 'tail' else 4
        else:
            om = 0 if offset == 0 else 1 if offset < 256 else 2
        self.b += u8(om) + u8((1 if use_x else 0) | (2 if flat else 0)) + u32(seed)
        if om == 1:
            self.b += u8(offset)
        elif om == 2:
            self.b += u16(offset)
        elif om == 3:
            self.b += u8(offset[1])
        elif om == 4:
            self.b += u64(offset[1])
        for ln in pieces:
            if ln == 0:
                self.b += u8(0)
            elif ln < 256:
                self.b += u8(1) + u8(ln)
            elif ln <= 4096:
                self.b += u8(2) + u16(ln)
            else:
                raise ValueError(ln)
        return self

    def enable(self):
        self.b += u8(13)
        return self

    def disable(self):
        self.b += u8(14)
        return self

    def kick(self, mode=0):
        """0: kick_prepare, 1: kick, 2: notify."""
        self.b += u8(15) + u8(mode)
        return self

    def pop_all(self, push_all=True):
        self.b += u8(16) + u8(0x40 if push_all else 0)
        return self

    def burst(self, c, full=False):
        """1 + 2c rounds of publish / pop / push."""
        self.b += u8(17) + u8(c) + u8(1 if full else 0)
        return self

    def reset(self):
        self.b += u8(18) + u8(0)
        return self

    def wrong_role(self):
        self.b += u8(18) + u8(1)
        return self

    def bytes(self):
        return bytes(self.b)


# ---- fuzz_split_driver -----------------------------------------------------

class Drv:
    """Encoder for fuzz_split_driver inputs."""

    def __init__(self, size=8, feat=0, line=64, layout=0, kind_a=COHERENT,
                 kind_b=COHERENT, imax=0, base=0, gap=False, start=0, cache_ops=False):
        kinds = kind_a + 3 * kind_b + (9 if cache_ops else 0)
        if imax == 0:
            isel = 0
        elif imax == 1:
            isel = 1
        else:
            assert 2 <= imax <= 16
            isel = 2 + 4 * (imax - 2)
        self.b = bytearray([qlog(size), feat, LINE[line], layout, kinds, isel,
                            base + 3 * (1 if gap else 0), start_sel(start)])

    def add(self, segs, n_out, null_token=False):
        """segs: [(len, addr)] with len 1..64 and addr ('free', off) |
        ('freeB', off) | ('raw', v) | ('a', off); or len given as
        ('u16', v) / ('huge', k) / ('zero',) / ('u32', v) for any segment."""
        n_in = len(segs) - n_out
        big = any(isinstance(ln, tuple) for ln, _ in segs)
        m = (0x40 if big else 0) | (0x8F if null_token else 0)
        xo, xi = n_out, n_in
        if n_out > 3:
            m |= 0x10
        if n_in > 3:
            m |= 0x20
        self.b += u8(0) + u8(m) + u8(min(n_out, 3)) + u8(min(n_in, 3))
        if n_out > 3:
            self.b += u8(xo - 3)
        if n_in > 3:
            self.b += u8(xi - 3)
        for ln, addr in segs:
            if big:
                if isinstance(ln, tuple):
                    kind = ln[0]
                    if kind == 'u16':
                        self.b += u8(4) + u16(ln[1])
                    elif kind == 'zero':
                        self.b += u8(5)
                    elif kind == 'huge':
                        self.b += u8(6) + u8(ln[1])
                    else:
                        self.b += u8(7) + u32(ln[1])
                    ln = 1
                else:
                    self.b += u8(0) + u8(ln - 1)
            else:
                assert 1 <= ln <= 64
                self.b += u8(ln - 1)
            kind = addr[0]
            if kind == 'free':
                self.b += u8(0) + u16(addr[1])
            elif kind == 'freeB':
                self.b += u8(0x80) + u16(addr[1])
            elif kind == 'raw':
                self.b += u8(4) + u64(addr[1])
            else:
                self.b += u8(5) + u16(addr[1])
        return self

    def complete(self, m, picks=(), lens=()):
        """Honest completion. IN_ORDER: a batch of 1 + m % min(pending, 8)
        oldest chains; otherwise 1 + m % min(pending, 4) chains, each chosen
        by a pick byte. m & 0x80: written = in_len, else lens give u32s."""
        self.b += u8(3) + u8(m)
        return self._complete_tail(m, picks, lens)

    def _complete_tail(self, m, picks, lens):
        if picks:
            for j, p in enumerate(picks):
                self.b += u8(p)
                if not (m & 0x80):
                    self.b += u32(lens[j] if j < len(lens) else 0)
        elif not (m & 0x80):
            self.b += u32(lens[0] if lens else 0)
        return self

    def used_entry(self, slot, id_mode, len_mode, rec=0, id_val=0, len_val=0):
        """id_mode 0: head of outstanding chain rec, 1: id_val & mask,
        2: size + id_val, 3: raw u32 id_val; len_mode 0: in_len, 1: in_len + 1,
        2: 0, 3: raw u32 len_val. Needs outstanding chains for rec."""
        self.b += u8(5) + u8(0) + u8(rec) + u8(id_mode)
        if id_mode == 1:
            self.b += u16(id_val)
        elif id_mode == 2:
            self.b += u8(id_val)
        elif id_mode == 3:
            self.b += u32(id_val)
        self.b += u8(len_mode)
        if len_mode == 3:
            self.b += u32(len_val)
        self.b += u16(slot)
        return self

    def _hostile(self, m, have_out):
        self.b += u8(5) + u8(m) + (u8(0) if have_out else b"")

    def used_bump(self, k, have_out=True):
        self._hostile(1, have_out)
        self.b += u8(k)
        return self

    def used_set(self, idx, have_out=True):
        self._hostile(2, have_out)
        self.b += u16(idx)
        return self

    def used_flags(self, v, have_out=True):
        self._hostile(3, have_out)
        self.b += u16(v)
        return self

    def avail_event(self, back=0, raw=None, have_out=True):
        if raw is None:
            self._hostile(4, have_out)
            self.b += u8(back)
        else:
            self._hostile(4 | 0x80, have_out)
            self.b += u16(raw)
        return self

    def scribble(self, area, off, data, have_out=True):
        """area 'used', or 'desc' / 'avail' / 'ind' (the driver's own)."""
        assert 1 <= len(data) <= 16
        if area == 'used':
            self._hostile(5, have_out)
            self.b += u8(len(data) - 1) + bytes(data) + u16(off)
        else:
            self._hostile(6, have_out)
            self.b += u8(len(data) - 1) + u8({'desc': 0, 'avail': 1, 'ind': 2}[area])
            self.b += bytes(data) + u16(off)
        return self

    def get_used(self, sel=0):
        self.b += u8(6) + u8(sel)
        return self

    def kick(self, mode=0):
        self.b += u8(8) + u8(mode)
        return self

    def enable(self):
        self.b += u8(9)
        return self

    def disable(self):
        self.b += u8(10)
        return self

    def burst(self, c, m=1):
        self.b += u8(11) + u8(c) + u8(m)
        return self

    def collect(self):
        self.b += u8(12)
        return self

    def reclaim(self, k=1):
        self.b += u8(13) + u8(((k - 1) % 4) << 3)
        return self

    def reset(self):
        self.b += u8(13) + u8(1)
        return self

    def wrong_role(self):
        self.b += u8(13) + u8(2)
        return self

    def bytes(self):
        return bytes(self.b)


# ---- the inputs -------------------------------------------------------------

def device_seeds():
    s = {}
    s["basic"] = (Dev(size=8).chain([(16, 0), (32, 64)], 1).chain([(8, 128)], 0)
                  .pop().xfer(True, [16]).xfer(False, [32], flat=True).push(1)
                  .kick(0).pop().push(1).kick(1).enable().disable().kick(2))
    s["multi-seg"] = (Dev(size=16, seg_max=8).chain([(64, 0), (64, 100), (3, 300), (20, 400), (9, 500), (40, 600)], 3)
                      .pop(0x30).xfer(True, [50, 0, 100, 40], offset=10)
                      .xfer(False, [7, 7, 7, 7], offset=('tail', 5)).push(3, value=30))
    s["indirect"] = (Dev(size=8, feat=INDIRECT).indirect([(16, 0), (16, 32), (64, 64), (64, 200)], 2, pre=[(8, 512)])
                     .pop().xfer(True, [40]).xfer(False, [128]).push(1)
                     .indirect([(10, 0), (10, 16)], 0, in_b=True).pop().push(0))
    s["indirect-unaligned"] = (Dev(size=8, feat=INDIRECT)
                               .indirect([(16, 0), (16, 32), (8, 64)], 1, unaligned=True, toff=4)
                               .pop().xfer(True, [16]).xfer(False, [24]).push(1)
                               .indirect([(16, 0)], 1, in_b=True, unaligned=True, toff=3)
                               .pop().push(0))
    s["indirect-bad"] = (Dev(size=4, feat=INDIRECT, seg_max=4)
                         .indirect([(8, 0)] * 5, 2).pop().pop().enable().kick(0))
    s["in-order-event-idx"] = (Dev(size=8, feat=IN_ORDER | EVENT_IDX)
                               .chain([(8, 0), (8, 16)], 1).chain([(8, 32)], 0).chain([(8, 48), (8, 64), (8, 80)], 2)
                               .used_event(0).enable().pop_all(True).kick(0).pop().enable()
                               .chain([(8, 0)], 1).pop().push(1, front=True).kick(1))
    s["in-order-out-of-order-push"] = (Dev(size=8, feat=IN_ORDER)
                                       .chain([(8, 0)], 0).chain([(8, 32)], 0).pop().pop()
                                       .push(0, front=False, idx=1).push(0).push(0).push(0, again=True))
    s["wrap"] = (Dev(size=4, feat=EVENT_IDX, start=65536 - 150)
                 .burst(100, full=True).kick(0).enable().burst(20).kick(1))
    s["wrap-size1"] = Dev(size=1, start=65536 - 3).burst(5).kick(0).enable().disable()
    s["cached-dma"] = (Dev(size=8, kind_a=CACHED, kind_b=CACHED, dma=DMA_NOW)
                       .desc_raw(0, ('u16', 600), ('free', 0), 2, 0)
                       .publish(0)
                       .desc_raw(1, ('u16', 400), ('freeB', 0), 1, 0)
                       .desc_raw(2, ('u16', 300), ('free', 2000), 2, 0)
                       .publish(1)
                       .pop().xfer(False, [300, 300], use_x=True).push(1)
                       .pop().xfer(True, [256, 300], use_x=True, rec=1)
                       .xfer(False, [299], use_x=True, flat=True, rec=1)
                       .push(5, value=12).enable().disable().kick(0))
    s["dma-fail"] = (Dev(size=8, kind_a=CACHED, dma=DMA_FAIL)
                     .desc_raw(0, ('u16', 600), ('free', 0), 1, 0)
                     .desc_raw(1, ('u16', 600), ('free', 800), 2, 0)
                     .publish(0).pop().xfer(True, [50, 300], use_x=True)
                     .xfer(False, [50, 300], use_x=True).push(3, value=77))
    s["dma-busy"] = (Dev(size=8, kind_b=CACHED, dma=DMA_BUSY, cache_ops=True)
                     .desc_raw(0, ('u16', 1000), ('freeB', 8), 1, 0)
                     .desc_raw(1, ('u16', 700), ('free', 200), 2, 0)
                     .publish(0).pop().xfer(True, [600, 300], use_x=True).xfer(False, [700], use_x=True).push(1))
    s["ro-layout"] = (Dev(size=32, layout=1, line=256, feat=EVENT_IDX)
                      .chain([(8, 0), (8, 8)], 1).chain([(4, 100)], 1).pop_all(False)
                      .push(1, front=False, idx=1).push(1).kick(0).enable())
    s["end-layout"] = (Dev(size=256, layout=2, line=16)
                       .chain([(8, 0)], 0).chain([(8, 0), (16, 40)], 1).pop_all(True).burst(60).kick(1))
    s["top-of-space"] = (Dev(size=8, base=2, gap=True)
                         .desc_raw(0, ('small', 16), ('endA', 16), 0, 0).publish(0).pop().push(0)
                         .desc_raw(1, ('small', 32), ('endA', 16), 0, 0).publish(1).pop().pop())
    s["adjacent-windows"] = (Dev(size=8, base=1)
                             .desc_raw(0, ('small', 32), ('endA', 16), 0, 0).publish(0).pop())
    s["raw-address"] = (Dev(size=8)
                        .desc_raw(0, ('small', 8), ('raw', 0xFFFFFFFFFFFFFFF8), 0, 0).publish(0).pop())
    s["huge-len"] = (Dev(size=8, seg_max=4)
                     .desc_raw(0, ('small', 8), ('free', 0), 1, 0)
                     .desc_raw(1, ('huge', 0), ('free', 0), 2, 0).publish(0).pop())
    s["zero-len"] = (Dev(size=8)
                     .desc_raw(0, ('zero',), ('raw', 0xdead), 1, 0)
                     .desc_raw(1, ('small', 8), ('free', 0), 2, 0).publish(0).pop()
                     .xfer(True, [8]).xfer(False, [8]).push(1))
    s["direction"] = (Dev(size=8)
                      .desc_raw(0, ('zero',), ('free', 0), 3, 0)
                      .desc_raw(1, ('small', 8), ('free', 0), 0, 0).publish(0).pop().pop())
    s["loop"] = (Dev(size=8).desc_raw(3, ('small', 8), ('free', 0), 1, 3).publish(3).pop().pop()
                 .enable().kick(0).reset().chain([(8, 0)], 0).pop().push(1))
    s["busy-head"] = (Dev(size=4).chain([(8, 0)], 0).publish(0).pop().pop())
    s["avail-idx-jump"] = Dev(size=4).chain([(8, 0)], 0).avail_set(100).pop()
    s["head-range"] = Dev(size=4).publish(9, raw=True).pop()
    s["next-range"] = (Dev(size=4).desc_raw(0, ('small', 8), ('free', 0), 1, 2, 0x40).publish(0).pop())
    s["scribble-used"] = (Dev(size=4, feat=EVENT_IDX).chain([(8, 0)], 0).pop()
                          .raw(3, 0, b"\xff" * 16).push(0).enable().kick(0))
    s["writable-over-ring"] = (Dev(size=4).desc_raw(0, ('small', 64), ('a', 0), 2, 0)
                               .publish(0).pop().xfer(False, [64]).push(1).pop())
    s["cap-too-small"] = Dev(size=8, seg_max=4).chain([(8, 0)], 0).pop(15).pop()
    s["wrong-role"] = (Dev(size=2).wrong_role().chain([(8, 0)], 0).publish(5, raw=True)
                       .pop().pop().wrong_role())
    return s


def device_regress():
    r = {}
    # Found by fuzz_split_device, fixed in 6647f12: split_walk() read an
    # indirect table through a struct pointer whatever its alignment, so an
    # indirect descriptor whose address is not a multiple of 8 was undefined
    # behaviour (UBSan: misaligned member access) and a hard fault on cores
    # that trap unaligned loads (LDRD on Cortex-M3/M4/M7, any unaligned LDR
    # on Cortex-M0). The table here sits at a free-area offset of 4.
    r["misaligned-indirect-table"] = (Dev(size=8, feat=INDIRECT)
                                      .indirect([(16, 0), (16, 32)], 1, unaligned=True, toff=4)
                                      .pop())
    return r


def driver_seeds():
    s = {}
    s["basic"] = (Drv(size=8).add([(16, ('free', 0)), (32, ('free', 64))], 1).kick(0)
                  .complete(0x80, picks=[0]).get_used().get_used().kick(1).enable().disable().kick(2))
    s["many"] = (Drv(size=16, feat=EVENT_IDX)
                 .add([(8, ('free', 0))], 1).add([(8, ('free', 16)), (8, ('freeB', 32))], 1)
                 .add([(8, ('free', 64))] * 5, 2).kick(0).avail_event(0)
                 .complete(2, picks=[1, 0, 0], lens=[0, 8, 3]).enable().collect().kick(1).disable())
    s["indirect"] = (Drv(size=8, feat=INDIRECT, imax=8)
                     .add([(8, ('free', 0))] * 3 + [(16, ('free', 100))] * 2, 3)
                     .add([(8, ('free', 300))], 0).add([(8, ('free', 400))] * 9, 4)
                     .complete(0x81, picks=[0, 0]).collect())
    s["in-order-batch"] = (Drv(size=8, feat=IN_ORDER | EVENT_IDX)
                           .add([(8, ('free', 0))], 0).add([(8, ('free', 16)), (8, ('free', 32))], 1)
                           .add([(8, ('free', 48))], 1).add([(8, ('free', 64))], 0)
                           .complete(2, lens=[5]).get_used().enable().get_used().get_used().enable()
                           .complete(0x80).collect().add([(8, ('free', 0))] * 3, 1).complete(0x80).collect())
    s["in-order-indirect"] = (Drv(size=4, feat=IN_ORDER | INDIRECT, imax=4)
                              .add([(8, ('free', 0))] * 3, 1).add([(8, ('free', 0))], 1)
                              .add([(8, ('free', 0))] * 4, 2).complete(0x82).collect())
    s["wrap"] = (Drv(size=4, feat=EVENT_IDX, start=65536 - 150).burst(100, 3).kick(0).enable()
                 .burst(20, 0).kick(1))
    s["wrap-in-order"] = Drv(size=2, feat=IN_ORDER, start=65536 - 10).burst(20, 1).collect()
    s["enospc"] = (Drv(size=4).add([(8, ('free', 0))] * 5, 2).add([(8, ('free', 0))] * 4, 2)
                   .add([(8, ('free', 0))], 1).complete(0x80, picks=[0]).get_used()
                   .add([(8, ('free', 0))], 1))
    s["einval"] = (Drv(size=4).add([(8, ('free', 0))], 1, null_token=True)
                   .add([(('huge', 0), ('free', 0)), (('huge', 0), ('free', 0))], 1)
                   .add([(('zero',), ('raw', 0x1234)), (('u16', 4000), ('free', 0))], 1)
                   .get_used(31))
    s["bad-id"] = (Drv(size=8).add([(8, ('free', 0))], 0).used_entry(0, 2, 2, id_val=3).used_bump(1)
                   .get_used().get_used().kick(0).enable().reclaim(2))
    s["bad-len"] = (Drv(size=8).add([(8, ('free', 0)), (8, ('free', 16))], 1)
                    .used_entry(0, 0, 1).used_bump(1).get_used().add([(8, ('free', 0))], 1))
    s["used-idx-jump"] = Drv(size=8).add([(8, ('free', 0))], 0).used_set(5).get_used()
    s["not-in-flight"] = (Drv(size=8).add([(8, ('free', 0))], 0).add([(8, ('free', 0))], 0)
                          .used_entry(0, 1, 2, id_val=5).used_bump(1).get_used())
    s["in-order-wrong-id"] = (Drv(size=8, feat=IN_ORDER).add([(8, ('free', 0))], 1)
                              .add([(8, ('free', 0))], 1).used_entry(0, 1, 2, id_val=3)
                              .used_bump(2).get_used().get_used())
    s["cached-ro-used"] = (Drv(size=8, layout=1, kind_a=CACHED, kind_b=CACHED, feat=INDIRECT, imax=4)
                           .add([(8, ('free', 0)), (8, ('freeB', 0)), (8, ('free', 64))], 1)
                           .add([(8, ('free', 200))], 0).kick(0).complete(0x81, picks=[0, 0]).collect()
                           .enable().disable())
    s["end-layout"] = (Drv(size=256, layout=2, line=16, feat=INDIRECT, imax=4)
                       .add([(8, ('free', 0))] * 3, 1).burst(80, 3).collect())
    s["top-of-space"] = (Drv(size=8, base=2, gap=True, line=256)
                         .add([(8, ('raw', 0xFFFFFFFFFFFFFFF0)), (8, ('free', 0))], 1)
                         .complete(0x80, picks=[0]).collect())
    s["scribble-own"] = (Drv(size=8, feat=INDIRECT, imax=4)
                         .add([(8, ('free', 0))] * 2, 1).add([(8, ('free', 32))], 1)
                         .scribble('desc', 0, b"\xff" * 16).scribble('ind', 0, b"\xee" * 16)
                         .scribble('avail', 0, b"\x01\x02\x03\x04")
                         .complete(0x81, picks=[0, 0]).collect()
                         .add([(8, ('free', 0))] * 2, 1).add([(8, ('free', 0))] * 2, 1).complete(0x80, picks=[0]).collect())
    s["scribble-used"] = (Drv(size=4, feat=EVENT_IDX).add([(8, ('free', 0))], 1)
                          .scribble('used', 0, b"\x01\x00\x05\x00") .get_used().kick(0))
    s["reset"] = (Drv(size=8).add([(8, ('free', 0))], 1).add([(8, ('free', 0))], 1)
                  .complete(0x80, picks=[1]).reset().add([(8, ('free', 0))], 1)
                  .complete(0x80).collect().reclaim(1).add([(8, ('free', 0))], 1))
    s["wrong-role"] = (Drv(size=2).wrong_role().add([(8, ('free', 0))], 1).reclaim(1)
                       .wrong_role())
    s["notification-data"] = (Drv(size=8, feat=NOTIF_DATA).add([(8, ('free', 0))], 1).kick(1)
                              .used_flags(1).add([(8, ('free', 0))], 1).kick(1).kick(2))
    return s


def write(kind, target, items):
    d = os.path.join(HERE, kind, target)
    os.makedirs(d, exist_ok=True)
    for name, enc in items.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(enc.bytes())


if __name__ == "__main__":
    write("corpus", "fuzz_split_device", device_seeds())
    write("corpus", "fuzz_split_driver", driver_seeds())
    write("regress", "fuzz_split_device", device_regress())

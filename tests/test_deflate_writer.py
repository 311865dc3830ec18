"""The ``compressing`` profile's ``deflate.DeflateIO.write``: a DEFLATE encoder in MicroPython
on the virtual board, its output checked with CPython's zlib and with the board's own (the
unix port's) reader at the same window."""

from __future__ import annotations

import gzip
import json
import random
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine import Device, VirtualBoard

RAW, ZLIB, GZIP, AUTO = "deflate.RAW", "deflate.ZLIB", "deflate.GZIP", "deflate.AUTO"

# Packs the file at src into dst in writes of `step` bytes (None: one write), then reads dst
# back with the unix port's reader at the same window; returns whether that gave src's bytes.
PACK = """
import deflate
def _pack(src, dst, fmt, wbits, step):
    with open(src, 'rb') as f:
        data = f.read()
    m = memoryview(data)
    step = step or len(data) or 1
    with open(dst, 'wb') as f:
        with deflate.DeflateIO(f, fmt, wbits) as d:
            for i in range(0, max(len(data), 1), step):
                d.write(m[i:i + step])
    with open(dst, 'rb') as f:
        d = deflate.DeflateIO(f, deflate.RAW if fmt == deflate.AUTO else fmt, wbits)
        return d.read() == data
"""

SOURCE = b"".join(p.read_bytes() for p in sorted(Path(engine.__file__).parent.glob("*.py")))
TEXT = SOURCE[:20_000]


@pytest.fixture(scope="module")
def board_device(tmp_path_factory) -> Iterator[tuple[VirtualBoard, Device]]:
    root = tmp_path_factory.mktemp("deflate") / "flash"
    with VirtualBoard(root=root, profile="compressing") as vb, Device(vb.port) as dev:
        dev(PACK)
        yield vb, dev


@pytest.fixture
def pack(board_device):
    """``pack(data, fmt, wbits, step)``: the board's encoding of ``data``."""
    vb, dev = board_device

    def run(data: bytes, fmt: str = RAW, wbits: int = 10, step: int | None = None) -> bytes:
        (vb.root / "in.bin").write_bytes(data)
        assert dev(f"_pack('/in.bin', '/out.bin', {fmt}, {wbits}, {step})") is True
        return (vb.root / "out.bin").read_bytes()

    return run


CASES = {
    "empty": b"",
    "one byte": b"x",
    "a run longer than 258": b"a" * 1000,
    "a two-byte run": b"ab" * 700,
    "every byte value": bytes(range(256)),
    "every byte value, repeated": bytes(range(256)) * 3 + bytes(range(255, -1, -1)),
    "source text": TEXT,
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_zlib_decodes_what_the_board_encodes(pack, data):
    assert zlib.decompress(pack(data), -15) == data


def test_runs_become_matches(pack):
    assert len(pack(b"a" * 1000)) < 12  # a literal, then distance-1 matches of up to 258
    assert len(pack(TEXT)) < len(TEXT) * 0.6


@pytest.mark.parametrize("wbits", [5, 10])
def test_matches_reach_the_window_s_edge_and_not_past_it(pack, wbits):
    """A repeat exactly one window back is matched; one byte further it cannot be. The
    board's own reader, given the same window, decodes both (``pack`` checks)."""
    window = 1 << wbits
    noise = random.Random(wbits).randbytes(window + 1)
    for gap, matched in ((window, True), (window + 1, False)):
        head = noise[:gap]
        data = head + head[:200]
        out = pack(data, wbits=wbits)
        assert zlib.decompress(out, -15) == data
        grown = len(out) - len(pack(head, wbits=wbits))
        assert (grown < 10) is matched, (gap, grown)


def test_the_encoding_does_not_depend_on_how_the_writes_are_cut(pack):
    whole = pack(TEXT)
    assert pack(TEXT, step=7) == whole
    assert pack(TEXT, step=1000) == whole


def test_zlib_gzip_and_auto_formats(pack):
    zlib_out = pack(TEXT, ZLIB, 12)
    assert zlib.decompress(zlib_out, 12) == TEXT  # the header states a window of 4 KB or less
    assert gzip.decompress(pack(TEXT, GZIP, 9, step=3000)) == TEXT
    assert zlib.decompress(pack(TEXT, AUTO, 8), -15) == TEXT  # AUTO writes raw, as firmware does
    assert zlib.decompress(pack(b"", ZLIB)) == b""
    assert gzip.decompress(pack(b"", GZIP)) == b""


def test_a_stream_as_the_firmware_s_is(board_device):
    """Usable where a stream is (json.dump), closed for writing after close(), nothing
    written by one that never wrote, arguments checked, and reading the unix port's own
    (here zlib's dynamic Huffman codes, which the encoder never makes)."""
    vb, dev = board_device
    (vb.root / "text.py").write_bytes(TEXT)
    (vb.root / "text.z").write_bytes(zlib.compress(TEXT, 9))
    packed, late, untouched, bad, read_back = dev(
        "import deflate, io, json\n"
        "q = io.BytesIO()\n"
        "with deflate.DeflateIO(q, deflate.ZLIB) as d:\n"
        "    json.dump({'a': [1, 2, 3]}, d)\n"
        "try:\n"
        "    d.write(b'x')\n"
        "    late = 'written'\n"
        "except OSError as e:\n"
        "    late = e.errno\n"
        "r = io.BytesIO()\n"
        "deflate.DeflateIO(r).close()\n"
        "try:\n"
        "    deflate.DeflateIO(r, deflate.RAW, 16)\n"
        "    bad = 'accepted'\n"
        "except ValueError as e:\n"
        "    bad = str(e)\n"
        "with open('/text.z', 'rb') as f:\n"
        "    back = deflate.DeflateIO(f, deflate.ZLIB).read() == open('/text.py', 'rb').read()\n"
        "(q.getvalue(), late, r.getvalue(), bad, back)"
    )
    assert json.loads(zlib.decompress(packed)) == {"a": [1, 2, 3]}
    assert (late, untouched, bad, read_back) == (22, b"", "wbits", True)

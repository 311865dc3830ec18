"""WebREPL's binary file channel over a simulated round-trip time: a pipelined batch of puts
against the same puts one request at a time, and a get against 256-byte REPL writes.
(Calls/s and sync over WebREPL are the ``calls`` and ``sync`` suites on the same target.)"""

from __future__ import annotations

import random

from ..device import Device
from ..exceptions import InternalError
from ._run import BenchTarget
from ._sync import _timed

FILES = 40
FILE_BYTES = 6_000  # 40 files of 6 KB: about the 240 KB of library code a sync moves
BLOB_BYTES = 16_384  # plus one incompressible 16 KB file
REPL_CHUNK = 256  # how peers write files over a REPL: bytes literals of 256 bytes per call


def measure_webrepl(target: BenchTarget) -> dict:
    """Seconds to put 40 files and a 16 KB blob in one pipelined batch, the same files one
    request at a time, the blob as peers write it (256-byte REPL calls), and to get it."""
    rng = random.Random(0)
    files = [
        (f"/bench/f{i:02}.py", rng.randbytes(FILE_BYTES // 2).hex().encode()) for i in range(FILES)
    ]
    blob = rng.randbytes(BLOB_BYTES)
    files.append(("/bench/blob.bin", blob))
    total = sum(len(data) for _name, data in files)
    with target.board() as (port, _vb), target.connect(port) as device:
        channel = device.connection.file_channel
        if channel is None:
            return {}
        device("import os\ntry:\n os.mkdir('/bench')\nexcept OSError:\n pass", record=False)
        batch = _timed(lambda: channel.put_files(files))

        def one_by_one() -> None:
            for name, data in files:
                channel.put_files([(name, data)])

        singly = _timed(one_by_one)
        got: list[bytes] = []
        get = _timed(lambda: got.append(channel.get_file("/bench/blob.bin")))
        if got != [blob]:
            raise InternalError("the blob read back over WebREPL differs from what was put")
        repl = _timed(lambda: _repl_write(device, "/bench/repl.bin", blob))
    return {
        "put_bytes": total,
        "put_batch_s": round(batch, 3),
        "put_batch_kb_per_s": round(total / batch / 1000, 1),
        "put_one_by_one_s": round(singly, 3),
        "ratio_batch_to_one_by_one": round(batch / singly, 3),
        "blob_get_s": round(get, 3),
        "blob_repl_chunks_s": round(repl, 3),
    }


def _repl_write(device: Device, path: str, data: bytes) -> None:
    """The REPL way, one call per 256-byte ``bytes`` literal (what Belay and mpremote do)."""
    device(f"_bf = open({path!r}, 'wb')", record=False)
    for i in range(0, len(data), REPL_CHUNK):
        device(f"_bf.write({data[i : i + REPL_CHUNK]!r})", record=False)
    device("_bf.close()", record=False)

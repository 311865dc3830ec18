"""WebREPL figures over a simulated round-trip time: task calls, and files on the binary
channel, each as a ratio to what the latency alone allows or to the one-at-a-time way."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ..device import Device
from ..exceptions import InternalError
from ..transport import WebreplTransport
from ._calls import measure_calls
from ._run import BenchTarget

FILES = 40
FILE_BYTES = 6_000  # 40 files of 6 KB: about the 240 KB of library code a sync moves
BLOB_BYTES = 16_384  # plus one incompressible 16 KB file
REPL_CHUNK = 256  # how peers write files over a REPL: bytes literals of 256 bytes per call


def measure_webrepl(target: BenchTarget, seconds: float = 2.0) -> dict:
    """Calls/s and file transfer times over WebREPL at ``target.webrepl_latency``."""
    latency = target.webrepl_latency or 0.0
    figures = {"latency_ms": round(latency * 1000, 1), **measure_calls(target, seconds)}
    if latency:
        # One call is one round trip: the latency alone allows 1 / latency calls/s.
        figures["ratio_to_latency_limit"] = round(figures["calls_per_s"] * latency, 2)
    figures.update(measure_webrepl_files(target))
    return figures


def measure_webrepl_files(target: BenchTarget) -> dict:
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
        transport = device.transport
        if not isinstance(transport, WebreplTransport):
            return {}
        device("import os\ntry:\n os.mkdir('/bench')\nexcept OSError:\n pass", record=False)
        batch = _timed(lambda: transport.put_files(files))
        singly = _timed(lambda: [transport.put_file(name, data) for name, data in files])
        got: list[bytes] = []
        get = _timed(lambda: got.append(transport.get_file("/bench/blob.bin")))
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


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _repl_write(device: Device, path: str, data: bytes) -> None:
    """The REPL way, one call per 256-byte ``bytes`` literal (what Belay and mpremote do)."""
    device(f"_bf = open({path!r}, 'wb')", record=False)
    for i in range(0, len(data), REPL_CHUNK):
        device(f"_bf.write({data[i : i + REPL_CHUNK]!r})", record=False)
    device("_bf.close()", record=False)

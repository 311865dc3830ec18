"""File figures: ``fs get`` of a 64 KB random file and of 64 KB of source, and ``fs put`` of
the random one, with each read's rate as a ratio to the link's and the bytes the source's
read put on the wire (below its size where the board compresses); mpremote's
``fs cp :file .`` of the same random file on the same kind of board, when asked."""

from __future__ import annotations

import importlib.util
import random
import sys
import tempfile
import time
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ._run import BenchTarget

FILE_BYTES = 65_536
BOARD_FOLDER = "/_belay_bench_files"  # on a real board, removed afterwards


def _files(dest: Path) -> tuple[Path, Path]:
    """Seeded random bytes, and as much of ``rich``'s source (compressible)."""
    import rich

    dest.mkdir(parents=True, exist_ok=True)
    noise = dest / "random.bin"
    noise.write_bytes(random.Random(0).randbytes(FILE_BYTES))
    text = b"".join(p.read_bytes() for p in sorted(Path(rich.__file__).parent.glob("*.py")))
    source = dest / "source.py"
    source.write_bytes(text[:FILE_BYTES])
    return noise, source


def measure_files(target: BenchTarget) -> dict:
    """Put the two files, then read each back (timed), checking the bytes."""
    with tempfile.TemporaryDirectory() as tmp, target.board() as (port, _vb):
        noise, source = _files(Path(tmp))
        folder = BOARD_FOLDER if target.port is not None else "/"
        times, wire = {}, {}
        with target.connect(port) as device:
            start = time.perf_counter()
            device.fs.put(noise, folder)
            put_s = time.perf_counter() - start
            device.fs.put(source, folder)
            for name, local in (("random", noise), ("source", source)):
                before = device.connection.stats.bytes_in
                start = time.perf_counter()
                data = device.fs.read_bytes(f"{folder.rstrip('/')}/{local.name}")
                times[name] = time.perf_counter() - start
                wire[name] = device.connection.stats.bytes_in - before
                if data != local.read_bytes():
                    raise FeatureUnavailableError(f"the bench read {local.name} back damaged")
        cli_s = _cli_get(target, port, f"{folder.rstrip('/')}/{noise.name}", Path(tmp, "cli"))
        if target.port is not None:
            with target.connect(port) as device:
                device.fs.remove(folder, recursive=True)
    figures = {
        "file_bytes": FILE_BYTES,
        "get_random_s": round(times["random"], 3),
        "get_source_s": round(times["source"], 3),
        "get_source_wire_bytes": wire["source"],
        "put_random_s": round(put_s, 3),
        "cli_get_random_s": round(cli_s, 3),
    }
    if target.link_rate:
        for name in ("random", "source"):
            figures[f"get_{name}_ratio_to_link"] = round(
                FILE_BYTES / times[name] / target.link_rate, 3
            )
        figures["put_random_ratio_to_link"] = round(FILE_BYTES / put_s / target.link_rate, 3)
    return figures


def _cli_get(target: BenchTarget, port: str, path: str, out: Path) -> float:
    """``belay-tui fs get`` in a fresh process, connecting included: what mpremote's
    figure is compared with."""
    from ._peers import _run

    out.mkdir()
    command = [sys.executable, "-m", "belay_tui.cli", "fs", "get", port, path, str(out)]
    start = time.perf_counter()
    done = _run(command, "belay-tui fs get", env=target.environment())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FeatureUnavailableError(f"belay-tui fs get failed: {last}")
    return seconds


def measure_mpremote_get(target: BenchTarget) -> dict:
    """``mpremote connect PORT fs cp :random.bin .`` (a fresh process, as a user runs it)."""
    from ._peers import _need_virtual, _run

    _need_virtual(target, "mpremote")
    if target.webrepl_latency is not None:
        raise FeatureUnavailableError("mpremote has no WebREPL: its figures are serial only")
    if importlib.util.find_spec("mpremote") is None:
        raise FeatureUnavailableError("mpremote is not installed here: pip install mpremote")
    with tempfile.TemporaryDirectory() as tmp, target.virtual_board() as (port, vb):
        noise, _source = _files(Path(tmp, "host"))
        (vb.root / noise.name).write_bytes(noise.read_bytes())
        out = Path(tmp, "got")
        out.mkdir()
        command = [sys.executable, "-m", "mpremote", "connect", port]
        command += ["fs", "cp", f":{noise.name}", "."]
        start = time.perf_counter()
        done = _run(command, "mpremote", cwd=out)
        seconds = time.perf_counter() - start
        if done.returncode != 0 or (out / noise.name).read_bytes() != noise.read_bytes():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise FeatureUnavailableError(f"mpremote get bench failed: {last}")
    return {"get_random_s": round(seconds, 3)}

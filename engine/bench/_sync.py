"""Sync figures: full, no-op and one-file-changed times on real library code, and the
effective byte rates of source and of incompressible data as ratios to the link's rate."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..device import Device
from ._run import BenchTarget

SOURCE_BYTES = 240_000  # about this much real Python from an installed library
RANDOM_BYTES = 16_384  # plus this much incompressible data, in the same folder
RATE_RANDOM_BYTES = 131_072  # measuring the raw rate needs more than 16 KB to be steady
CHANGED_SIZE = 27_000  # the one-file-changed case edits the file nearest this size
REAL_BOARD_DST = "/_belay_bench"  # never sync over a real board's own files


@dataclass(frozen=True)
class Corpus:
    """The folder synced: ``source/`` (library code) and ``data/random.bin``."""

    folder: Path
    source_bytes: int
    random_bytes: int
    changed: Path

    @property
    def total_bytes(self) -> int:
        return self.source_bytes + self.random_bytes


def build_corpus(dest: Path) -> Corpus:
    """Copy ~240 KB of ``rich``'s modules (a dependency, so always present) and 16 KB of
    seeded random bytes into ``dest``."""
    import rich

    source = dest / "source"
    source.mkdir(parents=True)
    total = 0
    for path in sorted(Path(rich.__file__).parent.glob("*.py")):
        shutil.copyfile(path, source / path.name)
        total += path.stat().st_size
        if total >= SOURCE_BYTES:
            break
    (dest / "data").mkdir()
    (dest / "data" / "random.bin").write_bytes(random.Random(0).randbytes(RANDOM_BYTES))
    changed = min(source.iterdir(), key=lambda p: abs(p.stat().st_size - CHANGED_SIZE))
    return Corpus(dest, total, RANDOM_BYTES, changed)


def edit(path: Path) -> None:
    """A real change (a comment would vanish in minify): one more line of code."""
    with path.open("a", encoding="utf-8") as f:
        f.write("\n_bench_changed = 1\n")


def measure_sync(target: BenchTarget) -> dict:
    """Sync the corpus to an empty board, again unchanged, and after editing one file;
    then time source alone and 128 KB of random bytes for their effective rates."""
    dst = "/" if target.port is None else REAL_BOARD_DST
    with (
        tempfile.TemporaryDirectory() as tmp,
        target.board() as (port, _vb),
        target.connect(port) as device,
    ):
        corpus = build_corpus(Path(tmp, "corpus"))
        sent0 = device.connection.stats.bytes_out
        full = _timed(lambda: device.sync(corpus.folder, dst))
        sent_full = device.connection.stats.bytes_out - sent0
        noop = _timed(lambda: device.sync(corpus.folder, dst))
        edit(corpus.changed)
        one = _timed(lambda: device.sync(corpus.folder, dst))
        changed_bytes = corpus.changed.stat().st_size
        rate_dst = f"{dst.rstrip('/')}/_rate"
        source = _timed(lambda: device.sync(corpus.folder / "source", f"{rate_dst}_src"))
        noise = Path(tmp, "noise")
        noise.mkdir()
        (noise / "random.bin").write_bytes(random.Random(1).randbytes(RATE_RANDOM_BYTES))
        raw = _timed(lambda: device.sync(noise, f"{rate_dst}_bin"))
        if target.port is not None:
            _remove_tree(device, dst)
    figures = {
        "corpus_bytes": corpus.total_bytes,
        "full_s": round(full, 3),
        "noop_s": round(noop, 3),
        "one_changed_s": round(one, 3),
        "changed_file_bytes": changed_bytes,
        "bytes_sent_full": sent_full,
        "source_bytes_per_s": round(corpus.source_bytes / source),
        "random_bytes_per_s": round(RATE_RANDOM_BYTES / raw),
    }
    figures["noop_over_full"] = round(noop / full, 3)
    figures["one_changed_over_full"] = round(one / full, 3)
    if target.bps:
        figures["link_floor_full_s"] = round(corpus.total_bytes / target.bps, 3)
        figures["source_ratio_to_link"] = round(corpus.source_bytes / source / target.bps, 2)
        figures["random_ratio_to_link"] = round(RATE_RANDOM_BYTES / raw / target.bps, 3)
    return figures


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _remove_tree(device: Device, dst: str) -> None:
    with tempfile.TemporaryDirectory() as empty:
        device.sync(empty, dst)
    device(f"import os\nos.rmdir({dst!r})", record=False)

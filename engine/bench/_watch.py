"""The watch figure: how long from saving a small file to that file being on the board."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from ..exceptions import FeatureUnavailableError
from ..minify import minify
from ..watch import Watcher
from ._run import BenchTarget


def measure_watch(target: BenchTarget, saves: int = 15) -> dict:
    """Save a small module ``saves`` times; time each save until the board's filesystem
    holds the new content (read on the host, so a virtual board only)."""
    if target.port is not None:
        raise FeatureUnavailableError("the watch figure needs a virtual board's filesystem")
    times = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        target.virtual_board() as (port, board),
        target.connect(port) as device,
    ):
        folder = Path(tmp, "src")
        folder.mkdir()
        (folder / "main.py").write_text("import mod\n")
        with Watcher(device, folder) as watcher:
            if not watcher.ready.wait(60):
                raise FeatureUnavailableError("the watch did not start")
            for n in range(saves):
                text = f"value = {n}\n"
                times.append(_save_and_wait(folder / "mod.py", board.root / "mod.py", text))
    return {
        "saves": saves,
        "save_to_board_median_ms": round(1000 * statistics.median(times), 1),
        "save_to_board_max_ms": round(1000 * max(times), 1),
    }


def _save_and_wait(path: Path, on_board: Path, text: str, timeout: float = 20) -> float:
    expected = minify(text).encode()
    start = time.perf_counter()
    path.write_text(text)
    pause = threading.Event()
    while True:
        try:
            if on_board.read_bytes() == expected:
                return time.perf_counter() - start
        except OSError:
            pass
        if time.perf_counter() - start > timeout:
            raise FeatureUnavailableError(f"a save did not reach the board in {timeout:g} s")
        pause.wait(0.001)

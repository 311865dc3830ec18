"""Many boards at once: a task on 8 virtual boards run together against one after the other,
and one sync to 7 boards against the same sync to one."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .._concurrent import Job, run_each, settle
from ..emulator import VirtualBoard
from ..fleet import Fleet
from ._run import BenchTarget
from ._sync import _timed, build_corpus

FLEET_BOARDS = 8
SYNC_BOARDS = 7
TASK_SECONDS = 0.25  # how long the task sleeps on each board
SYNC_DST = "/app"  # on every board, empty before its timed sync


def measure_fleet(target: BenchTarget) -> dict:
    """Virtual boards at ``target.bps``: the task figures on 8, the sync figures on 1 and
    then 7 others, all starting empty. The corpus is the sync suite's; its minified forms
    are made before either sync is timed (by a sync elsewhere on the first board), so both
    measure the links and the boards, not the minifier."""
    with tempfile.TemporaryDirectory() as tmp, _boards(FLEET_BOARDS, target.bps) as boards:
        corpus = build_corpus(Path(tmp, "corpus"))
        with Fleet([vb.port for vb in boards]) as fleet:

            @fleet.task
            def bench_nap(seconds):
                import time

                time.sleep(seconds)
                return seconds

            start = time.perf_counter()
            for device in fleet:
                device.task.bench_nap(TASK_SECONDS)
            sequential = time.perf_counter() - start
            start = time.perf_counter()
            bench_nap(TASK_SECONDS)
            concurrent = time.perf_counter() - start

            one, rest = fleet[0], Fleet(fleet.devices[1 : 1 + SYNC_BOARDS])
            one.sync(corpus.folder, "/warm")  # the host's caches, warm for both
            single = _timed(lambda: one.sync(corpus.folder, SYNC_DST))
            many = _timed(lambda: rest.sync(corpus.folder, SYNC_DST))
    figures = {
        "boards": FLEET_BOARDS,
        "task_s": TASK_SECONDS,
        "task_sequential_s": round(sequential, 3),
        "task_concurrent_s": round(concurrent, 3),
        "task_concurrent_over_sequential": round(concurrent / sequential, 3),
        "task_concurrent_over_one_task": round(concurrent / TASK_SECONDS, 2),
        "sync_bytes": corpus.total_bytes,
        "sync_one_board_s": round(single, 3),
        f"sync_{SYNC_BOARDS}_boards_s": round(many, 3),
        f"sync_{SYNC_BOARDS}_over_one": round(many / single, 2),
    }
    if target.bps:
        figures["sync_link_floor_s"] = round(corpus.total_bytes / target.bps, 3)
    return figures


@contextlib.contextmanager
def _boards(n: int, bps: int) -> Iterator[list[VirtualBoard]]:
    """n virtual boards, started at once."""
    boards = [VirtualBoard(bps=bps) for _ in range(n)]
    try:
        settle(run_each([Job(f"board {i}", vb.start) for i, vb in enumerate(boards)]))
        yield boards
    finally:
        for vb in boards:
            vb.close()

"""Running one piece of work per board at the same time, and settling the outcomes.

The one implementation under :class:`~engine.Fleet`, a task registered on several devices,
and the CLI's many-board commands: a thread per board (a board's calls block on its link, not
on the host's CPU), every board runs to its end whatever the others do, and the outcomes come
back in the boards' order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from .exceptions import FleetError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one board did: the value it returned, or the exception it raised."""

    board: str
    value: T | None = None
    error: BaseException | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> T:
        """The value, or the board's exception raised."""
        if self.error is not None:
            raise self.error
        return cast(T, self.value)


@dataclass(frozen=True)
class Job(Generic[T]):
    """One board's share: ``run()`` does it; ``interrupt()`` (from another thread) asks it
    to stop, as Ctrl-C does."""

    board: str
    run: Callable[[], T]
    interrupt: Callable[[], None] = lambda: None


def run_each(jobs: Sequence[Job[T]]) -> list[Outcome[T]]:
    """Run every job at once, each in its own thread, and wait for all of them.

    Ctrl-C while waiting interrupts every job, waits for them to end, and raises
    ``KeyboardInterrupt``. A single job runs in the calling thread, where Ctrl-C is its own.
    """
    if len(jobs) == 1:
        return [_attempt(jobs[0])]
    outcomes: list[Outcome[T] | None] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            outcomes[i] = _attempt(jobs[i])
        except BaseException as e:  # a board's KeyboardInterrupt: this board's outcome
            outcomes[i] = Outcome(jobs[i].board, error=e)

    threads = [
        threading.Thread(target=work, args=(i,), name=f"board {job.board}", daemon=True)
        for i, job in enumerate(jobs)
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        for job in jobs:
            job.interrupt()
        for t in threads:
            t.join()
        raise
    return outcomes  # type: ignore[return-value]


def settle(outcomes: Sequence[Outcome[T]], keep_outcomes: bool = False) -> list[Any]:
    """The values in order, or :class:`FleetError` if any board failed; with
    ``keep_outcomes`` the outcomes themselves, never raising."""
    if keep_outcomes:
        return list(outcomes)
    if any(not o.ok for o in outcomes):
        error = FleetError(outcomes)
        raise error from error.failures[0].error
    return [o.value for o in outcomes]


def _attempt(job: Job[T]) -> Outcome[T]:
    start = time.perf_counter()
    try:
        value = job.run()
    except Exception as e:
        return Outcome(job.board, error=e, seconds=time.perf_counter() - start)
    return Outcome(job.board, value, seconds=time.perf_counter() - start)

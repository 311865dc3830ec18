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
from typing import Any, Generic, TypeVar

from .exceptions import BelayException

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
        return self.value


class FleetError(BelayException):
    """Some boards failed. Raised once every board has finished, so the others' work is
    done; the message names each failing board with its error. ``outcomes`` has every
    board's :class:`Outcome`, in order; ``failures`` only the failed ones. The first
    failure's exception is the ``__cause__``."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        self.failures = [o for o in self.outcomes if not o.ok]
        lines = "; ".join(f"{o.board}: {_describe(o.error)}" for o in self.failures)
        count = len(self.failures)
        head = (
            "1 board failed"
            if count == 1 and len(self.outcomes) == 1
            else f"{count} of {len(self.outcomes)} boards failed"
        )
        super().__init__(f"{head}: {lines}")


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


def _describe(error: BaseException | None) -> str:
    """One line: the exception's type and its last line (a board traceback's verdict)."""
    text = str(error).strip()
    last = text.splitlines()[-1].strip() if text else ""
    name = type(error).__name__
    return f"{name}: {last}" if last and not last.startswith(name) else (last or name)

"""Engine work as jobs, and the lane that runs them one at a time in arrival order.

The session (:mod:`belay_tui.session`) queues a :class:`Job` per piece of engine work; its
:class:`Lane` hands out turns, so a REPL line typed during a sync runs right after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import Device


@dataclass(eq=False)
class Job:
    """One piece of engine work. ``work`` gets the connected :class:`Device` (None for the
    connect job itself). ``on_error`` handles a failure; without it the app notifies."""

    label: str
    work: Callable[[Device | None], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    needs_device: bool = True
    lane: bool = True  # False: host-only work (downloads) that need not wait for the board
    result: Any = None
    error: BaseException | None = None


class Lane:
    """Turn-taking in arrival order. ``close`` wakes every waiter and refuses new turns."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._issued = 0
        self._serving = 0
        self.closed = False

    def ticket(self) -> int:
        with self._cond:
            self._issued += 1
            return self._issued - 1

    def wait(self, ticket: int) -> bool:
        """Block until ``ticket`` is served; False when the lane closed meanwhile."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._serving == ticket)
            return not self.closed

    def done(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

"""Waiting in tests: on a condition or on a child process's next line, always with a
deadline, and failing with what was awaited (never a fixed sleep, never a hang until the
suite's own timeout)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")

#: Long enough for a loaded 2-core machine; a wait that passes it is a failure, not noise.
TIMEOUT = 30.0


def until(condition: Callable[[], T], what: str, timeout: float = TIMEOUT, every=0.02) -> T:
    """Poll ``condition`` (sleeping ``every`` seconds between looks, so the board it waits
    for gets the cores) until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)
    return value


class Lines:
    """The lines a child process writes to a pipe, read by a thread so that a test can wait
    for the next one with a deadline (``readline()`` alone blocks until the suite's timeout
    when the line never comes)."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stream = stream
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            for line in self._stream:
                self._lines.put(line)
        except ValueError:  # the pipe was closed under us at the end of the test
            pass
        self._lines.put(None)

    def next(self, what: str, timeout: float = TIMEOUT) -> str:
        """The next line (with its newline); fails naming ``what`` if none comes in time or
        the process closed its output first."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}") from None
        if line is None:
            raise AssertionError(f"the process ended its output before {what}")
        return line

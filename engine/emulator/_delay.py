"""A one-way delay, as a network path adds: work runs in order, each piece ``delay`` seconds
after it was handed in, on a thread of its own (so a slow receiver never blocks the sender)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from ..exceptions import ConnectionLost

_STOP = None


class DelayLine:
    """Runs each queued callable ``delay`` seconds after :meth:`put`, in order."""

    def __init__(self, delay: float, name: str) -> None:
        self.delay = delay
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, work: Callable[[], None]) -> None:
        self._queue.put((time.monotonic() + self.delay, work))

    def stop(self) -> None:
        """Run what is queued, then end the thread."""
        self._queue.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            due, work = item
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                work()
            except (OSError, ConnectionLost):
                return  # the connection it writes to is gone: so is this line

"""What the file transfers share (the sync's writes, ``device.fs``'s reads): progress in
bytes, reported to a callback and the device's events, and Ctrl-C held back while the
board's interrupt character is off."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .events import Progress

if TYPE_CHECKING:
    from .device import Device

ProgressCallback = Callable[[Progress], None]


class Reporter:
    """Progress of ``task`` in bytes, to the callback and the device's events."""

    def __init__(
        self, device: Device, callback: ProgressCallback | None, total: int, task: str
    ) -> None:
        self.device = device
        self.callback = callback
        self.total = total
        self.task = task
        self.done = 0

    def advance(self, n: int, item: str) -> None:
        self.done += n
        event = Progress(self.task, self.done, self.total, item)
        if self.callback is not None:
            self.callback(event)
        self.device.events.publish(event)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[threading.Event]:
    """While the board's interrupt character is off, Ctrl-C on the host must not cut a
    chunk in half: it sets an event that the transfer checks between chunks."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: flag.set())
    except ValueError:  # not the main interpreter
        yield flag
        return
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)

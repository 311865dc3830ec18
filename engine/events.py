"""Typed events the engine publishes, and the small bus that carries them.

The TUI subscribes and turns events into Textual messages; scripts may subscribe too.
Callbacks run on the thread that published, so they must be quick and must not call back
into the device.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from time import time


@dataclass(frozen=True)
class Event:
    at: float = field(default_factory=time, kw_only=True)


@dataclass(frozen=True)
class Output(Event):
    """Text the board printed. ``stream`` is "stdout" or "stderr"."""

    text: str
    stream: str = "stdout"


@dataclass(frozen=True)
class Connected(Event):
    """A (re)connection finished: the board is at a clean raw REPL with the runtime loaded."""

    port: str
    implementation: object
    count: int


@dataclass(frozen=True)
class Progress(Event):
    """Long work moving on: ``done`` of ``total`` units (bytes for transfers)."""

    task: str
    done: int
    total: int
    item: str = ""


Listener = Callable[[Event], None]


class EventBus:
    """Fan-out of events to listeners; a failing listener does not stop the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            # A broken listener must not break the engine or the other listeners.
            with contextlib.suppress(Exception):
                listener(event)

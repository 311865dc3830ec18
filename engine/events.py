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
from enum import StrEnum
from time import time
from typing import Literal


@dataclass(frozen=True)
class Event:
    """Something that happened; ``at`` is when (not compared: equal events say the same)."""

    at: float = field(default_factory=time, kw_only=True, compare=False)


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


@dataclass(frozen=True)
class LinkLost(Event):
    """The link went down: the port vanished, the board reset under a call, or it stopped
    answering. ``reason`` says which, in a line."""

    port: str
    reason: str


@dataclass(frozen=True)
class Reconnecting(Event):
    """Try ``attempt`` of ``attempts`` (negative: no limit) to open the link again."""

    port: str
    attempt: int
    attempts: int
    reason: str = ""


@dataclass(frozen=True)
class Restoring(Event):
    """The link is back; the runtime is installed and ``entries`` history entries replay."""

    port: str
    entries: int


@dataclass(frozen=True)
class ReconnectFailed(Event):
    """Reconnecting gave up; calls raise ``ConnectionLost`` until a reconnect works."""

    port: str
    reason: str


class LinkPhase(StrEnum):
    """Where a link stands (the ``state`` of :class:`LinkState`), in the order a link
    usually passes through them. Members are strings: ``phase == "lost"`` holds."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    BUSY = "busy"  # a call runs
    LOST = "lost"
    RECONNECTING = "reconnecting"
    RESTORING = "restoring"  # back, the history replaying
    FAILED = "failed"  # reconnecting gave up

    @property
    def usable(self) -> bool:
        """Whether calls can run now."""
        return self in (LinkPhase.CONNECTED, LinkPhase.BUSY)

    @property
    def down(self) -> bool:
        """Whether the link is gone and not coming back on its own right now."""
        return self in (LinkPhase.LOST, LinkPhase.RECONNECTING, LinkPhase.FAILED)


@dataclass(frozen=True)
class LinkState(Event):
    """The link supervisor's state changed (see ``engine.link``).

    ``state`` is a :class:`LinkPhase`; ``reason`` says why in a line (what runs, for
    busy). While reconnecting, this is try ``attempt`` of ``attempts`` (negative: no limit).
    ``connects`` counts the connections made so far; ``last_ok`` is the wall-clock time of
    the last good exchange (None before the first).
    """

    port: str
    state: LinkPhase
    reason: str = ""
    attempt: int = 0
    attempts: int = 0
    connects: int = 0
    last_ok: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", LinkPhase(self.state))  # "lost" works too

    @property
    def usable(self) -> bool:
        """Whether calls can run now (connected or busy)."""
        return self.state.usable


@dataclass(frozen=True)
class DeviceReport(Event):
    """Periodic health figures read on the board while the link is idle.

    ``fs_free`` is -1 when the board has no filesystem to ask. ``uptime`` is seconds since
    the board last reset (every connect soft-resets it), by the board's own clock.
    """

    port: str
    mem_free: int
    mem_alloc: int
    fs_free: int
    uptime: float


@dataclass(frozen=True)
class Synced(Event):
    """A sync finished: board paths written and deleted, and how long it took."""

    dst: str
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class SyncFailed(Event):
    """A watch's sync (or its script) failed; the watch goes on. ``message`` is one line."""

    folder: str
    message: str


WatchState = Literal["syncing", "watching", "running", "stopped"]


@dataclass(frozen=True)
class WatchStatus(Event):
    """What a watch is doing: "syncing", "watching", "running" (its script) or "stopped"."""

    folder: str
    state: WatchState


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


@dataclass(frozen=True)
class DependencyStatus(Event):
    """One dependency's state during ``update``, ``clean`` or ``install`` (a row in a table).

    ``state``: ``queued``, ``fetching`` (``detail`` is the URL; ``done``/``total`` bytes of
    it, ``total`` 0 when unknown), ``updated``, ``unchanged``, ``failed`` (``detail`` says
    why), ``removed``, ``verified``, ``unlocked`` (no lock to check against) or ``installed``.
    """

    group: str
    name: str
    state: str
    detail: str = ""
    done: int = 0
    total: int = 0

"""The link supervisor: one state for a UI to show, a keepalive, reconnects, device reports.

``Link(device)`` watches a :class:`~engine.Device` from a background thread and publishes
:class:`~engine.events.LinkState` on the device's event bus at every change of state, with
the reason, and :class:`~engine.events.DeviceReport` every few seconds while idle::

    device = Device(port, attempts=-1)
    with Link(device) as link:  # start() ... stop()
        device.events.subscribe(print)
        ...

The device does the work (reconnect, replay, call timeouts; see docs/connections.md); the
link turns its events into states and keeps an idle link honest:

- each tick (0.1 s) it takes in what the board sent while idle, which notices a pulled
  cable (the port reports a hang-up) or a board that reset (its banner) at once;
- every ``keepalive`` seconds without a good exchange it sends an empty program, which a
  board answers without running Python: a board that stopped answering is noticed within
  ``keepalive + probe_wait`` seconds (1.5 s by default);
- after a loss it reconnects at once when the device's ``attempts`` allows, instead of at
  the next call.

All of it happens only while no call runs and never while :meth:`Link.paused`, so a board
thread, a long task and a user's REPL session are left alone.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .device import Device
from .events import (
    Connected,
    Event,
    EventBus,
    LinkLost,
    LinkPhase,
    LinkState,
    ReconnectFailed,
    Reconnecting,
    Restoring,
)
from .exceptions import BelayException
from .text import last_line

TICK = 0.1  # seconds between looks at the device


class Link:
    """Supervises ``device``'s link; see the module docstring.

    ``keepalive``: seconds of silence before a probe. ``probe_wait``: seconds a probe may
    take. ``report_every``: seconds between device reports (0: none). ``busy_after``:
    seconds a call runs before the state says busy (quick calls do not flicker it).
    """

    def __init__(
        self,
        device: Device,
        *,
        keepalive: float = 0.5,
        probe_wait: float = 1.0,
        report_every: float = 5.0,
        busy_after: float = 0.25,
    ) -> None:
        for name, value in (("keepalive", keepalive), ("probe_wait", probe_wait)):
            if not value > 0:
                raise ValueError(f"{name} must be more than 0 seconds, not {value!r}")
        if report_every < 0 or busy_after < 0:
            raise ValueError("report_every and busy_after must be 0 or more seconds")
        self.device = device
        self.events: EventBus = device.events
        self.keepalive = keepalive
        self.probe_wait = probe_wait
        self.report_every = report_every
        self.busy_after = busy_after
        self.ticks = 0  # looks at the device so far, for diagnostics
        self.probes = 0  # keepalive probes answered
        state = LinkPhase.CONNECTED if device.connected else LinkPhase.LOST
        self._state = LinkState(device.port, state, "", connects=device.connect_count)
        # Held while publishing, so states reach listeners in the order they happened.
        self._state_lock = threading.RLock()
        self._stop = threading.Event()
        self._pauses = 0
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] = lambda: None

    @classmethod
    def open(
        cls, port: str | None = None, *, events: EventBus | None = None, **options: Any
    ) -> Link:
        """Connect with states from the first moment: ``connecting``, then ``connected``
        (or ``failed``, and the error raised). ``options`` go to :class:`Device`. The link
        is started."""
        bus = events if events is not None else EventBus()
        name = port or "the board"
        bus.publish(LinkState(name, LinkPhase.CONNECTING, f"opening {name}"))
        try:
            device = Device(port, events=bus, **options)
        except BelayException as e:
            bus.publish(LinkState(name, LinkPhase.FAILED, last_line(e)))
            raise
        return cls(device).start()

    # -- what a UI reads -----------------------------------------------------------------

    @property
    def state(self) -> LinkPhase:
        """Where the link stands now."""
        return self._state.state

    @property
    def status(self) -> LinkState:
        """The last published state, with its reason, attempt and counters."""
        return self._state

    @property
    def connects(self) -> int:
        return self.device.connect_count

    @property
    def last_ok(self) -> float | None:
        """Wall-clock time of the last good exchange with the board."""
        return self.device.last_ok

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> Link:
        """Publish the current state, then watch from a background thread."""
        if self._thread is None:
            self._unsubscribe = self.events.subscribe(self._on_event)
            self.events.publish(self._state)
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="belay-link", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (the device stays open); a reconnect of the link's own stops too."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._unsubscribe()

    def __enter__(self) -> Link:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No probes, reports or reconnects meanwhile: for work that owns the port, such as
        a raw terminal session on the board's own REPL."""
        self._pauses += 1
        try:
            yield
        finally:
            self._pauses -= 1

    def reconnect(self) -> None:
        """Reconnect now (e.g. a UI's button after ``failed``), with the device's attempts."""
        self.device.reconnect()

    # -- states --------------------------------------------------------------------------

    def _set(
        self,
        state: LinkPhase,
        reason: str = "",
        attempt: int = 0,
        attempts: int = 0,
        *,
        sampled: bool = False,
    ) -> None:
        """Publish a new state. ``sampled`` (busy or idle, seen by the watch) only moves
        between connected and busy: it never hides a loss reported meanwhile."""
        with self._state_lock:
            old = self._state
            if (old.state, old.reason, old.attempt) == (state, reason, attempt):
                return
            if sampled and not old.state.usable:
                return
            dev = self.device
            self._state = LinkState(
                dev.port, state, reason, attempt, attempts, dev.connect_count, dev.last_ok
            )
            self.events.publish(self._state)

    def _on_event(self, event: Event) -> None:
        if getattr(event, "port", None) != self.device.port:
            return
        if isinstance(event, LinkLost):
            self._set(LinkPhase.LOST, event.reason)
        elif isinstance(event, Reconnecting):
            self._set(LinkPhase.RECONNECTING, event.reason, event.attempt, event.attempts)
        elif isinstance(event, Restoring):
            self._set(LinkPhase.RESTORING, f"replaying {event.entries} history entries")
        elif isinstance(event, Connected):
            restored = self.state == LinkPhase.RESTORING
            self._set(LinkPhase.CONNECTED, "restored" if restored else "connected")
        elif isinstance(event, ReconnectFailed):
            self._set(LinkPhase.FAILED, event.reason)

    # -- the watch -----------------------------------------------------------------------

    def _run(self) -> None:
        next_report = time.monotonic() + self.report_every
        while not self._stop.wait(TICK):
            self.ticks += 1
            dev = self.device
            if dev.closed:
                return
            if self._pauses:
                continue
            state = self.state
            if state == LinkPhase.LOST and dev.attempts != 0:
                with contextlib.suppress(BelayException):
                    dev.ensure_connected(cancel=self._stop)  # its events move the state on
                continue
            if not state.usable:
                continue
            busy = dev.busy
            if busy is not None:
                if busy[1] >= self.busy_after:
                    self._set(LinkPhase.BUSY, f"running {busy[0]}", sampled=True)
                continue
            if state == LinkPhase.BUSY:
                self._set(LinkPhase.CONNECTED, "idle", sampled=True)
            due = time.time() - (dev.last_ok or 0.0) >= self.keepalive
            if not dev.connection.check(probe=due, wait=self.probe_wait):
                continue
            self.probes += due
            if self.report_every and time.monotonic() >= next_report:
                next_report = time.monotonic() + self.report_every
                self._report()

    def _report(self) -> None:
        with self.device.connection.idle() as free:
            if free:
                with contextlib.suppress(BelayException):
                    self.device.report()

"""Shared fixtures: every test runs against real MicroPython on a virtual board."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import pytest

from engine import Device, EventBus, VirtualBoard
from engine.events import Event

# A suite started in the background by a shell without job control (``pytest ... &`` in a
# script, some CI runners) inherits SIGINT ignored, and so would every program it starts:
# the tests of Ctrl-C on the host would wait forever. Python's own handler is restored here,
# and children, which get the default disposition back on exec, install theirs.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def board(tmp_path):
    """A fresh virtual board with an unlimited link; its filesystem is ``board.root``."""
    with VirtualBoard(root=tmp_path / "flash") as vb:
        yield vb


@pytest.fixture
def boards(tmp_path):
    """``boards(n, **options)``: n fresh virtual boards, started at once (so a test of many
    boards costs about one board's start-up); all closed at the end."""
    started: list[VirtualBoard] = []

    def start(n: int, **options) -> list[VirtualBoard]:
        first = len(started)
        new = [VirtualBoard(root=tmp_path / f"flash{first + i}", **options) for i in range(n)]
        started.extend(new)
        threads = [threading.Thread(target=vb.start) for vb in new]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return new

    yield start
    for vb in started:
        vb.close()


@pytest.fixture
def device(board):
    """A connected Device on ``board``."""
    dev = Device(board.port)
    yield dev
    dev.close()


class EventLog:
    """Every event published on a bus, in order, and a way to wait for one."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        bus.subscribe(self._add)

    def _add(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, test: Callable[[Event], bool], timeout: float = 30.0) -> Event:
        """The first event (already seen or to come) that passes ``test``."""
        with self._cond:
            found: list[Event] = []

            def seen() -> bool:
                found[:] = [e for e in self.events if test(e)][:1]
                return bool(found)

            assert self._cond.wait_for(seen, timeout), f"no such event in {self.events}"
            return found[0]


@pytest.fixture
def event_log() -> Callable[[EventBus], EventLog]:
    """``event_log(device.events)``: an :class:`EventLog` on that bus."""
    return EventLog

"""Link resilience: how fast an outage is noticed and how fast the board is back.

Needs the virtual board, which the suite unplugs, replugs and freezes. Figures:

- ``idle_unplug_detect_ms``: cable pulled while idle -> ``lost`` published;
- ``hung_board_detect_ms``: board stops answering, port kept -> ``lost`` (the keepalive);
- ``replug_to_restored_ms``: cable back -> ``connected`` with the history replayed;
- ``restore_floor_ms``: ``device.reconnect()`` with the board present (connect + replay),
  the least a restore can take; ``ratio_to_floor`` compares the two.

Each is the median of ``rounds``.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

from ..device import Device
from ..events import Event, EventBus, LinkPhase, LinkState, Restoring
from ..link import Link
from ._run import BenchTarget

DETECT_BUDGET_S = 2.0  # the bar for noticing an idle outage


class _States:
    """LinkState events as they arrive, stamped with the bench's clock."""

    def __init__(self, bus: EventBus) -> None:
        self._seen: list[tuple[float, LinkState]] = []
        self._cond = threading.Condition()
        bus.subscribe(self._add)

    def _add(self, event: Event) -> None:
        if isinstance(event, LinkState):
            with self._cond:
                self._seen.append((time.perf_counter(), event))
                self._cond.notify_all()

    def wait(self, test: Callable[[LinkState], bool], after: float) -> float:
        """When the first state published after ``after`` that passes ``test`` came."""

        def found() -> float | None:
            return next((t for t, e in self._seen if t >= after and test(e)), None)

        with self._cond:
            self._cond.wait_for(lambda: found() is not None, timeout=30)
            at = found()
            if at is None:
                raise TimeoutError("the link never reached the awaited state")
            return at


def bench_read(x):
    return helper(x)  # noqa: F821 - a board global from the history


def bench_led(v):
    led.value(v)  # noqa: F821


def _history(device: Device) -> None:
    """A typical replay: imports, globals, a helper, tasks and a board thread."""
    device("import os, time\nfrom machine import Pin")
    device("led = Pin(25, Pin.OUT)\nreadings = []\nscale = 3")
    device("def helper(x):\n    return x * scale")
    device.task(bench_read)
    device.task(bench_led)
    device("import _thread\n_thread.start_new_thread(lambda: readings.append(1), ())")


def _restored(state: LinkState) -> bool:
    return state.state == LinkPhase.CONNECTED and state.reason == "restored"


def measure_link(target: BenchTarget, rounds: int = 3) -> dict:
    if target.port:
        return {"skipped": "needs the virtual board (it is unplugged and replugged)"}
    detect, hung, restored, floor = [], [], [], []
    with (
        target.virtual_board() as (port, vb),
        target.connect(port, attempts=-1, output=lambda text: None) as device,
    ):
        _history(device)
        states = _States(device.events)
        replayed: list[int] = []

        def count_replayed(event: Event) -> None:
            if isinstance(event, Restoring):
                replayed.append(event.entries)

        device.events.subscribe(count_replayed)
        for _ in range(rounds):
            start = time.perf_counter()
            device.reconnect()
            floor.append(time.perf_counter() - start)
        with Link(device, report_every=0):
            for _ in range(rounds):
                start = time.perf_counter()
                vb.unplug()
                detect.append(states.wait(lambda s: s.state == LinkPhase.LOST, start) - start)
                states.wait(lambda s: s.state == LinkPhase.RECONNECTING, start)
                start = time.perf_counter()
                vb.replug()
                back = states.wait(_restored, start)
                restored.append(back - start)
            for _ in range(rounds):
                start = time.perf_counter()
                vb.freeze()
                hung.append(states.wait(lambda s: s.state == LinkPhase.LOST, start) - start)
                vb.thaw()
                states.wait(_restored, start)
    ms = lambda xs: round(1000 * statistics.median(xs), 1)  # noqa: E731
    return {
        "history_entries": max(replayed),
        "idle_unplug_detect_ms": ms(detect),
        "hung_board_detect_ms": ms(hung),
        "ratio_worst_detect_to_2s_budget": round(max(detect + hung) / DETECT_BUDGET_S, 2),
        "replug_to_restored_ms": ms(restored),
        "restore_floor_ms": ms(floor),
        "ratio_to_floor": round(statistics.median(restored) / statistics.median(floor), 2),
    }

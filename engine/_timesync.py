"""The board's clock against the host's: Belay's ``sync_time``, ``time_offset`` and
``return_time``.

The board counts ``time.ticks_ms()``; the host keeps wall-clock time. ``sync_time`` asks for
the board's ticks ``samples`` times and keeps the exchange with the smallest round trip,
taking the board's reading to have been made halfway through it (as Belay does): the
offset is ``board seconds - host seconds``. A call made with ``return_time`` brings back the
board's ticks just before and just after it ran; their middle, less the offset, is the host
time at which the call ran on the board.

``ticks_ms`` wraps (after 2**30 ms, about 12.4 days, on most ports): sync again within that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from .exceptions import FeatureUnavailableError

TICKS_CALL = b"_Bk()"  # replies the board's time.ticks_ms(), or None without it


class BoardClock:
    """The offset between the board's ticks and the host's clock, once measured."""

    def __init__(self) -> None:
        self.offset: float | None = None  # board seconds - host seconds
        self.rtt: float | None = None  # the round trip the offset was taken from

    def sync(self, ask: Callable[[], int | None], samples: int = 10) -> float:
        """Measure the offset with ``samples`` round trips of ``ask`` (which returns the
        board's ``ticks_ms``) and keep the one with the smallest round trip."""
        if samples < 1:
            raise ValueError(f"sync_time needs at least 1 sample, not {samples}")
        best: tuple[float, float] | None = None
        for _ in range(samples):
            before = time.time()
            ticks = ask()
            after = time.time()
            if ticks is None:
                raise FeatureUnavailableError("the board has no time.ticks_ms() to sync with")
            rtt = after - before
            if best is None or rtt < best[0]:
                best = (rtt, ticks / 1000 - (before + after) / 2)
        assert best is not None  # samples >= 1
        self.rtt, offset = best
        self.offset = offset
        return offset

    def require(self) -> float:
        """The offset; without one, Belay's rule: ``return_time`` is a ValueError."""
        if self.offset is None:
            raise ValueError(
                "return_time needs the board's clock synchronised: call device.sync_time(), "
                "or connect with auto_sync_time=True"
            )
        return self.offset

    def host_time(self, ticks_ms: float) -> datetime:
        """The host's wall-clock time at which the board's clock read ``ticks_ms``."""
        return datetime.fromtimestamp(ticks_ms / 1000 - self.require())

    def midpoint(self, before_ms: int, after_ms: int) -> datetime:
        """The host time halfway between two board readings taken around a call."""
        return self.host_time((before_ms + after_ms) / 2)

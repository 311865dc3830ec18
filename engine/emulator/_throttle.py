"""A token bucket that paces bytes like a UART of a given byte rate."""

from __future__ import annotations

import time


class Throttle:
    """Allow ``bps`` bytes per second (0: unlimited), in bursts of half a millisecond, so a
    message arrives when its last byte would have crossed a UART, not all at once."""

    def __init__(self, bps: int = 0) -> None:
        self.bps = bps
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self._limited = False  # the last sender took all it was allowed: more is waiting

    def allowance(self) -> int:
        """How many bytes may go now."""
        if self.bps <= 0:
            return 1 << 20
        now = time.monotonic()
        burst = max(1.0, self.bps / 2000)  # 0.5 ms of line time: a message takes its time
        if self._limited:
            # Bytes are queued behind the line: time the relay loop woke late is line time
            # owed to them, not idle time, or a busy machine would run the link below its
            # rate. An idle line banks nothing (a message still takes its time).
            burst *= 8
        self._tokens = min(burst, self._tokens + (now - self._stamp) * self.bps)
        self._stamp = now
        return int(self._tokens)

    def spend(self, n: int) -> None:
        if self.bps > 0:
            self._limited = n >= int(self._tokens)
            self._tokens -= n

    def wait_time(self) -> float:
        """Seconds until at least one byte may go."""
        if self.bps <= 0:
            return 0.0
        return max(0.0, (1 - self._tokens) / self.bps)

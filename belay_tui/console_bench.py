"""``belay-tui bench --suite console``: the REPL console under a flood of output, measured as
a person sees it.

The app runs as its own process in a pseudo-terminal, exactly as in a terminal window; the
bench plays the terminal: it reads the bytes the app draws and types keys into it. It types
a loop printing ``LINES`` numbers and times Enter until the last number is drawn. In the
same run, a :class:`~engine.Device` on a board of the same kind runs the same loop with a
bare output sink: the console's time is stated as a ratio to that. A few letters typed
while the flood runs, and again right after it, time how long the input takes to echo.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from engine import Device, FeatureUnavailableError
from engine.bench import BenchTarget

LINES = 20_000
LOOP = f"for i in range({LINES}): print(i)"
SIZE = (100, 30)  # columns, rows
#: Drawn once the board is connected and has reported its free memory: the app is ready.
READY = re.compile(rb"mem \d")
LAST = str(LINES - 1).encode()
#: The state line while the loop runs (or, on a machine faster than a frame, its end).
RUNNING = re.compile(b"running|" + LAST)
#: Typed into the input during and after the flood; letters no other text on screen has.
MARKS = (b"qzjx", b"vkwq")


def measure_console(target: BenchTarget, timeout: float = 120.0) -> dict:
    """Engine time and console time for the same flood, and the echo latencies."""
    if target.bps and target.port is None:
        raise FeatureUnavailableError("the console figure runs on an unlimited virtual link")
    engine_s = _engine_time(target)
    with tempfile.TemporaryDirectory() as project, _AppInPty(target.port, Path(project)) as app:
        app.expect(READY, timeout)
        app.type(LOOP.encode() + b"\r")
        start = app.type(b"\r")  # a blank line ends the block: it runs
        app.expect(RUNNING, timeout)
        during = app.echo(MARKS[0], timeout)
        shown = app.expect(LAST, timeout) - start
        after = app.echo(MARKS[1], timeout)
    return {
        "lines": LINES,
        "engine_s": round(engine_s, 3),
        "console_s": round(shown, 3),
        "console_over_engine": round(shown / engine_s, 1),
        "echo_during_flood_ms": round(1000 * during, 1),
        "echo_after_flood_ms": round(1000 * after, 1),
    }


def _engine_time(target: BenchTarget) -> float:
    """The engine alone: the loop's call, its output going to a sink that keeps it."""
    received: list[str] = []
    with target.board() as (port, _board), Device(port, output=received.append) as device:
        start = time.perf_counter()
        device(LOOP, record=False)
        elapsed = time.perf_counter() - start
    if not "".join(received).rstrip().endswith(LAST.decode()):
        raise FeatureUnavailableError("the engine did not receive the whole flood")
    return elapsed


class _AppInPty:
    """``belay-tui PORT`` in a pseudo-terminal of ``SIZE``, with what it draws readable."""

    def __init__(self, port: str | None, project: Path) -> None:
        self.port = port or "virtual"
        self.project = project
        self.screen = bytearray()
        self._fd = -1
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> _AppInPty:
        master, slave = os.openpty()
        columns, rows = SIZE
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        env["TERM"] = "xterm-256color"
        command = [sys.executable, "-m", "belay_tui.cli", self.port, "--project", str(self.project)]
        self._process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self._fd = master
        return self

    def __exit__(self, *exc) -> None:
        process = self._process
        with contextlib.suppress(OSError):
            os.write(self._fd, b"\x11")  # ctrl+q
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline:
                self._read(0.05)
        if process.poll() is None:  # the app and the virtual board it started, no more
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(self._fd)

    def type(self, keys: bytes) -> float:
        """Send ``keys``; the time they were sent."""
        os.write(self._fd, keys)
        return time.perf_counter()

    def expect(self, pattern: bytes | re.Pattern, timeout: float) -> float:
        """Read until ``pattern`` is drawn (in what arrives from now on); the time it was."""
        origin = start = len(self.screen)
        deadline = time.monotonic() + timeout
        while True:
            found = (
                pattern.search(self.screen, start)
                if isinstance(pattern, re.Pattern)
                else self.screen.find(pattern, start) >= 0
            )
            if found:
                return time.perf_counter()
            start = max(origin, len(self.screen) - 64)  # a pattern may straddle two reads
            if time.monotonic() > deadline or not self._read(deadline - time.monotonic()):
                what = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
                raise FeatureUnavailableError(f"the console never drew {what.decode()!r}")

    def echo(self, keys: bytes, timeout: float) -> float:
        """Seconds from typing ``keys`` to their being drawn."""
        sent = self.type(keys)
        return self.expect(keys, timeout) - sent

    def _read(self, wait: float) -> bool:
        """Read what the app drew within ``wait`` seconds; False once it has exited."""
        ready, _, _ = select.select([self._fd], [], [], max(0.0, wait))
        if not ready:
            return True
        try:
            data = os.read(self._fd, 1 << 16)
        except OSError:
            return False
        self.screen += data
        return bool(data)

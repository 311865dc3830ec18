"""``exec:COMMAND`` ports: a program whose stdin and stdout are the board, as in Belay and
mpremote. ``exec:micropython`` runs the MicroPython unix port; an emulator such as rp2040js
works the same way.

The program gets a pseudo-terminal, not pipes: a MicroPython REPL only runs interactively on
a terminal, and the terminal turns Ctrl-C into SIGINT while code runs, which is how the unix
port is interrupted. The terminal is otherwise raw (no echo, no line editing, no CR/LF
translation), and only Ctrl-C is a signal key. Closing the transport ends the program; a
reconnect opens the port again, which starts it afresh.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time

from ..exceptions import ConnectionFailedError, ConnectionLost, FeatureUnavailableError
from ._base import Transport
from ._fd import spawn_on_pty, write_all

PREFIX = "exec:"
STARTUP_TIMEOUT = 10.0  # seconds a program gets to show its first prompt
STOP_GRACE = 2.0  # seconds between SIGTERM and SIGKILL on close


class ExecTransport(Transport):
    """A program started with ``sh -c COMMAND`` in its own session, on its own pty."""

    # Raw file bytes could hold Ctrl-C, which the terminal turns into a signal: sync sends
    # files as text commands instead.
    binary_safe = False
    # A soft reset ends the unix port (it exits on Ctrl-D): connecting must not soft-reset.
    survives_soft_reset = False

    def __init__(self, port: str) -> None:
        if os.name != "posix":
            raise FeatureUnavailableError("exec: ports need a POSIX system (they use a pty)")
        self.command = port[len(PREFIX) :].strip()
        if not self.command:
            raise ConnectionFailedError(
                f"{port!r}: give a command after exec:, e.g. exec:micropython"
            )
        self.description = f"{PREFIX}{self.command}"
        self._pending = bytearray()
        try:
            self._fd, self._process = spawn_on_pty(self.command, shell=True, ctrl_c_interrupts=True)
        except OSError as e:
            raise ConnectionFailedError(f"cannot start {self.command!r}: {e}") from None
        try:
            self._await_prompt()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"<ExecTransport {self.command!r}>"

    def _await_prompt(self) -> None:
        """Hold back until the program shows a prompt (or at least says something and goes
        quiet): a Ctrl-C sent before it sets up its terminal would end it."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while b">>> " not in self._pending and b"raw REPL" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConnectionFailedError(
                    f"{self.description} showed no REPL prompt within {STARTUP_TIMEOUT:g} s"
                )
            quiet = 0.5 if self._pending else left
            try:
                data = self._read_fd(min(left, quiet))
            except ConnectionLost as e:
                said = self._pending.decode(errors="replace").strip().splitlines()
                raise ConnectionFailedError(f"{e}{': ' + said[-1] if said else ''}") from None
            if not data and self._pending:
                return  # a banner without the usual prompt, then silence: go on
            self._pending += data

    def read(self, timeout: float | None) -> bytes:
        if self._pending:
            data, self._pending = bytes(self._pending), bytearray()
            return data
        return self._read_fd(timeout)

    def _read_fd(self, timeout: float | None) -> bytes:
        if self._fd < 0:
            raise ConnectionLost(f"{self.description} is closed")
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(self._fd, 65536)
        except OSError:
            data = b""  # EIO: the program closed its terminal
        if not data:
            raise ConnectionLost(self._ended())
        return data

    def _ended(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(1)
        code = self._process.returncode
        how = "is still running" if code is None else f"exited with code {code}"
        return f"{self.description} closed its terminal; the program {how}"

    def write(self, data: bytes | memoryview) -> None:
        try:
            write_all(self._fd, data)
        except OSError:
            raise ConnectionLost(self._ended()) from None

    @property
    def in_waiting(self) -> int:
        if self._pending:
            return len(self._pending)
        ready, _, _ = select.select([self._fd], [], [], 0) if self._fd >= 0 else ([], [], [])
        return 1 if ready else 0

    def close(self) -> None:
        """End the program (its whole process group) and release the terminal."""
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
